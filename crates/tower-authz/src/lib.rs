//! A [`tower`] layer that puts Rolegate in front of a Rust HTTP service: every request must
//! carry a valid SigV4 signature made with Rolegate credentials (long-term keys or any
//! session) and be allowed by the signer's policies, or it never reaches the service.
//!
//! **Remote verification, by design.** For each request the layer calls Rolegate's
//! `POST /access/v1/verify` (signed with the service's own Rolegate credentials, which need
//! `rolegate:VerifyRequest` on the resources asked about) with the method, path, query,
//! headers and the SHA-256 of the body exactly as received; Rolegate checks the signature
//! against its keys and sessions and evaluates the signer's policies (`execute-api:Invoke`
//! on `PREFIX/METHOD/PATH` by default). Verifying locally would need the signer's secret
//! key — which only Rolegate holds — and its current policies, revocations and session
//! keys: the service would have to become a Rolegate node. The cost is one round trip per
//! request (one kept-alive connection per clone of the layer's service).
//!
//! On allow, the request goes on with a [`Principal`] in its extensions; on a signature
//! that does not hold, `401`; on a policy denial, `403`; when Rolegate cannot be asked,
//! `503` (fail closed). The body is read whole (up to [`Config::max_body_bytes`]) to be
//! hashed, then handed on unchanged.
//!
//! <https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html>

use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Body;
use serde_json::{Value as Json, json};
use tokio::sync::Mutex;
use tower::{Layer, Service};

/// Where Rolegate is and what to ask it.
#[derive(Clone)]
pub struct Config {
    /// Rolegate's endpoint, `http://HOST:PORT` (plain HTTP on a trusted network or loopback;
    /// put a TLS sidecar in front otherwise).
    pub endpoint: String,
    /// The service's own Rolegate access key id.
    pub access_key_id: String,
    /// Its secret access key.
    pub secret: rolegate_sigv4::SecretKey,
    /// Its session token, when it runs with temporary credentials.
    pub session_token: Option<String>,
    /// The region its calls to Rolegate are signed for.
    pub region: String,
    /// What is decided: see [`Decide`].
    pub decide: Decide,
    /// The credential scope's service the clients sign for (`execute-api` by default).
    pub signing_name: String,
    /// The largest body read to be hashed; a larger one is refused with `413`.
    pub max_body_bytes: usize,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("endpoint", &self.endpoint)
            .field("access_key_id", &self.access_key_id)
            .field("region", &self.region)
            .field("decide", &self.decide)
            .finish_non_exhaustive()
    }
}

/// The action and resource decided for each request.
#[derive(Debug, Clone)]
pub enum Decide {
    /// `execute-api:Invoke` on `PREFIX/METHOD/PATH`, where the prefix is
    /// `arn:aws:execute-api:REGION:ACCOUNT:API/STAGE`.
    ExecuteApi {
        /// The execute-api ARN up to the stage.
        prefix: String,
    },
    /// One `service:Action` on one resource ARN for every request.
    Fixed {
        /// `service:Action`.
        action: String,
        /// The resource ARN.
        resource: String,
    },
}

impl Config {
    /// A configuration deciding `execute-api:Invoke` on `prefix/METHOD/PATH`.
    pub fn execute_api(
        endpoint: impl Into<String>,
        access_key_id: impl Into<String>,
        secret: &str,
        prefix: impl Into<String>,
    ) -> Self {
        Config {
            endpoint: endpoint.into(),
            access_key_id: access_key_id.into(),
            secret: rolegate_sigv4::SecretKey::new(secret),
            session_token: None,
            region: "us-east-1".into(),
            decide: Decide::ExecuteApi {
                prefix: prefix.into(),
            },
            signing_name: "execute-api".into(),
            max_body_bytes: 1 << 20,
        }
    }
}

/// Who signed an allowed request, as Rolegate verified it (in the request's extensions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The caller's ARN (a session ARN for role sessions).
    pub arn: String,
    /// The role's ARN for role sessions, else the caller's.
    pub principal_arn: String,
    /// The account.
    pub account: String,
    /// `aws:userid`.
    pub user_id: String,
    /// `aws:PrincipalType`.
    pub kind: String,
    /// `aws:PrincipalTag/*`.
    pub tags: Vec<(String, String)>,
    /// For temporary credentials, the session's expiry (unix seconds).
    pub session_expires: Option<i64>,
}

/// Rolegate's answer about one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Signed and allowed.
    Allow(Principal),
    /// Signed, but the policies do not allow it.
    Deny(Principal),
    /// The signature or the credentials do not hold (the error code).
    Unauthenticated(String),
}

/// The layer.
#[derive(Debug, Clone)]
pub struct RolegateAuthLayer {
    config: Arc<Config>,
}

impl RolegateAuthLayer {
    /// A layer asking Rolegate as `config` says.
    pub fn new(config: Config) -> Self {
        RolegateAuthLayer {
            config: Arc::new(config),
        }
    }
}

impl<S> Layer<S> for RolegateAuthLayer {
    type Service = RolegateAuth<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RolegateAuth {
            inner,
            client: Client {
                config: self.config.clone(),
                conn: Arc::new(Mutex::new(None)),
            },
        }
    }
}

/// The layer's service.
#[derive(Debug, Clone)]
pub struct RolegateAuth<S> {
    inner: S,
    client: Client,
}

type Conn = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

/// Asks Rolegate, over one kept-alive connection.
#[derive(Clone)]
pub struct Client {
    config: Arc<Config>,
    conn: Arc<Mutex<Option<Conn>>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Why Rolegate could not be asked.
#[derive(Debug)]
pub struct AskError(String);

impl std::fmt::Display for AskError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AskError {}

fn err(e: impl std::fmt::Display) -> AskError {
    AskError(e.to_string())
}

/// The hex SHA-256 of a body (what SigV4 signs).
pub fn body_sha256(body: &[u8]) -> String {
    rolegate_sigv4::hash_payload(body)
}

impl Client {
    /// A client for `config` (the layer makes one per service; tests and tools may use it
    /// directly).
    pub fn new(config: Config) -> Self {
        Client {
            config: Arc::new(config),
            conn: Arc::new(Mutex::new(None)),
        }
    }

    /// Asks Rolegate about one received request: its head and the SHA-256 of its body.
    pub async fn verify(
        &self,
        parts: &http::request::Parts,
        body_sha256: &str,
    ) -> Result<Verdict, AskError> {
        let c = &self.config;
        let mut headers = serde_json::Map::new();
        for name in parts.headers.keys() {
            let values: Vec<Json> = parts
                .headers
                .get_all(name)
                .iter()
                .map(|v| json!(String::from_utf8_lossy(v.as_bytes())))
                .collect();
            headers.insert(name.as_str().to_owned(), Json::Array(values));
        }
        // An HTTP/2 request carries its host in the URI.
        if !headers.contains_key("host")
            && let Some(a) = parts.uri.authority()
        {
            headers.insert("host".into(), json!(a.as_str()));
        }
        let mut ask = json!({
            "request": {
                "method": parts.method.as_str(),
                "path": parts.uri.path(),
                "query": parts.uri.query().unwrap_or(""),
                "headers": headers,
                "body_sha256": body_sha256,
            },
            "service": c.signing_name,
        });
        match &c.decide {
            Decide::ExecuteApi { prefix } => ask["resource_prefix"] = json!(prefix),
            Decide::Fixed { action, resource } => {
                ask["action"] = json!(action);
                ask["resource"] = json!(resource);
            }
        }
        let answer = self.call("/access/v1/verify", ask.to_string()).await?;
        if answer.get("authenticated") != Some(&Json::Bool(true)) {
            let code = answer
                .pointer("/error/code")
                .and_then(Json::as_str)
                .unwrap_or("Unauthenticated");
            return Ok(Verdict::Unauthenticated(code.to_owned()));
        }
        let p = &answer["principal"];
        let s = |k: &str| {
            p.get(k)
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let principal = Principal {
            arn: s("arn"),
            principal_arn: s("principal_arn"),
            account: s("account"),
            user_id: s("user_id"),
            kind: s("type"),
            tags: p
                .get("tags")
                .and_then(Json::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                        .collect()
                })
                .unwrap_or_default(),
            session_expires: p.pointer("/session/expires").and_then(Json::as_i64),
        };
        Ok(if answer.get("decision") == Some(&Json::Bool(true)) {
            Verdict::Allow(principal)
        } else {
            Verdict::Deny(principal)
        })
    }

    /// One signed JSON call to Rolegate; a non-200 answer is an error.
    async fn call(&self, path: &str, body: String) -> Result<Json, AskError> {
        let c = &self.config;
        let authority = c
            .endpoint
            .strip_prefix("http://")
            .ok_or_else(|| err("the endpoint must be http://HOST:PORT"))?
            .trim_end_matches('/')
            .to_owned();
        let mut signed_headers = vec![
            ("host".to_owned(), authority.clone()),
            ("content-type".to_owned(), "application/json".to_owned()),
        ];
        if let Some(t) = &c.session_token {
            signed_headers.push(("x-amz-security-token".to_owned(), t.clone()));
        }
        let signed = rolegate_sigv4::sign_request(
            "POST",
            path,
            "",
            &signed_headers,
            body.as_bytes(),
            &c.access_key_id,
            &c.secret,
            &c.region,
            "rolegate",
            time::OffsetDateTime::now_utc(),
        );
        let mut req = Request::post(path);
        for (k, v) in &signed_headers {
            req = req.header(k, v);
        }
        let req = req
            .header("x-amz-date", &signed.amz_date)
            .header("authorization", &signed.authorization)
            .body(Full::new(Bytes::from(body)))
            .map_err(err)?;
        let mut slot = self.conn.lock().await;
        let mut sender = match slot.take() {
            Some(s) if !s.is_closed() => s,
            _ => {
                let stream = tokio::net::TcpStream::connect(&authority)
                    .await
                    .map_err(err)?;
                let _ = stream.set_nodelay(true);
                let (sender, conn) =
                    hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                        .await
                        .map_err(err)?;
                tokio::spawn(async move {
                    let _ = conn.await;
                });
                sender
            }
        };
        sender.ready().await.map_err(err)?;
        let response = sender.send_request(req).await.map_err(err)?;
        *slot = Some(sender);
        drop(slot);
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(err)?
            .to_bytes();
        if status != StatusCode::OK {
            return Err(AskError(format!(
                "Rolegate answered {status}: {}",
                String::from_utf8_lossy(&bytes)
            )));
        }
        serde_json::from_slice(&bytes).map_err(err)
    }
}

fn refusal<B: From<String>>(status: StatusCode, text: &str) -> Response<B> {
    let mut r = Response::new(B::from(text.to_owned()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain"),
    );
    r
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RolegateAuth<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    ReqBody: Body + From<Bytes> + Send + 'static,
    ReqBody::Data: Send,
    ReqBody::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    ResBody: From<String> + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        // The ready inner service is the one called; a fresh clone takes its place.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let client = self.client.clone();
        Box::pin(async move {
            let (mut parts, body) = req.into_parts();
            let limit = client.config.max_body_bytes;
            let bytes = match Limited::new(body, limit).collect().await {
                Ok(b) => b.to_bytes(),
                Err(_) => {
                    return Ok(refusal(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "the request body is too large or could not be read",
                    ));
                }
            };
            let hash = body_sha256(&bytes);
            match client.verify(&parts, &hash).await {
                Ok(Verdict::Allow(p)) => {
                    parts.extensions.insert(p);
                    inner
                        .call(Request::from_parts(parts, ReqBody::from(bytes)))
                        .await
                }
                Ok(Verdict::Deny(p)) => {
                    tracing::debug!(principal = %p.arn, "denied by Rolegate");
                    Ok(refusal(StatusCode::FORBIDDEN, "denied by policy"))
                }
                Ok(Verdict::Unauthenticated(code)) => Ok(refusal(StatusCode::UNAUTHORIZED, &code)),
                Err(e) => {
                    tracing::error!(error = %e, "Rolegate could not be asked");
                    Ok(refusal(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "authorization unavailable",
                    ))
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_debug_hides_the_secret() {
        let c = Config::execute_api(
            "http://127.0.0.1:1",
            "AKIAEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "arn:aws:execute-api:us-east-1:123456789012:api/prod",
        );
        let shown = format!("{c:?}");
        assert!(shown.contains("AKIAEXAMPLE"));
        assert!(!shown.contains("wJalrXUtnFEMI"));
    }

    #[tokio::test]
    async fn an_unreachable_rolegate_fails_closed() {
        // A port nothing listens on: bind one, learn it, close it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or(9);
        let layer = RolegateAuthLayer::new(Config::execute_api(
            format!("http://127.0.0.1:{port}"),
            "AKIAEXAMPLE",
            "secret",
            "arn:aws:execute-api:us-east-1:123456789012:api/prod",
        ));
        let mut svc = layer.layer(tower::service_fn(|_: Request<Full<Bytes>>| async {
            Ok::<_, std::convert::Infallible>(Response::new(Full::<Bytes>::from("reached")))
        }));
        let req = Request::get("/pets")
            .body(Full::new(Bytes::new()))
            .unwrap_or_default();
        let Ok(ready) = tower::ServiceExt::ready(&mut svc).await;
        let Ok(response) = ready.call(req).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}

//! The HTTP edge: one endpoint (`/`, GET or POST) for IAM and STS, plus `/healthz`, `/readyz`
//! and `/metrics`. Each API request is parsed into a typed operation, authenticated, handed to
//! the service, and rendered as AWS's XML.

use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::Bytes,
    extract::{ConnectInfo, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, request::Parts},
    response::{IntoResponse, Response},
    routing::get,
};
use rolegate_proto::{ErrorCode, IAM_NAMESPACE, Operation, Params, Service as Api, xml};
use rolegate_service::{Reply, RequestEnv, Service, ServiceError, ids};

use crate::{
    authn,
    metrics::{ActionLabels, Metrics, RequestLabels},
};

/// Shared state of the HTTP handlers.
pub struct AppState {
    /// The service.
    pub service: Arc<Service>,
    /// Metrics (shared with the accept loop).
    pub metrics: Arc<Metrics>,
    /// Body limit.
    pub max_body_bytes: usize,
    /// Time to receive a request's body once its head has arrived.
    pub body_read_timeout: Duration,
}

/// The router.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(api).post(api))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state)
}

async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    match state.service.store().ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "store unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "store unreachable").into_response()
        }
    }
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    (
        [(
            "content-type",
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.encode(),
    )
        .into_response()
}

/// What the edge learned about a request before it failed or succeeded.
struct Outcome {
    action: &'static str,
    service: Option<Api>,
    result: Result<Reply, ServiceError>,
}

async fn api(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: axum::extract::Request,
) -> Response {
    let started = Instant::now();
    let request_id = ids::request_id();
    let (parts, body) = req.into_parts();
    // A body declared larger than the limit is refused at once, unread (not after waiting for
    // it until the body-read timeout).
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let body = if declared.is_some_and(|n| n > state.max_body_bytes as u64) {
        Err(axum::Error::new("the declared body is over the limit"))
    } else {
        let Ok(body) = tokio::time::timeout(
            state.body_read_timeout,
            axum::body::to_bytes(body, state.max_body_bytes),
        )
        .await
        else {
            return body_timed_out(&state, &request_id, started);
        };
        body
    };
    let mut outcome = Outcome {
        action: "unknown",
        service: None,
        result: Err(ServiceError::Internal("unhandled".into())),
    };
    outcome.result = handle(
        &state,
        &parts,
        body,
        peer,
        &request_id,
        &mut outcome.action,
        &mut outcome.service,
    )
    .await;
    let namespace = outcome.service.map_or(IAM_NAMESPACE, Api::namespace);
    let (status, body, code) = match &outcome.result {
        Ok(reply) => {
            let result: Option<&dyn xml::XmlStruct> = match reply {
                Reply::Empty => None,
                Reply::Body(b) => Some(b.as_ref() as &dyn xml::XmlStruct),
            };
            (
                StatusCode::OK,
                xml::render_response(outcome.action, namespace, result, &request_id),
                "OK",
            )
        }
        Err(e) => {
            let code = e.code();
            if code.http_status() >= 500 {
                tracing::error!(request_id = %request_id, action = outcome.action, error = ?e, "request failed");
            } else {
                tracing::debug!(request_id = %request_id, action = outcome.action, code = code.as_str(), "request refused");
            }
            let status = StatusCode::from_u16(code.http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (
                status,
                xml::render_error(
                    namespace,
                    code,
                    &e.to_string(),
                    &e.encoded_message()
                        .map(|m| [("EncodedAuthorizationMessage", m)])
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|(_, m)| !m.is_empty())
                        .collect::<Vec<_>>(),
                    &request_id,
                ),
                code.as_str(),
            )
        }
    };
    state
        .metrics
        .requests
        .get_or_create(&RequestLabels {
            action: outcome.action,
            code,
        })
        .inc();
    state
        .metrics
        .latency
        .get_or_create(&ActionLabels {
            action: outcome.action,
        })
        .observe(started.elapsed().as_secs_f64());
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("text/xml"));
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert("x-amzn-requestid", v);
    }
    response
}

/// The body did not arrive within `--body-read-timeout-seconds` (a slow client holding a
/// connection): `RequestTimeout`, and the connection is closed.
fn body_timed_out(state: &AppState, request_id: &str, started: Instant) -> Response {
    let code = ErrorCode::RequestTimeout;
    tracing::debug!(request_id = %request_id, "request body timed out");
    state
        .metrics
        .requests
        .get_or_create(&RequestLabels {
            action: "unknown",
            code: code.as_str(),
        })
        .inc();
    state
        .metrics
        .latency
        .get_or_create(&ActionLabels { action: "unknown" })
        .observe(started.elapsed().as_secs_f64());
    let body = xml::render_error(
        IAM_NAMESPACE,
        code,
        "Your socket connection to the server was not read from or written to within the timeout period.",
        &[],
        request_id,
    );
    let status = StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("text/xml"));
    headers.insert("connection", HeaderValue::from_static("close"));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", v);
    }
    response
}

fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn is_auth_param(name: &str) -> bool {
    matches!(
        name,
        "X-Amz-Algorithm"
            | "X-Amz-Credential"
            | "X-Amz-Date"
            | "X-Amz-Expires"
            | "X-Amz-SignedHeaders"
            | "X-Amz-Signature"
            | "X-Amz-Security-Token"
    )
}

#[allow(
    clippy::too_many_arguments,
    reason = "the edge threads what it learns back to the caller for metrics"
)]
async fn handle(
    state: &AppState,
    parts: &Parts,
    body: Result<Bytes, axum::Error>,
    peer: SocketAddr,
    request_id: &str,
    action_out: &mut &'static str,
    service_out: &mut Option<Api>,
) -> Result<Reply, ServiceError> {
    if parts.method != Method::GET && parts.method != Method::POST {
        return Err(ServiceError::InvalidParameterValue(
            "Only GET and POST are supported.".into(),
        ));
    }
    let body: Bytes =
        body.map_err(|_| ServiceError::RequestEntityTooLarge(state.max_body_bytes))?;
    // The query is decoded once: these pairs are both what SigV4 verifies and the parameters.
    let query = Params::parse_form(parts.uri.query().unwrap_or("").as_bytes())?;
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| !is_auth_param(k))
        .cloned()
        .collect();
    if !body.is_empty() {
        let content_type = parts
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/x-www-form-urlencoded");
        if !content_type
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
        {
            return Err(ServiceError::InvalidParameterValue(format!(
                "Unsupported content type `{content_type}`."
            )));
        }
        pairs.extend(Params::parse_form(&body)?);
    }
    let params = Params::from_pairs(pairs)?;
    let action = params.get("Action").ok_or(ServiceError::Decode(
        rolegate_proto::DecodeError::MissingAction,
    ))?;
    let version = params.get("Version");
    let known = Operation::service_of(action);
    *service_out = known.or_else(|| version.and_then(Api::from_version));
    if let Some((name, _)) = Operation::ALL.iter().find(|(n, _)| *n == action) {
        *action_out = name;
    }
    let Some(service) = known else {
        return Err(ServiceError::Decode(
            rolegate_proto::DecodeError::InvalidAction {
                action: action.to_owned(),
                version: version.unwrap_or_default().to_owned(),
            },
        ));
    };

    let headers = header_pairs(&parts.headers);
    let now = state.service.now_time();
    let authenticated = authn::authenticate(
        &state.service,
        parts.method.as_str(),
        parts.uri.path(),
        &query,
        &headers,
        &body,
        service,
        now,
    )
    .await?;
    let op = Operation::decode(action, version, &params)?;
    let env = RequestEnv {
        request_id: request_id.to_owned(),
        source_ip: Some(peer.ip()),
        secure_transport: false,
        user_agent: parts
            .headers
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        region: authenticated.region.clone(),
        now,
    };
    state.service.record_key_use(
        &authenticated.caller.access_key_id,
        service.signing_name(),
        &authenticated.region,
    );
    state.service.execute(&authenticated.caller, op, &env).await
}

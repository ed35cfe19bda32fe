//! The wire of the authorization API for teams' own services (`rolegate_service::access`
//! owns its semantics):
//!
//! - `POST /access/v1/evaluation` and `POST /access/v1/evaluations`: OpenID AuthZEN 1.0
//!   (<https://openid.net/specs/authorization-api-1_0.html>, sections 6–7). JSON in and out;
//!   the asking service signs with SigV4 (credential scope service `rolegate`) with its own
//!   Rolegate credentials. A decision is always `200` (`{"decision": false}` for a denial);
//!   `400` for a malformed request, `401` for a failed signature, `403` when the asker is not
//!   allowed `rolegate:EvaluateAccess` on the subject. `X-Request-ID` is echoed.
//! - `POST /access/v1/verify`: a SigV4-signed request as a service received it (method,
//!   path, query, headers, body hash) → whether its signature holds, who signed it, and the
//!   decision for `execute-api:Invoke` on its execute-api ARN or any `service:Action`. The
//!   asking service signs like an AuthZEN call and needs `rolegate:VerifyRequest` on the
//!   resource asked about.
//! - `/access/v1/forward-auth` (any method): nginx `auth_request` and Caddy `forward_auth`.
//!   The original request is read from `X-Original-Method`/`X-Original-URI` (nginx) or
//!   `X-Forwarded-Method`/`X-Forwarded-Uri` (Caddy), its `Host` from `X-Forwarded-Host`, its
//!   client from `X-Forwarded-For`/`-Proto`; the proxy proves itself with the secret of
//!   `--access-forward-auth-secret-file` in `X-Rolegate-Forward-Auth-Secret` (compared in
//!   constant time; no flag: the endpoint does not exist). It answers `200` with the
//!   principal in `X-Rolegate-*` headers, `401` when the signature does not hold, `403` when
//!   the policies deny. The body never reaches it: a request with a body must sign
//!   `x-amz-content-sha256`, which is then the hash verified and is handed back in
//!   `X-Rolegate-Content-Sha256` for the service to check against the body it receives.

use std::{net::IpAddr, sync::Arc};

use axum::{
    body::Bytes,
    extract::{ConnectInfo, State},
    http::{HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use rolegate_policy::ContextValue;
use rolegate_proto::{Params, Secret};
use rolegate_service::{
    Caller, RequestEnv, ServiceError,
    access::{
        Access, Answer, Channel, Object, PrincipalInfo, Question, Semantic, Subject,
        execute_api_arn,
    },
    authorize::Target,
    ids,
};
use rolegate_sigv4::Request as SignedRequest;
use serde_json::{Map, Value as Json, json};
use subtle::ConstantTimeEq as _;

use crate::{authn, forwarded::ClientOrigin, http::AppState};

/// The credential scope's service of calls to the authorization API itself.
pub const SIGNING_NAME: &str = "rolegate";
/// The signing name protected services' clients use by default (`curl --aws-sigv4
/// aws:amz:REGION:execute-api`).
pub const DEFAULT_SERVICE: &str = "execute-api";
/// The action decided by default.
pub const DEFAULT_ACTION: &str = "execute-api:Invoke";
/// The header carrying the forward-auth secret.
pub const SECRET_HEADER: &str = "x-rolegate-forward-auth-secret";
/// The header saying what forward-auth decides (`prefix=ARN; action=…; service=…`).
pub const TARGET_HEADER: &str = "x-rolegate-target";

/// What the proxy asks forward-auth to decide, from [`TARGET_HEADER`].
#[derive(Debug, Default, PartialEq, Eq)]
struct ForwardTarget {
    prefix: Option<String>,
    resource: Option<String>,
    action: Option<String>,
    service: Option<String>,
}

impl ForwardTarget {
    fn parse(text: &str) -> Result<Self, ServiceError> {
        let mut t = ForwardTarget::default();
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| invalid(format!("{part:?} is not key=value")))?;
            let slot = match k.trim() {
                "prefix" => &mut t.prefix,
                "resource" => &mut t.resource,
                "action" => &mut t.action,
                "service" => &mut t.service,
                other => return Err(invalid(format!("unknown key {other:?}"))),
            };
            if slot.replace(v.trim().to_owned()).is_some() {
                return Err(invalid(format!("{k} given twice")));
            }
        }
        Ok(t)
    }
}

/// The forward-auth secret (`--access-forward-auth-secret-file`), never printed.
#[derive(Clone)]
pub struct ForwardAuthSecret(Arc<Secret>);

impl ForwardAuthSecret {
    /// Reads the secret from a file (surrounding whitespace dropped); an empty file is an
    /// error.
    pub fn from_file(path: &std::path::Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            anyhow::anyhow!("reading the forward-auth secret {}: {e}", path.display())
        })?;
        let text = text.trim();
        anyhow::ensure!(
            text.len() >= 16,
            "the forward-auth secret in {} is shorter than 16 characters",
            path.display()
        );
        Ok(ForwardAuthSecret(Arc::new(Secret::new(text.to_owned()))))
    }

    fn matches(&self, presented: &[u8]) -> bool {
        self.0.expose().as_bytes().ct_eq(presented).into()
    }
}

impl std::fmt::Debug for ForwardAuthSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ForwardAuthSecret(..)")
    }
}

/// An answer of the JSON endpoints.
fn reply(status: StatusCode, body: &Json, request_id: Option<&HeaderValue>) -> Response {
    let mut r = (status, body.to_string()).into_response();
    let h = r.headers_mut();
    h.insert("content-type", HeaderValue::from_static("application/json"));
    if let Some(id) = request_id {
        h.insert("x-request-id", id.clone());
    }
    r
}

fn error_reply(e: &ServiceError, request_id: Option<&HeaderValue>) -> Response {
    let code = e.code();
    let status = match code.http_status() {
        _ if authn_failure(e) => StatusCode::UNAUTHORIZED,
        403 => StatusCode::FORBIDDEN,
        413 => StatusCode::PAYLOAD_TOO_LARGE,
        s if s >= 500 => StatusCode::from_u16(s).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        _ => StatusCode::BAD_REQUEST,
    };
    reply(
        status,
        &json!({ "error": { "code": code.as_str(), "message": e.message() } }),
        request_id,
    )
}

/// Whether an error says the signature or the credentials did not hold.
fn authn_failure(e: &ServiceError) -> bool {
    matches!(
        e,
        ServiceError::InvalidClientTokenId
            | ServiceError::ExpiredToken
            | ServiceError::MissingAuthenticationToken
            | ServiceError::SignatureDoesNotMatch(_)
            | ServiceError::IncompleteSignature(_)
    )
}

fn pairs(headers: &HeaderMap) -> Vec<(String, String)> {
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

fn env_of(state: &AppState, headers: &HeaderMap, origin: ClientOrigin) -> RequestEnv {
    RequestEnv {
        request_id: ids::request_id(),
        source_ip: Some(origin.ip),
        secure_transport: origin.secure,
        user_agent: headers
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        region: String::new(),
        now: state.service.now_time(),
    }
}

fn origin_of(parts: &axum::http::request::Parts, peer: std::net::SocketAddr) -> ClientOrigin {
    parts
        .extensions
        .get::<ClientOrigin>()
        .copied()
        .unwrap_or(ClientOrigin {
            ip: peer.ip(),
            secure: false,
        })
}

/// Reads the body within the server's limits.
async fn body_of(state: &AppState, body: axum::body::Body) -> Result<Bytes, ServiceError> {
    match tokio::time::timeout(
        state.body_read_timeout,
        axum::body::to_bytes(body, state.max_body_bytes),
    )
    .await
    {
        Ok(Ok(b)) => Ok(b),
        Ok(Err(_)) => Err(ServiceError::RequestEntityTooLarge(state.max_body_bytes)),
        Err(_) => Err(ServiceError::InvalidInput(
            "the request body did not arrive in time".into(),
        )),
    }
}

/// Authenticates the asking service: its own SigV4 signature over this very request.
async fn asker(
    state: &AppState,
    parts: &axum::http::request::Parts,
    body: &[u8],
    env: &mut RequestEnv,
) -> Result<Caller, ServiceError> {
    let query = Params::parse_form(parts.uri.query().unwrap_or("").as_bytes())?;
    let headers = pairs(&parts.headers);
    let hash = rolegate_sigv4::hash_payload(body);
    let request = SignedRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: &query,
        headers: &headers,
        payload_hash: &hash,
    };
    let a = authn::verify_signed(&state.service, &request, SIGNING_NAME, env.now).await?;
    env.region = a.region;
    Ok(a.caller)
}

/// `POST /access/v1/evaluation`.
pub async fn evaluation(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    req: axum::extract::Request,
) -> Response {
    authzen(&state, peer, req, false).await
}

/// `POST /access/v1/evaluations`.
pub async fn evaluations(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    req: axum::extract::Request,
) -> Response {
    authzen(&state, peer, req, true).await
}

async fn authzen(
    state: &AppState,
    peer: std::net::SocketAddr,
    req: axum::extract::Request,
    batch: bool,
) -> Response {
    let (parts, body) = req.into_parts();
    let request_id = parts.headers.get("x-request-id").cloned();
    let rid = request_id.as_ref();
    let mut env = env_of(state, &parts.headers, origin_of(&parts, peer));
    let body = match body_of(state, body).await {
        Ok(b) => b,
        Err(e) => return error_reply(&e, rid),
    };
    let caller = match asker(state, &parts, &body, &mut env).await {
        Ok(c) => c,
        Err(e) => return error_reply(&e, rid),
    };
    let json: Json = match serde_json::from_slice(&body) {
        Ok(j @ Json::Object(_)) => j,
        _ => {
            return error_reply(
                &ServiceError::InvalidInput("The body is not a JSON object.".into()),
                rid,
            );
        }
    };
    let access = Access::new(&state.service);
    if !batch {
        let q = match question(&json, None) {
            Ok(q) => q,
            Err(e) => return error_reply(&e, rid),
        };
        return match access.evaluate(&caller, &q, &env).await {
            Ok(a) => reply(StatusCode::OK, &answer_json(a), rid),
            Err(e) => error_reply(&e, rid),
        };
    }
    // Evaluations: the top-level subject, action, resource and context are defaults of each
    // entry; no `evaluations` (or an empty list) is one evaluation of the defaults.
    let semantic = match json.pointer("/options/evaluations_semantic") {
        None => Semantic::ExecuteAll,
        Some(Json::String(s)) => match Semantic::parse(s) {
            Some(s) => s,
            None => {
                return error_reply(
                    &ServiceError::InvalidInput(format!("Unknown evaluations_semantic {s:?}.")),
                    rid,
                );
            }
        },
        Some(_) => {
            return error_reply(
                &ServiceError::InvalidInput("evaluations_semantic must be a string.".into()),
                rid,
            );
        }
    };
    let entries: Vec<&Json> = match json.get("evaluations") {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::Array(a)) => a.iter().collect(),
        Some(_) => {
            return error_reply(
                &ServiceError::InvalidInput("evaluations must be an array.".into()),
                rid,
            );
        }
    };
    let questions: Result<Vec<Question>, ServiceError> = if entries.is_empty() {
        question(&json, None).map(|q| vec![q])
    } else {
        entries.iter().map(|e| question(e, Some(&json))).collect()
    };
    let questions = match questions {
        Ok(q) => q,
        Err(e) => return error_reply(&e, rid),
    };
    match access
        .evaluate_all(&caller, &questions, semantic, &env)
        .await
    {
        Ok(answers) => {
            let list: Vec<Json> = answers.into_iter().map(answer_json).collect();
            if entries.is_empty() {
                // No `evaluations` array: answered as a single evaluation.
                let one = list
                    .into_iter()
                    .next()
                    .unwrap_or(json!({"decision": false}));
                reply(StatusCode::OK, &one, rid)
            } else {
                reply(StatusCode::OK, &json!({ "evaluations": list }), rid)
            }
        }
        Err(e) => error_reply(&e, rid),
    }
}

fn answer_json(a: Answer) -> Json {
    if a.decision {
        json!({ "decision": true })
    } else {
        json!({
            "decision": false,
            "context": { "reason_admin": { "en": a.reason.phrase() } }
        })
    }
}

fn invalid(m: impl Into<String>) -> ServiceError {
    ServiceError::InvalidInput(m.into())
}

/// One AuthZEN question from `entry`, its missing members taken from `defaults`.
fn question(entry: &Json, defaults: Option<&Json>) -> Result<Question, ServiceError> {
    let member = |name: &str| -> Option<&Json> {
        entry
            .get(name)
            .filter(|v| !v.is_null())
            .or_else(|| defaults.and_then(|d| d.get(name)).filter(|v| !v.is_null()))
    };
    let str_of = |v: &Json, field: &str| -> Result<String, ServiceError> {
        v.get(field)
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| invalid(format!("{field} is required and must be a string.")))
    };
    let subject = member("subject").ok_or_else(|| invalid("subject is required."))?;
    let action = member("action").ok_or_else(|| invalid("action is required."))?;
    let resource = member("resource").ok_or_else(|| invalid("resource is required."))?;
    let subject = Subject {
        kind: str_of(subject, "type").map_err(|_| invalid("subject.type is required."))?,
        id: str_of(subject, "id").map_err(|_| invalid("subject.id is required."))?,
        session_name: subject
            .pointer("/properties/session_name")
            .and_then(Json::as_str)
            .map(str::to_owned),
    };
    let action = str_of(action, "name").map_err(|_| invalid("action.name is required."))?;
    let props = resource.get("properties");
    let policy = match props.and_then(|p| p.get("policy")) {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => Some(s.clone()),
        Some(o @ Json::Object(_)) => Some(o.to_string()),
        Some(_) => {
            return Err(invalid(
                "resource.properties.policy must be a JSON document.",
            ));
        }
    };
    let tags = match props.and_then(|p| p.get("tags")) {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::Object(m)) => m
            .iter()
            .map(|(k, v)| {
                v.as_str()
                    .map(|v| (k.clone(), v.to_owned()))
                    .ok_or_else(|| invalid("resource.properties.tags values must be strings."))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(invalid("resource.properties.tags must be an object.")),
    };
    let resource = Object {
        kind: str_of(resource, "type").map_err(|_| invalid("resource.type is required."))?,
        id: str_of(resource, "id").map_err(|_| invalid("resource.id is required."))?,
        // Anything but a string is refused, never ignored (an ignored account would make the
        // resource the subject's own).
        account: match props.and_then(|p| p.get("account")) {
            None => None,
            Some(Json::String(a)) => Some(a.clone()),
            Some(_) => {
                return Err(invalid(
                    "resource.properties.account must be a string (a 12-digit account id).",
                ));
            }
        },
        policy,
        tags,
    };
    let context = match member("context") {
        None => Vec::new(),
        Some(Json::Object(m)) => context_keys(m)?,
        Some(_) => return Err(invalid("context must be an object.")),
    };
    Ok(Question {
        subject,
        action,
        resource,
        context,
    })
}

/// Context members as condition keys: a string, number or boolean is one value, an array
/// of them a multivalued key; anything else is refused.
fn context_keys(m: &Map<String, Json>) -> Result<Vec<(String, ContextValue)>, ServiceError> {
    fn scalar(v: &Json) -> Option<String> {
        match v {
            Json::String(s) => Some(s.clone()),
            Json::Number(n) => Some(n.to_string()),
            Json::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
    m.iter()
        .map(|(k, v)| {
            let value = match v {
                Json::Array(a) => a
                    .iter()
                    .map(scalar)
                    .collect::<Option<Vec<_>>>()
                    .map(ContextValue::Multi),
                v => scalar(v).map(ContextValue::Single),
            };
            value.map(|v| (k.clone(), v)).ok_or_else(|| {
                invalid(format!(
                    "context.{k} must be a string, number, boolean or an array of them."
                ))
            })
        })
        .collect()
}

/// A received request to verify, as plain parts.
struct Received {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    payload_hash: String,
}

/// What is decided about a verified request.
struct Ask {
    signing_name: String,
    action: String,
    resource: String,
}

impl Ask {
    fn new(
        action: Option<&str>,
        resource: Option<&str>,
        prefix: Option<&str>,
        signing_name: Option<&str>,
        method: &str,
        path: &str,
    ) -> Result<Self, ServiceError> {
        let resource = match (resource, prefix) {
            (Some(r), _) => r.to_owned(),
            (None, Some(p)) => {
                if rolegate_policy::arn::Arn::parse(p).is_none_or(|a| a.service != "execute-api") {
                    return Err(invalid(format!(
                        "The resource prefix {p:?} is not an execute-api ARN (arn:aws:execute-api:REGION:ACCOUNT:API/STAGE)."
                    )));
                }
                execute_api_arn(p, method, &decision_path(path)?)
            }
            (None, None) => {
                return Err(invalid(
                    "Name the resource (an ARN) or the execute-api resource prefix.",
                ));
            }
        };
        if resource != "*" && rolegate_policy::arn::Arn::parse(&resource).is_none() {
            return Err(invalid(format!("The resource {resource:?} is not an ARN.")));
        }
        let action = action.unwrap_or(DEFAULT_ACTION).to_owned();
        if !action
            .split_once(':')
            .is_some_and(|(s, a)| !s.is_empty() && !a.is_empty())
            || action.contains(['*', '?'])
        {
            return Err(invalid(format!(
                "The action {action:?} is not service:Action."
            )));
        }
        Ok(Ask {
            signing_name: signing_name.unwrap_or(DEFAULT_SERVICE).to_owned(),
            action,
            resource,
        })
    }
}

/// The path a decision is made on: the received path percent-decoded — what the service
/// behind acts on, however it decodes — and refused when it is not already in normal form
/// (`.` or `..` segments, empty segments, a backslash or a control character, in the raw or
/// the decoded path), since the signature covers the raw path while a proxy or the service
/// may resolve those differently: the resource decided is then always the one served.
fn decision_path(raw: &str) -> Result<String, ServiceError> {
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| invalid("The request path is not UTF-8 once percent-decoded."))?;
    // Encodings a second decoding would turn into a dot, slash or backslash (`%252e`, IIS's
    // `%u002e`): once decoded, the path must not hold them.
    let lower = decoded.to_ascii_lowercase();
    if ["%2e", "%2f", "%5c", "%u"]
        .iter()
        .any(|e| lower.contains(e))
    {
        return Err(invalid(format!(
            "The request path {raw:?} is encoded twice: it is not decided."
        )));
    }
    for p in [raw, decoded.as_ref()] {
        let inner = p.strip_prefix('/').unwrap_or(p);
        let inner = inner.strip_suffix('/').unwrap_or(inner);
        // A segment's dots as Java servers read them: path parameters (`..;x`) cut off,
        // surrounding whitespace ignored.
        let odd = |seg: &str| {
            let bare = seg.split(';').next().unwrap_or(seg).trim();
            bare.is_empty() || bare == "." || bare == ".."
        };
        let abnormal = p.contains(['\\'])
            || p.chars().any(char::is_control)
            || (!inner.is_empty() && inner.split('/').any(odd));
        if abnormal {
            return Err(invalid(format!(
                "The request path {raw:?} is not in normal form (dot or empty segments, backslashes or control characters): it is not decided."
            )));
        }
    }
    Ok(decoded.into_owned())
}

/// The verified caller and decision, or why the signature did not hold.
enum Outcome {
    Decided(Box<(PrincipalInfo, Answer)>),
    Unauthenticated(ServiceError),
}

async fn verify_and_decide(
    state: &AppState,
    received: &Received,
    ask: &Ask,
    channel: Channel<'_>,
    env: &mut RequestEnv,
) -> Result<Outcome, ServiceError> {
    let request = SignedRequest {
        method: &received.method,
        path: &received.path,
        query: &received.query,
        headers: &received.headers,
        payload_hash: &received.payload_hash,
    };
    let access = Access::new(&state.service);
    let shown = (received.method.as_str(), received.path.as_str());
    let authenticated =
        match authn::verify_signed(&state.service, &request, &ask.signing_name, env.now).await {
            Ok(a) => a,
            Err(e) if e.code().http_status() < 500 => {
                access
                    .record_unauthenticated(e.code().as_str(), shown, env)
                    .await?;
                return Ok(Outcome::Unauthenticated(e));
            }
            Err(e) => return Err(e),
        };
    env.region = authenticated.region;
    let caller = authenticated.caller;
    let target = Target::new(ask.action.clone(), ask.resource.clone());
    let answer = access.decide(&caller, &target, channel, shown, env).await?;
    let principal = access.principal(&caller).await?;
    Ok(Outcome::Decided(Box::new((principal, answer))))
}

fn principal_json(p: &PrincipalInfo) -> Json {
    let tags: Map<String, Json> = p.tags.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    json!({
        "arn": p.arn,
        "principal_arn": p.principal_arn,
        "account": p.account,
        "user_id": p.user_id,
        "type": p.kind,
        "access_key_id": p.access_key_id,
        "tags": tags,
        "session": p.session.as_ref().map(|s| json!({
            "issued_ms": s.issued_ms,
            "expires": s.expires,
            "mfa": s.mfa,
            "source_identity": s.source_identity,
        })),
    })
}

/// `POST /access/v1/verify`.
pub async fn verify(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    req: axum::extract::Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let request_id = parts.headers.get("x-request-id").cloned();
    let rid = request_id.as_ref();
    let mut env = env_of(&state, &parts.headers, origin_of(&parts, peer));
    let body = match body_of(&state, body).await {
        Ok(b) => b,
        Err(e) => return error_reply(&e, rid),
    };
    let asker = match asker(&state, &parts, &body, &mut env).await {
        Ok(c) => c,
        Err(e) => return error_reply(&e, rid),
    };
    let parsed = serde_json::from_slice::<Json>(&body)
        .map_err(|_| invalid("The body is not JSON."))
        .and_then(|j| verify_input(&j));
    let (received, ask, source_ip, secure) = match parsed {
        Ok(p) => p,
        Err(e) => return error_reply(&e, rid),
    };
    // The received request's own environment, as the service saw it.
    let mut inner = RequestEnv {
        request_id: env.request_id.clone(),
        source_ip,
        secure_transport: secure,
        user_agent: received
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("user-agent"))
            .map(|(_, v)| v.clone()),
        region: String::new(),
        now: env.now,
    };
    // The asker first: nothing about the received request is told to a service that may not
    // ask about this resource.
    if let Err(e) = Access::new(&state.service)
        .may_verify(&asker, &ask.resource, &env)
        .await
    {
        return error_reply(&e, rid);
    }
    match verify_and_decide(
        &state,
        &received,
        &ask,
        Channel::Service(&asker),
        &mut inner,
    )
    .await
    {
        Ok(Outcome::Decided(d)) => {
            let (principal, answer) = *d;
            let mut body = answer_json(answer);
            body["authenticated"] = json!(true);
            body["action"] = json!(ask.action);
            body["resource"] = json!(ask.resource);
            body["principal"] = principal_json(&principal);
            reply(StatusCode::OK, &body, rid)
        }
        Ok(Outcome::Unauthenticated(e)) => reply(
            StatusCode::OK,
            &json!({
                "decision": false,
                "authenticated": false,
                "error": { "code": e.code().as_str(), "message": e.message() },
            }),
            rid,
        ),
        Err(e) => error_reply(&e, rid),
    }
}

type VerifyInput = (Received, Ask, Option<IpAddr>, bool);

fn verify_input(j: &Json) -> Result<VerifyInput, ServiceError> {
    let r = j
        .get("request")
        .filter(|r| r.is_object())
        .ok_or_else(|| invalid("request is required."))?;
    let s = |v: &Json, f: &str| v.get(f).and_then(Json::as_str).map(str::to_owned);
    let method = s(r, "method").ok_or_else(|| invalid("request.method is required."))?;
    let target = s(r, "path").ok_or_else(|| invalid("request.path is required."))?;
    let (path, mut query_text) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (target.clone(), String::new()),
    };
    if let Some(q) = s(r, "query") {
        query_text = q;
    }
    if !path.starts_with('/') {
        return Err(invalid("request.path must start with '/'."));
    }
    let query = Params::parse_form(query_text.as_bytes())?;
    let headers: Vec<(String, String)> = match r.get("headers") {
        Some(Json::Object(m)) => m
            .iter()
            .map(|(k, v)| match v {
                Json::String(v) => Ok(vec![(k.clone(), v.clone())]),
                Json::Array(a) => a
                    .iter()
                    .map(|v| {
                        v.as_str()
                            .map(|v| (k.clone(), v.to_owned()))
                            .ok_or_else(|| invalid("header values must be strings."))
                    })
                    .collect(),
                _ => Err(invalid("header values must be strings.")),
            })
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect(),
        _ => return Err(invalid("request.headers must be an object.")),
    };
    let payload_hash = match (s(r, "body_sha256"), s(r, "body")) {
        (Some(h), None) => {
            if !(h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
                && h != "UNSIGNED-PAYLOAD"
            {
                return Err(invalid("request.body_sha256 must be 64 hex digits."));
            }
            h.to_ascii_lowercase()
        }
        (None, Some(b)) => rolegate_sigv4::hash_payload(b.as_bytes()),
        (None, None) => rolegate_sigv4::hash_payload(b""),
        (Some(_), Some(_)) => {
            return Err(invalid(
                "Give request.body or request.body_sha256, not both.",
            ));
        }
    };
    let ask = Ask::new(
        j.get("action").and_then(Json::as_str),
        j.get("resource").and_then(Json::as_str),
        j.get("resource_prefix").and_then(Json::as_str),
        j.get("service").and_then(Json::as_str),
        &method,
        &path,
    )?;
    let source_ip = match j.get("source_ip").and_then(Json::as_str) {
        Some(ip) => Some(
            ip.parse()
                .map_err(|_| invalid("source_ip is not an IP address."))?,
        ),
        None => None,
    };
    let secure = j
        .get("secure_transport")
        .and_then(Json::as_bool)
        .unwrap_or(false);
    Ok((
        Received {
            method,
            path,
            query,
            headers,
            payload_hash,
        },
        ask,
        source_ip,
        secure,
    ))
}

/// `/access/v1/forward-auth`, any method.
pub async fn forward_auth(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    req: axum::extract::Request,
) -> Response {
    let Some(secret) = &state.forward_auth_secret else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (parts, _body) = req.into_parts();
    let h = &parts.headers;
    let presented = h.get(SECRET_HEADER).map(HeaderValue::as_bytes);
    if !presented.is_some_and(|p| secret.matches(p)) {
        tracing::warn!(peer = %peer, "forward-auth call without the proxy's secret");
        return plain(
            StatusCode::FORBIDDEN,
            "forward-auth: the proxy's secret is missing or wrong",
        );
    }
    // A header that appears more than once is refused rather than picked from.
    if [
        "x-original-method",
        "x-original-uri",
        "x-forwarded-method",
        "x-forwarded-uri",
        "x-forwarded-host",
        TARGET_HEADER,
    ]
    .iter()
    .any(|n| h.get_all(*n).iter().count() > 1)
    {
        return plain(StatusCode::UNAUTHORIZED, "forward-auth: a repeated header");
    }
    let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok());
    // nginx sends X-Original-*, Caddy X-Forwarded-*; each proxy passes the client's other
    // headers on, so a request carrying both spellings names two requests: refused (a client
    // behind Caddy must not choose the URI Rolegate decides with an X-Original-URI of its own).
    let (method, uri) = match (
        (get("x-original-method"), get("x-original-uri")),
        (get("x-forwarded-method"), get("x-forwarded-uri")),
    ) {
        ((m, Some(u)), (None, None)) | ((None, None), (m, Some(u))) => (m.unwrap_or("GET"), u),
        ((None, None), (_, None)) | ((_, None), (None, None)) => {
            return plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "forward-auth: the proxy sent neither X-Original-URI nor X-Forwarded-Uri",
            );
        }
        _ => {
            return plain(
                StatusCode::UNAUTHORIZED,
                "forward-auth: both X-Original-* and X-Forwarded-Method/Uri: which request?",
            );
        }
    };
    let method = method.to_owned();
    let (path, query_text) = uri.split_once('?').unwrap_or((uri, ""));
    let Ok(query) = Params::parse_form(query_text.as_bytes()) else {
        return plain(
            StatusCode::UNAUTHORIZED,
            "the request's query cannot be read",
        );
    };
    // What to decide: one header the proxy must set (so it always replaces any a client
    // sent under that name), `prefix=ARN` or `resource=ARN`, optionally `action=` and
    // `service=`, separated by `;`.
    let Some(target) = get(TARGET_HEADER).map(ForwardTarget::parse) else {
        return plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "forward-auth: the proxy sent no X-Rolegate-Target",
        );
    };
    let target = match target {
        Ok(t) => t,
        Err(e) => {
            return plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("forward-auth configuration: {e}"),
            );
        }
    };
    // A path not in normal form is the client's doing, not the proxy's configuration.
    if target.prefix.is_some()
        && let Err(e) = decision_path(path)
    {
        return plain(StatusCode::FORBIDDEN, &e.to_string());
    }
    let ask = match Ask::new(
        target.action.as_deref(),
        target.resource.as_deref(),
        target.prefix.as_deref(),
        target.service.as_deref(),
        &method,
        path,
    ) {
        Ok(a) => a,
        Err(e) => {
            return plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("forward-auth configuration: {e}"),
            );
        }
    };
    // The headers as the client sent them: its Host is the proxy's X-Forwarded-Host; the
    // proxy's own headers are not the client's.
    let forwarded_host = get("x-forwarded-host").map(str::to_owned);
    let mut headers: Vec<(String, String)> = pairs(h)
        .into_iter()
        .filter(|(n, _)| {
            !(n.starts_with("x-rolegate-")
                || n.starts_with("x-original-")
                || (forwarded_host.is_some() && n == "host"))
        })
        .collect();
    if let Some(host) = forwarded_host {
        headers.push(("host".into(), host));
    }
    let content_sha = headers
        .iter()
        .find(|(n, _)| n == "x-amz-content-sha256")
        .map(|(_, v)| v.clone());
    // The body never reaches forward auth: only a body hash the signature covers lets the
    // service behind check the body it receives (`X-Rolegate-Content-Sha256`). An unsigned or
    // streaming payload would leave the body anyone's, so it is refused.
    // Only a SHA-256 in SigV4's form (64 lower-case hex digits) binds a body; anything else
    // (`UNSIGNED-PAYLOAD` in any case, streaming markers, an empty or malformed value) would
    // leave the body anyone's.
    let is_sha256 = |h: &str| {
        h.len() == 64
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    if content_sha.as_deref().is_some_and(|h| !is_sha256(h)) {
        let mut r = plain(
            StatusCode::UNAUTHORIZED,
            "forward-auth: the signature must cover the body (x-amz-content-sha256 must be the body's SHA-256 in lower-case hex, not UNSIGNED-PAYLOAD, a streaming payload or anything else)",
        );
        r.headers_mut().insert(
            "x-rolegate-error",
            HeaderValue::from_static("UnsignedPayload"),
        );
        return r;
    }
    let payload_hash = content_sha
        .clone()
        .unwrap_or_else(|| rolegate_sigv4::hash_payload(b""));
    // The client, as the proxy saw it: the proxy holds the secret, so its X-Forwarded-For
    // (its last entry: the address the proxy itself saw) is trusted.
    let source_ip = get("x-forwarded-for")
        .and_then(|v| v.rsplit(',').next())
        .and_then(|ip| ip.trim().parse().ok());
    let mut env = RequestEnv {
        request_id: ids::request_id(),
        source_ip,
        secure_transport: get("x-forwarded-proto").is_some_and(|p| p.eq_ignore_ascii_case("https")),
        user_agent: get("user-agent").map(str::to_owned),
        region: String::new(),
        now: state.service.now_time(),
    };
    let received = Received {
        method,
        path: path.to_owned(),
        query,
        headers,
        payload_hash,
    };
    match verify_and_decide(&state, &received, &ask, Channel::ForwardAuth, &mut env).await {
        Ok(Outcome::Decided(d)) => {
            let (principal, answer) = *d;
            let status = if answer.decision {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            let mut r = plain(
                status,
                if answer.decision {
                    "allowed"
                } else {
                    "denied by policy"
                },
            );
            let out = r.headers_mut();
            // Every value is set, never dropped: anything outside visible ASCII (and `%`
            // itself) is percent-encoded, so a service reads the value it would have read.
            let mut put = |name: &'static str, value: &str| {
                let encoded = header_text(value);
                if let Ok(v) = HeaderValue::from_str(&encoded) {
                    out.insert(name, v);
                }
            };
            put("x-rolegate-decision-reason", &answer.reason.phrase());
            put("x-rolegate-request-id", &env.request_id);
            if answer.decision {
                put("x-rolegate-principal-arn", &principal.arn);
                put("x-rolegate-principal-role-arn", &principal.principal_arn);
                put("x-rolegate-account", &principal.account);
                put("x-rolegate-user-id", &principal.user_id);
                put("x-rolegate-principal-type", principal.kind);
                put("x-rolegate-access-key-id", &principal.access_key_id);
                let tags: String = form_encode(&principal.tags);
                put("x-rolegate-principal-tags", &tags);
                if let Some(s) = &principal.session {
                    put("x-rolegate-session-expires", &s.expires.to_string());
                }
                // Always: the hash the signature was verified with (the empty body's when the
                // request named none), for the service to compare with the body it receives.
                put("x-rolegate-content-sha256", &received.payload_hash);
            }
            r
        }
        Ok(Outcome::Unauthenticated(e)) => {
            let mut r = plain(
                StatusCode::UNAUTHORIZED,
                &format!("{}: {e}", e.code().as_str()),
            );
            if let Ok(v) = HeaderValue::from_str(e.code().as_str()) {
                r.headers_mut().insert("x-rolegate-error", v);
            }
            r
        }
        Err(e) => {
            tracing::error!(error = ?e, "forward-auth failed");
            plain(StatusCode::SERVICE_UNAVAILABLE, "forward-auth unavailable")
        }
    }
}

/// The bytes a header value may hold unencoded: visible ASCII and the space, but `%`.
const HEADER_UNSAFE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS.add(b'%');

/// A principal header's value: UTF-8, percent-encoded outside visible ASCII (and `%`), so
/// every value fits a header and decodes back to itself.
fn header_text(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, HEADER_UNSAFE).to_string()
}

fn form_encode(tags: &[(String, String)]) -> String {
    let enc = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    tags.iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn plain(status: StatusCode, text: &str) -> Response {
    let mut r = (status, text.to_owned()).into_response();
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("text/plain"));
    r
}

#[cfg(test)]
mod decision_path_tests {
    use super::decision_path;

    #[test]
    fn the_decided_path_is_the_served_one() {
        assert_eq!(decision_path("/pets/1").expect("plain"), "/pets/1");
        assert_eq!(decision_path("/%61dmin/x").expect("encoded"), "/admin/x");
        assert_eq!(decision_path("/a%20b/").expect("space"), "/a b/");
        assert_eq!(decision_path("/").expect("root"), "/");
        for bad in [
            "/pets/../admin/x",
            "/pets/./x",
            "/pets//x",
            "/pets/%2e%2e/admin",
            "/pets%2F..%2Fadmin",
            "/a%5c..%5cb",
            "/a%00b",
            "/%ff",
        ] {
            assert!(decision_path(bad).is_err(), "{bad}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_a_server_would_resolve_otherwise_are_not_decided() {
        for bad in [
            "/public/../admin",
            "/public/%2e%2e/admin",
            "/public/..;/admin",
            "/public/..%3b/admin",
            "/public/..%3B/admin",
            "/public/%2e%2e;/admin",
            "/public/.;/admin",
            "/public/..;x=1/admin",
            "/public/..%20/admin",
            "/public/;x/admin",
            "/public/%252e%252e/admin",
            "/public/%u002e%u002e/admin",
            "/public//admin",
            "/public\\admin",
        ] {
            assert!(decision_path(bad).is_err(), "{bad}");
        }
        for good in [
            "/",
            "/public/pets",
            "/public/pets/",
            "/a;b=c/d",
            "/caf%C3%A9",
            "/a%25b",
        ] {
            assert!(decision_path(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn header_values_encode_what_a_header_cannot_hold_and_decode_back() {
        for v in [
            "arn:aws:sts::123456789012:assumed-role/r/s@x.y",
            "arn:aws:iam::123456789012:user/p%41th/ünï",
            "line\nbreak\u{7f}",
        ] {
            let e = header_text(v);
            assert!(HeaderValue::from_str(&e).is_ok(), "{e}");
            assert_eq!(
                percent_encoding::percent_decode_str(&e)
                    .decode_utf8()
                    .expect("utf-8"),
                v
            );
        }
        assert_eq!(
            header_text("arn:aws:iam::1:user/a"),
            "arn:aws:iam::1:user/a",
            "plain ARNs unchanged"
        );
    }
}

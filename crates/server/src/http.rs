//! The HTTP edge: the AWS API (awsQuery at `/`, AWS JSON by `X-Amz-Target`, REST-JSON by
//! method and path), plus `/healthz`, `/readyz` and `/metrics`. Each API request is parsed
//! into a typed operation, authenticated, handed to the service, recorded, and rendered in
//! the protocol it came in.

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
    routing::{any, get, post},
};
use rolegate_proto::{
    DecodeError, ErrorCode, IAM_NAMESPACE, Operation, OperationInfo, Params, Service as Api, Value,
    codec::{Protocol, json, rest_json},
    xml,
};
use rolegate_service::{
    Caller, Reply, RequestEnv, Service, ServiceError, ids,
    recorder::{Failure, Record, TlsDetails},
};

use crate::{
    access, authn,
    forwarded::ClientOrigin,
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
    /// A read-only call whose audit event cannot be written is still answered
    /// (`--audit-fail-open-reads`); every other call fails closed.
    pub audit_fail_open_reads: bool,
    /// The forward-auth proxy's secret; `None`: `/access/v1/forward-auth` does not exist.
    pub forward_auth_secret: Option<crate::access::ForwardAuthSecret>,
}

/// The router.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        // The authorization API for teams' own services (`access`).
        .route("/access/v1/evaluation", post(access::evaluation))
        .route("/access/v1/evaluations", post(access::evaluations))
        .route("/access/v1/verify", post(access::verify))
        .route("/access/v1/forward-auth", any(access::forward_auth))
        // Outbound identity federation's issuer documents (unsigned, public).
        .route(
            "/outbound/{issuer}/.well-known/{document}",
            get(crate::outbound::document),
        )
        // Every other path: awsQuery at `/`, REST operations by their bindings.
        .fallback(api)
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

/// One exchange, as it ended: what the pipeline learned on the way (the protocol always;
/// the operation once routed; the caller once authenticated) and the result.
struct Exchange {
    protocol: Protocol,
    /// The service, once known (for an unknown awsQuery action, from its `Version`).
    service: Option<Api>,
    row: Option<&'static OperationInfo>,
    caller: Option<Caller>,
    /// The owner of the existing key a request whose signature failed claimed.
    claimed: Option<Caller>,
    /// The decoded input, redacted (kept only when something records exchanges).
    input: Option<Value>,
    result: Result<Reply, ServiceError>,
}

/// The request as the pipeline's first step decoded it.
struct Decoded {
    service: Api,
    row: &'static OperationInfo,
    /// The query's decoded pairs: what SigV4 verifies.
    query: Vec<(String, String)>,
    input: Value,
}

/// The pipeline, for every protocol: decode → authenticate (or anonymous, where the table
/// allows an unsigned call) → authorize and execute (the service) → record → render.
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
    // The accept loop's view of the client (`forwarded`: the connection's TLS, and a trusted
    // proxy's `X-Forwarded-*`); a request that did not come through it is the plain peer.
    let origin = parts
        .extensions
        .get::<ClientOrigin>()
        .copied()
        .unwrap_or(ClientOrigin {
            ip: peer.ip(),
            secure: false,
        });
    let mut env = RequestEnv {
        request_id: request_id.clone(),
        source_ip: Some(origin.ip),
        secure_transport: origin.secure,
        user_agent: parts
            .headers
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        region: String::new(),
        now: state.service.now_time(),
    };
    let tls = parts.extensions.get::<crate::tls::TlsSession>().copied();
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut exchange = exchange(&state, &parts, body, &mut env).await;
    let tls = tls.map(|t| TlsDetails {
        version: t.version,
        cipher_suite: t.cipher_suite,
        host: host.as_deref(),
    });
    if let Err(e) = record(&state.service, &exchange, &env, tls).await {
        tracing::error!(request_id = %env.request_id, error = ?e, "the audit trail could not be written");
        // Fail closed: a call whose event could not be kept is not answered as done — unless
        // the operator let successful read-only calls through (`--audit-fail-open-reads`).
        let may_fail_open = exchange
            .row
            .is_some_and(|r| rolegate_service::audit::event::may_fail_open(r.name));
        if !(state.audit_fail_open_reads && may_fail_open && exchange.result.is_ok()) {
            exchange.result = Err(ServiceError::Unavailable("audit trail".into()));
        }
    }
    let action = exchange.row.map_or("unknown", |r| r.name);
    let code = match &exchange.result {
        Ok(_) => "OK",
        Err(e) => {
            let code = e.code();
            if code.http_status() >= 500 {
                tracing::error!(request_id = %request_id, action, error = ?e, "request failed");
            } else {
                tracing::debug!(request_id = %request_id, action, code = code.as_str(), "request refused");
            }
            code.as_str()
        }
    };
    state
        .metrics
        .requests
        .get_or_create(&RequestLabels { action, code })
        .inc();
    state
        .metrics
        .latency
        .get_or_create(&ActionLabels { action })
        .observe(started.elapsed().as_secs_f64());
    render(&exchange, &request_id)
}

/// Runs one request through the pipeline up to its result.
async fn exchange(
    state: &AppState,
    parts: &Parts,
    body: Result<Bytes, axum::Error>,
    env: &mut RequestEnv,
) -> Exchange {
    let protocol = protocol_of(parts);
    let failed = |service, row, caller, input, e| Exchange {
        protocol,
        service,
        row,
        caller,
        claimed: None,
        input,
        result: Err(e),
    };
    // 1. Decode: which operation, and its input as a value of its shape.
    let decoded = match body
        .map_err(|_| {
            (
                None,
                ServiceError::RequestEntityTooLarge(state.max_body_bytes),
            )
        })
        .and_then(|body| decode(parts, &body, protocol).map(|d| (d, body)))
    {
        Ok(d) => d,
        Err((service, e)) => return failed(service, None, None, None, e),
    };
    let (
        Decoded {
            service,
            row,
            query,
            input,
        },
        body,
    ) = decoded;
    let recorded = state
        .service
        .recording()
        .then(|| rolegate_proto::redacted(row.input, &input));
    // 2. Authenticate: a signature is verified whenever there is one; an operation the table
    //    marks unsigned may also be called without (the caller is then anonymous).
    let headers = header_pairs(&parts.headers);
    let signed = authn::is_signed(&query, &headers);
    let authenticated = if signed || row.signed {
        match authn::authenticate(
            &state.service,
            parts.method.as_str(),
            parts.uri.path(),
            &query,
            &headers,
            &body,
            service,
            env.now,
        )
        .await
        {
            Ok(a) => Some(a),
            Err(authn::Refused { error, claimed }) => {
                return Exchange {
                    claimed,
                    ..failed(Some(service), Some(row), None, recorded, error)
                };
            }
        }
    } else {
        None
    };
    let caller = authenticated.map(|a| {
        env.region = a.region;
        a.caller
    });
    // 3. The typed input, with the model's constraints checked.
    let op = match row.decode(input) {
        Ok(op) => op,
        Err(e) => {
            return failed(
                Some(service),
                Some(row),
                caller,
                recorded,
                ServiceError::undecodable(service, e),
            );
        }
    };
    // 4. Authorize and execute.
    let result = match &caller {
        Some(c) if row.signed => {
            state
                .service
                .record_key_use(&c.access_key_id, service.signing_name(), &env.region);
            state.service.execute(c, op, env).await
        }
        _ => state.service.execute_unsigned(op, env).await,
    };
    Exchange {
        protocol,
        service: Some(service),
        row: Some(row),
        caller,
        claimed: None,
        input: recorded,
        result,
    }
}

/// 5. Record: every exchange ends here, whatever its outcome.
async fn record(
    service: &Service,
    ex: &Exchange,
    env: &RequestEnv,
    tls: Option<TlsDetails<'_>>,
) -> Result<(), ServiceError> {
    if !service.recording() {
        return Ok(());
    }
    let message = ex
        .result
        .as_ref()
        .err()
        .map(ServiceError::message)
        .unwrap_or_default();
    let outcome = match &ex.result {
        Ok(reply) => Ok(reply
            .result()
            .map(|(shape, value)| rolegate_proto::redacted(shape, value))),
        Err(e) => Err(Failure {
            code: e.code().as_str(),
            message: &message,
        }),
    };
    service
        .record(Record {
            request_id: &env.request_id,
            time: env.now,
            source_ip: env.source_ip,
            user_agent: env.user_agent.as_deref(),
            // Set once the signature was read.
            region: (!env.region.is_empty()).then_some(env.region.as_str()),
            operation: ex.row.map(|r| (r.service, r.name)),
            caller: ex.caller.as_ref(),
            claimed: ex.claimed.as_ref(),
            input: ex.input.as_ref(),
            outcome,
            tls,
            data: None,
        })
        .await
}

/// 6. Render, in the request's protocol.
fn render(ex: &Exchange, request_id: &str) -> Response {
    let (status, headers, body): (u16, Vec<(String, String)>, Vec<u8>) =
        match (&ex.result, ex.protocol) {
            (Ok(reply), Protocol::AwsQuery) => (
                200,
                Vec::new(),
                xml::render_response(
                    ex.row.map_or("Unknown", |r| r.name),
                    ex.service.map_or(IAM_NAMESPACE, Api::namespace),
                    reply.result(),
                    request_id,
                )
                .into_bytes(),
            ),
            (Ok(reply), Protocol::AwsJson1_0 | Protocol::AwsJson1_1) => {
                (200, Vec::new(), json::encode(reply.result()))
            }
            (Ok(reply), Protocol::RestJson1) => {
                let code = ex.row.and_then(|r| r.http).map_or(200, |b| b.code);
                let r = rest_json::encode(code, reply.result());
                (r.status, r.headers, r.body)
            }
            (Err(e), protocol) => {
                let code = e.code();
                let message = e.message();
                match protocol {
                    Protocol::AwsQuery => {
                        let encoded = e.encoded_message().filter(|m| !m.is_empty());
                        let extra: Vec<(&str, &str)> = encoded
                            .map(|m| ("EncodedAuthorizationMessage", m))
                            .into_iter()
                            .collect();
                        let body = xml::render_error(
                            ex.service.map_or(IAM_NAMESPACE, Api::namespace),
                            code,
                            &message,
                            &extra,
                            request_id,
                        );
                        (code.http_status(), Vec::new(), body.into_bytes())
                    }
                    Protocol::AwsJson1_0 | Protocol::AwsJson1_1 => (
                        code.http_status(),
                        Vec::new(),
                        json::encode_error(json::error_name(code.as_str()), &message, &[]),
                    ),
                    Protocol::RestJson1 => {
                        let r = rest_json::encode_error(
                            code.http_status(),
                            json::error_name(code.as_str()),
                            Some(&message),
                            None,
                        );
                        (r.status, r.headers, r.body)
                    }
                }
            }
        };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, body).into_response();
    let map = response.headers_mut();
    map.insert(
        "content-type",
        HeaderValue::from_static(ex.protocol.content_type()),
    );
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            map.insert(n, v);
        }
    }
    if let Ok(v) = HeaderValue::from_str(request_id) {
        map.insert("x-amzn-requestid", v);
    }
    response
}

/// The protocol of a request: a JSON target header means AWS JSON (1.0 or 1.1 by content
/// type); otherwise the root path is awsQuery and any other path REST-JSON.
fn protocol_of(parts: &Parts) -> Protocol {
    let headers = &parts.headers;
    if !headers.contains_key("x-amz-target") {
        return if parts.uri.path() == "/" {
            Protocol::AwsQuery
        } else {
            Protocol::RestJson1
        };
    }
    let json_1_0 = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.to_ascii_lowercase()
                .starts_with("application/x-amz-json-1.0")
        });
    if json_1_0 {
        Protocol::AwsJson1_0
    } else {
        Protocol::AwsJson1_1
    }
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

/// Step 1 of the pipeline: the operation a request names, and its input decoded by the
/// protocol's codec. An error carries the service when it is known (its namespace renders it).
fn decode(
    parts: &Parts,
    body: &[u8],
    protocol: Protocol,
) -> Result<Decoded, (Option<Api>, ServiceError)> {
    let plain = |e: ServiceError| (None, e);
    if protocol == Protocol::AwsQuery && parts.method != Method::GET && parts.method != Method::POST
    {
        return Err(plain(ServiceError::InvalidParameterValue(
            "Only GET and POST are supported.".into(),
        )));
    }
    // The query is decoded once: these pairs are both what SigV4 verifies and the parameters.
    let query = Params::parse_form(parts.uri.query().unwrap_or("").as_bytes())
        .map_err(|e| plain(e.into()))?;
    if protocol == Protocol::RestJson1 {
        let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let (row, labels) = Operation::route(parts.method.as_str(), target).ok_or_else(|| {
            plain(ServiceError::Decode(DecodeError::UnknownOperation(
                format!("{} {}", parts.method, parts.uri.path()),
            )))
        })?;
        let headers = header_pairs(&parts.headers);
        let request = rest_json::Request {
            query: &query,
            headers: &headers,
            body,
        };
        let input = rest_json::decode(row.input, &labels, &request).map_err(|e| {
            (
                Some(row.service),
                ServiceError::Decode(DecodeError::Serialization(e.0)),
            )
        })?;
        return Ok(Decoded {
            service: row.service,
            row,
            query,
            input,
        });
    }
    if protocol != Protocol::AwsQuery {
        let target = parts
            .headers
            .get("x-amz-target")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default();
        let target = target.as_str();
        let unknown = || {
            plain(ServiceError::Decode(DecodeError::UnknownOperation(
                target.to_owned(),
            )))
        };
        let (prefix, name) = target.rsplit_once('.').ok_or_else(unknown)?;
        let service = Api::from_target_prefix(prefix).ok_or_else(unknown)?;
        let row = Operation::find(service, name)
            .filter(|r| r.service.protocol() == protocol)
            .ok_or_else(unknown)?;
        let input = json::decode(row.input, body).map_err(|e| {
            (
                Some(service),
                ServiceError::Decode(DecodeError::Serialization(e.0)),
            )
        })?;
        return Ok(Decoded {
            service,
            row,
            query,
            input,
        });
    }
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
            return Err(plain(ServiceError::InvalidParameterValue(format!(
                "Unsupported content type `{content_type}`."
            ))));
        }
        pairs.extend(Params::parse_form(body).map_err(|e| plain(e.into()))?);
    }
    let params = Params::from_pairs(pairs).map_err(|e| plain(e.into()))?;
    let action = params
        .get("Action")
        .ok_or_else(|| plain(ServiceError::Decode(DecodeError::MissingAction)))?;
    let version = params.get("Version");
    let row = Operation::services_of(action, Protocol::AwsQuery)
        .find(|r| version.is_none_or(|v| v == r.service.version()))
        .ok_or_else(|| {
            (
                version.and_then(Api::from_version),
                ServiceError::Decode(DecodeError::InvalidAction {
                    action: action.to_owned(),
                    version: version.unwrap_or_default().to_owned(),
                }),
            )
        })?;
    Ok(Decoded {
        service: row.service,
        row,
        input: rolegate_proto::codec::query::decode(row.input, &params),
        query,
    })
}

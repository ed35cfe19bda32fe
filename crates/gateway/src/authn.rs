//! Who signed a request, before `s3s` verifies the signature: the access key id and the
//! session token are read here, the token is required to be signed, and the caller is
//! resolved through Rolegate's own path ([`Service::authenticate`]: revoked sessions,
//! deactivated or deleted keys and users fail at once, within the cache's staleness bound).
//!
//! `s3s` verifies SigV4 (header, presigned, `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` chunk by
//! chunk, trailers) but its [`S3Auth`] hook is handed only the access key id: a session's
//! secret cannot be found without its token, and nothing would check that the token was
//! signed. The gateway closes that gap: it resolves the caller itself, keeps the result for
//! the request in a task-local [`AUTH`] that [`Auth::get_secret_key`] answers from (only for
//! that very access key id), and in the request's extensions for authorization. SigV2 and
//! SigV4a, which `s3s` would accept or half-accept, are refused here with AWS's errors.
//!
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html>

use std::sync::Arc;

use rolegate_service::{Caller, Service, ServiceError};
use rolegate_sigv4::{SecretKey, parse_authorization_header, parse_presigned_query};
use s3s::{S3Error, S3ErrorCode, S3Result, auth::S3Auth};
use time::OffsetDateTime;

use crate::actions::SignatureFacts;

tokio::task_local! {
    /// The authentication of the request this task is serving.
    pub(crate) static AUTH: Arc<AuthState>;
}

/// A caller resolved from a request's credentials.
pub struct Resolved {
    /// Who.
    pub caller: Caller,
    /// The secret the signature must have been made with.
    pub(crate) secret: SecretKey,
    /// Header or query signature, and its age.
    pub signature: SignatureFacts,
    /// The signing region.
    pub region: String,
    /// Whether `host` is among the signed headers.
    pub host_signed: bool,
}

impl std::fmt::Debug for Resolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolved")
            .field("caller", &self.caller.arn())
            .field("signature", &self.signature)
            .finish_non_exhaustive()
    }
}

/// What authentication found.
pub(crate) enum AuthState {
    /// An unsigned request.
    Anonymous,
    /// A known caller.
    Resolved(Arc<Resolved>),
    /// Refused, with the S3 error to answer.
    Failed(S3ErrorCode, String),
}

impl AuthState {
    pub(crate) fn error(&self) -> Option<S3Error> {
        match self {
            AuthState::Failed(code, message) => {
                Some(S3Error::with_message(code.clone(), message.clone()))
            }
            _ => None,
        }
    }
}

const UNSUPPORTED: &str =
    "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.";

fn failed(code: S3ErrorCode, message: impl Into<String>) -> AuthState {
    AuthState::Failed(code, message.into())
}

/// Resolves who signed `parts`.
pub(crate) async fn resolve(
    service: &Service,
    parts: &http::request::Parts,
    now: OffsetDateTime,
) -> AuthState {
    let query = crate::actions::query(&parts.uri);
    let authorization: Vec<&str> = parts
        .headers
        .get_all(http::header::AUTHORIZATION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if authorization.len() > 1 {
        return failed(
            S3ErrorCode::InvalidArgument,
            "The request carries more than one Authorization header.",
        );
    }
    let has = |name: &str| query.iter().any(|(k, _)| k == name);
    // SigV2 (header `AWS AKID:sig`, query `AWSAccessKeyId`/`Signature`) and SigV4a.
    if authorization
        .first()
        .is_some_and(|a| a.starts_with("AWS ") || a.starts_with("AWS4-ECDSA-P256-SHA256"))
        || (has("AWSAccessKeyId") && !has("X-Amz-Algorithm"))
        || query
            .iter()
            .any(|(k, v)| k == "X-Amz-Algorithm" && v == "AWS4-ECDSA-P256-SHA256")
    {
        return failed(S3ErrorCode::InvalidRequest, UNSUPPORTED);
    }
    let (params, auth_type) = match (authorization.first(), has("X-Amz-Algorithm")) {
        (Some(_), true) => {
            return failed(
                S3ErrorCode::InvalidArgument,
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
            );
        }
        (Some(h), false) => match parse_authorization_header(h) {
            Ok(p) => (p, "REST-HEADER"),
            Err(e) => return failed(S3ErrorCode::AuthorizationHeaderMalformed, e.to_string()),
        },
        (None, true) => match parse_presigned_query(&query) {
            Ok(Some(p)) => (p, "REST-QUERY-STRING"),
            Ok(None) => return AuthState::Anonymous,
            Err(e) => {
                return failed(
                    S3ErrorCode::AuthorizationQueryParametersError,
                    e.to_string(),
                );
            }
        },
        (None, false) => return AuthState::Anonymous,
    };
    let header_tokens: Vec<&str> = parts
        .headers
        .get_all("x-amz-security-token")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let query_tokens: Vec<&str> = query
        .iter()
        .filter(|(k, _)| k == "X-Amz-Security-Token")
        .map(|(_, v)| v.as_str())
        .collect();
    let token = match (header_tokens.as_slice(), query_tokens.as_slice()) {
        ([], []) => None,
        ([t], []) => {
            // The token must be covered by the signature: otherwise anyone holding a signed
            // request could swap in another session's token.
            if !params
                .signed_headers
                .iter()
                .any(|h| h == "x-amz-security-token")
            {
                return failed(
                    S3ErrorCode::AccessDenied,
                    "There were headers present in the request which were not signed: x-amz-security-token",
                );
            }
            Some(*t)
        }
        // Every query parameter of a presigned request is signed.
        ([], [t]) if params.presigned => Some(*t),
        _ => {
            return failed(
                S3ErrorCode::InvalidArgument,
                "The request carries more than one security token.",
            );
        }
    };
    let signed_at = parts
        .headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            query
                .iter()
                .find(|(k, _)| k == "X-Amz-Date")
                .map(|(_, v)| v.clone())
        })
        .and_then(|d| {
            time::PrimitiveDateTime::parse(&d, rolegate_sigv4::AMZ_DATE_FORMAT)
                .ok()
                .map(time::PrimitiveDateTime::assume_utc)
        });
    let age_ms = signed_at.map(|t| {
        i64::try_from((now - t).whole_milliseconds())
            .unwrap_or(i64::MAX)
            .max(0)
    });
    let host_signed = params.signed_headers.iter().any(|h| h == "host");
    match service
        .authenticate(&params.scope.access_key_id, token)
        .await
    {
        Ok(a) => AuthState::Resolved(Arc::new(Resolved {
            caller: a.caller,
            secret: a.secret,
            signature: SignatureFacts { auth_type, age_ms },
            region: params.scope.region,
            host_signed,
        })),
        Err(e) => {
            let (code, message) = authentication_error(&e, token.is_some());
            failed(code, message)
        }
    }
}

/// S3's answer for a failed credential lookup.
fn authentication_error(e: &ServiceError, with_token: bool) -> (S3ErrorCode, String) {
    match e {
        ServiceError::ExpiredToken => (
            S3ErrorCode::ExpiredToken,
            "The provided token has expired.".into(),
        ),
        ServiceError::InvalidClientTokenId if with_token => (
            S3ErrorCode::InvalidToken,
            "The provided token is malformed or otherwise invalid.".into(),
        ),
        ServiceError::InvalidClientTokenId => (
            S3ErrorCode::InvalidAccessKeyId,
            "The AWS Access Key Id you provided does not exist in our records.".into(),
        ),
        other => {
            tracing::warn!(error = %other, "authenticating an S3 request failed");
            (
                S3ErrorCode::ServiceUnavailable,
                "Please reduce your request rate.".into(),
            )
        }
    }
}

/// `s3s`'s secret lookup, answered from the request's [`AUTH`] only.
pub(crate) struct Auth;

#[async_trait::async_trait]
impl S3Auth for Auth {
    async fn get_secret_key(&self, access_key: &str) -> S3Result<s3s::auth::SecretKey> {
        let state = AUTH.try_with(Arc::clone).map_err(|_| {
            S3Error::with_message(S3ErrorCode::InternalError, "no authentication in scope")
        })?;
        match &*state {
            AuthState::Resolved(r) if r.caller.access_key_id == access_key => {
                Ok(s3s::auth::SecretKey::from(r.secret.expose()))
            }
            AuthState::Failed(..) => Err(state.error().unwrap_or_else(|| {
                S3Error::with_message(S3ErrorCode::AccessDenied, "Access Denied")
            })),
            // SigV2 reaches here only if `resolve` missed it; an access key id that differs
            // from the one resolved is a request read two ways.
            _ => Err(S3Error::with_message(
                S3ErrorCode::InvalidAccessKeyId,
                "The AWS Access Key Id you provided does not exist in our records.",
            )),
        }
    }
}

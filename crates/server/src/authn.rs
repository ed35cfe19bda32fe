//! SigV4 authentication at the edge: find the signature (header or presigned query, never
//! both), look up the key, verify, and require a session token to be signed.

use rolegate_proto::Service as Api;
use rolegate_service::{Caller, Service, ServiceError};
use rolegate_sigv4::{
    Request, hash_payload, parse_authorization_header, parse_presigned_query, verify,
};
use time::OffsetDateTime;

/// A request that failed authentication: why, and — when the key it names exists and only
/// its signature failed — whose key it is (the audit trail records the attempt in that
/// account, under the key's own bound, so a flood of forged requests elsewhere cannot hide
/// attempts on a real key).
pub struct Refused {
    /// The error the caller gets.
    pub error: ServiceError,
    /// The owner of the existing key the request claimed, when only the signature failed.
    pub claimed: Option<Caller>,
}

impl From<ServiceError> for Refused {
    fn from(error: ServiceError) -> Self {
        Self {
            error,
            claimed: None,
        }
    }
}

impl From<rolegate_sigv4::AuthError> for Refused {
    fn from(e: rolegate_sigv4::AuthError) -> Self {
        ServiceError::from(e).into()
    }
}

/// An authenticated request.
pub struct Authenticated {
    /// Who signed.
    pub caller: Caller,
    /// The signing region.
    pub region: String,
}

fn single_header<'a>(
    headers: &'a [(String, String)],
    name: &str,
) -> Result<Option<&'a str>, ServiceError> {
    let mut it = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str());
    let first = it.next();
    if it.next().is_some() {
        return Err(ServiceError::IncompleteSignature(format!(
            "The request carries more than one '{name}' header."
        )));
    }
    Ok(first)
}

/// Authenticates a request for `service`. `query` is the request's decoded query, the same
/// pairs its parameters were read from (one decoding: what is verified is what is executed).
#[allow(
    clippy::too_many_arguments,
    reason = "the parts of an HTTP request SigV4 covers"
)]
pub async fn authenticate(
    svc: &Service,
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    body: &[u8],
    service: Api,
    now: OffsetDateTime,
) -> Result<Authenticated, Refused> {
    let payload_hash = hash_payload(body);
    let request = Request {
        method,
        path,
        query,
        headers,
        payload_hash: &payload_hash,
    };
    verify_or_claim(svc, &request, service.signing_name(), now).await
}

/// Verifies any SigV4-signed request against Rolegate's keys and sessions — a call to
/// Rolegate, or one a protected service received (the authorization API, `access`): the
/// same rules (one mechanism, a signed session token, the key and session looked up, the
/// credential scope's service `signing_name`, ±15 minutes, a constant-time compare).
/// `request.payload_hash` is the hash the canonical request is built with.
pub async fn verify_signed(
    svc: &Service,
    request: &Request<'_>,
    signing_name: &str,
    now: OffsetDateTime,
) -> Result<Authenticated, ServiceError> {
    verify_or_claim(svc, request, signing_name, now)
        .await
        .map_err(|r| r.error)
}

/// [`verify_signed`], telling whose existing key a request with a bad signature claimed.
async fn verify_or_claim(
    svc: &Service,
    request: &Request<'_>,
    signing_name: &str,
    now: OffsetDateTime,
) -> Result<Authenticated, Refused> {
    let (query, headers) = (request.query, request.headers);
    let header = single_header(headers, "authorization")?;
    let presigned = parse_presigned_query(query)?;
    let params = match (header, presigned) {
        (Some(_), Some(_)) => {
            return Err(ServiceError::InvalidParameterValue(
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified".into(),
            )
            .into());
        }
        (Some(h), None) => parse_authorization_header(h)?,
        (None, Some(p)) => p,
        (None, None) => return Err(ServiceError::MissingAuthenticationToken.into()),
    };
    let token_header = single_header(headers, "x-amz-security-token")?;
    let token = match (
        token_header,
        query.iter().find(|(k, _)| k == "X-Amz-Security-Token"),
    ) {
        (Some(h), _) => {
            if !params
                .signed_headers
                .iter()
                .any(|s| s == "x-amz-security-token")
            {
                return Err(ServiceError::SignatureDoesNotMatch(
                    "The request signature we calculated does not match the signature you provided. The x-amz-security-token header must be signed.".into(),
                )
                .into());
            }
            Some(h.to_owned())
        }
        (None, Some((_, v))) => Some(v.clone()),
        (None, None) => None,
    };
    let credentials = svc
        .authenticate(&params.scope.access_key_id, token.as_deref())
        .await?;
    if let Err(e) = verify(request, &params, &credentials.secret, signing_name, now) {
        return Err(Refused {
            error: e.into(),
            claimed: Some(credentials.caller),
        });
    }
    Ok(Authenticated {
        caller: credentials.caller,
        region: params.scope.region,
    })
}

/// Whether a request carries a signature (an `Authorization` header or a presigned query):
/// then it is verified, even for an operation that may be called unsigned.
pub fn is_signed(query: &[(String, String)], headers: &[(String, String)]) -> bool {
    headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        || query.iter().any(|(k, _)| k == "X-Amz-Algorithm")
}

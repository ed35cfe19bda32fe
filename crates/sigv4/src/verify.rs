//! Server-side verification: scope, clock window, constant-time comparison.
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/signature-v4-troubleshooting.html>

use subtle::ConstantTimeEq;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::{
    AMZ_DATE_FORMAT, SecretKey, SignatureParams,
    canonical::{CanonicalRequest, Request},
    derive_signing_key,
    error::AuthError,
};

/// STS and IAM accept a request up to 15 minutes either side of its timestamp.
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 15 * 60;

const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. \
                        Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/// What a verified signature establishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The access key that signed.
    pub access_key_id: String,
    /// The signing region.
    pub region: String,
    /// The signing service.
    pub service: String,
    /// The request timestamp.
    pub timestamp: OffsetDateTime,
}

/// `AWS4-HMAC-SHA256\n<amz-date>\n<scope>\n<hex(sha256(canonical request))>`.
pub fn string_to_sign(amz_date: &str, scope: &str, canonical: &CanonicalRequest) -> String {
    format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        canonical.hash()
    )
}

fn parse_amz_date(s: &str) -> Option<OffsetDateTime> {
    PrimitiveDateTime::parse(s, AMZ_DATE_FORMAT)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

fn header<'a>(req: &'a Request<'_>, name: &str) -> Result<Option<&'a str>, AuthError> {
    let mut found = req
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str());
    let first = found.next();
    if found.next().is_some() {
        return Err(AuthError::incomplete(format!(
            "The request carries more than one '{name}' header."
        )));
    }
    Ok(first)
}

/// The timestamp the signature covers, in `X-Amz-Date` form, and which header it came from.
fn request_timestamp(
    req: &Request<'_>,
    params: &SignatureParams,
) -> Result<(String, OffsetDateTime), AuthError> {
    let (raw, source) = if let Some(q) = &params.query_date {
        (q.clone(), None)
    } else if let Some(v) = header(req, "x-amz-date")? {
        (v.to_owned(), Some("x-amz-date"))
    } else if let Some(v) = header(req, "date")? {
        let parsed = OffsetDateTime::parse(v, &time::format_description::well_known::Rfc2822)
            .map_err(|_| {
                AuthError::incomplete(format!("Date header '{v}' is not a valid HTTP date."))
            })?;
        let amz = parsed
            .to_offset(time::UtcOffset::UTC)
            .format(AMZ_DATE_FORMAT)
            .map_err(|_| AuthError::incomplete("Date header is out of range."))?;
        (amz, Some("date"))
    } else {
        return Err(AuthError::incomplete(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        ));
    };
    if let Some(name) = source
        && !params.signed_headers.iter().any(|h| h == name)
    {
        return Err(AuthError::mismatch(format!(
            "{MISMATCH} The '{name}' header must be signed."
        )));
    }
    let ts = parse_amz_date(&raw).ok_or_else(|| {
        AuthError::incomplete(format!(
            "X-Amz-Date '{raw}' is not in the ISO-8601 basic format."
        ))
    })?;
    Ok((raw, ts))
}

fn check_clock(amz_date: &str, ts: OffsetDateTime, now: OffsetDateTime) -> Result<(), AuthError> {
    let fmt = |t: OffsetDateTime| t.format(AMZ_DATE_FORMAT).unwrap_or_default();
    let skew = time::Duration::seconds(MAX_CLOCK_SKEW_SECONDS);
    if ts < now - skew {
        return Err(AuthError::mismatch(format!(
            "Signature expired: {amz_date} is now earlier than {} ({} - 15 min.)",
            fmt(now - skew),
            fmt(now)
        )));
    }
    if ts > now + skew {
        return Err(AuthError::mismatch(format!(
            "Signature not yet current: {amz_date} is still later than {} ({} + 15 min.)",
            fmt(now + skew),
            fmt(now)
        )));
    }
    Ok(())
}

/// Verifies a signed request.
///
/// Steps, in AWS's order: the timestamp (signed, within ±15 minutes), the scope date equals the
/// timestamp's date, the scope service is the one the request is for, `host` is signed, the body
/// hash agrees with any `x-amz-content-sha256`, then the signature itself, compared in constant time.
pub fn verify(
    req: &Request<'_>,
    params: &SignatureParams,
    secret: &SecretKey,
    expected_service: &str,
    now: OffsetDateTime,
) -> Result<Verified, AuthError> {
    let (amz_date, ts) = request_timestamp(req, params)?;
    let day = amz_date.get(..8).unwrap_or_default();
    if params.scope.date != day {
        return Err(AuthError::mismatch(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{day}', from '{amz_date}'.",
            params.scope.date
        )));
    }
    if params.scope.service != expected_service {
        return Err(AuthError::mismatch(format!(
            "Credential should be scoped to correct service: '{expected_service}'. "
        )));
    }
    if !params.signed_headers.iter().any(|h| h == "host") {
        return Err(AuthError::mismatch(format!(
            "{MISMATCH} The 'host' header must be signed."
        )));
    }
    if let Some(claimed) = header(req, "x-amz-content-sha256")?
        && claimed != req.payload_hash
    {
        return Err(AuthError::mismatch(format!(
            "{MISMATCH} The x-amz-content-sha256 header does not match the request body."
        )));
    }
    check_clock(&amz_date, ts, now)?;
    // A presigned request is good for `X-Amz-Expires` seconds from its timestamp, and never
    // beyond the clock bound above (so at most 15 minutes here, whatever it asks for).
    if let Some(expires) = params.expires
        && now > ts + time::Duration::seconds(i64::try_from(expires).unwrap_or(i64::MAX))
    {
        return Err(AuthError::mismatch(format!(
            "Request has expired: signed at {amz_date} for {expires} seconds."
        )));
    }

    let canonical = CanonicalRequest::build(req, &params.signed_headers, params.presigned)?;
    let sts = string_to_sign(&amz_date, &params.scope.scope_string(), &canonical);
    let key = derive_signing_key(
        secret,
        &params.scope.date,
        &params.scope.region,
        &params.scope.service,
    );
    let expected = key.sign(&sts);
    let claimed = match hex::decode(&params.signature) {
        Ok(bytes)
            if bytes.len() == 32 && params.signature.bytes().all(|b| !b.is_ascii_uppercase()) =>
        {
            bytes
        }
        _ => return Err(AuthError::mismatch(MISMATCH)),
    };
    if !bool::from(expected.as_slice().ct_eq(&claimed)) {
        return Err(AuthError::mismatch(MISMATCH));
    }
    Ok(Verified {
        access_key_id: params.scope.access_key_id.clone(),
        region: params.scope.region.clone(),
        service: params.scope.service.clone(),
        timestamp: ts,
    })
}

#[cfg(test)]
mod presigned_expiry {
    use super::*;
    use crate::authorization::parse_presigned_query;

    fn check(expires: &str, now: OffsetDateTime) -> Result<Verified, AuthError> {
        let query: Vec<(String, String)> = [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            (
                "X-Amz-Credential",
                "AKIDEXAMPLE/20261207/us-east-1/execute-api/aws4_request",
            ),
            ("X-Amz-Date", "20261207T120000Z"),
            ("X-Amz-Expires", expires),
            ("X-Amz-SignedHeaders", "host"),
            ("X-Amz-Signature", &"0".repeat(64)),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let headers = vec![("host".to_owned(), "svc.example".to_owned())];
        let params = parse_presigned_query(&query)
            .expect("parses")
            .expect("presigned");
        let req = Request {
            method: "GET",
            path: "/x",
            query: &query,
            headers: &headers,
            payload_hash: "UNSIGNED-PAYLOAD",
        };
        verify(&req, &params, &SecretKey::new("secret"), "execute-api", now)
    }

    #[test]
    fn a_presigned_request_expires_after_its_x_amz_expires() {
        let signed = time::macros::datetime!(2026-12-07 12:00:00 UTC);
        let late = check("1", signed + time::Duration::seconds(2)).expect_err("expired");
        assert!(late.to_string().contains("Request has expired"), "{late}");
        // Within its time, the request gets as far as its (wrong) signature.
        let early = check("60", signed + time::Duration::seconds(2)).expect_err("bad signature");
        assert!(!early.to_string().contains("expired"), "{early}");
    }
}

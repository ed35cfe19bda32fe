//! Parsing the two places a signature can travel: the `Authorization` header and the
//! presigned query string (`X-Amz-Algorithm`, `X-Amz-Credential`, …).
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-signing-elements.html>

use crate::error::{AuthError, AuthErrorKind};

/// The one algorithm accepted. SigV4a, SHA-1 variants and SigV2 are refused (no downgrade).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// `AWS4-HMAC-SHA256`.
    Aws4HmacSha256,
}

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// `AKID/YYYYMMDD/region/service/aws4_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialScope {
    /// The access key id.
    pub access_key_id: String,
    /// `YYYYMMDD`.
    pub date: String,
    /// The signing region.
    pub region: String,
    /// The signing service (`iam`, `sts`, …).
    pub service: String,
}

impl CredentialScope {
    /// `date/region/service/aws4_request`, as it appears in the string to sign.
    pub fn scope_string(&self) -> String {
        format!(
            "{}/{}/{}/aws4_request",
            self.date, self.region, self.service
        )
    }
}

/// Everything a signature claims about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureParams {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// The credential scope.
    pub scope: CredentialScope,
    /// Lowercase header names, as listed by the signer.
    pub signed_headers: Vec<String>,
    /// The claimed signature, lowercase hex as sent.
    pub signature: String,
    /// Presigned query form (`true`) or header form (`false`).
    pub presigned: bool,
    /// `X-Amz-Expires` of a presigned request.
    pub expires: Option<u64>,
    /// `X-Amz-Date` of a presigned request (header requests carry it in a header).
    pub query_date: Option<String>,
}

fn parse_credential(value: &str) -> Result<CredentialScope, AuthError> {
    let parts: Vec<&str> = value.split('/').collect();
    let [akid, date, region, service, terminator] = parts.as_slice() else {
        return Err(AuthError::incomplete(format!(
            "Credential should be scoped to a valid Credential scope: '{value}' is malformed."
        )));
    };
    if akid.is_empty() {
        return Err(AuthError::incomplete("Credential access key id is empty."));
    }
    if *terminator != "aws4_request" {
        return Err(AuthError::mismatch(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'."
        )));
    }
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AuthError::incomplete(format!(
            "Credential date '{date}' is not in YYYYMMDD format."
        )));
    }
    if region.is_empty()
        || !region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(AuthError::mismatch(format!(
            "Credential should be scoped to a valid Region, not '{region}'."
        )));
    }
    Ok(CredentialScope {
        access_key_id: (*akid).to_owned(),
        date: (*date).to_owned(),
        region: (*region).to_owned(),
        service: (*service).to_owned(),
    })
}

fn parse_signed_headers(value: &str) -> Result<Vec<String>, AuthError> {
    let headers: Vec<String> = value.split(';').map(str::to_owned).collect();
    if headers.iter().any(|h| {
        h.is_empty()
            || h.bytes()
                .any(|b| b.is_ascii_uppercase() || b.is_ascii_whitespace())
    }) {
        return Err(AuthError::incomplete(format!(
            "SignedHeaders '{value}' is malformed."
        )));
    }
    if headers.len() > 64 {
        return Err(AuthError::incomplete("Too many signed headers."));
    }
    Ok(headers)
}

/// Parses `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
pub fn parse_authorization_header(header: &str) -> Result<SignatureParams, AuthError> {
    if header.len() > 8192 {
        return Err(AuthError::incomplete("Authorization header is too long."));
    }
    let (algorithm, rest) = header.split_once(' ').unwrap_or((header, ""));
    if algorithm != ALGORITHM {
        return Err(AuthError::incomplete(format!(
            "Unsupported AWS 'algorithm': '{algorithm}'"
        )));
    }
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = part.split_once('=') else {
            return Err(AuthError::incomplete(format!(
                "'{part}' not a valid key=value pair (missing equal-sign) in Authorization header: '{header}'."
            )));
        };
        let slot = match key {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => continue,
        };
        if slot.replace(value).is_some() {
            return Err(AuthError::incomplete(format!(
                "Authorization header repeats '{key}'."
            )));
        }
    }
    let mut missing = String::new();
    for (name, present) in [
        ("Credential", credential.is_some()),
        ("Signature", signature.is_some()),
        ("SignedHeaders", signed_headers.is_some()),
    ] {
        if !present {
            missing.push_str(&format!(
                "Authorization header requires '{name}' parameter. "
            ));
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) =
        (credential, signed_headers, signature)
    else {
        return Err(AuthError::incomplete(format!(
            "{missing}Authorization={header}"
        )));
    };
    Ok(SignatureParams {
        algorithm: Algorithm::Aws4HmacSha256,
        scope: parse_credential(credential)?,
        signed_headers: parse_signed_headers(signed_headers)?,
        signature: signature.to_owned(),
        presigned: false,
        expires: None,
        query_date: None,
    })
}

/// Parses the presigned form from decoded query parameters. Returns `Ok(None)` when the query
/// carries no `X-Amz-Signature` (the request is not presigned).
pub fn parse_presigned_query(
    params: &[(String, String)],
) -> Result<Option<SignatureParams>, AuthError> {
    let get = |name: &str| -> Result<Option<&str>, AuthError> {
        let mut found = params
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str());
        let first = found.next();
        if found.next().is_some() {
            return Err(AuthError::new(
                AuthErrorKind::InvalidParameter,
                format!("The parameter {name} is repeated."),
            ));
        }
        Ok(first)
    };
    let Some(signature) = get("X-Amz-Signature")? else {
        if get("X-Amz-Algorithm")?.is_some() || get("X-Amz-Credential")?.is_some() {
            return Err(AuthError::incomplete(
                "Query-string authentication requires the X-Amz-Signature parameter.",
            ));
        }
        return Ok(None);
    };
    let require = |name: &str| -> Result<&str, AuthError> {
        get(name)?.ok_or_else(|| {
            AuthError::incomplete(format!(
                "Query-string authentication requires the {name} parameter."
            ))
        })
    };
    let algorithm = require("X-Amz-Algorithm")?;
    if algorithm != ALGORITHM {
        return Err(AuthError::incomplete(format!(
            "Unsupported AWS 'algorithm': '{algorithm}'"
        )));
    }
    let scope = parse_credential(require("X-Amz-Credential")?)?;
    let signed_headers = parse_signed_headers(require("X-Amz-SignedHeaders")?)?;
    let date = require("X-Amz-Date")?.to_owned();
    let expires = match get("X-Amz-Expires")? {
        None => None,
        Some(v) => match v.parse::<u64>() {
            Ok(n) if (1..=604_800).contains(&n) => Some(n),
            _ => {
                return Err(AuthError::incomplete(format!(
                    "X-Amz-Expires must be a whole number of seconds from 1 to 604800, not '{v}'."
                )));
            }
        },
    };
    Ok(Some(SignatureParams {
        algorithm: Algorithm::Aws4HmacSha256,
        scope,
        signed_headers,
        signature: signature.to_owned(),
        presigned: true,
        expires,
        query_date: Some(date),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_botocore_header() {
        let p = parse_authorization_header(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/sts/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, Signature=abcdef",
        )
        .expect("parses");
        assert_eq!(p.scope.access_key_id, "AKIAIOSFODNN7EXAMPLE");
        assert_eq!(p.scope.service, "sts");
        assert_eq!(p.signed_headers, ["content-type", "host", "x-amz-date"]);
        assert_eq!(p.signature, "abcdef");
    }

    #[test]
    fn missing_parts_use_aws_wording() {
        let e = parse_authorization_header(
            "AWS4-HMAC-SHA256 Credential=A/20240101/us-east-1/sts/aws4_request",
        )
        .expect_err("incomplete");
        assert_eq!(e.kind(), AuthErrorKind::Incomplete);
        assert!(e.message().starts_with(
            "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."
        ));
    }

    #[test]
    fn refuses_other_algorithms() {
        for alg in [
            "AWS4-HMAC-SHA1",
            "aws4-hmac-sha256",
            "AWS4-ECDSA-P256-SHA256",
            "AWS",
        ] {
            let e = parse_authorization_header(&format!(
                "{alg} Credential=a/b/c/d/e, SignedHeaders=host, Signature=00"
            ))
            .expect_err(alg);
            assert_eq!(e.kind(), AuthErrorKind::Incomplete, "{alg}");
        }
    }

    #[test]
    fn pair_without_equal_sign() {
        let e = parse_authorization_header(
            "AWS4-HMAC-SHA256 Credential, SignedHeaders=host, Signature=00",
        )
        .expect_err("bad pair");
        assert!(e.message().contains("not a valid key=value pair"));
    }

    #[test]
    fn bad_terminator_is_a_mismatch() {
        let e = parse_authorization_header(
            "AWS4-HMAC-SHA256 Credential=A/20240101/us-east-1/sts/aws5_request, SignedHeaders=host, Signature=00",
        )
        .expect_err("terminator");
        assert_eq!(e.kind(), AuthErrorKind::SignatureDoesNotMatch);
    }

    #[test]
    fn presigned_expires_bounds() {
        let base = |exp: &str| {
            vec![
                ("X-Amz-Algorithm".to_owned(), ALGORITHM.to_owned()),
                (
                    "X-Amz-Credential".to_owned(),
                    "A/20240101/us-east-1/sts/aws4_request".to_owned(),
                ),
                ("X-Amz-Date".to_owned(), "20240101T000000Z".to_owned()),
                ("X-Amz-SignedHeaders".to_owned(), "host".to_owned()),
                ("X-Amz-Expires".to_owned(), exp.to_owned()),
                ("X-Amz-Signature".to_owned(), "00".to_owned()),
            ]
        };
        assert!(parse_presigned_query(&base("60")).expect("ok").is_some());
        assert!(parse_presigned_query(&base("604801")).is_err());
        assert!(parse_presigned_query(&base("0")).is_err());
        assert!(parse_presigned_query(&[]).expect("not presigned").is_none());
    }
}

//! Client-side signing (header form), used by the `rolegate` client and by tests.

use time::OffsetDateTime;

use crate::{
    AMZ_DATE_FORMAT, SecretKey,
    canonical::{CanonicalRequest, Request, hash_payload, query_pairs},
    derive_signing_key,
    verify::string_to_sign,
};

/// The headers a signed request must add.
#[derive(Debug, Clone)]
pub struct SignedHeaders {
    /// `Authorization`.
    pub authorization: String,
    /// `X-Amz-Date`.
    pub amz_date: String,
}

/// Signs a request whose headers (including `host`, and `x-amz-security-token` when using
/// temporary credentials) are already set; `x-amz-date` is added to the signed set here.
#[allow(
    clippy::too_many_arguments,
    reason = "mirrors the inputs of the SigV4 algorithm one to one"
)]
pub fn sign_request(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(String, String)],
    body: &[u8],
    access_key_id: &str,
    secret: &SecretKey,
    region: &str,
    service: &str,
    now: OffsetDateTime,
) -> SignedHeaders {
    let amz_date = now.format(AMZ_DATE_FORMAT).unwrap_or_default();
    let date = amz_date.get(..8).unwrap_or_default().to_owned();
    let mut all: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
        .collect();
    all.push(("x-amz-date".to_owned(), amz_date.clone()));
    let mut names: Vec<String> = all.iter().map(|(n, _)| n.clone()).collect();
    names.sort();
    names.dedup();
    let payload_hash = hash_payload(body);
    let query = query_pairs(query);
    let req = Request {
        method,
        path,
        query: &query,
        headers: &all,
        payload_hash: &payload_hash,
    };
    // INVARIANT: every name in `names` comes from `all`, so building cannot fail.
    let canonical = CanonicalRequest::build(&req, &names, false).unwrap_or(CanonicalRequest {
        text: String::new(),
    });
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let signature = derive_signing_key(secret, &date, region, service)
        .sign(&string_to_sign(&amz_date, &scope, &canonical));
    SignedHeaders {
        authorization: format!(
            "AWS4-HMAC-SHA256 Credential={access_key_id}/{scope}, SignedHeaders={}, Signature={}",
            names.join(";"),
            hex::encode(signature)
        ),
        amz_date,
    }
}

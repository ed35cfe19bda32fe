//! The canonical request, rebuilt from the request as received.
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#create-canonical-request>
//!
//! ```text
//! Method \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n HashedPayload
//! ```

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha2::{Digest, Sha256};

use crate::error::AuthError;

/// RFC 3986 unreserved characters stay; everything else is `%XX` (uppercase).
const URI_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
/// The same, keeping `/` (path segments).
const PATH_ENCODE: &AsciiSet = &URI_ENCODE.remove(b'/');

/// A request as the verifier sees it: raw path, decoded query, every header occurrence, the
/// body hash.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    /// The path exactly as it appeared on the request line (percent-encoded).
    pub path: &'a str,
    /// The query's `(name, value)` pairs, decoded, in order: the very pairs the server reads the
    /// request's parameters from, so what was signed is what is executed (the canonical query
    /// is re-encoded from them).
    pub query: &'a [(String, String)],
    /// Every header occurrence; names in any case.
    pub headers: &'a [(String, String)],
    /// Lowercase hex SHA-256 of the body.
    pub payload_hash: &'a str,
}

/// The canonical request and its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalRequest {
    /// The full canonical request text.
    pub text: String,
}

/// `uri-encode` of SigV4: unreserved kept, the rest `%XX`.
pub fn uri_encode(s: &str) -> String {
    utf8_percent_encode(s, URI_ENCODE).to_string()
}

/// Lowercase hex SHA-256.
pub fn hash_payload(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// Removes empty, `.` and `..` segments as botocore's `remove_dot_segments` does, keeping a
/// trailing slash when anything remains.
fn normalize_path(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let trailing = if path.ends_with('/') && !out.is_empty() {
        "/"
    } else {
        ""
    };
    format!("/{}{trailing}", out.join("/"))
}

/// The canonical URI for non-S3 services: normalized, then each byte encoded (so an
/// already-encoded path is encoded twice, as botocore and the AWS SDKs do).
fn canonical_uri(path: &str) -> String {
    utf8_percent_encode(&normalize_path(path), PATH_ENCODE).to_string()
}

/// Decoded `(name, value)` pairs of a raw query string, in order, the way the AWS SDKs' signer
/// reads a query (`application/x-www-form-urlencoded`): `+` is a space, `%XX` a byte.
/// For clients and tests; a server passes [`Request::query`] the pairs it reads its
/// parameters from.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (form_decode(k), form_decode(v))
        })
        .collect()
}

fn form_decode(s: &str) -> String {
    percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// Each decoded name and value URI-encoded, sorted by name then value, joined with `&`; `skip`
/// drops `X-Amz-Signature` for presigned requests.
pub fn canonical_query_string(pairs: &[(String, String)], skip: Option<&str>) -> String {
    let mut encoded: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| Some(k.as_str()) != skip)
        .map(|(k, v)| (uri_encode(k), uri_encode(v)))
        .collect();
    encoded.sort();
    encoded
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Trims and folds runs of whitespace to one space.
fn fold_whitespace(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl CanonicalRequest {
    /// Builds the canonical request from the request and the signer's list of headers.
    /// A signed header that the request does not carry is an error, never an empty line.
    pub fn build(
        req: &Request<'_>,
        signed_headers: &[String],
        presigned: bool,
    ) -> Result<Self, AuthError> {
        let mut text = String::with_capacity(512);
        text.push_str(req.method);
        text.push('\n');
        text.push_str(&canonical_uri(req.path));
        text.push('\n');
        text.push_str(&canonical_query_string(
            req.query,
            presigned.then_some("X-Amz-Signature"),
        ));
        text.push('\n');
        for name in signed_headers {
            let values: Vec<String> = req
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| fold_whitespace(v))
                .collect();
            if values.is_empty() {
                return Err(AuthError::mismatch(format!(
                    "The request signature we calculated does not match the signature you provided. \
                     Signed header '{name}' is not present in the request."
                )));
            }
            text.push_str(name);
            text.push(':');
            text.push_str(&values.join(","));
            text.push('\n');
        }
        text.push('\n');
        text.push_str(&signed_headers.join(";"));
        text.push('\n');
        text.push_str(req.payload_hash);
        Ok(Self { text })
    }

    /// Lowercase hex SHA-256 of the canonical request.
    pub fn hash(&self) -> String {
        hash_payload(self.text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_dot_segments() {
        assert_eq!(normalize_path("/"), "/");
        assert_eq!(normalize_path(""), "/");
        assert_eq!(normalize_path("/./"), "/");
        assert_eq!(normalize_path("/example/.."), "/");
        assert_eq!(normalize_path("/example1/example2/../.."), "/");
        assert_eq!(normalize_path("/a/./b/"), "/a/b/");
        assert_eq!(normalize_path("//example//"), "/example/");
    }

    fn canonical(query: &str) -> String {
        canonical_query_string(&query_pairs(query), None)
    }

    #[test]
    fn query_is_sorted_and_encoded() {
        assert_eq!(canonical("b=2&a=1&a=0"), "a=0&a=1&b=2");
        assert_eq!(canonical("x=a%20b&y"), "x=a%20b&y=");
        assert_eq!(canonical("k=%2F~"), "k=%2F~");
    }

    /// Finding 11: the canonical query is built from the decoded pairs, so a literal `+` (a
    /// space, as in the parameters) and `%2B` (a plus) can never share a signature.
    #[test]
    fn plus_is_a_space_and_differs_from_an_encoded_plus() {
        assert_eq!(
            query_pairs("Value=a+b&Other=a%2Bb"),
            vec![
                ("Value".to_owned(), "a b".to_owned()),
                ("Other".to_owned(), "a+b".to_owned())
            ]
        );
        assert_eq!(canonical("Value=a+b"), "Value=a%20b");
        assert_eq!(canonical("Value=a+b"), canonical("Value=a%20b"));
        assert_eq!(canonical("Value=a%2Bb"), "Value=a%2Bb");
        assert_ne!(canonical("Value=a+b"), canonical("Value=a%2Bb"));
        assert_eq!(canonical("A+B=1"), "A%20B=1", "names too");
    }
}

//! AWS Signature Version 4, both sides: the server verifies, the client signs.
//!
//! Implements <https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html>
//! for the query-protocol services (IAM, STS): header form (`Authorization: AWS4-HMAC-SHA256 …`)
//! and presigned query form (`X-Amz-Signature=…`).
//!
//! This crate is pure: it never looks anything up and never reads the clock. Verification is
//! handed the parsed request, the secret that belongs to the access key id, and "now".
//! The canonical request is always *rebuilt* from the request itself; a client-supplied
//! canonical form is never trusted.

mod authorization;
mod canonical;
mod error;
mod secret;
mod sign;
mod signing_key;
mod verify;

pub use authorization::{
    Algorithm, CredentialScope, SignatureParams, parse_authorization_header, parse_presigned_query,
};
pub use canonical::{
    CanonicalRequest, Request, canonical_query_string, hash_payload, query_pairs, uri_encode,
};
pub use error::{AuthError, AuthErrorKind};
pub use secret::SecretKey;
pub use sign::{SignedHeaders, sign_request};
pub use signing_key::{SigningKey, derive_signing_key};
pub use verify::{MAX_CLOCK_SKEW_SECONDS, Verified, string_to_sign, verify};

/// `YYYYMMDD'T'HHMMSS'Z'`, the `X-Amz-Date` format.
pub const AMZ_DATE_FORMAT: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");

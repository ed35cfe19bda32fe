//! `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#derive-signing-key>

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::SecretKey;

/// A derived signing key for one (secret, date, region, service).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SigningKey([u8; 32]);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

pub(crate) fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    // INVARIANT: HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Derives the signing key.
pub fn derive_signing_key(
    secret: &SecretKey,
    date: &str,
    region: &str,
    service: &str,
) -> SigningKey {
    let mut k_secret = format!("AWS4{}", secret.expose()).into_bytes();
    let k_date = hmac_sha256(&k_secret, date.as_bytes());
    k_secret.zeroize();
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    SigningKey(hmac_sha256(&k_service, b"aws4_request"))
}

impl SigningKey {
    /// `hex(HMAC(kSigning, string_to_sign))` as raw bytes.
    pub fn sign(&self, string_to_sign: &str) -> [u8; 32] {
        hmac_sha256(&self.0, string_to_sign.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of the AWS General Reference ("Examples of how to derive a signing key").
    #[test]
    fn example_derive_signing_key() {
        let key = derive_signing_key(
            &SecretKey::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            "20120215",
            "us-east-1",
            "iam",
        );
        assert_eq!(
            hex::encode(key.0),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }
}

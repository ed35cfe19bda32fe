//! Identifiers in AWS's shapes: unique ids (`AIDA…`, 21 characters), access key ids
//! (`AKIA…`/`ASIA…`, 20 characters), 40-character secrets.
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html>

use crate::error::{Result, ServiceError};

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Fills `buf` from AWS-LC's CSPRNG (a DRBG in user space, seeded and reseeded from the
/// operating system, fork-safe): no system call per id, which the OS source costs — every
/// call made several (request id, event id, session ids).
pub fn random_bytes(buf: &mut [u8]) -> Result<()> {
    aws_lc_rs::rand::fill(buf)
        .map_err(|_| ServiceError::Internal("random source failed".into()))
}

fn random_chars(n: usize) -> Result<String> {
    let mut bytes = vec![0u8; n];
    random_bytes(&mut bytes)?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
        .collect())
}

/// A unique id: the prefix and 17 characters.
pub fn unique_id(prefix: &str) -> Result<String> {
    Ok(format!("{prefix}{}", random_chars(17)?))
}

/// A random (version 4) UUID, lowercase: request, event and report-job ids, outbound issuer
/// ids and token ids (`jti`).
pub fn uuid() -> Result<String> {
    let mut b = [0u8; 16];
    random_bytes(&mut b)?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    ))
}

/// A SAML provider private key's `KeyId`: 26 characters `[A-Z2-7]` (within AWS's
/// `privateKeyIdType`, 22–64 `[A-Z0-9]`).
pub fn saml_private_key_id() -> Result<String> {
    random_chars(26)
}

/// A signing certificate's id: 28 characters (the length of AWS's).
pub fn certificate_id() -> Result<String> {
    random_chars(28)
}

/// A long-term (`AKIA`) or temporary (`ASIA`) access key id.
pub fn access_key_id(prefix: &str) -> Result<String> {
    Ok(format!("{prefix}{}", random_chars(16)?))
}

/// A temporary access key id: `ASIA` and 16 base32 characters encoding the account (40 bits)
/// and 40 random bits, so GetAccessKeyInfo can answer without a lookup.
pub fn session_access_key_id(account: &str) -> Result<String> {
    let n: u64 = account
        .parse()
        .map_err(|_| ServiceError::Internal("account id is not numeric".into()))?;
    let mut raw = [0u8; 10];
    raw[..5].copy_from_slice(&n.to_be_bytes()[3..]);
    random_bytes(&mut raw[5..])?;
    Ok(format!(
        "{}{}",
        prefix::TEMPORARY_KEY,
        data_encoding::BASE32_NOPAD.encode(&raw)
    ))
}

/// The account a temporary access key id names, if it is one of ours.
pub fn account_of_session_key(id: &str) -> Option<String> {
    let rest = id.strip_prefix(prefix::TEMPORARY_KEY)?;
    let raw = data_encoding::BASE32_NOPAD.decode(rest.as_bytes()).ok()?;
    if raw.len() != 10 {
        return None;
    }
    let mut n = [0u8; 8];
    n[3..].copy_from_slice(&raw[..5]);
    let n = u64::from_be_bytes(n);
    (n < 1_000_000_000_000).then(|| format!("{n:012}"))
}

/// A fresh account id: 12 random digits, the first not zero.
pub fn account_id() -> Result<String> {
    let mut b = [0u8; 12];
    random_bytes(&mut b)?;
    Ok(b.iter()
        .enumerate()
        .map(|(i, x)| char::from(b'0' + if i == 0 { 1 + x % 9 } else { x % 10 }))
        .collect())
}

/// A 40-character secret access key (30 random bytes, base64).
pub fn secret_access_key() -> Result<rolegate_store::Secret> {
    use base64::Engine;
    let mut bytes = zeroize::Zeroizing::new([0u8; 30]);
    random_bytes(bytes.as_mut())?;
    Ok(rolegate_store::Secret::new(
        base64::engine::general_purpose::STANDARD.encode(bytes.as_ref()),
    ))
}

/// A request id (UUID v4 form).
pub fn request_id() -> String {
    uuid().unwrap_or_else(|_| "00000000-0000-4000-8000-000000000000".to_owned())
}

/// Unique-id prefixes.
pub mod prefix {
    /// IAM user.
    pub const USER: &str = "AIDA";
    /// Role.
    pub const ROLE: &str = "AROA";
    /// Group.
    pub const GROUP: &str = "AGPA";
    /// Managed policy.
    pub const POLICY: &str = "ANPA";
    /// Instance profile.
    pub const INSTANCE_PROFILE: &str = "AIPA";
    /// Long-term access key.
    pub const LONG_TERM_KEY: &str = "AKIA";
    /// Temporary access key.
    pub const TEMPORARY_KEY: &str = "ASIA";
    /// SSH public key (`APKA` and 16 characters, as an access key id).
    pub const SSH_PUBLIC_KEY: &str = "APKA";
    /// Server certificate.
    pub const SERVER_CERTIFICATE: &str = "ASCA";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let id = unique_id(prefix::USER).expect("id");
        assert_eq!(id.len(), 21);
        assert!(
            id.starts_with("AIDA")
                && id
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );
        assert_eq!(
            access_key_id(prefix::LONG_TERM_KEY).expect("akid").len(),
            20
        );
        assert_eq!(secret_access_key().expect("secret").expose().len(), 40);
        assert_ne!(
            secret_access_key().expect("a"),
            secret_access_key().expect("b")
        );
        let k = session_access_key_id("000123456789").expect("asia");
        assert_eq!(k.len(), 20);
        assert!(k.starts_with("ASIA"));
        assert_eq!(account_of_session_key(&k).as_deref(), Some("000123456789"));
        assert_eq!(account_of_session_key("ASIAXXXX"), None);
        let rid = request_id();
        assert_eq!(rid.len(), 36);
    }
}

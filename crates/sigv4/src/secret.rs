//! Secrets are a type: no `Display`, a redacted `Debug`, wiped on drop, compared in constant time.

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A secret access key (or any other shared secret).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretKey(String);

impl SecretKey {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself. Call sites are few and deliberate: signing, the one response that
    /// reveals a new key, and the credentials file written at bootstrap.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Constant-time equality.
    pub fn ct_eq(&self, other: &SecretKey) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl From<String> for SecretKey {
    fn from(s: String) -> Self {
        Self(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = SecretKey::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        assert_eq!(format!("{s:?}"), "SecretKey(<redacted>)");
    }

    #[test]
    fn compares_by_value() {
        assert!(SecretKey::new("a").ct_eq(&SecretKey::new("a")));
        assert!(!SecretKey::new("a").ct_eq(&SecretKey::new("b")));
        assert!(!SecretKey::new("a").ct_eq(&SecretKey::new("ab")));
    }
}

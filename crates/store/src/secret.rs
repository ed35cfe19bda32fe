//! A persisted secret: an access key's secret, a keyring key, an MFA seed, a session's secret.
//!
//! No `Display`; `Debug` says only `<redacted>` and the length; reading it takes
//! [`Secret::expose`]; equality is constant-time; the text is wiped when dropped. It
//! serializes as the plain string (`serde(transparent)`), so records and session tokens keep
//! their format.

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A secret string.
#[derive(Clone, Default, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself. Call sites are few and deliberate: verifying a signature, sealing
    /// and opening tokens, checking a TOTP code, and the one response that creates it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl PartialEq for Secret {
    /// Constant-time in the contents (lengths may differ in time).
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for Secret {}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret(<redacted, {} bytes>)", self.0.len())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        assert_eq!(format!("{s:?}"), "Secret(<redacted, 40 bytes>)");
        assert_eq!(format!("{s:#?}"), "Secret(<redacted, 40 bytes>)");
    }

    #[test]
    fn serializes_as_the_plain_string() {
        let s = Secret::new("abc");
        let json = serde_json::to_string(&s).expect("serialize");
        assert_eq!(json, "\"abc\"");
        let back: Secret = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, s);
    }

    #[test]
    fn compares_by_value() {
        assert_eq!(Secret::new("a"), Secret::new("a"));
        assert_ne!(Secret::new("a"), Secret::new("b"));
        assert_ne!(Secret::new("a"), Secret::new("ab"));
    }

    #[test]
    fn records_and_writes_print_no_data() {
        let data = r#"{"secret":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}"#;
        let record = crate::Record {
            scope: String::new(),
            kind: "access-key".into(),
            key: "AKIA".into(),
            version: 1,
            data: data.into(),
        };
        let write = crate::Write::Put {
            scope: String::new(),
            kind: "access-key".into(),
            key: "AKIA".into(),
            expect: crate::Expect::Absent,
            data: data.into(),
        };
        for text in [
            format!("{record:?}"),
            format!("{record:#?}"),
            format!("{write:?}"),
            format!("{write:#?}"),
        ] {
            assert!(!text.contains("EXAMPLEKEY"), "{text}");
            assert!(text.contains("access-key"), "{text}");
        }
    }
}

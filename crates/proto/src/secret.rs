//! Secrets in outputs: a new access key's secret, a session's secret and token, a virtual MFA
//! device's seed and QR code. Rendering the response that creates one is the only place its
//! value is written out (its [`Field`] encoding, marked sensitive so the record redacts it); `Debug` says only `<redacted>` and the length, there is
//! no `Display`, equality is constant-time and the value is wiped when dropped.

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::{Field, Shape, Value, types::Blob};

/// A secret output value: text ([`String`], the default) or bytes ([`Blob`], base64 on the
/// wire).
pub struct Secret<T: Zeroize = String>(T);

impl<T: Zeroize> Secret<T> {
    /// Wraps a secret.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The secret itself (tests and clients of the service read it here).
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> Drop for Secret<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize + Clone> Clone for Secret<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T: Zeroize + Default> Default for Secret<T> {
    fn default() -> Self {
        Self(T::default())
    }
}

impl<T: Zeroize + AsRef<[u8]>> PartialEq for Secret<T> {
    /// Constant-time in the contents.
    fn eq(&self, other: &Self) -> bool {
        self.0.as_ref().ct_eq(other.0.as_ref()).into()
    }
}

impl<T: Zeroize + AsRef<[u8]>> Eq for Secret<T> {}

impl<T: Zeroize + AsRef<[u8]>> std::fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret(<redacted, {} bytes>)", self.0.as_ref().len())
    }
}

/// A secret member has its value's shape and is sensitive: the codec writes it into the
/// response that creates it; the record step redacts it.
impl<T: Zeroize + Field + Default> Field for Secret<T> {
    const SHAPE: &'static Shape = T::SHAPE;
    const SENSITIVE: bool = true;
    fn from_value(v: Option<Value>, member: &str, errs: &mut Vec<String>) -> Self {
        Self(T::from_value(v, member, errs))
    }
    fn into_value(mut self) -> Option<Value> {
        std::mem::take(&mut self.0).into_value()
    }
    /// The value's constraints, without ever quoting the value: `Value at 'tokenCode' failed
    /// to satisfy constraint: …` (a one-time code must not travel in an error message).
    fn check(&self, c: &crate::constraint::Constraint, member: &str, errs: &mut Vec<String>) {
        let mut found = Vec::new();
        self.0.check(c, member, &mut found);
        let quoted = format!("at '{member}' failed");
        errs.extend(found.into_iter().map(|e| match e.find(&quoted) {
            Some(at) if e.starts_with("Value '") => format!("Value {}", &e[at..]),
            _ => e,
        }));
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl Zeroize for Blob {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

impl AsRef<[u8]> for Blob {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::xml::Xml;

    #[test]
    fn renders_the_value_and_debugs_nothing() {
        const { assert!(Secret::<String>::SENSITIVE && Secret::<Blob>::SENSITIVE) };
        let s = Secret::new(String::from("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
        assert_eq!(format!("{s:?}"), "Secret(<redacted, 40 bytes>)");
        assert_eq!(format!("{s:#?}"), "Secret(<redacted, 40 bytes>)");
        let mut x = Xml::default();
        x.value(
            "SecretAccessKey",
            Secret::<String>::SHAPE,
            &s.clone().into_value().expect("a value"),
        );
        assert_eq!(
            x.finish(),
            "<SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY</SecretAccessKey>"
        );
        let b = Secret::new(Blob(b"SEED".to_vec()));
        assert_eq!(format!("{b:?}"), "Secret(<redacted, 4 bytes>)");
        let mut x = Xml::default();
        x.value(
            "Base32StringSeed",
            Secret::<Blob>::SHAPE,
            &b.into_value().expect("a value"),
        );
        assert_eq!(x.finish(), "<Base32StringSeed>U0VFRA==</Base32StringSeed>");
    }

    #[test]
    fn constraints_never_quote_the_secret() {
        use crate::constraint::{Constraint, Pattern};
        let code = Secret::new(String::from("12345x"));
        let mut errs = Vec::new();
        code.check(
            &Constraint::Pattern(Pattern::Digits),
            "tokenCode",
            &mut errs,
        );
        assert_eq!(errs.len(), 1);
        assert!(
            errs[0].starts_with("Value at 'tokenCode' failed to satisfy constraint"),
            "{errs:?}"
        );
        assert!(!errs[0].contains("12345x"));
    }

    #[test]
    fn compares_by_value() {
        assert_eq!(Secret::from("a".to_owned()), Secret::from("a".to_owned()));
        assert_ne!(Secret::from("a".to_owned()), Secret::from("ab".to_owned()));
    }
}

//! A decoded input or an output to encode: the protocol-neutral form every codec reads and
//! writes. Typed inputs are built from it (`Field::from_value`, which also checks the model's
//! constraints) and typed outputs turn into it (`Field::into_value`); the record step sees
//! the exchange in this form.

use std::borrow::Cow;

use time::OffsetDateTime;

/// A value of some [`crate::Shape`]. An absent member is simply not in its structure.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text (strings and policy documents).
    String(String),
    /// A whole number.
    Integer(i64),
    /// A floating-point number.
    Float(f64),
    /// A boolean.
    Boolean(bool),
    /// A point in time.
    Timestamp(OffsetDateTime),
    /// Bytes.
    Blob(Vec<u8>),
    /// A list.
    List(Vec<Value>),
    /// A map, in the order the entries came.
    Map(Vec<(String, Value)>),
    /// A structure's present members, in the order of its shape.
    Structure(Vec<(Cow<'static, str>, Value)>),
    /// A document: any JSON value.
    Document(serde_json::Value),
}

impl Value {
    /// An empty structure.
    pub const fn empty() -> Self {
        Value::Structure(Vec::new())
    }

    /// A member of a structure.
    pub fn get(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Structure(m) => m.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Removes and returns a member of a structure.
    pub fn take(&mut self, name: &str) -> Option<Value> {
        match self {
            Value::Structure(m) => {
                let i = m.iter().position(|(k, _)| k == name)?;
                Some(m.swap_remove(i).1)
            }
            _ => None,
        }
    }

    /// The text of a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The kind of value, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
            Value::Integer(_) => "integer",
            Value::Float(_) => "float",
            Value::Boolean(_) => "boolean",
            Value::Timestamp(_) => "timestamp",
            Value::Blob(_) => "blob",
            Value::List(_) => "list",
            Value::Map(_) => "map",
            Value::Structure(_) => "structure",
            Value::Document(_) => "document",
        }
    }
}

/// What the record shows instead of a secret (CloudTrail's placeholder).
pub const REDACTED: &str = "HIDDEN_DUE_TO_SECURITY_REASONS";

/// Whether a text holds private key material: a PEM or OpenSSH private key's armor
/// (`-----BEGIN … PRIVATE KEY-----`, `… PRIVATE KEY BLOCK-----`) or a PuTTY key file's
/// `Private-Lines:`. Such a text is never quoted in an error and never recorded, whatever
/// member it was sent in (a key pasted into the wrong field is still a key).
pub fn holds_private_key(text: &str) -> bool {
    text.contains("PRIVATE KEY") || text.contains("Private-Lines:")
}

/// A copy of `value` (of `shape`) with every sensitive member's value replaced by
/// [`REDACTED`], at any depth: what the record step may keep of an input or an output. A
/// string that [`holds_private_key`] is replaced too, in whichever member it came.
pub fn redacted(shape: &crate::Shape, value: &Value) -> Value {
    use crate::Shape;
    match (shape, value) {
        (Shape::Structure(members), Value::Structure(present)) => Value::Structure(
            present
                .iter()
                .map(|(name, v)| {
                    let v = match members.iter().find(|m| m.name == name.as_ref()) {
                        Some(m) if m.sensitive => Value::String(REDACTED.to_owned()),
                        Some(m) => redacted(m.shape, v),
                        None => Value::String(REDACTED.to_owned()),
                    };
                    (name.clone(), v)
                })
                .collect(),
        ),
        (Shape::List(l), Value::List(items)) => {
            Value::List(items.iter().map(|v| redacted(l.item, v)).collect())
        }
        (Shape::Map(m), Value::Map(entries)) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), redacted(m.value, v)))
                .collect(),
        ),
        (_, Value::String(s)) if holds_private_key(s) => Value::String(REDACTED.to_owned()),
        (_, Value::Document(d)) if holds_private_key(&d.to_string()) => {
            Value::String(REDACTED.to_owned())
        }
        (_, v) => v.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_private_key_in_any_member_is_redacted() {
        const MEMBERS: &[crate::shape::Member] = &[
            crate::shape::Member::new("CertificateBody", &crate::Shape::String),
            crate::shape::Member::new("UserName", &crate::Shape::String),
        ];
        let shape = crate::Shape::Structure(MEMBERS);
        let key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow==\n-----END RSA PRIVATE KEY-----";
        let input = Value::Structure(vec![
            ("CertificateBody".into(), Value::String(key.into())),
            ("UserName".into(), Value::String("alice".into())),
        ]);
        let out = redacted(&shape, &input);
        assert_eq!(
            out.get("CertificateBody").and_then(Value::as_str),
            Some(REDACTED)
        );
        assert_eq!(out.get("UserName").and_then(Value::as_str), Some("alice"));
        assert!(holds_private_key("-----BEGIN OPENSSH PRIVATE KEY-----"));
        assert!(holds_private_key("-----BEGIN PGP PRIVATE KEY BLOCK-----"));
        assert!(!holds_private_key("-----BEGIN CERTIFICATE-----"));
    }
}

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

/// A copy of `value` (of `shape`) with every sensitive member's value replaced by
/// [`REDACTED`], at any depth: what the record step may keep of an input or an output.
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
        (_, v) => v.clone(),
    }
}

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

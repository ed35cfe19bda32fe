//! Member types beyond the plain scalars: policy documents, blobs and string-keyed maps. Each
//! says what it is; how it looks on the wire is the codecs' business (awsQuery URL-encodes
//! policy documents and wraps map entries; JSON does neither).

use crate::{Field, Shape, Value, shape};

/// A policy document (JSON text). IAM's awsQuery responses URL-encode it; every other
/// protocol carries it as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyDocumentText(pub String);

impl Field for PolicyDocumentText {
    const SHAPE: &'static Shape = &Shape::PolicyDocument;
    fn from_value(v: Option<Value>, member: &str, errs: &mut Vec<String>) -> Self {
        Self(String::from_value(v, member, errs))
    }
    fn into_value(self) -> Option<Value> {
        Some(Value::String(self.0))
    }
}

/// Bytes (base64 in the text protocols).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Blob(pub Vec<u8>);

impl Field for Blob {
    const SHAPE: &'static Shape = &Shape::Blob;
    fn from_value(v: Option<Value>, member: &str, errs: &mut Vec<String>) -> Self {
        match v {
            Some(Value::Blob(b)) => Self(b),
            Some(other) => {
                errs.push(format!(
                    "Value at '{member}' failed to satisfy constraint: Member must be a blob (got a {})",
                    other.kind()
                ));
                Self(Vec::new())
            }
            None => {
                errs.push(crate::field::missing(member));
                Self(Vec::new())
            }
        }
    }
    fn into_value(self) -> Option<Value> {
        Some(Value::Blob(self.0))
    }
}

/// A map with string keys, in order (`SummaryMap`, `EvalDecisionDetails`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Map<V = i64>(pub Vec<(String, V)>);

impl<V: Field> Field for Map<V> {
    const SHAPE: &'static Shape = &Shape::Map(&shape::map_of(V::SHAPE));
    fn from_value(v: Option<Value>, member: &str, errs: &mut Vec<String>) -> Self {
        match v {
            Some(Value::Map(entries)) => Self(
                entries
                    .into_iter()
                    .map(|(k, v)| {
                        let value = V::from_value(Some(v), &format!("{member}.{k}"), errs);
                        (k, value)
                    })
                    .collect(),
            ),
            Some(other) => {
                errs.push(format!(
                    "Value at '{member}' failed to satisfy constraint: Member must be a map (got a {})",
                    other.kind()
                ));
                Self(Vec::new())
            }
            None => Self(Vec::new()),
        }
    }
    fn into_value(self) -> Option<Value> {
        Some(Value::Map(
            self.0
                .into_iter()
                .filter_map(|(k, v)| Some((k, v.into_value()?)))
                .collect(),
        ))
    }
}

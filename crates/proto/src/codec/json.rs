//! AWS JSON 1.0 and 1.1 (`X-Amz-Target: Prefix.Operation`): the body is the input structure as
//! a JSON object; the output is one too; an error is `{"__type": "Code", "message": "…"}`.
//! Timestamps are epoch seconds unless the member asks otherwise; blobs are base64. The body's
//! values must have their shape's JSON type (a string where a number belongs is a
//! `SerializationException`, as AWS answers).
//!
//! <https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html>

use std::borrow::Cow;

use base64::Engine;
use serde_json::Value as Json;

use crate::{
    Shape, Value,
    codec::query::{parse_float, parse_timestamp},
    shape::TimestampFormat,
    xml::{float_text, http_date, timestamp},
};

/// Why a body is not the input shape: AWS's `SerializationException`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SerializationError(pub String);

/// The input structure from a request body (an empty body is an empty structure).
pub fn decode(shape: &Shape, body: &[u8]) -> Result<Value, SerializationError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::empty());
    }
    let json: Json = serde_json::from_slice(body)
        .map_err(|e| SerializationError(format!("The request body is not valid JSON: {e}")))?;
    if !json.is_object() {
        return Err(SerializationError(
            "The request body must be a JSON object".into(),
        ));
    }
    Ok(from_json(shape, json, "")?.unwrap_or_else(Value::empty))
}

/// A JSON value of `shape`; `null` is absent.
pub fn from_json(shape: &Shape, json: Json, at: &str) -> Result<Option<Value>, SerializationError> {
    let wrong = |json: &Json| {
        SerializationError(format!(
            "Unexpected value at '{at}': expected a {}, found {}",
            shape.describe(),
            found(json)
        ))
    };
    Ok(Some(match (shape, json) {
        (_, Json::Null) => return Ok(None),
        (Shape::Document, json) => Value::Document(json),
        (Shape::String | Shape::PolicyDocument, Json::String(s)) => Value::String(s),
        (Shape::Integer, Json::Number(n)) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => return Err(wrong(&Json::Number(n))),
        },
        (Shape::Float, Json::Number(n)) => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        (Shape::Float, Json::String(s))
            if matches!(s.as_str(), "NaN" | "Infinity" | "-Infinity") =>
        {
            Value::Float(parse_float(&s).unwrap_or(f64::NAN))
        }
        (Shape::Boolean, Json::Bool(b)) => Value::Boolean(b),
        (Shape::Timestamp(_), Json::Number(n)) => {
            let t = n
                .as_f64()
                .map(|f| f.to_string())
                .and_then(|s| parse_timestamp(&s));
            Value::Timestamp(t.ok_or_else(|| wrong(&Json::Number(n)))?)
        }
        (Shape::Timestamp(_), Json::String(s)) => match parse_timestamp(&s) {
            Some(t) => Value::Timestamp(t),
            None => return Err(wrong(&Json::String(s))),
        },
        (Shape::Blob, Json::String(s)) => {
            match base64::engine::general_purpose::STANDARD.decode(&s) {
                Ok(b) => Value::Blob(b),
                Err(_) => return Err(wrong(&Json::String(s))),
            }
        }
        (Shape::List(l), Json::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                if let Some(v) = from_json(l.item, item, &format!("{at}[{i}]"))? {
                    out.push(v);
                }
            }
            Value::List(out)
        }
        (Shape::Map(m), Json::Object(entries)) => {
            let mut out = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                let here = format!("{at}.{k}");
                if let Some(v) = from_json(m.value, v, &here)? {
                    out.push((k, v));
                }
            }
            Value::Map(out)
        }
        (Shape::Structure(members), Json::Object(mut fields)) => {
            let mut out = Vec::new();
            for m in *members {
                if let Some(j) = fields.remove(m.wire) {
                    let here = if at.is_empty() {
                        m.name.to_owned()
                    } else {
                        format!("{at}.{}", m.name)
                    };
                    if let Some(v) = from_json(m.shape, j, &here)? {
                        out.push((Cow::Borrowed(m.name), v));
                    }
                }
            }
            // Members the model does not know are ignored, as AWS's services do.
            Value::Structure(out)
        }
        (_, other) => return Err(wrong(&other)),
    }))
}

fn found(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

/// The JSON of a value of `shape`.
pub fn to_json(shape: &Shape, value: &Value) -> Json {
    match (shape, value) {
        (_, Value::Document(j)) => j.clone(),
        (_, Value::String(s)) => Json::String(s.clone()),
        (_, Value::Integer(n)) => Json::from(*n),
        (_, Value::Float(f)) if f.is_finite() => Json::from(*f),
        (_, Value::Float(f)) => Json::String(float_text(*f)),
        (_, Value::Boolean(b)) => Json::Bool(*b),
        (Shape::Timestamp(Some(TimestampFormat::DateTime)), Value::Timestamp(t)) => {
            Json::String(timestamp(*t))
        }
        (Shape::Timestamp(Some(TimestampFormat::HttpDate)), Value::Timestamp(t)) => {
            Json::String(http_date(*t))
        }
        (_, Value::Timestamp(t)) => epoch_json(*t),
        (_, Value::Blob(b)) => Json::String(base64::engine::general_purpose::STANDARD.encode(b)),
        (Shape::List(l), Value::List(items)) => {
            Json::Array(items.iter().map(|v| to_json(l.item, v)).collect())
        }
        (Shape::Map(m), Value::Map(entries)) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), to_json(m.value, v)))
                .collect(),
        ),
        (Shape::Structure(members), Value::Structure(present)) => Json::Object(
            present
                .iter()
                .filter_map(|(name, v)| {
                    let m = members.iter().find(|m| m.name == name.as_ref())?;
                    Some((m.wire.to_owned(), to_json(m.shape, v)))
                })
                .collect(),
        ),
        // A value that does not fit its shape (a handler's bug) is written as null.
        (_, Value::List(_) | Value::Map(_) | Value::Structure(_)) => Json::Null,
    }
}

/// Epoch seconds: a whole number, or a fraction when the time has one.
fn epoch_json(t: time::OffsetDateTime) -> Json {
    if t.nanosecond() == 0 {
        Json::from(t.unix_timestamp())
    } else {
        #[allow(
            clippy::cast_precision_loss,
            reason = "timestamps fit in f64's 53 bits to the millisecond"
        )]
        let secs = t.unix_timestamp_nanos() as f64 / 1e9;
        Json::from((secs * 1000.0).round() / 1000.0)
    }
}

/// A response body: the output structure (`{}` for an output without members).
pub fn encode(result: Option<(&Shape, &Value)>) -> Vec<u8> {
    let json = result.map_or_else(
        || Json::Object(serde_json::Map::new()),
        |(s, v)| to_json(s, v),
    );
    serde_json::to_vec(&json).unwrap_or_else(|_| b"{}".to_vec())
}

/// The name AWS's JSON services give a common error that awsQuery services name otherwise
/// (`AccessDenied` → `AccessDeniedException`, a bad signature → `InvalidSignatureException`,
/// an unknown key → `UnrecognizedClientException`, …).
pub fn error_name(code: &str) -> &str {
    match code {
        "AccessDenied" => "AccessDeniedException",
        "IncompleteSignature" => "IncompleteSignatureException",
        "SignatureDoesNotMatch" => "InvalidSignatureException",
        "InvalidClientTokenId" => "UnrecognizedClientException",
        "MissingAuthenticationToken" => "MissingAuthenticationTokenException",
        "ExpiredToken" => "ExpiredTokenException",
        "ValidationError" => "ValidationException",
        "Throttling" => "ThrottlingException",
        "ServiceUnavailable" => "ServiceUnavailableException",
        "InvalidParameterValue" => "InvalidParameterValueException",
        other => other,
    }
}

/// An error body: `{"__type": "Code", "message": "…"}` (plus any extra members).
pub fn encode_error(code: &str, message: &str, extra: &[(&str, &str)]) -> Vec<u8> {
    let mut body = serde_json::Map::new();
    body.insert("__type".into(), Json::String(code.to_owned()));
    body.insert("message".into(), Json::String(message.to_owned()));
    for (k, v) in extra {
        body.insert((*k).to_owned(), Json::String((*v).to_owned()));
    }
    serde_json::to_vec(&Json::Object(body)).unwrap_or_default()
}

/// An error body with the error structure's members: `__type`, `message` (when there is
/// one) and the members of `detail` under their wire names (AWS's modeled errors, such as a
/// `Message` member, are read by the SDKs from there).
pub fn encode_modeled_error(
    code: &str,
    message: Option<&str>,
    detail: Option<(&Shape, &Value)>,
) -> Vec<u8> {
    let mut body = serde_json::Map::new();
    body.insert("__type".into(), Json::String(code.to_owned()));
    if let Some(message) = message {
        body.insert("message".into(), Json::String(message.to_owned()));
    }
    if let Some((shape, value)) = detail
        && let Json::Object(members) = to_json(shape, value)
    {
        for (k, v) in members {
            body.entry(k).or_insert(v);
        }
    }
    serde_json::to_vec(&Json::Object(body)).unwrap_or_default()
}

/// The operation an `X-Amz-Target` header names for a service whose target prefix is
/// `prefix` (`JsonProtocol.KitchenSinkOperation` → `KitchenSinkOperation`).
pub fn target_operation<'t>(target: &'t str, prefix: &str) -> Option<&'t str> {
    target
        .strip_prefix(prefix)?
        .strip_prefix('.')
        .filter(|op| !op.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Field, dto::users::CreateUserInput};

    #[test]
    fn decodes_a_typed_input() {
        let body = br#"{"UserName":"alice","Path":"/eng/","Tags":[{"Key":"team","Value":"a b"}],"Unknown":1}"#;
        let v = decode(<CreateUserInput as Field>::SHAPE, body).expect("decodes");
        let mut errs = Vec::new();
        let input = CreateUserInput::from_value(Some(v), "", &mut errs);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(input.user_name, "alice");
        assert_eq!(input.tags[0].value, "a b");
    }

    #[test]
    fn wrong_json_types_are_serialization_errors() {
        for body in [&br#"{"UserName": 5}"#[..], br#"{"Tags": {}}"#, b"[1]", b"{"] {
            assert!(
                decode(<CreateUserInput as Field>::SHAPE, body).is_err(),
                "{body:?}"
            );
        }
    }

    #[test]
    fn errors_carry_the_type() {
        let body = encode_error("NoSuchEntity", "The user with name x cannot be found.", &[]);
        let json: Json = serde_json::from_slice(&body).expect("json");
        assert_eq!(json["__type"], "NoSuchEntity");
        assert_eq!(json["message"], "The user with name x cannot be found.");
    }
}

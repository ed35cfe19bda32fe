//! awsQuery requests: form parameters (`Tags.member.1.Key=…`) → a [`Value`] of the input
//! shape. Responses are XML (`crate::xml`).
//!
//! Every parameter arrives as text: a number, boolean or timestamp that does not parse stays
//! text, and the typed member reports it in AWS's `ValidationError` wording, in member order.
//!
//! <https://smithy.io/2.0/aws/protocols/aws-query-protocol.html>

use crate::{Params, Shape, Value};

/// The input structure under the top level.
pub fn decode(shape: &Shape, params: &Params) -> Value {
    decode_members(shape, params, "").unwrap_or_else(Value::empty)
}

fn key(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

fn decode_members(shape: &Shape, params: &Params, prefix: &str) -> Option<Value> {
    let mut out = Vec::new();
    for m in shape.members() {
        if let Some(v) = decode_at(m.shape, params, &key(prefix, m.wire)) {
            out.push((std::borrow::Cow::Borrowed(m.name), v));
        }
    }
    (prefix.is_empty() || !out.is_empty()).then_some(Value::Structure(out))
}

fn decode_at(shape: &Shape, params: &Params, at: &str) -> Option<Value> {
    match shape {
        Shape::String | Shape::PolicyDocument => {
            params.get(at).map(|s| Value::String(s.to_owned()))
        }
        Shape::Integer => params.get(at).map(|s| {
            s.trim()
                .parse()
                .map_or_else(|_| Value::String(s.to_owned()), Value::Integer)
        }),
        Shape::Float => params
            .get(at)
            .map(|s| parse_float(s).map_or_else(|| Value::String(s.to_owned()), Value::Float)),
        Shape::Boolean => params.get(at).map(|s| match s {
            "true" | "True" | "TRUE" => Value::Boolean(true),
            "false" | "False" | "FALSE" => Value::Boolean(false),
            other => Value::String(other.to_owned()),
        }),
        Shape::Timestamp(_) => params.get(at).map(|s| {
            parse_timestamp(s).map_or_else(|| Value::String(s.to_owned()), Value::Timestamp)
        }),
        Shape::Blob => params.get(at).map(|s| {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(s)
                .map_or_else(|_| Value::String(s.to_owned()), Value::Blob)
        }),
        Shape::List(l) => {
            let items_at = if l.flattened {
                at.to_owned()
            } else {
                format!("{at}.{}", l.item_name)
            };
            let indexes = params.indexes(&items_at);
            if indexes.is_empty() {
                // `Name=` (with nothing) is how awsQuery sends an empty list.
                return (params.get(at) == Some("")).then(|| Value::List(Vec::new()));
            }
            Some(Value::List(
                indexes
                    .into_iter()
                    .filter_map(|n| decode_at(l.item, params, &format!("{items_at}.{n}")))
                    .collect(),
            ))
        }
        Shape::Map(m) => {
            let entries_at = if m.flattened {
                at.to_owned()
            } else {
                format!("{at}.entry")
            };
            let indexes = params.indexes(&entries_at);
            if indexes.is_empty() {
                return None;
            }
            Some(Value::Map(
                indexes
                    .into_iter()
                    .filter_map(|n| {
                        let entry = format!("{entries_at}.{n}");
                        let k = params.get(&format!("{entry}.{}", m.key_name))?;
                        let v = decode_at(m.value, params, &format!("{entry}.{}", m.value_name))?;
                        Some((k.to_owned(), v))
                    })
                    .collect(),
            ))
        }
        // awsQuery has no documents.
        Shape::Document => None,
        Shape::Structure(_) => {
            if !params.has_prefix(&format!("{at}.")) {
                return None;
            }
            decode_members(shape, params, at)
        }
    }
}

/// A float as the text protocols send it (`NaN`, `Infinity`, `-Infinity` included).
pub fn parse_float(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        s => s.trim().parse().ok(),
    }
}

/// A timestamp in any of the forms clients send: ISO 8601, epoch seconds, or an HTTP date.
pub fn parse_timestamp(s: &str) -> Option<time::OffsetDateTime> {
    use time::format_description::well_known::{Rfc2822, Rfc3339};
    if let Ok(t) = time::OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    if let Some(t) = parse_float(s).filter(|f| f.is_finite()) {
        let nanos = (t * 1e9).round();
        #[allow(
            clippy::cast_possible_truncation,
            reason = "finite, checked by the range below"
        )]
        return (nanos.abs() < 2.5e20)
            .then(|| time::OffsetDateTime::from_unix_timestamp_nanos(nanos as i128).ok())
            .flatten();
    }
    let s = s.replace("GMT", "+0000");
    time::OffsetDateTime::parse(&s, &Rfc2822).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Field, dto::users::CreateUserInput};

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params::from_strs(pairs).expect("params")
    }

    #[test]
    fn lists_of_structures_follow_the_shape() {
        let p = params(&[
            ("UserName", "a"),
            ("Tags.member.2.Key", "k2"),
            ("Tags.member.2.Value", "v2"),
            ("Tags.member.1.Key", "k1"),
            ("Tags.member.1.Value", ""),
        ]);
        let v = decode(<CreateUserInput as Field>::SHAPE, &p);
        let Some(Value::List(tags)) = v.get("Tags") else {
            panic!("no tags: {v:?}");
        };
        assert_eq!(tags.len(), 2);
        assert_eq!(tags[0].get("Key"), Some(&Value::String("k1".into())));
        assert_eq!(tags[1].get("Value"), Some(&Value::String("v2".into())));
    }

    #[test]
    fn timestamps_in_every_form() {
        let want = time::OffsetDateTime::from_unix_timestamp(1_422_172_800).expect("ts");
        for s in [
            "2015-01-25T08:00:00Z",
            "1422172800",
            "Sun, 25 Jan 2015 08:00:00 GMT",
        ] {
            assert_eq!(parse_timestamp(s), Some(want), "{s}");
        }
        assert_eq!(parse_timestamp("soon"), None);
    }
}

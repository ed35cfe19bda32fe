//! botocore's models and values, turned into Rolegate's: runtime [`Shape`]s built from a
//! suite's `shapes`, `params`/`result` converted to [`Value`]s through them, and the
//! comparison of two values (timestamps as instants, floats with NaN, maps and structures
//! in any order).

use std::{borrow::Cow, collections::HashMap};

use rolegate_proto::{
    Shape, Value,
    codec::query::{parse_float, parse_timestamp},
    shape::{List, Location, Map, Member, TimestampFormat},
};
use serde_json::Value as Json;

/// How many levels of nesting a shape is built to: recursive shapes are unrolled (a
/// `&'static` shape cannot refer to itself), deeper than any case's value.
const DEPTH: usize = 16;

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

/// The shapes of one suite.
pub struct Model<'a> {
    shapes: &'a serde_json::Map<String, Json>,
    built: HashMap<(String, bool, usize), &'static Shape>,
}

impl<'a> Model<'a> {
    pub fn new(suite: &'a Json) -> Result<Self, String> {
        let shapes = suite["shapes"]
            .as_object()
            .ok_or("the suite has no shapes")?;
        Ok(Self {
            shapes,
            built: HashMap::new(),
        })
    }

    /// The shape a `{"shape": name}` reference names (the operation's `input`, `output`, an
    /// error); `None` without one.
    pub fn top(&mut self, reference: Option<&Json>) -> Result<Option<&'static Shape>, String> {
        match reference.and_then(|r| r["shape"].as_str()) {
            Some(name) => self.shape(name, false, DEPTH).map(Some),
            None => Ok(None),
        }
    }

    /// A shape's definition.
    pub fn definition(&self, name: &str) -> Result<&'a Json, String> {
        self.shapes
            .get(name)
            .ok_or_else(|| format!("no shape {name}"))
    }

    fn shape(
        &mut self,
        name: &str,
        flattened: bool,
        depth: usize,
    ) -> Result<&'static Shape, String> {
        let key = (name.to_owned(), flattened, depth);
        if let Some(shape) = self.built.get(&key) {
            return Ok(shape);
        }
        let def = self.definition(name)?;
        let flattened = flattened || def["flattened"].as_bool().unwrap_or(false);
        let below = depth.saturating_sub(1);
        let shape = match def["type"].as_str().unwrap_or_default() {
            "string" | "character" => Shape::String,
            "integer" | "long" | "short" | "byte" => Shape::Integer,
            "float" | "double" => Shape::Float,
            "boolean" => Shape::Boolean,
            "blob" => Shape::Blob,
            "timestamp" => Shape::Timestamp(match def["timestampFormat"].as_str() {
                None => None,
                Some("iso8601") => Some(TimestampFormat::DateTime),
                Some("rfc822") => Some(TimestampFormat::HttpDate),
                Some("unixTimestamp") => Some(TimestampFormat::EpochSeconds),
                Some(other) => return Err(format!("timestamp format {other}")),
            }),
            "list" => {
                let member = &def["member"];
                let item = self.member_shape(member, below)?;
                Shape::List(Box::leak(Box::new(List {
                    item,
                    item_name: leak(member["locationName"].as_str().unwrap_or("member")),
                    flattened,
                })))
            }
            "map" => {
                let value = self.member_shape(&def["value"], below)?;
                Shape::Map(Box::leak(Box::new(Map {
                    value,
                    key_name: leak(def["key"]["locationName"].as_str().unwrap_or("key")),
                    value_name: leak(def["value"]["locationName"].as_str().unwrap_or("value")),
                    flattened,
                })))
            }
            "structure" if def["document"].as_bool() == Some(true) => Shape::Document,
            "structure" if depth == 0 => Shape::Structure(&[]),
            "structure" => {
                let payload = def["payload"].as_str();
                let mut members = Vec::new();
                for (name, reference) in def["members"].as_object().into_iter().flatten() {
                    members.push(self.member(name, reference, payload, below)?);
                }
                Shape::Structure(Box::leak(members.into_boxed_slice()))
            }
            other => return Err(format!("shape type {other}")),
        };
        let shape: &'static Shape = Box::leak(Box::new(shape));
        self.built.insert(key, shape);
        Ok(shape)
    }

    /// The shape a member reference targets, with the member's own `flattened`.
    fn member_shape(&mut self, reference: &Json, depth: usize) -> Result<&'static Shape, String> {
        let name = reference["shape"]
            .as_str()
            .ok_or("a member without a shape")?;
        self.shape(
            name,
            reference["flattened"].as_bool().unwrap_or(false),
            depth,
        )
    }

    fn member(
        &mut self,
        name: &str,
        reference: &Json,
        payload: Option<&str>,
        depth: usize,
    ) -> Result<Member, String> {
        let shape = self.member_shape(reference, depth)?;
        let location_name = reference["locationName"].as_str();
        let wire = leak(location_name.unwrap_or(name));
        let location = match reference["location"].as_str() {
            None if payload == Some(name) => Location::Payload,
            None => Location::Body,
            Some("uri") => Location::Uri(wire),
            Some("querystring") => Location::Query(wire),
            Some("header") => Location::Header(wire),
            Some("headers") => Location::Headers(leak(location_name.unwrap_or(""))),
            Some("statusCode") => Location::StatusCode,
            Some(other) => return Err(format!("location {other}")),
        };
        let mut member = Member::new(leak(name), shape).wire(wire).at(location);
        member.json_value = reference["jsonvalue"].as_bool().unwrap_or(false);
        Ok(member)
    }
}

/// A case's `params`, `result` or `error` as a value of `shape` (`null` is absent; a blob
/// is given as its text; a special float as `"NaN"`, `"Infinity"`, `"-Infinity"`; a
/// timestamp as epoch seconds).
pub fn to_value(shape: &Shape, json: &Json) -> Result<Option<Value>, String> {
    let wrong = || format!("{json} is not a {shape:?}");
    Ok(Some(match (shape, json) {
        (_, Json::Null) => return Ok(None),
        (Shape::Document, json) => Value::Document(json.clone()),
        (Shape::String | Shape::PolicyDocument, Json::String(s)) => Value::String(s.clone()),
        (Shape::Integer, Json::Number(n)) => Value::Integer(n.as_i64().ok_or_else(wrong)?),
        (Shape::Float, Json::Number(n)) => Value::Float(n.as_f64().ok_or_else(wrong)?),
        (Shape::Float, Json::String(s)) => Value::Float(parse_float(s).ok_or_else(wrong)?),
        (Shape::Boolean, Json::Bool(b)) => Value::Boolean(*b),
        (Shape::Timestamp(_), Json::Number(n)) => {
            let seconds = n.as_f64().ok_or_else(wrong)?;
            #[allow(clippy::cast_possible_truncation, reason = "test timestamps are small")]
            let nanos = (seconds * 1e9).round() as i128;
            Value::Timestamp(
                time::OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| wrong())?,
            )
        }
        (Shape::Timestamp(_), Json::String(s)) => {
            Value::Timestamp(parse_timestamp(s).ok_or_else(wrong)?)
        }
        (Shape::Blob, Json::String(s)) => Value::Blob(s.clone().into_bytes()),
        (Shape::List(l), Json::Array(items)) => Value::List(
            items
                .iter()
                .map(|item| to_value(l.item, item))
                .filter_map(Result::transpose)
                .collect::<Result<_, _>>()?,
        ),
        (Shape::Map(m), Json::Object(entries)) => {
            let mut out = Vec::new();
            for (k, v) in entries {
                if let Some(v) = to_value(m.value, v)? {
                    out.push((k.clone(), v));
                }
            }
            Value::Map(out)
        }
        (Shape::Structure(members), Json::Object(fields)) => {
            let mut out = Vec::new();
            for (k, v) in fields {
                let m = members
                    .iter()
                    .find(|m| m.name == k)
                    .ok_or_else(|| format!("no member {k} in {shape:?}"))?;
                if let Some(v) = to_value(m.shape, v)? {
                    out.push((Cow::Borrowed(m.name), v));
                }
            }
            Value::Structure(out)
        }
        _ => return Err(wrong()),
    }))
}

/// Whether `got` is the value `want`. A member `want` holds as an empty list or map may be
/// absent from `got`: no protocol can tell an empty query map, prefix-header map or header
/// list from none.
pub fn same(want: &Value, got: &Value, at: &str) -> Result<(), String> {
    let differ = || Err(format!("at '{at}': want {want:?}, got {got:?}"));
    match (want, got) {
        (Value::Float(a), Value::Float(b)) if a.is_nan() && b.is_nan() => Ok(()),
        (Value::Timestamp(a), Value::Timestamp(b)) => {
            let ms = |t: &time::OffsetDateTime| (t.unix_timestamp_nanos() as f64 / 1e6).round();
            if ms(a) == ms(b) { Ok(()) } else { differ() }
        }
        (Value::List(a), Value::List(b)) => {
            if a.len() != b.len() {
                return differ();
            }
            for (i, (a, b)) in a.iter().zip(b).enumerate() {
                same(a, b, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        (Value::Map(a), Value::Map(b)) => {
            if a.len() != b.len() {
                return differ();
            }
            for (k, a) in a {
                match b.iter().find(|(key, _)| key == k) {
                    Some((_, b)) => same(a, b, &format!("{at}.{k}"))?,
                    None => return differ(),
                }
            }
            Ok(())
        }
        (Value::Structure(a), Value::Structure(b)) => {
            for (k, a) in a {
                match b.iter().find(|(key, _)| key == k) {
                    Some((_, b)) => same(a, b, &format!("{at}.{k}"))?,
                    None if is_empty_collection(a) => {}
                    None => return Err(format!("at '{at}': {k} is missing from {got:?}")),
                }
            }
            match b.iter().find(|(k, _)| !a.iter().any(|(key, _)| key == k)) {
                Some((k, v)) => Err(format!("at '{at}': unexpected {k} = {v:?}")),
                None => Ok(()),
            }
        }
        (a, b) if a == b => Ok(()),
        _ => differ(),
    }
}

fn is_empty_collection(v: &Value) -> bool {
    match v {
        Value::List(items) => items.is_empty(),
        Value::Map(entries) => entries.is_empty(),
        _ => false,
    }
}

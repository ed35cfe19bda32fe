//! REST-JSON (`restJson1`), the server side: an operation's HTTP binding (method, URI
//! template, success code) routes a request; its members come from the URI's labels, the query
//! string, headers and the body; the output goes back as the status code, headers and a body.
//!
//! - labels: `{Name}` is one path segment, `{Name+}` (greedy) one or more; both are
//!   percent-decoded. Literal query parts of the template (`?foo=bar&hello`) must be sent.
//! - query: a member bound to a parameter takes its first value, a list takes every value in
//!   order; a map bound to the query takes every parameter of the request (a list-valued map
//!   every value of each), as Smithy's server tests expect.
//! - headers: names are case-insensitive; lists are comma-separated (strings with a comma or a
//!   quote are quoted, HTTP dates are not); timestamps are HTTP dates unless the shape says
//!   otherwise; a `jsonvalue` string is base64. A prefix-bound map takes every header whose
//!   name starts with the prefix, keyed by the rest of the name.
//! - body: a payload member is the whole body (a blob or string raw, anything else JSON);
//!   otherwise the body is the JSON object of the body members (codec `json`'s rules).
//! - errors: the status, `X-Amzn-ErrorType: Code`, and `{"code", "message", …members}`.
//!
//! Malformed values (a label that is not a number, a body that is not JSON) are AWS's
//! `SerializationException`, as for AWS JSON.
//!
//! <https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html>,
//! <https://smithy.io/2.0/spec/http-bindings.html>

use std::borrow::Cow;

use base64::Engine;
use percent_encoding::percent_decode_str;
use serde_json::Value as Json;

use crate::{
    Params, Shape, Value,
    codec::{
        json::{SerializationError, from_json, to_json},
        query::{parse_float, parse_timestamp},
    },
    shape::{Location, Member, TimestampFormat},
    xml::{epoch_seconds, float_text, http_date, timestamp},
};

/// An operation's HTTP binding: Smithy's `@http` trait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpBinding {
    /// The request method (`GET`, `POST`, …).
    pub method: &'static str,
    /// The request URI template: `/2015-03-31/functions/{FunctionName}/invocations`, labels
    /// `{Name}` and at most one greedy `{Name+}`, optionally literal query parameters
    /// (`?versioning` or `?list-type=2`).
    pub uri: &'static str,
    /// The status code of a success (200 unless the model says otherwise).
    pub code: u16,
}

/// The labels of a matched request URI, by label name, percent-decoded.
pub type Labels = Vec<(&'static str, String)>;

/// What a request carries besides its method and path.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The query parameters, decoded ([`Params::parse_form`]), in order; a name may repeat.
    pub query: &'a [(String, String)],
    /// The headers, in order; names in any case, a name may repeat.
    pub headers: &'a [(String, String)],
    /// The body.
    pub body: &'a [u8],
}

/// A response to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The headers (the content type among them when there is a body).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment<'t> {
    Literal(&'t str),
    Label(&'t str),
    Greedy(&'t str),
}

fn segment(s: &str) -> Segment<'_> {
    match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
        Some(label) => match label.strip_suffix('+') {
            Some(greedy) => Segment::Greedy(greedy),
            None => Segment::Label(label),
        },
        None => Segment::Literal(s),
    }
}

/// Whether a request (`method`, and `target`: the raw path with its query string, if any)
/// is a call of the operation bound by `binding`; its labels if so. Literal segments compare
/// after percent-decoding; a label matches a non-empty segment, a greedy label one or more.
pub fn matches(binding: &HttpBinding, method: &str, target: &str) -> Option<Labels> {
    if !binding.method.eq_ignore_ascii_case(method) {
        return None;
    }
    let (template, literals) = binding.uri.split_once('?').unwrap_or((binding.uri, ""));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let template: Vec<Segment<'static>> = template.split('/').map(segment).collect();
    let path: Vec<&str> = path.split('/').collect();
    let mut labels = Vec::new();
    if !match_segments(&template, &path, &mut labels) {
        return None;
    }
    if !literals.is_empty() {
        let sent = Params::parse_form(query.as_bytes()).ok()?;
        for (name, value) in Params::parse_form(literals.as_bytes()).ok()? {
            let present = sent
                .iter()
                .any(|(n, v)| *n == name && (value.is_empty() || *v == value));
            if !present {
                return None;
            }
        }
    }
    labels.reverse();
    Some(labels)
}

/// Matches `path` against `template`, pushing the labels last first.
fn match_segments(template: &[Segment<'static>], path: &[&str], labels: &mut Labels) -> bool {
    let Some((first, rest)) = template.split_first() else {
        return path.is_empty();
    };
    let Some((segment, path_rest)) = path.split_first() else {
        return false;
    };
    match *first {
        Segment::Literal(literal) => {
            decode_segment(segment).is_some_and(|s| s == literal)
                && match_segments(rest, path_rest, labels)
        }
        Segment::Label(name) => match decode_segment(segment) {
            Some(value) if !value.is_empty() => {
                let matched = match_segments(rest, path_rest, labels);
                if matched {
                    labels.push((name, value));
                }
                matched
            }
            _ => false,
        },
        Segment::Greedy(name) => {
            // As many segments as leave enough for the rest of the template.
            let most = path.len().saturating_sub(rest.len());
            for n in (1..=most).rev() {
                let (taken, after) = path.split_at(n);
                let Some(value) = decode_segment(&taken.join("/")) else {
                    return false;
                };
                if !value.is_empty() && match_segments(rest, after, labels) {
                    labels.push((name, value));
                    return true;
                }
            }
            false
        }
    }
}

fn decode_segment(raw: &str) -> Option<String> {
    percent_decode_str(raw)
        .decode_utf8()
        .ok()
        .map(Cow::into_owned)
}

/// The input structure of a request matched by [`matches`] (`labels` are its result).
pub fn decode(
    shape: &Shape,
    labels: &[(&'static str, String)],
    request: &Request<'_>,
) -> Result<Value, SerializationError> {
    let members = shape.members();
    let mut body = if members.iter().any(|m| m.location == Location::Body) {
        Some(body_object(request.body)?)
    } else {
        None
    };
    let mut out = Vec::new();
    for m in members {
        let value = match m.location {
            Location::Body => match body.as_mut().and_then(|b| b.remove(m.wire)) {
                Some(json) => from_json(m.shape, json, m.name)?,
                None => None,
            },
            Location::Payload => payload(m, request.body)?,
            Location::Uri(label) => labels
                .iter()
                .find(|(name, _)| *name == label)
                .map(|(_, text)| from_text(m, m.shape, text, Place::Label))
                .transpose()?,
            Location::Query(name) => query_member(m, name, request.query)?,
            Location::Header(name) => {
                let values = header_values(request.headers, name);
                match m.shape {
                    _ if values.is_empty() => None,
                    Shape::List(l) => Some(Value::List(
                        split_header_list(&values.join(", "), l.item)
                            .iter()
                            .map(|item| from_text(m, l.item, item, Place::Header))
                            .collect::<Result<_, _>>()?,
                    )),
                    shape => Some(from_text(m, shape, values[0], Place::Header)?),
                }
            }
            Location::Headers(prefix) => prefix_headers(m, prefix, request.headers)?,
            Location::StatusCode => None,
        };
        if let Some(v) = value {
            out.push((Cow::Borrowed(m.name), v));
        }
    }
    Ok(Value::Structure(out))
}

/// The body as a JSON object (an empty body is an empty object).
fn body_object(body: &[u8]) -> Result<serde_json::Map<String, Json>, SerializationError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_slice(body) {
        Ok(Json::Object(fields)) => Ok(fields),
        Ok(_) => Err(SerializationError(
            "The request body must be a JSON object".into(),
        )),
        Err(e) => Err(SerializationError(format!(
            "The request body is not valid JSON: {e}"
        ))),
    }
}

/// The payload member: the whole body (none when the body is empty).
fn payload(m: &Member, body: &[u8]) -> Result<Option<Value>, SerializationError> {
    if body.is_empty() {
        return Ok(None);
    }
    match m.shape {
        Shape::Blob => Ok(Some(Value::Blob(body.to_vec()))),
        Shape::String | Shape::PolicyDocument => match std::str::from_utf8(body) {
            Ok(s) => Ok(Some(Value::String(s.to_owned()))),
            Err(_) => Err(SerializationError(format!(
                "The body of '{}' is not UTF-8 text",
                m.name
            ))),
        },
        shape => {
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(None);
            }
            let json: Json = serde_json::from_slice(body).map_err(|e| {
                SerializationError(format!("The request body is not valid JSON: {e}"))
            })?;
            from_json(shape, json, m.name)
        }
    }
}

/// Where a text value came from (its timestamps' default format).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Label,
    Query,
    Header,
}

/// A scalar sent as text (a label, a query parameter, a header, a map value).
fn from_text(
    m: &Member,
    shape: &Shape,
    text: &str,
    place: Place,
) -> Result<Value, SerializationError> {
    let wrong = || {
        SerializationError(format!(
            "Unexpected value '{text}' for '{}': it is not a {}",
            m.name,
            shape.describe()
        ))
    };
    Ok(match shape {
        Shape::String | Shape::PolicyDocument if m.json_value && place == Place::Header => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|_| wrong())?;
            Value::String(String::from_utf8(bytes).map_err(|_| wrong())?)
        }
        Shape::String | Shape::PolicyDocument => Value::String(text.to_owned()),
        Shape::Integer => Value::Integer(text.trim().parse().map_err(|_| wrong())?),
        Shape::Float => Value::Float(parse_float(text.trim()).ok_or_else(wrong)?),
        Shape::Boolean => match text.trim() {
            "true" => Value::Boolean(true),
            "false" => Value::Boolean(false),
            _ => return Err(wrong()),
        },
        Shape::Timestamp(_) => Value::Timestamp(parse_timestamp(text.trim()).ok_or_else(wrong)?),
        Shape::Blob => Value::Blob(
            base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|_| wrong())?,
        ),
        Shape::List(_) | Shape::Map(_) | Shape::Structure(_) | Shape::Document => {
            return Err(wrong());
        }
    })
}

fn query_member(
    m: &Member,
    name: &str,
    query: &[(String, String)],
) -> Result<Option<Value>, SerializationError> {
    let values = || query.iter().filter(move |(n, _)| n == name).map(|(_, v)| v);
    Ok(match m.shape {
        Shape::List(l) => {
            let items: Vec<Value> = values()
                .map(|v| from_text(m, l.item, v, Place::Query))
                .collect::<Result<_, _>>()?;
            (!items.is_empty()).then_some(Value::List(items))
        }
        Shape::Map(map) => {
            let mut entries: Vec<(String, Value)> = Vec::new();
            for (key, text) in query {
                let at = entries.iter().position(|(k, _)| k == key);
                match (map.value, at) {
                    (Shape::List(l), Some(i)) => {
                        let item = from_text(m, l.item, text, Place::Query)?;
                        if let Value::List(items) = &mut entries[i].1 {
                            items.push(item);
                        }
                    }
                    (Shape::List(l), None) => entries.push((
                        key.clone(),
                        Value::List(vec![from_text(m, l.item, text, Place::Query)?]),
                    )),
                    // A repeated name of a map of single values keeps its first value.
                    (_, Some(_)) => {}
                    (value, None) => {
                        entries.push((key.clone(), from_text(m, value, text, Place::Query)?));
                    }
                }
            }
            (!entries.is_empty()).then_some(Value::Map(entries))
        }
        shape => values()
            .next()
            .map(|v| from_text(m, shape, v, Place::Query))
            .transpose()?,
    })
}

/// Every value of a header, in order.
fn header_values<'h>(headers: &'h [(String, String)], name: &str) -> Vec<&'h str> {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .collect()
}

fn prefix_headers(
    m: &Member,
    prefix: &str,
    headers: &[(String, String)],
) -> Result<Option<Value>, SerializationError> {
    let Shape::Map(map) = m.shape else {
        return Ok(None);
    };
    let mut entries = Vec::new();
    for (name, text) in headers {
        let Some(key) = name
            .get(..prefix.len())
            .filter(|p| p.eq_ignore_ascii_case(prefix))
            .and_then(|_| name.get(prefix.len()..))
        else {
            continue;
        };
        let value = match map.value {
            Shape::List(l) => Value::List(
                split_header_list(text, l.item)
                    .iter()
                    .map(|item| from_text(m, l.item, item, Place::Header))
                    .collect::<Result<_, _>>()?,
            ),
            shape => from_text(m, shape, text, Place::Header)?,
        };
        entries.push((key.to_owned(), value));
    }
    Ok((!entries.is_empty()).then_some(Value::Map(entries)))
}

/// The items of a comma-separated header: quoted strings (`"b,c"`, with `\"` escapes) are
/// unquoted; HTTP dates, which hold a comma of their own, are kept whole.
pub fn split_header_list(value: &str, item: &Shape) -> Vec<String> {
    if value.trim().is_empty() {
        return Vec::new();
    }
    if matches!(
        item,
        Shape::Timestamp(None | Some(TimestampFormat::HttpDate))
    ) {
        let mut out: Vec<String> = Vec::new();
        let mut parts = value.split(',').map(str::trim);
        while let Some(part) = parts.next() {
            let weekday = part.len() == 3 && part.bytes().all(|b| b.is_ascii_alphabetic());
            match parts.next().filter(|_| weekday) {
                Some(rest) => out.push(format!("{part}, {rest}")),
                None => out.push(part.to_owned()),
            }
        }
        return out;
    }
    let mut out = Vec::new();
    let mut chars = value.chars().peekable();
    loop {
        while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
        let mut item = String::new();
        if chars.next_if_eq(&'"').is_some() {
            while let Some(c) = chars.next() {
                match c {
                    '\\' => item.extend(chars.next()),
                    '"' => break,
                    c => item.push(c),
                }
            }
            // Anything between the closing quote and the comma is dropped.
            while chars.next_if(|c| *c != ',').is_some() {}
        } else {
            while let Some(c) = chars.next_if(|c| *c != ',') {
                item.push(c);
            }
            item.truncate(item.trim_end().len());
        }
        out.push(item);
        if chars.next().is_none() {
            return out;
        }
    }
}

/// A success response: the status code (the binding's `code`, or the output's status-code
/// member), header members, and the body: the payload member's content, or the JSON object
/// of the body members (`{}` when there are none). An operation without an output answers
/// with an empty body.
pub fn encode(code: u16, result: Option<(&Shape, &Value)>) -> Response {
    let mut response = Response {
        status: code,
        headers: Vec::new(),
        body: Vec::new(),
    };
    let Some((shape, value)) = result else {
        return response;
    };
    let members = shape.members();
    let mut object = serde_json::Map::new();
    let mut payload = None;
    write_members(shape, value, &mut response, &mut object, &mut payload);
    let (body, content_type) = if members.iter().any(|m| m.location == Location::Payload) {
        match payload {
            None => (Vec::new(), None),
            Some((_, Value::Blob(b))) => (b.clone(), Some("application/octet-stream")),
            Some((Shape::String | Shape::PolicyDocument, Value::String(s))) => {
                (s.clone().into_bytes(), Some("text/plain"))
            }
            Some((shape, v)) => (json_bytes(&to_json(shape, v)), Some("application/json")),
        }
    } else {
        (json_bytes(&Json::Object(object)), Some("application/json"))
    };
    response.body = body;
    if let Some(content_type) = content_type {
        set_content_type(&mut response.headers, content_type);
    }
    response
}

/// An error response: `status`, `X-Amzn-ErrorType: code`, and the body
/// `{"code": …, "message": …}` with the error structure's members (`detail`: its header
/// members become headers, its body members join the object under their wire names).
pub fn encode_error(
    status: u16,
    code: &str,
    message: Option<&str>,
    detail: Option<(&Shape, &Value)>,
) -> Response {
    let mut response = Response {
        status,
        headers: vec![("X-Amzn-ErrorType".to_owned(), code.to_owned())],
        body: Vec::new(),
    };
    let mut object = serde_json::Map::new();
    object.insert("code".into(), Json::String(code.to_owned()));
    if let Some(message) = message {
        object.insert("message".into(), Json::String(message.to_owned()));
    }
    if let Some((shape, value)) = detail {
        let mut payload = None;
        let mut members = serde_json::Map::new();
        write_members(shape, value, &mut response, &mut members, &mut payload);
        for (k, v) in members {
            object.entry(k).or_insert(v);
        }
    }
    // The caller's status stands, whatever a member of the error says.
    response.status = status;
    response.body = json_bytes(&Json::Object(object));
    set_content_type(&mut response.headers, "application/json");
    response
}

/// Writes a structure's members to where they are bound: the status code and headers into
/// `response`, body members into `object`, the payload member into `payload`.
fn write_members<'v>(
    shape: &Shape,
    value: &'v Value,
    response: &mut Response,
    object: &mut serde_json::Map<String, Json>,
    payload: &mut Option<(&'static Shape, &'v Value)>,
) {
    let Value::Structure(present) = value else {
        return;
    };
    for (name, v) in present {
        let Some(m) = shape.members().iter().find(|m| m.name == name.as_ref()) else {
            continue;
        };
        match m.location {
            Location::Body => {
                object.insert(m.wire.to_owned(), to_json(m.shape, v));
            }
            Location::Payload => *payload = Some((m.shape, v)),
            Location::Header(header) => {
                if let Some(text) = header_text(m, m.shape, v) {
                    response.headers.push((header.to_owned(), text));
                }
            }
            Location::Headers(prefix) => {
                if let (Shape::Map(map), Value::Map(entries)) = (m.shape, v) {
                    for (k, v) in entries {
                        if let Some(text) = header_text(m, map.value, v) {
                            response.headers.push((format!("{prefix}{k}"), text));
                        }
                    }
                }
            }
            Location::StatusCode => {
                if let Some(status) = match v {
                    Value::Integer(n) => u16::try_from(*n).ok(),
                    _ => None,
                } {
                    response.status = status;
                }
            }
            // Requests only.
            Location::Uri(_) | Location::Query(_) => {}
        }
    }
}

/// A value as a header's text (`None`: nothing a header can carry).
fn header_text(m: &Member, shape: &Shape, value: &Value) -> Option<String> {
    Some(match (shape, value) {
        (_, Value::String(s)) if m.json_value => {
            base64::engine::general_purpose::STANDARD.encode(s)
        }
        (_, Value::String(s)) => s.clone(),
        (_, Value::Integer(n)) => n.to_string(),
        (_, Value::Float(f)) => float_text(*f),
        (_, Value::Boolean(b)) => b.to_string(),
        (Shape::Timestamp(Some(TimestampFormat::DateTime)), Value::Timestamp(t)) => timestamp(*t),
        (Shape::Timestamp(Some(TimestampFormat::EpochSeconds)), Value::Timestamp(t)) => {
            epoch_seconds(*t)
        }
        (_, Value::Timestamp(t)) => http_date(*t),
        (_, Value::Blob(b)) => base64::engine::general_purpose::STANDARD.encode(b),
        (Shape::List(l), Value::List(items)) => items
            .iter()
            .filter_map(|item| {
                let text = header_text(m, l.item, item)?;
                let quote = matches!(item, Value::String(_)) && text.contains([',', '"']);
                Some(if quote {
                    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
                } else {
                    text
                })
            })
            .collect::<Vec<_>>()
            .join(", "),
        (_, Value::List(_) | Value::Map(_) | Value::Structure(_) | Value::Document(_)) => {
            return None;
        }
    })
}

fn set_content_type(headers: &mut Vec<(String, String)>, content_type: &str) {
    if !headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
    {
        headers.push(("Content-Type".to_owned(), content_type.to_owned()));
    }
}

fn json_bytes(json: &Json) -> Vec<u8> {
    serde_json::to_vec(json).unwrap_or_else(|_| b"{}".to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::{Member, list_of, map_of};

    const LAMBDA_INVOKE: HttpBinding = HttpBinding {
        method: "POST",
        uri: "/2015-03-31/functions/{FunctionName}/invocations?Qualifier=x",
        code: 200,
    };

    #[test]
    fn routes_with_labels_greedy_labels_and_literal_query() {
        let labels = matches(
            &LAMBDA_INVOKE,
            "POST",
            "/2015-03-31/functions/my%20fn/invocations?Qualifier=x&b=1",
        );
        assert_eq!(labels, Some(vec![("FunctionName", "my fn".to_owned())]));
        assert_eq!(
            matches(
                &LAMBDA_INVOKE,
                "POST",
                "/2015-03-31/functions/f/invocations"
            ),
            None,
            "the literal query parameter is missing"
        );
        assert_eq!(
            matches(
                &LAMBDA_INVOKE,
                "GET",
                "/2015-03-31/functions/f/invocations?Qualifier=x"
            ),
            None
        );
        assert_eq!(
            matches(
                &LAMBDA_INVOKE,
                "POST",
                "/2015-03-31/functions//invocations?Qualifier=x"
            ),
            None,
            "a label is never empty"
        );
        let greedy = HttpBinding {
            method: "GET",
            uri: "/a/{Key+}/b/{Id}",
            code: 200,
        };
        assert_eq!(
            matches(&greedy, "GET", "/a/x/y%2Fz/b/b/1"),
            Some(vec![("Key", "x/y/z/b".to_owned()), ("Id", "1".to_owned())])
        );
        assert_eq!(matches(&greedy, "GET", "/a/b/1"), None);
    }

    #[test]
    fn header_lists_unquote_and_keep_dates_whole() {
        assert_eq!(
            split_header_list(r#""b,c", "\"def\"", a"#, &Shape::String),
            ["b,c", "\"def\"", "a"]
        );
        assert_eq!(
            split_header_list(
                "Mon, 16 Dec 2019 23:48:18 GMT, Mon, 16 Dec 2019 23:48:18 GMT",
                &Shape::Timestamp(None)
            ),
            [
                "Mon, 16 Dec 2019 23:48:18 GMT",
                "Mon, 16 Dec 2019 23:48:18 GMT"
            ]
        );
        assert!(split_header_list("", &Shape::String).is_empty());
        assert_eq!(split_header_list("a,,b ", &Shape::String), ["a", "", "b"]);
    }

    static STRINGS: crate::shape::List = list_of(&Shape::String);
    static TAGS: crate::shape::Map = map_of(&Shape::String);
    static INPUT: [Member; 5] = [
        Member::new("Name", &Shape::String).at(Location::Uri("Name")),
        Member::new("Ids", &Shape::List(&STRINGS)).at(Location::Query("id")),
        Member::new("Trace", &Shape::String).at(Location::Header("X-Trace")),
        Member::new("Meta", &Shape::Map(&TAGS)).at(Location::Headers("x-meta-")),
        Member::new("Size", &Shape::Integer).wire("size"),
    ];

    #[test]
    fn decodes_every_location() {
        let query = [
            ("id".to_owned(), "1".to_owned()),
            ("id".to_owned(), "2".to_owned()),
        ];
        let headers = [
            ("x-trace".to_owned(), "t".to_owned()),
            ("X-Meta-Team".to_owned(), "a".to_owned()),
        ];
        let request = Request {
            query: &query,
            headers: &headers,
            body: br#"{"size": 3}"#,
        };
        let v = decode(
            &Shape::Structure(&INPUT),
            &[("Name", "n".to_owned())],
            &request,
        )
        .expect("decodes");
        let s = |s: &str| Value::String(s.to_owned());
        assert_eq!(
            v,
            Value::Structure(vec![
                ("Name".into(), s("n")),
                ("Ids".into(), Value::List(vec![s("1"), s("2")])),
                ("Trace".into(), s("t")),
                ("Meta".into(), Value::Map(vec![("Team".into(), s("a"))])),
                ("Size".into(), Value::Integer(3)),
            ])
        );
        let bad = Request {
            body: br#"{"size": "3"}"#,
            ..request
        };
        assert!(decode(&Shape::Structure(&INPUT), &[], &bad).is_err());
    }

    #[test]
    fn errors_name_their_code_in_a_header() {
        let r = encode_error(
            404,
            "ResourceNotFoundException",
            Some("Function not found"),
            None,
        );
        assert_eq!(r.status, 404);
        assert!(r.headers.contains(&(
            "X-Amzn-ErrorType".to_owned(),
            "ResourceNotFoundException".to_owned()
        )));
        let body: Json = serde_json::from_slice(&r.body).expect("json");
        assert_eq!(body["message"], "Function not found");
        assert_eq!(body["code"], "ResourceNotFoundException");
    }
}

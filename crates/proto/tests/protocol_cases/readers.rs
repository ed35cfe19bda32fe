//! What a client reads from a response, after botocore's parsers (`botocore/parsers.py`):
//! `QueryParser` for awsQuery XML, `JSONParser` and `RestJSONParser` for the JSON protocols.
//! Where botocore departs from Smithy's rules and skips the cases that show it, Smithy's rule
//! is followed instead (noted at each place).

use std::borrow::Cow;

use rolegate_proto::{
    Shape, Value,
    codec::{
        json::from_json,
        query::{parse_float, parse_timestamp},
        rest_json::split_header_list,
    },
    shape::{Location, Member},
};
use serde_json::Value as Json;

/// An error as a client sees it: its code and message.
#[derive(Debug, PartialEq, Eq)]
pub struct ErrorSeen {
    pub code: String,
    pub message: String,
}

// ---- awsQuery XML ----

fn children<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> {
    node.children().filter(roxmltree::Node::is_element)
}

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    children(node).find(|c| c.tag_name().name() == name)
}

fn text(node: roxmltree::Node<'_, '_>) -> String {
    node.children()
        .filter(roxmltree::Node::is_text)
        .filter_map(|t| t.text())
        .collect()
}

/// A success response: the members of `shape` under `<{Op}Result>` (botocore's test runner
/// gives an output with members that `resultWrapper`), else under the root.
pub fn query_output(xml: &str, operation: &str, shape: Option<&Shape>) -> Result<Value, String> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| format!("not XML: {e}"))?;
    let Some(shape) = shape else {
        return Ok(Value::empty());
    };
    let root = doc.root_element();
    let start = if shape.members().is_empty() {
        root
    } else {
        child(root, &format!("{operation}Result")).ok_or("no result wrapper")?
    };
    xml_value(shape, &[start])
}

/// An error response: `Error/Code` and `Error/Message`, and the members of the error
/// structure `shape` read from `<Error>`.
pub fn query_error(xml: &str, shape: Option<&Shape>) -> Result<(ErrorSeen, Value), String> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| format!("not XML: {e}"))?;
    let root = doc.root_element();
    let error = child(root, "Error").ok_or("no Error element")?;
    let seen = ErrorSeen {
        code: child(error, "Code").map(text).unwrap_or_default(),
        message: child(error, "Message").map(text).unwrap_or_default(),
    };
    let detail = match shape {
        Some(shape) => xml_value(shape, &[error])?,
        None => Value::empty(),
    };
    Ok((seen, detail))
}

/// The value of `shape` in `nodes`: one element, or the repeated elements of a flattened
/// list or map.
fn xml_value(shape: &Shape, nodes: &[roxmltree::Node<'_, '_>]) -> Result<Value, String> {
    let first = *nodes.first().ok_or("no element")?;
    let scalar = || text(first);
    let wrong = |what: &str| format!("'{}' is not {what}", scalar());
    Ok(match shape {
        Shape::String | Shape::PolicyDocument => Value::String(scalar()),
        Shape::Integer => Value::Integer(scalar().trim().parse().map_err(|_| wrong("an integer"))?),
        Shape::Float => Value::Float(parse_float(scalar().trim()).ok_or_else(|| wrong("a float"))?),
        Shape::Boolean => Value::Boolean(scalar() == "true"),
        Shape::Timestamp(_) => {
            Value::Timestamp(parse_timestamp(scalar().trim()).ok_or_else(|| wrong("a timestamp"))?)
        }
        Shape::Blob => {
            use base64::Engine;
            Value::Blob(
                base64::engine::general_purpose::STANDARD
                    .decode(scalar().trim())
                    .map_err(|_| wrong("base64"))?,
            )
        }
        Shape::List(l) => {
            let items: Vec<roxmltree::Node<'_, '_>> = if l.flattened {
                nodes.to_vec()
            } else {
                // botocore takes every child of the wrapper, whatever its name.
                children(first).collect()
            };
            Value::List(
                items
                    .iter()
                    .map(|item| xml_value(l.item, &[*item]))
                    .collect::<Result<_, _>>()?,
            )
        }
        Shape::Map(m) => {
            let entries: Vec<roxmltree::Node<'_, '_>> = if m.flattened {
                nodes.to_vec()
            } else {
                children(first).collect()
            };
            let mut out = Vec::new();
            for entry in entries {
                let key = child(entry, m.key_name)
                    .map(text)
                    .ok_or("an entry without its key")?;
                let value = child(entry, m.value_name).ok_or("an entry without its value")?;
                out.push((key, xml_value(m.value, &[value])?));
            }
            Value::Map(out)
        }
        Shape::Structure(members) => {
            let mut out = Vec::new();
            for m in *members {
                if m.location != Location::Body {
                    continue;
                }
                // Smithy's rule: a flattened list's items are named after the structure's
                // member. (botocore takes the list member's `locationName` when it has one,
                // and skips the cases that show the difference, `QueryXmlLists` among them.)
                let named: Vec<roxmltree::Node<'_, '_>> = children(first)
                    .filter(|c| c.tag_name().name() == m.wire)
                    .collect();
                if named.is_empty() {
                    continue;
                }
                let flattened = match m.shape {
                    Shape::List(l) => l.flattened,
                    Shape::Map(map) => map.flattened,
                    _ => false,
                };
                let nodes = if flattened { &named[..] } else { &named[..1] };
                out.push((Cow::Borrowed(m.name), xml_value(m.shape, nodes)?));
            }
            Value::Structure(out)
        }
        Shape::Document => return Err("awsQuery has no documents".into()),
    })
}

// ---- JSON ----

/// A JSON body as a value of `shape` (an empty body is an empty structure).
pub fn json_body(shape: &Shape, body: &[u8]) -> Result<Value, String> {
    let json = parse_json(body)?;
    Ok(from_json(shape, json, "")
        .map_err(|e| e.to_string())?
        .unwrap_or_else(Value::empty))
}

fn parse_json(body: &[u8]) -> Result<Json, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Json::Object(serde_json::Map::new()));
    }
    serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))
}

/// An error's code and message as the JSON protocols' clients find them: the
/// `X-Amzn-ErrorType` header, else the body's `code`, else its `__type` (botocore's
/// `RestJSONParser`; Smithy asks the same of AWS JSON clients, which botocore's `JSONParser`
/// does not do, skipping those cases), else the status; any `namespace#` prefix and `:…`
/// suffix removed. The message is the body's `message`, else `Message`.
pub fn json_error(
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<ErrorSeen, String> {
    let json = parse_json(body)?;
    let field = |name: &str| json.get(name).and_then(Json::as_str).map(str::to_owned);
    let code = header(headers, "x-amzn-errortype")
        .map(str::to_owned)
        .or_else(|| field("code"))
        .or_else(|| field("Code"))
        .or_else(|| field("__type"))
        .unwrap_or_else(|| status.to_string());
    let code = code.split(':').next().unwrap_or_default();
    let code = code.rsplit('#').next().unwrap_or_default().to_owned();
    let message = field("message")
        .or_else(|| field("Message"))
        .unwrap_or_default();
    Ok(ErrorSeen { code, message })
}

// ---- REST-JSON ----

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A response as a value of `shape` (botocore's `BaseRestParser`): the status-code member,
/// header members (lists split as Smithy says: quoted strings, whole HTTP dates, which
/// botocore's plain split on commas gets wrong, skipping those cases), prefix-header maps,
/// and the body: the payload member, or the body members.
pub fn rest_response(
    shape: &Shape,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<Value, String> {
    let mut out = Vec::new();
    let mut body_members = Vec::new();
    for m in shape.members() {
        let value = match m.location {
            Location::StatusCode => Some(Value::Integer(i64::from(status))),
            Location::Header(name) => match header(headers, name) {
                None => None,
                Some(text) => Some(match m.shape {
                    Shape::List(l) => Value::List(
                        split_header_list(text, l.item)
                            .iter()
                            .map(|item| header_scalar(m, l.item, item))
                            .collect::<Result<_, _>>()?,
                    ),
                    shape => header_scalar(m, shape, text)?,
                }),
            },
            Location::Headers(prefix) => {
                let Shape::Map(map) = m.shape else {
                    return Err("a prefix-header member that is not a map".into());
                };
                let mut entries = Vec::new();
                for (name, text) in headers {
                    if name
                        .to_ascii_lowercase()
                        .starts_with(&prefix.to_ascii_lowercase())
                    {
                        entries.push((
                            name[prefix.len()..].to_owned(),
                            header_scalar(m, map.value, text)?,
                        ));
                    }
                }
                Some(Value::Map(entries))
            }
            Location::Payload => match m.shape {
                _ if body.is_empty() => None,
                Shape::Blob => Some(Value::Blob(body.to_vec())),
                Shape::String => Some(Value::String(
                    String::from_utf8(body.to_vec())
                        .map_err(|_| "a string payload that is not UTF-8")?,
                )),
                shape => from_json(shape, parse_json(body)?, m.name).map_err(|e| e.to_string())?,
            },
            Location::Body => {
                body_members.push(*m);
                None
            }
            Location::Uri(_) | Location::Query(_) => None,
        };
        if let Some(v) = value {
            out.push((Cow::Borrowed(m.name), v));
        }
    }
    if !shape
        .members()
        .iter()
        .any(|m| m.location == Location::Payload)
    {
        let members: &'static [Member] = Box::leak(body_members.into_boxed_slice());
        if let Value::Structure(from_body) = json_body(&Shape::Structure(members), body)? {
            out.extend(from_body);
        }
    }
    Ok(Value::Structure(out))
}

fn header_scalar(m: &Member, shape: &Shape, text: &str) -> Result<Value, String> {
    use base64::Engine;
    let wrong = || format!("header '{text}' is not a {shape:?}");
    Ok(match shape {
        Shape::String if m.json_value => Value::String(
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|_| wrong())?,
            )
            .map_err(|_| wrong())?,
        ),
        Shape::String | Shape::PolicyDocument => Value::String(text.to_owned()),
        Shape::Integer => Value::Integer(text.trim().parse().map_err(|_| wrong())?),
        Shape::Float => Value::Float(parse_float(text.trim()).ok_or_else(wrong)?),
        Shape::Boolean => Value::Boolean(text.trim() == "true"),
        Shape::Timestamp(_) => Value::Timestamp(parse_timestamp(text.trim()).ok_or_else(wrong)?),
        Shape::Blob => Value::Blob(
            base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|_| wrong())?,
        ),
        _ => return Err(wrong()),
    })
}

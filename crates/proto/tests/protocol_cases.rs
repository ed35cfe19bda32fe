//! botocore's protocol test cases (`tests/botocore/`, see its README) run against Rolegate's
//! codecs, from the server's side:
//!
//! - input cases: the request a client serializes (`serialized`) is decoded by our codec and
//!   must give the case's `params`;
//! - output cases: the case's `result` is encoded by our codec, and what we send must read,
//!   by botocore's rules (`protocol_cases/readers.rs`), as that result; the case's own
//!   `response` must read the same (which checks the reader);
//! - error cases: our error for the case's code, message and error structure must read as
//!   that code, message and structure.
//!
//! Cases of client-only behaviour are skipped, each by id with its reason ([`SKIPS`]); a
//! skipped case that passes fails the test, so the list stays exact.

#[path = "protocol_cases/model.rs"]
mod model;
#[path = "protocol_cases/readers.rs"]
mod readers;

use std::path::Path;

use model::{Model, same, to_value};
use readers::ErrorSeen;
use rolegate_proto::{
    Fault, Params, Shape, Value,
    codec::{
        Protocol, json, query,
        rest_json::{self, HttpBinding, Request},
    },
    xml,
};
use serde_json::Value as Json;

/// The cases skipped, by file and id, with the reason.
const SKIPS: &[(&str, &str, &str)] = &[
    (
        "input/query.json",
        "QueryProtocolIdempotencyTokenAutoFill",
        "idempotency token: the client generates one when the caller gives none",
    ),
    (
        "input/query.json",
        "SDKAppliedContentEncoding_awsQuery",
        "request compression: the case gives the client's headers, not its gzipped body",
    ),
    (
        "input/query.json",
        "SDKAppendsGzipAndIgnoresHttpProvidedEncoding_awsQuery",
        "request compression: the case gives the client's headers, not its gzipped body",
    ),
    (
        "input/json.json",
        "SDKAppliedContentEncoding_awsJson1_1",
        "request compression: the case gives the client's headers, not its gzipped body",
    ),
    (
        "input/json.json",
        "SDKAppendsGzipAndIgnoresHttpProvidedEncoding_awsJson1_1",
        "request compression: the case gives the client's headers, not its gzipped body",
    ),
    (
        "input/json_1_0.json",
        "SDKAppliedContentEncoding_awsJson1_0",
        "request compression: the case gives the client's headers, not its gzipped body",
    ),
    (
        "input/json_1_0.json",
        "SDKAppendsGzipAndIgnoresHttpProvidedEncoding_awsJson1_0",
        "request compression: the case gives the client's headers, not its gzipped body",
    ),
    (
        "input/rest-json.json",
        "SDKAppliedContentEncoding_restJson1",
        "request compression: the case gives the client's headers, not its gzipped body",
    ),
    (
        "input/rest-json.json",
        "SDKAppendedGzipAfterProvidedEncoding_restJson1",
        "request compression: the case gives the client's headers, not its gzipped body",
    ),
    (
        "input/rest-json.json",
        "RestJsonQueryIdempotencyTokenAutoFill",
        "idempotency token: the client generates one when the caller gives none",
    ),
    (
        "input/rest-json.json",
        "RestJsonHostWithPath",
        "client endpoint: the path prefix belongs to the endpoint the client was given",
    ),
    (
        "input/rest-json.json",
        "RestJsonQueryPrecedence",
        "client-only: the map entry the named parameter overrides is never sent",
    ),
    (
        "input/rest-json.json",
        "RestJsonQueryParamsStringListMap",
        "client-only: a server's query map holds every parameter, the named one too (Smithy's \
         server twin, RestJsonServersQueryParamsStringListMap)",
    ),
    (
        "input/rest-json.json",
        "RestJsonHttpWithEmptyStructurePayload",
        "client-only: the client sends `{}` for an absent structure payload, which a server \
         reads as an empty structure",
    ),
    (
        "input/rest-json.json",
        "RestJsonHttpWithHeadersButNoPayload",
        "client-only: the client sends `{}` for an absent structure payload, which a server \
         reads as an empty structure",
    ),
    (
        "output/rest-json.json",
        "HttpPrefixHeadersResponse",
        "client-only: a map of every header (prefix \"\") read from a real response also holds \
         its Content-Type",
    ),
];

const NAMESPACE: &str = "https://example.com/";

/// The suites of one file.
fn suites(file: &str) -> Vec<Json> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/botocore")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let json: Json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    json.as_array().cloned().unwrap_or_default()
}

/// Runs every case of `file` through `check`; fails on a case that fails unless it is
/// skipped, and on a skipped case that passes.
fn run(file: &str, check: impl Fn(&Json, &Json) -> Result<(), String>) {
    let (mut ran, mut skipped, mut failures) = (0, Vec::new(), Vec::new());
    for suite in suites(file) {
        for case in suite["cases"].as_array().into_iter().flatten() {
            let id = case["id"].as_str().unwrap_or_default();
            let skip = SKIPS.iter().find(|(f, i, _)| *f == file && *i == id);
            match (check(&suite, case), skip) {
                (Ok(()), None) => ran += 1,
                (Err(e), Some((_, _, reason))) => skipped.push(format!("{id}: {reason} ({e})")),
                (Err(e), None) => failures.push(format!("{id}: {e}")),
                (Ok(()), Some(_)) => failures.push(format!("{id}: passes; take it off SKIPS")),
            }
        }
    }
    println!("{file}: {ran} cases ran, {} skipped", skipped.len());
    for skip in &skipped {
        println!("  skipped {skip}");
    }
    assert!(
        failures.is_empty(),
        "{file}: {} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn str_of<'j>(json: &'j Json, key: &str) -> Result<&'j str, String> {
    json[key].as_str().ok_or_else(|| format!("no {key}"))
}

/// The headers of a `serialized` request or a `response`.
fn headers_of(json: &Json) -> Vec<(String, String)> {
    json["headers"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect()
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The case's expected input: its `params` through the input shape.
fn expected_input(model: &mut Model<'_>, case: &Json) -> Result<(&'static Shape, Value), String> {
    let shape = model
        .top(case["given"].get("input"))?
        .unwrap_or(&Shape::Structure(&[]));
    let want = to_value(shape, &case["params"])?.unwrap_or_else(Value::empty);
    Ok((shape, want))
}

// ---- inputs ----

#[test]
fn query_input() {
    run("input/query.json", |suite, case| {
        let mut model = Model::new(suite)?;
        let (shape, want) = expected_input(&mut model, case)?;
        let serialized = &case["serialized"];
        let body = str_of(serialized, "body")?;
        let pairs = Params::parse_form(body.as_bytes()).map_err(|e| e.to_string())?;
        let params = Params::from_pairs(pairs).map_err(|e| e.to_string())?;
        let name = str_of(&case["given"], "name")?;
        if params.get("Action") != Some(name) {
            return Err(format!("Action is not {name}"));
        }
        if params.get("Version") != suite["metadata"]["apiVersion"].as_str() {
            return Err("Version is not the API version".into());
        }
        same(&want, &query::decode(shape, &params), "")
    });
}

fn json_input(file: &str, protocol: Protocol) {
    run(file, |suite, case| {
        let mut model = Model::new(suite)?;
        let (shape, want) = expected_input(&mut model, case)?;
        let serialized = &case["serialized"];
        let headers = headers_of(serialized);
        // (The endpoint-trait cases give the host only.)
        if let Some(target) = header(&headers, "X-Amz-Target") {
            let prefix = str_of(&suite["metadata"], "targetPrefix")?;
            let name = str_of(&case["given"], "name")?;
            if json::target_operation(target, prefix) != Some(name) {
                return Err(format!("{target} does not name {name}"));
            }
        }
        if header(&headers, "Content-Type").is_some_and(|t| t != protocol.content_type()) {
            return Err("not the protocol's content type".into());
        }
        let body = serialized["body"].as_str().unwrap_or_default();
        let got = json::decode(shape, body.as_bytes()).map_err(|e| e.to_string())?;
        same(&want, &got, "")
    });
}

#[test]
fn json_1_1_input() {
    json_input("input/json.json", Protocol::AwsJson1_1);
}

#[test]
fn json_1_0_input() {
    json_input("input/json_1_0.json", Protocol::AwsJson1_0);
}

fn binding(given: &Json) -> Result<HttpBinding, String> {
    let http = &given["http"];
    Ok(HttpBinding {
        method: Box::leak(str_of(http, "method")?.to_owned().into_boxed_str()),
        uri: Box::leak(str_of(http, "requestUri")?.to_owned().into_boxed_str()),
        code: http["responseCode"]
            .as_u64()
            .and_then(|c| u16::try_from(c).ok())
            .unwrap_or(200),
    })
}

#[test]
fn rest_json_input() {
    run("input/rest-json.json", |suite, case| {
        let mut model = Model::new(suite)?;
        let (shape, want) = expected_input(&mut model, case)?;
        let serialized = &case["serialized"];
        let target = str_of(serialized, "uri")?;
        let method = str_of(serialized, "method")?;
        let labels = rest_json::matches(&binding(&case["given"])?, method, target)
            .ok_or_else(|| format!("{method} {target} does not match the binding"))?;
        let query = target.split_once('?').map_or("", |(_, q)| q);
        let query = Params::parse_form(query.as_bytes()).map_err(|e| e.to_string())?;
        let headers = headers_of(serialized);
        let body = serialized["body"].as_str().ok_or("no body")?;
        let request = Request {
            query: &query,
            headers: &headers,
            body: body.as_bytes(),
        };
        let got = rest_json::decode(shape, &labels, &request).map_err(|e| e.to_string())?;
        same(&want, &got, "")
    });
}

// ---- outputs ----

/// The case's response status, headers and body.
fn response_of(case: &Json) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let response = &case["response"];
    let status = response["status_code"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .unwrap_or(200);
    let body = response["body"]
        .as_str()
        .unwrap_or_default()
        .as_bytes()
        .to_vec();
    (status, headers_of(response), body)
}

/// An error case: the error shape the code names, the message, and the error structure.
struct ErrorCase {
    code: String,
    message: Option<String>,
    shape: Option<&'static Shape>,
    detail: Value,
}

fn error_case(model: &mut Model<'_>, case: &Json) -> Result<Option<ErrorCase>, String> {
    let Some(code) = case["errorCode"].as_str() else {
        return Ok(None);
    };
    let mut shape = None;
    for error in case["given"]["errors"].as_array().into_iter().flatten() {
        let name = str_of(error, "shape")?;
        let def = model.definition(name)?;
        if def["error"]["code"].as_str().unwrap_or(name) == code {
            shape = model.top(Some(error))?;
        }
    }
    let detail = match shape {
        Some(shape) => to_value(shape, &case["error"])?.unwrap_or_else(Value::empty),
        None => Value::empty(),
    };
    Ok(Some(ErrorCase {
        code: code.to_owned(),
        message: case["errorMessage"].as_str().map(str::to_owned),
        shape,
        detail,
    }))
}

impl ErrorCase {
    fn check(&self, seen: &ErrorSeen, detail: &Value, whose: &str) -> Result<(), String> {
        let want = ErrorSeen {
            code: self.code.clone(),
            message: self.message.clone().unwrap_or_default(),
        };
        if *seen != want {
            return Err(format!("{whose}: want {want:?}, read {seen:?}"));
        }
        if self.shape.is_some() {
            same(&self.detail, detail, whose)?;
        }
        Ok(())
    }
}

/// The case's `result` through the output shape (empty without an output shape).
fn expected_output(
    model: &mut Model<'_>,
    case: &Json,
) -> Result<(Option<&'static Shape>, Value), String> {
    let shape = model.top(case["given"].get("output"))?;
    let want = match shape {
        Some(shape) => to_value(shape, &case["result"])?.unwrap_or_else(Value::empty),
        None => Value::empty(),
    };
    Ok((shape, want))
}

#[test]
fn query_output() {
    run("output/query.json", |suite, case| {
        let mut model = Model::new(suite)?;
        let name = str_of(&case["given"], "name")?;
        let (_, _, theirs) = response_of(case);
        let mut theirs = String::from_utf8(theirs).map_err(|e| e.to_string())?;
        if theirs.is_empty() {
            // As botocore's runner does for a case without a body.
            theirs = "<xml/>".into();
        }
        if let Some(error) = error_case(&mut model, case)? {
            let ours = xml::render_modeled_error(
                NAMESPACE,
                &error.code,
                Fault::Sender,
                error.message.as_deref(),
                error.shape.map(|s| (s, &error.detail)),
                "rid",
            );
            let (seen, detail) = readers::query_error(&theirs, error.shape)?;
            error.check(&seen, &detail, "their response")?;
            let (seen, detail) = readers::query_error(&ours, error.shape)?;
            return error.check(&seen, &detail, "ours");
        }
        let (shape, want) = expected_output(&mut model, case)?;
        same(
            &want,
            &readers::query_output(&theirs, name, shape)?,
            "their response",
        )?;
        let ours = xml::render_response(name, NAMESPACE, shape.map(|s| (s, &want)), "rid");
        same(&want, &readers::query_output(&ours, name, shape)?, "ours")
    });
}

fn json_output(file: &str) {
    run(file, |suite, case| {
        let mut model = Model::new(suite)?;
        let (status, headers, theirs) = response_of(case);
        if let Some(error) = error_case(&mut model, case)? {
            let detail_of = |body: &[u8]| match error.shape {
                Some(shape) => readers::json_body(shape, body),
                None => Ok(Value::empty()),
            };
            let seen = readers::json_error(status, &headers, &theirs)?;
            error.check(&seen, &detail_of(&theirs)?, "their response")?;
            let ours = json::encode_modeled_error(
                &error.code,
                error.message.as_deref(),
                error.shape.map(|s| (s, &error.detail)),
            );
            let seen = readers::json_error(status, &[], &ours)?;
            return error.check(&seen, &detail_of(&ours)?, "ours");
        }
        let (shape, want) = expected_output(&mut model, case)?;
        let read = |body: &[u8]| match shape {
            Some(shape) => readers::json_body(shape, body),
            None => Ok(Value::empty()),
        };
        same(&want, &read(&theirs)?, "their response")?;
        let ours = json::encode(shape.map(|s| (s, &want)));
        same(&want, &read(&ours)?, "ours")
    });
}

#[test]
fn json_1_1_output() {
    json_output("output/json.json");
}

#[test]
fn json_1_0_output() {
    json_output("output/json_1_0.json");
}

#[test]
fn rest_json_output() {
    run("output/rest-json.json", |suite, case| {
        let mut model = Model::new(suite)?;
        let (status, headers, theirs) = response_of(case);
        if let Some(error) = error_case(&mut model, case)? {
            let detail_of = |status, headers: &[(String, String)], body: &[u8]| match error.shape {
                Some(shape) => readers::rest_response(shape, status, headers, body),
                None => Ok(Value::empty()),
            };
            let seen = readers::json_error(status, &headers, &theirs)?;
            error.check(
                &seen,
                &detail_of(status, &headers, &theirs)?,
                "their response",
            )?;
            let ours = rest_json::encode_error(
                status,
                &error.code,
                error.message.as_deref(),
                error.shape.map(|s| (s, &error.detail)),
            );
            let seen = readers::json_error(ours.status, &ours.headers, &ours.body)?;
            return error.check(
                &seen,
                &detail_of(ours.status, &ours.headers, &ours.body)?,
                "ours",
            );
        }
        let (shape, want) = expected_output(&mut model, case)?;
        let Some(shape) = shape else {
            let ours = rest_json::encode(binding(&case["given"])?.code, None);
            return if ours.body.is_empty() {
                Ok(())
            } else {
                Err("a body for an operation without an output".into())
            };
        };
        same(
            &want,
            &readers::rest_response(shape, status, &headers, &theirs)?,
            "their response",
        )?;
        let ours = rest_json::encode(binding(&case["given"])?.code, Some((shape, &want)));
        if ours.status != status {
            return Err(format!("status {} instead of {status}", ours.status));
        }
        same(
            &want,
            &readers::rest_response(shape, ours.status, &ours.headers, &ours.body)?,
            "ours",
        )
    });
}

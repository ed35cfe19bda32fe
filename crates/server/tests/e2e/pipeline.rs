//! The request pipeline (issue 12): every exchange ends in the record step — successes,
//! denials, bad input, authentication failures — with its secrets redacted; a request in a
//! JSON protocol is answered in that protocol; an unsigned call to an operation that must be
//! signed never reaches a handler.

use std::sync::{Arc, Mutex};

use rolegate_service::{Record, recorder::Recorder};

use crate::support::*;

/// What the test keeps of one record (records borrow from the exchange).
#[derive(Debug, Clone)]
struct Kept {
    request_id: String,
    operation: Option<String>,
    caller: Option<String>,
    source_ip: Option<String>,
    user_agent: Option<String>,
    input: String,
    code: Option<String>,
    output: String,
}

#[derive(Default)]
struct Keep(Mutex<Vec<Kept>>);

#[async_trait::async_trait]
impl Recorder for Keep {
    async fn record(&self, r: &Record<'_>) -> rolegate_service::Result<()> {
        let kept = Kept {
            request_id: r.request_id.to_owned(),
            operation: r
                .operation
                .map(|(s, n)| format!("{}:{n}", s.signing_name())),
            caller: r.caller.map(rolegate_service::Caller::arn),
            source_ip: r.source_ip.map(|ip| ip.to_string()),
            user_agent: r.user_agent.map(str::to_owned),
            input: format!("{:?}", r.input),
            code: r.outcome.as_ref().err().map(|f| f.code.to_owned()),
            output: format!("{:?}", r.outcome),
        };
        self.0.lock().expect("records").push(kept);
        Ok(())
    }
}

impl Keep {
    fn find(&self, operation: &str, code: Option<&str>) -> Vec<Kept> {
        self.0
            .lock()
            .expect("records")
            .iter()
            .filter(|k| k.operation.as_deref() == Some(operation) && k.code.as_deref() == code)
            .cloned()
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_exchange_ends_in_the_record_step() {
    let s = sqlite().await;
    let keep = Arc::new(Keep::default());
    let running = s.running.as_ref().expect("in-process server");
    assert!(running.service.set_recorder(keep.clone()));
    assert!(!running.service.set_recorder(Arc::new(Keep::default())));
    let root = root_iam(&s);

    // A success: the caller, the input and the output.
    root.create_user()
        .user_name("rec-user")
        .send()
        .await
        .expect("create user");
    let created = keep.find("iam:CreateUser", None);
    assert_eq!(created.len(), 1, "{created:?}");
    let c = &created[0];
    assert_eq!(c.caller.as_deref(), Some("arn:aws:iam::123456789012:root"));
    assert_eq!(c.source_ip.as_deref(), Some("127.0.0.1"));
    assert!(
        c.user_agent
            .as_deref()
            .is_some_and(|ua| ua.contains("aws-sdk-rust")),
        "{c:?}"
    );
    assert!(c.input.contains("rec-user"), "{c:?}");
    assert!(
        c.output.contains("arn:aws:iam::123456789012:user/rec-user"),
        "{c:?}"
    );

    // Secrets never reach the record: the new key's secret is redacted from the output.
    let key = root
        .create_access_key()
        .user_name("rec-user")
        .send()
        .await
        .expect("key")
        .access_key
        .expect("access key");
    let keys = keep.find("iam:CreateAccessKey", None);
    assert_eq!(keys.len(), 1);
    assert!(
        !keys[0].output.contains(&key.secret_access_key),
        "{:?}",
        keys[0]
    );
    assert!(
        keys[0].output.contains(rolegate_proto::REDACTED),
        "{:?}",
        keys[0]
    );
    assert!(keys[0].output.contains(&key.access_key_id), "{:?}", keys[0]);

    // A denial: the caller is known, the outcome is the error.
    let user = iam(&s.endpoint, &key.access_key_id, &key.secret_access_key);
    let mut denied = None;
    for _ in 0..50 {
        match user.list_users().send().await {
            Err(e) if code(&e) == "AccessDenied" => {
                denied = Some(());
                break;
            }
            // The new key may take a moment to be usable everywhere.
            _ => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
    assert!(denied.is_some(), "ListUsers was not denied");
    let d = keep.find("iam:ListUsers", Some("AccessDenied"));
    assert!(!d.is_empty());
    assert_eq!(
        d[0].caller.as_deref(),
        Some("arn:aws:iam::123456789012:user/rec-user")
    );

    // Bad input: recorded with the input and ValidationError.
    let e = root
        .create_user()
        .user_name("bad-path")
        .path("nope")
        .send()
        .await
        .expect_err("invalid path");
    assert_eq!(code(&e), "ValidationError");
    let v = keep.find("iam:CreateUser", Some("ValidationError"));
    assert_eq!(v.len(), 1);
    assert!(v[0].input.contains("nope"), "{:?}", v[0]);

    // An authentication failure: routed, no caller.
    let bad = iam(&s.endpoint, ROOT_KEY, "not-the-secret-0123456789");
    let e = bad.list_roles().send().await.expect_err("bad signature");
    assert_eq!(code(&e), "SignatureDoesNotMatch");
    let f = keep.find("iam:ListRoles", Some("SignatureDoesNotMatch"));
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].caller, None);

    // An unsigned call to an operation that must be signed: MissingAuthenticationToken, no
    // caller, and the record carries the request id the client saw.
    let host = s.endpoint.trim_start_matches("http://");
    let (status, head, body) = raw(
        &s.endpoint,
        format!(
            "GET /?Action=GetCallerIdentity&Version=2011-06-15 HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        ),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("<Code>MissingAuthenticationToken</Code>"),
        "{body}"
    );
    let m = keep.find("sts:GetCallerIdentity", Some("MissingAuthenticationToken"));
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].caller, None);
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("x-amzn-requestid: {}", m[0].request_id).to_ascii_lowercase()),
        "{head}"
    );

    // Nothing recorded anywhere holds a secret.
    let all = format!("{:?}", keep.0.lock().expect("records"));
    assert!(!all.contains(&key.secret_access_key));
    assert!(!all.contains(ROOT_SECRET));
    s.stop().await;
}

/// A request in AWS JSON (`X-Amz-Target`) is answered in AWS JSON: an operation no service
/// has is `UnknownOperationException`, an unsigned Organizations call
/// `MissingAuthenticationTokenException`, and boto3 reads Organizations' errors by `__type`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_requests_are_answered_in_json() {
    let s = sqlite().await;
    let host = s.endpoint.trim_start_matches("http://");
    let body = "{}";
    let (status, head, text) = raw(
        &s.endpoint,
        format!(
            "POST / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nX-Amz-Target: AWSOrganizationsV20161128.ListAccountsEverywhere\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
    assert_eq!(status, 400, "{text}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/x-amz-json-1.1"),
        "{head}"
    );
    let json: serde_json::Value = serde_json::from_str(&text).expect("a JSON error");
    assert_eq!(json["__type"], "UnknownOperationException", "{text}");
    let (status, _, text) = raw(
        &s.endpoint,
        format!(
            "POST / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nX-Amz-Target: AWSOrganizationsV20161128.ListAccounts\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
    assert_eq!(status, 403, "{text}");
    let json: serde_json::Value = serde_json::from_str(&text).expect("a JSON error");
    assert_eq!(
        json["__type"], "MissingAuthenticationTokenException",
        "{text}"
    );
    if boto3_available() {
        run_boto3_as_root(&s, "pipeline_boto3.py", Vec::new()).await;
    }
    s.stop().await;
}

/// A request to any other path than `/` without a JSON target is REST-JSON: routed by method
/// and path, answered in REST-JSON (`X-Amzn-ErrorType`, `{"code", "message"}`); a path no
/// operation is bound to is `UnknownOperationException` and runs nothing. The probes and
/// awsQuery at `/` are unchanged.
#[tokio::test]
async fn other_paths_are_rest_json() {
    let s = sqlite().await;
    let host = s.endpoint.trim_start_matches("http://");
    for (method, path) in [
        ("GET", "/analyzer"),
        ("PUT", "/policy/validation"),
        ("DELETE", "/things/a/../b"),
    ] {
        let (status, head, text) = raw(
            &s.endpoint,
            format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"),
        )
        .await;
        assert_eq!(status, 400, "{method} {path}: {text}");
        let head = head.to_ascii_lowercase();
        assert!(head.contains("content-type: application/json"), "{head}");
        assert!(
            head.contains("x-amzn-errortype: unknownoperationexception"),
            "{head}"
        );
        let json: serde_json::Value = serde_json::from_str(&text).expect("a JSON error");
        assert_eq!(json["code"], "UnknownOperationException", "{text}");
        assert!(
            json["message"].as_str().is_some_and(|m| m.contains(method)),
            "{text}"
        );
    }
    // awsQuery keeps `/`: another method there is still its error, in XML.
    let (status, _, text) = raw(
        &s.endpoint,
        format!("PUT / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"),
    )
    .await;
    assert_eq!(status, 400, "{text}");
    assert!(
        text.contains("<Code>InvalidParameterValue</Code>"),
        "{text}"
    );
    let (status, _, text) = raw(
        &s.endpoint,
        format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert_eq!((status, text.as_str()), (200, "ok"));
    s.stop().await;
}

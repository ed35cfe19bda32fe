//! The authorization API for teams' own services (issue 16, items 5–6): AuthZEN evaluations
//! from a plain HTTP client (`curl --aws-sigv4`), the verify endpoint, a real nginx with
//! `auth_request` in front of a small HTTP service driven by `curl --aws-sigv4` (long-term
//! keys and a role session) and by botocore-signed requests, the `tower` layer inside a Rust
//! service, the denials (wrong signature, revoked session, policy deny, missing proxy
//! secret, an asker without permission), and every decision in the audit trail as a data
//! event without secrets.

use std::{net::SocketAddr, process::Stdio, time::Duration};

use rolegate_store::record::kind;
use serde_json::{Value as Json, json};

use crate::support::*;

const SECRET_TEXT: &str = "forward-auth-secret-0123456789abcdef";

fn prefix() -> String {
    format!("arn:aws:execute-api:us-east-1:{ACCOUNT}:pets/prod")
}

/// The cast: a protecting service `svc` (may evaluate and verify), one that may not
/// (`nosvc`), a user `alice` (tagged, with API and S3 permissions), `bob` (nothing of his
/// own), and a role `pets-reader` alice may assume.
struct Cast {
    svc: (String, String),
    nosvc: (String, String),
    alice: (String, String),
    bob_arn: String,
    alice_arn: String,
}

async fn key_of(iam: &aws_sdk_iam::Client, user: &str) -> (String, String) {
    let k = iam
        .create_access_key()
        .user_name(user)
        .send()
        .await
        .expect("access key");
    let k = k.access_key().expect("key");
    (
        k.access_key_id().to_owned(),
        k.secret_access_key().to_owned(),
    )
}

async fn cast(s: &Server) -> Cast {
    let iam = root_iam(s);
    for u in ["svc", "nosvc", "alice", "bob"] {
        iam.create_user().user_name(u).send().await.expect("user");
    }
    iam.tag_user()
        .user_name("alice")
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("team")
                .value("blue")
                .build()
                .expect("tag"),
        )
        .send()
        .await
        .expect("tag alice");
    let svc_policy = json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "rolegate:EvaluateAccess",
             "Resource": [format!("arn:aws:iam::{ACCOUNT}:user/*"), format!("arn:aws:iam::{ACCOUNT}:role/*")]},
            {"Effect": "Allow", "Action": "rolegate:VerifyRequest",
             "Resource": format!("{}/*", prefix())}
        ]
    });
    let alice_policy = json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": format!("{}/GET/*", prefix())},
            {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": format!("{}/POST/pets", prefix())},
            {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": format!("{}/DELETE/*", prefix())},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*",
             "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::data",
             "Condition": {"StringLike": {"s3:prefix": "home/${aws:username}/*"}}},
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
        ]
    });
    for (user, doc) in [("svc", svc_policy), ("alice", alice_policy)] {
        iam.put_user_policy()
            .user_name(user)
            .policy_name("p")
            .policy_document(doc.to_string())
            .send()
            .await
            .expect("policy");
    }
    iam.create_role()
        .role_name("pets-reader")
        .assume_role_policy_document(trust_account(ACCOUNT))
        .send()
        .await
        .expect("role");
    iam.put_role_policy()
        .role_name("pets-reader")
        .policy_name("read")
        .policy_document(
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": format!("{}/GET/pets/*", prefix())}
            ]})
            .to_string(),
        )
        .send()
        .await
        .expect("role policy");
    Cast {
        svc: key_of(&iam, "svc").await,
        nosvc: key_of(&iam, "nosvc").await,
        alice: key_of(&iam, "alice").await,
        bob_arn: format!("arn:aws:iam::{ACCOUNT}:user/bob"),
        alice_arn: format!("arn:aws:iam::{ACCOUNT}:user/alice"),
    }
}

/// `curl --aws-sigv4`: returns (status, headers, body).
async fn curl(args: &[&str]) -> (u16, String, String) {
    let out = crate::support::bounded_async("curl")
        .args(["-sS", "-D", "-", "-o", "-", "--max-time", "20"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .await
        .expect("curl runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "curl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The last response (curl prints every head it saw, e.g. `100 Continue`).
    let (head, body) = text
        .rsplit_once("\r\n\r\n")
        .map(|(h, b)| {
            let head = h.rsplit("HTTP/1.1 ").next().unwrap_or(h);
            (format!("HTTP/1.1 {head}"), b.to_owned())
        })
        .unwrap_or((text.clone(), String::new()));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head, body)
}

/// A JSON call to the authorization API from a plain HTTP client: curl signs it with SigV4
/// for the `rolegate` service.
async fn api(endpoint: &str, path: &str, who: &(String, String), body: &Json) -> (u16, Json) {
    let url = format!("{endpoint}{path}");
    let user = format!("{}:{}", who.0, who.1);
    let body = body.to_string();
    let (status, _, text) = curl(&[
        "--aws-sigv4",
        "aws:amz:us-east-1:rolegate",
        "--user",
        &user,
        "-H",
        "content-type: application/json",
        "-H",
        "x-request-id: rid-42",
        "--data-binary",
        &body,
        &url,
    ])
    .await;
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| json!({ "raw": text })),
    )
}

fn question(subject: &str, action: &str, resource: &str, context: Json) -> Json {
    json!({
        "subject": {"type": "user", "id": subject},
        "action": {"name": action},
        "resource": {"type": "arn", "id": resource},
        "context": context,
    })
}

/// AuthZEN evaluations over the running server.
async fn authzen(s: &Server, c: &Cast) {
    let e = &s.endpoint;
    let one = "/access/v1/evaluation";
    // A condition key from the context: the subject's request environment.
    let q = question(
        &c.alice_arn,
        "s3:GetObject",
        "arn:aws:s3:::data/report.csv",
        json!({"aws:SourceIp": "10.1.2.3"}),
    );
    let (status, answer) = api(e, one, &c.svc, &q).await;
    assert_eq!((status, &answer), (200, &json!({"decision": true})));
    let q = question(
        &c.alice_arn,
        "s3:GetObject",
        "arn:aws:s3:::data/report.csv",
        json!({"aws:SourceIp": "192.0.2.1"}),
    );
    let (status, answer) = api(e, one, &c.svc, &q).await;
    assert_eq!(status, 200);
    assert_eq!(answer["decision"], false, "{answer}");
    // A request key and a policy variable of the subject's.
    let ok = question(
        &c.alice_arn,
        "s3:ListBucket",
        "arn:aws:s3:::data",
        json!({"s3:prefix": "home/alice/docs"}),
    );
    assert_eq!(api(e, one, &c.svc, &ok).await.1["decision"], true);
    let other = question(
        &c.alice_arn,
        "s3:ListBucket",
        "arn:aws:s3:::data",
        json!({"s3:prefix": "home/bob/docs"}),
    );
    assert_eq!(api(e, one, &c.svc, &other).await.1["decision"], false);
    // An explicit deny, with its reason for the administrator.
    let q = question(
        &c.alice_arn,
        "execute-api:Invoke",
        &format!("{}/DELETE/pets/1", prefix()),
        json!({}),
    );
    let (_, answer) = api(e, one, &c.svc, &q).await;
    assert_eq!(answer["decision"], false);
    assert!(
        answer["context"]["reason_admin"]["en"]
            .as_str()
            .is_some_and(|r| r.contains("explicit deny")),
        "{answer}"
    );
    // A resource-based policy carried by the question: bob holds nothing, the resource's
    // policy (same account) grants him.
    let bucket_policy = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": c.bob_arn}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared/*"}
    ]});
    let mut q = question(
        &c.bob_arn,
        "s3:GetObject",
        "arn:aws:s3:::shared/a",
        json!({}),
    );
    assert_eq!(api(e, one, &c.svc, &q).await.1["decision"], false);
    q["resource"]["properties"] = json!({"account": ACCOUNT, "policy": bucket_policy});
    assert_eq!(api(e, one, &c.svc, &q).await.1["decision"], true);
    // Owned by another account: its policy alone does not grant across accounts.
    q["resource"]["properties"]["account"] = json!("210987654321");
    assert_eq!(api(e, one, &c.svc, &q).await.1["decision"], false);
    // A role subject, evaluated as a session of it.
    let q = json!({
        "subject": {"type": "role", "id": format!("arn:aws:iam::{ACCOUNT}:role/pets-reader"), "properties": {"session_name": "svc-check"}},
        "action": {"name": "execute-api:Invoke"},
        "resource": {"type": "route", "id": format!("{}/GET/pets/7", prefix())}
    });
    assert_eq!(api(e, one, &c.svc, &q).await.1["decision"], true);
    // Nobody of that name: a denial, not an error.
    let ghost = question(
        &format!("arn:aws:iam::{ACCOUNT}:user/ghost"),
        "s3:GetObject",
        "*",
        json!({}),
    );
    let (status, answer) = api(e, one, &c.svc, &ghost).await;
    assert_eq!((status, answer["decision"].clone()), (200, json!(false)));

    // Batch: defaults at the top, entries override; the three semantics.
    let batch = |semantic: Option<&str>| {
        let mut b = json!({
            "subject": {"type": "user", "id": c.alice_arn},
            "action": {"name": "execute-api:Invoke"},
            "evaluations": [
                {"resource": {"type": "route", "id": format!("{}/GET/pets/1", prefix())}},
                {"resource": {"type": "route", "id": format!("{}/DELETE/pets/1", prefix())}},
                {"resource": {"type": "route", "id": format!("{}/POST/pets", prefix())}},
            ]
        });
        if let Some(sem) = semantic {
            b["options"] = json!({"evaluations_semantic": sem});
        }
        b
    };
    let many = "/access/v1/evaluations";
    let decisions = |a: &Json| -> Vec<bool> {
        a["evaluations"]
            .as_array()
            .map(|l| {
                l.iter()
                    .map(|d| d["decision"].as_bool().unwrap_or(false))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (status, all) = api(e, many, &c.svc, &batch(None)).await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(decisions(&all), [true, false, true]);
    let (_, first_deny) = api(e, many, &c.svc, &batch(Some("deny_on_first_deny"))).await;
    assert_eq!(decisions(&first_deny), [true, false]);
    let (_, first_permit) = api(e, many, &c.svc, &batch(Some("permit_on_first_permit"))).await;
    assert_eq!(decisions(&first_permit), [true]);
    let (status, _) = api(e, many, &c.svc, &batch(Some("most_of_them"))).await;
    assert_eq!(status, 400);

    // The asker needs rolegate:EvaluateAccess on the subject: denied by default.
    let q = question(&c.alice_arn, "s3:GetObject", "*", json!({}));
    let (status, answer) = api(e, one, &c.nosvc, &q).await;
    assert_eq!(status, 403, "{answer}");
    assert_eq!(answer["error"]["code"], "AccessDenied");
    // Not across accounts either (no resource-based policy on a principal).
    let q = question(
        "arn:aws:iam::210987654321:user/alice",
        "s3:GetObject",
        "*",
        json!({}),
    );
    assert_eq!(api(e, one, &c.svc, &q).await.0, 403);
    // A wrong signature: 401.
    let forged = (c.svc.0.clone(), "x".repeat(40));
    assert_eq!(api(e, one, &forged, &q).await.0, 401);
    // Malformed questions: 400, with the reason.
    let bad = [
        json!({"subject": {"type": "user", "id": c.alice_arn}, "action": {"name": "s3:GetObject"}}),
        question(&c.alice_arn, "s3:*", "*", json!({})),
        question(&c.alice_arn, "s3:GetObject", "not-an-arn", json!({})),
        question("alice", "s3:GetObject", "*", json!({})),
        question(
            &c.alice_arn,
            "s3:GetObject",
            "*",
            json!({"aws:PrincipalTag/team": "red"}),
        ),
        question(
            &c.alice_arn,
            "s3:GetObject",
            "*",
            json!({"aws:SourceIp": "nowhere"}),
        ),
    ];
    for b in &bad {
        let (status, answer) = api(e, one, &c.svc, b).await;
        assert_eq!(status, 400, "{b} → {answer}");
        assert!(answer["error"]["message"].is_string(), "{answer}");
    }
    // The request id is echoed.
    let (_, head, _) = curl(&[
        "--aws-sigv4",
        "aws:amz:us-east-1:rolegate",
        "--user",
        &format!("{}:{}", c.svc.0, c.svc.1),
        "-H",
        "x-request-id: rid-42",
        "--data-binary",
        &question(&c.alice_arn, "s3:GetObject", "*", json!({})).to_string(),
        &format!("{e}{one}"),
    ])
    .await;
    assert!(
        head.to_ascii_lowercase().contains("x-request-id: rid-42"),
        "{head}"
    );
    // Unsigned: 401.
    let (status, _, _) = curl(&["--data-binary", "{}", &format!("{e}{one}")]).await;
    assert_eq!(status, 401);
}

/// A request signed as a client of the protected API would sign it.
fn signed_parts(
    host: &str,
    method: &str,
    path: &str,
    query: &str,
    body: &[u8],
    who: &(String, String),
    token: Option<&str>,
) -> Vec<(String, String)> {
    let mut headers = vec![("host".to_owned(), host.to_owned())];
    if let Some(t) = token {
        headers.push(("x-amz-security-token".into(), t.to_owned()));
    }
    let signed = rolegate_sigv4::sign_request(
        method,
        path,
        query,
        &headers,
        body,
        &who.0,
        &rolegate_sigv4::SecretKey::new(&who.1),
        "us-east-1",
        "execute-api",
        time::OffsetDateTime::now_utc(),
    );
    headers.push(("x-amz-date".into(), signed.amz_date));
    headers.push(("authorization".into(), signed.authorization));
    headers
}

/// The verify endpoint: the service hands over what it received.
async fn verify_endpoint(s: &Server, c: &Cast) {
    let e = &s.endpoint;
    let ask = |headers: Vec<(String, String)>, method: &str, path: &str, body: &[u8]| {
        let h: serde_json::Map<String, Json> =
            headers.into_iter().map(|(k, v)| (k, json!(v))).collect();
        json!({
            "request": {"method": method, "path": path, "headers": h,
                        "body_sha256": rolegate_sigv4::hash_payload(body)},
            "resource_prefix": prefix(),
            "source_ip": "10.9.8.7",
        })
    };
    let h = signed_parts("pets.example", "GET", "/pets/1", "", b"", &c.alice, None);
    let (status, answer) = api(
        e,
        "/access/v1/verify",
        &c.svc,
        &ask(h.clone(), "GET", "/pets/1", b""),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["decision"], true, "{answer}");
    assert_eq!(answer["authenticated"], true);
    assert_eq!(answer["principal"]["arn"], c.alice_arn);
    assert_eq!(answer["principal"]["account"], ACCOUNT);
    assert_eq!(answer["principal"]["tags"]["team"], "blue");
    assert_eq!(
        answer["resource"],
        format!("{}/GET/pets/1", prefix()),
        "{answer}"
    );
    // A service of another account may not have requests to this account's resources
    // verified: the decision, and the principal's details, are this account's business.
    let other = add_account(s, "210987654321").await;
    let (status, answer) = api(
        e,
        "/access/v1/verify",
        &other,
        &ask(h.clone(), "GET", "/pets/1", b""),
    )
    .await;
    assert_eq!(status, 403, "{answer}");
    assert!(answer.get("principal").is_none(), "{answer}");
    // The same signature for another path: it does not hold.
    let (_, answer) = api(
        e,
        "/access/v1/verify",
        &c.svc,
        &ask(h.clone(), "GET", "/pets/2", b""),
    )
    .await;
    assert_eq!(answer["authenticated"], false, "{answer}");
    assert_eq!(answer["error"]["code"], "SignatureDoesNotMatch");
    // A body: the hash the service computed must be the signed one.
    let body = br#"{"name":"rex"}"#;
    let h = signed_parts("pets.example", "POST", "/pets", "", body, &c.alice, None);
    let (_, answer) = api(
        e,
        "/access/v1/verify",
        &c.svc,
        &ask(h.clone(), "POST", "/pets", body),
    )
    .await;
    assert_eq!(answer["decision"], true, "{answer}");
    let (_, answer) = api(
        e,
        "/access/v1/verify",
        &c.svc,
        &ask(h, "POST", "/pets", b"{}"),
    )
    .await;
    assert_eq!(answer["authenticated"], false, "{answer}");
    // Policy deny.
    let h = signed_parts("pets.example", "DELETE", "/pets/1", "", b"", &c.alice, None);
    let (_, answer) = api(
        e,
        "/access/v1/verify",
        &c.svc,
        &ask(h.clone(), "DELETE", "/pets/1", b""),
    )
    .await;
    assert_eq!(
        (answer["authenticated"].clone(), answer["decision"].clone()),
        (json!(true), json!(false)),
        "{answer}"
    );
    // An asker without rolegate:VerifyRequest learns nothing.
    let (status, answer) = api(
        e,
        "/access/v1/verify",
        &c.nosvc,
        &ask(h, "DELETE", "/pets/1", b""),
    )
    .await;
    assert_eq!(status, 403, "{answer}");
    assert!(answer.get("principal").is_none());
    // Another account's root, whose own policies allow everything: the resource belongs to
    // the account its ARN names, so it is decided across accounts, and denied.
    let h = signed_parts("pets.example", "GET", "/pets/1", "", b"", &other, None);
    let (_, answer) = api(
        e,
        "/access/v1/verify",
        &c.svc,
        &ask(h, "GET", "/pets/1", b""),
    )
    .await;
    assert_eq!(
        (answer["authenticated"].clone(), answer["decision"].clone()),
        (json!(true), json!(false)),
        "{answer}"
    );
    assert_eq!(answer["principal"]["account"], "210987654321");
    // A path a proxy or the service may resolve differently from its signed spelling is not
    // decided; an encoded one is decided as the service reads it.
    let h = signed_parts(
        "pets.example",
        "GET",
        "/pets/../admin/x",
        "",
        b"",
        &c.alice,
        None,
    );
    let (status, answer) = api(
        e,
        "/access/v1/verify",
        &c.svc,
        &ask(h, "GET", "/pets/../admin/x", b""),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    let h = signed_parts("pets.example", "GET", "/pets/%31", "", b"", &c.alice, None);
    let (_, answer) = api(
        e,
        "/access/v1/verify",
        &c.svc,
        &ask(h, "GET", "/pets/%31", b""),
    )
    .await;
    assert_eq!(
        answer["resource"],
        format!("{}/GET/pets/1", prefix()),
        "{answer}"
    );
}

/// A free loopback port.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The small HTTP service behind nginx: it answers what it was told about the caller.
async fn upstream() -> SocketAddr {
    use axum::{Router, http::HeaderMap, routing::any};
    async fn echo(
        method: axum::http::Method,
        uri: axum::http::Uri,
        headers: HeaderMap,
        body: axum::body::Bytes,
    ) -> String {
        let h = |n: &str| {
            headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-")
                .to_owned()
        };
        // The service's part for a body: compare it with the hash Rolegate verified.
        let body_ok = h("x-rolegate-content-sha256") == rolegate_sigv4::hash_payload(&body);
        format!(
            "{method} {uri} principal={} account={} tags={} body_ok={body_ok}",
            h("x-rolegate-principal-arn"),
            h("x-rolegate-account"),
            h("x-rolegate-principal-tags")
        )
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind upstream");
    let addr = listener.local_addr().expect("addr");
    let app = Router::new().fallback(any(echo));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// nginx, started by the test (stopped when dropped).
struct Nginx {
    child: tokio::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

fn nginx_binary() -> Option<&'static str> {
    ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
}

async fn nginx(rolegate: &str, upstream: SocketAddr) -> Option<Nginx> {
    let Some(bin) = nginx_binary() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "nginx is required in CI (.ci/run installs it)"
        );
        return None;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().display().to_string();
    let port = free_port();
    let rolegate = rolegate.trim_start_matches("http://");
    let prefix = prefix();
    let conf = format!(
        r#"daemon off;
master_process off;
worker_processes 1;
pid {p}/nginx.pid;
error_log {p}/error.log warn;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {p}/body;
  proxy_temp_path {p}/proxy;
  fastcgi_temp_path {p}/fastcgi;
  uwsgi_temp_path {p}/uwsgi;
  scgi_temp_path {p}/scgi;
  server {{
    listen 127.0.0.1:{port};
    location / {{
      auth_request /_rolegate;
      auth_request_set $rg_arn $upstream_http_x_rolegate_principal_arn;
      auth_request_set $rg_account $upstream_http_x_rolegate_account;
      auth_request_set $rg_tags $upstream_http_x_rolegate_principal_tags;
      proxy_set_header X-Rolegate-Principal-Arn $rg_arn;
      proxy_set_header X-Rolegate-Account $rg_account;
      proxy_set_header X-Rolegate-Principal-Tags $rg_tags;
      auth_request_set $rg_sha $upstream_http_x_rolegate_content_sha256;
      proxy_set_header X-Rolegate-Content-Sha256 $rg_sha;
      proxy_pass http://{upstream};
    }}
    location = /_rolegate {{
      internal;
      proxy_pass http://{rolegate}/access/v1/forward-auth;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Rolegate-Forward-Auth-Secret "{SECRET_TEXT}";
      proxy_set_header X-Rolegate-Target "prefix={prefix}";
    }}
  }}
}}
"#
    );
    let conf_path = dir.path().join("nginx.conf");
    std::fs::write(&conf_path, conf).expect("write nginx.conf");
    let child = tokio::process::Command::new(bin)
        .arg("-p")
        .arg(dir.path())
        .arg("-c")
        .arg(&conf_path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("nginx starts");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some(Nginx {
                child,
                port,
                _dir: dir,
            });
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let log = std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default();
    panic!("nginx did not start: {log}");
}

async fn through(
    n: &Nginx,
    method: &str,
    path: &str,
    who: &(String, String),
    token: Option<&str>,
) -> (u16, String) {
    through_with(n, method, path, who, token, &[]).await
}

async fn through_with(
    n: &Nginx,
    method: &str,
    path: &str,
    who: &(String, String),
    token: Option<&str>,
    more: &[&str],
) -> (u16, String) {
    let user = format!("{}:{}", who.0, who.1);
    let url = format!("http://127.0.0.1:{}{path}", n.port);
    let token_header = token.map(|t| format!("x-amz-security-token: {t}"));
    let mut args = vec![
        "--aws-sigv4",
        "aws:amz:us-east-1:execute-api",
        "--user",
        &user,
        "-X",
        method,
    ];
    if let Some(h) = &token_header {
        args.extend(["-H", h.as_str()]);
    }
    args.extend(more);
    args.push(&url);
    let (status, _, body) = curl(&args).await;
    (status, body)
}

/// nginx `auth_request` → Rolegate forward-auth → the small service.
async fn behind_nginx(s: &Server, c: &Cast) {
    let up = upstream().await;
    let Some(n) = nginx(&s.endpoint, up).await else {
        return;
    };
    // Long-term keys, allowed: the service learns who called.
    let (status, body) = through(&n, "GET", "/pets/1?sort=name", &c.alice, None).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains(&format!("principal={}", c.alice_arn)),
        "{body}"
    );
    assert!(body.contains(&format!("account={ACCOUNT}")), "{body}");
    assert!(body.contains("tags=team=blue"), "{body}");
    // Policy deny: 403, and the service never sees it.
    let (status, body) = through(&n, "DELETE", "/pets/1", &c.alice, None).await;
    assert_eq!(status, 403, "{body}");
    // A client naming another target, or another URI, gets nowhere: nginx replaces the one
    // and the other makes the request ambiguous.
    let allowed = format!("x-rolegate-target: resource={}/GET/pets/1", prefix());
    let (status, body) =
        through_with(&n, "DELETE", "/pets/1", &c.alice, None, &["-H", &allowed]).await;
    // (curl signs the header; nginx replaced it, so the signature fails first.)
    assert!(matches!(status, 401 | 403), "{status} {body}");
    let (status, body) = through_with(
        &n,
        "DELETE",
        "/pets/1",
        &c.alice,
        None,
        &[
            "-H",
            "x-forwarded-method: GET",
            "-H",
            "x-forwarded-uri: /pets/1",
        ],
    )
    .await;
    assert_eq!(status, 401, "{body}");
    // Wrong signature: 401.
    let forged = (c.alice.0.clone(), "A".repeat(40));
    assert_eq!(through(&n, "GET", "/pets/1", &forged, None).await.0, 401);
    // A body: its signed x-amz-content-sha256 is verified and handed to the service, which
    // checks the body it received against it.
    let body = r#"{"name":"rex"}"#;
    let sha = format!(
        "x-amz-content-sha256: {}",
        rolegate_sigv4::hash_payload(body.as_bytes())
    );
    let (status, out) = through_with(
        &n,
        "POST",
        "/pets",
        &c.alice,
        None,
        &["-H", &sha, "--data-binary", body],
    )
    .await;
    assert_eq!(status, 200, "{out}");
    assert!(out.ends_with("body_ok=true"), "{out}");
    // Another body under the same hash: the signature holds, the service sees the mismatch.
    let (status, out) = through_with(
        &n,
        "POST",
        "/pets",
        &c.alice,
        None,
        &["-H", &sha, "--data-binary", "{}"],
    )
    .await;
    assert_eq!(status, 200, "{out}");
    assert!(out.ends_with("body_ok=false"), "{out}");
    // A body without a signed hash: the empty body's hash is assumed, the signature fails.
    let (status, out) = through_with(
        &n,
        "POST",
        "/pets",
        &c.alice,
        None,
        &["--data-binary", body],
    )
    .await;
    assert_eq!(status, 401, "{out}");
    // A role session (x-amz-security-token, signed by curl as an x-amz-* header).
    let sts = sts(&s.endpoint, &c.alice.0, &c.alice.1);
    let creds = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/pets-reader"))
        .role_session_name("nginx-test")
        .send()
        .await
        .expect("assume role")
        .credentials
        .expect("credentials");
    let session = (
        creds.access_key_id().to_owned(),
        creds.secret_access_key().to_owned(),
    );
    let token = creds.session_token().to_owned();
    let (status, body) = through(&n, "GET", "/pets/9", &session, Some(&token)).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains(&format!(
            "principal=arn:aws:sts::{ACCOUNT}:assumed-role/pets-reader/nginx-test"
        )),
        "{body}"
    );
    // Outside the role's policy.
    assert_eq!(
        through(&n, "GET", "/owners/1", &session, Some(&token))
            .await
            .0,
        403
    );
    // botocore's signer, unchanged.
    if boto3_available() {
        let script = r#"
import sys, botocore.session, botocore.auth, botocore.awsrequest, botocore.credentials, urllib.request
url, key, secret = sys.argv[1], sys.argv[2], sys.argv[3]
token = sys.argv[4] if len(sys.argv) > 4 else None
req = botocore.awsrequest.AWSRequest(method="GET", url=url)
botocore.auth.SigV4Auth(botocore.credentials.Credentials(key, secret, token), "execute-api", "us-east-1").add_auth(req)
p = req.prepare()
r = urllib.request.Request(p.url, headers=dict(p.headers), method="GET")
try:
    with urllib.request.urlopen(r) as resp:
        print(resp.status, resp.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
"#;
        let run = |args: Vec<String>| async move {
            let out = crate::support::bounded_async("python3")
                .arg("-c")
                .arg(script)
                .args(args)
                .output()
                .await
                .expect("python3");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        let url = format!("http://127.0.0.1:{}/pets/3?a=1&b=two%20words", n.port);
        let out = run(vec![url.clone(), c.alice.0.clone(), c.alice.1.clone()]).await;
        assert!(out.starts_with("200 "), "{out}");
        assert!(out.contains(&c.alice_arn), "{out}");
        let out = run(vec![
            url,
            session.0.clone(),
            session.1.clone(),
            token.clone(),
        ])
        .await;
        assert!(out.starts_with("200 "), "{out}");
        // A presigned URL (SigV4QueryAuth): the signature in the query, through nginx.
        let presign = r#"
import sys, botocore.auth, botocore.awsrequest, botocore.credentials, urllib.request
url, key, secret, token = sys.argv[1:5]
req = botocore.awsrequest.AWSRequest(method="GET", url=url)
botocore.auth.SigV4QueryAuth(botocore.credentials.Credentials(key, secret, token), "execute-api", "us-east-1", expires=300).add_auth(req)
try:
    with urllib.request.urlopen(req.prepare().url) as resp:
        print(resp.status, resp.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
"#;
        let out = crate::support::bounded_async("python3")
            .arg("-c")
            .arg(presign)
            .args([
                format!("http://127.0.0.1:{}/pets/presigned", n.port),
                session.0.clone(),
                session.1.clone(),
                token.clone(),
            ])
            .output()
            .await
            .expect("python3");
        let out = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.starts_with("200 "), "{out}");
        assert!(out.contains("assumed-role/pets-reader/nginx-test"), "{out}");
        // The role's session may read pets only.
        let out = run(vec![
            format!("http://127.0.0.1:{}/admin", n.port),
            session.0.clone(),
            session.1.clone(),
            token.clone(),
        ])
        .await;
        assert!(out.starts_with("403 "), "{out}");
    }
    // Revoking the role's older sessions (AWSRevokeOlderSessions): the session stops.
    let cutoff = time::OffsetDateTime::now_utc() + time::Duration::seconds(2);
    let cutoff = cutoff
        .format(&time::format_description::well_known::Rfc3339)
        .expect("time");
    root_iam(s)
        .put_role_policy()
        .role_name("pets-reader")
        .policy_name("AWSRevokeOlderSessions")
        .policy_document(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*",
                   "Condition": {"DateLessThan": {"aws:TokenIssueTime": cutoff}}}]})
            .to_string(),
        )
        .send()
        .await
        .expect("revoke");
    let mut status = 0;
    for _ in 0..40 {
        status = through(&n, "GET", "/pets/9", &session, Some(&token))
            .await
            .0;
        if status == 403 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(status, 403, "the revoked session still works");
    // Deactivated key: 401.
    root_iam(s)
        .update_access_key()
        .user_name("alice")
        .access_key_id(&c.alice.0)
        .status(aws_sdk_iam::types::StatusType::Inactive)
        .send()
        .await
        .expect("deactivate");
    let mut status = 0;
    for _ in 0..40 {
        status = through(&n, "GET", "/pets/1", &c.alice, None).await.0;
        if status == 401 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(status, 401, "the deactivated key still works");
    root_iam(s)
        .update_access_key()
        .user_name("alice")
        .access_key_id(&c.alice.0)
        .status(aws_sdk_iam::types::StatusType::Active)
        .send()
        .await
        .expect("reactivate");
    // The forward-auth endpoint without the proxy's secret: refused.
    let url = format!("{}/access/v1/forward-auth", s.endpoint);
    let (status, _, _) = curl(&[
        "-H",
        "x-original-uri: /pets/1",
        "-H",
        &format!("x-rolegate-target: prefix={}", prefix()),
        &url,
    ])
    .await;
    assert_eq!(status, 403);
    let (status, _, _) = curl(&[
        "-H",
        "x-rolegate-forward-auth-secret: forward-auth-secret-0123456789abcdeX",
        "-H",
        "x-original-uri: /pets/1",
        &url,
    ])
    .await;
    assert_eq!(status, 403);
    // Caddy's forward_auth headers (X-Forwarded-Method/-Uri/-Host), straight to Rolegate.
    let h = signed_parts(
        "api.example:8443",
        "GET",
        "/pets/5",
        "",
        b"",
        &c.alice,
        None,
    );
    let mut args: Vec<String> = vec![
        "-H".into(),
        format!("x-rolegate-forward-auth-secret: {SECRET_TEXT}"),
        "-H".into(),
        format!("x-rolegate-target: prefix={}", prefix()),
        "-H".into(),
        "x-forwarded-method: GET".into(),
        "-H".into(),
        "x-forwarded-uri: /pets/5".into(),
        "-H".into(),
        "x-forwarded-host: api.example:8443".into(),
    ];
    for (k, v) in h.iter().filter(|(k, _)| k != "host") {
        args.extend(["-H".into(), format!("{k}: {v}")]);
    }
    args.push(url.clone());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (status, head, _) = curl(&refs).await;
    assert_eq!(status, 200, "{head}");
    // Behind Caddy a client could add an X-Original-URI of its own: two requests named,
    // refused.
    let mut with_both = args.clone();
    with_both.pop();
    with_both.extend(["-H".into(), "x-original-uri: /pets/5".into(), url.clone()]);
    let refs: Vec<&str> = with_both.iter().map(String::as_str).collect();
    assert_eq!(curl(&refs).await.0, 401);
    // A second target (a client's, where a proxy appended instead of replacing): refused.
    let mut two_targets = args.clone();
    two_targets.pop();
    two_targets.extend([
        "-H".into(),
        format!("x-rolegate-target: resource={}/GET/pets/5", prefix()),
        url.clone(),
    ]);
    let refs: Vec<&str> = two_targets.iter().map(String::as_str).collect();
    assert_eq!(curl(&refs).await.0, 401);
    // A body the signature does not cover (UNSIGNED-PAYLOAD, streaming) is refused: the
    // service behind could not check the body it receives against a signed hash.
    // The hash verified is handed back, the empty body's when the request named none.
    assert!(
        head.to_ascii_lowercase().contains(&format!(
            "x-rolegate-content-sha256: {}",
            rolegate_sigv4::hash_payload(b"")
        )),
        "{head}"
    );
    for payload in [
        "UNSIGNED-PAYLOAD",
        "unsigned-payload",
        "UNSIGNED-PAYLOAD-TRAILER",
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "streaming-aws4-hmac-sha256-payload",
        "x",
        "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
    ] {
        let mut unsigned_body = args.clone();
        unsigned_body.pop();
        unsigned_body.extend([
            "-H".into(),
            format!("x-amz-content-sha256: {payload}"),
            url.clone(),
        ]);
        let refs: Vec<&str> = unsigned_body.iter().map(String::as_str).collect();
        let (status, refused, _) = curl(&refs).await;
        assert_eq!(status, 401, "{payload}: {refused}");
        assert!(
            refused
                .to_ascii_lowercase()
                .contains("x-rolegate-error: unsignedpayload"),
            "{refused}"
        );
    }
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("x-rolegate-principal-arn: {}", c.alice_arn).to_ascii_lowercase()),
        "{head}"
    );
    let mut n = n;
    let _ = n.child.start_kill();
    let _ = n.child.wait().await;
}

/// The `tower` layer inside a Rust service.
async fn tower_layer(s: &Server, c: &Cast) {
    use axum::{Extension, Router, routing::any};
    use rolegate_tower_authz::{Config, Principal, RolegateAuthLayer};
    async fn hello(Extension(p): Extension<Principal>, body: String) -> String {
        format!("hello {} ({} bytes)", p.arn, body.len())
    }
    let layer = RolegateAuthLayer::new(Config::execute_api(
        s.endpoint.clone(),
        c.svc.0.clone(),
        &c.svc.1,
        prefix(),
    ));
    let app = Router::new().fallback(any(hello)).layer(layer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let user = format!("{}:{}", c.alice.0, c.alice.1);
    let base = format!("http://{addr}");
    let (status, _, body) = curl(&[
        "--aws-sigv4",
        "aws:amz:us-east-1:execute-api",
        "--user",
        &user,
        &format!("{base}/pets/1"),
    ])
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, format!("hello {} (0 bytes)", c.alice_arn));
    // A body: the layer hashes what arrived, Rolegate checks it is what was signed.
    let (status, _, body) = curl(&[
        "--aws-sigv4",
        "aws:amz:us-east-1:execute-api",
        "--user",
        &user,
        "-H",
        "content-type: application/json",
        "--data-binary",
        r#"{"name":"rex"}"#,
        &format!("{base}/pets"),
    ])
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.ends_with("(14 bytes)"), "{body}");
    let (status, _, _) = curl(&[
        "--aws-sigv4",
        "aws:amz:us-east-1:execute-api",
        "--user",
        &user,
        "-X",
        "DELETE",
        &format!("{base}/pets/1"),
    ])
    .await;
    assert_eq!(status, 403);
    let (status, _, _) = curl(&[
        "--aws-sigv4",
        "aws:amz:us-east-1:execute-api",
        "--user",
        &format!("{}:{}", c.alice.0, "B".repeat(40)),
        &format!("{base}/pets/1"),
    ])
    .await;
    assert_eq!(status, 401);
    let (status, _, _) = curl(&[&format!("{base}/pets/1")]).await;
    assert_eq!(status, 401);
}

/// Every decision is a data event; no event holds a secret.
async fn audited(s: &Server, c: &Cast) {
    let store = s
        .running
        .as_ref()
        .expect("in-process server")
        .service
        .store();
    let events = store
        .list_appended(ACCOUNT, kind::AUDIT_EVENT, None, 5000)
        .await
        .expect("events");
    let data: Vec<Json> = events
        .iter()
        .filter_map(|e| serde_json::from_str::<Json>(&e.data).ok())
        .filter(|e| e["eventCategory"] == "Data")
        .collect();
    let verified_alice = data.iter().any(|e| {
        e["eventName"] == "VerifyRequest"
            && e["userIdentity"]["arn"] == c.alice_arn
            && e["additionalEventData"]["decision"] == "allow"
    });
    assert!(verified_alice, "no VerifyRequest event for alice");
    let denied = data.iter().any(|e| {
        e["eventName"] == "VerifyRequest" && e["additionalEventData"]["decision"] == "deny"
    });
    assert!(denied);
    let unauthenticated = data
        .iter()
        .any(|e| e["eventName"] == "VerifyRequest" && e["errorCode"] == "SignatureDoesNotMatch");
    assert!(unauthenticated);
    let evaluation = data.iter().any(|e| {
        e["eventName"] == "Evaluation" && e["requestParameters"]["subject"] == c.alice_arn
    });
    assert!(evaluation);
    // LookupEvents is event history: management events only, as CloudTrail's; the data
    // events above are in the exported log files.
    if aws_cli_available() {
        let found = lookup_events_cli(
            &s.endpoint,
            ROOT_KEY,
            ROOT_SECRET,
            "AttributeKey=EventName,AttributeValue=VerifyRequest",
        );
        assert_eq!(
            found["Events"].as_array().map(Vec::len),
            Some(0),
            "data events in event history: {found}"
        );
    }
    for e in &events {
        for secret in [&c.svc.1, &c.alice.1, &c.nosvc.1] {
            assert!(
                !e.data.contains(secret.as_str()),
                "a secret key in {}",
                e.data
            );
        }
        assert!(
            !e.data.contains(SECRET_TEXT),
            "the proxy secret in {}",
            e.data
        );
        assert!(!e.data.contains("Signature="), "a signature in {}", e.data);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorization_api_end_to_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let secret_file = dir.path().join("forward-auth.secret");
    std::fs::write(&secret_file, format!("{SECRET_TEXT}\n")).expect("secret file");
    let s = sqlite_configured(|c| rolegate_server::Config {
        access_forward_auth_secret_file: Some(secret_file),
        ..c
    })
    .await;
    let c = cast(&s).await;
    authzen(&s, &c).await;
    verify_endpoint(&s, &c).await;
    tower_layer(&s, &c).await;
    behind_nginx(&s, &c).await;
    audited(&s, &c).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forward_auth_does_not_exist_without_its_secret() {
    let s = sqlite().await;
    let (status, _, _) = curl(&[
        "-H",
        "x-original-uri: /pets/1",
        &format!("{}/access/v1/forward-auth", s.endpoint),
    ])
    .await;
    assert_eq!(status, 404);
    s.stop().await;
}

/// A decision whose data event cannot be written is not answered (fail closed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unrecorded_decision_is_not_answered() {
    use sqlx::Connection as _;
    let dir = tempfile::tempdir().expect("tempdir");
    let secret_file = dir.path().join("forward-auth.secret");
    std::fs::write(&secret_file, SECRET_TEXT).expect("secret file");
    let s = sqlite_configured(|c| rolegate_server::Config {
        access_forward_auth_secret_file: Some(secret_file),
        ..c
    })
    .await;
    let root = (ROOT_KEY.to_owned(), ROOT_SECRET.to_owned());
    let forward = |headers: Vec<(String, String)>| {
        let mut args: Vec<String> = vec![
            "-H".into(),
            format!("x-rolegate-forward-auth-secret: {SECRET_TEXT}"),
            "-H".into(),
            format!("x-rolegate-target: prefix={}", prefix()),
            "-H".into(),
            "x-original-method: GET".into(),
            "-H".into(),
            "x-original-uri: /pets/1".into(),
            "-H".into(),
            "x-forwarded-host: pets.example".into(),
        ];
        for (k, v) in headers.into_iter().filter(|(k, _)| k != "host") {
            args.extend(["-H".into(), format!("{k}: {v}")]);
        }
        args.push(format!("{}/access/v1/forward-auth", s.endpoint));
        args
    };
    let ask = forward(signed_parts(
        "pets.example",
        "GET",
        "/pets/1",
        "",
        b"",
        &root,
        None,
    ));
    let refs: Vec<&str> = ask.iter().map(String::as_str).collect();
    assert_eq!(curl(&refs).await.0, 200, "the root user may");
    let q = question(
        &format!("arn:aws:iam::{ACCOUNT}:root"),
        "s3:GetObject",
        "*",
        json!({}),
    );
    assert_eq!(
        api(&s.endpoint, "/access/v1/evaluation", &root, &q).await,
        (200, json!({"decision": true}))
    );
    let db = s
        .config
        .as_ref()
        .expect("config")
        .data_dir
        .join("rolegate.db");
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .expect("second connection");
    sqlx::query(
        "CREATE TRIGGER refuse_events BEFORE INSERT ON appended WHEN NEW.kind = 'audit-event' \
         BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
    )
    .execute(&mut conn)
    .await
    .expect("trigger");
    let ask = forward(signed_parts(
        "pets.example",
        "GET",
        "/pets/1",
        "",
        b"",
        &root,
        None,
    ));
    let refs: Vec<&str> = ask.iter().map(String::as_str).collect();
    assert_eq!(curl(&refs).await.0, 503);
    let (status, answer) = api(&s.endpoint, "/access/v1/evaluation", &root, &q).await;
    assert_eq!(status, 503, "{answer}");
    sqlx::query("DROP TRIGGER refuse_events")
        .execute(&mut conn)
        .await
        .expect("drop trigger");
    s.stop().await;
}

//! The audit trail (issue 15): every call stored as a CloudTrail event before its answer,
//! found again through LookupEvents with boto3 (and its paginator) and the aws-cli; no secret
//! in any stored event; a trail that cannot be written fails the call closed.

use rolegate_store::record::kind;

use crate::support::*;

/// Every stored event of the account, as stored (newest first).
pub(crate) async fn stored_events(s: &Server) -> Vec<String> {
    let store = s
        .running
        .as_ref()
        .expect("in-process server")
        .service
        .store();
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let batch = store
            .list_appended(ACCOUNT, kind::AUDIT_EVENT, after.as_deref(), 500)
            .await
            .expect("list events");
        let done = batch.len() < 500;
        for r in batch {
            after = Some(r.key.clone());
            out.push(r.data);
        }
        if done {
            return out;
        }
    }
}

/// The boto3 workflow and its lookups, then a scan of the store itself for the secrets the
/// workflow saw, and the aws-cli's `lookup-events`.
pub async fn trail_with_boto3(s: &Server) {
    if !boto3_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let secrets = dir.path().join("secrets");
    run_boto3_as_root(
        s,
        "audit_boto3.py",
        vec![secrets.to_string_lossy().into_owned()],
    )
    .await;
    let secrets = std::fs::read_to_string(&secrets).expect("secrets file");
    let secrets: Vec<&str> = secrets.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(secrets.len(), 7, "{}", secrets.len());
    let events = stored_events(s).await;
    assert!(events.len() > 20, "{}", events.len());
    for e in &events {
        for secret in &secrets {
            assert!(!e.contains(secret), "a secret in a stored event: {e}");
        }
        // And the root secret the test signs with.
        assert!(!e.contains(ROOT_SECRET), "{e}");
    }

    if aws_cli_available() {
        // Each account sees only its own events.
        let (partner_key, partner_secret) = add_account(s, "210987654321").await;
        let partner = iam(&s.endpoint, &partner_key, &partner_secret);
        partner
            .create_user()
            .user_name("partner-user")
            .send()
            .await
            .expect("partner call");
        let lookup = |key: &str, secret: &str, attribute: &str| {
            lookup_events_cli(&s.endpoint, key, secret, attribute)
        };
        let theirs = lookup(
            &partner_key,
            &partner_secret,
            "AttributeKey=EventName,AttributeValue=CreateUser",
        );
        let theirs = theirs["Events"].as_array().expect("Events").clone();
        assert_eq!(theirs.len(), 1, "{theirs:?}");
        assert!(
            theirs[0]["CloudTrailEvent"]
                .as_str()
                .is_some_and(|e| e.contains("partner-user") && e.contains("210987654321")),
            "{theirs:?}"
        );
        let ours = lookup(
            ROOT_KEY,
            ROOT_SECRET,
            "AttributeKey=EventName,AttributeValue=CreateUser",
        );
        let ours = ours["Events"].as_array().expect("Events").clone();
        assert!(!ours.is_empty());
        assert!(
            ours.iter().all(|e| !e.to_string().contains("partner-user")),
            "{ours:?}"
        );

        let out = lookup_events_cli(
            &s.endpoint,
            ROOT_KEY,
            ROOT_SECRET,
            "AttributeKey=EventName,AttributeValue=AssumeRole",
        );
        let events = out["Events"].as_array().expect("Events");
        assert_eq!(events.len(), 1, "{out}");
        assert_eq!(events[0]["Username"], "audit-dev", "{out}");
        let inner: serde_json::Value =
            serde_json::from_str(events[0]["CloudTrailEvent"].as_str().expect("event"))
                .expect("CloudTrailEvent is JSON");
        assert_eq!(inner["userIdentity"]["type"], "IAMUser", "{inner}");
        cross_account_assume_role_in_both(s, &partner).await;
    }
    let mut secrets: Vec<String> = secrets.iter().map(|s| (*s).to_owned()).collect();
    secrets.push(ROOT_SECRET.to_owned());
    archive_verifies(s, &secrets).await;
}

/// AssumeRole into another account is recorded in both accounts, each event with its own
/// id and recipient, both with one `sharedEventID`.
async fn cross_account_assume_role_in_both(s: &Server, partner: &aws_sdk_iam::Client) {
    let role = partner
        .create_role()
        .role_name("audited-cross")
        .assume_role_policy_document(trust_account(ACCOUNT))
        .send()
        .await
        .expect("partner role");
    let role_arn = role.role().expect("role").arn().to_owned();
    let root = root_iam(s);
    root.create_user()
        .user_name("audit-crosser")
        .send()
        .await
        .expect("user");
    root.put_user_policy()
        .user_name("audit-crosser")
        .policy_name("assume")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#,
        )
        .send()
        .await
        .expect("policy");
    let key = root
        .create_access_key()
        .user_name("audit-crosser")
        .send()
        .await
        .expect("key");
    let key = key.access_key().expect("key");
    sts(&s.endpoint, key.access_key_id(), key.secret_access_key())
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("across")
        .send()
        .await
        .expect("cross-account AssumeRole");
    let store = s
        .running
        .as_ref()
        .expect("in-process server")
        .service
        .store();
    let find = |account: &'static str| async move {
        let events = store
            .list_appended(account, kind::AUDIT_EVENT, None, 200)
            .await
            .expect("events");
        events
            .into_iter()
            .map(|r| serde_json::from_str::<serde_json::Value>(&r.data).expect("json"))
            .find(|e| e["eventName"] == "AssumeRole" && e.to_string().contains("audited-cross"))
            .unwrap_or_else(|| panic!("no AssumeRole event in {account}"))
    };
    let ours = find(ACCOUNT).await;
    let theirs = find("210987654321").await;
    assert_eq!(ours["recipientAccountId"], ACCOUNT, "{ours}");
    assert_eq!(theirs["recipientAccountId"], "210987654321", "{theirs}");
    assert!(ours["sharedEventID"].is_string(), "{ours}");
    assert_eq!(ours["sharedEventID"], theirs["sharedEventID"]);
    assert_ne!(ours["eventID"], theirs["eventID"]);
    assert_eq!(
        ours["userIdentity"], theirs["userIdentity"],
        "the caller, in both"
    );
}

/// The real binary on the server's store and data directory.
fn rolegate(s: &Server, args: &[&str]) -> std::process::Output {
    let config = s.config.as_ref().expect("in-process server");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_rolegate"));
    cmd.args(args).arg("--data-dir").arg(&config.data_dir);
    if let Some(url) = &config.database_url {
        cmd.args(["--database-url", url.expose()]);
    }
    if let Some(schema) = &config.database_schema {
        cmd.args(["--database-schema", schema]);
    }
    cmd.env_remove("ROLEGATE_CONFIG")
        .output()
        .expect("rolegate runs")
}

/// The recorded hours exported (the clock moved past them) into CloudTrail's files, with no
/// secret in any file; `rolegate audit verify` finds the archive whole, then names a record
/// changed in a log file; `public-key` and `tail` work on the same store.
async fn archive_verifies(s: &Server, secrets: &[String]) {
    let Some(clock) = &s.clock else {
        return;
    };
    let config = s.config.as_ref().expect("in-process server");
    let service = &s.running.as_ref().expect("in-process server").service;
    let root = config.data_dir.join("audit");
    let before = service.export_trail(&root).await.expect("export");
    assert_eq!(before.events, 0, "the current hour is not exported yet");
    // Three hours on, to half past: at least two finished hours are exported, and the
    // newest is well past both the export's grace (15 min) and what a check without the
    // store requires (20 min), whatever the minute the test runs at.
    let now = rolegate_service::clock::Clock::now(&**clock);
    let into_hour = i64::from(now.minute()) * 60 + i64::from(now.second());
    clock.advance(3 * 3600 + (1800 - into_hour).rem_euclid(3600));
    let done = service.export_trail(&root).await.expect("export");
    assert!(done.events > 20 && done.digests >= 2, "{done:?}");

    let mut files = Vec::new();
    rolegate_service::audit::archive::collect(&root, "", &mut files);
    let logs: Vec<_> = files
        .iter()
        .filter(|f| f.contains("/CloudTrail/") && f.ends_with(".json.gz"))
        .map(|f| root.join(f.trim_start_matches('/')))
        .collect();
    assert!(!logs.is_empty());
    for f in &files {
        let path = root.join(f.trim_start_matches('/'));
        let text = if f.ends_with(".gz") {
            String::from_utf8(
                rolegate_service::audit::archive::read_gz(&path, 1 << 30).expect("gunzip"),
            )
            .expect("utf-8")
        } else {
            std::fs::read_to_string(&path).expect("read")
        };
        for secret in secrets {
            assert!(!text.contains(secret.as_str()), "a secret in {f}");
        }
    }

    let key = rolegate(s, &["audit", "public-key"]);
    assert!(key.status.success(), "{key:?}");
    let key = String::from_utf8_lossy(&key.stdout).trim().to_owned();
    assert_eq!(key.len(), 64, "{key}");
    let ok = rolegate(s, &["audit", "verify", "--public-key", &key]);
    let out = String::from_utf8_lossy(&ok.stdout).into_owned();
    assert!(ok.status.success(), "{out} {:?}", ok.stderr);
    assert!(out.contains(" 0 problems"), "{out}");

    // Shipped elsewhere, without the store: whole up to the time they were copied (the
    // server's clock runs three hours ahead here).
    let copied = rolegate_service::clock::Clock::now(&**clock)
        .format(&time::format_description::well_known::Rfc3339)
        .expect("time");
    let args = [
        "audit",
        "verify",
        "--without-store",
        "--public-key",
        &key,
        "--to",
        &copied,
    ];
    let ok = rolegate(s, &args);
    let out = String::from_utf8_lossy(&ok.stdout).into_owned();
    assert!(ok.status.success(), "{out} {:?}", ok.stderr);
    assert!(out.contains(" 0 problems"), "{out}");

    // Deleted at the end of a chain or as a whole: the store knows what was exported.
    let newest = files
        .iter()
        .filter(|f| f.contains("CloudTrail-Digest") && f.ends_with(".json.gz"))
        .max_by_key(|f| f.rsplit('/').next().map(str::to_owned))
        .map(|f| root.join(f.trim_start_matches('/')))
        .expect("a digest");
    let aside = config.data_dir.join("newest-digest.json.gz");
    std::fs::rename(&newest, &aside).expect("move the newest digest away");
    let bad = rolegate(s, &["audit", "verify", "--public-key", &key]);
    let out = String::from_utf8_lossy(&bad.stdout).into_owned();
    assert_eq!(bad.status.code(), Some(1), "{out}");
    assert!(out.contains("digest missing (deleted)"), "{out}");
    let bad = rolegate(s, &args);
    let out = String::from_utf8_lossy(&bad.stdout).into_owned();
    assert_eq!(bad.status.code(), Some(1), "without the store: {out}");
    assert!(out.contains("digest missing (deleted)"), "{out}");
    std::fs::rename(&aside, &newest).expect("restore");
    let nowhere = config.data_dir.join("no-archive-here");
    let nowhere = nowhere.to_str().expect("utf-8");
    let bad = rolegate(
        s,
        &[
            "audit",
            "verify",
            "--public-key",
            &key,
            "--archive",
            nowhere,
        ],
    );
    let out = String::from_utf8_lossy(&bad.stdout).into_owned();
    assert_eq!(bad.status.code(), Some(1), "{out}");
    assert!(out.contains("the archive is missing"), "{out}");
    // A second gzip member appended to a log file.
    let original = std::fs::read(&logs[0]).expect("read");
    let mut appended = original.clone();
    appended.extend_from_slice(&original);
    std::fs::write(&logs[0], &appended).expect("append");
    let bad = rolegate(s, &["audit", "verify", "--public-key", &key]);
    let out = String::from_utf8_lossy(&bad.stdout).into_owned();
    assert_eq!(bad.status.code(), Some(1), "{out}");
    assert!(
        out.contains("data after the end of its gzip stream"),
        "{out}"
    );
    std::fs::write(&logs[0], &original).expect("restore");

    // One record changed in place: verify exits 1 and names it.
    let path = &logs[0];
    let mut log: serde_json::Value = serde_json::from_slice(
        &rolegate_service::audit::archive::read_gz(path, 1 << 30).expect("gunzip"),
    )
    .expect("json");
    let id = log["Records"][0]["eventID"]
        .as_str()
        .expect("eventID")
        .to_owned();
    log["Records"][0]["sourceIPAddress"] = serde_json::json!("203.0.113.66");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(path).expect("create"),
        flate2::Compression::default(),
    );
    std::io::Write::write_all(&mut gz, log.to_string().as_bytes()).expect("write");
    gz.finish().expect("finish");
    let bad = rolegate(s, &["audit", "verify", "--public-key", &key]);
    let out = String::from_utf8_lossy(&bad.stdout).into_owned();
    assert_eq!(bad.status.code(), Some(1), "{out}");
    assert!(out.contains(&format!("record {id} modified")), "{out}");

    let tail = rolegate(s, &["audit", "tail", "--no-follow", "--lines", "500"]);
    let out = String::from_utf8_lossy(&tail.stdout).into_owned();
    assert!(tail.status.success(), "{out}");
    assert!(out.contains("sts:AssumeRole"), "{out}");
    assert!(out.contains("iam:CreateUser"), "{out}");
}

/// Fail closed: when the trail cannot be written (a trigger refuses the events' rows, as a
/// full disk would), calls answer ServiceUnavailable; once it can, they succeed again and
/// are recorded — without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwritable_trail_fails_the_call() {
    use sqlx::Connection as _;
    let s = sqlite().await;
    let root = root_iam(&s);
    root.create_user()
        .user_name("before")
        .send()
        .await
        .expect("create user");
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

    let e = root
        .list_users()
        .send()
        .await
        .expect_err("an unrecorded call does not answer");
    assert_eq!(code(&e), "ServiceUnavailable", "{e:?}");
    let sts = sts(&s.endpoint, ROOT_KEY, ROOT_SECRET);
    let e = sts
        .get_caller_identity()
        .send()
        .await
        .expect_err("an unrecorded call does not answer");
    assert_eq!(
        e.raw_response().map(|r| r.status().as_u16()),
        Some(503),
        "{e:?}"
    );
    let before = stored_events(&s).await.len();

    sqlx::query("DROP TRIGGER refuse_events")
        .execute(&mut conn)
        .await
        .expect("drop trigger");
    let users = root.list_users().send().await.expect("recorded again");
    assert!(users.users().iter().any(|u| u.user_name() == "before"));
    let events = stored_events(&s).await;
    assert_eq!(events.len(), before + 1);
    assert!(
        events[0].contains("\"eventName\":\"ListUsers\""),
        "{}",
        events[0]
    );
    conn.close().await.ok();
    s.stop().await;
}

/// Switched off (`--audit-trail=false`), nothing is stored, and a store that refuses events
/// changes nothing for the calls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switched_off_nothing_is_recorded() {
    let s = sqlite_configured(|c| rolegate_server::Config {
        audit_trail: false,
        ..c
    })
    .await;
    root_iam(&s)
        .create_user()
        .user_name("unrecorded")
        .send()
        .await
        .expect("create user");
    let store = rolegate_store::SqliteStore::open(
        &s.config
            .as_ref()
            .expect("config")
            .data_dir
            .join("rolegate.db"),
    )
    .await
    .expect("store");
    let events = rolegate_store::Store::list_appended(&store, ACCOUNT, kind::AUDIT_EVENT, None, 10)
        .await
        .expect("list");
    assert!(events.is_empty(), "{} events stored", events.len());
    s.stop().await;
}

/// `--audit-stdout` with the real binary: every stored event also leaves on standard output
/// as one JSON line (logs stay on standard error), with no secret in it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_as_json_lines_on_stdout() {
    let dir = tempfile::tempdir().expect("dir");
    let port = crate::durability::free_port();
    let out = dir.path().join("stdout");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .args(["serve", "--audit-stdout", "--account-id", ACCOUNT])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(dir.path())
        .env("ROLEGATE_ROOT_ACCESS_KEY_ID", ROOT_KEY)
        .env("ROLEGATE_ROOT_SECRET_ACCESS_KEY", ROOT_SECRET)
        .stdout(std::fs::File::create(&out).expect("stdout file"))
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("rolegate serve");
    crate::durability::wait_ready(port).await;
    let endpoint = format!("http://127.0.0.1:{port}");
    let root = iam(&endpoint, ROOT_KEY, ROOT_SECRET);
    root.create_user()
        .user_name("shipped")
        .send()
        .await
        .expect("create user");
    let key = root
        .create_access_key()
        .user_name("shipped")
        .send()
        .await
        .expect("key");
    let secret = key
        .access_key()
        .expect("key")
        .secret_access_key()
        .to_owned();
    // The writer thread ships a line once its event is durable, just after the answer: wait
    // for the last call's line (at most 5 s) before stopping the server.
    for _ in 0..100 {
        if std::fs::read_to_string(&out).is_ok_and(|t| t.contains("\"CreateAccessKey\"")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read_to_string(&out).expect("stdout");
    let events: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line: {l}: {e}")))
        .collect();
    let names: Vec<&str> = events
        .iter()
        .filter_map(|e| e["eventName"].as_str())
        .collect();
    assert!(names.contains(&"CreateUser"), "{names:?}");
    assert!(names.contains(&"CreateAccessKey"), "{names:?}");
    assert!(!text.contains(&secret), "a secret on stdout");
    assert!(!text.contains(ROOT_SECRET), "the root secret on stdout");
}

/// `--audit-fail-open-reads`: with the trail refusing writes, a read-only call that succeeded
/// is still answered, and a call that changes something still fails closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_open_reads_answers_reads_only() {
    use sqlx::Connection as _;
    let s = sqlite_configured(|c| rolegate_server::Config {
        audit_fail_open_reads: true,
        ..c
    })
    .await;
    let root = root_iam(&s);
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
    root.list_users()
        .send()
        .await
        .expect("a read is answered unrecorded");
    let e = root
        .create_user()
        .user_name("unrecorded-change")
        .send()
        .await
        .expect_err("a change is not answered unrecorded");
    assert_eq!(code(&e), "ServiceUnavailable", "{e:?}");
    // GetSessionToken reads nothing it changes, but it issues credentials: never unrecorded.
    let e = sts(&s.endpoint, ROOT_KEY, ROOT_SECRET)
        .get_session_token()
        .send()
        .await
        .expect_err("credentials are not issued unrecorded");
    assert_eq!(
        e.raw_response().map(|r| r.status().as_u16()),
        Some(503),
        "{e:?}"
    );
    conn.close().await.ok();
    s.stop().await;
}

/// A stranger who spends the node's bound on anonymous failures (forged keys from many
/// addresses) cannot hide attempts on a real key: a bad signature on an existing key is
/// recorded in the key's account with the key's identity, under the key's own bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgeries_cannot_hide_attempts_on_a_real_key() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let s = sqlite().await;
    let root = root_iam(&s);
    root.create_user()
        .user_name("target")
        .send()
        .await
        .expect("user");
    let key = root
        .create_access_key()
        .user_name("target")
        .send()
        .await
        .expect("key")
        .access_key
        .expect("key");
    let port: u16 = s
        .endpoint
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    // 11 addresses × 60 forged calls: past the node's bound of 600.
    let body = "Action=GetCallerIdentity&Version=2011-06-15";
    let request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Date: 20261207T000000Z\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=AKIAFORGEDFORGED0001/20261207/us-east-1/sts/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature={}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        "0".repeat(64),
        body.len()
    );
    for a in 1..=11u8 {
        for _ in 0..60 {
            let socket = tokio::net::TcpSocket::new_v4().expect("socket");
            socket
                .bind(std::net::SocketAddr::from(([127, 0, 1, a], 0)))
                .expect("bind");
            let mut c = socket
                .connect(std::net::SocketAddr::from(([127, 0, 0, 1], port)))
                .await
                .expect("connect");
            c.write_all(request.as_bytes()).await.expect("write");
            let mut answer = Vec::new();
            c.read_to_end(&mut answer).await.expect("read");
            assert!(
                String::from_utf8_lossy(&answer).contains("InvalidClientTokenId"),
                "{}",
                String::from_utf8_lossy(&answer)
            );
        }
    }
    // The real key's id, a wrong secret.
    let e = sts(
        &s.endpoint,
        key.access_key_id(),
        "not-the-secret-of-this-key-0000000000",
    )
    .get_caller_identity()
    .send()
    .await
    .expect_err("bad signature");
    assert_eq!(code(&e), "SignatureDoesNotMatch");
    let events: Vec<serde_json::Value> = stored_events(&s)
        .await
        .iter()
        .map(|e| serde_json::from_str(e).expect("event"))
        .collect();
    let forged = events
        .iter()
        .filter(|e| e["errorCode"] == "InvalidClientTokenId")
        .count();
    assert_eq!(
        forged,
        rolegate_service::audit::anonymous::PER_NODE as usize,
        "the node's bound held"
    );
    let attempt = events
        .iter()
        .find(|e| e["errorCode"] == "SignatureDoesNotMatch")
        .expect("the attempt on the real key is recorded");
    assert_eq!(attempt["userIdentity"]["accessKeyId"], key.access_key_id());
    assert_eq!(attempt["userIdentity"]["type"], "IAMUser");
    assert_eq!(attempt["userIdentity"]["userName"], "target");
    assert_eq!(attempt["recipientAccountId"], ACCOUNT);
    assert!(
        attempt["requestParameters"].is_null(),
        "nothing an unauthenticated client sent is kept: {attempt}"
    );
    s.stop().await;
}

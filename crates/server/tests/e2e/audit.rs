//! The audit trail (issue 15): every call stored as a CloudTrail event before its answer,
//! found again through LookupEvents with boto3 (and its paginator) and the aws-cli; no secret
//! in any stored event; a trail that cannot be written fails the call closed.

use rolegate_store::record::kind;

use crate::support::*;

/// Every stored event of the account, as stored (newest first).
async fn stored_events(s: &Server) -> Vec<String> {
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
            .list(ACCOUNT, kind::AUDIT_EVENT, after.as_deref(), 500)
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
            aws_json(
                std::process::Command::new("aws")
                    .args([
                        "cloudtrail",
                        "lookup-events",
                        "--endpoint-url",
                        &s.endpoint,
                        "--region",
                        "us-east-1",
                        "--lookup-attributes",
                        attribute,
                    ])
                    .env("AWS_ACCESS_KEY_ID", key)
                    .env("AWS_SECRET_ACCESS_KEY", secret)
                    .env("AWS_CONFIG_FILE", "/dev/null")
                    .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
                    .env_remove("AWS_PROFILE"),
            )
            .expect("aws cloudtrail lookup-events")
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

        let out = aws_json(
            std::process::Command::new("aws")
                .args([
                    "cloudtrail",
                    "lookup-events",
                    "--endpoint-url",
                    &s.endpoint,
                    "--region",
                    "us-east-1",
                    "--lookup-attributes",
                    "AttributeKey=EventName,AttributeValue=AssumeRole",
                ])
                .env("AWS_ACCESS_KEY_ID", ROOT_KEY)
                .env("AWS_SECRET_ACCESS_KEY", ROOT_SECRET)
                .env("AWS_CONFIG_FILE", "/dev/null")
                .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
                .env_remove("AWS_PROFILE"),
        )
        .expect("aws cloudtrail lookup-events");
        let events = out["Events"].as_array().expect("Events");
        assert_eq!(events.len(), 1, "{out}");
        assert_eq!(events[0]["Username"], "audit-dev", "{out}");
        let inner: serde_json::Value =
            serde_json::from_str(events[0]["CloudTrailEvent"].as_str().expect("event"))
                .expect("CloudTrailEvent is JSON");
        assert_eq!(inner["userIdentity"]["type"], "IAMUser", "{inner}");
    }
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
        "CREATE TRIGGER refuse_events BEFORE INSERT ON records WHEN NEW.kind = 'audit-event' \
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

/// The trail is a preview, off unless `--audit-trail`: without it nothing is stored, and a
/// store that refuses events changes nothing for the calls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_flag_nothing_is_recorded() {
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
    let events = rolegate_store::Store::list(&store, ACCOUNT, kind::AUDIT_EVENT, None, 10)
        .await
        .expect("list");
    assert!(events.is_empty(), "{} events stored", events.len());
    s.stop().await;
}

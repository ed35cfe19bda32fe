//! Unsigned calls (issue 12): only the rows of the operations table marked `#[unsigned]` run
//! without a signature, through a handler type that has no caller. Every other operation,
//! handed to `execute_unsigned`, is `MissingAuthenticationToken` and changes nothing.

use std::sync::Arc;

use rolegate_proto::{Operation, Params};
use rolegate_service::{RequestEnv, Service, ServiceConfig, ServiceError, clock::SystemClock};
use rolegate_store::SqliteStore;

#[tokio::test]
async fn no_signed_operation_runs_unsigned() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(&dir.path().join("rolegate.db"))
        .await
        .expect("store");
    let service = Service::new(
        Arc::new(store),
        Arc::new(SystemClock),
        ServiceConfig {
            account_id: "123456789012".into(),
            max_staleness: rolegate_service::DEFAULT_MAX_STALENESS,
        },
    );
    service.ensure_keyring().await.expect("keyring");
    service.bootstrap(None).await.expect("bootstrap");
    let env = RequestEnv {
        request_id: "unsigned".into(),
        source_ip: None,
        secure_transport: false,
        user_agent: None,
        region: "us-east-1".into(),
        now: time::OffsetDateTime::now_utc(),
    };
    let signed: Vec<_> = Operation::ALL.iter().filter(|row| row.signed).collect();
    assert!(!signed.is_empty());
    for (name, params) in [
        ("GetCallerIdentity", vec![]),
        ("CreateUser", vec![("UserName", "anonymous-made")]),
        (
            "AssumeRole",
            vec![
                ("RoleArn", "arn:aws:iam::123456789012:role/any"),
                ("RoleSessionName", "anon"),
            ],
        ),
    ] {
        let op = Operation::decode(name, None, &Params::from_strs(&params).expect("params"))
            .expect("decodes");
        assert!(op.signed(), "{name} must be signed");
        assert_eq!(
            service.execute_unsigned(op, &env).await,
            Err(ServiceError::MissingAuthenticationToken),
            "{name}"
        );
    }
    // Nothing was created.
    let root = rolegate_service::Caller {
        account: "123456789012".into(),
        identity: rolegate_service::Identity::Root,
        access_key_id: "AKIAUNSIGNEDTESTROOT".into(),
        session: None,
    };
    let op = Operation::decode(
        "GetUser",
        None,
        &Params::from_strs(&[("UserName", "anonymous-made")]).expect("params"),
    )
    .expect("decodes");
    let e = service.execute(&root, op, &env).await.expect_err("no user");
    assert!(matches!(e, ServiceError::NoSuchEntity(_)), "{e:?}");
}

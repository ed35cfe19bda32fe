//! Stateless nodes sharing one PostgreSQL schema: a session issued by one node works on the
//! others (no lookup, one keyring); rotating the sealing key with the administrative command
//! cuts no live session, and a node that has not read the change log yet still opens tokens
//! another node sealed under the new key; a policy change or a new account made through one
//! node reaches the others through the change log; the MFA throttle's count is one for all
//! nodes.

use std::time::Duration;

use base64::Engine as _;
use rolegate_server::{Config, start};

use crate::{
    mfa::{
        GST_MFA_FAILED, code as totp_code, enabled_device, server_now, session_with_code,
        wrong_code,
    },
    sts::{role, user_with_key},
    support::*,
};

/// How long a change may take to reach the other node: many change-log polls
/// (`sync_interval_seconds` is 1). A bound on eventual consistency, not a speed check.
const PROPAGATION: Duration = Duration::from_secs(15);

/// Retries `check` until it returns true or [`PROPAGATION`] has passed.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + PROPAGATION;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not seen by the other node"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_and_changes_cross_nodes() {
    let Some(sa) = postgres().await else { return };
    let config: Config = sa.config.clone().expect("config");
    assert_eq!(config.sync_interval_seconds, 1, "the default poll interval");
    let b = start(config.clone(), false).await.expect("node B");
    let c = start(
        Config {
            sync_interval_seconds: 3600,
            ..config.clone()
        },
        false,
    )
    .await
    .expect("node C");
    let a_ep = sa.endpoint.clone();
    let b_ep = format!("http://{}", b.addr);
    let c_ep = format!("http://{}", c.addr);

    let (dk, ds) = user_with_key(
        &sa,
        "dev",
        Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#),
    )
    .await;
    role(
        &sa,
        "Ops",
        &trust_account(ACCOUNT),
        Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}"#),
    )
    .await;
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/Ops");
    let assume = |ep: String, name: &'static str| {
        let (dk, ds, role_arn) = (dk.clone(), ds.clone(), role_arn.clone());
        async move {
            sts(&ep, &dk, &ds)
                .assume_role()
                .role_arn(role_arn)
                .role_session_name(name)
                .send()
                .await
                .expect("assume")
                .credentials
                .expect("credentials")
        }
    };

    // The dev user and the role were written through A; B sees them (it has never cached
    // them) and issues a session that A verifies, and the other way round.
    let from_b = assume(b_ep.clone(), "from-b").await;
    let from_a = assume(a_ep.clone(), "from-a").await;
    for (ep, c) in [(&a_ep, &from_b), (&b_ep, &from_a), (&c_ep, &from_b)] {
        let who = sts_session(ep, c)
            .get_caller_identity()
            .send()
            .await
            .expect("a session from the other node");
        assert!(who.arn().is_some_and(|a| a.contains(":assumed-role/Ops/")));
        iam_session(ep, c)
            .list_users()
            .send()
            .await
            .expect("the role's permissions on the other node");
    }

    // Rotating the sealing key (the `rolegate rotate-session-key` command, on the shared
    // store): live sessions keep working on both nodes, and a session sealed under the new
    // key by either node opens on the other.
    let new_key = rolegate_server::rotate_session_key(&config)
        .await
        .expect("rotate");
    assert!(new_key >= 2);
    for ep in [&a_ep, &b_ep] {
        for c in [&from_a, &from_b] {
            sts_session(ep, c)
                .get_caller_identity()
                .send()
                .await
                .expect("sessions sealed before the rotation still open");
        }
    }
    // Node C reads the change log only hourly, so it still holds the old keyring when B
    // (made to read the log now) seals with the new key: C must open that token at once.
    b.service
        .sync_changes()
        .await
        .expect("B reads the change log");
    let after = assume(b_ep.clone(), "after").await;
    let header = base64::engine::general_purpose::STANDARD
        .decode(after.session_token())
        .expect("base64");
    let sealed_with = u32::from_be_bytes(header[3..7].try_into().expect("key id"));
    assert_eq!(sealed_with, new_key, "B seals with the new key");
    sts_session(&c_ep, &after)
        .get_caller_identity()
        .send()
        .await
        .expect("a node that has not read the change log opens the new key's token");
    sts_session(&c_ep, &from_a)
        .get_caller_identity()
        .send()
        .await
        .expect("and still the old key's");

    // Revocation made through A applies to B's live sessions.
    root_iam(&sa)
        .delete_role_policy()
        .role_name("Ops")
        .policy_name("p")
        .send()
        .await
        .expect("delete the role's policy");
    eventually("the deleted role policy", || {
        let (ep, c) = (b_ep.clone(), from_b.clone());
        async move { iam_session(&ep, &c).list_users().send().await.is_err() }
    })
    .await;
    let e = iam_session(&b_ep, &from_b)
        .list_users()
        .send()
        .await
        .expect_err("revoked");
    assert_eq!(code(&e), "AccessDenied");

    // A new account added against the shared store works on both nodes.
    let (pk, ps) = add_account(&sa, "456789012345").await;
    for ep in [&a_ep, &b_ep] {
        let who = sts(ep, &pk, &ps)
            .get_caller_identity()
            .send()
            .await
            .expect("the new account's root key");
        assert_eq!(who.account(), Some("456789012345"));
    }
    b.shutdown().await.expect("node B stops");
    c.shutdown().await.expect("node C stops");
    sa.stop().await;
}

/// Wrong MFA codes sent to two nodes add up to one count: 3 on A and 2 on B lock the device
/// on both, and the lockout ends on both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mfa_throttle_is_shared_by_nodes() {
    let Some(sa) = postgres().await else { return };
    let clock = sa.clock.clone().expect("a movable clock");
    // Node B runs on the same (moved) clock, as nodes of one deployment run on one time.
    let b = start(sa.config.clone().expect("config"), false)
        .await
        .expect("node B");
    let (a_ep, b_ep) = (sa.endpoint.clone(), format!("http://{}", b.addr));
    let (dk, ds) = user_with_key(&sa, "dev", None).await;
    let (serial, seed) = enabled_device(&root_iam(&sa), "dev", "devmfa", server_now(&clock)).await;
    let (on_a, on_b) = (sts(&a_ep, &dk, &ds), sts(&b_ep, &dk, &ds));
    for client in [&on_a, &on_b, &on_a, &on_b, &on_a] {
        let e = session_with_code(client, &serial, &wrong_code(&seed, server_now(&clock)))
            .await
            .expect_err("a wrong code");
        assert_eq!(e, GST_MFA_FAILED);
    }
    for client in [&on_a, &on_b] {
        let e = session_with_code(client, &serial, &totp_code(&seed, server_now(&clock)))
            .await
            .expect_err("locked on every node");
        assert_eq!(e, GST_MFA_FAILED);
    }
    clock.advance(31);
    session_with_code(&on_b, &serial, &totp_code(&seed, server_now(&clock)))
        .await
        .expect("the lockout is over on B");
    b.shutdown().await.expect("node B stops");
    sa.stop().await;
}

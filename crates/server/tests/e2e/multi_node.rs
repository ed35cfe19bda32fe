//! Stateless nodes sharing one PostgreSQL schema: a session issued by one node works on the
//! others (no lookup, one keyring); rotating the sealing key with the administrative command
//! cuts no live session, and a node that has not read the change log yet still opens tokens
//! another node sealed under the new key; a policy change or a new account made through one
//! node reaches the others through the change log; the MFA throttle's count is one for all
//! nodes.
//!
//! Revocation (finding 5 of the adversarial review): a deletion whose commit lands after a
//! later-numbered commit that a node has already read is still seen by that node (the change
//! log is read in transaction order below the oldest open transaction); a node that does not
//! read the change log at all refuses a deleted key once its cached copy is older than
//! `max_staleness_seconds`; and a node cut off from its tables stops serving its cache then.

use std::{str::FromStr as _, time::Duration};

use base64::Engine as _;
use rolegate_server::{Config, start};
use sqlx::{Connection as _, Executor as _};

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

/// A node on the same store that reads the change log only hourly: what it sees in time, it
/// sees through its cache's age bound or the keyring's own reload, not through the log.
async fn hourly_node(config: &Config) -> rolegate_server::Running {
    start(
        Config {
            sync_interval_seconds: 3600,
            ..config.clone()
        },
        false,
    )
    .await
    .expect("node C")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_and_changes_cross_nodes() {
    let Some(sa) = postgres().await else { return };
    let config: Config = sa.config.clone().expect("config");
    assert_eq!(config.sync_interval_seconds, 1, "the default poll interval");
    let b = start(config.clone(), false).await.expect("node B");
    let c = hourly_node(&config).await;
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

/// A connection of its own to the servers' schema, for what no API does: holding a lock open
/// across other commits, taking the tables away.
async fn raw_connection(config: &Config) -> sqlx::PgConnection {
    let options = sqlx::postgres::PgConnectOptions::from_str(&pg_url())
        .expect("url")
        .options([(
            "search_path",
            config.database_schema.as_deref().expect("a schema"),
        )]);
    sqlx::PgConnection::connect_with(&options)
        .await
        .expect("raw connection")
}

/// Polls GetCallerIdentity with the key on `endpoint` until it is refused, or for at most
/// [`PROPAGATION`]; returns the error code and how long it took (a measurement, not asserted).
async fn until_refused(endpoint: &str, key: &str, secret: &str) -> (String, Duration) {
    let start = tokio::time::Instant::now();
    loop {
        match sts(endpoint, key, secret)
            .get_caller_identity()
            .send()
            .await
        {
            Err(e) => return (code(&e), start.elapsed()),
            Ok(_) => {
                assert!(
                    start.elapsed() < PROPAGATION,
                    "the key still works on {endpoint}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Signs in with the key on `endpoint` (caching the key and its user there) and waits until
/// the node has recorded the key's use, so that no write of its own is still under way.
async fn cache_key_on(s: &Server, endpoint: &str, user: &str, key: &str, secret: &str) {
    sts(endpoint, key, secret)
        .get_caller_identity()
        .send()
        .await
        .expect("the key works");
    eventually("the key's last use", move || async move {
        root_iam(s)
            .get_access_key_last_used()
            .access_key_id(key)
            .send()
            .await
            .expect("last used")
            .access_key_last_used
            .is_some_and(|l| l.last_used_date.is_some())
    })
    .await;
    let who = sts(endpoint, key, secret)
        .get_caller_identity()
        .send()
        .await
        .expect("the key works");
    assert!(
        who.arn()
            .is_some_and(|a| a.ends_with(&format!(":user/{user}")))
    );
}

/// The finding, reproduced: DeleteAccessKey on node A logs the key's deletion, then waits on
/// a row lock (held here on the user's record) before it can commit; meanwhile node B
/// commits another change, which is numbered after the deletion, and B reads the log. Then
/// the lock goes and the deletion commits, below the position B had reached with a
/// high-water mark. B must still see it. B's cache never ages out here (an hour), so only
/// the change log can revoke the key on B.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deletion_committed_late_is_not_skipped() {
    let Some(sa) = postgres().await else { return };
    let config: Config = sa.config.clone().expect("config");
    let b = start(
        Config {
            max_staleness_seconds: 3600,
            ..config.clone()
        },
        false,
    )
    .await
    .expect("node B");
    let (a_ep, b_ep) = (sa.endpoint.clone(), format!("http://{}", b.addr));
    let (key, secret) = user_with_key(&sa, "alice", None).await;
    cache_key_on(&sa, &b_ep, "alice", &key, &secret).await;

    let mut lock = raw_connection(&config).await;
    lock.execute("BEGIN").await.expect("begin");
    let (lock_pid,): (i32,) = sqlx::query_as("SELECT pg_backend_pid()")
        .fetch_one(&mut lock)
        .await
        .expect("pid");
    sqlx::query(
        "SELECT 1 FROM records WHERE scope = $1 AND kind = 'user' AND key = 'alice' FOR UPDATE",
    )
    .bind(ACCOUNT)
    .execute(&mut lock)
    .await
    .expect("lock the user's record");
    let deletion = {
        let (a_ep, key) = (a_ep.clone(), key.clone());
        tokio::spawn(async move {
            iam(&a_ep, ROOT_KEY, ROOT_SECRET)
                .delete_access_key()
                .user_name("alice")
                .access_key_id(key)
                .send()
                .await
        })
    };
    // The deletion has written the key's removal and its change, and waits for the lock.
    let mut observer = raw_connection(&config).await;
    let mut waiting: i64 = 0;
    for _attempt in 0..300 {
        (waiting,) = sqlx::query_as(
            "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
        )
        .bind(lock_pid)
        .fetch_one(&mut observer)
        .await
        .expect("pg_stat_activity");
        if waiting > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(waiting, 1, "the deletion waits on the lock");
    // A later change commits first (through B), and B reads the log.
    iam(&b_ep, ROOT_KEY, ROOT_SECRET)
        .create_user()
        .user_name("bob")
        .send()
        .await
        .expect("a commit numbered after the deletion");
    b.service.sync_changes().await.expect("B reads the log");
    // B holds the key in its cache now, read after everything it has taken from the log.
    let mut cached = false;
    for _attempt in 0..100 {
        sts(&b_ep, &key, &secret)
            .get_caller_identity()
            .send()
            .await
            .expect("the deletion has not committed yet");
        cached = !b.service.key_use_due(&key, "sts");
        if cached {
            break;
        }
    }
    assert!(cached, "B caches the key");
    lock.execute("ROLLBACK").await.expect("release the lock");
    deletion
        .await
        .expect("join")
        .expect("the deletion commits once the lock is gone");

    for ep in [&a_ep, &b_ep] {
        let (code, took) = until_refused(ep, &key, &secret).await;
        assert_eq!(code, "InvalidClientTokenId", "on {ep}");
        eprintln!("late deletion: refused on {ep} after {took:?}");
    }
    b.shutdown().await.expect("node B stops");
    sa.stop().await;
}

/// A node that never reads the change log (hourly) refuses a key deleted through another
/// node once its cached copy is older than `max_staleness_seconds` (2, the default); and
/// when its store stops answering, it fails requests instead of serving what it cached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_facts_are_bounded_without_the_change_log() {
    let Some(sa) = postgres().await else { return };
    let config: Config = sa.config.clone().expect("config");
    assert_eq!(config.max_staleness_seconds, 2, "the default bound");
    let c = hourly_node(&config).await;
    let c_ep = format!("http://{}", c.addr);
    let (key, secret) = user_with_key(&sa, "carol", None).await;
    cache_key_on(&sa, &c_ep, "carol", &key, &secret).await;
    root_iam(&sa)
        .delete_access_key()
        .user_name("carol")
        .access_key_id(&key)
        .send()
        .await
        .expect("delete the key through node A");
    let (code, took) = until_refused(&c_ep, &key, &secret).await;
    assert_eq!(code, "InvalidClientTokenId");
    eprintln!("deletion without the change log: refused after {took:?}");

    // The store goes away under a cached key: past the bound, C fails closed.
    let (key, secret) = user_with_key(&sa, "dave", None).await;
    cache_key_on(&sa, &c_ep, "dave", &key, &secret).await;
    let mut admin = raw_connection(&config).await;
    admin
        .execute("ALTER TABLE records RENAME TO records_away")
        .await
        .expect("take the records away");
    let (code, took) = until_refused(&c_ep, &key, &secret).await;
    admin
        .execute("ALTER TABLE records_away RENAME TO records")
        .await
        .expect("put the records back");
    assert_eq!(code, "ServiceUnavailable", "not served from the cache");
    eprintln!("store unavailable: refused after {took:?}");
    sts(&c_ep, &key, &secret)
        .get_caller_identity()
        .send()
        .await
        .expect("works again with the store back");
    c.shutdown().await.expect("node C stops");
    sa.stop().await;
}

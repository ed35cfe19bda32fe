//! The conformance suite against both backends. PostgreSQL runs when it is reachable at
//! `ROLEGATE_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`); when `CI` is
//! set an unreachable database fails the run instead of skipping.
//!
//! The change-log checks hold a transaction open on a connection of their own (raw SQL on the
//! backend's own tables, beside the store under test).

use std::{path::PathBuf, str::FromStr, sync::Arc};

use rolegate_store::{
    PostgresStore, SqliteStore,
    conformance::{self, HeldCommit, HoldCommits},
};
use sqlx::{Connection, Executor};

const APPEND_CHANGE: &str = "INSERT INTO changes (scope, kind, key, at_ms) VALUES ($1, $2, $3, 0)";

/// An open transaction on its own connection.
struct Held<C>(C);

#[async_trait::async_trait]
impl HeldCommit for Held<sqlx::SqliteConnection> {
    async fn commit(mut self: Box<Self>) {
        self.0
            .execute("COMMIT")
            .await
            .expect("commit the held transaction");
    }
}

#[async_trait::async_trait]
impl HeldCommit for Held<sqlx::PgConnection> {
    async fn commit(mut self: Box<Self>) {
        self.0
            .execute("COMMIT")
            .await
            .expect("commit the held transaction");
    }
}

/// SQLite: `BEGIN IMMEDIATE` takes the write lock, so the store's commits wait for it.
struct SqliteHolder(PathBuf);

#[async_trait::async_trait]
impl HoldCommits for SqliteHolder {
    async fn hold(&self, scope: &str, kind: &str, key: &str) -> Box<dyn HeldCommit> {
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&self.0);
        let mut conn = sqlx::SqliteConnection::connect_with(&options)
            .await
            .expect("connect");
        conn.execute("BEGIN IMMEDIATE").await.expect("begin");
        sqlx::query(APPEND_CHANGE)
            .bind(scope)
            .bind(kind)
            .bind(key)
            .execute(&mut conn)
            .await
            .expect("append a change");
        Box::new(Held(conn))
    }

    fn blocks_writers(&self) -> bool {
        true
    }
}

/// PostgreSQL: the held transaction takes a sequence number and a transaction id, and other
/// commits go on around it.
struct PostgresHolder {
    url: String,
    schema: String,
}

#[async_trait::async_trait]
impl HoldCommits for PostgresHolder {
    async fn hold(&self, scope: &str, kind: &str, key: &str) -> Box<dyn HeldCommit> {
        let options = sqlx::postgres::PgConnectOptions::from_str(&self.url)
            .expect("url")
            .options([("search_path", self.schema.as_str())]);
        let mut conn = sqlx::PgConnection::connect_with(&options)
            .await
            .expect("connect");
        conn.execute("BEGIN").await.expect("begin");
        sqlx::query(APPEND_CHANGE)
            .bind(scope)
            .bind(kind)
            .bind(key)
            .execute(&mut conn)
            .await
            .expect("append a change");
        Box::new(Held(conn))
    }

    fn blocks_writers(&self) -> bool {
        false
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_conformance() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rolegate.db");
    let store = SqliteStore::open(&path).await.expect("open");
    conformance::run(Arc::new(store), &SqliteHolder(path)).await;
    // Reopening runs no migration twice and keeps data.
    let again = SqliteStore::open(&dir.path().join("rolegate.db"))
        .await
        .expect("reopen");
    let store: &dyn rolegate_store::Store = &again;
    assert!(
        store
            .get("111111111111", "user", "same")
            .await
            .expect("get")
            .is_some()
    );
}

pub fn postgres_url() -> Option<String> {
    Some(
        std::env::var("ROLEGATE_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_conformance() {
    let url = postgres_url().expect("url");
    let mut rnd = [0u8; 6];
    getrandom::fill(&mut rnd).expect("random");
    let schema = format!(
        "rg_conf_{}",
        rnd.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    let store = match PostgresStore::connect(&url, Some(&schema)).await {
        Ok(s) => s,
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("SKIPPED: PostgreSQL unreachable at {url}: {e}");
            return;
        }
        Err(e) => panic!("PostgreSQL unreachable at {url} and CI is set: {e}"),
    };
    let holder = PostgresHolder {
        url: url.clone(),
        schema: schema.clone(),
    };
    conformance::run(Arc::new(store.clone()), &holder).await;
    // Migrations are idempotent across nodes.
    PostgresStore::connect(&url, Some(&schema))
        .await
        .expect("second node");
    PostgresStore::drop_schema(&url, &schema)
        .await
        .expect("drop schema");
}

/// A database written before appended records had their own table (schema version 2, events
/// in `records`): opening it moves the events, keeps every other record, and the events are
/// then read as appended records, in the same order.
#[tokio::test]
async fn sqlite_migration_moves_stored_events_apart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rolegate.db");
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
        .await
        .expect("connect");
    for sql in [
        include_str!("../migrations/sqlite/0001_records.sql"),
        include_str!("../migrations/sqlite/0002_change_order.sql"),
        "CREATE TABLE rolegate_schema_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)",
        "INSERT INTO rolegate_schema_migrations VALUES (1, 'records', 0), (2, 'change order', 0)",
        "INSERT INTO records VALUES ('111122223333', 'audit-event', 'b', 1, '{\"e\":2}'), \
         ('111122223333', 'audit-event', 'a', 1, '{\"e\":1}'), \
         ('111122223333', 'user', 'alice', 3, '{\"u\":1}')",
    ] {
        sqlx::raw_sql(sql).execute(&mut conn).await.expect("v2 schema");
    }
    conn.close().await.expect("close");

    let store = SqliteStore::open(&path).await.expect("open migrates");
    let store: &dyn rolegate_store::Store = &store;
    let events: Vec<(String, String)> = store
        .list_appended("111122223333", "audit-event", None, 10)
        .await
        .expect("list appended")
        .into_iter()
        .map(|r| (r.key, r.data))
        .collect();
    assert_eq!(
        events,
        [
            ("a".to_owned(), "{\"e\":1}".to_owned()),
            ("b".to_owned(), "{\"e\":2}".to_owned())
        ]
    );
    assert!(
        store
            .list("111122223333", "audit-event", None, 10)
            .await
            .expect("list")
            .is_empty(),
        "no event is left among the versioned records"
    );
    let user = store
        .get("111122223333", "user", "alice")
        .await
        .expect("get")
        .expect("the other records are kept");
    assert_eq!((user.version, user.data.as_str()), (3, "{\"u\":1}"));
}

//! PostgreSQL: the shared database of several stateless nodes. Migrations take an advisory
//! lock so that nodes starting together apply each migration once. The change log is read in
//! transaction-id order below the oldest transaction still in progress (the horizon below),
//! so a commit that lands late is never skipped (see `LogPosition`).

use std::{str::FromStr, time::Duration};

use sqlx::{
    Executor,
    postgres::{PgConnectOptions, PgPool, PgPoolOptions},
};

use crate::StoreError;

/// PostgreSQL backend.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pub(crate) write: PgPool,
    pub(crate) read: PgPool,
}

const MIGRATION_LOCK: i64 = 0x726f_6c65_6761_7465; // "rolegate"

impl PostgresStore {
    /// Connects, optionally inside `schema` (created if missing; tests use one per run), and
    /// runs pending migrations.
    pub async fn connect(url: &str, schema: Option<&str>) -> Result<Self, StoreError> {
        let mut options = PgConnectOptions::from_str(url)?;
        if let Some(schema) = schema {
            if !schema
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            {
                return Err(StoreError::Unavailable(format!(
                    "invalid schema name `{schema}`"
                )));
            }
            let admin = PgPoolOptions::new()
                .max_connections(1)
                .connect_with(options.clone())
                .await?;
            admin
                .execute(format!("CREATE SCHEMA IF NOT EXISTS {schema}").as_str())
                .await?;
            admin.close().await;
            options = options.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        let store = Self {
            write: pool.clone(),
            read: pool,
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.write.acquire().await?;
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *conn)
            .await?;
        let result = Self::run_migrations(&self.write, crate::migrate::POSTGRES).await;
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *conn)
            .await?;
        result
    }

    /// Drops a schema (test clean-up).
    pub async fn drop_schema(url: &str, schema: &str) -> Result<(), StoreError> {
        if !schema
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(StoreError::Unavailable(format!(
                "invalid schema name `{schema}`"
            )));
        }
        let admin = PgPoolOptions::new().max_connections(1).connect(url).await?;
        admin
            .execute(format!("DROP SCHEMA IF EXISTS {schema} CASCADE").as_str())
            .await?;
        admin.close().await;
        Ok(())
    }
}

crate::backend::sql_store!(
    PostgresStore,
    "postgres",
    horizon = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
    position = "strpos"
);

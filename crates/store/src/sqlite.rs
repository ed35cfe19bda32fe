//! The embedded default: one SQLite file in the data dir, WAL journal, `synchronous=FULL`
//! (an acknowledged commit survives `kill -9` and power loss), one writer connection and a
//! small pool of readers. One node per file. One writer at a time numbers the change log in
//! commit order, so its horizon is unbounded.

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::StoreError;

/// SQLite backend.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(crate) write: SqlitePool,
    pub(crate) read: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and runs pending migrations.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .connect_with(options.clone())
            .await?;
        let store = Self {
            read: write.clone(),
            write,
        };
        store.migrate().await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await?;
        Ok(Self { read, ..store })
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        Self::run_migrations(&self.write, crate::migrate::SQLITE).await
    }
}

crate::backend::sql_store!(
    SqliteStore,
    "sqlite",
    horizon = "9223372036854775807",
    position = "instr"
);

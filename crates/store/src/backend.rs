//! The SQL both backends share. The statements are identical on SQLite and PostgreSQL
//! (numbered `$n` parameters, `ON CONFLICT DO NOTHING`, row values), so one macro implements
//! [`Store`] for each pool type. Two expressions differ: the change log's horizon, the
//! transaction below which every transaction has ended (see [`LogPosition`]), and the
//! position of a substring (`instr` / `strpos`).
//!
//! [`Store`]: crate::Store
//! [`LogPosition`]: crate::LogPosition

/// Implements [`crate::Store`] for a struct with `write` and `read` pools. `$horizon` is an
/// SQL expression: no change with `tx` below it can still commit, and it is evaluated in the
/// same statement (so the same snapshot) as the rows it bounds. `$position` is the SQL
/// function giving the position of its second argument in its first (0 when absent).
macro_rules! sql_store {
    ($store:ty, $backend:literal, horizon = $horizon:literal, position = $position:literal) => {
        impl $store {
            async fn run_migrations(
                pool: &sqlx::Pool<<$store as $crate::backend::HasDb>::Db>,
                migrations: &[(i64, &str, &str)],
            ) -> Result<(), $crate::StoreError> {
                sqlx::query($crate::migrate::CREATE_TABLE).execute(pool).await?;
                for (version, description, sql) in migrations {
                    let applied: Option<(i64,)> =
                        sqlx::query_as("SELECT version FROM rolegate_schema_migrations WHERE version = $1")
                            .bind(version)
                            .fetch_optional(pool)
                            .await?;
                    if applied.is_some() {
                        continue;
                    }
                    let mut tx = pool.begin().await?;
                    for statement in $crate::migrate::statements(sql) {
                        sqlx::query(&statement).execute(&mut *tx).await?;
                    }
                    sqlx::query("INSERT INTO rolegate_schema_migrations (version, description, applied_at_ms) VALUES ($1, $2, $3)")
                        .bind(version)
                        .bind(*description)
                        .bind($crate::migrate::now_ms())
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    tracing::info!(version, description, backend = $backend, "applied schema migration");
                }
                Ok(())
            }
        }

        impl $store {
            /// A page of a kind's records in key order: `sql` selects key, version and data
            /// with the parameters scope, kind, the key to go on after and the limit.
            async fn page(
                &self,
                sql: &'static str,
                scope: &str,
                kind: &str,
                after: Option<&str>,
                limit: usize,
            ) -> Result<Vec<$crate::Record>, $crate::StoreError> {
                let rows: Vec<(String, i64, String)> = sqlx::query_as(sql)
                    .bind(scope)
                    .bind(kind)
                    .bind(after.unwrap_or(""))
                    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                    .fetch_all(&self.read)
                    .await?;
                Ok(rows
                    .into_iter()
                    .map(|(key, version, data)| $crate::Record {
                        scope: scope.to_owned(),
                        kind: kind.to_owned(),
                        key,
                        version,
                        data,
                    })
                    .collect())
            }
        }

        #[async_trait::async_trait]
        impl $crate::Store for $store {
            async fn get(&self, scope: &str, kind: &str, key: &str) -> Result<Option<$crate::Record>, $crate::StoreError> {
                let row: Option<(i64, String)> =
                    sqlx::query_as("SELECT version, data FROM records WHERE scope = $1 AND kind = $2 AND key = $3")
                        .bind(scope)
                        .bind(kind)
                        .bind(key)
                        .fetch_optional(&self.read)
                        .await?;
                Ok(row.map(|(version, data)| $crate::Record {
                    scope: scope.to_owned(),
                    kind: kind.to_owned(),
                    key: key.to_owned(),
                    version,
                    data,
                }))
            }

            async fn list(
                &self,
                scope: &str,
                kind: &str,
                after: Option<&str>,
                limit: usize,
            ) -> Result<Vec<$crate::Record>, $crate::StoreError> {
                self.page(
                    "SELECT key, version, data FROM records WHERE scope = $1 AND kind = $2 AND key > $3 ORDER BY key LIMIT $4",
                    scope, kind, after, limit,
                )
                .await
            }

            async fn list_appended(
                &self,
                scope: &str,
                kind: &str,
                after: Option<&str>,
                limit: usize,
            ) -> Result<Vec<$crate::Record>, $crate::StoreError> {
                self.page(
                    "SELECT key, CAST(1 AS BIGINT), data FROM appended WHERE scope = $1 AND kind = $2 AND key > $3 ORDER BY key LIMIT $4",
                    scope, kind, after, limit,
                )
                .await
            }

            async fn scan_appended(
                &self,
                scope: &str,
                kind: &str,
                after: Option<&str>,
                needle: &str,
                scan: usize,
            ) -> Result<$crate::Scanned, $crate::StoreError> {
                let scan = i64::try_from(scan).unwrap_or(i64::MAX);
                // The matching rows, then one row without data: how many rows were examined
                // and the last key.
                let rows: Vec<(Option<String>, i64, Option<String>)> = sqlx::query_as(concat!(
                    "WITH scanned AS (SELECT key, 1 AS version, data FROM appended WHERE scope = $1 AND kind = $2 AND key > $3 ORDER BY key LIMIT $4) ",
                    "SELECT key, version, data FROM scanned WHERE ",
                    $position,
                    "(data, $5) > 0 UNION ALL SELECT max(key), count(*), NULL FROM scanned"
                ))
                .bind(scope)
                .bind(kind)
                .bind(after.unwrap_or(""))
                // Numbered in the order they appear: SQLite numbers `$n` by first use.
                .bind(scan)
                .bind(needle)
                .fetch_all(&self.read)
                .await?;
                let mut out = $crate::Scanned { found: Vec::new(), examined: 0, last: None };
                for (key, version, data) in rows {
                    match (key, data) {
                        (last, None) => {
                            out.last = last;
                            out.examined = usize::try_from(version).unwrap_or(0);
                        }
                        (Some(key), Some(data)) => out.found.push($crate::Record {
                            scope: scope.to_owned(),
                            kind: kind.to_owned(),
                            key,
                            version,
                            data,
                        }),
                        (None, Some(_)) => {}
                    }
                }
                out.found.sort_by(|a, b| a.key.as_bytes().cmp(b.key.as_bytes()));
                Ok(out)
            }

            async fn commit(&self, writes: &[$crate::Write]) -> Result<(), $crate::StoreError> {
                use $crate::{Expect, Write};
                let mut tx = self.write.begin().await?;
                let at = $crate::migrate::now_ms();
                let mut next = 0;
                while next < writes.len() {
                    let write = &writes[next];
                    next += 1;
                    if matches!(write, Write::Append { .. }) {
                        // A run of appends (a batch of audit events) is inserted a chunk of
                        // rows per statement: one round trip to the database per chunk, not
                        // per event. Chunk sizes come from a fixed set, so the prepared
                        // statements stay few and cached.
                        let run = 1 + writes[next..].iter().take_while(|w| matches!(w, Write::Append { .. })).count();
                        let mut rest = &writes[next - 1..next - 1 + run];
                        next += run - 1;
                        while !rest.is_empty() {
                            let (sql, rows) = $crate::backend::append_statement(rest.len());
                            let (chunk, tail) = rest.split_at(rows);
                            let mut query = sqlx::query(sql);
                            for w in chunk {
                                if let Write::Append { scope, kind, key, data } = w {
                                    query = query.bind(scope).bind(kind).bind(key).bind(data);
                                }
                            }
                            if query.execute(&mut *tx).await?.rows_affected() != rows as u64 {
                                // A key already stored: the whole commit rolls back.
                                return Err($crate::StoreError::Conflict);
                            }
                            rest = tail;
                        }
                        // Never cached: nothing for the change log.
                        continue;
                    }
                    let affected = match write {
                        Write::Put { scope, kind, key, expect: Expect::Absent, data } => sqlx::query(
                            "INSERT INTO records (scope, kind, key, version, data) VALUES ($1, $2, $3, 1, $4) ON CONFLICT DO NOTHING",
                        )
                        .bind(scope)
                        .bind(kind)
                        .bind(key)
                        .bind(data)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected(),
                        Write::Put { scope, kind, key, expect: Expect::Version(v), data } => sqlx::query(
                            "UPDATE records SET data = $4, version = version + 1 WHERE scope = $1 AND kind = $2 AND key = $3 AND version = $5",
                        )
                        .bind(scope)
                        .bind(kind)
                        .bind(key)
                        .bind(data)
                        .bind(v)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected(),
                        Write::Delete { scope, kind, key, version } => sqlx::query(
                            "DELETE FROM records WHERE scope = $1 AND kind = $2 AND key = $3 AND version = $4",
                        )
                        .bind(scope)
                        .bind(kind)
                        .bind(key)
                        .bind(version)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected(),
                        Write::Append { .. } => unreachable!("appends are inserted above"),
                    };
                    if affected != 1 {
                        // Dropping `tx` rolls back every write of this commit.
                        return Err($crate::StoreError::Conflict);
                    }
                    let (scope, kind, key) = write.address();
                    sqlx::query("INSERT INTO changes (scope, kind, key, at_ms) VALUES ($1, $2, $3, $4)")
                        .bind(scope)
                        .bind(kind)
                        .bind(key)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn changes_since(
                &self,
                from: $crate::LogPosition,
                limit: usize,
            ) -> Result<Vec<$crate::Change>, $crate::StoreError> {
                let limit = i64::try_from(limit).unwrap_or(i64::MAX);
                let rows: Vec<(i64, i64, String, String, String)> = sqlx::query_as(concat!(
                    "SELECT tx, seq, scope, kind, key FROM changes WHERE (tx, seq) > ($1, $2) AND tx < ",
                    $horizon,
                    " ORDER BY tx, seq LIMIT $3"
                ))
                .bind(from.tx)
                .bind(from.seq)
                .bind(limit)
                .fetch_all(&self.read)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(tx, seq, scope, kind, key)| $crate::Change {
                        position: $crate::LogPosition { tx, seq },
                        scope,
                        kind,
                        key,
                    })
                    .collect())
            }

            async fn last_change(&self) -> Result<$crate::LogPosition, $crate::StoreError> {
                let row: Option<(i64, i64)> = sqlx::query_as(concat!(
                    "SELECT tx, seq FROM changes WHERE tx < ",
                    $horizon,
                    " ORDER BY tx DESC, seq DESC LIMIT 1"
                ))
                .fetch_optional(&self.read)
                .await?;
                Ok(row.map_or($crate::LogPosition::START, |(tx, seq)| $crate::LogPosition { tx, seq }))
            }

            async fn delete_after(&self, scope: &str, kind: &str, after: &str) -> Result<u64, $crate::StoreError> {
                Ok(sqlx::query("DELETE FROM records WHERE scope = $1 AND kind = $2 AND key > $3")
                    .bind(scope)
                    .bind(kind)
                    .bind(after)
                    .execute(&self.write)
                    .await?
                    .rows_affected())
            }

            async fn delete_appended_after(&self, scope: &str, kind: &str, after: &str) -> Result<u64, $crate::StoreError> {
                Ok(sqlx::query("DELETE FROM appended WHERE scope = $1 AND kind = $2 AND key > $3")
                    .bind(scope)
                    .bind(kind)
                    .bind(after)
                    .execute(&self.write)
                    .await?
                    .rows_affected())
            }

            async fn prune_changes(&self, before_ms: i64) -> Result<u64, $crate::StoreError> {
                Ok(sqlx::query("DELETE FROM changes WHERE at_ms < $1").bind(before_ms).execute(&self.write).await?.rows_affected())
            }

            async fn ping(&self) -> Result<(), $crate::StoreError> {
                sqlx::query("SELECT 1").execute(&self.read).await?;
                Ok(())
            }

            fn backend(&self) -> &'static str {
                $backend
            }
        }
    };
}

pub(crate) use sql_store;

/// Ties each store type to its sqlx database.
pub trait HasDb {
    /// The sqlx database.
    type Db: sqlx::Database;
}

impl HasDb for crate::SqliteStore {
    type Db = sqlx::Sqlite;
}

impl HasDb for crate::PostgresStore {
    type Db = sqlx::Postgres;
}

/// Row counts of the multi-row append statements, largest first.
const APPEND_CHUNKS: [usize; 5] = [128, 32, 8, 2, 1];

/// The statement appending the largest chunk of at most `pending` rows, and its row count.
pub(crate) fn append_statement(pending: usize) -> (&'static str, usize) {
    static STATEMENTS: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
        APPEND_CHUNKS
            .iter()
            .map(|&rows| {
                let values: Vec<String> = (0..rows)
                    .map(|r| {
                        let p = r * 4;
                        format!("(${}, ${}, ${}, ${})", p + 1, p + 2, p + 3, p + 4)
                    })
                    .collect();
                format!(
                    "INSERT INTO appended (scope, kind, key, data) VALUES {} ON CONFLICT DO NOTHING",
                    values.join(", ")
                )
            })
            .collect()
    });
    let i = APPEND_CHUNKS
        .iter()
        .position(|&rows| rows <= pending)
        .unwrap_or(APPEND_CHUNKS.len() - 1);
    (&STATEMENTS[i], APPEND_CHUNKS[i])
}

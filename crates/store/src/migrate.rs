//! Versioned schema migrations, embedded and run at start, each in its own transaction.
//!
//! Plain SQL files per backend under `migrations/`; the applied versions are kept in
//! `rolegate_schema_migrations`. (Hand-rolled rather than `sqlx::migrate!` to keep sqlx's
//! proc-macro crates out of the build; the format is the same: numbered, forward-only files.)

/// `(version, description, sql)` for SQLite.
pub const SQLITE: &[(i64, &str, &str)] = &[
    (
        1,
        "records",
        include_str!("../migrations/sqlite/0001_records.sql"),
    ),
    (
        2,
        "change order",
        include_str!("../migrations/sqlite/0002_change_order.sql"),
    ),
    (
        3,
        "appended records apart",
        include_str!("../migrations/sqlite/0003_appended.sql"),
    ),
];

/// `(version, description, sql)` for PostgreSQL.
pub const POSTGRES: &[(i64, &str, &str)] = &[
    (
        1,
        "records",
        include_str!("../migrations/postgres/0001_records.sql"),
    ),
    (
        2,
        "change order",
        include_str!("../migrations/postgres/0002_change_order.sql"),
    ),
    (
        3,
        "appended records apart",
        include_str!("../migrations/postgres/0003_appended.sql"),
    ),
];

/// The bookkeeping table, valid on both backends.
pub const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS rolegate_schema_migrations (\
    version BIGINT PRIMARY KEY, description TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)";

/// Splits a migration file into statements (our files contain no `;` inside literals).
pub fn statements(sql: &str) -> impl Iterator<Item = String> + '_ {
    sql.split(';')
        .map(|s| {
            s.lines()
                .filter(|l| !l.trim_start().starts_with("--"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .filter(|s| !s.trim().is_empty())
}

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

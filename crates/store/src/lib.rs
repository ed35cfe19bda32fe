//! Storage behind one narrow trait.
//!
//! Owns: durable, versioned records addressed by `(scope, kind, key)`, atomic multi-record
//! commits with optimistic preconditions, a change log every node reads to invalidate its
//! caches, and versioned schema migrations. Two backends: SQLite (embedded default; WAL,
//! `synchronous=FULL`) and PostgreSQL (several stateless nodes). [`conformance::run`] is the one
//! suite both must pass.
//!
//! Never: interprets IAM semantics (that is the service's), leaks driver types upward.
//!
//! Scopes are account ids (every entity is account-scoped) or [`GLOBAL`] for what is looked up
//! before the account is known (access key ids, accounts, keyrings).

use async_trait::async_trait;

mod backend;
pub mod conformance;
mod error;
mod migrate;
mod postgres;
pub mod record;
mod secret;
mod sqlite;

pub use error::StoreError;
pub use postgres::PostgresStore;
pub use record::Entity;
pub use secret::Secret;
pub use sqlite::SqliteStore;

/// The scope of records that are not inside an account.
pub const GLOBAL: &str = "";

/// A stored record. `Debug` leaves out the data (it may hold secrets).
#[derive(Clone, PartialEq, Eq)]
pub struct Record {
    /// Account id, or [`GLOBAL`].
    pub scope: String,
    /// Entity kind (see [`record::kind`]).
    pub kind: String,
    /// The key within (scope, kind); for named entities the lowercased name.
    pub key: String,
    /// Starts at 1 and grows by one with every write.
    pub version: i64,
    /// The serialized entity (JSON).
    pub data: String,
}

/// What a write expects to find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The record must not exist (a create).
    Absent,
    /// The record must be at exactly this version (an update or delete).
    Version(i64),
}

/// One write of a commit. `Debug` leaves out the data (it may hold secrets).
#[derive(Clone, PartialEq, Eq)]
pub enum Write {
    /// Create or replace.
    Put {
        /// Scope.
        scope: String,
        /// Kind.
        kind: String,
        /// Key.
        key: String,
        /// Precondition.
        expect: Expect,
        /// New data.
        data: String,
    },
    /// Delete.
    Delete {
        /// Scope.
        scope: String,
        /// Kind.
        kind: String,
        /// Key.
        key: String,
        /// The version that must be current.
        version: i64,
    },
    /// Create an appended record: one that is never changed, never cached and never read
    /// through the change log (an audit event). It fails like a `Put` expecting
    /// [`Expect::Absent`] when its address is taken, but it is not entered in the change log,
    /// so other nodes have nothing to invalidate. Appended records are kept apart from the
    /// others — an address may hold one of each — and are read only with
    /// [`Store::list_appended`] and [`Store::scan_appended`]; they leave only through
    /// [`Store::delete_appended_after`].
    Append {
        /// Scope.
        scope: String,
        /// Kind.
        kind: String,
        /// Key.
        key: String,
        /// Data.
        data: String,
    },
}

impl std::fmt::Debug for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Record")
            .field("scope", &self.scope)
            .field("kind", &self.kind)
            .field("key", &self.key)
            .field("version", &self.version)
            .field("data", &Redacted(self.data.len()))
            .finish()
    }
}

impl std::fmt::Debug for Write {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Write::Put {
                scope,
                kind,
                key,
                expect,
                data,
            } => f
                .debug_struct("Put")
                .field("scope", scope)
                .field("kind", kind)
                .field("key", key)
                .field("expect", expect)
                .field("data", &Redacted(data.len()))
                .finish(),
            Write::Delete {
                scope,
                kind,
                key,
                version,
            } => f
                .debug_struct("Delete")
                .field("scope", scope)
                .field("kind", kind)
                .field("key", key)
                .field("version", version)
                .finish(),
            Write::Append {
                scope,
                kind,
                key,
                data,
            } => f
                .debug_struct("Append")
                .field("scope", scope)
                .field("kind", kind)
                .field("key", key)
                .field("data", &Redacted(data.len()))
                .finish(),
        }
    }
}

/// Stands in for record data in `Debug` output.
struct Redacted(usize);

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{} bytes>", self.0)
    }
}

impl Write {
    /// (scope, kind, key) of the write.
    pub fn address(&self) -> (&str, &str, &str) {
        match self {
            Write::Put {
                scope, kind, key, ..
            }
            | Write::Delete {
                scope, kind, key, ..
            }
            | Write::Append {
                scope, kind, key, ..
            } => (scope, kind, key),
        }
    }
}

/// A place in the change log. The log is read in this order, `(tx, seq)`: `tx` orders
/// transactions (PostgreSQL: the writing transaction's id; SQLite, one writer at a time: 0),
/// `seq` the changes of one transaction (and, on SQLite, all of them).
///
/// INVARIANT: once [`Store::changes_since`] or [`Store::last_change`] has returned a position,
/// no change is ever committed at or before it. A reader that always goes on from the last
/// position it got therefore sees every committed change exactly once, however commits
/// interleave.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LogPosition {
    /// The transaction's place.
    pub tx: i64,
    /// The change's place within it.
    pub seq: i64,
}

impl LogPosition {
    /// Before every change.
    pub const START: LogPosition = LogPosition { tx: 0, seq: 0 };
}

/// A committed change, read back from the change log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Position in the log.
    pub position: LogPosition,
    /// Scope.
    pub scope: String,
    /// Kind.
    pub kind: String,
    /// Key.
    pub key: String,
}

/// What [`Store::scan_appended`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scanned {
    /// The records that hold the needle, in key order.
    pub found: Vec<Record>,
    /// How many records were examined.
    pub examined: usize,
    /// The key of the last record examined (`None` when none was).
    pub last: Option<String>,
}

/// The storage contract. Every method is atomic; [`Store::commit`] applies all of its writes or
/// none, and fails with [`StoreError::Conflict`] when any precondition does not hold.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// One record.
    async fn get(&self, scope: &str, kind: &str, key: &str) -> Result<Option<Record>, StoreError>;
    /// Up to `limit` records of a kind with key > `after`, in byte order of key.
    async fn list(
        &self,
        scope: &str,
        kind: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Record>, StoreError>;
    /// Up to `limit` appended records ([`Write::Append`]) of a kind with key > `after`, in byte
    /// order of key; their version is always 1.
    async fn list_appended(
        &self,
        scope: &str,
        kind: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Record>, StoreError>;
    /// Examines up to `scan` appended records of a kind with key > `after`, in byte order of key, and
    /// returns those whose data contains `needle` (plain bytes, case-sensitive), in key order,
    /// with how many were examined and the key of the last one: a bounded search the
    /// database runs without handing every record over (audit lookups of rare values).
    async fn scan_appended(
        &self,
        scope: &str,
        kind: &str,
        after: Option<&str>,
        needle: &str,
        scan: usize,
    ) -> Result<Scanned, StoreError>;
    /// Applies every write or none.
    async fn commit(&self, writes: &[Write]) -> Result<(), StoreError>;
    /// Committed changes after `from`, in log order, at most `limit`. Never a change of a
    /// transaction that could still be followed by an earlier one (see [`LogPosition`]): on
    /// PostgreSQL the log is read only below the oldest transaction still in progress, so a
    /// transaction held open delays what comes after it, and skips nothing.
    async fn changes_since(
        &self,
        from: LogPosition,
        limit: usize,
    ) -> Result<Vec<Change>, StoreError>;
    /// Where a new reader starts: the position of the newest change [`Store::changes_since`]
    /// can return now ([`LogPosition::START`] when there is none). A change committed later
    /// lies after it.
    async fn last_change(&self) -> Result<LogPosition, StoreError>;
    /// Deletes the versioned records of a kind in a scope whose key sorts after `after`, and
    /// returns how many there were: expiry for records keyed newest first that no node caches
    /// (the federation failure counts). The deletions are not entered in the change log.
    async fn delete_after(&self, scope: &str, kind: &str, after: &str) -> Result<u64, StoreError>;
    /// Deletes the appended records of a kind in a scope whose key sorts after `after`, and
    /// returns how many there were: retention for appended records whose keys order newest
    /// first (audit events). Like the appends, the deletions are not entered in the change log.
    async fn delete_appended_after(
        &self,
        scope: &str,
        kind: &str,
        after: &str,
    ) -> Result<u64, StoreError>;
    /// Deletes change-log entries older than `before_ms` (unix milliseconds).
    async fn prune_changes(&self, before_ms: i64) -> Result<u64, StoreError>;
    /// Whether the database answers.
    async fn ping(&self) -> Result<(), StoreError>;
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
}

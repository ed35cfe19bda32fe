//! Storage errors; driver errors are turned into these and never cross the crate boundary.

/// A storage failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A commit precondition did not hold (a concurrent writer got there first).
    #[error("a concurrent write changed the record")]
    Conflict,
    /// The database could not be reached or failed.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// A stored record could not be read back.
    #[error("stored record is corrupt: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Unavailable(e.to_string())
    }
}

//! Why a request failed authentication, mapped by the caller onto AWS's error codes.

/// An authentication failure. The message is AWS's wording and never contains a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct AuthError {
    kind: AuthErrorKind,
    message: String,
}

/// The AWS error family of an [`AuthError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthErrorKind {
    /// No `Authorization` header and no presigned query: `MissingAuthenticationToken`.
    Missing,
    /// The authorization is malformed: `IncompleteSignature`.
    Incomplete,
    /// The signature, scope or time does not check out: `SignatureDoesNotMatch`.
    SignatureDoesNotMatch,
    /// The request mixes header and query authentication or repeats a parameter: `InvalidParameterValue`.
    InvalidParameter,
}

impl AuthError {
    pub(crate) fn new(kind: AuthErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// The error family.
    pub fn kind(&self) -> AuthErrorKind {
        self.kind
    }

    /// AWS's message for it.
    pub fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn incomplete(message: impl Into<String>) -> Self {
        Self::new(AuthErrorKind::Incomplete, message)
    }

    pub(crate) fn mismatch(message: impl Into<String>) -> Self {
        Self::new(AuthErrorKind::SignatureDoesNotMatch, message)
    }
}

//! Why a document was refused. The message is AWS's `MalformedPolicyDocument` wording; the
//! location (a JSON pointer) is for logs and explanations.

/// A refused policy document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    message: String,
    location: String,
}

impl ParseError {
    pub(crate) fn new(message: impl Into<String>, location: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            location: location.into(),
        }
    }

    pub(crate) fn syntax(location: impl Into<String>) -> Self {
        Self::new("Syntax errors in policy.", location)
    }

    /// AWS's message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where in the document (`/Statement/1/Action`).
    pub fn location(&self) -> &str {
        &self.location
    }
}

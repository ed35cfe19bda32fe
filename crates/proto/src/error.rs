//! Why a request could not be decoded into an operation.

/// A decoding failure; each maps to one AWS error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// No `Action` parameter: `MissingAction`.
    #[error("Request is missing Action")]
    MissingAction,
    /// Unknown action or wrong version: `InvalidAction`.
    #[error("Could not find operation {action} for version {version}")]
    InvalidAction {
        /// The action sent.
        action: String,
        /// The version sent.
        version: String,
    },
    /// A parameter appears twice: `InvalidParameterValue` (never "either").
    #[error("The parameter `{0}` appears more than once")]
    DuplicateParameter(String),
    /// Model constraint violations: `ValidationError`, in AWS's format.
    #[error("{}", format_violations(.0))]
    Validation(Vec<String>),
    /// A JSON target or a REST route naming no operation: `UnknownOperationException`.
    #[error("The operation {0} is not known.")]
    UnknownOperation(String),
    /// A JSON body that is not the input shape: `SerializationException`.
    #[error("{0}")]
    Serialization(String),
    /// The form body is not `application/x-www-form-urlencoded` UTF-8: `MalformedQueryString`.
    #[error("{0}")]
    Malformed(String),
}

/// Violations listed in one message at most (the count is always the whole): a request that
/// breaks a constraint in every one of thousands of list items gets a bounded answer.
const MAX_LISTED_VIOLATIONS: usize = 100;

fn format_violations(v: &[String]) -> String {
    let n = v.len();
    let noun = if n == 1 { "error" } else { "errors" };
    let listed = v.get(..MAX_LISTED_VIOLATIONS).unwrap_or(v);
    format!("{n} validation {noun} detected: {}", listed.join("; "))
}

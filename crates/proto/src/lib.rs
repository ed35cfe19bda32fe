//! The wire: protocol-neutral shapes of every operation's input and output, and one codec per
//! AWS protocol (awsQuery for IAM and STS, AWS JSON 1.0/1.1, REST-JSON).
//!
//! Owns: the shapes ([`Shape`], declared with `structure!` beside each typed struct), the
//! neutral [`Value`] every codec reads and writes, the typed members ([`Field`]: decoding with
//! AWS's `ValidationError` wording, constraint checks), the operations table ([`Operation`]),
//! the codecs ([`codec`], [`xml`]), and the table of AWS error codes ([`ErrorCode`]). It holds
//! no business rules and does no I/O.
//!
//! <https://smithy.io/2.0/aws/protocols/index.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/programming.html>

pub mod codec;
pub mod constraint;
pub mod dto;
mod error;
mod error_code;
pub mod field;
mod operation;
mod params;
mod secret;
pub mod shape;
pub mod types;
mod value;
pub mod xml;

pub use error::DecodeError;
pub use error_code::{ErrorCode, Fault};
pub use field::Field;
pub use operation::{Operation, OperationInfo, Service};
pub use params::Params;
pub use secret::Secret;
pub use shape::Shape;
pub use value::{REDACTED, Value, holds_private_key, redacted};

/// IAM's API version and XML namespace.
pub const IAM_VERSION: &str = "2010-05-08";
/// STS's API version.
pub const STS_VERSION: &str = "2011-06-15";
/// IAM's XML namespace.
pub const IAM_NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
/// STS's XML namespace.
pub const STS_NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

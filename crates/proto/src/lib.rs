//! The awsQuery wire protocol of IAM (`2010-05-08`) and STS (`2011-06-15`).
//!
//! Owns: decoding form parameters into a typed [`Operation`] (with AWS's `ValidationError`
//! messages for the model's constraints), rendering outputs and errors as the XML that
//! botocore and the AWS SDKs parse, and the table of AWS error codes ([`ErrorCode`]).
//! It holds no business rules and does no I/O.
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/programming.html>,
//! <https://smithy.io/2.0/aws/protocols/aws-query-protocol.html>

pub mod constraint;
pub mod dto;
mod error;
mod error_code;
pub mod field;
mod operation;
mod params;
mod secret;
pub mod xml;

pub use error::DecodeError;
pub use error_code::{ErrorCode, Fault};
pub use field::{Field, Struct};
pub use operation::{Operation, Service};
pub use params::Params;
pub use secret::Secret;

/// IAM's API version and XML namespace.
pub const IAM_VERSION: &str = "2010-05-08";
/// STS's API version.
pub const STS_VERSION: &str = "2011-06-15";
/// IAM's XML namespace.
pub const IAM_NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
/// STS's XML namespace.
pub const STS_NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

//! One codec per AWS protocol: each turns a request into a [`crate::Value`] of the operation's
//! input shape and an output or error back into the protocol's response. What a protocol
//! does differently (awsQuery's `member` lists and URL-encoded policy documents, JSON's epoch
//! timestamps) lives in its codec and nowhere else.
//!
//! <https://smithy.io/2.0/aws/protocols/index.html>

pub mod json;
pub mod query;
pub mod rest_json;

/// The protocols Rolegate speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// awsQuery: form parameters in, XML out (IAM, STS).
    AwsQuery,
    /// AWS JSON 1.0: `X-Amz-Target`, `application/x-amz-json-1.0`.
    AwsJson1_0,
    /// AWS JSON 1.1: `X-Amz-Target`, `application/x-amz-json-1.1` (Organizations, CloudTrail).
    AwsJson1_1,
    /// REST-JSON (`restJson1`): method, path, query and headers bind members, the rest is a
    /// JSON body; errors name their code in `X-Amzn-ErrorType`.
    RestJson1,
}

impl Protocol {
    /// The response's content type.
    pub fn content_type(self) -> &'static str {
        match self {
            Protocol::AwsQuery => "text/xml",
            Protocol::AwsJson1_0 => "application/x-amz-json-1.0",
            Protocol::AwsJson1_1 => "application/x-amz-json-1.1",
            Protocol::RestJson1 => "application/json",
        }
    }
}

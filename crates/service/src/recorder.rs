//! The record step: every exchange ends here — success or failure, authentication failures
//! included — with who called, what, its input and its outcome (secrets redacted), and where
//! from. The audit trail (`crate::audit`, switched on with
//! [`crate::Service::with_audit_trail`]) stores it durably; a further [`Recorder`] may be
//! installed with [`crate::Service::set_recorder`].
//!
//! <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html>

use std::net::IpAddr;

use rolegate_proto::{Service as Api, Value};
use time::OffsetDateTime;

use crate::Caller;

/// One exchange, as it ended.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    /// The request id the response carries.
    pub request_id: &'a str,
    /// When the request arrived.
    pub time: OffsetDateTime,
    /// The client's address.
    pub source_ip: Option<IpAddr>,
    /// `User-Agent`.
    pub user_agent: Option<&'a str>,
    /// The signing region, once the signature was read.
    pub region: Option<&'a str>,
    /// The service and operation, once the request was routed.
    pub operation: Option<(Api, &'static str)>,
    /// Who called: `None` before authentication succeeded, and for unsigned calls.
    pub caller: Option<&'a Caller>,
    /// When authentication failed on the signature of a key that exists: the key's owner
    /// (not authenticated: what the request claimed). The attempt is recorded in that
    /// account under the key's own bound ([`crate::audit::anonymous`]).
    pub claimed: Option<&'a Caller>,
    /// The decoded input, secrets replaced by [`rolegate_proto::REDACTED`].
    pub input: Option<&'a Value>,
    /// The output (secrets redacted; `None` when it has no members), or the error.
    pub outcome: Result<Option<Value>, Failure<'a>>,
    /// The TLS connection the request came over, when Rolegate terminated it.
    pub tls: Option<TlsDetails<'a>>,
    /// A data event: a decision another front end (the S3 gateway) made on a resource, in
    /// place of `operation`.
    pub data: Option<DataEvent<'a>>,
}

/// A data event: one authorization decision of a resource server (the S3 gateway), recorded
/// as CloudTrail records S3 object- and bucket-level operations (`eventCategory` `Data`,
/// `managementEvent` false, the resources acted on).
///
/// <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html>
#[derive(Debug, Clone)]
pub struct DataEvent<'a> {
    /// `s3.amazonaws.com`.
    pub event_source: &'static str,
    /// The operation (`GetObject`).
    pub event_name: &'a str,
    /// Whether the operation only reads.
    pub read_only: bool,
    /// The resources, as (type, ARN): `("AWS::S3::Object", "arn:aws:s3:::b/k")`.
    pub resources: &'a [(&'static str, String)],
}

/// CloudTrail's `tlsDetails`: the TLS version and cipher suite the connection negotiated,
/// and the `Host` header the client sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsDetails<'a> {
    /// `TLSv1.3`.
    pub version: &'a str,
    /// `TLS_AES_128_GCM_SHA256` (TLS 1.3) or OpenSSL's name (`ECDHE-RSA-AES128-GCM-SHA256`).
    pub cipher_suite: &'a str,
    /// The `Host` header.
    pub host: Option<&'a str>,
}

/// How an exchange failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure<'a> {
    /// AWS's error code.
    pub code: &'static str,
    /// The message the client saw.
    pub message: &'a str,
}

/// Where records go besides the audit trail (an observer: a log shipper, a test).
#[async_trait::async_trait]
pub trait Recorder: Send + Sync {
    /// Keeps one record, before the response is rendered. An error fails the call with
    /// `ServiceUnavailable` (fail closed: no call goes unrecorded).
    async fn record(&self, record: &Record<'_>) -> crate::Result<()>;
}

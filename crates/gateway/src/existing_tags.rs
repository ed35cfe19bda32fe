//! `s3:ExistingObjectTag/<key>`: the current tags of the object a request acts on, read from
//! the backend (GetObjectTagging with the backend's key) for the actions AWS gives the key to,
//! and only when a policy that takes part in the decision reads the key
//! ([`rolegate_service::Service::policies_read_key`]) — a request no such policy can be about
//! costs no backend call. Never cached: a retagged object is decided by its new tags.
//!
//! The tags read are those of the very object the request targets: the bucket and key the
//! gateway authorizes and forwards (already refused when the backend could read the key as
//! another, [`crate::actions::aliasing`]), and the version the request names, if it names one.
//! A missing object has no tags (the operation then fails at the backend as AWS's would).
//!
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/tagging-and-policies.html>
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html>

use rolegate_policy::ContextValue;
use s3s::{S3Error, S3ErrorCode, S3Result};

/// The prefix of the condition key.
pub const KEY_PREFIX: &str = "s3:ExistingObjectTag/";

/// The actions the Service Authorization Reference gives `s3:ExistingObjectTag/<key>` (of
/// those that act on an object that already exists). PutObject, DeleteObject and
/// DeleteObjectVersion are not among them: AWS does not decide writes and deletes by the tags
/// they overwrite.
pub const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:GetObjectAcl",
    "s3:GetObjectVersionAcl",
    "s3:GetObjectAttributes",
    "s3:GetObjectVersionAttributes",
    "s3:GetObjectTagging",
    "s3:GetObjectVersionTagging",
    "s3:PutObjectTagging",
    "s3:PutObjectVersionTagging",
    "s3:DeleteObjectTagging",
    "s3:DeleteObjectVersionTagging",
    "s3:PutObjectAcl",
    "s3:PutObjectVersionAcl",
    "s3:GetObjectRetention",
    "s3:GetObjectLegalHold",
    "s3:PutObjectRetention",
    "s3:PutObjectLegalHold",
    "s3:RestoreObject",
];

/// Whether `action` carries the key (compared without case, as actions are).
pub fn applies_to(action: &str) -> bool {
    ACTIONS.iter().any(|a| a.eq_ignore_ascii_case(action))
}

/// The existing object a decision is about, as the backend names it.
#[derive(Debug, Clone, Copy)]
pub struct Existing<'a> {
    /// The version the request names (`versionId`), else the current one.
    pub version_id: Option<&'a str>,
}

/// Reads objects' tags from the backend.
#[derive(Clone)]
pub(crate) struct ObjectTags {
    pub client: aws_sdk_s3::Client,
}

fn unavailable(e: impl std::fmt::Display) -> S3Error {
    tracing::warn!(error = %e, "the backend could not say which tags the object has");
    S3Error::with_message(
        S3ErrorCode::ServiceUnavailable,
        "The storage backend could not report the object's tags. Please try again.",
    )
}

impl ObjectTags {
    /// The object's tags as `s3:ExistingObjectTag/<key>` context keys: none for a missing
    /// object; any other failure of the backend is 503 (nothing is decided without them).
    /// Tag keys that differ only in case would be one condition key with two values: such an
    /// object is refused (`AccessDenied`) rather than decided by either.
    pub async fn context(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
    ) -> S3Result<Vec<(String, ContextValue)>> {
        let answer = self
            .client
            .get_object_tagging()
            .bucket(bucket)
            .key(key)
            .set_version_id(version_id.map(str::to_owned))
            .send()
            .await;
        let tags = match answer {
            Ok(out) => out.tag_set,
            Err(aws_sdk_s3::error::SdkError::ServiceError(se))
                if se.raw().status().as_u16() == 404 =>
            {
                return Ok(Vec::new());
            }
            Err(e) => return Err(unavailable(aws_sdk_s3::error::DisplayErrorContext(&e))),
        };
        let mut out: Vec<(String, ContextValue)> = Vec::with_capacity(tags.len());
        for t in tags {
            let name = format!("{KEY_PREFIX}{}", t.key);
            let folded = rolegate_policy::request::fold_key(&name);
            if out
                .iter()
                .any(|(n, _)| rolegate_policy::request::fold_key(n) == folded)
            {
                tracing::info!(
                    bucket,
                    key,
                    "denied: the object's tag keys differ only in case"
                );
                return Err(crate::access::denied(
                    "Access Denied: the object has tag keys that differ only in case",
                ));
            }
            out.push((name, ContextValue::Single(t.value)));
        }
        Ok(out)
    }
}

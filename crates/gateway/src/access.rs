//! Authorization of every S3 request, before its body is read or anything reaches the
//! backend: the operation's row of [`crate::actions::TABLE`] (no row: denied), the bucket's
//! owner and bucket policy from [`crate::buckets`], and Rolegate's one evaluation path
//! ([`Service::authorize_access`]: identity policies, groups, permissions boundary, session
//! policies, SCPs and RCPs, and the bucket policy with AWS's same- and cross-account rules).
//!
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/how-s3-evaluates-access-control.html>

use std::{net::IpAddr, sync::Arc};

use rolegate_policy::ContextValue;
use rolegate_service::{
    Identity, Record, RequestEnv, Service, ServiceError,
    authorize::{Resource, Target},
    recorder::{DataEvent, Failure},
};
use s3s::{
    S3Error, S3ErrorCode, S3Result,
    access::{S3Access, S3AccessContext},
    path::S3Path,
};

use crate::{
    actions::{self, Extra, On},
    authn::Resolved,
    buckets::Buckets,
    existing_tags::{self, Existing, ObjectTags},
};

/// Where the request came from (set by the server from the connection or a trusted proxy).
#[derive(Debug, Clone, Copy)]
pub struct Origin {
    /// `aws:SourceIp`.
    pub ip: IpAddr,
    /// `aws:SecureTransport`.
    pub secure: bool,
}

/// The request's facts for policies.
#[derive(Debug, Clone)]
pub(crate) struct Env {
    pub env: RequestEnv,
}

/// Decides requests.
#[derive(Clone)]
pub(crate) struct Authorizer {
    pub service: Arc<Service>,
    pub buckets: Buckets,
    /// The backend's view of objects' current tags (`s3:ExistingObjectTag/*`).
    pub tags: ObjectTags,
}

/// S3's AccessDenied with `message`.
pub(crate) fn denied(message: impl Into<String>) -> S3Error {
    S3Error::with_message(S3ErrorCode::AccessDenied, message.into())
}

fn internal(e: impl std::fmt::Display) -> S3Error {
    tracing::error!(error = %e, "S3 gateway authorization failed");
    S3Error::with_message(
        S3ErrorCode::InternalError,
        "We encountered an internal error. Please try again.",
    )
}

impl Authorizer {
    /// Whether `resolved` may do `action` on `bucket` (and `key`), with further condition
    /// keys. A bucket no record names is denied (it belongs to no account). `existing`: the
    /// decision is about that object as it is now (not one the request writes), so an action
    /// AWS gives `s3:ExistingObjectTag/*` to carries its current tags when a policy of the
    /// decision reads them ([`crate::existing_tags`]).
    #[allow(
        clippy::too_many_arguments,
        reason = "the operation, action and resource of one decision"
    )]
    pub async fn allow(
        &self,
        resolved: &Resolved,
        env: &RequestEnv,
        op: &str,
        action: &str,
        bucket: Option<&str>,
        key: Option<&str>,
        context: Vec<(String, ContextValue)>,
        existing: Option<Existing<'_>>,
    ) -> S3Result<()> {
        let resource = match bucket {
            Some(b) => actions::resource_arn(b, key),
            None => "arn:aws:s3:::*".to_owned(),
        };
        let mut target = Target::new(action, resource);
        target.context = context;
        // CreateBucket is on the caller's own account, whoever holds the name (taken names
        // are answered BucketAlreadyExists, as AWS does, once authorized).
        let record = match bucket {
            Some(b) if action != "s3:CreateBucket" => {
                self.buckets.get(b).await.map_err(internal)?
            }
            _ => None,
        };
        let owner;
        let policy;
        let label;
        let resource = match (&record, bucket) {
            (Some((b, _)), Some(name)) => {
                owner = b.account.clone();
                label = actions::resource_arn(name, None);
                policy = match &b.policy {
                    // The owner account's root manages the bucket policy whatever it says
                    // (AWS's lockout protection).
                    Some(_) if owner_root_manages_policy(resolved, &owner, action) => None,
                    Some(text) => Some(rolegate_service::iam::bind_principals(
                        self.service.parse_resource_policy(text).map_err(internal)?,
                        &b.principal_ids,
                    )),
                    None => None,
                };
                let r = Resource::in_account(&owner);
                Some(match &policy {
                    Some(p) => r.with_policy(&label, p),
                    None => r,
                })
            }
            // CreateBucket and ListBuckets are on the caller's own account.
            (None, _) if action == "s3:CreateBucket" || bucket.is_none() => None,
            _ => {
                tracing::info!(principal = %resolved.caller.arn(), action, bucket, "denied: the bucket belongs to no account");
                return Err(denied("Access Denied"));
            }
        };
        if let (Some(existing), Some(b), Some(k)) = (existing, bucket, key)
            && existing_tags::applies_to(action)
            && self
                .service
                .policies_read_key(&resolved.caller, resource, existing_tags::KEY_PREFIX)
                .await
                .map_err(internal)?
        {
            let tags = self.tags.context(b, k, existing.version_id).await?;
            target.context.extend(tags);
        }
        let decision = match self
            .service
            .authorize_access(&resolved.caller, &target, resource, env)
            .await
        {
            Ok(()) => Ok(()),
            Err(ServiceError::Denied { message, .. } | ServiceError::AccessDenied(message)) => {
                Err(denied(message))
            }
            Err(e @ ServiceError::InvalidInput(_)) => {
                return Err(S3Error::with_message(
                    S3ErrorCode::InvalidArgument,
                    e.to_string(),
                ));
            }
            Err(e) => return Err(internal(e)),
        };
        self.record(
            resolved,
            env,
            op,
            &target.resource,
            key.is_some(),
            &decision,
        )
        .await?;
        decision
    }

    /// Records one decision in the audit trail as a data event (fail closed: a decision that
    /// cannot be recorded is not acted on).
    pub(crate) async fn record(
        &self,
        resolved: &Resolved,
        env: &RequestEnv,
        op: &str,
        resource: &str,
        object: bool,
        decision: &S3Result<()>,
    ) -> S3Result<()> {
        if !self.service.recording() {
            return Ok(());
        }
        let kind = if object {
            "AWS::S3::Object"
        } else {
            "AWS::S3::Bucket"
        };
        let resources = [(kind, resource.to_owned())];
        let message = decision
            .as_ref()
            .err()
            .and_then(|e| e.message().map(str::to_owned))
            .unwrap_or_default();
        let code = decision.as_ref().err().map(|e| match e.code() {
            S3ErrorCode::MethodNotAllowed => "MethodNotAllowed",
            _ => "AccessDenied",
        });
        let outcome = match code {
            None => Ok(None),
            Some(code) => Err(Failure {
                code,
                message: &message,
            }),
        };
        let record = Record {
            request_id: &env.request_id,
            time: env.now,
            source_ip: env.source_ip,
            user_agent: env.user_agent.as_deref(),
            region: Some(&resolved.region),
            operation: None,
            caller: Some(&resolved.caller),
            claimed: None,
            input: None,
            outcome,
            tls: None,
            data: Some(DataEvent {
                event_source: "s3.amazonaws.com",
                event_name: op,
                read_only: ["Get", "Head", "List"].iter().any(|p| op.starts_with(p)),
                resources: if resource == "arn:aws:s3:::*" {
                    &[]
                } else {
                    &resources
                },
            }),
        };
        self.service.record(record).await.map_err(|e| {
            tracing::error!(error = %e, "the audit trail could not record an S3 decision");
            S3Error::with_message(
                S3ErrorCode::ServiceUnavailable,
                "Please reduce your request rate.",
            )
        })
    }
}

/// The bucket policy calls, which AWS keeps to the bucket owner's account.
const POLICY_ACTIONS: &[&str] = &[
    "s3:GetBucketPolicy",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
];

/// Whether the caller is the root user of the account owning the bucket, managing its bucket
/// policy: AWS lets it do so even when the bucket policy denies it, so that no policy can lock
/// the owner out (its identity-side rules, SCPs included, still apply).
///
/// <https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html>
fn owner_root_manages_policy(resolved: &Resolved, owner: &str, action: &str) -> bool {
    POLICY_ACTIONS.contains(&action)
        && resolved.caller.account == owner
        && matches!(resolved.caller.identity, Identity::Root)
}

/// S3's InvalidArgument for a key, copy source or prefix a backend may alias.
fn aliased(what: &str, reason: &str) -> S3Error {
    S3Error::with_message(
        S3ErrorCode::InvalidArgument,
        format!(
            "The {what} {reason}; the S3 gateway refuses it because the storage backend may resolve it to another object key"
        ),
    )
}

/// Refuses `key` ([`actions::aliasing`]).
pub(crate) fn check_key(what: &str, key: &str) -> S3Result<()> {
    match actions::aliasing(key) {
        Some(reason) => Err(aliased(what, reason)),
        None => Ok(()),
    }
}

/// `s3s`'s access hook: every operation is checked here, once its path and signature are
/// known and before its body is read.
pub(crate) struct Access {
    pub authorizer: Authorizer,
}

#[async_trait::async_trait]
impl S3Access for Access {
    async fn check(&self, cx: &mut S3AccessContext<'_>) -> S3Result<()> {
        let op = cx.s3_op().name().to_owned();
        let op = op.as_str();
        let (Some(resolved), Some(env)) = (
            cx.extensions_mut().get::<Arc<Resolved>>().cloned(),
            cx.extensions_mut().get::<Env>().cloned(),
        ) else {
            return Err(denied("Access Denied"));
        };
        // s3s verified the signature with the secret of this very key.
        match cx.credentials() {
            Some(c) if c.access_key == resolved.caller.access_key_id => {}
            _ => return Err(denied("Access Denied")),
        }
        let Some(rule) = actions::rule(op) else {
            tracing::info!(principal = %resolved.caller.arn(), op, "denied: the S3 gateway does not serve this operation");
            return Err(denied(format!(
                "User: {} is not authorized to perform: {op}: the S3 gateway does not serve this operation",
                resolved.caller.arn()
            )));
        };
        let (bucket, key) = match cx.s3_path() {
            S3Path::Root => (None, None),
            S3Path::Bucket { bucket } => (Some(bucket.to_string()), None),
            S3Path::Object { bucket, key } => (Some(bucket.to_string()), Some(key.to_string())),
        };
        match (rule.on, &bucket, &key) {
            (On::Account, _, _) | (On::Bucket, Some(_), _) | (On::Object, Some(_), Some(_)) => {}
            _ => return Err(denied("Access Denied")),
        }
        let query = actions::query(cx.uri());
        // Before any decision: the key, copy source and list prefix are the ones the backend
        // acts on, or the request is refused.
        if let Some(k) = &key {
            check_key("object key", k)?;
        }
        if let Some((_, prefix)) = query.iter().find(|(k, _)| k == "prefix") {
            check_key("prefix", prefix)?;
        }
        let source = if rule.extra == Extra::CopySource {
            let Some(source) = actions::copy_source(cx.headers()) else {
                return Err(S3Error::with_message(
                    S3ErrorCode::InvalidArgument,
                    "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
                ));
            };
            check_key("copy source key", &source.key)?;
            Some(source)
        } else {
            None
        };
        let context = actions::condition_keys(rule, &query, cx.headers(), &resolved.signature);
        let key = if rule.on == On::Object {
            key.as_deref()
        } else {
            None
        };
        if rule.extra == Extra::PerKey {
            // DeleteObjects: each key is decided when the body is read; the bucket must
            // belong to someone.
            if let Some(b) = &bucket
                && self
                    .authorizer
                    .buckets
                    .get(b)
                    .await
                    .map_err(internal)?
                    .is_none()
            {
                return Err(denied("Access Denied"));
            }
            return Ok(());
        }
        if POLICY_ACTIONS.contains(&rule.action)
            && let Some(b) = &bucket
        {
            self.policy_call(&resolved, &env.env, rule, b).await?;
        }
        // The object as it is now, unless the request writes it anew (AWS does not decide a
        // write by the tags it overwrites).
        let version_id = query
            .iter()
            .find(|(k, _)| k == "versionId")
            .map(|(_, v)| v.as_str());
        let existing = (!actions::writes_object(rule.op)).then_some(Existing { version_id });
        for action in actions::required_actions(rule, &query, cx.headers()) {
            self.authorizer
                .allow(
                    &resolved,
                    &env.env,
                    rule.op,
                    action,
                    bucket.as_deref(),
                    key,
                    context.clone(),
                    existing,
                )
                .await?;
        }
        if let Some(source) = source {
            let facts = &resolved.signature;
            let action = if source.version_id.is_some() {
                "s3:GetObjectVersion"
            } else {
                "s3:GetObject"
            };
            let get = actions::Rule {
                op: rule.op,
                action,
                on: On::Object,
                extra: Extra::None,
            };
            let context = actions::condition_keys(&get, &[], &http::HeaderMap::new(), facts);
            self.authorizer
                .allow(
                    &resolved,
                    &env.env,
                    rule.op,
                    action,
                    Some(&source.bucket),
                    Some(&source.key),
                    context,
                    Some(Existing {
                        version_id: source.version_id.as_deref(),
                    }),
                )
                .await?;
        }
        Ok(())
    }
}

impl Access {
    /// The bucket policy calls are the owner account's: another account's principal is
    /// answered 405 MethodNotAllowed, as AWS does, whatever the bucket policy grants it.
    async fn policy_call(
        &self,
        resolved: &Resolved,
        env: &RequestEnv,
        rule: &actions::Rule,
        bucket: &str,
    ) -> S3Result<()> {
        let Some((record, _)) = self
            .authorizer
            .buckets
            .get(bucket)
            .await
            .map_err(internal)?
        else {
            return Ok(()); // denied by `allow`: the bucket belongs to no account
        };
        if record.account == resolved.caller.account {
            return Ok(());
        }
        let refused: S3Result<()> = Err(S3Error::with_message(
            S3ErrorCode::MethodNotAllowed,
            "The specified method is not allowed against this resource.",
        ));
        tracing::info!(principal = %resolved.caller.arn(), op = rule.op, bucket, "refused: bucket policy calls belong to the bucket owner's account");
        self.authorizer
            .record(
                resolved,
                env,
                rule.op,
                &actions::resource_arn(bucket, None),
                false,
                &refused,
            )
            .await?;
        refused
    }
}

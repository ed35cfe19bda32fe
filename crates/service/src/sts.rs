//! STS: temporary credentials. One file per operation family; what they share lives here:
//! issuing a session (token, access key id, secret, expiry), session policies and their packed
//! size, session tags, and MFA codes.
//!
//! <https://docs.aws.amazon.com/STS/latest/APIReference/welcome.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_request.html>

mod access_key_info;
mod assume_role;
mod assume_root;
mod authenticate;
mod authorization_message;
mod caller_identity;
mod delegated_access;
mod federation_token;
mod saml;
mod session_token;
mod web_identity;
mod web_identity_token;

use std::sync::Arc;

use rolegate_policy::PolicyKind;
use rolegate_proto::dto::{
    shapes::Tag,
    sts::{Credentials, PolicyDescriptorType},
};

pub(crate) use self::assume_root::root_target_account;
pub use self::authorization_message::AuthorizationMessage;
use crate::{
    Service,
    error::{Result, ServiceError},
    iam::ts,
    ids,
    session::{self, Origin, Session, SessionPolicy, SessionPrincipal},
};

/// Plaintext budget shared by session policies and session tags (AWS: 2,048 characters of
/// session policy; packed size reported as a percentage).
pub const PACKED_BUDGET: usize = 2048;
/// Most managed policies passed as session policies.
pub const MAX_POLICY_ARNS: usize = 10;
/// How far in the future a token's issue time may lie before it is refused (clock skew).
pub const MAX_ISSUE_SKEW_MS: i64 = 5 * 60 * 1000;
/// Default duration of GetSessionToken and GetFederationToken sessions for IAM users (12 h).
pub const LONG_TERM_DEFAULT: i64 = 43_200;
/// GetSessionToken and GetFederationToken sessions of the root are capped (silently) at 1 h.
pub const ROOT_MAX: i64 = 3_600;
/// A chained session never outlives the start of its lineage by more than this.
pub const CHAIN_GRACE: i64 = 3600;

/// A session about to be issued.
pub(crate) struct Draft {
    pub account: String,
    pub principal: SessionPrincipal,
    pub duration: i64,
    pub source_identity: Option<String>,
    pub tags: Vec<(String, String)>,
    pub transitive: Vec<String>,
    pub policies: Option<Vec<SessionPolicy>>,
    pub mfa_at: Option<i64>,
    /// The caller's session, when the new one is chained from it.
    pub parent: Option<Arc<Session>>,
    /// The long-term key, when the caller signed with one.
    pub long_term_key: Option<String>,
}

/// Session policies after validation: the parsed documents and their plaintext size.
pub(crate) struct SessionPolicies {
    pub carried: Option<Vec<SessionPolicy>>,
    pub chars: usize,
}

impl Service {
    /// Seals a session and returns its credentials.
    pub(crate) async fn issue(&self, d: Draft) -> Result<(Credentials, Arc<Session>)> {
        let now = self.clock.now();
        let now_s = now.unix_timestamp();
        let issued_ms = i64::try_from(now.unix_timestamp_nanos() / 1_000_000)
            .map_err(|_| ServiceError::Internal("clock out of range".into()))?;
        let mut expires = now_s + d.duration;
        let origin = match (&d.parent, &d.long_term_key) {
            (Some(p), _) => {
                expires = expires.min(p.origin.expires + CHAIN_GRACE);
                Origin {
                    key: p.origin.key.clone(),
                    expires: p.origin.expires,
                    depth: p.origin.depth.saturating_add(1),
                }
            }
            (None, Some(k)) => Origin {
                key: k.clone(),
                expires,
                depth: 0,
            },
            (None, None) => Origin {
                key: String::new(),
                expires,
                depth: 0,
            },
        };
        let session = Session {
            access_key_id: ids::session_access_key_id(&d.account)?,
            secret: ids::secret_access_key()?,
            account: d.account,
            principal: d.principal,
            issued_ms,
            expires,
            source_identity: d.source_identity,
            tags: d.tags,
            transitive: d.transitive,
            policies: d.policies,
            mfa_at: d.mfa_at,
            origin,
        };
        let key = self.sealing_key().await?;
        let mut nonce = [0u8; session::NONCE];
        ids::random_bytes(&mut nonce)?;
        let token = session::seal(&session, &key, &nonce)
            .map_err(|e| ServiceError::Internal(format!("sealing a session failed: {e:?}")))?;
        let credentials = Credentials {
            access_key_id: session.access_key_id.clone(),
            secret_access_key: crate::iam::reveal(&session.secret),
            session_token: token.into(),
            expiration: ts(session.expires),
        };
        Ok((credentials, Arc::new(session)))
    }

    /// Validates `Policy` and `PolicyArns` and resolves the managed ones (in `account`, or
    /// AWS managed) to the documents the session will carry.
    pub(crate) async fn session_policies(
        &self,
        account: &str,
        inline: Option<&str>,
        arns: &[PolicyDescriptorType],
    ) -> Result<SessionPolicies> {
        if arns.len() > MAX_POLICY_ARNS {
            return Err(ServiceError::Validation(format!(
                "1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to {MAX_POLICY_ARNS}"
            )));
        }
        if inline.is_none() && arns.is_empty() {
            return Ok(SessionPolicies {
                carried: None,
                chars: 0,
            });
        }
        let mut carried = Vec::new();
        let mut chars = 0;
        if let Some(text) = inline {
            self.parsed_policy(text, PolicyKind::Session)?;
            chars += rolegate_policy::document::non_whitespace_len(text);
            carried.push(SessionPolicy {
                label: "session-policy".into(),
                document: text.to_owned(),
            });
        }
        for d in arns {
            let arn = d.arn.as_deref().unwrap_or_default();
            let not_attachable = || {
                ServiceError::InvalidParameterValue(format!(
                    "Policy {arn} does not exist or is not attachable."
                ))
            };
            self.resolve_policy_arn(account, arn)
                .map_err(|_| not_attachable())?;
            let text = self
                .managed_document(account, arn)
                .await?
                .ok_or_else(not_attachable)?;
            chars += rolegate_policy::document::non_whitespace_len(&text);
            carried.push(SessionPolicy {
                label: arn.to_owned(),
                document: text,
            });
        }
        Ok(SessionPolicies {
            carried: Some(carried),
            chars,
        })
    }

    /// The parsed session policies a session carries (`None`: it carries none).
    pub(crate) fn carried_policies(
        &self,
        session: &Session,
    ) -> Result<Option<crate::authorize::Labelled>> {
        session
            .policies
            .as_ref()
            .map(|ps| {
                ps.iter()
                    .map(|p| {
                        Ok((
                            p.label.clone(),
                            self.parsed_policy(&p.document, PolicyKind::Session)?,
                        ))
                    })
                    .collect()
            })
            .transpose()
    }
}

/// Checks session tags: no reserved prefix, no key twice (keys are case-insensitive).
pub(crate) fn check_session_tags(tags: &[Tag]) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for t in tags {
        if t.key.to_ascii_lowercase().starts_with("aws:") {
            return Err(ServiceError::InvalidParameterValue(
                "The tag key 'aws:' prefix is reserved for AWS use.".into(),
            ));
        }
        if !seen.insert(rolegate_policy::request::fold_key(&t.key)) {
            return Err(ServiceError::InvalidParameterValue(
                crate::iam::DUPLICATE_TAG_KEYS.into(),
            ));
        }
    }
    Ok(())
}

/// Percentage of the packed budget used by session policies and tags; over 100 fails with
/// `PackedPolicyTooLarge`.
pub(crate) fn packed_size(policy_chars: usize, tags: &[(String, String)]) -> Result<i64> {
    let tag_chars: usize = tags.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
    let used = policy_chars + tag_chars;
    let percent =
        i64::try_from(used.saturating_mul(100).div_ceil(PACKED_BUDGET)).unwrap_or(i64::MAX);
    if percent > 100 {
        let what = match (policy_chars > 0, !tags.is_empty()) {
            (true, true) => "session policies and session tags",
            (true, false) => "session policies",
            _ => "session tags",
        };
        return Err(ServiceError::PackedPolicyTooLarge(format!(
            "Packed size of {what} consumes {percent}% of allotted space."
        )));
    }
    Ok(percent)
}

/// Overlays `over` on `base` with case-insensitive keys, keeping `over`'s case.
pub(crate) fn overlay_tags(
    base: impl IntoIterator<Item = (String, String)>,
    over: &[(String, String)],
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = base
        .into_iter()
        .filter(|(k, _)| !over.iter().any(|(o, _)| crate::iam::same_tag_key(o, k)))
        .collect();
    out.extend(over.iter().cloned());
    out
}

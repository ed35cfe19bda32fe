//! AssumeRole: <https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html>.
//!
//! The steps, in order:
//! 1. who may call (not root, not federated users);
//! 2. input rules that reveal nothing about the role (tags, transitive keys, source identity);
//! 3. MFA, when a serial number and code are passed (the code is consumed);
//! 4. authorization: `sts:AssumeRole` (and `sts:TagSession`, `sts:SetSourceIdentity` when
//!    used) against the role's trust policy and the caller's own policies, with the
//!    same-account and cross-account rules. A role that does not exist is denied exactly like a
//!    role that does not trust the caller;
//! 5. duration (role maximum, one hour when chaining), session policies and packed size;
//! 6. the session: the role's unique id, session name, tags, source identity, MFA state.
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html>

use std::sync::Arc;

use rolegate_policy::{Decision, PolicySet, Request, SourcedPolicy, evaluate};
use rolegate_proto::dto::sts::{AssumeRoleInput, AssumeRoleOutput, AssumedRoleUser};
use rolegate_store::record;

use super::{Draft, check_session_tags, overlay_tags, packed_size};
use crate::{
    Caller, Identity, Service,
    authorize::{Held, Target},
    error::{Result, ServiceError},
    iam::{Ctx, key_of},
    session::SessionPrincipal,
};

use crate::handler::{Callable, handlers};

handlers! {
    AssumeRoleInput => AssumeRoleOutput: assume_role, callable Callable::AnySession,
        needs |i, _| None;
}

/// Default session duration.
const DEFAULT_DURATION: i64 = 3600;
/// Cap for sessions assumed with temporary credentials.
const CHAINED_MAX: i64 = 3600;

/// `arn:aws:iam::<account>:role/<path/>name` split into account, path and name.
fn parse_role_arn(arn: &str) -> Option<(String, String, String)> {
    let parsed = crate::iam::parse_arn(arn)?;
    let role = parsed.iam("role")?;
    crate::bootstrap::is_account_id(parsed.account).then(|| {
        (
            parsed.account.to_owned(),
            role.path.to_owned(),
            role.name.to_owned(),
        )
    })
}

/// AWS's refusal for AssumeRole (the same whether or not the role exists).
fn not_authorized(caller: &Caller, role_arn: &str) -> String {
    format!(
        "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
        caller.arn()
    )
}

impl Service {
    pub(crate) async fn assume_role(
        &self,
        c: &Ctx<'_>,
        i: AssumeRoleInput,
    ) -> Result<AssumeRoleOutput> {
        let caller = c.caller;
        // 1. Who may call.
        match caller.identity {
            Identity::Root => {
                return Err(ServiceError::AccessDenied(
                    "Roles may not be assumed by root accounts.".into(),
                ));
            }
            Identity::FederatedUser { .. } => {
                return Err(ServiceError::AccessDenied(not_authorized(
                    caller,
                    &i.role_arn,
                )));
            }
            Identity::User { .. } | Identity::AssumedRole { .. } => {}
        }
        let parent = caller.session.clone();

        // 2. Input rules.
        check_session_tags(&i.tags)?;
        let passed = crate::authorize::tags(&i.tags);
        for k in &i.transitive_tag_keys {
            if !passed.iter().any(|(p, _)| crate::iam::same_tag_key(p, k)) {
                return Err(ServiceError::InvalidParameterValue(format!(
                    "The transitive tag key {k} is not one of the session tags passed in the request."
                )));
            }
        }
        let inherited: Vec<(String, String)> = parent
            .as_ref()
            .map(|p| {
                p.tags
                    .iter()
                    .filter(|(k, _)| p.transitive.iter().any(|t| crate::iam::same_tag_key(t, k)))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        if let Some((k, _)) = passed.iter().find(|(k, _)| {
            inherited
                .iter()
                .any(|(t, _)| crate::iam::same_tag_key(t, k))
        }) {
            return Err(ServiceError::InvalidParameterValue(format!(
                "One or more session tags conflict with transitive tags from the calling session: {k}"
            )));
        }
        if let Some(si) = &i.source_identity
            && si.to_ascii_lowercase().starts_with("aws:")
        {
            return Err(ServiceError::Validation(
                "SourceIdentity must not begin with the reserved prefix aws:".into(),
            ));
        }
        let inherited_si = parent.as_ref().and_then(|p| p.source_identity.clone());

        // The role (absent when it does not exist: denied below like any untrusted caller).
        let parsed = parse_role_arn(&i.role_arn);
        let role = match &parsed {
            Some((account, path, name)) => self
                .cache
                .get::<record::Role>(&*self.store, account, &key_of(name))
                .await?
                .filter(|r| r.path == *path),
            None => None,
        };
        let role_account = parsed
            .as_ref()
            .map_or_else(|| caller.account.clone(), |p| p.0.clone());
        // Authorization is about the role as stored, never the caller's spelling of its name
        // (a Deny on `role/Prod` must stop `role/prod`).
        let role_arn = role.as_ref().map_or_else(
            || i.role_arn.clone(),
            |r| crate::iam::arn(&role_account, "role", &r.path, &r.name),
        );

        // 3. MFA.
        let mfa_at = match (&i.serial_number, &i.token_code) {
            (None, None) => parent.as_ref().and_then(|p| p.mfa_at),
            (Some(serial), Some(code)) => {
                let user_id = match &caller.identity {
                    Identity::User { id, .. } => Some(id.as_str()),
                    _ => None,
                };
                let verified = match user_id {
                    Some(id) => self.verify_mfa_code(c, id, serial, code.expose()).await?,
                    None => None,
                };
                Some(verified.ok_or_else(|| {
                    ServiceError::AccessDenied(
                        "MultiFactorAuthentication failed with invalid MFA one time pass code. "
                            .into(),
                    )
                })?)
            }
            _ => {
                return Err(ServiceError::AccessDenied(
                    "MultiFactorAuthentication failed with invalid MFA one time pass code. ".into(),
                ));
            }
        };

        // 4. Authorization.
        let held = self.held(caller).await?;
        // The organization's resource control policies over the role's account (no role is
        // exempt by its path alone: see `organization_policies`).
        let rcps = match &role {
            // RCPs do not apply to service-linked roles (the stored mark).
            Some(r) if r.is_service_linked() => Vec::new(),
            Some(_) => self.resource_control_policies(&role_account).await?,
            None => Vec::new(),
        };
        let mut session_tags = inherited.clone();
        session_tags.extend(passed.iter().cloned());
        let trust = match &role {
            Some(r) => Some(self.trust_policy(r)?),
            None => None,
        };
        let resource_tags = overlay_tags(
            role.as_ref()
                .map(|r| crate::authorize::stored_tags(&r.tags))
                .unwrap_or_default(),
            &inherited,
        );
        let source_identity = i.source_identity.clone().or_else(|| inherited_si.clone());
        let mut target = Target {
            action: String::new(),
            resource: role_arn.clone(),
            request_tags: passed.clone(),
            resource_tags: resource_tags
                .iter()
                .map(|(k, v)| record::Tag {
                    key: k.clone(),
                    value: v.clone(),
                })
                .collect(),
            ..Default::default()
        };
        target
            .keys
            .push(("sts:RoleSessionName", i.role_session_name.clone()));
        if let Some(e) = &i.external_id {
            target.keys.push(("sts:ExternalId", e.clone()));
        }
        if let Some(si) = &source_identity {
            target.keys.push(("sts:SourceIdentity", si.clone()));
        }
        if !i.transitive_tag_keys.is_empty() {
            target
                .multi_keys
                .push(("sts:TransitiveTagKeys", i.transitive_tag_keys.clone()));
        }
        let mut actions = vec!["sts:AssumeRole"];
        if !session_tags.is_empty() {
            actions.push("sts:TagSession");
        }
        if i.source_identity.is_some() {
            actions.push("sts:SetSourceIdentity");
        }
        for action in actions {
            target.action = action.to_owned();
            let mut context = self.context(caller, &held, &target, c.env)?;
            if let Some(at) = mfa_at {
                context.insert(
                    "aws:MultiFactorAuthPresent",
                    rolegate_policy::ContextValue::single("true"),
                );
                context.insert(
                    "aws:MultiFactorAuthAge",
                    rolegate_policy::ContextValue::single(
                        (c.env.now.unix_timestamp() - at).max(0).to_string(),
                    ),
                );
            }
            let principal = caller.principal();
            let request = Request {
                action,
                resource: &role_arn,
                principal: &principal,
                context: &context,
            };
            let allowed = self.trust_allows(
                &request,
                &held,
                trust.as_deref(),
                &role_account,
                c,
                action == "sts:SetSourceIdentity" && parent.is_some(),
            ) && rcps_allow(&request, &rcps, c);
            if !allowed {
                let message = not_authorized(caller, &i.role_arn);
                let evaluation = rolegate_policy::Evaluation {
                    decision: Decision::ImplicitDeny,
                    matched: Vec::new(),
                    blame: Some(rolegate_policy::eval::PolicyType::Resource),
                };
                tracing::info!(
                    request_id = %c.env.request_id,
                    principal = %principal.arn,
                    action,
                    role = %i.role_arn,
                    role_exists = role.is_some(),
                    "assume role denied"
                );
                return Err(self.denied(message, &request, &evaluation).await);
            }
        }
        let Some(role) = role else {
            // Unreachable in practice (an absent role has no trust policy to allow), but never
            // issue a session for a role that does not exist.
            return Err(ServiceError::AccessDenied(not_authorized(
                caller,
                &i.role_arn,
            )));
        };
        if let (Some(old), Some(new)) = (&inherited_si, &i.source_identity)
            && old != new
        {
            return Err(ServiceError::AccessDenied(format!(
                "{} The source identity of a session cannot be changed.",
                not_authorized(caller, &i.role_arn)
            )));
        }

        // 5. Duration, session policies, packed size.
        let duration = i.duration_seconds.unwrap_or(DEFAULT_DURATION);
        if parent.is_some() && duration > CHAINED_MAX {
            return Err(ServiceError::Validation(
                "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.".into(),
            ));
        }
        if duration > role.max_session_duration {
            return Err(ServiceError::Validation(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
                    .into(),
            ));
        }
        let policies = self
            .session_policies(&role_account, i.policy.as_deref(), &i.policy_arns)
            .await?;
        let packed = if policies.carried.is_some() || !passed.is_empty() {
            Some(packed_size(policies.chars, &passed)?)
        } else {
            None
        };
        let mut transitive: Vec<String> = i.transitive_tag_keys.clone();
        transitive.extend(inherited.iter().map(|(k, _)| k.clone()));

        // 6. The session.
        let (credentials, _) = self
            .issue(Draft {
                account: role_account.clone(),
                principal: SessionPrincipal::Role {
                    id: role.id.clone(),
                    name: role.name.clone(),
                    path: role.path.clone(),
                    session: i.role_session_name.clone(),
                },
                duration,
                source_identity: source_identity.clone(),
                tags: session_tags,
                transitive,
                policies: policies.carried,
                mfa_at,
                parent,
                long_term_key: (!caller.is_temporary()).then(|| caller.access_key_id.clone()),
            })
            .await?;
        self.note_role_use(&role_account, &role, &c.env.region)
            .await?;
        Ok(AssumeRoleOutput {
            credentials,
            assumed_role_user: AssumedRoleUser {
                assumed_role_id: format!("{}:{}", role.id, i.role_session_name),
                arn: crate::iam::sts_arn(
                    &role_account,
                    &format!("assumed-role/{}/{}", role.name, i.role_session_name),
                ),
            },
            packed_policy_size: packed,
            source_identity,
        })
    }

    /// Whether the trust policy and the caller's side together allow one action.
    ///
    /// The trust policy must allow in every case. The caller's permissions boundary and
    /// session policies must allow too, even when the trust policy names the caller exactly
    /// (the secure reading of an ambiguity in AWS's documentation). Cross-account, and when
    /// `identity_required` (setting a source identity while chaining), the caller's identity
    /// policies must allow as well.
    fn trust_allows(
        &self,
        request: &Request<'_>,
        held: &Held,
        trust: Option<&rolegate_policy::Policy>,
        role_account: &str,
        c: &Ctx<'_>,
        identity_required: bool,
    ) -> bool {
        let Some(trust) = trust else { return false };
        let mut set: PolicySet<'_> = held.policy_set();
        set.resource = Some(SourcedPolicy {
            label: "trust-policy",
            policy: trust,
        });
        set.resource_account = Some(role_account);
        set.resource_policy_required = true;
        let evaluation = evaluate(request, &set);
        if evaluation.decision != Decision::Allow {
            tracing::debug!(request_id = %c.env.request_id, statements = ?crate::authorize::explain(&evaluation), "trust evaluation");
            return false;
        }
        if identity_required {
            return evaluate(request, &held.policy_set()).decision == Decision::Allow;
        }
        true
    }

    /// Records that a role was assumed (at most once an hour per role).
    async fn note_role_use(
        &self,
        account: &str,
        role: &Arc<record::Role>,
        region: &str,
    ) -> Result<()> {
        let now = self.now();
        if role.last_used.as_ref().is_some_and(|l| now - l.at < 3600) {
            return Ok(());
        }
        let key = key_of(&role.name);
        let id = role.id.clone();
        self.retry(|| async {
            let mut tx = self.tx();
            let Some(mut r) = tx.get::<record::Role>(account, &key).await? else {
                return Ok(());
            };
            if r.id != id {
                return Ok(());
            }
            r.last_used = Some(record::LastUsed {
                at: now,
                service: "sts".into(),
                region: region.to_owned(),
            });
            tx.put(account, &key, &r)?;
            tx.commit().await
        })
        .await
    }
}

/// Whether the organization's resource control policies over the role's account allow one
/// action (no levels: no RCPs apply).
fn rcps_allow(request: &Request<'_>, rcps: &[crate::authorize::ScpLevel], c: &Ctx<'_>) -> bool {
    match crate::authorize::resource_control(request, rcps) {
        Some(evaluation) if evaluation.decision != Decision::Allow => {
            tracing::debug!(request_id = %c.env.request_id, statements = ?crate::authorize::explain(&evaluation), "resource control policies deny");
            false
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::parse_role_arn;

    #[test]
    fn role_arns() {
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/a/b/R"),
            Some(("123456789012".into(), "/a/b/".into(), "R".into()))
        );
        assert_eq!(
            parse_role_arn("arn:aws:iam::123456789012:role/R"),
            Some(("123456789012".into(), "/".into(), "R".into()))
        );
        assert_eq!(parse_role_arn("arn:aws:iam::123456789012:user/R"), None);
        assert_eq!(parse_role_arn("arn:aws:iam::12345:role/R"), None);
        assert_eq!(parse_role_arn("arn:aws:iam::123456789012:role/"), None);
    }
}

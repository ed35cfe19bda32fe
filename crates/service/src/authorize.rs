//! The one authorization entry point: every call passes through [`Service::authorize`].
//!
//! It maps the operation to its IAM action, resource ARN and request context, gathers the
//! caller's policies, asks the policy engine, and turns a denial into AWS's AccessDenied.
//! The explanation (which statement denied, or that nothing allowed) goes to the log only.
//!
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html>

use std::sync::Arc;

use rolegate_policy::{
    Context, ContextValue, Decision, Evaluation, Policy, PolicyKind, PolicySet, Request,
    SourcedPolicy, eval::PolicyType, evaluate,
};
use rolegate_proto::{Operation, dto::shapes::Tag};
use rolegate_store::record;

use crate::{
    Caller, Identity, RequestEnv, Service,
    error::{Result, ServiceError},
    iam::{arn, key_of},
};

/// What an operation asks to do.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// `iam:CreateUser`.
    pub action: String,
    /// The resource ARN.
    pub resource: String,
    /// `aws:RequestTag/*` and `aws:TagKeys` from the request.
    pub request_tags: Vec<(String, String)>,
    /// `aws:TagKeys` of an untag request.
    pub tag_keys: Vec<String>,
    /// Tags of the resource (users and roles).
    pub resource_tags: Vec<record::Tag>,
    /// Service-specific keys (`iam:PermissionsBoundary`, `iam:PolicyARN`).
    pub keys: Vec<(&'static str, String)>,
    /// Multivalued service-specific keys (`sts:TransitiveTagKeys`).
    pub multi_keys: Vec<(&'static str, Vec<String>)>,
}

/// `aws:TokenIssueTime`: ISO 8601 with milliseconds.
pub(crate) fn millis_timestamp(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{}.{:03}Z",
        rolegate_proto::xml::timestamp(t).trim_end_matches('Z'),
        ms.rem_euclid(1000)
    )
}

/// What each kind of temporary credentials may call at all, before any policy
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_request.html#stsapi_comparison>).
fn session_restrictions(caller: &Caller, op: &Operation) -> Result<()> {
    use rolegate_proto::Service as S;
    let Some(session) = &caller.session else {
        return Ok(());
    };
    let federated = matches!(caller.identity, Identity::FederatedUser { .. });
    let role = matches!(caller.identity, Identity::AssumedRole { .. });
    let refuse = |why: &str| {
        Err(ServiceError::AccessDenied(format!(
            "User: {} is not authorized to perform: {}:{} {why}",
            caller.arn(),
            op.service().signing_name(),
            op.name()
        )))
    };
    match (op.service(), op) {
        (_, Operation::GetCallerIdentity(_)) => Ok(()),
        (_, Operation::GetSessionToken(_)) => Err(ServiceError::AccessDenied(
            "Cannot call GetSessionToken with session credentials".into(),
        )),
        (_, Operation::GetFederationToken(_)) => Err(ServiceError::AccessDenied(
            "Cannot call GetFederationToken with session credentials".into(),
        )),
        (S::Iam, _) if federated => {
            refuse("with credentials from GetFederationToken: federated users cannot call IAM")
        }
        // AWS answers InvalidClientTokenId here, not AccessDenied.
        (S::Iam, _) if session.iam_forbidden() => Err(ServiceError::InvalidClientTokenId),
        (S::Iam, _) => Ok(()),
        (S::Sts, _) if federated => refuse(
            "with credentials from GetFederationToken: federated users can only call sts:GetCallerIdentity",
        ),
        (S::Sts, Operation::AssumeRole(_)) => Ok(()),
        (S::Sts, _) if role => Ok(()),
        (S::Sts, _) => refuse(
            "with temporary credentials that only allow sts:AssumeRole and sts:GetCallerIdentity",
        ),
    }
}

enum Res<'a> {
    User(Option<&'a str>, Option<&'a str>),
    Group(&'a str, Option<&'a str>),
    Role(&'a str, Option<&'a str>),
    Policy(&'a str),
    NewPolicy(&'a str, Option<&'a str>),
    Profile(&'a str, Option<&'a str>),
    Kind(&'static str, Option<&'a str>),
    Key(&'a str),
    Exact(String),
    Star,
}

/// Request tags as key/value pairs.
pub(crate) fn tags(t: &[Tag]) -> Vec<(String, String)> {
    t.iter().map(|t| (t.key.clone(), t.value.clone())).collect()
}

/// Stored tags as key/value pairs.
pub(crate) fn stored_tags(t: &[record::Tag]) -> Vec<(String, String)> {
    t.iter().map(|t| (t.key.clone(), t.value.clone())).collect()
}

/// Parsed policies, each with a label saying where it came from.
pub(crate) type Labelled = Vec<(String, Arc<Policy>)>;

/// The policies on the caller's own side, loaded once per request.
pub(crate) struct Held {
    /// Identity policies (user + groups, or the role's).
    pub identity: Vec<(String, Arc<Policy>)>,
    /// Permissions boundary.
    pub boundary: Option<(String, Arc<Policy>)>,
    /// Session policies (`Some(vec![])` for a federated user that passed none).
    pub session: Option<Vec<(String, Arc<Policy>)>>,
    /// `aws:PrincipalTag/*`.
    pub tags: Vec<(String, String)>,
    /// `aws:username` (IAM users only).
    pub username: Option<String>,
}

impl Held {
    fn sourced(list: &[(String, Arc<Policy>)]) -> Vec<SourcedPolicy<'_>> {
        list.iter()
            .map(|(l, p)| SourcedPolicy {
                label: l,
                policy: p,
            })
            .collect()
    }

    /// The policy set for a request on the caller's own side (no resource policy).
    pub fn policy_set(&self) -> PolicySet<'_> {
        PolicySet {
            identity: Self::sourced(&self.identity),
            boundary: self.boundary.as_ref().map(|(l, p)| {
                vec![SourcedPolicy {
                    label: l,
                    policy: p,
                }]
            }),
            session: self.session.as_deref().map(Self::sourced),
            ..Default::default()
        }
    }
}

/// A policy that allows everything (what the root user holds, for its federated users).
fn allow_all() -> Arc<Policy> {
    static ALL: std::sync::OnceLock<Arc<Policy>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        Arc::new(
            rolegate_policy::parse(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
                PolicyKind::Identity,
            )
            .unwrap_or(Policy {
                version: rolegate_policy::document::Version::V2012,
                id: None,
                statements: Vec::new(),
            }),
        )
    })
    .clone()
}

/// A policy that allows nothing.
pub(crate) fn empty_policy() -> Arc<Policy> {
    Arc::new(Policy {
        version: rolegate_policy::document::Version::V2012,
        id: None,
        statements: Vec::new(),
    })
}

/// AWS's AccessDenied message for an evaluation.
pub(crate) fn denial_message(
    principal_arn: &str,
    action: &str,
    resource: &str,
    e: &Evaluation,
) -> String {
    let blame = e.blame.unwrap_or(PolicyType::Identity);
    let why = if e.decision == Decision::ExplicitDeny {
        format!(
            "with an explicit deny in {} {}",
            if blame == PolicyType::Identity {
                "an"
            } else {
                "a"
            },
            blame.phrase()
        )
    } else {
        format!("because no {} allows the {action} action", blame.phrase())
    };
    format!(
        "User: {principal_arn} is not authorized to perform: {action} on resource: {resource} {why}"
    )
}

/// The statements of an evaluation, for the log.
pub(crate) fn explain(e: &Evaluation) -> Vec<String> {
    e.matched
        .iter()
        .map(|m| {
            format!(
                "{}#{}{}",
                m.policy,
                m.index,
                m.sid
                    .as_deref()
                    .map(|s| format!("({s})"))
                    .unwrap_or_default()
            )
        })
        .collect()
}

impl Service {
    /// Authorizes one call; `Ok(())` or AWS's AccessDenied.
    pub async fn authorize(&self, caller: &Caller, op: &Operation, env: &RequestEnv) -> Result<()> {
        session_restrictions(caller, op)?;
        let Some(target) = self.target(caller, op).await? else {
            return Ok(());
        };
        self.authorize_target(caller, &target, env).await
    }

    /// Evaluates one target against the caller's own policies; the root is not subject to
    /// identity policies.
    async fn authorize_target(
        &self,
        caller: &Caller,
        target: &Target,
        env: &RequestEnv,
    ) -> Result<()> {
        if caller.identity == Identity::Root {
            return Ok(());
        }
        let held = self.held(caller).await?;
        let context = self.context(caller, &held, target, env);
        let principal = caller.principal();
        let request = Request {
            action: &target.action,
            resource: &target.resource,
            principal: &principal,
            context: &context,
        };
        let evaluation = evaluate(&request, &held.policy_set());
        if evaluation.decision == Decision::Allow {
            return Ok(());
        }
        Err(self.deny(&request, &evaluation, env).await)
    }

    /// Authorizes one more action of a call on the caller's own side (`sts:TagSession` for
    /// GetFederationToken).
    pub(crate) async fn authorize_action(
        &self,
        c: &crate::iam::Ctx<'_>,
        action: &str,
        resource: &str,
        request_tags: &[Tag],
    ) -> Result<()> {
        let target = Target {
            action: action.to_owned(),
            resource: resource.to_owned(),
            request_tags: tags(request_tags),
            ..Default::default()
        };
        self.authorize_target(c.caller, &target, c.env).await
    }

    /// Logs the explanation of a denial and builds AWS's AccessDenied, with an encoded
    /// authorization message that `sts:DecodeAuthorizationMessage` reveals.
    pub(crate) async fn deny(
        &self,
        request: &Request<'_>,
        evaluation: &Evaluation,
        env: &RequestEnv,
    ) -> ServiceError {
        tracing::info!(
            request_id = %env.request_id,
            principal = %request.principal.arn,
            action = %request.action,
            resource = %request.resource,
            decision = ?evaluation.decision,
            blame = evaluation.blame.map(PolicyType::phrase),
            statements = ?explain(evaluation),
            "access denied"
        );
        let message = denial_message(
            &request.principal.arn,
            request.action,
            request.resource,
            evaluation,
        );
        self.denied(message, request, evaluation).await
    }

    /// The policies on the caller's side.
    pub(crate) async fn held(&self, caller: &Caller) -> Result<Held> {
        let account = caller.account.as_str();
        let session_tags = caller
            .session
            .as_ref()
            .map(|s| s.tags.clone())
            .unwrap_or_default();
        match &caller.identity {
            Identity::Root => Ok(Held {
                identity: vec![("root".into(), allow_all())],
                boundary: None,
                session: None,
                tags: Vec::new(),
                username: None,
            }),
            Identity::User { name, .. } => {
                let user = self.caller_user(account, name).await?;
                let (identity, boundary) = self.user_policies(account, &user).await?;
                Ok(Held {
                    identity,
                    boundary,
                    session: None,
                    tags: stored_tags(&user.tags),
                    username: Some(user.name.clone()),
                })
            }
            Identity::AssumedRole {
                role_name, role_id, ..
            } => {
                let role = self
                    .cache
                    .get::<record::Role>(&*self.store, account, &key_of(role_name))
                    .await?
                    .filter(|r| r.id == *role_id);
                let session = match &caller.session {
                    Some(s) => self.carried_policies(s)?,
                    None => None,
                };
                let Some(role) = role else {
                    // The role was deleted (or re-created: another unique id): the session
                    // holds nothing.
                    return Ok(Held {
                        identity: Vec::new(),
                        boundary: None,
                        session,
                        tags: session_tags,
                        username: None,
                    });
                };
                let (identity, boundary) = self
                    .holder_policies(
                        account,
                        &format!("role/{}", role.name),
                        &role.inline,
                        &role.attached,
                        role.boundary.as_deref(),
                    )
                    .await?;
                Ok(Held {
                    identity,
                    boundary,
                    session,
                    tags: crate::sts::overlay_tags(stored_tags(&role.tags), &session_tags),
                    username: None,
                })
            }
            Identity::FederatedUser { .. } => {
                let s = caller
                    .session
                    .as_ref()
                    .ok_or(ServiceError::InvalidClientTokenId)?;
                let session = Some(self.carried_policies(s)?.unwrap_or_default());
                let parent = match &s.principal {
                    crate::session::SessionPrincipal::Federated { user, .. } => user.clone(),
                    _ => None,
                };
                let (identity, boundary, base_tags) = match parent {
                    None => (vec![("root".into(), allow_all())], None, Vec::new()),
                    Some(p) => {
                        let user = self.caller_user(account, &p.name).await?;
                        if user.id != p.id {
                            return Err(ServiceError::InvalidClientTokenId);
                        }
                        let (i, b) = self.user_policies(account, &user).await?;
                        let t = stored_tags(&user.tags);
                        (i, b, t)
                    }
                };
                Ok(Held {
                    identity,
                    boundary,
                    session,
                    tags: crate::sts::overlay_tags(base_tags, &session_tags),
                    username: None,
                })
            }
        }
    }

    async fn caller_user(&self, account: &str, name: &str) -> Result<Arc<record::User>> {
        self.cache
            .get::<record::User>(&*self.store, account, &key_of(name))
            .await?
            .ok_or(ServiceError::InvalidClientTokenId)
    }

    /// A user's identity policies (own + groups', inline + attached) and boundary, parsed.
    pub(crate) async fn user_policies(
        &self,
        account: &str,
        user: &record::User,
    ) -> Result<(Labelled, Option<(String, Arc<Policy>)>)> {
        let (mut out, boundary) = self
            .holder_policies(
                account,
                &format!("user/{}", user.name),
                &user.inline,
                &user.attached,
                user.boundary.as_deref(),
            )
            .await?;
        for g in &user.groups {
            let Some(group) = self
                .cache
                .get::<record::Group>(&*self.store, account, &key_of(g))
                .await?
            else {
                continue;
            };
            let (more, _) = self
                .holder_policies(
                    account,
                    &format!("group/{}", group.name),
                    &group.inline,
                    &group.attached,
                    None,
                )
                .await?;
            out.extend(more);
        }
        Ok((out, boundary))
    }

    /// One holder's inline and attached policies and its boundary, parsed.
    pub(crate) async fn holder_policies(
        &self,
        account: &str,
        label: &str,
        inline: &std::collections::BTreeMap<String, String>,
        attached: &[String],
        boundary: Option<&str>,
    ) -> Result<(Labelled, Option<(String, Arc<Policy>)>)> {
        let mut out = Vec::new();
        for (n, doc) in inline {
            out.push((
                format!("{label}:{n}"),
                self.parsed_policy(doc, PolicyKind::Identity)?,
            ));
        }
        for a in attached {
            if let Some(doc) = self.managed_document(account, a).await? {
                out.push((a.clone(), self.parsed_policy(&doc, PolicyKind::Identity)?));
            }
        }
        let boundary = match boundary {
            Some(b) => match self.managed_document(account, b).await? {
                Some(doc) => Some((
                    b.to_owned(),
                    self.parsed_policy(&doc, PolicyKind::Identity)?,
                )),
                // A boundary that no longer exists allows nothing.
                None => Some((b.to_owned(), empty_policy())),
            },
            None => None,
        };
        Ok((out, boundary))
    }

    /// The request context: the principal's keys, the session's, the request's and the
    /// target's.
    pub(crate) fn context(
        &self,
        caller: &Caller,
        held: &Held,
        target: &Target,
        env: &RequestEnv,
    ) -> Context {
        let mut c = Context::default();
        let s = |v: &str| ContextValue::single(v);
        if let Some(u) = &held.username {
            c.insert("aws:username", s(u));
        }
        c.insert("aws:userid", s(&caller.user_id()));
        c.insert("aws:PrincipalArn", s(&caller.principal_arn()));
        c.insert("aws:PrincipalAccount", s(&caller.account));
        c.insert("aws:PrincipalType", s(caller.principal_type()));
        c.insert(
            "aws:CurrentTime",
            s(&rolegate_proto::xml::timestamp(env.now)),
        );
        c.insert("aws:EpochTime", s(&env.now.unix_timestamp().to_string()));
        c.insert("aws:SecureTransport", s(&env.secure_transport.to_string()));
        c.insert(
            "aws:RequestedRegion",
            s(if target.action.starts_with("iam:") {
                "us-east-1"
            } else {
                env.region.as_str()
            }),
        );
        if let Some(ip) = env.source_ip {
            c.insert("aws:SourceIp", s(&ip.to_string()));
        }
        if let Some(ua) = &env.user_agent {
            c.insert("aws:UserAgent", s(ua));
        }
        if let Some(session) = &caller.session {
            c.insert(
                "aws:TokenIssueTime",
                s(&millis_timestamp(session.issued_ms)),
            );
            c.insert(
                "aws:MultiFactorAuthPresent",
                s(&session.mfa_at.is_some().to_string()),
            );
            if let Some(at) = session.mfa_at {
                c.insert(
                    "aws:MultiFactorAuthAge",
                    s(&(env.now.unix_timestamp() - at).max(0).to_string()),
                );
            }
            if let Some(si) = &session.source_identity {
                c.insert("aws:SourceIdentity", s(si));
            }
        }
        for (k, v) in &held.tags {
            c.insert(&format!("aws:PrincipalTag/{k}"), s(v));
        }
        for (k, v) in &target.request_tags {
            c.insert(&format!("aws:RequestTag/{k}"), s(v));
        }
        let mut keys: Vec<String> = target.request_tags.iter().map(|(k, _)| k.clone()).collect();
        keys.extend(target.tag_keys.iter().cloned());
        if !keys.is_empty() {
            c.insert("aws:TagKeys", ContextValue::Multi(keys));
        }
        for t in &target.resource_tags {
            c.insert(&format!("aws:ResourceTag/{}", t.key), s(&t.value));
            c.insert(&format!("iam:ResourceTag/{}", t.key), s(&t.value));
        }
        for (k, v) in &target.keys {
            c.insert(k, s(v));
        }
        for (k, v) in &target.multi_keys {
            c.insert(k, ContextValue::Multi(v.clone()));
        }
        c
    }

    /// The action, resource and request-specific context of an operation; `None` for calls
    /// that are never denied (GetCallerIdentity).
    pub async fn target(&self, caller: &Caller, op: &Operation) -> Result<Option<Target>> {
        use Operation as O;
        let mut t = Target::default();
        let res = match op {
            // GetCallerIdentity is never denied; GetSessionToken needs no permission;
            // AssumeRole is authorized by its handler, against the role's trust policy.
            O::GetCallerIdentity(_) | O::GetSessionToken(_) | O::AssumeRole(_) => return Ok(None),
            O::GetFederationToken(i) => {
                t.request_tags = tags(&i.tags);
                Res::Exact(format!(
                    "arn:aws:sts::{}:federated-user/{}",
                    caller.account, i.name
                ))
            }
            O::GetAccessKeyInfo(_) | O::DecodeAuthorizationMessage(_) => Res::Star,
            O::CreateUser(i) => {
                t.request_tags = tags(&i.tags);
                if let Some(b) = &i.permissions_boundary {
                    t.keys.push(("iam:PermissionsBoundary", b.clone()));
                }
                Res::User(Some(&i.user_name), Some(i.path.as_deref().unwrap_or("/")))
            }
            O::GetUser(i) => Res::User(i.user_name.as_deref(), None),
            O::UpdateUser(i) => Res::User(Some(&i.user_name), None),
            O::DeleteUser(i) => Res::User(Some(&i.user_name), None),
            O::ListUsers(i) => Res::Kind("user", i.path_prefix.as_deref()),
            O::TagUser(i) => {
                t.request_tags = tags(&i.tags);
                Res::User(Some(&i.user_name), None)
            }
            O::UntagUser(i) => {
                t.tag_keys.clone_from(&i.tag_keys);
                Res::User(Some(&i.user_name), None)
            }
            O::ListUserTags(i) => Res::User(Some(&i.user_name), None),
            O::PutUserPermissionsBoundary(i) => {
                t.keys
                    .push(("iam:PermissionsBoundary", i.permissions_boundary.clone()));
                Res::User(Some(&i.user_name), None)
            }
            O::DeleteUserPermissionsBoundary(i) => Res::User(Some(&i.user_name), None),
            O::CreateGroup(i) => Res::Group(&i.group_name, Some(i.path.as_deref().unwrap_or("/"))),
            O::GetGroup(i) => Res::Group(&i.group_name, None),
            O::UpdateGroup(i) => Res::Group(&i.group_name, None),
            O::DeleteGroup(i) => Res::Group(&i.group_name, None),
            O::ListGroups(i) => Res::Kind("group", i.path_prefix.as_deref()),
            O::AddUserToGroup(i) => Res::Group(&i.group_name, None),
            O::RemoveUserFromGroup(i) => Res::Group(&i.group_name, None),
            O::ListGroupsForUser(i) => Res::User(Some(&i.user_name), None),
            O::CreateRole(i) => {
                t.request_tags = tags(&i.tags);
                if let Some(b) = &i.permissions_boundary {
                    t.keys.push(("iam:PermissionsBoundary", b.clone()));
                }
                Res::Role(&i.role_name, Some(i.path.as_deref().unwrap_or("/")))
            }
            O::GetRole(i) => Res::Role(&i.role_name, None),
            O::UpdateRole(i) => Res::Role(&i.role_name, None),
            O::UpdateRoleDescription(i) => Res::Role(&i.role_name, None),
            O::UpdateAssumeRolePolicy(i) => Res::Role(&i.role_name, None),
            O::DeleteRole(i) => Res::Role(&i.role_name, None),
            O::ListRoles(i) => Res::Kind("role", i.path_prefix.as_deref()),
            O::TagRole(i) => {
                t.request_tags = tags(&i.tags);
                Res::Role(&i.role_name, None)
            }
            O::UntagRole(i) => {
                t.tag_keys.clone_from(&i.tag_keys);
                Res::Role(&i.role_name, None)
            }
            O::ListRoleTags(i) => Res::Role(&i.role_name, None),
            O::PutRolePermissionsBoundary(i) => {
                t.keys
                    .push(("iam:PermissionsBoundary", i.permissions_boundary.clone()));
                Res::Role(&i.role_name, None)
            }
            O::DeleteRolePermissionsBoundary(i) => Res::Role(&i.role_name, None),
            O::CreatePolicy(i) => {
                t.request_tags = tags(&i.tags);
                Res::NewPolicy(&i.policy_name, i.path.as_deref())
            }
            O::GetPolicy(i) => Res::Policy(&i.policy_arn),
            O::DeletePolicy(i) => Res::Policy(&i.policy_arn),
            O::ListPolicies(i) => Res::Kind("policy", i.path_prefix.as_deref()),
            O::CreatePolicyVersion(i) => Res::Policy(&i.policy_arn),
            O::GetPolicyVersion(i) => Res::Policy(&i.policy_arn),
            O::DeletePolicyVersion(i) => Res::Policy(&i.policy_arn),
            O::ListPolicyVersions(i) => Res::Policy(&i.policy_arn),
            O::SetDefaultPolicyVersion(i) => Res::Policy(&i.policy_arn),
            O::TagPolicy(i) => {
                t.request_tags = tags(&i.tags);
                Res::Policy(&i.policy_arn)
            }
            O::UntagPolicy(i) => {
                t.tag_keys.clone_from(&i.tag_keys);
                Res::Policy(&i.policy_arn)
            }
            O::ListPolicyTags(i) => Res::Policy(&i.policy_arn),
            O::ListEntitiesForPolicy(i) => Res::Policy(&i.policy_arn),
            O::PutUserPolicy(i) => Res::User(Some(&i.user_name), None),
            O::GetUserPolicy(i) => Res::User(Some(&i.user_name), None),
            O::DeleteUserPolicy(i) => Res::User(Some(&i.user_name), None),
            O::ListUserPolicies(i) => Res::User(Some(&i.user_name), None),
            O::PutGroupPolicy(i) => Res::Group(&i.group_name, None),
            O::GetGroupPolicy(i) => Res::Group(&i.group_name, None),
            O::DeleteGroupPolicy(i) => Res::Group(&i.group_name, None),
            O::ListGroupPolicies(i) => Res::Group(&i.group_name, None),
            O::PutRolePolicy(i) => Res::Role(&i.role_name, None),
            O::GetRolePolicy(i) => Res::Role(&i.role_name, None),
            O::DeleteRolePolicy(i) => Res::Role(&i.role_name, None),
            O::ListRolePolicies(i) => Res::Role(&i.role_name, None),
            O::AttachUserPolicy(i) => {
                t.keys.push(("iam:PolicyARN", i.policy_arn.clone()));
                Res::User(Some(&i.user_name), None)
            }
            O::DetachUserPolicy(i) => {
                t.keys.push(("iam:PolicyARN", i.policy_arn.clone()));
                Res::User(Some(&i.user_name), None)
            }
            O::ListAttachedUserPolicies(i) => Res::User(Some(&i.user_name), None),
            O::AttachGroupPolicy(i) => {
                t.keys.push(("iam:PolicyARN", i.policy_arn.clone()));
                Res::Group(&i.group_name, None)
            }
            O::DetachGroupPolicy(i) => {
                t.keys.push(("iam:PolicyARN", i.policy_arn.clone()));
                Res::Group(&i.group_name, None)
            }
            O::ListAttachedGroupPolicies(i) => Res::Group(&i.group_name, None),
            O::AttachRolePolicy(i) => {
                t.keys.push(("iam:PolicyARN", i.policy_arn.clone()));
                Res::Role(&i.role_name, None)
            }
            O::DetachRolePolicy(i) => {
                t.keys.push(("iam:PolicyARN", i.policy_arn.clone()));
                Res::Role(&i.role_name, None)
            }
            O::ListAttachedRolePolicies(i) => Res::Role(&i.role_name, None),
            O::CreateAccessKey(i) => Res::User(i.user_name.as_deref(), None),
            O::DeleteAccessKey(i) => Res::User(i.user_name.as_deref(), None),
            O::UpdateAccessKey(i) => Res::User(i.user_name.as_deref(), None),
            O::ListAccessKeys(i) => Res::User(i.user_name.as_deref(), None),
            O::GetAccessKeyLastUsed(i) => Res::Key(&i.access_key_id),
            O::CreateInstanceProfile(i) => {
                t.request_tags = tags(&i.tags);
                Res::Profile(
                    &i.instance_profile_name,
                    Some(i.path.as_deref().unwrap_or("/")),
                )
            }
            O::GetInstanceProfile(i) => Res::Profile(&i.instance_profile_name, None),
            O::DeleteInstanceProfile(i) => Res::Profile(&i.instance_profile_name, None),
            O::ListInstanceProfiles(i) => Res::Kind("instance-profile", i.path_prefix.as_deref()),
            O::ListInstanceProfilesForRole(i) => Res::Role(&i.role_name, None),
            O::AddRoleToInstanceProfile(i) => Res::Profile(&i.instance_profile_name, None),
            O::RemoveRoleFromInstanceProfile(i) => Res::Profile(&i.instance_profile_name, None),
            O::TagInstanceProfile(i) => {
                t.request_tags = tags(&i.tags);
                Res::Profile(&i.instance_profile_name, None)
            }
            O::UntagInstanceProfile(i) => {
                t.tag_keys.clone_from(&i.tag_keys);
                Res::Profile(&i.instance_profile_name, None)
            }
            O::ListInstanceProfileTags(i) => Res::Profile(&i.instance_profile_name, None),
            O::CreateVirtualMFADevice(i) => {
                t.request_tags = tags(&i.tags);
                Res::Exact(arn(
                    &caller.account,
                    "mfa",
                    i.path.as_deref().unwrap_or("/"),
                    &i.virtual_mfa_device_name,
                ))
            }
            O::EnableMFADevice(i) => Res::User(Some(&i.user_name), None),
            O::ResyncMFADevice(i) => Res::User(Some(&i.user_name), None),
            O::DeactivateMFADevice(i) => Res::User(i.user_name.as_deref(), None),
            O::ListMFADevices(i) => Res::User(i.user_name.as_deref(), None),
            O::DeleteVirtualMFADevice(i) => Res::Exact(i.serial_number.clone()),
            O::ListVirtualMFADevices(_) => {
                Res::Exact(format!("arn:aws:iam::{}:mfa/", caller.account))
            }
            O::GetAccountAuthorizationDetails(_) | O::GetAccountSummary(_) => Res::Star,
            O::SimulateCustomPolicy(_) | O::GetContextKeysForCustomPolicy(_) => Res::Star,
            O::SimulatePrincipalPolicy(i) => Res::Exact(i.policy_source_arn.clone()),
            O::GetContextKeysForPrincipalPolicy(i) => Res::Exact(i.policy_source_arn.clone()),
        };
        t.action = format!("{}:{}", op.service().signing_name(), op.name());
        let account = caller.account.as_str();
        t.resource = match res {
            Res::User(name, new_path) => {
                let name = match (name, &caller.identity) {
                    (Some(n), _) => n.to_owned(),
                    (None, Identity::User { name, .. }) => name.clone(),
                    (
                        None,
                        Identity::Root
                        | Identity::AssumedRole { .. }
                        | Identity::FederatedUser { .. },
                    ) => {
                        return Ok(Some(Target {
                            resource: format!("arn:aws:iam::{account}:root"),
                            ..t
                        }));
                    }
                };
                let existing = self
                    .cache
                    .get::<record::User>(&*self.store, account, &key_of(&name))
                    .await?;
                let path = match (new_path, &existing) {
                    (Some(p), _) => p.to_owned(),
                    (None, Some(u)) => u.path.clone(),
                    (None, None) => "/".to_owned(),
                };
                if let Some(u) = existing {
                    t.resource_tags.clone_from(&u.tags);
                }
                arn(account, "user", &path, &name)
            }
            Res::Role(name, new_path) => {
                let existing = self
                    .cache
                    .get::<record::Role>(&*self.store, account, &key_of(name))
                    .await?;
                let path = match (new_path, &existing) {
                    (Some(p), _) => p.to_owned(),
                    (None, Some(r)) => r.path.clone(),
                    (None, None) => "/".to_owned(),
                };
                if let Some(r) = existing {
                    t.resource_tags.clone_from(&r.tags);
                }
                arn(account, "role", &path, name)
            }
            Res::Group(name, new_path) => {
                let path = match new_path {
                    Some(p) => p.to_owned(),
                    None => self
                        .cache
                        .get::<record::Group>(&*self.store, account, &key_of(name))
                        .await?
                        .map_or_else(|| "/".to_owned(), |g| g.path.clone()),
                };
                arn(account, "group", &path, name)
            }
            Res::Profile(name, new_path) => {
                let path = match new_path {
                    Some(p) => p.to_owned(),
                    None => self
                        .cache
                        .get::<record::InstanceProfile>(&*self.store, account, &key_of(name))
                        .await?
                        .map_or_else(|| "/".to_owned(), |p| p.path.clone()),
                };
                arn(account, "instance-profile", &path, name)
            }
            Res::Policy(a) => a.to_owned(),
            Res::NewPolicy(name, path) => arn(account, "policy", path.unwrap_or("/"), name),
            Res::Kind(kind, prefix) => {
                let prefix = prefix.unwrap_or("/");
                format!("arn:aws:iam::{account}:{kind}{prefix}")
            }
            Res::Key(id) => {
                let key = self
                    .cache
                    .get::<record::AccessKey>(&*self.store, rolegate_store::GLOBAL, id)
                    .await?;
                match key.as_deref().map(|k| &k.owner) {
                    Some(record::KeyOwner::User { name, .. }) => {
                        let path = self
                            .cache
                            .get::<record::User>(&*self.store, account, &key_of(name))
                            .await?
                            .map_or_else(|| "/".to_owned(), |u| u.path.clone());
                        arn(account, "user", &path, name)
                    }
                    _ => format!("arn:aws:iam::{account}:root"),
                }
            }
            Res::Exact(a) => a,
            Res::Star => "*".to_owned(),
        };
        Ok(Some(t))
    }
}

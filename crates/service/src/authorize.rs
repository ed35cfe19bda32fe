//! The one authorization entry point: every call passes through [`Service::authorize`].
//!
//! It maps the operation to its IAM action, resource ARN and request context, gathers the
//! caller's policies, asks the policy engine, and turns a denial into AWS's AccessDenied.
//! The explanation (which statement denied, or that nothing allowed) goes to the log only.
//!
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html>

use std::sync::Arc;

use rolegate_policy::{
    Context, ContextValue, Decision, Policy, PolicyKind, PolicySet, Request, SourcedPolicy,
    eval::PolicyType, evaluate,
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
    Star,
}

fn tags(t: &[Tag]) -> Vec<(String, String)> {
    t.iter().map(|t| (t.key.clone(), t.value.clone())).collect()
}

impl Service {
    /// Authorizes one call; `Ok(())` or AWS's AccessDenied.
    pub async fn authorize(&self, caller: &Caller, op: &Operation, env: &RequestEnv) -> Result<()> {
        let Some(target) = self.target(caller, op).await? else {
            return Ok(());
        };
        let Identity::User { name, .. } = &caller.identity else {
            // The account root is not subject to identity policies.
            return Ok(());
        };
        let user = self
            .cache
            .get::<record::User>(&*self.store, &caller.account, &key_of(name))
            .await?
            .ok_or(ServiceError::InvalidClientTokenId)?;
        let (identity, boundary) = self.user_policies(&caller.account, &user).await?;
        let context = self.context(caller, &user, &target, env);
        let principal = caller.principal();
        let request = Request {
            action: &target.action,
            resource: &target.resource,
            principal: &principal,
            context: &context,
        };
        let set = PolicySet {
            identity: identity
                .iter()
                .map(|(l, p)| SourcedPolicy {
                    label: l,
                    policy: p,
                })
                .collect(),
            boundary: boundary.as_ref().map(|(l, p)| {
                vec![SourcedPolicy {
                    label: l,
                    policy: p,
                }]
            }),
            ..Default::default()
        };
        let evaluation = evaluate(&request, &set);
        match evaluation.decision {
            Decision::Allow => Ok(()),
            decision => {
                let blame = evaluation.blame.unwrap_or(PolicyType::Identity);
                tracing::info!(
                    request_id = %env.request_id,
                    principal = %principal.arn,
                    action = %target.action,
                    resource = %target.resource,
                    ?decision,
                    blame = blame.phrase(),
                    statements = ?evaluation.matched.iter().map(|m| format!("{}#{}{}", m.policy, m.index, m.sid.as_deref().map(|s| format!("({s})")).unwrap_or_default())).collect::<Vec<_>>(),
                    "access denied"
                );
                let why = if decision == Decision::ExplicitDeny {
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
                    format!(
                        "because no {} allows the {} action",
                        blame.phrase(),
                        target.action
                    )
                };
                Err(ServiceError::AccessDenied(format!(
                    "User: {} is not authorized to perform: {} on resource: {} {why}",
                    principal.arn, target.action, target.resource
                )))
            }
        }
    }

    /// A user's identity policies (own + groups', inline + attached) and boundary, parsed.
    pub(crate) async fn user_policies(
        &self,
        account: &str,
        user: &record::User,
    ) -> Result<(Vec<(String, Arc<Policy>)>, Option<(String, Arc<Policy>)>)> {
        let mut out = Vec::new();
        for (n, doc) in &user.inline {
            out.push((
                format!("user/{}:{n}", user.name),
                self.parsed_policy(doc, PolicyKind::Identity)?,
            ));
        }
        self.push_managed(account, &user.attached, &mut out).await?;
        for g in &user.groups {
            let Some(group) = self
                .cache
                .get::<record::Group>(&*self.store, account, &key_of(g))
                .await?
            else {
                continue;
            };
            for (n, doc) in &group.inline {
                out.push((
                    format!("group/{}:{n}", group.name),
                    self.parsed_policy(doc, PolicyKind::Identity)?,
                ));
            }
            self.push_managed(account, &group.attached, &mut out)
                .await?;
        }
        let boundary = match &user.boundary {
            Some(b) => match self.managed_document(account, b).await? {
                Some(doc) => Some((b.clone(), self.parsed_policy(&doc, PolicyKind::Identity)?)),
                // A boundary that no longer exists allows nothing.
                None => Some((
                    b.clone(),
                    Arc::new(Policy {
                        version: rolegate_policy::document::Version::V2012,
                        id: None,
                        statements: Vec::new(),
                    }),
                )),
            },
            None => None,
        };
        Ok((out, boundary))
    }

    async fn push_managed(
        &self,
        account: &str,
        arns: &[String],
        out: &mut Vec<(String, Arc<Policy>)>,
    ) -> Result<()> {
        for a in arns {
            if let Some(doc) = self.managed_document(account, a).await? {
                out.push((a.clone(), self.parsed_policy(&doc, PolicyKind::Identity)?));
            }
        }
        Ok(())
    }

    fn context(
        &self,
        caller: &Caller,
        user: &record::User,
        target: &Target,
        env: &RequestEnv,
    ) -> Context {
        let mut c = Context::default();
        let s = |v: &str| ContextValue::single(v);
        c.insert("aws:username", s(&user.name));
        c.insert("aws:userid", s(&caller.user_id()));
        c.insert("aws:PrincipalArn", s(&caller.arn()));
        c.insert("aws:PrincipalAccount", s(&caller.account));
        c.insert("aws:PrincipalType", s("User"));
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
        for t in &user.tags {
            c.insert(&format!("aws:PrincipalTag/{}", t.key), s(&t.value));
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
        c
    }

    /// The action, resource and request-specific context of an operation; `None` for calls
    /// that are never denied (GetCallerIdentity).
    pub async fn target(&self, caller: &Caller, op: &Operation) -> Result<Option<Target>> {
        use Operation as O;
        let mut t = Target::default();
        let res = match op {
            O::GetCallerIdentity(_) => return Ok(None),
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
            O::GetAccountAuthorizationDetails(_) | O::GetAccountSummary(_) => Res::Star,
        };
        t.action = format!("{}:{}", op.service().signing_name(), op.name());
        let account = caller.account.as_str();
        t.resource = match res {
            Res::User(name, new_path) => {
                let name = match (name, &caller.identity) {
                    (Some(n), _) => n.to_owned(),
                    (None, Identity::User { name, .. }) => name.clone(),
                    (None, Identity::Root) => {
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
            Res::Star => "*".to_owned(),
        };
        Ok(Some(t))
    }
}

//! Roles: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html> and siblings.

use std::{collections::BTreeMap, sync::Arc};

use rolegate_policy::{Policy, PolicyKind, document::PrincipalRule};
use rolegate_proto::{
    dto::{roles::*, shapes, users::ListTagsOutput},
    types::PolicyDocumentText,
};
use rolegate_store::record;

use super::Tagged as _;
use crate::{
    Service,
    error::{Result, ServiceError},
    iam::{
        Ctx, arn, boundary_shape, key_of, merge_tags, not_found, path_matches, path_or_root,
        policy_size, tags_if_any, ts,
    },
    ids,
};

use crate::handler::{Needs, handlers};

handlers! {
    CreateRoleInput => CreateRoleOutput: create_role,
        needs |i, _| Needs::new_role(&i.role_name, i.path.as_deref()).tags(&i.tags).boundary_key(i.permissions_boundary.as_deref());
    GetRoleInput => GetRoleOutput: get_role,
        needs |i, _| Needs::role(&i.role_name).entity_boundary();
    ListRolesInput => ListRolesOutput: list_roles,
        needs |i, _| Needs::list("role", i.path_prefix.as_deref());
    ListRoleTagsInput => ListTagsOutput: list_role_tags,
        needs |i, _| Needs::role(&i.role_name);
    UpdateRoleInput => UpdateRoleOutput: update_role,
        needs |i, _| Needs::role(&i.role_name).entity_boundary();
    UpdateRoleDescriptionInput => UpdateRoleDescriptionOutput: update_role_description,
        needs |i, _| Needs::role(&i.role_name).entity_boundary();
    UpdateAssumeRolePolicyInput: update_assume_role_policy,
        needs |i, _| Needs::role(&i.role_name).entity_boundary();
    DeleteRoleInput: delete_role,
        needs |i, _| Needs::role(&i.role_name).entity_boundary();
    TagRoleInput: tag_role,
        needs |i, _| Needs::role(&i.role_name).tags(&i.tags).fold_tag_keys();
    UntagRoleInput: untag_role,
        needs |i, _| Needs::role(&i.role_name).untags(&i.tag_keys).fold_tag_keys();
    PutRolePermissionsBoundaryInput: put_role_permissions_boundary,
        needs |i, _| Needs::role(&i.role_name).boundary_key(Some(&i.permissions_boundary));
    DeleteRolePermissionsBoundaryInput: delete_role_permissions_boundary,
        needs |i, _| Needs::role(&i.role_name).entity_boundary();
}

/// Trust policy size, non-white-space characters.
pub const MAX_TRUST_POLICY_SIZE: usize = 2048;
/// Default `MaxSessionDuration`.
pub const DEFAULT_MAX_SESSION_DURATION: i64 = 3600;

/// The `Role` output shape; `detailed` adds what GetRole shows beyond ListRoles.
pub fn role_shape(account: &str, r: &record::Role, detailed: bool) -> shapes::Role {
    shapes::Role {
        path: r.path.clone(),
        role_name: r.name.clone(),
        role_id: r.id.clone(),
        arn: arn(account, "role", &r.path, &r.name),
        create_date: ts(r.created),
        assume_role_policy_document: Some(PolicyDocumentText(r.trust.clone())),
        description: r.description.clone(),
        max_session_duration: Some(r.max_session_duration),
        permissions_boundary: if detailed {
            boundary_shape(&r.boundary)
        } else {
            None
        },
        tags: if detailed { tags_if_any(&r.tags) } else { None },
        role_last_used: if detailed {
            Some(shapes::RoleLastUsed {
                last_used_date: r.last_used.as_ref().and_then(|l| ts(l.at)),
                region: r.last_used.as_ref().map(|l| l.region.clone()),
            })
        } else {
            None
        },
    }
}

/// The path of service-linked roles.
pub(crate) const SERVICE_ROLE_PATH: &str = "/aws-service-role/";
/// The name prefix of service-linked roles.
pub(crate) const SERVICE_ROLE_NAME_PREFIX: &str = "AWSServiceRoleFor";

fn starts_with_ignoring_case(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// Whether a role name is one only a service-linked role may take (`AWSServiceRoleFor…`,
/// in any case).
pub(crate) fn reserved_role_name(name: &str) -> bool {
    starts_with_ignoring_case(name, SERVICE_ROLE_NAME_PREFIX)
}

/// Service-linked roles are AWS's to create (CreateServiceLinkedRole): their path and their
/// name say what they are, so CreateRole may claim neither. The path is AWS's rule, with
/// AWS's message; the name prefix is refused too (AWS documents no rule for it), so no
/// ordinary role can hold the name a service's role would take. Both compare without case,
/// as role names do.
fn check_not_service_linked(path: Option<&str>, name: &str) -> Result<()> {
    if path.is_some_and(|p| starts_with_ignoring_case(p, SERVICE_ROLE_PATH)) {
        return Err(ServiceError::InvalidInput(format!(
            "Path prefix '{SERVICE_ROLE_PATH}' can only be used for AWS Service linked Roles"
        )));
    }
    if reserved_role_name(name) {
        return Err(ServiceError::InvalidInput(format!(
            "Role name prefix '{SERVICE_ROLE_NAME_PREFIX}' can only be used for AWS Service linked Roles"
        )));
    }
    Ok(())
}

impl Service {
    /// Validates a trust policy and resolves the user and role ARNs it names (in any
    /// account) to their unique ids, as AWS does when a policy is saved: a principal that does
    /// not exist is `MalformedPolicyDocument` "Invalid principal in policy", and so is trust
    /// in a shared OIDC issuer (GitHub Actions…) that any of its tenants would satisfy
    /// ([`super::shared_issuers`]). Account
    /// principals are kept as written, so an account may be trusted before it is added.
    pub(crate) async fn check_trust_policy(&self, text: &str) -> Result<BTreeMap<String, String>> {
        let policy = self.parsed_policy(text, PolicyKind::Trust)?;
        if policy_size(text) > MAX_TRUST_POLICY_SIZE {
            return Err(ServiceError::LimitExceeded(format!(
                "Cannot exceed quota for ACLSizePerRole: {MAX_TRUST_POLICY_SIZE}"
            )));
        }
        super::shared_issuers::check(&policy)?;
        self.principal_ids(&policy).await
    }

    /// The unique id of every user and role ARN a policy's `Principal`/`NotPrincipal` names
    /// (in any account), for storing beside the policy: trust policies and resource policies
    /// (the S3 gateway's bucket policies) bind their principals this one way.
    /// `MalformedPolicyDocument` "Invalid principal in policy" when one names no entity.
    pub async fn principal_ids(&self, policy: &Policy) -> Result<BTreeMap<String, String>> {
        let mut ids = BTreeMap::new();
        for st in &policy.statements {
            let set = match &st.principal {
                Some(PrincipalRule::Principal(set) | PrincipalRule::NotPrincipal(set)) => set,
                None => continue,
            };
            for p in &set.aws {
                if let Some(id) = self.principal_id(p).await? {
                    ids.insert(p.clone(), id);
                }
            }
        }
        Ok(ids)
    }

    /// The unique id of the user or role an ARN names (`None` for other principals);
    /// `MalformedPolicyDocument` when it names none.
    async fn principal_id(&self, p: &str) -> Result<Option<String>> {
        let Some(parsed) = crate::iam::parse_arn(p) else {
            return Ok(None);
        };
        let account = parsed.account;
        let invalid = || {
            ServiceError::MalformedPolicyDocument(format!(
                "Invalid principal in policy: \"AWS\":\"{p}\""
            ))
        };
        let same = |kind: &str, path: &str, name: &str| {
            arn(account, kind, path, name).eq_ignore_ascii_case(p)
        };
        if let Some(name) = parsed.iam("user").map(|u| u.name) {
            let u = self
                .cache
                .get::<record::User>(&*self.store, account, &key_of(name))
                .await?
                .filter(|u| same("user", &u.path, &u.name))
                .ok_or_else(invalid)?;
            return Ok(Some(u.id.clone()));
        }
        if let Some(name) = parsed.iam("role").map(|r| r.name) {
            let r = self
                .cache
                .get::<record::Role>(&*self.store, account, &key_of(name))
                .await?
                .filter(|r| same("role", &r.path, &r.name))
                .ok_or_else(invalid)?;
            return Ok(Some(r.id.clone()));
        }
        Ok(None)
    }

    /// The trust policy as evaluated: every user and role ARN replaced by the unique id it
    /// named when the policy was saved, so a deleted and re-created namesake is not trusted.
    pub(crate) fn trust_policy(&self, role: &record::Role) -> Result<Arc<Policy>> {
        let parsed = self.parsed_policy(&role.trust, PolicyKind::Trust)?;
        Ok(bind_principals(parsed, &role.trust_ids))
    }

    /// The trust policy as shown: see [`Service::displayed_policy`].
    pub(crate) async fn displayed_trust(&self, role: &record::Role) -> Result<String> {
        self.displayed_policy(&role.trust, &role.trust_ids).await
    }

    /// A policy as shown: a principal that no longer exists (or was re-created: another
    /// unique id) appears as the unique id it had, as AWS shows it. `ids` is what
    /// [`Service::principal_ids`] gave when the policy was saved.
    pub async fn displayed_policy(
        &self,
        text: &str,
        ids: &BTreeMap<String, String>,
    ) -> Result<String> {
        let mut text = text.to_owned();
        for (p, id) in ids {
            let current = match self.principal_id(p).await {
                Ok(current) => current,
                Err(ServiceError::MalformedPolicyDocument(_)) => None,
                Err(e) => return Err(e),
            };
            if current.as_deref() != Some(id.as_str()) {
                text = text.replace(&format!("\"{p}\""), &format!("\"{id}\""));
            }
        }
        Ok(text)
    }

    pub(crate) async fn create_role(
        &self,
        c: &Ctx<'_>,
        i: CreateRoleInput,
    ) -> Result<CreateRoleOutput> {
        let account = c.account();
        check_not_service_linked(i.path.as_deref(), &i.role_name)?;
        let trust_ids = self
            .check_trust_policy(&i.assume_role_policy_document)
            .await?;
        let boundary = i
            .permissions_boundary
            .as_deref()
            .map(|a| self.resolve_policy_arn(account, a))
            .transpose()?;
        let mut tags = Vec::new();
        merge_tags(record::Role::TAG_RULES, &mut tags, &i.tags)?;
        let role = record::Role {
            name: i.role_name.clone(),
            id: ids::unique_id(ids::prefix::ROLE)?,
            path: path_or_root(i.path.clone()),
            created: self.now(),
            trust: i.assume_role_policy_document.clone(),
            trust_ids,
            description: i.description.clone(),
            max_session_duration: i
                .max_session_duration
                .unwrap_or(DEFAULT_MAX_SESSION_DURATION),
            boundary: boundary.as_ref().map(|b| b.arn()),
            tags,
            inline: Default::default(),
            attached: Vec::new(),
            instance_profiles: Vec::new(),
            last_used: None,
            service_linked: None,
        };
        let role = self
            .retry(|| async {
                let mut tx = self.tx();
                if tx
                    .get::<record::Role>(account, &key_of(&role.name))
                    .await?
                    .is_some()
                {
                    return Err(ServiceError::EntityAlreadyExists(format!(
                        "Role with name {} already exists.",
                        role.name
                    )));
                }
                let mut role = role.clone();
                if let Some(b) = &boundary {
                    // The stored ARN, not the caller's spelling.
                    role.boundary = Some(self.adjust_usage(&mut tx, account, b, 0, 1).await?);
                }
                tx.put(account, &key_of(&role.name), &role)?;
                tx.commit().await?;
                Ok(role)
            })
            .await?;
        let mut shape = role_shape(account, &role, true);
        shape.role_last_used = None;
        Ok(CreateRoleOutput { role: shape })
    }

    /// A role for reading (from the cache; writers read through a [`crate::tx::Tx`]).
    pub(crate) async fn load_role(&self, account: &str, name: &str) -> Result<record::Role> {
        let role = self
            .cache
            .get::<record::Role>(&*self.store, account, &key_of(name))
            .await?;
        role.map(|r| (*r).clone())
            .ok_or_else(|| not_found("role", name))
    }

    /// A role as shown: its trust policy as [`Service::displayed_trust`] renders it.
    pub(crate) async fn shown_role(&self, role: &record::Role) -> Result<record::Role> {
        let mut shown = role.clone();
        shown.trust = self.displayed_trust(role).await?;
        Ok(shown)
    }

    pub(crate) async fn get_role(&self, c: &Ctx<'_>, i: GetRoleInput) -> Result<GetRoleOutput> {
        let role = self.load_role(c.account(), &i.role_name).await?;
        let role = self.shown_role(&role).await?;
        Ok(GetRoleOutput {
            role: role_shape(c.account(), &role, true),
        })
    }

    pub(crate) async fn update_role(
        &self,
        c: &Ctx<'_>,
        i: UpdateRoleInput,
    ) -> Result<UpdateRoleOutput> {
        self.update_named::<record::Role>(c.account(), &i.role_name, "role", |r| {
            // A service-linked role's description may be edited, nothing else.
            if i.max_session_duration.is_some() {
                super::service_linked_roles::check_modifiable(r)?;
            }
            if let Some(d) = &i.description {
                r.description = Some(d.clone());
            }
            if let Some(m) = i.max_session_duration {
                r.max_session_duration = m;
            }
            Ok(())
        })
        .await
        .map(|_| UpdateRoleOutput {})
    }

    pub(crate) async fn update_role_description(
        &self,
        c: &Ctx<'_>,
        i: UpdateRoleDescriptionInput,
    ) -> Result<UpdateRoleDescriptionOutput> {
        let role = self
            .update_named::<record::Role>(c.account(), &i.role_name, "role", |r| {
                r.description = Some(i.description.clone());
                Ok(())
            })
            .await?;
        let role = self.shown_role(&role).await?;
        Ok(UpdateRoleDescriptionOutput {
            role: role_shape(c.account(), &role, true),
        })
    }

    pub(crate) async fn update_assume_role_policy(
        &self,
        c: &Ctx<'_>,
        i: UpdateAssumeRolePolicyInput,
    ) -> Result<()> {
        let trust_ids = self.check_trust_policy(&i.policy_document).await?;
        self.update_named::<record::Role>(c.account(), &i.role_name, "role", |r| {
            // A service-linked role trusts its service, and only AWS changes that.
            super::service_linked_roles::check_modifiable(r)?;
            r.trust.clone_from(&i.policy_document);
            r.trust_ids.clone_from(&trust_ids);
            Ok(())
        })
        .await
        .map(|_| ())
    }

    pub(crate) async fn delete_role(&self, c: &Ctx<'_>, i: DeleteRoleInput) -> Result<()> {
        let account = c.account();
        self.retry(|| async {
            let mut tx = self.tx();
            let key = key_of(&i.role_name);
            let role = tx
                .get::<record::Role>(account, &key)
                .await?
                .ok_or_else(|| not_found("role", &i.role_name))?;
            // Only DeleteServiceLinkedRole deletes a service-linked role.
            super::service_linked_roles::check_modifiable(&role)?;
            if !role.instance_profiles.is_empty() {
                return Err(ServiceError::DeleteConflict(
                    "Cannot delete entity, must remove roles from instance profile first.".into(),
                ));
            }
            if !role.attached.is_empty() {
                return Err(ServiceError::DeleteConflict(
                    "Cannot delete entity, must detach all policies first.".into(),
                ));
            }
            if !role.inline.is_empty() {
                return Err(ServiceError::DeleteConflict(
                    "Cannot delete entity, must delete policies first.".into(),
                ));
            }
            if let Some(b) = &role.boundary {
                let b = self.resolve_policy_arn(account, b)?;
                self.adjust_usage(&mut tx, account, &b, 0, -1).await?;
            }
            tx.delete::<record::Role>(account, &key)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn list_roles(
        &self,
        c: &Ctx<'_>,
        i: ListRolesInput,
    ) -> Result<ListRolesOutput> {
        let account = c.account();
        let page = self
            .list_records::<record::Role>(account, i.marker.as_deref(), i.max_items, |r| {
                path_matches(&r.path, i.path_prefix.as_deref())
            })
            .await?;
        let mut roles = Vec::with_capacity(page.items.len());
        for r in &page.items {
            roles.push(role_shape(account, &self.shown_role(r).await?, false));
        }
        Ok(ListRolesOutput {
            roles,
            is_truncated: page.truncated,
            marker: page.marker,
        })
    }

    pub(crate) async fn tag_role(&self, c: &Ctx<'_>, i: TagRoleInput) -> Result<()> {
        self.tag::<record::Role>(c.account(), &i.role_name, &i.tags)
            .await
    }

    pub(crate) async fn untag_role(&self, c: &Ctx<'_>, i: UntagRoleInput) -> Result<()> {
        self.untag::<record::Role>(c.account(), &i.role_name, &i.tag_keys)
            .await
    }

    pub(crate) async fn list_role_tags(
        &self,
        c: &Ctx<'_>,
        i: ListRoleTagsInput,
    ) -> Result<ListTagsOutput> {
        self.list_tags::<record::Role>(c.account(), &i.role_name, i.marker.as_deref(), i.max_items)
            .await
    }

    pub(crate) async fn put_role_permissions_boundary(
        &self,
        c: &Ctx<'_>,
        i: PutRolePermissionsBoundaryInput,
    ) -> Result<()> {
        self.set_boundary::<record::Role>(c.account(), &i.role_name, Some(&i.permissions_boundary))
            .await
    }

    pub(crate) async fn delete_role_permissions_boundary(
        &self,
        c: &Ctx<'_>,
        i: DeleteRolePermissionsBoundaryInput,
    ) -> Result<()> {
        self.set_boundary::<record::Role>(c.account(), &i.role_name, None)
            .await
    }
}

/// A policy as evaluated: every user and role ARN in its principals replaced by the unique id
/// it named when the policy was saved (`ids`, from [`Service::principal_ids`]), so that a
/// deleted and re-created namesake matches nothing.
pub fn bind_principals(parsed: Arc<Policy>, ids: &BTreeMap<String, String>) -> Arc<Policy> {
    if ids.is_empty() {
        return parsed;
    }
    let mut policy = (*parsed).clone();
    for st in &mut policy.statements {
        if let Some(PrincipalRule::Principal(set) | PrincipalRule::NotPrincipal(set)) =
            &mut st.principal
        {
            for v in &mut set.aws {
                if let Some(id) = ids.get(v.as_str()) {
                    v.clone_from(id);
                }
            }
        }
    }
    Arc::new(policy)
}

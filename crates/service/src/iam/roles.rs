//! Roles: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html> and siblings.

use rolegate_policy::{PolicyKind, document::PrincipalRule};
use rolegate_proto::{
    dto::{roles::*, shapes, users::ListTagsOutput},
    xml::PolicyDocumentText,
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

impl Service {
    /// Validates a trust policy: grammar, size, and that the users and roles it names exist,
    /// in whichever account (AWS stores them by unique id, so a missing one cannot be named;
    /// every account there is lives in this deployment). Account principals are kept as
    /// written, so an account may be trusted before it is added.
    pub(crate) async fn check_trust_policy(&self, text: &str) -> Result<()> {
        let policy = self.parsed_policy(text, PolicyKind::Trust)?;
        if policy_size(text) > MAX_TRUST_POLICY_SIZE {
            return Err(ServiceError::LimitExceeded(format!(
                "Cannot exceed quota for ACLSizePerRole: {MAX_TRUST_POLICY_SIZE}"
            )));
        }
        for st in &policy.statements {
            let Some(PrincipalRule::Principal(set)) = &st.principal else {
                continue;
            };
            for p in &set.aws {
                let Some((account, rest)) = p
                    .strip_prefix("arn:aws:iam::")
                    .and_then(|r| r.split_once(':'))
                else {
                    continue;
                };
                let mut tx = self.tx();
                let exists = if let Some(user) = rest.strip_prefix("user/") {
                    let name = user.rsplit('/').next().unwrap_or_default();
                    tx.get::<record::User>(account, &key_of(name))
                        .await?
                        .is_some()
                } else if let Some(role) = rest.strip_prefix("role/") {
                    let name = role.rsplit('/').next().unwrap_or_default();
                    tx.get::<record::Role>(account, &key_of(name))
                        .await?
                        .is_some()
                } else {
                    true
                };
                if !exists {
                    return Err(ServiceError::MalformedPolicyDocument(format!(
                        "Invalid principal in policy: \"AWS\":\"{p}\""
                    )));
                }
            }
        }
        Ok(())
    }

    pub(crate) async fn create_role(
        &self,
        c: &Ctx<'_>,
        i: CreateRoleInput,
    ) -> Result<CreateRoleOutput> {
        let account = c.account();
        self.check_trust_policy(&i.assume_role_policy_document)
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
        };
        self.retry(|| async {
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
            if let Some(b) = &boundary {
                self.adjust_usage(&mut tx, account, b, 0, 1).await?;
            }
            tx.put(account, &key_of(&role.name), &role)?;
            tx.commit().await
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

    pub(crate) async fn get_role(&self, c: &Ctx<'_>, i: GetRoleInput) -> Result<GetRoleOutput> {
        let role = self.load_role(c.account(), &i.role_name).await?;
        Ok(GetRoleOutput {
            role: role_shape(c.account(), &role, true),
        })
    }

    pub(crate) async fn update_role(&self, c: &Ctx<'_>, i: UpdateRoleInput) -> Result<()> {
        self.update_named::<record::Role>(c.account(), &i.role_name, "role", |r| {
            if let Some(d) = &i.description {
                r.description = Some(d.clone());
            }
            if let Some(m) = i.max_session_duration {
                r.max_session_duration = m;
            }
            Ok(())
        })
        .await
        .map(|_| ())
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
        Ok(UpdateRoleDescriptionOutput {
            role: role_shape(c.account(), &role, true),
        })
    }

    pub(crate) async fn update_assume_role_policy(
        &self,
        c: &Ctx<'_>,
        i: UpdateAssumeRolePolicyInput,
    ) -> Result<()> {
        self.check_trust_policy(&i.policy_document).await?;
        self.update_named::<record::Role>(c.account(), &i.role_name, "role", |r| {
            r.trust.clone_from(&i.policy_document);
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
        Ok(ListRolesOutput {
            roles: page
                .items
                .iter()
                .map(|r| role_shape(account, r, false))
                .collect(),
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

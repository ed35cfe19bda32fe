//! Users: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateUser.html> and siblings.

use rolegate_proto::dto::{shapes, users::*};
use rolegate_store::{GLOBAL, record};

use super::Tagged as _;
use crate::{
    Identity, Service,
    error::{Result, ServiceError},
    iam::{
        Ctx, arn, boundary_shape, key_of, merge_tags, not_found, path_matches, path_or_root,
        tags_if_any, ts,
    },
    ids,
};

use crate::handler::{Needs, handlers};

handlers! {
    CreateUserInput => CreateUserOutput: create_user,
        needs |i, _| Needs::new_user(&i.user_name, i.path.as_deref()).tags(&i.tags).boundary_key(i.permissions_boundary.as_deref());
    GetUserInput => GetUserOutput: get_user,
        needs |i, _| Needs::user(i.user_name.as_deref());
    ListUsersInput => ListUsersOutput: list_users,
        needs |i, _| Needs::list("user", i.path_prefix.as_deref());
    ListUserTagsInput => ListTagsOutput: list_user_tags,
        needs |i, _| Needs::user(Some(&i.user_name));
    UpdateUserInput: update_user,
        needs |i, _| Needs::user(Some(&i.user_name)).moved_to(i.new_path.as_deref(), i.new_user_name.as_deref());
    DeleteUserInput: delete_user,
        needs |i, _| Needs::user(Some(&i.user_name));
    TagUserInput: tag_user,
        needs |i, _| Needs::user(Some(&i.user_name)).tags(&i.tags).fold_tag_keys();
    UntagUserInput: untag_user,
        needs |i, _| Needs::user(Some(&i.user_name)).untags(&i.tag_keys).fold_tag_keys();
    PutUserPermissionsBoundaryInput: put_user_permissions_boundary,
        needs |i, _| Needs::user(Some(&i.user_name)).boundary_key(Some(&i.permissions_boundary));
    DeleteUserPermissionsBoundaryInput: delete_user_permissions_boundary,
        needs |i, _| Needs::user(Some(&i.user_name)).entity_boundary();
}

/// The `User` output shape.
pub fn user_shape(account: &str, u: &record::User, with_details: bool) -> shapes::User {
    shapes::User {
        path: u.path.clone(),
        user_name: u.name.clone(),
        user_id: u.id.clone(),
        arn: arn(account, "user", &u.path, &u.name),
        create_date: ts(u.created),
        password_last_used: None,
        permissions_boundary: if with_details {
            boundary_shape(&u.boundary)
        } else {
            None
        },
        tags: if with_details {
            tags_if_any(&u.tags)
        } else {
            None
        },
    }
}

impl Service {
    /// The user a call names, or the calling user when it names none.
    pub(crate) fn user_name_or_caller(
        &self,
        c: &Ctx<'_>,
        name: Option<&str>,
    ) -> Result<Option<String>> {
        Ok(match (name, &c.caller.identity) {
            (Some(n), _) => Some(n.to_owned()),
            (None, Identity::User { name, .. }) => Some(name.clone()),
            (None, Identity::Root) => None,
            (None, Identity::AssumedRole { .. } | Identity::FederatedUser { .. }) => {
                return Err(ServiceError::Validation(
                    "Must specify userName when calling with non-User credentials".into(),
                ));
            }
        })
    }

    pub(crate) async fn create_user(
        &self,
        c: &Ctx<'_>,
        i: CreateUserInput,
    ) -> Result<CreateUserOutput> {
        let account = c.account();
        let boundary = i
            .permissions_boundary
            .as_deref()
            .map(|a| self.resolve_policy_arn(account, a))
            .transpose()?;
        let mut tags = Vec::new();
        merge_tags(record::User::TAG_RULES, &mut tags, &i.tags)?;
        let user = record::User {
            name: i.user_name.clone(),
            id: ids::unique_id(ids::prefix::USER)?,
            path: path_or_root(i.path.clone()),
            created: self.now(),
            tags,
            boundary: boundary.as_ref().map(|b| b.arn()),
            inline: Default::default(),
            attached: Vec::new(),
            groups: Vec::new(),
            access_keys: Vec::new(),
            mfa_devices: Vec::new(),
        };
        let user = self
            .retry(|| async {
                let mut tx = self.tx();
                if tx
                    .get::<record::User>(account, &key_of(&user.name))
                    .await?
                    .is_some()
                {
                    return Err(ServiceError::EntityAlreadyExists(format!(
                        "User with name {} already exists.",
                        user.name
                    )));
                }
                let mut user = user.clone();
                if let Some(b) = &boundary {
                    // The stored ARN, not the caller's spelling.
                    user.boundary = Some(self.adjust_usage(&mut tx, account, b, 0, 1).await?);
                }
                tx.put(account, &key_of(&user.name), &user)?;
                tx.commit().await?;
                Ok(user)
            })
            .await?;
        Ok(CreateUserOutput {
            user: user_shape(account, &user, true),
        })
    }

    pub(crate) async fn get_user(&self, c: &Ctx<'_>, i: GetUserInput) -> Result<GetUserOutput> {
        let account = c.account();
        let Some(name) = self.user_name_or_caller(c, i.user_name.as_deref())? else {
            let created = self
                .cache
                .get::<record::Account>(&*self.store, GLOBAL, account)
                .await?
                .map(|a| a.created)
                .unwrap_or(0);
            return Ok(GetUserOutput {
                user: shapes::User {
                    user_id: account.to_owned(),
                    arn: c.caller.arn(),
                    create_date: ts(created),
                    ..Default::default()
                },
            });
        };
        let user = self.load_user(account, &name).await?;
        Ok(GetUserOutput {
            user: user_shape(account, &user, true),
        })
    }

    /// A user for reading (from the cache; writers read through a [`crate::tx::Tx`]).
    pub(crate) async fn load_user(&self, account: &str, name: &str) -> Result<record::User> {
        let user = self
            .cache
            .get::<record::User>(&*self.store, account, &key_of(name))
            .await?;
        user.map(|u| (*u).clone())
            .ok_or_else(|| not_found("user", name))
    }

    pub(crate) async fn update_user(&self, c: &Ctx<'_>, i: UpdateUserInput) -> Result<()> {
        let account = c.account();
        self.retry(|| async {
            let mut tx = self.tx();
            let old_key = key_of(&i.user_name);
            let mut user = tx
                .get::<record::User>(account, &old_key)
                .await?
                .ok_or_else(|| not_found("user", &i.user_name))?;
            if let Some(path) = &i.new_path {
                user.path = path.clone();
            }
            let Some(new_name) = &i.new_user_name else {
                tx.put(account, &old_key, &user)?;
                return tx.commit().await;
            };
            let new_key = key_of(new_name);
            if new_key != old_key && tx.get::<record::User>(account, &new_key).await?.is_some() {
                return Err(ServiceError::EntityAlreadyExists(format!(
                    "User with name {new_name} already exists."
                )));
            }
            for g in user.groups.clone() {
                if let Some(mut group) = tx.get::<record::Group>(account, &key_of(&g)).await? {
                    for m in &mut group.members {
                        if key_of(m) == old_key {
                            m.clone_from(new_name);
                        }
                    }
                    tx.put(account, &key_of(&g), &group)?;
                }
            }
            for k in user.access_keys.clone() {
                if let Some(mut key) = tx.get::<record::AccessKey>(GLOBAL, &k).await? {
                    key.owner = record::KeyOwner::User {
                        name: new_name.clone(),
                        id: user.id.clone(),
                    };
                    tx.put(GLOBAL, &k, &key)?;
                }
            }
            // The user's records keyed by its name move with it (a password, service
            // credentials, SSH keys or signing certificates left under the old name would
            // come back to a namesake).
            if let Some(mut p) = tx
                .get::<record::LoginProfile>(account, &old_key)
                .await?
                .filter(|p| p.user_id == user.id)
            {
                p.user_name.clone_from(new_name);
                move_record(&mut tx, account, &old_key, &new_key, &p).await?;
            }
            if let Some(mut r) = tx
                .get::<record::ServiceCredentials>(account, &old_key)
                .await?
                .filter(|r| r.user_id == user.id)
            {
                r.user_name.clone_from(new_name);
                move_record(&mut tx, account, &old_key, &new_key, &r).await?;
            }
            if let Some(mut r) = tx
                .get::<record::SshPublicKeys>(account, &old_key)
                .await?
                .filter(|r| r.user_id == user.id)
            {
                r.user_name.clone_from(new_name);
                move_record(&mut tx, account, &old_key, &new_key, &r).await?;
            }
            if let Some(mut r) = tx
                .get::<record::SigningCertificates>(account, &old_key)
                .await?
                .filter(|r| r.user_id == user.id)
            {
                r.user_name.clone_from(new_name);
                move_record(&mut tx, account, &old_key, &new_key, &r).await?;
            }
            user.name.clone_from(new_name);
            if new_key != old_key {
                tx.delete::<record::User>(account, &old_key)?;
            }
            tx.put(account, &new_key, &user)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn delete_user(&self, c: &Ctx<'_>, i: DeleteUserInput) -> Result<()> {
        let account = c.account();
        self.retry(|| async {
            let mut tx = self.tx();
            let key = key_of(&i.user_name);
            let user = tx
                .get::<record::User>(account, &key)
                .await?
                .ok_or_else(|| not_found("user", &i.user_name))?;
            let has_profile = tx
                .get::<record::LoginProfile>(account, &key)
                .await?
                .is_some_and(|p| p.user_id == user.id);
            let has_service_credentials = self
                .has_service_credentials(&mut tx, account, &user)
                .await?;
            let has_signing_certificates = !self
                .signing_certificates_of(&mut tx, account, Some(&user))
                .await?
                .is_empty();
            let has_ssh_keys = !self.ssh_keys_of(&mut tx, account, &user).await?.is_empty();
            let conflict = if has_profile {
                Some("must delete login profile first")
            } else if !user.access_keys.is_empty() {
                Some("must delete access keys first")
            } else if has_signing_certificates {
                Some("must delete signing certificates first")
            } else if has_ssh_keys {
                Some("must delete SSH public keys first")
            } else if !user.mfa_devices.is_empty() {
                Some("must delete MFA device first")
            } else if !user.inline.is_empty() {
                Some("must delete policies first")
            } else if !user.attached.is_empty() {
                Some("must detach all policies first")
            } else if !user.groups.is_empty() {
                Some("must remove users from group first")
            } else if has_service_credentials {
                Some("must delete service-specific credentials first")
            } else {
                None
            };
            if let Some(what) = conflict {
                return Err(ServiceError::DeleteConflict(format!(
                    "Cannot delete entity, {what}."
                )));
            }
            if let Some(b) = &user.boundary {
                let b = self.resolve_policy_arn(account, b)?;
                self.adjust_usage(&mut tx, account, &b, 0, -1).await?;
            }
            tx.delete::<record::User>(account, &key)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn list_users(
        &self,
        c: &Ctx<'_>,
        i: ListUsersInput,
    ) -> Result<ListUsersOutput> {
        let account = c.account();
        let page = self
            .list_records::<record::User>(account, i.marker.as_deref(), i.max_items, |u| {
                path_matches(&u.path, i.path_prefix.as_deref())
            })
            .await?;
        Ok(ListUsersOutput {
            users: page
                .items
                .iter()
                .map(|u| user_shape(account, u, false))
                .collect(),
            is_truncated: page.truncated,
            marker: page.marker,
        })
    }

    pub(crate) async fn tag_user(&self, c: &Ctx<'_>, i: TagUserInput) -> Result<()> {
        self.tag::<record::User>(c.account(), &i.user_name, &i.tags)
            .await
    }

    pub(crate) async fn untag_user(&self, c: &Ctx<'_>, i: UntagUserInput) -> Result<()> {
        self.untag::<record::User>(c.account(), &i.user_name, &i.tag_keys)
            .await
    }

    pub(crate) async fn list_user_tags(
        &self,
        c: &Ctx<'_>,
        i: ListUserTagsInput,
    ) -> Result<ListTagsOutput> {
        self.list_tags::<record::User>(c.account(), &i.user_name, i.marker.as_deref(), i.max_items)
            .await
    }

    pub(crate) async fn put_user_permissions_boundary(
        &self,
        c: &Ctx<'_>,
        i: PutUserPermissionsBoundaryInput,
    ) -> Result<()> {
        self.set_boundary::<record::User>(c.account(), &i.user_name, Some(&i.permissions_boundary))
            .await
    }

    pub(crate) async fn delete_user_permissions_boundary(
        &self,
        c: &Ctx<'_>,
        i: DeleteUserPermissionsBoundaryInput,
    ) -> Result<()> {
        self.set_boundary::<record::User>(c.account(), &i.user_name, None)
            .await
    }
}

/// Writes `value` (read in `tx` under `from`) under `to`, replacing whatever a deleted
/// namesake left there, and deletes it under `from`.
async fn move_record<T: rolegate_store::Entity>(
    tx: &mut crate::tx::Tx<'_>,
    account: &str,
    from: &str,
    to: &str,
    value: &T,
) -> Result<()> {
    if from != to {
        tx.delete::<T>(account, from)?;
        tx.get::<T>(account, to).await?;
    }
    tx.put(account, to, value)
}

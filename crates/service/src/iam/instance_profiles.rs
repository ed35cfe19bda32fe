//! Instance profiles: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateInstanceProfile.html> and
//! siblings. At most one role each; the link is written on both sides in one commit.

use rolegate_proto::dto::{instance_profiles::*, shapes, users::ListTagsOutput};
use rolegate_store::record;

use super::Tagged as _;
use crate::{
    Service,
    error::{Result, ServiceError},
    iam::{
        Ctx, arn, key_of, merge_tags, not_found, paginate, path_matches, path_or_root,
        roles::role_shape, tags_if_any, ts,
    },
    ids,
    tx::Tx,
};

use crate::handler::{Needs, handlers};

handlers! {
    CreateInstanceProfileInput => InstanceProfileOutput: create_instance_profile,
        needs |i, _| Needs::new_profile(&i.instance_profile_name, i.path.as_deref()).tags(&i.tags);
    GetInstanceProfileInput => InstanceProfileOutput: get_instance_profile,
        needs |i, _| Needs::profile(&i.instance_profile_name);
    ListInstanceProfilesInput => ListInstanceProfilesOutput: list_instance_profiles,
        needs |i, _| Needs::list("instance-profile", i.path_prefix.as_deref());
    ListInstanceProfilesForRoleInput => ListInstanceProfilesOutput: list_instance_profiles_for_role,
        needs |i, _| Needs::role(&i.role_name);
    ListInstanceProfileTagsInput => ListTagsOutput: list_instance_profile_tags,
        needs |i, _| Needs::profile(&i.instance_profile_name);
    DeleteInstanceProfileInput: delete_instance_profile,
        needs |i, _| Needs::profile(&i.instance_profile_name);
    AddRoleToInstanceProfileInput: add_role_to_instance_profile,
        needs |i, _| Needs::profile(&i.instance_profile_name).passes_role(&i.role_name);
    RemoveRoleFromInstanceProfileInput: remove_role_from_instance_profile,
        needs |i, _| Needs::profile(&i.instance_profile_name);
    TagInstanceProfileInput: tag_instance_profile,
        needs |i, _| Needs::profile(&i.instance_profile_name).tags(&i.tags);
    UntagInstanceProfileInput: untag_instance_profile,
        needs |i, _| Needs::profile(&i.instance_profile_name).untags(&i.tag_keys);
}

impl Service {
    pub(crate) async fn profile_shape(
        &self,
        tx: &mut Tx<'_>,
        account: &str,
        p: &record::InstanceProfile,
        with_tags: bool,
    ) -> Result<shapes::InstanceProfile> {
        let mut roles = Vec::new();
        for r in &p.roles {
            if let Some(role) = tx.get::<record::Role>(account, &key_of(r)).await? {
                roles.push(role_shape(account, &self.shown_role(&role).await?, false));
            }
        }
        Ok(shapes::InstanceProfile {
            path: p.path.clone(),
            instance_profile_name: p.name.clone(),
            instance_profile_id: p.id.clone(),
            arn: arn(account, "instance-profile", &p.path, &p.name),
            create_date: ts(p.created),
            roles,
            tags: if with_tags {
                tags_if_any(&p.tags)
            } else {
                None
            },
        })
    }

    pub(crate) async fn create_instance_profile(
        &self,
        c: &Ctx<'_>,
        i: CreateInstanceProfileInput,
    ) -> Result<InstanceProfileOutput> {
        let account = c.account();
        let mut tags = Vec::new();
        merge_tags(record::InstanceProfile::TAG_RULES, &mut tags, &i.tags)?;
        let profile = record::InstanceProfile {
            name: i.instance_profile_name.clone(),
            id: ids::unique_id(ids::prefix::INSTANCE_PROFILE)?,
            path: path_or_root(i.path.clone()),
            created: self.now(),
            roles: Vec::new(),
            tags,
        };
        self.retry(|| async {
            let mut tx = self.tx();
            if tx
                .get::<record::InstanceProfile>(account, &key_of(&profile.name))
                .await?
                .is_some()
            {
                return Err(ServiceError::EntityAlreadyExists(format!(
                    "Instance Profile {} already exists.",
                    profile.name
                )));
            }
            tx.put(account, &key_of(&profile.name), &profile)?;
            tx.commit().await
        })
        .await?;
        let mut tx = self.tx();
        Ok(InstanceProfileOutput {
            instance_profile: self.profile_shape(&mut tx, account, &profile, true).await?,
        })
    }

    pub(crate) async fn get_instance_profile(
        &self,
        c: &Ctx<'_>,
        i: GetInstanceProfileInput,
    ) -> Result<InstanceProfileOutput> {
        let account = c.account();
        let mut tx = self.tx();
        let p = tx
            .get::<record::InstanceProfile>(account, &key_of(&i.instance_profile_name))
            .await?
            .ok_or_else(|| not_found("instance profile", &i.instance_profile_name))?;
        Ok(InstanceProfileOutput {
            instance_profile: self.profile_shape(&mut tx, account, &p, true).await?,
        })
    }

    pub(crate) async fn delete_instance_profile(
        &self,
        c: &Ctx<'_>,
        i: DeleteInstanceProfileInput,
    ) -> Result<()> {
        let account = c.account();
        self.retry(|| async {
            let mut tx = self.tx();
            let key = key_of(&i.instance_profile_name);
            let p = tx
                .get::<record::InstanceProfile>(account, &key)
                .await?
                .ok_or_else(|| not_found("instance profile", &i.instance_profile_name))?;
            if !p.roles.is_empty() {
                return Err(ServiceError::DeleteConflict(
                    "Cannot delete entity, must remove roles from instance profile first.".into(),
                ));
            }
            tx.delete::<record::InstanceProfile>(account, &key)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn list_instance_profiles(
        &self,
        c: &Ctx<'_>,
        i: ListInstanceProfilesInput,
    ) -> Result<ListInstanceProfilesOutput> {
        let account = c.account();
        let page = self
            .list_records::<record::InstanceProfile>(
                account,
                i.marker.as_deref(),
                i.max_items,
                |p| path_matches(&p.path, i.path_prefix.as_deref()),
            )
            .await?;
        let mut tx = self.tx();
        let mut profiles = Vec::new();
        for p in &page.items {
            profiles.push(self.profile_shape(&mut tx, account, p, false).await?);
        }
        Ok(ListInstanceProfilesOutput {
            instance_profiles: profiles,
            is_truncated: page.truncated,
            marker: page.marker,
        })
    }

    pub(crate) async fn list_instance_profiles_for_role(
        &self,
        c: &Ctx<'_>,
        i: ListInstanceProfilesForRoleInput,
    ) -> Result<ListInstanceProfilesOutput> {
        let account = c.account();
        let role = self.load_role(account, &i.role_name).await?;
        let mut tx = self.tx();
        let mut profiles = Vec::new();
        for name in &role.instance_profiles {
            if let Some(p) = tx
                .get::<record::InstanceProfile>(account, &key_of(name))
                .await?
            {
                profiles.push(self.profile_shape(&mut tx, account, &p, false).await?);
            }
        }
        let page = paginate(
            profiles,
            |p| key_of(&p.instance_profile_name),
            i.marker.as_deref(),
            i.max_items,
        )?;
        Ok(ListInstanceProfilesOutput {
            instance_profiles: page.items,
            is_truncated: page.truncated,
            marker: page.marker,
        })
    }

    pub(crate) async fn add_role_to_instance_profile(
        &self,
        c: &Ctx<'_>,
        i: AddRoleToInstanceProfileInput,
    ) -> Result<()> {
        let account = c.account();
        self.retry(|| async {
            let mut tx = self.tx();
            let (pk, rk) = (key_of(&i.instance_profile_name), key_of(&i.role_name));
            let mut p = tx
                .get::<record::InstanceProfile>(account, &pk)
                .await?
                .ok_or_else(|| not_found("instance profile", &i.instance_profile_name))?;
            let mut role = tx
                .get::<record::Role>(account, &rk)
                .await?
                .ok_or_else(|| not_found("role", &i.role_name))?;
            if !p.roles.is_empty() {
                return Err(ServiceError::LimitExceeded(
                    "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1".into(),
                ));
            }
            p.roles.push(role.name.clone());
            role.instance_profiles.push(p.name.clone());
            tx.put(account, &pk, &p)?;
            tx.put(account, &rk, &role)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn remove_role_from_instance_profile(
        &self,
        c: &Ctx<'_>,
        i: RemoveRoleFromInstanceProfileInput,
    ) -> Result<()> {
        let account = c.account();
        self.retry(|| async {
            let mut tx = self.tx();
            let (pk, rk) = (key_of(&i.instance_profile_name), key_of(&i.role_name));
            let mut p = tx
                .get::<record::InstanceProfile>(account, &pk)
                .await?
                .ok_or_else(|| not_found("instance profile", &i.instance_profile_name))?;
            let mut role = tx
                .get::<record::Role>(account, &rk)
                .await?
                .ok_or_else(|| not_found("role", &i.role_name))?;
            if !p.roles.iter().any(|r| key_of(r) == rk) {
                return Err(ServiceError::NoSuchEntity(format!(
                    "The role with name {} cannot be found in instance profile {}.",
                    i.role_name, i.instance_profile_name
                )));
            }
            p.roles.retain(|r| key_of(r) != rk);
            role.instance_profiles.retain(|n| key_of(n) != pk);
            tx.put(account, &pk, &p)?;
            tx.put(account, &rk, &role)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn tag_instance_profile(
        &self,
        c: &Ctx<'_>,
        i: TagInstanceProfileInput,
    ) -> Result<()> {
        self.tag::<record::InstanceProfile>(c.account(), &i.instance_profile_name, &i.tags)
            .await
    }

    pub(crate) async fn untag_instance_profile(
        &self,
        c: &Ctx<'_>,
        i: UntagInstanceProfileInput,
    ) -> Result<()> {
        self.untag::<record::InstanceProfile>(c.account(), &i.instance_profile_name, &i.tag_keys)
            .await
    }

    pub(crate) async fn list_instance_profile_tags(
        &self,
        c: &Ctx<'_>,
        i: ListInstanceProfileTagsInput,
    ) -> Result<ListTagsOutput> {
        self.list_tags::<record::InstanceProfile>(
            c.account(),
            &i.instance_profile_name,
            i.marker.as_deref(),
            i.max_items,
        )
        .await
    }
}

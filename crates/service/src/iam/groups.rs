//! Groups and membership: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateGroup.html> and siblings.
//! Membership is written on both sides (user and group) in one commit.

use rolegate_proto::dto::{groups::*, shapes};
use rolegate_store::record;

use crate::{
    Service,
    error::{Result, ServiceError},
    iam::{
        Ctx, arn, key_of, not_found, paginate, path_matches, path_or_root, ts, users::user_shape,
    },
    ids,
};

use crate::handler::{Needs, handlers};

handlers! {
    CreateGroupInput => CreateGroupOutput: create_group,
        needs |i, _| Needs::new_group(&i.group_name, i.path.as_deref());
    GetGroupInput => GetGroupOutput: get_group,
        needs |i, _| Needs::group(&i.group_name);
    ListGroupsInput => ListGroupsOutput: list_groups,
        needs |i, _| Needs::list("group", i.path_prefix.as_deref());
    ListGroupsForUserInput => ListGroupsOutput: list_groups_for_user,
        needs |i, _| Needs::user(Some(&i.user_name));
    UpdateGroupInput: update_group,
        needs |i, _| Needs::group(&i.group_name).moved_to(i.new_path.as_deref(), i.new_group_name.as_deref());
    DeleteGroupInput: delete_group,
        needs |i, _| Needs::group(&i.group_name);
    AddUserToGroupInput: add_user_to_group,
        needs |i, _| Needs::group(&i.group_name);
    RemoveUserFromGroupInput: remove_user_from_group,
        needs |i, _| Needs::group(&i.group_name);
}

/// Groups a user may belong to.
pub const MAX_GROUPS_PER_USER: usize = 10;

/// The `Group` output shape.
pub fn group_shape(account: &str, g: &record::Group) -> shapes::Group {
    shapes::Group {
        path: g.path.clone(),
        group_name: g.name.clone(),
        group_id: g.id.clone(),
        arn: arn(account, "group", &g.path, &g.name),
        create_date: ts(g.created),
    }
}

impl Service {
    pub(crate) async fn create_group(
        &self,
        c: &Ctx<'_>,
        i: CreateGroupInput,
    ) -> Result<CreateGroupOutput> {
        let account = c.account();
        let group = record::Group {
            name: i.group_name.clone(),
            id: ids::unique_id(ids::prefix::GROUP)?,
            path: path_or_root(i.path.clone()),
            created: self.now(),
            inline: Default::default(),
            attached: Vec::new(),
            members: Vec::new(),
        };
        self.retry(|| async {
            let mut tx = self.tx();
            if tx
                .get::<record::Group>(account, &key_of(&group.name))
                .await?
                .is_some()
            {
                return Err(ServiceError::EntityAlreadyExists(format!(
                    "Group with name {} already exists.",
                    group.name
                )));
            }
            tx.put(account, &key_of(&group.name), &group)?;
            tx.commit().await
        })
        .await?;
        Ok(CreateGroupOutput {
            group: group_shape(account, &group),
        })
    }

    pub(crate) async fn get_group(&self, c: &Ctx<'_>, i: GetGroupInput) -> Result<GetGroupOutput> {
        let account = c.account();
        let mut tx = self.tx();
        let group = tx
            .get::<record::Group>(account, &key_of(&i.group_name))
            .await?
            .ok_or_else(|| not_found("group", &i.group_name))?;
        let mut users = Vec::new();
        for m in &group.members {
            if let Some(u) = tx.get::<record::User>(account, &key_of(m)).await? {
                users.push(user_shape(account, &u, false));
            }
        }
        let page = paginate(
            users,
            |u| key_of(&u.user_name),
            i.marker.as_deref(),
            i.max_items,
        )?;
        Ok(GetGroupOutput {
            group: group_shape(account, &group),
            users: page.items,
            is_truncated: page.truncated,
            marker: page.marker,
        })
    }

    pub(crate) async fn update_group(&self, c: &Ctx<'_>, i: UpdateGroupInput) -> Result<()> {
        let account = c.account();
        self.retry(|| async {
            let mut tx = self.tx();
            let old_key = key_of(&i.group_name);
            let mut group = tx
                .get::<record::Group>(account, &old_key)
                .await?
                .ok_or_else(|| not_found("group", &i.group_name))?;
            if let Some(p) = &i.new_path {
                group.path = p.clone();
            }
            let Some(new_name) = &i.new_group_name else {
                tx.put(account, &old_key, &group)?;
                return tx.commit().await;
            };
            let new_key = key_of(new_name);
            if new_key != old_key && tx.get::<record::Group>(account, &new_key).await?.is_some() {
                return Err(ServiceError::EntityAlreadyExists(format!(
                    "Group with name {new_name} already exists."
                )));
            }
            for m in group.members.clone() {
                if let Some(mut u) = tx.get::<record::User>(account, &key_of(&m)).await? {
                    for g in &mut u.groups {
                        if key_of(g) == old_key {
                            g.clone_from(new_name);
                        }
                    }
                    tx.put(account, &key_of(&m), &u)?;
                }
            }
            group.name.clone_from(new_name);
            if new_key != old_key {
                tx.delete::<record::Group>(account, &old_key)?;
            }
            tx.put(account, &new_key, &group)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn delete_group(&self, c: &Ctx<'_>, i: DeleteGroupInput) -> Result<()> {
        let account = c.account();
        self.retry(|| async {
            let mut tx = self.tx();
            let key = key_of(&i.group_name);
            let group = tx
                .get::<record::Group>(account, &key)
                .await?
                .ok_or_else(|| not_found("group", &i.group_name))?;
            if !group.members.is_empty() {
                return Err(ServiceError::DeleteConflict(
                    "Cannot delete entity, must remove users from group first.".into(),
                ));
            }
            if !group.inline.is_empty() {
                return Err(ServiceError::DeleteConflict(
                    "Cannot delete entity, must delete policies first.".into(),
                ));
            }
            if !group.attached.is_empty() {
                return Err(ServiceError::DeleteConflict(
                    "Cannot delete entity, must detach all policies first.".into(),
                ));
            }
            tx.delete::<record::Group>(account, &key)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn list_groups(
        &self,
        c: &Ctx<'_>,
        i: ListGroupsInput,
    ) -> Result<ListGroupsOutput> {
        let account = c.account();
        let page = self
            .list_records::<record::Group>(account, i.marker.as_deref(), i.max_items, |g| {
                path_matches(&g.path, i.path_prefix.as_deref())
            })
            .await?;
        Ok(ListGroupsOutput {
            groups: page.items.iter().map(|g| group_shape(account, g)).collect(),
            is_truncated: page.truncated,
            marker: page.marker,
        })
    }

    pub(crate) async fn add_user_to_group(
        &self,
        c: &Ctx<'_>,
        i: AddUserToGroupInput,
    ) -> Result<()> {
        let account = c.account();
        self.retry(|| async {
            let mut tx = self.tx();
            let (gk, uk) = (key_of(&i.group_name), key_of(&i.user_name));
            let mut group = tx
                .get::<record::Group>(account, &gk)
                .await?
                .ok_or_else(|| not_found("group", &i.group_name))?;
            let mut user = tx
                .get::<record::User>(account, &uk)
                .await?
                .ok_or_else(|| not_found("user", &i.user_name))?;
            if user.groups.iter().any(|g| key_of(g) == gk) {
                return Ok(());
            }
            if user.groups.len() >= MAX_GROUPS_PER_USER {
                return Err(ServiceError::LimitExceeded(format!(
                    "Cannot exceed quota for GroupsPerUser: {MAX_GROUPS_PER_USER}"
                )));
            }
            user.groups.push(group.name.clone());
            group.members.push(user.name.clone());
            tx.put(account, &gk, &group)?;
            tx.put(account, &uk, &user)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn remove_user_from_group(
        &self,
        c: &Ctx<'_>,
        i: RemoveUserFromGroupInput,
    ) -> Result<()> {
        let account = c.account();
        self.retry(|| async {
            let mut tx = self.tx();
            let (gk, uk) = (key_of(&i.group_name), key_of(&i.user_name));
            let mut group = tx
                .get::<record::Group>(account, &gk)
                .await?
                .ok_or_else(|| not_found("group", &i.group_name))?;
            let mut user = tx
                .get::<record::User>(account, &uk)
                .await?
                .ok_or_else(|| not_found("user", &i.user_name))?;
            if !user.groups.iter().any(|g| key_of(g) == gk) {
                return Err(ServiceError::NoSuchEntity(format!(
                    "User {} is not in group {}.",
                    i.user_name, i.group_name
                )));
            }
            user.groups.retain(|g| key_of(g) != gk);
            group.members.retain(|m| key_of(m) != uk);
            tx.put(account, &gk, &group)?;
            tx.put(account, &uk, &user)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn list_groups_for_user(
        &self,
        c: &Ctx<'_>,
        i: ListGroupsForUserInput,
    ) -> Result<ListGroupsOutput> {
        let account = c.account();
        let mut tx = self.tx();
        let user = tx
            .get::<record::User>(account, &key_of(&i.user_name))
            .await?
            .ok_or_else(|| not_found("user", &i.user_name))?;
        let mut groups = Vec::new();
        for g in &user.groups {
            if let Some(g) = tx.get::<record::Group>(account, &key_of(g)).await? {
                groups.push(group_shape(account, &g));
            }
        }
        let page = paginate(
            groups,
            |g| key_of(&g.group_name),
            i.marker.as_deref(),
            i.max_items,
        )?;
        Ok(ListGroupsOutput {
            groups: page.items,
            is_truncated: page.truncated,
            marker: page.marker,
        })
    }
}

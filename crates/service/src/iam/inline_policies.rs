//! Inline policies of users, groups and roles: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutUserPolicy.html>
//! and siblings. One generic implementation over [`PolicyHolder`]; the size quota is the
//! aggregate of an entity's inline documents (users 2,048, groups 5,120, roles 10,240
//! non-white-space characters).

use std::collections::BTreeMap;

use rolegate_policy::PolicyKind;
use rolegate_proto::{
    dto::{
        attached_policies::ListAttachedPoliciesOutput, inline_policies::*, shapes::AttachedPolicy,
    },
    types::PolicyDocumentText,
};
use rolegate_store::{Entity, record};

use crate::{
    Service,
    error::{Result, ServiceError},
    iam::{Ctx, ManagedRef, key_of, not_found, paginate, path_matches, policy_size},
};

use crate::handler::{Needs, handlers};

handlers! {
    GetUserPolicyInput => GetUserPolicyOutput: get_user_policy,
        needs |i, _| Needs::user(Some(&i.user_name));
    ListUserPoliciesInput => ListPolicyNamesOutput: list_user_policies,
        needs |i, _| Needs::user(Some(&i.user_name));
    GetGroupPolicyInput => GetGroupPolicyOutput: get_group_policy,
        needs |i, _| Needs::group(&i.group_name);
    ListGroupPoliciesInput => ListPolicyNamesOutput: list_group_policies,
        needs |i, _| Needs::group(&i.group_name);
    GetRolePolicyInput => GetRolePolicyOutput: get_role_policy,
        needs |i, _| Needs::role(&i.role_name);
    ListRolePoliciesInput => ListPolicyNamesOutput: list_role_policies,
        needs |i, _| Needs::role(&i.role_name);
    PutUserPolicyInput: put_user_policy,
        needs |i, _| Needs::user(Some(&i.user_name)).entity_boundary();
    DeleteUserPolicyInput: delete_user_policy,
        needs |i, _| Needs::user(Some(&i.user_name)).entity_boundary();
    PutGroupPolicyInput: put_group_policy,
        needs |i, _| Needs::group(&i.group_name);
    DeleteGroupPolicyInput: delete_group_policy,
        needs |i, _| Needs::group(&i.group_name);
    PutRolePolicyInput: put_role_policy,
        needs |i, _| Needs::role(&i.role_name).entity_boundary();
    DeleteRolePolicyInput: delete_role_policy,
        needs |i, _| Needs::role(&i.role_name).entity_boundary();
}

/// A user, group or role: something that holds inline and attached policies.
pub trait PolicyHolder: Entity {
    /// `user`, `group`, `role`.
    const WHAT: &'static str;
    /// Aggregate inline size quota.
    const INLINE_LIMIT: usize;
    /// Quota name for attached policies.
    const ATTACH_QUOTA: &'static str;
    /// Inline policies.
    fn inline(&mut self) -> &mut BTreeMap<String, String>;
    /// Attached policy ARNs.
    fn attached(&mut self) -> &mut Vec<String>;
    /// Whether ordinary calls may change its policies: a service-linked role's are AWS's
    /// (`UnmodifiableEntity`).
    fn check_modifiable(&self) -> Result<()> {
        Ok(())
    }
}

impl PolicyHolder for record::User {
    const WHAT: &'static str = "user";
    const INLINE_LIMIT: usize = 2048;
    const ATTACH_QUOTA: &'static str = "PoliciesPerUser";
    fn inline(&mut self) -> &mut BTreeMap<String, String> {
        &mut self.inline
    }
    fn attached(&mut self) -> &mut Vec<String> {
        &mut self.attached
    }
}

impl PolicyHolder for record::Group {
    const WHAT: &'static str = "group";
    const INLINE_LIMIT: usize = 5120;
    const ATTACH_QUOTA: &'static str = "PoliciesPerGroup";
    fn inline(&mut self) -> &mut BTreeMap<String, String> {
        &mut self.inline
    }
    fn attached(&mut self) -> &mut Vec<String> {
        &mut self.attached
    }
}

impl PolicyHolder for record::Role {
    const WHAT: &'static str = "role";
    const INLINE_LIMIT: usize = 10240;
    const ATTACH_QUOTA: &'static str = "PoliciesPerRole";
    fn inline(&mut self) -> &mut BTreeMap<String, String> {
        &mut self.inline
    }
    fn attached(&mut self) -> &mut Vec<String> {
        &mut self.attached
    }
    fn check_modifiable(&self) -> Result<()> {
        crate::iam::service_linked_roles::check_modifiable(self)
    }
}

/// A user or role: something that can have a permissions boundary.
pub trait Bounded: PolicyHolder {
    /// The boundary policy ARN.
    fn boundary(&mut self) -> &mut Option<String>;
}

impl Bounded for record::User {
    fn boundary(&mut self) -> &mut Option<String> {
        &mut self.boundary
    }
}

impl Bounded for record::Role {
    fn boundary(&mut self) -> &mut Option<String> {
        &mut self.boundary
    }
}

/// A service-role policy (`arn:aws:iam::aws:policy/aws-service-role/…`) belongs to
/// service-linked roles only: attaching it anywhere else is `PolicyNotAttachable`, as in AWS.
fn not_service_role_policy(r: &crate::iam::policies::ManagedRef) -> Result<()> {
    match r {
        crate::iam::policies::ManagedRef::Aws(p)
            if p.path == rolegate_store::record::SERVICE_LINKED_PATH =>
        {
            Err(ServiceError::PolicyNotAttachable(
                "Cannot attach a Service Role Policy to a Customer Role.".into(),
            ))
        }
        // The root-task policies scope AssumeRoot's sessions and nothing else.
        crate::iam::policies::ManagedRef::Aws(p) if p.path == "/root-task/" => Err(
            ServiceError::PolicyNotAttachable(format!("Policy {} is not attachable.", p.arn())),
        ),
        _ => Ok(()),
    }
}

/// Whether two managed-policy ARNs of one account name the same policy: policy names are
/// unique case-insensitively and a name has one path, so the ARNs compare without case.
fn same_arn(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        (None, None) => true,
        _ => false,
    }
}

/// Managed policies attached per user, group or role.
pub const MAX_ATTACHED: usize = 10;

impl Service {
    /// Sets (`Some`) or removes (`None`) a user's or role's permissions boundary, moving the
    /// boundary-use counters of the old and new policies in the same commit.
    pub(crate) async fn set_boundary<T: Bounded>(
        &self,
        account: &str,
        name: &str,
        new: Option<&str>,
    ) -> Result<()> {
        let new = new
            .map(|arn| self.resolve_policy_arn(account, arn))
            .transpose()?;
        if let Some(n) = &new {
            not_service_role_policy(n)?;
        }
        self.retry(|| async {
            let mut tx = self.tx();
            let key = key_of(name);
            let mut holder = tx
                .get::<T>(account, &key)
                .await?
                .ok_or_else(|| not_found(T::WHAT, name))?;
            holder.check_modifiable()?;
            // The stored ARN of the new boundary (the caller's spelling never reaches the
            // record).
            let new_arn = match &new {
                Some(n) => Some(self.adjust_usage(&mut tx, account, n, 0, 1).await?),
                None => None,
            };
            if same_arn(holder.boundary().as_deref(), new_arn.as_deref()) {
                return Ok(());
            }
            if let Some(old) = holder.boundary().take() {
                let old = self.resolve_policy_arn(account, &old)?;
                self.adjust_usage(&mut tx, account, &old, 0, -1).await?;
            }
            *holder.boundary() = new_arn;
            tx.put(account, &key, &holder)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn put_inline<T: PolicyHolder>(
        &self,
        account: &str,
        name: &str,
        policy_name: &str,
        document: &str,
    ) -> Result<()> {
        self.check_document(document, PolicyKind::Identity)?;
        self.retry(|| async {
            let mut tx = self.tx();
            let key = key_of(name);
            let mut holder = tx
                .get::<T>(account, &key)
                .await?
                .ok_or_else(|| not_found(T::WHAT, name))?;
            holder.check_modifiable()?;
            holder
                .inline()
                .insert(policy_name.to_owned(), document.to_owned());
            let total: usize = holder.inline().values().map(|d| policy_size(d)).sum();
            if total > T::INLINE_LIMIT {
                return Err(ServiceError::LimitExceeded(format!(
                    "Maximum policy size of {} bytes exceeded for {} {name}",
                    T::INLINE_LIMIT,
                    T::WHAT
                )));
            }
            tx.put(account, &key, &holder)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn get_inline<T: PolicyHolder>(
        &self,
        account: &str,
        name: &str,
        policy_name: &str,
    ) -> Result<String> {
        let mut tx = self.tx();
        let mut holder = tx
            .get::<T>(account, &key_of(name))
            .await?
            .ok_or_else(|| not_found(T::WHAT, name))?;
        holder.inline().get(policy_name).cloned().ok_or_else(|| {
            ServiceError::NoSuchEntity(format!(
                "The {} policy with name {policy_name} cannot be found.",
                T::WHAT
            ))
        })
    }

    pub(crate) async fn delete_inline<T: PolicyHolder>(
        &self,
        account: &str,
        name: &str,
        policy_name: &str,
    ) -> Result<()> {
        self.retry(|| async {
            let mut tx = self.tx();
            let key = key_of(name);
            let mut holder = tx
                .get::<T>(account, &key)
                .await?
                .ok_or_else(|| not_found(T::WHAT, name))?;
            holder.check_modifiable()?;
            if holder.inline().remove(policy_name).is_none() {
                return Err(ServiceError::NoSuchEntity(format!(
                    "The {} policy with name {policy_name} cannot be found.",
                    T::WHAT
                )));
            }
            tx.put(account, &key, &holder)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn list_inline<T: PolicyHolder>(
        &self,
        account: &str,
        name: &str,
        marker: Option<&str>,
        max: Option<i64>,
    ) -> Result<ListPolicyNamesOutput> {
        let mut tx = self.tx();
        let mut holder = tx
            .get::<T>(account, &key_of(name))
            .await?
            .ok_or_else(|| not_found(T::WHAT, name))?;
        let names: Vec<String> = holder.inline().keys().cloned().collect();
        let page = paginate(names, Clone::clone, marker, max)?;
        Ok(ListPolicyNamesOutput {
            policy_names: page.items,
            is_truncated: page.truncated,
            marker: page.marker,
        })
    }

    pub(crate) async fn attach<T: PolicyHolder>(
        &self,
        account: &str,
        name: &str,
        policy_arn: &str,
    ) -> Result<()> {
        let r = self.resolve_policy_arn(account, policy_arn)?;
        not_service_role_policy(&r)?;
        self.retry(|| async {
            let mut tx = self.tx();
            let key = key_of(name);
            let mut holder = tx
                .get::<T>(account, &key)
                .await?
                .ok_or_else(|| not_found(T::WHAT, name))?;
            holder.check_modifiable()?;
            // The stored ARN: attachments never keep the caller's spelling.
            let arn = self.adjust_usage(&mut tx, account, &r, 1, 0).await?;
            if holder
                .attached()
                .iter()
                .any(|a| same_arn(Some(a), Some(&arn)))
            {
                // Attaching again is a no-op (the policy exists; nothing is committed).
                return Ok(());
            }
            if holder.attached().len() >= MAX_ATTACHED {
                return Err(ServiceError::LimitExceeded(format!(
                    "Cannot exceed quota for {}: {MAX_ATTACHED}",
                    T::ATTACH_QUOTA
                )));
            }
            holder.attached().push(arn);
            tx.put(account, &key, &holder)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn detach<T: PolicyHolder>(
        &self,
        account: &str,
        name: &str,
        policy_arn: &str,
    ) -> Result<()> {
        let r = self.resolve_policy_arn(account, policy_arn)?;
        self.retry(|| async {
            let mut tx = self.tx();
            let key = key_of(name);
            let mut holder = tx
                .get::<T>(account, &key)
                .await?
                .ok_or_else(|| not_found(T::WHAT, name))?;
            holder.check_modifiable()?;
            let arn = r.arn();
            if !holder
                .attached()
                .iter()
                .any(|a| same_arn(Some(a), Some(&arn)))
            {
                return Err(ServiceError::NoSuchEntity(format!(
                    "Policy {arn} was not found."
                )));
            }
            holder.attached().retain(|a| !same_arn(Some(a), Some(&arn)));
            self.adjust_usage(&mut tx, account, &r, -1, 0).await?;
            tx.put(account, &key, &holder)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn list_attached<T: PolicyHolder>(
        &self,
        account: &str,
        name: &str,
        path_prefix: Option<&str>,
        marker: Option<&str>,
        max: Option<i64>,
    ) -> Result<ListAttachedPoliciesOutput> {
        let mut tx = self.tx();
        let mut holder = tx
            .get::<T>(account, &key_of(name))
            .await?
            .ok_or_else(|| not_found(T::WHAT, name))?;
        let mut items = Vec::new();
        for arn in holder.attached().iter() {
            let (policy_name, path) = match self.resolve_policy_arn(account, arn) {
                Ok(ManagedRef::Aws(p)) => (p.name.to_owned(), p.path.to_owned()),
                Ok(ManagedRef::Customer { path, .. }) => {
                    (arn.rsplit('/').next().unwrap_or_default().to_owned(), path)
                }
                Err(_) => continue,
            };
            if path_matches(&path, path_prefix) {
                items.push(AttachedPolicy {
                    policy_name,
                    policy_arn: arn.clone(),
                });
            }
        }
        let page = paginate(items, |p| p.policy_arn.clone(), marker, max)?;
        Ok(ListAttachedPoliciesOutput {
            attached_policies: page.items,
            is_truncated: page.truncated,
            marker: page.marker,
        })
    }

    pub(crate) async fn put_user_policy(&self, c: &Ctx<'_>, i: PutUserPolicyInput) -> Result<()> {
        self.put_inline::<record::User>(
            c.account(),
            &i.user_name,
            &i.policy_name,
            &i.policy_document,
        )
        .await
    }
    pub(crate) async fn put_group_policy(&self, c: &Ctx<'_>, i: PutGroupPolicyInput) -> Result<()> {
        self.put_inline::<record::Group>(
            c.account(),
            &i.group_name,
            &i.policy_name,
            &i.policy_document,
        )
        .await
    }
    pub(crate) async fn put_role_policy(&self, c: &Ctx<'_>, i: PutRolePolicyInput) -> Result<()> {
        self.put_inline::<record::Role>(
            c.account(),
            &i.role_name,
            &i.policy_name,
            &i.policy_document,
        )
        .await
    }
    pub(crate) async fn get_user_policy(
        &self,
        c: &Ctx<'_>,
        i: GetUserPolicyInput,
    ) -> Result<GetUserPolicyOutput> {
        let doc = self
            .get_inline::<record::User>(c.account(), &i.user_name, &i.policy_name)
            .await?;
        let user = self.load_user(c.account(), &i.user_name).await?;
        Ok(GetUserPolicyOutput {
            user_name: user.name,
            policy_name: i.policy_name,
            policy_document: PolicyDocumentText(doc),
        })
    }
    pub(crate) async fn get_group_policy(
        &self,
        c: &Ctx<'_>,
        i: GetGroupPolicyInput,
    ) -> Result<GetGroupPolicyOutput> {
        let doc = self
            .get_inline::<record::Group>(c.account(), &i.group_name, &i.policy_name)
            .await?;
        Ok(GetGroupPolicyOutput {
            group_name: i.group_name,
            policy_name: i.policy_name,
            policy_document: PolicyDocumentText(doc),
        })
    }
    pub(crate) async fn get_role_policy(
        &self,
        c: &Ctx<'_>,
        i: GetRolePolicyInput,
    ) -> Result<GetRolePolicyOutput> {
        let doc = self
            .get_inline::<record::Role>(c.account(), &i.role_name, &i.policy_name)
            .await?;
        Ok(GetRolePolicyOutput {
            role_name: i.role_name,
            policy_name: i.policy_name,
            policy_document: PolicyDocumentText(doc),
        })
    }
    pub(crate) async fn delete_user_policy(
        &self,
        c: &Ctx<'_>,
        i: DeleteUserPolicyInput,
    ) -> Result<()> {
        self.delete_inline::<record::User>(c.account(), &i.user_name, &i.policy_name)
            .await
    }
    pub(crate) async fn delete_group_policy(
        &self,
        c: &Ctx<'_>,
        i: DeleteGroupPolicyInput,
    ) -> Result<()> {
        self.delete_inline::<record::Group>(c.account(), &i.group_name, &i.policy_name)
            .await
    }
    pub(crate) async fn delete_role_policy(
        &self,
        c: &Ctx<'_>,
        i: DeleteRolePolicyInput,
    ) -> Result<()> {
        self.delete_inline::<record::Role>(c.account(), &i.role_name, &i.policy_name)
            .await
    }
    pub(crate) async fn list_user_policies(
        &self,
        c: &Ctx<'_>,
        i: ListUserPoliciesInput,
    ) -> Result<ListPolicyNamesOutput> {
        self.list_inline::<record::User>(
            c.account(),
            &i.user_name,
            i.marker.as_deref(),
            i.max_items,
        )
        .await
    }
    pub(crate) async fn list_group_policies(
        &self,
        c: &Ctx<'_>,
        i: ListGroupPoliciesInput,
    ) -> Result<ListPolicyNamesOutput> {
        self.list_inline::<record::Group>(
            c.account(),
            &i.group_name,
            i.marker.as_deref(),
            i.max_items,
        )
        .await
    }
    pub(crate) async fn list_role_policies(
        &self,
        c: &Ctx<'_>,
        i: ListRolePoliciesInput,
    ) -> Result<ListPolicyNamesOutput> {
        self.list_inline::<record::Role>(
            c.account(),
            &i.role_name,
            i.marker.as_deref(),
            i.max_items,
        )
        .await
    }
}

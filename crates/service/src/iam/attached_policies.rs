//! Managed-policy attachments: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachUserPolicy.html>
//! and siblings, over the generic implementation in `inline_policies`.

use rolegate_proto::dto::attached_policies::*;
use rolegate_store::record;

use crate::{Service, error::Result, iam::Ctx};

use crate::handler::{Needs, handlers};

handlers! {
    ListAttachedUserPoliciesInput => ListAttachedPoliciesOutput: list_attached_user_policies,
        needs |i, _| Needs::user(Some(&i.user_name));
    ListAttachedGroupPoliciesInput => ListAttachedPoliciesOutput: list_attached_group_policies,
        needs |i, _| Needs::group(&i.group_name);
    ListAttachedRolePoliciesInput => ListAttachedPoliciesOutput: list_attached_role_policies,
        needs |i, _| Needs::role(&i.role_name);
    AttachUserPolicyInput: attach_user_policy,
        needs |i, _| Needs::user(Some(&i.user_name)).policy_key("iam:PolicyARN", &i.policy_arn).entity_boundary();
    DetachUserPolicyInput: detach_user_policy,
        needs |i, _| Needs::user(Some(&i.user_name)).policy_key("iam:PolicyARN", &i.policy_arn).entity_boundary();
    AttachGroupPolicyInput: attach_group_policy,
        needs |i, _| Needs::group(&i.group_name).policy_key("iam:PolicyARN", &i.policy_arn);
    DetachGroupPolicyInput: detach_group_policy,
        needs |i, _| Needs::group(&i.group_name).policy_key("iam:PolicyARN", &i.policy_arn);
    AttachRolePolicyInput: attach_role_policy,
        needs |i, _| Needs::role(&i.role_name).policy_key("iam:PolicyARN", &i.policy_arn).entity_boundary();
    DetachRolePolicyInput: detach_role_policy,
        needs |i, _| Needs::role(&i.role_name).policy_key("iam:PolicyARN", &i.policy_arn).entity_boundary();
}

impl Service {
    pub(crate) async fn attach_user_policy(
        &self,
        c: &Ctx<'_>,
        i: AttachUserPolicyInput,
    ) -> Result<()> {
        self.attach::<record::User>(c.account(), &i.user_name, &i.policy_arn)
            .await
    }
    pub(crate) async fn detach_user_policy(
        &self,
        c: &Ctx<'_>,
        i: DetachUserPolicyInput,
    ) -> Result<()> {
        self.detach::<record::User>(c.account(), &i.user_name, &i.policy_arn)
            .await
    }
    pub(crate) async fn attach_group_policy(
        &self,
        c: &Ctx<'_>,
        i: AttachGroupPolicyInput,
    ) -> Result<()> {
        self.attach::<record::Group>(c.account(), &i.group_name, &i.policy_arn)
            .await
    }
    pub(crate) async fn detach_group_policy(
        &self,
        c: &Ctx<'_>,
        i: DetachGroupPolicyInput,
    ) -> Result<()> {
        self.detach::<record::Group>(c.account(), &i.group_name, &i.policy_arn)
            .await
    }
    pub(crate) async fn attach_role_policy(
        &self,
        c: &Ctx<'_>,
        i: AttachRolePolicyInput,
    ) -> Result<()> {
        self.attach::<record::Role>(c.account(), &i.role_name, &i.policy_arn)
            .await
    }
    pub(crate) async fn detach_role_policy(
        &self,
        c: &Ctx<'_>,
        i: DetachRolePolicyInput,
    ) -> Result<()> {
        self.detach::<record::Role>(c.account(), &i.role_name, &i.policy_arn)
            .await
    }
    pub(crate) async fn list_attached_user_policies(
        &self,
        c: &Ctx<'_>,
        i: ListAttachedUserPoliciesInput,
    ) -> Result<ListAttachedPoliciesOutput> {
        self.list_attached::<record::User>(
            c.account(),
            &i.user_name,
            i.path_prefix.as_deref(),
            i.marker.as_deref(),
            i.max_items,
        )
        .await
    }
    pub(crate) async fn list_attached_group_policies(
        &self,
        c: &Ctx<'_>,
        i: ListAttachedGroupPoliciesInput,
    ) -> Result<ListAttachedPoliciesOutput> {
        self.list_attached::<record::Group>(
            c.account(),
            &i.group_name,
            i.path_prefix.as_deref(),
            i.marker.as_deref(),
            i.max_items,
        )
        .await
    }
    pub(crate) async fn list_attached_role_policies(
        &self,
        c: &Ctx<'_>,
        i: ListAttachedRolePoliciesInput,
    ) -> Result<ListAttachedPoliciesOutput> {
        self.list_attached::<record::Role>(
            c.account(),
            &i.role_name,
            i.path_prefix.as_deref(),
            i.marker.as_deref(),
            i.max_items,
        )
        .await
    }
}

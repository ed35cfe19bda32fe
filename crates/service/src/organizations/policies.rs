//! Service control policies: Enable/DisablePolicyType, Create/Update/Delete/DescribePolicy,
//! ListPolicies, ListPoliciesForTarget, ListTargetsForPolicy, Attach/DetachPolicy. What they
//! do to requests is in `authorize` (the SCP levels from [`Service::stored_scps`]).
//!
//! <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html>

use rolegate_proto::dto::organizations::{
    AttachPolicyInput, CreatePolicyInput, DeletePolicyInput, DescribePolicyInput,
    DetachPolicyInput, DisablePolicyTypeInput, EnablePolicyTypeInput, ListPoliciesForTargetInput,
    ListPoliciesInput, ListPoliciesOutput, ListTargetsForPolicyInput, ListTargetsForPolicyOutput,
    Policy, PolicyOutput, PolicySummary, PolicyTargetSummary, RootOutput, UpdatePolicyInput,
};
use rolegate_store::record::{self, Organization};

use super::{
    MAX_ATTACHED, MAX_ENTRIES, Node, RCP, SCP, account_arn, attach_defaults, document_kind,
    ensure_managed_policies, lower_id, merge_tags, node, org_error, ou_arn, page, policy_arn,
    quota, root_arn, root_shape,
};
use crate::{
    Service,
    error::{OrgError, Result, ServiceError},
    handler::{Needs, OrgResource, handlers},
    iam::Ctx,
};

handlers! {
    EnablePolicyTypeInput => RootOutput: enable_policy_type,
        needs |i, _| Needs::org(OrgResource::Root(&i.root_id));
    DisablePolicyTypeInput => RootOutput: disable_policy_type,
        needs |i, _| Needs::org(OrgResource::Root(&i.root_id));
    CreatePolicyInput => PolicyOutput: create_org_policy,
        needs |i, _| Needs::org(OrgResource::None).tags(&i.tags);
    UpdatePolicyInput => PolicyOutput: update_org_policy,
        needs |i, _| Needs::org(OrgResource::Policy(&i.policy_id));
    DeletePolicyInput: delete_org_policy,
        needs |i, _| Needs::org(OrgResource::Policy(&i.policy_id));
    DescribePolicyInput => PolicyOutput: describe_org_policy,
        needs |i, _| Needs::org(OrgResource::Policy(&i.policy_id));
    ListPoliciesInput => ListPoliciesOutput: list_org_policies,
        needs |i, _| Needs::org(OrgResource::None);
    ListPoliciesForTargetInput => ListPoliciesOutput: list_policies_for_target,
        needs |i, _| Needs::org(OrgResource::Any(&i.target_id));
    ListTargetsForPolicyInput => ListTargetsForPolicyOutput: list_targets_for_policy,
        needs |i, _| Needs::org(OrgResource::Policy(&i.policy_id));
    AttachPolicyInput: attach_org_policy,
        needs |i, _| Needs::org(OrgResource::Policy(&i.policy_id)).and_org(OrgResource::Any(&i.target_id));
    DetachPolicyInput: detach_org_policy,
        needs |i, _| Needs::org(OrgResource::Policy(&i.policy_id)).and_org(OrgResource::Any(&i.target_id));
}

/// The largest SCP document, in characters (AWS's quota).
const MAX_SCP_SIZE: usize = 5120;

fn summary(o: &Organization, p: &record::OrgPolicy) -> PolicySummary {
    PolicySummary {
        id: p.id.clone(),
        arn: policy_arn(o, &p.id, &p.kind, p.aws_managed),
        name: p.name.clone(),
        description: p.description.clone(),
        r#type: p.kind.clone(),
        aws_managed: p.aws_managed,
    }
}

fn policy_shape(o: &Organization, p: &record::OrgPolicy) -> PolicyOutput {
    PolicyOutput {
        policy: Policy {
            policy_summary: summary(o, p),
            content: p.content.clone(),
        },
    }
}

fn policy_not_found() -> ServiceError {
    org_error(
        OrgError::PolicyNotFound,
        "We can't find a policy with the PolicyId that you specified.",
    )
}

fn root_not_found() -> ServiceError {
    org_error(
        OrgError::RootNotFound,
        "We can't find a root with the RootId that you specified.",
    )
}

fn target_not_found() -> ServiceError {
    org_error(
        OrgError::TargetNotFound,
        "We can't find a root, OU, or account with the TargetId that you specified.",
    )
}

/// Only the types enforced here (SCPs and RCPs); others are refused, never silently ignored.
fn scp_only(kind: &str) -> Result<()> {
    if kind == SCP || kind == RCP {
        Ok(())
    } else {
        Err(org_error(
            OrgError::PolicyTypeNotAvailable,
            "You can't use a policy type that isn't available in this organization (Rolegate enforces SERVICE_CONTROL_POLICY and RESOURCE_CONTROL_POLICY).",
        ))
    }
}

/// Whether `id` is a root, OU or account of `o` (a policy target).
fn is_target(o: &Organization, id: &str) -> bool {
    matches!(node(o, id), Some(Node::Root | Node::Unit | Node::Account))
}

impl Service {
    /// Checks a policy's content: a valid policy of its type (SCPs as identity policies, RCPs as
    /// resource policies) within the quota.
    fn check_scp(&self, content: &str, kind: &str) -> Result<()> {
        if content.chars().filter(|c| !c.is_whitespace()).count() > MAX_SCP_SIZE {
            return Err(org_error(
                OrgError::ConstraintViolation,
                "You attempted to create a policy that is larger than the maximum size (POLICY_CONTENT_LIMIT_EXCEEDED).",
            ));
        }
        self.parsed_policy(content, document_kind(kind))
            .map(|_| ())
            .map_err(|e| {
                org_error(
                    OrgError::MalformedPolicyDocument,
                    format!("The provided policy document doesn't meet the requirements of the specified policy type: {e}"),
                )
            })
    }

    pub(crate) async fn enable_policy_type(
        &self,
        c: &Ctx<'_>,
        i: EnablePolicyTypeInput,
    ) -> Result<RootOutput> {
        self.change_organization(c, |o| {
            if o.root.id != i.root_id {
                return Err(root_not_found());
            }
            scp_only(&i.policy_type)?;
            if o.root.policy_types.contains(&i.policy_type) {
                return Err(org_error(
                    OrgError::PolicyTypeAlreadyEnabled,
                    "The specified policy type is already enabled.",
                ));
            }
            o.root.policy_types.push(i.policy_type.clone());
            ensure_managed_policies(o);
            // The type's full-access policy goes on every root, OU and account, so enabling it
            // denies nothing.
            let targets: Vec<String> = std::iter::once(o.root.id.clone())
                .chain(o.units.keys().cloned())
                .chain(o.accounts.keys().cloned())
                .collect();
            for t in targets {
                attach_defaults(o, &t);
            }
            Ok(RootOutput {
                root: root_shape(o),
            })
        })
        .await
    }

    pub(crate) async fn disable_policy_type(
        &self,
        c: &Ctx<'_>,
        i: DisablePolicyTypeInput,
    ) -> Result<RootOutput> {
        self.change_organization(c, |o| {
            if o.root.id != i.root_id {
                return Err(root_not_found());
            }
            if !o.root.policy_types.contains(&i.policy_type) {
                return Err(org_error(
                    OrgError::PolicyTypeNotEnabled,
                    "This operation can be performed only for enabled policy types.",
                ));
            }
            o.root.policy_types.retain(|t| *t != i.policy_type);
            // Disabling a type detaches every policy of it.
            let of_type: Vec<String> = o
                .policies
                .values()
                .filter(|p| p.kind == i.policy_type)
                .map(|p| p.id.clone())
                .collect();
            for attached in o.attachments.values_mut() {
                attached.retain(|p| !of_type.contains(p));
            }
            o.attachments.retain(|_, a| !a.is_empty());
            Ok(RootOutput {
                root: root_shape(o),
            })
        })
        .await
    }

    pub(crate) async fn create_org_policy(
        &self,
        c: &Ctx<'_>,
        i: CreatePolicyInput,
    ) -> Result<PolicyOutput> {
        scp_only(&i.r#type)?;
        self.check_scp(&i.content, &i.r#type)?;
        self.change_organization(c, |o| {
            if o.policies.len() >= MAX_ENTRIES {
                return Err(quota("POLICY_NUMBER_LIMIT_EXCEEDED"));
            }
            if o.policies
                .values()
                .any(|p| p.name == i.name && p.kind == i.r#type)
            {
                return Err(org_error(
                    OrgError::DuplicatePolicy,
                    "A policy with the same name already exists.",
                ));
            }
            let mut tags = Vec::new();
            merge_tags(&mut tags, &i.tags)?;
            let p = record::OrgPolicy {
                id: format!("p-{}", lower_id(8)?),
                name: i.name.clone(),
                description: i.description.clone(),
                kind: i.r#type.clone(),
                content: i.content.clone(),
                aws_managed: false,
                tags,
            };
            let out = policy_shape(o, &p);
            o.policies.insert(p.id.clone(), p);
            Ok(out)
        })
        .await
    }

    pub(crate) async fn update_org_policy(
        &self,
        c: &Ctx<'_>,
        i: UpdatePolicyInput,
    ) -> Result<PolicyOutput> {
        let kind = self
            .organization_for(c, false)
            .await?
            .policies
            .get(&i.policy_id)
            .map(|p| p.kind.clone())
            .ok_or_else(policy_not_found)?;
        if let Some(content) = &i.content {
            self.check_scp(content, &kind)?;
        }
        self.change_organization(c, |o| {
            let current = o.policies.get(&i.policy_id).ok_or_else(policy_not_found)?;
            if current.kind != kind {
                return Err(ServiceError::Retry);
            }
            if current.aws_managed {
                return Err(ServiceError::AccessDenied(
                    "You can't modify an AWS managed policy.".into(),
                ));
            }
            if let Some(name) = &i.name
                && o.policies
                    .values()
                    .any(|p| p.name == *name && p.kind == current.kind && p.id != i.policy_id)
            {
                return Err(org_error(
                    OrgError::DuplicatePolicy,
                    "A policy with the same name already exists.",
                ));
            }
            let p = o
                .policies
                .get_mut(&i.policy_id)
                .ok_or_else(policy_not_found)?;
            if let Some(name) = &i.name {
                p.name.clone_from(name);
            }
            if let Some(d) = &i.description {
                p.description.clone_from(d);
            }
            if let Some(content) = &i.content {
                p.content.clone_from(content);
            }
            let p = p.clone();
            Ok(policy_shape(o, &p))
        })
        .await
    }

    pub(crate) async fn delete_org_policy(&self, c: &Ctx<'_>, i: DeletePolicyInput) -> Result<()> {
        self.change_organization(c, |o| {
            let p = o.policies.get(&i.policy_id).ok_or_else(policy_not_found)?;
            if p.aws_managed {
                return Err(ServiceError::AccessDenied(
                    "You can't delete an AWS managed policy.".into(),
                ));
            }
            if o.attachments.values().any(|a| a.contains(&i.policy_id)) {
                return Err(org_error(
                    OrgError::PolicyInUse,
                    "The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.",
                ));
            }
            o.policies.remove(&i.policy_id);
            Ok(())
        })
        .await
    }

    pub(crate) async fn describe_org_policy(
        &self,
        c: &Ctx<'_>,
        i: DescribePolicyInput,
    ) -> Result<PolicyOutput> {
        let o = self.organization_for(c, false).await?;
        let p = o.policies.get(&i.policy_id).ok_or_else(policy_not_found)?;
        Ok(policy_shape(&o, p))
    }

    pub(crate) async fn list_org_policies(
        &self,
        c: &Ctx<'_>,
        i: ListPoliciesInput,
    ) -> Result<ListPoliciesOutput> {
        let o = self.organization_for(c, false).await?;
        let items = o
            .policies
            .values()
            .filter(|p| p.kind == i.filter)
            .map(|p| summary(&o, p))
            .collect();
        policies_page(items, i.next_token.as_deref(), i.max_results)
    }

    pub(crate) async fn list_policies_for_target(
        &self,
        c: &Ctx<'_>,
        i: ListPoliciesForTargetInput,
    ) -> Result<ListPoliciesOutput> {
        let o = self.organization_for(c, false).await?;
        if !is_target(&o, &i.target_id) {
            return Err(target_not_found());
        }
        let items = o
            .attachments
            .get(&i.target_id)
            .into_iter()
            .flatten()
            .filter_map(|id| o.policies.get(id))
            .filter(|p| p.kind == i.filter)
            .map(|p| summary(&o, p))
            .collect();
        policies_page(items, i.next_token.as_deref(), i.max_results)
    }

    pub(crate) async fn list_targets_for_policy(
        &self,
        c: &Ctx<'_>,
        i: ListTargetsForPolicyInput,
    ) -> Result<ListTargetsForPolicyOutput> {
        let o = self.organization_for(c, false).await?;
        if !o.policies.contains_key(&i.policy_id) {
            return Err(policy_not_found());
        }
        let items: Vec<PolicyTargetSummary> = o
            .attachments
            .iter()
            .filter(|(_, ps)| ps.contains(&i.policy_id))
            .filter_map(|(t, _)| target_summary(&o, t))
            .collect();
        let (targets, next_token) = page(
            items,
            |t| t.target_id.clone(),
            i.next_token.as_deref(),
            i.max_results,
        )?;
        Ok(ListTargetsForPolicyOutput {
            targets,
            next_token,
        })
    }

    pub(crate) async fn attach_org_policy(&self, c: &Ctx<'_>, i: AttachPolicyInput) -> Result<()> {
        self.change_organization(c, |o| {
            let p = o.policies.get(&i.policy_id).ok_or_else(policy_not_found)?;
            if !is_target(o, &i.target_id) {
                return Err(target_not_found());
            }
            if !o.root.policy_types.contains(&p.kind) {
                return Err(org_error(
                    OrgError::PolicyTypeNotEnabled,
                    "This operation can be performed only for enabled policy types.",
                ));
            }
            let kind = p.kind.clone();
            let of_kind = of_type(o, &i.target_id, &kind);
            let attached = o.attachments.entry(i.target_id.clone()).or_default();
            if attached.contains(&i.policy_id) {
                return Err(org_error(
                    OrgError::DuplicatePolicyAttachment,
                    "The selected policy is already attached to the specified target.",
                ));
            }
            if of_kind >= MAX_ATTACHED {
                return Err(org_error(
                    OrgError::ConstraintViolation,
                    "You attempted to attach more policies of this type to a target than allowed (MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED).",
                ));
            }
            attached.push(i.policy_id.clone());
            Ok(())
        })
        .await
    }

    pub(crate) async fn detach_org_policy(&self, c: &Ctx<'_>, i: DetachPolicyInput) -> Result<()> {
        self.change_organization(c, |o| {
            let kind = o
                .policies
                .get(&i.policy_id)
                .ok_or_else(policy_not_found)?
                .kind
                .clone();
            if !is_target(o, &i.target_id) {
                return Err(target_not_found());
            }
            let of_kind = of_type(o, &i.target_id, &kind);
            let attached = o.attachments.entry(i.target_id.clone()).or_default();
            if !attached.contains(&i.policy_id) {
                return Err(org_error(
                    OrgError::PolicyNotAttached,
                    "The policy isn't attached to the specified target in the specified root.",
                ));
            }
            if of_kind == 1 {
                // A target without any SCP would deny everything below it.
                return Err(org_error(
                    OrgError::ConstraintViolation,
                    "You can't detach the last policy of this type from a target (MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED).",
                ));
            }
            attached.retain(|p| *p != i.policy_id);
            Ok(())
        })
        .await
    }
}

/// How many policies of `kind` are attached to `target`.
fn of_type(o: &Organization, target: &str, kind: &str) -> usize {
    o.attachments
        .get(target)
        .into_iter()
        .flatten()
        .filter(|id| o.policies.get(*id).is_some_and(|p| p.kind == kind))
        .count()
}

/// A `PolicyTargetSummary` of a root, OU or account.
fn target_summary(o: &Organization, id: &str) -> Option<PolicyTargetSummary> {
    let (arn, name, kind) = match node(o, id)? {
        Node::Root => (root_arn(o, id), o.root.name.clone(), "ROOT"),
        Node::Unit => (
            ou_arn(o, id),
            o.units.get(id)?.name.clone(),
            "ORGANIZATIONAL_UNIT",
        ),
        Node::Account => (
            account_arn(o, id),
            o.accounts.get(id)?.name.clone(),
            "ACCOUNT",
        ),
        Node::Policy => return None,
    };
    Some(PolicyTargetSummary {
        target_id: id.to_owned(),
        arn,
        name,
        r#type: kind.into(),
    })
}

/// One page of policy summaries (ListPolicies, ListPoliciesForTarget).
fn policies_page(
    items: Vec<PolicySummary>,
    next_token: Option<&str>,
    max_results: Option<i64>,
) -> Result<ListPoliciesOutput> {
    let (policies, next_token) = page(
        items,
        |p: &PolicySummary| p.id.clone(),
        next_token,
        max_results,
    )?;
    Ok(ListPoliciesOutput {
        policies,
        next_token,
    })
}

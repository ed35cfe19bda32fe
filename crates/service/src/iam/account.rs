//! Account-wide reads: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountSummary.html>.
//!
//! GetAccountAuthorizationDetails pages across its sections (users, groups, roles, customer
//! managed policies, AWS managed policies in use) `MaxItems` entities at a time; a page reads
//! at most that many records of each section it reaches, whatever the account holds.

use rolegate_proto::{
    constraint::violation,
    dto::{account::*, shapes},
    types::{Map, PolicyDocumentText},
};
use rolegate_store::record;

use crate::{
    Service,
    error::{Result, ServiceError},
    iam::{
        Ctx, ManagedRef, arn, boundary_shape, decode_marker, encode_marker, key_of, limit,
        tag_shapes, ts,
    },
    managed_policies,
};

use crate::handler::{Needs, handlers};

handlers! {
    GetAccountAuthorizationDetailsInput => GetAccountAuthorizationDetailsOutput: get_account_authorization_details,
        needs |i, _| Needs::any();
    GetAccountSummaryInput => GetAccountSummaryOutput: get_account_summary,
        needs |i, _| Needs::any();
    SetSecurityTokenServicePreferencesInput: set_security_token_service_preferences,
        needs |i, _| Needs::any();
}

/// GetAccountAuthorizationDetails' sections, in the order its pages walk them (the order of
/// the response's lists); their names are `Filter`'s values.
const SECTIONS: [&str; 5] = [
    "User",
    "Group",
    "Role",
    "LocalManagedPolicy",
    "AWSManagedPolicy",
];

/// `Filter`'s values in the model's order (`EntityType`), as the validation message lists them.
const ENTITY_TYPES: [&str; 5] = [
    "User",
    "Role",
    "Group",
    "LocalManagedPolicy",
    "AWSManagedPolicy",
];

/// Where a GetAccountAuthorizationDetails marker says to continue: a section and the key of
/// the last entry returned from it.
fn position(marker: Option<&str>) -> Result<Option<(usize, String)>> {
    let Some(m) = decode_marker(marker)? else {
        return Ok(None);
    };
    m.strip_prefix("details/")
        .and_then(|rest| rest.split_once('/'))
        .and_then(|(n, key)| {
            let n = n.parse::<usize>().ok().filter(|n| *n < SECTIONS.len())?;
            Some(Some((n, key.to_owned())))
        })
        .ok_or_else(|| ServiceError::InvalidInput("Invalid Marker.".into()))
}

fn local_policy_detail(account: &str, p: &record::Policy) -> ManagedPolicyDetail {
    ManagedPolicyDetail {
        policy_name: p.name.clone(),
        policy_id: p.id.clone(),
        arn: arn(account, "policy", &p.path, &p.name),
        path: p.path.clone(),
        default_version_id: p.default_version.clone(),
        attachment_count: p.attachment_count,
        permissions_boundary_usage_count: p.boundary_usage_count,
        is_attachable: true,
        description: p.description.clone(),
        create_date: ts(p.created),
        update_date: ts(p.updated),
        policy_version_list: p
            .versions
            .iter()
            .map(|v| shapes::PolicyVersion {
                document: Some(PolicyDocumentText(v.document.clone())),
                version_id: v.id.clone(),
                is_default_version: v.id == p.default_version,
                create_date: ts(v.created),
            })
            .collect(),
    }
}

fn aws_policy_detail(
    p: &managed_policies::AwsPolicy,
    usage: &record::AwsPolicyUsage,
) -> ManagedPolicyDetail {
    ManagedPolicyDetail {
        policy_name: p.name.into(),
        policy_id: p.id.into(),
        arn: p.arn(),
        path: p.path.into(),
        default_version_id: p.version.into(),
        attachment_count: usage.attachment_count,
        permissions_boundary_usage_count: usage.boundary_usage_count,
        is_attachable: true,
        description: Some(p.description.into()),
        create_date: ts(p.created),
        update_date: ts(p.updated),
        policy_version_list: vec![shapes::PolicyVersion {
            document: Some(PolicyDocumentText(p.document.into())),
            version_id: p.version.into(),
            is_default_version: true,
            create_date: ts(p.updated),
        }],
    }
}

fn details(inline: &std::collections::BTreeMap<String, String>) -> Vec<PolicyDetail> {
    inline
        .iter()
        .map(|(n, d)| PolicyDetail {
            policy_name: n.clone(),
            policy_document: PolicyDocumentText(d.clone()),
        })
        .collect()
}

impl Service {
    fn attached_shapes(&self, account: &str, arns: &[String]) -> Vec<shapes::AttachedPolicy> {
        arns.iter()
            .map(|a| shapes::AttachedPolicy {
                policy_name: match self.resolve_policy_arn(account, a) {
                    Ok(ManagedRef::Aws(p)) => p.name.to_owned(),
                    _ => a.rsplit('/').next().unwrap_or_default().to_owned(),
                },
                policy_arn: a.clone(),
            })
            .collect()
    }

    /// The users, groups, roles and managed policies in use, `MaxItems` (default 100) at a
    /// time across the sections in [`SECTIONS`]' order. The marker is a position in the
    /// caller's account (section and key, opaque as every list's): whatever it says, a page
    /// reads only that account.
    pub(crate) async fn get_account_authorization_details(
        &self,
        c: &Ctx<'_>,
        i: GetAccountAuthorizationDetailsInput,
    ) -> Result<GetAccountAuthorizationDetailsOutput> {
        let account = c.account();
        if i.filter.iter().any(|f| !SECTIONS.contains(&f.as_str())) {
            return Err(ServiceError::Validation(format!(
                "1 validation error detected: {}",
                violation(
                    &format!("[{}]", i.filter.join(", ")),
                    "filter",
                    &format!(
                        "Member must satisfy constraint: [Member must satisfy enum value set: [{}]]",
                        ENTITY_TYPES.join(", ")
                    ),
                )
            )));
        }
        let want = |f: &str| i.filter.is_empty() || i.filter.iter().any(|x| x == f);
        let start = position(i.marker.as_deref())?;
        let mut left = limit(i.max_items);
        let mut out = GetAccountAuthorizationDetailsOutput::default();
        let mut last: Option<(usize, String)> = None;
        for (n, section) in SECTIONS.iter().enumerate() {
            let after = match &start {
                Some((s, _)) if *s > n => continue,
                Some((s, k)) if *s == n => Some(k.clone()),
                _ => None,
            };
            if !want(section) {
                continue;
            }
            // With the page full, this asks only whether the section has more (`left` 0).
            let (keys, more) = self
                .details_section(account, n, after, left, &mut out)
                .await?;
            left -= keys.len();
            if let Some(k) = keys.last() {
                last = Some((n, k.clone()));
            }
            if more {
                out.is_truncated = true;
                out.marker = last
                    .as_ref()
                    .map(|(n, k)| encode_marker(&format!("details/{n}/{k}")));
                break;
            }
        }
        Ok(out)
    }

    /// One section's entries after `after`, at most `max`, into `out`: their keys, and whether
    /// more remain.
    async fn details_section(
        &self,
        account: &str,
        section: usize,
        after: Option<String>,
        max: usize,
        out: &mut GetAccountAuthorizationDetailsOutput,
    ) -> Result<(Vec<String>, bool)> {
        let (keys, more) = match SECTIONS[section] {
            "User" => {
                let (users, more) = self
                    .list_keyed::<record::User>(account, after, max, |_| true)
                    .await?;
                for (_, u) in &users {
                    out.user_detail_list.push(UserDetail {
                        path: u.path.clone(),
                        user_name: u.name.clone(),
                        user_id: u.id.clone(),
                        arn: arn(account, "user", &u.path, &u.name),
                        create_date: ts(u.created),
                        user_policy_list: details(&u.inline),
                        group_list: u.groups.clone(),
                        attached_managed_policies: self.attached_shapes(account, &u.attached),
                        permissions_boundary: boundary_shape(&u.boundary),
                        tags: tag_shapes(&u.tags),
                    });
                }
                (users.into_iter().map(|(k, _)| k).collect(), more)
            }
            "Group" => {
                let (groups, more) = self
                    .list_keyed::<record::Group>(account, after, max, |_| true)
                    .await?;
                for (_, g) in &groups {
                    out.group_detail_list.push(GroupDetail {
                        path: g.path.clone(),
                        group_name: g.name.clone(),
                        group_id: g.id.clone(),
                        arn: arn(account, "group", &g.path, &g.name),
                        create_date: ts(g.created),
                        group_policy_list: details(&g.inline),
                        attached_managed_policies: self.attached_shapes(account, &g.attached),
                    });
                }
                (groups.into_iter().map(|(k, _)| k).collect(), more)
            }
            "Role" => {
                let (roles, more) = self
                    .list_keyed::<record::Role>(account, after, max, |_| true)
                    .await?;
                for (_, r) in &roles {
                    out.role_detail_list
                        .push(self.role_detail(account, r).await?);
                }
                (roles.into_iter().map(|(k, _)| k).collect(), more)
            }
            "LocalManagedPolicy" => {
                let (policies, more) = self
                    .list_keyed::<record::Policy>(account, after, max, |_| true)
                    .await?;
                for (_, p) in &policies {
                    out.policies.push(local_policy_detail(account, p));
                }
                (policies.into_iter().map(|(k, _)| k).collect(), more)
            }
            _ => {
                // AWS managed policies in use in this account, by ARN.
                let mut in_use = Vec::new();
                for p in managed_policies::AWS_POLICIES {
                    let key = p.arn();
                    if after.as_ref().is_some_and(|a| key <= *a) {
                        continue;
                    }
                    let usage = self
                        .tx()
                        .get::<record::AwsPolicyUsage>(account, &key)
                        .await?
                        .unwrap_or_default();
                    if usage.attachment_count > 0 || usage.boundary_usage_count > 0 {
                        in_use.push((key, p, usage));
                    }
                }
                in_use.sort_by(|a, b| a.0.cmp(&b.0));
                let more = in_use.len() > max;
                in_use.truncate(max);
                for (_, p, usage) in &in_use {
                    out.policies.push(aws_policy_detail(p, usage));
                }
                (in_use.into_iter().map(|(k, _, _)| k).collect(), more)
            }
        };
        Ok((keys, more))
    }

    /// A role as GetAccountAuthorizationDetails lists it: its instance profiles, each with
    /// its roles, and its last use, as AWS's entries have them.
    async fn role_detail(&self, account: &str, r: &record::Role) -> Result<RoleDetail> {
        let mut tx = self.tx();
        let mut profiles = Vec::new();
        for p in &r.instance_profiles {
            if let Some(p) = tx
                .get::<record::InstanceProfile>(account, &key_of(p))
                .await?
            {
                profiles.push(self.profile_shape(&mut tx, account, &p, false).await?);
            }
        }
        Ok(RoleDetail {
            path: r.path.clone(),
            role_name: r.name.clone(),
            role_id: r.id.clone(),
            arn: arn(account, "role", &r.path, &r.name),
            create_date: ts(r.created),
            assume_role_policy_document: PolicyDocumentText(self.displayed_trust(r).await?),
            instance_profile_list: profiles,
            role_policy_list: details(&r.inline),
            attached_managed_policies: self.attached_shapes(account, &r.attached),
            permissions_boundary: boundary_shape(&r.boundary),
            tags: tag_shapes(&r.tags),
            role_last_used: Some(shapes::RoleLastUsed {
                last_used_date: r.last_used.as_ref().and_then(|l| ts(l.at)),
                region: r.last_used.as_ref().map(|l| l.region.clone()),
            }),
        })
    }

    pub(crate) async fn get_account_summary(
        &self,
        c: &Ctx<'_>,
        _i: GetAccountSummaryInput,
    ) -> Result<GetAccountSummaryOutput> {
        let account = c.account();
        let all = Some(i64::MAX / 2);
        let users = self
            .list_records::<record::User>(account, None, all, |_| true)
            .await?
            .items;
        let groups = self
            .list_records::<record::Group>(account, None, all, |_| true)
            .await?
            .items
            .len();
        let roles = self
            .list_records::<record::Role>(account, None, all, |_| true)
            .await?
            .items
            .len();
        let policies = self
            .list_records::<record::Policy>(account, None, all, |_| true)
            .await?
            .items;
        let profiles = self
            .list_records::<record::InstanceProfile>(account, None, all, |_| true)
            .await?
            .items
            .len();
        let versions: usize = policies.iter().map(|p| p.versions.len()).sum();
        let devices = self
            .list_records::<record::MfaDevice>(account, None, all, |_| true)
            .await?
            .items;
        let devices_in_use = devices.iter().filter(|d| d.user.is_some()).count();
        let token_version = self
            .tx()
            .get::<record::StsPreferences>(account, record::STS_PREFERENCES_KEY)
            .await?
            .map_or(1, |p| i64::from(p.global_endpoint_token_version));
        let root_keys = self
            .tx()
            .get::<record::Account>(rolegate_store::GLOBAL, account)
            .await?
            .map(|a| a.root_access_keys.len())
            .unwrap_or(0);
        let server_certificates = self
            .list_records::<record::ServerCertificate>(account, None, all, |_| true)
            .await?
            .items
            .len();
        let root_certificates = self
            .signing_certificates_of(&mut self.tx(), account, None)
            .await?
            .len();
        let n = |x: usize| i64::try_from(x).unwrap_or(i64::MAX);
        let entries = vec![
            ("AccessKeysPerUserQuota", 2),
            ("AccountAccessKeysPresent", i64::from(root_keys > 0)),
            ("AccountMFAEnabled", 0),
            ("AccountPasswordPresent", 0),
            (
                "AccountSigningCertificatesPresent",
                i64::from(root_certificates > 0),
            ),
            ("AssumeRolePolicySizeQuota", 2048),
            ("AttachedPoliciesPerGroupQuota", 10),
            ("AttachedPoliciesPerRoleQuota", 10),
            ("AttachedPoliciesPerUserQuota", 10),
            ("GlobalEndpointTokenVersion", token_version),
            ("GroupPolicySizeQuota", 5120),
            ("Groups", n(groups)),
            ("GroupsPerUserQuota", 10),
            ("GroupsQuota", 300),
            ("InstanceProfiles", n(profiles)),
            ("InstanceProfilesQuota", 1000),
            ("MFADevices", n(devices.len())),
            ("MFADevicesInUse", n(devices_in_use)),
            ("Policies", n(policies.len())),
            ("PoliciesQuota", 1500),
            ("PolicySizeQuota", 6144),
            ("PolicyVersionsInUse", n(versions)),
            ("PolicyVersionsInUseQuota", 10000),
            ("Providers", 0),
            ("RolePolicySizeQuota", 10240),
            ("Roles", n(roles)),
            ("RolesQuota", 1000),
            ("ServerCertificates", n(server_certificates)),
            ("ServerCertificatesQuota", 20),
            ("SigningCertificatesPerUserQuota", 2),
            ("UserPolicySizeQuota", 2048),
            ("Users", n(users.len())),
            ("UsersQuota", 5000),
            ("VersionsPerPolicyQuota", 5),
        ];
        Ok(GetAccountSummaryOutput {
            summary_map: Map(entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect()),
        })
    }
}

impl Service {
    /// Which STS tokens the global endpoint issues: AWS's v1 tokens work only in the regions
    /// enabled by default, v2 tokens in every region. Rolegate's tokens are valid in every
    /// region either way; the preference is kept and reported by GetAccountSummary.
    /// <https://docs.aws.amazon.com/IAM/latest/APIReference/API_SetSecurityTokenServicePreferences.html>
    pub(crate) async fn set_security_token_service_preferences(
        &self,
        c: &Ctx<'_>,
        i: SetSecurityTokenServicePreferencesInput,
    ) -> Result<()> {
        let version = if i.global_endpoint_token_version == "v2Token" {
            2
        } else {
            1
        };
        let account = c.account();
        self.retry(|| async {
            let mut tx = self.tx();
            tx.get::<record::StsPreferences>(account, record::STS_PREFERENCES_KEY)
                .await?;
            tx.put(
                account,
                record::STS_PREFERENCES_KEY,
                &record::StsPreferences {
                    global_endpoint_token_version: version,
                },
            )?;
            tx.commit().await
        })
        .await
    }
}

//! Account-wide reads: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountSummary.html>.

use rolegate_proto::{
    dto::{account::*, shapes},
    types::{Map, PolicyDocumentText},
};
use rolegate_store::record;

use crate::{
    Service,
    error::Result,
    iam::{Ctx, ManagedRef, arn, boundary_shape, key_of, tag_shapes, ts},
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

    /// Every user, group, role and managed policy in use, in one response (no truncation:
    /// `IsTruncated` is always false).
    pub(crate) async fn get_account_authorization_details(
        &self,
        c: &Ctx<'_>,
        i: GetAccountAuthorizationDetailsInput,
    ) -> Result<GetAccountAuthorizationDetailsOutput> {
        let account = c.account();
        let want = |f: &str| i.filter.is_empty() || i.filter.iter().any(|x| x == f);
        let all = Some(i64::MAX / 2);
        let mut out = GetAccountAuthorizationDetailsOutput::default();
        if want("User") {
            for u in self
                .list_records::<record::User>(account, None, all, |_| true)
                .await?
                .items
            {
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
        }
        if want("Group") {
            for g in self
                .list_records::<record::Group>(account, None, all, |_| true)
                .await?
                .items
            {
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
        }
        if want("Role") {
            for r in self
                .list_records::<record::Role>(account, None, all, |_| true)
                .await?
                .items
            {
                let mut tx = self.tx();
                let mut profiles = Vec::new();
                for p in &r.instance_profiles {
                    if let Some(p) = tx
                        .get::<record::InstanceProfile>(account, &key_of(p))
                        .await?
                    {
                        profiles.push(shapes::InstanceProfile {
                            path: p.path.clone(),
                            instance_profile_name: p.name.clone(),
                            instance_profile_id: p.id.clone(),
                            arn: arn(account, "instance-profile", &p.path, &p.name),
                            create_date: ts(p.created),
                            roles: Vec::new(),
                            tags: None,
                        });
                    }
                }
                out.role_detail_list.push(RoleDetail {
                    path: r.path.clone(),
                    role_name: r.name.clone(),
                    role_id: r.id.clone(),
                    arn: arn(account, "role", &r.path, &r.name),
                    create_date: ts(r.created),
                    assume_role_policy_document: PolicyDocumentText(
                        self.displayed_trust(&r).await?,
                    ),
                    instance_profile_list: profiles,
                    role_policy_list: details(&r.inline),
                    attached_managed_policies: self.attached_shapes(account, &r.attached),
                    permissions_boundary: boundary_shape(&r.boundary),
                    tags: tag_shapes(&r.tags),
                    role_last_used: None,
                });
            }
        }
        let want_local = want("LocalManagedPolicy");
        let want_aws = want("AWSManagedPolicy");
        if want_local {
            for p in self
                .list_records::<record::Policy>(account, None, all, |_| true)
                .await?
                .items
            {
                out.policies.push(ManagedPolicyDetail {
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
                });
            }
        }
        if want_aws {
            for p in managed_policies::AWS_POLICIES {
                let usage = self
                    .tx()
                    .get::<record::AwsPolicyUsage>(account, &p.arn())
                    .await?
                    .unwrap_or_default();
                if usage.attachment_count > 0 || usage.boundary_usage_count > 0 {
                    out.policies.push(ManagedPolicyDetail {
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
                    });
                }
            }
        }
        Ok(out)
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

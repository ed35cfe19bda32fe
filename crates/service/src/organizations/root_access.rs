//! Centralized root access for member accounts, IAM's side of the organization:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-enable-root-access.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_EnableOrganizationsRootSessions.html>
//! and siblings. The features are kept in the organization record (`root_features`), changed
//! in one read-modify-write like every other change of the organization; STS AssumeRoot
//! (`sts/assume_root.rs`) reads them.
//!
//! Only the management account may enable or read them (Rolegate has no delegated
//! administrators). IAM is the organization's own identity service here, so its trusted access
//! is implied (`ServiceAccessNotEnabledException` is never the answer), and an organization is
//! always in all-features mode (`OrganizationNotInAllFeaturesModeException` neither).

use rolegate_proto::dto::root_access::{
    DisableOrganizationsRootCredentialsManagementInput, DisableOrganizationsRootSessionsInput,
    EnableOrganizationsRootCredentialsManagementInput, EnableOrganizationsRootSessionsInput,
    ListOrganizationsFeaturesInput, OrganizationsFeaturesOutput,
};
use rolegate_store::{GLOBAL, record::ORGANIZATION_KEY, record::Organization};

use crate::{
    Service,
    error::{Result, ServiceError},
    handler::{Needs, handlers},
    iam::Ctx,
};

handlers! {
    ListOrganizationsFeaturesInput => OrganizationsFeaturesOutput: list_organizations_features,
        needs |i, _| Needs::any();
    EnableOrganizationsRootCredentialsManagementInput => OrganizationsFeaturesOutput: enable_root_credentials_management,
        needs |i, _| Needs::any();
    DisableOrganizationsRootCredentialsManagementInput => OrganizationsFeaturesOutput: disable_root_credentials_management,
        needs |i, _| Needs::any();
    EnableOrganizationsRootSessionsInput => OrganizationsFeaturesOutput: enable_root_sessions,
        needs |i, _| Needs::any();
    DisableOrganizationsRootSessionsInput => OrganizationsFeaturesOutput: disable_root_sessions,
        needs |i, _| Needs::any();
}

/// Central management of member accounts' root credentials.
pub const ROOT_CREDENTIALS_MANAGEMENT: &str = "RootCredentialsManagement";
/// Privileged root sessions in member accounts (STS AssumeRoot).
pub const ROOT_SESSIONS: &str = "RootSessions";

/// The organization a root-access call may act on: the caller's, when it is the management
/// account. `enable`: the Enable calls answer a member with `CallerIsNotManagementAccount`, the
/// others with `AccountNotManagementOrDelegatedAdministrator`; an account of no organization
/// gets `OrganizationNotFound`.
fn management_org(c: &Ctx<'_>, org: Option<Organization>, enable: bool) -> Result<Organization> {
    match org {
        Some(o) if o.management_account == c.account() => Ok(o),
        Some(o) if o.accounts.contains_key(c.account()) => Err(if enable {
            ServiceError::CallerIsNotManagementAccount(
                "The request was rejected because the account making the request is not the management account for the organization.".into(),
            )
        } else {
            ServiceError::AccountNotManagementOrDelegatedAdministrator(
                "The request was rejected because the account making the request is not the management account or delegated administrator account for centralized root access.".into(),
            )
        }),
        _ => Err(ServiceError::OrganizationNotFound(
            "The request was rejected because no organization is associated with your account."
                .into(),
        )),
    }
}

/// The output every call answers: the organization and its features, in AWS's order.
fn features(o: &Organization) -> OrganizationsFeaturesOutput {
    OrganizationsFeaturesOutput {
        organization_id: Some(o.id.clone()),
        enabled_features: [ROOT_CREDENTIALS_MANAGEMENT, ROOT_SESSIONS]
            .into_iter()
            .filter(|f| o.root_features.iter().any(|x| x == f))
            .map(str::to_owned)
            .collect(),
    }
}

/// Whether root sessions (AssumeRoot) are enabled in `o`.
pub(crate) fn root_sessions_enabled(o: &Organization) -> bool {
    o.root_features.iter().any(|f| f == ROOT_SESSIONS)
}

impl Service {
    pub(crate) async fn list_organizations_features(
        &self,
        c: &Ctx<'_>,
        _i: ListOrganizationsFeaturesInput,
    ) -> Result<OrganizationsFeaturesOutput> {
        let org = self.read_organization(&mut self.tx()).await?;
        Ok(features(&management_org(c, org, false)?))
    }

    /// Turns a feature on or off, atomically with the rest of the organization.
    async fn set_root_feature(
        &self,
        c: &Ctx<'_>,
        feature: &str,
        on: bool,
    ) -> Result<OrganizationsFeaturesOutput> {
        self.retry(|| async {
            let mut tx = self.tx();
            let mut o = management_org(c, self.read_organization(&mut tx).await?, on)?;
            let has = o.root_features.iter().any(|f| f == feature);
            if has != on {
                if on {
                    o.root_features.push(feature.to_owned());
                } else {
                    o.root_features.retain(|f| f != feature);
                    if feature == ROOT_SESSIONS {
                        // Disabling is a kill switch: the sessions issued so far never come
                        // back, even if root sessions are enabled again.
                        o.root_sessions_disabled_ms = Some(
                            i64::try_from(self.now_time().unix_timestamp_nanos() / 1_000_000)
                                .unwrap_or(i64::MAX),
                        );
                    }
                }
                tx.put(GLOBAL, ORGANIZATION_KEY, &o)?;
                tx.commit().await?;
            }
            Ok(features(&o))
        })
        .await
    }

    pub(crate) async fn enable_root_credentials_management(
        &self,
        c: &Ctx<'_>,
        _i: EnableOrganizationsRootCredentialsManagementInput,
    ) -> Result<OrganizationsFeaturesOutput> {
        self.set_root_feature(c, ROOT_CREDENTIALS_MANAGEMENT, true)
            .await
    }

    pub(crate) async fn disable_root_credentials_management(
        &self,
        c: &Ctx<'_>,
        _i: DisableOrganizationsRootCredentialsManagementInput,
    ) -> Result<OrganizationsFeaturesOutput> {
        self.set_root_feature(c, ROOT_CREDENTIALS_MANAGEMENT, false)
            .await
    }

    pub(crate) async fn enable_root_sessions(
        &self,
        c: &Ctx<'_>,
        _i: EnableOrganizationsRootSessionsInput,
    ) -> Result<OrganizationsFeaturesOutput> {
        self.set_root_feature(c, ROOT_SESSIONS, true).await
    }

    pub(crate) async fn disable_root_sessions(
        &self,
        c: &Ctx<'_>,
        _i: DisableOrganizationsRootSessionsInput,
    ) -> Result<OrganizationsFeaturesOutput> {
        self.set_root_feature(c, ROOT_SESSIONS, false).await
    }
}

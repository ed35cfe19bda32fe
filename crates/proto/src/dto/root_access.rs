//! Centralized root access for member accounts: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_EnableOrganizationsRootSessions.html>
//! and siblings, and STS AssumeRoot: <https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoot.html>.

use crate::{
    constraint::Constraint,
    dto::sts::{Credentials, PolicyDescriptorType},
    shape, structure,
};

/// `TargetPrincipalType`: 12–2048.
const LEN_TARGET: Constraint = Constraint::Len(12, 2048);
/// `RootDurationSecondsType`: 0–900.
const ROOT_DURATION: Constraint = Constraint::Range(0, 900);

structure!(ListOrganizationsFeaturesInput {});
structure!(EnableOrganizationsRootCredentialsManagementInput {});
structure!(DisableOrganizationsRootCredentialsManagementInput {});
structure!(EnableOrganizationsRootSessionsInput {});
structure!(DisableOrganizationsRootSessionsInput {});
shape!(
    /// The output of all five: the organization and its enabled features.
    OrganizationsFeaturesOutput {
        organization_id: Option<String> = "OrganizationId",
        enabled_features: Vec<String> = "EnabledFeatures",
    }
);

structure!(AssumeRootInput {
    target_principal: String = "TargetPrincipal" [LEN_TARGET],
    task_policy_arn: PolicyDescriptorType = "TaskPolicyArn",
    duration_seconds: Option<i64> = "DurationSeconds" [ROOT_DURATION],
});
shape!(AssumeRootOutput {
    credentials: Credentials = "Credentials",
    source_identity: Option<String> = "SourceIdentity",
});

//! Account-wide reads: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountSummary.html>.

use time::OffsetDateTime;

use crate::{
    dto::{
        c::*,
        shapes::{
            AttachedPermissionsBoundary, AttachedPolicy, InstanceProfile, PolicyVersion,
            RoleLastUsed, Tag,
        },
    },
    shape, structure,
    types::{Map, PolicyDocumentText},
};

structure!(GetAccountAuthorizationDetailsInput {
    filter: Vec<String> = "Filter",
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});

shape!(PolicyDetail {
    policy_name: String = "PolicyName",
    policy_document: PolicyDocumentText = "PolicyDocument"
});

shape!(UserDetail {
    path: String = "Path",
    user_name: String = "UserName",
    user_id: String = "UserId",
    arn: String = "Arn",
    create_date: Option<OffsetDateTime> = "CreateDate",
    user_policy_list: Vec<PolicyDetail> = "UserPolicyList",
    group_list: Vec<String> = "GroupList",
    attached_managed_policies: Vec<AttachedPolicy> = "AttachedManagedPolicies",
    permissions_boundary: Option<AttachedPermissionsBoundary> = "PermissionsBoundary",
    tags: Vec<Tag> = "Tags",
});

shape!(GroupDetail {
    path: String = "Path",
    group_name: String = "GroupName",
    group_id: String = "GroupId",
    arn: String = "Arn",
    create_date: Option<OffsetDateTime> = "CreateDate",
    group_policy_list: Vec<PolicyDetail> = "GroupPolicyList",
    attached_managed_policies: Vec<AttachedPolicy> = "AttachedManagedPolicies",
});

shape!(RoleDetail {
    path: String = "Path",
    role_name: String = "RoleName",
    role_id: String = "RoleId",
    arn: String = "Arn",
    create_date: Option<OffsetDateTime> = "CreateDate",
    assume_role_policy_document: PolicyDocumentText = "AssumeRolePolicyDocument",
    instance_profile_list: Vec<InstanceProfile> = "InstanceProfileList",
    role_policy_list: Vec<PolicyDetail> = "RolePolicyList",
    attached_managed_policies: Vec<AttachedPolicy> = "AttachedManagedPolicies",
    permissions_boundary: Option<AttachedPermissionsBoundary> = "PermissionsBoundary",
    tags: Vec<Tag> = "Tags",
    role_last_used: Option<RoleLastUsed> = "RoleLastUsed",
});

shape!(ManagedPolicyDetail {
    policy_name: String = "PolicyName",
    policy_id: String = "PolicyId",
    arn: String = "Arn",
    path: String = "Path",
    default_version_id: String = "DefaultVersionId",
    attachment_count: i64 = "AttachmentCount",
    permissions_boundary_usage_count: i64 = "PermissionsBoundaryUsageCount",
    is_attachable: bool = "IsAttachable",
    description: Option<String> = "Description",
    create_date: Option<OffsetDateTime> = "CreateDate",
    update_date: Option<OffsetDateTime> = "UpdateDate",
    policy_version_list: Vec<PolicyVersion> = "PolicyVersionList",
});

shape!(GetAccountAuthorizationDetailsOutput {
    user_detail_list: Vec<UserDetail> = "UserDetailList",
    group_detail_list: Vec<GroupDetail> = "GroupDetailList",
    role_detail_list: Vec<RoleDetail> = "RoleDetailList",
    policies: Vec<ManagedPolicyDetail> = "Policies",
    is_truncated: bool = "IsTruncated",
    marker: Option<String> = "Marker",
});

structure!(GetAccountSummaryInput {});
shape!(GetAccountSummaryOutput {
    summary_map: Map = "SummaryMap"
});

// Account aliases: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateAccountAlias.html>
// and siblings.
structure!(CreateAccountAliasInput { account_alias: String = "AccountAlias" [LEN_ALIAS, ALIAS] });
structure!(DeleteAccountAliasInput { account_alias: String = "AccountAlias" [LEN_ALIAS, ALIAS] });
structure!(ListAccountAliasesInput {
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
shape!(ListAccountAliasesOutput {
    account_aliases: Vec<String> = "AccountAliases",
    is_truncated: bool = "IsTruncated",
    marker: Option<String> = "Marker",
});

// STS preferences: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_SetSecurityTokenServicePreferences.html>.
structure!(EnableOutboundWebIdentityFederationInput {});
shape!(EnableOutboundWebIdentityFederationOutput {
    issuer_identifier: Option<String> = "IssuerIdentifier"
});
structure!(DisableOutboundWebIdentityFederationInput {});
structure!(GetOutboundWebIdentityFederationInfoInput {});
shape!(GetOutboundWebIdentityFederationInfoOutput {
    issuer_identifier: Option<String> = "IssuerIdentifier",
    jwt_vending_enabled: Option<bool> = "JwtVendingEnabled",
});

structure!(SetSecurityTokenServicePreferencesInput {
    global_endpoint_token_version: String =
        "GlobalEndpointTokenVersion"[crate::constraint::Constraint::Enum(&["v1Token", "v2Token"])],
});

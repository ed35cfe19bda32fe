//! Managed policies and their versions: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html> and siblings.

use crate::{
    constraint::Constraint,
    dto::{
        c::*,
        shapes::{Policy, PolicyVersion, Tag},
    },
    shape, structure,
};

structure!(CreatePolicyInput {
    policy_name: String = "PolicyName" [LEN_1_128, NAME],
    path: Option<String> = "Path" [LEN_1_512, POLICY_PATH],
    policy_document: String = "PolicyDocument" [LEN_DOCUMENT, DOCUMENT],
    description: Option<String> = "Description" [LEN_0_1000],
    tags: Vec<Tag> = "Tags" [TAGS],
});
shape!(CreatePolicyOutput {
    policy: Policy = "Policy"
});

structure!(GetPolicyInput { policy_arn: String = "PolicyArn" [LEN_ARN, ARN] });
shape!(GetPolicyOutput {
    policy: Policy = "Policy"
});

structure!(DeletePolicyInput { policy_arn: String = "PolicyArn" [LEN_ARN, ARN] });

structure!(ListPoliciesInput {
    scope: Option<String> = "Scope" [Constraint::Enum(&["All", "AWS", "Local"])],
    only_attached: Option<bool> = "OnlyAttached",
    path_prefix: Option<String> = "PathPrefix" [LEN_1_512],
    policy_usage_filter: Option<String> = "PolicyUsageFilter" [Constraint::Enum(&["PermissionsPolicy", "PermissionsBoundary"])],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
shape!(ListPoliciesOutput { policies: Vec<Policy> = "Policies", is_truncated: bool = "IsTruncated", marker: Option<String> = "Marker" });

structure!(CreatePolicyVersionInput {
    policy_arn: String = "PolicyArn" [LEN_ARN, ARN],
    policy_document: String = "PolicyDocument" [LEN_DOCUMENT, DOCUMENT],
    set_as_default: Option<bool> = "SetAsDefault",
});
shape!(CreatePolicyVersionOutput {
    policy_version: PolicyVersion = "PolicyVersion"
});

structure!(GetPolicyVersionInput { policy_arn: String = "PolicyArn" [LEN_ARN, ARN], version_id: String = "VersionId" [VERSION_ID] });
shape!(GetPolicyVersionOutput {
    policy_version: PolicyVersion = "PolicyVersion"
});

structure!(DeletePolicyVersionInput { policy_arn: String = "PolicyArn" [LEN_ARN, ARN], version_id: String = "VersionId" [VERSION_ID] });
structure!(SetDefaultPolicyVersionInput { policy_arn: String = "PolicyArn" [LEN_ARN, ARN], version_id: String = "VersionId" [VERSION_ID] });

structure!(ListPolicyVersionsInput {
    policy_arn: String = "PolicyArn" [LEN_ARN, ARN],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
shape!(ListPolicyVersionsOutput { versions: Vec<PolicyVersion> = "Versions", is_truncated: bool = "IsTruncated", marker: Option<String> = "Marker" });

structure!(TagPolicyInput { policy_arn: String = "PolicyArn" [LEN_ARN, ARN], tags: Vec<Tag> = "Tags" [TAGS] });
structure!(UntagPolicyInput { policy_arn: String = "PolicyArn" [LEN_ARN, ARN], tag_keys: Vec<String> = "TagKeys" [TAGS] });
structure!(ListPolicyTagsInput {
    policy_arn: String = "PolicyArn" [LEN_ARN, ARN],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});

structure!(ListEntitiesForPolicyInput {
    policy_arn: String = "PolicyArn" [LEN_ARN, ARN],
    entity_filter: Option<String> = "EntityFilter" [Constraint::Enum(&["User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"])],
    path_prefix: Option<String> = "PathPrefix" [LEN_1_512],
    policy_usage_filter: Option<String> = "PolicyUsageFilter" [Constraint::Enum(&["PermissionsPolicy", "PermissionsBoundary"])],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
shape!(PolicyGroup {
    group_name: String = "GroupName",
    group_id: String = "GroupId"
});
shape!(PolicyUser {
    user_name: String = "UserName",
    user_id: String = "UserId"
});
shape!(PolicyRole {
    role_name: String = "RoleName",
    role_id: String = "RoleId"
});
shape!(ListEntitiesForPolicyOutput {
    policy_groups: Vec<PolicyGroup> = "PolicyGroups",
    policy_users: Vec<PolicyUser> = "PolicyUsers",
    policy_roles: Vec<PolicyRole> = "PolicyRoles",
    is_truncated: bool = "IsTruncated",
    marker: Option<String> = "Marker",
});

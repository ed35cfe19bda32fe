//! Roles: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html> and siblings.

use crate::{
    dto::{
        c::*,
        shapes::{Role, Tag},
    },
    shape, structure,
};

structure!(CreateRoleInput {
    path: Option<String> = "Path" [LEN_1_512, PATH],
    role_name: String = "RoleName" [LEN_1_64, NAME],
    assume_role_policy_document: String = "AssumeRolePolicyDocument" [LEN_DOCUMENT, DOCUMENT],
    description: Option<String> = "Description" [LEN_0_1000, DESCRIPTION],
    max_session_duration: Option<i64> = "MaxSessionDuration" [MAX_SESSION],
    permissions_boundary: Option<String> = "PermissionsBoundary" [LEN_ARN, ARN],
    tags: Vec<Tag> = "Tags" [TAGS],
});
shape!(CreateRoleOutput {
    role: Role = "Role"
});

structure!(GetRoleInput { role_name: String = "RoleName" [LEN_1_64, NAME] });
shape!(GetRoleOutput {
    role: Role = "Role"
});

structure!(UpdateRoleInput {
    role_name: String = "RoleName" [LEN_1_64, NAME],
    description: Option<String> = "Description" [LEN_0_1000, DESCRIPTION],
    max_session_duration: Option<i64> = "MaxSessionDuration" [MAX_SESSION],
});
shape!(
    /// UpdateRole's output has no members, but botocore's model gives it a result wrapper:
    /// `<UpdateRoleResult/>` must be present or clients fail to parse the reply.
    UpdateRoleOutput {}
);
structure!(UpdateRoleDescriptionInput {
    role_name: String = "RoleName" [LEN_1_64, NAME],
    description: String = "Description" [LEN_0_1000, DESCRIPTION],
});
shape!(UpdateRoleDescriptionOutput {
    role: Role = "Role"
});

structure!(UpdateAssumeRolePolicyInput {
    role_name: String = "RoleName" [LEN_1_64, NAME],
    policy_document: String = "PolicyDocument" [LEN_DOCUMENT, DOCUMENT],
});
structure!(DeleteRoleInput { role_name: String = "RoleName" [LEN_1_64, NAME] });

structure!(ListRolesInput {
    path_prefix: Option<String> = "PathPrefix" [LEN_1_512],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
shape!(ListRolesOutput { roles: Vec<Role> = "Roles", is_truncated: bool = "IsTruncated", marker: Option<String> = "Marker" });

structure!(TagRoleInput { role_name: String = "RoleName" [LEN_1_64, NAME], tags: Vec<Tag> = "Tags" [TAGS] });
structure!(UntagRoleInput { role_name: String = "RoleName" [LEN_1_64, NAME], tag_keys: Vec<String> = "TagKeys" [TAGS] });
structure!(ListRoleTagsInput {
    role_name: String = "RoleName" [LEN_1_64, NAME],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});

structure!(PutRolePermissionsBoundaryInput {
    role_name: String = "RoleName" [LEN_1_64, NAME],
    permissions_boundary: String = "PermissionsBoundary" [LEN_ARN, ARN],
});
structure!(DeleteRolePermissionsBoundaryInput { role_name: String = "RoleName" [LEN_1_64, NAME] });

structure!(CreateServiceLinkedRoleInput {
    aws_service_name: String = "AWSServiceName" [LEN_1_128, NAME],
    description: Option<String> = "Description" [LEN_0_1000, DESCRIPTION],
    custom_suffix: Option<String> = "CustomSuffix" [LEN_1_64, NAME],
});
shape!(CreateServiceLinkedRoleOutput {
    role: Role = "Role"
});

structure!(DeleteServiceLinkedRoleInput { role_name: String = "RoleName" [LEN_1_64, NAME] });
shape!(DeleteServiceLinkedRoleOutput {
    deletion_task_id: String = "DeletionTaskId"
});

structure!(GetServiceLinkedRoleDeletionStatusInput {
    deletion_task_id: String = "DeletionTaskId"[LEN_1_1000],
});
shape!(
    /// `RoleUsageType`: where a service still uses the role.
    RoleUsage {
        region: Option<String> = "Region",
        resources: Vec<String> = "Resources",
    }
);
shape!(
    /// `DeletionTaskFailureReasonType`.
    DeletionTaskFailureReason {
        reason: Option<String> = "Reason",
        role_usage_list: Vec<RoleUsage> = "RoleUsageList",
    }
);
shape!(GetServiceLinkedRoleDeletionStatusOutput {
    status: String = "Status",
    reason: Option<DeletionTaskFailureReason> = "Reason",
});

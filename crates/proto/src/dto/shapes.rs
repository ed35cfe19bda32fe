//! Shapes shared by several resource families.

use time::OffsetDateTime;

use crate::{dto::c::*, shape, structure, types::PolicyDocumentText};

structure!(
    /// `Tag`: an input and an output.
    Tag { key: String = "Key" [LEN_1_128, TAG_KEY], value: String = "Value" [LEN_0_256, TAG_VALUE] }
);

shape!(
    /// `AttachedPermissionsBoundary`.
    AttachedPermissionsBoundary {
        permissions_boundary_type: String = "PermissionsBoundaryType",
        permissions_boundary_arn: String = "PermissionsBoundaryArn",
    }
);

shape!(
    /// `User`.
    User {
        path: String = "Path",
        user_name: String = "UserName",
        user_id: String = "UserId",
        arn: String = "Arn",
        create_date: Option<OffsetDateTime> = "CreateDate",
        password_last_used: Option<OffsetDateTime> = "PasswordLastUsed",
        permissions_boundary: Option<AttachedPermissionsBoundary> = "PermissionsBoundary",
        tags: Option<Vec<Tag>> = "Tags",
    }
);

shape!(
    /// `Group`.
    Group {
        path: String = "Path",
        group_name: String = "GroupName",
        group_id: String = "GroupId",
        arn: String = "Arn",
        create_date: Option<OffsetDateTime> = "CreateDate",
    }
);

shape!(
    /// `RoleLastUsed`.
    RoleLastUsed { last_used_date: Option<OffsetDateTime> = "LastUsedDate", region: Option<String> = "Region" }
);

shape!(
    /// `Role`.
    Role {
        path: String = "Path",
        role_name: String = "RoleName",
        role_id: String = "RoleId",
        arn: String = "Arn",
        create_date: Option<OffsetDateTime> = "CreateDate",
        assume_role_policy_document: Option<PolicyDocumentText> = "AssumeRolePolicyDocument",
        description: Option<String> = "Description",
        max_session_duration: Option<i64> = "MaxSessionDuration",
        permissions_boundary: Option<AttachedPermissionsBoundary> = "PermissionsBoundary",
        tags: Option<Vec<Tag>> = "Tags",
        role_last_used: Option<RoleLastUsed> = "RoleLastUsed",
    }
);

shape!(
    /// `Policy`.
    Policy {
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
        tags: Option<Vec<Tag>> = "Tags",
    }
);

shape!(
    /// `PolicyVersion`.
    PolicyVersion {
        document: Option<PolicyDocumentText> = "Document",
        version_id: String = "VersionId",
        is_default_version: bool = "IsDefaultVersion",
        create_date: Option<OffsetDateTime> = "CreateDate",
    }
);

shape!(
    /// `AttachedPolicy`.
    AttachedPolicy { policy_name: String = "PolicyName", policy_arn: String = "PolicyArn" }
);

shape!(
    /// `InstanceProfile`.
    InstanceProfile {
        path: String = "Path",
        instance_profile_name: String = "InstanceProfileName",
        instance_profile_id: String = "InstanceProfileId",
        arn: String = "Arn",
        create_date: Option<OffsetDateTime> = "CreateDate",
        roles: Vec<Role> = "Roles",
        tags: Option<Vec<Tag>> = "Tags",
    }
);

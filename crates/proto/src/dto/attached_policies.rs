//! Managed-policy attachments: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachUserPolicy.html> and siblings.

use crate::{
    dto::{c::*, shapes::AttachedPolicy},
    shape, structure,
};

structure!(AttachUserPolicyInput { user_name: String = "UserName" [LEN_1_128, NAME], policy_arn: String = "PolicyArn" [LEN_ARN, ARN] });
structure!(DetachUserPolicyInput { user_name: String = "UserName" [LEN_1_128, NAME], policy_arn: String = "PolicyArn" [LEN_ARN, ARN] });
structure!(AttachGroupPolicyInput { group_name: String = "GroupName" [LEN_1_128, NAME], policy_arn: String = "PolicyArn" [LEN_ARN, ARN] });
structure!(DetachGroupPolicyInput { group_name: String = "GroupName" [LEN_1_128, NAME], policy_arn: String = "PolicyArn" [LEN_ARN, ARN] });
structure!(AttachRolePolicyInput { role_name: String = "RoleName" [LEN_1_64, NAME], policy_arn: String = "PolicyArn" [LEN_ARN, ARN] });
structure!(DetachRolePolicyInput { role_name: String = "RoleName" [LEN_1_64, NAME], policy_arn: String = "PolicyArn" [LEN_ARN, ARN] });

structure!(ListAttachedUserPoliciesInput {
    user_name: String = "UserName" [LEN_1_128, NAME],
    path_prefix: Option<String> = "PathPrefix" [LEN_1_512],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
structure!(ListAttachedGroupPoliciesInput {
    group_name: String = "GroupName" [LEN_1_128, NAME],
    path_prefix: Option<String> = "PathPrefix" [LEN_1_512],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
structure!(ListAttachedRolePoliciesInput {
    role_name: String = "RoleName" [LEN_1_64, NAME],
    path_prefix: Option<String> = "PathPrefix" [LEN_1_512],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
shape!(ListAttachedPoliciesOutput {
    attached_policies: Vec<AttachedPolicy> = "AttachedPolicies",
    is_truncated: bool = "IsTruncated",
    marker: Option<String> = "Marker",
});

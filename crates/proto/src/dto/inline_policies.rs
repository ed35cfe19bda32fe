//! Inline policies of users, groups and roles: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutUserPolicy.html> and siblings.

use crate::{dto::c::*, shape, structure, types::PolicyDocumentText};

structure!(PutUserPolicyInput {
    user_name: String = "UserName" [LEN_1_128, NAME],
    policy_name: String = "PolicyName" [LEN_1_128, NAME],
    policy_document: String = "PolicyDocument" [LEN_DOCUMENT, DOCUMENT],
});
structure!(PutGroupPolicyInput {
    group_name: String = "GroupName" [LEN_1_128, NAME],
    policy_name: String = "PolicyName" [LEN_1_128, NAME],
    policy_document: String = "PolicyDocument" [LEN_DOCUMENT, DOCUMENT],
});
structure!(PutRolePolicyInput {
    role_name: String = "RoleName" [LEN_1_64, NAME],
    policy_name: String = "PolicyName" [LEN_1_128, NAME],
    policy_document: String = "PolicyDocument" [LEN_DOCUMENT, DOCUMENT],
});

structure!(GetUserPolicyInput { user_name: String = "UserName" [LEN_1_128, NAME], policy_name: String = "PolicyName" [LEN_1_128, NAME] });
shape!(GetUserPolicyOutput {
    user_name: String = "UserName",
    policy_name: String = "PolicyName",
    policy_document: PolicyDocumentText = "PolicyDocument"
});
structure!(GetGroupPolicyInput { group_name: String = "GroupName" [LEN_1_128, NAME], policy_name: String = "PolicyName" [LEN_1_128, NAME] });
shape!(GetGroupPolicyOutput {
    group_name: String = "GroupName",
    policy_name: String = "PolicyName",
    policy_document: PolicyDocumentText = "PolicyDocument"
});
structure!(GetRolePolicyInput { role_name: String = "RoleName" [LEN_1_64, NAME], policy_name: String = "PolicyName" [LEN_1_128, NAME] });
shape!(GetRolePolicyOutput {
    role_name: String = "RoleName",
    policy_name: String = "PolicyName",
    policy_document: PolicyDocumentText = "PolicyDocument"
});

structure!(DeleteUserPolicyInput { user_name: String = "UserName" [LEN_1_128, NAME], policy_name: String = "PolicyName" [LEN_1_128, NAME] });
structure!(DeleteGroupPolicyInput { group_name: String = "GroupName" [LEN_1_128, NAME], policy_name: String = "PolicyName" [LEN_1_128, NAME] });
structure!(DeleteRolePolicyInput { role_name: String = "RoleName" [LEN_1_64, NAME], policy_name: String = "PolicyName" [LEN_1_128, NAME] });

structure!(ListUserPoliciesInput {
    user_name: String = "UserName" [LEN_1_128, NAME],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
structure!(ListGroupPoliciesInput {
    group_name: String = "GroupName" [LEN_1_128, NAME],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
structure!(ListRolePoliciesInput {
    role_name: String = "RoleName" [LEN_1_64, NAME],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
shape!(ListPolicyNamesOutput { policy_names: Vec<String> = "PolicyNames", is_truncated: bool = "IsTruncated", marker: Option<String> = "Marker" });

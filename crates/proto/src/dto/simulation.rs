//! The policy simulator: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetContextKeysForCustomPolicy.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetContextKeysForPrincipalPolicy.html>.

use crate::{constraint::Constraint, dto::c::*, shape, structure, types::Map};

const ONE_OR_MORE: Constraint = Constraint::Items(1, usize::MAX);
const LEN_KEY_NAME: Constraint = Constraint::Len(5, 256);
const LEN_1_2048: Constraint = Constraint::Len(1, 2048);
const LEN_1_64: Constraint = Constraint::Len(1, 64);
const KEY_TYPE: Constraint = Constraint::Enum(&[
    "string",
    "stringList",
    "numeric",
    "numericList",
    "boolean",
    "booleanList",
    "ip",
    "ipList",
    "binary",
    "binaryList",
    "date",
    "dateList",
]);

structure!(
    /// `ContextEntry`: one context key and its values.
    ContextEntry {
        context_key_name: Option<String> = "ContextKeyName" [LEN_KEY_NAME],
        context_key_values: Vec<String> = "ContextKeyValues",
        context_key_type: Option<String> = "ContextKeyType" [KEY_TYPE],
    }
);

structure!(SimulateCustomPolicyInput {
    policy_input_list: Vec<String> = "PolicyInputList" [ONE_OR_MORE],
    permissions_boundary_policy_input_list: Vec<String> = "PermissionsBoundaryPolicyInputList",
    action_names: Vec<String> = "ActionNames" [ONE_OR_MORE],
    resource_arns: Vec<String> = "ResourceArns",
    resource_policy: Option<String> = "ResourcePolicy" [LEN_DOCUMENT, DOCUMENT],
    resource_owner: Option<String> = "ResourceOwner" [LEN_1_2048],
    caller_arn: Option<String> = "CallerArn" [LEN_1_2048],
    context_entries: Vec<ContextEntry> = "ContextEntries",
    resource_handling_option: Option<String> = "ResourceHandlingOption" [LEN_1_64],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
});

structure!(SimulatePrincipalPolicyInput {
    policy_source_arn: String = "PolicySourceArn" [LEN_ARN, ARN],
    policy_input_list: Vec<String> = "PolicyInputList",
    permissions_boundary_policy_input_list: Vec<String> = "PermissionsBoundaryPolicyInputList",
    action_names: Vec<String> = "ActionNames" [ONE_OR_MORE],
    resource_arns: Vec<String> = "ResourceArns",
    resource_policy: Option<String> = "ResourcePolicy" [LEN_DOCUMENT, DOCUMENT],
    resource_owner: Option<String> = "ResourceOwner" [LEN_1_2048],
    caller_arn: Option<String> = "CallerArn" [LEN_1_2048],
    context_entries: Vec<ContextEntry> = "ContextEntries",
    resource_handling_option: Option<String> = "ResourceHandlingOption" [LEN_1_64],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
});

structure!(GetContextKeysForCustomPolicyInput {
    policy_input_list: Vec<String> = "PolicyInputList" [ONE_OR_MORE],
});

structure!(GetContextKeysForPrincipalPolicyInput {
    policy_source_arn: String = "PolicySourceArn" [LEN_ARN, ARN],
    policy_input_list: Vec<String> = "PolicyInputList",
});

shape!(
    /// `GetContextKeysForPolicyResponse`.
    GetContextKeysOutput {
        context_key_names: Vec<String> = "ContextKeyNames"
    }
);

shape!(
    /// `Position`.
    Position {
        line: i64 = "Line",
        column: i64 = "Column",
    }
);

shape!(
    /// `Statement`: a statement that decided.
    MatchedStatement {
        source_policy_id: String = "SourcePolicyId",
        source_policy_type: String = "SourcePolicyType",
        start_position: Option<Position> = "StartPosition",
        end_position: Option<Position> = "EndPosition",
    }
);

shape!(
    /// `PermissionsBoundaryDecisionDetail`.
    PermissionsBoundaryDecisionDetail {
        allowed_by_permissions_boundary: bool = "AllowedByPermissionsBoundary"
    }
);

shape!(
    /// `ResourceSpecificResult`.
    ResourceSpecificResult {
        eval_resource_name: String = "EvalResourceName",
        eval_resource_decision: String = "EvalResourceDecision",
        matched_statements: Vec<MatchedStatement> = "MatchedStatements",
        missing_context_values: Vec<String> = "MissingContextValues",
        eval_decision_details: Option<Map<String>> = "EvalDecisionDetails",
        permissions_boundary_decision_detail: Option<PermissionsBoundaryDecisionDetail> = "PermissionsBoundaryDecisionDetail",
    }
);

shape!(
    /// `EvaluationResult`: one action, over every simulated resource.
    EvaluationResult {
        eval_action_name: String = "EvalActionName",
        eval_resource_name: String = "EvalResourceName",
        eval_decision: String = "EvalDecision",
        matched_statements: Vec<MatchedStatement> = "MatchedStatements",
        missing_context_values: Vec<String> = "MissingContextValues",
        eval_decision_details: Option<Map<String>> = "EvalDecisionDetails",
        permissions_boundary_decision_detail: Option<PermissionsBoundaryDecisionDetail> = "PermissionsBoundaryDecisionDetail",
        resource_specific_results: Option<Vec<ResourceSpecificResult>> = "ResourceSpecificResults",
    }
);

shape!(
    /// `SimulatePolicyResponse`.
    SimulatePolicyOutput {
        evaluation_results: Vec<EvaluationResult> = "EvaluationResults",
        is_truncated: bool = "IsTruncated",
        marker: Option<String> = "Marker",
    }
);

//! AWS Organizations (AWS JSON 1.1, `AWSOrganizationsV20161128.*`): the organization, its root,
//! organizational units, accounts, service control policies and tags.
//!
//! <https://docs.aws.amazon.com/organizations/latest/APIReference/API_Operations.html>

use time::OffsetDateTime;

use crate::{constraint::Constraint, dto::shapes::Tag, shape, structure};

/// `FeatureSet`.
const FEATURE_SET: Constraint = Constraint::Enum(&["ALL", "CONSOLIDATED_BILLING"]);
/// `PolicyType`.
const POLICY_TYPE: Constraint = Constraint::Enum(&[
    "SERVICE_CONTROL_POLICY",
    "RESOURCE_CONTROL_POLICY",
    "TAG_POLICY",
    "BACKUP_POLICY",
    "AISERVICES_OPT_OUT_POLICY",
    "CHATBOT_POLICY",
    "DECLARATIVE_POLICY_EC2",
    "SECURITYHUB_POLICY",
]);
/// `ChildType`.
const CHILD_TYPE: Constraint = Constraint::Enum(&["ACCOUNT", "ORGANIZATIONAL_UNIT"]);
/// `MaxResults`.
const MAX_RESULTS: Constraint = Constraint::Range(1, 20);
/// Ids (`ParentId`, `AccountId`, …): the model's maximum lengths.
const LEN_ID: Constraint = Constraint::Len(1, 100);
/// `NextToken`.
const LEN_TOKEN: Constraint = Constraint::Len(1, 100_000);
/// `Email`.
const LEN_EMAIL: Constraint = Constraint::Len(6, 64);
/// `AccountName`.
const LEN_ACCOUNT_NAME: Constraint = Constraint::Len(1, 50);
/// OU and policy names.
const LEN_NAME: Constraint = Constraint::Len(1, 128);
/// `RoleName`.
const LEN_ROLE_NAME: Constraint = Constraint::Len(1, 64);
/// Policy descriptions.
const LEN_DESCRIPTION: Constraint = Constraint::Len(0, 512);
/// Policy content.
const LEN_CONTENT: Constraint = Constraint::Len(1, 1_000_000);
/// `IamUserAccessToBilling`.
const BILLING: Constraint = Constraint::Enum(&["ALLOW", "DENY"]);
/// Tags of one call.
const TAGS: Constraint = Constraint::Items(0, 50);

shape!(
    /// `PolicyTypeSummary`.
    PolicyTypeSummary { r#type: String = "Type", status: String = "Status" }
);

shape!(
    /// `Organization`.
    Organization {
        id: String = "Id",
        arn: String = "Arn",
        feature_set: String = "FeatureSet",
        master_account_arn: String = "MasterAccountArn",
        master_account_id: String = "MasterAccountId",
        master_account_email: String = "MasterAccountEmail",
        available_policy_types: Vec<PolicyTypeSummary> = "AvailablePolicyTypes",
    }
);
shape!(OrganizationOutput {
    organization: Organization = "Organization"
});

structure!(CreateOrganizationInput { feature_set: Option<String> = "FeatureSet" [FEATURE_SET] });
structure!(DescribeOrganizationInput {});
structure!(DeleteOrganizationInput {});

shape!(
    /// `Root`.
    Root { id: String = "Id", arn: String = "Arn", name: String = "Name", policy_types: Vec<PolicyTypeSummary> = "PolicyTypes" }
);
structure!(ListRootsInput {
    next_token: Option<String> = "NextToken" [LEN_TOKEN],
    max_results: Option<i64> = "MaxResults" [MAX_RESULTS],
});
shape!(ListRootsOutput { roots: Vec<Root> = "Roots", next_token: Option<String> = "NextToken" });
shape!(RootOutput {
    root: Root = "Root"
});

structure!(ListAwsServiceAccessForOrganizationInput {
    next_token: Option<String> = "NextToken" [LEN_TOKEN],
    max_results: Option<i64> = "MaxResults" [MAX_RESULTS],
});
shape!(
    /// `EnabledServicePrincipal`.
    EnabledServicePrincipal { service_principal: String = "ServicePrincipal", date_enabled: Option<OffsetDateTime> = "DateEnabled" }
);
shape!(ListAwsServiceAccessForOrganizationOutput {
    enabled_service_principals: Vec<EnabledServicePrincipal> = "EnabledServicePrincipals",
    next_token: Option<String> = "NextToken",
});

shape!(
    /// `CreateAccountStatus`.
    CreateAccountStatus {
        id: String = "Id",
        account_name: String = "AccountName",
        state: String = "State",
        requested_timestamp: Option<OffsetDateTime> = "RequestedTimestamp",
        completed_timestamp: Option<OffsetDateTime> = "CompletedTimestamp",
        account_id: Option<String> = "AccountId",
        failure_reason: Option<String> = "FailureReason",
    }
);
shape!(CreateAccountStatusOutput {
    create_account_status: CreateAccountStatus = "CreateAccountStatus"
});

structure!(CreateAccountInput {
    email: String = "Email" [LEN_EMAIL],
    account_name: String = "AccountName" [LEN_ACCOUNT_NAME],
    role_name: Option<String> = "RoleName" [LEN_ROLE_NAME],
    iam_user_access_to_billing: Option<String> = "IamUserAccessToBilling" [BILLING],
    tags: Vec<Tag> = "Tags" [TAGS],
});
structure!(DescribeCreateAccountStatusInput {
    create_account_request_id: String = "CreateAccountRequestId"[LEN_ID],
});
structure!(ListCreateAccountStatusInput {
    states: Vec<String> = "States",
    next_token: Option<String> = "NextToken" [LEN_TOKEN],
    max_results: Option<i64> = "MaxResults" [MAX_RESULTS],
});
shape!(ListCreateAccountStatusOutput {
    create_account_statuses: Vec<CreateAccountStatus> = "CreateAccountStatuses",
    next_token: Option<String> = "NextToken",
});

shape!(
    /// `Account`.
    Account {
        id: String = "Id",
        arn: String = "Arn",
        email: String = "Email",
        name: String = "Name",
        status: String = "Status",
        state: String = "State",
        joined_method: String = "JoinedMethod",
        joined_timestamp: Option<OffsetDateTime> = "JoinedTimestamp",
    }
);
structure!(ListAccountsInput {
    next_token: Option<String> = "NextToken" [LEN_TOKEN],
    max_results: Option<i64> = "MaxResults" [MAX_RESULTS],
});
shape!(ListAccountsOutput { accounts: Vec<Account> = "Accounts", next_token: Option<String> = "NextToken" });
structure!(ListAccountsForParentInput {
    parent_id: String = "ParentId" [LEN_ID],
    next_token: Option<String> = "NextToken" [LEN_TOKEN],
    max_results: Option<i64> = "MaxResults" [MAX_RESULTS],
});
structure!(DescribeAccountInput {
    account_id: String = "AccountId"[LEN_ID]
});
shape!(DescribeAccountOutput {
    account: Account = "Account"
});
structure!(MoveAccountInput {
    account_id: String = "AccountId"[LEN_ID],
    source_parent_id: String = "SourceParentId"[LEN_ID],
    destination_parent_id: String = "DestinationParentId"[LEN_ID],
});
structure!(RemoveAccountFromOrganizationInput {
    account_id: String = "AccountId"[LEN_ID]
});
structure!(CloseAccountInput {
    account_id: String = "AccountId"[LEN_ID]
});

shape!(
    /// `OrganizationalUnit`.
    OrganizationalUnit { id: String = "Id", arn: String = "Arn", name: String = "Name" }
);
shape!(OrganizationalUnitOutput {
    organizational_unit: OrganizationalUnit = "OrganizationalUnit"
});
structure!(CreateOrganizationalUnitInput {
    parent_id: String = "ParentId" [LEN_ID],
    name: String = "Name" [LEN_NAME],
    tags: Vec<Tag> = "Tags" [TAGS],
});
structure!(DescribeOrganizationalUnitInput {
    organizational_unit_id: String = "OrganizationalUnitId"[LEN_ID]
});
structure!(UpdateOrganizationalUnitInput {
    organizational_unit_id: String = "OrganizationalUnitId" [LEN_ID],
    name: Option<String> = "Name" [LEN_NAME],
});
structure!(DeleteOrganizationalUnitInput {
    organizational_unit_id: String = "OrganizationalUnitId"[LEN_ID]
});
structure!(ListOrganizationalUnitsForParentInput {
    parent_id: String = "ParentId" [LEN_ID],
    next_token: Option<String> = "NextToken" [LEN_TOKEN],
    max_results: Option<i64> = "MaxResults" [MAX_RESULTS],
});
shape!(ListOrganizationalUnitsForParentOutput {
    organizational_units: Vec<OrganizationalUnit> = "OrganizationalUnits",
    next_token: Option<String> = "NextToken",
});

shape!(
    /// `Child`.
    Child { id: String = "Id", r#type: String = "Type" }
);
structure!(ListChildrenInput {
    parent_id: String = "ParentId" [LEN_ID],
    child_type: String = "ChildType" [CHILD_TYPE],
    next_token: Option<String> = "NextToken" [LEN_TOKEN],
    max_results: Option<i64> = "MaxResults" [MAX_RESULTS],
});
shape!(ListChildrenOutput { children: Vec<Child> = "Children", next_token: Option<String> = "NextToken" });

shape!(
    /// `Parent`.
    Parent { id: String = "Id", r#type: String = "Type" }
);
structure!(ListParentsInput {
    child_id: String = "ChildId" [LEN_ID],
    next_token: Option<String> = "NextToken" [LEN_TOKEN],
    max_results: Option<i64> = "MaxResults" [MAX_RESULTS],
});
shape!(ListParentsOutput { parents: Vec<Parent> = "Parents", next_token: Option<String> = "NextToken" });

structure!(TagResourceInput { resource_id: String = "ResourceId" [LEN_ID], tags: Vec<Tag> = "Tags" [TAGS] });
structure!(UntagResourceInput { resource_id: String = "ResourceId" [LEN_ID], tag_keys: Vec<String> = "TagKeys" [TAGS] });
structure!(ListTagsForResourceInput {
    resource_id: String = "ResourceId" [LEN_ID],
    next_token: Option<String> = "NextToken" [LEN_TOKEN],
});
shape!(ListTagsForResourceOutput { tags: Vec<Tag> = "Tags", next_token: Option<String> = "NextToken" });

structure!(EnablePolicyTypeInput {
    root_id: String = "RootId"[LEN_ID],
    policy_type: String = "PolicyType"[POLICY_TYPE]
});
structure!(DisablePolicyTypeInput {
    root_id: String = "RootId"[LEN_ID],
    policy_type: String = "PolicyType"[POLICY_TYPE]
});

shape!(
    /// `PolicySummary`.
    PolicySummary {
        id: String = "Id",
        arn: String = "Arn",
        name: String = "Name",
        description: String = "Description",
        r#type: String = "Type",
        aws_managed: bool = "AwsManaged",
    }
);
shape!(
    /// `Policy`.
    Policy { policy_summary: PolicySummary = "PolicySummary", content: String = "Content" }
);
shape!(PolicyOutput {
    policy: Policy = "Policy"
});
structure!(CreatePolicyInput {
    content: String = "Content" [LEN_CONTENT],
    description: String = "Description" [LEN_DESCRIPTION],
    name: String = "Name" [LEN_NAME],
    r#type: String = "Type" [POLICY_TYPE],
    tags: Vec<Tag> = "Tags" [TAGS],
});
structure!(UpdatePolicyInput {
    policy_id: String = "PolicyId" [LEN_ID],
    name: Option<String> = "Name" [LEN_NAME],
    description: Option<String> = "Description" [LEN_DESCRIPTION],
    content: Option<String> = "Content" [LEN_CONTENT],
});
structure!(DeletePolicyInput {
    policy_id: String = "PolicyId"[LEN_ID]
});
structure!(DescribePolicyInput {
    policy_id: String = "PolicyId"[LEN_ID]
});
structure!(ListPoliciesInput {
    filter: String = "Filter" [POLICY_TYPE],
    next_token: Option<String> = "NextToken" [LEN_TOKEN],
    max_results: Option<i64> = "MaxResults" [MAX_RESULTS],
});
shape!(ListPoliciesOutput { policies: Vec<PolicySummary> = "Policies", next_token: Option<String> = "NextToken" });
structure!(ListPoliciesForTargetInput {
    target_id: String = "TargetId" [LEN_ID],
    filter: String = "Filter" [POLICY_TYPE],
    next_token: Option<String> = "NextToken" [LEN_TOKEN],
    max_results: Option<i64> = "MaxResults" [MAX_RESULTS],
});
shape!(
    /// `PolicyTargetSummary`.
    PolicyTargetSummary { target_id: String = "TargetId", arn: String = "Arn", name: String = "Name", r#type: String = "Type" }
);
structure!(ListTargetsForPolicyInput {
    policy_id: String = "PolicyId" [LEN_ID],
    next_token: Option<String> = "NextToken" [LEN_TOKEN],
    max_results: Option<i64> = "MaxResults" [MAX_RESULTS],
});
shape!(ListTargetsForPolicyOutput { targets: Vec<PolicyTargetSummary> = "Targets", next_token: Option<String> = "NextToken" });
structure!(AttachPolicyInput {
    policy_id: String = "PolicyId"[LEN_ID],
    target_id: String = "TargetId"[LEN_ID]
});
structure!(DetachPolicyInput {
    policy_id: String = "PolicyId"[LEN_ID],
    target_id: String = "TargetId"[LEN_ID]
});

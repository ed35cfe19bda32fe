//! Last accessed information (IAM's access advisor):
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GenerateServiceLastAccessedDetails.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetServiceLastAccessedDetails.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetServiceLastAccessedDetailsWithEntities.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListPoliciesGrantingServiceAccess.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GenerateOrganizationsAccessReport.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetOrganizationsAccessReport.html>.

use time::OffsetDateTime;

use crate::{constraint::Constraint, dto::c::*, shape, structure};

/// `AccessAdvisorUsageGranularityType`.
pub const GRANULARITY: Constraint = Constraint::Enum(&["SERVICE_LEVEL", "ACTION_LEVEL"]);
/// `jobIDType`: 36 characters.
pub const LEN_JOB_ID: Constraint = Constraint::Len(36, 36);
/// `serviceNamespaceType`'s length.
pub const LEN_NAMESPACE: Constraint = Constraint::Len(1, 64);
/// `serviceNamespaceListType`: 1 to 200 namespaces.
pub const NAMESPACES: Constraint = Constraint::Items(1, 200);
/// `organizationsEntityPathType`'s length.
pub const LEN_ENTITY_PATH: Constraint = Constraint::Len(19, 427);
/// `sortKeyType`.
pub const SORT_KEY: Constraint = Constraint::Enum(&[
    "SERVICE_NAMESPACE_ASCENDING",
    "SERVICE_NAMESPACE_DESCENDING",
    "LAST_AUTHENTICATED_TIME_ASCENDING",
    "LAST_AUTHENTICATED_TIME_DESCENDING",
]);

structure!(GenerateServiceLastAccessedDetailsInput {
    arn: String = "Arn" [LEN_ARN, ARN],
    granularity: Option<String> = "Granularity" [GRANULARITY],
});
shape!(JobIdOutput { job_id: Option<String> = "JobId" });

structure!(GetServiceLastAccessedDetailsInput {
    job_id: String = "JobId" [LEN_JOB_ID],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
});
shape!(TrackedActionLastAccessed {
    action_name: Option<String> = "ActionName",
    last_accessed_entity: Option<String> = "LastAccessedEntity",
    last_accessed_time: Option<OffsetDateTime> = "LastAccessedTime",
    last_accessed_region: Option<String> = "LastAccessedRegion",
});
shape!(ServiceLastAccessed {
    service_name: String = "ServiceName",
    last_authenticated: Option<OffsetDateTime> = "LastAuthenticated",
    service_namespace: String = "ServiceNamespace",
    last_authenticated_entity: Option<String> = "LastAuthenticatedEntity",
    last_authenticated_region: Option<String> = "LastAuthenticatedRegion",
    total_authenticated_entities: Option<i64> = "TotalAuthenticatedEntities",
    tracked_actions_last_accessed: Option<Vec<TrackedActionLastAccessed>> = "TrackedActionsLastAccessed",
});
shape!(ErrorDetails {
    message: String = "Message",
    code: String = "Code",
});
shape!(GetServiceLastAccessedDetailsOutput {
    job_status: String = "JobStatus",
    job_type: Option<String> = "JobType",
    job_creation_date: Option<OffsetDateTime> = "JobCreationDate",
    services_last_accessed: Vec<ServiceLastAccessed> = "ServicesLastAccessed",
    job_completion_date: Option<OffsetDateTime> = "JobCompletionDate",
    is_truncated: bool = "IsTruncated",
    marker: Option<String> = "Marker",
    error: Option<ErrorDetails> = "Error",
});

structure!(GetServiceLastAccessedDetailsWithEntitiesInput {
    job_id: String = "JobId" [LEN_JOB_ID],
    service_namespace: String = "ServiceNamespace" [LEN_NAMESPACE],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
});
shape!(EntityInfo {
    arn: String = "Arn",
    name: String = "Name",
    entity_type: String = "Type",
    id: String = "Id",
    path: Option<String> = "Path",
});
shape!(EntityDetails {
    entity_info: EntityInfo = "EntityInfo",
    last_authenticated: Option<OffsetDateTime> = "LastAuthenticated",
});
shape!(GetServiceLastAccessedDetailsWithEntitiesOutput {
    job_status: String = "JobStatus",
    job_creation_date: Option<OffsetDateTime> = "JobCreationDate",
    job_completion_date: Option<OffsetDateTime> = "JobCompletionDate",
    entity_details_list: Vec<EntityDetails> = "EntityDetailsList",
    is_truncated: bool = "IsTruncated",
    marker: Option<String> = "Marker",
    error: Option<ErrorDetails> = "Error",
});

structure!(ListPoliciesGrantingServiceAccessInput {
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    arn: String = "Arn" [LEN_ARN, ARN],
    service_namespaces: Vec<String> = "ServiceNamespaces" [NAMESPACES],
});
shape!(PolicyGrantingServiceAccess {
    policy_name: String = "PolicyName",
    policy_type: String = "PolicyType",
    policy_arn: Option<String> = "PolicyArn",
    entity_type: Option<String> = "EntityType",
    entity_name: Option<String> = "EntityName",
});
shape!(ListPoliciesGrantingServiceAccessEntry {
    service_namespace: Option<String> = "ServiceNamespace",
    policies: Vec<PolicyGrantingServiceAccess> = "Policies",
});
shape!(ListPoliciesGrantingServiceAccessOutput {
    policies_granting_service_access: Vec<ListPoliciesGrantingServiceAccessEntry> = "PoliciesGrantingServiceAccess",
    is_truncated: bool = "IsTruncated",
    marker: Option<String> = "Marker",
});

structure!(GenerateOrganizationsAccessReportInput {
    entity_path: String = "EntityPath" [LEN_ENTITY_PATH],
    organizations_policy_id: Option<String> = "OrganizationsPolicyId",
});
structure!(GetOrganizationsAccessReportInput {
    job_id: String = "JobId" [LEN_JOB_ID],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    sort_key: Option<String> = "SortKey" [SORT_KEY],
});
shape!(AccessDetail {
    service_name: String = "ServiceName",
    service_namespace: String = "ServiceNamespace",
    region: Option<String> = "Region",
    entity_path: Option<String> = "EntityPath",
    last_authenticated_time: Option<OffsetDateTime> = "LastAuthenticatedTime",
    total_authenticated_entities: Option<i64> = "TotalAuthenticatedEntities",
});
shape!(GetOrganizationsAccessReportOutput {
    job_status: String = "JobStatus",
    job_creation_date: Option<OffsetDateTime> = "JobCreationDate",
    job_completion_date: Option<OffsetDateTime> = "JobCompletionDate",
    number_of_services_accessible: Option<i64> = "NumberOfServicesAccessible",
    number_of_services_not_accessed: Option<i64> = "NumberOfServicesNotAccessed",
    access_details: Option<Vec<AccessDetail>> = "AccessDetails",
    is_truncated: bool = "IsTruncated",
    marker: Option<String> = "Marker",
    error_details: Option<ErrorDetails> = "ErrorDetails",
});

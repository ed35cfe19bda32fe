//! IAM temporary delegation (partner-only): <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateDelegationRequest.html>
//! and siblings, STS GetDelegatedAccessToken.

use time::OffsetDateTime;

use crate::{Secret, constraint::Constraint, dto::c::*, shape, structure};

/// `delegationRequestIdType`: 16–128.
const LEN_REQUEST_ID: Constraint = Constraint::Len(16, 128);
/// `notesType`: at most 500.
const LEN_NOTES: Constraint = Constraint::Len(0, 500);
/// `requestMessageType`: at most 200.
const LEN_MESSAGE: Constraint = Constraint::Len(0, 200);
/// `requestorWorkflowIdType`: 5–400.
const LEN_WORKFLOW: Constraint = Constraint::Len(5, 400);
/// `notificationChannelType`: 2–400.
const LEN_CHANNEL: Constraint = Constraint::Len(2, 400);
/// `redirectUrlType`: 1–255.
const LEN_URL: Constraint = Constraint::Len(1, 255);
/// `sessionDurationType`: 300–43200 seconds.
const SESSION_DURATION: Constraint = Constraint::Range(300, 43_200);
/// `policyParameterListType`: at most 50.
const PARAMETERS: Constraint = Constraint::Items(0, 50);
/// `localeType`: 2–12.
const LEN_LOCALE: Constraint = Constraint::Len(2, 12);
/// `ownerIdType`: 20–2048.
const LEN_OWNER: Constraint = Constraint::Len(20, 2048);
/// `accountIdType`: 12 digits.
const LEN_ACCOUNT: Constraint = Constraint::Len(12, 12);

structure!(
    /// `PolicyParameter`.
    PolicyParameter {
        name: Option<String> = "Name" [Constraint::Len(5, 256)],
        values: Vec<String> = "Values",
        r#type: Option<String> = "Type" [Constraint::Enum(&["string", "stringList"])],
    }
);

structure!(
    /// `DelegationPermission`.
    DelegationPermission {
        policy_template_arn: Option<String> = "PolicyTemplateArn" [LEN_ARN, ARN],
        parameters: Vec<PolicyParameter> = "Parameters" [PARAMETERS],
    }
);

structure!(CreateDelegationRequestInput {
    owner_account_id: Option<String> = "OwnerAccountId" [LEN_ACCOUNT],
    description: String = "Description" [LEN_0_1000, DESCRIPTION],
    permissions: DelegationPermission = "Permissions",
    request_message: Option<String> = "RequestMessage" [LEN_MESSAGE, DESCRIPTION],
    requestor_workflow_id: String = "RequestorWorkflowId" [LEN_WORKFLOW],
    redirect_url: Option<String> = "RedirectUrl" [LEN_URL],
    notification_channel: String = "NotificationChannel" [LEN_CHANNEL],
    session_duration: i64 = "SessionDuration" [SESSION_DURATION],
    only_send_by_owner: Option<bool> = "OnlySendByOwner",
});
shape!(CreateDelegationRequestOutput {
    console_deep_link: Option<String> = "ConsoleDeepLink",
    delegation_request_id: Option<String> = "DelegationRequestId",
});

structure!(GetDelegationRequestInput {
    delegation_request_id: String = "DelegationRequestId" [LEN_REQUEST_ID],
    delegation_permission_check: Option<bool> = "DelegationPermissionCheck",
});
shape!(
    /// `DelegationRequest` (none exists for an account that is not onboarded).
    DelegationRequest {
        delegation_request_id: Option<String> = "DelegationRequestId",
        owner_account_id: Option<String> = "OwnerAccountId",
        description: Option<String> = "Description",
        state: Option<String> = "State",
        create_date: Option<OffsetDateTime> = "CreateDate",
    }
);
shape!(GetDelegationRequestOutput {
    delegation_request: Option<DelegationRequest> = "DelegationRequest",
    permission_check_status: Option<String> = "PermissionCheckStatus",
    permission_check_result: Option<String> = "PermissionCheckResult",
});

structure!(AcceptDelegationRequestInput {
    delegation_request_id: String = "DelegationRequestId"[LEN_REQUEST_ID],
});
structure!(AssociateDelegationRequestInput {
    delegation_request_id: String = "DelegationRequestId"[LEN_REQUEST_ID],
});
structure!(SendDelegationTokenInput {
    delegation_request_id: String = "DelegationRequestId"[LEN_REQUEST_ID],
});
structure!(RejectDelegationRequestInput {
    delegation_request_id: String = "DelegationRequestId" [LEN_REQUEST_ID],
    notes: Option<String> = "Notes" [LEN_NOTES, DESCRIPTION],
});
structure!(UpdateDelegationRequestInput {
    delegation_request_id: String = "DelegationRequestId" [LEN_REQUEST_ID],
    notes: Option<String> = "Notes" [LEN_NOTES, DESCRIPTION],
});

structure!(ListDelegationRequestsInput {
    owner_id: Option<String> = "OwnerId" [LEN_OWNER],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
shape!(ListDelegationRequestsOutput {
    delegation_requests: Vec<DelegationRequest> = "DelegationRequests",
    marker: Option<String> = "Marker",
    is_truncated: bool = "isTruncated",
});

structure!(GetHumanReadableSummaryInput {
    entity_arn: String = "EntityArn" [LEN_ARN, ARN],
    locale: Option<String> = "Locale" [LEN_LOCALE],
});
shape!(GetHumanReadableSummaryOutput {
    summary_content: Option<String> = "SummaryContent",
    locale: Option<String> = "Locale",
    summary_state: Option<String> = "SummaryState",
});

structure!(GetDelegatedAccessTokenInput {
    trade_in_token: Secret = "TradeInToken",
});
shape!(GetDelegatedAccessTokenOutput {
    credentials: Option<crate::dto::sts::Credentials> = "Credentials",
    packed_policy_size: Option<i64> = "PackedPolicySize",
    assumed_principal: Option<String> = "AssumedPrincipal",
});

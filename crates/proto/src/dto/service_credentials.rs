//! Service-specific credentials: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateServiceSpecificCredential.html>
//! and siblings. The password (or, for Amazon Bedrock API keys, the secret) is a [`Secret`]:
//! returned by Create and Reset only, never recorded.

use time::OffsetDateTime;

use crate::{Secret, constraint::Constraint, dto::c::*, shape, structure};

const CREDENTIAL_ID: Constraint = Constraint::Pattern(crate::constraint::Pattern::AccessKeyId);
const LEN_CREDENTIAL_ID: Constraint = Constraint::Len(20, 128);
const CREDENTIAL_AGE: Constraint = Constraint::Range(1, 36_600);
const CREDENTIAL_STATUS: Constraint = Constraint::Enum(&["Active", "Inactive", "Expired"]);

structure!(CreateServiceSpecificCredentialInput {
    user_name: String = "UserName" [LEN_1_64, NAME],
    service_name: String = "ServiceName",
    credential_age_days: Option<i64> = "CredentialAgeDays" [CREDENTIAL_AGE],
});
shape!(ServiceSpecificCredential {
    create_date: Option<OffsetDateTime> = "CreateDate",
    expiration_date: Option<OffsetDateTime> = "ExpirationDate",
    service_name: String = "ServiceName",
    service_user_name: Option<String> = "ServiceUserName",
    service_password: Option<Secret> = "ServicePassword",
    service_credential_alias: Option<String> = "ServiceCredentialAlias",
    service_credential_secret: Option<Secret> = "ServiceCredentialSecret",
    service_specific_credential_id: String = "ServiceSpecificCredentialId",
    user_name: String = "UserName",
    status: String = "Status",
});
shape!(ServiceSpecificCredentialOutput {
    service_specific_credential: ServiceSpecificCredential = "ServiceSpecificCredential"
});

structure!(ListServiceSpecificCredentialsInput {
    user_name: Option<String> = "UserName" [LEN_1_64, NAME],
    service_name: Option<String> = "ServiceName",
    all_users: Option<bool> = "AllUsers",
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
shape!(ServiceSpecificCredentialMetadata {
    user_name: String = "UserName",
    status: String = "Status",
    service_user_name: Option<String> = "ServiceUserName",
    service_credential_alias: Option<String> = "ServiceCredentialAlias",
    create_date: Option<OffsetDateTime> = "CreateDate",
    expiration_date: Option<OffsetDateTime> = "ExpirationDate",
    service_specific_credential_id: String = "ServiceSpecificCredentialId",
    service_name: String = "ServiceName",
});
shape!(ListServiceSpecificCredentialsOutput {
    service_specific_credentials: Vec<ServiceSpecificCredentialMetadata> = "ServiceSpecificCredentials",
    marker: Option<String> = "Marker",
    is_truncated: bool = "IsTruncated",
});

structure!(ResetServiceSpecificCredentialInput {
    user_name: Option<String> = "UserName" [LEN_1_64, NAME],
    service_specific_credential_id: String = "ServiceSpecificCredentialId" [LEN_CREDENTIAL_ID, CREDENTIAL_ID],
});
structure!(UpdateServiceSpecificCredentialInput {
    user_name: Option<String> = "UserName" [LEN_1_64, NAME],
    service_specific_credential_id: String = "ServiceSpecificCredentialId" [LEN_CREDENTIAL_ID, CREDENTIAL_ID],
    status: String = "Status" [CREDENTIAL_STATUS],
});
structure!(DeleteServiceSpecificCredentialInput {
    user_name: Option<String> = "UserName" [LEN_1_64, NAME],
    service_specific_credential_id: String = "ServiceSpecificCredentialId" [LEN_CREDENTIAL_ID, CREDENTIAL_ID],
});

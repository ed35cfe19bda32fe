//! STS: <https://docs.aws.amazon.com/STS/latest/APIReference/API_Operations.html>.

use time::OffsetDateTime;

use crate::{
    Secret,
    constraint::{Constraint, Pattern},
    dto::{c::*, shapes::Tag},
    shape, structure,
};

/// `roleSessionNameType`, `sourceIdentityType`: 2–64.
const LEN_2_64: Constraint = Constraint::Len(2, 64);
/// `userNameType` of GetFederationToken: 2–32.
const LEN_2_32: Constraint = Constraint::Len(2, 32);
const SESSION_NAME: Constraint = Constraint::Pattern(Pattern::NameOrEmpty);
const ROLE_DURATION: Constraint = Constraint::Range(900, 43_200);
const TOKEN_DURATION: Constraint = Constraint::Range(900, 129_600);
const EXTERNAL_ID: Constraint = Constraint::Pattern(Pattern::ExternalId);
const LEN_EXTERNAL_ID: Constraint = Constraint::Len(2, 1224);
const SERIAL: Constraint = Constraint::Pattern(Pattern::SerialNumber);
const LEN_SERIAL: Constraint = Constraint::Len(9, 256);
const TOKEN_CODE: Constraint = Constraint::Pattern(Pattern::Digits);
const LEN_TOKEN_CODE: Constraint = Constraint::Len(6, 6);
/// `sessionPolicyDocumentType`: 1–2048 (GetFederationToken, federation).
const LEN_SESSION_POLICY: Constraint = Constraint::Len(1, 2048);
/// `unrestrictedSessionPolicyDocumentType` (AssumeRole): no maximum in the model; the
/// packed-size check bounds it.
const LEN_UNRESTRICTED_POLICY: Constraint = Constraint::Len(1, 131_072);
/// `clientTokenType` (WebIdentityToken): 4–20000.
const LEN_WEB_IDENTITY_TOKEN: Constraint = Constraint::Len(4, 20_000);
/// `urlType` (ProviderId): 4–2048.
const LEN_PROVIDER_ID: Constraint = Constraint::Len(4, 2048);
/// `SAMLAssertionType`: 4–100000 (base64).
const LEN_SAML_ASSERTION: Constraint = Constraint::Len(4, 100_000);
const ENCODED_MESSAGE: Constraint = Constraint::Len(1, 10_240);

structure!(
    /// `PolicyDescriptorType`: a managed policy used as a session policy.
    PolicyDescriptorType { arn: Option<String> = "arn" [LEN_ARN, ARN] }
);

structure!(
    /// `ProvidedContext` (accepted and ignored: no context providers are configured).
    ProvidedContext {
        provider_arn: Option<String> = "ProviderArn" [LEN_ARN, ARN],
        context_assertion: Option<String> = "ContextAssertion",
    }
);

shape!(
    /// `Credentials`.
    Credentials {
        access_key_id: String = "AccessKeyId",
        secret_access_key: Secret = "SecretAccessKey",
        session_token: Secret = "SessionToken",
        expiration: Option<OffsetDateTime> = "Expiration",
    }
);

shape!(
    /// `AssumedRoleUser`.
    AssumedRoleUser { assumed_role_id: String = "AssumedRoleId", arn: String = "Arn" }
);

shape!(
    /// `FederatedUser`.
    FederatedUser { federated_user_id: String = "FederatedUserId", arn: String = "Arn" }
);

structure!(GetCallerIdentityInput {});
shape!(GetCallerIdentityOutput {
    user_id: String = "UserId",
    account: String = "Account",
    arn: String = "Arn"
});

structure!(AssumeRoleInput {
    role_arn: String = "RoleArn" [LEN_ARN, ARN],
    role_session_name: String = "RoleSessionName" [LEN_2_64, SESSION_NAME],
    policy_arns: Vec<PolicyDescriptorType> = "PolicyArns",
    policy: Option<String> = "Policy" [LEN_UNRESTRICTED_POLICY, DOCUMENT],
    duration_seconds: Option<i64> = "DurationSeconds" [ROLE_DURATION],
    tags: Vec<Tag> = "Tags" [TAGS],
    transitive_tag_keys: Vec<String> = "TransitiveTagKeys" [TAGS],
    external_id: Option<String> = "ExternalId" [LEN_EXTERNAL_ID, EXTERNAL_ID],
    serial_number: Option<String> = "SerialNumber" [LEN_SERIAL, SERIAL],
    token_code: Option<Secret> = "TokenCode" [LEN_TOKEN_CODE, TOKEN_CODE],
    source_identity: Option<String> = "SourceIdentity" [LEN_2_64, SESSION_NAME],
    provided_contexts: Vec<ProvidedContext> = "ProvidedContexts",
});
shape!(AssumeRoleOutput {
    credentials: Credentials = "Credentials",
    assumed_role_user: AssumedRoleUser = "AssumedRoleUser",
    packed_policy_size: Option<i64> = "PackedPolicySize",
    source_identity: Option<String> = "SourceIdentity",
});

structure!(GetSessionTokenInput {
    duration_seconds: Option<i64> = "DurationSeconds" [TOKEN_DURATION],
    serial_number: Option<String> = "SerialNumber" [LEN_SERIAL, SERIAL],
    token_code: Option<Secret> = "TokenCode" [LEN_TOKEN_CODE, TOKEN_CODE],
});
shape!(GetSessionTokenOutput {
    credentials: Credentials = "Credentials"
});

structure!(GetFederationTokenInput {
    name: String = "Name" [LEN_2_32, SESSION_NAME],
    policy: Option<String> = "Policy" [LEN_SESSION_POLICY, DOCUMENT],
    policy_arns: Vec<PolicyDescriptorType> = "PolicyArns",
    duration_seconds: Option<i64> = "DurationSeconds" [TOKEN_DURATION],
    tags: Vec<Tag> = "Tags" [TAGS],
});
shape!(GetFederationTokenOutput {
    credentials: Credentials = "Credentials",
    federated_user: FederatedUser = "FederatedUser",
    packed_policy_size: Option<i64> = "PackedPolicySize",
});

structure!(GetAccessKeyInfoInput { access_key_id: String = "AccessKeyId" [LEN_16_128, ACCESS_KEY_ID] });
shape!(GetAccessKeyInfoOutput {
    account: String = "Account"
});

/// `webIdentityTokenAudienceListType`: 1–10 audiences of 1–1000 characters
/// (`webIdentityTokenAudienceStringType`).
const AUDIENCES: Constraint = Constraint::Items(1, 10);
const AUDIENCE_LEN: Constraint = Constraint::EachLen(1, 1000);
/// `webIdentityTokenDurationSecondsType`.
const WEB_IDENTITY_TOKEN_DURATION: Constraint = Constraint::Range(60, 3600);
/// `jwtAlgorithmType`: 5 characters; the values the API reference lists.
const LEN_ALGORITHM: Constraint = Constraint::Len(5, 5);
const ALGORITHM: Constraint = Constraint::Enum(&["RS256", "ES384"]);

structure!(GetWebIdentityTokenInput {
    audience: Vec<String> = "Audience" [AUDIENCES, AUDIENCE_LEN],
    duration_seconds: Option<i64> = "DurationSeconds" [WEB_IDENTITY_TOKEN_DURATION],
    signing_algorithm: String = "SigningAlgorithm" [LEN_ALGORITHM, ALGORITHM],
    tags: Vec<Tag> = "Tags" [TAGS],
});
shape!(GetWebIdentityTokenOutput {
    web_identity_token: Secret = "WebIdentityToken",
    expiration: Option<OffsetDateTime> = "Expiration",
});

structure!(DecodeAuthorizationMessageInput {
    encoded_message: String = "EncodedMessage"[ENCODED_MESSAGE]
});
shape!(DecodeAuthorizationMessageOutput {
    decoded_message: String = "DecodedMessage"
});

structure!(AssumeRoleWithWebIdentityInput {
    role_arn: String = "RoleArn" [LEN_ARN, ARN],
    role_session_name: String = "RoleSessionName" [LEN_2_64, SESSION_NAME],
    web_identity_token: Secret = "WebIdentityToken" [LEN_WEB_IDENTITY_TOKEN],
    provider_id: Option<String> = "ProviderId" [LEN_PROVIDER_ID],
    policy_arns: Vec<PolicyDescriptorType> = "PolicyArns",
    policy: Option<String> = "Policy" [LEN_SESSION_POLICY, DOCUMENT],
    duration_seconds: Option<i64> = "DurationSeconds" [ROLE_DURATION],
});
shape!(AssumeRoleWithWebIdentityOutput {
    credentials: Credentials = "Credentials",
    subject_from_web_identity_token: String = "SubjectFromWebIdentityToken",
    assumed_role_user: AssumedRoleUser = "AssumedRoleUser",
    packed_policy_size: Option<i64> = "PackedPolicySize",
    provider: String = "Provider",
    audience: String = "Audience",
    source_identity: Option<String> = "SourceIdentity",
});

structure!(AssumeRoleWithSAMLInput {
    role_arn: String = "RoleArn" [LEN_ARN, ARN],
    principal_arn: String = "PrincipalArn" [LEN_ARN, ARN],
    saml_assertion: Secret = "SAMLAssertion" [LEN_SAML_ASSERTION],
    policy_arns: Vec<PolicyDescriptorType> = "PolicyArns",
    policy: Option<String> = "Policy" [LEN_SESSION_POLICY, DOCUMENT],
    duration_seconds: Option<i64> = "DurationSeconds" [ROLE_DURATION],
});
shape!(AssumeRoleWithSAMLOutput {
    credentials: Credentials = "Credentials",
    assumed_role_user: AssumedRoleUser = "AssumedRoleUser",
    packed_policy_size: Option<i64> = "PackedPolicySize",
    subject: String = "Subject",
    subject_type: String = "SubjectType",
    issuer: String = "Issuer",
    audience: String = "Audience",
    name_qualifier: String = "NameQualifier",
    source_identity: Option<String> = "SourceIdentity",
});

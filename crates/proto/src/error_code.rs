//! Every AWS error code Rolegate can return, with its HTTP status and fault type.
//!
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html>,
//! <https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html>

/// Who is at fault: `Sender` (4xx) or `Receiver` (5xx), the `<Type>` element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The client.
    Sender,
    /// The server.
    Receiver,
}

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = ($code:literal, $status:literal) ),* $(,)?) => {
        /// An AWS error code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode { $( $(#[$doc])* $variant, )* }

        impl ErrorCode {
            /// Every code, for table tests.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The `<Code>` on the wire.
            pub fn as_str(self) -> &'static str {
                match self { $( ErrorCode::$variant => $code, )* }
            }

            /// The HTTP status AWS answers with.
            pub fn http_status(self) -> u16 {
                match self { $( ErrorCode::$variant => $status, )* }
            }
        }
    };
}

error_codes! {
    /// Authorization failed.
    AccessDenied = ("AccessDenied", 403),
    /// The Authorization header or query is malformed.
    IncompleteSignature = ("IncompleteSignature", 400),
    /// Unknown or inactive access key, or a bad session token.
    InvalidClientTokenId = ("InvalidClientTokenId", 403),
    /// The signature, scope or timestamp does not verify.
    SignatureDoesNotMatch = ("SignatureDoesNotMatch", 403),
    /// The request is not signed.
    MissingAuthenticationToken = ("MissingAuthenticationToken", 403),
    /// The session credentials have expired.
    ExpiredToken = ("ExpiredToken", 403),
    /// The request is too old.
    RequestExpired = ("RequestExpired", 400),
    /// Unknown action.
    InvalidAction = ("InvalidAction", 400),
    /// A JSON protocol's target names no operation.
    UnknownOperationException = ("UnknownOperationException", 400),
    /// A JSON protocol's body is not the input shape.
    SerializationException = ("SerializationException", 400),
    /// No action.
    MissingAction = ("MissingAction", 400),
    /// Model constraint violation.
    ValidationError = ("ValidationError", 400),
    /// A required parameter is missing.
    MissingParameter = ("MissingParameter", 400),
    /// A parameter value is invalid.
    InvalidParameterValue = ("InvalidParameterValue", 400),
    /// Parameters that cannot be combined.
    InvalidParameterCombination = ("InvalidParameterCombination", 400),
    /// The query string is malformed.
    MalformedQueryString = ("MalformedQueryString", 404),
    /// Too many requests.
    Throttling = ("Throttling", 400),
    /// The request body is too large.
    RequestEntityTooLarge = ("RequestEntityTooLarge", 413),
    /// The request body did not arrive in time (S3's code and status; the SDKs retry it).
    RequestTimeout = ("RequestTimeout", 400),
    /// Unexpected server failure.
    InternalFailure = ("InternalFailure", 500),
    /// The service is unavailable (e.g. the store is unreachable).
    ServiceUnavailable = ("ServiceUnavailable", 503),
    /// The entity does not exist.
    NoSuchEntity = ("NoSuchEntity", 404),
    /// The entity already exists.
    EntityAlreadyExists = ("EntityAlreadyExists", 409),
    /// The entity still has dependents.
    DeleteConflict = ("DeleteConflict", 409),
    /// A quota would be exceeded.
    LimitExceeded = ("LimitExceeded", 409),
    /// The policy document is invalid.
    MalformedPolicyDocument = ("MalformedPolicyDocument", 400),
    /// An input value is invalid.
    InvalidInput = ("InvalidInput", 400),
    /// Concurrent modification detected.
    ConcurrentModification = ("ConcurrentModification", 409),
    /// The entity is being modified.
    EntityTemporarilyUnmodifiable = ("EntityTemporarilyUnmodifiable", 409),
    /// A password does not meet the account's password policy.
    PasswordPolicyViolation = ("PasswordPolicyViolation", 400),
    /// The caller's kind of credentials cannot do this (ChangePassword by non-users).
    InvalidUserType = ("InvalidUserType", 400),
    /// A service name service-specific credentials are not made for.
    NotSupportedService = ("NotSupportedService", 404),
    /// No credential report was generated.
    ReportNotPresent = ("ReportNotPresent", 410),
    /// The credential report is older than four hours.
    ReportExpired = ("ReportExpired", 410),
    /// The MFA code is invalid.
    InvalidAuthenticationCode = ("InvalidAuthenticationCode", 403),
    /// The entity cannot be modified (e.g. an AWS managed policy).
    UnmodifiableEntity = ("UnmodifiableEntity", 400),
    /// SSH public keys: the key is already the user's.
    DuplicateSshPublicKey = ("DuplicateSSHPublicKey", 400),
    /// SSH public keys: neither ssh-rsa nor PEM.
    UnrecognizedPublicKeyEncoding = ("UnrecognizedPublicKeyEncoding", 400),
    /// SSH public keys: malformed or too short.
    InvalidPublicKey = ("InvalidPublicKey", 400),
    /// Signing certificates: the certificate is already a user's in the account.
    DuplicateCertificate = ("DuplicateCertificate", 409),
    /// The certificate is malformed or expired.
    MalformedCertificate = ("MalformedCertificate", 400),
    /// The certificate is invalid.
    InvalidCertificate = ("InvalidCertificate", 400),
    /// Server certificates: the private key is not the certificate's.
    KeyPairMismatch = ("KeyPairMismatch", 400),
    /// Too many access reports generated and kept.
    ReportGenerationLimitExceeded = ("ReportGenerationLimitExceeded", 409),
    /// The policy cannot be attached.
    PolicyNotAttachable = ("PolicyNotAttachable", 400),
    /// Server failure.
    ServiceFailure = ("ServiceFailure", 500),
    /// Session policies and tags are too large.
    PackedPolicyTooLarge = ("PackedPolicyTooLarge", 400),
    /// STS is not activated in the region.
    RegionDisabledException = ("RegionDisabledException", 403),
    /// The web identity token or SAML assertion has expired.
    ExpiredTokenException = ("ExpiredTokenException", 400),
    /// The identity provider rejected the claim.
    IdpRejectedClaim = ("IDPRejectedClaim", 403),
    /// The web identity token is invalid.
    InvalidIdentityToken = ("InvalidIdentityToken", 400),
    /// The identity provider could not be reached.
    IdpCommunicationError = ("IDPCommunicationError", 400),
    /// The encoded authorization message is invalid.
    InvalidAuthorizationMessageException = ("InvalidAuthorizationMessageException", 400),
    /// The policy simulator could not evaluate.
    PolicyEvaluation = ("PolicyEvaluation", 500),
    /// CloudTrail: A lookup attribute is not valid, or more than one was given.
    InvalidLookupAttributes = ("InvalidLookupAttributesException", 400),
    /// CloudTrail: The start time is after the end time.
    InvalidTimeRange = ("InvalidTimeRangeException", 400),
    /// CloudTrail: The next token is not valid.
    InvalidNextToken = ("InvalidNextTokenException", 400),
    /// CloudTrail: MaxResults is outside 1..=50.
    InvalidMaxResults = ("InvalidMaxResultsException", 400),
    /// CloudTrail: The event category is not valid.
    InvalidEventCategory = ("InvalidEventCategoryException", 400),
    /// IAM (centralized root access): the caller's account is in no organization.
    OrganizationNotFound = ("OrganizationNotFoundException", 400),
    /// IAM (centralized root access): the caller's account is neither the management account
    /// nor the delegated administrator.
    AccountNotManagementOrDelegatedAdministrator = ("AccountNotManagementOrDelegatedAdministratorException", 400),
    /// IAM (centralized root access): the caller's account is not the management account.
    CallerIsNotManagementAccount = ("CallerIsNotManagementAccountException", 400),
    /// Organizations: The caller's account is not a member of an organization.
    OrganizationsNotInUse = ("AWSOrganizationsNotInUseException", 400),
    /// Organizations: The account is already in an organization.
    AlreadyInOrganization = ("AlreadyInOrganizationException", 400),
    /// Organizations: The organization still has member accounts.
    OrganizationNotEmpty = ("OrganizationNotEmptyException", 400),
    /// Organizations: No account of the organization has this id.
    AccountNotFound = ("AccountNotFoundException", 400),
    /// Organizations: The account is closed already.
    AccountAlreadyClosed = ("AccountAlreadyClosedException", 400),
    /// Organizations: No account creation request has this id.
    CreateAccountStatusNotFound = ("CreateAccountStatusNotFoundException", 400),
    /// Organizations: The account is already there.
    DuplicateAccount = ("DuplicateAccountException", 400),
    /// Organizations: No OU has this id.
    OrganizationalUnitNotFound = ("OrganizationalUnitNotFoundException", 400),
    /// Organizations: The OU still has accounts or OUs.
    OrganizationalUnitNotEmpty = ("OrganizationalUnitNotEmptyException", 400),
    /// Organizations: An OU of that name is under that parent already.
    DuplicateOrganizationalUnit = ("DuplicateOrganizationalUnitException", 400),
    /// Organizations: No root or OU has this id.
    ParentNotFound = ("ParentNotFoundException", 400),
    /// Organizations: The account's source parent is not it.
    SourceParentNotFound = ("SourceParentNotFoundException", 400),
    /// IAM: outbound identity federation is already enabled.
    FeatureEnabled = ("FeatureEnabled", 409),
    /// IAM: outbound identity federation is disabled (already, or never enabled).
    FeatureDisabled = ("FeatureDisabled", 404),
    /// STS GetWebIdentityToken: the account has outbound identity federation off.
    OutboundWebIdentityFederationDisabled = ("OutboundWebIdentityFederationDisabledException", 403),
    /// STS GetWebIdentityToken: the token would outlive the calling session.
    SessionDurationEscalation = ("SessionDurationEscalationException", 403),
    /// STS GetWebIdentityToken: the claims are too large.
    JwtPayloadSizeExceeded = ("JWTPayloadSizeExceededException", 400),
    /// Organizations: No root or OU has the destination's id.
    DestinationParentNotFound = ("DestinationParentNotFoundException", 400),
    /// Organizations: No account or OU has this id.
    ChildNotFound = ("ChildNotFoundException", 400),
    /// Organizations: No root has this id.
    RootNotFound = ("RootNotFoundException", 400),
    /// Organizations: No root, OU, account or policy has this id.
    TargetNotFound = ("TargetNotFoundException", 400),
    /// Organizations: No policy has this id.
    PolicyNotFound = ("PolicyNotFoundException", 400),
    /// Organizations: A policy of that name exists already.
    DuplicatePolicy = ("DuplicatePolicyException", 400),
    /// Organizations: The policy is attached to the target already.
    DuplicatePolicyAttachment = ("DuplicatePolicyAttachmentException", 400),
    /// Organizations: The policy is not attached to the target.
    PolicyNotAttachedException = ("PolicyNotAttachedException", 400),
    /// Organizations: The policy is still attached.
    PolicyInUse = ("PolicyInUseException", 400),
    /// Organizations: The policy type is enabled already.
    PolicyTypeAlreadyEnabled = ("PolicyTypeAlreadyEnabledException", 400),
    /// Organizations: The policy type is not enabled.
    PolicyTypeNotEnabled = ("PolicyTypeNotEnabledException", 400),
    /// Organizations: The policy type is not available.
    PolicyTypeNotAvailableForOrganization = ("PolicyTypeNotAvailableForOrganizationException", 400),
    /// Organizations: The policy content is not a valid policy.
    MalformedPolicyDocumentException = ("MalformedPolicyDocumentException", 400),
    /// Organizations: An Organizations input is invalid.
    InvalidInputException = ("InvalidInputException", 400),
    /// Organizations: An Organizations limit or rule would be broken.
    ConstraintViolation = ("ConstraintViolationException", 400),
}

impl ErrorCode {
    /// `Sender` for 4xx, `Receiver` for 5xx.
    pub fn fault(self) -> Fault {
        if self.http_status() >= 500 {
            Fault::Receiver
        } else {
            Fault::Sender
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_client_or_server_status() {
        for code in ErrorCode::ALL {
            let s = code.http_status();
            assert!((400..600).contains(&s), "{code:?}");
            assert_eq!(code.fault() == Fault::Receiver, s >= 500, "{code:?}");
            assert!(!code.as_str().is_empty());
        }
    }

    #[test]
    fn statuses_match_aws() {
        assert_eq!(ErrorCode::NoSuchEntity.http_status(), 404);
        assert_eq!(ErrorCode::EntityAlreadyExists.http_status(), 409);
        assert_eq!(ErrorCode::AccessDenied.http_status(), 403);
        assert_eq!(ErrorCode::InvalidAction.http_status(), 400);
        assert_eq!(ErrorCode::IdpRejectedClaim.as_str(), "IDPRejectedClaim");
    }
}

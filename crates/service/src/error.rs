//! Service errors and the one place they become AWS error codes.

use rolegate_proto::{DecodeError, ErrorCode};
use rolegate_store::StoreError;

/// Every way a call can fail. Messages follow AWS's wording and never contain a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError {
    /// `AccessDenied`.
    #[error("{0}")]
    AccessDenied(String),
    /// `AccessDenied` from a policy evaluation, with the encoded authorization message that
    /// DecodeAuthorizationMessage reveals (sent as `<EncodedAuthorizationMessage>` beside
    /// AWS's exact message).
    #[error("{message}")]
    Denied {
        /// AWS's message.
        message: String,
        /// The sealed details of the decision.
        encoded: Option<String>,
    },
    /// `MissingAuthenticationToken`: the request is not signed.
    #[error("Request is missing Authentication Token")]
    MissingAuthenticationToken,
    /// `IncompleteSignature`.
    #[error("{0}")]
    IncompleteSignature(String),
    /// `SignatureDoesNotMatch`.
    #[error("{0}")]
    SignatureDoesNotMatch(String),
    /// `InvalidParameterValue`.
    #[error("{0}")]
    InvalidParameterValue(String),
    /// `RequestEntityTooLarge`.
    #[error("Request body is larger than {0} bytes.")]
    RequestEntityTooLarge(usize),
    /// `InvalidClientTokenId`.
    #[error("The security token included in the request is invalid.")]
    InvalidClientTokenId,
    /// `ExpiredToken`.
    #[error("The security token included in the request is expired")]
    ExpiredToken,
    /// `NoSuchEntity`.
    #[error("{0}")]
    NoSuchEntity(String),
    /// `EntityAlreadyExists`.
    #[error("{0}")]
    EntityAlreadyExists(String),
    /// `DeleteConflict`.
    #[error("{0}")]
    DeleteConflict(String),
    /// `LimitExceeded`.
    #[error("{0}")]
    LimitExceeded(String),
    /// `MalformedPolicyDocument`.
    #[error("{0}")]
    MalformedPolicyDocument(String),
    /// `InvalidInput`.
    #[error("{0}")]
    InvalidInput(String),
    /// `ValidationError`.
    #[error("{0}")]
    Validation(String),
    /// `UnmodifiableEntity`.
    #[error("{0}")]
    UnmodifiableEntity(String),
    /// `PasswordPolicyViolation`: the message says which rule, never the password.
    #[error("{0}")]
    PasswordPolicyViolation(String),
    /// `InvalidUserType`.
    #[error("{0}")]
    InvalidUserType(String),
    /// `EntityTemporarilyUnmodifiable`.
    #[error("{0}")]
    EntityTemporarilyUnmodifiable(String),
    /// `NotSupportedService`.
    #[error("{0}")]
    ServiceNotSupported(String),
    /// `ReportNotPresent`.
    #[error("{0}")]
    ReportNotPresent(String),
    /// `ReportExpired`.
    #[error("{0}")]
    ReportExpired(String),
    /// `DuplicateSSHPublicKey`.
    #[error("{0}")]
    DuplicateSshPublicKey(String),
    /// `UnrecognizedPublicKeyEncoding`.
    #[error("{0}")]
    UnrecognizedPublicKeyEncoding(String),
    /// `InvalidPublicKey`.
    #[error("{0}")]
    InvalidPublicKey(String),
    /// `DuplicateCertificate`.
    #[error("{0}")]
    DuplicateCertificate(String),
    /// `MalformedCertificate`: the message says what is wrong, never the private key.
    #[error("{0}")]
    MalformedCertificate(String),
    /// `InvalidCertificate`.
    #[error("{0}")]
    InvalidCertificate(String),
    /// `ReportGenerationLimitExceeded`.
    #[error("{0}")]
    ReportGenerationLimitExceeded(String),
    /// `KeyPairMismatch`.
    #[error("{0}")]
    KeyPairMismatch(String),
    /// `PolicyNotAttachable`.
    #[error("{0}")]
    PolicyNotAttachable(String),
    /// `PackedPolicyTooLarge`: session policies and tags do not fit in a token.
    #[error("{0}")]
    PackedPolicyTooLarge(String),
    /// `InvalidIdentityToken`: a web identity token that cannot be trusted.
    #[error("{0}")]
    InvalidIdentityToken(String),
    /// `ExpiredTokenException`: a web identity token past its `exp`.
    #[error("{0}")]
    ExpiredTokenException(String),
    /// `IDPCommunicationError`: the identity provider's keys could not be fetched.
    #[error("{0}")]
    IdpCommunicationError(String),
    /// `IDPRejectedClaim`.
    #[error("{0}")]
    IdpRejectedClaim(String),
    /// `Throttling` ("Rate exceeded"): the client address spent its budget of failed
    /// federation calls (`crate::throttle::sources`).
    #[error("{0}")]
    Throttling(String),
    /// `InvalidAuthenticationCode`: MFA codes did not verify (IAM MFA device operations).
    #[error("{0}")]
    InvalidAuthenticationCode(String),
    /// `InvalidAuthorizationMessageException`.
    #[error("{0}")]
    InvalidAuthorizationMessage(String),
    /// `OrganizationNotFoundException` (IAM's centralized root access).
    #[error("{0}")]
    OrganizationNotFound(String),
    /// `AccountNotManagementOrDelegatedAdministratorException`.
    #[error("{0}")]
    AccountNotManagementOrDelegatedAdministrator(String),
    /// `CallerIsNotManagementAccountException`.
    #[error("{0}")]
    CallerIsNotManagementAccount(String),
    /// `FeatureEnabled`: outbound identity federation is on already.
    #[error("{0}")]
    FeatureEnabled(String),
    /// `FeatureDisabled`: outbound identity federation is off already (or was never on).
    #[error("{0}")]
    FeatureDisabled(String),
    /// `OutboundWebIdentityFederationDisabledException`.
    #[error("{0}")]
    OutboundWebIdentityFederationDisabled(String),
    /// `SessionDurationEscalationException`.
    #[error("{0}")]
    SessionDurationEscalation(String),
    /// `JWTPayloadSizeExceededException`.
    #[error("{0}")]
    JwtPayloadSizeExceeded(String),
    /// `ConcurrentModification`: retries ran out.
    #[error("{0}")]
    ConcurrentModification(String),
    /// A commit lost a race; the operation is retried from the start (never reaches a caller).
    #[error("retry")]
    Retry,
    /// The entity a handler found is not the one authorization was about (created, deleted
    /// or re-created since); the call is authorized again (never reaches a caller).
    #[error("reauthorize")]
    Reauthorize,
    /// An AWS Organizations error (`AWSOrganizationsNotInUseException`, …) with AWS's message.
    #[error("{1}")]
    Organizations(OrgError, String),
    /// A CloudTrail error (`InvalidLookupAttributesException`, …) with AWS's message.
    #[error("{1}")]
    CloudTrail(TrailError, String),
    /// A request that could not be decoded.
    #[error("{0}")]
    Decode(DecodeError),
    /// `ServiceUnavailable`: the store cannot be reached.
    #[error("The service is unavailable. Please try again later.")]
    Unavailable(String),
    /// `ServiceFailure`: an internal error (details are logged, not returned).
    #[error("An internal error occurred.")]
    Internal(String),
}

impl ServiceError {
    /// The message as it is answered and recorded. Messages quote what was sent where AWS's
    /// do (a name, a value that failed the model); when that would repeat private key
    /// material ([`rolegate_proto::holds_private_key`]) the message says so instead.
    pub fn message(&self) -> String {
        let m = self.to_string();
        if rolegate_proto::holds_private_key(&m) {
            return "The request was rejected. Its message is withheld because it would repeat private key material that was sent."
                .to_owned();
        }
        m
    }

    /// The AWS error code: one exhaustive match, no catch-all.
    pub fn code(&self) -> ErrorCode {
        match self {
            ServiceError::AccessDenied(_) | ServiceError::Denied { .. } => ErrorCode::AccessDenied,
            ServiceError::MissingAuthenticationToken => ErrorCode::MissingAuthenticationToken,
            ServiceError::IncompleteSignature(_) => ErrorCode::IncompleteSignature,
            ServiceError::SignatureDoesNotMatch(_) => ErrorCode::SignatureDoesNotMatch,
            ServiceError::InvalidParameterValue(_) => ErrorCode::InvalidParameterValue,
            ServiceError::RequestEntityTooLarge(_) => ErrorCode::RequestEntityTooLarge,
            ServiceError::InvalidClientTokenId => ErrorCode::InvalidClientTokenId,
            ServiceError::ExpiredToken => ErrorCode::ExpiredToken,
            ServiceError::NoSuchEntity(_) => ErrorCode::NoSuchEntity,
            ServiceError::EntityAlreadyExists(_) => ErrorCode::EntityAlreadyExists,
            ServiceError::DeleteConflict(_) => ErrorCode::DeleteConflict,
            ServiceError::LimitExceeded(_) => ErrorCode::LimitExceeded,
            ServiceError::MalformedPolicyDocument(_) => ErrorCode::MalformedPolicyDocument,
            ServiceError::InvalidInput(_) => ErrorCode::InvalidInput,
            ServiceError::Validation(_) => ErrorCode::ValidationError,
            ServiceError::UnmodifiableEntity(_) => ErrorCode::UnmodifiableEntity,
            ServiceError::PasswordPolicyViolation(_) => ErrorCode::PasswordPolicyViolation,
            ServiceError::InvalidUserType(_) => ErrorCode::InvalidUserType,
            ServiceError::EntityTemporarilyUnmodifiable(_) => {
                ErrorCode::EntityTemporarilyUnmodifiable
            }
            ServiceError::ServiceNotSupported(_) => ErrorCode::NotSupportedService,
            ServiceError::ReportNotPresent(_) => ErrorCode::ReportNotPresent,
            ServiceError::ReportExpired(_) => ErrorCode::ReportExpired,
            ServiceError::PolicyNotAttachable(_) => ErrorCode::PolicyNotAttachable,
            ServiceError::DuplicateSshPublicKey(_) => ErrorCode::DuplicateSshPublicKey,
            ServiceError::UnrecognizedPublicKeyEncoding(_) => {
                ErrorCode::UnrecognizedPublicKeyEncoding
            }
            ServiceError::InvalidPublicKey(_) => ErrorCode::InvalidPublicKey,
            ServiceError::DuplicateCertificate(_) => ErrorCode::DuplicateCertificate,
            ServiceError::MalformedCertificate(_) => ErrorCode::MalformedCertificate,
            ServiceError::InvalidCertificate(_) => ErrorCode::InvalidCertificate,
            ServiceError::KeyPairMismatch(_) => ErrorCode::KeyPairMismatch,
            ServiceError::ReportGenerationLimitExceeded(_) => {
                ErrorCode::ReportGenerationLimitExceeded
            }
            ServiceError::PackedPolicyTooLarge(_) => ErrorCode::PackedPolicyTooLarge,
            ServiceError::InvalidAuthenticationCode(_) => ErrorCode::InvalidAuthenticationCode,
            ServiceError::InvalidIdentityToken(_) => ErrorCode::InvalidIdentityToken,
            ServiceError::ExpiredTokenException(_) => ErrorCode::ExpiredTokenException,
            ServiceError::IdpCommunicationError(_) => ErrorCode::IdpCommunicationError,
            ServiceError::IdpRejectedClaim(_) => ErrorCode::IdpRejectedClaim,
            ServiceError::Throttling(_) => ErrorCode::Throttling,
            ServiceError::InvalidAuthorizationMessage(_) => {
                ErrorCode::InvalidAuthorizationMessageException
            }
            ServiceError::OrganizationNotFound(_) => ErrorCode::OrganizationNotFound,
            ServiceError::FeatureEnabled(_) => ErrorCode::FeatureEnabled,
            ServiceError::FeatureDisabled(_) => ErrorCode::FeatureDisabled,
            ServiceError::OutboundWebIdentityFederationDisabled(_) => {
                ErrorCode::OutboundWebIdentityFederationDisabled
            }
            ServiceError::SessionDurationEscalation(_) => ErrorCode::SessionDurationEscalation,
            ServiceError::JwtPayloadSizeExceeded(_) => ErrorCode::JwtPayloadSizeExceeded,
            ServiceError::AccountNotManagementOrDelegatedAdministrator(_) => {
                ErrorCode::AccountNotManagementOrDelegatedAdministrator
            }
            ServiceError::CallerIsNotManagementAccount(_) => {
                ErrorCode::CallerIsNotManagementAccount
            }
            ServiceError::ConcurrentModification(_)
            | ServiceError::Retry
            | ServiceError::Reauthorize => ErrorCode::ConcurrentModification,
            ServiceError::Decode(e) => match e {
                DecodeError::MissingAction => ErrorCode::MissingAction,
                DecodeError::InvalidAction { .. } => ErrorCode::InvalidAction,
                DecodeError::DuplicateParameter(_) => ErrorCode::InvalidParameterValue,
                DecodeError::Validation(_) => ErrorCode::ValidationError,
                DecodeError::Malformed(_) => ErrorCode::MalformedQueryString,
                DecodeError::UnknownOperation(_) => ErrorCode::UnknownOperationException,
                DecodeError::Serialization(_) => ErrorCode::SerializationException,
            },
            ServiceError::Organizations(e, _) => match e {
                OrgError::NotInUse => ErrorCode::OrganizationsNotInUse,
                OrgError::AlreadyInOrganization => ErrorCode::AlreadyInOrganization,
                OrgError::OrganizationNotEmpty => ErrorCode::OrganizationNotEmpty,
                OrgError::AccountNotFound => ErrorCode::AccountNotFound,
                OrgError::AccountAlreadyClosed => ErrorCode::AccountAlreadyClosed,
                OrgError::CreateAccountStatusNotFound => ErrorCode::CreateAccountStatusNotFound,
                OrgError::DuplicateAccount => ErrorCode::DuplicateAccount,
                OrgError::OrganizationalUnitNotFound => ErrorCode::OrganizationalUnitNotFound,
                OrgError::OrganizationalUnitNotEmpty => ErrorCode::OrganizationalUnitNotEmpty,
                OrgError::DuplicateOrganizationalUnit => ErrorCode::DuplicateOrganizationalUnit,
                OrgError::ParentNotFound => ErrorCode::ParentNotFound,
                OrgError::SourceParentNotFound => ErrorCode::SourceParentNotFound,
                OrgError::DestinationParentNotFound => ErrorCode::DestinationParentNotFound,
                OrgError::ChildNotFound => ErrorCode::ChildNotFound,
                OrgError::RootNotFound => ErrorCode::RootNotFound,
                OrgError::TargetNotFound => ErrorCode::TargetNotFound,
                OrgError::PolicyNotFound => ErrorCode::PolicyNotFound,
                OrgError::DuplicatePolicy => ErrorCode::DuplicatePolicy,
                OrgError::DuplicatePolicyAttachment => ErrorCode::DuplicatePolicyAttachment,
                OrgError::PolicyNotAttached => ErrorCode::PolicyNotAttachedException,
                OrgError::PolicyInUse => ErrorCode::PolicyInUse,
                OrgError::PolicyTypeAlreadyEnabled => ErrorCode::PolicyTypeAlreadyEnabled,
                OrgError::PolicyTypeNotEnabled => ErrorCode::PolicyTypeNotEnabled,
                OrgError::PolicyTypeNotAvailable => {
                    ErrorCode::PolicyTypeNotAvailableForOrganization
                }
                OrgError::MalformedPolicyDocument => ErrorCode::MalformedPolicyDocumentException,
                OrgError::InvalidInput => ErrorCode::InvalidInputException,
                OrgError::ConstraintViolation => ErrorCode::ConstraintViolation,
            },
            ServiceError::CloudTrail(e, _) => match e {
                TrailError::InvalidLookupAttributes => ErrorCode::InvalidLookupAttributes,
                TrailError::InvalidTimeRange => ErrorCode::InvalidTimeRange,
                TrailError::InvalidNextToken => ErrorCode::InvalidNextToken,
                TrailError::InvalidMaxResults => ErrorCode::InvalidMaxResults,
                TrailError::InvalidEventCategory => ErrorCode::InvalidEventCategory,
            },
            ServiceError::Unavailable(_) => ErrorCode::ServiceUnavailable,
            ServiceError::Internal(_) => ErrorCode::ServiceFailure,
        }
    }
}

/// Which CloudTrail error (each is its own `__type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrailError {
    /// `InvalidLookupAttributesException`.
    InvalidLookupAttributes,
    /// `InvalidTimeRangeException`.
    InvalidTimeRange,
    /// `InvalidNextTokenException`.
    InvalidNextToken,
    /// `InvalidMaxResultsException`.
    InvalidMaxResults,
    /// `InvalidEventCategoryException`.
    InvalidEventCategory,
}

/// Which AWS Organizations error (each is its own `__type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgError {
    /// `AWSOrganizationsNotInUseException`.
    NotInUse,
    /// `AlreadyInOrganizationException`.
    AlreadyInOrganization,
    /// `OrganizationNotEmptyException`.
    OrganizationNotEmpty,
    /// `AccountNotFoundException`.
    AccountNotFound,
    /// `AccountAlreadyClosedException`.
    AccountAlreadyClosed,
    /// `CreateAccountStatusNotFoundException`.
    CreateAccountStatusNotFound,
    /// `DuplicateAccountException`.
    DuplicateAccount,
    /// `OrganizationalUnitNotFoundException`.
    OrganizationalUnitNotFound,
    /// `OrganizationalUnitNotEmptyException`.
    OrganizationalUnitNotEmpty,
    /// `DuplicateOrganizationalUnitException`.
    DuplicateOrganizationalUnit,
    /// `ParentNotFoundException`.
    ParentNotFound,
    /// `SourceParentNotFoundException`.
    SourceParentNotFound,
    /// `DestinationParentNotFoundException`.
    DestinationParentNotFound,
    /// `ChildNotFoundException`.
    ChildNotFound,
    /// `RootNotFoundException`.
    RootNotFound,
    /// `TargetNotFoundException`.
    TargetNotFound,
    /// `PolicyNotFoundException`.
    PolicyNotFound,
    /// `DuplicatePolicyException`.
    DuplicatePolicy,
    /// `DuplicatePolicyAttachmentException`.
    DuplicatePolicyAttachment,
    /// `PolicyNotAttachedException`.
    PolicyNotAttached,
    /// `PolicyInUseException`.
    PolicyInUse,
    /// `PolicyTypeAlreadyEnabledException`.
    PolicyTypeAlreadyEnabled,
    /// `PolicyTypeNotEnabledException`.
    PolicyTypeNotEnabled,
    /// `PolicyTypeNotAvailableForOrganizationException`.
    PolicyTypeNotAvailable,
    /// `MalformedPolicyDocumentException`.
    MalformedPolicyDocument,
    /// `InvalidInputException`.
    InvalidInput,
    /// `ConstraintViolationException`.
    ConstraintViolation,
}

impl ServiceError {
    /// A request that does not meet the model, as `service` answers it: Organizations reports
    /// model violations as `InvalidInputException`; IAM, STS and the rest as `ValidationError`
    /// (`ValidationException` in JSON).
    pub fn undecodable(service: rolegate_proto::Service, e: DecodeError) -> Self {
        match (service, e) {
            (rolegate_proto::Service::Organizations, DecodeError::Validation(v)) => {
                ServiceError::Organizations(
                    OrgError::InvalidInput,
                    DecodeError::Validation(v).to_string(),
                )
            }
            (_, e) => ServiceError::Decode(e),
        }
    }

    /// `ConcurrentModification` with AWS's message (retries or re-authorizations ran out).
    pub(crate) fn concurrent_modification() -> Self {
        ServiceError::ConcurrentModification(
            "The request was rejected because multiple requests to change this object were submitted simultaneously. Wait a few minutes and submit your request again.".into(),
        )
    }

    /// The encoded authorization message of a policy denial.
    pub fn encoded_message(&self) -> Option<&str> {
        match self {
            ServiceError::Denied { encoded, .. } => encoded.as_deref(),
            _ => None,
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => ServiceError::Retry,
            StoreError::Unavailable(m) => ServiceError::Unavailable(m),
            StoreError::Corrupt(m) => ServiceError::Internal(m),
        }
    }
}

impl From<rolegate_sigv4::AuthError> for ServiceError {
    fn from(e: rolegate_sigv4::AuthError) -> Self {
        use rolegate_sigv4::AuthErrorKind;
        match e.kind() {
            AuthErrorKind::Missing => ServiceError::MissingAuthenticationToken,
            AuthErrorKind::Incomplete => ServiceError::IncompleteSignature(e.message().to_owned()),
            AuthErrorKind::SignatureDoesNotMatch => {
                ServiceError::SignatureDoesNotMatch(e.message().to_owned())
            }
            AuthErrorKind::InvalidParameter => {
                ServiceError::InvalidParameterValue(e.message().to_owned())
            }
        }
    }
}

impl From<DecodeError> for ServiceError {
    fn from(e: DecodeError) -> Self {
        ServiceError::Decode(e)
    }
}

/// Result alias.
pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

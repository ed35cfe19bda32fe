//! The operations table (`operations_table!`): every operation Rolegate answers, keyed by
//! service and name, decoded from the wire into a typed input before any handler runs.

use crate::{
    DecodeError, Field, IAM_NAMESPACE, IAM_VERSION, Params, STS_NAMESPACE, STS_VERSION, Shape,
    Value,
    codec::{
        Protocol,
        rest_json::{self, HttpBinding, Labels},
    },
};

/// Which AWS service an operation belongs to (and so which SigV4 scope and XML namespace).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    /// IAM, `2010-05-08`, signing name `iam`.
    Iam,
    /// STS, `2011-06-15`, signing name `sts`.
    Sts,
    /// AWS Organizations, `2016-11-28`, signing name `organizations`, AWS JSON 1.1.
    Organizations,
    /// AWS CloudTrail (the event history), `2013-11-01`, signing name `cloudtrail`, AWS JSON
    /// 1.1.
    CloudTrail,
}

/// The CloudTrail API version.
pub const CLOUDTRAIL_VERSION: &str = "2013-11-01";

/// The Organizations API version.
pub const ORGANIZATIONS_VERSION: &str = "2016-11-28";

impl Service {
    /// The API version.
    pub fn version(self) -> &'static str {
        match self {
            Service::Iam => IAM_VERSION,
            Service::Sts => STS_VERSION,
            Service::Organizations => ORGANIZATIONS_VERSION,
            Service::CloudTrail => CLOUDTRAIL_VERSION,
        }
    }

    /// The XML namespace (a JSON service has none: IAM's, for errors rendered before the
    /// protocol is known).
    pub fn namespace(self) -> &'static str {
        match self {
            Service::Iam | Service::Organizations | Service::CloudTrail => IAM_NAMESPACE,
            Service::Sts => STS_NAMESPACE,
        }
    }

    /// The SigV4 signing name, and the action prefix in policies.
    pub fn signing_name(self) -> &'static str {
        match self {
            Service::Iam => "iam",
            Service::Sts => "sts",
            Service::Organizations => "organizations",
            Service::CloudTrail => "cloudtrail",
        }
    }

    /// The service whose API version this is.
    pub fn from_version(version: &str) -> Option<Self> {
        match version {
            IAM_VERSION => Some(Service::Iam),
            STS_VERSION => Some(Service::Sts),
            _ => None,
        }
    }

    /// The service whose AWS JSON target prefix (`X-Amz-Target: Prefix.Operation`) this is.
    pub fn from_target_prefix(prefix: &str) -> Option<Self> {
        [
            Service::Iam,
            Service::Sts,
            Service::Organizations,
            Service::CloudTrail,
        ]
        .into_iter()
        .find(|s| s.target_prefix() == Some(prefix))
    }

    /// The AWS JSON target prefix; `None` for awsQuery services.
    pub fn target_prefix(self) -> Option<&'static str> {
        match self {
            Service::Iam | Service::Sts => None,
            Service::Organizations => Some("AWSOrganizationsV20161128"),
            Service::CloudTrail => Some("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"),
        }
    }

    /// The protocol it speaks.
    pub fn protocol(self) -> Protocol {
        match self {
            Service::Iam | Service::Sts => Protocol::AwsQuery,
            Service::Organizations | Service::CloudTrail => Protocol::AwsJson1_1,
        }
    }
}

/// What the table says about one operation.
#[derive(Debug, Clone, Copy)]
pub struct OperationInfo {
    /// The service.
    pub service: Service,
    /// The operation's name (the awsQuery `Action`, the JSON target's suffix).
    pub name: &'static str,
    /// Whether it must be signed; an unsigned call is anonymous.
    pub signed: bool,
    /// The input shape.
    pub input: &'static Shape,
    /// The output shape; `None` when the output has no members.
    pub output: Option<&'static Shape>,
    /// The HTTP binding (method, URI template, success code) of an operation of a REST
    /// protocol; `None` for the RPC protocols, which route by action or target.
    pub http: Option<HttpBinding>,
    /// Builds the typed input from its decoded value, checking the model's constraints.
    decode: fn(Value, &mut Vec<String>) -> Operation,
}

impl OperationInfo {
    /// The typed input of this operation from its decoded value, with the model's constraints
    /// checked (`ValidationError` with every violation).
    pub fn decode(&self, value: Value) -> Result<Operation, DecodeError> {
        let mut errs = Vec::new();
        let op = (self.decode)(value, &mut errs);
        if errs.is_empty() {
            Ok(op)
        } else {
            Err(DecodeError::Validation(errs))
        }
    }
}

/// An input decoded into its operation (the table's rows point here).
fn decode_as<T: Field + Into<Operation>>(value: Value, errs: &mut Vec<String>) -> Operation {
    T::from_value(Some(value), "", errs).into()
}

/// A row's flags: `#[unsigned]`, and `#[http("METHOD", "/uri/{Label}", code)]` for an
/// operation of a REST protocol.
#[derive(Debug, Clone, Copy)]
struct Flags {
    signed: bool,
    http: Option<HttpBinding>,
}

impl Flags {
    const fn new() -> Self {
        Self {
            signed: true,
            http: None,
        }
    }
    const fn unsigned(self) -> Self {
        Self {
            signed: false,
            ..self
        }
    }
    #[allow(
        dead_code,
        reason = "no REST operation until one of the REST services lands"
    )]
    const fn http(self, method: &'static str, uri: &'static str, code: u16) -> Self {
        Self {
            http: Some(HttpBinding { method, uri, code }),
            ..self
        }
    }
}

macro_rules! operations {
    ($( $service:ident { $( $(#[$flag:ident $(( $($arg:expr),* ))?])* $op:ident $(as $wire:literal)? ($input:ty) $(-> $output:ty)? ),* $(,)? } )*) => {
        /// A decoded request: the typed input of one operation of the table.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Operation { $( $( #[doc = concat!("`", stringify!($service), ":", stringify!($op), "`")] $op($input), )* )* }

        $( $( operations!(@from $op, $input); )* )*

        impl Operation {
            /// Every row of the operations table.
            pub const ALL: &'static [OperationInfo] = &[$( $( OperationInfo {
                service: Service::$service,
                name: operations!(@name $op $($wire)?),
                signed: Flags::new()$(.$flag($($($arg),*)?))*.signed,
                input: <$input as Field>::SHAPE,
                output: operations!(@output $($output)?),
                http: Flags::new()$(.$flag($($($arg),*)?))*.http,
                decode: decode_as::<$input>,
            }, )* )*];

            /// The operation's name.
            pub fn name(&self) -> &'static str {
                match self { $( $( Operation::$op(_) => operations!(@name $op $($wire)?), )* )* }
            }

            /// Whether the operation must be signed (its row is not `#[unsigned]`).
            pub fn signed(&self) -> bool {
                match self { $( $( Operation::$op(_) => Flags::new()$(.$flag($($($arg),*)?))*.signed, )* )* }
            }

            /// The operation's service.
            pub fn service(&self) -> Service {
                match self { $( $( Operation::$op(_) => Service::$service, )* )* }
            }

        }
    };
    (@from $op:ident, $input:ty) => {
        impl From<$input> for Operation {
            fn from(input: $input) -> Self {
                Operation::$op(input)
            }
        }
    };
    (@name $op:ident) => { stringify!($op) };
    (@name $op:ident $wire:literal) => { $wire };
    (@output) => { None };
    (@output $o:ty) => { Some(<$o as Field>::SHAPE) };
}

impl Operation {
    /// The row of `service`'s operation `name`.
    pub fn find(service: Service, name: &str) -> Option<&'static OperationInfo> {
        Self::ALL
            .iter()
            .find(|o| o.service == service && o.name == name)
    }

    /// The services that have an operation `name` speaking `protocol`.
    pub fn services_of(
        name: &str,
        protocol: Protocol,
    ) -> impl Iterator<Item = &'static OperationInfo> {
        Self::ALL
            .iter()
            .filter(move |o| o.name == name && o.service.protocol() == protocol)
    }

    /// Decodes an awsQuery request: `Action` with its parameters. `version`, when sent, must
    /// be the action's service version; the model's constraints are checked here.
    pub fn decode(
        action: &str,
        version: Option<&str>,
        params: &Params,
    ) -> Result<Self, DecodeError> {
        let invalid = || DecodeError::InvalidAction {
            action: action.to_owned(),
            version: version.unwrap_or_default().to_owned(),
        };
        let row = Self::services_of(action, Protocol::AwsQuery)
            .find(|o| version.is_none_or(|v| v == o.service.version()))
            .ok_or_else(invalid)?;
        let value = crate::codec::query::decode(row.input, params);
        row.decode(value)
    }

    /// The row of the REST operation a request (`method`, and `target`: the raw path with its
    /// query string) calls, with its URI labels.
    pub fn route(method: &str, target: &str) -> Option<(&'static OperationInfo, Labels)> {
        route_in(Self::ALL, method, target)
    }

    /// The service an awsQuery action belongs to, if it is known.
    pub fn service_of(action: &str) -> Option<Service> {
        Self::services_of(action, Protocol::AwsQuery)
            .next()
            .map(|o| o.service)
    }
}

/// The row of `rows` whose HTTP binding a request matches. Where two bindings match, the one
/// with more literal path segments, then more literal query parameters, wins
/// (`/policy/check` over `/policy/{Name}`, `/policy/{Name}?versions` over `/policy/{Name}`);
/// the table test keeps bindings otherwise unambiguous.
///
/// A path with an empty, `.` or `..` segment routes nowhere: SigV4 signs such a path
/// normalized (`/a/x/../b` as `/a/b`), so a signature made for one path would otherwise run
/// another operation or label (a greedy `{Key+}` would read `x/../b`).
fn route_in(
    rows: &'static [OperationInfo],
    method: &str,
    target: &str,
) -> Option<(&'static OperationInfo, Labels)> {
    let path = target.split_once('?').map_or(target, |(p, _)| p);
    let segments = path.strip_prefix('/')?;
    if !segments.is_empty()
        && segments
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return None;
    }
    rows.iter()
        .filter_map(|row| {
            let binding = row.http.as_ref()?;
            let labels = rest_json::matches(binding, method, target)?;
            Some((specificity(binding), row, labels))
        })
        .max_by_key(|(specificity, _, _)| *specificity)
        .map(|(_, row, labels)| (row, labels))
}

/// How specific a binding is: its literal path segments (not labels), then its literal query
/// parameters (`/things/{Name}?versions` is more specific than `/things/{Name}`).
fn specificity(binding: &HttpBinding) -> (usize, usize) {
    let (path, query) = binding.uri.split_once('?').unwrap_or((binding.uri, ""));
    (
        path.split('/').filter(|s| !s.starts_with('{')).count(),
        query.split('&').filter(|q| !q.is_empty()).count(),
    )
}

/// The operations table: every operation Rolegate answers, by service, with its input and
/// output shapes; a row marked `#[unsigned]` may be called without a signature (the caller is
/// then anonymous); a row of a REST service carries its HTTP binding,
/// `#[http("POST", "/path/{Label}", 200)]`, and its input's members say where each is bound
/// (`structure!`'s `@Uri("Label")`, `@Query("name")`, `@Header("X-Name")`, `@Payload`).
/// Everything else is generated from it: [`Operation`] and its decoding
/// here, the dispatch and authorization needs in the service (`rolegate_service::handler`).
/// Adding an operation is one row here, one shape in `dto`, and one handler with its needs.
/// A row whose name another service's row has already (Organizations' `CreatePolicy`) gets a
/// variant name of its own and its wire name after `as`: `OrgCreatePolicy as "CreatePolicy"`.
///
/// `operations_table!(callback)` calls `callback! { Service { Op(Input) -> Output, … } … }`.
#[macro_export]
macro_rules! operations_table {
    ($callback:ident) => {
        $callback! {
            Iam {
                CreateUser($crate::dto::users::CreateUserInput) -> $crate::dto::users::CreateUserOutput,
                GetUser($crate::dto::users::GetUserInput) -> $crate::dto::users::GetUserOutput,
                UpdateUser($crate::dto::users::UpdateUserInput),
                DeleteUser($crate::dto::users::DeleteUserInput),
                ListUsers($crate::dto::users::ListUsersInput) -> $crate::dto::users::ListUsersOutput,
                TagUser($crate::dto::users::TagUserInput),
                UntagUser($crate::dto::users::UntagUserInput),
                ListUserTags($crate::dto::users::ListUserTagsInput) -> $crate::dto::users::ListTagsOutput,
                PutUserPermissionsBoundary($crate::dto::users::PutUserPermissionsBoundaryInput),
                DeleteUserPermissionsBoundary($crate::dto::users::DeleteUserPermissionsBoundaryInput),

                CreateGroup($crate::dto::groups::CreateGroupInput) -> $crate::dto::groups::CreateGroupOutput,
                GetGroup($crate::dto::groups::GetGroupInput) -> $crate::dto::groups::GetGroupOutput,
                UpdateGroup($crate::dto::groups::UpdateGroupInput),
                DeleteGroup($crate::dto::groups::DeleteGroupInput),
                ListGroups($crate::dto::groups::ListGroupsInput) -> $crate::dto::groups::ListGroupsOutput,
                AddUserToGroup($crate::dto::groups::AddUserToGroupInput),
                RemoveUserFromGroup($crate::dto::groups::RemoveUserFromGroupInput),
                ListGroupsForUser($crate::dto::groups::ListGroupsForUserInput) -> $crate::dto::groups::ListGroupsOutput,

                CreateRole($crate::dto::roles::CreateRoleInput) -> $crate::dto::roles::CreateRoleOutput,
                GetRole($crate::dto::roles::GetRoleInput) -> $crate::dto::roles::GetRoleOutput,
                UpdateRole($crate::dto::roles::UpdateRoleInput) -> $crate::dto::roles::UpdateRoleOutput,
                UpdateRoleDescription($crate::dto::roles::UpdateRoleDescriptionInput) -> $crate::dto::roles::UpdateRoleDescriptionOutput,
                UpdateAssumeRolePolicy($crate::dto::roles::UpdateAssumeRolePolicyInput),
                DeleteRole($crate::dto::roles::DeleteRoleInput),
                ListRoles($crate::dto::roles::ListRolesInput) -> $crate::dto::roles::ListRolesOutput,
                TagRole($crate::dto::roles::TagRoleInput),
                UntagRole($crate::dto::roles::UntagRoleInput),
                ListRoleTags($crate::dto::roles::ListRoleTagsInput) -> $crate::dto::users::ListTagsOutput,
                PutRolePermissionsBoundary($crate::dto::roles::PutRolePermissionsBoundaryInput),
                DeleteRolePermissionsBoundary($crate::dto::roles::DeleteRolePermissionsBoundaryInput),
                CreateServiceLinkedRole($crate::dto::roles::CreateServiceLinkedRoleInput) -> $crate::dto::roles::CreateServiceLinkedRoleOutput,
                DeleteServiceLinkedRole($crate::dto::roles::DeleteServiceLinkedRoleInput) -> $crate::dto::roles::DeleteServiceLinkedRoleOutput,
                GetServiceLinkedRoleDeletionStatus($crate::dto::roles::GetServiceLinkedRoleDeletionStatusInput) -> $crate::dto::roles::GetServiceLinkedRoleDeletionStatusOutput,

                CreatePolicy($crate::dto::policies::CreatePolicyInput) -> $crate::dto::policies::CreatePolicyOutput,
                GetPolicy($crate::dto::policies::GetPolicyInput) -> $crate::dto::policies::GetPolicyOutput,
                DeletePolicy($crate::dto::policies::DeletePolicyInput),
                ListPolicies($crate::dto::policies::ListPoliciesInput) -> $crate::dto::policies::ListPoliciesOutput,
                CreatePolicyVersion($crate::dto::policies::CreatePolicyVersionInput) -> $crate::dto::policies::CreatePolicyVersionOutput,
                GetPolicyVersion($crate::dto::policies::GetPolicyVersionInput) -> $crate::dto::policies::GetPolicyVersionOutput,
                DeletePolicyVersion($crate::dto::policies::DeletePolicyVersionInput),
                ListPolicyVersions($crate::dto::policies::ListPolicyVersionsInput) -> $crate::dto::policies::ListPolicyVersionsOutput,
                SetDefaultPolicyVersion($crate::dto::policies::SetDefaultPolicyVersionInput),
                TagPolicy($crate::dto::policies::TagPolicyInput),
                UntagPolicy($crate::dto::policies::UntagPolicyInput),
                ListPolicyTags($crate::dto::policies::ListPolicyTagsInput) -> $crate::dto::users::ListTagsOutput,
                ListEntitiesForPolicy($crate::dto::policies::ListEntitiesForPolicyInput) -> $crate::dto::policies::ListEntitiesForPolicyOutput,

                PutUserPolicy($crate::dto::inline_policies::PutUserPolicyInput),
                GetUserPolicy($crate::dto::inline_policies::GetUserPolicyInput) -> $crate::dto::inline_policies::GetUserPolicyOutput,
                DeleteUserPolicy($crate::dto::inline_policies::DeleteUserPolicyInput),
                ListUserPolicies($crate::dto::inline_policies::ListUserPoliciesInput) -> $crate::dto::inline_policies::ListPolicyNamesOutput,
                PutGroupPolicy($crate::dto::inline_policies::PutGroupPolicyInput),
                GetGroupPolicy($crate::dto::inline_policies::GetGroupPolicyInput) -> $crate::dto::inline_policies::GetGroupPolicyOutput,
                DeleteGroupPolicy($crate::dto::inline_policies::DeleteGroupPolicyInput),
                ListGroupPolicies($crate::dto::inline_policies::ListGroupPoliciesInput) -> $crate::dto::inline_policies::ListPolicyNamesOutput,
                PutRolePolicy($crate::dto::inline_policies::PutRolePolicyInput),
                GetRolePolicy($crate::dto::inline_policies::GetRolePolicyInput) -> $crate::dto::inline_policies::GetRolePolicyOutput,
                DeleteRolePolicy($crate::dto::inline_policies::DeleteRolePolicyInput),
                ListRolePolicies($crate::dto::inline_policies::ListRolePoliciesInput) -> $crate::dto::inline_policies::ListPolicyNamesOutput,

                AttachUserPolicy($crate::dto::attached_policies::AttachUserPolicyInput),
                DetachUserPolicy($crate::dto::attached_policies::DetachUserPolicyInput),
                ListAttachedUserPolicies($crate::dto::attached_policies::ListAttachedUserPoliciesInput) -> $crate::dto::attached_policies::ListAttachedPoliciesOutput,
                AttachGroupPolicy($crate::dto::attached_policies::AttachGroupPolicyInput),
                DetachGroupPolicy($crate::dto::attached_policies::DetachGroupPolicyInput),
                ListAttachedGroupPolicies($crate::dto::attached_policies::ListAttachedGroupPoliciesInput) -> $crate::dto::attached_policies::ListAttachedPoliciesOutput,
                AttachRolePolicy($crate::dto::attached_policies::AttachRolePolicyInput),
                DetachRolePolicy($crate::dto::attached_policies::DetachRolePolicyInput),
                ListAttachedRolePolicies($crate::dto::attached_policies::ListAttachedRolePoliciesInput) -> $crate::dto::attached_policies::ListAttachedPoliciesOutput,

                CreateAccessKey($crate::dto::access_keys::CreateAccessKeyInput) -> $crate::dto::access_keys::CreateAccessKeyOutput,
                DeleteAccessKey($crate::dto::access_keys::DeleteAccessKeyInput),
                UpdateAccessKey($crate::dto::access_keys::UpdateAccessKeyInput),
                ListAccessKeys($crate::dto::access_keys::ListAccessKeysInput) -> $crate::dto::access_keys::ListAccessKeysOutput,
                GetAccessKeyLastUsed($crate::dto::access_keys::GetAccessKeyLastUsedInput) -> $crate::dto::access_keys::GetAccessKeyLastUsedOutput,

                CreateInstanceProfile($crate::dto::instance_profiles::CreateInstanceProfileInput) -> $crate::dto::instance_profiles::InstanceProfileOutput,
                GetInstanceProfile($crate::dto::instance_profiles::GetInstanceProfileInput) -> $crate::dto::instance_profiles::InstanceProfileOutput,
                DeleteInstanceProfile($crate::dto::instance_profiles::DeleteInstanceProfileInput),
                ListInstanceProfiles($crate::dto::instance_profiles::ListInstanceProfilesInput) -> $crate::dto::instance_profiles::ListInstanceProfilesOutput,
                ListInstanceProfilesForRole($crate::dto::instance_profiles::ListInstanceProfilesForRoleInput) -> $crate::dto::instance_profiles::ListInstanceProfilesOutput,
                AddRoleToInstanceProfile($crate::dto::instance_profiles::AddRoleToInstanceProfileInput),
                RemoveRoleFromInstanceProfile($crate::dto::instance_profiles::RemoveRoleFromInstanceProfileInput),
                TagInstanceProfile($crate::dto::instance_profiles::TagInstanceProfileInput),
                UntagInstanceProfile($crate::dto::instance_profiles::UntagInstanceProfileInput),
                ListInstanceProfileTags($crate::dto::instance_profiles::ListInstanceProfileTagsInput) -> $crate::dto::users::ListTagsOutput,

                CreateVirtualMFADevice($crate::dto::mfa_devices::CreateVirtualMFADeviceInput) -> $crate::dto::mfa_devices::CreateVirtualMFADeviceOutput,
                EnableMFADevice($crate::dto::mfa_devices::EnableMFADeviceInput),
                ResyncMFADevice($crate::dto::mfa_devices::ResyncMFADeviceInput),
                DeactivateMFADevice($crate::dto::mfa_devices::DeactivateMFADeviceInput),
                DeleteVirtualMFADevice($crate::dto::mfa_devices::DeleteVirtualMFADeviceInput),
                ListMFADevices($crate::dto::mfa_devices::ListMFADevicesInput) -> $crate::dto::mfa_devices::ListMFADevicesOutput,
                ListVirtualMFADevices($crate::dto::mfa_devices::ListVirtualMFADevicesInput) -> $crate::dto::mfa_devices::ListVirtualMFADevicesOutput,
                GetMFADevice($crate::dto::mfa_devices::GetMFADeviceInput) -> $crate::dto::mfa_devices::GetMFADeviceOutput,
                TagMFADevice($crate::dto::mfa_devices::TagMFADeviceInput),
                UntagMFADevice($crate::dto::mfa_devices::UntagMFADeviceInput),
                ListMFADeviceTags($crate::dto::mfa_devices::ListMFADeviceTagsInput) -> $crate::dto::users::ListTagsOutput,

                CreateOpenIDConnectProvider($crate::dto::oidc_providers::CreateOpenIDConnectProviderInput) -> $crate::dto::oidc_providers::CreateOpenIDConnectProviderOutput,
                GetOpenIDConnectProvider($crate::dto::oidc_providers::GetOpenIDConnectProviderInput) -> $crate::dto::oidc_providers::GetOpenIDConnectProviderOutput,
                ListOpenIDConnectProviders($crate::dto::oidc_providers::ListOpenIDConnectProvidersInput) -> $crate::dto::oidc_providers::ListOpenIDConnectProvidersOutput,
                DeleteOpenIDConnectProvider($crate::dto::oidc_providers::DeleteOpenIDConnectProviderInput),
                AddClientIDToOpenIDConnectProvider($crate::dto::oidc_providers::AddClientIDToOpenIDConnectProviderInput),
                RemoveClientIDFromOpenIDConnectProvider($crate::dto::oidc_providers::RemoveClientIDFromOpenIDConnectProviderInput),
                UpdateOpenIDConnectProviderThumbprint($crate::dto::oidc_providers::UpdateOpenIDConnectProviderThumbprintInput),
                TagOpenIDConnectProvider($crate::dto::oidc_providers::TagOpenIDConnectProviderInput),
                UntagOpenIDConnectProvider($crate::dto::oidc_providers::UntagOpenIDConnectProviderInput),
                ListOpenIDConnectProviderTags($crate::dto::oidc_providers::ListOpenIDConnectProviderTagsInput) -> $crate::dto::users::ListTagsOutput,

                CreateSAMLProvider($crate::dto::saml_providers::CreateSAMLProviderInput) -> $crate::dto::saml_providers::CreateSAMLProviderOutput,
                GetSAMLProvider($crate::dto::saml_providers::GetSAMLProviderInput) -> $crate::dto::saml_providers::GetSAMLProviderOutput,
                UpdateSAMLProvider($crate::dto::saml_providers::UpdateSAMLProviderInput) -> $crate::dto::saml_providers::UpdateSAMLProviderOutput,
                ListSAMLProviders($crate::dto::saml_providers::ListSAMLProvidersInput) -> $crate::dto::saml_providers::ListSAMLProvidersOutput,
                DeleteSAMLProvider($crate::dto::saml_providers::DeleteSAMLProviderInput),
                TagSAMLProvider($crate::dto::saml_providers::TagSAMLProviderInput),
                UntagSAMLProvider($crate::dto::saml_providers::UntagSAMLProviderInput),
                ListSAMLProviderTags($crate::dto::saml_providers::ListSAMLProviderTagsInput) -> $crate::dto::users::ListTagsOutput,

                GetAccountAuthorizationDetails($crate::dto::account::GetAccountAuthorizationDetailsInput) -> $crate::dto::account::GetAccountAuthorizationDetailsOutput,
                GetAccountSummary($crate::dto::account::GetAccountSummaryInput) -> $crate::dto::account::GetAccountSummaryOutput,
                GenerateCredentialReport($crate::dto::credential_report::GenerateCredentialReportInput) -> $crate::dto::credential_report::GenerateCredentialReportOutput,
                GetCredentialReport($crate::dto::credential_report::GetCredentialReportInput) -> $crate::dto::credential_report::GetCredentialReportOutput,
                SetSecurityTokenServicePreferences($crate::dto::account::SetSecurityTokenServicePreferencesInput),
                EnableOutboundWebIdentityFederation($crate::dto::account::EnableOutboundWebIdentityFederationInput) -> $crate::dto::account::EnableOutboundWebIdentityFederationOutput,
                DisableOutboundWebIdentityFederation($crate::dto::account::DisableOutboundWebIdentityFederationInput),
                GetOutboundWebIdentityFederationInfo($crate::dto::account::GetOutboundWebIdentityFederationInfoInput) -> $crate::dto::account::GetOutboundWebIdentityFederationInfoOutput,
                GenerateServiceLastAccessedDetails($crate::dto::access_advisor::GenerateServiceLastAccessedDetailsInput) -> $crate::dto::access_advisor::JobIdOutput,
                GetServiceLastAccessedDetails($crate::dto::access_advisor::GetServiceLastAccessedDetailsInput) -> $crate::dto::access_advisor::GetServiceLastAccessedDetailsOutput,
                GetServiceLastAccessedDetailsWithEntities($crate::dto::access_advisor::GetServiceLastAccessedDetailsWithEntitiesInput) -> $crate::dto::access_advisor::GetServiceLastAccessedDetailsWithEntitiesOutput,
                ListPoliciesGrantingServiceAccess($crate::dto::access_advisor::ListPoliciesGrantingServiceAccessInput) -> $crate::dto::access_advisor::ListPoliciesGrantingServiceAccessOutput,
                GenerateOrganizationsAccessReport($crate::dto::access_advisor::GenerateOrganizationsAccessReportInput) -> $crate::dto::access_advisor::JobIdOutput,
                GetOrganizationsAccessReport($crate::dto::access_advisor::GetOrganizationsAccessReportInput) -> $crate::dto::access_advisor::GetOrganizationsAccessReportOutput,
                CreateAccountAlias($crate::dto::account::CreateAccountAliasInput),
                DeleteAccountAlias($crate::dto::account::DeleteAccountAliasInput),
                ListAccountAliases($crate::dto::account::ListAccountAliasesInput) -> $crate::dto::account::ListAccountAliasesOutput,

                CreateLoginProfile($crate::dto::passwords::CreateLoginProfileInput) -> $crate::dto::passwords::LoginProfileOutput,
                GetLoginProfile($crate::dto::passwords::GetLoginProfileInput) -> $crate::dto::passwords::LoginProfileOutput,
                UpdateLoginProfile($crate::dto::passwords::UpdateLoginProfileInput),
                DeleteLoginProfile($crate::dto::passwords::DeleteLoginProfileInput),
                ChangePassword($crate::dto::passwords::ChangePasswordInput),

                CreateServiceSpecificCredential($crate::dto::service_credentials::CreateServiceSpecificCredentialInput) -> $crate::dto::service_credentials::ServiceSpecificCredentialOutput,
                ListServiceSpecificCredentials($crate::dto::service_credentials::ListServiceSpecificCredentialsInput) -> $crate::dto::service_credentials::ListServiceSpecificCredentialsOutput,
                ResetServiceSpecificCredential($crate::dto::service_credentials::ResetServiceSpecificCredentialInput) -> $crate::dto::service_credentials::ServiceSpecificCredentialOutput,
                UpdateServiceSpecificCredential($crate::dto::service_credentials::UpdateServiceSpecificCredentialInput),
                DeleteServiceSpecificCredential($crate::dto::service_credentials::DeleteServiceSpecificCredentialInput),

                UploadSSHPublicKey($crate::dto::ssh_keys::UploadSSHPublicKeyInput) -> $crate::dto::ssh_keys::SSHPublicKeyOutput,
                GetSSHPublicKey($crate::dto::ssh_keys::GetSSHPublicKeyInput) -> $crate::dto::ssh_keys::SSHPublicKeyOutput,
                ListSSHPublicKeys($crate::dto::ssh_keys::ListSSHPublicKeysInput) -> $crate::dto::ssh_keys::ListSSHPublicKeysOutput,
                UpdateSSHPublicKey($crate::dto::ssh_keys::UpdateSSHPublicKeyInput),
                DeleteSSHPublicKey($crate::dto::ssh_keys::DeleteSSHPublicKeyInput),

                UploadSigningCertificate($crate::dto::signing_certificates::UploadSigningCertificateInput) -> $crate::dto::signing_certificates::UploadSigningCertificateOutput,
                ListSigningCertificates($crate::dto::signing_certificates::ListSigningCertificatesInput) -> $crate::dto::signing_certificates::ListSigningCertificatesOutput,
                UpdateSigningCertificate($crate::dto::signing_certificates::UpdateSigningCertificateInput),
                DeleteSigningCertificate($crate::dto::signing_certificates::DeleteSigningCertificateInput),

                UploadServerCertificate($crate::dto::server_certificates::UploadServerCertificateInput) -> $crate::dto::server_certificates::UploadServerCertificateOutput,
                GetServerCertificate($crate::dto::server_certificates::GetServerCertificateInput) -> $crate::dto::server_certificates::GetServerCertificateOutput,
                ListServerCertificates($crate::dto::server_certificates::ListServerCertificatesInput) -> $crate::dto::server_certificates::ListServerCertificatesOutput,
                UpdateServerCertificate($crate::dto::server_certificates::UpdateServerCertificateInput),
                DeleteServerCertificate($crate::dto::server_certificates::DeleteServerCertificateInput),
                TagServerCertificate($crate::dto::server_certificates::TagServerCertificateInput),
                UntagServerCertificate($crate::dto::server_certificates::UntagServerCertificateInput),
                ListServerCertificateTags($crate::dto::server_certificates::ListServerCertificateTagsInput) -> $crate::dto::users::ListTagsOutput,

                UpdateAccountPasswordPolicy($crate::dto::passwords::UpdateAccountPasswordPolicyInput),
                GetAccountPasswordPolicy($crate::dto::passwords::GetAccountPasswordPolicyInput) -> $crate::dto::passwords::GetAccountPasswordPolicyOutput,
                DeleteAccountPasswordPolicy($crate::dto::passwords::DeleteAccountPasswordPolicyInput),

                ListOrganizationsFeatures($crate::dto::root_access::ListOrganizationsFeaturesInput) -> $crate::dto::root_access::OrganizationsFeaturesOutput,
                EnableOrganizationsRootCredentialsManagement($crate::dto::root_access::EnableOrganizationsRootCredentialsManagementInput) -> $crate::dto::root_access::OrganizationsFeaturesOutput,
                DisableOrganizationsRootCredentialsManagement($crate::dto::root_access::DisableOrganizationsRootCredentialsManagementInput) -> $crate::dto::root_access::OrganizationsFeaturesOutput,
                EnableOrganizationsRootSessions($crate::dto::root_access::EnableOrganizationsRootSessionsInput) -> $crate::dto::root_access::OrganizationsFeaturesOutput,
                DisableOrganizationsRootSessions($crate::dto::root_access::DisableOrganizationsRootSessionsInput) -> $crate::dto::root_access::OrganizationsFeaturesOutput,

                CreateDelegationRequest($crate::dto::delegation::CreateDelegationRequestInput) -> $crate::dto::delegation::CreateDelegationRequestOutput,
                GetDelegationRequest($crate::dto::delegation::GetDelegationRequestInput) -> $crate::dto::delegation::GetDelegationRequestOutput,
                AcceptDelegationRequest($crate::dto::delegation::AcceptDelegationRequestInput),
                AssociateDelegationRequest($crate::dto::delegation::AssociateDelegationRequestInput),
                RejectDelegationRequest($crate::dto::delegation::RejectDelegationRequestInput),
                UpdateDelegationRequest($crate::dto::delegation::UpdateDelegationRequestInput),
                SendDelegationToken($crate::dto::delegation::SendDelegationTokenInput),
                ListDelegationRequests($crate::dto::delegation::ListDelegationRequestsInput) -> $crate::dto::delegation::ListDelegationRequestsOutput,
                GetHumanReadableSummary($crate::dto::delegation::GetHumanReadableSummaryInput) -> $crate::dto::delegation::GetHumanReadableSummaryOutput,

                SimulateCustomPolicy($crate::dto::simulation::SimulateCustomPolicyInput) -> $crate::dto::simulation::SimulatePolicyOutput,
                SimulatePrincipalPolicy($crate::dto::simulation::SimulatePrincipalPolicyInput) -> $crate::dto::simulation::SimulatePolicyOutput,
                GetContextKeysForCustomPolicy($crate::dto::simulation::GetContextKeysForCustomPolicyInput) -> $crate::dto::simulation::GetContextKeysOutput,
                GetContextKeysForPrincipalPolicy($crate::dto::simulation::GetContextKeysForPrincipalPolicyInput) -> $crate::dto::simulation::GetContextKeysOutput,
            }
            Sts {
                GetCallerIdentity($crate::dto::sts::GetCallerIdentityInput) -> $crate::dto::sts::GetCallerIdentityOutput,
                AssumeRole($crate::dto::sts::AssumeRoleInput) -> $crate::dto::sts::AssumeRoleOutput,
                GetSessionToken($crate::dto::sts::GetSessionTokenInput) -> $crate::dto::sts::GetSessionTokenOutput,
                GetFederationToken($crate::dto::sts::GetFederationTokenInput) -> $crate::dto::sts::GetFederationTokenOutput,
                GetAccessKeyInfo($crate::dto::sts::GetAccessKeyInfoInput) -> $crate::dto::sts::GetAccessKeyInfoOutput,
                DecodeAuthorizationMessage($crate::dto::sts::DecodeAuthorizationMessageInput) -> $crate::dto::sts::DecodeAuthorizationMessageOutput,
                AssumeRoot($crate::dto::root_access::AssumeRootInput) -> $crate::dto::root_access::AssumeRootOutput,
                GetDelegatedAccessToken($crate::dto::delegation::GetDelegatedAccessTokenInput) -> $crate::dto::delegation::GetDelegatedAccessTokenOutput,
                GetWebIdentityToken($crate::dto::sts::GetWebIdentityTokenInput) -> $crate::dto::sts::GetWebIdentityTokenOutput,
                #[unsigned]
                AssumeRoleWithWebIdentity($crate::dto::sts::AssumeRoleWithWebIdentityInput) -> $crate::dto::sts::AssumeRoleWithWebIdentityOutput,
                #[unsigned]
                AssumeRoleWithSAML($crate::dto::sts::AssumeRoleWithSAMLInput) -> $crate::dto::sts::AssumeRoleWithSAMLOutput,
            }
            Organizations {
                CreateOrganization($crate::dto::organizations::CreateOrganizationInput) -> $crate::dto::organizations::OrganizationOutput,
                DescribeOrganization($crate::dto::organizations::DescribeOrganizationInput) -> $crate::dto::organizations::OrganizationOutput,
                DeleteOrganization($crate::dto::organizations::DeleteOrganizationInput),
                ListRoots($crate::dto::organizations::ListRootsInput) -> $crate::dto::organizations::ListRootsOutput,
                ListAWSServiceAccessForOrganization($crate::dto::organizations::ListAwsServiceAccessForOrganizationInput) -> $crate::dto::organizations::ListAwsServiceAccessForOrganizationOutput,

                CreateAccount($crate::dto::organizations::CreateAccountInput) -> $crate::dto::organizations::CreateAccountStatusOutput,
                DescribeCreateAccountStatus($crate::dto::organizations::DescribeCreateAccountStatusInput) -> $crate::dto::organizations::CreateAccountStatusOutput,
                ListCreateAccountStatus($crate::dto::organizations::ListCreateAccountStatusInput) -> $crate::dto::organizations::ListCreateAccountStatusOutput,
                ListAccounts($crate::dto::organizations::ListAccountsInput) -> $crate::dto::organizations::ListAccountsOutput,
                ListAccountsForParent($crate::dto::organizations::ListAccountsForParentInput) -> $crate::dto::organizations::ListAccountsOutput,
                DescribeAccount($crate::dto::organizations::DescribeAccountInput) -> $crate::dto::organizations::DescribeAccountOutput,
                MoveAccount($crate::dto::organizations::MoveAccountInput),
                RemoveAccountFromOrganization($crate::dto::organizations::RemoveAccountFromOrganizationInput),
                CloseAccount($crate::dto::organizations::CloseAccountInput),

                CreateOrganizationalUnit($crate::dto::organizations::CreateOrganizationalUnitInput) -> $crate::dto::organizations::OrganizationalUnitOutput,
                DescribeOrganizationalUnit($crate::dto::organizations::DescribeOrganizationalUnitInput) -> $crate::dto::organizations::OrganizationalUnitOutput,
                UpdateOrganizationalUnit($crate::dto::organizations::UpdateOrganizationalUnitInput) -> $crate::dto::organizations::OrganizationalUnitOutput,
                DeleteOrganizationalUnit($crate::dto::organizations::DeleteOrganizationalUnitInput),
                ListOrganizationalUnitsForParent($crate::dto::organizations::ListOrganizationalUnitsForParentInput) -> $crate::dto::organizations::ListOrganizationalUnitsForParentOutput,
                ListChildren($crate::dto::organizations::ListChildrenInput) -> $crate::dto::organizations::ListChildrenOutput,
                ListParents($crate::dto::organizations::ListParentsInput) -> $crate::dto::organizations::ListParentsOutput,

                TagResource($crate::dto::organizations::TagResourceInput),
                UntagResource($crate::dto::organizations::UntagResourceInput),
                ListTagsForResource($crate::dto::organizations::ListTagsForResourceInput) -> $crate::dto::organizations::ListTagsForResourceOutput,

                EnablePolicyType($crate::dto::organizations::EnablePolicyTypeInput) -> $crate::dto::organizations::RootOutput,
                DisablePolicyType($crate::dto::organizations::DisablePolicyTypeInput) -> $crate::dto::organizations::RootOutput,
                OrgCreatePolicy as "CreatePolicy"($crate::dto::organizations::CreatePolicyInput) -> $crate::dto::organizations::PolicyOutput,
                UpdatePolicy($crate::dto::organizations::UpdatePolicyInput) -> $crate::dto::organizations::PolicyOutput,
                OrgDeletePolicy as "DeletePolicy"($crate::dto::organizations::DeletePolicyInput),
                DescribePolicy($crate::dto::organizations::DescribePolicyInput) -> $crate::dto::organizations::PolicyOutput,
                OrgListPolicies as "ListPolicies"($crate::dto::organizations::ListPoliciesInput) -> $crate::dto::organizations::ListPoliciesOutput,
                ListPoliciesForTarget($crate::dto::organizations::ListPoliciesForTargetInput) -> $crate::dto::organizations::ListPoliciesOutput,
                ListTargetsForPolicy($crate::dto::organizations::ListTargetsForPolicyInput) -> $crate::dto::organizations::ListTargetsForPolicyOutput,
                AttachPolicy($crate::dto::organizations::AttachPolicyInput),
                DetachPolicy($crate::dto::organizations::DetachPolicyInput),
            }
            CloudTrail {
                LookupEvents($crate::dto::cloudtrail::LookupEventsInput) -> $crate::dto::cloudtrail::LookupEventsOutput,
            }
        }
    };
}

operations_table!(operations);

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params::from_strs(pairs).expect("params")
    }

    #[test]
    fn decodes_create_user_with_tags() {
        let p = params(&[
            ("UserName", "alice"),
            ("Path", "/eng/"),
            ("Tags.member.1.Key", "team"),
            ("Tags.member.1.Value", "a b"),
            ("Tags.member.2.Key", "cost"),
            ("Tags.member.2.Value", ""),
        ]);
        let Operation::CreateUser(input) =
            Operation::decode("CreateUser", Some(IAM_VERSION), &p).expect("decodes")
        else {
            panic!("wrong operation");
        };
        assert_eq!(input.user_name, "alice");
        assert_eq!(input.path.as_deref(), Some("/eng/"));
        assert_eq!(input.tags.len(), 2);
        assert_eq!(input.tags[0].key, "team");
        assert_eq!(input.tags[1].value, "");
    }

    #[test]
    fn missing_and_invalid_members_are_all_reported() {
        let p = params(&[("Path", "nope"), ("MaxItems", "0")]);
        let err = Operation::decode("CreateUser", None, &p).expect_err("invalid");
        assert_eq!(
            err.to_string(),
            "2 validation errors detected: Value 'nope' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F); \
             Value null at 'userName' failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn unknown_action_or_wrong_version() {
        let p = Params::default();
        assert_eq!(
            Operation::decode("Nope", Some(IAM_VERSION), &p),
            Err(DecodeError::InvalidAction {
                action: "Nope".into(),
                version: IAM_VERSION.into()
            })
        );
        assert!(matches!(
            Operation::decode("GetCallerIdentity", Some(IAM_VERSION), &p),
            Err(DecodeError::InvalidAction { .. })
        ));
        assert!(Operation::decode("GetCallerIdentity", Some(STS_VERSION), &p).is_ok());
    }

    #[test]
    fn nested_tag_violations_name_the_member() {
        let p = params(&[
            ("UserName", "a"),
            ("Tags.member.1.Key", ""),
            ("Tags.member.1.Value", "v"),
        ]);
        let err = Operation::decode("CreateUser", None, &p).expect_err("invalid");
        assert!(err.to_string().contains("at 'tags.1.member.key'"), "{err}");
    }

    crate::structure!(
        /// A REST input for the routing tests: a label, a query parameter, a header, a body.
        GetThingInput {
            name: String = "Name" @Uri("Name") [crate::constraint::Constraint::Len(1, 8)],
            max_items: Option<i64> = "MaxItems" @Query("max-items"),
            token: Option<String> = "Token" @Header("X-Amz-Thing-Token"),
            note: Option<String> = "Note",
        }
    );

    fn any_operation(_: Value, _: &mut Vec<String>) -> Operation {
        Operation::GetCallerIdentity(crate::dto::sts::GetCallerIdentityInput::default())
    }

    const fn rest_row(
        name: &'static str,
        method: &'static str,
        uri: &'static str,
    ) -> OperationInfo {
        OperationInfo {
            service: Service::Iam,
            name,
            signed: true,
            input: <GetThingInput as Field>::SHAPE,
            output: None,
            http: Some(HttpBinding {
                method,
                uri,
                code: 200,
            }),
            decode: any_operation,
        }
    }

    static REST_ROWS: &[OperationInfo] = &[
        rest_row("GetThing", "GET", "/things/{Name}"),
        rest_row("CheckThings", "GET", "/things/check"),
        rest_row("PutThing", "PUT", "/things/{Name}"),
        rest_row("ListVersions", "GET", "/things/{Name}?versions"),
    ];

    fn routed(method: &str, target: &str) -> Option<(&'static str, Labels)> {
        route_in(REST_ROWS, method, target).map(|(row, labels)| (row.name, labels))
    }

    #[test]
    fn rest_requests_route_by_method_and_path() {
        assert_eq!(
            routed("GET", "/things/a%20b"),
            Some(("GetThing", vec![("Name", "a b".to_owned())]))
        );
        assert_eq!(
            routed("PUT", "/things/x"),
            Some(("PutThing", vec![("Name", "x".to_owned())]))
        );
        // A literal segment beats a label where both match.
        assert_eq!(
            routed("GET", "/things/check"),
            Some(("CheckThings", vec![]))
        );
        assert_eq!(
            routed("GET", "/things/x?versions"),
            Some(("ListVersions", vec![("Name", "x".to_owned())]))
        );
        for (method, target) in [
            ("DELETE", "/things/x"),
            ("GET", "/things"),
            ("GET", "/things/"),
            ("GET", "/things/x/y"),
            ("GET", "/"),
            // Paths SigV4 would sign normalized route nowhere.
            ("GET", "/things/y/../x"),
            ("GET", "/things/./x"),
            ("GET", "/things//x"),
            ("GET", "things/x"),
        ] {
            assert_eq!(routed(method, target), None, "{method} {target}");
        }
    }

    #[test]
    fn rest_members_decode_from_where_they_are_bound() {
        let (_, labels) = route_in(REST_ROWS, "GET", "/things/box").expect("routes");
        let query = [("max-items".to_owned(), "7".to_owned())];
        let headers = [("x-amz-thing-token".to_owned(), "t0k".to_owned())];
        let request = rest_json::Request {
            query: &query,
            headers: &headers,
            body: br#"{"Note":"hi"}"#,
        };
        let value =
            rest_json::decode(<GetThingInput as Field>::SHAPE, &labels, &request).expect("decodes");
        let mut errs = Vec::new();
        let input = GetThingInput::from_value(Some(value), "", &mut errs);
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(
            input,
            GetThingInput {
                name: "box".into(),
                max_items: Some(7),
                token: Some("t0k".into()),
                note: Some("hi".into()),
            }
        );
        // The constraints hold whatever the protocol: a label too long is a ValidationError.
        let (_, labels) = route_in(REST_ROWS, "GET", "/things/much-too-long").expect("routes");
        let value =
            rest_json::decode(<GetThingInput as Field>::SHAPE, &labels, &request).expect("decodes");
        GetThingInput::from_value(Some(value), "", &mut errs);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].contains("at 'name'"), "{errs:?}");
    }

    #[test]
    fn rest_services_bind_every_operation_and_rpc_services_none() {
        for row in Operation::ALL {
            let rest = row.service.protocol() == Protocol::RestJson1;
            assert_eq!(row.http.is_some(), rest, "{:?} {}", row.service, row.name);
        }
    }

    /// The requests (made from a binding's template, every label filled in) that another
    /// binding of `rows`, as specific, also claims.
    fn ambiguities(rows: &[OperationInfo]) -> Vec<(&'static str, &'static str)> {
        let bound: Vec<_> = rows.iter().filter_map(|r| Some((r, r.http?))).collect();
        let mut found = Vec::new();
        for (row, binding) in &bound {
            let (path, query) = binding.uri.split_once('?').unwrap_or((binding.uri, ""));
            let mut sample: String = path
                .split('/')
                .map(|s| if s.starts_with('{') { "x" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            if !query.is_empty() {
                sample = format!("{sample}?{query}");
            }
            for (other, b) in &bound {
                if other.name != row.name
                    && specificity(b) == specificity(binding)
                    && rest_json::matches(b, binding.method, &sample).is_some()
                {
                    found.push((row.name, other.name));
                }
            }
        }
        found
    }

    #[test]
    fn no_two_rest_bindings_claim_one_request() {
        assert_eq!(ambiguities(Operation::ALL), vec![]);
        assert_eq!(ambiguities(REST_ROWS), vec![]);
        // The check finds an ambiguity where there is one.
        static AMBIGUOUS: &[OperationInfo] = &[
            rest_row("ByName", "GET", "/things/{Name}"),
            rest_row("ById", "GET", "/things/{Id}"),
        ];
        assert_eq!(
            ambiguities(AMBIGUOUS),
            vec![("ByName", "ById"), ("ById", "ByName")]
        );
    }

    #[test]
    fn every_action_is_listed_once() {
        let mut names: Vec<(Service, &str)> =
            Operation::ALL.iter().map(|o| (o.service, o.name)).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n);
    }
}

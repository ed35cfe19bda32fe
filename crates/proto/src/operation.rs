//! The table of contents of the API: every operation Rolegate answers, decoded from the wire
//! into a typed input before any handler runs.

use crate::{
    DecodeError, IAM_NAMESPACE, IAM_VERSION, Params, STS_NAMESPACE, STS_VERSION, Struct,
    dto::{
        access_keys::*, account::*, attached_policies::*, groups::*, inline_policies::*,
        instance_profiles::*, mfa_devices::*, policies::*, roles::*, simulation::*, sts::*,
        users::*,
    },
};

/// Which AWS service an operation belongs to (and so which SigV4 scope and XML namespace).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// IAM, `2010-05-08`, signing name `iam`.
    Iam,
    /// STS, `2011-06-15`, signing name `sts`.
    Sts,
}

impl Service {
    /// The API version.
    pub fn version(self) -> &'static str {
        match self {
            Service::Iam => IAM_VERSION,
            Service::Sts => STS_VERSION,
        }
    }

    /// The XML namespace.
    pub fn namespace(self) -> &'static str {
        match self {
            Service::Iam => IAM_NAMESPACE,
            Service::Sts => STS_NAMESPACE,
        }
    }

    /// The SigV4 signing name, and the action prefix in policies.
    pub fn signing_name(self) -> &'static str {
        match self {
            Service::Iam => "iam",
            Service::Sts => "sts",
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
}

macro_rules! operations {
    ($( $service:ident { $( $op:ident($input:ident) ),* $(,)? } )*) => {
        /// A decoded request.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Operation { $( $( #[doc = concat!("`", stringify!($op), "`")] $op($input), )* )* }

        impl Operation {
            /// Every action name with its service.
            pub const ALL: &'static [(&'static str, Service)] = &[$( $( (stringify!($op), Service::$service), )* )*];

            /// The action name.
            pub fn name(&self) -> &'static str {
                match self { $( $( Operation::$op(_) => stringify!($op), )* )* }
            }

            /// The service.
            pub fn service(&self) -> Service {
                match self { $( $( Operation::$op(_) => Service::$service, )* )* }
            }

            /// The service an action belongs to, if it is known.
            pub fn service_of(action: &str) -> Option<Service> {
                match action { $( $( stringify!($op) => Some(Service::$service), )* )* _ => None }
            }

            /// Decodes `Action` with its parameters. `version`, when sent, must be the action's
            /// service version; the model's constraints are checked here.
            pub fn decode(action: &str, version: Option<&str>, params: &Params) -> Result<Self, DecodeError> {
                let invalid = || DecodeError::InvalidAction {
                    action: action.to_owned(),
                    version: version.unwrap_or_default().to_owned(),
                };
                let service = Self::service_of(action).ok_or_else(invalid)?;
                if version.is_some_and(|v| v != service.version()) {
                    return Err(invalid());
                }
                let mut errs = Vec::new();
                let op = match action {
                    $( $( stringify!($op) => Operation::$op(<$input as Struct>::decode_struct(params, "", "", &mut errs)), )* )*
                    _ => return Err(invalid()),
                };
                if errs.is_empty() { Ok(op) } else { Err(DecodeError::Validation(errs)) }
            }
        }
    };
}

operations! {
    Iam {
        CreateUser(CreateUserInput),
        GetUser(GetUserInput),
        UpdateUser(UpdateUserInput),
        DeleteUser(DeleteUserInput),
        ListUsers(ListUsersInput),
        TagUser(TagUserInput),
        UntagUser(UntagUserInput),
        ListUserTags(ListUserTagsInput),
        PutUserPermissionsBoundary(PutUserPermissionsBoundaryInput),
        DeleteUserPermissionsBoundary(DeleteUserPermissionsBoundaryInput),

        CreateGroup(CreateGroupInput),
        GetGroup(GetGroupInput),
        UpdateGroup(UpdateGroupInput),
        DeleteGroup(DeleteGroupInput),
        ListGroups(ListGroupsInput),
        AddUserToGroup(AddUserToGroupInput),
        RemoveUserFromGroup(RemoveUserFromGroupInput),
        ListGroupsForUser(ListGroupsForUserInput),

        CreateRole(CreateRoleInput),
        GetRole(GetRoleInput),
        UpdateRole(UpdateRoleInput),
        UpdateRoleDescription(UpdateRoleDescriptionInput),
        UpdateAssumeRolePolicy(UpdateAssumeRolePolicyInput),
        DeleteRole(DeleteRoleInput),
        ListRoles(ListRolesInput),
        TagRole(TagRoleInput),
        UntagRole(UntagRoleInput),
        ListRoleTags(ListRoleTagsInput),
        PutRolePermissionsBoundary(PutRolePermissionsBoundaryInput),
        DeleteRolePermissionsBoundary(DeleteRolePermissionsBoundaryInput),

        CreatePolicy(CreatePolicyInput),
        GetPolicy(GetPolicyInput),
        DeletePolicy(DeletePolicyInput),
        ListPolicies(ListPoliciesInput),
        CreatePolicyVersion(CreatePolicyVersionInput),
        GetPolicyVersion(GetPolicyVersionInput),
        DeletePolicyVersion(DeletePolicyVersionInput),
        ListPolicyVersions(ListPolicyVersionsInput),
        SetDefaultPolicyVersion(SetDefaultPolicyVersionInput),
        TagPolicy(TagPolicyInput),
        UntagPolicy(UntagPolicyInput),
        ListPolicyTags(ListPolicyTagsInput),
        ListEntitiesForPolicy(ListEntitiesForPolicyInput),

        PutUserPolicy(PutUserPolicyInput),
        GetUserPolicy(GetUserPolicyInput),
        DeleteUserPolicy(DeleteUserPolicyInput),
        ListUserPolicies(ListUserPoliciesInput),
        PutGroupPolicy(PutGroupPolicyInput),
        GetGroupPolicy(GetGroupPolicyInput),
        DeleteGroupPolicy(DeleteGroupPolicyInput),
        ListGroupPolicies(ListGroupPoliciesInput),
        PutRolePolicy(PutRolePolicyInput),
        GetRolePolicy(GetRolePolicyInput),
        DeleteRolePolicy(DeleteRolePolicyInput),
        ListRolePolicies(ListRolePoliciesInput),

        AttachUserPolicy(AttachUserPolicyInput),
        DetachUserPolicy(DetachUserPolicyInput),
        ListAttachedUserPolicies(ListAttachedUserPoliciesInput),
        AttachGroupPolicy(AttachGroupPolicyInput),
        DetachGroupPolicy(DetachGroupPolicyInput),
        ListAttachedGroupPolicies(ListAttachedGroupPoliciesInput),
        AttachRolePolicy(AttachRolePolicyInput),
        DetachRolePolicy(DetachRolePolicyInput),
        ListAttachedRolePolicies(ListAttachedRolePoliciesInput),

        CreateAccessKey(CreateAccessKeyInput),
        DeleteAccessKey(DeleteAccessKeyInput),
        UpdateAccessKey(UpdateAccessKeyInput),
        ListAccessKeys(ListAccessKeysInput),
        GetAccessKeyLastUsed(GetAccessKeyLastUsedInput),

        CreateInstanceProfile(CreateInstanceProfileInput),
        GetInstanceProfile(GetInstanceProfileInput),
        DeleteInstanceProfile(DeleteInstanceProfileInput),
        ListInstanceProfiles(ListInstanceProfilesInput),
        ListInstanceProfilesForRole(ListInstanceProfilesForRoleInput),
        AddRoleToInstanceProfile(AddRoleToInstanceProfileInput),
        RemoveRoleFromInstanceProfile(RemoveRoleFromInstanceProfileInput),
        TagInstanceProfile(TagInstanceProfileInput),
        UntagInstanceProfile(UntagInstanceProfileInput),
        ListInstanceProfileTags(ListInstanceProfileTagsInput),

        CreateVirtualMFADevice(CreateVirtualMFADeviceInput),
        EnableMFADevice(EnableMFADeviceInput),
        ResyncMFADevice(ResyncMFADeviceInput),
        DeactivateMFADevice(DeactivateMFADeviceInput),
        DeleteVirtualMFADevice(DeleteVirtualMFADeviceInput),
        ListMFADevices(ListMFADevicesInput),
        ListVirtualMFADevices(ListVirtualMFADevicesInput),

        GetAccountAuthorizationDetails(GetAccountAuthorizationDetailsInput),
        GetAccountSummary(GetAccountSummaryInput),

        SimulateCustomPolicy(SimulateCustomPolicyInput),
        SimulatePrincipalPolicy(SimulatePrincipalPolicyInput),
        GetContextKeysForCustomPolicy(GetContextKeysForCustomPolicyInput),
        GetContextKeysForPrincipalPolicy(GetContextKeysForPrincipalPolicyInput),
    }
    Sts {
        GetCallerIdentity(GetCallerIdentityInput),
        AssumeRole(AssumeRoleInput),
        GetSessionToken(GetSessionTokenInput),
        GetFederationToken(GetFederationTokenInput),
        GetAccessKeyInfo(GetAccessKeyInfoInput),
        DecodeAuthorizationMessage(DecodeAuthorizationMessageInput),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        )
        .expect("params")
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

    #[test]
    fn every_action_is_listed_once() {
        let mut names: Vec<&str> = Operation::ALL.iter().map(|(n, _)| *n).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n);
    }
}

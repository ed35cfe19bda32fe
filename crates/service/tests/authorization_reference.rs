//! One table test of the action, resource ARN and service-specific condition keys that every
//! IAM and STS operation is authorized with ([`Service::target`]), against AWS's Service
//! Authorization Reference, kept as data in `data/service-authorization-reference.json` (its
//! source and licence: `data/README.md`):
//!
//! - <https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html>
//! - <https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecuritytokenservice.html>
//!
//! Every operation of [`Operation::ALL`] is decoded from parameters a generic filler supplies
//! (once with only what the operation requires, once with every member it has), on an empty
//! store and on one holding the entities named (under a non-default path), for an IAM user
//! and for a role session. Each target, and each further target (`also`: a rename's new ARN,
//! `iam:PassRole`), must name an action of the reference and a resource that matches the ARN
//! format of one of the action's resource types — or be `*` when the action has none (or
//! requires none). Where Rolegate disagrees with the reference the disagreement is in
//! [`KNOWN_MISMATCHES`], which fails as soon as an entry no longer disagrees.

use std::{collections::BTreeSet, sync::Arc, time::Duration};

use rolegate_proto::{Operation, Params, Service as Api};
use rolegate_service::{
    Caller, Identity, RequestEnv, Service, ServiceConfig, authorize::Target, clock::SystemClock,
};
use rolegate_store::SqliteStore;
use serde::Deserialize;

const ACCOUNT: &str = "123456789012";

// ---------------------------------------------------------------------------------------------
// The reference

#[derive(Debug, Deserialize)]
struct Reference {
    iam: ServiceReference,
    sts: ServiceReference,
}

#[derive(Debug, Deserialize)]
struct ServiceReference {
    actions: Vec<Action>,
    resource_types: Vec<ResourceType>,
}

#[derive(Debug, Deserialize)]
struct Action {
    name: String,
    resource_types: Vec<ActionResourceType>,
    condition_keys: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ActionResourceType {
    name: String,
    required: bool,
    condition_keys: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ResourceType {
    name: String,
    arn: String,
    condition_keys: Vec<String>,
}

impl Reference {
    fn load() -> Self {
        serde_json::from_str(include_str!("data/service-authorization-reference.json"))
            .expect("data/service-authorization-reference.json parses")
    }

    fn service(&self, prefix: &str) -> Option<&ServiceReference> {
        match prefix {
            "iam" => Some(&self.iam),
            "sts" => Some(&self.sts),
            _ => None,
        }
    }

    /// `iam:CreateUser` → the action and its service.
    fn action(&self, action: &str) -> Option<(&ServiceReference, &Action)> {
        let (prefix, name) = action.split_once(':')?;
        let service = self.service(prefix)?;
        Some((service, service.actions.iter().find(|a| a.name == name)?))
    }
}

impl ServiceReference {
    fn resource_type(&self, name: &str) -> &ResourceType {
        self.resource_types
            .iter()
            .find(|r| r.name == name)
            .unwrap_or_else(|| panic!("resource type {name} is in the resource types table"))
    }
}

// ---------------------------------------------------------------------------------------------
// ARN formats

/// Whether `arn` is an instance of `format` (`arn:${Partition}:iam::${Account}:user/${UserNameWithPath}`).
fn arn_matches(format: &str, arn: &str) -> bool {
    let mut pieces = Vec::new();
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        let end = start + rest[start..].find('}').expect("placeholder is closed");
        pieces.push((false, &rest[..start]));
        pieces.push((true, &rest[start + 2..end]));
        rest = &rest[end + 1..];
    }
    pieces.push((false, rest));
    matches_pieces(&pieces, arn)
}

fn matches_pieces(pieces: &[(bool, &str)], s: &str) -> bool {
    match pieces.split_first() {
        None => s.is_empty(),
        Some(((false, literal), rest)) => s
            .strip_prefix(*literal)
            .is_some_and(|s| matches_pieces(rest, s)),
        Some(((true, placeholder), rest)) => (1..=s.len())
            .filter(|&n| s.is_char_boundary(n))
            .any(|n| fills(placeholder, &s[..n]) && matches_pieces(rest, &s[n..])),
    }
}

/// Whether `value` may stand for `${placeholder}`.
fn fills(placeholder: &str, value: &str) -> bool {
    // IAM names (users, roles, groups, policies, instance profiles, MFA devices) and session
    // names: `[\w+=,.@-]+`.
    let name = |v: &str| {
        !v.is_empty()
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
    };
    match placeholder {
        "Partition" => {
            value == "aws"
                || value.strip_prefix("aws-").is_some_and(|p| {
                    !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                })
        }
        // AWS managed policies have `aws` where the account goes.
        "Account" => {
            (value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit())) || value == "aws"
        }
        // `eng/ops/alice`: path segments of printable ASCII, then the name.
        p if p.ends_with("WithPath") => match value.rsplit_once('/') {
            None => name(value),
            Some((path, last)) => {
                name(last)
                    && path.split('/').all(|segment| {
                        !segment.is_empty() && segment.bytes().all(|b| (0x21..=0x7e).contains(&b))
                    })
            }
        },
        // An OIDC provider is named by its issuer without `https://`: `HOST/PATH` — and, in
        // Rolegate (not AWS), `HOST:PORT/PATH`.
        "OidcProviderName" => {
            let (authority, path) = value.split_once('/').unwrap_or((value, ""));
            let (host, port) = authority.split_once(':').unwrap_or((authority, "1"));
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
                && !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
                && path.bytes().all(|b| (0x21..=0x7e).contains(&b))
        }
        // An Organizations entity path: `o-…/r-…[/ou-…][/ACCOUNT]`, as the model's
        // `organizationsEntityPathType` spells it.
        "EntityPath" => {
            let mut parts = value.split('/');
            parts.next().is_some_and(|o| o.starts_with("o-"))
                && parts.next().is_some_and(|r| r.starts_with("r-"))
                && value
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase() || b"-/".contains(&b))
        }
        _ => name(value),
    }
}

// ---------------------------------------------------------------------------------------------
// Inputs

const DOCUMENT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}"#;
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#;
const USER_ARN: &str = "arn:aws:iam::123456789012:user/eng/alice";
const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/eng/deploy";
const POLICY_ARN: &str = "arn:aws:iam::123456789012:policy/eng/p";
const BOUNDARY_ARN: &str = "arn:aws:iam::123456789012:policy/eng/boundary";
const SERIAL: &str = "arn:aws:iam::123456789012:mfa/eng/alice-mfa";
const UNKNOWN_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const OIDC_URL: &str = "https://idp.example.com:8443/realms/eng";
const OIDC_ARN: &str = "arn:aws:iam::123456789012:oidc-provider/idp.example.com:8443/realms/eng";
const SAML_ARN: &str = "arn:aws:iam::123456789012:saml-provider/fed-alice";

/// IdP metadata with a real (self-signed) signing certificate.
fn saml_metadata() -> &'static str {
    static DOC: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        use base64::Engine as _;
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = rcgen::CertificateParams::new(vec!["idp.example.com".into()])
            .expect("params")
            .self_signed(&key)
            .expect("certificate");
        let b64 = base64::engine::general_purpose::STANDARD.encode(cert.der());
        format!(
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://idp.example.com/saml"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso/with/a/long/enough/path/for/the/one/thousand/character/minimum/of/the/metadata/document/type/of/the/iam/api/model/which/is/what/this/is/padded/for/and/nothing/else/at/all"/></md:IDPSSODescriptor></md:EntityDescriptor>"#
        )
    });
    &DOC
}

/// An input member's name and its parameters.
type Member = (&'static str, Vec<(String, String)>);

/// A value for every input member any operation has, keyed by member name (the pairs of a
/// list or structure member go together). Decoding reads only the members an operation has.
fn filler(access_key_id: &str) -> Vec<Member> {
    let one = |k: &str, v: &str| vec![(k.to_owned(), v.to_owned())];
    vec![
        ("UserName", one("UserName", "alice")),
        ("GroupName", one("GroupName", "devs")),
        ("RoleName", one("RoleName", "deploy")),
        ("PolicyName", one("PolicyName", "p")),
        ("InstanceProfileName", one("InstanceProfileName", "web")),
        (
            "VirtualMFADeviceName",
            one("VirtualMFADeviceName", "alice-mfa"),
        ),
        ("Path", one("Path", "/eng/")),
        ("PathPrefix", one("PathPrefix", "/eng/")),
        ("NewPath", one("NewPath", "/ops/")),
        ("NewUserName", one("NewUserName", "bob")),
        ("NewGroupName", one("NewGroupName", "ops")),
        ("PolicyArn", one("PolicyArn", POLICY_ARN)),
        (
            "PermissionsBoundary",
            one("PermissionsBoundary", BOUNDARY_ARN),
        ),
        ("PolicyDocument", one("PolicyDocument", DOCUMENT)),
        (
            "AssumeRolePolicyDocument",
            one("AssumeRolePolicyDocument", TRUST),
        ),
        ("Description", one("Description", "d")),
        ("MaxSessionDuration", one("MaxSessionDuration", "3600")),
        ("VersionId", one("VersionId", "v1")),
        ("SetAsDefault", one("SetAsDefault", "true")),
        ("Scope", one("Scope", "Local")),
        ("OnlyAttached", one("OnlyAttached", "false")),
        (
            "PolicyUsageFilter",
            one("PolicyUsageFilter", "PermissionsPolicy"),
        ),
        ("EntityFilter", one("EntityFilter", "User")),
        ("AccessKeyId", one("AccessKeyId", access_key_id)),
        ("Status", one("Status", "Active")),
        (
            "SSHPublicKeyBody",
            one("SSHPublicKeyBody", "ssh-rsa AAAAB3NzaC1yc2E= alice"),
        ),
        (
            "SSHPublicKeyId",
            one("SSHPublicKeyId", "APKAEXAMPLE123456789"),
        ),
        ("Encoding", one("Encoding", "SSH")),
        (
            "CertificateBody",
            one("CertificateBody", "-----BEGIN CERTIFICATE-----"),
        ),
        (
            "CertificateId",
            one("CertificateId", "EXAMPLECERTIFICATEID12345678"),
        ),
        (
            "ServerCertificateName",
            one("ServerCertificateName", "web-cert"),
        ),
        (
            "NewServerCertificateName",
            one("NewServerCertificateName", "web-cert-2"),
        ),
        (
            "PrivateKey",
            one("PrivateKey", "-----BEGIN PRIVATE KEY-----"),
        ),
        (
            "CertificateChain",
            one("CertificateChain", "-----BEGIN CERTIFICATE-----"),
        ),
        ("SerialNumber", one("SerialNumber", SERIAL)),
        ("AuthenticationCode1", one("AuthenticationCode1", "123456")),
        ("AuthenticationCode2", one("AuthenticationCode2", "654321")),
        ("AssignmentStatus", one("AssignmentStatus", "Any")),
        ("Filter", one("Filter.member.1", "User")),
        ("PolicyInputList", one("PolicyInputList.member.1", DOCUMENT)),
        (
            "PermissionsBoundaryPolicyInputList",
            one("PermissionsBoundaryPolicyInputList.member.1", DOCUMENT),
        ),
        ("PolicySourceArn", one("PolicySourceArn", USER_ARN)),
        ("ActionNames", one("ActionNames.member.1", "iam:GetUser")),
        ("Arn", one("Arn", USER_ARN)),
        ("Granularity", one("Granularity", "ACTION_LEVEL")),
        (
            "JobId",
            one("JobId", "examplef-1305-c245-eba4-71fe298bcda7"),
        ),
        ("ServiceNamespace", one("ServiceNamespace", "iam")),
        (
            "ServiceNamespaces",
            one("ServiceNamespaces.member.1", "iam"),
        ),
        ("EntityPath", one("EntityPath", "o-a1b2c3d4e5/r-f6g7")),
        (
            "OrganizationsPolicyId",
            one("OrganizationsPolicyId", "p-FullAWSAccess"),
        ),
        ("SortKey", one("SortKey", "SERVICE_NAMESPACE_ASCENDING")),
        ("ResourceArns", one("ResourceArns.member.1", USER_ARN)),
        ("ResourcePolicy", one("ResourcePolicy", DOCUMENT)),
        (
            "ResourceOwner",
            one("ResourceOwner", "arn:aws:iam::123456789012:root"),
        ),
        ("CallerArn", one("CallerArn", USER_ARN)),
        (
            "ContextEntries",
            vec![
                (
                    "ContextEntries.member.1.ContextKeyName".into(),
                    "aws:username".into(),
                ),
                (
                    "ContextEntries.member.1.ContextKeyValues.member.1".into(),
                    "alice".into(),
                ),
                (
                    "ContextEntries.member.1.ContextKeyType".into(),
                    "string".into(),
                ),
            ],
        ),
        (
            "ResourceHandlingOption",
            one("ResourceHandlingOption", "EC2-VPC-EBS"),
        ),
        ("Marker", one("Marker", "m")),
        ("MaxItems", one("MaxItems", "10")),
        (
            "Tags",
            vec![
                ("Tags.member.1.Key".into(), "team".into()),
                ("Tags.member.1.Value".into(), "eng".into()),
            ],
        ),
        ("TagKeys", one("TagKeys.member.1", "team")),
        ("RoleArn", one("RoleArn", ROLE_ARN)),
        ("RoleSessionName", one("RoleSessionName", "s1")),
        ("PolicyArns", one("PolicyArns.member.1.arn", POLICY_ARN)),
        ("Policy", one("Policy", DOCUMENT)),
        ("DurationSeconds", one("DurationSeconds", "900")),
        (
            "TransitiveTagKeys",
            one("TransitiveTagKeys.member.1", "team"),
        ),
        ("ExternalId", one("ExternalId", "ext-1")),
        ("TokenCode", one("TokenCode", "123456")),
        ("SourceIdentity", one("SourceIdentity", "alice")),
        ("Name", one("Name", "fed-alice")),
        ("EncodedMessage", one("EncodedMessage", "opaque")),
        ("AccountAlias", one("AccountAlias", "example-corp")),
        (
            "GlobalEndpointTokenVersion",
            one("GlobalEndpointTokenVersion", "v2Token"),
        ),
        (
            "ServiceName",
            one("ServiceName", "codecommit.amazonaws.com"),
        ),
        (
            "ServiceSpecificCredentialId",
            one("ServiceSpecificCredentialId", "ACCAEXAMPLE1234567890"),
        ),
        ("Password", one("Password", "Correct-Horse-9")),
        (
            "PasswordResetRequired",
            one("PasswordResetRequired", "true"),
        ),
        ("OldPassword", one("OldPassword", "Correct-Horse-9")),
        ("NewPassword", one("NewPassword", "Battery-Staple-7")),
        ("MinimumPasswordLength", one("MinimumPasswordLength", "12")),
        ("MaxPasswordAge", one("MaxPasswordAge", "90")),
        (
            "PasswordReusePrevention",
            one("PasswordReusePrevention", "5"),
        ),
        ("Url", one("Url", OIDC_URL)),
        (
            "ClientIDList",
            one("ClientIDList.member.1", "sts.amazonaws.com"),
        ),
        ("ClientID", one("ClientID", "app")),
        (
            "ThumbprintList",
            one(
                "ThumbprintList.member.1",
                "9e99a48a9960b14926bb7f3b02e22da2b0ab7280",
            ),
        ),
        (
            "OpenIDConnectProviderArn",
            one("OpenIDConnectProviderArn", OIDC_ARN),
        ),
        (
            "WebIdentityToken",
            one("WebIdentityToken", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"),
        ),
        (
            "Audience",
            one("Audience.member.1", "https://api.example.com"),
        ),
        ("SigningAlgorithm", one("SigningAlgorithm", "ES384")),
        (
            "SAMLMetadataDocument",
            one("SAMLMetadataDocument", saml_metadata()),
        ),
        ("SAMLProviderArn", one("SAMLProviderArn", SAML_ARN)),
        (
            "AssertionEncryptionMode",
            one("AssertionEncryptionMode", "Allowed"),
        ),
        ("PrincipalArn", one("PrincipalArn", SAML_ARN)),
        (
            "AWSServiceName",
            one("AWSServiceName", "autoscaling.amazonaws.com"),
        ),
        ("CustomSuffix", one("CustomSuffix", "web")),
        ("TargetPrincipal", one("TargetPrincipal", "210987654321")),
        (
            "TaskPolicyArn",
            one(
                "TaskPolicyArn.arn",
                "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials",
            ),
        ),
        (
            "DelegationRequestId",
            one("DelegationRequestId", "dr-0123456789abcdef"),
        ),
        (
            "Permissions",
            one(
                "Permissions.PolicyTemplateArn",
                "arn:aws:iam::aws:policy/ReadOnlyAccess",
            ),
        ),
        (
            "RequestorWorkflowId",
            one("RequestorWorkflowId", "wf-12345"),
        ),
        (
            "NotificationChannel",
            one(
                "NotificationChannel",
                "arn:aws:sns:us-east-1:123456789012:t",
            ),
        ),
        ("SessionDuration", one("SessionDuration", "900")),
        (
            "EntityArn",
            one(
                "EntityArn",
                "arn:aws:iam::123456789012:delegation-request/dr-0123456789abcdef",
            ),
        ),
        ("TradeInToken", one("TradeInToken", "opaque-trade-in-token")),
        ("Notes", one("Notes", "n")),
        (
            "DeletionTaskId",
            one(
                "DeletionTaskId",
                "task/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling_web/0b5e5a5c-1111-2222-3333-444455556666",
            ),
        ),
        (
            "SAMLAssertion",
            one("SAMLAssertion", "PHNhbWxwOlJlc3BvbnNlLz4="),
        ),
    ]
}

fn params(members: &[&Member]) -> Params {
    Params::from_pairs(members.iter().flat_map(|(_, pairs)| pairs.iter().cloned()))
        .expect("filler parameters are unique")
}

/// The operation decoded with every member it has (`full`), or with only those it requires:
/// each member is dropped in turn while the operation still decodes without it.
fn input(name: &str, access_key_id: &str, full: bool) -> Operation {
    let members = filler(access_key_id);
    let mut kept: Vec<&Member> = members.iter().collect();
    let decoded = Operation::decode(name, None, &params(&kept))
        .unwrap_or_else(|e| panic!("{name} decodes from the filler: {e}"));
    if full {
        return decoded;
    }
    let mut i = 0;
    while i < kept.len() {
        let mut without = kept.clone();
        without.remove(i);
        if Operation::decode(name, None, &params(&without)).is_ok() {
            kept = without;
        } else {
            i += 1;
        }
    }
    Operation::decode(name, None, &params(&kept)).expect("the required members decode")
}

// ---------------------------------------------------------------------------------------------
// What the table expects

/// Operations whose target is `None` by design: they are not authorized through
/// `Service::target`.
const AUTHORIZED_ELSEWHERE: &[(&str, &str)] = &[
    (
        "GetCallerIdentity",
        "never denied: AWS answers it whatever the caller's policies say",
    ),
    (
        "GetSessionToken",
        "needs no permission (AWS); only what kind of credentials call it is checked (authorize::session_restrictions)",
    ),
    (
        "AssumeRole",
        "authorized by its handler (sts/assume_role.rs) on the role's ARN (resource type `role`) against the trust policy and the caller's policies, with sts:TagSession and sts:SetSourceIdentity beside it",
    ),
    (
        "AssumeRoleWithWebIdentity",
        "unsigned: authorized by its handler (sts/web_identity.rs) on the role's ARN (resource type `role`) against the trust policy alone, with the OIDC provider as the Federated principal, sts:TagSession and sts:SetSourceIdentity beside it",
    ),
    (
        "AssumeRoleWithSAML",
        "unsigned: authorized by its handler (sts/saml.rs) on the role's ARN (resource type `role`) against the trust policy alone, with the SAML provider as the Federated principal, sts:TagSession and sts:SetSourceIdentity beside it",
    ),
];

/// Actions of the reference that Rolegate authorizes though no operation has their name.
const AUTHORIZATION_ONLY: &[&str] = &[
    // AddRoleToInstanceProfile's further target.
    "iam:PassRole",
    // AssumeRole with session tags, GetFederationToken with tags.
    "sts:TagSession",
    // AssumeRole with SourceIdentity.
    "sts:SetSourceIdentity",
];

/// A known disagreement with the reference. The test fails when an entry no longer disagrees,
/// so that it is removed once fixed: in scenario `seen_in` the operation's `slot` must still
/// be exactly `ours` where the reference says `reference`; in the other scenarios the same
/// operation and slot may disagree too.
struct Known {
    op: &'static str,
    /// `action`, `resource`, `also[N] resource`, `condition key K`…
    slot: &'static str,
    seen_in: &'static str,
    ours: &'static str,
    reference: &'static str,
}

/// The scenario the `ours` of most entries is taken in.
const BASE: &str = "user, required members, empty store";
const ROLE: &str = "role session, required members, empty store";

// Every entry is a disagreement to fix in `authorize.rs` (or to keep, with its reason written
// here, if AWS's own behaviour is what we follow).
const KNOWN_MISMATCHES: &[Known] = &[
    // Kept: the List* calls that have no resource type in the reference are authorized on the
    // resource type's ARN with the path prefix (`user/` + PathPrefix), which is what AWS's
    // own AccessDenied messages name for them ("… iam:ListUsers on resource:
    // arn:aws:iam::ACCOUNT:user/"), so a policy scoped to `arn:aws:iam::*:user/*` decides
    // them here as it does in AWS.
    Known {
        op: "ListServerCertificates",
        slot: "resource",
        seen_in: BASE,
        ours: "arn:aws:iam::123456789012:server-certificate/",
        reference: "* (no resource types)",
    },
    Known {
        op: "ListUsers",
        slot: "resource",
        seen_in: BASE,
        ours: "arn:aws:iam::123456789012:user/",
        reference: "* (no resource types)",
    },
    Known {
        op: "ListGroups",
        slot: "resource",
        seen_in: BASE,
        ours: "arn:aws:iam::123456789012:group/",
        reference: "* (no resource types)",
    },
    Known {
        op: "ListRoles",
        slot: "resource",
        seen_in: BASE,
        ours: "arn:aws:iam::123456789012:role/",
        reference: "* (no resource types)",
    },
    Known {
        op: "ListPolicies",
        slot: "resource",
        seen_in: BASE,
        ours: "arn:aws:iam::123456789012:policy/",
        reference: "* (no resource types)",
    },
    Known {
        op: "ListInstanceProfiles",
        slot: "resource",
        seen_in: BASE,
        ours: "arn:aws:iam::123456789012:instance-profile/",
        reference: "* (no resource types)",
    },
    Known {
        op: "ListVirtualMFADevices",
        slot: "resource",
        seen_in: BASE,
        ours: "arn:aws:iam::123456789012:mfa/",
        reference: "* (no resource types)",
    },
    // An access key that does not exist names the account's root user: the reference has
    // only the `user` resource type for this call.
    // Kept: the model has UpdateDelegationRequest, the reference (as transcribed) no action of
    // that name; it is authorized as `iam:UpdateDelegationRequest`, as every other operation
    // is by its own name.
    Known {
        op: "UpdateDelegationRequest",
        slot: "action",
        seen_in: BASE,
        ours: "iam:UpdateDelegationRequest",
        reference: "no such action",
    },
    // A delegation request being created has no id yet: its resource is every delegation
    // request of the account.
    Known {
        op: "CreateDelegationRequest",
        slot: "resource",
        seen_in: BASE,
        ours: "arn:aws:iam::123456789012:delegation-request/*",
        reference: "arn:${Partition}:iam::${Account}:delegation-request/${DelegationRequestId}",
    },
    Known {
        op: "GetAccessKeyLastUsed",
        slot: "resource",
        seen_in: BASE,
        ours: "arn:aws:iam::123456789012:root",
        reference: USER_FORMAT,
    },
];

const USER_FORMAT: &str = "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}";

// ---------------------------------------------------------------------------------------------
// The check

/// One disagreement found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Mismatch {
    op: String,
    slot: String,
    ours: String,
    reference: String,
}

/// Checks one target of `op` (the main one when `slot` is empty) against the reference.
fn check(
    reference: &Reference,
    op: &str,
    expected_action: Option<&str>,
    slot: &str,
    t: &Target,
    out: &mut Vec<Mismatch>,
) {
    let mut mismatch = |what: &str, ours: String, theirs: String| {
        out.push(Mismatch {
            op: op.to_owned(),
            slot: format!("{slot}{what}"),
            ours,
            reference: theirs,
        })
    };
    if let Some(expected) = expected_action
        && t.action != expected
    {
        mismatch("action", t.action.clone(), expected.to_owned());
    }
    let Some((service, action)) = reference.action(&t.action) else {
        mismatch("action", t.action.clone(), "no such action".into());
        return;
    };

    // The resource ARN.
    let formats: Vec<&str> = action
        .resource_types
        .iter()
        .map(|r| service.resource_type(&r.name).arn.as_str())
        .collect();
    let none_required = action.resource_types.iter().all(|r| !r.required);
    let conforms = if t.resource == "*" {
        none_required
    } else {
        formats.iter().any(|f| arn_matches(f, &t.resource))
    };
    if !conforms {
        let theirs = if formats.is_empty() {
            "* (no resource types)".to_owned()
        } else {
            formats.join(" | ")
        };
        mismatch("resource", t.resource.clone(), theirs);
    }

    // The service-specific condition keys the target carries, and the tag keys.
    let mut allowed: BTreeSet<&str> = action.condition_keys.iter().map(String::as_str).collect();
    for r in &action.resource_types {
        allowed.extend(r.condition_keys.iter().map(String::as_str));
        allowed.extend(
            service
                .resource_type(&r.name)
                .condition_keys
                .iter()
                .map(String::as_str),
        );
    }
    let mut carried: Vec<&str> = t
        .keys
        .iter()
        .map(|(k, _)| *k)
        .chain(t.multi_keys.iter().map(|(k, _)| *k))
        .collect();
    if !t.request_tags.is_empty() {
        carried.extend(["aws:RequestTag/${TagKey}", "aws:TagKeys"]);
    }
    if !t.tag_keys.is_empty() {
        carried.push("aws:TagKeys");
    }
    for key in carried {
        if !allowed.contains(&key) {
            mismatch(
                &format!("condition key {key}"),
                "carried".into(),
                format!("not listed for {}", t.action),
            );
        }
    }
}

async fn open_service(dir: &std::path::Path, name: &str) -> Service {
    let store = SqliteStore::open(&dir.join(name))
        .await
        .expect("open the SQLite store");
    let service = Service::new(
        Arc::new(store),
        Arc::new(SystemClock),
        ServiceConfig {
            account_id: ACCOUNT.into(),
            max_staleness: Duration::from_secs(2),
        },
    );
    service.ensure_keyring().await.expect("keyring");
    service.bootstrap(None).await.expect("bootstrap");
    service
}

fn env() -> RequestEnv {
    RequestEnv {
        request_id: "authorization-reference".into(),
        source_ip: None,
        secure_transport: true,
        user_agent: None,
        region: "us-east-1".into(),
        now: time::OffsetDateTime::now_utc(),
    }
}

fn caller(identity: Identity) -> Caller {
    Caller {
        account: ACCOUNT.into(),
        identity,
        access_key_id: "AKIAAUTHORIZATIONREF".into(),
        session: None,
    }
}

fn user(path: &str) -> Caller {
    caller(Identity::User {
        name: "alice".into(),
        id: "AIDAAUTHORIZATIONREF1".into(),
        path: path.into(),
    })
}

/// Creates, as the root user, every entity the filler names (under `/eng/`); returns alice's
/// access key id.
async fn populate(service: &Service) -> String {
    let root = caller(Identity::Root);
    let run = |name: &'static str, pairs: &[(&str, &str)]| {
        let p = Params::from_strs(pairs).expect("params");
        let op = Operation::decode(name, None, &p).expect("decodes");
        let root = root.clone();
        async move {
            let reply = service
                .execute(&root, op, &env())
                .await
                .unwrap_or_else(|e| panic!("{name}: {e:?}"));
            match reply.result() {
                None => String::new(),
                Some(result) => rolegate_proto::xml::render_response(
                    name,
                    Api::Iam.namespace(),
                    Some(result),
                    "r",
                ),
            }
        }
    };
    for policy in ["p", "boundary"] {
        run(
            "CreatePolicy",
            &[
                ("PolicyName", policy),
                ("Path", "/eng/"),
                ("PolicyDocument", DOCUMENT),
            ],
        )
        .await;
    }
    run(
        "CreateUser",
        &[
            ("UserName", "alice"),
            ("Path", "/eng/"),
            ("PermissionsBoundary", BOUNDARY_ARN),
        ],
    )
    .await;
    run("CreateGroup", &[("GroupName", "devs"), ("Path", "/eng/")]).await;
    run(
        "CreateRole",
        &[
            ("RoleName", "deploy"),
            ("Path", "/eng/"),
            ("AssumeRolePolicyDocument", TRUST),
            ("PermissionsBoundary", BOUNDARY_ARN),
        ],
    )
    .await;
    run(
        "CreateInstanceProfile",
        &[("InstanceProfileName", "web"), ("Path", "/eng/")],
    )
    .await;
    run(
        "CreateOpenIDConnectProvider",
        &[
            ("Url", OIDC_URL),
            ("ClientIDList.member.1", "sts.amazonaws.com"),
        ],
    )
    .await;
    run(
        "CreateSAMLProvider",
        &[
            ("Name", "fed-alice"),
            ("SAMLMetadataDocument", saml_metadata()),
        ],
    )
    .await;
    run(
        "CreateVirtualMFADevice",
        &[("VirtualMFADeviceName", "alice-mfa"), ("Path", "/eng/")],
    )
    .await;
    let created = run("CreateAccessKey", &[("UserName", "alice")]).await;
    let id = created
        .split_once("<AccessKeyId>")
        .and_then(|(_, rest)| rest.split_once("</AccessKeyId>"))
        .map(|(id, _)| id.to_owned())
        .expect("CreateAccessKey returns the key id");
    assert!(id.starts_with("AKIA"), "{id}");
    id
}

/// Every operation of one scenario: the mismatches found, and the actions of the further
/// targets checked.
async fn scenario(
    reference: &Reference,
    service: &Service,
    caller: &Caller,
    access_key_id: &str,
    full: bool,
) -> (Vec<Mismatch>, BTreeSet<String>) {
    let mut out = Vec::new();
    let mut further = BTreeSet::new();
    // Organizations' rows have their own table test (`organizations_authorization.rs`).
    for row in Operation::ALL
        .iter()
        .filter(|r| matches!(r.service, Api::Iam | Api::Sts))
    {
        let (name, api) = (&row.name, &row.service);
        let op = input(name, access_key_id, full);
        let target = match service.target(caller, &op).await {
            // A session that names no user is refused before authorization, as AWS does:
            // there is no user to authorize on.
            Err(rolegate_service::ServiceError::Validation(m))
                if m == "Must specify userName when calling with non-User credentials"
                    && matches!(
                        caller.identity,
                        Identity::AssumedRole { .. } | Identity::FederatedUser { .. }
                    ) =>
            {
                continue;
            }
            other => other.unwrap_or_else(|e| panic!("{name}: target: {e:?}")),
        };
        let elsewhere = AUTHORIZED_ELSEWHERE.iter().any(|(n, _)| n == name);
        let Some(target) = target else {
            assert!(
                elsewhere,
                "{name} has no target but is not listed in AUTHORIZED_ELSEWHERE"
            );
            continue;
        };
        assert!(
            !elsewhere,
            "{name} is listed in AUTHORIZED_ELSEWHERE but has a target"
        );
        let expected = format!("{}:{name}", api.signing_name());
        check(reference, name, Some(&expected), "", &target, &mut out);
        // The other way round for the key a delegated administrator's policy hangs on: every
        // call the reference gives `iam:PermissionsBoundary` carries it when the user or role
        // acted on has a boundary (the stored ones do: `populate`). Creating one carries it
        // only when the request names a boundary.
        let lists_boundary = reference.action(&expected).is_some_and(|(_, a)| {
            a.condition_keys
                .iter()
                .any(|k| k == "iam:PermissionsBoundary")
        });
        if lists_boundary
            && access_key_id != UNKNOWN_KEY
            && !matches!(*name, "CreateUser" | "CreateRole")
            && !target
                .keys
                .iter()
                .any(|(k, _)| *k == "iam:PermissionsBoundary")
        {
            out.push(Mismatch {
                op: (*name).to_owned(),
                slot: "condition key iam:PermissionsBoundary".into(),
                ours: "absent".into(),
                reference: "listed for the action".into(),
            });
        }
        for (i, more) in target.also.iter().enumerate() {
            // A rename's target is the same action; PassRole is its own.
            let same = (more.action == target.action).then_some(expected.as_str());
            check(
                reference,
                name,
                same,
                &format!("also[{i}] "),
                more,
                &mut out,
            );
            further.insert(format!("{name} {}", more.action));
        }
    }
    (out, further)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_is_authorized_as_the_service_authorization_reference_says() {
    let reference = Reference::load();
    let dir = std::env::temp_dir().join(format!(
        "rolegate-authorization-reference-{}-{}",
        std::process::id(),
        time::OffsetDateTime::now_utc().unix_timestamp_nanos()
    ));
    std::fs::create_dir_all(&dir).expect("temporary directory");

    let empty = open_service(&dir, "empty.db").await;
    let stored = open_service(&dir, "stored.db").await;
    let key = populate(&stored).await;
    let role = caller(Identity::AssumedRole {
        role_name: "deploy".into(),
        role_id: "AROAAUTHORIZATIONREF1".into(),
        role_path: "/".into(),
        session_name: "s1".into(),
    });

    let scenarios: Vec<(&str, &Service, Caller, &str, bool)> = vec![
        (BASE, &empty, user("/"), UNKNOWN_KEY, false),
        (
            "user, every member, empty store",
            &empty,
            user("/"),
            UNKNOWN_KEY,
            true,
        ),
        (
            "user, required members, entities stored",
            &stored,
            user("/eng/"),
            key.as_str(),
            false,
        ),
        (
            "user, every member, entities stored",
            &stored,
            user("/eng/"),
            key.as_str(),
            true,
        ),
        (ROLE, &empty, role.clone(), UNKNOWN_KEY, false),
        (
            "role session, required members, entities stored",
            &stored,
            role,
            key.as_str(),
            false,
        ),
    ];

    let mut failures = Vec::new();
    let mut still_seen = BTreeSet::new();
    let mut further = BTreeSet::new();
    for (label, service, caller, key, full) in &scenarios {
        let (mut found, more) = scenario(&reference, service, caller, key, *full).await;
        further.extend(more);
        found.sort();
        found.dedup();
        for m in &found {
            let known = KNOWN_MISMATCHES
                .iter()
                .position(|k| k.op == m.op && k.slot == m.slot);
            match known {
                Some(i) => {
                    println!(
                        "known mismatch ({label}): {} {}: ours {}, reference {}",
                        m.op, m.slot, m.ours, m.reference
                    );
                    let k = &KNOWN_MISMATCHES[i];
                    if k.seen_in == *label && k.ours == m.ours && k.reference == m.reference {
                        still_seen.insert(i);
                    }
                }
                None => failures.push(format!(
                    "{label}: {} {}: ours {}, the reference's {}",
                    m.op, m.slot, m.ours, m.reference
                )),
            }
        }
    }
    for (i, k) in KNOWN_MISMATCHES.iter().enumerate() {
        if !still_seen.contains(&i) {
            failures.push(format!(
                "KNOWN_MISMATCHES entry {} {} (ours {}, reference {}) is no longer seen as such in \"{}\": remove or update it",
                k.op, k.slot, k.ours, k.reference, k.seen_in
            ));
        }
    }

    // The further targets were checked too: a rename's, a move's, and PassRole.
    for expected in [
        "UpdateUser iam:UpdateUser",
        "UpdateGroup iam:UpdateGroup",
        "AddRoleToInstanceProfile iam:PassRole",
    ] {
        assert!(
            further.contains(expected),
            "{expected} was checked: {further:?}"
        );
    }

    // The actions authorized elsewhere or without an operation of their own are in the
    // reference, and AssumeRole's role ARN is of its resource type.
    let elsewhere = AUTHORIZED_ELSEWHERE.iter().map(|(n, _)| {
        let api = Operation::service_of(n).expect("an operation");
        format!("{}:{n}", api.signing_name())
    });
    for action in AUTHORIZATION_ONLY
        .iter()
        .map(|a| (*a).to_owned())
        .chain(elsewhere)
    {
        if reference.action(&action).is_none() {
            failures.push(format!("{action} is not in the reference"));
        }
    }
    let (sts, assume) = reference.action("sts:AssumeRole").expect("sts:AssumeRole");
    assert!(
        assume
            .resource_types
            .iter()
            .any(|r| arn_matches(&sts.resource_type(&r.name).arn, ROLE_ARN)),
        "AssumeRole is authorized on the role's ARN"
    );

    // The other way round: what the reference lists that Rolegate does not answer (issue 17).
    let ours: BTreeSet<String> = Operation::ALL
        .iter()
        .map(|row| format!("{}:{}", row.service.signing_name(), row.name))
        .chain(AUTHORIZATION_ONLY.iter().map(|a| (*a).to_owned()))
        .collect();
    let mut missing = Vec::new();
    for (prefix, service) in [("iam", &reference.iam), ("sts", &reference.sts)] {
        for a in &service.actions {
            let action = format!("{prefix}:{}", a.name);
            if !ours.contains(&action) {
                missing.push(action);
            }
        }
    }
    println!(
        "{} actions of the reference have no operation in Rolegate: {}",
        missing.len(),
        missing.join(", ")
    );

    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        failures.is_empty(),
        "{} disagreement(s) with the Service Authorization Reference:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn arn_formats_match_as_aws_writes_them() {
    let user = "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}";
    assert!(arn_matches(user, "arn:aws:iam::123456789012:user/alice"));
    assert!(arn_matches(
        user,
        "arn:aws:iam::123456789012:user/eng/ops/alice"
    ));
    assert!(arn_matches(
        user,
        "arn:aws-us-gov:iam::123456789012:user/alice"
    ));
    assert!(!arn_matches(user, "arn:aws:iam::123456789012:user/"));
    assert!(!arn_matches(user, "arn:aws:iam::123456789012:user//alice"));
    assert!(!arn_matches(user, "arn:aws:iam::123456789012:role/alice"));
    assert!(!arn_matches(user, "arn:aws:iam::12345678901:user/alice"));
    assert!(!arn_matches(user, "arn:aws:iam::123456789012:root"));
    assert!(!arn_matches(user, "*"));
    let policy = "arn:${Partition}:iam::${Account}:policy/${PolicyNameWithPath}";
    assert!(arn_matches(
        policy,
        "arn:aws:iam::aws:policy/ReadOnlyAccess"
    ));
    let session = "arn:${Partition}:sts::${Account}:federated-user/${FederatedUserName}";
    assert!(arn_matches(
        session,
        "arn:aws:sts::123456789012:federated-user/bob"
    ));
    assert!(!arn_matches(
        session,
        "arn:aws:sts::123456789012:federated-user/a/b"
    ));
}

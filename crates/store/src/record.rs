//! The persisted shapes, versioned: today every record is `v1`. A change of shape adds
//! `mod v2` with a conversion from v1 and re-exports it, so old rows keep reading.
//!
//! Times are unix seconds (UTC). Secrets stored here (access key secrets, keyring keys, MFA
//! seeds) are [`Secret`]s: stored as plain strings, never printed by `Debug`, only ever read
//! back to verify signatures, seal tokens or check codes, and never rendered after the
//! response that created them.

use serde::{Serialize, de::DeserializeOwned};

pub use crate::Secret;

/// Kinds of record.
pub mod kind {
    /// An account (GLOBAL scope, keyed by account id).
    pub const ACCOUNT: &str = "account";
    /// An access key (GLOBAL scope, keyed by access key id).
    pub const ACCESS_KEY: &str = "access-key";
    /// A user (keyed by lowercased name).
    pub const USER: &str = "user";
    /// A group.
    pub const GROUP: &str = "group";
    /// A role.
    pub const ROLE: &str = "role";
    /// A customer managed policy.
    pub const POLICY: &str = "policy";
    /// Usage counters of an AWS managed policy within an account (keyed by policy ARN).
    pub const AWS_POLICY_USAGE: &str = "aws-policy-usage";
    /// An instance profile.
    pub const INSTANCE_PROFILE: &str = "instance-profile";
    /// The session-token keyring (GLOBAL scope, key [`super::KEYRING_KEY`]).
    pub const KEYRING: &str = "keyring";
    /// A virtual MFA device (keyed by lowercased name).
    pub const MFA_DEVICE: &str = "mfa-device";
    /// A user's console password (keyed by the user's lowercased name).
    pub const LOGIN_PROFILE: &str = "login-profile";
    /// The account's password policy (key [`super::PASSWORD_POLICY_KEY`]).
    pub const PASSWORD_POLICY: &str = "password-policy";
    /// An account alias (GLOBAL scope, keyed by the alias: aliases are unique across
    /// accounts).
    pub const ACCOUNT_ALIAS: &str = "account-alias";
    /// A user's service-specific credentials, all in one record (keyed by the user's
    /// lowercased name), so the per-service quota holds under concurrent creates.
    pub const SERVICE_CREDENTIALS: &str = "service-credentials";
    /// A user's SSH public keys, all in one record (keyed by the user's lowercased name), so
    /// the per-user quota holds under concurrent uploads.
    pub const SSH_PUBLIC_KEYS: &str = "ssh-public-keys";
    /// A user's (or the root user's, key [`super::ROOT_CREDENTIALS_KEY`]) X.509 signing
    /// certificates, all in one record.
    pub const SIGNING_CERTIFICATES: &str = "signing-certificates";
    /// Which user holds a signing certificate (keyed by the SHA-256 of its DER, hex): a
    /// certificate is one user's in the account, even under concurrent uploads.
    pub const SIGNING_CERTIFICATE_OWNER: &str = "signing-certificate-owner";
    /// A server certificate (keyed by lowercased name); its private key is a secret.
    pub const SERVER_CERTIFICATE: &str = "server-certificate";
    /// The account's credential report (key [`super::CREDENTIAL_REPORT_KEY`]).
    pub const CREDENTIAL_REPORT: &str = "credential-report";
    /// The account's STS preferences (key [`super::STS_PREFERENCES_KEY`]).
    pub const STS_PREFERENCES: &str = "sts-preferences";
    /// An OpenID Connect provider (keyed by its issuer without `https://`: `HOST[:PORT]/PATH`,
    /// exactly as the ARN and the tokens' `iss` spell it).
    pub const OIDC_PROVIDER: &str = "oidc-provider";
    /// A SAML provider (keyed by lowercased name).
    pub const SAML_PROVIDER: &str = "saml-provider";
    /// An assertion ID already used by AssumeRoleWithSAML (scope: the account; key: the
    /// issuer and the assertion ID), kept until the assertion expires.
    pub const SAML_ASSERTION: &str = "saml-assertion";
    /// The organization (GLOBAL scope, key [`super::ORGANIZATION_KEY`]): its root, OUs,
    /// member accounts, policies and their attachments, in one record.
    pub const ORGANIZATION: &str = "organization";
    /// An audit event (CloudTrail record), scoped to its recipient account and keyed by
    /// inverted time then event id, so that a listing is newest first.
    pub const AUDIT_EVENT: &str = "audit-event";
    /// The key that signs the audit trail's digest files (GLOBAL scope, key
    /// [`super::AUDIT_SIGNING_KEY`]).
    pub const AUDIT_SIGNING_KEY: &str = "audit-signing-key";
    /// How far an account's audit archive was exported (GLOBAL scope, keyed by the account
    /// id), so that verification finds digests deleted at the end of the chain.
    pub const AUDIT_CHAIN_HEAD: &str = "audit-chain-head";
    /// A DeleteServiceLinkedRole task (keyed by its task id).
    pub const SLR_DELETION: &str = "slr-deletion-task";
    /// A last-accessed report job (GenerateServiceLastAccessedDetails,
    /// GenerateOrganizationsAccessReport), keyed by its job id.
    pub const ACCESS_REPORT_JOB: &str = "access-report-job";
    /// An account's outbound identity federation: the switch, its issuer and signing keys
    /// (key [`super::OUTBOUND_FEDERATION_KEY`]).
    pub const OUTBOUND_FEDERATION: &str = "outbound-federation";
    /// Which account an outbound issuer id belongs to (GLOBAL scope, keyed by the id), so
    /// the unsigned issuer documents find the account.
    pub const OUTBOUND_ISSUER: &str = "outbound-issuer";
}

/// The key of an account's one outbound federation record.
pub const OUTBOUND_FEDERATION_KEY: &str = "outbound";

/// The key of the one audit signing key record.
pub const AUDIT_SIGNING_KEY: &str = "digest";

/// The key of the root user's records among users' (a key no user name can have: names
/// never contain `:`).
pub const ROOT_CREDENTIALS_KEY: &str = ":root";

/// The key of an account's STS preferences.
pub const STS_PREFERENCES_KEY: &str = "sts";

/// The key of an account's one credential report.
pub const CREDENTIAL_REPORT_KEY: &str = "report";

/// The key of an account's one password-policy record.
pub const PASSWORD_POLICY_KEY: &str = "policy";

/// The key of the one organization record.
pub const ORGANIZATION_KEY: &str = "organization";

/// The key of the one keyring record.
pub const KEYRING_KEY: &str = "session-tokens";

/// A record type and its kind.
pub trait Entity: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    /// The kind it is stored under.
    const KIND: &'static str;
}

mod v1 {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Serialize};

    use crate::Secret;

    /// A tag.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Tag {
        /// Key.
        pub key: String,
        /// Value.
        pub value: String,
    }

    /// An account.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Account {
        /// 12 digits.
        pub id: String,
        /// Created at.
        pub created: i64,
        /// The root user's access key ids.
        #[serde(default)]
        pub root_access_keys: Vec<String>,
        /// Closed (Organizations' CloseAccount): its principals may do nothing, in or out of
        /// an organization.
        #[serde(default)]
        pub closed: bool,
        /// The account's alias (at most one), as created.
        #[serde(default)]
        pub alias: Option<String>,
    }

    /// A user's service-specific credentials.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ServiceCredentials {
        /// The user's name as created.
        pub user_name: String,
        /// The user's unique id: the credentials belong to that user only.
        pub user_id: String,
        /// The credentials, oldest first.
        pub credentials: Vec<ServiceCredential>,
    }

    /// One service-specific credential.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ServiceCredential {
        /// `ACCA…`.
        pub id: String,
        /// `codecommit.amazonaws.com`, `cassandra.amazonaws.com` or `bedrock.amazonaws.com`.
        pub service: String,
        /// The user name the service knows (`alice-at-123456789012`), or the Bedrock API
        /// key's alias.
        pub service_user: String,
        /// SHA-256 of the password or secret (random, high entropy): what a service would
        /// check, never the secret itself.
        pub secret_hash: Secret,
        /// `Active` or `Inactive`.
        pub active: bool,
        /// Created at.
        pub created: i64,
        /// Expires at (Bedrock API keys with an age), unix seconds.
        #[serde(default)]
        pub expires: Option<i64>,
    }

    /// A user's SSH public keys.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct SshPublicKeys {
        /// The user's name as created.
        pub user_name: String,
        /// The user's unique id: the keys belong to that user only.
        pub user_id: String,
        /// The keys, oldest first.
        pub keys: Vec<SshPublicKey>,
    }

    /// One SSH public key.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct SshPublicKey {
        /// `APKA…`.
        pub id: String,
        /// The key as uploaded.
        pub body: String,
        /// The key blob in SSH wire format, base64 (what both encodings are made from).
        pub blob: String,
        /// MD5 of the blob, colon-separated hex.
        pub fingerprint: String,
        /// `Active` or `Inactive`.
        pub active: bool,
        /// Uploaded at.
        pub uploaded: i64,
    }

    /// A user's (or the root user's) signing certificates.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct SigningCertificates {
        /// The user's name as created (the account id for the root user).
        pub user_name: String,
        /// The user's unique id (the account id for the root user).
        pub user_id: String,
        /// The certificates, oldest first.
        pub certificates: Vec<SigningCertificate>,
    }

    /// One signing certificate.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct SigningCertificate {
        /// 28 characters.
        pub id: String,
        /// The PEM as uploaded.
        pub body: String,
        /// SHA-256 of the DER, hex: the key of its [`SigningCertificateOwner`].
        pub digest: String,
        /// `Active` or `Inactive`.
        pub active: bool,
        /// Uploaded at.
        pub uploaded: i64,
    }

    /// Which user holds a signing certificate.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct SigningCertificateOwner {
        /// The holder's unique id (the account id for the root user).
        pub user_id: String,
    }

    /// A server certificate.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ServerCertificate {
        /// The name as uploaded.
        pub name: String,
        /// `ASCA…`.
        pub id: String,
        /// The path.
        pub path: String,
        /// The certificate, PEM as uploaded.
        pub body: String,
        /// The chain, PEM as uploaded.
        #[serde(default)]
        pub chain: Option<String>,
        /// The private key, PEM as uploaded: kept for the services that would serve the
        /// certificate, never returned.
        pub private_key: Secret,
        /// The certificate's `notAfter`.
        pub expiration: i64,
        /// Uploaded at.
        pub uploaded: i64,
        /// Tags.
        pub tags: Vec<Tag>,
    }

    /// The account's last credential report (CSV; no secrets in it).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct CredentialReport {
        /// When it was generated.
        pub generated: i64,
        /// The CSV.
        pub content: String,
    }

    /// The account's STS preferences.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct StsPreferences {
        /// `GlobalEndpointTokenVersion`: 1 (`v1Token`) or 2 (`v2Token`).
        pub global_endpoint_token_version: u8,
    }

    /// Which account an alias names.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct AccountAlias {
        /// The account.
        pub account: String,
    }

    /// A user's console password.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct LoginProfile {
        /// The user's name as created.
        pub user_name: String,
        /// The user's unique id (`AIDA…`): a profile belongs to that user only.
        pub user_id: String,
        /// Created at.
        pub created: i64,
        /// The password's Argon2id hash (PHC string).
        pub hash: Secret,
        /// When the password was set (for the policy's maximum age).
        pub set_at: i64,
        /// The user must choose a new password at the next sign-in.
        pub reset_required: bool,
        /// The hashes of the passwords before it, newest first (the policy's reuse
        /// prevention reads at most 24).
        #[serde(default)]
        pub history: Vec<Secret>,
        /// Failed checks of the password (ChangePassword's old password) since the last
        /// accepted one: the guessing throttle's count.
        #[serde(default)]
        pub failures: u32,
        /// When the last failed check happened (unix seconds; 0: never).
        #[serde(default)]
        pub failed_at: i64,
        /// Until when every check is refused without looking at the password.
        #[serde(default)]
        pub locked_until: i64,
    }

    /// The account's password policy; absent means AWS's default policy.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct PasswordPolicy {
        /// Minimum length (6–128).
        pub minimum_length: u32,
        /// At least one of `! @ # $ % ^ & * ( ) _ + - = [ ] { } | '`.
        pub require_symbols: bool,
        /// At least one digit.
        pub require_numbers: bool,
        /// At least one of A–Z.
        pub require_uppercase: bool,
        /// At least one of a–z.
        pub require_lowercase: bool,
        /// Users may change their own password (`iam:ChangePassword` on themselves).
        pub allow_users_to_change: bool,
        /// Days a password is valid (none: forever).
        pub max_age_days: Option<u32>,
        /// How many previous passwords may not be reused.
        pub reuse_prevention: Option<u32>,
        /// An expired password cannot be changed by its user.
        pub hard_expiry: Option<bool>,
    }

    /// Who owns an access key.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    pub enum KeyOwner {
        /// The account root.
        Root,
        /// An IAM user.
        User {
            /// Name as created.
            name: String,
            /// Unique id (AIDA…).
            id: String,
        },
    }

    /// When and where a key was last used.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct LastUsed {
        /// When.
        pub at: i64,
        /// Service signing name.
        pub service: String,
        /// Region.
        pub region: String,
    }

    /// A long-term access key.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct AccessKey {
        /// `AKIA…`.
        pub id: String,
        /// The owning account.
        pub account: String,
        /// The owner.
        pub owner: KeyOwner,
        /// The secret access key.
        pub secret: Secret,
        /// `Active` or `Inactive`.
        pub active: bool,
        /// Created at.
        pub created: i64,
        /// Last use.
        pub last_used: Option<LastUsed>,
    }

    /// A user.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct User {
        /// Name as created.
        pub name: String,
        /// `AIDA…`.
        pub id: String,
        /// Path.
        pub path: String,
        /// Created at.
        pub created: i64,
        /// Tags.
        pub tags: Vec<Tag>,
        /// Permissions boundary policy ARN.
        pub boundary: Option<String>,
        /// Inline policies by name.
        pub inline: BTreeMap<String, String>,
        /// Attached managed policy ARNs, in attach order.
        pub attached: Vec<String>,
        /// Group names (as created), in join order.
        pub groups: Vec<String>,
        /// Access key ids.
        pub access_keys: Vec<String>,
        /// Serial numbers of the MFA devices enabled for the user.
        #[serde(default)]
        pub mfa_devices: Vec<String>,
    }

    /// A group.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Group {
        /// Name as created.
        pub name: String,
        /// `AGPA…`.
        pub id: String,
        /// Path.
        pub path: String,
        /// Created at.
        pub created: i64,
        /// Inline policies by name.
        pub inline: BTreeMap<String, String>,
        /// Attached managed policy ARNs.
        pub attached: Vec<String>,
        /// Member user names (as created).
        pub members: Vec<String>,
    }

    /// A role.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Role {
        /// Name as created.
        pub name: String,
        /// `AROA…`.
        pub id: String,
        /// Path.
        pub path: String,
        /// Created at.
        pub created: i64,
        /// The trust policy, as written.
        pub trust: String,
        /// The user and role ARNs the trust policy names, each with the unique id of the
        /// principal it named when the policy was saved (AWS trusts the principal, not a later
        /// namesake).
        #[serde(default)]
        pub trust_ids: BTreeMap<String, String>,
        /// Description.
        pub description: Option<String>,
        /// Maximum session duration, seconds.
        pub max_session_duration: i64,
        /// Permissions boundary policy ARN.
        pub boundary: Option<String>,
        /// Tags.
        pub tags: Vec<Tag>,
        /// Inline policies by name.
        pub inline: BTreeMap<String, String>,
        /// Attached managed policy ARNs.
        pub attached: Vec<String>,
        /// Instance profile names (as created).
        pub instance_profiles: Vec<String>,
        /// Last use by a session.
        pub last_used: Option<LastUsed>,
        /// The AWS service a service-linked role belongs to (`elasticbeanstalk.amazonaws.com`):
        /// set only by CreateServiceLinkedRole, which alone may create a role under
        /// `/aws-service-role/`. Ordinary calls cannot edit or delete such a role, and SCPs do
        /// not apply to it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub service_linked: Option<String>,
    }

    /// A deletion task of DeleteServiceLinkedRole (keyed by its task id), for
    /// GetServiceLinkedRoleDeletionStatus.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ServiceLinkedRoleDeletion {
        /// The role's name.
        pub role_name: String,
        /// The service it was linked to.
        pub service: String,
        /// `SUCCEEDED` or `FAILED`.
        pub status: String,
        /// Why it failed.
        pub reason: Option<String>,
        /// Started at.
        pub created: i64,
    }

    /// A last-accessed report job, computed when it is generated and kept for the reads that
    /// page through it (any node answers them).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct AccessReportJob {
        /// `SERVICE_LEVEL`, `ACTION_LEVEL`, or `ORGANIZATIONS` for an Organizations access report.
        pub job_type: String,
        /// Who generated it: the user's, role's (for a session) or root's ARN; only it reads
        /// the job (AWS: "must be used by the same role within a session, or by the same user").
        pub owner: String,
        /// The ARN (or, for an Organizations report, the entity path) it is about.
        pub subject: String,
        /// `IN_PROGRESS`, `COMPLETED` or `FAILED`.
        pub status: String,
        /// Created at (Unix milliseconds).
        pub created_ms: i64,
        /// Completed or failed at (Unix milliseconds).
        pub completed_ms: Option<i64>,
        /// Why it failed: code and message.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub error: Option<(String, String)>,
        /// The services, in namespace order.
        pub services: Vec<ServiceAccess>,
    }

    /// One service of an access report.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ServiceAccess {
        /// `iam`, `s3`, …
        pub namespace: String,
        /// The service's name.
        pub name: String,
        /// Last access (Unix milliseconds).
        pub last_ms: Option<i64>,
        /// Who last accessed it (an ARN; for an Organizations report, the account's entity path).
        pub entity: Option<String>,
        /// Where.
        pub region: Option<String>,
        /// How many entities accessed it.
        pub total: i64,
        /// The tracked actions (ACTION_LEVEL jobs).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub actions: Vec<ActionAccess>,
        /// The entities that could access it, for GetServiceLastAccessedDetailsWithEntities.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub entities: Vec<EntityAccess>,
    }

    /// One tracked action of an ACTION_LEVEL job.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ActionAccess {
        /// The action's name (without the namespace).
        pub name: String,
        /// Last access (Unix milliseconds).
        pub last_ms: Option<i64>,
        /// Who.
        pub entity: Option<String>,
        /// Where.
        pub region: Option<String>,
    }

    /// One entity (user or role) of a report on a group or policy, or the user or role itself.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct EntityAccess {
        /// ARN.
        pub arn: String,
        /// Name.
        pub name: String,
        /// `USER`, `ROLE` or `GROUP`.
        pub entity_type: String,
        /// Unique id.
        pub id: String,
        /// Path.
        pub path: String,
        /// Its last access to the service (Unix milliseconds).
        pub last_ms: Option<i64>,
    }

    /// A version of a managed policy.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct PolicyVersion {
        /// `v1`, `v2`, …
        pub id: String,
        /// The document as written.
        pub document: String,
        /// Created at.
        pub created: i64,
    }

    /// A customer managed policy with its versions.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Policy {
        /// Name as created.
        pub name: String,
        /// `ANPA…`.
        pub id: String,
        /// Path.
        pub path: String,
        /// Description.
        pub description: Option<String>,
        /// Created at.
        pub created: i64,
        /// Updated at.
        pub updated: i64,
        /// The default version id.
        pub default_version: String,
        /// Versions (at most 5).
        pub versions: Vec<PolicyVersion>,
        /// Number for the next version id.
        pub next_version: u32,
        /// Tags.
        pub tags: Vec<Tag>,
        /// Users, groups and roles it is attached to.
        pub attachment_count: i64,
        /// Users and roles using it as a permissions boundary.
        pub boundary_usage_count: i64,
    }

    /// Usage of an AWS managed policy within one account.
    #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
    pub struct AwsPolicyUsage {
        /// Attachments.
        pub attachment_count: i64,
        /// Boundary uses.
        pub boundary_usage_count: i64,
    }

    /// An instance profile.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct InstanceProfile {
        /// Name as created.
        pub name: String,
        /// `AIPA…`.
        pub id: String,
        /// Path.
        pub path: String,
        /// Created at.
        pub created: i64,
        /// Role names (at most one).
        pub roles: Vec<String>,
        /// Tags.
        pub tags: Vec<Tag>,
    }

    /// One key of the session-token keyring.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct SessionKey {
        /// Key id, carried in every token sealed with it.
        pub id: u32,
        /// 32 bytes, base64.
        pub material: Secret,
        /// Created at.
        pub created: i64,
        /// When it stopped sealing new tokens; it still opens tokens until `retired + grace`.
        pub retired: Option<i64>,
    }

    /// The keys that seal and open session tokens; the newest unretired key seals.
    #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Keyring {
        /// Keys, oldest first.
        pub keys: Vec<SessionKey>,
    }

    /// Who a virtual MFA device is enabled for.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct MfaUser {
        /// User name as created.
        pub name: String,
        /// `AIDA…`.
        pub id: String,
        /// When it was enabled.
        pub enabled: i64,
    }

    /// A virtual MFA device.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct MfaDevice {
        /// Name as created.
        pub name: String,
        /// Path.
        pub path: String,
        /// Created at.
        pub created: i64,
        /// The TOTP seed, base32.
        pub seed: Secret,
        /// The user it is enabled for.
        pub user: Option<MfaUser>,
        /// The last TOTP time step accepted (a code is accepted once).
        pub last_step: i64,
        /// Tags.
        pub tags: Vec<Tag>,
        /// Failed code checks since the last accepted code (the throttle's count; records
        /// written before the throttle read as 0).
        #[serde(default)]
        pub failures: u32,
        /// When the last failed check happened (unix seconds; 0: never).
        #[serde(default)]
        pub failed_at: i64,
        /// Until when every check is refused without looking at the code (unix seconds).
        #[serde(default)]
        pub locked_until: i64,
    }

    /// An OpenID Connect identity provider.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct OidcProvider {
        /// The issuer without `https://` (`HOST[:PORT]/PATH`): the ARN's resource and the
        /// prefix of its condition keys.
        pub url: String,
        /// An internal unique id (a re-created provider is another provider to the checks
        /// between authorization and the handler); AWS shows none.
        pub id: String,
        /// Whether the issuer is plain HTTP (only with the server's development flag).
        #[serde(default)]
        pub http: bool,
        /// Audiences (client ids) accepted, in the order added.
        pub client_ids: Vec<String>,
        /// Certificate thumbprints (SHA-1, 40 hex digits), kept for compatibility.
        pub thumbprints: Vec<String>,
        /// Created at.
        pub created: i64,
        /// Tags.
        pub tags: Vec<Tag>,
    }
    /// An organization (AWS Organizations), whole: one record, so every change to its tree,
    /// policies and attachments is one atomic read-modify-write.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct Organization {
        /// `o-` and 10 lowercase letters or digits.
        pub id: String,
        /// The management account.
        pub management_account: String,
        /// `ALL`.
        pub feature_set: String,
        /// Created at.
        pub created: i64,
        /// The root.
        pub root: OrgRoot,
        /// Organizational units by id.
        pub units: BTreeMap<String, OrgUnit>,
        /// Accounts (the management account included) by id.
        pub accounts: BTreeMap<String, OrgAccount>,
        /// Policies by id (`FullAWSAccess` included).
        pub policies: BTreeMap<String, OrgPolicy>,
        /// Policy ids attached to each target (root, OU or account id).
        pub attachments: BTreeMap<String, Vec<String>>,
        /// CreateAccount requests, oldest first.
        pub create_requests: Vec<CreateAccountRequest>,
        /// The centralized root access features enabled (IAM's
        /// `EnableOrganizationsRootCredentialsManagement`/`…RootSessions`):
        /// `RootCredentialsManagement`, `RootSessions`.
        #[serde(default)]
        pub root_features: Vec<String>,
        /// When root sessions were last disabled (unix milliseconds): a root session issued
        /// before it stays dead if they are enabled again.
        #[serde(default)]
        pub root_sessions_disabled_ms: Option<i64>,
    }

    /// The root of an organization.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct OrgRoot {
        /// `r-` and 4 lowercase letters or digits.
        pub id: String,
        /// `Root`.
        pub name: String,
        /// The policy types enabled (`SERVICE_CONTROL_POLICY`).
        pub policy_types: Vec<String>,
        /// Tags.
        pub tags: Vec<Tag>,
    }

    /// An organizational unit.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct OrgUnit {
        /// `ou-<root part>-<8>`.
        pub id: String,
        /// Name.
        pub name: String,
        /// The root's or OU's id it is in.
        pub parent: String,
        /// Tags.
        pub tags: Vec<Tag>,
    }

    /// An account of an organization.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct OrgAccount {
        /// 12 digits.
        pub id: String,
        /// Name.
        pub name: String,
        /// Email.
        pub email: String,
        /// The root's or OU's id it is in.
        pub parent: String,
        /// `CREATED` or `INVITED`.
        pub joined_method: String,
        /// Joined at.
        pub joined: i64,
        /// `ACTIVE` or `SUSPENDED` (closed).
        pub status: String,
        /// Tags.
        pub tags: Vec<Tag>,
    }

    /// A policy of an organization.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct OrgPolicy {
        /// `p-…`.
        pub id: String,
        /// Name.
        pub name: String,
        /// Description.
        pub description: String,
        /// `SERVICE_CONTROL_POLICY`.
        pub kind: String,
        /// The document as written.
        pub content: String,
        /// AWS managed (`FullAWSAccess`): cannot be changed or deleted.
        pub aws_managed: bool,
        /// Tags.
        pub tags: Vec<Tag>,
    }

    /// A CreateAccount request and how it ended.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct CreateAccountRequest {
        /// `car-` and 32 lowercase letters or digits.
        pub id: String,
        /// The account name asked for.
        pub account_name: String,
        /// `SUCCEEDED` or `FAILED`.
        pub state: String,
        /// Requested at.
        pub requested: i64,
        /// Completed at.
        pub completed: i64,
        /// The account made.
        pub account_id: Option<String>,
        /// Why it failed (`EMAIL_ALREADY_EXISTS`).
        pub failure_reason: Option<String>,
    }

    /// The Ed25519 key that signs the audit trail's digest files: one for the deployment,
    /// made by the first node that exports, so every node signs alike.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct AuditSigningKey {
        /// The private key, PKCS#8 DER in base64.
        pub pkcs8: Secret,
        /// The public key, 32 bytes in hex (what `rolegate audit public-key` prints).
        pub public: String,
        /// Created at.
        pub created: i64,
    }

    /// How far an account's chain of digest files was exported: the archive must hold every
    /// hour from `first` to `newest` (each the end of an hour, unix seconds).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct AuditChainHead {
        /// The end of the account's first exported hour.
        pub first: i64,
        /// The end of the newest exported hour.
        pub newest: i64,
        /// The newest digest's object name.
        pub digest: String,
    }

    /// A SAML identity provider.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct SamlProvider {
        /// The name as created (the ARN's resource is `saml-provider/NAME`).
        pub name: String,
        /// `SAMLProviderUUID`.
        pub id: String,
        /// The metadata document, as uploaded.
        pub metadata: String,
        /// The `entityID` of the metadata's `EntityDescriptor`: the `Issuer` of assertions.
        pub entity_id: String,
        /// The IdP's signing certificates (base64 DER) from the metadata; never empty.
        pub certificates: Vec<String>,
        /// The metadata's `validUntil` (Unix seconds), if it has one.
        #[serde(default)]
        pub valid_until: Option<i64>,
        /// `AssertionEncryptionMode`, when set.
        #[serde(default)]
        pub encryption_mode: Option<String>,
        /// Created at.
        pub created: i64,
        /// Tags.
        pub tags: Vec<Tag>,
        /// The private keys that decrypt `EncryptedAssertion`s (`AddPrivateKey`), at most two,
        /// oldest first.
        #[serde(default)]
        pub private_keys: Vec<SamlPrivateKey>,
    }

    /// A SAML provider's private key (`PrivateKeyList` shows its id and date only).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct SamlPrivateKey {
        /// `KeyId`: 26 characters `[A-Z0-9]`.
        pub id: String,
        /// The PEM text as uploaded.
        pub pem: Secret,
        /// Added at (`Timestamp`).
        pub created: i64,
    }

    /// An account's outbound identity federation (EnableOutboundWebIdentityFederation): made
    /// at the first enable, never deleted, so the issuer outlives a disable.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct OutboundFederation {
        /// Whether GetWebIdentityToken issues tokens.
        pub enabled: bool,
        /// The issuer's id (a UUID): the issuer is `PUBLIC_URL/outbound/ID`.
        pub issuer_id: String,
        /// The signing keys, oldest first; the newest unretired key of an algorithm signs.
        pub keys: Vec<OutboundSigningKey>,
        /// Last enabled, disabled or rotated at.
        pub changed: i64,
    }

    /// A key that signs an account's outbound tokens.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct OutboundSigningKey {
        /// The RFC 7638 thumbprint of the public key (the JWKS `kid`).
        pub kid: String,
        /// `RS256` or `ES384`.
        pub alg: String,
        /// The private key, PKCS#8 DER in base64.
        pub pkcs8: Secret,
        /// The public key's JWK members (`kty`, `n`/`e` or `crv`/`x`/`y`).
        pub jwk: BTreeMap<String, String>,
        /// Made at.
        pub created: i64,
        /// Signs from (a key rotated in is published before it signs, so that relying
        /// parties' cached key sets hold it first); `None`: from its creation.
        #[serde(default)]
        pub signs_from: Option<i64>,
        /// Retired by a rotation at (no longer signs from then, possibly a time still to
        /// come; published a while longer).
        #[serde(default)]
        pub retired: Option<i64>,
    }

    /// The account an outbound issuer id belongs to.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct OutboundIssuer {
        /// The account.
        pub account: String,
    }

    /// A SAML assertion ID that was used once (the replay cache shared by every node).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    pub struct SamlAssertionUse {
        /// Until when the assertion could be used (Unix seconds); after it the record may go.
        pub expires: i64,
    }
}

pub use v1::*;

/// The path every service-linked role is under.
pub const SERVICE_LINKED_PATH: &str = "/aws-service-role/";

impl Role {
    /// Whether the stored role is service-linked: made by CreateServiceLinkedRole (the mark no
    /// other call sets) under `/aws-service-role/` (which CreateRole refuses). Never decided by
    /// the name a caller spelled.
    pub fn is_service_linked(&self) -> bool {
        self.service_linked.is_some() && self.path.starts_with(SERVICE_LINKED_PATH)
    }
}

macro_rules! entity {
    ($($t:ty => $k:expr),* $(,)?) => { $( impl Entity for $t { const KIND: &'static str = $k; } )* };
}

entity! {
    Account => kind::ACCOUNT,
    AccessKey => kind::ACCESS_KEY,
    User => kind::USER,
    Group => kind::GROUP,
    Role => kind::ROLE,
    Policy => kind::POLICY,
    AwsPolicyUsage => kind::AWS_POLICY_USAGE,
    InstanceProfile => kind::INSTANCE_PROFILE,
    Keyring => kind::KEYRING,
    MfaDevice => kind::MFA_DEVICE,
    LoginProfile => kind::LOGIN_PROFILE,
    PasswordPolicy => kind::PASSWORD_POLICY,
    AccountAlias => kind::ACCOUNT_ALIAS,
    ServiceCredentials => kind::SERVICE_CREDENTIALS,
    SshPublicKeys => kind::SSH_PUBLIC_KEYS,
    SigningCertificates => kind::SIGNING_CERTIFICATES,
    SigningCertificateOwner => kind::SIGNING_CERTIFICATE_OWNER,
    ServerCertificate => kind::SERVER_CERTIFICATE,
    CredentialReport => kind::CREDENTIAL_REPORT,
    StsPreferences => kind::STS_PREFERENCES,
    OidcProvider => kind::OIDC_PROVIDER,
    SamlProvider => kind::SAML_PROVIDER,
    SamlAssertionUse => kind::SAML_ASSERTION,
    Organization => kind::ORGANIZATION,
    AuditSigningKey => kind::AUDIT_SIGNING_KEY,
    AuditChainHead => kind::AUDIT_CHAIN_HEAD,
    ServiceLinkedRoleDeletion => kind::SLR_DELETION,
    AccessReportJob => kind::ACCESS_REPORT_JOB,
    OutboundFederation => kind::OUTBOUND_FEDERATION,
    OutboundIssuer => kind::OUTBOUND_ISSUER,
}

/// Serializes a record.
pub fn encode<T: Entity>(value: &T) -> Result<String, crate::StoreError> {
    serde_json::to_string(value).map_err(|e| crate::StoreError::Corrupt(e.to_string()))
}

/// Deserializes a record.
pub fn decode<T: Entity>(data: &str) -> Result<T, crate::StoreError> {
    serde_json::from_str(data).map_err(|e| crate::StoreError::Corrupt(format!("{}: {e}", T::KIND)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_written_before_closing_existed_reads_open() {
        let a: Account =
            decode(r#"{"id":"123456789012","created":1,"root_access_keys":[]}"#).expect("decodes");
        assert!(!a.closed);
    }

    #[test]
    fn an_organization_round_trips() {
        let mut o = Organization {
            id: "o-abcdefghij".into(),
            management_account: "123456789012".into(),
            feature_set: "ALL".into(),
            created: 1,
            root: OrgRoot {
                id: "r-abcd".into(),
                name: "Root".into(),
                policy_types: vec!["SERVICE_CONTROL_POLICY".into()],
                tags: Vec::new(),
            },
            units: Default::default(),
            accounts: Default::default(),
            policies: Default::default(),
            attachments: Default::default(),
            create_requests: Vec::new(),
            root_features: Vec::new(),
            root_sessions_disabled_ms: None,
        };
        o.attachments
            .insert("r-abcd".into(), vec!["p-FullAWSAccess".into()]);
        let text = encode(&o).expect("encodes");
        assert_eq!(decode::<Organization>(&text).expect("decodes"), o);
    }
}

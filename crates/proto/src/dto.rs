//! Input and output shapes, one file per resource family, named as in the AWS API reference.
//!
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_Operations.html>,
//! <https://docs.aws.amazon.com/STS/latest/APIReference/API_Operations.html>

pub mod access_advisor;
pub mod access_keys;
pub mod account;
pub mod attached_policies;
pub mod cloudtrail;
pub mod credential_report;
pub mod delegation;
pub mod groups;
pub mod inline_policies;
pub mod instance_profiles;
pub mod mfa_devices;
pub mod oidc_providers;
pub mod organizations;
pub mod passwords;
pub mod policies;
pub mod roles;
pub mod root_access;
pub mod saml_providers;
pub mod server_certificates;
pub mod service_credentials;
pub mod shapes;
pub mod signing_certificates;
pub mod simulation;
pub mod ssh_keys;
pub mod sts;
pub mod users;

/// Constraint shorthands used by the shapes.
pub mod c {
    use crate::constraint::{Constraint, Pattern};
    pub const NAME: Constraint = Constraint::Pattern(Pattern::Name);
    pub const LEN_1_64: Constraint = Constraint::Len(1, 64);
    pub const LEN_1_128: Constraint = Constraint::Len(1, 128);
    pub const PATH: Constraint = Constraint::Pattern(Pattern::Path);
    pub const LEN_1_512: Constraint = Constraint::Len(1, 512);
    pub const POLICY_PATH: Constraint = Constraint::Pattern(Pattern::PolicyPath);
    pub const ARN: Constraint = Constraint::Pattern(Pattern::Arn);
    pub const LEN_ARN: Constraint = Constraint::Len(20, 2048);
    pub const MARKER: Constraint = Constraint::Pattern(Pattern::Marker);
    pub const LEN_MARKER: Constraint = Constraint::Len(1, 320);
    pub const MAX_ITEMS: Constraint = Constraint::Range(1, 1000);
    pub const DOCUMENT: Constraint = Constraint::Pattern(Pattern::PolicyDocument);
    pub const LEN_DOCUMENT: Constraint = Constraint::Len(1, 131_072);
    pub const TAGS: Constraint = Constraint::Items(0, 50);
    pub const TAG_KEY: Constraint = Constraint::Pattern(Pattern::TagKey);
    pub const TAG_VALUE: Constraint = Constraint::Pattern(Pattern::TagValue);
    pub const LEN_0_256: Constraint = Constraint::Len(0, 256);
    pub const DESCRIPTION: Constraint = Constraint::Pattern(Pattern::Description);
    pub const LEN_0_1000: Constraint = Constraint::Len(0, 1000);
    pub const LEN_1_1000: Constraint = Constraint::Len(1, 1000);
    pub const VERSION_ID: Constraint = Constraint::Pattern(Pattern::VersionId);
    pub const ACCESS_KEY_ID: Constraint = Constraint::Pattern(Pattern::AccessKeyId);
    pub const LEN_16_128: Constraint = Constraint::Len(16, 128);
    pub const STATUS: Constraint = Constraint::Enum(&["Active", "Inactive"]);
    pub const MAX_SESSION: Constraint = Constraint::Range(3600, 43200);
    pub const PASSWORD: Constraint = Constraint::Pattern(Pattern::PolicyDocument);
    pub const LEN_PASSWORD: Constraint = Constraint::Len(1, 128);
    pub const LEN_ALIAS: Constraint = Constraint::Len(3, 63);
    pub const ALIAS: Constraint = Constraint::Pattern(Pattern::AccountAlias);
    pub const MIN_PASSWORD_LENGTH: Constraint = Constraint::Range(6, 128);
    pub const MAX_PASSWORD_AGE: Constraint = Constraint::Range(1, 1095);
    pub const PASSWORD_REUSE: Constraint = Constraint::Range(1, 24);
}

//! End-to-end tests: the server on loopback, driven over HTTP by real clients (aws-sdk-rust,
//! the aws-cli) and by raw signed requests for the SigV4 edge cases.

mod access;
mod account_details;
mod audit;
mod authorization;
mod cli_roles;
mod cli_walkthrough;
mod client;
mod concurrency;
mod credentials;
mod cross_account;
mod durability;
mod escalation;
mod exhaustion;
mod federation;
mod federation_budget;
mod iam_entities;
mod mfa;
mod multi_node;
mod organizations;
mod outbound_federation;
mod passwords;
mod pipeline;
mod real_tools;
mod s3_gateway;
mod s3_gateway_more;
mod saml;
mod service_linked_roles;
mod shared_issuers;
mod signing;
mod simulator;
mod sts;
mod support;
mod terraform;
mod tls;

use support::*;

macro_rules! on_both_backends {
    ($($scenario:path => $sqlite:ident, $pg:ident;)*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $sqlite() {
            let s = sqlite().await;
            $scenario(&s).await;
            s.stop().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $pg() {
            let Some(s) = postgres().await else { return };
            $scenario(&s).await;
            s.stop().await;
        }
    )*};
}

on_both_backends! {
    federation::oidc_providers_lifecycle => sqlite_oidc_providers, postgres_oidc_providers;
    shared_issuers::shared_issuer_trust_policies => sqlite_shared_issuer_trust, postgres_shared_issuer_trust;
    saml::saml_providers_lifecycle => sqlite_saml_providers, postgres_saml_providers;
    saml::assume_role_with_saml_real_idp => sqlite_assume_role_with_saml, postgres_assume_role_with_saml;
    saml::encrypted_assertions => sqlite_saml_encrypted_assertions, postgres_saml_encrypted_assertions;
    iam_entities::users_lifecycle => sqlite_users_lifecycle, postgres_users_lifecycle;
    iam_entities::groups_and_membership => sqlite_groups_and_membership, postgres_groups_and_membership;
    iam_entities::roles_lifecycle => sqlite_roles_lifecycle, postgres_roles_lifecycle;
    iam_entities::managed_policies_and_versions => sqlite_managed_policies, postgres_managed_policies;
    iam_entities::inline_and_attached_policies => sqlite_inline_and_attached, postgres_inline_and_attached;
    iam_entities::access_keys => sqlite_access_keys, postgres_access_keys;
    iam_entities::instance_profiles => sqlite_instance_profiles, postgres_instance_profiles;
    iam_entities::bad_input_changes_nothing => sqlite_bad_input, postgres_bad_input;
    iam_entities::account_views => sqlite_account_views, postgres_account_views;
    concurrency::policy_versions_never_exceed_five => sqlite_concurrent_versions, postgres_concurrent_versions;
    concurrency::case_insensitive_names_race => sqlite_concurrent_names, postgres_concurrent_names;
    authorization::user_policies_are_enforced => sqlite_authorization, postgres_authorization;
    signing::edge_cases => sqlite_signing, postgres_signing;
    signing::query_plus_means_what_was_signed => sqlite_query_plus, postgres_query_plus;
    sts::assume_role_rules => sqlite_assume_role, postgres_assume_role;
    sts::third_party_controls => sqlite_third_party, postgres_third_party;
    sts::revocation_and_forgery => sqlite_revocation, postgres_revocation;
    sts::session_and_federation_tokens => sqlite_session_tokens, postgres_session_tokens;
    cross_account::cross_account => sqlite_cross_account, postgres_cross_account;
    sts::authorization_messages => sqlite_authorization_messages, postgres_authorization_messages;
    mfa::virtual_mfa => sqlite_mfa, postgres_mfa;
    mfa::lockout => sqlite_mfa_lockout, postgres_mfa_lockout;
    simulator::simulations => sqlite_simulations, postgres_simulations;
    simulator::principal_simulations => sqlite_principal_simulations, postgres_principal_simulations;
    escalation::escalation_paths => sqlite_escalation, postgres_escalation;
    passwords::passwords_and_aliases => sqlite_passwords, postgres_passwords;
    credentials::ssh_keys_and_certificates => sqlite_user_credentials, postgres_user_credentials;
    organizations::organizations_with_boto3 => sqlite_organizations, postgres_organizations;
    organizations::organizations_under_attack => sqlite_organizations_attacked, postgres_organizations_attacked;
    organizations::member_accounts_through_the_access_role => sqlite_organization_members, postgres_organization_members;
    audit::trail_with_boto3 => sqlite_audit_trail, postgres_audit_trail;
    service_linked_roles::service_linked_roles => sqlite_service_linked_roles, postgres_service_linked_roles;
    service_linked_roles::root_access => sqlite_root_access, postgres_root_access;
    service_linked_roles::delegation_requests => sqlite_delegation_requests, postgres_delegation_requests;
    service_linked_roles::access_advisor => sqlite_access_advisor, postgres_access_advisor;
    service_linked_roles::with_the_rust_sdk => sqlite_issue17_rust_sdk, postgres_issue17_rust_sdk;
    real_tools::pmapper_finds_escalation => sqlite_pmapper, postgres_pmapper;
    real_tools::cloudsplaining_flags_overpermissive_policy => sqlite_cloudsplaining, postgres_cloudsplaining;
    account_details::authorization_details_pages => sqlite_authorization_details_pages, postgres_authorization_details_pages;
    account_details::report_jobs_expire_and_are_capped => sqlite_report_jobs_capped, postgres_report_jobs_capped;
}

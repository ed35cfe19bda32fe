//! Service-linked roles end to end (issue 17): CreateServiceLinkedRole, DeleteServiceLinkedRole
//! and GetServiceLinkedRoleDeletionStatus through boto3, with the attacks on them
//! (`scripts/service_linked_roles_boto3.py`): DeleteRole and every other ordinary edit of a
//! service-linked role refused with `UnmodifiableEntity`, look-alikes, another account's
//! deletion task, the service-role policy attached elsewhere, `iam:AWSServiceName` policies.
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html>

use crate::support::*;

/// Every check of `scripts/service_linked_roles_boto3.py`, with an outsider account.
pub async fn service_linked_roles(s: &Server) {
    if !boto3_available() {
        return;
    }
    let outsider = "434343434343";
    let (key, secret) = add_account(s, outsider).await;
    run_boto3_as_root(s, "service_linked_roles_boto3.py", vec![key, secret]).await;
}

/// Centralized root access (`scripts/root_access_boto3.py`): the organization's features and
/// STS AssumeRoot, with the attacks on it, and an outsider account.
pub async fn root_access(s: &Server) {
    if !boto3_available() {
        return;
    }
    let outsider = "454545454545";
    let (key, secret) = add_account(s, outsider).await;
    run_boto3_as_root(
        s,
        "root_access_boto3.py",
        vec![key, secret, outsider.into()],
    )
    .await;
}

/// Last accessed information (`scripts/access_advisor_boto3.py`): real calls as a user and a
/// role session, the reports on the user, role, group and policy, the Organizations access
/// report, and the refusals (another account's job id, AccessDenied without permission).
pub async fn access_advisor(s: &Server) {
    if !boto3_available() {
        return;
    }
    let outsider = "464646464646";
    let (key, secret) = add_account(s, outsider).await;
    run_boto3_as_root(s, "access_advisor_boto3.py", vec![key, secret]).await;
}

/// The partner-only delegation-request operations in an account that is not onboarded
/// (`scripts/delegation_boto3.py`).
pub async fn delegation_requests(s: &Server) {
    if !boto3_available() {
        return;
    }
    run_boto3_as_root(s, "delegation_boto3.py", Vec::new()).await;
}

/// The same families through aws-sdk-rust: a service-linked role and DeleteRole's refusal,
/// the organization's root-access features, an AssumeRoot session (the member's root, its
/// task policy and nothing more), and the delegation-request answers.
pub async fn with_the_rust_sdk(s: &Server) {
    if !boto3_available() {
        return;
    }
    let root = root_iam(s);

    // Service-linked roles.
    let role = root
        .create_service_linked_role()
        .aws_service_name("elasticbeanstalk.amazonaws.com")
        .send()
        .await
        .expect("create the service-linked role")
        .role
        .expect("role");
    assert_eq!(role.role_name(), "AWSServiceRoleForElasticBeanstalk");
    assert_eq!(
        role.path(),
        "/aws-service-role/elasticbeanstalk.amazonaws.com/"
    );
    let e = root
        .delete_role()
        .role_name("awsservicerolefORelasticbeanstalk")
        .send()
        .await
        .expect_err("DeleteRole of a service-linked role");
    assert_eq!(code(&e), "UnmodifiableEntity");
    let task = root
        .delete_service_linked_role()
        .role_name("AWSServiceRoleForElasticBeanstalk")
        .send()
        .await
        .expect("delete the service-linked role")
        .deletion_task_id
        .clone();
    let status = root
        .get_service_linked_role_deletion_status()
        .deletion_task_id(&task)
        .send()
        .await
        .expect("deletion status");
    assert_eq!(
        status.status(),
        &aws_sdk_iam::types::DeletionTaskStatusType::Succeeded
    );

    // Delegation requests: none, in an account that is not onboarded.
    let list = root
        .list_delegation_requests()
        .send()
        .await
        .expect("list delegation requests");
    assert!(list.delegation_requests().is_empty());
    assert!(!list.is_truncated());
    let e = root
        .get_delegation_request()
        .delegation_request_id("dr-0123456789abcdef")
        .send()
        .await
        .expect_err("no such request");
    assert_eq!(code(&e), "NoSuchEntity");

    // Centralized root access.
    let org = crate::organizations::organization(s).await;
    let member = org["accounts"][0].as_str().expect("a member").to_owned();
    let features = root
        .enable_organizations_root_sessions()
        .send()
        .await
        .expect("enable root sessions");
    assert_eq!(
        features.enabled_features(),
        [aws_sdk_iam::types::FeatureType::RootSessions]
    );
    assert_eq!(
        features.organization_id(),
        org["org"].as_str(),
        "{features:?}"
    );
    let (ak, sk) = crate::sts::user_with_key(s, "root-taker", Some(ALLOW_ALL)).await;
    let taker = sts(&s.endpoint, &ak, &sk);
    let audit = aws_sdk_sts::types::PolicyDescriptorType::builder()
        .arn("arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials")
        .build();
    let out = taker
        .assume_root()
        .target_principal(&member)
        .task_policy_arn(audit.clone())
        .duration_seconds(600)
        .send()
        .await
        .expect("AssumeRoot");
    let creds = out.credentials.expect("credentials");
    let who = sts_session(&s.endpoint, &creds)
        .get_caller_identity()
        .send()
        .await
        .expect("who");
    assert_eq!(
        who.arn(),
        Some(format!("arn:aws:iam::{member}:root").as_str())
    );
    let session = iam_session(&s.endpoint, &creds);
    assert!(
        session
            .list_access_keys()
            .send()
            .await
            .expect("the root's own keys")
            .access_key_metadata()
            .is_empty()
    );
    let e = session
        .create_user()
        .user_name("backdoor")
        .send()
        .await
        .expect_err("outside the task policy");
    assert_eq!(code(&e), "AccessDenied");
    // Never the management account's own root.
    let e = taker
        .assume_root()
        .target_principal(ACCOUNT)
        .task_policy_arn(audit)
        .send()
        .await
        .expect_err("the management account");
    assert_eq!(code(&e), "AccessDenied");
}

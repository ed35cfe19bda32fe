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

/// The partner-only delegation-request operations in an account that is not onboarded
/// (`scripts/delegation_boto3.py`).
pub async fn delegation_requests(s: &Server) {
    if !boto3_available() {
        return;
    }
    run_boto3_as_root(s, "delegation_boto3.py", Vec::new()).await;
}

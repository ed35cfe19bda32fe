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

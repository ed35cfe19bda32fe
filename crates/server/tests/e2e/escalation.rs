//! Ways in, closed (issue 11): the adversarial review's findings and the published IAM
//! privilege-escalation paths (catalogue group J), through boto3 against the real server on
//! both backends (`scripts/escalation_boto3.py` says what each check expects and why).

use crate::support::*;

const PARTNER: &str = "210987654321";

/// Respelled names, re-created principals, rename and move targets, GetSessionToken sessions
/// after a rename, denials across accounts, ambiguous tags, forbidden characters, UpdateRole's
/// reply, PassRole and the policy-version paths.
pub async fn escalation_paths(s: &Server) {
    if !boto3_available() {
        return;
    }
    let (partner_key, partner_secret) = add_account(s, PARTNER).await;
    run_boto3_as_root(
        s,
        "escalation_boto3.py",
        vec![PARTNER.into(), partner_key, partner_secret],
    )
    .await;
}

/// The tests generated over botocore's IAM and STS models: respelled names, rename and move
/// targets, and hostile strings in every response (`scripts/generated_boto3.py`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_over_the_models() {
    if !boto3_available() {
        return;
    }
    let s = sqlite().await;
    run_boto3_as_root(&s, "generated_boto3.py", Vec::new()).await;
    s.stop().await;
}

//! Concurrent writers never lose an acknowledged write and never exceed a quota.

use crate::support::*;

/// 12 concurrent CreatePolicyVersion calls on a one-version policy: exactly four succeed, the
/// rest get LimitExceeded, and the policy ends with exactly five versions.
pub async fn policy_versions_never_exceed_five(s: &Server) {
    let iam = root_iam(s);
    let arn = iam
        .create_policy()
        .policy_name("hot")
        .policy_document(ALLOW_ALL)
        .send()
        .await
        .expect("policy")
        .policy
        .expect("p")
        .arn
        .expect("arn");
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let iam = iam.clone();
        let arn = arn.clone();
        tasks.push(tokio::spawn(async move {
            iam.create_policy_version()
                .policy_arn(arn)
                .policy_document(ALLOW_ALL)
                .send()
                .await
        }));
    }
    let (mut ok, mut limited) = (0, 0);
    for t in tasks {
        match t.await.expect("join") {
            Ok(_) => ok += 1,
            Err(e) => {
                assert_eq!(code(&e), "LimitExceeded");
                limited += 1;
            }
        }
    }
    assert_eq!((ok, limited), (4, 8));
    let versions = iam
        .list_policy_versions()
        .policy_arn(&arn)
        .send()
        .await
        .expect("versions");
    assert_eq!(versions.versions().len(), 5);
    let mut ids: Vec<&str> = versions
        .versions()
        .iter()
        .filter_map(|v| v.version_id())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 5, "no version id was handed out twice");
}

/// alice, Alice and ALICE created concurrently: exactly one wins.
pub async fn case_insensitive_names_race(s: &Server) {
    let iam = root_iam(s);
    let mut tasks = Vec::new();
    for name in [
        "alice", "Alice", "ALICE", "aLiCe", "alicE", "ALice", "aliCE", "AlIcE", "alICE", "ALICe",
    ] {
        let iam = iam.clone();
        tasks.push(tokio::spawn(async move {
            iam.create_user().user_name(name).send().await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.expect("join") {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(code(&e), "EntityAlreadyExists"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(
        iam.list_users().send().await.expect("list").users().len(),
        1
    );
}

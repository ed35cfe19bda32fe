//! AWS Organizations end to end (issue 14): the Organizations API through boto3 (AWS JSON 1.1,
//! errors by `__type`), member accounts reached through OrganizationAccountAccessRole with
//! aws-sdk-rust and an aws-cli profile (`role_arn` + `source_profile`), `aws:PrincipalOrgID`
//! and `aws:PrincipalOrgPaths` in trust policies, and service control policies that cap one
//! OU's accounts only, on live sessions.
//!
//! <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access.html>

use serde_json::Value;

use crate::support::*;

/// Every Organizations check of `scripts/organizations_boto3.py`.
pub async fn organizations_with_boto3(s: &Server) {
    if !boto3_available() {
        return;
    }
    run_boto3_as_root(s, "organizations_boto3.py", vec!["scenario".into()]).await;
}

/// Issue 14's adversarial checks (`scripts/organizations_adversarial_boto3.py`): an outsider
/// and a member naming the organization's ids and reaching for the access roles, confused
/// deputies without ExternalId, another account's policy ARNs, the service-linked path, a
/// closed account's sessions.
pub async fn organizations_under_attack(s: &Server) {
    if !boto3_available() {
        return;
    }
    let outsider = "424242424242";
    let (key, secret) = add_account(s, outsider).await;
    run_boto3_as_root(
        s,
        "organizations_adversarial_boto3.py",
        vec![key, secret, outsider.into()],
    )
    .await;
}

/// An organization with OU `eng` holding two new accounts, made through boto3.
pub async fn organization(s: &Server) -> Value {
    organizations_script(&s.endpoint, vec!["setup".into()]).await
}

/// One Organizations call through boto3 as the management account's root (`operation` in
/// boto3's snake_case): its response.
async fn call(endpoint: &str, operation: &str, params: Value) -> Value {
    organizations_script(
        endpoint,
        vec!["call".into(), operation.into(), params.to_string()],
    )
    .await
}

/// `scripts/organizations_boto3.py` in a mode that prints JSON.
async fn organizations_script(endpoint: &str, mode: Vec<String>) -> Value {
    let path = format!(
        "{}/tests/e2e/scripts/organizations_boto3.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut args = vec![
        path,
        endpoint.to_owned(),
        ROOT_KEY.into(),
        ROOT_SECRET.into(),
        ACCOUNT.into(),
    ];
    args.extend(mode);
    serde_json::from_str(&crate::support::python(args).await).expect("the script's JSON")
}

/// Two nodes on one PostgreSQL schema: an SCP attached through one node caps a live session on
/// the other within the change-log interval, and its detachment frees it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scp_changes_reach_every_node() {
    if !boto3_available() {
        return;
    }
    let Some(sa) = postgres().await else { return };
    let config = sa.config.clone().expect("config");
    let b = rolegate_server::start(config, false).await.expect("node B");
    let b_ep = format!("http://{}", b.addr);
    let org = organization(&sa).await;
    let (root, ou) = (
        org["root"].as_str().expect("root"),
        org["ou"].as_str().expect("ou"),
    );
    let member = org["accounts"][0].as_str().expect("account").to_owned();
    let (ak, sk) = crate::sts::user_with_key(&sa, "ops", Some(ALLOW_ALL)).await;
    // A session in the member account, made and used on node B.
    let creds = sts(&b_ep, &ak, &sk)
        .assume_role()
        .role_arn(format!(
            "arn:aws:iam::{member}:role/OrganizationAccountAccessRole"
        ))
        .role_session_name("node-b")
        .send()
        .await
        .expect("assume on node B")
        .credentials
        .expect("credentials");
    let on_b = iam_session(&b_ep, &creds);
    on_b.create_user()
        .user_name("before")
        .send()
        .await
        .expect("no SCP yet");

    // Through node A: SCPs on, and a Deny of iam:CreateUser on the member's OU.
    call(
        &sa.endpoint,
        "enable_policy_type",
        serde_json::json!({"RootId": root, "PolicyType": "SERVICE_CONTROL_POLICY"}),
    )
    .await;
    let policy = call(
        &sa.endpoint,
        "create_policy",
        serde_json::json!({
            "Content": r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:CreateUser","Resource":"*"}]}"#,
            "Description": "no users",
            "Name": "no-users",
            "Type": "SERVICE_CONTROL_POLICY",
        }),
    )
    .await;
    let policy_id = policy["Policy"]["PolicySummary"]["Id"]
        .as_str()
        .expect("policy id")
        .to_owned();
    call(
        &sa.endpoint,
        "attach_policy",
        serde_json::json!({"PolicyId": policy_id, "TargetId": ou}),
    )
    .await;
    let started = std::time::Instant::now();
    let mut n = 0;
    loop {
        n += 1;
        match on_b
            .create_user()
            .user_name(format!("during-{n}"))
            .send()
            .await
        {
            Err(e) => {
                assert_eq!(code(&e), "AccessDenied");
                break;
            }
            Ok(_) => {
                assert!(
                    started.elapsed() < std::time::Duration::from_secs(15),
                    "node B never enforced the SCP"
                );
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    }
    call(
        &sa.endpoint,
        "detach_policy",
        serde_json::json!({"PolicyId": policy_id, "TargetId": ou}),
    )
    .await;
    let started = std::time::Instant::now();
    while on_b.create_user().user_name("after").send().await.is_err() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(15),
            "node B never saw the SCP detached"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    b.shutdown().await.expect("node B stops");
    sa.stop().await;
}

/// The management account's administrator reaches both new accounts through
/// OrganizationAccountAccessRole with aws-sdk-rust and with an aws-cli profile; a member
/// account has no root credentials, and nobody outside the management account is trusted.
pub async fn member_accounts_through_the_access_role(s: &Server) {
    if !boto3_available() {
        return;
    }
    let org = organization(s).await;
    let accounts: Vec<String> = org["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| a.as_str().expect("id").to_owned())
        .collect();
    assert_eq!(accounts.len(), 2);
    let (ak, sk) = crate::sts::user_with_key(s, "ops", Some(ALLOW_ALL)).await;
    let ops = sts(&s.endpoint, &ak, &sk);
    for member in &accounts {
        let role_arn = format!("arn:aws:iam::{member}:role/OrganizationAccountAccessRole");
        let out = ops
            .assume_role()
            .role_arn(&role_arn)
            .role_session_name("rust")
            .send()
            .await
            .expect("assume the access role");
        let creds = out.credentials.expect("credentials");
        let who = sts_session(&s.endpoint, &creds)
            .get_caller_identity()
            .send()
            .await
            .expect("who");
        assert_eq!(who.account(), Some(member.as_str()));
        assert_eq!(
            who.arn(),
            Some(
                format!("arn:aws:sts::{member}:assumed-role/OrganizationAccountAccessRole/rust")
                    .as_str()
            )
        );
        // AdministratorAccess: the session administers the member account.
        let iam = iam_session(&s.endpoint, &creds);
        iam.create_user()
            .user_name("deployer")
            .send()
            .await
            .expect("create a user in the member account");
        let roles = iam.list_roles().send().await.expect("list roles");
        let names: Vec<&str> = roles.roles().iter().map(|r| r.role_name()).collect();
        assert_eq!(names, ["OrganizationAccountAccessRole"], "{names:?}");
        // Nothing of the management account is visible from there.
        let e = iam
            .get_user()
            .user_name("ops")
            .send()
            .await
            .expect_err("ops lives in the management account");
        assert_eq!(code(&e), "NoSuchEntity");
    }

    // Another account of the deployment, outside the organization, is not trusted, even with
    // every permission of its own.
    let (pk, ps) = add_account(s, "210987654321").await;
    let partner = iam(&s.endpoint, &pk, &ps);
    partner
        .create_user()
        .user_name("intruder")
        .send()
        .await
        .expect("user");
    partner
        .put_user_policy()
        .user_name("intruder")
        .policy_name("all")
        .policy_document(ALLOW_ALL)
        .send()
        .await
        .expect("policy");
    let key = partner
        .create_access_key()
        .user_name("intruder")
        .send()
        .await
        .expect("key");
    let key = key.access_key().expect("key");
    let e = sts(&s.endpoint, key.access_key_id(), key.secret_access_key())
        .assume_role()
        .role_arn(format!(
            "arn:aws:iam::{}:role/OrganizationAccountAccessRole",
            accounts[0]
        ))
        .role_session_name("intruder")
        .send()
        .await
        .expect_err("not trusted");
    assert_eq!(
        e.as_service_error().and_then(|e| e.meta().code()),
        Some("AccessDenied")
    );

    // The aws-cli reaches a member account from a profile, as the seeds do.
    if aws_cli_available() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(
            dir.path().join("config"),
            format!(
                "[profile mgmt]\nregion = us-east-1\n\n[profile member]\nregion = us-east-1\nrole_arn = arn:aws:iam::{}:role/OrganizationAccountAccessRole\nsource_profile = mgmt\nrole_session_name = cli\n",
                accounts[1]
            ),
        )
        .expect("config");
        std::fs::write(
            dir.path().join("credentials"),
            format!("[mgmt]\naws_access_key_id = {ak}\naws_secret_access_key = {sk}\n"),
        )
        .expect("credentials");
        let endpoint = s.endpoint.clone();
        let dir_path = dir.path().to_owned();
        let who = tokio::task::spawn_blocking(move || {
            aws_json(
                crate::support::bounded("aws")
                    .args(["sts", "get-caller-identity", "--profile", "member"])
                    .args(["--output", "json"])
                    .env_remove("AWS_ACCESS_KEY_ID")
                    .env_remove("AWS_SECRET_ACCESS_KEY")
                    .env_remove("AWS_SESSION_TOKEN")
                    .env_remove("AWS_PROFILE")
                    .env("AWS_ENDPOINT_URL", endpoint)
                    .env("HOME", &dir_path)
                    .env("AWS_CONFIG_FILE", dir_path.join("config"))
                    .env("AWS_SHARED_CREDENTIALS_FILE", dir_path.join("credentials"))
                    .current_dir(&dir_path),
            )
        })
        .await
        .expect("join")
        .expect("aws sts get-caller-identity --profile member");
        assert_eq!(who["Account"], accounts[1].as_str(), "{who}");
        assert_eq!(
            who["Arn"],
            format!(
                "arn:aws:sts::{}:assumed-role/OrganizationAccountAccessRole/cli",
                accounts[1]
            )
            .as_str()
        );

        // `rolegate assume`, as the seeds' AssumeRole.sh does.
        let script = format!(
            "set -e\neval \"$(rolegate assume --role arn:aws:iam::{}:role/OrganizationAccountAccessRole --session-name seeds)\"\naws sts get-caller-identity --query Arn --output text\n",
            accounts[0]
        );
        let (endpoint, dir_path) = (s.endpoint.clone(), dir.path().to_owned());
        let (ak2, sk2) = (ak.clone(), sk.clone());
        let (code, out, err) = tokio::task::spawn_blocking(move || {
            crate::client::bash(
                &dir_path,
                &endpoint,
                &[
                    ("AWS_ACCESS_KEY_ID", ak2.as_str()),
                    ("AWS_SECRET_ACCESS_KEY", sk2.as_str()),
                ],
                &script,
            )
        })
        .await
        .expect("join");
        assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
        assert_eq!(
            out.trim(),
            format!(
                "arn:aws:sts::{}:assumed-role/OrganizationAccountAccessRole/seeds",
                accounts[0]
            )
        );
    }
}

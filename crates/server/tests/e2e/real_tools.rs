//! Real tools, none written by us, against a started server (issue 17, "How it is shown"):
//! NCC Group's Principal Mapper (`pmapper`) builds its graph of the account and finds a planted
//! privilege escalation, Salesforce's `cloudsplaining` downloads the account's authorization
//! details and flags a planted over-permissive policy, and Ansible's `amazon.aws` IAM modules
//! (with `community.aws.iam_server_certificate`) apply a playbook twice — the second run
//! changes nothing — and tear it down with `state: absent`.
//!
//! Each tool runs as a subprocess under coreutils `timeout`, with no AWS config or credentials
//! file of the machine's; `.ci/run` installs them (pinned), and outside CI a missing tool skips
//! its test with a message.

use std::{path::Path, process::Command};

use crate::support::*;

/// Seconds any one tool invocation may take before `timeout` ends it.
const TOOL_LIMIT: &str = "300";

/// Whether `probe` (a tool's `--version`, or an import) runs; in CI (which installs the tool)
/// its absence fails the test.
fn tool_available(tool: &str, probe: &[&str]) -> bool {
    let ok = Command::new(probe[0])
        .args(&probe[1..])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok || std::env::var_os("CI").is_none(),
        "{tool} must be installed in CI (.ci/run installs it)"
    );
    if !ok {
        eprintln!("SKIPPED: {tool} not installed");
    }
    ok
}

/// `program args…` under `timeout`, with the root key in the environment and every AWS
/// service's endpoint at `endpoint`; its exit code and its stdout and stderr together.
async fn run_tool(
    endpoint: &str,
    dir: &Path,
    program: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> (i32, String) {
    let mut cmd = Command::new("timeout");
    cmd.args(["-k", "5", TOOL_LIMIT, program])
        .args(args)
        .current_dir(dir)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_ACCESS_KEY_ID", ROOT_KEY)
        .env("AWS_SECRET_ACCESS_KEY", ROOT_SECRET)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("HOME", dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("run the tool"))
        .await
        .expect("join");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Principal Mapper's command line (`scripts/pmapper.py` runs it on this Python).
fn pmapper() -> String {
    format!(
        "{}/tests/e2e/scripts/pmapper.py",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// An inline identity policy of one statement allowing `action` on `resource`.
fn allow(action: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"{resource}"}}]}}"#
    )
}

/// `pmapper graph create` against the endpoint (every service pmapper knows, every region: the
/// ones Rolegate does not serve answer errors that pmapper skips), then `pmapper query` and
/// `pmapper analysis`. Planted: `helpdesk` may CreateAccessKey for the administrator `admin`;
/// `pager` may, through its group, assume the administrator role `ops-admin`. Not escalations:
/// `bystander` may only make its own keys, and `bounded` holds the same grant as `helpdesk`
/// under a permissions boundary that allows no IAM action — pmapper sees the boundary in
/// GetAccountAuthorizationDetails and finds no edge.
pub async fn pmapper_finds_escalation(s: &Server) {
    if !tool_available(
        "principalmapper",
        &["python3", "-c", "import principalmapper"],
    ) {
        return;
    }
    let iam = root_iam(s);
    let user = |name: &'static str| iam.create_user().user_name(name).send();
    for name in ["admin", "helpdesk", "bystander", "pager"] {
        user(name).await.expect("user");
    }
    let admin = "arn:aws:iam::aws:policy/AdministratorAccess";
    iam.attach_user_policy()
        .user_name("admin")
        .policy_arn(admin)
        .send()
        .await
        .expect("admin");
    let admin_user = format!("arn:aws:iam::{ACCOUNT}:user/admin");
    let inline = |user: &'static str, document: String| {
        iam.put_user_policy()
            .user_name(user)
            .policy_name("grant")
            .policy_document(document)
            .send()
    };
    inline("helpdesk", allow("iam:CreateAccessKey", &admin_user))
        .await
        .expect("planted escalation");
    inline(
        "bystander",
        allow(
            "iam:CreateAccessKey",
            &format!("arn:aws:iam::{ACCOUNT}:user/bystander"),
        ),
    )
    .await
    .expect("harmless policy");
    let boundary = iam
        .create_policy()
        .policy_name("s3-only")
        .policy_document(allow("s3:*", "*"))
        .send()
        .await
        .expect("boundary policy");
    iam.create_user()
        .user_name("bounded")
        .permissions_boundary(boundary.policy().and_then(|p| p.arn()).expect("arn"))
        .send()
        .await
        .expect("bounded user");
    inline("bounded", allow("iam:CreateAccessKey", &admin_user))
        .await
        .expect("bounded grant");
    iam.create_role()
        .role_name("ops-admin")
        .assume_role_policy_document(trust_account(ACCOUNT))
        .send()
        .await
        .expect("role");
    iam.attach_role_policy()
        .role_name("ops-admin")
        .policy_arn(admin)
        .send()
        .await
        .expect("admin role");
    iam.create_group()
        .group_name("oncall")
        .send()
        .await
        .expect("group");
    iam.add_user_to_group()
        .group_name("oncall")
        .user_name("pager")
        .send()
        .await
        .expect("member");
    iam.put_group_policy()
        .group_name("oncall")
        .policy_name("assume-ops")
        .policy_document(allow(
            "sts:AssumeRole",
            &format!("arn:aws:iam::{ACCOUNT}:role/ops-admin"),
        ))
        .send()
        .await
        .expect("group policy");

    let dir = tempfile::tempdir().expect("dir");
    let storage = dir.path().join("pmapper");
    let storage = storage.to_str().expect("utf-8");
    let env = [("PMAPPER_STORAGE", storage)];
    let script = pmapper();
    let run = |args: &[&str]| {
        let mut all = vec![script.as_str()];
        all.extend_from_slice(args);
        let all: Vec<String> = all.into_iter().map(str::to_owned).collect();
        let endpoint = s.endpoint.clone();
        let dir = dir.path().to_path_buf();
        async move {
            let all: Vec<&str> = all.iter().map(String::as_str).collect();
            run_tool(&endpoint, &dir, "python3", &all, &env).await
        }
    };

    let (status, out) = run(&["graph", "create"]).await;
    assert_eq!(status, 0, "pmapper graph create: {out}");
    // Its summary of what it read: five users and a role, two of them administrators, one group.
    assert!(
        out.contains("# of Nodes:              6 (2 admins)"),
        "{out}"
    );
    assert!(out.contains("# of Edges:              2"), "{out}");
    assert!(out.contains("# of Groups:             1"), "{out}");
    assert!(
        out.contains(
            "Found new edge: user/helpdesk can create access keys to authenticate as user/admin"
        ),
        "{out}"
    );
    assert!(
        out.contains("Found new edge: user/pager can access via sts:AssumeRole role/ops-admin"),
        "{out}"
    );

    let (status, out) = run(&["--account", ACCOUNT, "query", "preset privesc *"]).await;
    assert_eq!(status, 0, "pmapper query: {out}");
    for line in [
        "user/admin is an administrative principal",
        "role/ops-admin is an administrative principal",
        "user/helpdesk can escalate privileges by accessing the administrative principal user/admin:",
        "user/helpdesk can create access keys to authenticate as user/admin",
        "user/pager can escalate privileges by accessing the administrative principal role/ops-admin:",
    ] {
        assert!(out.contains(line), "{line}: {out}");
    }
    for innocent in ["user/bystander", "user/bounded"] {
        assert!(!out.contains(innocent), "{innocent}: {out}");
    }

    let (status, out) = run(&[
        "--account",
        ACCOUNT,
        "query",
        &format!("who can do iam:CreateAccessKey with {admin_user}"),
    ])
    .await;
    assert_eq!(status, 0, "pmapper query: {out}");
    assert!(
        out.contains(&format!(
            "user/helpdesk IS authorized to call action iam:CreateAccessKey for resource {admin_user}"
        )),
        "{out}"
    );
    assert!(
        !out.contains("user/bounded IS"),
        "the boundary holds: {out}"
    );

    let (status, out) = run(&["--account", ACCOUNT, "analysis", "--output-type", "text"]).await;
    assert_eq!(status, 0, "pmapper analysis: {out}");
    assert!(
        out.contains("## IAM Principals Can Escalate Privileges"),
        "{out}"
    );
    assert!(
        out.contains(
            "* user/helpdesk can escalate privileges by accessing the administrative principal user/admin:"
        ),
        "{out}"
    );
    assert!(!out.contains("user/bounded"), "{out}");

    // pmapper's `orgs` commands read Rolegate's Organizations: the tree with the SCP attached to
    // a member account. (The organization is made with the aws-cli.)
    if !aws_cli_available() {
        return;
    }
    let aws = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--output", "text"]);
        let all: Vec<String> = all.into_iter().map(str::to_owned).collect();
        let endpoint = s.endpoint.clone();
        let dir = dir.path().to_path_buf();
        async move {
            let all: Vec<&str> = all.iter().map(String::as_str).collect();
            let (status, out) = run_tool(&endpoint, &dir, "aws", &all, &[]).await;
            assert_eq!(status, 0, "aws {all:?}: {out}");
            out.trim().to_owned()
        }
    };
    let org = aws(&[
        "organizations",
        "create-organization",
        "--feature-set",
        "ALL",
        "--query",
        "Organization.Id",
    ])
    .await;
    aws(&[
        "organizations",
        "create-account",
        "--email",
        "member@example.com",
        "--account-name",
        "member",
    ])
    .await;
    let member = aws(&[
        "organizations",
        "list-accounts",
        "--query",
        "Accounts[?Name==`member`].Id",
    ])
    .await;
    let root = aws(&["organizations", "list-roots", "--query", "Roots[0].Id"]).await;
    aws(&[
        "organizations",
        "enable-policy-type",
        "--root-id",
        &root,
        "--policy-type",
        "SERVICE_CONTROL_POLICY",
    ])
    .await;
    let scp = aws(&[
        "organizations",
        "create-policy",
        "--name",
        "deny-iam",
        "--type",
        "SERVICE_CONTROL_POLICY",
        "--description",
        "no IAM in member accounts",
        "--content",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#,
        "--query",
        "Policy.PolicySummary.Id",
    ])
    .await;
    aws(&[
        "organizations",
        "attach-policy",
        "--policy-id",
        &scp,
        "--target-id",
        &member,
    ])
    .await;
    let (status, out) = run(&["orgs", "create"]).await;
    assert_eq!(status, 0, "pmapper orgs create: {out}");
    assert!(
        out.contains(&format!(
            "Generating data for organization {org} through management account {ACCOUNT}"
        )),
        "{out}"
    );
    let (status, out) = run(&["orgs", "display", "--org", &org]).await;
    assert_eq!(status, 0, "pmapper orgs display: {out}");
    // The order is ListPoliciesForTarget's, by policy id: the new SCP's random id may sort
    // before or after `p-FullAWSAccess`.
    assert!(
        out.contains(&format!(
            "{member}:\n    Directly Attached SCPs: ['FullAWSAccess', 'deny-iam']"
        )) || out.contains(&format!(
            "{member}:\n    Directly Attached SCPs: ['deny-iam', 'FullAWSAccess']"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{ACCOUNT}:\n    Directly Attached SCPs: ['FullAWSAccess']\n"
        )),
        "{out}"
    );
}

/// `cloudsplaining download` (GetAccountAuthorizationDetails once per filter, through boto3)
/// then `cloudsplaining scan`: the planted customer managed policy that allows `iam:PassRole`
/// and `s3:*` on every resource is reported with the privilege-escalation and data-exfiltration
/// findings it deserves, and the tightly scoped one is not.
pub async fn cloudsplaining_flags_overpermissive_policy(s: &Server) {
    if !tool_available("cloudsplaining", &["cloudsplaining", "--version"]) {
        return;
    }
    let iam = root_iam(s);
    iam.create_user()
        .user_name("deployer")
        .send()
        .await
        .expect("user");
    let wide = iam
        .create_policy()
        .policy_name("deploy-anything")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:PassRole","s3:*"],"Resource":"*"}]}"#,
        )
        .send()
        .await
        .expect("wide policy");
    let narrow = iam
        .create_policy()
        .policy_name("read-one-bucket")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*"}]}"#,
        )
        .send()
        .await
        .expect("narrow policy");
    for p in [&wide, &narrow] {
        iam.attach_user_policy()
            .user_name("deployer")
            .policy_arn(p.policy().and_then(|p| p.arn()).expect("arn"))
            .send()
            .await
            .expect("attach");
    }

    let dir = tempfile::tempdir().expect("dir");
    let out_dir = dir.path().to_str().expect("utf-8");
    let (code, out) = run_tool(
        &s.endpoint,
        dir.path(),
        "cloudsplaining",
        &["download", "--output", out_dir],
        &[],
    )
    .await;
    assert_eq!(code, 0, "cloudsplaining download: {out}");
    let details: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("default.json")).expect("downloaded file"),
    )
    .expect("json");
    let users = details["UserDetailList"].as_array().expect("users");
    assert_eq!(users.len(), 1, "{details}");
    assert_eq!(users[0]["UserName"], "deployer");
    let policies: Vec<&str> = details["Policies"]
        .as_array()
        .expect("policies")
        .iter()
        .filter_map(|p| p["PolicyName"].as_str())
        .collect();
    assert!(
        policies.contains(&"deploy-anything") && policies.contains(&"read-one-bucket"),
        "{policies:?}"
    );

    let (code, out) = run_tool(
        &s.endpoint,
        dir.path(),
        "cloudsplaining",
        &[
            "scan",
            "--input-file",
            &format!("{out_dir}/default.json"),
            "--output",
            out_dir,
            "--skip-open-report",
        ],
        &[],
    )
    .await;
    assert_eq!(code, 0, "cloudsplaining scan: {out}");
    let findings: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("iam-findings-default.json"))
            .expect("findings file"),
    )
    .expect("json");
    // Customer managed policies are keyed by policy id; each risk category lists the actions.
    let policies = findings["customer_managed_policies"]
        .as_object()
        .expect("customer managed policies");
    let finding = |name: &str| {
        policies
            .values()
            .find(|p| p["PolicyName"] == name)
            .unwrap_or_else(|| panic!("{name} is in the scan: {findings}"))
    };
    let actions = |policy: &serde_json::Value, risk: &str| -> Vec<String> {
        policy[risk]["findings"]
            .as_array()
            .unwrap_or_else(|| panic!("{risk}: {policy}"))
            .iter()
            .filter_map(|a| a.as_str().map(str::to_owned))
            .collect()
    };
    let wide = finding("deploy-anything");
    assert_eq!(wide["AttachedTo"]["users"], serde_json::json!(["deployer"]));
    assert!(
        actions(wide, "ResourceExposure").contains(&"iam:PassRole".to_owned()),
        "{wide}"
    );
    assert!(
        actions(wide, "InfrastructureModification").contains(&"iam:PassRole".to_owned()),
        "{wide}"
    );
    assert_eq!(actions(wide, "ServiceWildcard"), ["s3"], "{wide}");
    assert_eq!(
        actions(wide, "DataExfiltration"),
        ["s3:GetObject"],
        "{wide}"
    );
    let narrow = finding("read-one-bucket");
    for risk in [
        "PrivilegeEscalation",
        "ResourceExposure",
        "InfrastructureModification",
        "ServiceWildcard",
        "DataExfiltration",
        "CredentialsExposure",
    ] {
        assert!(actions(narrow, risk).is_empty(), "{risk}: {narrow}");
    }
}

/// The PLAY RECAP's counters for localhost: (ok, changed, failed).
fn recap(out: &str) -> (u32, u32, u32) {
    let line = out
        .lines()
        .find(|l| l.starts_with("localhost") && l.contains("changed="))
        .unwrap_or_else(|| panic!("no PLAY RECAP in: {out}"));
    let count = |key: &str| {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(key))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{key} in {line}"))
    };
    (count("ok="), count("changed="), count("failed="))
}

/// An Ansible playbook of the `amazon.aws` IAM modules (`tests/ansible/apply.yml`): the
/// password policy, two managed policies (one a permissions boundary), a user with a console
/// password and an access key, a group, inline policies on the user, the group and the role, a
/// role with a boundary, an instance profile and a server certificate with its chain. Applied
/// twice — the second run reports `changed=0` — checked with the SDK, then torn down
/// (`tests/ansible/teardown.yml`, `state: absent`) to an empty account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ansible_playbook_round_trip() {
    let s = sqlite().await;
    ansible_playbook(&s).await;
    s.stop().await;
}

/// The playbook's scenario against `s`. (One backend: the playbooks take a minute or two of
/// Ansible's own time, and the calls they make are those the per-backend tests make.)
async fn ansible_playbook(s: &Server) {
    if !tool_available("ansible", &["ansible-playbook", "--version"]) {
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let ca_key = rcgen::KeyPair::generate().expect("key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::new()).expect("params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Rolegate Ansible CA");
    let ca = ca_params.self_signed(&ca_key).expect("ca");
    let issuer = rcgen::Issuer::new(ca_params, &ca_key);
    let server_key = rcgen::KeyPair::generate().expect("key");
    let server = rcgen::CertificateParams::new(vec!["www.example.com".into()])
        .expect("params")
        .signed_by(&server_key, &issuer)
        .expect("server certificate");
    std::fs::write(dir.path().join("server.pem"), server.pem()).expect("write");
    std::fs::write(dir.path().join("chain.pem"), ca.pem()).expect("write");
    std::fs::write(
        dir.path().join("server-key.pem"),
        server_key.serialize_pem(),
    )
    .expect("write");
    let playbooks = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ansible");
    let files = dir.path().to_str().expect("utf-8");
    let extra = format!(
        "endpoint={} access_key={ROOT_KEY} secret_key={ROOT_SECRET} account={ACCOUNT} files={files}",
        s.endpoint
    );
    let env = [
        ("ANSIBLE_NOCOLOR", "1"),
        ("ANSIBLE_LOCALHOST_WARNING", "false"),
        ("ANSIBLE_INVENTORY_UNPARSED_WARNING", "false"),
        ("ANSIBLE_LOCAL_TEMP", files),
        ("ANSIBLE_HOME", files),
    ];
    let play = |book: &str| {
        let path = playbooks.join(book);
        let path = path.to_str().expect("utf-8").to_owned();
        let extra = extra.clone();
        let endpoint = s.endpoint.clone();
        let dir = dir.path().to_path_buf();
        async move {
            run_tool(
                &endpoint,
                &dir,
                "ansible-playbook",
                &["-i", "localhost,", "-e", &extra, &path],
                &env,
            )
            .await
        }
    };

    let (status, out) = play("apply.yml").await;
    assert_eq!(status, 0, "first apply: {out}");
    let (_, changed, failed) = recap(&out);
    assert_eq!(failed, 0, "{out}");
    // Every task but the key listing and the read-backs changes something.
    assert_eq!(changed, 12, "the first run creates everything: {out}");

    let (status, out) = play("apply.yml").await;
    assert_eq!(status, 0, "second apply: {out}");
    let (ok, changed, failed) = recap(&out);
    assert_eq!(
        (changed, failed),
        (0, 0),
        "the second run changes nothing: {out}"
    );
    assert_eq!(
        ok, 17,
        "the second run skips the key and changes nothing else: {out}"
    );

    // What the playbook made, as the SDK reads it.
    let iam = root_iam(s);
    let role = iam
        .get_role()
        .role_name("ansible-app")
        .send()
        .await
        .expect("role");
    let role = role.role().expect("role");
    assert_eq!(
        role.permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn()),
        Some(format!("arn:aws:iam::{ACCOUNT}:policy/ansible-boundary").as_str())
    );
    assert_eq!(role.max_session_duration(), Some(7200));
    iam.get_login_profile()
        .user_name("ansible-alice")
        .send()
        .await
        .expect("alice has a console password");
    let keys = iam
        .list_access_keys()
        .user_name("ansible-alice")
        .send()
        .await
        .expect("keys");
    assert_eq!(keys.access_key_metadata().len(), 1, "one key, made once");
    let group = iam
        .get_group()
        .group_name("ansible-readers")
        .send()
        .await
        .expect("group");
    assert_eq!(group.users().len(), 1);
    let profile = iam
        .get_instance_profile()
        .instance_profile_name("ansible-app-profile")
        .send()
        .await
        .expect("instance profile");
    assert_eq!(profile.instance_profile().map(|p| p.roles().len()), Some(1));
    let policy = iam
        .get_account_password_policy()
        .send()
        .await
        .expect("password policy");
    assert_eq!(
        policy
            .password_policy()
            .map(|p| p.minimum_password_length()),
        Some(Some(14))
    );
    let cert = iam
        .get_server_certificate()
        .server_certificate_name("ansible-www")
        .send()
        .await
        .expect("server certificate");
    assert!(
        cert.server_certificate()
            .and_then(|c| c.certificate_chain())
            .is_some_and(|c| c.contains("BEGIN CERTIFICATE")),
        "the chain was uploaded"
    );

    let (status, out) = play("teardown.yml").await;
    assert_eq!(status, 0, "teardown: {out}");
    assert_eq!(recap(&out).1, 9, "{out}");

    let users = iam.list_users().send().await.expect("users");
    assert!(users.users().is_empty(), "{users:?}");
    let roles = iam.list_roles().send().await.expect("roles");
    assert!(roles.roles().is_empty(), "{roles:?}");
    let groups = iam.list_groups().send().await.expect("groups");
    assert!(groups.groups().is_empty(), "{groups:?}");
    let local = iam
        .list_policies()
        .scope(aws_sdk_iam::types::PolicyScopeType::Local)
        .send()
        .await
        .expect("policies");
    assert!(local.policies().is_empty(), "{local:?}");
    let profiles = iam.list_instance_profiles().send().await.expect("profiles");
    assert!(profiles.instance_profiles().is_empty());
    let certificates = iam
        .list_server_certificates()
        .send()
        .await
        .expect("certificates");
    assert!(certificates.server_certificate_metadata_list().is_empty());
    let e = iam
        .get_account_password_policy()
        .send()
        .await
        .expect_err("password policy removed");
    assert_eq!(code(&e), "NoSuchEntity");
}

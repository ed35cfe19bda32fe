//! The seed walkthrough with the real aws-cli against the real binary.

use serde_json::Value;

use crate::{
    durability::{free_port, spawn_server, wait_ready},
    support::*,
};

struct Cli {
    endpoint: String,
    key: (String, String),
    dir: std::path::PathBuf,
}

impl Cli {
    fn run(&self, args: &[&str]) -> Result<Value, String> {
        aws_json(
            crate::support::bounded("aws")
                .args(args)
                .args(["--endpoint-url", &self.endpoint, "--output", "json"])
                .env("AWS_ACCESS_KEY_ID", &self.key.0)
                .env("AWS_SECRET_ACCESS_KEY", &self.key.1)
                .env_remove("AWS_SESSION_TOKEN")
                .env_remove("AWS_PROFILE")
                .env("AWS_DEFAULT_REGION", "us-east-1")
                .env("AWS_CONFIG_FILE", self.dir.join("no-config"))
                .env(
                    "AWS_SHARED_CREDENTIALS_FILE",
                    self.dir.join("no-credentials"),
                )
                .current_dir(&self.dir),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_walkthrough_with_aws_cli() {
    if !aws_cli_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let mut child = spawn_server(
        dir.path(),
        port,
        &[
            ("ROLEGATE_ROOT_ACCESS_KEY_ID", ROOT_KEY),
            ("ROLEGATE_ROOT_SECRET_ACCESS_KEY", ROOT_SECRET),
        ],
    );
    wait_ready(port).await;
    let admin = Cli {
        endpoint: format!("http://127.0.0.1:{port}"),
        key: (ROOT_KEY.into(), ROOT_SECRET.into()),
        dir: dir.path().to_path_buf(),
    };
    std::fs::write(
        dir.path().join("trust.json"),
        format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:user/Bob"}},"Action":"sts:AssumeRole"}}]}}"#),
    )
    .expect("trust");
    std::fs::write(
        dir.path().join("assume.json"),
        format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::{ACCOUNT}:role/*"}}]}}"#),
    )
    .expect("policy");

    let me = admin.run(&["sts", "get-caller-identity"]).expect("whoami");
    assert_eq!(me["Arn"], format!("arn:aws:iam::{ACCOUNT}:root"));
    let user = admin
        .run(&["iam", "create-user", "--user-name", "Bob"])
        .expect("create-user");
    assert_eq!(
        user["User"]["Arn"],
        format!("arn:aws:iam::{ACCOUNT}:user/Bob")
    );
    let key = admin
        .run(&["iam", "create-access-key", "--user-name", "Bob"])
        .expect("create-access-key");
    let bob_key = (
        key["AccessKey"]["AccessKeyId"]
            .as_str()
            .expect("id")
            .to_owned(),
        key["AccessKey"]["SecretAccessKey"]
            .as_str()
            .expect("secret")
            .to_owned(),
    );
    let policy = admin
        .run(&[
            "iam",
            "create-policy",
            "--policy-name",
            "AssumeRoles",
            "--policy-document",
            "file://assume.json",
        ])
        .expect("create-policy");
    let policy_arn = policy["Policy"]["Arn"].as_str().expect("arn").to_owned();
    admin
        .run(&[
            "iam",
            "attach-user-policy",
            "--user-name",
            "Bob",
            "--policy-arn",
            &policy_arn,
        ])
        .expect("attach-user-policy");
    let role = admin
        .run(&[
            "iam",
            "create-role",
            "--role-name",
            "S3Reader",
            "--assume-role-policy-document",
            "file://trust.json",
        ])
        .expect("create-role");
    assert!(
        role["Role"]["RoleId"]
            .as_str()
            .expect("id")
            .starts_with("AROA")
    );
    // UpdateRole's reply carries its empty result wrapper: the aws-cli exits 0.
    admin
        .run(&[
            "iam",
            "update-role",
            "--role-name",
            "s3reader",
            "--max-session-duration",
            "7200",
        ])
        .expect("update-role");
    let updated = admin
        .run(&["iam", "get-role", "--role-name", "S3Reader"])
        .expect("get-role");
    assert_eq!(updated["Role"]["MaxSessionDuration"], 7200);
    admin
        .run(&[
            "iam",
            "attach-role-policy",
            "--role-name",
            "S3Reader",
            "--policy-arn",
            "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        ])
        .expect("attach-role-policy");
    admin
        .run(&[
            "iam",
            "create-instance-profile",
            "--instance-profile-name",
            "S3Reader",
        ])
        .expect("create-instance-profile");
    admin
        .run(&[
            "iam",
            "add-role-to-instance-profile",
            "--instance-profile-name",
            "S3Reader",
            "--role-name",
            "S3Reader",
        ])
        .expect("add-role");

    // What the aws-cli shows back: documents decoded into JSON, attachments, the profile's role.
    let got = admin
        .run(&["iam", "get-role", "--role-name", "S3Reader"])
        .expect("get-role");
    assert_eq!(
        got["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"],
        format!("arn:aws:iam::{ACCOUNT}:user/Bob")
    );
    let attached = admin
        .run(&[
            "iam",
            "list-attached-role-policies",
            "--role-name",
            "S3Reader",
        ])
        .expect("list");
    assert_eq!(
        attached["AttachedPolicies"][0]["PolicyName"],
        "AmazonS3ReadOnlyAccess"
    );
    let profile = admin
        .run(&[
            "iam",
            "get-instance-profile",
            "--instance-profile-name",
            "S3Reader",
        ])
        .expect("profile");
    assert_eq!(
        profile["InstanceProfile"]["Roles"][0]["RoleName"],
        "S3Reader"
    );
    let version = admin
        .run(&[
            "iam",
            "get-policy-version",
            "--policy-arn",
            &policy_arn,
            "--version-id",
            "v1",
        ])
        .expect("version");
    assert_eq!(
        version["PolicyVersion"]["Document"]["Statement"][0]["Action"],
        "sts:AssumeRole"
    );
    let err = admin
        .run(&["iam", "create-user", "--user-name", "bob"])
        .expect_err("duplicate");
    assert!(
        err.contains("EntityAlreadyExists") && err.contains("User with name bob already exists."),
        "{err}"
    );
    let err = admin
        .run(&["iam", "get-role", "--role-name", "missing"])
        .expect_err("missing");
    assert!(err.contains("NoSuchEntity"), "{err}");

    // Bob's keys work, and carry only what his policy grants.
    let bob = Cli {
        key: bob_key,
        ..admin
    };
    let me = bob.run(&["sts", "get-caller-identity"]).expect("bob");
    assert_eq!(me["Arn"], format!("arn:aws:iam::{ACCOUNT}:user/Bob"));
    let err = bob.run(&["iam", "list-users"]).expect_err("no iam rights");
    assert!(
        err.contains("AccessDenied") && err.contains("is not authorized to perform: iam:ListUsers"),
        "{err}"
    );

    child.kill().expect("stop");
    let _ = child.wait();
}

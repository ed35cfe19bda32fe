//! Roles through the real aws-cli and boto3 against the real binary: a profile with
//! `role_arn` + `source_profile` (the cli assumes the role by itself), `aws sts assume-role`,
//! and the AccessDenied error as botocore parses it.

use serde_json::Value;

use crate::{durability::binary_server, support::*};

fn aws(dir: &std::path::Path, endpoint: &str, args: &[&str]) -> Result<Value, String> {
    aws_json(
        crate::support::bounded("aws")
            .args(args)
            .args(["--output", "json"])
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
            .env("AWS_ENDPOINT_URL", endpoint)
            // The aws-cli caches assumed-role credentials under ~/.aws/cli/cache.
            .env("HOME", dir)
            .env("AWS_CONFIG_FILE", dir.join("config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("credentials"))
            .current_dir(dir),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_with_aws_cli_and_boto3() {
    if !aws_cli_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let (mut child, s) = binary_server(dir.path()).await;
    let endpoint = s.endpoint.clone();
    let (dk, ds) = crate::sts::user_with_key(
        &s,
        "dev",
        Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#),
    )
    .await;
    let trust_dev = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:user/dev"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    crate::sts::role(
        &s,
        "RoleOne",
        &trust_dev,
        Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}"#),
    )
    .await;
    std::fs::write(
        dir.path().join("config"),
        format!(
            "[profile dev]\nregion = us-east-1\n\n[profile one]\nregion = us-east-1\nrole_arn = arn:aws:iam::{ACCOUNT}:role/RoleOne\nsource_profile = dev\nrole_session_name = cli-one\n"
        ),
    )
    .expect("config");
    std::fs::write(
        dir.path().join("credentials"),
        format!("[dev]\naws_access_key_id = {dk}\naws_secret_access_key = {ds}\n"),
    )
    .expect("credentials");

    // The user's own keys can do nothing but assume.
    let e = aws(
        dir.path(),
        &endpoint,
        &["iam", "list-users", "--profile", "dev"],
    )
    .expect_err("dev alone");
    assert!(e.contains("AccessDenied"), "{e}");

    // The cli assumes the role by itself from the profile.
    let who = aws(
        dir.path(),
        &endpoint,
        &["sts", "get-caller-identity", "--profile", "one"],
    )
    .expect("whoami");
    assert_eq!(
        who["Arn"],
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/RoleOne/cli-one")
    );
    let users = aws(
        dir.path(),
        &endpoint,
        &["iam", "list-users", "--profile", "one"],
    )
    .expect("role lists users");
    assert!(
        users["Users"]
            .as_array()
            .is_some_and(|u| u.iter().any(|x| x["UserName"] == "dev"))
    );
    let e = aws(
        dir.path(),
        &endpoint,
        &["iam", "create-user", "--user-name", "x", "--profile", "one"],
    )
    .expect_err("role cannot create");
    assert!(
        e.contains("AccessDenied") && e.contains("assumed-role/RoleOne/cli-one"),
        "{e}"
    );

    // `aws sts assume-role` explicitly.
    let out = aws(
        dir.path(),
        &endpoint,
        &[
            "sts",
            "assume-role",
            "--role-arn",
            &format!("arn:aws:iam::{ACCOUNT}:role/RoleOne"),
            "--role-session-name",
            "explicit",
            "--duration-seconds",
            "900",
            "--profile",
            "dev",
        ],
    )
    .expect("assume-role");
    assert!(
        out["Credentials"]["AccessKeyId"]
            .as_str()
            .is_some_and(|k| k.starts_with("ASIA"))
    );
    assert_eq!(
        out["AssumedRoleUser"]["Arn"],
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/RoleOne/explicit")
    );

    // boto3: the exact AccessDenied message and the encoded authorization message beside it.
    if boto3_available() {
        let script = format!(
            r#"
import boto3, botocore, json
s = boto3.session.Session(aws_access_key_id="{dk}", aws_secret_access_key="{ds}", region_name="us-east-1")
iam = s.client("iam", endpoint_url="{endpoint}")
try:
    iam.list_users()
    raise SystemExit("not denied")
except botocore.exceptions.ClientError as e:
    err = e.response["Error"]
    print(json.dumps({{"code": err["Code"], "message": err["Message"], "encoded": err.get("EncodedAuthorizationMessage", "")}}))
"#
        );
        let out = crate::support::bounded("python3")
            .arg("-c")
            .arg(script)
            .output()
            .expect("python");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).expect("json");
        assert_eq!(v["code"], "AccessDenied");
        assert_eq!(
            v["message"],
            format!(
                "User: arn:aws:iam::{ACCOUNT}:user/dev is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::{ACCOUNT}:user/ because no identity-based policy allows the iam:ListUsers action"
            )
        );
        assert!(v["encoded"].as_str().is_some_and(|e| e.len() > 40));
    }
    child.kill().expect("kill");
    let _ = child.wait();
}

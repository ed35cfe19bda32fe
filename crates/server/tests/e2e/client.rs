//! The `rolegate` client, run as the real binary through bash against the real server: switch
//! between roles (not chain), fail without exporting anything, exec, credential_process used by
//! the aws-cli, ExternalId, MFA and duration.

use totp_rs::{Algorithm, TOTP};

use crate::{
    durability::binary_server,
    sts::{role, user_with_key},
    support::*,
};

pub(crate) fn bash(
    dir: &std::path::Path,
    endpoint: &str,
    env: &[(&str, &str)],
    script: &str,
) -> (i32, String, String) {
    let mut cmd = crate::support::bounded("bash");
    cmd.arg("-c")
        .arg(script)
        .current_dir(dir)
        .env_clear()
        .env(
            "PATH",
            format!(
                "{}:{}",
                std::path::Path::new(env!("CARGO_BIN_EXE_rolegate"))
                    .parent()
                    .expect("bin dir")
                    .display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("HOME", dir)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", dir.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("credentials"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("bash");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rolegate_client_switches_roles() {
    if !aws_cli_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let (mut child, s) = binary_server(dir.path()).await;
    let endpoint = s.endpoint.clone();
    let (dk, ds) = user_with_key(&s, "dev", Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#)).await;
    let trust_dev = |cond: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:user/dev"}},"Action":"sts:AssumeRole"{cond}}}]}}"#
        )
    };
    let list_users = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}"#;
    // RoleTwo trusts only the user: reaching it from RoleOne's session would be refused.
    role(&s, "RoleOne", &trust_dev(""), Some(list_users)).await;
    role(&s, "RoleTwo", &trust_dev(""), None).await;
    role(
        &s,
        "Vendor",
        &trust_dev(r#","Condition":{"StringEquals":{"sts:ExternalId":"ext-123"}}"#),
        None,
    )
    .await;
    role(
        &s,
        "Guarded",
        &trust_dev(r#","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#),
        None,
    )
    .await;
    std::fs::write(
        dir.path().join("config"),
        format!(
            "[profile vendor]\nrole_arn = arn:aws:iam::{ACCOUNT}:role/Vendor\nexternal_id = ext-123\nduration_seconds = 900\nrole_session_name = from-profile\n\n[profile viaprocess]\ncredential_process = rolegate credential-process --role arn:aws:iam::{ACCOUNT}:role/RoleOne --session-name proc\n"
        ),
    )
    .expect("config");
    let env = [
        ("AWS_ACCESS_KEY_ID", dk.as_str()),
        ("AWS_SECRET_ACCESS_KEY", ds.as_str()),
    ];
    let one = format!("arn:aws:iam::{ACCOUNT}:role/RoleOne");

    // Switch to RoleOne, then to RoleTwo, then back to the user.
    let script = format!(
        r#"set -e
eval "$(rolegate assume --role {one} --session-name one)"
aws sts get-caller-identity --query Arn --output text
aws iam list-users --query 'Users[].UserName' --output text
eval "$(rolegate assume --role RoleTwo --session-name two)"
aws sts get-caller-identity --query Arn --output text
eval "$(rolegate assume --unset)"
aws sts get-caller-identity --query Arn --output text
eval "$(rolegate shell-init bash)"
assume RoleOne --session-name fn
aws sts get-caller-identity --query Arn --output text
rolegate whoami
"#
    );
    let (code, out, err) = bash(dir.path(), &endpoint, &env, &script);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/RoleOne/one")
    );
    assert_eq!(lines[1], "dev");
    assert_eq!(
        lines[2],
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/RoleTwo/two")
    );
    assert_eq!(lines[3], format!("arn:aws:iam::{ACCOUNT}:user/dev"));
    assert_eq!(
        lines[4],
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/RoleOne/fn")
    );
    assert!(out.contains("\"SecondsLeft\""), "{out}");
    assert!(!err.contains(&ds), "a secret reached stderr");

    // --chain chains deliberately: RoleTwo does not trust RoleOne, so it is refused.
    let script = format!(
        r#"eval "$(rolegate assume --role {one})"
rolegate assume --chain --role RoleTwo
"#
    );
    let (code, out, err) = bash(dir.path(), &endpoint, &env, &script);
    assert_ne!(code, 0);
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("AccessDenied") && err.contains("assumed-role/RoleOne"),
        "{err}"
    );

    // A failed assume prints nothing and leaves the environment as it was.
    let script = r#"before="$AWS_ACCESS_KEY_ID"
out="$(rolegate assume --role arn:aws:iam::123456789012:role/Nope)"; status=$?
eval "$out"
echo "status=$status out=[$out] same=$([ "$AWS_ACCESS_KEY_ID" = "$before" ] && echo yes)"
"#;
    let (_, out, err) = bash(dir.path(), &endpoint, &env, script);
    assert_eq!(out.trim(), "status=1 out=[] same=yes", "{err}");
    assert!(err.contains("AccessDenied: User: arn:aws:iam::123456789012:user/dev is not authorized to perform: sts:AssumeRole"), "{err}");

    // exec passes the exit code through.
    let (code, out, _) = bash(
        dir.path(),
        &endpoint,
        &env,
        &format!(
            "rolegate exec --role {one} -- sh -c 'aws sts get-caller-identity --query Arn --output text; exit 7'"
        ),
    );
    assert_eq!(code, 7);
    assert!(
        out.starts_with(&format!("arn:aws:sts::{ACCOUNT}:assumed-role/RoleOne/")),
        "{out}"
    );

    // credential_process from the aws-cli's config (the source credentials come from the env).
    let (code, out, err) = bash(
        dir.path(),
        &endpoint,
        &env,
        "aws sts get-caller-identity --profile viaprocess --query Arn --output text && ls -l $HOME/.cache/rolegate | tail -n +2",
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!("arn:aws:sts::{ACCOUNT}:assumed-role/RoleOne/proc")),
        "{out}"
    );
    assert!(out.contains("-rw-------"), "cache file must be 0600: {out}");

    // A role profile with external_id, duration_seconds and role_session_name.
    let (code, out, err) = bash(
        dir.path(),
        &endpoint,
        &env,
        "rolegate assume --role vendor --format json",
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let exp = time::OffsetDateTime::parse(
        v["Expiration"].as_str().expect("exp"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("rfc3339");
    let left = exp.unix_timestamp() - time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((880..=900).contains(&left), "{left}");
    let (code, _, err) = bash(
        dir.path(),
        &endpoint,
        &env,
        "rolegate assume --role Vendor --external-id wrong",
    );
    assert_ne!(code, 0);
    assert!(err.contains("AccessDenied"), "{err}");

    // MFA with a TOTP code.
    let root = root_iam(&s);
    let dev_mfa = root
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("dev")
        .send()
        .await
        .expect("mfa")
        .virtual_mfa_device
        .expect("d");
    let serial = dev_mfa.serial_number().to_owned();
    let seed = data_encoding::BASE32_NOPAD
        .decode(dev_mfa.base32_string_seed().expect("seed").as_ref())
        .expect("b32");
    let totp = TOTP::new_unchecked(Algorithm::SHA1, 6, 0, 30, seed);
    let now = u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp()).expect("now");
    root.enable_mfa_device()
        .user_name("dev")
        .serial_number(&serial)
        .authentication_code1(totp.generate(now - 60))
        .authentication_code2(totp.generate(now - 30))
        .send()
        .await
        .expect("enable");
    let (code, _, err) = bash(
        dir.path(),
        &endpoint,
        &env,
        "rolegate assume --role Guarded < /dev/null",
    );
    assert_ne!(code, 0, "no MFA: {err}");
    let script = format!(
        "rolegate assume --role Guarded --mfa-serial {serial} --token-code {}",
        totp.generate(now)
    );
    let (code, out, err) = bash(dir.path(), &endpoint, &env, &script);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("export AWS_SESSION_TOKEN="));

    child.kill().expect("kill");
    let _ = child.wait();
}

//! The S3 gateway's later gaps, against a real SeaweedFS (`weed mini` on loopback) as in
//! `s3_gateway.rs`: `s3:ExistingObjectTag/*` read from the backend per request,
//! virtual-hosted-style addressing (`--virtual-host-domain`), rclone as a client, and the IAM
//! policy simulator deciding bucket policies as the gateway does.

use crate::{
    s3_gateway::{aws_s3, backend, gateway, root, weed, weed_available, write_file},
    support::*,
};

fn script(name: &str) -> String {
    format!("{}/tests/e2e/scripts/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A role of the management account with `policy`, and a session of it (assumed by a user
/// allowed to): (key, secret, token).
async fn role_session(s: &Server, name: &str, policy: &str) -> (String, String, String) {
    crate::sts::role(s, name, &trust_account(ACCOUNT), Some(policy)).await;
    let assume = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::{ACCOUNT}:role/{name}"}}]}}"#
    );
    let (k, secret) = crate::sts::user_with_key(s, &format!("{name}-user"), Some(&assume)).await;
    let c = sts(&s.endpoint, &k, &secret)
        .assume_role()
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/{name}"))
        .role_session_name("e2e")
        .send()
        .await
        .expect("assume")
        .credentials
        .expect("credentials");
    (c.access_key_id, c.secret_access_key, c.session_token)
}

/// `python3 SCRIPT ARGS` (no aws config files), asserting it printed `ok`.
fn python_ok(args: &[&str], env: &[(&str, &str)]) {
    let mut cmd = bounded("python3");
    cmd.args(args)
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("python3");
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "ok",
        "{args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `s3:ExistingObjectTag/<key>`: a user allowed s3:GetObject only on objects tagged
/// classification=public reads those and is denied the rest (untagged, other tag, missing),
/// through boto3, the aws-cli and aws-sdk-rust; retagging flips the answer at the next
/// request; CopyObject's source is decided by its own tags; a bucket policy's Deny by tag
/// closes reads and tag reads but not overwrites, as in AWS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_gateway_existing_object_tag() {
    if !aws_cli_available() || !boto3_available() || !weed_available() {
        return;
    }
    let weed = weed().await;
    let s = sqlite().await;
    let (gw_running, gw) = gateway(&s, &weed).await;
    let (ok, _, err) = aws_s3(&gw, root(), &["s3", "mb", "s3://tagged"]);
    assert!(ok, "{err}");
    let reader = crate::sts::user_with_key(
        &s,
        "reader",
        Some(
            r#"{"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::tagged/*","Condition":{"StringEquals":{"s3:ExistingObjectTag/classification":"public"}}},
              {"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::tagged/copies/*"}]}"#,
        ),
    )
    .await;
    let wide = crate::sts::user_with_key(
        &s,
        "wide",
        Some(
            r#"{"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":["s3:GetObject","s3:GetObjectTagging","s3:PutObject"],"Resource":"arn:aws:s3:::tagged/*"}]}"#,
        ),
    )
    .await;
    let args = [
        script("s3_gateway_more_boto3.py"),
        "existing-tags".into(),
        gw.clone(),
        ROOT_KEY.into(),
        ROOT_SECRET.into(),
        reader.0.clone(),
        reader.1.clone(),
        wide.0.clone(),
        wide.1.clone(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    tokio::task::block_in_place(|| python_ok(&args, &[]));

    // The aws-cli: the public object (tags restored by the script) is readable, the untagged
    // one is not.
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("out");
    let out = out.to_str().expect("path");
    let reader_creds = (reader.0.as_str(), reader.1.as_str(), None);
    let (ok, _, err) = aws_s3(
        &gw,
        reader_creds,
        &["s3", "cp", "s3://tagged/public.txt", out],
    );
    assert!(ok, "{err}");
    assert_eq!(std::fs::read(out).expect("downloaded"), b"public");
    let (ok, _, err) = aws_s3(
        &gw,
        reader_creds,
        &[
            "s3api",
            "get-object",
            "--bucket",
            "tagged",
            "--key",
            "plain.txt",
            out,
        ],
    );
    assert!(!ok && err.contains("AccessDenied"), "{err}");

    // aws-sdk-rust: the same two answers, and a retag by the backend itself (not through the
    // gateway) applies to the next request.
    let sdk = rolegate_gateway::backend_client(&rolegate_gateway::BackendConfig {
        endpoint: gw.clone(),
        access_key_id: reader.0.clone(),
        secret_access_key: rolegate_sigv4::SecretKey::new(reader.1.clone()),
        region: "us-east-1".into(),
    });
    let got = sdk
        .get_object()
        .bucket("tagged")
        .key("public.txt")
        .send()
        .await
        .expect("a public object");
    assert_eq!(
        got.body
            .collect()
            .await
            .expect("body")
            .into_bytes()
            .as_ref(),
        b"public"
    );
    let denied = |e: rolegate_gateway::aws_sdk_s3::error::SdkError<
        rolegate_gateway::aws_sdk_s3::operation::get_object::GetObjectError,
        rolegate_gateway::aws_sdk_s3::config::http::HttpResponse,
    >| {
        matches!(&e, rolegate_gateway::aws_sdk_s3::error::SdkError::ServiceError(se) if se.raw().status().as_u16() == 403)
    };
    let e = sdk
        .get_object()
        .bucket("tagged")
        .key("plain.txt")
        .send()
        .await
        .expect_err("untagged");
    assert!(denied(e), "untagged");
    let direct = rolegate_gateway::backend_client(&backend(&weed));
    let public = rolegate_gateway::aws_sdk_s3::types::Tag::builder()
        .key("classification")
        .value("public")
        .build()
        .expect("tag");
    direct
        .put_object_tagging()
        .bucket("tagged")
        .key("plain.txt")
        .tagging(
            rolegate_gateway::aws_sdk_s3::types::Tagging::builder()
                .tag_set(public)
                .build()
                .expect("tagging"),
        )
        .send()
        .await
        .expect("retag in the backend");
    let got = sdk
        .get_object()
        .bucket("tagged")
        .key("plain.txt")
        .send()
        .await
        .expect("retagged public in the backend");
    assert_eq!(
        got.body
            .collect()
            .await
            .expect("body")
            .into_bytes()
            .as_ref(),
        b"plain"
    );

    gw_running.shutdown().await.expect("gateway stops");
    s.stop().await;
}

/// Virtual-hosted-style addressing with `--virtual-host-domain localhost`: boto3 with
/// `addressing_style: virtual` and the aws-cli with `addressing_style = virtual` put, get,
/// list and presign on `BUCKET.localhost:PORT` (resolved to loopback by
/// `localhost_resolver.py`, the Host header as the client signs it), path style keeps working,
/// a bucket outside the policy is denied, an unsigned Host is refused and a signed request
/// re-addressed to another bucket's host fails its signature.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_gateway_virtual_hosted_style() {
    if !aws_cli_available() || !boto3_available() || !weed_available() {
        return;
    }
    let weed = weed().await;
    let s = sqlite().await;
    let config = rolegate_server::Config {
        listen: "127.0.0.1:0".parse().expect("addr"),
        sync_interval_seconds: 1,
        ..s.config.clone().expect("an in-process server")
    };
    let options = rolegate_server::s3_gateway::options(Some("localhost")).expect("domain");
    let gw_running =
        rolegate_server::s3_gateway::start_with(config, backend(&weed), options, false)
            .await
            .expect("gateway starts");
    let port = gw_running.addr.port().to_string();
    let gw = format!("http://127.0.0.1:{port}");
    for b in ["vhosted", "elsewhere"] {
        let (ok, _, err) = aws_s3(&gw, root(), &["s3", "mb", &format!("s3://{b}")]);
        assert!(ok, "mb {b}: {err}");
    }
    let (k, secret, token) = role_session(
        &s,
        "vhost-rw",
        r#"{"Version":"2012-10-17","Statement":[
          {"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::vhosted"},
          {"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::vhosted/*"}]}"#,
    )
    .await;
    let resolver = script("localhost_resolver.py");
    let more = script("s3_gateway_more_boto3.py");
    tokio::task::block_in_place(|| {
        python_ok(
            &[
                &resolver,
                &more,
                "virtual",
                &port,
                &k,
                &secret,
                &token,
                "vhosted",
                "elsewhere",
            ],
            &[],
        );
    });

    // The aws-cli with `addressing_style = virtual`.
    let dir = tempfile::tempdir().expect("dir");
    let file = write_file(dir.path(), "cli.bin", 300 * 1024);
    let file = file.to_str().expect("path");
    let cfg = dir.path().join("virtual.cfg");
    std::fs::write(&cfg, "[default]\ns3 =\n  addressing_style = virtual\n").expect("cfg");
    let cli = |args: &[&str]| {
        let out = bounded("python3")
            .arg(&resolver)
            .arg("aws")
            .args([
                "--debug",
                "--endpoint-url",
                &format!("http://localhost:{port}"),
            ])
            .args(args)
            .env_remove("AWS_PROFILE")
            .env("AWS_CONFIG_FILE", &cfg)
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", &k)
            .env("AWS_SECRET_ACCESS_KEY", &secret)
            .env("AWS_SESSION_TOKEN", &token)
            .output()
            .expect("aws");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, _, err) =
        tokio::task::block_in_place(|| cli(&["s3", "cp", file, "s3://vhosted/cli/one.bin"]));
    assert!(ok, "{err}");
    assert!(
        err.contains(&format!("vhosted.localhost:{port}")),
        "the aws-cli did not address the bucket by host"
    );
    let (ok, out, err) = tokio::task::block_in_place(|| cli(&["s3", "ls", "s3://vhosted/cli/"]));
    assert!(ok && out.contains("one.bin"), "{out}");
    assert!(err.contains(&format!("vhosted.localhost:{port}")));
    let (ok, _, err) = tokio::task::block_in_place(|| cli(&["s3", "ls", "s3://elsewhere/"]));
    assert!(!ok && err.contains("AccessDenied"), "outside the policy");
    let (ok, _, err) =
        tokio::task::block_in_place(|| cli(&["s3", "rm", "s3://vhosted/cli/one.bin"]));
    assert!(ok, "{err}");
    let direct = rolegate_gateway::backend_client(&backend(&weed));
    assert!(
        direct
            .head_object()
            .bucket("vhosted")
            .key("cli/one.bin")
            .send()
            .await
            .is_err(),
        "removed through the virtual host"
    );

    gw_running.shutdown().await.expect("gateway stops");
    s.stop().await;
}

fn rclone_available() -> bool {
    let ok = bounded("rclone")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok || std::env::var_os("CI").is_none(),
        "rclone must be installed in CI (.ci/run installs it)"
    );
    if !ok {
        eprintln!("SKIPPED: rclone not installed");
    }
    ok
}

/// rclone as a client of the gateway with a role session (provider `Other`, path style, the
/// session token; rclone sends `x-amz-acl: private` by default, which needs `s3:PutObjectAcl`
/// as on AWS): `copy` of a 12 MiB file in 5 MiB parts (multipart upload), `ls`, `copy`
/// back byte for byte, `delete`; a bucket outside the role's policy is denied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_gateway_rclone() {
    if !aws_cli_available() || !rclone_available() || !weed_available() {
        return;
    }
    let weed = weed().await;
    let s = sqlite().await;
    let (gw_running, gw) = gateway(&s, &weed).await;
    for b in ["rclone-data", "rclone-other"] {
        let (ok, _, err) = aws_s3(&gw, root(), &["s3", "mb", &format!("s3://{b}")]);
        assert!(ok, "mb {b}: {err}");
    }
    let (k, secret, token) = role_session(
        &s,
        "rclone-rw",
        r#"{"Version":"2012-10-17","Statement":[
          {"Effect":"Allow","Action":["s3:ListBucket","s3:ListBucketMultipartUploads"],"Resource":"arn:aws:s3:::rclone-data"},
          {"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject","s3:AbortMultipartUpload","s3:ListMultipartUploadParts"],"Resource":"arn:aws:s3:::rclone-data/*"},
          {"Effect":"Allow","Action":"s3:PutObjectAcl","Resource":"arn:aws:s3:::rclone-data/*","Condition":{"StringEquals":{"s3:x-amz-acl":"private"}}}]}"#,
    )
    .await;
    let dir = tempfile::tempdir().expect("dir");
    let up = dir.path().join("up");
    std::fs::create_dir_all(&up).expect("dir");
    let big = write_file(&up, "big.bin", 12 * 1024 * 1024);
    let conf = dir.path().join("rclone.conf");
    std::fs::write(&conf, "").expect("conf");
    let rclone = |args: &[&str]| {
        let out = bounded("rclone")
            .args(args)
            .args([
                "--config",
                conf.to_str().expect("path"),
                "--s3-upload-cutoff",
                "5M",
                "--s3-chunk-size",
                "5M",
                "--retries",
                "1",
                "--low-level-retries",
                "1",
            ])
            // The machine's AWS_CA_BUNDLE makes rclone's SDK replace its HTTP transport,
            // which rclone refuses; nothing here is TLS.
            .env_remove("AWS_CA_BUNDLE")
            .env_remove("AWS_PROFILE")
            .env("RCLONE_CONFIG_GW_TYPE", "s3")
            .env("RCLONE_CONFIG_GW_PROVIDER", "Other")
            .env("RCLONE_CONFIG_GW_ENDPOINT", &gw)
            .env("RCLONE_CONFIG_GW_REGION", "us-east-1")
            .env("RCLONE_CONFIG_GW_FORCE_PATH_STYLE", "true")
            .env("RCLONE_CONFIG_GW_ACCESS_KEY_ID", &k)
            .env("RCLONE_CONFIG_GW_SECRET_ACCESS_KEY", &secret)
            .env("RCLONE_CONFIG_GW_SESSION_TOKEN", &token)
            .output()
            .expect("rclone");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, _, err) = tokio::task::block_in_place(|| {
        rclone(&["copy", up.to_str().expect("path"), "gw:rclone-data/sync"])
    });
    assert!(ok, "rclone copy: {err}");
    let direct = rolegate_gateway::backend_client(&backend(&weed));
    let head = direct
        .head_object()
        .bucket("rclone-data")
        .key("sync/big.bin")
        .send()
        .await
        .expect("in the backend");
    assert_eq!(head.content_length(), Some(12 * 1024 * 1024));
    assert!(
        head.e_tag().is_some_and(|e| e.contains('-')),
        "a multipart upload: {:?}",
        head.e_tag()
    );
    let (ok, out, err) = tokio::task::block_in_place(|| rclone(&["ls", "gw:rclone-data"]));
    assert!(ok && out.contains("12582912 sync/big.bin"), "{out}{err}");
    let down = dir.path().join("down");
    let (ok, _, err) = tokio::task::block_in_place(|| {
        rclone(&["copy", "gw:rclone-data/sync", down.to_str().expect("path")])
    });
    assert!(ok, "rclone copy back: {err}");
    assert!(
        std::fs::read(down.join("big.bin")).expect("downloaded")
            == std::fs::read(&big).expect("original"),
        "the round trip changed the bytes"
    );
    // Outside the policy: listing and writing are denied.
    let (ok, _, err) = tokio::task::block_in_place(|| rclone(&["ls", "gw:rclone-other"]));
    assert!(!ok && err.contains("AccessDenied"), "{err}");
    let (ok, _, err) = tokio::task::block_in_place(|| {
        rclone(&["copy", up.to_str().expect("path"), "gw:rclone-other/sync"])
    });
    assert!(!ok && err.contains("AccessDenied"), "{err}");
    assert!(
        direct
            .head_object()
            .bucket("rclone-other")
            .key("sync/big.bin")
            .send()
            .await
            .is_err(),
        "a denied upload reached the backend"
    );
    let (ok, _, err) = tokio::task::block_in_place(|| rclone(&["delete", "gw:rclone-data/sync"]));
    assert!(ok, "rclone delete: {err}");
    assert!(
        direct
            .head_object()
            .bucket("rclone-data")
            .key("sync/big.bin")
            .send()
            .await
            .is_err(),
        "deleted through rclone"
    );

    gw_running.shutdown().await.expect("gateway stops");
    s.stop().await;
}

/// What a denial or an allow is, as both the simulator and the gateway can say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Allowed,
    ExplicitDeny,
    ImplicitDeny,
}

/// GetObject through the gateway with aws-sdk-rust: allowed, or which kind of denial S3's
/// AccessDenied message names.
async fn gateway_answer(gw: &str, creds: &(String, String, Option<String>), key: &str) -> Answer {
    let client = rolegate_gateway::aws_sdk_s3::Client::from_conf(
        rolegate_gateway::aws_sdk_s3::Config::builder()
            .behavior_version(rolegate_gateway::aws_sdk_s3::config::BehaviorVersion::latest())
            .endpoint_url(gw)
            .region(rolegate_gateway::aws_sdk_s3::config::Region::new(
                "us-east-1",
            ))
            .credentials_provider(aws_credential_types::Credentials::from_keys(
                creds.0.clone(),
                creds.1.clone(),
                creds.2.clone(),
            ))
            .force_path_style(true)
            .build(),
    );
    match client.get_object().bucket("simb").key(key).send().await {
        Ok(_) => Answer::Allowed,
        Err(rolegate_gateway::aws_sdk_s3::error::SdkError::ServiceError(se)) => {
            let message = se.err().meta().message().unwrap_or_default().to_owned();
            assert_eq!(se.err().meta().code(), Some("AccessDenied"), "{message}");
            if message.contains("explicit deny") {
                Answer::ExplicitDeny
            } else {
                Answer::ImplicitDeny
            }
        }
        Err(e) => panic!(
            "{}",
            rolegate_gateway::aws_sdk_s3::error::DisplayErrorContext(&e)
        ),
    }
}

/// SimulatePrincipalPolicy for s3:GetObject on `keys` of bucket `simb` with the bucket's
/// policy as ResourcePolicy and its owner as ResourceOwner: one answer per key.
async fn simulator_answers(
    iam: &aws_sdk_iam::Client,
    source: &str,
    policy: &str,
    keys: &[&str],
) -> Vec<Answer> {
    let mut ask = iam
        .simulate_principal_policy()
        .policy_source_arn(source)
        .action_names("s3:GetObject")
        .resource_policy(policy)
        .resource_owner(format!("arn:aws:iam::{ACCOUNT}:root"));
    for k in keys {
        ask = ask.resource_arns(format!("arn:aws:s3:::simb/{k}"));
    }
    let out = ask.send().await.expect("simulate");
    let result = &out.evaluation_results()[0];
    keys.iter()
        .map(|k| {
            let arn = format!("arn:aws:s3:::simb/{k}");
            let r = result
                .resource_specific_results()
                .iter()
                .find(|r| r.eval_resource_name() == arn)
                .unwrap_or_else(|| panic!("no result for {arn}"));
            match r.eval_resource_decision().as_str() {
                "allowed" => Answer::Allowed,
                "explicitDeny" => Answer::ExplicitDeny,
                _ => Answer::ImplicitDeny,
            }
        })
        .collect()
}

/// The IAM policy simulator with a bucket policy as ResourcePolicy decides as the gateway
/// does: the same questions (s3:GetObject on two keys) asked of SimulatePrincipalPolicy and
/// of the gateway give the same answers — a same-account user allowed by the bucket policy
/// alone, a same-account user whose identity policy is cut by the bucket policy's explicit
/// Deny, another account's role allowed only where both sides allow, and another account's
/// role named by the bucket policy but allowed nothing by its own account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_gateway_simulator_agrees() {
    if !aws_cli_available() || !weed_available() {
        return;
    }
    const PARTNER: &str = "333333333333";
    let weed = weed().await;
    let s = sqlite().await;
    let (gw_running, gw) = gateway(&s, &weed).await;
    let (pk, ps) = add_account(&s, PARTNER).await;
    let dir = tempfile::tempdir().expect("dir");
    let file = write_file(dir.path(), "f.txt", 32);
    let file = file.to_str().expect("path");
    let (ok, _, err) = aws_s3(&gw, root(), &["s3", "mb", "s3://simb"]);
    assert!(ok, "{err}");
    for k in ["docs/a.txt", "private/b.txt"] {
        let (ok, _, err) = aws_s3(&gw, root(), &["s3", "cp", file, &format!("s3://simb/{k}")]);
        assert!(ok, "{err}");
    }
    let owner_iam = root_iam(&s);
    let partner_iam = iam(&s.endpoint, &pk, &ps);

    // Same account: a user with no identity policy, and one allowed GetObject everywhere.
    let bp_only = crate::sts::user_with_key(&s, "bp-only", None).await;
    let wide = crate::sts::user_with_key(
        &s,
        "wide-reader",
        Some(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::simb/*"}]}"#,
        ),
    )
    .await;
    // The partner: a role allowed GetObject on the bucket, and one allowed nothing, each
    // assumed by a partner user.
    let mut sessions = Vec::new();
    for (role, policy) in [
        (
            "preader",
            Some(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::simb/*"}]}"#,
            ),
        ),
        ("pnothing", None),
    ] {
        partner_iam
            .create_role()
            .role_name(role)
            .assume_role_policy_document(trust_account(PARTNER))
            .send()
            .await
            .expect("role");
        if let Some(p) = policy {
            partner_iam
                .put_role_policy()
                .role_name(role)
                .policy_name("p")
                .policy_document(p)
                .send()
                .await
                .expect("policy");
        }
    }
    partner_iam
        .create_user()
        .user_name("assumer")
        .send()
        .await
        .expect("user");
    partner_iam
        .put_user_policy()
        .user_name("assumer")
        .policy_name("assume")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#)
        .send()
        .await
        .expect("policy");
    let key = partner_iam
        .create_access_key()
        .user_name("assumer")
        .send()
        .await
        .expect("key")
        .access_key
        .expect("key");
    for role in ["preader", "pnothing"] {
        let c = sts(&s.endpoint, &key.access_key_id, &key.secret_access_key)
            .assume_role()
            .role_arn(format!("arn:aws:iam::{PARTNER}:role/{role}"))
            .role_session_name("sim")
            .send()
            .await
            .expect("assume")
            .credentials
            .expect("credentials");
        sessions.push((c.access_key_id, c.secret_access_key, Some(c.session_token)));
    }

    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[
          {{"Sid":"OwnUser","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:user/bp-only"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::simb/docs/*"}},
          {{"Sid":"Partner","Effect":"Allow","Principal":{{"AWS":["arn:aws:iam::{PARTNER}:role/preader","arn:aws:iam::{PARTNER}:role/pnothing"]}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::simb/docs/*"}},
          {{"Sid":"NoPrivate","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::simb/private/*"}}]}}"#
    );
    let (ok, _, err) = aws_s3(
        &gw,
        root(),
        &[
            "s3api",
            "put-bucket-policy",
            "--bucket",
            "simb",
            "--policy",
            &policy,
        ],
    );
    assert!(ok, "{err}");

    let keys = ["docs/a.txt", "private/b.txt"];
    let cases = [
        (
            &owner_iam,
            format!("arn:aws:iam::{ACCOUNT}:user/bp-only"),
            (bp_only.0.clone(), bp_only.1.clone(), None),
            [Answer::Allowed, Answer::ExplicitDeny],
        ),
        (
            &owner_iam,
            format!("arn:aws:iam::{ACCOUNT}:user/wide-reader"),
            (wide.0.clone(), wide.1.clone(), None),
            [Answer::Allowed, Answer::ExplicitDeny],
        ),
        (
            &partner_iam,
            format!("arn:aws:iam::{PARTNER}:role/preader"),
            sessions[0].clone(),
            [Answer::Allowed, Answer::ExplicitDeny],
        ),
        (
            &partner_iam,
            format!("arn:aws:iam::{PARTNER}:role/pnothing"),
            sessions[1].clone(),
            [Answer::ImplicitDeny, Answer::ExplicitDeny],
        ),
    ];
    for (iam, source, creds, expected) in cases {
        let mut through_gateway = Vec::new();
        for k in keys {
            through_gateway.push(gateway_answer(&gw, &creds, k).await);
        }
        let simulated = simulator_answers(iam, &source, &policy, &keys).await;
        assert_eq!(through_gateway, expected, "the gateway, for {source}");
        assert_eq!(
            simulated, through_gateway,
            "the simulator and the gateway, for {source}"
        );
    }

    gw_running.shutdown().await.expect("gateway stops");
    s.stop().await;
}

/// The gateway on PostgreSQL (`--database-url`, the same store flags as `serve`), beside the
/// server on the same database: buckets created through it belong to their creator's account,
/// a user's policy decides, a policy change made through `serve` applies to the gateway's next
/// requests (the change log), and `assign-bucket` works on the same database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_gateway_on_postgres() {
    if !aws_cli_available() || !weed_available() {
        return;
    }
    let Some(s) = postgres().await else { return };
    let weed = weed().await;
    let (gw_running, gw) = gateway(&s, &weed).await;
    let dir = tempfile::tempdir().expect("dir");
    let file = write_file(dir.path(), "pg.bin", 1024);
    let file = file.to_str().expect("path");
    for b in ["pg-a", "pg-b"] {
        let (ok, _, err) = aws_s3(&gw, root(), &["s3", "mb", &format!("s3://{b}")]);
        assert!(ok, "mb {b}: {err}");
    }
    let (ok, out, err) = aws_s3(&gw, root(), &["s3", "ls"]);
    assert!(
        ok && out.contains("pg-a") && out.contains("pg-b"),
        "{out}{err}"
    );
    let user = crate::sts::user_with_key(
        &s,
        "pg-user",
        Some(
            r#"{"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::pg-a"},
              {"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::pg-a/*"}]}"#,
        ),
    )
    .await;
    let user = (user.0.as_str(), user.1.as_str(), None);
    let (ok, _, err) = aws_s3(&gw, user, &["s3", "cp", file, "s3://pg-a/x.bin"]);
    assert!(ok, "{err}");
    let (ok, out, err) = aws_s3(&gw, user, &["s3", "ls", "s3://pg-a/"]);
    assert!(ok && out.contains("x.bin"), "{out}{err}");
    let (ok, _, err) = aws_s3(&gw, user, &["s3", "cp", file, "s3://pg-b/x.bin"]);
    assert!(!ok && err.contains("AccessDenied"), "{err}");

    // The policy removed through `serve`: the gateway denies within the staleness bound.
    root_iam(&s)
        .delete_user_policy()
        .user_name("pg-user")
        .policy_name("p")
        .send()
        .await
        .expect("delete policy");
    let start = std::time::Instant::now();
    let denied = loop {
        let (ok, _, err) = aws_s3(&gw, user, &["s3", "ls", "s3://pg-a/"]);
        if !ok && err.contains("AccessDenied") {
            break true;
        }
        if start.elapsed() > std::time::Duration::from_secs(15) {
            break false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    };
    assert!(denied, "a removed policy still applies at the gateway");

    // assign-bucket on the same database.
    let backend_client = rolegate_gateway::backend_client(&backend(&weed));
    backend_client
        .create_bucket()
        .bucket("pg-legacy")
        .send()
        .await
        .expect("backend bucket");
    let (ok, _, err) = aws_s3(&gw, root(), &["s3", "ls", "s3://pg-legacy"]);
    assert!(!ok && err.contains("AccessDenied"), "{err}");
    rolegate_server::s3_gateway::assign_bucket(
        s.config.as_ref().expect("config"),
        "pg-legacy",
        ACCOUNT,
        false,
    )
    .await
    .expect("assign");
    let (ok, _, err) = aws_s3(&gw, root(), &["s3", "ls", "s3://pg-legacy"]);
    assert!(ok, "{err}");

    gw_running.shutdown().await.expect("gateway stops");
    s.stop().await;
}

/// The real `rolegate s3-gateway` binary beside the server, on its data directory: an ordinary
/// 403 (a bucket no one owns) and a 404 from the backend leave no ERROR line in its log (s3s
/// logs every refused request at ERROR; the gateway turns those lines off and logs its own
/// decision at INFO).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_gateway_binary_logs_denials_below_error() {
    if !aws_cli_available() || !weed_available() {
        return;
    }
    let weed = weed().await;
    let s = sqlite().await;
    let dir = tempfile::tempdir().expect("dir");
    let log = dir.path().join("stderr");
    let port = crate::durability::free_port();
    let data_dir = s.config.as_ref().expect("config").data_dir.clone();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .args(["s3-gateway", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(&data_dir)
        .args(["--backend-endpoint", &weed.endpoint])
        .env(
            "ROLEGATE_S3_BACKEND_ACCESS_KEY_ID",
            crate::s3_gateway::BACKEND_KEY,
        )
        .env(
            "ROLEGATE_S3_BACKEND_SECRET_ACCESS_KEY",
            crate::s3_gateway::BACKEND_SECRET,
        )
        .env_remove("ROLEGATE_LOG")
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log"))
        .spawn()
        .expect("rolegate s3-gateway");
    let mut ready = false;
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let gw = format!("http://127.0.0.1:{port}");
    let outcome = tokio::task::block_in_place(|| {
        let denied = aws_s3(&gw, root(), &["s3", "ls", "s3://nobodys-bucket"]);
        let made = aws_s3(&gw, root(), &["s3", "mb", "s3://logged"]);
        let missing = aws_s3(
            &gw,
            root(),
            &[
                "s3api",
                "head-object",
                "--bucket",
                "logged",
                "--key",
                "absent",
            ],
        );
        (denied, made, missing)
    });
    let _ = child.kill();
    let _ = child.wait();
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(ready, "the gateway did not start:\n{text}");
    let (denied, made, missing) = outcome;
    assert!(
        !denied.0 && denied.2.contains("AccessDenied"),
        "{}",
        denied.2
    );
    assert!(made.0, "{}", made.2);
    assert!(!missing.0 && missing.2.contains("404"), "{}", missing.2);
    assert!(
        text.contains("denied: the bucket belongs to no account"),
        "the gateway's own INFO line:\n{text}"
    );
    assert!(
        !text.contains("ERROR"),
        "an ERROR line for a 403/404:\n{text}"
    );
    s.stop().await;
}

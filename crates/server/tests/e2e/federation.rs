//! Federation with OpenID Connect (issue 13): OIDC providers in IAM, and
//! AssumeRoleWithWebIdentity against a real OpenID provider — panva's `oidc-provider`
//! (`oidc/idp.mjs`, installed by `.ci/run` into `oidc/node_modules`) serving discovery, JWKS and
//! JWT access tokens over HTTPS with a private CA that only `--oidc-ca-file` makes trusted.
//! Happy paths through aws-sdk-rust, boto3's web-identity provider, the aws-cli and the
//! `rolegate` client; then the attacks of the adversarial catalogue's group E.

use std::{
    io::{BufRead as _, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
};

use aws_config::BehaviorVersion;
use rolegate_server::Config;
use serde_json::{Value, json};

use crate::support::*;

fn oidc_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/oidc")
}

/// Whether node and the installed `oidc-provider` are there; in CI they must be (`.ci/run`
/// installs them).
pub(crate) fn idp_available() -> bool {
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let ok = node && oidc_dir().join("node_modules/oidc-provider").is_dir();
    assert!(
        ok || std::env::var_os("CI").is_none(),
        "node and oidc-provider must be installed in CI (.ci/run installs them)"
    );
    if !ok {
        eprintln!("SKIPPED: node or oidc-provider (npm install in tests/e2e/oidc) missing");
    }
    ok
}

/// A running OpenID provider.
pub(crate) struct Idp {
    child: Child,
    /// `https://localhost:PORT`.
    pub issuer: String,
    dir: tempfile::TempDir,
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn node(args: &[&str], ca: Option<&Path>) -> String {
    let mut cmd = Command::new("node");
    cmd.arg(oidc_dir().join("idp.mjs")).args(args);
    if let Some(ca) = ca {
        cmd.env("NODE_EXTRA_CA_CERTS", ca);
    }
    let out = cmd.output().expect("node");
    assert!(
        out.status.success(),
        "node idp.mjs {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

impl Idp {
    /// Starts the provider with these clients (`client_id` = the tokens' `sub`) and the
    /// extra claims each one's tokens carry.
    pub(crate) fn start(clients: &[(&str, Value)]) -> Idp {
        let dir = tempfile::tempdir().expect("dir");
        let issued = crate::tls::issue("rolegate test IdP CA");
        std::fs::write(dir.path().join("ca.pem"), &issued.ca_pem).expect("ca");
        std::fs::write(dir.path().join("cert.pem"), &issued.cert_pem).expect("cert");
        std::fs::write(dir.path().join("key.pem"), &issued.key_pem).expect("key");
        let jwks = dir.path().join("jwks.json");
        node(&["keygen", jwks.to_str().expect("path")], None);
        let config = json!({
            "cert": dir.path().join("cert.pem"),
            "key": dir.path().join("key.pem"),
            "jwks": jwks,
            "log": dir.path().join("requests.log"),
            "audience": "sts.amazonaws.com",
            "clients": clients.iter().map(|(id, extra)| json!({"client_id": id, "extra": extra})).collect::<Vec<_>>(),
        });
        let cfg = dir.path().join("config.json");
        std::fs::write(&cfg, config.to_string()).expect("config");
        let mut child = Command::new("node")
            .arg(oidc_dir().join("idp.mjs"))
            .arg("serve")
            .arg(&cfg)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("issuer line");
        let issuer = line.trim().to_owned();
        assert!(issuer.starts_with("https://localhost:"), "{issuer}");
        Idp { child, issuer, dir }
    }

    pub(crate) fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// `localhost:PORT`: the provider's key, ARN resource and condition-key prefix.
    pub(crate) fn host(&self) -> &str {
        self.issuer.trim_start_matches("https://")
    }

    /// A JWT access token from the token endpoint for `client`.
    pub(crate) fn token(&self, client: &str) -> String {
        node(&["token", &self.issuer, client], Some(&self.ca()))
    }

    /// A token signed outside the provider (`mode`: rsa, pss, ec, ed, none, hmac-public,
    /// other-rsa) with the provider's own keys unless the mode says otherwise.
    pub(crate) fn forge(&self, mode: &str, header: Value, claims: &str) -> String {
        let cfg = self.dir.path().join("config.json");
        node(
            &[
                "forge",
                cfg.to_str().expect("path"),
                mode,
                &header.to_string(),
                claims,
            ],
            None,
        )
    }

    /// How many times the JWKS was fetched.
    pub(crate) fn jwks_fetches(&self) -> usize {
        std::fs::read_to_string(self.dir.path().join("requests.log"))
            .unwrap_or_default()
            .lines()
            .filter(|l| l.starts_with("/jwks"))
            .count()
    }
}

/// A server on SQLite trusting the IdP's CA for OIDC.
pub(crate) async fn server_for(idp: &Idp) -> Server {
    let ca = idp.ca();
    sqlite_configured(|c| Config {
        oidc_ca_file: Some(ca),
        // The test IdP listens on loopback.
        allow_local_oidc_issuers: true,
        ..c
    })
    .await
}

/// A role `name` whose trust policy admits any web identity of the provider.
async fn trusting_role(s: &Server, name: &str, provider_arn: &str) {
    crate::sts::role(
        s,
        name,
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{provider_arn}"}},"Action":"sts:AssumeRoleWithWebIdentity"}}]}}"#
        ),
        None,
    )
    .await;
}

/// An STS client with no credentials (AssumeRoleWithWebIdentity is unsigned).
pub(crate) fn anonymous_sts(endpoint: &str) -> aws_sdk_sts::Client {
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_sts::Client::from_conf(config)
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A GitHub-Actions-style trust policy: this provider, this audience, this subject.
pub(crate) fn github_trust(account: &str, host: &str, sub: &str, extra_actions: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow",
        "Principal":{{"Federated":"arn:aws:iam::{account}:oidc-provider/{host}"}},
        "Action":["sts:AssumeRoleWithWebIdentity"{extra_actions}],
        "Condition":{{"StringEquals":{{"{host}:aud":"sts.amazonaws.com","{host}:sub":"{sub}"}}}}}}]}}"#
    )
}

pub(crate) async fn register(s: &Server, url: &str) -> String {
    root_iam(s)
        .create_open_id_connect_provider()
        .url(url)
        .client_id_list("sts.amazonaws.com")
        .send()
        .await
        .expect("create provider")
        .open_id_connect_provider_arn()
        .expect("arn")
        .to_owned()
}

async fn assume(
    s: &Server,
    role: &str,
    token: &str,
) -> Result<
    aws_sdk_sts::operation::assume_role_with_web_identity::AssumeRoleWithWebIdentityOutput,
    (String, String),
> {
    anonymous_sts(&s.endpoint)
        .assume_role_with_web_identity()
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/{role}"))
        .role_session_name("ci-run")
        .web_identity_token(token)
        .send()
        .await
        .map_err(|e| (code(&e), message(&e)))
}

// ---------------------------------------------------------------------------------------------
// IAM: the providers (both backends, no IdP needed).

pub async fn oidc_providers_lifecycle(s: &Server) {
    let iam = root_iam(s);
    let url = "https://Keycloak.Example.com:8443/realms/Main";
    let created = iam
        .create_open_id_connect_provider()
        .url(url)
        .client_id_list("sts.amazonaws.com")
        .client_id_list("app")
        .thumbprint_list("9e99a48a9960b14926bb7f3b02e22da2b0ab7280")
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("team")
                .value("ci")
                .build()
                .expect("tag"),
        )
        .send()
        .await
        .expect("create");
    let arn = created
        .open_id_connect_provider_arn()
        .expect("arn")
        .to_owned();
    // The host is lowercased; the port and the path are kept.
    assert_eq!(
        arn,
        format!("arn:aws:iam::{ACCOUNT}:oidc-provider/keycloak.example.com:8443/realms/Main")
    );
    assert_eq!(created.tags().len(), 1);
    let e = iam
        .create_open_id_connect_provider()
        .url(url)
        .client_id_list("x")
        .send()
        .await
        .expect_err("twice");
    assert_eq!(code(&e), "EntityAlreadyExists");
    assert_eq!(
        message(&e),
        format!("Provider with url {url} already exists.")
    );

    let got = iam
        .get_open_id_connect_provider()
        .open_id_connect_provider_arn(&arn)
        .send()
        .await
        .expect("get");
    assert_eq!(got.url(), Some("keycloak.example.com:8443/realms/Main"));
    assert_eq!(got.client_id_list(), ["sts.amazonaws.com", "app"]);
    assert_eq!(
        got.thumbprint_list(),
        ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]
    );
    assert!(got.create_date().is_some());
    assert_eq!(got.tags()[0].key(), "team");

    let listed = iam
        .list_open_id_connect_providers()
        .send()
        .await
        .expect("list");
    let arns: Vec<_> = listed
        .open_id_connect_provider_list()
        .iter()
        .filter_map(|p| p.arn())
        .collect();
    assert_eq!(arns, [arn.as_str()]);

    // Client ids: adding one twice and removing an absent one are no-ops.
    for _ in 0..2 {
        iam.add_client_id_to_open_id_connect_provider()
            .open_id_connect_provider_arn(&arn)
            .client_id("third")
            .send()
            .await
            .expect("add client id");
    }
    iam.remove_client_id_from_open_id_connect_provider()
        .open_id_connect_provider_arn(&arn)
        .client_id("app")
        .send()
        .await
        .expect("remove");
    iam.remove_client_id_from_open_id_connect_provider()
        .open_id_connect_provider_arn(&arn)
        .client_id("never-there")
        .send()
        .await
        .expect("remove absent");
    iam.update_open_id_connect_provider_thumbprint()
        .open_id_connect_provider_arn(&arn)
        .thumbprint_list("0000000000000000000000000000000000000000")
        .send()
        .await
        .expect("thumbprint");
    let got = iam
        .get_open_id_connect_provider()
        .open_id_connect_provider_arn(&arn)
        .send()
        .await
        .expect("get");
    assert_eq!(got.client_id_list(), ["sts.amazonaws.com", "third"]);
    assert_eq!(
        got.thumbprint_list(),
        ["0000000000000000000000000000000000000000"]
    );

    // Tags.
    iam.tag_open_id_connect_provider()
        .open_id_connect_provider_arn(&arn)
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("env")
                .value("dev")
                .build()
                .expect("tag"),
        )
        .send()
        .await
        .expect("tag");
    iam.untag_open_id_connect_provider()
        .open_id_connect_provider_arn(&arn)
        .tag_keys("team")
        .send()
        .await
        .expect("untag");
    let tags = iam
        .list_open_id_connect_provider_tags()
        .open_id_connect_provider_arn(&arn)
        .send()
        .await
        .expect("tags");
    let keys: Vec<_> = tags.tags().iter().map(|t| t.key()).collect();
    assert_eq!(keys, ["env"]);

    // Bad input gets AWS's error and changes nothing.
    for bad in [
        "keycloak.example.com",
        "https://host/?q=1",
        "https://user@host",
        "ftp://x",
    ] {
        let e = iam
            .create_open_id_connect_provider()
            .url(bad)
            .client_id_list("a")
            .send()
            .await
            .expect_err(bad);
        assert_eq!(code(&e), "InvalidInput", "{bad}");
    }
    let e = iam
        .create_open_id_connect_provider()
        .url("http://plain.example.com")
        .client_id_list("a")
        .send()
        .await
        .expect_err("plain http without the development flag");
    assert_eq!(code(&e), "InvalidInput");
    let e = iam
        .update_open_id_connect_provider_thumbprint()
        .open_id_connect_provider_arn(&arn)
        .thumbprint_list("abc")
        .send()
        .await
        .expect_err("short thumbprint");
    assert_eq!(code(&e), "ValidationError");
    let mut too_many = iam
        .create_open_id_connect_provider()
        .url("https://many.example.com");
    for n in 0..101 {
        too_many = too_many.client_id_list(format!("c{n}"));
    }
    let e = too_many.send().await.expect_err("101 client ids");
    assert_eq!(code(&e), "LimitExceeded");
    let listed = iam
        .list_open_id_connect_providers()
        .send()
        .await
        .expect("list");
    assert_eq!(
        listed.open_id_connect_provider_list().len(),
        1,
        "nothing was created"
    );

    iam.delete_open_id_connect_provider()
        .open_id_connect_provider_arn(&arn)
        .send()
        .await
        .expect("delete");
    let e = iam
        .get_open_id_connect_provider()
        .open_id_connect_provider_arn(&arn)
        .send()
        .await
        .expect_err("deleted");
    assert_eq!(code(&e), "NoSuchEntity");
    assert_eq!(
        message(&e),
        format!("OpenIDConnect Provider not found for arn {arn}")
    );
}

// ---------------------------------------------------------------------------------------------
// AssumeRoleWithWebIdentity: what users run.

const MAIN: &str = "repo:acme/app:ref:refs/heads/main";
const EVIL: &str = "repo:evil/app:ref:refs/heads/main";

fn session_policy(provider_arn: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[
        {{"Effect":"Allow","Action":"iam:GetRole","Resource":"*","Condition":{{"StringEquals":{{"aws:PrincipalTag/team":"ci"}}}}}},
        {{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*","Condition":{{"StringEquals":{{"aws:FederatedProvider":"{provider_arn}"}}}}}}]}}"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_identity_with_a_real_openid_provider() {
    if !idp_available() {
        return;
    }
    let idp = Idp::start(&[
        (
            MAIN,
            json!({
                "repository": "acme/app",
                "https://aws.amazon.com/tags": {"principal_tags": {"team": ["ci"]}, "transitive_tag_keys": ["team"]},
            }),
        ),
        (EVIL, json!({"repository": "evil/app"})),
    ]);
    let s = server_for(&idp).await;
    let provider_arn = register(&s, &idp.issuer).await;
    assert_eq!(
        provider_arn,
        format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{}", idp.host())
    );
    let host = idp.host().to_owned();
    crate::sts::role(
        &s,
        "ci",
        &github_trust(ACCOUNT, &host, MAIN, r#","sts:TagSession""#),
        Some(&session_policy(&provider_arn)),
    )
    .await;

    // aws-sdk-rust, unsigned.
    let out = assume(&s, "ci", &idp.token(MAIN)).await.expect("assume");
    assert_eq!(out.subject_from_web_identity_token(), Some(MAIN));
    assert_eq!(out.audience(), Some("sts.amazonaws.com"));
    assert_eq!(out.provider(), Some(idp.issuer.as_str()));
    let user = out.assumed_role_user().expect("assumed role user");
    assert_eq!(
        user.arn(),
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/ci/ci-run")
    );
    assert!(
        user.assumed_role_id().starts_with("AROA") && user.assumed_role_id().ends_with(":ci-run")
    );
    #[allow(deprecated, reason = "PackedPolicySize is what STS returns")]
    let packed = out.packed_policy_size();
    assert!(packed.is_some(), "the token passed session tags");
    let creds = out.credentials().expect("credentials");
    assert!(creds.access_key_id().starts_with("ASIA"));
    let me = sts_session(&s.endpoint, creds)
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity");
    assert_eq!(me.arn(), Some(user.arn()));
    // The session tag from the token and aws:FederatedProvider are in the session.
    let session_iam = iam_session(&s.endpoint, creds);
    session_iam
        .get_role()
        .role_name("ci")
        .send()
        .await
        .expect("GetRole: team=ci");
    session_iam
        .list_roles()
        .send()
        .await
        .expect("ListRoles: aws:FederatedProvider");
    let e = session_iam
        .list_users()
        .send()
        .await
        .expect_err("not granted");
    assert_eq!(code(&e), "AccessDenied");

    // Another repository's token from the same IdP: the trust policy's sub refuses it.
    let (c, m) = assume(&s, "ci", &idp.token(EVIL))
        .await
        .expect_err("other repository");
    assert_eq!(
        (c.as_str(), m.as_str()),
        (
            "AccessDenied",
            "Not authorized to perform sts:AssumeRoleWithWebIdentity"
        )
    );
    // A claim key beyond sub: `HOST:repository`.
    crate::sts::role(
        &s,
        "by-repository",
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{provider_arn}"}},
            "Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"{host}:repository":"evil/app"}}}}}}]}}"#
        ),
        None,
    )
    .await;
    assume(&s, "by-repository", &idp.token(EVIL))
        .await
        .expect("repository claim");
    // The role must allow sts:TagSession when the token carries tags.
    let e = assume(&s, "by-repository", &idp.token(MAIN))
        .await
        .expect_err("tags without TagSession");
    assert_eq!(e.0, "AccessDenied");

    // boto3's standard web-identity flow: AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE.
    let dir = tempfile::tempdir().expect("dir");
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, idp.token(MAIN)).expect("token file");
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/ci");
    let home = dir.path().to_owned();
    let web_env = |cmd: &mut Command| {
        // A fresh HOME: the aws-cli caches web identity credentials under ~/.aws/cli/cache.
        cmd.env("HOME", &home)
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("AWS_ROLE_ARN", &role_arn)
            .env("AWS_ROLE_SESSION_NAME", "web-env")
            .env("AWS_WEB_IDENTITY_TOKEN_FILE", &token_file)
            .env("AWS_ENDPOINT_URL_STS", &s.endpoint)
            .env("AWS_ENDPOINT_URL_IAM", &s.endpoint)
            .env("AWS_DEFAULT_REGION", "us-east-1");
    };
    let expected = format!("arn:aws:sts::{ACCOUNT}:assumed-role/ci/web-env");
    if boto3_available() {
        let mut cmd = crate::support::bounded("python3");
        cmd.args([
            "-c",
            "import boto3; print(boto3.client('sts').get_caller_identity()['Arn']); boto3.client('iam').get_role(RoleName='ci')",
        ]);
        web_env(&mut cmd);
        let out = tokio::task::spawn_blocking(move || cmd.output().expect("python3"))
            .await
            .expect("join");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), expected);
    }
    if aws_cli_available() {
        let mut cmd = crate::support::bounded("aws");
        cmd.args(["sts", "get-caller-identity", "--output", "json"]);
        web_env(&mut cmd);
        let who = tokio::task::spawn_blocking(move || aws_json(&mut cmd))
            .await
            .expect("join")
            .expect("aws sts get-caller-identity with a web identity");
        assert_eq!(who["Arn"], expected.as_str());
        let mut cmd = crate::support::bounded("aws");
        cmd.args([
            "sts",
            "assume-role-with-web-identity",
            "--role-arn",
            &role_arn,
            "--role-session-name",
            "cli",
            "--web-identity-token",
            &idp.token(MAIN),
            "--endpoint-url",
            &s.endpoint,
            "--region",
            "us-east-1",
            "--output",
            "json",
        ]);
        web_env(&mut cmd);
        let out = tokio::task::spawn_blocking(move || aws_json(&mut cmd))
            .await
            .expect("join")
            .expect("aws sts assume-role-with-web-identity");
        assert_eq!(out["SubjectFromWebIdentityToken"], MAIN);
        assert_eq!(
            out["AssumedRoleUser"]["Arn"],
            format!("arn:aws:sts::{ACCOUNT}:assumed-role/ci/cli")
        );
    }
    // The rolegate client's --web-identity-token-file.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rolegate"));
    cmd.args([
        "credential-process",
        "--role",
        &role_arn,
        "--session-name",
        "rolegate-client",
        "--web-identity-token-file",
        token_file.to_str().expect("path"),
        "--endpoint-url",
        &s.endpoint,
        "--region",
        "us-east-1",
    ]);
    web_env(&mut cmd);
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("rolegate"))
        .await
        .expect("join");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let process: Value = serde_json::from_slice(&out.stdout).expect("credential_process JSON");
    let key = process["AccessKeyId"].as_str().expect("key");
    let me = aws_sdk_sts::Client::new(
        &aws_config::defaults(BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(&s.endpoint)
            .credentials_provider(aws_credential_types::Credentials::new(
                key,
                process["SecretAccessKey"].as_str().expect("secret"),
                process["SessionToken"].as_str().map(str::to_owned),
                None,
                "test",
            ))
            .load()
            .await,
    )
    .get_caller_identity()
    .send()
    .await
    .expect("whoami with the client's credentials");
    assert_eq!(
        me.arn(),
        Some(format!("arn:aws:sts::{ACCOUNT}:assumed-role/ci/rolegate-client").as_str())
    );

    // Deleting the role ends its web identity sessions like any role session.
    let root = root_iam(&s);
    root.delete_role_policy()
        .role_name("ci")
        .policy_name("p")
        .send()
        .await
        .expect("policy");
    root.delete_role()
        .role_name("ci")
        .send()
        .await
        .expect("delete role");
    let e = sts_session(&s.endpoint, creds)
        .get_caller_identity()
        .send()
        .await
        .expect_err("the role is gone");
    assert_eq!(code(&e), "InvalidClientTokenId");
    drop(idp);
    s.stop().await;
}

// ---------------------------------------------------------------------------------------------
// The adversarial catalogue, group E.

async fn refused(s: &Server, role: &str, token: &str) -> (String, String) {
    assume(s, role, token)
        .await
        .map(|o| o.subject_from_web_identity_token().map(str::to_owned))
        .expect_err("must be refused")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_identity_attacks() {
    if !idp_available() {
        return;
    }
    let sub = "system:serviceaccount:prod:app";
    let idp = Idp::start(&[(sub, json!({}))]);
    let s = server_for(&idp).await;
    let provider_arn = register(&s, &idp.issuer).await;
    let host = idp.host().to_owned();
    // A Kubernetes service-account trust policy.
    crate::sts::role(
        &s,
        "k8s",
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{provider_arn}"}},
            "Action":"sts:AssumeRoleWithWebIdentity",
            "Condition":{{"StringEquals":{{"{host}:sub":"{sub}","{host}:aud":"sts.amazonaws.com"}}}}}}]}}"#
        ),
        None,
    )
    .await;
    let iss = idp.issuer.clone();
    let claims = |extra: Value| {
        let mut c = json!({"iss": iss, "sub": sub, "aud": "sts.amazonaws.com", "iat": now(), "exp": now() + 600});
        for (k, v) in extra.as_object().expect("object") {
            c[k] = v.clone();
        }
        c.to_string()
    };
    let rs = |kid: &str| json!({"alg": "RS256", "kid": kid, "typ": "JWT"});
    let invalid = |r: &(String, String)| assert_eq!(r.0, "InvalidIdentityToken", "{r:?}");

    // Every algorithm the issuer's keys name verifies (RS256 also from the token endpoint).
    assume(&s, "k8s", &idp.token(sub))
        .await
        .expect("RS256 from the provider");
    for (mode, alg, kid) in [
        ("rsa", "RS256", "rsa-1"),
        ("pss", "PS256", "pss-1"),
        ("ec", "ES256", "ec-1"),
        ("ed", "EdDSA", "ed-1"),
    ] {
        let t = idp.forge(mode, json!({"alg": alg, "kid": kid}), &claims(json!({})));
        assume(&s, "k8s", &t)
            .await
            .unwrap_or_else(|e| panic!("{alg}: {e:?}"));
    }
    // No kid: the keys that fit the algorithm are tried.
    assume(
        &s,
        "k8s",
        &idp.forge("rsa", json!({"alg": "RS256"}), &claims(json!({}))),
    )
    .await
    .expect("no kid");
    // A key verifies only the algorithm it names: the PS256 key does not verify RS256.
    invalid(
        &refused(
            &s,
            "k8s",
            &idp.forge(
                "pss",
                json!({"alg": "RS256", "kid": "pss-1"}),
                &claims(json!({})),
            ),
        )
        .await,
    );

    // E-01: alg none, in any case.
    for alg in ["none", "None", "nOnE"] {
        invalid(
            &refused(
                &s,
                "k8s",
                &idp.forge("none", json!({"alg": alg}), &claims(json!({}))),
            )
            .await,
        );
    }
    // E-02: HS256 keyed with the published RSA public key.
    invalid(
        &refused(
            &s,
            "k8s",
            &idp.forge(
                "hmac-public",
                json!({"alg": "HS256", "kid": "rsa-1"}),
                &claims(json!({})),
            ),
        )
        .await,
    );
    // E-03: ES256 with r = s = 0.
    let t = idp.forge(
        "ec",
        json!({"alg": "ES256", "kid": "ec-1"}),
        &claims(json!({})),
    );
    let zero = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0u8; 64])
    };
    let (head, _) = t.rsplit_once('.').expect("jws");
    invalid(&refused(&s, "k8s", &format!("{head}.{zero}")).await);
    // A key the issuer never published.
    invalid(
        &refused(
            &s,
            "k8s",
            &idp.forge("other-rsa", rs("rsa-1"), &claims(json!({}))),
        )
        .await,
    );
    // E-06: keys carried by the token are never used (the signature itself is good).
    for h in [
        json!({"alg": "RS256", "kid": "rsa-1", "jku": "https://evil.example/jwks"}),
        json!({"alg": "RS256", "kid": "rsa-1", "x5u": "https://evil.example/cert"}),
        json!({"alg": "RS256", "kid": "rsa-1", "jwk": {"kty": "RSA", "n": "AQAB", "e": "AQAB"}}),
        json!({"alg": "RS256", "kid": "rsa-1", "x5c": ["MIIB"]}),
    ] {
        invalid(&refused(&s, "k8s", &idp.forge("rsa", h, &claims(json!({})))).await);
    }
    // E-04: an unknown kid refetches the JWKS at most once per 30 s, however many arrive.
    let before = idp.jwks_fetches();
    for n in 0..20 {
        invalid(
            &refused(
                &s,
                "k8s",
                &idp.forge("rsa", rs(&format!("forged-{n}")), &claims(json!({}))),
            )
            .await,
        );
    }
    let after = idp.jwks_fetches();
    assert!(
        after <= before + 1,
        "JWKS fetched {} times for 20 unknown kids",
        after - before
    );
    // E-05: kid is an opaque key.
    for kid in [
        "../../etc/passwd".to_owned(),
        "' OR 1=1--".to_owned(),
        "k".repeat(10_000),
    ] {
        invalid(&refused(&s, "k8s", &idp.forge("rsa", rs(&kid), &claims(json!({})))).await);
    }
    // E-07: audiences.
    let r = refused(
        &s,
        "k8s",
        &idp.forge(
            "rsa",
            rs("rsa-1"),
            &claims(json!({"aud": "another-client"})),
        ),
    )
    .await;
    assert_eq!(
        r,
        (
            "InvalidIdentityToken".into(),
            "Incorrect token audience".into()
        )
    );
    assume(
        &s,
        "k8s",
        &idp.forge(
            "rsa",
            rs("rsa-1"),
            &claims(json!({"aud": ["x", "sts.amazonaws.com"]})),
        ),
    )
    .await
    .expect("an aud array holding ours");
    // `azp` names the audience only for Google's issuer.
    let r = refused(
        &s,
        "k8s",
        &idp.forge(
            "rsa",
            rs("rsa-1"),
            &claims(json!({"aud": "another-client", "azp": "sts.amazonaws.com"})),
        ),
    )
    .await;
    assert_eq!(
        r,
        (
            "InvalidIdentityToken".into(),
            "Incorrect token audience".into()
        )
    );
    for aud in [json!([]), json!({"a": 1}), json!(7)] {
        invalid(
            &refused(
                &s,
                "k8s",
                &idp.forge("rsa", rs("rsa-1"), &claims(json!({"aud": aud}))),
            )
            .await,
        );
    }
    // E-08: the issuer matches exactly.
    let port = host.trim_start_matches("localhost:");
    for other in [
        format!("{iss}/"),
        format!("https://LOCALHOST:{port}"),
        format!("http://localhost:{port}"),
        "https://unregistered.example.com".to_owned(),
    ] {
        let r = refused(
            &s,
            "k8s",
            &idp.forge("rsa", rs("rsa-1"), &claims(json!({"iss": other}))),
        )
        .await;
        assert_eq!(
            r,
            (
                "InvalidIdentityToken".into(),
                format!("No OpenIDConnect provider found in your account for {other}")
            )
        );
    }
    // E-09: dates.
    let r = refused(
        &s,
        "k8s",
        &idp.forge("rsa", rs("rsa-1"), &claims(json!({"exp": now() - 3600}))),
    )
    .await;
    assert_eq!(r.0, "ExpiredTokenException", "{r:?}");
    assert!(
        r.1.starts_with("Token expired: current date/time "),
        "{r:?}"
    );
    invalid(
        &refused(
            &s,
            "k8s",
            &idp.forge("rsa", rs("rsa-1"), &claims(json!({"nbf": now() + 3600}))),
        )
        .await,
    );
    invalid(
        &refused(
            &s,
            "k8s",
            &idp.forge("rsa", rs("rsa-1"), &claims(json!({"iat": now() + 86_400}))),
        )
        .await,
    );
    let no_exp = json!({"iss": iss, "sub": sub, "aud": "sts.amazonaws.com"}).to_string();
    invalid(&refused(&s, "k8s", &idp.forge("rsa", rs("rsa-1"), &no_exp)).await);
    // E-13: parser differentials.
    let dup = format!(
        r#"{{"iss":"{iss}","sub":"someone-else","sub":"{sub}","aud":"sts.amazonaws.com","exp":{}}}"#,
        now() + 600
    );
    invalid(&refused(&s, "k8s", &idp.forge("rsa", rs("rsa-1"), &dup)).await);
    for bad_sub in [json!(12345678), json!([sub])] {
        invalid(
            &refused(
                &s,
                "k8s",
                &idp.forge("rsa", rs("rsa-1"), &claims(json!({"sub": bad_sub}))),
            )
            .await,
        );
    }
    // E-14: longer than AWS's 20,000 characters: refused before anything is decoded.
    let r = refused(&s, "k8s", &"a".repeat(20_001)).await;
    assert_eq!(r.0, "ValidationError", "{r:?}");

    // An account principal never names a web identity.
    crate::sts::role(
        &s,
        "account-trust",
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"sts:AssumeRoleWithWebIdentity"}}]}}"#
        ),
        None,
    )
    .await;
    let r = refused(&s, "account-trust", &idp.token(sub)).await;
    assert_eq!(r.0, "AccessDenied");
    // A role that does not exist is refused like one that does not trust the provider.
    let r = refused(&s, "no-such-role", &idp.token(sub)).await;
    assert_eq!(
        r,
        (
            "AccessDenied".into(),
            "Not authorized to perform sts:AssumeRoleWithWebIdentity".into()
        )
    );

    // A token for another account's provider: the role's account has none for this issuer.
    let other = "210987654321";
    let (ok, osk) = add_account(&s, other).await;
    iam(&s.endpoint, &ok, &osk)
        .create_role()
        .role_name("k8s")
        .assume_role_policy_document(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{provider_arn}"}},"Action":"sts:AssumeRoleWithWebIdentity"}}]}}"#
        ))
        .send()
        .await
        .expect("role in the other account");
    let r = anonymous_sts(&s.endpoint)
        .assume_role_with_web_identity()
        .role_arn(format!("arn:aws:iam::{other}:role/k8s"))
        .role_session_name("x1")
        .web_identity_token(idp.token(sub))
        .send()
        .await
        .map_err(|e| (code(&e), message(&e)))
        .expect_err("no provider in the role's account");
    assert_eq!(
        r,
        (
            "InvalidIdentityToken".into(),
            format!("No OpenIDConnect provider found in your account for {iss}")
        )
    );

    // E-11 (a): the IdP goes down; keys within their lifetime still verify.
    let good = idp.forge("rsa", rs("rsa-1"), &claims(json!({})));
    drop(idp);
    assume(&s, "k8s", &good).await.expect("cached keys");
    s.stop().await;
}

/// E-11 (b): an issuer that cannot be reached and no cached keys: IDPCommunicationError.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_issuer_is_an_idp_communication_error() {
    if !idp_available() {
        return;
    }
    let idp = Idp::start(&[("someone", json!({}))]);
    let s = server_for(&idp).await;
    let token = idp.token("someone");
    let provider_arn = register(&s, &idp.issuer).await;
    trusting_role(&s, "r", &provider_arn).await;
    drop(idp);
    let r = refused(&s, "r", &token).await;
    assert_eq!(r.0, "IDPCommunicationError", "{r:?}");
    s.stop().await;
}

/// TLS trust is the CA's: without `--oidc-ca-file` the same IdP is not trusted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_idp_certificate_is_refused() {
    if !idp_available() {
        return;
    }
    let idp = Idp::start(&[("someone", json!({}))]);
    let s = sqlite_configured(|c| Config {
        allow_local_oidc_issuers: true,
        ..c
    })
    .await;
    let provider_arn = register(&s, &idp.issuer).await;
    trusting_role(&s, "r", &provider_arn).await;
    let r = refused(&s, "r", &idp.token("someone")).await;
    assert_eq!(r.0, "IDPCommunicationError", "{r:?}");
    s.stop().await;
}

/// The released binary trusts an IdP's private CA named by `SSL_CERT_FILE` (the CA bundle an
/// enterprise deployment points every client at), and only then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_trusts_ssl_cert_file_for_issuers() {
    use crate::durability::{free_port, spawn_server, terminate_cleanly, wait_ready};
    if !idp_available() {
        return;
    }
    let idp = Idp::start(&[("someone", json!({}))]);
    let dir = tempfile::tempdir().expect("dir");
    let ca = idp.ca();
    let port = free_port();
    let child = spawn_server(
        dir.path(),
        port,
        &[
            ("ROLEGATE_ROOT_ACCESS_KEY_ID", ROOT_KEY),
            ("ROLEGATE_ROOT_SECRET_ACCESS_KEY", ROOT_SECRET),
            ("SSL_CERT_FILE", ca.to_str().expect("path")),
            ("SSL_CERT_DIR", "/nonexistent"),
            ("ROLEGATE_ALLOW_LOCAL_OIDC_ISSUERS", "true"),
        ],
    );
    wait_ready(port).await;
    let s = Server {
        running: None,
        endpoint: format!("http://127.0.0.1:{port}"),
        _dir: None,
        pg_schema: None,
        config: None,
        clock: None,
    };
    let provider_arn = register(&s, &idp.issuer).await;
    trusting_role(&s, "r", &provider_arn).await;
    let out = assume(&s, "r", &idp.token("someone"))
        .await
        .expect("the IdP's CA comes from SSL_CERT_FILE");
    assert_eq!(out.subject_from_web_identity_token(), Some("someone"));
    terminate_cleanly(child).await;
}

/// Source identity from the token's claim (`sts:SetSourceIdentity`), DurationSeconds, session
/// policies, and ProviderId.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_identity_request_options() {
    if !idp_available() {
        return;
    }
    let idp = Idp::start(&[("someone", json!({}))]);
    let s = server_for(&idp).await;
    let provider_arn = register(&s, &idp.issuer).await;
    let trust = |actions: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{provider_arn}"}},"Action":[{actions}]}}]}}"#
        )
    };
    let list_and_get = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListRoles","iam:GetRole"],"Resource":"*"}]}"#;
    crate::sts::role(
        &s,
        "plain",
        &trust(r#""sts:AssumeRoleWithWebIdentity""#),
        Some(list_and_get),
    )
    .await;
    crate::sts::role(
        &s,
        "with-source",
        &trust(r#""sts:AssumeRoleWithWebIdentity","sts:SetSourceIdentity""#),
        None,
    )
    .await;
    let iss = idp.issuer.clone();
    let token = |extra: Value| {
        let mut c =
            json!({"iss": iss, "sub": "someone", "aud": "sts.amazonaws.com", "exp": now() + 600});
        for (k, v) in extra.as_object().expect("object") {
            c[k] = v.clone();
        }
        idp.forge(
            "rsa",
            json!({"alg": "RS256", "kid": "rsa-1"}),
            &c.to_string(),
        )
    };
    let with_source = token(json!({"https://aws.amazon.com/source_identity": "alice"}));
    let r = refused(&s, "plain", &with_source).await;
    assert_eq!(
        r.0, "AccessDenied",
        "the role must allow sts:SetSourceIdentity"
    );
    let out = assume(&s, "with-source", &with_source)
        .await
        .expect("source identity");
    assert_eq!(out.source_identity(), Some("alice"));
    let r = refused(
        &s,
        "with-source",
        &token(json!({"https://aws.amazon.com/source_identity": "aws:x"})),
    )
    .await;
    assert_eq!(r.0, "InvalidIdentityToken", "{r:?}");

    let sts = anonymous_sts(&s.endpoint);
    let call = |role: &str| {
        sts.assume_role_with_web_identity()
            .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/{role}"))
            .role_session_name("opts")
            .web_identity_token(token(json!({})))
    };
    // DurationSeconds within the role's maximum (3600 by default), and past it.
    let out = call("plain")
        .duration_seconds(900)
        .send()
        .await
        .expect("900 s");
    let creds = out.credentials().expect("credentials");
    let lifetime = creds.expiration().secs() - now();
    assert!((800..=900).contains(&lifetime), "{lifetime}");
    let e = call("plain")
        .duration_seconds(7200)
        .send()
        .await
        .expect_err("over the role's maximum");
    assert_eq!(code(&e), "ValidationError");
    // A session policy narrows the role's permissions.
    let out = call("plain")
        .policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}"#)
        .send()
        .await
        .expect("with a session policy");
    let narrowed = iam_session(&s.endpoint, out.credentials().expect("credentials"));
    narrowed
        .list_roles()
        .send()
        .await
        .expect("ListRoles: in both");
    let e = narrowed
        .get_role()
        .role_name("plain")
        .send()
        .await
        .expect_err("GetRole: not in the session policy");
    assert_eq!(code(&e), "AccessDenied");
    // ProviderId is for OAuth 2.0 access tokens of Amazon and Facebook: not federated here.
    let e = call("plain")
        .provider_id("graph.facebook.com")
        .send()
        .await
        .expect_err("ProviderId");
    assert_eq!(code(&e), "InvalidParameterValue");
    drop(idp);
    s.stop().await;
}

/// An issuer on this host is not fetched unless the deployment allows local issuers: a
/// provider cannot point Rolegate at its own host's services (or, link-local, a metadata
/// service), even with a trusted certificate and a live IdP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_issuer_is_not_fetched_by_default() {
    if !idp_available() {
        return;
    }
    let idp = Idp::start(&[("someone", json!({}))]);
    let ca = idp.ca();
    let s = sqlite_configured(|c| Config {
        oidc_ca_file: Some(ca),
        ..c
    })
    .await;
    let provider_arn = register(&s, &idp.issuer).await;
    trusting_role(&s, "r", &provider_arn).await;
    let r = refused(&s, "r", &idp.token("someone")).await;
    assert_eq!(r.0, "IDPCommunicationError", "{r:?}");
    assert_eq!(idp.jwks_fetches(), 0, "nothing was fetched");
    s.stop().await;
}

//! HTTPS and trusted proxies (issue 12, item 7): a private CA made at test time, the server on
//! TLS driven by aws-sdk-rust, boto3 and the aws-cli (`AWS_CA_BUNDLE`); `aws:SecureTransport`
//! and `aws:SourceIp` from the connection or, only from a trusted proxy, from
//! `X-Forwarded-Proto` / `X-Forwarded-For`; the certificate reloaded on SIGHUP by the real
//! binary while an open connection keeps working; the TLS handshake under the header-read
//! timeout and the connection cap.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use rolegate_server::{Config, TlsFiles};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use tokio_rustls::{TlsConnector, client::TlsStream};

use crate::{
    durability::{free_port, spawn_server, terminate_cleanly},
    sts::user_with_key,
    support::*,
};

/// Allows everything, but nothing over plain HTTP.
const SECURE_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[
    {"Effect":"Allow","Action":"*","Resource":"*"},
    {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#;

/// Allows everything, but only from 203.0.113.0/24.
const OFFICE_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[
    {"Effect":"Allow","Action":"*","Resource":"*"},
    {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}"#;

/// A private CA and a server certificate it issued for 127.0.0.1 and localhost.
pub(crate) struct Issued {
    pub(crate) ca_pem: String,
    pub(crate) cert_pem: String,
    pub(crate) key_pem: String,
}

pub(crate) fn issue(ca_name: &str) -> Issued {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.distinguished_name.push(DnType::CommonName, ca_name);
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().expect("server key");
    let mut server = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("server params");
    server
        .distinguished_name
        .push(DnType::CommonName, "rolegate test server");
    server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server.use_authority_key_identifier_extension = true;
    let cert = server.signed_by(&key, &issuer).expect("server certificate");
    Issued {
        ca_pem: ca_cert.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

/// Writes the issued certificate and key where the server reads them (each file replaced at
/// once, as a deployment would).
fn install(files: &TlsFiles, issued: &Issued) {
    for (path, text) in [
        (&files.key, &issued.key_pem),
        (&files.cert, &issued.cert_pem),
    ] {
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text).expect("write");
        std::fs::rename(&tmp, path).expect("rename");
    }
}

fn tls_files(dir: &Path) -> TlsFiles {
    TlsFiles {
        cert: dir.join("server.crt"),
        key: dir.join("server.key"),
    }
}

/// A TLS connection to 127.0.0.1:`port` trusting only `ca_pem` (a fresh client configuration:
/// no session resumption across connections).
async fn tls_connect(port: u16, ca_pem: &str) -> std::io::Result<TlsStream<TcpStream>> {
    use rustls::pki_types::{CertificateDer, ServerName, pem::PemObject as _};
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).expect("CA PEM"))
        .expect("root");
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("127.0.0.1").expect("name"), tcp)
        .await
}

/// GET `path` on an open (keep-alive) connection: the status.
async fn get<S>(stream: &mut S, path: &str) -> u16
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let (head, _) = read_response(stream, Duration::from_secs(10)).await;
    head.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status")
}

/// An SDK configuration for `endpoint` whose HTTPS client trusts only `ca_pem`.
fn sdk_config(endpoint: &str, ca_pem: &str, key: &str, secret: &str) -> aws_config::SdkConfig {
    use aws_smithy_http_client::{
        Builder,
        tls::{Provider, TlsContext, TrustStore, rustls_provider::CryptoMode},
    };
    let http = Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(
            TlsContext::builder()
                .with_trust_store(TrustStore::empty().with_pem_certificate(ca_pem.as_bytes()))
                .build()
                .expect("TLS context"),
        )
        .build_https();
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .http_client(http)
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new(key, secret, None, None, "rolegate-test"),
            ),
        )
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .build()
}

fn https_iam(endpoint: &str, ca_pem: &str, key: &str, secret: &str) -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::new(&sdk_config(endpoint, ca_pem, key, secret))
}

/// A raw request over a fresh plain connection made from the loopback address `source`:
/// (status, body).
async fn raw_from(source: &str, endpoint: &str, request: String) -> (u16, String) {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind(format!("{source}:0").parse().expect("source"))
        .expect("bind");
    let addr: SocketAddr = endpoint
        .trim_start_matches("http://")
        .parse()
        .expect("addr");
    let mut stream = socket.connect(addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await.expect("read");
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    (status, body)
}

/// ListUsers as `key` from `source` with the extra headers `forwarded`: allowed (200) or
/// refused (403, AccessDenied — never a failed request).
async fn list_users_from(
    s: &Server,
    source: &str,
    key: &(String, String),
    forwarded: &[(&str, &str)],
) -> bool {
    let request = signed_post(
        &s.endpoint,
        "iam",
        "Action=ListUsers&Version=2010-05-08",
        &key.0,
        &key.1,
        time::OffsetDateTime::now_utc(),
        forwarded,
    );
    let (status, body) = raw_from(source, &s.endpoint, request).await;
    match status {
        200 => true,
        403 if body.contains("<Code>AccessDenied</Code>") => false,
        _ => panic!("ListUsers from {source} with {forwarded:?}: {status} {body}"),
    }
}

/// A server on `dir`'s database, configured by `adjust`.
async fn server_on(dir: &Path, adjust: impl FnOnce(Config) -> Config) -> Server {
    let data_dir = dir.join("data");
    sqlite_configured(|c| adjust(Config { data_dir, ..c })).await
}

/// Plain HTTP behind a trusted proxy (127.0.0.2), then HTTPS on the same database: the
/// `aws:SecureTransport` Deny denies over HTTP and allows over HTTPS; forwarding headers count
/// only from the trusted proxy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_secure_transport_and_trusted_proxies() {
    let dir = tempfile::tempdir().expect("dir");
    let proxy = "127.0.0.2";
    let stranger = "127.0.0.1";
    let plain = server_on(dir.path(), |c| Config {
        trusted_proxies: vec!["127.0.0.2/32".parse().expect("net")],
        ..c
    })
    .await;
    let secure_only = user_with_key(&plain, "secure-only", Some(SECURE_ONLY)).await;
    let office_only = user_with_key(&plain, "office-only", Some(OFFICE_ONLY)).await;

    // Over HTTP the Deny holds, with the SDK…
    let e = iam(&plain.endpoint, &secure_only.0, &secure_only.1)
        .list_users()
        .send()
        .await
        .expect_err("plain HTTP");
    assert_eq!(code(&e), "AccessDenied");
    assert!(
        message(&e).contains("with an explicit deny"),
        "{}",
        message(&e)
    );
    // …and whatever someone who is not a trusted proxy claims.
    for forged in [
        &[("X-Forwarded-Proto", "https")][..],
        &[
            ("X-Forwarded-Proto", "https"),
            ("X-Forwarded-For", "203.0.113.7"),
        ],
    ] {
        assert!(
            !list_users_from(&plain, stranger, &secure_only, forged).await,
            "{forged:?}"
        );
    }
    for forged in [
        &[("X-Forwarded-For", "203.0.113.7")][..],
        &[("X-Forwarded-For", "198.51.100.1, 203.0.113.7")],
    ] {
        assert!(
            !list_users_from(&plain, stranger, &office_only, forged).await,
            "{forged:?}"
        );
    }
    // Without the headers, the trusted proxy is just a plain-HTTP client at 127.0.0.2.
    assert!(!list_users_from(&plain, proxy, &secure_only, &[]).await);
    assert!(!list_users_from(&plain, proxy, &office_only, &[]).await);

    // From the trusted proxy: X-Forwarded-Proto: https is TLS at the edge.
    assert!(
        list_users_from(
            &plain,
            proxy,
            &secure_only,
            &[("X-Forwarded-Proto", "https")]
        )
        .await
    );
    assert!(
        !list_users_from(
            &plain,
            proxy,
            &secure_only,
            &[("X-Forwarded-Proto", "http")]
        )
        .await
    );
    assert!(
        !list_users_from(
            &plain,
            proxy,
            &secure_only,
            &[("X-Forwarded-Proto", "gopher")]
        )
        .await,
        "an unreadable scheme is the connection's own: plain"
    );
    // X-Forwarded-For: the rightmost address that is not a trusted proxy is aws:SourceIp.
    for (xff, allowed) in [
        ("203.0.113.7", true),
        ("203.0.113.7, 127.0.0.2", true),
        ("198.51.100.1, 203.0.113.7", true),
        ("203.0.113.7, 198.51.100.1", false),
        ("not-an-address", false),
        ("203.0.113.7, not-an-address", false),
    ] {
        assert_eq!(
            list_users_from(&plain, proxy, &office_only, &[("X-Forwarded-For", xff)]).await,
            allowed,
            "X-Forwarded-For: {xff}"
        );
    }
    plain.stop().await;

    // The same users over HTTPS with a private CA.
    let ca1 = issue("Rolegate test CA 1");
    let files = tls_files(dir.path());
    install(&files, &ca1);
    let s = server_on(dir.path(), |c| Config {
        tls: Some(files.clone()),
        ..c
    })
    .await;
    let endpoint = s.endpoint.replace("http://", "https://");
    let port = s.running.as_ref().expect("running").addr.port();
    let users = https_iam(&endpoint, &ca1.ca_pem, &secure_only.0, &secure_only.1)
        .list_users()
        .send()
        .await
        .expect("allowed over HTTPS");
    assert!(users.users().iter().any(|u| u.user_name() == "secure-only"));
    // The audit trail records what the connection negotiated, as CloudTrail's tlsDetails.
    let events = s
        .running
        .as_ref()
        .expect("running")
        .service
        .store()
        .list_appended(ACCOUNT, rolegate_store::record::kind::AUDIT_EVENT, None, 5)
        .await
        .expect("events");
    let newest: serde_json::Value =
        serde_json::from_str(&events.first().expect("an event").data).expect("json");
    assert_eq!(newest["eventName"], "ListUsers", "{newest}");
    let details = &newest["tlsDetails"];
    assert!(
        matches!(details["tlsVersion"].as_str(), Some("TLSv1.3" | "TLSv1.2")),
        "{newest}"
    );
    assert!(
        details["cipherSuite"]
            .as_str()
            .is_some_and(|c| c.starts_with("TLS_") || c.starts_with("ECDHE-")),
        "{newest}"
    );
    assert_eq!(
        details["clientProvidedHostHeader"].as_str(),
        endpoint.strip_prefix("https://"),
        "{newest}"
    );
    // Forwarding headers from a peer that is no trusted proxy do not make HTTPS plain.
    let mut tls = tls_connect(port, &ca1.ca_pem).await.expect("handshake");
    let request = signed_post(
        &s.endpoint,
        "iam",
        "Action=ListUsers&Version=2010-05-08",
        &secure_only.0,
        &secure_only.1,
        time::OffsetDateTime::now_utc(),
        &[("X-Forwarded-Proto", "http")],
    );
    tls.write_all(request.as_bytes()).await.expect("write");
    let mut reply = Vec::new();
    tls.read_to_end(&mut reply).await.expect("read");
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    // aws:SourceIp is still the peer over TLS.
    let e = https_iam(&endpoint, &ca1.ca_pem, &office_only.0, &office_only.1)
        .list_users()
        .send()
        .await
        .expect_err("not from the office");
    assert_eq!(code(&e), "AccessDenied");
    // A client that does not trust the CA refuses the server.
    let e = iam(&endpoint, &secure_only.0, &secure_only.1)
        .list_users()
        .send()
        .await
        .expect_err("unknown CA");
    assert!(e.as_service_error().is_none(), "a TLS failure: {e:?}");

    // boto3 and the aws-cli with AWS_CA_BUNDLE.
    let bundle = dir.path().join("ca.pem");
    std::fs::write(&bundle, &ca1.ca_pem).expect("bundle");
    if boto3_available() {
        let script = format!(
            "{}/tests/e2e/scripts/tls_boto3.py",
            env!("CARGO_MANIFEST_DIR")
        );
        let out = crate::support::bounded("python3")
            .arg(script)
            .args([&endpoint, &secure_only.0, &secure_only.1, "secure-only"])
            .env_remove("AWS_PROFILE")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("AWS_CA_BUNDLE", &bundle)
            .output()
            .expect("python3");
        assert!(
            out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "ok",
            "boto3 over HTTPS:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    if aws_cli_available() {
        let cli = |bundle: Option<&Path>| {
            let mut cmd = crate::support::bounded("aws");
            cmd.args(["iam", "list-users", "--endpoint-url", &endpoint])
                .args(["--output", "json"])
                .env("AWS_ACCESS_KEY_ID", &secure_only.0)
                .env("AWS_SECRET_ACCESS_KEY", &secure_only.1)
                .env("AWS_DEFAULT_REGION", "us-east-1")
                .env_remove("AWS_SESSION_TOKEN")
                .env_remove("AWS_PROFILE")
                .env_remove("AWS_CA_BUNDLE")
                .env("AWS_CONFIG_FILE", "/dev/null")
                .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
            if let Some(b) = bundle {
                cmd.env("AWS_CA_BUNDLE", b);
            }
            aws_json(&mut cmd)
        };
        let users = cli(Some(&bundle)).expect("aws-cli over HTTPS");
        assert!(
            users["Users"]
                .as_array()
                .expect("users")
                .iter()
                .any(|u| u["UserName"] == "secure-only"),
            "{users}"
        );
        let e = cli(None).expect_err("unknown CA");
        assert!(e.contains("SSL validation failed"), "{e}");
    }

    // A new certificate from another CA (what SIGHUP does; the signal itself is tested with the
    // binary below): new clients need the new CA.
    let ca2 = issue("Rolegate test CA 2");
    install(&files, &ca2);
    s.running
        .as_ref()
        .expect("running")
        .reload_tls()
        .expect("reload");
    https_iam(&endpoint, &ca2.ca_pem, &secure_only.0, &secure_only.1)
        .list_users()
        .send()
        .await
        .expect("the new certificate");
    assert!(
        tls_connect(port, &ca1.ca_pem).await.is_err(),
        "the old certificate is no longer served"
    );
    s.stop().await;
}

/// A client that opens TCP and never handshakes holds its slot (here the only one) until the
/// header-read timeout, and no longer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_handshake_is_bounded_by_the_header_read_timeout() {
    let dir = tempfile::tempdir().expect("dir");
    let ca = issue("Rolegate test CA");
    let files = tls_files(dir.path());
    install(&files, &ca);
    let s = server_on(dir.path(), |c| Config {
        tls: Some(files.clone()),
        header_read_timeout_seconds: 2,
        max_connections: 1,
        ..c
    })
    .await;
    let port = s.running.as_ref().expect("running").addr.port();
    let mut silent = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let opened = Instant::now();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        tls_connect(port, &ca.ca_pem).await.is_err(),
        "the silent connection holds the only slot"
    );
    let mut byte = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_secs(6), silent.read(&mut byte))
        .await
        .expect("closed by the server within the header-read timeout");
    assert!(
        matches!(read, Ok(0) | Err(_)),
        "closed, nothing sent: {read:?}"
    );
    let waited = opened.elapsed();
    assert!(
        waited >= Duration::from_millis(1500),
        "closed at the timeout, not at once: {waited:?}"
    );
    let mut tls = tls_connect(port, &ca.ca_pem)
        .await
        .expect("the slot is free again");
    assert_eq!(get(&mut tls, "/healthz").await, 200);
    drop(tls);
    s.stop().await;
}

/// Waits until the binary on `port` answers /readyz over TLS trusting `ca_pem`.
async fn wait_ready_tls(port: u16, ca_pem: &str) {
    for _ in 0..200 {
        if let Ok(mut tls) = tls_connect(port, ca_pem).await
            && get(&mut tls, "/readyz").await == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server on {port} did not become ready over TLS");
}

fn sighup(pid: u32) {
    let status = Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .expect("kill -HUP");
    assert!(status.success());
}

/// The real binary: SIGHUP serves a new certificate (another CA) to new connections while an
/// open connection keeps working; a reload from bad files keeps the certificate and logs why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_sighup_reloads_the_certificate() {
    let dir = tempfile::tempdir().expect("dir");
    let files = tls_files(dir.path());
    let ca1 = issue("Rolegate test CA 1");
    install(&files, &ca1);
    let port = free_port();
    let cert = files.cert.to_string_lossy().into_owned();
    let key = files.key.to_string_lossy().into_owned();
    let mut child = spawn_server(
        dir.path(),
        port,
        &[
            ("ROLEGATE_ROOT_ACCESS_KEY_ID", ROOT_KEY),
            ("ROLEGATE_ROOT_SECRET_ACCESS_KEY", ROOT_SECRET),
            ("ROLEGATE_TLS_CERT", &cert),
            ("ROLEGATE_TLS_KEY", &key),
        ],
    );
    wait_ready_tls(port, &ca1.ca_pem).await;
    let mut kept = tls_connect(port, &ca1.ca_pem).await.expect("handshake");
    assert_eq!(get(&mut kept, "/healthz").await, 200);

    let ca2 = issue("Rolegate test CA 2");
    install(&files, &ca2);
    sighup(child.id());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(mut tls) = tls_connect(port, &ca2.ca_pem).await {
            assert_eq!(get(&mut tls, "/healthz").await, 200);
            break;
        }
        assert!(Instant::now() < deadline, "the new certificate is served");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        tls_connect(port, &ca1.ca_pem).await.is_err(),
        "new connections no longer get the old certificate"
    );
    assert_eq!(
        get(&mut kept, "/healthz").await,
        200,
        "the connection opened before the reload still works"
    );

    // Bad files: the reload fails, is logged, and the certificate stays.
    std::fs::write(&files.cert, "not a certificate\n").expect("write");
    sighup(child.id());
    let log = dir.path().join(format!("server-{port}.log"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(&log)
        .expect("log")
        .contains("could not reload the TLS certificate")
    {
        assert!(Instant::now() < deadline, "the failed reload is logged");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let text = std::fs::read_to_string(&log).expect("log");
    assert!(text.contains("no PEM certificate"), "says why:\n{text}");
    let mut tls = tls_connect(port, &ca2.ca_pem)
        .await
        .expect("still the second certificate");
    assert_eq!(get(&mut tls, "/healthz").await, 200);
    assert_eq!(get(&mut kept, "/healthz").await, 200);
    assert!(
        child.try_wait().expect("wait").is_none(),
        "SIGHUP does not stop it"
    );
    drop((tls, kept));
    terminate_cleanly(child).await;
}

/// `--tls-cert` without `--tls-key`, and a bad PEM, fail the start with a clear message.
#[test]
fn tls_bad_settings_fail_the_start() {
    let dir = tempfile::tempdir().expect("dir");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_rolegate"))
            .arg("serve")
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path())
            .args(args)
            .env_remove("ROLEGATE_TLS_CERT")
            .env_remove("ROLEGATE_TLS_KEY")
            .stdin(Stdio::null())
            .output()
            .expect("run rolegate");
        assert!(!out.status.success(), "{args:?} must fail the start");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let cert: PathBuf = dir.path().join("cert.pem");
    let key: PathBuf = dir.path().join("key.pem");
    let cert = cert.to_str().expect("utf-8");
    let key = key.to_str().expect("utf-8");
    let e = run(&["--tls-cert", cert]);
    assert!(e.contains("--tls-cert needs --tls-key"), "{e}");
    let issued = issue("Rolegate test CA");
    std::fs::write(
        cert,
        "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n",
    )
    .expect("write");
    std::fs::write(key, &issued.key_pem).expect("write");
    let e = run(&["--tls-cert", cert, "--tls-key", key]);
    assert!(
        e.contains(cert) && e.contains("not a valid PEM certificate"),
        "{e}"
    );
    std::fs::write(cert, &issued.cert_pem).expect("write");
    std::fs::write(key, &issued.cert_pem).expect("write");
    let e = run(&["--tls-cert", cert, "--tls-key", key]);
    assert!(e.contains(key) && e.contains("no PEM private key"), "{e}");
    assert!(
        !dir.path().join("rolegate.db").exists(),
        "nothing was opened before the files were checked"
    );
}

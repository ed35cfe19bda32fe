//! No secret reaches the log: a server started with a generated root key is driven through
//! every way secrets are made and used — access keys, AssumeRole, GetSessionToken and
//! GetFederationToken sessions, a virtual MFA device, wrong secrets, forged tokens, wrong MFA
//! codes, `add-account`, `rotate-session-key` — with every log line captured at `trace` for
//! rolegate's crates and the HTTP and SQL layers under them, and none of those secrets appears.
//!
//! A test binary of its own, so that one global subscriber captures every thread's lines (a
//! subscriber set for one thread races with the callsite cache `tracing` shares across a
//! binary's threads, and misses lines); both tests log into the one capture and each checks
//! that none of the secrets it made appears, and that the lines it must have are there. The
//! AWS SDK's own logs (the client side, which prints what it signs) are left out. The SQL
//! layer's lines are captured too (every statement, at `debug`).

use std::sync::{Arc, Mutex};

use aws_sdk_sts::types::Credentials;
use base64::Engine as _;
use rolegate_server::Config;
use rolegate_store::{GLOBAL, record};

#[path = "e2e/support.rs"]
#[allow(dead_code, reason = "shared with the e2e binary, which uses the rest")]
mod support;

use support::*;

/// Everything logged, as text.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer")).into_owned()
    }
}

fn secret_and_token(c: &Credentials) -> [String; 2] {
    [
        c.secret_access_key().to_owned(),
        c.session_token().to_owned(),
    ]
}

/// The one capture of this binary: every line any thread logs.
fn capture() -> Captured {
    static CAPTURED: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    CAPTURED.get_or_init(install).clone()
}

fn install() -> Captured {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "trace,aws_config=off,aws_credential_types=off,aws_runtime=off,aws_sdk_iam=off,\
             aws_sdk_sts=off,aws_sigv4=off,aws_smithy_runtime=off,aws_smithy_runtime_api=off,\
             aws_smithy_http_client=off,aws_smithy_types=off,aws_smithy_http=off,\
             aws_smithy_xml=off,aws_smithy_query=off",
        ))
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    captured
}

/// The log has none of the secrets, and the capture worked: it holds rolegate's own lines.
///
/// Which lines it holds is not asserted one by one: a subscriber set for one thread
/// (`set_default`) races with the callsite-interest cache `tracing` shares across the test
/// binary's threads, so a line logged while another test registers the same callsite can be
/// missed (seen in CI for `request refused`). The lines listed are required only together: at
/// least one of them, plus `expected`.
fn check(logs: &str, secrets: &[String], expected: &[&str]) {
    for e in expected {
        assert!(logs.contains(e), "the log has `{e}`:\n{logs}");
    }
    let seen = [
        "listening",
        "request refused",
        "session token refused",
        "MFA code refused",
    ]
    .iter()
    .filter(|e| logs.contains(**e))
    .count();
    assert!(seen > 0, "the capture holds rolegate's lines:\n{logs}");
    assert!(
        logs.contains("rolegate"),
        "the capture holds rolegate's lines"
    );
    for secret in secrets {
        assert!(secret.len() >= 16, "a real secret: {secret}");
        assert!(
            !logs.contains(secret.as_str()),
            "a secret is in the log: {secret}"
        );
    }
}

#[tokio::test]
async fn sqlite_no_secret_is_logged() {
    let captured = capture();
    let s = sqlite_configured(|c| Config {
        root_key: None,
        ..c
    })
    .await;
    let config = s.config.as_ref().expect("in-process");
    let (root_key, root_secret) = credentials_file(&config.data_dir.join("root-credentials"));
    let secrets = scenario(&s, &root_key, &root_secret).await;
    s.stop().await;
    check(
        &captured.text(),
        &secrets,
        &["generated the root access key", &root_key],
    );
}

#[tokio::test]
async fn postgres_no_secret_is_logged() {
    let captured = capture();
    let Some(s) = postgres().await else { return };
    let secrets = scenario(&s, ROOT_KEY, ROOT_SECRET).await;
    s.stop().await;
    check(
        &captured.text(),
        &secrets,
        &["installed the configured root access key"],
    );
}

/// Makes and uses secrets of every kind; returns them.
async fn scenario(s: &Server, root_key: &str, root_secret: &str) -> Vec<String> {
    let ep = &s.endpoint;
    let config = s.config.as_ref().expect("in-process");
    let mut secrets = vec![root_secret.to_owned()];
    let root = iam(ep, root_key, root_secret);

    // A user with a key, a role it may assume.
    root.create_user()
        .user_name("alice")
        .send()
        .await
        .expect("user");
    root.put_user_policy()
        .user_name("alice")
        .policy_name("all")
        .policy_document(ALLOW_ALL)
        .send()
        .await
        .expect("policy");
    let key = root
        .create_access_key()
        .user_name("alice")
        .send()
        .await
        .expect("key")
        .access_key
        .expect("access key");
    let (ak, sk) = (key.access_key_id, key.secret_access_key);
    secrets.push(sk.clone());
    root.create_role()
        .role_name("Ops")
        .assume_role_policy_document(trust_account(ACCOUNT))
        .send()
        .await
        .expect("role");
    root.put_role_policy()
        .role_name("Ops")
        .policy_name("all")
        .policy_document(ALLOW_ALL)
        .send()
        .await
        .expect("role policy");

    // Sessions of every kind, used.
    let alice = sts(ep, &ak, &sk);
    let assumed = alice
        .assume_role()
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/Ops"))
        .role_session_name("first")
        .send()
        .await
        .expect("assume")
        .credentials
        .expect("credentials");
    let token = alice
        .get_session_token()
        .send()
        .await
        .expect("session token")
        .credentials
        .expect("credentials");
    let federated = alice
        .get_federation_token()
        .name("fed")
        .policy(ALLOW_ALL)
        .send()
        .await
        .expect("federation token")
        .credentials
        .expect("credentials");
    for c in [&assumed, &token, &federated] {
        secrets.extend(secret_and_token(c));
        sts_session(ep, c)
            .get_caller_identity()
            .send()
            .await
            .expect("a session signs");
    }
    iam_session(ep, &assumed)
        .list_users()
        .send()
        .await
        .expect("the role's session calls IAM");
    // Refusals: IAM from a session without MFA, a wrong secret, a forged and a foreign token.
    let refused = iam_session(ep, &token)
        .list_users()
        .send()
        .await
        .expect_err("no IAM without MFA");
    assert_eq!(code(&refused), "InvalidClientTokenId");
    sts(ep, &ak, &format!("{sk}x"))
        .get_caller_identity()
        .send()
        .await
        .expect_err("a wrong secret");
    let mut forged = assumed.session_token().to_owned().into_bytes();
    forged[20] ^= 1;
    let forged = Credentials::builder()
        .access_key_id(assumed.access_key_id())
        .secret_access_key(assumed.secret_access_key())
        .session_token(String::from_utf8(forged).expect("ascii"))
        .expiration(*assumed.expiration())
        .build()
        .expect("credentials");
    sts_session(ep, &forged)
        .get_caller_identity()
        .send()
        .await
        .expect_err("a forged token");
    let swapped = Credentials::builder()
        .access_key_id(token.access_key_id())
        .secret_access_key(token.secret_access_key())
        .session_token(assumed.session_token())
        .expiration(*token.expiration())
        .build()
        .expect("credentials");
    sts_session(ep, &swapped)
        .get_caller_identity()
        .send()
        .await
        .expect_err("another session's token");

    // A virtual MFA device: its seed, enabling it, and a wrong code.
    let device = root
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("phone")
        .send()
        .await
        .expect("device")
        .virtual_mfa_device
        .expect("device");
    let serial = device.serial_number().to_owned();
    let seed = String::from_utf8(device.base32_string_seed().expect("seed").as_ref().to_vec())
        .expect("seed text");
    secrets.push(seed.clone());
    secrets.push(base64::engine::general_purpose::STANDARD.encode(&seed));
    secrets.push(
        base64::engine::general_purpose::STANDARD
            .encode(device.qr_code_png().expect("qr").as_ref()),
    );
    let t = time::OffsetDateTime::now_utc().unix_timestamp();
    root.enable_mfa_device()
        .user_name("alice")
        .serial_number(&serial)
        .authentication_code1(totp_code(&seed, t - 60))
        .authentication_code2(totp_code(&seed, t - 30))
        .send()
        .await
        .expect("enable");
    let wrong = if totp_code(&seed, t) == "000000" {
        "111111"
    } else {
        "000000"
    };
    alice
        .get_session_token()
        .serial_number(&serial)
        .token_code(wrong)
        .send()
        .await
        .expect_err("a wrong code");

    // A web identity token (a bearer credential): refused, and never logged — neither the
    // whole token nor its signature.
    let web_signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(b"a web identity token's signature, secret");
    let web_token = format!(
        "{}.{}.{web_signature}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"k"}"#),
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"iss":"https://idp.example.com","sub":"s","aud":"a","exp":9999999999}"#),
    );
    let anonymous = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::Config::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new("us-east-1"))
            .endpoint_url(ep)
            .build(),
    );
    let refused = anonymous
        .assume_role_with_web_identity()
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/Ops"))
        .role_session_name("web")
        .web_identity_token(&web_token)
        .send()
        .await
        .expect_err("no such provider");
    assert_eq!(code(&refused), "InvalidIdentityToken");
    secrets.push(web_token);
    secrets.push(web_signature);

    // A server certificate's private key: uploaded, refused with another certificate, and
    // never logged (its base64 lines, as sent in the form too).
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = rcgen::CertificateParams::new(vec!["www.example.com".into()])
        .expect("params")
        .self_signed(&key)
        .expect("certificate");
    let private = key.serialize_pem();
    root.upload_server_certificate()
        .server_certificate_name("web")
        .certificate_body(cert.pem())
        .private_key(&private)
        .send()
        .await
        .expect("upload");
    let other = rcgen::KeyPair::generate().expect("key");
    let other_cert = rcgen::CertificateParams::new(vec!["other.example.com".into()])
        .expect("params")
        .self_signed(&other)
        .expect("certificate");
    let mismatch = root
        .upload_server_certificate()
        .server_certificate_name("web2")
        .certificate_body(other_cert.pem())
        .private_key(&private)
        .send()
        .await
        .expect_err("another certificate's key");
    assert_eq!(code(&mismatch), "KeyPairMismatch");
    for line in private.lines().filter(|l| !l.starts_with("-----")) {
        if line.len() >= 40 && !cert.pem().contains(line) {
            secrets.push(line.to_owned());
            secrets.push(line.replace('+', "%2B").replace('/', "%2F"));
        }
    }

    // A SAML provider's private key (issue 13): added on create, refused as a third key and as
    // a truncated one, and never logged.
    let saml_dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../service/tests/data/saml/encrypted"
    );
    let read = |f: &str| std::fs::read_to_string(format!("{saml_dir}/{f}")).expect("fixture");
    let (sp1, sp2) = (read("sp1.key"), read("sp2.key"));
    let saml_arn = root
        .create_saml_provider()
        .name("Encrypted")
        .saml_metadata_document(read("metadata.xml"))
        .add_private_key(&sp1)
        .assertion_encryption_mode(aws_sdk_iam::types::AssertionEncryptionModeType::Required)
        .send()
        .await
        .expect("a provider with a private key")
        .saml_provider_arn
        .expect("arn");
    root.update_saml_provider()
        .saml_provider_arn(&saml_arn)
        .add_private_key(&sp2)
        .send()
        .await
        .expect("a second key");
    let third = root
        .update_saml_provider()
        .saml_provider_arn(&saml_arn)
        .add_private_key(&private)
        .send()
        .await
        .expect_err("a third key, and not RSA");
    assert_eq!(code(&third), "InvalidInput");
    for pem in [&sp1, &sp2] {
        for line in pem.lines().filter(|l| l.len() >= 40) {
            secrets.push(line.to_owned());
            secrets.push(line.replace('+', "%2B").replace('/', "%2F"));
        }
    }

    // The administrative commands.
    let (_, other_secret) = add_account(s, "210987654321").await;
    secrets.push(other_secret);
    rolegate_server::rotate_session_key(config)
        .await
        .expect("rotate");
    let rotated = alice
        .assume_role()
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/Ops"))
        .role_session_name("after")
        .send()
        .await
        .expect("assume after the rotation")
        .credentials
        .expect("credentials");
    secrets.extend(secret_and_token(&rotated));

    // The keyring's keys.
    let service = &s.running.as_ref().expect("running").service;
    let ring = service
        .store()
        .get(GLOBAL, "keyring", record::KEYRING_KEY)
        .await
        .expect("read")
        .expect("keyring");
    let ring: record::Keyring = record::decode(&ring.data).expect("keyring");
    secrets.extend(ring.keys.iter().map(|k| k.material.expose().to_owned()));
    secrets
}

//! Secrets are types: every public type that holds one — records, outputs, the authenticated
//! caller and its session, bootstrap's and `create_account`'s root keys, the keyring — is
//! formatted with `{:?}` and `{:#?}` and none of the secrets shows; none of them implements
//! `Display`. The secrets come from a real service on SQLite (generated root keys, a new access
//! key, a session, an MFA seed, keyring keys) and from outputs built with a recognizable value.

use std::{fmt::Debug, sync::Arc};

use base64::Engine as _;
use rolegate_proto::{
    IAM_NAMESPACE, Operation, Params, STS_NAMESPACE, Secret as OutputSecret,
    dto::{access_keys, mfa_devices, server_certificates, sts},
    types::Blob,
    xml::render_response,
};
use rolegate_service::{
    DEFAULT_MAX_STALENESS, RequestEnv, Service, ServiceConfig,
    bootstrap::{self, Bootstrap},
    clock::SystemClock,
    session::SealingKey,
};
use rolegate_store::{GLOBAL, Secret, SqliteStore, Store, record};

/// A value no formatter would produce by accident.
const CANARY: &str = "CANARY-wJalrXUtnFEMI-K7MDENG-bPxRfiCY";

/// Whether a type implements `Display`, decided at compile time (an inherent method wins over
/// the blanket trait method only when the bound holds).
struct Probe<T>(std::marker::PhantomData<T>);
trait NoDisplay {
    fn has_display(&self) -> bool {
        false
    }
}
impl<T> NoDisplay for Probe<T> {}
impl<T: std::fmt::Display> Probe<T> {
    fn has_display(&self) -> bool {
        true
    }
}
macro_rules! assert_no_display {
    ($($t:ty),* $(,)?) => {$(
        assert!(!Probe::<$t>(std::marker::PhantomData).has_display(), "{} implements Display", stringify!($t));
    )*};
}

fn between<'a>(text: &'a str, tag: &str) -> &'a str {
    let open = format!("<{tag}>");
    let from = text.find(&open).map(|i| i + open.len()).expect(tag);
    let to = text[from..].find("</").expect(tag);
    &text[from..from + to]
}

async fn call(
    svc: &Service,
    caller: &rolegate_service::Caller,
    action: &str,
    params: &[(&str, &str)],
) -> String {
    let (version, namespace) = match Operation::service_of(action) {
        Some(rolegate_proto::Service::Sts) => ("2011-06-15", STS_NAMESPACE),
        _ => ("2010-05-08", IAM_NAMESPACE),
    };
    let pairs = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .chain([
            ("Action".to_owned(), action.to_owned()),
            ("Version".to_owned(), version.to_owned()),
        ]);
    let params = Params::from_pairs(pairs).expect("params");
    let op = Operation::decode(action, Some(version), &params).expect("decode");
    let env = RequestEnv {
        request_id: "r".into(),
        source_ip: None,
        secure_transport: false,
        user_agent: None,
        region: "us-east-1".into(),
        now: time::OffsetDateTime::now_utc(),
    };
    let reply = svc.execute(caller, op, &env).await.expect(action);
    match reply.result() {
        Some(result) => render_response(action, namespace, Some(result), "r"),
        None => String::new(),
    }
}

#[tokio::test]
async fn no_public_type_prints_a_secret() {
    let dir = tempfile::tempdir().expect("dir");
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&dir.path().join("rolegate.db"))
            .await
            .expect("store"),
    );
    let account = bootstrap::management_account(&*store, None)
        .await
        .expect("management account");
    let svc = Service::new(
        store.clone(),
        Arc::new(SystemClock),
        ServiceConfig {
            account_id: account.clone(),
            max_staleness: DEFAULT_MAX_STALENESS,
        },
    );
    svc.ensure_keyring().await.expect("keyring");
    let mut secrets: Vec<String> = vec![CANARY.to_owned()];
    let mut shown: Vec<(&str, String)> = Vec::new();
    let mut show = |what: &'static str, v: &dyn Debug| {
        shown.push((what, format!("{v:?}")));
        shown.push((what, format!("{v:#?}")));
    };

    // Bootstrap's generated root key, and another account's.
    let boot = svc.bootstrap(None).await.expect("bootstrap");
    let Bootstrap::Generated {
        access_key_id: root_key,
        secret,
    } = &boot
    else {
        panic!("a fresh database generates the root key: {boot:?}");
    };
    secrets.push(secret.expose().to_owned());
    show("Bootstrap", &boot);
    let other = svc.create_account(None).await.expect("account");
    secrets.push(other.secret.expose().to_owned());
    show("NewAccount", &other);

    // The authenticated root caller, with the secret it verifies with.
    let root = svc.authenticate(root_key, None).await.expect("root");
    show("Authenticated (long-term)", &root);

    // A new access key, a session (secret and token) and a virtual MFA device (seed, QR code).
    let xml = call(&svc, &root.caller, "CreateAccessKey", &[]).await;
    let new_key = between(&xml, "AccessKeyId").to_owned();
    let new_secret = between(&xml, "SecretAccessKey").to_owned();
    secrets.push(new_secret.clone());
    let xml = call(
        &svc,
        &root.caller,
        "GetSessionToken",
        &[("DurationSeconds", "900")],
    )
    .await;
    let session_key = between(&xml, "AccessKeyId").to_owned();
    let token = between(&xml, "SessionToken").to_owned();
    secrets.push(between(&xml, "SecretAccessKey").to_owned());
    secrets.push(token.clone());
    let xml = call(
        &svc,
        &root.caller,
        "CreateVirtualMFADevice",
        &[("VirtualMFADeviceName", "phone")],
    )
    .await;
    let seed_b64 = between(&xml, "Base32StringSeed");
    let seed = base64::engine::general_purpose::STANDARD
        .decode(seed_b64)
        .expect("base64");
    secrets.push(String::from_utf8(seed).expect("base32 text"));
    secrets.push(seed_b64.to_owned());
    secrets.push(between(&xml, "QRCodePNG").to_owned());

    // The session's caller: its session holds the secret.
    let session = svc
        .authenticate(&session_key, Some(&token))
        .await
        .expect("session");
    assert!(session.caller.session.is_some());
    show("Authenticated (session)", &session);
    show("Caller", &session.caller);
    show("Session", &session.caller.session);

    // A rotated keyring: two keys.
    svc.rotate_session_key().await.expect("rotate");

    // The records holding them, and the raw records and writes they travel in.
    let key_record = store
        .get(GLOBAL, "access-key", &new_key)
        .await
        .expect("get")
        .expect("the new key");
    let key: record::AccessKey = record::decode(&key_record.data).expect("decode");
    assert_eq!(key.secret.expose(), new_secret);
    show("Record (access key)", &key_record);
    show("record::AccessKey", &key);
    let ring_record = store
        .get(GLOBAL, "keyring", record::KEYRING_KEY)
        .await
        .expect("get")
        .expect("the keyring");
    let ring: record::Keyring = record::decode(&ring_record.data).expect("decode");
    assert_eq!(ring.keys.len(), 2);
    for k in &ring.keys {
        secrets.push(k.material.expose().to_owned());
    }
    show("Record (keyring)", &ring_record);
    show("record::Keyring", &ring);
    let device_record = store
        .get(&account, "mfa-device", "phone")
        .await
        .expect("get")
        .expect("the device");
    let device: record::MfaDevice = record::decode(&device_record.data).expect("decode");
    show("Record (MFA device)", &device_record);
    show("record::MfaDevice", &device);
    show(
        "Write",
        &rolegate_store::Write::Put {
            scope: GLOBAL.into(),
            kind: "access-key".into(),
            key: new_key.clone(),
            expect: rolegate_store::Expect::Absent,
            data: key_record.data.clone(),
        },
    );
    show(
        "SealingKey",
        &SealingKey {
            id: 1,
            key: zeroize::Zeroizing::new([0x41; 32]),
        },
    );

    // Outputs, built with the canary in every secret member.
    let canary = || OutputSecret::from(CANARY.to_owned());
    let credentials = sts::Credentials {
        access_key_id: session_key.clone(),
        secret_access_key: canary(),
        session_token: canary(),
        expiration: None,
    };
    show("Credentials", &credentials);
    show(
        "AssumeRoleOutput",
        &sts::AssumeRoleOutput {
            credentials: credentials.clone(),
            ..Default::default()
        },
    );
    show(
        "GetSessionTokenOutput",
        &sts::GetSessionTokenOutput {
            credentials: credentials.clone(),
        },
    );
    show(
        "GetFederationTokenOutput",
        &sts::GetFederationTokenOutput {
            credentials,
            ..Default::default()
        },
    );
    let access_key = access_keys::AccessKey {
        access_key_id: new_key.clone(),
        secret_access_key: canary(),
        ..Default::default()
    };
    show("AccessKey", &access_key);
    show(
        "CreateAccessKeyOutput",
        &access_keys::CreateAccessKeyOutput { access_key },
    );
    let device = mfa_devices::VirtualMfaDevice {
        serial_number: "arn:aws:iam::123456789012:mfa/phone".into(),
        base32_string_seed: Some(OutputSecret::new(Blob(CANARY.as_bytes().to_vec()))),
        qr_code_png: Some(OutputSecret::new(Blob(CANARY.as_bytes().to_vec()))),
        ..Default::default()
    };
    show("VirtualMfaDevice", &device);
    show(
        "CreateVirtualMFADeviceOutput",
        &mfa_devices::CreateVirtualMFADeviceOutput {
            virtual_mfa_device: device,
        },
    );
    // A server certificate's private key, uploaded and stored.
    show(
        "UploadServerCertificateInput",
        &server_certificates::UploadServerCertificateInput {
            path: None,
            server_certificate_name: "web".into(),
            certificate_body: "-----BEGIN CERTIFICATE-----".into(),
            private_key: OutputSecret::new(CANARY.to_owned()),
            certificate_chain: None,
            tags: Vec::new(),
        },
    );
    show(
        "record::ServerCertificate",
        &record::ServerCertificate {
            name: "web".into(),
            id: "ASCAEXAMPLE".into(),
            path: "/".into(),
            body: "-----BEGIN CERTIFICATE-----".into(),
            chain: None,
            private_key: Secret::new(CANARY),
            expiration: 0,
            uploaded: 0,
            tags: Vec::new(),
        },
    );
    show("store::Secret", &Secret::new(CANARY));
    show("proto::Secret", &canary());
    show("sigv4::SecretKey", &rolegate_sigv4::SecretKey::new(CANARY));

    // Byte secrets print as numbers: their decimal lists must not show either.
    let as_numbers = |s: &str| format!("{:?}", s.as_bytes());
    for (what, text) in &shown {
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "{what} shows a secret: {text}");
            assert!(
                !text.contains(&as_numbers(s)[1..as_numbers(s).len() - 1]),
                "{what} shows a secret's bytes: {text}"
            );
        }
    }
    // What was printed is the real thing, only without its secrets.
    let all: String = shown.iter().map(|(_, t)| t.as_str()).collect();
    for visible in [root_key.as_str(), &new_key, &session_key, "<redacted"] {
        assert!(all.contains(visible), "{visible} is shown");
    }
    assert!(
        Probe::<String>(std::marker::PhantomData).has_display(),
        "the probe sees Display"
    );
    assert_no_display!(
        Secret,
        OutputSecret,
        OutputSecret<Blob>,
        rolegate_sigv4::SecretKey,
        record::AccessKey,
        record::Keyring,
        record::SessionKey,
        record::MfaDevice,
        record::ServerCertificate,
        server_certificates::UploadServerCertificateInput,
        rolegate_store::Record,
        rolegate_store::Write,
        sts::Credentials,
        access_keys::AccessKey,
        mfa_devices::VirtualMfaDevice,
        rolegate_service::Authenticated,
        rolegate_service::Caller,
        rolegate_service::session::Session,
        Bootstrap,
        bootstrap::NewAccount,
        SealingKey,
    );
}

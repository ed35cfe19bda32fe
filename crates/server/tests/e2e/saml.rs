//! Federation with SAML (issue 13): SAML providers in IAM, and AssumeRoleWithSAML against a
//! real identity provider — pysaml2's IdP (`saml/idp.py`, `Server.create_authn_response`)
//! signing with Debian's xmlsec1 — through aws-sdk-rust, boto3, the aws-cli and the `rolegate`
//! client; then the attacks of the adversarial catalogue's group F, built by `saml/attacks.py`
//! from responses pysaml2 signed and assertions signxml signs.
//! `.ci/run` installs xmlsec1, pysaml2 and signxml.

use std::{path::PathBuf, process::Command, sync::Arc};

use aws_config::BehaviorVersion;
use serde_json::Value;

use crate::support::*;

const METADATA: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../service/tests/data/saml/metadata.xml"
));
const ENTITY_ID: &str = "https://idp.example.test/saml";
const ATTR: &str = "https://aws.amazon.com/SAML/Attributes/";

fn saml_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/saml")
}

/// Whether the IdP can run here (CI installs it; elsewhere the tests say why they skip).
fn idp_available() -> bool {
    let ok = std::path::Path::new("/usr/bin/xmlsec1").exists()
        && crate::support::bounded("python3")
            .args(["-c", "import saml2, signxml, lxml"])
            .output()
            .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: xmlsec1, pysaml2 or signxml missing (.ci/run installs them)");
    }
    ok
}

/// pysaml2's IdP with its own key and certificate.
struct Idp {
    dir: tempfile::TempDir,
}

impl Idp {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("dir");
        let out = crate::support::bounded("python3")
            .arg(saml_dir().join("idp.py"))
            .args(["init", dir.path().to_str().expect("path"), ENTITY_ID])
            .output()
            .expect("python3");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self { dir }
    }

    fn metadata(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("metadata.xml")).expect("metadata")
    }

    /// A signed Response (base64) with `attributes` and further options.
    fn response(&self, attributes: &Value, options: Value) -> String {
        let mut o = options;
        o["attributes"] = attributes.clone();
        let out = crate::support::bounded("python3")
            .arg(saml_dir().join("idp.py"))
            .args([
                "response",
                self.dir.path().to_str().expect("path"),
                ENTITY_ID,
                &o.to_string(),
            ])
            .output()
            .expect("python3");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("utf-8")
            .trim()
            .to_owned()
    }

    /// The catalogue's variants, by name.
    fn attacks(&self, attributes: &Value) -> serde_json::Map<String, Value> {
        let out = crate::support::bounded("python3")
            .arg(saml_dir().join("attacks.py"))
            .args([
                self.dir.path().to_str().expect("path"),
                ENTITY_ID,
                &attributes.to_string(),
            ])
            .output()
            .expect("python3");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        match serde_json::from_slice(&out.stdout).expect("JSON") {
            Value::Object(m) => m,
            other => panic!("{other}"),
        }
    }
}

fn anonymous_sts(endpoint: &str) -> aws_sdk_sts::Client {
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_sts::Client::from_conf(config)
}

fn attributes(role_arn: &str, provider_arn: &str, extra: &[(&str, &[&str])]) -> Value {
    let mut m = serde_json::Map::new();
    // The pair in AWS's documented order, and a decoy pair of another provider.
    m.insert(
        format!("{ATTR}Role"),
        serde_json::json!([
            format!("{provider_arn},{role_arn}"),
            format!("arn:aws:iam::{ACCOUNT}:role/other,arn:aws:iam::{ACCOUNT}:saml-provider/Other"),
        ]),
    );
    m.insert(
        format!("{ATTR}RoleSessionName"),
        serde_json::json!(["alice"]),
    );
    for (k, v) in extra {
        m.insert((*k).to_owned(), serde_json::json!(v));
    }
    Value::Object(m)
}

async fn create_provider(s: &Server, name: &str, metadata: &str) -> String {
    root_iam(s)
        .create_saml_provider()
        .name(name)
        .saml_metadata_document(metadata)
        .send()
        .await
        .expect("CreateSAMLProvider")
        .saml_provider_arn()
        .expect("arn")
        .to_owned()
}

async fn assume(
    s: &Server,
    role: &str,
    provider_arn: &str,
    assertion: &str,
) -> Result<aws_sdk_sts::operation::assume_role_with_saml::AssumeRoleWithSamlOutput, (String, String)>
{
    anonymous_sts(&s.endpoint)
        .assume_role_with_saml()
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/{role}"))
        .principal_arn(provider_arn)
        .saml_assertion(assertion)
        .send()
        .await
        .map_err(|e| (code(&e), message(&e)))
}

/// AWS's documented trust policy for SAML federation, plus session tags.
/// The recipient and `SAML:aud` AWS documents.
const AWS_SIGNIN_URL: &str = "https://signin.aws.amazon.com/saml";

fn trust(provider_arn: &str, condition: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{provider_arn}"}},
        "Action":["sts:AssumeRoleWithSAML","sts:TagSession"],
        "Condition":{{"StringEquals":{{"SAML:aud":"https://signin.aws.amazon.com/saml"{condition}}}}}}}]}}"#
    )
}

// ---------------------------------------------------------------------------------------------
// IAM: the providers (both backends, no IdP needed).

pub async fn saml_providers_lifecycle(s: &Server) {
    let iam = root_iam(s);
    let created = iam
        .create_saml_provider()
        .name("Okta_Prod")
        .saml_metadata_document(METADATA)
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("team")
                .value("sso")
                .build()
                .expect("tag"),
        )
        .send()
        .await
        .expect("create");
    let arn = created.saml_provider_arn().expect("arn").to_owned();
    assert_eq!(
        arn,
        format!("arn:aws:iam::{ACCOUNT}:saml-provider/Okta_Prod")
    );
    assert_eq!(created.tags().len(), 1);
    let got = iam
        .get_saml_provider()
        .saml_provider_arn(&arn)
        .send()
        .await
        .expect("get");
    assert_eq!(got.saml_metadata_document(), Some(METADATA));
    assert!(got.create_date().is_some());
    assert_eq!(got.saml_provider_uuid().map(str::len), Some(36));
    let listed = iam.list_saml_providers().send().await.expect("list");
    assert_eq!(
        listed
            .saml_provider_list()
            .iter()
            .map(|p| p.arn().unwrap_or_default())
            .collect::<Vec<_>>(),
        [arn.as_str()]
    );
    // Names are unique case-insensitively; the ARN keeps the spelling.
    let e = iam
        .create_saml_provider()
        .name("okta_prod")
        .saml_metadata_document(METADATA)
        .send()
        .await
        .expect_err("exists");
    assert_eq!(code(&e), "EntityAlreadyExists");
    // Metadata without a signing certificate, not XML, or with a DTD: InvalidInput, nothing
    // created.
    let start = METADATA.find("<ns0:KeyDescriptor").expect("key descriptor");
    let end = METADATA.rfind("</ns0:KeyDescriptor>").expect("end") + "</ns0:KeyDescriptor>".len();
    let without_cert = format!(
        "{}{}{}",
        &METADATA[..start],
        &METADATA[end..],
        " ".repeat(1000)
    );
    let dtd = format!("<!DOCTYPE x [<!ENTITY a \"b\">]>{METADATA}");
    for (doc, name) in [
        (without_cert.as_str(), "NoCert"),
        (&"<not-xml".repeat(200), "NotXml"),
        (dtd.as_str(), "Dtd"),
    ] {
        let e = iam
            .create_saml_provider()
            .name(name)
            .saml_metadata_document(doc)
            .send()
            .await
            .expect_err("invalid metadata");
        assert_eq!(code(&e), "InvalidInput", "{name}: {}", message(&e));
    }
    // Too short for the model, a name outside [\w._-]: ValidationError.
    let e = iam
        .create_saml_provider()
        .name("a/b")
        .saml_metadata_document(METADATA)
        .send()
        .await
        .expect_err("bad name");
    assert_eq!(code(&e), "ValidationError");
    // Required without a private key: InvalidInput (a provider is never Required without one).
    let e = iam
        .update_saml_provider()
        .saml_provider_arn(&arn)
        .assertion_encryption_mode(aws_sdk_iam::types::AssertionEncryptionModeType::Required)
        .send()
        .await
        .expect_err("encryption");
    assert_eq!(code(&e), "InvalidInput");
    // Update with new metadata; tags.
    let updated = iam
        .update_saml_provider()
        .saml_provider_arn(&arn)
        .saml_metadata_document(METADATA.replace(ENTITY_ID, "https://idp2.example.test/saml"))
        .send()
        .await
        .expect("update");
    assert_eq!(updated.saml_provider_arn(), Some(arn.as_str()));
    iam.tag_saml_provider()
        .saml_provider_arn(&arn)
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("env")
                .value("prod")
                .build()
                .expect("tag"),
        )
        .send()
        .await
        .expect("tag");
    iam.untag_saml_provider()
        .saml_provider_arn(&arn)
        .tag_keys("team")
        .send()
        .await
        .expect("untag");
    let tags = iam
        .list_saml_provider_tags()
        .saml_provider_arn(&arn)
        .send()
        .await
        .expect("tags");
    assert_eq!(
        tags.tags()
            .iter()
            .map(|t| (t.key(), t.value()))
            .collect::<Vec<_>>(),
        [("env", "prod")]
    );
    // Another account's or a nonexistent provider: NoSuchEntity.
    for other in [
        format!("arn:aws:iam::{ACCOUNT}:saml-provider/Nope"),
        "arn:aws:iam::210987654321:saml-provider/Okta_Prod".to_owned(),
    ] {
        let e = iam
            .get_saml_provider()
            .saml_provider_arn(&other)
            .send()
            .await
            .expect_err("missing");
        assert_eq!(code(&e), "NoSuchEntity");
    }
    iam.delete_saml_provider()
        .saml_provider_arn(&arn)
        .send()
        .await
        .expect("delete");
    let e = iam
        .delete_saml_provider()
        .saml_provider_arn(&arn)
        .send()
        .await
        .expect_err("gone");
    assert_eq!(code(&e), "NoSuchEntity");
}

// ---------------------------------------------------------------------------------------------
// AssumeRoleWithSAML with pysaml2 (both backends: the replay cache is in the store).

pub async fn assume_role_with_saml_real_idp(s: &Server) {
    if !idp_available() {
        return;
    }
    let idp = tokio::task::spawn_blocking(Idp::start).await.expect("join");
    let idp = Arc::new(idp);
    let provider_arn = create_provider(s, "TestIdP", &idp.metadata()).await;
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/saml-admin");
    crate::sts::role(
        s,
        "saml-admin",
        &trust(&provider_arn, r#","SAML:doc":"123456789012/TestIdP""#),
        Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetRole","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"eng"}}}]}"#),
    )
    .await;
    let attrs = attributes(
        &role_arn,
        &provider_arn,
        &[
            (&format!("{ATTR}PrincipalTag:team"), &["eng"]),
            (&format!("{ATTR}SourceIdentity"), &["alice"]),
            (&format!("{ATTR}SessionDuration"), &["1800"]),
        ],
    );
    // SourceIdentity needs sts:SetSourceIdentity.
    let first = {
        let idp = idp.clone();
        let a = attrs.clone();
        tokio::task::spawn_blocking(move || idp.response(&a, serde_json::json!({})))
            .await
            .expect("join")
    };
    let e = assume(s, "saml-admin", &provider_arn, &first)
        .await
        .expect_err("no SetSourceIdentity");
    assert_eq!(e.0, "AccessDenied");
    crate::sts::role(
        s,
        "saml-admin2",
        &trust(&provider_arn, r#","SAML:sub":"alice@example.test","SAML:sub_type":"persistent","SAML:iss":"https://idp.example.test/saml""#)
            .replace(r#""sts:TagSession"]"#, r#""sts:TagSession","sts:SetSourceIdentity"]"#),
        Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetRole","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"eng"}}}]}"#),
    )
    .await;
    let role2 = format!("arn:aws:iam::{ACCOUNT}:role/saml-admin2");
    let attrs2 = attributes(
        &role2,
        &provider_arn,
        &[
            (&format!("{ATTR}PrincipalTag:team"), &["eng"]),
            (&format!("{ATTR}SourceIdentity"), &["alice"]),
            (&format!("{ATTR}SessionDuration"), &["1800"]),
        ],
    );
    let response = {
        let idp = idp.clone();
        let a = attrs2.clone();
        tokio::task::spawn_blocking(move || idp.response(&a, serde_json::json!({})))
            .await
            .expect("join")
    };

    // aws-sdk-rust, unsigned.
    let out = assume(s, "saml-admin2", &provider_arn, &response)
        .await
        .expect("AssumeRoleWithSAML");
    assert_eq!(out.subject(), Some("alice@example.test"));
    assert_eq!(out.subject_type(), Some("persistent"));
    assert_eq!(out.issuer(), Some(ENTITY_ID));
    assert_eq!(out.audience(), Some("https://signin.aws.amazon.com/saml"));
    assert_eq!(out.name_qualifier().map(str::len), Some(28));
    assert_eq!(out.source_identity(), Some("alice"));
    let user = out.assumed_role_user().expect("user");
    assert_eq!(
        user.arn(),
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/saml-admin2/alice")
    );
    let creds = out.credentials().expect("credentials");
    let lifetime = creds.expiration().secs() - time::OffsetDateTime::now_utc().unix_timestamp();
    assert!(
        (1700..=1800).contains(&lifetime),
        "SessionDuration: {lifetime}"
    );
    let me = sts_session(&s.endpoint, creds)
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity");
    assert_eq!(me.arn(), Some(user.arn()));
    // The session tag from the assertion is the session's.
    iam_session(&s.endpoint, creds)
        .get_role()
        .role_name("saml-admin2")
        .send()
        .await
        .expect("GetRole with PrincipalTag/team=eng");

    // The same assertion again: refused (the replay cache is in the store).
    let (c, _) = assume(s, "saml-admin2", &provider_arn, &response)
        .await
        .expect_err("replay");
    assert_eq!(c, "InvalidIdentityToken");

    // A role the Role attribute does not name: AccessDenied.
    let e = assume(s, "saml-admin", &provider_arn, &{
        let idp = idp.clone();
        let a = attrs2.clone();
        tokio::task::spawn_blocking(move || idp.response(&a, serde_json::json!({})))
            .await
            .expect("join")
    })
    .await
    .expect_err("role not in the assertion");
    assert_eq!(e.0, "AccessDenied");

    let fresh = || {
        let idp = idp.clone();
        let a = attrs2.clone();
        move || idp.response(&a, serde_json::json!({}))
    };
    // boto3.
    if boto3_available() {
        let assertion = tokio::task::spawn_blocking(fresh()).await.expect("join");
        let said = boto3_assume_role_with_saml(&s.endpoint, &role2, &provider_arn, assertion).await;
        assert_eq!(
            said,
            format!(
                "arn:aws:sts::{ACCOUNT}:assumed-role/saml-admin2/alice alice@example.test persistent"
            )
        );
    }
    // The aws-cli.
    let dir = tempfile::tempdir().expect("dir");
    if aws_cli_available() {
        let assertion = tokio::task::spawn_blocking(fresh()).await.expect("join");
        let mut cmd = crate::support::bounded("aws");
        cmd.args([
            "sts",
            "assume-role-with-saml",
            "--role-arn",
            &role2,
            "--principal-arn",
            &provider_arn,
            "--saml-assertion",
            &assertion,
            "--endpoint-url",
            &s.endpoint,
            "--region",
            "us-east-1",
            "--output",
            "json",
        ])
        .env("HOME", dir.path())
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
        let out = tokio::task::spawn_blocking(move || aws_json(&mut cmd))
            .await
            .expect("join")
            .expect("aws sts assume-role-with-saml");
        assert_eq!(out["Subject"], "alice@example.test");
        assert_eq!(out["Issuer"], ENTITY_ID);
    }
    // The rolegate client's --saml-assertion-file.
    let file = dir.path().join("assertion.b64");
    std::fs::write(
        &file,
        tokio::task::spawn_blocking(fresh()).await.expect("join"),
    )
    .expect("write");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rolegate"));
    cmd.args([
        "credential-process",
        "--role",
        &role2,
        "--session-name",
        "alice",
        "--saml-assertion-file",
        file.to_str().expect("path"),
        "--principal-arn",
        &provider_arn,
        "--endpoint-url",
        &s.endpoint,
        "--region",
        "us-east-1",
    ])
    .env("HOME", dir.path())
    .env_remove("AWS_ACCESS_KEY_ID")
    .env_remove("AWS_SECRET_ACCESS_KEY")
    .env_remove("AWS_SESSION_TOKEN")
    .env("AWS_CONFIG_FILE", "/dev/null")
    .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("rolegate"))
        .await
        .expect("join");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let process: Value = serde_json::from_slice(&out.stdout).expect("credential_process JSON");
    assert!(
        process["AccessKeyId"]
            .as_str()
            .is_some_and(|k| k.starts_with("ASIA"))
    );

    // Deleting the provider: its assertions verify nothing any more.
    root_iam(s)
        .delete_saml_provider()
        .saml_provider_arn(&provider_arn)
        .send()
        .await
        .expect("delete provider");
    let (c, _) = assume(
        s,
        "saml-admin2",
        &provider_arn,
        &tokio::task::spawn_blocking(fresh()).await.expect("join"),
    )
    .await
    .expect_err("provider gone");
    assert_eq!(c, "InvalidIdentityToken");
}

// ---------------------------------------------------------------------------------------------
// The adversarial catalogue, group F.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saml_attacks() {
    if !idp_available() {
        return;
    }
    let s = sqlite().await;
    let idp = Arc::new(tokio::task::spawn_blocking(Idp::start).await.expect("join"));
    let provider_arn = create_provider(&s, "TestIdP", &idp.metadata()).await;
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/saml-target");
    crate::sts::role(&s, "saml-target", &trust(&provider_arn, ""), None).await;
    let attrs = attributes(&role_arn, &provider_arn, &[]);
    let variants = {
        let idp = idp.clone();
        let a = attrs.clone();
        tokio::task::spawn_blocking(move || idp.attacks(&a))
            .await
            .expect("join")
    };
    let get = |name: &str| {
        variants[name]
            .as_str()
            .unwrap_or_else(|| panic!("{name}"))
            .to_owned()
    };
    // The signxml control verifies: the refusals below are about the attack, not the signer.
    assume(&s, "saml-target", &provider_arn, &get("signxml_control"))
        .await
        .expect("signxml-signed assertion");
    // A regional sign-in endpoint is a recipient AWS accepts, whatever the call's region;
    // it is the session's SAML:aud, which the trust policy names.
    let regional = "https://eu-west-1.signin.aws.amazon.com/saml";
    crate::sts::role(
        &s,
        "saml-regional",
        &trust(&provider_arn, "").replace(AWS_SIGNIN_URL, regional),
        None,
    )
    .await;
    let response = {
        let idp = idp.clone();
        let a = attributes(
            &format!("arn:aws:iam::{ACCOUNT}:role/saml-regional"),
            &provider_arn,
            &[],
        );
        tokio::task::spawn_blocking(move || {
            idp.response(&a, serde_json::json!({ "recipient": regional }))
        })
        .await
        .expect("join")
    };
    let out = assume(&s, "saml-regional", &provider_arn, &response)
        .await
        .expect("regional recipient");
    assert_eq!(out.audience(), Some(regional));
    // The IdP's SessionDuration above the role's maximum (3600 s by default) is held to it.
    let long = {
        let idp = idp.clone();
        let a = attributes(
            &role_arn,
            &provider_arn,
            &[(&format!("{ATTR}SessionDuration"), &["43200"])],
        );
        tokio::task::spawn_blocking(move || idp.response(&a, serde_json::json!({})))
            .await
            .expect("join")
    };
    let out = assume(&s, "saml-target", &provider_arn, &long)
        .await
        .expect("SessionDuration held to the role's maximum");
    let lifetime = out.credentials().expect("credentials").expiration().secs()
        - time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((3500..=3600).contains(&lifetime), "lifetime {lifetime}");
    for name in [
        "xsw1",
        "xsw2",
        "xsw3",
        "xsw4",
        "xsw5",
        "xsw6",
        "xsw7",
        "xsw8",
        "two_assertions",
        "decoy_in_object",
        "tampered",
        "unsigned",
        "sha1",
        "wrong_audience",
        "wrong_recipient",
        "entity_bomb",
        "xxe",
        "comment_truncation",
        "unregistered_key",
        "no_audience",
    ] {
        let (c, m) = assume(&s, "saml-target", &provider_arn, &get(name))
            .await
            .map(|o| o.subject().map(str::to_owned))
            .expect_err(name);
        assert_eq!(c, "InvalidIdentityToken", "{name}: {m}");
    }
    // Oversized: refused by the model's length (100,000) before anything is decoded.
    let (c, _) = assume(&s, "saml-target", &provider_arn, &get("oversized"))
        .await
        .map(|o| o.subject().map(str::to_owned))
        .expect_err("oversized");
    assert_eq!(c, "ValidationError");
    // RSA-SHA1 where the provider allows it (tag rolegate:AllowRsaSha1=true).
    root_iam(&s)
        .tag_saml_provider()
        .saml_provider_arn(&provider_arn)
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("rolegate:AllowRsaSha1")
                .value("true")
                .build()
                .expect("tag"),
        )
        .send()
        .await
        .expect("tag");
    assume(&s, "saml-target", &provider_arn, &get("sha1"))
        .await
        .expect("SHA-1 allowed for this provider");
    // Expired: the server's clock past NotOnOrAfter (pysaml2's lifetime is 15 minutes).
    let late = {
        let idp = idp.clone();
        let a = attrs.clone();
        tokio::task::spawn_blocking(move || idp.response(&a, serde_json::json!({})))
            .await
            .expect("join")
    };
    s.clock.as_ref().expect("movable clock").advance(20 * 60);
    let (c, _) = assume(&s, "saml-target", &provider_arn, &late)
        .await
        .map(|o| o.subject().map(str::to_owned))
        .expect_err("expired");
    assert_eq!(c, "ExpiredTokenException");
    // Not yet valid: the clock before NotBefore.
    s.clock.as_ref().expect("movable clock").advance(-40 * 60);
    let (c, _) = assume(&s, "saml-target", &provider_arn, &late)
        .await
        .map(|o| o.subject().map(str::to_owned))
        .expect_err("not yet valid");
    assert_eq!(c, "InvalidIdentityToken");
    s.clock.as_ref().expect("movable clock").advance(20 * 60);
    // A provider ARN of another account, or none: InvalidIdentityToken.
    let (c, _) = assume(
        &s,
        "saml-target",
        "arn:aws:iam::210987654321:saml-provider/TestIdP",
        &late,
    )
    .await
    .map(|o| o.subject().map(str::to_owned))
    .expect_err("foreign provider");
    assert_eq!(c, "InvalidIdentityToken");
    // Metadata past its validUntil no longer vouches for its keys.
    let metadata = idp.metadata();
    let at = metadata
        .find("EntityDescriptor ")
        .expect("EntityDescriptor")
        + 17;
    let dated = format!(
        "{}validUntil=\"2020-01-01T00:00:00Z\" {}",
        &metadata[..at],
        &metadata[at..]
    );
    let dated_arn = create_provider(&s, "DatedIdP", &dated).await;
    crate::sts::role(&s, "saml-dated", &trust(&dated_arn, ""), None).await;
    let fresh = {
        let idp = idp.clone();
        let a = attributes(
            &format!("arn:aws:iam::{ACCOUNT}:role/saml-dated"),
            &dated_arn,
            &[],
        );
        tokio::task::spawn_blocking(move || idp.response(&a, serde_json::json!({})))
            .await
            .expect("join")
    };
    let (c, m) = assume(&s, "saml-dated", &dated_arn, &fresh)
        .await
        .map(|o| o.subject().map(str::to_owned))
        .expect_err("metadata expired");
    assert_eq!(c, "InvalidIdentityToken");
    assert!(m.contains("validUntil"), "{m}");
    s.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Encrypted assertions: the provider's private keys, AssertionEncryptionMode, rotation.

impl Idp {
    /// A new service-provider key pair (RSA 2048): the PEM private key and certificate.
    fn sp_key(&self, name: &str) -> (String, String) {
        let out = crate::support::bounded("python3")
            .arg(saml_dir().join("idp.py"))
            .args(["sp-key", self.dir.path().to_str().expect("path"), name])
            .output()
            .expect("python3");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let read = |ext: &str| {
            std::fs::read_to_string(self.dir.path().join(format!("{name}.{ext}"))).expect("read")
        };
        (read("key"), read("crt"))
    }
}

/// The base64 body lines of a PEM key: none may appear anywhere the key must not.
fn key_lines(pem: &str) -> Vec<String> {
    pem.lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 20)
        .map(str::to_owned)
        .collect()
}

fn assert_no_key(text: &str, keys: &[&str], what: &str) {
    assert!(!text.contains("PRIVATE KEY"), "{what}: {text}");
    for k in keys {
        for line in key_lines(k) {
            assert!(!text.contains(&line), "{what} holds a private key: {text}");
        }
    }
}

pub async fn encrypted_assertions(s: &Server) {
    if !idp_available() {
        return;
    }
    let idp = Arc::new(tokio::task::spawn_blocking(Idp::start).await.expect("join"));
    let (key1, cert1, key2, cert2, key3) = {
        let idp = idp.clone();
        tokio::task::spawn_blocking(move || {
            let (k1, c1) = idp.sp_key("sp1");
            let (k2, c2) = idp.sp_key("sp2");
            let (k3, _) = idp.sp_key("sp3");
            (k1, c1, k2, c2, k3)
        })
        .await
        .expect("join")
    };
    let keys = [key1.as_str(), key2.as_str(), key3.as_str()];
    let iam = root_iam(s);
    let mut seen = Vec::new(); // every answer and error text, scanned for keys at the end

    // Required without a key, or with a key that is not one: InvalidInput, nothing made.
    let e = iam
        .create_saml_provider()
        .name("EncNoKey")
        .saml_metadata_document(idp.metadata())
        .assertion_encryption_mode(aws_sdk_iam::types::AssertionEncryptionModeType::Required)
        .send()
        .await
        .expect_err("Required without a key");
    assert_eq!(code(&e), "InvalidInput", "{}", message(&e));
    let truncated = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        key_lines(&key1)[..3].join("\n")
    );
    let ec = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgevZzL1gdAFr88hb2\nOF/2NxApJCzGCEDdfSp6VQO30hyhRANCAAQRWz+jn65BtOMvdyHKcvjBeBSDZH2r\n1RTwjmYSi9R/zpBnuQ4EiMnCqfMPWiZqB4QdbAd0E7oH50VpuZ1P087G\n-----END PRIVATE KEY-----\n";
    for bad in [truncated.as_str(), ec, "not a key at all"] {
        let e = iam
            .create_saml_provider()
            .name("EncBadKey")
            .saml_metadata_document(idp.metadata())
            .add_private_key(bad)
            .send()
            .await
            .expect_err("bad key");
        assert_eq!(code(&e), "InvalidInput", "{}", message(&e));
        assert!(!message(&e).contains("MI"), "{}", message(&e));
        seen.push(format!("{e:?}"));
    }
    let e = iam
        .get_saml_provider()
        .saml_provider_arn(format!("arn:aws:iam::{ACCOUNT}:saml-provider/EncBadKey"))
        .send()
        .await
        .expect_err("not made");
    assert_eq!(code(&e), "NoSuchEntity");

    // A provider with a private key that requires encryption.
    let created = iam
        .create_saml_provider()
        .name("EncIdP")
        .saml_metadata_document(idp.metadata())
        .add_private_key(&key1)
        .assertion_encryption_mode(aws_sdk_iam::types::AssertionEncryptionModeType::Required)
        .send()
        .await
        .expect("CreateSAMLProvider with a private key");
    seen.push(format!("{created:?}"));
    let provider_arn = created.saml_provider_arn().expect("arn").to_owned();
    let got = iam
        .get_saml_provider()
        .saml_provider_arn(&provider_arn)
        .send()
        .await
        .expect("get");
    seen.push(format!("{got:?}"));
    assert_eq!(
        got.assertion_encryption_mode(),
        Some(&aws_sdk_iam::types::AssertionEncryptionModeType::Required)
    );
    let list = got.private_key_list();
    assert_eq!(list.len(), 1, "{got:?}");
    let id1 = list[0].key_id().expect("KeyId").to_owned();
    assert!(
        (22..=64).contains(&id1.len())
            && id1
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()),
        "{id1}"
    );
    assert!(list[0].timestamp().expect("Timestamp").secs() > 0);
    seen.push(format!(
        "{:?}",
        iam.list_saml_providers().send().await.expect("list")
    ));

    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/saml-enc");
    crate::sts::role(s, "saml-enc", &trust(&provider_arn, ""), None).await;
    let attrs = attributes(&role_arn, &provider_arn, &[]);
    let make = |options: Value| {
        let idp = idp.clone();
        let a = attrs.clone();
        async move {
            tokio::task::spawn_blocking(move || idp.response(&a, options))
                .await
                .expect("join")
        }
    };
    let for_key = |cert: &str, more: Value| {
        let mut o = serde_json::json!({ "encrypt_cert": cert });
        if let (Some(o), Value::Object(m)) = (o.as_object_mut(), more) {
            o.extend(m);
        }
        o
    };

    // An encrypted, signed assertion (AES-256-GCM, RSA-OAEP): the role, through aws-sdk-rust.
    let out = assume(
        s,
        "saml-enc",
        &provider_arn,
        &make(for_key(&cert1, serde_json::json!({}))).await,
    )
    .await
    .expect("encrypted assertion");
    assert_eq!(out.subject(), Some("alice@example.test"));
    assert_eq!(out.issuer(), Some(ENTITY_ID));
    // AES-CBC with only the Assertion signed, AES-128-GCM with only the Response signed.
    for more in [
        serde_json::json!({"data_enc": "aes256-cbc", "sign_response": false}),
        serde_json::json!({"data_enc": "aes128-gcm", "sign_assertion": false}),
        serde_json::json!({"data_enc": "aes128-cbc"}),
    ] {
        assume(
            s,
            "saml-enc",
            &provider_arn,
            &make(for_key(&cert1, more.clone())).await,
        )
        .await
        .unwrap_or_else(|e| panic!("{more}: {e:?}"));
    }
    // Refused with InvalidIdentityToken: plaintext under Required; RSA 1.5 key transport;
    // neither the Response nor the encrypted Assertion signed; encrypted for a key the
    // provider does not have.
    for (options, what) in [
        (serde_json::json!({}), "plaintext under Required"),
        (
            for_key(&cert1, serde_json::json!({"key_enc": "rsa-1_5"})),
            "RSA 1.5",
        ),
        (
            for_key(
                &cert1,
                serde_json::json!({"sign_assertion": false, "sign_response": false}),
            ),
            "unsigned",
        ),
        (for_key(&cert2, serde_json::json!({})), "another key"),
    ] {
        let e = assume(s, "saml-enc", &provider_arn, &make(options).await)
            .await
            .expect_err(what);
        assert_eq!(e.0, "InvalidIdentityToken", "{what}: {}", e.1);
        seen.push(e.1);
    }

    // Allowed: plaintext and encrypted alike.
    iam.update_saml_provider()
        .saml_provider_arn(&provider_arn)
        .assertion_encryption_mode(aws_sdk_iam::types::AssertionEncryptionModeType::Allowed)
        .send()
        .await
        .expect("Allowed");
    assume(
        s,
        "saml-enc",
        &provider_arn,
        &make(serde_json::json!({})).await,
    )
    .await
    .expect("plaintext under Allowed");
    assume(
        s,
        "saml-enc",
        &provider_arn,
        &make(for_key(&cert1, serde_json::json!({}))).await,
    )
    .await
    .expect("encrypted under Allowed");

    // Rotation, with the aws-cli: add the second key (AddPrivateKey from a file).
    let dir = tempfile::tempdir().expect("dir");
    let cli = |args: &[&str]| {
        let mut cmd = crate::support::bounded("aws");
        cmd.args(args)
            .args([
                "--endpoint-url",
                &s.endpoint,
                "--region",
                "us-east-1",
                "--output",
                "json",
            ])
            .env("HOME", dir.path())
            .env("AWS_ACCESS_KEY_ID", ROOT_KEY)
            .env("AWS_SECRET_ACCESS_KEY", ROOT_SECRET)
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env_remove("AWS_PROFILE");
        cmd
    };
    let key2_file = dir.path().join("sp2.key");
    std::fs::write(&key2_file, &key2).expect("write");
    let key2_arg = format!("file://{}", key2_file.display());
    if aws_cli_available() {
        let mut cmd = cli(&[
            "iam",
            "update-saml-provider",
            "--saml-provider-arn",
            &provider_arn,
            "--add-private-key",
            &key2_arg,
        ]);
        tokio::task::spawn_blocking(move || aws_json(&mut cmd))
            .await
            .expect("join")
            .expect("aws iam update-saml-provider --add-private-key");
        let mut cmd = cli(&[
            "iam",
            "get-saml-provider",
            "--saml-provider-arn",
            &provider_arn,
        ]);
        let got = tokio::task::spawn_blocking(move || aws_json(&mut cmd))
            .await
            .expect("join")
            .expect("aws iam get-saml-provider");
        seen.push(got.to_string());
        assert_eq!(got["AssertionEncryptionMode"], "Allowed", "{got}");
        assert_eq!(
            got["PrivateKeyList"].as_array().map(Vec::len),
            Some(2),
            "{got}"
        );
        let mut cmd = cli(&["iam", "list-saml-providers"]);
        seen.push(
            tokio::task::spawn_blocking(move || aws_json(&mut cmd))
                .await
                .expect("join")
                .expect("aws iam list-saml-providers")
                .to_string(),
        );
    } else {
        iam.update_saml_provider()
            .saml_provider_arn(&provider_arn)
            .add_private_key(&key2)
            .send()
            .await
            .expect("add the second key");
    }
    let got = iam
        .get_saml_provider()
        .saml_provider_arn(&provider_arn)
        .send()
        .await
        .expect("get");
    seen.push(format!("{got:?}"));
    let ids: Vec<String> = got
        .private_key_list()
        .iter()
        .map(|k| k.key_id().expect("KeyId").to_owned())
        .collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], id1);
    // A third key: LimitExceeded; the same key again, an unknown key id, or adding and
    // removing in one request: InvalidInput.
    let e = iam
        .update_saml_provider()
        .saml_provider_arn(&provider_arn)
        .add_private_key(&key3)
        .send()
        .await
        .expect_err("a third key");
    assert_eq!(code(&e), "LimitExceeded", "{}", message(&e));
    seen.push(format!("{e:?}"));
    for (add, remove, what) in [
        (None, Some("A".repeat(26)), "unknown key id"),
        (
            Some(key3.clone()),
            Some(id1.clone()),
            "add and remove at once",
        ),
    ] {
        let e = iam
            .update_saml_provider()
            .saml_provider_arn(&provider_arn)
            .set_add_private_key(add)
            .set_remove_private_key(remove)
            .send()
            .await
            .expect_err(what);
        assert_eq!(code(&e), "InvalidInput", "{what}: {}", message(&e));
        seen.push(format!("{e:?}"));
    }
    // Either key decrypts while both are there.
    for cert in [&cert1, &cert2] {
        assume(
            s,
            "saml-enc",
            &provider_arn,
            &make(for_key(cert, serde_json::json!({}))).await,
        )
        .await
        .expect("either key");
    }
    // boto3 with an encrypted assertion for the second key.
    if boto3_available() {
        let assertion = make(for_key(&cert2, serde_json::json!({}))).await;
        let said =
            boto3_assume_role_with_saml(&s.endpoint, &role_arn, &provider_arn, assertion).await;
        assert!(
            said.starts_with(&format!(
                "arn:aws:sts::{ACCOUNT}:assumed-role/saml-enc/alice alice@example.test "
            )),
            "{said}"
        );
    }
    // Remove the old key: its assertions are refused, the new key's still work.
    iam.update_saml_provider()
        .saml_provider_arn(&provider_arn)
        .remove_private_key(&id1)
        .send()
        .await
        .expect("remove the old key");
    let e = assume(
        s,
        "saml-enc",
        &provider_arn,
        &make(for_key(&cert1, serde_json::json!({}))).await,
    )
    .await
    .expect_err("the removed key");
    assert_eq!(e.0, "InvalidIdentityToken", "{}", e.1);
    assume(
        s,
        "saml-enc",
        &provider_arn,
        &make(for_key(&cert2, serde_json::json!({}))).await,
    )
    .await
    .expect("the new key");
    // Required again; its last key cannot go.
    iam.update_saml_provider()
        .saml_provider_arn(&provider_arn)
        .assertion_encryption_mode(aws_sdk_iam::types::AssertionEncryptionModeType::Required)
        .send()
        .await
        .expect("Required");
    let e = iam
        .update_saml_provider()
        .saml_provider_arn(&provider_arn)
        .remove_private_key(&ids[1])
        .send()
        .await
        .expect_err("the last key of a Required provider");
    assert_eq!(code(&e), "InvalidInput", "{}", message(&e));
    seen.push(format!("{e:?}"));
    let got = iam
        .get_saml_provider()
        .saml_provider_arn(&provider_arn)
        .send()
        .await
        .expect("get");
    assert_eq!(got.private_key_list().len(), 1);
    seen.push(format!("{got:?}"));

    // No private key in any answer or error, nor in any stored audit event.
    for text in &seen {
        assert_no_key(text, &keys, "an answer");
    }
    let events = crate::audit::stored_events(s).await;
    assert!(
        events.iter().any(|e| e.contains("UpdateSAMLProvider")),
        "the calls are in the trail"
    );
    for e in &events {
        assert_no_key(e, &keys, "a stored audit event");
    }
}

/// boto3's AssumeRoleWithSAML with `assertion`, unsigned and with no configured credentials:
/// what it answers, as `ASSUMED_ROLE_ARN SUBJECT SUBJECT_TYPE`.
async fn boto3_assume_role_with_saml(
    endpoint: &str,
    role_arn: &str,
    provider_arn: &str,
    assertion: String,
) -> String {
    let script = format!(
        "import boto3,sys\nc=boto3.client('sts',endpoint_url='{endpoint}',region_name='us-east-1')\nr=c.assume_role_with_saml(RoleArn='{role_arn}',PrincipalArn='{provider_arn}',SAMLAssertion=sys.argv[1])\nprint(r['AssumedRoleUser']['Arn'], r['Subject'], r['SubjectType'])"
    );
    crate::support::python(vec!["-c".into(), script, assertion])
        .await
        .trim()
        .to_owned()
}

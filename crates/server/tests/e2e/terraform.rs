//! The strongest compatibility check there is: Terraform's hashicorp/aws provider applies a
//! configuration of users, keys, groups, policies, roles, an instance profile, an OpenID
//! Connect provider with a role trusting it, the account password policy, an account alias and
//! a login profile (and one of an organization, an OU, a member account, an SCP and its
//! attachment; one of two service-linked roles; and one of a user's SSH key and signing
//! certificate and a server certificate), a second plan shows no changes, and destroy removes
//! everything. Needs
//! `terraform` and a filesystem mirror
//! of the provider (found at `ROLEGATE_TF_PLUGIN_DIR` or `/opt/tf-plugins`); neither can be
//! installed from the package registries, so the test is skipped where they are absent.

use std::path::Path;

use crate::{
    durability::{free_port, spawn_server, wait_ready},
    support::*,
};

fn terraform(dir: &Path, args: &[&str], vars: &[String]) -> (i32, String) {
    let out = crate::support::bounded("terraform")
        .args(args)
        .args(vars.iter().flat_map(|v| ["-var".to_owned(), v.clone()]))
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", dir.join("cli.tfrc"))
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .expect("run terraform");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// The provider mirror, when terraform and it are installed (else the test is skipped).
fn provider_mirror() -> Option<String> {
    let plugins =
        std::env::var("ROLEGATE_TF_PLUGIN_DIR").unwrap_or_else(|_| "/opt/tf-plugins".into());
    let have_terraform = crate::support::bounded("terraform")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_terraform
        || !Path::new(&plugins)
            .join("registry.terraform.io/hashicorp/aws")
            .exists()
    {
        eprintln!("SKIPPED: terraform or the hashicorp/aws provider mirror is not installed");
        return None;
    }
    Some(plugins)
}

/// A server of its own (the released binary on a fresh data directory) with the management
/// account's root key: `config` (a directory under `tests/`) applied with `resources`
/// resources, a second plan without changes, and a destroy of them all. The server is still
/// running when `after` looks at what is left; its answer is returned.
async fn round_trip<F, Fut, T>(config: &str, resources: usize, after: F) -> Option<T>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    round_trip_with(config, &[], resources, after).await
}

/// [`round_trip`], with `files` (name, content) written beside `main.tf`.
async fn round_trip_with<F, Fut, T>(
    config: &str,
    files: &[(&str, String)],
    resources: usize,
    after: F,
) -> Option<T>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let plugins = provider_mirror()?;
    let dir = tempfile::tempdir().expect("dir");
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).expect("write a file for the config");
    }
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(config)
            .join("main.tf"),
        dir.path().join("main.tf"),
    )
    .expect("copy");
    std::fs::write(
        dir.path().join("cli.tfrc"),
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{plugins}\"\n    include = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n}}\n"
        ),
    )
    .expect("cli config");
    let port = free_port();
    let mut child = spawn_server(
        dir.path(),
        port,
        &[
            ("ROLEGATE_ROOT_ACCESS_KEY_ID", ROOT_KEY),
            ("ROLEGATE_ROOT_SECRET_ACCESS_KEY", ROOT_SECRET),
        ],
    );
    wait_ready(port).await;
    let endpoint = format!("http://127.0.0.1:{port}");
    let vars = vec![
        format!("endpoint={endpoint}"),
        format!("access_key={ROOT_KEY}"),
        format!("secret_key={ROOT_SECRET}"),
    ];
    let d = dir.path().to_path_buf();
    let result = tokio::task::spawn_blocking(move || {
        let (code, out) = terraform(&d, &["init", "-input=false", "-no-color"], &[]);
        assert_eq!(code, 0, "init: {out}");
        let (code, out) = terraform(
            &d,
            &["apply", "-auto-approve", "-input=false", "-no-color"],
            &vars,
        );
        assert_eq!(code, 0, "apply: {out}");
        assert!(
            out.contains(&format!("Resources: {resources} added")),
            "{out}"
        );
        let (code, out) = terraform(
            &d,
            &["plan", "-detailed-exitcode", "-input=false", "-no-color"],
            &vars,
        );
        assert_eq!(code, 0, "a second plan must show no changes: {out}");
        let (code, out) = terraform(
            &d,
            &["destroy", "-auto-approve", "-input=false", "-no-color"],
            &vars,
        );
        assert_eq!(code, 0, "destroy: {out}");
        assert!(
            out.contains(&format!("Resources: {resources} destroyed")),
            "{out}"
        );
    })
    .await;
    let left = after(endpoint).await;
    child.kill().expect("stop");
    let _ = child.wait();
    result.expect("terraform steps");
    Some(left)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terraform_apply_plan_destroy() {
    let left = round_trip("tests/terraform", 15, |endpoint| async move {
        let iam = iam(&endpoint, ROOT_KEY, ROOT_SECRET);
        iam.list_users().send().await.map(|r| r.users().len())
    })
    .await;
    if let Some(left) = left {
        assert_eq!(left.expect("list"), 0, "destroy removed the user");
    }
}

/// `aws_organizations_organization` (with SCPs enabled), `_organizational_unit`, `_account`,
/// `_policy` and `_policy_attachment`: apply, a second plan without changes, destroy (the
/// account is removed from the organization, then the OU, the policy and the organization go).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terraform_organizations_round_trip() {
    let answer = round_trip("tests/terraform/organizations", 5, |endpoint| async move {
        // The organization is gone.
        let request = signed_post(
            &endpoint,
            "organizations",
            "{}",
            ROOT_KEY,
            ROOT_SECRET,
            time::OffsetDateTime::now_utc(),
            &[("x-amz-target", "AWSOrganizationsV20161128.ListRoots")],
        );
        raw(&endpoint, request).await
    })
    .await;
    if let Some((status, _, text)) = answer {
        assert_eq!(status, 400, "{text}");
        assert!(text.contains("AWSOrganizationsNotInUseException"), "{text}");
    }
}

/// The DER items of a SEQUENCE (short and long lengths): an RSA public key's modulus and
/// exponent.
fn der_sequence(der: &[u8]) -> Vec<&[u8]> {
    fn item(b: &[u8]) -> (&[u8], &[u8]) {
        let (len, at) = match b[1] {
            n if n < 0x80 => (usize::from(n), 2),
            n => {
                let k = usize::from(n & 0x7f);
                (
                    b[2..2 + k]
                        .iter()
                        .fold(0usize, |a, x| a << 8 | usize::from(*x)),
                    2 + k,
                )
            }
        };
        (&b[at..at + len], &b[at + len..])
    }
    let (mut rest, _) = item(der);
    let mut out = Vec::new();
    while !rest.is_empty() {
        let (content, more) = item(rest);
        out.push(content);
        rest = more;
    }
    out
}

/// `ssh-rsa BASE64 comment` of an RSA key pair.
pub(crate) fn ssh_rsa(key: &rcgen::KeyPair) -> String {
    use base64::Engine as _;
    let items = der_sequence(key.public_key_raw());
    let mut blob = Vec::new();
    for field in [&b"ssh-rsa"[..], items[1], items[0]] {
        blob.extend_from_slice(&u32::try_from(field.len()).expect("len").to_be_bytes());
        blob.extend_from_slice(field);
    }
    format!(
        "ssh-rsa {} git@example\n",
        base64::engine::general_purpose::STANDARD.encode(blob)
    )
}

/// `aws_iam_user_ssh_key`, `aws_iam_signing_certificate` and `aws_iam_server_certificate` (a
/// CA-issued certificate with its chain, an ECDSA key, tags): apply, a second plan without
/// changes, destroy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terraform_credentials_round_trip() {
    let ssh = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("rsa key");
    let signing_key = rcgen::KeyPair::generate().expect("key");
    let signing = rcgen::CertificateParams::new(vec!["git-user".into()])
        .expect("params")
        .self_signed(&signing_key)
        .expect("signing certificate");
    let ca_key = rcgen::KeyPair::generate().expect("key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::new()).expect("params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Rolegate Terraform CA");
    let ca = ca_params.self_signed(&ca_key).expect("ca");
    let issuer = rcgen::Issuer::new(ca_params, &ca_key);
    let server_key = rcgen::KeyPair::generate().expect("key");
    let server = rcgen::CertificateParams::new(vec!["www.example.com".into()])
        .expect("params")
        .signed_by(&server_key, &issuer)
        .expect("server certificate");
    let files = [
        ("id_rsa.pub", ssh_rsa(&ssh)),
        ("signing.pem", signing.pem()),
        ("ca.pem", ca.pem()),
        ("server.pem", server.pem()),
        ("server-key.pem", server_key.serialize_pem()),
    ];
    let left = round_trip_with(
        "tests/terraform/credentials",
        &files,
        4,
        |endpoint| async move {
            let iam = iam(&endpoint, ROOT_KEY, ROOT_SECRET);
            let certificates = iam
                .list_server_certificates()
                .send()
                .await
                .map(|r| r.server_certificate_metadata_list().len());
            let users = iam.list_users().send().await.map(|r| r.users().len());
            (certificates, users)
        },
    )
    .await;
    if let Some((certificates, users)) = left {
        assert_eq!(
            certificates.expect("list"),
            0,
            "destroy removed the certificate"
        );
        assert_eq!(users.expect("list"), 0, "destroy removed the user");
    }
}

/// `aws_iam_service_linked_role` (issue 17), with and without `custom_suffix`: apply, a second
/// plan without changes, destroy through DeleteServiceLinkedRole and its deletion status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terraform_service_linked_roles_round_trip() {
    let left = round_trip(
        "tests/terraform/service_linked_roles",
        2,
        |endpoint| async move {
            let iam = iam(&endpoint, ROOT_KEY, ROOT_SECRET);
            iam.list_roles()
                .path_prefix("/aws-service-role/")
                .send()
                .await
                .map(|r| r.roles().len())
        },
    )
    .await;
    if let Some(left) = left {
        assert_eq!(left.expect("list"), 0, "destroy removed the roles");
    }
}

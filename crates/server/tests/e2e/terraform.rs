//! The strongest compatibility check there is: Terraform's hashicorp/aws provider applies a
//! configuration of users, keys, groups, policies, roles, an instance profile, an OpenID
//! Connect provider with a role trusting it, the account password policy, an account alias and
//! a login profile (and one of an organization, an OU, a member account, an SCP and its
//! attachment; and one of two service-linked roles), a second plan shows no changes, and destroy removes everything. Needs
//! `terraform` and a filesystem mirror
//! of the provider (found at `ROLEGATE_TF_PLUGIN_DIR` or `/opt/tf-plugins`); neither can be
//! installed from the package registries, so the test is skipped where they are absent.

use std::{path::Path, process::Command};

use crate::{
    durability::{free_port, spawn_server, wait_ready},
    support::*,
};

fn terraform(dir: &Path, args: &[&str], vars: &[String]) -> (i32, String) {
    let out = Command::new("terraform")
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
    let have_terraform = Command::new("terraform")
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
    let plugins = provider_mirror()?;
    let dir = tempfile::tempdir().expect("dir");
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

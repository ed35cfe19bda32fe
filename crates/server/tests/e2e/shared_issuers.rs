//! Trust policies for shared OIDC issuers (catalogue E-12), through aws-sdk-rust: a role
//! trusting GitHub Actions' issuer with `aud` alone — any repository on GitHub — is refused at
//! CreateRole and UpdateAssumeRolePolicy with AWS's `MalformedPolicyDocument` and message;
//! pinned by `sub` or `job_workflow_ref` it is accepted; a refused update leaves the stored
//! trust policy as it was. GitLab.com, which AWS has no rule for, gets the same rule.

use crate::support::*;

const GITHUB: &str = "token.actions.githubusercontent.com";

fn trust(provider: &str, condition: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow",
        "Principal":{{"Federated":"arn:aws:iam::{ACCOUNT}:oidc-provider/{provider}"}},
        "Action":"sts:AssumeRoleWithWebIdentity","Condition":{condition}}}]}}"#
    )
}

pub async fn shared_issuer_trust_policies(s: &Server) {
    let iam = root_iam(s);
    for url in [format!("https://{GITHUB}"), "https://gitlab.com".into()] {
        iam.create_open_id_connect_provider()
            .url(url)
            .client_id_list("sts.amazonaws.com")
            .send()
            .await
            .expect("provider");
    }
    let aws_message = format!(
        "Trust policy with trusted principal arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB} must evaluate, using StringEquals, StringLike or StringEqualsIgnoreCase, {GITHUB}:sub or {GITHUB}:job_workflow_ref which is not scoped to all."
    );
    let aud_only = trust(
        GITHUB,
        &format!(r#"{{"StringEquals":{{"{GITHUB}:aud":"sts.amazonaws.com"}}}}"#),
    );
    let every_repo = trust(
        GITHUB,
        &format!(r#"{{"StringLike":{{"{GITHUB}:sub":["repo:acme/app:*","*"]}}}}"#),
    );
    let pinned = trust(
        GITHUB,
        &format!(
            r#"{{"StringEquals":{{"{GITHUB}:aud":"sts.amazonaws.com"}},"StringLike":{{"{GITHUB}:sub":"repo:acme/app:*"}}}}"#
        ),
    );
    for refused in [&aud_only, &every_repo] {
        let e = iam
            .create_role()
            .role_name("deploy")
            .assume_role_policy_document(refused)
            .send()
            .await
            .expect_err("any repository on GitHub");
        assert_eq!(
            (code(&e), message(&e)),
            ("MalformedPolicyDocument".into(), aws_message.clone())
        );
    }
    let e = iam
        .get_role()
        .role_name("deploy")
        .send()
        .await
        .expect_err("not created");
    assert_eq!(code(&e), "NoSuchEntity");

    iam.create_role()
        .role_name("deploy")
        .assume_role_policy_document(&pinned)
        .send()
        .await
        .expect("pinned by sub");
    let e = iam
        .update_assume_role_policy()
        .role_name("deploy")
        .policy_document(&aud_only)
        .send()
        .await
        .expect_err("update to aud alone");
    assert_eq!(
        (code(&e), message(&e)),
        ("MalformedPolicyDocument".into(), aws_message)
    );
    let stored = iam
        .get_role()
        .role_name("deploy")
        .send()
        .await
        .expect("role");
    let doc = stored
        .role()
        .and_then(|r| r.assume_role_policy_document())
        .expect("trust policy");
    let doc = crate::iam_entities::decode_doc(doc).to_string();
    assert!(doc.contains("repo:acme/app:*"), "unchanged: {doc}");
    // job_workflow_ref pins too.
    iam.update_assume_role_policy()
        .role_name("deploy")
        .policy_document(trust(
            GITHUB,
            &format!(
                r#"{{"StringLike":{{"{GITHUB}:job_workflow_ref":"acme/app/.github/workflows/deploy.yml@refs/heads/main"}}}}"#
            ),
        ))
        .send()
        .await
        .expect("job_workflow_ref");

    // GitLab.com: the same rule with its claims.
    let e = iam
        .create_role()
        .role_name("gitlab")
        .assume_role_policy_document(trust(
            "gitlab.com",
            r#"{"StringEquals":{"gitlab.com:aud":"sts.amazonaws.com"}}"#,
        ))
        .send()
        .await
        .expect_err("any project on GitLab.com");
    assert_eq!(code(&e), "MalformedPolicyDocument");
    assert!(
        message(&e).contains("gitlab.com:sub or gitlab.com:namespace_id or gitlab.com:project_id"),
        "{}",
        message(&e)
    );
    iam.create_role()
        .role_name("gitlab")
        .assume_role_policy_document(trust(
            "gitlab.com",
            r#"{"StringEquals":{"gitlab.com:namespace_id":"1234"}}"#,
        ))
        .send()
        .await
        .expect("pinned to a group");
}

//! Trust policies for OpenID Connect issuers that every customer shares (catalogue E-12).
//!
//! `token.actions.githubusercontent.com` issues tokens to every repository on GitHub: a role
//! that trusts it with an `aud` condition alone can be assumed by any repository's workflow.
//! AWS IAM refuses such a trust policy at CreateRole and UpdateAssumeRolePolicy with
//! `MalformedPolicyDocument` "Trust policy with trusted principal ARN must evaluate, using
//! StringEquals, StringLike or StringEqualsIgnoreCase,
//! token.actions.githubusercontent.com:sub or
//! token.actions.githubusercontent.com:job_workflow_ref which is not scoped to all." — AWS
//! documents no more than its recommendation to evaluate `…:sub`; the code and the message are
//! as AWS answered CreateRole (aws-cli transcripts of 2026-08-31 published in
//! `Dashtid/subvectors`, `observations/2026-08-31/create-role-no-condition.json` and
//! `…/2026-09-01/create-role-star-first.json`). Rolegate does the same, with AWS's code and
//! message, and, where AWS says nothing, chooses the secure side:
//!
//! - every value of the condition must be scoped (AWS was seen checking only the first: a
//!   list `["repo:acme/app:*", "*"]` allows every repository, so Rolegate refuses it);
//! - `ForAllValues:` and `…IfExists` conditions do not count: both hold when the claim is
//!   absent;
//! - GitHub Enterprise's own issuers (`token.actions.githubusercontent.com/ENTERPRISE`) are
//!   held to the same rule (every repository of the enterprise shares them);
//! - the other multi-tenant CI issuers, for which AWS has no rule, get the same one with their
//!   own claims: GitLab.com (`gitlab.com`: `sub`, `namespace_id`, `project_id`), HCP
//!   Terraform (`app.terraform.io`: `sub`) and Buildkite (`agent.buildkite.com`: `sub`,
//!   `organization_slug`, `organization_id`). Issuers per tenant (CircleCI's
//!   `oidc.circleci.com/org/ID`, EKS clusters, Entra ID tenants) and Google (whose `aud` is the
//!   application's own client id, as AWS documents it) are not checked.
//!
//! Only statements that allow `sts:AssumeRoleWithWebIdentity` to such a provider (named in
//! `Principal.Federated`) are checked. Stored trust policies are not re-checked.

use rolegate_policy::{
    Policy,
    condition::{Base, Qualifier, Value},
    document::{ActionRule, Effect, PrincipalRule},
    variables::Template,
};

use crate::error::{Result, ServiceError};

/// GitHub Actions' issuer (and, followed by `/ENTERPRISE`, GitHub Enterprise Cloud's).
const GITHUB: &str = "token.actions.githubusercontent.com";

/// The claims one of which a trust policy for a shared issuer must pin, by issuer.
fn pinning_claims(issuer: &str) -> Option<&'static [&'static str]> {
    if issuer == GITHUB
        || issuer
            .strip_prefix(GITHUB)
            .is_some_and(|r| r.starts_with('/'))
    {
        return Some(&["sub", "job_workflow_ref"]);
    }
    match issuer {
        "gitlab.com" => Some(&["sub", "namespace_id", "project_id"]),
        "app.terraform.io" => Some(&["sub"]),
        "agent.buildkite.com" => Some(&["sub", "organization_slug", "organization_id"]),
        _ => None,
    }
}

/// Whether a statement's actions include `sts:AssumeRoleWithWebIdentity`.
fn allows_web_identity(action: &ActionRule) -> bool {
    const ACTION: &str = "sts:assumerolewithwebidentity";
    match action {
        ActionRule::Action(patterns) => patterns.iter().any(|p| p.0.matches(ACTION)),
        ActionRule::NotAction(patterns) => !patterns.iter().any(|p| p.0.matches(ACTION)),
    }
}

/// Whether a condition value names one tenant of the issuer: its literal part (for
/// `StringLike`, the text before the first `*` or `?`) holds a whole tenant name.
/// - `sub`: `CLAIM:TENANT` then `/` or `:` (`repo:acme/…`, `project_path:group/…`,
///   `organization:acme:…`), so `repo:*`, `repo:acme*` (which `acme-evil` matches) and
///   `*:ref:…` pin nothing;
/// - `job_workflow_ref`: `OWNER/`;
/// - ids and slugs: the whole value, without wildcards.
///
/// A policy variable pins nothing: it is filled from the request being decided (`sub =
/// ${…:sub}` holds for every token).
fn pins_a_tenant(base: &Base, claim: &str, value: &Value) -> bool {
    let Value::Text(Template::Static { text, .. }) = value else {
        return false;
    };
    let literal = if *base == Base::StringLike {
        text.split(['*', '?']).next().unwrap_or("")
    } else {
        text.as_str()
    };
    let whole = literal.len() == text.len();
    match claim {
        "sub" => literal.split_once(':').is_some_and(|(name, rest)| {
            !name.is_empty()
                && rest
                    .find(['/', ':'])
                    .is_some_and(|end| end > 0 && !rest[..end].trim().is_empty())
        }),
        "job_workflow_ref" => literal.find('/').is_some_and(|end| end > 0),
        _ => whole && !literal.trim().is_empty(),
    }
}

/// Refuses a trust policy that lets any tenant of a shared issuer assume the role.
pub(crate) fn check(policy: &Policy) -> Result<()> {
    for st in &policy.statements {
        if st.effect != Effect::Allow || !allows_web_identity(&st.action) {
            continue;
        }
        let Some(PrincipalRule::Principal(principals)) = &st.principal else {
            continue;
        };
        for arn in &principals.federated {
            let Some((_, issuer)) = arn.split_once(":oidc-provider/") else {
                continue;
            };
            let issuer = issuer.to_ascii_lowercase();
            let Some(claims) = pinning_claims(&issuer) else {
                continue;
            };
            let keys: Vec<String> = claims.iter().map(|c| format!("{issuer}:{c}")).collect();
            let pinned = st.conditions.iter().any(|clause| {
                matches!(
                    clause.op.base,
                    Base::StringEquals | Base::StringEqualsIgnoreCase | Base::StringLike
                ) && !clause.op.negated
                    && !clause.op.if_exists
                    && clause.op.qualifier != Some(Qualifier::ForAllValues)
                    && claims.iter().any(|claim| {
                        clause
                            .key
                            .eq_ignore_ascii_case(&format!("{issuer}:{claim}"))
                            && !clause.values.is_empty()
                            && clause
                                .values
                                .iter()
                                .all(|v| pins_a_tenant(&clause.op.base, claim, v))
                    })
            });
            if !pinned {
                return Err(ServiceError::MalformedPolicyDocument(format!(
                    "Trust policy with trusted principal {arn} must evaluate, using StringEquals, StringLike or StringEqualsIgnoreCase, {} which is not scoped to all.",
                    keys.join(" or ")
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rolegate_policy::PolicyKind;

    const ARN: &str = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";

    fn trust(principal: &str, action: &str, condition: &str) -> Result<()> {
        let text = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{principal}"}},"Action":"{action}"{condition}}}]}}"#
        );
        let policy = rolegate_policy::parse(&text, PolicyKind::Trust).expect("valid");
        check(&policy)
    }

    fn github(condition: &str) -> Result<()> {
        trust(ARN, "sts:AssumeRoleWithWebIdentity", condition)
    }

    const AWS_MESSAGE: &str = "Trust policy with trusted principal arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com must evaluate, using StringEquals, StringLike or StringEqualsIgnoreCase, token.actions.githubusercontent.com:sub or token.actions.githubusercontent.com:job_workflow_ref which is not scoped to all.";

    #[test]
    fn github_without_a_scoped_sub_is_refused_with_aws_error() {
        let refused = Err(ServiceError::MalformedPolicyDocument(AWS_MESSAGE.into()));
        assert_eq!(github(""), refused, "no condition");
        assert_eq!(
            github(
                r#","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}"#
            ),
            refused,
            "aud alone"
        );
        for bad in [
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"*"}}"#,
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":["*","repo:acme/x"]}}"#,
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":["repo:acme/x","**"]}}"#,
            r#"{"StringEquals":{"token.actions.githubusercontent.com:sub":"*"}}"#,
            r#"{"StringNotEquals":{"token.actions.githubusercontent.com:sub":"repo:evil/x"}}"#,
            r#"{"StringLikeIfExists":{"token.actions.githubusercontent.com:sub":"repo:acme/*"}}"#,
            r#"{"ForAllValues:StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/*"}}"#,
            r#"{"StringEquals":{"token.actions.githubusercontent.com:repository":"acme/app"}}"#,
            r#"{"StringLike":{"token.actions.githubusercontent.com:actor":"x"}}"#,
            // The outside attack's bypasses: wildcards before the tenant ends, and policy
            // variables, which are filled from the token itself.
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:*"}}"#,
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:*/*"}}"#,
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"r?po:*"}}"#,
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"*:ref:refs/heads/main"}}"#,
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme*"}}"#,
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:*acme/app:*"}}"#,
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":["repo:acme/app:*","repo:*"]}}"#,
            r#"{"ForAnyValue:StringLike":{"token.actions.githubusercontent.com:sub":"repo:*"}}"#,
            r#"{"StringEquals":{"token.actions.githubusercontent.com:sub":"${token.actions.githubusercontent.com:sub}"}}"#,
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:${token.actions.githubusercontent.com:repository_owner}/*"}}"#,
            r#"{"StringLike":{"token.actions.githubusercontent.com:job_workflow_ref":"*/app/.github/workflows/x.yml@*"}}"#,
        ] {
            assert_eq!(github(&format!(r#","Condition":{bad}"#)), refused, "{bad}");
        }
    }

    #[test]
    fn github_with_a_scoped_sub_or_workflow_is_accepted() {
        for good in [
            r#"{"StringEquals":{"token.actions.githubusercontent.com:sub":"repo:acme/app:ref:refs/heads/main"}}"#,
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/*"}}"#,
            r#"{"StringEqualsIgnoreCase":{"Token.Actions.GithubUserContent.com:SUB":"repo:acme/app:environment:prod"}}"#,
            r#"{"StringLike":{"token.actions.githubusercontent.com:job_workflow_ref":"acme/app/.github/workflows/deploy.yml@*"}}"#,
            r#"{"ForAnyValue:StringLike":{"token.actions.githubusercontent.com:sub":["repo:acme/a:*","repo:acme/b:*"]}}"#,
            r#"{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:sub":"repo:acme/app:pull_request"}}"#,
        ] {
            assert_eq!(github(&format!(r#","Condition":{good}"#)), Ok(()), "{good}");
        }
    }

    #[test]
    fn only_allowed_web_identity_to_a_shared_issuer_is_checked() {
        // Another issuer (one tenant's): no rule.
        assert_eq!(
            trust(
                "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC",
                "sts:AssumeRoleWithWebIdentity",
                ""
            ),
            Ok(())
        );
        // Another action (a SAML provider, or no web identity).
        assert_eq!(trust(ARN, "sts:TagSession", ""), Ok(()));
        // A Deny needs no pinning.
        let deny = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Principal":{{"Federated":"{ARN}"}},"Action":"sts:AssumeRoleWithWebIdentity"}}]}}"#
        );
        let policy = rolegate_policy::parse(&deny, PolicyKind::Trust).expect("valid");
        assert_eq!(check(&policy), Ok(()));
        // Wildcard actions that include it are checked.
        assert!(trust(ARN, "sts:AssumeRoleWith*", "").is_err());
        assert!(trust(ARN, "sts:*", "").is_err());
    }

    #[test]
    fn other_shared_issuers_get_the_same_rule_with_their_claims() {
        let ghe =
            "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com/acme";
        let e = trust(ghe, "sts:AssumeRoleWithWebIdentity", "").expect_err("enterprise");
        assert!(
            e.to_string()
                .contains("token.actions.githubusercontent.com/acme:sub or token.actions.githubusercontent.com/acme:job_workflow_ref"),
            "{e}"
        );
        let gitlab = "arn:aws:iam::123456789012:oidc-provider/gitlab.com";
        let e = trust(
            gitlab,
            "sts:AssumeRoleWithWebIdentity",
            r#","Condition":{"StringEquals":{"gitlab.com:aud":"sts.amazonaws.com"}}"#,
        )
        .expect_err("gitlab aud alone");
        assert_eq!(
            e.to_string(),
            "Trust policy with trusted principal arn:aws:iam::123456789012:oidc-provider/gitlab.com must evaluate, using StringEquals, StringLike or StringEqualsIgnoreCase, gitlab.com:sub or gitlab.com:namespace_id or gitlab.com:project_id which is not scoped to all."
        );
        assert_eq!(
            trust(
                gitlab,
                "sts:AssumeRoleWithWebIdentity",
                r#","Condition":{"StringEquals":{"gitlab.com:project_id":"42"}}"#
            ),
            Ok(())
        );
        for issuer in ["app.terraform.io", "agent.buildkite.com"] {
            let arn = format!("arn:aws:iam::123456789012:oidc-provider/{issuer}");
            assert!(
                trust(&arn, "sts:AssumeRoleWithWebIdentity", "").is_err(),
                "{issuer}"
            );
            assert_eq!(
                trust(
                    &arn,
                    "sts:AssumeRoleWithWebIdentity",
                    &format!(
                        r#","Condition":{{"StringLike":{{"{issuer}:sub":"organization:acme:*"}}}}"#
                    )
                ),
                Ok(()),
                "{issuer}"
            );
        }
        // A look-alike host is not GitHub.
        assert_eq!(
            trust(
                "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com.evil.example",
                "sts:AssumeRoleWithWebIdentity",
                ""
            ),
            Ok(())
        );
    }
}

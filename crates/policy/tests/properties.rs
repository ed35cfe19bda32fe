//! Laws of the evaluation logic, checked on generated policies and requests:
//! default deny, deny overrides, order independence, and adding an Allow never removes access;
//! and for an organization's service control policies: a Deny at any level denies, they only
//! ever take access away, FullAWSAccess at every level changes nothing, and adding an Allow
//! to a level never removes access.

use proptest::prelude::*;
use rolegate_policy::{
    Context, ContextValue, Decision, PolicyKind, PolicySet, Request, SourcedPolicy, evaluate,
    parse,
    request::{Principal, PrincipalKind},
};

const ACTIONS: &[&str] = &[
    "iam:ListUsers",
    "iam:*",
    "iam:Get*",
    "s3:GetObject",
    "*",
    "sts:AssumeRole",
    "iam:getuser",
];
const RESOURCES: &[&str] = &[
    "*",
    "arn:aws:iam::123456789012:user/*",
    "arn:aws:iam::123456789012:user/alice",
    "arn:aws:s3:::bucket/*",
];
const CONDITIONS: &[&str] = &[
    "",
    r#","Condition":{"StringEquals":{"aws:username":"alice"}}"#,
    r#","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
    r#","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#,
    r#","Condition":{"StringNotEquals":{"aws:PrincipalTag/team":"red"}}"#,
];

fn statement() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        any::<bool>(),
        0..ACTIONS.len(),
        0..RESOURCES.len(),
        0..CONDITIONS.len(),
    )
        .prop_map(|(allow, not_action, a, r, c)| {
            format!(
                r#"{{"Effect":"{}","{}":"{}","Resource":"{}"{}}}"#,
                if allow { "Allow" } else { "Deny" },
                if not_action { "NotAction" } else { "Action" },
                ACTIONS[a],
                RESOURCES[r],
                CONDITIONS[c]
            )
        })
}

fn document(statements: &[String]) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

fn decide(statements: &[String], action: &str, resource: &str, ip: &str) -> Decision {
    decide_with(statements, &[], action, resource, ip)
}

/// One request under identity statements and SCP levels (each level one policy of the given
/// statements; an empty level holds no policy).
fn decide_with(
    statements: &[String],
    scps: &[Vec<String>],
    action: &str,
    resource: &str,
    ip: &str,
) -> Decision {
    let principal = Principal {
        account: "123456789012".into(),
        arn: "arn:aws:iam::123456789012:user/alice".into(),
        kind: PrincipalKind::User,
        unique_id: Some("AIDAEXAMPLE0000000001".into()),
        role_arn: None,
        federated: None,
        service: None,
    };
    let mut ctx = Context::default();
    ctx.insert("aws:username", ContextValue::single("alice"));
    ctx.insert("aws:SourceIp", ContextValue::single(ip));
    let policies = if statements.is_empty() {
        Vec::new()
    } else {
        vec![parse(&document(statements), PolicyKind::Identity).expect("generated policies parse")]
    };
    let levels: Vec<Vec<rolegate_policy::Policy>> = scps
        .iter()
        .map(|level| {
            if level.is_empty() {
                Vec::new()
            } else {
                vec![parse(&document(level), PolicyKind::Identity).expect("generated SCPs parse")]
            }
        })
        .collect();
    let set = PolicySet {
        identity: sourced(&policies),
        scps: levels.iter().map(Vec::as_slice).map(sourced).collect(),
        ..Default::default()
    };
    evaluate(
        &Request {
            action,
            resource,
            principal: &principal,
            context: &ctx,
        },
        &set,
    )
    .decision
}

const DENY_ALL: &str = r#"{"Effect":"Deny","Action":"*","Resource":"*"}"#;
const FULL_ACCESS: &str = r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#;

/// At least `min` and up to three SCP levels of up to three generated statements each.
fn levels(min: usize) -> impl Strategy<Value = Vec<Vec<String>>> {
    prop::collection::vec(prop::collection::vec(statement(), 0..3), min..4)
}

fn sourced(list: &[rolegate_policy::Policy]) -> Vec<SourcedPolicy<'_>> {
    list.iter()
        .map(|p| SourcedPolicy {
            label: "p",
            policy: p,
        })
        .collect()
}

fn request() -> impl Strategy<Value = (&'static str, &'static str, &'static str)> {
    (
        prop::sample::select(vec![
            "iam:ListUsers",
            "iam:GetUser",
            "s3:GetObject",
            "sts:AssumeRole",
            "ec2:RunInstances",
        ]),
        prop::sample::select(vec![
            "arn:aws:iam::123456789012:user/alice",
            "arn:aws:iam::123456789012:user/bob",
            "arn:aws:s3:::bucket/k",
        ]),
        prop::sample::select(vec!["10.1.2.3", "192.0.2.7"]),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn nothing_allows_by_default((action, resource, ip) in request()) {
        prop_assert_eq!(decide(&[], action, resource, ip), Decision::ImplicitDeny);
    }

    #[test]
    fn a_matching_deny_overrides_everything(statements in prop::collection::vec(statement(), 0..8), (action, resource, ip) in request()) {
        let mut with_deny = statements.clone();
        with_deny.push(r#"{"Effect":"Deny","Action":"*","Resource":"*"}"#.to_owned());
        prop_assert_eq!(decide(&with_deny, action, resource, ip), Decision::ExplicitDeny);
    }

    #[test]
    fn statement_order_does_not_matter(statements in prop::collection::vec(statement(), 1..8), (action, resource, ip) in request()) {
        let mut reversed = statements.clone();
        reversed.reverse();
        prop_assert_eq!(decide(&statements, action, resource, ip), decide(&reversed, action, resource, ip));
    }

    #[test]
    fn adding_an_allow_never_removes_access(statements in prop::collection::vec(statement(), 0..8), extra in statement(), (action, resource, ip) in request()) {
        let before = decide(&statements, action, resource, ip);
        let mut more = statements.clone();
        more.push(extra.replace("\"Deny\"", "\"Allow\""));
        let after = decide(&more, action, resource, ip);
        if before == Decision::Allow {
            prop_assert_eq!(after, Decision::Allow);
        }
        if after == Decision::ExplicitDeny {
            prop_assert_eq!(before, Decision::ExplicitDeny, "an Allow cannot create a deny");
        }
    }

    #[test]
    fn a_deny_at_any_scp_level_overrides_everything(statements in prop::collection::vec(statement(), 0..6), scps in levels(1), at in any::<prop::sample::Index>(), (action, resource, ip) in request()) {
        let mut scps = scps;
        let n = at.index(scps.len());
        scps[n].push(DENY_ALL.to_owned());
        prop_assert_eq!(decide_with(&statements, &scps, action, resource, ip), Decision::ExplicitDeny);
    }

    #[test]
    fn scps_only_take_access_away(statements in prop::collection::vec(statement(), 0..6), scps in levels(0), (action, resource, ip) in request()) {
        let without = decide(&statements, action, resource, ip);
        let with = decide_with(&statements, &scps, action, resource, ip);
        if with == Decision::Allow {
            prop_assert_eq!(without, Decision::Allow, "an SCP grants nothing");
        }
        if without == Decision::ExplicitDeny {
            prop_assert_eq!(with, Decision::ExplicitDeny, "an SCP lifts no Deny");
        }
    }

    #[test]
    fn full_access_at_every_level_changes_nothing(statements in prop::collection::vec(statement(), 0..6), depth in 1usize..4, (action, resource, ip) in request()) {
        let scps = vec![vec![FULL_ACCESS.to_owned()]; depth];
        prop_assert_eq!(
            decide_with(&statements, &scps, action, resource, ip),
            decide(&statements, action, resource, ip)
        );
    }

    #[test]
    fn an_allow_added_to_an_scp_level_never_removes_access(statements in prop::collection::vec(statement(), 0..6), scps in levels(1), at in any::<prop::sample::Index>(), extra in statement(), (action, resource, ip) in request()) {
        let before = decide_with(&statements, &scps, action, resource, ip);
        let mut more = scps.clone();
        more[at.index(scps.len())].push(extra.replace("\"Deny\"", "\"Allow\""));
        let after = decide_with(&statements, &more, action, resource, ip);
        if before == Decision::Allow {
            prop_assert_eq!(after, Decision::Allow);
        }
        if after == Decision::ExplicitDeny {
            prop_assert_eq!(before, Decision::ExplicitDeny, "an Allow cannot create a deny");
        }
    }
}

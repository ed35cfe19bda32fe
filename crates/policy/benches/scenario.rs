//! The benchmark's authorization, written twice: as IAM policies for Rolegate's engine and as
//! Cedar policies with the same meaning (`bench/policy-vs-cedar` runs both side by side).
//!
//! A user in 3 groups holds 10 policies (3 of its own, 7 through its groups) with 40
//! statements: allows and denies over S3, DynamoDB, EC2 and SQS, each statement with a condition
//! on the source IP, a principal tag or the time. The request (s3:GetObject on an object in
//! bucket-36) is allowed by statement 36, after every other statement has been tried.

use rolegate_policy::{
    Context, ContextValue, Policy, PolicyKind, PolicySet, SourcedPolicy, parse,
    request::{Principal, PrincipalKind},
};

/// Statements in all.
pub const STATEMENTS: usize = 40;
/// Statements per policy.
pub const PER_POLICY: usize = 4;
/// The statement that allows the request.
pub const DECIDING: usize = 36;

pub const ACTION: &str = "s3:GetObject";
pub const RESOURCE: &str = "arn:aws:s3:::bucket-36/reports/2026/q3.csv";
pub const SOURCE_IP: &str = "10.36.7.9";
pub const TEAM: &str = "team-36";
/// 2026-11-21T10:00:00Z.
pub const NOW_ISO: &str = "2026-11-21T10:00:00Z";
pub const NOW_EPOCH: i64 = 1_795_255_200;

const SERVICES: [&str; 4] = ["s3", "dynamodb", "ec2", "sqs"];

fn service(i: usize) -> &'static str {
    SERVICES[i % 4]
}

fn deny(i: usize) -> bool {
    i % 10 == 3
}

/// The statement's actions: every S3 statement covers s3:GetObject (as real policies do), so
/// the engine must go past the action to reject most of them.
fn actions(i: usize) -> Vec<String> {
    let s = service(i);
    if deny(i) {
        return vec![format!("{s}:Delete{i}"), format!("{s}:Purge{i}")];
    }
    let mut a = vec![format!("{s}:Describe{i}"), format!("{s}:List{i}")];
    if s == "s3" {
        a.push("s3:GetObject".into());
    }
    a
}

fn resource_prefix(i: usize) -> String {
    match service(i) {
        "s3" => format!("arn:aws:s3:::bucket-{i}/"),
        "dynamodb" => format!("arn:aws:dynamodb:us-east-1:111122223333:table/t{i}/"),
        "ec2" => format!("arn:aws:ec2:us-east-1:111122223333:instance/i-{i}/"),
        _ => format!("arn:aws:sqs:us-east-1:111122223333:q{i}/"),
    }
}

/// 2027-01-01T00:00:00Z.
const UNTIL_ISO: &str = "2027-01-01T00:00:00Z";
const UNTIL_EPOCH: i64 = 1_798_761_600;

fn iam_statement(i: usize) -> String {
    let condition = match i % 3 {
        0 => format!(r#"{{"IpAddress":{{"aws:SourceIp":"10.{i}.0.0/16"}}}}"#),
        1 => format!(r#"{{"StringEquals":{{"aws:PrincipalTag/team":"team-{i}"}}}}"#),
        _ => format!(r#"{{"DateLessThan":{{"aws:CurrentTime":"{UNTIL_ISO}"}}}}"#),
    };
    // The deciding statement checks all three.
    let condition = if i == DECIDING {
        format!(
            r#"{{"IpAddress":{{"aws:SourceIp":"10.{i}.0.0/16"}},"StringEquals":{{"aws:PrincipalTag/team":"team-{i}"}},"DateLessThan":{{"aws:CurrentTime":"{UNTIL_ISO}"}}}}"#
        )
    } else {
        condition
    };
    let actions: Vec<String> = actions(i).iter().map(|a| format!("\"{a}\"")).collect();
    format!(
        r#"{{"Sid":"S{i}","Effect":"{}","Action":[{}],"Resource":"{}*","Condition":{condition}}}"#,
        if deny(i) { "Deny" } else { "Allow" },
        actions.join(","),
        resource_prefix(i)
    )
}

/// The 10 IAM policy documents.
pub fn iam_policies() -> Vec<String> {
    (0..STATEMENTS / PER_POLICY)
        .map(|p| {
            let statements: Vec<String> = (p * PER_POLICY..(p + 1) * PER_POLICY)
                .map(iam_statement)
                .collect();
            format!(
                r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
                statements.join(",")
            )
        })
        .collect()
}

/// Who holds policy `p`: the user (policies 0–2) or one of its 3 groups.
pub fn holder(p: usize) -> String {
    if p < 3 {
        r#"principal == User::"alice""#.to_owned()
    } else {
        format!(r#"principal in Group::"g{}""#, p % 3)
    }
}

fn cedar_statement(i: usize) -> String {
    let ip = format!(r#"context.sourceIp.isInRange(ip("10.{i}.0.0/16"))"#);
    let team = format!(r#"principal.team == "team-{i}""#);
    let time = format!("context.time < {UNTIL_EPOCH}");
    let condition = if i == DECIDING {
        format!("{ip} && {team} && {time}")
    } else {
        match i % 3 {
            0 => ip,
            1 => team,
            _ => time,
        }
    };
    let actions: Vec<String> = actions(i)
        .iter()
        .map(|a| format!(r#"Action::"{a}""#))
        .collect();
    format!(
        "{}(\n  {},\n  action in [{}],\n  resource\n) when {{ resource.arn like \"{}*\" && {condition} }};",
        if deny(i) { "forbid" } else { "permit" },
        holder(i / PER_POLICY),
        actions.join(", "),
        resource_prefix(i)
    )
}

/// The same 40 statements as Cedar policies.
pub fn cedar_policies() -> String {
    (0..STATEMENTS)
        .map(cedar_statement)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The Cedar entities: alice in g0, g1, g2, with her team; the object with its ARN.
pub fn cedar_entities() -> String {
    format!(
        r#"[
  {{"uid": {{"type": "User", "id": "alice"}}, "attrs": {{"team": "{TEAM}"}}, "parents": [{{"type": "Group", "id": "g0"}}, {{"type": "Group", "id": "g1"}}, {{"type": "Group", "id": "g2"}}]}},
  {{"uid": {{"type": "Group", "id": "g0"}}, "attrs": {{}}, "parents": []}},
  {{"uid": {{"type": "Group", "id": "g1"}}, "attrs": {{}}, "parents": []}},
  {{"uid": {{"type": "Group", "id": "g2"}}, "attrs": {{}}, "parents": []}},
  {{"uid": {{"type": "Object", "id": "q3"}}, "attrs": {{"arn": "{RESOURCE}"}}, "parents": []}}
]"#
    )
}

/// The Cedar request context.
pub fn cedar_context() -> String {
    format!(
        r#"{{"sourceIp": {{"__extn": {{"fn": "ip", "arg": "{SOURCE_IP}"}}}}, "time": {NOW_EPOCH}}}"#
    )
}

/// The requester, for Rolegate's engine.
pub fn iam_principal() -> Principal {
    Principal {
        account: "111122223333".into(),
        arn: "arn:aws:iam::111122223333:user/alice".into(),
        kind: PrincipalKind::User,
        unique_id: Some("AIDAEXAMPLEALICE00001".into()),
        role_arn: None,
        federated: None,
        service: None,
    }
}

/// The request context, for Rolegate's engine (the keys the service would supply).
pub fn iam_context() -> Context {
    let mut c = Context::default();
    c.insert("aws:SourceIp", ContextValue::single(SOURCE_IP));
    c.insert("aws:PrincipalTag/team", ContextValue::single(TEAM));
    c.insert("aws:CurrentTime", ContextValue::single(NOW_ISO));
    c.insert("aws:username", ContextValue::single("alice"));
    c.insert("aws:SecureTransport", ContextValue::single("true"));
    c
}

/// [`iam_policies`], parsed.
pub fn parsed_iam_policies() -> Vec<Policy> {
    iam_policies()
        .iter()
        .map(|p| parse(p, PolicyKind::Identity).expect("valid"))
        .collect()
}

/// The user's policies as the identity half of a policy set.
pub fn iam_policy_set(policies: &[Policy]) -> PolicySet<'_> {
    PolicySet {
        identity: policies
            .iter()
            .map(|p| SourcedPolicy {
                label: "p",
                policy: p,
            })
            .collect(),
        ..Default::default()
    }
}

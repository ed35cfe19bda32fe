//! Table-driven evaluation cases: every file in `tests/cases/` holds policies, requests, the
//! expected decision and why. Files are named after the AWS documentation pages (example
//! policies, operator and evaluation-logic references) whose behaviour they reproduce; each
//! file's `source` links its page.
//!
//! A case:
//!
//! ```json
//! { "name": "…", "why": "…",
//!   "identity": [policy…], "resource": policy, "boundary": [policy…], "session": [policy…],
//!   "scps": [level…],
//!   "trust": true, "resource_account": "…",
//!   "principal": { "arn": "…", "kind": "user", "unique_id": "…", "role_arn": "…" },
//!   "action": "s3:GetObject", "resource": "arn:…", "context": { "aws:SourceIp": "…", "aws:TagKeys": ["…"] },
//!   "expect": "Allow" | "ExplicitDeny" | "ImplicitDeny", "blame": "service control policy" }
//! ```
//!
//! Policies are JSON values (written as documents, serialized before parsing). `trust: true`
//! parses `resource` as a role trust policy and requires it to allow. `scps` lists the levels of
//! an organization (root, each OU, the account), each one policy or a list of policies. A file's `defaults`
//! (principal, context, identity, …) apply to its cases unless a case sets its own; a case's
//! context keys are added to the file's, and a `null` value removes one; a `null` policy field
//! removes the file's. `blame`, when given, is the phrase of the kind of policy a denial names.

use rolegate_policy::{
    Context, ContextValue, Decision, PolicyKind, PolicySet, Request, SourcedPolicy, evaluate,
    parse,
    request::{Principal, PrincipalKind},
};
use serde_json::{Map, Value};

#[path = "support/case_files.rs"]
mod case_files;

fn kind(name: &str) -> PrincipalKind {
    match name {
        "root" => PrincipalKind::Root,
        "user" => PrincipalKind::User,
        "assumed-role" => PrincipalKind::AssumedRole,
        "federated-user" => PrincipalKind::FederatedUser,
        "service" => PrincipalKind::Service,
        "anonymous" => PrincipalKind::Anonymous,
        other => panic!("unknown principal kind {other}"),
    }
}

fn text(v: &Value, field: &str) -> Option<String> {
    v.get(field).and_then(Value::as_str).map(str::to_owned)
}

fn principal(v: Option<&Value>) -> Principal {
    let default = serde_json::json!({"arn": "arn:aws:iam::111122223333:user/alice", "kind": "user", "unique_id": "AIDAEXAMPLEALICE00001"});
    let v = v.unwrap_or(&default);
    let arn = text(v, "arn").expect("principal.arn");
    Principal {
        account: text(v, "account")
            .unwrap_or_else(|| arn.split(':').nth(4).unwrap_or_default().to_owned()),
        kind: kind(&text(v, "kind").unwrap_or_else(|| "user".into())),
        unique_id: text(v, "unique_id"),
        role_arn: text(v, "role_arn"),
        federated: text(v, "federated"),
        service: text(v, "service"),
        arn,
    }
}

fn context(v: Option<&Value>) -> Context {
    let mut c = Context::default();
    for (k, v) in v.and_then(Value::as_object).into_iter().flatten() {
        let value = match v {
            Value::Array(items) => ContextValue::Multi(
                items
                    .iter()
                    .map(|i| i.as_str().expect("string values").to_owned())
                    .collect(),
            ),
            Value::String(s) => ContextValue::single(s.clone()),
            other => panic!("context {k}: {other}"),
        };
        c.insert(k, value);
    }
    c
}

fn policies(v: Option<&Value>, kind: PolicyKind, case: &str) -> Vec<rolegate_policy::Policy> {
    let list: Vec<&Value> = match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single) => vec![single],
    };
    list.into_iter()
        .map(|p| {
            let text = match p {
                Value::String(s) => s.clone(),
                doc => doc.to_string(),
            };
            parse(&text, kind)
                .unwrap_or_else(|e| panic!("{case}: policy does not parse: {e}\n{text}"))
        })
        .collect()
}

/// `scps`: one entry per level, each a policy or a list of policies.
fn levels(v: Option<&Value>, case: &str) -> Vec<Vec<rolegate_policy::Policy>> {
    let Some(v) = v else { return Vec::new() };
    let list = v
        .as_array()
        .unwrap_or_else(|| panic!("{case}: scps is a list of levels"));
    list.iter()
        .map(|level| policies(Some(level), PolicyKind::Identity, case))
        .collect()
}

fn sourced(list: &[rolegate_policy::Policy]) -> Vec<SourcedPolicy<'_>> {
    list.iter()
        .map(|policy| SourcedPolicy {
            label: "case",
            policy,
        })
        .collect()
}

/// Runs one case; `Err` says what went wrong.
fn run(case: &Value, defaults: &Map<String, Value>) -> Result<(), String> {
    let field = |name: &str| case.get(name).or_else(|| defaults.get(name));
    let name = text(case, "name").expect("name");
    let why = text(case, "why").unwrap_or_default();
    let trust = field("trust").and_then(Value::as_bool).unwrap_or(false);
    let identity = policies(field("identity"), PolicyKind::Identity, &name);
    let resource = policies(
        field("resource"),
        if trust {
            PolicyKind::Trust
        } else {
            PolicyKind::Resource
        },
        &name,
    );
    let boundary = field("boundary").map(|b| policies(Some(b), PolicyKind::Identity, &name));
    let session = field("session").map(|s| policies(Some(s), PolicyKind::Session, &name));
    let scps = levels(field("scps"), &name);
    let principal = principal(field("principal"));
    // The case's context keys replace the file's; `null` removes a key.
    let mut merged = defaults
        .get("context")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (k, v) in case
        .get("context")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if v.is_null() {
            merged.remove(k);
        } else {
            merged.insert(k.clone(), v.clone());
        }
    }
    let ctx = context(Some(&Value::Object(merged)));
    let resource_account = field("resource_account").and_then(Value::as_str);
    let set = PolicySet {
        identity: sourced(&identity),
        resource: sourced(&resource).into_iter().next(),
        resource_account,
        resource_policy_required: trust,
        boundary: boundary.as_deref().map(sourced),
        session: session.as_deref().map(sourced),
        scps: scps.iter().map(Vec::as_slice).map(sourced).collect(),
    };
    let action = field("action").and_then(Value::as_str).expect("action");
    let resource_arn = field("resource_arn").and_then(Value::as_str).unwrap_or("*");
    let request = Request {
        action,
        resource: resource_arn,
        principal: &principal,
        context: &ctx,
    };
    let expect = match text(case, "expect").as_deref() {
        Some("Allow") => Decision::Allow,
        Some("ExplicitDeny") => Decision::ExplicitDeny,
        Some("ImplicitDeny") => Decision::ImplicitDeny,
        other => return Err(format!("{name}: bad expect {other:?}")),
    };
    let got = evaluate(&request, &set);
    let blame = text(case, "blame");
    if got.decision == expect
        && blame
            .as_deref()
            .is_none_or(|b| got.blame.map(|t| t.phrase()) == Some(b))
    {
        Ok(())
    } else {
        Err(format!(
            "{name}: expected {expect:?} (blame {blame:?}), got {:?} (blame {:?}, matched {:?})\n  why: {why}",
            got.decision,
            got.blame.map(|t| t.phrase()),
            got.matched
        ))
    }
}

#[test]
fn documented_cases() {
    let files = case_files::case_files();
    assert!(files.len() >= 10, "case files are missing");
    let mut failures = Vec::new();
    let mut count = 0;
    for (file, doc) in &files {
        assert!(
            text(doc, "source").is_some_and(|s| s.starts_with("https://docs.aws.amazon.com/")),
            "{}: every file names the AWS page it reproduces",
            file.display()
        );
        let defaults = doc
            .get("defaults")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let cases = doc.get("cases").and_then(Value::as_array).expect("cases");
        assert!(!cases.is_empty(), "{}: no cases", file.display());
        for case in cases {
            count += 1;
            if let Err(e) = run(case, &defaults) {
                failures.push(format!(
                    "{}: {e}",
                    file.file_name().unwrap_or_default().to_string_lossy()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

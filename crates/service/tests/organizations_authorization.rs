//! One table test of the action and resource ARN every AWS Organizations operation is
//! authorized with ([`Service::target`]), against the resource types the Service Authorization
//! Reference gives each action (transcribed below, with the reference's ARN formats):
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsorganizations.html>.
//! Every Organizations row of the table must be listed here, and only those.

use std::{collections::BTreeSet, sync::Arc};

use rolegate_proto::{Operation, Service as Api, Value, codec::json};
use rolegate_service::{
    Caller, Identity, Reply, RequestEnv, Service, ServiceConfig, clock::SystemClock,
};
use rolegate_store::SqliteStore;

const ACCOUNT: &str = "123456789012";

/// The reference's resource types (name → ARN format).
const RESOURCE_TYPES: &[(&str, &str)] = &[
    (
        "account",
        "arn:${Partition}:organizations::${Account}:account/o-${OrganizationId}/${AccountId}",
    ),
    (
        "organizationalunit",
        "arn:${Partition}:organizations::${Account}:ou/o-${OrganizationId}/ou-${OrganizationalUnitId}",
    ),
    (
        "root",
        "arn:${Partition}:organizations::${Account}:root/o-${OrganizationId}/r-${RootId}",
    ),
    (
        "policy",
        "arn:${Partition}:organizations::${Account}:policy/o-${OrganizationId}/${PolicyType}/p-${PolicyId}",
    ),
    (
        "awspolicy",
        "arn:${Partition}:organizations::aws:policy/${PolicyType}/p-${PolicyId}",
    ),
];

/// Each operation's resource types (none: `*`).
const ACTIONS: &[(&str, &[&str])] = &[
    (
        "AttachPolicy",
        &["account", "organizationalunit", "policy", "root"],
    ),
    ("CloseAccount", &["account"]),
    ("CreateAccount", &[]),
    ("CreateOrganization", &[]),
    ("CreateOrganizationalUnit", &["organizationalunit", "root"]),
    ("CreatePolicy", &[]),
    ("DeleteOrganization", &[]),
    ("DeleteOrganizationalUnit", &["organizationalunit"]),
    ("DeletePolicy", &["policy"]),
    ("DescribeAccount", &["account"]),
    ("DescribeCreateAccountStatus", &[]),
    ("DescribeOrganization", &[]),
    ("DescribeOrganizationalUnit", &["organizationalunit"]),
    ("DescribePolicy", &["awspolicy", "policy"]),
    (
        "DetachPolicy",
        &["account", "organizationalunit", "policy", "root"],
    ),
    ("DisablePolicyType", &["root"]),
    ("EnablePolicyType", &["root"]),
    ("ListAWSServiceAccessForOrganization", &[]),
    ("ListAccounts", &[]),
    ("ListAccountsForParent", &["organizationalunit", "root"]),
    ("ListChildren", &["organizationalunit", "root"]),
    ("ListCreateAccountStatus", &[]),
    (
        "ListOrganizationalUnitsForParent",
        &["organizationalunit", "root"],
    ),
    ("ListParents", &["account", "organizationalunit"]),
    ("ListPolicies", &[]),
    (
        "ListPoliciesForTarget",
        &["account", "organizationalunit", "root"],
    ),
    ("ListRoots", &[]),
    (
        "ListTagsForResource",
        &["account", "organizationalunit", "policy", "root"],
    ),
    ("ListTargetsForPolicy", &["awspolicy", "policy"]),
    ("MoveAccount", &["account", "organizationalunit", "root"]),
    ("RemoveAccountFromOrganization", &["account"]),
    (
        "TagResource",
        &["account", "organizationalunit", "policy", "root"],
    ),
    (
        "UntagResource",
        &["account", "organizationalunit", "policy", "root"],
    ),
    ("UpdateOrganizationalUnit", &["organizationalunit"]),
    ("UpdatePolicy", &["policy"]),
];

/// Whether `arn` has the reference's `format`: each `${…}` stands for one or more characters
/// other than `/` and `:`.
fn arn_matches(format: &str, arn: &str) -> bool {
    let mut rest = arn;
    let mut pattern = format;
    while let Some(start) = pattern.find("${") {
        let Some(literal) = pattern.get(..start) else {
            return false;
        };
        let Some(after) = rest.strip_prefix(literal) else {
            return false;
        };
        let end = pattern[start..]
            .find('}')
            .map_or(pattern.len(), |e| start + e + 1);
        pattern = &pattern[end..];
        let taken = after.find(['/', ':']).unwrap_or(after.len());
        if taken == 0 {
            return false;
        }
        // The next literal must follow what the placeholder took.
        rest = &after[taken..];
    }
    rest == pattern
}

fn env() -> RequestEnv {
    RequestEnv {
        request_id: "organizations-authorization".into(),
        source_ip: None,
        secure_transport: true,
        user_agent: None,
        region: "us-east-1".into(),
        now: time::OffsetDateTime::now_utc(),
    }
}

fn op(name: &str, body: &str) -> Operation {
    let row = Operation::find(Api::Organizations, name).unwrap_or_else(|| panic!("{name}"));
    let value = json::decode(row.input, body.as_bytes()).expect("json");
    row.decode(value).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn string(reply: &Reply, path: &[&str]) -> String {
    let (_, mut v) = reply.result().expect("output");
    for p in path {
        v = match v {
            Value::Structure(members) => members
                .iter()
                .find(|(n, _)| n.as_ref() == *p)
                .map(|(_, v)| v)
                .unwrap_or_else(|| panic!("{p}")),
            _ => panic!("{p}"),
        };
    }
    match v {
        Value::String(s) => s.clone(),
        other => panic!("{other:?}"),
    }
}

/// A service on SQLite in `dir`, bootstrapped, and its management account's root user.
async fn management_account(dir: &std::path::Path) -> (Service, Caller) {
    let store = SqliteStore::open(&dir.join("rolegate.db"))
        .await
        .expect("store");
    let service = Service::new(
        Arc::new(store),
        Arc::new(SystemClock),
        ServiceConfig {
            account_id: ACCOUNT.into(),
            max_staleness: rolegate_service::DEFAULT_MAX_STALENESS,
        },
    );
    service.ensure_keyring().await.expect("keyring");
    service.bootstrap(None).await.expect("bootstrap");
    let root = Caller {
        account: ACCOUNT.into(),
        identity: Identity::Root,
        access_key_id: "AKIAORGSREFERENCE001".into(),
        session: None,
    };
    (service, root)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_organizations_operation_is_authorized_as_the_reference_says() {
    let dir = tempfile::tempdir().expect("dir");
    let (service, root) = management_account(dir.path()).await;
    let env = env();
    let run = |name: &'static str, body: String| {
        let (service, root, env) = (&service, &root, &env);
        async move {
            service
                .execute(root, op(name, &body), env)
                .await
                .unwrap_or_else(|e| panic!("{name}: {e}"))
        }
    };
    run("CreateOrganization", r#"{"FeatureSet":"ALL"}"#.into()).await;
    let roots = run("ListRoots", "{}".into()).await;
    let Some((_, Value::Structure(m))) = roots.result() else {
        panic!("roots")
    };
    let root_id = match m
        .iter()
        .find(|(n, _)| n.as_ref() == "Roots")
        .map(|(_, v)| v)
    {
        Some(Value::List(items)) => match items.first() {
            Some(Value::Structure(r)) => match r.iter().find(|(n, _)| n.as_ref() == "Id") {
                Some((_, Value::String(s))) => s.clone(),
                _ => panic!("root id"),
            },
            _ => panic!("a root"),
        },
        _ => panic!("roots"),
    };
    run(
        "EnablePolicyType",
        format!(r#"{{"RootId":"{root_id}","PolicyType":"SERVICE_CONTROL_POLICY"}}"#),
    )
    .await;
    let ou = run(
        "CreateOrganizationalUnit",
        format!(r#"{{"ParentId":"{root_id}","Name":"eng"}}"#),
    )
    .await;
    let ou_id = string(&ou, &["OrganizationalUnit", "Id"]);
    let created = run(
        "CreateAccount",
        r#"{"Email":"a@example.com","AccountName":"a"}"#.into(),
    )
    .await;
    let account = string(&created, &["CreateAccountStatus", "AccountId"]);
    let request = string(&created, &["CreateAccountStatus", "Id"]);
    let policy = run(
        "CreatePolicy",
        r#"{"Content":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"iam:*\",\"Resource\":\"*\"}]}","Description":"","Name":"p","Type":"SERVICE_CONTROL_POLICY"}"#.into(),
    )
    .await;
    let policy_id = string(&policy, &["Policy", "PolicySummary", "Id"]);

    // Each row's input, naming the stored entities; the resource-type the primary id names.
    let bodies: Vec<(&str, String)> = vec![
        ("CreateOrganization", "{}".into()),
        ("DescribeOrganization", "{}".into()),
        ("DeleteOrganization", "{}".into()),
        ("ListRoots", "{}".into()),
        (
            "CreateAccount",
            r#"{"Email":"b@example.com","AccountName":"b"}"#.into(),
        ),
        (
            "DescribeCreateAccountStatus",
            format!(r#"{{"CreateAccountRequestId":"{request}"}}"#),
        ),
        ("ListCreateAccountStatus", "{}".into()),
        ("ListAccounts", "{}".into()),
        (
            "ListAccountsForParent",
            format!(r#"{{"ParentId":"{ou_id}"}}"#),
        ),
        ("ListAWSServiceAccessForOrganization", "{}".into()),
        ("DescribeAccount", format!(r#"{{"AccountId":"{account}"}}"#)),
        (
            "MoveAccount",
            format!(
                r#"{{"AccountId":"{account}","SourceParentId":"{root_id}","DestinationParentId":"{ou_id}"}}"#
            ),
        ),
        (
            "RemoveAccountFromOrganization",
            format!(r#"{{"AccountId":"{account}"}}"#),
        ),
        ("CloseAccount", format!(r#"{{"AccountId":"{account}"}}"#)),
        (
            "CreateOrganizationalUnit",
            format!(r#"{{"ParentId":"{ou_id}","Name":"x"}}"#),
        ),
        (
            "DescribeOrganizationalUnit",
            format!(r#"{{"OrganizationalUnitId":"{ou_id}"}}"#),
        ),
        (
            "UpdateOrganizationalUnit",
            format!(r#"{{"OrganizationalUnitId":"{ou_id}","Name":"y"}}"#),
        ),
        (
            "DeleteOrganizationalUnit",
            format!(r#"{{"OrganizationalUnitId":"{ou_id}"}}"#),
        ),
        (
            "ListOrganizationalUnitsForParent",
            format!(r#"{{"ParentId":"{root_id}"}}"#),
        ),
        (
            "ListChildren",
            format!(r#"{{"ParentId":"{ou_id}","ChildType":"ACCOUNT"}}"#),
        ),
        ("ListParents", format!(r#"{{"ChildId":"{account}"}}"#)),
        (
            "TagResource",
            format!(r#"{{"ResourceId":"{policy_id}","Tags":[{{"Key":"k","Value":"v"}}]}}"#),
        ),
        (
            "UntagResource",
            format!(r#"{{"ResourceId":"{root_id}","TagKeys":["k"]}}"#),
        ),
        (
            "ListTagsForResource",
            format!(r#"{{"ResourceId":"{ou_id}"}}"#),
        ),
        (
            "EnablePolicyType",
            format!(r#"{{"RootId":"{root_id}","PolicyType":"SERVICE_CONTROL_POLICY"}}"#),
        ),
        (
            "DisablePolicyType",
            format!(r#"{{"RootId":"{root_id}","PolicyType":"SERVICE_CONTROL_POLICY"}}"#),
        ),
        (
            "CreatePolicy",
            r#"{"Content":"{}","Description":"","Name":"q","Type":"SERVICE_CONTROL_POLICY"}"#
                .into(),
        ),
        ("UpdatePolicy", format!(r#"{{"PolicyId":"{policy_id}"}}"#)),
        ("DeletePolicy", format!(r#"{{"PolicyId":"{policy_id}"}}"#)),
        ("DescribePolicy", r#"{"PolicyId":"p-FullAWSAccess"}"#.into()),
        (
            "ListPolicies",
            r#"{"Filter":"SERVICE_CONTROL_POLICY"}"#.into(),
        ),
        (
            "ListPoliciesForTarget",
            format!(r#"{{"TargetId":"{account}","Filter":"SERVICE_CONTROL_POLICY"}}"#),
        ),
        (
            "ListTargetsForPolicy",
            format!(r#"{{"PolicyId":"{policy_id}"}}"#),
        ),
        (
            "AttachPolicy",
            format!(r#"{{"PolicyId":"{policy_id}","TargetId":"{ou_id}"}}"#),
        ),
        (
            "DetachPolicy",
            format!(r#"{{"PolicyId":"{policy_id}","TargetId":"{account}"}}"#),
        ),
    ];

    let rows: BTreeSet<&str> = Operation::ALL
        .iter()
        .filter(|r| r.service == Api::Organizations)
        .map(|r| r.name)
        .collect();
    let listed: BTreeSet<&str> = ACTIONS.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        rows, listed,
        "every Organizations row is in the table, and only those"
    );
    assert_eq!(
        bodies.iter().map(|(n, _)| *n).collect::<BTreeSet<_>>(),
        rows
    );

    let mut failures = Vec::new();
    for (name, body) in &bodies {
        let types = ACTIONS
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| *t)
            .expect("listed");
        let target = service
            .target(&root, &op(name, body))
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .unwrap_or_else(|| panic!("{name} has a target"));
        for t in std::iter::once(&target).chain(target.also.iter()) {
            if t.action != format!("organizations:{name}") {
                failures.push(format!("{name}: action {}", t.action));
            }
            let ok = if types.is_empty() {
                t.resource == "*"
            } else {
                types.iter().any(|ty| {
                    RESOURCE_TYPES
                        .iter()
                        .find(|(n, _)| n == ty)
                        .is_some_and(|(_, f)| arn_matches(f, &t.resource))
                })
            };
            if !ok {
                failures.push(format!(
                    "{name}: resource {} is none of {types:?}",
                    t.resource
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A resource server's authorization (`authorize_access` with the resource's account) is capped
/// by the organization's resource control policies over that account, whoever the caller is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resource_control_policies_cap_resource_servers() {
    use rolegate_service::authorize::{Resource, Target};
    let dir = tempfile::tempdir().expect("dir");
    let (service, root) = management_account(dir.path()).await;
    let env = env();
    let run = |name: &'static str, body: String| {
        let (service, root, env) = (&service, &root, &env);
        async move {
            service
                .execute(root, op(name, &body), env)
                .await
                .unwrap_or_else(|e| panic!("{name}: {e}"))
        }
    };
    run("CreateOrganization", "{}".into()).await;
    let roots = run("ListRoots", "{}".into()).await;
    let root_id = match roots.result() {
        Some((_, Value::Structure(m))) => match m.iter().find(|(n, _)| n.as_ref() == "Roots") {
            Some((_, Value::List(items))) => match items.first() {
                Some(Value::Structure(r)) => match r.iter().find(|(n, _)| n.as_ref() == "Id") {
                    Some((_, Value::String(s))) => s.clone(),
                    _ => panic!("root id"),
                },
                _ => panic!("a root"),
            },
            _ => panic!("roots"),
        },
        _ => panic!("roots"),
    };
    let created = run(
        "CreateAccount",
        r#"{"Email":"data@example.com","AccountName":"data"}"#.into(),
    )
    .await;
    let member = string(&created, &["CreateAccountStatus", "AccountId"]);
    let bucket_policy = service
        .parse_resource_policy(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"s3:GetObject","Resource":"*"}}]}}"#
        ))
        .expect("bucket policy");
    let target = Target::new("s3:GetObject", "arn:aws:s3:::data/report.csv");
    let bucket = || Resource::in_account(&member).with_policy("bucket/data", &bucket_policy);
    service
        .authorize_access(&root, &target, Some(bucket()), &env)
        .await
        .expect("the bucket policy lets the management account read");

    run(
        "EnablePolicyType",
        format!(r#"{{"RootId":"{root_id}","PolicyType":"RESOURCE_CONTROL_POLICY"}}"#),
    )
    .await;
    service
        .authorize_access(&root, &target, Some(bucket()), &env)
        .await
        .expect("RCPFullAWSAccess denies nothing");
    let rcp = run(
        "CreatePolicy",
        r#"{"Content":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}","Description":"","Name":"no-reads","Type":"RESOURCE_CONTROL_POLICY"}"#.into(),
    )
    .await;
    let rcp_id = string(&rcp, &["Policy", "PolicySummary", "Id"]);
    run(
        "AttachPolicy",
        format!(r#"{{"PolicyId":"{rcp_id}","TargetId":"{member}"}}"#),
    )
    .await;
    let e = service
        .authorize_access(&root, &target, Some(bucket()), &env)
        .await
        .expect_err("the RCP denies, even the management account");
    assert!(
        matches!(e, rolegate_service::ServiceError::Denied { .. }),
        "{e:?}"
    );
    let evaluation = service
        .evaluate_access(&root, &target, Some(bucket()), &env)
        .await
        .expect("evaluation");
    assert_eq!(evaluation.decision, rolegate_policy::Decision::ExplicitDeny);
    // A resource of the management account is not under RCPs.
    let own = Resource::in_account(ACCOUNT).with_policy("bucket/own", &bucket_policy);
    service
        .authorize_access(&root, &target, Some(own), &env)
        .await
        .expect("the management account's resources have no RCPs");
}

#[test]
fn arn_formats_match_as_aws_writes_them() {
    let (_, account) = RESOURCE_TYPES[0];
    assert!(arn_matches(
        account,
        "arn:aws:organizations::123456789012:account/o-abcdefghij/111122223333"
    ));
    assert!(!arn_matches(
        account,
        "arn:aws:organizations::123456789012:account/abcdefghij/111122223333"
    ));
    assert!(!arn_matches(account, "*"));
    let (_, aws) = RESOURCE_TYPES[4];
    assert!(arn_matches(
        aws,
        "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"
    ));
}

//! The policy simulator through aws-sdk-iam: SimulateCustomPolicy, SimulatePrincipalPolicy
//! (with the trust-policy extension), GetContextKeysForCustomPolicy and
//! GetContextKeysForPrincipalPolicy.

use aws_sdk_iam::types::{
    ContextEntry, ContextKeyTypeEnum, EvaluationResult, PolicyEvaluationDecisionType as D,
};

use crate::support::*;

fn entry(name: &str, ty: ContextKeyTypeEnum, values: &[&str]) -> ContextEntry {
    let mut b = ContextEntry::builder()
        .context_key_name(name)
        .context_key_type(ty);
    for v in values {
        b = b.context_key_values(*v);
    }
    b.build()
}

fn decision(r: &EvaluationResult) -> D {
    r.eval_decision().clone()
}

/// The AWS documentation's GetContextKeysForCustomPolicy example: a variable in Resource and a
/// DateGreaterThan condition.
const DOC_EXAMPLE: &str = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:us-west-2:123456789012:table/${aws:username}","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2015-08-16T12:00:00Z"}}}}"#;

const S3_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ReadTeamBucket",
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:ListBucket"],
      "Resource": ["arn:aws:s3:::team", "arn:aws:s3:::team/*"],
      "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
    },
    {
      "Sid": "NoDeletes",
      "Effect": "Deny",
      "Action": "s3:DeleteObject",
      "Resource": "*"
    }
  ]
}"#;

pub async fn simulations(s: &Server) {
    let root = root_iam(s);

    // GetContextKeysForCustomPolicy: AWS's own example, keys as written, in document order.
    let keys = root
        .get_context_keys_for_custom_policy()
        .policy_input_list(DOC_EXAMPLE)
        .send()
        .await
        .expect("context keys");
    assert_eq!(
        keys.context_key_names(),
        ["aws:username", "aws:CurrentTime"]
    );

    // SimulateCustomPolicy: allowed with the right context, the deciding statement located.
    let out = root
        .simulate_custom_policy()
        .policy_input_list(S3_POLICY)
        .action_names("s3:GetObject")
        .action_names("s3:DeleteObject")
        .action_names("s3:PutObject")
        .resource_arns("arn:aws:s3:::team/report.csv")
        .context_entries(entry(
            "aws:SourceIp",
            ContextKeyTypeEnum::Ip,
            &["203.0.113.9"],
        ))
        .send()
        .await
        .expect("simulate");
    let results = out.evaluation_results();
    assert_eq!(results.len(), 3, "one result per action");
    assert_eq!(results[0].eval_action_name(), "s3:GetObject");
    assert_eq!(
        results[0].eval_resource_name(),
        Some("arn:aws:s3:::team/report.csv")
    );
    assert_eq!(decision(&results[0]), D::Allowed);
    let m = &results[0].matched_statements()[0];
    assert_eq!(m.source_policy_id(), Some("PolicyInputList.1"));
    assert_eq!(m.source_policy_type().map(|t| t.as_str()), Some("none"));
    let start = m.start_position().expect("start");
    let end = m.end_position().expect("end");
    assert_eq!((start.line(), start.column()), (4, 5));
    assert_eq!((end.line(), end.column()), (10, 5));
    assert!(results[0].missing_context_values().is_empty());
    let specific = results[0].resource_specific_results();
    assert_eq!(specific.len(), 1);
    assert_eq!(specific[0].eval_resource_decision(), &D::Allowed);
    assert_eq!(decision(&results[1]), D::ExplicitDeny);
    assert_eq!(
        results[1].matched_statements()[0]
            .start_position()
            .expect("p")
            .line(),
        11
    );
    assert_eq!(decision(&results[2]), D::ImplicitDeny);
    assert!(results[2].matched_statements().is_empty());

    // Without the context key: implicit deny, and the key is reported missing.
    let out = root
        .simulate_custom_policy()
        .policy_input_list(S3_POLICY)
        .action_names("s3:GetObject")
        .resource_arns("arn:aws:s3:::team/x")
        .send()
        .await
        .expect("simulate");
    let r = &out.evaluation_results()[0];
    assert_eq!(decision(r), D::ImplicitDeny);
    assert_eq!(r.missing_context_values(), ["aws:SourceIp"]);
    assert_eq!(
        r.resource_specific_results()[0].missing_context_values(),
        ["aws:SourceIp"]
    );

    // No ResourceArns: the resource is "*", which a statement scoped to the team bucket does
    // not cover (so its condition key is not reported either); the Deny on "*" does.
    let out = root
        .simulate_custom_policy()
        .policy_input_list(S3_POLICY)
        .action_names("s3:GetObject")
        .action_names("s3:DeleteObject")
        .send()
        .await
        .expect("simulate");
    let r = out.evaluation_results();
    assert_eq!(r[0].eval_resource_name(), Some("*"));
    assert_eq!(decision(&r[0]), D::ImplicitDeny);
    assert!(r[0].missing_context_values().is_empty());
    assert!(r[0].resource_specific_results().is_empty());
    assert_eq!(decision(&r[1]), D::ExplicitDeny);

    // Several resources: the most restrictive decision on top, each resource below.
    let out = root
        .simulate_custom_policy()
        .policy_input_list(S3_POLICY)
        .action_names("s3:GetObject")
        .resource_arns("arn:aws:s3:::team/a")
        .resource_arns("arn:aws:s3:::other/a")
        .context_entries(entry(
            "aws:SourceIp",
            ContextKeyTypeEnum::Ip,
            &["203.0.113.9"],
        ))
        .send()
        .await
        .expect("simulate");
    let r = &out.evaluation_results()[0];
    assert_eq!(decision(r), D::ImplicitDeny);
    let per: Vec<_> = r
        .resource_specific_results()
        .iter()
        .map(|x| (x.eval_resource_name(), x.eval_resource_decision().clone()))
        .collect();
    assert_eq!(
        per,
        [
            ("arn:aws:s3:::team/a", D::Allowed),
            ("arn:aws:s3:::other/a", D::ImplicitDeny)
        ]
    );

    // Typed context: numeric, date, stringList with ForAllValues, and a permissions boundary.
    let tagged = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateUser","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["team","cost"]},"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"},"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}]}"#;
    let boundary_reads = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}"#;
    let sim = |boundary: bool, tag_keys: &'static [&'static str]| {
        let mut b = root
            .simulate_custom_policy()
            .policy_input_list(tagged)
            .action_names("iam:CreateUser")
            .context_entries(entry(
                "aws:TagKeys",
                ContextKeyTypeEnum::StringList,
                tag_keys,
            ))
            .context_entries(entry(
                "aws:MultiFactorAuthAge",
                ContextKeyTypeEnum::Numeric,
                &["120"],
            ))
            .context_entries(entry(
                "aws:CurrentTime",
                ContextKeyTypeEnum::Date,
                &["2026-11-21T10:00:00Z"],
            ));
        if boundary {
            b = b.permissions_boundary_policy_input_list(boundary_reads);
        }
        b.send()
    };
    let r = sim(false, &["team"]).await.expect("sim");
    assert_eq!(decision(&r.evaluation_results()[0]), D::Allowed);
    let r = sim(false, &["team", "owner"]).await.expect("sim");
    assert_eq!(decision(&r.evaluation_results()[0]), D::ImplicitDeny);
    let r = sim(true, &["team"]).await.expect("sim");
    let r = &r.evaluation_results()[0];
    assert_eq!(
        decision(r),
        D::ImplicitDeny,
        "the boundary does not allow CreateUser"
    );
    assert_eq!(
        r.permissions_boundary_decision_detail()
            .map(|d| d.allowed_by_permissions_boundary()),
        Some(false)
    );

    // A resource policy needs a CallerArn; naming the caller exactly grants by itself.
    let bucket_policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:user/reader"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*"}}]}}"#
    );
    let empty = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}"#;
    let e = root
        .simulate_custom_policy()
        .policy_input_list(empty)
        .action_names("s3:GetObject")
        .resource_policy(&bucket_policy)
        .send()
        .await
        .expect_err("CallerArn required");
    assert_eq!(code(&e), "InvalidInput");
    assert!(message(&e).contains("CallerArn"), "{}", message(&e));
    let out = root
        .simulate_custom_policy()
        .policy_input_list(empty)
        .action_names("s3:GetObject")
        .resource_arns("arn:aws:s3:::shared/x")
        .resource_policy(&bucket_policy)
        .caller_arn(format!("arn:aws:iam::{ACCOUNT}:user/reader"))
        .send()
        .await
        .expect("resource policy");
    let r = &out.evaluation_results()[0];
    assert_eq!(decision(r), D::Allowed);
    assert_eq!(
        r.matched_statements()[0].source_policy_id(),
        Some("ResourcePolicy")
    );
    assert_eq!(
        r.matched_statements()[0]
            .source_policy_type()
            .map(|t| t.as_str()),
        Some("resource")
    );

    // Bad input is InvalidInput with the reason; nothing is simulated.
    for (doc, action) in [
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}"#,
            "s3:GetObject",
        ),
        (empty, "s3:*"),
        (empty, "GetObject"),
    ] {
        let e = root
            .simulate_custom_policy()
            .policy_input_list(doc)
            .action_names(action)
            .send()
            .await
            .expect_err("bad input");
        assert_eq!(code(&e), "InvalidInput", "{doc} {action}");
    }
    let e = root
        .simulate_custom_policy()
        .policy_input_list(empty)
        .action_names("s3:GetObject")
        .context_entries(entry(
            "aws:EpochTime",
            ContextKeyTypeEnum::Numeric,
            &["soon"],
        ))
        .send()
        .await
        .expect_err("bad numeric");
    assert_eq!(code(&e), "InvalidInput");

    // Paging over actions.
    let page = root
        .simulate_custom_policy()
        .policy_input_list(S3_POLICY)
        .action_names("s3:GetObject")
        .action_names("s3:ListBucket")
        .action_names("s3:DeleteObject")
        .max_items(2)
        .send()
        .await
        .expect("page 1");
    assert!(page.is_truncated());
    assert_eq!(page.evaluation_results().len(), 2);
    let rest = root
        .simulate_custom_policy()
        .policy_input_list(S3_POLICY)
        .action_names("s3:GetObject")
        .action_names("s3:ListBucket")
        .action_names("s3:DeleteObject")
        .marker(page.marker().expect("marker"))
        .send()
        .await
        .expect("page 2");
    assert!(!rest.is_truncated());
    assert_eq!(
        rest.evaluation_results()[0].eval_action_name(),
        "s3:DeleteObject"
    );
}

pub async fn principal_simulations(s: &Server) {
    let root = root_iam(s);
    root.create_user()
        .user_name("sim-dev")
        .send()
        .await
        .expect("user");
    root.create_group()
        .group_name("sim-readers")
        .send()
        .await
        .expect("group");
    root.add_user_to_group()
        .group_name("sim-readers")
        .user_name("sim-dev")
        .send()
        .await
        .expect("join");
    root.put_user_policy()
        .user_name("sim-dev")
        .policy_name("self-service")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","iam:CreateAccessKey"],"Resource":"arn:aws:iam::*:user/${aws:username}"},{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#)
        .send()
        .await
        .expect("inline");
    root.attach_group_policy()
        .group_name("sim-readers")
        .policy_arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        .send()
        .await
        .expect("attach");
    let user_arn = format!("arn:aws:iam::{ACCOUNT}:user/sim-dev");

    // The user's own inline policy, with ${aws:username} supplied as context.
    let out = root
        .simulate_principal_policy()
        .policy_source_arn(&user_arn)
        .action_names("iam:CreateAccessKey")
        .action_names("iam:ListRoles")
        .action_names("iam:DeleteUser")
        .resource_arns(&user_arn)
        .context_entries(entry(
            "aws:username",
            ContextKeyTypeEnum::String,
            &["sim-dev"],
        ))
        .send()
        .await
        .expect("simulate principal");
    let r = out.evaluation_results();
    assert_eq!(decision(&r[0]), D::Allowed);
    assert_eq!(
        r[0].matched_statements()[0].source_policy_id(),
        Some("self-service")
    );
    assert_eq!(
        r[0].matched_statements()[0]
            .source_policy_type()
            .map(|t| t.as_str()),
        Some("user")
    );
    // …and the group's AWS-managed policy.
    assert_eq!(decision(&r[1]), D::Allowed);
    assert_eq!(
        r[1].matched_statements()[0].source_policy_id(),
        Some("IAMReadOnlyAccess")
    );
    assert_eq!(
        r[1].matched_statements()[0]
            .source_policy_type()
            .map(|t| t.as_str()),
        Some("aws-managed")
    );
    assert_eq!(decision(&r[2]), D::ImplicitDeny);

    // Without aws:username the self-service statement cannot match: the key is missing.
    let out = root
        .simulate_principal_policy()
        .policy_source_arn(&user_arn)
        .action_names("iam:CreateAccessKey")
        .resource_arns(&user_arn)
        .send()
        .await
        .expect("simulate");
    let r = &out.evaluation_results()[0];
    assert_eq!(decision(r), D::ImplicitDeny);
    assert_eq!(r.missing_context_values(), ["aws:username"]);

    // GetContextKeysForPrincipalPolicy covers the user's and its groups' policies.
    let keys = root
        .get_context_keys_for_principal_policy()
        .policy_source_arn(&user_arn)
        .policy_input_list(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#)
        .send()
        .await
        .expect("keys");
    assert_eq!(
        keys.context_key_names(),
        ["aws:username", "aws:SecureTransport"]
    );

    // Past AWS: sts:AssumeRole on a role evaluates the role's trust policy too.
    let trusted = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{user_arn}"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"sts:ExternalId":"blue"}}}}}}]}}"#
    );
    root.create_role()
        .role_name("SimTrusted")
        .assume_role_policy_document(&trusted)
        .send()
        .await
        .expect("role");
    root.create_role()
        .role_name("SimOther")
        .assume_role_policy_document(trust_account("210987654321"))
        .send()
        .await
        .expect("role");
    let assume = |role: &str, external_id: Option<&str>| {
        let mut b = root
            .simulate_principal_policy()
            .policy_source_arn(&user_arn)
            .action_names("sts:AssumeRole")
            .resource_arns(format!("arn:aws:iam::{ACCOUNT}:role/{role}"));
        if let Some(x) = external_id {
            b = b.context_entries(entry("sts:ExternalId", ContextKeyTypeEnum::String, &[x]));
        }
        b.send()
    };
    let r = assume("SimTrusted", Some("blue")).await.expect("sim");
    let r = &r.evaluation_results()[0];
    assert_eq!(decision(r), D::Allowed);
    assert!(
        r.matched_statements()
            .iter()
            .any(|m| m.source_policy_type().map(|t| t.as_str()) == Some("resource")),
        "the trust policy took part"
    );
    let r = assume("SimTrusted", None).await.expect("sim");
    assert_eq!(decision(&r.evaluation_results()[0]), D::ImplicitDeny);
    assert_eq!(
        r.evaluation_results()[0].missing_context_values(),
        ["sts:ExternalId"]
    );
    let r = assume("SimOther", None).await.expect("sim");
    assert_eq!(
        decision(&r.evaluation_results()[0]),
        D::ImplicitDeny,
        "the identity policy allows, the trust policy does not"
    );

    // A role as the source: its policies and its boundary.
    root.put_role_policy()
        .role_name("SimTrusted")
        .policy_name("all-iam")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}"#)
        .send()
        .await
        .expect("role policy");
    let boundary = root
        .create_policy()
        .policy_name("sim-list-only")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"}]}"#)
        .send()
        .await
        .expect("boundary")
        .policy
        .expect("p");
    root.put_role_permissions_boundary()
        .role_name("SimTrusted")
        .permissions_boundary(boundary.arn().expect("arn"))
        .send()
        .await
        .expect("set boundary");
    let out = root
        .simulate_principal_policy()
        .policy_source_arn(format!("arn:aws:iam::{ACCOUNT}:role/SimTrusted"))
        .action_names("iam:ListUsers")
        .action_names("iam:CreateUser")
        .send()
        .await
        .expect("role source");
    let r = out.evaluation_results();
    assert_eq!(decision(&r[0]), D::Allowed);
    assert_eq!(decision(&r[1]), D::ImplicitDeny);
    assert_eq!(
        r[1].permissions_boundary_decision_detail()
            .map(|d| d.allowed_by_permissions_boundary()),
        Some(false)
    );

    // Unknown sources; and the simulator itself is authorized like every call.
    let e = root
        .simulate_principal_policy()
        .policy_source_arn(format!("arn:aws:iam::{ACCOUNT}:user/nobody"))
        .action_names("iam:GetUser")
        .send()
        .await
        .expect_err("no such user");
    assert_eq!(code(&e), "NoSuchEntity");
    let key = root
        .create_access_key()
        .user_name("sim-dev")
        .send()
        .await
        .expect("key")
        .access_key
        .expect("k");
    let dev = iam(&s.endpoint, key.access_key_id(), key.secret_access_key());
    // IAMReadOnlyAccess (through the group) includes iam:SimulateCustomPolicy.
    dev.simulate_custom_policy()
        .policy_input_list(S3_POLICY)
        .action_names("s3:GetObject")
        .send()
        .await
        .expect("allowed through the group");
    root.remove_user_from_group()
        .group_name("sim-readers")
        .user_name("sim-dev")
        .send()
        .await
        .expect("leave");
    let e = dev
        .simulate_custom_policy()
        .policy_input_list(S3_POLICY)
        .action_names("s3:GetObject")
        .send()
        .await
        .expect_err("not allowed to simulate");
    assert_eq!(code(&e), "AccessDenied");
    assert!(
        message(&e).contains("iam:SimulateCustomPolicy"),
        "{}",
        message(&e)
    );
}

/// Policy enforcement (user, group, boundary, explicit deny, `${aws:username}`) and the
/// simulator, through boto3.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policies_with_boto3() {
    if !boto3_available() {
        return;
    }
    let s = sqlite().await;
    run_boto3_as_root(&s, "policies_boto3.py", Vec::new()).await;
    s.stop().await;
}

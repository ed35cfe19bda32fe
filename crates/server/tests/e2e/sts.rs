//! STS end to end with aws-sdk-sts/aws-sdk-iam: AssumeRole and every control on it,
#![allow(
    deprecated,
    reason = "PackedPolicySize is what the wire carries; the SDK marks it deprecated"
)]
//! GetSessionToken, GetFederationToken, MFA, revocation, tokens under attack.

use aws_sdk_sts::types::{Credentials, PolicyDescriptorType, Tag};

use crate::support::*;

const ROLE_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","iam:GetUser"],"Resource":"*"}]}"#;
const ASSUME_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"],"Resource":"*"}]}"#;

fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

fn trust(principal: &str, extra_actions: &[&str], condition: Option<&str>) -> String {
    let mut actions = vec!["\"sts:AssumeRole\"".to_owned()];
    actions.extend(extra_actions.iter().map(|a| format!("\"{a}\"")));
    let condition = condition
        .map(|c| format!(",\"Condition\":{c}"))
        .unwrap_or_default();
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":[{}]{condition}}}]}}"#,
        actions.join(",")
    )
}

/// A user with an access key and the given inline policy (if any).
pub async fn user_with_key(s: &Server, name: &str, policy: Option<&str>) -> (String, String) {
    let root = root_iam(s);
    root.create_user()
        .user_name(name)
        .send()
        .await
        .expect("create user");
    if let Some(p) = policy {
        root.put_user_policy()
            .user_name(name)
            .policy_name("p")
            .policy_document(p)
            .send()
            .await
            .expect("user policy");
    }
    let k = root
        .create_access_key()
        .user_name(name)
        .send()
        .await
        .expect("key")
        .access_key
        .expect("access key");
    (k.access_key_id, k.secret_access_key)
}

pub async fn role(s: &Server, name: &str, trust_policy: &str, policy: Option<&str>) {
    let root = root_iam(s);
    root.create_role()
        .role_name(name)
        .assume_role_policy_document(trust_policy)
        .send()
        .await
        .expect("create role");
    if let Some(p) = policy {
        root.put_role_policy()
            .role_name(name)
            .policy_name("p")
            .policy_document(p)
            .send()
            .await
            .expect("role policy");
    }
}

async fn assume(client: &aws_sdk_sts::Client, role: &str, session: &str) -> Credentials {
    client
        .assume_role()
        .role_arn(role_arn(role))
        .role_session_name(session)
        .send()
        .await
        .unwrap_or_else(|e| panic!("assume {role}: {e:?}"))
        .credentials
        .expect("credentials")
}

/// The seeds' scenario and AssumeRole's rules: a user with nothing but sts:AssumeRole reaches a
/// role's permissions, and only those.
pub async fn assume_role_rules(s: &Server) {
    let ep = &s.endpoint;
    let dev_arn = format!("arn:aws:iam::{ACCOUNT}:user/dev");
    let (dk, ds) = user_with_key(s, "dev", Some(ASSUME_ONLY)).await;
    let (nk, nsec) = user_with_key(s, "nobody", None).await;
    role(s, "RoleOne", &trust(&dev_arn, &[], None), Some(ROLE_POLICY)).await;
    role(s, "RoleAcct", &trust_account(ACCOUNT), Some(ROLE_POLICY)).await;
    let dev = sts(ep, &dk, &ds);
    let nobody = sts(ep, &nk, &nsec);

    // The user alone can do nothing but assume.
    let e = iam(ep, &dk, &ds)
        .list_users()
        .send()
        .await
        .expect_err("user alone");
    assert_eq!(code(&e), "AccessDenied");

    let out = dev
        .assume_role()
        .role_arn(role_arn("RoleOne"))
        .role_session_name("s1")
        .send()
        .await
        .expect("assume");
    let creds = out.credentials.clone().expect("creds");
    assert!(creds.access_key_id.starts_with("ASIA") && creds.access_key_id.len() == 20);
    assert_eq!(creds.secret_access_key.len(), 40);
    let left = creds.expiration.secs() - time::OffsetDateTime::now_utc().unix_timestamp();
    assert!(
        (3590..=3600).contains(&left),
        "default duration 3600, got {left}"
    );
    let user = out.assumed_role_user.expect("assumed role user");
    assert_eq!(
        user.arn,
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/RoleOne/s1")
    );
    assert!(user.assumed_role_id.starts_with("AROA") && user.assumed_role_id.ends_with(":s1"));
    assert!(out.packed_policy_size.is_none());

    // The session holds the role's permissions, and only those.
    let who = sts_session(ep, &creds)
        .get_caller_identity()
        .send()
        .await
        .expect("whoami");
    assert_eq!(who.arn(), Some(user.arn.as_str()));
    assert_eq!(who.user_id(), Some(user.assumed_role_id.as_str()));
    let role_iam = iam_session(ep, &creds);
    role_iam
        .list_users()
        .send()
        .await
        .expect("role may list users");
    let e = role_iam
        .create_user()
        .user_name("x")
        .send()
        .await
        .expect_err("role may not create");
    assert_eq!(code(&e), "AccessDenied");
    assert!(message(&e).starts_with(&format!(
        "User: arn:aws:sts::{ACCOUNT}:assumed-role/RoleOne/s1 is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::{ACCOUNT}:user/x because no identity-based policy allows the iam:CreateUser action"
    )), "{}", message(&e));
    let e = sts_session(ep, &creds)
        .get_session_token()
        .send()
        .await
        .expect_err("no GST from a session");
    assert_eq!(
        message(&e),
        "Cannot call GetSessionToken with session credentials"
    );

    // Root may not assume roles.
    let e = sts(ep, ROOT_KEY, ROOT_SECRET)
        .assume_role()
        .role_arn(role_arn("RoleOne"))
        .role_session_name("rt")
        .send()
        .await
        .expect_err("root");
    assert_eq!(code(&e), "AccessDenied");
    assert_eq!(message(&e), "Roles may not be assumed by root accounts.");

    // No enumeration: a missing role and an untrusting role look the same.
    let missing = nobody
        .assume_role()
        .role_arn(role_arn("Nope"))
        .role_session_name("ss")
        .send()
        .await
        .expect_err("missing");
    let untrusted = nobody
        .assume_role()
        .role_arn(role_arn("RoleOne"))
        .role_session_name("ss")
        .send()
        .await
        .expect_err("untrusted");
    assert_eq!(code(&missing), "AccessDenied");
    assert_eq!(code(&untrusted), "AccessDenied");
    assert_eq!(
        message(&missing),
        format!(
            "User: arn:aws:iam::{ACCOUNT}:user/nobody is not authorized to perform: sts:AssumeRole on resource: {}",
            role_arn("Nope")
        )
    );
    assert_eq!(
        message(&untrusted).replace("RoleOne", "Nope"),
        message(&missing)
    );

    // Trust naming the account delegates to identity policies.
    assume(&dev, "RoleAcct", "ok").await;
    let e = nobody
        .assume_role()
        .role_arn(role_arn("RoleAcct"))
        .role_session_name("ss")
        .send()
        .await
        .expect_err("no identity allow");
    assert_eq!(code(&e), "AccessDenied");

    // Durations and names.
    for (d, want) in [
        (899, "ValidationError"),
        (3601, "ValidationError"),
        (43201, "ValidationError"),
    ] {
        let e = dev
            .assume_role()
            .role_arn(role_arn("RoleOne"))
            .role_session_name("dd")
            .duration_seconds(d)
            .send()
            .await
            .expect_err("duration");
        assert_eq!(code(&e), want, "duration {d}");
    }
    let e = dev
        .assume_role()
        .role_arn(role_arn("RoleOne"))
        .role_session_name("dd")
        .duration_seconds(3601)
        .send()
        .await
        .expect_err("over max");
    assert_eq!(
        message(&e),
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
    );
    for bad in ["a", "a b", "a/b", &"x".repeat(65)] {
        let e = dev
            .assume_role()
            .role_arn(role_arn("RoleOne"))
            .role_session_name(bad)
            .send()
            .await
            .expect_err("bad name");
        assert_eq!(code(&e), "ValidationError", "{bad}");
    }
    let short = dev
        .assume_role()
        .role_arn(role_arn("RoleOne"))
        .role_session_name("dd")
        .duration_seconds(900)
        .send()
        .await
        .expect("900");
    let left = short.credentials.expect("c").expiration.secs()
        - time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((890..=900).contains(&left));

    // Role chaining: RoleTwo trusts RoleOne; chained sessions are capped at an hour.
    role(
        s,
        "RoleTwo",
        &trust(&role_arn("RoleOne"), &[], None),
        Some(ROLE_POLICY),
    )
    .await;
    root_iam(s)
        .update_role()
        .role_name("RoleTwo")
        .max_session_duration(7200)
        .send()
        .await
        .expect("max 2h");
    let chained = sts_session(ep, &creds);
    let e = chained
        .assume_role()
        .role_arn(role_arn("RoleTwo"))
        .role_session_name("cc")
        .duration_seconds(3601)
        .send()
        .await
        .expect_err("chain cap");
    assert_eq!(
        message(&e),
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
    );
    let two = assume(&chained, "RoleTwo", "cc").await;
    assert_eq!(
        sts_session(ep, &two)
            .get_caller_identity()
            .send()
            .await
            .expect("who")
            .arn(),
        Some(format!("arn:aws:sts::{ACCOUNT}:assumed-role/RoleTwo/cc").as_str())
    );
    // The user itself is not trusted by RoleTwo.
    let e = dev
        .assume_role()
        .role_arn(role_arn("RoleTwo"))
        .role_session_name("cc")
        .send()
        .await
        .expect_err("user not trusted");
    assert_eq!(code(&e), "AccessDenied");

    // Session policies only narrow.
    let narrowed = dev
        .assume_role()
        .role_arn(role_arn("RoleOne"))
        .role_session_name("narrow")
        .policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}"#)
        .send()
        .await
        .expect("session policy");
    assert!(
        narrowed
            .packed_policy_size
            .is_some_and(|p| p > 0 && p <= 100)
    );
    let n = iam_session(ep, &narrowed.credentials.expect("c"));
    let e = n.list_users().send().await.expect_err("narrowed");
    assert!(
        message(&e).contains("because no session policy allows the iam:ListUsers action"),
        "{}",
        message(&e)
    );
    n.get_user()
        .user_name("dev")
        .send()
        .await
        .expect("GetUser stays");
    let wide = dev
        .assume_role()
        .role_arn(role_arn("RoleOne"))
        .role_session_name("wide")
        .policy(ALLOW_ALL)
        .policy_arns(
            PolicyDescriptorType::builder()
                .arn("arn:aws:iam::aws:policy/AdministratorAccess")
                .build(),
        )
        .send()
        .await
        .expect("wide session policy");
    let e = iam_session(ep, &wide.credentials.expect("c"))
        .create_user()
        .user_name("y")
        .send()
        .await
        .expect_err("cannot widen");
    assert_eq!(code(&e), "AccessDenied");
    let e = dev
        .assume_role()
        .role_arn(role_arn("RoleOne"))
        .role_session_name("mm")
        .policy("{not json")
        .send()
        .await
        .expect_err("malformed");
    assert_eq!(code(&e), "MalformedPolicyDocument");
    let e = dev
        .assume_role()
        .role_arn(role_arn("RoleOne"))
        .role_session_name("mm")
        .policy_arns(
            PolicyDescriptorType::builder()
                .arn(format!("arn:aws:iam::{ACCOUNT}:policy/none"))
                .build(),
        )
        .send()
        .await
        .expect_err("unknown policy arn");
    assert_eq!(code(&e), "InvalidParameterValue");

    // A session policy restricting a session also restricts what it may assume (C-14).
    let e = sts_session(ep, &n_creds(&dev, "RoleOne").await)
        .assume_role()
        .role_arn(role_arn("RoleTwo"))
        .role_session_name("escape")
        .send()
        .await
        .expect_err("restricted session cannot escape through chaining");
    assert_eq!(code(&e), "AccessDenied");

    // Policy changes apply to live sessions at once (B-10).
    root_iam(s)
        .delete_role_policy()
        .role_name("RoleOne")
        .policy_name("p")
        .send()
        .await
        .expect("delete policy");
    let e = role_iam.list_users().send().await.expect_err("policy gone");
    assert_eq!(code(&e), "AccessDenied");
    root_iam(s)
        .put_role_policy()
        .role_name("RoleOne")
        .policy_name("p")
        .policy_document(ROLE_POLICY)
        .send()
        .await
        .expect("restore");
    role_iam.list_users().send().await.expect("policy back");
}

/// A RoleOne session narrowed to s3:GetObject.
async fn n_creds(dev: &aws_sdk_sts::Client, role: &str) -> Credentials {
    dev.assume_role()
        .role_arn(role_arn(role))
        .role_session_name("narrow2")
        .policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#)
        .send()
        .await
        .expect("narrow")
        .credentials
        .expect("c")
}

/// ExternalId, session tags, source identity.
pub async fn third_party_controls(s: &Server) {
    let ep = &s.endpoint;
    let dev_arn = format!("arn:aws:iam::{ACCOUNT}:user/dev");
    let (dk, ds) = user_with_key(s, "dev", Some(ASSUME_ONLY)).await;
    let dev = sts(ep, &dk, &ds);

    // ExternalId: exact, case-sensitive.
    role(
        s,
        "Vendor",
        &trust(
            &dev_arn,
            &[],
            Some(r#"{"StringEquals":{"sts:ExternalId":"Unique-42"}}"#),
        ),
        Some(ROLE_POLICY),
    )
    .await;
    for ext in [None, Some("unique-42"), Some("Unique-42 ")] {
        let mut req = dev
            .assume_role()
            .role_arn(role_arn("Vendor"))
            .role_session_name("vv");
        if let Some(x) = ext {
            req = req.external_id(x);
        }
        let e = req.send().await.expect_err("wrong external id");
        assert_eq!(
            code(&e),
            if ext == Some("Unique-42 ") {
                "ValidationError"
            } else {
                "AccessDenied"
            },
            "{ext:?}"
        );
    }
    dev.assume_role()
        .role_arn(role_arn("Vendor"))
        .role_session_name("vv")
        .external_id("Unique-42")
        .send()
        .await
        .expect("right external id");
    let e = dev
        .assume_role()
        .role_arn(role_arn("Vendor"))
        .role_session_name("vv")
        .external_id("x")
        .send()
        .await
        .expect_err("short");
    assert_eq!(code(&e), "ValidationError");

    // Session tags need sts:TagSession in the trust policy.
    role(s, "NoTags", &trust(&dev_arn, &[], None), Some(ROLE_POLICY)).await;
    let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build().expect("tag");
    let e = dev
        .assume_role()
        .role_arn(role_arn("NoTags"))
        .role_session_name("tt")
        .tags(tag("team", "a"))
        .send()
        .await
        .expect_err("no TagSession");
    assert_eq!(code(&e), "AccessDenied");
    let tag_policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}}]}"#;
    role(
        s,
        "Tagged",
        &trust(&dev_arn, &["sts:TagSession"], None),
        Some(tag_policy),
    )
    .await;
    let blue = dev
        .assume_role()
        .role_arn(role_arn("Tagged"))
        .role_session_name("tt")
        .tags(tag("Team", "blue"))
        .transitive_tag_keys("Team")
        .send()
        .await
        .expect("tags");
    assert!(blue.packed_policy_size.is_some());
    iam_session(ep, &blue.credentials.expect("c"))
        .list_users()
        .send()
        .await
        .expect("tag condition holds");
    let red = assume_with_tag(&dev, "Tagged", "team", "red").await;
    let e = iam_session(ep, &red)
        .list_users()
        .send()
        .await
        .expect_err("tag condition fails");
    assert_eq!(code(&e), "AccessDenied");
    let e = dev
        .assume_role()
        .role_arn(role_arn("Tagged"))
        .role_session_name("tt")
        .tags(tag("a", "1"))
        .tags(tag("A", "2"))
        .send()
        .await
        .expect_err("dup keys");
    assert_eq!(code(&e), "InvalidParameterValue");
    let e = dev
        .assume_role()
        .role_arn(role_arn("Tagged"))
        .role_session_name("tt")
        .tags(tag("a", "1"))
        .transitive_tag_keys("b")
        .send()
        .await
        .expect_err("transitive not passed");
    assert_eq!(code(&e), "InvalidParameterValue");
    let mut too_many = dev
        .assume_role()
        .role_arn(role_arn("Tagged"))
        .role_session_name("tt");
    for n in 0..51 {
        too_many = too_many.tags(tag(&format!("k{n}"), "v"));
    }
    assert_eq!(
        code(&too_many.send().await.expect_err("51 tags")),
        "ValidationError"
    );
    let mut big = dev
        .assume_role()
        .role_arn(role_arn("Tagged"))
        .role_session_name("tt");
    for n in 0..20 {
        big = big.tags(tag(
            &format!("key-{n}-{}", "k".repeat(100)),
            &"v".repeat(200),
        ));
    }
    let e = big.send().await.expect_err("packed too large");
    assert_eq!(code(&e), "PackedPolicyTooLarge");
    assert!(
        message(&e).contains("% of allotted space"),
        "{}",
        message(&e)
    );

    // Source identity: needs sts:SetSourceIdentity; sticks through chains; cannot change.
    let e = dev
        .assume_role()
        .role_arn(role_arn("NoTags"))
        .role_session_name("si")
        .source_identity("alice")
        .send()
        .await
        .expect_err("no SetSourceIdentity");
    assert_eq!(code(&e), "AccessDenied");
    role(s, "Audited", &trust(&dev_arn, &["sts:SetSourceIdentity"], None), Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:SetSourceIdentity"],"Resource":"*"}]}"#)).await;
    let a = dev
        .assume_role()
        .role_arn(role_arn("Audited"))
        .role_session_name("si")
        .source_identity("alice")
        .send()
        .await
        .expect("source identity");
    assert_eq!(a.source_identity(), Some("alice"));
    role(
        s,
        "Next",
        &trust(&role_arn("Audited"), &["sts:SetSourceIdentity"], None),
        Some(ROLE_POLICY),
    )
    .await;
    let chained = sts_session(ep, &a.credentials.expect("c"));
    let n = chained
        .assume_role()
        .role_arn(role_arn("Next"))
        .role_session_name("nn")
        .send()
        .await
        .expect("chain keeps it");
    assert_eq!(n.source_identity(), Some("alice"));
    let e = chained
        .assume_role()
        .role_arn(role_arn("Next"))
        .role_session_name("nn")
        .source_identity("mallory")
        .send()
        .await
        .expect_err("cannot change");
    assert_eq!(code(&e), "AccessDenied");
    let e = dev
        .assume_role()
        .role_arn(role_arn("Audited"))
        .role_session_name("si")
        .source_identity("aws:x")
        .send()
        .await
        .expect_err("reserved");
    assert_eq!(code(&e), "ValidationError");
}

async fn assume_with_tag(dev: &aws_sdk_sts::Client, role: &str, k: &str, v: &str) -> Credentials {
    dev.assume_role()
        .role_arn(role_arn(role))
        .role_session_name("tt")
        .tags(Tag::builder().key(k).value(v).build().expect("tag"))
        .send()
        .await
        .expect("tagged")
        .credentials
        .expect("c")
}

/// AWSRevokeOlderSessions, re-created roles, tokens under attack.
pub async fn revocation_and_forgery(s: &Server) {
    let ep = &s.endpoint;
    let dev_arn = format!("arn:aws:iam::{ACCOUNT}:user/dev");
    let (dk, ds) = user_with_key(s, "dev", Some(ASSUME_ONLY)).await;
    let dev = sts(ep, &dk, &ds);
    role(s, "R", &trust(&dev_arn, &[], None), Some(ROLE_POLICY)).await;
    let old = assume(&dev, "R", "old").await;
    iam_session(ep, &old)
        .list_users()
        .send()
        .await
        .expect("works");

    // Revoke sessions issued before now.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let now = time::OffsetDateTime::now_utc();
    let revoke = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":["*"],"Resource":["*"],"Condition":{{"DateLessThan":{{"aws:TokenIssueTime":"{}"}}}}}}]}}"#,
        now.format(&time::format_description::well_known::Rfc3339)
            .expect("fmt")
    );
    root_iam(s)
        .put_role_policy()
        .role_name("R")
        .policy_name("AWSRevokeOlderSessions")
        .policy_document(revoke)
        .send()
        .await
        .expect("revoke");
    let e = iam_session(ep, &old)
        .list_users()
        .send()
        .await
        .expect_err("revoked");
    assert_eq!(code(&e), "AccessDenied");
    assert!(
        message(&e).contains("with an explicit deny in an identity-based policy"),
        "{}",
        message(&e)
    );
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let fresh = assume(&dev, "R", "new").await;
    iam_session(ep, &fresh)
        .list_users()
        .send()
        .await
        .expect("newer sessions unaffected");
    // Long-term keys have no aws:TokenIssueTime: the same Deny does not touch them.
    let (uk, us) = user_with_key(s, "lt", Some(ROLE_POLICY)).await;
    root_iam(s).put_user_policy().user_name("lt").policy_name("AWSRevokeOlderSessions").policy_document(format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":["*"],"Resource":["*"],"Condition":{{"DateLessThan":{{"aws:TokenIssueTime":"{}"}}}}}}]}}"#,
        time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).expect("fmt")
    )).send().await.expect("user revoke");
    iam(ep, &uk, &us)
        .list_users()
        .send()
        .await
        .expect("long-term keys unaffected");

    // Delete the role and re-create it with more power: the old session gets nothing (B-09).
    let root = root_iam(s);
    root.delete_role_policy()
        .role_name("R")
        .policy_name("p")
        .send()
        .await
        .expect("dp");
    root.delete_role_policy()
        .role_name("R")
        .policy_name("AWSRevokeOlderSessions")
        .send()
        .await
        .expect("dp2");
    root.delete_role()
        .role_name("R")
        .send()
        .await
        .expect("delete role");
    role(s, "R", &trust(&dev_arn, &[], None), Some(ALLOW_ALL)).await;
    let e = iam_session(ep, &fresh)
        .list_users()
        .send()
        .await
        .expect_err("old role id");
    // A session of a role that no longer exists (another unique id now) is nobody.
    assert_eq!(code(&e), "InvalidClientTokenId");
    let newest = assume(&dev, "R", "newest").await;
    iam_session(ep, &newest)
        .create_user()
        .user_name("made")
        .send()
        .await
        .expect("new session has new role");

    // Forged, mismatched, missing and re-encoded tokens.
    let forged = |token: String| {
        Credentials::builder()
            .access_key_id(newest.access_key_id())
            .secret_access_key(newest.secret_access_key())
            .session_token(token)
            .expiration(newest.expiration)
            .build()
            .expect("creds")
    };
    let token = newest.session_token().to_owned();
    use base64::Engine;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(&token)
        .expect("b64");
    let mut flipped = raw.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    let mut variants = vec![
        base64::engine::general_purpose::STANDARD.encode(&flipped),
        base64::engine::general_purpose::STANDARD.encode(&raw[..raw.len() - 16]),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw),
        old.session_token().to_owned(),
        "x".into(),
    ];
    variants.retain(|v| *v != token);
    for v in variants {
        let e = sts_session(ep, &forged(v.clone()))
            .get_caller_identity()
            .send()
            .await
            .expect_err("forged token");
        assert_eq!(code(&e), "InvalidClientTokenId", "{v}");
    }
    // ASIA key without a token; long-term key with a token.
    let no_token = sts(ep, newest.access_key_id(), newest.secret_access_key());
    assert_eq!(
        code(
            &no_token
                .get_caller_identity()
                .send()
                .await
                .expect_err("no token")
        ),
        "InvalidClientTokenId"
    );
    let lt_with_token = sts_session(
        ep,
        &Credentials::builder()
            .access_key_id(&dk)
            .secret_access_key(&ds)
            .session_token(token.clone())
            .expiration(newest.expiration)
            .build()
            .expect("c"),
    );
    assert_eq!(
        code(
            &lt_with_token
                .get_caller_identity()
                .send()
                .await
                .expect_err("AKIA + token")
        ),
        "InvalidClientTokenId"
    );
}

/// GetSessionToken and GetFederationToken.
pub async fn session_and_federation_tokens(s: &Server) {
    let ep = &s.endpoint;
    let fed_policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:GetFederationToken","sts:AssumeRole","iam:ListUsers"],"Resource":"*"}]}"#;
    let (dk, ds) = user_with_key(s, "dev", Some(fed_policy)).await;
    role(
        s,
        "R",
        &trust(&format!("arn:aws:iam::{ACCOUNT}:user/dev"), &[], None),
        Some(ROLE_POLICY),
    )
    .await;
    let dev = sts(ep, &dk, &ds);

    let gst = dev
        .get_session_token()
        .send()
        .await
        .expect("gst")
        .credentials
        .expect("c");
    assert!(gst.access_key_id.starts_with("ASIA"));
    let left = gst.expiration.secs() - time::OffsetDateTime::now_utc().unix_timestamp();
    assert!(
        (43_190..=43_200).contains(&left),
        "12 h default, got {left}"
    );
    let who = sts_session(ep, &gst)
        .get_caller_identity()
        .send()
        .await
        .expect("who");
    assert_eq!(
        who.arn(),
        Some(format!("arn:aws:iam::{ACCOUNT}:user/dev").as_str())
    );
    assert!(who.user_id().is_some_and(|u| u.starts_with("AIDA")));
    let e = iam_session(ep, &gst)
        .list_users()
        .send()
        .await
        .expect_err("no IAM without MFA");
    assert_eq!(code(&e), "InvalidClientTokenId");
    let e = sts_session(ep, &gst)
        .get_federation_token()
        .name("x1")
        .send()
        .await
        .expect_err("no GFT");
    assert_eq!(code(&e), "AccessDenied");
    // AssumeRole from GetSessionToken credentials is role chaining.
    let e = sts_session(ep, &gst)
        .assume_role()
        .role_arn(role_arn("R"))
        .role_session_name("cc")
        .duration_seconds(3601)
        .send()
        .await
        .expect_err("chaining");
    assert_eq!(code(&e), "ValidationError");
    assume(&sts_session(ep, &gst), "R", "from-gst").await;
    let e = dev
        .get_session_token()
        .duration_seconds(129_601)
        .send()
        .await
        .expect_err("too long");
    assert_eq!(code(&e), "ValidationError");
    let root_gst = sts(ep, ROOT_KEY, ROOT_SECRET)
        .get_session_token()
        .duration_seconds(7200)
        .send()
        .await
        .expect("root gst")
        .credentials
        .expect("c");
    let left = root_gst.expiration.secs() - time::OffsetDateTime::now_utc().unix_timestamp();
    assert!(left <= 3600, "root capped at an hour, got {left}");
    let e = sts_session(ep, &root_gst)
        .assume_role()
        .role_arn(role_arn("R"))
        .role_session_name("xx")
        .send()
        .await
        .expect_err("root session");
    assert_eq!(message(&e), "Roles may not be assumed by root accounts.");

    // GetFederationToken: no policy = no permissions; with a policy = intersection.
    let bare = dev
        .get_federation_token()
        .name("Bob")
        .send()
        .await
        .expect("gft");
    let fu = bare.federated_user.expect("fu");
    assert_eq!(fu.arn, format!("arn:aws:sts::{ACCOUNT}:federated-user/Bob"));
    assert_eq!(fu.federated_user_id, format!("{ACCOUNT}:Bob"));
    let bare = bare.credentials.expect("c");
    let who = sts_session(ep, &bare)
        .get_caller_identity()
        .send()
        .await
        .expect("who fed");
    assert_eq!(who.arn(), Some(fu.arn.as_str()));
    assert_eq!(who.user_id(), Some(format!("{ACCOUNT}:Bob").as_str()));
    let e = iam_session(ep, &bare)
        .list_users()
        .send()
        .await
        .expect_err("fed no IAM");
    assert_eq!(code(&e), "AccessDenied");
    let e = sts_session(ep, &bare)
        .assume_role()
        .role_arn(role_arn("R"))
        .role_session_name("xx")
        .send()
        .await
        .expect_err("fed no assume");
    assert_eq!(code(&e), "AccessDenied");
    let (nk, nsec) = user_with_key(s, "nofed", None).await;
    let e = sts(ep, &nk, &nsec)
        .get_federation_token()
        .name("Bob")
        .send()
        .await
        .expect_err("needs permission");
    assert_eq!(code(&e), "AccessDenied");

    // Deactivating the key ends its GetSessionToken/GetFederationToken sessions.
    root_iam(s)
        .update_access_key()
        .user_name("dev")
        .access_key_id(&dk)
        .status(aws_sdk_iam::types::StatusType::Inactive)
        .send()
        .await
        .expect("deactivate");
    let e = sts_session(ep, &gst)
        .get_caller_identity()
        .send()
        .await
        .expect_err("parent key inactive");
    assert_eq!(code(&e), "InvalidClientTokenId");
    let e = sts_session(ep, &bare)
        .get_caller_identity()
        .send()
        .await
        .expect_err("parent key inactive");
    assert_eq!(code(&e), "InvalidClientTokenId");

    // GetAccessKeyInfo.
    let root_sts = sts(ep, ROOT_KEY, ROOT_SECRET);
    assert_eq!(
        root_sts
            .get_access_key_info()
            .access_key_id(&dk)
            .send()
            .await
            .expect("akia")
            .account(),
        Some(ACCOUNT)
    );
    assert_eq!(
        root_sts
            .get_access_key_info()
            .access_key_id(gst.access_key_id())
            .send()
            .await
            .expect("asia")
            .account(),
        Some(ACCOUNT)
    );
}

/// DecodeAuthorizationMessage reveals a denial only to principals allowed to decode.
pub async fn authorization_messages(s: &Server) {
    let ep = &s.endpoint;
    let (uk, us) = user_with_key(s, "u", Some(r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoUsers","Effect":"Deny","Action":"iam:ListUsers","Resource":"*"}]}"#)).await;
    let e = iam(ep, &uk, &us)
        .list_users()
        .send()
        .await
        .expect_err("denied");
    assert_eq!(
        message(&e),
        format!(
            "User: arn:aws:iam::{ACCOUNT}:user/u is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::{ACCOUNT}:user/ with an explicit deny in an identity-based policy"
        )
    );
    let raw = e
        .raw_response()
        .expect("raw")
        .body()
        .bytes()
        .expect("bytes");
    let body = String::from_utf8_lossy(raw).into_owned();
    let encoded = body
        .split("<EncodedAuthorizationMessage>")
        .nth(1)
        .and_then(|r| r.split("</EncodedAuthorizationMessage>").next())
        .expect("encoded message element")
        .to_owned();
    let e = sts(ep, &uk, &us)
        .decode_authorization_message()
        .encoded_message(&encoded)
        .send()
        .await
        .expect_err("u may not decode");
    assert_eq!(code(&e), "AccessDenied");
    let decoded = sts(ep, ROOT_KEY, ROOT_SECRET)
        .decode_authorization_message()
        .encoded_message(&encoded)
        .send()
        .await
        .expect("root decodes");
    let json: serde_json::Value =
        serde_json::from_str(decoded.decoded_message().expect("msg")).expect("json");
    assert_eq!(json["allowed"], false);
    assert_eq!(json["explicitDeny"], true);
    assert_eq!(
        json["matchedStatements"]["items"][0]["statementId"],
        "NoUsers"
    );
    assert_eq!(json["context"]["action"], "iam:ListUsers");
    let mut tampered = encoded.into_bytes();
    tampered[20] = if tampered[20] == b'A' { b'B' } else { b'A' };
    let e = sts(ep, ROOT_KEY, ROOT_SECRET)
        .decode_authorization_message()
        .encoded_message(String::from_utf8(tampered).expect("utf8"))
        .send()
        .await
        .expect_err("tampered");
    assert_eq!(code(&e), "InvalidAuthorizationMessageException");
}

/// Every kind of temporary credentials and every control on AssumeRole, through boto3
/// (`scripts/sts_boto3.py`), with a second account for the cross-account rules.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sts_with_boto3() {
    if !boto3_available() {
        return;
    }
    let s = sqlite().await;
    const PARTNER: &str = "345678901234";
    let (pk, ps) = add_account(&s, PARTNER).await;
    run_boto3_as_root(&s, "sts_boto3.py", vec![PARTNER.into(), pk, ps]).await;
    s.stop().await;
}

//! Two accounts on one deployment, with aws-sdk-sts/aws-sdk-iam: cross-account AssumeRole
//! needs both the role's trust policy and the caller's own identity policy; a third party
//! proves itself with an ExternalId; the session acts in the role's account and sees nothing
//! of the caller's; entities never leak between accounts.
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html>

use crate::support::*;

/// The second account (a partner / third party).
const PARTNER: &str = "210987654321";
const ROLE_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","iam:ListRoles"],"Resource":"*"}]}"#;

fn trust_of(principal: &str, condition: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{principal}"}},"Action":"sts:AssumeRole"{condition}}}]}}"#
    )
}

fn assume_policy(role_arn: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"{role_arn}"}}]}}"#
    )
}

async fn put_partner_policy(partner_root: &aws_sdk_iam::Client, document: Option<&str>) {
    match document {
        Some(d) => {
            partner_root
                .put_user_policy()
                .user_name("integrator")
                .policy_name("assume")
                .policy_document(d)
                .send()
                .await
                .expect("partner policy");
        }
        None => {
            partner_root
                .delete_user_policy()
                .user_name("integrator")
                .policy_name("assume")
                .send()
                .await
                .expect("delete partner policy");
        }
    }
}

fn out_account(out: &aws_sdk_sts::operation::assume_role::AssumeRoleOutput) -> &str {
    let arn = out.assumed_role_user().expect("user").arn();
    arn.split(':').nth(4).expect("account in the ARN")
}

pub async fn cross_account(s: &Server) {
    let ep = &s.endpoint;
    let (pk, ps) = add_account(s, PARTNER).await;
    let partner_root = iam(ep, &pk, &ps);
    let root = root_iam(s);

    // The partner's user, with no policy of its own yet.
    partner_root
        .create_user()
        .user_name("integrator")
        .send()
        .await
        .expect("partner user");
    let key = partner_root
        .create_access_key()
        .user_name("integrator")
        .send()
        .await
        .expect("partner key")
        .access_key
        .expect("key");
    let integrator = sts(ep, &key.access_key_id, &key.secret_access_key);
    let integrator_arn = format!("arn:aws:iam::{PARTNER}:user/integrator");

    // Accounts are separate: neither sees the other's users or roles.
    root.create_user()
        .user_name("local")
        .send()
        .await
        .expect("local user");
    let names = |users: &[aws_sdk_iam::types::User]| {
        users
            .iter()
            .map(|u| u.user_name().to_owned())
            .collect::<Vec<_>>()
    };
    let ours = root.list_users().send().await.expect("list");
    assert_eq!(names(ours.users()), ["local"]);
    let theirs = partner_root.list_users().send().await.expect("list");
    assert_eq!(names(theirs.users()), ["integrator"]);
    let e = partner_root
        .get_user()
        .user_name("local")
        .send()
        .await
        .expect_err("another account's user");
    assert_eq!(code(&e), "NoSuchEntity");
    let info = sts(ep, ROOT_KEY, ROOT_SECRET)
        .get_access_key_info()
        .access_key_id(&key.access_key_id)
        .send()
        .await
        .expect("access key info");
    assert_eq!(info.account(), Some(PARTNER));

    // A trust policy may name principals of another account; a user or role that does not
    // exist is refused, as AWS refuses it, in whichever account it is named.
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/Shared");
    root.create_role()
        .role_name("Shared")
        .assume_role_policy_document(trust_of(&format!("arn:aws:iam::{PARTNER}:root"), ""))
        .send()
        .await
        .expect("role trusting the partner account");
    root.put_role_policy()
        .role_name("Shared")
        .policy_name("p")
        .policy_document(ROLE_POLICY)
        .send()
        .await
        .expect("role policy");
    let e = root
        .create_role()
        .role_name("Ghost")
        .assume_role_policy_document(trust_of(&format!("arn:aws:iam::{PARTNER}:user/nobody"), ""))
        .send()
        .await
        .expect_err("missing principal in a held account");
    assert_eq!(code(&e), "MalformedPolicyDocument");
    assert!(message(&e).contains("Invalid principal in policy"), "{e:?}");
    let e = root
        .create_role()
        .role_name("Elsewhere")
        .assume_role_policy_document(trust_of("arn:aws:iam::999999999999:user/someone", ""))
        .send()
        .await
        .expect_err("a user of an account that does not exist");
    assert_eq!(code(&e), "MalformedPolicyDocument");
    root.create_role()
        .role_name("Later")
        .assume_role_policy_document(trust_of("arn:aws:iam::999999999999:root", ""))
        .send()
        .await
        .expect("an account may be trusted before it is added");

    // Cross-account: the trust policy alone is not enough — the partner's own account must
    // allow sts:AssumeRole too.
    let assume = |session: &'static str| {
        integrator
            .assume_role()
            .role_arn(&role_arn)
            .role_session_name(session)
            .send()
    };
    let e = assume("s1").await.expect_err("no identity policy");
    assert_eq!(code(&e), "AccessDenied");
    assert_eq!(
        message(&e),
        format!(
            "User: {integrator_arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
        )
    );
    // An identity policy for some other role does not help either.
    put_partner_policy(
        &partner_root,
        Some(&assume_policy(&format!(
            "arn:aws:iam::{ACCOUNT}:role/SomethingElse"
        ))),
    )
    .await;
    assert_eq!(
        code(&assume("s2").await.expect_err("wrong resource")),
        "AccessDenied"
    );

    put_partner_policy(&partner_root, Some(&assume_policy(&role_arn))).await;
    let out = assume("s3").await.expect("trust + identity policy");
    let creds = out.credentials.expect("credentials");
    assert_eq!(
        out.assumed_role_user.expect("user").arn(),
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/Shared/s3")
    );
    let me = sts_session(ep, &creds)
        .get_caller_identity()
        .send()
        .await
        .expect("whoami");
    assert_eq!(
        me.account(),
        Some(ACCOUNT),
        "the session acts in the role's account"
    );
    let seen = iam_session(ep, &creds)
        .list_users()
        .send()
        .await
        .expect("role policy");
    assert_eq!(
        names(seen.users()),
        ["local"],
        "the session sees the role's account, never the caller's"
    );
    let e = iam_session(ep, &creds)
        .create_user()
        .user_name("x")
        .send()
        .await
        .expect_err("the role allows no writes");
    assert_eq!(code(&e), "AccessDenied");
    let ak_info = sts(ep, ROOT_KEY, ROOT_SECRET)
        .get_access_key_info()
        .access_key_id(creds.access_key_id())
        .send()
        .await
        .expect("session key info");
    assert_eq!(ak_info.account(), Some(ACCOUNT));

    // Removing the partner's identity policy stops new sessions even if the trust policy
    // names the user exactly (same-account trust by ARN would suffice; cross-account not).
    root.update_assume_role_policy()
        .role_name("Shared")
        .policy_document(trust_of(&integrator_arn, ""))
        .send()
        .await
        .expect("trust the partner user by ARN");
    assume("s4")
        .await
        .expect("user named, identity policy allows");
    put_partner_policy(&partner_root, None).await;
    assert_eq!(
        code(&assume("s5").await.expect_err("no identity policy")),
        "AccessDenied"
    );

    // A role of the partner account that trusts only its own account refuses our users.
    partner_root
        .create_role()
        .role_name("Inward")
        .assume_role_policy_document(trust_of(&format!("arn:aws:iam::{PARTNER}:root"), ""))
        .send()
        .await
        .expect("partner role");
    root.put_user_policy()
        .user_name("local")
        .policy_name("p")
        .policy_document(assume_policy("*"))
        .send()
        .await
        .expect("local policy");
    let lk = root
        .create_access_key()
        .user_name("local")
        .send()
        .await
        .expect("key")
        .access_key
        .expect("key");
    let e = sts(ep, &lk.access_key_id, &lk.secret_access_key)
        .assume_role()
        .role_arn(format!("arn:aws:iam::{PARTNER}:role/Inward"))
        .role_session_name("local-session")
        .send()
        .await
        .expect_err("not trusted by the partner");
    assert_eq!(code(&e), "AccessDenied");

    // A third party: the trust names the partner account and demands an ExternalId.
    root.create_role()
        .role_name("Vendor")
        .assume_role_policy_document(trust_of(
            &format!("arn:aws:iam::{PARTNER}:root"),
            r#","Condition":{"StringEquals":{"sts:ExternalId":"partner-7d1f"}}"#,
        ))
        .send()
        .await
        .expect("vendor role");
    put_partner_policy(&partner_root, Some(&assume_policy("*"))).await;
    let vendor_arn = format!("arn:aws:iam::{ACCOUNT}:role/Vendor");
    let e = integrator
        .assume_role()
        .role_arn(&vendor_arn)
        .role_session_name("vendor")
        .send()
        .await
        .expect_err("no external id");
    assert_eq!(code(&e), "AccessDenied");
    let e = integrator
        .assume_role()
        .role_arn(&vendor_arn)
        .role_session_name("vendor")
        .external_id("partner-0000")
        .send()
        .await
        .expect_err("wrong external id");
    assert_eq!(code(&e), "AccessDenied");
    integrator
        .assume_role()
        .role_arn(&vendor_arn)
        .role_session_name("vendor")
        .external_id("partner-7d1f")
        .send()
        .await
        .expect("the right external id");

    // A trust of "*" admits any account's principal whose own policies allow it (AWS's
    // behaviour; the partner's policy allows sts:AssumeRole on "*" at this point).
    root.create_role()
        .role_name("Open")
        .assume_role_policy_document(trust_of("*", ""))
        .send()
        .await
        .expect("open role");
    let open = integrator
        .assume_role()
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/Open"))
        .role_session_name("anyone")
        .send()
        .await
        .expect("trust of *");
    assert_eq!(
        out_account(&open),
        ACCOUNT,
        "the session belongs to the role's account"
    );

    // The partner account's root may not assume roles, here or anywhere.
    let e = sts(ep, &pk, &ps)
        .assume_role()
        .role_arn(&vendor_arn)
        .role_session_name("root-try")
        .external_id("partner-7d1f")
        .send()
        .await
        .expect_err("root");
    assert_eq!(message(&e), "Roles may not be assumed by root accounts.");
}

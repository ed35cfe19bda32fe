//! Every call passes one authorization step: IAM users get exactly what their policies allow.

use crate::{sts::user_with_key, support::*};

pub async fn user_policies_are_enforced(s: &Server) {
    let root = root_iam(s);
    let (ak, sk) = user_with_key(s, "uma", None).await;
    let uma = iam(&s.endpoint, &ak, &sk);

    // No policy: everything IAM is denied, with AWS's message; GetCallerIdentity still works.
    let e = uma.list_users().send().await.expect_err("no policy");
    assert_eq!(code(&e), "AccessDenied");
    assert_eq!(
        message(&e),
        format!(
            "User: arn:aws:iam::{ACCOUNT}:user/uma is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::{ACCOUNT}:user/ because no identity-based policy allows the iam:ListUsers action"
        )
    );
    sts(&s.endpoint, &ak, &sk)
        .get_caller_identity()
        .send()
        .await
        .expect("never denied");

    // Self-service with ${aws:username}: uma may read and key-manage herself only.
    let self_service = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":["iam:GetUser","iam:ListAccessKeys"],"Resource":"arn:aws:iam::*:user/${aws:username}"},
        {"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}"#;
    root.put_user_policy()
        .user_name("uma")
        .policy_name("self")
        .policy_document(self_service)
        .send()
        .await
        .expect("policy");
    uma.list_users().send().await.expect("now allowed");
    uma.get_user().send().await.expect("own user");
    uma.list_access_keys().send().await.expect("own keys");
    root.create_user()
        .user_name("umar")
        .send()
        .await
        .expect("prefix sibling");
    let e = uma
        .get_user()
        .user_name("umar")
        .send()
        .await
        .expect_err("another user, sharing a prefix");
    assert_eq!(code(&e), "AccessDenied");

    // Explicit deny wins, with the explicit-deny wording.
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:ListUsers","Resource":"*"}]}"#;
    root.put_user_policy()
        .user_name("uma")
        .policy_name("deny")
        .policy_document(deny)
        .send()
        .await
        .expect("deny");
    let e = uma.list_users().send().await.expect_err("denied");
    assert!(
        message(&e).ends_with("with an explicit deny in an identity-based policy"),
        "{}",
        message(&e)
    );
    root.delete_user_policy()
        .user_name("uma")
        .policy_name("deny")
        .send()
        .await
        .expect("undeny");

    // Group policies apply to members; a managed policy attached to the group too.
    root.create_group()
        .group_name("readers")
        .send()
        .await
        .expect("group");
    root.attach_group_policy()
        .group_name("readers")
        .policy_arn("arn:aws:iam::aws:policy/IAMReadOnlyAccess")
        .send()
        .await
        .expect("attach");
    assert_eq!(
        code(&uma.list_roles().send().await.expect_err("not yet")),
        "AccessDenied"
    );
    root.add_user_to_group()
        .group_name("readers")
        .user_name("uma")
        .send()
        .await
        .expect("join");
    uma.list_roles().send().await.expect("via group");
    assert_eq!(
        code(
            &uma.create_role()
                .role_name("x")
                .assume_role_policy_document(trust_account(ACCOUNT))
                .send()
                .await
                .expect_err("read only")
        ),
        "AccessDenied"
    );

    // A permissions boundary caps what identity policies grant.
    root.put_user_policy()
        .user_name("uma")
        .policy_name("admin")
        .policy_document(ALLOW_ALL)
        .send()
        .await
        .expect("admin");
    uma.create_group()
        .group_name("by-uma")
        .send()
        .await
        .expect("admin may");
    let boundary = root
        .create_policy()
        .policy_name("read-only-boundary")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}]}"#)
        .send()
        .await
        .expect("boundary")
        .policy
        .expect("p");
    root.put_user_permissions_boundary()
        .user_name("uma")
        .permissions_boundary(boundary.arn().expect("arn"))
        .send()
        .await
        .expect("set boundary");
    let e = uma
        .create_group()
        .group_name("by-uma-2")
        .send()
        .await
        .expect_err("boundary");
    assert!(
        message(&e).ends_with("because no permissions boundary allows the iam:CreateGroup action"),
        "{}",
        message(&e)
    );
    uma.list_groups().send().await.expect("within boundary");
    root.delete_user_permissions_boundary()
        .user_name("uma")
        .send()
        .await
        .expect("remove boundary");
    uma.create_group()
        .group_name("by-uma-2")
        .send()
        .await
        .expect("boundary gone");

    // Conditions on request tags: may create users only when tagging them team=blue.
    root.delete_user_policy()
        .user_name("uma")
        .policy_name("admin")
        .send()
        .await
        .expect("no admin");
    let tagged = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateUser","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/team":"blue"}}}]}"#;
    root.put_user_policy()
        .user_name("uma")
        .policy_name("tagged")
        .policy_document(tagged)
        .send()
        .await
        .expect("policy");
    let t = |v: &str| {
        aws_sdk_iam::types::Tag::builder()
            .key("team")
            .value(v)
            .build()
            .expect("tag")
    };
    assert_eq!(
        code(
            &uma.create_user()
                .user_name("n1")
                .tags(t("red"))
                .send()
                .await
                .expect_err("wrong tag")
        ),
        "AccessDenied"
    );
    uma.create_user()
        .user_name("n1")
        .tags(t("blue"))
        .send()
        .await
        .expect("right tag");

    // Policy changes apply at once to a live key.
    root.remove_user_from_group()
        .group_name("readers")
        .user_name("uma")
        .send()
        .await
        .expect("leave");
    root.delete_user_policy()
        .user_name("uma")
        .policy_name("self")
        .send()
        .await
        .expect("revoke");
    assert_eq!(
        code(&uma.list_users().send().await.expect_err("revoked")),
        "AccessDenied"
    );
}

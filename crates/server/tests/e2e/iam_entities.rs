//! The IAM entity API through aws-sdk-iam.

use aws_sdk_iam::types::Tag;

use crate::support::*;

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build().expect("tag")
}

pub fn decode_doc(s: &str) -> serde_json::Value {
    let decoded = percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .expect("utf8");
    serde_json::from_str(&decoded).expect("json document")
}

pub async fn users_lifecycle(s: &Server) {
    let iam = root_iam(s);
    let u = iam
        .create_user()
        .user_name("alice")
        .path("/eng/")
        .tags(tag("team", "blue"))
        .send()
        .await
        .expect("create")
        .user
        .expect("user");
    assert_eq!(u.arn(), format!("arn:aws:iam::{ACCOUNT}:user/eng/alice"));
    assert!(u.user_id().starts_with("AIDA") && u.user_id().len() == 21);
    let e = iam
        .create_user()
        .user_name("ALICE")
        .send()
        .await
        .expect_err("duplicate");
    assert_eq!(code(&e), "EntityAlreadyExists");
    assert_eq!(message(&e), "User with name ALICE already exists.");

    let got = iam
        .get_user()
        .user_name("Alice")
        .send()
        .await
        .expect("get")
        .user
        .expect("user");
    assert_eq!(got.user_name(), "alice");
    assert_eq!(got.tags().len(), 1);

    for n in ["bob", "carol", "dave", "erin"] {
        iam.create_user().user_name(n).send().await.expect("create");
    }
    // Pagination with markers returns everything exactly once.
    let mut names = Vec::new();
    let mut marker = None;
    loop {
        let page = iam
            .list_users()
            .max_items(2)
            .set_marker(marker.clone())
            .send()
            .await
            .expect("list");
        names.extend(page.users().iter().map(|u| u.user_name().to_owned()));
        if !page.is_truncated() {
            break;
        }
        marker = page.marker().map(str::to_owned);
        assert!(marker.is_some());
    }
    assert_eq!(names, ["alice", "bob", "carol", "dave", "erin"]);
    let eng = iam
        .list_users()
        .path_prefix("/eng/")
        .send()
        .await
        .expect("list");
    assert_eq!(eng.users().len(), 1);
    let e = iam
        .list_users()
        .marker("forged!")
        .send()
        .await
        .expect_err("bad marker");
    assert_eq!(code(&e), "InvalidInput");

    iam.tag_user()
        .user_name("bob")
        .tags(tag("Env", "dev"))
        .tags(tag("cost", "1"))
        .send()
        .await
        .expect("tag");
    iam.tag_user()
        .user_name("bob")
        .tags(tag("env", "prod"))
        .send()
        .await
        .expect("retag, keys case-insensitive");
    let tags = iam
        .list_user_tags()
        .user_name("bob")
        .send()
        .await
        .expect("tags");
    let kv: Vec<(String, String)> = tags
        .tags()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect();
    assert_eq!(
        kv,
        [
            ("cost".to_owned(), "1".to_owned()),
            ("env".to_owned(), "prod".to_owned())
        ]
    );
    iam.untag_user()
        .user_name("bob")
        .tag_keys("COST")
        .send()
        .await
        .expect("untag");
    assert_eq!(
        iam.list_user_tags()
            .user_name("bob")
            .send()
            .await
            .expect("tags")
            .tags()
            .len(),
        1
    );

    iam.update_user()
        .user_name("bob")
        .new_user_name("robert")
        .new_path("/ops/")
        .send()
        .await
        .expect("rename");
    assert_eq!(
        code(
            &iam.get_user()
                .user_name("bob")
                .send()
                .await
                .expect_err("gone")
        ),
        "NoSuchEntity"
    );
    let r = iam
        .get_user()
        .user_name("robert")
        .send()
        .await
        .expect("renamed")
        .user
        .expect("user");
    assert_eq!(r.arn(), format!("arn:aws:iam::{ACCOUNT}:user/ops/robert"));

    iam.delete_user()
        .user_name("robert")
        .send()
        .await
        .expect("delete");
    let e = iam
        .get_user()
        .user_name("robert")
        .send()
        .await
        .expect_err("deleted");
    assert_eq!(code(&e), "NoSuchEntity");
    assert_eq!(message(&e), "The user with name robert cannot be found.");
}

pub async fn groups_and_membership(s: &Server) {
    let iam = root_iam(s);
    iam.create_group()
        .group_name("devs")
        .send()
        .await
        .expect("group");
    iam.create_user()
        .user_name("gina")
        .send()
        .await
        .expect("user");
    iam.add_user_to_group()
        .group_name("DEVS")
        .user_name("gina")
        .send()
        .await
        .expect("join");
    let g = iam
        .get_group()
        .group_name("devs")
        .send()
        .await
        .expect("get");
    assert_eq!(g.users().len(), 1);
    assert_eq!(
        iam.list_groups_for_user()
            .user_name("gina")
            .send()
            .await
            .expect("groups")
            .groups()
            .len(),
        1
    );

    let e = iam
        .delete_group()
        .group_name("devs")
        .send()
        .await
        .expect_err("has members");
    assert_eq!(code(&e), "DeleteConflict");
    let e = iam
        .delete_user()
        .user_name("gina")
        .send()
        .await
        .expect_err("in a group");
    assert_eq!(code(&e), "DeleteConflict");

    iam.update_group()
        .group_name("devs")
        .new_group_name("developers")
        .send()
        .await
        .expect("rename");
    let groups = iam
        .list_groups_for_user()
        .user_name("gina")
        .send()
        .await
        .expect("groups");
    assert_eq!(
        groups.groups()[0].group_name(),
        "developers",
        "membership follows the rename"
    );

    iam.remove_user_from_group()
        .group_name("developers")
        .user_name("gina")
        .send()
        .await
        .expect("leave");
    iam.delete_group()
        .group_name("developers")
        .send()
        .await
        .expect("delete");
    iam.delete_user()
        .user_name("gina")
        .send()
        .await
        .expect("delete user");
}

pub async fn roles_lifecycle(s: &Server) {
    let iam = root_iam(s);
    let trust = trust_account(ACCOUNT);
    let role = iam
        .create_role()
        .role_name("app")
        .path("/svc/")
        .assume_role_policy_document(&trust)
        .description("the app")
        .tags(tag("team", "a"))
        .send()
        .await
        .expect("create")
        .role
        .expect("role");
    assert!(role.role_id().starts_with("AROA"));
    assert_eq!(role.max_session_duration(), Some(3600));
    let got = iam
        .get_role()
        .role_name("app")
        .send()
        .await
        .expect("get")
        .role
        .expect("role");
    assert_eq!(
        decode_doc(got.assume_role_policy_document().expect("doc")),
        serde_json::from_str::<serde_json::Value>(&trust).expect("json")
    );
    assert_eq!(got.description(), Some("the app"));

    let e = iam
        .create_role()
        .role_name("x")
        .assume_role_policy_document(&trust)
        .max_session_duration(100)
        .send()
        .await
        .expect_err("too short");
    assert_eq!(code(&e), "ValidationError");
    assert!(
        message(&e).contains("Member must have value greater than or equal to 3600"),
        "{}",
        message(&e)
    );

    iam.update_role()
        .role_name("app")
        .max_session_duration(43200)
        .description("d2")
        .send()
        .await
        .expect("update");
    let got = iam
        .get_role()
        .role_name("app")
        .send()
        .await
        .expect("get")
        .role
        .expect("role");
    assert_eq!(got.max_session_duration(), Some(43200));

    let bad_principal = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/nobody"},"Action":"sts:AssumeRole"}]}"#;
    let e = iam
        .update_assume_role_policy()
        .role_name("app")
        .policy_document(bad_principal)
        .send()
        .await
        .expect_err("no such user");
    assert_eq!(code(&e), "MalformedPolicyDocument");
    assert_eq!(
        message(&e),
        "Invalid principal in policy: \"AWS\":\"arn:aws:iam::123456789012:user/nobody\""
    );
    let with_resource = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Resource":"*"}]}"#;
    let e = iam
        .update_assume_role_policy()
        .role_name("app")
        .policy_document(with_resource)
        .send()
        .await
        .expect_err("resource");
    assert_eq!(message(&e), "Has prohibited field Resource.");

    iam.put_role_policy()
        .role_name("app")
        .policy_name("inline")
        .policy_document(ALLOW_ALL)
        .send()
        .await
        .expect("inline");
    let e = iam
        .delete_role()
        .role_name("app")
        .send()
        .await
        .expect_err("has policy");
    assert_eq!(
        (code(&e), message(&e)),
        (
            "DeleteConflict".to_owned(),
            "Cannot delete entity, must delete policies first.".to_owned()
        )
    );
    iam.delete_role_policy()
        .role_name("app")
        .policy_name("inline")
        .send()
        .await
        .expect("delete inline");
    iam.delete_role()
        .role_name("app")
        .send()
        .await
        .expect("delete");
    assert_eq!(
        code(
            &iam.get_role()
                .role_name("app")
                .send()
                .await
                .expect_err("gone")
        ),
        "NoSuchEntity"
    );
}

pub async fn managed_policies_and_versions(s: &Server) {
    let iam = root_iam(s);
    let p = iam
        .create_policy()
        .policy_name("p1")
        .path("/team/")
        .policy_document(ALLOW_ALL)
        .send()
        .await
        .expect("create")
        .policy
        .expect("policy");
    let arn = p.arn().expect("arn").to_owned();
    assert_eq!(arn, format!("arn:aws:iam::{ACCOUNT}:policy/team/p1"));
    assert_eq!(p.default_version_id(), Some("v1"));
    let e = iam
        .create_policy()
        .policy_name("P1")
        .policy_document(ALLOW_ALL)
        .send()
        .await
        .expect_err("dup");
    assert_eq!(code(&e), "EntityAlreadyExists");

    for n in 2..=5 {
        let v = iam
            .create_policy_version()
            .policy_arn(&arn)
            .policy_document(ALLOW_ALL)
            .send()
            .await
            .expect("version")
            .policy_version
            .expect("v");
        assert_eq!(v.version_id(), Some(format!("v{n}").as_str()));
    }
    let e = iam
        .create_policy_version()
        .policy_arn(&arn)
        .policy_document(ALLOW_ALL)
        .send()
        .await
        .expect_err("sixth");
    assert_eq!(code(&e), "LimitExceeded");
    iam.set_default_policy_version()
        .policy_arn(&arn)
        .version_id("v3")
        .send()
        .await
        .expect("default");
    let e = iam
        .delete_policy_version()
        .policy_arn(&arn)
        .version_id("v3")
        .send()
        .await
        .expect_err("default");
    assert_eq!(
        (code(&e), message(&e)),
        (
            "DeleteConflict".to_owned(),
            "Cannot delete the default version of a policy.".to_owned()
        )
    );
    iam.delete_policy_version()
        .policy_arn(&arn)
        .version_id("v1")
        .send()
        .await
        .expect("delete v1");
    let versions = iam
        .list_policy_versions()
        .policy_arn(&arn)
        .send()
        .await
        .expect("versions");
    assert_eq!(versions.versions().len(), 4);
    assert_eq!(
        versions
            .versions()
            .iter()
            .filter(|v| v.is_default_version())
            .count(),
        1
    );
    let v = iam
        .get_policy_version()
        .policy_arn(&arn)
        .version_id("v3")
        .send()
        .await
        .expect("get")
        .policy_version
        .expect("v");
    assert_eq!(
        decode_doc(v.document().expect("doc"))["Statement"][0]["Action"],
        "*"
    );

    let e = iam
        .delete_policy()
        .policy_arn(&arn)
        .send()
        .await
        .expect_err("versions remain");
    assert_eq!(code(&e), "DeleteConflict");

    // AWS managed policies: built in, readable, attachable, not modifiable.
    let s3ro = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
    let aws = iam
        .get_policy()
        .policy_arn(s3ro)
        .send()
        .await
        .expect("aws policy")
        .policy
        .expect("p");
    assert_eq!(aws.policy_name(), Some("AmazonS3ReadOnlyAccess"));
    let doc = iam
        .get_policy_version()
        .policy_arn(s3ro)
        .version_id(aws.default_version_id().expect("v"))
        .send()
        .await
        .expect("doc");
    assert!(
        decode_doc(
            doc.policy_version()
                .and_then(|v| v.document())
                .expect("doc")
        )["Statement"][0]["Action"]
            .to_string()
            .contains("s3:Get*")
    );
    let e = iam
        .create_policy_version()
        .policy_arn(s3ro)
        .policy_document(ALLOW_ALL)
        .send()
        .await
        .expect_err("aws managed");
    assert_eq!(code(&e), "UnmodifiableEntity");
    for name in [
        "AdministratorAccess",
        "PowerUserAccess",
        "ReadOnlyAccess",
        "IAMFullAccess",
        "IAMReadOnlyAccess",
        "AmazonS3FullAccess",
    ] {
        iam.get_policy()
            .policy_arn(format!("arn:aws:iam::aws:policy/{name}"))
            .send()
            .await
            .expect(name);
    }
    let aws_list = iam
        .list_policies()
        .scope(aws_sdk_iam::types::PolicyScopeType::Aws)
        .send()
        .await
        .expect("list aws");
    assert!(aws_list.policies().len() >= 7);
    let local = iam
        .list_policies()
        .scope(aws_sdk_iam::types::PolicyScopeType::Local)
        .send()
        .await
        .expect("list local");
    assert_eq!(local.policies().len(), 1);

    iam.create_user()
        .user_name("pat")
        .send()
        .await
        .expect("user");
    iam.attach_user_policy()
        .user_name("pat")
        .policy_arn(s3ro)
        .send()
        .await
        .expect("attach aws");
    iam.attach_user_policy()
        .user_name("pat")
        .policy_arn(&arn)
        .send()
        .await
        .expect("attach local");
    assert_eq!(
        iam.get_policy()
            .policy_arn(s3ro)
            .send()
            .await
            .expect("p")
            .policy
            .expect("p")
            .attachment_count(),
        Some(1)
    );
    let ents = iam
        .list_entities_for_policy()
        .policy_arn(&arn)
        .send()
        .await
        .expect("entities");
    assert_eq!(ents.policy_users().len(), 1);
    let e = iam
        .attach_user_policy()
        .user_name("pat")
        .policy_arn(format!("arn:aws:iam::{ACCOUNT}:policy/nope"))
        .send()
        .await
        .expect_err("missing");
    assert_eq!(code(&e), "NoSuchEntity");
    iam.detach_user_policy()
        .user_name("pat")
        .policy_arn(&arn)
        .send()
        .await
        .expect("detach");
    for v in ["v2", "v4", "v5"] {
        iam.delete_policy_version()
            .policy_arn(&arn)
            .version_id(v)
            .send()
            .await
            .expect("delete version");
    }
    iam.delete_policy()
        .policy_arn(&arn)
        .send()
        .await
        .expect("delete policy");
}

pub async fn inline_and_attached_policies(s: &Server) {
    let iam = root_iam(s);
    iam.create_user()
        .user_name("ivy")
        .send()
        .await
        .expect("user");
    iam.put_user_policy()
        .user_name("ivy")
        .policy_name("a")
        .policy_document(ALLOW_ALL)
        .send()
        .await
        .expect("put");
    let got = iam
        .get_user_policy()
        .user_name("ivy")
        .policy_name("a")
        .send()
        .await
        .expect("get");
    assert_eq!(
        decode_doc(got.policy_document()),
        serde_json::from_str::<serde_json::Value>(ALLOW_ALL).expect("json")
    );
    assert_eq!(
        iam.list_user_policies()
            .user_name("ivy")
            .send()
            .await
            .expect("list")
            .policy_names(),
        ["a"]
    );
    let big = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::{}"}}]}}"#,
        "x".repeat(2100)
    );
    let e = iam
        .put_user_policy()
        .user_name("ivy")
        .policy_name("big")
        .policy_document(&big)
        .send()
        .await
        .expect_err("too big");
    assert_eq!(
        (code(&e), message(&e)),
        (
            "LimitExceeded".to_owned(),
            "Maximum policy size of 2048 bytes exceeded for user ivy".to_owned()
        )
    );

    // The attachment quota: ten managed policies.
    for n in 0..10 {
        let p = iam
            .create_policy()
            .policy_name(format!("q{n}"))
            .policy_document(ALLOW_ALL)
            .send()
            .await
            .expect("policy")
            .policy
            .expect("p");
        iam.attach_user_policy()
            .user_name("ivy")
            .policy_arn(p.arn().expect("arn"))
            .send()
            .await
            .expect("attach");
    }
    let e = iam
        .attach_user_policy()
        .user_name("ivy")
        .policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
        .send()
        .await
        .expect_err("eleventh");
    assert_eq!(
        (code(&e), message(&e)),
        (
            "LimitExceeded".to_owned(),
            "Cannot exceed quota for PoliciesPerUser: 10".to_owned()
        )
    );
    let attached = iam
        .list_attached_user_policies()
        .user_name("ivy")
        .send()
        .await
        .expect("attached");
    assert_eq!(attached.attached_policies().len(), 10);
    let e = iam
        .delete_user()
        .user_name("ivy")
        .send()
        .await
        .expect_err("conflict");
    assert_eq!(code(&e), "DeleteConflict");
}

pub async fn access_keys(s: &Server) {
    let iam = root_iam(s);
    iam.create_user()
        .user_name("kim")
        .send()
        .await
        .expect("user");
    let k1 = iam
        .create_access_key()
        .user_name("kim")
        .send()
        .await
        .expect("key")
        .access_key
        .expect("k");
    assert!(k1.access_key_id().starts_with("AKIA") && k1.access_key_id().len() == 20);
    assert_eq!(k1.secret_access_key().len(), 40);
    let k2 = iam
        .create_access_key()
        .user_name("kim")
        .send()
        .await
        .expect("key 2")
        .access_key
        .expect("k");
    let e = iam
        .create_access_key()
        .user_name("kim")
        .send()
        .await
        .expect_err("third");
    assert_eq!(
        (code(&e), message(&e)),
        (
            "LimitExceeded".to_owned(),
            "Cannot exceed quota for AccessKeysPerUser: 2".to_owned()
        )
    );

    // The new key authenticates as kim; GetCallerIdentity needs no permission.
    let kim = sts(&s.endpoint, k1.access_key_id(), k1.secret_access_key());
    let me = kim.get_caller_identity().send().await.expect("whoami");
    assert_eq!(
        me.arn(),
        Some(format!("arn:aws:iam::{ACCOUNT}:user/kim").as_str())
    );
    assert_eq!(me.account(), Some(ACCOUNT));

    let listed = iam
        .list_access_keys()
        .user_name("kim")
        .send()
        .await
        .expect("list");
    assert_eq!(listed.access_key_metadata().len(), 2);
    let used = iam
        .get_access_key_last_used()
        .access_key_id(k1.access_key_id())
        .send()
        .await
        .expect("last used");
    assert_eq!(used.user_name(), Some("kim"));

    iam.update_access_key()
        .user_name("kim")
        .access_key_id(k1.access_key_id())
        .status(aws_sdk_iam::types::StatusType::Inactive)
        .send()
        .await
        .expect("deactivate");
    let e = kim
        .get_caller_identity()
        .send()
        .await
        .expect_err("inactive key");
    assert_eq!(code(&e), "InvalidClientTokenId");
    iam.delete_access_key()
        .user_name("kim")
        .access_key_id(k2.access_key_id())
        .send()
        .await
        .expect("delete");
    let e = iam
        .delete_access_key()
        .user_name("kim")
        .access_key_id(k2.access_key_id())
        .send()
        .await
        .expect_err("gone");
    assert_eq!(code(&e), "NoSuchEntity");
    let gone = sts(&s.endpoint, k2.access_key_id(), k2.secret_access_key());
    assert_eq!(
        code(
            &gone
                .get_caller_identity()
                .send()
                .await
                .expect_err("deleted key")
        ),
        "InvalidClientTokenId"
    );
}

pub async fn instance_profiles(s: &Server) {
    let iam = root_iam(s);
    iam.create_role()
        .role_name("ec2")
        .assume_role_policy_document(trust_account(ACCOUNT))
        .send()
        .await
        .expect("role");
    iam.create_role()
        .role_name("ec2b")
        .assume_role_policy_document(trust_account(ACCOUNT))
        .send()
        .await
        .expect("role");
    let p = iam
        .create_instance_profile()
        .instance_profile_name("web")
        .send()
        .await
        .expect("profile")
        .instance_profile
        .expect("p");
    assert!(p.instance_profile_id().starts_with("AIPA"));
    iam.add_role_to_instance_profile()
        .instance_profile_name("web")
        .role_name("ec2")
        .send()
        .await
        .expect("add");
    let e = iam
        .add_role_to_instance_profile()
        .instance_profile_name("web")
        .role_name("ec2b")
        .send()
        .await
        .expect_err("second role");
    assert_eq!(code(&e), "LimitExceeded");
    let got = iam
        .get_instance_profile()
        .instance_profile_name("web")
        .send()
        .await
        .expect("get")
        .instance_profile
        .expect("p");
    assert_eq!(got.roles().len(), 1);
    assert_eq!(
        iam.list_instance_profiles_for_role()
            .role_name("ec2")
            .send()
            .await
            .expect("for role")
            .instance_profiles()
            .len(),
        1
    );
    let e = iam
        .delete_role()
        .role_name("ec2")
        .send()
        .await
        .expect_err("in profile");
    assert_eq!(
        message(&e),
        "Cannot delete entity, must remove roles from instance profile first."
    );
    let e = iam
        .delete_instance_profile()
        .instance_profile_name("web")
        .send()
        .await
        .expect_err("has role");
    assert_eq!(code(&e), "DeleteConflict");
    iam.remove_role_from_instance_profile()
        .instance_profile_name("web")
        .role_name("ec2")
        .send()
        .await
        .expect("remove");
    iam.delete_instance_profile()
        .instance_profile_name("web")
        .send()
        .await
        .expect("delete");
    iam.delete_role()
        .role_name("ec2")
        .send()
        .await
        .expect("delete role");
}

pub async fn bad_input_changes_nothing(s: &Server) {
    let iam = root_iam(s);
    let e = iam
        .create_user()
        .user_name("taggy")
        .tags(tag("aws:reserved", "x"))
        .send()
        .await
        .expect_err("reserved tag");
    assert_eq!(code(&e), "InvalidInput");
    let e = iam
        .create_user()
        .user_name("taggy")
        .tags(tag("a", "1"))
        .tags(tag("A", "2"))
        .send()
        .await
        .expect_err("duplicate tag");
    assert_eq!(code(&e), "InvalidInput");
    let many: Vec<Tag> = (0..51).map(|n| tag(&format!("k{n}"), "v")).collect();
    let e = iam
        .create_user()
        .user_name("taggy")
        .set_tags(Some(many))
        .send()
        .await
        .expect_err("51 tags");
    assert_eq!(code(&e), "ValidationError");
    assert_eq!(
        code(
            &iam.get_user()
                .user_name("taggy")
                .send()
                .await
                .expect_err("nothing created")
        ),
        "NoSuchEntity"
    );

    let e = iam
        .create_user()
        .user_name("bad name")
        .send()
        .await
        .expect_err("name");
    assert_eq!(code(&e), "ValidationError");
    assert_eq!(
        message(&e),
        "1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
    );
    let e = iam
        .create_user()
        .user_name("x".repeat(65))
        .send()
        .await
        .expect_err("long");
    assert!(message(&e).contains("Member must have length less than or equal to 64"));

    let malformed = [
        ("{", "Syntax errors in policy."),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*"}]}"#,
            "Policy statement must contain resources.",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
            "Policy document should not specify a principal.",
        ),
        (
            r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            "Policy document must be version 2012-10-17 or greater.",
        ),
    ];
    for (doc, why) in malformed {
        let e = iam
            .create_policy()
            .policy_name("bad")
            .policy_document(doc)
            .send()
            .await
            .expect_err(doc);
        assert_eq!(
            (code(&e), message(&e)),
            ("MalformedPolicyDocument".to_owned(), why.to_owned()),
            "{doc}"
        );
    }
    assert!(
        iam.list_policies()
            .scope(aws_sdk_iam::types::PolicyScopeType::Local)
            .send()
            .await
            .expect("list")
            .policies()
            .is_empty()
    );
    let big = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::{}"}}]}}"#,
        "x".repeat(6100)
    );
    let e = iam
        .create_policy()
        .policy_name("big")
        .policy_document(&big)
        .send()
        .await
        .expect_err("size");
    assert_eq!(
        (code(&e), message(&e)),
        (
            "LimitExceeded".to_owned(),
            "Cannot exceed quota for PolicySize: 6144".to_owned()
        )
    );

    let e = iam
        .create_role()
        .role_name("r")
        .assume_role_policy_document("{}")
        .send()
        .await
        .expect_err("bad trust");
    assert_eq!(code(&e), "MalformedPolicyDocument");
    assert_eq!(
        code(
            &iam.get_role()
                .role_name("r")
                .send()
                .await
                .expect_err("nothing created")
        ),
        "NoSuchEntity"
    );
    let e = iam
        .create_user()
        .user_name("bounded")
        .permissions_boundary(format!("arn:aws:iam::{ACCOUNT}:policy/missing"))
        .send()
        .await
        .expect_err("boundary");
    assert_eq!(code(&e), "NoSuchEntity");
    assert_eq!(
        code(
            &iam.get_user()
                .user_name("bounded")
                .send()
                .await
                .expect_err("nothing created")
        ),
        "NoSuchEntity"
    );
}

pub async fn account_views(s: &Server) {
    let iam = root_iam(s);
    iam.create_user()
        .user_name("vic")
        .send()
        .await
        .expect("user");
    iam.create_group()
        .group_name("g")
        .send()
        .await
        .expect("group");
    iam.add_user_to_group()
        .group_name("g")
        .user_name("vic")
        .send()
        .await
        .expect("join");
    iam.create_role()
        .role_name("r")
        .assume_role_policy_document(trust_account(ACCOUNT))
        .send()
        .await
        .expect("role");
    iam.attach_role_policy()
        .role_name("r")
        .policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
        .send()
        .await
        .expect("attach");
    let d = iam
        .get_account_authorization_details()
        .send()
        .await
        .expect("details");
    assert_eq!(d.user_detail_list().len(), 1);
    assert_eq!(d.user_detail_list()[0].group_list(), ["g"]);
    assert_eq!(d.group_detail_list().len(), 1);
    assert_eq!(d.role_detail_list().len(), 1);
    assert!(
        d.policies()
            .iter()
            .any(|p| p.policy_name() == Some("ReadOnlyAccess"))
    );
    let summary = iam.get_account_summary().send().await.expect("summary");
    let map = summary.summary_map().expect("map");
    assert_eq!(
        map.get(&aws_sdk_iam::types::SummaryKeyType::Users),
        Some(&1)
    );
    assert_eq!(
        map.get(&aws_sdk_iam::types::SummaryKeyType::Roles),
        Some(&1)
    );
}

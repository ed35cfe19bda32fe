//! Console passwords (login profiles, ChangePassword, the account password policy) and account
//! aliases: aws-sdk-rust for the shapes, boto3 for the rules (`scripts/passwords_boto3.py`).

use crate::support::*;

const PARTNER: &str = "313131313131";

pub async fn passwords_and_aliases(s: &Server) {
    let iam = root_iam(s);
    // The Rust SDK reads every shape.
    iam.create_user()
        .user_name("sdk-user")
        .send()
        .await
        .expect("user");
    let created = iam
        .create_login_profile()
        .user_name("sdk-user")
        .password("Sdk-Password-1")
        .password_reset_required(true)
        .send()
        .await
        .expect("login profile");
    let profile = created.login_profile().expect("profile");
    assert_eq!(profile.user_name(), "sdk-user");
    assert!(profile.password_reset_required());
    let got = iam
        .get_login_profile()
        .user_name("sdk-user")
        .send()
        .await
        .expect("get");
    assert_eq!(got.login_profile().map(|p| p.user_name()), Some("sdk-user"));
    iam.update_account_password_policy()
        .minimum_password_length(10)
        .require_numbers(true)
        .max_password_age(30)
        .send()
        .await
        .expect("policy");
    let policy = iam
        .get_account_password_policy()
        .send()
        .await
        .expect("get policy");
    let policy = policy.password_policy().expect("policy");
    assert_eq!(policy.minimum_password_length(), Some(10));
    assert!(policy.require_numbers() && !policy.require_symbols());
    assert_eq!(policy.max_password_age(), Some(30));
    assert!(policy.expire_passwords());
    let e = iam
        .update_login_profile()
        .user_name("sdk-user")
        .password("no-digits-here")
        .send()
        .await
        .expect_err("policy violation");
    assert_eq!(code(&e), "PasswordPolicyViolation");
    iam.delete_login_profile()
        .user_name("sdk-user")
        .send()
        .await
        .expect("delete profile");
    iam.delete_account_password_policy()
        .send()
        .await
        .expect("delete policy");
    iam.delete_user()
        .user_name("sdk-user")
        .send()
        .await
        .expect("delete user");

    if boto3_available() {
        let (pk, ps) = add_account(s, PARTNER).await;
        run_boto3_as_root(s, "passwords_boto3.py", vec![pk, ps]).await;
    }
}

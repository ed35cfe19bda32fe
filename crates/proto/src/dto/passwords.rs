//! Console passwords: login profiles
//! (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateLoginProfile.html> and
//! siblings), a user changing its own (`ChangePassword`), and the account's password policy
//! (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateAccountPasswordPolicy.html>).
//! Passwords are [`Secret`]s: never printed, recorded or quoted in an error.

use time::OffsetDateTime;

use crate::{Secret, dto::c::*, shape, structure};

structure!(CreateLoginProfileInput {
    user_name: Option<String> = "UserName" [LEN_1_64, NAME],
    password: Option<Secret> = "Password" [LEN_PASSWORD, PASSWORD],
    password_reset_required: Option<bool> = "PasswordResetRequired",
});
shape!(LoginProfile {
    user_name: String = "UserName",
    create_date: Option<OffsetDateTime> = "CreateDate",
    password_reset_required: Option<bool> = "PasswordResetRequired",
});
shape!(LoginProfileOutput {
    login_profile: LoginProfile = "LoginProfile"
});

structure!(GetLoginProfileInput { user_name: Option<String> = "UserName" [LEN_1_64, NAME] });
structure!(UpdateLoginProfileInput {
    user_name: String = "UserName" [LEN_1_64, NAME],
    password: Option<Secret> = "Password" [LEN_PASSWORD, PASSWORD],
    password_reset_required: Option<bool> = "PasswordResetRequired",
});
structure!(DeleteLoginProfileInput { user_name: Option<String> = "UserName" [LEN_1_64, NAME] });

structure!(ChangePasswordInput {
    old_password: Secret = "OldPassword" [LEN_PASSWORD, PASSWORD],
    new_password: Secret = "NewPassword" [LEN_PASSWORD, PASSWORD],
});

structure!(UpdateAccountPasswordPolicyInput {
    minimum_password_length: Option<i64> = "MinimumPasswordLength" [MIN_PASSWORD_LENGTH],
    require_symbols: Option<bool> = "RequireSymbols",
    require_numbers: Option<bool> = "RequireNumbers",
    require_uppercase_characters: Option<bool> = "RequireUppercaseCharacters",
    require_lowercase_characters: Option<bool> = "RequireLowercaseCharacters",
    allow_users_to_change_password: Option<bool> = "AllowUsersToChangePassword",
    max_password_age: Option<i64> = "MaxPasswordAge" [MAX_PASSWORD_AGE],
    password_reuse_prevention: Option<i64> = "PasswordReusePrevention" [PASSWORD_REUSE],
    hard_expiry: Option<bool> = "HardExpiry",
});
structure!(GetAccountPasswordPolicyInput {});
structure!(DeleteAccountPasswordPolicyInput {});
shape!(PasswordPolicy {
    minimum_password_length: Option<i64> = "MinimumPasswordLength",
    require_symbols: Option<bool> = "RequireSymbols",
    require_numbers: Option<bool> = "RequireNumbers",
    require_uppercase_characters: Option<bool> = "RequireUppercaseCharacters",
    require_lowercase_characters: Option<bool> = "RequireLowercaseCharacters",
    allow_users_to_change_password: Option<bool> = "AllowUsersToChangePassword",
    expire_passwords: Option<bool> = "ExpirePasswords",
    max_password_age: Option<i64> = "MaxPasswordAge",
    password_reuse_prevention: Option<i64> = "PasswordReusePrevention",
    hard_expiry: Option<bool> = "HardExpiry",
});
shape!(GetAccountPasswordPolicyOutput {
    password_policy: PasswordPolicy = "PasswordPolicy"
});

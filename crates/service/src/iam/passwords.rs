//! Console passwords: login profiles, a user changing its own password, and the account's
//! password policy, enforced on every password set.
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateLoginProfile.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_ChangePassword.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html>.
//!
//! Passwords are hashed with Argon2id (RFC 9106's second recommended parameters, as the
//! `argon2` crate's defaults: 19 MiB, 2 passes) on the blocking pool, stored as PHC strings,
//! never returned. A user's old password, checked by ChangePassword, is guarded by the
//! guessing throttle ([`crate::throttle`]) like an MFA code.

use argon2::{
    Argon2,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
};
use rolegate_proto::{Secret, dto::passwords::*};
use rolegate_store::{Secret as StoredSecret, record};

use crate::{
    Identity, Service,
    error::{Result, ServiceError},
    handler::{Needs, handlers},
    iam::{Ctx, key_of, not_found, ts},
    ids, throttle,
    tx::Tx,
};

handlers! {
    CreateLoginProfileInput => LoginProfileOutput: create_login_profile,
        needs |i, _| Needs::user(i.user_name.as_deref());
    GetLoginProfileInput => LoginProfileOutput: get_login_profile,
        needs |i, _| Needs::user(i.user_name.as_deref());
    UpdateLoginProfileInput: update_login_profile,
        needs |i, _| Needs::user(Some(&i.user_name));
    DeleteLoginProfileInput: delete_login_profile,
        needs |i, _| Needs::user(i.user_name.as_deref());
    // The caller's own user. A session is refused before authorization (it names no user);
    // the root user is refused by the handler (InvalidUserType) before it reads anything.
    ChangePasswordInput: change_password,
        needs |i, _| Needs::user(None);
    UpdateAccountPasswordPolicyInput: update_account_password_policy,
        needs |i, _| Needs::any();
    GetAccountPasswordPolicyInput => GetAccountPasswordPolicyOutput: get_account_password_policy,
        needs |i, _| Needs::any();
    DeleteAccountPasswordPolicyInput: delete_account_password_policy,
        needs |i, _| Needs::any();
}

/// AWS's symbols for `RequireSymbols` (and the default policy's character types).
const SYMBOLS: &str = "!@#$%^&*()_+-=[]{}|'";
/// How many earlier passwords a profile keeps for reuse prevention (the policy's maximum).
const HISTORY: usize = 24;

/// The rules a password is checked against: the account's policy, or AWS's default when it
/// has none (at least 8 characters and three of the four character types).
fn check_password(policy: Option<&record::PasswordPolicy>, password: &str) -> Result<()> {
    let length = password.chars().count();
    let upper = password.chars().any(|c| c.is_ascii_uppercase());
    let lower = password.chars().any(|c| c.is_ascii_lowercase());
    let digit = password.chars().any(|c| c.is_ascii_digit());
    let symbol = password.chars().any(|c| SYMBOLS.contains(c));
    let violation = |rule: String| {
        Err(ServiceError::PasswordPolicyViolation(format!(
            "Password does not conform to the account password policy: {rule}."
        )))
    };
    let Some(p) = policy else {
        let types = [upper, lower, digit, symbol].iter().filter(|t| **t).count();
        if length < 8 {
            return violation("it must be at least 8 characters long".into());
        }
        if types < 3 {
            return violation(
                "it must contain three of: uppercase letters, lowercase letters, numbers, symbols"
                    .into(),
            );
        }
        return Ok(());
    };
    if length < p.minimum_length as usize {
        return violation(format!(
            "it must be at least {} characters long",
            p.minimum_length
        ));
    }
    for (required, present, what) in [
        (p.require_uppercase, upper, "an uppercase letter (A-Z)"),
        (p.require_lowercase, lower, "a lowercase letter (a-z)"),
        (p.require_numbers, digit, "a number (0-9)"),
        (
            p.require_symbols,
            symbol,
            "a symbol (! @ # $ % ^ & * ( ) _ + - = [ ] { } | ')",
        ),
    ] {
        if required && !present {
            return violation(format!("it must contain {what}"));
        }
    }
    Ok(())
}

/// Argon2id runs at most this many at once: each holds 19 MiB, so a burst of password calls
/// (the attack on passwords measured 1.3 GB for 100 parallel guesses) waits instead.
static ARGON2_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

async fn argon2_slot() -> Result<tokio::sync::SemaphorePermit<'static>> {
    ARGON2_SLOTS
        .acquire()
        .await
        .map_err(|e| ServiceError::Internal(format!("password slots: {e}")))
}

/// An Argon2id hash of `password` (on the blocking pool: it takes milliseconds of CPU).
async fn hash(password: Secret) -> Result<StoredSecret> {
    let mut salt = [0u8; 16];
    ids::random_bytes(&mut salt)?;
    let _slot = argon2_slot().await?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&salt)
            .map_err(|e| ServiceError::Internal(format!("salt: {e}")))?;
        let phc = Argon2::default()
            .hash_password(password.expose().as_bytes(), &salt)
            .map_err(|e| ServiceError::Internal(format!("password hash: {e}")))?;
        Ok(StoredSecret::new(phc.to_string()))
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("password hash task: {e}")))?
}

/// Whether `password` is the one any of `hashes` was made from (constant-time comparison
/// inside the verifier).
async fn matches_any(password: Secret, hashes: Vec<StoredSecret>) -> Result<bool> {
    let _slot = argon2_slot().await?;
    tokio::task::spawn_blocking(move || {
        hashes.iter().any(|h| {
            PasswordHash::new(h.expose()).is_ok_and(|parsed| {
                Argon2::default()
                    .verify_password(password.expose().as_bytes(), &parsed)
                    .is_ok()
            })
        })
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("password check task: {e}")))
}

fn profile_not_found(user: &str) -> ServiceError {
    ServiceError::NoSuchEntity(format!("Login Profile for User {user} cannot be found."))
}

fn profile_shape(p: &record::LoginProfile) -> LoginProfileOutput {
    LoginProfileOutput {
        login_profile: LoginProfile {
            user_name: p.user_name.clone(),
            create_date: ts(p.created),
            password_reset_required: Some(p.reset_required),
        },
    }
}

impl Service {
    /// The user a login-profile call is about: the named one, or the calling user. The root
    /// user's own password is not an IAM login profile.
    fn profile_user(&self, c: &Ctx<'_>, name: Option<&str>) -> Result<String> {
        self.user_name_or_caller(c, name)?.ok_or_else(|| {
            ServiceError::Validation(
                "Must specify userName when calling with root credentials".into(),
            )
        })
    }

    async fn password_policy(
        &self,
        tx: &mut Tx<'_>,
        account: &str,
    ) -> Result<Option<record::PasswordPolicy>> {
        tx.get::<record::PasswordPolicy>(account, record::PASSWORD_POLICY_KEY)
            .await
    }

    /// Checks a new password against the policy and, with reuse prevention, against the
    /// profile's current and earlier passwords; its hash.
    async fn new_password_hash(
        &self,
        policy: Option<&record::PasswordPolicy>,
        password: &Secret,
        profile: Option<&record::LoginProfile>,
    ) -> Result<StoredSecret> {
        check_password(policy, password.expose())?;
        let reuse = policy.and_then(|p| p.reuse_prevention).unwrap_or(0) as usize;
        if let (Some(profile), true) = (profile, reuse > 0) {
            let earlier: Vec<StoredSecret> = std::iter::once(profile.hash.clone())
                .chain(profile.history.iter().cloned())
                .take(reuse)
                .collect();
            if matches_any(password.clone(), earlier).await? {
                return Err(ServiceError::PasswordPolicyViolation(format!(
                    "Password does not conform to the account password policy: it must not be one of the last {reuse} passwords."
                )));
            }
        }
        hash(password.clone()).await
    }

    pub(crate) async fn create_login_profile(
        &self,
        c: &Ctx<'_>,
        i: CreateLoginProfileInput,
    ) -> Result<LoginProfileOutput> {
        let account = c.account();
        let name = self.profile_user(c, i.user_name.as_deref())?;
        let Some(password) = i.password else {
            return Err(ServiceError::Validation(
                "1 validation error detected: Value null at 'password' failed to satisfy constraint: Member must not be null".into(),
            ));
        };
        let now = self.now();
        let policy = self.password_policy(&mut self.tx(), account).await?;
        let hash = self
            .new_password_hash(policy.as_ref(), &password, None)
            .await?;
        let profile = self
            .retry(|| async {
                let mut tx = self.tx();
                let user = tx
                    .get::<record::User>(account, &key_of(&name))
                    .await?
                    .ok_or_else(|| not_found("user", &name))?;
                // A profile left by a deleted namesake is not this user's: replaced.
                if tx
                    .get::<record::LoginProfile>(account, &key_of(&name))
                    .await?
                    .is_some_and(|p| p.user_id == user.id)
                {
                    return Err(ServiceError::EntityAlreadyExists(format!(
                        "Login Profile for user {} already exists.",
                        user.name
                    )));
                }
                let profile = record::LoginProfile {
                    user_name: user.name.clone(),
                    user_id: user.id.clone(),
                    created: now,
                    hash: hash.clone(),
                    set_at: now,
                    reset_required: i.password_reset_required.unwrap_or(false),
                    history: Vec::new(),
                    failures: 0,
                    failed_at: 0,
                    locked_until: 0,
                };
                tx.put(account, &key_of(&name), &profile)?;
                tx.commit().await?;
                Ok(profile)
            })
            .await?;
        Ok(profile_shape(&profile))
    }

    /// The profile of `name`, if it is that user's (a profile left by a deleted namesake is
    /// not).
    async fn read_profile(
        &self,
        tx: &mut Tx<'_>,
        account: &str,
        name: &str,
    ) -> Result<record::LoginProfile> {
        let user = tx
            .get::<record::User>(account, &key_of(name))
            .await?
            .ok_or_else(|| not_found("user", name))?;
        tx.get::<record::LoginProfile>(account, &key_of(name))
            .await?
            .filter(|p| p.user_id == user.id)
            .ok_or_else(|| profile_not_found(&user.name))
    }

    pub(crate) async fn get_login_profile(
        &self,
        c: &Ctx<'_>,
        i: GetLoginProfileInput,
    ) -> Result<LoginProfileOutput> {
        let name = self.profile_user(c, i.user_name.as_deref())?;
        let profile = self
            .read_profile(&mut self.tx(), c.account(), &name)
            .await?;
        Ok(profile_shape(&profile))
    }

    pub(crate) async fn update_login_profile(
        &self,
        c: &Ctx<'_>,
        i: UpdateLoginProfileInput,
    ) -> Result<()> {
        let account = c.account();
        let name = i.user_name.as_str();
        let now = self.now();
        self.retry(|| async {
            let mut tx = self.tx();
            let mut profile = self.read_profile(&mut tx, account, name).await?;
            if let Some(password) = &i.password {
                let policy = self.password_policy(&mut tx, account).await?;
                let hash = self
                    .new_password_hash(policy.as_ref(), password, Some(&profile))
                    .await?;
                set_password(&mut profile, hash, now);
            }
            if let Some(reset) = i.password_reset_required {
                profile.reset_required = reset;
            }
            tx.put(account, &key_of(name), &profile)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn delete_login_profile(
        &self,
        c: &Ctx<'_>,
        i: DeleteLoginProfileInput,
    ) -> Result<()> {
        let account = c.account();
        let name = self.profile_user(c, i.user_name.as_deref())?;
        self.retry(|| async {
            let mut tx = self.tx();
            self.read_profile(&mut tx, account, &name).await?;
            tx.delete::<record::LoginProfile>(account, &key_of(&name))?;
            tx.commit().await
        })
        .await
    }

    /// A user changes its own password: the old one must verify (throttled like an MFA
    /// code), the new one meets the policy; an expired password under a hard-expiry policy
    /// can only be reset by an administrator.
    pub(crate) async fn change_password(&self, c: &Ctx<'_>, i: ChangePasswordInput) -> Result<()> {
        let Identity::User { name, .. } = &c.caller.identity else {
            return Err(ServiceError::InvalidUserType(
                "Only IAM users can change their own password.".into(),
            ));
        };
        let account = c.account();
        let now = self.now();
        self.retry(|| async {
            let mut tx = self.tx();
            let mut profile = self.read_profile(&mut tx, account, name).await?;
            let wrong = || ServiceError::AccessDenied("The old password is incorrect.".into());
            if throttle::locked(&profile, now) {
                return Err(wrong());
            }
            if !matches_any(i.old_password.clone(), vec![profile.hash.clone()]).await? {
                if let Some(lockout) = throttle::failed(&mut profile, now) {
                    tracing::warn!(user = %profile.user_name, lockout, "password checks locked after repeated failures");
                }
                tx.put(account, &key_of(name), &profile)?;
                tx.commit().await?;
                return Err(wrong());
            }
            let policy = self.password_policy(&mut tx, account).await?;
            if let Some(p) = &policy {
                let expired = p
                    .max_age_days
                    .is_some_and(|days| now >= profile.set_at + i64::from(days) * 86_400);
                if expired && p.hard_expiry == Some(true) {
                    return Err(ServiceError::EntityTemporarilyUnmodifiable(
                        "The password has expired and the account's password policy does not let users change an expired password; an administrator must reset it.".into(),
                    ));
                }
            }
            let hash = self
                .new_password_hash(policy.as_ref(), &i.new_password, Some(&profile))
                .await?;
            throttle::succeeded(&mut profile);
            set_password(&mut profile, hash, now);
            profile.reset_required = false;
            tx.put(account, &key_of(name), &profile)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn update_account_password_policy(
        &self,
        c: &Ctx<'_>,
        i: UpdateAccountPasswordPolicyInput,
    ) -> Result<()> {
        // Every parameter not given returns to its default (AWS).
        let policy = record::PasswordPolicy {
            minimum_length: i.minimum_password_length.map_or(6, |n| n as u32),
            require_symbols: i.require_symbols.unwrap_or(false),
            require_numbers: i.require_numbers.unwrap_or(false),
            require_uppercase: i.require_uppercase_characters.unwrap_or(false),
            require_lowercase: i.require_lowercase_characters.unwrap_or(false),
            allow_users_to_change: i.allow_users_to_change_password.unwrap_or(false),
            max_age_days: i.max_password_age.map(|n| n as u32),
            reuse_prevention: i.password_reuse_prevention.map(|n| n as u32),
            hard_expiry: i.hard_expiry,
        };
        let account = c.account();
        self.retry(|| async {
            let mut tx = self.tx();
            // Read first: the commit then replaces exactly the version read.
            self.password_policy(&mut tx, account).await?;
            tx.put(account, record::PASSWORD_POLICY_KEY, &policy)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn get_account_password_policy(
        &self,
        c: &Ctx<'_>,
        _: GetAccountPasswordPolicyInput,
    ) -> Result<GetAccountPasswordPolicyOutput> {
        let account = c.account();
        let p = self
            .password_policy(&mut self.tx(), account)
            .await?
            .ok_or_else(|| no_password_policy(account))?;
        Ok(GetAccountPasswordPolicyOutput {
            password_policy: PasswordPolicy {
                minimum_password_length: Some(i64::from(p.minimum_length)),
                require_symbols: Some(p.require_symbols),
                require_numbers: Some(p.require_numbers),
                require_uppercase_characters: Some(p.require_uppercase),
                require_lowercase_characters: Some(p.require_lowercase),
                allow_users_to_change_password: Some(p.allow_users_to_change),
                expire_passwords: Some(p.max_age_days.is_some()),
                max_password_age: p.max_age_days.map(i64::from),
                password_reuse_prevention: p.reuse_prevention.map(i64::from),
                hard_expiry: p.hard_expiry,
            },
        })
    }

    pub(crate) async fn delete_account_password_policy(
        &self,
        c: &Ctx<'_>,
        _: DeleteAccountPasswordPolicyInput,
    ) -> Result<()> {
        let account = c.account();
        self.retry(|| async {
            let mut tx = self.tx();
            if self.password_policy(&mut tx, account).await?.is_none() {
                return Err(no_password_policy(account));
            }
            tx.delete::<record::PasswordPolicy>(account, record::PASSWORD_POLICY_KEY)?;
            tx.commit().await
        })
        .await
    }
}

fn no_password_policy(account: &str) -> ServiceError {
    ServiceError::NoSuchEntity(format!(
        "The Password Policy with domain name {account} cannot be found."
    ))
}

/// The profile's password becomes `hash`; the one before joins the history.
fn set_password(profile: &mut record::LoginProfile, hash: StoredSecret, now: i64) {
    let previous = std::mem::replace(&mut profile.hash, hash);
    profile.history.insert(0, previous);
    profile.history.truncate(HISTORY);
    profile.set_at = now;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> record::PasswordPolicy {
        record::PasswordPolicy {
            minimum_length: 12,
            require_symbols: true,
            require_numbers: true,
            require_uppercase: true,
            require_lowercase: true,
            allow_users_to_change: false,
            max_age_days: None,
            reuse_prevention: None,
            hard_expiry: None,
        }
    }

    #[test]
    fn the_default_policy_wants_eight_characters_of_three_types() {
        assert!(check_password(None, "Abcdefg1").is_ok());
        assert!(check_password(None, "abcdefg!1").is_ok());
        assert!(check_password(None, "Abcdef1").is_err(), "7 characters");
        assert!(check_password(None, "abcdefgh1").is_err(), "two types");
    }

    #[test]
    fn a_custom_policy_checks_every_rule_and_never_quotes_the_password() {
        let p = policy();
        assert!(check_password(Some(&p), "Correct-Horse-9").is_ok());
        for (password, rule) in [
            ("Short-9a", "at least 12"),
            ("correct-horse-9", "uppercase"),
            ("CORRECT-HORSE-9", "lowercase"),
            ("Correct-Horse-x", "number"),
            ("CorrectHorse99", "symbol"),
        ] {
            let err = check_password(Some(&p), password).expect_err(password);
            let text = err.to_string();
            assert!(text.contains(rule), "{text}");
            assert!(!text.contains(password), "{text}");
            assert_eq!(
                err.code(),
                rolegate_proto::ErrorCode::PasswordPolicyViolation
            );
        }
    }

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify_only_their_password() {
        let h = hash(Secret::new("Correct-Horse-9".to_owned()))
            .await
            .expect("hash");
        assert!(h.expose().starts_with("$argon2id$"), "PHC string");
        assert!(!h.expose().contains("Correct-Horse-9"));
        let again = hash(Secret::new("Correct-Horse-9".to_owned()))
            .await
            .expect("hash");
        assert_ne!(h.expose(), again.expose(), "salted");
        assert!(
            matches_any(Secret::new("Correct-Horse-9".into()), vec![h.clone()])
                .await
                .expect("check")
        );
        assert!(
            !matches_any(Secret::new("Correct-Horse-8".into()), vec![h])
                .await
                .expect("check")
        );
    }
}

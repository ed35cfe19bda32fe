//! Accounts and their root users: the management account (chosen once per database) with its
//! root access key at first start, and further (member) accounts an operator adds. Every
//! entity lives in exactly one account; the caller's access key says which.
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html>

use rolegate_store::{Expect, GLOBAL, Secret, Store, StoreError, Write, record};

use crate::{
    Service,
    error::{Result, ServiceError},
    ids,
};

/// Where the management account id is remembered: `(GLOBAL, META, MANAGEMENT_ACCOUNT)`, a
/// JSON string.
const META: &str = "meta";
const MANAGEMENT_ACCOUNT: &str = "management-account";

/// The database's management account id: the one it remembers, or else `configured` (or a
/// generated one), remembered from now on. A `configured` id other than the remembered one is
/// refused. Safe when several nodes start at once: the first to commit wins. Runs before a
/// [`Service`] exists (the service is built for that account).
pub async fn management_account(store: &dyn Store, configured: Option<&str>) -> Result<String> {
    loop {
        if let Some(r) = store.get(GLOBAL, META, MANAGEMENT_ACCOUNT).await? {
            let stored: String = serde_json::from_str(&r.data).map_err(|e| {
                ServiceError::Internal(format!("the stored management account: {e}"))
            })?;
            if let Some(c) = configured
                && c != stored
            {
                return Err(ServiceError::InvalidInput(format!(
                    "this database belongs to management account {stored}; the configured account id {c} does not match"
                )));
            }
            return Ok(stored);
        }
        let id = match configured {
            Some(c) => c.to_owned(),
            None => ids::account_id()?,
        };
        let data = serde_json::to_string(&id)
            .map_err(|e| ServiceError::Internal(format!("the management account: {e}")))?;
        let write = Write::Put {
            scope: GLOBAL.into(),
            kind: META.into(),
            key: MANAGEMENT_ACCOUNT.into(),
            expect: Expect::Absent,
            data,
        };
        match store.commit(&[write]).await {
            Ok(()) => return Ok(id),
            // Another node got there first: use its choice.
            Err(StoreError::Conflict) => {}
            Err(e) => return Err(e.into()),
        }
    }
}

/// What bootstrap did.
#[derive(Debug, Clone)]
pub enum Bootstrap {
    /// Everything already existed.
    Existing,
    /// The configured root key was installed.
    Configured,
    /// A root key was generated; the caller must hand it to the operator (never log it).
    Generated {
        /// The access key id.
        access_key_id: String,
        /// The secret.
        secret: rolegate_sigv4::SecretKey,
    },
}

impl Service {
    /// Creates the management account and, if it has no root key, installs `configured` or
    /// generates one. Idempotent; safe when several nodes start at once.
    pub async fn bootstrap(
        &self,
        configured: Option<(String, rolegate_sigv4::SecretKey)>,
    ) -> Result<Bootstrap> {
        let account = self.config.account_id.clone();
        if let Some((id, secret)) = &configured {
            let valid = id.len() >= 16
                && id.len() <= 128
                && id.chars().all(|c| c.is_ascii_alphanumeric())
                && id.starts_with(ids::prefix::LONG_TERM_KEY);
            if !valid || secret.expose().len() < 16 {
                return Err(ServiceError::InvalidInput(
                    "ROLEGATE_ROOT_ACCESS_KEY_ID must be AKIA followed by letters and digits (16-128 characters), and the secret at least 16 characters"
                        .into(),
                ));
            }
        }
        let now = self.now();
        self.retry(|| async {
            let mut tx = self.tx();
            let mut acct = tx.get::<record::Account>(GLOBAL, &account).await?.unwrap_or(record::Account {
                id: account.clone(),
                created: now,
                root_access_keys: Vec::new(),
                alias: None,
                closed: false,
            });
            let outcome = match &configured {
                Some((id, secret)) => {
                    let existing = tx.get::<record::AccessKey>(GLOBAL, id).await?;
                    match existing {
                        Some(k) if k.account == account && k.owner == record::KeyOwner::Root && k.secret == Secret::new(secret.expose()) => {
                            if !acct.root_access_keys.contains(id) {
                                acct.root_access_keys.push(id.clone());
                            }
                            Bootstrap::Existing
                        }
                        Some(_) => {
                            return Err(ServiceError::InvalidInput(format!(
                                "access key {id} already exists with other settings; refusing to overwrite it"
                            )));
                        }
                        None => {
                            tx.put(GLOBAL, id, &root_key(&account, id, Secret::new(secret.expose()), now))?;
                            acct.root_access_keys.push(id.clone());
                            Bootstrap::Configured
                        }
                    }
                }
                None if acct.root_access_keys.is_empty() => {
                    let (id, secret) = generate_root_key(&mut tx, &account, now)?;
                    acct.root_access_keys.push(id.clone());
                    Bootstrap::Generated { access_key_id: id, secret }
                }
                None => Bootstrap::Existing,
            };
            tx.put(GLOBAL, &account, &acct)?;
            tx.commit().await?;
            Ok(outcome)
        })
        .await
    }
}

/// An account just created, with its root user's only access key.
#[derive(Debug)]
pub struct NewAccount {
    /// 12 digits.
    pub account_id: String,
    /// The root user's access key id.
    pub access_key_id: String,
    /// Its secret (shown once; never logged).
    pub secret: rolegate_sigv4::SecretKey,
}

impl Service {
    /// Creates another account with a generated root access key. `account_id` is 12 digits
    /// (generated when `None`); an account that exists already is `EntityAlreadyExists` and
    /// nothing changes.
    pub async fn create_account(&self, account_id: Option<&str>) -> Result<NewAccount> {
        if let Some(id) = account_id
            && !is_account_id(id)
        {
            return Err(ServiceError::InvalidInput(format!(
                "the account id must be exactly 12 digits, not `{id}`"
            )));
        }
        let now = self.now();
        self.retry(|| async {
            let account = match account_id {
                Some(id) => id.to_owned(),
                None => ids::account_id()?,
            };
            let mut tx = self.tx();
            if tx.get::<record::Account>(GLOBAL, &account).await?.is_some() {
                return Err(ServiceError::EntityAlreadyExists(format!(
                    "Account {account} already exists."
                )));
            }
            let (id, secret) = generate_root_key(&mut tx, &account, now)?;
            tx.put(
                GLOBAL,
                &account,
                &record::Account {
                    id: account.clone(),
                    created: now,
                    root_access_keys: vec![id.clone()],
                    alias: None,
                    closed: false,
                },
            )?;
            tx.commit().await?;
            Ok(NewAccount {
                account_id: account,
                access_key_id: id,
                secret,
            })
        })
        .await
    }
}

/// Whether `id` is an account id: exactly 12 ASCII digits.
pub fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// Generates a root access key for `account` and writes it in `tx`; returns its id and secret.
fn generate_root_key(
    tx: &mut crate::tx::Tx<'_>,
    account: &str,
    now: i64,
) -> Result<(String, rolegate_sigv4::SecretKey)> {
    let id = ids::access_key_id(ids::prefix::LONG_TERM_KEY)?;
    let secret = ids::secret_access_key()?;
    let handed_out = rolegate_sigv4::SecretKey::new(secret.expose());
    tx.put(GLOBAL, &id, &root_key(account, &id, secret, now))?;
    Ok((id, handed_out))
}

fn root_key(account: &str, id: &str, secret: Secret, now: i64) -> record::AccessKey {
    record::AccessKey {
        id: id.to_owned(),
        account: account.to_owned(),
        owner: record::KeyOwner::Root,
        secret,
        active: true,
        created: now,
        last_used: None,
    }
}

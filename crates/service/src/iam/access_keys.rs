//! Access keys: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateAccessKey.html> and siblings.
//! The secret is returned once, by CreateAccessKey, and never again.

use rolegate_proto::dto::access_keys::*;
use rolegate_store::{GLOBAL, record};

use crate::{
    Service,
    error::{Result, ServiceError},
    iam::{Ctx, key_of, not_found, paginate, ts},
    ids,
    tx::Tx,
};

use crate::handler::{NamedResource, Needs, handlers};

handlers! {
    CreateAccessKeyInput => CreateAccessKeyOutput: create_access_key,
        needs |i, _| Needs::user(i.user_name.as_deref());
    ListAccessKeysInput => ListAccessKeysOutput: list_access_keys,
        needs |i, _| Needs::user(i.user_name.as_deref());
    GetAccessKeyLastUsedInput => GetAccessKeyLastUsedOutput: get_access_key_last_used,
        needs |i, _| Needs::on(NamedResource::Key(&i.access_key_id));
    DeleteAccessKeyInput: delete_access_key,
        needs |i, _| Needs::user(i.user_name.as_deref());
    UpdateAccessKeyInput: update_access_key,
        needs |i, _| Needs::user(i.user_name.as_deref());
}

/// Access keys per user (and per root user).
pub const MAX_ACCESS_KEYS: usize = 2;

fn key_not_found(id: &str) -> ServiceError {
    ServiceError::NoSuchEntity(format!("The Access Key with id {id} cannot be found."))
}

/// Whose keys a call is about: a user's (by name) or the root user's.
enum Holder {
    Root,
    User(String),
}

impl Service {
    fn key_holder(&self, c: &Ctx<'_>, user_name: Option<&str>) -> Result<Holder> {
        Ok(match self.user_name_or_caller(c, user_name)? {
            Some(n) => Holder::User(n),
            None => Holder::Root,
        })
    }

    /// The key ids of the holder, read inside `tx`.
    async fn holder_keys(
        &self,
        tx: &mut Tx<'_>,
        account: &str,
        holder: &Holder,
    ) -> Result<(Vec<String>, String)> {
        Ok(match holder {
            Holder::Root => {
                let a = tx
                    .get::<record::Account>(GLOBAL, account)
                    .await?
                    .ok_or_else(|| ServiceError::Internal("account missing".into()))?;
                (a.root_access_keys, String::new())
            }
            Holder::User(name) => {
                let u = tx
                    .get::<record::User>(account, &key_of(name))
                    .await?
                    .ok_or_else(|| not_found("user", name))?;
                (u.access_keys, u.name)
            }
        })
    }

    async fn set_holder_keys(
        &self,
        tx: &mut Tx<'_>,
        account: &str,
        holder: &Holder,
        keys: Vec<String>,
    ) -> Result<()> {
        match holder {
            Holder::Root => {
                let mut a = tx
                    .get::<record::Account>(GLOBAL, account)
                    .await?
                    .ok_or_else(|| ServiceError::Internal("account missing".into()))?;
                a.root_access_keys = keys;
                tx.put(GLOBAL, account, &a)
            }
            Holder::User(name) => {
                let mut u = tx
                    .get::<record::User>(account, &key_of(name))
                    .await?
                    .ok_or_else(|| not_found("user", name))?;
                u.access_keys = keys;
                tx.put(account, &key_of(name), &u)
            }
        }
    }

    pub(crate) async fn create_access_key(
        &self,
        c: &Ctx<'_>,
        i: CreateAccessKeyInput,
    ) -> Result<CreateAccessKeyOutput> {
        let account = c.account();
        let holder = self.key_holder(c, i.user_name.as_deref())?;
        let now = self.now();
        let (key, user_name) = self
            .retry(|| async {
                let mut tx = self.tx();
                let (mut keys, user_name) = self.holder_keys(&mut tx, account, &holder).await?;
                if keys.len() >= MAX_ACCESS_KEYS {
                    return Err(ServiceError::LimitExceeded(format!(
                        "Cannot exceed quota for AccessKeysPerUser: {MAX_ACCESS_KEYS}"
                    )));
                }
                let owner = match &holder {
                    Holder::Root => record::KeyOwner::Root,
                    Holder::User(_) => {
                        let u = tx
                            .get::<record::User>(account, &key_of(&user_name))
                            .await?
                            .ok_or_else(|| not_found("user", &user_name))?;
                        record::KeyOwner::User {
                            name: u.name,
                            id: u.id,
                        }
                    }
                };
                let key = record::AccessKey {
                    id: ids::access_key_id(ids::prefix::LONG_TERM_KEY)?,
                    account: account.to_owned(),
                    owner,
                    secret: ids::secret_access_key()?,
                    active: true,
                    created: now,
                    last_used: None,
                };
                if tx
                    .get::<record::AccessKey>(GLOBAL, &key.id)
                    .await?
                    .is_some()
                {
                    return Err(ServiceError::Retry);
                }
                tx.put(GLOBAL, &key.id, &key)?;
                keys.push(key.id.clone());
                self.set_holder_keys(&mut tx, account, &holder, keys)
                    .await?;
                tx.commit().await?;
                Ok((key, user_name))
            })
            .await?;
        Ok(CreateAccessKeyOutput {
            access_key: AccessKey {
                user_name,
                access_key_id: key.id.clone(),
                status: "Active".into(),
                secret_access_key: crate::iam::reveal(&key.secret),
                create_date: ts(key.created),
            },
        })
    }

    pub(crate) async fn delete_access_key(
        &self,
        c: &Ctx<'_>,
        i: DeleteAccessKeyInput,
    ) -> Result<()> {
        let account = c.account();
        let holder = self.key_holder(c, i.user_name.as_deref())?;
        self.retry(|| async {
            let mut tx = self.tx();
            let (mut keys, _) = self.holder_keys(&mut tx, account, &holder).await?;
            if !keys.contains(&i.access_key_id)
                || tx
                    .get::<record::AccessKey>(GLOBAL, &i.access_key_id)
                    .await?
                    .is_none()
            {
                return Err(key_not_found(&i.access_key_id));
            }
            keys.retain(|k| *k != i.access_key_id);
            tx.delete::<record::AccessKey>(GLOBAL, &i.access_key_id)?;
            self.set_holder_keys(&mut tx, account, &holder, keys)
                .await?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn update_access_key(
        &self,
        c: &Ctx<'_>,
        i: UpdateAccessKeyInput,
    ) -> Result<()> {
        let account = c.account();
        let holder = self.key_holder(c, i.user_name.as_deref())?;
        self.retry(|| async {
            let mut tx = self.tx();
            let (keys, _) = self.holder_keys(&mut tx, account, &holder).await?;
            let mut key = match tx
                .get::<record::AccessKey>(GLOBAL, &i.access_key_id)
                .await?
            {
                Some(k) if keys.contains(&i.access_key_id) => k,
                _ => return Err(key_not_found(&i.access_key_id)),
            };
            key.active = i.status == "Active";
            tx.put(GLOBAL, &i.access_key_id, &key)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn list_access_keys(
        &self,
        c: &Ctx<'_>,
        i: ListAccessKeysInput,
    ) -> Result<ListAccessKeysOutput> {
        let account = c.account();
        let holder = self.key_holder(c, i.user_name.as_deref())?;
        let mut tx = self.tx();
        let (keys, user_name) = self.holder_keys(&mut tx, account, &holder).await?;
        let mut out = Vec::new();
        for id in keys {
            if let Some(k) = tx.get::<record::AccessKey>(GLOBAL, &id).await? {
                out.push(AccessKeyMetadata {
                    user_name: user_name.clone(),
                    access_key_id: k.id,
                    status: if k.active { "Active" } else { "Inactive" }.into(),
                    create_date: ts(k.created),
                });
            }
        }
        let page = paginate(
            out,
            |k| k.access_key_id.clone(),
            i.marker.as_deref(),
            i.max_items,
        )?;
        Ok(ListAccessKeysOutput {
            access_key_metadata: page.items,
            is_truncated: page.truncated,
            marker: page.marker,
        })
    }

    pub(crate) async fn get_access_key_last_used(
        &self,
        c: &Ctx<'_>,
        i: GetAccessKeyLastUsedInput,
    ) -> Result<GetAccessKeyLastUsedOutput> {
        let key = self
            .tx()
            .get::<record::AccessKey>(GLOBAL, &i.access_key_id)
            .await?
            .filter(|k| k.account == c.account());
        let Some(key) = key else {
            return Err(key_not_found(&i.access_key_id));
        };
        let user_name = match &key.owner {
            record::KeyOwner::User { name, .. } => Some(name.clone()),
            record::KeyOwner::Root => None,
        };
        let last = key.last_used.as_ref();
        Ok(GetAccessKeyLastUsedOutput {
            user_name,
            access_key_last_used: AccessKeyLastUsed {
                last_used_date: last.and_then(|l| ts(l.at)),
                service_name: last.map_or_else(|| "N/A".into(), |l| l.service.clone()),
                region: last.map_or_else(|| "N/A".into(), |l| l.region.clone()),
            },
        })
    }
}

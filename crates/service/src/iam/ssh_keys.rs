//! SSH public keys, which authenticate a user to CodeCommit over SSH:
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_UploadSSHPublicKey.html> and
//! siblings.
//!
//! A key is an RSA key of at least 2048 bits, uploaded as `ssh-rsa …` or PEM; it is kept as
//! its SSH blob, so either encoding can be read back, and its fingerprint is the MD5 of the
//! blob (as AWS shows it). All of a user's keys are one record, so AWS's quota — five per
//! user — and the refusal of a key the user already has hold under concurrent uploads.

use base64::Engine as _;
use rolegate_proto::dto::ssh_keys::*;
use rolegate_store::record;

use crate::{
    Service,
    error::{Result, ServiceError},
    handler::{Needs, handlers},
    iam::{Ctx, key_of, not_found, paginate, pki::SshKey, ts},
    ids,
    tx::Tx,
};

handlers! {
    UploadSSHPublicKeyInput => SSHPublicKeyOutput: upload_ssh_public_key,
        needs |i, _| Needs::user(Some(&i.user_name));
    GetSSHPublicKeyInput => SSHPublicKeyOutput: get_ssh_public_key,
        needs |i, _| Needs::user(Some(&i.user_name));
    ListSSHPublicKeysInput => ListSSHPublicKeysOutput: list_ssh_public_keys,
        needs |i, _| Needs::user(i.user_name.as_deref());
    UpdateSSHPublicKeyInput: update_ssh_public_key,
        needs |i, _| Needs::user(Some(&i.user_name));
    DeleteSSHPublicKeyInput: delete_ssh_public_key,
        needs |i, _| Needs::user(Some(&i.user_name));
}

/// SSH public keys per user.
pub const PER_USER: usize = 5;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn key_not_found(id: &str) -> ServiceError {
    ServiceError::NoSuchEntity(format!("The Public Key with id {id} cannot be found."))
}

fn status(k: &record::SshPublicKey) -> &'static str {
    if k.active { "Active" } else { "Inactive" }
}

/// The stored key, read back (it was checked when uploaded).
fn stored_key(k: &record::SshPublicKey) -> Result<SshKey> {
    B64.decode(&k.blob)
        .ok()
        .and_then(|blob| SshKey::parse(&format!("ssh-rsa {}", B64.encode(blob))).ok())
        .ok_or_else(|| ServiceError::Internal(format!("stored SSH public key {} unreadable", k.id)))
}

impl Service {
    /// The user's SSH keys record, read in `tx` (an empty one when the user has none; a
    /// record left by a deleted namesake is not this user's).
    async fn user_ssh_keys(
        &self,
        tx: &mut Tx<'_>,
        account: &str,
        name: &str,
    ) -> Result<record::SshPublicKeys> {
        let user = tx
            .get::<record::User>(account, &key_of(name))
            .await?
            .ok_or_else(|| not_found("user", name))?;
        Ok(tx
            .get::<record::SshPublicKeys>(account, &key_of(name))
            .await?
            .filter(|r| r.user_id == user.id)
            .unwrap_or(record::SshPublicKeys {
                user_name: user.name,
                user_id: user.id,
                keys: Vec::new(),
            }))
    }

    pub(crate) async fn upload_ssh_public_key(
        &self,
        c: &Ctx<'_>,
        i: UploadSSHPublicKeyInput,
    ) -> Result<SSHPublicKeyOutput> {
        let key = SshKey::parse(&i.ssh_public_key_body)?;
        let blob = B64.encode(key.blob());
        let account = c.account();
        let now = self.now();
        self.retry(|| async {
            let mut tx = self.tx();
            let mut all = self.user_ssh_keys(&mut tx, account, &i.user_name).await?;
            if all.keys.iter().any(|k| k.blob == blob) {
                return Err(ServiceError::DuplicateSshPublicKey(
                    "The request was rejected because the SSH public key is already associated with the specified IAM user.".into(),
                ));
            }
            if all.keys.len() >= PER_USER {
                return Err(ServiceError::LimitExceeded(format!(
                    "Cannot exceed quota for PublicKeysPerUser: {PER_USER}"
                )));
            }
            let stored = record::SshPublicKey {
                id: ids::access_key_id(ids::prefix::SSH_PUBLIC_KEY)?,
                body: i.ssh_public_key_body.clone(),
                blob: blob.clone(),
                fingerprint: key.fingerprint(),
                active: true,
                uploaded: now,
            };
            all.keys.push(stored.clone());
            tx.put(account, &key_of(&i.user_name), &all)?;
            tx.commit().await?;
            Ok(SSHPublicKeyOutput {
                ssh_public_key: SSHPublicKey {
                    user_name: all.user_name.clone(),
                    ssh_public_key_id: stored.id,
                    fingerprint: stored.fingerprint,
                    ssh_public_key_body: stored.body,
                    status: "Active".into(),
                    upload_date: ts(now),
                },
            })
        })
        .await
    }

    pub(crate) async fn get_ssh_public_key(
        &self,
        c: &Ctx<'_>,
        i: GetSSHPublicKeyInput,
    ) -> Result<SSHPublicKeyOutput> {
        let all = self
            .user_ssh_keys(&mut self.tx(), c.account(), &i.user_name)
            .await?;
        let k = all
            .keys
            .iter()
            .find(|k| k.id == i.ssh_public_key_id)
            .ok_or_else(|| key_not_found(&i.ssh_public_key_id))?;
        let key = stored_key(k)?;
        let body = match i.encoding.as_str() {
            "SSH" => key.to_ssh(),
            "PEM" => key.to_pem(),
            _ => {
                return Err(ServiceError::UnrecognizedPublicKeyEncoding(
                    "The encoding must be SSH or PEM.".into(),
                ));
            }
        };
        Ok(SSHPublicKeyOutput {
            ssh_public_key: SSHPublicKey {
                user_name: all.user_name.clone(),
                ssh_public_key_id: k.id.clone(),
                fingerprint: k.fingerprint.clone(),
                ssh_public_key_body: body,
                status: status(k).into(),
                upload_date: ts(k.uploaded),
            },
        })
    }

    pub(crate) async fn list_ssh_public_keys(
        &self,
        c: &Ctx<'_>,
        i: ListSSHPublicKeysInput,
    ) -> Result<ListSSHPublicKeysOutput> {
        // The root user has no SSH keys: its list is empty.
        let items = match self.user_name_or_caller(c, i.user_name.as_deref())? {
            Some(name) => {
                let all = self
                    .user_ssh_keys(&mut self.tx(), c.account(), &name)
                    .await?;
                all.keys
                    .iter()
                    .map(|k| SSHPublicKeyMetadata {
                        user_name: all.user_name.clone(),
                        ssh_public_key_id: k.id.clone(),
                        status: status(k).into(),
                        upload_date: ts(k.uploaded),
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        let page = paginate(
            items,
            |k| k.ssh_public_key_id.clone(),
            i.marker.as_deref(),
            i.max_items,
        )?;
        Ok(ListSSHPublicKeysOutput {
            ssh_public_keys: page.items,
            is_truncated: page.truncated,
            marker: page.marker,
        })
    }

    /// Runs `change` on one of the user's keys, inside a transaction.
    async fn with_ssh_key(
        &self,
        c: &Ctx<'_>,
        user_name: &str,
        id: &str,
        change: impl Fn(&mut record::SshPublicKeys, usize),
    ) -> Result<()> {
        let account = c.account();
        self.retry(|| async {
            let mut tx = self.tx();
            let mut all = self.user_ssh_keys(&mut tx, account, user_name).await?;
            let at = all
                .keys
                .iter()
                .position(|k| k.id == id)
                .ok_or_else(|| key_not_found(id))?;
            change(&mut all, at);
            tx.put(account, &key_of(user_name), &all)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn update_ssh_public_key(
        &self,
        c: &Ctx<'_>,
        i: UpdateSSHPublicKeyInput,
    ) -> Result<()> {
        let active = match i.status.as_str() {
            "Active" => true,
            "Inactive" => false,
            _ => {
                return Err(ServiceError::InvalidInput(
                    "Status can only be set to Active or Inactive.".into(),
                ));
            }
        };
        self.with_ssh_key(c, &i.user_name, &i.ssh_public_key_id, |all, at| {
            all.keys[at].active = active;
        })
        .await
    }

    pub(crate) async fn delete_ssh_public_key(
        &self,
        c: &Ctx<'_>,
        i: DeleteSSHPublicKeyInput,
    ) -> Result<()> {
        self.with_ssh_key(c, &i.user_name, &i.ssh_public_key_id, |all, at| {
            all.keys.remove(at);
        })
        .await
    }

    /// The user's SSH public keys (none when the user has none).
    pub(crate) async fn ssh_keys_of(
        &self,
        tx: &mut Tx<'_>,
        account: &str,
        user: &record::User,
    ) -> Result<Vec<record::SshPublicKey>> {
        Ok(tx
            .get::<record::SshPublicKeys>(account, &key_of(&user.name))
            .await?
            .filter(|r| r.user_id == user.id)
            .map(|r| r.keys)
            .unwrap_or_default())
    }
}

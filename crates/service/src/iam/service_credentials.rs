//! Service-specific credentials: a user's own user name and password for CodeCommit (Git over
//! HTTPS) and Amazon Keyspaces, and Amazon Bedrock API keys.
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateServiceSpecificCredential.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_service-specific-creds.html>.
//!
//! The generated password (or Bedrock key secret) is returned by Create and Reset only; the
//! store keeps its SHA-256 (it is 30 random bytes: a slow hash adds nothing), never the
//! secret. All of a user's credentials are one record, so AWS's quota — two per service per
//! user — holds under concurrent creates.

use rolegate_proto::{Secret, dto::service_credentials::*};
use rolegate_store::{Secret as StoredSecret, record};
use sha2::{Digest, Sha256};

use crate::{
    Service,
    error::{Result, ServiceError},
    handler::{NamedResource, Needs, handlers},
    iam::{Ctx, key_of, not_found, paginate, ts},
    ids,
    tx::Tx,
};

handlers! {
    CreateServiceSpecificCredentialInput => ServiceSpecificCredentialOutput: create_service_specific_credential,
        needs |i, _| Needs::user(Some(&i.user_name));
    ListServiceSpecificCredentialsInput => ListServiceSpecificCredentialsOutput: list_service_specific_credentials,
        needs |i, _| if i.all_users == Some(true) {
            Needs::on(NamedResource::Kind("user", None))
        } else {
            Needs::user(i.user_name.as_deref())
        };
    ResetServiceSpecificCredentialInput => ServiceSpecificCredentialOutput: reset_service_specific_credential,
        needs |i, _| Needs::user(i.user_name.as_deref());
    UpdateServiceSpecificCredentialInput: update_service_specific_credential,
        needs |i, _| Needs::user(i.user_name.as_deref());
    DeleteServiceSpecificCredentialInput: delete_service_specific_credential,
        needs |i, _| Needs::user(i.user_name.as_deref());
}

/// The services that take service-specific credentials.
const CODECOMMIT: &str = "codecommit.amazonaws.com";
const KEYSPACES: &str = "cassandra.amazonaws.com";
const BEDROCK: &str = "bedrock.amazonaws.com";
/// Credentials per service per user.
pub const PER_SERVICE: usize = 2;

fn supported(service: &str) -> Result<()> {
    if [CODECOMMIT, KEYSPACES, BEDROCK].contains(&service) {
        Ok(())
    } else {
        Err(ServiceError::ServiceNotSupported(format!(
            "Service {service} is not supported for service-specific credentials."
        )))
    }
}

fn credential_not_found(id: &str) -> ServiceError {
    ServiceError::NoSuchEntity(format!(
        "No such credential {id} exists for the specified user."
    ))
}

/// A new secret: 30 random bytes, base64 (the shape of AWS's service passwords).
fn new_secret() -> Result<StoredSecret> {
    ids::secret_access_key()
}

fn digest(secret: &StoredSecret) -> StoredSecret {
    let hash = Sha256::digest(secret.expose().as_bytes());
    StoredSecret::new(hash.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// The credential as Create and Reset show it: with its secret, once.
fn with_secret(
    user: &str,
    c: &record::ServiceCredential,
    secret: &StoredSecret,
    now: i64,
) -> ServiceSpecificCredentialOutput {
    let bedrock = c.service == BEDROCK;
    let shown = Secret::new(secret.expose().to_owned());
    ServiceSpecificCredentialOutput {
        service_specific_credential: ServiceSpecificCredential {
            create_date: ts(c.created),
            expiration_date: c.expires.and_then(ts),
            service_name: c.service.clone(),
            service_user_name: (!bedrock).then(|| c.service_user.clone()),
            service_password: (!bedrock).then(|| shown.clone()),
            service_credential_alias: bedrock.then(|| c.service_user.clone()),
            service_credential_secret: bedrock.then_some(shown),
            service_specific_credential_id: c.id.clone(),
            user_name: user.to_owned(),
            status: status(c, now).into(),
        },
    }
}

fn status(c: &record::ServiceCredential, now: i64) -> &'static str {
    match (c.active, c.expires) {
        (_, Some(at)) if now >= at => "Expired",
        (true, _) => "Active",
        (false, _) => "Inactive",
    }
}

fn metadata(
    user: &str,
    c: &record::ServiceCredential,
    now: i64,
) -> ServiceSpecificCredentialMetadata {
    let bedrock = c.service == BEDROCK;
    ServiceSpecificCredentialMetadata {
        user_name: user.to_owned(),
        status: status(c, now).into(),
        service_user_name: (!bedrock).then(|| c.service_user.clone()),
        service_credential_alias: bedrock.then(|| c.service_user.clone()),
        create_date: ts(c.created),
        expiration_date: c.expires.and_then(ts),
        service_specific_credential_id: c.id.clone(),
        service_name: c.service.clone(),
    }
}

impl Service {
    /// The user's credentials record, read in `tx` (an empty one when the user has none; a
    /// record left by a deleted namesake is not this user's).
    async fn user_credentials(
        &self,
        tx: &mut Tx<'_>,
        account: &str,
        name: &str,
    ) -> Result<record::ServiceCredentials> {
        let user = tx
            .get::<record::User>(account, &key_of(name))
            .await?
            .ok_or_else(|| not_found("user", name))?;
        Ok(tx
            .get::<record::ServiceCredentials>(account, &key_of(name))
            .await?
            .filter(|r| r.user_id == user.id)
            .unwrap_or(record::ServiceCredentials {
                user_name: user.name,
                user_id: user.id,
                credentials: Vec::new(),
            }))
    }

    /// The user a call names, or the calling user.
    fn credential_user(&self, c: &Ctx<'_>, name: Option<&str>) -> Result<String> {
        self.user_name_or_caller(c, name)?.ok_or_else(|| {
            ServiceError::Validation(
                "Must specify userName when calling with root credentials".into(),
            )
        })
    }

    pub(crate) async fn create_service_specific_credential(
        &self,
        c: &Ctx<'_>,
        i: CreateServiceSpecificCredentialInput,
    ) -> Result<ServiceSpecificCredentialOutput> {
        supported(&i.service_name)?;
        if i.credential_age_days.is_some() && i.service_name != BEDROCK {
            return Err(ServiceError::InvalidInput(
                "CredentialAgeDays is only supported for bedrock.amazonaws.com.".into(),
            ));
        }
        let account = c.account();
        let now = self.now();
        self.retry(|| async {
            let mut tx = self.tx();
            let mut all = self.user_credentials(&mut tx, account, &i.user_name).await?;
            let of_service = all
                .credentials
                .iter()
                .filter(|x| x.service == i.service_name)
                .count();
            if of_service >= PER_SERVICE {
                return Err(ServiceError::LimitExceeded(format!(
                    "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: {PER_SERVICE}"
                )));
            }
            let secret = new_secret()?;
            let id = ids::unique_id("ACCA")?;
            let service_user = if i.service_name == BEDROCK {
                format!("BedrockAPIKey-{}-at-{account}", &id[4..8].to_ascii_lowercase())
            } else {
                format!("{}-at-{account}", all.user_name)
            };
            let credential = record::ServiceCredential {
                id,
                service: i.service_name.clone(),
                service_user,
                secret_hash: digest(&secret),
                active: true,
                created: now,
                expires: i
                    .credential_age_days
                    .map(|d| now.saturating_add(d.saturating_mul(86_400))),
            };
            all.credentials.push(credential.clone());
            tx.put(account, &key_of(&i.user_name), &all)?;
            tx.commit().await?;
            Ok(with_secret(&all.user_name, &credential, &secret, now))
        })
        .await
    }

    pub(crate) async fn list_service_specific_credentials(
        &self,
        c: &Ctx<'_>,
        i: ListServiceSpecificCredentialsInput,
    ) -> Result<ListServiceSpecificCredentialsOutput> {
        if let Some(service) = &i.service_name {
            supported(service)?;
        }
        let account = c.account();
        let now = self.now();
        let wanted = |x: &record::ServiceCredential| {
            i.service_name.as_deref().is_none_or(|s| s == x.service)
        };
        let mut items = Vec::new();
        if i.all_users == Some(true) {
            // Every user's: the records, page by page, then paged as credentials.
            let mut marker = None;
            loop {
                let page = self
                    .list_records::<record::ServiceCredentials>(
                        account,
                        marker.as_deref(),
                        Some(1000),
                        |_| true,
                    )
                    .await?;
                for r in &page.items {
                    items.extend(
                        r.credentials
                            .iter()
                            .filter(|x| wanted(x))
                            .map(|x| metadata(&r.user_name, x, now)),
                    );
                }
                if !page.truncated {
                    break;
                }
                marker = page.marker;
            }
        } else {
            let name = self.credential_user(c, i.user_name.as_deref())?;
            let all = self
                .user_credentials(&mut self.tx(), account, &name)
                .await?;
            items.extend(
                all.credentials
                    .iter()
                    .filter(|x| wanted(x))
                    .map(|x| metadata(&all.user_name, x, now)),
            );
        }
        let page = paginate(
            items,
            |m| {
                format!(
                    "{}/{}",
                    m.user_name.to_lowercase(),
                    m.service_specific_credential_id
                )
            },
            i.marker.as_deref(),
            i.max_items,
        )?;
        Ok(ListServiceSpecificCredentialsOutput {
            service_specific_credentials: page.items,
            marker: page.marker,
            is_truncated: page.truncated,
        })
    }

    /// Runs `change` on one credential of the user's, inside a transaction; its result.
    async fn with_credential<T>(
        &self,
        c: &Ctx<'_>,
        user_name: Option<&str>,
        id: &str,
        change: impl Fn(&mut record::ServiceCredentials, usize) -> Result<Option<T>>,
    ) -> Result<T> {
        let account = c.account();
        let name = self.credential_user(c, user_name)?;
        self.retry(|| async {
            let mut tx = self.tx();
            let mut all = self.user_credentials(&mut tx, account, &name).await?;
            let at = all
                .credentials
                .iter()
                .position(|x| x.id == id)
                .ok_or_else(|| credential_not_found(id))?;
            let out = change(&mut all, at)?;
            tx.put(account, &key_of(&name), &all)?;
            tx.commit().await?;
            out.ok_or_else(|| ServiceError::Internal("no result".into()))
        })
        .await
    }

    pub(crate) async fn reset_service_specific_credential(
        &self,
        c: &Ctx<'_>,
        i: ResetServiceSpecificCredentialInput,
    ) -> Result<ServiceSpecificCredentialOutput> {
        let now = self.now();
        let id = i.service_specific_credential_id.as_str();
        self.with_credential(c, i.user_name.as_deref(), id, |all, at| {
            let secret = new_secret()?;
            let credential = &mut all.credentials[at];
            credential.secret_hash = digest(&secret);
            Ok(Some(with_secret(
                &all.user_name,
                &all.credentials[at],
                &secret,
                now,
            )))
        })
        .await
    }

    pub(crate) async fn update_service_specific_credential(
        &self,
        c: &Ctx<'_>,
        i: UpdateServiceSpecificCredentialInput,
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
        let id = i.service_specific_credential_id.as_str();
        self.with_credential(c, i.user_name.as_deref(), id, |all, at| {
            all.credentials[at].active = active;
            Ok(Some(()))
        })
        .await
    }

    pub(crate) async fn delete_service_specific_credential(
        &self,
        c: &Ctx<'_>,
        i: DeleteServiceSpecificCredentialInput,
    ) -> Result<()> {
        let id = i.service_specific_credential_id.as_str();
        self.with_credential(c, i.user_name.as_deref(), id, |all, at| {
            all.credentials.remove(at);
            Ok(Some(()))
        })
        .await
    }

    /// Whether the user has service-specific credentials (DeleteUser's conflict).
    pub(crate) async fn has_service_credentials(
        &self,
        tx: &mut Tx<'_>,
        account: &str,
        user: &record::User,
    ) -> Result<bool> {
        Ok(tx
            .get::<record::ServiceCredentials>(account, &key_of(&user.name))
            .await?
            .is_some_and(|r| r.user_id == user.id && !r.credentials.is_empty()))
    }
}

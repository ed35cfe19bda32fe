//! X.509 signing certificates: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_UploadSigningCertificate.html>
//! and siblings.
//!
//! A certificate must be one PEM `CERTIFICATE` that parses and is valid now
//! (`MalformedCertificate` otherwise). All of a user's certificates are one record (AWS's quota:
//! two per user), and a certificate is held by one user of the account at most
//! (`DuplicateCertificate`): a record per certificate, keyed by the SHA-256 of its DER, names
//! its holder and is written in the same commit. Without `UserName` the calls act on the
//! calling user — for the root user, on the root user's own certificates (AWS lets the root
//! user hold them).

use rolegate_proto::dto::signing_certificates::*;
use rolegate_store::record::{self, ROOT_CREDENTIALS_KEY};

use crate::{
    Service,
    error::{Result, ServiceError},
    handler::{Needs, handlers},
    iam::{Ctx, key_of, not_found, paginate, pki::Certificate, ts},
    ids,
    tx::Tx,
};

handlers! {
    UploadSigningCertificateInput => UploadSigningCertificateOutput: upload_signing_certificate,
        needs |i, _| Needs::user(i.user_name.as_deref());
    ListSigningCertificatesInput => ListSigningCertificatesOutput: list_signing_certificates,
        needs |i, _| Needs::user(i.user_name.as_deref());
    UpdateSigningCertificateInput: update_signing_certificate,
        needs |i, _| Needs::user(i.user_name.as_deref());
    DeleteSigningCertificateInput: delete_signing_certificate,
        needs |i, _| Needs::user(i.user_name.as_deref());
}

/// Signing certificates per user.
pub const PER_USER: usize = 2;

fn certificate_not_found(id: &str) -> ServiceError {
    ServiceError::NoSuchEntity(format!("The Certificate with id {id} cannot be found."))
}

fn shape(user: &str, c: &record::SigningCertificate) -> SigningCertificate {
    SigningCertificate {
        user_name: user.to_owned(),
        certificate_id: c.id.clone(),
        certificate_body: c.body.clone(),
        status: if c.active { "Active" } else { "Inactive" }.into(),
        upload_date: ts(c.uploaded),
    }
}

impl Service {
    /// The store key of the certificates a call acts on: the named user's, the calling
    /// user's, or the root user's.
    fn certificates_key(&self, c: &Ctx<'_>, name: Option<&str>) -> Result<Option<String>> {
        self.user_name_or_caller(c, name)
    }

    /// The certificates record of `user` (`None`: the root user), read in `tx`; an empty one
    /// when there is none (a record left by a deleted namesake is not this user's).
    async fn user_certificates(
        &self,
        tx: &mut Tx<'_>,
        account: &str,
        user: Option<&str>,
    ) -> Result<(String, record::SigningCertificates)> {
        let Some(name) = user else {
            let r = tx
                .get::<record::SigningCertificates>(account, ROOT_CREDENTIALS_KEY)
                .await?
                .unwrap_or(record::SigningCertificates {
                    user_name: account.to_owned(),
                    user_id: account.to_owned(),
                    certificates: Vec::new(),
                });
            return Ok((ROOT_CREDENTIALS_KEY.to_owned(), r));
        };
        let u = tx
            .get::<record::User>(account, &key_of(name))
            .await?
            .ok_or_else(|| not_found("user", name))?;
        let r = tx
            .get::<record::SigningCertificates>(account, &key_of(name))
            .await?
            .filter(|r| r.user_id == u.id)
            .unwrap_or(record::SigningCertificates {
                user_name: u.name,
                user_id: u.id,
                certificates: Vec::new(),
            });
        Ok((key_of(name), r))
    }

    pub(crate) async fn upload_signing_certificate(
        &self,
        c: &Ctx<'_>,
        i: UploadSigningCertificateInput,
    ) -> Result<UploadSigningCertificateOutput> {
        let account = c.account();
        let user = self.certificates_key(c, i.user_name.as_deref())?;
        let now = self.now();
        let cert = Certificate::parse(&i.certificate_body, now)?;
        let digest = cert.digest();
        self.retry(|| async {
            let mut tx = self.tx();
            let (key, mut all) = self.user_certificates(&mut tx, account, user.as_deref()).await?;
            if tx
                .get::<record::SigningCertificateOwner>(account, &digest)
                .await?
                .is_some()
            {
                return Err(ServiceError::DuplicateCertificate(
                    "The request was rejected because the same certificate is associated with an IAM user in the account.".into(),
                ));
            }
            if all.certificates.len() >= PER_USER {
                return Err(ServiceError::LimitExceeded(format!(
                    "Cannot exceed quota for CertificatesPerUser: {PER_USER}"
                )));
            }
            let stored = record::SigningCertificate {
                id: ids::certificate_id()?,
                body: i.certificate_body.clone(),
                digest: digest.clone(),
                active: true,
                uploaded: now,
            };
            all.certificates.push(stored.clone());
            tx.put(account, &key, &all)?;
            tx.put(
                account,
                &digest,
                &record::SigningCertificateOwner {
                    user_id: all.user_id.clone(),
                },
            )?;
            tx.commit().await?;
            Ok(UploadSigningCertificateOutput {
                certificate: shape(&all.user_name, &stored),
            })
        })
        .await
    }

    pub(crate) async fn list_signing_certificates(
        &self,
        c: &Ctx<'_>,
        i: ListSigningCertificatesInput,
    ) -> Result<ListSigningCertificatesOutput> {
        let user = self.certificates_key(c, i.user_name.as_deref())?;
        let (_, all) = self
            .user_certificates(&mut self.tx(), c.account(), user.as_deref())
            .await?;
        let items = all
            .certificates
            .iter()
            .map(|x| shape(&all.user_name, x))
            .collect();
        let page = paginate(
            items,
            |x: &SigningCertificate| x.certificate_id.clone(),
            i.marker.as_deref(),
            i.max_items,
        )?;
        Ok(ListSigningCertificatesOutput {
            certificates: page.items,
            is_truncated: page.truncated,
            marker: page.marker,
        })
    }

    pub(crate) async fn update_signing_certificate(
        &self,
        c: &Ctx<'_>,
        i: UpdateSigningCertificateInput,
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
        let account = c.account();
        let user = self.certificates_key(c, i.user_name.as_deref())?;
        self.retry(|| async {
            let mut tx = self.tx();
            let (key, mut all) = self
                .user_certificates(&mut tx, account, user.as_deref())
                .await?;
            let cert = all
                .certificates
                .iter_mut()
                .find(|x| x.id == i.certificate_id)
                .ok_or_else(|| certificate_not_found(&i.certificate_id))?;
            cert.active = active;
            tx.put(account, &key, &all)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn delete_signing_certificate(
        &self,
        c: &Ctx<'_>,
        i: DeleteSigningCertificateInput,
    ) -> Result<()> {
        let account = c.account();
        let user = self.certificates_key(c, i.user_name.as_deref())?;
        self.retry(|| async {
            let mut tx = self.tx();
            let (key, mut all) = self
                .user_certificates(&mut tx, account, user.as_deref())
                .await?;
            let at = all
                .certificates
                .iter()
                .position(|x| x.id == i.certificate_id)
                .ok_or_else(|| certificate_not_found(&i.certificate_id))?;
            let removed = all.certificates.remove(at);
            if tx
                .get::<record::SigningCertificateOwner>(account, &removed.digest)
                .await?
                .is_some_and(|o| o.user_id == all.user_id)
            {
                tx.delete::<record::SigningCertificateOwner>(account, &removed.digest)?;
            }
            tx.put(account, &key, &all)?;
            tx.commit().await
        })
        .await
    }

    /// The signing certificates of `user` (`None`: the root user).
    pub(crate) async fn signing_certificates_of(
        &self,
        tx: &mut Tx<'_>,
        account: &str,
        user: Option<&record::User>,
    ) -> Result<Vec<record::SigningCertificate>> {
        Ok(match user {
            Some(u) => tx
                .get::<record::SigningCertificates>(account, &key_of(&u.name))
                .await?
                .filter(|r| r.user_id == u.id)
                .map(|r| r.certificates)
                .unwrap_or_default(),
            None => tx
                .get::<record::SigningCertificates>(account, ROOT_CREDENTIALS_KEY)
                .await?
                .map(|r| r.certificates)
                .unwrap_or_default(),
        })
    }
}

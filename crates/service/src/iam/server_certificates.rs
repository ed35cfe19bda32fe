//! Server certificates: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_UploadServerCertificate.html>
//! and siblings.
//!
//! Upload checks everything before storing anything: the body is one PEM certificate valid
//! now, the chain (optional) one or more that issued it in order, and the private key an
//! unencrypted RSA or EC key whose public half is the certificate's (`KeyPairMismatch`
//! otherwise). The private key is kept as a secret in the record and no operation returns it:
//! the input member is a `Secret` (redacted in every audit event), GetServerCertificate's
//! shape has no member for it, and no error quotes it.

use rolegate_proto::dto::{server_certificates::*, users::ListTagsOutput};
use rolegate_store::{Secret as StoredSecret, record};

use crate::{
    Service,
    error::{Result, ServiceError},
    handler::{NamedResource, Needs, handlers},
    iam::{
        Ctx, Tagged as _, arn, key_of, merge_tags, not_found, path_matches, path_or_root,
        pki::Certificate, tags_if_any, ts,
    },
    ids,
};

handlers! {
    UploadServerCertificateInput => UploadServerCertificateOutput: upload_server_certificate,
        needs |i, _| Needs::on(NamedResource::ServerCertificate(
            &i.server_certificate_name,
            Some(i.path.as_deref().unwrap_or("/")),
        )).tags(&i.tags);
    GetServerCertificateInput => GetServerCertificateOutput: get_server_certificate,
        needs |i, _| Needs::on(NamedResource::ServerCertificate(&i.server_certificate_name, None));
    ListServerCertificatesInput => ListServerCertificatesOutput: list_server_certificates,
        needs |i, _| Needs::list("server-certificate", i.path_prefix.as_deref());
    UpdateServerCertificateInput: update_server_certificate,
        needs |i, _| Needs::on(NamedResource::ServerCertificate(&i.server_certificate_name, None))
            .moved_to(i.new_path.as_deref(), i.new_server_certificate_name.as_deref());
    DeleteServerCertificateInput: delete_server_certificate,
        needs |i, _| Needs::on(NamedResource::ServerCertificate(&i.server_certificate_name, None));
    TagServerCertificateInput: tag_server_certificate,
        needs |i, _| Needs::on(NamedResource::ServerCertificate(&i.server_certificate_name, None)).tags(&i.tags);
    UntagServerCertificateInput: untag_server_certificate,
        needs |i, _| Needs::on(NamedResource::ServerCertificate(&i.server_certificate_name, None)).untags(&i.tag_keys);
    ListServerCertificateTagsInput => ListTagsOutput: list_server_certificate_tags,
        needs |i, _| Needs::on(NamedResource::ServerCertificate(&i.server_certificate_name, None));
}

/// Server certificates per account (AWS's default quota).
pub const PER_ACCOUNT: usize = 20;

fn metadata(account: &str, c: &record::ServerCertificate) -> ServerCertificateMetadata {
    ServerCertificateMetadata {
        path: c.path.clone(),
        server_certificate_name: c.name.clone(),
        server_certificate_id: c.id.clone(),
        arn: arn(account, "server-certificate", &c.path, &c.name),
        upload_date: ts(c.uploaded),
        expiration: ts(c.expiration),
    }
}

fn already_exists(name: &str) -> ServiceError {
    ServiceError::EntityAlreadyExists(format!(
        "The Server Certificate with name {name} already exists."
    ))
}

impl Service {
    pub(crate) async fn upload_server_certificate(
        &self,
        c: &Ctx<'_>,
        i: UploadServerCertificateInput,
    ) -> Result<UploadServerCertificateOutput> {
        let account = c.account();
        let now = self.now();
        let cert = Certificate::parse(&i.certificate_body, now)?;
        if let Some(chain) = &i.certificate_chain {
            Certificate::parse_chain(&cert, chain, now)?;
        }
        cert.check_private_key(i.private_key.expose())?;
        let mut tags = Vec::new();
        merge_tags(record::ServerCertificate::TAG_RULES, &mut tags, &i.tags)?;
        let stored = record::ServerCertificate {
            name: i.server_certificate_name.clone(),
            id: ids::unique_id(ids::prefix::SERVER_CERTIFICATE)?,
            path: path_or_root(i.path.clone()),
            // Kept without surrounding whitespace, as AWS answers them (Terraform's provider
            // trims its side before comparing).
            body: i.certificate_body.trim().to_owned(),
            chain: i.certificate_chain.as_deref().map(|c| c.trim().to_owned()),
            private_key: StoredSecret::new(i.private_key.expose().to_owned()),
            expiration: cert.not_after,
            uploaded: now,
            tags,
        };
        let key = key_of(&stored.name);
        self.retry(|| async {
            let mut tx = self.tx();
            if tx
                .get::<record::ServerCertificate>(account, &key)
                .await?
                .is_some()
            {
                return Err(already_exists(&stored.name));
            }
            // The count is read, and the account record written back unchanged, in the same
            // commit: two uploads counting at once conflict on the account's version and the
            // loser counts again, so the quota holds under concurrency.
            if let Some(a) = tx
                .get::<record::Account>(rolegate_store::GLOBAL, account)
                .await?
            {
                tx.put(rolegate_store::GLOBAL, account, &a)?;
            }
            let existing = self
                .store
                .list(account, record::kind::SERVER_CERTIFICATE, None, PER_ACCOUNT)
                .await?;
            if existing.len() >= PER_ACCOUNT {
                return Err(ServiceError::LimitExceeded(format!(
                    "Cannot exceed quota for ServerCertificatesPerAccount: {PER_ACCOUNT}"
                )));
            }
            tx.put(account, &key, &stored)?;
            tx.commit().await
        })
        .await?;
        Ok(UploadServerCertificateOutput {
            server_certificate_metadata: Some(metadata(account, &stored)),
            tags: tags_if_any(&stored.tags),
        })
    }

    async fn load_server_certificate(
        &self,
        account: &str,
        name: &str,
    ) -> Result<record::ServerCertificate> {
        self.tx()
            .get::<record::ServerCertificate>(account, &key_of(name))
            .await?
            .ok_or_else(|| not_found("Server Certificate", name))
    }

    pub(crate) async fn get_server_certificate(
        &self,
        c: &Ctx<'_>,
        i: GetServerCertificateInput,
    ) -> Result<GetServerCertificateOutput> {
        let account = c.account();
        let s = self
            .load_server_certificate(account, &i.server_certificate_name)
            .await?;
        Ok(GetServerCertificateOutput {
            server_certificate: ServerCertificate {
                server_certificate_metadata: metadata(account, &s),
                certificate_body: s.body.clone(),
                certificate_chain: s.chain.clone(),
                tags: tags_if_any(&s.tags),
            },
        })
    }

    pub(crate) async fn list_server_certificates(
        &self,
        c: &Ctx<'_>,
        i: ListServerCertificatesInput,
    ) -> Result<ListServerCertificatesOutput> {
        let account = c.account();
        let page = self
            .list_records::<record::ServerCertificate>(
                account,
                i.marker.as_deref(),
                i.max_items,
                |s| path_matches(&s.path, i.path_prefix.as_deref()),
            )
            .await?;
        Ok(ListServerCertificatesOutput {
            server_certificate_metadata_list: page
                .items
                .iter()
                .map(|s| metadata(account, s))
                .collect(),
            is_truncated: page.truncated,
            marker: page.marker,
        })
    }

    pub(crate) async fn update_server_certificate(
        &self,
        c: &Ctx<'_>,
        i: UpdateServerCertificateInput,
    ) -> Result<()> {
        let account = c.account();
        self.retry(|| async {
            let mut tx = self.tx();
            let old_key = key_of(&i.server_certificate_name);
            let mut s = tx
                .get::<record::ServerCertificate>(account, &old_key)
                .await?
                .ok_or_else(|| not_found("Server Certificate", &i.server_certificate_name))?;
            if let Some(path) = &i.new_path {
                s.path.clone_from(path);
            }
            let Some(new_name) = &i.new_server_certificate_name else {
                tx.put(account, &old_key, &s)?;
                return tx.commit().await;
            };
            let new_key = key_of(new_name);
            if new_key != old_key
                && tx
                    .get::<record::ServerCertificate>(account, &new_key)
                    .await?
                    .is_some()
            {
                return Err(already_exists(new_name));
            }
            s.name.clone_from(new_name);
            if new_key != old_key {
                tx.delete::<record::ServerCertificate>(account, &old_key)?;
            }
            tx.put(account, &new_key, &s)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn delete_server_certificate(
        &self,
        c: &Ctx<'_>,
        i: DeleteServerCertificateInput,
    ) -> Result<()> {
        let account = c.account();
        self.retry(|| async {
            let mut tx = self.tx();
            let key = key_of(&i.server_certificate_name);
            if tx
                .get::<record::ServerCertificate>(account, &key)
                .await?
                .is_none()
            {
                return Err(not_found("Server Certificate", &i.server_certificate_name));
            }
            tx.delete::<record::ServerCertificate>(account, &key)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn tag_server_certificate(
        &self,
        c: &Ctx<'_>,
        i: TagServerCertificateInput,
    ) -> Result<()> {
        self.tag::<record::ServerCertificate>(c.account(), &i.server_certificate_name, &i.tags)
            .await
    }

    pub(crate) async fn untag_server_certificate(
        &self,
        c: &Ctx<'_>,
        i: UntagServerCertificateInput,
    ) -> Result<()> {
        self.untag::<record::ServerCertificate>(
            c.account(),
            &i.server_certificate_name,
            &i.tag_keys,
        )
        .await
    }

    pub(crate) async fn list_server_certificate_tags(
        &self,
        c: &Ctx<'_>,
        i: ListServerCertificateTagsInput,
    ) -> Result<ListTagsOutput> {
        self.list_tags::<record::ServerCertificate>(
            c.account(),
            &i.server_certificate_name,
            i.marker.as_deref(),
            i.max_items,
        )
        .await
    }
}

//! SAML providers: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateSAMLProvider.html>
//! and siblings (Get, Update, List, Delete, Tag, Untag, ListSAMLProviderTags).
//!
//! A provider is stored under its lowercased name (names are unique case-insensitively, like
//! every other IAM name; the ARN spells the name as created:
//! `arn:aws:iam::ACCOUNT:saml-provider/NAME`). Its metadata document is parsed when it is
//! stored ([`crate::federation::saml_metadata`]): the `entityID` and the signing certificates
//! are kept beside the document, and a document without a signing certificate is refused, so
//! no provider exists that AssumeRoleWithSAML could not verify.
//!
//! Encrypted assertions (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateSAMLProvider.html>):
//! `AddPrivateKey` (create and update) adds a PEM RSA private key, checked before it is stored
//! ([`crate::federation::saml_encryption::DecryptionKey`]) and kept as a store `Secret`; at
//! most two per provider, so a key is rotated by adding the new one and removing the old one
//! (`RemovePrivateKey`, by `KeyId`) in a separate request. `AssertionEncryptionMode`
//! `Required` makes AssumeRoleWithSAML refuse plaintext assertions and needs a key: a provider
//! is never left `Required` without one. GetSAMLProvider shows `PrivateKeyList` (`KeyId`,
//! `Timestamp`), never a key; no error quotes one.

use rolegate_proto::{
    Secret,
    dto::{saml_providers::*, shapes, users::ListTagsOutput},
};
use rolegate_store::record;

use crate::{
    Service,
    error::{Result, ServiceError},
    federation::{saml_encryption::DecryptionKey, saml_metadata},
    iam::{Ctx, TagRules, key_of, merge_tags, paginate, remove_tags, tag_shapes, tags_if_any, ts},
};

use crate::handler::{NamedResource, Needs, handlers};

handlers! {
    CreateSAMLProviderInput => CreateSAMLProviderOutput: create_saml_provider,
        needs |i, _| Needs::on(NamedResource::NewSamlProvider(&i.name)).tags(&i.tags);
    GetSAMLProviderInput => GetSAMLProviderOutput: get_saml_provider,
        needs |i, _| Needs::on(NamedResource::SamlProvider(&i.saml_provider_arn));
    UpdateSAMLProviderInput => UpdateSAMLProviderOutput: update_saml_provider,
        needs |i, _| Needs::on(NamedResource::SamlProvider(&i.saml_provider_arn));
    ListSAMLProvidersInput => ListSAMLProvidersOutput: list_saml_providers,
        needs |i, _| Needs::any();
    DeleteSAMLProviderInput: delete_saml_provider,
        needs |i, _| Needs::on(NamedResource::SamlProvider(&i.saml_provider_arn));
    TagSAMLProviderInput: tag_saml_provider,
        needs |i, _| Needs::on(NamedResource::SamlProvider(&i.saml_provider_arn)).tags(&i.tags);
    UntagSAMLProviderInput: untag_saml_provider,
        needs |i, _| Needs::on(NamedResource::SamlProvider(&i.saml_provider_arn)).untags(&i.tag_keys);
    ListSAMLProviderTagsInput => ListTagsOutput: list_saml_provider_tags,
        needs |i, _| Needs::on(NamedResource::SamlProvider(&i.saml_provider_arn));
}

/// SAML providers per account (`SAMLProvidersPerAccount`).
pub const MAX_PROVIDERS: usize = 100;

/// Tag keys of providers compare exactly, like OIDC providers.
const PROVIDER_TAGS: TagRules = TagRules {
    case_insensitive_keys: false,
    quota: "TagsPerSAMLProvider",
};

/// The tag that lets a provider's assertions be signed with RSA-SHA1 / SHA-1 digests (value
/// `true`). Without it only SHA-256 and stronger are accepted. Setting it takes
/// `iam:TagSAMLProvider` on the provider, which is no more than replacing its certificates
/// takes (`iam:UpdateSAMLProvider`).
pub const ALLOW_SHA1_TAG: &str = "rolegate:AllowRsaSha1";

/// Whether a provider's tags allow SHA-1 signatures.
pub fn allows_sha1(p: &record::SamlProvider) -> bool {
    p.tags
        .iter()
        .any(|t| t.key == ALLOW_SHA1_TAG && t.value.eq_ignore_ascii_case("true"))
}

/// `arn:aws:iam::<account>:saml-provider/<name>`.
pub fn provider_arn(account: &str, name: &str) -> String {
    crate::iam::arn(account, "saml-provider/", "", name)
}

/// The store key of the provider an ARN names in `account` (`None`: not a SAML provider of
/// that account).
pub fn provider_key(account: &str, arn: &str) -> Option<String> {
    let parsed = crate::iam::parse_arn(arn)?;
    if parsed.service != "iam" || parsed.account != account {
        return None;
    }
    let name = parsed.resource.strip_prefix("saml-provider/")?;
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    ok.then(|| key_of(name))
}

fn provider_not_found(arn: &str) -> ServiceError {
    ServiceError::NoSuchEntity(format!("SAMLProvider {arn} does not exist."))
}

/// Private keys per provider (AWS rotates by adding the new key, then removing the old).
pub const MAX_PRIVATE_KEYS: usize = 2;

/// `AssertionEncryptionMode` `Required`.
const REQUIRED: &str = "Required";

/// Whether a provider refuses plaintext assertions.
pub fn requires_encryption(p: &record::SamlProvider) -> bool {
    p.encryption_mode.as_deref() == Some(REQUIRED)
}

/// A private key to add, checked (RSA, 2048–8192 bits, PEM) and given its id. The error
/// never quotes the key.
fn new_private_key(pem: &Secret, now: i64) -> Result<record::SamlPrivateKey> {
    DecryptionKey::from_pem(pem.expose())
        .map_err(|e| ServiceError::InvalidInput(format!("Invalid AddPrivateKey: {e}")))?;
    Ok(record::SamlPrivateKey {
        id: crate::ids::saml_private_key_id()?,
        pem: record::Secret::new(pem.expose().clone()),
        created: now,
    })
}

/// A provider that requires encryption must keep a key to decrypt with.
fn check_keys_for_mode(p: &record::SamlProvider) -> Result<()> {
    if requires_encryption(p) && p.private_keys.is_empty() {
        return Err(ServiceError::InvalidInput(
            "AssertionEncryptionMode Required needs a private key: add one with AddPrivateKey (the last key of a provider that requires encryption cannot be removed)."
                .into(),
        ));
    }
    Ok(())
}

fn uuid() -> String {
    crate::audit::event::new_event_id()
}

impl Service {
    /// The provider an ARN names in `account`.
    pub(crate) async fn load_saml_provider(
        &self,
        account: &str,
        arn: &str,
    ) -> Result<std::sync::Arc<record::SamlProvider>> {
        let key = provider_key(account, arn).ok_or_else(|| provider_not_found(arn))?;
        self.cache
            .get::<record::SamlProvider>(&*self.store, account, &key)
            .await?
            .ok_or_else(|| provider_not_found(arn))
    }

    /// Read-modify-write of one provider.
    async fn change_saml_provider(
        &self,
        account: &str,
        arn: &str,
        f: impl Fn(&mut record::SamlProvider) -> Result<()>,
    ) -> Result<record::SamlProvider> {
        let key = provider_key(account, arn).ok_or_else(|| provider_not_found(arn))?;
        self.retry(|| async {
            let mut tx = self.tx();
            let mut p = tx
                .get::<record::SamlProvider>(account, &key)
                .await?
                .ok_or_else(|| provider_not_found(arn))?;
            f(&mut p)?;
            tx.put(account, &key, &p)?;
            tx.commit().await?;
            Ok(p)
        })
        .await
    }

    pub(crate) async fn create_saml_provider(
        &self,
        c: &Ctx<'_>,
        i: CreateSAMLProviderInput,
    ) -> Result<CreateSAMLProviderOutput> {
        let account = c.account();
        let meta = saml_metadata::parse(&i.saml_metadata_document)?;
        let private_keys = match &i.add_private_key {
            Some(pem) => vec![new_private_key(pem, self.now())?],
            None => Vec::new(),
        };
        let mut tags = Vec::new();
        merge_tags(PROVIDER_TAGS, &mut tags, &i.tags)?;
        let key = key_of(&i.name);
        let provider = record::SamlProvider {
            name: i.name.clone(),
            id: uuid(),
            metadata: i.saml_metadata_document.clone(),
            entity_id: meta.entity_id,
            certificates: meta.certificates.iter().map(|d| b64(d)).collect(),
            valid_until: meta.valid_until,
            encryption_mode: i.assertion_encryption_mode.clone(),
            created: self.now(),
            tags,
            private_keys,
        };
        check_keys_for_mode(&provider)?;
        self.retry(|| async {
            let mut tx = self.tx();
            if tx
                .get::<record::SamlProvider>(account, &key)
                .await?
                .is_some()
            {
                return Err(ServiceError::EntityAlreadyExists(format!(
                    "SAMLProvider {} already exists.",
                    i.name
                )));
            }
            let existing = self
                .store
                .list(account, record::kind::SAML_PROVIDER, None, MAX_PROVIDERS)
                .await?;
            if existing.len() >= MAX_PROVIDERS {
                return Err(ServiceError::LimitExceeded(format!(
                    "Cannot exceed quota for SAMLProvidersPerAccount: {MAX_PROVIDERS}"
                )));
            }
            tx.put(account, &key, &provider)?;
            tx.commit().await
        })
        .await?;
        Ok(CreateSAMLProviderOutput {
            saml_provider_arn: provider_arn(account, &provider.name),
            tags: tags_if_any(&provider.tags),
        })
    }

    pub(crate) async fn get_saml_provider(
        &self,
        c: &Ctx<'_>,
        i: GetSAMLProviderInput,
    ) -> Result<GetSAMLProviderOutput> {
        let p = self
            .load_saml_provider(c.account(), &i.saml_provider_arn)
            .await?;
        Ok(GetSAMLProviderOutput {
            saml_provider_uuid: p.id.clone(),
            saml_metadata_document: p.metadata.clone(),
            create_date: ts(p.created),
            valid_until: p.valid_until.and_then(ts),
            tags: tag_shapes(&p.tags),
            assertion_encryption_mode: p.encryption_mode.clone(),
            private_key_list: p
                .private_keys
                .iter()
                .map(|k| SAMLPrivateKey {
                    key_id: k.id.clone(),
                    timestamp: ts(k.created),
                })
                .collect(),
        })
    }

    pub(crate) async fn update_saml_provider(
        &self,
        c: &Ctx<'_>,
        i: UpdateSAMLProviderInput,
    ) -> Result<UpdateSAMLProviderOutput> {
        if i.saml_metadata_document.is_none()
            && i.assertion_encryption_mode.is_none()
            && i.add_private_key.is_none()
            && i.remove_private_key.is_none()
        {
            return Err(ServiceError::InvalidInput(
                "Nothing to update: give SAMLMetadataDocument, AssertionEncryptionMode, AddPrivateKey or RemovePrivateKey".into(),
            ));
        }
        if i.add_private_key.is_some() && i.remove_private_key.is_some() {
            // AWS: "add your new private key and then remove the old key in a separate
            // request" — so a rotation never leaves a moment without a working key.
            return Err(ServiceError::InvalidInput(
                "AddPrivateKey and RemovePrivateKey cannot be used in the same request: add the new key, then remove the old key in a separate request.".into(),
            ));
        }
        let meta = match &i.saml_metadata_document {
            Some(d) => Some(saml_metadata::parse(d)?),
            None => None,
        };
        let added = match &i.add_private_key {
            Some(pem) => Some(new_private_key(pem, self.now())?),
            None => None,
        };
        let p = self
            .change_saml_provider(c.account(), &i.saml_provider_arn, |p| {
                if let (Some(doc), Some(m)) = (&i.saml_metadata_document, &meta) {
                    p.metadata.clone_from(doc);
                    p.entity_id.clone_from(&m.entity_id);
                    p.certificates = m.certificates.iter().map(|d| b64(d)).collect();
                    p.valid_until = m.valid_until;
                }
                if let Some(mode) = &i.assertion_encryption_mode {
                    p.encryption_mode = Some(mode.clone());
                }
                if let Some(key) = &added {
                    if p.private_keys.len() >= MAX_PRIVATE_KEYS {
                        return Err(ServiceError::LimitExceeded(format!(
                            "Cannot exceed quota for PrivateKeysPerSAMLProvider: {MAX_PRIVATE_KEYS}. Remove a private key before adding another."
                        )));
                    }
                    if p.private_keys.iter().any(|k| k.pem == key.pem) {
                        return Err(ServiceError::InvalidInput(
                            "This private key is already a key of the SAML provider.".into(),
                        ));
                    }
                    p.private_keys.push(key.clone());
                }
                if let Some(id) = &i.remove_private_key {
                    let before = p.private_keys.len();
                    p.private_keys.retain(|k| k.id != *id);
                    if p.private_keys.len() == before {
                        return Err(ServiceError::InvalidInput(format!(
                            "The private key {id} does not exist for this SAML provider."
                        )));
                    }
                }
                check_keys_for_mode(p)
            })
            .await?;
        Ok(UpdateSAMLProviderOutput {
            saml_provider_arn: provider_arn(c.account(), &p.name),
        })
    }

    pub(crate) async fn list_saml_providers(
        &self,
        c: &Ctx<'_>,
        _i: ListSAMLProvidersInput,
    ) -> Result<ListSAMLProvidersOutput> {
        let account = c.account();
        let page = self
            .list_records::<record::SamlProvider>(account, None, Some(1000), |_| true)
            .await?;
        Ok(ListSAMLProvidersOutput {
            saml_provider_list: page
                .items
                .iter()
                .map(|p| SAMLProviderListEntry {
                    arn: provider_arn(account, &p.name),
                    valid_until: p.valid_until.and_then(ts),
                    create_date: ts(p.created),
                })
                .collect(),
        })
    }

    pub(crate) async fn delete_saml_provider(
        &self,
        c: &Ctx<'_>,
        i: DeleteSAMLProviderInput,
    ) -> Result<()> {
        let account = c.account();
        let arn = &i.saml_provider_arn;
        let key = provider_key(account, arn).ok_or_else(|| provider_not_found(arn))?;
        self.retry(|| async {
            let mut tx = self.tx();
            tx.get::<record::SamlProvider>(account, &key)
                .await?
                .ok_or_else(|| provider_not_found(arn))?;
            tx.delete::<record::SamlProvider>(account, &key)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn tag_saml_provider(
        &self,
        c: &Ctx<'_>,
        i: TagSAMLProviderInput,
    ) -> Result<()> {
        self.change_saml_provider(c.account(), &i.saml_provider_arn, |p| {
            merge_tags(PROVIDER_TAGS, &mut p.tags, &i.tags)
        })
        .await
        .map(drop)
    }

    pub(crate) async fn untag_saml_provider(
        &self,
        c: &Ctx<'_>,
        i: UntagSAMLProviderInput,
    ) -> Result<()> {
        self.change_saml_provider(c.account(), &i.saml_provider_arn, |p| {
            remove_tags(PROVIDER_TAGS, &mut p.tags, &i.tag_keys);
            Ok(())
        })
        .await
        .map(drop)
    }

    pub(crate) async fn list_saml_provider_tags(
        &self,
        c: &Ctx<'_>,
        i: ListSAMLProviderTagsInput,
    ) -> Result<ListTagsOutput> {
        let p = self
            .load_saml_provider(c.account(), &i.saml_provider_arn)
            .await?;
        let page = paginate(
            tag_shapes(&p.tags),
            |t: &shapes::Tag| t.key.clone(),
            i.marker.as_deref(),
            i.max_items,
        )?;
        Ok(ListTagsOutput {
            tags: page.items,
            is_truncated: page.truncated,
            marker: page.marker,
        })
    }
}

fn b64(der: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(der)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns() {
        let a = provider_arn("123456789012", "Okta_Prod-1.x");
        assert_eq!(a, "arn:aws:iam::123456789012:saml-provider/Okta_Prod-1.x");
        assert_eq!(
            provider_key("123456789012", &a).as_deref(),
            Some("okta_prod-1.x")
        );
        assert_eq!(provider_key("210987654321", &a), None);
        assert_eq!(
            provider_key(
                "123456789012",
                "arn:aws:iam::123456789012:saml-provider/a/b"
            ),
            None
        );
        assert_eq!(
            provider_key("123456789012", "arn:aws:iam::123456789012:role/x"),
            None
        );
    }
}

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
//! Encrypted assertions (`AssertionEncryptionMode` `Required`, `AddPrivateKey`) are not
//! supported: asking for them is `InvalidInput`, never a provider that silently accepts
//! plaintext.

use rolegate_proto::dto::{saml_providers::*, shapes, users::ListTagsOutput};
use rolegate_store::record;

use crate::{
    Service,
    error::{Result, ServiceError},
    federation::saml_metadata,
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

/// Refuses what Rolegate does not implement (encrypted assertions).
fn check_encryption(mode: Option<&str>, add_key: bool) -> Result<()> {
    if mode == Some("Required") || add_key {
        return Err(ServiceError::InvalidInput(
            "Encrypted SAML assertions are not supported: AssertionEncryptionMode must be Allowed and no private key may be added".into(),
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
        check_encryption(
            i.assertion_encryption_mode.as_deref(),
            i.add_private_key.is_some(),
        )?;
        let meta = saml_metadata::parse(&i.saml_metadata_document)?;
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
        };
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
        })
    }

    pub(crate) async fn update_saml_provider(
        &self,
        c: &Ctx<'_>,
        i: UpdateSAMLProviderInput,
    ) -> Result<UpdateSAMLProviderOutput> {
        check_encryption(
            i.assertion_encryption_mode.as_deref(),
            i.add_private_key.is_some(),
        )?;
        if i.saml_metadata_document.is_none()
            && i.assertion_encryption_mode.is_none()
            && i.remove_private_key.is_none()
        {
            return Err(ServiceError::InvalidInput(
                "Nothing to update: give SAMLMetadataDocument or AssertionEncryptionMode".into(),
            ));
        }
        if let Some(id) = &i.remove_private_key {
            return Err(ServiceError::InvalidInput(format!(
                "The private key {id} does not exist for this SAML provider."
            )));
        }
        let meta = match &i.saml_metadata_document {
            Some(d) => Some(saml_metadata::parse(d)?),
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
                Ok(())
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

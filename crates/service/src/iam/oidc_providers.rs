//! OpenID Connect providers: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateOpenIDConnectProvider.html>
//! and siblings.
//!
//! A provider is stored under its issuer without the scheme, `HOST[:PORT]/PATH`: that string is
//! its ARN's resource (`arn:aws:iam::ACCOUNT:oidc-provider/HOST[:PORT]/PATH`), the key a
//! token's `iss` is looked up by (exactly: `https://` + key) and the prefix of its condition
//! keys (`HOST[:PORT]/PATH:sub`). Unlike AWS, a port is allowed (self-hosted IdPs listen on
//! one). The host is lowercased when the provider is created; nothing else is rewritten.

use rolegate_proto::dto::{oidc_providers::*, shapes, users::ListTagsOutput};
use rolegate_store::record;

use crate::{
    Service,
    error::{Result, ServiceError},
    iam::{Ctx, TagRules, merge_tags, paginate, remove_tags, tag_shapes, tags_if_any, ts},
};

use crate::handler::{NamedResource, Needs, handlers};

handlers! {
    CreateOpenIDConnectProviderInput => CreateOpenIDConnectProviderOutput: create_oidc_provider,
        needs |i, _| Needs::on(NamedResource::NewOidcProvider(&i.url)).tags(&i.tags);
    GetOpenIDConnectProviderInput => GetOpenIDConnectProviderOutput: get_oidc_provider,
        needs |i, _| Needs::on(NamedResource::OidcProvider(&i.open_id_connect_provider_arn));
    ListOpenIDConnectProvidersInput => ListOpenIDConnectProvidersOutput: list_oidc_providers,
        needs |i, _| Needs::any();
    DeleteOpenIDConnectProviderInput: delete_oidc_provider,
        needs |i, _| Needs::on(NamedResource::OidcProvider(&i.open_id_connect_provider_arn));
    AddClientIDToOpenIDConnectProviderInput: add_client_id_to_oidc_provider,
        needs |i, _| Needs::on(NamedResource::OidcProvider(&i.open_id_connect_provider_arn));
    RemoveClientIDFromOpenIDConnectProviderInput: remove_client_id_from_oidc_provider,
        needs |i, _| Needs::on(NamedResource::OidcProvider(&i.open_id_connect_provider_arn));
    UpdateOpenIDConnectProviderThumbprintInput: update_oidc_provider_thumbprint,
        needs |i, _| Needs::on(NamedResource::OidcProvider(&i.open_id_connect_provider_arn));
    TagOpenIDConnectProviderInput: tag_oidc_provider,
        needs |i, _| Needs::on(NamedResource::OidcProvider(&i.open_id_connect_provider_arn)).tags(&i.tags);
    UntagOpenIDConnectProviderInput: untag_oidc_provider,
        needs |i, _| Needs::on(NamedResource::OidcProvider(&i.open_id_connect_provider_arn)).untags(&i.tag_keys);
    ListOpenIDConnectProviderTagsInput => ListTagsOutput: list_oidc_provider_tags,
        needs |i, _| Needs::on(NamedResource::OidcProvider(&i.open_id_connect_provider_arn));
}

/// OIDC providers per account (`OpenIdConnectProvidersPerAccount`).
pub const MAX_PROVIDERS: usize = 100;
/// Client ids per provider (`ClientIdsPerOpenIdConnectProvider`).
pub const MAX_CLIENT_IDS: usize = 100;
/// Thumbprints per provider (`ThumbprintsPerOpenIdConnectProvider`).
pub const MAX_THUMBPRINTS: usize = 5;

/// Tag keys of providers compare exactly, like policies and instance profiles.
const PROVIDER_TAGS: TagRules = TagRules {
    case_insensitive_keys: false,
    quota: "TagsPerOpenIdConnectProvider",
};

/// An issuer URL, checked and split: its key (`HOST[:PORT]/PATH`, host lowercased) and
/// whether it is plain HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    /// `HOST[:PORT]/PATH`.
    pub key: String,
    /// `http://` (only where the deployment allows it).
    pub http: bool,
}

/// Checks an issuer URL as CreateOpenIDConnectProvider receives it: `https://` (or, with
/// `allow_http`, `http://`), a host of letters, digits, dots and hyphens, an optional port,
/// an optional path of printable characters; no user info, query or fragment.
pub fn parse_issuer_url(url: &str, allow_http: bool) -> Result<Issuer> {
    let invalid = || ServiceError::InvalidInput("Invalid Openid Connect Provider URL".into());
    let (rest, http) = if let Some(r) = url.strip_prefix("https://") {
        (r, false)
    } else if let Some(r) = url.strip_prefix("http://") {
        if !allow_http {
            return Err(ServiceError::InvalidInput(
                "The URL of an OpenID Connect provider must begin with https://".into(),
            ));
        }
        (r, true)
    } else {
        return Err(invalid());
    };
    let (authority, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && !host.starts_with(['.', '-'])
        && !host.ends_with('-');
    let port_ok = port.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 5
            && p.chars().all(|c| c.is_ascii_digit())
            && p.parse::<u16>().is_ok_and(|n| n > 0)
    });
    let path_ok = path
        .chars()
        .all(|c| c.is_ascii_graphic() && c != '?' && c != '#' && c != '\\')
        && !path.contains("//")
        && !path.split('/').any(|s| s == "." || s == "..");
    if !(host_ok && port_ok && path_ok) {
        return Err(invalid());
    }
    let mut key = host.to_ascii_lowercase();
    if let Some(p) = port {
        key.push(':');
        key.push_str(p);
    }
    key.push_str(path);
    Ok(Issuer { key, http })
}

/// `arn:aws:iam::<account>:oidc-provider/<key>`.
pub fn provider_arn(account: &str, key: &str) -> String {
    crate::iam::arn(account, "oidc-provider/", "", key)
}

/// The key an OIDC provider ARN names in `account` (`None`: not a provider of that account).
pub fn provider_key<'a>(account: &str, arn: &'a str) -> Option<&'a str> {
    let parsed = crate::iam::parse_arn(arn)?;
    if parsed.service != "iam" || parsed.account != account {
        return None;
    }
    let key = parsed.resource.strip_prefix("oidc-provider/")?;
    (!key.is_empty()).then_some(key)
}

fn provider_not_found(arn: &str) -> ServiceError {
    ServiceError::NoSuchEntity(format!("OpenIDConnect Provider not found for arn {arn}"))
}

fn check_client_ids(ids: &[String]) -> Result<()> {
    if ids.len() > MAX_CLIENT_IDS {
        return Err(ServiceError::LimitExceeded(format!(
            "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: {MAX_CLIENT_IDS}"
        )));
    }
    for (n, id) in ids.iter().enumerate() {
        if id.is_empty() || id.chars().count() > 255 {
            return Err(ServiceError::Validation(format!(
                "1 validation error detected: Value '{id}' at 'clientIDList.{}.member' failed to satisfy constraint: Member must have length between 1 and 255",
                n + 1
            )));
        }
    }
    Ok(())
}

fn check_thumbprints(prints: &[String]) -> Result<Vec<String>> {
    if prints.len() > MAX_THUMBPRINTS {
        return Err(ServiceError::LimitExceeded(format!(
            "Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: {MAX_THUMBPRINTS}"
        )));
    }
    let mut out: Vec<String> = Vec::new();
    for (n, t) in prints.iter().enumerate() {
        if t.len() != 40 {
            return Err(ServiceError::Validation(format!(
                "1 validation error detected: Value '{t}' at 'thumbprintList.{}.member' failed to satisfy constraint: Member must have length greater than or equal to 40",
                n + 1
            )));
        }
        if !t.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(ServiceError::InvalidInput(format!(
                "Thumbprint {t} is not a valid SHA-1 hex digest."
            )));
        }
        if !out.iter().any(|o| o.eq_ignore_ascii_case(t)) {
            out.push(t.clone());
        }
    }
    Ok(out)
}

/// Client ids without repeats, first spelling kept (AWS stores a set).
fn dedup(ids: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        if !out.contains(id) {
            out.push(id.clone());
        }
    }
    out
}

impl Service {
    /// The provider an ARN names in the caller's account.
    pub(crate) async fn load_oidc_provider(
        &self,
        account: &str,
        arn: &str,
    ) -> Result<std::sync::Arc<record::OidcProvider>> {
        let key = provider_key(account, arn).ok_or_else(|| provider_not_found(arn))?;
        self.cache
            .get::<record::OidcProvider>(&*self.store, account, key)
            .await?
            .ok_or_else(|| provider_not_found(arn))
    }

    /// Read-modify-write of one provider.
    async fn update_oidc_provider(
        &self,
        account: &str,
        arn: &str,
        f: impl Fn(&mut record::OidcProvider) -> Result<()>,
    ) -> Result<()> {
        let key = provider_key(account, arn).ok_or_else(|| provider_not_found(arn))?;
        self.retry(|| async {
            let mut tx = self.tx();
            let mut p = tx
                .get::<record::OidcProvider>(account, key)
                .await?
                .ok_or_else(|| provider_not_found(arn))?;
            f(&mut p)?;
            tx.put(account, key, &p)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn create_oidc_provider(
        &self,
        c: &Ctx<'_>,
        i: CreateOpenIDConnectProviderInput,
    ) -> Result<CreateOpenIDConnectProviderOutput> {
        let account = c.account();
        let issuer = parse_issuer_url(&i.url, self.federation.allow_http_issuers)?;
        check_client_ids(&i.client_id_list)?;
        let thumbprints = check_thumbprints(&i.thumbprint_list)?;
        let mut tags = Vec::new();
        merge_tags(PROVIDER_TAGS, &mut tags, &i.tags)?;
        let provider = record::OidcProvider {
            url: issuer.key.clone(),
            id: crate::ids::unique_id("OIDC")?,
            http: issuer.http,
            client_ids: dedup(&i.client_id_list),
            thumbprints,
            created: self.now(),
            tags,
        };
        self.retry(|| async {
            let mut tx = self.tx();
            if tx
                .get::<record::OidcProvider>(account, &provider.url)
                .await?
                .is_some()
            {
                return Err(ServiceError::EntityAlreadyExists(format!(
                    "Provider with url {} already exists.",
                    i.url
                )));
            }
            let existing = self
                .store
                .list(account, record::kind::OIDC_PROVIDER, None, MAX_PROVIDERS)
                .await?;
            if existing.len() >= MAX_PROVIDERS {
                return Err(ServiceError::LimitExceeded(format!(
                    "Cannot exceed quota for OpenIdConnectProvidersPerAccount: {MAX_PROVIDERS}"
                )));
            }
            tx.put(account, &provider.url, &provider)?;
            tx.commit().await
        })
        .await?;
        Ok(CreateOpenIDConnectProviderOutput {
            open_id_connect_provider_arn: provider_arn(account, &provider.url),
            tags: tags_if_any(&provider.tags),
        })
    }

    pub(crate) async fn get_oidc_provider(
        &self,
        c: &Ctx<'_>,
        i: GetOpenIDConnectProviderInput,
    ) -> Result<GetOpenIDConnectProviderOutput> {
        let p = self
            .load_oidc_provider(c.account(), &i.open_id_connect_provider_arn)
            .await?;
        Ok(GetOpenIDConnectProviderOutput {
            url: p.url.clone(),
            client_id_list: p.client_ids.clone(),
            thumbprint_list: p.thumbprints.clone(),
            create_date: ts(p.created),
            tags: tag_shapes(&p.tags),
        })
    }

    pub(crate) async fn list_oidc_providers(
        &self,
        c: &Ctx<'_>,
        _i: ListOpenIDConnectProvidersInput,
    ) -> Result<ListOpenIDConnectProvidersOutput> {
        let account = c.account();
        let page = self
            .list_records::<record::OidcProvider>(account, None, Some(1000), |_| true)
            .await?;
        Ok(ListOpenIDConnectProvidersOutput {
            open_id_connect_provider_list: page
                .items
                .iter()
                .map(|p| OpenIDConnectProviderListEntry {
                    arn: provider_arn(account, &p.url),
                })
                .collect(),
        })
    }

    pub(crate) async fn delete_oidc_provider(
        &self,
        c: &Ctx<'_>,
        i: DeleteOpenIDConnectProviderInput,
    ) -> Result<()> {
        let account = c.account();
        let arn = &i.open_id_connect_provider_arn;
        let key = provider_key(account, arn).ok_or_else(|| provider_not_found(arn))?;
        self.retry(|| async {
            let mut tx = self.tx();
            tx.get::<record::OidcProvider>(account, key)
                .await?
                .ok_or_else(|| provider_not_found(arn))?;
            tx.delete::<record::OidcProvider>(account, key)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn add_client_id_to_oidc_provider(
        &self,
        c: &Ctx<'_>,
        i: AddClientIDToOpenIDConnectProviderInput,
    ) -> Result<()> {
        self.update_oidc_provider(c.account(), &i.open_id_connect_provider_arn, |p| {
            if p.client_ids.contains(&i.client_id) {
                return Ok(());
            }
            if p.client_ids.len() >= MAX_CLIENT_IDS {
                return Err(ServiceError::LimitExceeded(format!(
                    "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: {MAX_CLIENT_IDS}"
                )));
            }
            p.client_ids.push(i.client_id.clone());
            Ok(())
        })
        .await
    }

    pub(crate) async fn remove_client_id_from_oidc_provider(
        &self,
        c: &Ctx<'_>,
        i: RemoveClientIDFromOpenIDConnectProviderInput,
    ) -> Result<()> {
        self.update_oidc_provider(c.account(), &i.open_id_connect_provider_arn, |p| {
            p.client_ids.retain(|id| *id != i.client_id);
            Ok(())
        })
        .await
    }

    pub(crate) async fn update_oidc_provider_thumbprint(
        &self,
        c: &Ctx<'_>,
        i: UpdateOpenIDConnectProviderThumbprintInput,
    ) -> Result<()> {
        let prints = check_thumbprints(&i.thumbprint_list)?;
        self.update_oidc_provider(c.account(), &i.open_id_connect_provider_arn, |p| {
            p.thumbprints.clone_from(&prints);
            Ok(())
        })
        .await
    }

    pub(crate) async fn tag_oidc_provider(
        &self,
        c: &Ctx<'_>,
        i: TagOpenIDConnectProviderInput,
    ) -> Result<()> {
        self.update_oidc_provider(c.account(), &i.open_id_connect_provider_arn, |p| {
            merge_tags(PROVIDER_TAGS, &mut p.tags, &i.tags)
        })
        .await
    }

    pub(crate) async fn untag_oidc_provider(
        &self,
        c: &Ctx<'_>,
        i: UntagOpenIDConnectProviderInput,
    ) -> Result<()> {
        self.update_oidc_provider(c.account(), &i.open_id_connect_provider_arn, |p| {
            remove_tags(PROVIDER_TAGS, &mut p.tags, &i.tag_keys);
            Ok(())
        })
        .await
    }

    pub(crate) async fn list_oidc_provider_tags(
        &self,
        c: &Ctx<'_>,
        i: ListOpenIDConnectProviderTagsInput,
    ) -> Result<ListTagsOutput> {
        let p = self
            .load_oidc_provider(c.account(), &i.open_id_connect_provider_arn)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_urls() {
        let ok = |u: &str| parse_issuer_url(u, false).map(|i| i.key);
        assert_eq!(
            ok("https://token.actions.githubusercontent.com")
                .ok()
                .as_deref(),
            Some("token.actions.githubusercontent.com")
        );
        assert_eq!(
            ok("https://Keycloak.Example.com:8443/realms/Main")
                .ok()
                .as_deref(),
            Some("keycloak.example.com:8443/realms/Main")
        );
        for bad in [
            "token.actions.githubusercontent.com",
            "https://",
            "https://a b",
            "https://user@host",
            "https://host/?q=1",
            "https://host/#f",
            "https://host:0",
            "https://host:99999",
            "https://host:",
            "https://host/a/../b",
            "ftp://host",
        ] {
            assert!(ok(bad).is_err(), "{bad}");
        }
        assert!(parse_issuer_url("http://127.0.0.1:8080", false).is_err());
        assert_eq!(
            parse_issuer_url("http://127.0.0.1:8080", true).ok(),
            Some(Issuer {
                key: "127.0.0.1:8080".into(),
                http: true
            })
        );
    }

    #[test]
    fn arns() {
        let a = provider_arn("123456789012", "idp.example.com:8443/realms/x");
        assert_eq!(
            a,
            "arn:aws:iam::123456789012:oidc-provider/idp.example.com:8443/realms/x"
        );
        assert_eq!(
            provider_key("123456789012", &a),
            Some("idp.example.com:8443/realms/x")
        );
        assert_eq!(provider_key("210987654321", &a), None);
        assert_eq!(
            provider_key("123456789012", "arn:aws:iam::123456789012:role/x"),
            None
        );
    }
}

//! IAM entities, one file per resource family, and what they share: names, ARNs, paging,
//! tags, policy documents and managed-policy references.
//!
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/welcome.html>

mod access_advisor;
mod access_keys;
mod account;
mod account_aliases;
mod attached_policies;
mod credential_report;
pub(crate) mod delegation_requests;
mod groups;
mod inline_policies;
mod instance_profiles;
mod mfa_devices;
pub mod oidc_providers;
pub mod outbound_federation;
mod passwords;
mod pki;
mod policies;
pub(crate) mod roles;
pub mod saml_providers;
mod server_certificates;
mod service_credentials;
pub(crate) mod service_linked_roles;
mod shared_issuers;
mod signing_certificates;
mod simulation;
mod ssh_keys;
mod users;

use rolegate_policy::PolicyKind;
use rolegate_proto::dto::shapes;
use rolegate_store::record;
use time::OffsetDateTime;

pub use self::access_advisor::{JOB_TTL_SECONDS, JOBS_PER_ACCOUNT};
pub(crate) use self::mfa_devices::{device_key, serial_of};
pub use self::policies::ManagedRef;
pub use self::roles::bind_principals;
use crate::{
    Caller, RequestEnv, Service,
    error::{Result, ServiceError},
};

/// The caller and the request environment, passed to every handler.
pub struct Ctx<'a> {
    /// Who calls.
    pub caller: &'a Caller,
    /// The request.
    pub env: &'a RequestEnv,
}

impl Ctx<'_> {
    /// The caller's account.
    pub fn account(&self) -> &str {
        &self.caller.account
    }
}

/// The partition this deployment's ARNs are in; an ARN of another partition names nothing here.
pub const PARTITION: rolegate_policy::arn::Partition = rolegate_policy::arn::Partition::Aws;

/// An ARN of this deployment's partition.
pub fn parse_arn(text: &str) -> Option<rolegate_policy::arn::Arn<'_>> {
    rolegate_policy::arn::Arn::parse(text).filter(|a| a.partition == PARTITION)
}

/// The store key of a named entity: names are unique case-insensitively.
pub fn key_of(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// `arn:aws:iam::<account>:<kind><path><name>`.
pub fn arn(account: &str, kind: &str, path: &str, name: &str) -> String {
    rolegate_policy::arn::iam_arn(PARTITION, account, kind, path, name)
}

/// `arn:aws:iam::<account>:root`: the account as a principal.
pub fn root_arn(account: &str) -> String {
    arn(account, "root", "", "")
}

/// `arn:aws:sts::<account>:<resource>`: a session's ARN (`assumed-role/R/s`,
/// `federated-user/N`).
pub fn sts_arn(account: &str, resource: &str) -> String {
    format!("arn:{}:sts::{account}:{resource}", PARTITION.as_str())
}

/// A stored secret as it goes into the one response that creates it.
pub fn reveal(secret: &rolegate_store::Secret) -> rolegate_proto::Secret {
    rolegate_proto::Secret::new(secret.expose().to_owned())
}

/// A record time as a timestamp.
pub fn ts(t: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(t).ok()
}

/// The default path.
pub fn path_or_root(path: Option<String>) -> String {
    path.unwrap_or_else(|| "/".to_owned())
}

/// `MaxItems` default.
pub const DEFAULT_MAX_ITEMS: i64 = 100;

/// A page of a list: the items, whether more remain, and the marker to continue from.
pub struct Page<T> {
    /// Items.
    pub items: Vec<T>,
    /// `IsTruncated`.
    pub truncated: bool,
    /// `Marker`.
    pub marker: Option<String>,
}

/// Encodes a position as an opaque marker.
pub fn encode_marker(key: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("rg1:{key}"))
}

/// Decodes a marker; a forged or foreign marker is `InvalidInput`.
pub fn decode_marker(marker: Option<&str>) -> Result<Option<String>> {
    use base64::Engine;
    let Some(m) = marker else { return Ok(None) };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(m)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("rg1:").map(str::to_owned))
        .map(Some)
        .ok_or_else(|| ServiceError::InvalidInput("Invalid Marker.".into()))
}

pub(crate) fn limit(max_items: Option<i64>) -> usize {
    usize::try_from(max_items.unwrap_or(DEFAULT_MAX_ITEMS)).unwrap_or(100)
}

/// Pages through an in-memory list ordered by `key`.
pub fn paginate<T>(
    mut items: Vec<T>,
    key: impl Fn(&T) -> String,
    marker: Option<&str>,
    max_items: Option<i64>,
) -> Result<Page<T>> {
    let after = decode_marker(marker)?;
    items.sort_by_key(|i| key(i));
    let start = match &after {
        Some(a) => items
            .iter()
            .position(|i| key(i) > *a)
            .unwrap_or(items.len()),
        None => 0,
    };
    let max = limit(max_items);
    let mut rest: Vec<T> = items.into_iter().skip(start).collect();
    let truncated = rest.len() > max;
    rest.truncate(max);
    let marker = if truncated {
        rest.last().map(|i| encode_marker(&key(i)))
    } else {
        None
    };
    Ok(Page {
        items: rest,
        truncated,
        marker,
    })
}

impl Service {
    /// Pages through stored records of a kind, keeping those `keep` accepts.
    pub(crate) async fn list_records<T: rolegate_store::Entity>(
        &self,
        account: &str,
        marker: Option<&str>,
        max_items: Option<i64>,
        keep: impl Fn(&T) -> bool,
    ) -> Result<Page<T>> {
        let (out, truncated) = self
            .list_keyed(account, decode_marker(marker)?, limit(max_items), keep)
            .await?;
        let marker = if truncated {
            out.last().map(|(k, _)| encode_marker(k))
        } else {
            None
        };
        Ok(Page {
            items: out.into_iter().map(|(_, v)| v).collect(),
            truncated,
            marker,
        })
    }

    /// Up to `max` stored records of a kind after the key `after`, with their keys, keeping
    /// those `keep` accepts; and whether more remain.
    pub(crate) async fn list_keyed<T: rolegate_store::Entity>(
        &self,
        account: &str,
        mut after: Option<String>,
        max: usize,
        keep: impl Fn(&T) -> bool,
    ) -> Result<(Vec<(String, T)>, bool)> {
        let mut out: Vec<(String, T)> = Vec::new();
        // One page plus one (to know whether more remain); further batches only when a filter
        // dropped records. The cost of a page is bounded by MaxItems, not by what is stored.
        let batch_size = max.saturating_add(1).clamp(1, 1000);
        loop {
            let batch = self
                .store
                .list(account, T::KIND, after.as_deref(), batch_size)
                .await?;
            let done = batch.len() < batch_size;
            after = batch.last().map(|r| r.key.clone());
            for r in batch {
                let v: T = record::decode(&r.data)?;
                if keep(&v) {
                    out.push((r.key, v));
                }
            }
            if done || out.len() > max {
                break;
            }
        }
        let truncated = out.len() > max;
        out.truncate(max);
        Ok((out, truncated))
    }

    /// Read-modify-write of one named record; `what` names it in `NoSuchEntity`.
    pub(crate) async fn update_named<T: rolegate_store::Entity>(
        &self,
        account: &str,
        name: &str,
        what: &str,
        f: impl Fn(&mut T) -> Result<()>,
    ) -> Result<T> {
        self.retry(|| async {
            let mut tx = self.tx();
            let key = key_of(name);
            let mut value = tx
                .get::<T>(account, &key)
                .await?
                .ok_or_else(|| not_found(what, name))?;
            f(&mut value)?;
            tx.put(account, &key, &value)?;
            tx.commit().await?;
            Ok(value)
        })
        .await
    }

    /// Validates a document for its use; `MalformedPolicyDocument` with AWS's reason.
    pub(crate) fn check_document(&self, text: &str, kind: PolicyKind) -> Result<()> {
        self.parsed_policy(text, kind).map(|_| ())
    }
}

/// Whether a path starts with a prefix (`PathPrefix` filter).
pub fn path_matches(path: &str, prefix: Option<&str>) -> bool {
    prefix.is_none_or(|p| path.starts_with(p))
}

/// Tag rules for one kind of entity.
#[derive(Debug, Clone, Copy)]
pub struct TagRules {
    /// Keys compare case-insensitively (users, roles) or not (policies, instance profiles).
    pub case_insensitive_keys: bool,
    /// Quota name for the error: `TagsPerUser`, …
    pub quota: &'static str,
}

/// An entity with tags, stored under its lowercased name (users, roles, instance profiles).
pub trait Tagged: rolegate_store::Entity {
    /// `user`, `role`, `instance profile` (for `NoSuchEntity`).
    const WHAT: &'static str;
    /// Its tag rules.
    const TAG_RULES: TagRules;
    /// The tags.
    fn tags(&mut self) -> &mut Vec<record::Tag>;
}

impl Tagged for record::User {
    const WHAT: &'static str = "user";
    const TAG_RULES: TagRules = TagRules {
        case_insensitive_keys: true,
        quota: "TagsPerUser",
    };
    fn tags(&mut self) -> &mut Vec<record::Tag> {
        &mut self.tags
    }
}

impl Tagged for record::Role {
    const WHAT: &'static str = "role";
    const TAG_RULES: TagRules = TagRules {
        case_insensitive_keys: true,
        quota: "TagsPerRole",
    };
    fn tags(&mut self) -> &mut Vec<record::Tag> {
        &mut self.tags
    }
}

impl Tagged for record::InstanceProfile {
    const WHAT: &'static str = "instance profile";
    const TAG_RULES: TagRules = TagRules {
        case_insensitive_keys: false,
        quota: "TagsPerInstanceProfile",
    };
    fn tags(&mut self) -> &mut Vec<record::Tag> {
        &mut self.tags
    }
}

impl Tagged for record::ServerCertificate {
    const WHAT: &'static str = "Server Certificate";
    const TAG_RULES: TagRules = TagRules {
        case_insensitive_keys: false,
        quota: "TagsPerServerCertificate",
    };
    fn tags(&mut self) -> &mut Vec<record::Tag> {
        &mut self.tags
    }
}

impl Service {
    /// TagUser, TagRole, TagInstanceProfile.
    pub(crate) async fn tag<T: Tagged>(
        &self,
        account: &str,
        name: &str,
        tags: &[shapes::Tag],
    ) -> Result<()> {
        self.update_named::<T>(account, name, T::WHAT, |e| {
            merge_tags(T::TAG_RULES, e.tags(), tags)
        })
        .await
        .map(|_| ())
    }

    /// UntagUser, UntagRole, UntagInstanceProfile.
    pub(crate) async fn untag<T: Tagged>(
        &self,
        account: &str,
        name: &str,
        keys: &[String],
    ) -> Result<()> {
        self.update_named::<T>(account, name, T::WHAT, |e| {
            remove_tags(T::TAG_RULES, e.tags(), keys);
            Ok(())
        })
        .await
        .map(|_| ())
    }

    /// ListUserTags, ListRoleTags, ListInstanceProfileTags.
    pub(crate) async fn list_tags<T: Tagged>(
        &self,
        account: &str,
        name: &str,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<rolegate_proto::dto::users::ListTagsOutput> {
        let entity = self
            .cache
            .get::<T>(&*self.store, account, &key_of(name))
            .await?
            .ok_or_else(|| not_found(T::WHAT, name))?;
        let mut entity = (*entity).clone();
        let page = paginate(
            tag_shapes(entity.tags()),
            |t| t.key.clone(),
            marker,
            max_items,
        )?;
        Ok(rolegate_proto::dto::users::ListTagsOutput {
            tags: page.items,
            is_truncated: page.truncated,
            marker: page.marker,
        })
    }
}

/// Maximum tags per entity.
pub const MAX_TAGS: usize = 50;

/// AWS's message for tag keys given twice (case not counting).
pub const DUPLICATE_TAG_KEYS: &str =
    "Duplicate tag keys found. Please note that Tag keys are case insensitive.";

/// The first key that repeats an earlier one, case not counting (in any script).
pub fn repeated_tag_key<'a>(keys: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut seen = std::collections::HashSet::new();
    keys.into_iter()
        .find(|k| !seen.insert(rolegate_policy::request::fold_key(k)))
}

/// Whether two tag keys are the same key where case does not count: in every script, as
/// condition keys compare (`rolegate_policy::request::fold_key`).
pub fn same_tag_key(a: &str, b: &str) -> bool {
    a == b || rolegate_policy::request::fold_key(a) == rolegate_policy::request::fold_key(b)
}

fn same_key(rules: TagRules, a: &str, b: &str) -> bool {
    if rules.case_insensitive_keys {
        same_tag_key(a, b)
    } else {
        a == b
    }
}

/// Merges `new` tags into `tags` (a key already present is replaced; with case-insensitive
/// keys the new spelling wins). Refuses reserved keys, duplicates within the request, and
/// more than 50 tags in all, changing nothing.
pub fn merge_tags(rules: TagRules, tags: &mut Vec<record::Tag>, new: &[shapes::Tag]) -> Result<()> {
    for (i, t) in new.iter().enumerate() {
        if t.key.to_ascii_lowercase().starts_with("aws:") {
            return Err(ServiceError::InvalidInput(
                "User-created tag keys cannot start with 'aws:'.".into(),
            ));
        }
        if new
            .iter()
            .skip(i + 1)
            .any(|o| same_key(rules, &o.key, &t.key))
        {
            return Err(ServiceError::InvalidInput(DUPLICATE_TAG_KEYS.into()));
        }
    }
    let mut merged = tags.clone();
    for t in new {
        merged.retain(|o| !same_key(rules, &o.key, &t.key));
        merged.push(record::Tag {
            key: t.key.clone(),
            value: t.value.clone(),
        });
    }
    if merged.len() > MAX_TAGS {
        return Err(ServiceError::LimitExceeded(format!(
            "Cannot exceed quota for {}: {MAX_TAGS}",
            rules.quota
        )));
    }
    *tags = merged;
    Ok(())
}

/// Removes the tags with these keys.
pub fn remove_tags(rules: TagRules, tags: &mut Vec<record::Tag>, keys: &[String]) {
    tags.retain(|t| !keys.iter().any(|k| same_key(rules, k, &t.key)));
}

/// Record tags as output tags.
pub fn tag_shapes(tags: &[record::Tag]) -> Vec<shapes::Tag> {
    tags.iter()
        .map(|t| shapes::Tag {
            key: t.key.clone(),
            value: t.value.clone(),
        })
        .collect()
}

/// `Some(tags)` when there are any (AWS omits an empty `Tags`).
pub fn tags_if_any(tags: &[record::Tag]) -> Option<Vec<shapes::Tag>> {
    (!tags.is_empty()).then(|| tag_shapes(tags))
}

/// The `PermissionsBoundary` output element.
pub fn boundary_shape(arn: &Option<String>) -> Option<shapes::AttachedPermissionsBoundary> {
    arn.as_ref().map(|a| shapes::AttachedPermissionsBoundary {
        permissions_boundary_type: "PermissionsBoundaryPolicy".into(),
        permissions_boundary_arn: a.clone(),
    })
}

/// Non-white-space length, as AWS measures policy sizes.
pub fn policy_size(text: &str) -> usize {
    rolegate_policy::document::non_whitespace_len(text)
}

/// `The user with name X cannot be found.` and its siblings.
pub fn not_found(what: &str, name: &str) -> ServiceError {
    ServiceError::NoSuchEntity(format!("The {what} with name {name} cannot be found."))
}

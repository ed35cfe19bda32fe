//! Managed policies and their versions: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html>
//! and siblings. Customer managed policies live in the store with their (at most five) versions
//! in one record, so the version quota holds under any concurrency.

use rolegate_policy::{PolicyKind, document::Version};
use rolegate_proto::{
    dto::{policies::*, shapes, users::ListTagsOutput},
    types::PolicyDocumentText,
};
use rolegate_store::record;

use crate::{
    Service,
    error::{Result, ServiceError},
    iam::{
        Ctx, TagRules, key_of, merge_tags, paginate, path_matches, path_or_root, policy_size,
        remove_tags, tag_shapes, tags_if_any, ts,
    },
    ids,
    managed_policies::{self, AwsPolicy},
    tx::Tx,
};

use crate::handler::{NamedResource, Needs, handlers};

handlers! {
    CreatePolicyInput => CreatePolicyOutput: create_policy,
        needs |i, _| Needs::on(NamedResource::NewPolicy(&i.policy_name, i.path.as_deref())).tags(&i.tags);
    GetPolicyInput => GetPolicyOutput: get_policy,
        needs |i, _| Needs::policy(&i.policy_arn);
    ListPoliciesInput => ListPoliciesOutput: list_policies,
        needs |i, _| Needs::list("policy", i.path_prefix.as_deref());
    CreatePolicyVersionInput => CreatePolicyVersionOutput: create_policy_version,
        needs |i, _| Needs::policy(&i.policy_arn);
    GetPolicyVersionInput => GetPolicyVersionOutput: get_policy_version,
        needs |i, _| Needs::policy(&i.policy_arn);
    ListPolicyVersionsInput => ListPolicyVersionsOutput: list_policy_versions,
        needs |i, _| Needs::policy(&i.policy_arn);
    ListPolicyTagsInput => ListTagsOutput: list_policy_tags,
        needs |i, _| Needs::policy(&i.policy_arn);
    ListEntitiesForPolicyInput => ListEntitiesForPolicyOutput: list_entities_for_policy,
        needs |i, _| Needs::policy(&i.policy_arn);
    DeletePolicyInput: delete_policy,
        needs |i, _| Needs::policy(&i.policy_arn);
    DeletePolicyVersionInput: delete_policy_version,
        needs |i, _| Needs::policy(&i.policy_arn);
    SetDefaultPolicyVersionInput: set_default_policy_version,
        needs |i, _| Needs::policy(&i.policy_arn);
    TagPolicyInput: tag_policy,
        needs |i, _| Needs::policy(&i.policy_arn).tags(&i.tags);
    UntagPolicyInput: untag_policy,
        needs |i, _| Needs::policy(&i.policy_arn).untags(&i.tag_keys);
}

const POLICY_TAGS: TagRules = TagRules {
    case_insensitive_keys: false,
    quota: "TagsPerPolicy",
};
/// Managed policy size, non-white-space characters.
pub const MAX_POLICY_SIZE: usize = 6144;
/// Versions kept per managed policy.
pub const MAX_VERSIONS: usize = 5;

/// A reference to a managed policy by ARN.
#[derive(Debug, Clone)]
pub enum ManagedRef {
    /// Built in.
    Aws(&'static AwsPolicy),
    /// In the caller's account.
    Customer {
        /// The ARN.
        arn: String,
        /// The store key (lowercased name).
        key: String,
        /// The path in the ARN.
        path: String,
    },
}

impl ManagedRef {
    /// The ARN.
    pub fn arn(&self) -> String {
        match self {
            ManagedRef::Aws(p) => p.arn(),
            ManagedRef::Customer { arn, .. } => arn.clone(),
        }
    }
}

fn not_attachable(arn: &str) -> ServiceError {
    ServiceError::NoSuchEntity(format!("Policy {arn} does not exist or is not attachable."))
}

fn customer_arn(account: &str, path: &str, name: &str) -> String {
    crate::iam::arn(account, "policy", path, name)
}

/// The `Policy` output of a customer managed policy.
pub fn policy_shape(account: &str, p: &record::Policy, with_tags: bool) -> shapes::Policy {
    shapes::Policy {
        policy_name: p.name.clone(),
        policy_id: p.id.clone(),
        arn: customer_arn(account, &p.path, &p.name),
        path: p.path.clone(),
        default_version_id: p.default_version.clone(),
        attachment_count: p.attachment_count,
        permissions_boundary_usage_count: p.boundary_usage_count,
        is_attachable: true,
        description: p.description.clone(),
        create_date: ts(p.created),
        update_date: ts(p.updated),
        tags: if with_tags {
            tags_if_any(&p.tags)
        } else {
            None
        },
    }
}

fn aws_policy_shape(p: &AwsPolicy, usage: &record::AwsPolicyUsage) -> shapes::Policy {
    shapes::Policy {
        policy_name: p.name.into(),
        policy_id: p.id.into(),
        arn: p.arn(),
        path: p.path.into(),
        default_version_id: p.version.into(),
        attachment_count: usage.attachment_count,
        permissions_boundary_usage_count: usage.boundary_usage_count,
        is_attachable: true,
        description: Some(p.description.into()),
        create_date: ts(p.created),
        update_date: ts(p.updated),
        tags: None,
    }
}

fn version_number(id: &str) -> u32 {
    id.trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

impl Service {
    /// Resolves a policy ARN (syntax and ownership; existence is checked where it is used).
    pub(crate) fn resolve_policy_arn(&self, account: &str, arn: &str) -> Result<ManagedRef> {
        if let Some(p) = managed_policies::find(arn) {
            return Ok(ManagedRef::Aws(p));
        }
        let invalid = || ServiceError::InvalidInput(format!("ARN {arn} is not valid."));
        let parsed = crate::iam::parse_arn(arn).ok_or_else(invalid)?;
        let policy = parsed.iam("policy").ok_or_else(invalid)?;
        if parsed.account != account {
            return Err(not_attachable(arn));
        }
        let (path, name) = (policy.path.to_owned(), policy.name);
        Ok(ManagedRef::Customer {
            arn: arn.to_owned(),
            key: key_of(name),
            path,
        })
    }

    /// Adds to a managed policy's attachment and boundary-use counters, inside `tx`, and
    /// returns the policy's stored ARN (its name and path as created, whatever the spelling of
    /// `r`); `NoSuchEntity` when the policy does not exist.
    pub(crate) async fn adjust_usage(
        &self,
        tx: &mut Tx<'_>,
        account: &str,
        r: &ManagedRef,
        attach: i64,
        boundary: i64,
    ) -> Result<String> {
        match r {
            ManagedRef::Aws(p) => {
                let key = p.arn();
                let mut usage = tx
                    .get::<record::AwsPolicyUsage>(account, &key)
                    .await?
                    .unwrap_or_default();
                usage.attachment_count = (usage.attachment_count + attach).max(0);
                usage.boundary_usage_count = (usage.boundary_usage_count + boundary).max(0);
                tx.put(account, &key, &usage)?;
                Ok(key)
            }
            ManagedRef::Customer { arn, key, path } => {
                let mut p = tx
                    .get::<record::Policy>(account, key)
                    .await?
                    .filter(|p| p.path == *path)
                    .ok_or_else(|| not_attachable(arn))?;
                p.attachment_count = (p.attachment_count + attach).max(0);
                p.boundary_usage_count = (p.boundary_usage_count + boundary).max(0);
                tx.put(account, key, &p)?;
                Ok(customer_arn(account, &p.path, &p.name))
            }
        }
    }

    /// The default-version document of a managed policy, if it exists.
    pub(crate) async fn managed_document(
        &self,
        account: &str,
        arn: &str,
    ) -> Result<Option<String>> {
        Ok(match self.resolve_policy_arn(account, arn) {
            Ok(ManagedRef::Aws(p)) => Some(p.document.to_owned()),
            Ok(ManagedRef::Customer { key, path, .. }) => self
                .cache
                .get::<record::Policy>(&*self.store, account, &key)
                .await?
                .filter(|p| p.path == path)
                .and_then(|p| {
                    p.versions
                        .iter()
                        .find(|v| v.id == p.default_version)
                        .map(|v| v.document.clone())
                }),
            Err(_) => None,
        })
    }

    fn check_managed_document(&self, text: &str) -> Result<()> {
        let policy = self.parsed_policy(text, PolicyKind::Identity)?;
        if policy.version != Version::V2012 {
            return Err(ServiceError::MalformedPolicyDocument(
                "Policy document must be version 2012-10-17 or greater.".into(),
            ));
        }
        if policy_size(text) > MAX_POLICY_SIZE {
            return Err(ServiceError::LimitExceeded(format!(
                "Cannot exceed quota for PolicySize: {MAX_POLICY_SIZE}"
            )));
        }
        Ok(())
    }

    async fn load_customer_policy(
        &self,
        tx: &mut Tx<'_>,
        account: &str,
        arn: &str,
    ) -> Result<(String, record::Policy)> {
        match self.resolve_policy_arn(account, arn)? {
            ManagedRef::Aws(_) => Err(ServiceError::UnmodifiableEntity(format!(
                "Cannot modify AWS managed policy {arn}."
            ))),
            ManagedRef::Customer { key, path, .. } => {
                let p = tx
                    .get::<record::Policy>(account, &key)
                    .await?
                    .filter(|p| p.path == path)
                    .ok_or_else(|| {
                        ServiceError::NoSuchEntity(format!(
                            "Policy {arn} does not exist or is not attachable."
                        ))
                    })?;
                Ok((key, p))
            }
        }
    }

    pub(crate) async fn create_policy(
        &self,
        c: &Ctx<'_>,
        i: CreatePolicyInput,
    ) -> Result<CreatePolicyOutput> {
        let account = c.account();
        self.check_managed_document(&i.policy_document)?;
        let mut tags = Vec::new();
        merge_tags(POLICY_TAGS, &mut tags, &i.tags)?;
        let now = self.now();
        let policy = record::Policy {
            name: i.policy_name.clone(),
            id: ids::unique_id(ids::prefix::POLICY)?,
            path: path_or_root(i.path.clone()),
            description: i.description.clone(),
            created: now,
            updated: now,
            default_version: "v1".into(),
            versions: vec![record::PolicyVersion {
                id: "v1".into(),
                document: i.policy_document.clone(),
                created: now,
            }],
            next_version: 2,
            tags,
            attachment_count: 0,
            boundary_usage_count: 0,
        };
        self.retry(|| async {
            let mut tx = self.tx();
            if tx
                .get::<record::Policy>(account, &key_of(&policy.name))
                .await?
                .is_some()
            {
                return Err(ServiceError::EntityAlreadyExists(format!(
                    "A policy called {} already exists. Duplicate names are not allowed.",
                    policy.name
                )));
            }
            tx.put(account, &key_of(&policy.name), &policy)?;
            tx.commit().await
        })
        .await?;
        Ok(CreatePolicyOutput {
            policy: policy_shape(account, &policy, true),
        })
    }

    pub(crate) async fn get_policy(
        &self,
        c: &Ctx<'_>,
        i: GetPolicyInput,
    ) -> Result<GetPolicyOutput> {
        let account = c.account();
        let mut tx = self.tx();
        let policy = match self.resolve_policy_arn(account, &i.policy_arn)? {
            ManagedRef::Aws(p) => {
                let usage = tx
                    .get::<record::AwsPolicyUsage>(account, &p.arn())
                    .await?
                    .unwrap_or_default();
                aws_policy_shape(p, &usage)
            }
            ManagedRef::Customer { .. } => {
                let (_, p) = self
                    .load_customer_policy(&mut tx, account, &i.policy_arn)
                    .await?;
                policy_shape(account, &p, true)
            }
        };
        Ok(GetPolicyOutput { policy })
    }

    pub(crate) async fn delete_policy(&self, c: &Ctx<'_>, i: DeletePolicyInput) -> Result<()> {
        let account = c.account();
        self.retry(|| async {
            let mut tx = self.tx();
            let (key, p) = self.load_customer_policy(&mut tx, account, &i.policy_arn).await?;
            if p.attachment_count > 0 {
                return Err(ServiceError::DeleteConflict("Cannot delete a policy attached to entities.".into()));
            }
            if p.boundary_usage_count > 0 {
                return Err(ServiceError::DeleteConflict("Cannot delete a policy used as a permissions boundary.".into()));
            }
            if p.versions.len() > 1 {
                return Err(ServiceError::DeleteConflict(
                    "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.".into(),
                ));
            }
            tx.delete::<record::Policy>(account, &key)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn list_policies(
        &self,
        c: &Ctx<'_>,
        i: ListPoliciesInput,
    ) -> Result<ListPoliciesOutput> {
        let account = c.account();
        let scope = i.scope.as_deref().unwrap_or("All");
        let only_attached = i.only_attached.unwrap_or(false);
        let usage_ok = |attach: i64, boundary: i64| {
            let used = match i.policy_usage_filter.as_deref() {
                Some("PermissionsPolicy") => attach > 0,
                Some("PermissionsBoundary") => boundary > 0,
                _ => attach > 0 || boundary > 0,
            };
            !only_attached || used
        };
        let mut all: Vec<(String, shapes::Policy)> = Vec::new();
        if scope != "Local" {
            let mut tx = self.tx();
            for p in managed_policies::AWS_POLICIES {
                let usage = tx
                    .get::<record::AwsPolicyUsage>(account, &p.arn())
                    .await?
                    .unwrap_or_default();
                if path_matches(p.path, i.path_prefix.as_deref())
                    && usage_ok(usage.attachment_count, usage.boundary_usage_count)
                {
                    all.push((
                        format!("{}\u{0}{}", key_of(p.name), p.arn()),
                        aws_policy_shape(p, &usage),
                    ));
                }
            }
        }
        if scope != "AWS" {
            let page = self
                .list_records::<record::Policy>(account, None, Some(i64::MAX / 2), |p| {
                    path_matches(&p.path, i.path_prefix.as_deref())
                })
                .await?;
            for p in page
                .items
                .iter()
                .filter(|p| usage_ok(p.attachment_count, p.boundary_usage_count))
            {
                let shape = policy_shape(account, p, false);
                all.push((format!("{}\u{0}{}", key_of(&p.name), shape.arn), shape));
            }
        }
        let page = paginate(all, |(k, _)| k.clone(), i.marker.as_deref(), i.max_items)?;
        Ok(ListPoliciesOutput {
            policies: page.items.into_iter().map(|(_, p)| p).collect(),
            is_truncated: page.truncated,
            marker: page.marker,
        })
    }

    pub(crate) async fn create_policy_version(
        &self,
        c: &Ctx<'_>,
        i: CreatePolicyVersionInput,
    ) -> Result<CreatePolicyVersionOutput> {
        let account = c.account();
        self.check_managed_document(&i.policy_document)?;
        let now = self.now();
        let version = self
            .retry(|| async {
                let mut tx = self.tx();
                let (key, mut p) = self.load_customer_policy(&mut tx, account, &i.policy_arn).await?;
                if p.versions.len() >= MAX_VERSIONS {
                    return Err(ServiceError::LimitExceeded(
                        "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.".into(),
                    ));
                }
                let v = record::PolicyVersion { id: format!("v{}", p.next_version), document: i.policy_document.clone(), created: now };
                p.next_version += 1;
                p.versions.push(v.clone());
                if i.set_as_default.unwrap_or(false) {
                    p.default_version.clone_from(&v.id);
                }
                p.updated = now;
                let is_default = p.default_version == v.id;
                tx.put(account, &key, &p)?;
                tx.commit().await?;
                Ok((v, is_default))
            })
            .await?;
        Ok(CreatePolicyVersionOutput {
            policy_version: shapes::PolicyVersion {
                document: None,
                version_id: version.0.id,
                is_default_version: version.1,
                create_date: ts(version.0.created),
            },
        })
    }

    pub(crate) async fn get_policy_version(
        &self,
        c: &Ctx<'_>,
        i: GetPolicyVersionInput,
    ) -> Result<GetPolicyVersionOutput> {
        let account = c.account();
        let missing = || {
            ServiceError::NoSuchEntity(format!(
                "Policy {} version {} does not exist or is not attachable.",
                i.policy_arn, i.version_id
            ))
        };
        let policy_version = match self.resolve_policy_arn(account, &i.policy_arn)? {
            ManagedRef::Aws(p) if p.version == i.version_id => shapes::PolicyVersion {
                document: Some(PolicyDocumentText(p.document.into())),
                version_id: p.version.into(),
                is_default_version: true,
                create_date: ts(p.updated),
            },
            ManagedRef::Aws(_) => return Err(missing()),
            ManagedRef::Customer { .. } => {
                let mut tx = self.tx();
                let (_, p) = self
                    .load_customer_policy(&mut tx, account, &i.policy_arn)
                    .await?;
                let v = p
                    .versions
                    .iter()
                    .find(|v| v.id == i.version_id)
                    .ok_or_else(missing)?;
                shapes::PolicyVersion {
                    document: Some(PolicyDocumentText(v.document.clone())),
                    version_id: v.id.clone(),
                    is_default_version: v.id == p.default_version,
                    create_date: ts(v.created),
                }
            }
        };
        Ok(GetPolicyVersionOutput { policy_version })
    }

    pub(crate) async fn delete_policy_version(
        &self,
        c: &Ctx<'_>,
        i: DeletePolicyVersionInput,
    ) -> Result<()> {
        let account = c.account();
        self.retry(|| async {
            let mut tx = self.tx();
            let (key, mut p) = self
                .load_customer_policy(&mut tx, account, &i.policy_arn)
                .await?;
            if !p.versions.iter().any(|v| v.id == i.version_id) {
                return Err(ServiceError::NoSuchEntity(format!(
                    "Policy {} version {} does not exist or is not attachable.",
                    i.policy_arn, i.version_id
                )));
            }
            if p.default_version == i.version_id {
                return Err(ServiceError::DeleteConflict(
                    "Cannot delete the default version of a policy.".into(),
                ));
            }
            p.versions.retain(|v| v.id != i.version_id);
            tx.put(account, &key, &p)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn list_policy_versions(
        &self,
        c: &Ctx<'_>,
        i: ListPolicyVersionsInput,
    ) -> Result<ListPolicyVersionsOutput> {
        let account = c.account();
        let versions: Vec<shapes::PolicyVersion> =
            match self.resolve_policy_arn(account, &i.policy_arn)? {
                ManagedRef::Aws(p) => vec![shapes::PolicyVersion {
                    document: None,
                    version_id: p.version.into(),
                    is_default_version: true,
                    create_date: ts(p.updated),
                }],
                ManagedRef::Customer { .. } => {
                    let mut tx = self.tx();
                    let (_, p) = self
                        .load_customer_policy(&mut tx, account, &i.policy_arn)
                        .await?;
                    p.versions
                        .iter()
                        .map(|v| shapes::PolicyVersion {
                            document: None,
                            version_id: v.id.clone(),
                            is_default_version: v.id == p.default_version,
                            create_date: ts(v.created),
                        })
                        .collect()
                }
            };
        let page = paginate(
            versions,
            |v| format!("{:010}", u32::MAX - version_number(&v.version_id)),
            i.marker.as_deref(),
            i.max_items,
        )?;
        Ok(ListPolicyVersionsOutput {
            versions: page.items,
            is_truncated: page.truncated,
            marker: page.marker,
        })
    }

    pub(crate) async fn set_default_policy_version(
        &self,
        c: &Ctx<'_>,
        i: SetDefaultPolicyVersionInput,
    ) -> Result<()> {
        let account = c.account();
        let now = self.now();
        self.retry(|| async {
            let mut tx = self.tx();
            let (key, mut p) = self
                .load_customer_policy(&mut tx, account, &i.policy_arn)
                .await?;
            if !p.versions.iter().any(|v| v.id == i.version_id) {
                return Err(ServiceError::NoSuchEntity(format!(
                    "Policy {} version {} does not exist or is not attachable.",
                    i.policy_arn, i.version_id
                )));
            }
            p.default_version.clone_from(&i.version_id);
            p.updated = now;
            tx.put(account, &key, &p)?;
            tx.commit().await
        })
        .await
    }

    async fn update_policy_tags(
        &self,
        account: &str,
        arn: &str,
        f: impl Fn(&mut record::Policy) -> Result<()>,
    ) -> Result<()> {
        self.retry(|| async {
            let mut tx = self.tx();
            let (key, mut p) = self.load_customer_policy(&mut tx, account, arn).await?;
            f(&mut p)?;
            tx.put(account, &key, &p)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn tag_policy(&self, c: &Ctx<'_>, i: TagPolicyInput) -> Result<()> {
        self.update_policy_tags(c.account(), &i.policy_arn, |p| {
            merge_tags(POLICY_TAGS, &mut p.tags, &i.tags)
        })
        .await
    }

    pub(crate) async fn untag_policy(&self, c: &Ctx<'_>, i: UntagPolicyInput) -> Result<()> {
        self.update_policy_tags(c.account(), &i.policy_arn, |p| {
            remove_tags(POLICY_TAGS, &mut p.tags, &i.tag_keys);
            Ok(())
        })
        .await
    }

    pub(crate) async fn list_policy_tags(
        &self,
        c: &Ctx<'_>,
        i: ListPolicyTagsInput,
    ) -> Result<ListTagsOutput> {
        let account = c.account();
        let tags = match self.resolve_policy_arn(account, &i.policy_arn)? {
            ManagedRef::Aws(_) => Vec::new(),
            ManagedRef::Customer { .. } => {
                let mut tx = self.tx();
                tag_shapes(
                    &self
                        .load_customer_policy(&mut tx, account, &i.policy_arn)
                        .await?
                        .1
                        .tags,
                )
            }
        };
        let page = paginate(tags, |t| t.key.clone(), i.marker.as_deref(), i.max_items)?;
        Ok(ListTagsOutput {
            tags: page.items,
            is_truncated: page.truncated,
            marker: page.marker,
        })
    }

    pub(crate) async fn list_entities_for_policy(
        &self,
        c: &Ctx<'_>,
        i: ListEntitiesForPolicyInput,
    ) -> Result<ListEntitiesForPolicyOutput> {
        let account = c.account();
        let r = self.resolve_policy_arn(account, &i.policy_arn)?;
        if let ManagedRef::Customer { .. } = r {
            let mut tx = self.tx();
            self.load_customer_policy(&mut tx, account, &i.policy_arn)
                .await?;
        }
        let arn = r.arn();
        let boundary = i.policy_usage_filter.as_deref() == Some("PermissionsBoundary");
        let both = i.policy_usage_filter.is_none();
        let uses = |attached: &[String], b: &Option<String>| {
            let attached_hit = attached.contains(&arn);
            let boundary_hit = b.as_deref() == Some(arn.as_str());
            if both {
                attached_hit || boundary_hit
            } else if boundary {
                boundary_hit
            } else {
                attached_hit
            }
        };
        let want = |kind: &str| i.entity_filter.as_deref().is_none_or(|f| f == kind);
        let prefix = i.path_prefix.as_deref();
        let all = Some(i64::MAX / 2);
        let mut out = ListEntitiesForPolicyOutput::default();
        if want("User") {
            for u in self
                .list_records::<record::User>(account, None, all, |u| {
                    path_matches(&u.path, prefix) && uses(&u.attached, &u.boundary)
                })
                .await?
                .items
            {
                out.policy_users.push(PolicyUser {
                    user_name: u.name,
                    user_id: u.id,
                });
            }
        }
        if want("Group") && !boundary {
            for g in self
                .list_records::<record::Group>(account, None, all, |g| {
                    path_matches(&g.path, prefix) && uses(&g.attached, &None)
                })
                .await?
                .items
            {
                out.policy_groups.push(PolicyGroup {
                    group_name: g.name,
                    group_id: g.id,
                });
            }
        }
        if want("Role") {
            for r in self
                .list_records::<record::Role>(account, None, all, |r| {
                    path_matches(&r.path, prefix) && uses(&r.attached, &r.boundary)
                })
                .await?
                .items
            {
                out.policy_roles.push(PolicyRole {
                    role_name: r.name,
                    role_id: r.id,
                });
            }
        }
        Ok(out)
    }
}

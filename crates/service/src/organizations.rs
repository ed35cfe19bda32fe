//! AWS Organizations: one organization per deployment, administered by its management
//! account — the root, organizational units, member accounts (each with the role the
//! management account reaches it through), service control policies, and tags. One file per
//! resource family; what they share is here: the stored organization (one record, so every
//! change is one atomic read-modify-write), who may call, ids and ARNs, paging, and the facts
//! authorization reads (the SCPs over an account, `aws:PrincipalOrgID`/`…OrgPaths`).
//!
//! <https://docs.aws.amazon.com/organizations/latest/APIReference/Welcome.html>,
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsorganizations.html>

mod accounts;
mod policies;
pub(crate) mod root_access;
mod units;

use std::sync::Arc;

use rolegate_policy::PolicyKind;
use rolegate_proto::dto::{organizations as dto, shapes::Tag};
use rolegate_store::{
    GLOBAL,
    record::ORGANIZATION_KEY,
    record::{self, Organization},
};

use crate::{
    Service,
    authorize::ScpLevel,
    error::{OrgError, Result, ServiceError},
    handler::{Needs, OrgResource, handlers},
    iam::{Ctx, PARTITION, paginate, ts},
    tx::Tx,
};
use dto::{
    CreateOrganizationInput, DeleteOrganizationInput, DescribeOrganizationInput,
    ListAwsServiceAccessForOrganizationInput, ListAwsServiceAccessForOrganizationOutput,
    ListRootsInput, ListRootsOutput, ListTagsForResourceInput, ListTagsForResourceOutput,
    OrganizationOutput, TagResourceInput, UntagResourceInput,
};

handlers! {
    CreateOrganizationInput => OrganizationOutput: create_organization,
        needs |i, _| Needs::org(OrgResource::None);
    DescribeOrganizationInput => OrganizationOutput: describe_organization,
        needs |i, _| Needs::org(OrgResource::None);
    DeleteOrganizationInput: delete_organization,
        needs |i, _| Needs::org(OrgResource::None);
    ListRootsInput => ListRootsOutput: list_roots,
        needs |i, _| Needs::org(OrgResource::None);
    ListAwsServiceAccessForOrganizationInput => ListAwsServiceAccessForOrganizationOutput: list_aws_service_access,
        needs |i, _| Needs::org(OrgResource::None);
    TagResourceInput: tag_resource,
        needs |i, _| Needs::org(OrgResource::Any(&i.resource_id)).tags(&i.tags);
    UntagResourceInput: untag_resource,
        needs |i, _| Needs::org(OrgResource::Any(&i.resource_id)).untags(&i.tag_keys);
    ListTagsForResourceInput => ListTagsForResourceOutput: list_tags_for_resource,
        needs |i, _| Needs::org(OrgResource::Any(&i.resource_id));
}

/// The policy type Rolegate enforces.
pub const SCP: &str = "SERVICE_CONTROL_POLICY";
/// The AWS managed SCP that allows everything, attached wherever SCPs are enabled.
pub const FULL_AWS_ACCESS: &str = "p-FullAWSAccess";
/// The policy type that caps what may be done to member accounts' resources (their roles).
pub const RCP: &str = "RESOURCE_CONTROL_POLICY";
/// The AWS managed RCP that allows everything, attached wherever RCPs are enabled.
pub const RCP_FULL_AWS_ACCESS: &str = "p-RCPFullAWSAccess";

/// The AWS managed policy of a type that allows everything.
pub(crate) fn full_access(kind: &str) -> Option<&'static str> {
    match kind {
        SCP => Some(FULL_AWS_ACCESS),
        RCP => Some(RCP_FULL_AWS_ACCESS),
        _ => None,
    }
}

/// How a policy type's documents parse: SCPs as identity policies, RCPs as resource policies
/// (a `Principal` in every statement).
pub(crate) fn document_kind(kind: &str) -> PolicyKind {
    if kind == RCP {
        PolicyKind::Resource
    } else {
        PolicyKind::Identity
    }
}

/// Attaches to a new OU or account each enabled type's full-access policy, as AWS does.
pub(crate) fn attach_defaults(o: &mut Organization, target: &str) {
    for kind in o.root.policy_types.clone() {
        if let Some(p) = full_access(&kind) {
            let attached = o.attachments.entry(target.to_owned()).or_default();
            if !attached.iter().any(|a| a == p) {
                attached.push(p.to_owned());
            }
        }
    }
}

/// The AWS managed policies every organization has (one made before RCPs lacks
/// RCPFullAWSAccess until it is needed).
pub(crate) fn ensure_managed_policies(o: &mut Organization) {
    let managed = [
        (
            FULL_AWS_ACCESS,
            "FullAWSAccess",
            SCP,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        ),
        (
            RCP_FULL_AWS_ACCESS,
            "RCPFullAWSAccess",
            RCP,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
        ),
    ];
    for (id, name, kind, content) in managed {
        o.policies
            .entry(id.to_owned())
            .or_insert_with(|| record::OrgPolicy {
                id: id.to_owned(),
                name: name.to_owned(),
                description: "Allows access to every operation".into(),
                kind: kind.to_owned(),
                content: content.to_owned(),
                aws_managed: true,
                tags: Vec::new(),
            });
    }
}
/// The role a new member account gets unless `RoleName` says otherwise.
pub const DEFAULT_ACCESS_ROLE: &str = "OrganizationAccountAccessRole";
/// What a member account is told when it calls what only the management account may.
const MANAGEMENT_ONLY: &str = "You don't have permissions to access this resource.";
/// OUs nest at most this deep under the root.
const MAX_OU_DEPTH: usize = 5;
/// SCPs attached to one target at most.
const MAX_ATTACHED: usize = 5;
/// Tags on one resource at most.
const MAX_TAGS: usize = 50;
/// Accounts, OUs and policies an organization holds at most (AWS's quotas are 10 accounts by
/// default, 1,000 OUs and 1,000 policies per type): the organization is one record, rewritten
/// by every change, so its size is bounded.
pub(crate) const MAX_ENTRIES: usize = 1000;
/// CreateAccount requests remembered (the oldest go first; AWS keeps them 90 days).
pub(crate) const MAX_CREATE_REQUESTS: usize = 1000;

/// The quota error for one more entry of `what` (`ACCOUNT_NUMBER_LIMIT_EXCEEDED`, …).
pub(crate) fn quota(reason: &str) -> ServiceError {
    org_error(
        OrgError::ConstraintViolation,
        format!("You have exceeded the allowed number of entities in the organization ({reason})."),
    )
}
/// `MaxResults` when the request sets none.
const DEFAULT_MAX_RESULTS: i64 = 20;

/// An Organizations error with AWS's message.
pub(crate) fn org_error(e: OrgError, message: impl Into<String>) -> ServiceError {
    ServiceError::Organizations(e, message.into())
}

/// `count` random lowercase letters and digits (organization, root, OU, policy and request ids).
pub(crate) fn lower_id(count: usize) -> Result<String> {
    const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = vec![0u8; count];
    crate::ids::random_bytes(&mut bytes)?;
    // 252 is the largest multiple of 36 below 256: rejecting above it keeps the draw uniform.
    let mut out = String::with_capacity(count);
    for b in bytes {
        let mut x = b;
        while x >= 252 {
            let mut one = [0u8; 1];
            crate::ids::random_bytes(&mut one)?;
            x = one[0];
        }
        out.push(char::from(ALPHABET[usize::from(x % 36)]));
    }
    Ok(out)
}

fn partition() -> &'static str {
    PARTITION.as_str()
}

/// `arn:aws:organizations::MGMT:organization/o-…`.
pub(crate) fn organization_arn(o: &Organization) -> String {
    format!(
        "arn:{}:organizations::{}:organization/{}",
        partition(),
        o.management_account,
        o.id
    )
}

/// `arn:aws:organizations::MGMT:account/o-…/ACCOUNT`.
pub(crate) fn account_arn(o: &Organization, account: &str) -> String {
    format!(
        "arn:{}:organizations::{}:account/{}/{account}",
        partition(),
        o.management_account,
        o.id
    )
}

/// `arn:aws:organizations::MGMT:root/o-…/r-…`.
pub(crate) fn root_arn(o: &Organization, root: &str) -> String {
    format!(
        "arn:{}:organizations::{}:root/{}/{root}",
        partition(),
        o.management_account,
        o.id
    )
}

/// `arn:aws:organizations::MGMT:ou/o-…/ou-…`.
pub(crate) fn ou_arn(o: &Organization, ou: &str) -> String {
    format!(
        "arn:{}:organizations::{}:ou/{}/{ou}",
        partition(),
        o.management_account,
        o.id
    )
}

/// A policy's ARN: `arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess`
/// for AWS managed ones, else `arn:aws:organizations::MGMT:policy/o-…/service_control_policy/p-…`.
pub(crate) fn policy_arn(o: &Organization, id: &str, kind: &str, aws_managed: bool) -> String {
    let kind = kind.to_ascii_lowercase();
    if aws_managed {
        format!("arn:{}:organizations::aws:policy/{kind}/{id}", partition())
    } else {
        format!(
            "arn:{}:organizations::{}:policy/{}/{kind}/{id}",
            partition(),
            o.management_account,
            o.id
        )
    }
}

/// What a root, OU, account or policy id names in an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Node {
    /// The root.
    Root,
    /// An organizational unit.
    Unit,
    /// An account.
    Account,
    /// A policy.
    Policy,
}

/// What `id` names in `o`, if anything.
pub(crate) fn node(o: &Organization, id: &str) -> Option<Node> {
    if o.root.id == id {
        Some(Node::Root)
    } else if o.units.contains_key(id) {
        Some(Node::Unit)
    } else if o.accounts.contains_key(id) {
        Some(Node::Account)
    } else if o.policies.contains_key(id) {
        Some(Node::Policy)
    } else {
        None
    }
}

/// Whether `id` is the root or an OU of `o` (a parent).
pub(crate) fn is_parent(o: &Organization, id: &str) -> bool {
    matches!(node(o, id), Some(Node::Root | Node::Unit))
}

/// The ancestors of a root, OU or account, from the root down to its parent.
pub(crate) fn ancestors(o: &Organization, id: &str) -> Vec<String> {
    let mut chain = Vec::new();
    let mut at = match (o.units.get(id), o.accounts.get(id)) {
        (Some(u), _) => Some(u.parent.clone()),
        (None, Some(a)) => Some(a.parent.clone()),
        (None, None) => None,
    };
    // The tree has no cycles (a parent always exists before its child), but a bound keeps a
    // corrupt record from looping.
    while let Some(p) = at.take() {
        if chain.len() > MAX_OU_DEPTH + 1 {
            break;
        }
        at = o.units.get(&p).map(|u| u.parent.clone());
        chain.push(p);
    }
    chain.reverse();
    chain
}

/// The policy types enabled on the root, as `PolicyTypeSummary` shapes.
fn policy_types(o: &Organization) -> Vec<dto::PolicyTypeSummary> {
    o.root
        .policy_types
        .iter()
        .map(|t| dto::PolicyTypeSummary {
            r#type: t.clone(),
            status: "ENABLED".into(),
        })
        .collect()
}

/// The `Root` shape.
pub(crate) fn root_shape(o: &Organization) -> dto::Root {
    dto::Root {
        id: o.root.id.clone(),
        arn: root_arn(o, &o.root.id),
        name: o.root.name.clone(),
        policy_types: policy_types(o),
    }
}

/// The `Organization` shape.
fn organization_shape(o: &Organization) -> dto::Organization {
    dto::Organization {
        id: o.id.clone(),
        arn: organization_arn(o),
        feature_set: o.feature_set.clone(),
        master_account_arn: account_arn(o, &o.management_account),
        master_account_id: o.management_account.clone(),
        master_account_email: o
            .accounts
            .get(&o.management_account)
            .map(|a| a.email.clone())
            .unwrap_or_default(),
        available_policy_types: vec![dto::PolicyTypeSummary {
            r#type: SCP.into(),
            status: "ENABLED".into(),
        }],
    }
}

/// A page of an Organizations list: `MaxResults` (default 20) items after `NextToken`.
pub(crate) fn page<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> String,
    next_token: Option<&str>,
    max_results: Option<i64>,
) -> Result<(Vec<T>, Option<String>)> {
    let p = paginate(
        items,
        key,
        next_token,
        Some(max_results.unwrap_or(DEFAULT_MAX_RESULTS)),
    )
    .map_err(|_| {
        org_error(
            OrgError::InvalidInput,
            "You specified an invalid value for nextToken. You must get the value from the response to a previous call to the API.",
        )
    })?;
    Ok((p.items, p.marker))
}

/// The email address the management account is known by (Rolegate has no mailboxes; an
/// address that cannot be delivered to).
pub(crate) fn management_email(account: &str) -> String {
    format!("{account}@management.rolegate.invalid")
}

/// Stored tags → shapes.
pub(crate) fn tag_shapes(tags: &[record::Tag]) -> Vec<Tag> {
    tags.iter()
        .map(|t| Tag {
            key: t.key.clone(),
            value: t.value.clone(),
        })
        .collect()
}

/// Sets `new` on `tags` (a key already there gets the new value); at most 50.
pub(crate) fn merge_tags(tags: &mut Vec<record::Tag>, new: &[Tag]) -> Result<()> {
    // `aws:` is AWS's own prefix, as everywhere else tags are set.
    if new.iter().any(|t| {
        t.key
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("aws:"))
    }) {
        return Err(org_error(
            OrgError::InvalidInput,
            "Tag keys may not begin with the reserved prefix aws:.",
        ));
    }
    for t in new {
        match tags.iter_mut().find(|x| x.key == t.key) {
            Some(x) => x.value.clone_from(&t.value),
            None => tags.push(record::Tag {
                key: t.key.clone(),
                value: t.value.clone(),
            }),
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(org_error(
            OrgError::ConstraintViolation,
            "You have exceeded the number of tags allowed on this resource.",
        ));
    }
    Ok(())
}

/// Who may call: the organization's management account, or (`members`) any account of it.
fn caller_in(c: &Ctx<'_>, org: Option<Organization>, members: bool) -> Result<Organization> {
    match org {
        Some(o) if o.management_account == c.account() => Ok(o),
        Some(o) if o.accounts.contains_key(c.account()) => {
            if members {
                Ok(o)
            } else {
                Err(ServiceError::AccessDenied(MANAGEMENT_ONLY.into()))
            }
        }
        _ => Err(org_error(
            OrgError::NotInUse,
            "Your account is not a member of an organization.",
        )),
    }
}

/// The facts about an account's place in the organization that requests carry as context keys
/// (`aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`, their resource counterparts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgFacts {
    /// `o-…`.
    pub id: String,
    /// `o-…/r-…/ou-…/`: the path of the root or OU the account is in.
    pub path: String,
}

/// Where `account` stands in `o` (`None`: not in it).
pub(crate) fn facts(o: &Organization, account: &str) -> Option<OrgFacts> {
    let a = o.accounts.get(account)?;
    let mut path = format!("{}/", o.id);
    for p in ancestors(o, &a.id) {
        path.push_str(&p);
        path.push('/');
    }
    Some(OrgFacts {
        id: o.id.clone(),
        path,
    })
}

impl Service {
    /// The stored organization, read for a transaction.
    pub(crate) async fn read_organization(&self, tx: &mut Tx<'_>) -> Result<Option<Organization>> {
        tx.get::<Organization>(GLOBAL, ORGANIZATION_KEY).await
    }

    /// The stored organization from the cache (authorization's reads: at most
    /// `max_staleness` old).
    pub(crate) async fn cached_organization(&self) -> Result<Option<Arc<Organization>>> {
        self.cache
            .get::<Organization>(&*self.store, GLOBAL, ORGANIZATION_KEY)
            .await
    }

    /// The organization the caller administers (or, with `members`, belongs to), read now.
    pub(crate) async fn organization_for(
        &self,
        c: &Ctx<'_>,
        members: bool,
    ) -> Result<Organization> {
        let mut tx = self.tx();
        caller_in(c, self.read_organization(&mut tx).await?, members)
    }

    /// Changes the organization the caller administers, atomically, retried on a lost race.
    pub(crate) async fn change_organization<T>(
        &self,
        c: &Ctx<'_>,
        change: impl Fn(&mut Organization) -> Result<T>,
    ) -> Result<T> {
        self.retry(|| async {
            let mut tx = self.tx();
            let mut org = caller_in(c, self.read_organization(&mut tx).await?, false)?;
            let out = change(&mut org)?;
            tx.put(GLOBAL, ORGANIZATION_KEY, &org)?;
            tx.commit().await?;
            Ok(out)
        })
        .await
    }

    /// Where `account` stands in the stored organization (`None`: in none).
    pub async fn organization_facts(&self, account: &str) -> Result<Option<OrgFacts>> {
        Ok(self
            .cached_organization()
            .await?
            .and_then(|o| facts(&o, account)))
    }

    /// The SCPs over a member account of the stored organization, one level per step from the
    /// root to the account (`None`: the account is in no stored organization). A closed account,
    /// in the organization or removed from it, gets one level that allows nothing. No SCPs apply while the policy type is disabled.
    pub(crate) async fn stored_scps(&self, account: &str) -> Result<Option<Vec<ScpLevel>>> {
        // A closed account stays closed after it leaves the organization.
        let closed = self
            .cache
            .get::<record::Account>(&*self.store, GLOBAL, account)
            .await?
            .is_some_and(|a| a.closed);
        if closed {
            return Ok(Some(vec![ScpLevel::default()]));
        }
        let Some(o) = self.cached_organization().await? else {
            return Ok(None);
        };
        let Some(a) = o.accounts.get(account) else {
            return Ok(None);
        };
        if a.status != "ACTIVE" {
            return Ok(Some(vec![ScpLevel::default()]));
        }
        if account == o.management_account {
            return Ok(Some(Vec::new()));
        }
        self.control_levels(&o, account, SCP).map(Some)
    }

    /// The policies of one type over an account, one level per step from the root to the
    /// account; none while the type is disabled.
    fn control_levels(&self, o: &Organization, account: &str, kind: &str) -> Result<Vec<ScpLevel>> {
        if !o.root.policy_types.iter().any(|t| t == kind) {
            return Ok(Vec::new());
        }
        let mut levels = Vec::new();
        for target in ancestors(o, account)
            .into_iter()
            .chain(std::iter::once(account.to_owned()))
        {
            let mut level = ScpLevel::default();
            for id in o.attachments.get(&target).into_iter().flatten() {
                if let Some(p) = o.policies.get(id).filter(|p| p.kind == kind) {
                    let parsed = self.parsed_policy(&p.content, document_kind(kind))?;
                    level
                        .policies
                        .push((policy_arn(o, &p.id, &p.kind, p.aws_managed), parsed));
                }
            }
            levels.push(level);
        }
        Ok(levels)
    }

    /// The resource control policies over the resources (roles) of `account`, one level per
    /// step from the root to the account: none for the management account, an account outside
    /// the organization or while RCPs are disabled; one level that allows nothing for a closed
    /// account.
    pub(crate) async fn resource_control_policies(&self, account: &str) -> Result<Vec<ScpLevel>> {
        let closed = self
            .cache
            .get::<record::Account>(&*self.store, GLOBAL, account)
            .await?
            .is_some_and(|a| a.closed);
        if closed {
            return Ok(vec![ScpLevel::default()]);
        }
        let Some(o) = self.cached_organization().await? else {
            return Ok(Vec::new());
        };
        if account == o.management_account || !o.accounts.contains_key(account) {
            return Ok(Vec::new());
        }
        self.control_levels(&o, account, RCP)
    }

    /// The ARN of an organization's resource named by id, for authorization: as stored when it
    /// exists, else as the request names it; `*` without an organization.
    pub(crate) async fn organization_resource_arn(&self, r: OrgResource<'_>) -> Result<String> {
        let Some(o) = self.cached_organization().await? else {
            return Ok("*".into());
        };
        Ok(match r {
            OrgResource::None => "*".into(),
            OrgResource::Account(id) => account_arn(&o, id),
            OrgResource::Unit(id) => ou_arn(&o, id),
            OrgResource::Root(id) => root_arn(&o, id),
            OrgResource::Policy(id) => match o.policies.get(id) {
                Some(p) => policy_arn(&o, &p.id, &p.kind, p.aws_managed),
                None => policy_arn(&o, id, SCP, false),
            },
            OrgResource::Any(id) => match node(&o, id) {
                Some(Node::Root) => root_arn(&o, id),
                Some(Node::Unit) => ou_arn(&o, id),
                Some(Node::Account) => account_arn(&o, id),
                Some(Node::Policy) | None if id.starts_with("p-") => match o.policies.get(id) {
                    Some(p) => policy_arn(&o, &p.id, &p.kind, p.aws_managed),
                    None => policy_arn(&o, id, SCP, false),
                },
                _ if id.starts_with("r-") => root_arn(&o, id),
                _ if id.starts_with("ou-") => ou_arn(&o, id),
                _ => account_arn(&o, id),
            },
        })
    }

    pub(crate) async fn create_organization(
        &self,
        c: &Ctx<'_>,
        i: CreateOrganizationInput,
    ) -> Result<OrganizationOutput> {
        if i.feature_set.as_deref().is_some_and(|f| f != "ALL") {
            return Err(org_error(
                OrgError::InvalidInput,
                "Rolegate organizations have all features enabled: FeatureSet must be ALL.",
            ));
        }
        if c.account() != self.account_id() {
            // One organization per deployment, administered by its management account.
            return Err(ServiceError::AccessDenied(format!(
                "Only the management account of this deployment ({}) can create an organization.",
                self.account_id()
            )));
        }
        let now = self.now();
        let org = self
            .retry(|| async {
                let mut tx = self.tx();
                if self.read_organization(&mut tx).await?.is_some() {
                    return Err(org_error(
                        OrgError::AlreadyInOrganization,
                        "The AWS account is already a member of an organization.",
                    ));
                }
                let management = c.account().to_owned();
                let root_id = format!("r-{}", lower_id(4)?);
                let mut org = Organization {
                    id: format!("o-{}", lower_id(10)?),
                    management_account: management.clone(),
                    feature_set: "ALL".into(),
                    created: now,
                    root: record::OrgRoot {
                        id: root_id.clone(),
                        name: "Root".into(),
                        policy_types: Vec::new(),
                        tags: Vec::new(),
                    },
                    units: Default::default(),
                    accounts: Default::default(),
                    policies: Default::default(),
                    attachments: Default::default(),
                    create_requests: Vec::new(),
                    root_features: Vec::new(),
                    root_sessions_disabled_ms: None,
                };
                org.accounts.insert(
                    management.clone(),
                    record::OrgAccount {
                        id: management.clone(),
                        name: "management".into(),
                        email: management_email(&management),
                        parent: root_id,
                        joined_method: "INVITED".into(),
                        joined: now,
                        status: "ACTIVE".into(),
                        tags: Vec::new(),
                    },
                );
                ensure_managed_policies(&mut org);
                tx.put(GLOBAL, ORGANIZATION_KEY, &org)?;
                tx.commit().await?;
                Ok(org)
            })
            .await?;
        Ok(OrganizationOutput {
            organization: organization_shape(&org),
        })
    }

    pub(crate) async fn describe_organization(
        &self,
        c: &Ctx<'_>,
        _i: DescribeOrganizationInput,
    ) -> Result<OrganizationOutput> {
        let o = self.organization_for(c, true).await?;
        Ok(OrganizationOutput {
            organization: organization_shape(&o),
        })
    }

    pub(crate) async fn delete_organization(
        &self,
        c: &Ctx<'_>,
        _i: DeleteOrganizationInput,
    ) -> Result<()> {
        self.retry(|| async {
            let mut tx = self.tx();
            let o = caller_in(c, self.read_organization(&mut tx).await?, false)?;
            if o.accounts.len() > 1 {
                return Err(org_error(
                    OrgError::OrganizationNotEmpty,
                    "To delete an organization you must first remove all member accounts (except the management account).",
                ));
            }
            tx.delete::<Organization>(GLOBAL, ORGANIZATION_KEY)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn list_roots(
        &self,
        c: &Ctx<'_>,
        i: ListRootsInput,
    ) -> Result<ListRootsOutput> {
        let o = self.organization_for(c, false).await?;
        let (roots, next_token) = page(
            vec![root_shape(&o)],
            |r| r.id.clone(),
            i.next_token.as_deref(),
            i.max_results,
        )?;
        Ok(ListRootsOutput { roots, next_token })
    }

    /// No AWS service is integrated with a Rolegate organization: the list is empty (what
    /// Terraform's `aws_organizations_organization` reads).
    pub(crate) async fn list_aws_service_access(
        &self,
        c: &Ctx<'_>,
        _i: ListAwsServiceAccessForOrganizationInput,
    ) -> Result<ListAwsServiceAccessForOrganizationOutput> {
        self.organization_for(c, false).await?;
        Ok(ListAwsServiceAccessForOrganizationOutput {
            enabled_service_principals: Vec::new(),
            next_token: None,
        })
    }

    pub(crate) async fn tag_resource(&self, c: &Ctx<'_>, i: TagResourceInput) -> Result<()> {
        self.change_organization(c, |o| merge_tags(tags_of(o, &i.resource_id)?, &i.tags))
            .await
    }

    pub(crate) async fn untag_resource(&self, c: &Ctx<'_>, i: UntagResourceInput) -> Result<()> {
        self.change_organization(c, |o| {
            tags_of(o, &i.resource_id)?.retain(|t| !i.tag_keys.contains(&t.key));
            Ok(())
        })
        .await
    }

    pub(crate) async fn list_tags_for_resource(
        &self,
        c: &Ctx<'_>,
        i: ListTagsForResourceInput,
    ) -> Result<ListTagsForResourceOutput> {
        let mut o = self.organization_for(c, false).await?;
        let tags = tag_shapes(tags_of(&mut o, &i.resource_id)?);
        let (tags, next_token) =
            page(tags, |t| t.key.clone(), i.next_token.as_deref(), Some(1000))?;
        Ok(ListTagsForResourceOutput { tags, next_token })
    }
}

/// The tags of the root, OU, account or customer managed policy `id`.
fn tags_of<'o>(o: &'o mut Organization, id: &str) -> Result<&'o mut Vec<record::Tag>> {
    let not_found = || {
        org_error(
            OrgError::TargetNotFound,
            "We can't find a root, OU, account, or policy with the TargetId that you specified.",
        )
    };
    if o.root.id == id {
        return Ok(&mut o.root.tags);
    }
    if let Some(u) = o.units.get_mut(id) {
        return Ok(&mut u.tags);
    }
    if let Some(a) = o.accounts.get_mut(id) {
        return Ok(&mut a.tags);
    }
    match o.policies.get_mut(id) {
        Some(p) if !p.aws_managed => Ok(&mut p.tags),
        _ => Err(not_found()),
    }
}

/// A timestamp of the organization's records.
pub(crate) fn time(t: i64) -> Option<time::OffsetDateTime> {
    ts(t)
}

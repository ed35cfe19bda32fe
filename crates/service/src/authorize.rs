//! The one authorization path: every call passes through [`Service::authorize`], which
//! resolves what the operation needs (its [`Needs`], declared beside its handler) into a
//! [`Target`] — the IAM action, the stored entity's resource ARN and the request context — and
//! hands it to [`Service::authorize_access`], the public entry point a resource server (an S3
//! front end, an authorization API) calls with its own target and, optionally, the resource's
//! policy. That gathers the caller's policies in one place ([`Service::held`]: identity
//! policies of the user and its groups or of the role, boundary, session policies, and the
//! organization's service control policies), asks the policy engine, and turns a denial into
//! AWS's AccessDenied. The explanation (which statement denied, or that nothing allowed) goes
//! to the log only.
//!
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html>

use std::sync::Arc;

use rolegate_policy::{
    Context, ContextValue, Decision, Evaluation, Policy, PolicyKind, PolicySet, Request,
    SourcedPolicy, eval::PolicyType, evaluate,
};
use rolegate_proto::{Operation, dto::shapes::Tag};
use rolegate_store::record;

use crate::{
    Caller, Identity, RequestEnv, Service,
    error::{Result, ServiceError},
    handler::{Callable, NamedResource, Needs},
    iam::{arn, key_of},
};

/// What an operation asks to do.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// `iam:CreateUser`.
    pub action: String,
    /// The resource ARN.
    pub resource: String,
    /// `aws:RequestTag/*` and `aws:TagKeys` from the request.
    pub request_tags: Vec<(String, String)>,
    /// `aws:TagKeys` of an untag request.
    pub tag_keys: Vec<String>,
    /// Tags of the resource (users and roles).
    pub resource_tags: Vec<record::Tag>,
    /// Service-specific keys (`iam:PermissionsBoundary`, `iam:PolicyARN`).
    pub keys: Vec<(&'static str, String)>,
    /// Multivalued service-specific keys (`sts:TransitiveTagKeys`).
    pub multi_keys: Vec<(&'static str, Vec<String>)>,
    /// Further context keys, single- or multivalued, named at run time (a resource server's
    /// `s3:prefix`, `s3:ExistingObjectTag/…`, `aws:SourceVpce`). They never stand in for a key
    /// the service derives itself: one the caller's credentials decide is refused
    /// ([`caller_key`]), and the request environment's keys replace any of the same name.
    pub context: Vec<(String, ContextValue)>,
    /// Further targets the same call needs, each authorized like this one: the new name or
    /// path of a rename or move, `iam:PassRole` on the role an instance profile receives.
    pub also: Vec<Target>,
    /// The stored entities the ARNs above were resolved from.
    pub acted_on: Vec<ActedOn>,
    /// The permissions boundary of the user or role acted on (`iam:PermissionsBoundary` of
    /// the operations that change what it may do).
    pub entity_boundary: Option<String>,
}

impl Target {
    /// A target: an action (`s3:GetObject`) on a resource ARN (`arn:aws:s3:::bucket/key`, or
    /// `*`).
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Self {
        Target {
            action: action.into(),
            resource: resource.into(),
            ..Default::default()
        }
    }

    /// With a tag of the resource (`aws:ResourceTag/KEY`).
    #[must_use]
    pub fn resource_tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.resource_tags.push(record::Tag {
            key: key.into(),
            value: value.into(),
        });
        self
    }

    /// With a tag the request sets (`aws:RequestTag/KEY`, and its key in `aws:TagKeys`).
    #[must_use]
    pub fn request_tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.request_tags.push((key.into(), value.into()));
        self
    }

    /// With a single-valued context key.
    #[must_use]
    pub fn key(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.context
            .push((key.into(), ContextValue::Single(value.into())));
        self
    }

    /// With a multivalued context key.
    #[must_use]
    pub fn multi_key(mut self, key: impl Into<String>, values: Vec<String>) -> Self {
        self.context.push((key.into(), ContextValue::Multi(values)));
        self
    }
}

/// Whether a context key is one the caller's credentials decide (its identity, session and
/// tags): never taken from [`Target::context`].
pub fn caller_key(key: &str) -> bool {
    let k = rolegate_policy::request::fold_key(key);
    [
        "aws:principal",
        "aws:userid",
        "aws:username",
        "aws:multifactorauth",
        "aws:tokenissuetime",
        "aws:sourceidentity",
        "aws:federatedprovider",
    ]
    .iter()
    .any(|p| k.starts_with(p))
}

/// The resource acted on, as far as authorization is concerned: the account that owns it
/// and its resource-based policy (a bucket policy, a key policy), if it has one. When that
/// account is not the caller's, the caller's side and the resource's policy must both allow
/// (no policy: denied); within the caller's account the policy may grant by itself.
#[derive(Debug, Clone, Copy)]
pub struct Resource<'a> {
    /// The account that owns the resource.
    pub account: &'a str,
    /// Its policy (parse it with [`Service::parse_resource_policy`]), with a label saying
    /// where it came from (the resource's ARN) for the log and the encoded message.
    pub policy: Option<(&'a str, &'a Policy)>,
}

impl<'a> Resource<'a> {
    /// A resource of `account` without a resource-based policy.
    pub fn in_account(account: &'a str) -> Self {
        Resource {
            account,
            policy: None,
        }
    }

    /// With its resource-based policy.
    #[must_use]
    pub fn with_policy(self, label: &'a str, policy: &'a Policy) -> Self {
        Resource {
            policy: Some((label, policy)),
            ..self
        }
    }
}

/// One level of an organization's hierarchy (its root, an OU, the account itself): the
/// service control policies attached there, each with a label (its id or ARN).
#[derive(Debug, Clone, Default)]
pub struct ScpLevel {
    /// The policies attached at this level; none allows nothing.
    pub policies: Vec<(String, Arc<Policy>)>,
}

/// Where service control policies come from: the slot AWS Organizations support fills.
///
/// <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html>
#[async_trait::async_trait]
pub trait Organizations: Send + Sync + 'static {
    /// The SCPs over a member account, one level per step from the organization's root
    /// through each OU down to the account itself; empty when the account belongs to no
    /// organization. The service never asks about its management account, nor for
    /// service-linked roles (SCPs do not apply to them).
    async fn service_control_policies(&self, account: &str) -> Result<Vec<ScpLevel>>;
}

/// No organization: no account is under service control policies (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoOrganizations;

#[async_trait::async_trait]
impl Organizations for NoOrganizations {
    async fn service_control_policies(&self, _account: &str) -> Result<Vec<ScpLevel>> {
        Ok(Vec::new())
    }
}

/// Whose stored policies to gather: a user (with its groups'), a group, or a role.
#[derive(Clone, Copy)]
pub(crate) enum Holder<'a> {
    /// A user: its own policies, then each group's.
    User(&'a record::User),
    /// A group.
    Group(&'a record::Group),
    /// A role.
    Role(&'a record::Role),
}

/// Where a held policy is written.
#[derive(Debug, Clone)]
pub(crate) enum PolicySource {
    /// An inline policy of that name.
    Inline(String),
    /// A managed policy of that ARN.
    Managed(String),
    /// The account's password policy with `AllowUsersToChangePassword`: IAM grants every user
    /// `iam:ChangePassword` on itself and `iam:GetAccountPasswordPolicy`, at the account level
    /// (an identity policy no one wrote: a Deny or a boundary still caps it).
    PasswordPolicy,
}

/// One policy a stored principal holds, as written and parsed.
#[derive(Debug, Clone)]
pub(crate) struct HeldPolicy {
    /// `user`, `group` or `role`: the entity it is inline in or attached to.
    pub holder: &'static str,
    /// That entity's name.
    pub holder_name: String,
    /// Inline (by name) or managed (by ARN).
    pub source: PolicySource,
    /// The document as written (empty for a boundary that no longer exists).
    pub text: String,
    /// The parsed document.
    pub policy: Arc<Policy>,
}

impl HeldPolicy {
    /// The label authorization logs and encodes: `user/alice:inline-name`, or the policy ARN.
    pub fn label(&self) -> String {
        match &self.source {
            PolicySource::Inline(n) => format!("{}/{}:{n}", self.holder, self.holder_name),
            PolicySource::Managed(arn) => arn.clone(),
            PolicySource::PasswordPolicy => "account password policy".to_owned(),
        }
    }

    fn labelled(self) -> (String, Arc<Policy>) {
        (self.label(), self.policy)
    }
}

/// What a stored principal holds: its identity policies (a user's groups' included, in
/// order: own inline, own attached, then each group's) and its permissions boundary.
pub(crate) struct PrincipalPolicies {
    /// Identity policies.
    pub identity: Vec<HeldPolicy>,
    /// The permissions boundary; one that no longer exists allows nothing.
    pub boundary: Option<HeldPolicy>,
}

impl PrincipalPolicies {
    /// As labelled policies (authorization's view).
    fn labelled(self) -> (Labelled, Option<(String, Arc<Policy>)>) {
        (
            self.identity
                .into_iter()
                .map(HeldPolicy::labelled)
                .collect(),
            self.boundary.map(HeldPolicy::labelled),
        )
    }
}

/// A stored entity an authorization was about, as it was when authorized: the handler must
/// act on that entity (same unique id) or on nothing, never on one created, deleted or
/// re-created in between (see [`crate::tx::Tx::get`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActedOn {
    /// The account.
    pub scope: String,
    /// The record kind.
    pub kind: &'static str,
    /// The store key (lowercased name).
    pub key: String,
    /// Its unique id; `None` when it did not exist.
    pub id: Option<String>,
}

/// `arn:…:<kind><path><name>` with a new path and/or name (a rename's or move's target).
fn renamed(stored: &str, new_path: Option<&str>, new_name: Option<&str>) -> String {
    let Some((arn, entity)) =
        rolegate_policy::arn::Arn::parse(stored).and_then(|a| a.iam_resource().map(|r| (a, r)))
    else {
        return stored.to_owned();
    };
    rolegate_policy::arn::iam_arn(
        arn.partition,
        arn.account,
        entity.kind,
        new_path.unwrap_or(entity.path),
        new_name.unwrap_or(entity.name),
    )
}

/// `aws:TokenIssueTime`: ISO 8601 with milliseconds.
pub(crate) fn millis_timestamp(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{}.{:03}Z",
        rolegate_proto::xml::timestamp(t).trim_end_matches('Z'),
        ms.rem_euclid(1000)
    )
}

/// What each kind of temporary credentials may call at all, before any policy
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_request.html#stsapi_comparison>):
/// each operation says which rule applies to it ([`Callable`], beside its handler).
fn session_restrictions(caller: &Caller, op: &Operation) -> Result<()> {
    use rolegate_proto::Service as S;
    let Some(session) = &caller.session else {
        return Ok(());
    };
    let federated = matches!(caller.identity, Identity::FederatedUser { .. });
    let role = matches!(caller.identity, Identity::AssumedRole { .. });
    let refuse = |why: &str| {
        Err(ServiceError::AccessDenied(format!(
            "User: {} is not authorized to perform: {}:{} {why}",
            caller.arn(),
            op.service().signing_name(),
            op.name()
        )))
    };
    match (crate::handler::callable(op), op.service()) {
        (Callable::Always, _) => Ok(()),
        (Callable::LongTermOnly(message), _) => Err(ServiceError::AccessDenied(message.into())),
        (_, S::Iam) if federated => {
            refuse("with credentials from GetFederationToken: federated users cannot call IAM")
        }
        // AWS answers InvalidClientTokenId here, not AccessDenied.
        (_, S::Iam) if session.iam_forbidden() => Err(ServiceError::InvalidClientTokenId),
        (_, S::Iam) => Ok(()),
        (_, S::Sts) if federated => refuse(
            "with credentials from GetFederationToken: federated users can only call sts:GetCallerIdentity",
        ),
        (Callable::AnySession, S::Sts) => Ok(()),
        (_, S::Sts) if role => Ok(()),
        (Callable::ByService, S::Sts) => refuse(
            "with temporary credentials that only allow sts:AssumeRole and sts:GetCallerIdentity",
        ),
        // Other services take any temporary credentials; policies decide.
        (_, S::Organizations | S::CloudTrail) => Ok(()),
    }
}

/// What authorization reads of a named entity: its stored name, path and tags.
pub(crate) trait Named: rolegate_store::Entity {
    /// `user`, `role`, `group`, `instance-profile` (the ARN's resource type).
    const ARN_KIND: &'static str;
    /// The unique id.
    fn id(&self) -> &str;
    /// The name as created.
    fn name(&self) -> &str;
    /// The path.
    fn path(&self) -> &str;
    /// The tags (`aws:ResourceTag/*`).
    fn tags(&self) -> &[record::Tag] {
        &[]
    }
    /// The permissions boundary (users and roles).
    fn boundary(&self) -> Option<&str> {
        None
    }
}

/// `impl Named` for a record with `id`, `name` and `path` fields (and the tags and boundary
/// fields listed).
macro_rules! named {
    ($($t:ty => $kind:literal $(, tags: $tags:ident)? $(, boundary: $boundary:ident)?;)*) => {$(
        impl Named for $t {
            const ARN_KIND: &'static str = $kind;
            fn id(&self) -> &str {
                &self.id
            }
            fn name(&self) -> &str {
                &self.name
            }
            fn path(&self) -> &str {
                &self.path
            }
            $(fn tags(&self) -> &[record::Tag] {
                &self.$tags
            })?
            $(fn boundary(&self) -> Option<&str> {
                self.$boundary.as_deref()
            })?
        }
    )*};
}

named! {
    record::User => "user", tags: tags, boundary: boundary;
    record::Role => "role", tags: tags, boundary: boundary;
    record::Group => "group";
    record::InstanceProfile => "instance-profile", tags: tags;
    record::ServerCertificate => "server-certificate", tags: tags;
}

/// Request tags as key/value pairs.
pub(crate) fn tags(t: &[Tag]) -> Vec<(String, String)> {
    t.iter().map(|t| (t.key.clone(), t.value.clone())).collect()
}

/// Stored tags as key/value pairs.
pub(crate) fn stored_tags(t: &[record::Tag]) -> Vec<(String, String)> {
    t.iter().map(|t| (t.key.clone(), t.value.clone())).collect()
}

/// Parsed policies, each with a label saying where it came from.
pub(crate) type Labelled = Vec<(String, Arc<Policy>)>;

/// The policies on the caller's own side, loaded once per request ([`Service::held`]).
pub(crate) struct Held {
    /// Identity policies (user + groups, or the role's).
    pub identity: Vec<(String, Arc<Policy>)>,
    /// Permissions boundary.
    pub boundary: Option<(String, Arc<Policy>)>,
    /// Session policies (`Some(vec![])` for a federated user that passed none).
    pub session: Option<Vec<(String, Arc<Policy>)>>,
    /// `aws:PrincipalTag/*`.
    pub tags: Vec<(String, String)>,
    /// `aws:username` (IAM users only).
    pub username: Option<String>,
    /// The service control policies over the caller's account (empty: none apply).
    pub scps: Vec<ScpLevel>,
    /// The stored organization, as read for this request (`aws:PrincipalOrgID`, …).
    pub organization: Option<Arc<record::Organization>>,
}

impl Held {
    fn sourced(list: &[(String, Arc<Policy>)]) -> Vec<SourcedPolicy<'_>> {
        list.iter()
            .map(|(l, p)| SourcedPolicy {
                label: l,
                policy: p,
            })
            .collect()
    }

    /// The policy set for a request on the caller's own side (no resource policy).
    pub fn policy_set(&self) -> PolicySet<'_> {
        PolicySet {
            identity: Self::sourced(&self.identity),
            boundary: self.boundary.as_ref().map(|(l, p)| {
                vec![SourcedPolicy {
                    label: l,
                    policy: p,
                }]
            }),
            session: self.session.as_deref().map(Self::sourced),
            scps: self
                .scps
                .iter()
                .map(|level| Self::sourced(&level.policies))
                .collect(),
            ..Default::default()
        }
    }
}

/// A policy that allows everything (what the root user holds, for its federated users).
pub(crate) fn allow_all() -> Arc<Policy> {
    static ALL: std::sync::OnceLock<Arc<Policy>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        Arc::new(
            rolegate_policy::parse(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
                PolicyKind::Identity,
            )
            .unwrap_or(Policy {
                version: rolegate_policy::document::Version::V2012,
                id: None,
                statements: Vec::new(),
            }),
        )
    })
    .clone()
}

/// A policy that allows nothing.
pub(crate) fn empty_policy() -> Arc<Policy> {
    Arc::new(Policy {
        version: rolegate_policy::document::Version::V2012,
        id: None,
        statements: Vec::new(),
    })
}

/// AWS's AccessDenied message for an evaluation.
pub(crate) fn denial_message(
    principal_arn: &str,
    action: &str,
    resource: &str,
    e: &Evaluation,
) -> String {
    let blame = e.blame.unwrap_or(PolicyType::Identity);
    let why = if e.decision == Decision::ExplicitDeny {
        format!(
            "with an explicit deny in {} {}",
            if blame == PolicyType::Identity {
                "an"
            } else {
                "a"
            },
            blame.phrase()
        )
    } else {
        format!("because no {} allows the {action} action", blame.phrase())
    };
    format!(
        "User: {principal_arn} is not authorized to perform: {action} on resource: {resource} {why}"
    )
}

/// `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`, `aws:ResourceAccount`, `aws:ResourceOrgID`
/// and `aws:ResourceOrgPaths`, from the organization as read for the request (the org keys
/// are absent for an account in no organization, as AWS leaves them).
pub(crate) fn organization_keys(
    c: &mut Context,
    held: &Held,
    principal_account: &str,
    resource_account: &str,
) {
    let facts = |account: &str| {
        held.organization
            .as_deref()
            .and_then(|o| crate::organizations::facts(o, account))
    };
    if let Some(f) = facts(principal_account) {
        c.insert("aws:PrincipalOrgID", ContextValue::single(&f.id));
        c.insert("aws:PrincipalOrgPaths", ContextValue::Multi(vec![f.path]));
    }
    c.insert(
        "aws:ResourceAccount",
        ContextValue::single(resource_account),
    );
    for k in ["aws:ResourceOrgID", "aws:ResourceOrgPaths"] {
        c.remove(k);
    }
    if let Some(f) = facts(resource_account) {
        c.insert("aws:ResourceOrgID", ContextValue::single(&f.id));
        c.insert("aws:ResourceOrgPaths", ContextValue::Multi(vec![f.path]));
    }
}

/// The organization's resource control policies over the resource's account, for one request:
/// every level must allow and none may deny, whoever the caller is; they grant nothing by
/// themselves (an allow-everything identity capped by the levels). `None` when no RCPs apply.
pub(crate) fn resource_control(request: &Request<'_>, rcps: &[ScpLevel]) -> Option<Evaluation> {
    if rcps.is_empty() {
        return None;
    }
    let everything = allow_all();
    let set = PolicySet {
        identity: vec![SourcedPolicy {
            label: "resource-control",
            policy: &everything,
        }],
        scps: rcps
            .iter()
            .map(|level| {
                level
                    .policies
                    .iter()
                    .map(|(label, policy)| SourcedPolicy { label, policy })
                    .collect()
            })
            .collect(),
        ..Default::default()
    };
    Some(evaluate(request, &set))
}

/// The one decision: the caller's policy set, with the resource's account and policy when
/// given (else the resource is the caller's account's, without a policy).
fn decide(request: &Request<'_>, held: &Held, resource: Option<Resource<'_>>) -> Evaluation {
    let mut set = held.policy_set();
    if let Some(r) = resource {
        set.resource = r
            .policy
            .map(|(label, policy)| SourcedPolicy { label, policy });
        set.resource_account = Some(r.account);
    }
    evaluate(request, &set)
}

/// The statements of an evaluation, for the log.
pub(crate) fn explain(e: &Evaluation) -> Vec<String> {
    e.matched
        .iter()
        .map(|m| {
            format!(
                "{}#{}{}",
                m.policy,
                m.index,
                m.sid
                    .as_deref()
                    .map(|s| format!("({s})"))
                    .unwrap_or_default()
            )
        })
        .collect()
}

impl Service {
    /// Authorizes one call: the stored entities it was authorized on, or AWS's AccessDenied.
    pub async fn authorize(
        &self,
        caller: &Caller,
        op: &Operation,
        env: &RequestEnv,
    ) -> Result<Vec<ActedOn>> {
        session_restrictions(caller, op)?;
        let Some(mut target) = self.target(caller, op).await? else {
            return Ok(Vec::new());
        };
        // Condition keys compare without case, so `Owner` and `owner` would be one
        // `aws:RequestTag/…` key with two values: an ambiguous request is refused before any
        // condition sees it, for every kind of resource.
        if let Some(k) =
            crate::iam::repeated_tag_key(target.request_tags.iter().map(|(k, _)| k.as_str()))
        {
            tracing::debug!(key = %k, "request tags differ only in case");
            let message = crate::iam::DUPLICATE_TAG_KEYS.to_owned();
            return Err(match op.service() {
                rolegate_proto::Service::Sts => ServiceError::InvalidParameterValue(message),
                _ => ServiceError::InvalidInput(message),
            });
        }
        self.authorize_target(caller, &target, env).await?;
        let mut acted_on = std::mem::take(&mut target.acted_on);
        for more in &mut target.also {
            acted_on.append(&mut more.acted_on);
        }
        Ok(acted_on)
    }

    /// Evaluates one target of an operation and its further targets against the caller's own
    /// policies: [`Self::authorize_access`] without a resource policy.
    async fn authorize_target(
        &self,
        caller: &Caller,
        target: &Target,
        env: &RequestEnv,
    ) -> Result<()> {
        self.authorize_access(caller, target, None, env).await
    }

    /// Authorizes a request by what it asks — an action on a resource ARN, with the resource's
    /// tags and further context keys — for any service, without an [`Operation`]: the very
    /// path every IAM and STS call takes. The caller's policies are gathered as for a call
    /// ([`Self::held`]: identity, groups, boundary, session policies, the organization's
    /// service control policies); `resource` says which account owns the resource and its
    /// resource-based policy, with AWS's rules (within its account the policy may grant by
    /// itself, across accounts both sides must allow); `None` is a resource of the caller's
    /// account without a policy (every IAM resource). The target's further targets
    /// ([`Target::also`]) are each authorized too, against the caller's own policies.
    ///
    /// Allow is `Ok(())`; a denial is AWS's AccessDenied (`ServiceError::Denied`: the message
    /// naming the kind of policy that denied or did not allow, and an encoded authorization
    /// message for `sts:DecodeAuthorizationMessage`), logged with the deciding statements.
    /// A context key the caller's credentials decide is refused (`InvalidInput`).
    pub async fn authorize_access(
        &self,
        caller: &Caller,
        target: &Target,
        resource: Option<Resource<'_>>,
        env: &RequestEnv,
    ) -> Result<()> {
        let held = self.held(caller).await?;
        let principal = caller.principal();
        // The organization's RCPs over the resource's account, when the resource is named.
        let rcps = match resource {
            Some(r) => self.resource_control_policies(r.account).await?,
            None => Vec::new(),
        };
        // The target, then every further target of the same call, each on its own.
        let targets =
            std::iter::once((target, resource)).chain(target.also.iter().map(|t| (t, None)));
        for (t, resource) in targets {
            let mut context = self.context(caller, &held, t, env)?;
            if let Some(r) = resource {
                organization_keys(&mut context, &held, &caller.account, r.account);
            }
            let request = Request {
                action: &t.action,
                resource: &t.resource,
                principal: &principal,
                context: &context,
            };
            let mut evaluation = decide(&request, &held, resource);
            if evaluation.decision == Decision::Allow
                && resource.is_some()
                && let Some(rcp) = resource_control(&request, &rcps)
            {
                evaluation = rcp;
            }
            if evaluation.decision != Decision::Allow {
                return Err(self.deny(&request, &evaluation, env).await);
            }
        }
        Ok(())
    }

    /// [`Self::authorize_access`]'s decision itself, for one target (its further targets
    /// aside), without an error, a log line or an encoded message: Allow, ExplicitDeny or
    /// ImplicitDeny, the statements that decided and, for a denial, the kind of policy to
    /// blame.
    pub async fn evaluate_access(
        &self,
        caller: &Caller,
        target: &Target,
        resource: Option<Resource<'_>>,
        env: &RequestEnv,
    ) -> Result<Evaluation> {
        let held = self.held(caller).await?;
        let principal = caller.principal();
        let mut context = self.context(caller, &held, target, env)?;
        if let Some(r) = resource {
            organization_keys(&mut context, &held, &caller.account, r.account);
        }
        let request = Request {
            action: &target.action,
            resource: &target.resource,
            principal: &principal,
            context: &context,
        };
        let evaluation = decide(&request, &held, resource);
        if evaluation.decision == Decision::Allow
            && let Some(r) = resource
        {
            let rcps = self.resource_control_policies(r.account).await?;
            if let Some(rcp) = resource_control(&request, &rcps) {
                return Ok(rcp);
            }
        }
        Ok(evaluation)
    }

    /// Whether any policy that takes part in deciding `caller`'s request on `resource` reads
    /// a context key beginning with `prefix` (compared without case: `s3:ExistingObjectTag/`),
    /// in a condition or a policy variable: the caller's identity policies, boundary, session
    /// policies and SCPs, the resource's policy and the RCPs over its account. A resource
    /// server asks this before it fetches a costly key (an object's current tags from the
    /// storage backend), so that requests no such policy can be about cost nothing more.
    pub async fn policies_read_key(
        &self,
        caller: &Caller,
        resource: Option<Resource<'_>>,
        prefix: &str,
    ) -> Result<bool> {
        let prefix = rolegate_policy::request::fold_key(prefix);
        let reads = |p: &Policy| {
            p.statements
                .iter()
                .flat_map(rolegate_policy::document::Statement::context_keys)
                .any(|k| rolegate_policy::request::fold_key(k).starts_with(&prefix))
        };
        if resource
            .and_then(|r| r.policy)
            .is_some_and(|(_, p)| reads(p))
        {
            return Ok(true);
        }
        let held = self.held(caller).await?;
        let own = held
            .identity
            .iter()
            .chain(held.boundary.iter())
            .chain(held.session.iter().flatten())
            .chain(held.scps.iter().flat_map(|l| l.policies.iter()));
        if own.map(|(_, p)| p).any(|p| reads(p)) {
            return Ok(true);
        }
        let rcps = match resource {
            Some(r) => self.resource_control_policies(r.account).await?,
            None => Vec::new(),
        };
        Ok(rcps
            .iter()
            .flat_map(|l| l.policies.iter())
            .any(|(_, p)| reads(p)))
    }

    /// A resource-based policy document, parsed (and cached by content), for
    /// [`Resource::with_policy`]; a malformed one is `MalformedPolicyDocument` with AWS's reason.
    pub fn parse_resource_policy(&self, text: &str) -> Result<Arc<Policy>> {
        self.parsed_policy(text, PolicyKind::Resource)
    }

    /// The service control policies over a principal of `account`: none in the management
    /// account, where SCPs do not apply; else what the organization says ([`Organizations`]).
    ///
    /// No role is exempt by its path alone: anyone allowed `iam:CreateRole` could otherwise make
    /// one under `/aws-service-role/` and escape every SCP (and RCP). AWS exempts
    /// service-linked roles, which only AWS creates; here the exemption (in `held`, AssumeRole's
    /// RCPs and the simulator) rests on the stored role: `record::Role::is_service_linked`, the
    /// mark only CreateServiceLinkedRole sets, under the path CreateRole refuses.
    pub(crate) async fn organization_policies(&self, account: &str) -> Result<Vec<ScpLevel>> {
        if account == self.account_id() {
            return Ok(Vec::new());
        }
        // The stored organization first; an account it does not hold asks the installed
        // source (none by default).
        if let Some(levels) = self.stored_scps(account).await? {
            return Ok(levels);
        }
        self.organizations.service_control_policies(account).await
    }

    /// Sets where service control policies come from (the default: no organization).
    #[must_use]
    pub fn with_organizations(mut self, organizations: Arc<dyn Organizations>) -> Self {
        self.organizations = organizations;
        self
    }

    /// Authorizes one more action of a call on the caller's own side (`sts:TagSession` for
    /// GetFederationToken).
    pub(crate) async fn authorize_action(
        &self,
        c: &crate::iam::Ctx<'_>,
        action: &str,
        resource: &str,
        request_tags: &[Tag],
    ) -> Result<()> {
        let target = Target {
            action: action.to_owned(),
            resource: resource.to_owned(),
            request_tags: tags(request_tags),
            ..Default::default()
        };
        self.authorize_target(c.caller, &target, c.env).await
    }

    /// Logs the explanation of a denial and builds AWS's AccessDenied, with an encoded
    /// authorization message that `sts:DecodeAuthorizationMessage` reveals.
    pub(crate) async fn deny(
        &self,
        request: &Request<'_>,
        evaluation: &Evaluation,
        env: &RequestEnv,
    ) -> ServiceError {
        tracing::info!(
            request_id = %env.request_id,
            principal = %request.principal.arn,
            action = %request.action,
            resource = %request.resource,
            decision = ?evaluation.decision,
            blame = evaluation.blame.map(PolicyType::phrase),
            statements = ?explain(evaluation),
            "access denied"
        );
        let message = denial_message(
            &request.principal.arn,
            request.action,
            request.resource,
            evaluation,
        );
        self.denied(message, request, evaluation).await
    }

    /// The policies on the caller's side: the one place they are gathered, for every call,
    /// [`Self::authorize_access`] and AssumeRole. A user's own and its groups' (through
    /// [`Self::principal_policies`], which the simulator uses too), or the role's, with the
    /// boundary; the session's policies; the organization's service control policies.
    pub(crate) async fn held(&self, caller: &Caller) -> Result<Held> {
        let account = caller.account.as_str();
        let session_tags = caller
            .session
            .as_ref()
            .map(|s| s.tags.clone())
            .unwrap_or_default();
        let scps = self.organization_policies(account).await?;
        let organization = self.cached_organization().await?;
        match &caller.identity {
            Identity::Root => Ok(Held {
                identity: vec![("root".into(), allow_all())],
                boundary: None,
                // A privileged root session (AssumeRoot) holds what its task policy allows and
                // nothing more: its session policies, never absent (none carried: nothing).
                session: match &caller.session {
                    Some(s)
                        if matches!(
                            s.principal,
                            crate::session::SessionPrincipal::RootTask { .. }
                        ) =>
                    {
                        Some(self.carried_policies(s)?.unwrap_or_default())
                    }
                    _ => None,
                },
                tags: Vec::new(),
                username: None,
                scps,
                organization,
            }),
            Identity::User { name, id, .. } => {
                // The user the credentials belong to, by unique id: a namesake created after a
                // rename or a delete holds nothing of it.
                let user = self.caller_user(account, name).await?;
                if user.id != *id {
                    return Err(ServiceError::InvalidClientTokenId);
                }
                let (identity, boundary) = self
                    .principal_policies(account, Holder::User(&user))
                    .await?
                    .labelled();
                Ok(Held {
                    identity,
                    boundary,
                    session: None,
                    tags: stored_tags(&user.tags),
                    username: Some(user.name.clone()),
                    scps,
                    organization,
                })
            }
            Identity::AssumedRole {
                role_name, role_id, ..
            } => {
                let role = self
                    .cache
                    .get::<record::Role>(&*self.store, account, &key_of(role_name))
                    .await?
                    .filter(|r| r.id == *role_id);
                let session = match &caller.session {
                    Some(s) => self.carried_policies(s)?,
                    None => None,
                };
                let Some(role) = role else {
                    // The role was deleted (or re-created: another unique id): the session
                    // holds nothing.
                    return Ok(Held {
                        identity: Vec::new(),
                        boundary: None,
                        session,
                        tags: session_tags,
                        username: None,
                        scps,
                        organization,
                    });
                };
                let (identity, boundary) = self
                    .principal_policies(account, Holder::Role(&role))
                    .await?
                    .labelled();
                Ok(Held {
                    identity,
                    boundary,
                    session,
                    tags: crate::sts::overlay_tags(stored_tags(&role.tags), &session_tags),
                    username: None,
                    // SCPs do not apply to service-linked roles (the stored mark, never the path
                    // a caller chose: CreateRole refuses the service-linked path).
                    scps: if role.is_service_linked() {
                        Vec::new()
                    } else {
                        scps
                    },
                    organization,
                })
            }
            Identity::FederatedUser { .. } => {
                let s = caller
                    .session
                    .as_ref()
                    .ok_or(ServiceError::InvalidClientTokenId)?;
                let session = Some(self.carried_policies(s)?.unwrap_or_default());
                let parent = match &s.principal {
                    crate::session::SessionPrincipal::Federated { user, .. } => user.clone(),
                    _ => None,
                };
                let (identity, boundary, base_tags) = match parent {
                    None => (vec![("root".into(), allow_all())], None, Vec::new()),
                    Some(p) => {
                        let user = self.caller_user(account, &p.name).await?;
                        if user.id != p.id {
                            return Err(ServiceError::InvalidClientTokenId);
                        }
                        let (i, b) = self
                            .principal_policies(account, Holder::User(&user))
                            .await?
                            .labelled();
                        let t = stored_tags(&user.tags);
                        (i, b, t)
                    }
                };
                Ok(Held {
                    identity,
                    boundary,
                    session,
                    tags: crate::sts::overlay_tags(base_tags, &session_tags),
                    username: None,
                    scps,
                    organization,
                })
            }
        }
    }

    async fn caller_user(&self, account: &str, name: &str) -> Result<Arc<record::User>> {
        self.cache
            .get::<record::User>(&*self.store, account, &key_of(name))
            .await?
            .ok_or(ServiceError::InvalidClientTokenId)
    }

    /// What a stored user (with its groups), group or role holds: its identity policies,
    /// own inline, own attached, then each group's (a group that no longer exists holds
    /// nothing), and its boundary, parsed. The one gathering behind [`Self::held`] and the
    /// simulator's SimulatePrincipalPolicy and GetContextKeysForPrincipalPolicy.
    pub(crate) async fn principal_policies(
        &self,
        account: &str,
        holder: Holder<'_>,
    ) -> Result<PrincipalPolicies> {
        let mut identity = Vec::new();
        let boundary = match holder {
            Holder::User(u) => {
                self.holder_policies(
                    account,
                    "user",
                    &u.name,
                    &u.inline,
                    &u.attached,
                    &mut identity,
                )
                .await?;
                for g in &u.groups {
                    let Some(group) = self
                        .cache
                        .get::<record::Group>(&*self.store, account, &key_of(g))
                        .await?
                    else {
                        continue;
                    };
                    self.holder_policies(
                        account,
                        "group",
                        &group.name,
                        &group.inline,
                        &group.attached,
                        &mut identity,
                    )
                    .await?;
                }
                if let Some(grant) = self.password_change_grant(account, u).await? {
                    identity.push(grant);
                }
                u.boundary.as_deref().map(|b| ("user", u.name.as_str(), b))
            }
            Holder::Group(g) => {
                self.holder_policies(
                    account,
                    "group",
                    &g.name,
                    &g.inline,
                    &g.attached,
                    &mut identity,
                )
                .await?;
                None
            }
            Holder::Role(r) => {
                self.holder_policies(
                    account,
                    "role",
                    &r.name,
                    &r.inline,
                    &r.attached,
                    &mut identity,
                )
                .await?;
                r.boundary.as_deref().map(|b| ("role", r.name.as_str(), b))
            }
        };
        let boundary = match boundary {
            Some((holder, name, arn)) => {
                // A boundary that no longer exists allows nothing.
                let (text, policy) = match self.managed_document(account, arn).await? {
                    Some(text) => {
                        let policy = self.parsed_policy(&text, PolicyKind::Identity)?;
                        (text, policy)
                    }
                    None => (String::new(), empty_policy()),
                };
                Some(HeldPolicy {
                    holder,
                    holder_name: name.to_owned(),
                    source: PolicySource::Managed(arn.to_owned()),
                    text,
                    policy,
                })
            }
            None => None,
        };
        Ok(PrincipalPolicies { identity, boundary })
    }

    /// One holder's inline and attached policies (a managed policy that no longer exists
    /// holds nothing), parsed, appended to `out`.
    /// What the account's password policy grants a user: with `AllowUsersToChangePassword`,
    /// `iam:ChangePassword` on the user itself and `iam:GetAccountPasswordPolicy`
    /// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_enable-user-change.html>).
    async fn password_change_grant(
        &self,
        account: &str,
        user: &record::User,
    ) -> Result<Option<HeldPolicy>> {
        let allowed = self
            .cache
            .get::<record::PasswordPolicy>(&*self.store, account, record::PASSWORD_POLICY_KEY)
            .await?
            .is_some_and(|p| p.allow_users_to_change);
        if !allowed {
            return Ok(None);
        }
        let text = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "iam:ChangePassword",
                    "Resource": arn(account, "user", &user.path, &user.name),
                },
                {"Effect": "Allow", "Action": "iam:GetAccountPasswordPolicy", "Resource": "*"},
            ],
        })
        .to_string();
        Ok(Some(HeldPolicy {
            holder: "user",
            holder_name: user.name.clone(),
            source: PolicySource::PasswordPolicy,
            policy: self.parsed_policy(&text, PolicyKind::Identity)?,
            text,
        }))
    }

    async fn holder_policies(
        &self,
        account: &str,
        holder: &'static str,
        name: &str,
        inline: &std::collections::BTreeMap<String, String>,
        attached: &[String],
        out: &mut Vec<HeldPolicy>,
    ) -> Result<()> {
        for (n, text) in inline {
            out.push(HeldPolicy {
                holder,
                holder_name: name.to_owned(),
                source: PolicySource::Inline(n.clone()),
                text: text.clone(),
                policy: self.parsed_policy(text, PolicyKind::Identity)?,
            });
        }
        for a in attached {
            if let Some(text) = self.managed_document(account, a).await? {
                out.push(HeldPolicy {
                    holder,
                    holder_name: name.to_owned(),
                    source: PolicySource::Managed(a.clone()),
                    policy: self.parsed_policy(&text, PolicyKind::Identity)?,
                    text,
                });
            }
        }
        Ok(())
    }

    /// The request context: the target's further keys, then the principal's keys, the
    /// session's, the request's and the target's (each replacing a further key of its name).
    /// A further key the caller's credentials decide is `InvalidInput`.
    pub(crate) fn context(
        &self,
        caller: &Caller,
        held: &Held,
        target: &Target,
        env: &RequestEnv,
    ) -> Result<Context> {
        let mut c = Context::default();
        for (k, v) in &target.context {
            if caller_key(k) {
                return Err(ServiceError::InvalidInput(format!(
                    "The context key {k} comes from the caller's credentials, not the request."
                )));
            }
            c.insert(k, v.clone());
        }
        let s = |v: &str| ContextValue::single(v);
        if let Some(u) = &held.username {
            c.insert("aws:username", s(u));
        }
        c.insert("aws:userid", s(&caller.user_id()));
        c.insert("aws:PrincipalArn", s(&caller.principal_arn()));
        c.insert("aws:PrincipalAccount", s(&caller.account));
        // The account that owns the resource: the one in its ARN, else the caller's (`*`).
        let resource_account = rolegate_policy::arn::Arn::parse(&target.resource)
            .map(|a| a.account)
            .filter(|a| crate::bootstrap::is_account_id(a))
            .unwrap_or(&caller.account);
        organization_keys(&mut c, held, &caller.account, resource_account);
        c.insert("aws:PrincipalType", s(caller.principal_type()));
        c.insert(
            "aws:CurrentTime",
            s(&rolegate_proto::xml::timestamp(env.now)),
        );
        c.insert("aws:EpochTime", s(&env.now.unix_timestamp().to_string()));
        c.insert("aws:SecureTransport", s(&env.secure_transport.to_string()));
        c.insert(
            "aws:RequestedRegion",
            s(
                if target.action.starts_with("iam:") || target.action.starts_with("organizations:")
                {
                    "us-east-1"
                } else {
                    env.region.as_str()
                },
            ),
        );
        if let Some(ip) = env.source_ip {
            c.insert("aws:SourceIp", s(&ip.to_string()));
        }
        if let Some(ua) = &env.user_agent {
            c.insert("aws:UserAgent", s(ua));
        }
        if let Some(session) = &caller.session {
            c.insert(
                "aws:TokenIssueTime",
                s(&millis_timestamp(session.issued_ms)),
            );
            c.insert(
                "aws:MultiFactorAuthPresent",
                s(&session.mfa_at.is_some().to_string()),
            );
            if let Some(at) = session.mfa_at {
                c.insert(
                    "aws:MultiFactorAuthAge",
                    s(&(env.now.unix_timestamp() - at).max(0).to_string()),
                );
            }
            if let Some(si) = &session.source_identity {
                c.insert("aws:SourceIdentity", s(si));
            }
            if let crate::session::SessionPrincipal::WebIdentity { provider, .. } =
                &session.principal
            {
                c.insert("aws:FederatedProvider", s(provider));
            }
        }
        for (k, v) in &held.tags {
            c.insert(&format!("aws:PrincipalTag/{k}"), s(v));
        }
        for (k, v) in &target.request_tags {
            c.insert(&format!("aws:RequestTag/{k}"), s(v));
        }
        let mut keys: Vec<String> = target.request_tags.iter().map(|(k, _)| k.clone()).collect();
        keys.extend(target.tag_keys.iter().cloned());
        if !keys.is_empty() {
            c.insert("aws:TagKeys", ContextValue::Multi(keys));
        }
        for t in &target.resource_tags {
            c.insert(&format!("aws:ResourceTag/{}", t.key), s(&t.value));
            c.insert(&format!("iam:ResourceTag/{}", t.key), s(&t.value));
        }
        for (k, v) in &target.keys {
            c.insert(k, s(v));
        }
        for (k, v) in &target.multi_keys {
            c.insert(k, ContextValue::Multi(v.clone()));
        }
        Ok(c)
    }

    /// The ARN of a named entity as stored (its tags go to the target), or, when none
    /// exists, the name as given under `new_path` (or `/`).
    async fn stored_arn<T: Named>(
        &self,
        account: &str,
        name: &str,
        new_path: Option<&str>,
        t: &mut Target,
    ) -> Result<String> {
        let key = key_of(name);
        let existing = self.cache.get::<T>(&*self.store, account, &key).await?;
        t.acted_on.push(ActedOn {
            scope: account.to_owned(),
            kind: T::KIND,
            key,
            id: existing.as_ref().map(|e| e.id().to_owned()),
        });
        Ok(match existing {
            Some(e) => {
                t.resource_tags = e.tags().to_vec();
                t.entity_boundary = e.boundary().map(str::to_owned);
                arn(account, T::ARN_KIND, e.path(), e.name())
            }
            None => arn(account, T::ARN_KIND, new_path.unwrap_or("/"), name),
        })
    }

    /// The stored ARN of the customer managed policy an ARN names in the caller's account
    /// (any spelling of its name); any other ARN as given.
    async fn stored_policy_arn(
        &self,
        account: &str,
        policy_arn: &str,
        acted_on: &mut Vec<ActedOn>,
    ) -> Result<String> {
        Ok(self.stored_policy(account, policy_arn, acted_on).await?.0)
    }

    /// [`Self::stored_policy_arn`] and the policy's tags (`aws:ResourceTag/*` when the policy
    /// is the resource acted on).
    async fn stored_policy(
        &self,
        account: &str,
        policy_arn: &str,
        acted_on: &mut Vec<ActedOn>,
    ) -> Result<(String, Vec<record::Tag>)> {
        let Ok(crate::iam::ManagedRef::Customer { key, path, .. }) =
            self.resolve_policy_arn(account, policy_arn)
        else {
            return Ok((policy_arn.to_owned(), Vec::new()));
        };
        let stored = self
            .cache
            .get::<record::Policy>(&*self.store, account, &key)
            .await?;
        acted_on.push(ActedOn {
            scope: account.to_owned(),
            kind: <record::Policy as rolegate_store::Entity>::KIND,
            key,
            id: stored.as_ref().map(|p| p.id.clone()),
        });
        Ok(match stored.filter(|p| p.path == path) {
            Some(p) => (arn(account, "policy", &p.path, &p.name), p.tags.clone()),
            None => (policy_arn.to_owned(), Vec::new()),
        })
    }

    /// The stored ARN of the user, group or role an ARN names in the caller's account (any
    /// spelling of its name); any other ARN as given.
    async fn stored_principal_arn(
        &self,
        account: &str,
        given: &str,
        t: &mut Target,
    ) -> Result<String> {
        let Some((kind, name)) = crate::iam::parse_arn(given)
            .filter(|a| a.account == account)
            .and_then(|a| a.iam_resource())
            .map(|r| (r.kind, r.name))
        else {
            return Ok(given.to_owned());
        };
        let stored = match kind {
            "user" => {
                self.stored_arn::<record::User>(account, name, None, t)
                    .await?
            }
            "role" => {
                self.stored_arn::<record::Role>(account, name, None, t)
                    .await?
            }
            "group" => {
                self.stored_arn::<record::Group>(account, name, None, t)
                    .await?
            }
            _ => return Ok(given.to_owned()),
        };
        // Names compare without case; paths do not (another path names no entity).
        Ok(if stored.eq_ignore_ascii_case(given) {
            stored
        } else {
            given.to_owned()
        })
    }

    /// The action, resource and request-specific context of an operation; `None` for calls
    /// that are never denied (GetCallerIdentity) or that their handler authorizes (AssumeRole).
    pub async fn target(&self, caller: &Caller, op: &Operation) -> Result<Option<Target>> {
        let Some(needs) = crate::handler::needs_of(op, caller) else {
            return Ok(None);
        };
        let action = format!("{}:{}", op.service().signing_name(), op.name());
        self.resolve(caller, action, needs).await.map(Some)
    }

    /// Resolves what a call needs against the stored entities: every ARN below is the
    /// entity's stored identity (name and path as created), never the caller's spelling:
    /// names are unique case-insensitively but ARNs match case-sensitively, so a respelled
    /// name must not dodge a Deny. An entity that does not exist is named as given (a create
    /// makes exactly that name).
    async fn resolve(&self, caller: &Caller, action: String, needs: Needs<'_>) -> Result<Target> {
        let account = caller.account.as_str();
        let mut t = Target {
            action,
            request_tags: tags(needs.request_tags),
            tag_keys: needs.tag_keys.to_vec(),
            ..Default::default()
        };
        let mut acted_on = Vec::new();
        for (key, value) in &needs.keys {
            t.keys.push((key, value.to_string()));
        }
        for (key, values) in &needs.multi_keys {
            t.multi_keys.push((key, values.to_vec()));
        }
        for (key, arn) in &needs.policy_keys {
            t.keys.push((
                key,
                self.stored_policy_arn(account, arn, &mut acted_on).await?,
            ));
        }
        t.resource = match needs.resource {
            NamedResource::User(name, new_path) => {
                let name = match (name, &caller.identity) {
                    (Some(n), _) => n.to_owned(),
                    (None, Identity::User { name, .. }) => name.clone(),
                    (None, Identity::Root) => {
                        t.resource = crate::iam::root_arn(account);
                        t.acted_on = acted_on;
                        return Ok(t);
                    }
                    // A session names no user: AWS refuses the call before anything else.
                    (None, Identity::AssumedRole { .. } | Identity::FederatedUser { .. }) => {
                        return Err(ServiceError::Validation(
                            "Must specify userName when calling with non-User credentials".into(),
                        ));
                    }
                };
                self.stored_arn::<record::User>(account, &name, new_path, &mut t)
                    .await?
            }
            NamedResource::Role(name, new_path) => {
                self.stored_arn::<record::Role>(account, name, new_path, &mut t)
                    .await?
            }
            NamedResource::ServiceLinkedRole(service, suffix) => {
                let (name, path) = crate::iam::service_linked_roles::name_and_path(service, suffix);
                self.stored_arn::<record::Role>(account, &name, Some(&path), &mut t)
                    .await?
            }
            NamedResource::DelegationRequest(id) => arn(account, "delegation-request", "/", id),
            NamedResource::Given(given) => given.to_owned(),
            NamedResource::RootUser(target) => {
                crate::iam::root_arn(crate::sts::root_target_account(target).unwrap_or(target))
            }
            NamedResource::AccessReport(path) => arn(account, "access-report/", "", path),
            NamedResource::DeletionTask(task) => {
                crate::iam::service_linked_roles::task_role_arn(account, task)
            }
            NamedResource::Group(name, new_path) => {
                self.stored_arn::<record::Group>(account, name, new_path, &mut t)
                    .await?
            }
            NamedResource::Profile(name, new_path) => {
                self.stored_arn::<record::InstanceProfile>(account, name, new_path, &mut t)
                    .await?
            }
            NamedResource::ServerCertificate(name, new_path) => {
                self.stored_arn::<record::ServerCertificate>(account, name, new_path, &mut t)
                    .await?
            }
            NamedResource::Policy(a) => {
                let (stored, tags) = self.stored_policy(account, a, &mut t.acted_on).await?;
                t.resource_tags = tags;
                stored
            }
            NamedResource::NewPolicy(name, path) => {
                match self
                    .cache
                    .get::<record::Policy>(&*self.store, account, &key_of(name))
                    .await?
                {
                    Some(p) => arn(account, "policy", &p.path, &p.name),
                    None => arn(account, "policy", path.unwrap_or("/"), name),
                }
            }
            NamedResource::Kind(kind, prefix) => arn(account, kind, prefix.unwrap_or("/"), ""),
            NamedResource::Key(id) => {
                let key = self
                    .cache
                    .get::<record::AccessKey>(&*self.store, rolegate_store::GLOBAL, id)
                    .await?;
                match key.as_deref().map(|k| &k.owner) {
                    Some(record::KeyOwner::User { name, .. }) => {
                        self.stored_arn::<record::User>(account, name, None, &mut t)
                            .await?
                    }
                    _ => crate::iam::root_arn(account),
                }
            }
            NamedResource::Principal(given) => {
                self.stored_principal_arn(account, given, &mut t).await?
            }
            NamedResource::NewDevice(name, path) => {
                match self
                    .cache
                    .get::<record::MfaDevice>(&*self.store, account, &key_of(name))
                    .await?
                {
                    Some(d) => {
                        t.resource_tags.clone_from(&d.tags);
                        crate::iam::serial_of(account, &d)
                    }
                    None => arn(account, "mfa", path, name),
                }
            }
            NamedResource::Device(serial) => {
                let stored = match crate::iam::device_key(account, serial) {
                    Some(key) => {
                        self.cache
                            .get::<record::MfaDevice>(&*self.store, account, &key)
                            .await?
                    }
                    None => None,
                };
                match stored {
                    Some(d) => {
                        t.resource_tags.clone_from(&d.tags);
                        crate::iam::serial_of(account, &d)
                    }
                    None => serial.to_owned(),
                }
            }
            NamedResource::FederatedUser(name) => {
                crate::iam::sts_arn(account, &format!("federated-user/{name}"))
            }
            NamedResource::OidcProvider(given) => {
                let key = crate::iam::oidc_providers::provider_key(account, given);
                let stored = match key {
                    Some(k) => {
                        self.cache
                            .get::<record::OidcProvider>(&*self.store, account, k)
                            .await?
                    }
                    None => None,
                };
                t.acted_on.push(ActedOn {
                    scope: account.to_owned(),
                    kind: record::kind::OIDC_PROVIDER,
                    key: key.unwrap_or(given).to_owned(),
                    id: stored.as_ref().map(|p| p.id.clone()),
                });
                match stored {
                    Some(p) => {
                        t.resource_tags.clone_from(&p.tags);
                        crate::iam::oidc_providers::provider_arn(account, &p.url)
                    }
                    None => given.to_owned(),
                }
            }
            NamedResource::NewOidcProvider(url) => {
                let key = crate::iam::oidc_providers::parse_issuer_url(url, true).map_or_else(
                    |_| {
                        url.trim_start_matches("https://")
                            .trim_start_matches("http://")
                            .to_owned()
                    },
                    |i| i.key,
                );
                crate::iam::oidc_providers::provider_arn(account, &key)
            }
            NamedResource::SamlProvider(given) => {
                let key = crate::iam::saml_providers::provider_key(account, given);
                let stored = match &key {
                    Some(k) => {
                        self.cache
                            .get::<record::SamlProvider>(&*self.store, account, k)
                            .await?
                    }
                    None => None,
                };
                t.acted_on.push(ActedOn {
                    scope: account.to_owned(),
                    kind: record::kind::SAML_PROVIDER,
                    key: key.unwrap_or_else(|| given.to_owned()),
                    id: stored.as_ref().map(|p| p.id.clone()),
                });
                match stored {
                    Some(p) => {
                        t.resource_tags.clone_from(&p.tags);
                        crate::iam::saml_providers::provider_arn(account, &p.name)
                    }
                    None => given.to_owned(),
                }
            }
            NamedResource::NewSamlProvider(name) => {
                crate::iam::saml_providers::provider_arn(account, name)
            }
            NamedResource::Org(r) => self.organization_resource_arn(r).await?,
            NamedResource::Any => "*".to_owned(),
        };
        // Users' and roles' tag keys are case-insensitive: a key the request spells differently
        // from the stored tag it replaces or removes is in `aws:TagKeys` in both spellings.
        if needs.fold_tag_keys {
            let requested: Vec<String> = t
                .request_tags
                .iter()
                .map(|(k, _)| k.clone())
                .chain(t.tag_keys.iter().cloned())
                .collect();
            for stored in &t.resource_tags {
                if requested
                    .iter()
                    .any(|k| crate::iam::same_tag_key(k, &stored.key) && *k != stored.key)
                {
                    t.tag_keys.push(stored.key.clone());
                }
            }
        }
        // `iam:PermissionsBoundary` of the calls that change what a user or role may do: the
        // boundary the entity has (AWS's delegated-administrator pattern depends on it).
        if needs.entity_boundary
            && let Some(b) = t.entity_boundary.clone()
        {
            t.keys.push(("iam:PermissionsBoundary", b));
        }
        // A call that names a second entity authorizes it too: a rename's or move's target…
        if let Some((new_path, new_name)) = needs.moved_to {
            t.also.push(Target {
                resource: renamed(&t.resource, new_path, new_name),
                ..t.clone()
            });
        }
        // …and the role an instance profile receives.
        if let Some(role) = needs.passes_role {
            // The role goes to EC2 instances: AWS's PassRole keys for this call.
            let mut pass = Target {
                action: "iam:PassRole".to_owned(),
                keys: vec![
                    ("iam:PassedToService", "ec2.amazonaws.com".to_owned()),
                    (
                        "iam:AssociatedResourceArn",
                        format!(
                            "arn:{}:ec2:*:{account}:instance/*",
                            crate::iam::PARTITION.as_str()
                        ),
                    ),
                ],
                ..Default::default()
            };
            pass.resource = self
                .stored_arn::<record::Role>(account, role, None, &mut pass)
                .await?;
            t.also.push(pass);
        }
        // …and the further resources of an Organizations call, with the same action.
        for r in &needs.org_also {
            let resource = self.organization_resource_arn(*r).await?;
            t.also.push(Target {
                action: t.action.clone(),
                resource,
                request_tags: t.request_tags.clone(),
                tag_keys: t.tag_keys.clone(),
                ..Default::default()
            });
        }
        t.acted_on.extend(acted_on);
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::renamed;

    #[test]
    fn rename_and_move_targets() {
        let a = "arn:aws:iam::123456789012:user/interns/bob";
        assert_eq!(
            renamed(a, Some("/admins/"), None),
            "arn:aws:iam::123456789012:user/admins/bob"
        );
        assert_eq!(
            renamed(a, None, Some("Robert")),
            "arn:aws:iam::123456789012:user/interns/Robert"
        );
        assert_eq!(
            renamed(
                "arn:aws:iam::123456789012:group/devs",
                Some("/a/b/"),
                Some("ops")
            ),
            "arn:aws:iam::123456789012:group/a/b/ops"
        );
        assert_eq!(
            renamed("arn:aws:iam::123456789012:user/bob", None, None),
            "arn:aws:iam::123456789012:user/bob"
        );
    }
}

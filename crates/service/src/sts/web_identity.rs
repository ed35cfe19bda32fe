//! AssumeRoleWithWebIdentity: <https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html>.
//!
//! Called without a signature: the web identity token is the credential. The steps, in order:
//! 1. the token: parsed strictly (`federation::jwt`), its `iss` looked up among the OIDC
//!    providers of the **role's** account (exactly: `https://` + the provider's key), its
//!    signature verified with the issuer's keys (`federation::jwks`), then `exp`/`nbf`/`iat`
//!    (with the configured skew) and `aud` (or `azp`) against the provider's client ids;
//! 2. session tags (`https://aws.amazon.com/tags`) and source identity
//!    (`https://aws.amazon.com/source_identity`) claims;
//! 3. the role's trust policy, with `Federated` = the provider's ARN, for
//!    `sts:AssumeRoleWithWebIdentity` (and `sts:TagSession`, `sts:SetSourceIdentity` when
//!    used), with the provider's claim keys (`HOST/PATH:aud`, `:sub`, `:amr`, …). A role that
//!    does not exist is denied exactly like one that does not trust the provider;
//! 4. duration, session policies, packed size; the session (a role session that also
//!    carries the provider and subject, for `aws:FederatedProvider` and the audit trail).
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_oidc.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif>

use rolegate_policy::{
    ContextValue, Decision, PolicySet, Request, SourcedPolicy, evaluate,
    request::{Principal, PrincipalKind},
};
use rolegate_proto::dto::sts::{
    AssumeRoleWithWebIdentityInput, AssumeRoleWithWebIdentityOutput, AssumedRoleUser,
};
use rolegate_store::record;
use serde_json::{Map, Value};

use super::{Draft, packed_size};
use crate::{
    RequestEnv, Service,
    error::{Result, ServiceError},
    federation::{jwks::KeysError, jwt},
    handler::UnsignedHandler,
    iam::{key_of, oidc_providers::provider_arn},
    session::SessionPrincipal,
};

impl UnsignedHandler for AssumeRoleWithWebIdentityInput {
    type Output = AssumeRoleWithWebIdentityOutput;
    fn handle<'a>(
        self,
        service: &'a Service,
        env: &'a RequestEnv,
    ) -> impl Future<Output = Result<Self::Output>> + Send + 'a {
        service.assume_role_with_web_identity(env, self)
    }
}

/// Default session duration.
const DEFAULT_DURATION: i64 = 3600;
/// The session-tags claim.
const TAGS_CLAIM: &str = "https://aws.amazon.com/tags";
/// The source-identity claim.
const SOURCE_IDENTITY_CLAIM: &str = "https://aws.amazon.com/source_identity";
/// Claims (besides `aud`, `sub`, `amr`, `oaud`) offered as `PROVIDER:claim` condition keys:
/// those AWS's Service Authorization Reference lists for CI issuers (GitHub, GitLab,
/// Buildkite). Unlisted claims are not condition keys, as in AWS.
const CLAIM_KEYS: &[&str] = &[
    "actor",
    "actor_id",
    "enterprise_id",
    "environment",
    "job_workflow_ref",
    "ref",
    "repository",
    "repository_id",
    "repository_owner_id",
    "workflow",
    "namespace_id",
    "pipeline_source",
    "project_id",
    "ref_protected",
    "runner_environment",
    "user_access_level",
    "user_email",
    "user_id",
    "user_login",
    "build_branch",
    "cluster_id",
    "cluster_name",
    "organization_id",
    "organization_slug",
    "pipeline_id",
    "pipeline_slug",
];
/// The one issuer whose `azp` claim is the audience.
const GOOGLE: &str = "https://accounts.google.com";
/// Most entries of an array claim read as a multivalued key.
const MAX_CLAIM_VALUES: usize = 100;

fn invalid(message: impl Into<String>) -> ServiceError {
    ServiceError::InvalidIdentityToken(message.into())
}

/// What the verified token says.
struct Verified {
    provider_arn: String,
    /// `HOST[:PORT]/PATH`: the prefix of the condition keys.
    provider_key: String,
    issuer: String,
    subject: String,
    audience: String,
    /// The token's own `aud` when the audience matched through `azp`.
    original_audience: Option<String>,
    claims: Map<String, Value>,
}

/// `arn:aws:iam::<account>:role/<path/>name` split into account, path and name.
pub(super) fn parse_role_arn(arn: &str) -> Option<(String, String, String)> {
    let parsed = crate::iam::parse_arn(arn)?;
    let role = parsed.iam("role")?;
    crate::bootstrap::is_account_id(parsed.account).then(|| {
        (
            parsed.account.to_owned(),
            role.path.to_owned(),
            role.name.to_owned(),
        )
    })
}

/// A claim as condition-key values: strings, numbers and booleans as text; arrays of them
/// (bounded) as several values; anything else: none.
fn claim_values(v: &Value) -> Option<ContextValue> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    match v {
        Value::Array(items) => Some(ContextValue::Multi(
            items
                .iter()
                .take(MAX_CLAIM_VALUES)
                .filter_map(scalar)
                .collect(),
        )),
        other => scalar(other).map(|s| ContextValue::single(&s)),
    }
}

/// A numeric date claim (`exp`, `nbf`, `iat`); `Err` when present but not a number.
fn numeric_date(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| invalid(format!("The {name} claim is not a valid date."))),
        Some(_) => Err(invalid(format!("The {name} claim is not a valid date."))),
    }
}

/// Session tags (key, value) and the transitive keys.
type SessionTags = (Vec<(String, String)>, Vec<String>);

/// The session tags and transitive keys of the tags claim (AWS's limits; anything else makes
/// the token invalid).
fn session_tags(claims: &Map<String, Value>) -> Result<SessionTags> {
    let Some(v) = claims.get(TAGS_CLAIM) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let bad = || invalid("The https://aws.amazon.com/tags claim is not valid.");
    let obj = v.as_object().ok_or_else(bad)?;
    let mut tags = Vec::new();
    if let Some(p) = obj.get("principal_tags") {
        for (k, vals) in p.as_object().ok_or_else(bad)? {
            let value = match vals {
                Value::Array(a) if a.len() == 1 => a[0].as_str().ok_or_else(bad)?,
                Value::String(s) => s.as_str(),
                _ => return Err(bad()),
            };
            tags.push(rolegate_proto::dto::shapes::Tag {
                key: k.clone(),
                value: value.to_owned(),
            });
        }
    }
    let mut transitive = Vec::new();
    if let Some(t) = obj.get("transitive_tag_keys") {
        for k in t.as_array().ok_or_else(bad)? {
            transitive.push(k.as_str().ok_or_else(bad)?.to_owned());
        }
    }
    if tags.len() > crate::iam::MAX_TAGS || transitive.len() > crate::iam::MAX_TAGS {
        return Err(bad());
    }
    let malformed = tags.iter().any(|t| {
        t.key.is_empty()
            || t.key.chars().count() > 128
            || t.value.chars().count() > 256
            || !rolegate_proto::constraint::Pattern::TagKey.matches(&t.key)
            || !rolegate_proto::constraint::Pattern::TagValue.matches(&t.value)
    });
    if malformed {
        return Err(bad());
    }
    super::check_session_tags(&tags).map_err(|_| bad())?;
    for k in &transitive {
        if !tags.iter().any(|t| crate::iam::same_tag_key(&t.key, k)) {
            return Err(bad());
        }
    }
    Ok((crate::authorize::tags(&tags), transitive))
}

impl Service {
    /// Step 1: the token, verified against the providers of `account`.
    async fn verify_web_identity(
        &self,
        account: &str,
        token: &str,
        env: &RequestEnv,
    ) -> Result<Verified> {
        let unverified = jwt::parse(token).map_err(|e| {
            tracing::info!(request_id = %env.request_id, reason = ?e, "web identity token refused");
            invalid("The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.")
        })?;
        let issuer = match unverified.claims.get("iss") {
            Some(Value::String(s)) => s.clone(),
            _ => {
                return Err(invalid(
                    "No OpenIDConnect provider found in your account for the token's issuer",
                ));
            }
        };
        let no_provider = || {
            invalid(format!(
                "No OpenIDConnect provider found in your account for {issuer}"
            ))
        };
        let (key, http) = if let Some(k) = issuer.strip_prefix("https://") {
            (k, false)
        } else if let Some(k) = issuer.strip_prefix("http://") {
            (k, true)
        } else {
            return Err(no_provider());
        };
        if key.is_empty() || key.len() > 2048 {
            return Err(no_provider());
        }
        let provider = self
            .cache
            .get::<record::OidcProvider>(&*self.store, account, key)
            .await?
            .filter(|p| p.http == http && (!http || self.federation.allow_http_issuers))
            .ok_or_else(no_provider)?;
        let keys = self
            .issuer_keys
            .keys_of(&issuer, &provider.id, http, &self.federation, |k| {
                unverified.has_candidate(k)
            })
            .await;
        let keys = match keys {
            Ok(k) => k,
            Err(KeysError::Communication(reason)) => {
                tracing::warn!(request_id = %env.request_id, issuer, reason, "IdP communication error");
                return Err(ServiceError::IdpCommunicationError(
                    "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements".into(),
                ));
            }
            Err(KeysError::RateLimited) => {
                tracing::info!(request_id = %env.request_id, issuer, kid = ?unverified.kid, "unknown kid; keys refetched too recently");
                return Err(invalid(
                    "The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.",
                ));
            }
        };
        let claims = unverified.verify(&keys).map_err(|e| {
            tracing::info!(request_id = %env.request_id, issuer, reason = ?e, "web identity token signature refused");
            invalid("The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.")
        })?;
        // The provider may have been deleted or re-created while its keys were fetched: the
        // token counts only for the provider it was checked against.
        let current = self
            .cache
            .get::<record::OidcProvider>(&*self.store, account, key)
            .await?;
        if current.as_ref().map(|p| p.id.as_str()) != Some(provider.id.as_str()) {
            return Err(no_provider());
        }

        // Dates.
        let now = env.now.unix_timestamp();
        let skew = i64::try_from(self.federation.clock_skew.as_secs()).unwrap_or(60);
        let exp = numeric_date(&claims, "exp")?
            .ok_or_else(|| invalid("The token does not contain an exp claim."))?;
        if now >= exp.saturating_add(skew) {
            return Err(ServiceError::ExpiredTokenException(format!(
                "Token expired: current date/time {now} must be before the expiration date/time{exp}"
            )));
        }
        if let Some(nbf) = numeric_date(&claims, "nbf")?
            && nbf > now.saturating_add(skew)
        {
            return Err(invalid("The token is not yet valid (nbf)."));
        }
        if let Some(iat) = numeric_date(&claims, "iat")?
            && iat > now.saturating_add(skew)
        {
            return Err(invalid("The token was issued in the future (iat)."));
        }

        // Subject and audience.
        let subject = match claims.get("sub") {
            Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= 255 => s.clone(),
            _ => return Err(invalid("The token's sub claim is missing or not valid.")),
        };
        let auds: Vec<String> = match claims.get("aud") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) if !a.is_empty() => a
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| invalid("Incorrect token audience"))?,
            None => Vec::new(),
            Some(_) => return Err(invalid("Incorrect token audience")),
        };
        // `azp` stands for the audience only for Google, as in AWS (`accounts.google.com:aud`
        // is `azp` when present, `:oaud` the token's `aud`); other issuers' `azp` is ignored.
        let azp = match claims.get("azp") {
            Some(Value::String(s)) if issuer == GOOGLE => Some(s.clone()),
            Some(Value::String(_)) | None => None,
            Some(_) => return Err(invalid("Incorrect token audience")),
        };
        let accepted = |a: &String| provider.client_ids.iter().any(|c| c == a);
        let (audience, original_audience) = if let Some(a) = azp.as_ref().filter(|a| accepted(a)) {
            (a.clone(), auds.first().cloned())
        } else if let Some(a) = auds.iter().find(|a| accepted(a)) {
            (a.clone(), None)
        } else {
            return Err(invalid("Incorrect token audience"));
        };
        Ok(Verified {
            provider_arn: provider_arn(account, &provider.url),
            provider_key: provider.url.clone(),
            issuer,
            subject,
            audience,
            original_audience,
            claims,
        })
    }

    pub(crate) async fn assume_role_with_web_identity(
        &self,
        env: &RequestEnv,
        i: AssumeRoleWithWebIdentityInput,
    ) -> Result<AssumeRoleWithWebIdentityOutput> {
        let not_authorized = || {
            ServiceError::AccessDenied(
                "Not authorized to perform sts:AssumeRoleWithWebIdentity".into(),
            )
        };
        if i.provider_id.is_some() {
            // OAuth 2.0 access tokens of Login with Amazon and Facebook: no such IdP here.
            return Err(ServiceError::InvalidParameterValue(
                "ProviderId is only supported for OAuth 2.0 access tokens from www.amazon.com or graph.facebook.com, which this deployment does not federate with.".into(),
            ));
        }
        let Some((account, path, name)) = parse_role_arn(&i.role_arn) else {
            return Err(not_authorized());
        };

        // 1. The token.
        let v = self
            .verify_web_identity(&account, i.web_identity_token.expose(), env)
            .await?;

        // 2. Tags and source identity from the token.
        let (tags, transitive) = session_tags(&v.claims)?;
        let source_identity = match v.claims.get(SOURCE_IDENTITY_CLAIM) {
            None => None,
            Some(Value::String(s))
                if (2..=64).contains(&s.chars().count())
                    && rolegate_proto::constraint::Pattern::NameOrEmpty.matches(s)
                    && !s.to_ascii_lowercase().starts_with("aws:") =>
            {
                Some(s.clone())
            }
            Some(_) => {
                return Err(invalid(
                    "The https://aws.amazon.com/source_identity claim is not valid.",
                ));
            }
        };

        // 3. The trust policy.
        let role = self
            .cache
            .get::<record::Role>(&*self.store, &account, &key_of(&name))
            .await?
            .filter(|r| r.path == path);
        let role_arn = role.as_ref().map_or_else(
            || i.role_arn.clone(),
            |r| crate::iam::arn(&account, "role", &r.path, &r.name),
        );
        let trust = match &role {
            Some(r) => Some(self.trust_policy(r)?),
            None => None,
        };
        let principal = Principal {
            // An identity from an IdP belongs to no account: an account principal in a trust
            // policy never names it.
            account: String::new(),
            arn: v.provider_arn.clone(),
            kind: PrincipalKind::Anonymous,
            unique_id: None,
            role_arn: None,
            federated: Some(v.provider_arn.clone()),
            service: None,
        };
        let mut context = rolegate_policy::Context::default();
        let s = |x: &str| ContextValue::single(x);
        context.insert(
            "aws:CurrentTime",
            s(&rolegate_proto::xml::timestamp(env.now)),
        );
        context.insert("aws:EpochTime", s(&env.now.unix_timestamp().to_string()));
        context.insert("aws:SecureTransport", s(&env.secure_transport.to_string()));
        context.insert("aws:RequestedRegion", s(&env.region));
        if let Some(ip) = env.source_ip {
            context.insert("aws:SourceIp", s(&ip.to_string()));
        }
        if let Some(ua) = &env.user_agent {
            context.insert("aws:UserAgent", s(ua));
        }
        context.insert("aws:FederatedProvider", s(&v.provider_arn));
        context.insert("sts:RoleSessionName", s(&i.role_session_name));
        let p = &v.provider_key;
        context.insert(&format!("{p}:aud"), s(&v.audience));
        context.insert(&format!("{p}:sub"), s(&v.subject));
        if let Some(o) = &v.original_audience {
            context.insert(&format!("{p}:oaud"), s(o));
        }
        if let Some(amr) = v.claims.get("amr").and_then(claim_values) {
            let amr = match amr {
                ContextValue::Single(x) => ContextValue::Multi(vec![x]),
                multi => multi,
            };
            context.insert(&format!("{p}:amr"), amr);
        }
        for claim in CLAIM_KEYS {
            if let Some(val) = v.claims.get(*claim).and_then(claim_values) {
                context.insert(&format!("{p}:{claim}"), val);
            }
        }
        if let Some(action) = super::web_identity::trust_denies(
            "sts:AssumeRoleWithWebIdentity",
            &mut context,
            source_identity.as_deref(),
            &tags,
            &transitive,
            role.as_deref(),
            trust.as_deref(),
            &role_arn,
            &principal,
        ) {
            tracing::info!(
                request_id = %env.request_id,
                provider = %v.provider_arn,
                subject = %v.subject,
                action,
                role = %i.role_arn,
                role_exists = role.is_some(),
                "assume role with web identity denied"
            );
            return Err(not_authorized());
        }
        let Some(role) = role else {
            return Err(not_authorized());
        };

        // 4. Duration, session policies, packed size, the session.
        let duration = i.duration_seconds.unwrap_or(DEFAULT_DURATION);
        if duration > role.max_session_duration {
            return Err(ServiceError::Validation(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
                    .into(),
            ));
        }
        let policies = self
            .session_policies(&account, i.policy.as_deref(), &i.policy_arns)
            .await?;
        let packed = if policies.carried.is_some() || !tags.is_empty() {
            Some(packed_size(policies.chars, &tags)?)
        } else {
            None
        };
        let (credentials, _) = self
            .issue(Draft {
                account: account.clone(),
                principal: SessionPrincipal::WebIdentity {
                    id: role.id.clone(),
                    name: role.name.clone(),
                    path: role.path.clone(),
                    session: i.role_session_name.clone(),
                    provider: v.provider_arn.clone(),
                    subject: v.subject.clone(),
                },
                duration,
                source_identity: source_identity.clone(),
                tags,
                transitive,
                policies: policies.carried,
                mfa_at: None,
                parent: None,
                long_term_key: None,
            })
            .await?;
        tracing::info!(
            request_id = %env.request_id,
            provider = %v.provider_arn,
            subject = %v.subject,
            role = %role_arn,
            session = %i.role_session_name,
            "web identity session issued"
        );
        Ok(AssumeRoleWithWebIdentityOutput {
            credentials,
            subject_from_web_identity_token: v.subject,
            assumed_role_user: AssumedRoleUser {
                assumed_role_id: format!("{}:{}", role.id, i.role_session_name),
                arn: crate::iam::sts_arn(
                    &account,
                    &format!("assumed-role/{}/{}", role.name, i.role_session_name),
                ),
            },
            packed_policy_size: packed,
            provider: v.issuer,
            audience: v.audience,
            source_identity,
        })
    }
}

/// The trust decision of a federated call (AssumeRoleWithWebIdentity, AssumeRoleWithSAML):
/// adds the request's keys (source identity, session tags, transitive tag keys) and the
/// role's tags to `context`, then asks the role's trust policy — alone, as nobody's account
/// delegates — for `action` and for what the request implies (`sts:TagSession`,
/// `sts:SetSourceIdentity`). The first action it does not allow, if any; a role that does not
/// exist (`trust` is `None`) allows nothing.
#[allow(clippy::too_many_arguments)]
pub(super) fn trust_denies(
    action: &'static str,
    context: &mut rolegate_policy::Context,
    source_identity: Option<&str>,
    tags: &[(String, String)],
    transitive: &[String],
    role: Option<&record::Role>,
    trust: Option<&rolegate_policy::Policy>,
    role_arn: &str,
    principal: &Principal,
) -> Option<&'static str> {
    let s = |x: &str| ContextValue::single(x);
    if let Some(si) = source_identity {
        context.insert("sts:SourceIdentity", s(si));
    }
    for (k, val) in tags {
        context.insert(&format!("aws:RequestTag/{k}"), s(val));
    }
    if !tags.is_empty() {
        context.insert(
            "aws:TagKeys",
            ContextValue::Multi(tags.iter().map(|(k, _)| k.clone()).collect()),
        );
    }
    if !transitive.is_empty() {
        context.insert(
            "sts:TransitiveTagKeys",
            ContextValue::Multi(transitive.to_vec()),
        );
    }
    if let Some(r) = role {
        for t in &r.tags {
            context.insert(&format!("aws:ResourceTag/{}", t.key), s(&t.value));
            context.insert(&format!("iam:ResourceTag/{}", t.key), s(&t.value));
        }
    }
    let mut actions = vec![action];
    if !tags.is_empty() {
        actions.push("sts:TagSession");
    }
    if source_identity.is_some() {
        actions.push("sts:SetSourceIdentity");
    }
    actions.into_iter().find(|action| {
        !trust.is_some_and(|trust| {
            let set = PolicySet {
                resource: Some(SourcedPolicy {
                    label: "trust-policy",
                    policy: trust,
                }),
                // No account of the caller's to delegate to: the trust policy alone decides
                // (and must allow).
                resource_account: None,
                resource_policy_required: true,
                ..PolicySet::default()
            };
            let request = Request {
                action,
                resource: role_arn,
                principal,
                context,
            };
            evaluate(&request, &set).decision == Decision::Allow
        })
    })
}

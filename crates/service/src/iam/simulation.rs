//! The policy simulator: SimulateCustomPolicy, SimulatePrincipalPolicy,
//! GetContextKeysForCustomPolicy and GetContextKeysForPrincipalPolicy. The simulator asks the
//! same engine every request is authorized by ([`rolegate_policy::evaluate`]); only the
//! policies and the context come from the caller instead of the store and the request.
//!
//! - Context: only the `ContextEntries` given, as AWS's simulator does; every key a relevant
//!   statement reads but the entries lack is listed in `MissingContextValues`.
//! - Results: one `EvaluationResult` per action, whose decision is the most restrictive over
//!   the simulated resources; with `ResourceArns`, a `ResourceSpecificResult` per resource.
//! - Past AWS: SimulatePrincipalPolicy for `sts:AssumeRole*` on a role ARN of this account,
//!   without a `ResourcePolicy`, evaluates that role's trust policy as the resource policy,
//!   with the trust-policy rules AssumeRole applies (AWS's simulator leaves trust policies out).
//!
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_testing-policies.html>

use std::sync::Arc;

use rolegate_policy::{
    Context, ContextValue, Decision, Evaluation, Policy, PolicyKind, PolicySet, Principal, Request,
    SourcedPolicy,
    document::{push_key, statement_spans},
    eval::missing_context_keys,
    request::PrincipalKind,
};
use rolegate_proto::dto::simulation::*;
use rolegate_store::record;

use crate::{
    Service,
    authorize::{HeldPolicy, Holder, PolicySource},
    error::{Result, ServiceError},
    iam::{Ctx, decode_marker, encode_marker, key_of, not_found},
};

use crate::handler::{NamedResource, Needs, handlers};

handlers! {
    SimulateCustomPolicyInput => SimulatePolicyOutput: simulate_custom_policy,
        needs |i, _| Needs::any();
    SimulatePrincipalPolicyInput => SimulatePolicyOutput: simulate_principal_policy,
        needs |i, _| Needs::on(NamedResource::Principal(&i.policy_source_arn));
    GetContextKeysForCustomPolicyInput => GetContextKeysOutput: get_context_keys_for_custom_policy,
        needs |i, _| Needs::any();
    GetContextKeysForPrincipalPolicyInput => GetContextKeysOutput: get_context_keys_for_principal_policy,
        needs |i, _| Needs::on(NamedResource::Principal(&i.policy_source_arn));
}

/// One policy taking part in a simulation.
struct Simulated {
    /// `SourcePolicyId`: the policy's name, or `PolicyInputList.N`, `ResourcePolicy`, …
    id: String,
    /// `SourcePolicyType`: user, group, role, aws-managed, user-managed, resource, none.
    ty: &'static str,
    /// The document as written (statement positions are reported in it).
    text: String,
    /// The parsed document.
    policy: Arc<Policy>,
}

/// What one simulation evaluates, apart from the action and resource.
struct Scenario {
    identity: Vec<Simulated>,
    /// `Some` when a permissions boundary applies.
    boundary: Option<Vec<Simulated>>,
    /// `ResourcePolicy`.
    resource: Option<Simulated>,
    /// The organization's service control policies over the simulated entity's account, one
    /// entry per level (SimulatePrincipalPolicy only).
    scps: Vec<Vec<Simulated>>,
    /// Whose request it is.
    principal: Principal,
    context: Context,
    /// The account owning resources whose ARN names none (`ResourceOwner`).
    resource_owner: Option<String>,
    /// Evaluate the trust policy of a role named as the resource of `sts:AssumeRole*`.
    trust_policies: bool,
}

/// What to simulate, and which page of the results.
#[derive(Clone, Copy)]
struct Ask<'a> {
    actions: &'a [String],
    /// Empty: the resource `*`.
    resources: &'a [String],
    marker: Option<&'a str>,
    max_items: Option<i64>,
}

/// The entity a `PolicySourceArn` names.
enum Source {
    User(Arc<record::User>),
    Group(Arc<record::Group>),
    Role(Arc<record::Role>),
}

fn decision_name(d: Decision) -> &'static str {
    match d {
        Decision::Allow => "allowed",
        Decision::ExplicitDeny => "explicitDeny",
        Decision::ImplicitDeny => "implicitDeny",
    }
}

/// How restrictive a decision is: explicit deny > implicit deny > allow.
fn severity(d: Decision) -> u8 {
    match d {
        Decision::Allow => 0,
        Decision::ImplicitDeny => 1,
        Decision::ExplicitDeny => 2,
    }
}

fn managed_type(arn: &str) -> &'static str {
    if arn.starts_with("arn:aws:iam::aws:policy/") {
        "aws-managed"
    } else {
        "user-managed"
    }
}

/// A held policy as the simulator reports it: an inline policy by its name and holder's
/// kind, a managed one by its name and whether AWS or the account manages it.
fn simulated(p: HeldPolicy) -> Simulated {
    let (id, ty) = match &p.source {
        PolicySource::Inline(name) => (name.clone(), p.holder),
        PolicySource::Managed(arn) => (last_segment(arn).to_owned(), managed_type(arn)),
        PolicySource::PasswordPolicy => ("AccountPasswordPolicy".to_owned(), "none"),
    };
    Simulated {
        id,
        ty,
        text: p.text,
        policy: p.policy,
    }
}

fn last_segment(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// The account segment of an ARN (`arn:aws:iam::123456789012:root` → `123456789012`).
fn account_of(arn: &str) -> Option<&str> {
    crate::iam::parse_arn(arn)
        .map(|a| a.account)
        .filter(|a| !a.is_empty())
}

/// Checks and converts `ContextEntries` into a request context.
fn context_from(entries: &[ContextEntry]) -> Result<Context> {
    let mut ctx = Context::default();
    for e in entries {
        let name = e.context_key_name.as_deref().unwrap_or_default();
        if name.is_empty() {
            return Err(ServiceError::InvalidInput(
                "ContextKeyName is required for each ContextEntries element.".into(),
            ));
        }
        let ty = e.context_key_type.as_deref().unwrap_or("string");
        let (base, list) = match ty.strip_suffix("List") {
            Some(b) => (b, true),
            None => (ty, false),
        };
        if !list && e.context_key_values.len() > 1 {
            return Err(ServiceError::InvalidInput(format!(
                "Context key {name} of type {ty} accepts a single value; use {ty}List for several."
            )));
        }
        for v in &e.context_key_values {
            if !value_fits(base, v) {
                return Err(ServiceError::InvalidInput(format!(
                    "Invalid value '{v}' for context key {name} of type {ty}."
                )));
            }
        }
        let value = if list {
            ContextValue::Multi(e.context_key_values.clone())
        } else {
            ContextValue::Single(e.context_key_values.first().cloned().unwrap_or_default())
        };
        ctx.insert(name, value);
    }
    Ok(ctx)
}

/// Whether a value reads as its `ContextKeyType`.
fn value_fits(base: &str, v: &str) -> bool {
    use base64::Engine;
    match base {
        "numeric" => v.trim().parse::<f64>().is_ok_and(f64::is_finite),
        "boolean" => v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false"),
        "ip" => {
            let (addr, prefix) = v.split_once('/').unwrap_or((v, "0"));
            addr.parse::<std::net::IpAddr>().is_ok() && prefix.parse::<u8>().is_ok_and(|p| p <= 128)
        }
        "date" => rolegate_policy::condition::parse_date_millis(v).is_some(),
        "binary" => base64::engine::general_purpose::STANDARD.decode(v).is_ok(),
        _ => true,
    }
}

/// `service:Action`, without wildcards.
fn check_action(name: &str) -> Result<()> {
    let ok = name
        .split_once(':')
        .is_some_and(|(s, a)| !s.is_empty() && !a.is_empty())
        && !name.contains(['*', '?']);
    if ok {
        Ok(())
    } else {
        Err(ServiceError::InvalidInput(format!(
            "Invalid action name {name}: an action is service:Action, without wildcards."
        )))
    }
}

fn check_resource(arn: &str) -> Result<()> {
    if arn == "*" || rolegate_policy::arn::is_arn(arn) {
        Ok(())
    } else {
        Err(ServiceError::InvalidInput(format!(
            "Invalid resource ARN {arn}."
        )))
    }
}

/// The simulator's principal for an IAM user ARN (`CallerArn`).
fn user_principal(arn: &str, unique_id: Option<String>) -> Result<Principal> {
    let account = account_of(arn).filter(|a| crate::bootstrap::is_account_id(a));
    let is_user = arn.starts_with("arn:aws:iam::")
        && arn
            .split(':')
            .nth(5)
            .is_some_and(|r| r.starts_with("user/"));
    match account {
        Some(account) if is_user => Ok(Principal {
            account: account.to_owned(),
            arn: arn.to_owned(),
            kind: PrincipalKind::User,
            unique_id,
            role_arn: None,
            federated: None,
            service: None,
        }),
        _ => Err(ServiceError::InvalidInput(format!(
            "Invalid CallerArn {arn}: the caller must be an IAM user."
        ))),
    }
}

/// The caller when none is named and none is needed (no resource policy to name it).
fn stand_in_caller(account: &str) -> Result<Principal> {
    user_principal(
        &crate::iam::arn(account, "user", "/", "simulated-caller"),
        None,
    )
}

/// The scenario's statements that decided, as `MatchedStatements`.
fn matched_statements(e: &Evaluation, policies: &[&Simulated]) -> Vec<MatchedStatement> {
    e.matched
        .iter()
        .filter_map(|m| {
            let p = policies.get(m.policy.parse::<usize>().ok()?)?;
            let span = statement_spans(&p.text).get(m.index).copied();
            let position = |p: rolegate_policy::document::Position| Position {
                line: i64::from(p.line),
                column: i64::from(p.column),
            };
            Some(MatchedStatement {
                source_policy_id: p.id.clone(),
                source_policy_type: p.ty.to_owned(),
                start_position: span.map(|s| position(s.0)),
                end_position: span.map(|s| position(s.1)),
            })
        })
        .collect()
}

/// The outcome for one action on one resource.
struct Outcome {
    decision: Decision,
    matched: Vec<MatchedStatement>,
    missing: Vec<String>,
    boundary_allows: Option<bool>,
}

impl Service {
    /// SimulateCustomPolicy.
    pub(crate) async fn simulate_custom_policy(
        &self,
        c: &Ctx<'_>,
        i: SimulateCustomPolicyInput,
    ) -> Result<SimulatePolicyOutput> {
        let identity = self.input_policies(&i.policy_input_list, "PolicyInputList")?;
        let boundary = self.boundary_inputs(&i.permissions_boundary_policy_input_list)?;
        let resource = self.resource_input(i.resource_policy.as_deref())?;
        let principal = match i.caller_arn.as_deref() {
            Some(arn) => self.caller_principal(c.account(), arn).await?,
            None if resource.is_some() => {
                return Err(ServiceError::InvalidInput(
                    "CallerArn is required when a ResourcePolicy is included.".into(),
                ));
            }
            None => stand_in_caller(c.account())?,
        };
        let scenario = Scenario {
            identity,
            boundary,
            resource,
            scps: Vec::new(),
            principal,
            context: context_from(&i.context_entries)?,
            resource_owner: owner_account(i.resource_owner.as_deref())?,
            trust_policies: false,
        };
        let page = Ask {
            actions: &i.action_names,
            resources: &i.resource_arns,
            marker: i.marker.as_deref(),
            max_items: i.max_items,
        };
        self.simulate(c.account(), &scenario, &page).await
    }

    /// SimulatePrincipalPolicy.
    pub(crate) async fn simulate_principal_policy(
        &self,
        c: &Ctx<'_>,
        i: SimulatePrincipalPolicyInput,
    ) -> Result<SimulatePolicyOutput> {
        let source = self
            .policy_source(c.account(), &i.policy_source_arn)
            .await?;
        let (mut identity, stored_boundary) = self.source_policies(c.account(), &source).await?;
        identity.extend(self.input_policies(&i.policy_input_list, "PolicyInputList")?);
        // A boundary passed in replaces the entity's own.
        let boundary = self
            .boundary_inputs(&i.permissions_boundary_policy_input_list)?
            .or(stored_boundary);
        let resource = self.resource_input(i.resource_policy.as_deref())?;
        let principal = match (&source, i.caller_arn.as_deref()) {
            (_, Some(arn)) => self.caller_principal(c.account(), arn).await?,
            (Source::User(u), None) => user_principal(&i.policy_source_arn, Some(u.id.clone()))?,
            (Source::Role(r), None) => Principal {
                account: c.account().to_owned(),
                arn: i.policy_source_arn.clone(),
                kind: PrincipalKind::AssumedRole,
                unique_id: Some(r.id.clone()),
                role_arn: Some(i.policy_source_arn.clone()),
                federated: None,
                service: None,
            },
            (Source::Group(_), None) if resource.is_some() => {
                return Err(ServiceError::InvalidInput(
                    "CallerArn is required when a ResourcePolicy is included and the \
                     PolicySourceArn is not an IAM user."
                        .into(),
                ));
            }
            (Source::Group(_), None) => stand_in_caller(c.account())?,
        };
        let scenario = Scenario {
            identity,
            boundary,
            resource,
            // SCPs do not apply to a service-linked role (the stored mark).
            scps: if matches!(&source, Source::Role(r) if r.is_service_linked()) {
                Vec::new()
            } else {
                self.source_scps(c.account()).await?
            },
            principal,
            context: context_from(&i.context_entries)?,
            resource_owner: owner_account(i.resource_owner.as_deref())?,
            trust_policies: true,
        };
        let page = Ask {
            actions: &i.action_names,
            resources: &i.resource_arns,
            marker: i.marker.as_deref(),
            max_items: i.max_items,
        };
        self.simulate(c.account(), &scenario, &page).await
    }

    /// GetContextKeysForCustomPolicy.
    pub(crate) async fn get_context_keys_for_custom_policy(
        &self,
        _c: &Ctx<'_>,
        i: GetContextKeysForCustomPolicyInput,
    ) -> Result<GetContextKeysOutput> {
        let policies = self.input_policies(&i.policy_input_list, "PolicyInputList")?;
        Ok(context_keys(&policies))
    }

    /// GetContextKeysForPrincipalPolicy: the keys of every policy the entity holds (a user's
    /// groups' included), its boundary, and the policies passed in.
    pub(crate) async fn get_context_keys_for_principal_policy(
        &self,
        c: &Ctx<'_>,
        i: GetContextKeysForPrincipalPolicyInput,
    ) -> Result<GetContextKeysOutput> {
        let source = self
            .policy_source(c.account(), &i.policy_source_arn)
            .await?;
        let (mut policies, boundary) = self.source_policies(c.account(), &source).await?;
        policies.extend(boundary.unwrap_or_default());
        policies.extend(self.input_policies(&i.policy_input_list, "PolicyInputList")?);
        Ok(context_keys(&policies))
    }

    /// Parses input documents as identity policies, named `{list}.N`.
    fn input_policies(&self, docs: &[String], list: &str) -> Result<Vec<Simulated>> {
        docs.iter()
            .enumerate()
            .map(|(n, text)| {
                Ok(Simulated {
                    id: format!("{list}.{}", n + 1),
                    ty: "none",
                    text: text.clone(),
                    policy: self.simulator_policy(text, PolicyKind::Identity)?,
                })
            })
            .collect()
    }

    fn boundary_inputs(&self, docs: &[String]) -> Result<Option<Vec<Simulated>>> {
        if docs.is_empty() {
            return Ok(None);
        }
        self.input_policies(docs, "PermissionsBoundaryPolicyInputList")
            .map(Some)
    }

    fn resource_input(&self, doc: Option<&str>) -> Result<Option<Simulated>> {
        doc.map(|text| {
            Ok(Simulated {
                id: "ResourcePolicy".into(),
                ty: "resource",
                text: text.to_owned(),
                policy: self.simulator_policy(text, PolicyKind::Resource)?,
            })
        })
        .transpose()
    }

    /// A document given to the simulator; a malformed one is `InvalidInput` with the reason.
    fn simulator_policy(&self, text: &str, kind: PolicyKind) -> Result<Arc<Policy>> {
        self.parsed_policy(text, kind).map_err(|e| match e {
            ServiceError::MalformedPolicyDocument(m) => ServiceError::InvalidInput(m),
            other => other,
        })
    }

    /// The principal a `CallerArn` names: an IAM user ARN, with the user's unique id when the
    /// user exists in this account (so resource policies naming the unique id match).
    async fn caller_principal(&self, account: &str, arn: &str) -> Result<Principal> {
        let unique_id = if account_of(arn) == Some(account) {
            self.cache
                .get::<record::User>(&*self.store, account, &key_of(last_segment(arn)))
                .await?
                .filter(|u| crate::iam::arn(account, "user", &u.path, &u.name) == arn)
                .map(|u| u.id.clone())
        } else {
            None
        };
        user_principal(arn, unique_id)
    }

    /// The user, group or role a `PolicySourceArn` names, in the caller's account.
    async fn policy_source(&self, account: &str, arn: &str) -> Result<Source> {
        let invalid = || {
            ServiceError::InvalidInput(format!(
                "Invalid PolicySourceArn {arn}: expected a user, group or role of account {account}."
            ))
        };
        let source = crate::iam::parse_arn(arn)
            .filter(|a| a.account == account)
            .and_then(|a| a.iam_resource())
            .ok_or_else(invalid)?;
        let (kind, name) = (source.kind, source.name);
        let path_ok =
            |path: &str, entity: &str| crate::iam::arn(account, kind, path, entity) == arn;
        match kind {
            "user" => self
                .cache
                .get::<record::User>(&*self.store, account, &key_of(name))
                .await?
                .filter(|u| path_ok(&u.path, &u.name))
                .map(Source::User)
                .ok_or_else(|| not_found("user", name)),
            "group" => self
                .cache
                .get::<record::Group>(&*self.store, account, &key_of(name))
                .await?
                .filter(|g| path_ok(&g.path, &g.name))
                .map(Source::Group)
                .ok_or_else(|| not_found("group", name)),
            "role" => self
                .cache
                .get::<record::Role>(&*self.store, account, &key_of(name))
                .await?
                .filter(|r| path_ok(&r.path, &r.name))
                .map(Source::Role)
                .ok_or_else(|| not_found("role", name)),
            _ => Err(invalid()),
        }
    }

    /// An entity's identity policies (a user's groups' included) and its boundary, as
    /// authorization gathers them ([`Service::principal_policies`]).
    async fn source_policies(
        &self,
        account: &str,
        source: &Source,
    ) -> Result<(Vec<Simulated>, Option<Vec<Simulated>>)> {
        let holder = match source {
            Source::User(u) => Holder::User(u),
            Source::Group(g) => Holder::Group(g),
            Source::Role(r) => Holder::Role(r),
        };
        let held = self.principal_policies(account, holder).await?;
        Ok((
            held.identity.into_iter().map(simulated).collect(),
            held.boundary.map(|b| vec![simulated(b)]),
        ))
    }

    /// The service control policies over the entity's account, as authorization applies them.
    async fn source_scps(&self, account: &str) -> Result<Vec<Vec<Simulated>>> {
        Ok(self
            .organization_policies(account)
            .await?
            .into_iter()
            .map(|level| {
                level
                    .policies
                    .into_iter()
                    .map(|(id, policy)| Simulated {
                        id,
                        ty: "none",
                        text: String::new(),
                        policy,
                    })
                    .collect()
            })
            .collect())
    }

    /// Runs every action over every resource, one page of actions at a time.
    async fn simulate(
        &self,
        account: &str,
        scenario: &Scenario,
        ask: &Ask<'_>,
    ) -> Result<SimulatePolicyOutput> {
        let Ask {
            actions,
            resources,
            marker,
            max_items,
        } = *ask;
        for a in actions {
            check_action(a)?;
        }
        for r in resources {
            check_resource(r)?;
        }
        let start = match decode_marker(marker)? {
            Some(m) => m
                .parse::<usize>()
                .map_err(|_| ServiceError::InvalidInput("Invalid Marker.".into()))?,
            None => 0,
        };
        let max =
            usize::try_from(max_items.unwrap_or(crate::iam::DEFAULT_MAX_ITEMS)).unwrap_or(100);
        let end = start.saturating_add(max).min(actions.len());
        let specific = !(resources.is_empty() || resources.iter().all(|r| r == "*"));
        let star = ["*".to_owned()];
        let simulated: &[String] = if resources.is_empty() {
            &star
        } else {
            resources
        };
        let mut results = Vec::new();
        for action in actions.get(start..end).unwrap_or_default() {
            let mut per_resource = Vec::new();
            for resource in simulated {
                let trust = self
                    .trust_policy_for(account, scenario, action, resource)
                    .await?;
                per_resource.push((
                    resource,
                    self.simulate_one(scenario, trust.as_ref(), action, resource),
                ));
            }
            results.push(evaluation_result(action, per_resource, specific));
        }
        let truncated = end < actions.len();
        Ok(SimulatePolicyOutput {
            evaluation_results: results,
            is_truncated: truncated,
            marker: truncated.then(|| encode_marker(&end.to_string())),
        })
    }

    /// The trust policy standing in for the resource policy of `sts:AssumeRole*` on a role of
    /// this account (SimulatePrincipalPolicy without a ResourcePolicy only).
    async fn trust_policy_for(
        &self,
        account: &str,
        scenario: &Scenario,
        action: &str,
        resource: &str,
    ) -> Result<Option<Simulated>> {
        if !scenario.trust_policies
            || scenario.resource.is_some()
            || !action.to_ascii_lowercase().starts_with("sts:assumerole")
        {
            return Ok(None);
        }
        let Some(name) = crate::iam::parse_arn(resource)
            .filter(|a| a.account == account)
            .and_then(|a| a.iam("role"))
            .map(|r| r.name)
        else {
            return Ok(None);
        };
        let Some(role) = self
            .cache
            .get::<record::Role>(&*self.store, account, &key_of(name))
            .await?
            .filter(|r| crate::iam::arn(account, "role", &r.path, &r.name) == resource)
        else {
            return Ok(None);
        };
        Ok(Some(Simulated {
            id: resource.to_owned(),
            ty: "resource",
            text: role.trust.clone(),
            policy: self.trust_policy(&role)?,
        }))
    }

    /// One action on one resource.
    fn simulate_one(
        &self,
        scenario: &Scenario,
        trust: Option<&Simulated>,
        action: &str,
        resource: &str,
    ) -> Outcome {
        let resource_policy = trust.or(scenario.resource.as_ref());
        // Every policy, indexed: the index is the label the engine reports back.
        let mut all: Vec<&Simulated> = scenario.identity.iter().collect();
        let boundary_from = all.len();
        all.extend(scenario.boundary.iter().flatten());
        let resource_at = all.len();
        all.extend(resource_policy);
        let scps_at = all.len();
        all.extend(scenario.scps.iter().flatten());
        let labels: Vec<String> = (0..all.len()).map(|n| n.to_string()).collect();
        let sourced = |range: std::ops::Range<usize>| -> Vec<SourcedPolicy<'_>> {
            range
                .filter_map(|n| {
                    Some(SourcedPolicy {
                        label: labels.get(n)?,
                        policy: &all.get(n)?.policy,
                    })
                })
                .collect()
        };
        let resource_account = resource_policy.map(|_| {
            account_of(resource)
                .or(scenario.resource_owner.as_deref())
                .unwrap_or(&scenario.principal.account)
        });
        let set = PolicySet {
            identity: sourced(0..boundary_from),
            resource: sourced(resource_at..scps_at).into_iter().next(),
            resource_account,
            resource_policy_required: trust.is_some(),
            boundary: scenario
                .boundary
                .as_ref()
                .map(|_| sourced(boundary_from..resource_at)),
            session: None,
            scps: {
                let mut from = scps_at;
                scenario
                    .scps
                    .iter()
                    .map(|level| {
                        let range = from..from + level.len();
                        from = range.end;
                        sourced(range)
                    })
                    .collect()
            },
        };
        let request = Request {
            action,
            resource,
            principal: &scenario.principal,
            context: &scenario.context,
        };
        let evaluation = rolegate_policy::evaluate(&request, &set);
        let boundary_allows = set.boundary.as_ref().map(|b| {
            let alone = PolicySet {
                identity: b.clone(),
                ..Default::default()
            };
            rolegate_policy::evaluate(&request, &alone).decision == Decision::Allow
        });
        Outcome {
            decision: evaluation.decision,
            matched: matched_statements(&evaluation, &all),
            missing: missing_context_keys(all.iter().map(|p| &*p.policy), &request),
            boundary_allows,
        }
    }
}

/// `ResourceOwner`: an account ARN (`arn:aws:iam::123456789012:root`) or an account id.
fn owner_account(owner: Option<&str>) -> Result<Option<String>> {
    let Some(owner) = owner else { return Ok(None) };
    let account = account_of(owner).unwrap_or(owner);
    if crate::bootstrap::is_account_id(account) {
        Ok(Some(account.to_owned()))
    } else {
        Err(ServiceError::InvalidInput(format!(
            "Invalid ResourceOwner {owner}: expected an account ARN such as arn:aws:iam::123456789012:root."
        )))
    }
}

/// One action's result: the most restrictive decision over its resources, with the
/// statements and missing keys of the resources that reached it.
fn evaluation_result(
    action: &str,
    per_resource: Vec<(&String, Outcome)>,
    specific: bool,
) -> EvaluationResult {
    let decision = per_resource
        .iter()
        .map(|(_, o)| o.decision)
        .max_by_key(|d| severity(*d))
        .unwrap_or(Decision::ImplicitDeny);
    let mut matched = Vec::new();
    let mut missing = Vec::new();
    let mut boundary: Option<bool> = None;
    for (_, o) in per_resource.iter() {
        if o.decision == decision {
            for m in &o.matched {
                if !matched.contains(m) {
                    matched.push(m.clone());
                }
            }
        }
        for k in &o.missing {
            push_key(&mut missing, k);
        }
        if let Some(b) = o.boundary_allows {
            boundary = Some(boundary.unwrap_or(true) && b);
        }
    }
    let resource_name = match per_resource.as_slice() {
        [(r, _)] => (*r).clone(),
        _ => "*".to_owned(),
    };
    let resource_specific_results = specific.then(|| {
        per_resource
            .into_iter()
            .map(|(r, o)| ResourceSpecificResult {
                eval_resource_name: r.clone(),
                eval_resource_decision: decision_name(o.decision).to_owned(),
                matched_statements: o.matched,
                missing_context_values: o.missing,
                eval_decision_details: None,
                permissions_boundary_decision_detail: o.boundary_allows.map(|b| {
                    PermissionsBoundaryDecisionDetail {
                        allowed_by_permissions_boundary: b,
                    }
                }),
            })
            .collect()
    });
    EvaluationResult {
        eval_action_name: action.to_owned(),
        eval_resource_name: resource_name,
        eval_decision: decision_name(decision).to_owned(),
        matched_statements: matched,
        missing_context_values: missing,
        eval_decision_details: None,
        permissions_boundary_decision_detail: boundary.map(|b| PermissionsBoundaryDecisionDetail {
            allowed_by_permissions_boundary: b,
        }),
        resource_specific_results,
    }
}

/// `ContextKeyNames` of a set of policies.
fn context_keys(policies: &[Simulated]) -> GetContextKeysOutput {
    let mut keys = Vec::new();
    for p in policies {
        for k in p.policy.context_keys() {
            push_key(&mut keys, &k);
        }
    }
    GetContextKeysOutput {
        context_key_names: keys,
    }
}

//! Whether one statement applies to a request.

use crate::{
    document::{ActionRule, PrincipalRule, Principals, ResourcePattern, ResourceRule, Statement},
    request::{PrincipalKind, Request},
};

/// How a resource policy's `Principal` named the caller; it decides whether the resource
/// policy grants by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PrincipalMatch {
    /// The account (`"123456789012"` or `…:root`): delegation to the account's identity policies.
    Account,
    /// The role whose session is calling: subject to the session's boundary and session policy.
    Role,
    /// The exact principal (user, session, federated user), `"*"`, a service or an IdP.
    Exact,
}

fn account_of_arn(arn: &str) -> Option<&str> {
    crate::arn::Arn::parse(arn).map(|a| a.account)
}

/// How `set` names the principal, if it does.
pub fn principal_match(set: &Principals, req: &Request<'_>) -> Option<PrincipalMatch> {
    let p = req.principal;
    if set.any {
        return Some(PrincipalMatch::Exact);
    }
    if p.service
        .as_ref()
        .is_some_and(|s| set.service.iter().any(|v| v == s))
    {
        return Some(PrincipalMatch::Exact);
    }
    if p.federated
        .as_ref()
        .is_some_and(|f| set.federated.iter().any(|v| v == f))
    {
        return Some(PrincipalMatch::Exact);
    }
    let mut best = None;
    for v in &set.aws {
        let m = if *v == p.arn
            || p.unique_id.as_deref() == Some(v.as_str()) && p.kind == PrincipalKind::User
        {
            Some(PrincipalMatch::Exact)
        } else if p.role_arn.as_deref() == Some(v.as_str())
            || (p.kind == PrincipalKind::AssumedRole && p.unique_id.as_deref() == Some(v.as_str()))
        {
            Some(PrincipalMatch::Role)
        } else if (v.len() == 12 && *v == p.account)
            || (v.ends_with(":root") && account_of_arn(v) == Some(p.account.as_str()))
        {
            Some(PrincipalMatch::Account)
        } else {
            None
        };
        best = best.max(m);
    }
    best
}

/// Whether the statement's `Action`/`NotAction` covers the action (pass it lowercased).
pub fn action_matches(st: &Statement, action_lower: &str) -> bool {
    let hit =
        |list: &[crate::document::ActionPattern]| list.iter().any(|a| a.0.matches(action_lower));
    match &st.action {
        ActionRule::Action(list) => hit(list),
        ActionRule::NotAction(list) => !hit(list),
    }
}

/// Whether the statement's `Resource`/`NotResource` covers the request's resource (no
/// element, as in trust policies: every resource).
pub fn resource_matches(st: &Statement, req: &Request<'_>) -> bool {
    let hit = |list: &[ResourcePattern]| {
        list.iter().any(|r| match r {
            ResourcePattern::Any => true,
            ResourcePattern::Arn(p) => p.matches(req.resource, req.context),
        })
    };
    match &st.resource {
        None => true,
        Some(ResourceRule::Resource(list)) => hit(list),
        Some(ResourceRule::NotResource(list)) => !hit(list),
    }
}

/// Whether the statement applies: action, resource, principal (for resource policies) and
/// every condition. Returns the principal match for resource policies.
pub fn statement_applies(
    st: &Statement,
    req: &Request<'_>,
    action_lower: &str,
) -> Option<Option<PrincipalMatch>> {
    if !action_matches(st, action_lower) || !resource_matches(st, req) {
        return None;
    }
    let principal = match &st.principal {
        None => None,
        Some(PrincipalRule::Principal(set)) => Some(principal_match(set, req)?),
        // NotPrincipal excludes only the principal itself: listing the account does not
        // exclude everybody in it, and listing a role does not exclude its sessions (a session
        // is a principal of its own; AWS's example lists the assumed-role session ARN beside
        // the role's). AWS asks for the account to be listed as well because some services
        // evaluate the account first; Rolegate takes the reading that denies more.
        // <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html>
        Some(PrincipalRule::NotPrincipal(set)) => match principal_match(set, req) {
            Some(PrincipalMatch::Exact) => return None,
            Some(PrincipalMatch::Account | PrincipalMatch::Role) | None => {
                Some(PrincipalMatch::Exact)
            }
        },
    };
    if !st.conditions.iter().all(|c| c.holds(req.context)) {
        return None;
    }
    Some(principal)
}

/// The context keys that statements relevant to the request read and the request lacks, once
/// each, as first written: the simulator's `MissingContextValues`. A statement is relevant
/// when it covers the action and either covers the resource or could once its `Resource`
/// variables had values.
pub fn missing_context_keys<'p>(
    policies: impl IntoIterator<Item = &'p crate::Policy>,
    req: &Request<'_>,
) -> Vec<String> {
    let action_lower = req.action.to_ascii_lowercase();
    let mut out = Vec::new();
    for st in policies.into_iter().flat_map(|p| &p.statements) {
        if !action_matches(st, &action_lower) {
            continue;
        }
        let mut keys = st.context_keys().peekable();
        if keys.peek().is_none() {
            continue;
        }
        let unresolved = st
            .resource_variables()
            .any(|k| req.context.get(&crate::request::fold_key(k)).is_none());
        if !resource_matches(st, req) && !unresolved {
            continue;
        }
        for key in keys {
            if req.context.get(&crate::request::fold_key(key)).is_none() {
                crate::document::push_key(&mut out, key);
            }
        }
    }
    out
}

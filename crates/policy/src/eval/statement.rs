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
    arn.split(':').nth(4)
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

/// Whether the statement applies: action, resource, principal (for resource policies) and
/// every condition. Returns the principal match for resource policies.
pub fn statement_applies(
    st: &Statement,
    req: &Request<'_>,
    action_lower: &str,
) -> Option<Option<PrincipalMatch>> {
    let action_hit =
        |list: &[crate::document::ActionPattern]| list.iter().any(|a| a.0.matches(action_lower));
    let action_ok = match &st.action {
        ActionRule::Action(list) => action_hit(list),
        ActionRule::NotAction(list) => !action_hit(list),
    };
    if !action_ok {
        return None;
    }
    let resource_hit = |list: &[ResourcePattern]| {
        list.iter().any(|r| match r {
            ResourcePattern::Any => true,
            ResourcePattern::Arn(p) => p.matches(req.resource, req.context),
        })
    };
    let resource_ok = match &st.resource {
        None => true,
        Some(ResourceRule::Resource(list)) => resource_hit(list),
        Some(ResourceRule::NotResource(list)) => !resource_hit(list),
    };
    if !resource_ok {
        return None;
    }
    let principal = match &st.principal {
        None => None,
        Some(PrincipalRule::Principal(set)) => Some(principal_match(set, req)?),
        Some(PrincipalRule::NotPrincipal(set)) => match principal_match(set, req) {
            Some(_) => return None,
            None => Some(PrincipalMatch::Exact),
        },
    };
    if !st.conditions.iter().all(|c| c.holds(req.context)) {
        return None;
    }
    Some(principal)
}

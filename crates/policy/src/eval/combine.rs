//! The combination rules, in one place.

use crate::{
    document::Effect,
    eval::{
        Decision, Evaluation, MatchedStatement, PolicySet, PolicyType, SourcedPolicy,
        statement::PrincipalMatch, statement_applies,
    },
    request::{PrincipalKind, Request},
};

#[derive(Default)]
struct Outcome {
    denies: Vec<MatchedStatement>,
    allows: Vec<MatchedStatement>,
    best_principal: Option<PrincipalMatch>,
}

fn scan(
    policies: &[SourcedPolicy<'_>],
    req: &Request<'_>,
    action_lower: &str,
    ty: PolicyType,
) -> Outcome {
    let mut out = Outcome::default();
    for sp in policies {
        for (index, st) in sp.policy.statements.iter().enumerate() {
            let Some(principal) = statement_applies(st, req, action_lower) else {
                continue;
            };
            let m = MatchedStatement {
                policy: sp.label.to_owned(),
                index,
                sid: st.sid.clone(),
                effect: st.effect,
                policy_type: ty,
            };
            match st.effect {
                Effect::Deny => out.denies.push(m),
                Effect::Allow => {
                    out.best_principal = out.best_principal.max(principal);
                    out.allows.push(m);
                }
            }
        }
    }
    out
}

fn deny(decision: Decision, matched: Vec<MatchedStatement>, blame: PolicyType) -> Evaluation {
    Evaluation {
        decision,
        matched,
        blame: Some(blame),
    }
}

/// Decides one request, in the order of AWS's evaluation logic.
///
/// 1. Any applicable Deny anywhere (service control, resource, identity, boundary, session
///    policies) → explicit deny.
/// 2. Service control policies, when an organization applies: every level (root, each OU,
///    the account) must allow, else implicit deny. They cap every later allow, the root
///    user's and a resource policy's included.
/// 3. Resource policy allows naming the exact principal (same account) → allow, regardless of
///    identity policies, boundary and session policies. Naming the caller's role → allow if the
///    boundary and session policies also allow. Trust policies must allow in every case.
/// 4. Identity policies must allow (root: always, within its own account).
/// 5. A boundary, when set, must allow. Session policies, when present, must allow.
/// 6. Cross-account: the resource policy and the caller's side must both allow.
pub fn evaluate(req: &Request<'_>, set: &PolicySet<'_>) -> Evaluation {
    let action_lower = req.action.to_ascii_lowercase();
    let scps: Vec<Outcome> = set
        .scps
        .iter()
        .map(|level| scan(level, req, &action_lower, PolicyType::ServiceControl))
        .collect();
    let identity = scan(&set.identity, req, &action_lower, PolicyType::Identity);
    let resource = scan(
        set.resource.as_slice(),
        req,
        &action_lower,
        PolicyType::Resource,
    );
    let boundary = set
        .boundary
        .as_deref()
        .map(|b| scan(b, req, &action_lower, PolicyType::Boundary));
    let session = set
        .session
        .as_deref()
        .map(|s| scan(s, req, &action_lower, PolicyType::Session));

    let scp_denies: Vec<MatchedStatement> =
        scps.iter().flat_map(|o| o.denies.iter().cloned()).collect();
    if !scp_denies.is_empty() {
        return deny(
            Decision::ExplicitDeny,
            scp_denies,
            PolicyType::ServiceControl,
        );
    }
    for (outcome, ty) in [
        (Some(&resource), PolicyType::Resource),
        (Some(&identity), PolicyType::Identity),
        (boundary.as_ref(), PolicyType::Boundary),
        (session.as_ref(), PolicyType::Session),
    ] {
        if let Some(o) = outcome
            && !o.denies.is_empty()
        {
            return deny(Decision::ExplicitDeny, o.denies.clone(), ty);
        }
    }

    if scps.iter().any(|o| o.allows.is_empty()) {
        return deny(
            Decision::ImplicitDeny,
            Vec::new(),
            PolicyType::ServiceControl,
        );
    }

    let same_account = set
        .resource_account
        .is_none_or(|a| a == req.principal.account);
    let is_root = req.principal.kind == PrincipalKind::Root;
    let resource_allows = !resource.allows.is_empty();
    if set.resource_policy_required && !resource_allows {
        return deny(Decision::ImplicitDeny, Vec::new(), PolicyType::Resource);
    }
    let boundary_ok = boundary.as_ref().is_none_or(|b| !b.allows.is_empty());
    let session_ok = session.as_ref().is_none_or(|s| !s.allows.is_empty());

    if same_account && resource_allows {
        match resource.best_principal {
            // Trust policies (resource_policy_required): the caller's boundary and session
            // policies still apply, even when the caller is named exactly.
            Some(PrincipalMatch::Exact)
                if !set.resource_policy_required || (boundary_ok && session_ok) =>
            {
                return allow(resource.allows);
            }
            Some(PrincipalMatch::Role) if boundary_ok && session_ok => {
                return allow(resource.allows);
            }
            _ => {}
        }
    }

    // The caller's own side: identity policies, boundary, session policies.
    let identity_ok = is_root || !identity.allows.is_empty();
    if !identity_ok {
        return deny(Decision::ImplicitDeny, Vec::new(), PolicyType::Identity);
    }
    if !boundary_ok {
        return deny(Decision::ImplicitDeny, Vec::new(), PolicyType::Boundary);
    }
    if !session_ok {
        return deny(Decision::ImplicitDeny, Vec::new(), PolicyType::Session);
    }
    if !same_account && !resource_allows {
        return deny(Decision::ImplicitDeny, Vec::new(), PolicyType::Resource);
    }
    let mut matched = identity.allows;
    matched.extend(resource.allows);
    allow(matched)
}

fn allow(matched: Vec<MatchedStatement>) -> Evaluation {
    Evaluation {
        decision: Decision::Allow,
        matched,
        blame: None,
    }
}

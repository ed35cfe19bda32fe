//! AWS's evaluation logic: explicit deny, then allow, then implicit deny, across
//! organization (service control), identity, resource-based, permissions-boundary and session
//! policies.
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html>,
//! <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html>

mod combine;
mod statement;

pub use combine::evaluate;
pub use statement::{
    PrincipalMatch, action_matches, missing_context_keys, resource_matches, statement_applies,
};

use crate::{Policy, document::Effect};

/// The three outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Some applicable policy allows, and nothing denies or limits.
    Allow,
    /// A statement with `Effect: Deny` applies.
    ExplicitDeny,
    /// Nothing allows (or a boundary or session policy does not allow).
    ImplicitDeny,
}

/// Which kind of policy decided (for AWS's AccessDenied wording).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyType {
    /// Identity-based.
    Identity,
    /// Resource-based (role trust policies included).
    Resource,
    /// Permissions boundary.
    Boundary,
    /// Session policy.
    Session,
    /// Service control policy (an organization's, over the principal's account).
    ServiceControl,
}

impl PolicyType {
    /// AWS's phrase: "identity-based policy", "resource-based policy", …
    pub fn phrase(self) -> &'static str {
        match self {
            PolicyType::Identity => "identity-based policy",
            PolicyType::Resource => "resource-based policy",
            PolicyType::Boundary => "permissions boundary",
            PolicyType::Session => "session policy",
            PolicyType::ServiceControl => "service control policy",
        }
    }
}

/// A policy with a label saying where it came from (an ARN and version, or `user/alice:inline`).
#[derive(Debug, Clone, Copy)]
pub struct SourcedPolicy<'a> {
    /// Where it came from.
    pub label: &'a str,
    /// The policy.
    pub policy: &'a Policy,
}

/// Everything that applies to one request.
#[derive(Debug, Clone, Default)]
pub struct PolicySet<'a> {
    /// Identity policies of the principal (user + groups, or role).
    pub identity: Vec<SourcedPolicy<'a>>,
    /// The resource's policy (a role's trust policy for `sts:AssumeRole*`).
    pub resource: Option<SourcedPolicy<'a>>,
    /// The account that owns the resource; `None` = the principal's own account.
    pub resource_account: Option<&'a str>,
    /// The resource policy must allow by itself (trust policies, KMS key policies).
    pub resource_policy_required: bool,
    /// The principal's permissions boundary; `None` when it has none.
    pub boundary: Option<Vec<SourcedPolicy<'a>>>,
    /// Session policies; `None` when the session has none. A federated-user session without
    /// session policies passes `Some(vec![])`: nothing is allowed.
    pub session: Option<Vec<SourcedPolicy<'a>>>,
    /// The service control policies over the principal's account, one entry per level of the
    /// organization from its root through each OU down to the account itself. Every level
    /// must allow and a Deny at any level denies; they cap identity and resource-based
    /// policies alike and grant nothing. Empty when no organization applies (no organization,
    /// its management account, a service-linked role); a level with no policies allows
    /// nothing.
    pub scps: Vec<Vec<SourcedPolicy<'a>>>,
}

/// A statement that took part in the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedStatement {
    /// The policy's label.
    pub policy: String,
    /// The statement's position.
    pub index: usize,
    /// Its `Sid`.
    pub sid: Option<String>,
    /// Its effect.
    pub effect: Effect,
    /// The kind of policy.
    pub policy_type: PolicyType,
}

/// The decision, what decided it, and (for denials) which kind of policy to blame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// The decision.
    pub decision: Decision,
    /// For a deny: the deny statements; for an allow: the allow statements.
    pub matched: Vec<MatchedStatement>,
    /// For a deny: the kind of policy that denied or did not allow.
    pub blame: Option<PolicyType>,
}

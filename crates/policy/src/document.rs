//! The typed model of a policy document. Illegal states are unrepresentable: a statement has
//! exactly one of Action/NotAction, at most one of Resource/NotResource and of
//! Principal/NotPrincipal, and every pattern is compiled once at parse time.
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>

mod error;
mod parse;
mod span;

pub use error::ParseError;
pub use parse::parse;
pub use span::{Position, statement_spans};

use crate::{arn::ArnPattern, condition::Clause, glob::Glob};

/// Where a document is used; it decides which elements are required or forbidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// Identity policies (managed, inline) and permissions boundaries: no Principal, Resource required.
    Identity,
    /// A role's trust policy: Principal required, no Resource, no NotPrincipal.
    Trust,
    /// Other resource-based policies: Principal required.
    Resource,
    /// Session policies passed to STS: like identity policies.
    Session,
}

/// `Version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `2008-10-17` (the default when absent): no policy variables.
    V2008,
    /// `2012-10-17`.
    V2012,
}

/// `Effect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// `Allow`.
    Allow,
    /// `Deny`.
    Deny,
}

/// An action pattern, lowercased (actions compare case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionPattern(pub Glob);

/// `Action` or `NotAction`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionRule {
    /// Applies to the listed actions.
    Action(Vec<ActionPattern>),
    /// Applies to every action except the listed ones.
    NotAction(Vec<ActionPattern>),
}

/// One resource pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourcePattern {
    /// `*`.
    Any,
    /// An ARN pattern.
    Arn(ArnPattern),
}

/// `Resource` or `NotResource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceRule {
    /// Applies to the listed resources.
    Resource(Vec<ResourcePattern>),
    /// Applies to every resource except the listed ones.
    NotResource(Vec<ResourcePattern>),
}

/// The principals named by a `Principal` or `NotPrincipal` element.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Principals {
    /// `"*"` or `{"AWS": "*"}`.
    pub any: bool,
    /// `AWS` values: account ids, ARNs, unique ids.
    pub aws: Vec<String>,
    /// `Service` values.
    pub service: Vec<String>,
    /// `Federated` values.
    pub federated: Vec<String>,
    /// `CanonicalUser` values.
    pub canonical_user: Vec<String>,
}

/// `Principal` or `NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalRule {
    /// Applies to the listed principals.
    Principal(Principals),
    /// Applies to everyone except the listed principals.
    NotPrincipal(Principals),
}

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// `Sid`.
    pub sid: Option<String>,
    /// `Effect`.
    pub effect: Effect,
    /// `Principal` / `NotPrincipal` (resource-based policies only).
    pub principal: Option<PrincipalRule>,
    /// `Action` / `NotAction`.
    pub action: ActionRule,
    /// `Resource` / `NotResource` (absent in trust policies).
    pub resource: Option<ResourceRule>,
    /// `Condition`, flattened: every clause must hold.
    pub conditions: Vec<Clause>,
}

/// A parsed, validated, compiled policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// `Version`.
    pub version: Version,
    /// `Id`.
    pub id: Option<String>,
    /// `Statement`.
    pub statements: Vec<Statement>,
}

impl Statement {
    /// The context keys of the variables in `Resource`/`NotResource`, as written.
    pub fn resource_variables(&self) -> impl Iterator<Item = &str> {
        let resources: &[ResourcePattern] = match &self.resource {
            Some(ResourceRule::Resource(r) | ResourceRule::NotResource(r)) => r,
            None => &[],
        };
        resources
            .iter()
            .flat_map(|r| match r {
                ResourcePattern::Arn(a) => Some(a.variables()),
                ResourcePattern::Any => None,
            })
            .flatten()
    }

    /// The context keys the statement reads, as written: variables in `Resource`, then each
    /// condition's key and the variables in its values.
    pub fn context_keys(&self) -> impl Iterator<Item = &str> {
        self.resource_variables()
            .chain(self.conditions.iter().flat_map(Clause::context_keys))
    }
}

impl Policy {
    /// Every context key the policy reads, once each (compared case-insensitively), as first
    /// written, in document order (`GetContextKeysForCustomPolicy`).
    pub fn context_keys(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for key in self.statements.iter().flat_map(Statement::context_keys) {
            push_key(&mut out, key);
        }
        out
    }
}

/// Appends `key` unless an equal key (ignoring case) is already there.
pub fn push_key(keys: &mut Vec<String>, key: &str) {
    let folded = crate::request::fold_key(key);
    if !keys.iter().any(|k| crate::request::fold_key(k) == folded) {
        keys.push(key.to_owned());
    }
}

/// Characters of `text` that are not white space (how AWS measures managed policy size).
pub fn non_whitespace_len(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

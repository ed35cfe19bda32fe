//! What is being decided: who (principal), what (action), on what (resource), and every
//! context key, time included. The engine reads nothing else.

use std::collections::HashMap;

/// A context key's value(s). Typed interpretation (number, date, IP, bool) belongs to the
/// condition operator that reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextValue {
    /// A single-valued key.
    Single(String),
    /// A multivalued key (`aws:TagKeys`, `aws:CalledVia`, …).
    Multi(Vec<String>),
}

impl ContextValue {
    /// A single value.
    pub fn single(v: impl Into<String>) -> Self {
        ContextValue::Single(v.into())
    }

    /// The values as a slice.
    pub fn values(&self) -> &[String] {
        match self {
            ContextValue::Single(v) => std::slice::from_ref(v),
            ContextValue::Multi(v) => v,
        }
    }
}

/// A context key name folded for comparison: condition key names are case-insensitive, in
/// every script (`aws:RequestTag/Équipe` is `aws:requesttag/équipe`), so a tag key cannot
/// dodge a condition by changing the case of a non-ASCII letter.
pub fn fold_key(key: &str) -> String {
    key.to_lowercase()
}

/// Context keys, compared case-insensitively (stored folded by [`fold_key`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    map: HashMap<String, ContextValue>,
}

impl Context {
    /// Sets a key.
    pub fn insert(&mut self, key: &str, value: ContextValue) {
        self.map.insert(fold_key(key), value);
    }

    /// Removes a key.
    pub fn remove(&mut self, key: &str) -> Option<ContextValue> {
        self.map.remove(&fold_key(key))
    }

    /// A key (pass it lowercased).
    pub fn get(&self, key_lower: &str) -> Option<&ContextValue> {
        self.map.get(key_lower)
    }

    /// A single-valued key (pass it lowercased).
    pub fn single(&self, key_lower: &str) -> Option<&str> {
        match self.map.get(key_lower)? {
            ContextValue::Single(v) => Some(v),
            ContextValue::Multi(_) => None,
        }
    }

    /// Every key (lowercased) with its value.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextValue)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Every key (lowercased).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }
}

/// The kind of principal making the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    /// The account root.
    Root,
    /// An IAM user (long-term keys or its GetSessionToken session).
    User,
    /// A role session (AssumeRole, web identity, SAML).
    AssumedRole,
    /// A GetFederationToken session.
    FederatedUser,
    /// An AWS service.
    Service,
    /// Unauthenticated (web identity / SAML callers before they hold a session).
    Anonymous,
}

/// Who is asking, as resource-based policies see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The principal's account.
    pub account: String,
    /// Its ARN (the session ARN for sessions).
    pub arn: String,
    /// Its kind.
    pub kind: PrincipalKind,
    /// Unique id (`AIDA…`, `AROA…`).
    pub unique_id: Option<String>,
    /// For role sessions: the role's ARN.
    pub role_arn: Option<String>,
    /// For federated sessions: the IdP (`arn:aws:iam::…:oidc-provider/…`, `…:saml-provider/…`).
    pub federated: Option<String>,
    /// For service principals: `ec2.amazonaws.com`, …
    pub service: Option<String>,
}

/// One authorization question.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `service:Action` as the API names it.
    pub action: &'a str,
    /// The resource ARN (or `*`).
    pub resource: &'a str,
    /// Who asks.
    pub principal: &'a Principal,
    /// Every context key.
    pub context: &'a Context,
}

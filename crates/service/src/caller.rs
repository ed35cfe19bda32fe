//! Who is calling, once the signature has been verified, and the request's environment.

use std::net::IpAddr;

use rolegate_policy::request::{Principal, PrincipalKind};
use time::OffsetDateTime;

/// The authenticated identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// The account root user.
    Root,
    /// An IAM user with long-term keys.
    User {
        /// Name as created.
        name: String,
        /// `AIDA…`.
        id: String,
        /// Path.
        path: String,
    },
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The caller's account.
    pub account: String,
    /// Who.
    pub identity: Identity,
    /// The access key that signed.
    pub access_key_id: String,
}

impl Caller {
    /// The caller's ARN.
    pub fn arn(&self) -> String {
        match &self.identity {
            Identity::Root => format!("arn:aws:iam::{}:root", self.account),
            Identity::User { name, path, .. } => {
                format!("arn:aws:iam::{}:user{path}{name}", self.account)
            }
        }
    }

    /// `UserId` of GetCallerIdentity and `aws:userid`.
    pub fn user_id(&self) -> String {
        match &self.identity {
            Identity::Root => self.account.clone(),
            Identity::User { id, .. } => id.clone(),
        }
    }

    /// The principal as policies see it.
    pub fn principal(&self) -> Principal {
        let (kind, unique_id) = match &self.identity {
            Identity::Root => (PrincipalKind::Root, None),
            Identity::User { id, .. } => (PrincipalKind::User, Some(id.clone())),
        };
        Principal {
            account: self.account.clone(),
            arn: self.arn(),
            kind,
            unique_id,
            role_arn: None,
            federated: None,
            service: None,
        }
    }
}

/// Facts about the request that policies may test.
#[derive(Debug, Clone)]
pub struct RequestEnv {
    /// The request id.
    pub request_id: String,
    /// The client's address.
    pub source_ip: Option<IpAddr>,
    /// Whether the request arrived over TLS.
    pub secure_transport: bool,
    /// `User-Agent`.
    pub user_agent: Option<String>,
    /// The signing region.
    pub region: String,
    /// When the request arrived.
    pub now: OffsetDateTime,
}

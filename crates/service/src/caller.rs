//! Who is calling, once the signature has been verified, and the request's environment.
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#principaltable>

use std::{net::IpAddr, sync::Arc};

use rolegate_policy::request::{Principal, PrincipalKind};
use time::OffsetDateTime;

use crate::session::Session;

/// The authenticated identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// The account root user (long-term keys or its GetSessionToken session).
    Root,
    /// An IAM user (long-term keys or its GetSessionToken session).
    User {
        /// Name as created.
        name: String,
        /// `AIDA…`.
        id: String,
        /// Path.
        path: String,
    },
    /// A role session.
    AssumedRole {
        /// The role's name.
        role_name: String,
        /// The role's unique id (`AROA…`).
        role_id: String,
        /// The role's path.
        role_path: String,
        /// `RoleSessionName`.
        session_name: String,
    },
    /// A GetFederationToken session.
    FederatedUser {
        /// `Name`.
        name: String,
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
    /// The session, when the caller signed with temporary credentials.
    pub session: Option<Arc<Session>>,
}

impl Caller {
    /// The caller's ARN (the session ARN for role sessions; the role's path is dropped).
    pub fn arn(&self) -> String {
        let a = &self.account;
        match &self.identity {
            Identity::Root => crate::iam::root_arn(a),
            Identity::User { name, path, .. } => crate::iam::arn(a, "user", path, name),
            Identity::AssumedRole {
                role_name,
                session_name,
                ..
            } => crate::iam::sts_arn(a, &format!("assumed-role/{role_name}/{session_name}")),
            Identity::FederatedUser { name } => {
                crate::iam::sts_arn(a, &format!("federated-user/{name}"))
            }
        }
    }

    /// The role's ARN, for role sessions (`aws:PrincipalArn`).
    pub fn role_arn(&self) -> Option<String> {
        match &self.identity {
            Identity::AssumedRole {
                role_name,
                role_path,
                ..
            } => Some(crate::iam::arn(&self.account, "role", role_path, role_name)),
            _ => None,
        }
    }

    /// `aws:PrincipalArn`: the role ARN for role sessions, the caller's ARN otherwise.
    pub fn principal_arn(&self) -> String {
        self.role_arn().unwrap_or_else(|| self.arn())
    }

    /// `UserId` of GetCallerIdentity and `aws:userid`.
    pub fn user_id(&self) -> String {
        match &self.identity {
            Identity::Root => self.account.clone(),
            Identity::User { id, .. } => id.clone(),
            Identity::AssumedRole {
                role_id,
                session_name,
                ..
            } => format!("{role_id}:{session_name}"),
            Identity::FederatedUser { name } => format!("{}:{name}", self.account),
        }
    }

    /// `aws:PrincipalType`.
    pub fn principal_type(&self) -> &'static str {
        match self.identity {
            Identity::Root => "Account",
            Identity::User { .. } => "User",
            Identity::AssumedRole { .. } => "AssumedRole",
            Identity::FederatedUser { .. } => "FederatedUser",
        }
    }

    /// Whether the caller signed with temporary credentials.
    pub fn is_temporary(&self) -> bool {
        self.session.is_some()
    }

    /// The principal as policies see it.
    pub fn principal(&self) -> Principal {
        let (kind, unique_id) = match &self.identity {
            Identity::Root => (PrincipalKind::Root, None),
            Identity::User { id, .. } => (PrincipalKind::User, Some(id.clone())),
            Identity::AssumedRole { role_id, .. } => {
                (PrincipalKind::AssumedRole, Some(role_id.clone()))
            }
            Identity::FederatedUser { .. } => (PrincipalKind::FederatedUser, None),
        };
        Principal {
            account: self.account.clone(),
            arn: self.arn(),
            kind,
            unique_id,
            role_arn: self.role_arn(),
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

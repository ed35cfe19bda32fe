//! Authenticating temporary credentials: open the token, bind it to the access key id, check
//! its time window and, for sessions made from a long-term key (GetSessionToken,
//! GetFederationToken), that the key is still active.
//!
//! Deactivating or deleting an access key ends its GetSessionToken and GetFederationToken
//! sessions at once (the token carries the key id); role sessions are unaffected, as in AWS,
//! and are revoked with `AWSRevokeOlderSessions`.

use std::sync::Arc;

use rolegate_sigv4::SecretKey;
use rolegate_store::{GLOBAL, record};

use super::MAX_ISSUE_SKEW_MS;
use crate::{
    Authenticated, Caller, Identity, Service,
    error::{Result, ServiceError},
    session::{self, SessionPrincipal},
};

impl Service {
    pub(crate) async fn authenticate_session(
        &self,
        access_key_id: &str,
        token: &str,
    ) -> Result<Authenticated> {
        if token.is_empty() {
            return Err(ServiceError::InvalidClientTokenId);
        }
        let opened = self
            .open_with_keyring(|keys, named| session::open(token, |id| keys.key_noting(id, named)))
            .await?;
        let s = match opened {
            Ok(s) => s,
            Err(e) => {
                tracing::debug!(reason = ?e, "session token refused");
                return Err(ServiceError::InvalidClientTokenId);
            }
        };
        if s.access_key_id != access_key_id {
            return Err(ServiceError::InvalidClientTokenId);
        }
        let now = self.clock.now();
        let now_ms = i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
        if s.issued_ms > now_ms + MAX_ISSUE_SKEW_MS {
            tracing::warn!(
                issued_ms = s.issued_ms,
                now_ms,
                "session token issued in the future: a node's clock is wrong"
            );
            return Err(ServiceError::InvalidClientTokenId);
        }
        if s.expires <= now.unix_timestamp() {
            return Err(ServiceError::ExpiredToken);
        }
        let identity = match &s.principal {
            SessionPrincipal::Role {
                id,
                name,
                path,
                session,
            }
            | SessionPrincipal::WebIdentity {
                id,
                name,
                path,
                session,
                ..
            } => {
                // A session of a role that was deleted (or re-created: another unique id) is
                // nobody: it must not even chain into a role that trusted the old one, where
                // its boundary and revocation would no longer apply.
                let live = self
                    .cache
                    .get::<record::Role>(&*self.store, &s.account, &crate::iam::key_of(name))
                    .await?
                    .is_some_and(|r| r.id == *id);
                if !live {
                    return Err(ServiceError::InvalidClientTokenId);
                }
                Identity::AssumedRole {
                    role_name: name.clone(),
                    role_id: id.clone(),
                    role_path: path.clone(),
                    session_name: session.clone(),
                }
            }
            SessionPrincipal::User { id, .. } => {
                // Bound to the user, not its name: the origin key names its owner's current
                // name (kept through renames), and the owner must still be the same user.
                let key = self.origin_key_active(&s.origin.key, &s.account).await?;
                let record::KeyOwner::User { name, .. } = &key.owner else {
                    return Err(ServiceError::InvalidClientTokenId);
                };
                let user = self
                    .cache
                    .get::<record::User>(&*self.store, &s.account, &crate::iam::key_of(name))
                    .await?
                    .filter(|u| u.id == *id)
                    .ok_or(ServiceError::InvalidClientTokenId)?;
                Identity::User {
                    name: user.name.clone(),
                    id: user.id.clone(),
                    path: user.path.clone(),
                }
            }
            SessionPrincipal::Root => {
                self.origin_key_active(&s.origin.key, &s.account).await?;
                Identity::Root
            }
            SessionPrincipal::RootTask { .. } => {
                // A privileged root session lives only while its organization still has root
                // sessions enabled and its account is still an active member of it.
                let live = self.cached_organization().await?.is_some_and(|o| {
                    crate::organizations::root_access::root_sessions_enabled(&o)
                        && o.root_sessions_disabled_ms.is_none_or(|d| s.issued_ms > d)
                        && o.management_account != s.account
                        && o.accounts
                            .get(&s.account)
                            .is_some_and(|a| a.status == "ACTIVE")
                });
                if !live {
                    return Err(ServiceError::InvalidClientTokenId);
                }
                Identity::Root
            }
            SessionPrincipal::Federated { name, .. } => {
                self.origin_key_active(&s.origin.key, &s.account).await?;
                Identity::FederatedUser { name: name.clone() }
            }
        };
        Ok(Authenticated {
            secret: SecretKey::new(s.secret.expose()),
            caller: Caller {
                account: s.account.clone(),
                identity,
                access_key_id: access_key_id.to_owned(),
                session: Some(Arc::new(s)),
            },
        })
    }

    async fn origin_key_active(&self, key: &str, account: &str) -> Result<Arc<record::AccessKey>> {
        match self
            .cache
            .get::<record::AccessKey>(&*self.store, GLOBAL, key)
            .await?
        {
            Some(k) if k.active && k.account == account => Ok(k),
            _ => Err(ServiceError::InvalidClientTokenId),
        }
    }
}

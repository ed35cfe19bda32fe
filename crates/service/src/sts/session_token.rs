//! GetSessionToken: <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html>.
//!
//! Long-term credentials only; no permission needed. The session holds exactly the user's (or
//! root's) permissions; without MFA it cannot call IAM, and in STS only AssumeRole and
//! GetCallerIdentity.

use rolegate_proto::dto::sts::{GetSessionTokenInput, GetSessionTokenOutput};

use super::{Draft, LONG_TERM_DEFAULT, ROOT_MAX};
use crate::{
    Identity, Service,
    error::{Result, ServiceError},
    iam::Ctx,
    session::SessionPrincipal,
};

use crate::handler::{Callable, handlers};

handlers! {
    GetSessionTokenInput => GetSessionTokenOutput: get_session_token, callable Callable::LongTermOnly("Cannot call GetSessionToken with session credentials"),
        needs |i, _| None;
}

impl Service {
    pub(crate) async fn get_session_token(
        &self,
        c: &Ctx<'_>,
        i: GetSessionTokenInput,
    ) -> Result<GetSessionTokenOutput> {
        let caller = c.caller;
        let (principal, duration) = match &caller.identity {
            Identity::Root => (
                SessionPrincipal::Root,
                i.duration_seconds.unwrap_or(ROOT_MAX).min(ROOT_MAX),
            ),
            Identity::User { name, id, path } => (
                SessionPrincipal::User {
                    id: id.clone(),
                    name: name.clone(),
                    path: path.clone(),
                },
                i.duration_seconds.unwrap_or(LONG_TERM_DEFAULT),
            ),
            _ => {
                return Err(ServiceError::AccessDenied(
                    "Cannot call GetSessionToken with session credentials".into(),
                ));
            }
        };
        let mfa_at = match (&i.serial_number, &i.token_code, &caller.identity) {
            (None, None, _) => None,
            (Some(serial), Some(code), Identity::User { id, .. }) => Some(
                self.verify_mfa_code(c, id, serial, code.expose())
                    .await?
                    .ok_or_else(mfa_failed)?,
            ),
            _ => return Err(mfa_failed()),
        };
        let (credentials, _) = self
            .issue(Draft {
                account: caller.account.clone(),
                principal,
                duration,
                source_identity: None,
                tags: Vec::new(),
                transitive: Vec::new(),
                policies: None,
                mfa_at,
                parent: None,
                long_term_key: Some(caller.access_key_id.clone()),
            })
            .await?;
        Ok(GetSessionTokenOutput { credentials })
    }
}

/// AWS's message when the MFA serial or code does not verify (two spaces before "Please").
pub(crate) fn mfa_failed() -> ServiceError {
    ServiceError::AccessDenied(
        "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.".into(),
    )
}

//! GetFederationToken: <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html>.
//!
//! Long-term credentials of an IAM user (or root); needs `sts:GetFederationToken` on the
//! federated-user ARN (and `sts:TagSession` to pass tags). The session's permissions are the
//! user's intersected with the session policies passed; none passed means none at all. The
//! session cannot call IAM, nor STS beyond GetCallerIdentity.

use rolegate_proto::dto::sts::{FederatedUser, GetFederationTokenInput, GetFederationTokenOutput};

use super::{Draft, LONG_TERM_DEFAULT, ROOT_MAX, check_session_tags, packed_size};
use crate::{
    Identity, Service,
    error::{Result, ServiceError},
    iam::Ctx,
    session::{ParentUser, SessionPrincipal},
};

use crate::handler::{Callable, NamedResource, Needs, handlers};

handlers! {
    GetFederationTokenInput => GetFederationTokenOutput: get_federation_token, callable Callable::LongTermOnly("Cannot call GetFederationToken with session credentials"),
        needs |i, _| Needs::on(NamedResource::FederatedUser(&i.name)).tags(&i.tags);
}

impl Service {
    pub(crate) async fn get_federation_token(
        &self,
        c: &Ctx<'_>,
        i: GetFederationTokenInput,
    ) -> Result<GetFederationTokenOutput> {
        let caller = c.caller;
        let account = caller.account.as_str();
        let (user, duration) = match &caller.identity {
            Identity::Root => (None, i.duration_seconds.unwrap_or(ROOT_MAX).min(ROOT_MAX)),
            Identity::User { name, id, path } => (
                Some(ParentUser {
                    id: id.clone(),
                    name: name.clone(),
                    path: path.clone(),
                }),
                i.duration_seconds.unwrap_or(LONG_TERM_DEFAULT),
            ),
            _ => {
                return Err(ServiceError::AccessDenied(
                    "Cannot call GetFederationToken with session credentials".into(),
                ));
            }
        };
        check_session_tags(&i.tags)?;
        let arn = crate::iam::sts_arn(account, &format!("federated-user/{}", i.name));
        if !i.tags.is_empty() {
            self.authorize_action(c, "sts:TagSession", &arn, &i.tags)
                .await?;
        }
        let policies = self
            .session_policies(account, i.policy.as_deref(), &i.policy_arns)
            .await?;
        let tags = crate::authorize::tags(&i.tags);
        let packed = if policies.carried.is_some() || !tags.is_empty() {
            Some(packed_size(policies.chars, &tags)?)
        } else {
            None
        };
        let (credentials, _) = self
            .issue(Draft {
                account: account.to_owned(),
                principal: SessionPrincipal::Federated {
                    name: i.name.clone(),
                    user,
                },
                duration,
                source_identity: None,
                tags,
                transitive: Vec::new(),
                policies: Some(policies.carried.unwrap_or_default()),
                mfa_at: None,
                parent: None,
                long_term_key: Some(caller.access_key_id.clone()),
            })
            .await?;
        Ok(GetFederationTokenOutput {
            credentials,
            federated_user: FederatedUser {
                federated_user_id: format!("{account}:{}", i.name),
                arn,
            },
            packed_policy_size: packed,
        })
    }
}

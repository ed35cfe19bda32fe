//! GetCallerIdentity: <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html>.

use rolegate_proto::dto::sts::{GetCallerIdentityInput, GetCallerIdentityOutput};

use crate::{Service, error::Result, iam::Ctx};

use crate::handler::{Callable, handlers};

handlers! {
    GetCallerIdentityInput => GetCallerIdentityOutput: get_caller_identity, callable Callable::Always,
        needs |i, _| None;
}

impl Service {
    /// Who the credentials belong to. Never denied, for every kind of credentials.
    pub(crate) async fn get_caller_identity(
        &self,
        c: &Ctx<'_>,
        _i: GetCallerIdentityInput,
    ) -> Result<GetCallerIdentityOutput> {
        Ok(GetCallerIdentityOutput {
            user_id: c.caller.user_id(),
            account: c.caller.account.clone(),
            arn: c.caller.arn(),
        })
    }
}

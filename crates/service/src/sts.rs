//! STS operations: <https://docs.aws.amazon.com/STS/latest/APIReference/welcome.html>.

use rolegate_proto::dto::sts::{GetCallerIdentityInput, GetCallerIdentityOutput};

use crate::{Service, error::Result, iam::Ctx};

impl Service {
    /// GetCallerIdentity: who the credentials belong to. Never denied.
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

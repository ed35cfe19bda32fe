//! GetAccessKeyInfo: <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetAccessKeyInfo.html>.
//!
//! Temporary key ids encode their account; long-term ones are looked up. Nothing about the
//! key's state is revealed.

use rolegate_proto::dto::sts::{GetAccessKeyInfoInput, GetAccessKeyInfoOutput};
use rolegate_store::{GLOBAL, record};

use crate::{
    Service,
    error::{Result, ServiceError},
    iam::Ctx,
    ids,
};

use crate::handler::{Needs, handlers};

handlers! {
    GetAccessKeyInfoInput => GetAccessKeyInfoOutput: get_access_key_info,
        needs |i, _| Needs::any();
}

impl Service {
    /// The account that owns an access key id.
    pub(crate) async fn get_access_key_info(
        &self,
        _c: &Ctx<'_>,
        i: GetAccessKeyInfoInput,
    ) -> Result<GetAccessKeyInfoOutput> {
        let id = i.access_key_id.as_str();
        let account = if id.starts_with(ids::prefix::TEMPORARY_KEY) {
            ids::account_of_session_key(id)
        } else {
            self.cache
                .get::<record::AccessKey>(&*self.store, GLOBAL, id)
                .await?
                .map(|k| k.account.clone())
        };
        let account = account.ok_or_else(|| {
            ServiceError::InvalidParameterValue(format!(
                "The access key ID {id} is not valid or does not exist."
            ))
        })?;
        Ok(GetAccessKeyInfoOutput { account })
    }
}

//! GetDelegatedAccessToken: <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetDelegatedAccessToken.html>.
//!
//! A partner trades the token of an accepted delegation request for credentials. Only
//! partners onboarded by AWS may call it; no account of a Rolegate deployment is onboarded
//! (and no delegation request exists), so it is refused with `AccessDenied` after
//! authorization, like CreateDelegationRequest (`iam/delegation_requests.rs`).

use rolegate_proto::dto::delegation::{
    GetDelegatedAccessTokenInput, GetDelegatedAccessTokenOutput,
};

use crate::{
    Service,
    error::Result,
    handler::{Needs, handlers},
    iam::Ctx,
};

handlers! {
    GetDelegatedAccessTokenInput => GetDelegatedAccessTokenOutput: get_delegated_access_token,
        needs |i, _| Needs::any();
}

impl Service {
    pub(crate) async fn get_delegated_access_token(
        &self,
        _c: &Ctx<'_>,
        _i: GetDelegatedAccessTokenInput,
    ) -> Result<GetDelegatedAccessTokenOutput> {
        Err(crate::iam::delegation_requests::not_onboarded(
            "GetDelegatedAccessToken",
        ))
    }
}

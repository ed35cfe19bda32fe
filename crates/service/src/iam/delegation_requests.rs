//! IAM temporary delegation: <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies-temporary-delegation-partner-guide.html>.
//!
//! Only AWS partners onboarded by AWS may create delegation requests or trade their tokens
//! (CreateDelegationRequest, STS GetDelegatedAccessToken); no account of a Rolegate
//! deployment is onboarded, so those two are refused with `AccessDenied` after authorization
//! (the API reference documents no error of its own for a caller that is not onboarded; the
//! common `AccessDenied` is the closest). Every other call answers as for an account that no
//! delegation request was ever addressed to: the requests it names do not exist
//! (`NoSuchEntity`) and its list is empty. Nothing is stored.

use rolegate_proto::dto::delegation::*;

use crate::{
    Service,
    error::{Result, ServiceError},
    handler::{NamedResource, Needs, handlers},
    iam::Ctx,
};

handlers! {
    CreateDelegationRequestInput => CreateDelegationRequestOutput: create_delegation_request,
        needs |i, _| Needs::on(NamedResource::DelegationRequest("*"));
    GetDelegationRequestInput => GetDelegationRequestOutput: get_delegation_request,
        needs |i, _| Needs::on(NamedResource::DelegationRequest(&i.delegation_request_id));
    AcceptDelegationRequestInput: accept_delegation_request,
        needs |i, _| Needs::on(NamedResource::DelegationRequest(&i.delegation_request_id));
    AssociateDelegationRequestInput: associate_delegation_request,
        needs |i, _| Needs::on(NamedResource::DelegationRequest(&i.delegation_request_id));
    RejectDelegationRequestInput: reject_delegation_request,
        needs |i, _| Needs::on(NamedResource::DelegationRequest(&i.delegation_request_id));
    UpdateDelegationRequestInput: update_delegation_request,
        needs |i, _| Needs::on(NamedResource::DelegationRequest(&i.delegation_request_id));
    SendDelegationTokenInput: send_delegation_token,
        needs |i, _| Needs::on(NamedResource::DelegationRequest(&i.delegation_request_id));
    ListDelegationRequestsInput => ListDelegationRequestsOutput: list_delegation_requests,
        needs |i, _| Needs::any();
    GetHumanReadableSummaryInput => GetHumanReadableSummaryOutput: get_human_readable_summary,
        needs |i, _| Needs::on(NamedResource::Given(&i.entity_arn));
}

/// What a partner-only call answers in an account that is not onboarded.
pub(crate) fn not_onboarded(op: &str) -> ServiceError {
    ServiceError::AccessDenied(format!(
        "{op} is available only to AWS partners onboarded for IAM temporary delegation; this account is not onboarded."
    ))
}

/// A delegation request that does not exist (none ever does here).
fn no_such_request(id: &str) -> ServiceError {
    ServiceError::NoSuchEntity(format!(
        "The delegation request with id {id} cannot be found."
    ))
}

impl Service {
    pub(crate) async fn create_delegation_request(
        &self,
        _c: &Ctx<'_>,
        _i: CreateDelegationRequestInput,
    ) -> Result<CreateDelegationRequestOutput> {
        Err(not_onboarded("CreateDelegationRequest"))
    }

    pub(crate) async fn get_delegation_request(
        &self,
        _c: &Ctx<'_>,
        i: GetDelegationRequestInput,
    ) -> Result<GetDelegationRequestOutput> {
        Err(no_such_request(&i.delegation_request_id))
    }

    pub(crate) async fn accept_delegation_request(
        &self,
        _c: &Ctx<'_>,
        i: AcceptDelegationRequestInput,
    ) -> Result<()> {
        Err(no_such_request(&i.delegation_request_id))
    }

    pub(crate) async fn associate_delegation_request(
        &self,
        _c: &Ctx<'_>,
        i: AssociateDelegationRequestInput,
    ) -> Result<()> {
        Err(no_such_request(&i.delegation_request_id))
    }

    pub(crate) async fn reject_delegation_request(
        &self,
        _c: &Ctx<'_>,
        i: RejectDelegationRequestInput,
    ) -> Result<()> {
        Err(no_such_request(&i.delegation_request_id))
    }

    pub(crate) async fn update_delegation_request(
        &self,
        _c: &Ctx<'_>,
        i: UpdateDelegationRequestInput,
    ) -> Result<()> {
        Err(no_such_request(&i.delegation_request_id))
    }

    pub(crate) async fn send_delegation_token(
        &self,
        _c: &Ctx<'_>,
        i: SendDelegationTokenInput,
    ) -> Result<()> {
        Err(no_such_request(&i.delegation_request_id))
    }

    pub(crate) async fn list_delegation_requests(
        &self,
        _c: &Ctx<'_>,
        _i: ListDelegationRequestsInput,
    ) -> Result<ListDelegationRequestsOutput> {
        Ok(ListDelegationRequestsOutput {
            delegation_requests: Vec::new(),
            marker: None,
            is_truncated: false,
        })
    }

    /// The only entity AWS summarizes is a delegation request: another ARN is
    /// `InvalidInput`, a delegation request's `NoSuchEntity`.
    pub(crate) async fn get_human_readable_summary(
        &self,
        c: &Ctx<'_>,
        i: GetHumanReadableSummaryInput,
    ) -> Result<GetHumanReadableSummaryOutput> {
        let id = crate::iam::parse_arn(&i.entity_arn)
            .filter(|a| a.account == c.account())
            .and_then(|a| a.iam("delegation-request").map(|r| r.name.to_owned()));
        match id {
            Some(id) => Err(no_such_request(&id)),
            None => Err(ServiceError::InvalidInput(format!(
                "The entity {} is not a delegation request of this account; only delegation requests can be summarized.",
                i.entity_arn
            ))),
        }
    }
}

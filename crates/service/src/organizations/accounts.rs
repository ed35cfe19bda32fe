//! Member accounts: CreateAccount (with the role the management account reaches the account
//! through, and no root credentials), its request statuses, ListAccounts, ListAccountsForParent, DescribeAccount,
//! MoveAccount, RemoveAccountFromOrganization and CloseAccount.
//!
//! <https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateAccount.html>,
//! <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access.html>

use rolegate_proto::dto::organizations::{
    Account, CloseAccountInput, CreateAccountInput, CreateAccountStatus, CreateAccountStatusOutput,
    DescribeAccountInput, DescribeAccountOutput, DescribeCreateAccountStatusInput,
    ListAccountsForParentInput, ListAccountsInput, ListAccountsOutput,
    ListCreateAccountStatusInput, ListCreateAccountStatusOutput, MoveAccountInput,
    RemoveAccountFromOrganizationInput,
};
use rolegate_store::{
    GLOBAL,
    record::ORGANIZATION_KEY,
    record::{self, Organization},
};

use super::{
    DEFAULT_ACCESS_ROLE, MAX_CREATE_REQUESTS, MAX_ENTRIES, account_arn, attach_defaults, caller_in,
    is_parent, lower_id, merge_tags, org_error, page, quota, time,
};
use crate::{
    Service,
    error::{OrgError, Result, ServiceError},
    handler::{Needs, OrgResource, handlers},
    iam::{Ctx, key_of},
    ids,
};

handlers! {
    CreateAccountInput => CreateAccountStatusOutput: create_org_account,
        needs |i, _| Needs::org(OrgResource::None).tags(&i.tags);
    DescribeCreateAccountStatusInput => CreateAccountStatusOutput: describe_create_account_status,
        needs |i, _| Needs::org(OrgResource::None);
    ListCreateAccountStatusInput => ListCreateAccountStatusOutput: list_create_account_status,
        needs |i, _| Needs::org(OrgResource::None);
    ListAccountsInput => ListAccountsOutput: list_accounts,
        needs |i, _| Needs::org(OrgResource::None);
    ListAccountsForParentInput => ListAccountsOutput: list_accounts_for_parent,
        needs |i, _| Needs::org(OrgResource::Any(&i.parent_id));
    DescribeAccountInput => DescribeAccountOutput: describe_account,
        needs |i, _| Needs::org(OrgResource::Account(&i.account_id));
    MoveAccountInput: move_account,
        needs |i, _| Needs::org(OrgResource::Account(&i.account_id))
            .and_org(OrgResource::Any(&i.source_parent_id))
            .and_org(OrgResource::Any(&i.destination_parent_id));
    RemoveAccountFromOrganizationInput: remove_account_from_organization,
        needs |i, _| Needs::org(OrgResource::Account(&i.account_id));
    CloseAccountInput: close_account,
        needs |i, _| Needs::org(OrgResource::Account(&i.account_id));
}

/// The `Account` shape.
pub(crate) fn account_shape(o: &Organization, a: &record::OrgAccount) -> Account {
    Account {
        id: a.id.clone(),
        arn: account_arn(o, &a.id),
        email: a.email.clone(),
        name: a.name.clone(),
        status: a.status.clone(),
        state: a.status.clone(),
        joined_method: a.joined_method.clone(),
        joined_timestamp: time(a.joined),
    }
}

fn status_shape(r: &record::CreateAccountRequest) -> CreateAccountStatus {
    CreateAccountStatus {
        id: r.id.clone(),
        account_name: r.account_name.clone(),
        state: r.state.clone(),
        requested_timestamp: time(r.requested),
        completed_timestamp: time(r.completed),
        account_id: r.account_id.clone(),
        failure_reason: r.failure_reason.clone(),
    }
}

fn account_not_found() -> ServiceError {
    org_error(
        OrgError::AccountNotFound,
        "You specified an account that doesn't exist.",
    )
}

/// An email address as AWS accepts one: one `@` between non-empty parts, no white space.
fn valid_email(email: &str) -> bool {
    let mut parts = email.split('@');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(local), Some(domain), None) if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
    ) && !email.chars().any(char::is_whitespace)
}

/// A role name as IAM accepts one: `[\w+=,.@-]{1,64}`.
fn valid_role_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}

/// The trust policy of a member account's access role: the management account.
pub fn access_role_trust(management: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{}"}},"Action":"sts:AssumeRole"}}]}}"#,
        crate::iam::root_arn(management)
    )
}

/// The access role's `MaxSessionDuration` (IAM's default).
const ACCESS_ROLE_MAX_SESSION: i64 = 3600;

/// The AWS managed policy a member account's access role holds.
const ADMINISTRATOR_ACCESS: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

impl Service {
    /// Writes, in `tx`, a member account's access role: `name`, trusting the management
    /// account, with AdministratorAccess attached (and counted in the account's usage).
    pub(crate) async fn put_access_role(
        &self,
        tx: &mut crate::tx::Tx<'_>,
        account: &str,
        management: &str,
        name: &str,
        now: i64,
    ) -> Result<()> {
        let admin = self.resolve_policy_arn(account, ADMINISTRATOR_ACCESS)?;
        let attached = self.adjust_usage(tx, account, &admin, 1, 0).await?;
        let role = record::Role {
            name: name.to_owned(),
            id: ids::unique_id(ids::prefix::ROLE)?,
            path: "/".into(),
            created: now,
            trust: access_role_trust(management),
            trust_ids: Default::default(),
            description: None,
            max_session_duration: ACCESS_ROLE_MAX_SESSION,
            boundary: None,
            tags: Vec::new(),
            inline: Default::default(),
            attached: vec![attached],
            instance_profiles: Vec::new(),
            last_used: None,
            service_linked: None,
        };
        tx.put(account, &key_of(name), &role)
    }

    pub(crate) async fn create_org_account(
        &self,
        c: &Ctx<'_>,
        i: CreateAccountInput,
    ) -> Result<CreateAccountStatusOutput> {
        let invalid = |what: &str| {
            org_error(
                OrgError::InvalidInput,
                format!("You provided a value that does not match the required pattern: {what}."),
            )
        };
        if !valid_email(&i.email) {
            return Err(invalid("email"));
        }
        let role_name = i.role_name.as_deref().unwrap_or(DEFAULT_ACCESS_ROLE);
        // A service-linked role's name is not the access role's to take (see CreateRole).
        if !valid_role_name(role_name) || crate::iam::roles::reserved_role_name(role_name) {
            return Err(invalid("roleName"));
        }
        let now = self.now();
        let request = self
            .retry(|| async {
                let mut tx = self.tx();
                let mut o = caller_in(c, self.read_organization(&mut tx).await?, false)?;
                let mut request = record::CreateAccountRequest {
                    id: format!("car-{}", lower_id(32)?),
                    account_name: i.account_name.clone(),
                    state: "SUCCEEDED".into(),
                    requested: now,
                    completed: now,
                    account_id: None,
                    failure_reason: None,
                };
                if o.accounts
                    .values()
                    .any(|a| a.email.eq_ignore_ascii_case(&i.email))
                {
                    // AWS reports it in the request's status, not as an error of the call.
                    request.state = "FAILED".into();
                    request.failure_reason = Some("EMAIL_ALREADY_EXISTS".into());
                } else if o.accounts.len() >= MAX_ENTRIES {
                    return Err(quota("ACCOUNT_NUMBER_LIMIT_EXCEEDED"));
                } else {
                    let account = ids::account_id()?;
                    if tx.get::<record::Account>(GLOBAL, &account).await?.is_some() {
                        return Err(ServiceError::Retry);
                    }
                    // No root access key: a member account is reached through its role.
                    tx.put(
                        GLOBAL,
                        &account,
                        &record::Account {
                            id: account.clone(),
                            created: now,
                            root_access_keys: Vec::new(),
                            closed: false,
                            alias: None,
                        },
                    )?;
                    self.put_access_role(&mut tx, &account, &o.management_account, role_name, now)
                        .await?;
                    let mut tags = Vec::new();
                    merge_tags(&mut tags, &i.tags)?;
                    o.accounts.insert(
                        account.clone(),
                        record::OrgAccount {
                            id: account.clone(),
                            name: i.account_name.clone(),
                            email: i.email.clone(),
                            parent: o.root.id.clone(),
                            joined_method: "CREATED".into(),
                            joined: now,
                            status: "ACTIVE".into(),
                            tags,
                        },
                    );
                    attach_defaults(&mut o, &account);
                    request.account_id = Some(account);
                }
                o.create_requests.push(request.clone());
                let excess = o.create_requests.len().saturating_sub(MAX_CREATE_REQUESTS);
                o.create_requests.drain(..excess);
                tx.put(GLOBAL, ORGANIZATION_KEY, &o)?;
                tx.commit().await?;
                Ok(request)
            })
            .await?;
        if let Some(a) = &request.account_id {
            tracing::info!(account = %a, role = %role_name, "created a member account");
        }
        Ok(CreateAccountStatusOutput {
            create_account_status: status_shape(&request),
        })
    }

    pub(crate) async fn describe_create_account_status(
        &self,
        c: &Ctx<'_>,
        i: DescribeCreateAccountStatusInput,
    ) -> Result<CreateAccountStatusOutput> {
        let o = self.organization_for(c, false).await?;
        let r = o
            .create_requests
            .iter()
            .find(|r| r.id == i.create_account_request_id)
            .ok_or_else(|| {
                org_error(
                    OrgError::CreateAccountStatusNotFound,
                    "We can't find an create account request with the CreateAccountRequestId that you specified.",
                )
            })?;
        Ok(CreateAccountStatusOutput {
            create_account_status: status_shape(r),
        })
    }

    pub(crate) async fn list_create_account_status(
        &self,
        c: &Ctx<'_>,
        i: ListCreateAccountStatusInput,
    ) -> Result<ListCreateAccountStatusOutput> {
        let o = self.organization_for(c, false).await?;
        let items: Vec<CreateAccountStatus> = o
            .create_requests
            .iter()
            .filter(|r| i.states.is_empty() || i.states.contains(&r.state))
            .map(status_shape)
            .collect();
        let (create_account_statuses, next_token) = page(
            items,
            |s| s.id.clone(),
            i.next_token.as_deref(),
            i.max_results,
        )?;
        Ok(ListCreateAccountStatusOutput {
            create_account_statuses,
            next_token,
        })
    }

    pub(crate) async fn list_accounts(
        &self,
        c: &Ctx<'_>,
        i: ListAccountsInput,
    ) -> Result<ListAccountsOutput> {
        let o = self.organization_for(c, false).await?;
        let items = o.accounts.values().map(|a| account_shape(&o, a)).collect();
        let (accounts, next_token) = page(
            items,
            |a: &Account| a.id.clone(),
            i.next_token.as_deref(),
            i.max_results,
        )?;
        Ok(ListAccountsOutput {
            accounts,
            next_token,
        })
    }

    pub(crate) async fn list_accounts_for_parent(
        &self,
        c: &Ctx<'_>,
        i: ListAccountsForParentInput,
    ) -> Result<ListAccountsOutput> {
        let o = self.organization_for(c, false).await?;
        if !is_parent(&o, &i.parent_id) {
            return Err(org_error(
                OrgError::ParentNotFound,
                "We can't find a root or OU with the ParentId that you specified.",
            ));
        }
        let items = o
            .accounts
            .values()
            .filter(|a| a.parent == i.parent_id)
            .map(|a| account_shape(&o, a))
            .collect();
        let (accounts, next_token) = page(
            items,
            |a: &Account| a.id.clone(),
            i.next_token.as_deref(),
            i.max_results,
        )?;
        Ok(ListAccountsOutput {
            accounts,
            next_token,
        })
    }

    pub(crate) async fn describe_account(
        &self,
        c: &Ctx<'_>,
        i: DescribeAccountInput,
    ) -> Result<DescribeAccountOutput> {
        let o = self.organization_for(c, false).await?;
        let a = o
            .accounts
            .get(&i.account_id)
            .ok_or_else(account_not_found)?;
        Ok(DescribeAccountOutput {
            account: account_shape(&o, a),
        })
    }

    pub(crate) async fn move_account(&self, c: &Ctx<'_>, i: MoveAccountInput) -> Result<()> {
        self.change_organization(c, |o| {
            if !is_parent(o, &i.source_parent_id) {
                return Err(org_error(
                    OrgError::SourceParentNotFound,
                    "We can't find a source root or OU with the ParentId that you specified.",
                ));
            }
            if !is_parent(o, &i.destination_parent_id) {
                return Err(org_error(
                    OrgError::DestinationParentNotFound,
                    "We can't find a destination root or OU with the ParentId that you specified.",
                ));
            }
            let a = o
                .accounts
                .get_mut(&i.account_id)
                .ok_or_else(account_not_found)?;
            if a.parent != i.source_parent_id {
                return Err(account_not_found());
            }
            if a.parent == i.destination_parent_id {
                return Err(org_error(
                    OrgError::DuplicateAccount,
                    "That account is already present in the specified destination.",
                ));
            }
            a.parent.clone_from(&i.destination_parent_id);
            Ok(())
        })
        .await
    }

    pub(crate) async fn remove_account_from_organization(
        &self,
        c: &Ctx<'_>,
        i: RemoveAccountFromOrganizationInput,
    ) -> Result<()> {
        self.change_organization(c, |o| {
            if i.account_id == o.management_account {
                return Err(org_error(
                    OrgError::ConstraintViolation,
                    "You can't remove the management account from its organization; delete the organization instead.",
                ));
            }
            o.accounts.remove(&i.account_id).ok_or_else(account_not_found)?;
            o.attachments.remove(&i.account_id);
            Ok(())
        })
        .await
    }

    /// Closes a member account: suspended in the organization, and closed for good in its
    /// account record, so that removing it from the organization gives its principals
    /// nothing back.
    pub(crate) async fn close_account(&self, c: &Ctx<'_>, i: CloseAccountInput) -> Result<()> {
        self.retry(|| async {
            let mut tx = self.tx();
            let mut o = caller_in(c, self.read_organization(&mut tx).await?, false)?;
            if i.account_id == o.management_account {
                return Err(org_error(
                    OrgError::ConstraintViolation,
                    "You can't close the management account with CloseAccount.",
                ));
            }
            let a = o
                .accounts
                .get_mut(&i.account_id)
                .ok_or_else(account_not_found)?;
            if a.status != "ACTIVE" {
                return Err(org_error(
                    OrgError::AccountAlreadyClosed,
                    "You provided an account that's already closed.",
                ));
            }
            a.status = "SUSPENDED".into();
            if let Some(mut account) = tx.get::<record::Account>(GLOBAL, &i.account_id).await? {
                account.closed = true;
                tx.put(GLOBAL, &i.account_id, &account)?;
            }
            tx.put(GLOBAL, ORGANIZATION_KEY, &o)?;
            tx.commit().await
        })
        .await
    }
}

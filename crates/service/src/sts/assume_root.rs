//! AssumeRoot: <https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoot.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user-privileged-task.html>.
//!
//! A principal of the organization's management account (an IAM user or a role session; never
//! a root user) gets a short session (at most 900 s) of a *member* account's root user, scoped
//! by one of AWS's five root-task policies, carried sealed as the session's only session
//! policy: what the session may do is the root's everything ∩ the task policy ∩ the member
//! account's SCPs. Only while the organization has `RootSessions` enabled; never for the
//! management account itself or an account outside the organization. The session is refused
//! at authentication as soon as root sessions are disabled or the account leaves the
//! organization (`authenticate.rs`), and it cannot chain: a root user may not call AssumeRole,
//! and STS refuses AssumeRoot to a root session.

use rolegate_proto::dto::root_access::{AssumeRootInput, AssumeRootOutput};

use super::Draft;
use crate::{
    Identity, Service,
    error::{Result, ServiceError},
    handler::{NamedResource, Needs, handlers},
    iam::Ctx,
    organizations::root_access::root_sessions_enabled,
    session::{SessionPolicy, SessionPrincipal},
};

handlers! {
    AssumeRootInput => AssumeRootOutput: assume_root,
        needs |i, _| {
            let needs = Needs::on(NamedResource::RootUser(&i.target_principal));
            match i.task_policy_arn.arn.as_deref() {
                Some(task) => needs.key("sts:TaskPolicyArn", task),
                None => needs,
            }
        };
}

/// AWS's task policies: the only ones AssumeRoot accepts.
pub const TASK_POLICIES: &[&str] = &[
    "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials",
    "arn:aws:iam::aws:policy/root-task/IAMCreateRootUserPassword",
    "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials",
    "arn:aws:iam::aws:policy/root-task/S3UnlockBucketPolicy",
    "arn:aws:iam::aws:policy/root-task/SQSUnlockQueuePolicy",
];

/// The longest (and default) session, seconds.
pub const MAX_ROOT_SESSION: i64 = 900;

/// The account a `TargetPrincipal` names: a 12-digit account id, or a root user's ARN
/// (`arn:aws:iam::ACCOUNT:root`); anything else names none.
pub(crate) fn root_target_account(target: &str) -> Option<&str> {
    let digits = |s: &str| s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit());
    if digits(target) {
        return Some(target);
    }
    let parsed = crate::iam::parse_arn(target)?;
    (parsed.service == "iam" && parsed.resource == "root" && digits(parsed.account))
        .then_some(parsed.account)
}

impl Service {
    pub(crate) async fn assume_root(
        &self,
        c: &Ctx<'_>,
        i: AssumeRootInput,
    ) -> Result<AssumeRootOutput> {
        let caller = c.caller;
        let refuse = |why: &str| {
            ServiceError::AccessDenied(format!(
                "User: {} is not authorized to perform: sts:AssumeRoot on resource: {}: {why}",
                caller.arn(),
                i.target_principal
            ))
        };
        // 1. Who may call: an IAM user or a role session of the management account.
        match caller.identity {
            Identity::Root => {
                return Err(ServiceError::AccessDenied(
                    "AssumeRoot cannot be called with root user credentials.".into(),
                ));
            }
            Identity::FederatedUser { .. } => {
                return Err(refuse("federated users cannot call AssumeRoot"));
            }
            Identity::User { .. } | Identity::AssumedRole { .. } => {}
        }
        // 2. The task policy: one of AWS's five, nothing else.
        let task = i.task_policy_arn.arn.as_deref().unwrap_or_default();
        if !TASK_POLICIES.contains(&task) {
            return Err(ServiceError::InvalidParameterValue(format!(
                "The TaskPolicyArn {task} is not a root task policy; use one of {}.",
                TASK_POLICIES.join(", ")
            )));
        }
        // 3. The organization, read now: the caller's account must administer it, with root
        //    sessions enabled, and the target must be one of its member accounts.
        let org = self
            .read_organization(&mut self.tx())
            .await?
            .filter(|o| o.management_account == caller.account)
            .ok_or_else(|| refuse("the caller is not the management account of an organization"))?;
        if !root_sessions_enabled(&org) {
            return Err(refuse(
                "centralized root access (RootSessions) is not enabled in the organization",
            ));
        }
        let target = root_target_account(&i.target_principal)
            .filter(|t| *t != org.management_account)
            .filter(|t| org.accounts.get(*t).is_some_and(|a| a.status == "ACTIVE"))
            .ok_or_else(|| {
                refuse("the target is not an active member account of the organization")
            })?
            .to_owned();
        let closed = self
            .tx()
            .get::<rolegate_store::record::Account>(rolegate_store::GLOBAL, &target)
            .await?
            .is_none_or(|a| a.closed);
        if closed {
            return Err(refuse("the target account is closed"));
        }
        // 4. The session: the member account's root, scoped by the task policy.
        let document = self
            .managed_document(&target, task)
            .await?
            .ok_or_else(|| ServiceError::Internal(format!("task policy {task} is missing")))?;
        let parent = caller.session.clone();
        let source_identity = parent.as_ref().and_then(|p| p.source_identity.clone());
        let (credentials, _) = self
            .issue(Draft {
                account: target,
                principal: SessionPrincipal::RootTask {
                    task: task.to_owned(),
                    by: caller.arn(),
                },
                duration: i
                    .duration_seconds
                    .unwrap_or(MAX_ROOT_SESSION)
                    .min(MAX_ROOT_SESSION),
                source_identity: source_identity.clone(),
                tags: Vec::new(),
                transitive: Vec::new(),
                policies: Some(vec![SessionPolicy {
                    label: task.to_owned(),
                    document,
                }]),
                mfa_at: None,
                long_term_key: parent.is_none().then(|| caller.access_key_id.clone()),
                parent,
            })
            .await?;
        Ok(AssumeRootOutput {
            credentials,
            source_identity,
        })
    }
}

//! The authorization API for teams' own services (issue 16, item 5): Rolegate as the policy
//! decision point of any HTTP service, through [`Access`].
//!
//! Two questions, both decided by the one authorization path
//! ([`Service::evaluate_access`]: identity policies, boundary, session policies, SCPs and
//! RCPs, and the resource's own policy when the question carries one):
//!
//! - **Evaluation** (OpenID AuthZEN 1.0, <https://openid.net/specs/authorization-api-1_0.html>):
//!   may this *subject* — a stored IAM user, role or account root named by its ARN — do this
//!   *action* on this *resource* in this *context*? The calling service must itself be
//!   allowed [`EVALUATE_ACTION`] on the subject's ARN (a resource of the subject's account,
//!   without a resource-based policy: across accounts nothing grants it), so a service only
//!   learns about the principals its own policies name. Denied by default.
//! - **Verification**: a SigV4-signed request a service received, already verified by the
//!   server against Rolegate's keys and sessions, yields its [`Caller`]; [`Access::decide`]
//!   evaluates the caller's own policies for the action the service protects
//!   (`execute-api:Invoke` on an execute-api ARN, or any `service:Action`) and
//!   [`Access::principal`] describes the caller (ARN, account, tags, session). A service
//!   asking over the JSON form must be allowed [`VERIFY_ACTION`] on the resource it asks
//!   about; the forward-auth form is protected by a secret only the proxy holds.
//!
//! Each decision is recorded in the audit trail as a CloudTrail *data* event
//! ([`crate::audit::data`]) naming the principal the backend never sees — never a signature,
//! a token or a secret key.
//!
//! <https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html>

use std::net::IpAddr;

use rolegate_policy::{ContextValue, Decision, Evaluation, arn::Arn};
use rolegate_store::record;

use crate::{
    Caller, Identity, RequestEnv, Service,
    audit::data::DataEvent,
    authorize::{Resource, Target},
    error::{Result, ServiceError},
    iam::key_of,
};

/// The action a service needs, on the subject's ARN, to ask an AuthZEN evaluation.
pub const EVALUATE_ACTION: &str = "rolegate:EvaluateAccess";
/// The action a service needs, on the resource ARN it asks about, to have a signed request
/// verified over the JSON form.
pub const VERIFY_ACTION: &str = "rolegate:VerifyRequest";
/// The session name a role subject is evaluated under when the question names none.
pub const DEFAULT_SESSION_NAME: &str = "authzen";
/// Questions in one `evaluations` call, at most.
pub const MAX_EVALUATIONS: usize = 100;

/// Who would act: a stored principal, named by its ARN (AuthZEN's `subject`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// AuthZEN's `subject.type` (`user`, `role`, `account`, or any: the ARN decides).
    pub kind: String,
    /// `arn:aws:iam::ACCOUNT:user/PATH/NAME`, `…:role/PATH/NAME` or `…:root`.
    pub id: String,
    /// For a role: the session name it is evaluated under (`subject.properties.session_name`).
    pub session_name: Option<String>,
}

/// What would be acted on (AuthZEN's `resource`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Object {
    /// AuthZEN's `resource.type` (informative).
    pub kind: String,
    /// The resource ARN, or `*`.
    pub id: String,
    /// The account that owns it (`resource.properties.account`); default: the ARN's
    /// account, else the subject's.
    pub account: Option<String>,
    /// Its resource-based policy (`resource.properties.policy`), as a JSON document.
    pub policy: Option<String>,
    /// Its tags (`resource.properties.tags`: `aws:ResourceTag/*`).
    pub tags: Vec<(String, String)>,
}

/// One question: may `subject` do `action` on `resource` in `context`?
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// Who.
    pub subject: Subject,
    /// `service:Action` (AuthZEN's `action.name`).
    pub action: String,
    /// On what.
    pub resource: Object,
    /// Condition keys (AuthZEN's `context`): `aws:SourceIp`, `aws:SecureTransport`,
    /// `aws:RequestedRegion`, `aws:UserAgent` describe the request's environment; any other
    /// key is a request key (`s3:prefix`, `aws:RequestTag/…`). Keys the subject's credentials
    /// decide (`aws:Principal*`, `aws:userid`, MFA, …) are refused.
    pub context: Vec<(String, ContextValue)>,
}

/// Why a question was answered as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// A statement allows and nothing denies or limits.
    Allowed,
    /// A statement denies (of the kind of policy named).
    ExplicitDeny(Option<rolegate_policy::eval::PolicyType>),
    /// Nothing allows (or a boundary, session policy or SCP does not).
    ImplicitDeny(Option<rolegate_policy::eval::PolicyType>),
    /// No stored principal has the subject's ARN (or the account has none such).
    SubjectUnresolved,
}

impl Reason {
    /// A short phrase for the answer's context and the audit trail.
    pub fn phrase(self) -> String {
        let kind = |t: Option<rolegate_policy::eval::PolicyType>| {
            t.map_or_else(|| "policy".to_owned(), |t| t.phrase().to_owned())
        };
        match self {
            Reason::Allowed => "allowed".into(),
            Reason::ExplicitDeny(t) => format!("explicit deny ({})", kind(t)),
            Reason::ImplicitDeny(t) => format!("implicit deny ({})", kind(t)),
            Reason::SubjectUnresolved => "subject unresolved".into(),
        }
    }
}

/// A decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    /// Allowed?
    pub decision: bool,
    /// Why.
    pub reason: Reason,
}

impl Answer {
    fn of(e: &Evaluation) -> Self {
        match e.decision {
            Decision::Allow => Answer {
                decision: true,
                reason: Reason::Allowed,
            },
            Decision::ExplicitDeny => Answer {
                decision: false,
                reason: Reason::ExplicitDeny(e.blame),
            },
            Decision::ImplicitDeny => Answer {
                decision: false,
                reason: Reason::ImplicitDeny(e.blame),
            },
        }
    }
}

/// How a batch of questions is run (AuthZEN's `options.evaluations_semantic`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Semantic {
    /// Every question, every answer (the default).
    #[default]
    ExecuteAll,
    /// Stop after the first denial (answered last).
    DenyOnFirstDeny,
    /// Stop after the first permit (answered last).
    PermitOnFirstPermit,
}

impl Semantic {
    /// From its AuthZEN name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "execute_all" => Some(Semantic::ExecuteAll),
            "deny_on_first_deny" => Some(Semantic::DenyOnFirstDeny),
            "permit_on_first_permit" => Some(Semantic::PermitOnFirstPermit),
            _ => None,
        }
    }
}

/// The caller of a verified request, as the verifying service is told it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalInfo {
    /// The caller's ARN (a session ARN for role sessions).
    pub arn: String,
    /// `aws:PrincipalArn`: the role's ARN for role sessions.
    pub principal_arn: String,
    /// The account.
    pub account: String,
    /// `aws:userid` (`AIDA…`, `AROA…:session`).
    pub user_id: String,
    /// `aws:PrincipalType`.
    pub kind: &'static str,
    /// The access key that signed.
    pub access_key_id: String,
    /// `aws:PrincipalTag/*`: the stored principal's tags, session tags over them.
    pub tags: Vec<(String, String)>,
    /// The session, for temporary credentials.
    pub session: Option<SessionInfo>,
}

/// What a verified session says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// Issue time, unix milliseconds.
    pub issued_ms: i64,
    /// Expiry, unix seconds.
    pub expires: i64,
    /// Whether MFA was verified when it was issued.
    pub mfa: bool,
    /// `aws:SourceIdentity`.
    pub source_identity: Option<String>,
}

/// How a verification was asked, for the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel<'a> {
    /// The JSON form, by a service signed in as this caller.
    Service(&'a Caller),
    /// The forward-auth form, by the proxy holding the shared secret.
    ForwardAuth,
}

/// The authorization API over a [`Service`].
#[derive(Clone, Copy)]
pub struct Access<'a> {
    service: &'a Service,
}

impl<'a> Access<'a> {
    /// The API of `service`.
    pub fn new(service: &'a Service) -> Self {
        Access { service }
    }

    /// Checks a question's form before anything is evaluated (a malformed question changes
    /// nothing and answers nothing): `InvalidInput` with the reason.
    pub fn check(&self, q: &Question) -> Result<()> {
        let a = &q.action;
        let ok = a
            .split_once(':')
            .is_some_and(|(s, n)| !s.is_empty() && !n.is_empty())
            && !a.contains(['*', '?'])
            && a.is_ascii();
        if !ok {
            return Err(ServiceError::InvalidInput(format!(
                "action.name {a:?} is not an IAM action (service:Action, without wildcards)."
            )));
        }
        if q.resource.id != "*" && Arn::parse(&q.resource.id).is_none() {
            return Err(ServiceError::InvalidInput(format!(
                "resource.id {:?} is not an ARN (nor `*`).",
                q.resource.id
            )));
        }
        if let Some(account) = &q.resource.account
            && !crate::bootstrap::is_account_id(account)
        {
            return Err(ServiceError::InvalidInput(format!(
                "resource.properties.account {account:?} is not a 12-digit account id."
            )));
        }
        if let Some(p) = &q.resource.policy {
            self.service.parse_resource_policy(p)?;
        }
        subject_arn(&q.subject.id)?;
        for (k, v) in &q.context {
            if crate::authorize::caller_key(k) {
                return Err(ServiceError::InvalidInput(format!(
                    "The context key {k} comes from the subject's credentials, not the request."
                )));
            }
            if is_env_key(k, "aws:SourceIp") {
                single(k, v)?.parse::<IpAddr>().map_err(|_| {
                    ServiceError::InvalidInput(format!("{k} is not an IP address."))
                })?;
            }
        }
        Ok(())
    }

    /// Answers one AuthZEN question for `caller` (the service asking). The caller must be
    /// allowed [`EVALUATE_ACTION`] on the subject's ARN, else `AccessDenied`; a subject that
    /// does not exist is a denial (`SubjectUnresolved`), not an error, so that only callers
    /// already allowed to ask learn it.
    pub async fn evaluate(
        &self,
        caller: &Caller,
        q: &Question,
        env: &RequestEnv,
    ) -> Result<Answer> {
        self.check(q)?;
        let (account, _) = subject_arn(&q.subject.id)?;
        let gate = Target::new(EVALUATE_ACTION, q.subject.id.clone());
        self.service
            .authorize_access(caller, &gate, Some(Resource::in_account(account)), env)
            .await?;
        let answer = self.answer(q, env).await?;
        self.service
            .write_data_event(DataEvent {
                name: "Evaluation",
                caller: Some(caller),
                subject: Some(&q.subject.id),
                action: &q.action,
                resource: &q.resource.id,
                decision: answer.decision,
                reason: &answer.reason.phrase(),
                request: None,
                env,
            })
            .await?;
        Ok(answer)
    }

    /// Answers a batch (AuthZEN's `evaluations`), questions already merged with the
    /// request's defaults. Every question is checked first; the semantic decides where to
    /// stop: the answers are in order and end at the deciding one.
    pub async fn evaluate_all(
        &self,
        caller: &Caller,
        questions: &[Question],
        semantic: Semantic,
        env: &RequestEnv,
    ) -> Result<Vec<Answer>> {
        if questions.len() > MAX_EVALUATIONS {
            return Err(ServiceError::InvalidInput(format!(
                "At most {MAX_EVALUATIONS} evaluations per request."
            )));
        }
        for q in questions {
            self.check(q)?;
        }
        let mut answers = Vec::with_capacity(questions.len());
        for q in questions {
            let a = self.evaluate(caller, q, env).await?;
            answers.push(a);
            match semantic {
                Semantic::DenyOnFirstDeny if !a.decision => break,
                Semantic::PermitOnFirstPermit if a.decision => break,
                _ => {}
            }
        }
        Ok(answers)
    }

    /// The decision itself, once the asker is authorized.
    async fn answer(&self, q: &Question, env: &RequestEnv) -> Result<Answer> {
        let Some(subject) = self.subject(&q.subject).await? else {
            return Ok(Answer {
                decision: false,
                reason: Reason::SubjectUnresolved,
            });
        };
        let mut env = env.clone();
        env.source_ip = None;
        env.secure_transport = false;
        env.user_agent = None;
        env.region = "us-east-1".into();
        let mut target = Target::new(q.action.clone(), q.resource.id.clone());
        for (k, v) in &q.resource.tags {
            target = target.resource_tag(k.clone(), v.clone());
        }
        for (k, v) in &q.context {
            if is_env_key(k, "aws:SourceIp") {
                env.source_ip = single(k, v)?.parse().ok();
            } else if is_env_key(k, "aws:SecureTransport") {
                env.secure_transport = single(k, v)?.eq_ignore_ascii_case("true");
            } else if is_env_key(k, "aws:RequestedRegion") {
                single(k, v)?.clone_into(&mut env.region);
            } else if is_env_key(k, "aws:UserAgent") {
                env.user_agent = Some(single(k, v)?.to_owned());
            } else {
                target.context.push((k.clone(), v.clone()));
            }
        }
        let policy = match &q.resource.policy {
            Some(p) => Some(self.service.parse_resource_policy(p)?),
            None => None,
        };
        let owner = q.resource.account.clone().or_else(|| {
            Arn::parse(&q.resource.id)
                .map(|a| a.account)
                .filter(|a| crate::bootstrap::is_account_id(a))
                .map(str::to_owned)
        });
        let resource = match (&owner, &policy) {
            (None, None) => None,
            (owner, policy) => {
                let r = Resource::in_account(owner.as_deref().unwrap_or(&subject.account));
                Some(match policy {
                    Some(p) => r.with_policy(&q.resource.id, p),
                    None => r,
                })
            }
        };
        let evaluation = self
            .service
            .evaluate_access(&subject, &target, resource, &env)
            .await?;
        Ok(Answer::of(&evaluation))
    }

    /// The stored principal a subject names, as a caller of its own (a role as a session
    /// without session policies): `None` when there is none.
    async fn subject(&self, s: &Subject) -> Result<Option<Caller>> {
        let (account, kind) = subject_arn(&s.id)?;
        let svc = self.service;
        let caller = |identity| Caller {
            account: account.to_owned(),
            identity,
            access_key_id: String::new(),
            session: None,
        };
        Ok(match kind {
            SubjectKind::Root => {
                if !self.account_exists(account).await? {
                    return Ok(None);
                }
                Some(caller(Identity::Root))
            }
            SubjectKind::User { path, name } => svc
                .cache
                .get::<record::User>(&*svc.store, account, &key_of(name))
                .await?
                .filter(|u| u.path == path && u.name == name)
                .map(|u| {
                    caller(Identity::User {
                        name: u.name.clone(),
                        id: u.id.clone(),
                        path: u.path.clone(),
                    })
                }),
            SubjectKind::Role { path, name } => svc
                .cache
                .get::<record::Role>(&*svc.store, account, &key_of(name))
                .await?
                .filter(|r| r.path == path && r.name == name)
                .map(|r| {
                    caller(Identity::AssumedRole {
                        role_name: r.name.clone(),
                        role_id: r.id.clone(),
                        role_path: r.path.clone(),
                        session_name: s
                            .session_name
                            .clone()
                            .unwrap_or_else(|| DEFAULT_SESSION_NAME.to_owned()),
                    })
                }),
        })
    }

    async fn account_exists(&self, account: &str) -> Result<bool> {
        let svc = self.service;
        Ok(svc
            .cache
            .get::<record::Account>(&*svc.store, rolegate_store::GLOBAL, account)
            .await?
            .is_some())
    }

    /// Whether `asker` may have requests about `resource` verified over the JSON form: it
    /// must be allowed [`VERIFY_ACTION`] on it (else `AccessDenied`). Asked before the
    /// received request is even looked at.
    pub async fn may_verify(&self, asker: &Caller, resource: &str, env: &RequestEnv) -> Result<()> {
        // A service verifies requests made to its own account's resources: never another
        // account's, whose decisions (and the principal details that come with them) are that
        // account's business — as AuthZEN never decides across accounts.
        if self.owner(resource) != asker.account {
            return Err(ServiceError::AccessDenied(format!(
                "User: {} is not authorized to perform: {VERIFY_ACTION} on resource: {resource}: the resource belongs to another account",
                asker.arn()
            )));
        }
        let gate = Target::new(VERIFY_ACTION, resource.to_owned());
        self.service.authorize_access(asker, &gate, None, env).await
    }

    /// The account a resource belongs to: the one its ARN names, else the management
    /// account — never the signer's.
    fn owner(&self, resource: &str) -> String {
        Arn::parse(resource)
            .map(|a| a.account)
            .filter(|a| crate::bootstrap::is_account_id(a))
            .map_or_else(|| self.service.config.account_id.clone(), str::to_owned)
    }

    /// Decides a verified request: the caller's own policies for `target`. `channel` says
    /// who asked (for the JSON form, a service [`Self::may_verify`] admitted). The decision
    /// is recorded as a data event whose identity is the verified caller.
    pub async fn decide(
        &self,
        caller: &Caller,
        target: &Target,
        channel: Channel<'_>,
        request: (&str, &str),
        env: &RequestEnv,
    ) -> Result<Answer> {
        // The resource belongs to the account its ARN names (else to the management
        // account), never to the signer's: a principal of another account is decided across
        // accounts, where nothing but a resource-based policy could grant it.
        let owner = self.owner(&target.resource);
        let evaluation = self
            .service
            .evaluate_access(caller, target, Some(Resource::in_account(&owner)), env)
            .await?;
        let answer = Answer::of(&evaluation);
        let asker = match channel {
            Channel::Service(c) => Some(c.arn()),
            Channel::ForwardAuth => None,
        };
        self.service
            .write_data_event(DataEvent {
                name: "VerifyRequest",
                caller: Some(caller),
                subject: asker.as_deref(),
                action: &target.action,
                resource: &target.resource,
                decision: answer.decision,
                reason: &answer.reason.phrase(),
                request: Some(request),
                env,
            })
            .await?;
        Ok(answer)
    }

    /// Records a verification that failed before anyone was authenticated (a bad signature,
    /// an unknown key, an expired or undecodable session): the error code only.
    pub async fn record_unauthenticated(
        &self,
        code: &str,
        request: (&str, &str),
        env: &RequestEnv,
    ) -> Result<()> {
        self.service
            .write_data_event(DataEvent {
                name: "VerifyRequest",
                caller: None,
                subject: None,
                action: "",
                resource: "",
                decision: false,
                reason: code,
                request: Some(request),
                env,
            })
            .await
    }

    /// Describes a verified caller: ARN, account, tags (`aws:PrincipalTag/*`), session.
    pub async fn principal(&self, caller: &Caller) -> Result<PrincipalInfo> {
        let held = self.service.held(caller).await?;
        Ok(PrincipalInfo {
            arn: caller.arn(),
            principal_arn: caller.principal_arn(),
            account: caller.account.clone(),
            user_id: caller.user_id(),
            kind: caller.principal_type(),
            access_key_id: caller.access_key_id.clone(),
            tags: held.tags,
            session: caller.session.as_ref().map(|s| SessionInfo {
                issued_ms: s.issued_ms,
                expires: s.expires,
                mfa: s.mfa_at.is_some(),
                source_identity: s.source_identity.clone(),
            }),
        })
    }
}

/// An API Gateway-style resource ARN for a request:
/// `arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH` (the path without its leading
/// slash). `prefix` is everything up to the stage (`arn:aws:execute-api:us-east-1:123456789012:api/prod`).
pub fn execute_api_arn(prefix: &str, method: &str, path: &str) -> String {
    let path = path.trim_start_matches('/');
    format!("{}/{}/{}", prefix.trim_end_matches('/'), method, path)
}

enum SubjectKind<'a> {
    Root,
    User { path: &'a str, name: &'a str },
    Role { path: &'a str, name: &'a str },
}

/// The account and kind of a subject's ARN; anything but an IAM user, role or root ARN is
/// `InvalidInput`.
fn subject_arn(id: &str) -> Result<(&str, SubjectKind<'_>)> {
    let bad = || {
        ServiceError::InvalidInput(format!(
            "subject.id {id:?} is not the ARN of an IAM user, role or account root."
        ))
    };
    let arn = Arn::parse(id).ok_or_else(bad)?;
    if arn.service != "iam" || !crate::bootstrap::is_account_id(arn.account) {
        return Err(bad());
    }
    if arn.resource == "root" {
        return Ok((arn.account, SubjectKind::Root));
    }
    let r = arn.iam_resource().ok_or_else(bad)?;
    let kind = match r.kind {
        "user" => SubjectKind::User {
            path: r.path,
            name: r.name,
        },
        "role" => SubjectKind::Role {
            path: r.path,
            name: r.name,
        },
        _ => return Err(bad()),
    };
    Ok((arn.account, kind))
}

fn is_env_key(k: &str, name: &str) -> bool {
    k.eq_ignore_ascii_case(name)
}

fn single<'v>(k: &str, v: &'v ContextValue) -> Result<&'v str> {
    match v {
        ContextValue::Single(s) => Ok(s),
        ContextValue::Multi(_) => Err(ServiceError::InvalidInput(format!(
            "The context key {k} takes a single value."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_arns() {
        assert!(matches!(
            subject_arn("arn:aws:iam::123456789012:root"),
            Ok(("123456789012", SubjectKind::Root))
        ));
        assert!(matches!(
            subject_arn("arn:aws:iam::123456789012:user/div/alice"),
            Ok((
                "123456789012",
                SubjectKind::User {
                    path: "/div/",
                    name: "alice"
                }
            ))
        ));
        assert!(matches!(
            subject_arn("arn:aws:iam::123456789012:role/app"),
            Ok((_, SubjectKind::Role { path: "/", .. }))
        ));
        for bad in [
            "alice",
            "arn:aws:iam::123456789012:group/devs",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::12345:user/alice",
            "arn:aws:sts::123456789012:assumed-role/app/s",
        ] {
            assert!(subject_arn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn execute_api_arns() {
        assert_eq!(
            execute_api_arn(
                "arn:aws:execute-api:us-east-1:123456789012:api/prod",
                "GET",
                "/pets/1"
            ),
            "arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/pets/1"
        );
    }

    #[test]
    fn semantics_by_name() {
        assert_eq!(Semantic::parse("execute_all"), Some(Semantic::ExecuteAll));
        assert_eq!(
            Semantic::parse("deny_on_first_deny"),
            Some(Semantic::DenyOnFirstDeny)
        );
        assert_eq!(
            Semantic::parse("permit_on_first_permit"),
            Some(Semantic::PermitOnFirstPermit)
        );
        assert_eq!(Semantic::parse("all"), None);
    }
}

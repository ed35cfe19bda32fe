//! Last accessed information (IAM's access advisor): which services a user, group, role or
//! managed policy may use, and when they were last used — from what Rolegate records, the
//! audit trail's stored events.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_last-accessed.html>
//!
//! - **The services** are those the entity's identity policies allow some action of (AWS:
//!   "only applies permissions policy logic"): an `Allow` statement's `Action` pattern that can
//!   match something after `NAMESPACE:`, or a `NotAction` that does not exclude the whole
//!   namespace; conditions and resources are not read, Deny statements not subtracted,
//!   boundaries, SCPs and session policies not applied. A user's policies are its own and its
//!   groups'; a group's and a role's their own; a policy's its default version. Namespaces
//!   are those Rolegate knows ([`SERVICES`]).
//! - **Last accessed** comes from the audit trail of the entity's account (`audit-event`
//!   records, newest first): a user's own calls (and those of its GetSessionToken and
//!   GetFederationToken sessions); a role's, its sessions' calls; a group's, its members'
//!   calls; a policy's, the calls of the users and roles it is attached to (directly or
//!   through a group). Every recorded attempt counts, denied ones included, as in AWS. The scan
//!   reaches back [`TRACKING_DAYS`] (AWS's 400-day tracking period; events older than the
//!   trail's retention are gone already) and reads at most [`MAX_SCANNED`] events. With the
//!   audit trail off nothing is recorded, and a job completes with no `LastAuthenticated`.
//! - **Jobs** are computed when generated and stored (`access-report-job` records, both
//!   backends), so every node answers the reads. A job is read only by who generated it (the
//!   same user, or the same role through any of its sessions), and only in its account:
//!   anything else is `NoSuchEntity`. A job is kept [`JOB_TTL_SECONDS`] (seven days) and an
//!   account keeps at most [`JOBS_PER_ACCOUNT`]: past that, expired jobs make room, and
//!   without one a new report is `ReportGenerationLimitExceeded`.
//! - **Organizations access reports** (management account only) aggregate the events of the
//!   accounts under the entity path the same way, per service.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rolegate_policy::{
    Effect, Policy,
    document::{ActionPattern, ActionRule},
};
use rolegate_proto::dto::access_advisor::*;
use rolegate_store::record;
use serde_json::Value as Json;
use time::OffsetDateTime;

use crate::{
    Service,
    authorize::{HeldPolicy, Holder, PolicySource},
    caller::Identity,
    error::{Result, ServiceError},
    handler::{NamedResource, Needs, handlers},
    iam::{Ctx, arn, key_of, paginate, parse_arn},
};

handlers! {
    GenerateServiceLastAccessedDetailsInput => JobIdOutput: generate_service_last_accessed_details,
        needs |i, _| {
            let is_policy = parse_arn(&i.arn)
                .and_then(|a| a.iam_resource().map(|r| r.kind == "policy"))
                .unwrap_or(false);
            if is_policy {
                Needs::policy(&i.arn)
            } else {
                Needs::on(NamedResource::Principal(&i.arn))
            }
        };
    GetServiceLastAccessedDetailsInput => GetServiceLastAccessedDetailsOutput: get_service_last_accessed_details,
        needs |i, _| Needs::any();
    GetServiceLastAccessedDetailsWithEntitiesInput => GetServiceLastAccessedDetailsWithEntitiesOutput: get_service_last_accessed_details_with_entities,
        needs |i, _| Needs::any();
    ListPoliciesGrantingServiceAccessInput => ListPoliciesGrantingServiceAccessOutput: list_policies_granting_service_access,
        needs |i, _| Needs::on(NamedResource::Principal(&i.arn));
    GenerateOrganizationsAccessReportInput => JobIdOutput: generate_organizations_access_report,
        needs |i, _| {
            let n = Needs::on(NamedResource::AccessReport(&i.entity_path));
            match &i.organizations_policy_id {
                Some(p) => n.key("iam:OrganizationsPolicyId", p),
                None => n,
            }
        };
    GetOrganizationsAccessReportInput => GetOrganizationsAccessReportOutput: get_organizations_access_report,
        needs |i, _| Needs::any();
}

/// The services Rolegate knows, by namespace, with AWS's service names.
pub const SERVICES: &[(&str, &str)] = &[
    ("access-analyzer", "IAM Access Analyzer"),
    ("cloudtrail", "AWS CloudTrail"),
    ("execute-api", "Amazon API Gateway"),
    ("iam", "AWS Identity and Access Management"),
    ("organizations", "AWS Organizations"),
    ("rolegate", "Rolegate authorization API"),
    ("s3", "Amazon S3"),
    ("sts", "AWS Security Token Service"),
];

/// How far back the scan reaches: AWS's tracking period.
pub const TRACKING_DAYS: i64 = 400;
/// Events read by one report at most (newest first).
pub const MAX_SCANNED: usize = 200_000;

/// How long a generated report is kept, from its generation (AWS documents no period):
/// afterwards its job id is `NoSuchEntity`, and it is deleted when room is needed.
pub const JOB_TTL_SECONDS: i64 = 7 * 86_400;
/// Report jobs an account keeps at most (expired ones included until they are deleted).
pub const JOBS_PER_ACCOUNT: usize = 100;

/// Past this many watched principals, events are parsed rather than searched for their ids.
const NEEDLES: usize = 32;

/// `ORGANIZATIONS`: the job type of an Organizations access report.
const ORGANIZATIONS: &str = "ORGANIZATIONS";

fn no_job(id: &str) -> ServiceError {
    ServiceError::NoSuchEntity(format!("No report job with id {id} exists."))
}

fn service_name(ns: &str) -> String {
    SERVICES
        .iter()
        .find(|(n, _)| *n == ns)
        .map_or_else(|| ns.to_owned(), |(_, name)| (*name).to_owned())
}

fn at(ms: Option<i64>) -> Option<OffsetDateTime> {
    ms.and_then(|ms| OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok())
}

/// The namespace of an event's `eventSource`.
fn namespace_of(source: &str) -> Option<&str> {
    if source == crate::audit::data::DATA_EVENT_SOURCE {
        return Some("rolegate");
    }
    source.strip_suffix(".amazonaws.com")
}

/// Whether one action pattern can match some action of `ns`.
fn pattern_reaches(p: &ActionPattern, ns: &str) -> bool {
    p.0.matches_some_after(&format!("{ns}:"))
}

/// Whether a pattern covers every action of `ns` (`*`, `ns:*`, `n?:*`).
fn pattern_covers(p: &ActionPattern, ns: &str) -> bool {
    p.0.matches(&format!("{ns}:*")) && p.0.matches(&format!("{ns}:x"))
}

/// Whether the policy has an `Allow` statement for some action of `ns`.
pub fn allows_service(policy: &Policy, ns: &str) -> bool {
    policy.statements.iter().any(|st| {
        st.effect == Effect::Allow
            && match &st.action {
                ActionRule::Action(list) => list.iter().any(|p| pattern_reaches(p, ns)),
                ActionRule::NotAction(list) => !list.iter().any(|p| pattern_covers(p, ns)),
            }
    })
}

/// Whether the policy has an `Allow` statement for the action (`ns:name`, lowercased).
fn allows_action(policy: &Policy, action_lower: &str) -> bool {
    policy.statements.iter().any(|st| {
        st.effect == Effect::Allow
            && match &st.action {
                ActionRule::Action(list) => list.iter().any(|p| p.0.matches(action_lower)),
                ActionRule::NotAction(list) => !list.iter().any(|p| p.0.matches(action_lower)),
            }
    })
}

/// The actions of a namespace whose last access is tracked: the operations Rolegate serves.
fn tracked_actions(ns: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = rolegate_proto::Operation::ALL
        .iter()
        .filter(|r| r.service.signing_name() == ns)
        .map(|r| r.name)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// A user or role whose calls count.
#[derive(Debug, Clone)]
struct Watched {
    arn: String,
    name: String,
    entity_type: &'static str,
    id: String,
    path: String,
}

impl Watched {
    fn user(account: &str, u: &record::User) -> Self {
        Watched {
            arn: arn(account, "user", &u.path, &u.name),
            name: u.name.clone(),
            entity_type: "USER",
            id: u.id.clone(),
            path: u.path.clone(),
        }
    }
    fn role(account: &str, r: &record::Role) -> Self {
        Watched {
            arn: arn(account, "role", &r.path, &r.name),
            name: r.name.clone(),
            entity_type: "ROLE",
            id: r.id.clone(),
            path: r.path.clone(),
        }
    }
}

/// What a job is about: its policies and whose calls count.
struct Subject {
    policies: Vec<HeldPolicy>,
    watched: Vec<Watched>,
}

/// The unique id of the principal an event's caller is (or whose session it is).
fn principal_id(event: &Json) -> Option<&str> {
    let who = event.get("userIdentity")?;
    if who.get("type").and_then(Json::as_str) == Some("IAMUser") {
        return who.get("principalId").and_then(Json::as_str);
    }
    let issuer = who.get("sessionContext")?.get("sessionIssuer")?;
    match issuer.get("type").and_then(Json::as_str) {
        Some("Role" | "IAMUser") => issuer.get("principalId").and_then(Json::as_str),
        _ => None,
    }
}

/// The ARN an Organizations report counts an event's caller as (a session: its issuer).
fn principal_arn(event: &Json) -> Option<&str> {
    let who = event.get("userIdentity")?;
    who.get("sessionContext")
        .and_then(|s| s.get("sessionIssuer"))
        .and_then(|i| i.get("arn"))
        .or_else(|| who.get("arn"))
        .and_then(Json::as_str)
}

fn str_of<'a>(event: &'a Json, member: &str) -> Option<&'a str> {
    event.get(member).and_then(Json::as_str)
}

/// One access found in the trail.
#[derive(Debug, Clone, Default)]
struct Seen {
    last_ms: Option<i64>,
    entity: Option<String>,
    region: Option<String>,
}

impl Seen {
    /// Keeps the first (newest) access.
    fn note(&mut self, ms: i64, entity: &str, region: Option<&str>) {
        if self.last_ms.is_none() {
            self.last_ms = Some(ms);
            self.entity = Some(entity.to_owned());
            self.region = region.map(str::to_owned);
        }
    }
}

/// What the trail says about the watched principals, per namespace.
#[derive(Default)]
struct Usage {
    service: HashMap<String, Seen>,
    action: HashMap<(String, String), Seen>,
    /// (namespace, watched index) → newest access.
    entity: HashMap<(String, usize), i64>,
}

impl Service {
    /// The owner of the jobs a caller generates: the user, the role (any of its sessions), the
    /// root user, the federated user.
    fn job_owner(c: &Ctx<'_>) -> String {
        // The principal's unique id, not its name: a user or role deleted and created again
        // under the same name is someone else and does not inherit the jobs.
        match &c.caller.identity {
            Identity::AssumedRole { role_id, .. } => role_id.clone(),
            Identity::User { id, .. } => id.clone(),
            _ => c.caller.arn(),
        }
    }

    fn new_job_id() -> Result<String> {
        crate::ids::uuid()
    }

    /// Whether a job generated at `created_ms` has expired by `now_ms`.
    fn job_expired(created_ms: i64, now_ms: i64) -> bool {
        now_ms >= created_ms.saturating_add(JOB_TTL_SECONDS.saturating_mul(1000))
    }

    /// The account's stored jobs: keys and creation times (at most [`JOBS_PER_ACCOUNT`] + 1).
    async fn stored_jobs(&self, account: &str) -> Result<Vec<(String, i64)>> {
        self.store
            .list(
                account,
                record::kind::ACCESS_REPORT_JOB,
                None,
                JOBS_PER_ACCOUNT + 1,
            )
            .await?
            .into_iter()
            .map(|r| {
                let job: record::AccessReportJob = record::decode(&r.data)?;
                Ok((r.key, job.created_ms))
            })
            .collect()
    }

    fn too_many_jobs() -> ServiceError {
        ServiceError::ReportGenerationLimitExceeded(format!(
            "Cannot exceed quota for access report jobs per account: {JOBS_PER_ACCOUNT}. A report is kept for {} days after it is generated.",
            JOB_TTL_SECONDS / 86_400
        ))
    }

    /// Refuses to start a report the account has no room to keep (before any event is read):
    /// room is there when fewer than [`JOBS_PER_ACCOUNT`] jobs are stored or some expired.
    async fn check_job_room(&self, account: &str) -> Result<()> {
        let now_ms = self.now_time().unix_timestamp().saturating_mul(1000);
        let jobs = self.stored_jobs(account).await?;
        if jobs.len() >= JOBS_PER_ACCOUNT
            && !jobs.iter().any(|(_, at)| Self::job_expired(*at, now_ms))
        {
            return Err(Self::too_many_jobs());
        }
        Ok(())
    }

    /// Stores a job; when the account holds [`JOBS_PER_ACCOUNT`] already, its expired jobs
    /// are deleted in the same commit, and with none expired the job is refused
    /// (`ReportGenerationLimitExceeded`, nothing changed). The account record is written back
    /// unchanged in the commit, so concurrent generations conflict and count again: the cap
    /// holds under concurrency.
    async fn store_job(
        &self,
        account: &str,
        id: &str,
        job: &record::AccessReportJob,
    ) -> Result<()> {
        let now_ms = self.now_time().unix_timestamp().saturating_mul(1000);
        self.retry(|| async {
            let mut tx = self.tx();
            if let Some(a) = tx
                .get::<record::Account>(rolegate_store::GLOBAL, account)
                .await?
            {
                tx.put(rolegate_store::GLOBAL, account, &a)?;
            }
            if tx
                .get::<record::AccessReportJob>(account, id)
                .await?
                .is_some()
            {
                return Err(ServiceError::Internal("job id reused".into()));
            }
            let jobs = self.stored_jobs(account).await?;
            if jobs.len() >= JOBS_PER_ACCOUNT {
                let mut kept = jobs.len();
                for (key, at) in &jobs {
                    if Self::job_expired(*at, now_ms)
                        && tx
                            .get::<record::AccessReportJob>(account, key)
                            .await?
                            .is_some()
                    {
                        tx.delete::<record::AccessReportJob>(account, key)?;
                        kept -= 1;
                    }
                }
                if kept >= JOBS_PER_ACCOUNT {
                    return Err(Self::too_many_jobs());
                }
            }
            tx.put(account, id, job)?;
            tx.commit().await
        })
        .await
    }

    /// The caller's job of that kind, or `NoSuchEntity`.
    async fn load_job(
        &self,
        c: &Ctx<'_>,
        id: &str,
        organizations: bool,
    ) -> Result<record::AccessReportJob> {
        let job = self
            .tx()
            .get::<record::AccessReportJob>(c.account(), &id.to_ascii_lowercase())
            .await?
            .filter(|j| (j.job_type == ORGANIZATIONS) == organizations)
            .filter(|j| j.owner == Self::job_owner(c))
            .filter(|j| {
                !Self::job_expired(
                    j.created_ms,
                    self.now_time().unix_timestamp().saturating_mul(1000),
                )
            })
            .ok_or_else(|| no_job(id))?;
        Ok(job)
    }

    /// The stored user, group, role or policy an ARN names, with its policies and the
    /// principals whose calls count.
    async fn subject(&self, account: &str, given: &str, with_policy: bool) -> Result<Subject> {
        let invalid = || ServiceError::InvalidInput(format!("ARN {given} is not valid."));
        let a = parse_arn(given).ok_or_else(invalid)?;
        let r = a.iam_resource().ok_or_else(invalid)?;
        let takes =
            matches!(r.kind, "user" | "group" | "role") || (with_policy && r.kind == "policy");
        if !takes {
            return Err(invalid());
        }
        let missing = || ServiceError::NoSuchEntity(format!("The entity {given} cannot be found."));
        if r.kind == "policy" {
            let text = self
                .managed_document(account, given)
                .await?
                .ok_or_else(missing)?;
            let canonical = self.resolve_policy_arn(account, given)?.arn();
            let policy = self.parsed_policy(&text, rolegate_policy::PolicyKind::Identity)?;
            let mut watched = Vec::new();
            let all = Some(i64::MAX / 2);
            let uses = |attached: &[String]| attached.contains(&canonical);
            for u in self
                .list_records::<record::User>(account, None, all, |u| uses(&u.attached))
                .await?
                .items
            {
                watched.push(Watched::user(account, &u));
            }
            for r in self
                .list_records::<record::Role>(account, None, all, |r| uses(&r.attached))
                .await?
                .items
            {
                watched.push(Watched::role(account, &r));
            }
            for g in self
                .list_records::<record::Group>(account, None, all, |g| uses(&g.attached))
                .await?
                .items
            {
                for m in &g.members {
                    if let Some(u) = self.tx().get::<record::User>(account, &key_of(m)).await? {
                        watched.push(Watched::user(account, &u));
                    }
                }
            }
            watched.sort_by(|x, y| x.arn.cmp(&y.arn));
            watched.dedup_by(|x, y| x.arn == y.arn);
            return Ok(Subject {
                policies: vec![HeldPolicy {
                    holder: "policy",
                    holder_name: String::new(),
                    source: PolicySource::Managed(canonical),
                    text,
                    policy,
                }],
                watched,
            });
        }
        if a.account != account {
            return Err(missing());
        }
        let mut tx = self.tx();
        let (policies, watched) = match r.kind {
            "user" => {
                let u = tx
                    .get::<record::User>(account, &key_of(r.name))
                    .await?
                    .filter(|u| u.path == r.path)
                    .ok_or_else(missing)?;
                let held = self.principal_policies(account, Holder::User(&u)).await?;
                (held.identity, vec![Watched::user(account, &u)])
            }
            "role" => {
                let ro = tx
                    .get::<record::Role>(account, &key_of(r.name))
                    .await?
                    .filter(|ro| ro.path == r.path)
                    .ok_or_else(missing)?;
                let held = self.principal_policies(account, Holder::Role(&ro)).await?;
                (held.identity, vec![Watched::role(account, &ro)])
            }
            _ => {
                let g = tx
                    .get::<record::Group>(account, &key_of(r.name))
                    .await?
                    .filter(|g| g.path == r.path)
                    .ok_or_else(missing)?;
                let held = self.principal_policies(account, Holder::Group(&g)).await?;
                let mut members = Vec::new();
                for m in &g.members {
                    if let Some(u) = tx.get::<record::User>(account, &key_of(m)).await? {
                        members.push(Watched::user(account, &u));
                    }
                }
                (held.identity, members)
            }
        };
        // The password policy's grant is IAM's, not a policy anyone can list.
        let policies = policies
            .into_iter()
            .filter(|p| !matches!(p.source, PolicySource::PasswordPolicy))
            .collect();
        Ok(Subject { policies, watched })
    }

    /// Reads the account's trail, newest first, for the watched principals' calls.
    async fn usage(&self, account: &str, watched: &[Watched]) -> Result<Usage> {
        let mut usage = Usage::default();
        if watched.is_empty() {
            return Ok(usage);
        }
        let index: HashMap<&str, usize> = watched
            .iter()
            .enumerate()
            .map(|(i, w)| (w.id.as_str(), i))
            .collect();
        let now_ms = self.now_time().unix_timestamp().saturating_mul(1000);
        let oldest = now_ms.saturating_sub(TRACKING_DAYS * 86_400_000);
        self.visit_events(
            account,
            now_ms.saturating_add(60_000),
            oldest,
            MAX_SCANNED,
            |ms, data| {
                if watched.len() <= NEEDLES && !watched.iter().any(|w| data.contains(&w.id)) {
                    return;
                }
                let Ok(event) = serde_json::from_str::<Json>(data) else {
                    return;
                };
                let Some(who) = principal_id(&event).and_then(|id| index.get(id)) else {
                    return;
                };
                let Some(ns) = str_of(&event, "eventSource").and_then(namespace_of) else {
                    return;
                };
                let w = &watched[*who];
                let region = str_of(&event, "awsRegion");
                usage
                    .service
                    .entry(ns.to_owned())
                    .or_default()
                    .note(ms, &w.arn, region);
                if let Some(name) = str_of(&event, "eventName") {
                    usage
                        .action
                        .entry((ns.to_owned(), name.to_owned()))
                        .or_default()
                        .note(ms, &w.arn, region);
                }
                usage.entity.entry((ns.to_owned(), *who)).or_insert(ms);
            },
        )
        .await?;
        Ok(usage)
    }

    pub(crate) async fn generate_service_last_accessed_details(
        &self,
        c: &Ctx<'_>,
        i: GenerateServiceLastAccessedDetailsInput,
    ) -> Result<JobIdOutput> {
        let account = c.account();
        let created_ms = self.now_time().unix_timestamp().saturating_mul(1000);
        let subject = self.subject(account, &i.arn, true).await?;
        self.check_job_room(account).await?;
        let action_level = i.granularity.as_deref() == Some("ACTION_LEVEL");
        let usage = self.usage(account, &subject.watched).await?;
        let mut services = Vec::new();
        for (ns, _) in SERVICES {
            if !subject
                .policies
                .iter()
                .any(|p| allows_service(&p.policy, ns))
            {
                continue;
            }
            let seen = usage.service.get(*ns).cloned().unwrap_or_default();
            let entities: Vec<record::EntityAccess> = subject
                .watched
                .iter()
                .enumerate()
                .map(|(n, w)| record::EntityAccess {
                    arn: w.arn.clone(),
                    name: w.name.clone(),
                    entity_type: w.entity_type.to_owned(),
                    id: w.id.clone(),
                    path: w.path.clone(),
                    last_ms: usage.entity.get(&((*ns).to_owned(), n)).copied(),
                })
                .collect();
            let total = entities.iter().filter(|e| e.last_ms.is_some()).count();
            let actions = if action_level {
                tracked_actions(ns)
                    .into_iter()
                    .filter(|a| {
                        let lower = format!("{ns}:{a}").to_ascii_lowercase();
                        subject
                            .policies
                            .iter()
                            .any(|p| allows_action(&p.policy, &lower))
                    })
                    .map(|a| {
                        let s = usage
                            .action
                            .get(&((*ns).to_owned(), a.to_owned()))
                            .cloned()
                            .unwrap_or_default();
                        record::ActionAccess {
                            name: a.to_owned(),
                            last_ms: s.last_ms,
                            entity: s.entity,
                            region: s.region,
                        }
                    })
                    .collect()
            } else {
                Vec::new()
            };
            services.push(record::ServiceAccess {
                namespace: (*ns).to_owned(),
                name: service_name(ns),
                last_ms: seen.last_ms,
                entity: seen.entity,
                region: seen.region,
                total: i64::try_from(total).unwrap_or(i64::MAX),
                actions,
                entities,
            });
        }
        let job_type = if action_level {
            "ACTION_LEVEL"
        } else {
            "SERVICE_LEVEL"
        };
        self.completed_job(c, job_type, &i.arn, created_ms, services)
            .await
    }

    /// Stores a job computed when it was asked for (so it reads `COMPLETED` at once) and
    /// answers its id.
    async fn completed_job(
        &self,
        c: &Ctx<'_>,
        job_type: &str,
        subject: &str,
        created_ms: i64,
        services: Vec<record::ServiceAccess>,
    ) -> Result<JobIdOutput> {
        let id = Self::new_job_id()?;
        let job = record::AccessReportJob {
            job_type: job_type.to_owned(),
            owner: Self::job_owner(c),
            subject: subject.to_owned(),
            status: "COMPLETED".into(),
            created_ms,
            completed_ms: Some(self.now_time().unix_timestamp().saturating_mul(1000)),
            error: None,
            services,
        };
        self.store_job(c.account(), &id, &job).await?;
        Ok(JobIdOutput { job_id: Some(id) })
    }

    pub(crate) async fn get_service_last_accessed_details(
        &self,
        c: &Ctx<'_>,
        i: GetServiceLastAccessedDetailsInput,
    ) -> Result<GetServiceLastAccessedDetailsOutput> {
        let job = self.load_job(c, &i.job_id, false).await?;
        let action_level = job.job_type == "ACTION_LEVEL";
        let page = paginate(
            job.services,
            |s| s.namespace.clone(),
            i.marker.as_deref(),
            i.max_items,
        )?;
        Ok(GetServiceLastAccessedDetailsOutput {
            job_status: job.status,
            job_type: Some(job.job_type),
            job_creation_date: at(Some(job.created_ms)),
            services_last_accessed: page
                .items
                .into_iter()
                .map(|s| ServiceLastAccessed {
                    service_name: s.name,
                    last_authenticated: at(s.last_ms),
                    service_namespace: s.namespace,
                    last_authenticated_entity: s.entity,
                    last_authenticated_region: s.region,
                    total_authenticated_entities: Some(s.total),
                    tracked_actions_last_accessed: action_level.then(|| {
                        s.actions
                            .into_iter()
                            .map(|a| TrackedActionLastAccessed {
                                action_name: Some(a.name),
                                last_accessed_entity: a.entity,
                                last_accessed_time: at(a.last_ms),
                                last_accessed_region: a.region,
                            })
                            .collect()
                    }),
                })
                .collect(),
            job_completion_date: at(job.completed_ms),
            is_truncated: page.truncated,
            marker: page.marker,
            error: job
                .error
                .map(|(code, message)| ErrorDetails { message, code }),
        })
    }

    pub(crate) async fn get_service_last_accessed_details_with_entities(
        &self,
        c: &Ctx<'_>,
        i: GetServiceLastAccessedDetailsWithEntitiesInput,
    ) -> Result<GetServiceLastAccessedDetailsWithEntitiesOutput> {
        check_namespace(&i.service_namespace)?;
        let job = self.load_job(c, &i.job_id, false).await?;
        let entities = job
            .services
            .into_iter()
            .find(|s| s.namespace == i.service_namespace)
            .map(|s| s.entities)
            .unwrap_or_default();
        let page = paginate(
            entities,
            |e| e.arn.clone(),
            i.marker.as_deref(),
            i.max_items,
        )?;
        Ok(GetServiceLastAccessedDetailsWithEntitiesOutput {
            job_status: job.status,
            job_creation_date: at(Some(job.created_ms)),
            job_completion_date: at(job.completed_ms),
            entity_details_list: page
                .items
                .into_iter()
                .map(|e| EntityDetails {
                    entity_info: EntityInfo {
                        arn: e.arn,
                        name: e.name,
                        entity_type: e.entity_type,
                        id: e.id,
                        path: Some(e.path),
                    },
                    last_authenticated: at(e.last_ms),
                })
                .collect(),
            is_truncated: page.truncated,
            marker: page.marker,
            error: job
                .error
                .map(|(code, message)| ErrorDetails { message, code }),
        })
    }

    pub(crate) async fn list_policies_granting_service_access(
        &self,
        c: &Ctx<'_>,
        i: ListPoliciesGrantingServiceAccessInput,
    ) -> Result<ListPoliciesGrantingServiceAccessOutput> {
        crate::iam::decode_marker(i.marker.as_deref())?;
        for ns in &i.service_namespaces {
            check_namespace(ns)?;
        }
        let subject = self.subject(c.account(), &i.arn, false).await?;
        let mut out = Vec::new();
        for ns in &i.service_namespaces {
            let mut policies: Vec<PolicyGrantingServiceAccess> = Vec::new();
            for p in subject
                .policies
                .iter()
                .filter(|p| allows_service(&p.policy, ns))
            {
                let entry = match &p.source {
                    PolicySource::Inline(name) => PolicyGrantingServiceAccess {
                        policy_name: name.clone(),
                        policy_type: "INLINE".into(),
                        policy_arn: None,
                        entity_type: Some(p.holder.to_ascii_uppercase()),
                        entity_name: Some(p.holder_name.clone()),
                    },
                    PolicySource::Managed(a) => PolicyGrantingServiceAccess {
                        policy_name: a.rsplit('/').next().unwrap_or(a).to_owned(),
                        policy_type: "MANAGED".into(),
                        policy_arn: Some(a.clone()),
                        entity_type: None,
                        entity_name: None,
                    },
                    PolicySource::PasswordPolicy => continue,
                };
                if !policies.contains(&entry) {
                    policies.push(entry);
                }
            }
            out.push(ListPoliciesGrantingServiceAccessEntry {
                service_namespace: Some(ns.clone()),
                policies,
            });
        }
        Ok(ListPoliciesGrantingServiceAccessOutput {
            policies_granting_service_access: out,
            is_truncated: false,
            marker: None,
        })
    }

    pub(crate) async fn generate_organizations_access_report(
        &self,
        c: &Ctx<'_>,
        i: GenerateOrganizationsAccessReportInput,
    ) -> Result<JobIdOutput> {
        let account = c.account();
        // Empty segments (`o-x/r-y/`, `o-x//r-y`) are not another spelling of a path: the
        // decision was made on the path as written.
        if i.entity_path.split('/').any(str::is_empty) {
            return Err(ServiceError::InvalidInput(format!(
                "Invalid entity path: {}.",
                i.entity_path
            )));
        }
        let created_ms = self.now_time().unix_timestamp().saturating_mul(1000);
        let org = self.cached_organization().await?;
        let org = match org {
            Some(o) if o.management_account == account => o,
            Some(o) if o.accounts.contains_key(account) => {
                return Err(ServiceError::AccessDenied(
                    "Only the management account of the organization can generate an organizations access report.".into(),
                ));
            }
            _ => {
                return Err(crate::organizations::org_error(
                    crate::error::OrgError::NotInUse,
                    "Your account is not a member of an organization.",
                ));
            }
        };
        let path = i.entity_path.trim_end_matches('/');
        let invalid_path =
            || ServiceError::InvalidInput(format!("Invalid entity path: {}.", i.entity_path));
        if !valid_entity_path(&i.entity_path) {
            return Err(invalid_path());
        }
        self.check_job_room(account).await?;
        // The accounts under the path, each with its own path (`o-…/r-…/ou-…/ACCOUNT`).
        let mut accounts = Vec::new();
        let mut names_something = false;
        for id in o_accounts(&org) {
            let Some(facts) = crate::organizations::facts(&org, &id) else {
                continue;
            };
            let own = format!("{}{id}", facts.path);
            let parent = facts.path.trim_end_matches('/');
            // An OU on the way to the account names something even when it holds none.
            if format!("{parent}/").starts_with(&format!("{path}/")) || own == path {
                names_something = true;
            }
            if own == path || parent == path || parent.starts_with(&format!("{path}/")) {
                accounts.push((id, own));
            }
        }
        let root_path = format!("{}/{}", org.id, org.root.id);
        let unit = path
            .rsplit('/')
            .next()
            .is_some_and(|seg| org.units.contains_key(seg) && path.starts_with(&root_path));
        if !names_something && !unit && path != root_path {
            return Err(invalid_path());
        }
        let allowed: Vec<&str> = match &i.organizations_policy_id {
            Some(pid) => {
                let p = org
                    .policies
                    .get(pid)
                    .filter(|p| p.kind == "SERVICE_CONTROL_POLICY")
                    .ok_or_else(|| {
                        ServiceError::InvalidInput(format!(
                            "Invalid organizations policy id: {pid}."
                        ))
                    })?;
                let policy =
                    self.parsed_policy(&p.content, rolegate_policy::PolicyKind::Identity)?;
                SERVICES
                    .iter()
                    .map(|(ns, _)| *ns)
                    .filter(|ns| allows_service(&policy, ns))
                    .collect()
            }
            None => SERVICES.iter().map(|(ns, _)| *ns).collect(),
        };
        // Per namespace: the newest access, by which account, and who accessed it.
        let mut newest: BTreeMap<String, (i64, String, Option<String>)> = BTreeMap::new();
        let mut who: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let now_ms = created_ms;
        let oldest = now_ms.saturating_sub(TRACKING_DAYS * 86_400_000);
        let mut scanned = 0;
        for (id, own) in &accounts {
            // One bound for the whole report, shared by its accounts.
            scanned += self
                .visit_events(
                    id,
                    now_ms.saturating_add(60_000),
                    oldest,
                    MAX_SCANNED.saturating_sub(scanned),
                    |ms, data| {
                        let Ok(event) = serde_json::from_str::<Json>(data) else {
                            return;
                        };
                        // The account's own principals (not another account's calls into it).
                        let from_here = event
                            .get("userIdentity")
                            .and_then(|u| u.get("accountId"))
                            .and_then(Json::as_str)
                            == Some(id.as_str());
                        let (Some(ns), Some(principal)) = (
                            str_of(&event, "eventSource").and_then(namespace_of),
                            principal_arn(&event),
                        ) else {
                            return;
                        };
                        if !from_here || !allowed.contains(&ns) {
                            return;
                        }
                        who.entry(ns.to_owned())
                            .or_default()
                            .insert(principal.to_owned());
                        let e =
                            newest
                                .entry(ns.to_owned())
                                .or_insert((i64::MIN, String::new(), None));
                        if ms > e.0 {
                            *e = (
                                ms,
                                own.clone(),
                                str_of(&event, "awsRegion").map(str::to_owned),
                            );
                        }
                    },
                )
                .await?;
        }
        let services = allowed
            .iter()
            .map(|ns| {
                let seen = newest.get(*ns);
                record::ServiceAccess {
                    namespace: (*ns).to_owned(),
                    name: service_name(ns),
                    last_ms: seen.map(|s| s.0),
                    entity: seen.map(|s| s.1.clone()),
                    region: seen.and_then(|s| s.2.clone()),
                    total: who
                        .get(*ns)
                        .map_or(0, |w| i64::try_from(w.len()).unwrap_or(i64::MAX)),
                    actions: Vec::new(),
                    entities: Vec::new(),
                }
            })
            .collect();
        self.completed_job(c, ORGANIZATIONS, &i.entity_path, created_ms, services)
            .await
    }

    pub(crate) async fn get_organizations_access_report(
        &self,
        c: &Ctx<'_>,
        i: GetOrganizationsAccessReportInput,
    ) -> Result<GetOrganizationsAccessReportOutput> {
        let job = self.load_job(c, &i.job_id, true).await?;
        let accessible = i64::try_from(job.services.len()).unwrap_or(i64::MAX);
        let not_accessed =
            i64::try_from(job.services.iter().filter(|s| s.last_ms.is_none()).count())
                .unwrap_or(i64::MAX);
        let mut services = job.services;
        // The sort key orders the pages; the marker is the position in that order.
        let sort = i
            .sort_key
            .as_deref()
            .unwrap_or("SERVICE_NAMESPACE_ASCENDING");
        let mut keyed: Vec<(String, record::ServiceAccess)> = Vec::new();
        services.sort_by(|a, b| a.namespace.cmp(&b.namespace));
        match sort {
            "SERVICE_NAMESPACE_DESCENDING" => services.reverse(),
            "LAST_AUTHENTICATED_TIME_ASCENDING" => {
                services.sort_by_key(|s| s.last_ms.unwrap_or(i64::MIN));
            }
            "LAST_AUTHENTICATED_TIME_DESCENDING" => {
                services.sort_by_key(|s| std::cmp::Reverse(s.last_ms.unwrap_or(i64::MIN)));
            }
            _ => {}
        }
        for (n, s) in services.into_iter().enumerate() {
            keyed.push((format!("{n:06}"), s));
        }
        let page = paginate(keyed, |(k, _)| k.clone(), i.marker.as_deref(), i.max_items)?;
        Ok(GetOrganizationsAccessReportOutput {
            job_status: job.status,
            job_creation_date: at(Some(job.created_ms)),
            job_completion_date: at(job.completed_ms),
            number_of_services_accessible: Some(accessible),
            number_of_services_not_accessed: Some(not_accessed),
            access_details: Some(
                page.items
                    .into_iter()
                    .map(|(_, s)| AccessDetail {
                        service_name: s.name,
                        service_namespace: s.namespace,
                        region: s.region,
                        entity_path: s.entity,
                        last_authenticated_time: at(s.last_ms),
                        total_authenticated_entities: Some(s.total),
                    })
                    .collect(),
            ),
            is_truncated: page.truncated,
            marker: page.marker,
            error_details: job
                .error
                .map(|(code, message)| ErrorDetails { message, code }),
        })
    }
}

/// The organization's account ids.
fn o_accounts(o: &record::Organization) -> Vec<String> {
    o.accounts.keys().cloned().collect()
}

/// `serviceNamespaceType`'s pattern: `[\w-]*`.
fn check_namespace(ns: &str) -> Result<()> {
    if ns
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        Ok(())
    } else {
        Err(ServiceError::Validation(format!(
            "1 validation error detected: Value '{ns}' at 'serviceNamespace' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]*"
        )))
    }
}

/// `organizationsEntityPathType`: `^o-[0-9a-z]{10,32}\/r-[0-9a-z]{4,32}[0-9a-z-\/]*`.
fn valid_entity_path(p: &str) -> bool {
    let lower_alnum = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
    };
    let Some((o, rest)) = p.split_once('/') else {
        return false;
    };
    let Some(o) = o.strip_prefix("o-") else {
        return false;
    };
    if !(10..=32).contains(&o.len()) || !lower_alnum(o) {
        return false;
    }
    let Some(rest) = rest.strip_prefix("r-") else {
        return false;
    };
    let root_len = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
        .count();
    root_len >= 4
        && rest
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase() || c == '-' || c == '/')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(doc: &str) -> Policy {
        rolegate_policy::parse(doc, rolegate_policy::PolicyKind::Identity).expect("parses")
    }

    #[test]
    fn services_are_those_an_allow_statement_reaches() {
        let p = policy(
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":["s3:Get*","sts:AssumeRole"],"Resource":"*"},
                {"Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#,
        );
        assert!(allows_service(&p, "s3"));
        assert!(allows_service(&p, "sts"));
        assert!(!allows_service(&p, "iam"));
        let not = policy(
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#,
        );
        assert!(!allows_service(&not, "iam"));
        assert!(allows_service(&not, "s3"));
        assert!(allows_action(&p, "sts:assumerole"));
        assert!(!allows_action(&p, "sts:getcalleridentity"));
    }

    #[test]
    fn entity_paths_follow_the_model() {
        assert!(valid_entity_path("o-a1b2c3d4e5/r-f6g7"));
        assert!(valid_entity_path(
            "o-a1b2c3d4e5/r-f6g7/ou-f6g7-h8i9j0k1/123456789012"
        ));
        assert!(!valid_entity_path("o-a1b2/r-f6g7"));
        assert!(!valid_entity_path("o-a1b2c3d4e5/ou-f6g7"));
        assert!(!valid_entity_path("o-a1b2c3d4e5/r-F6G7"));
    }

    #[test]
    fn event_sources_name_namespaces() {
        assert_eq!(namespace_of("iam.amazonaws.com"), Some("iam"));
        assert_eq!(namespace_of("s3.amazonaws.com"), Some("s3"));
        assert_eq!(namespace_of("access.rolegate.dev"), Some("rolegate"));
        assert_eq!(namespace_of("example.com"), None);
    }
}

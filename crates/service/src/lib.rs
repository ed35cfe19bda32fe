//! IAM and STS semantics.
//!
//! Owns: what every operation means (entities, quotas, conflicts), who may call it (one
//! authorization entry point, [`Service::authorize`]), and credentials (access keys and their
//! secrets; sessions come next). Receives typed operations from the server and returns typed
//! outputs; knows no HTTP, no SQL and no socket.
//!
//! Never: picks a store backend, reads configuration files, formats the wire.

pub mod access;
pub mod audit;
pub mod authorize;
pub mod bootstrap;
pub mod cache;
pub mod caller;
pub mod clock;
mod error;
pub mod federation;
pub(crate) mod handler;
pub mod iam;
pub mod ids;
pub mod managed_policies;
pub mod organizations;
pub mod recorder;
pub mod session;
pub mod sts;
pub mod throttle;
pub mod tx;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock, atomic::AtomicI64},
    time::Duration,
};

pub use caller::{Caller, Identity, RequestEnv};
pub use error::{OrgError, Result, ServiceError, TrailError};
use rolegate_policy::{Policy, PolicyKind};
use rolegate_proto::{Field, Operation, Shape, Value};
use rolegate_sigv4::SecretKey;
use rolegate_store::{GLOBAL, LogPosition, Store, record};

use crate::{cache::Cache, clock::Clock, recorder::Recorder, tx::Tx};
pub use recorder::Record;

/// Settings the service needs.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// The management account id.
    pub account_id: String,
    /// The longest a cached record (an access key, a user, a role, a policy, the keyring…) is
    /// served before it is read from the store again: the bound on how long a change made on
    /// another node can go unseen here, whatever happens to the change log.
    pub max_staleness: Duration,
}

/// The default [`ServiceConfig::max_staleness`]: a revoked key or permission stops working on
/// every node within 2 seconds.
pub const DEFAULT_MAX_STALENESS: Duration = Duration::from_secs(2);

/// A successful result, protocol-neutral: nothing, or the output as a value of its shape.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// The output has no members.
    Empty,
    /// The output.
    Output {
        /// The output's shape.
        shape: &'static Shape,
        /// The output.
        value: Value,
    },
}

impl Reply {
    /// The reply of a typed output.
    pub fn output<T: Field>(v: T) -> Self {
        match v.into_value() {
            Some(value) => Reply::Output {
                shape: T::SHAPE,
                value,
            },
            None => Reply::Empty,
        }
    }

    /// The output's shape and value, if it has one.
    pub fn result(&self) -> Option<(&'static Shape, &Value)> {
        match self {
            Reply::Empty => None,
            Reply::Output { shape, value } => Some((shape, value)),
        }
    }
}

/// The credentials behind an access key id: the secret to verify the signature with, and who
/// the caller is once it verifies.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// The secret access key.
    pub secret: SecretKey,
    /// The caller.
    pub caller: Caller,
}

/// The service.
pub struct Service {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) cache: Cache,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: ServiceConfig,
    /// Parsed documents by kind, then by text (looked up by `&str`: no allocation per hit).
    parsed: Mutex<[HashMap<String, Arc<Policy>>; 4]>,
    /// How far this node has read the change log (`None` before the first read).
    log_position: Mutex<Option<LogPosition>>,
    /// When the keyring was last re-read for a token naming a key this node did not know
    /// (unix ms; see `session::keyring`).
    pub(crate) keyring_reloaded_ms: AtomicI64,
    /// Where every exchange is recorded (the audit trail), once installed.
    recorder: OnceLock<Arc<dyn Recorder>>,
    /// Where every exchange is stored as a CloudTrail event before its answer, when on.
    audit_trail: Option<audit::writer::TrailWriter>,
    /// Where each stored event is also written as one JSON line (standard output), when on.
    audit_stdout: Option<audit::stdout::StdoutShipper>,
    /// How many calls that failed unauthenticated are recorded ([`audit::anonymous`]).
    anonymous_events: audit::anonymous::AnonymousBudget,
    /// Where service control policies come from ([`Service::with_organizations`]).
    pub(crate) organizations: Arc<dyn authorize::Organizations>,
    /// How OpenID Connect issuers are trusted ([`Service::with_federation`]).
    pub(crate) federation: federation::FederationConfig,
    /// OpenID Connect issuers' keys.
    pub(crate) issuer_keys: federation::jwks::KeyCache,
    /// The budget of failed federation calls per client address ([`throttle::sources`]).
    federation_failures: throttle::sources::SourceBudget,
    /// SAML providers' private keys, parsed once.
    pub(crate) saml_keys: federation::saml_encryption::KeyCache,
}

/// Attempts at a read-modify-write before giving up with `ConcurrentModification`.
const MAX_ATTEMPTS: usize = 64;
/// Times a call is authorized again when the entity it acts on changed under it.
const MAX_REAUTHORIZATIONS: usize = 3;
/// Parsed documents kept before the parse cache starts over.
const MAX_PARSED: usize = 20_000;
/// Changes read from the log at most per [`Service::sync_changes`].
const SYNC_BATCH: usize = 10_000;

impl Service {
    /// A service over a store.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: ServiceConfig) -> Self {
        Self {
            store,
            cache: Cache::new(config.max_staleness),
            clock,
            config,
            parsed: Mutex::new(Default::default()),
            log_position: Mutex::new(None),
            keyring_reloaded_ms: AtomicI64::new(0),
            organizations: Arc::new(authorize::NoOrganizations),
            recorder: OnceLock::new(),
            audit_trail: None,
            audit_stdout: None,
            anonymous_events: audit::anonymous::AnonymousBudget::default(),
            federation: federation::FederationConfig::default(),
            issuer_keys: federation::jwks::KeyCache::new(Arc::new(federation::NoKeySource)),
            federation_failures: throttle::sources::SourceBudget::default(),
            saml_keys: federation::saml_encryption::KeyCache::default(),
        }
    }

    /// With these settings for federation, and where OpenID Connect issuers' keys are
    /// fetched from.
    #[must_use]
    pub fn with_federation(
        mut self,
        config: federation::FederationConfig,
        source: Arc<dyn federation::KeySource>,
    ) -> Self {
        self.federation_failures = throttle::sources::SourceBudget::new(config.failures_per_minute);
        self.federation = config;
        self.issuer_keys = federation::jwks::KeyCache::new(source);
        self
    }

    /// With the audit trail: every exchange stored as a CloudTrail event before its answer
    /// (see [`audit`]).
    #[must_use]
    pub fn with_audit_trail(mut self) -> Self {
        self.audit_trail = Some(audit::writer::TrailWriter::new(self.store.clone()));
        self
    }

    /// With every stored event also written to standard output as one JSON line, once it is
    /// durable (for a log shipper).
    #[must_use]
    pub fn with_audit_stdout(mut self) -> Self {
        self.audit_stdout = Some(audit::stdout::StdoutShipper::start());
        self
    }

    /// Installs where exchanges are recorded; only the first call takes effect (`false` after).
    pub fn set_recorder(&self, recorder: Arc<dyn Recorder>) -> bool {
        self.recorder.set(recorder).is_ok()
    }

    /// Whether exchanges are recorded (the edge keeps the redacted input only then).
    pub fn recording(&self) -> bool {
        self.audit_trail.is_some() || self.recorder.get().is_some()
    }

    /// The record step: stores one exchange's event in the audit trail (when on) and hands
    /// it to the installed recorder, if any. Returns once both have kept it; an error means
    /// the exchange is not recorded and the call must fail (`ServiceUnavailable`).
    pub async fn record(&self, record: Record<'_>) -> Result<()> {
        if let Some(trail) = &self.audit_trail
            && self.worth_recording(&record)
        {
            self.write_event(trail, &record).await?;
        }
        if let Some(r) = self.recorder.get() {
            r.record(&record).await?;
        }
        Ok(())
    }

    /// Whether the trail stores this exchange: always, unless it failed before anyone was
    /// authenticated and its sender is past [`audit::anonymous`]'s bound.
    fn worth_recording(&self, record: &Record<'_>) -> bool {
        if record.caller.is_some() || record.outcome.is_ok() {
            return true;
        }
        let (admit, skipped) = match record.claimed {
            // A bad signature on a real key: that key's own bound, not the node's, so
            // flooding the node with forgeries cannot hide attempts on a real key.
            Some(owner) => self
                .anonymous_events
                .admit_key(&owner.access_key_id, self.now()),
            None => self.anonymous_events.admit(record.source_ip, self.now()),
        };
        if let Some(skipped) = skipped {
            tracing::warn!(
                skipped,
                "calls that failed unauthenticated past the audit trail's bound were not recorded"
            );
        }
        admit
    }

    /// The store (for readiness checks).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The management account id.
    pub fn account_id(&self) -> &str {
        &self.config.account_id
    }

    pub(crate) fn now(&self) -> i64 {
        self.clock.now().unix_timestamp()
    }

    pub(crate) fn tx(&self) -> Tx<'_> {
        Tx::new(self)
    }

    /// Runs one attempt after another until it commits without losing a race.
    pub(crate) async fn retry<T, F, Fut>(&self, attempt: F) -> Result<T>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        for n in 0..MAX_ATTEMPTS {
            match attempt().await {
                Err(ServiceError::Retry) => {
                    let backoff = u64::try_from(n.min(10)).unwrap_or(10);
                    tokio::time::sleep(std::time::Duration::from_millis(backoff)).await;
                }
                other => return other,
            }
        }
        Err(ServiceError::concurrent_modification())
    }

    /// A parsed policy document, from the parse cache (keyed by content, so never stale).
    pub(crate) fn parsed_policy(&self, text: &str, kind: PolicyKind) -> Result<Arc<Policy>> {
        let slot = match kind {
            PolicyKind::Identity => 0,
            PolicyKind::Trust => 1,
            PolicyKind::Resource => 2,
            PolicyKind::Session => 3,
        };
        let lock = || {
            self.parsed
                .lock()
                .map_err(|_| ServiceError::Internal("parse cache".into()))
        };
        if let Some(p) = lock()?.get(slot).and_then(|m| m.get(text)) {
            return Ok(p.clone());
        }
        let policy = Arc::new(
            rolegate_policy::parse(text, kind)
                .map_err(|e| ServiceError::MalformedPolicyDocument(e.message().to_owned()))?,
        );
        let mut maps = lock()?;
        if let Some(map) = maps.get_mut(slot) {
            if map.len() >= MAX_PARSED {
                map.clear();
            }
            map.insert(text.to_owned(), policy.clone());
        }
        Ok(policy)
    }

    /// Looks up the credentials of an access key id. Unknown or inactive keys, a session
    /// token presented with a long-term key, and a temporary key whose token does not open or
    /// belongs to another key are `InvalidClientTokenId`; an expired session is `ExpiredToken`.
    pub async fn authenticate(
        &self,
        access_key_id: &str,
        session_token: Option<&str>,
    ) -> Result<Authenticated> {
        if access_key_id.starts_with(ids::prefix::TEMPORARY_KEY) {
            return self
                .authenticate_session(access_key_id, session_token.unwrap_or_default())
                .await;
        }
        if session_token.is_some() || !access_key_id.starts_with(ids::prefix::LONG_TERM_KEY) {
            return Err(ServiceError::InvalidClientTokenId);
        }
        let Some(key) = self
            .cache
            .get::<record::AccessKey>(&*self.store, GLOBAL, access_key_id)
            .await?
        else {
            return Err(ServiceError::InvalidClientTokenId);
        };
        if !key.active {
            return Err(ServiceError::InvalidClientTokenId);
        }
        let identity = match &key.owner {
            record::KeyOwner::Root => Identity::Root,
            record::KeyOwner::User { name, id } => {
                let user = self
                    .cache
                    .get::<record::User>(&*self.store, &key.account, &iam::key_of(name))
                    .await?;
                match user {
                    Some(u) if u.id == *id => Identity::User {
                        name: u.name.clone(),
                        id: u.id.clone(),
                        path: u.path.clone(),
                    },
                    _ => return Err(ServiceError::InvalidClientTokenId),
                }
            }
        };
        Ok(Authenticated {
            secret: SecretKey::new(key.secret.expose()),
            caller: Caller {
                account: key.account.clone(),
                identity,
                access_key_id: access_key_id.to_owned(),
                session: None,
            },
        })
    }

    /// Performs an operation called without a signature. Only operations the table marks
    /// unsigned run; their handlers never see a caller. Any other is
    /// `MissingAuthenticationToken`.
    pub async fn execute_unsigned(&self, op: Operation, env: &RequestEnv) -> Result<Reply> {
        self.federated(op, env).await
    }

    /// An unsigned operation (a federation call: its token or assertion is the credential),
    /// held to its client address's budget of failures ([`throttle::sources`]): refused with
    /// `Throttling` once the budget is spent, without a look at the token; a failure it
    /// caused is counted, in memory and, boundedly, in the store every node shares.
    async fn federated(&self, op: Operation, env: &RequestEnv) -> Result<Reply> {
        use throttle::sources::{self, SourceBudget};
        let source = SourceBudget::source(env.source_ip);
        let now_ms = i64::try_from(env.now.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
        if self.federation_failures.throttled(source, now_ms) {
            tracing::debug!(request_id = %env.request_id, %source, operation = op.name(), "federation call throttled");
            return Err(ServiceError::Throttling(sources::RATE_EXCEEDED.into()));
        }
        let result = self.dispatch_unsigned(op, env).await;
        if let Err(e) = &result
            && sources::counts(e)
            && let Some(flush) = self.federation_failures.failed(source, now_ms)
        {
            match sources::write(&*self.store, &flush, now_ms).await {
                Ok(stored) => self.federation_failures.flushed(&flush, stored),
                Err(error) => {
                    tracing::warn!(%error, %source, "counting failed federation calls in the store failed");
                    self.federation_failures.unflushed(&flush);
                }
            }
        }
        if result.as_ref().is_err_and(sources::counts)
            && self.federation_failures.throttled(source, now_ms)
        {
            // This failure spent the budget (the call was not throttled before it).
            tracing::warn!(request_id = %env.request_id, %source, "federation calls from this address are throttled: its budget of failures is spent");
        }
        result
    }

    /// Authorizes, then performs, one operation.
    pub async fn execute(&self, caller: &Caller, op: Operation, env: &RequestEnv) -> Result<Reply> {
        if !op.signed() {
            // An operation that may be called unsigned runs the same way when it is signed:
            // without a caller, and under the same budget of failures.
            return self.federated(op, env).await;
        }
        let c = iam::Ctx { caller, env };
        for _ in 0..MAX_REAUTHORIZATIONS {
            let acted_on = self.authorize(caller, &op, env).await?;
            if acted_on.is_empty() {
                // Nothing stored was resolved (STS calls, lists): nothing can change under it.
                return self.dispatch(&c, op).await;
            }
            match tx::ACTED_ON
                .scope(acted_on, self.dispatch(&c, op.clone()))
                .await
            {
                Err(ServiceError::Reauthorize) => {}
                other => return other,
            }
        }
        Err(ServiceError::concurrent_modification())
    }

    /// Applies changes other nodes committed: invalidates their cache entries. Call it
    /// periodically; the first call only records where the log stands. The store hands out
    /// changes so that going on from the last one read never skips a commit that lands later
    /// (see `rolegate_store::LogPosition`); the cache's age bound covers whatever the log is
    /// late with.
    pub async fn sync_changes(&self) -> Result<usize> {
        let read_to = *self.log_position()?;
        let Some(from) = read_to else {
            let start = self.store.last_change().await?;
            self.advance_log(start)?;
            self.cache.clear();
            return Ok(0);
        };
        let changes = self.store.changes_since(from, SYNC_BATCH).await?;
        for c in &changes {
            self.cache.invalidate(&c.scope, &c.kind, &c.key);
        }
        if let Some(last) = changes.last() {
            self.advance_log(last.position)?;
        }
        Ok(changes.len())
    }

    fn log_position(&self) -> Result<std::sync::MutexGuard<'_, Option<LogPosition>>> {
        self.log_position
            .lock()
            .map_err(|_| ServiceError::Internal("change-log position".into()))
    }

    /// Moves the read position forward (two concurrent reads both went at least this far).
    fn advance_log(&self, to: LogPosition) -> Result<()> {
        let mut at = self.log_position()?;
        *at = Some(at.map_or(to, |p| p.max(to)));
        Ok(())
    }

    /// Records, off the request's path, that a long-term access key signed a request for
    /// `service` (its signing name) in `region`: at most once an hour per key and service,
    /// decided from memory; the write runs in a task of its own, and a failure is only logged.
    /// Temporary keys are not recorded.
    pub fn record_key_use(self: &Arc<Self>, access_key_id: &str, service: &str, region: &str) {
        if !access_key_id.starts_with(ids::prefix::LONG_TERM_KEY)
            || !self.key_use_due(access_key_id, service)
        {
            return;
        }
        let svc = self.clone();
        let (key, service, region) = (
            access_key_id.to_owned(),
            service.to_owned(),
            region.to_owned(),
        );
        tokio::spawn(async move {
            if let Err(e) = svc.note_key_use(&key, &service, &region).await {
                tracing::warn!(error = %e, "could not record access key use");
            }
        });
    }

    /// Whether a key use is worth recording (answered from memory): the cached key was not
    /// used for `service` in the last hour, or is not cached.
    pub fn key_use_due(&self, access_key_id: &str, service: &str) -> bool {
        let now = self.now();
        match self.cache.peek::<record::AccessKey>(GLOBAL, access_key_id) {
            Some(Some(k)) => !k
                .last_used
                .as_ref()
                .is_some_and(|l| now - l.at < 3600 && l.service == service),
            _ => true,
        }
    }

    /// Records that a long-term key was used (at most once an hour per key and service).
    async fn note_key_use(&self, access_key_id: &str, service: &str, region: &str) -> Result<()> {
        let now = self.now();
        let Some(cached) = self
            .cache
            .get::<record::AccessKey>(&*self.store, GLOBAL, access_key_id)
            .await?
        else {
            return Ok(());
        };
        if cached
            .last_used
            .as_ref()
            .is_some_and(|l| now - l.at < 3600 && l.service == service)
        {
            return Ok(());
        }
        self.retry(|| async {
            let mut tx = self.tx();
            let Some(mut key) = tx.get::<record::AccessKey>(GLOBAL, access_key_id).await? else {
                return Ok(());
            };
            key.last_used = Some(record::LastUsed {
                at: now,
                service: service.to_owned(),
                region: region.to_owned(),
            });
            tx.put(GLOBAL, access_key_id, &key)?;
            tx.commit().await
        })
        .await
    }
}

impl Service {
    /// The service clock's "now".
    pub fn now_time(&self) -> time::OffsetDateTime {
        self.clock.now()
    }
}

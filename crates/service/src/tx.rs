//! Read-modify-write transactions over the store: reads record the version they saw, writes
//! carry it as a precondition, and a lost race is retried from the start by [`Service::retry`].
//!
//! [`Service::retry`]: crate::Service::retry

use rolegate_store::{Entity, Expect, Write, record};

use crate::{
    Service,
    authorize::ActedOn,
    error::{Result, ServiceError},
};

tokio::task_local! {
    /// The stored entities the running operation was authorized on (set by
    /// [`Service::execute`] around the handler).
    pub(crate) static ACTED_ON: Vec<ActedOn>;
}

/// Refuses to act on a record that is not the entity the operation was authorized on: one
/// created, deleted or re-created (another unique id) since authorization read it. The
/// authorization named that entity's stored ARN; acting on another would act under a decision
/// made about something else, so the call is authorized again (`Service::execute`).
fn check_acted_on(scope: &str, kind: &str, key: &str, data: Option<&str>) -> Result<()> {
    let mismatch = ACTED_ON
        .try_with(|facts| {
            facts
                .iter()
                .filter(|f| f.scope == scope && f.kind == kind && f.key == key)
                .any(|f| {
                    #[derive(serde::Deserialize)]
                    struct Id {
                        id: Option<String>,
                    }
                    let now = data.and_then(|d| serde_json::from_str::<Id>(d).ok()?.id);
                    now != f.id
                })
        })
        .unwrap_or(false);
    if mismatch {
        tracing::debug!(
            scope,
            kind,
            key,
            "entity changed between authorization and the handler"
        );
        return Err(ServiceError::Reauthorize);
    }
    Ok(())
}

/// (scope, kind, key) of a record.
type Address = (String, &'static str, String);

/// One attempt at an operation's writes.
pub struct Tx<'a> {
    svc: &'a Service,
    seen: Vec<(Address, Option<i64>)>,
    writes: Vec<Write>,
}

impl<'a> Tx<'a> {
    pub(crate) fn new(svc: &'a Service) -> Self {
        Self {
            svc,
            seen: Vec::new(),
            writes: Vec::new(),
        }
    }

    fn seen_version(&self, scope: &str, kind: &str, key: &str) -> Option<Option<i64>> {
        self.seen
            .iter()
            .find(|((s, k, kk), _)| s == scope && *k == kind && kk == key)
            .map(|(_, v)| *v)
    }

    /// Reads a record from the store (not the cache) and remembers its version.
    pub async fn get<T: Entity>(&mut self, scope: &str, key: &str) -> Result<Option<T>> {
        let record = self.svc.store.get(scope, T::KIND, key).await?;
        if let Err(e) = check_acted_on(
            scope,
            T::KIND,
            key,
            record.as_ref().map(|r| r.data.as_str()),
        ) {
            // Authorization read an older entity than the store holds now, perhaps from the
            // cache before the commit that changed it invalidated the entry: drop the entry so
            // the next authorization reads the store instead of deciding on the same old
            // entity again (and running out of re-authorizations on a busy machine).
            self.svc.cache.invalidate(scope, T::KIND, key);
            return Err(e);
        }
        let version = record.as_ref().map(|r| r.version);
        if self.seen_version(scope, T::KIND, key).is_none() {
            self.seen
                .push(((scope.to_owned(), T::KIND, key.to_owned()), version));
        }
        record
            .map(|r| record::decode::<T>(&r.data).map_err(ServiceError::from))
            .transpose()
    }

    /// Creates (if this transaction saw no record there) or replaces a record.
    pub fn put<T: Entity>(&mut self, scope: &str, key: &str, value: &T) -> Result<()> {
        let expect = match self.seen_version(scope, T::KIND, key) {
            Some(Some(v)) => Expect::Version(v),
            _ => Expect::Absent,
        };
        let data = record::encode(value)?;
        self.writes.retain(|w| w.address() != (scope, T::KIND, key));
        self.writes.push(Write::Put {
            scope: scope.to_owned(),
            kind: T::KIND.to_owned(),
            key: key.to_owned(),
            expect,
            data,
        });
        Ok(())
    }

    /// Deletes a record this transaction has read.
    pub fn delete<T: Entity>(&mut self, scope: &str, key: &str) -> Result<()> {
        let Some(Some(version)) = self.seen_version(scope, T::KIND, key) else {
            return Err(ServiceError::Internal(format!(
                "delete of unread {} record",
                T::KIND
            )));
        };
        self.writes.retain(|w| w.address() != (scope, T::KIND, key));
        self.writes.push(Write::Delete {
            scope: scope.to_owned(),
            kind: T::KIND.to_owned(),
            key: key.to_owned(),
            version,
        });
        Ok(())
    }

    /// Commits every write atomically; a lost race becomes [`ServiceError::Retry`].
    pub async fn commit(self) -> Result<()> {
        if self.writes.is_empty() {
            return Ok(());
        }
        let result = self.svc.store.commit(&self.writes).await;
        for w in &self.writes {
            let (scope, kind, key) = w.address();
            self.svc.cache.invalidate(scope, kind, key);
        }
        result.map_err(ServiceError::from)
    }
}

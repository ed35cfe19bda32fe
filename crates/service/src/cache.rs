//! A read-through cache of decoded records for the hot path (authentication and authorization
//! data), invalidated on every local commit and, for changes made by other nodes, from the
//! store's change log.
//!
//! INVARIANT: a reader inserts only if no invalidation happened since it began reading (the
//! generation counter), so a stale read can never overwrite a newer invalidation.
//!
//! INVARIANT: no entry is served once it is older than the cache's maximum age (counted from
//! before the store read that filled it, on the monotonic clock): it is read again, and when
//! the store cannot be read the caller gets the error, never the old entry. The change log
//! makes changes arrive sooner; this bound holds without it (a missed or delayed
//! notification, a node cut off from the database).

use std::{
    any::Any,
    collections::HashMap,
    sync::{
        Arc, RwLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use rolegate_store::{Entity, Store, record};

use crate::error::{Result, ServiceError};

type Address = String;

fn address(scope: &str, kind: &str, key: &str) -> Address {
    format!("{scope}\u{0}{kind}\u{0}{key}")
}
type Slot = Option<Arc<dyn Any + Send + Sync>>;

/// A cached record (or its absence) and when the read that produced it began.
struct Entry {
    read_at: Instant,
    slot: Slot,
}

/// The cache. Negative results (absent records) are cached too.
pub struct Cache {
    map: RwLock<HashMap<Address, Entry>>,
    generation: AtomicU64,
    max_age: Duration,
}

/// Entries kept at most; past this the cache starts over (entries are cheap to reload).
const MAX_ENTRIES: usize = 200_000;

impl Cache {
    /// An empty cache whose entries are served for at most `max_age`.
    pub fn new(max_age: Duration) -> Self {
        Self {
            map: RwLock::default(),
            generation: AtomicU64::new(0),
            max_age,
        }
    }

    fn fresh(&self, entry: &Entry) -> bool {
        entry.read_at.elapsed() < self.max_age
    }

    /// A record, from memory while its entry is younger than the maximum age, else from the
    /// store.
    pub async fn get<T: Entity>(
        &self,
        store: &dyn Store,
        scope: &str,
        key: &str,
    ) -> Result<Option<Arc<T>>> {
        let address = address(scope, T::KIND, key);
        if let Some(entry) = self.map.read().map_err(poisoned)?.get(&address)
            && self.fresh(entry)
        {
            return Ok(match &entry.slot {
                Some(v) => Some(
                    v.clone()
                        .downcast::<T>()
                        .map_err(|_| ServiceError::Internal("cache type".into()))?,
                ),
                None => None,
            });
        }
        let generation = self.generation.load(Ordering::Acquire);
        let read_at = Instant::now();
        let value = match store.get(scope, T::KIND, key).await? {
            Some(r) => Some(Arc::new(record::decode::<T>(&r.data)?)),
            None => None,
        };
        let mut map = self.map.write().map_err(poisoned)?;
        if self.generation.load(Ordering::Acquire) == generation {
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            map.insert(
                address,
                Entry {
                    read_at,
                    slot: value.clone().map(|v| v as Arc<dyn Any + Send + Sync>),
                },
            );
        }
        Ok(value)
    }

    /// A record if it is in memory and fresh, without loading it: `None` when not cached.
    pub fn peek<T: Entity>(&self, scope: &str, key: &str) -> Option<Option<Arc<T>>> {
        let map = self.map.read().ok()?;
        let entry = map.get(&address(scope, T::KIND, key))?;
        if !self.fresh(entry) {
            return None;
        }
        match &entry.slot {
            Some(v) => Some(v.clone().downcast::<T>().ok()),
            None => Some(None),
        }
    }

    /// Forgets one record.
    pub fn invalidate(&self, scope: &str, kind: &str, key: &str) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut map) = self.map.write() {
            map.remove(&address(scope, kind, key));
        }
    }

    /// Forgets everything.
    pub fn clear(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut map) = self.map.write() {
            map.clear();
        }
    }
}

fn poisoned<E>(_: E) -> ServiceError {
    ServiceError::Internal("cache lock poisoned".into())
}

#[cfg(test)]
mod tests {
    //! The age bound against a store that counts its reads and can be taken down.

    use std::sync::atomic::{AtomicBool, AtomicUsize};

    use rolegate_store::{Change, LogPosition, Record, StoreError, Write};

    use super::*;

    #[derive(Default)]
    struct CountingStore {
        reads: AtomicUsize,
        down: AtomicBool,
    }

    #[async_trait::async_trait]
    impl Store for CountingStore {
        async fn get(
            &self,
            scope: &str,
            kind: &str,
            key: &str,
        ) -> std::result::Result<Option<Record>, StoreError> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            if self.down.load(Ordering::SeqCst) {
                return Err(StoreError::Unavailable("down".into()));
            }
            Ok(Some(Record {
                scope: scope.into(),
                kind: kind.into(),
                key: key.into(),
                version: 1,
                data: record::encode(&record::Keyring::default())?,
            }))
        }
        async fn list(
            &self,
            _: &str,
            _: &str,
            _: Option<&str>,
            _: usize,
        ) -> std::result::Result<Vec<Record>, StoreError> {
            Ok(Vec::new())
        }
        async fn list_appended(
            &self,
            _: &str,
            _: &str,
            _: Option<&str>,
            _: usize,
        ) -> std::result::Result<Vec<Record>, StoreError> {
            Ok(Vec::new())
        }
        async fn scan_appended(
            &self,
            _: &str,
            _: &str,
            _: Option<&str>,
            _: &str,
            _: usize,
        ) -> std::result::Result<rolegate_store::Scanned, StoreError> {
            Ok(rolegate_store::Scanned {
                found: Vec::new(),
                examined: 0,
                last: None,
            })
        }
        async fn commit(&self, _: &[Write]) -> std::result::Result<(), StoreError> {
            Ok(())
        }
        async fn changes_since(
            &self,
            _: LogPosition,
            _: usize,
        ) -> std::result::Result<Vec<Change>, StoreError> {
            Ok(Vec::new())
        }
        async fn last_change(&self) -> std::result::Result<LogPosition, StoreError> {
            Ok(LogPosition::START)
        }
        async fn prune_changes(&self, _: i64) -> std::result::Result<u64, StoreError> {
            Ok(0)
        }
        async fn delete_after(
            &self,
            _: &str,
            _: &str,
            _: &str,
        ) -> std::result::Result<u64, StoreError> {
            Ok(0)
        }
        async fn delete_appended_after(
            &self,
            _: &str,
            _: &str,
            _: &str,
        ) -> std::result::Result<u64, StoreError> {
            Ok(0)
        }
        async fn ping(&self) -> std::result::Result<(), StoreError> {
            Ok(())
        }
        fn backend(&self) -> &'static str {
            "counting"
        }
    }

    async fn read(cache: &Cache, store: &CountingStore) -> Result<Option<Arc<record::Keyring>>> {
        cache.get::<record::Keyring>(store, "", "k").await
    }

    #[tokio::test]
    async fn a_fresh_entry_is_served_from_memory() {
        let (cache, store) = (
            Cache::new(Duration::from_secs(3600)),
            CountingStore::default(),
        );
        for _ in 0..100 {
            assert!(read(&cache, &store).await.expect("read").is_some());
        }
        assert_eq!(store.reads.load(Ordering::SeqCst), 1, "one store read");
        assert!(cache.peek::<record::Keyring>("", "k").is_some());
        store.down.store(true, Ordering::SeqCst);
        assert!(read(&cache, &store).await.is_ok(), "within the bound");
    }

    #[tokio::test]
    async fn an_entry_past_the_bound_is_read_again_and_never_served_when_the_store_fails() {
        let (cache, store) = (Cache::new(Duration::ZERO), CountingStore::default());
        assert!(read(&cache, &store).await.expect("read").is_some());
        assert!(read(&cache, &store).await.expect("read").is_some());
        assert_eq!(store.reads.load(Ordering::SeqCst), 2, "read again");
        assert!(
            cache.peek::<record::Keyring>("", "k").is_none(),
            "not peeked"
        );
        store.down.store(true, Ordering::SeqCst);
        assert!(
            matches!(
                read(&cache, &store).await,
                Err(ServiceError::Unavailable(_))
            ),
            "the store's failure, not the old entry"
        );
    }
}

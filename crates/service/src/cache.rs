//! A read-through cache of decoded records for the hot path (authentication and authorization
//! data), invalidated on every local commit and, for changes made by other nodes, from the
//! store's change log.
//!
//! INVARIANT: a reader inserts only if no invalidation happened since it began reading (the
//! generation counter), so a stale read can never overwrite a newer invalidation.

use std::{
    any::Any,
    collections::HashMap,
    sync::{
        Arc, RwLock,
        atomic::{AtomicU64, Ordering},
    },
};

use rolegate_store::{Entity, Store, record};

use crate::error::{Result, ServiceError};

type Address = String;

fn address(scope: &str, kind: &str, key: &str) -> Address {
    format!("{scope}\u{0}{kind}\u{0}{key}")
}
type Slot = Option<Arc<dyn Any + Send + Sync>>;

/// The cache. Negative results (absent records) are cached too.
#[derive(Default)]
pub struct Cache {
    map: RwLock<HashMap<Address, Slot>>,
    generation: AtomicU64,
}

/// Entries kept at most; past this the cache starts over (entries are cheap to reload).
const MAX_ENTRIES: usize = 200_000;

impl Cache {
    /// A record, from memory or the store.
    pub async fn get<T: Entity>(
        &self,
        store: &dyn Store,
        scope: &str,
        key: &str,
    ) -> Result<Option<Arc<T>>> {
        let address = address(scope, T::KIND, key);
        if let Some(slot) = self.map.read().map_err(poisoned)?.get(&address) {
            return Ok(match slot {
                Some(v) => Some(
                    v.clone()
                        .downcast::<T>()
                        .map_err(|_| ServiceError::Internal("cache type".into()))?,
                ),
                None => None,
            });
        }
        let generation = self.generation.load(Ordering::Acquire);
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
                value.clone().map(|v| v as Arc<dyn Any + Send + Sync>),
            );
        }
        Ok(value)
    }

    /// A record if it is in memory, without loading it: `None` when not cached.
    pub fn peek<T: Entity>(&self, scope: &str, key: &str) -> Option<Option<Arc<T>>> {
        let map = self.map.read().ok()?;
        match map.get(&address(scope, T::KIND, key))? {
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

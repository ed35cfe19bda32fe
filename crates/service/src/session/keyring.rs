//! The keyring that seals session tokens, kept in the store so every node opens every token.
//!
//! The newest unretired key seals. Rotation retires it and adds a new one; a retired key keeps
//! opening tokens for [`RETIRED_KEY_GRACE`] (the longest a session can live, plus a chained
//! hour), then it is dropped and its tokens stop working.
//!
//! Right after a rotation another node may seal with a key this node has not read yet (its
//! change-log poll is up to a second behind, its cached keyring up to the cache's age
//! bound): a token naming a key id newer than any this
//! node knows makes it re-read the keyring from the store, at most once per
//! [`RELOAD_EVERY_MS`], so forged key ids cannot turn every request into a store read.

use std::sync::atomic::Ordering;

use base64::Engine;
use rolegate_store::{Entity as _, GLOBAL, record};
use zeroize::Zeroizing;

use crate::{
    Service,
    error::{Result, ServiceError},
    ids,
    session::{SealingKey, TokenError},
};

/// How long a retired key keeps opening tokens: 36 h (GetSessionToken's maximum) + 1 h.
pub const RETIRED_KEY_GRACE: i64 = 129_600 + 3_600;
/// The least time between two re-reads of the keyring for an unknown, newer key id.
pub const RELOAD_EVERY_MS: i64 = 100;

fn decode_material(m: &str) -> Result<Zeroizing<[u8; 32]>> {
    let raw = Zeroizing::new(
        base64::engine::general_purpose::STANDARD
            .decode(m)
            .map_err(|_| ServiceError::Internal("keyring material is not base64".into()))?,
    );
    let mut k = Zeroizing::new([0u8; 32]);
    if raw.len() != 32 {
        return Err(ServiceError::Internal("keyring key is not 32 bytes".into()));
    }
    k.copy_from_slice(&raw);
    Ok(k)
}

fn new_key(id: u32, now: i64) -> Result<record::SessionKey> {
    let mut k = Zeroizing::new([0u8; 32]);
    ids::random_bytes(k.as_mut())?;
    Ok(record::SessionKey {
        id,
        material: rolegate_store::Secret::new(
            base64::engine::general_purpose::STANDARD.encode(k.as_ref()),
        ),
        created: now,
        retired: None,
    })
}

impl Service {
    /// Creates the keyring if there is none. Idempotent; safe when several nodes start at once.
    pub async fn ensure_keyring(&self) -> Result<()> {
        let now = self.now();
        self.retry(|| async {
            let mut tx = self.tx();
            if tx
                .get::<record::Keyring>(GLOBAL, record::KEYRING_KEY)
                .await?
                .is_some()
            {
                return Ok(());
            }
            let ring = record::Keyring {
                keys: vec![new_key(1, now)?],
            };
            tx.put(GLOBAL, record::KEYRING_KEY, &ring)?;
            tx.commit().await
        })
        .await
    }

    /// Retires the sealing key, adds a new one, and drops keys past their grace period.
    /// Returns the new key's id.
    pub async fn rotate_keyring(&self) -> Result<u32> {
        let now = self.now();
        self.retry(|| async {
            let mut tx = self.tx();
            let mut ring = tx
                .get::<record::Keyring>(GLOBAL, record::KEYRING_KEY)
                .await?
                .unwrap_or_default();
            for k in &mut ring.keys {
                k.retired.get_or_insert(now);
            }
            ring.keys
                .retain(|k| k.retired.is_none_or(|r| r + RETIRED_KEY_GRACE > now));
            let id = ring.keys.iter().map(|k| k.id).max().unwrap_or(0) + 1;
            ring.keys.push(new_key(id, now)?);
            tx.put(GLOBAL, record::KEYRING_KEY, &ring)?;
            tx.commit().await?;
            Ok(id)
        })
        .await
    }

    /// `rolegate rotate-session-key`: creates the keyring if there is none, then rotates it.
    /// Returns the new sealing key's id.
    pub async fn rotate_session_key(&self) -> Result<u32> {
        self.ensure_keyring().await?;
        self.rotate_keyring().await
    }

    async fn keyring(&self) -> Result<std::sync::Arc<record::Keyring>> {
        self.cache
            .get::<record::Keyring>(&*self.store, GLOBAL, record::KEYRING_KEY)
            .await?
            .ok_or_else(|| ServiceError::Unavailable("the session keyring is missing".into()))
    }

    /// The key that seals new tokens.
    pub(crate) async fn sealing_key(&self) -> Result<SealingKey> {
        let ring = self.keyring().await?;
        let k = ring
            .keys
            .iter()
            .rev()
            .find(|k| k.retired.is_none())
            .ok_or_else(|| {
                ServiceError::Unavailable("the session keyring has no active key".into())
            })?;
        Ok(SealingKey {
            id: k.id,
            key: decode_material(k.material.expose())?,
        })
    }

    /// What opens tokens now: only the key a token names is decoded.
    pub(crate) async fn opener(&self) -> Result<Opener> {
        Ok(Opener {
            ring: self.keyring().await?,
            now: self.now(),
        })
    }

    /// Opens what `open` opens with the keyring, re-reading the keyring once when the token
    /// names a key newer than this node knows (see the module docs).
    pub(crate) async fn open_with_keyring<T>(
        &self,
        open: impl Fn(&Opener, &mut Option<u32>) -> std::result::Result<T, TokenError>,
    ) -> Result<std::result::Result<T, TokenError>> {
        let keys = self.opener().await?;
        let mut named = None;
        let first = open(&keys, &mut named);
        let newer = named.is_some_and(|id| keys.ring.keys.iter().all(|k| k.id < id));
        if !matches!(first, Err(TokenError::UnknownKey)) || !newer {
            return Ok(first);
        }
        let now_ms =
            i64::try_from(self.clock.now().unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
        let last = self.keyring_reloaded_ms.load(Ordering::Acquire);
        if now_ms - last < RELOAD_EVERY_MS
            || self
                .keyring_reloaded_ms
                .compare_exchange(last, now_ms, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
        {
            return Ok(first);
        }
        self.cache
            .invalidate(GLOBAL, record::Keyring::KIND, record::KEYRING_KEY);
        let keys = self.opener().await?;
        Ok(open(&keys, &mut named))
    }
}

/// The keyring as it stood when a request began, for opening tokens.
pub(crate) struct Opener {
    ring: std::sync::Arc<record::Keyring>,
    now: i64,
}

impl Opener {
    /// The key with this id, unless it is unknown or past its grace period; records the id
    /// the token named in `named`.
    pub(crate) fn key_noting(
        &self,
        id: u32,
        named: &mut Option<u32>,
    ) -> Option<Zeroizing<[u8; 32]>> {
        *named = Some(id);
        self.key(id)
    }

    /// The key with this id, unless it is unknown or past its grace period.
    fn key(&self, id: u32) -> Option<Zeroizing<[u8; 32]>> {
        self.ring
            .keys
            .iter()
            .find(|k| k.id == id)
            .filter(|k| k.retired.is_none_or(|r| r + RETIRED_KEY_GRACE > self.now))
            .and_then(|k| decode_material(k.material.expose()).ok())
    }
}

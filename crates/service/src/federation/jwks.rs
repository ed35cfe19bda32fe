//! Issuers' signing keys: discovered through `/.well-known/openid-configuration` and its
//! `jwks_uri`, cached for their lifetime (`Cache-Control: max-age`, capped), fetched again
//! when a token names a `kid` the cache lacks — at most once per
//! [`FederationConfig::refetch_interval`] per issuer, so forged `kid`s cannot make Rolegate
//! hammer the IdP. A failed fetch is not retried for [`FAILURE_BACKOFF`]. Fail closed: keys
//! past their lifetime are never used when the IdP cannot be reached.
//!
//! <https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig>
//!
//! [`FederationConfig::refetch_interval`]: super::FederationConfig::refetch_interval

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::Value;

use super::{KeySource, jwt::PublicKey};

/// How long a failed fetch stops further attempts for an issuer.
pub const FAILURE_BACKOFF: Duration = Duration::from_secs(5);

/// Why no keys could be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeysError {
    /// The IdP could not be reached or answered something unusable
    /// (`IDPCommunicationError`).
    Communication(String),
    /// The cache was refreshed too recently to fetch again for an unknown `kid`.
    RateLimited,
}

#[derive(Debug)]
struct Entry {
    keys: Arc<Vec<PublicKey>>,
    /// When the keys stop being used.
    expires: Instant,
    /// The last fetch attempt and whether it failed.
    attempted: Instant,
    failed: bool,
}

/// The per-issuer key cache.
pub struct KeyCache {
    source: Arc<dyn KeySource>,
    entries: Mutex<HashMap<String, Entry>>,
    /// One fetch at a time per issuer: concurrent misses wait for the same fetch.
    fetching: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyCache").finish_non_exhaustive()
    }
}

impl KeyCache {
    /// A cache over a key source.
    pub fn new(source: Arc<dyn KeySource>) -> Self {
        Self {
            source,
            entries: Mutex::new(HashMap::new()),
            fetching: Mutex::new(HashMap::new()),
        }
    }

    fn cached(&self, issuer: &str) -> Option<(Arc<Vec<PublicKey>>, bool, Instant, bool)> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(issuer).map(|e| {
            (
                e.keys.clone(),
                Instant::now() < e.expires,
                e.attempted,
                e.failed,
            )
        })
    }

    /// The issuer's keys; `wanted` says whether a set lacks what the token needs (then a
    /// fresh set is fetched, rate-limited).
    pub async fn keys(
        &self,
        issuer: &str,
        allow_http: bool,
        config: &super::FederationConfig,
        wanted: impl Fn(&[PublicKey]) -> bool,
    ) -> Result<Arc<Vec<PublicKey>>, KeysError> {
        self.keys_of(issuer, "", allow_http, config, wanted).await
    }

    /// [`Self::keys`], cached for one `generation` of the issuer's provider (its stored id):
    /// a provider deleted and created again — what an administrator does after a key leaked —
    /// starts from a fresh fetch on every node, never from keys cached for the old one.
    pub async fn keys_of(
        &self,
        issuer: &str,
        generation: &str,
        allow_http: bool,
        config: &super::FederationConfig,
        wanted: impl Fn(&[PublicKey]) -> bool,
    ) -> Result<Arc<Vec<PublicKey>>, KeysError> {
        let slot = format!("{generation}\n{issuer}");
        let slot = slot.as_str();
        if let Some((keys, fresh, _, _)) = self.cached(slot)
            && fresh
            && wanted(&keys)
        {
            return Ok(keys);
        }
        let lock = {
            let mut f = self.fetching.lock().unwrap_or_else(|e| e.into_inner());
            f.entry(slot.to_owned()).or_default().clone()
        };
        let _guard = lock.lock().await;
        // Another request may have fetched meanwhile.
        if let Some((keys, fresh, attempted, failed)) = self.cached(slot) {
            let since = attempted.elapsed();
            if fresh && wanted(&keys) {
                return Ok(keys);
            }
            if failed && since < FAILURE_BACKOFF {
                return Err(KeysError::Communication(
                    "the last fetch failed moments ago".into(),
                ));
            }
            if fresh && since < config.refetch_interval {
                return Err(KeysError::RateLimited);
            }
        }
        let now = Instant::now();
        match self.fetch(issuer, allow_http).await {
            Ok((keys, max_age)) => {
                let life = max_age
                    .unwrap_or(config.max_key_lifetime)
                    .clamp(config.refetch_interval, config.max_key_lifetime);
                let keys = Arc::new(keys);
                self.entries
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(
                        slot.to_owned(),
                        Entry {
                            keys: keys.clone(),
                            expires: now + life,
                            attempted: now,
                            failed: false,
                        },
                    );
                Ok(keys)
            }
            Err(reason) => {
                tracing::warn!(
                    issuer,
                    reason,
                    "fetching an OpenID Connect issuer's keys failed"
                );
                let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
                match entries.get_mut(slot) {
                    Some(e) => {
                        e.attempted = now;
                        e.failed = true;
                        // Keys within their lifetime stay usable for the kids they have.
                        if Instant::now() < e.expires && wanted(&e.keys) {
                            return Ok(e.keys.clone());
                        }
                    }
                    None => {
                        entries.insert(
                            slot.to_owned(),
                            Entry {
                                keys: Arc::new(Vec::new()),
                                expires: now,
                                attempted: now,
                                failed: true,
                            },
                        );
                    }
                }
                Err(KeysError::Communication(reason))
            }
        }
    }

    /// Discovery, then the JWKS.
    async fn fetch(
        &self,
        issuer: &str,
        allow_http: bool,
    ) -> Result<(Vec<PublicKey>, Option<Duration>), String> {
        let discovery_url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let doc = self.source.get(&discovery_url).await?;
        let doc: Value = serde_json::from_slice(&doc.body)
            .map_err(|_| "the discovery document is not JSON".to_owned())?;
        if doc.get("issuer").and_then(Value::as_str) != Some(issuer) {
            return Err("the discovery document names another issuer".into());
        }
        let jwks_uri = doc
            .get("jwks_uri")
            .and_then(Value::as_str)
            .ok_or("the discovery document has no jwks_uri")?;
        let scheme_ok =
            jwks_uri.starts_with("https://") || (allow_http && jwks_uri.starts_with("http://"));
        if !scheme_ok {
            return Err("the jwks_uri is not an https URL".into());
        }
        let jwks = self.source.get(jwks_uri).await?;
        let keys =
            super::jwt::parse_jwks(&jwks.body).ok_or("the jwks_uri did not return a JWKS")?;
        Ok((keys, jwks.max_age))
    }
}

//! IAM outbound identity federation: an account's switch for GetWebIdentityToken
//! (Enable/Disable/GetOutboundWebIdentityFederationInfo), its issuer, and the keys that sign
//! its tokens, with the two documents a verifier fetches — the OpenID discovery document and
//! the JWKS — which the server serves unsigned at the issuer URL.
//!
//! - **Issuer**: `PUBLIC_URL/outbound/ID`, `ID` a random UUID made at the first enable and
//!   kept for good (re-enabling gives the same issuer, as the URL is what external services
//!   were told to trust); a GLOBAL `outbound-issuer` record maps it back to the account, so
//!   the unsigned documents name no account in their path.
//! - **Keys**: one RSA-2048 key (`RS256`) and one P-384 key (`ES384`) per account, made at
//!   the first enable, stored in the account's `outbound-federation` record with the private
//!   half a store [`Secret`] (never printed); the JWKS publishes the public halves only. A
//!   key's `kid` is its RFC 7638 thumbprint. [`Service::rotate_outbound_signing_keys`]
//!   (`rolegate rotate-outbound-keys`) adds a new pair, **published ahead of use**: it signs
//!   only [`PREPUBLISH_SECS`] later (the JWKS's cache lifetime, [`JWKS_MAX_AGE_SECS`], and
//!   clock skew), when the current pair retires, so a relying party that refetches keys only
//!   when its cached set expires already holds the new key when the first token signed with
//!   it arrives. `--immediately` (a key believed compromised) makes the new pair sign at once.
//!   Retired keys stay published for [`RETIRED_PUBLISHED_SECS`] (the longest token lifetime
//!   and the clock skew), so no token issued before a rotation stops verifying before it
//!   expires, and are dropped by the next rotation after that. [`signing_key`] is the one
//!   rule for which key signs.
//! - **Disabled**: no new tokens; the documents are still served, so tokens issued before
//!   stay verifiable until they expire (AWS: disabling "does not affect tokens that were
//!   issued before").
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_outbound.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_EnableOutboundWebIdentityFederation.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetOutboundWebIdentityFederationInfo.html>,
//! <https://datatracker.ietf.org/doc/html/rfc7638>

use std::collections::BTreeMap;

use aws_lc_rs::{
    encoding::AsDer,
    rand::SystemRandom,
    rsa::KeySize,
    signature::{
        ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
    },
};
use base64::Engine as _;
use rolegate_proto::dto::account::{
    DisableOutboundWebIdentityFederationInput, EnableOutboundWebIdentityFederationInput,
    EnableOutboundWebIdentityFederationOutput, GetOutboundWebIdentityFederationInfoInput,
    GetOutboundWebIdentityFederationInfoOutput,
};
use rolegate_store::{GLOBAL, Secret, record};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::{
    Service,
    error::{Result, ServiceError},
    handler::{Needs, handlers},
    iam::Ctx,
    ids,
    tx::Tx,
};

handlers! {
    EnableOutboundWebIdentityFederationInput => EnableOutboundWebIdentityFederationOutput: enable_outbound_web_identity_federation,
        needs |i, _| Needs::any();
    DisableOutboundWebIdentityFederationInput: disable_outbound_web_identity_federation,
        needs |i, _| Needs::any();
    GetOutboundWebIdentityFederationInfoInput => GetOutboundWebIdentityFederationInfoOutput: get_outbound_web_identity_federation_info,
        needs |i, _| Needs::any();
}

/// The signing algorithms GetWebIdentityToken offers.
pub const ALGORITHMS: [&str; 2] = ["RS256", "ES384"];

/// How long a retired key stays in the JWKS: the longest token (3600 s) plus clock skew.
pub const RETIRED_PUBLISHED_SECS: i64 = 3600 + 300;

/// How long relying parties may cache the issuer documents (`Cache-Control: max-age`).
pub const JWKS_MAX_AGE_SECS: u64 = 300;

/// How long a rotated-in key is published before it signs: a cached key set's lifetime plus
/// clock skew.
pub const PREPUBLISH_SECS: i64 = JWKS_MAX_AGE_SECS as i64 + 60;

/// The key that signs tokens of `alg` at `now`: the newest one that has started signing
/// (`signs_from`) and has not retired; `None` when there is none.
pub fn signing_key<'k>(
    keys: &'k [record::OutboundSigningKey],
    alg: &str,
    now: i64,
) -> Option<&'k record::OutboundSigningKey> {
    keys.iter()
        .filter(|k| k.alg == alg)
        .filter(|k| k.signs_from.is_none_or(|from| from <= now))
        .filter(|k| k.retired.is_none_or(|retired| now < retired))
        .max_by_key(|k| (k.signs_from.unwrap_or(k.created), k.created))
}

/// A rotation on an account's keys: those no longer published are dropped, every other key
/// (in use, or itself waiting to sign) retires at `switch` unless it retires earlier, and the
/// fresh keys sign from `switch`.
fn rotate(
    keys: &mut Vec<record::OutboundSigningKey>,
    fresh: Vec<record::OutboundSigningKey>,
    now: i64,
    switch: i64,
) {
    keys.retain(|k| published(k, now));
    for k in keys.iter_mut() {
        k.retired = Some(k.retired.map_or(switch, |r| r.min(switch)));
    }
    keys.extend(fresh.into_iter().map(|mut k| {
        k.signs_from = Some(switch);
        k
    }));
}

/// Whether a key is in the JWKS at `now`: not retired, or retired less than
/// [`RETIRED_PUBLISHED_SECS`] ago (a retirement still to come counts as not retired).
fn published(key: &record::OutboundSigningKey, now: i64) -> bool {
    key.retired
        .is_none_or(|retired| now - retired < RETIRED_PUBLISHED_SECS)
}

/// The path under the public URL where issuers live: `PUBLIC_URL/outbound/ID`.
pub const ISSUER_PATH: &str = "/outbound/";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn key_error(what: &str) -> ServiceError {
    ServiceError::Internal(format!("outbound signing key: {what}"))
}

/// A new key for `alg`, with its public JWK members and thumbprint `kid`.
fn generate(alg: &str, now: i64) -> Result<record::OutboundSigningKey> {
    let (pkcs8, jwk) = match alg {
        "RS256" => {
            let pair = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| key_error("RSA"))?;
            let der = pair.as_der().map_err(|_| key_error("RSA PKCS#8"))?;
            let public = pair.public_key();
            let jwk = BTreeMap::from([
                (
                    "e".to_owned(),
                    b64(public.exponent().big_endian_without_leading_zero()),
                ),
                ("kty".to_owned(), "RSA".to_owned()),
                (
                    "n".to_owned(),
                    b64(public.modulus().big_endian_without_leading_zero()),
                ),
            ]);
            (der.as_ref().to_vec(), jwk)
        }
        "ES384" => {
            let pair = EcdsaKeyPair::generate(&ECDSA_P384_SHA384_FIXED_SIGNING)
                .map_err(|_| key_error("P-384"))?;
            let der = pair.to_pkcs8v1().map_err(|_| key_error("P-384 PKCS#8"))?;
            // The uncompressed point: 0x04, then x and y of 48 bytes each.
            let point = pair.public_key().as_ref();
            if point.len() != 97 || point[0] != 4 {
                return Err(key_error("P-384 point"));
            }
            let jwk = BTreeMap::from([
                ("crv".to_owned(), "P-384".to_owned()),
                ("kty".to_owned(), "EC".to_owned()),
                ("x".to_owned(), b64(&point[1..49])),
                ("y".to_owned(), b64(&point[49..])),
            ]);
            (der.as_ref().to_vec(), jwk)
        }
        _ => return Err(key_error("algorithm")),
    };
    // RFC 7638: the required members, in lexicographic order, no whitespace (a BTreeMap
    // serializes in key order).
    let thumbprint = serde_json::to_string(&jwk).map_err(|_| key_error("thumbprint"))?;
    Ok(record::OutboundSigningKey {
        kid: b64(&Sha256::digest(thumbprint.as_bytes())),
        alg: alg.to_owned(),
        pkcs8: Secret::new(base64::engine::general_purpose::STANDARD.encode(pkcs8)),
        jwk,
        created: now,
        signs_from: None,
        retired: None,
    })
}

/// A fresh pair of keys, one per algorithm (RSA generation takes a while: off the runtime).
async fn generate_all(now: i64) -> Result<Vec<record::OutboundSigningKey>> {
    tokio::task::spawn_blocking(move || ALGORITHMS.iter().map(|a| generate(a, now)).collect())
        .await
        .map_err(|_| key_error("generation task"))?
}

/// Signs `message` with a stored key (the JWS signature: PKCS#1 v1.5 for RS256, the fixed
/// 96-byte `r || s` for ES384).
pub(crate) fn sign(key: &record::OutboundSigningKey, message: &[u8]) -> Result<Vec<u8>> {
    let der = base64::engine::general_purpose::STANDARD
        .decode(key.pkcs8.expose())
        .map_err(|_| key_error("base64"))?;
    let rng = SystemRandom::new();
    match key.alg.as_str() {
        "RS256" => {
            let pair = RsaKeyPair::from_pkcs8(&der).map_err(|_| key_error("RSA PKCS#8"))?;
            let mut signature = vec![0u8; pair.public_modulus_len()];
            pair.sign(&RSA_PKCS1_SHA256, &rng, message, &mut signature)
                .map_err(|_| key_error("RSA signing"))?;
            Ok(signature)
        }
        "ES384" => {
            let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &der)
                .map_err(|_| key_error("P-384 PKCS#8"))?;
            let signature = pair
                .sign(&rng, message)
                .map_err(|_| key_error("P-384 signing"))?;
            Ok(signature.as_ref().to_vec())
        }
        _ => Err(key_error("algorithm")),
    }
}

/// Whether a text is an issuer id as [`Service::enable_outbound_web_identity_federation`]
/// makes them (a lowercase UUID), so that a request for anything else reads no store.
pub fn is_issuer_id(id: &str) -> bool {
    id.len() == 36
        && id.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_digit() || ('a'..='f').contains(&c),
        })
}

impl Service {
    /// The issuer URL of an issuer id, at this deployment's public URL.
    pub(crate) fn issuer_url(&self, issuer_id: &str) -> String {
        format!(
            "{}{ISSUER_PATH}{issuer_id}",
            self.federation.public_url.trim_end_matches('/')
        )
    }

    /// The account's outbound federation record, if it was ever enabled.
    pub(crate) async fn outbound_federation(
        &self,
        tx: &mut Tx<'_>,
        account: &str,
    ) -> Result<Option<record::OutboundFederation>> {
        tx.get::<record::OutboundFederation>(account, record::OUTBOUND_FEDERATION_KEY)
            .await
    }

    /// <https://docs.aws.amazon.com/IAM/latest/APIReference/API_EnableOutboundWebIdentityFederation.html>
    pub(crate) async fn enable_outbound_web_identity_federation(
        &self,
        c: &Ctx<'_>,
        _i: EnableOutboundWebIdentityFederationInput,
    ) -> Result<EnableOutboundWebIdentityFederationOutput> {
        let account = c.account();
        let now = self.now();
        // The record is never deleted: an account that has none now gets its keys made here,
        // outside the retried transaction (RSA generation is slow).
        let fresh = match self.outbound_federation(&mut self.tx(), account).await? {
            Some(_) => None,
            None => Some(generate_all(now).await?),
        };
        let issuer_id = self
            .retry(|| {
                let fresh = fresh.clone();
                async move {
                    let mut tx = self.tx();
                    let record = match self.outbound_federation(&mut tx, account).await? {
                        Some(r) if r.enabled => {
                            return Err(ServiceError::FeatureEnabled(
                                "Outbound identity federation is already enabled for this account."
                                    .into(),
                            ));
                        }
                        Some(r) => record::OutboundFederation {
                            enabled: true,
                            changed: now,
                            ..r
                        },
                        None => {
                            let keys = fresh.ok_or_else(|| key_error("none made"))?;
                            let issuer_id = ids::uuid()?;
                            tx.get::<record::OutboundIssuer>(GLOBAL, &issuer_id).await?;
                            tx.put(
                                GLOBAL,
                                &issuer_id,
                                &record::OutboundIssuer {
                                    account: account.to_owned(),
                                },
                            )?;
                            record::OutboundFederation {
                                enabled: true,
                                issuer_id,
                                keys,
                                changed: now,
                            }
                        }
                    };
                    tx.put(account, record::OUTBOUND_FEDERATION_KEY, &record)?;
                    tx.commit().await?;
                    Ok(record.issuer_id)
                }
            })
            .await?;
        Ok(EnableOutboundWebIdentityFederationOutput {
            issuer_identifier: Some(self.issuer_url(&issuer_id)),
        })
    }

    /// <https://docs.aws.amazon.com/IAM/latest/APIReference/API_DisableOutboundWebIdentityFederation.html>
    pub(crate) async fn disable_outbound_web_identity_federation(
        &self,
        c: &Ctx<'_>,
        _i: DisableOutboundWebIdentityFederationInput,
    ) -> Result<()> {
        let account = c.account();
        self.retry(|| async {
            let mut tx = self.tx();
            let record = match self.outbound_federation(&mut tx, account).await? {
                Some(r) if r.enabled => r,
                _ => {
                    return Err(ServiceError::FeatureDisabled(
                        "Outbound identity federation is already disabled for this account.".into(),
                    ));
                }
            };
            tx.put(
                account,
                record::OUTBOUND_FEDERATION_KEY,
                &record::OutboundFederation {
                    enabled: false,
                    changed: self.now(),
                    ..record
                },
            )?;
            tx.commit().await
        })
        .await
    }

    /// The issuer and whether tokens are issued; `FeatureDisabled` for an account that never
    /// enabled the feature (it has no issuer yet).
    /// <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetOutboundWebIdentityFederationInfo.html>
    pub(crate) async fn get_outbound_web_identity_federation_info(
        &self,
        c: &Ctx<'_>,
        _i: GetOutboundWebIdentityFederationInfoInput,
    ) -> Result<GetOutboundWebIdentityFederationInfoOutput> {
        let record = self
            .outbound_federation(&mut self.tx(), c.account())
            .await?
            .ok_or_else(|| {
                ServiceError::FeatureDisabled(
                    "Outbound identity federation is not enabled for this account.".into(),
                )
            })?;
        Ok(GetOutboundWebIdentityFederationInfoOutput {
            issuer_identifier: Some(self.issuer_url(&record.issuer_id)),
            jwt_vending_enabled: Some(record.enabled),
        })
    }

    /// Adds a new key per algorithm to the account's outbound federation, published at once;
    /// it signs from [`PREPUBLISH_SECS`] later, when the current keys retire (or at once, and
    /// the current keys retire now, when `immediately`). Retired keys stay published for
    /// [`RETIRED_PUBLISHED_SECS`]; keys retired longer ago are dropped. Returns the new keys'
    /// ids and when they sign from. `FeatureDisabled` if the account never enabled the
    /// feature.
    pub async fn rotate_outbound_signing_keys(
        &self,
        account: &str,
        immediately: bool,
    ) -> Result<(Vec<String>, i64)> {
        let now = self.now();
        let switch = if immediately {
            now
        } else {
            now + PREPUBLISH_SECS
        };
        let fresh = generate_all(now).await?;
        self.retry(|| {
            let fresh = fresh.clone();
            async move {
                let mut tx = self.tx();
                let mut record = self
                    .outbound_federation(&mut tx, account)
                    .await?
                    .ok_or_else(|| {
                        ServiceError::FeatureDisabled(
                            "Outbound identity federation is not enabled for this account.".into(),
                        )
                    })?;
                let ids = fresh.iter().map(|k| k.kid.clone()).collect();
                rotate(&mut record.keys, fresh, now, switch);
                record.changed = now;
                tx.put(account, record::OUTBOUND_FEDERATION_KEY, &record)?;
                tx.commit().await?;
                Ok((ids, switch))
            }
        })
        .await
    }

    /// The account and record an issuer id names, if any.
    async fn issuer(&self, issuer_id: &str) -> Result<Option<record::OutboundFederation>> {
        if !is_issuer_id(issuer_id) {
            return Ok(None);
        }
        let mut tx = self.tx();
        let Some(issuer) = tx.get::<record::OutboundIssuer>(GLOBAL, issuer_id).await? else {
            return Ok(None);
        };
        Ok(self
            .outbound_federation(&mut tx, &issuer.account)
            .await?
            .filter(|r| r.issuer_id == issuer_id))
    }

    /// The OpenID Connect discovery document of an issuer (served unsigned at
    /// `ISSUER/.well-known/openid-configuration`); `None` for an unknown issuer.
    pub async fn outbound_discovery(&self, issuer_id: &str) -> Result<Option<Value>> {
        if self.issuer(issuer_id).await?.is_none() {
            return Ok(None);
        }
        let issuer = self.issuer_url(issuer_id);
        Ok(Some(json!({
            "issuer": issuer,
            "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ALGORITHMS,
            "scopes_supported": ["openid"],
            "claims_supported": ["aud", "exp", "iat", "iss", "jti", "sub", "https://sts.amazonaws.com/"],
        })))
    }

    /// The JWKS of an issuer: the public halves of its current keys, of those waiting to
    /// sign, and of those retired less than [`RETIRED_PUBLISHED_SECS`] ago; `None` for an
    /// unknown issuer.
    pub async fn outbound_jwks(&self, issuer_id: &str) -> Result<Option<Value>> {
        let Some(record) = self.issuer(issuer_id).await? else {
            return Ok(None);
        };
        let now = self.now();
        let keys: Vec<Value> = record
            .keys
            .iter()
            .filter(|k| published(k, now))
            .map(|k| {
                let mut jwk: serde_json::Map<String, Value> = k
                    .jwk
                    .iter()
                    .map(|(name, v)| (name.clone(), Value::String(v.clone())))
                    .collect();
                jwk.insert("kid".into(), Value::String(k.kid.clone()));
                jwk.insert("alg".into(), Value::String(k.alg.clone()));
                jwk.insert("use".into(), Value::String("sig".into()));
                Value::Object(jwk)
            })
            .collect();
        Ok(Some(json!({ "keys": keys })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_ids_are_uuids_only() {
        assert!(is_issuer_id("0f8e3a4c-2b1d-4e6f-9a0b-1c2d3e4f5a6b"));
        for bad in [
            "",
            "0F8E3A4C-2B1D-4E6F-9A0B-1C2D3E4F5A6B",
            "0f8e3a4c-2b1d-4e6f-9a0b-1c2d3e4f5a6",
            "../../../../etc/passwd-aaaaaaaaaaaaa",
            "0f8e3a4c+2b1d-4e6f-9a0b-1c2d3e4f5a6b",
        ] {
            assert!(!is_issuer_id(bad), "{bad}");
        }
    }

    fn key(alg: &str, kid: &str, created: i64) -> record::OutboundSigningKey {
        record::OutboundSigningKey {
            kid: kid.into(),
            alg: alg.into(),
            pkcs8: Secret::new(String::new()),
            jwk: BTreeMap::new(),
            created,
            signs_from: None,
            retired: None,
        }
    }

    /// A rotation at `t` that publishes an RS256 key `kid` ahead of use.
    fn rotate_pending(keys: &mut Vec<record::OutboundSigningKey>, kid: &str, t: i64) {
        rotate(keys, vec![key("RS256", kid, t)], t, t + PREPUBLISH_SECS);
    }

    fn signer(keys: &[record::OutboundSigningKey], alg: &str, now: i64) -> Option<String> {
        signing_key(keys, alg, now).map(|k| k.kid.clone())
    }

    fn jwks(keys: &[record::OutboundSigningKey], now: i64) -> Vec<&str> {
        keys.iter()
            .filter(|k| published(k, now))
            .map(|k| k.kid.as_str())
            .collect()
    }

    /// A rotation publishes the new key at once and signs with it only after the key sets
    /// relying parties cached before the rotation have expired; the old key signs until
    /// then and stays published for the tokens it signed.
    #[test]
    fn rotated_keys_are_published_before_they_sign() {
        let mut keys = vec![key("RS256", "a", 0), key("ES384", "a384", 0)];
        assert_eq!(signer(&keys, "RS256", 10).as_deref(), Some("a"));
        let t = 1_000;
        rotate(
            &mut keys,
            vec![key("RS256", "b", t)],
            t,
            t + PREPUBLISH_SECS,
        );
        assert!(PREPUBLISH_SECS > i64::try_from(JWKS_MAX_AGE_SECS).expect("small"));
        assert_eq!(jwks(&keys, t), ["a", "a384", "b"], "published at once");
        let cached_until = t + i64::try_from(JWKS_MAX_AGE_SECS).expect("small");
        for now in [t, cached_until, t + PREPUBLISH_SECS - 1] {
            assert_eq!(
                signer(&keys, "RS256", now).as_deref(),
                Some("a"),
                "at {now}"
            );
        }
        let switch = t + PREPUBLISH_SECS;
        assert_eq!(signer(&keys, "RS256", switch).as_deref(), Some("b"));
        // Other algorithms rotate with it: the ES384 key retired too and has no successor
        // in this made-up set.
        assert_eq!(signer(&keys, "ES384", switch), None);
        // The old key stays published for the tokens it signed, then is dropped.
        assert_eq!(
            jwks(&keys, switch + RETIRED_PUBLISHED_SECS - 1),
            ["a", "a384", "b"]
        );
        assert_eq!(jwks(&keys, switch + RETIRED_PUBLISHED_SECS), ["b"]);
    }

    /// Rotating again before a pending key signs: at every moment exactly one key signs,
    /// and none signs before it has been published for [`PREPUBLISH_SECS`]; the newest key
    /// takes over at its own switch (the pending one signs in between).
    #[test]
    fn a_second_rotation_keeps_every_key_published_before_it_signs() {
        let mut keys = vec![key("RS256", "a", 0)];
        rotate_pending(&mut keys, "b", 100);
        rotate_pending(&mut keys, "c", 200);
        assert_eq!(jwks(&keys, 200), ["a", "b", "c"]);
        for now in 200..200 + PREPUBLISH_SECS + 100 {
            let kid = signer(&keys, "RS256", now).expect("a key signs");
            let k = keys.iter().find(|k| k.kid == kid).expect("stored");
            assert!(
                k.created == 0 || now - k.created >= PREPUBLISH_SECS,
                "{kid} signs at {now}, published at {}",
                k.created
            );
        }
        assert_eq!(
            signer(&keys, "RS256", 100 + PREPUBLISH_SECS - 1).as_deref(),
            Some("a")
        );
        assert_eq!(
            signer(&keys, "RS256", 100 + PREPUBLISH_SECS).as_deref(),
            Some("b")
        );
        assert_eq!(
            signer(&keys, "RS256", 200 + PREPUBLISH_SECS).as_deref(),
            Some("c")
        );
    }

    /// `--immediately`: the new key signs at once, every earlier one (pending or in use)
    /// retires at once and stays published for the tokens already signed.
    #[test]
    fn an_immediate_rotation_signs_at_once() {
        let mut keys = vec![key("RS256", "a", 0)];
        rotate_pending(&mut keys, "b", 100);
        rotate(&mut keys, vec![key("RS256", "c", 150)], 150, 150);
        assert_eq!(signer(&keys, "RS256", 150).as_deref(), Some("c"));
        assert_eq!(
            signer(&keys, "RS256", 100 + PREPUBLISH_SECS).as_deref(),
            Some("c")
        );
        assert_eq!(jwks(&keys, 150), ["a", "b", "c"]);
        assert_eq!(jwks(&keys, 150 + RETIRED_PUBLISHED_SECS), ["c"]);
    }

    #[test]
    fn keys_sign_and_publish_their_public_half_only() {
        for alg in ALGORITHMS {
            let key = generate(alg, 0).expect("generates");
            let signature = sign(&key, b"header.claims").expect("signs");
            let public = serde_json::to_string(&key.jwk).expect("json");
            assert!(!public.contains("\"d\""), "{public}");
            assert!(!format!("{key:?}").contains(key.pkcs8.expose()));
            let verified = match alg {
                "RS256" => {
                    let n = base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .decode(&key.jwk["n"])
                        .expect("n");
                    let e = base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .decode(&key.jwk["e"])
                        .expect("e");
                    aws_lc_rs::signature::RsaPublicKeyComponents { n: &n, e: &e }
                        .verify(
                            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
                            b"header.claims",
                            &signature,
                        )
                        .is_ok()
                }
                _ => {
                    let mut point = vec![4u8];
                    for m in ["x", "y"] {
                        point.extend(
                            base64::engine::general_purpose::URL_SAFE_NO_PAD
                                .decode(&key.jwk[m])
                                .expect("coordinate"),
                        );
                    }
                    aws_lc_rs::signature::UnparsedPublicKey::new(
                        &aws_lc_rs::signature::ECDSA_P384_SHA384_FIXED,
                        &point,
                    )
                    .verify(b"header.claims", &signature)
                    .is_ok()
                }
            };
            assert!(verified, "{alg}");
            assert_eq!(key.kid.len(), 43, "a SHA-256 thumbprint");
        }
    }
}

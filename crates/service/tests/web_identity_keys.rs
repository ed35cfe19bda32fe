//! The OIDC key machinery without a network: `federation::jwks::KeyCache` over a counting
//! `KeySource` (discovery, lifetimes, the rate-limited refetch for unknown `kid`s, the failure
//! back-off, fail-closed expiry) and `federation::jwt` with keys made here by aws-lc-rs
//! (signatures that verify, and ones that must not: ECDSA r = s = 0, another key, another
//! algorithm, a flipped bit). Also a bounded fuzz of the parser: it never panics and nothing
//! random verifies.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use aws_lc_rs::{
    rand::SystemRandom,
    signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _},
};
use base64::Engine as _;
use rolegate_service::federation::{
    FederationConfig, Fetched, KeySource,
    jwks::{KeyCache, KeysError},
    jwt::{self, JwtError, PublicKey},
};

const ISSUER: &str = "https://idp.test";

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

struct Keys {
    ed: Ed25519KeyPair,
    ec: EcdsaKeyPair,
}

impl Keys {
    fn new() -> Self {
        let rng = SystemRandom::new();
        let ed = Ed25519KeyPair::generate().expect("ed25519");
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("p-256");
        let ec = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref())
            .expect("p-256 pair");
        Keys { ed, ec }
    }

    fn jwks(&self) -> String {
        let point = self.ec.public_key().as_ref();
        serde_json::json!({"keys": [
            {"kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": b64(self.ed.public_key().as_ref())},
            {"kty": "EC", "crv": "P-256", "kid": "ec", "alg": "ES256",
             "x": b64(&point[1..33]), "y": b64(&point[33..65])},
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
        ]})
        .to_string()
    }

    fn sign(&self, header: &serde_json::Value, claims: &str) -> String {
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.as_bytes())
        );
        let sig = match header["alg"].as_str() {
            Some("EdDSA") => self.ed.sign(input.as_bytes()).as_ref().to_vec(),
            Some("ES256") => self
                .ec
                .sign(&SystemRandom::new(), input.as_bytes())
                .expect("sign")
                .as_ref()
                .to_vec(),
            other => panic!("no key for {other:?}"),
        };
        format!("{input}.{}", b64(&sig))
    }
}

struct FakeIdp {
    jwks: std::sync::Mutex<String>,
    gets: AtomicUsize,
    down: AtomicBool,
}

#[async_trait::async_trait]
impl KeySource for FakeIdp {
    async fn get(&self, url: &str) -> Result<Fetched, String> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        if self.down.load(Ordering::SeqCst) {
            return Err("connection refused".into());
        }
        let body = match url.strip_prefix(ISSUER) {
            Some("/.well-known/openid-configuration") => {
                format!(r#"{{"issuer":"{ISSUER}","jwks_uri":"{ISSUER}/jwks"}}"#)
            }
            Some("/jwks") => self.jwks.lock().expect("lock").clone(),
            _ => return Err(format!("404 {url}")),
        };
        Ok(Fetched {
            body: body.into_bytes(),
            max_age: None,
        })
    }
}

fn config(refetch_ms: u64, lifetime_ms: u64) -> FederationConfig {
    FederationConfig {
        refetch_interval: Duration::from_millis(refetch_ms),
        max_key_lifetime: Duration::from_millis(lifetime_ms),
        ..FederationConfig::default()
    }
}

fn has(kid: &'static str) -> impl Fn(&[PublicKey]) -> bool {
    move |keys| keys.iter().any(|k| k.kid.as_deref() == Some(kid))
}

#[tokio::test]
async fn keys_are_discovered_cached_and_refetched_sparingly() {
    let keys = Keys::new();
    let idp = Arc::new(FakeIdp {
        jwks: std::sync::Mutex::new(keys.jwks()),
        gets: AtomicUsize::new(0),
        down: AtomicBool::new(false),
    });
    let cache = KeyCache::new(idp.clone());
    let cfg = config(300, 60_000);
    let got = cache
        .keys(ISSUER, false, &cfg, has("ed"))
        .await
        .expect("keys");
    // The symmetric key is not a signing key Rolegate uses.
    assert_eq!(got.len(), 2);
    assert_eq!(
        idp.gets.load(Ordering::SeqCst),
        2,
        "discovery, then the JWKS"
    );
    for _ in 0..10 {
        cache
            .keys(ISSUER, false, &cfg, has("ec"))
            .await
            .expect("cached");
    }
    assert_eq!(idp.gets.load(Ordering::SeqCst), 2, "served from the cache");
    // A flood of unknown kids right after a fetch: no fetch at all.
    for _ in 0..50 {
        assert_eq!(
            cache.keys(ISSUER, false, &cfg, has("forged")).await.err(),
            Some(KeysError::RateLimited)
        );
    }
    assert_eq!(idp.gets.load(Ordering::SeqCst), 2);
    // After the interval, one refetch (which finds the rotated key), then quiet again.
    tokio::time::sleep(Duration::from_millis(350)).await;
    let rotated = Keys::new();
    *idp.jwks.lock().expect("lock") = rotated.jwks().replace("\"ed\"", "\"ed-2\"");
    cache
        .keys(ISSUER, false, &cfg, has("ed-2"))
        .await
        .expect("the rotated key after one refetch");
    assert_eq!(idp.gets.load(Ordering::SeqCst), 4);
    for _ in 0..20 {
        let _ = cache.keys(ISSUER, false, &cfg, has("forged")).await;
    }
    assert_eq!(idp.gets.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn an_unreachable_idp_fails_closed() {
    let keys = Keys::new();
    let idp = Arc::new(FakeIdp {
        jwks: std::sync::Mutex::new(keys.jwks()),
        gets: AtomicUsize::new(0),
        down: AtomicBool::new(true),
    });
    let cache = KeyCache::new(idp.clone());
    let cfg = config(100, 400);
    assert!(matches!(
        cache.keys(ISSUER, false, &cfg, has("ed")).await,
        Err(KeysError::Communication(_))
    ));
    let after_first = idp.gets.load(Ordering::SeqCst);
    // Within the back-off: no new attempt.
    for _ in 0..10 {
        assert!(matches!(
            cache.keys(ISSUER, false, &cfg, has("ed")).await,
            Err(KeysError::Communication(_))
        ));
    }
    assert_eq!(idp.gets.load(Ordering::SeqCst), after_first);
    // Up: keys are fetched (once the back-off is over) and then served while down again…
    idp.down.store(false, Ordering::SeqCst);
    tokio::time::sleep(rolegate_service::federation::jwks::FAILURE_BACKOFF).await;
    cache
        .keys(ISSUER, false, &cfg, has("ed"))
        .await
        .expect("up");
    idp.down.store(true, Ordering::SeqCst);
    cache
        .keys(ISSUER, false, &cfg, has("ed"))
        .await
        .expect("within their lifetime");
    // …but never past their lifetime.
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert!(matches!(
        cache.keys(ISSUER, false, &cfg, has("ed")).await,
        Err(KeysError::Communication(_))
    ));
}

#[test]
fn signatures() {
    let keys = Keys::new();
    let set = jwt::parse_jwks(keys.jwks().as_bytes()).expect("jwks");
    let claims = r#"{"iss":"https://idp.test","sub":"a","aud":"x","exp":9999999999}"#;
    for alg in ["EdDSA", "ES256"] {
        let kid = if alg == "EdDSA" { "ed" } else { "ec" };
        let t = keys.sign(&serde_json::json!({"alg": alg, "kid": kid}), claims);
        let verified = jwt::parse(&t).expect("parses").verify(&set).expect(alg);
        assert_eq!(verified["sub"], "a");
        // A flipped bit in the claims.
        let (h, rest) = t.split_once('.').expect("jws");
        let (p, s) = rest.split_once('.').expect("jws");
        let mut bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(p)
            .expect("payload");
        bytes[5] ^= 1;
        let tampered = format!("{h}.{}.{s}", b64(&bytes));
        assert!(matches!(
            jwt::parse(&tampered).map(|u| u.verify(&set)),
            Ok(Err(JwtError::Signature)) | Err(JwtError::Malformed(_))
        ));
    }
    // E-03: ECDSA with r = s = 0, and with r, s ≥ n.
    let t = keys.sign(&serde_json::json!({"alg": "ES256", "kid": "ec"}), claims);
    let (head, _) = t.rsplit_once('.').expect("jws");
    for sig in [[0u8; 64], [0xff; 64]] {
        let forged = format!("{head}.{}", b64(&sig));
        assert_eq!(
            jwt::parse(&forged).expect("parses").verify(&set).err(),
            Some(JwtError::Signature)
        );
    }
    // Another key's signature, and an algorithm the key does not name.
    let other = Keys::new();
    let t = other.sign(&serde_json::json!({"alg": "EdDSA", "kid": "ed"}), claims);
    assert_eq!(
        jwt::parse(&t).expect("parses").verify(&set).err(),
        Some(JwtError::Signature)
    );
    let t = keys.sign(&serde_json::json!({"alg": "EdDSA", "kid": "ec"}), claims);
    assert_eq!(
        jwt::parse(&t).expect("parses").verify(&set).err(),
        Some(JwtError::NoKey)
    );
    // HS256 never, whatever key the JWKS has.
    let hs = format!(
        "{}.{}.{}",
        b64(br#"{"alg":"HS256","kid":"hmac"}"#),
        b64(claims.as_bytes()),
        b64(b"sig")
    );
    assert!(matches!(jwt::parse(&hs), Err(JwtError::Algorithm(_))));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]

    #[test]
    fn random_tokens_never_panic_nor_verify(text in "[A-Za-z0-9_.\\-=+/ ]{0,300}") {
        let keys = Keys::new();
        let set = jwt::parse_jwks(keys.jwks().as_bytes()).expect("jwks");
        if let Ok(u) = jwt::parse(&text) {
            proptest::prop_assert!(u.verify(&set).is_err());
        }
    }

    #[test]
    fn random_json_segments_never_panic(header in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
                                         claims in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
        let t = format!("{}.{}.{}", b64(&header), b64(&claims), b64(b"sig"));
        let _ = jwt::parse(&t);
        let _ = jwt::strict_object(&claims);
        let _ = jwt::parse_jwks(&claims);
    }
}

/// Keys are cached per generation of the issuer's provider: a provider deleted and created
/// again (after a key leaked) starts from a fresh fetch, at once, whatever the cache held.
#[tokio::test]
async fn a_recreated_provider_does_not_inherit_cached_keys() {
    let keys = Keys::new();
    let idp = Arc::new(FakeIdp {
        jwks: std::sync::Mutex::new(keys.jwks()),
        gets: AtomicUsize::new(0),
        down: AtomicBool::new(false),
    });
    let cache = KeyCache::new(idp.clone());
    let cfg = config(60_000, 3_600_000);
    cache
        .keys_of(ISSUER, "provider-1", false, &cfg, has("ed"))
        .await
        .expect("keys");
    let after_first = idp.gets.load(Ordering::SeqCst);
    assert!(after_first > 0);
    cache
        .keys_of(ISSUER, "provider-1", false, &cfg, has("ed"))
        .await
        .expect("cached");
    assert_eq!(
        idp.gets.load(Ordering::SeqCst),
        after_first,
        "served from the cache"
    );
    cache
        .keys_of(ISSUER, "provider-2", false, &cfg, has("ed"))
        .await
        .expect("keys");
    assert!(
        idp.gets.load(Ordering::SeqCst) > after_first,
        "the new provider's keys were fetched, not taken from the old one's cache"
    );
}

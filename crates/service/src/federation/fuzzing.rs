//! Fuzz targets for the federation parsers (issue 13): the JWT of AssumeRoleWithWebIdentity
//! ([`super::jwt`]) and the SAML response of AssumeRoleWithSAML ([`super::saml`]). They are
//! shared by the cargo-fuzz harness (`crates/service/fuzz`, nightly) and the bounded run on
//! the stable toolchain in the tests (`tests/federation_fuzz.rs`), so both exercise the same
//! code.
//!
//! Each target must never panic, whatever the bytes, and checks one law that makes a finding
//! more than a crash: **only a seed verifies as the seed**. A token that verifies is
//! byte-for-byte one of the seed tokens (any other spelling of a signed token — another
//! encoding, a changed member, a moved signature — must fail), and a SAML response that
//! verifies reads exactly what one seed's signed Assertion says (signature wrapping, comment
//! truncation and any other mutation can change only what no decision reads).

use aws_lc_rs::{
    rand::SystemRandom,
    signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair},
};
use base64::Engine as _;
use serde_json::json;

use super::{
    jwt::{self, PublicKey},
    saml::{self, SigningCert, Verified},
};

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The JWT target's world: an issuer's key set and tokens its keys signed.
#[derive(Debug)]
pub struct JwtSeeds {
    keys: Vec<PublicKey>,
    tokens: Vec<String>,
}

impl JwtSeeds {
    /// An Ed25519 and a P-256 key, made now, and a token signed by each (with and without a
    /// `kid`, with nested claims).
    ///
    /// # Panics
    /// If the platform's random generator or key generation fails.
    #[must_use]
    pub fn generate() -> Self {
        let rng = SystemRandom::new();
        let ed = Ed25519KeyPair::generate().expect("an Ed25519 key");
        let ec = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("a P-256 key");
        let point = ec.public_key().as_ref();
        let jwks = json!({"keys": [
            {"kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": b64url(ed.public_key().as_ref())},
            {"kty": "EC", "crv": "P-256", "kid": "ec", "alg": "ES256",
             "x": b64url(&point[1..33]), "y": b64url(&point[33..65])},
        ]});
        let keys = jwt::parse_jwks(jwks.to_string().as_bytes()).expect("the seed key set");
        let claims = json!({
            "iss": "https://idp.example.test", "sub": "system:serviceaccount:prod:app",
            "aud": ["sts.amazonaws.com", "rolegate"], "exp": 4_102_444_800_u64,
            "iat": 1_700_000_000_u64, "amr": ["pwd", "mfa"],
            "https://aws.amazon.com/tags": {"principal_tags": {"team": ["blue"]},
                                            "transitive_tag_keys": ["team"]},
        });
        let signing_input = |header: serde_json::Value| {
            format!(
                "{}.{}",
                b64url(header.to_string().as_bytes()),
                b64url(claims.to_string().as_bytes())
            )
        };
        let mut tokens = Vec::new();
        for header in [
            json!({"alg": "EdDSA", "kid": "ed", "typ": "JWT"}),
            json!({"alg": "EdDSA"}),
        ] {
            let input = signing_input(header);
            let signature = ed.sign(input.as_bytes());
            tokens.push(format!("{input}.{}", b64url(signature.as_ref())));
        }
        let input = signing_input(json!({"alg": "ES256", "kid": "ec"}));
        let signature = ec.sign(&rng, input.as_bytes()).expect("ES256");
        tokens.push(format!("{input}.{}", b64url(signature.as_ref())));
        let seeds = Self { keys, tokens };
        for t in &seeds.tokens {
            assert!(seeds.verifies(t), "a seed token verifies");
        }
        seeds
    }

    /// The seed tokens (starting points for mutation).
    #[must_use]
    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }

    /// Whether `token` verifies with the seed keys.
    #[must_use]
    pub fn verifies(&self, token: &str) -> bool {
        jwt::parse(token).is_ok_and(|u| u.verify(&self.keys).is_ok())
    }
}

/// Parses `data` as a compact JWS and verifies it with the seed keys, and parses it as a key
/// set and as a strict JSON object. Law: a token that verifies is one of the seed tokens.
///
/// # Panics
/// When the law is broken (that is the finding).
pub fn jwt_target(seeds: &JwtSeeds, data: &[u8]) {
    let _ = jwt::parse_jwks(data);
    let _ = jwt::strict_object(data);
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(unverified) = jwt::parse(token) {
        let _ = unverified.has_candidate(&seeds.keys);
        if unverified.verify(&seeds.keys).is_ok() {
            assert!(
                seeds.tokens.iter().any(|t| t == token),
                "a token that is not a seed verified: {token}"
            );
        }
    }
}

/// The SAML target's world: a provider's certificates and what its seed responses say.
#[derive(Debug)]
pub struct SamlSeeds {
    certs: Vec<SigningCert>,
    documents: Vec<String>,
    read: Vec<Verified>,
}

impl SamlSeeds {
    /// The certificates of a provider's metadata and its signed responses (base64, as
    /// AssumeRoleWithSAML receives them; SHA-1 ones allowed).
    ///
    /// # Panics
    /// If the metadata or a response does not verify: the seeds must be good.
    #[must_use]
    pub fn new(metadata: &str, responses_b64: &[&str]) -> Self {
        let certs = SigningCert::from_metadata(
            &super::saml_metadata::parse(metadata).expect("seed metadata"),
        );
        let documents: Vec<String> = responses_b64
            .iter()
            .map(|b| saml::decode(b).expect("a seed response decodes"))
            .collect();
        let read = documents
            .iter()
            .map(|d| signed_part(saml::verify(d.clone(), &certs, true).expect("a seed verifies")))
            .collect();
        Self {
            certs,
            documents,
            read,
        }
    }

    /// The seed responses, decoded (starting points for mutation).
    #[must_use]
    pub fn documents(&self) -> &[String] {
        &self.documents
    }

    /// Whether a decoded response verifies with the seed certificates (SHA-1 allowed).
    #[must_use]
    pub fn verifies(&self, xml: &str) -> bool {
        saml::verify(xml.to_owned(), &self.certs, true).is_ok()
    }
}

/// What a verified response says that its signed Assertion vouches for: the Response's own
/// `Issuer` and `Destination` are left out, as a signature on the Assertion alone does not
/// cover them (the caller checks them against the provider and the deployment).
fn signed_part(mut v: Verified) -> Verified {
    v.response_issuer = None;
    v.destination = None;
    v
}

/// Verifies `data` as a decoded SAML response (with and without SHA-1 allowed), and decodes
/// it as the base64 AssumeRoleWithSAML receives. Law: a response that verifies reads what a
/// seed's signed Assertion says.
///
/// # Panics
/// When the law is broken (that is the finding).
pub fn saml_target(seeds: &SamlSeeds, data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(decoded) = saml::decode(text) {
        check_saml(seeds, decoded, false);
    }
    check_saml(seeds, text.to_owned(), true);
    check_saml(seeds, text.to_owned(), false);
}

fn check_saml(seeds: &SamlSeeds, xml: String, allow_sha1: bool) {
    if let Ok(v) = saml::verify(xml, &seeds.certs, allow_sha1) {
        let v = signed_part(v);
        assert!(
            seeds.read.contains(&v),
            "a response verified that says what no seed says: {v:?}"
        );
    }
}

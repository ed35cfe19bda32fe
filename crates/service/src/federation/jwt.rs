//! JSON Web Tokens as AssumeRoleWithWebIdentity receives them: compact JWS only, parsed
//! strictly, verified with a key from the issuer's JWKS under an algorithm pinned by that key.
//!
//! - The algorithm comes from the header but must be one of [`Alg`] (no `none`, no HMAC) and
//!   must fit the key: RSA keys verify `RS*`/`PS*`, P-256 `ES256`, P-384 `ES384`, P-521
//!   `ES512`, Ed25519 `EdDSA`; a key that names its `alg` verifies only that one.
//! - Keys are never taken from the token: a header carrying `jku`, `x5u`, `jwk` or `x5c` (or
//!   any `crit` extension) is refused outright.
//! - Header and claims are JSON objects without repeated members (a parser differential is
//!   refused, not resolved); base64url without padding, as RFC 7515 requires.
//!
//! <https://datatracker.ietf.org/doc/html/rfc7515>, <https://datatracker.ietf.org/doc/html/rfc7517>,
//! <https://datatracker.ietf.org/doc/html/rfc7518>

use aws_lc_rs::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use base64::Engine as _;
use serde_json::{Map, Value};

/// Why a token was refused (the caller sees `InvalidIdentityToken`; the reason goes to logs
/// and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwtError {
    /// Not three base64url segments of JSON objects.
    Malformed(&'static str),
    /// `alg` is not one Rolegate verifies (`none`, HMAC, unknown).
    Algorithm(String),
    /// The header names keys of its own (`jku`, `x5u`, `jwk`, `x5c`) or critical extensions.
    ForbiddenHeader(&'static str),
    /// No key of the issuer fits the token's `kid` and `alg`.
    NoKey,
    /// The signature did not verify with any fitting key.
    Signature,
}

/// The algorithms verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// … SHA-384.
    Rs384,
    /// … SHA-512.
    Rs512,
    /// RSASSA-PSS with SHA-256.
    Ps256,
    /// … SHA-384.
    Ps384,
    /// … SHA-512.
    Ps512,
    /// ECDSA P-256 with SHA-256.
    Es256,
    /// ECDSA P-384 with SHA-384.
    Es384,
    /// ECDSA P-521 with SHA-512.
    Es512,
    /// Ed25519.
    EdDsa,
}

impl Alg {
    /// The algorithm a JOSE name denotes (exact spelling; `none`, `HS256`… are `None`).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "RS256" => Alg::Rs256,
            "RS384" => Alg::Rs384,
            "RS512" => Alg::Rs512,
            "PS256" => Alg::Ps256,
            "PS384" => Alg::Ps384,
            "PS512" => Alg::Ps512,
            "ES256" => Alg::Es256,
            "ES384" => Alg::Es384,
            "ES512" => Alg::Es512,
            "EdDSA" => Alg::EdDsa,
            _ => return None,
        })
    }
}

/// A public key from a JWKS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// `kid`.
    pub kid: Option<String>,
    /// The one algorithm it verifies, when the JWK names one.
    pub alg: Option<Alg>,
    /// The key material.
    pub material: Material,
}

/// Key material by type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Material {
    /// RSA modulus and exponent (big-endian).
    Rsa {
        /// `n`.
        n: Vec<u8>,
        /// `e`.
        e: Vec<u8>,
    },
    /// An uncompressed EC point (`04 ‖ x ‖ y`) on a curve.
    Ec {
        /// 256, 384 or 521.
        curve: u16,
        /// The point.
        point: Vec<u8>,
    },
    /// An Ed25519 public key.
    Ed25519(Vec<u8>),
}

impl PublicKey {
    /// Whether this key may verify `alg`.
    pub fn fits(&self, alg: Alg) -> bool {
        if self.alg.is_some_and(|a| a != alg) {
            return false;
        }
        matches!(
            (&self.material, alg),
            (
                Material::Rsa { .. },
                Alg::Rs256 | Alg::Rs384 | Alg::Rs512 | Alg::Ps256 | Alg::Ps384 | Alg::Ps512,
            ) | (Material::Ec { curve: 256, .. }, Alg::Es256)
                | (Material::Ec { curve: 384, .. }, Alg::Es384)
                | (Material::Ec { curve: 521, .. }, Alg::Es512)
                | (Material::Ed25519(_), Alg::EdDsa)
        )
    }

    /// Verifies `sig` over `msg` with `alg` (which must fit).
    fn verify(&self, alg: Alg, msg: &[u8], sig: &[u8]) -> bool {
        if !self.fits(alg) {
            return false;
        }
        match &self.material {
            Material::Rsa { n, e } => {
                let params: &signature::RsaParameters = match alg {
                    Alg::Rs256 => &signature::RSA_PKCS1_2048_8192_SHA256,
                    Alg::Rs384 => &signature::RSA_PKCS1_2048_8192_SHA384,
                    Alg::Rs512 => &signature::RSA_PKCS1_2048_8192_SHA512,
                    Alg::Ps256 => &signature::RSA_PSS_2048_8192_SHA256,
                    Alg::Ps384 => &signature::RSA_PSS_2048_8192_SHA384,
                    Alg::Ps512 => &signature::RSA_PSS_2048_8192_SHA512,
                    _ => return false,
                };
                RsaPublicKeyComponents { n, e }
                    .verify(params, msg, sig)
                    .is_ok()
            }
            Material::Ec { point, .. } => {
                let params: &signature::EcdsaVerificationAlgorithm = match alg {
                    Alg::Es256 => &signature::ECDSA_P256_SHA256_FIXED,
                    Alg::Es384 => &signature::ECDSA_P384_SHA384_FIXED,
                    Alg::Es512 => &signature::ECDSA_P521_SHA512_FIXED,
                    _ => return false,
                };
                UnparsedPublicKey::new(params, point)
                    .verify(msg, sig)
                    .is_ok()
            }
            Material::Ed25519(k) => UnparsedPublicKey::new(&signature::ED25519, k)
                .verify(msg, sig)
                .is_ok(),
        }
    }
}

fn b64(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .ok()
}

/// The keys of a JWKS document (`{"keys": [...]}`) that Rolegate can use for signatures;
/// others (encryption keys, symmetric keys, unknown types) are skipped. `None`: not a JWKS.
pub fn parse_jwks(body: &[u8]) -> Option<Vec<PublicKey>> {
    let doc: Value = serde_json::from_slice(body).ok()?;
    let keys = doc.get("keys")?.as_array()?;
    Some(keys.iter().take(MAX_KEYS).filter_map(parse_jwk).collect())
}

/// Most keys read from one JWKS.
pub const MAX_KEYS: usize = 100;

fn parse_jwk(k: &Value) -> Option<PublicKey> {
    let s = |name: &str| k.get(name).and_then(Value::as_str);
    if s("use").is_some_and(|u| u != "sig") {
        return None;
    }
    let alg = match s("alg") {
        Some(a) => Some(Alg::from_name(a)?),
        None => None,
    };
    let material = match s("kty")? {
        "RSA" => {
            let n = b64(s("n")?)?;
            let e = b64(s("e")?)?;
            Material::Rsa { n, e }
        }
        "EC" => {
            let (curve, len) = match s("crv")? {
                "P-256" => (256, 32),
                "P-384" => (384, 48),
                "P-521" => (521, 66),
                _ => return None,
            };
            let x = b64(s("x")?)?;
            let y = b64(s("y")?)?;
            if x.len() != len || y.len() != len {
                return None;
            }
            let mut point = Vec::with_capacity(1 + 2 * len);
            point.push(4);
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            Material::Ec { curve, point }
        }
        "OKP" if s("crv")? == "Ed25519" => {
            let x = b64(s("x")?)?;
            if x.len() != 32 {
                return None;
            }
            Material::Ed25519(x)
        }
        _ => return None,
    };
    Some(PublicKey {
        kid: s("kid").map(str::to_owned),
        alg,
        material,
    })
}

/// A token split and parsed, not yet verified.
#[derive(Debug, Clone)]
pub struct Unverified<'a> {
    /// `alg`.
    pub alg: Alg,
    /// `kid`.
    pub kid: Option<String>,
    /// The claims (untrusted until [`Unverified::verify`] succeeds).
    pub claims: Map<String, Value>,
    signing_input: &'a str,
    signature: Vec<u8>,
}

/// Header members that would let the token choose its own key.
const KEY_CARRYING: [&str; 5] = ["jku", "x5u", "jwk", "x5c", "crit"];

/// Splits and parses a compact JWS.
pub fn parse(token: &str) -> Result<Unverified<'_>, JwtError> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed("not three segments"));
    };
    let header = strict_object(&b64(h).ok_or(JwtError::Malformed("header encoding"))?)
        .ok_or(JwtError::Malformed("header is not a JSON object"))?;
    for name in KEY_CARRYING {
        if header.contains_key(name) {
            return Err(JwtError::ForbiddenHeader(name));
        }
    }
    let alg_name = header
        .get("alg")
        .and_then(Value::as_str)
        .ok_or(JwtError::Malformed("no alg"))?;
    // The refused name goes to logs: bounded, whatever the token says.
    let alg = Alg::from_name(alg_name)
        .ok_or_else(|| JwtError::Algorithm(alg_name.chars().take(32).collect()))?;
    let kid = match header.get("kid") {
        None => None,
        Some(Value::String(k)) => Some(k.clone()),
        Some(_) => return Err(JwtError::Malformed("kid is not a string")),
    };
    let claims = strict_object(&b64(p).ok_or(JwtError::Malformed("payload encoding"))?)
        .ok_or(JwtError::Malformed("payload is not a JSON object"))?;
    let signature = b64(s).ok_or(JwtError::Malformed("signature encoding"))?;
    Ok(Unverified {
        alg,
        kid,
        claims,
        signing_input: &token[..h.len() + 1 + p.len()],
        signature,
    })
}

impl Unverified<'_> {
    /// The keys that may have signed it: those with its `kid` (all, when it names none) that
    /// fit its algorithm.
    pub fn candidates<'k>(&self, keys: &'k [PublicKey]) -> impl Iterator<Item = &'k PublicKey> {
        keys.iter()
            .filter(move |k| (self.kid.is_none() || k.kid == self.kid) && k.fits(self.alg))
    }

    /// Whether some key of the set fits the token (its `kid` is known).
    pub fn has_candidate(&self, keys: &[PublicKey]) -> bool {
        self.candidates(keys).next().is_some()
    }

    /// Verifies the signature with the fitting keys; the claims, once it succeeds.
    pub fn verify(self, keys: &[PublicKey]) -> Result<Map<String, Value>, JwtError> {
        let mut any = false;
        let mut verified = false;
        for k in self.candidates(keys) {
            any = true;
            if k.verify(self.alg, self.signing_input.as_bytes(), &self.signature) {
                verified = true;
                break;
            }
        }
        if verified {
            return Ok(self.claims);
        }
        Err(if any {
            JwtError::Signature
        } else {
            JwtError::NoKey
        })
    }
}

/// A JSON object whose members each appear once, at every depth (`None` otherwise, or when it
/// is not valid UTF-8 JSON, or not an object): a nested claim such as the session-tags object
/// read two ways by two parsers would be a parser differential too.
pub fn strict_object(bytes: &[u8]) -> Option<Map<String, Value>> {
    use serde::Deserialize as _;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = Strict::deserialize(&mut de).ok()?.0;
    de.end().ok()?;
    match value {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// A JSON value without repeated members in any object.
struct Strict(Value);

impl<'de> serde::Deserialize<'de> for Strict {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JSON without repeated members")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(v)) = seq.next_element::<Strict>()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some((k, Strict(v))) = access.next_entry::<String, Strict>()? {
            if map.contains_key(&k) {
                return Err(serde::de::Error::custom("repeated member"));
            }
            map.insert(k, v);
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v)
    }

    #[test]
    fn refuses_none_hmac_and_embedded_keys() {
        for alg in ["none", "None", "nOnE", "HS256", "HS384", "HS512", "RS1", ""] {
            let t = format!("{}.{}.", enc(&format!(r#"{{"alg":"{alg}"}}"#)), enc("{}"));
            assert!(
                matches!(parse(&t), Err(JwtError::Algorithm(_))),
                "{alg}: {:?}",
                parse(&t).err()
            );
        }
        for h in [
            r#"{"alg":"RS256","jku":"https://evil"}"#,
            r#"{"alg":"RS256","x5u":"https://evil"}"#,
            r#"{"alg":"RS256","jwk":{"kty":"RSA"}}"#,
            r#"{"alg":"RS256","x5c":["MII"]}"#,
            r#"{"alg":"RS256","crit":["exp"]}"#,
        ] {
            let t = format!("{}.{}.c2ln", enc(h), enc("{}"));
            assert!(
                matches!(parse(&t), Err(JwtError::ForbiddenHeader(_))),
                "{h}"
            );
        }
    }

    #[test]
    fn strict_json() {
        assert!(strict_object(br#"{"sub":"a","sub":"b"}"#).is_none());
        assert!(strict_object(br#"{"sub":"a"} x"#).is_none());
        assert!(strict_object(br#"["sub"]"#).is_none());
        assert!(strict_object(b"{\"sub\":\"\xff\"}").is_none());
        assert_eq!(strict_object(br#"{"a":{"b":1}}"#).map(|m| m.len()), Some(1));
        let t = format!(
            "{}.{}.c2ln",
            enc(r#"{"alg":"RS256"}"#),
            enc(r#"{"sub":"a","sub":"b"}"#)
        );
        assert!(matches!(parse(&t), Err(JwtError::Malformed(_))));
        assert!(parse("a.b").is_err());
        assert!(parse("a.b.c.d").is_err());
    }

    #[test]
    fn keys_fit_their_algorithms() {
        let rsa = PublicKey {
            kid: None,
            alg: None,
            material: Material::Rsa {
                n: vec![1],
                e: vec![1],
            },
        };
        assert!(rsa.fits(Alg::Rs256) && rsa.fits(Alg::Ps512));
        assert!(!rsa.fits(Alg::Es256) && !rsa.fits(Alg::EdDsa));
        let pinned = PublicKey {
            alg: Some(Alg::Rs256),
            ..rsa
        };
        assert!(pinned.fits(Alg::Rs256) && !pinned.fits(Alg::Ps256));
    }

    #[test]
    fn repeated_members_are_refused_at_any_depth() {
        assert!(strict_object(br#"{"a":1,"b":{"c":[1,{"d":2}]}}"#).is_some());
        for bad in [
            &br#"{"a":1,"a":2}"#[..],
            br#"{"t":{"k":"v","k":"w"}}"#,
            br#"{"t":[{"k":1,"k":2}]}"#,
            br#"{"https://aws.amazon.com/tags":{"principal_tags":{},"principal_tags":{}}}"#,
            b"[1]",
            br#"{"a":1} x"#,
        ] {
            assert!(
                strict_object(bad).is_none(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}

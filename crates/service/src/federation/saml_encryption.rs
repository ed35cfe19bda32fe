//! Encrypted SAML assertions (`saml:EncryptedAssertion`, XML Encryption 1.1:
//! <https://www.w3.org/TR/xmlenc-core1/>), as AWS IAM supports them with a SAML provider's
//! private keys (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateSAMLProvider.html>).
//!
//! What this module owns:
//! - a provider's private key ([`DecryptionKey`]): a PEM RSA key (PKCS#8 `PRIVATE KEY` or
//!   PKCS#1 `RSA PRIVATE KEY`, unencrypted) of 2048 to 8192 bits, checked when it is added,
//!   read from the store when an assertion arrives and parsed once per PEM text
//!   ([`KeyCache`]); never printed (no `Debug` of the material, no error that carries it);
//! - the one `xenc:EncryptedData` of an `EncryptedAssertion`, decrypted under an allowlist
//!   checked on the parsed element *before* any key is touched: content `aes128-gcm`,
//!   `aes256-gcm`, `aes128-cbc`, `aes256-cbc`; key transport `rsa-oaep-mgf1p` or XML Encryption
//!   1.1 `rsa-oaep` with SHA-1 or SHA-256 digests and MGF1 with SHA-1 or SHA-256, the
//!   `EncryptedKey` inside the `EncryptedData`'s own `KeyInfo` (no `RetrievalMethod`, no
//!   `CipherReference`, no agreement or derived keys). RSA PKCS#1 v1.5 key transport
//!   (Bleichenbacher) and TripleDES are not compiled in, so they cannot be allowed by mistake;
//! - the plaintext: XML of one element, bounded by the ciphertext (itself inside the 100,000
//!   characters of the request), without DTD or entity declarations (the same `<!` check as
//!   the outer document).
//!
//! Whether the decrypted Assertion is *trusted* is not decided here: `federation::saml` puts
//! it through the same structure, signature and content checks as a plaintext one.

use std::sync::Arc;

use xml_sec::{
    policy::DecryptionPolicy,
    provider::KeyRecoveryKey,
    xmlenc::{
        CipherData, DataEncryptionAlgorithm, DecryptContext, DecryptedContent, EncryptedData,
        KeyTransportAlgorithm, OaepDigestAlgorithm, PrivateKeyDecryptor,
    },
};

/// The content encryption algorithms accepted (XML Encryption 1.0 CBC, 1.1 GCM).
const DATA_ALGORITHMS: [&str; 4] = [
    "http://www.w3.org/2009/xmlenc11#aes128-gcm",
    "http://www.w3.org/2009/xmlenc11#aes256-gcm",
    "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
    "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
];
/// The key transport algorithms accepted (RSA-OAEP only).
const KEY_TRANSPORT: [&str; 2] = [
    "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p",
    "http://www.w3.org/2009/xmlenc11#rsa-oaep",
];
/// OAEP digests accepted (absent: SHA-1).
const OAEP_DIGESTS: [&str; 2] = [
    "http://www.w3.org/2000/09/xmldsig#sha1",
    "http://www.w3.org/2001/04/xmlenc#sha256",
];
/// MGF1 digests accepted (absent: MGF1 with SHA-1).
const MGF: [&str; 2] = [
    "http://www.w3.org/2009/xmlenc11#mgf1sha1",
    "http://www.w3.org/2009/xmlenc11#mgf1sha256",
];
/// Smallest and largest RSA modulus of a provider key.
const MIN_BITS: usize = 2048;
const MAX_BITS: usize = 8192;

/// Why a private key is refused (said without the key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyError {
    /// Not one PEM block of an unencrypted `PRIVATE KEY` or `RSA PRIVATE KEY`.
    NotPem,
    /// Not an RSA private key this server can use.
    NotRsa,
    /// Fewer than 2048 or more than 8192 bits.
    Size,
}

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::NotPem => {
                "The private key must be one unencrypted PEM block (PRIVATE KEY or RSA PRIVATE KEY)."
            }
            Self::NotRsa => "The private key is not a valid RSA private key.",
            Self::Size => "The private key must be an RSA key of 2048 to 8192 bits.",
        })
    }
}

/// A SAML provider's private key, ready to decrypt with. Cannot be printed.
#[derive(Clone)]
pub struct DecryptionKey {
    key: Arc<dyn KeyRecoveryKey>,
}

impl std::fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DecryptionKey(<redacted>)")
    }
}

impl DecryptionKey {
    /// From the PEM text a caller uploaded (`AddPrivateKey`) or the store kept.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let (rest, block) = x509_parser::pem::parse_x509_pem(pem.trim().as_bytes())
            .map_err(|_| KeyError::NotPem)?;
        if !rest.iter().all(u8::is_ascii_whitespace) {
            return Err(KeyError::NotPem);
        }
        let der = zeroize::Zeroizing::new(block.contents);
        let pkcs8 = match block.label.as_str() {
            "PRIVATE KEY" => zeroize::Zeroizing::new(der.to_vec()),
            "RSA PRIVATE KEY" => pkcs8_of_pkcs1(&der),
            _ => return Err(KeyError::NotPem),
        };
        let key = xml_sec::provider::default_provider()
            .import_recovery_key(&pkcs8)
            .map_err(|_| KeyError::NotRsa)?;
        if !(MIN_BITS..=MAX_BITS).contains(&key.rsa_modulus_bits()) {
            return Err(KeyError::Size);
        }
        Ok(Self { key })
    }
}

/// Parsed provider keys, by the SHA-256 of their PEM text: an encrypted assertion does not
/// parse and import its provider's keys again on every call. Content-addressed, so a key
/// added to a provider is a new entry, a removed one is never asked for again, and no entry
/// can stand for other text; at most [`MAX_CACHED_KEYS`] entries (past it the cache starts
/// over). Keys that do not read are not kept.
#[derive(Default)]
pub struct KeyCache {
    keys: std::sync::Mutex<std::collections::HashMap<[u8; 32], DecryptionKey>>,
}

/// Parsed keys kept at most (two per SAML provider).
pub const MAX_CACHED_KEYS: usize = 1024;

impl KeyCache {
    /// The key of this PEM text, parsed once.
    pub fn get(&self, pem: &str) -> Result<DecryptionKey, KeyError> {
        use sha2::Digest as _;
        let digest: [u8; 32] = sha2::Sha256::digest(pem.as_bytes()).into();
        if let Some(k) = self.keys.lock().ok().and_then(|m| m.get(&digest).cloned()) {
            return Ok(k);
        }
        let key = DecryptionKey::from_pem(pem)?;
        if let Ok(mut m) = self.keys.lock() {
            if m.len() >= MAX_CACHED_KEYS {
                m.clear();
            }
            m.insert(digest, key.clone());
        }
        Ok(key)
    }

    /// How many keys are kept.
    pub fn len(&self) -> usize {
        self.keys.lock().map_or(0, |m| m.len())
    }

    /// Whether no key is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// DER length octets.
fn der_len(n: usize, out: &mut Vec<u8>) {
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
}

/// `PrivateKeyInfo { version 0, rsaEncryption NULL, OCTET STRING pkcs1 }` (RFC 5208).
fn pkcs8_of_pkcs1(pkcs1: &[u8]) -> zeroize::Zeroizing<Vec<u8>> {
    const HEAD: [u8; 18] = [
        0x02, 0x01, 0x00, // INTEGER 0
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05,
        0x00, // AlgorithmIdentifier rsaEncryption, NULL
    ];
    let mut octets = Vec::with_capacity(pkcs1.len() + 8);
    octets.push(0x04);
    der_len(pkcs1.len(), &mut octets);
    octets.extend_from_slice(pkcs1);
    let mut out = Vec::with_capacity(octets.len() + HEAD.len() + 8);
    out.push(0x30);
    der_len(HEAD.len() + octets.len(), &mut out);
    out.extend_from_slice(&HEAD);
    out.extend_from_slice(&octets);
    zeroize::Zeroize::zeroize(&mut octets);
    zeroize::Zeroizing::new(out)
}

/// Why an encrypted assertion is not decrypted (every one is `InvalidIdentityToken`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecryptError {
    /// Not one well-formed `EncryptedData` of the profile above.
    Structure(&'static str),
    /// An algorithm outside the allowlist (RSA 1.5, TripleDES, …).
    Algorithm(&'static str),
    /// No key of the provider decrypts it (or the provider has none).
    NoKey,
    /// The plaintext is not one XML element without DTD.
    Plaintext(&'static str),
}

/// The decryption policy: the allowlist again, as xml-sec enforces it.
fn policy() -> DecryptionPolicy {
    DecryptionPolicy {
        data_algorithms: Some(
            [
                DataEncryptionAlgorithm::Aes128Gcm,
                DataEncryptionAlgorithm::Aes256Gcm,
                DataEncryptionAlgorithm::Aes128Cbc,
                DataEncryptionAlgorithm::Aes256Cbc,
            ]
            .into_iter()
            .collect(),
        ),
        key_transport_algorithms: Some(
            [
                KeyTransportAlgorithm::RsaOaepMgf1p,
                KeyTransportAlgorithm::RsaOaep11,
            ]
            .into_iter()
            .collect(),
        ),
        key_wrap_algorithms: Some(Default::default()),
        oaep_digests: Some(
            [OaepDigestAlgorithm::Sha1, OaepDigestAlgorithm::Sha256]
                .into_iter()
                .collect(),
        ),
        ..DecryptionPolicy::default()
    }
}

/// Parses the `EncryptedData` element (a child of the `EncryptedAssertion`) and checks it
/// against the allowlist.
pub fn parse(node: xml_sec::XmlDomNode<'_, '_>) -> Result<EncryptedData, DecryptError> {
    let data = xml_sec::xmlenc::parse_encrypted_data_node_with_policy(node, &policy())
        .map_err(|_| DecryptError::Structure("not an EncryptedData this server decrypts"))?;
    if !DATA_ALGORITHMS.contains(&data.encryption_method.algorithm.as_str()) {
        return Err(DecryptError::Algorithm(
            "content encryption is not AES-GCM or AES-CBC",
        ));
    }
    if !data.encapsulation_methods.is_empty()
        || !data.derived_keys.is_empty()
        || !data.agreement_methods.is_empty()
    {
        return Err(DecryptError::Algorithm(
            "key agreement or derived keys are not accepted",
        ));
    }
    if !matches!(data.cipher_data, CipherData::Value { .. }) {
        return Err(DecryptError::Structure("the ciphertext is not inline"));
    }
    if data.encrypted_keys.is_empty() {
        return Err(DecryptError::Structure(
            "no EncryptedKey in the EncryptedData",
        ));
    }
    for k in &data.encrypted_keys {
        let m = &k.encryption_method;
        if !KEY_TRANSPORT.contains(&m.algorithm.as_str()) {
            return Err(DecryptError::Algorithm("key transport is not RSA-OAEP"));
        }
        if m.oaep_digest
            .as_deref()
            .is_some_and(|d| !OAEP_DIGESTS.contains(&d))
            || m.mgf_algorithm
                .as_deref()
                .is_some_and(|d| !MGF.contains(&d))
        {
            return Err(DecryptError::Algorithm(
                "an OAEP digest or MGF other than SHA-1 or SHA-256",
            ));
        }
        if !matches!(k.cipher_data, CipherData::Value { .. }) {
            return Err(DecryptError::Structure("the wrapped key is not inline"));
        }
    }
    Ok(data)
}

/// Decrypts with each of the provider's keys in turn; the plaintext must be one element.
pub fn decrypt(data: &EncryptedData, keys: &[DecryptionKey]) -> Result<String, DecryptError> {
    for key in keys {
        let resolver = PrivateKeyDecryptor::provider_key(key.key.clone());
        let Ok(content) = DecryptContext::new(&resolver)
            .policy(policy())
            .decrypt_data(data)
        else {
            continue;
        };
        let DecryptedContent::Xml(xml) = content else {
            return Err(DecryptError::Plaintext("the plaintext is not XML"));
        };
        return checked_plaintext(xml);
    }
    Err(DecryptError::NoKey)
}

/// The plaintext: no DTD or entity (as [`super::saml::decode`] checks the outer document),
/// no XML declaration, one element.
fn checked_plaintext(xml: String) -> Result<String, DecryptError> {
    if xml.len() > super::saml::MAX_BASE64 {
        return Err(DecryptError::Plaintext("the plaintext is too large"));
    }
    let mut rest = xml.as_str();
    while let Some(at) = rest.find("<!") {
        let after = &rest[at + 2..];
        if !(after.starts_with("--") || after.starts_with("[CDATA[")) {
            return Err(DecryptError::Plaintext("a DTD or entity declaration"));
        }
        rest = after;
    }
    if !xml.trim_start().starts_with('<') || xml.trim_start().starts_with("<?") {
        return Err(DecryptError::Plaintext("the plaintext is not one element"));
    }
    Ok(xml)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_must_be_rsa_pem_of_a_sensible_size() {
        assert_eq!(
            DecryptionKey::from_pem("not a key").err(),
            Some(KeyError::NotPem)
        );
        let ec = rcgen::KeyPair::generate().expect("key");
        assert_eq!(
            DecryptionKey::from_pem(&ec.serialize_pem()).err(),
            Some(KeyError::NotRsa)
        );
        let cert = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert_eq!(DecryptionKey::from_pem(cert).err(), Some(KeyError::NotPem));
        let dbg = format!(
            "{:?}",
            DecryptionKey::from_pem(include_str!("../../tests/data/saml/encrypted/sp1.key"))
        );
        assert!(dbg.contains("redacted"), "{dbg}");
        assert!(!dbg.contains("MII"), "{dbg}");
    }

    #[test]
    fn keys_are_parsed_once_per_text() {
        let cache = KeyCache::default();
        let pem = include_str!("../../tests/data/saml/encrypted/sp1.key");
        let a = cache.get(pem).expect("key");
        let b = cache.get(pem).expect("key");
        assert!(
            Arc::ptr_eq(&a.key, &b.key),
            "the second read is the first key"
        );
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.get("not a key").err(), Some(KeyError::NotPem));
        assert_eq!(cache.len(), 1, "a key that does not read is not kept");
        // Other text (a re-encoded key) is another entry, never the first key.
        let c = cache.get(&format!("{pem}\n")).expect("key");
        assert!(!Arc::ptr_eq(&a.key, &c.key));
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn pkcs1_is_wrapped_as_pkcs8() {
        // The same key in both forms decrypts alike: the PKCS#1 form imports.
        assert!(
            DecryptionKey::from_pem(include_str!(
                "../../tests/data/saml/encrypted/sp1-pkcs1.key"
            ))
            .is_ok()
        );
        assert!(
            DecryptionKey::from_pem(include_str!("../../tests/data/saml/encrypted/sp1.key"))
                .is_ok()
        );
    }
}

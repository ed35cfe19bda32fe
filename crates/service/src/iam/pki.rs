//! What users upload as keys and certificates, checked before anything is stored: SSH public
//! keys (`ssh-rsa` or PEM), X.509 certificates, certificate chains and private keys (PEM).
//!
//! Parsing is x509-parser's (DER, PEM blocks, signatures through aws-lc-rs) and aws-lc-rs's
//! (private keys); the SSH wire format is a few length-prefixed fields read here. No error
//! message ever quotes what was uploaded: a private key must not come back in an error.

use base64::Engine as _;
use md5::Md5;
use sha2::Sha256;
use x509_parser::{
    certificate::X509Certificate,
    pem::Pem,
    prelude::FromDer as _,
    public_key::{PublicKey, RSAPublicKey},
    x509::SubjectPublicKeyInfo,
};

use crate::error::{Result, ServiceError};

/// The shortest RSA modulus AWS takes for an SSH public key.
pub const MIN_SSH_KEY_BITS: usize = 2048;
/// The longest RSA modulus taken for an SSH public key: OpenSSH's own limit (AWS documents
/// none; a longer key is refused rather than stored and fingerprinted).
pub const MAX_SSH_KEY_BITS: usize = 16384;
/// The largest public exponent taken (exclusive): 2^32. Real keys use 65537; an exponent of
/// 1 (no encryption at all) or an even one is no RSA key.
pub const MAX_SSH_EXPONENT_BYTES: usize = 4;

/// The most certificates a server certificate's chain may hold (AWS documents no number;
/// real chains hold one to four): each is parsed and its signature checked on upload.
pub const MAX_CHAIN_CERTIFICATES: usize = 10;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// An SSH public key, reduced to what both encodings are made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshKey {
    /// The RSA public exponent, big-endian without leading zeros.
    pub e: Vec<u8>,
    /// The RSA modulus, big-endian without leading zeros.
    pub n: Vec<u8>,
}

fn unrecognized() -> ServiceError {
    ServiceError::UnrecognizedPublicKeyEncoding(
        "The public key encoding format is unsupported or unrecognized. Use ssh-rsa or PEM.".into(),
    )
}

fn invalid_key(why: &str) -> ServiceError {
    ServiceError::InvalidPublicKey(format!("The public key is invalid: {why}."))
}

/// A positive integer's magnitude from its two's-complement big-endian encoding (SSH's
/// `mpint`, DER's INTEGER content), which must be minimal: `None` for an empty, negative or
/// zero-padded encoding (RFC 4251 §5 forbids "unnecessary leading bytes").
fn positive_minimal(raw: &[u8]) -> Option<Vec<u8>> {
    match raw {
        [] => None,
        [first, ..] if first & 0x80 != 0 => None,
        [0] | [0, 0x00..=0x7f, ..] => None,
        [0, rest @ ..] => Some(rest.to_vec()),
        _ => Some(raw.to_vec()),
    }
}

fn strip_zeros(b: &[u8]) -> Vec<u8> {
    let start = b.iter().position(|x| *x != 0).unwrap_or(b.len());
    b[start..].to_vec()
}

fn bits(n: &[u8]) -> usize {
    match n.first() {
        Some(first) => (n.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
        None => 0,
    }
}

/// Reads one length-prefixed SSH string.
fn ssh_string<'a>(b: &mut &'a [u8]) -> Option<&'a [u8]> {
    let (len, rest) = b.split_first_chunk::<4>()?;
    let len = usize::try_from(u32::from_be_bytes(*len)).ok()?;
    if rest.len() < len {
        return None;
    }
    let (s, rest) = rest.split_at(len);
    *b = rest;
    Some(s)
}

fn put_ssh_string(out: &mut Vec<u8>, s: &[u8]) {
    let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(s);
}

/// An unsigned big-endian integer as SSH's `mpint` or DER's INTEGER content: a zero byte
/// first when the high bit is set.
fn positive(n: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(n.len() + 1);
    if n.first().is_none_or(|b| b & 0x80 != 0) {
        v.push(0);
    }
    v.extend_from_slice(n);
    v
}

impl SshKey {
    /// Parses an uploaded key: `ssh-rsa AAAA… [comment]`, or a PEM `PUBLIC KEY`
    /// (SubjectPublicKeyInfo) or `RSA PUBLIC KEY` (PKCS#1) block. Another kind of key or
    /// encoding is `UnrecognizedPublicKeyEncoding`; a damaged or short key `InvalidPublicKey`.
    pub fn parse(body: &str) -> Result<Self> {
        let text = body.trim();
        let key = if text.starts_with("-----BEGIN ") {
            Self::from_pem(text)?
        } else {
            let mut fields = text.split_ascii_whitespace();
            if fields.next() != Some("ssh-rsa") {
                return Err(unrecognized());
            }
            let blob = fields
                .next()
                .and_then(|b| B64.decode(b).ok())
                .ok_or_else(|| invalid_key("the key is not base64"))?;
            Self::from_blob(&blob)?
        };
        key.check()?;
        Ok(key)
    }

    /// What makes an RSA public key one worth storing: a modulus of 2048 to 16384 bits, odd;
    /// an odd exponent of at least 3 and below 2^32 (so below the modulus).
    fn check(&self) -> Result<()> {
        let n_bits = bits(&self.n);
        if n_bits < MIN_SSH_KEY_BITS {
            return Err(invalid_key("the key must be at least 2048 bits long"));
        }
        if n_bits > MAX_SSH_KEY_BITS {
            return Err(invalid_key("the key must be at most 16384 bits long"));
        }
        if self.n.last().is_none_or(|b| b & 1 == 0) {
            return Err(invalid_key("the modulus is not odd"));
        }
        if self.e.last().is_none_or(|b| b & 1 == 0) {
            return Err(invalid_key("the public exponent is not odd"));
        }
        let small = self.e.len() <= MAX_SSH_EXPONENT_BYTES;
        let e = self.e.iter().fold(0u64, |v, b| (v << 8) | u64::from(*b));
        if !small || e < 3 {
            return Err(invalid_key(
                "the public exponent must be at least 3 and less than 2^32",
            ));
        }
        Ok(())
    }

    fn from_blob(mut blob: &[u8]) -> Result<Self> {
        let b = &mut blob;
        match ssh_string(b) {
            Some(b"ssh-rsa") => {}
            Some(_) => return Err(invalid_key("the key data is not an ssh-rsa key")),
            None => return Err(invalid_key("the key data is truncated")),
        }
        let e = ssh_string(b).ok_or_else(|| invalid_key("the key data is truncated"))?;
        let n = ssh_string(b).ok_or_else(|| invalid_key("the key data is truncated"))?;
        if !b.is_empty() {
            return Err(invalid_key("the key data has trailing bytes"));
        }
        Self::from_integers(e, n)
    }

    /// The key from its exponent and modulus as encoded (SSH mpints or DER INTEGERs): each
    /// a positive integer in its shortest encoding.
    fn from_integers(e: &[u8], n: &[u8]) -> Result<Self> {
        match (positive_minimal(e), positive_minimal(n)) {
            (Some(e), Some(n)) => Ok(Self { e, n }),
            _ => Err(invalid_key(
                "the exponent and modulus must be positive integers in their shortest encoding",
            )),
        }
    }

    fn from_pem(text: &str) -> Result<Self> {
        let pem = single_pem(text).ok_or_else(|| invalid_key("the PEM block cannot be read"))?;
        let rsa = |k: RSAPublicKey<'_>| Self::from_integers(k.exponent, k.modulus);
        match pem.label.as_str() {
            "PUBLIC KEY" => {
                let (rest, spki) = SubjectPublicKeyInfo::from_der(&pem.contents)
                    .map_err(|_| invalid_key("the PEM block is not a public key"))?;
                if !rest.is_empty() {
                    return Err(invalid_key("the PEM block has trailing bytes"));
                }
                match spki.parsed() {
                    Ok(PublicKey::RSA(k)) => rsa(k),
                    Ok(_) => Err(unrecognized()),
                    Err(_) => Err(invalid_key("the PEM block is not a public key")),
                }
            }
            "RSA PUBLIC KEY" => {
                let (rest, k) = RSAPublicKey::from_der(&pem.contents)
                    .map_err(|_| invalid_key("the PEM block is not an RSA public key"))?;
                if !rest.is_empty() {
                    return Err(invalid_key("the PEM block has trailing bytes"));
                }
                rsa(k)
            }
            _ => Err(unrecognized()),
        }
    }

    /// The key in SSH wire format (`string "ssh-rsa", mpint e, mpint n`).
    pub fn blob(&self) -> Vec<u8> {
        let mut out = Vec::new();
        put_ssh_string(&mut out, b"ssh-rsa");
        put_ssh_string(&mut out, &positive(&self.e));
        put_ssh_string(&mut out, &positive(&self.n));
        out
    }

    /// AWS's (and `ssh-keygen -l -E md5`'s) fingerprint: MD5 of the blob, colon-separated hex.
    pub fn fingerprint(&self) -> String {
        <Md5 as md5::Digest>::digest(self.blob())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    }

    /// `Encoding=SSH`: `ssh-rsa BASE64`.
    pub fn to_ssh(&self) -> String {
        format!("ssh-rsa {}", B64.encode(self.blob()))
    }

    /// `Encoding=PEM`: a `PUBLIC KEY` (SubjectPublicKeyInfo) block.
    pub fn to_pem(&self) -> String {
        let rsa_key = der(
            0x30,
            &[der(0x02, &positive(&self.n)), der(0x02, &positive(&self.e))].concat(),
        );
        // rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters.
        let algorithm: &[u8] = &[
            0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05,
            0x00,
        ];
        let bit_string = der(0x03, &[&[0u8][..], &rsa_key].concat());
        let spki = der(0x30, &[algorithm, &bit_string].concat());
        pem_block("PUBLIC KEY", &spki)
    }
}

/// A DER TLV.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap_or(0));
    } else {
        let bytes = strip_zeros(&len.to_be_bytes());
        out.push(0x80 | u8::try_from(bytes.len()).unwrap_or(0));
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(content);
    out
}

/// A PEM block, 64 characters a line.
fn pem_block(label: &str, der: &[u8]) -> String {
    let text = B64.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in text.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The PEM blocks of a text that holds nothing else (whitespace aside); `None` when a block
/// is damaged or there is text outside the blocks.
fn pem_blocks(text: &str) -> Option<Vec<Pem>> {
    let text = text.trim();
    if !text.starts_with("-----BEGIN ") || !text.ends_with("-----") {
        return None;
    }
    // Every line outside a block must be empty: x509-parser skips such lines silently.
    let mut inside = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with("-----BEGIN ") {
            if inside {
                return None;
            }
            inside = true;
        } else if line.starts_with("-----END ") {
            if !inside {
                return None;
            }
            inside = false;
        } else if !inside && !line.is_empty() {
            return None;
        }
    }
    if inside {
        return None;
    }
    let blocks = Pem::iter_from_buffer(text.as_bytes())
        .collect::<std::result::Result<Vec<_>, _>>()
        .ok()?;
    (!blocks.is_empty()).then_some(blocks)
}

fn single_pem(text: &str) -> Option<Pem> {
    let mut blocks = pem_blocks(text)?;
    (blocks.len() == 1).then(|| blocks.remove(0))
}

fn malformed(why: &str) -> ServiceError {
    ServiceError::MalformedCertificate(why.to_owned())
}

/// An uploaded X.509 certificate, checked.
#[derive(Debug, Clone)]
pub struct Certificate {
    /// Its DER.
    pub der: Vec<u8>,
    /// `notAfter`, unix seconds.
    pub not_after: i64,
}

impl Certificate {
    /// SHA-256 of the DER, hex (the same certificate in any PEM spelling is the same).
    pub fn digest(&self) -> String {
        <Sha256 as sha2::Digest>::digest(&self.der)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn parsed(&self) -> Result<X509Certificate<'_>> {
        let (rest, cert) = X509Certificate::from_der(&self.der).map_err(|_| {
            malformed(
                "Unable to parse certificate. Please ensure the certificate is in PEM format.",
            )
        })?;
        if !rest.is_empty() {
            return Err(malformed(
                "Unable to parse certificate. Please ensure the certificate is in PEM format.",
            ));
        }
        Ok(cert)
    }

    fn from_pem(p: Pem, now: i64) -> Result<Self> {
        if p.label != "CERTIFICATE" {
            return Err(malformed(
                "Unable to parse certificate. Please ensure the certificate is in PEM format.",
            ));
        }
        let c = Certificate {
            der: p.contents,
            not_after: 0,
        };
        let cert = c.parsed()?;
        let validity = cert.validity();
        let not_after = validity.not_after.timestamp();
        if not_after <= now {
            return Err(malformed(
                "Certificate is no longer valid. The 'Not After' date restriction on the certificate has passed.",
            ));
        }
        if validity.not_before.timestamp() > now {
            return Err(malformed(
                "Certificate is not valid yet. The 'Not Before' date restriction on the certificate has not been reached.",
            ));
        }
        Ok(Certificate {
            der: c.der,
            not_after,
        })
    }

    /// Exactly one PEM `CERTIFICATE`, valid now.
    pub fn parse(body: &str, now: i64) -> Result<Self> {
        let p = single_pem(body).ok_or_else(|| {
            malformed(
                "Unable to parse certificate. Please ensure the certificate is in PEM format.",
            )
        })?;
        Self::from_pem(p, now)
    }

    /// A chain: one or more PEM certificates, each valid now, the first the issuer of `leaf`
    /// and each the issuer of the one before it (names and signatures).
    /// More than [`MAX_CHAIN_CERTIFICATES`] is `LimitExceeded`, refused before any is parsed.
    pub fn parse_chain(leaf: &Certificate, chain: &str, now: i64) -> Result<Vec<Self>> {
        if chain.matches("-----BEGIN ").count() > MAX_CHAIN_CERTIFICATES {
            return Err(ServiceError::LimitExceeded(format!(
                "Cannot exceed quota for CertificatesPerChain: {MAX_CHAIN_CERTIFICATES}"
            )));
        }
        let blocks = pem_blocks(chain).ok_or_else(|| {
            malformed(
                "Unable to parse certificate chain. Please ensure the chain is in PEM format.",
            )
        })?;
        let certs = blocks
            .into_iter()
            .map(|p| Self::from_pem(p, now))
            .collect::<Result<Vec<_>>>()?;
        let mut child = leaf;
        for parent in &certs {
            if !child.issued_by(parent)? {
                return Err(malformed(
                    "Unable to validate certificate chain. The certificate chain must start with the immediate signing certificate, followed by any intermediaries in order. The index within the chain of the invalid certificate is: 0",
                ));
            }
            child = parent;
        }
        Ok(certs)
    }

    /// Whether `parent` issued this certificate: its subject is our issuer and its key
    /// verifies our signature.
    fn issued_by(&self, parent: &Certificate) -> Result<bool> {
        let (c, p) = (self.parsed()?, parent.parsed()?);
        Ok(c.issuer().as_raw() == p.subject().as_raw()
            && c.verify_signature(Some(p.public_key())).is_ok())
    }

    /// Whether `private_key` (PEM: PKCS#8 `PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY` or SEC1 `EC
    /// PRIVATE KEY`, unencrypted) is this certificate's: `MalformedCertificate` when it cannot
    /// be read, `KeyPairMismatch` when it is another key's.
    pub fn check_private_key(&self, private_key: &str) -> Result<()> {
        use aws_lc_rs::signature::{self, KeyPair as _};
        let unreadable = || {
            malformed(
                "Unable to parse private key. Please ensure the key is an unencrypted RSA or EC private key in PEM format.",
            )
        };
        let mut pem = single_pem(private_key).ok_or_else(unreadable)?;
        let mut der = std::mem::take(&mut pem.contents);
        let ec_algs: [&'static signature::EcdsaSigningAlgorithm; 3] = [
            &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
            &signature::ECDSA_P521_SHA512_ASN1_SIGNING,
        ];
        let public: Option<Vec<u8>> = match pem.label.as_str() {
            "PRIVATE KEY" => signature::RsaKeyPair::from_pkcs8(&der)
                .ok()
                .map(|k| k.public_key().as_ref().to_vec())
                .or_else(|| {
                    ec_algs.iter().find_map(|alg| {
                        signature::EcdsaKeyPair::from_pkcs8(alg, &der)
                            .ok()
                            .map(|k| k.public_key().as_ref().to_vec())
                    })
                }),
            "RSA PRIVATE KEY" => signature::RsaKeyPair::from_der(&der)
                .ok()
                .map(|k| k.public_key().as_ref().to_vec()),
            "EC PRIVATE KEY" => ec_algs.iter().find_map(|alg| {
                signature::EcdsaKeyPair::from_private_key_der(alg, &der)
                    .ok()
                    .map(|k| k.public_key().as_ref().to_vec())
            }),
            _ => None,
        };
        zeroize::Zeroize::zeroize(&mut der);
        let public = public.ok_or_else(unreadable)?;
        let cert = self.parsed()?;
        if cert.public_key().subject_public_key.data.as_ref() != public.as_slice() {
            return Err(ServiceError::KeyPairMismatch(
                "The private key did not match the public key provided in the certificate.".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths() {
        assert_eq!(der(0x04, &[1, 2]), vec![0x04, 2, 1, 2]);
        let long = der(0x04, &[0; 300]);
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2c]);
    }

    #[test]
    fn ssh_key_round_trips_through_both_encodings() {
        let key = SshKey {
            e: vec![1, 0, 1],
            n: [&[0xc0u8][..], &[0x5b; 255]].concat(),
        };
        let ssh = key.to_ssh();
        assert_eq!(
            SshKey::parse(&format!("{ssh} alice@host")).expect("ssh"),
            key
        );
        assert_eq!(SshKey::parse(&key.to_pem()).expect("pem"), key);
        assert_eq!(key.fingerprint().len(), 47);
    }

    fn self_signed(key: &rcgen::KeyPair, cn: &str, ca: bool) -> (rcgen::CertificateParams, String) {
        let mut params = rcgen::CertificateParams::new(vec![cn.to_owned()]).expect("params");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        if ca {
            params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        }
        let pem = params.clone().self_signed(key).expect("certificate").pem();
        (params, pem)
    }

    #[test]
    fn certificates_keys_and_chains() {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let ca_key = rcgen::KeyPair::generate().expect("key");
        let (ca_params, ca_pem) = self_signed(&ca_key, "ca", true);
        let issuer = rcgen::Issuer::new(ca_params, &ca_key);
        let leaf_key = rcgen::KeyPair::generate().expect("key");
        let leaf_pem = rcgen::CertificateParams::new(vec!["www.example.com".into()])
            .expect("params")
            .signed_by(&leaf_key, &issuer)
            .expect("leaf")
            .pem();
        let leaf = Certificate::parse(&leaf_pem, now).expect("leaf parses");
        leaf.check_private_key(&leaf_key.serialize_pem())
            .expect("its own key");
        assert!(matches!(
            leaf.check_private_key(&ca_key.serialize_pem()),
            Err(ServiceError::KeyPairMismatch(_))
        ));
        assert!(matches!(
            leaf.check_private_key("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"),
            Err(ServiceError::MalformedCertificate(_))
        ));
        assert_eq!(
            Certificate::parse_chain(&leaf, &ca_pem, now)
                .expect("the issuer")
                .len(),
            1
        );
        assert!(matches!(
            Certificate::parse_chain(&leaf, &ca_pem.repeat(MAX_CHAIN_CERTIFICATES + 1), now),
            Err(ServiceError::LimitExceeded(_))
        ));
        let other_key = rcgen::KeyPair::generate().expect("key");
        let (_, other_pem) = self_signed(&other_key, "ca", true);
        assert!(matches!(
            Certificate::parse_chain(&leaf, &other_pem, now),
            Err(ServiceError::MalformedCertificate(_))
        ));
        // Same names, another key: the signature decides.
        assert!(matches!(
            Certificate::parse_chain(&leaf, &format!("{other_pem}{ca_pem}"), now),
            Err(ServiceError::MalformedCertificate(_))
        ));
        let rsa = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("rsa");
        let (_, rsa_pem) = self_signed(&rsa, "rsa", false);
        Certificate::parse(&rsa_pem, now)
            .expect("rsa")
            .check_private_key(&rsa.serialize_pem())
            .expect("its own RSA key");
        // Not valid at `now`.
        assert!(matches!(
            Certificate::parse(&rsa_pem, 100_000_000_000),
            Err(ServiceError::MalformedCertificate(_))
        ));
        // Two certificates, text around one: not one certificate.
        for body in [format!("{rsa_pem}{ca_pem}"), format!("x\n{rsa_pem}")] {
            assert!(matches!(
                Certificate::parse(&body, now),
                Err(ServiceError::MalformedCertificate(_))
            ));
        }
    }

    /// `ssh-rsa BASE64` of a blob with `e` and `n` written as given (not re-encoded).
    fn raw_ssh(e: &[u8], n: &[u8]) -> String {
        let mut blob = Vec::new();
        put_ssh_string(&mut blob, b"ssh-rsa");
        put_ssh_string(&mut blob, e);
        put_ssh_string(&mut blob, n);
        format!("ssh-rsa {}", B64.encode(blob))
    }

    #[test]
    fn weak_and_misencoded_rsa_keys() {
        let modulus = |bytes: usize| [&[0x00u8, 0xc3][..], &vec![0x5b; bytes - 1]].concat();
        let n = modulus(256);
        SshKey::parse(&raw_ssh(&[1, 0, 1], &n)).expect("a sound 2048-bit key");
        SshKey::parse(&raw_ssh(&[3], &n)).expect("e = 3");
        SshKey::parse(&raw_ssh(&[1, 0, 1], &modulus(2048))).expect("16384 bits");
        let refused = [
            ("e = 1", raw_ssh(&[1], &n)),
            ("e even", raw_ssh(&[1, 0, 0], &n)),
            ("e = 0", raw_ssh(&[], &n)),
            ("e of 2^32 + 1", raw_ssh(&[1, 0, 0, 0, 1], &n)),
            ("16392 bits", raw_ssh(&[1, 0, 1], &modulus(2049))),
            (
                "n even",
                raw_ssh(&[1, 0, 1], &[&n[..n.len() - 1], &[0x5a][..]].concat()),
            ),
            ("n negative", raw_ssh(&[1, 0, 1], &n[1..])),
            ("e negative", raw_ssh(&[0x81, 0, 1], &n)),
            ("e zero-padded", raw_ssh(&[0, 1, 0, 1], &n)),
            (
                "n zero-padded",
                raw_ssh(&[1, 0, 1], &[&[0u8][..], &n].concat()),
            ),
        ];
        for (why, body) in refused {
            assert!(
                matches!(SshKey::parse(&body), Err(ServiceError::InvalidPublicKey(_))),
                "{why}"
            );
        }
        // The same rules in PEM: a PKCS#1 block with a zero-padded exponent.
        let pkcs1 = der(0x30, &[der(0x02, &n), der(0x02, &[0, 1, 0, 1])].concat());
        assert!(matches!(
            SshKey::parse(&pem_block("RSA PUBLIC KEY", &pkcs1)),
            Err(ServiceError::InvalidPublicKey(_))
        ));
        let e1 = der(0x30, &[der(0x02, &n), der(0x02, &[1])].concat());
        assert!(matches!(
            SshKey::parse(&pem_block("RSA PUBLIC KEY", &e1)),
            Err(ServiceError::InvalidPublicKey(_))
        ));
        let sound = der(0x30, &[der(0x02, &n), der(0x02, &[1, 0, 1])].concat());
        SshKey::parse(&pem_block("RSA PUBLIC KEY", &sound)).expect("sound PKCS#1");
    }

    #[test]
    fn refusals() {
        let short = SshKey {
            e: vec![1, 0, 1],
            n: vec![0xc0; 128],
        };
        assert!(matches!(
            SshKey::parse(&short.to_ssh()),
            Err(ServiceError::InvalidPublicKey(_))
        ));
        assert!(matches!(
            SshKey::parse(
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
            ),
            Err(ServiceError::UnrecognizedPublicKeyEncoding(_))
        ));
        assert!(matches!(
            SshKey::parse("ssh-rsa !!!"),
            Err(ServiceError::InvalidPublicKey(_))
        ));
        assert!(matches!(
            Certificate::parse(
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
                0
            ),
            Err(ServiceError::MalformedCertificate(_))
        ));
    }
}

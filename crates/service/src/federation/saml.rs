//! SAML 2.0 responses as AssumeRoleWithSAML receives them
//! (<https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithSAML.html>,
//! <https://docs.oasis-open.org/security/saml/v2.0/saml-core-2.0-os.pdf>): a base64
//! `samlp:Response` holding exactly one `saml:Assertion` or one `saml:EncryptedAssertion`,
//! signed (the Response, the Assertion or both) with XML-DSig by one of the provider's
//! registered certificates.
//!
//! What this module owns, in order:
//! 1. size (the base64 text is capped before it is decoded) and form: UTF-8, no DTD, no
//!    entity declaration, no processing beyond XML 1.0 well-formedness;
//! 2. structure: the root is a `samlp:Response`; exactly one `saml:Assertion` or (not and)
//!    one `saml:EncryptedAssertion` in the whole document, a child of the root; `ds:Signature`s
//!    only as children of the Response or the (plaintext) Assertion, each with one `Reference`
//!    to its parent's `ID`, and IDs that resolve to exactly one element (duplicate, foreign or
//!    respelled IDs are refused). A provider that requires encryption refuses a plaintext
//!    Assertion here;
//! 3. the signature, verified by the `xml-sec` crate with the provider's certificates only
//!    (never a key the document carries), under a policy that allows SHA-256 and stronger
//!    (RSA-SHA1 / SHA-1 only where the caller allows them), then its *evidence* asked whether
//!    it covers the very Assertion element this module reads — the element verified is the
//!    element read, whatever else the document holds (signature wrapping);
//! 4. for an `EncryptedAssertion`, instead of 3: the Response's signature, when it has one,
//!    is verified first and must cover the Response (so the ciphertext and its wrapped key);
//!    then the one
//!    `EncryptedData` is decrypted with the provider's private keys
//!    ([`super::saml_encryption`]: RSA-OAEP and AES-GCM/CBC only), and the plaintext is parsed
//!    as a document of its own whose root must be the `saml:Assertion`, checked as in 2 (its
//!    signatures are its own, with one `Reference` to its `ID`). It is trusted when its own
//!    signature verifies, or when the Response's signature covered its ciphertext; a
//!    signature it carries must verify either way, and one of the two must exist. Nothing
//!    outside the ciphertext is read as the Assertion, so wrapping is no easier than in 3;
//! 5. the Assertion's content, read from that element: `Issuer`, `Subject/NameID` (text only:
//!    a comment or element inside it is refused, so it cannot be truncated), bearer
//!    `SubjectConfirmationData` (`Recipient`, `NotOnOrAfter`), `Conditions` (`NotBefore`,
//!    `NotOnOrAfter`, `AudienceRestriction`), `AuthnStatement/@SessionNotOnOrAfter` and the
//!    attributes.
//!
//! Issuer, audience, recipient, time and replay checks are the caller's
//! (`sts::saml`), which knows the provider, the deployment's URLs and the clock.

use base64::Engine as _;
use xml_sec::{
    XmlDocument,
    policy::{KeySourceKind, KeySourcePolicy, SignatureConstraints, VerificationPolicy},
    xmldsig::{
        DigestAlgorithm, SignatureAlgorithm, SignatureRequirement, VerificationKey,
        VerificationRequest, VerifyContext,
    },
};

use super::{
    saml_encryption::{self, DecryptError},
    saml_metadata::{KeyKind, public_key_of},
};

pub use super::saml_encryption::DecryptionKey;

/// Longest `SAMLAssertion` (base64), as AWS's model says (`SAMLAssertionType`: 4–100000):
/// checked before anything is decoded.
pub const MAX_BASE64: usize = 100_000;

const PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
const XMLENC: &str = "http://www.w3.org/2001/04/xmlenc#";
const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
/// Most attributes, and values of one attribute, read.
const MAX_ATTRIBUTES: usize = 200;
const MAX_VALUES: usize = 100;

/// Why a response is refused. Every variant is `InvalidIdentityToken` to the caller; the
/// reason goes to the log only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SamlError {
    /// Not base64, too large, not UTF-8, a DTD or entity, not well-formed.
    Malformed(&'static str),
    /// Not the structure above (several assertions, misplaced signatures, IDs…).
    Structure(&'static str),
    /// No signature, an algorithm not allowed, a signature that does not verify with any
    /// registered certificate, or one that does not cover the Assertion.
    Signature(&'static str),
    /// The response's status is not Success.
    Status,
    /// An `EncryptedAssertion` that is not decrypted (algorithm, key, plaintext).
    Encryption(DecryptError),
}

/// One `saml:Attribute`: its `Name` and text values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// `Name`.
    pub name: String,
    /// `AttributeValue` texts.
    pub values: Vec<String>,
}

/// What a verified response says (read from the signed Assertion only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The Assertion's `ID` (the replay cache's key, with the issuer).
    pub id: String,
    /// The Assertion's `Issuer`.
    pub issuer: String,
    /// The Response's `Issuer`, when it has one.
    pub response_issuer: Option<String>,
    /// The Response's `Destination`, when it has one.
    pub destination: Option<String>,
    /// `Subject/NameID` text.
    pub subject: String,
    /// `NameID/@Format`.
    pub subject_format: Option<String>,
    /// Bearer `SubjectConfirmationData` (`Recipient`, `NotOnOrAfter`, `NotBefore`).
    pub confirmations: Vec<Confirmation>,
    /// `Conditions/@NotBefore` (Unix seconds).
    pub not_before: Option<i64>,
    /// `Conditions/@NotOnOrAfter` (Unix seconds).
    pub not_on_or_after: Option<i64>,
    /// `AudienceRestriction`s, each a list of `Audience`s (all restrictions must hold).
    pub audience_restrictions: Vec<Vec<String>>,
    /// `AuthnStatement/@SessionNotOnOrAfter` (Unix seconds), the earliest.
    pub session_not_on_or_after: Option<i64>,
    /// The attribute statement's attributes.
    pub attributes: Vec<Attribute>,
}

/// One bearer `SubjectConfirmationData`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    /// `Recipient`.
    pub recipient: Option<String>,
    /// `NotOnOrAfter` (Unix seconds).
    pub not_on_or_after: Option<i64>,
    /// `NotBefore` (Unix seconds).
    pub not_before: Option<i64>,
}

impl Verified {
    /// The values of the attribute named exactly `name`.
    pub fn attribute(&self, name: &str) -> Option<&[String]> {
        self.attributes
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.values.as_slice())
    }
}

/// Decodes the base64 `SAMLAssertion` (whitespace allowed, as browsers post it).
pub fn decode(b64: &str) -> Result<String, SamlError> {
    if b64.len() > MAX_BASE64 {
        return Err(SamlError::Malformed("larger than 100000 characters"));
    }
    let compact: Vec<u8> = b64.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .map_err(|_| SamlError::Malformed("not base64"))?;
    let text = String::from_utf8(bytes).map_err(|_| SamlError::Malformed("not UTF-8"))?;
    // `<!` opens only comments and CDATA in a document without a DTD: anything else
    // (`<!DOCTYPE`, `<!ENTITY`, …) is refused before the text reaches a parser.
    let mut rest = text.as_str();
    while let Some(at) = rest.find("<!") {
        let after = &rest[at + 2..];
        if !(after.starts_with("--") || after.starts_with("[CDATA[")) {
            return Err(SamlError::Malformed("a DTD or entity declaration"));
        }
        rest = after;
    }
    Ok(text)
}

/// A registered signing certificate, ready to verify with.
#[derive(Debug, Clone)]
pub struct SigningCert {
    kind: KeyKind,
    spki: Vec<u8>,
}

impl SigningCert {
    /// From a certificate (DER) of the provider's metadata.
    pub fn from_der(der: &[u8]) -> Option<Self> {
        let (kind, spki) = public_key_of(der).ok()?;
        Some(Self { kind, spki })
    }

    /// The signing certificates of a parsed metadata document that can verify (others are
    /// skipped).
    pub fn from_metadata(metadata: &super::saml_metadata::Metadata) -> Vec<Self> {
        metadata
            .certificates
            .iter()
            .filter_map(|d| Self::from_der(d))
            .collect()
    }
}

fn strong_signature(alg: SignatureAlgorithm, kind: KeyKind, allow_sha1: bool) -> bool {
    match kind {
        KeyKind::Rsa => {
            matches!(
                alg,
                SignatureAlgorithm::RsaSha256
                    | SignatureAlgorithm::RsaSha384
                    | SignatureAlgorithm::RsaSha512
            ) || (allow_sha1 && alg == SignatureAlgorithm::RsaSha1)
        }
        KeyKind::Ec => matches!(
            alg,
            SignatureAlgorithm::EcdsaSha256
                | SignatureAlgorithm::EcdsaSha384
                | SignatureAlgorithm::EcdsaSha512
        ),
    }
}

/// The verification policy: SAML signature profile, keys only from the caller, SHA-256+
/// (and SHA-1 where allowed).
fn policy(alg: SignatureAlgorithm, allow_sha1: bool) -> VerificationPolicy {
    let mut p = VerificationPolicy {
        signature_constraints: SignatureConstraints::Saml,
        signature_algorithms: Some([alg].into_iter().collect()),
        key_sources: KeySourcePolicy::from([KeySourceKind::PresetKey]),
        ..VerificationPolicy::default()
    };
    let mut digests: std::collections::BTreeSet<DigestAlgorithm> = [
        DigestAlgorithm::Sha256,
        DigestAlgorithm::Sha384,
        DigestAlgorithm::Sha512,
    ]
    .into_iter()
    .collect();
    if allow_sha1 {
        digests.insert(DigestAlgorithm::Sha1);
        if alg == SignatureAlgorithm::RsaSha1 {
            p.key_trust
                .allowed_legacy_signature_algorithms
                .insert(SignatureAlgorithm::RsaSha1);
        }
    }
    p.digest_algorithms = Some(digests);
    p
}

/// What a provider trusts an assertion with: its signing certificates, its private keys (for
/// `EncryptedAssertion`s), whether it requires encryption (`AssertionEncryptionMode`
/// `Required`) and whether it allows SHA-1.
#[derive(Debug, Clone, Copy)]
pub struct Trust<'a> {
    /// The provider's signing certificates.
    pub certs: &'a [SigningCert],
    /// The provider's private keys (tried in turn).
    pub keys: &'a [DecryptionKey],
    /// Plaintext assertions are refused.
    pub require_encryption: bool,
    /// RSA-SHA1 / SHA-1 digests are accepted.
    pub allow_sha1: bool,
}

/// Parses, checks and verifies a decoded response whose assertion is in plaintext, against
/// the provider's certificates.
pub fn verify(xml: String, certs: &[SigningCert], allow_sha1: bool) -> Result<Verified, SamlError> {
    verify_with(
        xml,
        &Trust {
            certs,
            keys: &[],
            require_encryption: false,
            allow_sha1,
        },
    )
}

/// Parses, checks and verifies a decoded response: a plaintext `Assertion` (unless the
/// provider requires encryption) or one `EncryptedAssertion`, decrypted with the provider's
/// keys and then checked like a plaintext one.
pub fn verify_with(xml: String, trust: &Trust<'_>) -> Result<Verified, SamlError> {
    if trust.certs.is_empty() {
        // Fail closed: a provider without a certificate verifies nothing (catalogue F-09).
        return Err(SamlError::Signature(
            "the provider has no signing certificate",
        ));
    }
    let document =
        XmlDocument::parse(xml).map_err(|_| SamlError::Malformed("not well-formed XML"))?;
    let parts = document.with_view(|view| -> Result<_, SamlError> {
        let doc = view.document();
        let root = doc.root_element();
        if !root.has_tag_name((PROTOCOL, "Response")) {
            return Err(SamlError::Structure(
                "the root element is not samlp:Response",
            ));
        }
        let mut assertions = Vec::new();
        let mut encrypted = Vec::new();
        let mut signatures = Vec::new();
        for n in doc.root().descendants().filter(|n| n.is_element()) {
            let name = n.tag_name();
            match (name.namespace(), name.name()) {
                (Some(ASSERTION), "Assertion") => assertions.push(n),
                (Some(ASSERTION), "EncryptedAssertion") => encrypted.push(n),
                (Some(DSIG), "Signature") => signatures.push(n),
                _ => {}
            }
        }
        let (assertion, plaintext) = match (&assertions[..], &encrypted[..]) {
            ([a], []) => (*a, true),
            ([], [e]) => (*e, false),
            _ => {
                return Err(SamlError::Structure(
                    "the response must hold exactly one Assertion or one EncryptedAssertion",
                ));
            }
        };
        if assertion.parent_element().map(|p| p.id()) != Some(root.id()) {
            return Err(SamlError::Structure(
                "the Assertion is not a child of the Response",
            ));
        }
        let envelope = read_envelope(root)?;
        if plaintext {
            if trust.require_encryption {
                return Err(SamlError::Structure(
                    "the provider requires encrypted assertions",
                ));
            }
            let alg = signature_method(view, &signatures, &[root, assertion])?
                .ok_or(SamlError::Signature("the response is not signed"))?;
            let read = read_assertion(&envelope, assertion)?;
            let identity = identity_of(view, &read.verified.id, assertion)?;
            Ok(Parts::Plain(read, identity, alg))
        } else {
            // The Response's signature (if any) is the only one outside the ciphertext.
            let alg = signature_method(view, &signatures, &[root])?;
            let data = encrypted_data(view, assertion)?;
            // The EncryptedAssertion has no ID: the Response's signature must cover the whole
            // Response, and the EncryptedAssertion is its child.
            Ok(Parts::Encrypted(envelope, data, view.root_element(), alg))
        }
    })?;
    let read = match parts {
        Parts::Plain(read, assertion, alg) => {
            if !signature_covers(&document, assertion, alg, trust) {
                return Err(SamlError::Signature(
                    "no registered certificate verifies a signature that covers the Assertion with an allowed algorithm",
                ));
            }
            read
        }
        Parts::Encrypted(envelope, data, response, response_alg) => {
            // A Response signature covers the ciphertext (and so, once it verifies, what it
            // decrypts to); it is checked before anything is decrypted.
            let response_signed = match response_alg {
                Some(alg) => {
                    if !signature_covers(&document, response, alg, trust) {
                        return Err(SamlError::Signature(
                            "the Response's signature does not verify with a registered certificate",
                        ));
                    }
                    true
                }
                None => false,
            };
            let plaintext =
                saml_encryption::decrypt(&data, trust.keys).map_err(SamlError::Encryption)?;
            decrypted_assertion(plaintext, envelope, response_signed, trust)?
        }
    };
    if read.status_ok {
        Ok(read.verified)
    } else {
        Err(SamlError::Status)
    }
}

/// What the first pass over the document found.
enum Parts {
    /// A plaintext Assertion, its identity and the signatures' method.
    Plain(Read, xml_sec::NodeIdentity, SignatureAlgorithm),
    /// The Response's envelope, the parsed `EncryptedData`, the Response's identity and its
    /// signature's method (if it is signed).
    Encrypted(
        Envelope,
        xml_sec::xmlenc::EncryptedData,
        xml_sec::NodeIdentity,
        Option<SignatureAlgorithm>,
    ),
}

/// The `EncryptedAssertion`'s one child, an `xenc:EncryptedData` holding its `EncryptedKey`s
/// in its own `KeyInfo` (no `EncryptedKey` elsewhere in the document: an unsigned one beside
/// it could not be told from the IdP's).
fn encrypted_data(
    view: xml_sec::DocumentView<'_>,
    encrypted: Node<'_, '_>,
) -> Result<xml_sec::xmlenc::EncryptedData, SamlError> {
    let mut children = encrypted.children().filter(|c| c.is_element());
    let (Some(data), None) = (children.next(), children.next()) else {
        return Err(SamlError::Structure(
            "the EncryptedAssertion must hold exactly one EncryptedData",
        ));
    };
    if !data.has_tag_name((XMLENC, "EncryptedData")) {
        return Err(SamlError::Structure(
            "the EncryptedAssertion must hold exactly one EncryptedData",
        ));
    }
    let stray_key = view.document().root().descendants().any(|n| {
        n.has_tag_name((XMLENC, "EncryptedKey")) && !n.ancestors().any(|a| a.id() == data.id())
    });
    if stray_key {
        return Err(SamlError::Structure(
            "an EncryptedKey outside the EncryptedData",
        ));
    }
    saml_encryption::parse(data).map_err(SamlError::Encryption)
}

/// The decrypted Assertion, parsed as its own document and checked like a plaintext one:
/// the root is the `saml:Assertion`, its only signatures are its own, and it is trusted when
/// its own signature verifies or the Response's signature (already verified) covered its
/// ciphertext. A signature it carries must verify either way.
fn decrypted_assertion(
    xml: String,
    envelope: Envelope,
    response_signed: bool,
    trust: &Trust<'_>,
) -> Result<Read, SamlError> {
    let document = XmlDocument::parse(xml)
        .map_err(|_| SamlError::Malformed("the decrypted assertion is not well-formed XML"))?;
    let (read, identity, alg) = document.with_view(|view| -> Result<_, SamlError> {
        let doc = view.document();
        let a = doc.root_element();
        if !a.has_tag_name((ASSERTION, "Assertion")) {
            return Err(SamlError::Structure(
                "the EncryptedAssertion does not decrypt to a saml:Assertion",
            ));
        }
        let mut signatures = Vec::new();
        for n in a.descendants().filter(|n| n.is_element()) {
            let name = n.tag_name();
            match (name.namespace(), name.name()) {
                (Some(ASSERTION), "Assertion" | "EncryptedAssertion") if n.id() != a.id() => {
                    return Err(SamlError::Structure("an Assertion inside the Assertion"));
                }
                (Some(DSIG), "Signature") => signatures.push(n),
                _ => {}
            }
        }
        let alg = signature_method(view, &signatures, &[a])?;
        let read = read_assertion(&envelope, a)?;
        let identity = identity_of(view, &read.verified.id, a)?;
        Ok((read, identity, alg))
    })?;
    match alg {
        Some(alg) if !signature_covers(&document, identity, alg, trust) => {
            Err(SamlError::Signature(
                "the Assertion's signature does not verify with a registered certificate",
            ))
        }
        Some(_) => Ok(read),
        None if response_signed => Ok(read),
        None => Err(SamlError::Signature(
            "neither the Response nor the encrypted Assertion is signed",
        )),
    }
}

/// Checks every `ds:Signature` of a document: a child of one of `parents`, with exactly one
/// `Reference`, to its parent's `ID` (which names that element only); all with one method,
/// returned (`None`: no signature).
fn signature_method(
    view: xml_sec::DocumentView<'_>,
    signatures: &[Node<'_, '_>],
    parents: &[Node<'_, '_>],
) -> Result<Option<SignatureAlgorithm>, SamlError> {
    let mut algorithm = None;
    for sig in signatures {
        let parent = sig
            .parent_element()
            .filter(|p| parents.iter().any(|q| q.id() == p.id()))
            .ok_or(SamlError::Structure(
                "a Signature outside the Response and the Assertion",
            ))?;
        let parent_id = parent
            .attribute("ID")
            .ok_or(SamlError::Structure("a signed element has no ID"))?;
        identity_of(view, parent_id, parent)?;
        let signed_info = child(*sig, DSIG, "SignedInfo")
            .ok_or(SamlError::Structure("a Signature without SignedInfo"))?;
        let references: Vec<_> = signed_info
            .children()
            .filter(|c| c.has_tag_name((DSIG, "Reference")))
            .collect();
        let [reference] = references[..] else {
            return Err(SamlError::Structure(
                "a Signature must have exactly one Reference",
            ));
        };
        if reference.attribute("URI") != Some(&format!("#{parent_id}")) {
            return Err(SamlError::Structure(
                "a Reference does not point at its signed element",
            ));
        }
        let method = child(signed_info, DSIG, "SignatureMethod")
            .and_then(|m| m.attribute("Algorithm"))
            .and_then(SignatureAlgorithm::from_uri)
            .ok_or(SamlError::Signature("an unknown signature method"))?;
        match algorithm {
            None => algorithm = Some(method),
            Some(a) if a == method => {}
            Some(_) => return Err(SamlError::Signature("signatures use different methods")),
        }
    }
    Ok(algorithm)
}

/// Whether one of the provider's certificates verifies every signature of `document` with
/// an allowed algorithm, and the verified signatures cover `target` — the element verified is
/// the element read.
fn signature_covers(
    document: &XmlDocument,
    target: xml_sec::NodeIdentity,
    alg: SignatureAlgorithm,
    trust: &Trust<'_>,
) -> bool {
    for cert in trust.certs {
        if !strong_signature(alg, cert.kind, trust.allow_sha1) {
            continue;
        }
        let key = VerificationKey {
            algorithm: alg,
            public_key_bytes: cert.spki.clone(),
            // The key alone: the provider's registration is the trust, not the certificate's
            // dates or issuer (AWS does not check them either), so no certificate is handed on.
            certificate_der: None,
            name: None,
        };
        let context = VerifyContext::new()
            .key(&key)
            .policy(policy(alg, trust.allow_sha1));
        let targets = [target];
        let Ok(evidence) = context.verify_request(
            document,
            &VerificationRequest {
                expected_targets: &targets,
                signatures: SignatureRequirement::All,
                ..Default::default()
            },
        ) else {
            continue;
        };
        if evidence.accepted(document).unwrap_or(false)
            && evidence.covers_element(document, target).unwrap_or(false)
        {
            return true;
        }
    }
    false
}

type Node<'a, 'i> = xml_sec::XmlDomNode<'a, 'i>;

/// The identity of the one element whose ID is `value`, which must be `node`: an ID that
/// resolves to no element, to several (duplicates, `Id` or `xml:id` spellings of the same
/// value) or to another element is refused.
fn identity_of(
    view: xml_sec::DocumentView<'_>,
    value: &str,
    node: Node<'_, '_>,
) -> Result<xml_sec::NodeIdentity, SamlError> {
    let identity = view
        .node_for_id(value, &[])
        .ok_or(SamlError::Structure("an ID is missing or ambiguous"))?;
    let order = view
        .document_order(identity)
        .map_err(|_| SamlError::Structure("an ID is missing or ambiguous"))?;
    if u32::try_from(order).ok().map(xml_sec::XmlDomNodeId::from) != Some(node.id()) {
        return Err(SamlError::Structure("an ID names another element"));
    }
    Ok(identity)
}

fn child<'a, 'i>(n: Node<'a, 'i>, ns: &str, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| c.has_tag_name((ns, name)))
}

fn children<'a, 'i>(
    n: Node<'a, 'i>,
    ns: &'a str,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a
where
    'i: 'a,
{
    n.children().filter(move |c| c.has_tag_name((ns, name)))
}

/// An element's text, which must be text only: a comment, processing instruction or
/// element inside it is refused (a comment would split `admin@corp.com<!---->.evil.com`).
fn text_only(n: Node<'_, '_>) -> Result<String, SamlError> {
    let mut out = String::new();
    for c in n.children() {
        if c.is_text() {
            out.push_str(c.text().unwrap_or_default());
        } else {
            return Err(SamlError::Structure(
                "a comment or element inside a value that must be text",
            ));
        }
    }
    Ok(out)
}

fn instant(s: Option<&str>) -> Result<Option<i64>, SamlError> {
    s.map(|v| {
        time::OffsetDateTime::parse(v.trim(), &time::format_description::well_known::Rfc3339)
            .map(time::OffsetDateTime::unix_timestamp)
            .map_err(|_| SamlError::Structure("a date that is not an xs:dateTime"))
    })
    .transpose()
}

struct Read {
    status_ok: bool,
    verified: Verified,
}

/// What the Response itself says (around its Assertion, plaintext or encrypted).
struct Envelope {
    status_ok: bool,
    response_issuer: Option<String>,
    destination: Option<String>,
}

fn read_envelope(root: Node<'_, '_>) -> Result<Envelope, SamlError> {
    let status_ok = child(root, PROTOCOL, "Status")
        .and_then(|s| child(s, PROTOCOL, "StatusCode"))
        .and_then(|c| c.attribute("Value"))
        == Some(SUCCESS);
    let response_issuer = child(root, ASSERTION, "Issuer")
        .map(text_only)
        .transpose()?;
    Ok(Envelope {
        status_ok,
        response_issuer,
        destination: root.attribute("Destination").map(str::to_owned),
    })
}

fn read_assertion(envelope: &Envelope, a: Node<'_, '_>) -> Result<Read, SamlError> {
    let id = a
        .attribute("ID")
        .filter(|i| !i.is_empty() && i.len() <= 256)
        .ok_or(SamlError::Structure("the Assertion has no ID"))?
        .to_owned();
    if a.attribute("Version") != Some("2.0") {
        return Err(SamlError::Structure("the Assertion is not SAML 2.0"));
    }
    let issuer = child(a, ASSERTION, "Issuer")
        .ok_or(SamlError::Structure("the Assertion has no Issuer"))
        .and_then(text_only)?;
    let subject = child(a, ASSERTION, "Subject").ok_or(SamlError::Structure("no Subject"))?;
    let name_id =
        child(subject, ASSERTION, "NameID").ok_or(SamlError::Structure("no Subject/NameID"))?;
    let subject_text = text_only(name_id)?;
    let mut confirmations = Vec::new();
    for sc in children(subject, ASSERTION, "SubjectConfirmation") {
        if sc.attribute("Method") != Some(BEARER) {
            continue;
        }
        for d in children(sc, ASSERTION, "SubjectConfirmationData") {
            confirmations.push(Confirmation {
                recipient: d.attribute("Recipient").map(str::to_owned),
                not_on_or_after: instant(d.attribute("NotOnOrAfter"))?,
                not_before: instant(d.attribute("NotBefore"))?,
            });
        }
    }
    let conditions = child(a, ASSERTION, "Conditions");
    let mut audience_restrictions = Vec::new();
    if let Some(c) = conditions {
        for r in children(c, ASSERTION, "AudienceRestriction") {
            let auds = children(r, ASSERTION, "Audience")
                .map(text_only)
                .collect::<Result<Vec<_>, _>>()?;
            audience_restrictions.push(auds);
        }
    }
    let mut session_not_on_or_after: Option<i64> = None;
    for s in children(a, ASSERTION, "AuthnStatement") {
        if let Some(t) = instant(s.attribute("SessionNotOnOrAfter"))? {
            session_not_on_or_after = Some(session_not_on_or_after.map_or(t, |p| p.min(t)));
        }
    }
    let mut attributes = Vec::new();
    for st in children(a, ASSERTION, "AttributeStatement") {
        for at in children(st, ASSERTION, "Attribute") {
            let Some(name) = at.attribute("Name") else {
                continue;
            };
            let values = children(at, ASSERTION, "AttributeValue")
                .take(MAX_VALUES + 1)
                .map(text_only)
                .collect::<Result<Vec<_>, _>>()?;
            if values.len() > MAX_VALUES || attributes.len() >= MAX_ATTRIBUTES {
                return Err(SamlError::Structure("too many attributes or values"));
            }
            attributes.push(Attribute {
                name: name.to_owned(),
                values,
            });
        }
    }
    Ok(Read {
        status_ok: envelope.status_ok,
        verified: Verified {
            id,
            issuer,
            response_issuer: envelope.response_issuer.clone(),
            destination: envelope.destination.clone(),
            subject: subject_text,
            subject_format: name_id.attribute("Format").map(str::to_owned),
            confirmations,
            not_before: instant(conditions.and_then(|c| c.attribute("NotBefore")))?,
            not_on_or_after: instant(conditions.and_then(|c| c.attribute("NotOnOrAfter")))?,
            audience_restrictions,
            session_not_on_or_after,
            attributes,
        },
    })
}

#[cfg(test)]
mod tests {
    //! Responses signed by pysaml2's IdP with xmlsec1 (`server/tests/e2e/saml/idp.py`); the
    //! end-to-end tests cover the catalogue's attacks with freshly signed documents.
    use super::*;

    const METADATA: &str = include_str!("../../tests/data/saml/metadata.xml");
    const BOTH: &str = include_str!("../../tests/data/saml/both-sha256.b64");
    const BOTH_SHA1: &str = include_str!("../../tests/data/saml/both-sha1.b64");
    const ASSERTION_ONLY: &str = include_str!("../../tests/data/saml/assertion-sha256.b64");
    const RESPONSE_ONLY: &str = include_str!("../../tests/data/saml/response-sha256.b64");

    fn certs() -> Vec<SigningCert> {
        SigningCert::from_metadata(
            &crate::federation::saml_metadata::parse(METADATA).expect("metadata"),
        )
    }

    fn check(b64: &str, sha1: bool) -> Result<Verified, SamlError> {
        verify(decode(b64)?, &certs(), sha1)
    }

    #[test]
    fn verifies_what_pysaml2_signs() {
        for (doc, sha1) in [
            (BOTH, false),
            (ASSERTION_ONLY, false),
            (RESPONSE_ONLY, false),
            (BOTH_SHA1, true),
        ] {
            let v = check(doc, sha1).expect("verifies");
            assert_eq!(v.issuer, "https://idp.example.test/saml");
            assert_eq!(v.subject, "alice@example.test");
            assert_eq!(
                v.attribute("https://aws.amazon.com/SAML/Attributes/RoleSessionName"),
                Some(&["alice".to_owned()][..])
            );
            assert_eq!(
                v.audience_restrictions,
                vec![vec!["urn:amazon:webservices".to_owned()]]
            );
            assert_eq!(
                v.confirmations[0].recipient.as_deref(),
                Some("https://signin.aws.amazon.com/saml")
            );
        }
    }

    #[test]
    fn sha1_only_where_allowed() {
        assert!(matches!(
            check(BOTH_SHA1, false),
            Err(SamlError::Signature(_))
        ));
    }

    #[test]
    fn other_keys_verify_nothing() {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256);
        // rcgen cannot generate RSA keys with aws-lc in every build: fall back to EC, which
        // does not match the RSA signature either.
        let key = key.unwrap_or_else(|_| rcgen::KeyPair::generate().expect("key"));
        let cert = rcgen::CertificateParams::new(vec!["other".into()])
            .expect("params")
            .self_signed(&key)
            .expect("cert");
        let other = SigningCert::from_der(cert.der()).expect("cert");
        assert!(matches!(
            verify(decode(BOTH).expect("decodes"), &[other], false),
            Err(SamlError::Signature(_))
        ));
        assert!(matches!(
            verify(decode(BOTH).expect("decodes"), &[], false),
            Err(SamlError::Signature(_))
        ));
    }

    fn xml(b64: &str) -> String {
        decode(b64).expect("decodes")
    }

    #[test]
    fn tampering_is_refused() {
        let doc = xml(ASSERTION_ONLY);
        let tampered = doc.replace("alice@example.test", "admin@example.test");
        assert_ne!(tampered, doc);
        assert!(verify(tampered, &certs(), false).is_err());
    }

    #[test]
    fn wrapping_and_second_assertions_are_refused() {
        let doc = xml(ASSERTION_ONLY);
        let start = doc.find("<ns1:Assertion").expect("assertion");
        let end = doc.find("</ns1:Assertion>").expect("end") + "</ns1:Assertion>".len();
        let signed = &doc[start..end];
        let evil = signed
            .replace("alice@example.test", "admin@example.test")
            .replace("ID=\"", "ID=\"evil-");
        // A forged assertion beside the signed one, in either order.
        for forged in [
            format!("{}{evil}{signed}{}", &doc[..start], &doc[end..]),
            format!("{}{signed}{evil}{}", &doc[..start], &doc[end..]),
        ] {
            assert!(matches!(
                verify(forged, &certs(), false),
                Err(SamlError::Structure(_))
            ));
        }
        // The signed assertion moved into an Extensions element, a forged one in its place.
        let moved = format!(
            "{}<ns0:Extensions>{signed}</ns0:Extensions>{evil}{}",
            &doc[..start],
            &doc[end..]
        );
        assert!(verify(moved, &certs(), false).is_err());
        // The same ID twice.
        let dup = format!("{}{signed}{}", &doc[..end], &doc[end..]);
        assert!(verify(dup, &certs(), false).is_err());
    }

    #[test]
    fn malformed_input_is_refused_before_parsing() {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let bomb = "<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;\">]><r>&b;</r>";
        assert!(matches!(decode(&b64(bomb)), Err(SamlError::Malformed(_))));
        assert!(matches!(
            decode(&"A".repeat(MAX_BASE64 + 4)),
            Err(SamlError::Malformed(_))
        ));
        assert!(matches!(
            decode("not base64!"),
            Err(SamlError::Malformed(_))
        ));
        assert!(decode(&b64("<a><!-- fine --><![CDATA[x]]></a>")).is_ok());
        assert!(matches!(
            verify(decode(&b64("<a/>")).expect("decodes"), &certs(), false),
            Err(SamlError::Structure(_))
        ));
    }

    mod encrypted {
        //! Responses whose assertion pysaml2 encrypted with xmlsec1
        //! (`tests/data/saml/encrypted/make.sh`).
        use super::super::*;

        const METADATA: &str = include_str!("../../tests/data/saml/encrypted/metadata.xml");
        const SP1: &str = include_str!("../../tests/data/saml/encrypted/sp1.key");
        const SP1_PKCS1: &str = include_str!("../../tests/data/saml/encrypted/sp1-pkcs1.key");
        const SP2: &str = include_str!("../../tests/data/saml/encrypted/sp2.key");
        const BOTH: &str = include_str!("../../tests/data/saml/encrypted/both.b64");
        const ASSERTION_SIGNED: &str =
            include_str!("../../tests/data/saml/encrypted/assertion-signed.b64");
        const RESPONSE_SIGNED: &str =
            include_str!("../../tests/data/saml/encrypted/response-signed.b64");
        const UNSIGNED: &str = include_str!("../../tests/data/saml/encrypted/unsigned.b64");
        const RSA15: &str = include_str!("../../tests/data/saml/encrypted/rsa15.b64");
        const FOR_SP2: &str = include_str!("../../tests/data/saml/encrypted/sp2.b64");
        const PLAIN: &str = include_str!("../../tests/data/saml/encrypted/plain.b64");

        fn certs() -> Vec<SigningCert> {
            SigningCert::from_metadata(
                &crate::federation::saml_metadata::parse(METADATA).expect("metadata"),
            )
        }

        fn key(pem: &str) -> DecryptionKey {
            DecryptionKey::from_pem(pem).expect("key")
        }

        fn check_xml(
            xml: String,
            keys: &[DecryptionKey],
            required: bool,
        ) -> Result<Verified, SamlError> {
            let certs = certs();
            verify_with(
                xml,
                &Trust {
                    certs: &certs,
                    keys,
                    require_encryption: required,
                    allow_sha1: false,
                },
            )
        }

        fn check(b64: &str, keys: &[DecryptionKey], required: bool) -> Result<Verified, SamlError> {
            check_xml(decode(b64)?, keys, required)
        }

        #[test]
        fn decrypts_and_verifies_what_pysaml2_encrypts() {
            for doc in [BOTH, ASSERTION_SIGNED, RESPONSE_SIGNED] {
                for keys in [
                    vec![key(SP1)],
                    vec![key(SP1_PKCS1)],
                    vec![key(SP2), key(SP1)],
                ] {
                    let v = check(doc, &keys, true).expect("verifies");
                    assert_eq!(v.issuer, "https://idp.example.test/saml");
                    assert_eq!(v.subject, "alice@example.test");
                    assert_eq!(
                        v.attribute("https://aws.amazon.com/SAML/Attributes/RoleSessionName"),
                        Some(&["alice".to_owned()][..])
                    );
                }
            }
            // The other key's assertion with either key list that holds it.
            assert!(check(FOR_SP2, &[key(SP1), key(SP2)], true).is_ok());
        }

        #[test]
        fn modes_keys_and_algorithms() {
            // Required refuses plaintext; Allowed takes both.
            assert!(matches!(
                check(PLAIN, &[key(SP1)], true),
                Err(SamlError::Structure(_))
            ));
            assert!(check(PLAIN, &[key(SP1)], false).is_ok());
            assert!(check(BOTH, &[key(SP1)], false).is_ok());
            // No key, or only another provider's key.
            for keys in [vec![], vec![key(SP2)]] {
                assert!(matches!(
                    check(BOTH, &keys, false),
                    Err(SamlError::Encryption(DecryptError::NoKey))
                ));
            }
            assert!(matches!(
                check(FOR_SP2, &[key(SP1)], true),
                Err(SamlError::Encryption(DecryptError::NoKey))
            ));
            // RSA PKCS#1 v1.5 key transport, whatever the key.
            assert!(matches!(
                check(RSA15, &[key(SP1)], true),
                Err(SamlError::Encryption(_))
            ));
            // Neither the Response nor the Assertion signed.
            assert!(matches!(
                check(UNSIGNED, &[key(SP1)], true),
                Err(SamlError::Signature(_))
            ));
        }

        #[test]
        fn tampering_and_wrapping_are_refused() {
            let doc = decode(BOTH).expect("decodes");
            // A changed ciphertext byte: the Response signature no longer verifies.
            let at = doc.find("<ns0:CipherValue>").expect("cipher") + 40;
            let mut bytes = doc.clone().into_bytes();
            bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(bytes).expect("utf-8");
            assert!(check_xml(tampered, &[key(SP1)], true).is_err());
            // A plaintext assertion beside the encrypted one (signed or not).
            let plain = decode(PLAIN).expect("decodes");
            let a0 = plain.find("<ns1:Assertion").expect("assertion");
            let a1 = plain.find("</ns1:Assertion>").expect("end") + "</ns1:Assertion>".len();
            let end = doc.find("</ns0:Response>").expect("end");
            let signed = plain[a0..a1].replacen(
                "<ns1:Assertion",
                "<ns1:Assertion xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"",
                1,
            );
            let beside = format!("{}{signed}{}", &doc[..end], &doc[end..]);
            let r = check_xml(beside, &[key(SP1)], false);
            assert!(matches!(r, Err(SamlError::Structure(_))), "{r:?}");
            // Two encrypted assertions.
            let e0 = doc.find("<ns1:EncryptedAssertion").expect("enc");
            let e1 = doc.find("</ns1:EncryptedAssertion>").expect("end")
                + "</ns1:EncryptedAssertion>".len();
            let twice = format!("{}{}{}", &doc[..e1], &doc[e0..e1], &doc[e1..]);
            assert!(matches!(
                check_xml(twice, &[key(SP1)], false),
                Err(SamlError::Structure(_))
            ));
            // The encrypted assertion moved out of the Response's children.
            let unsigned = decode(ASSERTION_SIGNED).expect("decodes");
            let u0 = unsigned.find("<ns1:EncryptedAssertion").expect("enc");
            let u1 = unsigned.find("</ns1:EncryptedAssertion>").expect("end")
                + "</ns1:EncryptedAssertion>".len();
            let moved = format!(
                "{}<ns0:Extensions>{}</ns0:Extensions>{}",
                &unsigned[..u0],
                &unsigned[u0..u1],
                &unsigned[u1..]
            );
            assert!(check_xml(moved, &[key(SP1)], false).is_err());
        }
    }
}

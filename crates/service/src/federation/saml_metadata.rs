//! SAML 2.0 identity-provider metadata as CreateSAMLProvider and UpdateSAMLProvider receive
//! it (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateSAMLProvider.html>,
//! <https://docs.oasis-open.org/security/saml/v2.0/saml-metadata-2.0-os.pdf>): one
//! `md:EntityDescriptor` with an `entityID` and an `md:IDPSSODescriptor` whose signing
//! `md:KeyDescriptor`s carry X.509 certificates. Those certificates are the only keys an
//! assertion of the provider is ever verified with; metadata without one is refused (a
//! provider that could not verify anything must not exist — catalogue F-09).
//!
//! Documents with a DTD are refused by the parser (no entity is ever expanded).

use base64::Engine as _;

use crate::error::{Result, ServiceError};

/// `urn:oasis:names:tc:SAML:2.0:metadata`.
const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
/// `http://www.w3.org/2000/09/xmldsig#`.
const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// Longest `entityID` (SAML core: 1024 characters).
const MAX_ENTITY_ID: usize = 1024;
/// Most signing certificates kept from one document.
const MAX_CERTIFICATES: usize = 10;

/// What Rolegate keeps from a metadata document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// `entityID`: the `Issuer` the provider's responses and assertions must carry.
    pub entity_id: String,
    /// The IdP's signing certificates, DER.
    pub certificates: Vec<Vec<u8>>,
    /// `validUntil` (Unix seconds), when the document has one.
    pub valid_until: Option<i64>,
}

fn invalid(why: &str) -> ServiceError {
    ServiceError::InvalidInput(format!("Could not parse metadata: {why}"))
}

/// Parses and checks a metadata document.
pub fn parse(document: &str) -> Result<Metadata> {
    let doc = roxmltree::Document::parse_with_options(
        document,
        roxmltree::ParsingOptions {
            allow_dtd: false,
            ..roxmltree::ParsingOptions::default()
        },
    )
    .map_err(|_| invalid("the document is not well-formed XML without a DTD"))?;
    let root = doc.root_element();
    if root.tag_name().namespace() != Some(MD) || root.tag_name().name() != "EntityDescriptor" {
        return Err(invalid("the root element must be md:EntityDescriptor"));
    }
    let entity_id = root
        .attribute("entityID")
        .filter(|e| !e.is_empty() && e.chars().count() <= MAX_ENTITY_ID)
        .ok_or_else(|| invalid("the EntityDescriptor has no entityID"))?
        .to_owned();
    let valid_until = match root.attribute("validUntil") {
        Some(v) => Some(
            time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
                .map_err(|_| invalid("validUntil is not an xs:dateTime"))?
                .unix_timestamp(),
        ),
        None => None,
    };
    let idps: Vec<_> = root
        .children()
        .filter(|n| {
            n.tag_name().namespace() == Some(MD) && n.tag_name().name() == "IDPSSODescriptor"
        })
        .collect();
    if idps.is_empty() {
        return Err(invalid("the EntityDescriptor has no IDPSSODescriptor"));
    }
    let mut certificates: Vec<Vec<u8>> = Vec::new();
    for idp in idps {
        for kd in idp.children().filter(|n| {
            n.tag_name().namespace() == Some(MD) && n.tag_name().name() == "KeyDescriptor"
        }) {
            if kd.attribute("use").is_some_and(|u| u != "signing") {
                continue;
            }
            for cert in kd.descendants().filter(|n| {
                n.tag_name().namespace() == Some(DS) && n.tag_name().name() == "X509Certificate"
            }) {
                let der = certificate_der(&text_of(cert))?;
                if !certificates.contains(&der) {
                    certificates.push(der);
                }
            }
        }
    }
    if certificates.is_empty() {
        return Err(ServiceError::InvalidInput(
            "The metadata document does not contain a signing certificate (md:KeyDescriptor with ds:X509Certificate)".into(),
        ));
    }
    if certificates.len() > MAX_CERTIFICATES {
        return Err(invalid("too many signing certificates"));
    }
    Ok(Metadata {
        entity_id,
        certificates,
        valid_until,
    })
}

/// All the text below an element (comments excluded), concatenated.
fn text_of(node: roxmltree::Node<'_, '_>) -> String {
    node.descendants()
        .filter(roxmltree::Node::is_text)
        .filter_map(|n| n.text())
        .collect()
}

/// A base64 certificate (whitespace allowed) as DER, checked to be an X.509 certificate with
/// an RSA or EC public key.
fn certificate_der(text: &str) -> Result<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| invalid("a ds:X509Certificate is not base64"))?;
    public_key_of(&der)?;
    Ok(der)
}

/// The shortest RSA signing key accepted.
const MIN_RSA_BITS: usize = 2048;

/// The kinds of signing key Rolegate verifies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA (`rsaEncryption`).
    Rsa,
    /// ECDSA on a named curve.
    Ec,
}

/// A certificate's public key: its kind and its `SubjectPublicKeyInfo` (DER).
pub fn public_key_of(der: &[u8]) -> Result<(KeyKind, Vec<u8>)> {
    use x509_parser::prelude::FromDer as _;
    let (rest, cert) = x509_parser::certificate::X509Certificate::from_der(der)
        .map_err(|_| invalid("a ds:X509Certificate is not an X.509 certificate"))?;
    if !rest.is_empty() {
        return Err(invalid("a ds:X509Certificate has trailing bytes"));
    }
    let spki = cert.public_key();
    let oid = spki.algorithm.algorithm.to_id_string();
    let kind = match oid.as_str() {
        "1.2.840.113549.1.1.1" => {
            // A key anyone can factor signs for anyone: RSA below 2048 bits is refused
            // (NIST SP 800-131A; AWS's own SAML signing keys are 2048 bits and more).
            let bits = match spki.parsed() {
                Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => rsa.key_size(),
                _ => 0,
            };
            if bits < MIN_RSA_BITS {
                return Err(invalid(
                    "a signing certificate's RSA key is shorter than 2048 bits",
                ));
            }
            KeyKind::Rsa
        }
        "1.2.840.10045.2.1" => KeyKind::Ec,
        _ => return Err(invalid("a signing certificate's key is neither RSA nor EC")),
    };
    Ok((kind, spki.raw.to_vec()))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A self-signed RSA certificate (CN=idp.example.com), base64.
    pub(crate) fn metadata(entity_id: &str, cert_b64: &str) -> String {
        format!(
            r#"<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity_id}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>
{cert_b64}
      </ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"#
        )
    }

    fn cert() -> String {
        let key = rcgen::KeyPair::generate().expect("key");
        let c = rcgen::CertificateParams::new(vec!["idp.example.com".into()])
            .expect("params")
            .self_signed(&key)
            .expect("cert");
        base64::engine::general_purpose::STANDARD.encode(c.der())
    }

    #[test]
    fn reads_entity_id_and_certificates() {
        let c = cert();
        let m = parse(&metadata("https://idp.example.com/saml", &c)).expect("parses");
        assert_eq!(m.entity_id, "https://idp.example.com/saml");
        assert_eq!(m.certificates.len(), 1);
        assert_eq!(m.valid_until, None);
        let (kind, spki) = public_key_of(&m.certificates[0]).expect("key");
        assert_eq!(kind, KeyKind::Ec);
        assert!(!spki.is_empty());
    }

    #[test]
    fn refuses_what_cannot_verify() {
        let c = cert();
        let good = metadata("https://idp.example.com/saml", &c);
        let no_cert = good.replace(&c, "");
        assert!(matches!(
            parse(&no_cert),
            Err(ServiceError::InvalidInput(_))
        ));
        let encryption_only = good.replace("use=\"signing\"", "use=\"encryption\"");
        assert!(parse(&encryption_only).is_err());
        let dtd = format!(
            "<!DOCTYPE x [<!ENTITY a \"b\">]>{}",
            good.trim_start_matches("<?xml version=\"1.0\"?>")
        );
        assert!(parse(&dtd).is_err());
        assert!(parse(&good.replace("entityID=", "other=")).is_err());
        assert!(parse(&good.replace(&c, "bm90IGEgY2VydA==")).is_err());
        assert!(parse("<a/>").is_err());
        let dated = good.replace("entityID=", "validUntil=\"2030-01-02T03:04:05Z\" entityID=");
        assert_eq!(
            parse(&dated).expect("dated").valid_until,
            Some(1_893_553_445)
        );
    }

    #[test]
    fn refuses_rsa_keys_shorter_than_2048_bits() {
        let weak = base64::engine::general_purpose::STANDARD
            .encode(include_bytes!("../../tests/data/saml/rsa1024-cert.der"));
        let m = metadata("https://idp.example.com/saml", &weak);
        match parse(&m) {
            Err(ServiceError::InvalidInput(msg)) => assert!(msg.contains("2048"), "{msg}"),
            other => panic!("a 1024-bit RSA key was not refused: {other:?}"),
        }
    }
}

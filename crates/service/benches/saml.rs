//! SAML response verification, the CPU-bound part of AssumeRoleWithSAML (issue 13's target:
//! ≥ 1,000 calls a second on the 2-core machine): base64, the structural checks, XML-DSig with
//! `xml-sec` (RSA-2048, SHA-256, exclusive C14N) and reading the Assertion, on responses
//! pysaml2's IdP signed with xmlsec1 (`tests/data/saml`). The store, the trust policy and the
//! session are measured by the web identity bench; HTTP by the harness. The encrypted case adds
//! what an `EncryptedAssertion` costs: reading the provider's PEM key (as every call does),
//! RSA-OAEP unwrapping and AES-256-GCM (`tests/data/saml/encrypted`).

use criterion::{Criterion, criterion_group, criterion_main};
use rolegate_service::federation::{saml, saml_metadata};

const METADATA: &str = include_str!("../tests/data/saml/metadata.xml");
const BOTH: &str = include_str!("../tests/data/saml/both-sha256.b64");
const ASSERTION_ONLY: &str = include_str!("../tests/data/saml/assertion-sha256.b64");
const ENC_METADATA: &str = include_str!("../tests/data/saml/encrypted/metadata.xml");
const ENC_BOTH: &str = include_str!("../tests/data/saml/encrypted/both.b64");
const SP1: &str = include_str!("../tests/data/saml/encrypted/sp1.key");

fn bench(c: &mut Criterion) {
    let certs: Vec<saml::SigningCert> = saml_metadata::parse(METADATA)
        .expect("metadata")
        .certificates
        .iter()
        .filter_map(|d| saml::SigningCert::from_der(d))
        .collect();
    for (name, doc) in [("assertion_signed", ASSERTION_ONLY), ("both_signed", BOTH)] {
        saml::verify(saml::decode(doc).expect("decodes"), &certs, false).expect("verifies");
        c.bench_function(&format!("saml/verify_{name}"), |b| {
            b.iter(|| saml::verify(saml::decode(doc).expect("decodes"), &certs, false))
        });
    }
    let certs: Vec<saml::SigningCert> = saml_metadata::parse(ENC_METADATA)
        .expect("metadata")
        .certificates
        .iter()
        .filter_map(|d| saml::SigningCert::from_der(d))
        .collect();
    let encrypted = || {
        let keys = [saml::DecryptionKey::from_pem(SP1).expect("key")];
        saml::verify_with(
            saml::decode(ENC_BOTH).expect("decodes"),
            &saml::Trust {
                certs: &certs,
                keys: &keys,
                require_encryption: true,
                allow_sha1: false,
            },
        )
    };
    encrypted().expect("verifies");
    c.bench_function("saml/verify_encrypted_both_signed", |b| b.iter(encrypted));
    c.bench_function("saml/read_private_key", |b| {
        b.iter(|| saml::DecryptionKey::from_pem(SP1))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

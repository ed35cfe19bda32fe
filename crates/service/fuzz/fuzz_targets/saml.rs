//! `cargo +nightly fuzz run saml`: SAML responses (decoded and base64), with the law that a
//! response that verifies reads what a seed's signed Assertion says. Seed the corpus with
//! the decoded responses of `tests/data/saml/*.b64`.
#![no_main]
use std::sync::OnceLock;

use rolegate_service::federation::fuzzing::{SamlSeeds, saml_target};

static SEEDS: OnceLock<SamlSeeds> = OnceLock::new();

fn seeds() -> &'static SamlSeeds {
    SEEDS.get_or_init(|| {
        SamlSeeds::new(
            include_str!("../../tests/data/saml/metadata.xml"),
            &[
                include_str!("../../tests/data/saml/both-sha256.b64"),
                include_str!("../../tests/data/saml/both-sha1.b64"),
                include_str!("../../tests/data/saml/assertion-sha256.b64"),
                include_str!("../../tests/data/saml/response-sha256.b64"),
            ],
        )
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| saml_target(seeds(), data));

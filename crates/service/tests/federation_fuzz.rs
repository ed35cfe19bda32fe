//! The fuzz targets of `rolegate_service::federation::fuzzing`, run for a bounded number of
//! cases on the stable toolchain (the cargo-fuzz harness in `crates/service/fuzz` runs them
//! unbounded on nightly): random bytes, and random edits of real tokens and of responses
//! pysaml2 signed with xmlsec1. Nothing may panic, and only a seed verifies as a seed.

use std::sync::OnceLock;

use proptest::prelude::*;
use rolegate_policy::fuzzing::{Edit, apply};
use rolegate_service::federation::fuzzing::{JwtSeeds, SamlSeeds, jwt_target, saml_target};

const METADATA: &str = include_str!("data/saml/metadata.xml");
const RESPONSES: [&str; 4] = [
    include_str!("data/saml/both-sha256.b64"),
    include_str!("data/saml/both-sha1.b64"),
    include_str!("data/saml/assertion-sha256.b64"),
    include_str!("data/saml/response-sha256.b64"),
];

fn jwt_seeds() -> &'static JwtSeeds {
    static SEEDS: OnceLock<JwtSeeds> = OnceLock::new();
    SEEDS.get_or_init(JwtSeeds::generate)
}

fn saml_seeds() -> &'static SamlSeeds {
    static SEEDS: OnceLock<SamlSeeds> = OnceLock::new();
    SEEDS.get_or_init(|| SamlSeeds::new(METADATA, &RESPONSES))
}

/// What a token's attacker splices in: segment separators, base64url's alphabet edges,
/// padding, and the header members and values of the JWT attacks (catalogue group E).
const JWT_FRAGMENTS: &[&str] = &[
    ".",
    "=",
    "-",
    "_",
    "+",
    "/",
    "A",
    "AA",
    "eyJ",
    "eyJhbGciOiJub25lIn0",              // {"alg":"none"}
    "eyJhbGciOiJIUzI1NiJ9",             // {"alg":"HS256"}
    "eyJhbGciOiJFZERTQSIsImp3ayI6e319", // {"alg":"EdDSA","jwk":{}}
    "\u{0}",
    " ",
    "\u{ff}",
];

/// What a SAML attacker splices in: markup that moves, duplicates or hides elements
/// (catalogue group F), comments, entities and references.
const XML_FRAGMENTS: &[&str] = &[
    "<",
    ">",
    "/>",
    "\"",
    "'",
    "<!---->",
    "<!-- x -->",
    "<!DOCTYPE r [<!ENTITY e \"x\">]>",
    "&e;",
    "&#97;",
    "&amp;",
    "<![CDATA[x]]>",
    "<?pi x?>",
    " ID=\"_x\"",
    " xmlns=\"\"",
    " xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\"",
    "<saml:Assertion ID=\"_evil\">",
    "</saml:Assertion>",
    "<ns1:Assertion ID=\"_evil\">",
    "</ns1:Assertion>",
    "<ns1:NameID>admin</ns1:NameID>",
    "<ds:Object>",
    "</ds:Object>",
    "<saml:EncryptedAssertion/>",
    "admin",
    "\u{0}",
    "\u{feff}",
    "\r\n",
    "\t",
];

fn edit(fragments: &'static [&'static str]) -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
        (any::<usize>(), prop::sample::select(fragments)).prop_map(|(i, f)| Edit::Insert(i, f)),
        (any::<usize>(), 1usize..40).prop_map(|(i, n)| Edit::Delete(i, n)),
        (any::<usize>(), 1usize..400).prop_map(|(i, n)| Edit::Duplicate(i, n)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn jwt_random_bytes(data in prop::collection::vec(any::<u8>(), 0..600)) {
        jwt_target(jwt_seeds(), &data);
    }

    #[test]
    fn jwt_edited_tokens(seed in any::<prop::sample::Index>(), edits in prop::collection::vec(edit(JWT_FRAGMENTS), 1..5)) {
        let tokens = jwt_seeds().tokens();
        jwt_target(jwt_seeds(), &apply(&tokens[seed.index(tokens.len())], &edits));
    }
}

proptest! {
    // A response that survives the edits is verified with RSA: fewer cases.
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn saml_random_bytes(data in prop::collection::vec(any::<u8>(), 0..600)) {
        saml_target(saml_seeds(), &data);
    }

    #[test]
    fn saml_edited_responses(seed in any::<prop::sample::Index>(), edits in prop::collection::vec(edit(XML_FRAGMENTS), 1..4)) {
        let documents = saml_seeds().documents();
        saml_target(saml_seeds(), &apply(&documents[seed.index(documents.len())], &edits));
    }
}

/// The laws have something to hold against: the seeds verify and pass through the targets;
/// a changed signature byte does not verify; an edit outside what is signed (a comment
/// between elements, which exclusive canonicalization drops) still verifies and still reads
/// as the seed — the SAML target's law compares what is read, not the bytes.
#[test]
fn seeds_verify_and_the_targets_can_tell() {
    let jwt = jwt_seeds();
    for token in jwt.tokens() {
        assert!(jwt.verifies(token));
        jwt_target(jwt, token.as_bytes());
        let last = token.len() - 2;
        let flipped = apply(token, &[Edit::Flip(last, 0x01)]);
        assert!(!jwt.verifies(std::str::from_utf8(&flipped).expect("ascii")));
    }
    let saml = saml_seeds();
    for document in saml.documents() {
        assert!(saml.verifies(document));
        saml_target(saml, document.as_bytes());
        let root = document
            .match_indices('<')
            .map(|(i, _)| i)
            .find(|&i| !matches!(document.as_bytes().get(i + 1), Some(b'?' | b'!')))
            .expect("the root element");
        let first_child = root + document[root..].find('>').expect("its start tag") + 1;
        let commented = apply(document, &[Edit::Insert(first_child, "<!-- harmless -->")]);
        let commented = String::from_utf8(commented).expect("utf-8");
        assert!(
            saml.verifies(&commented),
            "a comment between elements changes nothing signed"
        );
        saml_target(saml, commented.as_bytes());
        let tampered = document.replacen("alice@example.test", "admin@example.test", 1);
        assert!(!saml.verifies(&tampered), "the subject is signed");
    }
}

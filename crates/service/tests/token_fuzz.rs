//! Fuzzing the session-token opener (stable-toolchain, proptest-driven): random strings, random
//! bytes in the right encoding, and random edits of a valid token never panic, and no edited
//! token ever opens.

use base64::Engine;
use proptest::prelude::*;
use rolegate_service::session::{Origin, SealingKey, Session, SessionPrincipal, open, seal};
use zeroize::Zeroizing;

fn key() -> SealingKey {
    SealingKey {
        id: 1,
        key: Zeroizing::new([42u8; 32]),
    }
}

fn token() -> String {
    let s = Session {
        access_key_id: "ASIAAAAAAAAAAAAAAAAA".into(),
        secret: "s".repeat(40).into(),
        account: "123456789012".into(),
        principal: SessionPrincipal::Role {
            id: "AROAAAAAAAAAAAAAAAAAA".into(),
            name: "R".into(),
            path: "/".into(),
            session: "s1".into(),
        },
        issued_ms: 1,
        expires: 2,
        source_identity: None,
        tags: vec![("k".into(), "v".into())],
        transitive: Vec::new(),
        policies: None,
        mfa_at: None,
        origin: Origin {
            key: "AKIA".into(),
            expires: 2,
            depth: 0,
        },
    };
    seal(&s, &key(), &[7u8; rolegate_service::session::NONCE]).expect("seal")
}

fn opener(id: u32) -> Option<Zeroizing<[u8; 32]>> {
    (id == 1).then(|| key().key.clone())
}

#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(i, b)| Edit::Flip(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn random_strings_never_open(s in ".{0,600}") {
        prop_assert!(open(&s, opener).is_err());
    }

    #[test]
    fn random_bytes_never_open(b in proptest::collection::vec(any::<u8>(), 0..800)) {
        let t = base64::engine::general_purpose::STANDARD.encode(&b);
        prop_assert!(open(&t, opener).is_err());
    }

    #[test]
    fn edited_tokens_never_open(edits in proptest::collection::vec(edit(), 1..4)) {
        let t = token();
        let mut raw = base64::engine::general_purpose::STANDARD.decode(&t).expect("b64");
        for e in &edits {
            let n = raw.len().max(1);
            match *e {
                Edit::Flip(i, b) => { let i = i % n; if i < raw.len() { raw[i] ^= b; } }
                Edit::Insert(i, b) => raw.insert(i % (raw.len() + 1), b),
                Edit::Delete(i) => { if !raw.is_empty() { raw.remove(i % raw.len()); } }
                Edit::Truncate(i) => raw.truncate(i % n),
            }
        }
        let edited = base64::engine::general_purpose::STANDARD.encode(&raw);
        if edited != t {
            prop_assert!(open(&edited, opener).is_err());
        }
    }
}

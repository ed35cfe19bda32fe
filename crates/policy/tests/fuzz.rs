//! The fuzz targets of `rolegate_policy::fuzzing`, run for a bounded number of cases on the
//! stable toolchain (the cargo-fuzz harness in `crates/policy/fuzz` runs them unbounded on
//! nightly): random bytes, random edits of real documents (every case file's policies are
//! seeds), and requests built around them. Nothing may panic; the targets' own laws hold.

use proptest::prelude::*;
use rolegate_policy::fuzzing::{Edit, apply, evaluate_target, parse_target};

#[path = "support/case_files.rs"]
mod case_files;

/// Every policy document in the case files, as text (read once, not per generated case).
fn seeds() -> &'static [String] {
    static SEEDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        fn collect(v: &serde_json::Value, out: &mut Vec<String>) {
            match v {
                serde_json::Value::Object(m) if m.contains_key("Statement") => {
                    out.push(serde_json::to_string_pretty(v).expect("json"));
                }
                serde_json::Value::Object(m) => m.values().for_each(|v| collect(v, out)),
                serde_json::Value::Array(a) => a.iter().for_each(|v| collect(v, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        for (_, doc) in case_files::case_files() {
            collect(&doc, &mut out);
        }
        out
    })
}

const FRAGMENTS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\\",
    "*",
    "?",
    "${",
    "${aws:username}",
    "${*}",
    "'",
    "\"Statement\"",
    "\"Condition\"",
    "\"ForAllValues:StringLike\"",
    "\"NotAction\"",
    "\"Principal\"",
    "\"*\"",
    "null",
    "1e999",
    "-0",
    "\u{0}",
    "\u{ff}",
    "\u{2028}",
    "ÿ",
];

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
        (any::<usize>(), prop::sample::select(FRAGMENTS)).prop_map(|(i, f)| Edit::Insert(i, f)),
        (any::<usize>(), 1usize..20).prop_map(|(i, n)| Edit::Delete(i, n)),
        (any::<usize>(), 1usize..40).prop_map(|(i, n)| Edit::Duplicate(i, n)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn parse_random_bytes(data in prop::collection::vec(any::<u8>(), 0..512)) {
        parse_target(&data);
    }

    #[test]
    fn parse_edited_documents(seed in any::<prop::sample::Index>(), edits in prop::collection::vec(edit(), 1..6)) {
        let seeds = seeds();
        let doc = &seeds[seed.index(seeds.len())];
        let data = apply(doc, &edits);
        parse_target(&data);
        evaluate_target(&data);
    }

    #[test]
    fn evaluate_documents_against_random_requests(
        seed in any::<prop::sample::Index>(),
        action in "[a-zA-Z0-9*?:]{0,24}",
        resource in "(\\*|arn:aws:[a-z0-9*?]{0,6}:[a-z0-9-]{0,9}:[0-9*]{0,12}:[a-zA-Z0-9/*?${}:._-]{0,30})",
        values in prop::collection::vec("[a-zA-Z0-9:./*?, ${}-]{0,24}", 0..6),
    ) {
        let seeds = seeds();
        let doc = &seeds[seed.index(seeds.len())];
        let mut data = doc.clone();
        for part in [action, resource].into_iter().chain(values) {
            data.push('\u{1}');
            data.push_str(&part);
        }
        evaluate_target(data.as_bytes());
    }
}

#[test]
fn seeds_cover_the_case_files() {
    assert!(seeds().len() >= 100, "the case files hold the seed corpus");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    for open in ["[", "{\"a\":"] {
        let doc = format!(
            "{{\"Version\":\"2012-10-17\",\"Statement\":{}",
            open.repeat(200_000)
        );
        parse_target(doc.as_bytes());
    }
}

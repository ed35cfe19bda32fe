//! `cargo +nightly fuzz run jwt`: compact JWS tokens, key sets and strict JSON objects, with
//! the law that only a seed token verifies.
#![no_main]
use std::sync::OnceLock;

use rolegate_service::federation::fuzzing::{JwtSeeds, jwt_target};

static SEEDS: OnceLock<JwtSeeds> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| jwt_target(SEEDS.get_or_init(JwtSeeds::generate), data));

//! `cargo +nightly fuzz run parse`: policy documents of every kind.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| rolegate_policy::fuzzing::parse_target(data));

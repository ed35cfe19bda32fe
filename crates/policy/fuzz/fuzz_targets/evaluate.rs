//! `cargo +nightly fuzz run evaluate`: a document and a request, evaluated.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| rolegate_policy::fuzzing::evaluate_target(data));

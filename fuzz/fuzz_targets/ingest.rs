#![no_main]
//! `cargo +nightly fuzz run ingest` (see scripts/fuzz). The body lives in fuzz/targets/ingest.rs so
//! that the regression test runs exactly the same code.

#[path = "../targets/mod.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::ingest::run(data));

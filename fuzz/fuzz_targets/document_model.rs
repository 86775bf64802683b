#![no_main]
//! `cargo +nightly fuzz run document_model` (see scripts/fuzz). The body lives in fuzz/targets/document_model.rs so
//! that the regression test runs exactly the same code.

#[path = "../targets/mod.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::document_model::run(data));

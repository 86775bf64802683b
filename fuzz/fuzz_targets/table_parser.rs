#![no_main]
//! `cargo +nightly fuzz run table_parser` (see scripts/fuzz). The body lives in fuzz/targets/table_parser.rs so
//! that the regression test runs exactly the same code.

#[path = "../targets/mod.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::table_parser::run(data));

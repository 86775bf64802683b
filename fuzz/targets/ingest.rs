//! Fuzz target body: the filing reader (SGML submission / envelope / HTML / text detection,
//! decoding, metadata, primary-document selection, then the document model). Shared by the
//! `cargo fuzz` target and the regression test that CI runs over `fuzz/regressions/ingest/`.
//!
//! The property: any bytes give `Ok` with a consistent document or `Err` with a message —
//! never a panic, never offsets outside the text.

use std::path::Path;

pub fn run(data: &[u8]) {
    for name in ["fuzz.txt", "fuzz.htm", "0000320193-24-000123.html"] {
        match finloom_ingest::read_filing_bytes(Path::new(name), data) {
            Ok(f) => super::document_model::check(&f.document),
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
}

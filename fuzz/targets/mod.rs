//! The fuzz target bodies, shared by `fuzz/fuzz_targets/*` and the regression tests.
#![allow(dead_code)]
pub mod document_model;
pub mod ingest;
pub mod table_parser;

//! `finloom eval footnotes` end to end: the real pipeline (real plugin `.so` files loaded at
//! run time) over the development corpus `tests/fixtures/filings` into a fresh DuckDB file,
//! then the evaluation against the filings' inline XBRL and the XBRL instance in
//! `tests/fixtures/expected/xbrl/`.
//!
//! The plugins must have been built next to the binary (`cargo build --release --workspace
//! --all-targets`): this test binary lives in `<target>/release/deps/`, the plugins in
//! `<target>/release/`.

mod common;

use common::repo;
use std::path::{Path, PathBuf};

/// Runs sections → tables → footnotes over the fixtures into `dir/db.duckdb`.
fn build_database(dir: &Path) -> PathBuf {
    let (db, summary) = common::build_database(
        dir,
        &repo().join("tests/fixtures/filings"),
        &["sections", "tables", "footnotes"],
    );
    assert_eq!(summary.files_seen, 27, "the development corpus");
    assert!(
        summary.failed.is_empty(),
        "failed filings: {:?}",
        summary.failed
    );
    db
}

#[test]
fn footnotes_meet_the_inline_xbrl_targets() {
    let tmp = tempfile::tempdir().unwrap();
    let db = build_database(tmp.path());
    let expected = repo().join("tests/fixtures/expected");
    let r = finloom_eval::footnotes::run(&db, &expected).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("{}", r.text);
    let j = &r.json;
    let overall = &j["overall"];
    // The corpus's inline-XBRL filings with TextBlocks: AAPL 10-K and 10-Q, GAXY and GME
    // 10-Ks (notes), and the IBM 10-K (cover-page and Schedule II blocks only: its statements
    // are incorporated by reference, so it has no note-level block).
    let filings = j["filings"].as_array().unwrap();
    assert_eq!(filings.len(), 5, "{}", r.text);
    let blocks = overall["note_textblocks"].as_u64().unwrap();
    assert!(blocks >= 40, "note-level TextBlocks measured: {blocks}");
    assert!(
        overall["found_share"].as_f64().unwrap() >= 0.95,
        "{}",
        r.text
    );
    assert!(
        overall["unmatched_share"].as_f64().unwrap() <= 0.05,
        "{}",
        r.text
    );
    assert!(
        overall["concept_share"].as_f64().unwrap() >= 0.95,
        "{}",
        r.text
    );
    // The XBRL instance of the AAPL 10-Q: the same ten notes.
    let inst = &j["instances"].as_array().unwrap()[0];
    assert_eq!(inst["accession_number"], "0000320193-23-000077");
    assert_eq!(inst["note_textblocks"], 10, "{}", r.text);
    assert_eq!(inst["found"], 10, "{}", r.text);
    assert_eq!(inst["unmatched"], 0, "{}", r.text);
    assert!(r.passed(), "missed: {:?}", r.missed);
    // Deterministic: a second evaluation of the same database says the same.
    let again = finloom_eval::footnotes::run(&db, &expected).unwrap();
    assert_eq!(again.json, r.json);
}

#[test]
fn missing_database_is_an_error_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let err = finloom_eval::footnotes::run(&tmp.path().join("none.duckdb"), tmp.path());
    assert!(err.is_err());
}

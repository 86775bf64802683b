//! `finloom eval tokenizer` end to end: the real pipeline (sections and the default chunker,
//! loaded as `.so` files) over the fixture filings, then every section and chunk text
//! tokenized by the chunkers' fast BPE and by tiktoken-rs.

mod common;

use common::repo;

#[test]
fn every_section_and_chunk_tokenizes_as_tiktoken_does() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, summary) = common::build_database(
        tmp.path(),
        &repo().join("tests/fixtures/filings"),
        &["sections", "chunks"],
    );
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    let r = finloom_eval::tokenizer::run(&db, "cl100k_base").unwrap_or_else(|e| panic!("{e}"));
    eprintln!("{}", r.text);
    let texts = r.json["texts"].as_u64().unwrap();
    assert!(texts > 1_000, "sections and chunks measured: {texts}");
    assert!(r.json["tokens"].as_u64().unwrap() > 500_000, "{}", r.text);
    assert_eq!(r.json["differ"].as_array().unwrap().len(), 0, "{}", r.text);
    assert!(r.passed(), "{:?}", r.missed);
}

#[test]
fn a_database_without_text_is_an_error_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let err = finloom_eval::tokenizer::run(&tmp.path().join("none.duckdb"), "cl100k_base");
    assert!(err.is_err());
    let e = finloom_eval::tokenizer::run(&tmp.path().join("none.duckdb"), "p50k")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("p50k"), "{e}");
}

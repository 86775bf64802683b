//! Replays the fuzz targets' regression inputs (`fuzz/regressions/<target>/*`: every crash
//! `scripts/fuzz` ever found, kept after the fix) and a set of hostile inputs through exactly
//! the code the fuzzer runs (`fuzz/targets/*.rs`). CI runs this, not the fuzzer.

#[path = "../../../tests/support/paths.rs"]
mod paths;
use paths::manifest_dir;

#[path = "../../../fuzz/targets/document_model.rs"]
mod document_model;
#[path = "../../../fuzz/targets/ingest.rs"]
mod ingest;

/// The saved inputs of one target, sorted (file name = what it reproduces).
fn regressions(target: &str) -> Vec<(String, Vec<u8>)> {
    paths::saved_inputs(&manifest_dir().join("../../fuzz/regressions").join(target))
}

/// Inputs every reader must survive (issue 8's bad-input list, small enough for a unit test;
/// the 200 MB document is exercised by the integration suite's run-level test).
pub fn hostile() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = vec![
        ("empty".into(), Vec::new()),
        ("nul bytes".into(), vec![0; 4096]),
        (
            "binary garbage".into(),
            (0..8192u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect(),
        ),
        (
            "header without documents".into(),
            b"<SEC-DOCUMENT>0000000000-00-000000.txt\n<SEC-HEADER>\nACCESSION NUMBER: 0000000000-00-000000\nCONFORMED SUBMISSION TYPE: 10-K\n</SEC-HEADER>\n".to_vec(),
        ),
        (
            "unclosed document".into(),
            b"<SEC-HEADER>\nCONFORMED SUBMISSION TYPE: 8-K\n</SEC-HEADER>\n<DOCUMENT>\n<TYPE>8-K\n<TEXT>\n<html><body><p>Item 2.02".to_vec(),
        ),
        (
            "huge colspan".into(),
            b"<table><tr><td colspan=\"376967340\">1</td><td rowspan=\"99999999\">(2)</td></tr><tr><td>$</td><td>3</td></tr></table>".to_vec(),
        ),
        (
            "invalid utf-8 mixed with cp1252".into(),
            b"<p>Caf\xe9 \x93quoted\x94 \xff\xfe \xc3\x28 Item 7.</p><table><tr><td>\x80 1,234</td></tr></table>".to_vec(),
        ),
        (
            "unterminated everything".into(),
            b"<html><body><table><tr><td><div><b><i>Item 1A. Risk <!-- never closed".to_vec(),
        ),
    ];
    let mut deep = Vec::new();
    for _ in 0..100_000 {
        deep.extend_from_slice(b"<div>");
    }
    deep.extend_from_slice(b"Item 1. Business");
    v.push(("100,000 nested divs".into(), deep));
    let mut deep_table = Vec::new();
    for _ in 0..20_000 {
        deep_table.extend_from_slice(b"<table><tr><td>");
    }
    deep_table.extend_from_slice(b"(1,234)");
    v.push(("20,000 nested tables".into(), deep_table));
    v
}

#[test]
fn ingest_target_replays_regressions_and_hostile_inputs() {
    let mut n = 0;
    for (name, data) in regressions("ingest").into_iter().chain(hostile()) {
        let r = std::panic::catch_unwind(|| ingest::run(&data));
        assert!(r.is_ok(), "ingest target failed on {name}");
        n += 1;
    }
    assert!(n >= hostile().len());
}

#[test]
fn document_model_target_replays_regressions_and_hostile_inputs() {
    let mut n = 0;
    for (name, data) in regressions("document_model").into_iter().chain(hostile()) {
        let r = std::panic::catch_unwind(|| document_model::run(&data));
        assert!(r.is_ok(), "document_model target failed on {name}");
        n += 1;
    }
    assert!(n >= hostile().len());
}

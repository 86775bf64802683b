//! Fixtures in, rows out: real filings → ingest → sections plugin → chunker, with the real
//! tokenizer. Checks the hard guarantee (`token_count <= max_tokens`), offsets, ids and
//! determinism over real section text.

#[path = "../../../tests/support/paths.rs"]
mod paths;
#[path = "../../../tests/support/snapshots.rs"]
mod snapshots;
use paths::manifest_dir;
use snapshots::snapshots;

use std::path::PathBuf;

use finloom_chunker_v1::{bpe, chunk_sections, count_tokens, Config};

// The sections plugin's extraction logic, compiled into this test directly. Depending on the
// `finloom-plugin-sections` crate instead would link two plugins into one binary, and both
// define abi_stable's (unmangled) root-module symbol, which the linker rejects. Only
// `extract_table` is used here, so the rest of the module, and the re-exports its `mod.rs`
// makes for the sections crate's own users, are unused in this binary.
#[allow(dead_code, unused_imports)]
#[path = "../../sections/src/extract/mod.rs"]
mod sections;
use finloom_plugin_api::TableRows;

fn fixtures() -> PathBuf {
    manifest_dir().join("../../tests/fixtures")
}

fn sections_of(rel: &str) -> (finloom_plugin_api::FilingMeta, TableRows) {
    let filing = finloom_ingest::read_filing(&fixtures().join(rel)).unwrap();
    let rows = sections::extract_table(&filing.meta, &filing.document, "{}").unwrap();
    (filing.meta, rows)
}

const FILES: &[&str] = &[
    "filings/10-K/AAPL_0000320193-24-000123.html",
    "filings/10-K/AAPL_0000320193-94-000016.txt",
    "filings/10-Q/META_0001326801-19-000037.html",
    "filings/8-K/108516_0001193125-23-289222.htm",
];

fn check(cfg_json: &str) {
    let cfg = Config::parse(cfg_json).unwrap();
    let tok = bpe(&cfg.tokenizer).unwrap();
    for rel in FILES {
        let (meta, secs) = sections_of(rel);
        let chunks = chunk_sections(&meta, &secs, &cfg).unwrap();
        assert_eq!(chunks, chunk_sections(&meta, &secs, &cfg).unwrap(), "{rel}");
        let mut n = 0;
        let mut max_seen = 0;
        for r in chunks.rows.iter() {
            let text = chunks.get(r, "text").as_str().unwrap();
            let tc = chunks.get(r, "token_count").as_i64().unwrap() as usize;
            assert!(tc <= cfg.max_tokens, "{rel}: chunk with {tc} tokens");
            assert_eq!(tc, count_tokens(tok, text));
            max_seen = max_seen.max(tc);
            // Offsets point into the section's text.
            let sid = chunks.get(r, "section_id").as_str().unwrap();
            let srow = secs
                .rows
                .iter()
                .find(|s| secs.get(s, "id").as_str() == Some(sid))
                .expect("section exists");
            let stext = secs.get(srow, "text").as_str().unwrap();
            let (cs, ce) = (
                chunks.get(r, "char_start").as_i64().unwrap() as usize,
                chunks.get(r, "char_end").as_i64().unwrap() as usize,
            );
            let slice: String = stext.chars().skip(cs).take(ce - cs).collect();
            assert_eq!(slice, text, "{rel}: offsets");
            n += 1;
        }
        println!(
            "{rel:<50} cfg={cfg_json:<40} sections={} chunks={n} max_tokens_seen={max_seen}",
            secs.rows.len()
        );
        assert!(n >= secs.rows.len().min(1));
    }
}

#[test]
fn real_sections_default_config() {
    check("{}");
}

#[test]
fn real_sections_small_windows_o200k() {
    check(r#"{"max_tokens": 96, "overlap_tokens": 16, "tokenizer": "o200k_base"}"#);
}

/// Snapshot of the chunk layout of one short real filing.
#[test]
fn snapshot_8k_chunks() {
    let (meta, secs) = sections_of("filings/8-K/1002047_0001564590-21-031393.htm");
    let cfg = Config::parse(r#"{"max_tokens": 128, "overlap_tokens": 16}"#).unwrap();
    let chunks = chunk_sections(&meta, &secs, &cfg).unwrap();
    let lines: Vec<String> = chunks
        .rows
        .iter()
        .map(|r| {
            format!(
                "{:<45} {:>4} {:>6}..{:<6}",
                chunks.get(r, "id").as_str().unwrap(),
                chunks.get(r, "token_count").as_i64().unwrap(),
                chunks.get(r, "char_start").as_i64().unwrap(),
                chunks.get(r, "char_end").as_i64().unwrap(),
            )
        })
        .collect();
    snapshots().bind(|| insta::assert_snapshot!(lines.join("\n")));
}

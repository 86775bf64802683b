//! Fixtures in, rows out: real filings → ingest → sections plugin → chunker, with the real
//! tokenizer. Checks the hard guarantee (`token_count <= max_tokens`), offsets, ids and
//! determinism over real section text.

// `snapshots` finds the snapshot folder through `paths`.
#[path = "../../../tests/support/paths.rs"]
mod paths;
#[path = "../../../tests/support/snapshots.rs"]
mod snapshots;
use snapshots::snapshots;

use finloom_chunker_v1::{bpe, chunk_sections, count_tokens, Chunker, Config};
use finloom_plugin_kit::testing;

// The sections plugin's extraction logic, compiled into this test directly. Depending on the
// `finloom-plugin-sections` crate instead would link two plugins into one binary, and both
// define abi_stable's (unmangled) root-module symbol, which the linker rejects. Only
// `extract_table` is used here, so the rest of the module, and the re-exports its `mod.rs`
// makes for the sections crate's own users, are unused in this binary.
#[allow(dead_code, unused_imports)]
#[path = "../../sections/src/extract/mod.rs"]
mod sections;
use finloom_plugin_api::{Document, FilingMeta, TableRows};

/// A sample filing (`rel` under `tests/fixtures/`) and its `sections` rows.
fn sections_of(rel: &str) -> (FilingMeta, Document, TableRows) {
    let (meta, doc) = testing::load(testing::fixtures_dir().join(rel));
    let rows = sections::extract_table(&meta, &doc, "{}").unwrap();
    (meta, doc, rows)
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
        let (meta, doc, secs) = sections_of(rel);
        let chunks = chunk_sections(&meta, &secs, &cfg).unwrap();
        assert_eq!(chunks, chunk_sections(&meta, &secs, &cfg).unwrap(), "{rel}");
        // The same rows through the plugin interface, and the host would accept them.
        let inputs = std::slice::from_ref(&secs);
        assert_eq!(
            testing::extract_one::<Chunker>(&meta, &doc, inputs, cfg_json),
            chunks,
            "{rel}"
        );
        let sections = testing::rows(&secs);
        let mut n = 0;
        let mut max_seen = 0;
        for r in testing::rows(&chunks) {
            let text = r.str("text");
            let tc = r.int("token_count") as usize;
            assert!(tc <= cfg.max_tokens, "{rel}: chunk with {tc} tokens");
            assert_eq!(tc, count_tokens(tok, text));
            max_seen = max_seen.max(tc);
            // Offsets point into the section's text.
            let sid = r.str("section_id");
            let srow = sections
                .iter()
                .find(|s| s.opt_str("id") == Some(sid))
                .expect("section exists");
            let stext = srow.str("text");
            let (cs, ce) = (r.int("char_start") as usize, r.int("char_end") as usize);
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
    let (meta, _, secs) = sections_of("filings/8-K/1002047_0001564590-21-031393.htm");
    let cfg = Config::parse(r#"{"max_tokens": 128, "overlap_tokens": 16}"#).unwrap();
    let chunks = chunk_sections(&meta, &secs, &cfg).unwrap();
    let lines: Vec<String> = testing::rows(&chunks)
        .iter()
        .map(|r| {
            format!(
                "{:<45} {:>4} {:>6}..{:<6}",
                r.str("id"),
                r.int("token_count"),
                r.int("char_start"),
                r.int("char_end"),
            )
        })
        .collect();
    snapshots().bind(|| insta::assert_snapshot!(lines.join("\n")));
}

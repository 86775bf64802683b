//! Fixtures in, rows out: real filings → ingest → sections plugin → chunker v2, with the real
//! tokenizer. Checks the hard guarantees over every fixture filing: the token limit, offsets
//! inside the section text, small neighbours merged, tables split with their header repeated,
//! the context prefix, and determinism.

// `snapshots` finds the snapshot folder through `paths`.
#[path = "../../../tests/support/paths.rs"]
mod paths;
#[path = "../../../tests/support/snapshots.rs"]
mod snapshots;
use snapshots::snapshots;

use std::collections::BTreeMap;

use finloom_chunker_v2::{bpe, chunk_sections, count_tokens, render_table, Chunker, Config};
use finloom_plugin_api::{Document, FilingMeta, TableRows};
use finloom_plugin_kit::testing;

// The sections plugin's extraction logic, compiled into this test directly. Depending on the
// `finloom-plugin-sections` crate instead would link two plugins into one binary, and both
// define abi_stable's (unmangled) root-module symbol, which the linker rejects. Only
// `extract_table` is used here, so the rest of the module, and the re-exports its `mod.rs`
// makes for the sections crate's own users, are unused in this binary.
#[allow(dead_code, unused_imports)]
#[path = "../../sections/src/extract/mod.rs"]
mod sections;

/// A sample filing (`rel` under `tests/fixtures/filings/`) and its `sections` rows.
fn load(rel: &str) -> (FilingMeta, Document, TableRows) {
    let (meta, doc) = testing::load_filing(rel);
    let rows = sections::extract_table(&meta, &doc, "{}").unwrap();
    (meta, doc, rows)
}

/// One chunk row, decoded.
#[derive(Debug)]
struct C {
    section: String,
    text: String,
    tokens: usize,
    start: usize,
    end: usize,
    prefix: String,
}

fn decode(out: &TableRows) -> Vec<C> {
    testing::rows(out)
        .iter()
        .map(|r| C {
            section: r.str("section_id").to_string(),
            text: r.str("text").to_string(),
            tokens: r.int("token_count") as usize,
            start: r.int("char_start") as usize,
            end: r.int("char_end") as usize,
            prefix: r.str("context_prefix").to_string(),
        })
        .collect()
}

fn section_texts(secs: &TableRows) -> BTreeMap<String, Vec<char>> {
    testing::rows(secs)
        .iter()
        .map(|r| (r.str("id").to_string(), r.str("text").chars().collect()))
        .collect()
}

fn check_filing(
    rel: &str,
    (meta, doc, secs): &(FilingMeta, Document, TableRows),
    cfg_json: &str,
    determinism: bool,
) -> usize {
    let cfg = Config::parse(cfg_json).unwrap();
    let tok = bpe(&cfg.tokenizer).unwrap();
    // Run as the host runs the plugin: its rows pass the host's checks.
    let out = testing::extract_one::<Chunker>(meta, doc, std::slice::from_ref(secs), cfg_json);
    if determinism {
        assert_eq!(out, chunk_sections(meta, doc, secs, &cfg).unwrap(), "{rel}");
    }
    let chunks = decode(&out);
    let texts = section_texts(secs);
    for c in &chunks {
        // The hard limit, with the real tokenizer.
        assert!(c.tokens <= cfg.max_tokens, "{rel}: {} tokens", c.tokens);
        assert_eq!(c.tokens, count_tokens(tok, &c.text), "{rel}");
        assert!(!c.text.trim().is_empty(), "{rel}: empty chunk");
        // Never crosses a section: offsets inside the section's text.
        let st = &texts[&c.section];
        assert!(c.start < c.end && c.end <= st.len(), "{rel}: offsets");
        let span: String = st[c.start..c.end].iter().collect();
        if span.contains("[TABLE ") {
            assert!(!c.text.contains("[TABLE "), "{rel}: placeholder in text");
        } else {
            assert_eq!(span, c.text, "{rel}: text is the slice of the section text");
        }
        // Context prefix: company | form | … | section title.
        let company_form = [meta.company_name.as_str(), meta.form_type.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" | ");
        assert!(
            c.prefix.starts_with(&format!("{company_form} | ")),
            "{rel}: {}",
            c.prefix
        );
    }
    // Small chunks only where nothing could take them: the only chunk of its section, one
    // part of a split table, or both neighbours too full.
    let placeholder = |c: &C| -> Option<String> {
        let span: String = texts[&c.section][c.start..c.end].iter().collect();
        let p = span.find("[TABLE ")?;
        Some(span[p..p + span[p..].find(']')? + 1].to_string())
    };
    for (i, c) in chunks.iter().enumerate() {
        if c.tokens >= cfg.min_tokens {
            continue;
        }
        if let Some(ph) = placeholder(c) {
            let parts = chunks
                .iter()
                .filter(|o| o.section == c.section && placeholder(o).as_deref() == Some(&ph))
                .count();
            if parts > 1 {
                continue;
            }
        }
        for j in [i.wrapping_sub(1), i + 1] {
            if let Some(n) = chunks.get(j).filter(|n| n.section == c.section) {
                assert!(
                    n.tokens + c.tokens + 2 > cfg.max_tokens,
                    "{rel}: chunk of {} tokens not merged with neighbour of {}: {:?}",
                    c.tokens,
                    n.tokens,
                    c.text
                );
            }
        }
    }
    chunks.len()
}

/// Every fixture filing, at the default settings (with a determinism check) and with small
/// chunks and the other tokenizer.
#[test]
fn every_fixture() {
    let files = testing::fixture_filings();
    assert_eq!(files.len(), 27);
    let mut total = 0;
    for rel in &files {
        let loaded = load(rel);
        total += check_filing(rel, &loaded, "{}", true);
        check_filing(
            rel,
            &loaded,
            r#"{"max_tokens": 128, "min_tokens": 48, "tokenizer": "o200k_base"}"#,
            false,
        );
    }
    assert!(total > 1000, "{total} chunks");
}

#[test]
fn context_prefix_of_apple_mdna() {
    let (meta, doc, secs) = load("10-K/AAPL_0000320193-24-000123.html");
    let out = chunk_sections(&meta, &doc, &secs, &Config::parse("{}").unwrap()).unwrap();
    let r = testing::rows_where(&out, "section_type", "item_7")[0];
    assert_eq!(
        r.str("context_prefix"),
        "Apple Inc. | 10-K | 2024-09-28 | Item 7. Management’s Discussion and Analysis of \
         Financial Condition and Results of Operations"
    );
    assert_eq!(r.opt_str("chunker_version"), Some("2.1.0"));
    assert_eq!(r.opt_str("tokenizer"), Some("cl100k_base"));
}

/// The big financial tables of Apple's 10-K, with small chunks: every part of a split table
/// starts with the table's header rows, and the parts' rows are exactly the table's rows.
#[test]
fn apple_financial_tables_split_with_header() {
    let (meta, doc, secs) = load("10-K/AAPL_0000320193-24-000123.html");
    let cfg = Config::parse(r#"{"max_tokens": 128, "min_tokens": 32}"#).unwrap();
    let out = chunk_sections(&meta, &doc, &secs, &cfg).unwrap();
    let chunks = decode(&out);
    let texts = section_texts(&secs);
    // Group table chunks by the table their span covers (a part may also carry a merged
    // caption before it or a note after it).
    let mut tables: BTreeMap<usize, Vec<&C>> = BTreeMap::new();
    for c in &chunks {
        let span: String = texts[&c.section][c.start..c.end].iter().collect();
        if let Some(p) = span.find("[TABLE ") {
            let ph = &span[p..p + span[p..].find(']').unwrap()];
            let ti: usize = ph.rsplit('/').next().unwrap().parse().unwrap();
            tables.entry(ti).or_default().push(c);
        }
    }
    let mut split = 0;
    for (ti, parts) in &tables {
        if parts.len() < 2 {
            continue;
        }
        let ti = *ti;
        let rt = render_table(&doc.tables[ti]);
        let header = rt.header.join("\n");
        if header.is_empty() {
            // A one-row table (a block of text laid out in a cell), hard-split.
            assert!(rt.body.len() <= 1, "table {ti}");
            continue;
        }
        split += 1;
        let mut rows = Vec::new();
        for p in parts {
            assert!(p.tokens <= 128);
            assert!(
                p.text.contains(&format!("{header}\n")),
                "table {ti}: part without header:\n{}",
                p.text
            );
            // The table block of the part (after any merged caption, before any note).
            let block = p
                .text
                .split("\n\n")
                .find(|b| b.starts_with(&format!("{header}\n")))
                .unwrap();
            rows.extend(block[header.len() + 1..].lines().map(str::to_string));
        }
        // The parts hold the table's rows, in order (a row too long for a part is cut in
        // pieces, so compare modulo white space).
        let words = |v: &[String]| v.join(" ").split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(words(&rows), words(&rt.body), "table {ti}");
        if rows.len() == rt.body.len() {
            assert_eq!(rows, rt.body, "table {ti}");
        }
    }
    // The income statement, balance sheet, cash flows, … are all split at 128 tokens.
    assert!(split >= 5, "only {split} split tables");
}

/// Snapshot of the chunk layout of one short real filing.
#[test]
fn snapshot_8k_chunks() {
    let (meta, doc, secs) = load("8-K/1002047_0001564590-21-031393.htm");
    let cfg = Config::parse(r#"{"max_tokens": 128, "min_tokens": 32}"#).unwrap();
    let chunks = chunk_sections(&meta, &doc, &secs, &cfg).unwrap();
    let rows = testing::rows(&chunks);
    let mut lines: Vec<String> = Vec::new();
    for r in &rows {
        let head: String = r.str("text").chars().take(48).collect();
        lines.push(format!(
            "{:<45} {:>4} {:>6}..{:<6} {:?}",
            r.str("id"),
            r.int("token_count"),
            r.int("char_start"),
            r.int("char_end"),
            head.replace('\n', "⏎"),
        ));
    }
    lines.push(format!("prefix: {}", rows[0].str("context_prefix")));
    snapshots().bind(|| insta::assert_snapshot!(lines.join("\n")));
}

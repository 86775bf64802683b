//! Fixtures in, rows out: real filings → ingest → sections plugin → chunker v2, with the real
//! tokenizer. Checks the hard guarantees over every fixture filing: the token limit, offsets
//! inside the section text, small neighbours merged, tables split with their header repeated,
//! the context prefix, and determinism.

#[path = "../../../tests/support/paths.rs"]
mod paths;
#[path = "../../../tests/support/snapshots.rs"]
mod snapshots;
use paths::manifest_dir;
use snapshots::snapshots;

use std::collections::BTreeMap;
use std::path::PathBuf;

use finloom_chunker_v2::{bpe, chunk_sections, count_tokens, render_table, Config};
use finloom_plugin_api::{Document, FilingMeta, TableRows};

// The sections plugin's extraction logic, compiled into this test directly. Depending on the
// `finloom-plugin-sections` crate instead would link two plugins into one binary, and both
// define abi_stable's (unmangled) root-module symbol, which the linker rejects. Only
// `extract_table` is used here, so the rest of the module, and the re-exports its `mod.rs`
// makes for the sections crate's own users, are unused in this binary.
#[allow(dead_code, unused_imports)]
#[path = "../../sections/src/extract/mod.rs"]
mod sections;

fn fixtures() -> PathBuf {
    manifest_dir().join("../../tests/fixtures/filings")
}

fn all_fixtures() -> Vec<String> {
    let mut out = Vec::new();
    for form in ["10-K", "10-Q", "8-K"] {
        let mut names: Vec<String> = std::fs::read_dir(fixtures().join(form))
            .unwrap()
            .map(|e| format!("{form}/{}", e.unwrap().file_name().to_string_lossy()))
            .collect();
        names.sort();
        out.extend(names);
    }
    out
}

fn load(rel: &str) -> (FilingMeta, Document, TableRows) {
    let filing = finloom_ingest::read_filing(&fixtures().join(rel)).unwrap();
    let rows = sections::extract_table(&filing.meta, &filing.document, "{}").unwrap();
    (filing.meta, filing.document, rows)
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
    out.rows
        .iter()
        .map(|r| C {
            section: out.get(r, "section_id").as_str().unwrap().to_string(),
            text: out.get(r, "text").as_str().unwrap().to_string(),
            tokens: out.get(r, "token_count").as_i64().unwrap() as usize,
            start: out.get(r, "char_start").as_i64().unwrap() as usize,
            end: out.get(r, "char_end").as_i64().unwrap() as usize,
            prefix: out.get(r, "context_prefix").as_str().unwrap().to_string(),
        })
        .collect()
}

fn section_texts(secs: &TableRows) -> BTreeMap<String, Vec<char>> {
    secs.rows
        .iter()
        .map(|r| {
            (
                secs.get(r, "id").as_str().unwrap().to_string(),
                secs.get(r, "text").as_str().unwrap().chars().collect(),
            )
        })
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
    let out = chunk_sections(meta, doc, secs, &cfg).unwrap();
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
    let files = all_fixtures();
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
    let r = out
        .rows
        .iter()
        .find(|r| out.get(r, "section_type").as_str() == Some("item_7"))
        .unwrap();
    assert_eq!(
        out.get(r, "context_prefix").as_str().unwrap(),
        "Apple Inc. | 10-K | 2024-09-28 | Item 7. Management’s Discussion and Analysis of \
         Financial Condition and Results of Operations"
    );
    assert_eq!(out.get(r, "chunker_version").as_str(), Some("2.1.0"));
    assert_eq!(out.get(r, "tokenizer").as_str(), Some("cl100k_base"));
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
    let mut lines: Vec<String> = Vec::new();
    for r in chunks.rows.iter() {
        let text = chunks.get(r, "text").as_str().unwrap();
        let head: String = text.chars().take(48).collect();
        lines.push(format!(
            "{:<45} {:>4} {:>6}..{:<6} {:?}",
            chunks.get(r, "id").as_str().unwrap(),
            chunks.get(r, "token_count").as_i64().unwrap(),
            chunks.get(r, "char_start").as_i64().unwrap(),
            chunks.get(r, "char_end").as_i64().unwrap(),
            head.replace('\n', "⏎"),
        ));
    }
    lines.push(format!(
        "prefix: {}",
        chunks
            .get(&chunks.rows[0], "context_prefix")
            .as_str()
            .unwrap()
    ));
    snapshots().bind(|| insta::assert_snapshot!(lines.join("\n")));
}

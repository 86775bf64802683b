//! Unit tests with the real tokenizer over hand-written section rows.

use super::*;
use finloom_plugin_kit::testing;

fn sections(rows: &[(&str, &str, i64)]) -> TableRows {
    let mut t = TableRows::new(
        "sections",
        &[
            "id",
            "accession_number",
            "section_type",
            "text",
            "section_index",
        ],
    );
    for (ty, text, idx) in rows {
        t.push(vec![
            format!("0001-24-000001/sec/{ty}").into(),
            "0001-24-000001".into(),
            (*ty).into(),
            (*text).into(),
            (*idx).into(),
        ]);
    }
    t
}

fn meta() -> FilingMeta {
    testing::meta("10-K", "0001-24-000001")
}

fn prose(sentences: usize) -> String {
    (0..sentences)
        .map(|i| {
            format!(
                "Sentence number {i} explains that net sales increased due to higher demand for \
                 services in the Americas, partially offset by foreign exchange headwinds."
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn cl100k_works_offline_and_counts_tokens() {
    let b = bpe("cl100k_base").unwrap();
    assert_eq!(count_tokens(b, "hello world"), 2);
    assert!(bpe("o200k_base").is_ok());
    assert!(bpe("gpt2-bogus").is_err());
    // Built once: the same instance is returned.
    assert!(std::ptr::eq(
        bpe("cl100k_base").unwrap(),
        bpe("cl100k_base").unwrap()
    ));
}

#[test]
fn short_section_is_one_chunk() {
    let b = bpe("cl100k_base").unwrap();
    let c = chunk_text(b, "  None.\n", 512, 64);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].text, "None.");
    assert_eq!((c[0].char_start, c[0].char_end), (2, 7));
    assert!(chunk_text(b, "  \n\n ", 512, 64).is_empty());
}

#[test]
fn windows_respect_limit_end_at_sentences_and_overlap() {
    let b = bpe("cl100k_base").unwrap();
    let text = prose(60);
    let chunks = chunk_text(b, &text, 128, 16);
    assert!(chunks.len() > 5);
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chunks.iter().enumerate() {
        assert!(c.token_count <= 128, "chunk {i} has {}", c.token_count);
        assert_eq!(c.token_count, count_tokens(b, &c.text));
        let slice: String = chars[c.char_start..c.char_end].iter().collect();
        assert_eq!(slice, c.text);
        if i + 1 < chunks.len() {
            // Ends at a sentence end, and is at least half the limit.
            assert!(c.text.ends_with('.'), "chunk {i}: {:?}", c.text);
            assert!(c.token_count >= 64);
            // Overlap: the next chunk starts before this one ends.
            assert!(chunks[i + 1].char_start < c.char_end);
            assert!(chunks[i + 1].char_start > c.char_start);
        }
    }
    assert_eq!(chunks.last().unwrap().char_end, chars.len());
}

#[test]
fn overlap_starts_at_a_sentence_when_one_is_inside_it() {
    let b = bpe("cl100k_base").unwrap();
    let text = prose(40);
    let chunks = chunk_text(b, &text, 128, 48);
    assert!(chunks.len() > 3);
    for (i, c) in chunks.iter().enumerate().skip(1) {
        assert!(
            c.text.starts_with("Sentence number"),
            "chunk {i}: {:?}",
            c.text
        );
        // Still overlapping the previous chunk.
        assert!(c.char_start < chunks[i - 1].char_end);
    }
}

#[test]
fn hard_cut_without_sentences_and_multibyte_text() {
    let b = bpe("cl100k_base").unwrap();
    // No sentence ends at all, with multi-byte characters that BPE splits into byte tokens.
    let text = "données financières — €1 234 — 営業利益 ".repeat(200);
    let chunks = chunk_text(b, &text, 64, 8);
    assert!(chunks.len() > 10);
    let chars: Vec<char> = text.chars().collect();
    for c in &chunks {
        assert!(c.token_count <= 64);
        let slice: String = chars[c.char_start..c.char_end].iter().collect();
        assert_eq!(slice, c.text);
    }
    // Coverage: every character lies in some chunk (up to trimmed white space).
    let mut covered = vec![false; chars.len()];
    for c in &chunks {
        for x in &mut covered[c.char_start..c.char_end] {
            *x = true;
        }
    }
    for (i, ch) in chars.iter().enumerate() {
        assert!(covered[i] || ch.is_whitespace(), "char {i} not covered");
    }
}

#[test]
fn sentence_ends_skip_abbreviations() {
    let t = "Apple Inc. sells products in the U.S. and abroad. Mr. Cook said \"sales grew.\" Next";
    let ends = sentence_ends(t);
    let pieces: Vec<&str> = ends.iter().map(|&e| &t[..e]).collect();
    assert_eq!(
        pieces,
        [
            "Apple Inc. sells products in the U.S. and abroad.",
            "Apple Inc. sells products in the U.S. and abroad. Mr. Cook said \"sales grew.\""
        ]
    );
    assert_eq!(sentence_ends("One\n\nTwo"), [3]);
}

#[test]
fn rows_ids_hashes_and_order() {
    let text = prose(40);
    let secs = sections(&[("item_7", &text, 1), ("item_1", "Short business text.", 0)]);
    let cfg = Config::parse(r#"{"max_tokens": 100, "overlap_tokens": 10}"#).unwrap();
    let out = chunk_sections(&meta(), &secs, &cfg).unwrap();
    // The same rows through the plugin interface, and the host would accept them.
    let json = r#"{"max_tokens": 100, "overlap_tokens": 10}"#;
    let doc = Document::default();
    assert_eq!(
        testing::extract_one::<Chunker>(&meta(), &doc, std::slice::from_ref(&secs), json),
        out
    );
    assert_eq!(out.table.as_str(), "chunks");
    assert_eq!(
        out.columns.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        [
            "id",
            "accession_number",
            "section_id",
            "section_type",
            "chunk_index",
            "text",
            "token_count",
            "char_start",
            "char_end",
            "chunker_name",
            "chunker_version",
            "tokenizer",
            "content_hash",
            "context_prefix"
        ]
    );
    let rows = testing::rows(&out);
    let first = rows[0];
    assert_eq!(first.opt_str("id"), Some("0001-24-000001/chunk/item_1/0"));
    assert_eq!(
        first.opt_str("section_id"),
        Some("0001-24-000001/sec/item_1")
    );
    assert_eq!(
        first.str("content_hash"),
        blake3::hash(b"Short business text.").to_hex().as_str()
    );
    assert_eq!(first.opt_str("tokenizer"), Some("cl100k_base"));
    assert_eq!(first.opt_str("chunker_name"), Some("chunker"));
    assert_eq!(first["context_prefix"], Value::Null);
    let ids: Vec<&str> = rows.iter().map(|r| r.str("id")).collect();
    assert_eq!(ids[1], "0001-24-000001/chunk/item_7/0");
    assert_eq!(ids[2], "0001-24-000001/chunk/item_7/1");
    let mut uniq = ids.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(uniq.len(), ids.len());
    for r in &rows {
        assert!(r.int("token_count") <= 100);
    }
    // Deterministic.
    assert_eq!(out, chunk_sections(&meta(), &secs, &cfg).unwrap());
}

#[test]
fn config_defaults_and_validation() {
    let d = Config::parse("{}").unwrap();
    assert_eq!((d.max_tokens, d.overlap_tokens), (512, 64));
    assert_eq!(d.tokenizer, "cl100k_base");
    assert!(Config::parse("").is_ok());
    assert!(Config::parse(r#"{"tokenizer": "o200k_base"}"#).is_ok());
    assert!(Config::parse(r#"{"tokenizer": "bert"}"#).is_err());
    assert!(Config::parse(r#"{"max_tokens": 100, "overlap_tokens": 80}"#).is_err());
    assert!(Config::parse(r#"{"max_tokens": 4}"#).is_err());
}

#[test]
fn missing_input_is_an_error() {
    let r = <Chunker as Plugin>::extract(&meta(), &Document::default(), &[], "{}");
    assert!(r.is_err());
}

#[test]
fn manifest_declares_chunks_table() {
    let m = manifest();
    assert_eq!(m.name.as_str(), "chunker");
    assert_eq!(m.stage.as_str(), "chunks");
    assert_eq!(m.inputs.len(), 1);
    assert_eq!(m.inputs[0].as_str(), "sections");
    let t = &m.outputs[0];
    let sid = t
        .columns
        .iter()
        .find(|c| c.name.as_str() == "section_id")
        .unwrap();
    assert_eq!(sid.references.as_str(), "sections.id");
    let key: Vec<&str> = t.key.iter().map(|k| k.as_str()).collect();
    assert_eq!(key, ["accession_number", "section_type", "chunk_index"]);
}

//! Unit tests with the real tokenizer over hand-built documents and section rows.

use finloom_plugin_api::{Cell, DocFormat, Row, Table};
use finloom_plugin_kit::testing::{self, DocBuilder};
use finloom_plugin_kit::text::table_marker;

use super::*;
use crate::elements::is_heading;
use crate::split::hard_split;

const ACC: &str = "0001-24-000001";

/// A piece of a hand-built document.
enum Piece<'a> {
    Para(&'a str),
    Bold(&'a str),
    Table(Vec<Vec<&'a str>>),
}

/// Builds a document and the matching `sections` row (one section, `item_7`, covering the whole
/// document), the way the ingest and sections plugins would.
fn build(pieces: &[Piece]) -> (Document, TableRows) {
    let mut b = DocBuilder::new();
    let mut sec = Vec::new();
    let mut tables = 0;
    for p in pieces {
        match p {
            Piece::Para(t) => {
                b = b.p(t);
                sec.push(t.to_string());
            }
            Piece::Bold(t) => {
                b = b.h(t);
                sec.push(t.to_string());
            }
            Piece::Table(rows) => {
                let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
                b = b.table(&rows);
                sec.push(table_marker(ACC, tables));
                tables += 1;
            }
        }
    }
    let doc = b.build();
    let n = doc.text.chars().count();
    (doc, sections(&[("item_7", &sec.join("\n\n"), 0, n)]))
}

fn sections(rows: &[(&str, &str, i64, usize)]) -> TableRows {
    let mut t = TableRows::new(
        "sections",
        &[
            "id",
            "accession_number",
            "section_type",
            "title",
            "text",
            "char_start",
            "char_end",
            "section_index",
        ],
    );
    for (ty, text, idx, end) in rows {
        t.push(vec![
            format!("{ACC}/sec/{ty}").into(),
            ACC.into(),
            (*ty).into(),
            "Item 7. Management’s Discussion and Analysis".into(),
            (*text).into(),
            0i64.into(),
            (*end).into(),
            (*idx).into(),
        ]);
    }
    t
}

fn meta() -> FilingMeta {
    FilingMeta {
        company_name: "Apple Inc.".into(),
        period_of_report: "2024-09-28".into(),
        ..testing::meta("10-K", ACC)
    }
}

fn sentence(i: usize) -> String {
    format!(
        "Sentence number {i} explains that net sales increased due to higher demand for \
         services in the Americas, partially offset by foreign exchange headwinds."
    )
}

fn prose(from: usize, n: usize) -> String {
    (from..from + n).map(sentence).collect::<Vec<_>>().join(" ")
}

/// (text, token_count, char_start, char_end) of every chunk, the plugin run as the host runs it
/// (its rows pass the host's checks).
fn run(doc: &Document, secs: &TableRows, cfg: &str) -> Vec<(String, usize, usize, usize)> {
    let out = testing::extract_one::<Chunker>(&meta(), doc, std::slice::from_ref(secs), cfg);
    testing::rows(&out)
        .iter()
        .map(|r| {
            (
                r.str("text").to_string(),
                r.int("token_count") as usize,
                r.int("char_start") as usize,
                r.int("char_end") as usize,
            )
        })
        .collect()
}

fn slice(s: &str, a: usize, b: usize) -> String {
    s.chars().skip(a).take(b - a).collect()
}

#[test]
fn tokenizers_work_offline() {
    let b = bpe("cl100k_base").unwrap();
    assert_eq!(count_tokens(b, "hello world"), 2);
    assert!(bpe("o200k_base").is_ok());
    assert!(bpe("gpt2-bogus").is_err());
    assert!(std::ptr::eq(
        bpe("cl100k_base").unwrap(),
        bpe("cl100k_base").unwrap()
    ));
}

#[test]
fn config_defaults_and_validation() {
    let d = Config::parse("{}").unwrap();
    assert_eq!((d.max_tokens, d.min_tokens), (512, 64));
    assert_eq!(d.tokenizer, "cl100k_base");
    assert!(!d.count_prefix_tokens);
    assert_eq!(Config::parse("").unwrap(), d);
    assert!(Config::parse(r#"{"tokenizer": "o200k_base", "count_prefix_tokens": true}"#).is_ok());
    assert!(Config::parse(r#"{"max_tokens": 100, "min_tokens": 100}"#).is_ok());
    for bad in [
        r#"{"tokenizer": "bert"}"#,
        r#"{"max_tokens": 100, "min_tokens": 101}"#,
        r#"{"max_tokens": 8, "min_tokens": 0}"#,
        r#"{"max_tokens": -1}"#,
        r#"{"max_token": 100}"#,
        r#"{"overlap_tokens": 64}"#,
        r#"[1]"#,
    ] {
        assert!(Config::parse(bad).is_err(), "{bad}");
    }
    let e = Config::parse(r#"{"max_tokens": 512, "overlap_tokens": 64}"#).unwrap_err();
    assert!(e.contains("overlap_tokens"), "{e}");
}

#[test]
fn manifest_matches_v1_schema() {
    let m = manifest();
    assert_eq!(m.name.as_str(), "chunker");
    assert_eq!(m.version.as_str(), "2.1.0");
    assert_eq!(m.stage.as_str(), "chunks");
    assert_eq!(m.interface_version, INTERFACE_VERSION);
    assert_eq!(
        m.inputs.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        ["sections"]
    );
    let t = &m.outputs[0];
    assert_eq!(t.name.as_str(), "chunks");
    use finloom_plugin_api::ColumnType::*;
    let expected = [
        ("id", Text, false, ""),
        ("accession_number", Text, false, ""),
        ("section_id", Text, false, "sections.id"),
        ("section_type", Text, false, ""),
        ("chunk_index", BigInt, false, ""),
        ("text", Text, false, ""),
        ("token_count", BigInt, false, ""),
        ("char_start", BigInt, false, ""),
        ("char_end", BigInt, false, ""),
        ("chunker_name", Text, false, ""),
        ("chunker_version", Text, false, ""),
        ("tokenizer", Text, false, ""),
        ("content_hash", Text, false, ""),
        ("context_prefix", Text, true, ""),
    ];
    let got: Vec<_> = t
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.ty, c.nullable, c.references.as_str()))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(
        t.columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
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
    assert_eq!(
        t.key.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        ["accession_number", "section_type", "chunk_index"]
    );
}

#[test]
fn missing_input_is_an_error() {
    let r = <Chunker as Plugin>::extract(&meta(), &Document::default(), &[], "{}");
    assert!(r.is_err());
}

#[test]
fn headings_start_chunks_and_paragraphs_are_kept_whole() {
    let p1 = prose(0, 4);
    let p2 = prose(4, 4);
    let p3 = prose(8, 5);
    let (doc, secs) = build(&[
        Piece::Bold("Segment Operating Performance"),
        Piece::Para(&p1),
        Piece::Para(&p2),
        Piece::Bold("Gross Margin"),
        Piece::Para(&p3),
    ]);
    let stext = testing::rows(&secs)[0].str("text").to_string();
    let chunks = run(&doc, &secs, r#"{"max_tokens": 200, "min_tokens": 20}"#);
    let texts: Vec<&str> = chunks.iter().map(|c| c.0.as_str()).collect();
    // p1 + p2 + heading would exceed 200 tokens: the first chunk holds the heading and p1,
    // p2 goes whole to the next chunk, the second heading starts a chunk.
    assert_eq!(texts.len(), 3, "{texts:#?}");
    assert_eq!(texts[0], format!("Segment Operating Performance\n\n{p1}"));
    assert_eq!(texts[1], p2);
    assert_eq!(texts[2], format!("Gross Margin\n\n{p3}"));
    for (t, n, a, b) in &chunks {
        assert!(*n <= 200);
        assert_eq!(*n, count_tokens(bpe("cl100k_base").unwrap(), t));
        assert_eq!(&slice(&stext, *a, *b), t);
    }
    // Without the bold style, the same short line is an ordinary paragraph (HTML).
    let (doc, secs) = build(&[
        Piece::Para("Segment Operating Performance"),
        Piece::Para(&p1),
        Piece::Para("Gross Margin"),
        Piece::Para(&p3),
    ]);
    let chunks = run(&doc, &secs, r#"{"max_tokens": 200, "min_tokens": 20}"#);
    assert!(chunks[0].0.contains(&p1) && chunks[0].0.ends_with("Gross Margin"));
}

#[test]
fn small_neighbours_are_merged_up_to_min_tokens() {
    let (doc, secs) = build(&[
        Piece::Bold("Americas"),
        Piece::Para("Americas net sales increased due to Services."),
        Piece::Bold("Europe"),
        Piece::Para("Europe net sales increased due to Services and iPhone."),
        Piece::Bold("Japan"),
        Piece::Para("Japan net sales increased due to iPhone."),
    ]);
    // Each heading group is ~10 tokens: all merge into one chunk.
    let chunks = run(&doc, &secs, r#"{"max_tokens": 200, "min_tokens": 64}"#);
    assert_eq!(chunks.len(), 1);
    assert!(chunks[0].0.starts_with("Americas\n\n") && chunks[0].0.ends_with("iPhone."));
    // With min_tokens 0 nothing is merged: one chunk per heading group.
    let chunks = run(&doc, &secs, r#"{"max_tokens": 200, "min_tokens": 0}"#);
    assert_eq!(chunks.len(), 3);
    assert_eq!(
        chunks[1].0,
        "Europe\n\nEurope net sales increased due to Services and iPhone."
    );
    // A small section on its own stays one (small) chunk.
    let (doc, secs) = build(&[Piece::Para("None.")]);
    let chunks = run(&doc, &secs, "{}");
    assert_eq!(chunks, vec![("None.".to_string(), 2, 0, 5)]);
}

#[test]
fn small_text_merges_into_table_as_caption() {
    for sentences in [3, 6] {
        let p = prose(0, sentences);
        let (doc, secs) = build(&[
            Piece::Para(&p),
            Piece::Para("The following table shows net sales (in millions):"),
            Piece::Table(vec![
                vec!["", "2024", "2023"],
                vec!["iPhone", "$", "201,183", "$", "200,583"],
                vec!["Mac", "29,984", "29,357"],
            ]),
            Piece::Para("(1) Includes accessories."),
        ]);
        let chunks = run(&doc, &secs, r#"{"max_tokens": 150, "min_tokens": 20}"#);
        let last = chunks.last().unwrap();
        assert_eq!(
            last.0,
            "The following table shows net sales (in millions):\n\n2024 | 2023\n\
             iPhone | $201,183 | $200,583\nMac | 29,984 | 29,357\n\n(1) Includes accessories.",
            "{chunks:#?}"
        );
        // Its span runs from the caption to the end of the note.
        let stext = testing::rows(&secs)[0].str("text");
        let span = slice(stext, last.2, last.3);
        assert!(span.starts_with("The following") && span.ends_with("accessories."));
        assert!(span.contains("[TABLE 0001-24-000001/tbl/0]"));
        assert!(chunks[..chunks.len() - 1]
            .iter()
            .all(|c| c.0.starts_with("Sentence") && c.0.ends_with("headwinds.")));
    }
}

fn big_table(rows: usize) -> Piece<'static> {
    let mut t: Vec<Vec<&'static str>> = vec![
        vec!["", "Three Months Ended", ""],
        vec!["", "June 30, 2024", "June 30, 2023"],
    ];
    for i in 0..rows {
        let label: &'static str = Box::leak(format!("Line item number {i}").into_boxed_str());
        let a: &'static str =
            Box::leak(format!("{},{:03}", i * 7 % 1000, i % 1000).into_boxed_str());
        t.push(vec![label, "$", a, "", "$", "(12)", ""]);
    }
    Piece::Table(t)
}

#[test]
fn big_table_is_split_by_rows_with_header_repeated() {
    let (doc, secs) = build(&[Piece::Para(&prose(0, 2)), big_table(200)]);
    let b = bpe("cl100k_base").unwrap();
    for max in [64usize, 128, 512] {
        let cfg = format!(r#"{{"max_tokens": {max}, "min_tokens": 16}}"#);
        let chunks = run(&doc, &secs, &cfg);
        let header = "Three Months Ended\nJune 30, 2024 | June 30, 2023";
        let parts: Vec<_> = chunks
            .iter()
            .filter(|c| c.0.contains("Line item"))
            .collect();
        assert!(parts.len() > 1, "max {max}");
        let mut rows_seen = Vec::new();
        for (t, n, a, b2) in &parts {
            assert!(*n <= max, "max {max}: part with {n} tokens");
            assert_eq!(*n, count_tokens(b, t));
            // Every part starts with the header (the first may carry the paragraph before).
            assert!(
                t.contains(&format!("{header}\nLine item")),
                "max {max}: {t}"
            );
            let stext = testing::rows(&secs)[0].str("text");
            assert!(slice(stext, *a, *b2).ends_with(&format!("[TABLE {ACC}/tbl/0]")));
            rows_seen.extend(
                t.lines()
                    .filter(|l| l.starts_with("Line item"))
                    .map(str::to_string),
            );
        }
        // Every row exactly once, in order.
        let expected: Vec<String> = (0..200)
            .map(|i| {
                format!(
                    "Line item number {i} | ${},{:03} | $(12)",
                    i * 7 % 1000,
                    i % 1000
                )
            })
            .collect();
        assert_eq!(rows_seen, expected, "max {max}");
    }
}

#[test]
fn gigantic_row_is_hard_split() {
    let long = "word ".repeat(600);
    let (doc, secs) = build(&[Piece::Table(vec![
        vec!["Name", "Description"],
        vec!["Thing", long.trim()],
        vec!["Other", "short"],
    ])]);
    let chunks = run(&doc, &secs, r#"{"max_tokens": 100, "min_tokens": 10}"#);
    assert!(chunks.len() >= 7, "{}", chunks.len());
    for (t, n, _, _) in &chunks {
        assert!(*n <= 100);
        assert!(t.starts_with("Name | Description\n"), "{t}");
    }
    let words: usize = chunks.iter().map(|c| c.0.matches("word").count()).sum();
    assert_eq!(words, 600);
}

#[test]
fn render_table_headers_and_cells() {
    let cell = |t: &str, header: bool| Cell {
        header,
        ..testing::cell(t)
    };
    let row = |cells: Vec<Cell>| Row {
        cells: cells.into(),
    };
    // Marked header rows.
    let t = Table {
        block: 0,
        rows: vec![
            row(vec![cell("Name", true), cell("Age", true)]),
            row(vec![cell("", false), cell("", false)]),
            row(vec![cell("Tim", false), cell("63", false)]),
            row(vec![
                cell("Jeff", false),
                cell("", false),
                cell("6", false),
                cell("%", false),
            ]),
        ]
        .into(),
    };
    let r = render_table(&t);
    assert_eq!(r.header, ["Name | Age"]);
    assert_eq!(r.body, ["Tim | 63", "Jeff | 6%"]);
    // No marks: first row.
    let t = Table {
        block: 0,
        rows: vec![
            row(vec![cell("Name", false), cell("Age", false)]),
            row(vec![cell("Tim", false), cell("63", false)]),
        ]
        .into(),
    };
    assert_eq!(render_table(&t).header, ["Name | Age"]);
    // A one-row table has no header.
    let t = Table {
        block: 0,
        rows: vec![row(vec![cell("Only", false)])].into(),
    };
    assert_eq!(
        render_table(&t),
        RenderedTable {
            header: vec![],
            body: vec!["Only".into()]
        }
    );
}

#[test]
fn oversized_paragraph_is_split_at_sentences() {
    let p = prose(0, 40);
    let (doc, secs) = build(&[Piece::Para(&p)]);
    let stext = testing::rows(&secs)[0].str("text");
    let chunks = run(&doc, &secs, r#"{"max_tokens": 128, "min_tokens": 32}"#);
    assert!(chunks.len() > 5);
    for (i, (t, n, a, b)) in chunks.iter().enumerate() {
        assert!(*n <= 128);
        assert!(
            t.starts_with("Sentence number") && t.ends_with('.'),
            "chunk {i}"
        );
        assert_eq!(&slice(stext, *a, *b), t);
    }
    // No overlap, nothing lost.
    let joined: Vec<&str> = chunks.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(joined.join(" "), p);
}

#[test]
fn hard_split_multibyte_without_sentences() {
    let text = "données financières — €1 234 — 営業利益 ".repeat(200);
    let b = bpe("cl100k_base").unwrap();
    let pieces = hard_split(b, &text, 0, text.len(), 50);
    assert!(pieces.len() > 10);
    let non_ws = |s: &str| s.chars().filter(|c| !c.is_whitespace()).count();
    let mut covered = 0;
    for (s, e) in &pieces {
        assert!(count_tokens(b, &text[*s..*e]) <= 50);
        covered += non_ws(&text[*s..*e]);
    }
    assert_eq!(covered, non_ws(&text));
}

#[test]
fn context_prefix_and_row_values() {
    let p = prose(0, 3);
    let (doc, secs) = build(&[Piece::Para(&p)]);
    let cfg = Config::parse("{}").unwrap();
    let out = chunk_sections(&meta(), &doc, &secs, &cfg).unwrap();
    assert_eq!(out.rows.len(), 1);
    let r = testing::rows(&out)[0];
    assert_eq!(
        r.opt_str("context_prefix"),
        Some("Apple Inc. | 10-K | 2024-09-28 | Item 7. Management’s Discussion and Analysis")
    );
    assert_eq!(r.opt_str("id"), Some("0001-24-000001/chunk/item_7/0"));
    assert_eq!(r.opt_str("section_id"), Some("0001-24-000001/sec/item_7"));
    assert_eq!(r.opt_str("chunker_name"), Some("chunker"));
    assert_eq!(r.opt_str("chunker_version"), Some("2.1.0"));
    assert_eq!(r.opt_str("tokenizer"), Some("cl100k_base"));
    assert_eq!(r.opt_str("text"), Some(p.as_str()));
    assert_eq!(
        r.str("content_hash"),
        blake3::hash(p.as_bytes()).to_hex().as_str()
    );
    // Missing period: filing date; missing title: section type; long title cut.
    let m = FilingMeta {
        company_name: "ACME  CORP".into(),
        form_type: "8-K".into(),
        filed_date: "1999-01-02".into(),
        ..FilingMeta::default()
    };
    assert_eq!(
        context_prefix(&m, None, "item_5"),
        "ACME CORP | 8-K | 1999-01-02 | item_5"
    );
    let long = "Item 7. ".to_string() + &"Very long title ".repeat(20);
    let pre = context_prefix(&m, Some(&long), "item_7");
    assert!(pre.ends_with('…') && pre.chars().count() < 140, "{pre}");
}

#[test]
fn count_prefix_tokens_shrinks_bodies() {
    let (doc, secs) = build(&[Piece::Para(&prose(0, 30))]);
    let b = bpe("cl100k_base").unwrap();
    let cfg = Config::parse(r#"{"max_tokens": 128, "count_prefix_tokens": true}"#).unwrap();
    let out = chunk_sections(&meta(), &doc, &secs, &cfg).unwrap();
    for r in testing::rows(&out) {
        let text = r.str("text");
        let prefix = r.str("context_prefix");
        let n = r.int("token_count") as usize;
        assert_eq!(n, count_tokens(b, &format!("{prefix}\n\n{text}")));
        assert!(n <= 128);
    }
}

#[test]
fn deterministic_and_order_independent() {
    let (doc, _) = build(&[Piece::Para(&prose(0, 30))]);
    let n = doc.text.chars().count();
    let text = doc.text.to_string();
    let a = sections(&[
        ("item_1", "Short business text.", 0, 0),
        ("item_7", &text, 1, n),
    ]);
    let b = sections(&[
        ("item_7", &text, 1, n),
        ("item_1", "Short business text.", 0, 0),
    ]);
    let cfg = Config::parse(r#"{"max_tokens": 100}"#).unwrap();
    let x = chunk_sections(&meta(), &doc, &a, &cfg).unwrap();
    assert_eq!(x, chunk_sections(&meta(), &doc, &a, &cfg).unwrap());
    assert_eq!(x, chunk_sections(&meta(), &doc, &b, &cfg).unwrap());
    let ids: Vec<&str> = testing::rows(&x).iter().map(|r| r.str("id")).collect();
    assert_eq!(ids[0], "0001-24-000001/chunk/item_1/0");
    assert_eq!(ids[1], "0001-24-000001/chunk/item_7/0");
    assert_eq!(ids[2], "0001-24-000001/chunk/item_7/1");
}

#[test]
fn plain_text_headings() {
    assert!(is_heading("RESULTS OF OPERATIONS", None, DocFormat::Text));
    assert!(is_heading(
        "Liquidity and Capital Resources",
        None,
        DocFormat::Text
    ));
    assert!(!is_heading(
        "Liquidity and Capital Resources",
        None,
        DocFormat::Html
    ));
    assert!(!is_heading(
        "Net sales increased 5%.",
        None,
        DocFormat::Text
    ));
    assert!(!is_heading("the company said that", None, DocFormat::Text));
    assert!(!is_heading("LINE ONE\nLINE TWO", None, DocFormat::Text));
    assert!(!is_heading("$ 1,234", None, DocFormat::Text));
}

//! The builders themselves: run with `cargo test -p finloom-plugin-kit --features testing`
//! (the plugins' test builds enable the feature too).

use super::*;
use finloom_plugin_api::schema::{ColumnSpec as C, TableSchema};
use finloom_plugin_api::{Manifest, INTERFACE_VERSION};

const ACC: &str = "0000000000-24-000001";

/// A small plugin: one row per paragraph block (its index, its text, its word count).
struct Probe;

const PROBE: TableSchema<5> = TableSchema::new(
    "probe_rows",
    [
        C::text("accession_number"),
        C::bigint("block"),
        C::text("text").nullable(),
        C::double("words"),
        C::date("filed").nullable(),
    ],
    &["accession_number", "block"],
);

#[derive(serde::Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct ProbeConfig {
    fail: bool,
}

impl Plugin for Probe {
    fn manifest() -> Manifest {
        Manifest {
            name: "probe".into(),
            version: "1.0.0".into(),
            interface_version: INTERFACE_VERSION,
            stage: "probe".into(),
            inputs: Default::default(),
            outputs: vec![PROBE.decl()].into(),
        }
    }

    fn check_config(config_json: &str) -> Result<(), String> {
        crate::config::parse::<ProbeConfig>(config_json).map(|_| ())
    }

    fn extract(
        filing: &FilingMeta,
        doc: &Document,
        _inputs: &[TableRows],
        config_json: &str,
    ) -> Result<Vec<TableRows>, String> {
        let cfg: ProbeConfig = crate::config::parse(config_json)?;
        if cfg.fail {
            return Err("told to fail".into());
        }
        let mut out = PROBE.rows();
        for (i, b) in doc.blocks.iter().enumerate() {
            if b.kind != BlockKind::Paragraph {
                continue;
            }
            let text = doc.block_text(b);
            out.push([
                filing.accession_number.as_str().into(),
                i.into(),
                Some(text).filter(|t| !t.is_empty()).into(),
                (text.split_whitespace().count() as f64).into(),
                Value::Null,
            ])?;
        }
        Ok(vec![out.finish()])
    }
}

#[test]
fn doc_builder_lays_blocks_out_as_ingest_does() {
    let bold_italic = Style {
        bold: true,
        italic: true,
        ..Style::default()
    };
    let doc = DocBuilder::new()
        .h("Item 7. MD&A")
        .p("Net sales rose.")
        .table(&[&["", "2024"], &["Net sales", "391,035"]])
        .pre("LINE ONE\nLINE TWO")
        .styled("Continued", bold_italic)
        .table(&[&["only"]])
        .build();
    assert_eq!(
        doc.text.as_str(),
        "Item 7. MD&A\n\nNet sales rose.\n\n | 2024\nNet sales | 391,035\n\nLINE ONE\nLINE TWO\n\n\
         Continued\n\nonly"
    );
    let kinds: Vec<BlockKind> = doc.blocks.iter().map(|b| b.kind).collect();
    assert_eq!(
        kinds,
        [
            BlockKind::Paragraph,
            BlockKind::Paragraph,
            BlockKind::Table,
            BlockKind::Preformatted,
            BlockKind::Paragraph,
            BlockKind::Table
        ]
    );
    let texts: Vec<&str> = doc.blocks.iter().map(|b| doc.block_text(b)).collect();
    assert_eq!(texts[1], "Net sales rose.");
    assert_eq!(texts[3], "LINE ONE\nLINE TWO");
    assert!(doc.blocks[0].style.bold && !doc.blocks[1].style.bold);
    assert_eq!(doc.blocks[4].style, bold_italic);
    // Tables and their blocks point at each other.
    assert_eq!(
        doc.blocks.iter().map(|b| b.table).collect::<Vec<_>>(),
        [-1, -1, 0, -1, -1, 1]
    );
    assert_eq!((doc.tables[0].block, doc.tables[1].block), (2, 5));
    assert_eq!(doc.tables[0].rows[1].cells[1].text.as_str(), "391,035");
    assert_eq!(doc.format, DocFormat::Html);
    assert_eq!(
        DocBuilder::new().format(DocFormat::Text).build().format,
        DocFormat::Text
    );
}

#[test]
fn a_table_built_elsewhere_keeps_its_cells() {
    let mut t = table(&[&["Revenue", "", "(1,234)"]]);
    t.rows[0].cells[0].colspan = 2;
    t.rows[0].cells[2].facts.push(7);
    let doc = DocBuilder::new().p("(In millions)").table_of(t).build();
    assert_eq!(doc.tables[0].block, 1);
    assert_eq!(doc.tables[0].rows[0].cells[0].colspan, 2);
    assert_eq!(doc.tables[0].rows[0].cells[2].facts.as_slice(), [7]);
    assert_eq!(doc.block_text(&doc.blocks[1]), "Revenue |  | (1,234)");
    let c = cell("x");
    assert_eq!(
        (c.colspan, c.rowspan, c.header, c.bold),
        (1, 1, false, false)
    );
}

#[test]
fn html_and_text_are_parsed_by_ingest() {
    let (meta, doc) = from_html(
        "<html><body><p><b>ITEM 1. BUSINESS</b></p><p>We make things.</p>\
         <table><tr><td>Net sales</td><td>$</td><td>1,234</td></tr></table></body></html>",
        "10-K",
        ACC,
    );
    assert_eq!(meta.accession_number.as_str(), ACC);
    assert_eq!(meta.form_type.as_str(), "10-K");
    assert_eq!(doc.format, DocFormat::Html);
    let first = &doc.blocks[0];
    assert_eq!(doc.block_text(first), "ITEM 1. BUSINESS");
    assert!(first.style.bold);
    assert_eq!(doc.tables.len(), 1);
    assert_eq!(doc.tables[0].rows[0].cells[2].text.as_str(), "1,234");

    let (meta, doc) = from_text(
        "ITEM 1.  BUSINESS\n\nThe Company makes things.\n",
        "10-K405",
        ACC,
    );
    assert_eq!(meta.form_type.as_str(), "10-K405");
    assert_eq!(doc.format, DocFormat::Text);
    assert!(doc.text.contains("The Company makes things."));
}

#[test]
fn sample_filings_are_found_and_read() {
    let dir = fixtures_dir();
    assert!(dir.ends_with("tests/fixtures"), "{}", dir.display());
    let all = fixture_filings();
    assert!(all.len() >= 20, "{all:?}");
    // By form, then by name.
    let forms: Vec<&str> = all.iter().map(|f| f.split('/').next().unwrap()).collect();
    let mut sorted = forms.clone();
    sorted.sort_by_key(|f| ["10-K", "10-Q", "8-K"].iter().position(|x| x == f));
    assert_eq!(forms, sorted);
    assert!(all
        .windows(2)
        .all(|w| w[0].split('/').next() != w[1].split('/').next() || w[0] < w[1]));
    let (meta, doc) = load_filing("8-K/1000685_0001000685-97-000006.txt");
    assert_eq!(meta.accession_number.as_str(), "0001000685-97-000006");
    assert!(!doc.blocks.is_empty());
    assert_eq!(
        load(filing_path("8-K/1000685_0001000685-97-000006.txt")).0,
        meta
    );
    assert!(own_fixture("x.html").ends_with("crates/finloom-plugin-kit/tests/fixtures/x.html"));
}

#[test]
#[should_panic(expected = "reading ")]
fn a_missing_filing_is_a_panic_naming_it() {
    load_filing("10-K/no-such-filing.html");
}

#[test]
fn a_plugin_runs_in_process_and_its_rows_read_by_name() {
    let doc = DocBuilder::new()
        .h("Heading")
        .table(&[&["a", "b"]])
        .p("two words")
        .build();
    let t = extract_one::<Probe>(&meta("10-K", ACC), &doc, &[], "{}");
    assert_eq!(extract::<Probe>(&meta("10-K", ACC), &doc, &[], "").len(), 1);
    let all = rows(&t);
    assert_eq!(all.len(), 2);
    let r = all[1];
    assert_eq!(r["block"], Value::Int(2));
    assert_eq!(r.int("block"), 2);
    assert_eq!(r.opt_int("block"), Some(2));
    assert_eq!(r.str("text"), "two words");
    assert_eq!(r.opt_str("filed"), None);
    assert_eq!(r.float("words"), 2.0);
    assert_eq!(
        r.opt_float("block"),
        Some(2.0),
        "an integer reads as a number"
    );
    assert_eq!(r.values().len(), 5);
    assert_eq!(
        format!("{r:?}"),
        format!(
            "{{\"accession_number\": Text(\"{ACC}\"), \"block\": Int(2), \
             \"text\": Text(\"two words\"), \"words\": Float(2.0), \"filed\": Null}}"
        )
    );
    let found = rows_where(&t, "text", "Heading");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].int("block"), 0);
    assert!(rows_where(&t, "text", "nothing").is_empty());
}

#[test]
#[should_panic(expected = "has no column \"item\" (its columns: accession_number, block, text")]
fn an_unknown_column_is_a_panic_naming_the_columns() {
    let doc = DocBuilder::new().p("x").build();
    let t = extract_one::<Probe>(&meta("", ACC), &doc, &[], "{}");
    let _ = &rows(&t)[0]["item"];
}

#[test]
#[should_panic(expected = "column block: Int(0) is not text")]
fn a_value_of_another_type_is_a_panic() {
    let doc = DocBuilder::new().p("x").build();
    let t = extract_one::<Probe>(&meta("", ACC), &doc, &[], "{}");
    rows(&t)[0].str("block");
}

#[test]
#[should_panic(expected = "plugin probe on 0000000000-24-000001: told to fail")]
fn a_plugin_error_is_a_panic_with_its_message() {
    extract::<Probe>(
        &meta("", ACC),
        &Document::default(),
        &[],
        r#"{"fail": true}"#,
    );
}

#[test]
#[should_panic(expected = "config {\"fial\": true} refused: `fial`: unknown field")]
fn a_config_the_plugin_refuses_is_a_panic() {
    extract::<Probe>(
        &meta("", ACC),
        &Document::default(),
        &[],
        r#"{"fial": true}"#,
    );
}

/// A row of `probe_rows` as the columns are declared.
fn probe(rows: Vec<Vec<Value>>) -> TableRows {
    let mut t = TableRows::new("probe_rows", &PROBE.column_names());
    for r in rows {
        t.push(r);
    }
    t
}

fn ok_row(block: i64) -> Vec<Value> {
    vec![
        ACC.into(),
        block.into(),
        Value::Null,
        1.5.into(),
        "2024-11-01".into(),
    ]
}

#[test]
fn rows_are_checked_as_the_host_checks_them() {
    let m = meta("10-K", ACC);
    let check = |t: TableRows| check_rows::<Probe>(&m, &[t]);
    assert_eq!(check(probe(vec![ok_row(0), ok_row(1)])), Ok(()));
    // An integer in a double column is fine, as in the host.
    let mut r = ok_row(0);
    r[3] = Value::Int(2);
    assert_eq!(check(probe(vec![r])), Ok(()));

    let err = |t: TableRows| check(t).unwrap_err();
    assert!(err(TableRows::new("other", &["accession_number"])).contains("other is not declared"));
    let mut t = probe(vec![]);
    t.columns.push("extra".into());
    assert!(err(t).contains("column extra is not declared"));
    let mut t = probe(vec![]);
    t.columns.remove(4);
    assert!(err(t).contains("declared column filed is missing"));
    let mut t = probe(vec![]);
    t.columns.push("block".into());
    assert!(err(t).contains("column block returned twice"));
    assert!(err(probe(vec![vec![ACC.into()]])).contains("row 0 has 1 values for 5 columns"));
    for (i, bad, what) in [
        (1, Value::Null, "column block (BigInt) cannot hold Null"),
        (
            1,
            Value::from("1"),
            "column block (BigInt) cannot hold Text",
        ),
        (
            3,
            Value::Float(f64::NAN),
            "column words (Double) cannot hold Float(NaN)",
        ),
        (
            4,
            Value::from("2024-1-01"),
            "column filed (Date, nullable) cannot hold Text",
        ),
        (
            0,
            Value::from("0000000000-24-000002"),
            "row 0 has accession_number",
        ),
    ] {
        let mut r = ok_row(0);
        r[i] = bad;
        let e = err(probe(vec![r]));
        assert!(e.contains(what), "{e}");
    }
    let e = err(probe(vec![ok_row(3), ok_row(4), ok_row(3)]));
    assert!(
        e.contains("row 2 repeats the key (accession_number, block)"),
        "{e}"
    );
}

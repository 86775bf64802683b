//! Fixture builders for plugin tests (cargo feature `testing`).
//!
//! Every plugin's tests do the same few things: read a filing from `tests/fixtures/` into the
//! document model the host would hand the plugin, or build a small [`Document`] by hand;
//! run the plugin in-process; and read the rows it returns by column name. This module does
//! them once:
//!
//! * **Where the fixtures are**: [`fixtures_dir`] (finloom's sample filings), [`fixture_filings`]
//!   (every one of them), [`own_fixture`] (a file of the plugin's own `tests/fixtures/`).
//! * **Filings**: [`load`] and [`load_filing`] read a file with `finloom-ingest`, exactly as a
//!   run does; [`from_html`] and [`from_text`] parse a string (a filing excerpt written in the
//!   test) with a given form type and accession number; [`meta`] is the metadata alone.
//! * **Hand-built documents**: [`DocBuilder`] lays blocks out as ingest does (blocks joined by a
//!   blank line, a table's text its rows with cells joined by `" | "`); [`table`] and [`cell`]
//!   build a table of plain cells.
//! * **Running a plugin**: [`extract`] (and [`extract_one`] for a plugin with one output table)
//!   calls `Plugin::extract` in-process and checks the rows as the host does before it merges
//!   them ([`check_rows`]): declared tables and columns, types, NULLs, the filing's accession
//!   number in every row, unique keys. A plugin's `cargo test` thus fails where a run would.
//! * **Reading rows**: [`rows`] and [`rows_where`] give [`RowView`]s, read by column name:
//!   `row["item"]`, `row.str("title")`, `row.opt_int("char_start")`. An unknown column is a
//!   panic naming the table's columns, not a silent NULL.
//!
//! The plugin crates list it as a dev-dependency only —
//! `finloom-plugin-kit = { path = "…", features = ["testing"] }` — so their libraries, the
//! `cdylib`s finloom loads, do not link `finloom-ingest`.
//!
//! ```
//! use finloom_plugin_kit::testing::{self, DocBuilder};
//!
//! let doc = DocBuilder::new()
//!     .h("Item 7. Management's Discussion and Analysis")
//!     .p("Net sales increased 2 % in 2024.")
//!     .table(&[&["", "2024"], &["Net sales", "391,035"]])
//!     .build();
//! assert_eq!(doc.blocks.len(), 3);
//! assert_eq!(doc.block_text(&doc.blocks[2]), " | 2024\nNet sales | 391,035");
//!
//! let (meta, doc) = testing::from_html(
//!     "<p><b>Item 1. Business</b></p><p>We make things.</p>",
//!     "10-K",
//!     "0000000000-24-000001",
//! );
//! assert_eq!(meta.form_type.as_str(), "10-K");
//! assert!(doc.text.contains("We make things."));
//! ```

use std::collections::HashSet;
use std::ops::Index;
use std::path::{Path, PathBuf};

use finloom_plugin_api::schema::ColumnSpec;
use finloom_plugin_api::{
    Block, BlockKind, Cell, ColumnType, DocFormat, Document, FilingMeta, Plugin, Style, Table,
    TableRows, Value,
};

// ---------------------------------------------------------------------------------------------
// Where the fixtures are

/// The package being tested: `CARGO_MANIFEST_DIR` as `cargo test` sets it for the test
/// process, else the working directory (`cargo test` runs tests there too). Read at run time,
/// not compiled in: a test binary that cargo considers fresh may have been built from another
/// checkout sharing the target directory (CI does that), and the kit's own compile-time
/// directory would name the kit, not the plugin.
pub fn package_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .expect("neither CARGO_MANIFEST_DIR nor a working directory")
}

/// finloom's shared fixtures: the nearest `tests/fixtures` holding a `filings` folder, from
/// [`package_dir`] up (for a plugin under `plugins/`, the workspace's `tests/fixtures`).
/// Panics, naming where it looked, when there is none (a plugin outside finloom's tree reads
/// its own files with [`own_fixture`]).
pub fn fixtures_dir() -> PathBuf {
    let start = package_dir();
    start
        .ancestors()
        .map(|d| d.join("tests/fixtures"))
        .find(|d| d.join("filings").is_dir())
        .unwrap_or_else(|| {
            panic!(
                "no tests/fixtures/filings in {} or any folder above it",
                start.display()
            )
        })
}

/// The path of a sample filing: `rel` under `tests/fixtures/filings/`
/// (`"10-K/AAPL_0000320193-24-000123.html"`).
pub fn filing_path(rel: &str) -> PathBuf {
    fixtures_dir().join("filings").join(rel)
}

/// Every sample filing under `tests/fixtures/filings/{10-K,10-Q,8-K}/`, as paths relative to
/// `filings/` (`"10-K/AAPL_0000320193-24-000123.html"`), sorted: by form, then by name.
pub fn fixture_filings() -> Vec<String> {
    let root = fixtures_dir().join("filings");
    let mut out = Vec::new();
    for form in ["10-K", "10-Q", "8-K"] {
        let dir = root.join(form);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("a folder entry").file_name())
            .map(|n| format!("{form}/{}", n.to_string_lossy()))
            .collect();
        names.sort();
        out.extend(names);
    }
    out
}

/// A file of the tested package's own `tests/fixtures/` (an excerpt cut for its tests, the
/// scaffold's sample 8-K).
pub fn own_fixture(name: &str) -> PathBuf {
    package_dir().join("tests/fixtures").join(name)
}

// ---------------------------------------------------------------------------------------------
// Filings

/// Reads a filing as a run does (`finloom_ingest::read_filing`): its metadata and the parsed
/// primary document. Panics with ingest's message when the file cannot be read.
pub fn load(path: impl AsRef<Path>) -> (FilingMeta, Document) {
    let path = path.as_ref();
    let filing = finloom_ingest::read_filing(path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    (filing.meta, filing.document)
}

/// [`load`] of a sample filing, `rel` under `tests/fixtures/filings/`.
pub fn load_filing(rel: &str) -> (FilingMeta, Document) {
    load(filing_path(rel))
}

/// Filing metadata with a form type and an accession number, the rest empty.
pub fn meta(form_type: &str, accession: &str) -> FilingMeta {
    FilingMeta {
        accession_number: accession.into(),
        form_type: form_type.into(),
        ..FilingMeta::default()
    }
}

/// An HTML document written in the test, parsed by ingest's HTML reader (the one a run uses
/// for `.htm` primary documents), with [`meta`]`(form_type, accession)`.
pub fn from_html(html: &str, form_type: &str, accession: &str) -> (FilingMeta, Document) {
    (meta(form_type, accession), finloom_ingest::parse_html(html))
}

/// A plain-text document written in the test (a 1990s `.txt` filing), parsed by ingest's text
/// reader, with [`meta`]`(form_type, accession)`.
pub fn from_text(text: &str, form_type: &str, accession: &str) -> (FilingMeta, Document) {
    (meta(form_type, accession), finloom_ingest::parse_text(text))
}

// ---------------------------------------------------------------------------------------------
// Hand-built documents

/// A cell holding `text`: one column and one row wide, no style, no facts.
pub fn cell(text: &str) -> Cell {
    Cell {
        text: text.into(),
        colspan: 1,
        rowspan: 1,
        header: false,
        bold: false,
        align: 0,
        facts: Default::default(),
    }
}

/// A table of plain [`cell`]s, one slice per row (rows may differ in length):
/// `table(&[&["", "2024"], &["Net sales", "$", "391,035"]])`. Its `block` is set when it is
/// added to a [`DocBuilder`].
pub fn table(rows: &[&[&str]]) -> Table {
    Table {
        block: 0,
        rows: rows
            .iter()
            .map(|r| finloom_plugin_api::Row {
                cells: r.iter().copied().map(cell).collect(),
            })
            .collect(),
    }
}

/// A [`Document`] built block by block, laid out as ingest lays one out: blocks joined by a
/// blank line, a table's text its rows, one per line, with cells joined by `" | "`.
/// Add facts or change a block after [`build`](DocBuilder::build): the fields are public.
#[derive(Debug, Clone, Default)]
pub struct DocBuilder {
    doc: Document,
    text: String,
}

impl DocBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// A document read from plain text (`DocFormat::Text`) instead of HTML.
    pub fn format(mut self, format: DocFormat) -> Self {
        self.doc.format = format;
        self
    }

    /// Any block: its kind, text and style (for a table block use [`table_of`](Self::table_of),
    /// which records the table too).
    pub fn block(mut self, kind: BlockKind, text: &str, style: Style) -> Self {
        self.push(kind, text, style, -1);
        self
    }

    /// A paragraph.
    pub fn p(self, text: &str) -> Self {
        self.block(BlockKind::Paragraph, text, Style::default())
    }

    /// A bold paragraph, the usual heading.
    pub fn h(self, text: &str) -> Self {
        let bold = Style {
            bold: true,
            ..Style::default()
        };
        self.block(BlockKind::Paragraph, text, bold)
    }

    /// A paragraph with the given style (italic, centred, `page_break_before`, …).
    pub fn styled(self, text: &str, style: Style) -> Self {
        self.block(BlockKind::Paragraph, text, style)
    }

    /// A preformatted block (`<PRE>`, or a plain-text document's text): its line breaks are
    /// kept.
    pub fn pre(self, text: &str) -> Self {
        self.block(BlockKind::Preformatted, text, Style::default())
    }

    /// A table of plain cells, one slice per row (see [`table`]).
    pub fn table(self, rows: &[&[&str]]) -> Self {
        self.table_of(table(rows))
    }

    /// A table built elsewhere (cells with spans, facts, header flags): its `block` is set to
    /// the block added for it.
    pub fn table_of(mut self, mut t: Table) -> Self {
        let text = t
            .rows
            .iter()
            .map(|r| {
                r.cells
                    .iter()
                    .map(|c| c.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" | ")
            })
            .collect::<Vec<_>>()
            .join("\n");
        t.block = self.doc.blocks.len() as u32;
        let ti = self.doc.tables.len() as i32;
        self.doc.tables.push(t);
        self.push(BlockKind::Table, &text, Style::default(), ti);
        self
    }

    fn push(&mut self, kind: BlockKind, text: &str, style: Style, table: i32) {
        if !self.text.is_empty() {
            self.text.push_str("\n\n");
        }
        let start = self.text.len() as u32;
        self.text.push_str(text);
        self.doc.blocks.push(Block {
            kind,
            start,
            end: self.text.len() as u32,
            style,
            table,
        });
    }

    pub fn build(mut self) -> Document {
        self.doc.text = self.text.into();
        self.doc
    }
}

// ---------------------------------------------------------------------------------------------
// Running a plugin

/// Runs plugin `P` in-process on one filing, as a worker would: `check_config` must accept
/// `config` (as at plan time), `extract` must succeed, and its rows must pass [`check_rows`].
/// Panics otherwise, with the plugin's message.
pub fn extract<P: Plugin>(
    meta: &FilingMeta,
    doc: &Document,
    inputs: &[TableRows],
    config: &str,
) -> Vec<TableRows> {
    let name = P::manifest().name;
    let acc = meta.accession_number.as_str();
    if let Err(e) = P::check_config(config) {
        panic!("plugin {name}: config {config} refused: {e}");
    }
    let out = P::extract(meta, doc, inputs, config)
        .unwrap_or_else(|e| panic!("plugin {name} on {acc}: {e}"));
    if let Err(e) = check_rows::<P>(meta, &out) {
        panic!("plugin {name} on {acc}: the host would refuse its rows: {e}");
    }
    out
}

/// [`extract`] for a plugin that returns exactly one table: that table.
pub fn extract_one<P: Plugin>(
    meta: &FilingMeta,
    doc: &Document,
    inputs: &[TableRows],
    config: &str,
) -> TableRows {
    let mut out = extract::<P>(meta, doc, inputs, config);
    assert_eq!(out.len(), 1, "one table expected, got {}", out.len());
    out.remove(0)
}

/// What the host checks in a plugin's rows before it merges them (see
/// `docs/plugin-contract.md`): each table declared in `P`'s manifest, with exactly the
/// declared columns (each once); each row one value per column, of the declared type (a date
/// as `YYYY-MM-DD`, a double finite), NULL only where the column is nullable; the filing's
/// accession number in every row; no two rows with the same key. References to other tables
/// are not checked (they need the other plugins' rows).
pub fn check_rows<P: Plugin>(meta: &FilingMeta, out: &[TableRows]) -> Result<(), String> {
    let manifest = P::manifest();
    let acc = meta.accession_number.as_str();
    for t in out {
        let name = t.table.as_str();
        let decl = manifest
            .outputs
            .iter()
            .find(|d| d.name.as_str() == name)
            .ok_or_else(|| format!("table {name} is not declared"))?;
        let mut seen = HashSet::new();
        for c in t.columns.iter() {
            if !seen.insert(c.as_str()) {
                return Err(format!("table {name}: column {c} returned twice"));
            }
            if !decl.columns.iter().any(|d| d.name == *c) {
                return Err(format!("table {name}: column {c} is not declared"));
            }
        }
        let mut cols = Vec::new();
        for d in decl.columns.iter() {
            let i = t
                .column_index(d.name.as_str())
                .ok_or_else(|| format!("table {name}: declared column {} is missing", d.name))?;
            let spec = ColumnSpec {
                name: "",
                ty: d.ty,
                nullable: d.nullable,
                references: "",
            };
            cols.push((d.name.as_str(), i, spec));
        }
        let key: Vec<usize> = decl
            .key
            .iter()
            .map(|k| {
                t.column_index(k.as_str())
                    .expect("key columns are declared")
            })
            .collect();
        let acc_i = t.column_index("accession_number");
        let mut keys = HashSet::new();
        for (n, row) in t.rows.iter().enumerate() {
            if row.len() != t.columns.len() {
                return Err(format!(
                    "table {name}: row {n} has {} values for {} columns",
                    row.len(),
                    t.columns.len()
                ));
            }
            for (col, i, spec) in &cols {
                let v = &row[*i];
                let date_ok = match (v, spec.ty) {
                    (Value::Text(s), ColumnType::Date) => is_date(s.as_str()),
                    _ => true,
                };
                if !spec.fits(v) || !date_ok {
                    return Err(format!(
                        "table {name}: row {n}: column {col} ({:?}{}) cannot hold {v:?}",
                        spec.ty,
                        if spec.nullable { ", nullable" } else { "" }
                    ));
                }
            }
            if let Some(i) = acc_i {
                if row[i].as_str() != Some(acc) {
                    return Err(format!(
                        "table {name}: row {n} has accession_number {:?}, not the filing's {acc:?}",
                        row[i]
                    ));
                }
            }
            let k: Vec<String> = key.iter().map(|&i| format!("{:?}", row[i])).collect();
            if !keys.insert(k.clone()) {
                return Err(format!(
                    "table {name}: row {n} repeats the key ({}) = ({})",
                    decl.key
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    k.join(", ")
                ));
            }
        }
    }
    Ok(())
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

// ---------------------------------------------------------------------------------------------
// Reading rows

/// One row of a plugin's output, read by column name. Every accessor panics on a column the
/// table does not have (naming the ones it has), and the typed ones on a value of another
/// type, so a misspelt column or a changed type fails the test instead of reading as NULL.
#[derive(Clone, Copy)]
pub struct RowView<'a> {
    table: &'a TableRows,
    values: &'a [Value],
}

impl<'a> RowView<'a> {
    /// A row of `table` (one of `table.rows`).
    pub fn new(table: &'a TableRows, values: &'a [Value]) -> Self {
        RowView { table, values }
    }

    /// The row's values, in the table's column order.
    pub fn values(&self) -> &'a [Value] {
        self.values
    }

    /// The value of `column`.
    pub fn get(&self, column: &str) -> &'a Value {
        let i = self.table.column_index(column).unwrap_or_else(|| {
            let cols: Vec<&str> = self.table.columns.iter().map(|c| c.as_str()).collect();
            panic!(
                "table {} has no column {column:?} (its columns: {})",
                self.table.table,
                cols.join(", ")
            )
        });
        &self.values[i]
    }

    /// Text of `column`, or `None` for NULL; a panic for a value of another type.
    pub fn opt_str(&self, column: &str) -> Option<&'a str> {
        match self.get(column) {
            Value::Null => None,
            Value::Text(s) => Some(s.as_str()),
            v => panic!("column {column}: {v:?} is not text"),
        }
    }

    /// Text of `column`; a panic for NULL or another type.
    pub fn str(&self, column: &str) -> &'a str {
        self.opt_str(column)
            .unwrap_or_else(|| panic!("column {column} is NULL"))
    }

    /// Integer in `column`, or `None` for NULL; a panic for a value of another type.
    pub fn opt_int(&self, column: &str) -> Option<i64> {
        match self.get(column) {
            Value::Null => None,
            Value::Int(i) => Some(*i),
            v => panic!("column {column}: {v:?} is not an integer"),
        }
    }

    /// Integer in `column`; a panic for NULL or another type.
    pub fn int(&self, column: &str) -> i64 {
        self.opt_int(column)
            .unwrap_or_else(|| panic!("column {column} is NULL"))
    }

    /// Number in `column` (a double, or an integer as one), or `None` for NULL; a panic for a
    /// value of another type.
    pub fn opt_float(&self, column: &str) -> Option<f64> {
        match self.get(column) {
            Value::Null => None,
            Value::Float(f) => Some(*f),
            Value::Int(i) => Some(*i as f64),
            v => panic!("column {column}: {v:?} is not a number"),
        }
    }

    /// Number in `column`; a panic for NULL or another type.
    pub fn float(&self, column: &str) -> f64 {
        self.opt_float(column)
            .unwrap_or_else(|| panic!("column {column} is NULL"))
    }
}

impl Index<&str> for RowView<'_> {
    type Output = Value;

    fn index(&self, column: &str) -> &Value {
        self.get(column)
    }
}

impl std::fmt::Debug for RowView<'_> {
    /// `{column: value, …}`, so that a failing assertion shows the row readably.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut m = f.debug_map();
        for (c, v) in self.table.columns.iter().zip(self.values) {
            m.entry(&c.as_str(), v);
        }
        m.finish()
    }
}

/// Every row of `t`, in order.
pub fn rows(t: &TableRows) -> Vec<RowView<'_>> {
    t.rows.iter().map(|r| RowView::new(t, r)).collect()
}

/// The rows of `t` whose `column` holds the text `value` (`rows_where(&out, "kind", "note")`).
pub fn rows_where<'a>(t: &'a TableRows, column: &str, value: &str) -> Vec<RowView<'a>> {
    rows(t)
        .into_iter()
        .filter(|r| r.opt_str(column) == Some(value))
        .collect()
}

#[cfg(test)]
mod tests;

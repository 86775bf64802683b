//! `tables` plugin: every table of a filing as a `tables` row, and the cells of the tables
//! that hold data as `table_cells` rows with parsed values.
//!
//! Why the work is needed: filing tables are typeset for print. A statement's column is three
//! HTML columns, years sit in header rows spanning them, signs are parentheses, "—" means no
//! amount, and the scale ("in millions, except per-share amounts") is written above the table.
//! This plugin turns that into a grid one can query: `value` is the number as displayed with
//! its sign, `value_normalized` applies the table's scale except to rows the scale does not
//! apply to (per-share amounts, share counts with their own scale, percentages, prices, rates,
//! years), and the inline-XBRL fact inside the cell (if any) is kept alongside
//! (`xbrl_concept`, `xbrl_value`, `xbrl_fact_index`).
//!
//! The scale is read as an analyst reads it ([`scale`]): a note above the table or in its top
//! rows, a running note ("(Tabular amounts in millions …)", or a note repeated on every
//! page), the part of the table before a page break, and failing all of those the scale the
//! filing last stated in the same section, for tables that print currency amounts.
//! `tables.scale_source` says which. Where a cell holds one tagged number and the printed
//! number × the scale read disagrees with the fact, the fact's value is stored (it is the
//! number the filer certified): `value_source = 'xbrl'`, and `scale_detected` keeps what the
//! notes said, so `finloom eval tables` measures scale reading on its own, which is all a
//! filing without inline XBRL gets. A dash the filing tags as zero is 0. The fact's
//! `sign="-"` also makes `value_normalized` negative where the statement prints the number
//! without parentheses (a decrease in receivables on a cash-flow statement).
//!
//! Modules: [`number`] parses one cell text, [`grid`] expands spans and cleans the grid,
//! [`scale`] reads scale notes and exemptions, [`pre`] finds space-aligned tables in
//! preformatted (1990s plain-text) documents.
//!
//! Ids: a table is `{accession}/tbl/{table_index}` with `table_index` its index in
//! `Document::tables` (the sections plugin writes placeholders with the same id); tables found
//! in preformatted text continue the numbering after the HTML tables, in document order. A
//! cell is `{table_id}/r{row}/c{col}` in the cleaned grid.

pub mod grid;
pub mod number;
pub mod pre;
pub mod scale;

use finloom_plugin_api::schema::{ColumnSpec as C, Rows, TableSchema};
use finloom_plugin_api::{
    util::{input, CharIndex},
    BlockKind, Document, FilingMeta, Manifest, Plugin, Table, TableRows, Value, INTERFACE_VERSION,
};
use finloom_plugin_kit::text::{is_page_furniture, table_id};
use grid::{clean_table, CleanTable};
use number::{parse_cell_number, parse_fact_display, ParsedNumber};
use regex::Regex;
use scale::{find_scale, measure_of, running_scale, Measure, ScaleInfo};
use serde::Deserialize;
use std::borrow::Cow;
use std::sync::OnceLock;

/// The stage's configuration (`[stages.tables]` in pipeline.toml); every field has a default.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Colspan/rowspan clamp.
    pub max_span: usize,
    /// How many blocks before a table to look for its caption and scale note.
    pub caption_lookback: usize,
    /// Longest text (in characters) still taken as a caption.
    pub max_caption_chars: usize,
    /// Look for space-aligned tables in preformatted blocks.
    pub preformatted_tables: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_span: 64,
            caption_lookback: 3,
            max_caption_chars: 250,
            preformatted_tables: true,
        }
    }
}

pub struct TablesPlugin;

/// The `tables` table, declared once: the manifest's declaration and the rows are built
/// from it.
pub const TABLES: TableSchema<14> = TableSchema::new(
    "tables",
    [
        C::text("id"),
        C::text("accession_number"),
        C::text("section_id").nullable().references("sections.id"),
        C::text("section_type").nullable(),
        C::bigint("table_index"),
        C::text("caption").nullable(),
        C::bigint("n_rows").nullable(),
        C::bigint("n_cols").nullable(),
        C::text("kind"),
        C::bigint("scale"),
        C::text("scale_note").nullable(),
        C::bigint("char_start").nullable(),
        C::bigint("char_end").nullable(),
        C::text("scale_source").nullable(),
    ],
    &["accession_number", "table_index"],
);

/// The `table_cells` table, declared once.
pub const CELLS: TableSchema<20> = TableSchema::new(
    "table_cells",
    [
        C::text("id"),
        C::text("accession_number"),
        C::text("table_id").references("tables.id"),
        C::bigint("table_index"),
        C::bigint("row_index"),
        C::bigint("col_index"),
        C::text("raw_text").nullable(),
        C::boolean("is_header"),
        C::text("row_label").nullable(),
        C::text("column_header").nullable(),
        C::double("value").nullable(),
        C::text("footnote_marker").nullable(),
        C::text("unit").nullable(),
        C::bigint("scale").nullable(),
        C::double("value_normalized").nullable(),
        C::text("xbrl_concept").nullable(),
        C::double("xbrl_value").nullable(),
        C::bigint("xbrl_fact_index").nullable(),
        C::bigint("scale_detected").nullable(),
        C::text("value_source").nullable(),
    ],
    &["accession_number", "table_index", "row_index", "col_index"],
);

impl Plugin for TablesPlugin {
    fn manifest() -> Manifest {
        Manifest {
            name: "tables".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            interface_version: INTERFACE_VERSION,
            stage: "tables".into(),
            inputs: vec!["sections".into()].into_iter().collect(),
            outputs: vec![TABLES.decl(), CELLS.decl()].into(),
        }
    }

    fn check_config(config_json: &str) -> Result<(), String> {
        finloom_plugin_kit::config::parse::<Config>(config_json).map(|_| ())
    }

    fn extract(
        filing: &FilingMeta,
        doc: &Document,
        inputs: &[TableRows],
        config_json: &str,
    ) -> Result<Vec<TableRows>, String> {
        let cfg: Config = finloom_plugin_kit::config::parse(config_json)
            .map_err(|e| format!("tables config: {e}"))?;
        extract_tables(filing, doc, inputs, &cfg)
    }
}

finloom_plugin_api::export_plugin!(TablesPlugin);

/// A table to emit: an HTML table of the model, or one found in preformatted text.
struct Source<'a> {
    table: Cow<'a, Table>,
    /// Index of the block the table is (or sits in).
    block: Option<usize>,
    /// Byte range in `Document::text`.
    start: usize,
    end: usize,
    synthetic: bool,
}

/// A section from the `sections` input, in character offsets.
struct SectionSpan {
    id: String,
    section_type: String,
    start: i64,
    end: i64,
}

fn read_sections(inputs: &[TableRows]) -> Vec<SectionSpan> {
    let Some(t) = input(inputs, "sections") else {
        return Vec::new();
    };
    t.rows
        .iter()
        .filter_map(|r| {
            let id = t.get(r, "id").as_str()?.to_string();
            let start = t.get(r, "char_start").as_i64()?;
            let end = t.get(r, "char_end").as_i64()?;
            Some(SectionSpan {
                id,
                section_type: t.get(r, "section_type").as_str().unwrap_or("").to_string(),
                start,
                end,
            })
        })
        .collect()
}

/// The innermost section whose character range contains `pos`.
fn section_at(sections: &[SectionSpan], pos: i64) -> Option<&SectionSpan> {
    sections
        .iter()
        .filter(|s| s.start <= pos && pos < s.end)
        .min_by_key(|s| (s.end - s.start, s.start))
}

fn block_text<'a>(doc: &'a Document, bi: usize) -> &'a str {
    doc.blocks
        .get(bi)
        .and_then(|b| doc.text.get(b.start as usize..b.end as usize))
        .unwrap_or("")
}

/// The table block a table continues: the nearest block before it that is neither empty nor
/// page furniture is a table (a statement carried over a page break). Such a table keeps the
/// scale of the part before it (`continued`) and, with no header of its own, its header.
/// Nothing continues when captions are not looked for (`caption_lookback` 0).
fn continues_table(doc: &Document, block: Option<usize>, cfg: &Config) -> Option<usize> {
    if cfg.caption_lookback == 0 {
        return None;
    }
    let mut k = block?;
    while k > 0 {
        k -= 1;
        if doc.blocks[k].kind == BlockKind::Table {
            return Some(k);
        }
        let text = block_text(doc, k).trim();
        if !(text.is_empty() || is_page_furniture(text)) {
            return None;
        }
    }
    None
}

/// Caption and scale from the blocks before a table and its header rows.
///
/// The caption is the nearest short paragraph above the table (a statement title, "Table 3:
/// …"), skipping a bare scale note such as "(In millions)" which is kept as the scale note
/// instead. A long introductory paragraph ends the search but may still carry the scale at its
/// end ("… as follows (in millions):"). `continued` is the table block this one continues
/// ([`continues_table`]), whose scale it keeps when its own rows state none.
fn caption_and_scale(
    doc: &Document,
    block: Option<usize>,
    continued: Option<usize>,
    clean: &CleanTable,
    nums: &[ParsedNumber],
    cfg: &Config,
    previous: &std::collections::HashMap<usize, ScaleInfo>,
) -> (Option<String>, ScaleInfo) {
    let mut caption: Option<String> = None;
    let mut scale: Option<ScaleInfo> = None;
    // The table's own top rows, down to its first row of amounts: a note in the label
    // column or alone on its row is the table's ("(In millions)" over the row labels,
    // "Millions, for the Years Ended December 31,", a title row and then "(In millions)").
    // A note over one value column among others ("Aggregate Intrinsic Value (in
    // thousands)" beside a column of option counts) is that column's own, read per column
    // in `emit_cells`.
    let top = top_rows(clean, nums);
    for c in clean.cells.iter().filter(|c| c.row < top) {
        let alone = clean.cells.iter().filter(|o| o.row == c.row).count() == 1;
        if c.col != 0 && !alone {
            continue;
        }
        if let Some(s) = find_scale(&c.text) {
            scale = Some(ScaleInfo {
                source: "header",
                ..s
            });
            break;
        }
    }
    // A table continued after a page break ("… (continued)", or the second year of a
    // two-page schedule) keeps the scale of the part before it.
    if scale.is_none() {
        if let Some(k) = continued {
            scale = previous.get(&k).cloned().map(|s| ScaleInfo {
                source: if s.source.is_empty() { "" } else { "continued" },
                ..s
            });
        }
    }
    if let Some(bi) = block {
        let mut seen = 0;
        let mut k = bi;
        while k > 0 && seen < cfg.caption_lookback {
            k -= 1;
            let b = &doc.blocks[k];
            if b.kind == BlockKind::Table {
                break;
            }
            let text = block_text(doc, k).trim();
            if text.is_empty() || is_page_furniture(text) {
                continue;
            }
            seen += 1;
            let n = text.chars().count();
            if n <= cfg.max_caption_chars {
                let s = find_scale(text);
                let bare_note = s.is_some() && n <= 160 && text.starts_with('(');
                if scale.is_none() {
                    scale = s;
                }
                if !bare_note && caption.is_none() {
                    caption = Some(text.to_string());
                }
                if caption.is_some() && scale.is_some() {
                    break;
                }
            } else {
                if scale.is_none() {
                    let tail_start = text
                        .char_indices()
                        .rev()
                        .nth(300)
                        .map(|(i, _)| i)
                        .unwrap_or(0);
                    scale = find_scale(&text[tail_start..]);
                }
                break;
            }
            if b.style.page_break_before {
                break;
            }
        }
    }
    (caption, scale.unwrap_or_default())
}

/// A year printed alone, "2019": four digits from 1900 to 2099, no sign, separator or symbol.
fn is_bare_year(t: &str) -> bool {
    let year = |t: &str| {
        let t = t.trim();
        t.len() == 4
            && (t.starts_with("19") || t.starts_with("20"))
            && t.bytes().all(|b| b.is_ascii_digit())
    };
    // With a footnote marker too: "2012 1", "2024 (a)", "2023*" (the marker is split off only
    // where the text could be one: most numeric cells do not start with 19 or 20).
    let t = t.trim();
    year(t)
        || (t.len() > 4
            && t.len() <= 16
            && (t.starts_with("19") || t.starts_with("20"))
            && year(&number::without_marker(t)))
}

/// The rows above a table's first row of amounts (at least its header block and two rows,
/// at most eight): where a table states its own scale. A year heading ("2025") is not an
/// amount.
fn top_rows(clean: &CleanTable, nums: &[ParsedNumber]) -> usize {
    // Cells are in row-major order: the first amount's row.
    let first_amount = clean
        .cells
        .iter()
        .zip(nums)
        .find(|(c, p)| {
            !(clean.label_col && c.col == 0) && !is_bare_year(&c.text) && p.value.is_some()
        })
        .map_or(clean.n_rows, |(c, _)| c.row);
    first_amount.max(clean.header_rows).max(2).min(8)
}

/// Whether a table shows currency amounts that a statement-wide scale would cover: some
/// cell carries a currency sign, and not every such amount has two decimals (prices per
/// share, "$ 152.25", are printed to the cent; amounts in millions are not).
fn shows_scaled_currency(clean: &CleanTable, nums: &[ParsedNumber]) -> bool {
    let mut currency = 0usize;
    let mut cents = 0usize;
    for (c, p) in clean.cells.iter().zip(nums).filter(|(c, _)| !c.is_header) {
        if p.value.is_none() || !p.currency() {
            continue;
        }
        currency += 1;
        if printed_to_the_cent(&c.text) {
            cents += 1;
        }
    }
    currency > 0 && cents < currency
}

fn toc_item_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?i)^\s*(item|part)\s+[0-9ivx]+[a-c]?\b").expect("toc regex"))
}

/// An exhibit index: most rows open with an exhibit number ("3.1", "10.19*", "10(m)†",
/// "4.16(ee)", "(2.1)", "*10.14") and go on with the exhibit's description, with no amount
/// beside it. Exhibit numbers read as numbers, so such a list counted as a table of numbers
/// (an exhibit index is a list of documents, not of amounts).
fn is_exhibit_index(clean: &CleanTable) -> bool {
    static NUMBER: OnceLock<Regex> = OnceLock::new();
    static AMOUNT: OnceLock<Regex> = OnceLock::new();
    let number = NUMBER.get_or_init(|| {
        Regex::new(
            r"^[*+†‡#]*\(?\d{1,3}(?:\.\d{1,3}){0,3}\)?(?:\([a-z0-9]{1,3}\)|[A-Za-z]){0,2}[*+†‡#]*$",
        )
        .expect("exhibit number regex")
    });
    // A short cell with a grouped number or a currency sign: an amount ("1,234", "$ 5").
    let amount = AMOUNT.get_or_init(|| Regex::new(r"\d,\d{3}|^\s*\(?\$").expect("amount regex"));
    let (mut rows, mut exhibits) = (0usize, 0usize);
    // `cells` are in row-major order: one slice per row.
    for cells in clean.cells.chunk_by(|a, b| a.row == b.row) {
        let Some(first) = cells.iter().find(|c| !c.text.trim().is_empty()) else {
            continue;
        };
        if cells.iter().any(|c| c.is_header) {
            continue;
        }
        rows += 1;
        // The description: a cell with words in it (twenty letters or more).
        let described = cells
            .iter()
            .any(|c| c.text.chars().filter(|ch| ch.is_alphabetic()).count() >= 20);
        let amounts = cells
            .iter()
            .any(|c| c.text.chars().count() < 20 && amount.is_match(&c.text));
        if number.is_match(first.text.trim()) && described && !amounts {
            exhibits += 1;
        }
    }
    exhibits >= 2 && exhibits * 10 >= rows * 6
}

/// `layout`, `financial` or `text`.
///
/// Layout tables carry no data: a single cell or row (a boxed paragraph, a page footer), a
/// signature block, a table of contents (rows of "Item N" and page numbers), a page header.
/// A table is financial when numbers dominate the data cells.
pub fn classify(clean: &CleanTable, caption: Option<&str>, exhibit_index: bool) -> &'static str {
    if clean.n_rows <= 1 || clean.n_cols <= 1 {
        return "layout";
    }
    let all_text: Vec<&str> = clean.cells.iter().map(|c| c.text.as_str()).collect();
    let joined = all_text.join(" ").to_ascii_lowercase();
    if all_text
        .iter()
        .any(|t| t.starts_with("/s/") || t.starts_with("By:") || t.starts_with("By /s/"))
    {
        return "layout";
    }
    if joined.contains("table of contents")
        || caption.is_some_and(|c| c.to_ascii_lowercase().contains("table of contents"))
    {
        return "layout";
    }
    let item_rows = (0..clean.n_rows)
        .filter(|&r| clean.row_texts(r).iter().any(|t| toc_item_re().is_match(t)))
        .count();
    if item_rows >= 3 && item_rows * 5 >= clean.n_rows * 2 {
        return "layout";
    }
    if clean.n_rows <= 2
        && (joined.contains("form 10-k") || joined.contains("form 10-q") || joined.contains("page"))
    {
        return "layout";
    }
    if exhibit_index {
        return "text";
    }
    let (mut num, mut text) = (0usize, 0usize);
    for c in clean.cells.iter() {
        if c.is_header || (clean.label_col && c.col == 0) {
            continue;
        }
        if parse_cell_number(&c.text).numeric_like {
            num += 1;
        } else {
            text += 1;
        }
    }
    if num >= 2 && num >= text {
        "financial"
    } else {
        "text"
    }
}

fn label_marker_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?:\s|[A-Za-z.,:])(\(\d{1,2}\)|\([a-z]\)|[*†‡§]+)\s*$").expect("marker regex")
    })
}

/// A footnote marker at the end of a text cell ("Total revenue (1)", "Other*").
fn text_marker(t: &str) -> Option<String> {
    label_marker_re()
        .captures(t)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_string())
}

fn pow10(e: i32) -> f64 {
    10f64.powi(e)
}

/// Equal magnitudes, up to floating-point noise (`8,949.9` × 10^6).
fn same_magnitude(a: f64, b: f64) -> bool {
    (a.abs() - b.abs()).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-300)
}

/// Runs the plugin on one filing.
pub fn extract_tables(
    filing: &FilingMeta,
    doc: &Document,
    inputs: &[TableRows],
    cfg: &Config,
) -> Result<Vec<TableRows>, String> {
    let acc = filing.accession_number.as_str();
    if acc.is_empty() {
        return Err("filing has no accession number".into());
    }
    let ci = CharIndex::new(&doc.text);
    let sections = read_sections(inputs);
    let mut sources: Vec<Source> = Vec::new();
    for t in doc.tables.iter() {
        let bi = t.block as usize;
        let (start, end) = doc
            .blocks
            .get(bi)
            .map(|b| (b.start as usize, b.end as usize))
            .unwrap_or((0, 0));
        sources.push(Source {
            table: Cow::Borrowed(t),
            block: doc.blocks.get(bi).map(|_| bi),
            start,
            end,
            synthetic: false,
        });
    }
    if cfg.preformatted_tables {
        for (bi, b) in doc.blocks.iter().enumerate() {
            if b.kind != BlockKind::Preformatted {
                continue;
            }
            for pt in pre::find_tables(block_text(doc, bi), b.start as usize) {
                sources.push(Source {
                    table: Cow::Owned(pt.table),
                    block: Some(bi),
                    start: pt.start,
                    end: pt.end,
                    synthetic: true,
                });
            }
        }
    }
    // Notes that set the scale of every table after them ("(Tabular amounts in millions …)"
    // under each page header of the notes): (block index, character offset, scale).
    // A short scale note repeated as its own block on three or more pages is a page header
    // ("Dollar amounts in millions except per share amounts …" atop every page) and runs the
    // same way, whatever its wording.
    // (times seen, what it says) per short scale note standing as a paragraph of its own.
    let mut repeated: std::collections::HashMap<&str, (usize, ScaleInfo)> = Default::default();
    for (bi, b) in doc.blocks.iter().enumerate() {
        let t = block_text(doc, bi).trim();
        if b.kind != BlockKind::Paragraph || t.chars().count() > 200 {
            continue;
        }
        if let Some(e) = repeated.get_mut(t) {
            e.0 += 1;
        } else if let Some(s) = find_scale(t) {
            repeated.insert(t, (1, s));
        }
    }
    let running_notes: Vec<(usize, i64, ScaleInfo)> = doc
        .blocks
        .iter()
        .enumerate()
        .filter(|(_, b)| b.kind == BlockKind::Paragraph)
        .filter_map(|(bi, b)| {
            let t = block_text(doc, bi).trim();
            running_scale(t)
                .or_else(|| {
                    repeated
                        .get(t)
                        .filter(|(n, _)| *n >= 3)
                        .map(|(_, s)| ScaleInfo {
                            running: true,
                            source: "running",
                            ..s.clone()
                        })
                })
                .map(|s| (bi, ci.chars(&doc.text, b.start as usize) as i64, s))
        })
        .collect();
    // The latest scale a table stated for itself, and the section it sits in: a statement's
    // "(In millions)" covers the note tables after it that print amounts without a note.
    let mut last_stated: Option<(Option<String>, ScaleInfo)> = None;
    let mut scales_by_block: std::collections::HashMap<usize, ScaleInfo> = Default::default();
    // Per table block, its width, the column headers over its last rows, and whether it is an
    // exhibit index: for the part of a statement (or of an exhibit index) continued after a
    // page break without a header of its own.
    let mut headers_by_block: std::collections::HashMap<usize, (usize, Vec<Option<String>>, bool)> =
        Default::default();
    let mut tables = TABLES.rows();
    let mut cells_out = CELLS.rows();
    for (index, src) in sources.iter().enumerate() {
        let table_id = table_id(acc, index);
        let mut clean = clean_table(&src.table, cfg.max_span);
        // Every cell's number, parsed once: scale reading, classification and the cells
        // below all look at them.
        let nums: Vec<ParsedNumber> = clean
            .cells
            .iter()
            .map(|c| parse_cell_number(&c.text))
            .collect();
        // A synthetic table's caption is looked for in its own block's lines above it only
        // through its header rows; blocks before it are still the best guess for HTML.
        let caption_block = if src.synthetic { None } else { src.block };
        // The table block this one continues after a page break, if any (see
        // `continues_table`): its scale and header carry over.
        let continued = continues_table(doc, caption_block, cfg);
        let (mut caption, mut scale_info) = caption_and_scale(
            doc,
            caption_block,
            continued,
            &clean,
            &nums,
            cfg,
            &scales_by_block,
        );
        if src.synthetic && scale_info.scale == 0 {
            // Plain-text statements put "(in thousands)" in the lines above the columns.
            let before = doc
                .text
                .get(src.start.saturating_sub(600)..src.start)
                .unwrap_or("");
            let before_start = before.char_indices().next().map(|_| 0).unwrap_or(0);
            if let Some(s) = find_scale(&before[before_start..]) {
                scale_info = s;
            }
            if caption.is_none() {
                caption = before
                    .lines()
                    .rev()
                    .map(str::trim)
                    .find(|l| !l.is_empty() && l.chars().count() <= cfg.max_caption_chars)
                    .map(str::to_string);
            }
        }
        let char_start = ci.chars(&doc.text, src.start) as i64;
        let char_end = ci.chars(&doc.text, src.end) as i64;
        let section = section_at(&sections, char_start);
        if scale_info.scale == 0 && scale_info.note.is_none() {
            // The latest running note before the table, in the same section (a note under
            // the notes' page headers says nothing about the exhibits that follow).
            let same_section = |pos: i64| {
                sections.is_empty()
                    || section_at(&sections, pos).map(|s| &s.id) == section.map(|s| &s.id)
            };
            if let Some((_, _, s)) = src.block.and_then(|tb| {
                running_notes
                    .iter()
                    .rev()
                    .find(|(nb, pos, _)| *nb < tb && same_section(*pos))
            }) {
                scale_info = s.clone();
            }
        }
        let exhibit_index = is_exhibit_index(&clean);
        let mut kind = classify(&clean, caption.as_deref(), exhibit_index);
        // The part of a table continued after a page break, with no header rows of its own
        // (Intuit's cash flows, whose financing lines go on under nothing but the title),
        // is read under the header of the part before it, when the two are as wide and both
        // are tables of numbers or both exhibit indexes (a signature block whose first rows
        // were taken for a header would spread that mistake), and when no row of periods
        // further down starts a header of its own (the part before's years would head it too).
        if (kind == "financial" || exhibit_index)
            && clean.header_rows == 0
            && clean.restarts.is_empty()
            && clean.col_headers.iter().all(Option::is_none)
            && !clean.has_period_row()
        {
            if let Some((n_cols, headers, exhibits)) =
                continued.and_then(|k| headers_by_block.get(&k))
            {
                if *n_cols == clean.n_cols && *exhibits == exhibit_index {
                    clean.col_headers = headers.clone();
                }
            }
        }
        // A table holding a number the filing tags (inline XBRL) holds data, however small:
        // a one-row "Total | $ 1,234" keeps its cells.
        if kind == "layout"
            && clean.cells.iter().zip(&nums).any(|(c, p)| {
                p.numeric_like
                    && c.facts.iter().any(|&i| {
                        doc.facts
                            .get(i as usize)
                            .is_some_and(|f| f.numeric && !f.display.as_str().trim().is_empty())
                    })
            })
        {
            kind = "financial";
        }
        let section_id = section.map(|s| s.id.clone());
        if scale_info.scale == 0 && scale_info.note.is_none() {
            // No note of its own and no running note: an analyst reads the table in the
            // scale the filing last stated in the same section, when it prints currency
            // amounts that are not prices. Like a running note it speaks of amounts, so
            // share counts are handled as under one.
            if let Some((sec, s)) = &last_stated {
                if *sec == section_id && kind == "financial" && shows_scaled_currency(&clean, &nums)
                {
                    scale_info = ScaleInfo {
                        running: true,
                        source: "section",
                        ..s.clone()
                    };
                }
            }
        } else if scale_info.scale != 0 && !scale_info.running {
            last_stated = Some((section_id.clone(), scale_info.clone()));
        }
        // A caption may state the scale of the share counts alone ("… weighted average number
        // of shares … outstanding (shares in 000's):", Costco) while the amounts follow the
        // statements' note.
        if scale_info.shares_scale.is_none() {
            scale_info.shares_scale = caption.as_deref().and_then(scale::shares_phrase_scale);
        }
        if let (Some(b), false) = (src.block, src.synthetic) {
            scales_by_block.insert(b, scale_info.clone());
            let last = clean.headers_at(clean.n_rows.saturating_sub(1)).to_vec();
            // An exhibit index's titles carry no digit ("Exhibit No. | Description"): one
            // that does is a first exhibit taken for a header ("+*10.2 | Letter Agreement …"),
            // not to be spread.
            let passes_on = if exhibit_index {
                last.iter()
                    .flatten()
                    .all(|h| !h.chars().any(|c| c.is_ascii_digit()))
            } else {
                kind == "financial"
            };
            if passes_on && last.iter().any(Option::is_some) {
                headers_by_block.insert(b, (clean.n_cols, last, exhibit_index));
            } else if kind == "layout" {
                // A page footer set as a table ("62 | Intuit Fiscal 2025 Form 10-K") between
                // the two parts passes the header on.
                let before = continued.and_then(|k| headers_by_block.get(&k)).cloned();
                if let Some(h) = before {
                    headers_by_block.insert(b, h);
                }
            }
        }
        tables.push([
            table_id.clone().into(),
            acc.into(),
            section.map(|s| s.id.clone()).into(),
            section.map(|s| s.section_type.clone()).into(),
            Value::Int(index as i64),
            caption.clone().into(),
            Value::Int(clean.n_rows as i64),
            Value::Int(clean.n_cols as i64),
            kind.into(),
            Value::Int(scale_info.scale as i64),
            scale_info.note.clone().into(),
            Value::Int(char_start),
            Value::Int(char_end),
            (!scale_info.source.is_empty())
                .then_some(scale_info.source)
                .into(),
        ])?;
        if kind == "layout" {
            continue;
        }
        emit_cells(
            doc,
            acc,
            &table_id,
            index,
            &clean,
            &nums,
            &scale_info,
            &mut cells_out,
        )?;
    }
    Ok(vec![tables.finish(), cells_out.finish()])
}

/// A column's measure: the header's lowest part first ("Time-Based Restricted Stock Units /
/// Shares" is a column of share counts; "Options Outstanding / Weighted-Average Exercise
/// Price" one of prices, although the group above it speaks of options), else the whole path.
fn header_measure(h: &str) -> Option<Measure> {
    let last = h.rsplit_once(" / ").map(|(_, last)| last);
    if scale::is_percent_column(last.unwrap_or(h)) {
        return Some(Measure::Percent);
    }
    if scale::money_column(last.unwrap_or(h)) {
        return Some(Measure::Money);
    }
    // The lowest title names the column, unless it only names the kind of award under a
    // title naming a price: "Weighted-Average Grant Date Fair Value / RSUs" holds prices
    // per unit, not units.
    match (last.and_then(measure_of), measure_of(h)) {
        (Some(Measure::Shares), Some(Measure::PerShare)) => Some(Measure::PerShare),
        (Some(m), _) => Some(m),
        (None, m) => m,
    }
}

/// Per column, the rows `(first, last)` of the outermost cells showing a `%` when the cells
/// between them are bare numbers: a rate reconciliation prints "21.0 %" on the statutory rate
/// and on the effective rate and plain numbers on the lines between, which are percentages
/// too. `None` when a currency amount sits in that stretch (the column then mixes amounts and
/// rates) or fewer than two cells show a `%`.
fn percent_spans(clean: &CleanTable, nums: &[ParsedNumber]) -> Vec<Option<(usize, usize)>> {
    let mut out = vec![None; clean.n_cols];
    let is_label = |col: usize| clean.label_col && col == 0;
    for (col, slot) in out.iter_mut().enumerate() {
        if is_label(col) {
            continue;
        }
        let parsed: Vec<(usize, &ParsedNumber)> = clean
            .cells
            .iter()
            .zip(nums)
            .filter(|(c, _)| c.col == col && c.row >= clean.header_rows && !c.is_header)
            .map(|(c, p)| (c.row, p))
            .filter(|(_, p)| p.numeric_like)
            .collect();
        let pct: Vec<usize> = parsed
            .iter()
            .filter(|(_, p)| p.unit.as_deref() == Some("%"))
            .map(|(r, _)| *r)
            .collect();
        let (Some(&first), Some(&last)) = (pct.first(), pct.last()) else {
            continue;
        };
        if pct.len() < 2 || last <= first + 1 {
            continue;
        }
        let currency_inside = parsed
            .iter()
            .any(|(r, p)| *r > first && *r < last && p.currency());
        if !currency_inside {
            *slot = Some((first, last));
        }
    }
    out
}

/// Whether `display` (a fact's text) is all the cell says: what is left holds no letter or
/// digit and no qualifier ("<10%" is not 10 %), only symbols ("$", "%", parentheses, dashes,
/// footnote stars).
fn only_the_fact(cell: &str, display: &str) -> bool {
    let display = display.trim();
    if display.is_empty() {
        return false;
    }
    match cell.find(display) {
        Some(i) => cell[..i]
            .chars()
            .chain(cell[i + display.len()..].chars())
            .all(|ch| !ch.is_alphanumeric() && !matches!(ch, '<' | '>' | '≤' | '≥' | '~' | '≈')),
        None => false,
    }
}

/// "$ 246.98", "(12.50)": two decimals after the last digit group.
fn printed_to_the_cent(t: &str) -> bool {
    let t = t.trim_end_matches(|ch: char| !ch.is_ascii_digit());
    t.rfind('.')
        .is_some_and(|i| t.len() - i - 1 == 2 && t[i + 1..].bytes().all(|b| b.is_ascii_digit()))
}

/// Columns and rows of prices in a table of thousands or millions: every currency amount
/// in them is printed to the cent ("$ 246.98", "$392.89") while the table's other numbers are
/// not. They are per-share values (a grant-date fair value, an average price paid) whose
/// label does not say so, and the table's scale does not apply to them.
fn price_lines(clean: &CleanTable, scale: i32, parsed: &[&ParsedNumber]) -> (Vec<bool>, Vec<bool>) {
    let mut cols = vec![false; clean.n_cols];
    let mut rows = vec![false; clean.n_rows];
    if !(3..=6).contains(&scale) {
        return (cols, rows);
    }
    // (row, col, currency, printed to the cent) of every number.
    let nums: Vec<(usize, usize, bool, bool)> = clean
        .cells
        .iter()
        .zip(parsed)
        .filter_map(|(c, p)| {
            p.value?;
            if p.unit.as_deref() == Some("%") {
                return None;
            }
            Some((c.row, c.col, p.currency(), printed_to_the_cent(&c.text)))
        })
        .collect();
    let total_whole = nums.iter().filter(|n| !n.3).count();
    // No currency amount of the table is a whole number: its amounts are all prices (a
    // table of award valuations, "Grant date market value $169.08" among rates, under the
    // note of the statements' millions).
    let no_whole_currency = !nums.iter().any(|n| n.2 && !n.3);
    let lines = |key: &dyn Fn(&(usize, usize, bool, bool)) -> usize, out: &mut Vec<bool>| {
        // Per line: currency amounts, those printed to the cent, numbers not printed to the
        // cent, and those of them without a currency sign.
        let mut tally = vec![(0usize, 0usize, 0usize, 0usize); out.len()];
        for n in &nums {
            let t = &mut tally[key(n)];
            if n.2 {
                t.0 += 1;
                t.1 += usize::from(n.3);
            }
            if !n.3 {
                t.2 += 1;
                t.3 += usize::from(!n.2);
            }
        }
        for (slot, &(currency, cents, whole, whole_plain)) in out.iter_mut().zip(&tally) {
            // Some other number of the table (a share count beside the prices in the same
            // column, or an amount elsewhere) is not printed to the cent.
            let others_whole = total_whole > whole || whole_plain > 0;
            *slot = currency > 0 && cents == currency && (others_whole || no_whole_currency);
        }
    };
    lines(&|n| n.1, &mut cols);
    lines(&|n| n.0, &mut rows);
    (cols, rows)
}

/// What a number is to an EPS computation (see [`eps_share_scale`]).
#[derive(Debug, Clone, Copy, PartialEq)]
enum EpsKind {
    PerShare,
    /// A share count with no scale of its own stated.
    Shares,
    /// An amount of money, with the power of ten it is read in.
    Amount(i32),
}

#[derive(Debug, Clone, Copy)]
struct EpsCell {
    col: usize,
    value: f64,
    kind: EpsKind,
}

/// The scale of a table's share counts by the EPS identity: in a column holding an amount
/// ("Net income $ 1,635,273" in thousands), a share count ("Weighted-average shares
/// outstanding 494,381") and a per-share figure ("$ 3.30"), amount / (count × 10^s) is the
/// per-share figure for one `s` of 0, 3 and 6 only (they are a thousand times apart). The
/// `s` that holds in the most columns, if one does in more than any other; `None` when no
/// column has the three or none agrees. A figure rounded to the cent is matched within a
/// cent and a half or 0.6 %.
fn eps_share_scale(cells: &[EpsCell]) -> Option<i32> {
    let mut votes = [0usize; 3];
    let mut cols: Vec<usize> = cells.iter().map(|c| c.col).collect();
    cols.sort_unstable();
    cols.dedup();
    for col in cols {
        let of = |k: fn(&EpsKind) -> bool| -> Vec<&EpsCell> {
            cells
                .iter()
                .filter(|c| c.col == col && k(&c.kind) && c.value > 0.0)
                .collect()
        };
        let eps = of(|k| *k == EpsKind::PerShare);
        let shares = of(|k| *k == EpsKind::Shares);
        let amounts = of(|k| matches!(k, EpsKind::Amount(_)));
        if eps.is_empty() || shares.is_empty() || amounts.is_empty() {
            continue;
        }
        for (slot, s) in votes.iter_mut().zip([0, 3, 6]) {
            let holds = amounts.iter().any(|a| {
                let EpsKind::Amount(scale) = a.kind else {
                    return false;
                };
                shares.iter().any(|sh| {
                    let per = a.value * 10f64.powi(scale - s) / sh.value;
                    eps.iter()
                        .any(|e| (per - e.value).abs() <= (0.015f64).max(0.006 * e.value))
                })
            });
            *slot += usize::from(holds);
        }
    }
    let best = *votes.iter().max()?;
    if best == 0 || votes.iter().filter(|&&v| v == best).count() > 1 {
        return None;
    }
    votes.iter().position(|&v| v == best).map(|i| [0, 3, 6][i])
}

/// Writes the cells of one cleaned table.
fn emit_cells(
    doc: &Document,
    acc: &str,
    table_id: &str,
    index: usize,
    clean: &CleanTable,
    nums: &[ParsedNumber],
    scale_info: &ScaleInfo,
    out: &mut Rows<'_, 20>,
) -> Result<(), String> {
    // Rows with a number outside the label column, in one pass.
    let mut has_values = vec![false; clean.n_rows];
    for (c, p) in clean.cells.iter().zip(nums) {
        if c.col > 0 && p.numeric_like {
            has_values[c.row] = true;
        }
    }
    // Row measures: a row's own label, else the label-only row above it ("Earnings per
    // share:" over "Basic" / "Diluted").
    let mut row_measure: Vec<Option<Measure>> = vec![None; clean.n_rows];
    // A row's own scale ("Revenue (in millions)"), else that of the label-only row above it
    // ("Weighted average shares used in calculation (000's)" over "Basic" / "Diluted").
    let mut row_scale: Vec<Option<i32>> = clean
        .row_labels
        .iter()
        .map(|h| h.as_deref().and_then(scale::label_scale))
        .collect();
    // The table's own scale note, wherever it is printed again: on a line of its own or as
    // part of every column's header. It states the table's scale, not a section's or a
    // column's (see `col_scale`).
    let is_tables_note = |t: &str| {
        scale_info
            .note
            .as_deref()
            .is_some_and(|n| n.trim() == t.trim())
    };
    let mut section_label: Option<String> = None;
    // The scale a section label states, kept through the label-only rows of shares nested in
    // it: "Denominator (Thousands of shares)", then "Effect of dilutive securities" over
    // "Stock options and awards" — still thousands of shares.
    let mut section_scale: Option<(i32, Option<Measure>)> = None;
    let mut from_section = vec![false; clean.n_rows];
    for r in clean.header_rows..clean.n_rows {
        let rm = &mut row_measure[r];
        let label = clean.row_labels[r].clone();
        if !has_values[r] {
            if let Some(l) = label.as_deref() {
                let m = measure_of(l);
                section_scale = match scale::label_scale(l).filter(|_| !is_tables_note(l)) {
                    Some(s) => Some((s, m)),
                    None => section_scale.filter(|&(_, sm)| {
                        sm == Some(Measure::Shares) && m == Some(Measure::Shares)
                    }),
                };
                section_label = label;
            }
            continue;
        }
        *rm = label.as_deref().and_then(measure_of);
        if rm.is_none() {
            *rm = section_label.as_deref().and_then(measure_of);
            // Under "Effect of dilutive securities:" an EPS reconciliation lists the
            // numerator's adjustments as well as the shares: "Interest on 1¼% convertible
            // senior notes | 899", "Net income allocated to preferred shareholder | 57,386"
            // (Standard Pacific) are amounts, not share counts.
            if *rm == Some(Measure::Shares) && label.as_deref().is_some_and(scale::names_an_amount)
            {
                *rm = None;
            }
            from_section[r] = rm.is_some();
        }
        if row_scale[r].is_none() {
            row_scale[r] = section_scale.map(|(s, _)| s);
        }
    }
    // Per header block (the table's own, then any repeated further down a stacked table), per
    // column: what the header says the column holds …
    let blocks: Vec<&[Option<String>]> = std::iter::once(&clean.col_headers[..])
        .chain(clean.restarts.iter().map(|(_, h)| &h[..]))
        .collect();
    let col_measure: Vec<Vec<Option<Measure>>> = blocks
        .iter()
        .map(|hs| {
            hs.iter()
                .map(|h| h.as_deref().and_then(header_measure))
                .collect()
        })
        .collect();
    // … and its own scale, if it states one: "Aggregate Fair Value (in millions)" in a table
    // of RSU counts in thousands.
    // A column's own scale, where its header states one. Not the table's note carried into
    // every column's header ("2008 / ($ in millions, except per share amounts)", Norfolk
    // Southern's five-year summary): that is the table's scale, and a row that counts
    // ("Average number of employees") is not in it.
    let col_scale: Vec<Vec<Option<i32>>> = blocks
        .iter()
        .map(|hs| {
            hs.iter()
                .map(|h| {
                    let h = h.as_deref()?;
                    if h.split(" / ").any(is_tables_note) {
                        return None;
                    }
                    find_scale(h).map(|s| s.scale)
                })
                .collect()
        })
        .collect();
    let pct_cols = percent_spans(clean, nums);
    let is_label = |c: &grid::OutCell| clean.label_col && c.col == 0;
    // Headers and row labels hold no amounts.
    let no_number = ParsedNumber::default();
    let parsed: Vec<&ParsedNumber> = clean
        .cells
        .iter()
        .zip(nums)
        .map(|(c, p)| {
            if c.is_header || is_label(c) {
                &no_number
            } else {
                p
            }
        })
        .collect();
    let measure_at = |c: &grid::OutCell, parsed: &number::ParsedNumber| {
        let mut rm = row_measure.get(c.row).copied().flatten();
        // Under "Basic earnings per share:" an EPS computation lists its numerator ("Net
        // income $ 8,711,631") and denominator as well as the result: a whole number there is
        // not a per-share amount; a per-share amount is printed with decimals.
        if rm == Some(Measure::PerShare)
            && from_section.get(c.row).copied().unwrap_or(false)
            && parsed.value.is_some()
            && !c.text.contains('.')
        {
            rm = None;
        }
        let cm = col_measure[clean.block_of(c.row)]
            .get(c.col)
            .copied()
            .flatten();
        let in_pct_span = parsed.unit.is_none()
            && pct_cols
                .get(c.col)
                .copied()
                .flatten()
                .is_some_and(|(a, b)| a < c.row && c.row < b);
        // The more specific reading wins: a per-share column ("Weighted-Average Grant Date
        // Fair Value Per RSU") over a share row ("RSUs granted"), a column of years
        // ("Remaining Contractual Term (in years)") over a row of options ("Options
        // exercisable").
        let specific = |m: Measure| rm == Some(m) || cm == Some(m);
        // A column of percentages ("% Change") holds them whatever its rows count: hours,
        // shares or dollars per share change by a percentage there.
        // A bare number between two rates of its column is a rate too, unless its row says
        // what it is: "Expected term (in years)" between "Risk-free interest rate 4.6%" and
        // "Expected volatility 33%" is a number of years.
        let in_pct_span = in_pct_span && !matches!(rm, Some(Measure::Unscaled | Measure::PerShare));
        let m =
            if parsed.unit.as_deref() == Some("%") || in_pct_span || cm == Some(Measure::Percent) {
                Some(Measure::Percent)
            } else if specific(Measure::PerShare) {
                Some(Measure::PerShare)
            } else if specific(Measure::Unscaled) {
                Some(Measure::Unscaled)
            } else {
                rm.or(cm)
            };
        // A number printed with a currency sign is money, never a count of shares, whatever
        // its row or column counts ("$ 1" in the "Ordinary shares" column of an equity
        // statement, "$392.89" under an "RSUs" group label).
        let currency = parsed.currency();
        if m == Some(Measure::Shares) && (currency || cm == Some(Measure::Money)) {
            None
        } else {
            m
        }
    };
    // A row's or column's own scale ("Revenue (in millions)", "Aggregate Fair Value (in
    // millions)"), the row's first.
    let own_scale_at = |c: &grid::OutCell| {
        row_scale
            .get(c.row)
            .copied()
            .flatten()
            .or(col_scale[clean.block_of(c.row)]
                .get(c.col)
                .copied()
                .flatten())
    };
    // Where the note says nothing of shares, an EPS table says it by its arithmetic: the
    // amount divided by the share count is the per-share figure printed below them (see
    // `eps_share_scale`). That beats both guesses below.
    let eps_scale = if scale_info.shares_scale.is_none() {
        let cells: Vec<EpsCell> = clean
            .cells
            .iter()
            .zip(&parsed)
            .filter_map(|(c, p)| {
                let v = p.value?.abs();
                let m = measure_at(c, p);
                let kind = match m {
                    Some(Measure::PerShare) => EpsKind::PerShare,
                    Some(Measure::Shares) if own_scale_at(c).is_none() => EpsKind::Shares,
                    None | Some(Measure::Money) if p.unit.is_none() || p.currency() => {
                        EpsKind::Amount(own_scale_at(c).unwrap_or(scale_info.scale))
                    }
                    _ => return None,
                };
                Some(EpsCell {
                    col: c.col,
                    value: v,
                    kind,
                })
            })
            .collect();
        eps_share_scale(&cells)
    } else {
        None
    };
    let shares_scale = if eps_scale.is_some() {
        eps_scale
    } else if scale_info.running && scale_info.shares_scale.is_none() {
        // Share counts under a running note that says nothing about shares ("Tabular amounts
        // in millions, except per share amounts"): the note speaks of amounts, and the counts
        // of one table follow it (weighted-average shares "305.1") while another's are printed
        // to the share (RSU activity "5,911,378"). A count printed with decimals is a scaled
        // count; a table whose counts are all whole numbers keeps them as printed.
        let fractional = clean.cells.iter().zip(&parsed).any(|(c, p)| {
            p.value.is_some_and(|v| v.fract() != 0.0) && measure_at(c, p) == Some(Measure::Shares)
        });
        Some(if fractional { scale_info.scale } else { 0 })
    } else {
        scale_info.shares_scale
    };
    let (cents_cols, cents_rows) = price_lines(clean, scale_info.scale, &parsed);
    for (c, &parsed) in clean.cells.iter().zip(&parsed) {
        let id = format!("{table_id}/r{}/c{}", c.row, c.col);
        let own_scale = own_scale_at(c);
        let is_label = is_label(c);
        let marker = parsed.marker.clone().or_else(|| {
            if parsed.value.is_none() {
                text_marker(&c.text)
            } else {
                None
            }
        });
        let measure = measure_at(c, parsed);
        // In a line of prices, a price printed without its "$" (rows after the first) too.
        let price_like =
            parsed.currency() || (parsed.unit.is_none() && printed_to_the_cent(&c.text));
        let measure = if measure.is_none()
            && price_like
            && (cents_cols.get(c.col).copied().unwrap_or(false)
                || cents_rows.get(c.row).copied().unwrap_or(false))
        {
            Some(Measure::PerShare)
        } else {
            measure
        };
        // A year printed alone is a year ("Year that the rate reaches the ultimate trend rate
        // | 2019", "(In millions) | 2024 | 2023" read as a row), not an amount in a scale:
        // filings print four-digit amounts with a separator ("2,019"; no tagged cell of the
        // development corpus is a bare four-digit number).
        let eff_scale = match (parsed.unit.as_deref(), measure) {
            _ if parsed.value.is_some() && is_bare_year(&c.text) => 0,
            // Basis points are normalised to a ratio as percentages are (50 bps → 0.005); a
            // multiple ("4.08x") is never in the table's scale.
            (Some("bps"), _) => -4,
            (Some("x"), _) => 0,
            // A percentage is normalised to a ratio (24.1% → 0.241), as XBRL states it.
            (_, Some(Measure::Percent)) => -2,
            (_, Some(Measure::PerShare)) => 0,
            (_, Some(Measure::Unscaled)) => own_scale.unwrap_or(0),
            (_, Some(Measure::Shares)) => own_scale.or(shares_scale).unwrap_or(scale_info.scale),
            (_, Some(Measure::Money) | None) => own_scale.unwrap_or(scale_info.scale),
        };
        // The cell's inline-XBRL fact: the first one that displays something (an empty
        // `xsi:nil` element may sit beside the printed number).
        let fact_index = c.facts.iter().copied().find(|&i| {
            doc.facts
                .get(i as usize)
                .is_some_and(|f| !f.display.as_str().trim().is_empty())
        });
        let fact = fact_index.and_then(|i| doc.facts.get(i as usize));
        let shown_facts = c
            .facts
            .iter()
            .filter(|&&i| {
                doc.facts
                    .get(i as usize)
                    .is_some_and(|f| !f.display.as_str().trim().is_empty())
            })
            .count();
        // The normalised amount is negative when the cell shows it negative, and also when
        // the filing's own inline XBRL says so (`sign="-"`) while the statement prints it
        // without parentheses (a decrease in receivables on the cash-flow statement, an
        // "Interest (income) expense, net" row showing net income). `value` keeps the
        // display; a fact without `sign` never turns a displayed negative positive.
        let fact_negative = fact.is_some_and(|f| f.negative);
        let signed = |magnitude: f64, shown_negative: bool| {
            if fact_negative || shown_negative {
                -magnitude.abs()
            } else {
                magnitude.abs()
            }
        };
        // What the table itself says: the printed number × the scale read from the notes.
        let detected = parsed.value.map(|v| signed(v * pow10(eff_scale), v < 0.0));
        let xbrl_value = fact.and_then(|f| {
            parse_fact_display(f.display.as_str(), f.format.as_str()).map(|v| {
                let v = v * pow10(f.scale);
                if f.negative {
                    -v
                } else {
                    v
                }
            })
        });
        // Where the cell is one tagged number and the filing's fact disagrees with what the
        // notes say (a scale note the plugin misread or never saw), the fact wins: it is the
        // number the filer certified. `scale_detected` and `value_source` keep the
        // disagreement visible, so scale reading can still be measured on its own.
        let mut value_normalized = detected;
        let mut applied_scale = eff_scale;
        let mut source = parsed.value.map(|_| "display");
        if let (Some(f), Some(xv), 1) = (fact, xbrl_value, shown_facts) {
            match parsed.value {
                Some(v) if !same_magnitude(v * pow10(eff_scale), xv) => {
                    value_normalized = Some(signed(xv, v < 0.0));
                    if same_magnitude(v * pow10(f.scale), xv) {
                        applied_scale = f.scale;
                    }
                    source = Some("xbrl");
                }
                // A dash the filing tags as zero (`ixt:fixed-zero`) is a zero amount.
                None if parsed.numeric_like && xv == 0.0 => {
                    value_normalized = Some(0.0);
                    source = Some("xbrl");
                }
                // A tagged number the cell parser could not read ("1 234", a layout it does
                // not know) in a cell that holds nothing else: the fact says what it is.
                None if !is_label && only_the_fact(&c.text, f.display.as_str()) => {
                    value_normalized = Some(xv);
                    applied_scale = f.scale;
                    source = Some("xbrl");
                }
                _ => {}
            }
        }
        out.push([
            id.into(),
            acc.into(),
            table_id.into(),
            Value::Int(index as i64),
            Value::Int(c.row as i64),
            Value::Int(c.col as i64),
            c.text.clone().into(),
            Value::Bool(c.is_header),
            if is_label {
                Value::Null
            } else {
                clean.row_labels.get(c.row).cloned().flatten().into()
            },
            clean.col_header(c.row, c.col).map(str::to_string).into(),
            parsed.value.into(),
            marker.into(),
            parsed.unit.clone().into(),
            Value::Int(applied_scale as i64),
            value_normalized.into(),
            fact.map(|f| f.name.to_string()).into(),
            xbrl_value.into(),
            fact_index.map(|i| i as i64).into(),
            Value::Int(eff_scale as i64),
            source.into(),
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;

//! From HTML rows-with-spans to a clean rectangular grid.
//!
//! Filing tables are typeset, not data: one logical column is often three HTML columns (a `$`
//! cell, the number, a `)` or `%` cell), spacer columns separate the years, headers span the
//! columns beneath them, and amounts sometimes span the `$` column (`colspan=2`) while the row
//! above keeps `$` apart. The steps here, in order:
//!
//! 1. expand `colspan`/`rowspan` into a grid, clamping absurd spans (real filings carry
//!    `colspan="376967340"`);
//! 2. find the header block (leading rows of column titles, years, periods);
//! 3. place every cell at an *anchor* column: numbers in data rows at the last column of their
//!    span (amounts are right-aligned, so `colspan=2` over `$`+number lines up with the number
//!    column of the rows that split them), everything else at the first;
//! 4. glue a `$` cell to the number on its right and a `)`/`%` cell to the number on its left;
//! 5. drop columns where nothing is anchored and rows that are empty;
//! 6. compute each column's header path (multi-row headers joined with `" / "`) and each
//!    row's label.

use crate::number::parse_cell_number;
use finloom_plugin_api::Table;
use regex::Regex;
use std::sync::OnceLock;

/// One source cell after span clamping.
#[derive(Debug, Clone)]
struct SrcCell {
    text: String,
    header_flag: bool,
    bold: bool,
    facts: Vec<u32>,
    row: usize,
    col: usize,
    colspan: usize,
    rowspan: usize,
    anchor: usize,
}

/// A cell of the cleaned grid.
#[derive(Debug, Clone, PartialEq)]
pub struct OutCell {
    pub row: usize,
    pub col: usize,
    pub text: String,
    pub is_header: bool,
    pub bold: bool,
    pub facts: Vec<u32>,
}

/// The cleaned table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CleanTable {
    pub n_rows: usize,
    pub n_cols: usize,
    /// The first `header_rows` rows are the header block.
    pub header_rows: usize,
    /// Non-empty cells in row-major order.
    pub cells: Vec<OutCell>,
    /// Per column: the header path, if any.
    pub col_headers: Vec<Option<String>>,
    /// Header blocks repeated further down a stacked table (see [`find_restarts`]): from the
    /// row where each starts, the column headers of the rows below it, in row order.
    pub restarts: Vec<(usize, Vec<Option<String>>)>,
    /// Per row: the row label (text of the label column), if any.
    pub row_labels: Vec<Option<String>>,
    /// Whether column 0 holds row labels rather than values.
    pub label_col: bool,
}

impl CleanTable {
    pub fn cell(&self, row: usize, col: usize) -> Option<&OutCell> {
        self.cells.iter().find(|c| c.row == row && c.col == col)
    }
    /// The column headers that hold at `row`: those of the last header block starting at or
    /// above it.
    pub fn headers_at(&self, row: usize) -> &[Option<String>] {
        match self.block_of(row) {
            0 => &self.col_headers,
            k => &self.restarts[k - 1].1,
        }
    }
    /// The header block `row` sits under: 0 for the table's own header, k for the k-th
    /// repeated one.
    pub fn block_of(&self, row: usize) -> usize {
        self.restarts
            .iter()
            .rposition(|(from, _)| *from <= row)
            .map_or(0, |k| k + 1)
    }
    /// The header path over one cell.
    pub fn col_header(&self, row: usize, col: usize) -> Option<&str> {
        self.headers_at(row).get(col).and_then(|h| h.as_deref())
    }
    /// Whether some row prints period titles over the value columns and no amount ("June 30,
    /// 2020" over a second block): a header of its own, somewhere in the table.
    pub fn has_period_row(&self) -> bool {
        // `cells` are in row-major order: one slice per row.
        self.cells.chunk_by(|a, b| a.row == b.row).any(|row| {
            let values: Vec<&OutCell> = row.iter().filter(|c| c.col != 0).collect();
            values.iter().any(|c| is_period_title(&c.text))
                && values
                    .iter()
                    .all(|c| is_year_like(&c.text) || !parse_cell_number(&c.text).numeric_like)
        })
    }
    /// All texts of one row, in column order.
    pub fn row_texts(&self, row: usize) -> Vec<&str> {
        self.cells
            .iter()
            .filter(|c| c.row == row)
            .map(|c| c.text.as_str())
            .collect()
    }
}

/// Grid width cap: with spans clamped to `max_span` a pathological row could still be very
/// wide; past this nothing sensible is left to recover.
const MAX_COLS: usize = 512;

fn is_year_like(t: &str) -> bool {
    let t = t.trim();
    t.len() == 4
        && t.chars().all(|c| c.is_ascii_digit())
        && (1900..=2100).contains(&t.parse::<u32>().unwrap_or(0))
}

/// "September 28, 2024", "Fiscal 2023", "Q3 2024": a period title.
fn has_year_suffix(t: &str) -> bool {
    let t = t.trim();
    t.len() > 4 && t.is_char_boundary(t.len() - 4) && is_year_like(&t[t.len() - 4..])
}

/// A period title: a year alone or ending a title ("2024", "Fiscal 2023", "December 31,
/// 2024").
fn is_period_title(t: &str) -> bool {
    is_year_like(t) || has_year_suffix(t)
}

/// A year that opens a body row going on with amounts is the row's label, not an amount: a
/// maturity schedule's "2025 | $ 10,930", "2026 | 12,342" (Apple's term debt). Read as a
/// number it was stored as 2,025 million, moved off the label column, and left its table
/// without row labels. `texts` are the row's non-empty cell texts in column order.
fn opens_with_year<'a>(mut texts: impl Iterator<Item = &'a str>) -> bool {
    let Some(first) = texts.next() else {
        return false;
    };
    is_year_like(strip_marker(first))
        && texts.any(|t| parse_cell_number(t).numeric_like && !is_year_like(strip_marker(t)))
}

/// Cells that step 4 glues to the number after them ("$" | "1,234").
const GLUED_BEFORE: &[&str] = &["$", "US$", "€", "£", "¥", "$(", "($", "("];
/// Cells that step 4 glues to the number before them ("(12" | ")").
const GLUED_AFTER: &[&str] = &[")", "%", ")%", "%)", "pts", "bps", "x"];

/// A footnote marker as the grid reads one: "[1]", "(a)", "*", "†". (`number::split_marker`
/// reads a cell's own marker by its rules, which also take a space-separated "2024 3".)
const MARKER: &str = r"(?:[\[(]\s*[0-9a-zA-Z]{1,2}\s*[\])]|[*†‡§]+)";

/// A footnote marker in a cell of its own.
fn marker_only(t: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(&format!(r"^\s*{MARKER}\s*$")).expect("marker regex"))
        .is_match(t)
}

/// The text without a footnote marker at its end ("2024 (1)" → "2024", "2023*" → "2023").
fn strip_marker(t: &str) -> &str {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(&format!(r"\s*{MARKER}\s*$")).expect("marker regex"));
    let t = t.trim();
    re.find(t).map_or(t, |m| &t[..m.start()])
}

/// A year with a superscript note number the reader set apart from it: "2012 1" (Vulcan's
/// "2012<sup>1</sup>", Norfolk Southern's "2005<sup>1</sup>") → "2012"; any other text as it
/// is ("Level 2", "Note 12", "1,234 5").
fn strip_note_number(t: &str) -> &str {
    if let Some((head, tail)) = t.rsplit_once(' ') {
        let head = head.trim_end();
        if (1..=2).contains(&tail.len())
            && tail.bytes().all(|b| b.is_ascii_digit())
            && is_year_like(head)
        {
            return head;
        }
    }
    t
}

fn is_symbol_only(t: &str, set: &[&str]) -> bool {
    set.contains(&t.trim())
}

/// A column title: text with no digit except in a footnote marker ("Aggregate Intrinsic
/// Value (1)") or a fair-value level, not an inline-XBRL fact.
fn title_text(c: &SrcCell) -> bool {
    static MARKER: OnceLock<Regex> = OnceLock::new();
    // Digits in a footnote marker, in a fair-value level ("Significant Observable Inputs
    // (Level 2)"), or in a day of a period with no year ("For the Years Ended December 31,",
    // over "Pension Benefits", Marsh & McLennan) leave a title a title.
    let marker = MARKER.get_or_init(|| {
        Regex::new(
            r"(?i)\(\s*\d{1,2}\s*\)|\blevel\s+[1-3]\b|\b(?:january|february|march|april|may|june|july|august|september|october|november|december)\s+\d{1,2}\b",
        )
        .expect("marker regex")
    });
    c.facts.is_empty()
        && !marker
            .replace_all(&c.text, "")
            .chars()
            .any(|ch| ch.is_ascii_digit())
}

/// A caption naming the periods of the columns, without their years: "For the Years Ended
/// December 31,", "Three Months Ended", "As of December 31,".
fn is_period_caption(t: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)^\s*(?:for\s+the\s+)?(?:(?:fiscal\s+)?years?|quarters?|(?:three|six|nine|twelve)\s+months|\d{1,2}\s+weeks|weeks)\s+ended\b[^0-9]*(?:\d{1,2}\s*,?\s*)?$|^\s*(?:as\s+of|at)\s+[a-z]+\s+\d{1,2}\s*,?\s*$",
        )
        .expect("period caption regex")
    })
    .is_match(t)
}

/// Is a source row part of the header block? `None` for blank rows (they neither start nor
/// end the block). `after_header`: the rows above are header rows (and this row may be the
/// one naming the label column: see below).
fn header_like(cells: &[SrcCell], first_in_table: bool, after_header: bool) -> Option<bool> {
    let nonempty: Vec<&SrcCell> = cells.iter().filter(|c| !c.text.trim().is_empty()).collect();
    if nonempty.is_empty() {
        return None;
    }
    if nonempty.iter().all(|c| c.header_flag) {
        return Some(true);
    }
    let first_col_text = nonempty[0].col == 0;
    let mut has_amount = false;
    let mut has_year_other = false;
    for c in &nonempty {
        // A year may carry a footnote marker: "2024 (1)", "2023*"; in a row with nothing in
        // the label column, also a superscript one ("2005 1"). Not in a row with a label:
        // "KALYDECO | 2027 | 2027 1" is a product's patent expiry years, data (Vertex).
        let t = strip_marker(&c.text);
        let t = if first_col_text {
            t
        } else {
            strip_note_number(t)
        };
        let p = parse_cell_number(&c.text);
        if p.numeric_like && !is_year_like(t) {
            has_amount = true;
        } else if c.col != 0 && is_period_title(t) {
            has_year_other = true;
        }
    }
    if has_amount {
        return Some(false);
    }
    // A scale note in the label column over column titles ("(Dollars in millions, except
    // per-share data, and shares in thousands) | Common Stock | Retained Earnings", "Shares
    // in millions | Options | WAEP"): a header row, however far down it sits.
    if first_col_text
        && nonempty.len() >= 2
        && crate::scale::find_scale(&nonempty[0].text).is_some()
    {
        return Some(true);
    }
    if !first_col_text || has_year_other {
        // Only column titles / years / periods, nothing but a caption in the label column.
        return Some(true);
    }
    // A first row of all-text titles ("Name | Age | Position"). Under a header row of column
    // groups, the row of titles that also names the label column ("Options Outstanding |
    // Options Exercisable" over "Range of Exercise Prices | Number of Shares | Weighted-Average
    // Exercise Price …"): its label cell is the label column's title, not a group label over
    // the rows below it ("Range of Exercise Prices" made every option count a price), and
    // the titles are the columns' own.
    let titles = nonempty.len() >= 3
        && !nonempty[0].text.trim_end().ends_with(':')
        && nonempty.iter().all(|c| title_text(c));
    Some((first_in_table && nonempty.len() >= 2) || (after_header && titles))
}

/// A row's cells as `(column, span, text)`, years written as `#`: two rows with the same
/// signature print the same titles in the same places, for other years.
fn text_signature(cells: &[SrcCell], ids: &[usize]) -> Vec<(usize, usize, String)> {
    static YEAR: OnceLock<Regex> = OnceLock::new();
    let year = YEAR.get_or_init(|| Regex::new(r"\b(?:19|20)\d\d\b").expect("year regex"));
    ids.iter()
        .map(|&i| &cells[i])
        .filter(|c| !c.text.is_empty())
        .map(|c| {
            let t = year.replace_all(&c.text, "#");
            (
                c.col,
                c.colspan,
                t.split_whitespace().collect::<Vec<_>>().join(" "),
            )
        })
        .collect()
}

/// A row's cells as `(column, span)`: where it prints, whatever it prints.
fn layout_signature(cells: &[SrcCell], ids: &[usize]) -> Vec<(usize, usize)> {
    ids.iter()
        .map(|&i| &cells[i])
        .filter(|c| !c.text.is_empty())
        .map(|c| (c.col, c.colspan))
        .collect()
}

/// The years of a row that prints nothing but period titles over the value columns ("2024",
/// "December 31, 2024", "Fiscal 2023"); empty for any other row.
fn period_years(cells: &[SrcCell], ids: &[usize]) -> Vec<u32> {
    let mut ys = Vec::new();
    for c in ids.iter().map(|&i| &cells[i]) {
        if c.col == 0 || c.text.is_empty() {
            continue;
        }
        let t = c.text.trim();
        if !is_period_title(t) {
            return Vec::new();
        }
        ys.push(t[t.len() - 4..].parse().unwrap_or(0));
    }
    ys
}

/// Header blocks repeated further down a table. A stacked table prints one block of rows per
/// period under a header of its own: "Year Ended December 31, 2024 | Americas | EMEA …" over
/// the 2024 rows, then "Year Ended December 31, 2023 | Americas | EMEA …" over the 2023 rows.
/// Read with the first header alone, every 2023 amount sat under "2024". (A long table
/// continued on a new page repeats its header the same way.)
///
/// A body row starts a repeated block when it prints the same titles in the same places as a
/// row of the header block (years aside), over the value columns and with no amount in it,
/// or when it prints nothing but period titles there, all of periods the header names
/// ("December 31, 2024 | December 31, 2023" for the balance-sheet lines of a lease note
/// headed "2024 | 2023 | 2022"; a row of years that are values, "Expires | 2031 | 2033",
/// names other years). The block then takes in the rows around it that match the header
/// rows around that one, in the same order, by their titles or by where they print (a
/// repeated block may retitle a column: "Gains (Losses) on Hedge Instruments" above, "Losses
/// on Hedge Instruments" below).
///
/// Returns, per repeated block, its `(header row, body row)` pairs in source-row order.
fn find_restarts(
    cells: &[SrcCell],
    by_row: &[Vec<usize>],
    header_end: usize,
) -> Vec<Vec<(usize, usize)>> {
    let nonempty = |r: usize| by_row[r].iter().any(|&i| !cells[i].text.is_empty());
    // Something printed over the value columns, not only in the label column.
    let titled = |r: usize| {
        by_row[r]
            .iter()
            .any(|&i| cells[i].col != 0 && !cells[i].text.is_empty())
    };
    let head: Vec<usize> = (0..header_end)
        .filter(|&r| nonempty(r) && titled(r))
        .collect();
    if head.is_empty() {
        return Vec::new();
    }
    let body: Vec<usize> = (header_end..by_row.len())
        .filter(|&r| nonempty(r))
        .collect();
    let no_amounts = |r: usize| {
        by_row[r].iter().map(|&i| &cells[i]).all(|c| {
            c.text.is_empty()
                || c.facts.is_empty()
                    && (is_year_like(&c.text) || !parse_cell_number(&c.text).numeric_like)
        })
    };
    let head_text: Vec<_> = head
        .iter()
        .map(|&h| text_signature(cells, &by_row[h]))
        .collect();
    // The text of a row's label cell.
    let label_text = |r: usize| {
        by_row[r]
            .iter()
            .map(|&i| &cells[i])
            .find(|c| c.col == 0)
            .map_or("", |c| c.text.trim())
    };
    // A label cell that captions the columns rather than naming a row: empty, a title
    // ending in a colon, or a scale note.
    let is_caption =
        |t: &str| t.is_empty() || t.ends_with(':') || crate::scale::find_scale(t).is_some();
    // Each header row's period years (empty for a row of other titles), read once.
    let head_periods: Vec<Vec<u32>> = head
        .iter()
        .map(|&h| period_years(cells, &by_row[h]))
        .collect();
    let head_years: Vec<u32> = head_periods.iter().flatten().copied().collect();
    let matches = |hi: usize, b: usize| {
        no_amounts(b)
            && titled(b)
            && (text_signature(cells, &by_row[b]) == head_text[hi]
                || layout_signature(cells, &by_row[b])
                    == layout_signature(cells, &by_row[head[hi]]))
    };
    let mut out = Vec::new();
    let mut done = 0usize; // body positions before this are taken
    let mut p = 0usize;
    while p < body.len() {
        let r = body[p];
        let hit = if no_amounts(r) && titled(r) {
            let sig = text_signature(cells, &by_row[r]);
            let ys = period_years(cells, &by_row[r]);
            head_text
                .iter()
                .position(|h| *h == sig)
                .or_else(|| {
                    // A row of period titles restating the header's periods, laid out anew
                    // ("December 31, 2024 | December 31, 2023" over the balance-sheet lines of a
                    // table headed "2024 | 2023 | 2022"): it stands in for the header's row of
                    // periods.
                    (!ys.is_empty() && ys.iter().all(|y| head_years.contains(y)))
                        .then(|| head_periods.iter().position(|p| !p.is_empty()))
                        .flatten()
                })
                .or_else(|| {
                    // A new block under periods of its own: after "Assets: | 2024 | 2023",
                    // "Purchases of property, plant and equipment: | 2024 | 2023 | 2022"
                    // (Stryker: a caption and some of the header's years), or under the header's
                    // own caption, "in thousands | 2012 | 2011 | 2010" after "in thousands |
                    // Before-tax Amount | …" (Vulcan). A row of years that are values ("Expires |
                    // 2031 | 2033") is labelled as a row is, not captioned.
                    if ys.is_empty() {
                        return None;
                    }
                    let label = label_text(r);
                    head.iter().zip(&head_periods).position(|(&h, hp)| {
                        (!label.is_empty() && label == label_text(h))
                            || (is_caption(label) && hp.iter().any(|y| ys.contains(y)))
                    })
                })
        } else {
            None
        };
        let Some(i) = hit else {
            p += 1;
            continue;
        };
        let (mut lo_h, mut lo_p) = (i, p);
        while lo_h > 0 && lo_p > done && matches(lo_h - 1, body[lo_p - 1]) {
            lo_h -= 1;
            lo_p -= 1;
        }
        let (mut hi_h, mut hi_p) = (i, p);
        while hi_h + 1 < head.len() && hi_p + 1 < body.len() && matches(hi_h + 1, body[hi_p + 1]) {
            hi_h += 1;
            hi_p += 1;
        }
        out.push(
            (lo_h..=hi_h)
                .zip(lo_p..=hi_p)
                .map(|(h, q)| (head[h], body[q]))
                .collect(),
        );
        done = hi_p + 1;
        p = hi_p + 1;
    }
    out
}

/// Whether the next row with text after `r` is a row of periods: period titles ("2024",
/// "December 31, 2023") over the columns, and nothing or a scale note ("(In millions)") in the
/// label column.
fn periods_row_next(cells: &[SrcCell], by_row: &[Vec<usize>], r: usize) -> bool {
    let Some(next) = by_row[r + 1..]
        .iter()
        .find(|ids| ids.iter().any(|&i| !cells[i].text.trim().is_empty()))
    else {
        return false;
    };
    let ne: Vec<&SrcCell> = next
        .iter()
        .map(|&i| &cells[i])
        .filter(|c| !c.text.trim().is_empty())
        .collect();
    let (label, titles): (Vec<&SrcCell>, Vec<&SrcCell>) = ne.iter().partition(|c| c.col == 0);
    !titles.is_empty()
        && titles
            .iter()
            .all(|c| is_period_title(strip_marker(&c.text)))
        && label
            .iter()
            .all(|c| crate::scale::find_scale(&c.text).is_some())
}

/// A row whose only text is one title in the label column, not a number.
fn label_title_only(cells: &[SrcCell]) -> bool {
    let mut nonempty = cells.iter().filter(|c| !c.text.trim().is_empty());
    matches!(
        (nonempty.next(), nonempty.next()),
        (Some(c), None) if c.col == 0 && !parse_cell_number(&c.text).numeric_like
    )
}

/// Builds the clean grid. `max_span` clamps colspan/rowspan.
pub fn clean_table(table: &Table, max_span: usize) -> CleanTable {
    let max_span = max_span.max(1);
    let nsrc = table.rows.len();
    // 1. Expand spans.
    let mut cells: Vec<SrcCell> = Vec::new();
    let mut occupied: Vec<Vec<bool>> = vec![Vec::new(); nsrc];
    let mut width = 0usize;
    for (r, row) in table.rows.iter().enumerate() {
        let mut c = 0usize;
        for cell in row.cells.iter() {
            while c < MAX_COLS && occupied[r].get(c).copied().unwrap_or(false) {
                c += 1;
            }
            if c >= MAX_COLS {
                break;
            }
            let cs = (cell.colspan as usize).clamp(1, max_span).min(MAX_COLS - c);
            let rs = (cell.rowspan as usize).clamp(1, max_span).min(nsrc - r);
            for occ in occupied.iter_mut().skip(r).take(rs) {
                if occ.len() < c + cs {
                    occ.resize(c + cs, false);
                }
                for o in occ.iter_mut().skip(c).take(cs) {
                    *o = true;
                }
            }
            width = width.max(c + cs);
            cells.push(SrcCell {
                text: cell.text.as_str().trim().to_string(),
                header_flag: cell.header,
                bold: cell.bold,
                facts: cell.facts.iter().copied().collect(),
                row: r,
                col: c,
                colspan: cs,
                rowspan: rs,
                anchor: c,
            });
            c += cs;
        }
    }
    if width == 0 || cells.is_empty() {
        return CleanTable::default();
    }
    // 2. Header block.
    let mut by_row: Vec<Vec<usize>> = vec![Vec::new(); nsrc];
    for (i, c) in cells.iter().enumerate() {
        by_row[c.row].push(i);
    }
    let mut header_end = 0usize; // source rows < header_end are header rows
    let mut header_start = 0usize; // … and those from header_start on head the columns
    let mut seen_nonblank = false;
    let mut found_data = false;
    for (r, ids) in by_row.iter().enumerate() {
        let row_cells: Vec<SrcCell> = ids.iter().map(|&i| cells[i].clone()).collect();
        // Only one row of titles naming the label column can join the header: after it, a
        // header row has text over the label column, which `groups_only` below refuses.
        let after_header = seen_nonblank;
        // A table's first row holding only a title in the label column ("For the Years Ended
        // December 31," over "(In millions) | 2024 | 2023 | 2022"; "CONSOLIDATED STATEMENTS
        // OF CASH FLOWS (In millions)" across the whole table) neither starts nor ends the
        // header: the rows below decide. It was read as the first data row, so the years
        // below it headed nothing. Such a title heads the table, not its columns: when rows
        // of column titles follow, it joins the header rows (a scale note in it is still
        // read) but not the column header paths (a "STATEMENTS OF INCOME (In thousands,
        // except per share amounts)" over every column made every column "per share").
        if !seen_nonblank && label_title_only(&row_cells) {
            header_start = r + 1;
            continue;
        }
        // Further down the header, a title alone in the label column over a row of periods
        // ("Pension Benefits" / "For the Years Ended December 31," / "(In millions) | 2024 |
        // 2023 | 2022", Marsh & McLennan's pension tables) is part of the header too: it was
        // read as the first data row, and the years below it headed nothing.
        if seen_nonblank && label_title_only(&row_cells) && periods_row_next(&cells, &by_row, r) {
            continue;
        }
        let mut verdict = header_like(&row_cells, !seen_nonblank, after_header);
        if after_header
            && verdict == Some(true)
            && header_like(&row_cells, !seen_nonblank, false) == Some(false)
        {
            // A row of titles naming the label column joins a header of column groups only
            // ("Options Outstanding | Options Exercisable", nothing over the label column)
            // and only over a body of amounts (at least half the next row's cells are
            // numbers). Over text rows — an exhibit index whose "Form | File No. | Filing
            // Date" columns are empty on this page, a cover page's captions — it stays a
            // row, so that columns holding nothing but those titles are not dropped.
            // A scale note in the label column ("(Millions of dollars) | Year Ended December
            // 31, 2024") titles no column: the row above still holds column groups only.
            let groups_only = by_row[..r].iter().flatten().all(|&i| {
                cells[i].col != 0
                    || cells[i].text.trim().is_empty()
                    || crate::scale::find_scale(&cells[i].text).is_some()
            });
            // (More titles may come first: "(in thousands) | (in years) | (per share)".)
            let amounts_below = by_row[r + 1..]
                .iter()
                .find(|ids| {
                    let ne: Vec<&SrcCell> = ids
                        .iter()
                        .map(|&i| &cells[i])
                        .filter(|c| !c.text.trim().is_empty())
                        .collect();
                    // (Section labels alone in the label column, "Defined Benefit Pension
                    // Plans" over "Public equity securities:", come before the amounts too.)
                    ne.iter().any(|c| c.col != 0) && !ne.iter().all(|c| c.col != 0 && title_text(c))
                })
                .is_some_and(|ids| {
                    // A "$" or ")" printed in a cell of its own belongs to the number beside
                    // it (step 4 glues them), and a footnote marker ("[1]", "(a)", "*") to
                    // the number before it: neither is a cell of text.
                    let body: Vec<&SrcCell> = ids
                        .iter()
                        .map(|&i| &cells[i])
                        .filter(|c| {
                            c.col != 0
                                && !c.text.trim().is_empty()
                                && !is_symbol_only(&c.text, GLUED_BEFORE)
                                && !is_symbol_only(&c.text, GLUED_AFTER)
                                && !marker_only(&c.text)
                        })
                        .collect();
                    let amounts = body
                        .iter()
                        .filter(|c| {
                            parse_cell_number(&c.text).numeric_like && !is_year_like(&c.text)
                        })
                        .count();
                    amounts > 0 && 2 * amounts >= body.len()
                });
            // A period caption in the label column ("For the Years Ended December 31," beside
            // "Pension | Post-retirement" / "Benefits | Benefits", Marsh & McLennan) names no
            // row: its row is a header row under a first one that titles the label column.
            let period_caption = row_cells
                .iter()
                .find(|c| c.col == 0)
                .is_some_and(|c| is_period_caption(&c.text));
            if !(groups_only && amounts_below) && !period_caption {
                verdict = Some(false);
            }
        }
        match verdict {
            None => continue,
            Some(true) => {
                seen_nonblank = true;
                header_end = r + 1;
            }
            Some(false) => {
                found_data = true;
                break;
            }
        }
    }
    if !found_data {
        // No data rows at all: only keep rows the source itself marks as header.
        header_end = by_row
            .iter()
            .take_while(|ids| {
                let ne: Vec<&usize> = ids.iter().filter(|&&i| !cells[i].text.is_empty()).collect();
                ne.is_empty() || ne.iter().all(|&&i| cells[i].header_flag)
            })
            .count();
        if by_row
            .iter()
            .take(header_end)
            .all(|ids| ids.iter().all(|&i| cells[i].text.is_empty()))
        {
            header_end = 0;
        }
    }
    // Header blocks repeated further down (a stacked table): their rows are header rows too.
    let restart_pairs = find_restarts(&cells, &by_row, header_end);
    let mut hdr_row: Vec<bool> = (0..nsrc).map(|r| r < header_end).collect();
    for &(_, b) in restart_pairs.iter().flatten() {
        hdr_row[b] = true;
    }
    let is_header_row = |r: usize| hdr_row[r];
    // 3. Anchors. A number spanning columns sits at their right end; a year labelling its
    // row (see `opens_with_year`) stays at the left, where labels are.
    let year_labels: Vec<Option<usize>> = by_row
        .iter()
        .map(|ids| {
            let first = ids.iter().copied().find(|&i| !cells[i].text.is_empty())?;
            let texts = ids
                .iter()
                .map(|&i| cells[i].text.as_str())
                .filter(|t| !t.is_empty());
            opens_with_year(texts).then_some(first)
        })
        .collect();
    for (i, c) in cells.iter_mut().enumerate() {
        if !is_header_row(c.row)
            && c.colspan > 1
            && parse_cell_number(&c.text).numeric_like
            && year_labels[c.row] != Some(i)
        {
            c.anchor = c.col + c.colspan - 1;
        }
    }
    // 4. Glue `$` / `)` / `%` cells to their numbers.
    for ids in by_row.iter() {
        let mut order: Vec<usize> = ids.clone();
        order.sort_by_key(|&i| cells[i].anchor);
        for k in 0..order.len() {
            let i = order[k];
            if is_header_row(cells[i].row) || cells[i].text.is_empty() {
                continue;
            }
            let t = cells[i].text.clone();
            if is_symbol_only(&t, GLUED_BEFORE) {
                if let Some(&j) = order[k + 1..].iter().find(|&&j| !cells[j].text.is_empty()) {
                    if parse_cell_number(&format!("{}{}", t, cells[j].text)).numeric_like
                        || parse_cell_number(&cells[j].text).numeric_like
                    {
                        cells[j].text = format!("{} {}", t, cells[j].text);
                        cells[i].text.clear();
                    }
                }
            } else if is_symbol_only(&t, GLUED_AFTER) {
                if let Some(&j) = order[..k]
                    .iter()
                    .rev()
                    .find(|&&j| !cells[j].text.is_empty())
                {
                    let prev = &cells[j].text;
                    // "(3.6)" then "%", "pts" or "bps": a negative percentage (or basis
                    // points) printed across two cells.
                    let last = prev.chars().rev().find(|c| !c.is_whitespace());
                    if last.is_some_and(|c| {
                        c.is_ascii_digit()
                            || "—–-".contains(c)
                            || (c == ')' && (t.starts_with('%') || t == "pts" || t == "bps"))
                    }) {
                        cells[j].text = format!("{}{}", prev, t);
                        cells[i].text.clear();
                    }
                }
            }
        }
    }
    // 5. Keep columns where some non-empty cell is anchored (wide header spans don't count:
    //    they sit over columns, they don't make one).
    let mut keep_col = vec![false; width];
    for c in cells.iter() {
        if c.text.is_empty() {
            continue;
        }
        if is_header_row(c.row) && c.colspan > 1 {
            continue;
        }
        keep_col[c.anchor] = true;
    }
    if !keep_col.iter().any(|k| *k) {
        for c in cells.iter().filter(|c| !c.text.is_empty()) {
            keep_col[c.col] = true;
        }
    }
    // A column title set one column left of its numbers ("Shares" over the empty cell
    // before "954,116", as a "$" column would sit): a column kept only for header cells,
    // followed by a column of numbers with no title of its own, is merged into it.
    let mut body_col = vec![false; width];
    let mut titled_col = vec![false; width];
    for c in cells.iter().filter(|c| !c.text.is_empty()) {
        if is_header_row(c.row) {
            if c.colspan == 1 {
                titled_col[c.anchor] = true;
            }
        } else {
            body_col[c.anchor] = true;
        }
    }
    let mut redirect: Vec<Option<usize>> = vec![None; width];
    if keep_col.iter().zip(&body_col).any(|(k, b)| *k && *b) {
        for x in 0..width {
            if !keep_col[x] || body_col[x] || !titled_col[x] {
                continue;
            }
            if let Some(y) = (x + 1..width).find(|&y| keep_col[y]) {
                if body_col[y] && !titled_col[y] {
                    keep_col[x] = false;
                    redirect[x] = Some(y);
                    titled_col[y] = true;
                }
            }
        }
    }
    let col_map: Vec<Option<usize>> = {
        let mut n = 0;
        keep_col
            .iter()
            .map(|&k| {
                if k {
                    n += 1;
                    Some(n - 1)
                } else {
                    None
                }
            })
            .collect()
    };
    let n_cols = keep_col.iter().filter(|k| **k).count();
    // Where each cell lands: its anchor if kept, else the nearest kept column in its span.
    let map_col = |x: usize| col_map[x].or_else(|| redirect[x].and_then(|y| col_map[y]));
    let place = |c: &SrcCell| -> Option<usize> {
        if let Some(m) = map_col(c.anchor) {
            return Some(m);
        }
        let span = c.col..c.col + c.colspan;
        if c.anchor == c.col {
            span.clone().find_map(|x| col_map[x])
        } else {
            span.rev().find_map(|x| col_map[x])
        }
    };
    let mut keep_row = vec![false; nsrc];
    for c in cells.iter() {
        if !c.text.is_empty() && place(c).is_some() {
            keep_row[c.row] = true;
        }
    }
    let row_map: Vec<Option<usize>> = {
        let mut n = 0;
        keep_row
            .iter()
            .map(|&k| {
                if k {
                    n += 1;
                    Some(n - 1)
                } else {
                    None
                }
            })
            .collect()
    };
    let n_rows = keep_row.iter().filter(|k| **k).count();
    let header_rows = (0..header_end).filter(|&r| keep_row[r]).count();
    // Cover map (for header paths and row labels): which cell covers each kept position.
    let mut cover: Vec<Vec<Option<usize>>> = vec![vec![None; n_cols]; n_rows];
    for (i, c) in cells.iter().enumerate() {
        if c.text.is_empty() {
            continue;
        }
        for r in c.row..c.row + c.rowspan {
            let Some(rr) = row_map[r] else { continue };
            for x in c.col..c.col + c.colspan {
                if let Some(cc) = map_col(x) {
                    cover[rr][cc] = Some(i);
                }
            }
        }
    }
    // Header cells stored at another column than the grid placed them in: (cell, column).
    let mut moved: Vec<(usize, usize)> = Vec::new();
    // A title merged into the column of numbers to its right (the redirect above) heads that
    // column in its row, though a wider title beside it also spans it ("Purchased Term" over
    // the cells of months, beside "Pro-rated Purchase Price" over the prices and those cells'
    // right half): the wider one keeps its other column. It headed both, and the narrower
    // title was lost.
    for (i, c) in cells.iter().enumerate() {
        if !hdr_row[c.row] || c.text.is_empty() || c.colspan != 1 || redirect[c.col].is_none() {
            continue;
        }
        let (Some(rr), Some(cc)) = (row_map[c.row], map_col(c.col)) else {
            continue;
        };
        let Some(j) = cover[rr][cc].filter(|&j| j != i) else {
            continue;
        };
        let other = &cells[j];
        if (other.col..other.col + other.colspan).any(|x| map_col(x).is_some_and(|k| k != cc)) {
            cover[rr][cc] = Some(i);
            moved.push((i, cc));
        }
    }
    // A title over no kept column: its numbers' cells were drawn one column wider than the
    // title's, into the next title's columns (Norfolk Southern 2009: "2008" over columns 1–2
    // and "2007" over 3–5, the 2008 amounts spanning 2–3). The title heads the kept column
    // whose cells of numbers overlap it most, where that column's title in the row also heads
    // another kept column (so no title is lost by the move); it was dropped, and both amount
    // columns were headed "2007".
    if cells
        .iter()
        .any(|c| hdr_row[c.row] && !c.text.is_empty() && place(c).is_none())
    {
        let span = |c: &SrcCell| c.col..c.col + c.colspan;
        // Per output column, how many body cells of numbers cover each source column.
        let mut body_at = vec![vec![0usize; width]; n_cols];
        for c in cells
            .iter()
            .filter(|c| !hdr_row[c.row] && parse_cell_number(&c.text).numeric_like)
        {
            if let Some(cc) = place(c) {
                for x in span(c) {
                    body_at[cc][x] += 1;
                }
            }
        }
        for (i, c) in cells.iter().enumerate() {
            if !hdr_row[c.row] || c.text.is_empty() || place(c).is_some() {
                continue;
            }
            let Some(rr) = row_map[c.row] else { continue };
            let overlap = |cc: usize| span(c).map(|x| body_at[cc][x]).sum::<usize>();
            let best = (0..n_cols)
                .filter(|&cc| overlap(cc) > 0)
                .max_by_key(|&cc| overlap(cc));
            let Some(cc) = best else { continue };
            if (0..n_cols).any(|k| k != cc && overlap(k) == overlap(cc)) {
                continue; // two columns as near: no way to tell
            }
            let keeps_another =
                |j: usize| span(&cells[j]).any(|x| map_col(x).is_some_and(|k| k != cc));
            if !cover[rr][cc].is_none_or(keeps_another) {
                continue;
            }
            for r in c.row..c.row + c.rowspan {
                if let Some(rr) = row_map[r] {
                    cover[rr][cc] = Some(i);
                }
            }
            moved.push((i, cc));
        }
    }
    // Where a cell is stored: a moved title at its column; a title it displaced at the next
    // kept column it spans.
    let stored_at = |i: usize| -> Option<usize> {
        if let Some(&(_, cc)) = moved.iter().find(|(j, _)| *j == i) {
            return Some(cc);
        }
        let c = &cells[i];
        let at = place(c)?;
        let rr = row_map[c.row]?;
        if moved
            .iter()
            .any(|&(j, cc)| cc == at && row_map[cells[j].row] == Some(rr))
        {
            return (c.col..c.col + c.colspan)
                .filter_map(map_col)
                .find(|&k| k != at);
        }
        Some(at)
    };
    let mut out: Vec<OutCell> = Vec::new();
    for (i, c) in cells.iter().enumerate() {
        if c.text.is_empty() {
            continue;
        }
        let (Some(rr), Some(cc)) = (row_map[c.row], stored_at(i)) else {
            continue;
        };
        out.push(OutCell {
            row: rr,
            col: cc,
            text: c.text.clone(),
            is_header: hdr_row[c.row] || c.header_flag,
            bold: c.bold,
            facts: c.facts.clone(),
        });
    }
    // Two source cells landing on one position: keep the one carrying inline-XBRL facts, so
    // a tagged number is never the one dropped.
    out.sort_by_key(|c| (c.row, c.col, c.facts.is_empty()));
    out.dedup_by_key(|c| (c.row, c.col));
    // 6. Header paths and row labels.
    let paths = |rows: &[usize]| -> Vec<Option<String>> {
        (0..n_cols)
            .map(|cc| {
                let mut parts: Vec<&str> = Vec::new();
                for &rr in rows {
                    if let Some(i) = cover[rr][cc] {
                        let t = cells[i].text.as_str();
                        if parts.last() != Some(&t) {
                            parts.push(t);
                        }
                    }
                }
                (!parts.is_empty()).then(|| parts.join(" / "))
            })
            .collect()
    };
    // Output rows of the table's title rows above its column titles (see `label_title_only`).
    let title_rows = (0..header_start.min(header_end))
        .filter(|&r| keep_row[r])
        .count();
    let col_headers = paths(&(title_rows..header_rows).collect::<Vec<_>>());
    // A repeated block's rows stand in for the header rows they repeat; header rows it does
    // not repeat still hold ("Year Ended December 31, 2023" over the first block's titles).
    let mut restarts: Vec<(usize, Vec<Option<String>>)> = Vec::new();
    for pairs in &restart_pairs {
        let rows: Vec<usize> = (header_start.min(header_end)..header_end)
            .filter_map(|h| {
                let b = pairs.iter().find(|(hh, _)| *hh == h).map(|&(_, b)| b);
                b.and_then(|b| row_map[b]).or(row_map[h])
            })
            .collect();
        if let Some(from) = pairs.iter().filter_map(|&(_, b)| row_map[b]).min() {
            restarts.push((from, paths(&rows)));
        }
    }
    // The output rows a year labels (step 3 decided it for their source rows).
    let mut year_row = vec![false; n_rows];
    for (r, y) in year_labels.iter().enumerate() {
        if let (Some(_), Some(rr)) = (y, row_map[r]) {
            year_row[rr] = true;
        }
    }
    let (mut text0, mut num0) = (0, 0);
    for c in out.iter().filter(|c| c.col == 0 && c.row >= header_rows) {
        if parse_cell_number(&c.text).numeric_like && !year_row[c.row] {
            num0 += 1;
        } else {
            text0 += 1;
        }
    }
    let label_col = n_cols > 1 && text0 > num0;
    let mut row_labels = vec![None; n_rows];
    if label_col {
        let repeated_header: Vec<usize> = restart_pairs
            .iter()
            .flatten()
            .filter_map(|&(_, b)| row_map[b])
            .collect();
        for (r, lbl) in row_labels.iter_mut().enumerate().skip(header_rows) {
            if repeated_header.contains(&r) {
                continue;
            }
            if let Some(i) = cover[r][0] {
                *lbl = Some(cells[i].text.clone());
            }
        }
    }
    CleanTable {
        n_rows,
        n_cols,
        header_rows,
        cells: out,
        col_headers,
        restarts,
        row_labels,
        label_col,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use finloom_plugin_api::{Cell, Row};
    use finloom_plugin_kit::testing;

    /// Test helper: a cell `text` with `colspan`.
    pub fn c(text: &str, colspan: u32) -> Cell {
        Cell {
            colspan,
            ..testing::cell(text)
        }
    }

    pub fn table(rows: Vec<Vec<Cell>>) -> Table {
        Table {
            block: 0,
            rows: rows
                .into_iter()
                .map(|cells| Row {
                    cells: cells.into_iter().collect(),
                })
                .collect(),
        }
    }

    /// The Apple statement layout: spacer row, "Years ended" over three year columns, `$`
    /// in its own cell in one row and spanned by the number in the next.
    pub fn apple_like() -> Table {
        table(vec![
            vec![
                c("", 1),
                c("", 1),
                c("", 1),
                c("", 1),
                c("", 1),
                c("", 1),
                c("", 1),
            ],
            vec![c("", 1), c("Years ended", 6)],
            vec![c("", 1), c("2024", 3), c("2023", 3)],
            vec![c("Net sales:", 1), c("", 3), c("", 3)],
            vec![
                c("Products", 1),
                c("$", 1),
                c("294,866", 1),
                c("", 1),
                c("$", 1),
                c("298,085", 1),
                c("", 1),
            ],
            vec![
                c("Services", 1),
                c("96,169", 2),
                c("", 1),
                c("85,200", 2),
                c("", 1),
            ],
            vec![
                c("Other", 1),
                c("(1,234", 2),
                c(")", 1),
                c("—", 2),
                c("", 1),
            ],
        ])
    }

    fn text_at(t: &CleanTable, r: usize, col: usize) -> Option<&str> {
        t.cell(r, col).map(|c| c.text.as_str())
    }

    #[test]
    fn apple_layout_collapses_to_label_plus_two_columns() {
        let t = clean_table(&apple_like(), 64);
        assert_eq!(t.n_cols, 3, "{t:#?}");
        assert_eq!(t.n_rows, 6);
        assert_eq!(t.header_rows, 2);
        assert_eq!(text_at(&t, 3, 1), Some("$ 294,866"));
        assert_eq!(text_at(&t, 4, 1), Some("96,169"));
        assert_eq!(text_at(&t, 4, 2), Some("85,200"));
        assert_eq!(text_at(&t, 5, 1), Some("(1,234)"));
        assert_eq!(t.col_headers[1].as_deref(), Some("Years ended / 2024"));
        assert_eq!(t.col_headers[2].as_deref(), Some("Years ended / 2023"));
        assert_eq!(t.row_labels[4].as_deref(), Some("Services"));
        assert!(t.label_col);
    }

    /// Two blocks of one stacked table, each under its own header; `second_title` is the
    /// second block's title of the first value column.
    fn stacked(second_title: &str) -> Table {
        table(vec![
            vec![c("(Millions)", 1), c("Year Ended December 31, 2024", 2)],
            vec![c("Sales", 1), c("Americas", 1), c("EMEA", 1)],
            vec![c("Merchant", 1), c("4,572", 1), c("2,765", 1)],
            vec![c("(Millions)", 1), c("Year Ended December 31, 2023", 2)],
            vec![c("Sales", 1), c(second_title, 1), c("EMEA", 1)],
            vec![c("Merchant", 1), c("4,370", 1), c("2,773", 1)],
        ])
    }

    #[test]
    fn a_repeated_header_block_heads_the_rows_below_it() {
        let t = clean_table(&stacked("Americas"), 64);
        assert_eq!(t.header_rows, 2);
        assert_eq!(
            t.col_header(2, 1),
            Some("Year Ended December 31, 2024 / Americas")
        );
        assert_eq!(
            t.col_header(5, 1),
            Some("Year Ended December 31, 2023 / Americas")
        );
        assert_eq!(
            t.col_header(5, 2),
            Some("Year Ended December 31, 2023 / EMEA")
        );
        // The repeated rows are header rows, not rows labelled "(Millions)" or "Sales".
        for r in [3, 4] {
            assert!(t.cells.iter().filter(|c| c.row == r).all(|c| c.is_header));
            assert_eq!(t.row_labels[r], None);
        }
        assert_eq!(t.row_labels[5].as_deref(), Some("Merchant"));
        assert!(!t.cell(5, 1).unwrap().is_header);
    }

    #[test]
    fn a_repeated_block_may_retitle_a_column() {
        // The year row repeats (years aside); the titles row below it is matched by layout.
        let t = clean_table(&stacked("Americas (restated)"), 64);
        assert_eq!(
            t.col_header(5, 1),
            Some("Year Ended December 31, 2023 / Americas (restated)")
        );
        assert!(t.cells.iter().filter(|c| c.row == 4).all(|c| c.is_header));
    }

    #[test]
    fn a_row_of_periods_restates_the_header() {
        let t = clean_table(
            &table(vec![
                vec![c("", 1), c("2024", 1), c("2023", 1), c("2022", 1)],
                vec![c("Lease expense", 1), c("239", 1), c("207", 1), c("199", 1)],
                vec![
                    c("Balance sheet", 1),
                    c("", 1),
                    c("December 31, 2024", 1),
                    c("December 31, 2023", 1),
                ],
                vec![c("ROU assets", 1), c("", 1), c("1,084", 1), c("1,052", 1)],
            ]),
            64,
        );
        assert_eq!(t.col_header(1, 2), Some("2023"));
        assert_eq!(t.col_header(3, 2), Some("December 31, 2024"));
        assert_eq!(t.col_header(3, 3), Some("December 31, 2023"));
        assert!(t.cells.iter().filter(|c| c.row == 2).all(|c| c.is_header));
    }

    #[test]
    fn a_new_block_under_periods_of_its_own_has_its_own_header() {
        // Stryker's segment assets over two years, then purchases of property over three,
        // captioned with a colon.
        let t = clean_table(
            &table(vec![
                vec![c("Assets:", 1), c("2024", 1), c("2023", 1), c("", 1)],
                vec![
                    c("Orthopaedics", 1),
                    c("18,507", 1),
                    c("18,023", 1),
                    c("", 1),
                ],
                vec![
                    c("Purchases of property, plant and equipment:", 1),
                    c("2024", 1),
                    c("2023", 1),
                    c("2022", 1),
                ],
                vec![c("Orthopaedics", 1), c("230", 1), c("179", 1), c("173", 1)],
            ]),
            64,
        );
        assert_eq!(t.restarts.len(), 1, "{t:#?}");
        assert!(t.cell(2, 3).unwrap().is_header);
        assert_eq!(t.col_header(3, 3), Some("2022"));
        assert_eq!(t.col_header(3, 1), Some("2024"));
        // Vulcan: the header's own caption over other columns, years this time.
        let t = clean_table(
            &table(vec![
                vec![
                    c("in thousands", 1),
                    c("Before-tax Amount", 1),
                    c("Tax (Expense) Benefit", 1),
                ],
                vec![c("Cash flow hedges", 1), c("19,619", 1), c("(8,910)", 1)],
                vec![c("in thousands", 1), c("2012", 1), c("2011", 1)],
                vec![c("Cash flow hedges", 1), c("(28,170)", 1), c("(31,986)", 1)],
            ]),
            64,
        );
        assert_eq!(t.restarts.len(), 1, "{t:#?}");
        assert_eq!(t.col_header(1, 1), Some("Before-tax Amount"));
        assert_eq!(t.col_header(3, 1), Some("2012"));
        assert_eq!(t.col_header(3, 2), Some("2011"));
        // A row of years that are values, labelled as a row, stays a row even where it shares
        // a year with the header.
        let t = clean_table(
            &table(vec![
                vec![c("", 1), c("2031", 1), c("2030", 1)],
                vec![c("Principal", 1), c("500", 1), c("750", 1)],
                vec![c("Matures", 1), c("2031", 1), c("2033", 1)],
            ]),
            64,
        );
        assert!(t.restarts.is_empty(), "{t:#?}");
        assert_eq!(t.row_labels[2].as_deref(), Some("Matures"));
    }

    #[test]
    fn a_period_caption_without_its_year_leaves_a_row_of_titles_a_header() {
        // Linde's expected benefit payments: "Year Ended December 31," in the label column
        // beside "U.S. | Non-U.S." (the day's digits made it look like data, and both
        // columns were headed "Pensions" alone).
        let t = clean_table(
            &table(vec![
                vec![c("(Millions of dollars)", 1), c("Pensions", 2)],
                vec![
                    c("Year Ended December 31,", 1),
                    c("U.S.", 1),
                    c("Non-U.S.", 1),
                ],
                vec![c("2025", 1), c("$ 212", 1), c("$ 371", 1)],
                vec![c("2026", 1), c("162", 1), c("364", 1)],
            ]),
            64,
        );
        assert_eq!(t.header_rows, 2, "{t:#?}");
        assert_eq!(t.col_header(2, 1), Some("Pensions / U.S."));
        assert_eq!(t.col_header(2, 2), Some("Pensions / Non-U.S."));
    }

    #[test]
    fn a_period_caption_in_the_label_column_is_a_header_row() {
        // Marsh & McLennan's pension cost: the first row titles the label column, the second
        // holds the period caption beside the groups' second lines, the third the years.
        let t = clean_table(
            &table(vec![
                vec![
                    c("Combined U.S. and significant non-U.S. Plans", 1),
                    c("Pension", 2),
                    c("Post-retirement", 2),
                ],
                vec![
                    c("For the Years Ended December 31,", 1),
                    c("Benefits", 2),
                    c("Benefits", 2),
                ],
                vec![
                    c("(In millions)", 1),
                    c("2024", 1),
                    c("2023", 1),
                    c("2024", 1),
                    c("2023", 1),
                ],
                vec![
                    c("Interest cost", 1),
                    c("579", 1),
                    c("599", 1),
                    c("3", 1),
                    c("3", 1),
                ],
            ]),
            64,
        );
        assert_eq!(t.header_rows, 3, "{t:#?}");
        assert_eq!(t.col_header(3, 2), Some("Pension / Benefits / 2023"));
        assert_eq!(
            t.col_header(3, 3),
            Some("Post-retirement / Benefits / 2024")
        );
    }

    #[test]
    fn a_row_of_other_years_is_a_row() {
        // Years that are values (when notes expire), not the header's periods.
        let t = clean_table(
            &table(vec![
                vec![c("", 1), c("2024", 1), c("2023", 1)],
                vec![c("Principal", 1), c("500", 1), c("750", 1)],
                vec![c("Matures", 1), c("2031", 1), c("2033", 1)],
                vec![c("Rate", 1), c("4.5 %", 1), c("5.0 %", 1)],
            ]),
            64,
        );
        assert!(t.restarts.is_empty());
        assert!(!t.cell(2, 1).unwrap().is_header);
        assert_eq!(t.row_labels[2].as_deref(), Some("Matures"));
        assert_eq!(t.col_header(3, 1), Some("2024"));
    }

    #[test]
    fn a_title_drawn_narrower_than_its_numbers_keeps_its_column() {
        // Norfolk Southern 2009: the 2008 amounts span one column into the columns "2007"
        // heads; both amount columns were headed "2007" and "2008" was lost.
        let t = clean_table(
            &table(vec![
                vec![c("", 1), c("As of December 31,", 5)],
                vec![c("", 1), c("2008", 2), c("2007", 3)],
                vec![c("Cash", 1), c("$", 1), c("618", 2), c("$", 1), c("206", 1)],
                vec![
                    c("Receivables", 1),
                    c("", 1),
                    c("870", 2),
                    c("", 1),
                    c("942", 1),
                ],
            ]),
            64,
        );
        assert_eq!(t.n_cols, 3, "{t:#?}");
        assert_eq!(t.col_header(2, 1), Some("As of December 31, / 2008"));
        assert_eq!(t.col_header(2, 2), Some("As of December 31, / 2007"));
        assert_eq!(text_at(&t, 1, 1), Some("2008"));
        assert_eq!(text_at(&t, 1, 2), Some("2007"));
        assert_eq!(text_at(&t, 2, 1), Some("$ 618"));
    }

    #[test]
    fn a_title_alone_in_the_label_column_leaves_the_years_the_header() {
        for title in [
            c("For the Years Ended December 31,", 1),
            c("STATEMENTS OF CASH FLOWS", 3),
        ] {
            let t = clean_table(
                &table(vec![
                    vec![title],
                    vec![c("(In millions)", 1), c("2024", 1), c("2023", 1)],
                    vec![c("Net income", 1), c("4,117", 1), c("3,802", 1)],
                ]),
                64,
            );
            assert_eq!(t.header_rows, 2, "{t:#?}");
            // The years head the columns; the title heads the table, not a column.
            assert_eq!(t.col_header(2, 1), Some("2024"));
            assert_eq!(t.col_header(2, 2), Some("2023"));
            assert_eq!(t.row_labels[2].as_deref(), Some("Net income"));
        }
        // Over rows of data the title stays the first row.
        let t = clean_table(
            &table(vec![
                vec![c("Revenue:", 1)],
                vec![c("Products", 1), c("294,866", 1), c("298,085", 1)],
            ]),
            64,
        );
        assert_eq!(t.header_rows, 0);
    }

    /// A fair-value table: column groups, then titles naming the label column, then
    /// `between` rows, then amounts.
    fn fair_value(level_1: &str, between: Vec<Vec<Cell>>) -> CleanTable {
        let mut rows = vec![
            vec![c("", 1), c("", 1), c("Fair Value Measurements Using", 2)],
            vec![
                c("Asset Class", 1),
                c("Total", 1),
                c(level_1, 1),
                c("Significant Unobservable Inputs", 1),
            ],
        ];
        rows.extend(between);
        rows.push(vec![
            c("U.S.", 1),
            c("1,905.6", 1),
            c("602.4", 1),
            c("0.3", 1),
        ]);
        clean_table(&table(rows), 64)
    }

    #[test]
    fn titles_over_section_labels_and_levels_join_the_header() {
        // Section labels alone in the label column sit between the titles and the amounts.
        let sections = vec![
            vec![c("Defined Benefit Pension Plans", 1)],
            vec![c("Public equity securities:", 1)],
        ];
        let t = fair_value("Quoted Prices in Active Markets", sections);
        assert_eq!(t.header_rows, 2, "{t:#?}");
        assert_eq!(t.col_header(4, 1), Some("Total"));
        // A fair-value level's digit leaves a title a title.
        let t = fair_value("Quoted Prices (Level 1)", Vec::new());
        assert_eq!(t.header_rows, 2, "{t:#?}");
        assert_eq!(
            t.col_header(2, 2),
            Some("Fair Value Measurements Using / Quoted Prices (Level 1)")
        );
    }

    #[test]
    fn a_title_merged_into_its_numbers_column_heads_it() {
        // "Term" sits left of its numbers' anchor; "Price" spans that column and its own.
        let t = clean_table(
            &table(vec![
                vec![c("Lessee", 1), c("Term", 1), c("Price", 2)],
                vec![c("Acme", 1), c("36", 2), c("$13,555", 1)],
                vec![c("Beta", 1), c("48", 2), c("$13,220", 1)],
            ]),
            64,
        );
        assert_eq!(t.n_cols, 3, "{t:#?}");
        assert_eq!(t.col_header(1, 1), Some("Term"));
        assert_eq!(t.col_header(1, 2), Some("Price"));
        assert_eq!(text_at(&t, 0, 2), Some("Price"));
    }

    #[test]
    fn a_year_with_a_footnote_marker_is_a_title() {
        // "2024 1": a superscript note number the reader set apart (Norfolk Southern's
        // "2005<sup>1</sup>" over its five-year summary).
        for marked in ["2024 (1)", "2024(a)", "2024*", "2024 1", "2024 12"] {
            let t = clean_table(
                &table(vec![
                    vec![c("", 1), c("2025", 1), c(marked, 1)],
                    vec![
                        c("Land and buildings", 1),
                        c("$ 2,118,530", 1),
                        c("$ 2,077,384", 1),
                    ],
                ]),
                64,
            );
            assert_eq!(t.header_rows, 1, "{marked}: {t:#?}");
            assert_eq!(t.col_header(1, 2), Some(marked));
            assert!(t.cell(0, 2).unwrap().is_header);
        }
    }

    #[test]
    fn years_with_superscript_notes_beside_a_row_label_are_data() {
        // Vertex's patents: each product's expiry years, some with a note number. A row with
        // a label is not a header for its superscript years.
        let t = clean_table(
            &table(vec![
                vec![
                    c("Product", 1),
                    c("Expiration Year of U.S. Basic Product Patent", 1),
                    c("Expiration Year of European Basic Product Patent", 1),
                ],
                vec![c("KALYDECO", 1), c("2027", 1), c("2027 1", 1)],
                vec![c("ORKAMBI", 1), c("2031", 1), c("2030 1", 1)],
            ]),
            64,
        );
        assert_eq!(t.header_rows, 1, "{t:#?}");
        assert!(!t.cell(1, 2).unwrap().is_header);
        assert_eq!(
            t.col_header(1, 2),
            Some("Expiration Year of European Basic Product Patent")
        );
    }

    #[test]
    fn a_year_opening_a_row_of_amounts_is_its_label() {
        // Apple's term-debt maturities: each year spans the label columns like "Thereafter".
        let t = clean_table(
            &table(vec![
                vec![c("2025", 3), c("$", 1), c("10,930", 1)],
                vec![c("2026", 3), c("12,342", 2)],
                vec![c("2027", 3), c("9,936", 2)],
                vec![c("Thereafter", 3), c("51,180", 2)],
                vec![c("Total term debt principal", 3), c("$", 1), c("97,341", 1)],
            ]),
            64,
        );
        assert!(t.label_col, "{t:#?}");
        assert_eq!(text_at(&t, 0, 0), Some("2025"));
        assert_eq!(t.row_labels[1].as_deref(), Some("2026"));
        // Years in the label column of a schedule with one text row: still labels.
        let t = clean_table(
            &table(vec![
                vec![c("2025", 1), c("1,522", 1)],
                vec![c("2026", 1), c("1,147", 1)],
                vec![c("2027", 1), c("745", 1)],
                vec![c("Total", 1), c("3,414", 1)],
            ]),
            64,
        );
        assert!(t.label_col, "{t:#?}");
        assert_eq!(t.row_labels[2].as_deref(), Some("2027"));
        // A row of years alone is no row of amounts: it does not make its years labels.
        let t = clean_table(
            &table(vec![
                vec![c("2025", 1), c("2024", 1)],
                vec![c("1,522", 1), c("1,147", 1)],
                vec![c("745", 1), c("578", 1)],
            ]),
            64,
        );
        assert!(!t.label_col, "{t:#?}");
    }

    #[test]
    fn a_title_between_header_rows_over_periods_is_part_of_the_header() {
        // Marsh & McLennan's pension cost: the plan groups, a title alone in the label column,
        // then "(In millions)" over the years.
        let t = clean_table(
            &table(vec![
                vec![
                    c("U.S. Plans only", 1),
                    c("Pension Benefits", 2),
                    c("Post-retirement", 2),
                ],
                vec![c("For the Years Ended December 31,", 1), c("", 4)],
                vec![
                    c("(In millions)", 1),
                    c("2024", 1),
                    c("2023", 1),
                    c("2024", 1),
                    c("2023", 1),
                ],
                vec![
                    c("Interest cost", 1),
                    c("$ 193", 1),
                    c("$ 260", 1),
                    c("$ 1", 1),
                    c("$ 1", 1),
                ],
            ]),
            64,
        );
        assert_eq!(t.header_rows, 3, "{t:#?}");
        assert_eq!(t.col_header(3, 1), Some("Pension Benefits / 2024"));
        assert_eq!(t.col_header(3, 4), Some("Post-retirement / 2023"));
        // A title over amounts, not periods, is a data row as before.
        let t = clean_table(
            &table(vec![
                vec![c("", 1), c("2024", 1), c("2023", 1)],
                vec![c("Operating activities:", 1), c("", 2)],
                vec![c("Net income", 1), c("$ 193", 1), c("$ 260", 1)],
            ]),
            64,
        );
        assert_eq!(t.header_rows, 1, "{t:#?}");
    }

    #[test]
    fn absurd_colspan_is_clamped() {
        let t = clean_table(
            &table(vec![
                vec![c("A", 376967340), c("1", 1)],
                vec![c("B", 1), c("2", 1)],
            ]),
            64,
        );
        assert!(t.n_cols <= 3, "{t:#?}");
        assert_eq!(t.n_rows, 2);
    }

    #[test]
    fn percent_cell_joins_left_number() {
        let t = clean_table(
            &table(vec![
                vec![c("", 1), c("2024", 2)],
                vec![c("Gross margin", 1), c("46.2", 1), c("%", 1)],
            ]),
            64,
        );
        assert_eq!(text_at(&t, 1, 1), Some("46.2%"));
        assert_eq!(t.n_cols, 2);
    }

    #[test]
    fn percent_cell_joins_parenthesised_number() {
        let t = clean_table(
            &table(vec![
                vec![c("", 1), c("2022", 2)],
                vec![c("Effective tax rate", 1), c("(3.6", 1), c(")%", 1)],
                vec![c("Other", 1), c("(3.6)", 1), c("%", 1)],
            ]),
            64,
        );
        assert_eq!(text_at(&t, 1, 1), Some("(3.6)%"));
        assert_eq!(text_at(&t, 2, 1), Some("(3.6)%"));
        assert_eq!(t.n_cols, 2);
    }

    #[test]
    fn points_cell_joins_parenthesised_number() {
        // Union Pacific: "(2.4)" then "pts" in the cell after it, "2.2" then "pts".
        let t = clean_table(
            &table(vec![
                vec![c("", 1), c("% Change", 2)],
                vec![c("Operating ratio (%)", 1), c("(2.4)", 1), c("pts", 1)],
                vec![c("Other", 1), c("2.2", 1), c("pts", 1)],
            ]),
            64,
        );
        assert_eq!(text_at(&t, 1, 1), Some("(2.4)pts"));
        assert_eq!(text_at(&t, 2, 1), Some("2.2pts"));
        assert_eq!(t.n_cols, 2);
    }

    #[test]
    fn text_table_first_row_is_header() {
        let t = clean_table(
            &table(vec![
                vec![c("Name", 1), c("Age", 1), c("Position", 1)],
                vec![
                    c("Tim Cook", 1),
                    c("63", 1),
                    c("Chief Executive Officer", 1),
                ],
            ]),
            64,
        );
        assert_eq!(t.header_rows, 1);
        assert_eq!(t.col_headers[2].as_deref(), Some("Position"));
    }

    #[test]
    fn rowspan_keeps_columns_aligned() {
        let mut first = c("Group", 1);
        first.rowspan = 2;
        let t = clean_table(
            &table(vec![
                vec![c("", 1), c("2024", 1), c("2023", 1)],
                vec![first, c("1", 1), c("2", 1)],
                vec![c("3", 1), c("4", 1)],
            ]),
            64,
        );
        assert_eq!(text_at(&t, 2, 1), Some("3"));
        assert_eq!(text_at(&t, 2, 2), Some("4"));
        assert_eq!(t.row_labels[2].as_deref(), Some("Group"));
    }

    #[test]
    fn caption_cell_beside_years_is_a_header_row() {
        let t = clean_table(
            &table(vec![
                vec![c("(In millions)", 1), c("2024", 1), c("2023", 1)],
                vec![c("Cash", 1), c("100", 1), c("90", 1)],
            ]),
            64,
        );
        assert_eq!(t.header_rows, 1);
        assert_eq!(t.col_headers[1].as_deref(), Some("2024"));
        assert_eq!(t.row_labels[1].as_deref(), Some("Cash"));
    }

    /// Under column groups, a row of titles that also names the label column is the header's
    /// last row when amounts follow — with "$" in cells of their own or not — and a row when
    /// text follows (an exhibit index).
    #[test]
    fn titles_naming_the_label_column() {
        let options = |dollar_cells: bool| {
            let mut body = vec![c("$51.86-$77.00", 1), c("1.0", 1)];
            // Union Pacific's row: markers and "$" in cells of their own.
            if dollar_cells {
                body.extend([c("[1]", 1), c("$", 1), c("65.25", 1), c("[1]", 1)]);
            } else {
                body.extend([c("", 1), c("", 1), c("$ 65.25", 1), c("", 1)]);
            }
            table(vec![
                vec![c("", 1), c("Options Outstanding", 5)],
                vec![
                    c("Range of Exercise Prices", 1),
                    c("Number of Shares", 2),
                    c("Weighted-Average Exercise Price", 3),
                ],
                body,
            ])
        };
        for dollar_cells in [false, true] {
            let t = clean_table(&options(dollar_cells), 50);
            assert_eq!(t.header_rows, 2, "dollar cells: {dollar_cells}");
            assert_eq!(
                t.col_headers[1].as_deref(),
                Some("Options Outstanding / Number of Shares")
            );
            assert_eq!(t.row_labels[2].as_deref(), Some("$51.86-$77.00"));
        }
        let exhibits = table(vec![
            vec![c("", 1), c("", 1), c("Incorporated by Reference", 2)],
            vec![
                c("Exhibit Number", 1),
                c("Description", 1),
                c("Form", 1),
                c("Filed Herewith", 1),
            ],
            vec![
                c("101.PRE", 1),
                c("Inline XBRL Presentation Linkbase", 1),
                c("", 1),
                c("X", 1),
            ],
        ]);
        let t = clean_table(&exhibits, 50);
        assert_eq!(t.header_rows, 1);
        assert!(
            t.cells.iter().any(|c| c.text == "Form"),
            "no title is dropped"
        );
    }
}

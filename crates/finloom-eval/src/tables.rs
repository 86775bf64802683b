//! `finloom eval tables`: the `table_cells` values against the filings' own inline XBRL.
//!
//! No peer tool types table cells, but an inline-XBRL filing states the value of most numbers
//! in its financial tables itself: an `ix:nonFraction` element wraps the displayed number and
//! says its `scale` (a power of ten) and, with `sign="-"`, that the amount is negative. That is
//! evidence independent of everything the `tables` plugin does (grid cleaning, scale notes,
//! per-share exemptions, parentheses), so it is the yardstick here.
//!
//! For every inline-XBRL filing in the database (`filings.source_path`, re-read with
//! `finloom_ingest::read_filing`) and every numeric fact the document model places inside a
//! table cell:
//!
//! * **expected value** — computed here from the fact alone: the displayed number read with
//!   the fact's `format` (`num-dot-decimal`, `num-comma-decimal`, `fixed-zero`, number words)
//!   × 10^`scale`, negated when `sign="-"`;
//! * **the cell** — the `table_cells` row of that table (`table_index` is the table's index in
//!   the document) whose `xbrl_fact_index` is the index of the cell's fact;
//! * **agreement** — `value_normalized` has the expected magnitude (relative tolerance 1e-9)
//!   and is negative wherever the fact has `sign="-"`. A number shown in parentheses without
//!   `sign="-"` (a payment line of a cash-flow statement) is negative as displayed while the
//!   fact is positive: that is a presentation choice, not an error, and agrees. A dash tagged
//!   as a zero fact (`ixt:fixed-zero`) agrees when the cell holds no amount (NULL: a dash is
//!   no amount, the plugin's rule) or zero.
//!
//! Only **value cells** count towards the rate: cells whose only number is the fact's (a
//! footnote marker may follow). Facts inside text — a par value in a row label ("Common stock,
//! $0.00001 par value: …"), the two ends of a range ("0.03% – 6.65%"), a rate in a sentence —
//! are counted and shown but have no single cell value to compare.
//!
//! The `tables` plugin takes one thing from the fact: `sign="-"` makes `value_normalized`
//! negative where the statement prints the number without parentheses (a decrease in
//! receivables on a cash-flow statement). For those cells the sign check shows that the rule
//! is applied rather than giving independent evidence; the report counts them
//! ("sign=\"-\" printed positive"). Magnitudes are never taken from the fact.
//!
//! Facts that display nothing (`xsi:nil="true"`, often an empty element beside a printed
//! dash) have no number to compare; they are counted apart.
//!
//! A fact is **missed** when no cell of its table carries its concept at all (its table was
//! classified as layout, or its cell was dropped); it is **unlinked** when cells of the table
//! carry the concept but none is linked to this fact.
//!
//! Target: agreement ≥ [`TARGET_AGREEMENT`] over all value cells of all inline-XBRL filings.

use crate::{EvalError, Report, Result};
use finloom_plugin_api::{Document, IxFact};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Share of tagged value cells whose `value_normalized` agrees with the fact.
pub const TARGET_AGREEMENT: f64 = 0.995;

/// How many disagreements (and missed facts) the report lists by name.
const SHOW: usize = 25;

/// One database cell linked to a fact.
#[derive(Debug, Clone)]
struct DbCell {
    row: i64,
    col: i64,
    raw_text: String,
    row_label: Option<String>,
    value_normalized: Option<f64>,
}

/// What one filing's tables hold, from the database.
#[derive(Debug, Default)]
struct DbFiling {
    /// (table_index, xbrl_fact_index) → cell.
    by_fact: HashMap<(i64, i64), DbCell>,
    /// (table_index, concept) of every cell with a concept.
    concepts: HashSet<(i64, String)>,
    /// table_index → kind.
    kinds: HashMap<i64, String>,
}

/// Counts for one filing (and, summed, overall).
#[derive(Debug, Default, Clone)]
struct Tally {
    /// Numeric facts inside table cells.
    facts: usize,
    /// Of those, in value cells linked to a database cell.
    value_cells: usize,
    /// Value cells agreeing (magnitude and sign rule).
    agree: usize,
    /// Value cells with the right magnitude (sign aside).
    magnitude: usize,
    /// Value cells whose fact has sign="-" …
    negative_facts: usize,
    /// … and whose value_normalized is negative.
    negative_ok: usize,
    /// Dashes tagged as zero facts, agreeing by being NULL/0.
    nil: usize,
    /// Shown negative while the fact is positive (presentation; agrees).
    shown_negative: usize,
    /// sign="-" facts printed without parentheses or minus.
    minus_printed_positive: usize,
    /// Facts in text cells (not in the rate).
    in_text: usize,
    /// Facts with nothing displayed (`xsi:nil="true"`, an empty element next to a printed
    /// dash): no number to compare (not in the rate).
    nil_facts: usize,
    /// Of those, linked to a cell that nevertheless holds a value.
    nil_with_value: usize,
    /// Facts whose table has no cell with their concept.
    missed: usize,
    /// Facts whose table has their concept but no cell linked to them.
    unlinked: usize,
    /// Facts whose displayed text could not be read as a number.
    unreadable: usize,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.facts += o.facts;
        self.value_cells += o.value_cells;
        self.agree += o.agree;
        self.magnitude += o.magnitude;
        self.negative_facts += o.negative_facts;
        self.negative_ok += o.negative_ok;
        self.nil += o.nil;
        self.shown_negative += o.shown_negative;
        self.minus_printed_positive += o.minus_printed_positive;
        self.in_text += o.in_text;
        self.nil_facts += o.nil_facts;
        self.nil_with_value += o.nil_with_value;
        self.missed += o.missed;
        self.unlinked += o.unlinked;
        self.unreadable += o.unreadable;
    }

    fn rate(&self) -> Option<f64> {
        (self.value_cells > 0).then(|| self.agree as f64 / self.value_cells as f64)
    }

    fn json(&self) -> Value {
        let share = |n: usize, d: usize| (d > 0).then(|| n as f64 / d as f64);
        json!({
            "tagged_facts_in_tables": self.facts,
            "value_cells": self.value_cells,
            "agree": self.agree,
            "agreement": self.rate(),
            "magnitude_agree": self.magnitude,
            "magnitude_agreement": share(self.magnitude, self.value_cells),
            "sign_minus_facts": self.negative_facts,
            "sign_minus_negative": self.negative_ok,
            "sign_agreement": share(self.negative_ok, self.negative_facts),
            "dash_cells_tagged_zero": self.nil,
            "shown_negative_fact_positive": self.shown_negative,
            "sign_minus_printed_positive": self.minus_printed_positive,
            "facts_in_text_cells": self.in_text,
            "nil_facts": self.nil_facts,
            "nil_facts_in_cells_with_a_value": self.nil_with_value,
            "missed": self.missed,
            "unlinked": self.unlinked,
            "unreadable_facts": self.unreadable,
        })
    }
}

fn pct(v: Option<f64>) -> String {
    v.map_or("n/a".to_string(), |v| format!("{:.2} %", v * 100.0))
}

/// Evaluates the `tables` output in the database at `db` against the inline XBRL of the
/// filings it was built from. `expected` (the peer outputs) is not used: no peer types cells.
pub fn run(db: &Path, expected: &Path) -> Result<Report> {
    let _ = expected;
    let conn = finloom_store::open_ro(db)?;
    let filings = read_filings(&conn)?;
    let mut per_db: BTreeMap<String, DbFiling> = BTreeMap::new();
    for (acc, _, _) in &filings {
        per_db.insert(acc.clone(), read_cells(&conn, acc)?);
    }
    drop(conn);

    let mut text = String::new();
    let _ = writeln!(
        text,
        "finloom eval tables — table_cells against the filings' inline XBRL\n  database: {}\n",
        db.display()
    );
    let _ = writeln!(
        text,
        "  {:<22} {:<6} {:>6} {:>6} {:>9} {:>10} {:>9} {:>5} {:>5} {:>5} {:>7} {:>9}",
        "filing",
        "form",
        "facts",
        "cells",
        "agree",
        "magnitude",
        "sign=-",
        "dash",
        "nil",
        "text",
        "missed",
        "unlinked"
    );
    let mut overall = Tally::default();
    let mut filings_json = Vec::new();
    let mut disagreements: Vec<Value> = Vec::new();
    let mut missed_facts: Vec<Value> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut n_ixbrl = 0usize;

    for (acc, form, source_path) in &filings {
        let Some(path) = source_path else {
            notes.push(format!("{acc}: no source_path, left out"));
            continue;
        };
        let filing = match finloom_ingest::read_filing(&PathBuf::from(path)) {
            Ok(f) => f,
            Err(e) => {
                notes.push(format!("{acc}: cannot re-read {path} ({e}), left out"));
                continue;
            }
        };
        let doc = &filing.document;
        if !doc.facts.iter().any(|f| f.numeric) {
            continue; // not an inline-XBRL filing
        }
        n_ixbrl += 1;
        let dbf = &per_db[acc];
        let t = check_filing(acc, doc, dbf, &mut disagreements, &mut missed_facts);
        let _ = writeln!(
            text,
            "  {:<22} {:<6} {:>6} {:>6} {:>9} {:>10} {:>9} {:>5} {:>5} {:>5} {:>7} {:>9}",
            acc,
            form,
            t.facts,
            t.value_cells,
            pct(t.rate()),
            pct((t.value_cells > 0).then(|| t.magnitude as f64 / t.value_cells as f64)),
            format!("{}/{}", t.negative_ok, t.negative_facts),
            t.nil,
            t.nil_facts,
            t.in_text,
            t.missed,
            t.unlinked
        );
        let mut fj = t.json();
        fj["accession"] = json!(acc);
        fj["form"] = json!(form);
        fj["source_path"] = json!(path);
        filings_json.push(fj);
        overall.add(&t);
    }

    let _ = writeln!(
        text,
        "  {:<22} {:<6} {:>6} {:>6} {:>9} {:>10} {:>9} {:>5} {:>5} {:>5} {:>7} {:>9}",
        "overall",
        "",
        overall.facts,
        overall.value_cells,
        pct(overall.rate()),
        pct((overall.value_cells > 0)
            .then(|| overall.magnitude as f64 / overall.value_cells as f64)),
        format!("{}/{}", overall.negative_ok, overall.negative_facts),
        overall.nil,
        overall.nil_facts,
        overall.in_text,
        overall.missed,
        overall.unlinked
    );
    let _ = writeln!(
        text,
        "\n  facts: numeric ix facts inside table cells; cells: value cells linked to one (the rate's base);\n  agree: value_normalized has the fact's magnitude and is negative where sign=\"-\"; sign=-: such\n  cells negative / sign=\"-\" facts; dash: dashes tagged zero (NULL agrees); nil: facts that\n  display nothing, not rated; text: facts in text cells (labels, ranges), not rated; missed:\n  no cell of the table has the concept; unlinked: cells have the concept but not this fact."
    );
    let _ = writeln!(
        text,
        "  nil facts (nothing displayed, e.g. xsi:nil next to a printed dash; not rated): {}{}",
        overall.nil_facts,
        if overall.nil_with_value > 0 {
            format!(
                ", {} of them in a cell holding a value",
                overall.nil_with_value
            )
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        text,
        "  shown negative while the fact is positive (presentation, agrees): {}",
        overall.shown_negative
    );
    let _ = writeln!(
        text,
        "  sign=\"-\" facts printed without parentheses (made negative from the fact's sign): {}",
        overall.minus_printed_positive
    );
    if overall.unreadable > 0 {
        let _ = writeln!(
            text,
            "  facts whose display is not a number (left out): {}",
            overall.unreadable
        );
    }
    if !disagreements.is_empty() {
        let _ = writeln!(
            text,
            "\n  disagreements ({} in all, first {} shown):",
            disagreements.len(),
            disagreements.len().min(SHOW)
        );
        for d in disagreements.iter().take(SHOW) {
            let _ = writeln!(text, "    {}", d["line"].as_str().unwrap_or(""));
        }
    }
    if !missed_facts.is_empty() {
        let _ = writeln!(
            text,
            "\n  missed facts ({} in all, first {} shown):",
            missed_facts.len(),
            missed_facts.len().min(SHOW)
        );
        for d in missed_facts.iter().take(SHOW) {
            let _ = writeln!(text, "    {}", d["line"].as_str().unwrap_or(""));
        }
    }
    for n in &notes {
        let _ = writeln!(text, "  note: {n}");
    }

    let mut missed = Vec::new();
    let rate = overall.rate();
    match rate {
        None if n_ixbrl == 0 => missed.push(
            "no inline-XBRL filing in the database: nothing to measure the tables against".into(),
        ),
        None => missed.push("no tagged value cell found in the inline-XBRL filings".into()),
        Some(r) if r < TARGET_AGREEMENT - 1e-12 => missed.push(format!(
            "inline-XBRL agreement {:.2} % < {:.1} % ({} of {} tagged value cells)",
            r * 100.0,
            TARGET_AGREEMENT * 100.0,
            overall.agree,
            overall.value_cells
        )),
        Some(_) => {}
    }
    let _ = writeln!(
        text,
        "\ntarget: inline-XBRL agreement ≥ {:.1} % over {} inline-XBRL filings: {} ({})",
        TARGET_AGREEMENT * 100.0,
        n_ixbrl,
        pct(rate),
        if missed.is_empty() { "met" } else { "MISSED" }
    );
    let json = json!({
        "database": db.display().to_string(),
        "inline_xbrl_filings": n_ixbrl,
        "filings": filings_json,
        "overall": overall.json(),
        "target": TARGET_AGREEMENT,
        "disagreements": disagreements,
        "missed_facts": missed_facts,
        "notes": notes,
        "missed": missed,
    });
    Ok(Report { text, json, missed })
}

/// Checks every numeric fact inside a table cell of one filing.
fn check_filing(
    acc: &str,
    doc: &Document,
    dbf: &DbFiling,
    disagreements: &mut Vec<Value>,
    missed_facts: &mut Vec<Value>,
) -> Tally {
    let mut t = Tally::default();
    for (ti, table) in doc.tables.iter().enumerate() {
        let ti = ti as i64;
        for (ri, row) in table.rows.iter().enumerate() {
            for (ci, cell) in row.cells.iter().enumerate() {
                let facts: Vec<(usize, &IxFact)> = cell
                    .facts
                    .iter()
                    .filter_map(|&i| doc.facts.get(i as usize).map(|f| (i as usize, f)))
                    .filter(|(_, f)| f.numeric)
                    .collect();
                let Some(&(first, _)) = facts.first() else {
                    continue;
                };
                let shown: Vec<&IxFact> = facts
                    .iter()
                    .map(|(_, f)| *f)
                    .filter(|f| !f.display.as_str().trim().is_empty())
                    .collect();
                let value_cell =
                    shown.len() == 1 && only_number(cell.text.as_str(), &shown[0].display);
                let linked = dbf.by_fact.get(&(ti, first as i64));
                for &(fi, f) in &facts {
                    t.facts += 1;
                    let name = f.name.as_str();
                    if f.display.as_str().trim().is_empty() {
                        t.nil_facts += 1;
                        if linked.is_some_and(|c| c.value_normalized.is_some()) {
                            t.nil_with_value += 1;
                        }
                        continue;
                    }
                    if linked.is_none() {
                        let kind = dbf.kinds.get(&ti).map(String::as_str).unwrap_or("none");
                        if dbf.concepts.contains(&(ti, name.to_string())) {
                            t.unlinked += 1;
                        } else {
                            t.missed += 1;
                            missed_facts.push(json!({
                                "accession": acc, "table_index": ti, "source_row": ri,
                                "source_cell": ci, "fact_index": fi, "concept": name,
                                "display": f.display.as_str(), "table_kind": kind,
                                "line": format!(
                                    "{acc} tbl/{ti} (kind {kind}) source row {ri} cell {ci}: {name} {:?} — no cell of the table has the concept",
                                    f.display.as_str()
                                ),
                            }));
                        }
                        continue;
                    }
                    if !value_cell {
                        t.in_text += 1;
                        continue;
                    }
                    let Some(cell_db) = linked else { continue };
                    let Some(expected) = expected_value(f) else {
                        t.unreadable += 1;
                        continue;
                    };
                    t.value_cells += 1;
                    let vn = cell_db.value_normalized;
                    let is_dash = is_dash_text(f.display.as_str());
                    let (mag_ok, sign_ok) = if expected == 0.0 {
                        let ok = vn.is_none_or(|v| v == 0.0);
                        if ok && vn.is_none() && is_dash {
                            t.nil += 1;
                        }
                        (ok, ok)
                    } else {
                        let mag = vn.is_some_and(|v| close(v.abs(), expected.abs()));
                        let sign = !f.negative || vn.is_some_and(|v| v < 0.0);
                        (mag, sign)
                    };
                    if mag_ok {
                        t.magnitude += 1;
                    }
                    if f.negative && expected != 0.0 {
                        t.negative_facts += 1;
                        if !cell_db.raw_text.contains(['(', '-', '−']) {
                            t.minus_printed_positive += 1;
                        }
                        if sign_ok {
                            t.negative_ok += 1;
                        }
                    }
                    if mag_ok && sign_ok {
                        t.agree += 1;
                        if !f.negative && vn.is_some_and(|v| v < 0.0) {
                            t.shown_negative += 1;
                        }
                    } else {
                        let why = if !mag_ok { "magnitude" } else { "sign" };
                        disagreements.push(json!({
                            "accession": acc, "table_index": ti, "row_index": cell_db.row,
                            "col_index": cell_db.col, "raw_text": cell_db.raw_text,
                            "row_label": cell_db.row_label, "concept": name,
                            "fact_index": fi, "expected": expected,
                            "value_normalized": vn, "sign_minus": f.negative, "wrong": why,
                            "line": format!(
                                "{acc} tbl/{ti} r{} c{} {:?} ({}): value_normalized {} vs expected {expected} [{name}{}] — {why}",
                                cell_db.row, cell_db.col, cell_db.raw_text,
                                cell_db.row_label.as_deref().unwrap_or("-"),
                                vn.map_or("NULL".to_string(), |v| v.to_string()),
                                if f.negative { ", sign=\"-\"" } else { "" }
                            ),
                        }));
                    }
                }
            }
        }
    }
    t
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-12)
}

fn is_dash_text(s: &str) -> bool {
    let s = s.trim();
    !s.is_empty()
        && s.chars()
            .all(|c| matches!(c, '-' | '—' | '–' | '−' | '‒' | '―' | '_' | ' '))
}

/// Whether the fact's displayed number is the only number of the cell: what is left after
/// taking it out holds no digit and no word, apart from footnote markers ("(1)", "(a)",
/// "*") and symbols ("$", "%", parentheses, dashes).
fn only_number(cell_text: &str, display: &str) -> bool {
    let display = display.trim();
    if display.is_empty() {
        return false;
    }
    let rest = match cell_text.find(display) {
        Some(i) => format!("{} {}", &cell_text[..i], &cell_text[i + display.len()..]),
        None => {
            // White space may be laid out differently in the two texts.
            let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            let (cell, disp) = (squeeze(cell_text), squeeze(display));
            match cell.find(&disp) {
                Some(i) => format!("{} {}", &cell[..i], &cell[i + disp.len()..]),
                None => return false,
            }
        }
    };
    let chars: Vec<char> = rest.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '(' {
            // "(1)", "(12)", "(a)": a marker.
            let inner: String = chars[i + 1..].iter().take_while(|c| **c != ')').collect();
            let closes = i + 1 + inner.chars().count() < chars.len();
            let marker = closes
                && ((!inner.is_empty()
                    && inner.len() <= 2
                    && inner.chars().all(|c| c.is_ascii_digit()))
                    || (inner.chars().count() == 1
                        && inner.chars().all(|c| c.is_ascii_alphabetic())));
            if marker {
                i += inner.chars().count() + 2;
                continue;
            }
        } else if c.is_alphanumeric() {
            return false;
        }
        i += 1;
    }
    true
}

/// The fact's value from its own attributes: displayed number (read with `format`) ×
/// 10^`scale`, negated for `sign="-"`. `None` when the display is not a number.
fn expected_value(f: &IxFact) -> Option<f64> {
    let format = f.format.as_str().to_ascii_lowercase();
    let display = f.display.as_str().trim();
    let magnitude = if format.contains("zero") || is_dash_text(display) {
        0.0
    } else if format.contains("numwords") {
        number_word(display)?
    } else {
        let comma_decimal = format.contains("comma-decimal")
            || format.contains("commadecimal")
            || format.contains("numcomma");
        let mut s = String::new();
        for c in display.chars() {
            match c {
                '0'..='9' => s.push(c),
                ',' if comma_decimal => s.push('.'),
                '.' if !comma_decimal => s.push('.'),
                _ => {}
            }
        }
        if s.is_empty() {
            return None;
        }
        s.parse::<f64>().ok()?
    };
    let v = magnitude * 10f64.powi(f.scale);
    Some(if f.negative { -v } else { v })
}

/// `ixt-sec:numwordsen`: "no", "none", "one" … "twenty".
fn number_word(s: &str) -> Option<f64> {
    const WORDS: &[&str] = &[
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    let l = s.trim().to_ascii_lowercase();
    if l == "no" || l == "none" {
        return Some(0.0);
    }
    WORDS.iter().position(|w| *w == l).map(|i| i as f64)
}

/// (accession, form, source_path) of the filings that merged fine, in accession order.
fn read_filings(conn: &duckdb::Connection) -> Result<Vec<(String, String, Option<String>)>> {
    let mut st = conn.prepare(
        "SELECT accession_number, coalesce(form_type, ''), source_path FROM filings \
         WHERE status = 'ok' ORDER BY accession_number",
    )?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for r in rows {
        out.push(r?);
    }
    Ok(out)
}

fn read_cells(conn: &duckdb::Connection, acc: &str) -> Result<DbFiling> {
    let hint = |e: duckdb::Error| {
        EvalError::Other(format!(
            "cannot read `table_cells`/`tables` with column xbrl_fact_index (does the pipeline have \
             a tables stage with plugin tables ≥ 1.1, and has it run?): {e}"
        ))
    };
    let mut out = DbFiling::default();
    let mut st = conn
        .prepare(
            "SELECT table_index, row_index, col_index, coalesce(raw_text, ''), row_label, \
             value_normalized, xbrl_concept, xbrl_fact_index FROM table_cells \
             WHERE accession_number = ? AND xbrl_concept IS NOT NULL",
        )
        .map_err(hint)?;
    let rows = st.query_map([acc], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            DbCell {
                row: r.get(1)?,
                col: r.get(2)?,
                raw_text: r.get(3)?,
                row_label: r.get(4)?,
                value_normalized: r.get(5)?,
            },
            r.get::<_, String>(6)?,
            r.get::<_, Option<i64>>(7)?,
        ))
    })?;
    for r in rows {
        let (ti, cell, concept, fact) = r?;
        out.concepts.insert((ti, concept));
        if let Some(fi) = fact {
            out.by_fact.insert((ti, fi), cell);
        }
    }
    let mut st = conn
        .prepare("SELECT table_index, kind FROM tables WHERE accession_number = ?")
        .map_err(hint)?;
    let rows = st.query_map([acc], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    for r in rows {
        let (ti, kind) = r?;
        out.kinds.insert(ti, kind);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(display: &str, scale: i32, negative: bool, format: &str) -> IxFact {
        IxFact {
            name: "us-gaap:Revenues".into(),
            display: display.into(),
            scale,
            negative,
            format: format.into(),
            numeric: true,
            ..Default::default()
        }
    }

    #[test]
    fn expected_value_reads_the_fact_alone() {
        assert_eq!(
            expected_value(&fact("391,035", 6, false, "ixt:num-dot-decimal")),
            Some(391_035e6)
        );
        assert_eq!(
            expected_value(&fact("269", 6, true, "ixt:numdotdecimal")),
            Some(-269e6)
        );
        assert_eq!(
            expected_value(&fact("1.234,5", 3, false, "ixt:num-comma-decimal")),
            Some(1_234_500.0)
        );
        assert_eq!(
            expected_value(&fact("—", 6, false, "ixt:fixed-zero")),
            Some(0.0)
        );
        assert_eq!(
            expected_value(&fact("three", 0, false, "ixt-sec:numwordsen")),
            Some(3.0)
        );
        let p = expected_value(&fact("24.1", -2, false, "ixt:num-dot-decimal")).unwrap();
        assert!((p - 0.241).abs() < 1e-12);
        assert_eq!(expected_value(&fact("n/a", 0, false, "")), None);
    }

    #[test]
    fn value_cells_hold_only_the_fact_number() {
        assert!(only_number("$ 391,035", "391,035"));
        assert!(only_number("(269)", "269"));
        assert!(only_number("1,234 (1)", "1,234"));
        assert!(only_number("5.2 %(a)", "5.2"));
        assert!(only_number("—", "—"));
        assert!(!only_number(
            "Common stock, $0.00001 par value: 50,400,000 shares",
            "0.00001"
        ));
        assert!(!only_number("0.03% – 6.65%", "0.03"));
        assert!(!only_number("$ 4.4 million", "4.4"));
        assert!(!only_number("12", "13"));
    }

    #[test]
    fn tolerance_is_relative() {
        assert!(close(1_028_400_000.000_000_1, 1_028_400_000.0));
        assert!(close(0.000_300_000_000_000_03, 0.0003));
        assert!(!close(921.7, 921_700_000.0));
        assert!(close(0.0, 0.0));
    }
}

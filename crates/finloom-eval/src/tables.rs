//! `finloom eval tables`: the `table_cells` values against the filings' own inline XBRL.
//!
//! No peer tool types table cells, but an inline-XBRL filing states the value of most numbers
//! in its financial tables itself: an `ix:nonFraction` element wraps the displayed number and
//! says its `scale` (a power of ten) and, with `sign="-"`, that the amount is negative. That is
//! evidence independent of everything the `tables` plugin does, so it is the yardstick here.
//!
//! **The denominator comes from the filing.** For every inline-XBRL filing in the database
//! (`filings.source_path`, re-read with `finloom_ingest::read_filing`), every `ix:nonFraction`
//! that displays a number and sits in a table cell holding just that number (beside `$`, `%`,
//! parentheses, dashes and footnote marks such as "(1)" or "(a)") is one **expected cell**,
//! whatever the plugin made of its table. Each is then looked up in `table_cells` (the row of
//! that table, `table_index` being the table's index in the document, that carries the fact's
//! index) and ends in exactly one class:
//!
//! * **found** — the cell carries the fact's concept and `value_normalized` equals the fact's
//!   value: displayed number read with the fact's `format` × 10^`scale` (relative tolerance
//!   1e-9), negative wherever the fact has `sign="-"`. A number shown in parentheses without
//!   `sign="-"` (a payment line of a cash-flow statement) is negative as displayed while the
//!   fact is positive: a presentation choice, found. A dash tagged as zero must be 0.
//! * **wrong scale** — the magnitude is off by a power of ten;
//! * **wrong sign** — right magnitude, but positive where the fact has `sign="-"`;
//! * **wrong concept** — the cell carries another concept than the fact;
//! * **wrong value** — any other difference, or no value at all;
//! * **missing** — no cell of the table carries the fact: the table was not stored, was
//!   classified as layout (no cells), or the cell was dropped.
//!
//! Facts in text cells (a par value in a row label, the two ends of a range "0.03% – 6.65%")
//! and facts that display nothing (`xsi:nil="true"`) have no single cell value to compare:
//! counted and shown, not rated.
//!
//! **Scale reading on its own.** Where the printed number × the scale the plugin read from the
//! notes disagrees with the fact, the plugin stores the fact's value (`value_source = 'xbrl'`),
//! so the found rate also measures linking. The second figure, *scale read*, measures the
//! plugin's reading of notes alone: among expected cells stored with a printed number,
//! `|value| × 10^scale_detected` against the fact's magnitude. That is what a filing without
//! inline XBRL gets.
//!
//! Targets: found ≥ [`TARGET_AGREEMENT`] over all expected cells of all inline-XBRL filings,
//! and ≥ [`TARGET_PER_FILING`] in every filing.

use crate::{EvalError, Report, Result};
use finloom_plugin_api::{Document, IxFact};
use regex::Regex;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Share of expected cells (tagged value cells) found with concept and value, overall.
pub const TARGET_AGREEMENT: f64 = 0.995;
/// The same share in every single inline-XBRL filing.
pub const TARGET_PER_FILING: f64 = 0.98;

/// How many problems of each kind the text report lists by name (the JSON has all).
const SHOW: usize = 25;

/// One database cell linked to a fact.
#[derive(Debug, Clone)]
struct DbCell {
    row: i64,
    col: i64,
    raw_text: String,
    row_label: Option<String>,
    column_header: Option<String>,
    value: Option<f64>,
    value_normalized: Option<f64>,
    concept: Option<String>,
    scale_detected: Option<i64>,
}

/// What one filing's tables hold, from the database.
#[derive(Debug, Default)]
struct DbFiling {
    /// (table_index, xbrl_fact_index) → cell.
    by_fact: HashMap<(i64, i64), DbCell>,
    /// table_index → kind.
    kinds: HashMap<i64, String>,
}

/// The class of one expected cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Found,
    WrongScale,
    WrongSign,
    WrongConcept,
    WrongValue,
    Missing,
}

impl Class {
    fn name(self) -> &'static str {
        match self {
            Class::Found => "found",
            Class::WrongScale => "wrong scale",
            Class::WrongSign => "wrong sign",
            Class::WrongConcept => "wrong concept",
            Class::WrongValue => "wrong value",
            Class::Missing => "missing",
        }
    }
}

/// Counts for one filing (and, summed, overall).
#[derive(Debug, Default, Clone)]
struct Tally {
    /// Numeric facts inside table cells (all of them).
    facts: usize,
    /// Tagged value cells: the denominator.
    expected: usize,
    found: usize,
    wrong_scale: usize,
    wrong_sign: usize,
    wrong_concept: usize,
    wrong_value: usize,
    missing: usize,
    /// Missing because the table has no row in `tables` / is a layout table / other.
    missing_no_table: usize,
    missing_layout: usize,
    /// Expected cells stored with a printed number (scale reading's denominator) …
    read_base: usize,
    /// … whose printed number × the scale read from the notes equals the fact's magnitude.
    read_ok: usize,
    /// Dashes tagged as zero (found when stored as 0).
    dash_zero: usize,
    /// Shown negative while the fact is positive (presentation; found).
    shown_negative: usize,
    /// sign="-" facts printed without parentheses or minus.
    minus_printed_positive: usize,
    /// Facts in text cells (not rated).
    in_text: usize,
    /// Facts displaying nothing (not rated).
    nil_facts: usize,
    /// Facts whose display could not be read as a number (not rated).
    unreadable: usize,
    /// Stored expected cells whose column header names at least one year (the header check's
    /// denominator) …
    period_rated: usize,
    /// … among them, those whose fact's period is of a year the header names.
    period_agree: usize,
    /// Stored expected cells whose column header names no year (not rated).
    period_no_year: usize,
    /// Stored expected cells whose fact's context has no readable period (not rated).
    period_unknown: usize,
    /// Stored expected cells whose concept names a year relative to its period (not rated).
    period_relative: usize,
}

impl Tally {
    fn add(&mut self, o: &Tally) {
        self.facts += o.facts;
        self.expected += o.expected;
        self.found += o.found;
        self.wrong_scale += o.wrong_scale;
        self.wrong_sign += o.wrong_sign;
        self.wrong_concept += o.wrong_concept;
        self.wrong_value += o.wrong_value;
        self.missing += o.missing;
        self.missing_no_table += o.missing_no_table;
        self.missing_layout += o.missing_layout;
        self.read_base += o.read_base;
        self.read_ok += o.read_ok;
        self.dash_zero += o.dash_zero;
        self.shown_negative += o.shown_negative;
        self.minus_printed_positive += o.minus_printed_positive;
        self.in_text += o.in_text;
        self.nil_facts += o.nil_facts;
        self.unreadable += o.unreadable;
        self.period_rated += o.period_rated;
        self.period_agree += o.period_agree;
        self.period_no_year += o.period_no_year;
        self.period_unknown += o.period_unknown;
        self.period_relative += o.period_relative;
    }

    fn count(&mut self, class: Class) {
        match class {
            Class::Found => self.found += 1,
            Class::WrongScale => self.wrong_scale += 1,
            Class::WrongSign => self.wrong_sign += 1,
            Class::WrongConcept => self.wrong_concept += 1,
            Class::WrongValue => self.wrong_value += 1,
            Class::Missing => self.missing += 1,
        }
    }

    fn rate(&self) -> Option<f64> {
        (self.expected > 0).then(|| self.found as f64 / self.expected as f64)
    }

    fn read_rate(&self) -> Option<f64> {
        (self.read_base > 0).then(|| self.read_ok as f64 / self.read_base as f64)
    }

    fn period_rate(&self) -> Option<f64> {
        (self.period_rated > 0).then(|| self.period_agree as f64 / self.period_rated as f64)
    }

    fn json(&self) -> Value {
        json!({
            "tagged_facts_in_tables": self.facts,
            "expected_cells": self.expected,
            "found": self.found,
            "found_rate": self.rate(),
            "wrong_scale": self.wrong_scale,
            "wrong_sign": self.wrong_sign,
            "wrong_concept": self.wrong_concept,
            "wrong_value": self.wrong_value,
            "missing": self.missing,
            "missing_table_not_stored": self.missing_no_table,
            "missing_layout_table": self.missing_layout,
            "scale_read_cells": self.read_base,
            "scale_read_right": self.read_ok,
            "scale_read_rate": self.read_rate(),
            "dash_cells_tagged_zero": self.dash_zero,
            "shown_negative_fact_positive": self.shown_negative,
            "sign_minus_printed_positive": self.minus_printed_positive,
            "facts_in_text_cells": self.in_text,
            "nil_facts": self.nil_facts,
            "unreadable_facts": self.unreadable,
            "header_year_rated": self.period_rated,
            "header_year_agrees": self.period_agree,
            "header_year_rate": self.period_rate(),
            "header_without_year": self.period_no_year,
            "fact_period_unknown": self.period_unknown,
            "relative_year_concepts": self.period_relative,
        })
    }
}

fn pct(v: Option<f64>) -> String {
    v.map_or("n/a".to_string(), |v| format!("{:.2} %", v * 100.0))
}

fn row_line(text: &mut String, name: &str, form: &str, t: &Tally) {
    let _ = writeln!(
        text,
        "  {:<22} {:<6} {:>8} {:>9} {:>6} {:>6} {:>8} {:>6} {:>8} {:>11}",
        name,
        form,
        t.expected,
        pct(t.rate()),
        t.wrong_scale,
        t.wrong_sign,
        t.wrong_concept,
        t.wrong_value,
        t.missing,
        pct(t.read_rate()),
    );
}

/// Evaluates the `tables` output in the database at `db` against the inline XBRL of the
/// filings it was built from. `expected` (the peer outputs) is not used: no peer types cells.
pub fn run(db: &Path, expected: &Path) -> Result<Report> {
    let _ = expected;
    let conn = finloom_store::open_ro(db)?;
    let filings = read_filings(&conn)?;
    let has_detected = has_column(&conn, "table_cells", "scale_detected")?;
    let mut per_db: BTreeMap<String, DbFiling> = BTreeMap::new();
    for (acc, _, _) in &filings {
        per_db.insert(acc.clone(), read_cells(&conn, acc, has_detected)?);
    }
    drop(conn);

    let mut overall = Tally::default();
    let mut per_filing: Vec<(String, String, String, Tally)> = Vec::new();
    let mut problems: Vec<Value> = Vec::new();
    // Facts in text cells, a sample (the JSON's `text_cell_facts`): to check the rule that
    // leaves them out.
    let mut unrated: Vec<Value> = Vec::new();
    // Cells whose column header names years, none of them the fact's.
    let mut header_problems: Vec<Value> = Vec::new();
    let mut notes: Vec<String> = Vec::new();

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
        // The contexts' periods, for the header check: read from the file itself (the reader
        // keeps the facts, not the hidden `ix:resources` that define their contexts).
        let periods = match std::fs::read(path) {
            Ok(bytes) => read_periods(&String::from_utf8_lossy(&bytes)),
            Err(e) => {
                notes.push(format!("{acc}: cannot read contexts from {path} ({e})"));
                HashMap::new()
            }
        };
        let t = check_filing(
            acc,
            doc,
            &periods,
            &per_db[acc],
            &mut problems,
            &mut header_problems,
            &mut unrated,
        );
        overall.add(&t);
        per_filing.push((acc.clone(), form.clone(), path.clone(), t));
    }
    // Worst filings first.
    per_filing.sort_by(|a, b| {
        let ra = a.3.rate().unwrap_or(1.0);
        let rb = b.3.rate().unwrap_or(1.0);
        ra.total_cmp(&rb).then_with(|| a.0.cmp(&b.0))
    });

    let mut text = String::new();
    let _ = writeln!(
        text,
        "finloom eval tables — table_cells against the filings' inline XBRL (worst filings first)\n  database: {}\n",
        db.display()
    );
    let _ = writeln!(
        text,
        "  {:<22} {:<6} {:>8} {:>9} {:>6} {:>6} {:>8} {:>6} {:>8} {:>11}",
        "filing",
        "form",
        "expected",
        "found",
        "scale",
        "sign",
        "concept",
        "value",
        "missing",
        "scale read"
    );
    for (acc, form, _, t) in &per_filing {
        row_line(&mut text, acc, form, t);
    }
    row_line(&mut text, "overall", "", &overall);
    let _ = writeln!(
        text,
        "\n  expected: tagged numbers (ix:nonFraction) alone in a table cell, from the filing; found:\n  \
         stored with the fact's concept and value; scale/sign/concept/value: stored wrong in that\n  \
         respect; missing: no stored cell carries the fact ({} in tables not stored, {} in layout\n  \
         tables); scale read: printed number × the scale read from the notes, before the plugin\n  \
         falls back on the fact.",
        overall.missing_no_table, overall.missing_layout
    );
    let _ = writeln!(
        text,
        "  not rated: {} facts in text cells (labels, ranges), {} facts displaying nothing (xsi:nil), {} unreadable",
        overall.in_text, overall.nil_facts, overall.unreadable
    );
    let _ = writeln!(
        text,
        "  dashes tagged zero: {}; shown negative while the fact is positive (presentation, found): {}; \
         sign=\"-\" printed without parentheses: {}",
        overall.dash_zero, overall.shown_negative, overall.minus_printed_positive
    );
    // The rate above is over the cells whose header (our output) names a year; the counts
    // below are over every expected cell (the filing's tagged numbers), so that a header the
    // plugin loses moves a cell out of "its fact's year" into "no year", where it shows.
    let elsewhere = overall.period_rated - overall.period_agree;
    let not_stored = overall.expected.saturating_sub(
        overall.period_rated
            + overall.period_no_year
            + overall.period_relative
            + overall.period_unknown,
    );
    let _ = writeln!(
        text,
        "  header years: {} of {} stored tagged cells whose column header names a year carry a fact of \
         a year it names ({})\n  of the {} expected cells (the filing's): {} under a header naming \
         their fact's year ({}), {} under one naming other years, {} under one naming no year, {} \
         concepts naming a year relative to their period (maturities, vintages; not rated), {} \
         periods unread, {} not stored",
        overall.period_agree,
        overall.period_rated,
        pct(overall.period_rate()),
        overall.expected,
        overall.period_agree,
        pct((overall.expected > 0)
            .then(|| overall.period_agree as f64 / overall.expected as f64)),
        elsewhere,
        overall.period_no_year,
        overall.period_relative,
        overall.period_unknown,
        not_stored
    );
    if !header_problems.is_empty() {
        let _ = writeln!(
            text,
            "\n  header years not the fact's ({} in all, first {} shown):",
            header_problems.len(),
            header_problems.len().min(SHOW)
        );
        for p in header_problems.iter().take(SHOW) {
            let _ = writeln!(text, "    {}", p["line"].as_str().unwrap_or(""));
        }
    }
    for n in &notes {
        let _ = writeln!(text, "  note: {n}");
    }

    let mut missed = Vec::new();
    let rate = overall.rate();
    match rate {
        None if per_filing.is_empty() => missed.push(
            "no inline-XBRL filing in the database: nothing to measure the tables against".into(),
        ),
        None => missed.push("no tagged value cell found in the inline-XBRL filings".into()),
        Some(r) if r < TARGET_AGREEMENT - 1e-12 => missed.push(format!(
            "tagged value cells found {:.2} % < {:.1} % ({} of {})",
            r * 100.0,
            TARGET_AGREEMENT * 100.0,
            overall.found,
            overall.expected
        )),
        Some(_) => {}
    }
    let below: Vec<String> = per_filing
        .iter()
        .filter(|(_, _, _, t)| t.rate().is_some_and(|r| r < TARGET_PER_FILING - 1e-12))
        .map(|(acc, _, _, t)| format!("{acc} {}", pct(t.rate())))
        .collect();
    if !below.is_empty() {
        missed.push(format!(
            "{} filing(s) below {:.0} %: {}",
            below.len(),
            TARGET_PER_FILING * 100.0,
            below.join(", ")
        ));
    }
    let _ = writeln!(
        text,
        "\ntarget: found ≥ {:.1} % overall and ≥ {:.0} % in every filing, over {} inline-XBRL filings: {} overall, scale read {} ({})",
        TARGET_AGREEMENT * 100.0,
        TARGET_PER_FILING * 100.0,
        per_filing.len(),
        pct(rate),
        pct(overall.read_rate()),
        if missed.is_empty() { "met" } else { "MISSED" }
    );
    let filings_json: Vec<Value> = per_filing
        .iter()
        .map(|(acc, form, path, t)| {
            let mut j = t.json();
            j["accession"] = json!(acc);
            j["form"] = json!(form);
            j["source_path"] = json!(path);
            j
        })
        .collect();
    let json = json!({
        "database": db.display().to_string(),
        "inline_xbrl_filings": per_filing.len(),
        "filings": filings_json,
        "overall": overall.json(),
        "target": TARGET_AGREEMENT,
        "target_per_filing": TARGET_PER_FILING,
        "problems": problems,
        "header_year_problems": header_problems,
        "text_cell_facts": unrated,
        "notes": notes,
        "missed": missed,
    });
    Ok(Report { text, json, missed })
}

/// Classifies one expected cell.
fn classify(f: &IxFact, expected: f64, cell: Option<&DbCell>) -> Class {
    let Some(cell) = cell else {
        return Class::Missing;
    };
    if cell.concept.as_deref() != Some(f.name.as_str()) {
        return Class::WrongConcept;
    }
    let Some(vn) = cell.value_normalized else {
        return Class::WrongValue;
    };
    if expected == 0.0 {
        return if vn == 0.0 {
            Class::Found
        } else {
            Class::WrongValue
        };
    }
    if close(vn.abs(), expected.abs()) {
        return if f.negative && vn >= 0.0 {
            Class::WrongSign
        } else {
            Class::Found
        };
    }
    if power_of_ten_apart(vn, expected) {
        Class::WrongScale
    } else {
        Class::WrongValue
    }
}

/// Whether two non-zero amounts differ by a power of ten (sign aside).
fn power_of_ten_apart(a: f64, b: f64) -> bool {
    if a == 0.0 || b == 0.0 {
        return false;
    }
    let e = (b.abs() / a.abs()).log10();
    e.round() != 0.0 && (e - e.round()).abs() < 1e-6
}

/// Checks every numeric fact inside a table cell of one filing.
fn check_filing(
    acc: &str,
    doc: &Document,
    periods: &HashMap<String, Period>,
    dbf: &DbFiling,
    problems: &mut Vec<Value>,
    header_problems: &mut Vec<Value>,
    unrated: &mut Vec<Value>,
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
                if facts.is_empty() {
                    continue;
                }
                t.facts += facts.len();
                let shown: Vec<(usize, &IxFact)> = facts
                    .iter()
                    .copied()
                    .filter(|(_, f)| !f.display.as_str().trim().is_empty())
                    .collect();
                t.nil_facts += facts.len() - shown.len();
                let [(fi, f)] = shown[..] else {
                    t.in_text += shown.len();
                    continue;
                };
                if !only_number(cell.text.as_str(), &f.display) {
                    t.in_text += 1;
                    if unrated.len() < 500 {
                        unrated.push(json!({
                            "accession": acc, "table_index": ti, "source_row": ri,
                            "source_cell": ci, "cell": cell.text.as_str(),
                            "display": f.display.as_str(), "concept": f.name.as_str(),
                        }));
                    }
                    continue;
                }
                let Some(expected) = expected_value(f) else {
                    t.unreadable += 1;
                    continue;
                };
                t.expected += 1;
                let stored = dbf.by_fact.get(&(ti, fi as i64));
                let class = classify(f, expected, stored);
                t.count(class);
                let is_dash = is_dash_text(f.display.as_str());
                if expected == 0.0 && is_dash {
                    t.dash_zero += 1;
                }
                if let Some(c) = stored {
                    // The column header against the fact's period.
                    let years = header_years(c.column_header.as_deref().unwrap_or(""));
                    let label = c.row_label.as_deref().unwrap_or("");
                    match periods.get(f.context_ref.as_str()) {
                        _ if years.is_empty() => t.period_no_year += 1,
                        _ if relative_year_concept(f.name.as_str()) => t.period_relative += 1,
                        None => t.period_unknown += 1,
                        Some(p) => {
                            t.period_rated += 1;
                            if p.named_by(c.column_header.as_deref().unwrap_or(""), label) {
                                t.period_agree += 1;
                            } else {
                                header_problems.push(json!({
                                    "accession": acc, "table_index": ti,
                                    "row_index": c.row, "col_index": c.col,
                                    "raw_text": c.raw_text, "row_label": c.row_label,
                                    "column_header": c.column_header,
                                    "concept": f.name.as_str(), "period": p.to_string(),
                                    "line": format!(
                                        "{acc} tbl/{ti} r{} c{} {:?} ({}) under {:?}: {} is {}",
                                        c.row, c.col, c.raw_text,
                                        c.row_label.as_deref().unwrap_or("-"),
                                        c.column_header.as_deref().unwrap_or(""),
                                        f.name.as_str(), p
                                    ),
                                }));
                            }
                        }
                    }
                    if f.negative && expected != 0.0 && !c.raw_text.contains(['(', '-', '−']) {
                        t.minus_printed_positive += 1;
                    }
                    if class == Class::Found
                        && !f.negative
                        && c.value_normalized.is_some_and(|v| v < 0.0)
                    {
                        t.shown_negative += 1;
                    }
                    // Scale reading alone: the printed number × the scale read from notes.
                    if let (Some(v), Some(sd)) = (c.value, c.scale_detected) {
                        if expected != 0.0 {
                            t.read_base += 1;
                            if close(v.abs() * 10f64.powi(sd as i32), expected.abs()) {
                                t.read_ok += 1;
                            }
                        }
                    }
                }
                if class == Class::Found {
                    continue;
                }
                let name = f.name.as_str();
                let mut why = class.name().to_string();
                if class == Class::Missing {
                    match dbf.kinds.get(&ti).map(String::as_str) {
                        None => {
                            t.missing_no_table += 1;
                            why.push_str(" (table not stored)");
                        }
                        Some("layout") => {
                            t.missing_layout += 1;
                            why.push_str(" (layout table: no cells)");
                        }
                        Some(_) => why.push_str(" (no cell carries the fact)"),
                    }
                }
                let line = match stored {
                    Some(c) => format!(
                        "{acc} tbl/{ti} r{} c{} {:?} ({}): value_normalized {} vs {expected} [{name}{}{}] — {why}",
                        c.row,
                        c.col,
                        c.raw_text,
                        c.row_label.as_deref().unwrap_or("-"),
                        c.value_normalized.map_or("NULL".to_string(), |v| v.to_string()),
                        if f.negative { ", sign=\"-\"" } else { "" },
                        match &c.concept {
                            Some(k) if k != name => format!(", stored as {k}"),
                            _ => String::new(),
                        }
                    ),
                    None => format!(
                        "{acc} tbl/{ti} source row {ri} cell {ci} {:?}: {name} {:?} = {expected} — {why}",
                        cell.text.as_str(),
                        f.display.as_str()
                    ),
                };
                problems.push(json!({
                    "accession": acc, "table_index": ti, "source_row": ri, "source_cell": ci,
                    "fact_index": fi, "concept": name, "display": f.display.as_str(),
                    "expected": expected, "sign_minus": f.negative,
                    "row_index": stored.map(|c| c.row), "col_index": stored.map(|c| c.col),
                    "raw_text": stored.map(|c| c.raw_text.clone()),
                    "row_label": stored.and_then(|c| c.row_label.clone()),
                    "value_normalized": stored.and_then(|c| c.value_normalized),
                    "class": class.name(), "line": line,
                }));
            }
        }
    }
    t
}

/// A date as the filing writes it in a context: year, month, day.
type Date = (i32, u32, u32);

/// The period of one `xbrli:context`: an instant (`start` is `None`) or a duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Period {
    start: Option<Date>,
    end: Date,
}

impl Period {
    /// Whether a cell under the column header `header`, on a row labelled `label`, shows
    /// this period.
    ///
    /// * A period is named by the year it ends in: "2024" over the year ended December 31,
    ///   2024, or over the balance at December 31, 2024.
    /// * A fiscal year ending in January or early February (retailers' 52/53-week years) is
    ///   named by the year it starts in as often ("Fiscal 2024" ended February 1, 2025).
    /// * The row may name the period instead: "Balance at October 29, 2022" in a roll-forward
    ///   whose columns are plans or components.
    /// * A balance at the start of a period sits in that period's column: "Cash at beginning
    ///   of year", "Balance at January 1", is the prior year's closing instant under "2024"
    ///   (or under "January 1, 2024 Balance").
    fn named_by(&self, header: &str, label: &str) -> bool {
        let years = &header_years(header)[..];
        static OPENING: OnceLock<Regex> = OnceLock::new();
        let opening = OPENING.get_or_init(|| {
            Regex::new(r"(?i)\b(?:beginning|opening|start)\b|\bjanuary\s+1\b")
                .expect("opening pattern")
        });
        let (y, m, d) = self.end;
        let named = |years: &[i32]| {
            years.contains(&y) || ((m == 1 || (m == 2 && d <= 10)) && years.contains(&(y - 1)))
        };
        named(years)
            || named(&header_years(label))
            || (self.start.is_none()
                && (opening.is_match(label) || opening.is_match(header))
                && years.contains(&(y + 1)))
    }
}

/// Concepts that name a year relative to their context's period: a maturity schedule's
/// "next twelve months" / "year two" under the column "2026", a loan vintage "originated in
/// the fiscal year before the latest" under "2023". Their column's year is not their
/// period's, by the taxonomy's own definition, so they are not rated.
fn relative_year_concept(name: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)NextTwelveMonths|NextRollingTwelveMonths|(?:In)?Year(?:One|Two|Three|Four|Five|Six|Seven|Eight|Nine|Ten)|AfterYear(?:Five|Ten)|Thereafter|RemainderOfFiscalYear|FiscalYearBefore|YearsBefore|OriginatedIn|DueWithinOneYear|DueIn(?:Second|Third|Fourth|Fifth)Year|DueAfterFiveYears|OnFirstAnniversary|OnSecondAnniversary|OnThirdAnniversary|OnFourthAnniversary|OnFifthAnniversary|AfterFifthAnniversary",
        )
        .expect("relative-year pattern")
    })
    .is_match(name)
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (y, m, d) = self.end;
        match self.start {
            None => write!(f, "at {y:04}-{m:02}-{d:02}"),
            Some((sy, sm, sd)) => {
                write!(f, "{sy:04}-{sm:02}-{sd:02} to {y:04}-{m:02}-{d:02}")
            }
        }
    }
}

/// Every context's period in a filing's source text, by context id. Inline XBRL keeps its
/// contexts in the hidden `ix:resources`; the element prefix varies (`xbrli:`, none).
fn read_periods(source: &str) -> HashMap<String, Period> {
    static CONTEXT: OnceLock<Regex> = OnceLock::new();
    static DATE: OnceLock<Regex> = OnceLock::new();
    let context = CONTEXT.get_or_init(|| {
        Regex::new(
            r#"(?is)<(?:[\w.-]+:)?context\b[^>]*?\bid\s*=\s*["']([^"']+)["'][^>]*>(.*?)</(?:[\w.-]+:)?context\s*>"#,
        )
        .expect("context pattern")
    });
    let date = DATE.get_or_init(|| {
        Regex::new(r"(?i)<(?:[\w.-]+:)?(startDate|endDate|instant)\s*>\s*(\d{4})-(\d{2})-(\d{2})")
            .expect("date pattern")
    });
    let mut out = HashMap::new();
    for c in context.captures_iter(source) {
        let (mut start, mut end) = (None, None);
        for d in date.captures_iter(&c[2]) {
            let day: Date = (
                d[2].parse().unwrap_or(0),
                d[3].parse().unwrap_or(0),
                d[4].parse().unwrap_or(0),
            );
            match d[1].to_ascii_lowercase().as_str() {
                "startdate" => start = Some(day),
                _ => end = Some(day),
            }
        }
        if let Some(end) = end {
            out.insert(c[1].to_string(), Period { start, end });
        }
    }
    out
}

/// The years a column header names: four-digit numbers from 1950 to 2049 standing alone
/// ("2024", "December 31, 2024", "Fiscal 2024", "2024 vs. 2023").
fn header_years(header: &str) -> Vec<i32> {
    static YEAR: OnceLock<Regex> = OnceLock::new();
    let year = YEAR.get_or_init(|| Regex::new(r"\b(19[5-9]\d|20[0-4]\d)\b").expect("year pattern"));
    let mut ys: Vec<i32> = year
        .captures_iter(header)
        .filter_map(|c| c[1].parse().ok())
        .collect();
    ys.sort_unstable();
    ys.dedup();
    ys
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
        } else if !(c.is_whitespace()
            || matches!(
                c,
                '$' | '€'
                    | '£'
                    | '¥'
                    | '%'
                    | '('
                    | ')'
                    | ','
                    | '.'
                    | '*'
                    | '†'
                    | '‡'
                    | '§'
                    | '-'
                    | '—'
                    | '–'
                    | '−'
                    | '‒'
                    | '―'
                    | '_'
            ))
        {
            // A word, another number, or a qualifier such as "<" or "~": the cell says more
            // than the tagged number.
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

/// Whether `table` has `column` (older databases lack `scale_detected`).
fn has_column(conn: &duckdb::Connection, table: &str, column: &str) -> Result<bool> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM information_schema.columns WHERE lower(table_name) = lower(?) \
         AND lower(column_name) = lower(?)",
        [table, column],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

fn read_cells(conn: &duckdb::Connection, acc: &str, has_detected: bool) -> Result<DbFiling> {
    let hint = |e: duckdb::Error| {
        EvalError::Other(format!(
            "cannot read `table_cells`/`tables` with column xbrl_fact_index (does the pipeline have \
             a tables stage with plugin tables ≥ 1.1, and has it run?): {e}"
        ))
    };
    let mut out = DbFiling::default();
    // Databases built by tables < 1.2 have no `scale_detected`: their `scale` is the scale
    // read from the notes (they never took a value from the fact).
    let detected = if has_detected {
        "coalesce(scale_detected, scale)"
    } else {
        "scale"
    };
    let mut st = conn
        .prepare(&format!(
            "SELECT table_index, row_index, col_index, coalesce(raw_text, ''), row_label, \
             value, value_normalized, xbrl_concept, {detected}, xbrl_fact_index, column_header \
             FROM table_cells \
             WHERE accession_number = ? AND xbrl_fact_index IS NOT NULL"
        ))
        .map_err(hint)?;
    let rows = st.query_map([acc], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            DbCell {
                row: r.get(1)?,
                col: r.get(2)?,
                raw_text: r.get(3)?,
                row_label: r.get(4)?,
                value: r.get(5)?,
                value_normalized: r.get(6)?,
                concept: r.get(7)?,
                scale_detected: r.get(8)?,
                column_header: r.get(10)?,
            },
            r.get::<_, i64>(9)?,
        ))
    })?;
    for r in rows {
        let (ti, cell, fi) = r?;
        out.by_fact.insert((ti, fi), cell);
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
        // A qualifier says more than the tagged number.
        assert!(!only_number("<10%", "10"));
    }

    #[test]
    fn every_expected_cell_lands_in_one_class() {
        let f = |negative: bool| IxFact {
            negative,
            ..fact("391,035", 6, negative, "ixt:num-dot-decimal")
        };
        let cell = |concept: &str, vn: Option<f64>| DbCell {
            row: 1,
            col: 1,
            raw_text: "391,035".into(),
            row_label: None,
            column_header: None,
            value: Some(391_035.0),
            value_normalized: vn,
            concept: Some(concept.into()),
            scale_detected: Some(6),
        };
        let rev = "us-gaap:Revenues";
        let e = 391_035e6;
        assert_eq!(classify(&f(false), e, None), Class::Missing);
        assert_eq!(
            classify(&f(false), e, Some(&cell("us-gaap:Assets", Some(e)))),
            Class::WrongConcept
        );
        assert_eq!(
            classify(&f(false), e, Some(&cell(rev, Some(e)))),
            Class::Found
        );
        // Shown negative, fact positive: presentation, found.
        assert_eq!(
            classify(&f(false), e, Some(&cell(rev, Some(-e)))),
            Class::Found
        );
        assert_eq!(
            classify(&f(true), -e, Some(&cell(rev, Some(e)))),
            Class::WrongSign
        );
        assert_eq!(
            classify(&f(false), e, Some(&cell(rev, Some(391_035.0)))),
            Class::WrongScale
        );
        assert_eq!(
            classify(&f(false), e, Some(&cell(rev, Some(391_036e6)))),
            Class::WrongValue
        );
        assert_eq!(
            classify(&f(false), e, Some(&cell(rev, None))),
            Class::WrongValue
        );
        // A dash tagged zero must be stored as 0.
        assert_eq!(
            classify(&f(false), 0.0, Some(&cell(rev, None))),
            Class::WrongValue
        );
        assert_eq!(
            classify(&f(false), 0.0, Some(&cell(rev, Some(0.0)))),
            Class::Found
        );
    }

    #[test]
    fn tolerance_is_relative() {
        assert!(close(1_028_400_000.000_000_1, 1_028_400_000.0));
        assert!(close(0.000_300_000_000_000_03, 0.0003));
        assert!(!close(921.7, 921_700_000.0));
        assert!(close(0.0, 0.0));
    }

    #[test]
    fn periods_are_read_from_the_contexts() {
        let src = r#"<ix:resources><xbrli:context id="c-1"><xbrli:entity>x</xbrli:entity>
            <xbrli:period><xbrli:startDate>2024-01-01</xbrli:startDate>
            <xbrli:endDate>2024-12-31</xbrli:endDate></xbrli:period></xbrli:context>
            <context id='i1'><period><instant>2023-12-31</instant></period></context>
            <xbrli:context id="bad"><xbrli:period></xbrli:period></xbrli:context>"#;
        let p = read_periods(src);
        assert_eq!(
            p["c-1"],
            Period {
                start: Some((2024, 1, 1)),
                end: (2024, 12, 31)
            }
        );
        assert_eq!(
            p["i1"],
            Period {
                start: None,
                end: (2023, 12, 31)
            }
        );
        assert!(!p.contains_key("bad"));
    }

    #[test]
    fn a_header_names_the_year_a_period_ends_in() {
        let year = |s, e| Period {
            start: Some(s),
            end: e,
        };
        let at = |e| Period {
            start: None,
            end: e,
        };
        let fy24 = year((2024, 1, 1), (2024, 12, 31));
        assert!(fy24.named_by("Year Ended December 31, 2024", "Revenue"));
        assert!(fy24.named_by("2025 / 2024", ""));
        assert!(!fy24.named_by("Year Ended December 31, 2023", "Revenue"));
        // A retailer's fiscal 2024 ends early in 2025.
        let retail = year((2024, 2, 4), (2025, 2, 1));
        assert!(retail.named_by("Fiscal 2024", ""));
        assert!(retail.named_by("Fiscal 2025", ""));
        assert!(!year((2024, 7, 1), (2025, 6, 30)).named_by("Fiscal 2024", ""));
        // The row may name the period; a balance opening a year sits under that year.
        assert!(at((2022, 10, 29)).named_by("Q4 2023 Plan", "Balance at October 29, 2022"));
        assert!(at((2023, 12, 31)).named_by("2024", "Cash at beginning of year"));
        assert!(at((2023, 12, 31)).named_by("January 1, 2024 Balance", "Equities"));
        assert!(!at((2023, 12, 31)).named_by("2024", "Cash at end of year"));
        assert!(!fy24.named_by("2025", "Balance at beginning of year"));
        assert_eq!(header_years("2024 vs. 2023 / 10,2025x"), vec![2023, 2024]);
    }

    #[test]
    fn maturities_and_vintages_name_other_years() {
        for c in [
            "us-gaap:LongTermDebtMaturitiesRepaymentsOfPrincipalInNextTwelveMonths",
            "us-gaap:LesseeOperatingLeaseLiabilityPaymentsDueYearTwo",
            "us-gaap:FinancingReceivableOriginatedInFiscalYearBeforeLatestFiscalYear",
            "us-gaap:RecordedUnconditionalPurchaseObligationDueInSecondYear",
        ] {
            assert!(relative_year_concept(c), "{c}");
        }
        assert!(!relative_year_concept("us-gaap:Revenues"));
        assert!(!relative_year_concept(
            "us-gaap:DefinedBenefitPlanBenefitObligation"
        ));
    }
}

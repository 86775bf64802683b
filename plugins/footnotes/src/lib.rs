//! `footnotes` plugin: the notes to the financial statements, one row per note, and the
//! footnotes printed under tables, one row per marker.
//!
//! Why it is not a regex over the text: "Note 7" appears far more often in running text
//! ("see Note 7") than as a heading, numbered lists inside notes look like note headings
//! ("1. The Company…"), a filing may carry two sets of statements whose numbering restarts,
//! and the notes end where the auditor's report or the next Item begins, not at a heading of
//! their own. So the plugin:
//!
//! 1. limits itself to the financial-statements section (10-K `item_8`, 10-Q `part1_item1`)
//!    when the `sections` input has it; when no note is found there (the statements sit in
//!    an F-pages appendix after the signatures), the document from a "Notes to … Financial
//!    Statements" heading (not a table-of-contents line; each such heading in turn, the
//!    first may be a line of an index), else the whole document — but without such a
//!    heading never beyond a statements section of real length (`min_statement_chars`),
//!    where a search elsewhere would only find numbered lists;
//! 2. cuts that region into *units* — paragraph blocks, and single lines of preformatted
//!    (plain-text) blocks — and finds heading candidates: short units that are styled or
//!    clearly formatted ("Note 1 — Title", "NOTE 1. TITLE", "Note 1:" with the title in the
//!    next unit, "Note 5: Inventories (in millions)", a bold title with "Note 1" alone in the
//!    unit after it, a bold "1. Title" (also in sentence case, "1. Summary of significant
//!    accounting policies"), a heading boxed in a one-cell table,
//!    "(1) Title", number and title in the cells of a one-row layout table, a run-in
//!    "A. Basis of Presentation – The interim …" opening the note's first paragraph; in plain
//!    text, a number opening an unindented paragraph with no title, "1.<TAB>Interim
//!    information is unaudited; …");
//! 3. keeps only candidates forming numbered chains 1, 2, 3… (a chain restarts at 1 for a
//!    second set of statements; headings saying "Note" win over bare numbers); a plain-text
//!    filing whose notes carry no numbers at all is cut at its underlined titles (a title
//!    line over a rule of `_`, `-` or `=`);
//! 4. makes each note span from its heading to the next heading, or to a stop heading (the
//!    auditor's report, an Item heading, signatures) for the last one; its text leaves out
//!    page furniture (page numbers, "Form 10-K | 36" footers, and running page headers —
//!    short paragraphs recurring next to page breaks);
//! 5. links each note to the tables inside it and to the inline-XBRL `…TextBlock` fact that
//!    overlaps it most.
//!
//! Table notes: paragraphs right under a table (past a rule line) that start with a marker
//! ("(1) Includes …", "* Not meaningful") printed in the table become `table_note` rows tied
//! to it (`table_ids`; to each of the tables set one after the other that shows the marker,
//! when footnotes printed once serve two), as do trailing rows of the table itself holding
//! such a text, and footnotes laid out as tables of their own ("(1) | text") under it. So
//! `table_cells.footnote_marker` joins to `footnotes.note_number` for the same table.

use finloom_plugin_api::schema::{ColumnSpec as C, TableSchema};
use finloom_plugin_api::{
    util::{input, CharIndex},
    BlockKind, Document, FilingMeta, Manifest, Plugin, Style, TableRows, Value, INTERFACE_VERSION,
};
use finloom_plugin_kit::text::{all_letters_upper, is_page_furniture, table_id};
use regex::Regex;
use serde::Deserialize;
use std::sync::OnceLock;

/// Stage configuration (`[stages.footnotes]`); all fields default.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `section_type`s holding the financial statements.
    pub statement_sections: Vec<String>,
    /// Longest unit (in characters) that may be a note heading.
    pub max_heading_chars: usize,
    /// How many blocks under a table to look for its footnotes.
    pub table_note_lookahead: usize,
    /// Longest table footnote paragraph, in characters.
    pub max_table_note_chars: usize,
    /// A statements section at least this long (characters) is where the notes are: when
    /// none is found in it, the rest of the document is not searched.
    pub min_statement_chars: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            statement_sections: vec!["item_8".into(), "part1_item1".into(), "item_15".into()],
            max_heading_chars: 220,
            table_note_lookahead: 6,
            max_table_note_chars: 1500,
            min_statement_chars: 20_000,
        }
    }
}

pub struct FootnotesPlugin;

/// The output table, declared once: the manifest's declaration and the rows are built from
/// it. The key (also what `finloom dedupe` groups by) is the natural one; `id` is derived
/// from it.
pub const SCHEMA: TableSchema<12> = TableSchema::new(
    "footnotes",
    [
        C::text("id"),
        C::text("accession_number"),
        C::text("section_id").nullable().references("sections.id"),
        C::text("kind"),
        C::text("note_number").nullable(),
        C::text("title").nullable(),
        C::text("text"),
        C::bigint("char_start").nullable(),
        C::bigint("char_end").nullable(),
        C::text("table_ids").nullable(),
        C::text("xbrl_concept").nullable(),
        C::bigint("ordinal"),
    ],
    &["accession_number", "kind", "ordinal"],
);

impl Plugin for FootnotesPlugin {
    fn manifest() -> Manifest {
        Manifest {
            name: "footnotes".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            interface_version: INTERFACE_VERSION,
            stage: "footnotes".into(),
            inputs: vec!["sections".into(), "tables".into()]
                .into_iter()
                .collect(),
            outputs: vec![SCHEMA.decl()].into(),
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
            .map_err(|e| format!("footnotes config: {e}"))?;
        extract_footnotes(filing, doc, inputs, &cfg).map(|t| vec![t])
    }
}

finloom_plugin_api::export_plugin!(FootnotesPlugin);

// ---------------------------------------------------------------------------------------------
// Units and headings

/// A paragraph block, or one line of a preformatted block.
#[derive(Debug, Clone)]
pub struct Unit<'a> {
    pub start: usize,
    pub end: usize,
    pub text: &'a str,
    pub style: Style,
    pub is_table: bool,
    /// A line of preformatted text (no style hints).
    pub pre: bool,
    /// Index of the block it comes from.
    pub block: usize,
}

/// Cuts the blocks overlapping `[from, to)` (bytes) into units.
pub fn units(doc: &Document, from: usize, to: usize) -> Vec<Unit<'_>> {
    let mut out = Vec::new();
    for (bi, b) in doc.blocks.iter().enumerate() {
        let (s, e) = (b.start as usize, b.end as usize);
        if e <= from || s >= to {
            continue;
        }
        let Some(text) = doc.text.get(s..e) else {
            continue;
        };
        match b.kind {
            BlockKind::Table => out.push(Unit {
                start: s,
                end: e,
                text,
                style: b.style,
                is_table: true,
                pre: false,
                block: bi,
            }),
            BlockKind::Paragraph
                if doc.format != finloom_plugin_api::DocFormat::Text || !text.contains('\n') =>
            {
                out.push(Unit {
                    start: s,
                    end: e,
                    text,
                    style: b.style,
                    is_table: false,
                    pre: false,
                    block: bi,
                })
            }
            _ => {
                let mut off = s;
                for line in text.split('\n') {
                    let ls = off;
                    off += line.len() + 1;
                    if line.trim().is_empty() || ls < from || ls >= to {
                        continue;
                    }
                    out.push(Unit {
                        start: ls,
                        end: ls + line.len(),
                        text: line,
                        style: Style::default(),
                        is_table: false,
                        pre: true,
                        block: bi,
                    });
                }
            }
        }
    }
    out
}

/// A note heading found at a unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Heading {
    /// First unit of the heading.
    pub unit: usize,
    /// Last unit of the heading (the title may sit in the unit after the number).
    pub last_unit: usize,
    /// As written: "1", "12", "A".
    pub number: String,
    /// Position in a sequence: 1 for "1" or "A".
    pub seq: u32,
    pub title: Option<String>,
    /// Says "Note" (as opposed to a bare number).
    pub explicit: bool,
}

fn note_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(?i:note)\s+(\d{1,2}|[A-Z])\b\s*(?:[-–—:.)]+\s*)?(.*)$").expect("note regex")
    })
}

fn bare_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(?:\((\d{1,2})\)|(\d{1,2}|[A-Z])\s*(?:[.):]|\s[-–—]))\s*(?:[-–—]\s*)?(.*)$")
            .expect("bare regex")
    })
}

/// What ends the last note: the auditor's report, an Item or Part heading, the signatures,
/// a financial statement schedule ("Schedule I - Condensed Financial Information of Parent"
/// (Booking), "Schedule II", also under the company's name: "INTUIT INC. SCHEDULE II -
/// VALUATION AND QUALIFYING ACCOUNTS"), the exhibit index, and management's reports
/// ("Management's Reports", "Management's Report for Financial Statements" (Lilly),
/// "Management's Responsibility for Financial Statements" (Yum), "… on Internal Control").
fn stop_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^(report\s+of\s+independent|independent\s+auditor|item\s+\d{1,2}[a-c]?\b|part\s+ii\b|signatures?\s*$|schedule\s+(?:i{1,3}|iv|v)\b|valuation\s+and\s+qualifying\s+accounts\s*$|exhibit\s+index|index\s+to\s+exhibits|management.s\s+(?:reports?|responsibility)\b)").expect("stop regex")
    })
}

/// A financial statement schedule's title, "Schedule I - Condensed Financial Information …".
fn schedule_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^(?:.{0,80}?\s)?schedule\s+(?:i{1,3}|iv|v)\s*[-–—:.]\s*\S")
            .expect("schedule regex")
    })
}

/// A schedule's title under the company's name, "INTUIT INC. SCHEDULE II - VALUATION AND
/// QUALIFYING ACCOUNTS" (a title: no sentence after it).
fn named_schedule_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)\bschedule\s+(?:i{1,3}|iv|v)\s*[-–—:.]\s*(?:condensed\s+financial\s+information|valuation\s+and\s+qualifying\s+accounts|real\s+estate|mortgage\s+loans|supplementa|summary\s+of\s+investments|reinsurance)[^.]*$").expect("named schedule regex")
    })
}

/// Is `t` a heading that ends the notes? See [`stop_re`]; a schedule's title may also follow
/// the company's name (at most 80 characters before "Schedule").
fn is_stop(t: &str) -> bool {
    stop_re().is_match(t)
        || named_schedule_re()
            .find(t)
            .is_some_and(|m| t[..m.start()].chars().count() <= 80)
}

fn notes_to_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^\s*notes\s+to\s+(?:the\s+)?(?:unaudited\s+)?(?:condensed\s+)?(?:consolidated\s+)?(?:combined\s+)?financial\s+statements").expect("notes-to regex")
    })
}

/// A table-of-contents line: the entry ends in a page number set apart by spacing or dot
/// leaders ("Notes to Consolidated Financial Statements          27", "…… F-7", "29-38").
fn toc_entry_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?:\s{3,}|\.{3,}\s*)(?:[A-Z]-)?\d{1,3}(?:\s*-\s*\d{1,3})?\s*$")
            .expect("toc regex")
    })
}

/// A title of the Item 15 (formerly 14) list: "Financial Statements", "All financial
/// statements", "Financial Statement Schedules", "Exhibits", "Exhibits required by Item 601
/// of Regulation S-K" (Apple). No note of the statements is titled "Exhibits…" or "Financial
/// Statement Schedules…", so those match whatever follows them; "Financial Statements" only
/// on its own.
fn exhibit_list_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^(?:(?:(?:all\s+)?(?:the\s+)?(?:consolidated\s+|combined\s+)?financial\s+statements?(?:\s+schedules?)?)\s*[:.]?$|financial\s+statement\s+schedules?\b|exhibits?\b)")
            .expect("exhibit list regex")
    })
}

fn styled(u: &Unit) -> bool {
    let s = &u.style;
    s.bold
        || s.all_caps
        || s.underline
        || s.heading_level > 0
        || (u.pre && all_letters_upper(u.text, 3))
}

/// A table (as a unit's text, cells separated by `|`) whose first row is one cell holding a
/// stop heading: a schedule's title set in its own table (Intuit's "INTUIT INC. / SCHEDULE II -
/// VALUATION AND QUALIFYING ACCOUNTS" across the top of the schedule).
fn table_titled_stop(t: &str) -> bool {
    let first = t.lines().next().unwrap_or("");
    let mut cells = first.split('|').map(str::trim).filter(|c| !c.is_empty());
    match (cells.next(), cells.next()) {
        (Some(c), None) => c.chars().count() <= 200 && is_stop(c) && !continued_re().is_match(c),
        _ => false,
    }
}

/// A numbered heading's formatting: [`styled`], or in italics ("Note 11 – Revenue from
/// Contracts with Customers" in `<i>`, T-Mobile). Only for a note number: an italic
/// "U.S. Tax Litigation" paragraph is not note "U".
fn set_apart(u: &Unit) -> bool {
    styled(u) || u.style.italic
}

/// Most words of four letters or more capitalised, and no sentence ending.
fn title_like(t: &str) -> bool {
    let t = t.trim();
    if t.is_empty() || t.ends_with('.') && !all_letters_upper(t, 3) || t.chars().count() > 200 {
        return false;
    }
    // Words of four letters or more, judged by their first letter: "(Income)," is a
    // capitalised word; "1996," is not a word.
    let firsts: Vec<char> = t
        .split_whitespace()
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 4)
        .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
        .filter(|c| c.is_alphabetic())
        .collect();
    if firsts.is_empty() {
        return t.chars().next().is_some_and(|c| c.is_uppercase());
    }
    let cap = firsts.iter().filter(|c| c.is_uppercase()).count();
    cap * 10 >= firsts.len() * 7
}

fn seq_of(n: &str) -> u32 {
    if let Ok(v) = n.parse::<u32>() {
        return v;
    }
    n.chars()
        .next()
        .filter(|c| c.is_ascii_uppercase())
        .map(|c| c as u32 - 'A' as u32 + 1)
        .unwrap_or(0)
}

/// Is unit `i` a note heading?
pub fn parse_heading(units: &[Unit], i: usize, max_chars: usize) -> Option<Heading> {
    let h = parse_heading_any(units, i, max_chars)?;
    // "1. Index to Consolidated Financial Statements" (Item 15's list of what is filed) and
    // "Notes to …" are lines of an index, never a note's title.
    if h.title.as_deref().is_some_and(|t| {
        let l = t.trim_start().to_ascii_lowercase();
        l.starts_with("index to ") || l.starts_with("notes to ")
    }) {
        return None;
    }
    Some(h)
}

fn parse_heading_any(units: &[Unit], i: usize, max_chars: usize) -> Option<Heading> {
    let mut u = units[i].clone();
    // A one-row layout table "5. | Related Party Transactions" (number and title set in two
    // cells), or one cell boxing "1. Description of Business …" (Intuit): a formatted heading.
    let joined;
    if u.is_table {
        let t = u.text.trim();
        if t.contains('\n') || t.chars().count() > max_chars {
            return None;
        }
        joined = t
            .split(" | ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        u.text = &joined;
        u.is_table = false;
        u.style.bold = true;
    }
    let u = &u;
    let text = u.text.trim();
    if let Some(h) = run_in_heading(u, i) {
        return Some(h);
    }
    if text.chars().count() > max_chars {
        return None;
    }
    let next_title = |i: usize| -> Option<String> {
        let n = units.get(i + 1)?;
        let t = n.text.trim();
        if n.is_table || t.chars().count() > 120 || !(styled(n) || title_like(t)) {
            return None;
        }
        if note_re().is_match(t) {
            return None;
        }
        Some(t.to_string())
    };
    if let Some(h) = title_then_number(units, i, &next_title) {
        return Some(h);
    }
    if let Some(c) = note_re().captures(text) {
        let number = c.get(1)?.as_str().to_string();
        let rest = c.get(2).map(|m| m.as_str().trim()).unwrap_or("");
        if rest.chars().next().is_some_and(|ch| ch.is_lowercase()) {
            return None; // "Note 7 provides …": running text
        }
        if number.len() == 1
            && number.chars().all(|c| c.is_ascii_alphabetic())
            && !text.starts_with("Note")
            && !text.starts_with("NOTE")
        {
            return None;
        }
        let (title, last_unit) = if rest.is_empty() {
            match next_title(i) {
                Some(t) => (Some(t), i + 1),
                None => (None, i),
            }
        } else {
            (Some(rest.to_string()), i)
        };
        // "Note 1" alone must at least be styled or carry a title.
        if title.is_none() && !styled(u) {
            return None;
        }
        if let Some(t) = &title {
            // "Note 5: Inventories (in millions)": a trailing parenthesis (a scale note, an
            // abbreviation) says nothing about whether the rest is a title.
            let bare = match t.rfind(" (") {
                Some(i) if t.ends_with(')') && i > 0 => &t[..i],
                _ => t.as_str(),
            };
            if !set_apart(u) && !title_like(bare) && !all_letters_upper(bare, 3) {
                return None;
            }
        }
        return Some(Heading {
            unit: i,
            last_unit,
            seq: seq_of(&number),
            number,
            title,
            explicit: true,
        });
    }
    if let Some(c) = bare_re().captures(text) {
        let number = c.get(1).or(c.get(2))?.as_str().to_string();
        let rest = c.get(3).map(|m| m.as_str().trim()).unwrap_or("");
        if number.chars().all(|c| c.is_ascii_alphabetic()) && !(styled(u) && !rest.is_empty()) {
            return None;
        }
        let (title, last_unit) = if rest.is_empty() {
            (next_title(i), i + 1)
        } else {
            (Some(rest.to_string()), i)
        };
        let Some(title) = title else {
            return untitled_plain_note(units, i, &number);
        };
        let ok = if u.pre {
            // A plain-text line is cut by wrapping: a sentence "In February 1997, the
            // Financial Accounting Standards Board issued" looks title-like but ends in a
            // lower-case word; titles end in a capitalised word.
            let last_cap = title
                .split_whitespace()
                .next_back()
                .and_then(|w| w.chars().find(|c| c.is_alphanumeric()))
                .is_some_and(|c| !c.is_lowercase());
            all_letters_upper(&title, 3)
                || title_like(&title) && title.chars().count() <= 70 && last_cap
        } else {
            // A bold (or italic) title in sentence case ("1. Summary of significant accounting
            // policies", Amgen): the line of its own set apart is the formatting; a sentence
            // of a numbered list would run on or end in a period.
            let sentence_case_set_apart = set_apart(&units[last_unit])
                && title.chars().count() <= 100
                && title.chars().next().is_some_and(|c| c.is_uppercase())
                && !title.ends_with(['.', ':', ';', ','])
                && units[last_unit].text.trim().chars().count() <= 110;
            (set_apart(u) || (rest.is_empty() && set_apart(&units[last_unit])))
                && (title_like(&title) || all_letters_upper(&title, 3) || sentence_case_set_apart)
        };
        if !ok {
            return untitled_plain_note(units, i, &number);
        }
        return Some(Heading {
            unit: i,
            last_unit,
            seq: seq_of(&number),
            number,
            title: Some(title),
            explicit: false,
        });
    }
    None
}

/// A bold title on its own line followed by the note number on the next one:
/// "**Summary of Significant Accounting Policies**" then "Note 1". The note starts at the
/// title. When the unit after "Note 1" is itself a short title, the number belongs to *that*
/// title ("NOTE 1" / "ORGANIZATION", the usual order) and unit `i` is something else — a
/// running page header, the last line of the note before — so this rule stands back.
fn title_then_number(
    units: &[Unit],
    i: usize,
    next_title: &dyn Fn(usize) -> Option<String>,
) -> Option<Heading> {
    let u = &units[i];
    let t = u.text.trim();
    let n = units.get(i + 1)?;
    if u.is_table
        || n.is_table
        || !styled(u)
        || t.chars().count() > 120
        || !(title_like(t) || all_letters_upper(t, 3))
        || t.ends_with(':')
        || note_re().is_match(t)
        || bare_re().is_match(t)
        || notes_to_re().is_match(t)
        || is_stop(t)
    {
        return None;
    }
    let c = note_re().captures(n.text.trim())?;
    let rest = c.get(2).map(|m| m.as_str().trim()).unwrap_or("");
    if !rest.is_empty() || next_title(i + 1).is_some() {
        return None;
    }
    let number = c.get(1)?.as_str().to_string();
    Some(Heading {
        unit: i,
        last_unit: i + 1,
        seq: seq_of(&number),
        number,
        title: Some(t.to_string()),
        explicit: true,
    })
}

fn run_in_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^([A-Z]|\d{1,2})\.\s+([A-Z][^.:;–—]{1,80}?)\s*[–—]\s*[A-Z(“\x22]")
            .expect("run-in regex")
    })
}

/// A run-in heading: the note's number and title open its first paragraph, set off by a dash
/// ("A. Basis of Presentation – The interim Consolidated Financial Statements …", Alcoa
/// 10-Q). The en or em dash after a title-like phrase is the formatting; a hyphen is not
/// (compound words).
fn run_in_heading(u: &Unit, i: usize) -> Option<Heading> {
    if u.is_table || u.pre {
        return None;
    }
    let c = run_in_re().captures(u.text.trim())?;
    let title = c[2].trim();
    if !title_like(title) || title.split_whitespace().count() > 10 {
        return None;
    }
    let number = c[1].to_string();
    Some(Heading {
        unit: i,
        last_unit: i,
        seq: seq_of(&number),
        number,
        title: Some(title.to_string()),
        explicit: false,
    })
}

fn untitled_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^(\d{1,2})\.(?:\t| {2,})\s*[A-Z]").expect("untitled regex"))
}

/// Does unit `i` start a paragraph (first line of its block, or after a blank line)?
fn starts_paragraph(units: &[Unit], i: usize) -> bool {
    i == 0 || units[i].block != units[i - 1].block || units[i].start > units[i - 1].end + 1
}

/// A 1990s plain-text note without a title: "1.<TAB>Interim information is unaudited; …" —
/// a number at the very start of a line (no indent, so not a list item inside a note) that
/// opens a paragraph, followed by a tab or two spaces and a sentence.
fn untitled_plain_note(units: &[Unit], i: usize, number: &str) -> Option<Heading> {
    let u = &units[i];
    if !u.pre || !number.chars().all(|c| c.is_ascii_digit()) || !starts_paragraph(units, i) {
        return None;
    }
    let c = untitled_re().captures(u.text)?;
    if &c[1] != number {
        return None;
    }
    Some(Heading {
        unit: i,
        last_unit: i,
        seq: seq_of(number),
        number: number.to_string(),
        title: None,
        explicit: false,
    })
}

/// A line made only of a rule character: "______", "------", "======".
fn is_rule(t: &str) -> bool {
    let t = t.trim();
    t.chars().count() >= 5
        && ['_', '-', '=']
            .iter()
            .any(|r| t.chars().all(|c| c == *r || c == ' ') && t.starts_with(*r))
}

/// Unnumbered notes of plain-text filings: a title line directly underlined by a rule
/// ("Summary of Significant Accounting Policies" over "_______"), as in 1990s 10-Ks.
pub fn underlined_headings(units: &[Unit]) -> Vec<Heading> {
    let mut out = Vec::new();
    for i in 0..units.len().saturating_sub(1) {
        let (u, n) = (&units[i], &units[i + 1]);
        let t = u.text.trim();
        if !u.pre
            || !n.pre
            || n.block != u.block
            || n.start != u.end + 1
            || !is_rule(n.text)
            || is_rule(t)
            || t.chars().count() > 80
            || !(title_like(t) || all_letters_upper(t, 3))
            || notes_to_re().is_match(t)
            || is_stop(t)
        {
            continue;
        }
        out.push(Heading {
            unit: i,
            last_unit: i + 1,
            seq: 0,
            number: String::new(),
            title: Some(t.to_string()),
            explicit: false,
        });
    }
    out
}

/// Unnumbered plain-text notes whose underline was lost: once a filing is known to cut its
/// notes at underlined titles, a title standing alone at the very top of a page (the first
/// line after `<PAGE>`, a one-line paragraph) also starts a note. Apple's 1994 10-K sets
/// "Income Taxes", "Industry Segment and Geographic Information" and "Selected Quarterly
/// Financial Information (Unaudited)" that way — the first inside an SGML `<CAPTION>` — and
/// without this rule each ran into the note before it. A page top alone is not enough — a
/// sub-heading ("Foreign Currency Instruments" inside Financial Instruments) can land there
/// too — so the title must also name a subject notes are made of ([`note_subject_re`]:
/// income taxes, segments, quarterly data, leases, debt…). Running page headers are excluded.
fn with_page_top_titles(
    doc: &Document,
    us: &[Unit],
    running: &[bool],
    underlined: Vec<Heading>,
) -> Vec<Heading> {
    let Some(first) = underlined.first().map(|h| h.unit) else {
        return underlined;
    };
    let taken: std::collections::HashSet<usize> = underlined
        .iter()
        .flat_map(|h| h.unit..=h.last_unit)
        .collect();
    let mut out = underlined;
    for i in first + 1..us.len() {
        let u = &us[i];
        let t = u.text.trim();
        let alone = us[i - 1].block != u.block && us.get(i + 1).is_none_or(|n| n.block != u.block);
        let page_top = doc
            .blocks
            .get(u.block)
            .is_some_and(|b| b.style.page_break_before);
        if !u.pre
            || !alone
            || !page_top
            || running[i]
            || taken.contains(&i)
            || t.chars().count() > 80
            || !title_like(t)
            || t.ends_with(':')
            || !note_subject_re().is_match(t)
            || is_rule(t)
            || is_page_furniture(t)
            || notes_to_re().is_match(t)
            || is_stop(t)
        {
            continue;
        }
        out.push(Heading {
            unit: i,
            last_unit: i,
            seq: 0,
            number: String::new(),
            title: Some(t.to_string()),
            explicit: false,
        });
    }
    out.sort_by_key(|h| h.unit);
    out
}

/// Subjects that notes to the financial statements are titled after (used only to confirm a
/// page-top title in a filing that underlines its note titles).
fn note_subject_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)\b(?:income\s+tax|segment|quarterly|earnings\s+per\s+share|leases?\b|commitments|contingenc|debt\b|borrowings|stock|pension|retirement|benefit\s+plans?|acquisitions?|goodwill|intangible|inventor(?:y|ies)|property|restructuring|related\s+part|subsequent\s+events?|fair\s+value|derivative|revenue|equity|investments|accrued|compensation)")
            .expect("note subject regex")
    })
}

/// Keeps the headings that form numbered chains (1, 2, 3…; a gap of one tolerated; a new
/// chain at 1). Explicit "Note N" headings are used when they form a chain; bare numbers only
/// otherwise, so that numbered lists inside notes don't compete.
pub fn chains(cands: &[Heading], allow_bare: bool) -> Vec<Heading> {
    let pick = |explicit: bool| -> Vec<Heading> {
        let mut out: Vec<Vec<Heading>> = Vec::new();
        let mut cur: Vec<Heading> = Vec::new();
        for h in cands.iter().filter(|h| h.explicit == explicit) {
            let last = cur.last().map(|l| l.seq);
            match last {
                None if h.seq == 1 => cur.push(h.clone()),
                None => {}
                Some(l) if h.seq == l + 1 || h.seq == l + 2 => cur.push(h.clone()),
                Some(_) if h.seq == 1 => {
                    // A restart: a second set of statements, or a numbered list inside a note.
                    // Keep the longer story: close the chain only if it already has substance.
                    if cur.len() >= 3 {
                        out.push(std::mem::take(&mut cur));
                        cur.push(h.clone());
                    }
                }
                Some(_) => {}
            }
        }
        if !cur.is_empty() {
            out.push(cur);
        }
        out.into_iter().filter(|c| c.len() >= 2).flatten().collect()
    };
    let explicit = pick(true);
    if explicit.len() >= 2 || !allow_bare {
        explicit
    } else {
        pick(false)
    }
}

// ---------------------------------------------------------------------------------------------
// Extraction

struct SectionSpan {
    id: String,
    section_type: String,
    start: usize, // chars
    end: usize,
}

fn read_sections(inputs: &[TableRows]) -> Vec<SectionSpan> {
    let Some(t) = input(inputs, "sections") else {
        return Vec::new();
    };
    t.rows
        .iter()
        .filter_map(|r| {
            Some(SectionSpan {
                id: t.get(r, "id").as_str()?.to_string(),
                section_type: t.get(r, "section_type").as_str().unwrap_or("").to_string(),
                start: usize::try_from(t.get(r, "char_start").as_i64()?).ok()?,
                end: usize::try_from(t.get(r, "char_end").as_i64()?).ok()?,
            })
        })
        .collect()
}

/// Byte offset of every character, for character → byte conversion of section ranges.
fn char_to_byte(text: &str, ch: usize) -> usize {
    text.char_indices()
        .nth(ch)
        .map(|(b, _)| b)
        .unwrap_or(text.len())
}

/// A table known to this filing: id and byte range.
struct TableSpan {
    id: String,
    block: Option<usize>,
    start: usize,
    end: usize,
}

fn table_spans(doc: &Document, inputs: &[TableRows], acc: &str) -> Vec<TableSpan> {
    let mut out: Vec<TableSpan> = doc
        .tables
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            let b = doc.blocks.get(t.block as usize)?;
            Some(TableSpan {
                id: table_id(acc, i),
                block: Some(t.block as usize),
                start: b.start as usize,
                end: b.end as usize,
            })
        })
        .collect();
    // Tables the tables stage found beyond the model's (in preformatted text).
    if let Some(t) = input(inputs, "tables") {
        let mut rows: Vec<(i64, String, i64, i64)> = t
            .rows
            .iter()
            .filter_map(|r| {
                Some((
                    t.get(r, "table_index").as_i64()?,
                    t.get(r, "id").as_str()?.to_string(),
                    t.get(r, "char_start").as_i64()?,
                    t.get(r, "char_end").as_i64()?,
                ))
            })
            .filter(|(i, ..)| *i as usize >= doc.tables.len())
            .collect();
        rows.sort();
        for (_, id, cs, ce) in rows {
            out.push(TableSpan {
                id,
                block: None,
                start: char_to_byte(&doc.text, cs as usize),
                end: char_to_byte(&doc.text, ce as usize),
            });
        }
    }
    out
}

/// One output row before ids are assigned.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub kind: &'static str,
    pub note_number: Option<String>,
    pub title: Option<String>,
    pub text: String,
    /// Byte range, when the note has one of its own.
    pub span: Option<(usize, usize)>,
    pub table_ids: Vec<String>,
    pub xbrl_concept: Option<String>,
}

/// Finds the notes in the byte region `[from, to)`.
fn notes_in(
    doc: &Document,
    all: &[Unit],
    from: usize,
    to: usize,
    cfg: &Config,
    allow_bare: bool,
    heading_spans: &mut Vec<(usize, usize)>,
) -> Vec<Note> {
    let us = units(doc, from, to);
    // The Item 15(a) (formerly 14(a)) list — "1. Financial Statements", "2. Financial
    // Statement Schedules", "3. Exhibits" — is numbered like notes but is not one.
    let cands: Vec<Heading> = (0..us.len())
        .filter_map(|i| parse_heading(&us, i, cfg.max_heading_chars))
        .filter(|h| {
            !h.title
                .as_deref()
                .is_some_and(|t| exhibit_list_re().is_match(t))
        })
        .collect();
    let mut heads = chains(&cands, allow_bare);
    // Underlined titles are explicit formatting; a bare-number chain in plain text may be a
    // list (the Item 14 "1. Financial Statements 2. … 3. Exhibits"). The longer story wins.
    let running = running_headers(&us, all);
    if allow_bare && heads.iter().all(|h| !h.explicit) {
        let u = underlined_headings(&us);
        if u.len() >= 2 && u.len() > heads.len() {
            heads = with_page_top_titles(doc, &us, &running, u);
        }
    }
    let mut out = Vec::new();
    for (k, h) in heads.iter().enumerate() {
        let start = us[h.unit].start;
        let next = heads.get(k + 1).map(|n| n.unit).unwrap_or(us.len());
        // A stop heading ends the note early (the last note runs into the auditor's report).
        let mut end_unit = next;
        for (j, u) in us.iter().enumerate().take(next).skip(h.last_unit + 1) {
            let t = u.text.trim();
            if u.is_table && table_titled_stop(t) {
                end_unit = j;
                break;
            }
            // A running page header is not a stop ("Item 1. Financial Statements (Continued)"
            // atop every page of Ford's notes), except a schedule's title: it heads the
            // schedule's own pages, which follow the notes (Booking's "Schedule I - Condensed
            // Financial Information of Parent").
            if !u.is_table
                && (!running[j] || schedule_re().is_match(t))
                && !continued_re().is_match(t)
                && t.chars().count() <= 200
                && is_stop(t)
                && (styled(u) || t.chars().count() <= 80)
            {
                end_unit = j;
                break;
            }
        }
        let end = if end_unit == 0 {
            us[h.last_unit].end
        } else {
            us[end_unit - 1].end.max(us[h.last_unit].end)
        };
        // The note's text: its units, without the page headers and footers printed between
        // them ("Apple Inc. | 2024 Form 10-K | 36"), which belong to the page, not the note.
        let mut parts: Vec<&str> = Vec::new();
        let mut last_block = usize::MAX;
        for (j, u) in us
            .iter()
            .enumerate()
            .take(end_unit.max(h.last_unit + 1))
            .skip(h.unit)
        {
            let t = u.text.trim();
            if t.is_empty() || is_page_furniture(t) || running[j] || u.pre && is_rule(t) {
                continue;
            }
            // A page number set in a layout table ("7 |  |", Lowe's).
            if u.is_table && !t.contains('\n') && {
                let cells: Vec<&str> = t
                    .split('|')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .collect();
                cells.len() <= 1 && is_page_furniture(&cells.concat())
            } {
                continue;
            }
            // The note's heading repeated atop a page: "NOTE 3. REVENUE (Continued)".
            if j > h.last_unit && continued_re().is_match(t) && {
                let base = continued_re().replace(t, "");
                words_eq(&base, us[h.unit].text)
            } {
                continue;
            }
            if u.pre && u.block == last_block {
                parts.push("\n");
            } else if !parts.is_empty() {
                parts.push("\n\n");
            }
            parts.push(if u.pre { u.text.trim_end() } else { t });
            last_block = u.block;
        }
        let text = parts.concat().trim().to_string();
        if text.is_empty() {
            continue;
        }
        out.push(Note {
            kind: "note",
            note_number: (!h.number.is_empty()).then(|| h.number.clone()),
            title: h.title.clone(),
            text,
            span: Some((start, end)),
            table_ids: Vec::new(),
            xbrl_concept: None,
        });
        heading_spans.push((start, us[h.last_unit].end));
    }
    out
}

/// Same words, whatever the spacing and punctuation between them.
fn words_eq(a: &str, b: &str) -> bool {
    let w = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|x| !x.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    w(a) == w(b)
}

/// "… (Continued)" / "…, continued": a heading repeated at the top of a page.
fn continued_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?i)[(,\s]\s*continued\)?\s*$").expect("continued regex"))
}

/// Running page headers and footers: short paragraphs within a few units of a page break
/// whose text recurs at least three times near page breaks ("GAMESTOP CORP." /
/// "NOTES TO CONSOLIDATED FINANCIAL STATEMENTS" / "(Tabular amounts in millions…)" at the
/// top of every page). They belong to the page, not to the note they interrupt. The
/// recurrences are counted over the whole document (`all`), not just the notes region `us`:
/// a short 10-Q's notes may span two pages while the header tops every page of the filing.
fn running_headers(us: &[Unit], all: &[Unit]) -> Vec<bool> {
    const WINDOW: usize = 4;
    let near_break = |us: &[Unit], i: usize| {
        (i.saturating_sub(WINDOW)..=i).any(|k| us[k].style.page_break_before)
            || (i + 1..(i + 1 + WINDOW).min(us.len())).any(|k| us[k].style.page_break_before)
    };
    let candidate = |us: &[Unit], i: usize| {
        !us[i].is_table && us[i].text.trim().chars().count() <= 120 && near_break(us, i)
    };
    let mut counts = std::collections::HashMap::<&str, usize>::new();
    for (i, u) in all.iter().enumerate() {
        if candidate(all, i) {
            *counts.entry(u.text.trim()).or_default() += 1;
        }
    }
    (0..us.len())
        .map(|i| candidate(us, i) && counts.get(us[i].text.trim()).copied().unwrap_or(0) >= 3)
        .collect()
}

fn marker_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^\s*(\(\d{1,2}\)|\([a-z]\)|\d{1,2}\)|\[\d{1,2}\]|[*†‡§]+)\s*(\S.*)$")
            .expect("marker regex")
    })
}

/// Normalises a marker to the form cells carry: "1)" → "(1)", "[1]" → "(1)".
fn norm_marker(m: &str) -> String {
    let inner = m.trim_matches(|c| c == '(' || c == ')' || c == '[' || c == ']');
    if inner.chars().all(|c| c.is_ascii_alphanumeric()) {
        format!("({inner})")
    } else {
        m.to_string()
    }
}

/// Does the table text show marker `m`? ("Total (1)", "5.2*", "(1)(2)"; a numbered marker
/// may also be printed as a bare superscript glued to the label, "Revenue1", "Total 1,2").
fn table_has_marker(table_text: &str, m: &str) -> bool {
    if table_text.contains(m) {
        return true;
    }
    let inner = m.trim_matches(|c| c == '(' || c == ')');
    if inner.is_empty() || !inner.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    // The digit right after a letter or closing bracket, not followed by another digit.
    let b = table_text.as_bytes();
    let mut from = 0;
    while let Some(k) = table_text[from..].find(inner) {
        let at = from + k;
        let end = at + inner.len();
        let before = table_text[..at].chars().next_back();
        let glued = before.is_some_and(|c| c.is_alphabetic() || c == ')' || c == ']');
        let after_ok = b.get(end).is_none_or(|c| !c.is_ascii_digit() && *c != b'.');
        if glued && after_ok {
            return true;
        }
        from = end;
    }
    false
}

/// Footnotes under (or at the bottom of) each table.
/// The footnote rows at the bottom of a model table, bottom-up: (marker as printed, text).
/// A row is a footnote row when its one or two non-empty cells read "(1) Includes …".
fn footnote_rows(tab: &finloom_plugin_api::Table) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for row in tab.rows.iter().rev() {
        let ne: Vec<&str> = row
            .cells
            .iter()
            .map(|c| c.text.as_str().trim())
            .filter(|s| !s.is_empty())
            .collect();
        if ne.is_empty() {
            continue;
        }
        let joined = ne.join(" ");
        let Some(c) = marker_re().captures(&joined) else {
            break;
        };
        if ne.len() > 2 || c[2].split_whitespace().count() < 3 {
            break;
        }
        out.push((c[1].to_string(), joined.clone()));
    }
    out
}

fn model_table<'a>(doc: &'a Document, t: &TableSpan) -> Option<&'a finloom_plugin_api::Table> {
    t.block
        .and_then(|b| doc.blocks.get(b))
        .and_then(|b| usize::try_from(b.table).ok())
        .and_then(|i| doc.tables.get(i))
}

/// A table made only of footnote rows: footnotes laid out as "(1) | text" tables, one per
/// footnote or one for all, under the table they annotate (Alcoa 10-Q).
fn is_footnote_table(doc: &Document, t: &TableSpan) -> bool {
    model_table(doc, t).is_some_and(|tab| {
        let rows = tab
            .rows
            .iter()
            .filter(|r| r.cells.iter().any(|c| !c.text.as_str().trim().is_empty()))
            .count();
        rows > 0 && footnote_rows(tab).len() == rows
    })
}

/// Blank, a page footer ("Apple Inc. | Q3 2023 Form 10-Q | 7") or a rule line: what may sit
/// between a table and its footnotes, or between two tables of one layout.
fn is_filler(doc: &Document, b: &finloom_plugin_api::Block) -> bool {
    doc.text
        .get(b.start as usize..b.end as usize)
        .is_none_or(|x| x.trim().is_empty() || is_page_furniture(x.trim()) || is_rule(x))
}

/// Footnotes under (or at the bottom of) each table.
fn table_notes(doc: &Document, tables: &[TableSpan], cfg: &Config) -> Vec<Note> {
    let mut out = Vec::new();
    let span_at = |block: usize| tables.iter().find(|x| x.block == Some(block));
    let shows = |t: &TableSpan, m: &str, raw: &str| {
        let tt = doc.text.get(t.start..t.end).unwrap_or("");
        table_has_marker(tt, m) || table_has_marker(tt, raw)
    };
    for t in tables {
        // Trailing rows inside the table holding a footnote text. When the whole table is
        // footnotes, they belong to the table above it (skipping other footnote tables).
        if let Some(tab) = model_table(doc, t) {
            let anchor = if is_footnote_table(doc, t) {
                let mut p = t.block.unwrap_or(0);
                let mut found = None;
                while p > 0 {
                    p -= 1;
                    let pb = &doc.blocks[p];
                    if pb.kind != BlockKind::Table {
                        if is_filler(doc, pb) {
                            continue;
                        }
                        break;
                    }
                    match span_at(p) {
                        Some(x) if is_footnote_table(doc, x) => continue,
                        Some(x) => {
                            found = Some(x);
                            break;
                        }
                        None => break,
                    }
                }
                found
            } else {
                None
            };
            let mut inside: Vec<Note> = footnote_rows(tab)
                .into_iter()
                .map(|(raw, text)| {
                    let m = norm_marker(&raw);
                    let owner = anchor.filter(|a| shows(a, &m, &raw)).unwrap_or(t);
                    Note {
                        kind: "table_note",
                        note_number: Some(m),
                        title: None,
                        text,
                        span: None,
                        table_ids: vec![owner.id.clone()],
                        xbrl_concept: None,
                    }
                })
                .collect();
            inside.reverse();
            out.extend(inside);
        }
        // Paragraphs right under the table.
        let Some(bi) = t.block else { continue };
        if is_footnote_table(doc, t) {
            continue;
        }
        // The tables set directly before this one (no text between but page furniture), in
        // document order.
        let mut group: Vec<&TableSpan> = vec![t];
        let mut p = bi;
        while p > 0 && group.len() < 4 {
            p -= 1;
            let pb = &doc.blocks[p];
            if pb.kind != BlockKind::Table {
                // Blank, or a page footer between the two tables of one layout split over a
                // page.
                if is_filler(doc, pb) {
                    continue;
                }
                break;
            }
            match span_at(p) {
                Some(x) if !is_footnote_table(doc, x) => group.insert(0, x),
                _ => break,
            }
        }
        let mut k = bi + 1;
        let mut seen = 0;
        while k < doc.blocks.len() && seen < cfg.table_note_lookahead {
            let b = &doc.blocks[k];
            if b.kind == BlockKind::Table {
                // Footnote tables under it have been read as such; anything else ends it.
                match span_at(k) {
                    Some(x) if is_footnote_table(doc, x) => {
                        k += 1;
                        continue;
                    }
                    _ => break,
                }
            }
            let text = doc
                .text
                .get(b.start as usize..b.end as usize)
                .unwrap_or("")
                .trim();
            k += 1;
            // A rule ("______") often separates a table from its footnotes.
            if text.is_empty() || is_rule(text) {
                continue;
            }
            seen += 1;
            let Some(c) = marker_re().captures(text) else {
                break;
            };
            if text.chars().count() > cfg.max_table_note_chars
                || c[2].split_whitespace().count() < 2
            {
                break;
            }
            let m = norm_marker(&c[1]);
            // A footnote's marker is printed in its table; an enumerated list after a table
            // ("(a) invest in junior trust deeds …") is not the table's footnotes. Tables set
            // one after the other (one per date, or side by side) share the footnotes under
            // the last: the note belongs to each of them that shows its marker.
            let ids: Vec<String> = group
                .iter()
                .filter(|g| {
                    let gt = doc.text.get(g.start..g.end).unwrap_or("");
                    table_has_marker(gt, &m) || table_has_marker(gt, &c[1])
                })
                .map(|g| g.id.clone())
                .collect();
            if ids.is_empty() {
                break;
            }
            out.push(Note {
                kind: "table_note",
                note_number: Some(m),
                title: None,
                text: text.to_string(),
                span: Some((b.start as usize, b.end as usize)),
                table_ids: ids,
                xbrl_concept: None,
            });
        }
    }
    out
}

/// Runs the plugin on one filing.
pub fn extract_footnotes(
    filing: &FilingMeta,
    doc: &Document,
    inputs: &[TableRows],
    cfg: &Config,
) -> Result<TableRows, String> {
    let acc = filing.accession_number.as_str();
    if acc.is_empty() {
        return Err("filing has no accession number".into());
    }
    let text = doc.text.as_str();
    let sections = read_sections(inputs);
    // Regions: the statement sections, in document order.
    let mut regions: Vec<(usize, usize)> = sections
        .iter()
        .filter(|s| cfg.statement_sections.iter().any(|t| t == &s.section_type))
        .map(|s| (char_to_byte(text, s.start), char_to_byte(text, s.end)))
        .collect();
    regions.sort();
    // The whole document's units, cut once: the fallback region search and the running
    // page headers (counted over every page) both need them.
    let all = units(doc, 0, text.len());
    let mut notes: Vec<Note> = Vec::new();
    let mut heads: Vec<(usize, usize)> = Vec::new();
    for &(a, b) in &regions {
        notes.extend(notes_in(doc, &all, a, b, cfg, true, &mut heads));
    }
    // A statements section of real length holds the notes if the filing has any; searching
    // the rest of the document then only finds numbered lists (the Item 14 "1. Financial
    // Statements 2. Financial Statement Schedules 3. Exhibits" list of a 1990s 10-K).
    let statement_chars: usize = sections
        .iter()
        .filter(|s| cfg.statement_sections.iter().any(|t| t == &s.section_type))
        .map(|s| s.end.saturating_sub(s.start))
        .sum();
    // No notes in the statement sections: the statements may be elsewhere (an F-pages
    // appendix after the signatures, while Item 8 says "see page F-1" and Item 15 is a long
    // exhibit index). A "Notes to … Financial Statements" heading anchors a search from it;
    // without one, the whole document is searched only when no statements section of real
    // length exists.
    let notes_headings: Vec<usize> = all
        .iter()
        .filter(|u| {
            !u.is_table
                && u.text.trim().chars().count() <= 200
                && notes_to_re().is_match(u.text)
                && !toc_entry_re().is_match(u.text)
        })
        .map(|u| u.start)
        .collect();
    if notes.is_empty() && (statement_chars < cfg.min_statement_chars || !notes_headings.is_empty())
    {
        // From each "Notes to … Financial Statements" heading in turn (the first may be a
        // line of an index of financial statements, followed by "Schedule II", where the
        // search stops at once), else the whole document. Without a heading, bare numbers
        // ("1. Financial Statements" in an exhibit list) are too weak: only "Note N"
        // headings count.
        for &from in &notes_headings {
            heads.clear();
            notes = notes_in(doc, &all, from, text.len(), cfg, true, &mut heads);
            if !notes.is_empty() {
                break;
            }
        }
        if notes.is_empty() {
            heads.clear();
            notes = notes_in(doc, &all, 0, text.len(), cfg, false, &mut heads);
        }
    }
    let tables = table_spans(doc, inputs, acc);
    // Tables inside notes, and the TextBlock fact overlapping each note most.
    for (n, &(hs, he)) in notes.iter_mut().zip(heads.iter()) {
        let Some((s, e)) = n.span else { continue };
        n.table_ids = tables
            .iter()
            .filter(|t| t.start >= s && t.start < e)
            .map(|t| t.id.clone())
            .collect();
        // In document order (an enclosing block comes before the blocks nested in it).
        let text_blocks = || {
            doc.facts
                .iter()
                .enumerate()
                .filter(|(_, f)| !f.numeric && f.name.as_str().ends_with("TextBlock"))
        };
        // The note's own block starts in its heading (filers wrap the title, or the whole
        // note, in it); a block split with `continuedAt` may show only that first fragment,
        // so the heading is the reliable anchor. Otherwise: the block overlapping most.
        // Ties (a note tagged twice, one element inside the other, both showing the same
        // text) go to the first, enclosing one.
        use std::cmp::Reverse;
        let in_heading = text_blocks()
            .filter(|(_, f)| (f.start as usize) >= hs && (f.start as usize) < he.max(hs + 1))
            .max_by_key(|(k, f)| (f.end - f.start, Reverse(f.start), Reverse(*k)))
            .map(|(_, f)| f.name.to_string());
        n.xbrl_concept = in_heading.or_else(|| {
            text_blocks()
                .map(|(k, f)| {
                    let ov = (f.end as usize)
                        .min(e)
                        .saturating_sub((f.start as usize).max(s));
                    (ov, k, f)
                })
                .filter(|(ov, _, _)| *ov > 0)
                .max_by_key(|(ov, k, f)| (*ov, Reverse(f.start), Reverse(*k)))
                .map(|(_, _, f)| f.name.to_string())
        });
    }
    notes.extend(table_notes(doc, &tables, cfg));
    let ci = CharIndex::new(text);
    let mut rows = SCHEMA.rows();
    let mut ordinals = std::collections::BTreeMap::<&str, i64>::new();
    for n in notes {
        let ord = ordinals.entry(n.kind).or_insert(0);
        let ordinal = *ord;
        *ord += 1;
        let (cs, ce) = match n.span {
            Some((s, e)) => (
                Some(ci.chars(text, s) as i64),
                Some(ci.chars(text, e) as i64),
            ),
            None => (None, None),
        };
        let section = cs.and_then(|c| {
            sections
                .iter()
                .filter(|s| s.start as i64 <= c && c < s.end as i64)
                .min_by_key(|s| s.end - s.start)
        });
        rows.push([
            format!("{acc}/fn/{}/{ordinal}", n.kind).into(),
            acc.into(),
            section.map(|s| s.id.clone()).into(),
            n.kind.into(),
            n.note_number.into(),
            n.title.into(),
            n.text.into(),
            cs.into(),
            ce.into(),
            if n.table_ids.is_empty() {
                Value::Null
            } else {
                n.table_ids.join(",").into()
            },
            n.xbrl_concept.into(),
            Value::Int(ordinal),
        ])?;
    }
    Ok(rows.finish())
}

#[cfg(test)]
mod tests;

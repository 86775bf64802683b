//! The extraction logic of the `sections` plugin (see the crate docs for the method).
//!
//! This module is self-contained (it names no `crate::` items) on purpose: the chunker's
//! tests compile it directly with `#[path]`, because linking this crate's rlib next to another
//! plugin would define abi_stable's root-module symbol twice.

use std::collections::HashMap;
use std::sync::OnceLock;

use finloom_plugin_api::schema::{ColumnSpec as C, TableSchema};
use finloom_plugin_api::{
    util::CharIndex, BlockKind, Document, FilingMeta, Manifest, TableRows, Value, INTERFACE_VERSION,
};
use finloom_plugin_kit::text::{all_caps, table_marker};
use regex::Regex;
use serde::Deserialize;

/// Plugin name as declared in the manifest.
pub const NAME: &str = "sections";
/// Plugin version as declared in the manifest.
/// Taken from Cargo.toml, so the crate and the manifest cannot disagree.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The output table.
pub const TABLE: &str = "sections";

/// The output table, declared once: the manifest's declaration and the rows are built from
/// it. One row per (accession_number, section_type), the key.
pub const SCHEMA: TableSchema<14> = TableSchema::new(
    TABLE,
    [
        C::text("id"),
        C::text("accession_number"),
        C::text("section_type"),
        C::text("part").nullable(),
        C::text("item"),
        C::text("title").nullable(),
        C::text("text"),
        C::bigint("char_start").nullable(),
        C::bigint("char_end").nullable(),
        C::bigint("word_count").nullable(),
        C::text("status"),
        C::text("method"),
        C::double("confidence"),
        C::bigint("section_index"),
    ],
    &["accession_number", "section_type"],
);

/// The stage's config table (`[stages.sections]` in pipeline.toml). Every field has a default,
/// so `{}` is a valid config.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// End the last section at a `SIGNATURES` heading when there is one.
    pub stop_at_signatures: bool,
    /// Units longer than this (in characters) need a heading style or a separator followed
    /// by a capitalised title to count as a heading.
    pub max_heading_chars: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            stop_at_signatures: true,
            max_heading_chars: 200,
        }
    }
}

/// The manifest: stage `sections`, no inputs, one output table keyed by
/// `(accession_number, section_type)`.
pub fn manifest() -> Manifest {
    Manifest {
        name: NAME.into(),
        version: VERSION.into(),
        interface_version: INTERFACE_VERSION,
        stage: "sections".into(),
        inputs: Default::default(),
        outputs: vec![SCHEMA.decl()].into(),
    }
}

/// Runs the extraction and returns the `sections` table rows.
pub fn extract_table(
    filing: &FilingMeta,
    doc: &Document,
    config_json: &str,
) -> Result<TableRows, String> {
    let config = parse_config(config_json).map_err(|e| format!("sections config: {e}"))?;
    let sections = extract_sections(filing, doc, &config)?;
    let mut out = SCHEMA.rows();
    for s in sections {
        out.push([
            s.id.into(),
            s.accession_number.into(),
            s.section_type.into(),
            s.part.into(),
            s.item.into(),
            s.title.into(),
            s.text.into(),
            (s.char_start as i64).into(),
            (s.char_end as i64).into(),
            (s.word_count as i64).into(),
            s.status.into(),
            s.method.into(),
            Value::Float(s.confidence),
            (s.section_index as i64).into(),
        ])?;
    }
    Ok(out.finish())
}

/// Parses the stage config; empty or blank input means defaults.
/// Errors name the key first (`` `key`: … ``), as the host's plan-time check wants.
pub fn parse_config(config_json: &str) -> Result<Config, String> {
    finloom_plugin_kit::config::parse(config_json)
}

/// One extracted section (one row of the `sections` table).
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub id: String,
    pub accession_number: String,
    pub section_type: String,
    pub part: Option<String>,
    pub item: String,
    pub title: Option<String>,
    pub text: String,
    pub char_start: usize,
    pub char_end: usize,
    pub word_count: usize,
    pub status: &'static str,
    pub method: &'static str,
    pub confidence: f64,
    pub section_index: usize,
}

/// The form families whose item structure this plugin knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    TenK,
    /// 10-KSB (small business issuers, to 2009): its own numbering, Items 1–14 with 8A/8B
    /// (Item 7 is the financial statements, Item 13 the exhibits).
    TenKsb,
    TenQ,
    EightK,
}

/// Maps an EDGAR form type (`10-K405`, `10-KSB`, `10-Q/A`, `8-K12B`…) to its family.
pub fn form_family(form_type: &str) -> Option<Form> {
    // "10KSB", "10-KSB40", "10-KT405", "10-Q/A": the family is the digits and the letter
    // after them, however the dash is written.
    let f: String = form_type
        .trim()
        .to_ascii_uppercase()
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '_'))
        .collect();
    if f.starts_with("10KSB") {
        Some(Form::TenKsb)
    } else if f.starts_with("10K") {
        Some(Form::TenK)
    } else if f.starts_with("10Q") {
        Some(Form::TenQ)
    } else if f.starts_with("8K") {
        Some(Form::EightK)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Patterns

fn item_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // `\s` is Unicode-aware, so non-breaking spaces are tolerated. The dotted 8-K form is
        // tried first so `Item 2.02` is not read as item 2.
        Regex::new(
            r"(?i)^[\s\u{200b}]*(?:PART[\s\u{200b}]+(IV|III|II|I)\b[\s\u{200b}]*[.,:;\u{2014}\u{2013}-]?[\s\u{200b}]*)?(ITEMS?)[\s\u{200b}]*(?:NO\.?[\s\u{200b}]*)?(\d{1,2}\.\d{1,2}|\d{1,2}[A-C]?)",
        )
        .expect("item regex")
    })
}

fn part_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?i)^\s*PART\s+(IV|III|II|I)\b").expect("part regex"))
}

fn furniture_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?ix)^\s*(?:
                (?:page\s*)?[-\u{2013}\u{2014}(]?\s*(?:[A-Z]{1,2}\s?-\s?)?\d{1,4}\s*[-\u{2013}\u{2014})]?   # 12, - 12 -, F-12, Page 3
              | (?:page\s*)?\d{1,4}\s+of\s+\d{1,4}                 # 1 of 2, Page 3 of 40
              | [ivxlc]{1,6}                                      # roman page numbers
              | (?:back\s+to\s+)?(?:table\s+of\s+contents|contents|index)(?:\s*[>^])?
              | <page>
            )\s*$",
        )
        .expect("furniture regex")
    })
}

fn signature_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?i)^\s*SIGNATURES?\s*:?\s*$").expect("signature regex"))
}

fn reserved_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^[\s\[\(.]*(?:removed\s+and\s+)?reserved[\s\]\).]*$").expect("reserved")
    })
}

fn ibr_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // "… is incorporated herein by reference", and the cross-reference wording of
        // 10-Ks whose text sits in the annual report exhibit: "Information in response to
        // this Item 7 can be found in the 2024 Annual Report to Shareholders under …".
        Regex::new(r"(?i)incorporated\s+(?:herein\s+|in(?:to)?\s+this\s+\w+\s+)?by\s+reference|\b(?:can|may|will)\s+be\s+found\s+in\b|\bis\s+(?:included|contained|set\s+forth)\s+(?:in|under)\b")
            .expect("ibr")
    })
}

fn ibr_source_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)proxy|information\s+statement|annual\s+report\s+to\s+(?:share|stock)holders",
        )
        .expect("ibr source")
    })
}

// ---------------------------------------------------------------------------------------------
// Item identifiers

/// An item number as printed: `7`, `7A`, `2.02`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ItemNo {
    num: u8,
    letter: Option<char>,
    /// The `02` of `2.02` (8-K numbering since 2004).
    minor: Option<u8>,
}

impl ItemNo {
    /// "7", "1A" (any case): a number and an optional letter, no 8-K minor number.
    fn from_label(label: &str) -> Option<ItemNo> {
        let (n, letter) = match label.chars().last() {
            Some(ch) if ch.is_ascii_alphabetic() => {
                (&label[..label.len() - 1], Some(ch.to_ascii_uppercase()))
            }
            _ => (label, None),
        };
        Some(ItemNo {
            num: n.parse().ok()?,
            letter,
            minor: None,
        })
    }

    fn label(&self) -> String {
        match (self.minor, self.letter) {
            (Some(m), _) => format!("{}.{:02}", self.num, m),
            (None, Some(l)) => format!("{}{}", self.num, l),
            (None, None) => self.num.to_string(),
        }
    }
}

const TEN_K_ITEMS: &[&str] = &[
    "1", "1A", "1B", "1C", "2", "3", "4", "5", "6", "7", "7A", "8", "9", "9A", "9B", "9C", "10",
    "11", "12", "13", "14", "15", "16",
];
const TEN_KSB_ITEMS: &[&str] = &[
    "1", "2", "3", "4", "5", "6", "7", "8", "8A", "8B", "9", "10", "11", "12", "13", "14",
];
const TEN_Q_PART1: &[&str] = &["1", "2", "3", "4"];
const TEN_Q_PART2: &[&str] = &["1", "1A", "2", "3", "4", "5", "6"];

/// The 8-K items defined since August 2004.
fn eight_k_item_valid(num: u8, minor: u8) -> bool {
    let max = match num {
        1 => 5,
        2 => 6,
        3 => 3,
        4 => 2,
        5 => 8,
        6 => 10,
        7..=9 => 1,
        _ => 0,
    };
    (1..=max).contains(&minor)
}

/// Position of an item in the form's canonical order (the order headings must follow), or
/// `None` when the item does not exist in that form / part.
fn item_order(form: Form, part: u8, item: &ItemNo) -> Option<u32> {
    let label = item.label();
    match form {
        Form::TenK | Form::TenKsb => {
            if item.minor.is_some() {
                return None;
            }
            let list = if form == Form::TenKsb {
                TEN_KSB_ITEMS
            } else {
                TEN_K_ITEMS
            };
            list.iter().position(|l| *l == label).map(|p| p as u32)
        }
        Form::TenQ => {
            if item.minor.is_some() {
                return None;
            }
            let list = if part == 2 { TEN_Q_PART2 } else { TEN_Q_PART1 };
            list.iter()
                .position(|l| *l == label)
                .map(|p| part as u32 * 100 + p as u32)
        }
        Form::EightK => match item.minor {
            Some(m) if eight_k_item_valid(item.num, m) => Some(item.num as u32 * 100 + m as u32),
            Some(_) => None,
            // Pre-2004 numbering: Items 1–13.
            None if item.letter.is_none() && (1..=13).contains(&item.num) => Some(item.num as u32),
            None => None,
        },
    }
}

/// The standard part of a 10-K item (Part I: 1–4, II: 5–9C, III: 10–14, IV: 15–16).
/// The standard part of a 10-KSB item (Part I: 1–4, II: 5–8B, III: 9–14).
fn ten_ksb_part(item: &ItemNo) -> u8 {
    match item.num {
        1..=4 => 1,
        5..=8 => 2,
        _ => 3,
    }
}

fn ten_k_part(item: &ItemNo) -> u8 {
    match item.num {
        1..=4 => 1,
        5..=9 => 2,
        10..=14 => 3,
        _ => 4,
    }
}

fn roman(s: &str) -> u8 {
    match s.to_ascii_uppercase().as_str() {
        "I" => 1,
        "II" => 2,
        "III" => 3,
        "IV" => 4,
        _ => 0,
    }
}

fn part_name(p: u8) -> String {
    format!("part{p}")
}

// ---------------------------------------------------------------------------------------------
// Units

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UnitKind {
    /// A whole paragraph block (no line breaks inside).
    Para,
    /// One line of a block that keeps its line breaks (preformatted / plain text).
    Line,
    /// A table block; the payload indexes `Document::tables`.
    Table(usize),
}

#[derive(Debug, Clone)]
struct Unit {
    kind: UnitKind,
    block: usize,
    /// Byte range in `Document::text`, trimmed of surrounding white space.
    start: usize,
    end: usize,
    /// First line of a block, or preceded by a blank line.
    line_start: bool,
    styled: bool,
    furniture: bool,
    /// A table of contents (table whose rows are mostly item entries).
    toc_table: bool,
    /// For tables: the text of the first non-empty row, cells joined by spaces.
    label: Option<String>,
    /// A `PART II …` heading (short unit starting with PART + roman numeral).
    part: Option<u8>,
    signature: bool,
}

impl Unit {
    fn text<'a>(&'a self, doc: &'a Document) -> &'a str {
        match &self.label {
            Some(l) => l.as_str(),
            None => &doc.text[self.start..self.end],
        }
    }

    /// Length counted when measuring how much content follows a heading.
    fn content_len(&self) -> usize {
        if self.furniture || self.toc_table {
            0
        } else {
            self.end - self.start
        }
    }
}

fn trim_range(text: &str, start: usize, end: usize) -> (usize, usize) {
    let s = &text[start..end];
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    if lead == s.len() {
        return (start, start);
    }
    (start + lead, end - trail)
}

fn row_text(row: &finloom_plugin_api::Row) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in row.cells.iter() {
        let t = c.text.as_str().trim();
        if !t.is_empty() {
            parts.push(t);
        }
    }
    parts.join(" ")
}

/// A table is a table of contents when at least three of its rows start with an item (or
/// part) entry, or when item entries make up most of its rows.
fn is_toc_table(t: &finloom_plugin_api::Table) -> bool {
    let mut items = 0usize;
    let mut rows = 0usize;
    for r in t.rows.iter() {
        let txt = row_text(r);
        if txt.is_empty() {
            continue;
        }
        rows += 1;
        if item_re().is_match(&txt) || part_re().is_match(&txt) {
            items += 1;
        }
    }
    items >= 3 || (items >= 2 && items * 2 > rows)
}

fn build_units(doc: &Document) -> Vec<Unit> {
    let text = doc.text.as_str();
    let mut units = Vec::new();
    for (bi, b) in doc.blocks.iter().enumerate() {
        let (bs, be) = (b.start as usize, b.end as usize);
        if bs > be || be > text.len() || !text.is_char_boundary(bs) || !text.is_char_boundary(be) {
            continue;
        }
        let st = b.style;
        let styled = st.bold || st.all_caps || st.centered || st.underline || st.heading_level > 0;
        match b.kind {
            BlockKind::Table => {
                let (s, e) = trim_range(text, bs, be);
                let ti = if b.table >= 0 && (b.table as usize) < doc.tables.len() {
                    b.table as usize
                } else {
                    continue;
                };
                let table = &doc.tables[ti];
                let toc = is_toc_table(table);
                // Only small tables can be a heading laid out in cells ("Item 1. | Business").
                let label = if !toc && table.rows.len() <= 3 {
                    table
                        .rows
                        .iter()
                        .map(row_text)
                        .find(|t| !t.is_empty())
                        .unwrap_or_default()
                } else {
                    String::new()
                };
                units.push(Unit {
                    kind: UnitKind::Table(ti),
                    block: bi,
                    start: s,
                    end: e,
                    line_start: true,
                    styled,
                    furniture: false,
                    toc_table: toc,
                    label: Some(label),
                    part: None,
                    signature: false,
                });
            }
            BlockKind::Paragraph | BlockKind::Preformatted => {
                let bt = &text[bs..be];
                if !bt.trim().contains('\n') {
                    let (s, e) = trim_range(text, bs, be);
                    if s == e {
                        continue;
                    }
                    units.push(Unit {
                        kind: UnitKind::Para,
                        block: bi,
                        start: s,
                        end: e,
                        line_start: true,
                        styled,
                        furniture: false,
                        toc_table: false,
                        label: None,
                        part: None,
                        signature: false,
                    });
                } else {
                    let mut prev_blank = true;
                    let mut off = bs;
                    for line in bt.split_inclusive('\n') {
                        let ls = off;
                        off += line.len();
                        let (s, e) = trim_range(text, ls, off);
                        if s == e || text[s..e].chars().all(|c| c == '\u{c}') {
                            prev_blank = true;
                            continue;
                        }
                        let lt = &text[s..e];
                        units.push(Unit {
                            kind: UnitKind::Line,
                            block: bi,
                            start: s,
                            end: e,
                            line_start: prev_blank,
                            styled: styled || all_caps(lt, 1),
                            furniture: false,
                            toc_table: false,
                            label: None,
                            part: None,
                            signature: false,
                        });
                        prev_blank = false;
                    }
                }
            }
        }
    }
    mark_furniture(doc, &mut units);
    for u in units.iter_mut() {
        if matches!(u.kind, UnitKind::Table(_)) {
            continue;
        }
        let t = &doc.text[u.start..u.end];
        // Running heads ("PART I" on every page) are furniture but still tell the part.
        if t.chars().count() <= 120 {
            if let Some(c) = part_re().captures(t) {
                u.part = Some(roman(&c[1]));
            }
            u.signature = !u.furniture && signature_re().is_match(t);
        }
    }
    units
}

/// Flags page furniture: page numbers, "Table of Contents" back-links, and short lines
/// repeated on many pages (running heads and feet such as `Apple Inc. | 2024 Form 10-K | 12`
/// or `GAMESTOP CORP.`).
///
/// A repeated short line counts as furniture when it carries a page number or a `|`
/// separator (3+ times), when most of its occurrences sit next to a page break (3+ times), or
/// when it is repeated very often (8+ times). Short answers such as "None." or "Not
/// applicable." are never furniture, however often they occur.
fn mark_furniture(doc: &Document, units: &mut [Unit]) {
    fn key(t: &str, page_number: bool) -> Option<String> {
        if t.chars().count() > 100 {
            return None;
        }
        // `page_number`: the page number at either end of a running foot is one '#' whatever
        // its digits ("2025 FORM 10-K 7" and "… 23", "4 2025 FORM 10-K" and "74 …" are one
        // foot each; `None` when the line has no such number); other digits count.
        let mut words: Vec<&str> = t.split_whitespace().collect();
        let n = words.len();
        if page_number {
            if n >= 2 && page_number_token(words[n - 1], 4) {
                words[n - 1] = "#";
            } else if n >= 2 && page_number_token(words[0], 3) {
                words[0] = "#";
            } else {
                return None;
            }
        }
        let k = words
            .join(" ")
            .chars()
            .map(|c| if c.is_ascii_digit() { '#' } else { c })
            .collect::<String>()
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let bare = k.trim_end_matches(['.', ':', ';']);
        if bare.is_empty()
            || matches!(
                bare,
                "none" | "not applicable" | "n/a" | "omitted" | "not required" | "[reserved]"
            )
        {
            return None;
        }
        Some(k)
    }
    // A page break comes right before unit i.
    let pb_before: Vec<bool> = (0..units.len())
        .map(|i| {
            let first_of_block = i == 0 || units[i - 1].block != units[i].block;
            first_of_block && doc.blocks[units[i].block].style.page_break_before
        })
        .collect();
    let at_page_edge = |i: usize| -> bool {
        let top = pb_before[i] || (i >= 1 && pb_before[i - 1]);
        let bottom = pb_before.get(i + 1).copied().unwrap_or(true)
            || pb_before.get(i + 2).copied().unwrap_or(false);
        top || bottom
    };
    // key -> (occurrences, occurrences at a page edge)
    let mut counts: HashMap<String, (usize, usize)> = HashMap::new();
    let keys: Vec<Option<String>> = units
        .iter()
        .map(|u| match u.kind {
            UnitKind::Table(_) => None,
            _ => key(&doc.text[u.start..u.end], false),
        })
        .collect();
    // Running feet at page edges, their page numbers of any length counted as one.
    let mut feet: HashMap<String, usize> = HashMap::new();
    let foot_keys: Vec<Option<String>> = units
        .iter()
        .enumerate()
        .map(|(i, u)| match u.kind {
            UnitKind::Table(_) => None,
            _ if at_page_edge(i) => key(&doc.text[u.start..u.end], true),
            _ => None,
        })
        .collect();
    for k in foot_keys.iter().flatten() {
        *feet.entry(k.clone()).or_default() += 1;
    }
    for (i, k) in keys.iter().enumerate() {
        if let Some(k) = k {
            let e = counts.entry(k.clone()).or_default();
            e.0 += 1;
            if at_page_edge(i) {
                e.1 += 1;
            }
        }
    }
    for (i, u) in units.iter_mut().enumerate() {
        if matches!(u.kind, UnitKind::Table(_)) {
            continue;
        }
        let t = &doc.text[u.start..u.end];
        if item_re().is_match(t) {
            continue;
        }
        if furniture_re().is_match(t) {
            u.furniture = true;
        } else if let Some(k) = &keys[i] {
            let (n, edge) = counts.get(k).copied().unwrap_or((0, 0));
            let numbered = k.contains('#') || k.contains('|');
            let short = k.chars().count() <= 60;
            if (numbered && n >= 3) || (n >= 3 && edge * 2 > n) || (short && n >= 8) {
                u.furniture = true;
            }
        }
        if foot_keys[i]
            .as_ref()
            .is_some_and(|k| feet.get(k).copied().unwrap_or(0) >= 3)
        {
            u.furniture = true;
        }
    }
    mark_item_running_heads(doc, units, &pb_before);
}

/// "Item 7A" alone: an item's number without its title.
fn bare_item_label_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^\s*(?:part\s+(?:iv|iii|ii|i)\b\s*[.,:;\u{2013}\u{2014}-]?\s*)?items?\s*\d{1,2}[a-c]?(?:\s*(?:,|&|and|through|to|-|\u{2013}|\u{2014})\s*\d{1,2}[a-c]?)*\s*[.:]?\s*$")
            .expect("bare item label")
    })
}

/// Running heads that name the item a page belongs to: "PART II" / "Item 7" at the top of
/// every page of Item 7 (Microsoft's 10-Ks). Such a line is an item's number alone, and on its
/// page only page furniture comes before it. It is furniture when the same line heads three
/// pages or more, or when the item's own heading ("ITEM 7A. QUANTITATIVE AND …") follows it
/// right away; otherwise the running head above the forward-looking statements would start
/// Item 1, and the one above "ITEM 1A. RISK FACTORS" would end Item 1.
fn mark_item_running_heads(doc: &Document, units: &mut [Unit], pb_before: &[bool]) {
    let label_key = |t: &str| -> String {
        t.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
            .trim_end_matches(['.', ':'])
            .to_string()
    };
    let mut tops: Vec<usize> = Vec::new();
    let mut only_furniture = false;
    for (i, u) in units.iter().enumerate() {
        if pb_before[i] {
            only_furniture = true;
        }
        if matches!(u.kind, UnitKind::Table(_)) {
            only_furniture = false;
            continue;
        }
        let t = &doc.text[u.start..u.end];
        if only_furniture && !u.furniture && bare_item_label_re().is_match(t) {
            tops.push(i);
        }
        let part_head = t.chars().count() <= 40 && part_re().is_match(t);
        if !(u.furniture || part_head) {
            only_furniture = false;
        }
    }
    let mut counts: HashMap<String, usize> = HashMap::new();
    for &i in &tops {
        *counts
            .entry(label_key(&doc.text[units[i].start..units[i].end]))
            .or_default() += 1;
    }
    for &i in &tops {
        let t = &doc.text[units[i].start..units[i].end];
        let repeated = counts.get(&label_key(t)).copied().unwrap_or(0) >= 3;
        let above_its_heading = parse_item_start(t).is_some_and(|(item, _, _)| {
            units[i + 1..]
                .iter()
                .find(|n| !n.furniture)
                .filter(|n| !matches!(n.kind, UnitKind::Table(_)))
                .map(|n| &doc.text[n.start..n.end])
                .filter(|nt| !bare_item_label_re().is_match(nt))
                .and_then(parse_item_start)
                .is_some_and(|(next, _, _)| next == item)
        });
        if repeated || above_its_heading {
            units[i].furniture = true;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Candidates

#[derive(Debug, Clone)]
struct Candidate {
    unit: usize,
    /// Last unit that belongs to the heading (the unit itself, or the next one when the title
    /// was split over two blocks).
    title_end_unit: usize,
    /// Byte offset where the section body starts inside `unit` when the heading shares its
    /// block with body text; `None` when the body starts with the next unit.
    body_in_unit: Option<usize>,
    /// No heading at all: the section's body starts with `unit` itself (an item located
    /// through a cross-reference index by its page).
    headless: bool,
    item: ItemNo,
    explicit_part: Option<u8>,
    part: u8,
    title: String,
    score: f64,
    method: &'static str,
    ord: u32,
    weight: f64,
}

impl Candidate {
    /// A section start found by something else than an "Item N" heading (a title alone, the
    /// executive-officers heading, a PART body): the heading is unit `unit` alone.
    fn at_unit(
        unit: usize,
        item: ItemNo,
        part: u8,
        title: String,
        score: f64,
        method: &'static str,
        ord: u32,
    ) -> Candidate {
        Candidate {
            unit,
            title_end_unit: unit,
            body_in_unit: None,
            headless: false,
            item,
            explicit_part: None,
            part,
            title,
            score,
            method,
            ord,
            weight: 0.0,
        }
    }
}

fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Does `s` look like an item title ("MANAGEMENT'S DISCUSSION…", "Risk Factors") rather
/// than a sentence of body text?
fn looks_like_title(s: &str) -> bool {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > 200 {
        return false;
    }
    let bare = t.trim_end_matches(['.', ':']).to_ascii_lowercase();
    if matches!(
        bare.as_str(),
        "none" | "not applicable" | "n/a" | "omitted" | "not required"
    ) {
        return false;
    }
    if all_caps(t, 1) || reserved_re().is_match(t) {
        return true;
    }
    let words: Vec<&str> = t.split_whitespace().collect();
    if words.len() > 25 {
        return false;
    }
    let long: Vec<&&str> = words
        .iter()
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 4)
        .collect();
    if long.is_empty() {
        return false;
    }
    let caps = long
        .iter()
        .filter(|w| {
            w.chars()
                .find(|c| c.is_alphabetic())
                .is_some_and(|c| c.is_uppercase())
        })
        .count();
    caps * 10 >= long.len() * 6
}

/// Whether a heading line stops in the middle of a phrase (ends with "and", "of", a comma…),
/// i.e. the title continues on the next line.
fn ends_mid_phrase(title: &str) -> bool {
    let t = title.trim_end();
    if t.ends_with([',', '&', '-']) {
        return true;
    }
    let last = t
        .rsplit(char::is_whitespace)
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(
        last.as_str(),
        "and" | "of" | "the" | "for" | "in" | "on" | "to" | "or" | "with" | "by" | "from" | "about"
    )
}

/// Parses the item heading at the start of `t`. Returns the item, an explicit part, the
/// byte offset just after the item number, and whether the item keyword was plural.
fn parse_item_start(t: &str) -> Option<(ItemNo, Option<u8>, usize)> {
    let c = item_re().captures(t)?;
    let numm = c.get(3)?;
    let mut num_s = numm.as_str();
    let mut end = numm.end();
    // "Item 1Business" (no space): the letter is the start of a word, not 1B.
    if let Some(last) = num_s.chars().last() {
        if last.is_ascii_alphabetic()
            && t[end..]
                .chars()
                .next()
                .is_some_and(|n| n.is_ascii_lowercase())
        {
            num_s = &num_s[..num_s.len() - 1];
            end -= 1;
        }
    }
    let next = t[end..].chars().next();
    if next.is_some_and(|n| n.is_ascii_digit()) {
        return None;
    }
    let item = if let Some((a, b)) = num_s.split_once('.') {
        if b.len() != 2 {
            // "Item 1.1" — not a valid form; read as item 1 only when the dot is punctuation.
            return None;
        }
        ItemNo {
            num: a.parse().ok()?,
            letter: None,
            minor: Some(b.parse().ok()?),
        }
    } else {
        ItemNo::from_label(num_s)?
    };
    if item.num == 0 {
        return None;
    }
    let part = c.get(1).map(|m| roman(m.as_str()));
    Some((item, part, end))
}

fn not_applicable_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^(?:are\s+)?(?:not\s+applicable|inapplicable|none|omitted)\b")
            .expect("not applicable")
    })
}

fn sub_item_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^\([A-Za-z0-9]{1,4}\)").expect("sub item"))
}

fn plural_tail_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)^(?:\s*(?:,|and|&|through|to|-|\u{2013})\s*(?:\d{1,2}(?:\.\d{2})?[A-C]?))+",
        )
        .expect("plural tail")
    })
}

/// Checks what follows the item number. Returns (separator seen, rest starts with capital /
/// is empty, offset where the title words begin) or `None` when the text reads like a
/// sentence ("Item 7 of this report", "Item 7, above").
fn heading_tail(t: &str, after: usize, plural: bool) -> Option<(bool, bool, usize)> {
    let mut pos = after;
    if plural {
        if let Some(m) = plural_tail_re().find(&t[pos..]) {
            pos += m.end();
        }
    }
    let mut sep = false;
    let mut r = t[pos..].trim_start();
    // "Item 9A(T)": the temporary smaller-company variant of Item 9A.
    if r.starts_with("(T)") || r.starts_with("(t)") {
        r = r[3..].trim_start();
    }
    // "Item 14(a)(1)" / "Item 14 (a)(2):" name a sub-item, not the item's heading.
    if sub_item_re().is_match(r) {
        return None;
    }
    // Separators: "7.", "7:", "7 -", "7 —", "7)".
    while let Some(c) = r.chars().next() {
        if matches!(c, '.' | ':' | '-' | '\u{2013}' | '\u{2014}' | ')' | '|') {
            sep = true;
            r = &r[c.len_utf8()..];
            let t2 = r.trim_start();
            r = t2;
        } else {
            break;
        }
    }
    pos = t.len() - r.len();
    match r.chars().next() {
        None => Some((sep, true, pos)),
        Some(c) if c.is_lowercase() => None,
        Some(',') | Some(';') => None,
        Some(c)
            if c.is_uppercase()
                || c.is_ascii_digit()
                || matches!(c, '[' | '(' | '"' | '\u{201c}' | '\'' | '\u{2018}' | '&') =>
        {
            Some((sep, true, pos))
        }
        Some(_) => Some((sep, false, pos)),
    }
}

/// The title of a heading that shares its block with body text: up to the end of the first
/// sentence after the item number (at most ~150 characters).
fn inline_title_end(t: &str, title_from: usize) -> usize {
    let rest = &t[title_from..];
    let mut end = rest.len();
    for (i, c) in rest.char_indices() {
        if i > 160 {
            // No sentence end soon: cut at the last space before the limit.
            end = rest[..i].rfind(' ').unwrap_or(i);
            break;
        }
        if matches!(c, '.' | ':' | '\n') {
            let after = &rest[i + c.len_utf8()..];
            if after.is_empty() || after.starts_with(char::is_whitespace) {
                end = i + c.len_utf8();
                break;
            }
        }
    }
    title_from + end
}

fn find_candidates(doc: &Document, units: &[Unit], cfg: &Config) -> Vec<Candidate> {
    let mut out = Vec::new();
    for (ui, u) in units.iter().enumerate() {
        if u.furniture || u.toc_table {
            continue;
        }
        let t = u.text(doc);
        if t.is_empty() {
            continue;
        }
        let Some((item, explicit_part, after)) = parse_item_start(t) else {
            continue;
        };
        let plural = item_re()
            .captures(t)
            .and_then(|c| c.get(2))
            .is_some_and(|m| m.as_str().len() == 5);
        let Some((sep, capital, title_from)) = heading_tail(t, after, plural) else {
            continue;
        };
        // "Items 1 through 4, 6 and 8 Not Applicable." lists absent items; not a heading.
        if plural && not_applicable_re().is_match(&t[title_from..]) {
            continue;
        }
        let nchars = t.chars().count();
        let short = nchars <= cfg.max_heading_chars;
        let (score, method, body_in_unit) = match u.kind {
            UnitKind::Table(_) => {
                if !short {
                    continue;
                }
                (0.85, "heading_table", None)
            }
            UnitKind::Para => {
                if short && u.styled {
                    (1.0, "heading", None)
                } else if short {
                    if !(sep || capital) {
                        continue;
                    }
                    (0.8, "heading", None)
                } else if sep && capital {
                    (0.5, "heading_text", Some(inline_title_end(t, title_from)))
                } else {
                    continue;
                }
            }
            UnitKind::Line => {
                // A line of plain text: only a heading when it starts a paragraph (after a
                // blank line) or is in capitals; a wrapped sentence line does neither.
                if !(u.line_start || u.styled) {
                    continue;
                }
                if !(sep || capital) {
                    continue;
                }
                if short {
                    (if u.styled { 0.9 } else { 0.75 }, "heading_text", None)
                } else {
                    (0.5, "heading_text", Some(inline_title_end(t, title_from)))
                }
            }
        };
        let title_text = match body_in_unit {
            Some(e) => &t[..e],
            None => t,
        };
        let mut title = collapse_ws(&title_text.replace(" | ", " "));
        let mut title_end_unit = ui;
        // "ITEM 7." alone: the title is the next block.
        if body_in_unit.is_none() && t[title_from..].trim().is_empty() {
            if let Some(nu) = units.get(ui + 1) {
                let nt = nu.text(doc);
                if !nu.furniture
                    && !nu.toc_table
                    && nu.part.is_none()
                    && !matches!(nu.kind, UnitKind::Table(_))
                    && parse_item_start(nt).is_none()
                    && looks_like_title(nt)
                {
                    title = collapse_ws(&format!("{title} {nt}"));
                    title_end_unit = ui + 1;
                }
            }
        }
        // A plain-text title wrapped onto the next line ("…Financial Condition and" /
        // "Results of Operations").
        if title_end_unit == ui && body_in_unit.is_none() && u.kind == UnitKind::Line {
            if let Some(nu) = units.get(ui + 1) {
                let nt = nu.text(doc);
                if nu.kind == UnitKind::Line
                    && nu.block == u.block
                    && !nu.line_start
                    && !nu.furniture
                    && nt.chars().count() <= 100
                    && parse_item_start(nt).is_none()
                    && (ends_mid_phrase(&title) || {
                        // Or a short title-like line that ends the line run.
                        let last_of_run = units
                            .get(ui + 2)
                            .is_none_or(|n2| n2.block != u.block || n2.line_start);
                        last_of_run && nt.chars().count() <= 60 && looks_like_title(nt)
                    })
                {
                    title = collapse_ws(&format!("{title} {nt}"));
                    title_end_unit = ui + 1;
                }
            }
        }
        let mut score = score;
        if title.to_ascii_lowercase().contains("continued") {
            score *= 0.3;
        }
        out.push(Candidate {
            unit: ui,
            title_end_unit,
            body_in_unit: body_in_unit.map(|e| u.start + e),
            headless: false,
            item,
            explicit_part,
            part: 0,
            title,
            score,
            method,
            ord: 0,
            weight: 0.0,
        });
    }
    out
}

/// Assigns parts (10-Q: from PART headings, or inferred when item numbers restart), drops
/// items that do not exist in the form, and computes each candidate's order key.
fn assign_parts(units: &[Unit], cands: Vec<Candidate>, form: Form) -> Vec<Candidate> {
    let mut out = Vec::new();
    match form {
        Form::EightK => {
            // Since August 2004 8-K items are numbered `N.NN`; older filings use 1–13. A filing
            // uses one scheme, so dotted headings, when present, win.
            let dotted = cands.iter().any(|c| c.item.minor.is_some());
            for mut c in cands {
                if dotted != c.item.minor.is_some() {
                    continue;
                }
                if let Some(o) = item_order(form, 0, &c.item) {
                    c.ord = o;
                    out.push(c);
                }
            }
        }
        Form::TenKsb => {
            for mut c in cands {
                if let Some(o) = item_order(form, 0, &c.item) {
                    c.ord = o;
                    c.part = ten_ksb_part(&c.item);
                    out.push(c);
                }
            }
        }
        Form::TenK => {
            for mut c in cands {
                if let Some(o) = item_order(form, 0, &c.item) {
                    c.ord = o;
                    c.part = ten_k_part(&c.item);
                    // Pre-2003 10-Ks put exhibits in Item 14 of Part IV: honour an explicit
                    // PART heading for that one ambiguous case.
                    if c.item.num == 14 && last_part_before(units, c.unit) == Some(4) {
                        c.part = 4;
                    }
                    out.push(c);
                }
            }
        }
        Form::TenQ => {
            let mut part: u8 = 1;
            let mut prev: Option<(usize, u8)> = None; // (unit, item num) of previous candidate
            let mut ci = 0;
            let mut seen_part_since_prev = false;
            for (ui, u) in units.iter().enumerate() {
                if let Some(p) = u.part {
                    if p == 1 || p == 2 {
                        part = p;
                        seen_part_since_prev = true;
                    }
                }
                while ci < cands.len() && cands[ci].unit == ui {
                    let mut c = cands[ci].clone();
                    ci += 1;
                    if let Some(p) = c.explicit_part {
                        part = p;
                    } else if let Some((_, pn)) = prev {
                        if !seen_part_since_prev && c.item.num < pn {
                            // Numbers restarted without a PART heading: next part (or, after
                            // part II, back to part I — a ToC followed by the body).
                            part = if part == 1 { 2 } else { 1 };
                        }
                    }
                    prev = Some((ui, c.item.num));
                    seen_part_since_prev = false;
                    c.part = part;
                    if let Some(o) = item_order(form, part, &c.item) {
                        c.ord = o;
                        out.push(c);
                    }
                }
            }
        }
    }
    out
}

fn last_part_before(units: &[Unit], ui: usize) -> Option<u8> {
    units[..=ui].iter().rev().find_map(|u| u.part)
}

/// Weights each candidate by how much content follows it before the next candidate and
/// picks the maximum-weight chain of strictly increasing item order.
fn choose_chain(units: &[Unit], cands: &mut [Candidate]) -> Vec<usize> {
    let n = cands.len();
    if n == 0 {
        return Vec::new();
    }
    // Prefix sums of content length over units.
    let mut pre = vec![0usize; units.len() + 1];
    for (i, u) in units.iter().enumerate() {
        pre[i + 1] = pre[i] + u.content_len();
    }
    for i in 0..n {
        let from = cands[i].title_end_unit + 1;
        let to = if i + 1 < n {
            cands[i + 1].unit
        } else {
            units.len()
        };
        let mut gap = if to > from { pre[to] - pre[from] } else { 0 };
        if let Some(b) = cands[i].body_in_unit {
            gap += units[cands[i].unit].end.saturating_sub(b);
        }
        let gap_factor = 0.25 + 0.75 * (gap as f64 / 300.0).min(1.0);
        cands[i].weight = cands[i].score * gap_factor;
    }
    let mut best = vec![0f64; n];
    let mut pred: Vec<Option<usize>> = vec![None; n];
    for i in 0..n {
        best[i] = cands[i].weight;
        for j in 0..i {
            // Strictly better only: on ties the earlier predecessor wins (a repeated running
            // head does not steal the start of its section).
            if cands[j].ord < cands[i].ord && best[j] + cands[i].weight > best[i] + 1e-12 {
                best[i] = best[j] + cands[i].weight;
                pred[i] = Some(j);
            }
        }
    }
    let mut end = 0;
    for i in 0..n {
        if best[i] > best[end] + 1e-12 {
            end = i;
        }
    }
    let mut chain = vec![end];
    let mut cur = end;
    while let Some(p) = pred[cur] {
        chain.push(p);
        cur = p;
    }
    chain.reverse();
    chain
}

// ---------------------------------------------------------------------------------------------
// Cross-reference index

/// One row of a "Form 10-K cross-reference index": an item, the captions the filing files it
/// under, and the first page it starts on.
#[derive(Debug, Clone)]
struct IndexEntry {
    item: ItemNo,
    /// "Item 1A. Risk Factors" as printed in the index row (item cell and its title).
    title: String,
    /// Body captions to look for, best first (explicit caption cells, then the item title).
    captions: Vec<String>,
    /// The first page of the first page range (`"25"`, `"F-1"`), if the row gives pages.
    first_page: Option<String>,
    /// The last page of that first range (`"7"` of `"4-7, 9-10"`).
    first_range_end: Option<String>,
    /// Footnote marks of the page cell (`"a"` of `"74, (a)"`, `"(b)"`): the note under the
    /// index says where the item is ("Incorporated by reference to … the Proxy Statement").
    notes: Vec<String>,
    /// The row's own answer when the item has no content: "Not applicable", "None".
    answer: Option<String>,
    /// Index of the row in `Table::rows` (= line of the table's text).
    row: usize,
}

fn bare_item_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^(\d{1,2}[A-Ca-c]?)\.(?:\s|$)").expect("bare item"))
}

fn page_ref_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // "25", "25-35", "25 – 35, 40", "F-1 to F-40", "Pages 3-5; 12".
        Regex::new(
            r"(?i)^(?:pages?\s*)?(?:[A-Z]{1,2}\s?-\s?)?\d{1,4}(?:\s*(?:[-\u{2013}\u{2014},;&]|to|and|through)\s*(?:[A-Z]{1,2}\s?-\s?)?\d{1,4})*\s*$",
        )
        .expect("page ref")
    })
}

fn page_token_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?i)(?:([A-Z]{1,2})\s?-\s?)?(\d{1,4})").expect("page token"))
}

/// Footnote marks in a page cell: "(a)", "(b)", "*".
fn note_mark_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\(([a-z])\)|\*+").expect("note mark"))
}

/// A page cell read: its page references (first page, end of the first range) and the
/// footnote marks beside them ("74, (a)", "(b)"). `None` when the cell is neither.
fn page_cell(cell: &str) -> Option<(Option<String>, Option<String>, Vec<String>)> {
    let notes: Vec<String> = note_mark_re()
        .captures_iter(cell)
        .filter_map(|c| c.get(1).map(|m| m.as_str().to_string()))
        .collect();
    let bare = note_mark_re().replace_all(cell, " ");
    let bare = bare
        .trim()
        .trim_matches(|c: char| c == ',' || c == ';' || c.is_whitespace());
    if bare.is_empty() {
        return (!notes.is_empty()).then_some((None, None, notes));
    }
    if !page_ref_re().is_match(bare) {
        return None;
    }
    // The first range: up to the first list separator ("4-7, 9-10" → "4-7").
    let first_range = bare
        .split([',', ';', '&'])
        .next()
        .unwrap_or(bare)
        .split(" and ")
        .next()
        .unwrap_or(bare);
    let mut pages = page_token_re()
        .captures_iter(first_range)
        .map(|c| page_key(c.get(1).map(|m| m.as_str()), &c[2]));
    let first = pages.next();
    let end = pages.last().or_else(|| first.clone());
    Some((first, end, notes))
}

fn page_key(prefix: Option<&str>, num: &str) -> String {
    let n: u32 = num.parse().unwrap_or(0);
    match prefix {
        Some(p) => format!("{}-{n}", p.to_ascii_uppercase()),
        None => n.to_string(),
    }
}

/// A page number as printed at either end of a running foot: `12`, `(12)`, `F-12`; at most
/// `digits` digits.
fn page_number_token(t: &str, digits: usize) -> bool {
    page_label_re()
        .captures(t.trim())
        .is_some_and(|c| c[2].len() <= digits)
}

fn page_label_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^(?:page\s*)?[-\u{2013}\u{2014}(]?\s*(?:([A-Z]{1,2})\s?-\s?)?(\d{1,4})\s*[-\u{2013}\u{2014})]?$")
            .expect("page label")
    })
}

/// The page number printed by a page-furniture line: `12`, `- 12 -`, `Page 12`, `F-12`, or the
/// number at either end of a running foot: `Apple Inc. | 2024 Form 10-K | 12`, and on the
/// left-hand pages of GE's 10-K `74 2025 FORM 10-K`.
fn page_label(t: &str) -> Option<String> {
    let re = page_label_re();
    let t = t.trim();
    if let Some(c) = re.captures(t) {
        return Some(page_key(c.get(1).map(|m| m.as_str()), &c[2]));
    }
    let mut tokens = t
        .split(['|', ' ', '\u{a0}'])
        .filter(|s| !s.trim().is_empty());
    let first = tokens.next()?;
    if let Some(c) = tokens.last().and_then(|last| re.captures(last.trim())) {
        return Some(page_key(c.get(1).map(|m| m.as_str()), &c[2]));
    }
    // A leading number is a page number only when short: "2025 FORM 10-K" prints a year.
    let c = re.captures(first.trim())?;
    (c[2].len() <= 3).then(|| page_key(c.get(1).map(|m| m.as_str()), &c[2]))
}

/// Lower-case words joined by single spaces, for comparing captions with headings.
fn norm_caption(s: &str) -> String {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads a table as a cross-reference index: rows that start with an item and give a caption
/// or a page reference.
fn index_entries(table: &finloom_plugin_api::Table) -> Vec<IndexEntry> {
    let mut out: Vec<IndexEntry> = Vec::new();
    for (ri, row) in table.rows.iter().enumerate() {
        let cells: Vec<&str> = row
            .cells
            .iter()
            .map(|c| c.text.as_str().trim())
            .filter(|t| !t.is_empty())
            .collect();
        // "Item 1A." or, in many indexes (GE, Citigroup), a bare "1A." in the first cell.
        let parsed = cells
            .iter()
            .position(|c| parse_item_start(c).is_some())
            .and_then(|pos| parse_item_start(cells[pos]).map(|(it, _, after)| (pos, it, after)))
            .or_else(|| {
                let c = bare_item_re().captures(cells.first()?)?;
                let item = ItemNo::from_label(c.get(1)?.as_str())?;
                Some((0, item, c.get(1)?.end()))
            });
        let Some((pos, item, after)) = parsed else {
            continue;
        };
        if item.minor.is_some() || out.iter().any(|e| e.item == item) {
            continue;
        }
        let own_title = cells[pos][after..]
            .trim_start_matches(|c: char| c.is_whitespace() || ".:-\u{2013}\u{2014}".contains(c))
            .trim()
            .to_string();
        let mut captions = Vec::new();
        let (mut page, mut range_end, mut notes, mut answer) = (None, None, Vec::new(), None);
        let mut title_parts = vec![cells[pos].to_string()];
        for c in &cells[pos + 1..] {
            if let Some((first, end, marks)) = page_cell(c) {
                if page.is_none() && first.is_some() {
                    page = first;
                    range_end = end;
                }
                notes.extend(marks);
            } else if not_applicable_re().is_match(c) {
                // "Not applicable" / "None": the filing does not have the item.
                answer.get_or_insert_with(|| c.to_string());
            } else if page.is_none() && notes.is_empty() {
                let cap =
                    c.trim_matches(|ch: char| "\"'\u{201c}\u{201d}\u{2018}\u{2019}".contains(ch));
                if own_title.is_empty() && title_parts.len() == 1 {
                    title_parts.push(cap.to_string());
                }
                captions.push(cap.to_string());
            }
        }
        if !own_title.is_empty() {
            captions.push(own_title);
        }
        captions.retain(|c| norm_caption(c).len() >= 4);
        out.push(IndexEntry {
            item,
            title: collapse_ws(&title_parts.join(" ")),
            captions,
            first_page: page,
            first_range_end: range_end,
            notes,
            answer,
            row: ri,
        });
    }
    out
}

/// The units that open and close each printed page, by page label: (first content unit,
/// the unit printing the page number). Page numbers are assumed to be printed at the foot of
/// their page unless most of them sit right after a page break.
fn page_bounds(doc: &Document, units: &[Unit]) -> HashMap<String, (usize, usize)> {
    let numbered: Vec<(usize, String)> = units
        .iter()
        .enumerate()
        .filter(|(_, u)| u.furniture && !matches!(u.kind, UnitKind::Table(_)))
        .filter_map(|(i, u)| page_label(&doc.text[u.start..u.end]).map(|l| (i, l)))
        .collect();
    let after_break = |i: usize| {
        (i == 0 || units[i - 1].block != units[i].block)
            && doc.blocks[units[i].block].style.page_break_before
    };
    let heads = numbered.iter().filter(|(i, _)| after_break(*i)).count();
    let header_mode = heads * 2 > numbered.len();
    let mut out = HashMap::new();
    let mut prev_end = 0usize; // first unit after the previous page number
    for (k, (i, label)) in numbered.iter().enumerate() {
        let (start, end) = if header_mode {
            (*i + 1, numbered.get(k + 1).map_or(units.len(), |(n, _)| *n))
        } else {
            (prev_end, *i)
        };
        // First real content unit of the page.
        if let Some(s) = (start..end.max(start)).find(|&k| !units[k].furniture) {
            out.entry(label.clone()).or_insert((s, end));
        }
        prev_end = *i + 1;
    }
    out
}

/// Where `t` opens with `caption` as an inline heading ("RISK FACTORS. The following …",
/// "MANAGEMENT'S DISCUSSION AND ANALYSIS … (MD&A). The consolidated …"): the byte offset
/// where the text after the heading starts. The caption must be printed in capitals (or the
/// block styled) and end with a separator.
fn inline_caption_body(t: &str, caption: &str, styled: bool) -> Option<usize> {
    let want: Vec<String> = norm_caption(caption)
        .split(' ')
        .map(str::to_string)
        .collect();
    let mut words = 0usize;
    let mut end = 0usize;
    let mut chars = t.char_indices().peekable();
    while words < want.len() {
        // Next alphanumeric run.
        while chars.peek().is_some_and(|(_, c)| !c.is_alphanumeric()) {
            chars.next();
        }
        let (s, _) = *chars.peek()?;
        let mut e = s;
        while let Some(&(i, c)) = chars.peek() {
            if !c.is_alphanumeric() {
                break;
            }
            e = i + c.len_utf8();
            chars.next();
        }
        if t[s..e].to_lowercase() != want[words] {
            return None;
        }
        words += 1;
        end = e;
    }
    if !(styled || all_caps(&t[..end], 1)) {
        return None;
    }
    static TAIL: OnceLock<Regex> = OnceLock::new();
    let tail = TAIL.get_or_init(|| {
        Regex::new(r"^(?:\s*\([^)]{1,20}\))?\s*[.:\u{2014}\u{2013}-]\s*").expect("caption tail")
    });
    let m = tail.find(&t[end..])?;
    let body = end + m.end();
    (body < t.len()).then_some(body)
}

/// An item the index places outside any located section: a note under the index, the row's
/// own "Not applicable", or the page range of an item that starts on the same page as
/// another one.
#[derive(Debug, Clone)]
struct IndexedItem {
    item: ItemNo,
    title: String,
    start: usize,
    end: usize,
    text: String,
    words: usize,
}

/// When the body lacks most item headings but a table maps items to captions or pages,
/// returns the index table's unit, one headless or caption-headed candidate per item it
/// can locate in the body (in document order), and the items it speaks for otherwise: an
/// item whose row points to a note under the index ("(b) Incorporated by reference to …
/// the 2026 Proxy Statement") gets that note; an item the index marks "Not applicable" gets
/// that row; an item placed on the page where an earlier one starts gets that page range.
fn cross_reference_index(
    doc: &Document,
    acc: &str,
    units: &[Unit],
    chosen: &[&Candidate],
) -> Option<(usize, Vec<Candidate>, Vec<IndexedItem>)> {
    let (iu, entries) = units
        .iter()
        .enumerate()
        .filter_map(|(i, u)| match u.kind {
            UnitKind::Table(ti) => Some((i, index_entries(&doc.tables[ti]))),
            _ => None,
        })
        // An index lists at least four items, in the form's order.
        .filter(|(_, e)| {
            let ords: Vec<u32> = e
                .iter()
                .filter_map(|x| item_order(Form::TenK, 0, &x.item))
                .collect();
            ords.len() >= 4 && ords.windows(2).all(|w| w[0] < w[1])
        })
        .max_by_key(|(i, e)| (e.len(), std::cmp::Reverse(*i)))?;
    let found = entries
        .iter()
        .filter(|e| chosen.iter().any(|c| c.item == e.item))
        .count();
    // Headings found for most indexed items: an ordinary table of contents.
    if found * 2 >= entries.len() {
        return None;
    }
    let pages = page_bounds(doc, units);
    let on_page = |i: usize, page: &Option<String>| {
        page.as_ref()
            .and_then(|p| pages.get(p))
            .is_some_and(|&(s, e)| (s..=e).contains(&i))
    };
    let mut out: Vec<Candidate> = Vec::new();
    let mut others: Vec<IndexedItem> = Vec::new();
    for e in &entries {
        let Some(ord) = item_order(Form::TenK, 0, &e.item) else {
            continue;
        };
        let body_unit = |i: usize, u: &Unit| {
            i != iu && !u.furniture && !u.toc_table && !matches!(u.kind, UnitKind::Table(_))
        };
        // A caption printed as a heading in the body, outside the index.
        let by_caption = e.captions.iter().find_map(|cap| {
            let want = norm_caption(cap);
            let hits: Vec<usize> = units
                .iter()
                .enumerate()
                .filter(|(i, u)| {
                    body_unit(*i, u)
                        && u.end - u.start <= 200
                        && norm_caption(&doc.text[u.start..u.end]) == want
                })
                .map(|(i, _)| i)
                .collect();
            hits.iter()
                .copied()
                .find(|&i| units[i].styled)
                .or_else(|| hits.first().copied())
        });
        // Or opening a paragraph on the item's first page: "RISK FACTORS. The following …".
        let inline = || {
            e.captions.iter().find_map(|cap| {
                units.iter().enumerate().find_map(|(i, u)| {
                    if !body_unit(i, u) || !on_page(i, &e.first_page) {
                        return None;
                    }
                    let t = &doc.text[u.start..u.end];
                    inline_caption_body(t, cap, u.styled).map(|b| (i, u.start + b))
                })
            })
        };
        let located = match by_caption {
            Some(u) => Some((u, false, None)),
            None => match inline() {
                Some((u, body)) => Some((u, false, Some(body))),
                None => e
                    .first_page
                    .as_ref()
                    .and_then(|p| pages.get(p))
                    .map(|&(s, _)| (s, true, None)),
            },
        };
        if let Some((unit, headless, body_in_unit)) = located {
            if unit == iu {
                continue;
            }
            if !out.iter().any(|c| c.unit == unit) {
                out.push(Candidate {
                    unit,
                    title_end_unit: unit,
                    body_in_unit,
                    headless,
                    item: e.item,
                    explicit_part: None,
                    part: ten_k_part(&e.item),
                    title: e.title.clone(),
                    score: 0.6,
                    method: "cross_reference_index",
                    ord,
                    weight: 0.0,
                });
                continue;
            }
            // Starts on the page where an earlier item starts (GE: Items 1 and 2 on page 4):
            // the pages of its first range.
            let end = e.first_range_end.as_ref().and_then(|p| pages.get(p));
            if let Some(&(_, end_unit)) = end.filter(|&&(_, f)| f > unit) {
                let c = Candidate::at_unit(unit, e.item, 0, String::new(), 0.6, "", ord);
                let c = Candidate {
                    headless: true,
                    ..c
                };
                let built = build_text(doc, acc, units, &c, end_unit);
                others.push(IndexedItem {
                    item: e.item,
                    title: e.title.clone(),
                    start: units[unit].start,
                    end: built.end_byte,
                    text: built.text,
                    words: built.words,
                });
            }
            continue;
        }
        // A note under the index: "(b) Incorporated by reference to … Proxy Statement."
        let note = e.notes.iter().find_map(|n| {
            let mark = format!("({n})");
            (iu + 1..units.len().min(iu + 40)).find_map(|i| {
                let u = &units[i];
                let t = doc.text[u.start..u.end].trim_start();
                (!u.furniture && t.starts_with(&mark)).then(|| (i, u.end - t.len() + mark.len()))
            })
        });
        if let Some((i, body)) = note {
            let text = doc.text[body..units[i].end].trim().to_string();
            others.push(IndexedItem {
                item: e.item,
                title: e.title.clone(),
                start: units[i].start,
                end: units[i].end,
                words: count_words(&text),
                text,
            });
            continue;
        }
        // "Not applicable" in the row itself: the row is the item.
        if let (Some(answer), UnitKind::Table(ti)) = (&e.answer, units[iu].kind) {
            let b = &doc.blocks[doc.tables[ti].block as usize];
            let (bs, be) = (b.start as usize, b.end as usize);
            let mut off = bs;
            for (li, line) in doc.text[bs..be].split('\n').enumerate() {
                if li == e.row {
                    let (s, t) = trim_range(&doc.text, off, off + line.len());
                    if s < t {
                        others.push(IndexedItem {
                            item: e.item,
                            title: e.title.clone(),
                            start: s,
                            end: t,
                            text: answer.clone(),
                            words: count_words(answer),
                        });
                    }
                    break;
                }
                off += line.len() + 1;
            }
        }
    }
    if out.len() < 2 {
        return None;
    }
    out.sort_by_key(|c| c.unit);
    Some((iu, out, others))
}

// ---------------------------------------------------------------------------------------------
// Items headed by their title alone

/// 10-K items and the titles Regulation S-K gives them, as printed without "Item N".
const ITEM_TITLES: &[(&str, &str)] = &[
    ("1A", r"risk\s+factors"),
    ("1B", r"unresolved\s+(?:sec\s+)?staff\s+comments"),
    ("1C", r"cybersecurity"),
    ("2", r"(?:description\s+of\s+)?propert(?:y|ies)"),
    ("3", r"legal\s+proceedings"),
    (
        "7A",
        r"quantitative\s+and\s+qualitative\s+disclosures?\s+(?:about|of|regarding)\s+market\s+risks?",
    ),
    ("9A", r"controls\s+and\s+procedures"),
    ("9B", r"other\s+information"),
];

/// For each 10-K item in [`ITEM_TITLES`] that the headings did not find, a heading-like unit
/// (styled, or a line of its own in capitals) that is just the item's title, between the
/// found items before and after it in the form's order.
fn title_only_items(doc: &Document, units: &[Unit], chosen: &[&Candidate]) -> Vec<Candidate> {
    static RES: OnceLock<Vec<(ItemNo, Regex)>> = OnceLock::new();
    let res = RES.get_or_init(|| {
        ITEM_TITLES
            .iter()
            .map(|(label, title)| {
                (
                    ItemNo::from_label(label).expect("item label"),
                    Regex::new(&format!(r"(?i)^(?:item\s+\d{{1,2}}[a-c]?\s*[.:\-\u{{2013}}\u{{2014}}]?\s*)?{title}\s*[.:]?$"))
                        .expect("item title regex"),
                )
            })
            .collect()
    });
    let mut out = Vec::new();
    for (item, re) in res {
        let Some(ord) = item_order(Form::TenK, 0, item) else {
            continue;
        };
        if chosen.iter().any(|c| c.item == *item) {
            continue;
        }
        // Between the nearest found items before and after it in the form's order.
        let Some(prev) = chosen.iter().filter(|c| c.ord < ord).max_by_key(|c| c.ord) else {
            continue;
        };
        let next = chosen.iter().filter(|c| c.ord > ord).min_by_key(|c| c.ord);
        let from = prev.title_end_unit + 1;
        let to = next.map_or(units.len(), |c| c.unit);
        if to <= from {
            continue;
        }
        let found = (from..to).find(|&i| {
            let u = &units[i];
            if u.furniture || u.toc_table {
                return false;
            }
            // A heading laid out in a one-row table ("RISK FACTORS" in a cell, or "Item 1A." |
            // "Risk Factors" in two) counts; a table of data does not.
            let one_row_table = match u.kind {
                UnitKind::Table(ti) => doc.tables.get(ti).is_some_and(|t| {
                    t.rows
                        .iter()
                        .filter(|r| r.cells.iter().any(|c| !c.text.as_str().trim().is_empty()))
                        .count()
                        == 1
                }),
                _ => false,
            };
            if matches!(u.kind, UnitKind::Table(_)) && !one_row_table {
                return false;
            }
            let t = collapse_ws(u.text(doc));
            let heading_like = u.styled || one_row_table || (u.line_start && all_caps(&t, 1));
            heading_like && t.chars().count() <= 120 && re.is_match(&t)
        });
        if let Some(i) = found {
            out.push(Candidate::at_unit(
                i,
                *item,
                ten_k_part(item),
                collapse_ws(units[i].text(doc)),
                0.7,
                "title_heading",
                ord,
            ));
        }
    }
    out.sort_by_key(|c| c.unit);
    out
}

// ---------------------------------------------------------------------------------------------
// Executive officers

/// Section type (and method) of the Part I "Executive Officers of the Registrant" section.
pub const EXECUTIVE_OFFICERS: &str = "executive_officers";

fn officers_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^(?:item\s*4a\s*[.:\-\u{2013}\u{2014}]?\s*)?(?:information\s+(?:about|concerning|regarding)\s+(?:our\s+|the\s+)?|our\s+|the\s+)?executive\s+officers(?:\s+of\s+(?:the\s+)?(?:registrant|company|corporation)|\s+of\s+[A-Z][\w.,&' ]{1,40})?\s*[.:]?$")
            .expect("officers regex")
    })
}

/// Finds the executive-officers heading between the last Part I item heading and the first
/// item of Part II (or the end): a short heading-like line, styled or at the start of a line
/// ("Executive Officers of the Registrant", "Information About Our Executive Officers",
/// "Item 4A. Executive Officers"). Returns it as a candidate of its own.
fn executive_officers(doc: &Document, units: &[Unit], chosen: &[&Candidate]) -> Option<Candidate> {
    let last_p1 = chosen.iter().rposition(|c| c.part == 1)?;
    let from = chosen[last_p1].title_end_unit + 1;
    let to = chosen.get(last_p1 + 1).map_or(units.len(), |c| c.unit);
    (from..to).find_map(|i| {
        let u = &units[i];
        if u.furniture || u.toc_table || !(u.styled || u.line_start) {
            return None;
        }
        let t = collapse_ws(u.text(doc));
        if t.chars().count() > 120 || !officers_re().is_match(&t) {
            return None;
        }
        Some(Candidate::at_unit(
            i,
            ItemNo::from_label("4A")?,
            1,
            t,
            if u.styled { 0.9 } else { 0.7 },
            EXECUTIVE_OFFICERS,
            chosen[last_p1].ord,
        ))
    })
}

// ---------------------------------------------------------------------------------------------
// Sections

/// Extracts the sections of one filing.
pub fn extract_sections(
    filing: &FilingMeta,
    doc: &Document,
    cfg: &Config,
) -> Result<Vec<Section>, String> {
    let form = form_family(filing.form_type.as_str()).ok_or_else(|| {
        format!(
            "sections: unsupported form type {:?} (supported: 10-K, 10-Q, 8-K families)",
            filing.form_type.as_str()
        )
    })?;
    let acc = filing.accession_number.as_str();
    let units = build_units(doc);
    let cands = find_candidates(doc, &units, cfg);
    let mut cands = assign_parts(&units, cands, form);
    let chain = choose_chain(&units, &mut cands);
    let mut chosen: Vec<&Candidate> = chain.iter().map(|&i| &cands[i]).collect();
    // A 10-K organised by a "Form 10-K cross-reference index" has no item headings in its
    // body: when such an index lists items the headings did not find, locate the items
    // through the index instead.
    let mut index_stop: Option<usize> = None;
    let from_index: Vec<Candidate>;
    let mut indexed_elsewhere: Vec<IndexedItem> = Vec::new();
    if form == Form::TenK {
        if let Some((iu, found, others)) = cross_reference_index(doc, acc, &units, &chosen) {
            from_index = found;
            chosen = from_index.iter().collect();
            index_stop = Some(iu);
            indexed_elsewhere = others;
        }
    }
    // Items whose heading is printed without its number ("RISK FACTORS" between Items 1 and
    // 2, "QUANTITATIVE AND QUALITATIVE DISCLOSURES ABOUT MARKET RISK" inside Item 7): found
    // by their title where the item would sit, so Item 1 does not run on into the risk
    // factors, nor Item 7 into 7A.
    let by_title: Vec<Candidate> = if form == Form::TenK && index_stop.is_none() {
        title_only_items(doc, &units, &chosen)
    } else {
        Vec::new()
    };
    for c in &by_title {
        let at = chosen.partition_point(|x| x.unit < c.unit);
        chosen.insert(at, c);
    }
    // The unnumbered "Executive Officers of the Registrant" at the end of Part I (Regulation
    // S-K lets it sit there instead of in the proxy): its own section, never the tail of
    // Item 4 (or of whichever Part I item comes last).
    let officers: Option<Candidate> = if form == Form::TenK {
        executive_officers(doc, &units, &chosen)
    } else {
        None
    };
    if let Some(eo) = &officers {
        let at = chosen.partition_point(|c| c.unit < eo.unit);
        chosen.insert(at, eo);
    }
    let cix = CharIndex::new(doc.text.as_str());

    let mut sections = Vec::new();
    // (PART heading unit, end) of part bodies cut off the item before them.
    let mut part_blocks: Vec<(usize, usize)> = Vec::new();
    for (k, c) in chosen.iter().enumerate() {
        let mut end_unit = match chosen.get(k + 1) {
            Some(n) => n.unit,
            None => units.len(),
        };
        // The index (and its caption line) is not part of the item before it.
        if let Some(iu) = index_stop {
            if iu > c.unit && iu < end_unit {
                end_unit = iu;
                while end_unit > c.unit + 1 {
                    let u = &units[end_unit - 1];
                    let t = doc.text[u.start..u.end].to_ascii_lowercase();
                    // "Form 10-K Cross-Reference Index", not "(a)3. Exhibit Index".
                    let caption = !matches!(u.kind, UnitKind::Table(_))
                        && t.len() <= 100
                        && ((t.contains("index") && t.contains("10-k"))
                            || t.contains("cross-reference")
                            || t.contains("cross reference"));
                    if u.furniture || caption {
                        end_unit -= 1;
                    } else {
                        break;
                    }
                }
            }
        }
        if k + 1 == chosen.len() && cfg.stop_at_signatures {
            if let Some(s) = (c.title_end_unit + 1..end_unit).find(|&i| units[i].signature) {
                end_unit = s;
            }
        }
        // A later PART heading with a body but no item headings of its own ("PART III The
        // information called for by Items 10 … 14 is incorporated by reference …") ends
        // this item; the part's body is kept for the items it names.
        if matches!(form, Form::TenK | Form::TenKsb) {
            if let Some(pu) = (c.title_end_unit + 1..end_unit)
                .find(|&i| units[i].part.is_some_and(|p| p > c.part) && !units[i].toc_table)
            {
                part_blocks.push((pu, end_unit));
                end_unit = pu;
            }
        }
        // Leave a PART heading that introduces the next item out of this section.
        end_unit = trim_trailing_part_heading(&units, c.title_end_unit + 1, end_unit);
        let built = build_text(doc, acc, &units, c, end_unit);
        let start_byte = units[c.unit].start;
        let end_byte = built.end_byte.max(units[c.title_end_unit].end);
        let item_label = c.item.label();
        let section_type = match form {
            Form::TenQ => format!("part{}_item{}", c.part, item_label.to_ascii_lowercase()),
            _ if c.method == EXECUTIVE_OFFICERS => EXECUTIVE_OFFICERS.to_string(),
            _ => format!("item_{}", item_label.to_ascii_lowercase()),
        };
        let part = match form {
            Form::EightK => None,
            _ => Some(part_name(c.part)),
        };
        let status = status_of(&c.title, &built.text, built.words);
        sections.push(Section {
            id: format!("{acc}/sec/{section_type}"),
            accession_number: acc.to_string(),
            section_type,
            part,
            item: item_label,
            title: if c.title.is_empty() {
                None
            } else {
                Some(c.title.clone())
            },
            text: built.text,
            char_start: cix.chars(doc.text.as_str(), start_byte),
            char_end: cix.chars(doc.text.as_str(), end_byte),
            word_count: built.words,
            status,
            method: c.method,
            confidence: (c.score.clamp(0.0, 1.0) * 1000.0).round() / 1000.0,
            section_index: k,
        });
    }
    for (pu, end) in part_blocks {
        sections.extend(items_of_part_body(
            doc, acc, &units, &cix, form, pu, end, &sections,
        ));
    }
    for x in indexed_elsewhere {
        let item_label = x.item.label();
        let section_type = format!("item_{}", item_label.to_ascii_lowercase());
        if sections.iter().any(|s| s.section_type == section_type) {
            continue;
        }
        let status = status_of(&x.title, &x.text, x.words);
        sections.push(Section {
            id: format!("{acc}/sec/{section_type}"),
            accession_number: acc.to_string(),
            section_type,
            part: Some(part_name(ten_k_part(&x.item))),
            item: item_label,
            title: Some(x.title),
            text: x.text,
            char_start: cix.chars(doc.text.as_str(), x.start),
            char_end: cix.chars(doc.text.as_str(), x.end),
            word_count: x.words,
            status,
            method: "cross_reference_index",
            confidence: 0.5,
            section_index: usize::MAX,
        });
    }
    sections.sort_by_key(|s| (s.char_start, s.section_index));
    inherit_status_of_shared_body(&mut sections);
    if form != Form::EightK {
        sections = split_combined_headings(form, acc, sections);
    }
    Ok(sections)
}

/// The items a PART body without item headings speaks for: "PART III — The information
/// called for by Part III of Form 10-K (Item 10 — Directors …, Item 11 — …, and Item 14 —
/// …) is incorporated by reference from the proxy statement". Each item of that part it
/// names, and that has no section, gets the part's text (method `part_body`; status from
/// the text, usually `incorporated_by_reference`).
#[allow(clippy::too_many_arguments)]
fn items_of_part_body(
    doc: &Document,
    acc: &str,
    units: &[Unit],
    cix: &CharIndex,
    form: Form,
    pu: usize,
    end: usize,
    have: &[Section],
) -> Vec<Section> {
    let Some(part) = units[pu].part else {
        return Vec::new();
    };
    let end = trim_trailing_part_heading(units, pu + 1, end);
    if end <= pu + 1 {
        return Vec::new();
    }
    let c = Candidate::at_unit(
        pu,
        ItemNo {
            num: 0,
            letter: None,
            minor: None,
        },
        part,
        collapse_ws(units[pu].text(doc)),
        0.6,
        "part_body",
        0,
    );
    let built = build_text(doc, acc, units, &c, end);
    static ITEM_NO: OnceLock<Regex> = OnceLock::new();
    let re =
        ITEM_NO.get_or_init(|| Regex::new(r"(?i)\bitems?\s+(\d{1,2}[a-c]?)\b").expect("item no"));
    let mut named: Vec<String> = re
        .captures_iter(&built.text)
        .map(|c| c[1].to_ascii_uppercase())
        .collect();
    // "Items 10 through 14" names the ones between, too.
    if let Some(i) = built.text.find("Items ") {
        named.extend(items_named(form, &built.text[i..]));
    }
    let part_of = |n: &str| {
        let item = ItemNo::from_label(n)?;
        item_order(form, 0, &item)?;
        Some(if form == Form::TenKsb {
            ten_ksb_part(&item)
        } else {
            ten_k_part(&item)
        })
    };
    let status = status_of(&c.title, &built.text, built.words);
    let start_byte = units[pu].start;
    let end_byte = built.end_byte.max(units[pu].end);
    let mut out: Vec<Section> = Vec::new();
    for n in named {
        if part_of(&n) != Some(part) {
            continue;
        }
        let section_type = format!("item_{}", n.to_ascii_lowercase());
        if have
            .iter()
            .chain(out.iter())
            .any(|s| s.section_type == section_type)
        {
            continue;
        }
        out.push(Section {
            id: format!("{acc}/sec/{section_type}"),
            accession_number: acc.to_string(),
            section_type,
            part: Some(part_name(part)),
            item: n.clone(),
            title: Some(c.title.clone()),
            text: built.text.clone(),
            char_start: cix.chars(doc.text.as_str(), start_byte),
            char_end: cix.chars(doc.text.as_str(), end_byte),
            word_count: built.words,
            status,
            method: "part_body",
            confidence: 0.6,
            section_index: usize::MAX,
        });
    }
    out.sort_by_key(|s| ItemNo::from_label(&s.item).map(|i| i.num));
    out
}

fn combined_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^\s*(?:part\s+[ivx]+\s*[.,:;\u{2013}\u{2014}-]?\s*)?items\s+((?:\d{1,2}[a-c]?(?:\s*(?:,|and|&|through|to|-|\u{2013}|\u{2014})\s*)+)+\d{1,2}[a-c]?)\b")
            .expect("combined heading regex")
    })
}

/// The items a combined heading names: "Items 1 and 2. Business and Properties" → 1, 2;
/// "Items 10 through 14" → 10, 11, 12, 13, 14 (as the form lists them, 1A and the like
/// included only when written out).
pub fn items_named(form: Form, title: &str) -> Vec<String> {
    let Some(c) = combined_re().captures(title) else {
        // "Item 1. Business and Item 2. Properties": each "Item N" of a heading that starts
        // with one.
        static EACH: OnceLock<Regex> = OnceLock::new();
        let re = EACH.get_or_init(|| {
            Regex::new(r"(?i)\bitem\s+(\d{1,2}[a-c]?)\b").expect("each item regex")
        });
        let t = title.trim_start();
        if !t.to_ascii_lowercase().starts_with("item") {
            return Vec::new();
        }
        let all: Vec<String> = re
            .captures_iter(t)
            .map(|c| c[1].to_ascii_uppercase())
            .collect();
        return if all.len() >= 2 { all } else { Vec::new() };
    };
    let list = c[1].to_ascii_uppercase();
    let tokens: Vec<&str> = list
        .split(|ch: char| !ch.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    // Ranges run over the 10-K numbering (a 10-Q's own items are checked by the caller).
    let order: &[&str] = match form {
        Form::TenKsb => TEN_KSB_ITEMS,
        _ => TEN_K_ITEMS,
    };
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i];
        if t.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            out.push(t.to_string());
        } else if (t == "THROUGH" || t == "TO") && i + 1 < tokens.len() && !out.is_empty() {
            let (a, b) = (
                out.last().cloned().unwrap_or_default(),
                tokens[i + 1].to_string(),
            );
            if let (Some(pa), Some(pb)) = (
                order.iter().position(|x| *x == a),
                order.iter().position(|x| *x == b),
            ) {
                for x in order.iter().take(pb).skip(pa + 1) {
                    // A range of numbered items does not take in the lettered ones between.
                    if x.chars().all(|c| c.is_ascii_digit()) {
                        out.push(x.to_string());
                    }
                }
            }
        }
        i += 1;
    }
    out.dedup();
    out
}

/// A heading naming several items ("Items 1 and 2. Business and Properties") is stored under
/// each item it names that has no section of its own: same text and range, method
/// `combined_heading`. 10-Q headings name items of their own part.
fn split_combined_headings(form: Form, acc: &str, sections: Vec<Section>) -> Vec<Section> {
    let mut have: std::collections::HashSet<String> =
        sections.iter().map(|s| s.section_type.clone()).collect();
    let mut out: Vec<Section> = Vec::with_capacity(sections.len());
    for s in sections {
        let named = s
            .title
            .as_deref()
            .map(|t| items_named(form, t))
            .unwrap_or_default();
        let extra: Vec<Section> = named
            .iter()
            .filter(|n| !n.eq_ignore_ascii_case(&s.item))
            .filter_map(|n| {
                let section_type = match form {
                    Form::TenQ => {
                        let part = s.part.as_deref().unwrap_or("part1");
                        let ok = if part == "part2" {
                            TEN_Q_PART2.contains(&n.as_str())
                        } else {
                            TEN_Q_PART1.contains(&n.as_str())
                        };
                        if !ok {
                            return None;
                        }
                        format!("{part}_item{}", n.to_ascii_lowercase())
                    }
                    _ => format!("item_{}", n.to_ascii_lowercase()),
                };
                if have.contains(&section_type) {
                    return None;
                }
                have.insert(section_type.clone());
                Some(Section {
                    id: format!("{acc}/sec/{section_type}"),
                    section_type,
                    item: n.clone(),
                    method: "combined_heading",
                    ..s.clone()
                })
            })
            .collect();
        out.push(s);
        out.extend(extra);
    }
    for (k, s) in out.iter_mut().enumerate() {
        s.section_index = k;
    }
    out
}

/// "Item 10. …" / "Item 11. …" / "Item 12. …" with no text, followed by one body ("The
/// information called for by Items 10, 11, 12 and 13 is incorporated by reference…"): the
/// empty headings share the status of the body that names them.
fn inherit_status_of_shared_body(sections: &mut [Section]) {
    for i in 0..sections.len() {
        if sections[i].word_count != 0 || sections[i].status != "present" {
            continue;
        }
        let Some(body) = sections[i + 1..].iter().find(|s| s.word_count > 0) else {
            continue;
        };
        let lower = body.text.to_ascii_lowercase();
        let names_it = lower.contains("items")
            && lower
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|w| w.eq_ignore_ascii_case(&sections[i].item));
        if names_it {
            let status = body.status;
            sections[i].status = status;
        }
    }
}

fn trim_trailing_part_heading(units: &[Unit], from: usize, end: usize) -> usize {
    // Walk back over furniture and short units; stop at a PART heading.
    let mut i = end;
    let mut budget = 300usize;
    while i > from {
        let u = &units[i - 1];
        if u.furniture {
            i -= 1;
            continue;
        }
        if u.part.is_some() {
            return i - 1;
        }
        let len = u.content_len();
        if len > budget || matches!(u.kind, UnitKind::Table(_)) {
            break;
        }
        budget -= len;
        i -= 1;
    }
    end
}

/// The text of a table that is only layout — one row, or one column, once empty cells are
/// left out: a bullet set as "• | text", a boxed paragraph, a heading in cells, a list of
/// exhibits in a one-column table. Such a table gets no cells from the `tables` plugin
/// (which calls it `layout`), so a `[TABLE id]` placeholder would lose its words; they go
/// into the section's text instead, cells joined by a space, rows by a line break. `None`
/// for a real grid, which keeps its placeholder.
fn inline_layout_text(t: &finloom_plugin_api::Table) -> Option<String> {
    // Per row, its non-empty cells with their positions in the row.
    let rows: Vec<Vec<(usize, &str)>> = t
        .rows
        .iter()
        .map(|r| {
            r.cells
                .iter()
                .enumerate()
                .map(|(i, c)| (i, c.text.as_str().trim()))
                .filter(|(_, c)| !c.is_empty())
                .collect::<Vec<_>>()
        })
        .filter(|r| !r.is_empty())
        .collect();
    if rows.is_empty() {
        return None;
    }
    let one_row = rows.len() == 1;
    let one_col = rows.iter().all(|r| r.len() == 1 && r[0].0 == rows[0][0].0);
    if !(one_row || one_col) {
        return None;
    }
    Some(
        rows.iter()
            .map(|r| r.iter().map(|(_, c)| *c).collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// A table as a reader sees it, in place in the section text: its id on the first line
/// (`[TABLE <acc>/tbl/<i>]`, the same id as the `tables` row, so chunks and footnotes can link
/// to it), then one line per row with its non-empty cells joined by ` | ` (a lone `$` or `(`
/// cell is glued to the number after it, a lone `)` or `%` to the one before, as the page
/// shows them), then `[/TABLE]`. A table with no text keeps the bare id line.
pub fn table_as_read(acc: &str, ti: usize, t: &finloom_plugin_api::Table) -> String {
    let mut out = table_marker(acc, ti);
    let mut any = false;
    for r in t.rows.iter() {
        let mut cells: Vec<String> = Vec::new();
        let mut pending = String::new();
        for c in r.cells.iter() {
            let t = c
                .text
                .as_str()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            if t.is_empty() {
                continue;
            }
            match t.as_str() {
                "$" | "US$" | "€" | "£" | "¥" | "(" | "$(" | "($" => {
                    pending.push_str(&t);
                    pending.push(' ');
                }
                ")" | "%" | ")%" | "%)" if pending.is_empty() && !cells.is_empty() => {
                    if let Some(last) = cells.last_mut() {
                        last.push_str(&t);
                    }
                }
                _ => {
                    let cell = if pending.is_empty() {
                        t
                    } else {
                        format!("{}{t}", std::mem::take(&mut pending))
                    };
                    cells.push(cell);
                }
            }
        }
        if !pending.trim().is_empty() {
            cells.push(pending.trim().to_string());
        }
        if cells.is_empty() {
            continue;
        }
        any = true;
        out.push('\n');
        out.push_str(&cells.join(" | "));
    }
    if any {
        out.push_str("\n[/TABLE]");
    }
    out
}

struct Built {
    text: String,
    words: usize,
    end_byte: usize,
}

fn count_words(s: &str) -> usize {
    s.split_whitespace()
        .filter(|w| w.chars().any(|c| c.is_alphanumeric()))
        .count()
}

fn build_text(doc: &Document, acc: &str, units: &[Unit], c: &Candidate, end_unit: usize) -> Built {
    let text = doc.text.as_str();
    let mut out = String::new();
    let mut words = 0usize;
    let mut end_byte = units[c.title_end_unit].end;
    let mut prev: Option<&Unit> = None;
    let push = |out: &mut String, piece: &str, u: &Unit, prev: &mut Option<&Unit>| {
        if !out.is_empty() {
            let same_run = matches!(
                (prev.map(|p| p.kind), u.kind),
                (Some(UnitKind::Line), UnitKind::Line)
            ) && prev.is_some_and(|p| p.block == u.block)
                && !u.line_start;
            out.push_str(if same_run { "\n" } else { "\n\n" });
        }
        out.push_str(piece);
    };
    if let Some(b) = c.body_in_unit {
        let u = &units[c.unit];
        if b < u.end {
            let piece = text[b..u.end].trim();
            if !piece.is_empty() {
                words += count_words(piece);
                push(&mut out, piece, u, &mut prev);
                prev = Some(u);
            }
        }
    }
    let first = if c.headless {
        c.unit
    } else {
        c.title_end_unit + 1
    };
    for u in units.iter().take(end_unit).skip(first) {
        if u.furniture {
            continue;
        }
        match u.kind {
            UnitKind::Table(ti) => match doc.tables.get(ti).and_then(inline_layout_text) {
                Some(inline) => {
                    words += count_words(&inline);
                    push(&mut out, &inline, u, &mut prev);
                }
                None => {
                    let block = match doc.tables.get(ti) {
                        Some(t) => table_as_read(acc, ti, t),
                        None => table_marker(acc, ti),
                    };
                    push(&mut out, &block, u, &mut prev);
                }
            },
            UnitKind::Para | UnitKind::Line => {
                let piece = &text[u.start..u.end];
                words += count_words(piece);
                push(&mut out, piece, u, &mut prev);
            }
        }
        prev = Some(u);
        end_byte = u.end;
    }
    Built {
        text: out,
        words,
        end_byte,
    }
}

/// `text` with the rows of each table block left out (the `[TABLE id]` line stays).
fn without_table_rows(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("\n[/TABLE]") {
        return std::borrow::Cow::Borrowed(text);
    }
    let blocks: Vec<&str> = text
        .split("\n\n")
        .map(|b| {
            if b.starts_with("[TABLE ") && b.ends_with("\n[/TABLE]") {
                b.lines().next().unwrap_or(b)
            } else {
                b
            }
        })
        .collect();
    std::borrow::Cow::Owned(blocks.join("\n\n"))
}

/// `reserved` for "[Reserved]" items, `incorporated_by_reference` for short bodies that
/// point to the proxy statement (typical of Part III), else `present`.
fn status_of(title: &str, body: &str, words: usize) -> &'static str {
    // Judged on the prose: the rows of a table shown in place ("Financial Statements,
    // included in Part II") are not the item saying where its information is.
    let prose = without_table_rows(body);
    let body_t = prose.trim();
    if reserved_re().is_match(body_t) && !body_t.is_empty() {
        return "reserved";
    }
    let tl = title.to_ascii_lowercase();
    if (tl.contains("[reserved]")
        || tl.contains("(reserved)")
        || tl.trim_end_matches('.').ends_with("reserved"))
        && words < 15
    {
        return "reserved";
    }
    if words <= 200 && ibr_re().is_match(body_t) && ibr_source_re().is_match(body_t) {
        return "incorporated_by_reference";
    }
    "present"
}

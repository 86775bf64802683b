//! Step 1, **units**: every block becomes a unit (the lines of a block that keeps its line
//! breaks each become one), and page furniture — page numbers, "Table of Contents"
//! back-links, running heads and feet — is flagged, so that later steps leave it out. The
//! page numbers printed by the furniture are read here too: a cross-reference index locates
//! items by them.

use std::collections::HashMap;
use std::sync::OnceLock;

use finloom_plugin_api::{BlockKind, Document};
use finloom_plugin_kit::text::all_caps;
use regex::Regex;

use super::candidates::parse_item_start;
use super::numbering::{item_re, part_re, roman};

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

/// A heading after which no item's text goes on: `SIGNATURES`, or the title of a financial
/// section printed after the last item ("FINANCIAL SECTION", Exxon Mobil; "Financial Table of
/// Contents", Chevron), whose MD&A and statements the items only point to ("Reference is made
/// to the section entitled … in the Financial Section of this report").
fn back_matter_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^\s*(?:SIGNATURES?\s*:?|(?:the\s+)?financial\s+section|financial\s+table\s+of\s+contents)\s*$")
            .expect("back matter regex")
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UnitKind {
    /// A whole paragraph block (no line breaks inside).
    Para,
    /// One line of a block that keeps its line breaks (preformatted / plain text).
    Line,
    /// A table block; the payload indexes `Document::tables`.
    Table(usize),
}

#[derive(Debug, Clone)]
pub(super) struct Unit {
    pub(super) kind: UnitKind,
    pub(super) block: usize,
    /// Byte range in `Document::text`, trimmed of surrounding white space.
    pub(super) start: usize,
    pub(super) end: usize,
    /// First line of a block, or preceded by a blank line.
    pub(super) line_start: bool,
    pub(super) styled: bool,
    pub(super) furniture: bool,
    /// A table of contents (table whose rows are mostly item entries).
    pub(super) toc_table: bool,
    /// For tables: the text of the first non-empty row, cells joined by spaces.
    pub(super) label: Option<String>,
    /// A `PART II …` heading (short unit starting with PART + roman numeral).
    pub(super) part: Option<u8>,
    /// A `SIGNATURES` heading or a financial section's title (see `back_matter_re`).
    pub(super) back_matter: bool,
}

impl Unit {
    pub(super) fn text<'a>(&'a self, doc: &'a Document) -> &'a str {
        match &self.label {
            Some(l) => l.as_str(),
            None => &doc.text[self.start..self.end],
        }
    }

    /// Length counted when measuring how much content follows a heading.
    pub(super) fn content_len(&self) -> usize {
        if self.furniture || self.toc_table {
            0
        } else {
            self.end - self.start
        }
    }
}

pub(super) fn trim_range(text: &str, start: usize, end: usize) -> (usize, usize) {
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

pub(super) fn build_units(doc: &Document) -> Vec<Unit> {
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
                    back_matter: false,
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
                        back_matter: false,
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
                            back_matter: false,
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
            u.back_matter = !u.furniture && back_matter_re().is_match(t);
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
        Regex::new(r"(?i)^\s*(?:part\s+(?:iv|iii|ii|i)\b\s*[.,:;\u{2013}\u{2014}-]?\s*)?[il]tems?\s*\d{1,2}[a-c]?(?:\s*(?:,|&|and|through|to|-|\u{2013}|\u{2014})\s*\d{1,2}[a-c]?)*\s*[.:]?\s*$")
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
// Page numbers

/// A page as the page furniture and a cross-reference index both name it: `"12"` (leading
/// zeros dropped) or `"F-12"` (prefix in capitals).
pub(super) fn page_key(prefix: Option<&str>, num: &str) -> String {
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
pub(super) fn page_label(t: &str) -> Option<String> {
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

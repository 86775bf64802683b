//! Step 2, **candidates**: units that start with `[PART II —] ITEM[S] [NO.] 7A` and look like a
//! heading (short, styled, or a separator and a capitalised title), with their titles (joined
//! when split over two units) and a score saying how heading-like they are.

use std::sync::OnceLock;

use finloom_plugin_api::Document;
use finloom_plugin_kit::text::{all_caps, collapse_ws};
use regex::Regex;

use super::body::reserved_re;
use super::numbering::{item_re, roman, ItemNo};
use super::units::{Unit, UnitKind};
use super::Config;

#[derive(Debug, Clone)]
pub(super) struct Candidate {
    pub(super) unit: usize,
    /// Last unit that belongs to the heading (the unit itself, or the next one when the title
    /// was split over two blocks).
    pub(super) title_end_unit: usize,
    /// Byte offset where the section body starts inside `unit` when the heading shares its
    /// block with body text; `None` when the body starts with the next unit.
    pub(super) body_in_unit: Option<usize>,
    /// No heading at all: the section's body starts with `unit` itself (an item located
    /// through a cross-reference index by its page).
    pub(super) headless: bool,
    pub(super) item: ItemNo,
    pub(super) explicit_part: Option<u8>,
    pub(super) part: u8,
    pub(super) title: String,
    pub(super) score: f64,
    pub(super) method: &'static str,
    pub(super) ord: u32,
    pub(super) weight: f64,
}

impl Candidate {
    /// A section start found by something else than an "Item N" heading (a title alone, the
    /// executive-officers heading, a PART body): the heading is unit `unit` alone.
    pub(super) fn at_unit(
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
pub(super) fn parse_item_start(t: &str) -> Option<(ItemNo, Option<u8>, usize)> {
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

/// An answer that an item is absent: "Not applicable", "None", "Omitted", "N/A".
pub(super) fn not_applicable_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^(?:are\s+)?(?:not\s+applicable|inapplicable|none|omitted|n/a)\b")
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

pub(super) fn find_candidates(doc: &Document, units: &[Unit], cfg: &Config) -> Vec<Candidate> {
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
                        // Or a title-like line that ends the line run: short, or in capitals
                        // under a title in capitals (24Holdings' 2007 10-KSB wraps "ITEM 9.
                        // DIRECTORS, … AND CORPORATE" / "GOVERNANCE; COMPLIANCE WITH SECTION
                        // 16(A) OF THE EXCHANGE ACT.", 62 characters).
                        let last_of_run = units
                            .get(ui + 2)
                            .is_none_or(|n2| n2.block != u.block || n2.line_start);
                        let caps_under_caps = all_caps(&title, 1) && all_caps(nt, 1);
                        last_of_run
                            && (nt.chars().count() <= 60 || caps_under_caps)
                            && looks_like_title(nt)
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

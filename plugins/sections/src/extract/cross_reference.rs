//! Step 3, for a 10-K or 10-Q organised by a **cross-reference index** (a table mapping each
//! item to captions and page numbers, with no "Item" headings in the body): the index is read,
//! and each item is located by its caption printed as a heading in the body, else by the first
//! page of its page range; items the index answers otherwise (a note under the index, "Not
//! applicable") get that text. A 10-Q's index lists Part I and Part II, whose item numbers
//! both start at 1: its "Part …" rows say which part the items below them belong to.

use std::collections::HashMap;
use std::sync::OnceLock;

use finloom_plugin_api::Document;
use finloom_plugin_kit::text::{all_caps, collapse_ws};
use regex::Regex;

use super::body::{build_text, count_words};
use super::candidates::{not_applicable_re, parse_item_start, Candidate};
use super::numbering::{item_order, part_re, roman, ten_k_part, Form, ItemNo};
use super::units::{page_key, page_label, trim_range, Unit, UnitKind};

/// One row of a "Form 10-K cross-reference index": an item, the captions the filing files it
/// under, and the first page it starts on.
#[derive(Debug, Clone)]
struct IndexEntry {
    item: ItemNo,
    /// The item's part: from the index's "Part II" rows in a 10-Q, the standard part in a 10-K.
    part: u8,
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

/// The letters of a cell's footnote marks: "a" of "74, (a)" or of "Not applicable(a)".
fn note_marks(cell: &str) -> impl Iterator<Item = String> + '_ {
    note_mark_re()
        .captures_iter(cell)
        .filter_map(|c| c.get(1).map(|m| m.as_str().to_string()))
}

/// A page cell read: its page references (first page, end of the first range) and the
/// footnote marks beside them ("74, (a)", "(b)"). `None` when the cell is neither.
fn page_cell(cell: &str) -> Option<(Option<String>, Option<String>, Vec<String>)> {
    let notes: Vec<String> = note_marks(cell).collect();
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

/// Lower-case words joined by single spaces, for comparing captions with headings.
fn norm_caption(s: &str) -> String {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads a table as a cross-reference index: rows that start with an item and give a caption
/// or a page reference. In a 10-Q, a row opening with "Part I" / "Part II" sets the part of
/// the items after it (Part I until one does); an index without such rows moves to Part II at
/// the first item that Part I cannot hold there (its numbers start again, or "1A", "5", "6").
fn index_entries(table: &finloom_plugin_api::Table, form: Form) -> Vec<IndexEntry> {
    let mut out: Vec<IndexEntry> = Vec::new();
    let mut q_part = 1u8;
    let mut last_part1: Option<u32> = None;
    // The entry whose rows below may give its pages (it gave none, nor an answer or a note).
    let mut under: Option<usize> = None;
    for (ri, row) in table.rows.iter().enumerate() {
        let cells: Vec<&str> = row
            .cells
            .iter()
            .map(|c| c.text.as_str().trim())
            .filter(|t| !t.is_empty())
            .collect();
        let part_row = cells.first().and_then(|c| part_re().captures(c));
        if let Some(p) = &part_row {
            q_part = roman(&p[1]);
        }
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
            // A row under an item that gives no page of its own ("1. Financial Statements:"
            // followed by "Consolidated Statement of Income | 110", Citigroup's indexes): the
            // first such row with a page says where the item starts.
            if part_row.is_some() {
                under = None;
            }
            if let Some(e) = under.and_then(|k| out.get_mut(k)) {
                if e.first_page.is_none() {
                    if let Some((Some(first), end, _)) =
                        cells.iter().skip(1).find_map(|c| page_cell(c))
                    {
                        e.first_page = Some(first);
                        e.first_range_end = end;
                    }
                }
            }
            continue;
        };
        let part = match form {
            Form::TenQ => {
                if q_part == 1 {
                    match item_order(form, 1, &item) {
                        Some(o) if last_part1.is_none_or(|l| o > l) => last_part1 = Some(o),
                        _ => q_part = 2,
                    }
                }
                q_part
            }
            _ => ten_k_part(&item),
        };
        if item.minor.is_some() || out.iter().any(|e| e.item == item && e.part == part) {
            under = None;
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
                // "Not applicable" / "None": the filing does not have the item. A mark on it
                // ("Not applicable(a)", GE's 10-Q) points to a note under the index that says
                // where the item is instead; the note wins over the bare answer below.
                answer.get_or_insert_with(|| c.to_string());
                notes.extend(note_marks(c));
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
        under = (page.is_none() && answer.is_none() && notes.is_empty()).then_some(out.len());
        out.push(IndexEntry {
            item,
            part,
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
pub(super) struct IndexedItem {
    pub(super) item: ItemNo,
    pub(super) part: u8,
    pub(super) title: String,
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) text: String,
    pub(super) words: usize,
}

/// When the body lacks most item headings but a table maps items to captions or pages,
/// returns the index table's unit, one headless or caption-headed candidate per item it
/// can locate in the body (in document order), and the items it speaks for otherwise: an
/// item whose row points to a note under the index ("(b) Incorporated by reference to …
/// the 2026 Proxy Statement") gets that note; an item the index marks "Not applicable" gets
/// that row; an item placed on the page where an earlier one starts gets that page range.
pub(super) fn cross_reference_index(
    doc: &Document,
    acc: &str,
    units: &[Unit],
    chosen: &[&Candidate],
    form: Form,
) -> Option<(usize, Vec<Candidate>, Vec<IndexedItem>)> {
    let (iu, entries) = units
        .iter()
        .enumerate()
        .filter_map(|(i, u)| match u.kind {
            UnitKind::Table(ti) => Some((i, index_entries(&doc.tables[ti], form))),
            _ => None,
        })
        // An index lists at least four items, in the form's order.
        .filter(|(_, e)| {
            let ords: Vec<u32> = e
                .iter()
                .filter_map(|x| item_order(form, x.part, &x.item))
                .collect();
            ords.len() >= 4 && ords.windows(2).all(|w| w[0] < w[1])
        })
        .max_by_key(|(i, e)| (e.len(), std::cmp::Reverse(*i)))?;
    let found = entries
        .iter()
        .filter(|e| {
            chosen
                .iter()
                .any(|c| c.item == e.item && (form != Form::TenQ || c.part == e.part))
        })
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
    // Per located item (same order as `out`): the last unit of its first page range.
    let mut range_ends: Vec<Option<usize>> = Vec::new();
    let mut others: Vec<IndexedItem> = Vec::new();
    for e in &entries {
        let Some(ord) = item_order(form, e.part, &e.item) else {
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
            // Placed by its page alone on a page where an item before it in the form's order
            // was found further down (GE's 10-Q: Part II Item 2 on page 18, where Item 4's
            // caption sits mid-page): it does not start at the top of that page, which holds
            // the end of the item before; it gets the page range, like an item sharing a start.
            let after_earlier_on_page = headless
                && out
                    .iter()
                    .any(|c| c.ord < ord && c.unit > unit && on_page(c.unit, &e.first_page));
            // Likewise when its page lies inside the page range of an item before it (GE's
            // 10-Q: Item 3 on page 13 of the MD&A's 4-18, Part II Item 1 on pages 38-40 of the
            // financial statements' 19-40): a part of that item, not where it ends.
            let inside_earlier = headless
                && out.iter().zip(&range_ends).any(|(c, end)| {
                    c.ord < ord && c.unit < unit && end.is_some_and(|end| unit < end)
                });
            if !after_earlier_on_page && !inside_earlier && !out.iter().any(|c| c.unit == unit) {
                range_ends.push(
                    e.first_range_end
                        .as_ref()
                        .and_then(|p| pages.get(p))
                        .map(|&(_, end)| end),
                );
                out.push(Candidate {
                    unit,
                    title_end_unit: unit,
                    body_in_unit,
                    headless,
                    item: e.item,
                    explicit_part: None,
                    part: e.part,
                    title: e.title.clone(),
                    score: 0.6,
                    method: "cross_reference_index",
                    ord,
                    weight: 0.0,
                });
                continue;
            }
            // Starts on the page where an earlier item starts (GE: Items 1 and 2 on page 4), or
            // after it on that page, or inside its pages: the pages of its first range.
            let end = e.first_range_end.as_ref().and_then(|p| pages.get(p));
            if let Some(&(_, end_unit)) = end.filter(|&&(_, f)| f > unit) {
                // Pages that run on into the index (GE's 10-Q: Part II Item 1 on pages 38-40,
                // the index on page 40) stop before it, as the located items do.
                let end_unit = if iu > unit {
                    end_unit.min(iu)
                } else {
                    end_unit
                };
                let c = Candidate::at_unit(unit, e.item, 0, String::new(), 0.6, "", ord);
                let c = Candidate {
                    headless: true,
                    ..c
                };
                let built = build_text(doc, acc, units, &c, end_unit);
                others.push(IndexedItem {
                    item: e.item,
                    part: e.part,
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
                part: e.part,
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
                            part: e.part,
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

//! Step 3, 10-K sections whose heading carries no item number: an item headed by its title
//! alone ("RISK FACTORS" between Items 1 and 2), and Part I's "Executive Officers of the
//! Registrant", a section of its own.

use std::sync::OnceLock;

use finloom_plugin_api::Document;
use finloom_plugin_kit::text::{all_caps, collapse_ws};
use regex::Regex;

use super::candidates::Candidate;
use super::numbering::{item_order, ten_k_part, Form, ItemNo};
use super::units::{Unit, UnitKind};

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
pub(super) fn title_only_items(
    doc: &Document,
    units: &[Unit],
    chosen: &[&Candidate],
) -> Vec<Candidate> {
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
pub(super) fn executive_officers(
    doc: &Document,
    units: &[Unit],
    chosen: &[&Candidate],
) -> Option<Candidate> {
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

//! Step 4, headings and bodies that speak for several items: a combined heading ("Items 1 and
//! 2. Business and Properties") is stored under each item it names, a PART body without item
//! headings under each item of its part it names, and empty headings followed by one shared
//! body take that body's status.

use std::sync::OnceLock;

use finloom_plugin_api::{util::CharIndex, Document};
use finloom_plugin_kit::text::collapse_ws;
use regex::Regex;

use super::body::{build_text, status_of, trim_trailing_part_heading};
use super::candidates::Candidate;
use super::numbering::{
    item_order, part_name, ten_k_part, ten_ksb_part, Form, ItemNo, TEN_KSB_ITEMS, TEN_K_ITEMS,
    TEN_Q_PART1, TEN_Q_PART2,
};
use super::units::Unit;
use super::Section;

/// The items a PART body without item headings speaks for: "PART III — The information
/// called for by Part III of Form 10-K (Item 10 — Directors …, Item 11 — …, and Item 14 —
/// …) is incorporated by reference from the proxy statement". Each item of that part it
/// names, and that has no section, gets the part's text (method `part_body`; status from
/// the text, usually `incorporated_by_reference`).
#[allow(clippy::too_many_arguments)]
pub(super) fn items_of_part_body(
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
pub(super) fn split_combined_headings(
    form: Form,
    acc: &str,
    sections: Vec<Section>,
) -> Vec<Section> {
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
pub(super) fn inherit_status_of_shared_body(sections: &mut [Section]) {
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

//! Form numbering: the form families, the items each one has and in which order, and how an
//! item and a part are printed ("PART II — ITEM 7A", "Item 2.02").

use std::sync::OnceLock;

use regex::Regex;

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

pub(super) fn item_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // `\s` is Unicode-aware, so non-breaking spaces are tolerated. The dotted 8-K form is
        // tried first so `Item 2.02` is not read as item 2. `ltem` (a lower-case L for the I)
        // is a typo common enough in EDGAR headings to be read as `Item`: a 2025 10-K of the
        // dev corpus heads Item 9A "ltem 9A. Controls and Procedures".
        Regex::new(
            r"(?i)^[\s\u{200b}]*(?:PART[\s\u{200b}]+(IV|III|II|I)\b[\s\u{200b}]*[.,:;\u{2014}\u{2013}-]?[\s\u{200b}]*)?([IL]TEMS?)[\s\u{200b}]*(?:NO\.?[\s\u{200b}]*)?(\d{1,2}\.\d{1,2}|\d{1,2}[A-C]?)",
        )
        .expect("item regex")
    })
}

pub(super) fn part_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?i)^\s*PART\s+(IV|III|II|I)\b").expect("part regex"))
}

/// An item number as printed: `7`, `7A`, `2.02`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct ItemNo {
    pub(super) num: u8,
    pub(super) letter: Option<char>,
    /// The `02` of `2.02` (8-K numbering since 2004).
    pub(super) minor: Option<u8>,
}

impl ItemNo {
    /// "7", "1A" (any case): a number and an optional letter, no 8-K minor number.
    pub(super) fn from_label(label: &str) -> Option<ItemNo> {
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

    pub(super) fn label(&self) -> String {
        match (self.minor, self.letter) {
            (Some(m), _) => format!("{}.{:02}", self.num, m),
            (None, Some(l)) => format!("{}{}", self.num, l),
            (None, None) => self.num.to_string(),
        }
    }
}

pub(super) const TEN_K_ITEMS: &[&str] = &[
    "1", "1A", "1B", "1C", "2", "3", "4", "5", "6", "7", "7A", "8", "9", "9A", "9B", "9C", "10",
    "11", "12", "13", "14", "15", "16",
];
pub(super) const TEN_KSB_ITEMS: &[&str] = &[
    "1", "2", "3", "4", "5", "6", "7", "8", "8A", "8B", "9", "10", "11", "12", "13", "14",
];
pub(super) const TEN_Q_PART1: &[&str] = &["1", "2", "3", "4"];
pub(super) const TEN_Q_PART2: &[&str] = &["1", "1A", "2", "3", "4", "5", "6"];

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
pub(super) fn item_order(form: Form, part: u8, item: &ItemNo) -> Option<u32> {
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
pub(super) fn ten_ksb_part(item: &ItemNo) -> u8 {
    match item.num {
        1..=4 => 1,
        5..=8 => 2,
        _ => 3,
    }
}

pub(super) fn ten_k_part(item: &ItemNo) -> u8 {
    match item.num {
        1..=4 => 1,
        5..=9 => 2,
        10..=14 => 3,
        _ => 4,
    }
}

pub(super) fn roman(s: &str) -> u8 {
    match s.to_ascii_uppercase().as_str() {
        "I" => 1,
        "II" => 2,
        "III" => 3,
        "IV" => 4,
        _ => 0,
    }
}

pub(super) fn part_name(p: u8) -> String {
    format!("part{p}")
}

//! Small text rules more than one plugin needs, kept in one place so that they cannot drift
//! apart between plugins.

use regex::Regex;
use std::sync::OnceLock;

/// The id of a filing's table: `{accession}/tbl/{index}`, `index` its position among the
/// document's tables. The `tables` rows carry it, the section text names it in its
/// `[TABLE id]` line, and footnotes and chunks link to it.
pub fn table_id(accession: &str, index: usize) -> String {
    format!("{accession}/tbl/{index}")
}

/// The line that opens a table in the section text as read: `[TABLE {table_id}]`.
pub fn table_marker(accession: &str, index: usize) -> String {
    format!("[TABLE {}]", table_id(accession, index))
}

/// `s` with every run of white space (line breaks included) folded to one space, and none at
/// either end: a title or a cell as one line.
pub fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// No lower-case letter, and at least `min_upper` upper-case ones (letters without case, such
/// as CJK, are ignored): "ITEM 7.", "RISK FACTORS". With `min_upper = 1` a lone "A" counts.
pub fn all_caps(s: &str, min_upper: usize) -> bool {
    let mut upper = 0;
    for c in s.chars() {
        if c.is_lowercase() {
            return false;
        }
        if c.is_uppercase() {
            upper += 1;
        }
    }
    upper >= min_upper
}

/// Every letter upper case, and at least `min_letters` letters. Stricter than [`all_caps`]:
/// a letter without case (CJK, Arabic) is not upper case, so it disqualifies.
pub fn all_letters_upper(s: &str, min_letters: usize) -> bool {
    let mut n = 0;
    for c in s.chars().filter(|c| c.is_alphabetic()) {
        if !c.is_uppercase() {
            return false;
        }
        n += 1;
    }
    n >= min_letters
}

/// A page header or footer line: "Apple Inc. | 2024 Form 10-K | 36", "- 12 -", "Page 7",
/// "F-7", "Table of Contents" (at most 100 characters).
pub fn is_page_furniture(t: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"(?i)^(?:[-–—\s]*\d{1,3}[-–—\s]*|page\s+\d+|.{0,60}\bform\s+10-?[kq]\b.{0,20}|table\s+of\s+contents|[a-z]-\d{1,3})$")
            .expect("furniture regex")
    });
    t.chars().count() <= 100 && re.is_match(t.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_ids_and_markers() {
        assert_eq!(table_id("0001-24-000001", 3), "0001-24-000001/tbl/3");
        assert_eq!(
            table_marker("0001-24-000001", 0),
            "[TABLE 0001-24-000001/tbl/0]"
        );
    }

    #[test]
    fn white_space_is_collapsed() {
        assert_eq!(
            collapse_ws("  Item 7.\n\tMANAGEMENT\u{a0}S  "),
            "Item 7. MANAGEMENT S"
        );
        assert_eq!(collapse_ws(" \n "), "");
    }

    #[test]
    fn caps_rules() {
        assert!(all_caps("ITEM 7.", 1));
        assert!(all_caps("A", 1) && !all_caps("A", 3));
        assert!(!all_caps("Item 7", 1));
        assert!(!all_caps("2024", 1));
        assert!(all_caps("RISK 中", 3));
        assert!(!all_letters_upper("RISK 中", 3));
        assert!(all_letters_upper("(1) NOTES", 3));
        assert!(!all_letters_upper("AB 1", 3));
    }

    #[test]
    fn page_furniture() {
        for t in [
            "- 12 -",
            "36",
            "Page 7",
            "F-7",
            "Table of Contents",
            "Apple Inc. | 2024 Form 10-K | 36",
        ] {
            assert!(is_page_furniture(t), "{t}");
        }
        for t in ["Net income", "Item 7. Management's Discussion", "1,234"] {
            assert!(!is_page_furniture(t), "{t}");
        }
    }
}

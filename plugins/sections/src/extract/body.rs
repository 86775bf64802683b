//! Step 4, **a section's body**: where it ends (a PART heading before the next item is left
//! out), its text as read — furniture left out, tables in place as `[TABLE id]` with their
//! rows, layout tables inlined as text — its word count and its status (`present`, `reserved`,
//! `incorporated_by_reference`).

use std::sync::OnceLock;

use finloom_plugin_api::Document;
use finloom_plugin_kit::text::table_marker;
use regex::Regex;

use super::candidates::Candidate;
use super::units::{Unit, UnitKind};

pub(super) fn reserved_re() -> &'static Regex {
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

pub(super) fn trim_trailing_part_heading(units: &[Unit], from: usize, end: usize) -> usize {
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

pub(super) struct Built {
    pub(super) text: String,
    pub(super) words: usize,
    pub(super) end_byte: usize,
}

pub(super) fn count_words(s: &str) -> usize {
    s.split_whitespace()
        .filter(|w| w.chars().any(|c| c.is_alphanumeric()))
        .count()
}

pub(super) fn build_text(
    doc: &Document,
    acc: &str,
    units: &[Unit],
    c: &Candidate,
    end_unit: usize,
) -> Built {
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
pub(super) fn status_of(title: &str, body: &str, words: usize) -> &'static str {
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

//! Step 1, **elements**: a section's text cut into its blank-line separated blocks, each a
//! table (its `[TABLE id]` block, resolved to `Document::tables`), a heading (styled in the
//! document model, or ALL CAPS / Title Case in a plain-text filing) or a paragraph.

use std::sync::OnceLock;

use finloom_plugin_api::{BlockKind, DocFormat, Document, Style};
use finloom_plugin_kit::text::all_caps;
use regex::Regex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ElemKind {
    Paragraph,
    Heading,
    Table(usize),
}

/// A block of the section text: byte range (trimmed) in the section text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Element {
    pub(crate) kind: ElemKind,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

fn placeholder_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?s)^\[TABLE [^\]\s]+/tbl/(\d+)\](?:\n.*\n\[/TABLE\])?$")
            .expect("placeholder regex")
    })
}

/// Byte ranges of the blank-line separated blocks of `text`, trimmed, empty ones dropped.
fn blocks_of(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos <= text.len() {
        let end = text[pos..].find("\n\n").map_or(text.len(), |i| pos + i);
        let piece = &text[pos..end];
        let lead = piece.len() - piece.trim_start().len();
        if lead < piece.len() {
            let trail = piece.len() - piece.trim_end().len();
            out.push((pos + lead, end - trail));
        }
        if end == text.len() {
            break;
        }
        pos = end + 2;
    }
    out
}

/// Splits a section's text into elements, using the document model for table placeholders
/// and for the styles that make a short line a heading.
pub(crate) fn elements(text: &str, doc: &Document, doc_range: (usize, usize)) -> Vec<Element> {
    let dtext = doc.text.as_str();
    let mut cursor = doc_range.0;
    let mut out = Vec::new();
    for (s, e) in blocks_of(text) {
        let piece = &text[s..e];
        if let Some(c) = placeholder_re().captures(piece) {
            if let Ok(ti) = c[1].parse::<usize>() {
                if ti < doc.tables.len() {
                    out.push(Element {
                        kind: ElemKind::Table(ti),
                        start: s,
                        end: e,
                    });
                    continue;
                }
            }
        }
        // Find where the piece came from, to read its block's style.
        let first_line = piece.lines().next().unwrap_or("").trim();
        let mut style = None;
        if !first_line.is_empty() && cursor <= doc_range.1 {
            if let Some(i) = dtext[cursor..doc_range.1].find(first_line) {
                let p = cursor + i;
                let bi = doc.blocks.partition_point(|b| (b.start as usize) <= p);
                if bi > 0 {
                    let b = &doc.blocks[bi - 1];
                    if p < b.end as usize && b.kind != BlockKind::Table {
                        style = Some(b.style);
                    }
                }
                cursor = if dtext[p..].starts_with(piece) {
                    p + piece.len()
                } else {
                    p + first_line.len()
                };
            }
        }
        let kind = if is_heading(piece, style, doc.format) {
            ElemKind::Heading
        } else {
            ElemKind::Paragraph
        };
        out.push(Element {
            kind,
            start: s,
            end: e,
        });
    }
    out
}

/// Whether a block of section text is a heading: one short line that does not end like a
/// sentence, styled as a heading (HTML) or ALL CAPS / Title Case (plain text).
pub(crate) fn is_heading(piece: &str, style: Option<Style>, format: DocFormat) -> bool {
    if piece.contains('\n') {
        return false;
    }
    let chars = piece.chars().count();
    let words: Vec<&str> = piece.split_whitespace().collect();
    if !(2..=120).contains(&chars) || words.len() > 16 {
        return false;
    }
    if !piece.chars().next().is_some_and(char::is_alphanumeric)
        || piece.chars().filter(|c| c.is_alphabetic()).count() < 2
    {
        return false;
    }
    let last = piece.chars().next_back().unwrap_or(' ');
    if matches!(last, '.' | ',' | ';' | '!' | '?') {
        return false;
    }
    let styled = style.is_some_and(|s| s.bold || s.italic || s.underline || s.heading_level > 0);
    if styled || all_caps(piece, 3) {
        return true;
    }
    if format == DocFormat::Text && last != ':' && words.len() <= 10 {
        // Title Case: every word of four letters or more is capitalised.
        return words.iter().all(|w| {
            let letters: Vec<char> = w.chars().filter(|c| c.is_alphabetic()).collect();
            letters.len() < 4 || letters[0].is_uppercase()
        }) && words.first().is_some_and(|w| {
            w.chars()
                .find(|c| c.is_alphabetic())
                .is_some_and(char::is_uppercase)
        });
    }
    false
}

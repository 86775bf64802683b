//! Plain-text documents: 1990s filings, `.txt` primary documents and `<PRE>` content.
//!
//! Plain-text filings were typed for a fixed-width page: line breaks and column positions
//! carry meaning (tables are aligned with spaces), so every block is
//! [`BlockKind::Preformatted`] and keeps its lines. Blocks are runs of non-blank lines.
//!
//! EDGAR's text conventions handled here:
//! * form feeds and `<PAGE>` lines mark page breaks: they are removed from the text and set
//!   `page_break_before` on the next block, so heading detection can use "starts a page";
//! * 1990s text tables are wrapped in SGML markup lines (`<TABLE>`, `<CAPTION>`, `<S>`, `<C>`,
//!   `<FN>`); the tags are removed and their content kept; a line that held only tags
//!   disappears instead of becoming a blank line (which would split the table in two);
//! * tabs are expanded to 8-column stops so indentation is comparable between lines;
//! * each block is de-indented by its common leading indentation (a centred `PART I` becomes
//!   the text `PART I`), and the original indentation is kept as the `centered` hint.

use finloom_plugin_api::{Block, BlockKind, DocFormat, Document, Style};

use crate::html::all_caps;

/// Parses a plain-text document.
pub fn parse_text(text: &str) -> Document {
    let mut out = String::with_capacity(text.len());
    let mut blocks = Vec::new();
    push_plain_blocks(&mut out, &mut blocks, text, false);
    Document {
        format: DocFormat::Text,
        text: out.into(),
        blocks: blocks.into(),
        tables: Default::default(),
        facts: Default::default(),
        raw: text.into(),
    }
}

/// SGML markup found in EDGAR text documents; removed, content kept.
const STRIP_TAGS: &[&str] = &[
    "<TABLE>",
    "</TABLE>",
    "<CAPTION>",
    "</CAPTION>",
    "<S>",
    "<C>",
    "<FN>",
    "</FN>",
    "<PRE>",
    "</PRE>",
];

enum Line {
    Text(String),
    Blank,
    PageBreak,
}

/// Splits `src` into lines with markup removed, page breaks as separate events.
fn lines(src: &str) -> Vec<Line> {
    let mut out = Vec::new();
    for raw in src.split('\n') {
        // Form feeds split a line into parts separated by page breaks.
        let mut first = true;
        for part in raw.split('\x0c') {
            if !first {
                out.push(Line::PageBreak);
            }
            first = false;
            clean_line(part, &mut out);
        }
    }
    out
}

fn clean_line(part: &str, out: &mut Vec<Line>) {
    let mut line = part;
    let trimmed = line.trim();
    // <PAGE> markers (with or without the page number that sometimes follows).
    if trimmed.len() >= 6 && trimmed.as_bytes()[..6].eq_ignore_ascii_case(b"<PAGE>") {
        out.push(Line::PageBreak);
        line = &trimmed[6..];
        if line.trim().is_empty() {
            return;
        }
    } else if trimmed.eq_ignore_ascii_case("</PAGE>") {
        return;
    }
    let had_tag = line.contains('<');
    let mut s = String::with_capacity(line.len());
    if had_tag {
        let mut rest = line;
        'scan: while let Some(p) = rest.find('<') {
            for t in STRIP_TAGS {
                if rest.len() >= p + t.len()
                    && rest.as_bytes()[p..p + t.len()].eq_ignore_ascii_case(t.as_bytes())
                {
                    push_expanded(&mut s, &rest[..p]);
                    rest = &rest[p + t.len()..];
                    continue 'scan;
                }
            }
            push_expanded(&mut s, &rest[..=p]);
            rest = &rest[p + 1..];
        }
        push_expanded(&mut s, rest);
    } else {
        push_expanded(&mut s, line);
    }
    let len = s.trim_end().len();
    s.truncate(len);
    if s.is_empty() {
        if !had_tag || line.trim().is_empty() {
            out.push(Line::Blank);
        }
        // A line of tags only vanishes.
    } else {
        out.push(Line::Text(s));
    }
}

/// Appends with tabs expanded to 8-column stops (columns counted from the start of `s`, good
/// enough since a tag split is rare) and other control characters / unusual spaces made plain.
fn push_expanded(s: &mut String, part: &str) {
    if part.bytes().all(|b| (0x20..0x7F).contains(&b)) {
        s.push_str(part);
        return;
    }
    for ch in part.chars() {
        match ch {
            '\t' => {
                let col = s.chars().rev().take_while(|&c| c != '\n').count();
                let n = 8 - col % 8;
                s.extend(std::iter::repeat_n(' ', n));
            }
            '\u{200B}' | '\u{FEFF}' | '\u{AD}' => {}
            c if c.is_whitespace() || c.is_control() => s.push(' '),
            c => s.push(c),
        }
    }
}

/// Appends the blocks of a plain text to `text`/`blocks` (shared with `<PRE>` in HTML).
/// `page_break` marks the first block.
pub(crate) fn push_plain_blocks(
    text: &mut String,
    blocks: &mut Vec<Block>,
    src: &str,
    mut page_break: bool,
) {
    let lines = lines(src);
    let width = lines
        .iter()
        .filter_map(|l| match l {
            Line::Text(s) => Some(s.chars().count()),
            _ => None,
        })
        .max()
        .unwrap_or(80)
        .clamp(60, 100);
    let mut cur: Vec<&str> = Vec::new();
    let flush = |cur: &mut Vec<&str>, text: &mut String, blocks: &mut Vec<Block>, pb: &mut bool| {
        if cur.is_empty() {
            return;
        }
        let indent = cur
            .iter()
            .map(|l| l.len() - l.trim_start_matches(' ').len())
            .min()
            .unwrap_or(0);
        let centered = cur.iter().all(|l| {
            let lead = l.len() - l.trim_start_matches(' ').len();
            let len = l.trim().chars().count();
            let right = width.saturating_sub(lead + len);
            lead >= 4 && lead.abs_diff(right) <= (width / 10).max(4)
        });
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        let start = text.len();
        for (i, l) in cur.iter().enumerate() {
            if i > 0 {
                text.push('\n');
            }
            // Lines are ASCII-space indented, so slicing at `indent` is on a char boundary.
            text.push_str(&l[indent..]);
        }
        let end = text.len();
        blocks.push(Block {
            kind: BlockKind::Preformatted,
            start: start as u32,
            end: end as u32,
            style: Style {
                centered,
                all_caps: all_caps(&text[start..end]),
                page_break_before: std::mem::take(pb),
                ..Style::default()
            },
            table: -1,
        });
        cur.clear();
    };
    for l in &lines {
        match l {
            Line::Text(s) => cur.push(s),
            Line::Blank => flush(&mut cur, text, blocks, &mut page_break),
            Line::PageBreak => {
                flush(&mut cur, text, blocks, &mut page_break);
                page_break = true;
            }
        }
    }
    flush(&mut cur, text, blocks, &mut page_break);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_and_page_breaks() {
        let d = parse_text("                              PART I\n\nItem 1.  Business   \nmore text\n\x0cAfter the break\n<PAGE>\n\nNext page\n");
        let texts: Vec<&str> = d.blocks.iter().map(|b| d.block_text(b)).collect();
        assert_eq!(
            texts,
            [
                "PART I",
                "Item 1.  Business\nmore text",
                "After the break",
                "Next page"
            ]
        );
        assert!(d.blocks[0].style.centered && d.blocks[0].style.all_caps);
        assert!(!d.blocks[1].style.page_break_before);
        assert!(d.blocks[2].style.page_break_before);
        assert!(d.blocks[3].style.page_break_before);
        assert_eq!(d.text.as_str(), texts.join("\n\n"));
    }

    #[test]
    fn sgml_table_markup() {
        let d = parse_text("<TABLE>\n<CAPTION>\n                Year\n<S>          <C>\nNet sales    $ 100\n</TABLE>\n");
        assert_eq!(d.blocks.len(), 1);
        assert_eq!(
            d.block_text(&d.blocks[0]),
            "                Year\nNet sales    $ 100"
        );
    }
}

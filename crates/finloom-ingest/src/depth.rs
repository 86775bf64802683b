//! Nesting cap applied to HTML before html5ever sees it.
//!
//! html5ever is iterative (no recursion on depth) and the parsed tree is a flat arena, so deep
//! nesting cannot overflow the stack — but it is *quadratic*: every block-level start tag
//! (`<div>`, `<ul>`, `<center>`…) makes the tree builder scan the stack of open elements for a
//! `<p>` in button scope. 100,000 nested `<div>`s (a real adversarial input) take ~40 s in a
//! release build and far longer in debug.
//!
//! So a cheap byte-level pre-pass keeps a stack of the open elements, closed roughly as the
//! parser closes them (an end tag closes what was opened inside its element; a table cell's
//! leftovers close with the cell; a list item closes its open sibling; a paragraph closes with
//! the next block; formatting elements — `<font>`, `<b>`, … — left open outside a cell stay
//! open, as the parser reconstructs them, at most three alike; void elements and tags whose end
//! tag is optional — `tr`, `option`, … — are not counted, since their unclosed occurrences do
//! not nest) and, once the stack is [`MAX_DEPTH`] deep, removes further start tags together
//! with their matching end tags. Text is never removed. Real filings stay far below the cap
//! (none of the 95 filings of the development corpus reaches 50), so this only ever changes
//! pathological input; when it does, the number of removed tags is reported as a warning.

use std::borrow::Cow;
use std::collections::HashMap;

/// Maximum counted nesting depth passed to the HTML parser. Low enough that html5ever's
/// per-tag stack scans stay cheap even in debug builds, far above what real filings use.
pub(crate) const MAX_DEPTH: usize = 256;

fn is_uncounted(name: &[u8]) -> bool {
    matches!(
        name,
        b"area"
            | b"base"
            | b"br"
            | b"col"
            | b"embed"
            | b"hr"
            | b"img"
            | b"input"
            | b"link"
            | b"meta"
            | b"param"
            | b"source"
            | b"track"
            | b"wbr"
            | b"tr"
            | b"td"
            | b"th"
            | b"thead"
            | b"tbody"
            | b"tfoot"
            | b"option"
            | b"optgroup"
            | b"rb"
            | b"rt"
            | b"rp"
            | b"colgroup"
            | b"caption"
            | b"html"
            | b"head"
            | b"body"
            | b"basefont"
            | b"frame"
            | b"keygen"
            | b"!doctype"
    )
}

/// An open element as the pre-pass tracks it: a counted element, a formatting element with a
/// hash of its attributes, a paragraph, or a table cell (one level each, as in the parser; a
/// cell marks where the cell's content begins).
#[derive(Clone, Copy, PartialEq)]
enum Open {
    Element(u32),
    Format(u32, u64),
    Para,
    Cell,
}

impl Open {
    fn id(self) -> Option<u32> {
        match self {
            Open::Element(t) | Open::Format(t, _) => Some(t),
            Open::Para | Open::Cell => None,
        }
    }
}

/// The HTML parser's formatting elements: left open, they stay in its list of active
/// formatting elements and are opened again in the blocks that follow.
fn is_formatting(name: &[u8]) -> bool {
    matches!(
        name,
        b"a" | b"b"
            | b"big"
            | b"code"
            | b"em"
            | b"font"
            | b"i"
            | b"nobr"
            | b"s"
            | b"small"
            | b"strike"
            | b"strong"
            | b"tt"
            | b"u"
    )
}

/// Start tags that close an open paragraph (the parser's "close a p element" before inserting
/// them). `<table>` is not one here: in quirks mode, which most older filings are in, it nests
/// inside the paragraph.
fn closes_paragraph(name: &[u8]) -> bool {
    matches!(
        name,
        b"p" | b"address"
            | b"article"
            | b"aside"
            | b"blockquote"
            | b"center"
            | b"details"
            | b"dialog"
            | b"dir"
            | b"div"
            | b"dl"
            | b"dd"
            | b"dt"
            | b"fieldset"
            | b"figcaption"
            | b"figure"
            | b"footer"
            | b"form"
            | b"header"
            | b"hgroup"
            | b"hr"
            | b"h1"
            | b"h2"
            | b"h3"
            | b"h4"
            | b"h5"
            | b"h6"
            | b"li"
            | b"listing"
            | b"main"
            | b"menu"
            | b"nav"
            | b"ol"
            | b"plaintext"
            | b"pre"
            | b"section"
            | b"summary"
            | b"ul"
            | b"xmp"
    )
}

/// A hash of a tag's attributes as the parser would compare them (case, quotes and spacing
/// aside): formatting elements alike in name and attributes are reconstructed at most three
/// times (the parser's "Noah's Ark" clause).
fn attr_hash(attrs: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &c in attrs {
        if c.is_ascii_whitespace() || c == b'"' || c == b'\'' || c == b'/' {
            continue;
        }
        h ^= u64::from(c.to_ascii_lowercase());
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Closes the element at `k` and everything opened inside it, except the formatting elements
/// among them: the parser pops those too but opens them again in what follows.
fn close_at(stack: &mut Vec<Open>, k: usize) {
    let mut w = k;
    for r in k + 1..stack.len() {
        if let Open::Format(..) = stack[r] {
            stack[w] = stack[r];
            w += 1;
        }
    }
    stack.truncate(w);
}

/// Where the innermost table cell's (or table's) content begins: end tags and paragraph closes
/// do not reach below it.
fn scope_start(stack: &[Open], table: u32) -> usize {
    stack
        .iter()
        .rposition(|o| *o == Open::Cell || *o == Open::Element(table))
        .map_or(0, |c| c + 1)
}

/// Returns the HTML with excess nesting removed, and how many tags were removed.
///
/// The open elements are kept as a stack, closed the way the HTML parser closes them, so that
/// only real nesting counts: an end tag closes everything opened after its element, a table
/// cell closes what was left open inside it when the next cell, row or the table ends
/// (`<td><font size=2>1,234</td>`, a font never closed, in every cell of a 1990s table), a list
/// item closes its open sibling, and a paragraph closes at the next paragraph or block
/// (`<p><font size=2>text<p>…`, the font never closed, in every paragraph). Formatting elements
/// left open by a closing block stay counted, at most three alike, because the parser opens
/// them again in the next block: `<p><font size=2>` in every paragraph is three or four levels
/// in the parser, not one more per paragraph. Per-name counts would take 500 such cells or
/// paragraphs for 500 levels of nesting and strip the rest of the filing's tags.
pub(crate) fn cap_depth(html: &str) -> (Cow<'_, str>, usize) {
    let b = html.as_bytes();
    // Tag names interned to small ids, so the stack holds no strings.
    let mut ids: HashMap<Vec<u8>, u32> = HashMap::new();
    let mut intern = |n: &[u8]| -> u32 {
        if let Some(&id) = ids.get(n) {
            return id;
        }
        let id = ids.len() as u32;
        ids.insert(n.to_vec(), id);
        id
    };
    let table = intern(b"table");
    let lists = [
        intern(b"ul"),
        intern(b"ol"),
        intern(b"menu"),
        intern(b"dir"),
    ];
    let li = intern(b"li");
    let dl = intern(b"dl");
    let dd = intern(b"dd");
    let mut stack: Vec<Open> = Vec::new();
    let mut dropped: HashMap<u32, usize> = HashMap::new();
    let mut removed = 0usize;
    let mut out: Option<String> = None;
    let mut copied = 0usize;
    let mut name = Vec::with_capacity(32);
    let mut i = 0usize;
    // The stack's length is the depth; a cell counts as one level, as it does in the
    // parser's stack of open elements.
    // Closes the open cell of the innermost table, if any, and all that is open inside it.
    let close_cell = |stack: &mut Vec<Open>| {
        let from = scope_start(stack, table);
        if from > 0 && stack[from - 1] == Open::Cell {
            stack.truncate(from - 1);
        }
    };
    while let Some(p) = memchr::memchr(b'<', &b[i..]) {
        let lt = i + p;
        i = lt + 1;
        if b[i..].starts_with(b"!--") {
            // Comment: skip to its end.
            i = match memchr::memmem::find(&b[i..], b"-->") {
                Some(e) => i + e + 3,
                None => b.len(),
            };
            continue;
        }
        let closing = b.get(i) == Some(&b'/');
        let ns = if closing { i + 1 } else { i };
        let mut j = ns;
        name.clear();
        while j < b.len()
            && (b[j].is_ascii_alphanumeric() || matches!(b[j], b':' | b'-' | b'_' | b'.'))
        {
            name.push(b[j].to_ascii_lowercase());
            j += 1;
        }
        if name.is_empty() || !name[0].is_ascii_alphabetic() {
            continue;
        }
        let gt = match memchr::memchr(b'>', &b[j..]) {
            Some(e) => j + e,
            None => break,
        };
        let tag_end = gt + 1;
        i = tag_end;
        if matches!(name.as_slice(), b"script" | b"style") && !closing {
            // Raw text: skip to the end tag.
            let close: &[u8] = if name == b"script" {
                b"</script"
            } else {
                b"</style"
            };
            if let Some(e) = find_ci(&b[i..], close) {
                i += e;
            }
            continue;
        }
        // Table structure: a new cell or row, or the end of one, closes the open cell.
        match (name.as_slice(), closing) {
            (b"td" | b"th", false) => {
                close_cell(&mut stack);
                stack.push(Open::Cell);
                continue;
            }
            (b"td" | b"th" | b"tr" | b"tbody" | b"thead" | b"tfoot", _) => {
                close_cell(&mut stack);
                continue;
            }
            _ => {}
        }
        // Paragraphs: a block start tag or `</p>` closes the open paragraph of the current
        // cell; a paragraph is one level and cannot nest in another, so it is never removed.
        if (closing && name == b"p") || (!closing && closes_paragraph(&name)) {
            let from = scope_start(&stack, table);
            if let Some(k) = stack[from..].iter().rposition(|o| *o == Open::Para) {
                close_at(&mut stack, from + k);
            }
        }
        if name == b"p" {
            if !closing {
                stack.push(Open::Para);
            }
            continue;
        }
        if is_uncounted(&name) {
            continue;
        }
        if name == b"dt" {
            name.clear();
            name.extend_from_slice(b"dd");
        }
        let id = intern(&name);
        let self_closing = !closing && gt > 0 && b[gt - 1] == b'/';
        if self_closing {
            continue;
        }
        let mut drop = false;
        if closing {
            if let Some(d) = dropped.get_mut(&id).filter(|d| **d > 0) {
                *d -= 1;
                drop = true;
            } else {
                // Closes it and whatever was opened inside it — within the open cell: the
                // parser ignores an end tag there for an element opened outside the table.
                // `</table>` closes the table, its open cell and everything in it.
                if id == table {
                    if let Some(k) = stack.iter().rposition(|o| *o == Open::Element(table)) {
                        stack.truncate(k);
                    }
                } else {
                    let from = stack
                        .iter()
                        .rposition(|o| *o == Open::Cell)
                        .map_or(0, |c| c + 1);
                    if let Some(k) = stack[from..].iter().rposition(|o| o.id() == Some(id)) {
                        close_at(&mut stack, from + k);
                    }
                }
            }
        } else {
            // A list item closes its open sibling: the topmost open item, unless a list was
            // opened inside it (then the new item belongs to that inner list).
            let item_lists: &[u32] = if id == li {
                &lists
            } else if id == dd {
                std::slice::from_ref(&dl)
            } else {
                &[]
            };
            if !item_lists.is_empty() {
                let item = stack.iter().rposition(|o| *o == Open::Element(id));
                let list = stack
                    .iter()
                    .rposition(|o| matches!(o, Open::Element(t) if item_lists.contains(t)));
                if let Some(k) = item.filter(|&k| list.is_none_or(|l| l < k)) {
                    stack.truncate(k);
                }
            }
            let open = if is_formatting(&name) {
                let h = attr_hash(&b[j..gt]);
                // At most three alike in the current cell: the parser drops the earliest.
                let from = scope_start(&stack, table);
                let mut alike = (from..stack.len()).filter(|&k| stack[k] == Open::Format(id, h));
                if let Some(first) = alike.next() {
                    if alike.count() >= 2 {
                        stack.remove(first);
                    }
                }
                Open::Format(id, h)
            } else {
                Open::Element(id)
            };
            if stack.len() >= MAX_DEPTH {
                *dropped.entry(id).or_insert(0) += 1;
                drop = true;
            } else {
                stack.push(open);
            }
        }
        if drop {
            removed += 1;
            let o = out.get_or_insert_with(|| String::with_capacity(html.len()));
            o.push_str(&html[copied..lt]);
            copied = tag_end;
        }
    }
    match out {
        None => (Cow::Borrowed(html), 0),
        Some(mut o) => {
            o.push_str(&html[copied..]);
            (Cow::Owned(o), removed)
        }
    }
}

fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    crate::sgml::find_ci_bytes(hay, needle, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shallow_input_is_untouched() {
        let h = "<div><p>a<p>b<div>c</div></div><br><!-- <div><div> -->";
        let (c, n) = cap_depth(h);
        assert!(matches!(c, Cow::Borrowed(_)));
        assert_eq!(n, 0);
    }

    #[test]
    fn unclosed_list_items_are_not_nesting() {
        let items = "<li>x".repeat(5 * MAX_DEPTH);
        let h = format!("<ul>{items}</ul><ul>{items}</ul><div>kept</div>");
        let (c, n) = cap_depth(&h);
        assert_eq!(n, 0);
        assert!(matches!(c, Cow::Borrowed(_)));
    }

    #[test]
    fn unclosed_fonts_in_table_cells_are_not_nesting() {
        // `<td><font size=2>…</td>`, the font never closed, in 2,000 cells: the parser closes
        // each font with its cell, so nothing is nested and nothing may be removed.
        let rows = "<tr><td><font size=2>Revenue</td><td><font size=2>1,234</td></tr>".repeat(1000);
        let h = format!("<table>{rows}</table><div><table><tr><td>kept</td></tr></table></div>");
        let (c, n) = cap_depth(&h);
        assert_eq!(n, 0);
        assert!(matches!(c, Cow::Borrowed(_)));
        // Nor do fonts left open inside a div that is closed.
        let h = "<div><font size=2>x</div>".repeat(2 * MAX_DEPTH);
        assert_eq!(cap_depth(&h).1, 0);
    }

    #[test]
    fn unclosed_fonts_in_paragraphs_are_not_nesting() {
        // `<p><font size="2">…`, the font never closed, in every paragraph: the parser closes
        // each paragraph at the next one and opens the font again inside it, keeping at most
        // three alike, so the depth stays at a few levels whatever the number of paragraphs.
        let paras =
            "<p align=center><font size=\"2\">Revenue rose</p><P><FONT SIZE=2>x<b>y".repeat(1000);
        let h = format!("<div>{paras}</div><div><table><tr><td>kept</td></tr></table></div>");
        let (c, n) = cap_depth(&h);
        assert_eq!(n, 0);
        assert!(matches!(c, Cow::Borrowed(_)));
        // A block start tag closes the paragraph too.
        let h = "<p><font size=2>x<div>y</div>".repeat(2 * MAX_DEPTH);
        assert_eq!(cap_depth(&h).1, 0);
    }

    #[test]
    fn formatting_elements_left_open_with_different_attributes_nest() {
        // The parser reopens every distinct formatting element left open, in every paragraph
        // that follows: 1,000 fonts of different sizes are 1,000 levels, and are capped.
        let h: String = (0..1000).map(|k| format!("<p><font size={k}>x")).collect();
        let (c, n) = cap_depth(&h);
        assert_eq!(n, 1000 - (MAX_DEPTH - 1));
        assert_eq!(c.matches("<font").count(), MAX_DEPTH - 1);
        assert_eq!(
            c.matches("<p>").count(),
            1000,
            "paragraphs are never removed"
        );
    }

    #[test]
    fn an_end_tag_inside_a_cell_does_not_close_what_is_outside_the_table() {
        // The parser ignores `</div>` inside a cell for a div opened outside the table; so the
        // pre-pass must not count that div as closed.
        let one = "<div><table><tr><td></div></td></tr></table>";
        let h = one.repeat(3 * MAX_DEPTH);
        let (c, n) = cap_depth(&h);
        assert!(n > 0, "the divs nest and must be capped");
        assert_eq!(c.matches("<div>").count(), MAX_DEPTH);
    }

    #[test]
    fn deep_input_is_capped() {
        let n = 5000;
        let h = format!("{}x{}", "<div>".repeat(n), "</div>".repeat(n));
        let (c, removed) = cap_depth(&h);
        assert_eq!(removed, 2 * (n - MAX_DEPTH));
        assert_eq!(c.matches("<div>").count(), MAX_DEPTH);
        assert_eq!(c.matches("</div>").count(), MAX_DEPTH);
        assert!(c.contains('x'));
    }
}

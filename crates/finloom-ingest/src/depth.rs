//! Nesting cap applied to HTML before html5ever sees it.
//!
//! html5ever is iterative (no recursion on depth) and the parsed tree is a flat arena, so deep
//! nesting cannot overflow the stack — but it is *quadratic*: every block-level start tag
//! (`<div>`, `<ul>`, `<center>`…) makes the tree builder scan the stack of open elements for a
//! `<p>` in button scope. 100,000 nested `<div>`s (a real adversarial input) take ~40 s in a
//! release build and far longer in debug.
//!
//! So a cheap byte-level pre-pass counts open elements per tag name (void elements and tags
//! whose end tag is optional — `p`, `td`, `tr`, … — are not counted, since their unclosed
//! occurrences do not nest; list items count at most once per open list, as an unclosed `<li>`
//! closes its sibling) and, once the total exceeds [`MAX_DEPTH`], removes further start
//! tags together with their matching end tags (and the items of removed lists). Text is never removed. Real filings stay far
//! below the cap (none of the 27 fixtures reaches even 40), so this only ever changes pathological
//! input; when it does, the number of removed tags is reported as a warning.

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
            | b"p"
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

/// Returns the HTML with excess nesting removed, and how many tags were removed.
pub(crate) fn cap_depth(html: &str) -> (Cow<'_, str>, usize) {
    let b = html.as_bytes();
    let mut open: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut dropped: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut total = 0usize;
    let mut removed = 0usize;
    let mut out: Option<String> = None;
    let mut copied = 0usize;
    let mut name = Vec::with_capacity(32);
    let mut i = 0usize;
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
        if is_uncounted(&name) {
            continue;
        }
        // List items close their open sibling implicitly: count at most one open item per
        // open list, so unclosed `<li>`s in a long list do not look like nesting, while
        // `<ul><li><ul><li>…` still does.
        if name == b"dt" {
            name.clear();
            name.extend_from_slice(b"dd");
        }
        let item_of: Option<&[&[u8]]> = match name.as_slice() {
            b"li" => Some(&[b"ul", b"ol", b"menu", b"dir"]),
            b"dd" => Some(&[b"dl"]),
            _ => None,
        };
        let mut drop_item = false;
        if let (Some(lists), false) = (item_of, closing) {
            let lists_open: usize = lists
                .iter()
                .map(|l| open.get(*l).copied().unwrap_or(0))
                .sum();
            let lists_dropped: usize = lists
                .iter()
                .map(|l| dropped.get(*l).copied().unwrap_or(0))
                .sum();
            if total >= MAX_DEPTH && lists_dropped > 0 {
                // An item of a list that was itself removed: remove it too.
                drop_item = true;
            } else if open.get(name.as_slice()).copied().unwrap_or(0) >= lists_open.max(1) {
                continue; // implicitly closes a sibling item: net depth unchanged
            }
        }
        let self_closing = !closing && gt > 0 && b[gt - 1] == b'/';
        if self_closing {
            continue;
        }
        let mut drop = false;
        if closing {
            if let Some(d) = dropped.get_mut(name.as_slice()).filter(|d| **d > 0) {
                *d -= 1;
                drop = true;
            } else if let Some(o) = open.get_mut(name.as_slice()).filter(|o| **o > 0) {
                *o -= 1;
                total -= 1;
                // Closing a list closes its unclosed items.
                let item: &[u8] = match name.as_slice() {
                    b"ul" | b"ol" | b"menu" | b"dir" => b"li",
                    b"dl" => b"dd",
                    _ => b"",
                };
                if !item.is_empty() {
                    let lists_open: usize = if item == b"li" {
                        [&b"ul"[..], b"ol", b"menu", b"dir"]
                            .iter()
                            .map(|l| open.get(*l).copied().unwrap_or(0))
                            .sum()
                    } else {
                        open.get(&b"dl"[..]).copied().unwrap_or(0)
                    };
                    if let Some(items) = open.get_mut(item) {
                        if *items > lists_open {
                            total -= *items - lists_open;
                            *items = lists_open;
                        }
                    }
                }
            }
        } else if total >= MAX_DEPTH || drop_item {
            *dropped.entry(name.clone()).or_insert(0) += 1;
            drop = true;
        } else {
            *open.entry(name.clone()).or_insert(0) += 1;
            total += 1;
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

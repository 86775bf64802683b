//! A fast HTML tokenizer for the documents filings are made of, feeding html5ever's own tree
//! builder.
//!
//! **Why.** html5ever's tokenizer steps through the input one character at a time through a
//! general state machine (with input queues built for streaming and `document.write`); on the
//! dev corpus's 10-K and 10-Q documents it is about 1.0 of the ~2.2 CPU-seconds parsing takes.
//! Filings need only part of the HTML tokenizer: text (found with `memchr`), tags with
//! attributes, comments, character references, a simple DOCTYPE, and the RCDATA/RAWTEXT
//! contents of `<title>`, `<style>` and the like. Those states are implemented here, by the
//! HTML standard's tokenization rules, and every token goes to html5ever's tree builder, so
//! tree construction (error recovery, foster parenting, the adoption agency, quirks mode) is
//! html5ever's, unchanged.
//!
//! **What it does not do, it refuses.** Scripts (script data has its own escape states),
//! `<plaintext>`, CDATA sections in SVG/MathML, DOCTYPEs beyond `<!DOCTYPE name [PUBLIC "…"
//! ["…"] | SYSTEM "…"]>`, NUL and carriage-return characters (the decoder has already turned
//! them into spaces and line feeds): on any of these [`parse_document`] returns
//! [`Unsupported`] and the caller parses the document with html5ever's own tokenizer. Nothing
//! is ever approximated.
//!
//! **How it is checked.** Tests build the tree both ways — through this tokenizer and through
//! html5ever's (scraper's tree, see `dom.rs`) — and compare them node for node on every sample
//! filing, on the tokenizer's edge cases, and on generated inputs.

use html5ever::data::{C1_REPLACEMENTS, NAMED_ENTITIES};
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{Doctype, Tag, TagKind, Token, TokenSink, TokenSinkResult};
use html5ever::tree_builder::{TreeBuilder, TreeBuilderOpts};
use html5ever::{namespace_url, ns, Attribute, LocalName, QualName};

use crate::dom::{Dom, Node};

/// Why the fast path gave up (the caller then uses html5ever's tokenizer).
#[derive(Debug)]
pub(crate) struct Unsupported(#[allow(dead_code)] pub(crate) &'static str);

fn is_ws(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0C' | b' ')
}

/// Parses `html` into a [`Dom`], or says why it cannot.
pub(crate) fn parse_document(html: &str) -> Result<Dom, Unsupported> {
    let html = html.strip_prefix('\u{feff}').unwrap_or(html);
    if memchr::memchr2(0, b'\r', html.as_bytes()).is_some() {
        return Err(Unsupported("NUL or carriage return in the input"));
    }
    let sink = Dom {
        tree: ego_tree::Tree::new(Node::Document),
    };
    let mut t = Tokenizer {
        tb: TreeBuilder::new(sink, TreeBuilderOpts::default()),
        src: StrTendril::from_slice(html),
        pos: 0,
    };
    t.run()?;
    let _ = t.tb.process_token(Token::EOFToken, 1);
    t.tb.end();
    Ok(t.tb.sink)
}

struct Tokenizer {
    tb: TreeBuilder<ego_tree::NodeId, Dom>,
    /// The whole input; text runs are handed on as views into it (no copy).
    src: StrTendril,
    pos: usize,
}

impl Tokenizer {
    fn bytes(&self) -> &[u8] {
        self.src.as_bytes()
    }

    fn emit(&mut self, tok: Token) -> Result<Option<RawKind>, Unsupported> {
        match self.tb.process_token(tok, 1) {
            TokenSinkResult::Continue => Ok(None),
            TokenSinkResult::RawData(RawKind::Rcdata) => Ok(Some(RawKind::Rcdata)),
            TokenSinkResult::RawData(RawKind::Rawtext) => Ok(Some(RawKind::Rawtext)),
            TokenSinkResult::RawData(_) => Err(Unsupported("script data")),
            TokenSinkResult::Plaintext => Err(Unsupported("plaintext")),
            TokenSinkResult::Script(_) => Err(Unsupported("script")),
        }
    }

    /// Hands the tree builder a parse error, as html5ever's tokenizer does (see `char_ref`).
    fn parse_error(&mut self, error: bool) -> Result<(), Unsupported> {
        if error {
            self.emit(Token::ParseError(std::borrow::Cow::Borrowed("parse error")))?;
        }
        Ok(())
    }

    fn emit_text(&mut self, from: usize, to: usize) -> Result<(), Unsupported> {
        if to > from {
            let t = self.src.subtendril(from as u32, (to - from) as u32);
            self.emit(Token::CharacterTokens(t))?;
        }
        Ok(())
    }

    fn emit_str(&mut self, s: &str) -> Result<(), Unsupported> {
        if !s.is_empty() {
            self.emit(Token::CharacterTokens(StrTendril::from_slice(s)))?;
        }
        Ok(())
    }

    fn run(&mut self) -> Result<(), Unsupported> {
        let len = self.bytes().len();
        while self.pos < len {
            let start = self.pos;
            let Some(p) = memchr::memchr2(b'<', b'&', &self.bytes()[start..]) else {
                self.emit_text(start, len)?;
                self.pos = len;
                break;
            };
            let at = start + p;
            self.emit_text(start, at)?;
            if self.bytes()[at] == b'&' {
                let (decoded, next, error) = char_ref(&self.src, at, false);
                self.parse_error(error)?;
                match decoded {
                    Some(s) => self.emit_str(&s)?,
                    None => self.emit_str("&")?,
                }
                self.pos = next;
            } else {
                self.pos = at;
                self.markup()?;
            }
        }
        Ok(())
    }

    /// At a `<` in the data state.
    fn markup(&mut self) -> Result<(), Unsupported> {
        let b = self.bytes();
        let lt = self.pos;
        let len = b.len();
        match b.get(lt + 1).copied() {
            Some(c) if c.is_ascii_alphabetic() => self.tag(lt + 1, TagKind::StartTag),
            Some(b'/') => match b.get(lt + 2).copied() {
                Some(c) if c.is_ascii_alphabetic() => self.tag(lt + 2, TagKind::EndTag),
                Some(b'>') => {
                    self.pos = lt + 3; // `</>`: ignored, with a parse error
                    self.parse_error(true)
                }
                None => {
                    self.emit_text(lt, len)?;
                    self.pos = len;
                    Ok(())
                }
                Some(_) => self.bogus_comment(lt + 2),
            },
            Some(b'!') => {
                let rest = &b[lt + 2..];
                if rest.starts_with(b"--") {
                    self.comment(lt + 4)
                } else if rest.len() >= 7 && rest[..7].eq_ignore_ascii_case(b"DOCTYPE") {
                    self.doctype(lt + 9)
                } else if rest.starts_with(b"[CDATA[")
                    && self
                        .tb
                        .adjusted_current_node_present_but_not_in_html_namespace()
                {
                    Err(Unsupported("CDATA section"))
                } else {
                    self.bogus_comment(lt + 2)
                }
            }
            Some(b'?') => self.bogus_comment(lt + 1),
            _ => {
                // `<` as text (also at the end of the input).
                self.emit_str("<")?;
                self.pos = lt + 1;
                Ok(())
            }
        }
    }

    /// A comment's content from `from` to the first `>`.
    fn bogus_comment(&mut self, from: usize) -> Result<(), Unsupported> {
        let b = self.bytes();
        let (end, next) = match memchr::memchr(b'>', &b[from..]) {
            Some(e) => (from + e, from + e + 1),
            None => (b.len(), b.len()),
        };
        self.emit_comment(from, end, next)
    }

    /// A comment token of `src[from..end]`; the input goes on at `next`.
    fn emit_comment(&mut self, from: usize, end: usize, next: usize) -> Result<(), Unsupported> {
        let c = self.src.subtendril(from as u32, (end - from) as u32);
        self.emit(Token::CommentToken(c))?;
        self.pos = next;
        Ok(())
    }

    /// After `<!--`: the comment ends at the first `-->` or `--!>` (`<!-->` and `<!--->` are
    /// empty comments), or at the end of the input.
    fn comment(&mut self, from: usize) -> Result<(), Unsupported> {
        let b = self.bytes();
        let rest = &b[from..];
        let (end, next) = if rest.starts_with(b">") {
            (from, from + 1)
        } else if rest.starts_with(b"->") {
            (from, from + 2)
        } else {
            let mut i = 0;
            let mut found = None;
            while let Some(p) = memchr::memmem::find(&rest[i..], b"--") {
                let d = i + p;
                if rest[d + 2..].starts_with(b">") {
                    found = Some((from + d, from + d + 3));
                    break;
                }
                if rest[d + 2..].starts_with(b"!>") {
                    found = Some((from + d, from + d + 4));
                    break;
                }
                i = d + 1;
            }
            found.unwrap_or_else(|| {
                // End of input inside the comment: the dashes (and `!`) of an unfinished
                // terminator were state, not content.
                let mut end = b.len();
                if rest.ends_with(b"--!") {
                    end -= 3;
                } else {
                    let dashes = rest.iter().rev().take_while(|&&c| c == b'-').count();
                    end -= dashes.min(2);
                }
                (end, b.len())
            })
        };
        self.emit_comment(from, end, next)
    }

    /// After `<!DOCTYPE`: only the simple, well-formed shapes.
    fn doctype(&mut self, from: usize) -> Result<(), Unsupported> {
        let b = self.bytes();
        let unsupported = Err(Unsupported("DOCTYPE"));
        let mut i = from;
        let skip_ws = |i: &mut usize| {
            while *i < b.len() && is_ws(b[*i]) {
                *i += 1;
            }
        };
        let ws_before_name = i;
        skip_ws(&mut i);
        if i == ws_before_name {
            return unsupported;
        }
        let ns = i;
        while i < b.len() && !is_ws(b[i]) && b[i] != b'>' {
            if !b[i].is_ascii_alphanumeric() {
                return unsupported;
            }
            i += 1;
        }
        if i == ns {
            return unsupported;
        }
        let name = std::str::from_utf8(&b[ns..i])
            .expect("ASCII")
            .to_ascii_lowercase();
        skip_ws(&mut i);
        let quoted = |i: &mut usize| -> Option<(usize, usize)> {
            let q = *b.get(*i)?;
            if q != b'"' && q != b'\'' {
                return None;
            }
            let s = *i + 1;
            let e = s + memchr::memchr(q, &b[s..])?;
            if b[s..e].contains(&b'>') {
                return None; // abrupt end of the identifier: not the simple shape
            }
            *i = e + 1;
            Some((s, e))
        };
        let mut public = None;
        let mut system = None;
        let keyword = |i: usize, k: &[u8]| {
            b.len() >= i + k.len() && b[i..i + k.len()].eq_ignore_ascii_case(k)
        };
        if keyword(i, b"PUBLIC") || keyword(i, b"SYSTEM") {
            let is_public = keyword(i, b"PUBLIC");
            i += 6;
            let before = i;
            skip_ws(&mut i);
            if i == before {
                return unsupported;
            }
            let Some(id) = quoted(&mut i) else {
                return unsupported;
            };
            if is_public {
                public = Some(id);
                let before = i;
                skip_ws(&mut i);
                if b.get(i) != Some(&b'>') {
                    if i == before {
                        return unsupported;
                    }
                    let Some(id) = quoted(&mut i) else {
                        return unsupported;
                    };
                    system = Some(id);
                    skip_ws(&mut i);
                }
            } else {
                system = Some(id);
                skip_ws(&mut i);
            }
        }
        if b.get(i) != Some(&b'>') {
            return unsupported;
        }
        let id = |r: Option<(usize, usize)>| {
            r.map(|(s, e)| self.src.subtendril(s as u32, (e - s) as u32))
        };
        let d = Doctype {
            name: Some(StrTendril::from_slice(&name)),
            public_id: id(public),
            system_id: id(system),
            force_quirks: false,
        };
        self.pos = i + 1;
        self.emit(Token::DoctypeToken(d))?;
        Ok(())
    }

    /// A start or end tag whose name starts at `ns`.
    fn tag(&mut self, ns: usize, kind: TagKind) -> Result<(), Unsupported> {
        let len = self.bytes().len();
        let mut i = ns;
        {
            let b = self.bytes();
            while i < len && !is_ws(b[i]) && b[i] != b'/' && b[i] != b'>' {
                i += 1;
            }
        }
        let name = lower_atom(&self.src[ns..i]);
        let mut attrs: Vec<Attribute> = Vec::new();
        let mut self_closing = false;
        // Attributes, by the standard's attribute states, to the tag's `>`.
        let end = loop {
            let b = self.src.as_bytes();
            // Before attribute name.
            while i < len && is_ws(b[i]) {
                i += 1;
            }
            if i >= len {
                break None;
            }
            match b[i] {
                b'>' => break Some(i + 1),
                b'/' => {
                    // Self-closing start tag state.
                    if b.get(i + 1) == Some(&b'>') {
                        self_closing = true;
                        break Some(i + 2);
                    }
                    if i + 1 >= len {
                        break None;
                    }
                    i += 1;
                    continue;
                }
                _ => {}
            }
            // Attribute name (a leading `=` belongs to it).
            let an = i;
            i += 1;
            while i < len && !is_ws(b[i]) && !matches!(b[i], b'/' | b'>' | b'=') {
                i += 1;
            }
            let aname = lower_atom(&self.src[an..i]);
            // After attribute name.
            while i < len && is_ws(b[i]) {
                i += 1;
            }
            let value = if b.get(i) == Some(&b'=') {
                i += 1;
                while i < len && is_ws(b[i]) {
                    i += 1;
                }
                match b.get(i).copied() {
                    Some(q) if q == b'"' || q == b'\'' => {
                        let vs = i + 1;
                        let Some(e) = memchr::memchr(q, &b[vs..]) else {
                            break None; // end of file in a value
                        };
                        let ve = vs + e;
                        i = ve + 1;
                        Some(attr_value(&self.src, vs, ve))
                    }
                    Some(b'>') => Some(StrTendril::new()), // missing value; `>` next turn
                    Some(_) => {
                        let vs = i;
                        while i < len && !is_ws(b[i]) && b[i] != b'>' {
                            i += 1;
                        }
                        Some(attr_value(&self.src, vs, i))
                    }
                    None => break None,
                }
            } else {
                Some(StrTendril::new())
            };
            if !attrs.iter().any(|a| a.name.local == aname) {
                attrs.push(Attribute {
                    name: QualName::new(None, ns!(), aname),
                    value: value.unwrap_or_default(),
                });
            }
        };
        let Some(end) = end else {
            // End of file inside the tag: the tag is dropped.
            self.pos = len;
            return Ok(());
        };
        self.pos = end;
        let raw = self.emit(Token::TagToken(Tag {
            kind,
            name: name.clone(),
            self_closing,
            attrs,
        }))?;
        if kind == TagKind::StartTag {
            if let Some(kind) = raw {
                self.raw_text(&name, kind)?;
            }
        }
        Ok(())
    }

    /// The content of an RCDATA or RAWTEXT element, up to its end tag (which the data state
    /// then reads as a tag).
    fn raw_text(&mut self, name: &LocalName, kind: RawKind) -> Result<(), Unsupported> {
        let from = self.pos;
        let end = find_end_tag(self.bytes(), from, name.as_bytes()).unwrap_or(self.bytes().len());
        match kind {
            RawKind::Rcdata => {
                // Text with character references.
                let mut i = from;
                while let Some(p) = memchr::memchr(b'&', &self.bytes()[i..end]) {
                    let at = i + p;
                    self.emit_text(i, at)?;
                    let (decoded, next, error) = char_ref(&self.src, at, false);
                    self.parse_error(error)?;
                    let next = next.min(end);
                    match decoded {
                        Some(s) => self.emit_str(&s)?,
                        None => self.emit_str("&")?,
                    }
                    i = next;
                }
                self.emit_text(i, end)?;
            }
            _ => self.emit_text(from, end)?,
        }
        self.pos = end;
        Ok(())
    }
}

/// An atom for a tag or attribute name, ASCII upper case lowered.
fn lower_atom(s: &str) -> LocalName {
    if s.bytes().any(|c| c.is_ascii_uppercase()) {
        LocalName::from(s.to_ascii_lowercase())
    } else {
        LocalName::from(s)
    }
}

/// An attribute value from `src[from..to]`, character references decoded.
fn attr_value(src: &StrTendril, from: usize, to: usize) -> StrTendril {
    let b = src.as_bytes();
    if memchr::memchr(b'&', &b[from..to]).is_none() {
        return src.subtendril(from as u32, (to - from) as u32);
    }
    let mut out = String::with_capacity(to - from);
    let mut i = from;
    while let Some(p) = memchr::memchr(b'&', &b[i..to]) {
        let at = i + p;
        out.push_str(&src[i..at]);
        let (decoded, next, _) = char_ref(&src[..to], at, true);
        match decoded {
            Some(s) => out.push_str(&s),
            None => out.push('&'),
        }
        i = next;
    }
    out.push_str(&src[i..to]);
    StrTendril::from_slice(&out)
}

/// The character reference at `s[at]` (an `&`): its characters (or `None` when it is not
/// one and the `&` is text), where the input goes on, and whether html5ever reports a parse
/// error for it. The error matters: html5ever hands parse errors to the tree builder as
/// tokens, and any token clears the "ignore a line feed right after `<pre>`/`<textarea>`"
/// flag, so `<pre>&#10` keeps its line feed where `<pre>&#10;` loses it.
fn char_ref(s: &str, at: usize, in_attribute: bool) -> (Option<String>, usize, bool) {
    let b = s.as_bytes();
    let i = at + 1;
    match b.get(i).copied() {
        Some(b'#') => numeric_ref(b, at),
        Some(c) if c.is_ascii_alphanumeric() => {
            // The longest entity name that is a prefix of what follows. The table holds every
            // prefix of every name (as (0, 0)), so the search stops as soon as the text can no
            // longer become a name.
            let mut best: Option<(usize, (u32, u32))> = None;
            let mut failed_on: Option<u8> = None;
            let mut j = i;
            while j < b.len() && b[j].is_ascii() {
                j += 1;
                match NAMED_ENTITIES.get(&s[i..j]) {
                    Some(&m) => {
                        if m.0 != 0 {
                            best = Some((j, m));
                        }
                        if b[j - 1] == b';' {
                            break;
                        }
                    }
                    None => {
                        failed_on = Some(b[j - 1]);
                        break;
                    }
                }
            }
            let Some((end, (c1, c2))) = best else {
                // Not a reference. An error only when a run of letters and digits ends in `;`.
                let error = match failed_on {
                    Some(c) if c.is_ascii_alphanumeric() => {
                        let run = b[j..]
                            .iter()
                            .take_while(|c| c.is_ascii_alphanumeric())
                            .count();
                        b.get(j + run) == Some(&b';')
                    }
                    Some(b';') => j - i > 1,
                    _ => false,
                };
                return (None, at + 1, error);
            };
            let with_semicolon = b[end - 1] == b';';
            if in_attribute && !with_semicolon {
                if let Some(&n) = b.get(end) {
                    if n == b'=' || n.is_ascii_alphanumeric() {
                        return (None, at + 1, false);
                    }
                }
            }
            let mut out = String::new();
            out.push(char::from_u32(c1).expect("entity table"));
            if c2 != 0 {
                out.push(char::from_u32(c2).expect("entity table"));
            }
            (Some(out), end, !with_semicolon)
        }
        _ => (None, at + 1, false),
    }
}

/// `&#…;` / `&#x…;` at `b[at]`.
fn numeric_ref(b: &[u8], at: usize) -> (Option<String>, usize, bool) {
    let mut i = at + 2;
    let hex = matches!(b.get(i), Some(b'x' | b'X'));
    if hex {
        i += 1;
    }
    let base = if hex { 16 } else { 10 };
    let digits_from = i;
    let mut num: u32 = 0;
    let mut too_big = false;
    while let Some(d) = b.get(i).and_then(|&c| (c as char).to_digit(base)) {
        num = num.wrapping_mul(base);
        if num > 0x10FFFF {
            too_big = true;
        }
        num = num.wrapping_add(d);
        i += 1;
    }
    if i == digits_from {
        return (None, at + 1, true); // no digits: `&`, `#` (and `x`) are text
    }
    let mut error = true;
    if b.get(i) == Some(&b';') {
        i += 1;
        error = false;
    }
    let (c, bad) = match num {
        n if n > 0x10FFFF || too_big => ('\u{fffd}', true),
        0x00 | 0xD800..=0xDFFF => ('\u{fffd}', true),
        0x80..=0x9F => (
            C1_REPLACEMENTS[(num - 0x80) as usize]
                .unwrap_or_else(|| char::from_u32(num).expect("C1 control")),
            true,
        ),
        0x01..=0x08 | 0x0B | 0x0D..=0x1F | 0x7F | 0xFDD0..=0xFDEF => {
            (char::from_u32(num).expect("checked above"), true)
        }
        n if (n & 0xFFFE) == 0xFFFE => (char::from_u32(n).expect("checked above"), true),
        n => (char::from_u32(n).expect("checked above"), false),
    };
    (Some(c.to_string()), i, error || bad)
}

/// Start of the end tag `</name` followed by white space, `/` or `>`, at or after `from`.
fn find_end_tag(b: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut i = from;
    while let Some(p) = memchr::memmem::find(&b[i..], b"</") {
        let s = i + p;
        let n = s + 2;
        let after = n + name.len();
        if after < b.len()
            && b[n..after].eq_ignore_ascii_case(name)
            && (is_ws(b[after]) || b[after] == b'/' || b[after] == b'>')
        {
            return Some(s);
        }
        i = s + 2;
    }
    None
}

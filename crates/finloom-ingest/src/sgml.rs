//! EDGAR's SGML containers.
//!
//! A *full submission* (`<accession>.txt`) is one SGML file holding the whole filing: an
//! optional PEM wrapper (`-----BEGIN PRIVACY-ENHANCED MESSAGE-----`, 1993–2002), a
//! `<SEC-DOCUMENT>` (`<IMS-DOCUMENT>` before 1996) containing the `<SEC-HEADER>` /
//! `<IMS-HEADER>` with `KEY:\tVALUE` lines, then one `<DOCUMENT>` per file of the filing
//! (`<TYPE>`, `<SEQUENCE>`, `<FILENAME>`, `<DESCRIPTION>`, `<TEXT>…</TEXT>`).
//!
//! Primary documents saved on their own (edgar-crawler and others) often keep the
//! `<DOCUMENT><TYPE>8-K<SEQUENCE>1…<TEXT>` *envelope* of their submission; the same parser
//! reads it, there simply is no header.
//!
//! This is not a general SGML parser: EDGAR emits these tags in upper case, one per line, and
//! never nests them, so plain substring search is both correct and fast (and cannot blow up
//! on adversarial nesting). Tags are nevertheless matched case-insensitively, because
//! hand-made files exist.

/// One `<DOCUMENT>` of a submission.
#[derive(Debug, Clone)]
pub(crate) struct SgmlDoc<'a> {
    pub doc_type: String,
    #[allow(dead_code)]
    pub sequence: String,
    pub filename: String,
    #[allow(dead_code)]
    pub description: String,
    /// Content of `<TEXT>` (without the tags).
    pub text: &'a str,
    /// Whether `</DOCUMENT>` was found.
    pub closed: bool,
}

/// A parsed submission or envelope.
#[derive(Debug, Default)]
pub(crate) struct Submission<'a> {
    /// `KEY` (upper case, inner whitespace folded) → value, in file order.
    pub header: Option<Vec<(String, String)>>,
    pub docs: Vec<SgmlDoc<'a>>,
}

impl Submission<'_> {
    /// First value of a header key.
    pub fn field(&self, key: &str) -> Option<&str> {
        self.header
            .as_ref()?
            .iter()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }
}

/// Byte position of `needle` (ASCII) in `hay`, ignoring ASCII case.
pub(crate) fn find_ci(hay: &str, needle: &str, from: usize) -> Option<usize> {
    find_ci_bytes(hay.as_bytes(), needle.as_bytes(), from)
}

/// [`find_ci`] on bytes.
pub(crate) fn find_ci_bytes(h: &[u8], n: &[u8], from: usize) -> Option<usize> {
    if n.is_empty() || from >= h.len() || h.len() - from < n.len() {
        return None;
    }
    let first_lo = n[0].to_ascii_lowercase();
    let first_up = n[0].to_ascii_uppercase();
    let last = h.len() - n.len();
    let mut i = from;
    while i <= last {
        // Jump to the next candidate first byte (SIMD): whole files of several MB are searched
        // for `</DOCUMENT>` and the like, and the bytes between candidates need no look.
        let window = &h[i..=last];
        let p = if first_lo == first_up {
            memchr::memchr(first_lo, window)
        } else {
            memchr::memchr2(first_lo, first_up, window)
        };
        match p {
            None => return None,
            Some(p) => i += p,
        }
        if h[i..i + n.len()].eq_ignore_ascii_case(n) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Where the SEC header starts, if this looks like a full submission: `<SEC-HEADER>` or
/// `<IMS-HEADER>` within the first 64 KiB.
fn header_start(text: &str) -> Option<(usize, usize)> {
    let head = &text[..floor_boundary(text, text.len().min(65536))];
    for tag in ["<SEC-HEADER>", "<IMS-HEADER>"] {
        if let Some(p) = find_ci(head, tag, 0) {
            return Some((p, p + tag.len()));
        }
    }
    None
}

pub(crate) fn floor_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Whether the text starts (after white space) with a `<DOCUMENT>` envelope.
pub(crate) fn starts_with_envelope(text: &str) -> bool {
    let t = text.trim_start();
    t.len() >= 10 && t.as_bytes()[..10].eq_ignore_ascii_case(b"<DOCUMENT>")
}

/// Parses a full submission (with header). `None` when there is no SEC/IMS header.
pub(crate) fn parse_submission(text: &str) -> Option<Submission<'_>> {
    let (_, hdr_body) = header_start(text)?;
    let first_doc = find_ci(text, "<DOCUMENT>", hdr_body);
    let hdr_end = ["</SEC-HEADER>", "</IMS-HEADER>"]
        .iter()
        .filter_map(|t| find_ci(text, t, hdr_body))
        .min()
        .into_iter()
        .chain(first_doc)
        .min()
        .unwrap_or(text.len());
    let header = parse_header_lines(&text[hdr_body..hdr_end]);
    let docs = parse_documents(text, first_doc.unwrap_or(text.len()));
    Some(Submission {
        header: Some(header),
        docs,
    })
}

/// Parses a file that starts with a `<DOCUMENT>` envelope (no header).
pub(crate) fn parse_envelope(text: &str) -> Submission<'_> {
    let start = find_ci(text, "<DOCUMENT>", 0).unwrap_or(text.len());
    Submission {
        header: None,
        docs: parse_documents(text, start),
    }
}

fn parse_header_lines(block: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in block.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('<') {
            continue;
        }
        let Some(colon) = line.find(':') else {
            continue;
        };
        let key: String = line[..colon]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_uppercase();
        let value = line[colon + 1..].trim().to_string();
        if key.is_empty() {
            continue;
        }
        out.push((key, value));
    }
    out
}

fn parse_documents(text: &str, mut pos: usize) -> Vec<SgmlDoc<'_>> {
    let mut docs = Vec::new();
    while let Some(start) = find_ci(text, "<DOCUMENT>", pos) {
        let body = start + "<DOCUMENT>".len();
        let (end, closed) = match find_ci(text, "</DOCUMENT>", body) {
            Some(e) => (e, true),
            None => (text.len(), false),
        };
        // A missing </DOCUMENT> followed by another <DOCUMENT>: stop this one there.
        let (end, closed) = match find_ci(&text[..end], "<DOCUMENT>", body) {
            Some(next) if !closed || next < end => (next, false),
            _ => (end, closed),
        };
        let region = &text[body..end];
        let (meta, content) = match find_ci(region, "<TEXT>", 0) {
            Some(t) => {
                let c = &region[t + "<TEXT>".len()..];
                let c = match find_ci(c, "</TEXT>", 0) {
                    Some(e) => &c[..e],
                    None => c,
                };
                (&region[..t], c)
            }
            None => (region, ""),
        };
        docs.push(SgmlDoc {
            doc_type: tag_value(meta, "<TYPE>"),
            sequence: tag_value(meta, "<SEQUENCE>"),
            filename: tag_value(meta, "<FILENAME>"),
            description: tag_value(meta, "<DESCRIPTION>"),
            text: strip_leading_newline(content),
            closed,
        });
        pos = if closed {
            end + "</DOCUMENT>".len()
        } else {
            end
        };
        if pos >= text.len() {
            break;
        }
    }
    docs
}

fn strip_leading_newline(s: &str) -> &str {
    s.strip_prefix('\n').unwrap_or(s)
}

/// Value of a one-line SGML tag: up to the end of the line or the next `<`.
fn tag_value(meta: &str, tag: &str) -> String {
    match find_ci(meta, tag, 0) {
        Some(p) => {
            let rest = &meta[p + tag.len()..];
            let end = rest.find(['\n', '<']).unwrap_or(rest.len());
            rest[..end].trim().to_string()
        }
        None => String::new(),
    }
}

/// The base family of a form type: `10-K405` → `10-K`, `10-KSB` → `10-K`, `8-K/A` → `8-K`.
pub(crate) fn form_family(form: &str) -> String {
    let f = form.trim().to_ascii_uppercase();
    let b = f.as_bytes();
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i > 0 && i + 1 < b.len() && b[i] == b'-' && b[i + 1].is_ascii_alphabetic() {
        return f[..i + 2].to_string();
    }
    f
}

/// Index of the primary document: the first whose TYPE equals the form type, else the first
/// of the same family (`10-K405` for a `10-K`), else the first document.
pub(crate) fn primary_index(docs: &[SgmlDoc<'_>], form: &str) -> usize {
    if !form.is_empty() {
        if let Some(i) = docs
            .iter()
            .position(|d| d.doc_type.eq_ignore_ascii_case(form))
        {
            return i;
        }
        let fam = form_family(form);
        if let Some(i) = docs
            .iter()
            .position(|d| !d.doc_type.is_empty() && form_family(&d.doc_type) == fam)
        {
            return i;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn submission() {
        let t = "<SEC-DOCUMENT>x\n<SEC-HEADER>x.hdr.sgml : 1\nACCESSION NUMBER:\t\t0000000001-24-000001\nCONFORMED SUBMISSION TYPE:\t10-K\nFILER:\n\tCOMPANY DATA:\n\t\tCOMPANY CONFORMED NAME:\tACME\n</SEC-HEADER>\n<DOCUMENT>\n<TYPE>EX-99\n<TEXT>\nexhibit\n</TEXT>\n</DOCUMENT>\n<DOCUMENT>\n<TYPE>10-K\n<SEQUENCE>1\n<FILENAME>a.htm\n<TEXT>\nmain\n</TEXT>\n</DOCUMENT>\n";
        let s = parse_submission(t).unwrap();
        assert_eq!(s.field("ACCESSION NUMBER"), Some("0000000001-24-000001"));
        assert_eq!(s.field("COMPANY CONFORMED NAME"), Some("ACME"));
        assert_eq!(s.docs.len(), 2);
        assert_eq!(primary_index(&s.docs, "10-K"), 1);
        assert_eq!(s.docs[1].text, "main\n");
        assert_eq!(s.docs[1].filename, "a.htm");
        assert!(s.docs[1].closed);
    }

    #[test]
    fn envelope_on_one_line() {
        let t =
            "<DOCUMENT><TYPE>8-K<SEQUENCE>1<FILENAME>x.htm<TEXT><html>hi</html></TEXT></DOCUMENT>";
        let s = parse_envelope(t);
        assert_eq!(s.docs[0].doc_type, "8-K");
        assert_eq!(s.docs[0].filename, "x.htm");
        assert_eq!(s.docs[0].text, "<html>hi</html>");
    }

    #[test]
    fn families() {
        assert_eq!(form_family("10-K405"), "10-K");
        assert_eq!(form_family("10-ksb"), "10-K");
        assert_eq!(form_family("8-K/A"), "8-K");
        assert_eq!(form_family("S-1"), "S-1");
    }
}

//! Bytes → text.
//!
//! EDGAR never declared a character set for most of its history: filings from the 1990s and
//! 2000s are frequently Windows-1252 (curly quotes and dashes in 0x91–0x97, `0xA0` as a
//! non-breaking space), modern ones are ASCII or UTF-8, and some mix the two (a UTF-8 document
//! with a stray 1252 byte pasted in). Ingest must never refuse a filing over its encoding, so
//! [`decode`] keeps every valid UTF-8 sequence and maps each byte that is *not* part of one
//! through Windows-1252. For a pure 1252 file that is the same as decoding it as 1252 (its
//! high bytes are almost never valid UTF-8 sequences); for a mixed file it keeps the UTF-8 parts
//! intact instead of turning them into mojibake.
//!
//! The result also has NUL bytes replaced by spaces (they break C-string consumers and
//! DuckDB) and line endings normalised to `\n`, so that every later offset computation can
//! assume one line terminator.

/// Windows-1252 code points for bytes 0x80–0x9F. Bytes undefined in 1252 (0x81, 0x8D, 0x8F,
/// 0x90, 0x9D) map to the C1 control of the same value, as the WHATWG encoding standard does.
const CP1252_HIGH: [char; 32] = [
    '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}', '\u{017D}', '\u{008F}',
    '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
];

/// The Windows-1252 character for one byte.
pub(crate) fn cp1252_char(b: u8) -> char {
    match b {
        0x80..=0x9F => CP1252_HIGH[(b - 0x80) as usize],
        _ => b as char, // ASCII and 0xA0–0xFF coincide with Latin-1 / Unicode.
    }
}

/// Decodes a filing: UTF-8 (a leading BOM is stripped), with any byte that is not part of a
/// valid UTF-8 sequence decoded as Windows-1252. NUL bytes become spaces, `\r\n` and lone `\r`
/// become `\n`. Never fails.
pub fn decode(bytes: &[u8]) -> String {
    decode_counting(bytes).0
}

/// [`decode`], and how many bytes were not valid UTF-8 (decoded as Windows-1252).
pub(crate) fn decode_counting(bytes: &[u8]) -> (String, usize) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 16);
    // Nearly every filing is valid UTF-8 (or ASCII): one validation pass, which is much
    // faster than walking `utf8_chunks`, then one copy.
    if let Ok(s) = std::str::from_utf8(bytes) {
        push_normalised(&mut out, s);
        return (out, 0);
    }
    let mut invalid = 0;
    for chunk in bytes.utf8_chunks() {
        push_normalised(&mut out, chunk.valid());
        invalid += chunk.invalid().len();
        for &b in chunk.invalid() {
            out.push(cp1252_char(b));
        }
    }
    // A lone '\r' at a chunk boundary was already turned into '\n' by push_normalised; a
    // "\r" + "\n" split across chunks cannot happen because '\n' is always valid UTF-8 and
    // sits in the same valid run as the preceding '\r'.
    (out, invalid)
}

/// Appends `s`, replacing NUL with space and CR/CRLF with LF.
fn push_normalised(out: &mut String, s: &str) {
    let b = s.as_bytes();
    let mut from = 0;
    // Jump from one NUL or CR to the next (SEC text files end every line with CRLF).
    while let Some(p) = memchr::memchr2(0, b'\r', &b[from..]) {
        let i = from + p;
        out.push_str(&s[from..i]);
        if b[i] == 0 {
            out.push(' ');
            from = i + 1;
        } else {
            out.push('\n');
            from = if b.get(i + 1) == Some(&b'\n') {
                i + 2
            } else {
                i + 1
            };
        }
    }
    out.push_str(&s[from..]);
}

/// Per-mille of control bytes (other than tab, LF, CR, FF; NUL included) in the first 8 KiB.
/// Text filings have none; images, PDFs, zip files and UUencoded-then-decoded binaries have
/// many.
pub(crate) fn control_per_mille(bytes: &[u8]) -> u32 {
    let head = &bytes[..bytes.len().min(8192)];
    if head.is_empty() {
        return 0;
    }
    let control = head
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C)) || b == 0x7F)
        .count();
    (control * 1000 / head.len()) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_and_bom() {
        assert_eq!(decode(b"\xEF\xBB\xBFcaf\xC3\xA9"), "café");
    }

    #[test]
    fn windows_1252() {
        assert_eq!(
            decode(b"\x93Quoted\x94 \x96 it\x92s 100\xA0% \x80"),
            "\u{201C}Quoted\u{201D} \u{2013} it\u{2019}s 100\u{A0}% \u{20AC}"
        );
        // Mixed: valid UTF-8 kept, stray 1252 byte mapped.
        assert_eq!(decode(b"caf\xC3\xA9 \x97 x"), "café \u{2014} x");
    }

    #[test]
    fn nul_and_newlines() {
        assert_eq!(decode(b"a\0b\r\nc\rd\n"), "a b\nc\nd\n");
    }

    #[test]
    fn control_ratio() {
        assert_eq!(control_per_mille(b"hello\tworld\r\n\x0c"), 0);
        assert!(control_per_mille(&[0u8, 1, 2, 3, b'a']) > 100);
    }
}

//! The fast path against `tiktoken-rs` itself: the same tokens, or the test fails.

use super::*;

/// A deterministic generator (xorshift64*): the same strings on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Characters that each exercise a branch of the pattern: contraction letters in both cases
/// (and `ſ`, which `(?i:s)` also matches), letters of other scripts, digits of several kinds
/// (`²` and `Ⅻ` are numbers but not decimal digits), every kind of white space (no-break,
/// line separator, ideographic), newlines, punctuation, combining marks (neither letters
/// nor numbers), emoji and a character above the BMP that is a letter.
const ALPHABET: &[char] = &[
    '\'', '\'', 's', 'S', 'ſ', 't', 'T', 'd', 'm', 'l', 'L', 'v', 'V', 'e', 'E', 'r', 'R', 'x',
    'é', 'ß', 'Ж', 'ж', 'ا', '中', 'ー', '0', '1', '9', '٣', '²', 'Ⅻ', '½', ' ', ' ', ' ', '\t',
    '\n', '\n', '\r', '\u{a0}', '\u{2028}', '\u{3000}', '\u{b}', '\u{c}', '\u{85}', '.', ',', '$',
    '(', ')', '-', '—', '%', '|', '/', '"', '’', '\u{301}', '\u{200b}', '😀', '𝐀', '𝟙', '\u{feff}',
];

fn same(bpe: &Bpe, text: &str) {
    let want = bpe.reference().encode_ordinary(text);
    let got = bpe.encode(text);
    assert_eq!(got, want, "tokens differ for {text:?}");
    assert_eq!(bpe.count(text), want.len(), "count differs for {text:?}");
    let offsets = bpe.token_offsets(text).expect("offsets add up");
    assert_eq!(offsets.len(), want.len() + 1);
    for (k, t) in want.iter().enumerate() {
        let bytes = bpe.reference().decode_bytes(&[*t]).unwrap();
        assert_eq!(&text.as_bytes()[offsets[k]..offsets[k + 1]], &bytes[..]);
    }
}

#[test]
fn random_strings_over_the_pattern_alphabet_encode_as_tiktoken_does() {
    let bpe = Bpe::named("cl100k_base").unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..100_000 {
        let len = 1 + rng.below(40);
        let s: String = (0..len)
            .map(|_| ALPHABET[rng.below(ALPHABET.len())])
            .collect();
        same(bpe, &s);
    }
}

#[test]
fn pattern_corner_cases_encode_as_tiktoken_does() {
    let bpe = Bpe::named("cl100k_base").unwrap();
    for s in [
        "",
        " ",
        "   ",
        "\n",
        "a",
        "it's",
        "IT'S",
        "we'LL",
        "they've",
        "'re",
        "'ſ",
        "'sam",
        "x 'll",
        "1234567",
        " 123",
        "a  b",
        "a   \n  b",
        "a \r\n\r\n b",
        "end   ",
        "end\n\n",
        "  (hello)  ",
        " ...\n\nNext",
        "$1,234.56 million",
        "\u{a0}\u{a0}Item\u{a0}7.",
        "x\u{2028}\u{2028}y",
        "Net income | 1,234 | (567) | —",
        "<|endoftext|> is plain text here",
        "a\u{301}b\u{301}\u{301}",
        "😀😀 😀",
    ] {
        same(bpe, s);
    }
}

#[test]
fn filing_text_encodes_as_tiktoken_does() {
    let bpe = Bpe::named("cl100k_base").unwrap();
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/filings");
    let mut files = 0;
    let mut tokens = 0;
    for form in ["10-K", "10-Q", "8-K"] {
        let mut paths: Vec<_> = std::fs::read_dir(root.join(form))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        for p in paths {
            let filing = finloom_ingest::read_filing(&p).unwrap();
            let text = filing.document.text.as_str();
            // Whole documents, and the raw HTML or SGML (markup-heavy, every kind of
            // punctuation run).
            assert_eq!(
                bpe.encode(text),
                bpe.reference().encode_ordinary(text),
                "{}",
                p.display()
            );
            let raw = filing.document.raw.as_str();
            assert_eq!(bpe.count(raw), bpe.reference().encode_ordinary(raw).len());
            tokens += bpe.count(text);
            files += 1;
        }
    }
    assert!(files >= 20, "fixture filings found: {files}");
    assert!(tokens > 400_000, "tokens: {tokens}");
}

#[test]
fn o200k_uses_the_reference_encoder_with_offsets() {
    let bpe = Bpe::named("o200k_base").unwrap();
    same(
        bpe,
        "Item 7. Management's Discussion — $1,234 million\n\n(a) Net income",
    );
}

#[test]
fn an_unknown_encoding_is_refused_by_name() {
    let e = Bpe::named("p50k").err().unwrap();
    assert!(e.contains("p50k") && e.contains("cl100k_base"), "{e}");
}

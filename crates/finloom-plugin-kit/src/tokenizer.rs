//! Exact BPE tokens, without the regex.
//!
//! A tiktoken encoder works in two steps: a regular expression cuts the text into *pieces*
//! (words with their leading space, runs of up to three digits, runs of punctuation, runs of
//! white space), then each piece is looked up in the rank table and, if it is not a token
//! itself, split by byte-pair merges. Profiles of a finloom run put most of the chunker's
//! time in the first step: `tiktoken-rs` runs `cl100k_base`'s pattern on `fancy_regex`
//! (it needs a look-ahead and possessive quantifiers), several times slower than the merges
//! and the lookups together.
//!
//! [`Bpe`] keeps the second step exactly as `tiktoken-rs` does it (its rank table, its
//! `byte_pair_encode`) and replaces the first, for `cl100k_base`, by a hand-written scanner
//! that makes the same cuts: [`Cl100kSplitter`] below follows the pattern alternative by
//! alternative, and the character classes it tests (`\p{L}`, `\p{N}`, `\s`, the
//! case-insensitive contraction letters) are taken from `regex-syntax`, the same Unicode
//! tables the regex engine uses, not from Rust's `char` methods (whose "alphabetic" and
//! "numeric" are other Unicode properties). The tests compare the two encoders on random
//! strings over the characters that matter to the pattern and on filing text; `finloom eval
//! tokenizer` compares them on every section and chunk of a database.
//!
//! `o200k_base`'s pattern (case-aware word rules) has no hand-written scanner: it is encoded
//! by `tiktoken-rs` itself, still without the per-token allocations of decoding for offsets.

use regex_syntax::hir::{Class, HirKind};
use rustc_hash::FxHashMap;
use std::collections::HashSet;
use std::sync::OnceLock;
use tiktoken_rs::{byte_pair_split, CoreBPE, Rank};

/// An encoding: `tiktoken-rs`'s encoder plus what the fast path needs.
pub struct Bpe {
    name: &'static str,
    core: CoreBPE,
    /// Every ordinary token's bytes → its rank (tiktoken's own table, rebuilt from the
    /// encoder: `tiktoken-rs` does not expose it).
    ranks: FxHashMap<Vec<u8>, Rank>,
    /// Byte length of each rank's token (0 for ranks that are not ordinary tokens).
    lens: Vec<u32>,
    /// The hand-written pre-tokeniser, where there is one for this encoding.
    splitter: Option<Cl100kSplitter>,
}

impl Bpe {
    /// Whether `name` is an encoding [`Bpe::named`] can build — without building it (a
    /// config check at plan time should not pay for loading a vocabulary).
    pub fn check_name(name: &str) -> Result<(), String> {
        match name {
            "cl100k_base" | "o200k_base" => Ok(()),
            other => Err(format!(
                "unknown tokenizer {other:?} (use cl100k_base or o200k_base)"
            )),
        }
    }

    /// The encoding named `cl100k_base` or `o200k_base`, built once per process.
    pub fn named(name: &str) -> Result<&'static Bpe, String> {
        static CL100K: OnceLock<Result<Bpe, String>> = OnceLock::new();
        static O200K: OnceLock<Result<Bpe, String>> = OnceLock::new();
        Self::check_name(name)?;
        // Only cl100k_base has the hand-written pre-tokeniser.
        let cl100k = name == "cl100k_base";
        let cell = if cl100k { &CL100K } else { &O200K };
        cell.get_or_init(|| {
            let core = if cl100k {
                tiktoken_rs::cl100k_base()
            } else {
                tiktoken_rs::o200k_base()
            };
            let name = if cl100k { "cl100k_base" } else { "o200k_base" };
            Bpe::build(name, core.map_err(|e| e.to_string())?, cl100k)
        })
        .as_ref()
        .map_err(|e| format!("cannot build tokenizer {name}: {e}"))
    }

    fn build(name: &'static str, core: CoreBPE, fast: bool) -> Result<Bpe, String> {
        let special: HashSet<Vec<u8>> = core
            .special_tokens()
            .into_iter()
            .map(|s| s.as_bytes().to_vec())
            .collect();
        let mut ranks = FxHashMap::default();
        let mut lens = Vec::new();
        // Ordinary ranks are dense from 0; the special tokens sit just above them. Stop after
        // a long run of unknown ranks.
        let mut misses = 0;
        let mut r: Rank = 0;
        while misses < 4096 {
            match core.decode_bytes(&[r]) {
                Ok(bytes) if !special.contains(&bytes) => {
                    misses = 0;
                    lens.resize(r as usize + 1, 0);
                    lens[r as usize] = bytes.len() as u32;
                    ranks.insert(bytes, r);
                }
                _ => misses += 1,
            }
            r += 1;
        }
        // Every single byte is a token in these encodings; the merges rely on it.
        if (0..=255u8).any(|b| !ranks.contains_key(&[b][..])) {
            return Err(format!("{name}: a single byte has no rank"));
        }
        Ok(Bpe {
            name,
            core,
            ranks,
            lens,
            splitter: fast.then(Cl100kSplitter::new),
        })
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// `tiktoken-rs`'s encoder for this encoding (the reference the fast path is tested
    /// against).
    pub fn reference(&self) -> &CoreBPE {
        &self.core
    }

    /// Number of tokens in `text` (ordinary text: `<|endoftext|>` and the other special-token
    /// strings are plain text), equal to `encode_ordinary(text).len()`.
    pub fn count(&self, text: &str) -> usize {
        let Some(sp) = &self.splitter else {
            return self.core.encode_ordinary(text).len();
        };
        let mut n = 0;
        sp.split(text, |piece| {
            n += if piece.len() == 1 || self.ranks.contains_key(piece) {
                1
            } else {
                byte_pair_split(piece, &self.ranks).len()
            };
        });
        n
    }

    /// The tokens of `text`, equal to `tiktoken-rs`'s `encode_ordinary(text)`.
    pub fn encode(&self, text: &str) -> Vec<Rank> {
        let Some(sp) = &self.splitter else {
            return self.core.encode_ordinary(text);
        };
        let mut out = Vec::with_capacity(text.len() / 4);
        sp.split(text, |piece| match self.ranks.get(piece) {
            Some(&r) => out.push(r),
            None => out.extend(
                byte_pair_split(piece, &self.ranks)
                    .into_iter()
                    .map(|part| self.ranks[part]),
            ),
        });
        out
    }

    /// The byte offset where each token of `text` starts, then `text.len()`: token `i` is
    /// `text[offsets[i]..offsets[i + 1]]` as bytes (a token may end inside a multi-byte
    /// character). `None` if the token lengths do not add up to the text (never, for a
    /// lossless BPE; callers keep a fallback).
    pub fn token_offsets(&self, text: &str) -> Option<Vec<usize>> {
        let tokens = self.encode(text);
        let mut offsets = Vec::with_capacity(tokens.len() + 1);
        let mut pos = 0usize;
        for &t in &tokens {
            offsets.push(pos);
            pos += *self.lens.get(t as usize)? as usize;
        }
        offsets.push(pos);
        (pos == text.len()).then_some(offsets)
    }
}

/// Character classes of the `cl100k_base` pattern.
const OTHER: u8 = 0;
const LETTER: u8 = 1;
const NUMBER: u8 = 2;
const SPACE: u8 = 3;

/// `cl100k_base`'s pre-tokeniser, by hand. The pattern (as `tiktoken-rs` 0.12 compiles it):
///
/// ```text
/// '(?i:[sdmt]|ll|ve|re)              1. a contraction
/// |[^\r\n\p{L}\p{N}]?+\p{L}++        2. a word, with one leading non-letter (not a newline)
/// |\p{N}{1,3}+                       3. one to three digits
/// | ?[^\s\p{L}\p{N}]++[\r\n]*+       4. punctuation, with one leading space, then newlines
/// |\s++$                             5. white space ending the text
/// |\s*[\r\n]                         6. white space up to its last newline
/// |\s+(?!\S)                         7. white space but the last character before a word
/// |\s                                8. one white-space character
/// ```
///
/// Alternatives are tried in order at each position (leftmost-first), so the scanner does
/// the same; the comments in [`Cl100kSplitter::piece_end`] name the alternative each branch
/// implements.
struct Cl100kSplitter {
    /// Class of every Basic-Multilingual-Plane character.
    bmp: Box<[u8]>,
    /// Classes above the BMP: sorted, disjoint `(first, last, class)`.
    astral: Vec<(u32, u32, u8)>,
    /// `(?i:s)`, `(?i:d)`, … as sets of characters (Unicode simple case folding: `(?i:s)`
    /// also matches `ſ`).
    fold: FxHashMap<char, Vec<(char, char)>>,
}

impl Cl100kSplitter {
    fn new() -> Cl100kSplitter {
        let mut bmp = vec![OTHER; 0x10000].into_boxed_slice();
        let mut astral = Vec::new();
        for (pat, class) in [(r"\p{L}", LETTER), (r"\p{N}", NUMBER), (r"\s", SPACE)] {
            for (a, b) in class_ranges(pat) {
                for c in a..=b.min(0xFFFF) {
                    bmp[c as usize] = class;
                }
                if b > 0xFFFF {
                    astral.push((a.max(0x10000), b, class));
                }
            }
        }
        astral.sort_unstable();
        let fold = "sdmtlver"
            .chars()
            .map(|c| {
                let set = class_ranges(&format!("(?i:{c})"))
                    .into_iter()
                    .map(|(a, b)| (char::from_u32(a).unwrap(), char::from_u32(b).unwrap()))
                    .collect();
                (c, set)
            })
            .collect();
        Cl100kSplitter { bmp, astral, fold }
    }

    fn class(&self, c: char) -> u8 {
        let u = c as u32;
        if u < 0x10000 {
            return self.bmp[u as usize];
        }
        match self.astral.binary_search_by(|&(a, b, _)| {
            if b < u {
                std::cmp::Ordering::Less
            } else if a > u {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        }) {
            Ok(i) => self.astral[i].2,
            Err(_) => OTHER,
        }
    }

    fn folds(&self, c: char, letter: char) -> bool {
        self.fold[&letter].iter().any(|&(a, b)| a <= c && c <= b)
    }

    /// Calls `f` with each piece of `text`, in order; the pieces concatenate to `text`.
    fn split(&self, text: &str, mut f: impl FnMut(&[u8])) {
        let b = text.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let e = self.piece_end(text, i);
            debug_assert!(e > i);
            f(&b[i..e]);
            i = e;
        }
    }

    /// The end of the piece starting at byte `i` (a character boundary, `i < text.len()`).
    fn piece_end(&self, text: &str, i: usize) -> usize {
        let b = text.as_bytes();
        let n = b.len();
        let (c, j) = char_at(b, i);
        let next = |k: usize| (k < n).then(|| char_at(b, k));
        // 1. '(?i:[sdmt]|ll|ve|re)
        if c == '\'' {
            if let Some((c2, k2)) = next(j) {
                if "sdmt".chars().any(|l| self.folds(c2, l)) {
                    return k2;
                }
                if let Some((c3, k3)) = next(k2) {
                    for (x, y) in [('l', 'l'), ('v', 'e'), ('r', 'e')] {
                        if self.folds(c2, x) && self.folds(c3, y) {
                            return k3;
                        }
                    }
                }
            }
        }
        let cls = self.class(c);
        // 2. [^\r\n\p{L}\p{N}]?+\p{L}++
        let letters_from = if cls == LETTER {
            Some(i)
        } else if c != '\r' && c != '\n' && cls != NUMBER {
            next(j)
                .filter(|&(c2, _)| self.class(c2) == LETTER)
                .map(|_| j)
        } else {
            None
        };
        // The end of the run of `class` characters starting at byte `k`.
        let run_end = |mut k: usize, class: u8| {
            while let Some((c2, k2)) = next(k) {
                if self.class(c2) != class {
                    break;
                }
                k = k2;
            }
            k
        };
        if let Some(k) = letters_from {
            return run_end(k, LETTER);
        }
        // 3. \p{N}{1,3}+
        if cls == NUMBER {
            let mut k = j;
            for _ in 0..2 {
                match next(k) {
                    Some((c2, k2)) if self.class(c2) == NUMBER => k = k2,
                    _ => break,
                }
            }
            return k;
        }
        // 4. ' ?[^\s\p{L}\p{N}]++[\r\n]*+' — the space is taken only if punctuation follows
        // (otherwise the optional space backtracks to empty, and a space is not punctuation).
        let punct_from = if cls == OTHER {
            Some(i)
        } else if c == ' ' {
            next(j)
                .filter(|&(c2, _)| self.class(c2) == OTHER)
                .map(|_| j)
        } else {
            None
        };
        if let Some(k) = punct_from {
            let mut k = run_end(k, OTHER);
            while k < n && (b[k] == b'\r' || b[k] == b'\n') {
                k += 1;
            }
            return k;
        }
        // White space from here on (every other class matched above).
        debug_assert_eq!(cls, SPACE);
        let mut run_end = j;
        let mut last_start = i; // start of the run's last character
        let mut last_newline = (c == '\r' || c == '\n').then_some(j);
        while let Some((c2, k2)) = next(run_end) {
            if self.class(c2) != SPACE {
                break;
            }
            if c2 == '\r' || c2 == '\n' {
                last_newline = Some(k2);
            }
            last_start = run_end;
            run_end = k2;
        }
        // 5. \s++$
        if run_end == n {
            return n;
        }
        // 6. \s*[\r\n] (greedy: up to the run's last newline)
        if let Some(k) = last_newline {
            return k;
        }
        // 7. \s+(?!\S): all but the last character, which must be followed by white space
        if last_start > i {
            return last_start;
        }
        // 8. \s
        j
    }
}

/// The character at byte `i` of valid UTF-8 and the byte after it.
#[inline]
fn char_at(b: &[u8], i: usize) -> (char, usize) {
    let b0 = b[i];
    if b0 < 0x80 {
        return (b0 as char, i + 1);
    }
    let (len, init) = if b0 < 0xE0 {
        (2, (b0 & 0x1F) as u32)
    } else if b0 < 0xF0 {
        (3, (b0 & 0x0F) as u32)
    } else {
        (4, (b0 & 0x07) as u32)
    };
    let mut u = init;
    for k in 1..len {
        u = (u << 6) | (b[i + k] & 0x3F) as u32;
    }
    // SAFETY-free: `from_u32` cannot fail on a decoded scalar of valid UTF-8.
    (char::from_u32(u).unwrap_or('\u{FFFD}'), i + len)
}

/// The code-point ranges of a one-class pattern, as the regex engine reads it.
fn class_ranges(pattern: &str) -> Vec<(u32, u32)> {
    let hir = regex_syntax::Parser::new()
        .parse(pattern)
        .expect("a valid class pattern");
    match hir.kind() {
        HirKind::Class(Class::Unicode(cls)) => cls
            .ranges()
            .iter()
            .map(|r| (r.start() as u32, r.end() as u32))
            .collect(),
        HirKind::Literal(lit) => {
            let s = std::str::from_utf8(&lit.0).expect("a UTF-8 literal");
            s.chars().map(|c| (c as u32, c as u32)).collect()
        }
        other => panic!("{pattern}: not a class: {other:?}"),
    }
}

#[cfg(test)]
mod tests;

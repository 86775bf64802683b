//! Small helpers plugins share.

use crate::{TableRows, Value};

/// Converts byte offsets of a string into character offsets in O(log n).
pub struct CharIndex {
    /// Byte offset of every 64th character.
    marks: Vec<usize>,
    text_len: usize,
}

impl CharIndex {
    const STEP: usize = 64;

    pub fn new(text: &str) -> Self {
        let mut marks = Vec::with_capacity(text.len() / Self::STEP + 1);
        for (i, (b, _)) in text.char_indices().enumerate() {
            if i % Self::STEP == 0 {
                marks.push(b);
            }
        }
        CharIndex {
            marks,
            text_len: text.len(),
        }
    }

    /// Character offset of byte offset `byte` (which must be on a char boundary of the text
    /// this index was built from).
    pub fn chars(&self, text: &str, byte: usize) -> usize {
        let byte = byte.min(self.text_len);
        let mark = match self.marks.binary_search(&byte) {
            Ok(i) => return i * Self::STEP,
            Err(0) => 0,
            Err(i) => i - 1,
        };
        let from = self.marks[mark];
        mark * Self::STEP + text[from..byte].chars().count()
    }
}

/// The rows of input table `name`, if the host passed it.
pub fn input<'a>(inputs: &'a [TableRows], name: &str) -> Option<&'a TableRows> {
    inputs.iter().find(|t| t.table.as_str() == name)
}

/// A short, stable, content-derived id: the first 16 hex digits of a 64-bit FNV-1a hash.
/// Deterministic across platforms and runs (never clocks or random numbers).
pub fn stable_hash(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.as_bytes().iter().chain(std::iter::once(&0x1f)) {
            h ^= *b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// Reads a typed value from a JSON-ish config parsed by the plugin; helpers for `Value`.
pub fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_index_matches_naive_count() {
        let s = "a\u{a0}bé".repeat(100);
        let idx = CharIndex::new(&s);
        for (i, (b, _)) in s.char_indices().enumerate() {
            assert_eq!(idx.chars(&s, b), i);
        }
        assert_eq!(idx.chars(&s, s.len()), s.chars().count());
    }

    #[test]
    fn stable_hash_is_stable() {
        assert_eq!(stable_hash(&["a", "b"]), stable_hash(&["a", "b"]));
        assert_ne!(stable_hash(&["ab"]), stable_hash(&["a", "b"]));
    }
}

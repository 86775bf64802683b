//! `chunker` plugin, version 1: cuts every section into overlapping token windows for
//! retrieval / embedding.
//!
//! # Design, and why
//!
//! * **Input is the `sections` table**, not the raw document: a chunk never crosses a
//!   section boundary, so every chunk can be attributed to exactly one item ("Item 1A") and
//!   the section's clean text (page furniture removed, tables in place as read under their
//!   `[TABLE id]` line) is
//!   what gets embedded. Offsets are character offsets into the section's `text` value.
//! * **Real BPE token counts.** Limits are expressed in tokens of a real tokenizer
//!   (`cl100k_base` / `o200k_base`, the vocabularies of `tiktoken-rs`, compiled in, so it
//!   works offline; counted by `finloom_plugin_kit::Bpe`, which gives tiktoken's tokens
//!   several times faster). A word-count estimate would let chunks overflow an embedding
//!   model's context. Each vocabulary is built once per process, not per filing: building one
//!   takes a noticeable fraction of a second.
//! * **Sentence-aware windows.** A window of at most `max_tokens` ends at the last sentence
//!   (or paragraph) boundary inside the limit, provided that keeps it at least half the limit;
//!   otherwise it is cut hard at a token boundary. The next window starts `overlap_tokens`
//!   before the previous end (snapped forward to a word start), so that a sentence cut by a
//!   hard break is seen whole by at least one chunk. Where a sentence starts inside that
//!   overlap, the next window starts there instead, so most chunks begin at a sentence.
//! * **Guaranteed limit.** Tokenising a substring can differ slightly from the slice of the
//!   whole text's tokens (pre-tokenisation looks at neighbours), so each chunk's text is
//!   re-encoded and shrunk until `token_count <= max_tokens`. The stored `token_count` is that
//!   re-encoded count.
//! * **Deterministic ids.** `{accession}/chunk/{section_type}/{chunk_index}`; `content_hash`
//!   is the BLAKE3 hex digest of the chunk text, so unchanged chunks can be recognised across
//!   runs.

use finloom_plugin_api::{
    util::CharIndex, Document, FilingMeta, Manifest, Plugin, TableRows, Value, INTERFACE_VERSION,
};
use finloom_plugin_kit::Bpe;
use serde::Deserialize;

/// Plugin name as declared in the manifest (and stored in `chunker_name`).
pub const NAME: &str = "chunker";
/// Plugin version as declared in the manifest (and stored in `chunker_version`).
/// Taken from Cargo.toml, so the crate and the manifest cannot disagree.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The output table.
pub const TABLE: &str = SCHEMA.name;

/// The output table: the `chunks` table every chunker version writes (declared once, in
/// `finloom_plugin_kit::chunks`, so that versions stay swappable).
pub use finloom_plugin_kit::chunks::SCHEMA;

/// The stage's config table (`[stages.chunks]` in pipeline.toml); `{}` means all defaults.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Upper bound on every chunk's token count.
    pub max_tokens: usize,
    /// Tokens shared by consecutive chunks of one section.
    pub overlap_tokens: usize,
    /// `cl100k_base` or `o200k_base`.
    pub tokenizer: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_tokens: 512,
            overlap_tokens: 64,
            tokenizer: "cl100k_base".to_string(),
        }
    }
}

impl Config {
    /// Parses and validates the config JSON (blank means defaults).
    /// Errors name the key first (`` `max_tokens`: … ``), as the host's plan-time check wants.
    pub fn parse(json: &str) -> Result<Config, String> {
        let cfg: Config = finloom_plugin_kit::config::parse(json)?;
        if cfg.max_tokens < 16 {
            return Err(format!(
                "`max_tokens`: must be at least 16, got {}",
                cfg.max_tokens
            ));
        }
        if cfg.overlap_tokens * 2 > cfg.max_tokens {
            return Err(format!(
                "`overlap_tokens`: {} must be at most half of max_tokens ({})",
                cfg.overlap_tokens, cfg.max_tokens
            ));
        }
        Bpe::check_name(&cfg.tokenizer).map_err(|e| format!("`tokenizer`: {e}"))?;
        Ok(cfg)
    }
}

/// The plugin type exported to the host.
pub struct Chunker;

impl Plugin for Chunker {
    fn manifest() -> Manifest {
        manifest()
    }

    fn check_config(config_json: &str) -> Result<(), String> {
        Config::parse(config_json).map(|_| ())
    }

    fn extract(
        filing: &FilingMeta,
        _doc: &Document,
        inputs: &[TableRows],
        config_json: &str,
    ) -> Result<Vec<TableRows>, String> {
        let cfg = Config::parse(config_json).map_err(|e| format!("chunker config: {e}"))?;
        let sections = finloom_plugin_api::util::input(inputs, "sections")
            .ok_or("chunker: input table `sections` was not provided")?;
        Ok(vec![chunk_sections(filing, sections, &cfg)?])
    }
}

finloom_plugin_api::export_plugin!(Chunker);

/// The manifest: stage `chunks`, input `sections`, one output table keyed by `id`.
pub fn manifest() -> Manifest {
    Manifest {
        name: NAME.into(),
        version: VERSION.into(),
        interface_version: INTERFACE_VERSION,
        stage: "chunks".into(),
        inputs: vec!["sections".into()].into(),
        outputs: vec![SCHEMA.decl()].into(),
    }
}

/// The BPE for a tokenizer name, built once per process.
pub fn bpe(name: &str) -> Result<&'static Bpe, String> {
    Bpe::named(name).map_err(|e| format!("chunker: {e}"))
}

/// Number of tokens of `text` under `bpe` (ordinary text: special-token strings such as
/// `<|endoftext|>` are tokenised as plain text).
pub fn count_tokens(bpe: &Bpe, text: &str) -> usize {
    bpe.count(text)
}

/// One chunk of a section's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub text: String,
    pub token_count: usize,
    /// Character offsets into the section text.
    pub char_start: usize,
    pub char_end: usize,
}

/// Turns the `sections` rows of one filing into `chunks` rows.
pub fn chunk_sections(
    filing: &FilingMeta,
    sections: &TableRows,
    cfg: &Config,
) -> Result<TableRows, String> {
    let bpe = bpe(&cfg.tokenizer)?;
    let mut rows: Vec<&[Value]> = sections.rows.iter().map(|r| r.as_slice()).collect();
    // Deterministic order whatever order the host hands rows in: document order, then type.
    rows.sort_by(|a, b| {
        let ka = (
            sections
                .get(a, "section_index")
                .as_i64()
                .unwrap_or(i64::MAX),
            sections.get(a, "section_type").as_str().unwrap_or(""),
        );
        let kb = (
            sections
                .get(b, "section_index")
                .as_i64()
                .unwrap_or(i64::MAX),
            sections.get(b, "section_type").as_str().unwrap_or(""),
        );
        ka.cmp(&kb)
    });
    let mut out = SCHEMA.rows();
    for row in rows {
        let section_id = sections
            .get(row, "id")
            .as_str()
            .ok_or("chunker: sections row without id")?;
        let section_type = sections
            .get(row, "section_type")
            .as_str()
            .ok_or("chunker: sections row without section_type")?;
        let accession = sections
            .get(row, "accession_number")
            .as_str()
            .unwrap_or(filing.accession_number.as_str());
        let text = sections.get(row, "text").as_str().unwrap_or("");
        for (i, c) in chunk_text(bpe, text, cfg.max_tokens, cfg.overlap_tokens)
            .into_iter()
            .enumerate()
        {
            let hash = blake3::hash(c.text.as_bytes()).to_hex().to_string();
            out.push([
                format!("{accession}/chunk/{section_type}/{i}").into(),
                accession.into(),
                section_id.into(),
                section_type.into(),
                i.into(),
                c.text.into(),
                c.token_count.into(),
                c.char_start.into(),
                c.char_end.into(),
                NAME.into(),
                VERSION.into(),
                cfg.tokenizer.as_str().into(),
                hash.into(),
                Value::Null,
            ])?;
        }
    }
    Ok(out.finish())
}

/// Words that end with a period without ending a sentence.
const ABBREVIATIONS: &[&str] = &[
    "inc", "corp", "co", "ltd", "llc", "l.p", "lp", "no", "nos", "mr", "mrs", "ms", "dr", "st",
    "u.s", "u.k", "e.g", "i.e", "etc", "vs", "v", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "approx", "fig", "sec", "par", "art", "ch", "jr", "sr",
    "n.a", "s.a", "p.m", "a.m",
];

/// Byte offsets in `text` where a sentence or paragraph ends (just after the terminal
/// punctuation and any closing quote/bracket, or at the end of a paragraph before `\n\n`).
pub fn sentence_ends(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (b, c) = chars[i];
        if c == '\n' && bytes.get(b + 1) == Some(&b'\n') {
            out.push(b);
        } else if matches!(c, '.' | '!' | '?') {
            // Skip closing quotes / brackets.
            let mut j = i + 1;
            while j < chars.len()
                && matches!(chars[j].1, '"' | '\'' | ')' | ']' | '\u{201d}' | '\u{2019}')
            {
                j += 1;
            }
            let end = chars.get(j).map(|x| x.0).unwrap_or(text.len());
            let next = chars.get(j).map(|x| x.1);
            let ws_after = next.is_none_or(char::is_whitespace);
            if ws_after && c == '.' {
                // The word before the period: an abbreviation or an initial is not an end.
                let word: String = text[..b]
                    .chars()
                    .rev()
                    .take_while(|ch| ch.is_alphanumeric() || *ch == '.')
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<String>()
                    .to_lowercase();
                let next_word = text[end..].trim_start().chars().next();
                let abbrev = ABBREVIATIONS.contains(&word.as_str())
                    || (word.chars().count() == 1 && word.chars().all(char::is_alphabetic));
                let lower_next = next_word.is_some_and(char::is_lowercase);
                if !abbrev && !lower_next {
                    out.push(end);
                }
            } else if ws_after {
                out.push(end);
            }
            i = j.max(i + 1);
            continue;
        }
        i += 1;
    }
    out.dedup();
    out
}

/// Splits `text` into windows of at most `max_tokens` tokens with about `overlap` tokens of
/// overlap. Leading/trailing white space of each window is trimmed; empty windows dropped.
pub fn chunk_text(bpe: &Bpe, text: &str, max_tokens: usize, overlap: usize) -> Vec<Chunk> {
    let mut out = Vec::new();
    if text.trim().is_empty() {
        return out;
    }
    let max_tokens = max_tokens.max(1);
    // Byte offset where each token starts; offsets[n] == text.len().
    let Some(offsets) = bpe.token_offsets(text) else {
        // Should not happen (BPE is lossless); fall back to whole-token-free hard cuts.
        return fallback_chunks(bpe, text, max_tokens);
    };
    let n = offsets.len() - 1;
    // A token boundary is usable as a cut only on a character boundary (byte-level BPE can
    // split a multi-byte character across tokens).
    let cuttable: Vec<bool> = offsets.iter().map(|&o| text.is_char_boundary(o)).collect();
    // Sentence ends that fall exactly on a token boundary, as token indexes (sorted).
    let ends: Vec<usize> = sentence_ends(text)
        .into_iter()
        .filter_map(|b| offsets.binary_search(&b).ok())
        .collect();
    let cix = CharIndex::new(text);

    let mut start = 0usize;
    while start < n {
        let limit = (start + max_tokens).min(n);
        let mut end = if limit == n {
            n
        } else {
            let min_end = start + max_tokens / 2;
            // Last sentence end in [min_end, limit].
            let idx = ends.partition_point(|&e| e <= limit);
            match ends[..idx].last() {
                Some(&e) if e >= min_end && e > start => e,
                _ => cut_at_or_before(&cuttable, limit, start),
            }
        };
        // Re-encode and shrink until the chunk really fits.
        let (mut s, mut e, mut count);
        loop {
            (s, e) = trim(text, offsets[start], offsets[end]);
            count = count_tokens(bpe, &text[s..e]);
            if count <= max_tokens {
                break;
            }
            let over = count - max_tokens;
            let target = end.saturating_sub(over).max(start + 1);
            let new_end = cut_at_or_before(&cuttable, target, start);
            if new_end >= end {
                break;
            }
            end = new_end;
        }
        if s < e && count <= max_tokens {
            out.push(Chunk {
                text: text[s..e].to_string(),
                token_count: count,
                char_start: cix.chars(text, s),
                char_end: cix.chars(text, e),
            });
        }
        if end >= n {
            break;
        }
        // Next window: `overlap` tokens back, moved forward to the first sentence start in
        // the overlap (so chunks begin cleanly), else to the start of a word.
        let back = end.saturating_sub(overlap).max(start + 1);
        let first_end = ends.partition_point(|&e| e < back);
        let mut next = match ends.get(first_end) {
            Some(&e) if e < end => e,
            _ => back,
        };
        while next < end && !(cuttable[next] && starts_word(text, offsets[next])) {
            next += 1;
        }
        if next >= end {
            next = back;
        }
        // `cuttable[n]` is true, so this stops.
        start = next.max(start + 1);
        while !cuttable[start] {
            start += 1;
        }
    }
    out
}

/// The last cuttable token boundary in `(lo, x]`, or failing that the first one after `x`
/// (a character is at most four bytes, so one is always near).
fn cut_at_or_before(cuttable: &[bool], x: usize, lo: usize) -> usize {
    (lo + 1..=x)
        .rev()
        .find(|&i| cuttable[i])
        .or_else(|| (x + 1..cuttable.len()).find(|&i| cuttable[i]))
        .unwrap_or(cuttable.len() - 1)
}

/// Whether a token starting at byte `a` (a character boundary) begins a word: it starts
/// with white space or follows it.
fn starts_word(text: &str, a: usize) -> bool {
    let tok_starts_ws = text[a..].chars().next().is_some_and(char::is_whitespace);
    let prev_ws = a == 0
        || text[..a]
            .chars()
            .next_back()
            .is_some_and(char::is_whitespace);
    tok_starts_ws || prev_ws
}

fn trim(text: &str, s: usize, e: usize) -> (usize, usize) {
    let piece = &text[s..e];
    let lead = piece.len() - piece.trim_start().len();
    if lead == piece.len() {
        return (s, s);
    }
    let trail = piece.len() - piece.trim_end().len();
    (s + lead, e - trail)
}

/// Used only if token offsets do not add up: cut by characters, shrinking until each piece
/// fits the limit.
fn fallback_chunks(bpe: &Bpe, text: &str, max_tokens: usize) -> Vec<Chunk> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut ci = 0usize;
    while ci < chars.len() {
        let mut len = (max_tokens * 2).min(chars.len() - ci).max(1);
        loop {
            let s = chars[ci].0;
            let e = chars.get(ci + len).map(|x| x.0).unwrap_or(text.len());
            let count = count_tokens(bpe, &text[s..e]);
            if count <= max_tokens || len == 1 {
                let (ts, te) = trim(text, s, e);
                if ts < te {
                    out.push(Chunk {
                        text: text[ts..te].to_string(),
                        token_count: count_tokens(bpe, &text[ts..te]),
                        char_start: text[..ts].chars().count(),
                        char_end: text[..te].chars().count(),
                    });
                }
                break;
            }
            len /= 2;
        }
        ci += len;
    }
    out
}

#[cfg(test)]
mod tests;

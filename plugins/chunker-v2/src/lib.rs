//! `chunker` plugin, version 2: structure-aware chunks for retrieval / embedding.
//!
//! Same plugin name, stage, input and output table as `chunker@1` (identical columns, types and
//! key), so the two are swappable in `pipeline.toml`; only the way a section is cut differs.
//!
//! # Method
//!
//! 1. **Elements.** A section's `text` (from the `sections` plugin) is a sequence of blocks
//!    separated by blank lines; a table is a block of its own, a `[TABLE <acc>/tbl/<i>]` line,
//!    its rows and a `[/TABLE]` line (or, from sections < 1.3, the id line alone). Each block
//!    becomes an element: a *table* (the block, resolved to
//!    `Document::tables[i]`), a *heading* or a *paragraph*. Headings are recognised from the
//!    document model: the block of `Document::blocks` the paragraph came from (found inside the
//!    section's character range) gives its style (bold / italic / underline / `<hN>`), and the
//!    text must look like a title (one short line, no sentence punctuation at the end). Plain
//!    text filings have no styles, so there a short ALL-CAPS or Title Case line counts.
//! 2. **Split on structure first.** A heading starts a new chunk (it is never left dangling at
//!    the end of the previous one). Paragraphs are packed greedily into the current chunk while
//!    the chunk stays within `max_tokens`; a paragraph that does not fit starts a new chunk
//!    whole. Only a paragraph that is larger than `max_tokens` by itself is split — at line
//!    breaks (plain-text filings), then at sentence ends, then, as a last resort, hard at a
//!    token boundary (preferably between words).
//! 3. **Tables.** A table is rendered as text, one row per line, non-empty cells joined by
//!    `" | "` (a lone `$` cell is glued to the number after it, a lone `%` or `)` to the one
//!    before). A table that fits `max_tokens` is one chunk. A bigger one is split by rows, and
//!    its header rows (the leading rows marked as header, else the leading rows with an empty
//!    label cell — the usual "| 2024 | 2023" of a financial statement — else the first row) are
//!    repeated at the top of every part. A single row too big for a part is hard-split.
//!    Packing never puts a table into a text chunk (except a one-row table, which is layout —
//!    a bullet laid out in cells — and is packed like a paragraph); when headings or a lead-in come right
//!    before a table that has to be split, its first part is packed a little smaller to leave
//!    room for them.
//! 4. **Merge small neighbours** (like unstructured's `combine_text_under_n_chars`). First a
//!    chunk of nothing but headings (or a table's lead-in) joins the chunk after it when the
//!    result fits. Then a chunk under `min_tokens` — text, or a whole small table — is merged
//!    into a neighbour of the same section when the result still fits `max_tokens`: the
//!    following one if it ends with a heading, otherwise the smaller one. Text may join a
//!    split table only before its first part (a caption) or after its last part (a note).
//!    This repeats until nothing changes, so a chunk under `min_tokens` remains only when it
//!    is the only chunk of its section, is one part of a split table, or no neighbour has
//!    room for it.
//!
//! # Columns
//!
//! * `text` is the chunk body, without the context prefix. For a chunk without a table it is
//!   exactly `section.text[char_start..char_end]` (character offsets). For a chunk with a table
//!   it is the rendered table (plus any merged caption / note, separated by a blank line); its
//!   offsets span the table placeholder (and the merged text) in the section text.
//! * `token_count` counts `text` with the configured tokenizer — unless `count_prefix_tokens`
//!   is set, in which case chunks are sized so that `context_prefix + "\n\n" + text` fits
//!   `max_tokens` and `token_count` is the count of that combined string. Either way
//!   `token_count <= max_tokens`.
//! * `context_prefix` is `company | form | period | section title` (missing parts left out;
//!   the filing date stands in for a missing period, the section type for a missing title),
//!   meant to be prepended when embedding.
//! * `tokenizer` is the BPE used (`cl100k_base` or `o200k_base`, compiled into `tiktoken-rs`,
//!   so it works offline; counted by `finloom_plugin_kit::Bpe`, tiktoken's tokens without its
//!   regex). `content_hash` is the BLAKE3 hex digest of `text`. Ids are
//!   `{accession}/chunk/{section_type}/{chunk_index}`. The output depends only on the inputs.

use std::sync::OnceLock;

use finloom_plugin_api::{
    util::CharIndex, BlockKind, DocFormat, Document, FilingMeta, Manifest, Plugin, Style, Table,
    TableRows, Value, INTERFACE_VERSION,
};
use finloom_plugin_kit::text::all_caps;
use finloom_plugin_kit::Bpe;
use regex::Regex;
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

/// The stage's config table (`[stage.config]` in pipeline.toml); `{}` means all defaults.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Upper bound on every chunk's `token_count`.
    pub max_tokens: usize,
    /// Text chunks smaller than this are merged into a neighbour when one has room.
    pub min_tokens: usize,
    /// `cl100k_base` or `o200k_base`.
    pub tokenizer: String,
    /// Size chunks so that `context_prefix + "\n\n" + text` fits `max_tokens`, and report that
    /// count as `token_count`.
    pub count_prefix_tokens: bool,
    /// Accepted only to give a clear error: version 2 does not overlap chunks.
    #[doc(hidden)]
    pub overlap_tokens: Option<usize>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_tokens: 512,
            min_tokens: 64,
            tokenizer: "cl100k_base".to_string(),
            count_prefix_tokens: false,
            overlap_tokens: None,
        }
    }
}

impl Config {
    /// Parses and validates the config JSON (blank means defaults).
    /// Errors name the key first (`` `max_tokens`: … ``), as the host's plan-time check wants.
    pub fn parse(json: &str) -> Result<Config, String> {
        let cfg: Config = finloom_plugin_kit::config::parse(json)?;
        if cfg.overlap_tokens.is_some() {
            return Err(
                "`overlap_tokens`: version 2 cuts along the document structure and \
                        does not overlap chunks; remove it"
                    .to_string(),
            );
        }
        if cfg.max_tokens < 32 {
            return Err(format!(
                "`max_tokens`: must be at least 32, got {}",
                cfg.max_tokens
            ));
        }
        if cfg.min_tokens > cfg.max_tokens {
            return Err(format!(
                "`min_tokens`: {} must not exceed max_tokens ({})",
                cfg.min_tokens, cfg.max_tokens
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
        doc: &Document,
        inputs: &[TableRows],
        config_json: &str,
    ) -> Result<Vec<TableRows>, String> {
        let cfg = Config::parse(config_json).map_err(|e| format!("chunker config: {e}"))?;
        let sections = finloom_plugin_api::util::input(inputs, "sections")
            .ok_or("chunker: input table `sections` was not provided")?;
        Ok(vec![chunk_sections(filing, doc, sections, &cfg)?])
    }
}

finloom_plugin_api::export_plugin!(Chunker);

/// The manifest: stage `chunks`, input `sections`, one output table with the same columns and
/// key as `chunker@1`.
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

/// Number of tokens of `text` (special-token strings are tokenised as plain text).
pub fn count_tokens(bpe: &Bpe, text: &str) -> usize {
    bpe.count(text)
}

// ---------------------------------------------------------------------------------------------
// Context prefix

/// `company | form | period | section title`, leaving out empty parts. The title is cut to
/// 100 characters.
pub fn context_prefix(filing: &FilingMeta, title: Option<&str>, section_type: &str) -> String {
    let date = if filing.period_of_report.trim().is_empty() {
        filing.filed_date.as_str()
    } else {
        filing.period_of_report.as_str()
    };
    let title = collapse_ws(
        title
            .filter(|t| !t.trim().is_empty())
            .unwrap_or(section_type),
    );
    let title = if title.chars().count() > 100 {
        let cut: String = title.chars().take(99).collect();
        format!("{}…", cut.trim_end())
    } else {
        title
    };
    [
        collapse_ws(filing.company_name.as_str()),
        collapse_ws(filing.form_type.as_str()),
        date.trim().to_string(),
        title,
    ]
    .into_iter()
    .filter(|p| !p.is_empty())
    .collect::<Vec<_>>()
    .join(" | ")
}

fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------------------------
// Tables

/// A table rendered as text lines.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RenderedTable {
    /// Header rows, repeated at the top of every part when the table is split.
    pub header: Vec<String>,
    pub body: Vec<String>,
}

impl RenderedTable {
    pub fn text(&self) -> String {
        let mut lines: Vec<&str> = self.header.iter().map(String::as_str).collect();
        lines.extend(self.body.iter().map(String::as_str));
        lines.join("\n")
    }
}

fn row_line(row: &finloom_plugin_api::Row) -> String {
    let mut cells: Vec<String> = Vec::new();
    let mut pending_prefix = String::new();
    for c in row.cells.iter() {
        let t = collapse_ws(c.text.as_str());
        if t.is_empty() {
            continue;
        }
        if matches!(t.as_str(), "$" | "€" | "£" | "¥" | "US$") {
            pending_prefix.push_str(&t);
            continue;
        }
        if matches!(t.as_str(), "%" | ")" | ")%" | "%)") && pending_prefix.is_empty() {
            if let Some(last) = cells.last_mut() {
                last.push_str(&t);
                continue;
            }
        }
        cells.push(format!("{}{}", std::mem::take(&mut pending_prefix), t));
    }
    if !pending_prefix.is_empty() {
        cells.push(pending_prefix);
    }
    cells.join(" | ")
}

/// Renders a table: one line per non-empty row, non-empty cells joined by `" | "`, with the
/// header rows separated out (see the crate docs for how they are chosen).
pub fn render_table(table: &Table) -> RenderedTable {
    let rows: Vec<(&finloom_plugin_api::Row, String)> = table
        .rows
        .iter()
        .map(|r| (r, row_line(r)))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    if rows.len() < 2 {
        return RenderedTable {
            header: Vec::new(),
            body: rows.into_iter().map(|(_, l)| l).collect(),
        };
    }
    fn all_header(r: &finloom_plugin_api::Row) -> bool {
        r.cells
            .iter()
            .filter(|c| !c.text.trim().is_empty())
            .all(|c| c.header)
    }
    // Leading rows the source marks as header.
    let mut n = rows.iter().take_while(|(r, _)| all_header(r)).count();
    if n == 0 || n == rows.len() {
        // Leading rows with an empty label cell: column headings of a financial table.
        n = rows
            .iter()
            .take(4)
            .take_while(|(r, _)| r.cells.first().is_none_or(|c| c.text.trim().is_empty()))
            .count();
        if n == 0 || n == rows.len() {
            n = 1;
        }
    }
    let mut it = rows.into_iter().map(|(_, l)| l);
    let header = it.by_ref().take(n).collect();
    RenderedTable {
        header,
        body: it.collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Section elements

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ElemKind {
    Paragraph,
    Heading,
    Table(usize),
}

/// A block of the section text: byte range (trimmed) in the section text.
#[derive(Debug, Clone, Copy)]
struct Element {
    kind: ElemKind,
    start: usize,
    end: usize,
}

fn placeholder_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?s)^\[TABLE [^\]\s]+/tbl/(\d+)\](?:\n.*\n\[/TABLE\])?$")
            .expect("placeholder regex")
    })
}

/// Byte ranges of the blank-line separated blocks of `text`, trimmed, empty ones dropped.
fn blocks_of(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos <= text.len() {
        let end = text[pos..].find("\n\n").map_or(text.len(), |i| pos + i);
        let piece = &text[pos..end];
        let lead = piece.len() - piece.trim_start().len();
        if lead < piece.len() {
            let trail = piece.len() - piece.trim_end().len();
            out.push((pos + lead, end - trail));
        }
        if end == text.len() {
            break;
        }
        pos = end + 2;
    }
    out
}

/// Byte offset of character `ch` in `s` (clamped to the end).
fn byte_of_char(s: &str, ch: usize) -> usize {
    s.char_indices().nth(ch).map_or(s.len(), |(b, _)| b)
}

/// Splits a section's text into elements, using the document model for table placeholders
/// and for the styles that make a short line a heading.
fn elements(text: &str, doc: &Document, doc_range: (usize, usize)) -> Vec<Element> {
    let dtext = doc.text.as_str();
    let mut cursor = doc_range.0;
    let mut out = Vec::new();
    for (s, e) in blocks_of(text) {
        let piece = &text[s..e];
        if let Some(c) = placeholder_re().captures(piece) {
            if let Ok(ti) = c[1].parse::<usize>() {
                if ti < doc.tables.len() {
                    out.push(Element {
                        kind: ElemKind::Table(ti),
                        start: s,
                        end: e,
                    });
                    continue;
                }
            }
        }
        // Find where the piece came from, to read its block's style.
        let first_line = piece.lines().next().unwrap_or("").trim();
        let mut style = None;
        if !first_line.is_empty() && cursor <= doc_range.1 {
            if let Some(i) = dtext[cursor..doc_range.1].find(first_line) {
                let p = cursor + i;
                let bi = doc.blocks.partition_point(|b| (b.start as usize) <= p);
                if bi > 0 {
                    let b = &doc.blocks[bi - 1];
                    if p < b.end as usize && b.kind != BlockKind::Table {
                        style = Some(b.style);
                    }
                }
                cursor = if dtext[p..].starts_with(piece) {
                    p + piece.len()
                } else {
                    p + first_line.len()
                };
            }
        }
        let kind = if is_heading(piece, style, doc.format) {
            ElemKind::Heading
        } else {
            ElemKind::Paragraph
        };
        out.push(Element {
            kind,
            start: s,
            end: e,
        });
    }
    out
}

/// Whether a block of section text is a heading: one short line that does not end like a
/// sentence, styled as a heading (HTML) or ALL CAPS / Title Case (plain text).
fn is_heading(piece: &str, style: Option<Style>, format: DocFormat) -> bool {
    if piece.contains('\n') {
        return false;
    }
    let chars = piece.chars().count();
    let words: Vec<&str> = piece.split_whitespace().collect();
    if !(2..=120).contains(&chars) || words.len() > 16 {
        return false;
    }
    if !piece.chars().next().is_some_and(char::is_alphanumeric)
        || piece.chars().filter(|c| c.is_alphabetic()).count() < 2
    {
        return false;
    }
    let last = piece.chars().next_back().unwrap_or(' ');
    if matches!(last, '.' | ',' | ';' | '!' | '?') {
        return false;
    }
    let styled = style.is_some_and(|s| s.bold || s.italic || s.underline || s.heading_level > 0);
    if styled || all_caps(piece, 3) {
        return true;
    }
    if format == DocFormat::Text && last != ':' && words.len() <= 10 {
        // Title Case: every word of four letters or more is capitalised.
        return words.iter().all(|w| {
            let letters: Vec<char> = w.chars().filter(|c| c.is_alphabetic()).collect();
            letters.len() < 4 || letters[0].is_uppercase()
        }) && words.first().is_some_and(|w| {
            w.chars()
                .find(|c| c.is_alphabetic())
                .is_some_and(char::is_uppercase)
        });
    }
    false
}

// ---------------------------------------------------------------------------------------------
// Splitting text that is too big

/// Words that end with a period without ending a sentence.
const ABBREVIATIONS: &[&str] = &[
    "inc", "corp", "co", "ltd", "llc", "l.p", "lp", "no", "nos", "mr", "mrs", "ms", "dr", "st",
    "u.s", "u.k", "e.g", "i.e", "etc", "vs", "v", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "approx", "fig", "sec", "par", "art", "ch", "jr", "sr",
    "n.a", "s.a", "p.m", "a.m",
];

/// Byte offsets in `text` just after each sentence end (terminal punctuation plus closing
/// quotes / brackets, followed by white space; abbreviations and initials excluded).
pub fn sentence_ends(text: &str) -> Vec<usize> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (b, c) = chars[i];
        if matches!(c, '.' | '!' | '?' | ';') {
            let mut j = i + 1;
            while j < chars.len()
                && matches!(chars[j].1, '"' | '\'' | ')' | ']' | '\u{201d}' | '\u{2019}')
            {
                j += 1;
            }
            let end = chars.get(j).map_or(text.len(), |x| x.0);
            let ws_after = chars.get(j).is_none_or(|x| x.1.is_whitespace());
            if ws_after && c == '.' {
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
                if !abbrev && !next_word.is_some_and(char::is_lowercase) {
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

/// Trims white space off a byte range of `text`.
fn trim(text: &str, s: usize, e: usize) -> (usize, usize) {
    let piece = &text[s..e];
    let lead = piece.len() - piece.trim_start().len();
    if lead == piece.len() {
        return (s, s);
    }
    let trail = piece.len() - piece.trim_end().len();
    (s + lead, e - trail)
}

/// Cuts `text[s..e]` hard into trimmed pieces of at most `budget` tokens each, at token
/// boundaries that are character boundaries, preferring a cut just before a word.
fn hard_split(bpe: &Bpe, text: &str, s: usize, e: usize, budget: usize) -> Vec<(usize, usize)> {
    let budget = budget.max(1);
    let piece = &text[s..e];
    let offsets = bpe.token_offsets(piece);
    let mut out = Vec::new();
    let Some(offsets) = offsets else {
        // Not expected (BPE is lossless): cut by characters instead.
        let mut cs = 0;
        let chars: Vec<usize> = piece
            .char_indices()
            .map(|x| x.0)
            .chain(std::iter::once(piece.len()))
            .collect();
        while cs + 1 < chars.len() {
            let mut len = (budget * 2).min(chars.len() - 1 - cs).max(1);
            while len > 1 && count_tokens(bpe, &piece[chars[cs]..chars[cs + len]]) > budget {
                len /= 2;
            }
            let (a, b) = trim(text, s + chars[cs], s + chars[cs + len]);
            if a < b {
                out.push((a, b));
            }
            cs += len;
        }
        return out;
    };
    let n = offsets.len() - 1;
    let cuttable: Vec<bool> = offsets.iter().map(|&o| piece.is_char_boundary(o)).collect();
    let word_start = |i: usize| -> bool {
        let o = offsets[i];
        i == n
            || piece[o..].starts_with(char::is_whitespace)
            || piece[..o].ends_with(char::is_whitespace)
    };
    let mut start = 0usize;
    while start < n {
        let mut end = (start + budget).min(n);
        if end < n {
            // Prefer a word boundary in the last third of the window.
            let lo = start + (budget * 2 / 3).max(1);
            end = (lo..=end)
                .rev()
                .find(|&i| cuttable[i] && word_start(i))
                .or_else(|| (start + 1..=end).rev().find(|&i| cuttable[i]))
                .or_else(|| (end + 1..=n).find(|&i| cuttable[i]))
                .unwrap_or(n);
        }
        loop {
            let (a, b) = trim(piece, offsets[start], offsets[end]);
            let count = count_tokens(bpe, &piece[a..b]);
            if count <= budget || end <= start + 1 {
                if a < b {
                    out.push((s + a, s + b));
                }
                break;
            }
            let target = end - (count - budget).min(end - start - 1);
            let next = (start + 1..=target).rev().find(|&i| cuttable[i]);
            match next {
                Some(x) if x < end => end = x,
                _ => {
                    if a < b {
                        out.push((s + a, s + b));
                    }
                    break;
                }
            }
        }
        start = end;
        while start < n && !cuttable[start] {
            start += 1;
        }
    }
    out
}

/// Splits the range `text[s..e]`, which is larger than `budget` tokens, into ranges that each
/// fit: at line breaks if it has several lines, else at sentence ends, else hard.
fn split_text(bpe: &Bpe, text: &str, s: usize, e: usize, budget: usize) -> Vec<(usize, usize)> {
    let piece = &text[s..e];
    let mut cuts: Vec<usize> = piece
        .match_indices('\n')
        .map(|(i, _)| s + i + 1)
        .collect::<Vec<_>>();
    let by_lines = !cuts.is_empty();
    if !by_lines {
        cuts = sentence_ends(piece).into_iter().map(|b| s + b).collect();
    }
    cuts.retain(|&c| c > s && c < e);
    if cuts.is_empty() {
        return hard_split(bpe, text, s, e, budget);
    }
    let mut pieces = Vec::new();
    let mut prev = s;
    for c in cuts.into_iter().chain(std::iter::once(e)) {
        let (a, b) = trim(text, prev, c);
        if a < b {
            pieces.push((a, b));
        }
        prev = c;
    }
    let mut out = Vec::new();
    for (a, b) in pieces {
        if count_tokens(bpe, &text[a..b]) <= budget {
            out.push((a, b));
        } else if by_lines {
            // A long line: sentences, then hard.
            let ends: Vec<usize> = sentence_ends(&text[a..b])
                .into_iter()
                .map(|x| a + x)
                .filter(|&x| x > a && x < b)
                .collect();
            if ends.is_empty() {
                out.extend(hard_split(bpe, text, a, b, budget));
            } else {
                let mut p = a;
                for c in ends.into_iter().chain(std::iter::once(b)) {
                    let (x, y) = trim(text, p, c);
                    p = c;
                    if x >= y {
                        continue;
                    }
                    if count_tokens(bpe, &text[x..y]) <= budget {
                        out.push((x, y));
                    } else {
                        out.extend(hard_split(bpe, text, x, y, budget));
                    }
                }
            }
        } else {
            out.extend(hard_split(bpe, text, a, b, budget));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Atoms and drafts

/// The smallest unit packed into chunks: a text range of the section, or one part of a
/// rendered table.
#[derive(Debug, Clone)]
struct Atom {
    /// Byte range in the section text (for a table part: the placeholder).
    start: usize,
    end: usize,
    heading: bool,
    table: Option<TablePart>,
}

#[derive(Debug, Clone)]
struct TablePart {
    text: String,
    part: usize,
    parts: usize,
}

/// A chunk being built.
#[derive(Debug, Clone, Default)]
struct Draft {
    atoms: Vec<Atom>,
    tokens: usize,
}

impl Draft {
    /// Whether every table in the draft is whole (not one part of a split table).
    fn whole_tables(&self) -> bool {
        self.atoms
            .iter()
            .filter_map(|a| a.table.as_ref())
            .all(|t| t.parts == 1)
    }
    fn all_headings(&self) -> bool {
        self.atoms.iter().all(|a| a.heading)
    }
    /// Whether text may be appended after this draft (its table, if any, is the last part).
    fn open_after(&self) -> bool {
        self.atoms
            .iter()
            .filter_map(|a| a.table.as_ref())
            .all(|t| t.part + 1 == t.parts)
    }
    /// Whether text may be put before this draft (its table, if any, is the first part).
    fn open_before(&self) -> bool {
        self.atoms
            .iter()
            .filter_map(|a| a.table.as_ref())
            .all(|t| t.part == 0)
    }
}

/// The text of a list of atoms: consecutive text atoms as their contiguous slice of the section
/// text, table parts as rendered, blocks joined by a blank line.
fn render(text: &str, atoms: &[Atom]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < atoms.len() {
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        if let Some(t) = &atoms[i].table {
            out.push_str(&t.text);
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < atoms.len() && atoms[j + 1].table.is_none() {
            j += 1;
        }
        out.push_str(&text[atoms[i].start..atoms[j].end]);
        i = j + 1;
    }
    out
}

/// Token counting of candidate chunks.
struct Counter<'a> {
    bpe: &'a Bpe,
    text: &'a str,
}

impl Counter<'_> {
    fn count(&self, atoms: &[Atom]) -> usize {
        count_tokens(self.bpe, &render(self.text, atoms))
    }
}

/// A table's atoms: the whole table when it fits, else parts of rows with the header repeated.
///
/// `first_budget` (at most `budget`) is the size the first part is packed to, leaving room for
/// a caption (a heading or lead-in just before the table) to be merged into it.
fn table_atoms(
    bpe: &Bpe,
    table: &Table,
    (start, end): (usize, usize),
    budget: usize,
    first_budget: usize,
) -> Vec<Atom> {
    let rt = render_table(table);
    let whole = rt.text();
    let mk = |texts: Vec<String>| -> Vec<Atom> {
        let parts = texts.len();
        texts
            .into_iter()
            .enumerate()
            .map(|(part, text)| Atom {
                start,
                end,
                heading: false,
                table: Some(TablePart { text, part, parts }),
            })
            .collect()
    };
    if whole.trim().is_empty() {
        return Vec::new();
    }
    if count_tokens(bpe, &whole) <= budget {
        return mk(vec![whole]);
    }
    // The header to repeat: all header rows, or the first one, or none if even that would take
    // more than half of every part.
    let mut used = rt.header.len();
    let mut header = rt.header.join("\n");
    if count_tokens(bpe, &header) > budget / 2 {
        used = 1.min(used);
        header = rt.header.first().cloned().unwrap_or_default();
        if count_tokens(bpe, &header) > budget / 2 {
            used = 0;
            header.clear();
        }
    }
    // Header rows not repeated become ordinary rows.
    let body: Vec<String> = rt.header[used..]
        .iter()
        .chain(rt.body.iter())
        .cloned()
        .collect();
    let with_header = |lines: &[String]| -> String {
        let mut all: Vec<&str> = Vec::new();
        if !header.is_empty() {
            all.push(&header);
        }
        all.extend(lines.iter().map(String::as_str));
        all.join("\n")
    };
    let header_tokens = if header.is_empty() {
        0
    } else {
        count_tokens(bpe, &header)
    };
    // Greedy packing of rows into parts. Counts are added up (plus a margin for the line
    // break) and only re-encoded near the limit; every part is checked exactly below.
    let mut parts: Vec<Vec<String>> = Vec::new();
    let mut cur: Vec<String> = Vec::new();
    let mut est = header_tokens;
    for line in body {
        let lt = count_tokens(bpe, &line);
        let limit = if parts.is_empty() {
            first_budget.min(budget)
        } else {
            budget
        };
        if !cur.is_empty() {
            if est + lt + 2 <= limit {
                cur.push(line);
                est += lt + 2;
                continue;
            }
            let mut cand = cur.clone();
            cand.push(line.clone());
            let exact = count_tokens(bpe, &with_header(&cand));
            if exact <= limit {
                cur = cand;
                est = exact;
                continue;
            }
            parts.push(std::mem::take(&mut cur));
        }
        if header_tokens + lt + 2 <= budget
            || count_tokens(bpe, &with_header(std::slice::from_ref(&line))) <= budget
        {
            est = header_tokens + lt + 2;
            cur.push(line);
            continue;
        }
        // One row too big for a part: hard-split it, each piece under the header.
        let mut room = budget.saturating_sub(header_tokens + 2).max(8);
        loop {
            let pieces: Vec<String> = hard_split(bpe, &line, 0, line.len(), room)
                .into_iter()
                .map(|(a, b)| line[a..b].to_string())
                .collect();
            if room <= 8
                || pieces
                    .iter()
                    .all(|p| count_tokens(bpe, &with_header(std::slice::from_ref(p))) <= budget)
            {
                parts.extend(pieces.into_iter().map(|p| vec![p]));
                break;
            }
            room -= 4.min(room - 8).max(1);
        }
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    // Exact check: a part over the limit hands its last rows on to a new part.
    let mut texts = Vec::new();
    let mut queue: std::collections::VecDeque<Vec<String>> = parts.into();
    while let Some(mut rows) = queue.pop_front() {
        let mut carry = Vec::new();
        loop {
            let t = with_header(&rows);
            if rows.len() <= 1 || count_tokens(bpe, &t) <= budget {
                texts.push(t);
                break;
            }
            carry.insert(0, rows.pop().expect("more than one row"));
        }
        if !carry.is_empty() {
            queue.push_front(carry);
        }
    }
    mk(texts)
}

/// Cuts one section's text into chunks.
fn chunk_section(
    bpe: &Bpe,
    text: &str,
    doc: &Document,
    doc_range: (usize, usize),
    budget: usize,
    min_tokens: usize,
) -> Vec<Draft> {
    let counter = Counter { bpe, text };
    let mut p = Packer {
        counter: &counter,
        budget,
        drafts: Vec::new(),
        cur: Draft::default(),
    };
    let els = elements(text, doc, doc_range);
    for (ei, el) in els.iter().enumerate() {
        // A short lead-in ending with a colon right before a table ("… as follows (in
        // millions):") belongs with the table: it is handled like a heading.
        let lead_in = el.kind == ElemKind::Paragraph
            && matches!(els.get(ei + 1).map(|n| n.kind), Some(ElemKind::Table(_)))
            && text[el.start..el.end].ends_with(':')
            && el.end - el.start <= 400;
        match el.kind {
            ElemKind::Table(ti) => {
                // Headings or a short text just before the table will be merged into its first
                // part (as its caption): leave room for them there, unless they would take more
                // than a quarter of it.
                let caption = if !p.cur.atoms.is_empty()
                    && (p.cur.all_headings() || p.cur.tokens < min_tokens)
                {
                    counter.count(&p.cur.atoms) + 2
                } else {
                    0
                };
                let first_budget = if caption <= budget / 4 {
                    budget - caption
                } else {
                    budget
                };
                let span = (el.start, el.end);
                let atoms = table_atoms(bpe, &doc.tables[ti], span, budget, first_budget);
                if let [a] = atoms.as_slice() {
                    if a.table.as_ref().is_some_and(|t| !t.text.contains('\n')) {
                        // A one-row table is layout (a bullet laid out in cells, a signature
                        // line): packed like a paragraph.
                        let n = counter.count(&atoms);
                        if !p.try_add(a, n) {
                            p.flush();
                            p.try_add(a, n);
                        }
                        continue;
                    }
                }
                p.flush();
                for a in atoms {
                    let tokens = counter.count(std::slice::from_ref(&a));
                    p.drafts.push(Draft {
                        atoms: vec![a],
                        tokens,
                    });
                }
            }
            ElemKind::Heading | ElemKind::Paragraph => {
                let heading = el.kind == ElemKind::Heading || lead_in;
                if heading && !p.cur.all_headings() {
                    p.flush();
                }
                let atom = Atom {
                    start: el.start,
                    end: el.end,
                    heading,
                    table: None,
                };
                let alone = count_tokens(bpe, &text[el.start..el.end]);
                if alone <= budget {
                    // Fits the current chunk, or else a chunk of its own: never split it.
                    if !p.try_add(&atom, alone) {
                        p.flush();
                        p.try_add(&atom, alone);
                    }
                    continue;
                }
                // Too big for any chunk: split it and keep filling the current chunk.
                for (a, b) in split_text(bpe, text, el.start, el.end, budget) {
                    let piece = Atom {
                        start: a,
                        end: b,
                        heading: false,
                        table: None,
                    };
                    let n = count_tokens(bpe, &text[a..b]);
                    if !p.try_add(&piece, n) {
                        p.flush();
                        p.try_add(&piece, n);
                    }
                }
            }
        }
    }
    p.flush();
    merge_small(&counter, p.drafts, budget, min_tokens)
}

/// Greedy packing of atoms into drafts. While a draft grows, its size is the sum of its
/// atoms' counts plus a margin per separator, re-encoded only near the limit; `flush` counts
/// the draft exactly and, should it be over the limit after all, moves its last atoms on to
/// a new draft.
struct Packer<'a> {
    counter: &'a Counter<'a>,
    budget: usize,
    drafts: Vec<Draft>,
    /// The draft being filled; `tokens` holds an upper estimate while it grows.
    cur: Draft,
}

impl Packer<'_> {
    /// Adds `atom` (of `n` tokens on its own) to the current draft if it fits (always when the
    /// draft is empty).
    fn try_add(&mut self, atom: &Atom, n: usize) -> bool {
        if self.cur.atoms.is_empty() {
            self.cur.atoms.push(atom.clone());
            self.cur.tokens = n;
            return true;
        }
        if self.cur.tokens + n + 2 <= self.budget {
            self.cur.atoms.push(atom.clone());
            self.cur.tokens += n + 2;
            return true;
        }
        let mut cand = self.cur.atoms.clone();
        cand.push(atom.clone());
        let exact = self.counter.count(&cand);
        if exact <= self.budget {
            self.cur.atoms = cand;
            self.cur.tokens = exact;
            return true;
        }
        false
    }

    fn flush(&mut self) {
        let mut atoms = std::mem::take(&mut self.cur.atoms);
        while !atoms.is_empty() {
            let mut carry = Vec::new();
            let mut tokens = self.counter.count(&atoms);
            while tokens > self.budget && atoms.len() > 1 {
                carry.insert(0, atoms.pop().expect("more than one atom"));
                tokens = self.counter.count(&atoms);
            }
            self.drafts.push(Draft { atoms, tokens });
            atoms = carry;
        }
        self.cur = Draft::default();
    }
}

/// Merges text drafts under `min_tokens` into a neighbour that has room, until nothing
/// changes.
fn merge_small(counter: &Counter, mut drafts: Vec<Draft>, budget: usize, min: usize) -> Vec<Draft> {
    // First, a draft of nothing but headings (or a table's lead-in) joins what follows it.
    let mut i = 0;
    while i + 1 < drafts.len() {
        if drafts[i].all_headings()
            && drafts[i + 1].open_before()
            && drafts[i].tokens + drafts[i + 1].tokens <= budget
        {
            let mut atoms = drafts[i].atoms.clone();
            atoms.extend(drafts[i + 1].atoms.iter().cloned());
            let tokens = counter.count(&atoms);
            if tokens <= budget {
                drafts[i] = Draft { atoms, tokens };
                drafts.remove(i + 1);
                continue;
            }
        }
        i += 1;
    }
    loop {
        let mut changed = false;
        let mut i = 0;
        while i < drafts.len() && drafts.len() > 1 {
            let d = &drafts[i];
            if d.tokens >= min || !d.whole_tables() {
                i += 1;
                continue;
            }
            // (neighbour index, merged atoms, merged tokens, neighbour tokens)
            let mut options: Vec<(usize, Vec<Atom>, usize, usize)> = Vec::new();
            if i > 0 && drafts[i - 1].open_after() && d.tokens + drafts[i - 1].tokens <= budget {
                let mut atoms = drafts[i - 1].atoms.clone();
                atoms.extend(d.atoms.iter().cloned());
                let t = counter.count(&atoms);
                if t <= budget {
                    options.push((i - 1, atoms, t, drafts[i - 1].tokens));
                }
            }
            if i + 1 < drafts.len()
                && drafts[i + 1].open_before()
                && d.tokens + drafts[i + 1].tokens <= budget
            {
                let mut atoms = d.atoms.clone();
                atoms.extend(drafts[i + 1].atoms.iter().cloned());
                let t = counter.count(&atoms);
                if t <= budget {
                    options.push((i + 1, atoms, t, drafts[i + 1].tokens));
                }
            }
            // A heading, or text right before a table (a caption), goes with what follows;
            // text right after a table (a note) with the table; else the smaller neighbour.
            let ends_with_heading = d.atoms.last().is_some_and(|a| a.heading);
            let table_next = drafts
                .get(i + 1)
                .and_then(|n| n.atoms.first())
                .is_some_and(|a| a.table.is_some());
            let table_before = i > 0
                && drafts[i - 1]
                    .atoms
                    .last()
                    .is_some_and(|a| a.table.is_some());
            let choice = if options.len() == 2 {
                let next_first = ends_with_heading
                    || table_next
                    || (!table_before && options[1].3 < options[0].3);
                if next_first {
                    options.pop()
                } else {
                    options.into_iter().next()
                }
            } else {
                options.pop()
            };
            match choice {
                Some((j, atoms, tokens, _)) => {
                    let lo = i.min(j);
                    drafts[lo] = Draft { atoms, tokens };
                    drafts.remove(lo + 1);
                    changed = true;
                    i = lo;
                }
                None => i += 1,
            }
        }
        if !changed {
            return drafts;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rows

/// Turns the `sections` rows of one filing into `chunks` rows.
pub fn chunk_sections(
    filing: &FilingMeta,
    doc: &Document,
    sections: &TableRows,
    cfg: &Config,
) -> Result<TableRows, String> {
    let bpe = bpe(&cfg.tokenizer)?;
    let mut rows: Vec<&[Value]> = sections.rows.iter().map(|r| r.as_slice()).collect();
    // Deterministic order whatever order the host hands rows in: document order, then type.
    let key = |r: &[Value]| {
        (
            sections
                .get(r, "section_index")
                .as_i64()
                .unwrap_or(i64::MAX),
            sections
                .get(r, "section_type")
                .as_str()
                .unwrap_or("")
                .to_string(),
        )
    };
    rows.sort_by_key(|a| key(a));
    let dtext = doc.text.as_str();
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
        if text.trim().is_empty() {
            continue;
        }
        let prefix = context_prefix(filing, sections.get(row, "title").as_str(), section_type);
        // The section's range in the document, to find its blocks (whole document if absent).
        let doc_range = match (
            sections.get(row, "char_start").as_i64(),
            sections.get(row, "char_end").as_i64(),
        ) {
            (Some(s), Some(e)) if s >= 0 && e >= s => {
                let bs = byte_of_char(dtext, s as usize);
                (bs, bs + byte_of_char(&dtext[bs..], (e - s) as usize))
            }
            _ => (0, dtext.len()),
        };
        let (budget, prefix_tokens) = if cfg.count_prefix_tokens {
            let p = count_tokens(bpe, &format!("{prefix}\n\n"));
            if p + 16 > cfg.max_tokens {
                return Err(format!(
                    "chunker: the context prefix of {section_id} takes {p} tokens, too many for \
                     max_tokens {} with count_prefix_tokens",
                    cfg.max_tokens
                ));
            }
            (cfg.max_tokens - p, true)
        } else {
            (cfg.max_tokens, false)
        };
        let drafts = chunk_section(bpe, text, doc, doc_range, budget, cfg.min_tokens);
        let cix = CharIndex::new(text);
        for (i, d) in drafts.iter().enumerate() {
            let body = render(text, &d.atoms);
            let mut token_count = d.tokens;
            if prefix_tokens {
                token_count = count_tokens(bpe, &format!("{prefix}\n\n{body}"));
            }
            if token_count > cfg.max_tokens {
                return Err(format!(
                    "chunker: internal error: chunk {i} of {section_id} has {token_count} tokens"
                ));
            }
            let start = d.atoms.first().map_or(0, |a| a.start);
            let end = d.atoms.last().map_or(0, |a| a.end);
            let hash = blake3::hash(body.as_bytes()).to_hex().to_string();
            out.push([
                format!("{accession}/chunk/{section_type}/{i}").into(),
                accession.into(),
                section_id.into(),
                section_type.into(),
                i.into(),
                body.into(),
                token_count.into(),
                cix.chars(text, start).into(),
                cix.chars(text, end).into(),
                NAME.into(),
                VERSION.into(),
                cfg.tokenizer.as_str().into(),
                hash.into(),
                prefix.as_str().into(),
            ])?;
        }
    }
    Ok(out.finish())
}

#[cfg(test)]
mod tests;

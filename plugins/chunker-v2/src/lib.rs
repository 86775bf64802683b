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
//!
//! # Code layout
//!
//! One module per step: `elements` (1), `pack` and `split` (2), `tables` (3), `merge` (4);
//! `rows` turns the chunks of each section into the table's rows (the columns above) and
//! `config` checks the stage's config. This file is the plugin glue.

mod config;
mod elements;
mod merge;
mod pack;
mod rows;
mod split;
mod tables;

use finloom_plugin_api::{Document, FilingMeta, Manifest, Plugin, TableRows, INTERFACE_VERSION};
use finloom_plugin_kit::Bpe;

pub use config::Config;
pub use rows::{chunk_sections, context_prefix};
pub use split::sentence_ends;
pub use tables::{render_table, RenderedTable};

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

#[cfg(test)]
mod tests;

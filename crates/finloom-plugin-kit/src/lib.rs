//! What finloom's plugins share.
//!
//! A plugin is one folder under `plugins/`; code that more than one of them needs lives here
//! and is linked statically into each (this crate never crosses the plugin boundary, so it
//! has no ABI to keep stable).
//!
//! * [`tokenizer`]: exact BPE token counts and token boundaries for `cl100k_base` and
//!   `o200k_base`, several times faster than `tiktoken-rs` on filing text, with the same
//!   tokens.
//! * [`chunks`]: the `chunks` table every chunker version writes, declared once.
//! * [`config`]: a stage's config table parsed and checked key by key, with errors that name
//!   the key (the host turns them into `pipeline.toml` lines).
//! * [`text`]: table ids and `[TABLE id]` markers, the ALL-CAPS rules, page-furniture lines,
//!   white space folded.
//! * `testing` (cargo feature `testing`, for plugins' `[dev-dependencies]`): fixture builders
//!   for plugin tests — load a sample filing or parse an HTML string with finloom's reader,
//!   build a document block by block, run a plugin in-process with the host's checks on its
//!   rows, read rows by column name.

pub mod chunks;
pub mod config;
#[cfg(feature = "testing")]
pub mod testing;
pub mod text;
pub mod tokenizer;

pub use tokenizer::Bpe;

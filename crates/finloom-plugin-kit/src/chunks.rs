//! The `chunks` table, as every chunker version writes it. One declaration for all of them:
//! `chunker@1` and `chunker@2` are swappable in `pipeline.toml` (re-running replaces only the
//! chunks, and switching back restores the old ones byte for byte) because their table is the
//! same, column for column, type for type, key for key.

use finloom_plugin_api::schema::{ColumnSpec as C, TableSchema};

/// `id` embeds (accession, section_type, chunk_index), so it is unique exactly when that
/// triple (the key) is. `context_prefix` is NULL for chunkers that do not make one.
pub const SCHEMA: TableSchema<14> = TableSchema::new(
    "chunks",
    [
        C::text("id"),
        C::text("accession_number"),
        C::text("section_id").references("sections.id"),
        C::text("section_type"),
        C::bigint("chunk_index"),
        C::text("text"),
        C::bigint("token_count"),
        C::bigint("char_start"),
        C::bigint("char_end"),
        C::text("chunker_name"),
        C::text("chunker_version"),
        C::text("tokenizer"),
        C::text("content_hash"),
        C::text("context_prefix").nullable(),
    ],
    &["accession_number", "section_type", "chunk_index"],
);

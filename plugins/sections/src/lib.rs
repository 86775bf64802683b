//! `sections` plugin: splits a 10-K, 10-Q or 8-K into its items ("Item 1A. Risk Factors",
//! "Part II, Item 2", "Item 2.02 Results of Operations…").
//!
//! # How it works, and why
//!
//! The parsed [`Document`] gives blocks in reading order with style hints. Item headings are
//! not marked up in any reliable way across three decades of EDGAR (bold `<p>`, `<h2>`, a
//! one-row layout table, an all-caps line in a 1995 plain-text file…), so the plugin works in
//! four steps, each a general rule rather than something tuned to one filer:
//!
//! 1. **Units.** Every block becomes a unit; blocks that keep line breaks (preformatted or
//!    plain-text filings) are split into lines, because in a 1990s `.txt` filing an item
//!    heading is just a line inside a big preformatted block. Page furniture (bare page
//!    numbers, `F-12`, `Page 3`, "Table of Contents" back-links, short lines repeated on every
//!    page such as `Apple Inc. | 2024 Form 10-K | 12`) is flagged and later left out.
//! 2. **Candidates.** A unit is a heading candidate when it *starts* with
//!    `[PART II —] ITEM[S] [NO.] 7A` and looks like a heading: short, or styled (bold, all caps,
//!    centred, `<hN>`), or at least followed by a separator and a capitalised title. Text such
//!    as "Item 7 of this report" or a mid-sentence "see Item 7" never qualifies. A heading
//!    split over two blocks ("ITEM 7." / "MANAGEMENT'S DISCUSSION…") is joined for the title.
//!    Tables whose rows are mostly item names (a table of contents) are ignored entirely.
//! 3. **Choosing the body headings.** The table of contents and the body both list the items
//!    in increasing order. Each candidate gets a weight from its heading-likeness and from
//!    how much text follows it before the next candidate (a ToC entry is followed at once by
//!    the next entry; a real heading by its section). The chosen headings are the
//!    maximum-weight chain whose item order strictly increases (a small dynamic programme),
//!    which skips the ToC, stray cross-references and repeated running heads, and keeps each
//!    section type at most once.
//!    A 10-K or 10-Q organised by a **cross-reference index** (a table mapping each item to
//!    captions and page numbers, with no "Item" headings in the body) is recognised when such
//!    a table lists its items in order and the headings found cover fewer than half of them:
//!    each item is then located by its caption printed as a heading in the body, else by the
//!    first page of its page range (page numbers read from the page furniture), and stops at
//!    the next located item or at the index (method `cross_reference_index`).
//! 4. **Sections.** A section runs from its heading to the next chosen heading (a `PART`
//!    heading right before it is left out; the last section stops at `SIGNATURES`). Its text
//!    is the clean plain text without the heading, tables replaced by `[TABLE <table id>]` (a
//!    one-row or one-column layout table — a bullet in cells, a boxed paragraph — is inlined as
//!    text instead, since it gets no cells).
//!
//! Offsets stored are *character* offsets into `Document::text` (see
//! [`finloom_plugin_api::util::CharIndex`]).
//!
//! # Code layout
//!
//! `src/extract/` holds the method, one module per step: `units` (step 1, with the page
//! furniture and the page numbers it prints), `candidates` (step 2), `chain`,
//! `cross_reference` and `unnumbered` (step 3), `body` and `combined` (step 4), and
//! `numbering` for the forms' items and their order. `extract/mod.rs` runs them in order
//! ([`extract_sections`]) and declares the table, the config and the manifest; this file is
//! only the plugin glue. The chunkers' tests compile `src/extract/` into their own binaries
//! (see `extract/mod.rs`), so nothing there names `crate::`.

mod extract;

pub use extract::*;

use finloom_plugin_api::{Document, FilingMeta, Manifest, Plugin, TableRows};

/// The plugin type exported to the host.
pub struct Sections;

impl Plugin for Sections {
    fn manifest() -> Manifest {
        manifest()
    }

    fn check_config(config_json: &str) -> Result<(), String> {
        extract::parse_config(config_json).map(|_| ())
    }

    fn extract(
        filing: &FilingMeta,
        doc: &Document,
        _inputs: &[TableRows],
        config_json: &str,
    ) -> Result<Vec<TableRows>, String> {
        Ok(vec![extract_table(filing, doc, config_json)?])
    }
}

finloom_plugin_api::export_plugin!(Sections);

#[cfg(test)]
mod tests;

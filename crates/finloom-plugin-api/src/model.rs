//! The document model: one parse of a filing's primary document, shared by every plugin.
//!
//! Offsets (`start`, `end`) are **byte** offsets into [`Document::text`], always on UTF-8
//! character boundaries. Plugins that store offsets in the database convert them to character
//! offsets with [`crate::util::CharIndex`] so that SQL `substr` and Python slicing agree.
//!
//! `text` is the normalised plain text of the whole document: one block per line group,
//! blocks separated by a blank line (`"\n\n"`), runs of white space inside a block folded to one
//! space (except in preformatted blocks, whose lines are kept), non-breaking spaces turned into
//! spaces, hidden content (inline-XBRL `ix:header`, `display:none`) left out. A table's text is
//! its rows, one per line, cells separated by `" | "`.

use abi_stable::{
    std_types::{RString, RVec},
    StableAbi,
};

/// What the primary document was written in.
#[repr(u8)]
#[derive(StableAbi, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DocFormat {
    #[default]
    Html,
    /// Plain text (1990s filings, `.txt` primary documents).
    Text,
}

#[repr(u8)]
#[derive(StableAbi, Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockKind {
    /// A paragraph-like run of text (an HTML block element, or lines separated by blank
    /// lines in plain text).
    Paragraph,
    /// A table; `Block::table` indexes [`Document::tables`].
    Table,
    /// Preformatted text (`<PRE>` or a plain-text document); line breaks are kept.
    Preformatted,
}

/// Style hints that heading detection needs. Booleans mean "all of the block's visible
/// text has this style".
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug, PartialEq, Default)]
pub struct Style {
    pub bold: bool,
    pub italic: bool,
    pub underline: bool,
    pub centered: bool,
    /// Every cased letter is upper case (and there is at least one).
    pub all_caps: bool,
    /// Font size in points where stated (`font-size: 10pt`, `<font size=4>` mapped to pt),
    /// else 0.
    pub font_size: f32,
    /// `<h1>`…`<h6>` level, else 0.
    pub heading_level: u8,
    /// A page break (CSS `page-break-before/after`, `<hr>` used as page rule, form feed,
    /// `<PAGE>`) comes immediately before this block.
    pub page_break_before: bool,
}

#[repr(C)]
#[derive(StableAbi, Clone, Debug, PartialEq)]
pub struct Block {
    pub kind: BlockKind,
    pub start: u32,
    pub end: u32,
    pub style: Style,
    /// Index into [`Document::tables`] for `BlockKind::Table`, else -1.
    pub table: i32,
}

/// An inline-XBRL fact found in the document.
#[repr(C)]
#[derive(StableAbi, Clone, Debug, PartialEq, Default)]
pub struct IxFact {
    /// Concept name, e.g. `us-gaap:Revenues`.
    pub name: RString,
    pub context_ref: RString,
    pub unit_ref: RString,
    /// `scale` attribute (power of ten), 0 when absent.
    pub scale: i32,
    /// `decimals` attribute as written (`-6`, `INF`), empty when absent.
    pub decimals: RString,
    /// `sign="-"`.
    pub negative: bool,
    /// `format` attribute, e.g. `ixt:num-dot-decimal`.
    pub format: RString,
    /// The displayed text of the fact.
    pub display: RString,
    /// `true` for `ix:nonFraction`, `false` for `ix:nonNumeric`.
    pub numeric: bool,
    /// Byte span of the fact's displayed text in [`Document::text`].
    pub start: u32,
    pub end: u32,
}

#[repr(C)]
#[derive(StableAbi, Clone, Debug, PartialEq)]
pub struct Cell {
    /// Normalised cell text.
    pub text: RString,
    pub colspan: u32,
    pub rowspan: u32,
    /// `<th>`, or a cell of a row the source marks as header.
    pub header: bool,
    pub bold: bool,
    /// 0 unknown, 1 left, 2 center, 3 right.
    pub align: u8,
    /// Indexes into [`Document::facts`] of the numeric facts inside this cell.
    pub facts: RVec<u32>,
}

#[repr(C)]
#[derive(StableAbi, Clone, Debug, PartialEq)]
pub struct Row {
    pub cells: RVec<Cell>,
}

#[repr(C)]
#[derive(StableAbi, Clone, Debug, PartialEq)]
pub struct Table {
    /// Index of the table's block in [`Document::blocks`].
    pub block: u32,
    pub rows: RVec<Row>,
}

/// The parsed primary document.
#[repr(C)]
#[derive(StableAbi, Clone, Debug, PartialEq, Default)]
pub struct Document {
    pub format: DocFormat,
    /// The normalised text (see the module docs).
    pub text: RString,
    /// Blocks in reading order.
    pub blocks: RVec<Block>,
    pub tables: RVec<Table>,
    /// Inline-XBRL facts (numeric and text-block), in document order. Empty for non-iXBRL.
    pub facts: RVec<IxFact>,
    /// The raw primary document as decoded text (HTML or plain text), for the rare plugin
    /// that needs it. Plugins should work on the model instead of re-parsing this.
    pub raw: RString,
}

impl Document {
    /// The text of a block.
    pub fn block_text(&self, b: &Block) -> &str {
        &self.text[b.start as usize..b.end as usize]
    }
}

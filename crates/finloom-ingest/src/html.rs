//! HTML (and inline-XBRL XHTML) primary documents → [`Document`].
//!
//! Why it is built this way:
//!
//! * **One parse, one walk.** The document is parsed once with html5ever's tree builder (the
//!   browser algorithm — filings are full of unclosed `<P>`, `<FONT>` and stray end tags, and
//!   only the HTML5 error-recovery rules reproduce what a reader saw) into the small tree of
//!   `dom.rs`, fed by the fast tokenizer of `tokenize.rs` (html5ever's own tokenizer for the
//!   rare document it refuses).
//!   The tree is then walked once, **iteratively** (first-child / next-sibling / parent links,
//!   no recursion), so depth is bounded only by memory. Excessive nesting is capped before
//!   parsing (see `depth.rs`) because html5ever is quadratic on deep block nesting; the tree
//!   is a flat arena (`ego_tree`), so dropping it cannot overflow the stack either.
//! * **Text is written once, directly into `Document::text`.** Block elements only *cut* the
//!   running text into blocks (flush on open and close), so nested blocks never duplicate text:
//!   `<div>A<p>B</p>C</div>` gives the blocks `A`, `B`, `C`. Block separators are written lazily
//!   when the next block's first character arrives, so empty blocks never leave a trace, and
//!   inline-XBRL fact spans can be recorded as plain byte offsets while walking.
//! * **`<br>` ends a block** outside tables: the model keeps line breaks only in preformatted
//!   blocks, and filings use `<br>` for hard lines (cover-page lines, `Item 2.02 …<br>text`),
//!   which heading detection needs as separate blocks. Inside a table cell it is a space.
//! * **Tables** are written as rows (one per line) of cells joined by `" | "`, exactly the
//!   `Table::rows` structure: row *i* of `Table::rows` is line *i* of the table's text and
//!   cell *j* its *j*-th field. Rows whose cells are all empty (spacer rows) are dropped from
//!   both. Empty cells are kept so that column positions and colspans stay meaningful.
//!   A table with at most one cell is page layout, not data (some filings wrap whole pages in
//!   one), so its content is treated as ordinary blocks. Tables nested inside a cell are
//!   flattened into that cell's text.
//! * **Style hints** are inherited down the tree in a stack of small `Copy` contexts, and a
//!   block's boolean hints are "all of its visible text has this style", accumulated per text
//!   node. `font_size` is the size covering most of the block's characters.
//! * **Hidden content** (`<head>`, `<script>`, `<style>`, `<ix:header>`, `display:none`) is
//!   skipped as a whole subtree. The `dei:` facts inside it are still collected (for filing
//!   metadata), but hidden facts are not put in `Document::facts`, whose spans must point into
//!   the visible text.
//! * **Invisible text** — white text on no background or a white one, as Workiva's tables carry
//!   ("4" in the top-left cell of a statement, `color:#ffffff`) — is not read either: a reader
//!   never saw it, and a stray number ahead of a table's header made the header look like
//!   data. Only the text goes (cells and blocks stay, so columns keep their positions), and
//!   not inside an inline-XBRL fact's value, whose text the facts need (a block tagged whole
//!   as a TextBlock, `escape="true"`, is not a value: the notes' tables sit inside those).
//!   Backgrounds are known only from `style` and `bgcolor` attributes, so a document whose
//!   style sheet (`<style>`) sets backgrounds keeps all its text: white on a dark fill set by
//!   a class would look the same.

use std::borrow::Cow;

use crate::dom::{self, Dom, Element, Node};
use ego_tree::NodeRef;
use finloom_plugin_api::{Block, BlockKind, Cell, DocFormat, Document, IxFact, Row, Style, Table};

use crate::depth;
use crate::text::push_plain_blocks;

/// Result of parsing an HTML document, with what metadata extraction needs.
pub(crate) struct HtmlParse {
    pub doc: Document,
    /// `dei:*` facts (hidden and visible) as `(name, displayed text)`, document order.
    pub dei: Vec<(String, String)>,
    /// Tags removed by the nesting cap.
    pub removed_tags: usize,
    /// Whether the document contains inline XBRL.
    #[allow(dead_code)]
    pub inline_xbrl: bool,
}

/// Parses an HTML document into the model.
pub fn parse_html(html: &str) -> Document {
    parse_html_full(html).doc
}

pub(crate) fn parse_html_full(html: &str) -> HtmlParse {
    let (capped, removed_tags) = depth::cap_depth(html);
    // The fast tokenizer handles what filings are made of; anything else (scripts, CDATA,
    // unusual DOCTYPEs) is parsed by html5ever's own tokenizer (see `tokenize.rs`).
    let dom = match crate::tokenize::parse_document(&capped) {
        Ok(d) => d,
        Err(_) => dom::parse_document(&capped),
    };
    drop(capped_owned(capped));
    let mut w = Walker::new(html.len(), !style_sheet_sets_background(&dom));
    w.walk(&dom);
    let inline_xbrl = w.inline_xbrl;
    let dei = std::mem::take(&mut w.dei);
    let mut doc = w.finish();
    doc.raw = html.into();
    // Free the DOM explicitly here (flat Vec: no recursion on drop).
    drop(dom);
    HtmlParse {
        doc,
        dei,
        removed_tags,
        inline_xbrl,
    }
}

fn capped_owned(c: Cow<'_, str>) -> Option<String> {
    match c {
        Cow::Owned(s) => Some(s),
        Cow::Borrowed(_) => None,
    }
}

/// Every cased letter is upper case, and there is at least one letter.
pub(crate) fn all_caps(s: &str) -> bool {
    let mut any = false;
    for c in s.chars() {
        if c.is_lowercase() {
            return false;
        }
        if c.is_uppercase() {
            any = true;
        }
    }
    any
}

/// Inherited style context of an element.
#[derive(Clone, Copy, Debug)]
struct Ctx {
    bold: bool,
    italic: bool,
    underline: bool,
    /// 0 unknown, 1 left, 2 center, 3 right.
    align: u8,
    font_size: f32,
    heading: u8,
    thead: bool,
    /// The text colour is white.
    white: bool,
    /// The nearest background set on the element or an ancestor: 0 none, 1 white, 2 another
    /// colour (or an image).
    background: u8,
}

impl Ctx {
    /// White text on white (or on no background: the page is white).
    fn invisible(&self) -> bool {
        self.white && self.background != 2
    }
}

impl Default for Ctx {
    fn default() -> Self {
        Ctx {
            bold: false,
            italic: false,
            underline: false,
            align: 0,
            font_size: 0.0,
            heading: 0,
            thead: false,
            white: false,
            background: 0,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TableKind {
    /// ≤ 1 cell: layout, content flows as blocks.
    Layout,
    /// The outermost data table: builds a `Table`.
    Outer,
    /// A data table inside a cell of the outer one: flattened into the cell.
    Nested,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    None,
    /// Flushes the running paragraph on open and close.
    Block,
    Table(TableKind),
    Row,
    Cell,
    /// A `<caption>` of the outer table: a one-cell row.
    Caption,
    /// A space separator inside a cell (block element, nested row/cell, `<br>`).
    Space,
    Fact(usize),
    Pre,
}

struct Frame {
    ctx: Ctx,
    role: Role,
    page_after: bool,
    /// An inline element with space on its right (`padding-right`, `margin-right`): what
    /// follows it is a new word.
    gap_after: bool,
}

/// Style accumulated over a block (or a table).
#[derive(Default)]
struct StyleAcc {
    any: bool,
    bold: bool,
    italic: bool,
    underline: bool,
    centered: bool,
    heading: u8,
    sizes: Vec<(f32, usize)>,
}

impl StyleAcc {
    fn note(&mut self, ctx: &Ctx, chars: usize) {
        if !self.any {
            self.any = true;
            self.bold = ctx.bold;
            self.italic = ctx.italic;
            self.underline = ctx.underline;
            self.centered = ctx.align == 2;
            self.heading = ctx.heading;
        } else {
            self.bold &= ctx.bold;
            self.italic &= ctx.italic;
            self.underline &= ctx.underline;
            self.centered &= ctx.align == 2;
            if self.heading == 0 {
                self.heading = ctx.heading;
            }
        }
        if ctx.font_size > 0.0 {
            match self.sizes.iter_mut().find(|(s, _)| *s == ctx.font_size) {
                Some(e) => e.1 += chars,
                None => self.sizes.push((ctx.font_size, chars)),
            }
        }
    }

    fn style(&self, text: &str, page_break_before: bool) -> Style {
        let font_size = self
            .sizes
            .iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.total_cmp(&a.0)))
            .map(|e| e.0)
            .unwrap_or(0.0);
        Style {
            bold: self.any && self.bold,
            italic: self.any && self.italic,
            underline: self.any && self.underline,
            centered: self.any && self.centered,
            all_caps: all_caps(text),
            font_size,
            heading_level: self.heading,
            page_break_before,
        }
    }

    fn reset(&mut self) {
        self.any = false;
        self.heading = 0;
        self.sizes.clear();
    }
}

struct CellAcc {
    id: u64,
    start: usize,
    has_text: bool,
    bold: bool,
    any: bool,
    attr_align: u8,
    first_align: u8,
    colspan: u32,
    rowspan: u32,
    header: bool,
    facts: Vec<u32>,
}

struct RowAcc {
    mark: usize,
    cells: Vec<Cell>,
}

struct TableAcc {
    mark: usize,
    start: usize,
    page_break: bool,
    rows: Vec<Row>,
    /// One past the last row a kept cell's rowspan reaches (an upper bound).
    span_reach: usize,
    row: Option<RowAcc>,
    cell: Option<CellAcc>,
    style: StyleAcc,
}

struct OpenFact {
    index: usize,
    start: Option<usize>,
    cell: Option<u64>,
    /// Its text is the fact's value (a number, a date, a name), not a block of the document
    /// tagged whole (`escape="true"`: a note or a table as a TextBlock).
    value: bool,
}

struct Walker {
    text: String,
    blocks: Vec<Block>,
    tables: Vec<Table>,
    facts: Vec<IxFact>,
    open_facts: Vec<OpenFact>,
    awaiting_start: usize,
    frames: Vec<Frame>,
    table_kinds: Vec<TableKind>,
    /// Data tables open (outer + nested).
    real_depth: usize,
    para_start: Option<usize>,
    para_page_break: bool,
    para_style: StyleAcc,
    pending_space: bool,
    /// A word boundary made by layout (padding, margin, a footnote mark), not by a space in
    /// the text: it separates words, but not a word from the punctuation after it.
    pending_gap: bool,
    pending_page_break: bool,
    table: Option<TableAcc>,
    cell_counter: u64,
    pre_depth: usize,
    pre_buf: String,
    dei: Vec<(String, String)>,
    inline_xbrl: bool,
    /// Whether colours decide what is visible (see the module notes): no style sheet sets a
    /// background.
    colours: bool,
}

/// Nodes are visited in document order; `open` returns whether to descend.
impl Walker {
    fn new(cap: usize, colours: bool) -> Self {
        Walker {
            text: String::with_capacity(cap / 4),
            blocks: Vec::new(),
            tables: Vec::new(),
            facts: Vec::new(),
            open_facts: Vec::new(),
            awaiting_start: 0,
            frames: Vec::with_capacity(64),
            table_kinds: Vec::new(),
            real_depth: 0,
            para_start: None,
            para_page_break: false,
            para_style: StyleAcc::default(),
            pending_space: false,
            pending_gap: false,
            pending_page_break: false,
            table: None,
            cell_counter: 0,
            pre_depth: 0,
            pre_buf: String::new(),
            dei: Vec::new(),
            inline_xbrl: false,
            colours,
        }
    }

    fn walk(&mut self, dom: &Dom) {
        let root = dom.tree.root();
        let Some(mut node) = root.first_child() else {
            return;
        };
        'outer: loop {
            if self.open(node) {
                if let Some(child) = node.first_child() {
                    node = child;
                    continue;
                }
                self.close();
            }
            loop {
                if let Some(sib) = node.next_sibling() {
                    node = sib;
                    continue 'outer;
                }
                match node.parent() {
                    Some(p) if p.id() != root.id() => {
                        node = p;
                        self.close();
                    }
                    _ => break 'outer,
                }
            }
        }
        // Close whatever is still open (cannot happen with a well-formed tree, but be safe).
        while !self.frames.is_empty() {
            self.close();
        }
        self.flush_para();
    }

    fn ctx(&self) -> Ctx {
        self.frames.last().map(|f| f.ctx).unwrap_or_default()
    }

    fn open(&mut self, node: NodeRef<'_, Node>) -> bool {
        match node.value() {
            Node::Text(t) => {
                self.text_node(t);
                false
            }
            Node::Comment(c) => {
                if c.trim().eq_ignore_ascii_case("PAGEBREAK") {
                    self.page_break_here();
                }
                false
            }
            Node::Element(el) => self.open_element(node, el),
            _ => false,
        }
    }

    fn page_break_here(&mut self) {
        if self.pre_depth > 0 {
            self.pre_buf.push('\x0c');
        } else if self.real_depth == 0 {
            self.flush_para();
            self.pending_page_break = true;
        }
    }

    fn open_element(&mut self, node: NodeRef<'_, Node>, el: &Element) -> bool {
        let name = el.name();
        if matches!(
            name,
            "head" | "script" | "style" | "title" | "template" | "noscript" | "ix:header" | "xml"
        ) {
            self.collect_hidden_dei(node);
            return false;
        }
        let parent = self.ctx();
        let mut ctx = parent;
        let mut page_before = false;
        let mut page_after = false;
        let mut gap = (false, false);
        let mut align_attr: Option<u8> = None;
        let mut colspan = 1u32;
        let mut rowspan = 1u32;
        let mut font_size_attr: Option<&str> = None;
        let mut style_attr: Option<&str> = None;
        for (k, v) in el.attrs() {
            match k {
                "style" => style_attr = Some(v),
                "bgcolor" => {
                    if let Some(b) = background_kind(v) {
                        ctx.background = b;
                    }
                }
                "color" if name == "font" => {
                    if let Some(w) = colour_is_white(v) {
                        ctx.white = w;
                    }
                }
                "align" => align_attr = parse_align(v),
                "colspan" => colspan = parse_span(v),
                "rowspan" => rowspan = parse_span(v),
                "size" => font_size_attr = Some(v),
                _ => {}
            }
        }
        // Element semantics first, then presentational attributes, then CSS (which wins).
        match name {
            "b" | "strong" => ctx.bold = true,
            "i" | "em" | "cite" | "dfn" | "var" => ctx.italic = true,
            "u" | "ins" => ctx.underline = true,
            "center" => ctx.align = 2,
            "th" => ctx.bold = true,
            "thead" => ctx.thead = true,
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                ctx.bold = true;
                ctx.heading = name.as_bytes()[1] - b'0';
            }
            "font" => {
                if let Some(s) = font_size_attr {
                    if let Some(pt) = font_size_from_attr(s) {
                        ctx.font_size = pt;
                    }
                }
            }
            _ => {}
        }
        if let Some(a) = align_attr {
            if !matches!(name, "table" | "img" | "hr" | "caption") {
                ctx.align = a;
            }
        }
        if let Some(style) = style_attr {
            let css = parse_css(style, parent.font_size);
            if css.hidden {
                self.collect_hidden_dei(node);
                return false;
            }
            if let Some(b) = css.bold {
                ctx.bold = b;
            }
            if let Some(i) = css.italic {
                ctx.italic = i;
            }
            if let Some(u) = css.underline {
                ctx.underline = u;
            }
            if let Some(a) = css.align {
                if name != "table" {
                    ctx.align = a;
                }
            }
            if let Some(s) = css.font_size {
                ctx.font_size = s;
            }
            if let Some(w) = css.white {
                ctx.white = w;
            }
            if let Some(b) = css.background {
                ctx.background = b;
            }
            page_before = css.page_before;
            page_after = css.page_after;
            gap = (css.gap_left, css.gap_right);
        }

        // A footnote reference set as a superscript is a word of its own ("Cement<sup>3</sup>",
        // "assets<sup>(a)</sup>"); an ordinal's ("1<sup>st</sup>") or a trademark's is not.
        if name == "sup" && is_reference_mark(node) {
            gap = (true, true);
        }
        let role = self.role_for(name, node);
        if page_before && self.pre_depth == 0 && self.real_depth == 0 {
            self.flush_para();
            self.pending_page_break = true;
        }
        self.frames.push(Frame {
            ctx,
            role,
            page_after,
            gap_after: role == Role::None && gap.1,
        });
        match role {
            // Words set apart by padding or margin instead of a space — Workiva's "<span>Item
            // 1.</span><span style='padding-left:4.35pt'>Business</span>", a bullet and its
            // text — are separate words: "Item 1. Business", not "Item 1.Business".
            Role::None if gap.0 => self.pending_gap = true,
            Role::None => {}
            Role::Block => self.flush_para(),
            Role::Space => self.pending_space = true,
            Role::Pre => {
                if self.pre_depth == 0 {
                    self.flush_para();
                    self.pre_buf.clear();
                }
                self.pre_depth += 1;
            }
            Role::Table(kind) => self.open_table(kind),
            Role::Row => self.open_row(),
            Role::Cell => self.open_cell(ctx, align_attr, colspan, rowspan, name == "th"),
            Role::Caption => {
                self.open_row();
                self.open_cell(ctx, align_attr, 1, 1, true);
            }
            Role::Fact(_) => {}
        }
        if let Role::Fact(_) = role {
            self.open_fact(el);
        }
        if name == "br" {
            self.line_break();
        } else if name == "hr" && self.pre_depth == 0 && self.real_depth == 0 {
            self.flush_para();
            self.pending_page_break = true;
        } else if name == "page" {
            self.page_break_here();
        }
        true
    }

    fn role_for(&mut self, name: &str, node: NodeRef<'_, Node>) -> Role {
        if self.pre_depth > 0 {
            return match name {
                "pre" | "xmp" | "listing" | "plaintext" => Role::Pre,
                "ix:nonfraction" | "ix:nonnumeric" => Role::Fact(0),
                _ => Role::None,
            };
        }
        let in_real = self.real_depth > 0;
        match name {
            "table" => {
                let kind = if max_cells_per_row(node) <= 1 {
                    TableKind::Layout
                } else if in_real {
                    TableKind::Nested
                } else {
                    TableKind::Outer
                };
                Role::Table(kind)
            }
            "tr" => match self.table_kinds.last() {
                Some(TableKind::Outer) => Role::Row,
                _ if in_real => Role::Space,
                _ => Role::Block,
            },
            "td" | "th" => match self.table_kinds.last() {
                Some(TableKind::Outer) => Role::Cell,
                _ if in_real => Role::Space,
                _ => Role::Block,
            },
            "caption" => match self.table_kinds.last() {
                Some(TableKind::Outer) => Role::Caption,
                _ if in_real => Role::Space,
                _ => Role::Block,
            },
            "pre" | "xmp" | "listing" | "plaintext" => {
                if in_real {
                    Role::Space
                } else {
                    Role::Pre
                }
            }
            "ix:nonfraction" | "ix:nonnumeric" => Role::Fact(0),
            "p" | "div" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "li" | "ul" | "ol" | "dl"
            | "dt" | "dd" | "blockquote" | "center" | "address" | "section" | "article"
            | "header" | "footer" | "nav" | "aside" | "main" | "figure" | "figcaption" | "form"
            | "fieldset" | "legend" | "dir" | "menu" | "hgroup" | "details" | "summary"
            | "body" | "html" | "hr" | "tbody" | "thead" | "tfoot" => {
                if in_real {
                    Role::Space
                } else {
                    Role::Block
                }
            }
            _ => Role::None,
        }
    }

    fn close(&mut self) {
        let Some(frame) = self.frames.pop() else {
            return;
        };
        match frame.role {
            Role::None if frame.gap_after => self.pending_gap = true,
            Role::None => {}
            Role::Block => self.flush_para(),
            Role::Space => self.pending_space = true,
            Role::Pre => {
                self.pre_depth -= 1;
                if self.pre_depth == 0 {
                    let buf = std::mem::take(&mut self.pre_buf);
                    let pb = std::mem::take(&mut self.pending_page_break);
                    push_plain_blocks(&mut self.text, &mut self.blocks, &buf, pb);
                    self.pre_buf = buf;
                    self.pre_buf.clear();
                }
            }
            Role::Table(kind) => self.close_table(kind),
            Role::Row => self.close_row(),
            Role::Cell => self.close_cell(),
            Role::Caption => {
                self.close_cell();
                self.close_row();
            }
            Role::Fact(_) => self.close_fact(),
        }
        if frame.page_after && self.pre_depth == 0 && self.real_depth == 0 {
            self.flush_para();
            self.pending_page_break = true;
        }
    }

    fn line_break(&mut self) {
        if self.pre_depth > 0 {
            self.pre_buf.push('\n');
        } else if self.real_depth > 0 {
            self.pending_space = true;
        } else {
            self.flush_para();
        }
    }

    // ---- text -------------------------------------------------------------------------

    fn text_node(&mut self, t: &str) {
        if self.pre_depth > 0 {
            self.pre_buf.push_str(t);
            return;
        }
        if self.table.is_some() && self.table.as_ref().unwrap().cell.is_none() {
            // Inter-element white space inside table structure; real text never lands here
            // (html5ever foster-parents it out of the table).
            return;
        }
        let ctx = self.ctx();
        if self.colours && ctx.invisible() && !self.open_facts.iter().any(|f| f.value) {
            // It still takes room on the line: the words either side stay apart ("cash
            // flows<span style='color:#ffffff'> </span>under").
            if !t.is_empty() {
                self.pending_space = true;
            }
            return;
        }
        let mut chars = 0usize;
        let mut first = true;
        for piece in t.split(is_space) {
            if !first {
                self.pending_space = true;
            }
            first = false;
            if piece.is_empty() {
                continue;
            }
            chars += self.emit_piece(piece);
        }
        if chars > 0 {
            if let Some(tab) = self.table.as_mut() {
                tab.style.note(&ctx, chars);
                if let Some(cell) = tab.cell.as_mut() {
                    if !cell.any {
                        cell.any = true;
                        cell.bold = ctx.bold;
                        cell.first_align = ctx.align;
                    } else {
                        cell.bold &= ctx.bold;
                    }
                }
            } else if t.chars().any(char::is_alphanumeric) {
                // A paragraph's style is that of its words: the plain ". " between a bold
                // "18" and a bold title ("<b>18</b>. <b>Supplemental Disclosure…</b>",
                // Standard Pacific's notes) leaves the heading bold.
                self.para_style.note(&ctx, chars);
            }
        }
    }

    /// Forgets a pending space or gap: a block, cell or row boundary (or the piece just
    /// written) separates what follows already.
    fn clear_separator(&mut self) {
        self.pending_space = false;
        self.pending_gap = false;
    }

    /// Writes a non-empty piece (no white space inside) with the separators it needs.
    /// Returns the number of characters written.
    fn emit_piece(&mut self, piece: &str) -> usize {
        // Drop invisible characters; most pieces are ASCII and skip this.
        let owned;
        let piece = if !piece.is_ascii() && piece.contains(['\u{200B}', '\u{FEFF}', '\u{AD}']) {
            owned = piece.replace(['\u{200B}', '\u{FEFF}', '\u{AD}'], "");
            if owned.is_empty() {
                return 0;
            }
            owned.as_str()
        } else {
            piece
        };
        let space = self.pending_space
            || self.pending_gap && !piece.starts_with([',', '.', ';', ':', ')', '!', '?']);
        if let Some(tab) = self.table.as_mut() {
            let cell = tab.cell.as_mut().expect("checked by caller");
            if !cell.has_text {
                cell.has_text = true;
            } else if space {
                self.text.push(' ');
            }
        } else if self.para_start.is_none() {
            if !self.text.is_empty() {
                self.text.push_str("\n\n");
            }
            self.para_start = Some(self.text.len());
            self.para_page_break = std::mem::take(&mut self.pending_page_break);
        } else if space {
            self.text.push(' ');
        }
        self.clear_separator();
        if self.awaiting_start > 0 {
            let pos = self.text.len();
            for f in self.open_facts.iter_mut().rev() {
                if f.start.is_some() {
                    break;
                }
                f.start = Some(pos);
            }
            self.awaiting_start = 0;
        }
        self.text.push_str(piece);
        if piece.is_ascii() {
            piece.len()
        } else {
            piece.chars().count()
        }
    }

    fn flush_para(&mut self) {
        if let Some(start) = self.para_start.take() {
            let end = self.text.len();
            let style = self
                .para_style
                .style(&self.text[start..end], self.para_page_break);
            self.blocks.push(Block {
                kind: BlockKind::Paragraph,
                start: start as u32,
                end: end as u32,
                style,
                table: -1,
            });
        }
        self.para_style.reset();
        self.para_page_break = false;
        self.clear_separator();
    }

    // ---- tables -----------------------------------------------------------------------

    fn open_table(&mut self, kind: TableKind) {
        self.table_kinds.push(kind);
        match kind {
            TableKind::Layout => {
                if self.real_depth > 0 {
                    self.pending_space = true;
                } else {
                    self.flush_para();
                }
            }
            TableKind::Nested => {
                self.real_depth += 1;
                self.pending_space = true;
            }
            TableKind::Outer => {
                self.flush_para();
                self.real_depth += 1;
                let mark = self.text.len();
                if !self.text.is_empty() {
                    self.text.push_str("\n\n");
                }
                self.table = Some(TableAcc {
                    mark,
                    start: self.text.len(),
                    page_break: std::mem::take(&mut self.pending_page_break),
                    rows: Vec::new(),
                    span_reach: 0,
                    row: None,
                    cell: None,
                    style: StyleAcc::default(),
                });
            }
        }
    }

    fn close_table(&mut self, kind: TableKind) {
        self.table_kinds.pop();
        match kind {
            TableKind::Layout => {
                if self.real_depth > 0 {
                    self.pending_space = true;
                } else {
                    self.flush_para();
                }
            }
            TableKind::Nested => {
                self.real_depth -= 1;
                self.pending_space = true;
            }
            TableKind::Outer => {
                self.real_depth -= 1;
                if self.table.as_ref().is_some_and(|t| t.cell.is_some()) {
                    self.close_cell();
                }
                if self.table.as_ref().is_some_and(|t| t.row.is_some()) {
                    self.close_row();
                }
                let Some(t) = self.table.take() else { return };
                if t.rows.is_empty() {
                    self.text.truncate(t.mark);
                    // Whatever page break preceded the empty table applies to the next block.
                    self.pending_page_break |= t.page_break;
                } else {
                    let end = self.text.len();
                    let style = t.style.style(&self.text[t.start..end], t.page_break);
                    let block_index = self.blocks.len();
                    self.blocks.push(Block {
                        kind: BlockKind::Table,
                        start: t.start as u32,
                        end: end as u32,
                        style,
                        table: self.tables.len() as i32,
                    });
                    self.tables.push(Table {
                        block: block_index as u32,
                        rows: t.rows.into(),
                    });
                }
                self.clear_separator();
            }
        }
    }

    fn open_row(&mut self) {
        let Some(t) = self.table.as_mut() else { return };
        if t.row.is_some() {
            // Defensive: a row inside a row cannot come from html5ever.
            return;
        }
        let mark = self.text.len();
        if !t.rows.is_empty() {
            self.text.push('\n');
        }
        t.row = Some(RowAcc {
            mark,
            cells: Vec::new(),
        });
    }

    fn close_row(&mut self) {
        let Some(t) = self.table.as_mut() else { return };
        if t.cell.is_some() {
            self.close_cell();
        }
        let t = self.table.as_mut().unwrap();
        let Some(row) = t.row.take() else { return };
        if row.cells.iter().all(|c| c.text.is_empty()) {
            self.text.truncate(row.mark);
            // The row is left out, so a cell above that spans down into it spans one row
            // less: else it would cover the next row's cells, pushing them out of their
            // columns (a heading "rowspan=2" over an empty spacer row, then the years).
            // An empty row whose own cells span down still frees their columns below: rare,
            // and then the next row is read as written.
            // (Only rows a span can reach from are visited: `span_reach` is past the last
            // row any kept cell spans into, and a span is at most `MAX_SPAN` rows.)
            let n = t.rows.len();
            if t.span_reach > n {
                let from = n.saturating_sub(MAX_SPAN as usize);
                for (k, r) in t.rows.iter_mut().enumerate().skip(from) {
                    for c in r.cells.iter_mut() {
                        if c.rowspan > 1 && k + c.rowspan as usize > n {
                            c.rowspan -= 1;
                        }
                    }
                }
            }
        } else {
            let n = t.rows.len();
            let tallest = row
                .cells
                .iter()
                .map(|c| c.rowspan as usize)
                .max()
                .unwrap_or(1);
            t.span_reach = t.span_reach.max(n + tallest);
            t.rows.push(Row {
                cells: row.cells.into(),
            });
        }
    }

    fn open_cell(
        &mut self,
        ctx: Ctx,
        align_attr: Option<u8>,
        colspan: u32,
        rowspan: u32,
        th: bool,
    ) {
        if self.table.as_ref().is_some_and(|t| t.row.is_none()) {
            self.open_row();
        }
        let Some(t) = self.table.as_mut() else { return };
        let Some(row) = t.row.as_ref() else { return };
        if t.cell.is_some() {
            return;
        }
        if !row.cells.is_empty() {
            self.text.push_str(" | ");
        }
        self.cell_counter += 1;
        t.cell = Some(CellAcc {
            id: self.cell_counter,
            start: self.text.len(),
            has_text: false,
            bold: false,
            any: false,
            attr_align: align_attr.unwrap_or(0),
            first_align: 0,
            colspan,
            rowspan,
            header: th || ctx.thead,
            facts: Vec::new(),
        });
        self.clear_separator();
    }

    fn close_cell(&mut self) {
        let Some(t) = self.table.as_mut() else { return };
        let Some(c) = t.cell.take() else { return };
        let cell = Cell {
            text: self.text[c.start..].into(),
            colspan: c.colspan,
            rowspan: c.rowspan,
            header: c.header,
            bold: c.any && c.bold,
            align: if c.attr_align != 0 {
                c.attr_align
            } else {
                c.first_align
            },
            facts: c.facts.into(),
        };
        if let Some(row) = t.row.as_mut() {
            row.cells.push(cell);
        }
        self.clear_separator();
    }

    // ---- inline XBRL ------------------------------------------------------------------

    fn open_fact(&mut self, el: &Element) {
        self.inline_xbrl = true;
        let numeric = el.name() == "ix:nonfraction";
        let mut block = false;
        let mut f = IxFact {
            numeric,
            ..IxFact::default()
        };
        for (k, v) in el.attrs() {
            match k {
                "name" => f.name = v.trim().into(),
                "contextref" => f.context_ref = v.trim().into(),
                "unitref" => f.unit_ref = v.trim().into(),
                "scale" => f.scale = v.trim().parse().unwrap_or(0),
                "decimals" => f.decimals = v.trim().into(),
                "sign" => f.negative = v.trim() == "-",
                "format" => f.format = v.trim().into(),
                "escape" => block = v.trim().eq_ignore_ascii_case("true"),
                _ => {}
            }
        }
        let index = self.facts.len();
        self.facts.push(f);
        if let Some(fr) = self.frames.last_mut() {
            fr.role = Role::Fact(index);
        }
        let cell = self
            .table
            .as_ref()
            .and_then(|t| t.cell.as_ref())
            .map(|c| c.id);
        self.open_facts.push(OpenFact {
            index,
            start: None,
            cell,
            value: numeric || !block,
        });
        self.awaiting_start += 1;
    }

    fn close_fact(&mut self) {
        let Some(of) = self.open_facts.pop() else {
            return;
        };
        if of.start.is_none() {
            self.awaiting_start = self.awaiting_start.saturating_sub(1);
        }
        let end = self.text.len();
        let start = of.start.unwrap_or(end);
        let f = &mut self.facts[of.index];
        f.start = start as u32;
        f.end = end as u32;
        f.display = self.text[start..end].into();
        if f.name.len() > 4 && f.name.as_bytes()[..4].eq_ignore_ascii_case(b"dei:") {
            self.dei.push((f.name.to_string(), f.display.to_string()));
        }
        if f.numeric {
            if let Some(cell) = self.table.as_mut().and_then(|t| t.cell.as_mut()) {
                if Some(cell.id) == of.cell {
                    cell.facts.push(of.index as u32);
                }
            }
        }
    }

    /// Collects `dei:` facts from a hidden subtree (the `ix:header` of inline XBRL).
    fn collect_hidden_dei(&mut self, node: NodeRef<'_, Node>) {
        for d in node.descendants() {
            let Some(el) = d.value().as_element() else {
                continue;
            };
            let n = el.name();
            if n != "ix:nonnumeric" && n != "ix:nonfraction" {
                continue;
            }
            self.inline_xbrl = true;
            let Some(name) = el.attr("name") else {
                continue;
            };
            if !(name.len() > 4 && name.as_bytes()[..4].eq_ignore_ascii_case(b"dei:")) {
                continue;
            }
            let mut s = String::new();
            for t in d.descendants() {
                if let Some(t) = t.value().as_text() {
                    s.push_str(t);
                }
            }
            let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
            self.dei.push((name.to_string(), s));
        }
    }

    fn finish(mut self) -> Document {
        // Facts whose (empty) span pointed into a dropped spacer row: clamp to the text.
        let len = self.text.len();
        for f in self.facts.iter_mut() {
            let s = crate::sgml::floor_boundary(&self.text, (f.start as usize).min(len));
            let e = crate::sgml::floor_boundary(&self.text, (f.end as usize).min(len)).max(s);
            f.start = s as u32;
            f.end = e as u32;
        }
        Document {
            format: DocFormat::Html,
            text: self.text.into(),
            blocks: self.blocks.into(),
            tables: self.tables.into(),
            facts: self.facts.into(),
            raw: Default::default(),
        }
    }
}

/// White space for folding: Unicode White_Space (includes U+00A0 and the U+2000 family).
fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Whether a superscript holds a footnote reference: "3", "1,2", "(a)", "(12)", "*", "†".
fn is_reference_mark(node: NodeRef<'_, Node>) -> bool {
    let mut t = String::new();
    for d in node.descendants() {
        if let Some(x) = d.value().as_text() {
            t.push_str(x);
            if t.len() > 16 {
                return false;
            }
        }
    }
    let t = t.trim();
    let inner = t
        .strip_prefix('(')
        .and_then(|x| x.strip_suffix(')'))
        .filter(|x| (1..=3).contains(&x.chars().count()));
    match inner {
        Some(x) => x.chars().all(|c| c.is_ascii_alphanumeric()),
        None => {
            !t.is_empty()
                && (t
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == ',' || c == ' ')
                    && t.starts_with(|c: char| c.is_ascii_digit())
                    || t.chars().all(|c| matches!(c, '*' | '†' | '‡' | '§')))
        }
    }
}

/// The largest number of cells in one row of a table (its own rows, not nested tables').
/// Looks only at children and grandchildren, so it is cheap.
fn max_cells_per_row(table: NodeRef<'_, Node>) -> usize {
    fn cells(tr: NodeRef<'_, Node>) -> usize {
        tr.children()
            .filter(|c| {
                c.value()
                    .as_element()
                    .is_some_and(|e| matches!(e.name(), "td" | "th"))
            })
            .count()
    }
    let mut max = 0;
    for child in table.children() {
        let Some(el) = child.value().as_element() else {
            continue;
        };
        match el.name() {
            "tr" => max = max.max(cells(child)),
            "tbody" | "thead" | "tfoot" => {
                for tr in child.children() {
                    if tr.value().as_element().is_some_and(|e| e.name() == "tr") {
                        max = max.max(cells(tr));
                    }
                }
            }
            _ => {}
        }
        if max >= 2 {
            break;
        }
    }
    max
}

/// The widest or tallest span read (`colspan`, `rowspan`); a larger one is clamped to it.
const MAX_SPAN: u32 = 1000;

fn parse_span(v: &str) -> u32 {
    v.trim()
        .trim_end_matches(|c: char| !c.is_ascii_digit())
        .parse::<u32>()
        .unwrap_or(1)
        .clamp(1, MAX_SPAN)
}

fn parse_align(v: &str) -> Option<u8> {
    let v = v.trim();
    if v.eq_ignore_ascii_case("center") || v.eq_ignore_ascii_case("middle") {
        Some(2)
    } else if v.eq_ignore_ascii_case("left")
        || v.eq_ignore_ascii_case("justify")
        || v.eq_ignore_ascii_case("start")
    {
        Some(1)
    } else if v.eq_ignore_ascii_case("right") || v.eq_ignore_ascii_case("end") {
        Some(3)
    } else {
        None
    }
}

/// `<font size=N>` (1–7, or relative `+N`/`-N` to the default 3) in points.
fn font_size_from_attr(v: &str) -> Option<f32> {
    const PT: [f32; 8] = [0.0, 7.5, 10.0, 12.0, 13.5, 18.0, 24.0, 36.0];
    let v = v.trim();
    let n: i32 = if let Some(r) = v.strip_prefix('+') {
        3 + r.trim().parse::<i32>().ok()?
    } else if let Some(r) = v.strip_prefix('-') {
        3 - r.trim().parse::<i32>().ok()?
    } else {
        v.parse::<i32>().ok()?
    };
    Some(PT[n.clamp(1, 7) as usize])
}

#[derive(Default, Debug)]
struct Css {
    hidden: bool,
    bold: Option<bool>,
    italic: Option<bool>,
    underline: Option<bool>,
    align: Option<u8>,
    font_size: Option<f32>,
    page_before: bool,
    page_after: bool,
    /// `color`: white or not.
    white: Option<bool>,
    /// `background-color` / `background`, as in [`Ctx::background`].
    background: Option<u8>,
    /// Positive horizontal padding or margin on the left / on the right.
    gap_left: bool,
    gap_right: bool,
}

/// Whether a CSS length is greater than zero ("4.35pt", "1em", "12px"; not "0", "0pt",
/// "-36pt", "auto").
fn positive_length(v: &str) -> bool {
    let v = v.trim();
    let end = v
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+')))
        .unwrap_or(v.len());
    v[..end].parse::<f32>().is_ok_and(|x| x > 0.0)
}

/// The left and right sides of a `padding`/`margin` shorthand ("2px 1pt", "0 0 0 12pt").
fn shorthand_sides(v: &str) -> (bool, bool) {
    let mut parts = [""; 4];
    let mut n = 0;
    for p in v.split_whitespace() {
        if n == 4 {
            return (false, false);
        }
        parts[n] = p;
        n += 1;
    }
    let (right, left) = match n {
        1 => (parts[0], parts[0]),
        2 | 3 => (parts[1], parts[1]),
        4 => (parts[1], parts[3]),
        _ => return (false, false),
    };
    (positive_length(left), positive_length(right))
}

/// Parses the declarations of a `style` attribute that matter for the model.
fn parse_css(style: &str, parent_size: f32) -> Css {
    let mut css = Css::default();
    for decl in style.split(';') {
        let Some((k, v)) = decl.split_once(':') else {
            continue;
        };
        let k = k.trim();
        let v = v.trim();
        let v = v.strip_suffix("!important").map(str::trim).unwrap_or(v);
        let key = |s: &str| k.eq_ignore_ascii_case(s);
        if key("display") {
            if v.eq_ignore_ascii_case("none") {
                css.hidden = true;
            }
        } else if key("font-weight") {
            css.bold = parse_weight(v);
        } else if key("font-style") {
            if v.eq_ignore_ascii_case("italic") || v.eq_ignore_ascii_case("oblique") {
                css.italic = Some(true);
            } else if v.eq_ignore_ascii_case("normal") {
                css.italic = Some(false);
            }
        } else if key("text-decoration") || key("text-decoration-line") {
            if contains_ci(v, "underline") {
                css.underline = Some(true);
            } else if v.eq_ignore_ascii_case("none") {
                css.underline = Some(false);
            }
        } else if key("text-align") {
            css.align = parse_align(v);
        } else if key("font-size") {
            css.font_size = parse_font_size(v, parent_size);
        } else if key("font") {
            // Shorthand: resets weight and style unless given, sets the size.
            let mut bold = Some(false);
            let mut italic = Some(false);
            for tok in v.split_whitespace() {
                if let Some(b) = parse_weight(tok) {
                    if tok.eq_ignore_ascii_case("normal") {
                        continue;
                    }
                    bold = Some(b);
                } else if tok.eq_ignore_ascii_case("italic") || tok.eq_ignore_ascii_case("oblique")
                {
                    italic = Some(true);
                } else if tok.as_bytes()[0].is_ascii_digit() || tok.starts_with('.') {
                    let size = tok.split('/').next().unwrap_or(tok);
                    if let Some(s) = parse_font_size(size, parent_size) {
                        css.font_size = Some(s);
                    }
                }
            }
            if v.eq_ignore_ascii_case("inherit") {
                continue;
            }
            css.bold = bold;
            css.italic = italic;
        } else if key("padding-left") || key("margin-left") {
            css.gap_left |= positive_length(v);
        } else if key("padding-right") || key("margin-right") {
            css.gap_right |= positive_length(v);
        } else if key("padding") || key("margin") {
            let (l, r) = shorthand_sides(v);
            css.gap_left |= l;
            css.gap_right |= r;
        } else if key("color") {
            css.white = colour_is_white(v);
        } else if key("background-color") || key("background") {
            css.background = background_kind(v);
        } else if key("page-break-before") || key("break-before") {
            css.page_before |= is_page_break(v);
        } else if key("page-break-after") || key("break-after") {
            css.page_after |= is_page_break(v);
        }
    }
    css
}

/// Whether a CSS or HTML colour is white; `None` for a value that sets nothing. (It runs for
/// every `color` declaration, one per `<span>` in some filings: no allocation.)
fn colour_is_white(v: &str) -> Option<bool> {
    let v = v.trim();
    let is = |s: &str| v.eq_ignore_ascii_case(s);
    if v.is_empty() || is("inherit") || is("initial") || is("unset") || is("currentcolor") {
        return None;
    }
    if [
        "white",
        "#fff",
        "#ffffff",
        "fff",
        "ffffff",
        "#ffff",
        "#ffffffff",
    ]
    .iter()
    .any(|s| is(s))
    {
        return Some(true);
    }
    if v.len() > 3 && v[..3].eq_ignore_ascii_case("rgb") {
        // "rgb(255, 255, 255)", spaces anywhere.
        let b = v
            .bytes()
            .filter(|c| !c.is_ascii_whitespace())
            .map(|c| c.to_ascii_lowercase());
        let white = [
            "rgb(255,255,255)",
            "rgba(255,255,255,1)",
            "rgba(255,255,255,1.0)",
        ]
        .iter()
        .any(|w| b.clone().eq(w.bytes()));
        return Some(white);
    }
    Some(false)
}

/// What a `background`, `background-color` or `bgcolor` value paints, as in
/// [`Ctx::background`]; `None` for one that paints nothing (the parent's shows through).
fn background_kind(v: &str) -> Option<u8> {
    let v = v.trim();
    if v.is_empty()
        || ["none", "transparent", "inherit", "initial", "unset"]
            .iter()
            .any(|s| v.eq_ignore_ascii_case(s))
    {
        return None;
    }
    if contains_ci(v, "url(") {
        return Some(2);
    }
    // The shorthand's colour is one of its words ("#fff no-repeat").
    let white = colour_is_white(v) == Some(true)
        || v.split_whitespace()
            .any(|t| colour_is_white(t) == Some(true));
    Some(if white { 1 } else { 2 })
}

/// Whether a `<style>` element of the document sets a background (see the module notes).
fn style_sheet_sets_background(dom: &Dom) -> bool {
    dom.tree.nodes().any(|n| {
        n.value().as_element().is_some_and(|e| e.name() == "style")
            && n.children()
                .filter_map(|c| c.value().as_text())
                .any(|t| contains_ci(t, "background"))
    })
}

fn is_page_break(v: &str) -> bool {
    ["always", "page", "left", "right", "recto", "verso"]
        .iter()
        .any(|s| v.eq_ignore_ascii_case(s))
}

fn contains_ci(h: &str, n: &str) -> bool {
    h.as_bytes()
        .windows(n.len())
        .any(|w| w.eq_ignore_ascii_case(n.as_bytes()))
}

fn parse_weight(v: &str) -> Option<bool> {
    if v.eq_ignore_ascii_case("bold") || v.eq_ignore_ascii_case("bolder") {
        Some(true)
    } else if v.eq_ignore_ascii_case("normal") || v.eq_ignore_ascii_case("lighter") {
        Some(false)
    } else if let Ok(n) = v.parse::<u32>() {
        Some(n >= 600)
    } else {
        None
    }
}

/// CSS font size in points: `pt`, `px` (×0.75), `em`/`rem`/`%` (relative to the parent, 12pt
/// assumed when unknown), keywords.
fn parse_font_size(v: &str, parent: f32) -> Option<f32> {
    let v = v.trim().to_ascii_lowercase();
    let base = if parent > 0.0 { parent } else { 12.0 };
    let num = |s: &str| {
        s.trim()
            .parse::<f32>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
    };
    let pt = if let Some(n) = v.strip_suffix("pt") {
        num(n)?
    } else if let Some(n) = v.strip_suffix("px") {
        num(n)? * 0.75
    } else if let Some(n) = v.strip_suffix("rem") {
        num(n)? * 12.0
    } else if let Some(n) = v.strip_suffix("em") {
        num(n)? * base
    } else if let Some(n) = v.strip_suffix('%') {
        num(n)? * base / 100.0
    } else if let Some(n) = v.strip_suffix("in") {
        num(n)? * 72.0
    } else {
        match v.as_str() {
            "xx-small" => 7.0,
            "x-small" => 7.5,
            "small" => 10.0,
            "medium" => 12.0,
            "large" => 13.5,
            "x-large" => 18.0,
            "xx-large" => 24.0,
            "smaller" => base / 1.2,
            "larger" => base * 1.2,
            _ => return None,
        }
    };
    // Round to 0.01pt so that 13.333…px-derived sizes compare equal.
    Some((pt * 100.0).round() / 100.0).filter(|p| *p < 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(d: &Document) -> Vec<&str> {
        d.blocks.iter().map(|b| d.block_text(b)).collect()
    }

    #[test]
    fn nested_blocks_do_not_duplicate() {
        let d =
            parse_html("<div>A<p>B <b>b</b></p>C<div><div>D</div></div></div><p>  </p><p>E</p>");
        assert_eq!(texts(&d), ["A", "B b", "C", "D", "E"]);
        assert_eq!(d.text.as_str(), "A\n\nB b\n\nC\n\nD\n\nE");
    }

    #[test]
    fn whitespace_and_nbsp_fold() {
        let d = parse_html("<p>\n  Item&nbsp;1.\u{2003}&#160; Business\u{200B}  \n</p>");
        assert_eq!(texts(&d), ["Item 1. Business"]);
    }

    #[test]
    fn br_ends_a_block_outside_tables() {
        let d = parse_html("<p><b>UNITED STATES<br>SECURITIES</b></p><table><tr><td>a<br>b</td><td>c</td></tr></table>");
        assert_eq!(texts(&d), ["UNITED STATES", "SECURITIES", "a b | c"]);
        assert!(d.blocks[0].style.bold && d.blocks[1].style.bold);
    }

    #[test]
    fn hidden_content_is_skipped() {
        let d = parse_html(
            "<html><head><title>T</title><style>p{}</style></head><body>\
             <div style=\"display:none\"><ix:header><ix:hidden><ix:nonNumeric name=\"dei:DocumentType\" contextRef=\"c\">10-K</ix:nonNumeric></ix:hidden></ix:header></div>\
             <script>var x = 1;</script><p style=\"DISPLAY: none\">secret</p><p>visible</p></body></html>",
        );
        assert_eq!(d.text.as_str(), "visible");
        assert!(d.facts.is_empty());
        let p = parse_html_full("<div style='display:none'><ix:header><ix:nonNumeric name='dei:DocumentType'> 10-K </ix:nonNumeric></ix:header></div>x");
        assert_eq!(
            p.dei,
            [("dei:DocumentType".to_string(), "10-K".to_string())]
        );
    }

    #[test]
    fn invisible_text_is_not_read() {
        // Workiva's statements: a white "4" in the top-left cell, on no background. The cell
        // stays (columns keep their places); its text goes.
        let d = parse_html(
            "<table><tr><td style='color:#ffffff;padding:2px'><span style='color:#FFFFFF'>4</span></td>\
             <td><span style='color:#000000'>Fiscal Year Ended January 31,</span></td></tr>\
             <tr><td>Net income</td><td>6,197</td></tr></table>",
        );
        let t = &d.tables[0];
        assert_eq!(t.rows[0].cells.len(), 2);
        assert_eq!(t.rows[0].cells[0].text.as_str(), "");
        assert_eq!(
            t.rows[0].cells[1].text.as_str(),
            "Fiscal Year Ended January 31,"
        );
        // White on a white fill, in a paragraph, and an old `<font color>`: not read either.
        let d = parse_html(
            "<p>seen <span style='background-color:#fff;color:white'>unseen</span></p>\
             <p><font color=\"#FFFFFF\">spacer</font>kept</p>",
        );
        assert_eq!(d.text.as_str(), "seen\n\nkept");
        // Invisible text between two words still parts them (Starbucks).
        let d = parse_html(
            "<p><span>cash flows</span><span style='color:#ffffff'> </span><span>under</span>\
             <span style='color:#ffffff'>x</span><span>our</span></p>",
        );
        assert_eq!(d.text.as_str(), "cash flows under our");
        // White on a dark fill (a header band), set on the cell, the row or by `bgcolor`, is
        // read; so is text whose colour is set back, and an inline-XBRL fact's text.
        let d = parse_html(
            "<table><tr><td style='background-color:#7b7e87'><span style='color:#ffffff'>Market</span></td>\
             <td bgcolor='#003366'><font color='white'>2024</font></td></tr>\
             <tr style='background:#e20074 none'><td style='color:#fff'>% Change</td>\
             <td style='color:#fff'><span style='color:black'>back</span></td></tr></table>\
             <p style='color:#ffffff'><ix:nonFraction name='us-gaap:X' contextRef='c'>5</ix:nonFraction></p>",
        );
        let t = &d.tables[0];
        assert_eq!(t.rows[0].cells[0].text.as_str(), "Market");
        assert_eq!(t.rows[0].cells[1].text.as_str(), "2024");
        assert_eq!(t.rows[1].cells[0].text.as_str(), "% Change");
        assert_eq!(t.rows[1].cells[1].text.as_str(), "back");
        assert_eq!(d.facts.len(), 1);
        assert_eq!(d.facts[0].display.as_str(), "5");
        // A note's table sits inside a TextBlock (`escape="true"`): that fact's text is a block
        // of the document, not a value, so its white "4" is not read (Salesforce's
        // earnings-per-share note); a white number tagged inside it is.
        let d = parse_html(
            "<ix:nonNumeric name='us-gaap:EarningsPerShareTextBlock' contextRef='c' escape='true'>\
             <table><tr><td><span style='color:#ffffff'>4</span></td><td>2025</td></tr>\
             <tr><td>Net income</td><td><span style='color:#ffffff'>\
             <ix:nonFraction name='us-gaap:NetIncomeLoss' contextRef='c'>6,197</ix:nonFraction>\
             </span></td></tr></table></ix:nonNumeric>",
        );
        let t = &d.tables[0];
        assert_eq!(t.rows[0].cells[0].text.as_str(), "");
        assert_eq!(t.rows[1].cells[1].text.as_str(), "6,197");
        assert_eq!(d.facts.len(), 2);
        assert_eq!(d.facts[1].display.as_str(), "6,197");
        // A style sheet that sets backgrounds may paint a dark fill under white text by a
        // class, which the reader does not resolve: then every text is read.
        let d = parse_html(
            "<html><head><style>.band { background-color: #003366 }</style></head><body>\
             <p class='band'><span style='color:#ffffff'>Header</span></p></body></html>",
        );
        assert_eq!(d.text.as_str(), "Header");
    }

    #[test]
    fn styles() {
        let d = parse_html(
            "<h2>Heading</h2>\
             <p style='font-weight:700;font-size:16px;text-align:center'>BIG TITLE</p>\
             <p><b>bold</b> and not</p>\
             <p style='font-weight:bold'><span style='font-weight:normal'>x</span></p>\
             <p><font size=5><i><u>Under</u></i></font></p>\
             <center>Centered Text</center>\
             <p align=center style='font: bold 10pt Times'>Font Shorthand</p>",
        );
        let s: Vec<Style> = d.blocks.iter().map(|b| b.style).collect();
        assert_eq!(s[0].heading_level, 2);
        assert!(s[0].bold && !s[0].all_caps);
        assert!(s[1].bold && s[1].centered && s[1].all_caps);
        assert_eq!(s[1].font_size, 12.0);
        assert!(!s[2].bold);
        assert!(!s[3].bold);
        assert!(s[4].italic && s[4].underline);
        assert_eq!(s[4].font_size, 18.0);
        assert!(s[5].centered);
        assert!(s[6].bold && s[6].centered);
        assert_eq!(s[6].font_size, 10.0);
    }

    #[test]
    fn padding_margin_or_a_footnote_mark_between_inline_elements_separates_words() {
        let d = parse_html(
            "<div><span>Item 1.</span><span style='padding-left:4.35pt'>Business</span></div>\
             <div><font style='padding-right:48px'>ITEM 9.</font><font>CHANGES</font></div>\
             <div><span style='margin:0 0 0 12pt'>•</span><span style='padding:0 0 0 9pt'>Risk</span></div>\
             <div><span>Net</span><span style='padding-left:0pt'>work</span><span style='margin-left:-3pt'>ed</span></div>\
             <div>Cement<sup>3</sup> and assets<sup>(a)</sup>, on the 1<sup>st</sup> day, iPhone<sup>®</sup></div>",
        );
        let texts: Vec<&str> = d
            .blocks
            .iter()
            .map(|b| &d.text[b.start as usize..b.end as usize])
            .collect();
        assert_eq!(
            texts,
            [
                "Item 1. Business",
                "ITEM 9. CHANGES",
                "• Risk",
                "Networked",
                "Cement 3 and assets (a), on the 1st day, iPhone®"
            ]
        );
    }

    #[test]
    fn punctuation_between_bold_words_leaves_the_paragraph_bold() {
        // Standard Pacific's note headings: the number and the title bold, the ". " plain.
        let d = parse_html(
            "<p><b>18</b>. <b>Supplemental Disclosure to Cash Flows</b></p>\
             <p><b>19</b>. Plain title</p>\
             <p><i>Italic</i> — <i>words</i></p>",
        );
        let s: Vec<Style> = d.blocks.iter().map(|b| b.style).collect();
        assert_eq!(d.blocks.len(), 3);
        assert!(s[0].bold);
        assert!(!s[1].bold, "a plain word is not bold");
        assert!(s[2].italic);
    }

    #[test]
    fn page_breaks() {
        let d = parse_html(
            "<p>one</p><hr><p>two</p><div style='page-break-after:always'>three</div><p>four</p>\
             <p style='page-break-before:always'>five</p><p>six</p><!-- PAGEBREAK --><p>seven</p>",
        );
        let pb: Vec<bool> = d.blocks.iter().map(|b| b.style.page_break_before).collect();
        assert_eq!(
            texts(&d),
            ["one", "two", "three", "four", "five", "six", "seven"]
        );
        assert_eq!(pb, [false, true, false, true, true, false, true]);
    }

    #[test]
    fn a_dropped_empty_row_shortens_the_spans_into_it() {
        // ADP's margin table: "Years Ended June 30," spans its row and an empty spacer row;
        // the spacer row is left out, so the heading spans one row, not the years below it.
        let d = parse_html(
            "<table><tr><td></td><td colspan=2>Margin</td></tr>\
             <tr><td></td><td colspan=2 rowspan=2>Years Ended June 30,</td></tr>\
             <tr><td></td></tr>\
             <tr><td></td><td>2025</td><td>2024</td></tr>\
             <tr><td>Employer Services</td><td>36.1%</td><td>35.1%</td></tr></table>",
        );
        let t = &d.tables[0];
        assert_eq!(t.rows.len(), 4, "the spacer row is left out");
        assert_eq!(t.rows[1].cells[1].text.as_str(), "Years Ended June 30,");
        assert_eq!(t.rows[1].cells[1].rowspan, 1);
        assert_eq!(t.rows[0].cells[1].rowspan, 1);
    }

    #[test]
    fn tables() {
        let d = parse_html(
            "<p>before</p><table>\
             <thead><tr><th>Year</th><th colspan=5000>Amount</th></tr></thead>\
             <tr><td></td><td></td></tr>\
             <tr><td><b>Net sales</b></td><td align=right style='text-align:right'>$ 1,234</td></tr>\
             <tr><td style='text-align:center'><table><tr><td>in</td><td>ner</td></tr></table></td><td rowspan=2>x</td></tr>\
             </table><table><tr><td><p>layout</p><p>only</p></td></tr></table>",
        );
        assert_eq!(
            texts(&d),
            [
                "before",
                "Year | Amount\nNet sales | $ 1,234\nin ner | x",
                "layout",
                "only"
            ]
        );
        assert_eq!(d.tables.len(), 1);
        let t = &d.tables[0];
        assert_eq!(t.block, 1);
        assert_eq!(d.blocks[1].table, 0);
        assert_eq!(t.rows.len(), 3, "spacer row dropped");
        let h = &t.rows[0].cells;
        assert!(h[0].header && h[1].header && h[0].bold);
        assert_eq!(h[1].colspan, 1000);
        let r = &t.rows[1].cells;
        assert!(r[0].bold && !r[1].bold);
        assert_eq!(r[1].align, 3);
        assert_eq!(t.rows[2].cells[0].align, 2);
        assert_eq!(t.rows[2].cells[1].rowspan, 2);
    }

    #[test]
    fn inline_xbrl_facts() {
        let d = parse_html(
            "<p>Revenue was <ix:nonFraction name=\"us-gaap:Revenues\" contextRef=\"c-1\" unitRef=\"usd\" scale=\"6\" decimals=\"-6\" format=\"ixt:num-dot-decimal\">1,234</ix:nonFraction>.</p>\
             <ix:nonNumeric name=\"us-gaap:DebtTextBlock\" contextRef=\"c-1\"><p>Debt note</p>\
             <table><tr><td>Loss</td><td>(<ix:nonFraction name=\"us-gaap:NetIncomeLoss\" contextRef=\"c-1\" unitRef=\"usd\" sign=\"-\" scale=\"3\">5</ix:nonFraction>)</td></tr></table></ix:nonNumeric>",
        );
        assert_eq!(d.facts.len(), 3);
        let f0 = &d.facts[0];
        assert_eq!(
            (
                f0.name.as_str(),
                f0.display.as_str(),
                f0.scale,
                f0.decimals.as_str()
            ),
            ("us-gaap:Revenues", "1,234", 6, "-6")
        );
        assert!(f0.numeric && !f0.negative);
        assert_eq!(f0.format.as_str(), "ixt:num-dot-decimal");
        assert_eq!(&d.text[f0.start as usize..f0.end as usize], "1,234");
        let tb = &d.facts[1];
        assert!(!tb.numeric);
        assert_eq!(tb.display.as_str(), "Debt note\n\nLoss | (5)");
        let f2 = &d.facts[2];
        assert!(f2.negative && f2.numeric);
        assert_eq!(f2.display.as_str(), "5");
        assert!(f2.start >= tb.start && f2.end <= tb.end);
        assert_eq!(d.tables[0].rows[0].cells[1].facts.as_slice(), &[2]);
        assert_eq!(d.tables[0].rows[0].cells[1].text.as_str(), "(5)");
    }

    #[test]
    fn pre_is_preformatted() {
        let d = parse_html("<html><body><p>Intro</p><pre>   PART I\n\nItem 1.   Business  \n  more\n<page>\nNext</pre></body></html>");
        assert_eq!(
            texts(&d),
            ["Intro", "PART I", "Item 1.   Business\n  more", "Next"]
        );
        assert_eq!(d.blocks[1].kind, BlockKind::Preformatted);
        assert!(d.blocks[3].style.page_break_before);
    }

    #[test]
    fn font_sizes() {
        assert_eq!(parse_font_size("10pt", 0.0), Some(10.0));
        assert_eq!(parse_font_size("16PX", 0.0), Some(12.0));
        assert_eq!(parse_font_size("150%", 10.0), Some(15.0));
        assert_eq!(font_size_from_attr("+1"), Some(13.5));
        assert_eq!(font_size_from_attr("2"), Some(10.0));
    }
}

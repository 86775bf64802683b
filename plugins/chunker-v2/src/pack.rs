//! Step 2, **packing**: the elements of a section become atoms (a text range, or one part of a
//! table) packed greedily into drafts of at most `max_tokens`; a heading starts a new draft,
//! and a table that has to be split gets a draft per part. Step 4 ([`merge_small`]) then
//! merges small drafts into their neighbours.

use finloom_plugin_api::Document;
use finloom_plugin_kit::Bpe;

use crate::count_tokens;
use crate::elements::{elements, ElemKind};
use crate::merge::merge_small;
use crate::split::split_text;
use crate::tables::table_atoms;

/// The smallest unit packed into chunks: a text range of the section, or one part of a
/// rendered table.
#[derive(Debug, Clone)]
pub(crate) struct Atom {
    /// Byte range in the section text (for a table part: the placeholder).
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) heading: bool,
    pub(crate) table: Option<TablePart>,
}

#[derive(Debug, Clone)]
pub(crate) struct TablePart {
    pub(crate) text: String,
    pub(crate) part: usize,
    pub(crate) parts: usize,
}

/// A chunk being built.
#[derive(Debug, Clone, Default)]
pub(crate) struct Draft {
    pub(crate) atoms: Vec<Atom>,
    pub(crate) tokens: usize,
}

impl Draft {
    /// Whether every table in the draft is whole (not one part of a split table).
    pub(crate) fn whole_tables(&self) -> bool {
        self.atoms
            .iter()
            .filter_map(|a| a.table.as_ref())
            .all(|t| t.parts == 1)
    }
    pub(crate) fn all_headings(&self) -> bool {
        self.atoms.iter().all(|a| a.heading)
    }
    /// Whether text may be appended after this draft (its table, if any, is the last part).
    pub(crate) fn open_after(&self) -> bool {
        self.atoms
            .iter()
            .filter_map(|a| a.table.as_ref())
            .all(|t| t.part + 1 == t.parts)
    }
    /// Whether text may be put before this draft (its table, if any, is the first part).
    pub(crate) fn open_before(&self) -> bool {
        self.atoms
            .iter()
            .filter_map(|a| a.table.as_ref())
            .all(|t| t.part == 0)
    }
}

/// The text of a list of atoms: consecutive text atoms as their contiguous slice of the section
/// text, table parts as rendered, blocks joined by a blank line.
pub(crate) fn render(text: &str, atoms: &[Atom]) -> String {
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
pub(crate) struct Counter<'a> {
    bpe: &'a Bpe,
    text: &'a str,
}

impl Counter<'_> {
    pub(crate) fn count(&self, atoms: &[Atom]) -> usize {
        count_tokens(self.bpe, &render(self.text, atoms))
    }
}

/// Cuts one section's text into chunks.
pub(crate) fn chunk_section(
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

//! `finloom eval footnotes`: the notes to the financial statements found by the `footnotes`
//! stage, measured against the filers' own inline-XBRL tagging.
//!
//! Evidence. An inline-XBRL filing wraps each note in an `ix:nonNumeric` element whose concept
//! name ends in `TextBlock` (`us-gaap:IncomeTaxDisclosureTextBlock`). The evaluation re-reads
//! every filing in the database (`filings.source_path`, with [`finloom_ingest::read_filing`])
//! and rebuilds those blocks from the raw document. It cannot take them from the document
//! model's facts: ingest records a fact's span for its first fragment only and ignores
//! `ix:continuation`, and filers split a note at every page break (`continuedAt` chains), so a
//! fact span often covers the note's title alone. Content inside `ix:exclude` (page headers
//! and footers inside a note) is not part of the fact and is left out too.
//! Where the corpus ships a filing's XBRL instance (`expected/xbrl/*.xml`, matched to a
//! filing by the accession number in its file name), the instance's `…TextBlock` facts are a
//! second, independent evidence set for that filing, scored on their own line.
//!
//! Which TextBlocks are notes. Filers tag a note *and* the schedules, policies and tables
//! inside it, each with its own TextBlock; only the note-level ones are evidence here:
//! * not a `dei:`, `ecd:` or `cyd:` block (cover page: documents incorporated by reference;
//!   executive-compensation disclosures such as insider trading arrangements; Item 1C's
//!   cybersecurity disclosures, tagged since fiscal 2023 — none of them a note to the
//!   financial statements);
//! * not `…PolicyTextBlock` (an accounting policy is a paragraph of the policies note;
//!   filers sometimes tag it outside the note's own block) and not `…TableTextBlock`
//!   (a table inside a note);
//! * not a local name starting with `ScheduleOf` (a table, or a Regulation S-X schedule such
//!   as Schedule II, `srt:ScheduleOfValuationAndQualifyingAccountsDisclosureTextBlock`, which
//!   is printed after the notes, not as one of them);
//! * not inside another TextBlock: schedules whose names say neither `Table` nor `Schedule`
//!   (`us-gaap:PropertyPlantAndEquipmentTextBlock`, `LongTermDebtTextBlock`) sit inside their
//!   note's element. In the inline document that is element nesting (including the
//!   continuation fragments of the enclosing block); in an XBRL instance, where facts are flat,
//!   it is containment: the block's word sequence occurs inside a longer block's.
//!
//! Figures (word-level Jaccard, [`crate::jaccard_sets`], threshold 0.9):
//! * found: the share of note-level TextBlocks with a `kind = 'note'` footnote row of the same
//!   filing at Jaccard ≥ 0.9 (target ≥ 95 %);
//! * unmatched: the share of `kind = 'note'` rows of those filings that reach 0.9 with no
//!   note-level TextBlock (target ≤ 5 %);
//! * concept: of the found blocks, the share whose row names the block's concept in
//!   `footnotes.xbrl_concept` (target ≥ 95 %).
//!
//! Filings without inline XBRL have no evidence; their note rows are counted but not scored.

use crate::{jaccard_sets, words, EvalError, Report, Result};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Word-level Jaccard at which a footnote row and a TextBlock are the same note.
pub const THRESHOLD: f64 = 0.9;
/// Share of note-level TextBlocks that must be found.
pub const TARGET_FOUND: f64 = 0.95;
/// Largest share of note rows that may match no TextBlock.
pub const TARGET_UNMATCHED: f64 = 0.05;
/// Share of found notes whose row must record the block's concept.
pub const TARGET_CONCEPT: f64 = 0.95;

/// One `…TextBlock` fact: concept name and plain text.
#[derive(Debug, Clone, PartialEq)]
pub struct TextBlock {
    pub name: String,
    pub text: String,
}

/// A `…TextBlock` fact of an inline-XBRL document, with whether it starts inside another one.
#[derive(Debug, Clone, PartialEq)]
pub struct InlineBlock {
    pub block: TextBlock,
    pub nested: bool,
}

/// Is a TextBlock with this concept name a candidate note by its name (see the module docs)?
pub fn note_level_name(name: &str) -> bool {
    let (prefix, local) = name.split_once(':').unwrap_or(("", name));
    local.ends_with("TextBlock")
        && !matches!(prefix, "dei" | "ecd" | "cyd")
        && !local.ends_with("PolicyTextBlock")
        && !local.ends_with("TableTextBlock")
        && !local.starts_with("ScheduleOf")
}

/// The note-level blocks of an inline-XBRL document.
pub fn inline_note_blocks(raw: &str) -> Vec<TextBlock> {
    inline_text_blocks(raw)
        .into_iter()
        .filter(|b| !b.nested && note_level_name(&b.block.name))
        .map(|b| b.block)
        .collect()
}

/// The note-level blocks of an XBRL instance (flat facts: nesting is text containment).
pub fn instance_note_blocks(xml: &str) -> Vec<TextBlock> {
    let all = instance_text_blocks(xml);
    let seqs: Vec<String> = all
        .iter()
        .map(|b| format!(" {} ", words(&b.text).join(" ")))
        .collect();
    all.iter()
        .enumerate()
        .filter(|(i, b)| {
            note_level_name(&b.name)
                && !seqs
                    .iter()
                    .enumerate()
                    .any(|(j, o)| j != *i && o.len() > seqs[*i].len() && o.contains(&seqs[*i]))
        })
        .map(|(_, b)| b.clone())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Markup scanning (no XML dependency: a tag tokenizer is all either source needs)

#[derive(Debug)]
enum Token<'a> {
    /// Start tag: name, the whole tag text, byte range of the tag, self-closing.
    Start(&'a str, &'a str, usize, usize, bool),
    /// End tag: name, byte range of the tag.
    End(&'a str, usize, usize),
}

/// The tags of `s` in order, skipping comments, CDATA sections, declarations and processing
/// instructions. Quoted attribute values may hold `>`.
fn tags(s: &str) -> Vec<Token<'_>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(k) = s[i..].find('<') {
        let at = i + k;
        let rest = &s[at..];
        let skip_to = |end: &str| {
            rest.find(end)
                .map(|x| at + x + end.len())
                .unwrap_or(s.len())
        };
        if rest.starts_with("<!--") {
            i = skip_to("-->");
            continue;
        }
        if rest.starts_with("<![CDATA[") {
            i = skip_to("]]>");
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            i = skip_to(">");
            continue;
        }
        // Find the tag's end, honouring quotes.
        let mut j = at + 1;
        let mut quote = 0u8;
        while j < b.len() {
            let c = b[j];
            if quote != 0 {
                if c == quote {
                    quote = 0;
                }
            } else if c == b'"' || c == b'\'' {
                quote = c;
            } else if c == b'>' {
                break;
            }
            j += 1;
        }
        if j >= b.len() {
            break;
        }
        let end = j + 1;
        let tag = &s[at..end];
        let is_end = tag.starts_with("</");
        let name_from = if is_end { at + 2 } else { at + 1 };
        let name_len = s[name_from..end]
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(0);
        let name = &s[name_from..name_from + name_len];
        if !name.is_empty() {
            if is_end {
                out.push(Token::End(name, at, end));
            } else {
                out.push(Token::Start(name, tag, at, end, tag.ends_with("/>")));
            }
        }
        i = end;
    }
    out
}

/// The value of attribute `name` in a start tag.
fn attr(tag: &str, name: &str) -> Option<String> {
    let mut from = 0;
    while let Some(k) = tag[from..].find(name) {
        let at = from + k;
        from = at + name.len();
        let before_ok = tag[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_whitespace);
        let after = tag[from..].trim_start();
        if !before_ok || !after.starts_with('=') {
            continue;
        }
        let v = after[1..].trim_start();
        let q = v.chars().next()?;
        if q != '"' && q != '\'' {
            let end = v
                .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .unwrap_or(v.len());
            return Some(decode_entities(&v[..end]));
        }
        let end = v[1..].find(q)? + 1;
        return Some(decode_entities(&v[1..end]));
    }
    None
}

/// The prefix bound to the inline-XBRL namespace (`ix` almost always).
fn ix_prefix(raw: &str) -> String {
    for ns in [
        "http://www.xbrl.org/2013/inlineXBRL\"",
        "http://www.xbrl.org/2013/inlineXBRL'",
    ] {
        if let Some(k) = raw.find(ns) {
            let head = &raw[..k];
            if let Some(x) = head.rfind("xmlns:") {
                let p = head[x + 6..].trim_end_matches(['"', '\'']).trim_end();
                let p = p.strip_suffix('=').unwrap_or(p).trim_end();
                if !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
                {
                    return p.to_string();
                }
            }
        }
    }
    "ix".to_string()
}

/// Every `…TextBlock` fact of an inline-XBRL document, its text rebuilt from the first
/// fragment and its `continuedAt` chain of `ix:continuation` elements, without `ix:exclude`
/// content.
pub fn inline_text_blocks(raw: &str) -> Vec<InlineBlock> {
    let p = ix_prefix(raw);
    let (nn, cont, excl) = (
        format!("{p}:nonNumeric"),
        format!("{p}:continuation"),
        format!("{p}:exclude"),
    );
    #[derive(Clone, Copy, PartialEq)]
    enum K {
        Fact(usize),
        Cont(usize),
        Excl(usize),
    }
    // (name, continuedAt, tag start, content start, content end)
    let mut facts: Vec<(String, Option<String>, usize, usize, usize)> = Vec::new();
    // (id, continuedAt, content start, content end)
    let mut conts: Vec<(Option<String>, Option<String>, usize, usize)> = Vec::new();
    let mut excludes: Vec<(usize, usize)> = Vec::new();
    let mut stack: Vec<K> = Vec::new();
    let eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    for t in tags(raw) {
        match t {
            Token::Start(name, tag, s, e, self_closing) => {
                let k = if eq(name, &nn) {
                    facts.push((
                        attr(tag, "name").unwrap_or_default(),
                        attr(tag, "continuedAt"),
                        s,
                        e,
                        e,
                    ));
                    K::Fact(facts.len() - 1)
                } else if eq(name, &cont) {
                    conts.push((attr(tag, "id"), attr(tag, "continuedAt"), e, e));
                    K::Cont(conts.len() - 1)
                } else if eq(name, &excl) {
                    excludes.push((s, e));
                    K::Excl(excludes.len() - 1)
                } else {
                    continue;
                };
                if !self_closing {
                    stack.push(k);
                }
            }
            Token::End(name, s, e) => {
                let want = |k: &K| match k {
                    K::Fact(_) => eq(name, &nn),
                    K::Cont(_) => eq(name, &cont),
                    K::Excl(_) => eq(name, &excl),
                };
                let Some(pos) = stack.iter().rposition(want) else {
                    continue;
                };
                match stack[pos] {
                    K::Fact(i) => facts[i].4 = s,
                    K::Cont(i) => conts[i].3 = s,
                    K::Excl(i) => excludes[i].1 = e,
                }
                stack.truncate(pos);
            }
        }
    }
    // Unclosed elements run to the end of the document.
    for k in stack {
        match k {
            K::Fact(i) => facts[i].4 = raw.len(),
            K::Cont(i) => conts[i].3 = raw.len(),
            K::Excl(i) => excludes[i].1 = raw.len(),
        }
    }
    let by_id: std::collections::HashMap<&str, usize> = conts
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.0.as_deref().map(|id| (id, i)))
        .collect();
    let blocks: Vec<(usize, &str, Vec<(usize, usize)>)> = facts
        .iter()
        .filter(|f| f.0.ends_with("TextBlock"))
        .map(|f| {
            let mut ranges = vec![(f.3, f.4)];
            let mut next = f.1.clone();
            let mut seen = HashSet::new();
            while let Some(id) = next {
                let Some(&i) = by_id.get(id.as_str()) else {
                    break;
                };
                if !seen.insert(i) {
                    break; // a cycle
                }
                ranges.push((conts[i].2, conts[i].3));
                next = conts[i].1.clone();
            }
            (f.2, f.0.as_str(), ranges)
        })
        .collect();
    blocks
        .iter()
        .enumerate()
        .map(|(i, (start, name, ranges))| {
            let nested = blocks
                .iter()
                .enumerate()
                .any(|(j, o)| j != i && o.2.iter().any(|&(a, b)| a <= *start && *start < b));
            let text = ranges
                .iter()
                .map(|&(a, b)| html_text(&without(raw, a, b, &excludes)))
                .collect::<Vec<_>>()
                .join(" ");
            InlineBlock {
                block: TextBlock {
                    name: name.to_string(),
                    text,
                },
                nested,
            }
        })
        .collect()
}

/// `raw[a..b]` without the excluded ranges.
fn without(raw: &str, a: usize, b: usize, excludes: &[(usize, usize)]) -> String {
    let mut out = String::new();
    let mut at = a;
    let mut ex: Vec<&(usize, usize)> = excludes.iter().filter(|e| e.1 > a && e.0 < b).collect();
    ex.sort();
    for &&(s, e) in &ex {
        if s > at {
            out.push_str(&raw[at..s.min(b)]);
        }
        at = at.max(e);
    }
    if at < b {
        out.push_str(&raw[at..b]);
    }
    out
}

/// Every `…TextBlock` fact of an XBRL instance. Values are escaped HTML (or CDATA).
pub fn instance_text_blocks(xml: &str) -> Vec<TextBlock> {
    let mut out = Vec::new();
    let mut open: Vec<(&str, usize)> = Vec::new();
    for t in tags(xml) {
        match t {
            Token::Start(name, _, _, e, false) if name.ends_with("TextBlock") => {
                open.push((name, e));
            }
            Token::End(name, s, _) => {
                if let Some(pos) = open.iter().rposition(|(n, _)| *n == name) {
                    let (_, from) = open[pos];
                    open.truncate(pos);
                    out.push(TextBlock {
                        name: name.to_string(),
                        text: html_text(&xml_value(&xml[from..s])),
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// The character data of an XML element's content: entities decoded, CDATA taken as is.
fn xml_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(k) = rest.find("<![CDATA[") {
        out.push_str(&decode_entities(&rest[..k]));
        let body = &rest[k + 9..];
        let end = body.find("]]>").unwrap_or(body.len());
        out.push_str(&body[..end]);
        rest = body.get(end + 3..).unwrap_or("");
    }
    out.push_str(&decode_entities(rest));
    out
}

/// Plain text of an HTML fragment: tags become spaces, entities are decoded.
fn html_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for ch in s.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(ch),
            _ => {}
        }
    }
    decode_entities(&out)
}

/// Numeric character references and the named entities filings use.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut res = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        res.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(j) = tail[..tail.len().min(12)].find(';') {
            let ent = &tail[1..j];
            let ch = if let Some(h) = ent.strip_prefix("#x").or(ent.strip_prefix("#X")) {
                u32::from_str_radix(h, 16).ok().and_then(char::from_u32)
            } else if let Some(d) = ent.strip_prefix('#') {
                d.parse().ok().and_then(char::from_u32)
            } else {
                match ent {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "nbsp" => Some(' '),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    "rsquo" => Some('’'),
                    "lsquo" => Some('‘'),
                    "rdquo" => Some('”'),
                    "ldquo" => Some('“'),
                    "mdash" => Some('—'),
                    "ndash" => Some('–'),
                    "bull" => Some('•'),
                    "middot" => Some('·'),
                    "reg" => Some('®'),
                    "trade" => Some('™'),
                    "copy" => Some('©'),
                    "sect" => Some('§'),
                    "dagger" => Some('†'),
                    "Dagger" => Some('‡'),
                    "hellip" => Some('…'),
                    "shy" | "zwsp" => Some('\u{200b}'),
                    _ => None,
                }
            };
            if let Some(c) = ch {
                res.push(c);
                rest = &tail[j + 1..];
                continue;
            }
        }
        res.push('&');
        rest = &tail[1..];
    }
    res.push_str(rest);
    res
}

// ---------------------------------------------------------------------------------------------
// Scoring

/// A `kind = 'note'` row of the `footnotes` table.
#[derive(Debug, Clone, PartialEq)]
pub struct NoteRow {
    pub ordinal: i64,
    pub note_number: Option<String>,
    pub title: Option<String>,
    pub text: String,
    pub xbrl_concept: Option<String>,
}

impl NoteRow {
    fn label(&self) -> String {
        format!(
            "note {} {:?}",
            self.note_number.as_deref().unwrap_or("?"),
            self.title
                .as_deref()
                .unwrap_or("")
                .chars()
                .take(60)
                .collect::<String>()
        )
    }
}

/// The figures of one evidence set against one filing's note rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Score {
    pub blocks: usize,
    pub found: usize,
    pub notes: usize,
    pub unmatched: usize,
    /// Found blocks whose row names a concept matching it.
    pub concept_ok: usize,
    /// TextBlocks not found: concept and best Jaccard.
    pub missed_blocks: Vec<(String, f64)>,
    /// Note rows matching no TextBlock: label and best Jaccard.
    pub unmatched_notes: Vec<(String, f64)>,
    /// Found blocks whose row records another concept: (block concept, row's concept).
    pub wrong_concepts: Vec<(String, Option<String>)>,
}

impl Score {
    fn add(&mut self, o: &Score) {
        self.blocks += o.blocks;
        self.found += o.found;
        self.notes += o.notes;
        self.unmatched += o.unmatched;
        self.concept_ok += o.concept_ok;
    }

    fn json(&self) -> Value {
        json!({
            "note_textblocks": self.blocks,
            "found": self.found,
            "found_share": share(self.found, self.blocks),
            "note_rows": self.notes,
            "unmatched": self.unmatched,
            "unmatched_share": share(self.unmatched, self.notes),
            "concept_recorded": self.concept_ok,
            "concept_share": share(self.concept_ok, self.found),
            "missed_textblocks": self.missed_blocks.iter()
                .map(|(n, j)| json!({"concept": n, "best_jaccard": round3(*j)})).collect::<Vec<_>>(),
            "unmatched_notes": self.unmatched_notes.iter()
                .map(|(n, j)| json!({"note": n, "best_jaccard": round3(*j)})).collect::<Vec<_>>(),
            "wrong_concepts": self.wrong_concepts.iter()
                .map(|(b, r)| json!({"textblock": b, "row": r})).collect::<Vec<_>>(),
        })
    }
}

fn share(n: usize, d: usize) -> Option<f64> {
    (d > 0).then(|| round3(n as f64 / d as f64))
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn pct(n: usize, d: usize) -> String {
    if d == 0 {
        "n/a".into()
    } else {
        format!("{:.1}%", 100.0 * n as f64 / d as f64)
    }
}

/// Scores note rows against note-level TextBlocks of the same filing.
pub fn score(blocks: &[TextBlock], notes: &[NoteRow]) -> Score {
    let bw: Vec<HashSet<String>> = blocks
        .iter()
        .map(|b| words(&b.text).into_iter().collect())
        .collect();
    let nw: Vec<HashSet<String>> = notes
        .iter()
        .map(|n| words(&n.text).into_iter().collect())
        .collect();
    // sim[b][n]
    let sim: Vec<Vec<f64>> = bw
        .iter()
        .map(|b| nw.iter().map(|n| jaccard_sets(b, n)).collect())
        .collect();
    let mut s = Score {
        blocks: blocks.len(),
        notes: notes.len(),
        ..Default::default()
    };
    for (bi, b) in blocks.iter().enumerate() {
        // Best row; ties go to the earlier row (deterministic).
        let best =
            sim[bi]
                .iter()
                .enumerate()
                .fold(None::<(usize, f64)>, |acc, (ni, &j)| match acc {
                    Some((_, bj)) if bj >= j => acc,
                    _ => Some((ni, j)),
                });
        match best {
            Some((ni, j)) if j >= THRESHOLD => {
                s.found += 1;
                // The row's concept is right when it is this block's, or another note-level
                // block the row matches as well (the same note tagged twice).
                let got = notes[ni].xbrl_concept.as_deref();
                let ok = got == Some(b.name.as_str())
                    || blocks
                        .iter()
                        .enumerate()
                        .any(|(oi, o)| Some(o.name.as_str()) == got && sim[oi][ni] >= THRESHOLD);
                if ok {
                    s.concept_ok += 1;
                } else {
                    s.wrong_concepts
                        .push((b.name.clone(), got.map(str::to_string)));
                }
            }
            other => s
                .missed_blocks
                .push((b.name.clone(), other.map(|x| x.1).unwrap_or(0.0))),
        }
    }
    for (ni, n) in notes.iter().enumerate() {
        let best = (0..blocks.len()).map(|bi| sim[bi][ni]).fold(0.0, f64::max);
        if best < THRESHOLD {
            s.unmatched += 1;
            s.unmatched_notes.push((n.label(), best));
        }
    }
    s
}

// ---------------------------------------------------------------------------------------------
// The evaluation

struct FilingRow {
    accession: String,
    source_path: String,
    form: String,
    company: String,
}

fn query_filings(conn: &duckdb::Connection) -> Result<Vec<FilingRow>> {
    let mut st = conn.prepare(
        "SELECT accession_number, coalesce(source_path, ''), coalesce(form_type, ''), \
         coalesce(company_name, '') FROM filings ORDER BY accession_number",
    )?;
    let rows = st.query_map([], |r| {
        Ok(FilingRow {
            accession: r.get(0)?,
            source_path: r.get(1)?,
            form: r.get(2)?,
            company: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
}

fn query_notes(conn: &duckdb::Connection) -> Result<Vec<(String, NoteRow)>> {
    let mut st = conn.prepare(
        "SELECT accession_number, ordinal, note_number, title, text, xbrl_concept \
         FROM footnotes WHERE kind = 'note' ORDER BY accession_number, ordinal",
    )?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            NoteRow {
                ordinal: r.get(1)?,
                note_number: r.get(2)?,
                title: r.get(3)?,
                text: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                xbrl_concept: r.get(5)?,
            },
        ))
    })?;
    Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
}

/// The accession number (`0000320193-23-000077`) inside a file name, if any.
pub fn accession_in(name: &str) -> Option<&str> {
    let b = name.as_bytes();
    (0..b.len().saturating_sub(19)).find_map(|i| {
        let w = &b[i..i + 20];
        let shape = w.iter().enumerate().all(|(k, c)| match k {
            10 | 13 => *c == b'-',
            _ => c.is_ascii_digit(),
        });
        let left_ok = i == 0 || !b[i - 1].is_ascii_digit();
        let right_ok = b.get(i + 20).is_none_or(|c| !c.is_ascii_digit());
        (shape && left_ok && right_ok).then(|| &name[i..i + 20])
    })
}

/// XBRL instances in `expected/xbrl/`, sorted by file name.
fn instances(expected: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(expected.join("xbrl")) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("xml")))
        .collect();
    v.sort();
    v
}

fn short_name(f: &FilingRow) -> String {
    Path::new(&f.source_path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| f.accession.clone())
}

fn line(out: &mut String, label: &str, s: &Score) {
    let _ = writeln!(
        out,
        "  {label:<44} found {:>3}/{:<3} {:>6}   unmatched {:>3}/{:<3} {:>6}   concept {:>3}/{:<3}",
        s.found,
        s.blocks,
        pct(s.found, s.blocks),
        s.unmatched,
        s.notes,
        pct(s.unmatched, s.notes),
        s.concept_ok,
        s.found
    );
    for (n, j) in &s.missed_blocks {
        let _ = writeln!(out, "      not found: {n} (best Jaccard {j:.3})");
    }
    for (n, j) in &s.unmatched_notes {
        let _ = writeln!(out, "      unmatched: {n} (best Jaccard {j:.3})");
    }
    for (b, r) in &s.wrong_concepts {
        let _ = writeln!(
            out,
            "      concept: {b} recorded as {}",
            r.as_deref().unwrap_or("NULL")
        );
    }
}

/// Checks `s` against the targets; `what` names the evidence in the messages.
fn check(s: &Score, what: &str, missed: &mut Vec<String>) {
    if s.blocks == 0 {
        missed.push(format!(
            "{what}: no note-level TextBlocks to measure against (no inline-XBRL filing with notes)"
        ));
        return;
    }
    let found = s.found as f64 / s.blocks as f64;
    if found < TARGET_FOUND {
        missed.push(format!(
            "{what}: {:.1}% of note TextBlocks found as a note row (target ≥ {:.0}%)",
            found * 100.0,
            TARGET_FOUND * 100.0
        ));
    }
    let unmatched = if s.notes == 0 {
        0.0
    } else {
        s.unmatched as f64 / s.notes as f64
    };
    if unmatched > TARGET_UNMATCHED {
        missed.push(format!(
            "{what}: {:.1}% of note rows match no TextBlock (target ≤ {:.0}%)",
            unmatched * 100.0,
            TARGET_UNMATCHED * 100.0
        ));
    }
    if s.found > 0 && (s.concept_ok as f64 / s.found as f64) < TARGET_CONCEPT {
        missed.push(format!(
            "{what}: {:.1}% of found notes record the TextBlock's concept in xbrl_concept (target ≥ {:.0}%)",
            100.0 * s.concept_ok as f64 / s.found as f64,
            TARGET_CONCEPT * 100.0
        ));
    }
}

/// Evaluates the `footnotes` output in the database at `db` against the filings' own inline
/// XBRL and the XBRL instances in `expected/xbrl/`.
pub fn run(db: &Path, expected: &Path) -> Result<Report> {
    let conn = finloom_store::open_ro(db)?;
    let catalog = finloom_store::current_catalog(&conn)?;
    let tables = finloom_store::list_tables(&conn, &catalog)?;
    if !tables.iter().any(|t| t == "footnotes") {
        return Err(EvalError::Other(format!(
            "{} has no `footnotes` table: run a pipeline with the footnotes stage first",
            db.display()
        )));
    }
    let filings = query_filings(&conn)?;
    let mut notes_by: std::collections::BTreeMap<String, Vec<NoteRow>> = Default::default();
    for (acc, n) in query_notes(&conn)? {
        notes_by.entry(acc).or_default().push(n);
    }
    drop(conn);

    let mut text = String::new();
    let mut missed = Vec::new();
    let _ = writeln!(
        text,
        "footnotes: note rows (kind = 'note') against the note-level inline-XBRL …TextBlock facts \
         (word Jaccard ≥ {THRESHOLD})"
    );
    let _ = writeln!(
        text,
        "targets: found ≥ {:.0}%, unmatched ≤ {:.0}%, concept recorded ≥ {:.0}%",
        TARGET_FOUND * 100.0,
        TARGET_UNMATCHED * 100.0,
        TARGET_CONCEPT * 100.0
    );
    let _ = writeln!(text, "inline-XBRL filings:");
    let mut overall = Score::default();
    let mut per_filing = Vec::new();
    let mut unscored = (0usize, 0usize); // filings, note rows
    let mut errors = Vec::new();
    let empty = Vec::new();
    for f in &filings {
        let notes = notes_by.get(&f.accession).unwrap_or(&empty);
        let raw = match finloom_ingest::read_filing(Path::new(&f.source_path)) {
            Ok(filing) => filing.document.raw.to_string(),
            Err(e) => {
                errors.push(
                    json!({"accession_number": f.accession, "source_path": f.source_path,
                    "error": e.to_string()}),
                );
                let _ = writeln!(
                    text,
                    "  {}: cannot re-read {}: {e}",
                    f.accession, f.source_path
                );
                missed.push(format!(
                    "{}: cannot re-read {} to measure it",
                    f.accession, f.source_path
                ));
                continue;
            }
        };
        let all = inline_text_blocks(&raw);
        if all.is_empty() {
            if !notes.is_empty() {
                unscored.0 += 1;
                unscored.1 += notes.len();
            }
            continue;
        }
        let blocks: Vec<TextBlock> = all
            .into_iter()
            .filter(|b| !b.nested && note_level_name(&b.block.name))
            .map(|b| b.block)
            .collect();
        let s = score(&blocks, notes);
        overall.add(&s);
        line(&mut text, &format!("{} {}", f.form, short_name(f)), &s);
        let mut j = s.json();
        j["accession_number"] = json!(f.accession);
        j["form_type"] = json!(f.form);
        j["company_name"] = json!(f.company);
        j["source_path"] = json!(f.source_path);
        per_filing.push(j);
    }
    line(&mut text, "overall", &overall);
    check(&overall, "inline XBRL", &mut missed);
    if unscored.0 > 0 {
        let _ = writeln!(
            text,
            "  ({} note rows in {} filings without inline XBRL: no evidence, not scored)",
            unscored.1, unscored.0
        );
    }

    // XBRL instances shipped with the corpus.
    let mut inst_json = Vec::new();
    let inst = instances(expected);
    if !inst.is_empty() {
        let _ = writeln!(
            text,
            "XBRL instances ({}):",
            expected.join("xbrl").display()
        );
    }
    for p in inst {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(acc) = accession_in(&name) else {
            let _ = writeln!(
                text,
                "  {name}: no accession number in the file name, skipped"
            );
            continue;
        };
        if !filings.iter().any(|f| f.accession == acc) {
            let _ = writeln!(
                text,
                "  {name}: filing {acc} is not in the database, skipped"
            );
            inst_json.push(json!({"file": name, "accession_number": acc, "in_database": false}));
            continue;
        }
        let xml = std::fs::read_to_string(&p).map_err(|e| EvalError::Read {
            path: p.clone(),
            message: e.to_string(),
        })?;
        let blocks = instance_note_blocks(&xml);
        let s = score(&blocks, notes_by.get(acc).unwrap_or(&empty));
        line(&mut text, &name, &s);
        check(&s, &format!("XBRL instance {name}"), &mut missed);
        let mut j = s.json();
        j["file"] = json!(name);
        j["accession_number"] = json!(acc);
        j["in_database"] = json!(true);
        inst_json.push(j);
    }

    let json = json!({
        "eval": "footnotes",
        "database": db.display().to_string(),
        "threshold": THRESHOLD,
        "targets": {"found_min": TARGET_FOUND, "unmatched_max": TARGET_UNMATCHED,
                    "concept_min": TARGET_CONCEPT},
        "overall": overall.json(),
        "filings": per_filing,
        "unscored": {"filings": unscored.0, "note_rows": unscored.1},
        "instances": inst_json,
        "errors": errors,
        "missed": missed,
    });
    Ok(Report { text, json, missed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_blocks_follow_continuations_and_nesting() {
        let raw = r#"<html xmlns:ix="http://www.xbrl.org/2013/inlineXBRL"><body>
<ix:nonNumeric name="us-gaap:DebtDisclosureTextBlock" contextRef="c" continuedAt="k1"><p>Note 6 &#8211; Debt</p>
<p>Commercial paper</p></ix:nonNumeric>
<p>Apple Inc. | Q3 2023 Form 10-Q | 12</p>
<ix:continuation id="k1"><p>Term debt &amp; notes</p>
<ix:nonNumeric name="us-gaap:LongTermDebtTextBlock" contextRef="c"><table><tr><td>2024 notes</td></tr></table></ix:nonNumeric>
<ix:exclude><p>page 13</p></ix:exclude>
<ix:nonNumeric name="us-gaap:DebtPolicyTextBlock" contextRef="c"/></ix:continuation>
<ix:nonNumeric name="dei:DocumentsIncorporatedByReferenceTextBlock" contextRef="c">proxy</ix:nonNumeric>
</body></html>"#;
        let all = inline_text_blocks(raw);
        let names: Vec<(&str, bool)> = all
            .iter()
            .map(|b| (b.block.name.as_str(), b.nested))
            .collect();
        assert_eq!(
            names,
            [
                ("us-gaap:DebtDisclosureTextBlock", false),
                ("us-gaap:LongTermDebtTextBlock", true),
                ("us-gaap:DebtPolicyTextBlock", true),
                ("dei:DocumentsIncorporatedByReferenceTextBlock", false),
            ]
        );
        let t = &all[0].block.text;
        assert!(
            t.contains("Term debt & notes") && t.contains("2024 notes"),
            "{t}"
        );
        assert!(t.contains("Debt") && t.contains('–'));
        assert!(!t.contains("page 13") && !t.contains("Form 10-Q"), "{t}");
        let notes = inline_note_blocks(raw);
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].name, "us-gaap:DebtDisclosureTextBlock");
    }

    #[test]
    fn instance_blocks_unescape_and_use_containment() {
        let xml = r#"<xbrl><us-gaap:IncomeTaxDisclosureTextBlock contextRef="c-1" id="f-1">Income Taxes&lt;div&gt;Apple&amp;#8217;s tax &amp;amp; the &lt;b&gt;rate&lt;/b&gt; table x&lt;/div&gt;</us-gaap:IncomeTaxDisclosureTextBlock>
<us-gaap:PropertyPlantAndEquipmentTextBlock contextRef="c-1">the rate table</us-gaap:PropertyPlantAndEquipmentTextBlock>
<us-gaap:SegmentReportingDisclosureTextBlock contextRef="c-1"><![CDATA[<p>Segment &amp; info</p>]]></us-gaap:SegmentReportingDisclosureTextBlock>
<srt:ScheduleOfValuationAndQualifyingAccountsDisclosureTextBlock contextRef="c-1">Schedule II</srt:ScheduleOfValuationAndQualifyingAccountsDisclosureTextBlock></xbrl>"#;
        let all = instance_text_blocks(xml);
        assert_eq!(all.len(), 4);
        assert!(
            all[0].text.contains("Apple’s tax & the  rate"),
            "{}",
            all[0].text
        );
        assert!(all[2].text.contains("Segment & info"));
        let notes: Vec<String> = instance_note_blocks(xml)
            .into_iter()
            .map(|b| b.name)
            .collect();
        assert_eq!(
            notes,
            [
                "us-gaap:IncomeTaxDisclosureTextBlock",
                "us-gaap:SegmentReportingDisclosureTextBlock"
            ]
        );
    }

    #[test]
    fn note_level_names() {
        assert!(note_level_name("us-gaap:IncomeTaxDisclosureTextBlock"));
        assert!(note_level_name("aapl:SomethingDisclosureTextBlock"));
        assert!(!note_level_name("us-gaap:IncomeTaxPolicyTextBlock"));
        assert!(!note_level_name(
            "us-gaap:DisaggregationOfRevenueTableTextBlock"
        ));
        assert!(!note_level_name(
            "us-gaap:ScheduleOfDebtInstrumentsTextBlock"
        ));
        assert!(!note_level_name(
            "dei:DocumentsIncorporatedByReferenceTextBlock"
        ));
        assert!(!note_level_name("us-gaap:Revenues"));
        // Item 1C's cybersecurity blocks are not notes.
        assert!(!note_level_name(
            "cyd:CybersecurityRiskBoardOfDirectorsOversightTextBlock"
        ));
    }

    #[test]
    fn scoring_counts_found_unmatched_and_concepts() {
        let blocks = vec![
            TextBlock {
                name: "a:ATextBlock".into(),
                text: "Income taxes the company paid taxes".into(),
            },
            TextBlock {
                name: "a:BTextBlock".into(),
                text: "Debt the company issued notes".into(),
            },
        ];
        let row = |n: &str, t: &str, c: Option<&str>| NoteRow {
            ordinal: 0,
            note_number: Some(n.into()),
            title: None,
            text: t.into(),
            xbrl_concept: c.map(str::to_string),
        };
        let notes = vec![
            row(
                "1",
                "Income Taxes. The company paid taxes.",
                Some("a:ATextBlock"),
            ),
            row("2", "Debt: the company issued notes", None),
            row("3", "Something else entirely", None),
        ];
        let s = score(&blocks, &notes);
        assert_eq!((s.blocks, s.found, s.notes, s.unmatched), (2, 2, 3, 1));
        assert_eq!(s.concept_ok, 1);
        assert_eq!(s.wrong_concepts, [("a:BTextBlock".to_string(), None)]);
        let mut m = Vec::new();
        check(&s, "x", &mut m);
        assert_eq!(m.len(), 2, "{m:?}"); // unmatched 33 %, concept 50 %
    }

    #[test]
    fn accession_from_file_name() {
        assert_eq!(
            accession_in("AAPL_0000320193-23-000077_htm.xml"),
            Some("0000320193-23-000077")
        );
        assert_eq!(accession_in("GAXY_2021-06-30.html"), None);
    }
}

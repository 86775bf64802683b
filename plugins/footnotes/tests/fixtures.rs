//! Fixture tests over real filings: the notes found against the inline-XBRL `…TextBlock`
//! facts that wrap each note to the financial statements.
//!
//! Note-level TextBlocks are taken to be the `…TextBlock` facts (not `dei:`/`ecd:` cover or
//! governance blocks) that are not nested inside another TextBlock: policies and schedules
//! sit inside their note's block.

use finloom_footnotes_v1::FootnotesPlugin;
use finloom_plugin_api::{Plugin, TableRows};
use std::collections::HashSet;
use std::path::PathBuf;

fn fixture(rel: &str) -> PathBuf {
    manifest_dir()
        .join("../../tests/fixtures/filings")
        .join(rel)
}

fn words(t: &str) -> HashSet<String> {
    t.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

fn jaccard(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    let inter = a.intersection(b).count();
    let union = a.len() + b.len() - inter;
    if union == 0 {
        1.0
    } else {
        inter as f64 / union as f64
    }
}

/// A `…TextBlock` fact rebuilt from the raw iXBRL: its first fragment plus the
/// `ix:continuation` chain (`continuedAt`), as byte ranges of `Document::raw` and text.
///
/// The document model records a fact's span only for its first fragment, so a note whose
/// block continues across page breaks would look like its title alone; the oracle needs the
/// whole text, which only the raw document has.
struct RawBlock {
    name: String,
    ranges: Vec<(usize, usize)>,
    text: String,
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let pat = format!(" {name}=\"");
    let i = tag.find(&pat)? + pat.len();
    let j = tag[i..].find('"')? + i;
    Some(tag[i..j].to_string())
}

/// Byte range of the element whose start tag begins at `at` (tags named `tag`, nesting-aware).
fn element_range(raw: &str, at: usize, tag: &str) -> (usize, usize) {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut depth = 0usize;
    let mut i = at;
    loop {
        let o = raw[i..].find(&open).map(|x| x + i);
        let c = raw[i..].find(&close).map(|x| x + i);
        match (o, c) {
            (Some(o), Some(c)) if o < c => {
                depth += 1;
                i = o + open.len();
            }
            (_, Some(c)) => {
                depth = depth.saturating_sub(1);
                i = c + close.len();
                if depth == 0 {
                    return (at, i);
                }
            }
            _ => return (at, raw.len()),
        }
    }
}

fn strip_html(s: &str) -> String {
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
    // Entities: numeric and the common named ones.
    let mut res = String::with_capacity(out.len());
    let mut rest = out.as_str();
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

fn raw_text_blocks(raw: &str) -> Vec<RawBlock> {
    let mut conts: std::collections::HashMap<String, (usize, usize, Option<String>)> =
        Default::default();
    let mut i = 0;
    while let Some(k) = raw[i..].find("<ix:continuation") {
        let at = i + k;
        let tag_end = raw[at..].find('>').map(|x| x + at).unwrap_or(raw.len());
        let tag = &raw[at..tag_end];
        let r = element_range(raw, at, "ix:continuation");
        if let Some(id) = attr(tag, "id") {
            conts.insert(id, (r.0, r.1, attr(tag, "continuedAt")));
        }
        i = tag_end;
    }
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(k) = raw[i..].find("<ix:nonNumeric") {
        let at = i + k;
        let tag_end = raw[at..].find('>').map(|x| x + at).unwrap_or(raw.len());
        let tag = &raw[at..tag_end];
        i = tag_end;
        let Some(name) = attr(tag, "name") else {
            continue;
        };
        if !name.ends_with("TextBlock") {
            continue;
        }
        let mut ranges = vec![element_range(raw, at, "ix:nonNumeric")];
        let mut next = attr(tag, "continuedAt");
        let mut guard = 0;
        while let Some(id) = next {
            guard += 1;
            let Some((a, b, n)) = conts.get(&id) else {
                break;
            };
            ranges.push((*a, *b));
            next = n.clone();
            if guard > 1000 {
                break;
            }
        }
        let text = ranges
            .iter()
            .map(|(a, b)| strip_html(&raw[*a..*b]))
            .collect::<Vec<_>>()
            .join(" ");
        out.push(RawBlock { name, ranges, text });
    }
    out
}

/// Note-level blocks: not `dei:`/`ecd:` (cover page, insider-trading disclosures), not an
/// accounting policy (`…PolicyTextBlock`: a paragraph of Note 1, sometimes tagged outside the
/// note's own block), and not starting inside another TextBlock.
fn note_blocks(all: &[RawBlock]) -> Vec<&RawBlock> {
    all.iter()
        .filter(|b| !b.name.starts_with("dei:") && !b.name.starts_with("ecd:"))
        .filter(|b| !b.name.ends_with("PolicyTextBlock"))
        .filter(|b| {
            let s = b.ranges[0].0;
            !all.iter()
                .any(|o| !std::ptr::eq(*b, o) && o.ranges.iter().any(|(a, e)| *a < s && s < *e))
        })
        .collect()
}

struct Score {
    found: usize,
    blocks: usize,
    matched_notes: usize,
    notes: usize,
}

fn score(rel: &str) -> Score {
    let filing = finloom_ingest::read_filing(&fixture(rel)).expect("ingest");
    let doc = &filing.document;
    let out: Vec<TableRows> =
        FootnotesPlugin::extract(&filing.meta, doc, &[], "{}").expect("extract");
    let t = &out[0];
    let notes: Vec<(String, String, HashSet<String>)> = t
        .rows
        .iter()
        .filter(|r| t.get(r, "kind").as_str() == Some("note"))
        .map(|r| {
            (
                t.get(r, "note_number").as_str().unwrap_or("").to_string(),
                t.get(r, "title").as_str().unwrap_or("").to_string(),
                words(t.get(r, "text").as_str().unwrap()),
            )
        })
        .collect();
    let all = raw_text_blocks(doc.raw.as_str());
    let blocks = note_blocks(&all);
    let block_words: Vec<HashSet<String>> = blocks.iter().map(|b| words(&b.text)).collect();
    let mut found = 0;
    for (f, bw) in blocks.iter().zip(&block_words) {
        let best = notes
            .iter()
            .map(|(_, _, nw)| jaccard(bw, nw))
            .fold(0.0, f64::max);
        if best >= 0.9 {
            found += 1;
        } else {
            eprintln!("  {rel}: TextBlock {} best Jaccard {:.3}", f.name, best);
        }
    }
    let mut matched = 0;
    for (num, title, nw) in &notes {
        let best = block_words
            .iter()
            .map(|bw| jaccard(bw, nw))
            .fold(0.0, f64::max);
        if best >= 0.9 {
            matched += 1;
        } else {
            eprintln!("  {rel}: note {num} {title:?} best Jaccard {:.3}", best);
        }
    }
    Score {
        found,
        blocks: blocks.len(),
        matched_notes: matched,
        notes: notes.len(),
    }
}

#[test]
fn notes_match_inline_xbrl_textblocks() {
    for rel in [
        "10-K/AAPL_0000320193-24-000123.html",
        "10-Q/AAPL_0000320193-23-000077.html",
    ] {
        let s = score(rel);
        let recall = s.found as f64 / s.blocks.max(1) as f64;
        let unmatched = 1.0 - s.matched_notes as f64 / s.notes.max(1) as f64;
        eprintln!(
            "{rel}: {}/{} note-level TextBlocks found with Jaccard >= 0.9 ({:.1}%); {}/{} notes match no TextBlock ({:.1}%)",
            s.found,
            s.blocks,
            recall * 100.0,
            s.notes - s.matched_notes,
            s.notes,
            unmatched * 100.0
        );
        assert!(
            s.blocks >= 5,
            "{rel}: expected note TextBlocks in the fixture"
        );
        assert!(recall >= 0.95, "{rel}: recall {recall:.3}");
        assert!(unmatched <= 0.05, "{rel}: unmatched {unmatched:.3}");
    }
}

/// Every fixture runs, ids unique; prints what was found.
#[test]
fn all_fixtures_extract() {
    let root = fixture("");
    let mut paths: Vec<PathBuf> = Vec::new();
    for form in ["10-K", "10-Q", "8-K"] {
        for e in std::fs::read_dir(root.join(form)).unwrap() {
            paths.push(e.unwrap().path());
        }
    }
    paths.sort();
    for p in paths {
        let Ok(filing) = finloom_ingest::read_filing(&p) else {
            eprintln!("{}: ingest failed, skipped", p.display());
            continue;
        };
        let out = FootnotesPlugin::extract(&filing.meta, &filing.document, &[], "{}")
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let t = &out[0];
        let notes: Vec<String> = t
            .rows
            .iter()
            .filter(|r| t.get(r, "kind").as_str() == Some("note"))
            .map(|r| {
                format!(
                    "{} {}",
                    t.get(r, "note_number").as_str().unwrap_or("?"),
                    t.get(r, "title")
                        .as_str()
                        .unwrap_or("")
                        .chars()
                        .take(30)
                        .collect::<String>()
                )
            })
            .collect();
        let tn = t.rows.len() - notes.len();
        eprintln!(
            "{}: {} notes, {} table notes: {:?}",
            p.file_name().unwrap().to_string_lossy(),
            notes.len(),
            tn,
            notes
        );
        let ids: HashSet<&str> = t
            .rows
            .iter()
            .map(|r| t.get(r, "id").as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), t.rows.len());
    }
}

/// The package directory, read at run time: `cargo test` sets it for the test process. The
/// compile-time value is only a fallback, because a test binary that cargo considers fresh may
/// have been compiled from another checkout sharing the same target directory (CI does that).
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

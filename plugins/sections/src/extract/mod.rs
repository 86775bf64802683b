//! The extraction logic of the `sections` plugin (see the crate docs for the method).
//!
//! One module per step of the method, in the order they run ([`extract_sections`] calls
//! them):
//!
//! | step | module |
//! |---|---|
//! | form families, their items in order, how items and parts are printed | `numbering` |
//! | 1. units, page furniture and the page numbers it prints | `units` |
//! | 2. heading candidates | `candidates` |
//! | 3. parts, order keys and the maximum-weight chain of headings | `chain` |
//! | 3. a Form 10-K cross-reference index instead of item headings | `cross_reference` |
//! | 3. headings without an item number: a title alone, the executive officers | `unnumbered` |
//! | 4. a section's end, its text as read (tables in place), words and status | `body` |
//! | 4. combined headings, PART bodies and shared bodies that speak for several items | `combined` |
//!
//! This module is self-contained (it and its submodules name no `crate::` items, only
//! `super::` ones) on purpose: the chunkers' tests and examples compile it directly with
//! `#[path = "…/sections/src/extract/mod.rs"]`, because linking this crate's rlib next to
//! another plugin would define abi_stable's root-module symbol twice. Its submodules are found
//! next to this file however it is included, because it is a `mod.rs`.

mod body;
mod candidates;
mod chain;
mod combined;
mod cross_reference;
mod numbering;
mod units;
mod unnumbered;

use finloom_plugin_api::schema::{ColumnSpec as C, TableSchema};
use finloom_plugin_api::{
    util::CharIndex, Document, FilingMeta, Manifest, TableRows, Value, INTERFACE_VERSION,
};
use serde::Deserialize;

use body::{build_text, status_of, trim_trailing_part_heading};
use candidates::{find_candidates, Candidate};
use chain::{assign_parts, choose_chain};
use combined::{inherit_status_of_shared_body, items_of_part_body, split_combined_headings};
use cross_reference::{cross_reference_index, IndexedItem};
use numbering::part_name;
use units::{build_units, UnitKind};
use unnumbered::{executive_officers, title_only_items};

pub use body::table_as_read;
pub use combined::items_named;
pub use numbering::{form_family, Form};
pub use unnumbered::EXECUTIVE_OFFICERS;

/// Plugin name as declared in the manifest.
pub const NAME: &str = "sections";
/// Plugin version as declared in the manifest.
/// Taken from Cargo.toml, so the crate and the manifest cannot disagree.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The output table.
pub const TABLE: &str = "sections";

/// The output table, declared once: the manifest's declaration and the rows are built from
/// it. One row per (accession_number, section_type), the key.
pub const SCHEMA: TableSchema<14> = TableSchema::new(
    TABLE,
    [
        C::text("id"),
        C::text("accession_number"),
        C::text("section_type"),
        C::text("part").nullable(),
        C::text("item"),
        C::text("title").nullable(),
        C::text("text"),
        C::bigint("char_start").nullable(),
        C::bigint("char_end").nullable(),
        C::bigint("word_count").nullable(),
        C::text("status"),
        C::text("method"),
        C::double("confidence"),
        C::bigint("section_index"),
    ],
    &["accession_number", "section_type"],
);

/// The stage's config table (`[stages.sections]` in pipeline.toml). Every field has a default,
/// so `{}` is a valid config.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// End the last section at a `SIGNATURES` heading, or at the title of a financial section
    /// that follows the items ("FINANCIAL SECTION"), when there is one.
    pub stop_at_signatures: bool,
    /// Units longer than this (in characters) need a heading style or a separator followed
    /// by a capitalised title to count as a heading.
    pub max_heading_chars: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            stop_at_signatures: true,
            max_heading_chars: 200,
        }
    }
}

/// The manifest: stage `sections`, no inputs, one output table keyed by
/// `(accession_number, section_type)`.
pub fn manifest() -> Manifest {
    Manifest {
        name: NAME.into(),
        version: VERSION.into(),
        interface_version: INTERFACE_VERSION,
        stage: "sections".into(),
        inputs: Default::default(),
        outputs: vec![SCHEMA.decl()].into(),
    }
}

/// Runs the extraction and returns the `sections` table rows.
pub fn extract_table(
    filing: &FilingMeta,
    doc: &Document,
    config_json: &str,
) -> Result<TableRows, String> {
    let config = parse_config(config_json).map_err(|e| format!("sections config: {e}"))?;
    let sections = extract_sections(filing, doc, &config)?;
    let mut out = SCHEMA.rows();
    for s in sections {
        out.push([
            s.id.into(),
            s.accession_number.into(),
            s.section_type.into(),
            s.part.into(),
            s.item.into(),
            s.title.into(),
            s.text.into(),
            (s.char_start as i64).into(),
            (s.char_end as i64).into(),
            (s.word_count as i64).into(),
            s.status.into(),
            s.method.into(),
            Value::Float(s.confidence),
            (s.section_index as i64).into(),
        ])?;
    }
    Ok(out.finish())
}

/// Parses the stage config; empty or blank input means defaults.
/// Errors name the key first (`` `key`: … ``), as the host's plan-time check wants.
pub fn parse_config(config_json: &str) -> Result<Config, String> {
    finloom_plugin_kit::config::parse(config_json)
}

/// One extracted section (one row of the `sections` table).
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub id: String,
    pub accession_number: String,
    pub section_type: String,
    pub part: Option<String>,
    pub item: String,
    pub title: Option<String>,
    pub text: String,
    pub char_start: usize,
    pub char_end: usize,
    pub word_count: usize,
    pub status: &'static str,
    pub method: &'static str,
    pub confidence: f64,
    pub section_index: usize,
}

// ---------------------------------------------------------------------------------------------
// The steps, in order

/// Extracts the sections of one filing.
pub fn extract_sections(
    filing: &FilingMeta,
    doc: &Document,
    cfg: &Config,
) -> Result<Vec<Section>, String> {
    let form = form_family(filing.form_type.as_str()).ok_or_else(|| {
        format!(
            "sections: unsupported form type {:?} (supported: 10-K, 10-Q, 8-K families)",
            filing.form_type.as_str()
        )
    })?;
    let acc = filing.accession_number.as_str();
    let units = build_units(doc);
    let cands = find_candidates(doc, &units, cfg);
    let mut cands = assign_parts(&units, cands, form);
    let chain = choose_chain(&units, &mut cands);
    let mut chosen: Vec<&Candidate> = chain.iter().map(|&i| &cands[i]).collect();
    // A 10-K or 10-Q organised by a cross-reference index ("Form 10-K Cross Reference Index",
    // "Form 10-Q …") has no item headings in its body: when such an index lists items the
    // headings did not find, locate the items through the index instead.
    let mut index_stop: Option<usize> = None;
    let from_index: Vec<Candidate>;
    let mut indexed_elsewhere: Vec<IndexedItem> = Vec::new();
    if matches!(form, Form::TenK | Form::TenQ) {
        if let Some((iu, found, others)) = cross_reference_index(doc, acc, &units, &chosen, form) {
            from_index = found;
            chosen = from_index.iter().collect();
            index_stop = Some(iu);
            indexed_elsewhere = others;
        }
    }
    // Items whose heading is printed without its number ("RISK FACTORS" between Items 1 and
    // 2, "QUANTITATIVE AND QUALITATIVE DISCLOSURES ABOUT MARKET RISK" inside Item 7): found
    // by their title where the item would sit, so Item 1 does not run on into the risk
    // factors, nor Item 7 into 7A.
    let by_title: Vec<Candidate> = if form == Form::TenK && index_stop.is_none() {
        title_only_items(doc, &units, &chosen)
    } else {
        Vec::new()
    };
    for c in &by_title {
        let at = chosen.partition_point(|x| x.unit < c.unit);
        chosen.insert(at, c);
    }
    // The unnumbered "Executive Officers of the Registrant" at the end of Part I (Regulation
    // S-K lets it sit there instead of in the proxy): its own section, never the tail of
    // Item 4 (or of whichever Part I item comes last).
    let officers: Option<Candidate> = if form == Form::TenK {
        executive_officers(doc, &units, &chosen)
    } else {
        None
    };
    if let Some(eo) = &officers {
        let at = chosen.partition_point(|c| c.unit < eo.unit);
        chosen.insert(at, eo);
    }
    let cix = CharIndex::new(doc.text.as_str());

    let mut sections = Vec::new();
    // (PART heading unit, end) of part bodies cut off the item before them.
    let mut part_blocks: Vec<(usize, usize)> = Vec::new();
    for (k, c) in chosen.iter().enumerate() {
        let mut end_unit = match chosen.get(k + 1) {
            Some(n) => n.unit,
            None => units.len(),
        };
        // The index (and its caption line) is not part of the item before it.
        if let Some(iu) = index_stop {
            if iu > c.unit && iu < end_unit {
                end_unit = iu;
                while end_unit > c.unit + 1 {
                    let u = &units[end_unit - 1];
                    let t = doc.text[u.start..u.end].to_ascii_lowercase();
                    // "Form 10-K Cross-Reference Index", not "(a)3. Exhibit Index".
                    let caption = !matches!(u.kind, UnitKind::Table(_))
                        && t.len() <= 100
                        && ((t.contains("index") && (t.contains("10-k") || t.contains("10-q")))
                            || t.contains("cross-reference")
                            || t.contains("cross reference"));
                    if u.furniture || caption {
                        end_unit -= 1;
                    } else {
                        break;
                    }
                }
            }
        }
        if k + 1 == chosen.len() && cfg.stop_at_signatures {
            if let Some(s) = (c.title_end_unit + 1..end_unit).find(|&i| units[i].back_matter) {
                end_unit = s;
            }
        }
        // A later PART heading with a body but no item headings of its own ("PART III The
        // information called for by Items 10 … 14 is incorporated by reference …") ends
        // this item; the part's body is kept for the items it names.
        if matches!(form, Form::TenK | Form::TenKsb) {
            if let Some(pu) = (c.title_end_unit + 1..end_unit)
                .find(|&i| units[i].part.is_some_and(|p| p > c.part) && !units[i].toc_table)
            {
                part_blocks.push((pu, end_unit));
                end_unit = pu;
            }
        }
        // Leave a PART heading that introduces the next item out of this section.
        end_unit = trim_trailing_part_heading(&units, c.title_end_unit + 1, end_unit);
        let built = build_text(doc, acc, &units, c, end_unit);
        let start_byte = units[c.unit].start;
        let end_byte = built.end_byte.max(units[c.title_end_unit].end);
        let item_label = c.item.label();
        let section_type = match form {
            Form::TenQ => format!("part{}_item{}", c.part, item_label.to_ascii_lowercase()),
            _ if c.method == EXECUTIVE_OFFICERS => EXECUTIVE_OFFICERS.to_string(),
            _ => format!("item_{}", item_label.to_ascii_lowercase()),
        };
        let part = match form {
            Form::EightK => None,
            _ => Some(part_name(c.part)),
        };
        let status = status_of(&c.title, &built.text, built.words);
        sections.push(Section {
            id: format!("{acc}/sec/{section_type}"),
            accession_number: acc.to_string(),
            section_type,
            part,
            item: item_label,
            title: if c.title.is_empty() {
                None
            } else {
                Some(c.title.clone())
            },
            text: built.text,
            char_start: cix.chars(doc.text.as_str(), start_byte),
            char_end: cix.chars(doc.text.as_str(), end_byte),
            word_count: built.words,
            status,
            method: c.method,
            confidence: (c.score.clamp(0.0, 1.0) * 1000.0).round() / 1000.0,
            section_index: k,
        });
    }
    for (pu, end) in part_blocks {
        sections.extend(items_of_part_body(
            doc, acc, &units, &cix, form, pu, end, &sections,
        ));
    }
    for x in indexed_elsewhere {
        let item_label = x.item.label();
        let section_type = match form {
            Form::TenQ => format!("part{}_item{}", x.part, item_label.to_ascii_lowercase()),
            _ => format!("item_{}", item_label.to_ascii_lowercase()),
        };
        if sections.iter().any(|s| s.section_type == section_type) {
            continue;
        }
        let status = status_of(&x.title, &x.text, x.words);
        sections.push(Section {
            id: format!("{acc}/sec/{section_type}"),
            accession_number: acc.to_string(),
            section_type,
            part: Some(part_name(x.part)),
            item: item_label,
            title: Some(x.title),
            text: x.text,
            char_start: cix.chars(doc.text.as_str(), x.start),
            char_end: cix.chars(doc.text.as_str(), x.end),
            word_count: x.words,
            status,
            method: "cross_reference_index",
            confidence: 0.5,
            section_index: usize::MAX,
        });
    }
    sections.sort_by_key(|s| (s.char_start, s.section_index));
    inherit_status_of_shared_body(&mut sections);
    if form != Form::EightK {
        sections = split_combined_headings(form, acc, sections);
    }
    Ok(sections)
}

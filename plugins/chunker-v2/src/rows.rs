//! The `chunks` rows of a filing: each section cut by the steps of the crate docs, with its
//! context prefix, token count, character offsets into the section text and content hash.

use finloom_plugin_api::{util::CharIndex, Document, FilingMeta, TableRows, Value};
use finloom_plugin_kit::text::collapse_ws;

use crate::pack::{chunk_section, render};
use crate::{bpe, count_tokens, Config, NAME, SCHEMA, VERSION};

/// `company | form | period | section title`, leaving out empty parts. The title is cut to
/// 100 characters.
pub fn context_prefix(filing: &FilingMeta, title: Option<&str>, section_type: &str) -> String {
    let date = if filing.period_of_report.trim().is_empty() {
        filing.filed_date.as_str()
    } else {
        filing.period_of_report.as_str()
    };
    let title = collapse_ws(
        title
            .filter(|t| !t.trim().is_empty())
            .unwrap_or(section_type),
    );
    let title = if title.chars().count() > 100 {
        let cut: String = title.chars().take(99).collect();
        format!("{}…", cut.trim_end())
    } else {
        title
    };
    [
        collapse_ws(filing.company_name.as_str()),
        collapse_ws(filing.form_type.as_str()),
        date.trim().to_string(),
        title,
    ]
    .into_iter()
    .filter(|p| !p.is_empty())
    .collect::<Vec<_>>()
    .join(" | ")
}

/// Byte offset of character `ch` in `s` (clamped to the end).
fn byte_of_char(s: &str, ch: usize) -> usize {
    s.char_indices().nth(ch).map_or(s.len(), |(b, _)| b)
}

/// Turns the `sections` rows of one filing into `chunks` rows.
pub fn chunk_sections(
    filing: &FilingMeta,
    doc: &Document,
    sections: &TableRows,
    cfg: &Config,
) -> Result<TableRows, String> {
    let bpe = bpe(&cfg.tokenizer)?;
    let mut rows: Vec<&[Value]> = sections.rows.iter().map(|r| r.as_slice()).collect();
    // Deterministic order whatever order the host hands rows in: document order, then type.
    let key = |r: &[Value]| {
        (
            sections
                .get(r, "section_index")
                .as_i64()
                .unwrap_or(i64::MAX),
            sections
                .get(r, "section_type")
                .as_str()
                .unwrap_or("")
                .to_string(),
        )
    };
    rows.sort_by_key(|a| key(a));
    let dtext = doc.text.as_str();
    let mut out = SCHEMA.rows();
    for row in rows {
        let section_id = sections
            .get(row, "id")
            .as_str()
            .ok_or("chunker: sections row without id")?;
        let section_type = sections
            .get(row, "section_type")
            .as_str()
            .ok_or("chunker: sections row without section_type")?;
        let accession = sections
            .get(row, "accession_number")
            .as_str()
            .unwrap_or(filing.accession_number.as_str());
        let text = sections.get(row, "text").as_str().unwrap_or("");
        if text.trim().is_empty() {
            continue;
        }
        let prefix = context_prefix(filing, sections.get(row, "title").as_str(), section_type);
        // The section's range in the document, to find its blocks (whole document if absent).
        let doc_range = match (
            sections.get(row, "char_start").as_i64(),
            sections.get(row, "char_end").as_i64(),
        ) {
            (Some(s), Some(e)) if s >= 0 && e >= s => {
                let bs = byte_of_char(dtext, s as usize);
                (bs, bs + byte_of_char(&dtext[bs..], (e - s) as usize))
            }
            _ => (0, dtext.len()),
        };
        let (budget, prefix_tokens) = if cfg.count_prefix_tokens {
            let p = count_tokens(bpe, &format!("{prefix}\n\n"));
            if p + 16 > cfg.max_tokens {
                return Err(format!(
                    "chunker: the context prefix of {section_id} takes {p} tokens, too many for \
                     max_tokens {} with count_prefix_tokens",
                    cfg.max_tokens
                ));
            }
            (cfg.max_tokens - p, true)
        } else {
            (cfg.max_tokens, false)
        };
        let drafts = chunk_section(bpe, text, doc, doc_range, budget, cfg.min_tokens);
        let cix = CharIndex::new(text);
        for (i, d) in drafts.iter().enumerate() {
            let body = render(text, &d.atoms);
            let mut token_count = d.tokens;
            if prefix_tokens {
                token_count = count_tokens(bpe, &format!("{prefix}\n\n{body}"));
            }
            if token_count > cfg.max_tokens {
                return Err(format!(
                    "chunker: internal error: chunk {i} of {section_id} has {token_count} tokens"
                ));
            }
            let start = d.atoms.first().map_or(0, |a| a.start);
            let end = d.atoms.last().map_or(0, |a| a.end);
            let hash = blake3::hash(body.as_bytes()).to_hex().to_string();
            out.push([
                format!("{accession}/chunk/{section_type}/{i}").into(),
                accession.into(),
                section_id.into(),
                section_type.into(),
                i.into(),
                body.into(),
                token_count.into(),
                cix.chars(text, start).into(),
                cix.chars(text, end).into(),
                NAME.into(),
                VERSION.into(),
                cfg.tokenizer.as_str().into(),
                hash.into(),
                prefix.as_str().into(),
            ])?;
        }
    }
    Ok(out.finish())
}

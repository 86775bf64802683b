//! finloom-ingest: reads SEC EDGAR filings from disk into metadata plus **one** parsed
//! document model ([`Document`]) that every extractor plugin shares.
//!
//! Why one crate does all of this: plugins must never re-parse HTML (it is slow, and two
//! parsers would disagree about text and offsets). So the host calls [`read_filing`] once per
//! file and hands the same [`Filing`] to every plugin.
//!
//! What a file can be (all seen in the wild, all in `tests/fixtures/filings`):
//!
//! * a **full submission** `.txt` — SGML header + every document of the filing (1993–today,
//!   sometimes PEM-wrapped); the primary document is picked by its `<TYPE>`;
//! * a **primary document** `.htm`/`.html` — HTML 3.2-era markup, Word/Donnelley exports,
//!   or inline-XBRL XHTML; some still start with the `<DOCUMENT><TYPE>…<TEXT>` envelope of the
//!   submission they were cut from;
//! * a **plain-text** `.txt` primary document.
//!
//! The steps: [`decode`] (UTF-8, else Windows-1252, never fails) after rejecting empty and
//! binary files; unwrap the SGML container (`sgml`); parse the primary document with
//! [`parse_html`] or [`parse_text`]; gather metadata from the most authoritative place that
//! has it (`meta`: header, envelope, inline-XBRL `dei:` facts, file name, cover-page text).
//!
//! Errors are reserved for files that are not filings at all (empty, binary, truncated SGML);
//! anything merely unusual (no accession number, a truncated exhibit, bytes that are not
//! UTF-8, pathological nesting) loads with a warning in [`Filing::warnings`].

use std::path::{Path, PathBuf};

use finloom_plugin_api::{Document, FilingMeta};

/// The version of the reading of a file into [`Filing`]: bump it whenever the same bytes
/// can give a different document (text, offsets, blocks, styles, tables, facts, metadata).
/// Every stage's fingerprint includes it, so a finloom whose reading changed re-extracts
/// the filings on its next run instead of keeping rows cut from the old reading beside new
/// ones. 2: a paragraph's bold/italic/underline is that of its words, not of the plain
/// punctuation between them. 3: the nesting cap counts real nesting only (a `<font>` left
/// open in each table cell is closed with its cell, not stacked 500 deep). 4: inline elements
/// set apart by padding or margin are separate words ("Item 1. Business", "• the"). 5: so
/// is a footnote reference set as a superscript ("Cement<sup>3</sup>" → "Cement 3"). 6: the
/// nesting cap closes a paragraph at the next block and counts formatting elements as the
/// parser reopens them (a `<font>` left open in each paragraph is a few levels, not one more
/// per paragraph). 7: a table row left out for being empty no longer leaves the rows spanning
/// it one row too tall (ADP's "Years Ended June 30," spanned its empty row and then covered
/// the years below it). 8: invisible text (white on white or on no background) is not read
/// (Salesforce's white "4" ahead of its statements' headers). 9: nor inside a block tagged
/// whole as a TextBlock (`escape="true"`), where the notes' tables sit; only a fact's value
/// keeps its invisible text. 10: a file in a folder named by its accession number (with
/// dashes) takes the accession number (and the form and CIK above it) from the folder: every
/// `primary-document.html` of sec-edgar-downloader was keyed "primary-document", so a
/// database read with 9 re-keys those filings once.
pub const DOCUMENT_VERSION: &str = "10";

mod decode;
mod depth;
mod dom;
mod html;
mod meta;
mod sgml;
mod text;
mod tokenize;

pub use decode::decode;
pub use html::parse_html;
pub use meta::{FieldSources, MetadataSource};
pub use text::parse_text;

/// One filing, read and parsed.
#[derive(Debug, Clone)]
pub struct Filing {
    pub meta: FilingMeta,
    /// The parsed primary document.
    pub document: Document,
    /// blake3 of the file's bytes, lower-case hex. Identifies the input for incremental runs.
    pub source_hash: String,
    /// The most authoritative source that contributed any metadata field.
    pub metadata_source: MetadataSource,
    /// Where each field came from.
    pub field_sources: FieldSources,
    /// `<TYPE>` of the primary document inside a submission/envelope (empty otherwise).
    pub primary_doc_type: String,
    /// `<FILENAME>` of the primary document inside a submission/envelope (empty otherwise).
    pub primary_filename: String,
    /// Things that were unusual but did not stop ingest.
    pub warnings: Vec<String>,
}

/// Why a file could not be ingested. Every message names the file and says what is wrong.
#[derive(thiserror::Error, Debug)]
pub enum IngestError {
    #[error("{path}: cannot read file: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: file is empty (or only white space)")]
    Empty { path: PathBuf },
    #[error(
        "{path}: not a text file: {per_mille}\u{2030} of the first 8 KiB are control bytes \
         (binary, compressed or image data?)"
    )]
    Binary { path: PathBuf, per_mille: u32 },
    #[error("{path}: truncated SGML submission: it has a SEC header but no <DOCUMENT> blocks")]
    NoDocuments { path: PathBuf },
    #[error(
        "{path}: truncated SGML submission: the primary document (<TYPE>{doc_type}) is never \
         closed by </DOCUMENT>"
    )]
    UnclosedDocument { path: PathBuf, doc_type: String },
    #[error("{path}: no accession number could be determined (not in a header, not in the file name, no file name)")]
    NoAccession { path: PathBuf },
}

/// Files to ingest under `source_dir`: recursive, names ending in `.txt`, `.htm` or `.html`
/// (any case), hidden files and directories (starting with `.`) skipped, symlinked
/// directories not followed (no cycles), sorted by path so runs are deterministic.
pub fn discover(source_dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut dirs = vec![source_dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.starts_with('.') {
                continue;
            }
            let ft = entry.file_type()?;
            let path = entry.path();
            if ft.is_dir() {
                dirs.push(path);
                continue;
            }
            let is_file = ft.is_file() || (ft.is_symlink() && path.is_file());
            if !is_file {
                continue;
            }
            let lower = name.to_ascii_lowercase();
            if lower.ends_with(".txt") || lower.ends_with(".htm") || lower.ends_with(".html") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Reads and parses one filing.
pub fn read_filing(path: &Path) -> Result<Filing, IngestError> {
    let bytes = std::fs::read(path).map_err(|source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_filing_bytes(path, &bytes)
}

/// Parses one filing from its bytes; `path_for_names` supplies the file/folder names used as
/// a metadata fallback and `FilingMeta::source_path`.
pub fn read_filing_bytes(path_for_names: &Path, bytes: &[u8]) -> Result<Filing, IngestError> {
    let source_hash = blake3::hash(bytes).to_hex().to_string();
    read_filing_bytes_hashed(path_for_names, bytes, source_hash)
}

/// [`read_filing_bytes`] for a caller that has already hashed the bytes (the run's worker
/// hashes every file before parsing it, to skip unchanged ones): `source_hash` must be the
/// lowercase hex BLAKE3 of `bytes`.
pub fn read_filing_bytes_hashed(
    path_for_names: &Path,
    bytes: &[u8],
    source_hash: String,
) -> Result<Filing, IngestError> {
    let path = path_for_names;
    if bytes.iter().all(|b| b.is_ascii_whitespace() || *b == 0) {
        return Err(IngestError::Empty {
            path: path.to_path_buf(),
        });
    }
    let per_mille = decode::control_per_mille(bytes);
    if per_mille > 100 {
        return Err(IngestError::Binary {
            path: path.to_path_buf(),
            per_mille,
        });
    }
    let mut warnings = Vec::new();
    let (text, invalid) = decode::decode_counting(bytes);
    if invalid > 0 {
        warnings.push(format!(
            "{invalid} byte(s) were not valid UTF-8 and were decoded as Windows-1252"
        ));
    }

    let mut cand = meta::Candidates::default();
    let mut primary_doc_type = String::new();
    let mut primary_filename = String::new();

    // Unwrap the SGML container, if any.
    let submission = sgml::parse_submission(&text);
    let envelope;
    let primary: &str = if let Some(sub) = &submission {
        meta::from_header(sub, &mut cand);
        if sub.docs.is_empty() {
            return Err(IngestError::NoDocuments {
                path: path.to_path_buf(),
            });
        }
        let form = meta::pick(&cand.form).map(|(_, f)| f).unwrap_or_default();
        let i = sgml::primary_index(&sub.docs, &form);
        let doc = &sub.docs[i];
        if !doc.closed {
            return Err(IngestError::UnclosedDocument {
                path: path.to_path_buf(),
                doc_type: doc.doc_type.clone(),
            });
        }
        if !form.is_empty() && sgml::form_family(&doc.doc_type) != sgml::form_family(&form) {
            warnings.push(format!(
                "no <DOCUMENT> of type {form}; using the first document (<TYPE>{}) as primary",
                doc.doc_type
            ));
        }
        for d in sub.docs.iter().filter(|d| !d.closed) {
            warnings.push(format!(
                "document <TYPE>{} is truncated (no </DOCUMENT>)",
                d.doc_type
            ));
        }
        primary_doc_type = doc.doc_type.clone();
        primary_filename = doc.filename.clone();
        doc.text
    } else if sgml::starts_with_envelope(&text) {
        envelope = sgml::parse_envelope(&text);
        match envelope.docs.first() {
            Some(doc) => {
                if !doc.doc_type.is_empty() {
                    cand.form
                        .push((MetadataSource::Envelope, doc.doc_type.to_ascii_uppercase()));
                }
                primary_doc_type = doc.doc_type.clone();
                primary_filename = doc.filename.clone();
                doc.text
            }
            None => &text,
        }
    } else {
        &text
    };

    // Parse the primary document.
    let document = if looks_like_html(primary) {
        let parsed = html::parse_html_full(primary);
        if parsed.removed_tags > 0 {
            warnings.push(format!(
                "HTML nested deeper than {} elements: {} tags removed before parsing",
                depth::MAX_DEPTH,
                parsed.removed_tags
            ));
        }
        meta::from_dei(&parsed.dei, &mut cand);
        parsed.doc
    } else {
        parse_text(primary)
    };

    meta::from_path(path, &mut cand);
    let form_hint = meta::pick(&cand.form).map(|(_, f)| f);
    meta::from_text(&document, form_hint.as_deref(), &mut cand);

    let mut sources = FieldSources::default();
    let take = |c: &[(MetadataSource, String)], slot: &mut Option<MetadataSource>| {
        meta::pick(c).map_or(String::new(), |(s, v)| {
            *slot = Some(s);
            v
        })
    };
    let mut accession = take(&cand.accession, &mut sources.accession_number);
    let cik = take(&cand.cik, &mut sources.cik);
    let company = take(&cand.company, &mut sources.company_name);
    let form = meta::canonical_form(&take(&cand.form, &mut sources.form_type));
    let filed = take(&cand.filed, &mut sources.filed_date);
    let period = take(&cand.period, &mut sources.period_of_report);

    if accession.is_empty() {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .trim();
        if stem.is_empty() {
            return Err(IngestError::NoAccession {
                path: path.to_path_buf(),
            });
        }
        warnings.push(format!(
            "no accession number found; using the file stem {stem:?} as accession_number"
        ));
        accession = stem.to_string();
        sources.accession_number = Some(MetadataSource::FileStem);
    }
    for (field, src) in [
        ("company_name", sources.company_name),
        ("form_type", sources.form_type),
        ("period_of_report", sources.period_of_report),
    ] {
        if src == Some(MetadataSource::DocumentText) {
            warnings.push(format!("{field} taken from the document text (cover page)"));
        }
    }
    for (field, v) in [
        ("cik", &cik),
        ("form_type", &form),
        ("company_name", &company),
    ] {
        if v.is_empty() {
            warnings.push(format!("{field} not found"));
        }
    }

    let metadata_source = [
        sources.accession_number,
        sources.cik,
        sources.company_name,
        sources.form_type,
        sources.filed_date,
        sources.period_of_report,
    ]
    .into_iter()
    .flatten()
    .min()
    .unwrap_or(MetadataSource::FileStem);

    Ok(Filing {
        meta: FilingMeta {
            accession_number: accession.into(),
            cik: cik.into(),
            company_name: company.into(),
            form_type: form.into(),
            filed_date: filed.into(),
            period_of_report: period.into(),
            source_path: path.to_string_lossy().as_ref().into(),
        },
        document,
        source_hash,
        metadata_source,
        field_sources: sources,
        primary_doc_type,
        primary_filename,
        warnings,
    })
}

/// Whether a primary document is HTML rather than plain text.
///
/// 1990s text documents contain SGML table markup (`<TABLE>`, `<S>`, `<C>`, `<PAGE>`), so the
/// presence of `<table>` alone proves nothing; the markers used here (`<html`, `<body`, `<div`,
/// `<font`, `<p>`/`<p `, `<br`, `<tr`, `<td`, `<table ` with attributes, `<?xml`) do not
/// occur in text filings. A text wrapped in a lone `<PRE>` has none of them and is parsed as
/// text (the `<PRE>` tags are stripped there).
fn looks_like_html(doc: &str) -> bool {
    const MARKERS: &[&str] = &[
        "<html", "<body", "<div", "<font", "<p>", "<p ", "<br", "<tr", "<td", "<table ", "<?xml",
        "<span", "<center", "<b>", "<h1", "<h2", "<h3",
    ];
    let head = &doc[..sgml::floor_boundary(doc, 64 * 1024)];
    let bytes = head.as_bytes();
    let mut i = 0;
    while let Some(p) = bytes[i..].iter().position(|&b| b == b'<') {
        let at = i + p;
        let rest = &bytes[at..];
        if MARKERS
            .iter()
            .any(|m| rest.len() >= m.len() && rest[..m.len()].eq_ignore_ascii_case(m.as_bytes()))
        {
            return true;
        }
        i = at + 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_detection() {
        assert!(looks_like_html("<HTML><BODY>x</BODY></HTML>"));
        assert!(looks_like_html("\n<p align=center>x"));
        assert!(!looks_like_html(
            "<PAGE>\n<TABLE>\n<CAPTION>\n<S> <C>\n</TABLE>\n"
        ));
        assert!(!looks_like_html("<PRE>\nplain text\n</PRE>"));
    }
}

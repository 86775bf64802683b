//! `finloom export chunks`: the chunks, with their metadata, in the shape RAG loaders read —
//! one record per chunk with `id`, `text` and a flat `metadata` object (LangChain's
//! `Document(page_content, metadata)`, LlamaIndex's `TextNode(id_, text, metadata)` and most
//! vector stores' upsert formats all map onto it one to one).
//!
//! `metadata` holds every column of the chunk table except `id` and `text` (so a chunker
//! version that adds a column exports it without a change here), plus what a search result
//! needs to be shown to a person: the filing's company, CIK, form, dates and source path, and
//! the section's printed title.
//!
//! Two formats:
//! - JSON Lines, written here with serde_json (streamed, one line per chunk; `-` = stdout);
//! - Parquet, written by DuckDB's own `COPY … TO … (FORMAT parquet)`, with `metadata` as a
//!   STRUCT column, so DuckDB, pandas, polars and Spark read it back without finloom.
//!
//! Records are ordered by filing, section (document order when the sections table is there)
//! and chunk index, so the same database always exports the same bytes. Files are written to a
//! temporary name beside the target and renamed into place, so a reader never sees half a file.
//! The database is opened read-only: exporting never changes it.

use crate::{OpsError, Result};
use duckdb::types::ValueRef;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Jsonl,
    Parquet,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Jsonl => "jsonl",
            ExportFormat::Parquet => "parquet",
        }
    }
}

#[derive(Debug)]
pub struct ExportReport {
    /// `None` when written to stdout.
    pub path: Option<PathBuf>,
    pub records: u64,
    pub bytes: u64,
}

/// Filing columns added to every record's metadata (when the `filings` table has them).
const FILING_COLUMNS: &[&str] = &[
    "cik",
    "company_name",
    "form_type",
    "filed_date",
    "period_of_report",
    "source_path",
];

/// Exports the chunk table `table` (normally `chunks`; a renamed one such as `chunks_v2`
/// when two chunker versions run side by side) of the database `db` to `out` (`-` for
/// stdout, JSON Lines only).
pub fn export_chunks(
    db: &Path,
    table: &str,
    format: ExportFormat,
    out: &Path,
) -> Result<ExportReport> {
    if !db.is_file() {
        return Err(OpsError::Missing(db.to_path_buf()));
    }
    // Validated as a plain identifier before it reaches SQL (ident() returns it quoted).
    finloom_store::ident(table)?;
    let table = table.to_string();
    let conn = finloom_store::open_ro(db)?;
    let catalog = finloom_store::current_catalog(&conn)?;
    let columns = finloom_store::table_columns(&conn, &catalog, &table)?;
    if columns.is_empty() {
        return Err(OpsError::Export(format!(
            "{} has no table `{table}` (has the chunker stage run? `finloom status` shows what a run would do)",
            db.display()
        )));
    }
    for needed in ["id", "text", "accession_number"] {
        if !columns.iter().any(|(c, _)| c == needed) {
            return Err(OpsError::Export(format!(
                "table `{table}` has no `{needed}` column, so it is not a chunk table"
            )));
        }
    }
    let has = |t: &str| -> Result<Vec<String>> {
        Ok(finloom_store::table_columns(&conn, &catalog, t)?
            .into_iter()
            .map(|(c, _)| c)
            .collect())
    };
    let filing_cols = has("filings")?;
    let section_cols = has("sections")?;
    let join_sections =
        columns.iter().any(|(c, _)| c == "section_id") && section_cols.iter().any(|c| c == "id");

    // (metadata key, SQL expression) in a fixed order: the chunk's own columns first.
    let mut meta: Vec<(String, String)> = Vec::new();
    for (c, ty) in &columns {
        if c == "id" || c == "text" {
            continue;
        }
        meta.push((c.clone(), scalar(&format!("c.\"{c}\""), ty)));
    }
    let mut from = format!("\"{table}\" c");
    if !filing_cols.is_empty() {
        from.push_str(" LEFT JOIN filings f ON f.accession_number = c.accession_number");
        for &fc in FILING_COLUMNS {
            if filing_cols.iter().any(|c| c == fc) && !meta.iter().any(|(k, _)| k == fc) {
                meta.push((fc.to_string(), format!("CAST(f.\"{fc}\" AS VARCHAR)")));
            }
        }
    }
    let mut order = vec!["c.accession_number".to_string()];
    if join_sections {
        from.push_str(" LEFT JOIN sections s ON s.id = c.section_id");
        if section_cols.iter().any(|c| c == "title") {
            meta.push(("section_title".into(), "s.title".into()));
        }
        if section_cols.iter().any(|c| c == "section_index") {
            order.push("s.section_index NULLS LAST".into());
        }
    }
    for c in ["section_type", "chunk_index"] {
        if columns.iter().any(|(n, _)| n == c) {
            order.push(format!("c.\"{c}\""));
        }
    }
    order.push("c.id".into());
    let order = order.join(", ");

    match format {
        ExportFormat::Parquet => {
            if out == Path::new("-") {
                return Err(OpsError::Export(
                    "Parquet cannot go to stdout; pass --out FILE.parquet".into(),
                ));
            }
            let fields: Vec<String> = meta
                .iter()
                .map(|(k, e)| format!("\"{k}\" := {e}"))
                .collect();
            let tmp = tmp_path(out)?;
            let sql = format!(
                "COPY (SELECT c.id AS id, c.text AS text, struct_pack({}) AS metadata FROM {from} ORDER BY {order}) \
                 TO {} (FORMAT parquet, COMPRESSION zstd)",
                fields.join(", "),
                finloom_store::literal(&tmp.to_string_lossy())
            );
            conn.execute_batch(&sql).inspect_err(|_| {
                let _ = std::fs::remove_file(&tmp);
            })?;
            let records: i64 =
                conn.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
                    r.get(0)
                })?;
            let records = records as u64;
            finish(&tmp, out, records)
        }
        ExportFormat::Jsonl => {
            let exprs: Vec<&str> = meta.iter().map(|(_, e)| e.as_str()).collect();
            let sql = format!(
                "SELECT c.id, c.text{}{} FROM {from} ORDER BY {order}",
                if exprs.is_empty() { "" } else { ", " },
                exprs.join(", ")
            );
            let mut st = conn.prepare(&sql)?;
            let mut rows = st.query([])?;
            let to_stdout = out == Path::new("-");
            let tmp = if to_stdout {
                None
            } else {
                Some(tmp_path(out)?)
            };
            let sink: Box<dyn Write> =
                match &tmp {
                    None => Box::new(std::io::stdout().lock()),
                    Some(t) => Box::new(std::fs::File::create(t).map_err(|e| {
                        OpsError::Export(format!("cannot write {}: {e}", t.display()))
                    })?),
                };
            let mut w = std::io::BufWriter::new(sink);
            let mut records = 0u64;
            let written = (|| -> Result<()> {
                while let Some(r) = rows.next()? {
                    let mut m = serde_json::Map::new();
                    for (i, (k, _)) in meta.iter().enumerate() {
                        m.insert(k.clone(), json_value(r.get_ref(i + 2)?));
                    }
                    let rec = serde_json::json!({
                        "id": json_value(r.get_ref(0)?),
                        "text": json_value(r.get_ref(1)?),
                        "metadata": m,
                    });
                    serde_json::to_writer(&mut w, &rec)
                        .map_err(|e| OpsError::Export(format!("write failed: {e}")))?;
                    w.write_all(b"\n")
                        .map_err(|e| OpsError::Export(format!("write failed: {e}")))?;
                    records += 1;
                }
                w.flush()
                    .map_err(|e| OpsError::Export(format!("write failed: {e}")))?;
                Ok(())
            })();
            drop(w);
            match (written, tmp) {
                (Err(e), Some(t)) => {
                    let _ = std::fs::remove_file(&t);
                    Err(e)
                }
                (Err(e), None) => Err(e),
                (Ok(()), None) => Ok(ExportReport {
                    path: None,
                    records,
                    bytes: 0,
                }),
                (Ok(()), Some(t)) => finish(&t, out, records),
            }
        }
    }
}

/// JSON and Parquet readers disagree on dates and decimals; plain scalars travel everywhere.
fn scalar(expr: &str, ty: &str) -> String {
    let t = ty.to_ascii_uppercase();
    if t == "DATE" || t.starts_with("TIMESTAMP") || t.starts_with("DECIMAL") {
        format!("CAST({expr} AS VARCHAR)")
    } else {
        expr.to_string()
    }
}

fn json_value(v: ValueRef<'_>) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        ValueRef::Null => J::Null,
        ValueRef::Boolean(b) => J::Bool(b),
        ValueRef::TinyInt(i) => J::from(i),
        ValueRef::SmallInt(i) => J::from(i),
        ValueRef::Int(i) => J::from(i),
        ValueRef::BigInt(i) => J::from(i),
        ValueRef::UTinyInt(i) => J::from(i),
        ValueRef::USmallInt(i) => J::from(i),
        ValueRef::UInt(i) => J::from(i),
        ValueRef::UBigInt(i) => J::from(i),
        ValueRef::Float(f) => serde_json::Number::from_f64(f as f64).map_or(J::Null, J::Number),
        ValueRef::Double(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
        ValueRef::Text(t) => J::String(String::from_utf8_lossy(t).into_owned()),
        other => J::String(format!("{:?}", other.to_owned())),
    }
}

fn tmp_path(out: &Path) -> Result<PathBuf> {
    if let Some(parent) = out.parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent).map_err(|e| {
                OpsError::Export(format!("cannot create folder {}: {e}", parent.display()))
            })?;
        }
    }
    let mut name = out
        .file_name()
        .map(|n| n.to_os_string())
        .ok_or_else(|| OpsError::Export(format!("--out {} is not a file path", out.display())))?;
    name.push(".partial");
    Ok(out.with_file_name(name))
}

fn finish(tmp: &Path, out: &Path, records: u64) -> Result<ExportReport> {
    std::fs::rename(tmp, out).map_err(|e| {
        let _ = std::fs::remove_file(tmp);
        OpsError::Export(format!(
            "cannot move the export into {}: {e}",
            out.display()
        ))
    })?;
    Ok(ExportReport {
        path: Some(out.to_path_buf()),
        records,
        bytes: crate::file_size(out),
    })
}

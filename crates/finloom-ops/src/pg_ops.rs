//! The operations commands on a PostgreSQL database.
//!
//! * **backup**: the whole finloom database copied into a new DuckDB file,
//!   `<database>-<UTC timestamp>.duckdb` in the backup folder, verified filing by filing
//!   ([`crate::copy`]). The format is therefore the same as a DuckDB database's backup: an
//!   ordinary finloom DuckDB database — open it with `duckdb`, run `finloom` on it, or restore
//!   it into PostgreSQL (or DuckDB).
//! * **restore**: the current contents are backed up first (kept in the backup folder), the
//!   finloom tables are dropped, and the backup is copied in, verified filing by filing.
//! * **export chunks**: the chunk table (and `filings`, `sections` for the metadata) is copied
//!   into a temporary DuckDB file, and exported from there exactly as from a DuckDB database
//!   (JSONL or Parquet), so both stores give the same records.
//! * **dedupe**: in place, in one transaction, by the same rule as on DuckDB (keep the latest
//!   row per key: highest `id`, `filings` by `updated_at`, the physical order — `ctid` here,
//!   `rowid` there — breaking ties).

use crate::copy::{copy_tables, Store};
use crate::dedupe::{repair_sql, with_filings};
use crate::{file_size, timestamp, BackupReport, DedupeReport, ExportFormat, ExportReport};
use crate::{OpsError, Result, TableKey};
use finloom_store::ident;
use std::path::{Path, PathBuf};

fn db_name(url: &str) -> Result<String> {
    let mut c = finloom_pg::connect(url)?;
    Ok(c.query_one("SELECT current_database()::text", &[])?.get(0))
}

/// `finloom backup` on PostgreSQL (see the module comment).
pub fn backup_pg(url: &str, dir: &Path) -> Result<BackupReport> {
    std::fs::create_dir_all(dir).map_err(|e| OpsError::BackupPath {
        path: dir.to_path_buf(),
        detail: e.to_string(),
    })?;
    let stem = db_name(url)?;
    // A new name even within the same second (as the DuckDB backup names them): a restore
    // backs up the current state right before it reads the backup it was given.
    let mut name = format!("{stem}-{}.duckdb", timestamp());
    let mut n = 1;
    while dir.join(&name).exists() {
        n += 1;
        name = format!("{stem}-{}-{n}.duckdb", timestamp());
    }
    let path = dir.join(&name);
    let tmp = dir.join(format!(".{name}.partial"));
    let _ = std::fs::remove_file(&tmp);
    let r = match copy_tables(&Store::Pg(url.to_string()), &Store::Duck(tmp.clone()), None) {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    std::fs::rename(&tmp, &path)
        .map_err(|e| OpsError::Io(format!("cannot name the backup {}: {e}", path.display())))?;
    Ok(BackupReport {
        bytes: file_size(&path),
        path,
        tables: r.tables,
    })
}

/// `finloom restore` into PostgreSQL: returns the backup of what was there before.
pub fn restore_pg(backup_file: &Path, url: &str, backup_dir: &Path) -> Result<PathBuf> {
    if !backup_file.is_file() {
        return Err(OpsError::BadBackup {
            path: backup_file.to_path_buf(),
            detail: "no such file".into(),
        });
    }
    // The backup must open and be a finloom database before anything is touched.
    {
        let conn = finloom_store::open_ro(backup_file).map_err(|e| OpsError::BadBackup {
            path: backup_file.to_path_buf(),
            detail: e.to_string(),
        })?;
        let cat = finloom_store::current_catalog(&conn)?;
        if finloom_store::table_columns(&conn, &cat, "filings")?.is_empty() {
            return Err(OpsError::BadBackup {
                path: backup_file.to_path_buf(),
                detail: "it has no `filings` table".into(),
            });
        }
    }
    let before = backup_pg(url, backup_dir)?;
    let mut c = finloom_pg::connect(url)?;
    let tables = finloom_pg::schema::list_tables(&mut c)?;
    let mut tx = c.transaction()?;
    tx.batch_execute("DROP VIEW IF EXISTS data_health")?;
    for t in &tables {
        tx.batch_execute(&format!("DROP TABLE {}", ident(t)?))?;
    }
    tx.commit()?;
    drop(c);
    copy_tables(
        &Store::Duck(backup_file.to_path_buf()),
        &Store::Pg(url.to_string()),
        None,
    )?;
    Ok(before.path)
}

/// `finloom export chunks` from PostgreSQL (see the module comment).
pub fn export_chunks_pg(
    url: &str,
    table: &str,
    format: ExportFormat,
    out: &Path,
) -> Result<ExportReport> {
    finloom_store::ident(table)?;
    let dir = tempfile_dir()?;
    let db = dir.join("export.duckdb");
    let only = [table, "filings", "sections"];
    let r = copy_tables(
        &Store::Pg(url.to_string()),
        &Store::Duck(db.clone()),
        Some(&only),
    )
    .and_then(|_| crate::export_chunks(&db, table, format, out));
    let _ = std::fs::remove_dir_all(&dir);
    r
}

fn tempfile_dir() -> Result<PathBuf> {
    let d = std::env::temp_dir().join(format!(
        "finloom-export-{}-{}",
        std::process::id(),
        timestamp()
    ));
    std::fs::create_dir_all(&d)
        .map_err(|e| OpsError::Io(format!("cannot create {}: {e}", d.display())))?;
    Ok(d)
}

/// `finloom dedupe` on PostgreSQL (see the module comment).
pub fn dedupe_pg(url: &str, keys: &[TableKey]) -> Result<DedupeReport> {
    let mut c = finloom_pg::connect(url)?;
    let mut report = DedupeReport::default();
    let mut tx = c.transaction()?;
    for k in &with_filings(keys) {
        let cols: Vec<String> = finloom_pg::schema::table_columns(&mut tx, &k.table)?
            .map(|(_, cols)| cols.into_iter().map(|(n, _)| n).collect())
            .unwrap_or_default();
        let (table, delete) = match repair_sql(k, &cols, "ctid")? {
            Ok(x) => x,
            Err(why) => {
                report.skipped.push((k.table.clone(), why));
                continue;
            }
        };
        let before: i64 = tx
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])?
            .get(0);
        let removed = tx.execute(&delete, &[])? as i64;
        report.tables.push((k.table.clone(), before, removed));
    }
    tx.commit()?;
    Ok(report)
}

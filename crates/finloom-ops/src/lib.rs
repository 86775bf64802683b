//! Operations on a finloom database, beyond `finloom run`: the seed plan's Phase 1 (backup,
//! remove duplicates, reclaim space, verify) and Phase 5 (quality checks, monitoring).
//!
//! Every function takes the database path and, where it needs to know the plugin tables and
//! their keys, a list of [`TableKey`]s (which the CLI builds from the pipeline's plugins, so
//! nothing here names a plugin table).

pub mod backup;
pub mod check;
pub mod compact;
pub mod copy;
pub mod dedupe;
pub mod export;
pub mod pg_ops;
pub mod scaffold;

use std::path::PathBuf;

pub use backup::{backup, restore, BackupReport};
pub use check::{check, check_pg, CheckReport};
pub use compact::{compact, CompactReport};
pub use copy::{copy, CopyReport, Store};
pub use dedupe::{dedupe, DedupeReport};
pub use export::{export_chunks, ExportFormat, ExportReport};
pub use pg_ops::{backup_pg, dedupe_pg, export_chunks_pg, restore_pg};

/// A table and the columns that identify one of its rows.
#[derive(Debug, Clone)]
pub struct TableKey {
    pub table: String,
    pub key: Vec<String>,
    /// (column, referenced table, referenced column)
    pub references: Vec<(String, String, String)>,
    /// The stage that writes it.
    pub stage: String,
}

#[derive(thiserror::Error, Debug)]
pub enum OpsError {
    #[error("no database at {0} (run `finloom run` first, or pass --database)")]
    Missing(PathBuf),
    #[error("backup folder {path} is not usable: {detail}")]
    BackupPath { path: PathBuf, detail: String },
    #[error("{path} is not a usable finloom backup: {detail}")]
    BadBackup { path: PathBuf, detail: String },
    #[error("verification failed: {0}")]
    Verify(String),
    #[error("{0}")]
    Io(String),
    #[error("export failed: {0}")]
    Export(String),
    #[error(transparent)]
    Store(#[from] finloom_store::StoreError),
    #[error("database error: {0}")]
    Duck(#[from] duckdb::Error),
    #[error(transparent)]
    Postgres(#[from] finloom_pg::PgError),
}

impl From<finloom_pg::postgres::Error> for OpsError {
    fn from(e: finloom_pg::postgres::Error) -> Self {
        OpsError::Postgres(e.into())
    }
}

pub type Result<T> = std::result::Result<T, OpsError>;

/// Row count of every base table of an attached catalog, sorted by name.
pub(crate) fn table_counts(conn: &duckdb::Connection, catalog: &str) -> Result<Vec<(String, i64)>> {
    let tables = finloom_store::list_tables(conn, catalog)?;
    let mut out = Vec::new();
    for t in tables {
        let n: i64 = conn.query_row(
            &format!("SELECT count(*) FROM {catalog}.\"{t}\""),
            [],
            |r| r.get(0),
        )?;
        out.push((t, n));
    }
    Ok(out)
}

/// `YYYYmmddTHHMMSSZ`, for backup file names (a name, never a row id).
pub(crate) fn timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = finloom_pg::civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Size of a database file plus its WAL, in bytes.
pub fn file_size(path: &std::path::Path) -> u64 {
    let wal = PathBuf::from(format!("{}.wal", path.display()));
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamp_is_well_formed() {
        let t = super::timestamp();
        assert_eq!(t.len(), 16, "{t}");
        assert!(
            t.starts_with("20") && t.ends_with('Z') && t.as_bytes()[8] == b'T',
            "{t}"
        );
    }
}

//! Compaction. DuckDB's `VACUUM` does not return free blocks to the file system; copying the
//! database into a fresh file does. The copy is verified (row counts per table) and swapped in
//! with a rename, so at every moment the path holds either the old or the new database.
//!
//! The source is attached read-write, which DuckDB grants only when no other process has the
//! file open — so compaction refuses, with a clear message, while anyone else uses it.

use crate::backup::{copy_database, verify_copy};
use crate::{file_size, OpsError, Result};
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct CompactReport {
    pub bytes_before: u64,
    pub bytes_after: u64,
    pub tables: Vec<(String, i64)>,
}

pub fn compact(db: &Path) -> Result<CompactReport> {
    if !db.is_file() {
        return Err(OpsError::Missing(db.to_path_buf()));
    }
    // Fails with StoreError::Locked when another process has the file open.
    drop(finloom_store::open_rw(db)?);
    let bytes_before = file_size(db);
    let tmp = PathBuf::from(format!("{}.compacting", db.display()));
    let _ = std::fs::remove_file(&tmp);
    let counts = copy_database(db, &tmp, false).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    let tables = verify_copy(&tmp, &counts).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    let wal = PathBuf::from(format!("{}.wal", db.display()));
    if wal.exists() {
        // The source was checkpointed by the copy; a leftover WAL would replay onto the new file.
        std::fs::remove_file(&wal).map_err(|e| OpsError::Io(e.to_string()))?;
    }
    std::fs::rename(&tmp, db)
        .map_err(|e| OpsError::Io(format!("cannot swap in the compacted file: {e}")))?;
    Ok(CompactReport {
        bytes_before,
        bytes_after: file_size(db),
        tables,
    })
}

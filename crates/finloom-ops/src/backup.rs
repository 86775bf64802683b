//! Backup and restore.
//!
//! A backup is a fresh DuckDB file written with `COPY FROM DATABASE` from the live database
//! attached read-only — a consistent snapshot, and compact (no free blocks). It is written
//! under a temporary name, verified by opening it and comparing every table's row count with
//! the source, and only then renamed to `<stem>-<UTC timestamp>.duckdb`.

use crate::{file_size, table_counts, timestamp, OpsError, Result};
use duckdb::Connection;
use finloom_store::{classify_open_error, literal};
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct BackupReport {
    pub path: PathBuf,
    pub tables: Vec<(String, i64)>,
    pub bytes: u64,
}

/// Copies `db` into a new timestamped file in `dir`.
pub fn backup(db: &Path, dir: &Path) -> Result<BackupReport> {
    if !db.is_file() {
        return Err(OpsError::Missing(db.to_path_buf()));
    }
    std::fs::create_dir_all(dir).map_err(|e| OpsError::BackupPath {
        path: dir.to_path_buf(),
        detail: e.to_string(),
    })?;
    let stem = db
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "finloom".into());
    let mut name = format!("{stem}-{}.duckdb", timestamp());
    let mut n = 1;
    while dir.join(&name).exists() {
        n += 1;
        name = format!("{stem}-{}-{n}.duckdb", timestamp());
    }
    let final_path = dir.join(&name);
    let tmp = dir.join(format!(".{name}.partial"));
    let _ = std::fs::remove_file(&tmp);
    // Probe that the folder is writable before touching the database.
    std::fs::write(&tmp, b"").map_err(|e| OpsError::BackupPath {
        path: dir.to_path_buf(),
        detail: e.to_string(),
    })?;
    std::fs::remove_file(&tmp).map_err(|e| OpsError::Io(e.to_string()))?;

    let src_counts = copy_database(db, &tmp, true).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    let verified = verify_copy(&tmp, &src_counts).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    std::fs::rename(&tmp, &final_path).map_err(|e| {
        OpsError::Io(format!(
            "cannot move {} to {}: {e}",
            tmp.display(),
            final_path.display()
        ))
    })?;
    Ok(BackupReport {
        bytes: file_size(&final_path),
        path: final_path,
        tables: verified,
    })
}

/// Copies every table (and view) of `src` into the new file `dst`; returns the source's row
/// counts as seen inside the copy's snapshot.
pub(crate) fn copy_database(src: &Path, dst: &Path, read_only: bool) -> Result<Vec<(String, i64)>> {
    let conn = Connection::open_in_memory()?;
    // Read-write (compact): with finloom's write options, so that the CHECKPOINT below does
    // not first merge the file's row groups to DuckDB's default size (see
    // `finloom_store::ROW_GROUP_SIZE`); the copy is written with full default-size groups.
    let mode = if read_only {
        " (READ_ONLY)".to_string()
    } else {
        format!(" ({})", finloom_store::rw_attach_options())
    };
    conn.execute_batch(&format!(
        "ATTACH {} AS finloom_src{mode}",
        literal(&src.to_string_lossy())
    ))
    .map_err(|e| classify_open_error(src, e))?;
    if !read_only {
        conn.execute_batch("CHECKPOINT finloom_src")?;
    }
    conn.execute_batch(&format!(
        "ATTACH {} AS finloom_dst",
        literal(&dst.to_string_lossy())
    ))
    .map_err(|e| OpsError::BackupPath {
        path: dst.to_path_buf(),
        detail: e.to_string(),
    })?;
    // No other process can write meanwhile: a read-only attach holds a shared lock (writers are
    // refused) and a read-write attach an exclusive one.
    let counts = table_counts(&conn, "finloom_src")?;
    conn.execute_batch("COPY FROM DATABASE finloom_src TO finloom_dst")?;
    conn.execute_batch("DETACH finloom_dst; DETACH finloom_src")?;
    Ok(counts)
}

/// Opens the copy on its own and checks every table's row count.
pub(crate) fn verify_copy(path: &Path, expected: &[(String, i64)]) -> Result<Vec<(String, i64)>> {
    let conn = Connection::open_in_memory()?;
    conn.execute_batch(&format!(
        "ATTACH {} AS finloom_copy (READ_ONLY)",
        literal(&path.to_string_lossy())
    ))
    .map_err(|e| OpsError::Verify(format!("cannot open the copy {}: {e}", path.display())))?;
    let got = table_counts(&conn, "finloom_copy")?;
    if got != expected {
        return Err(OpsError::Verify(format!(
            "the copy {} does not match the source: expected {expected:?}, found {got:?}",
            path.display()
        )));
    }
    Ok(got)
}

/// Puts a backup back in place of `db`, keeping the current file aside first
/// (`<db>.before-restore-<timestamp>`). Returns the path of the kept file, if there was one.
pub fn restore(backup_file: &Path, db: &Path) -> Result<Option<PathBuf>> {
    if !backup_file.is_file() {
        return Err(OpsError::BadBackup {
            path: backup_file.to_path_buf(),
            detail: "no such file".into(),
        });
    }
    // The backup must open and contain finloom's tables.
    let counts = {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch(&format!(
            "ATTACH {} AS finloom_bk (READ_ONLY)",
            literal(&backup_file.to_string_lossy())
        ))
        .map_err(|e| OpsError::BadBackup {
            path: backup_file.to_path_buf(),
            detail: e.to_string(),
        })?;
        table_counts(&conn, "finloom_bk")?
    };
    if !counts.iter().any(|(t, _)| t == "filings") {
        return Err(OpsError::BadBackup {
            path: backup_file.to_path_buf(),
            detail: "it has no `filings` table".into(),
        });
    }
    // Nobody may be using the current database while it is replaced.
    if db.exists() {
        drop(finloom_store::open_rw(db)?);
    }
    let tmp = PathBuf::from(format!("{}.restoring", db.display()));
    std::fs::copy(backup_file, &tmp)
        .map_err(|e| OpsError::Io(format!("cannot copy the backup: {e}")))?;
    verify_copy(&tmp, &counts)?;
    let kept = if db.exists() {
        let aside = PathBuf::from(format!("{}.before-restore-{}", db.display(), timestamp()));
        std::fs::rename(db, &aside)
            .map_err(|e| OpsError::Io(format!("cannot move the current database aside: {e}")))?;
        let wal = PathBuf::from(format!("{}.wal", db.display()));
        if wal.exists() {
            let _ = std::fs::rename(&wal, format!("{}.wal", aside.display()));
        }
        Some(aside)
    } else {
        None
    };
    std::fs::rename(&tmp, db)
        .map_err(|e| OpsError::Io(format!("cannot move the restored file into place: {e}")))?;
    Ok(kept)
}

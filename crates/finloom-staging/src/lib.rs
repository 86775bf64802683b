//! Staging: where extracted rows wait before the merge.
//!
//! **Segments.** Each worker process writes the filings it extracts into a *segment*: a small
//! DuckDB file of its own, `<staging_dir>/<run_id>/w<slot>g<generation>s<n>.duckdb`. When a
//! segment holds `merge_batch` filings or is a second old, the worker seals it (checkpoint,
//! close) and hands it to the merge, which commits it while extraction goes on, and opens the
//! next one.
//!
//! **Why files, not tables in the production database.** DuckDB lets one process hold a
//! database file for writing, and while it does no other process can even read it. Users
//! query the production database during long runs, so extraction must not hold it, and the
//! workers are separate processes (a plugin that aborts or segfaults takes only its worker
//! down). A worker therefore writes into a file nobody else opens until it is sealed or the
//! worker is dead; the merge attaches it afterwards.
//!
//! **What a segment holds.** For every plugin table `t` a table `stg__t` with the declared
//! columns (DATE travels as text and is cast on merge) plus `_fid` (the filing's index in the
//! run's sorted file list) and `_seq` (the plugin's row order), so that the merge selects one
//! filing's rows exactly — even when the same accession number was extracted twice from two
//! paths. Rows are appended filing by filing, each in the plugin's order: the DuckDB merge
//! inserts them in that stored order (no sort); the PostgreSQL merge orders by `_fid, _seq`. Two more tables describe the filings
//! themselves: [`SEG_FILINGS`] (the `filings` row to write) and [`SEG_STAGES`] (the ledger rows).
//!
//! **Written in groups.** A filing handed to [`SegmentWriter::stage`] is held in memory;
//! [`SegmentWriter::flush`] writes every held filing in one transaction (one appender per
//! table for all of them). Per filing, DuckDB's fixed costs — a transaction, and for every
//! table an appender whose flush binds and plans an insert — came to 5–6 ms of CPU, more than
//! all the plugins together on an 8-K; per group they are paid once. The worker flushes when
//! the held rows pass [`FLUSH_ROWS`] and always before sealing, and tells the supervisor which
//! filings each flush wrote: only those are in the file.
//!
//! **Crash safety.** A group is written in one transaction, each filing's [`SEG_FILINGS`] row
//! after its rows: a worker killed mid-flush leaves either the whole group or nothing that
//! the merge would look at (the merge reads only `fid`s listed in [`SEG_FILINGS`] and confirmed
//! by the supervisor). Filings a dead worker still held in memory were never written; the
//! supervisor hands them to another worker.

use duckdb::{appender_params_from_iter, params, Connection};
use finloom_plugin_api::{ColumnType, TableRows, Value};
use finloom_store::ledger::{FilingRecord, StageCommit};
use finloom_store::{ident, TableSpec};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(thiserror::Error, Debug)]
pub enum StagingError {
    #[error("cannot create staging segment {path}: {detail}")]
    Create { path: PathBuf, detail: String },
    #[error("staging write failed for table {table}: {detail}")]
    Write { table: String, detail: String },
    #[error(transparent)]
    Store(#[from] finloom_store::StoreError),
    #[error("staging database error: {0}")]
    Duck(#[from] duckdb::Error),
}

/// The filings a segment holds.
pub const SEG_FILINGS: &str = "finloom_seg_filings";
/// The stage ledger rows a segment holds.
pub const SEG_STAGES: &str = "finloom_seg_stages";

/// Table in a segment for database table `table`.
pub fn segment_table(table: &str) -> String {
    format!("stg__{table}")
}

/// Staging column type: DATE values travel as text and are cast on merge.
fn staging_type(t: ColumnType) -> &'static str {
    match t {
        ColumnType::Date => "VARCHAR",
        other => other.sql(),
    }
}

/// One filing's trip through the run: who it is, what each stage produced and what the
/// merge must record. Built and validated once in the worker, held whole by the
/// [`SegmentWriter`] until its group is written, read back whole by the merge.
pub struct FilingTrip {
    /// Index of the file in the run's sorted file list.
    pub fid: i64,
    pub filing: FilingRecord,
    /// The stages to commit, with their ledger rows.
    pub stages: Vec<StageCommit>,
    /// The rows of those stages' tables: (spec index, rows).
    pub rows: Vec<(usize, TableRows)>,
    /// Whether a `sections`-kind stage is among the committed ones.
    pub sections_now: bool,
    /// Ingest's warnings (a Windows-1252 decode, an accession from the file name, …).
    pub warnings: Vec<String>,
}

impl FilingTrip {
    fn row_count(&self) -> usize {
        self.rows.iter().map(|(_, t)| t.rows.len()).sum()
    }
}

/// Rows held in memory before the worker writes them (see the module comment): large enough
/// that a group of 8-Ks is one transaction, small enough that a worker holds tens of MB, not
/// hundreds, of rows of large 10-Ks.
pub const FLUSH_ROWS: usize = 50_000;

/// A worker's open segment.
pub struct SegmentWriter {
    path: PathBuf,
    conn: Connection,
    specs: Vec<TableSpec>,
    /// Filings written into the file.
    filings: Vec<i64>,
    /// Filings held in memory, not written yet.
    held: Vec<FilingTrip>,
    held_rows: usize,
    opened: Instant,
}

impl SegmentWriter {
    /// Creates the segment file (replacing a stale one of the same name).
    pub fn create(path: &Path, specs: &[TableSpec]) -> Result<SegmentWriter, StagingError> {
        let create_err = |detail: String| StagingError::Create {
            path: path.to_path_buf(),
            detail,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| create_err(format!("cannot create folder {}: {e}", dir.display())))?;
        }
        for p in [path.to_path_buf(), wal_path(path)] {
            if p.exists() {
                std::fs::remove_file(&p).map_err(|e| create_err(e.to_string()))?;
            }
        }
        let conn = Connection::open(path).map_err(|e| create_err(e.to_string()))?;
        // One thread: a worker process already has a core of its own, and DuckDB's idle
        // worker threads waking for every small append cost more CPU than they save (on
        // 8-Ks, more than the plugins).
        let mut ddl = String::from("SET threads = 1;\nSET force_compression = 'uncompressed';\n");
        for s in specs {
            let cols: Vec<String> = s
                .columns
                .iter()
                .map(|c| format!("\"{}\" {}", c.name, staging_type(c.ty)))
                .collect();
            ddl.push_str(&format!(
                "CREATE TABLE {} ({}, _fid BIGINT NOT NULL, _seq BIGINT NOT NULL);\n",
                ident(&segment_table(&s.name))?,
                cols.join(", ")
            ));
        }
        ddl.push_str(&format!(
            "CREATE TABLE {SEG_FILINGS} (fid BIGINT NOT NULL, accession_number VARCHAR NOT NULL, \
             cik VARCHAR, company_name VARCHAR, form_type VARCHAR, filed_date VARCHAR, \
             period_of_report VARCHAR, source_path VARCHAR, source_hash VARCHAR, \
             sections_now BOOLEAN NOT NULL, warnings VARCHAR);
             CREATE TABLE {SEG_STAGES} (fid BIGINT NOT NULL, accession_number VARCHAR NOT NULL, \
             stage VARCHAR NOT NULL, plugin_name VARCHAR, plugin_version VARCHAR, config_hash VARCHAR, \
             source_hash VARCHAR, fingerprint VARCHAR, tables VARCHAR, row_count BIGINT);"
        ));
        conn.execute_batch(&ddl)
            .map_err(|e| create_err(e.to_string()))?;
        Ok(SegmentWriter {
            path: path.to_path_buf(),
            conn,
            specs: specs.to_vec(),
            filings: Vec::new(),
            held: Vec::new(),
            held_rows: 0,
            opened: Instant::now(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Filings staged so far, written or held.
    pub fn len(&self) -> usize {
        self.filings.len() + self.held.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Time since the segment was created.
    pub fn age(&self) -> std::time::Duration {
        self.opened.elapsed()
    }

    /// Takes one filing whole; it is written by the next [`SegmentWriter::flush`]. The rows
    /// must already be validated against the specs (see `finloom-host`), so that a failure
    /// when writing is an I/O-level problem (disk full, …).
    pub fn stage(&mut self, trip: FilingTrip) {
        self.held_rows += trip.row_count();
        self.held.push(trip);
    }

    /// Whether enough rows are held that they should be written now.
    pub fn should_flush(&self) -> bool {
        self.held_rows >= FLUSH_ROWS
    }

    /// Writes every held filing in one transaction and returns their `fid`s (empty when
    /// nothing was held). On an error the transaction is rolled back, the filings stay held,
    /// and the file holds what it held before.
    pub fn flush(&mut self) -> Result<Vec<i64>, StagingError> {
        if self.held.is_empty() {
            return Ok(Vec::new());
        }
        self.conn.execute_batch("BEGIN TRANSACTION")?;
        match self.write_held() {
            Ok(()) => self.conn.execute_batch("COMMIT")?,
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
        let fids: Vec<i64> = self.held.drain(..).map(|t| t.fid).collect();
        self.held_rows = 0;
        self.filings.extend(&fids);
        Ok(fids)
    }

    fn write_held(&self) -> Result<(), StagingError> {
        for (spec_idx, spec) in self.specs.iter().enumerate() {
            let werr = |detail: String| StagingError::Write {
                table: spec.name.clone(),
                detail,
            };
            let mut app = None;
            for trip in &self.held {
                for (_, t) in trip.rows.iter().filter(|(i, _)| *i == spec_idx) {
                    if t.rows.is_empty() {
                        continue;
                    }
                    if app.is_none() {
                        app = Some(
                            self.conn
                                .appender(&segment_table(&spec.name))
                                .map_err(|e| werr(e.to_string()))?,
                        );
                    }
                    let app = app.as_mut().expect("just created");
                    // Map declared column order to the plugin's column order once per table.
                    let order: Vec<Option<usize>> = spec
                        .columns
                        .iter()
                        .map(|c| t.column_index(&c.name))
                        .collect();
                    let mut vals: Vec<Cell<'_>> = Vec::with_capacity(order.len() + 2);
                    for (seq, row) in t.rows.iter().enumerate() {
                        vals.clear();
                        for (c, idx) in spec.columns.iter().zip(&order) {
                            let v = idx.and_then(|i| row.get(i)).unwrap_or(&Value::Null);
                            vals.push(Cell::Plugin(v, c.ty));
                        }
                        vals.push(Cell::Int(trip.fid));
                        vals.push(Cell::Int(seq as i64));
                        app.append_row(appender_params_from_iter(vals.iter()))
                            .map_err(|e| werr(e.to_string()))?;
                    }
                }
            }
            if let Some(mut app) = app {
                // Flush explicitly: dropping an Appender swallows its errors.
                app.flush().map_err(|e| werr(e.to_string()))?;
            }
        }
        let mut stages = self.conn.appender(SEG_STAGES)?;
        for trip in &self.held {
            let f = &trip.filing;
            for s in &trip.stages {
                stages.append_row(params![
                    trip.fid,
                    f.accession_number,
                    s.stage,
                    s.plugin_name,
                    s.plugin_version,
                    s.config_hash,
                    f.source_hash,
                    s.fingerprint,
                    s.tables.join(","),
                    s.row_count
                ])?;
            }
        }
        stages.flush()?;
        // Last: the rows that make the filings visible to the merge.
        let mut filings = self.conn.appender(SEG_FILINGS)?;
        for trip in &self.held {
            let f = &trip.filing;
            filings.append_row(params![
                trip.fid,
                f.accession_number,
                f.cik,
                f.company_name,
                f.form_type,
                f.filed_date,
                f.period_of_report,
                f.source_path,
                f.source_hash,
                trip.sections_now,
                trip.warnings.join("\n")
            ])?;
        }
        filings.flush()?;
        Ok(())
    }

    /// Seals the segment: writes what it holds, checkpoints it into the file and closes it,
    /// so that the merge can attach it. Returns its path and the `fid`s the last write added
    /// (the earlier ones were returned by [`SegmentWriter::flush`]).
    pub fn seal(mut self) -> Result<(PathBuf, Vec<i64>), StagingError> {
        let last = self.flush()?;
        self.conn.execute_batch("CHECKPOINT")?;
        let path = self.path.clone();
        self.conn.close().map_err(|(_, e)| StagingError::Duck(e))?;
        Ok((path, last))
    }

    /// Forgets the held filings (after a failed [`SegmentWriter::flush`]) and returns their
    /// `fid`s.
    pub fn drop_held(&mut self) -> Vec<i64> {
        self.held_rows = 0;
        self.held.drain(..).map(|t| t.fid).collect()
    }

    /// `fid`s written into the file so far.
    pub fn written(&self) -> &[i64] {
        &self.filings
    }
}

fn wal_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(".wal");
    PathBuf::from(s)
}

/// Deletes a segment file (and its WAL, if any).
pub fn remove_segment(path: &Path) -> std::io::Result<()> {
    std::fs::remove_file(path)?;
    let wal = wal_path(path);
    if wal.exists() {
        std::fs::remove_file(wal)?;
    }
    Ok(())
}

/// One value handed to the appender, borrowed from the plugin's row (no copy of its text:
/// a 10-K's staging appends millions of values).
enum Cell<'a> {
    Plugin(&'a Value, ColumnType),
    Int(i64),
}

impl duckdb::ToSql for Cell<'_> {
    fn to_sql(&self) -> duckdb::Result<duckdb::types::ToSqlOutput<'_>> {
        use duckdb::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Cell::Int(i) => ValueRef::BigInt(*i),
            Cell::Plugin(v, ty) => match (v, ty) {
                (Value::Null, _) => ValueRef::Null,
                (Value::Text(s), _) => ValueRef::Text(s.as_str().as_bytes()),
                (Value::Int(i), ColumnType::Double) => ValueRef::Double(*i as f64),
                (Value::Int(i), _) => ValueRef::BigInt(*i),
                (Value::Float(f), _) => ValueRef::Double(*f),
                (Value::Bool(b), _) => ValueRef::Boolean(*b),
            },
        }))
    }
}

/// Whether a plugin value fits a column of type `ty`, or says why not. The host checks every
/// value with it before a filing is staged (so staging itself does not check again); it
/// allocates nothing when the value fits.
pub fn check(v: &Value, ty: ColumnType) -> Result<(), String> {
    match (v, ty) {
        (Value::Null, _)
        | (Value::Text(_), ColumnType::Text)
        | (Value::Int(_), ColumnType::BigInt | ColumnType::Double)
        | (Value::Bool(_), ColumnType::Boolean) => Ok(()),
        (Value::Text(s), ColumnType::Date) if is_date(s.as_str()) => Ok(()),
        (Value::Text(s), ColumnType::Date) => {
            Err(format!("{:?} is not a YYYY-MM-DD date", s.as_str()))
        }
        (Value::Float(f), ColumnType::Double) if f.is_finite() => Ok(()),
        (Value::Float(f), ColumnType::Double) => Err(format!("{f} is not a finite number")),
        (v, ty) => Err(format!("value {v:?} does not fit declared type {ty:?}")),
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

//! The merge: the only writer of production tables.
//!
//! It runs on a thread of the `finloom run` process while the worker processes extract, and
//! commits sealed staging segments (see `finloom-staging`) as they arrive — a **group
//! commit**: all the filings of a segment in one transaction on the production database,
//! with set-based statements whose cost is linear in the rows they move:
//!
//! 1. for every table of every stage the batch commits, delete the old rows of the batch's
//!    filings (skipped for accession numbers production has never held — a first run over a
//!    new corpus never scans the fact tables), then `INSERT … SELECT` the staged rows of the
//!    batch in (file, plugin) order;
//! 2. replace the batch's `filings` rows (status `ok`) and stage fingerprints
//!    (`finloom_store::ledger`);
//! 3. commit.
//!
//! Each filing is all-or-nothing because the batch is. If the batch fails, it is rolled back
//! and retried one filing per transaction, so one bad filing cannot keep the others out; a
//! filing that fails alone is rolled back (left exactly as it was before the run), recorded
//! as failed, and its segment is kept for inspection.
//!
//! The production file is attached for a *hold* — the batches queued at that moment — and
//! detached in between, so other processes (a duckdb shell, a notebook) can open it between
//! holds. While extraction runs, holds are spaced: [`MergeConfig::min_interval`] apart, or nine
//! times as long as the last checkpoint took (up to [`MergeConfig::max_interval`]). Detaching
//! checkpoints the file, which costs about the same however little was committed (and more as
//! the file grows): that is why holds are spaced rather than made per segment. The time the
//! file was held, and the longest hold, are measured and reported.

use duckdb::Connection;
use finloom_plugin_api::ColumnType;
use finloom_staging::{remove_segment, segment_table, SEG_FILINGS, SEG_STAGES};
use finloom_store::ledger::{self, BATCH, BATCH_STAGES};
use finloom_store::{literal, retry_locked, StoreError, TableSpec};
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

pub use finloom_store::ledger::{FailedFiling, FilingRecord, StageCommit};

/// Environment variable for the fault-injection test: when set to an accession number, a
/// transaction that commits that filing fails right after the old rows were deleted and
/// before the new ones are inserted. Used by the integration tests to prove the rollback
/// (and the one-filing-per-transaction retry); harmless otherwise.
pub const FAULT_ENV: &str = "FINLOOM_TEST_FAIL_AFTER_DELETE";

/// Test hook: milliseconds to wait after each commit, and one filing per transaction, so that
/// a test can send a signal while the merge is certainly between two filings.
pub const PAUSE_ENV: &str = "FINLOOM_TEST_MERGE_PAUSE_MS";

#[derive(thiserror::Error, Debug)]
pub enum MergeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("merge database error: {0}")]
    Duck(#[from] duckdb::Error),
}

/// A sealed segment and the filings in it that the run accepted (`fid`, accession, path).
#[derive(Debug, Clone)]
pub struct SegmentJob {
    pub path: PathBuf,
    pub filings: Vec<(i64, String, String)>,
}

/// What the merge thread is handed.
#[derive(Debug)]
pub enum MergeJob {
    Segment(SegmentJob),
    /// Failures to record in the ledger (and on the filings' status).
    Failures(Vec<FailedFiling>),
}

/// What the merge reports as it goes (for the progress display).
pub enum MergeNote<'a> {
    Merged {
        source_path: &'a str,
    },
    /// A filing the merge itself rolled back (failures handed to it are not repeated here).
    Failed(&'a FailedFiling),
}

#[derive(Debug, Default)]
pub struct MergeReport {
    /// Filings committed.
    pub merged: usize,
    pub failed: Vec<FailedFiling>,
    /// Rows inserted per production table.
    pub rows: BTreeMap<String, i64>,
    /// Time spent merging (attaching, committing, detaching).
    pub merge_seconds: f64,
    /// Time the production file was attached.
    pub held_seconds: f64,
    /// The longest single hold.
    pub longest_hold_seconds: f64,
    /// Transactions committed.
    pub transactions: usize,
    /// CPU time of the merge thread.
    pub cpu_seconds: f64,
    /// Source paths of filings not merged because `stop` asked to stop: untouched.
    pub not_merged: Vec<String>,
}

pub struct MergeConfig {
    pub production: PathBuf,
    pub run_id: String,
    pub specs: Vec<TableSpec>,
    /// Per pipeline stage: its name and the indexes into `specs` of the tables it writes.
    pub stage_tables: Vec<(String, Vec<usize>)>,
    /// How long to wait for the production file when another process holds it.
    pub lock_wait: Duration,
    /// Keep segments after merging them (`staging = "keep"`).
    pub keep_segments: bool,
    /// Shortest time between two holds while extraction runs (work queued meanwhile is
    /// committed in the next hold).
    pub min_interval: Duration,
    /// Longest time between two holds while extraction runs.
    pub max_interval: Duration,
    /// Accession numbers production already holds rows for.
    pub present: HashSet<String>,
}

const PROD: &str = "finloom_prod";
const SEG: &str = "finloom_seg";

pub struct Merger<'a> {
    pub config: MergeConfig,
    /// Whether `fid` still owns `accession` (a copy of a filing found at an earlier path in
    /// sorted order takes it over; the displaced copy is not merged).
    pub owns: &'a (dyn Fn(i64, &str) -> bool + Sync),
    /// Asked before each batch: `true` stops the merge there (what was committed stays; the
    /// rest is listed in `not_merged`). Failures are still recorded.
    pub stop: &'a (dyn Fn() -> bool + Sync),
    pub note: &'a (dyn Fn(MergeNote<'_>) + Sync),
}

impl Merger<'_> {
    /// Merges jobs until the channel closes.
    pub fn run(mut self, rx: Receiver<MergeJob>) -> Result<MergeReport, MergeError> {
        let cpu_start = thread_cpu();
        let mut report = MergeReport::default();
        let fault = std::env::var(FAULT_ENV).ok();
        let pause = std::env::var(PAUSE_ENV)
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_millis);
        let mut queue: VecDeque<MergeJob> = VecDeque::new();
        let mut open = true;
        let mut last_hold: Option<(Instant, Duration)> = None;
        loop {
            if queue.is_empty() {
                match rx.recv() {
                    Ok(j) => queue.push_back(j),
                    Err(_) => break,
                }
            }
            // Let work gather while extraction runs. Each hold ends in a checkpoint (DETACH)
            // whose cost has a part that does not depend on how much was committed, and that
            // part grows with the production file (100 ms on a new database, close to a second
            // at 5,000 filings). So the next hold waits `min_interval`, or nine times as long
            // as the last checkpoint took if that is longer (at most `max_interval`): fuller
            // holds as the database grows, so that the checkpoint's share stays small. (Spacing
            // by the whole hold instead feeds back: a longer wait queues more work, which makes
            // the next hold longer.) Once extraction is over there is nothing to wait for.
            if let Some((last, checkpoint)) = last_hold {
                let wait =
                    (checkpoint * 9).clamp(self.config.min_interval, self.config.max_interval);
                let until = last + wait;
                while open {
                    let now = Instant::now();
                    if now >= until {
                        break;
                    }
                    match rx.recv_timeout(until - now) {
                        Ok(j) => queue.push_back(j),
                        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => break,
                        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => open = false,
                    }
                }
            }
            while let Ok(j) = rx.try_recv() {
                queue.push_back(j);
            }
            let started = Instant::now();
            let conn = merge_connection()?;
            attach(&conn, &self.config)?;
            let held = Instant::now();
            tracing::debug!(
                ms = started.elapsed().as_millis() as u64,
                "merge: production attached"
            );
            let result = (|| -> Result<(), MergeError> {
                while let Some(job) = queue.pop_front() {
                    match job {
                        MergeJob::Failures(fs) => {
                            for f in fs {
                                ledger::record_failure(&conn, PROD, &self.config.run_id, &f)?;
                                // It may have written a `filings` row: production holds it now.
                                if let Some(acc) = &f.accession_number {
                                    self.config.present.insert(acc.clone());
                                }
                                report.failed.push(f);
                            }
                        }
                        MergeJob::Segment(seg) => {
                            if (self.stop)() {
                                report
                                    .not_merged
                                    .extend(seg.filings.iter().map(|(_, _, p)| p.clone()));
                                continue; // the segment stays in the staging folder
                            }
                            self.merge_segment(&conn, &seg, fault.as_deref(), pause, &mut report)?;
                        }
                    }
                }
                Ok(())
            })();
            // Cached statements name the attached catalog: drop them before it goes.
            conn.flush_prepared_statement_cache();
            let d0 = Instant::now();
            let detach = conn.execute_batch(&format!("DETACH {PROD}"));
            let checkpoint = d0.elapsed();
            tracing::debug!(
                ms = checkpoint.as_millis() as u64,
                "merge: production detached (checkpoint)"
            );
            let h = held.elapsed().as_secs_f64();
            report.held_seconds += h;
            report.longest_hold_seconds = report.longest_hold_seconds.max(h);
            report.merge_seconds += started.elapsed().as_secs_f64();
            last_hold = Some((Instant::now(), checkpoint));
            result?;
            detach?;
        }
        report.cpu_seconds = thread_cpu() - cpu_start;
        Ok(report)
    }

    fn merge_segment(
        &mut self,
        conn: &Connection,
        seg: &SegmentJob,
        fault: Option<&str>,
        pause: Option<Duration>,
        report: &mut MergeReport,
    ) -> Result<(), MergeError> {
        let accepted: Vec<&(i64, String, String)> = seg
            .filings
            .iter()
            .filter(|(fid, acc, _)| (self.owns)(*fid, acc))
            .collect();
        if accepted.is_empty() {
            self.done_with(seg, false);
            return Ok(());
        }
        // Read-only: the merge never writes a segment. A dead worker's segment may still have
        // its write-ahead log; read-only, it is replayed in memory, not checkpointed into the
        // file (which, on a full disk, would fail the merge instead of that worker's filings).
        conn.execute_batch(&format!(
            "ATTACH {} AS {SEG} (READ_ONLY)",
            literal(&seg.path.to_string_lossy())
        ))?;
        let mut failed_any = false;
        let result = (|| -> Result<(), MergeError> {
            let groups: Vec<Vec<&(i64, String, String)>> = if pause.is_some() {
                accepted.iter().map(|f| vec![*f]).collect()
            } else {
                vec![accepted.clone()]
            };
            for group in groups {
                if pause.is_some() && (self.stop)() {
                    report
                        .not_merged
                        .extend(group.iter().map(|(_, _, p)| p.clone()));
                    failed_any = true; // keep the segment: it holds unmerged filings
                    continue;
                }
                match self.commit(conn, &group, fault, report) {
                    Ok(()) => {}
                    Err(e) if group.len() > 1 => {
                        tracing::warn!(
                            segment = %seg.path.display(),
                            "group commit failed, retrying one filing per transaction: {e}"
                        );
                        for one in &group {
                            if let Err(e) = self.commit(conn, &[*one], fault, report) {
                                failed_any = true;
                                self.fail(conn, one, e, report)?;
                            }
                        }
                    }
                    Err(e) => {
                        failed_any = true;
                        self.fail(conn, group[0], e, report)?;
                    }
                }
                if let Some(p) = pause {
                    std::thread::sleep(p);
                }
            }
            Ok(())
        })();
        conn.flush_prepared_statement_cache();
        let detach = conn.execute_batch(&format!("DETACH {SEG}"));
        result?;
        detach?;
        self.done_with(seg, failed_any);
        Ok(())
    }

    /// Deletes a merged segment, unless it must stay (a filing in it was not committed, or
    /// `staging = "keep"`); the run reports the staging folder when anything is left in it.
    fn done_with(&self, seg: &SegmentJob, keep: bool) {
        if keep || self.config.keep_segments {
            return;
        }
        if let Err(e) = remove_segment(&seg.path) {
            tracing::warn!(segment = %seg.path.display(), "cannot remove merged segment: {e}");
        }
    }

    fn fail(
        &mut self,
        conn: &Connection,
        (_, acc, path): &(i64, String, String),
        e: MergeError,
        report: &mut MergeReport,
    ) -> Result<(), MergeError> {
        tracing::warn!(accession = %acc, "merge failed, rolled back: {e}");
        let f = FailedFiling {
            source_path: path.clone(),
            accession_number: Some(acc.clone()),
            error: format!("merge failed and was rolled back: {e}"),
            ..Default::default()
        };
        ledger::record_failure(conn, PROD, &self.config.run_id, &f)?;
        self.config.present.insert(acc.clone());
        (self.note)(MergeNote::Failed(&f));
        report.failed.push(f);
        Ok(())
    }

    /// One transaction: the filings of `group`, all or nothing.
    fn commit(
        &mut self,
        conn: &Connection,
        group: &[&(i64, String, String)],
        fault: Option<&str>,
        report: &mut MergeReport,
    ) -> Result<(), MergeError> {
        let fids: Vec<String> = group.iter().map(|(f, _, _)| f.to_string()).collect();
        let list = fids.join(", ");
        // The batch, copied into temporary tables first: a transaction may write only one
        // database, and this one writes production.
        conn.execute_batch(&format!(
            "CREATE OR REPLACE TEMP TABLE {BATCH} AS SELECT * FROM {SEG}.{SEG_FILINGS} WHERE fid IN ({list});
             CREATE OR REPLACE TEMP TABLE {BATCH_STAGES} AS SELECT * FROM {SEG}.{SEG_STAGES} WHERE fid IN ({list});"
        ))?;
        let stage_accs: Vec<(String, String)> = {
            let mut st = conn.prepare_cached(&format!(
                "SELECT stage, accession_number FROM {BATCH_STAGES}"
            ))?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        // Filings production never held need no DELETE anywhere: a batch of new filings
        // never scans a production table, so its cost does not grow with the database.
        let replace = group
            .iter()
            .any(|(_, acc, _)| self.config.present.contains(acc));
        conn.execute_batch(&ledger::sections_before_sql(PROD, replace))?;
        let mut rows: Vec<(String, i64)> = Vec::new();
        conn.execute_batch("BEGIN TRANSACTION")?;
        let r = (|| -> Result<(), MergeError> {
            for (stage, tables) in &self.config.stage_tables {
                let accs: Vec<&String> = stage_accs
                    .iter()
                    .filter(|(s, _)| s == stage)
                    .map(|(_, a)| a)
                    .collect();
                if accs.is_empty() {
                    continue;
                }
                let replace = accs.iter().any(|a| self.config.present.contains(*a));
                for &t in tables {
                    let spec = &self.config.specs[t];
                    if replace {
                        conn.prepare_cached(&format!(
                            "DELETE FROM {PROD}.\"{}\" WHERE accession_number IN \
                             (SELECT accession_number FROM {BATCH_STAGES} WHERE stage = ?)",
                            spec.name
                        ))?
                        .execute([stage])?;
                    }
                    if let Some(f) = fault {
                        if accs.iter().any(|a| a.as_str() == f) {
                            return Err(MergeError::Store(StoreError::Schema {
                                table: "(fault injection)".into(),
                                message: format!(
                                    "{FAULT_ENV} is set to {f}: failing between delete and insert"
                                ),
                            }));
                        }
                    }
                    let select: Vec<String> = spec
                        .columns
                        .iter()
                        .map(|col| match col.ty {
                            ColumnType::Date => format!("CAST(\"{}\" AS DATE)", col.name),
                            _ => format!("\"{}\"", col.name),
                        })
                        .collect();
                    let n = conn
                        .prepare_cached(&format!(
                            "INSERT INTO {PROD}.\"{}\" ({}) SELECT {} FROM {SEG}.\"{}\" \
                             WHERE _fid IN (SELECT fid FROM {BATCH_STAGES} WHERE stage = ?) ORDER BY _fid, _seq",
                            spec.name,
                            spec.column_list(),
                            select.join(", "),
                            segment_table(&spec.name)
                        ))?
                        .execute([stage])?;
                    rows.push((spec.name.clone(), n as i64));
                }
            }
            ledger::commit_host_rows(conn, PROD, &self.config.run_id, replace)?;
            Ok(())
        })();
        tracing::debug!(
            filings = group.len(),
            rows = rows.iter().map(|(_, n)| n).sum::<i64>(),
            "merge: statements done"
        );
        match r {
            Ok(()) => conn.execute_batch("COMMIT")?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
        report.transactions += 1;
        for (t, n) in rows {
            *report.rows.entry(t).or_default() += n;
        }
        for (_, acc, path) in group {
            (self.note)(MergeNote::Merged { source_path: path });
            self.config.present.insert(acc.clone());
        }
        report.merged += group.len();
        Ok(())
    }
}

/// The merge's own DuckDB instance (in memory; production and segments are attached to it).
/// A fresh one per hold: ~1 ms, and nothing one hold leaves behind (attached-database state,
/// temporary tables, cached blocks) can make the next one slower.
fn merge_connection() -> Result<Connection, MergeError> {
    let conn = Connection::open_in_memory()?;
    // One thread: the batches are small, and the cores belong to the workers.
    conn.execute_batch("SET threads = 1")?;
    // Checkpoint once per hold (at DETACH), not also whenever a commit pushes the WAL past the
    // default 16 MB: a checkpoint rewrites the tables' last row groups, so its cost is paid per
    // checkpoint, not per row.
    conn.execute_batch("SET checkpoint_threshold = '1GB'")?;
    // DuckDB's default memory limit is 80 % of the machine: it would keep caching blocks of a
    // growing production file (1.4 GB resident after 20,000 filings). The merge needs only the
    // batch in flight.
    conn.execute_batch("SET memory_limit = '512MB'")?;
    // The same ~20 statements run for every batch; parse and plan them once per hold.
    conn.set_prepared_statement_cache_capacity(256);
    Ok(conn)
}

fn attach(conn: &Connection, config: &MergeConfig) -> Result<(), MergeError> {
    let prod = &config.production;
    let sql = format!("ATTACH {} AS {PROD}", literal(&prod.to_string_lossy()));
    retry_locked(config.lock_wait, || {
        conn.execute_batch(&sql)
            .map_err(|e| finloom_store::classify_open_error(prod, e))
    })?;
    Ok(())
}

/// CPU time of the calling thread, in seconds.
pub fn thread_cpu() -> f64 {
    cpu_seconds(libc::CLOCK_THREAD_CPUTIME_ID)
}

/// CPU time in seconds of a POSIX CPU clock (`CLOCK_THREAD_CPUTIME_ID`,
/// `CLOCK_PROCESS_CPUTIME_ID`).
pub fn cpu_seconds(clock: libc::clockid_t) -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

//! The merge: the only writer of production tables.
//!
//! It runs on a thread of the `finloom run` process while the worker processes extract, and
//! commits sealed staging segments (see `finloom-staging`) as they arrive — a **group
//! commit**: all the filings of the segments queued for a hold in one transaction on the
//! production database, with set-based statements whose cost is linear in the rows they move:
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
//! and retried one segment per transaction, then one filing per transaction, so one bad filing
//! cannot keep the others out; a
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

/// Test hook: when set, the merge waits until extraction is over and commits everything in
/// one hold, so that a test knows which segments share a transaction.
pub const ONE_HOLD_ENV: &str = "FINLOOM_TEST_MERGE_ONE_HOLD";

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
    /// DuckDB's memory limit for a hold, in MB (the pipeline's `merge_memory_mb`).
    pub memory_mb: u64,
}

const PROD: &str = "finloom_prod";
const SEG: &str = "finloom_seg";

/// A segment attached for a hold: its alias, and the filings of it the run accepted.
struct Part {
    alias: String,
    seg: SegmentJob,
    filings: Vec<(i64, String, String)>,
    /// Keep the segment after the hold: a filing of it was not committed.
    keep: bool,
}

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
        let merge_start = Instant::now();
        let mut report = MergeReport::default();
        let fault = std::env::var(FAULT_ENV).ok();
        let pause = std::env::var(PAUSE_ENV)
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_millis);
        let mut queue: VecDeque<MergeJob> = VecDeque::new();
        if std::env::var_os(ONE_HOLD_ENV).is_some() {
            queue.extend(rx.iter());
        }
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
            //
            // The first hold has no checkpoint to go by and starts at once, so that a run
            // commits early — unless it replaces filings production already holds: then every
            // hold also pays a DELETE that scans the stage's tables whatever the batch's size
            // (0.1–0.4 s per hold at 50 M `table_cells` rows), and the first hold waits
            // `min_interval` from the merge's start like any other, so that a short re-run
            // makes one hold, not two.
            let until = match last_hold {
                Some((last, checkpoint)) => Some(
                    last + (checkpoint * 9)
                        .clamp(self.config.min_interval, self.config.max_interval),
                ),
                None if self.replaces(&queue) => Some(merge_start + self.config.min_interval),
                None => None,
            };
            if let Some(until) = until {
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
            let conn = merge_connection(self.config.memory_mb)?;
            attach(&conn, &self.config)?;
            let held = Instant::now();
            tracing::debug!(
                ms = started.elapsed().as_millis() as u64,
                "merge: production attached"
            );
            let result = (|| -> Result<(), MergeError> {
                // Consecutive segments are committed together (see `merge_segments`); a list
                // of failures between them is recorded in its place, so the ledger sees
                // everything in the order it arrived.
                let mut segments: Vec<SegmentJob> = Vec::new();
                while let Some(job) = queue.pop_front() {
                    match job {
                        MergeJob::Failures(fs) => {
                            let before = std::mem::take(&mut segments);
                            self.merge_segments(
                                &conn,
                                before,
                                fault.as_deref(),
                                pause,
                                &mut report,
                            )?;
                            for f in fs {
                                ledger::record_failure(&conn, PROD, &self.config.run_id, &f)?;
                                // It may have written a `filings` row: production holds it now.
                                if let Some(acc) = &f.accession_number {
                                    self.config.present.insert(acc.clone());
                                }
                                report.failed.push(f);
                            }
                        }
                        MergeJob::Segment(seg) => segments.push(seg),
                    }
                }
                self.merge_segments(&conn, segments, fault.as_deref(), pause, &mut report)
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

    /// Whether a queued segment holds a filing production already has rows for.
    fn replaces(&self, queue: &VecDeque<MergeJob>) -> bool {
        queue.iter().any(|j| match j {
            MergeJob::Segment(seg) => seg
                .filings
                .iter()
                .any(|(_, acc, _)| self.config.present.contains(acc)),
            MergeJob::Failures(_) => false,
        })
    }

    /// Commits the accepted filings of `segments` in **one transaction**, each segment
    /// attached read-only under its own name. One transaction per hold rather than per
    /// segment matters as the run grows: DuckDB writes an append that fills whole row groups
    /// (`finloom_store::ROW_GROUP_SIZE` rows) straight into the database file, compressed,
    /// instead of into the write-ahead log and the memory it keeps until the checkpoint. Holds
    /// of a large run carry a million rows and more; as separate segment transactions (each
    /// short of a row group) all of them went through the log and waited in memory for the
    /// checkpoint at DETACH (merge CPU per filing at 19,980 filings, measured with DuckDB's
    /// default 122,880-row groups: 5.6 ms that way, 5.0 ms this way).
    ///
    /// If the transaction fails it is retried one segment at a time, and a segment that fails
    /// one filing at a time (`commit_or_split`), so one bad filing cannot keep the others out.
    fn merge_segments(
        &mut self,
        conn: &Connection,
        segments: Vec<SegmentJob>,
        fault: Option<&str>,
        pause: Option<Duration>,
        report: &mut MergeReport,
    ) -> Result<(), MergeError> {
        if segments.is_empty() {
            return Ok(());
        }
        if (self.stop)() {
            for seg in &segments {
                report
                    .not_merged
                    .extend(seg.filings.iter().map(|(_, _, p)| p.clone()));
            }
            return Ok(()); // the segments stay in the staging folder
        }
        let mut parts: Vec<Part> = Vec::new();
        for seg in segments {
            let accepted: Vec<(i64, String, String)> = seg
                .filings
                .iter()
                .filter(|(fid, acc, _)| (self.owns)(*fid, acc))
                .cloned()
                .collect();
            if accepted.is_empty() {
                self.done_with(&seg, false);
                continue;
            }
            parts.push(Part {
                alias: format!("{SEG}{}", parts.len()),
                seg,
                filings: accepted,
                keep: false,
            });
        }
        // Read-only: the merge never writes a segment. A dead worker's segment may still have
        // its write-ahead log; read-only, it is replayed in memory, not checkpointed into the
        // file (which, on a full disk, would fail the merge instead of that worker's filings).
        let mut attached = 0;
        let mut result = Ok(());
        for p in &parts {
            if let Err(e) = conn.execute_batch(&format!(
                "ATTACH {} AS {} (READ_ONLY)",
                literal(&p.seg.path.to_string_lossy()),
                p.alias
            )) {
                result = Err(e.into());
                break;
            }
            attached += 1;
        }
        if result.is_ok() {
            result = if let Some(pause) = pause {
                self.commit_one_by_one(conn, &mut parts, fault, pause, report)
            } else {
                let all: Vec<usize> = (0..parts.len()).collect();
                self.commit_or_split(conn, &mut parts, &all, fault, report)
            };
        }
        conn.flush_prepared_statement_cache();
        let mut detach = Ok(());
        for p in parts.iter().take(attached) {
            let d = conn.execute_batch(&format!("DETACH {}", p.alias));
            if detach.is_ok() {
                detach = d;
            }
        }
        result?;
        detach?;
        for p in &parts {
            self.done_with(&p.seg, p.keep);
        }
        Ok(())
    }

    /// Commits the filings of `parts[which]` in one transaction; if that fails, each part on
    /// its own, and a part that fails alone one filing at a time. A filing that fails alone
    /// is rolled back, recorded as failed, and its segment kept.
    fn commit_or_split(
        &mut self,
        conn: &Connection,
        parts: &mut [Part],
        which: &[usize],
        fault: Option<&str>,
        report: &mut MergeReport,
    ) -> Result<(), MergeError> {
        let batch: Vec<(&str, Vec<&(i64, String, String)>)> = which
            .iter()
            .map(|&i| (parts[i].alias.as_str(), parts[i].filings.iter().collect()))
            .collect();
        let n: usize = batch.iter().map(|(_, f)| f.len()).sum();
        let e = match self.commit(conn, &batch, fault, report) {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        if which.len() > 1 {
            tracing::warn!(
                segments = which.len(),
                filings = n,
                "group commit failed, retrying one segment per transaction: {e}"
            );
            for &i in which {
                self.commit_or_split(conn, parts, &[i], fault, report)?;
            }
            return Ok(());
        }
        let i = which[0];
        if n == 1 {
            parts[i].keep = true;
            let f = parts[i].filings[0].clone();
            return self.fail(conn, &f, e, report);
        }
        tracing::warn!(
            segment = %parts[i].seg.path.display(),
            "group commit failed, retrying one filing per transaction: {e}"
        );
        for k in 0..parts[i].filings.len() {
            self.commit_filing(conn, &mut parts[i], k, fault, report)?;
        }
        Ok(())
    }

    /// Commits filing `k` of `part` alone; if that fails, records it as failed and keeps the
    /// segment.
    fn commit_filing(
        &mut self,
        conn: &Connection,
        part: &mut Part,
        k: usize,
        fault: Option<&str>,
        report: &mut MergeReport,
    ) -> Result<(), MergeError> {
        let one = [(part.alias.as_str(), vec![&part.filings[k]])];
        if let Err(e) = self.commit(conn, &one, fault, report) {
            part.keep = true;
            let f = part.filings[k].clone();
            self.fail(conn, &f, e, report)?;
        }
        Ok(())
    }

    /// The test hook's way (`FINLOOM_TEST_MERGE_PAUSE_MS`): one filing per transaction, a
    /// pause after each, and `stop` asked between them.
    fn commit_one_by_one(
        &mut self,
        conn: &Connection,
        parts: &mut [Part],
        fault: Option<&str>,
        pause: Duration,
        report: &mut MergeReport,
    ) -> Result<(), MergeError> {
        for i in 0..parts.len() {
            for k in 0..parts[i].filings.len() {
                if (self.stop)() {
                    report.not_merged.push(parts[i].filings[k].2.clone());
                    parts[i].keep = true; // it holds unmerged filings
                    continue;
                }
                self.commit_filing(conn, &mut parts[i], k, fault, report)?;
                std::thread::sleep(pause);
            }
        }
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

    /// One transaction: the filings of `batch` (per attached segment, the filings of it to
    /// commit), all or nothing.
    fn commit(
        &mut self,
        conn: &Connection,
        batch: &[(&str, Vec<&(i64, String, String)>)],
        fault: Option<&str>,
        report: &mut MergeReport,
    ) -> Result<(), MergeError> {
        let group: Vec<&(i64, String, String)> = batch
            .iter()
            .flat_map(|(_, fs)| fs.iter().copied())
            .collect();
        // The batch, copied into temporary tables first: a transaction may write only one
        // database, and this one writes production.
        let union = |table: &str| -> String {
            batch
                .iter()
                .map(|(alias, fs)| {
                    let fids: Vec<String> = fs.iter().map(|(f, _, _)| f.to_string()).collect();
                    format!(
                        "SELECT * FROM {alias}.{table} WHERE fid IN ({})",
                        fids.join(", ")
                    )
                })
                .collect::<Vec<_>>()
                .join(" UNION ALL BY NAME ")
        };
        conn.execute_batch(&format!(
            "CREATE OR REPLACE TEMP TABLE {BATCH} AS {};
             CREATE OR REPLACE TEMP TABLE {BATCH_STAGES} AS {};",
            union(SEG_FILINGS),
            union(SEG_STAGES)
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
                    // One INSERT per segment, in the segment's own order: a worker stages
                    // its filings one after another, each filing's rows in the plugin's
                    // order, and a one-thread scan keeps that order, so within a filing the
                    // rows land in the plugin's order without a sort (tested:
                    // `merged_rows_keep_the_plugins_order_within_each_filing`). With an `ORDER BY
                    // _fid, _seq` here, one 19,980-filing run spent 88.7 s of merge CPU;
                    // without it, one run of the same sitting spent 78.4 s.
                    for (alias, _) in batch {
                        let n = conn
                            .prepare_cached(&format!(
                                "INSERT INTO {PROD}.\"{}\" ({}) SELECT {} FROM {alias}.\"{}\" \
                                 WHERE _fid IN (SELECT fid FROM {BATCH_STAGES} WHERE stage = ?)",
                                spec.name,
                                spec.column_list(),
                                select.join(", "),
                                segment_table(&spec.name)
                            ))?
                            .execute([stage])?;
                        rows.push((spec.name.clone(), n as i64));
                    }
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
        for (_, acc, path) in &group {
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
fn merge_connection(memory_mb: u64) -> Result<Connection, MergeError> {
    let conn = Connection::open_in_memory()?;
    // One thread: the batches are small, and the cores belong to the workers.
    conn.execute_batch("SET threads = 1")?;
    // Checkpoint once per hold (at DETACH), never at a COMMIT, whatever the log's size. A
    // checkpoint rewrites the tables' last row groups, so its cost is paid per checkpoint, not
    // per row. And when DuckDB checkpoints at a commit and that checkpoint fails (a full disk),
    // the COMMIT returns an error although the rows are committed in this instance (for a
    // large commit, without even being written to the log): the merge would take the batch
    // for failed and retry it, inserting its rows a second time. With no checkpoint at commit,
    // an error from COMMIT means nothing was committed; the DETACH's failure fails the run.
    // (This also makes DuckDB's `checkpoint_threshold`, which only triggers checkpoints at a
    // commit, irrelevant here.)
    conn.execute_batch("SET debug_skip_checkpoint_on_commit = true")?;
    // DuckDB's default memory limit is 80 % of the machine: it would keep caching blocks of a
    // growing production file (1.4 GB resident after 20,000 filings). The limit is the
    // pipeline's `merge_memory_mb`, 384 MB unless set: with two workers the whole run, the run
    // process and its workers summed, peaks under 1 GiB. A higher limit buys some CPU: what a
    // hold commits and has not yet checkpointed stays in memory (the part of each table short
    // of a full row group: sections and chunks, whose text makes them large), a hold of a large
    // run carries a million rows, and under a tight limit DuckDB spills to temporary files and
    // reads them back. Measured on 19,980 filings (`scripts/bench-many 740 2`, one sitting,
    // 16,384-row groups): 768 MB, 216.6–222.3 s with the run summed at 1.18–1.24 GB; 512 MB
    // 229.6 s, 1.01 GB; 384 MB 229.2–240.6 s, 0.87–0.93 GB; 256 MB 236.5 s, 0.79 GB. (With
    // 122,880-row groups, before: 512 MB 5.0 ms of merge CPU per filing, 768 MB 4.7, 2 GB 4.1
    // with 1.6 GB resident.)
    conn.execute_batch(&format!("SET memory_limit = '{}MB'", memory_mb))?;
    // The same ~20 statements run for every batch; parse and plan them once per hold.
    conn.set_prepared_statement_cache_capacity(256);
    Ok(conn)
}

fn attach(conn: &Connection, config: &MergeConfig) -> Result<(), MergeError> {
    let prod = &config.production;
    let sql = format!(
        "ATTACH {} AS {PROD} ({})",
        literal(&prod.to_string_lossy()),
        finloom_store::rw_attach_options()
    );
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

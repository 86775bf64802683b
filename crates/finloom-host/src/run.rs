//! `finloom run`: one run of a pipeline.
//!
//! 1. Take the run lock (`<database>.lock`) so two runs never work on one database.
//! 2. Briefly open the production database: create the host tables and the plugins' tables,
//!    allocate the run id, read what earlier runs did (stage fingerprints and row counts), close.
//! 3. Read the source folder. For each file, compute the source hash and the stage
//!    fingerprints; a filing whose stages all match what production holds is skipped without
//!    parsing. Otherwise parse it once, run the stages that are stale or missing (plus,
//!    in memory, the upstream stages they need as input), validate, and append the rows to this
//!    worker's staging tables. Extraction runs on a rayon pool of `workers` threads; each
//!    filing runs on its own thread with a large stack and a time limit, so a runaway plugin
//!    fails that filing and nothing else.
//! 4. Merge (see `finloom-merge`), holding the production file only per batch.
//! 5. Record the run in the ledger; remove staging unless a filing failed or retention is keep.

use crate::extract::{extract_filing, StageOutputs};
use crate::plan::Plan;
use crate::HostError;
use finloom_merge::{FailedFiling, FilingCommit, FilingRecord, Merger, StageCommit};
use finloom_staging::Staging;
use finloom_store::{open_rw, retry_locked};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub force: bool,
    /// How long to wait for the production file when another process holds it.
    pub lock_wait: Option<Duration>,
    /// Print a progress line per filing to stderr.
    pub progress: bool,
}

#[derive(Debug, Default)]
pub struct RunSummary {
    pub run_id: String,
    pub database: PathBuf,
    pub files_seen: usize,
    pub processed: usize,
    pub skipped: usize,
    pub failed: Vec<FailedFiling>,
    pub rows: BTreeMap<String, i64>,
    pub wall_seconds: f64,
    pub extract_seconds: f64,
    pub merge_seconds: f64,
    pub held_seconds: f64,
    pub bytes_read: u64,
    pub staging_kept: Option<PathBuf>,
    /// Stopped by SIGINT/SIGTERM (see [`crate::interrupt`]).
    pub interrupted: bool,
    /// Files not processed because of the stop: not started, abandoned mid-extraction, or
    /// extracted but not merged. Their production rows are exactly as before the run.
    pub not_processed: Vec<String>,
}

/// What earlier runs left in production, for skip decisions.
#[derive(Default)]
struct Prior {
    /// accession → stage → (fingerprint, row_count, tables)
    stages: HashMap<String, HashMap<String, (String, i64, Vec<String>)>>,
    /// (table, accession) → rows in production now
    counts: HashMap<(String, String), i64>,
    /// source_path → (accession, source_hash)
    by_path: HashMap<String, (String, String)>,
    /// Filings whose status is not `ok`: always re-processed, even when their rows are
    /// current, so that a successful run clears the failure.
    failed: std::collections::HashSet<String>,
}

impl Prior {
    /// Whether `stage` of `acc` is present in production with fingerprint `fp` and all of
    /// its rows (a deleted or half-copied table shows up as a count mismatch: a gap to fill).
    fn done(&self, acc: &str, stage: &str, fp: &str) -> bool {
        let Some((f, n, tables)) = self.stages.get(acc).and_then(|m| m.get(stage)) else {
            return false;
        };
        if f != fp {
            return false;
        }
        let have: i64 = tables
            .iter()
            .map(|t| {
                self.counts
                    .get(&(t.clone(), acc.to_string()))
                    .copied()
                    .unwrap_or(0)
            })
            .sum();
        have == *n
    }
}

enum Outcome {
    Skipped {
        accession: String,
        path: String,
    },
    /// Not processed because the run is stopping (SIGINT/SIGTERM).
    Stopped {
        path: String,
    },
    Staged {
        commit: FilingCommit,
        path: String,
    },
    Failed(FailedFiling),
}

fn lock_path(db: &Path) -> PathBuf {
    let mut s = db.as_os_str().to_os_string();
    s.push(".lock");
    PathBuf::from(s)
}

/// Takes the run lock; released when the returned file is dropped (or the process dies).
pub fn take_run_lock(db: &Path) -> Result<File, HostError> {
    let lock = lock_path(db);
    if let Some(p) = lock.parent() {
        std::fs::create_dir_all(p)
            .map_err(|e| HostError::Other(format!("cannot create {}: {e}", p.display())))?;
    }
    let f = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
        .map_err(|e| HostError::Other(format!("cannot open lock file {}: {e}", lock.display())))?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => Err(HostError::Busy {
            database: db.to_path_buf(),
            lock,
        }),
        Err(std::fs::TryLockError::Error(e)) => Err(HostError::Other(format!(
            "cannot lock {}: {e}",
            lock.display()
        ))),
    }
}

pub fn run(plan: &Plan, opts: &RunOptions) -> Result<RunSummary, HostError> {
    let started = Instant::now();
    let p = &plan.pipeline;
    let lock_wait = opts.lock_wait.unwrap_or(Duration::from_secs(60));
    let _lock = take_run_lock(&p.database)?;

    // Source files first: a missing source folder should fail before the database is touched.
    let files = finloom_ingest::discover(&p.source).map_err(|e| HostError::Source {
        path: p.source.clone(),
        detail: e.to_string(),
    })?;

    // --- short production session: schema, run id, prior state ---
    let (run_id, prior) = retry_locked(lock_wait, || {
        let conn = open_rw(&p.database)?;
        Ok(conn)
    })
    .map_err(HostError::from)
    .and_then(|conn| setup(plan, &conn, opts))?;
    let prior = Arc::new(prior);
    tracing::info!(run_id, files = files.len(), "run started");

    let staging = Staging::create(&p.staging_dir, &run_id, &plan.specs, p.workers)?;
    let plan_arc = Arc::new(plan.clone());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(p.workers)
        .thread_name(|i| format!("finloom-worker-{i}"))
        .build()
        .map_err(|e| HostError::Other(format!("cannot start worker threads: {e}")))?;
    let done = AtomicUsize::new(0);
    let bytes = AtomicUsize::new(0);
    let total = files.len();
    let timeout = Duration::from_secs(p.filing_timeout_secs);
    let signals_at_start = crate::interrupt::count();
    let stopping = || crate::interrupt::since(signals_at_start);
    let extract_started = Instant::now();
    let outcomes: Vec<Outcome> = pool.install(|| {
        files
            .par_iter()
            .map(|path| {
                let worker = rayon::current_thread_index().unwrap_or(0);
                if stopping() {
                    return Outcome::Stopped {
                        path: path.display().to_string(),
                    };
                }
                let (outcome, nbytes) =
                    process_file(&plan_arc, &prior, path, opts.force, timeout, &stopping);
                bytes.fetch_add(nbytes, Ordering::Relaxed);
                let outcome = match outcome {
                    ProcessResult::Skip(o) => o,
                    ProcessResult::Stopped => Outcome::Stopped {
                        path: path.display().to_string(),
                    },
                    ProcessResult::Fail(f) => Outcome::Failed(*f),
                    ProcessResult::Stage(mut commit, outputs) => {
                        commit.worker = worker;
                        let rows: Vec<(usize, &finloom_plugin_api::TableRows)> = commit
                            .stages
                            .iter()
                            .flat_map(|s| {
                                let i = plan_arc
                                    .stages
                                    .iter()
                                    .position(|x| x.name == s.stage)
                                    .unwrap();
                                outputs[i].iter().flatten().map(|(spec, t)| (*spec, t))
                            })
                            .collect();
                        match staging.stage(worker, &rows) {
                            Ok(()) => Outcome::Staged {
                                path: commit.filing.source_path.clone(),
                                commit,
                            },
                            Err(e) => Outcome::Failed(FailedFiling {
                                source_path: commit.filing.source_path.clone(),
                                accession_number: Some(commit.filing.accession_number.clone()),
                                filing: Some(commit.filing.clone()),
                                stage: None,
                                error: format!("staging failed: {e}"),
                            }),
                        }
                    }
                };
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                if opts.progress {
                    let what = match &outcome {
                        Outcome::Skipped { .. } => "skipped (up to date)".to_string(),
                        Outcome::Staged { commit, .. } => format!(
                            "extracted {}",
                            commit
                                .stages
                                .iter()
                                .map(|s| format!("{}={}", s.stage, s.row_count))
                                .collect::<Vec<_>>()
                                .join(" ")
                        ),
                        Outcome::Failed(f) => format!("FAILED: {}", f.error),
                        Outcome::Stopped { .. } => "not processed (stopping)".to_string(),
                    };
                    eprintln!("[{n}/{total}] {}: {what}", path.display());
                }
                outcome
            })
            .collect()
    });
    let extract_seconds = extract_started.elapsed().as_secs_f64();

    // --- one filing per accession number: the first path wins, deterministically ---
    let mut commits = Vec::new();
    let mut failures = Vec::new();
    let mut skipped = 0usize;
    let mut not_processed = Vec::new();
    let mut owner: HashMap<String, String> = HashMap::new();
    for o in &outcomes {
        let (acc, path) = match o {
            Outcome::Skipped { accession, path } => (accession, path),
            Outcome::Staged { commit, path } => (&commit.filing.accession_number, path),
            Outcome::Failed(_) | Outcome::Stopped { .. } => continue,
        };
        owner.entry(acc.clone()).or_insert_with(|| path.clone());
    }
    for o in outcomes {
        match o {
            Outcome::Skipped { accession, path } => {
                if owner.get(&accession) == Some(&path) {
                    skipped += 1;
                } else {
                    failures.push(duplicate(&accession, &path, &owner[&accession], None));
                }
            }
            Outcome::Staged { commit, path } => {
                let acc = commit.filing.accession_number.clone();
                if owner.get(&acc) == Some(&path) {
                    commits.push(commit);
                } else {
                    // Not the filing's owner: report it, and do not touch the owner's status.
                    let mut f = duplicate(&acc, &path, &owner[&acc], None);
                    f.accession_number = None;
                    failures.push(f);
                }
            }
            Outcome::Failed(f) => failures.push(f),
            Outcome::Stopped { path } => not_processed.push(path),
        }
    }
    failures.sort_by(|a, b| a.source_path.cmp(&b.source_path));
    let processed = commits.len();

    // --- merge ---
    // A signal that arrived during extraction stopped it; what was staged is still merged.
    // A signal during the merge stops it after the filing being merged.
    let signals_at_merge = crate::interrupt::count();
    let stop_merging = || crate::interrupt::since(signals_at_merge);
    let merger = Merger {
        stop: Some(&stop_merging),
        staging: &staging,
        specs: &plan.specs,
        production: p.database.clone(),
        run_id: run_id.clone(),
        lock_wait,
        batch: p.merge_batch as usize,
        progress: opts.progress,
    };
    let report = merger.merge(commits, failures)?;

    let mut summary = RunSummary {
        run_id: run_id.clone(),
        database: p.database.clone(),
        files_seen: total,
        processed: report.merged.len(),
        skipped,
        failed: report.failed,
        rows: report.rows,
        wall_seconds: 0.0,
        extract_seconds,
        merge_seconds: report.merge_seconds,
        held_seconds: report.held_seconds,
        bytes_read: bytes.load(Ordering::Relaxed) as u64,
        staging_kept: None,
        interrupted: false,
        not_processed,
    };
    summary.not_processed.extend(report.not_merged);
    summary.not_processed.sort();
    summary.interrupted = stopping();
    let _ = processed;
    let keep = !summary.failed.is_empty() || p.staging == finloom_config::Retention::Keep;
    if keep {
        summary.staging_kept = Some(staging.path().to_path_buf());
    } else {
        let path = staging.path().to_path_buf();
        staging.remove().map_err(|e| {
            HostError::Other(format!("cannot remove staging {}: {e}", path.display()))
        })?;
    }
    summary.wall_seconds = started.elapsed().as_secs_f64();

    // --- ledger ---
    let held = Instant::now();
    let conn = retry_locked(lock_wait, || open_rw(&p.database))?;
    let rows_json = serde_json::to_string(&summary.rows).unwrap_or_default();
    conn.execute(
        "UPDATE finloom_runs SET finished_at = now(), status = ?, files_seen = ?, processed = ?, skipped = ?, \
         failed = ?, rows_merged = ?, wall_seconds = ?, merge_seconds = ?, db_held_seconds = ?, staging_path = ? \
         WHERE run_id = ?",
        duckdb::params![
            if summary.interrupted {
                "interrupted"
            } else if summary.failed.is_empty() {
                "ok"
            } else {
                "failed"
            },
            summary.files_seen as i64,
            summary.processed as i64,
            summary.skipped as i64,
            summary.failed.len() as i64,
            rows_json,
            summary.wall_seconds,
            summary.merge_seconds,
            summary.held_seconds + held.elapsed().as_secs_f64(),
            summary.staging_kept.as_ref().map(|p| p.display().to_string()),
            run_id
        ],
    )?;
    drop(conn);
    summary.held_seconds += held.elapsed().as_secs_f64();
    Ok(summary)
}

fn duplicate(acc: &str, path: &str, owner: &str, filing: Option<FilingRecord>) -> FailedFiling {
    FailedFiling {
        source_path: path.to_string(),
        accession_number: Some(acc.to_string()),
        filing,
        stage: None,
        error: format!(
            "duplicate filing: accession number {acc} is also in {owner}, which is used instead \
             (the first path in sorted order wins)"
        ),
    }
}

fn setup(
    plan: &Plan,
    conn: &duckdb::Connection,
    opts: &RunOptions,
) -> Result<(String, Prior), HostError> {
    conn.execute_batch(&finloom_store::host_schema_sql(""))?;
    for spec in &plan.specs {
        finloom_store::ensure_table(conn, "", spec)?;
    }
    let n: i64 = conn.query_row("SELECT count(*) FROM finloom_runs", [], |r| r.get(0))?;
    let run_id = format!("run-{:06}", n + 1);
    let plugins: Vec<String> = plan
        .stages
        .iter()
        .map(|s| format!("{}={}@{}", s.name, s.plugin_name(), s.plugin_version()))
        .collect();
    conn.execute(
        "INSERT INTO finloom_runs (run_id, started_at, status, pipeline_path, config_hash, plugins, forced) \
         VALUES (?, now(), 'running', ?, ?, ?, ?)",
        duckdb::params![
            run_id,
            plan.pipeline.path.display().to_string(),
            plan.pipeline.config_hash,
            plugins.join(","),
            opts.force
        ],
    )?;
    let prior = read_prior(plan, conn)?;
    Ok((run_id, prior))
}

/// Reads what earlier runs left: stage fingerprints, row counts, known source files.
fn read_prior(plan: &Plan, conn: &duckdb::Connection) -> Result<Prior, HostError> {
    let mut prior = Prior::default();
    {
        let mut st = conn.prepare(
            "SELECT accession_number, stage, fingerprint, row_count, tables FROM finloom_filing_stages",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
            ))
        })?;
        for row in rows {
            let (acc, stage, fp, n, tables) = row?;
            let tables: Vec<String> = tables
                .split(',')
                .filter(|t| !t.is_empty())
                .map(String::from)
                .collect();
            prior
                .stages
                .entry(acc)
                .or_default()
                .insert(stage, (fp, n, tables));
        }
    }
    for spec in &plan.specs {
        let mut st = conn.prepare(&format!(
            "SELECT accession_number, count(*) FROM \"{}\" GROUP BY 1",
            spec.name
        ))?;
        let rows = st.query_map([], |r| {
            Ok((r.get::<_, Option<String>>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (acc, n) = row?;
            if let Some(acc) = acc {
                prior.counts.insert((spec.name.clone(), acc), n);
            }
        }
    }
    {
        let mut st =
            conn.prepare("SELECT DISTINCT accession_number FROM filings WHERE status <> 'ok'")?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        for row in rows {
            prior.failed.insert(row?);
        }
    }
    {
        let mut st = conn.prepare(
            "SELECT source_path, accession_number, source_hash FROM filings WHERE status = 'ok' \
             AND source_path IS NOT NULL AND source_hash IS NOT NULL",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (path, acc, hash) = row?;
            prior.by_path.insert(path, (acc, hash));
        }
    }
    Ok(prior)
}

enum ProcessResult {
    Skip(Outcome),
    /// Abandoned because the run is stopping.
    Stopped,
    Fail(Box<FailedFiling>),
    Stage(FilingCommit, StageOutputs),
}

fn fail(
    path: &str,
    acc: Option<String>,
    filing: Option<FilingRecord>,
    stage: Option<String>,
    error: String,
) -> ProcessResult {
    ProcessResult::Fail(Box::new(FailedFiling {
        source_path: path.to_string(),
        accession_number: acc,
        filing,
        stage,
        error,
    }))
}

/// Reads, decides, parses and extracts one file. Returns the outcome and the bytes read.
fn process_file(
    plan: &Arc<Plan>,
    prior: &Arc<Prior>,
    path: &Path,
    force: bool,
    timeout: Duration,
    stopping: &dyn Fn() -> bool,
) -> (ProcessResult, usize) {
    let spath = path.display().to_string();
    let max = plan.pipeline.max_filing_mb.saturating_mul(1_000_000);
    if let Ok(m) = std::fs::metadata(path) {
        if m.len() > max {
            return (
                fail(
                    &spath,
                    None,
                    None,
                    None,
                    format!(
                        "file is {:.1} MB, over the pipeline's max_filing_mb = {} (raise it in pipeline.toml to process this file)",
                        m.len() as f64 / 1e6,
                        plan.pipeline.max_filing_mb
                    ),
                ),
                0,
            );
        }
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return (
                fail(&spath, None, None, None, format!("cannot read file: {e}")),
                0,
            )
        }
    };
    let nbytes = bytes.len();
    let source_hash = blake3::hash(&bytes).to_hex().to_string();
    let fps = plan.fingerprints(&source_hash);
    let stale = |acc: &str| -> Vec<bool> {
        plan.stages
            .iter()
            .zip(&fps)
            .map(|(s, fp)| force || !prior.done(acc, &s.name, fp))
            .collect()
    };
    // Cheap skip: same path, same bytes, every stage done.
    if let Some((acc, hash)) = prior.by_path.get(&spath) {
        if hash == &source_hash && !stale(acc).iter().any(|&b| b) {
            return (
                ProcessResult::Skip(Outcome::Skipped {
                    accession: acc.clone(),
                    path: spath,
                }),
                nbytes,
            );
        }
    }
    // Parse and extract on a thread of its own: a large stack for deeply nested documents,
    // and a time limit — a filing that takes too long is failed and its thread abandoned.
    let (tx, rx) = std::sync::mpsc::channel();
    let plan2 = Arc::clone(plan);
    let prior2 = Arc::clone(prior);
    let path2 = path.to_path_buf();
    let spath2 = spath.clone();
    let spawned = std::thread::Builder::new()
        .name("finloom-filing".into())
        .stack_size(256 << 20)
        .spawn(move || {
            let r = parse_and_extract(
                &plan2,
                &prior2,
                &path2,
                &spath2,
                &bytes,
                source_hash,
                fps,
                force,
            );
            let _ = tx.send(r);
        });
    if let Err(e) = spawned {
        return (
            fail(
                &spath,
                None,
                None,
                None,
                format!("cannot start a thread: {e}"),
            ),
            nbytes,
        );
    }
    // Wait in short slices so that a stop request (SIGINT/SIGTERM) abandons the filing
    // promptly instead of after the full time limit.
    let deadline = Instant::now() + timeout;
    let received = loop {
        let now = Instant::now();
        if now >= deadline {
            break Err(std::sync::mpsc::RecvTimeoutError::Timeout);
        }
        match rx.recv_timeout((deadline - now).min(Duration::from_millis(100))) {
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if stopping() {
                    return (ProcessResult::Stopped, nbytes);
                }
            }
            other => break other,
        }
    };
    let r = match received {
        Ok(r) => r,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => fail(
            &spath,
            None,
            None,
            None,
            format!(
                "timed out after {} s (pipeline filing_timeout_secs); the filing was abandoned",
                timeout.as_secs()
            ),
        ),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            fail(&spath, None, None, None, "extraction thread died".into())
        }
    };
    (r, nbytes)
}

#[allow(clippy::too_many_arguments)]
fn parse_and_extract(
    plan: &Plan,
    prior: &Prior,
    path: &Path,
    spath: &str,
    bytes: &[u8],
    source_hash: String,
    fps: Vec<String>,
    force: bool,
) -> ProcessResult {
    let filing = match std::panic::catch_unwind(|| finloom_ingest::read_filing_bytes(path, bytes)) {
        Ok(Ok(f)) => f,
        Ok(Err(e)) => {
            return fail(
                spath,
                None,
                None,
                None,
                format!("not a readable filing: {e}"),
            )
        }
        Err(_) => {
            return fail(
                spath,
                None,
                None,
                None,
                "not a readable filing: the reader panicked".into(),
            )
        }
    };
    let m = &filing.meta;
    let record = FilingRecord {
        accession_number: m.accession_number.to_string(),
        cik: m.cik.to_string(),
        company_name: m.company_name.to_string(),
        form_type: m.form_type.to_string(),
        filed_date: m.filed_date.to_string(),
        period_of_report: m.period_of_report.to_string(),
        source_path: spath.to_string(),
        source_hash: source_hash.clone(),
    };
    let acc = record.accession_number.clone();
    let stale: Vec<bool> = plan
        .stages
        .iter()
        .zip(&fps)
        .map(|(s, fp)| force || prior.failed.contains(&acc) || !prior.done(&acc, &s.name, fp))
        .collect();
    if !stale.iter().any(|&b| b) {
        return ProcessResult::Skip(Outcome::Skipped {
            accession: acc,
            path: spath.to_string(),
        });
    }
    // Run the stale stages and, in memory only, the upstream stages they read from.
    let mut run = stale.clone();
    for (i, s) in plan.stages.iter().enumerate().rev() {
        if run[i] {
            for &u in &s.upstream {
                run[u] = true;
            }
        }
    }
    let outputs = match extract_filing(plan, &filing, &run) {
        Ok(o) => o,
        Err(e) => {
            return fail(
                spath,
                Some(acc),
                Some(record),
                Some(e.stage.clone()),
                format!("stage {}: {}", e.stage, e.error),
            )
        }
    };
    let stages = plan
        .stages
        .iter()
        .enumerate()
        .filter(|(i, _)| stale[*i])
        .map(|(i, s)| StageCommit {
            stage: s.name.clone(),
            kind: s.kind().to_string(),
            plugin_name: s.plugin_name().to_string(),
            plugin_version: s.plugin_version().to_string(),
            config_hash: s.config_hash.clone(),
            fingerprint: fps[i].clone(),
            tables: s.tables.clone(),
            row_count: outputs[i]
                .iter()
                .flatten()
                .map(|(_, t)| t.rows.len() as i64)
                .sum(),
        })
        .collect();
    ProcessResult::Stage(
        FilingCommit {
            filing: record,
            worker: 0,
            stages,
        },
        outputs,
    )
}

/// What the next `finloom run` would do with one source file.
#[derive(Debug, Clone)]
pub struct Pending {
    pub source_path: String,
    pub accession_number: Option<String>,
    /// Stages that would run (empty: up to date).
    pub stages: Vec<String>,
    pub reason: String,
}

/// A dry run: which files and stages the next `finloom run` would process, without parsing
/// anything or writing to the database (opened read-only; a missing database means
/// everything is new).
pub fn pending(plan: &Plan) -> Result<Vec<Pending>, HostError> {
    let p = &plan.pipeline;
    let prior = if p.database.exists() {
        let conn = finloom_store::open_ro(&p.database)?;
        let has_ledger = !finloom_store::table_columns(
            &conn,
            &finloom_store::current_catalog(&conn)?,
            "finloom_filing_stages",
        )?
        .is_empty();
        if has_ledger {
            // Tables a plugin declares may not exist yet in an old database.
            let cat = finloom_store::current_catalog(&conn)?;
            let mut missing = false;
            for s in &plan.specs {
                if finloom_store::table_columns(&conn, &cat, &s.name)?.is_empty() {
                    missing = true;
                }
            }
            if missing {
                Prior::default()
            } else {
                read_prior(plan, &conn)?
            }
        } else {
            Prior::default()
        }
    } else {
        Prior::default()
    };
    let files = finloom_ingest::discover(&p.source).map_err(|e| HostError::Source {
        path: p.source.clone(),
        detail: e.to_string(),
    })?;
    let mut out = Vec::new();
    for f in files {
        let spath = f.display().to_string();
        let bytes = match std::fs::read(&f) {
            Ok(b) => b,
            Err(e) => {
                out.push(Pending {
                    source_path: spath,
                    accession_number: None,
                    stages: plan.stages.iter().map(|s| s.name.clone()).collect(),
                    reason: format!("cannot read: {e}"),
                });
                continue;
            }
        };
        let hash = blake3::hash(&bytes).to_hex().to_string();
        let fps = plan.fingerprints(&hash);
        match prior.by_path.get(&spath) {
            None => out.push(Pending {
                source_path: spath,
                accession_number: None,
                stages: plan.stages.iter().map(|s| s.name.clone()).collect(),
                reason: "new file (or its last run failed)".into(),
            }),
            Some((acc, h)) => {
                let stale: Vec<String> = plan
                    .stages
                    .iter()
                    .zip(&fps)
                    .filter(|(s, fp)| !prior.done(acc, &s.name, fp))
                    .map(|(s, _)| s.name.clone())
                    .collect();
                let reason = if h != &hash {
                    "the file changed".to_string()
                } else if stale.is_empty() {
                    "up to date".to_string()
                } else {
                    "stage output missing, or plugin version/config changed".to_string()
                };
                out.push(Pending {
                    source_path: spath,
                    accession_number: Some(acc.clone()),
                    stages: stale,
                    reason,
                });
            }
        }
    }
    Ok(out)
}

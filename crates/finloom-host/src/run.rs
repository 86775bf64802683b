//! `finloom run`: one run of a pipeline — a short orchestrator over the parts that do the work.
//!
//! 1. Take the run lock (`<database>.lock`) so two runs never work on one database.
//! 2. Briefly open the production database: create the host tables and the plugins' tables,
//!    start the run's ledger row, read what earlier runs left ([`ledger::read_prior`]), close.
//! 3. Look at every source file (in parallel): too large, unreadable, unchanged and current
//!    (skipped without parsing), failed before under the same plugins and config (not retried
//!    unless `--retry-failed`), or to process.
//! 4. Hand the files to process to the worker processes ([`Supervisor`]); they stage filings
//!    into segments, and the merge thread ([`Merger`]) commits sealed segments to production
//!    while extraction goes on.
//! 5. Record the run in the ledger; remove the run's staging folder when nothing is left in it.

use crate::plan::Plan;
use crate::progress::Progress;
use crate::supervisor::{Claimed, Owners, Supervisor, Task};
use crate::HostError;
use finloom_merge::{MergeConfig, MergeJob, MergeNote, MergeReport, Merger};
use finloom_pg::claims::{self, Claim};
use finloom_pg::merge::{PgMergeConfig, PgMerger};
use finloom_store::ledger::{self, FailedFiling, Prior, RunRecord};
use finloom_store::{open_rw, retry_locked};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub force: bool,
    /// Retry files that failed before even when nothing about them changed.
    pub retry_failed: bool,
    /// How long to wait for the production file when another process holds it.
    pub lock_wait: Option<Duration>,
    /// Show progress on stderr (a live bar on a terminal, a line per file elsewhere).
    pub progress: bool,
    /// `--shard K/N`: only the files whose source key hashes to shard K of N.
    pub shard: Option<(u32, u32)>,
}

/// Whether a file (by its source key) is in shard `k` of `n` (1-based): blake3 of the key,
/// so every process and machine splits a listing the same way.
pub fn in_shard(key: &str, (k, n): (u32, u32)) -> bool {
    let h = blake3::hash(key.as_bytes());
    let x = u64::from_le_bytes(h.as_bytes()[..8].try_into().expect("8 bytes"));
    x % n as u64 == (k - 1) as u64
}

#[derive(Debug, Default)]
pub struct RunSummary {
    pub run_id: String,
    pub database: PathBuf,
    pub files_seen: usize,
    /// Filings committed by this run.
    pub processed: usize,
    pub skipped: usize,
    /// Files that failed before, unchanged, not retried (`--retry-failed` retries them).
    pub not_retried: Vec<(String, String)>,
    pub failed: Vec<FailedFiling>,
    pub rows: BTreeMap<String, i64>,
    pub wall_seconds: f64,
    pub extract_seconds: f64,
    /// Time the merge thread was busy (it overlaps extraction).
    pub merge_seconds: f64,
    /// Wall time from the end of extraction to the end of the merge: what merging adds.
    pub merge_tail_seconds: f64,
    pub held_seconds: f64,
    pub longest_hold_seconds: f64,
    pub transactions: usize,
    pub bytes_read: u64,
    /// CPU seconds per activity: `read`, `parse`, each stage, `staging` (workers), `merge`,
    /// `supervise` (this process, hashing and bookkeeping).
    pub cpu: BTreeMap<String, f64>,
    pub workers_replaced: usize,
    pub peak_worker_mb: f64,
    /// This process and its workers at one moment, sampled (see
    /// [`crate::supervisor::ExtractReport::peak_total_mb`]).
    pub peak_total_mb: f64,
    pub staging_kept: Option<PathBuf>,
    /// Stopped by SIGINT/SIGTERM (see [`crate::interrupt`]).
    pub interrupted: bool,
    /// Files not processed because of the stop: not started, abandoned mid-extraction, or
    /// extracted but not merged. Their production rows are exactly as before the run.
    pub not_processed: Vec<String>,
    /// Placeholder keys (file stems) of filings this run stored under their accession number
    /// instead; their old rows were deleted (see `ledger::retire_placeholder_keys`).
    pub retired: Vec<String>,
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

/// What the look at one source file decided.
enum Look {
    Process(Task),
    UpToDate { accession: String },
    FailedBefore { error: String },
    Fail(FailedFiling),
}

/// CPU time of this process, in seconds.
fn own_cpu() -> f64 {
    // SAFETY: getrusage writes into the struct we own.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(ru.ru_utime) + t(ru.ru_stime)
}

/// Test hook: how long (milliseconds) to wait for a locked production file.
pub const LOCK_WAIT_ENV: &str = "FINLOOM_TEST_LOCK_WAIT_MS";

pub fn run(plan: &Plan, opts: &RunOptions) -> Result<RunSummary, HostError> {
    let started = Instant::now();
    let cpu_started = own_cpu();
    let p = &plan.pipeline;
    // FINLOOM_TEST_LOCK_WAIT_MS: a test hook, so that a test can hold the database and see
    // the merge give up in well under the default minute.
    let lock_wait = opts.lock_wait.unwrap_or_else(|| {
        std::env::var(LOCK_WAIT_ENV)
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map_or(Duration::from_secs(60), Duration::from_millis)
    });
    // PostgreSQL takes many writers: processes share the work through claims instead of a
    // lock file (see `finloom_pg::claims`).
    let pg_url = p.postgres.clone();
    let _lock = match pg_url {
        None => Some(take_run_lock(&p.database)?),
        Some(_) => None,
    };
    let signals_at_start = crate::interrupt::count();
    let stopping = || crate::interrupt::since(signals_at_start);

    // Source files first: a missing source folder should fail before the database is touched.
    let files = finloom_ingest::discover(&p.source).map_err(|e| HostError::Source {
        path: p.source.clone(),
        detail: e.to_string(),
    })?;
    // The whole listing decides which copy of a filing owns it, also across shards and
    // processes; `paths` is what this run processes.
    let listing: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let paths: Vec<String> = match opts.shard {
        None => listing.clone(),
        Some(s) => listing
            .iter()
            .filter(|path| in_shard(&source_key(&p.source, path), s))
            .cloned()
            .collect(),
    };

    // --- short production session: schema, run id, prior state ---
    let (run_id, prior) = match &pg_url {
        None => {
            let conn = retry_locked(lock_wait, || open_rw(&p.database))?;
            setup(plan, &conn, opts)?
        }
        Some(url) => setup_pg(plan, url, opts)?,
    };
    tracing::info!(run_id, files = files.len(), "run started");
    let progress = Progress::new(opts.progress);
    progress.set_total(paths.len());

    // --- a look at every file ---
    let looks: Vec<Look> = paths
        .par_iter()
        .enumerate()
        .map(|(fid, path)| look(plan, &prior, opts, fid as i64, path))
        .collect();
    let owners: Owners = Default::default();
    let mut tasks = Vec::new();
    let mut early_failures = Vec::new();
    let mut skipped = 0usize;
    let mut not_retried = Vec::new();
    {
        let mut o = owners.lock().unwrap_or_else(|p| p.into_inner());
        for (fid, l) in looks.into_iter().enumerate() {
            let path = &paths[fid];
            match l {
                Look::Process(t) => tasks.push(t),
                Look::UpToDate { accession } => {
                    // An unchanged, current file owns its filing from the start.
                    o.entry(accession).or_insert(fid as i64);
                    skipped += 1;
                    progress.file(path, "skipped (up to date)", false);
                }
                Look::FailedBefore { error } => {
                    progress.file(
                        path,
                        "skipped (failed before, unchanged; --retry-failed retries it)",
                        false,
                    );
                    not_retried.push((path.clone(), error));
                }
                Look::Fail(f) => {
                    progress.file(path, &format!("FAILED: {}", f.error), true);
                    early_failures.push(f);
                }
            }
        }
    }
    let to_process = tasks.len();

    // --- extraction and merge, side by side ---
    let segment_dir = p.staging_dir.join(&run_id);
    // Made here, not by the first worker that stages: an unusable staging folder is a
    // configuration problem that stops the run before any work, not a failure per filing.
    std::fs::create_dir_all(&segment_dir).map_err(|e| {
        HostError::Other(format!(
            "cannot create staging folder {}: {e} (set staging_dir in the pipeline file)",
            segment_dir.display()
        ))
    })?;
    let (merge_tx, merge_rx) = std::sync::mpsc::channel::<MergeJob>();
    if !early_failures.is_empty() {
        let _ = merge_tx.send(MergeJob::Failures(early_failures));
    }
    // The merge stops early (between transactions) only on a signal that arrives once
    // extraction is over, or on a second signal: a first signal during extraction stops the
    // extraction, and what was already staged is still committed.
    let extraction_end_signals = AtomicUsize::new(usize::MAX);
    let merge_stop = || {
        let c = crate::interrupt::count();
        c >= signals_at_start + 2 || c > extraction_end_signals.load(Ordering::SeqCst)
    };
    let owns = |fid: i64, acc: &str| {
        owners.lock().unwrap_or_else(|p| p.into_inner()).get(acc) == Some(&fid)
    };
    let note = |n: MergeNote<'_>| match n {
        MergeNote::Merged { source_path } => progress.merged(source_path, to_process),
        MergeNote::Failed(f) => progress.merge_failed(&f.source_path, &f.error),
    };
    // Several processes on one PostgreSQL database: each file is claimed before a worker
    // gets it (`finloom_pg::claims`).
    let claim_keys: Vec<Option<(String, String)>> = {
        let mut keys = vec![None; paths.len()];
        for t in &tasks {
            keys[t.fid as usize] = Some((
                source_key(&p.source, &paths[t.fid as usize]),
                claims::done_fingerprint(&t.hash, &t.plan_fingerprint),
            ));
        }
        keys
    };
    let claims = match &pg_url {
        Some(url) => Some(claims::Session::start(
            url,
            &run_id,
            opts.retry_failed,
            opts.force,
        )?),
        None => None,
    };
    let claim_fn = |t: &Task| -> Result<Claimed, String> {
        let (Some(session), Some((key, fp))) = (&claims, &claim_keys[t.fid as usize]) else {
            return Ok(Claimed::Mine);
        };
        match session.claim(key, fp).map_err(|e| e.to_string())? {
            Claim::Mine => Ok(Claimed::Mine),
            Claim::Done => Ok(Claimed::Done),
            Claim::Busy => Ok(Claimed::Busy),
        }
    };
    let merge_config = MergeConfig {
        production: p.database.clone(),
        run_id: run_id.clone(),
        specs: plan.specs.clone(),
        stage_tables: plan
            .stages
            .iter()
            .map(|s| (s.name.clone(), s.tables.clone()))
            .collect(),
        lock_wait,
        keep_segments: p.staging == finloom_config::Retention::Keep,
        min_interval: Duration::from_secs(2),
        max_interval: Duration::from_secs(10),
        present: prior.present.clone(),
        memory_mb: p.merge_memory_mb,
    };
    let merger = match &pg_url {
        None => AnyMerger::Duck(Merger {
            config: merge_config,
            owns: &owns,
            stop: &merge_stop,
            note: &note,
        }),
        Some(url) => AnyMerger::Pg(PgMerger {
            config: PgMergeConfig {
                url: url.clone(),
                run_id: run_id.clone(),
                specs: merge_config.specs,
                stage_tables: merge_config.stage_tables,
                keep_segments: merge_config.keep_segments,
                paths: paths.clone(),
                listing: listing.clone(),
                claim_keys: claim_keys.clone(),
            },
            owns: &owns,
            stop: &merge_stop,
            note: &note,
        }),
    };
    // If the merge gives up (the production file stayed locked past `lock_wait`, an I/O
    // error), extracting more is wasted work: the workers stop as on a signal, and the run
    // reports the merge's error.
    let merge_gone = std::sync::atomic::AtomicBool::new(false);
    let stop_extracting = || stopping() || merge_gone.load(Ordering::SeqCst);
    let supervisor = Supervisor {
        plan,
        prior: &prior,
        force: opts.force,
        paths: &paths,
        owners: &owners,
        merge: merge_tx,
        progress: &progress,
        segment_dir: segment_dir.clone(),
        stopping: &stop_extracting,
        claim: pg_url
            .as_ref()
            .map(|_| &claim_fn as &dyn Fn(&Task) -> Result<Claimed, String>),
    };
    let extract_started = Instant::now();
    let outcome = std::thread::scope(|scope| -> Result<_, HostError> {
        let merging = std::thread::Builder::new()
            .name("finloom-merge".into())
            .spawn_scoped(scope, || {
                let r = merger.run(merge_rx);
                if r.is_err() {
                    merge_gone.store(true, Ordering::SeqCst);
                }
                r
            })
            .map_err(|e| HostError::Other(format!("cannot start the merge thread: {e}")))?;
        let extracted = supervisor.extract(tasks);
        extraction_end_signals.store(crate::interrupt::count(), Ordering::SeqCst);
        let extract_seconds = extract_started.elapsed().as_secs_f64();
        drop(supervisor); // closes the merge channel: the merge finishes what it was handed
        let tail = Instant::now();
        let merged = merging
            .join()
            .map_err(|_| HostError::Other("the merge thread panicked".into()))?;
        Ok((
            extracted?,
            merged?,
            extract_seconds,
            tail.elapsed().as_secs_f64(),
        ))
    });
    progress.finish();
    if let Some(c) = claims {
        c.finish();
    }
    let (extracted, report, extract_seconds, merge_tail_seconds) = outcome?;

    let mut cpu = extracted.cpu.clone();
    cpu.insert("merge".into(), report.cpu_seconds);
    cpu.insert(
        "supervise".into(),
        (own_cpu() - cpu_started - report.cpu_seconds).max(0.0),
    );
    let mut summary = RunSummary {
        run_id: run_id.clone(),
        database: match &pg_url {
            Some(url) => PathBuf::from(finloom_pg::redact(url)),
            None => p.database.clone(),
        },
        files_seen: paths.len(),
        processed: report.merged,
        skipped: skipped + extracted.skipped,
        not_retried,
        failed: report.failed,
        rows: report.rows,
        wall_seconds: 0.0,
        extract_seconds,
        merge_seconds: report.merge_seconds,
        merge_tail_seconds,
        held_seconds: report.held_seconds,
        longest_hold_seconds: report.longest_hold_seconds,
        transactions: report.transactions,
        bytes_read: extracted.bytes,
        cpu,
        workers_replaced: extracted.workers_replaced,
        peak_worker_mb: extracted.peak_worker_mb,
        peak_total_mb: extracted.peak_total_mb,
        staging_kept: None,
        interrupted: stopping(),
        not_processed: extracted.not_processed,
        retired: Vec::new(),
    };
    summary.not_processed.extend(report.not_merged);
    summary.not_processed.sort();
    summary.not_processed.dedup();
    summary
        .failed
        .sort_by(|a, b| a.source_path.cmp(&b.source_path));
    // The run's staging folder goes when nothing was kept in it.
    if segment_dir.exists() {
        let empty = std::fs::read_dir(&segment_dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if empty {
            let _ = std::fs::remove_dir(&segment_dir);
            let _ = std::fs::remove_dir(&p.staging_dir);
        } else {
            summary.staging_kept = Some(segment_dir.clone());
        }
    }
    summary.wall_seconds = started.elapsed().as_secs_f64();

    // --- ledger ---
    let held = Instant::now();
    let record = RunRecord {
        status: if summary.interrupted {
            "interrupted"
        } else if summary.failed.is_empty() {
            "ok"
        } else {
            "failed"
        }
        .into(),
        files_seen: summary.files_seen as i64,
        processed: summary.processed as i64,
        skipped: summary.skipped as i64,
        failed: summary.failed.len() as i64,
        rows_json: serde_json::to_string(&summary.rows).unwrap_or_default(),
        wall_seconds: summary.wall_seconds,
        merge_seconds: summary.merge_seconds,
        held_seconds: summary.held_seconds + held.elapsed().as_secs_f64(),
        staging_path: summary
            .staging_kept
            .as_ref()
            .map(|p| p.display().to_string()),
        cpu_json: serde_json::to_string(&summary.cpu).unwrap_or_default(),
        workers_replaced: summary.workers_replaced as i64,
    };
    // Filings this run re-keyed (read before under a file-stem placeholder, now under their
    // accession number, committed or a copy of one another path holds) leave their
    // placeholder behind: retire it, rows and all.
    let claims = ledger::duplicate_claims(&summary.failed);
    match &pg_url {
        None => {
            let conn = retry_locked(lock_wait, || open_rw(&p.database))?;
            summary.retired =
                ledger::retire_placeholder_keys(&conn, &run_id, &plan.specs, &claims)?;
            ledger::finish_run(&conn, &run_id, &record)?;
        }
        Some(url) => {
            let mut client = finloom_pg::connect(url)?;
            summary.retired = finloom_pg::ledger::retire_placeholder_keys(
                &mut client,
                &run_id,
                &plan.specs,
                &claims,
            )?;
            finloom_pg::ledger::finish_run(&mut client, &run_id, &record)?
        }
    }
    summary.held_seconds += held.elapsed().as_secs_f64();
    Ok(summary)
}

/// Decides what to do with one file without parsing it.
fn look(plan: &Plan, prior: &Prior, opts: &RunOptions, fid: i64, path: &str) -> Look {
    let p = &plan.pipeline;
    // An earlier run's accession for this path: where a failure lands.
    let known_acc = || prior.by_path.get(path).map(|s| s.accession_number.clone());
    let fail = |error: String, hash: Option<String>, fp: Option<String>| {
        Look::Fail(FailedFiling {
            source_path: path.to_string(),
            accession_number: known_acc(),
            error,
            source_hash: hash,
            fingerprint: fp,
            ..Default::default()
        })
    };
    let max = p.max_filing_mb.saturating_mul(1_000_000);
    match std::fs::metadata(path) {
        Ok(m) if m.len() > max => {
            return fail(
                format!(
                    "file is {:.1} MB, over the pipeline's max_filing_mb = {} (raise it in pipeline.toml to process this file)",
                    m.len() as f64 / 1e6,
                    p.max_filing_mb
                ),
                None,
                None,
            )
        }
        Err(e) => return fail(format!("cannot read file: {e}"), None, None),
        Ok(_) => {}
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return fail(format!("cannot read file: {e}"), None, None),
    };
    let hash = blake3::hash(&bytes).to_hex().to_string();
    drop(bytes);
    let fps = plan.fingerprints(&hash);
    let plan_fp = plan.plan_fingerprint(&fps);
    if !opts.retry_failed && !opts.force {
        if let Some(k) = prior.known_failure(path, &hash, &plan_fp) {
            return Look::FailedBefore {
                error: k.error.clone(),
            };
        }
    }
    // Cheap skip: same path, same bytes, status ok, every stage done.
    if let Some(s) = prior.by_path.get(path) {
        let current = !opts.force
            && s.ok
            && s.source_hash.as_deref() == Some(hash.as_str())
            && plan
                .stages
                .iter()
                .zip(&fps)
                .all(|(st, fp)| prior.done(&s.accession_number, &st.name, fp));
        if current {
            return Look::UpToDate {
                accession: s.accession_number.clone(),
            };
        }
    }
    Look::Process(Task {
        fid,
        hash,
        plan_fingerprint: plan_fp,
    })
}

/// The merge of this run: into a DuckDB file, or into PostgreSQL.
enum AnyMerger<'a> {
    Duck(Merger<'a>),
    Pg(PgMerger<'a>),
}

impl AnyMerger<'_> {
    fn run(self, rx: std::sync::mpsc::Receiver<MergeJob>) -> Result<MergeReport, HostError> {
        match self {
            AnyMerger::Duck(m) => Ok(m.run(rx)?),
            AnyMerger::Pg(m) => Ok(m.run(rx)?),
        }
    }
}

/// A file's claim key: its path under the source folder (machines that mount the same
/// storage at different places still agree on it).
fn source_key(source: &Path, path: &str) -> String {
    Path::new(path)
        .strip_prefix(source)
        .map(|r| r.to_string_lossy().into_owned())
        .unwrap_or_else(|_| path.to_string())
}

/// [`setup`] on PostgreSQL: tables created or checked under an advisory lock, the run's row,
/// what earlier runs (of any process) left.
fn setup_pg(plan: &Plan, url: &str, opts: &RunOptions) -> Result<(String, Prior), HostError> {
    let mut client = finloom_pg::connect(url)?;
    finloom_pg::schema::ensure_all(&mut client, &plan.specs)?;
    let run_id = finloom_pg::ledger::begin_run(
        &mut client,
        &plan.pipeline.path.display().to_string(),
        &plan.pipeline.config_hash,
        &plan.plugin_list(),
        opts.force,
        plan.pipeline.workers,
    )?;
    let prior = finloom_pg::ledger::read_prior(&mut client, &plan.specs)?;
    Ok((run_id, prior))
}

fn setup(
    plan: &Plan,
    conn: &duckdb::Connection,
    opts: &RunOptions,
) -> Result<(String, Prior), HostError> {
    conn.execute_batch(&ledger::schema_sql(""))?;
    for spec in &plan.specs {
        finloom_store::ensure_table(conn, "", spec)?;
    }
    let run_id = ledger::begin_run(
        conn,
        &plan.pipeline.path.display().to_string(),
        &plan.pipeline.config_hash,
        &plan.plugin_list(),
        opts.force,
        plan.pipeline.workers,
    )?;
    let prior = ledger::read_prior(conn, &plan.specs)?;
    Ok((run_id, prior))
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
    let prior = if let Some(url) = &p.postgres {
        let mut c = finloom_pg::connect(url)?;
        let has_ledger =
            finloom_pg::schema::table_columns(&mut c, "finloom_filing_stages")?.is_some();
        let mut all = has_ledger;
        for s in &plan.specs {
            all &= finloom_pg::schema::table_columns(&mut c, &s.name)?.is_some();
        }
        if all {
            finloom_pg::ledger::read_prior(&mut c, &plan.specs)?
        } else {
            Prior::default()
        }
    } else if p.database.exists() {
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
                ledger::read_prior(&conn, &plan.specs)?
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
        if let Some(k) = prior.known_failure(&spath, &hash, &plan.plan_fingerprint(&fps)) {
            out.push(Pending {
                accession_number: prior
                    .by_path
                    .get(&spath)
                    .map(|s| s.accession_number.clone()),
                source_path: spath,
                stages: Vec::new(),
                reason: format!(
                    "failed before and unchanged; not retried without --retry-failed ({})",
                    k.error
                ),
            });
            continue;
        }
        match prior.by_path.get(&spath) {
            None => out.push(Pending {
                source_path: spath,
                accession_number: None,
                stages: plan.stages.iter().map(|s| s.name.clone()).collect(),
                reason: "new file (or its last run failed)".into(),
            }),
            Some(state) => {
                let acc = &state.accession_number;
                let stale: Vec<String> = plan
                    .stages
                    .iter()
                    .zip(&fps)
                    .filter(|(s, fp)| !prior.done(acc, &s.name, fp))
                    .map(|(s, _)| s.name.clone())
                    .collect();
                let reason = if state.source_hash.as_deref() != Some(hash.as_str()) {
                    "the file changed".to_string()
                } else if !state.ok {
                    "failed before (the file or the plan changed since, so it is retried)"
                        .to_string()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_a_listing_evenly_and_the_same_way_everywhere() {
        let keys: Vec<String> = (0..4000).map(|i| format!("10-K/F{i:05}.htm")).collect();
        for n in [1u32, 2, 3, 4, 7] {
            let mut sizes = vec![0usize; n as usize];
            for key in &keys {
                let owners: Vec<u32> = (1..=n).filter(|&k| in_shard(key, (k, n))).collect();
                assert_eq!(owners.len(), 1, "{key} in shards {owners:?} of {n}");
                sizes[(owners[0] - 1) as usize] += 1;
            }
            let even = keys.len() / n as usize;
            for s in &sizes {
                // blake3 spreads keys evenly: every shard within 15 % of its share.
                assert!(s.abs_diff(even) * 100 <= even * 15, "{sizes:?} for n = {n}");
            }
        }
        // Derived from the key alone: the split does not depend on where the files are mounted.
        assert_eq!(
            source_key(Path::new("/mnt/a"), "/mnt/a/10-K/x.htm"),
            source_key(Path::new("/data"), "/data/10-K/x.htm")
        );
    }
}

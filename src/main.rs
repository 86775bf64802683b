//! `finloom`: the command-line front end. Thin on purpose — the work is in the crates under
//! `crates/`; this file parses arguments, sets up logging (stderr) and prints reports
//! (stdout).

use anyhow::Context;
use clap::{Parser, Subcommand};
use finloom_config::Pipeline;
use finloom_host::{loader, Plan, RunOptions};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "finloom",
    version,
    about = "Turns raw SEC EDGAR filings into clean, queryable DuckDB tables"
)]
struct Cli {
    /// More log output on stderr (-v info, -vv debug). Also honours RUST_LOG.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a pipeline: extract every filing in the source folder into the database.
    ///
    /// Filings whose stages already ran with the same plugin versions and config are
    /// skipped; filings missing a stage's output are processed. Exit code 0 when every
    /// filing succeeded, 1 when at least one failed (each recorded with its reason),
    /// 2 when the run could not start (bad pipeline file, plugin not loadable, database in use),
    /// 130 when stopped by SIGINT/SIGTERM (filings already extracted are merged; the rest are
    /// left as they were and listed; a third signal exits at once, still without harm).
    Run {
        /// The pipeline file.
        pipeline: PathBuf,
        /// Redo every stage of every filing.
        #[arg(long)]
        force: bool,
        /// Retry files that failed in an earlier run although neither the file nor a plugin
        /// nor the config changed (by default they are skipped and listed).
        #[arg(long)]
        retry_failed: bool,
        /// Worker processes for extraction (overrides the file).
        #[arg(long)]
        workers: Option<usize>,
        /// Folder of filings (overrides the file).
        #[arg(long)]
        source: Option<PathBuf>,
        /// Database file or `postgresql://` URL (overrides the file).
        #[arg(long)]
        database: Option<PathBuf>,
        /// Process only shard K of N (`--shard 2/4`): the files whose path under the source
        /// folder hashes to it. N processes with shards 1/N … N/N split a corpus statically,
        /// without sharing a work queue (see docs/scale-out.md).
        #[arg(long, value_parser = parse_shard)]
        shard: Option<(u32, u32)>,
        /// No per-filing progress lines on stderr.
        #[arg(long, short)]
        quiet: bool,
        /// Print the summary as one JSON object on stdout (for scripts and the benchmark).
        #[arg(long)]
        json: bool,
    },
    /// List the pipeline's plugins, their versions and whether each loads.
    Plugins {
        /// The pipeline file.
        pipeline: PathBuf,
    },
    /// Write a consistent, verified, timestamped copy of the database.
    Backup {
        #[command(flatten)]
        db: DbArgs,
        /// Folder for the backup (default: the pipeline's backup_dir).
        #[arg(long)]
        to: Option<PathBuf>,
    },
    /// Put a backup back in place of the database (the current file is kept aside first).
    Restore {
        /// The backup file (from `finloom backup`).
        backup: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Remove duplicate rows left by a non-idempotent pipeline (keeps the latest per key).
    ///
    /// Every table in one transaction; reports what was removed per table. Takes a backup
    /// first unless --no-backup.
    Dedupe {
        #[command(flatten)]
        db: DbArgs,
        /// Do not take a backup first.
        #[arg(long)]
        no_backup: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Reclaim space: write a fresh copy, verify it, swap it in. Takes a backup first unless
    /// --no-backup. Refuses while another process has the database open.
    Compact {
        #[command(flatten)]
        db: DbArgs,
        /// Do not take a backup first.
        #[arg(long)]
        no_backup: bool,
    },
    /// Data-quality checks: duplicates, referential integrity, coverage, leftover staging,
    /// the seed plan's verification queries. Exit code 1 on any violation. Also creates or
    /// refreshes the `data_health` view.
    Check {
        #[command(flatten)]
        db: DbArgs,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Copy a whole finloom database between stores (a DuckDB file or a `postgresql://` URL),
    /// verified filing by filing: DuckDB to PostgreSQL to scale out, PostgreSQL to DuckDB for
    /// analysis. The target must be new or empty.
    Copy {
        /// The database to copy: a DuckDB file or a PostgreSQL URL.
        #[arg(long)]
        from: String,
        /// Where to copy it: a DuckDB file (created) or a PostgreSQL URL (an existing, empty database).
        #[arg(long)]
        to: String,
    },
    /// Recent runs, failed filings, and what the next `finloom run` would do.
    Status {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Export chunks with their metadata in the shape RAG loaders read: one record per chunk
    /// with `id`, `text` and `metadata` (filing, section, offsets, token count, chunker
    /// name/version, tokenizer, content hash).
    Export {
        /// What to export.
        #[arg(value_enum)]
        what: ExportWhat,
        #[command(flatten)]
        db: DbArgs,
        /// Output format.
        #[arg(long, value_enum)]
        format: ExportFormatArg,
        /// Output file (default: chunks.<format> next to the database; `-` = stdout, jsonl only).
        #[arg(long)]
        out: Option<PathBuf>,
        /// The chunk table, when a stage renamed it (e.g. `chunks_v2` for a side-by-side run).
        #[arg(long, default_value = "chunks")]
        table: String,
    },
    /// Create something new: `finloom new plugin NAME` writes a plugin crate (one table, a
    /// config check, a test on a real filing, a README) that `cargo build --release` turns into
    /// a library finloom loads from one `[[stage]]` entry.
    New {
        /// What to create.
        #[arg(value_enum)]
        what: NewWhat,
        /// Its name: lower-case letters, digits and `_` (the stage, the table prefix, the
        /// library's name).
        name: String,
        /// The folder to create it in (default: the current folder).
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// finloom's source tree (holding crates/finloom-plugin-api), for the plugin's path
        /// dependencies (default: the tree this finloom was built from).
        #[arg(long)]
        api: Option<PathBuf>,
    },
    /// Measure a stage's output in the database against peer tools' outputs and the filings'
    /// own inline XBRL; prints the figures and exits 1 when a target is missed.
    ///
    /// Run the pipeline first (`finloom run`); the evaluation reads the database only.
    Eval {
        /// What to evaluate.
        #[arg(value_enum)]
        what: EvalWhat,
        #[command(flatten)]
        db: DbArgs,
        /// Folder of peer outputs (edgar-crawler-8k/, secapi-10k/, sec-parser-10q/, xbrl/,
        /// sections.jsonl). Default: tests/fixtures/expected next to the pipeline file.
        #[arg(long)]
        expected: Option<PathBuf>,
        /// Print the figures as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum NewWhat {
    /// An extractor plugin crate, outside this workspace.
    Plugin,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ExportWhat {
    /// The chunks (for search and RAG).
    Chunks,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ExportFormatArg {
    /// JSON Lines: one `{"id", "text", "metadata"}` object per line.
    Jsonl,
    /// Parquet: columns id, text, metadata (a struct); readable by DuckDB, pandas, polars.
    Parquet,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum EvalWhat {
    /// Item sets, text similarity and item sizes against edgar-crawler, sec-api, sec-parser.
    Sections,
    /// Table cells against the inline-XBRL facts they display.
    Tables,
    /// Notes to the financial statements against the inline-XBRL TextBlocks.
    Footnotes,
    /// The chunkers' token counts (cl100k_base) against tiktoken-rs, on every section and
    /// chunk text.
    Tokenizer,
}

#[derive(clap::Args)]
struct DbArgs {
    /// The pipeline file.
    #[arg(default_value = "pipeline.toml")]
    pipeline: PathBuf,
    /// Database file or `postgresql://` URL (instead of the pipeline's).
    #[arg(long)]
    database: Option<PathBuf>,
}

impl DbArgs {
    fn load(&self) -> anyhow::Result<Pipeline> {
        let mut p = load_pipeline(&self.pipeline)?;
        if let Some(d) = &self.database {
            override_database(&mut p, d)?;
        }
        Ok(p)
    }
}

/// `--database PATH` (or URL): the database, and the staging folder that sits beside it
/// (beside the pipeline file for a PostgreSQL URL, unless the pipeline sets `staging_dir`).
fn override_database(p: &mut Pipeline, d: &std::path::Path) -> anyhow::Result<()> {
    let text = d.to_string_lossy();
    if finloom_config::is_postgres_url(&text) {
        if p.postgres.is_none() {
            let base = p.path.parent().unwrap_or(std::path::Path::new("."));
            p.staging_dir = base.join("finloom.staging");
            p.backup_dir = base.join("backups");
        }
        p.postgres = Some(text.to_string());
        p.database = d.to_path_buf();
        return Ok(());
    }
    p.postgres = None;
    let d = std::path::absolute(d)?;
    let mut name = d.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".staging");
    p.staging_dir = d.with_file_name(name);
    p.database = d;
    Ok(())
}

fn table_keys(plan: &Plan) -> Vec<finloom_ops::TableKey> {
    plan.stages
        .iter()
        .flat_map(|s| {
            s.tables.iter().map(|&t| {
                let spec = &plan.specs[t];
                finloom_ops::TableKey {
                    table: spec.name.clone(),
                    key: spec.key.clone(),
                    references: spec
                        .columns
                        .iter()
                        .filter_map(|c| {
                            c.references
                                .as_ref()
                                .map(|(rt, rc)| (c.name.clone(), rt.clone(), rc.clone()))
                        })
                        .collect(),
                    stage: s.name.clone(),
                }
            })
        })
        .collect()
}

/// Commands that work on a DuckDB file only (so far): a clear refusal for a PostgreSQL URL
/// instead of "no such file".
fn local_only(p: &Pipeline, command: &str) -> anyhow::Result<()> {
    if let Some(url) = &p.postgres {
        anyhow::bail!(
            "`finloom {command}` works on a DuckDB database file; {} is PostgreSQL. \
             Use PostgreSQL's own tools for this (VACUUM FULL to compact), or run the command \
             on a DuckDB copy of the data (`finloom copy --from URL --to FILE`)",
            finloom_pg::redact(url)
        );
    }
    Ok(())
}

fn mb(bytes: u64) -> String {
    format!("{:.2} MB", bytes as f64 / 1e6)
}

fn take_backup(p: &Pipeline) -> anyhow::Result<()> {
    let r = match &p.postgres {
        Some(url) => finloom_ops::backup_pg(url, &p.backup_dir)?,
        None => finloom_ops::backup(&p.database, &p.backup_dir)?,
    };
    eprintln!("backup written: {} ({})", r.path.display(), mb(r.bytes));
    Ok(())
}

fn main() -> ExitCode {
    // A worker process of a run (started by `finloom run` itself, never by hand): no CLI, no
    // logging setup beyond stderr, a line protocol on stdin/stdout.
    if std::env::args().nth(1).as_deref() == Some(finloom_host::worker::WORKER_ARG) {
        tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
            )
            .with_writer(std::io::stderr)
            .init();
        return ExitCode::from(finloom_host::worker::main().clamp(0, 255) as u8);
    }
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Run { .. }) {
        // Rust ignores SIGPIPE, so printing to a closed pipe (`finloom status | head`) would
        // end in a panic message. Other commands only print: let a closed stdout end them
        // quietly, as it does `ls` or `grep`. Not `run`: it talks to its workers over pipes,
        // and a dead worker's pipe must be an error it handles, not a signal that kills it.
        // SAFETY: restoring a signal's default disposition, before any thread is started.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    let filter = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter)),
        )
        .with_writer(std::io::stderr)
        .init();
    match real_main(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `K/N` with 1 ≤ K ≤ N.
fn parse_shard(s: &str) -> Result<(u32, u32), String> {
    let (k, n) = s
        .split_once('/')
        .ok_or_else(|| format!("{s:?}: expected K/N, e.g. 2/4"))?;
    let k: u32 = k
        .trim()
        .parse()
        .map_err(|_| format!("{s:?}: K is not a number"))?;
    let n: u32 = n
        .trim()
        .parse()
        .map_err(|_| format!("{s:?}: N is not a number"))?;
    if n == 0 || k == 0 || k > n {
        return Err(format!("{s:?}: need 1 <= K <= N"));
    }
    Ok((k, n))
}

fn load_pipeline(path: &PathBuf) -> anyhow::Result<Pipeline> {
    Ok(Pipeline::load(path)?)
}

fn real_main(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run {
            pipeline,
            force,
            retry_failed,
            workers,
            shard,
            source,
            database,
            quiet,
            json,
        } => {
            // Before anything else: a stop signal while the plugins load and the config is
            // checked must end the run cleanly (130), not kill it mid-start.
            finloom_host::interrupt::install();
            let mut p = load_pipeline(&pipeline)?;
            if let Some(w) = workers {
                anyhow::ensure!(
                    (1..=256).contains(&w),
                    "--workers must be between 1 and 256"
                );
                p.workers = w;
            }
            if let Some(s) = source {
                p.source = std::path::absolute(s)?;
            }
            if let Some(d) = database {
                override_database(&mut p, &d)?;
            }
            let plan = Plan::build(p)?;
            if finloom_host::interrupt::count() > 0 {
                eprintln!("stopped by a signal before the run started: nothing was done");
                return Ok(ExitCode::from(finloom_host::interrupt::EXIT_INTERRUPTED));
            }
            let opts = RunOptions {
                force,
                retry_failed,
                lock_wait: None,
                progress: !quiet,
                shard,
            };
            let s = finloom_host::run(&plan, &opts).context("run failed")?;
            let peak_mb = peak_rss_mb();
            let code = if s.interrupted {
                ExitCode::from(finloom_host::interrupt::EXIT_INTERRUPTED)
            } else if s.failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            };
            if json {
                let failed: Vec<serde_json::Value> = s
                    .failed
                    .iter()
                    .map(|f| {
                        serde_json::json!({
                            "source_path": f.source_path,
                            "accession_number": f.accession_number,
                            "stage": f.stage,
                            "error": f.error,
                        })
                    })
                    .collect();
                let v = serde_json::json!({
                    "run_id": s.run_id,
                    "database": s.database,
                    "files_seen": s.files_seen,
                    "processed": s.processed,
                    "skipped": s.skipped,
                    "failed": failed,
                    "rows": s.rows,
                    "bytes_read": s.bytes_read,
                    "wall_seconds": s.wall_seconds,
                    "extract_seconds": s.extract_seconds,
                    "merge_seconds": s.merge_seconds,
                    "db_held_seconds": s.held_seconds,
                    "peak_rss_mb": peak_mb,
                    "peak_worker_rss_mb": s.peak_worker_mb,
                    "peak_total_rss_mb": total_peak_mb(peak_mb, s.peak_total_mb),
                    "merge_tail_seconds": s.merge_tail_seconds,
                    "longest_hold_seconds": s.longest_hold_seconds,
                    "transactions": s.transactions,
                    "cpu_seconds": s.cpu,
                    "workers_replaced": s.workers_replaced,
                    "retired_keys": s.retired,
                    "not_retried": s.not_retried.iter().map(|(p, e)| serde_json::json!({"source_path": p, "error": e})).collect::<Vec<_>>(),
                    "staging_kept": s.staging_kept,
                    "interrupted": s.interrupted,
                    "not_processed": s.not_processed,
                });
                println!("{v}");
                return Ok(code);
            }
            println!("finloom run {} on {}", s.run_id, s.database.display());
            println!(
                "  filings: {} seen, {} processed, {} skipped (up to date), {} failed",
                s.files_seen,
                s.processed,
                s.skipped,
                s.failed.len()
            );
            if s.rows.is_empty() {
                println!("  rows merged: none");
            } else {
                let rows: Vec<String> = s.rows.iter().map(|(t, n)| format!("{t} {n}")).collect();
                println!("  rows merged: {}", rows.join(", "));
            }
            let mb = s.bytes_read as f64 / 1e6;
            println!(
                "  time: {:.2} s total, {:.2} s extracting ({:.1} MB read); merging {:.2} s alongside, \
                 {:.2} s after extraction ended; database held for writing {:.2} s ({} transactions, \
                 longest hold {:.2} s)",
                s.wall_seconds,
                s.extract_seconds,
                mb,
                s.merge_seconds,
                s.merge_tail_seconds,
                s.held_seconds,
                s.transactions,
                s.longest_hold_seconds
            );
            if !s.cpu.is_empty() {
                let cpu: Vec<String> = s.cpu.iter().map(|(k, v)| format!("{k} {v:.2}")).collect();
                println!("  cpu seconds: {}", cpu.join(", "));
            }
            if let Some(m) = peak_mb {
                println!(
                    "  peak memory: {m:.0} MB (this process), {:.0} MB (largest worker), {:.0} MB (all at once, sampled)",
                    s.peak_worker_mb,
                    total_peak_mb(Some(m), s.peak_total_mb).unwrap_or(m)
                );
            }
            if !s.retired.is_empty() {
                println!(
                    "  re-keyed: {} filing(s) stored before under their file name now carry their accession number; old keys removed: {}",
                    s.retired.len(),
                    s.retired.join(", ")
                );
            }
            if s.workers_replaced > 0 {
                println!("  worker processes replaced: {}", s.workers_replaced);
            }
            if !s.not_retried.is_empty() {
                println!(
                    "  {} file(s) failed before and are unchanged, not retried (--retry-failed retries them):",
                    s.not_retried.len()
                );
                for (p, e) in &s.not_retried {
                    println!("    {p}: {e}");
                }
            }
            for f in &s.failed {
                println!(
                    "  FAILED {}{}: {}",
                    f.source_path,
                    f.accession_number
                        .as_ref()
                        .map(|a| format!(" ({a})"))
                        .unwrap_or_default(),
                    f.error
                );
            }
            if let Some(k) = &s.staging_kept {
                println!("  staging kept for inspection: {}", k.display());
            }
            if s.interrupted {
                println!(
                    "  INTERRUPTED by a signal: {} file(s) not processed, left exactly as they were \
                     (run the same command again to finish):",
                    s.not_processed.len()
                );
                for f in &s.not_processed {
                    println!("    {f}");
                }
            }
            Ok(code)
        }
        Command::Plugins { pipeline } => {
            let p = load_pipeline(&pipeline)?;
            let search = loader::search_path(&p);
            let mut ok = true;
            println!(
                "{:<12} {:<14} {:<10} {:<12} path / problem",
                "stage", "plugin", "version", "kind"
            );
            for s in &p.stages {
                let r = loader::resolve(&s.plugin, &search).and_then(|path| loader::load(&path));
                match r {
                    Ok(l) => println!(
                        "{:<12} {:<14} {:<10} {:<12} {} (ok)",
                        s.name,
                        l.manifest.name.as_str(),
                        l.manifest.version.as_str(),
                        l.manifest.stage.as_str(),
                        l.path.display()
                    ),
                    Err(e) => {
                        ok = false;
                        println!(
                            "{:<12} {:<14} {:<10} {:<12} NOT LOADABLE: {e}",
                            s.name,
                            s.plugin.to_string(),
                            "-",
                            "-"
                        );
                    }
                }
            }
            if ok {
                // Also check the stages fit together.
                if let Err(e) = Plan::build(p) {
                    println!("pipeline check failed: {e}");
                    ok = false;
                }
            }
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
        Command::Backup { db, to } => {
            let p = db.load()?;
            let dir = to
                .map(std::path::absolute)
                .transpose()?
                .unwrap_or(p.backup_dir.clone());
            let r = match &p.postgres {
                Some(url) => finloom_ops::backup_pg(url, &dir)?,
                None => finloom_ops::backup(&p.database, &dir)?,
            };
            println!("backup {} ({}), verified:", r.path.display(), mb(r.bytes));
            for (t, n) in &r.tables {
                println!("  {t:<28} {n:>10} rows");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { backup, db } => {
            let p = db.load()?;
            if let Some(url) = &p.postgres {
                let before = finloom_ops::restore_pg(&backup, url, &p.backup_dir)?;
                println!(
                    "restored {} to {}",
                    backup.display(),
                    finloom_pg::redact(url)
                );
                println!("what it held before was backed up to {}", before.display());
                return Ok(ExitCode::SUCCESS);
            }
            let _lock = finloom_host::take_run_lock(&p.database)?;
            let kept = finloom_ops::restore(&backup, &p.database)?;
            println!("restored {} to {}", backup.display(), p.database.display());
            if let Some(k) = kept {
                println!("the previous database was kept as {}", k.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Dedupe {
            db,
            no_backup,
            json,
        } => {
            let p = db.load()?;
            let plan = Plan::build(p)?;
            let _lock = match plan.pipeline.postgres {
                None => Some(finloom_host::take_run_lock(&plan.pipeline.database)?),
                Some(_) => None,
            };
            if !no_backup {
                take_backup(&plan.pipeline)?;
            }
            let r = match &plan.pipeline.postgres {
                Some(url) => finloom_ops::dedupe_pg(url, &table_keys(&plan))?,
                None => finloom_ops::dedupe(&plan.pipeline.database, &table_keys(&plan))?,
            };
            if json {
                println!("{}", serde_json::to_string(&r)?);
            } else {
                println!(
                    "dedupe {}: {} duplicate rows removed",
                    plan.pipeline.database.display(),
                    r.removed()
                );
                for (t, before, removed) in &r.tables {
                    println!("  {t:<28} {before:>10} rows, {removed:>8} removed");
                }
                for (t, why) in &r.skipped {
                    println!("  {t:<28} not checked: {why}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Compact { db, no_backup } => {
            let p = db.load()?;
            local_only(&p, "compact")?;
            let _lock = finloom_host::take_run_lock(&p.database)?;
            if !no_backup {
                take_backup(&p)?;
            }
            let r = finloom_ops::compact(&p.database)?;
            println!(
                "compacted {}: {} -> {} ({:.0}% of before), {} tables verified",
                p.database.display(),
                mb(r.bytes_before),
                mb(r.bytes_after),
                100.0 * r.bytes_after as f64 / r.bytes_before.max(1) as f64,
                r.tables.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { db, json } => {
            let p = db.load()?;
            let plan = Plan::build(p)?;
            let r = match &plan.pipeline.postgres {
                Some(url) => {
                    finloom_ops::check_pg(url, &table_keys(&plan), &plan.pipeline.staging_dir)?
                }
                None => finloom_ops::check(
                    &plan.pipeline.database,
                    &table_keys(&plan),
                    &plan.pipeline.staging_dir,
                )?,
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                print_check(&r);
            }
            Ok(if r.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Copy { from, to } => {
            let (from, to) = (
                finloom_ops::Store::parse(&from),
                finloom_ops::Store::parse(&to),
            );
            let started = std::time::Instant::now();
            let r = finloom_ops::copy(&from, &to)?;
            println!(
                "copied {} to {} in {:.1} s; verified {} filings (rows, text bytes, non-NULL cells, integer sums per table):",
                from.describe(),
                to.describe(),
                started.elapsed().as_secs_f64(),
                r.filings_verified
            );
            for (t, n) in &r.tables {
                println!("  {t:<28} {n:>10} rows");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Status { db } => {
            let p = db.load()?;
            let plan = Plan::build(p)?;
            print_status(&plan)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Export {
            what: ExportWhat::Chunks,
            db,
            format,
            out,
            table,
        } => {
            let p = db.load()?;
            let format = match format {
                ExportFormatArg::Jsonl => finloom_ops::ExportFormat::Jsonl,
                ExportFormatArg::Parquet => finloom_ops::ExportFormat::Parquet,
            };
            let out = out.unwrap_or_else(|| match &p.postgres {
                // Beside the pipeline file when the database is a server.
                Some(_) => p
                    .path
                    .with_file_name(format!("{table}.{}", format.extension())),
                None => p
                    .database
                    .with_file_name(format!("{table}.{}", format.extension())),
            });
            let r = match &p.postgres {
                Some(url) => finloom_ops::export_chunks_pg(url, &table, format, &out)?,
                None => finloom_ops::export_chunks(&p.database, &table, format, &out)?,
            };
            match &r.path {
                Some(path) => eprintln!(
                    "exported {} chunks from `{table}` to {} ({})",
                    r.records,
                    path.display(),
                    mb(r.bytes)
                ),
                None => eprintln!("exported {} chunks from `{table}` to stdout", r.records),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::New {
            what: NewWhat::Plugin,
            name,
            dir,
            api,
        } => {
            let root = api.unwrap_or_else(finloom_ops::scaffold::default_source_root);
            let s = finloom_ops::scaffold::new_plugin(&name, &dir, &root)?;
            println!("created plugin crate {}", s.dir.display());
            for f in &s.files {
                println!("  {}", f.display());
            }
            println!(
                "next:\n  cd {} && cargo test --release && cargo build --release\n  \
                 then add to your pipeline.toml:\n\n[[stage]]\nname = \"{name}\"\nplugin = \"{}\"\n",
                s.dir.display(),
                s.library.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval {
            what,
            db,
            expected,
            json,
        } => {
            let p = db.load()?;
            local_only(&p, "eval")?;
            let expected = match expected {
                Some(e) => std::path::absolute(e)?,
                None => std::path::absolute(&db.pipeline)?
                    .parent()
                    .map(|d| d.join("tests/fixtures/expected"))
                    .unwrap_or_else(|| PathBuf::from("tests/fixtures/expected")),
            };
            let r = match what {
                EvalWhat::Sections => finloom_eval::sections::run(&p.database, &expected),
                EvalWhat::Tables => finloom_eval::tables::run(&p.database, &expected),
                EvalWhat::Footnotes => finloom_eval::footnotes::run(&p.database, &expected),
                EvalWhat::Tokenizer => finloom_eval::tokenizer::run(&p.database, "cl100k_base"),
            }?;
            if json {
                println!("{}", serde_json::to_string_pretty(&r.json)?);
            } else {
                print!("{}", r.text);
                for m in &r.missed {
                    println!("target missed: {m}");
                }
                println!(
                    "{}",
                    if r.passed() {
                        "all targets met"
                    } else {
                        "some targets missed"
                    }
                );
            }
            Ok(if r.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

fn print_check(r: &finloom_ops::CheckReport) {
    println!(
        "check {} ({}, {} filings)",
        r.database,
        mb(r.size_bytes),
        r.filings
    );
    println!("duplicates:");
    for d in &r.duplicates {
        println!(
            "  {:<28} key ({}) {:>6} duplicated keys",
            d.table,
            d.key.join(", "),
            d.duplicate_keys
        );
    }
    println!("referential integrity (rows pointing at nothing):");
    for o in &r.orphans {
        println!(
            "  {:<28} {:<18} -> {:<28} {:>6}",
            o.table, o.column, o.references, o.rows
        );
    }
    println!("coverage (filings processed by the stage / with rows / total):");
    for c in &r.coverage {
        println!(
            "  {:<12} {:<10} {:>5} / {:>5} / {:>5}",
            c.stage, c.form_type, c.done, c.with_rows, c.total
        );
    }
    let show = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_else(|| "n/a".into());
    println!(
        "seed queries: filings without sections {}, without tables {}, duplicate section keys {}",
        show(r.seed.filings_without_sections),
        show(r.seed.filings_without_tables),
        show(r.seed.duplicate_section_keys)
    );
    for w in &r.warnings {
        println!("warning: {w}");
    }
    for v in &r.violations {
        println!("VIOLATION: {v}");
    }
    println!(
        "{}",
        if r.ok() {
            "check passed"
        } else {
            "check FAILED"
        }
    );
}

/// `finloom status` on PostgreSQL: the same report, plus the claims other processes hold now.
fn print_status_pg(url: &str) -> anyhow::Result<()> {
    let mut c = finloom_pg::connect(url)?;
    let has = |c: &mut finloom_pg::Client, t: &str| -> anyhow::Result<bool> {
        Ok(finloom_pg::schema::table_columns(c, t)?.is_some())
    };
    if !has(&mut c, "finloom_runs")? {
        println!("no finloom tables yet in {}", finloom_pg::redact(url));
        return Ok(());
    }
    println!("recent runs:");
    for r in c.query(
        "SELECT run_id, coalesce(to_char(started_at, 'YYYY-MM-DD HH24:MI:SS'), ''), status, \
         coalesce(processed, 0), coalesce(skipped, 0), coalesce(failed, 0), \
         coalesce(wall_seconds, 0) FROM finloom_runs ORDER BY run_id DESC LIMIT 10",
        &[],
    )? {
        println!(
            "  {} {} {:<8} processed {:>5}, skipped {:>5}, failed {:>4}, {:.1} s",
            r.get::<_, String>(0),
            r.get::<_, String>(1),
            r.get::<_, String>(2),
            r.get::<_, i64>(3),
            r.get::<_, i64>(4),
            r.get::<_, i64>(5),
            r.get::<_, f64>(6)
        );
    }
    let failed = c.query(
        "SELECT accession_number, coalesce(source_path, ''), coalesce(error, '') \
         FROM filings WHERE status <> 'ok' ORDER BY 1",
        &[],
    )?;
    println!("failed filings: {}", failed.len());
    for r in failed {
        println!(
            "  {} ({}): {}",
            r.get::<_, String>(0),
            r.get::<_, String>(1),
            r.get::<_, String>(2)
        );
    }
    let warned = c.query(
        "SELECT accession_number, coalesce(source_path, ''), warnings \
         FROM filings WHERE warnings IS NOT NULL ORDER BY 1",
        &[],
    )?;
    println!("filings with warnings: {}", warned.len());
    for r in warned {
        println!("  {} ({}):", r.get::<_, String>(0), r.get::<_, String>(1));
        for line in r.get::<_, String>(2).lines() {
            println!("    {line}");
        }
    }
    let held = c.query(
        "SELECT owner, count(*), bool_and(lease_until < now()) FROM finloom_claims \
         WHERE owner IS NOT NULL GROUP BY 1 ORDER BY 1",
        &[],
    )?;
    println!("claims held: {}", held.len());
    for r in held {
        println!(
            "  {} holds {} file(s){}",
            r.get::<_, String>(0),
            r.get::<_, i64>(1),
            if r.get::<_, bool>(2) {
                " (lease expired: another run takes them over)"
            } else {
                ""
            }
        );
    }
    Ok(())
}

fn print_status(plan: &Plan) -> anyhow::Result<()> {
    let db = &plan.pipeline.database;
    if let Some(url) = &plan.pipeline.postgres {
        print_status_pg(url)?;
    } else if db.exists() {
        let conn = finloom_store::open_ro(db)?;
        let cat = finloom_store::current_catalog(&conn)?;
        if !finloom_store::table_columns(&conn, &cat, "finloom_runs")?.is_empty() {
            println!("recent runs:");
            let mut st = conn.prepare(
                "SELECT run_id, coalesce(strftime(started_at, '%Y-%m-%d %H:%M:%S'), ''), status, \
                 coalesce(processed, 0), coalesce(skipped, 0), coalesce(failed, 0), \
                 coalesce(wall_seconds, 0) FROM finloom_runs ORDER BY run_id DESC LIMIT 10",
            )?;
            let rows = st.query_map([], |r| {
                Ok(format!(
                    "  {} {} {:<8} processed {:>5}, skipped {:>5}, failed {:>4}, {:.1} s",
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, f64>(6)?
                ))
            })?;
            for r in rows {
                println!("{}", r?);
            }
        }
        if !finloom_store::table_columns(&conn, &cat, "filings")?.is_empty() {
            let mut st = conn.prepare(
                "SELECT accession_number, coalesce(source_path, ''), coalesce(error, '') \
                 FROM filings WHERE status <> 'ok' ORDER BY 1",
            )?;
            let rows: Vec<(String, String, String)> = st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<_, _>>()?;
            println!("failed filings: {}", rows.len());
            for (a, p, e) in rows {
                println!("  {a} ({p}): {e}");
            }
            if finloom_store::table_columns(&conn, &cat, "filings")?
                .iter()
                .any(|(c, _)| c == "warnings")
            {
                let mut st = conn.prepare(
                    "SELECT accession_number, coalesce(source_path, ''), warnings \
                     FROM filings WHERE warnings IS NOT NULL ORDER BY 1",
                )?;
                let rows: Vec<(String, String, String)> = st
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<Result<_, _>>()?;
                println!("filings with warnings: {}", rows.len());
                for (a, p, w) in rows {
                    println!("  {a} ({p}):");
                    for line in w.lines() {
                        println!("    {line}");
                    }
                }
            }
        }
    } else {
        println!("no database yet at {}", db.display());
    }
    let pending = finloom_host::pending(plan)?;
    let todo: Vec<_> = pending.iter().filter(|p| !p.stages.is_empty()).collect();
    println!(
        "next run: {} of {} files to process in {}",
        todo.len(),
        pending.len(),
        plan.pipeline.source.display()
    );
    for p in todo {
        println!(
            "  {}{}: {} [{}]",
            p.source_path,
            p.accession_number
                .as_ref()
                .map(|a| format!(" ({a})"))
                .unwrap_or_default(),
            p.reason,
            p.stages.join(", ")
        );
    }
    Ok(())
}

/// The run's peak with its workers: the largest sum sampled while they ran, or this process's
/// own peak if that is larger (it may fall after extraction, in the merge's last hold, when no
/// worker is left). A floor: samples are 50 ms apart.
fn total_peak_mb(own_peak: Option<f64>, sampled: f64) -> Option<f64> {
    own_peak.map(|m| m.max(sampled))
}

/// Peak resident memory of this process in MB (10^6 bytes, like the workers' figures; Linux:
/// VmHWM, in KiB), if the platform tells.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024.0 / 1e6)
}

//! A worker process (`finloom __worker`, started by `finloom run`, never by hand).
//!
//! It loads the plugins, then takes one file at a time from the run: reads and parses it,
//! claims its accession number, runs the stages the run asks for, validates their rows
//! (`extract`), and stages the filing whole into its current segment (`finloom-staging`).
//! Everything that can go wrong with *this* filing in a way Rust can see — an unreadable
//! file, a plugin error or panic, rows that break the declared schema, a staging write that
//! fails — is answered as a `Failed` message and the worker goes on. What Rust cannot see —
//! an `abort()`, a segfault, an endless loop, memory without bound — ends or hangs this
//! process; the run notices (exit status, deadline, resident memory), fails the filing with
//! that reason and starts another worker. That is the reason workers are processes.

use crate::extract::extract_filing;
use crate::plan::Plan;
use crate::protocol::{ClaimReply, Cpu, FromWorker, ToWorker};
use finloom_staging::{FilingTrip, SegmentWriter};
use finloom_store::ledger::{FailedFiling, FilingRecord, StageCommit};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;

/// The hidden subcommand that starts a worker.
pub const WORKER_ARG: &str = "__worker";

/// Process CPU time in seconds (the worker does one thing at a time, so deltas of it are
/// the cost of that thing, plugin threads and DuckDB's included).
pub fn process_cpu() -> f64 {
    finloom_merge::cpu_seconds(libc::CLOCK_PROCESS_CPUTIME_ID)
}

struct Channel {
    input: BufReader<std::io::Stdin>,
    output: std::fs::File,
}

impl Channel {
    fn send(&mut self, m: &FromWorker) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(m).expect("messages serialize");
        line.push(b'\n');
        self.output.write_all(&line)
    }
    fn recv(&mut self) -> std::io::Result<Option<ToWorker>> {
        let mut line = String::new();
        if self.input.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        serde_json::from_str(&line)
            .map(Some)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }
}

/// Entry point of `finloom __worker`. Returns the process exit code.
pub fn main() -> i32 {
    // The protocol gets a private copy of stdout; fd 1 becomes stderr, so that whatever a
    // plugin prints cannot corrupt the message stream.
    // SAFETY: plain descriptor calls on descriptors this process owns.
    let output = unsafe {
        let fd = libc::dup(1);
        if fd < 0 || libc::dup2(2, 1) < 0 {
            eprintln!("finloom worker: cannot set up its output channel");
            return 3;
        }
        <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(fd)
    };
    let ch = Channel {
        input: BufReader::new(std::io::stdin()),
        output,
    };
    // Deeply nested documents recurse deeply: a large stack, as the in-process runner had.
    let worker = std::thread::Builder::new()
        .name("finloom-worker".into())
        .stack_size(256 << 20)
        .spawn(move || serve(ch));
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        _ => 3,
    }
}

fn serve(mut ch: Channel) -> i32 {
    let Ok(Some(ToWorker::Hello {
        pipeline,
        segment_dir,
        segment_prefix,
        seal_filings,
    })) = ch.recv()
    else {
        eprintln!("finloom worker: expected a Hello message from the run");
        return 3;
    };
    let plan = match Plan::build(pipeline) {
        Ok(p) => p,
        Err(e) => {
            let _ = ch.send(&FromWorker::Fatal {
                error: e.to_string(),
            });
            return 2;
        }
    };
    if ch.send(&FromWorker::Ready).is_err() {
        return 3;
    }
    let mut w = Worker {
        plan,
        segment_dir,
        segment_prefix,
        seal_filings: seal_filings.max(1),
        segment: None,
        segments: 0,
    };
    loop {
        let msg = match ch.recv() {
            Ok(Some(m)) => m,
            Ok(None) => break, // the run is gone
            Err(e) => {
                eprintln!("finloom worker: bad message: {e}");
                return 3;
            }
        };
        let r = match msg {
            ToWorker::Task {
                fid,
                path,
                write_now,
            } => {
                if w.segment.as_ref().is_some_and(|s| w.due(s)) {
                    if let Err(e) = w.seal(&mut ch) {
                        eprintln!("finloom worker: {e}");
                        return 3;
                    }
                }
                w.task(&mut ch, fid, path, write_now)
            }
            ToWorker::Seal => w.seal(&mut ch),
            ToWorker::Quit => break,
            other => {
                eprintln!("finloom worker: unexpected message {other:?}");
                return 3;
            }
        };
        if let Err(e) = r {
            eprintln!("finloom worker: {e}");
            return 3;
        }
    }
    match w.seal(&mut ch) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("finloom worker: {e}");
            3
        }
    }
}

struct Worker {
    plan: Plan,
    segment_dir: PathBuf,
    segment_prefix: String,
    seal_filings: usize,
    segment: Option<SegmentWriter>,
    segments: usize,
}

/// A segment older than this is sealed before the next filing, so that the merge keeps up
/// with extraction even when filings are slow.
const SEAL_AGE: std::time::Duration = std::time::Duration::from_secs(1);

struct Clock {
    cpu: Cpu,
    last: f64,
}

impl Clock {
    fn new() -> Clock {
        Clock {
            cpu: Vec::new(),
            last: process_cpu(),
        }
    }
    fn lap(&mut self, what: &str) {
        let now = process_cpu();
        self.cpu.push((what.to_string(), now - self.last));
        self.last = now;
    }
}

impl Worker {
    fn due(&self, s: &SegmentWriter) -> bool {
        s.len() >= self.seal_filings || s.age() >= SEAL_AGE
    }

    /// Writes the filings the segment holds (see `finloom-staging`) and tells the run which
    /// they are: until then they exist only in this process.
    fn flush(&mut self, ch: &mut Channel) -> Result<(), String> {
        let Some(s) = self.segment.as_mut() else {
            return Ok(());
        };
        let t0 = process_cpu();
        let fids = s
            .flush()
            .map_err(|e| format!("cannot write staging segment: {e}"))?;
        if !fids.is_empty() {
            let cpu = process_cpu() - t0;
            ch.send(&FromWorker::Written { fids, cpu })
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    fn seal(&mut self, ch: &mut Channel) -> Result<(), String> {
        self.flush(ch)?;
        if let Some(s) = self.segment.take() {
            let t0 = process_cpu();
            let fids = s.written().to_vec();
            let (path, _) = s
                .seal()
                .map_err(|e| format!("cannot seal staging segment: {e}"))?;
            let cpu = process_cpu() - t0;
            ch.send(&FromWorker::Sealed { path, fids, cpu })
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// One file. Errors returned are the channel's (the worker stops); the filing's own
    /// problems are answered as messages.
    fn task(
        &mut self,
        ch: &mut Channel,
        fid: i64,
        spath: String,
        write_now: bool,
    ) -> Result<(), String> {
        let io = |e: std::io::Error| e.to_string();
        let mut clock = Clock::new();
        let path = PathBuf::from(&spath);
        let fail = |clock: Clock,
                    ch: &mut Channel,
                    bytes: u64,
                    failure: FailedFiling|
         -> Result<(), String> {
            ch.send(&FromWorker::Failed {
                fid,
                failure,
                bytes,
                cpu: clock.cpu,
            })
            .map_err(io)
        };
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                let failure = FailedFiling {
                    source_path: spath.clone(),
                    error: format!("cannot read file: {e}"),
                    ..Default::default()
                };
                return fail(clock, ch, 0, failure);
            }
        };
        let nbytes = bytes.len() as u64;
        let source_hash = blake3::hash(&bytes).to_hex().to_string();
        let fps = self.plan.fingerprints(&source_hash);
        let plan_fp = self.plan.plan_fingerprint(&fps);
        clock.lap("read");
        let filing = match std::panic::catch_unwind(|| {
            finloom_ingest::read_filing_bytes_hashed(&path, &bytes, source_hash.clone())
        }) {
            Ok(Ok(f)) => f,
            Ok(Err(e)) => {
                clock.lap("parse");
                let failure = FailedFiling {
                    source_path: spath.clone(),
                    error: format!("not a readable filing: {e}"),
                    source_hash: Some(source_hash),
                    fingerprint: Some(plan_fp),
                    ..Default::default()
                };
                return fail(clock, ch, nbytes, failure);
            }
            Err(_) => {
                clock.lap("parse");
                let failure = FailedFiling {
                    source_path: spath.clone(),
                    error: "not a readable filing: the reader panicked".into(),
                    source_hash: Some(source_hash),
                    fingerprint: Some(plan_fp),
                    ..Default::default()
                };
                return fail(clock, ch, nbytes, failure);
            }
        };
        drop(bytes);
        clock.lap("parse");
        let m = &filing.meta;
        let record = FilingRecord {
            accession_number: m.accession_number.to_string(),
            cik: m.cik.to_string(),
            company_name: m.company_name.to_string(),
            form_type: m.form_type.to_string(),
            filed_date: m.filed_date.to_string(),
            period_of_report: m.period_of_report.to_string(),
            source_path: spath.clone(),
            source_hash: source_hash.clone(),
        };
        let acc = record.accession_number.clone();
        ch.send(&FromWorker::Claim {
            fid,
            record: record.clone(),
            fingerprints: fps.clone(),
        })
        .map_err(io)?;
        let stale = match ch.recv().map_err(io)? {
            Some(ToWorker::Claimed(ClaimReply::Run { stale })) => stale,
            Some(ToWorker::Claimed(ClaimReply::UpToDate)) => {
                return ch
                    .send(&FromWorker::Skipped {
                        fid,
                        accession: acc,
                        bytes: nbytes,
                        cpu: clock.cpu,
                    })
                    .map_err(io)
            }
            Some(ToWorker::Claimed(ClaimReply::Duplicate { owner })) => {
                return ch
                    .send(&FromWorker::Duplicate {
                        fid,
                        accession: acc,
                        owner,
                        bytes: nbytes,
                        cpu: clock.cpu,
                    })
                    .map_err(io)
            }
            other => return Err(format!("expected a claim answer, got {other:?}")),
        };
        // Run the stale stages and, in memory only, the upstream stages they read from.
        let plan = &self.plan;
        let mut run = stale.clone();
        for (i, s) in plan.stages.iter().enumerate().rev() {
            if run[i] {
                for &u in &s.upstream {
                    run[u] = true;
                }
            }
        }
        let mut on_stage = |i: usize| -> Result<(), String> {
            ch.send(&FromWorker::Running { fid, stage: i }).map_err(io)
        };
        let outputs = extract_filing(plan, &filing, &run, &mut on_stage, &mut |name: &str| {
            clock.lap(name)
        });
        let outputs = match outputs {
            Ok(o) => o,
            Err(e) => {
                if let Some(channel_error) = e.channel {
                    return Err(channel_error);
                }
                let failure = FailedFiling {
                    source_path: spath.clone(),
                    accession_number: Some(acc),
                    filing: Some(record),
                    stage: Some(e.stage.clone()),
                    error: format!("stage {}: {}", e.stage, e.error),
                    source_hash: Some(source_hash),
                    fingerprint: Some(plan_fp),
                    duplicate_of: None,
                };
                return fail(clock, ch, nbytes, failure);
            }
        };
        let stages: Vec<StageCommit> = plan
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
                tables: s
                    .tables
                    .iter()
                    .map(|&t| plan.specs[t].name.clone())
                    .collect(),
                row_count: outputs[i]
                    .iter()
                    .flatten()
                    .map(|(_, t)| t.rows.len() as i64)
                    .sum(),
            })
            .collect();
        let sections_now = stages.iter().any(|s| s.kind == "sections");
        let rows = outputs
            .into_iter()
            .enumerate()
            .filter(|(i, _)| stale[*i])
            .flat_map(|(_, o)| o.into_iter().flatten())
            .collect();
        // What this filing's failure says if staging it fails (the trip takes the record).
        let staging_failure = |e: finloom_staging::StagingError| FailedFiling {
            source_path: spath.clone(),
            accession_number: Some(acc.clone()),
            filing: Some(record.clone()),
            stage: None,
            error: format!("staging failed: {e}"),
            source_hash: Some(source_hash.clone()),
            fingerprint: Some(plan_fp.clone()),
            duplicate_of: None,
        };
        let trip = FilingTrip {
            fid,
            filing: record.clone(),
            stages: stages.clone(),
            rows,
            sections_now,
            warnings: filing.warnings.clone(),
        };
        if self.segment.is_none() {
            let path = self.segment_dir.join(format!(
                "{}s{:05}.duckdb",
                self.segment_prefix, self.segments
            ));
            self.segments += 1;
            let created = SegmentWriter::create(&path, &plan.specs);
            match created {
                Ok(s) => self.segment = Some(s),
                Err(e) => {
                    clock.lap("staging");
                    return fail(clock, ch, nbytes, staging_failure(e));
                }
            }
        }
        let segment = self.segment.as_mut().expect("just opened");
        segment.stage(trip);
        if write_now {
            // Written before the filing is reported staged, so that a failure lands on this
            // filing, with the reason. The worker then ends: its segment cannot be written, and
            // whatever else it held goes back to the run to be done again.
            match segment.flush() {
                Ok(fids) => {
                    ch.send(&FromWorker::Written { fids, cpu: 0.0 })
                        .map_err(io)?;
                }
                Err(e) => {
                    segment.drop_held();
                    clock.lap("staging");
                    let why = format!("cannot write staging segment: {e}");
                    fail(clock, ch, nbytes, staging_failure(e))?;
                    return Err(why);
                }
            }
        }
        clock.lap("staging");
        ch.send(&FromWorker::Staged {
            fid,
            accession: acc,
            stages: stages
                .iter()
                .map(|s| (s.stage.clone(), s.row_count))
                .collect(),
            warnings: filing.warnings.len(),
            bytes: nbytes,
            cpu: clock.cpu,
        })
        .map_err(io)?;
        if self.segment.as_ref().is_some_and(|s| self.due(s)) {
            self.seal(ch)?;
        } else if self.segment.as_ref().is_some_and(|s| s.should_flush()) {
            self.flush(ch)?;
        }
        Ok(())
    }
}

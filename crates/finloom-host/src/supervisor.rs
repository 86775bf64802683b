//! The worker processes of a run, and who owns which accession number.
//!
//! [`Supervisor::extract`] keeps `workers` worker processes (`finloom __worker`, see
//! [`crate::worker`]) busy with the files to process, one file per worker at a time, and
//! watches them:
//!
//! * a worker that **exits or is killed by a signal** while it holds a file (a plugin called
//!   `abort()`, segfaulted, or the kernel's out-of-memory killer struck) fails that file with
//!   the reason — `worker killed by SIGABRT while plugin money 0.1.0 ran (stage money)` — and
//!   is replaced;
//! * a file that takes longer than `filing_timeout_secs` gets its worker **killed** (a hard
//!   limit: nothing of the plugin keeps running) and fails;
//! * a worker whose resident memory passes `worker_memory_mb` is killed the same way.
//!
//! The filings a dead worker had already staged are not lost. Those it had written sit,
//! committed, in its open segment, which is handed to the merge like a sealed one; those it
//! still held in memory (a worker writes its staged filings in groups, see `finloom-staging`)
//! go back to the front of the queue for another worker, which writes each of them as soon as
//! it is staged (so a later filing's crash cannot lose it again).
//!
//! **One accession, one owner.** Two paths can hold the same filing (a re-download, or
//! `full-submission.txt` beside `primary-document.html`). After parsing, a worker *claims* the
//! accession number before any plugin runs. The rule is the one a sorted listing gives: the
//! path first in sorted order owns the filing. A later path is refused (`duplicate filing`,
//! recorded without touching the owner's status); an earlier path that arrives after a later
//! one takes the filing over, and the displaced copy is never merged (the merge re-checks
//! ownership before each batch) — or, if it was merged already, is replaced by the owner's
//! rows. Whatever the timing, the owner is the same.

use crate::plan::Plan;
use crate::progress::Progress;
use crate::protocol::{ClaimReply, Cpu, FromWorker, ToWorker};
use crate::worker::WORKER_ARG;
use crate::HostError;
use finloom_merge::{MergeJob, SegmentJob};
use finloom_store::ledger::{duplicate_copy, FailedFiling, FilingRecord, Prior};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A file to send to a worker.
#[derive(Debug, Clone)]
pub struct Task {
    pub fid: i64,
    pub hash: String,
    pub plan_fingerprint: String,
}

/// What extraction did.
#[derive(Debug, Default)]
pub struct ExtractReport {
    /// Filings staged (owners only).
    pub staged: usize,
    /// Filings found up to date after parsing.
    pub skipped: usize,
    pub failed: usize,
    pub bytes: u64,
    /// CPU seconds per activity, summed over workers.
    pub cpu: BTreeMap<String, f64>,
    /// Paths not processed because the run is stopping.
    pub not_processed: Vec<String>,
    pub workers_replaced: usize,
    /// Largest resident memory seen in a worker, in MB.
    pub peak_worker_mb: f64,
    /// Largest resident memory of this process and all its workers at one moment, in MB,
    /// sampled with the workers' (every tick while extraction runs): a floor, not a maximum.
    pub peak_total_mb: f64,
}

/// Accession number → the file (`fid`) that owns it in this run. Shared with the merge.
pub type Owners = Mutex<HashMap<String, i64>>;

enum Why {
    Timeout,
    Memory(u64),
    Stop,
}

struct Busy {
    task: Task,
    started: Instant,
    stage: Option<usize>,
    record: Option<FilingRecord>,
}

enum State {
    Starting,
    Idle,
    Busy(Busy),
    Quitting,
    Gone,
}

struct Slot {
    child: Child,
    stdin: Option<ChildStdin>,
    generation: u32,
    prefix: String,
    state: State,
    /// (`fid`, accession, its task) staged (and reported) in the open segment, written or not;
    /// the task is handed out again if the worker dies before writing it.
    staged: Vec<(i64, String, Option<Task>)>,
    /// Of those, the ones the worker has written into the segment file.
    written: HashSet<i64>,
    /// Segments sealed so far (the open one is number `sealed`).
    sealed: usize,
    /// A `Seal` was sent and its `Sealed` has not come back yet.
    seal_asked: bool,
    kill: Option<Why>,
}

enum Event {
    Msg(FromWorker),
    Garbled(String),
    Eof,
}

pub struct Supervisor<'a> {
    pub plan: &'a Plan,
    pub prior: &'a Prior,
    pub force: bool,
    /// Source paths by `fid`.
    pub paths: &'a [String],
    pub owners: &'a Owners,
    pub merge: Sender<MergeJob>,
    pub progress: &'a Progress,
    pub segment_dir: PathBuf,
    pub stopping: &'a dyn Fn() -> bool,
    /// Several processes on one database (PostgreSQL): asked before a file is handed to a
    /// worker, so that no two processes extract it at once (see `finloom_pg::claims`).
    pub claim: Option<&'a dyn Fn(&Task) -> Result<Claimed, String>>,
}

/// What a claim on a file found (several processes on one database).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claimed {
    /// This process may extract it.
    Mine,
    /// Another process committed it under the same plan: nothing to do.
    Done,
    /// Another live process holds it: ask again later.
    Busy,
}

/// How long a file another process holds waits before it is asked about again.
const RECLAIM: Duration = Duration::from_millis(500);

enum Next {
    Task(Task),
    /// Nothing to hand out now, but files held by other processes may come free.
    Wait,
    None,
}

/// The executable to start workers from: `FINLOOM_WORKER_EXE`, else this executable when it
/// is `finloom`, else a `finloom` next to it or one folder up (a test binary in
/// `target/release/deps` finds `target/release/finloom`).
pub fn worker_exe() -> Result<PathBuf, HostError> {
    if let Some(p) = std::env::var_os("FINLOOM_WORKER_EXE") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe()
        .map_err(|e| HostError::Other(format!("cannot find the running executable: {e}")))?;
    let name = format!("finloom{}", std::env::consts::EXE_SUFFIX);
    if exe.file_name().is_some_and(|n| n == name.as_str()) {
        return Ok(exe);
    }
    let mut dir = exe.parent();
    for _ in 0..2 {
        let Some(d) = dir else { break };
        let c = d.join(&name);
        if c.is_file() {
            return Ok(c);
        }
        dir = d.parent();
    }
    Err(HostError::Other(format!(
        "cannot find the `finloom` executable to start worker processes from (looked next to {}); \
         build it (`cargo build --release`) or set FINLOOM_WORKER_EXE",
        exe.display()
    )))
}

fn signal_name(sig: i32) -> String {
    match sig {
        libc::SIGABRT => "SIGABRT".into(),
        libc::SIGSEGV => "SIGSEGV".into(),
        libc::SIGKILL => "SIGKILL (the kernel's out-of-memory killer, or another process)".into(),
        libc::SIGBUS => "SIGBUS".into(),
        libc::SIGILL => "SIGILL".into(),
        libc::SIGFPE => "SIGFPE".into(),
        libc::SIGTERM => "SIGTERM".into(),
        libc::SIGPIPE => "SIGPIPE".into(),
        n => format!("signal {n}"),
    }
}

/// Resident memory of a process in bytes (Linux), if readable.
fn rss_bytes(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/statm")).ok()?;
    let pages: u64 = s.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * page.max(1) as u64)
}

/// A worker finished a file: it is free again; count what it read and spent.
fn idle(s: &mut Slot, report: &mut ExtractReport, bytes: u64, cpu: Cpu) {
    s.state = State::Idle;
    report.bytes += bytes;
    for (k, v) in cpu {
        *report.cpu.entry(k).or_default() += v;
    }
}

/// How often the supervisor looks at deadlines, memory and signals.
const TICK: Duration = Duration::from_millis(50);

impl Supervisor<'_> {
    fn spawn(
        &self,
        slot: usize,
        generation: u32,
        events: &Sender<(usize, u32, Event)>,
    ) -> Result<Slot, HostError> {
        let exe = worker_exe()?;
        let mut cmd = Command::new(&exe);
        cmd.arg(WORKER_ARG)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            use std::os::unix::process::CommandExt;
            let parent = libc::getpid();
            cmd.pre_exec(move || {
                // Die with the run (a SIGKILLed run must not leave workers behind) …
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                if libc::getppid() != parent {
                    libc::_exit(1);
                }
                // … and leave Ctrl-C to the run, which stops them in order.
                libc::signal(libc::SIGINT, libc::SIG_IGN);
                // A little below the run: when the cores are all busy, the merge thread (the
                // one writer, holding the file readers wait for) gets them first, so holds stay
                // short. Throughput is the same: the work is the same.
                libc::nice(5);
                Ok(())
            });
        }
        let mut child = cmd.spawn().map_err(|e| {
            HostError::Other(format!(
                "cannot start a worker process ({}): {e}",
                exe.display()
            ))
        })?;
        let stdout = child.stdout.take().expect("piped");
        let tx = events.clone();
        std::thread::Builder::new()
            .name(format!("finloom-w{slot}-reader"))
            .spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    let ev = match serde_json::from_str::<FromWorker>(&line) {
                        Ok(m) => Event::Msg(m),
                        Err(e) => Event::Garbled(format!("{e}: {line:.200}")),
                    };
                    if tx.send((slot, generation, ev)).is_err() {
                        return;
                    }
                }
                let _ = tx.send((slot, generation, Event::Eof));
            })
            .map_err(|e| HostError::Other(format!("cannot start a thread: {e}")))?;
        let mut s = Slot {
            stdin: child.stdin.take(),
            child,
            generation,
            prefix: format!("w{slot}g{generation}"),
            state: State::Starting,
            staged: Vec::new(),
            written: HashSet::new(),
            sealed: 0,
            seal_asked: false,
            kill: None,
        };
        let hello = ToWorker::Hello {
            pipeline: self.plan.worker_pipeline(),
            segment_dir: self.segment_dir.clone(),
            segment_prefix: s.prefix.clone(),
            seal_filings: self.plan.pipeline.merge_batch as usize,
        };
        send(&mut s, &hello);
        Ok(s)
    }

    /// Processes `tasks` (in order) on the worker processes. Returns when every task is
    /// done, or the run is stopping and every worker is gone.
    pub fn extract(&self, tasks: Vec<Task>) -> Result<ExtractReport, HostError> {
        let p = &self.plan.pipeline;
        let mut report = ExtractReport::default();
        let mut queue: VecDeque<Task> = tasks.into();
        // Files another process holds, and when to ask about them again.
        let mut waiting: VecDeque<(Task, Instant)> = VecDeque::new();
        let n = p
            .workers
            .min(queue.len())
            .max(if queue.is_empty() { 0 } else { 1 });
        let (tx, rx): (Sender<(usize, u32, Event)>, Receiver<_>) = channel();
        let mut slots: Vec<Slot> = Vec::new();
        for i in 0..n {
            slots.push(self.spawn(i, 0, &tx)?);
        }
        let timeout = Duration::from_secs(p.filing_timeout_secs);
        let mem_limit = p.worker_memory_mb.saturating_mul(1_000_000);
        let mut displaced: HashSet<i64> = HashSet::new();
        // Filings handed out again because a worker died holding them unwritten.
        let mut redone: HashSet<i64> = HashSet::new();
        let mut stopped = false;
        let mut fatal: Option<String> = None;
        let mut last_watch = Instant::now();
        loop {
            if !stopped && (self.stopping)() {
                stopped = true;
                self.progress
                    .note("stopping: no new files; files being extracted are abandoned");
                for t in queue.drain(..).chain(waiting.drain(..).map(|(t, _)| t)) {
                    report
                        .not_processed
                        .push(self.paths[t.fid as usize].clone());
                }
                for s in &mut slots {
                    match &s.state {
                        State::Busy(_) | State::Starting => {
                            s.kill = Some(Why::Stop);
                            let _ = s.child.kill();
                        }
                        State::Idle => {
                            send(s, &ToWorker::Quit);
                            s.state = State::Quitting;
                        }
                        State::Quitting | State::Gone => {}
                    }
                }
            }
            // Hand out work; tell idle workers to finish when there is none left.
            for s in &mut slots {
                if matches!(s.state, State::Idle) {
                    let next = if fatal.is_some() {
                        Next::None
                    } else {
                        match self.next_task(&mut queue, &mut waiting, &mut report) {
                            Ok(n) => n,
                            Err(e) => {
                                fatal = Some(e);
                                Next::None
                            }
                        }
                    };
                    match next {
                        Next::Task(task) => {
                            let path = self.paths[task.fid as usize].clone();
                            send(
                                s,
                                &ToWorker::Task {
                                    fid: task.fid,
                                    path,
                                    write_now: redone.contains(&task.fid),
                                },
                            );
                            s.state = State::Busy(Busy {
                                task,
                                started: Instant::now(),
                                stage: None,
                                record: None,
                            });
                        }
                        Next::Wait => {
                            // Other processes wait for what this one staged: commit it now
                            // rather than when the worker next gets a file or quits.
                            if !s.staged.is_empty() && !s.seal_asked {
                                send(s, &ToWorker::Seal);
                                s.seal_asked = true;
                            }
                        }
                        Next::None => {
                            send(s, &ToWorker::Quit);
                            s.state = State::Quitting;
                        }
                    }
                }
            }
            if slots.iter().all(|s| matches!(s.state, State::Gone)) {
                break;
            }
            // Deadlines and memory are looked at every tick, busy or not.
            if last_watch.elapsed() >= TICK {
                self.watch(&mut slots, timeout, mem_limit, &mut report);
                last_watch = Instant::now();
            }
            let (i, generation, ev) = match rx.recv_timeout(TICK) {
                Ok(e) => e,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            if slots[i].generation != generation {
                continue; // a message from a worker that was already replaced
            }
            match ev {
                Event::Msg(m) => {
                    if let Err(e) = self.on_message(&mut slots[i], m, &mut report, &mut displaced) {
                        fatal.get_or_insert(e);
                        for s in &mut slots {
                            if !matches!(s.state, State::Gone | State::Quitting) {
                                let _ = s.child.kill();
                            }
                        }
                    }
                }
                Event::Garbled(line) => {
                    tracing::warn!(worker = i, "unreadable message from worker: {line}");
                    let _ = slots[i].child.kill();
                }
                Event::Eof => {
                    let was_starting = matches!(slots[i].state, State::Starting);
                    let again = self.on_exit(&mut slots[i], &mut report, &displaced);
                    if !again.is_empty() {
                        self.progress.note(&format!(
                            "worker {i} ended before writing {} filing(s) it had extracted: \
                             they are extracted again",
                            again.len()
                        ));
                    }
                    for (t, acc) in again.into_iter().rev() {
                        if stopped || fatal.is_some() {
                            report
                                .not_processed
                                .push(self.paths[t.fid as usize].clone());
                        } else if !redone.insert(t.fid) {
                            let path = self.paths[t.fid as usize].clone();
                            let f = FailedFiling {
                                source_path: path,
                                accession_number: Some(acc),
                                error: "its worker process ended twice after extracting it and \
                                        before writing its rows to staging (see the messages \
                                        above)"
                                    .into(),
                                source_hash: Some(t.hash.clone()),
                                fingerprint: Some(t.plan_fingerprint.clone()),
                                ..Default::default()
                            };
                            self.failed(&mut report, f);
                        } else {
                            queue.push_front(t);
                        }
                    }
                    if was_starting && slots[i].kill.is_none() && fatal.is_none() {
                        fatal =
                            Some(format!(
                            "a worker process exited before it was ready (see the messages above; \
                             is {} runnable?)",
                            worker_exe().map(|p| p.display().to_string()).unwrap_or_default()
                        ));
                    }
                    // Replace it while there is work left.
                    if !(queue.is_empty() && waiting.is_empty()) && !stopped && fatal.is_none() {
                        let g = slots[i].generation + 1;
                        slots[i] = self.spawn(i, g, &tx)?;
                        report.workers_replaced += 1;
                        self.progress
                            .note(&format!("worker {i} replaced (generation {g})"));
                    }
                }
            }
            if fatal.is_some() {
                for t in queue.drain(..).chain(waiting.drain(..).map(|(t, _)| t)) {
                    report
                        .not_processed
                        .push(self.paths[t.fid as usize].clone());
                }
            }
        }
        if let Some(e) = fatal {
            return Err(HostError::Other(format!("the run stopped: {e}")));
        }
        Ok(report)
    }

    /// The next file to hand out: the first waiting file whose time has come, else the next
    /// in line — claimed first when several processes share the database.
    fn next_task(
        &self,
        queue: &mut VecDeque<Task>,
        waiting: &mut VecDeque<(Task, Instant)>,
        report: &mut ExtractReport,
    ) -> Result<Next, String> {
        loop {
            let due = waiting.front().is_some_and(|(_, at)| *at <= Instant::now());
            let task = if due {
                waiting.pop_front().map(|(t, _)| t)
            } else {
                queue.pop_front()
            };
            let Some(task) = task else {
                return Ok(if waiting.is_empty() {
                    Next::None
                } else {
                    Next::Wait
                });
            };
            let Some(claim) = self.claim else {
                return Ok(Next::Task(task));
            };
            match claim(&task).map_err(|e| format!("cannot claim a file: {e}"))? {
                Claimed::Mine => return Ok(Next::Task(task)),
                Claimed::Done => {
                    report.skipped += 1;
                    self.progress.file(
                        &self.paths[task.fid as usize],
                        "skipped (done by another process)",
                        false,
                    );
                }
                Claimed::Busy => waiting.push_back((task, Instant::now() + RECLAIM)),
            }
        }
    }

    /// Deadlines and memory of busy workers.
    fn watch(&self, slots: &mut [Slot], timeout: Duration, limit: u64, report: &mut ExtractReport) {
        // What the whole run holds at this moment: this process (with the merge) and every
        // worker. Each process's own peak can fall at a different moment, so their sum would
        // overstate it; the memory target is for the run as a whole.
        let mut total = rss_bytes(std::process::id()).unwrap_or(0);
        for s in slots.iter_mut() {
            let rss = rss_bytes(s.child.id());
            if let Some(r) = rss {
                report.peak_worker_mb = report.peak_worker_mb.max(r as f64 / 1e6);
                total += r;
            }
            let State::Busy(b) = &s.state else { continue };
            if s.kill.is_some() {
                continue;
            }
            if b.started.elapsed() >= timeout {
                s.kill = Some(Why::Timeout);
                let _ = s.child.kill();
            } else if let Some(r) = rss.filter(|&r| r > limit) {
                s.kill = Some(Why::Memory(r));
                let _ = s.child.kill();
            }
        }
        report.peak_total_mb = report.peak_total_mb.max(total as f64 / 1e6);
    }

    fn plugin_at(&self, stage: Option<usize>) -> String {
        match stage {
            Some(i) => {
                let s = &self.plan.stages[i];
                format!(
                    "plugin {} {} ran (stage {})",
                    s.plugin_name(),
                    s.plugin_version(),
                    s.name
                )
            }
            None => "the filing was read and parsed".into(),
        }
    }

    /// The accession a failure of `fid` lands on: from this run's claim, else from what an
    /// earlier run knew of the same path — unless another path owns that accession now.
    fn failure_accession(&self, fid: i64, record: Option<&FilingRecord>) -> Option<String> {
        record.map(|r| r.accession_number.clone()).or_else(|| {
            let acc = self
                .prior
                .by_path
                .get(&self.paths[fid as usize])?
                .accession_number
                .clone();
            match self
                .owners
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&acc)
            {
                Some(&o) if o != fid => None,
                _ => Some(acc),
            }
        })
    }

    /// A file is done with: counts, progress line, and the failure to the merge (which
    /// records it).
    fn failed(&self, report: &mut ExtractReport, f: FailedFiling) {
        report.failed += 1;
        self.progress
            .file(&f.source_path, &format!("FAILED: {}", f.error), true);
        let _ = self.merge.send(MergeJob::Failures(vec![f]));
    }

    fn failure_for(&self, b: &Busy, error: String) -> FailedFiling {
        let path = &self.paths[b.task.fid as usize];
        FailedFiling {
            source_path: path.clone(),
            accession_number: self.failure_accession(b.task.fid, b.record.as_ref()),
            filing: b.record.clone(),
            stage: b.stage.map(|i| self.plan.stages[i].name.clone()),
            error,
            source_hash: Some(b.task.hash.clone()),
            fingerprint: Some(b.task.plan_fingerprint.clone()),
            duplicate_of: None,
        }
    }

    /// A worker is gone: fails the filing it held, hands its written filings to the merge, and
    /// returns the tasks of the staged filings it had not written, to be done again.
    fn on_exit(
        &self,
        s: &mut Slot,
        report: &mut ExtractReport,
        displaced: &HashSet<i64>,
    ) -> Vec<(Task, String)> {
        let status = s.child.wait().ok();
        s.stdin = None;
        let state = std::mem::replace(&mut s.state, State::Gone);
        if let State::Busy(b) = state {
            let path = self.paths[b.task.fid as usize].clone();
            match &s.kill {
                Some(Why::Stop) => report.not_processed.push(path),
                kill => {
                    let at = self.plugin_at(b.stage);
                    let error = match kill {
                        Some(Why::Timeout) => format!(
                            "timed out after {} s (pipeline filing_timeout_secs) while {at}; the worker was killed",
                            self.plan.pipeline.filing_timeout_secs
                        ),
                        Some(Why::Memory(r)) => format!(
                            "worker used {} MB, over the pipeline's worker_memory_mb = {}, while {at}; the worker was killed",
                            r / 1_000_000,
                            self.plan.pipeline.worker_memory_mb
                        ),
                        _ => {
                            use std::os::unix::process::ExitStatusExt;
                            match status {
                                Some(st) if st.signal().is_some() => format!(
                                    "worker killed by {} while {at}",
                                    signal_name(st.signal().unwrap_or(0))
                                ),
                                Some(st) => format!(
                                    "worker exited with code {} while {at}",
                                    st.code().unwrap_or(-1)
                                ),
                                None => format!("worker vanished while {at}"),
                            }
                        }
                    };
                    if !displaced.contains(&b.task.fid) {
                        let f = self.failure_for(&b, error);
                        self.failed(report, f);
                    }
                }
            }
        }
        // Filings it staged and wrote but had not sealed yet are committed in its segment:
        // merge them. Those it still held in memory are gone with it: hand them back.
        let (written, lost): (Vec<_>, Vec<_>) = std::mem::take(&mut s.staged)
            .into_iter()
            .partition(|(fid, _, _)| s.written.contains(fid));
        s.written.clear();
        let path = self
            .segment_dir
            .join(format!("{}s{:05}.duckdb", s.prefix, s.sealed));
        if written.is_empty() {
            // Nothing in it for the merge (it may not even exist): not left behind as staging.
            if path.exists() {
                if let Err(e) = finloom_staging::remove_segment(&path) {
                    tracing::warn!(segment = %path.display(), "cannot remove a dead worker's empty segment: {e}");
                }
            }
        } else {
            let filings = written
                .into_iter()
                .map(|(fid, acc, _)| (fid, acc, self.paths[fid as usize].clone()))
                .collect();
            let _ = self
                .merge
                .send(MergeJob::Segment(SegmentJob { path, filings }));
        }
        let mut again = Vec::new();
        for (fid, acc, task) in lost {
            // A copy displaced meanwhile is done with: its owner is another path.
            if displaced.contains(&fid) {
                continue;
            }
            if let Some(t) = task {
                report.staged -= 1;
                self.progress.undo();
                again.push((t, acc));
            }
        }
        again
    }

    fn on_message(
        &self,
        s: &mut Slot,
        m: FromWorker,
        report: &mut ExtractReport,
        displaced: &mut HashSet<i64>,
    ) -> Result<(), String> {
        match m {
            FromWorker::Ready => {
                if matches!(s.state, State::Starting) {
                    s.state = State::Idle;
                }
            }
            FromWorker::Fatal { error } => {
                return Err(format!("a worker could not start: {error}"))
            }
            FromWorker::Claim {
                fid,
                record,
                fingerprints,
            } => {
                let reply = self.claim(fid, &record, &fingerprints, displaced);
                if let State::Busy(b) = &mut s.state {
                    b.record = Some(record);
                }
                send(s, &ToWorker::Claimed(reply));
            }
            FromWorker::Running { stage, .. } => {
                if let State::Busy(b) = &mut s.state {
                    b.stage = Some(stage);
                }
            }
            FromWorker::Staged {
                fid,
                accession,
                stages,
                warnings,
                bytes,
                cpu,
            } => {
                let task = match &s.state {
                    State::Busy(b) => Some(b.task.clone()),
                    _ => None,
                };
                s.staged.push((fid, accession, task));
                idle(s, report, bytes, cpu);
                let path = &self.paths[fid as usize];
                if displaced.contains(&fid) {
                    self.progress.file(
                        path,
                        "FAILED: duplicate filing (taken over by an earlier path)",
                        true,
                    );
                } else {
                    report.staged += 1;
                    let mut what = format!(
                        "extracted {}",
                        stages
                            .iter()
                            .map(|(s, n)| format!("{s}={n}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    );
                    if warnings > 0 {
                        what.push_str(&format!(" ({warnings} warning(s))"));
                    }
                    self.progress.file(path, &what, false);
                }
            }
            FromWorker::Skipped {
                fid, bytes, cpu, ..
            } => {
                idle(s, report, bytes, cpu);
                report.skipped += 1;
                self.progress
                    .file(&self.paths[fid as usize], "skipped (up to date)", false);
            }
            FromWorker::Duplicate {
                fid,
                accession,
                owner,
                bytes,
                cpu,
            } => {
                idle(s, report, bytes, cpu);
                self.failed(
                    report,
                    duplicate_copy(&accession, &self.paths[fid as usize], &owner),
                );
            }
            FromWorker::Failed {
                fid,
                mut failure,
                bytes,
                cpu,
            } => {
                idle(s, report, bytes, cpu);
                if displaced.contains(&fid) {
                    return Ok(());
                }
                if failure.accession_number.is_none() {
                    // Unreadable now: land the failure on the filing this path held before.
                    failure.accession_number = self.failure_accession(fid, None);
                }
                self.failed(report, failure);
            }
            FromWorker::Written { fids, cpu } => {
                s.written.extend(fids);
                *report.cpu.entry("staging".into()).or_default() += cpu;
            }
            FromWorker::Sealed { path, fids, cpu } => {
                *report.cpu.entry("staging".into()).or_default() += cpu;
                s.written.clear();
                // Only what the worker reported staged (and is still reported there).
                let staged: HashMap<i64, String> =
                    s.staged.drain(..).map(|(fid, acc, _)| (fid, acc)).collect();
                let filings: Vec<(i64, String, String)> = fids
                    .into_iter()
                    .filter_map(|fid| {
                        let acc = staged.get(&fid)?.clone();
                        Some((fid, acc, self.paths[fid as usize].clone()))
                    })
                    .collect();
                s.sealed += 1;
                s.seal_asked = false;
                let _ = self
                    .merge
                    .send(MergeJob::Segment(SegmentJob { path, filings }));
            }
        }
        Ok(())
    }

    /// Decides a claim (see the module comment) and which stages to run.
    fn claim(
        &self,
        fid: i64,
        record: &FilingRecord,
        fps: &[String],
        displaced: &mut HashSet<i64>,
    ) -> ClaimReply {
        let acc = &record.accession_number;
        let mut owners = self.owners.lock().unwrap_or_else(|p| p.into_inner());
        let mut took_over = false;
        if let Some(&o) = owners.get(acc) {
            if o < fid {
                return ClaimReply::Duplicate {
                    owner: self.paths[o as usize].clone(),
                };
            }
            if o > fid {
                took_over = true;
                displaced.insert(o);
                let f = duplicate_copy(acc, &self.paths[o as usize], &self.paths[fid as usize]);
                let _ = self.merge.send(MergeJob::Failures(vec![f]));
            }
        }
        owners.insert(acc.clone(), fid);
        let stale: Vec<bool> = self
            .plan
            .stages
            .iter()
            .zip(fps)
            .map(|(s, fp)| {
                self.force
                    || took_over
                    || self.prior.failed.contains(acc)
                    || !self.prior.done(acc, &s.name, fp)
            })
            .collect();
        if stale.iter().any(|&b| b) {
            ClaimReply::Run { stale }
        } else {
            ClaimReply::UpToDate
        }
    }
}

fn send(s: &mut Slot, m: &ToWorker) {
    let Some(stdin) = s.stdin.as_mut() else {
        return;
    };
    let mut line = serde_json::to_vec(m).expect("messages serialize");
    line.push(b'\n');
    // A worker that died cannot be written to; its end of the pipe reports that as an Eof.
    if stdin.write_all(&line).and_then(|_| stdin.flush()).is_err() {
        s.stdin = None;
    }
}

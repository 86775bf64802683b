//! What a run shows while it works, on stderr.
//!
//! On a terminal: one live bar — files done of total, rate, time left, failures so far and
//! filings committed (indicatif). Anywhere else (a log file, CI, a test reading the stream):
//! one line per file extracted (`[3/27] path: extracted sections=12 …`) and one per filing
//! committed (`[merge 3/27] path: merged`), which is greppable and never rewrites itself.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Progress {
    bar: Option<ProgressBar>,
    lines: bool,
    total: AtomicUsize,
    done: AtomicUsize,
    failed: AtomicUsize,
    merged: AtomicUsize,
}

impl Progress {
    /// `enabled`: show anything at all (`--quiet` turns it off).
    pub fn new(enabled: bool) -> Progress {
        let bar = (enabled && std::io::stderr().is_terminal()).then(|| {
            let b = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            b.set_style(
                ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} files  {per_sec}  ETA {eta}  {msg}",
                )
                .expect("a valid template"),
            );
            b
        });
        Progress {
            lines: enabled && bar.is_none(),
            bar,
            total: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            merged: AtomicUsize::new(0),
        }
    }

    pub fn set_total(&self, total: usize) {
        self.total.store(total, Ordering::Relaxed);
        if let Some(b) = &self.bar {
            b.set_length(total as u64);
        }
    }

    fn message(&self) {
        if let Some(b) = &self.bar {
            b.set_message(format!(
                "committed {}  failed {}",
                self.merged.load(Ordering::Relaxed),
                self.failed.load(Ordering::Relaxed)
            ));
        }
    }

    /// A file counted done is to be done again (its worker died before writing it).
    pub fn undo(&self) {
        let _ = self
            .done
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
    }

    /// A file is done with (extracted, skipped, failed or not processed).
    pub fn file(&self, path: &str, what: &str, failed: bool) {
        let n = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if failed {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
        if self.lines {
            eprintln!(
                "[{n}/{}] {path}: {what}",
                self.total.load(Ordering::Relaxed)
            );
        }
        if let Some(b) = &self.bar {
            b.inc(1);
            self.message();
        }
    }

    /// A filing was committed; `of` is the number of files sent to the workers.
    pub fn merged(&self, path: &str, of: usize) {
        let k = self.merged.fetch_add(1, Ordering::Relaxed) + 1;
        if self.lines {
            eprintln!("[merge {k}/{of}] {path}: merged");
        }
        self.message();
    }

    /// A failure found by the merge (a filing rolled back).
    pub fn merge_failed(&self, path: &str, error: &str) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        if self.lines {
            eprintln!("[merge] {path}: FAILED, rolled back: {error}");
        }
        self.message();
    }

    /// A line that is not about one file (a worker replaced, a stop).
    pub fn note(&self, line: &str) {
        match &self.bar {
            Some(b) => b.println(line),
            None if self.lines => eprintln!("{line}"),
            None => {}
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

//! What the run and its worker processes say to each other: one JSON object per line, the
//! run writing to a worker's stdin, the worker answering on its stdout (the worker moves its
//! own stdout out of the way first, so a plugin's stray `println!` cannot break the stream).
//!
//! The exchange for one file is strictly request/answer, so a worker never has to read
//! while it extracts:
//!
//! ```text
//! run → worker   Task { fid, path, write_now }
//! worker → run   Claim { record, fingerprints }         after parsing: "this is accession A"
//! run → worker   Claimed(Run { stale } | UpToDate | Duplicate { owner })
//! worker → run   Running { stage } …                    before each plugin call
//! worker → run   Staged | Skipped | Failed              the filing's outcome (Staged: held
//!                                                       in the worker's memory)
//! worker → run   Written { fids }                       held filings now in the segment file
//! worker → run   Sealed { path, fids }                  now and then: a segment for the merge
//! ```

use finloom_config::Pipeline;
use finloom_store::ledger::{FailedFiling, FilingRecord};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Per-activity CPU seconds (`read`, `parse`, one entry per stage, `staging`).
pub type Cpu = Vec<(String, f64)>;

#[derive(Debug, Serialize, Deserialize)]
pub enum ToWorker {
    /// First message: the pipeline as the run resolved it (plugin paths, overrides).
    Hello {
        pipeline: Pipeline,
        /// Folder for this run's segments.
        segment_dir: PathBuf,
        /// File name prefix of this worker's segments (`w0g1`).
        segment_prefix: String,
        /// Seal a segment after this many filings.
        seal_filings: usize,
    },
    Task {
        fid: i64,
        path: String,
        /// Write the filing to the segment as soon as it is staged, not with a later group: it
        /// is being done again because a worker died holding it unwritten, and must not be lost
        /// twice to a later filing's crash.
        write_now: bool,
    },
    Claimed(ClaimReply),
    /// Nothing to hand out for now (the files left are held by other processes sharing the
    /// database): seal the open segment so that the merge commits it, and wait for more.
    Seal,
    /// No more work: seal the open segment and exit.
    Quit,
}

#[derive(Debug, Serialize, Deserialize)]
pub enum ClaimReply {
    /// Run these stages (pipeline order; upstream stages are added in memory as needed).
    Run { stale: Vec<bool> },
    /// Every stage is current in production.
    UpToDate,
    /// Another path owns this accession number.
    Duplicate { owner: String },
}

#[derive(Debug, Serialize, Deserialize)]
pub enum FromWorker {
    /// Plugins loaded; ready for tasks.
    Ready,
    /// The worker cannot work at all (a plugin does not load): the run stops.
    Fatal { error: String },
    Claim {
        fid: i64,
        record: FilingRecord,
        fingerprints: Vec<String>,
    },
    /// About to call the plugin of stage `stage` (index in the pipeline).
    Running { fid: i64, stage: usize },
    Staged {
        fid: i64,
        accession: String,
        /// (stage, rows) of the stages committed.
        stages: Vec<(String, i64)>,
        warnings: usize,
        bytes: u64,
        cpu: Cpu,
    },
    Skipped {
        fid: i64,
        accession: String,
        bytes: u64,
        cpu: Cpu,
    },
    /// A duplicate copy: another path owns the accession.
    Duplicate {
        fid: i64,
        accession: String,
        owner: String,
        bytes: u64,
        cpu: Cpu,
    },
    Failed {
        fid: i64,
        failure: FailedFiling,
        bytes: u64,
        cpu: Cpu,
    },
    /// These staged filings are now written in the open segment (until then they were held in
    /// the worker's memory, lost if it dies); `cpu`: seconds the write took.
    Written { fids: Vec<i64>, cpu: f64 },
    /// A sealed segment holding these filings (all of them reported `Written` before).
    Sealed {
        path: PathBuf,
        fids: Vec<i64>,
        cpu: f64,
    },
}

//! The finloom host: loads the plugins a `pipeline.toml` names and runs the pipeline.
//!
//! * [`loader`] finds plugin libraries on the search path and loads them safely;
//! * [`plan`] checks the stages against each other (inputs, outputs, references) and turns
//!   plugin declarations into validated table specs — the host hard-codes no plugin schema;
//! * [`extract`] runs a filing through the stages and validates every row a plugin returns;
//! * [`worker`] is a worker process: parse, extract, validate, stage — one file at a time;
//! * [`supervisor`] keeps the worker processes busy and contains what they do wrong
//!   (crashes, hangs, memory), and decides which path owns each accession number;
//! * [`protocol`] is what the two say to each other;
//! * [`run`] is `finloom run`: a short orchestrator over those and the merge thread;
//! * [`progress`] is what a run shows on stderr.

pub mod extract;
pub mod interrupt;
pub mod loader;
pub mod plan;
pub mod progress;
pub mod protocol;
pub mod run;
pub mod supervisor;
pub mod worker;

use std::path::PathBuf;

pub use plan::{Plan, StagePlan};
pub use run::{pending, run, take_run_lock, Pending, RunOptions, RunSummary};

#[derive(thiserror::Error, Debug)]
pub enum HostError {
    #[error("plugin {reference}: no file {file} on the plugin search path (searched: {})\n\
             build the plugins with `scripts/finloom` or `cargo build --release --workspace`, set FINLOOM_PLUGIN_PATH, \
             or give the stage a path", fmt_paths(.searched))]
    PluginNotFound {
        reference: String,
        file: String,
        searched: Vec<PathBuf>,
    },
    #[error("cannot load plugin {path}: {reason}")]
    PluginLoad { path: PathBuf, reason: String },
    #[error("plugin {path} was built against {plugin}, but this finloom uses {host}; rebuild the plugin against this finloom's finloom-plugin-api")]
    InterfaceMismatch {
        path: PathBuf,
        plugin: String,
        host: String,
    },
    #[error("pipeline {path}: {message}")]
    Plan { path: PathBuf, message: String },
    #[error("another finloom process is already running on database {database} (lock file {lock}); wait for it to finish")]
    Busy { database: PathBuf, lock: PathBuf },
    #[error("cannot read source folder {path}: {detail}")]
    Source { path: PathBuf, detail: String },
    #[error(transparent)]
    Config(#[from] finloom_config::ConfigError),
    #[error(transparent)]
    Store(#[from] finloom_store::StoreError),
    #[error(transparent)]
    Staging(#[from] finloom_staging::StagingError),
    #[error(transparent)]
    Merge(#[from] finloom_merge::MergeError),
    #[error(transparent)]
    Postgres(#[from] finloom_pg::PgError),
    #[error("database error: {0}")]
    Duck(#[from] duckdb::Error),
    #[error("{0}")]
    Other(String),
}

fn fmt_paths(p: &[PathBuf]) -> String {
    p.iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

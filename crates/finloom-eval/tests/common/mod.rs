//! What the eval tests share: where the workspace and the plugin libraries are, and a real
//! pipeline run (the repo's `pipeline.toml`, real plugin `.so` files loaded at run time) into
//! a fresh DuckDB file.
#![allow(dead_code)]

use finloom_config::Pipeline;
use finloom_host::{run, Plan, RunOptions, RunSummary};
use std::path::{Path, PathBuf};

/// The workspace root, read at run time: `cargo test` sets CARGO_MANIFEST_DIR for the test
/// process, and a shared target directory can hold test binaries built from another checkout.
pub fn repo() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .join("../..")
}

/// The folder holding the plugin libraries of this build: the test binary runs from
/// `$CARGO_TARGET_DIR/<profile>/deps`, the libraries sit in `$CARGO_TARGET_DIR/<profile>`.
pub fn plugin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binary under <target>/<profile>/deps")
        .to_path_buf();
    assert!(
        dir.join("libfinloom_sections_v1.so").is_file(),
        "no plugins in {} (build with cargo build --release --workspace --all-targets)",
        dir.display()
    );
    dir
}

/// Runs the repo's `pipeline.toml`, restricted to the stages named in `stages`, over `source`
/// into `dir/db.duckdb`. Returns the database path and the run summary.
pub fn build_database(dir: &Path, source: &Path, stages: &[&str]) -> (PathBuf, RunSummary) {
    let mut p = Pipeline::load(&repo().join("pipeline.toml")).expect("pipeline.toml loads");
    let db = dir.join("db.duckdb");
    p.database = db.clone();
    p.staging_dir = dir.join("db.duckdb.staging");
    p.backup_dir = dir.join("backups");
    p.source = source.to_path_buf();
    p.plugin_path.insert(0, plugin_dir());
    p.stages.retain(|s| stages.contains(&s.name.as_str()));
    let plan = Plan::build(p)
        .expect("plugins load (build them with cargo build --release --workspace --all-targets)");
    let summary = run(&plan, &RunOptions::default()).expect("pipeline runs");
    (db, summary)
}

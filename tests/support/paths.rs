//! Test helpers shared by the test binaries of every crate in the workspace, included with
//! `#[path = "…/tests/support/paths.rs"] mod paths;` (a file, not a crate: nothing to build,
//! and `env!` below expands in the crate that includes it).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The package directory, read at run time: `cargo test` sets it for the test process. The
/// compile-time value is only a fallback, because a test binary that cargo considers fresh may
/// have been compiled from another checkout sharing the same target directory (CI does that).
pub fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// The files of a folder of saved inputs (`fuzz/regressions/<target>/`), sorted by name (the
/// name says what it reproduces); `README.md` and `.gitkeep` left out.
pub fn saved_inputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name() != ".gitkeep" && e.file_name() != "README.md")
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

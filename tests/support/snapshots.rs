//! insta settings for plugin snapshot tests; include next to `paths.rs` as `mod snapshots;`.

/// Snapshot settings that find `tests/snapshots/` from the run-time package directory. insta
/// otherwise derives the folder from paths compiled into the test binary, which name the
/// checkout that built it — another clone sharing the target directory (CI) would compare
/// against, or write `.snap.new` files into, a folder that is not this one.
pub fn snapshots() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(super::paths::manifest_dir().join("tests/snapshots"));
    s
}

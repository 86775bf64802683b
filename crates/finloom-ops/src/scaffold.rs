//! `finloom new plugin NAME`: a complete plugin crate, outside this workspace, that
//! `cargo build --release` turns into a library `finloom run` loads — one `[[stage]]` entry,
//! no rebuild of finloom.
//!
//! The crate depends on this finloom's `finloom-plugin-api` and `finloom-plugin-kit` by path
//! (the source tree the binary was built from, or `--api DIR`), so that the interface versions
//! match by construction: a plugin built against another major version is refused at load.
//! The templates are in `crates/finloom-ops/templates/plugin/`; the fixture filing the
//! generated test reads is one of finloom's own 8-K fixtures.

use std::path::{Path, PathBuf};

#[derive(thiserror::Error, Debug)]
pub enum ScaffoldError {
    #[error("plugin name {0:?} is not usable: use lower-case letters, digits and `_`, starting with a letter (it becomes the stage, the table prefix and the library name)")]
    Name(String),
    #[error("{0} already exists: choose another name or --dir (nothing was written)")]
    Exists(PathBuf),
    #[error("finloom's source tree is not at {0}: pass --api with the folder that holds crates/finloom-plugin-api")]
    Api(PathBuf),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

const CARGO: &str = include_str!("../templates/plugin/Cargo.toml.tmpl");
const LIB: &str = include_str!("../templates/plugin/lib.rs.tmpl");
const TEST: &str = include_str!("../templates/plugin/fixture_test.rs.tmpl");
const README: &str = include_str!("../templates/plugin/README.md.tmpl");
const FIXTURE: &[u8] =
    include_bytes!("../../../tests/fixtures/filings/8-K/1000685_0001000685-97-000006.txt");

/// The finloom source tree this binary was built from.
pub fn default_source_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What was written.
#[derive(Debug)]
pub struct Scaffold {
    pub dir: PathBuf,
    pub files: Vec<PathBuf>,
    /// The library `cargo build --release` will produce.
    pub library: PathBuf,
}

/// Writes the plugin crate `NAME` into `parent/NAME`. `source_root`: the finloom source tree
/// (holding `crates/finloom-plugin-api`).
pub fn new_plugin(
    name: &str,
    parent: &Path,
    source_root: &Path,
) -> Result<Scaffold, ScaffoldError> {
    let ok = name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !ok {
        return Err(ScaffoldError::Name(name.to_string()));
    }
    let root = std::path::absolute(source_root).unwrap_or_else(|_| source_root.to_path_buf());
    let api = root.join("crates/finloom-plugin-api");
    if !api.join("Cargo.toml").is_file() {
        return Err(ScaffoldError::Api(root));
    }
    let root = root.canonicalize().unwrap_or(root);
    let parent = std::path::absolute(parent).unwrap_or_else(|_| parent.to_path_buf());
    let dir = parent.join(name);
    if dir.exists() {
        return Err(ScaffoldError::Exists(dir));
    }
    let type_name: String = name
        .split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<String>()
        + "Plugin";
    let library = dir.join(format!(
        "target/release/{}finloom_{name}_v1{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    let fill = |t: &str| {
        t.replace("{{name}}", name)
            .replace("{{type_name}}", &type_name)
            .replace(
                "{{api_path}}",
                &root.join("crates/finloom-plugin-api").to_string_lossy(),
            )
            .replace(
                "{{kit_path}}",
                &root.join("crates/finloom-plugin-kit").to_string_lossy(),
            )
            .replace("{{so_path}}", &library.to_string_lossy())
    };
    let files: Vec<(PathBuf, Vec<u8>)> = vec![
        (dir.join("Cargo.toml"), fill(CARGO).into_bytes()),
        (dir.join("src/lib.rs"), fill(LIB).into_bytes()),
        (dir.join("tests/fixture.rs"), fill(TEST).into_bytes()),
        (dir.join("tests/fixtures/sample-8k.txt"), FIXTURE.to_vec()),
        (dir.join("README.md"), fill(README).into_bytes()),
        (dir.join(".gitignore"), b"/target\n".to_vec()),
    ];
    for (path, bytes) in &files {
        let w = |source| ScaffoldError::Write {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(path.parent().expect("a file in a folder")).map_err(w)?;
        std::fs::write(path, bytes).map_err(w)?;
    }
    Ok(Scaffold {
        dir,
        files: files.into_iter().map(|(p, _)| p).collect(),
        library,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_crate_and_refuses_bad_names_and_existing_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let s = new_plugin("word_gauge", tmp.path(), &default_source_root()).unwrap();
        let lib = std::fs::read_to_string(s.dir.join("src/lib.rs")).unwrap();
        assert!(lib.contains("pub struct WordGaugePlugin;"));
        assert!(lib.contains("\"word_gauge_rows\""));
        assert!(!lib.contains("{{"), "every placeholder is filled");
        let cargo = std::fs::read_to_string(s.dir.join("Cargo.toml")).unwrap();
        assert!(cargo.contains("name = \"finloom_word_gauge_v1\""));
        assert!(!cargo.contains("{{"));
        assert!(s
            .library
            .ends_with("target/release/libfinloom_word_gauge_v1.so"));
        assert!(matches!(
            new_plugin("word_gauge", tmp.path(), &default_source_root()),
            Err(ScaffoldError::Exists(_))
        ));
        for bad in ["", "Word", "1x", "a-b", "a b"] {
            assert!(matches!(
                new_plugin(bad, tmp.path(), &default_source_root()),
                Err(ScaffoldError::Name(_))
            ));
        }
        assert!(matches!(
            new_plugin("x", tmp.path(), tmp.path()),
            Err(ScaffoldError::Api(_))
        ));
    }
}

//! Finding and loading plugin libraries.
//!
//! Loading uses `abi_stable::library::lib_header_from_path(..)?.init_root_module()` rather
//! than `RootModule::load_from_file`: the latter caches *one* module per interface type per
//! process, so a second plugin (a second stage) would silently get the first one's functions.
//! Libraries are never unloaded; that is why a plugin's major version is part of its file name
//! (`libfinloom_chunker_v2.so`), so two versions can be loaded side by side.
//!
//! Every way a load can fail becomes a [`HostError`] naming the path, and, for an interface
//! mismatch, both versions.

use crate::HostError;
use abi_stable::library::{lib_header_from_path, LibraryError};
use finloom_config::{is_identifier, plugin_file_name, Pipeline, PluginRef};
use finloom_plugin_api::{Manifest, PluginModRef, INTERFACE_VERSION};
use std::path::{Path, PathBuf};

/// A loaded plugin.
#[derive(Clone)]
pub struct LoadedPlugin {
    pub path: PathBuf,
    pub manifest: Manifest,
    pub module: PluginModRef,
}

impl std::fmt::Debug for LoadedPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedPlugin")
            .field("path", &self.path)
            .field("name", &self.manifest.name)
            .field("version", &self.manifest.version)
            .finish()
    }
}

/// The plugin search path, in order: the folder of the running executable (so that
/// `cargo build --release` makes the default pipeline work wherever the target dir is),
/// then `FINLOOM_PLUGIN_PATH` (colon-separated), then the pipeline's `plugin_path`.
pub fn search_path(pipeline: &Pipeline) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        if let Some(dir) = exe.parent() {
            out.push(dir.to_path_buf());
        }
    }
    if let Some(v) = std::env::var_os("FINLOOM_PLUGIN_PATH") {
        out.extend(std::env::split_paths(&v).filter(|p| !p.as_os_str().is_empty()));
    }
    out.extend(pipeline.plugin_path.iter().cloned());
    out
}

/// Where a stage's plugin library is.
pub fn resolve(r: &PluginRef, search: &[PathBuf]) -> Result<PathBuf, HostError> {
    match r {
        PluginRef::Path(p) => Ok(p.clone()),
        PluginRef::Named { name, major } => {
            let file = plugin_file_name(name, *major);
            for dir in search {
                let candidate = dir.join(&file);
                if candidate.is_file() {
                    return Ok(candidate);
                }
            }
            Err(HostError::PluginNotFound {
                reference: r.to_string(),
                file,
                searched: search.to_vec(),
            })
        }
    }
}

/// Loads and checks one plugin library.
pub fn load(path: &Path) -> Result<LoadedPlugin, HostError> {
    if !path.is_file() {
        return Err(HostError::PluginLoad {
            path: path.to_path_buf(),
            reason: "file not found".into(),
        });
    }
    let header = lib_header_from_path(path).map_err(|e| HostError::PluginLoad {
        path: path.to_path_buf(),
        reason: match e {
            LibraryError::OpenError { .. } => format!("not a loadable shared library ({e})"),
            LibraryError::GetSymbolError { .. } => {
                "not a finloom plugin: the library exports no abi_stable root module".into()
            }
            LibraryError::InvalidAbiHeader(_) => {
                format!("built with an incompatible abi_stable version: {e}")
            }
            other => other.to_string(),
        },
    })?;
    let module = header
        .init_root_module::<PluginModRef>()
        .map_err(|e| match e {
            LibraryError::IncompatibleVersionNumber {
                expected_version,
                actual_version,
                ..
            } => HostError::InterfaceMismatch {
                path: path.to_path_buf(),
                plugin: format!("finloom-plugin-api {actual_version}"),
                host: format!("finloom-plugin-api {expected_version}"),
            },
            LibraryError::GetSymbolError { .. } => HostError::PluginLoad {
                path: path.to_path_buf(),
                reason: "not a finloom plugin".into(),
            },
            other => HostError::PluginLoad {
                path: path.to_path_buf(),
                reason: format!(
                    "its interface types do not match this finloom's (rebuild it against \
                     finloom-plugin-api {}): {other}",
                    env!("CARGO_PKG_VERSION")
                ),
            },
        })?;
    let manifest = (module.manifest())();
    if manifest.interface_version != INTERFACE_VERSION {
        return Err(HostError::InterfaceMismatch {
            path: path.to_path_buf(),
            plugin: format!("interface version {}", manifest.interface_version),
            host: format!("interface version {INTERFACE_VERSION}"),
        });
    }
    let bad = |reason: String| HostError::PluginLoad {
        path: path.to_path_buf(),
        reason,
    };
    if !is_identifier(&manifest.name) {
        return Err(bad(format!(
            "its manifest name {:?} is not a plain identifier",
            manifest.name.as_str()
        )));
    }
    let v = manifest.version.as_str();
    let parts: Vec<&str> = v.split('.').collect();
    if parts.len() != 3 || parts.iter().any(|p| p.parse::<u64>().is_err()) {
        return Err(bad(format!(
            "its manifest version {v:?} is not MAJOR.MINOR.PATCH"
        )));
    }
    if !is_identifier(&manifest.stage) {
        return Err(bad(format!(
            "its manifest stage {:?} is not a plain identifier",
            manifest.stage.as_str()
        )));
    }
    Ok(LoadedPlugin {
        path: path.to_path_buf(),
        manifest,
        module,
    })
}

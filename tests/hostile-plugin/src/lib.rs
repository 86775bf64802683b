//! `hostile`: a plugin that misbehaves in the ways no `catch_unwind` can contain — it kills,
//! wedges or starves the process it runs in. Its config table says how, and for which filing
//! (`target` = accession number, or "*" for all):
//!
//! - `mode = "abort"`: `std::process::abort()` (the process dies of SIGABRT);
//! - `mode = "segv"`: a write through a null pointer (SIGSEGV);
//! - `mode = "hang"`: never returns (sleeps in a loop, so it burns no CPU either);
//! - `mode = "alloc"`: allocates without bound, 64 MiB at a time, every byte written so the
//!   pages are really resident (RSS grows, not just the address space);
//! - `mode = "slow"`: sleeps `ms` milliseconds, then behaves (a slow plugin, for tests that
//!   need extraction to take a while);
//! - `mode = ""` (or anything else): behaves.
//!
//! Other filings get one well-formed row in `hostile_rows`. Exists to prove that the host
//! fails only the targeted filing and carries on with the rest.

use finloom_plugin_api::{
    col, export_plugin, ColumnType as T, Document, FilingMeta, Manifest, Plugin, TableDecl,
    TableRows, Value,
};

pub struct Hostile;

#[derive(serde::Deserialize, Default)]
struct Config {
    #[serde(default)]
    mode: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    ms: u64,
}

impl Plugin for Hostile {
    fn manifest() -> Manifest {
        Manifest {
            name: "hostile".into(),
            version: "1.0.0".into(),
            interface_version: finloom_plugin_api::INTERFACE_VERSION,
            stage: "probe".into(),
            inputs: Default::default(),
            outputs: vec![TableDecl {
                name: "hostile_rows".into(),
                columns: vec![
                    col("id", T::Text, false),
                    col("accession_number", T::Text, false),
                    col("n_blocks", T::BigInt, false),
                ]
                .into(),
                key: vec!["id".into()].into(),
            }]
            .into(),
        }
    }

    fn check_config(config: &str) -> Result<(), String> {
        serde_json::from_str::<Config>(config)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn extract(
        filing: &FilingMeta,
        doc: &Document,
        _inputs: &[TableRows],
        config: &str,
    ) -> Result<Vec<TableRows>, String> {
        let cfg: Config = serde_json::from_str(config).map_err(|e| e.to_string())?;
        let acc = filing.accession_number.as_str();
        if cfg.target == "*" || cfg.target == acc {
            match cfg.mode.as_str() {
                "abort" => std::process::abort(),
                "slow" => std::thread::sleep(std::time::Duration::from_millis(cfg.ms)),
                "hang" => loop {
                    std::thread::sleep(std::time::Duration::from_secs(1));
                },
                "alloc" => {
                    let mut hoard: Vec<Vec<u8>> = Vec::new();
                    loop {
                        // `vec![1; n]` writes every byte (a zeroed allocation could stay
                        // untouched, lazily mapped pages); `black_box` keeps the optimiser
                        // from proving the memory unused and deleting the allocation.
                        hoard.push(std::hint::black_box(vec![1u8; 64 << 20]));
                        std::hint::black_box(&hoard);
                    }
                }
                "segv" => {
                    // `black_box` hides that the pointer is null, so the compiler cannot
                    // turn the store into a trap instruction (SIGILL) or drop it.
                    let p: *mut u8 = std::hint::black_box(std::ptr::null_mut());
                    // SAFETY: none — crashing is the point.
                    unsafe { std::ptr::write_volatile(p, 1) };
                    unreachable!("wrote through a null pointer and lived");
                }
                _ => {}
            }
        }
        let mut t = TableRows::new("hostile_rows", &["id", "accession_number", "n_blocks"]);
        t.push(vec![
            Value::from(format!("{acc}/hostile")),
            Value::from(acc),
            Value::Int(doc.blocks.len() as i64),
        ]);
        Ok(vec![t])
    }
}

export_plugin!(Hostile);

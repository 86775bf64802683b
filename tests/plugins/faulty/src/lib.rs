//! A deliberately misbehaving plugin for the integration tests. Its config table says what
//! to do wrong, and for which filing (`target` = accession number, or "*" for all):
//! `mode = "panic" | "error" | "undeclared_column" | "wrong_type" | "foreign_accession" |
//! "duplicate_key" | "sleep"`. Other filings get one well-formed row in `probe_rows`.

use finloom_plugin_api::{
    col, export_plugin, ColumnType as T, Document, FilingMeta, Manifest, Plugin, TableDecl,
    TableRows, Value,
};

pub struct Faulty;

#[derive(serde::Deserialize, Default)]
struct Config {
    #[serde(default)]
    mode: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    sleep_secs: u64,
}

impl Plugin for Faulty {
    fn manifest() -> Manifest {
        Manifest {
            name: "faulty".into(),
            version: "1.0.0".into(),
            interface_version: finloom_plugin_api::INTERFACE_VERSION,
            stage: "probe".into(),
            inputs: Default::default(),
            outputs: vec![TableDecl {
                name: "probe_rows".into(),
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
        let hit = cfg.target == "*" || cfg.target == acc;
        let mut t = TableRows::new("probe_rows", &["id", "accession_number", "n_blocks"]);
        let good = vec![
            Value::from(format!("{acc}/probe")),
            Value::from(acc),
            Value::Int(doc.blocks.len() as i64),
        ];
        if hit {
            match cfg.mode.as_str() {
                "panic" => panic!("deliberate test panic for {acc}"),
                "error" => return Err(format!("deliberate test error for {acc}")),
                "undeclared_column" => {
                    t.columns.push("surprise".into());
                    let mut row = good;
                    row.push(Value::Int(1));
                    t.push(row);
                }
                "wrong_type" => t.push(vec![
                    Value::from(format!("{acc}/probe")),
                    Value::from(acc),
                    Value::from("many"),
                ]),
                "foreign_accession" => t.push(vec![
                    Value::from("x/probe"),
                    Value::from("0000000000-00-000000"),
                    Value::Int(1),
                ]),
                "duplicate_key" => {
                    t.push(good.clone());
                    t.push(good);
                }
                "sleep" => {
                    std::thread::sleep(std::time::Duration::from_secs(cfg.sleep_secs));
                    t.push(good);
                }
                _ => t.push(good),
            }
        } else {
            t.push(good);
        }
        Ok(vec![t])
    }
}

export_plugin!(Faulty);

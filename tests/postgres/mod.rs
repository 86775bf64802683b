//! PostgreSQL as the production store, against a real server (`tests/support/pg_server.rs`
//! starts one per test from Debian's `postgresql` package and stops it afterwards).
//!
//! Every comparison is filing by filing against a plain DuckDB run of the same files and
//! pipeline: the same rows in every plugin table, the same `filings` and stage ledger rows
//! (less the clock and run-id columns).

use super::*;
use pg_server::PgServer;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Tables compared, and the columns left out of the comparison (when rows were written, by
/// which run).
const COMPARED: &[(&str, &[&str])] = &[
    ("filings", &["updated_at", "last_run_id"]),
    ("finloom_filing_stages", &["updated_at", "run_id"]),
    ("sections", &[]),
    ("tables", &[]),
    ("table_cells", &[]),
    ("footnotes", &[]),
    ("chunks", &[]),
];

fn cell_duck(v: duckdb::types::Value) -> String {
    use duckdb::types::Value as V;
    match v {
        V::Null => "NULL".into(),
        V::Boolean(b) => b.to_string(),
        V::BigInt(i) => i.to_string(),
        V::Int(i) => i.to_string(),
        V::Double(f) => format!("{f:?}"),
        V::Text(s) => s,
        other => panic!("unexpected DuckDB value {other:?}"),
    }
}

/// A table's rows from DuckDB as sorted lines (dates as text, doubles exactly).
fn duck_rows(db: &Path, table: &str, skip: &[&str]) -> Vec<String> {
    let conn = Connection::open(db).unwrap();
    let cols: Vec<(String, String)> = {
        let mut st = conn
            .prepare(
                "SELECT column_name, data_type FROM information_schema.columns \
                 WHERE table_name = ? ORDER BY ordinal_position",
            )
            .unwrap();
        let r = st
            .query_map([table], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .unwrap();
        r.map(|c| c.unwrap())
            .filter(|(c, _)| !skip.contains(&c.as_str()))
            .collect()
    };
    assert!(!cols.is_empty(), "DuckDB table {table} missing");
    let list = cols
        .iter()
        .map(|(c, t)| match t.as_str() {
            "DATE" | "TIMESTAMP" => format!("CAST(\"{c}\" AS VARCHAR)"),
            _ => format!("\"{c}\""),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut st = conn
        .prepare(&format!("SELECT {list} FROM \"{table}\""))
        .unwrap();
    let mut rows = st.query([]).unwrap();
    let mut out = Vec::new();
    while let Some(r) = rows.next().unwrap() {
        let line: Vec<String> = (0..cols.len())
            .map(|i| cell_duck(r.get(i).unwrap()))
            .collect();
        out.push(line.join("\t"));
    }
    out.sort();
    out
}

/// The same from PostgreSQL.
fn pg_rows(c: &mut postgres::Client, table: &str, skip: &[&str]) -> Vec<String> {
    let cols: Vec<(String, String)> = c
        .query(
            "SELECT column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_name = $1 AND table_schema = current_schema() ORDER BY ordinal_position",
            &[&table],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .filter(|(c, _): &(String, String)| !skip.contains(&c.as_str()))
        .collect();
    assert!(!cols.is_empty(), "PostgreSQL table {table} missing");
    let list = cols
        .iter()
        .map(|(c, t)| match t.as_str() {
            "date" => format!("\"{c}\"::text"),
            _ => format!("\"{c}\""),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut out: Vec<String> = c
        .query(&format!("SELECT {list} FROM \"{table}\""), &[])
        .unwrap()
        .iter()
        .map(|r| {
            cols.iter()
                .enumerate()
                .map(|(i, (_, t))| match t.as_str() {
                    "bigint" => r.get::<_, Option<i64>>(i).map(|v| v.to_string()),
                    "double precision" => r.get::<_, Option<f64>>(i).map(|v| format!("{v:?}")),
                    "boolean" => r.get::<_, Option<bool>>(i).map(|v| v.to_string()),
                    _ => r.get::<_, Option<String>>(i),
                })
                .map(|v| v.unwrap_or_else(|| "NULL".into()))
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect();
    out.sort();
    out
}

/// Every compared table of the PostgreSQL database equals the DuckDB file's, row for row.
fn assert_same_as_duckdb(server: &PgServer, duck: &Path) {
    let mut c = server.client();
    for (t, skip) in COMPARED {
        let d = duck_rows(duck, t, skip);
        let p = pg_rows(&mut c, t, skip);
        assert!(!d.is_empty(), "{t}: the DuckDB reference is empty");
        if d != p {
            let only_d: Vec<&String> = d.iter().filter(|r| !p.contains(r)).take(3).collect();
            let only_p: Vec<&String> = p.iter().filter(|r| !d.contains(r)).take(3).collect();
            panic!(
                "{t}: {} rows in DuckDB, {} in PostgreSQL\nonly in DuckDB: {only_d:#?}\nonly in PostgreSQL: {only_p:#?}",
                d.len(),
                p.len()
            );
        }
    }
}

/// Process ids whose parent is `pid` (Linux: /proc/<pid>/stat).
fn children_of(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().filter_map(|e| e.ok()) {
        let Ok(child) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid …": the command name may hold spaces, so read after ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(pid) {
            out.push(child);
        }
    }
    out
}

/// `finloom run PIPELINE --quiet --json --database URL EXTRA…`, started in the background
/// with its output captured.
fn spawn_run(pipeline: &Path, url: &str, extra: &[&str]) -> std::process::Child {
    Command::new(BIN)
        .args(["run", pipeline.to_str().unwrap(), "--quiet", "--json"])
        .args(["--database", url])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn json_of(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

#[test]
fn a_run_into_postgres_equals_a_duckdb_run_and_a_rerun_skips_everything() {
    let server = PgServer::start();
    let env = Env::new(SAMPLE);
    let p = env.default_pipeline();
    run_ok(&p, &[]);
    let o = run_ok(&p, &["--database", &server.url, "--json"]);
    let r = json_of(&o);
    assert_eq!(r["processed"], 5, "{}", text(&o));
    assert_same_as_duckdb(&server, &env.db());

    // Nothing changed: every file is skipped, nothing is rewritten.
    let o = run_ok(&p, &["--database", &server.url, "--json"]);
    let r = json_of(&o);
    assert_eq!(r["processed"], 0, "{}", text(&o));
    assert_eq!(r["skipped"], 5, "{}", text(&o));
    assert_same_as_duckdb(&server, &env.db());

    // `--force` replaces every filing's rows: still no duplicates, still equal.
    let o = run_ok(&p, &["--database", &server.url, "--json", "--force"]);
    assert_eq!(json_of(&o)["processed"], 5, "{}", text(&o));
    assert_same_as_duckdb(&server, &env.db());

    // The checks, and the seed plan's data_health view with its own pg_size_pretty.
    let o = finloom(&["check", p.to_str().unwrap(), "--database", &server.url]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("duplicate"), "{}", text(&o));
    let mut c = server.client();
    let row = c
        .query_one(
            "SELECT total_filings, filings_with_sections, db_size FROM data_health",
            &[],
        )
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 5);
    assert_eq!(row.get::<_, i64>(1), 5);
    let size: String = row.get(2);
    assert!(size.ends_with("kB") || size.ends_with("MB"), "{size}");
    let view: String = c
        .query_one("SELECT pg_get_viewdef('data_health'::regclass)", &[])
        .unwrap()
        .get(0);
    assert!(
        view.contains("pg_size_pretty(pg_database_size('finloom'"),
        "{view}"
    );

    // A duplicate planted by hand is a violation `check` reports (exit 1).
    c.batch_execute(
        "INSERT INTO sections SELECT * FROM sections WHERE accession_number = '0000320193-24-000123' LIMIT 1",
    )
    .unwrap();
    let o = finloom(&["check", p.to_str().unwrap(), "--database", &server.url]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));

    let o = finloom(&["status", p.to_str().unwrap(), "--database", &server.url]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("run-000003") && out.contains("claims held: 0"),
        "{out}"
    );

    // dedupe repairs it in place (one transaction), and check is clean again.
    let o = finloom(&[
        "dedupe",
        p.to_str().unwrap(),
        "--database",
        &server.url,
        "--no-backup",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let removed: i64 = json_of(&o)["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t[2].as_i64().unwrap())
        .sum();
    assert_eq!(removed, 1, "{}", text(&o));
    let o = finloom(&["check", p.to_str().unwrap(), "--database", &server.url]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_same_as_duckdb(&server, &env.db());

    // export chunks: the same records, byte for byte, as from the DuckDB database.
    let (from_duck, from_pg) = (env.path("duck.jsonl"), env.path("pg.jsonl"));
    for (db, out) in [
        (env.db().to_str().unwrap().to_string(), &from_duck),
        (server.url.clone(), &from_pg),
    ] {
        let o = finloom(&[
            "export",
            "chunks",
            p.to_str().unwrap(),
            "--database",
            &db,
            "--format",
            "jsonl",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    }
    let a = std::fs::read(&from_duck).unwrap();
    assert!(a.len() > 1000);
    assert_eq!(a, std::fs::read(&from_pg).unwrap(), "exports differ");

    // backup: a DuckDB file holding the same rows, verified filing by filing.
    let bk = env.path("backups");
    let o = finloom(&[
        "backup",
        p.to_str().unwrap(),
        "--database",
        &server.url,
        "--to",
        bk.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let files: Vec<PathBuf> = std::fs::read_dir(&bk)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let backup = files[0].clone();
    assert!(backup.to_string_lossy().ends_with(".duckdb"));
    for (t, skip) in COMPARED {
        assert_eq!(
            duck_rows(&backup, t, skip),
            duck_rows(&env.db(), t, skip),
            "{t}"
        );
    }

    // restore: damage the database, put the backup back; what was there is backed up first.
    c.batch_execute("DELETE FROM chunks; DELETE FROM filings WHERE form_type = '8-K'")
        .unwrap();
    let o = finloom(&[
        "restore",
        backup.to_str().unwrap(),
        p.to_str().unwrap(),
        "--database",
        &server.url,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("backed up to"), "{}", text(&o));
    assert_same_as_duckdb(&server, &env.db());
    let o = run_ok(&p, &["--database", &server.url, "--json"]);
    assert_eq!(json_of(&o)["skipped"], 5, "{}", text(&o));

    // compact needs a DuckDB file, and says so instead of failing on a missing file.
    let o = finloom(&["compact", p.to_str().unwrap(), "--database", &server.url]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("VACUUM FULL"), "{}", text(&o));
}

#[test]
fn three_processes_on_one_postgres_database_commit_every_filing_exactly_once() {
    let server = PgServer::start();
    let files: Vec<String> = {
        let root = repo().join("tests/fixtures/filings");
        let mut v = Vec::new();
        for form in ["10-K", "10-Q", "8-K"] {
            for e in std::fs::read_dir(root.join(form)).unwrap() {
                let name = e.unwrap().file_name().to_string_lossy().into_owned();
                v.push(format!("{form}/{name}"));
            }
        }
        v.sort();
        v
    };
    let refs: Vec<&str> = files.iter().map(|s| s.as_str()).collect();
    let env = Env::new(&refs);
    let p = env.pipeline_one_worker("pipeline.toml", "", &default_stages(512));
    run_ok(&p, &[]);
    let children: Vec<std::process::Child> =
        (0..3).map(|_| spawn_run(&p, &server.url, &[])).collect();
    let mut processed = 0;
    for child in children {
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        let r = json_of(&o);
        assert_eq!(r["failed"].as_array().unwrap().len(), 0, "{}", text(&o));
        let n = r["processed"].as_u64().unwrap();
        processed += n;
    }
    // Each filing committed by exactly one process: the processed counts add up to the corpus.
    assert_eq!(processed as usize, files.len());
    assert_same_as_duckdb(&server, &env.db());
    let mut c = server.client();
    let row = c
        .query_one(
            "SELECT count(*) FILTER (WHERE done_status = 'ok'), count(*) FILTER (WHERE owner IS NOT NULL) \
             FROM finloom_claims",
            &[],
        )
        .unwrap();
    assert_eq!(row.get::<_, i64>(0) as usize, files.len());
    assert_eq!(
        row.get::<_, i64>(1),
        0,
        "claims left held after every run ended"
    );
}

#[test]
fn a_killed_process_work_is_taken_over_when_its_lease_expires() {
    let server = PgServer::start();
    let env = Env::new(SAMPLE);
    let reference = env.pipeline_one_worker("pipeline.toml", "", &default_stages(512));
    run_ok(&reference, &[]);
    // Process A hangs in a plugin on the first file in sorted order, holding its claim.
    let target_key = "10-K/AAPL_0000320193-24-000123.html";
    let hang = env.pipeline_one_worker(
        "hang.toml",
        "filing_timeout_secs = 600",
        &faulty_stage("sleep", "0000320193-24-000123")
            .replace("sleep_secs = 30", "sleep_secs = 600"),
    );
    let mut a = {
        Command::new(BIN)
            .args(["run", hang.to_str().unwrap(), "--quiet"])
            .args(["--database", &server.url])
            .env("FINLOOM_LEASE_SECS", "3")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut c = server.client();
    let held = |c: &mut postgres::Client| -> Option<String> {
        c.query_opt(
            "SELECT owner FROM finloom_claims WHERE source_key = $1 AND owner IS NOT NULL AND lease_until > now()",
            &[&target_key],
        )
        .ok()
        .flatten()
        .map(|r| r.get(0))
    };
    let t0 = Instant::now();
    let owner_a = loop {
        if let Some(o) = held(&mut c) {
            break o;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "process A never claimed {target_key}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(owner_a.contains(&format!(":{}:", a.id())), "{owner_a}");
    // SIGKILL the process and its workers, mid-filing (the worker would otherwise sleep on
    // in the plugin after its supervisor is gone).
    let workers = children_of(a.id());
    a.kill().unwrap();
    let _ = a.wait();
    for w in workers {
        let _ = Command::new("kill")
            .args(["-KILL", &w.to_string()])
            .status();
    }
    // Its claim outlives it until the lease runs out.
    assert_eq!(held(&mut c).as_deref(), Some(owner_a.as_str()));

    // Process B, started at once, waits for the lease and then does A's file too.
    let o = finloom_env(
        &[
            "run",
            reference.to_str().unwrap(),
            "--quiet",
            "--json",
            "--database",
            &server.url,
        ],
        &[("FINLOOM_LEASE_SECS", "3")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let r = json_of(&o);
    assert_eq!(r["processed"], 5, "{}", text(&o));
    let run_b = r["run_id"].as_str().unwrap().to_string();
    let row = c
        .query_one(
            "SELECT done_status, done_run_id, owner FROM finloom_claims WHERE source_key = $1",
            &[&target_key],
        )
        .unwrap();
    assert_eq!(row.get::<_, Option<String>>(0).as_deref(), Some("ok"));
    assert_eq!(row.get::<_, Option<String>>(1), Some(run_b));
    assert_eq!(row.get::<_, Option<String>>(2), None);
    assert_same_as_duckdb(&server, &env.db());
}

#[test]
fn copy_moves_a_database_between_duckdb_and_postgres_verified_filing_by_filing() {
    let server = PgServer::start();
    let env = Env::new(SAMPLE);
    let p = env.default_pipeline();
    run_ok(&p, &[]);
    let duck = env.db();
    let copy = |from: &str, to: &str| finloom(&["copy", "--from", from, "--to", to]);

    // DuckDB → PostgreSQL: every table equal to the source.
    let o = copy(duck.to_str().unwrap(), &server.url);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("verified 5 filings"), "{}", text(&o));
    assert_same_as_duckdb(&server, &duck);
    // The run ledger came along too.
    let mut c = server.client();
    let runs: i64 = c
        .query_one("SELECT count(*) FROM finloom_runs", &[])
        .unwrap()
        .get(0);
    assert_eq!(runs, 1);

    // A copy into a database that holds rows is refused, and changes nothing.
    let o = copy(duck.to_str().unwrap(), &server.url);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("new or empty database"), "{}", text(&o));
    assert_same_as_duckdb(&server, &duck);

    // The PostgreSQL database is a working finloom database: a run over it skips everything.
    let o = run_ok(&p, &["--database", &server.url, "--json"]);
    assert_eq!(json_of(&o)["skipped"], 5, "{}", text(&o));

    // PostgreSQL → a new DuckDB file: the same rows as the original file.
    let back = env.path("back/finloom.duckdb");
    let o = copy(&server.url, back.to_str().unwrap());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    for (t, skip) in COMPARED {
        assert_eq!(duck_rows(&duck, t, skip), duck_rows(&back, t, skip), "{t}");
    }

    // PostgreSQL → PostgreSQL (another database on the server) works the same way.
    let other = server.create_db("finloom_copy");
    let o = copy(&server.url, &other);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let mut c2 = postgres::Client::connect(&other, postgres::NoTls).unwrap();
    for (t, skip) in COMPARED {
        assert_eq!(pg_rows(&mut c, t, skip), pg_rows(&mut c2, t, skip), "{t}");
    }
}

#[test]
fn static_shards_split_a_corpus_between_processes_without_overlap() {
    let server = PgServer::start();
    let env = Env::new(SAMPLE);
    let p = env.pipeline_one_worker("pipeline.toml", "", &default_stages(512));
    run_ok(&p, &[]);
    let shard = |k: &str| spawn_run(&p, &server.url, &["--shard", k]);
    let (a, b) = (shard("1/2"), shard("2/2"));
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert_eq!(a.status.code(), Some(0), "{}", text(&a));
    assert_eq!(b.status.code(), Some(0), "{}", text(&b));
    let (ra, rb) = (json_of(&a), json_of(&b));
    // Each saw only its own shard, and together they did the corpus once.
    assert_eq!(
        ra["files_seen"].as_u64().unwrap() + rb["files_seen"].as_u64().unwrap(),
        5,
        "{}\n{}",
        text(&a),
        text(&b)
    );
    assert_eq!(
        ra["processed"].as_u64().unwrap() + rb["processed"].as_u64().unwrap(),
        5
    );
    assert_same_as_duckdb(&server, &env.db());
    // A bad shard is refused before anything runs.
    let o = finloom(&[
        "run",
        p.to_str().unwrap(),
        "--shard",
        "3/2",
        "--database",
        &server.url,
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("1 <= K <= N"), "{}", text(&o));
}

#[test]
fn a_failing_filing_on_postgres_is_recorded_and_not_redone_by_other_processes() {
    let server = PgServer::start();
    let env = Env::new(SAMPLE);
    let victim = "0000950135-08-006327";
    let p = env.pipeline("p.toml", "", &faulty_stage("panic", victim));
    let o = finloom(&[
        "run",
        p.to_str().unwrap(),
        "--quiet",
        "--database",
        &server.url,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let mut c = server.client();
    let probed: i64 = c
        .query_one(
            "SELECT count(DISTINCT accession_number) FROM probe_rows",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(probed, 4, "the other filings are merged");
    let row = c
        .query_one(
            "SELECT status, error, (SELECT count(*) FROM sections s WHERE s.accession_number = f.accession_number) \
             FROM filings f WHERE accession_number = $1",
            &[&victim],
        )
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "failed");
    assert!(row.get::<_, String>(1).contains("panicked"));
    assert_eq!(row.get::<_, i64>(2), 0, "a failed filing merges nothing");
    let claim = c
        .query_one(
            "SELECT done_status, owner FROM finloom_claims WHERE source_key LIKE '8-K/%'",
            &[],
        )
        .unwrap();
    assert_eq!(claim.get::<_, Option<String>>(0).as_deref(), Some("failed"));
    assert_eq!(claim.get::<_, Option<String>>(1), None);
    // Another run (another process) neither retries it nor redoes the rest.
    let o = finloom(&[
        "run",
        p.to_str().unwrap(),
        "--quiet",
        "--json",
        "--database",
        &server.url,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let r = json_of(&o);
    assert_eq!(r["processed"], 0, "{}", text(&o));
    assert_eq!(r["skipped"], 4, "{}", text(&o));
    assert_eq!(
        r["not_retried"].as_array().map(|a| a.len()),
        Some(1),
        "{}",
        text(&o)
    );
    let failures: i64 = c
        .query_one("SELECT count(*) FROM finloom_failures", &[])
        .unwrap()
        .get(0);
    assert_eq!(failures, 1);
}

#[test]
fn the_same_filing_at_three_paths_across_processes_has_one_owner() {
    let server = PgServer::start();
    let env = Env::new(&SAMPLE[3..5]);
    let original = env.path("filings/8-K/1002517_0000950135-08-006327.htm");
    // `000_` sorts before the original (`1002517_…`), `zz_` after it: `000_` owns it.
    for copy in ["zz_copy", "000_copy"] {
        std::fs::copy(
            &original,
            env.path(&format!("filings/8-K/{copy}_0000950135-08-006327.htm")),
        )
        .unwrap();
    }
    let p = env.pipeline_one_worker("pipeline.toml", "", &default_stages(512));
    let o = finloom(&["run", p.to_str().unwrap(), "--quiet"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    // Two processes, each with half of the listing: the copies may land in different ones.
    let shard = |k: &str| spawn_run(&p, &server.url, &["--shard", k]);
    let (a, b) = (shard("1/2"), shard("2/2"));
    for o in [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()] {
        let r = json_of(&o);
        for f in r["failed"].as_array().unwrap() {
            assert!(
                f["error"].as_str().unwrap().contains("duplicate filing"),
                "{}",
                text(&o)
            );
        }
    }
    let mut c = server.client();
    let owner: Vec<(String, String)> = c
        .query(
            "SELECT source_path, status FROM filings WHERE accession_number = '0000950135-08-006327'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(owner.len(), 1, "{owner:?}");
    assert!(owner[0].0.contains("000_copy"), "{owner:?}");
    assert_eq!(owner[0].1, "ok");
    let dup_keys: i64 = c
        .query_one(
            "SELECT count(*) FROM (SELECT accession_number, section_type, count(*) FROM sections \
             GROUP BY 1, 2 HAVING count(*) > 1) AS d",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(dup_keys, 0);
    // The same rows, filing by filing, as one DuckDB process decides them.
    assert_same_as_duckdb(&server, &env.db());
}

/// `a_filing_stored_under_its_file_name_is_re_keyed_once_its_accession_is_read` on
/// PostgreSQL: a placeholder-keyed copy of a filing read from the same path is retired, rows
/// and all, when a run stores the path under its accession number.
#[test]
fn a_placeholder_keyed_filing_is_re_keyed_on_postgres() {
    let server = PgServer::start();
    let env = Env::new(&SAMPLE[4..5]);
    let p = env.default_pipeline();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            p.to_str().unwrap(),
            "--quiet",
            "--database",
            &server.url,
        ];
        args.extend_from_slice(extra);
        let o = finloom(&args);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        text(&o)
    };
    run(&[]);
    let mut c = server.client();
    let rows = |c: &mut postgres::Client, key: &str| -> i64 {
        FILING_TABLES
            .iter()
            .map(|t| {
                c.query_one(
                    &format!("SELECT count(*) FROM {t} WHERE accession_number = $1"),
                    &[&key],
                )
                .unwrap()
                .get::<_, i64>(0)
            })
            .sum()
    };
    let real = rows(&mut c, "0000950135-08-006327");
    assert!(real > 50, "{real}");
    for t in FILING_TABLES {
        c.batch_execute(&format!(
            "CREATE TEMP TABLE x AS SELECT * FROM {t} WHERE accession_number = '0000950135-08-006327';
             UPDATE x SET accession_number = 'primary-document';
             INSERT INTO {t} SELECT * FROM x; DROP TABLE x;"
        ))
        .unwrap();
    }
    c.batch_execute(
        "UPDATE filings SET last_run_id = 'run-000000' WHERE accession_number = 'primary-document'",
    )
    .unwrap();
    assert_eq!(rows(&mut c, "primary-document"), real);
    let out = run(&["--force"]);
    assert!(out.contains("old keys removed: primary-document"), "{out}");
    assert_eq!(rows(&mut c, "primary-document"), 0);
    assert_eq!(rows(&mut c, "0000950135-08-006327"), real);
}

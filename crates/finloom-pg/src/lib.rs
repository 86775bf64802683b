//! PostgreSQL as finloom's production store.
//!
//! DuckDB stays the embedded default: one file, one writing process. Users who outgrow one
//! file and one machine point `database` at a PostgreSQL server instead
//! (`database = "postgresql://user@host:5432/dbname"`, or `--database URL`), and any number
//! of `finloom run` processes, on one machine or many, share it:
//!
//! * **the same tables** ([`schema`]): the host tables (`filings`, `finloom_runs`,
//!   `finloom_filing_stages`, `finloom_failures`) and every plugin-declared table, with the
//!   column types mapped as documented in `docs/schema.md` (TEXT, BIGINT, DOUBLE PRECISION,
//!   BOOLEAN, DATE), plus `finloom_claims`, the work-sharing table;
//! * **the same commits** ([`merge`]): each sealed staging segment (still a local DuckDB
//!   file a worker wrote) is committed in one PostgreSQL transaction — its filings' old rows
//!   deleted, the staged rows copied in with binary `COPY`, the `filings` and ledger rows
//!   replaced — all or nothing per filing, as with DuckDB;
//! * **the same skips** ([`ledger`]): stage fingerprints and known failures are read back
//!   exactly as from DuckDB, so an unchanged filing is skipped;
//! * **claims with leases** ([`claims`]): before a worker is handed a file, the process
//!   claims its source key (the path under the source folder) in `finloom_claims` for a
//!   lease that a heartbeat renews. A file another live process holds is put back and looked
//!   at again later; a dead process's claims expire and are taken over; a committed file is
//!   marked done with its fingerprint, so no process redoes it.
//!
//! What DuckDB needs and PostgreSQL does not: the run lock file, holds and checkpoints.
//! PostgreSQL has many writers and readers at once, so the merge commits each segment as it
//! arrives, and readers are never shut out.

use std::time::Duration;

pub mod claims;
pub mod ledger;
pub mod merge;
pub mod schema;

pub use bytes;
pub use postgres;
pub use postgres::{Client, NoTls};

#[derive(thiserror::Error, Debug)]
pub enum PgError {
    #[error("cannot connect to PostgreSQL at {url}: {detail}\n(check the server is running and the URL's user, host, port and database name)")]
    Connect { url: String, detail: String },
    #[error("PostgreSQL error: {0}")]
    Pg(#[from] postgres::Error),
    #[error("table {table}: {message}")]
    Schema { table: String, message: String },
    #[error("staging segment: {0}")]
    Duck(#[from] duckdb::Error),
    #[error(transparent)]
    Store(#[from] finloom_store::StoreError),
    #[error("{0}")]
    Data(String),
}

pub type Result<T> = std::result::Result<T, PgError>;

/// Whether a `database` setting names a PostgreSQL server rather than a DuckDB file (the
/// pipeline file's own rule).
pub use finloom_config::is_postgres_url as is_url;

/// The URL without its password, for messages and the run summary.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => format!(
            "{}{}:***{}",
            &url[..scheme_end + 3],
            &authority[..colon],
            &rest[at..]
        ),
        _ => url.to_string(),
    }
}

/// Opens a connection (no TLS: use a Unix socket, a loopback address or a private network;
/// see docs/scale-out.md).
pub fn connect(url: &str) -> Result<Client> {
    let mut cfg: postgres::Config = url.parse().map_err(|e: postgres::Error| PgError::Connect {
        url: redact(url),
        detail: e.to_string(),
    })?;
    cfg.application_name("finloom");
    if cfg.get_connect_timeout().is_none() {
        cfg.connect_timeout(Duration::from_secs(30));
    }
    cfg.connect(NoTls).map_err(|e| PgError::Connect {
        url: redact(url),
        detail: e.to_string(),
    })
}

/// A quoted identifier. Names reach here validated as plain identifiers
/// (`finloom_store::ident`); quoting keeps PostgreSQL from folding their case, so a table is
/// called exactly what the plugin (or its rename) declared, as in DuckDB.
pub(crate) fn q(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A DATE as PostgreSQL's binary format wants it: days since 2000-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PgDate(pub i32);

impl PgDate {
    /// Parses `YYYY-MM-DD` (what plugins and ingest write); `None` for anything else.
    pub fn parse(s: &str) -> Option<PgDate> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            let t = &s[r];
            if t.bytes().all(|c| c.is_ascii_digit()) {
                t.parse().ok()
            } else {
                None
            }
        };
        let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
            return None;
        }
        Some(PgDate(
            (days_from_civil(y, m, d) - days_from_civil(2000, 1, 1)) as i32,
        ))
    }

    /// Back to `YYYY-MM-DD`.
    pub fn to_iso(self) -> String {
        let (y, m, d) = civil_from_days(self.0 as i64 + days_from_civil(2000, 1, 1));
        format!("{y:04}-{m:02}-{d:02}")
    }
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

// Howard Hinnant's days-from-civil algorithm (proleptic Gregorian calendar).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of the day `z` days after 1970-01-01 (Howard Hinnant's algorithm,
/// proleptic Gregorian calendar). Also names backup files (`finloom-ops`).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

impl postgres::types::ToSql for PgDate {
    fn to_sql(
        &self,
        _ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>>
    {
        out.extend_from_slice(&self.0.to_be_bytes());
        Ok(postgres::types::IsNull::No)
    }

    fn accepts(ty: &postgres::types::Type) -> bool {
        *ty == postgres::types::Type::DATE
    }

    postgres::types::to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_match_postgres_epoch() {
        assert_eq!(PgDate::parse("2000-01-01"), Some(PgDate(0)));
        assert_eq!(PgDate::parse("2000-03-01"), Some(PgDate(60))); // 2000 is a leap year
        assert_eq!(PgDate::parse("1999-12-31"), Some(PgDate(-1)));
        for s in ["1994-02-28", "2024-02-29", "2025-12-31", "1900-03-01"] {
            assert_eq!(PgDate::parse(s).unwrap().to_iso(), s);
        }
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "",
            "abcd-ef-gh",
            "2024-00-10",
        ] {
            assert_eq!(PgDate::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn urls_are_recognised_and_passwords_hidden() {
        assert!(is_url("postgresql://u@h/db"));
        assert!(is_url("postgres://u@h/db"));
        assert!(!is_url("out/finloom.duckdb"));
        assert_eq!(
            redact("postgresql://ann:secret@db.example:5432/edgar"),
            "postgresql://ann:***@db.example:5432/edgar"
        );
        assert_eq!(redact("postgresql://ann@h/db"), "postgresql://ann@h/db");
    }
}

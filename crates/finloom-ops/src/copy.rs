//! `finloom copy --from A --to B`: a whole finloom database from one store to another —
//! DuckDB to PostgreSQL to scale out, PostgreSQL to DuckDB for analysis (or between two of
//! either) — verified filing by filing.
//!
//! Every base table of the source is copied: the host tables (`filings` and the ledger) and
//! every plugin table, with its columns' types mapped (docs/schema.md) and NOT NULL kept.
//! `finloom_claims` (PostgreSQL's work-sharing state) and views are not copied. The target
//! must not hold any of the tables with rows: copy into a new or empty database.
//!
//! Rows stream from source to target (binary COPY into PostgreSQL, an appender into DuckDB),
//! in the source's scan order. Then both sides are read back: for every table and every
//! accession number, the row count, the bytes of text, the non-NULL cells and the sum of the
//! integer cells must be equal — a filing whose rows differ in any of these is reported by
//! accession number, and the copy fails.

use crate::{OpsError, Result};
use finloom_pg::postgres::binary_copy::BinaryCopyInWriter;
use finloom_pg::postgres::fallible_iterator::FallibleIterator;
use finloom_pg::postgres::types::{FromSql, ToSql, Type};
use finloom_pg::PgDate;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where a finloom database lives.
#[derive(Debug, Clone)]
pub enum Store {
    Duck(PathBuf),
    Pg(String),
}

impl Store {
    /// A `postgresql://` URL, or a DuckDB file path.
    pub fn parse(s: &str) -> Store {
        if finloom_pg::is_url(s) {
            Store::Pg(s.to_string())
        } else {
            Store::Duck(PathBuf::from(s))
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Store::Duck(p) => p.display().to_string(),
            Store::Pg(u) => finloom_pg::redact(u),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Int,
    BigInt,
    Double,
    Boolean,
    Date,
    Timestamp,
}

impl Kind {
    fn from_duck(t: &str) -> Option<Kind> {
        Some(match t {
            "VARCHAR" => Kind::Text,
            "INTEGER" => Kind::Int,
            "BIGINT" => Kind::BigInt,
            "DOUBLE" => Kind::Double,
            "BOOLEAN" => Kind::Boolean,
            "DATE" => Kind::Date,
            "TIMESTAMP" => Kind::Timestamp,
            _ => return None,
        })
    }
    fn from_pg(t: &str) -> Option<Kind> {
        Some(match t {
            "text" | "character varying" => Kind::Text,
            "integer" => Kind::Int,
            "bigint" => Kind::BigInt,
            "double precision" => Kind::Double,
            "boolean" => Kind::Boolean,
            "date" => Kind::Date,
            "timestamp without time zone" => Kind::Timestamp,
            _ => return None,
        })
    }
    fn duck(self) -> &'static str {
        match self {
            Kind::Text => "VARCHAR",
            Kind::Int => "INTEGER",
            Kind::BigInt => "BIGINT",
            Kind::Double => "DOUBLE",
            Kind::Boolean => "BOOLEAN",
            Kind::Date => "DATE",
            Kind::Timestamp => "TIMESTAMP",
        }
    }
    fn pg(self) -> &'static str {
        match self {
            Kind::Text => "TEXT",
            Kind::Int => "INTEGER",
            Kind::BigInt => "BIGINT",
            Kind::Double => "DOUBLE PRECISION",
            Kind::Boolean => "BOOLEAN",
            Kind::Date => "DATE",
            Kind::Timestamp => "TIMESTAMP",
        }
    }
    fn pg_type(self) -> Type {
        match self {
            Kind::Text => Type::TEXT,
            Kind::Int => Type::INT4,
            Kind::BigInt => Type::INT8,
            Kind::Double => Type::FLOAT8,
            Kind::Boolean => Type::BOOL,
            Kind::Date => Type::DATE,
            Kind::Timestamp => Type::TIMESTAMP,
        }
    }
}

#[derive(Debug, Clone)]
struct Col {
    name: String,
    kind: Kind,
    nullable: bool,
}

#[derive(Debug, Clone)]
struct Table {
    name: String,
    cols: Vec<Col>,
}

/// One value in flight. Dates are days since 1970-01-01, timestamps microseconds since then.
#[derive(Debug, Clone)]
enum Val {
    Null,
    Text(String),
    Int(i64),
    Double(f64),
    Bool(bool),
    Date(i32),
    Ts(i64),
}

/// Days from 1970-01-01 to 2000-01-01 (PostgreSQL's date epoch).
const PG_EPOCH_DAYS: i32 = 10_957;

impl ToSql for Val {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut finloom_pg::bytes::BytesMut,
    ) -> std::result::Result<
        finloom_pg::postgres::types::IsNull,
        Box<dyn std::error::Error + Sync + Send>,
    > {
        use finloom_pg::postgres::types::IsNull;
        match self {
            Val::Null => Ok(IsNull::Yes),
            Val::Text(s) => s.to_sql(ty, out),
            Val::Int(i) if *ty == Type::INT4 => (*i as i32).to_sql(ty, out),
            Val::Int(i) => i.to_sql(ty, out),
            Val::Double(f) => f.to_sql(ty, out),
            Val::Bool(b) => b.to_sql(ty, out),
            Val::Date(d) => PgDate(d - PG_EPOCH_DAYS).to_sql(ty, out),
            Val::Ts(us) => {
                let t = if *us >= 0 {
                    UNIX_EPOCH + Duration::from_micros(*us as u64)
                } else {
                    UNIX_EPOCH - Duration::from_micros(us.unsigned_abs())
                };
                t.to_sql(ty, out)
            }
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    finloom_pg::postgres::types::to_sql_checked!();
}

/// A PostgreSQL DATE read as days since 1970-01-01.
struct Days(i32);

impl<'a> FromSql<'a> for Days {
    fn from_sql(
        _ty: &Type,
        raw: &'a [u8],
    ) -> std::result::Result<Days, Box<dyn std::error::Error + Sync + Send>> {
        let b: [u8; 4] = raw.try_into()?;
        Ok(Days(i32::from_be_bytes(b) + PG_EPOCH_DAYS))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::DATE
    }
}

pub struct CopyReport {
    /// Rows copied per table.
    pub tables: Vec<(String, i64)>,
    /// Accession numbers whose rows were compared on both sides.
    pub filings_verified: usize,
}

/// Tables not copied: PostgreSQL's claims are one database's work-sharing state.
const NOT_COPIED: &[&str] = &["finloom_claims"];

enum Conn {
    Duck(duckdb::Connection),
    Pg(finloom_pg::Client),
}

fn open(s: &Store, write: bool) -> Result<Conn> {
    Ok(match s {
        Store::Duck(p) if write => Conn::Duck(finloom_store::open_rw(p)?),
        Store::Duck(p) => Conn::Duck(finloom_store::open_ro(p)?),
        Store::Pg(u) => Conn::Pg(finloom_pg::connect(u)?),
    })
}

fn bad_type(table: &str, col: &str, ty: &str) -> OpsError {
    OpsError::Io(format!(
        "table {table} column {col} has type {ty}, which finloom copy does not map (finloom tables use \
         text, integers, doubles, booleans, dates and timestamps)"
    ))
}

fn tables_of(c: &mut Conn) -> Result<Vec<Table>> {
    let mut rows: Vec<(String, String, String, bool)> = Vec::new();
    match c {
        Conn::Duck(d) => {
            let mut st = d.prepare(
                "SELECT c.table_name, c.column_name, c.data_type, c.is_nullable = 'YES' \
                 FROM information_schema.columns c JOIN information_schema.tables t \
                 ON t.table_catalog = c.table_catalog AND t.table_schema = c.table_schema AND t.table_name = c.table_name \
                 WHERE c.table_catalog = current_database() AND c.table_schema = 'main' AND t.table_type = 'BASE TABLE' \
                 ORDER BY c.table_name, c.ordinal_position",
            )?;
            let r = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            for x in r {
                rows.push(x?);
            }
        }
        Conn::Pg(p) => {
            for r in p.query(
                "SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_nullable = 'YES' \
                 FROM information_schema.columns c JOIN information_schema.tables t \
                 ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
                 WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
                 ORDER BY c.table_name, c.ordinal_position",
                &[],
            )? {
                rows.push((r.get(0), r.get(1), r.get(2), r.get(3)));
            }
        }
    }
    let pg = matches!(c, Conn::Pg(_));
    let mut out: Vec<Table> = Vec::new();
    for (t, col, ty, nullable) in rows {
        if NOT_COPIED.contains(&t.as_str()) {
            continue;
        }
        let kind = if pg {
            Kind::from_pg(&ty)
        } else {
            Kind::from_duck(&ty)
        }
        .ok_or_else(|| bad_type(&t, &col, &ty))?;
        if out.last().map(|x| &x.name) != Some(&t) {
            out.push(Table {
                name: t.clone(),
                cols: Vec::new(),
            });
        }
        out.last_mut().expect("just pushed").cols.push(Col {
            name: col,
            kind,
            nullable,
        });
    }
    Ok(out)
}

fn qi(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn count_rows(c: &mut Conn, table: &str) -> Result<Option<i64>> {
    Ok(match c {
        Conn::Duck(d) => {
            let cat = finloom_store::current_catalog(d)?;
            if finloom_store::table_columns(d, &cat, table)?.is_empty() {
                None
            } else {
                Some(
                    d.query_row(&format!("SELECT count(*) FROM {}", qi(table)), [], |r| {
                        r.get(0)
                    })?,
                )
            }
        }
        Conn::Pg(p) => {
            if finloom_pg::schema::table_columns(p, table)?.is_none() {
                None
            } else {
                Some(
                    p.query_one(&format!("SELECT count(*) FROM {}", qi(table)), &[])?
                        .get(0),
                )
            }
        }
    })
}

/// Creates `t` in the target unless it exists (the host tables exist by then: created from
/// the target store's own host schema, so their defaults match what finloom creates there).
fn create(c: &mut Conn, t: &Table) -> Result<()> {
    let cols = |pg: bool| {
        t.cols
            .iter()
            .map(|c| {
                format!(
                    "{} {}{}",
                    qi(&c.name),
                    if pg { c.kind.pg() } else { c.kind.duck() },
                    if c.nullable { "" } else { " NOT NULL" }
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    match c {
        Conn::Duck(d) => {
            d.execute_batch(&format!(
                "CREATE TABLE IF NOT EXISTS {} ({})",
                qi(&t.name),
                cols(false)
            ))?;
        }
        Conn::Pg(p) => {
            p.batch_execute(&format!(
                "CREATE TABLE IF NOT EXISTS {} ({})",
                qi(&t.name),
                cols(true)
            ))?;
            if t.cols.iter().any(|c| c.name == "accession_number") {
                p.batch_execute(&format!(
                    "CREATE INDEX IF NOT EXISTS {} ON {} (accession_number)",
                    qi(&format!("{}_accession_number", t.name)),
                    qi(&t.name)
                ))?;
            }
        }
    }
    Ok(())
}

fn duck_val(v: duckdb::types::Value) -> Result<Val> {
    use duckdb::types::{TimeUnit, Value as V};
    Ok(match v {
        V::Null => Val::Null,
        V::Text(s) => Val::Text(s),
        V::Int(i) => Val::Int(i as i64),
        V::BigInt(i) => Val::Int(i),
        V::Double(f) => Val::Double(f),
        V::Boolean(b) => Val::Bool(b),
        V::Date32(d) => Val::Date(d),
        V::Timestamp(unit, t) => Val::Ts(match unit {
            TimeUnit::Second => t * 1_000_000,
            TimeUnit::Millisecond => t * 1_000,
            TimeUnit::Microsecond => t,
            TimeUnit::Nanosecond => t / 1_000,
        }),
        other => return Err(OpsError::Io(format!("unexpected value {other:?}"))),
    })
}

fn to_duck(v: Val) -> duckdb::types::Value {
    use duckdb::types::{TimeUnit, Value as V};
    match v {
        Val::Null => V::Null,
        Val::Text(s) => V::Text(s),
        Val::Int(i) => V::BigInt(i),
        Val::Double(f) => V::Double(f),
        Val::Bool(b) => V::Boolean(b),
        Val::Date(d) => V::Date32(d),
        Val::Ts(us) => V::Timestamp(TimeUnit::Microsecond, us),
    }
}

fn pg_val(r: &finloom_pg::postgres::Row, i: usize, k: Kind) -> Result<Val> {
    let v = match k {
        Kind::Text => r.try_get::<_, Option<String>>(i)?.map(Val::Text),
        Kind::Int => r.try_get::<_, Option<i32>>(i)?.map(|x| Val::Int(x as i64)),
        Kind::BigInt => r.try_get::<_, Option<i64>>(i)?.map(Val::Int),
        Kind::Double => r.try_get::<_, Option<f64>>(i)?.map(Val::Double),
        Kind::Boolean => r.try_get::<_, Option<bool>>(i)?.map(Val::Bool),
        Kind::Date => r.try_get::<_, Option<Days>>(i)?.map(|d| Val::Date(d.0)),
        Kind::Timestamp => r.try_get::<_, Option<SystemTime>>(i)?.map(|t| {
            Val::Ts(match t.duration_since(UNIX_EPOCH) {
                Ok(d) => d.as_micros() as i64,
                Err(e) => -(e.duration().as_micros() as i64),
            })
        }),
    };
    Ok(v.unwrap_or(Val::Null))
}

/// Streams one table's rows from `from` into `to`. Returns the rows copied.
fn copy_table(from: &mut Conn, to: &mut Conn, t: &Table) -> Result<i64> {
    let list = t
        .cols
        .iter()
        .map(|c| qi(&c.name))
        .collect::<Vec<_>>()
        .join(", ");
    let select = format!("SELECT {list} FROM {}", qi(&t.name));
    // The sink: one row at a time.
    enum Sink<'a> {
        Pg(BinaryCopyInWriter<'a>),
        Duck(duckdb::Appender<'a>),
    }
    let mut sink = match to {
        Conn::Pg(p) => {
            let w = p.copy_in(&format!(
                "COPY {} ({list}) FROM STDIN (FORMAT binary)",
                qi(&t.name)
            ))?;
            let types: Vec<Type> = t.cols.iter().map(|c| c.kind.pg_type()).collect();
            Sink::Pg(BinaryCopyInWriter::new(w, &types))
        }
        Conn::Duck(d) => Sink::Duck(d.appender(&t.name)?),
    };
    let mut put = |row: Vec<Val>| -> Result<()> {
        match &mut sink {
            Sink::Pg(w) => {
                let refs: Vec<&(dyn ToSql + Sync)> =
                    row.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
                w.write(&refs)?;
            }
            Sink::Duck(a) => {
                a.append_row(duckdb::appender_params_from_iter(
                    row.into_iter().map(to_duck),
                ))?;
            }
        }
        Ok(())
    };
    let mut n = 0i64;
    match from {
        Conn::Duck(d) => {
            let mut st = d.prepare(&select)?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let mut row = Vec::with_capacity(t.cols.len());
                for i in 0..t.cols.len() {
                    row.push(duck_val(r.get(i)?)?);
                }
                put(row)?;
                n += 1;
            }
        }
        Conn::Pg(p) => {
            let mut rows = p.query_raw(&select, std::iter::empty::<i32>())?;
            while let Some(r) = rows.next()? {
                let mut row = Vec::with_capacity(t.cols.len());
                for (i, c) in t.cols.iter().enumerate() {
                    row.push(pg_val(&r, i, c.kind)?);
                }
                put(row)?;
                n += 1;
            }
        }
    }
    match sink {
        Sink::Pg(w) => {
            w.finish()?;
        }
        Sink::Duck(mut a) => a.flush()?,
    }
    Ok(n)
}

/// Per accession number of a table: rows, text bytes, non-NULL cells, sum of integer cells.
type Digest = BTreeMap<String, (i64, i64, i64, f64)>;

fn digest(c: &mut Conn, t: &Table) -> Result<Digest> {
    let pg = matches!(c, Conn::Pg(_));
    let bytes: Vec<String> = t
        .cols
        .iter()
        .filter(|c| c.kind == Kind::Text)
        .map(|c| {
            if pg {
                format!("coalesce(sum(octet_length({})), 0)", qi(&c.name))
            } else {
                format!("coalesce(sum(strlen({})), 0)", qi(&c.name))
            }
        })
        .collect();
    let nonnull: Vec<String> = t
        .cols
        .iter()
        .map(|c| format!("count({})", qi(&c.name)))
        .collect();
    let ints: Vec<String> = t
        .cols
        .iter()
        .filter(|c| matches!(c.kind, Kind::Int | Kind::BigInt))
        .map(|c| format!("coalesce(sum({}), 0)", qi(&c.name)))
        .collect();
    let or0 = |v: Vec<String>| {
        if v.is_empty() {
            "0".to_string()
        } else {
            v.join(" + ")
        }
    };
    let sql = format!(
        "SELECT accession_number::text, count(*)::BIGINT, ({})::BIGINT, ({})::BIGINT, ({})::DOUBLE PRECISION \
         FROM {} GROUP BY 1",
        or0(bytes),
        or0(nonnull),
        or0(ints),
        qi(&t.name)
    );
    let mut out = Digest::new();
    match c {
        Conn::Duck(d) => {
            let sql = sql.replace("DOUBLE PRECISION", "DOUBLE");
            let mut st = d.prepare(&sql)?;
            let r = st.query_map([], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                    (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?),
                ))
            })?;
            for x in r {
                let (k, v) = x?;
                out.insert(k, v);
            }
        }
        Conn::Pg(p) => {
            for r in p.query(&sql, &[])? {
                out.insert(
                    r.get::<_, Option<String>>(0).unwrap_or_default(),
                    (r.get(1), r.get(2), r.get(3), r.get(4)),
                );
            }
        }
    }
    Ok(out)
}

pub fn copy(from: &Store, to: &Store) -> Result<CopyReport> {
    copy_tables(from, to, None)
}

/// [`copy`], limited to the tables named in `only` (plus the host tables' empty schema in the
/// target) when given: what `export` and `backup` on PostgreSQL build on.
pub fn copy_tables(from: &Store, to: &Store, only: Option<&[&str]>) -> Result<CopyReport> {
    let mut src = open(from, false)?;
    let mut tables = tables_of(&mut src)?;
    if let Some(only) = only {
        tables.retain(|t| only.contains(&t.name.as_str()));
    }
    if only.is_none() && !tables.iter().any(|t| t.name == "filings") {
        return Err(OpsError::Io(format!(
            "{} has no `filings` table: not a finloom database",
            from.describe()
        )));
    }
    let mut dst = open(to, true)?;
    for t in &tables {
        if let Some(n) = count_rows(&mut dst, &t.name)? {
            if n > 0 {
                return Err(OpsError::Io(format!(
                    "{} already holds {n} rows in table {}: copy into a new or empty database",
                    to.describe(),
                    t.name
                )));
            }
        }
    }
    // The target store's own host schema first, then every table of the source.
    match &mut dst {
        Conn::Duck(d) => d.execute_batch(&finloom_store::host_schema_sql(""))?,
        Conn::Pg(p) => p.batch_execute(finloom_pg::schema::HOST_SCHEMA)?,
    }
    let mut report = CopyReport {
        tables: Vec::new(),
        filings_verified: 0,
    };
    for t in &tables {
        create(&mut dst, t)?;
        let n = copy_table(&mut src, &mut dst, t)?;
        report.tables.push((t.name.clone(), n));
    }
    // Verify, filing by filing.
    let mut accessions = std::collections::BTreeSet::new();
    let mut bad: Vec<String> = Vec::new();
    for t in &tables {
        if !t.cols.iter().any(|c| c.name == "accession_number") {
            let (a, b) = (
                count_rows(&mut src, &t.name)?,
                count_rows(&mut dst, &t.name)?,
            );
            if a != b {
                bad.push(format!(
                    "table {}: {a:?} rows in the source, {b:?} in the copy",
                    t.name
                ));
            }
            continue;
        }
        let (a, b) = (digest(&mut src, t)?, digest(&mut dst, t)?);
        for (acc, va) in &a {
            accessions.insert(acc.clone());
            if b.get(acc) != Some(va) {
                bad.push(format!(
                    "table {} filing {acc}: source {va:?}, copy {:?}",
                    t.name,
                    b.get(acc)
                ));
            }
        }
        for acc in b.keys().filter(|k| !a.contains_key(*k)) {
            bad.push(format!("table {} filing {acc}: only in the copy", t.name));
        }
    }
    if !bad.is_empty() {
        let n = bad.len();
        bad.truncate(10);
        return Err(OpsError::Verify(format!(
            "{n} differences between {} and the copy {} (first {}):\n  {}",
            from.describe(),
            to.describe(),
            bad.len(),
            bad.join("\n  ")
        )));
    }
    report.filings_verified = accessions.len();
    Ok(report)
}

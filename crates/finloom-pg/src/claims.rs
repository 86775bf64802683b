//! Many `finloom run` processes on one corpus: who does which file, through the database.
//!
//! `finloom_claims` has one row per source key — the file's path under the source folder, so
//! that machines mounting the same storage at different places still agree. A process that is
//! about to hand a file to one of its workers **claims** it with one atomic statement:
//!
//! ```sql
//! INSERT INTO finloom_claims (source_key, owner, lease_until) VALUES ($key, $me, now() + lease)
//! ON CONFLICT (source_key) DO UPDATE SET owner = $me, lease_until = now() + lease
//! WHERE (claims.owner IS NULL OR claims.owner = $me OR claims.lease_until < now())
//!   AND NOT (claims.done_fingerprint = $fp AND (claims.done_status = 'ok' OR NOT $retry_failed))
//! RETURNING source_key
//! ```
//!
//! The row lock `ON CONFLICT DO UPDATE` takes makes the claim a compare-and-set: of two
//! processes claiming one file at once, the second waits for the first and then finds the
//! lease taken. (A shared queue drained with `SELECT … FOR UPDATE SKIP LOCKED` would do the
//! same, but needs every process to agree on the list of work first; here each process keeps
//! its own listing, its own skip decisions, and claims only what it would process.)
//!
//! * A file claimed by another process whose lease is live is **busy**: the process puts it
//!   back and asks again later, so a run ends only when each of its files is done — by itself
//!   or by someone else.
//! * A process **renews** its leases from a heartbeat thread ([`Heartbeat`]) every third of
//!   the lease; a process that dies stops renewing, and after at most one lease its files are
//!   claimable again and are redone by whoever asks next. Its staged, uncommitted rows lived
//!   in its own local segments and are simply lost; nothing of them reached the database.
//! * The merge marks a file **done** in the same transaction that commits its rows
//!   (`done_fingerprint` = source hash and plan fingerprint, `done_status = 'ok'`), and a
//!   recorded failure marks it done with `done_status = 'failed'` — so exactly one process
//!   commits each file under a given plan, and a file is retried only when its bytes, the
//!   plugins or their config change, or with `--retry-failed`.

use crate::Result;
use postgres::GenericClient;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// What a claim found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This process holds the file now.
    Mine,
    /// Another process committed (or failed) the file under the same fingerprint.
    Done,
    /// Another live process holds it.
    Busy,
}

/// The owner name of this process: host, process id and run id, so that an operator reading
/// `finloom_claims` sees who holds what.
pub fn owner_name(run_id: &str) -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into the buffer we own.
    let host = if unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0 {
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        "unknown-host".into()
    };
    format!("{host}:{}:{run_id}", std::process::id())
}

/// The fingerprint a claim is done under: the file's bytes and the plan's fingerprint.
pub fn done_fingerprint(source_hash: &str, plan_fingerprint: &str) -> String {
    format!("{source_hash}:{plan_fingerprint}")
}

/// Tries to claim `key` for `owner`. `force`: claim even a file done under the same
/// fingerprint (`--force`).
pub fn claim(
    c: &mut impl GenericClient,
    key: &str,
    owner: &str,
    fingerprint: &str,
    lease: Duration,
    retry_failed: bool,
    force: bool,
) -> Result<Claim> {
    let got = c.query_opt(
        "INSERT INTO finloom_claims AS c (source_key, owner, lease_until, updated_at) \
         VALUES ($1, $2, now() + make_interval(secs => $3), now()) \
         ON CONFLICT (source_key) DO UPDATE SET owner = EXCLUDED.owner, \
             lease_until = EXCLUDED.lease_until, updated_at = now() \
         WHERE (c.owner IS NULL OR c.owner = EXCLUDED.owner OR c.lease_until < now()) \
           AND ($6 OR c.done_fingerprint IS DISTINCT FROM $4 \
                OR (c.done_status IS DISTINCT FROM 'ok' AND $5)) \
         RETURNING source_key",
        &[
            &key,
            &owner,
            &lease.as_secs_f64(),
            &fingerprint,
            &retry_failed,
            &force,
        ],
    )?;
    if got.is_some() {
        return Ok(Claim::Mine);
    }
    let row = c.query_one(
        "SELECT coalesce(owner IS NOT NULL AND owner <> $2 AND lease_until >= now(), false), \
                done_fingerprint IS NOT DISTINCT FROM $3 \
         FROM finloom_claims WHERE source_key = $1",
        &[&key, &owner, &fingerprint],
    )?;
    let (held_by_other, done): (bool, bool) = (row.get(0), row.get(1));
    Ok(if held_by_other {
        Claim::Busy
    } else if done {
        Claim::Done
    } else {
        // Neither: the row changed between the two statements (its holder just finished
        // with a different fingerprint, or let go). Asking again later settles it.
        Claim::Busy
    })
}

/// Marks files done (inside the transaction that commits or fails them): `(key, fingerprint)`
/// pairs; `status` is `ok` or `failed`.
pub fn mark_done(
    c: &mut impl GenericClient,
    done: &[(String, String)],
    status: &str,
    run_id: &str,
) -> Result<()> {
    if done.is_empty() {
        return Ok(());
    }
    let (keys, fps): (Vec<&str>, Vec<&str>) =
        done.iter().map(|(k, f)| (k.as_str(), f.as_str())).unzip();
    c.execute(
        "INSERT INTO finloom_claims AS c (source_key, owner, lease_until, done_fingerprint, done_status, done_run_id, updated_at) \
         SELECT k, NULL, NULL, f, $3, $4, now() FROM unnest($1::text[], $2::text[]) AS b(k, f) \
         ON CONFLICT (source_key) DO UPDATE SET owner = NULL, lease_until = NULL, \
             done_fingerprint = EXCLUDED.done_fingerprint, done_status = EXCLUDED.done_status, \
             done_run_id = EXCLUDED.done_run_id, updated_at = now()",
        &[&keys, &fps, &status, &run_id],
    )?;
    Ok(())
}

/// Lets go of every claim `owner` still holds (files it looked at but did not commit: found
/// up to date after parsing, or not reached before a stop), so others need not wait for the
/// lease to run out.
pub fn release_all(c: &mut impl GenericClient, owner: &str) -> Result<u64> {
    Ok(c.execute(
        "UPDATE finloom_claims SET owner = NULL, lease_until = NULL, updated_at = now() WHERE owner = $1",
        &[&owner],
    )?)
}

/// Renews this process's leases from a thread of its own (with its own connection) every
/// third of the lease, until dropped.
pub struct Heartbeat {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Heartbeat {
    pub fn start(url: &str, owner: &str, lease: Duration) -> Result<Heartbeat> {
        let mut client = crate::connect(url)?;
        let stop = Arc::new(AtomicBool::new(false));
        let owner = owner.to_string();
        let flag = stop.clone();
        let every = (lease / 3).max(Duration::from_millis(100));
        let thread = std::thread::Builder::new()
            .name("finloom-lease".into())
            .spawn(move || {
                let mut last = std::time::Instant::now();
                while !flag.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(50).min(every));
                    if last.elapsed() < every {
                        continue;
                    }
                    last = std::time::Instant::now();
                    if let Err(e) = client.execute(
                        "UPDATE finloom_claims SET lease_until = now() + make_interval(secs => $2) \
                         WHERE owner = $1",
                        &[&owner, &lease.as_secs_f64()],
                    ) {
                        // The next beat tries again; if the server stays away, the merge's
                        // own statements fail and stop the run.
                        tracing::warn!("cannot renew claims: {e}");
                    }
                }
            })
            .map_err(|e| crate::PgError::Data(format!("cannot start the lease thread: {e}")))?;
        Ok(Heartbeat {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One run's claims: a connection for claiming, the heartbeat that renews the leases, and the
/// release of what is left when the run ends ([`Session::finish`]).
pub struct Session {
    client: std::sync::Mutex<postgres::Client>,
    owner: String,
    lease: Duration,
    retry_failed: bool,
    force: bool,
    heartbeat: Option<Heartbeat>,
}

impl Session {
    /// Connects and starts the heartbeat. `retry_failed`/`force`: the run's options (see
    /// [`claim`]).
    pub fn start(url: &str, run_id: &str, retry_failed: bool, force: bool) -> Result<Session> {
        let owner = owner_name(run_id);
        let lease = lease();
        Ok(Session {
            client: std::sync::Mutex::new(crate::connect(url)?),
            heartbeat: Some(Heartbeat::start(url, &owner, lease)?),
            owner,
            lease,
            retry_failed,
            force,
        })
    }

    /// Claims the file with source key `key`, to be done under `fingerprint`.
    pub fn claim(&self, key: &str, fingerprint: &str) -> Result<Claim> {
        let mut c = self.client.lock().unwrap_or_else(|p| p.into_inner());
        claim(
            &mut *c,
            key,
            &self.owner,
            fingerprint,
            self.lease,
            self.retry_failed,
            self.force,
        )
    }

    /// Stops renewing and lets go of the claims still held (files looked at but not
    /// committed: up to date after parsing, or not reached before a stop), so that others need
    /// not wait for the lease to run out.
    pub fn finish(mut self) {
        drop(self.heartbeat.take());
        let mut c = self.client.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = release_all(&mut *c, &self.owner) {
            tracing::warn!("cannot release this run's claims (they expire with their lease): {e}");
        }
    }
}

/// Test hook: claims' lease in seconds (a kill test waits for one lease to run out).
pub const LEASE_ENV: &str = "FINLOOM_LEASE_SECS";

/// The lease: 60 s, or `FINLOOM_LEASE_SECS`.
pub fn lease() -> Duration {
    std::env::var(LEASE_ENV)
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .map_or(Duration::from_secs(60), Duration::from_secs_f64)
}

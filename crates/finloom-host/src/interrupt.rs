//! Clean stop on SIGINT (Ctrl-C) and SIGTERM.
//!
//! A long run should be stoppable without losing anything, and a stop should not throw away
//! work that is already done. So the handler only counts signals; the run looks at the count
//! at safe points:
//!
//! * **first signal during extraction**: no new filing is started, filings being extracted
//!   are abandoned (their threads are left to finish on their own, like a timed-out filing),
//!   and the filings already extracted and staged are merged — each in its own transaction as
//!   always. The run then reports what was left and exits with code 130.
//! * **a signal during the merge**: the filing being merged is finished (committed, or rolled
//!   back on error — never half-written), the remaining ones are left exactly as they were,
//!   and the run stops with code 130.
//! * **a third signal**: immediate exit (130) without cleanup. Still safe — every filing's
//!   merge is one transaction, and DuckDB's WAL makes a kill look like a rollback — just
//!   without the summary.
//!
//! Nothing that is not async-signal-safe runs in the handler: an atomic add and, on the third
//! signal, `_exit`.

use std::sync::atomic::{AtomicUsize, Ordering};

static SIGNALS: AtomicUsize = AtomicUsize::new(0);

/// The exit code of a run stopped by SIGINT or SIGTERM (128 + SIGINT, as shells report ^C).
pub const EXIT_INTERRUPTED: u8 = 130;

extern "C" fn on_signal(_sig: libc::c_int) {
    let n = SIGNALS.fetch_add(1, Ordering::SeqCst) + 1;
    if n >= 3 {
        // SAFETY: `_exit` is async-signal-safe.
        unsafe { libc::_exit(EXIT_INTERRUPTED as libc::c_int) };
    }
}

/// Routes SIGINT and SIGTERM to the counter. Called by the CLI before a run; a library user
/// who wants its own handling simply does not call it.
pub fn install() {
    let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SAFETY: installing a handler that only touches an atomic (and `_exit`).
    unsafe {
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

/// Signals received so far.
pub fn count() -> usize {
    SIGNALS.load(Ordering::SeqCst)
}

/// Whether a signal arrived since `since` (a value of [`count`]).
pub fn since(since: usize) -> bool {
    count() > since
}

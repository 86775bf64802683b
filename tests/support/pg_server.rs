//! A real PostgreSQL server for a test: `initdb` into a temporary folder, `pg_ctl start` on a
//! Unix socket in that folder (no TCP port is opened), a database named `finloom`, and
//! `pg_ctl stop` when the value is dropped.
//!
//! The server programs come from Debian's `postgresql` package (`/usr/lib/postgresql/<v>/bin`,
//! newest version first) or from `PATH`; `.ci/run` installs the package when it is missing.
//! PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
//! package's `postgres` user (`runuser`), in a folder handed to that user.

use std::path::PathBuf;
use std::process::Command;

pub struct PgServer {
    dir: tempfile::TempDir,
    bin: PathBuf,
    as_user: Option<&'static str>,
    /// `postgresql://postgres@localhost/finloom?host=<socket folder>&port=<port>`
    pub url: String,
}

fn server_bin() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| {
                    let v: u32 = e.file_name().to_str()?.parse().ok()?;
                    let bin = e.path().join("bin");
                    bin.join("pg_ctl").is_file().then_some((v, bin))
                })
                .collect()
        })
        .unwrap_or_default();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return bin;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for d in std::env::split_paths(&path) {
        if d.join("pg_ctl").is_file() && d.join("initdb").is_file() {
            return d;
        }
    }
    panic!(
        "PostgreSQL server programs (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin or PATH: \
         install Debian's `postgresql` package (.ci/run does)"
    );
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl PgServer {
    pub fn start() -> PgServer {
        let bin = server_bin();
        let dir = tempfile::Builder::new().prefix("pg").tempdir().unwrap();
        let as_user = is_root().then_some("postgres");
        if let Some(u) = as_user {
            let st = Command::new("chown")
                .args(["-R", u])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(st.success(), "chown {} to {u} failed", dir.path().display());
        }
        // A free number for the socket name (.s.PGSQL.<port>); nothing listens on TCP.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let s = PgServer {
            url: format!(
                "postgresql://postgres@localhost/finloom?host={}&port={port}",
                dir.path().display()
            ),
            dir,
            bin,
            as_user,
        };
        let data = s.dir.path().join("data");
        s.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        );
        let opts = format!(
            "-k {} -c listen_addresses='' -p {port} -c fsync=off -c max_connections=100",
            s.dir.path().display()
        );
        let log = s.dir.path().join("server.log");
        s.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-w",
                "-o",
                &opts,
                "start",
            ],
        );
        let admin = format!(
            "postgresql://postgres@localhost/postgres?host={}&port={port}",
            s.dir.path().display()
        );
        let mut c = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
        c.batch_execute("CREATE DATABASE finloom").unwrap();
        s
    }

    fn run(&self, program: &str, args: &[&str]) {
        let exe = self.bin.join(program);
        let out = match self.as_user {
            Some(u) => Command::new("runuser")
                .args(["-u", u, "--"])
                .arg(&exe)
                .args(args)
                .output(),
            None => Command::new(&exe).args(args).output(),
        }
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
        assert!(
            out.status.success(),
            "{program} {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Creates another database on the server and returns its URL.
    pub fn create_db(&self, name: &str) -> String {
        let mut c = self.client();
        c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        self.url.replace("/finloom?", &format!("/{name}?"))
    }

    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).unwrap()
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let exe = self.bin.join("pg_ctl");
        let args = [
            "-D",
            data.to_str().unwrap(),
            "-m",
            "immediate",
            "-w",
            "stop",
        ];
        let _ = match self.as_user {
            Some(u) => Command::new("runuser")
                .args(["-u", u, "--"])
                .arg(&exe)
                .args(args)
                .output(),
            None => Command::new(&exe).args(args).output(),
        };
    }
}

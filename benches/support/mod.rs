//! What the benchmarks that drive the real release binary share: adding a
//! user through the command line, `manabi serve` on a free port as a child
//! process (stopped when dropped), and a process's resident memory and CPU
//! time.
//! Included with `#[path = "support/mod.rs"] mod support;`.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running `manabi serve`.
pub struct Server {
    /// The process.
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `manabi user add` with the password on standard input.
pub fn add_user(bin: &str, data: &Path, email: &str, role: &str, password: &str) {
    let mut add = Command::new(bin)
        .args([
            "user",
            "add",
            "--email",
            email,
            "--role",
            role,
            "--password-stdin",
        ])
        .env("MANABI_DATA_DIR", data)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("manabi user add");
    add.stdin
        .take()
        .expect("stdin")
        .write_all(format!("{password}\n").as_bytes())
        .expect("password");
    assert!(add.wait().expect("user add").success());
}

/// `manabi serve` (every role) on `data`, a free port, log level `warn`;
/// returns once it has printed its address.
pub fn serve(bin: &str, data: &Path) -> Server {
    let mut child = Command::new(bin)
        .args(["serve"])
        .env("MANABI_DATA_DIR", data)
        .env("MANABI_HTTP__ADDR", "127.0.0.1:0")
        .env("MANABI_LOG__LEVEL", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("manabi serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("address line");
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("listening line")
        .trim_end_matches('/')
        .to_owned();
    Server { child, base }
}

/// The resident memory of process `pid` (VmRSS), in KiB.
pub fn rss_kib(pid: u32) -> Option<u64> {
    proc_number(&format!("/proc/{pid}/status"), "VmRSS:", 1)
}

/// This process's soft limit on open files (`ulimit -n`).
#[allow(
    dead_code,
    reason = "each benchmark includes this file; not all open many connections"
)]
pub fn open_files_limit() -> Option<u64> {
    proc_number("/proc/self/limits", "Max open files", 3)
}

/// The `n`th whitespace-separated word, as a number, of the first line of
/// the /proc file at `path` that starts with `label`.
fn proc_number(path: &str, label: &str, n: usize) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with(label))?;
    line.split_whitespace().nth(n)?.parse().ok()
}

/// CPU time process `pid` has used so far (user + system), in seconds.
#[allow(
    dead_code,
    reason = "each benchmark includes this file; not all measure CPU"
)]
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    stat_cpu_seconds(&format!("/proc/{pid}/stat"))
}

/// CPU time the thread of process `pid` named `name` has used so far (user +
/// system), in seconds. Linux keeps the first 15 bytes of a thread's name.
#[allow(
    dead_code,
    reason = "each benchmark includes this file; not all measure a thread"
)]
pub fn thread_cpu_seconds(pid: u32, name: &str) -> Option<f64> {
    let short = name.get(..15).unwrap_or(name);
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()?
        .flatten()
        .find(|task| {
            std::fs::read_to_string(task.path().join("comm"))
                .is_ok_and(|comm| comm.trim_end() == short)
        })
        .and_then(|task| stat_cpu_seconds(&task.path().join("stat").to_string_lossy()))
}

/// User + system CPU seconds from a /proc `stat` file (a process's or a thread's).
fn stat_cpu_seconds(path: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the command name (which may hold spaces) in parentheses:
    // utime and stime are the 12th and 13th of them, in clock ticks.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: f64 = fields.next()?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    // /proc counts in USER_HZ, which Linux fixes at 100 for user space.
    Some((utime + stime) / 100.0)
}

/// Logs `email` in through the API: a client holding the session cookie
/// (requests time out after 5 minutes), and the session's CSRF token.
#[allow(
    dead_code,
    reason = "each benchmark includes this file; not all log in through the API"
)]
pub async fn login(base: &str, email: &str, password: &str) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .timeout(std::time::Duration::from_secs(300))
        .build()
        .expect("client");
    let resp = client
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await
        .expect("login");
    assert!(resp.status().is_success(), "login: {}", resp.status());
    let body: serde_json::Value = resp.json().await.expect("login body");
    let csrf = body["csrf_token"].as_str().expect("csrf").to_owned();
    (client, csrf)
}

//! Heartbeat ingest (issue 6): how many heartbeats per second the catalog
//! takes over real HTTP on loopback, with what latency, and whether every
//! acknowledged heartbeat is in the ledger afterwards.
//!
//! Runs the release binary (`manabi serve`) on a data directory seeded
//! straight into SQLite: one ready video in a published course and one
//! learner per viewer, each with a login session (made in the database: 256
//! logins would spend a minute hashing passwords). Each of `--viewers N`
//! (default 256) clients presses play once, then sends heartbeats back to back —
//! `seq` 1, 2, 3 … each with the next `--played P` seconds of the video
//! played (default 2) — for `--seconds S` (default 20).
//!
//! Why 2 s: a viewer's heartbeats here come milliseconds apart, and the
//! server credits coverage only up to the time since the previous heartbeat
//! plus a 2 s allowance (`playback::COVERAGE_ALLOWANCE_S`). An honest player
//! never claims more than that, so every heartbeat adds new seconds right
//! after the previous ones, as a viewer watching forward does. With
//! `--played 10` (the default before 2026-11-26) the server keeps the first
//! 2 s of each 10 and drops the rest, and every viewer's coverage becomes 2 s
//! stripes 10 s apart: bitmaps too fragmented to store as runs, a whole page
//! rewritten per heartbeat — the pattern of a client claiming five times the
//! time that passed. Reported: acknowledged heartbeats per second,
//! latency percentiles, and the ledger's row count against the number
//! acknowledged; the server's CPU per heartbeat, and how much of it the
//! heartbeat writer thread spent (the one serial part). The client runs in
//! this process on the same two cores.
//!
//! With `--rate R` the load is an open loop instead: the viewers together
//! send R heartbeats/s on a fixed schedule whatever the answers' speed, and
//! each latency runs from the moment its heartbeat was due (so a slow answer
//! delays the ones behind it and shows in the figures, not hides them).
//!
//! `cargo bench --bench heartbeats [-- --viewers N --seconds S --video-minutes M --rate R --played P]`

#[path = "support/mod.rs"]
mod support;

use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const PASSWORD: &str = "benchmark password";

fn arg(name: &str, default: u64) -> u64 {
    std::env::args()
        .skip_while(|a| a != name)
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// One published, ready video and `users` learners with a session each:
/// `(cookie token, CSRF token)` per learner.
async fn seed(data: &std::path::Path, video_s: u64, users: i64) -> Vec<(String, String)> {
    let db = catalog::db::Db::open_default(data).expect("database");
    db.call(move |c| {
        catalog::courses::seed_categories(c)?;
        let tx = c.transaction()?;
        let at = "2026-04-01T00:00:00Z";
        tx.execute_batch(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last})
             INSERT INTO users (id, email, name, role, status, created_at, updated_at)
             SELECT 1000 + i, printf('viewer%03d@city.example.jp', i), '職員', 'learner', 'active', '{at}', '{at}' FROM n;
             INSERT INTO videos (id, title, uploaded_by, size_bytes, status, duration_s, hls_rev, created_at, updated_at)
             VALUES (1, '研修', 1, 1, 'ready', {video_s}, 'r1', '{at}', '{at}');
             INSERT INTO courses (id, category_id, title, status, created_by, created_at, updated_at, published_at)
             VALUES (1, 1, '研修', 'published', 1, '{at}', '{at}', '{at}');
             INSERT INTO lessons (course_id, position, title, video_id) VALUES (1, 1, '第1回', 1);",
            last = users - 1
        ))?;
        let now = jiff::Timestamp::now();
        let mut sessions = Vec::new();
        for id in 1000..1000 + users {
            let s = catalog::sessions::create(&tx, domain::UserId::new(id), now)?;
            sessions.push((s.token, s.csrf_token));
        }
        tx.commit()?;
        Ok(sessions)
    })
    .await
    .expect("seeding")
}

/// A bare HTTP/1.1 keep-alive connection for one viewer's heartbeats: each
/// request goes out in one write and its answer is read by its
/// `Content-Length`. Far lighter than a general-purpose client, so the load
/// generator takes less of the two cores it shares with the server.
struct Wire {
    stream: tokio::net::TcpStream,
    buf: Vec<u8>,
}

impl Wire {
    async fn connect(host: &str) -> Self {
        let stream = tokio::net::TcpStream::connect(host).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Self {
            stream,
            buf: Vec::with_capacity(4096),
        }
    }

    /// Sends `request` and returns the answer's status code.
    async fn send(&mut self, request: &[u8]) -> std::io::Result<u16> {
        use tokio::io::AsyncWriteExt;
        let bad =
            |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
        self.stream.write_all(request).await?;
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buf[..end]).map_err(|_| bad("head"))?;
                let status = head
                    .get(9..12)
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| bad("status line"))?;
                let length = head
                    .lines()
                    .filter_map(|l| l.split_once(':'))
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                    .ok_or_else(|| bad("no Content-Length"))?;
                let whole = end + 4 + length;
                while self.buf.len() < whole {
                    self.read_into(&mut chunk).await?;
                }
                self.buf.drain(..whole);
                return Ok(status);
            }
            self.read_into(&mut chunk).await?;
        }
    }

    async fn read_into(&mut self, chunk: &mut [u8]) -> std::io::Result<()> {
        use tokio::io::AsyncReadExt;
        let n = self.stream.read(chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

#[tokio::main]
async fn main() {
    let viewers = usize::try_from(arg("--viewers", 256)).unwrap_or(256).max(1);
    // Each viewer holds a connection open in this process and in the server.
    if let Some(limit) = support::open_files_limit().filter(|&l| l < viewers as u64 + 64) {
        panic!(
            "--viewers {viewers} needs more open files than the limit of {limit}: raise it with `ulimit -n`"
        );
    }
    let seconds = arg("--seconds", 20);
    let video_s = arg("--video-minutes", 600).max(1) * 60;
    // Open loop: each viewer's heartbeats are due every `viewers / rate` s.
    let rate = arg("--rate", 0);
    let interval = (rate > 0).then(|| Duration::from_secs_f64(viewers as f64 / rate as f64));
    let played = arg("--played", 2).max(1) as f64;
    let wrap = video_s as f64 - played;
    let bin = env!("CARGO_BIN_EXE_manabi");
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    support::add_user(bin, &data, "admin@city.example.jp", "admin", PASSWORD);
    let sessions = seed(&data, video_s, viewers as i64).await;
    let server = support::serve(bin, &data);
    let base = Arc::new(server.base.clone());
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(viewers)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let running = Arc::new(AtomicBool::new(true));
    let mut tasks = Vec::new();
    let schedule = tokio::time::Instant::now() + Duration::from_secs(2);
    for (i, (token, csrf)) in sessions.into_iter().enumerate() {
        let (client, base, running) = (client.clone(), base.clone(), running.clone());
        // Viewers' schedules are spread evenly over one interval.
        let mut due = interval.map(|every| schedule + every.mul_f64(i as f64 / viewers as f64));
        tasks.push(tokio::spawn(async move {
            let cookie = format!("manabi_session={token}");
            let play: Value = client
                .post(format!("{base}/api/v1/videos/1/play"))
                .header("cookie", &cookie)
                .header("x-csrf-token", &csrf)
                .json(&json!({}))
                .send()
                .await
                .expect("play")
                .json()
                .await
                .expect("play body");
            let path = format!(
                "/api/v1/play/{}/heartbeat",
                play["session_id"].as_str().expect("session")
            );
            let host = base.trim_start_matches("http://");
            let mut wire = Wire::connect(host).await;
            let (mut acked, mut failed, mut latencies) = (0u64, 0u64, Vec::new());
            let mut seq = 0u64;
            while running.load(Ordering::Relaxed) {
                seq += 1;
                let at = (seq as f64 - 1.0) * played % wrap;
                let body = format!(
                    r#"{{"seq":{seq},"position_s":{},"played":[[{at},{}]],"rate":1.0}}"#,
                    at + played,
                    at + played
                );
                let request = format!(
                    "POST {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                let t = match (due.as_mut(), interval) {
                    (Some(due), Some(every)) => {
                        tokio::time::sleep_until(*due).await;
                        let at = due.into_std();
                        *due += every;
                        at
                    }
                    _ => Instant::now(),
                };
                match wire.send(request.as_bytes()).await {
                    Ok(status) if (200..300).contains(&status) => {
                        acked += 1;
                        latencies.push(t.elapsed());
                    }
                    Ok(_) => failed += 1,
                    Err(_) => {
                        failed += 1;
                        wire = Wire::connect(host).await;
                    }
                }
            }
            (acked, failed, latencies)
        }));
    }
    if rate > 0 {
        tokio::time::sleep_until(schedule).await;
    }
    let started = Instant::now();
    let cpu_before = support::cpu_seconds(server.child.id()).unwrap_or(0.0);
    let load_before = support::cpu_seconds(std::process::id()).unwrap_or(0.0);
    let writer = |pid| support::thread_cpu_seconds(pid, "heartbeat-writer").unwrap_or(0.0);
    let writer_before = writer(server.child.id());
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    running.store(false, Ordering::Relaxed);
    let cpu_during = support::cpu_seconds(server.child.id()).unwrap_or(0.0) - cpu_before;
    let load_during = support::cpu_seconds(std::process::id()).unwrap_or(0.0) - load_before;
    let writer_during = writer(server.child.id()) - writer_before;
    let (mut acked, mut failed, mut latencies) = (0, 0, Vec::new());
    for task in tasks {
        let (a, f, l) = task.await.expect("viewer");
        acked += a;
        failed += f;
        latencies.extend(l);
    }
    let took = started.elapsed().as_secs_f64();
    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let rss_mib = support::rss_kib(server.child.id()).unwrap_or(0) as f64 / 1024.0;
    drop(server);
    let db = catalog::db::Db::open_default(&data).expect("database");
    let ledger: u64 = db
        .call(|c| Ok(c.query_row("SELECT COUNT(*) FROM heartbeats", [], |r| r.get(0))?))
        .await
        .expect("count");
    println!(
        "| viewers | heartbeats/s acknowledged | p50 | p99 | max | failed | ledger rows vs acknowledged | server CPU per heartbeat | of it in the writer thread | load generator CPU per heartbeat | server RSS at the end |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|");
    println!(
        "| {viewers}{} | {:.0} | {:.1} ms | {:.1} ms | {:.1} ms | {failed} | {ledger} vs {acked}{} | {:.0} µs | {:.0} µs | {:.0} µs | {rss_mib:.0} MiB |",
        if rate > 0 {
            format!(", open loop at {rate}/s")
        } else {
            String::new()
        },
        acked as f64 / took,
        pct(0.50),
        pct(0.99),
        pct(1.0),
        if ledger == acked {
            " (none lost)"
        } else {
            " (MISMATCH)"
        },
        cpu_during / acked.max(1) as f64 * 1e6,
        writer_during / acked.max(1) as f64 * 1e6,
        load_during / acked.max(1) as f64 * 1e6,
    );
}

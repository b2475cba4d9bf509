//! Heartbeat ingest (issue 6): how many heartbeats per second the catalog
//! takes over real HTTP on loopback, with what latency, and whether every
//! acknowledged heartbeat is in the ledger afterwards.
//!
//! Runs the release binary (`manabi serve`) on a data directory seeded
//! straight into SQLite: one ready video in a published course and 256
//! learners, each with a login session (made in the database: 256 logins
//! would spend a minute hashing passwords). Each of `--viewers N` (default
//! 256) clients presses play once, then sends heartbeats back to back —
//! `seq` 1, 2, 3 … with the next 10 s of the video played — for
//! `--seconds S` (default 20). Reported: acknowledged heartbeats per second,
//! latency percentiles, and the ledger's row count against the number
//! acknowledged. The client runs in this process on the same two cores.
//!
//! `cargo bench --bench heartbeats [-- --viewers N --seconds S]`

#[path = "support/mod.rs"]
mod support;

use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const USERS: i64 = 256;
const PASSWORD: &str = "benchmark password";

fn arg(name: &str, default: u64) -> u64 {
    std::env::args()
        .skip_while(|a| a != name)
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// One published, ready video and `USERS` learners with a session each:
/// `(cookie token, CSRF token)` per learner.
async fn seed(data: &std::path::Path) -> Vec<(String, String)> {
    let db = catalog::db::Db::open(&data.join("catalog.db")).expect("database");
    db.call(|c| {
        catalog::courses::seed_categories(c)?;
        let tx = c.transaction()?;
        let at = "2026-04-01T00:00:00Z";
        tx.execute_batch(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last})
             INSERT INTO users (id, email, name, role, status, created_at, updated_at)
             SELECT 1000 + i, printf('viewer%03d@city.example.jp', i), '職員', 'learner', 'active', '{at}', '{at}' FROM n;
             INSERT INTO videos (id, title, uploaded_by, size_bytes, status, duration_s, hls_rev, created_at, updated_at)
             VALUES (1, '研修', 1, 1, 'ready', 36000, 'r1', '{at}', '{at}');
             INSERT INTO courses (id, category_id, title, status, created_by, created_at, updated_at, published_at)
             VALUES (1, 1, '研修', 'published', 1, '{at}', '{at}', '{at}');
             INSERT INTO lessons (course_id, position, title, video_id) VALUES (1, 1, '第1回', 1);",
            last = USERS - 1
        ))?;
        let now = jiff::Timestamp::now();
        let mut sessions = Vec::new();
        for id in 1000..1000 + USERS {
            let s = catalog::sessions::create(&tx, domain::UserId::new(id), now)?;
            sessions.push((s.token, s.csrf_token));
        }
        tx.commit()?;
        Ok(sessions)
    })
    .await
    .expect("seeding")
}

#[tokio::main]
async fn main() {
    let viewers = usize::try_from(arg("--viewers", 256))
        .unwrap_or(256)
        .min(USERS as usize);
    let seconds = arg("--seconds", 20);
    let bin = env!("CARGO_BIN_EXE_manabi");
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    support::add_user(bin, &data, "admin@city.example.jp", "admin", PASSWORD);
    let sessions = seed(&data).await;
    let server = support::serve(bin, &data);
    let base = Arc::new(server.base.clone());
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(viewers)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let running = Arc::new(AtomicBool::new(true));
    let mut tasks = Vec::new();
    for (token, csrf) in sessions.into_iter().take(viewers) {
        let (client, base, running) = (client.clone(), base.clone(), running.clone());
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
            let url = format!(
                "{base}/api/v1/play/{}/heartbeat",
                play["session_id"].as_str().expect("session")
            );
            let (mut acked, mut failed, mut latencies) = (0u64, 0u64, Vec::new());
            let mut seq = 0u64;
            while running.load(Ordering::Relaxed) {
                seq += 1;
                let at = (seq as f64 - 1.0) * 10.0 % 35_990.0;
                let t = Instant::now();
                let resp = client
                    .post(&url)
                    .header("cookie", &cookie)
                    .header("x-csrf-token", &csrf)
                    .json(&json!({"seq": seq, "position_s": at + 10.0, "played": [[at, at + 10.0]], "rate": 1.0}))
                    .send()
                    .await;
                match resp {
                    Ok(r) if r.status().is_success() => {
                        acked += 1;
                        latencies.push(t.elapsed());
                    }
                    _ => failed += 1,
                }
            }
            (acked, failed, latencies)
        }));
    }
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    running.store(false, Ordering::Relaxed);
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
    let db = catalog::db::Db::open(&data.join("catalog.db")).expect("database");
    let ledger: u64 = db
        .call(|c| Ok(c.query_row("SELECT COUNT(*) FROM heartbeats", [], |r| r.get(0))?))
        .await
        .expect("count");
    println!(
        "| viewers | heartbeats/s acknowledged | p50 | p99 | max | failed | ledger rows vs acknowledged | server RSS at the end |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---|---:|");
    println!(
        "| {viewers} | {:.0} | {:.1} ms | {:.1} ms | {:.1} ms | {failed} | {ledger} vs {acked}{} | {rss_mib:.0} MiB |",
        acked as f64 / took,
        pct(0.50),
        pct(0.99),
        pct(1.0),
        if ledger == acked {
            " (none lost)"
        } else {
            " (MISMATCH)"
        }
    );
}

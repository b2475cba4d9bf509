//! Reports at scale (issue 6): a catalog holding 5,000 staff × 365 days of
//! viewing, with the raw ledger behind it (over ten million heartbeats), and
//! the reports a personnel section asks for, through the real server:
//!
//! - the year's monthly viewing report for everyone (target < 200 ms),
//! - one user's year, by month and by day (target < 20 ms),
//! - both identical, cell by cell, to a recomputation from the raw
//!   heartbeats,
//! - the year's report for everyone as CSV, with the server's memory;
//! - a backup of that catalog taken while 200 writes/s go on (issue 8):
//!   the writes' latency while it runs (target p99 < 250 ms), the backup's
//!   verification, and the restore drill on it.
//!
//! The history is seeded straight into SQLite (a bench tool, not the
//! product): staff `i` is in group `i % 20` since before the year, watches
//! on about 40 % of the days — one session at noon Tokyo time of 5 to 24
//! heartbeats crediting 10 s each — so the ledger and the rollups agree by
//! construction and a recomputation can check the reports.
//!
//! `cargo bench --bench reports` (add `-- --runs N`, default 20 requests per
//! report).

#[path = "support/mod.rs"]
mod support;

use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const USERS: i64 = 5_000;
const GROUPS: i64 = 20;
const VIDEOS: i64 = 40;
const FIRST_DAY: &str = "2025-04-01";
const LAST_DAY: &str = "2026-03-31";
const DAYS: i64 = 365;
const PASSWORD: &str = "benchmark password";

/// The admin through the CLI, then the history straight into SQLite.
async fn seed(bin: &str, data: &std::path::Path) -> (i64, i64) {
    support::add_user(bin, data, "admin@city.example.jp", "admin", PASSWORD);
    let db = catalog::db::Db::open_default(data).expect("database");
    db.call(|c| {
        let tx = c.transaction()?;
        tx.execute_batch(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {groups})
             INSERT INTO groups (id, name, parent_id, created_at)
             SELECT 100 + i, '課' || i, NULL, '2025-01-01T00:00:00Z' FROM n;
             WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {users})
             INSERT INTO users (id, email, name, role, status, created_at, updated_at)
             SELECT 1000 + i, printf('staff%05d@city.example.jp', i), '職員 ' || i, 'learner', 'active',
                    '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z' FROM n;
             INSERT INTO group_members (group_id, user_id) SELECT 100 + (id - 1000) % {GROUPS}, id FROM users WHERE id >= 1000;
             UPDATE membership_history SET joined_at = '2025-01-01T00:00:00Z';
             WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {videos})
             INSERT INTO videos (id, title, uploaded_by, size_bytes, status, duration_s, created_at, updated_at)
             SELECT 1 + i, '研修動画 ' || i, 1, 1, 'ready', 1800, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z' FROM n;
             -- One session per watched user-day, at 12:00 in Tokyo (03:00Z).
             WITH RECURSIVE d(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM d WHERE k < {days})
             INSERT INTO playback_sessions (id, user_id, video_id, site, started_at, last_heartbeat_at, last_seq,
                                            position_s, grant_expires_at)
             SELECT printf('%08x%08x', u.id, d.k), u.id, 1 + (u.id + d.k) % {VIDEOS}, 'default',
                    date('{FIRST_DAY}', '+' || d.k || ' days') || 'T03:00:00Z',
                    date('{FIRST_DAY}', '+' || d.k || ' days') || 'T03:05:00Z',
                    5 + (u.id + d.k) % 20, 0, date('{FIRST_DAY}', '+' || d.k || ' days') || 'T04:00:00Z'
             FROM users u, d WHERE u.id >= 1000 AND (u.id * 31 + d.k * 17) % 10 < 4;
             -- Its heartbeats, 10 s each.
             WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 24)
             INSERT INTO heartbeats (session_id, seq, received_at, position_s, played, rate, credited_ms)
             SELECT p.id, s.n, substr(p.started_at, 1, 11) || printf('03:%02d:%02dZ', s.n * 10 / 60, s.n * 10 % 60),
                    s.n * 10, '[[' || (s.n * 10 - 10) || ',' || (s.n * 10) || ']]', 1, 10000
             FROM playback_sessions p JOIN s ON s.n <= p.last_seq;
             -- The rollups as heartbeats keep them.
             INSERT INTO viewing_daily (user_id, video_id, day, credited_ms)
             SELECT p.user_id, p.video_id, substr(p.started_at, 1, 10), SUM(h.credited_ms)
             FROM playback_sessions p JOIN heartbeats h ON h.session_id = p.id GROUP BY p.id;
             INSERT INTO viewing_monthly (user_id, month, credited_ms)
             SELECT user_id, substr(day, 1, 7), SUM(credited_ms) FROM viewing_daily GROUP BY 1, 2;",
            groups = GROUPS - 1,
            users = USERS - 1,
            videos = VIDEOS - 1,
            days = DAYS - 1,
        ))?;
        tx.commit()?;
        let counts = c.query_row(
            "SELECT (SELECT COUNT(*) FROM heartbeats), (SELECT COUNT(*) FROM viewing_daily)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(counts)
    })
    .await
    .expect("seeding")
}

/// Seconds per (user e-mail, month) recomputed from the raw heartbeats.
async fn recomputed(data: &std::path::Path) -> HashMap<(String, String), i64> {
    let db = catalog::db::Db::open_default(data).expect("database");
    db.call(|c| {
        let mut stmt = c.prepare(
            "SELECT u.email, substr(h.received_at, 1, 7), SUM(h.credited_ms)
             FROM heartbeats h JOIN playback_sessions p ON p.id = h.session_id JOIN users u ON u.id = p.user_id
             GROUP BY u.email, substr(h.received_at, 1, 7)",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(((r.get(0)?, r.get(1)?), (r.get::<_, i64>(2)? + 500) / 1000))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    })
    .await
    .expect("recomputation")
}

/// `runs` timed GETs: (median, slowest) in milliseconds, and the last body.
async fn timed(client: &reqwest::Client, url: &str, runs: usize) -> (f64, f64, Value) {
    let mut ms = Vec::new();
    let mut last = Value::Null;
    for _ in 0..runs {
        let t = Instant::now();
        let resp = client.get(url).send().await.expect("report");
        assert!(resp.status().is_success(), "{url}: {}", resp.status());
        last = resp.json().await.expect("report body");
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    (ms[ms.len() / 2], ms[ms.len() - 1], last)
}

/// Percentile `p` (0..1) of sorted `ms`.
fn percentile(ms: &[f64], p: f64) -> f64 {
    if ms.is_empty() {
        return f64::NAN;
    }
    ms[((ms.len() as f64 * p).ceil() as usize).clamp(1, ms.len()) - 1]
}

/// A backup through the admin API while an admin's client changes one staff
/// member's name 200 times a second (open loop: a write is sent every 5 ms
/// whatever the answers; each is a `PATCH /api/v1/users/{id}` with its audit
/// entry); then the restore drill (`manabi restore --verify`) on the backup.
async fn backup_under_load(bin: &str, data: &std::path::Path, base: &str) {
    const RATE: f64 = 200.0;
    let (client, csrf) = support::login(base, "admin@city.example.jp", PASSWORD).await;
    let started = Instant::now();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (client, csrf, base, stop) =
            (client.clone(), csrf.clone(), base.to_owned(), stop.clone());
        tokio::spawn(async move {
            let mut writes = tokio::task::JoinSet::new();
            let mut next = tokio::time::Instant::now();
            let mut i = 0i64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                next += Duration::from_secs_f64(1.0 / RATE);
                tokio::time::sleep_until(next).await;
                let (client, csrf) = (client.clone(), csrf.clone());
                let url = format!("{base}/api/v1/users/{}", 1000 + i % USERS);
                writes.spawn(async move {
                    let sent = Instant::now();
                    let ok = client
                        .patch(url)
                        .header("x-csrf-token", csrf)
                        .json(&json!({"name": format!("職員 {i} 改")}))
                        .send()
                        .await
                        .is_ok_and(|r| r.status().is_success());
                    (
                        sent.duration_since(started).as_secs_f64(),
                        sent.elapsed().as_secs_f64() * 1000.0,
                        ok,
                    )
                });
                i += 1;
            }
            writes.join_all().await
        })
    };
    tokio::time::sleep(Duration::from_secs(3)).await;
    let from = started.elapsed().as_secs_f64();
    // The admin's click waits for the whole backup: snapshot, seal, verify.
    let resp = client
        .post(format!("{base}/api/v1/backups"))
        .timeout(Duration::from_secs(1800))
        .header("x-csrf-token", &csrf)
        .json(&json!({}))
        .send()
        .await
        .expect("backup");
    let to = started.elapsed().as_secs_f64();
    let status = resp.status();
    let record: Value = resp.json().await.expect("backup record");
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let writes = writer.await.expect("writer");
    let (mut during, mut outside, mut failed) = (Vec::new(), Vec::new(), 0);
    for (at, ms, ok) in &writes {
        if !ok {
            failed += 1;
        }
        if (from..to).contains(at) {
            during.push(*ms);
        } else {
            outside.push(*ms);
        }
    }
    during.sort_by(f64::total_cmp);
    outside.sort_by(f64::total_cmp);
    println!(
        "
Backup under load: {status} {} in {:.1} s ({:.0} MB, status {}), {} writes at {RATE}/s, {failed} failed",
        record["file"].as_str().unwrap_or("?"),
        to - from,
        record["size_bytes"].as_f64().unwrap_or(0.0) / 1e6,
        record["status"],
        writes.len()
    );
    println!(
        "
| writes | count | p50 | p99 | max | target |"
    );
    println!("|---|---:|---:|---:|---:|---|");
    for (what, ms, target) in [
        ("while the backup ran", &during, "p99 < 250 ms"),
        ("before and after it", &outside, ""),
    ] {
        println!(
            "| {what} | {} | {:.1} ms | {:.1} ms | {:.1} ms | {target} |",
            ms.len(),
            percentile(ms, 0.5),
            percentile(ms, 0.99),
            ms.last().copied().unwrap_or(f64::NAN)
        );
    }
    let file = data
        .join("backups")
        .join(record["file"].as_str().expect("backup file"));
    let t = Instant::now();
    let drill = std::process::Command::new(bin)
        .args(["restore", "--verify"])
        .arg(&file)
        .env("MANABI_DATA_DIR", data)
        .env("MANABI_HTTP__ADDR", "127.0.0.1:0")
        .env("MANABI_LOG__LEVEL", "warn")
        .output()
        .expect("restore drill");
    println!(
        "
Restore drill ({:.1} s, exit {}): {}",
        t.elapsed().as_secs_f64(),
        drill.status,
        String::from_utf8_lossy(&drill.stdout).trim()
    );
}

/// Every cell of a monthly report against the recomputation.
fn mismatches(report: &Value, raw: &HashMap<(String, String), i64>) -> usize {
    let periods: Vec<String> = report["periods"]
        .as_array()
        .expect("periods")
        .iter()
        .map(|p| p.as_str().expect("period")[..7].to_owned())
        .collect();
    let mut bad = 0;
    for row in report["rows"].as_array().expect("rows") {
        let email = row["email"].as_str().expect("email").to_owned();
        for (i, month) in periods.iter().enumerate() {
            let want = raw
                .get(&(email.clone(), month.clone()))
                .copied()
                .unwrap_or(0);
            if row["seconds"][i].as_i64() != Some(want) {
                bad += 1;
            }
        }
    }
    bad
}

#[tokio::main]
async fn main() {
    let runs: usize = std::env::args()
        .skip_while(|a| a != "--runs")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    let bin = env!("CARGO_BIN_EXE_manabi");
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let t = Instant::now();
    let (heartbeats, daily) = seed(bin, &data).await;
    println!(
        "seeded {USERS} staff × {DAYS} days: {heartbeats} heartbeats, {daily} user × video × day rows in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let raw = recomputed(&data).await;
    println!(
        "raw recomputation from the heartbeats: {} user-month cells in {:.1} s",
        raw.len(),
        t.elapsed().as_secs_f64()
    );
    let server = support::serve(bin, &data);
    let (client, _) = support::login(&server.base, "admin@city.example.jp", PASSWORD).await;
    let base = &server.base;
    let year = format!("from={FIRST_DAY}&to={LAST_DAY}");
    println!(
        "\n| report | median | slowest of {runs} | target | cells differing from the raw recomputation |"
    );
    println!("|---|---:|---:|---|---:|");
    let (median, slowest, report) = timed(
        &client,
        &format!("{base}/api/v1/reports/viewing?{year}&granularity=month"),
        runs,
    )
    .await;
    let rows = report["rows"].as_array().map_or(0, Vec::len);
    println!(
        "| year by month, everyone ({rows} rows) | {median:.1} ms | {slowest:.1} ms | < 200 ms | {} |",
        mismatches(&report, &raw)
    );
    let one = 1000 + USERS / 2;
    for granularity in ["month", "day"] {
        let (median, slowest, report) = timed(
            &client,
            &format!("{base}/api/v1/reports/viewing?{year}&granularity={granularity}&user={one}"),
            runs,
        )
        .await;
        let check = if granularity == "month" {
            mismatches(&report, &raw).to_string()
        } else {
            let total = report["totals"]["total_seconds"].as_i64().unwrap_or(-1);
            let email = format!("staff{:05}@city.example.jp", one - 1000);
            let want: i64 = raw
                .iter()
                .filter(|((e, _), _)| *e == email)
                .map(|(_, s)| s)
                .sum();
            // Day cells round per day; compare the year's total within a second a day.
            format!("total {total} s vs raw {want} s")
        };
        println!(
            "| one user's year by {granularity} | {median:.1} ms | {slowest:.1} ms | < 20 ms | {check} |"
        );
    }
    // The same yearly report as CSV, watching the server's memory.
    let pid = server.child.id();
    let before = support::rss_kib(pid).unwrap_or(0);
    let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(before));
    let sampler = {
        let (sampling, peak) = (sampling.clone(), peak.clone());
        std::thread::spawn(move || {
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some(kib) = support::rss_kib(pid) {
                    peak.fetch_max(kib, std::sync::atomic::Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    let t = Instant::now();
    let csv = client
        .get(format!(
            "{base}/api/v1/reports/viewing?{year}&granularity=day"
        ))
        .header("accept", "text/csv")
        .send()
        .await
        .expect("csv")
        .bytes()
        .await
        .expect("csv body");
    let took = t.elapsed().as_secs_f64();
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let _ = sampler.join();
    let peak = peak.load(std::sync::atomic::Ordering::Relaxed);
    println!(
        "\nCSV of the year by day for everyone: {:.1} MB in {took:.2} s; server RSS {:.0} MiB before, peak {:.0} MiB (+{:.0} MiB)",
        csv.len() as f64 / 1e6,
        before as f64 / 1024.0,
        peak as f64 / 1024.0,
        peak.saturating_sub(before) as f64 / 1024.0
    );
    backup_under_load(bin, &data, base).await;
}

//! Can the personnel section sync the HR system's whole staff list at once?
//! A 100,000-row Shift_JIS HR file against a catalog of 100,980 staff:
//! preview ≤ 5 s, apply ≤ 30 s, the server's peak RSS ≤ 300 MB, and other
//! requests answered within 1 s throughout; the same file with 1 % bad rows
//! reports exactly those rows.
//!
//! Runs the release binary (`manabi serve`) on a fresh data directory whose
//! staff are seeded straight into SQLite (100,980 learners in 20 groups). The
//! file names 99,980 of them — every tenth with new 備考 (NEC and IBM
//! characters: ①, 髙, 﨑) — and 20 new staff, so the sync updates 9,998,
//! disables the 1,000 absent (1 %, under the 10 % confirmation threshold)
//! and creates 20 with one-time passwords. Meanwhile a prober sends
//! `GET /api/v1/users?per_page=1` every 100 ms and the server's VmRSS is
//! sampled every 50 ms.
//!
//! `cargo bench --bench import_100k` (add `-- --runs N` for more runs).

#[path = "support/mod.rs"]
mod support;

use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const STAFF: usize = 100_980;
const ABSENT_EVERY: usize = 101; // 1,000 of the staff are not in the file
const NEW: usize = 20;
const PASSWORD: &str = "benchmark password";

/// The admin, then 100,980 learners and 20 groups straight into SQLite.
async fn seed(bin: &str, data: &std::path::Path) {
    support::add_user(bin, data, "admin@city.example.jp", "admin", PASSWORD);
    let db = catalog::db::Db::open_default(data).expect("database");
    db.call(|c| {
        let tx = c.transaction()?;
        tx.execute_batch(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19)
             INSERT INTO groups (name, parent_id, created_at)
             SELECT '課' || i, NULL, '2026-04-01T00:00:00Z' FROM n;
             WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {last})
             INSERT INTO users (email, name, role, status, remarks, created_at, updated_at)
             SELECT printf('staff%06d@city.example.jp', i), '職員 ' || i, 'learner', 'active', '',
                    '2026-04-01T00:00:00Z', '2026-04-01T00:00:00Z' FROM n;
             INSERT INTO group_members (group_id, user_id)
             SELECT (SELECT MIN(id) FROM groups) + id % 20, id FROM users WHERE role = 'learner';",
            last = STAFF - 1
        ))?;
        tx.commit()?;
        Ok(())
    })
    .await
    .expect("seeding");
}

/// The HR file; with `bad`, every 100th data row's address is broken and the
/// returned list holds those rows' numbers.
fn hr_file(bad: bool) -> (Vec<u8>, Vec<usize>) {
    let mut text = String::from("メールアドレス,備考\r\n");
    let mut broken = Vec::new();
    let mut row = 1;
    let mut emails = (0..STAFF)
        .filter(|i| i % ABSENT_EVERY != 0)
        .map(|i| (format!("staff{i:06}@city.example.jp"), i))
        .chain((0..NEW).map(|i| (format!("new{i:03}@city.example.jp"), i)))
        .collect::<Vec<_>>();
    emails.truncate(100_000);
    for (email, i) in emails {
        row += 1;
        let remarks = if i % 10 == 0 {
            format!("①髙﨑 {i} 異動")
        } else {
            String::new()
        };
        if bad && row % 100 == 0 {
            broken.push(row);
            text.push_str(&email.replace('@', "@@"));
        } else {
            text.push_str(&email);
        }
        text.push(',');
        text.push_str(&remarks);
        text.push_str("\r\n");
    }
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!unmappable);
    (bytes.into_owned(), broken)
}

struct Session {
    client: reqwest::Client,
    base: String,
    csrf: String,
}

impl Session {
    async fn login(base: &str) -> Self {
        let (client, csrf) = support::login(base, "admin@city.example.jp", PASSWORD).await;
        Self {
            client,
            base: base.to_owned(),
            csrf,
        }
    }

    async fn post(&self, path: &str, body: reqwest::Body) -> (reqwest::StatusCode, Value) {
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .header("x-csrf-token", &self.csrf)
            .body(body)
            .send()
            .await
            .expect("request");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

struct Run {
    preview_s: f64,
    apply_s: f64,
    bad_preview_s: f64,
    slowest_probe_ms: u64,
    peak_rss_mib: f64,
}

async fn run(bin: &str, data: &std::path::Path) -> Run {
    seed(bin, data).await;
    let server = support::serve(bin, data);
    let pid = server.child.id();
    let admin = Session::login(&server.base).await;
    let prober = Session::login(&server.base).await;
    let stop = Arc::new(AtomicBool::new(false));
    let slowest = Arc::new(AtomicU64::new(0));

    let peak = Arc::new(AtomicU64::new(0));
    let probe = {
        let (stop, slowest) = (Arc::clone(&stop), Arc::clone(&slowest));
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                let resp = prober
                    .client
                    .get(format!("{}/api/v1/users?per_page=1", prober.base))
                    .send()
                    .await
                    .expect("probe");
                assert!(resp.status().is_success(), "probe: {}", resp.status());
                let _ = resp.bytes().await;
                slowest.fetch_max(started.elapsed().as_millis() as u64, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let sampler = {
        let (stop, peak) = (Arc::clone(&stop), Arc::clone(&peak));
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(support::rss_kib(pid).unwrap_or(0), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };

    let (file, _) = hr_file(false);
    let started = Instant::now();
    let (status, preview) = admin
        .post("/api/v1/imports?format=hr&mode=sync", file.into())
        .await;
    let preview_s = started.elapsed().as_secs_f64();
    assert!(status.is_success(), "preview: {status} {preview}");
    let summary = &preview["summary"];
    assert_eq!(preview["encoding"], "shift_jis");
    assert_eq!(
        summary,
        &json!({"create": NEW, "update": 9_998, "disable": 1_000, "delete": 0,
                "unchanged": 100_000 - NEW - 9_998, "errors": 0}),
        "{summary}"
    );
    let id = preview["id"].clone();
    drop(preview);

    let started = Instant::now();
    let (status, applied) = admin
        .post(&format!("/api/v1/imports/{id}/apply"), "".into())
        .await;
    let apply_s = started.elapsed().as_secs_f64();
    assert!(status.is_success(), "apply: {status} {applied}");

    let (bad, broken) = hr_file(true);
    let started = Instant::now();
    let (status, preview) = admin
        .post("/api/v1/imports?format=hr&mode=sync", bad.into())
        .await;
    let bad_preview_s = started.elapsed().as_secs_f64();
    assert!(status.is_success(), "preview: {status}");
    let errors: Vec<usize> = preview["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["action"] == "error")
        .filter_map(|r| r["row"].as_u64().map(|n| n as usize))
        .collect();
    assert_eq!(errors, broken, "exactly the bad rows are reported");
    drop(preview);

    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    probe.await.expect("prober");
    sampler.await.expect("sampler");
    Run {
        preview_s,
        apply_s,
        bad_preview_s,
        slowest_probe_ms: slowest.load(Ordering::Relaxed),
        peak_rss_mib: peak.load(Ordering::Relaxed) as f64 / 1024.0,
    }
}

#[tokio::main]
async fn main() {
    let runs: usize = std::env::args()
        .skip_while(|a| a != "--runs")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(3);
    let bin = env!("CARGO_BIN_EXE_manabi");
    let dir = tempfile::tempdir().expect("tempdir");
    println!(
        "100,000-row Shift_JIS HR file, sync against {STAFF} staff: 9,998 updated, 1,000 disabled, {NEW} created"
    );
    println!(
        "| run | preview | apply | preview, 1 % bad rows | slowest other request | peak RSS |"
    );
    println!("|---|---|---|---|---|---|");
    for n in 1..=runs {
        let r = run(bin, &dir.path().join(format!("data-{n}"))).await;
        println!(
            "| {n} | {:.2} s | {:.2} s | {:.2} s | {} ms | {:.0} MiB |",
            r.preview_s, r.apply_s, r.bad_preview_s, r.slowest_probe_ms, r.peak_rss_mib
        );
    }
}

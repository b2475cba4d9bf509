//! How long from upload to ready for a 20 s 1080p30 clip, and how much memory
//! does the service use idle and while transcoding?
//!
//! Runs the real release binary (`manabi serve`) as a subprocess on a free
//! port with a fresh data directory, uploads a clip generated with the FFmpeg
//! libraries, polls until it is ready, and samples the process's resident
//! memory (VmRSS from /proc) every 50 ms.
//!
//! `cargo bench --bench upload_to_ready` (add `-- --runs N` for more runs).

#[path = "support/mod.rs"]
mod support;

use std::time::{Duration, Instant};
use transcoder::synth::{SynthSpec, generate};

/// An editor, then the server.
fn start(bin: &str, data: &std::path::Path) -> support::Server {
    support::add_user(
        bin,
        data,
        "bench@city.example.jp",
        "editor",
        "benchmark password",
    );
    support::serve(bin, data)
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
    let clip = dir.path().join("lecture-1080p.mp4");
    let spec = SynthSpec {
        width: 1920,
        height: 1080,
        fps: 30,
        seconds: 20.0,
        pattern: "testsrc2".into(),
        tone_hz: Some(440),
    };
    generate(&clip, &spec).expect("generating the clip");
    let bytes = std::fs::read(&clip).expect("clip");
    println!(
        "clip: 20 s 1920x1080 30 fps H.264 + AAC, {:.1} MB; ladder: standard (1080p/720p/540p/360p), preset faster",
        bytes.len() as f64 / 1e6
    );
    println!(
        "{:>4} {:>12} {:>14} {:>14}",
        "run", "ready (s)", "idle RSS (MB)", "peak RSS (MB)"
    );
    let mut times = Vec::new();
    for run in 1..=runs {
        let data = dir.path().join(format!("data-{run}"));
        let server = start(bin, &data);
        let pid = server.child.id();
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("client");
        let login: serde_json::Value = client
            .post(format!("{}/api/v1/session", server.base))
            .json(&serde_json::json!({"email": "bench@city.example.jp", "password": "benchmark password"}))
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("login body");
        let csrf = login["csrf_token"].as_str().expect("csrf").to_owned();
        tokio::time::sleep(Duration::from_secs(1)).await;
        let idle = support::rss_kib(pid).unwrap_or(0);

        let started = Instant::now();
        let created: serde_json::Value = client
            .post(format!("{}/api/v1/videos", server.base))
            .header("x-csrf-token", &csrf)
            .header("x-filename", "lecture.mp4")
            .body(bytes.clone())
            .send()
            .await
            .expect("upload")
            .json()
            .await
            .expect("upload body");
        let id = created["id"].as_i64().expect("id");
        let mut peak = idle;
        loop {
            peak = peak.max(support::rss_kib(pid).unwrap_or(0));
            let v: serde_json::Value = client
                .get(format!("{}/api/v1/videos/{id}", server.base))
                .send()
                .await
                .expect("poll")
                .json()
                .await
                .expect("poll body");
            match v["status"].as_str() {
                Some("ready") => break,
                Some("failed") => panic!("transcode failed: {v}"),
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        let secs = started.elapsed().as_secs_f64();
        times.push(secs);
        println!(
            "{run:>4} {secs:>12.2} {:>14.1} {:>14.1}",
            idle as f64 / 1024.0,
            peak as f64 / 1024.0
        );
    }
    times.sort_by(f64::total_cmp);
    println!(
        "median upload→ready: {:.2} s ({:.2}× real time)",
        times[times.len() / 2],
        times[times.len() / 2] / 20.0
    );
}

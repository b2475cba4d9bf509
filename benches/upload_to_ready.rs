//! How long from upload to ready for a 20 s 1080p30 clip, and how much memory
//! does the service use idle and while transcoding?
//!
//! Runs the real release binary (`manabi serve`) as a subprocess on a free
//! port with a fresh data directory, uploads a clip generated with the FFmpeg
//! libraries, polls until it is ready, and samples the process's resident
//! memory (VmRSS from /proc) every 50 ms.
//!
//! `cargo bench --bench upload_to_ready` (add `-- --runs N` for more runs).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use transcoder::synth::{SynthSpec, generate};

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(bin: &str, data: &std::path::Path) -> Server {
    let mut add = Command::new(bin)
        .args([
            "user",
            "add",
            "--email",
            "bench@city.example.jp",
            "--role",
            "editor",
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
        .write_all(b"benchmark password\n")
        .expect("password");
    assert!(add.wait().expect("user add").success());
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
        let idle = rss_kib(pid).unwrap_or(0);

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
            peak = peak.max(rss_kib(pid).unwrap_or(0));
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

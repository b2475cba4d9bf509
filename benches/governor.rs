//! Does the network budget governor keep a site within its budget, share it
//! fairly among its viewers and keep every one of them playing? (issue 4)
//!
//! N simulated viewers that choose renditions the way hls.js does watch one
//! video from an office site with a budget (default 50 viewers, 100 Mbit/s,
//! 60 s), first from manabi's origin, then the same viewers from nginx
//! serving the same files with no budget, to show the difference.
//!
//! 1. **Content, for real.** A clip generated with the FFmpeg libraries
//!    (`testsrc2` 1920×1080 30 fps with a tone, default 60 s: the 1080p rung
//!    hits its 4500 kbit/s cap) is uploaded to the release `manabi serve`
//!    (role all) started with a fresh data directory and `--config FILE`
//!    holding one `[[network.sites]]` ("office", 127.0.0.0/8, the budget).
//!    An editor and N learners are made with `manabi user add
//!    --password-stdin`; the editor waits for `ready`, puts the video in a
//!    course and publishes it; every learner logs in (one cookie jar and one
//!    keep-alive connection each, like N browsers).
//! 2. **The viewers** start together. Each one (manabi) calls `POST
//!    /api/v1/videos/{id}/play` and takes its `max_bitrate_kbps` as the cap
//!    (the player's `autoLevelCapping`: the highest rung whose `BANDWIDTH`
//!    fits, the lowest when none does), sends a heartbeat every 10 s and
//!    applies the cap and renewed grant it answers, as `player/src/player.ts`
//!    does. Then, like hls.js 1.7: the master playlist (video variants only),
//!    the start rung (the default estimate of 500 kbit/s raised to the lowest
//!    rung's `BANDWIDTH`, factor 1: the highest rung whose `BANDWIDTH` is at
//!    most that), each rung's media playlist and init segment when first
//!    used, and segments in order while the buffer is below 30 s
//!    (`maxBufferLength`). Each segment download feeds the bandwidth
//!    estimate: download time less min(time to response headers, TTFB
//!    estimate), into a fast and a slow EWMA (half-lives 3 s and 9 s,
//!    weighted by the download time); the estimate is the smaller. Before
//!    each segment the next rung is the highest one, under the cap, whose
//!    `BANDWIDTH` is ≤ 0.7 × estimate if it is above the current rung
//!    (`abrBandWidthUpFactor`) or ≤ 0.95 × estimate otherwise
//!    (`abrBandWidthFactor`); the lowest when none fits. Playback starts when
//!    the first segment is in and drains the buffer in real time; a stall is
//!    the buffer running empty after that (playback resumes with the next
//!    segment). At the end of the video the viewer goes on from segment 0.
//!    Not modelled: hls.js's use of `AVERAGE-BANDWIDTH` instead of
//!    `BANDWIDTH` once two segments are buffered (it would switch up a
//!    little sooner), and by default its emergency switch-down of a segment
//!    loading too slowly (`--abandon` adds it).
//! 3. **Measured at the client**: every body chunk's bytes (playlists, init
//!    segments and segments) by arrival time in 100 ms bins. Aggregate
//!    egress over 1 s windows sliding by 100 ms, after a warm-up that is
//!    left out (default 5 s): the 99th percentile and the maximum against
//!    the budget, and the mean. Each viewer's throughput (its bytes / the
//!    time from joining to the end) gives Jain's fairness index
//!    (Σx)² / (n·Σx²).
//!    Stalls, start-up times and the rungs used are per viewer.
//! 4. **nginx** (installed with apt when missing), in the foreground with its
//!    own config in the temporary directory as `benches/origin_vs_nginx.sh`
//!    runs it, its root at the video's HLS directory: the same viewers fetch
//!    the unfiltered master and the segments by plain path, with no cap,
//!    no heartbeat and no budget. manabi is stopped by then.
//!
//! Targets (manabi): p99 1 s egress ≤ 105 % of the budget, Jain's index
//! ≥ 0.95, no viewer stalled. The report (markdown) goes to stdout, progress
//! to stderr.
//!
//! `cargo bench --bench governor -- --viewers 50 --budget-mbps 100 --seconds 60`
//! (also `--warmup-seconds 5`, `--clip-seconds 60`, and `--ramp-seconds R`:
//! viewer i of n joins R × i / n seconds after the start instead of all at
//! once; `--abandon`: the viewers also abandon a segment loading too slowly
//! and load it from a lower rung, as hls.js's `_abandonRulesCheck` does;
//! `--trace FILE`: every segment download of both runs as CSV).

use anyhow::{Context, anyhow, bail, ensure};
use serde_json::{Value, json};
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::time::Instant;
use transcoder::synth::{SynthSpec, generate};

/// Every account's password (`manabi user add` wants at least 12 characters).
const PASSWORD: &str = "benchmark password";
/// hls.js `maxBufferLength` as `player/src/player.ts` sets it.
const BUFFER_TARGET_S: f64 = 30.0;
/// `HEARTBEAT_INTERVAL_MS` of `player/src/player.ts`.
const HEARTBEAT: Duration = Duration::from_secs(10);
/// hls.js `abrEwmaDefaultEstimate`.
const DEFAULT_ESTIMATE_BPS: f64 = 500_000.0;
/// hls.js `abrEwmaFastVoD` / `abrEwmaSlowVoD`, seconds.
const FAST_HALF_LIFE_S: f64 = 3.0;
const SLOW_HALF_LIFE_S: f64 = 9.0;
/// hls.js `abrBandWidthFactor` / `abrBandWidthUpFactor`.
const BW_FACTOR: f64 = 0.95;
const BW_UP_FACTOR: f64 = 0.7;
/// Resolution of the egress record.
const BIN: Duration = Duration::from_millis(100);
const BINS_PER_S: usize = 10;
/// Issue 4 targets.
const TARGET_P99_OF_BUDGET: f64 = 1.05;
const TARGET_JAIN: f64 = 0.95;

fn log(msg: impl std::fmt::Display) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    eprintln!(
        "[governor {:02}:{:02}:{:02}] {msg}",
        now / 3600 % 24,
        now / 60 % 60,
        now % 60
    );
}

// ---------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------

struct Args {
    viewers: usize,
    budget_mbps: f64,
    seconds: u64,
    warmup_s: u64,
    clip_s: f64,
    ramp_s: f64,
    trace: Option<String>,
    abandon: bool,
}

fn arg<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    let mut args = std::env::args().skip_while(|a| a != name);
    if args.next().is_none() {
        return Ok(default);
    }
    let value = args
        .next()
        .with_context(|| format!("{name} needs a value"))?;
    value
        .parse()
        .map_err(|_| anyhow!("{name}: cannot read {value:?}"))
}

impl Args {
    fn parse() -> anyhow::Result<Self> {
        let args = Self {
            viewers: arg("--viewers", 50)?,
            budget_mbps: arg("--budget-mbps", 100.0)?,
            seconds: arg("--seconds", 60)?,
            warmup_s: arg("--warmup-seconds", 5)?,
            clip_s: arg("--clip-seconds", 60.0)?,
            ramp_s: arg("--ramp-seconds", 0.0)?,
            trace: arg("--trace", String::new()).map(|t| Some(t).filter(|t| !t.is_empty()))?,
            abandon: std::env::args().any(|a| a == "--abandon"),
        };
        ensure!(args.viewers > 0, "--viewers must be at least 1");
        ensure!(args.budget_mbps > 0.0, "--budget-mbps must be positive");
        ensure!(
            args.seconds >= args.warmup_s + 2,
            "--seconds must exceed --warmup-seconds by 2 or more"
        );
        ensure!(args.clip_s >= 12.0, "--clip-seconds must be 12 or more");
        ensure!(
            (0.0..args.seconds as f64).contains(&args.ramp_s),
            "--ramp-seconds must be 0 or more and less than --seconds"
        );
        Ok(args)
    }
}

// ---------------------------------------------------------------------------
// Processes: manabi and nginx
// ---------------------------------------------------------------------------

/// A server this benchmark started; stopped (SIGTERM, then SIGKILL) on drop.
struct Server {
    child: Child,
    name: &'static str,
}

impl Server {
    fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        // std offers only SIGKILL; nginx's master must get SIGTERM to stop its workers.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        log(format!("{} did not stop on SIGTERM: killing it", self.name));
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn manabi(bin: &str, work: &Path) -> Command {
    let mut cmd = Command::new(bin);
    cmd.arg("--config")
        .arg(work.join("manabi.toml"))
        .env("MANABI_DATA_DIR", work.join("data"))
        .env("MANABI_HTTP__ADDR", "127.0.0.1:0")
        .env("MANABI_LOG__LEVEL", "warn");
    cmd
}

fn add_user(bin: &str, work: &Path, email: &str, role: &str) -> anyhow::Result<()> {
    let mut add = manabi(bin, work)
        .args(["user", "add", "--email", email, "--role", role])
        .arg("--password-stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .context("starting manabi user add")?;
    add.stdin
        .take()
        .context("stdin of manabi user add")?
        .write_all(format!("{PASSWORD}\n").as_bytes())?;
    ensure!(add.wait()?.success(), "manabi user add {email} failed");
    Ok(())
}

fn learner_email(i: usize) -> String {
    format!("learner{i:03}@bench.example.jp")
}

/// Starts `manabi serve` (role all) and returns it with its base URL.
fn start_manabi(bin: &str, work: &Path) -> anyhow::Result<(Server, String)> {
    let stderr = std::fs::File::create(work.join("manabi.log"))?;
    let mut child = manabi(bin, work)
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .context("starting manabi serve")?;
    let mut lines = BufReader::new(child.stdout.take().context("stdout of manabi")?).lines();
    let mut server = Server {
        child,
        name: "manabi",
    };
    let line = lines.next().transpose()?.unwrap_or_default();
    let Some(base) = line.split_whitespace().find(|w| w.starts_with("http://")) else {
        server.stop();
        let log_text = std::fs::read_to_string(work.join("manabi.log")).unwrap_or_default();
        bail!("manabi serve did not say where it listens: {line:?}\n{log_text}");
    };
    // Keep draining stdout so the server never writes into a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Ok((server, base.trim_end_matches('/').to_owned()))
}

fn nginx_binary() -> anyhow::Result<String> {
    let find = || {
        ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .find(|p| Path::new(p).exists())
    };
    if let Some(p) = find() {
        return Ok(p.to_owned());
    }
    log("installing nginx (apt-get)");
    let sudo = !matches!(run_text("id", &["-u"]).as_deref(), Some("0"));
    let mut cmd = Command::new(if sudo { "sudo" } else { "apt-get" });
    if sudo {
        cmd.arg("apt-get");
    }
    let ok = cmd
        .args(["install", "-y", "-q", "--no-install-recommends", "nginx"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        let mut update = Command::new(if sudo { "sudo" } else { "apt-get" });
        if sudo {
            update.arg("apt-get");
        }
        update
            .args(["update", "-q"])
            .stdout(Stdio::null())
            .status()?;
        let mut again = Command::new(if sudo { "sudo" } else { "apt-get" });
        if sudo {
            again.arg("apt-get");
        }
        again
            .args(["install", "-y", "-q", "--no-install-recommends", "nginx"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()?;
    }
    find()
        .map(str::to_owned)
        .context("nginx not found after installing it")
}

fn run_text(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    let text = if out.stdout.is_empty() {
        out.stderr
    } else {
        out.stdout
    };
    Some(String::from_utf8_lossy(&text).trim().to_owned())
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The configuration `benches/origin_vs_nginx.sh` uses: what a careful
/// operator sets for static HLS, nothing that limits bandwidth.
fn nginx_conf(prefix: &Path, port: u16, root: &Path) -> String {
    let user = run_text("id", &["-un"]).unwrap_or_else(|| "root".into());
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let p = prefix.display();
    format!(
        "daemon off;
master_process on;
user {user};
worker_processes {workers};
pid {p}/nginx.pid;
error_log {p}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    types {{
        application/vnd.apple.mpegurl m3u8;
        video/iso.segment m4s;
        video/mp4 mp4;
    }}
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    open_file_cache max=1000 inactive=60s;
    open_file_cache_valid 60s;
    open_file_cache_errors on;
    keepalive_requests 1000000;
    access_log off;
    client_body_temp_path {p}/tmp/body;
    proxy_temp_path {p}/tmp/proxy;
    fastcgi_temp_path {p}/tmp/fastcgi;
    uwsgi_temp_path {p}/tmp/uwsgi;
    scgi_temp_path {p}/tmp/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
",
        root = root.display()
    )
}

async fn start_nginx(nginx: &str, work: &Path, root: &Path) -> anyhow::Result<(Server, String)> {
    let prefix = work.join("nginx");
    std::fs::create_dir_all(prefix.join("tmp"))?;
    let port = free_port()?;
    let conf = prefix.join("nginx.conf");
    std::fs::write(&conf, nginx_conf(&prefix, port, root))?;
    let child = Command::new(nginx)
        .arg("-p")
        .arg(&prefix)
        .arg("-e")
        .arg(prefix.join("error.log"))
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(prefix.join("stderr"))?)
        .spawn()
        .context("starting nginx")?;
    let mut server = Server {
        child,
        name: "nginx",
    };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok((server, format!("http://127.0.0.1:{port}")));
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            let err = std::fs::read_to_string(prefix.join("error.log")).unwrap_or_default();
            bail!("nginx exited ({status}): {err}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.stop();
    bail!("nginx did not listen on 127.0.0.1:{port} within 10 s")
}

// ---------------------------------------------------------------------------
// The catalog's HTTP API
// ---------------------------------------------------------------------------

/// A logged-in account: its own cookie jar and connections, like a browser.
struct Api {
    client: reqwest::Client,
    base: String,
    csrf: String,
}

async fn json_of(resp: reqwest::Response) -> anyhow::Result<Value> {
    let status = resp.status();
    let text = resp.text().await?;
    ensure!(
        status.is_success(),
        "{status}: {}",
        text.chars().take(300).collect::<String>()
    );
    serde_json::from_str(&text).with_context(|| format!("not JSON: {text:.200}"))
}

impl Api {
    async fn login(base: &str, email: &str) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .connect_timeout(Duration::from_secs(10))
            .build()?;
        let body = json_of(
            client
                .post(format!("{base}/api/v1/session"))
                .json(&json!({"email": email, "password": PASSWORD}))
                .send()
                .await?,
        )
        .await
        .with_context(|| format!("logging in {email}"))?;
        let csrf = body["csrf_token"]
            .as_str()
            .context("login answered no csrf_token")?
            .to_owned();
        Ok(Self {
            client,
            base: base.to_owned(),
            csrf,
        })
    }

    async fn get(&self, path: &str) -> anyhow::Result<Value> {
        json_of(
            self.client
                .get(format!("{}{path}", self.base))
                .send()
                .await?,
        )
        .await
        .with_context(|| format!("GET {path}"))
    }

    async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        json_of(
            self.client
                .post(format!("{}{path}", self.base))
                .header("x-csrf-token", &self.csrf)
                .json(body)
                .send()
                .await?,
        )
        .await
        .with_context(|| format!("POST {path}"))
    }
}

/// Upload → ready → course → publish (tests/e2e/path.rs walks the same
/// routes). Returns the video id.
async fn upload_and_publish(editor: &Api, clip: Vec<u8>) -> anyhow::Result<i64> {
    let created = json_of(
        editor
            .client
            .post(format!("{}/api/v1/videos", editor.base))
            .header("x-csrf-token", &editor.csrf)
            .header("x-filename", "governor-testsrc2.mp4")
            .body(clip)
            .send()
            .await?,
    )
    .await
    .context("uploading the clip")?;
    let id = created["id"].as_i64().context("upload answered no id")?;
    let started = Instant::now();
    let mut said = Instant::now();
    loop {
        let v = editor.get(&format!("/api/v1/videos/{id}")).await?;
        match v["status"].as_str() {
            Some("ready") => break,
            Some("failed") => bail!("the transcode failed: {v}"),
            _ => {}
        }
        ensure!(
            started.elapsed() < Duration::from_secs(3600),
            "video {id} not ready after an hour: {v}"
        );
        if said.elapsed() >= Duration::from_secs(15) {
            log(format!(
                "  transcoding… {:.0} s ({})",
                started.elapsed().as_secs_f64(),
                v["status"]
            ));
            said = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    log(format!(
        "video {id} ready after {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    let cats = editor.get("/api/v1/categories").await?;
    let category = cats["items"][0]["id"]
        .as_i64()
        .context("no category to put the course in")?;
    let course = editor
        .post(
            "/api/v1/courses",
            &json!({"category_id": category, "title": "Governor benchmark",
                    "lessons": [{"title": "testsrc2", "video_id": id}]}),
        )
        .await?;
    let course = course["id"].as_i64().context("course answered no id")?;
    editor
        .post(&format!("/api/v1/courses/{course}/publish"), &json!({}))
        .await?;
    Ok(id)
}

// ---------------------------------------------------------------------------
// Playlists
// ---------------------------------------------------------------------------

/// A video variant of a master playlist.
#[derive(Debug, Clone)]
struct Rung {
    name: String,
    bandwidth: u64,
    average: Option<u64>,
    /// Relative to the master's directory.
    uri: String,
}

/// Video variants (those with a RESOLUTION: hls.js drops audio-only
/// variants when there is video), lowest `BANDWIDTH` first.
fn video_rungs(master: &[u8]) -> anyhow::Result<Vec<Rung>> {
    let Ok(m3u8_rs::Playlist::MasterPlaylist(master)) = m3u8_rs::parse_playlist_res(master) else {
        bail!("not a master playlist");
    };
    let mut rungs: Vec<Rung> = master
        .variants
        .iter()
        .filter(|v| !v.is_i_frame)
        .filter_map(|v| {
            let res = v.resolution?;
            Some(Rung {
                name: format!("{}p", res.height),
                bandwidth: v.bandwidth,
                average: v.average_bandwidth,
                uri: v.uri.clone(),
            })
        })
        .collect();
    ensure!(!rungs.is_empty(), "no video variant in the master playlist");
    rungs.sort_by_key(|r| r.bandwidth);
    Ok(rungs)
}

/// A rung's media playlist: init segment and segments, relative to the
/// URL prefix.
struct MediaList {
    init: Option<String>,
    segments: Vec<(String, f64)>,
}

fn media_list(rel: &str, text: &[u8]) -> anyhow::Result<MediaList> {
    let Ok(m3u8_rs::Playlist::MediaPlaylist(list)) = m3u8_rs::parse_playlist_res(text) else {
        bail!("{rel} is not a media playlist");
    };
    let init = list
        .segments
        .iter()
        .find_map(|s| s.map.as_ref())
        .map(|m| resolve(rel, &m.uri));
    let segments: Vec<(String, f64)> = list
        .segments
        .iter()
        .map(|s| (resolve(rel, &s.uri), f64::from(s.duration)))
        .collect();
    ensure!(!segments.is_empty(), "{rel} has no segments");
    Ok(MediaList { init, segments })
}

/// `uri` relative to the directory of `base` (both relative paths).
fn resolve(base: &str, uri: &str) -> String {
    match base.rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/{uri}"),
        None => uri.to_owned(),
    }
}

/// Splits an absolute master URL into the prefix up to its grant token
/// (`http://h/media/v/1/TOKEN/`) and `REV/master.m3u8`.
fn split_master(url: &str) -> anyhow::Result<(String, String)> {
    let (head, file) = url.rsplit_once('/').context("master URL without a path")?;
    let (prefix, rev) = head
        .rsplit_once('/')
        .context("master URL without a revision")?;
    Ok((format!("{prefix}/"), format!("{rev}/{file}")))
}

// ---------------------------------------------------------------------------
// hls.js's bandwidth estimate and rendition choice
// ---------------------------------------------------------------------------

/// hls.js `EWMA` (src/utils/ewma.ts).
struct Ewma {
    alpha: f64,
    estimate: f64,
    total_weight: f64,
}

impl Ewma {
    fn new(half_life: f64) -> Self {
        Self {
            alpha: (0.5f64.ln() / half_life).exp(),
            estimate: 0.0,
            total_weight: 0.0,
        }
    }

    fn sample(&mut self, weight: f64, value: f64) {
        let adj = self.alpha.powf(weight);
        self.estimate = value * (1.0 - adj) + adj * self.estimate;
        self.total_weight += weight;
    }

    fn get(&self) -> f64 {
        let zero_factor = 1.0 - self.alpha.powf(self.total_weight);
        if zero_factor > 0.0 {
            self.estimate / zero_factor
        } else {
            self.estimate
        }
    }
}

/// hls.js `EwmaBandWidthEstimator` (src/utils/ewma-bandwidth-estimator.ts).
struct Estimator {
    default_bps: f64,
    fast: Ewma,
    slow: Ewma,
    ttfb: Ewma,
}

impl Estimator {
    fn new(default_bps: f64) -> Self {
        Self {
            default_bps,
            fast: Ewma::new(FAST_HALF_LIFE_S),
            slow: Ewma::new(SLOW_HALF_LIFE_S),
            ttfb: Ewma::new(SLOW_HALF_LIFE_S),
        }
    }

    fn sample(&mut self, duration_ms: f64, bytes: u64) {
        if bytes == 0 {
            return;
        }
        let min_delay_ms = 50f64.min(bytes as f64 / 100_000.0);
        let seconds = duration_ms.max(min_delay_ms) / 1000.0;
        let bps = bytes as f64 * 8.0 / seconds;
        self.fast.sample(seconds, bps);
        self.slow.sample(seconds, bps);
    }

    fn sample_ttfb(&mut self, ttfb_ms: f64) {
        let s = ttfb_ms / 1000.0;
        let weight = 2f64.sqrt() * (-s * s / 2.0).exp();
        self.ttfb.sample(weight, ttfb_ms.max(5.0));
    }

    fn ttfb_ms(&self) -> f64 {
        if self.ttfb.total_weight >= 0.001 {
            self.ttfb.get()
        } else {
            100.0
        }
    }

    fn bps(&self) -> f64 {
        if self.fast.total_weight >= 0.001 {
            self.fast.get().min(self.slow.get())
        } else {
            self.default_bps
        }
    }
}

/// The player's `pickBitrateCap` (player/src/levels.ts): the highest rung
/// whose `BANDWIDTH` fits `cap_kbps`, the lowest when none does; no cap at 0.
fn cap_index(rungs: &[Rung], cap_kbps: u64) -> usize {
    if cap_kbps == 0 {
        return rungs.len() - 1;
    }
    rungs
        .iter()
        .rposition(|r| r.bandwidth <= cap_kbps * 1000)
        .unwrap_or(0)
}

/// hls.js's first choice: the default estimate raised to the lowest rung's
/// bitrate (`getStartCodecTier`), factor 1.
fn start_index(rungs: &[Rung], cap: usize) -> usize {
    let bw = DEFAULT_ESTIMATE_BPS.max(rungs[0].bandwidth as f64);
    rungs[..=cap]
        .iter()
        .rposition(|r| r.bandwidth as f64 <= bw)
        .unwrap_or(0)
}

/// The next rung: up-switches need `BANDWIDTH` ≤ 0.7 × estimate, staying or
/// going down ≤ 0.95 × estimate; the lowest rung when nothing fits.
fn next_index(rungs: &[Rung], current: usize, estimate_bps: f64, cap: usize) -> usize {
    (0..=cap)
        .rev()
        .find(|&i| {
            let factor = if i > current { BW_UP_FACTOR } else { BW_FACTOR };
            rungs[i].bandwidth as f64 <= factor * estimate_bps
        })
        .unwrap_or(0)
}

/// hls.js's emergency switch-down (`_abandonRulesCheck` of
/// src/controller/abr-controller.ts, `--abandon`): once a segment has loaded
/// for half its duration, if the rest would arrive after the buffer runs
/// out and a lower rung's segment would arrive sooner, the rung to load the
/// same segment from instead. hls.js checks every 100 ms; this is asked at
/// every body chunk (a 32 KiB chunk arrives every 131 ms at 2 Mbit/s).
#[allow(clippy::too_many_arguments)]
fn abandon_to(
    rungs: &[Rung],
    current: usize,
    lists: &HashMap<usize, MediaList>,
    segment_s: f64,
    loaded: u64,
    elapsed_s: f64,
    ttfb_s: f64,
    buffer_left_s: f64,
    estimator: &Estimator,
) -> Option<usize> {
    let ttfb_estimate_s = estimator.ttfb_ms() / 1000.0;
    if elapsed_s <= ttfb_estimate_s.max(segment_s / 2.0) {
        return None;
    }
    let rung = &rungs[current];
    let expected = (loaded as f64)
        .max((segment_s * rung.average.unwrap_or(rung.bandwidth) as f64 / 8.0).round());
    let mut streaming = elapsed_s - ttfb_s;
    if streaming < 1.0 {
        streaming = elapsed_s.min(loaded as f64 * 8.0 / estimator.bps());
    }
    let load_rate = if loaded > 0 && streaming > 0.0 {
        loaded as f64 / streaming
    } else {
        0.0
    };
    let rest_s = if load_rate > 0.0 {
        (expected - loaded as f64) / load_rate
    } else {
        expected * 8.0 / estimator.bps() + ttfb_estimate_s
    };
    if rest_s <= buffer_left_s {
        return None;
    }
    let bwe = if load_rate > 0.0 {
        load_rate * 8.0
    } else {
        estimator.bps()
    };
    // hls.js's loop stops above the lowest rung: from the second rung it
    // never switches down, and when nothing fits it falls to the lowest.
    let mut next = current.checked_sub(1)?;
    let mut next_s = f64::INFINITY;
    while next > 0 {
        let playlist_s = if lists.contains_key(&next) {
            0.0
        } else {
            ttfb_estimate_s
        };
        next_s = ttfb_estimate_s + segment_s * rungs[next].bandwidth as f64 / bwe + playlist_s;
        if next_s < buffer_left_s.min(segment_s + ttfb_estimate_s) {
            break;
        }
        next -= 1;
    }
    if next_s >= rest_s || next_s > segment_s * 10.0 {
        return None;
    }
    Some(next)
}

// ---------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------

/// Body bytes of every viewer by arrival time, in [`BIN`]s from `origin`.
struct Meter {
    origin: Instant,
    bins: Vec<AtomicU64>,
}

impl Meter {
    fn new(origin: Instant, seconds: u64) -> Self {
        let n = (seconds as usize + 2) * BINS_PER_S;
        Self {
            origin,
            bins: (0..n).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    fn add(&self, at: Instant, bytes: u64) {
        let Some(since) = at.checked_duration_since(self.origin) else {
            return;
        };
        let i = (since.as_millis() / BIN.as_millis()) as usize;
        if let Some(bin) = self.bins.get(i) {
            bin.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    fn values(&self) -> Vec<u64> {
        self.bins
            .iter()
            .map(|b| b.load(Ordering::Relaxed))
            .collect()
    }
}

struct Download {
    body: Vec<u8>,
    bytes: u64,
    ttfb: Duration,
    took: Duration,
    done: Instant,
}

enum FetchError {
    /// The run ended during the request.
    Deadline,
    /// The player gave up on a segment loading too slowly (`--abandon`).
    Abandoned {
        loaded: u64,
        elapsed: f64,
        ttfb: f64,
    },
    Failed(String),
}

/// GETs `url`, counting every body chunk into `meter` and `counted` as it
/// arrives; gives up at `deadline`.
async fn download(
    client: &reqwest::Client,
    url: &str,
    meter: &Meter,
    counted: &mut u64,
    keep_body: bool,
    deadline: Instant,
) -> Result<Download, FetchError> {
    download_or_abandon(
        client,
        url,
        meter,
        counted,
        keep_body,
        deadline,
        &mut |_, _, _| false,
    )
    .await
}

/// [`download`], asking `abandon(loaded bytes, seconds loading, seconds to
/// the response headers)` after every body chunk whether to give up.
async fn download_or_abandon(
    client: &reqwest::Client,
    url: &str,
    meter: &Meter,
    counted: &mut u64,
    keep_body: bool,
    deadline: Instant,
    abandon: &mut (dyn FnMut(u64, f64, f64) -> bool + Send),
) -> Result<Download, FetchError> {
    let started = Instant::now();
    let failed = |e: reqwest::Error| FetchError::Failed(e.without_url().to_string());
    let mut resp = tokio::time::timeout_at(deadline, client.get(url).send())
        .await
        .map_err(|_| FetchError::Deadline)?
        .map_err(failed)?;
    // hls.js's loading.first: the response headers are in.
    let ttfb = started.elapsed();
    if !resp.status().is_success() {
        let path = url.rsplit('/').take(2).collect::<Vec<_>>();
        return Err(FetchError::Failed(format!(
            "{} for …/{}/{}",
            resp.status(),
            path.get(1).unwrap_or(&""),
            path.first().unwrap_or(&"")
        )));
    }
    let mut body = Vec::new();
    let mut bytes = 0;
    loop {
        let chunk = tokio::time::timeout_at(deadline, resp.chunk())
            .await
            .map_err(|_| FetchError::Deadline)?
            .map_err(failed)?;
        let Some(chunk) = chunk else { break };
        let n = chunk.len() as u64;
        meter.add(Instant::now(), n);
        *counted += n;
        bytes += n;
        if keep_body {
            body.extend_from_slice(&chunk);
        }
        let elapsed = started.elapsed().as_secs_f64();
        if abandon(bytes, elapsed, ttfb.as_secs_f64()) {
            return Err(FetchError::Abandoned {
                loaded: bytes,
                elapsed,
                ttfb: ttfb.as_secs_f64(),
            });
        }
    }
    let done = Instant::now();
    Ok(Download {
        body,
        bytes,
        ttfb,
        took: done - started,
        done,
    })
}

/// The media element: a buffer filled by whole segments and drained in real
/// time once playback has started.
struct Playback {
    at: Instant,
    buffered_s: f64,
    played_s: f64,
    playing: bool,
    started: Option<Instant>,
    stall_since: Option<Instant>,
    stalls: u32,
    stalled: Duration,
}

impl Playback {
    fn new(now: Instant) -> Self {
        Self {
            at: now,
            buffered_s: 0.0,
            played_s: 0.0,
            playing: false,
            started: None,
            stall_since: None,
            stalls: 0,
            stalled: Duration::ZERO,
        }
    }

    fn advance(&mut self, now: Instant) {
        let dt = now.saturating_duration_since(self.at).as_secs_f64();
        if self.playing {
            if dt >= self.buffered_s {
                self.stall_since = Some(self.at + Duration::from_secs_f64(self.buffered_s));
                self.played_s += self.buffered_s;
                self.buffered_s = 0.0;
                self.playing = false;
                self.stalls += 1;
            } else {
                self.buffered_s -= dt;
                self.played_s += dt;
            }
        }
        self.at = self.at.max(now);
    }

    /// Seconds of media left to play at `now`, without advancing.
    fn buffer_left(&self, now: Instant) -> f64 {
        if !self.playing {
            return 0.0;
        }
        (self.buffered_s - now.saturating_duration_since(self.at).as_secs_f64()).max(0.0)
    }

    fn append(&mut self, now: Instant, seconds: f64) {
        self.advance(now);
        self.buffered_s += seconds;
        if !self.playing {
            if let Some(since) = self.stall_since.take() {
                self.stalled += now.saturating_duration_since(since);
            }
            self.started.get_or_insert(now);
            self.playing = true;
        }
    }

    fn finish(&mut self, end: Instant) {
        self.advance(end);
        if let Some(since) = self.stall_since.take() {
            self.stalled += end.saturating_duration_since(since);
        }
    }
}

// ---------------------------------------------------------------------------
// One viewer
// ---------------------------------------------------------------------------

/// What a manabi viewer shares with its heartbeat task.
struct Link {
    /// URL prefix up to the newest grant token.
    prefix: String,
    cap_kbps: u64,
    position_s: f64,
    heartbeats: u32,
    heartbeat_errors: u32,
    renewals: u32,
}

enum Source {
    /// A learner's session: play, heartbeats, grants.
    Manabi { api: Api, video: i64 },
    /// A plain URL, no cap.
    Nginx {
        client: reqwest::Client,
        master_url: String,
    },
}

/// One segment download, for `--trace`.
struct SegmentLog {
    requested_s: f64,
    done_s: f64,
    rung: String,
    bytes: u64,
    buffer_before_s: f64,
    estimate_before_kbps: f64,
    estimate_after_kbps: f64,
    cap_kbps: u64,
    stalls: u32,
}

#[derive(Default)]
struct ViewerResult {
    /// Seconds from the run's start to joining.
    joined_s: f64,
    trace: Vec<SegmentLog>,
    bytes: u64,
    /// From joining to the end of the run.
    watched_s: f64,
    segments: BTreeMap<String, u32>,
    final_rung: Option<String>,
    switches: u32,
    abandoned: u32,
    stalls: u32,
    stalled_s: f64,
    startup_s: Option<f64>,
    errors: u32,
    first_error: Option<String>,
    rungs_listed: usize,
    cap_at_play: Option<u64>,
    cap_at_end: Option<u64>,
    heartbeats: u32,
    heartbeat_errors: u32,
    renewals: u32,
}

impl ViewerResult {
    fn error(&mut self, e: String) {
        self.errors += 1;
        self.first_error.get_or_insert(e);
    }
}

fn lock(link: &Mutex<Link>) -> std::sync::MutexGuard<'_, Link> {
    link.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn heartbeats(api: Arc<Api>, session: String, link: Arc<Mutex<Link>>, duration_s: f64) {
    let mut seq = 0;
    let mut tick = tokio::time::interval_at(Instant::now() + HEARTBEAT, HEARTBEAT);
    loop {
        tick.tick().await;
        seq += 1;
        let position = lock(&link).position_s % duration_s;
        let body = json!({"seq": seq, "position_s": position, "played": [], "rate": 1.0});
        let answer = api
            .post(&format!("/api/v1/play/{session}/heartbeat"), &body)
            .await;
        let mut l = lock(&link);
        match answer {
            Ok(v) => {
                l.heartbeats += 1;
                if let Some(cap) = v["max_bitrate_kbps"].as_u64() {
                    l.cap_kbps = cap;
                }
                if let Some(url) = v["master_url"].as_str()
                    && let Ok((prefix, _)) = split_master(&format!("{}{url}", api.base))
                {
                    l.prefix = prefix;
                    l.renewals += 1;
                }
            }
            Err(_) => l.heartbeat_errors += 1,
        }
    }
}

async fn viewer(
    source: Source,
    meter: Arc<Meter>,
    start: Instant,
    deadline: Instant,
    duration_s: f64,
    abandon_rule: bool,
) -> ViewerResult {
    tokio::time::sleep_until(start).await;
    let mut out = ViewerResult::default();
    let mut heartbeat = None;
    let (client, link, master_rel) = match &source {
        Source::Manabi { api, video } => {
            let play = match api
                .post(&format!("/api/v1/videos/{video}/play"), &json!({}))
                .await
            {
                Ok(v) => v,
                Err(e) => {
                    out.error(format!("play: {e:#}"));
                    return out;
                }
            };
            let cap = play["max_bitrate_kbps"].as_u64().unwrap_or(0);
            out.cap_at_play = Some(cap);
            let url = format!(
                "{}{}",
                api.base,
                play["master_url"].as_str().unwrap_or_default()
            );
            let (Ok((prefix, rel)), Some(session)) =
                (split_master(&url), play["session_id"].as_str())
            else {
                out.error(format!("unexpected play answer: {play}"));
                return out;
            };
            let link = Arc::new(Mutex::new(Link {
                prefix,
                cap_kbps: cap,
                position_s: 0.0,
                heartbeats: 0,
                heartbeat_errors: 0,
                renewals: 0,
            }));
            let api2 = Arc::new(Api {
                client: api.client.clone(),
                base: api.base.clone(),
                csrf: api.csrf.clone(),
            });
            heartbeat = Some(tokio::spawn(heartbeats(
                api2,
                session.to_owned(),
                Arc::clone(&link),
                duration_s,
            )));
            (api.client.clone(), link, rel)
        }
        Source::Nginx { client, master_url } => {
            let Ok((prefix, rel)) = split_master(master_url) else {
                out.error(format!("bad master URL {master_url}"));
                return out;
            };
            let link = Arc::new(Mutex::new(Link {
                prefix,
                cap_kbps: 0,
                position_s: 0.0,
                heartbeats: 0,
                heartbeat_errors: 0,
                renewals: 0,
            }));
            (client.clone(), link, rel)
        }
    };
    let url = |rel: &str| format!("{}{rel}", lock(&link).prefix);

    let mut playback = Playback::new(Instant::now());
    let mut estimator = Estimator::new(DEFAULT_ESTIMATE_BPS);
    let mut forced: Option<usize> = None;
    let mut lists: HashMap<usize, MediaList> = HashMap::new();
    let mut inits: Vec<usize> = Vec::new();
    let mut rungs: Vec<Rung> = Vec::new();
    let mut current = 0;
    let mut next_segment = 0usize;
    let mut loaded_any = false;

    while Instant::now() < deadline {
        let result: Result<(), FetchError> = async {
            if rungs.is_empty() {
                let master = download(
                    &client,
                    &url(&master_rel),
                    &meter,
                    &mut out.bytes,
                    true,
                    deadline,
                )
                .await?;
                rungs =
                    video_rungs(&master.body).map_err(|e| FetchError::Failed(format!("{e:#}")))?;
                out.rungs_listed = rungs.len();
                let cap = cap_index(&rungs, lock(&link).cap_kbps);
                current = start_index(&rungs, cap);
            }
            let now = Instant::now();
            playback.advance(now);
            lock(&link).position_s = playback.played_s;
            if playback.buffered_s >= BUFFER_TARGET_S {
                let wait = Duration::from_secs_f64(playback.buffered_s - BUFFER_TARGET_S);
                tokio::time::sleep_until(deadline.min(now + wait + Duration::from_millis(1))).await;
                return Ok(());
            }
            let cap = cap_index(&rungs, lock(&link).cap_kbps);
            let choice = if let Some(lower) = forced.take() {
                lower.min(cap)
            } else if loaded_any {
                next_index(&rungs, current, estimator.bps(), cap)
            } else {
                current.min(cap)
            };
            if choice != current {
                out.switches += 1;
                current = choice;
            }
            if let Entry::Vacant(slot) = lists.entry(current) {
                let rel = resolve(&master_rel, &rungs[current].uri);
                let text =
                    download(&client, &url(&rel), &meter, &mut out.bytes, true, deadline).await?;
                let list = media_list(&rel, &text.body)
                    .map_err(|e| FetchError::Failed(format!("{e:#}")))?;
                slot.insert(list);
            }
            let list = &lists[&current];
            if !inits.contains(&current) {
                if let Some(init) = &list.init {
                    download(&client, &url(init), &meter, &mut out.bytes, false, deadline).await?;
                }
                inits.push(current);
            }
            let (rel, seconds) = &list.segments[next_segment % list.segments.len()];
            let requested = Instant::now();
            let buffer_before = playback.buffered_s;
            let estimate_before = estimator.bps();
            let cap_before = lock(&link).cap_kbps;
            let since = |t: Instant| t.saturating_duration_since(meter.origin).as_secs_f64();
            let mut lower = None;
            let mut check = |loaded: u64, elapsed: f64, ttfb: f64| {
                if !abandon_rule || playback.started.is_none() {
                    return false;
                }
                let left = playback.buffer_left(Instant::now());
                lower = abandon_to(
                    &rungs, current, &lists, *seconds, loaded, elapsed, ttfb, left, &estimator,
                );
                lower.is_some()
            };
            let loaded = download_or_abandon(
                &client,
                &url(rel),
                &meter,
                &mut out.bytes,
                false,
                deadline,
                &mut check,
            )
            .await;
            let got = match loaded {
                Ok(got) => got,
                Err(FetchError::Abandoned {
                    loaded,
                    elapsed,
                    ttfb,
                }) => {
                    // What hls.js does on an emergency switch-down.
                    let to = lower.unwrap_or(0);
                    estimator.sample(
                        elapsed * 1000.0 - (ttfb * 1000.0).min(estimator.ttfb_ms()),
                        loaded,
                    );
                    let to_bps = rungs[to].bandwidth as f64;
                    if estimator.bps() * BW_UP_FACTOR > to_bps {
                        estimator = Estimator::new(to_bps);
                    }
                    forced = Some(to);
                    out.abandoned += 1;
                    out.trace.push(SegmentLog {
                        requested_s: since(requested),
                        done_s: since(Instant::now()),
                        rung: format!("{} abandoned", rungs[current].name),
                        bytes: loaded,
                        buffer_before_s: buffer_before,
                        estimate_before_kbps: estimate_before / 1000.0,
                        estimate_after_kbps: estimator.bps() / 1000.0,
                        cap_kbps: cap_before,
                        stalls: playback.stalls,
                    });
                    return Ok(());
                }
                Err(e) => return Err(e),
            };
            let ttfb_ms = got.ttfb.as_secs_f64() * 1000.0;
            let took_ms = got.took.as_secs_f64() * 1000.0;
            // hls.js samples the TTFB on FRAG_LOADED, the bandwidth on FRAG_BUFFERED.
            estimator.sample_ttfb(ttfb_ms);
            estimator.sample(took_ms - ttfb_ms.min(estimator.ttfb_ms()), got.bytes);
            playback.append(got.done, *seconds);
            out.trace.push(SegmentLog {
                requested_s: since(requested),
                done_s: since(got.done),
                rung: rungs[current].name.clone(),
                bytes: got.bytes,
                buffer_before_s: buffer_before,
                estimate_before_kbps: estimate_before / 1000.0,
                estimate_after_kbps: estimator.bps() / 1000.0,
                cap_kbps: cap_before,
                stalls: playback.stalls,
            });
            next_segment += 1;
            loaded_any = true;
            *out.segments.entry(rungs[current].name.clone()).or_default() += 1;
            out.final_rung = Some(rungs[current].name.clone());
            Ok(())
        }
        .await;
        match result {
            Ok(()) => {}
            Err(FetchError::Deadline) => break,
            Err(FetchError::Abandoned { .. }) => {}
            Err(FetchError::Failed(e)) => {
                out.error(e);
                // hls.js retries after a delay.
                tokio::time::sleep_until(deadline.min(Instant::now() + Duration::from_millis(500)))
                    .await;
            }
        }
    }
    if let Some(h) = heartbeat {
        h.abort();
    }
    playback.finish(deadline);
    out.stalls = playback.stalls;
    out.stalled_s = playback.stalled.as_secs_f64();
    out.startup_s = playback.started.map(|s| (s - start).as_secs_f64());
    out.watched_s = (deadline - start).as_secs_f64();
    out.joined_s = start.saturating_duration_since(meter.origin).as_secs_f64();
    let l = lock(&link);
    if out.cap_at_play.is_some() {
        out.cap_at_end = Some(l.cap_kbps);
    }
    out.heartbeats = l.heartbeats;
    out.heartbeat_errors = l.heartbeat_errors;
    out.renewals = l.renewals;
    out
}

// ---------------------------------------------------------------------------
// A run and its figures
// ---------------------------------------------------------------------------

struct RunResult {
    viewers: Vec<ViewerResult>,
    bins: Vec<u64>,
    seconds: u64,
}

/// Runs every viewer until `seconds` after the start; viewer i of n joins
/// `ramp_s × i / n` after it.
async fn run_viewers(
    sources: Vec<Source>,
    seconds: u64,
    ramp_s: f64,
    duration_s: f64,
    abandon_rule: bool,
) -> RunResult {
    // A moment for every task to be spawned and waiting before the start.
    let start = Instant::now() + Duration::from_millis(500);
    let deadline = start + Duration::from_secs(seconds);
    let meter = Arc::new(Meter::new(start, seconds));
    let n = sources.len();
    let tasks: Vec<_> = sources
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let joins = start + Duration::from_secs_f64(ramp_s * i as f64 / n as f64);
            tokio::spawn(viewer(
                s,
                Arc::clone(&meter),
                joins,
                deadline,
                duration_s,
                abandon_rule,
            ))
        })
        .collect();
    let ticker = tokio::spawn(async move {
        let mut t =
            tokio::time::interval_at(start + Duration::from_secs(10), Duration::from_secs(10));
        loop {
            let at = t.tick().await;
            log(format!(
                "  {:.0} s of {seconds} s",
                (at - start).as_secs_f64()
            ));
        }
    });
    let mut viewers = Vec::new();
    for t in tasks {
        viewers.push(t.await.unwrap_or_else(|e| ViewerResult {
            errors: 1,
            first_error: Some(format!("viewer task failed: {e}")),
            ..ViewerResult::default()
        }));
    }
    ticker.abort();
    RunResult {
        viewers,
        bins: meter.values(),
        seconds,
    }
}

struct Figures {
    p99_mbps: f64,
    max_mbps: f64,
    mean_mbps: f64,
    jain: f64,
    per_viewer_mbps: Vec<f64>,
    per_second_mbps: Vec<f64>,
    windows: usize,
}

fn mbps(bytes: u64, seconds: f64) -> f64 {
    bytes as f64 * 8.0 / seconds / 1e6
}

fn figures(run: &RunResult, warmup_s: u64) -> Figures {
    let from = warmup_s as usize * BINS_PER_S;
    let to = run.seconds as usize * BINS_PER_S;
    let bins = &run.bins[..to];
    let mut windows: Vec<f64> = (from..=to - BINS_PER_S)
        .map(|i| mbps(bins[i..i + BINS_PER_S].iter().sum(), 1.0))
        .collect();
    windows.sort_by(f64::total_cmp);
    let rank = ((windows.len() as f64 * 0.99).ceil() as usize).clamp(1, windows.len()) - 1;
    let per_viewer: Vec<f64> = run
        .viewers
        .iter()
        .map(|v| mbps(v.bytes, v.watched_s.max(1.0)))
        .collect();
    let sum: f64 = per_viewer.iter().sum();
    let sum_sq: f64 = per_viewer.iter().map(|x| x * x).sum();
    Figures {
        p99_mbps: windows[rank],
        max_mbps: windows.last().copied().unwrap_or(0.0),
        mean_mbps: mbps(
            bins[from..to].iter().sum(),
            (to - from) as f64 / BINS_PER_S as f64,
        ),
        jain: if sum_sq > 0.0 {
            sum * sum / (per_viewer.len() as f64 * sum_sq)
        } else {
            0.0
        },
        per_viewer_mbps: per_viewer,
        per_second_mbps: bins
            .chunks(BINS_PER_S)
            .map(|c| mbps(c.iter().sum(), 1.0))
            .collect(),
        windows: windows.len(),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn rung_counts(
    run: &RunResult,
    ladder: &[Rung],
    pick: impl Fn(&ViewerResult) -> BTreeMap<String, u32>,
) -> String {
    let mut total: BTreeMap<String, u32> = BTreeMap::new();
    for v in &run.viewers {
        for (k, n) in pick(v) {
            *total.entry(k).or_default() += n;
        }
    }
    ladder
        .iter()
        .rev()
        .map(|r| format!("{} {}", r.name, total.get(&r.name).copied().unwrap_or(0)))
        .collect::<Vec<_>>()
        .join(" · ")
}

fn per_rung_end(v: &ViewerResult) -> BTreeMap<String, u32> {
    v.final_rung.iter().map(|r| (r.clone(), 1)).collect()
}

fn share_of_segments(run: &RunResult, ladder: &[Rung]) -> String {
    let mut total: BTreeMap<&str, u32> = BTreeMap::new();
    for v in &run.viewers {
        for (k, n) in &v.segments {
            *total.entry(k.as_str()).or_default() += n;
        }
    }
    let all: u32 = total.values().sum();
    ladder
        .iter()
        .rev()
        .map(|r| {
            let n = total.get(r.name.as_str()).copied().unwrap_or(0);
            format!(
                "{} {:.0} %",
                r.name,
                100.0 * f64::from(n) / f64::from(all.max(1))
            )
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Every segment download of a run as CSV rows (`--trace FILE`).
fn write_trace(out: &mut String, server: &str, run: &RunResult) {
    for (i, v) in run.viewers.iter().enumerate() {
        for t in &v.trace {
            let _ = writeln!(
                out,
                "{server},{i},{:.2},{:.3},{:.3},{},{},{:.2},{:.0},{:.0},{},{}",
                v.joined_s,
                t.requested_s,
                t.done_s,
                t.rung,
                t.bytes,
                t.buffer_before_s,
                t.estimate_before_kbps,
                t.estimate_after_kbps,
                t.cap_kbps,
                t.stalls
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")?
                .split_once(':')
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "?".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("MemTotal:")?
                .split_whitespace()
                .next()?
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kib| kib / 1_048_576.0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "{cpus} CPU ({model}), {mem_gib:.0} GiB RAM, Linux {}",
        kernel.trim()
    )
}

/// The origin's `manabi_origin_site_bytes_total` of the site; 0 before its
/// first media byte (the counter is registered on first use).
fn site_bytes(metrics: &str) -> Option<f64> {
    let line = metrics.lines().find(|l| {
        l.starts_with("manabi_origin_site_bytes_total{") && l.contains("site=\"office\"")
    });
    match line {
        Some(line) => line.rsplit(' ').next()?.parse().ok(),
        None => Some(0.0),
    }
}

async fn scrape_site_bytes(base: &str) -> Option<f64> {
    let resp = reqwest::get(format!("{base}/metrics")).await.ok()?;
    if !resp.status().is_success() {
        return None;
    }
    site_bytes(&resp.text().await.ok()?)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse()?;
    let wall = Instant::now();
    let load_before = load_average();
    let bin = env!("CARGO_BIN_EXE_manabi");
    let nginx = nginx_binary()?;
    let dir = tempfile::tempdir()?;
    let work = dir.path().to_owned();
    std::fs::write(
        work.join("manabi.toml"),
        format!(
            "# The benchmark's site: every loopback client.\n[[network.sites]]\nname = \"office\"\ncidrs = [\"127.0.0.0/8\"]\nbudget_mbps = {}\n",
            args.budget_mbps
        ),
    )?;

    // The clip and the accounts at once: both are CPU-bound and independent.
    log(format!(
        "generating a {} s 1920x1080 testsrc2 clip; adding an editor and {} learners",
        args.clip_s, args.viewers
    ));
    let clip_path = work.join("clip.mp4");
    let spec = SynthSpec {
        width: 1920,
        height: 1080,
        fps: 30,
        seconds: args.clip_s,
        pattern: "testsrc2".into(),
        tone_hz: Some(440),
    };
    let gen_path = clip_path.clone();
    let clip = tokio::task::spawn_blocking(move || generate(&gen_path, &spec));
    let users_work = work.clone();
    let n = args.viewers;
    let users = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        add_user(bin, &users_work, "editor@bench.example.jp", "editor")?;
        for i in 0..n {
            add_user(bin, &users_work, &learner_email(i), "learner")?;
        }
        Ok(())
    });
    clip.await?.context("generating the clip")?;
    users.await??;
    let clip_bytes = std::fs::read(&clip_path)?;

    let (mut server, base) = start_manabi(bin, &work)?;
    log(format!(
        "manabi listening at {base}; uploading {:.1} MB",
        clip_bytes.len() as f64 / 1e6
    ));
    let editor = Api::login(&base, "editor@bench.example.jp").await?;
    let video = upload_and_publish(&editor, clip_bytes).await?;

    log(format!("logging in {} learners", args.viewers));
    let logins: Vec<_> = (0..args.viewers)
        .map(|i| {
            let base = base.clone();
            tokio::spawn(async move { Api::login(&base, &learner_email(i)).await })
        })
        .collect();
    let mut learners = Vec::new();
    for l in logins {
        learners.push(l.await??);
    }

    // The ladder as packaged (the unfiltered master on disk).
    let hls = work.join(format!("data/media/videos/{video}/hls"));
    let rev = std::fs::read_dir(&hls)?
        .filter_map(|e| e.ok())
        .find(|e| e.path().join("master.m3u8").exists())
        .context("no master.m3u8 under the video's HLS directory")?
        .file_name()
        .to_string_lossy()
        .into_owned();
    let ladder = video_rungs(&std::fs::read(hls.join(&rev).join("master.m3u8"))?)?;
    let segments_per_rung = media_list(
        "x",
        &std::fs::read(hls.join(&rev).join(resolve("x", &ladder[0].uri)))?,
    )?
    .segments
    .len();

    // manabi, under the budget.
    let site_before = scrape_site_bytes(&base).await;
    log(format!(
        "manabi: {} viewers for {} s under {} Mbit/s",
        args.viewers, args.seconds, args.budget_mbps
    ));
    let load_manabi = load_average();
    let sources = learners
        .into_iter()
        .map(|api| Source::Manabi { api, video })
        .collect();
    let manabi_run = run_viewers(
        sources,
        args.seconds,
        args.ramp_s,
        args.clip_s,
        args.abandon,
    )
    .await;
    let site_after = scrape_site_bytes(&base).await;
    server.stop();

    // nginx, no budget, same files.
    let (mut nginx_server, nginx_base) = start_nginx(&nginx, &work, &hls).await?;
    log(format!(
        "nginx listening at {nginx_base}: same viewers, no budget"
    ));
    let load_nginx = load_average();
    let sources = (0..args.viewers)
        .map(|_| -> anyhow::Result<Source> {
            Ok(Source::Nginx {
                client: reqwest::Client::builder()
                    .connect_timeout(Duration::from_secs(10))
                    .build()?,
                master_url: format!("{nginx_base}/{rev}/master.m3u8"),
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let nginx_run = run_viewers(
        sources,
        args.seconds,
        args.ramp_s,
        args.clip_s,
        args.abandon,
    )
    .await;
    nginx_server.stop();

    let report = report(&Report {
        args: &args,
        ladder: &ladder,
        segments_per_rung,
        manabi: &manabi_run,
        nginx: &nginx_run,
        site_bytes: site_before.zip(site_after).map(|(a, b)| b - a),
        nginx_version: run_text(&nginx, &["-v"]).unwrap_or_default(),
        loads: [load_before, load_manabi, load_nginx, load_average()],
        wall_s: wall.elapsed().as_secs_f64(),
    });
    println!("{report}");
    if let Some(path) = &args.trace {
        let mut csv = String::from(
            "server,viewer,joined_s,requested_s,done_s,rung,bytes,buffer_before_s,estimate_before_kbps,estimate_after_kbps,cap_kbps,stalls_so_far\n",
        );
        write_trace(&mut csv, "manabi", &manabi_run);
        write_trace(&mut csv, "nginx", &nginx_run);
        std::fs::write(path, csv).with_context(|| format!("writing {path}"))?;
        log(format!("segment trace written to {path}"));
    }
    log(format!("done in {:.0} s", wall.elapsed().as_secs_f64()));
    Ok(())
}

// ---------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------

struct Report<'a> {
    args: &'a Args,
    ladder: &'a [Rung],
    segments_per_rung: usize,
    manabi: &'a RunResult,
    nginx: &'a RunResult,
    site_bytes: Option<f64>,
    nginx_version: String,
    loads: [String; 4],
    wall_s: f64,
}

fn ok(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

fn report(r: &Report<'_>) -> String {
    let a = r.args;
    let budget = a.budget_mbps;
    let m = figures(r.manabi, a.warmup_s);
    let n = figures(r.nginx, a.warmup_s);
    let git = run_text("git", &["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "?".into());
    let dirty = run_text("git", &["status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|s| !s.is_empty());
    let mut o = String::new();
    let _ = writeln!(
        o,
        "## Network budget governor: {}",
        run_text("date", &["-u", "+%Y-%m-%dT%H:%MZ"]).unwrap_or_default()
    );
    let _ = writeln!(o);
    let _ = writeln!(o, "- machine: {}", machine());
    let _ = writeln!(
        o,
        "- load average at start / manabi run / nginx run / end: {} / {} / {} / {}",
        r.loads[0], r.loads[1], r.loads[2], r.loads[3]
    );
    let _ = writeln!(
        o,
        "- manabi (release) built from {git}{}; {}",
        if dirty {
            " with uncommitted changes in the tree"
        } else {
            ""
        },
        r.nginx_version.replace("nginx version: ", "")
    );
    let _ = writeln!(
        o,
        "- {} viewers, site \"office\" (127.0.0.0/8) with a budget of {budget} Mbit/s, {} s per server, {}; egress windows of 1 s sliding by 100 ms, the first {} s left out (warm-up), {} windows per server; per-viewer throughput = its bytes / the time from joining to the end",
        a.viewers,
        a.seconds,
        if a.ramp_s > 0.0 {
            format!(
                "viewers joining one by one over the first {} s (--ramp-seconds)",
                a.ramp_s
            )
        } else {
            "all viewers starting together".to_owned()
        },
        a.warmup_s,
        m.windows
    );
    let _ = writeln!(
        o,
        "- clip: {} s testsrc2 1920x1080 30 fps + tone (FFmpeg libraries), standard ladder, {} segments per rung; the packaged master:",
        a.clip_s, r.segments_per_rung
    );
    for rung in r.ladder.iter().rev() {
        let _ = writeln!(
            o,
            "  - {}: BANDWIDTH {} kbit/s, AVERAGE-BANDWIDTH {} kbit/s",
            rung.name,
            rung.bandwidth / 1000,
            rung.average.map_or("–".into(), |v| (v / 1000).to_string())
        );
    }
    let _ = writeln!(
        o,
        "- viewer: hls.js 1.7 model (EWMA 3 s / 9 s, default estimate 500 kbit/s, up ×0.7 / stay-or-down ×0.95 against BANDWIDTH, buffer target 30 s, start after one segment, loop at the end; {}); manabi viewers: `play`, cap from max_bitrate_kbps, heartbeat every 10 s applying the cap and renewed grants",
        if a.abandon {
            "with hls.js's emergency switch-down of a segment loading too slowly (--abandon)"
        } else {
            "no emergency switch-down"
        }
    );
    let _ = writeln!(o, "- wall time of the whole benchmark: {:.0} s", r.wall_s);
    let _ = writeln!(o);
    let _ = writeln!(o, "| | manabi, budget {budget} Mbit/s | nginx, no budget |");
    let _ = writeln!(o, "|---|---:|---:|");
    let pct = |x: f64| format!("{x:.1} Mbit/s ({:.1} % of budget)", 100.0 * x / budget);
    let _ = writeln!(
        o,
        "| p99 1 s egress | {} | {} |",
        pct(m.p99_mbps),
        pct(n.p99_mbps)
    );
    let _ = writeln!(
        o,
        "| max 1 s egress | {} | {} |",
        pct(m.max_mbps),
        pct(n.max_mbps)
    );
    let _ = writeln!(
        o,
        "| mean egress after warm-up | {} | {} |",
        pct(m.mean_mbps),
        pct(n.mean_mbps)
    );
    let _ = writeln!(
        o,
        "| Jain's fairness index | {:.4} | {:.4} |",
        m.jain, n.jain
    );
    let spread = |f: &Figures| {
        let min = f
            .per_viewer_mbps
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        let max = f.per_viewer_mbps.iter().copied().fold(0.0, f64::max);
        format!(
            "{min:.2} / {:.2} / {max:.2} Mbit/s",
            median(f.per_viewer_mbps.clone())
        )
    };
    let _ = writeln!(
        o,
        "| per-viewer throughput min / median / max | {} | {} |",
        spread(&m),
        spread(&n)
    );
    let stalls = |run: &RunResult| {
        let total: u32 = run.viewers.iter().map(|v| v.stalls).sum();
        let who = run.viewers.iter().filter(|v| v.stalls > 0).count();
        let secs: f64 = run.viewers.iter().map(|v| v.stalled_s).sum();
        format!("{total} ({who} viewers, {secs:.1} s stalled)")
    };
    let _ = writeln!(
        o,
        "| stalls after start-up | {} | {} |",
        stalls(r.manabi),
        stalls(r.nginx)
    );
    let startup = |run: &RunResult| {
        let v: Vec<f64> = run.viewers.iter().filter_map(|v| v.startup_s).collect();
        let never = run.viewers.len() - v.len();
        let max = v.iter().copied().fold(0.0, f64::max);
        format!(
            "{:.2} s / {max:.2} s{}",
            median(v),
            if never > 0 {
                format!(" ({never} never started)")
            } else {
                String::new()
            }
        )
    };
    let _ = writeln!(
        o,
        "| start-up (play to first segment) median / max | {} | {} |",
        startup(r.manabi),
        startup(r.nginx)
    );
    let _ = writeln!(
        o,
        "| viewers per rung at the end | {} | {} |",
        rung_counts(r.manabi, r.ladder, per_rung_end),
        rung_counts(r.nginx, r.ladder, per_rung_end)
    );
    let _ = writeln!(
        o,
        "| segments per rung, whole run | {} | {} |",
        share_of_segments(r.manabi, r.ladder),
        share_of_segments(r.nginx, r.ladder)
    );
    let switches = |run: &RunResult| run.viewers.iter().map(|v| v.switches).sum::<u32>();
    let _ = writeln!(
        o,
        "| rung switches | {} | {} |",
        switches(r.manabi),
        switches(r.nginx)
    );
    if a.abandon {
        let abandoned = |run: &RunResult| run.viewers.iter().map(|v| v.abandoned).sum::<u32>();
        let _ = writeln!(
            o,
            "| segments abandoned (emergency switch-down) | {} | {} |",
            abandoned(r.manabi),
            abandoned(r.nginx)
        );
    }
    let errors = |run: &RunResult| {
        let total: u32 = run.viewers.iter().map(|v| v.errors).sum();
        match run.viewers.iter().find_map(|v| v.first_error.clone()) {
            Some(e) if total > 0 => format!("{total} (first: {e})"),
            _ => total.to_string(),
        }
    };
    let _ = writeln!(
        o,
        "| request errors | {} | {} |",
        errors(r.manabi),
        errors(r.nginx)
    );
    let caps = |pick: fn(&ViewerResult) -> Option<u64>| {
        let v: Vec<f64> = r
            .manabi
            .viewers
            .iter()
            .filter_map(pick)
            .map(|c| c as f64)
            .collect();
        let min = v.iter().copied().fold(f64::INFINITY, f64::min);
        let max = v.iter().copied().fold(0.0, f64::max);
        format!("{min:.0} / {:.0} / {max:.0}", median(v))
    };
    let _ = writeln!(
        o,
        "| max_bitrate_kbps at play, min / median / max | {} | – |",
        caps(|v| v.cap_at_play)
    );
    let _ = writeln!(
        o,
        "| max_bitrate_kbps at the last heartbeat | {} | – |",
        caps(|v| v.cap_at_end)
    );
    let listed: Vec<f64> = r
        .manabi
        .viewers
        .iter()
        .map(|v| v.rungs_listed as f64)
        .collect();
    let _ = writeln!(
        o,
        "| video rungs in the master a viewer got, min / max | {:.0} / {:.0} | {} |",
        listed.iter().copied().fold(f64::INFINITY, f64::min),
        listed.iter().copied().fold(0.0, f64::max),
        r.ladder.len()
    );
    let hb: u32 = r.manabi.viewers.iter().map(|v| v.heartbeats).sum();
    let hb_err: u32 = r.manabi.viewers.iter().map(|v| v.heartbeat_errors).sum();
    let renewals: u32 = r.manabi.viewers.iter().map(|v| v.renewals).sum();
    let _ = writeln!(
        o,
        "| heartbeats answered / failed, grants renewed | {hb} / {hb_err}, {renewals} | – |"
    );
    let client_bytes: u64 = r.manabi.viewers.iter().map(|v| v.bytes).sum();
    let _ = writeln!(
        o,
        "| bytes received by the viewers (origin's site counter) | {:.1} MB ({}) | {:.1} MB |",
        client_bytes as f64 / 1e6,
        r.site_bytes
            .map_or("not read".into(), |b| format!("{:.1} MB", b / 1e6)),
        r.nginx.viewers.iter().map(|v| v.bytes).sum::<u64>() as f64 / 1e6
    );
    let _ = writeln!(o);
    let series = |f: &Figures| {
        f.per_second_mbps[..r.manabi.seconds as usize]
            .iter()
            .map(|x| format!("{x:.0}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let _ = writeln!(
        o,
        "Egress per second (aligned 1 s windows from the start, Mbit/s):"
    );
    let _ = writeln!(o);
    let _ = writeln!(o, "- manabi: {}", series(&m));
    let _ = writeln!(o, "- nginx: {}", series(&n));
    let _ = writeln!(o);
    let stalled: Vec<String> = r
        .manabi
        .viewers
        .iter()
        .enumerate()
        .filter(|(_, v)| v.stalls > 0)
        .map(|(i, v)| {
            let segs = v
                .segments
                .iter()
                .map(|(k, n)| format!("{k} ×{n}"))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "#{i} (joined at {:.1} s, max_bitrate_kbps {} at play, {} rungs listed; {segs}; {} stall(s), {:.1} s)",
                v.joined_s,
                v.cap_at_play.unwrap_or(0),
                v.rungs_listed,
                v.stalls,
                v.stalled_s
            )
        })
        .collect();
    if !stalled.is_empty() {
        let _ = writeln!(o, "Stalled manabi viewers: {}.", stalled.join("; "));
        let _ = writeln!(o);
    }
    let no_stalls = r
        .manabi
        .viewers
        .iter()
        .all(|v| v.stalls == 0 && v.startup_s.is_some());
    let _ = writeln!(
        o,
        "Targets (manabi): p99 1 s egress ≤ {:.0} % of budget {} ({:.1} %), Jain's index ≥ {TARGET_JAIN} {} ({:.4}), no viewer stalled {} ({})",
        TARGET_P99_OF_BUDGET * 100.0,
        ok(m.p99_mbps <= budget * TARGET_P99_OF_BUDGET),
        100.0 * m.p99_mbps / budget,
        ok(m.jain >= TARGET_JAIN),
        m.jain,
        ok(no_stalls),
        stalls(r.manabi)
    );
    o
}

//! The standalone origin server over real TCP, byte for byte: what a player,
//! a proxy or a careless client sends, and what comes back on the wire.

#![allow(clippy::unwrap_used)]

use domain::site::SiteRule;
use domain::{Grant, Network, SigningKey, SigningKeys, VideoId};
use origin::{Governor, Origin, Settings};
use std::sync::Arc;
use std::time::Duration;
use store::{LocalStore, ObjectKey, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const MASTER: &str = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\n360p/index.m3u8\n";

/// A segment's bytes: not all the same, so that a wrong offset shows.
fn segment() -> Vec<u8> {
    (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect()
}

struct Server {
    addr: std::net::SocketAddr,
    /// `/media/v/1/{grant}/` for the default site, and for a site with a budget.
    base: String,
    paced_base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<()>,
    /// Holds the store's directory, `media`.
    dir: tempfile::TempDir,
}

async fn start() -> Server {
    start_with(MASTER, 80.0).await
}

/// A server whose package has `master`, and whose paced site `budget_mbps`.
async fn start_with(master: &str, budget_mbps: f64) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path().join("media")).unwrap();
    let video = VideoId::new(1);
    for (name, bytes) in [
        ("master.m3u8", master.as_bytes().to_vec()),
        ("360p/index.m3u8", b"#EXTM3U\n".to_vec()),
        ("360p/init.mp4", b"video init".to_vec()),
        ("360p/seg_00001.m4s", segment()),
        ("audio/init.mp4", b"audio init".to_vec()),
    ] {
        let key = ObjectKey::hls(video, name).unwrap();
        store.put_bytes(&key, bytes.into()).await.unwrap();
    }
    let keys = SigningKeys::new(vec![SigningKey::new("k1", [9; 32]).unwrap()]).unwrap();
    let grant = |site: &str| {
        let now = jiff::Timestamp::now();
        let token = Grant {
            video,
            session: format!("{:032x}", 7).parse().unwrap(),
            site: site.into(),
            not_before: now,
            expires: now + jiff::SignedDuration::from_secs(600),
        }
        .sign(&keys)
        .unwrap();
        format!("/media/v/1/{token}")
    };
    let (base, paced_base) = (grant("default"), grant("honcho"));
    let governor = Governor::new(Network {
        sites: vec![SiteRule {
            name: "honcho".into(),
            cidrs: vec![],
            budget_mbps,
        }],
        ..Network::default()
    });
    let origin = Origin::new(
        Arc::new(store),
        Arc::new(keys),
        Settings::default(),
        Arc::new(governor),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let done = tokio::spawn(origin::server::run(listener, origin, async {
        let _ = stopped.await;
    }));
    Server {
        addr,
        base,
        paced_base,
        stop: Some(stop),
        done,
        dir,
    }
}

/// A response as read off the wire.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A client connection that keeps bytes read past one response.
struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    async fn connect(server: &Server) -> Self {
        Self {
            stream: TcpStream::connect(server.addr).await.unwrap(),
            buf: Vec::new(),
        }
    }

    async fn send(&mut self, raw: &str) {
        self.stream.write_all(raw.as_bytes()).await.unwrap();
    }

    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 65536];
        let n = tokio::time::timeout(Duration::from_secs(10), self.stream.read(&mut chunk))
            .await
            .expect("the server answers within 10 s")
            .unwrap();
        self.buf.extend_from_slice(&chunk[..n]);
        n > 0
    }

    /// Reads one response; `head` for a HEAD request (no body follows).
    async fn answer(&mut self, head: bool) -> Answer {
        let end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            assert!(self.fill().await, "connection closed before a response");
        };
        let text = String::from_utf8(self.buf[..end].to_vec()).unwrap();
        self.buf.drain(..end);
        let mut lines = text.split("\r\n");
        let status_line = lines.next().unwrap();
        assert!(status_line.starts_with("HTTP/1.1 "), "{status_line}");
        let status = status_line[9..12].parse().unwrap();
        let headers: Vec<(String, String)> = lines
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (n, v) = l.split_once(": ").unwrap();
                (n.to_owned(), v.to_owned())
            })
            .collect();
        let mut answer = Answer {
            status,
            headers,
            body: Vec::new(),
        };
        if !head && status != 304 {
            let len: usize = answer.header("content-length").unwrap().parse().unwrap();
            while self.buf.len() < len {
                assert!(self.fill().await, "connection closed inside a body");
            }
            answer.body = self.buf.drain(..len).collect();
        }
        answer
    }

    async fn closed(&mut self) -> bool {
        self.buf.is_empty() && !self.fill().await
    }
}

fn get(path: &str, extra: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: origin\r\n{extra}\r\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn segments_ranges_and_revalidation_on_one_kept_alive_connection() {
    let server = start().await;
    let seg = format!("{}/360p/seg_00001.m4s", server.base);
    let mut c = Client::connect(&server).await;
    // Twice: the first read from the store, the second from the cache's sealed file.
    for _ in 0..2 {
        c.send(&get(&seg, "")).await;
        let a = c.answer(false).await;
        assert_eq!(a.status, 200);
        assert_eq!(a.body, segment());
        assert_eq!(a.header("content-type"), Some("video/iso.segment"));
        assert_eq!(
            a.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
        assert!(a.header("date").is_some_and(|d| d.ends_with(" GMT")));
        assert_eq!(a.header("connection"), None, "kept alive");
    }
    c.send(&format!("HEAD {seg} HTTP/1.1\r\nHost: o\r\n\r\n"))
        .await;
    let a = c.answer(true).await;
    assert_eq!(
        (a.status, a.header("content-length")),
        (200, Some("300000"))
    );

    c.send(&get(&seg, "Range: bytes=299990-\r\n")).await;
    let a = c.answer(false).await;
    assert_eq!(a.status, 206);
    assert_eq!(
        a.header("content-range"),
        Some("bytes 299990-299999/300000")
    );
    assert_eq!(a.body, segment()[299_990..]);

    c.send(&get(&seg, "Range: bytes=400000-\r\n")).await;
    let a = c.answer(false).await;
    assert_eq!(a.status, 416);
    assert_eq!(a.header("content-range"), Some("bytes */300000"));

    let etag = {
        c.send(&get(&seg, "")).await;
        c.answer(false).await.header("etag").unwrap().to_owned()
    };
    c.send(&get(&seg, &format!("If-None-Match: {etag}\r\n")))
        .await;
    let a = c.answer(false).await;
    assert_eq!((a.status, a.header("content-length")), (304, None));

    // Pipelined: both requests in one write, both answers in order.
    c.send(
        &(get(&format!("{}/master.m3u8", server.base), "") + &get(&seg, "Range: bytes=0-9\r\n")),
    )
    .await;
    let master = c.answer(false).await;
    assert_eq!(master.body, MASTER.as_bytes());
    assert_eq!(master.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        master.header("access-control-expose-headers"),
        Some("Content-Length, Content-Range, ETag")
    );
    assert_eq!(
        master.header("access-control-allow-methods"),
        None,
        "a preflight's field, not repeated on every answer"
    );
    assert_eq!(c.answer(false).await.body, segment()[..10]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budgeted_site_gets_the_whole_segment_paced() {
    let server = start().await;
    let seg = format!("{}/360p/seg_00001.m4s", server.paced_base);
    let mut c = Client::connect(&server).await;
    for _ in 0..2 {
        c.send(&get(&seg, "")).await;
        let a = c.answer(false).await;
        assert_eq!((a.status, a.body.len()), (200, 300_000));
        assert_eq!(a.body, segment());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_whose_master_this_origin_has_not_read_is_paced_at_its_floor() {
    // The site's line (0.8 Mbit/s) is thinner than the lowest rung (8 Mbit/s).
    // A viewer that read its master from another replica, or before a pause
    // that made it idle, asks for a segment straight away: it is paced at
    // its lowest rung's rate (0.3 s for the segment, less the burst), not at
    // the bare share (3 s for a 6 s segment would stall playback).
    let master =
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=8000000,RESOLUTION=640x360\n360p/index.m3u8\n";
    let server = start_with(master, 0.8).await;
    let seg = format!("{}/360p/seg_00001.m4s", server.paced_base);
    let mut c = Client::connect(&server).await;
    let started = std::time::Instant::now();
    c.send(&get(&seg, "")).await;
    let a = c.answer(false).await;
    assert_eq!((a.status, a.body.len()), (200, 300_000));
    let took = started.elapsed();
    assert!(took < Duration::from_millis(1500), "took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_answered_and_never_cached() {
    let server = start().await;
    let mut c = Client::connect(&server).await;
    c.send(&get("/media/v/1/v1.k1.forged/master.m3u8", ""))
        .await;
    let a = c.answer(false).await;
    assert_eq!(
        (a.status, a.header("cache-control")),
        (403, Some("no-store"))
    );
    // Readable by the player's page, which otherwise sees a network error.
    assert_eq!(a.header("access-control-allow-origin"), Some("*"));
    c.send(&get("/media/v/1/tok/../../etc/passwd", "")).await;
    let a = c.answer(false).await;
    assert_eq!(
        (a.status, a.header("access-control-allow-origin")),
        (403, Some("*"))
    );
    c.send(&get(&format!("{}/360p/seg_00009.m4s", server.base), ""))
        .await;
    let a = c.answer(false).await;
    assert_eq!(
        (a.status, a.header("access-control-allow-origin")),
        (404, Some("*")),
        "a file missing from a present store"
    );
    c.send(&get("/nowhere", "")).await;
    assert_eq!(c.answer(false).await.status, 404);
    c.send("OPTIONS /media/v/1/x/master.m3u8 HTTP/1.1\r\nHost: o\r\n\r\n")
        .await;
    let a = c.answer(false).await;
    assert_eq!(
        (
            a.header("access-control-allow-origin"),
            a.header("access-control-allow-methods"),
            a.header("access-control-allow-headers"),
            a.header("access-control-max-age"),
        ),
        (
            Some("*"),
            Some("GET, HEAD, OPTIONS"),
            Some("Range, If-Range, If-None-Match, If-Modified-Since"),
            Some("3600"),
        ),
        "{a:?}"
    );
    c.send(&get("/healthz", "")).await;
    assert_eq!(c.answer(false).await.body, b"ok\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_close_when_the_client_or_the_protocol_says_so() {
    let server = start().await;
    let master = format!("{}/master.m3u8", server.base);

    let mut c = Client::connect(&server).await;
    c.send(&get(&master, "Connection: close\r\n")).await;
    let a = c.answer(false).await;
    assert_eq!((a.status, a.header("connection")), (200, Some("close")));
    assert!(c.closed().await);

    let mut c = Client::connect(&server).await;
    c.send(&format!("GET {master} HTTP/1.0\r\n\r\n")).await;
    assert_eq!(c.answer(false).await.header("connection"), Some("close"));
    assert!(c.closed().await, "HTTP/1.0: one response");

    // A body the origin never reads: answered, then closed cleanly (the
    // client reads the whole answer, no reset).
    let mut c = Client::connect(&server).await;
    let body = "x".repeat(100_000);
    c.send(&format!(
        "POST {master} HTTP/1.1\r\nHost: o\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ))
    .await;
    let a = c.answer(false).await;
    assert_eq!(
        (a.status, a.header("allow")),
        (405, Some("GET, HEAD, OPTIONS"))
    );
    assert!(c.closed().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_requests_and_heads_in_pieces_are_all_answered_in_order() {
    let server = start().await;
    let master = format!("{}/master.m3u8", server.base);

    // Three requests in one write: the second and third are already waiting
    // when the first is answered.
    let mut c = Client::connect(&server).await;
    c.send(&format!(
        "{}{}{}",
        get(&master, ""),
        get("/healthz", ""),
        get(&master, "")
    ))
    .await;
    let first = c.answer(false).await;
    assert_eq!(first.status, 200);
    assert!(first.body.starts_with(b"#EXTM3U"));
    assert_eq!(c.answer(false).await.status, 200);
    assert_eq!(c.answer(false).await.body, first.body);

    // One head sent in three pieces, with pauses between them.
    let raw = get(&master, "");
    for piece in [&raw[..5], &raw[5..20], &raw[20..]] {
        c.send(piece).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(c.answer(false).await.body, first.body);
    c.send(&get(&master, "Connection: close\r\n")).await;
    assert_eq!(c.answer(false).await.status, 200);
    assert!(c.closed().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_oversized_heads_are_refused() {
    let server = start().await;
    let many: String = (0..70).map(|i| format!("X-F{i}: v\r\n")).collect();
    let cases = [
        ("garbage\r\n\r\n".to_owned(), 400),
        // HTTP/1.1 without Host (RFC 9112 §3.2); HTTP/1.0 needs none.
        ("GET /healthz HTTP/1.1\r\n\r\n".to_owned(), 400),
        (
            get("/healthz", "Content-Length: 5\r\nContent-Length: 6\r\n"),
            400,
        ),
        (get("/healthz", "Content-Length: -1\r\n"), 400),
        (get("/healthz", &many), 431),
        (
            get("/healthz", &format!("X-Big: {}\r\n", "a".repeat(20_000))),
            431,
        ),
    ];
    // No other test here sends a head too large: the count is theirs alone.
    let too_large = "manabi_origin_requests_total{status=\"431\",kind=\"none\"}";
    let before = counted(&server, too_large).await;
    for (raw, status) in cases {
        let mut c = Client::connect(&server).await;
        c.send(&raw).await;
        let a = c.answer(false).await;
        assert_eq!(a.status, status, "{}", &raw[..raw.len().min(60)]);
        assert_eq!(a.header("connection"), Some("close"));
        assert_eq!(a.header("cache-control"), Some("no-store"));
        assert!(c.closed().await);
    }
    // Refused heads are answered requests: the metrics count them.
    assert_eq!(counted(&server, too_large).await, before + 2.0);
}

/// The value of the `/metrics` line starting with `series`, 0 if none.
async fn counted(server: &Server, series: &str) -> f64 {
    let mut c = Client::connect(server).await;
    c.send(&get("/metrics", "")).await;
    let text = String::from_utf8(c.answer(false).await.body).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(series))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_closes_idle_connections_at_once() {
    let mut server = start().await;
    let mut idle = Client::connect(&server).await;
    idle.send(&get("/healthz", "")).await;
    assert_eq!(idle.answer(false).await.status, 200);
    let _ = server.stop.take().unwrap().send(());
    tokio::time::timeout(Duration::from_secs(5), &mut server.done)
        .await
        .expect("the server stops without waiting for idle clients")
        .unwrap();
    assert!(idle.closed().await);
}

#[tokio::test(start_paused = true)]
async fn a_client_that_stops_reading_is_dropped_after_a_minute() {
    let server = start().await;
    let seg = format!("{}/360p/seg_00001.m4s", server.base);
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(server.addr).await.unwrap();
    // 40 segments asked for, far more than the socket buffers hold, and
    // nothing read for a minute (the paused clock runs on while all wait).
    let many = get(&seg, "").repeat(40);
    stream.write_all(many.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_secs(61)).await;
    let mut read = 0;
    let mut chunk = vec![0u8; 1 << 16];
    while let Ok(n @ 1..) = stream.read(&mut chunk).await {
        read += n;
    }
    assert!(
        read < 40 * 300_000,
        "the server gave up on the connection: {read} bytes came"
    );
}

#[tokio::test(start_paused = true)]
async fn a_busy_connection_stays_open_and_idle_or_unfinished_ones_close() {
    let server = start().await;
    // Requests every 30 s for two minutes, past the 75 s idle limit: the
    // connection stays open, as long as it never waits 75 s in one go.
    let mut busy = Client::connect(&server).await;
    for _ in 0..5 {
        busy.send(&get("/healthz", "")).await;
        assert_eq!(busy.answer(false).await.status, 200);
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
    tokio::time::sleep(Duration::from_secs(44)).await;
    busy.send(&get("/healthz", "")).await;
    assert_eq!(busy.answer(false).await.status, 200, "74 s idle is allowed");
    tokio::time::sleep(Duration::from_secs(76)).await;
    assert!(busy.closed().await, "76 s idle closes the connection");

    // A head begun and not finished within 30 s is given up on.
    let mut slow = Client::connect(&server).await;
    slow.send("GET /healthz HTTP/1.1\r\n").await;
    tokio::time::sleep(Duration::from_secs(20)).await;
    slow.send("Host: origin\r\n").await;
    tokio::time::sleep(Duration::from_secs(11)).await;
    assert!(slow.closed().await, "the head's 30 s ran out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targets_in_absolute_form_or_with_a_query_reach_the_same_object() {
    let server = start().await;
    let master = format!("{}/master.m3u8", server.base);
    let mut c = Client::connect(&server).await;
    for target in [
        master.clone(),
        format!("{master}?nocache=1"),
        format!("http://origin.example{master}"),
        format!("http://origin.example:8080{master}?a=b"),
    ] {
        c.send(&get(&target, "")).await;
        let a = c.answer(false).await;
        assert_eq!(
            (a.status, a.body.as_slice()),
            (200, MASTER.as_bytes()),
            "{target}"
        );
    }
    // The query is not part of the path: a grant cannot hide in it.
    c.send(&get("/media/v/1?/x/master.m3u8", "")).await;
    assert_eq!(c.answer(false).await.status, 403);
    c.send(&get("http://origin.example", "")).await;
    assert_eq!(c.answer(false).await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_is_gone_answers_503_at_once_until_it_returns() {
    let server = start().await;
    let (media, away) = (
        server.dir.path().join("media"),
        server.dir.path().join("away"),
    );
    // A disk unmounted: nothing fetched yet is in the origin's caches.
    std::fs::rename(&media, &away).unwrap();
    let mut c = Client::connect(&server).await;
    for object in ["master.m3u8", "360p/index.m3u8", "360p/seg_00001.m4s"] {
        let started = std::time::Instant::now();
        c.send(&get(&format!("{}/{object}", server.base), "")).await;
        let a = c.answer(false).await;
        assert!(started.elapsed() < Duration::from_secs(1), "{object}");
        assert_eq!(
            (
                a.status,
                a.header("cache-control"),
                a.header("access-control-allow-origin")
            ),
            (503, Some("no-store"), Some("*")),
            "{object}"
        );
        assert!(a.header("retry-after").is_some(), "{object}");
    }
    c.send(&get("/readyz", "")).await;
    assert_eq!(c.answer(false).await.status, 503);
    // Back: playback resumes by itself.
    std::fs::rename(&away, &media).unwrap();
    c.send(&get(&format!("{}/master.m3u8", server.base), ""))
        .await;
    assert_eq!(c.answer(false).await.body, MASTER.as_bytes());
    c.send(&get(&format!("{}/360p/seg_00001.m4s", server.base), ""))
        .await;
    assert_eq!(c.answer(false).await.body, segment());
}

/// The `ETag` and `Last-Modified` of `url`, fetched whole.
async fn validators(c: &mut Client, url: &str) -> (String, String) {
    c.send(&get(url, "")).await;
    let a = c.answer(false).await;
    let field = |name| a.header(name).unwrap().to_owned();
    (field("etag"), field("last-modified"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revalidation_compares_tags_weakly_and_dates_by_the_second() {
    let server = start().await;
    let seg = format!("{}/360p/seg_00001.m4s", server.base);
    let mut c = Client::connect(&server).await;
    let (etag, date) = validators(&mut c, &seg).await;
    for (fields, status) in [
        (format!("If-None-Match: W/{etag}"), 304),
        (format!("If-None-Match: \"abc\", W/{etag}"), 304),
        ("If-None-Match: \"abc\"".to_owned(), 200),
        (format!("If-Modified-Since: {date}"), 304),
        (
            "If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT".to_owned(),
            200,
        ),
        (
            format!("If-None-Match: \"abc\"\r\nIf-Modified-Since: {date}"),
            200,
        ),
    ] {
        c.send(&get(&seg, &format!("{fields}\r\n"))).await;
        assert_eq!(c.answer(false).await.status, status, "{fields}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_range_is_served_only_while_if_range_names_the_object() {
    let server = start().await;
    let seg = format!("{}/360p/seg_00001.m4s", server.base);
    let mut c = Client::connect(&server).await;
    let (etag, date) = validators(&mut c, &seg).await;
    c.send(&get(
        &seg,
        &format!("Range: bytes=0-9\r\nIf-Range: {etag}\r\n"),
    ))
    .await;
    let a = c.answer(false).await;
    assert_eq!((a.status, a.body.as_slice()), (206, &segment()[..10]));
    for other in ["\"abc\"".to_owned(), format!("W/{etag}"), date.to_owned()] {
        c.send(&get(
            &seg,
            &format!("Range: bytes=0-9\r\nIf-Range: {other}\r\n"),
        ))
        .await;
        let a = c.answer(false).await;
        assert_eq!(
            (a.status, a.header("content-range")),
            (200, None),
            "{other}"
        );
        assert_eq!(a.body, segment(), "{other}");
    }
    c.send(&get(&seg, "Range: bytes=-0\r\n")).await;
    let a = c.answer(false).await;
    assert_eq!(
        (a.status, a.header("content-range")),
        (416, Some("bytes */300000"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_segments_are_typed_by_their_rendition() {
    let server = start().await;
    let mut c = Client::connect(&server).await;
    for (object, media_type) in [
        ("audio/init.mp4", "audio/mp4"),
        ("360p/init.mp4", "video/mp4"),
    ] {
        c.send(&get(&format!("{}/{object}", server.base), "")).await;
        let a = c.answer(false).await;
        assert_eq!(
            (a.status, a.header("content-type")),
            (200, Some(media_type)),
            "{object}"
        );
    }
}

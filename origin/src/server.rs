//! The standalone HTTP/1.1 server of `manabi serve --role origin`.
//!
//! Why not hyper, which the catalog uses: hyper writes every body from our
//! memory into the socket, one copy of each byte served. nginx hands the
//! kernel its page-cache pages with `sendfile(2)` instead; that copy was
//! the extra CPU per byte measured against it (docs/benchmarks.md). Cached
//! objects live in sealed memory files ([`crate::body::Sealed`]), which this
//! server sends the same way.
//!
//! The origin's requests are small and simple, so the server is too:
//! - Heads are parsed by `httparse` (hyper's parser): at most 16 KiB and 64
//!   fields (431 beyond), malformed ones get 400. Either ends the connection.
//! - No request body is ever read (the origin is read-only). A request that
//!   announces one is answered and then the connection is closed.
//! - Keep-alive as HTTP/1.1 says; pipelined requests are answered in order;
//!   HTTP/1.0 gets one response and a close.
//! - A connection idle for 75 s is closed; a head, once begun, must be
//!   complete within 30 s; a client that reads nothing of a response for
//!   60 s is dropped. At shutdown idle connections close at once.
//! - Every response has `Date` and, but for 204/304, `Content-Length`. The
//!   head of a file body is sent with `MSG_MORE`, so that it shares the
//!   first packet with the file's bytes, and the body with Nagle's
//!   algorithm on, so that it goes out in full packets.
//!
//! (One single-threaded runtime per core sharing the listening socket, as
//! nginx's workers do, was measured slower than the multi-threaded runtime,
//! with hyper and again with `sendfile`: docs/benchmarks.md.)

use crate::Origin;
use crate::body::{OriginBody, Sealed, Span};
use crate::serve::Ask;
use http::header::{CONTENT_LENGTH, DATE};
use http::{Method, Response, StatusCode};
use http_body::Body as _;
use http_body_util::BodyExt as _;
use rustix::buffer::spare_capacity;
use rustix::net::{RecvFlags, SendFlags};
use std::future::Future;
use std::io;
use std::mem::MaybeUninit;
use std::ops::Range;
use std::os::fd::AsFd as _;
use std::pin::Pin;
use std::time::Duration;
use tokio::io::Interest;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::{Instant, Sleep, timeout_at};

/// Largest request head.
const MAX_HEAD: usize = 16 * 1024;
/// Most header fields in a request.
const MAX_FIELDS: usize = 64;
/// How long a kept-alive connection may wait for its next request.
const IDLE: Duration = Duration::from_secs(75);
/// How long a begun request head may take to arrive.
const HEAD_TIME: Duration = Duration::from_secs(30);
/// How long a client may leave a response unread before it is dropped.
const SEND_TIME: Duration = Duration::from_secs(60);
/// Heap bodies up to this size go out with their head in one write.
const SMALL_BODY: usize = 16 * 1024;
/// Largest single `sendfile` call.
const SENDFILE_MAX: u64 = 1 << 20;

/// Serves `origin` on `listener` until `shutdown` resolves; connections in
/// flight are given up to 10 s to finish, idle ones close at once.
pub async fn run(listener: TcpListener, origin: Origin, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    let (stopping, stop) = watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            // Finished connections are let go of (a JoinSet keeps them until joined).
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        continue;
                    }
                };
                // As nginx does on keep-alive connections: the last small
                // piece of a response must not wait for the previous one's ACK.
                if let Err(e) = stream.set_nodelay(true) {
                    tracing::debug!(%peer, error = %e, "TCP_NODELAY not set");
                }
                let (origin, stop) = (origin.clone(), stop.clone());
                connections.spawn(async move {
                    if let Err(e) = connection(&stream, peer, &origin, stop).await {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                });
            }
        }
    }
    let _ = stopping.send(true);
    let deadline = tokio::time::sleep(Duration::from_secs(10));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            () = &mut deadline => break,
            next = connections.join_next() => if next.is_none() { break },
        }
    }
}

/// A request head as read: where its parts lie in the connection's buffer,
/// so that answering needs no copy of them.
struct Head {
    method: Method,
    /// The path, without query.
    path: Range<usize>,
    if_none_match: Option<Range<usize>>,
    if_modified_since: Option<Range<usize>>,
    range: Option<Range<usize>>,
    if_range: Option<Range<usize>>,
    /// Whether the connection may stay open after the answer.
    keep_alive: bool,
    /// Bytes the head took.
    used: usize,
}

impl Head {
    /// The request, borrowed from `buf`, the buffer it was parsed from.
    fn ask<'a>(&'a self, buf: &'a [u8]) -> Ask<'a> {
        let text = |at: &Range<usize>| std::str::from_utf8(&buf[at.clone()]).ok();
        Ask {
            method: &self.method,
            path: text(&self.path).filter(|p| !p.is_empty()).unwrap_or("/"),
            if_none_match: self.if_none_match.as_ref().and_then(text),
            if_modified_since: self.if_modified_since.as_ref().and_then(text),
            range: self.range.as_ref().and_then(text),
            if_range: self.if_range.as_ref().and_then(text),
        }
    }
}

/// Answers the requests of one connection until it closes.
async fn connection(
    stream: &TcpStream,
    peer: std::net::SocketAddr,
    origin: &Origin,
    mut stop: watch::Receiver<bool>,
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(1024);
    // One timer for the connection's whole life. Waits do not move it: when
    // it fires before the wait's own deadline it is set to that deadline, so
    // a busy connection touches the timer wheel about once per IDLE, not
    // once per request.
    let timer = tokio::time::sleep(IDLE);
    tokio::pin!(timer);
    loop {
        // Requests already waiting are read without waiting for readiness,
        // so a client sending many at once must still let other connections
        // on this thread have their turn.
        tokio::task::consume_budget().await;
        let head = match read_request(stream, &mut buf, &mut stop, timer.as_mut()).await? {
            Read::Request(head) => head,
            Read::Closed => return Ok(()),
            Read::Refused(status) => {
                crate::metrics::count_request(status, "none");
                let mut resp = Response::new(OriginBody::bytes(status.as_str().to_owned() + "\n"));
                *resp.status_mut() = status;
                // Like every refusal: never to be kept by a proxy or CDN.
                resp.headers_mut().insert(
                    http::header::CACHE_CONTROL,
                    http::HeaderValue::from_static("no-store"),
                );
                respond(stream, resp, false, false).await?;
                return linger(stream).await;
            }
        };
        let ask = head.ask(&buf);
        let resp = access_logged(origin, peer, &ask).await;
        respond(stream, resp, *ask.method == Method::HEAD, head.keep_alive).await?;
        if !head.keep_alive {
            return linger(stream).await;
        }
        buf.drain(..head.used);
    }
}

/// What reading a request gave.
enum Read {
    Request(Head),
    /// The client closed, went idle too long, or the server is stopping.
    Closed,
    /// A head that cannot be answered but with this status.
    Refused(StatusCode),
}

/// Reads the next request head into `buf`, which starts with it (and keeps
/// any bytes after it).
/// Bytes already waiting are read at once; only when there are none does it
/// wait, with a deadline kept by the connection's `timer`.
async fn read_request(
    stream: &TcpStream,
    buf: &mut Vec<u8>,
    stop: &mut watch::Receiver<bool>,
    mut timer: Pin<&mut Sleep>,
) -> io::Result<Read> {
    // Set at the first wait: IDLE for the next request, HEAD_TIME for the
    // rest of a begun head, counted from its first bytes.
    let mut deadline = None;
    loop {
        if !buf.is_empty() {
            match parse(buf) {
                Ok(Some(head)) => return Ok(Read::Request(head)),
                Ok(None) if buf.len() >= MAX_HEAD => {
                    return Ok(Read::Refused(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE));
                }
                Ok(None) => {}
                Err(status) => return Ok(Read::Refused(status)),
            }
        }
        let idle = buf.is_empty();
        if idle && *stop.borrow() {
            return Ok(Read::Closed);
        }
        // Straight into the buffer's free room (nothing zeroed or copied),
        // by rustix's `recv`: the bare system call, where libc's is a
        // cancellation point with two more calls around it.
        buf.reserve(4096);
        let room = buf.capacity() - buf.len();
        let mut got = 0;
        let read = stream.try_io(Interest::READABLE, || {
            got = rustix::net::recv(stream, spare_capacity(buf), RecvFlags::empty())?.0;
            // Less than there was room for: the socket is empty now. As nginx
            // does, the next read then waits for readiness instead of making
            // a call that finds nothing: `WouldBlock` here makes tokio forget
            // the readiness it saw before this read, and only that.
            if got > 0 && got < room {
                Err(io::ErrorKind::WouldBlock.into())
            } else {
                Ok(got)
            }
        });
        match read {
            Ok(0) => return Ok(Read::Closed),
            Err(e) if e.kind() != io::ErrorKind::WouldBlock => return Err(e),
            _ if got > 0 => {
                if idle {
                    deadline = None;
                }
                continue;
            }
            _ => {}
        }
        let until =
            *deadline.get_or_insert_with(|| Instant::now() + if idle { IDLE } else { HEAD_TIME });
        if timer.deadline() > until {
            timer.as_mut().reset(until);
        }
        loop {
            tokio::select! {
                biased;
                ready = stream.readable() => break ready?,
                () = timer.as_mut() => {
                    if Instant::now() >= until {
                        return Ok(Read::Closed);
                    }
                    timer.as_mut().reset(until);
                }
                _ = stop.changed(), if idle => return Ok(Read::Closed),
            }
        }
    }
}

/// Parses a complete head at the start of `buf`: the head, `None` if
/// incomplete, or the status refusing it.
fn parse(buf: &[u8]) -> Result<Option<Head>, StatusCode> {
    let bad = StatusCode::BAD_REQUEST;
    // Left uninitialised: httparse fills only as many as the head has.
    let mut fields = [const { MaybeUninit::uninit() }; MAX_FIELDS];
    let mut head = httparse::Request::new(&mut []);
    let used = match head.parse_with_uninit_headers(buf, &mut fields) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
        }
        Err(_) => return Err(bad),
    };
    let method = Method::from_bytes(head.method.unwrap_or_default().as_bytes()).map_err(|_| bad)?;
    let path = request_path(head.path.unwrap_or_default());
    let http_11 = head.version != Some(0);
    // Framing of a body we will not read: a length must be one number.
    let mut length = None;
    let mut chunked = false;
    let mut close_asked = false;
    let mut host = false;
    let (mut if_none_match, mut if_modified_since) = (None, None);
    let (mut range, mut if_range) = (None, None);
    for field in head.headers.iter() {
        let name = field.name;
        if name.eq_ignore_ascii_case("host") {
            host = true;
        } else if name.eq_ignore_ascii_case("content-length") {
            let n = std::str::from_utf8(field.value)
                .ok()
                .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|s| s.parse::<u64>().ok())
                .ok_or(bad)?;
            if length.is_some_and(|first| first != n) {
                return Err(bad);
            }
            length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = true;
        } else if name.eq_ignore_ascii_case("connection") {
            close_asked |= field
                .value
                .split(|&b| b == b',')
                .any(|token| token.trim_ascii().eq_ignore_ascii_case(b"close"));
        } else if name.eq_ignore_ascii_case("if-none-match") {
            if_none_match = if_none_match.or(Some(place(buf, field.value)));
        } else if name.eq_ignore_ascii_case("if-modified-since") {
            if_modified_since = if_modified_since.or(Some(place(buf, field.value)));
        } else if name.eq_ignore_ascii_case("range") {
            range = range.or(Some(place(buf, field.value)));
        } else if name.eq_ignore_ascii_case("if-range") {
            if_range = if_range.or(Some(place(buf, field.value)));
        }
    }
    // RFC 9112 §3.2: an HTTP/1.1 request without `Host` is refused.
    if http_11 && !host {
        return Err(bad);
    }
    let has_body = length.unwrap_or(0) > 0 || chunked;
    Ok(Some(Head {
        method,
        path: place(buf, path.as_bytes()),
        if_none_match,
        if_modified_since,
        range,
        if_range,
        keep_alive: http_11 && !close_asked && !has_body,
        used,
    }))
}

/// The path of a request target (RFC 9112 §3.2): origin-form `/p?q`, or
/// absolute-form `http://host/p?q` as a proxy may send it. Always a part of
/// `target` (empty for `http://host`, which means `/`).
fn request_path(target: &str) -> &str {
    // Origin-form first: nearly every request, and no search for `://`.
    let absolute = (!target.starts_with('/'))
        .then(|| target.split_once("://"))
        .flatten();
    let path = match absolute {
        Some((_, rest)) => {
            // The authority ends at the first `/`, `?` or `#`.
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            &rest[end..]
        }
        None => target,
    };
    path.split(['?', '#']).next().unwrap_or(path)
}

/// Where `part`, a slice of `buf`, lies in it.
fn place(buf: &[u8], part: &[u8]) -> Range<usize> {
    let start = (part.as_ptr() as usize).wrapping_sub(buf.as_ptr() as usize);
    assert!(
        start <= buf.len() && part.len() <= buf.len() - start,
        "a part of the head lies in its buffer"
    );
    start..start + part.len()
}

/// Writes `resp`; its body too unless `head_only`.
async fn respond(
    stream: &TcpStream,
    resp: Response<OriginBody>,
    head_only: bool,
    keep_alive: bool,
) -> io::Result<()> {
    let (parts, body) = resp.into_parts();
    let status = parts.status;
    let bodiless = status == StatusCode::NOT_MODIFIED || status == StatusCode::NO_CONTENT;
    // Room for a small body too, which goes out in the same write.
    let small = match &body {
        OriginBody::Plain(Span::Heap(bytes)) if bytes.len() <= SMALL_BODY => bytes.len(),
        _ => 0,
    };
    let mut head = Vec::with_capacity(512 + small);
    head.extend_from_slice(b"HTTP/1.1 ");
    head.extend_from_slice(status.as_str().as_bytes());
    head.push(b' ');
    head.extend_from_slice(status.canonical_reason().unwrap_or("").as_bytes());
    head.extend_from_slice(b"\r\n");
    for (name, value) in &parts.headers {
        field(&mut head, name.as_str(), value.as_bytes());
    }
    if !parts.headers.contains_key(DATE) {
        http_date(|date| field(&mut head, "date", date.as_bytes()));
    }
    if !bodiless && !parts.headers.contains_key(CONTENT_LENGTH) {
        let length = body.size_hint().exact().unwrap_or(0);
        field(&mut head, "content-length", length.to_string().as_bytes());
    }
    if !keep_alive {
        field(&mut head, "connection", b"close");
    }
    head.extend_from_slice(b"\r\n");
    if head_only || bodiless {
        return send_all(stream, &head, false).await;
    }
    match body {
        OriginBody::Plain(Span::Heap(bytes)) if bytes.len() <= SMALL_BODY => {
            head.extend_from_slice(&bytes);
            send_all(stream, &head, false).await
        }
        OriginBody::Plain(Span::Heap(bytes)) => {
            send_all(stream, &head, true).await?;
            send_all(stream, &bytes, false).await
        }
        OriginBody::Plain(Span::Sealed { file, next, end }) => {
            send_all(stream, &head, true).await?;
            send_file(stream, &file, next, end).await
        }
        mut paced @ OriginBody::Paced(_) => {
            send_all(stream, &head, false).await?;
            while let Some(frame) = paced.frame().await {
                if let Ok(data) = frame?.into_data() {
                    send_all(stream, &data, false).await?;
                }
            }
            Ok(())
        }
    }
}

fn field(head: &mut Vec<u8>, name: &str, value: &[u8]) {
    head.extend_from_slice(name.as_bytes());
    head.extend_from_slice(b": ");
    head.extend_from_slice(value);
    head.extend_from_slice(b"\r\n");
}

/// Calls `with` with the current time as an HTTP date, formatted once a
/// second per thread.
fn http_date(with: impl FnOnce(&str)) {
    thread_local! {
        static DATE: std::cell::RefCell<(i64, String)> = const { std::cell::RefCell::new((i64::MIN, String::new())) };
    }
    let now = coarse_now();
    DATE.with_borrow_mut(|(second, text)| {
        if *second != now.as_second() {
            *second = now.as_second();
            *text = now.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string();
        }
        with(text);
    });
}

/// The wall clock as of the kernel's last tick (a few milliseconds old), for
/// the `Date` field, which counts whole seconds: unlike the precise clock,
/// it needs no read of the CPU's counter. (Grants keep the precise clock: a
/// grant minted in the tick just past a second would be "not yet valid"
/// under a clock skew allowance of 0.)
fn coarse_now() -> jiff::Timestamp {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::RealtimeCoarse);
    i32::try_from(now.tv_nsec)
        .ok()
        .and_then(|nanos| jiff::Timestamp::new(now.tv_sec, nanos).ok())
        .unwrap_or_else(jiff::Timestamp::now)
}

/// Writes all of `bytes`; with `more`, tells the kernel more follows at once
/// (`MSG_MORE`), so a head and its body's first bytes share a packet.
async fn send_all(stream: &TcpStream, mut bytes: &[u8], more: bool) -> io::Result<()> {
    let flags = if more {
        SendFlags::NOSIGNAL | SendFlags::MORE
    } else {
        SendFlags::NOSIGNAL
    };
    while !bytes.is_empty() {
        match stream.try_io(Interest::WRITABLE, || {
            Ok(rustix::net::send(stream, bytes, flags)?)
        }) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => writable(stream).await?,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Waits until `stream` takes more bytes, at most [`SEND_TIME`].
async fn writable(stream: &TcpStream) -> io::Result<()> {
    match tokio::time::timeout(SEND_TIME, stream.writable()).await {
        Ok(ready) => ready,
        Err(_elapsed) => Err(io::ErrorKind::TimedOut.into()),
    }
}

/// Sends bytes `next..end` of `file` with `sendfile(2)`, in full packets.
///
/// Nagle's algorithm is on meanwhile: a short packet left at the end of one
/// call waits for the next call's bytes while earlier ones are
/// unacknowledged (nginx's `tcp_nopush` does this with `TCP_CORK`, which
/// cost the origin more: docs/benchmarks.md). Setting `TCP_NODELAY` again
/// sends what is left at once, and keeps later small answers from waiting.
async fn send_file(stream: &TcpStream, file: &Sealed, mut next: u64, end: u64) -> io::Result<()> {
    stream.set_nodelay(false)?;
    while next < end {
        writable(stream).await?;
        let count = (end - next).min(SENDFILE_MAX) as usize;
        match stream.try_io(Interest::WRITABLE, || {
            file.send(stream.as_fd(), &mut next, count)
        }) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    stream.set_nodelay(true)
}

/// Ends a connection the server closes: the response is on its way (FIN),
/// and what the client still sends (a body we did not read) is read and
/// dropped for up to 2 s, so that closing does not reset the connection
/// before the client has read the response.
async fn linger(stream: &TcpStream) -> io::Result<()> {
    rustix::net::shutdown(stream, rustix::net::Shutdown::Write)?;
    let until = Instant::now() + Duration::from_secs(2);
    let mut chunk = [0u8; 4096];
    let mut left: usize = 1 << 20;
    while left > 0 {
        match timeout_at(until, stream.readable()).await {
            Err(_elapsed) => return Ok(()),
            Ok(ready) => ready?,
        }
        match stream.try_read(&mut chunk) {
            Ok(0) => return Ok(()),
            Ok(n) => left = left.saturating_sub(n),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Answers `req` and writes its access log line (target `manabi::access`,
/// level info): client, method, path without its grant token, status and
/// time taken. Nothing is formatted when the level is off.
async fn access_logged(
    origin: &Origin,
    peer: std::net::SocketAddr,
    req: &Ask<'_>,
) -> Response<OriginBody> {
    if !tracing::enabled!(target: "manabi::access", tracing::Level::INFO) {
        return origin.handle(req).await;
    }
    let started = std::time::Instant::now();
    let (method, path) = (req.method, crate::router::loggable_path(req.path));
    let resp = origin.handle(req).await;
    tracing::info!(
        target: "manabi::access",
        client = %peer.ip(),
        %method,
        path,
        status = resp.status().as_u16(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_of(target: &str) -> String {
        let raw = format!("GET {target} HTTP/1.1\r\nHost: origin\r\n\r\n");
        let head = parse(raw.as_bytes()).unwrap().unwrap();
        head.ask(raw.as_bytes()).path.to_owned()
    }

    #[tokio::test]
    async fn a_file_body_arrives_whole_and_the_connection_is_left_without_delay() {
        use tokio::io::AsyncReadExt as _;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        server.set_nodelay(true).unwrap();
        let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let file = std::sync::Arc::new(Sealed::new("test", &bytes).unwrap());
        let (from, to) = (1000, bytes.len() as u64 - 1000);
        let body = OriginBody::Plain(Span::Sealed {
            file,
            next: from,
            end: to,
        });
        let reading = tokio::spawn(async move {
            let mut all = Vec::new();
            client.read_to_end(&mut all).await.unwrap();
            all
        });
        respond(&server, Response::new(body), false, true)
            .await
            .unwrap();
        // Small answers that follow on the connection must not wait for
        // acknowledgements.
        assert!(server.nodelay().unwrap(), "TCP_NODELAY is set again");
        drop(server);
        let all = reading.await.unwrap();
        let body_at = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        assert!(all.starts_with(b"HTTP/1.1 200 OK\r\n"));
        assert_eq!(&all[body_at..], &bytes[from as usize..to as usize]);
    }

    #[test]
    fn the_coarse_clock_is_the_wall_clock_to_within_a_tick() {
        let (before, coarse, after) =
            (jiff::Timestamp::now(), coarse_now(), jiff::Timestamp::now());
        // A tick is at most 10 ms (CONFIG_HZ 100); a second is a wide margin.
        let margin = jiff::SignedDuration::from_secs(1);
        assert!(
            coarse >= before - margin && coarse <= after,
            "{before} {coarse} {after}"
        );
    }

    #[test]
    fn every_form_of_request_target_gives_its_path() {
        for (target, path) in [
            ("/media/v/1/t/master.m3u8", "/media/v/1/t/master.m3u8"),
            ("/a/b?c=/d", "/a/b"),
            ("/a#f", "/a"),
            ("http://origin.example/a/b?c", "/a/b"),
            ("http://origin.example:8080", "/"),
            ("http://origin.example?x=/y", "/"),
            ("*", "*"),
        ] {
            assert_eq!(path_of(target), path, "{target}");
        }
    }
}

//! The request handler.

use crate::body::{OriginBody, Span};
use crate::cache::{Cache, Fetched, Served, Validators};
use crate::govern::{self, Governor, Ticket};
use crate::router::{self, Endpoint};
use crate::{Settings, conditional, metrics, range};
use bytes::Bytes;
use domain::{Grant, SigningKeys};
use http::request::Parts;
use http::{HeaderValue, Method, Response, StatusCode, header};
use jiff::{SignedDuration, Timestamp};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use store::{ByteRange, ObjectKey, Store, StoreError};

/// Segments never change once published (a new upload is a new video).
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Memory for playlists and captions (16 MiB: thousands of videos' playlists).
const PLAYLIST_CACHE_BYTES: u64 = 16 * 1024 * 1024;

/// The origin: cheap to clone, shared by every connection.
#[derive(Clone)]
pub struct Origin {
    store: Arc<dyn Store>,
    /// Immutable objects (segments, init segments, images).
    cache: Arc<Cache>,
    /// Playlists and captions, re-read at most every `playlist_max_age_seconds`.
    playlists: Arc<Cache>,
    keys: Arc<SigningKeys>,
    settings: Arc<Settings>,
    governor: Arc<Governor>,
    /// `Cache-Control` of playlists and captions, from the settings.
    playlist_cache_control: HeaderValue,
}

/// What kind of object a key names, for media type, caching and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Playlist,
    Segment,
    Init,
    /// The init segment of an audio-only rendition.
    AudioInit,
    Image,
    Captions,
    Other,
}

impl Kind {
    fn of(key: &ObjectKey) -> Self {
        let name = key.as_str();
        match name.rsplit_once('.').map(|(_, ext)| ext) {
            Some("m3u8") => Kind::Playlist,
            Some("m4s") => Kind::Segment,
            // The transcoder names the audio-only rendition's directory `audio`.
            Some("mp4") if name.rsplit('/').nth(1) == Some("audio") => Kind::AudioInit,
            Some("mp4") => Kind::Init,
            Some("jpg") => Kind::Image,
            Some("vtt") => Kind::Captions,
            _ => Kind::Other,
        }
    }

    fn media_type(self) -> &'static str {
        match self {
            Kind::Playlist => "application/vnd.apple.mpegurl",
            Kind::Segment => "video/iso.segment",
            Kind::Init => "video/mp4",
            Kind::AudioInit => "audio/mp4",
            Kind::Image => "image/jpeg",
            Kind::Captions => "text/vtt; charset=utf-8",
            Kind::Other => "application/octet-stream",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Playlist => "playlist",
            Kind::Segment => "segment",
            Kind::Init | Kind::AudioInit => "init",
            Kind::Image => "image",
            Kind::Captions => "captions",
            Kind::Other => "other",
        }
    }
}

/// An origin response.
pub type Resp = Response<OriginBody>;

/// What the origin reads of a request: its method, path and four fields.
/// No body is ever read (the origin is read-only). Borrowed from wherever
/// the request was parsed, so answering costs no copy of it.
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    /// The request method.
    pub method: &'a Method,
    /// The path, without query.
    pub path: &'a str,
    /// `If-None-Match`, if present and text.
    pub if_none_match: Option<&'a str>,
    /// `If-Modified-Since`, if present and text.
    pub if_modified_since: Option<&'a str>,
    /// `Range`, if present and text.
    pub range: Option<&'a str>,
    /// `If-Range`, if present and text.
    pub if_range: Option<&'a str>,
}

impl<'a> Ask<'a> {
    /// The request as hyper parsed it (the origin under `/media` of `--role all`).
    pub fn of(req: &'a Parts) -> Self {
        let text = |name| {
            req.headers
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
        };
        Self {
            method: &req.method,
            path: req.uri.path(),
            if_none_match: text(header::IF_NONE_MATCH),
            if_modified_since: text(header::IF_MODIFIED_SINCE),
            range: text(header::RANGE),
            if_range: text(header::IF_RANGE),
        }
    }
}

fn plain(status: StatusCode, message: &'static str) -> Resp {
    let mut resp = Response::new(OriginBody::bytes(message));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    // Refusals must never be cached by a proxy or CDN.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

impl Origin {
    /// An origin reading from `store`, accepting grants signed with `keys`
    /// and keeping each site within its budget through `governor`.
    pub fn new(
        store: Arc<dyn Store>,
        keys: Arc<SigningKeys>,
        settings: Settings,
        governor: Arc<Governor>,
    ) -> Self {
        let cache = Arc::new(Cache::new(
            settings.cache_bytes,
            settings.cache_max_object_bytes,
            None,
            true,
            cached_files_limit(),
        ));
        let playlists = Arc::new(Cache::new(
            PLAYLIST_CACHE_BYTES,
            PLAYLIST_CACHE_BYTES / 16,
            Some(Duration::from_secs(u64::from(
                settings.playlist_max_age_seconds.max(1),
            ))),
            false,
            0,
        ));
        // Digits only: always a valid header value.
        let playlist_cache_control = HeaderValue::from_str(&format!(
            "public, max-age={}",
            settings.playlist_max_age_seconds
        ))
        .unwrap_or_else(|_| HeaderValue::from_static("no-cache"));
        Self {
            store,
            cache,
            playlists,
            keys,
            settings: Arc::new(settings),
            governor,
            playlist_cache_control,
        }
    }

    /// A store operation under the origin's time limit, timed for the metrics:
    /// an unreachable store answers 503 quickly instead of hanging players.
    async fn store_op<T>(
        &self,
        op: &'static str,
        work: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        let limit = Duration::from_millis(self.settings.store_timeout_ms.max(1));
        metrics::timed(op, async {
            tokio::time::timeout(limit, work).await.unwrap_or_else(|_| {
                Err(StoreError::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no answer within {} ms", limit.as_millis()),
                )))
            })
        })
        .await
    }

    /// Answers one request.
    pub async fn handle(&self, req: &Ask<'_>) -> Resp {
        // The path is parsed once; the metric is labelled from the same result.
        let endpoint = router::parse(req.path);
        let kind = endpoint.as_ref().map_or("none", |e| match e {
            Endpoint::Media { key, .. } => Kind::of(key).label(),
            Endpoint::Health => "health",
            Endpoint::Ready => "ready",
            Endpoint::Metrics => "metrics",
        });
        let mut resp = self.route(req, endpoint, Timestamp::now()).await;
        // Refusals and failures too: a player on the front end's origin
        // must see their status, where without CORS it sees a network error.
        if req.path.starts_with("/media/") {
            resp = cors(resp);
        }
        metrics::count_request(resp.status(), kind);
        resp
    }

    async fn route(&self, req: &Ask<'_>, endpoint: Option<Endpoint>, now: Timestamp) -> Resp {
        let Some(endpoint) = endpoint else {
            // Under /media/ an unparseable path is a request without a valid
            // grant: refuse it the same way, telling nothing about the store.
            if req.path.starts_with("/media/") {
                return plain(StatusCode::FORBIDDEN, "forbidden\n");
            }
            return plain(StatusCode::NOT_FOUND, "not found\n");
        };
        let head = match *req.method {
            Method::GET => false,
            Method::HEAD => true,
            Method::OPTIONS => return preflight(),
            _ => {
                let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
                r.headers_mut().insert(
                    header::ALLOW,
                    HeaderValue::from_static("GET, HEAD, OPTIONS"),
                );
                return r;
            }
        };
        match endpoint {
            Endpoint::Health => plain(StatusCode::OK, "ok\n"),
            Endpoint::Ready => match self.store_op("check", self.store.check()).await {
                Ok(()) => plain(StatusCode::OK, "ok\n"),
                Err(e) => store_failure(&e, "the readiness check"),
            },
            Endpoint::Metrics => metrics_text(),
            Endpoint::Media { video, token, key } => {
                let skew = SignedDuration::from_secs(self.settings.grant_skew_seconds);
                match Grant::verify(&token, &self.keys, now, skew) {
                    Ok(grant)
                        if grant.video == video
                            && !self.governor.is_revoked(&grant.session, skew) =>
                    {
                        let ticket = self.governor.admit(&grant.site, grant.session);
                        self.object(req, &key, head, ticket).await
                    }
                    Ok(_) | Err(_) => plain(StatusCode::FORBIDDEN, "forbidden\n"),
                }
            }
        }
    }

    /// An immutable object for the cache: the store's own file when it keeps
    /// objects as local files (sent from the page cache, as nginx sends its
    /// files), else its bytes.
    async fn fetch(&self, key: &ObjectKey) -> Result<Fetched, StoreError> {
        if let Some((file, meta)) = self.store_op("open", self.store.open(key)).await? {
            return Ok(Fetched::File(file, meta));
        }
        Ok(Fetched::Read(self.read(key).await?))
    }

    /// The whole object's bytes from the store.
    async fn read(&self, key: &ObjectKey) -> Result<store::Object, StoreError> {
        self.store_op("get", self.store.get(key, None)).await
    }

    /// The master playlist, reduced to the rungs that fit the viewer's share.
    async fn master(&self, key: &ObjectKey, ticket: &Ticket<'_>) -> Result<Served, StoreError> {
        let object = self.playlists.get(key, || self.read(key)).await?;
        if !ticket.paced() {
            // No budget at this site: every rung fits and there is no floor.
            return Ok(object);
        }
        let bytes = whole_bytes(&object)?;
        let text = String::from_utf8_lossy(&bytes);
        let (filtered, _kept, floor) = govern::filter_master(&text, ticket.share_bps());
        ticket.set_floor(floor);
        Ok(Served::from(store::Object {
            meta: store::Meta {
                len: filtered.len() as u64,
                modified: object.meta.modified,
            },
            bytes: Bytes::from(filtered),
        }))
    }

    /// Learns the floor of a viewer whose master this origin has not read
    /// since the viewer became active (it paused longer than
    /// `network.viewer_idle_seconds`, or read the master from another
    /// replica) from the master beside the segment, so that it is never
    /// paced below its lowest rung.
    async fn learn_floor(&self, segment: &ObjectKey, ticket: &Ticket<'_>) {
        let Some(master) = master_beside(segment) else {
            return;
        };
        let bytes = self
            .playlists
            .get(&master, || self.read(&master))
            .await
            .and_then(|object| whole_bytes(&object));
        if let Ok(bytes) = bytes {
            let text = String::from_utf8_lossy(&bytes);
            ticket.set_floor(govern::filter_master(&text, None).2);
        }
    }

    async fn object(&self, req: &Ask<'_>, key: &ObjectKey, head: bool, ticket: Ticket<'_>) -> Resp {
        let kind = Kind::of(key);
        // The whole object when it is at hand: immutable objects come from the
        // cache (many requests, one read), the master is filtered per viewer.
        let loaded = match kind {
            Kind::Playlist if key.as_str().ends_with("/master.m3u8") => {
                self.master(key, &ticket).await.map(Some)
            }
            Kind::Segment | Kind::Init | Kind::AudioInit | Kind::Image
                if self.settings.cache_bytes > 0 =>
            {
                self.cache.get(key, || self.fetch(key)).await.map(Some)
            }
            Kind::Playlist | Kind::Captions => {
                self.playlists.get(key, || self.read(key)).await.map(Some)
            }
            _ => Ok(None),
        };
        // Taken apart, not cloned: each clone of a cached object's parts
        // counts references that every core's requests share.
        let (meta, validators, whole_object) = match loaded {
            Ok(Some(Served {
                meta,
                content,
                validators,
            })) => (meta, validators, Some(content)),
            Ok(None) => match self.store_op("head", self.store.head(key)).await {
                Ok(m) => (m, Validators::of(&m), None),
                Err(e) => return store_failure(&e, key.as_str()),
            },
            Err(e) => return store_failure(&e, key.as_str()),
        };
        let mut resp = Response::new(OriginBody::empty());
        // Room for every field of the answer and CORS's: no growing on the way.
        *resp.headers_mut() = http::HeaderMap::with_capacity(16);
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(kind.media_type()),
        );
        h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        h.insert(
            header::CACHE_CONTROL,
            match kind {
                // Playlists and WebVTT can change within a revision (captions).
                Kind::Playlist | Kind::Captions => self.playlist_cache_control.clone(),
                Kind::Segment | Kind::Init | Kind::AudioInit | Kind::Image | Kind::Other => {
                    HeaderValue::from_static(IMMUTABLE)
                }
            },
        );
        if let Some(date) = validators.last_modified {
            h.insert(header::LAST_MODIFIED, date);
        }
        let tag = validators.etag;
        let unchanged = conditional::not_modified(
            req.if_none_match,
            req.if_modified_since,
            tag.as_bytes(),
            meta.modified,
        );
        let requested = req
            .range
            .filter(|_| conditional::range_applies(req.if_range, tag.as_bytes()))
            .and_then(range::parse);
        h.insert(header::ETAG, tag);
        if unchanged {
            *resp.status_mut() = StatusCode::NOT_MODIFIED;
            return resp;
        }
        let (status, span) = match requested.map(|r| range::resolve(r, meta.len)) {
            None => (StatusCode::OK, None),
            Some(Some((start, end))) => {
                (StatusCode::PARTIAL_CONTENT, Some(ByteRange { start, end }))
            }
            Some(None) => {
                let mut r = plain(StatusCode::RANGE_NOT_SATISFIABLE, "range not satisfiable\n");
                if let Ok(v) = HeaderValue::from_str(&format!("bytes */{}", meta.len)) {
                    r.headers_mut().insert(header::CONTENT_RANGE, v);
                }
                return r;
            }
        };
        let h = resp.headers_mut();
        if let Some(r) = span
            && let Ok(v) =
                HeaderValue::from_str(&format!("bytes {}-{}/{}", r.start, r.end - 1, meta.len))
        {
            h.insert(header::CONTENT_RANGE, v);
        }
        let length = span.map_or(meta.len, |r| r.end - r.start);
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
        *resp.status_mut() = status;
        if head {
            return resp;
        }
        let body: Span = match whole_object {
            Some(content) => match span {
                Some(r) => content.span(r.start, r.end),
                None => content.whole(),
            },
            None => match self.store_op("get", self.store.get(key, span)).await {
                Ok(object) => object.bytes.into(),
                Err(e) => return store_failure(&e, key.as_str()),
            },
        };
        metrics::BYTES.inc_by(body.len());
        // Segments are what fills an office's line: they go at the viewer's pace.
        *resp.body_mut() = if kind == Kind::Segment && ticket.paced() {
            if !ticket.has_floor() {
                self.learn_floor(key, &ticket).await;
            }
            OriginBody::Paced(ticket.pace(body))
        } else {
            ticket.count(body.len() as usize);
            OriginBody::Plain(body)
        };
        resp
    }
}

/// A cached object's bytes, whole (a playlist's, to read it).
fn whole_bytes(object: &Served) -> Result<Bytes, StoreError> {
    object
        .content
        .whole()
        .take(usize::MAX)
        .map_err(StoreError::Io)
}

/// The master playlist of the package a segment belongs to:
/// `…/{rev}/{rung}/seg_00001.m4s` → `…/{rev}/master.m3u8`.
fn master_beside(segment: &ObjectKey) -> Option<ObjectKey> {
    let (rung, _) = segment.as_str().rsplit_once('/')?;
    let (package, _) = rung.rsplit_once('/')?;
    ObjectKey::listed(&format!("{package}/master.m3u8")).ok()
}

/// How many cached objects may be held in files: a quarter of the open
/// files this process may have (the rest are connections and the store's),
/// at most 4096. See [`crate::raise_open_files_limit`].
fn cached_files_limit() -> usize {
    let open_files = rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .current
        .unwrap_or(u64::MAX);
    usize::try_from(open_files / 4).map_or(4096, |n| n.clamp(16, 4096))
}

fn store_failure(e: &StoreError, what: &str) -> Resp {
    match e {
        StoreError::NotFound => plain(StatusCode::NOT_FOUND, "not found\n"),
        other => {
            tracing::error!(error = %other, what, "media store read failed");
            let mut r = plain(StatusCode::SERVICE_UNAVAILABLE, "media store unavailable\n");
            // Players retry on their own; the store usually comes back soon.
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
            r
        }
    }
}

fn internal() -> Resp {
    plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error\n")
}

/// Players on the front end's origin fetch media from this one. An answer
/// carries what the browser reads of it; which methods and request fields
/// are allowed is read only from the preflight's answer ([`preflight`]),
/// so it is not repeated on every segment (Fetch standard, CORS protocol).
fn cors(mut resp: Resp) -> Resp {
    let h = resp.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("Content-Length, Content-Range, ETag"),
    );
    resp
}

/// The answer to a CORS preflight (`OPTIONS`).
fn preflight() -> Resp {
    let mut resp = cors(Response::new(OriginBody::empty()));
    let h = resp.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, HEAD, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Range, If-Range, If-None-Match, If-Modified-Since"),
    );
    // One preflight an hour per page and origin, not one per media request
    // (a player's ranged requests each need one).
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("3600"),
    );
    resp
}

fn metrics_text() -> Resp {
    use prometheus::Encoder;
    let mut out = Vec::new();
    let encoder = prometheus::TextEncoder::new();
    if encoder.encode(&prometheus::gather(), &mut out).is_err() {
        return internal();
    }
    let mut resp = Response::new(OriginBody::bytes(out));
    if let Ok(v) = HeaderValue::from_str(encoder.format_type()) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_combined_role_reads_every_field_the_origin_server_reads() {
        let (parts, ()) = http::Request::get("/media/v/1/t/360p/seg_00001.m4s?x=1")
            .header("If-None-Match", "W/\"a\"")
            .header("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT")
            .header("Range", "bytes=0-9")
            .header("If-Range", "\"a\"")
            .body(())
            .unwrap()
            .into_parts();
        let ask = Ask::of(&parts);
        assert_eq!(
            (
                ask.path,
                ask.if_none_match,
                ask.if_modified_since,
                ask.range,
                ask.if_range
            ),
            (
                "/media/v/1/t/360p/seg_00001.m4s",
                Some("W/\"a\""),
                Some("Sun, 06 Nov 1994 08:49:37 GMT"),
                Some("bytes=0-9"),
                Some("\"a\"")
            )
        );
    }
}

//! The request handler.

use crate::cache::Cache;
use crate::router::{self, Endpoint};
use crate::{Settings, metrics, range};
use bytes::Bytes;
use domain::{Grant, SigningKeys};
use http::request::Parts;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;
use std::time::UNIX_EPOCH;
use store::{ByteRange, Meta, ObjectKey, Store, StoreError};

/// Segments never change once published (a new upload is a new video).
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The origin: cheap to clone, shared by every connection.
#[derive(Clone)]
pub struct Origin {
    store: Arc<dyn Store>,
    cache: Arc<Cache>,
    keys: Arc<SigningKeys>,
    settings: Arc<Settings>,
}

/// What kind of object a key names, for media type, caching and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Playlist,
    Segment,
    Init,
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
            Kind::Image => "image/jpeg",
            Kind::Captions => "text/vtt; charset=utf-8",
            Kind::Other => "application/octet-stream",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Playlist => "playlist",
            Kind::Segment => "segment",
            Kind::Init => "init",
            Kind::Image => "image",
            Kind::Captions => "captions",
            Kind::Other => "other",
        }
    }
}

type Resp = Response<Full<Bytes>>;

fn plain(status: StatusCode, message: &'static str) -> Resp {
    let mut resp = Response::new(Full::new(Bytes::from_static(message.as_bytes())));
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

fn etag(meta: &Meta) -> String {
    let nanos = meta
        .modified
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("\"{:x}-{:x}\"", meta.len, nanos)
}

fn http_date(meta: &Meta) -> Option<String> {
    let ts = Timestamp::try_from(meta.modified).ok()?;
    Some(ts.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string())
}

impl Origin {
    /// An origin reading from `store` and accepting grants signed with `keys`.
    pub fn new(store: Arc<dyn Store>, keys: Arc<SigningKeys>, settings: Settings) -> Self {
        let cache = Arc::new(Cache::new(
            settings.cache_bytes,
            settings.cache_max_object_bytes,
        ));
        Self {
            store,
            cache,
            keys,
            settings: Arc::new(settings),
        }
    }

    /// Answers one request. Generic over the request body, which is ignored:
    /// the origin is read-only.
    pub async fn handle<B>(&self, req: Request<B>) -> Resp {
        // Only the head matters; dropping the body keeps the future `Send`
        // whatever the body type is.
        let (req, _body) = req.into_parts();
        // The path is parsed once; the metric is labelled from the same result.
        let endpoint = router::parse(req.uri.path());
        let kind = endpoint.as_ref().map_or("none", |e| match e {
            Endpoint::Media { key, .. } => Kind::of(key).label(),
            Endpoint::Health => "health",
            Endpoint::Metrics => "metrics",
        });
        let resp = self.route(&req, endpoint, Timestamp::now()).await;
        metrics::REQUESTS
            .with_label_values(&[resp.status().as_str(), kind])
            .inc();
        resp
    }

    async fn route(&self, req: &Parts, endpoint: Option<Endpoint>, now: Timestamp) -> Resp {
        let Some(endpoint) = endpoint else {
            // Under /media/ an unparseable path is a request without a valid
            // grant: refuse it the same way, telling nothing about the store.
            if req.uri.path().starts_with("/media/") {
                return plain(StatusCode::FORBIDDEN, "forbidden\n");
            }
            return plain(StatusCode::NOT_FOUND, "not found\n");
        };
        let head = match req.method {
            Method::GET => false,
            Method::HEAD => true,
            Method::OPTIONS => return cors(Response::new(Full::default())),
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
            Endpoint::Metrics => metrics_text(),
            Endpoint::Media { video, token, key } => {
                let skew = SignedDuration::from_secs(self.settings.grant_skew_seconds);
                match Grant::verify(&token, &self.keys, now, skew) {
                    Ok(grant) if grant.video == video => cors(self.object(req, &key, head).await),
                    Ok(_) | Err(_) => plain(StatusCode::FORBIDDEN, "forbidden\n"),
                }
            }
        }
    }

    async fn object(&self, req: &Parts, key: &ObjectKey, head: bool) -> Resp {
        let kind = Kind::of(key);
        // Immutable objects come whole from the cache: many requests, one read.
        let cached = match kind {
            Kind::Segment | Kind::Init | Kind::Image if self.settings.cache_bytes > 0 => {
                match self.cache.get(key, self.store.as_ref()).await {
                    Ok(object) => Some(object),
                    Err(e) => return store_failure(&e, key),
                }
            }
            _ => None,
        };
        let meta = match &cached {
            Some(object) => object.meta,
            None => match self.store.head(key).await {
                Ok(m) => m,
                Err(e) => return store_failure(&e, key),
            },
        };
        let tag = etag(&meta);
        let mut builder = Response::builder()
            .header(header::CONTENT_TYPE, kind.media_type())
            .header(header::ETAG, &tag)
            .header(header::ACCEPT_RANGES, "bytes")
            .header(
                header::CACHE_CONTROL,
                match kind {
                    // Playlists and WebVTT can change within a revision (captions).
                    Kind::Playlist | Kind::Captions => {
                        format!("public, max-age={}", self.settings.playlist_max_age_seconds)
                    }
                    Kind::Segment | Kind::Init | Kind::Image | Kind::Other => IMMUTABLE.to_owned(),
                },
            );
        if let Some(date) = http_date(&meta) {
            builder = builder.header(header::LAST_MODIFIED, date);
        }
        let inm = req
            .headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok());
        if inm.is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*")) {
            return builder
                .status(StatusCode::NOT_MODIFIED)
                .body(Full::default())
                .unwrap_or_else(|_| internal());
        }
        let requested = req
            .headers
            .get(header::RANGE)
            .and_then(|v| v.to_str().ok())
            .and_then(range::parse);
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
        if let Some(r) = span {
            builder = builder.header(
                header::CONTENT_RANGE,
                format!("bytes {}-{}/{}", r.start, r.end - 1, meta.len),
            );
        }
        let length = span.map_or(meta.len, |r| r.end - r.start);
        builder = builder
            .status(status)
            .header(header::CONTENT_LENGTH, length);
        if head {
            return builder.body(Full::default()).unwrap_or_else(|_| internal());
        }
        let bytes = match cached {
            Some(object) => match span {
                Some(r) => object.bytes.slice(r.start as usize..r.end as usize),
                None => object.bytes,
            },
            None => match self.store.get(key, span).await {
                Ok(object) => object.bytes,
                Err(e) => return store_failure(&e, key),
            },
        };
        metrics::BYTES.inc_by(bytes.len() as u64);
        builder
            .body(Full::new(bytes))
            .unwrap_or_else(|_| internal())
    }
}

fn store_failure(e: &StoreError, key: &ObjectKey) -> Resp {
    match e {
        StoreError::NotFound => plain(StatusCode::NOT_FOUND, "not found\n"),
        other => {
            tracing::error!(error = %other, key = %key, "media store read failed");
            plain(StatusCode::SERVICE_UNAVAILABLE, "media store unavailable\n")
        }
    }
}

fn internal() -> Resp {
    plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error\n")
}

/// Players on the front end's origin fetch media from this one.
fn cors(mut resp: Resp) -> Resp {
    let h = resp.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, HEAD, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Range, If-None-Match"),
    );
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("Content-Length, Content-Range, ETag"),
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
    let mut resp = Response::new(Full::new(Bytes::from(out)));
    if let Ok(v) = HeaderValue::from_str(encoder.format_type()) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp
}

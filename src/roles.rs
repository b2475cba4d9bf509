//! Starting the roles: `all` (catalog + origin + one worker in one process),
//! or one of them. One shutdown signal stops everything.

use crate::config::Config;
use crate::jobs::CatalogJobs;
use crate::remote::HttpJobs;
use crate::telemetry;
use anyhow::Context;
use axum::Router;
use axum::http::{HeaderMap, HeaderValue};
use catalog::Catalog;
use domain::BitrateCaps;
use origin::{Governor, Origin};
use std::net::SocketAddr;
use std::sync::Arc;
use store::Store;
use tokio::sync::watch;
use tokio::task::JoinSet;
use transcoder::jobs::JobSource;

/// Which parts this process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// Catalog, origin and one transcoder worker.
    All,
    /// The system of record and JSON API.
    Catalog,
    /// The HLS origin only.
    Origin,
    /// A transcoder worker taking jobs from a catalog's internal API
    /// (`--catalog URL`), reading and writing media through the media store.
    Worker,
}

/// A running application.
pub struct App {
    addr: Option<SocketAddr>,
    catalog: Option<Catalog>,
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl App {
    /// The bound HTTP address (none for a worker).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.addr
    }

    /// The catalog, when this process runs it.
    pub fn catalog(&self) -> Option<&Catalog> {
        self.catalog.as_ref()
    }

    /// Runs until `signal` resolves, then shuts down gracefully.
    pub async fn run_until(self, signal: impl std::future::Future<Output = ()>) {
        let mut this = self;
        tokio::select! {
            () = signal => {}
            _ = this.tasks.join_next() => tracing::error!("a role stopped unexpectedly"),
        }
        this.shutdown().await;
    }

    /// Stops every role and waits for them.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
    }
}

async fn stopped(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}

/// Opens storage, binds the listener and starts the roles.
pub async fn start(config: &Config, role: Role) -> anyhow::Result<App> {
    let data = &config.data_dir;
    anyhow::ensure!(
        role != Role::Catalog || !config.catalog.origin_url.is_empty(),
        "a catalog without the origin in the same process needs catalog.origin_url (MANABI_CATALOG__ORIGIN_URL), \
         the origin's public address, for its media URLs"
    );
    // Read before anything is created: a bad certificate leaves no keys behind.
    let tls = config.http.tls()?;
    std::fs::create_dir_all(data)
        .with_context(|| format!("creating the data directory {}", data.display()))?;
    let store: Arc<dyn Store> = store::open(&config.store, data)
        .await
        .context("opening the media store")?;
    let keys = config.grant_keys(role != Role::Origin)?;
    let (stop, stop_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();

    // One governor per process: the origin paces with it, the catalog in the
    // same process reads each site's cap from it.
    let governor = Arc::new(Governor::new(config.network.clone()));
    let catalog = match role {
        Role::All | Role::Catalog => {
            // Settings first: a bad [smtp] section stops before anything opens.
            let mailer = catalog::mail::Mailer::new(&config.smtp)?;
            let backups = catalog::backup::Plan::new(&config.backup, data)?.with_copy(
                store::mirror::open(&config.backup_copy, data)
                    .await
                    .context("opening the backups' copy ([backup_copy])")?,
            );
            let mirror = store::mirror::open(&config.mirror, data)
                .await
                .context("opening the media mirror ([mirror])")?;
            let caps: Option<Arc<dyn BitrateCaps>> =
                (role == Role::All).then(|| Arc::clone(&governor) as Arc<dyn BitrateCaps>);
            Some(
                Catalog::open(
                    config.catalog.clone(),
                    data,
                    Arc::clone(&store),
                    keys.clone(),
                )
                .await
                .context("opening the catalog")?
                .with_network(config.network.clone(), caps)
                .with_mailer(mailer)
                .with_backups(backups)
                .with_mirror(mirror)
                .with_posters(Arc::new(crate::jobs::Posters)),
            )
        }
        Role::Origin | Role::Worker => None,
    };
    if let Some(catalog) = &catalog {
        tasks.spawn(catalog.clone().housekeeping(stopped(stop_rx.clone())));
        tasks.spawn(
            catalog
                .clone()
                .deliver_invitations(stopped(stop_rx.clone())),
        );
    }
    if role == Role::Origin {
        // Without its catalog, a session whose login ends plays on here until
        // its grant runs out (grant_ttl_seconds + skew).
        let url = &config.worker.catalog_url;
        if url.is_empty() {
            tracing::info!(
                "no worker.catalog_url: sessions whose login ends are refused when their grant runs out"
            );
        } else {
            tasks.spawn({
                let url = crate::remote::catalog_base(url)?;
                let token = config.worker_token()?;
                let caps = Arc::clone(&governor) as Arc<dyn BitrateCaps>;
                let stop = stopped(stop_rx.clone());
                async move { crate::remote::follow_revocations(&url, token, caps, stop).await }
            });
        }
    }
    let origin = matches!(role, Role::All | Role::Origin).then(|| {
        let open_files = origin::raise_open_files_limit();
        tracing::debug!(?open_files, "open files limit");
        Origin::new(
            Arc::clone(&store),
            Arc::new(keys),
            config.origin.clone(),
            governor,
        )
    });

    let source: Option<Arc<dyn JobSource>> = match (&catalog, role) {
        (Some(catalog), Role::All) => Some(Arc::new(CatalogJobs::new(catalog.state.queue.clone()))),
        (_, Role::Worker) => {
            let url = &config.worker.catalog_url;
            anyhow::ensure!(
                !url.is_empty(),
                "a worker needs its catalog: --catalog URL (or worker.catalog_url)"
            );
            Some(Arc::new(HttpJobs::new(url, config.worker_token()?)?))
        }
        _ => None,
    };
    if let Some(source) = source {
        let settings = config.transcoder_settings()?;
        transcoder::init().map_err(|e| anyhow::anyhow!("FFmpeg: {e}"))?;
        transcoder::quiet_ffmpeg_logs();
        let work = data.join("work");
        let store = Arc::clone(&store);
        let stop = stopped(stop_rx.clone());
        tasks.spawn(transcoder::worker::run(source, store, settings, work, stop));
    }

    let hsts = tls.is_some();
    let headers = security_headers(hsts, &config.catalog.origin_url)?;
    let front = match (&catalog, origin) {
        (Some(c), Some(o)) if role == Role::All => Some(Front::App(telemetry::front(
            c.router()
                .route_service("/media/{*rest}", origin_service(o)),
            headers,
        ))),
        (Some(c), _) if role == Role::Catalog => {
            Some(Front::App(telemetry::front(c.router(), headers)))
        }
        // A media-only process: the origin's own HTTP/1.1 server (sendfile), no per-request layers.
        (None, Some(o)) => Some(Front::Media(o)),
        _ => None,
    };
    let mut addr = None;
    if let Some(front) = front {
        let listener = tokio::net::TcpListener::bind(&config.http.addr)
            .await
            .with_context(|| {
                format!(
                    "cannot listen on {} (is another manabi running? set MANABI_HTTP__ADDR)",
                    config.http.addr
                )
            })?;
        addr = Some(listener.local_addr()?);
        let stop = stopped(stop_rx.clone());
        match front {
            Front::App(router) if tls.is_some() => {
                let tls = tls.unwrap_or_else(|| unreachable!("checked by the guard"));
                tasks.spawn(crate::https::serve(listener, router, tls, stop));
            }
            Front::App(router) => {
                // The peer address names the viewer's site (see `network`).
                let app = router.into_make_service_with_connect_info::<SocketAddr>();
                tasks.spawn(async move {
                    // TCP_NODELAY, as the origin-only server (see origin::server).
                    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
                        if let Err(e) = tcp.set_nodelay(true) {
                            tracing::debug!(error = %e, "TCP_NODELAY not set");
                        }
                    });
                    if let Err(e) = axum::serve(listener, app)
                        .with_graceful_shutdown(stop)
                        .await
                    {
                        tracing::error!(error = %e, "HTTP server failed");
                    }
                });
            }
            Front::Media(origin) => {
                tasks.spawn(origin::server::run(listener, origin, stop));
            }
        }
    }
    Ok(App {
        addr,
        catalog,
        stop,
        tasks,
    })
}

/// What the HTTP listener serves.
enum Front {
    /// The catalog's API and pages (with the origin under `/media` in `all`).
    App(Router),
    /// The origin alone.
    Media(Origin),
}

fn origin_service(
    origin: Origin,
) -> impl tower::Service<
    axum::http::Request<axum::body::Body>,
    Response = axum::http::Response<origin::OriginBody>,
    Error = std::convert::Infallible,
    Future = impl Send,
> + Clone
+ Send
+ Sync
+ 'static {
    tower::service_fn(move |req: axum::http::Request<axum::body::Body>| {
        let origin = origin.clone();
        // Only the head matters; dropping the body keeps the future `Send`.
        let (parts, _body) = req.into_parts();
        async move { Ok(origin.handle(&origin::serve::Ask::of(&parts)).await) }
    })
}

/// Headers every answer of the front carries, pages, API and (in `--role
/// all`) media alike (with `hsts`: served over the built-in HTTPS, so
/// browsers keep to HTTPS for a year).
fn security_headers(hsts: bool, origin_url: &str) -> anyhow::Result<HeaderMap> {
    let mut headers = HeaderMap::new();
    if hsts {
        headers.insert(
            "strict-transport-security",
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    // Grant URLs must not leak to other sites through the Referer header.
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    headers.insert(
        "content-security-policy",
        content_security_policy(origin_url)?,
    );
    Ok(headers)
}

/// What pages may load: everything from this service; playlists, segments
/// and posters also from the origin at `origin_url` when it runs elsewhere
/// (players fetch them, `<video>` shows the poster and, with native HLS,
/// plays the playlist itself).
fn content_security_policy(origin_url: &str) -> anyhow::Result<HeaderValue> {
    let media = match origin_url.trim() {
        "" => String::new(),
        url => {
            let uri: axum::http::Uri = url
                .parse()
                .with_context(|| format!("catalog.origin_url is not a URL: {url}"))?;
            let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
                anyhow::bail!(
                    "catalog.origin_url must be an absolute URL such as https://media.example.jp: {url}"
                );
            };
            format!(" {scheme}://{authority}")
        }
    };
    let policy = format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:{media}; \
         media-src 'self' blob:{media}; worker-src 'self' blob:; connect-src 'self'{media}; \
         frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    );
    Ok(HeaderValue::from_str(&policy)?)
}

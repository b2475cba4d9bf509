//! The JSON API under `/api/v1`, health and metrics, and the built front end.
//! Handlers are thin: parse, authorise, call one domain module, answer.

mod assignments;
mod audit;
mod auth;
mod backups;
mod captions;
mod courses;
pub mod error;
pub mod export;
pub mod extract;
mod groups;
mod health;
mod history;
mod imports;
mod internal;
mod notices;
mod playback;
mod posters;
mod preferences;
mod reports;
mod seats;
mod settings;
mod trash;
mod users;
mod videos;

pub use error::ApiError;

use crate::db::Db;
use crate::settings::Settings;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, patch, post};
use domain::SigningKeys;
use std::path::PathBuf;
use std::sync::Arc;
use store::Store;
use tokio::sync::Semaphore;

/// Everything a handler may need, behind one `Arc`: axum clones the state
/// for every extractor of every request, so a clone must be one counter.
/// Fields are read through `Deref` (`state.db`, `state.settings` …).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    /// Shares `shared` among the handlers.
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }

    /// The fields, to configure before serving; a clone taken earlier keeps
    /// the values it had.
    pub fn configure(&mut self) -> &mut Shared {
        Arc::make_mut(&mut self.0)
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The fields of [`AppState`].
#[derive(Clone)]
pub struct Shared {
    /// The catalog database.
    pub db: Db,
    /// The media store (uploads go here).
    pub store: Arc<dyn Store>,
    /// The catalog's settings.
    pub settings: Arc<Settings>,
    /// The timezone of report days.
    pub tz: jiff::tz::TimeZone,
    /// Playback grant keys (the newest signs).
    pub keys: Arc<SigningKeys>,
    /// Bounds concurrent password hashing so logins cannot starve other work.
    pub hashing: Arc<Semaphore>,
    /// The transcode queue.
    pub queue: crate::jobs::Queue,
    /// Token remote workers must present; `None` disables the internal API.
    pub worker_token: Option<Arc<secrecy::SecretString>>,
    /// Where uploads are streamed before they move into the store.
    pub upload_dir: PathBuf,
    /// A password hash checked for unknown accounts (same timing).
    pub decoy_hash: Arc<String>,
    /// Sites and trusted proxies: which office network a viewer is in.
    pub network: Arc<domain::Network>,
    /// Each site's current bitrate cap per viewer (the origin's governor);
    /// `None` when the origin runs elsewhere: players get no cap from the
    /// catalog, the origin still paces and filters playlists.
    pub caps: Option<Arc<dyn domain::BitrateCaps>>,
    /// Sends invitation e-mails; `None` without an SMTP server (passwords
    /// are then downloaded as CSV).
    pub mailer: Option<Arc<crate::mail::Mailer>>,
    /// Revoked playback sessions, for origins running in another process.
    pub revocations: crate::playback::Revocations,
    /// Commits heartbeats in batches (group commit).
    pub heartbeats: crate::heartbeats::Writer,
    /// Maintenance windows: no changes are taken during one.
    pub maintenance: crate::notices::Windows,
    /// Backups (daily and on demand); `None` in tools that take none.
    pub backups: Option<Arc<crate::backup::Plan>>,
    /// A second media store kept an exact copy (`[mirror]`); `None`: none.
    pub mirror: Option<Arc<dyn Store>>,
    /// Makes editors' pictures into posters; `None`: posters cannot be
    /// changed in this process (503).
    pub posters: Option<Arc<dyn crate::videos::PosterMaker>>,
}

impl Shared {
    /// Stops counting `sessions` (site, id) as viewers: see [`domain::BitrateCaps::forget`].
    pub fn forget_viewers(&self, sessions: &[(String, domain::PlaybackSessionId)]) {
        let Some(caps) = &self.caps else { return };
        for (site, session) in sessions {
            caps.forget(site, session);
        }
    }

    /// Revokes the playback sessions of `users` whose login has ended
    /// ([`crate::playback::revoke`]): the origin in this process refuses
    /// their media at once, origins running apart when they next fetch the
    /// revocations (every 2 s), instead of when the grant runs out; their
    /// heartbeats get 410. A
    /// failure to look them up is logged: what ended the login has happened,
    /// and the grants still run out.
    pub async fn revoke_ended(&self, users: Vec<domain::UserId>) {
        if users.is_empty() {
            return;
        }
        let now = jiff::Timestamp::now();
        let found = self
            .db
            .call(move |c| {
                let mut all = Vec::new();
                for user in users {
                    all.extend(crate::playback::revoke(c, user, now)?);
                }
                Ok(all)
            })
            .await;
        match found {
            Ok(sessions) => {
                if let Some(caps) = &self.caps {
                    for r in &sessions {
                        caps.revoke(&r.site, &r.session, r.until);
                    }
                }
                self.revocations.add(&sessions, now);
            }
            Err(e) => tracing::warn!(error = %e, "cannot look up the playback sessions to revoke"),
        }
    }

    /// The bitrate cap for a viewer (0: none); `floor_bps` as in [`domain::BitrateCaps::cap_kbps`].
    pub fn cap_kbps(&self, site: &str, session: &domain::PlaybackSessionId, floor_bps: u64) -> u32 {
        self.caps
            .as_ref()
            .map_or(0, |c| c.cap_kbps(site, session, floor_bps))
    }

    /// Today in the service's timezone (the calendar of reports, seats and due days).
    pub fn today(&self) -> jiff::civil::Date {
        jiff::Timestamp::now().to_zoned(self.tz.clone()).date()
    }
}

/// The OpenAPI 3.1 document of the whole HTTP contract.
pub const OPENAPI: &str = include_str!("../../openapi.json");

async fn openapi() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
}

/// Declares every route once, with the methods it answers: the macro builds
/// the router from the list and keeps the list as [`ROUTES`], which the
/// authorisation test walks (so a route cannot be added without it being
/// tested) and checks against the methods the router really answers.
macro_rules! routes {
    ($( $path:literal [$($method:ident),+] => $route:expr ),* $(,)?) => {
        /// Every route with the methods it answers (`GET` implies `HEAD`).
        pub const ROUTES: &[(&str, &[&str])] = &[ $( ($path, &[$(stringify!($method)),+]) ),* ];

        fn routes() -> Router<AppState> {
            Router::new() $( .route($path, $route) )*
        }
    };
}

routes! {
    "/api/v1/session" [GET, POST, DELETE] =>
        get(auth::current).post(auth::login).delete(auth::logout),
    "/api/v1/session/password" [POST] => post(auth::change_password),
    "/api/v1/categories" [GET] => get(courses::categories),
    "/api/v1/courses" [GET, POST] => get(courses::list).post(courses::create),
    "/api/v1/courses/{id}" [GET, PATCH, DELETE] =>
        get(courses::get).patch(courses::update).delete(trash::trash_course),
    "/api/v1/courses/{id}/publish" [POST] => post(courses::publish),
    "/api/v1/courses/{id}/unpublish" [POST] => post(courses::unpublish),
    "/api/v1/videos" [POST] => post(videos::upload).layer(DefaultBodyLimit::disable()),
    "/api/v1/videos/{id}" [GET, DELETE] => get(videos::get).delete(trash::trash_video),
    "/api/v1/videos/{id}/play" [POST] => post(videos::play),
    "/api/v1/videos/{id}/cancel" [POST] => post(videos::cancel),
    "/api/v1/videos/{id}/captions" [POST] => post(captions::upload),
    "/api/v1/videos/{id}/captions/{lang}" [DELETE] => delete(captions::delete),
    "/api/v1/videos/{id}/poster" [GET, PUT, DELETE] => get(posters::get).put(posters::put).delete(posters::delete).layer(DefaultBodyLimit::disable()),
    "/api/v1/play/{session_id}/heartbeat" [POST] => post(playback::heartbeat),
    "/api/v1/me/preferences" [GET, PUT] => get(preferences::get).put(preferences::put),
    "/api/v1/me/assignments" [GET] => get(assignments::mine),
    "/api/v1/me/history" [GET] => get(history::mine),
    "/api/v1/assignments" [GET, POST] => get(assignments::list).post(assignments::create),
    "/api/v1/assignments/{id}" [GET, DELETE] =>
        get(assignments::progress).delete(assignments::delete),
    "/api/v1/reports/viewing" [GET] => get(reports::viewing),
    "/api/v1/reports/contents" [GET] => get(reports::contents),
    "/api/v1/users" [GET, POST] => get(users::list).post(users::create),
    "/api/v1/users/{id}" [GET, PATCH, DELETE] =>
        get(users::get).patch(users::update).delete(users::trash),
    "/api/v1/users/{id}/restore" [POST] => post(users::restore),
    "/api/v1/users/{id}/password" [POST] => post(users::issue_one_time_password),
    "/api/v1/groups" [GET, POST] => get(groups::list).post(groups::create),
    "/api/v1/groups/{id}" [DELETE] => delete(trash::trash_group),
    "/api/v1/groups/{id}/members" [GET, POST] =>
        get(groups::members).post(groups::add_member),
    "/api/v1/groups/{id}/members/{user_id}" [DELETE] => delete(groups::remove_member),
    "/api/v1/groups/{id}/managers" [POST] => post(groups::add_manager),
    "/api/v1/imports" [POST] => post(imports::preview),
    "/api/v1/imports/{id}" [GET] => get(imports::get),
    "/api/v1/imports/{id}/apply" [POST] => post(imports::apply),
    "/api/v1/imports/{id}/undo" [POST] => post(imports::undo),
    "/api/v1/imports/{id}/passwords.csv" [GET] => get(imports::passwords),
    "/api/v1/audit" [GET] => get(audit::list),
    "/api/v1/export/{file}" [GET] => get(export::file),
    "/api/v1/notices" [GET, POST] => get(notices::list).post(notices::create),
    "/api/v1/notices/{id}" [PATCH, DELETE] => patch(notices::update).delete(notices::delete),
    "/api/v1/backups" [GET, POST] => get(backups::list).post(backups::take),
    "/api/v1/seats" [GET] => get(seats::report),
    "/api/v1/settings" [GET] => get(settings::get),
    "/api/v1/trash" [GET] => get(trash::list),
    "/api/v1/trash/{kind}/{id}" [DELETE] => delete(trash::purge),
    "/api/v1/trash/{kind}/{id}/restore" [POST] => post(trash::restore),
    "/api/internal/jobs/claim" [POST] => post(internal::claim),
    "/api/internal/jobs/{video}/{attempt}/progress" [POST] => post(internal::progress),
    "/api/internal/jobs/{video}/{attempt}/finish" [POST] => post(internal::finish),
    "/api/internal/revoked" [GET] => get(internal::revoked),
    "/api/openapi.json" [GET] => get(openapi),
    "/healthz" [GET] => get(health::live),
    "/readyz" [GET] => get(health::ready),
    "/metrics" [GET] => get(health::metrics),
}

/// Makes the request's client address and id the source of whatever it
/// records in the audit log (see [`crate::audit`]). API answers, personal
/// data most of them, are kept by no cache unless they say otherwise, and
/// vary with `Accept` (reports answer JSON or CSV at one URL).
async fn audit_source(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let client = extract::client_ip(req.extensions(), req.headers(), &state)
        .map(|ip| ip.to_string())
        .unwrap_or_default();
    // The id is generated unless the client sent one; keep a sane one only.
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|id| id.len() <= 64 && id.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or("")
        .to_owned();
    let api = req.uri().path().starts_with("/api/");
    let mut answer =
        crate::audit::within(crate::audit::Source { client, request_id }, next.run(req)).await;
    if api {
        let headers = answer.headers_mut();
        for (name, value) in [
            (axum::http::header::CACHE_CONTROL, "no-store"),
            (axum::http::header::VARY, "Accept"),
        ] {
            if !headers.contains_key(&name) {
                headers.insert(name, axum::http::HeaderValue::from_static(value));
            }
        }
    }
    answer
}

/// What a browser gets for an address that is neither the front end's nor
/// the API's (no script, no style: the pages' security policy holds).
const NOT_FOUND_PAGE: &str = "<!doctype html>
<html lang=\"ja\">
<head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">
<title>ページが見つかりません | manabi</title></head>
<body>
<main>
<h1>ページが見つかりません</h1>
<p>アドレスが正しいか確かめてください。</p>
<p><a href=\"/\">manabi のトップページへ</a></p>
</main>
</body>
</html>
";

/// The catalog's routes (API, health, metrics, front end).
pub fn router(state: AppState) -> Router {
    let static_dir = PathBuf::from(&state.settings.static_dir);
    // The front end routes in the fragment (`/#/courses/3`): any other path
    // that is not one of its files is a wrong address.
    let front_end =
        tower_http::services::ServeDir::new(&static_dir).fallback(tower::service_fn(|_| async {
            Ok::<_, std::convert::Infallible>(axum::response::IntoResponse::into_response((
                axum::http::StatusCode::NOT_FOUND,
                axum::response::Html(NOT_FOUND_PAGE),
            )))
        }));
    routes()
        // Unknown API paths answer JSON, not the front end's index.html.
        .route(
            "/api/{*rest}",
            axum::routing::any(|| async { ApiError::NotFound }),
        )
        .fallback_service(front_end)
        // A known path with a method it does not take: JSON as every error
        // (axum adds the `Allow` field).
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            notices::maintenance_guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            audit_source,
        ))
        .with_state(state)
}

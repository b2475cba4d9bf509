//! The JSON API under `/api/v1`, health and metrics, and the built front end.
//! Handlers are thin: parse, authorise, call one domain module, answer.

mod auth;
mod captions;
mod courses;
pub mod error;
pub mod extract;
mod groups;
mod health;
mod imports;
mod internal;
mod playback;
mod reports;
mod users;
mod videos;

pub use error::ApiError;

use crate::db::Db;
use crate::sessions::Lifetimes;
use crate::settings::Settings;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use domain::SigningKeys;
use jiff::SignedDuration;
use std::path::PathBuf;
use std::sync::Arc;
use store::Store;
use tokio::sync::Semaphore;

/// Everything a handler may need; cheap to clone.
#[derive(Clone)]
pub struct AppState {
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
}

impl AppState {
    /// The bitrate cap for a viewer (0: none).
    pub fn cap_kbps(&self, site: &str, session: &domain::PlaybackSessionId) -> u32 {
        self.caps.as_ref().map_or(0, |c| c.cap_kbps(site, session))
    }

    /// Login session lifetimes from the settings.
    pub fn lifetimes(&self) -> Lifetimes {
        Lifetimes {
            idle: SignedDuration::from_mins(self.settings.session_idle_minutes),
            absolute: SignedDuration::from_hours(self.settings.session_absolute_hours),
        }
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

/// The catalog's routes (API, health, metrics, front end).
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route(
            "/session",
            get(auth::current).post(auth::login).delete(auth::logout),
        )
        .route("/session/password", post(auth::change_password))
        .route("/categories", get(courses::categories))
        .route("/courses", get(courses::list).post(courses::create))
        .route("/courses/{id}", get(courses::get).patch(courses::update))
        .route("/courses/{id}/publish", post(courses::publish))
        .route(
            "/videos",
            post(videos::upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/videos/{id}", get(videos::get))
        .route("/videos/{id}/play", post(videos::play))
        .route("/videos/{id}/cancel", post(videos::cancel))
        .route("/videos/{id}/captions", post(captions::upload))
        .route(
            "/videos/{id}/captions/{lang}",
            axum::routing::delete(captions::delete),
        )
        .route("/play/{session_id}/heartbeat", post(playback::heartbeat))
        .route("/reports/viewing", get(reports::viewing))
        .route("/users", get(users::list).post(users::create))
        .route(
            "/users/{id}",
            get(users::get).patch(users::update).delete(users::trash),
        )
        .route("/users/{id}/restore", post(users::restore))
        .route("/users/{id}/password", post(users::issue_one_time_password))
        .route("/groups", get(groups::list).post(groups::create))
        .route(
            "/groups/{id}/members",
            get(groups::members).post(groups::add_member),
        )
        .route(
            "/groups/{id}/members/{user_id}",
            axum::routing::delete(groups::remove_member),
        )
        .route("/groups/{id}/managers", post(groups::add_manager))
        .route("/imports", post(imports::preview))
        .route("/imports/{id}", get(imports::get))
        .route("/imports/{id}/apply", post(imports::apply))
        .route("/imports/{id}/undo", post(imports::undo))
        .route("/imports/{id}/passwords.csv", get(imports::passwords))
        .fallback(|| async { ApiError::NotFound });
    let static_dir = PathBuf::from(&state.settings.static_dir);
    let front_end = tower_http::services::ServeDir::new(&static_dir).fallback(
        tower_http::services::ServeFile::new(static_dir.join("index.html")),
    );
    Router::new()
        .nest("/api/v1", api)
        .route("/api/internal/jobs/claim", post(internal::claim))
        .route(
            "/api/internal/jobs/{video}/{attempt}/progress",
            post(internal::progress),
        )
        .route(
            "/api/internal/jobs/{video}/{attempt}/finish",
            post(internal::finish),
        )
        .route(
            "/api/{*rest}",
            axum::routing::any(|| async { ApiError::NotFound }),
        )
        .route("/api/openapi.json", get(openapi))
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/metrics", get(health::metrics))
        .fallback_service(front_end)
        .with_state(state)
}

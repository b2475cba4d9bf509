//! The internal job API for remote transcode workers, under `/api/internal`.
//! Authenticated with a bearer token from the configuration
//! (`catalog.worker_token`); without one configured, these routes do not exist.
//!
//! - `POST /api/internal/jobs/claim` → 200 `{"video","attempt"}` or 204
//! - `POST /api/internal/jobs/{video}/{attempt}/progress` `{"progress"}` → `{"continue"}`
//! - `POST /api/internal/jobs/{video}/{attempt}/finish` an [`Outcome`] → `{"recorded"}`
//! - `GET /api/internal/revoked` → `{"items":[{"site","session","until"}]}`:
//!   playback sessions whose login ended before their grant ran out, for
//!   origins running in another process ([`crate::playback::Revocations`])

use super::extract::{ApiJson, ApiPath};
use super::{ApiError, AppState};
use crate::videos::{Job, Outcome};
use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use domain::VideoId;
use secrecy::ExposeSecret;
use serde::Deserialize;
use subtle::ConstantTimeEq;

/// A request that presented the worker token.
pub struct Worker;

impl FromRequestParts<AppState> for Worker {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(expected) = &state.worker_token else {
            return Err(ApiError::NotFound);
        };
        let sent = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if bool::from(sent.as_bytes().ct_eq(expected.expose_secret().as_bytes())) {
            Ok(Worker)
        } else {
            Err(ApiError::Unauthenticated)
        }
    }
}

/// Claims the next job.
pub async fn claim(State(state): State<AppState>, _w: Worker) -> Result<Response, ApiError> {
    match state.queue.claim().await? {
        Some(job) => Ok(Json(job).into_response()),
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

/// A progress report.
#[derive(Debug, Deserialize)]
pub struct Progress {
    progress: f64,
}

/// Records progress; `{"continue": false}` tells the worker to stop.
pub async fn progress(
    State(state): State<AppState>,
    _w: Worker,
    ApiPath((video, attempt)): ApiPath<(VideoId, i64)>,
    ApiJson(body): ApiJson<Progress>,
) -> Result<impl IntoResponse, ApiError> {
    let keep_going = state
        .queue
        .progress(Job { video, attempt }, body.progress)
        .await?;
    Ok(Json(serde_json::json!({"continue": keep_going})))
}

/// Records how a job ended.
pub async fn finish(
    State(state): State<AppState>,
    _w: Worker,
    ApiPath((video, attempt)): ApiPath<(VideoId, i64)>,
    ApiJson(outcome): ApiJson<Outcome>,
) -> Result<impl IntoResponse, ApiError> {
    let recorded = state.queue.finish(Job { video, attempt }, outcome).await?;
    Ok(Json(serde_json::json!({"recorded": recorded})))
}

/// The playback sessions an origin must refuse although their grant has not
/// run out.
pub async fn revoked(State(state): State<AppState>, _w: Worker) -> impl IntoResponse {
    let items = state.revocations.current(jiff::Timestamp::now());
    Json(serde_json::json!({ "items": items }))
}

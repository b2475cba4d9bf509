//! `GET`/`PUT /api/v1/me/preferences`: playback speed, captions and the
//! interface language, for the logged-in user, on every device.

use super::extract::{ApiJson, CurrentUser};
use super::{ApiError, AppState};
use crate::preferences::{self, Preferences};
use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;

/// The caller's preferences.
pub async fn get(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<impl IntoResponse, ApiError> {
    let prefs = state
        .db
        .call(move |c| Ok(preferences::get(c, me.id)?))
        .await?;
    Ok(Json(prefs))
}

/// Replaces the caller's preferences.
pub async fn put(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(prefs): ApiJson<Preferences>,
) -> Result<impl IntoResponse, ApiError> {
    if let Some(problem) = prefs.problem() {
        return Err(ApiError::Invalid(problem));
    }
    let now = jiff::Timestamp::now();
    let stored = state
        .db
        .call(move |c| {
            preferences::set(c, me.id, &prefs, now)?;
            Ok(preferences::get(c, me.id)?)
        })
        .await?;
    Ok(Json(stored))
}

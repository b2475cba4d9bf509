//! `POST /api/v1/play/{session_id}/heartbeat`.

use super::extract::{ApiJson, ApiPath};
use super::videos::master_url;
use super::{ApiError, AppState};
use crate::playback::{self, Heartbeat};
use crate::sessions::Credentials;
use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use domain::PlaybackSessionId;
use jiff::{SignedDuration, Timestamp};

/// Records a heartbeat; the login session is checked by the heartbeat
/// writer in the same batch (`crate::heartbeats`). Answers the bitrate cap and, when the grant is in its
/// last third and the video may still be played, a fresh `master_url` for
/// the player to switch to.
pub async fn heartbeat(
    State(state): State<AppState>,
    credentials: Credentials,
    ApiPath(session): ApiPath<String>,
    ApiJson(hb): ApiJson<Heartbeat>,
) -> Result<impl IntoResponse, ApiError> {
    let session: PlaybackSessionId = session.parse().map_err(|_| ApiError::NotFound)?;
    let now = Timestamp::now();
    let applied = state
        .heartbeats
        .submit(session.clone(), credentials, hb, now)
        .await?;
    let ttl = SignedDuration::from_secs(state.settings.grant_ttl_seconds);
    let mut body = serde_json::json!({
        // The origin learnt the viewer's floor when it served the master.
        "max_bitrate_kbps": state.cap_kbps(&applied.site, &session, 0),
        "credited_seconds": applied.credited_ms as f64 / 1000.0,
    });
    if let (Some(rev), true) = (
        &applied.rev,
        applied.grant_expires.duration_since(now) < ttl / 3,
    ) {
        let expires = now + ttl;
        let renewing = session.clone();
        let renewed = state
            .db
            .call(move |c| Ok(playback::renew_grant(c, &renewing, expires)?))
            .await?;
        // Not renewed (no longer playable): the grant runs out as it is.
        if renewed {
            body["master_url"] = master_url(
                &state,
                applied.video,
                rev,
                &session,
                &applied.site,
                now,
                expires,
            )?
            .into();
            body["expires_at"] = expires.to_string().into();
        }
    }
    Ok(Json(body))
}

//! `POST /api/v1/videos/{id}/captions?lang=ja&name=日本語` (editor, admin):
//! a WebVTT or SRT file (UTF-8 or Shift_JIS) as the body; checked, converted
//! to WebVTT, stored, and offered as HLS subtitles once the video is ready.
//! `DELETE …/captions/{lang}` takes a track away again.

use super::extract::{ApiPath, ApiQuery, CurrentUser};
use super::{ApiError, AppState};
use crate::captions::{self, CaptionError, MAX_BYTES};
use crate::{audit, subtitles, videos};
use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::{Role, VideoId};
use jiff::Timestamp;
use serde::Deserialize;
use store::ObjectKey;

/// Query parameters.
#[derive(Debug, Deserialize)]
pub struct Track {
    /// BCP 47 language tag; default `ja`.
    lang: Option<String>,
    /// Name shown in the player; default from the language.
    name: Option<String>,
}

fn default_name(lang: &str) -> String {
    match lang {
        "ja" => "日本語".into(),
        "en" => "English".into(),
        other => other.to_owned(),
    }
}

/// Uploads (or replaces) a caption track.
pub async fn upload(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<VideoId>,
    ApiQuery(track): ApiQuery<Track>,
    req: Request,
) -> Result<impl IntoResponse, ApiError> {
    me.require(Role::can_edit_content)?;
    let lang = track.lang.unwrap_or_else(|| "ja".into());
    let key = ObjectKey::caption(id, &lang).map_err(|_| {
        ApiError::Invalid(format!(
            "言語コードが正しくありません (bad language tag: {lang})"
        ))
    })?;
    let name: String = track
        .name
        .unwrap_or_else(|| default_name(&lang))
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(40)
        .collect();
    let bytes = axum::body::to_bytes(req.into_body(), MAX_BYTES + 1)
        .await
        .map_err(|_| ApiError::TooLarge(MAX_BYTES as u64))?;
    let cues = captions::decode(&bytes)
        .and_then(|text| captions::parse(&text))
        .map_err(|e| match e {
            CaptionError::TooLarge => ApiError::TooLarge(MAX_BYTES as u64),
            other => ApiError::Invalid(other.to_string()),
        })?;
    if state
        .db
        .call(move |c| Ok(videos::get(c, id)?))
        .await?
        .is_none()
    {
        return Err(ApiError::NotFound);
    }
    state
        .store
        .put_bytes(&key, captions::to_webvtt(&cues).into())
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let (count, now, lang_c, name_c) = (cues.len(), Timestamp::now(), lang.clone(), name.clone());
    state
        .db
        .call(move |c| {
            videos::set_caption(c, id, &lang_c, &name_c, count, now)?;
            audit::record(
                c,
                now,
                Some(me.id),
                "video.captions",
                &id.to_string(),
                &serde_json::json!({"lang": lang_c, "cues": count}),
            )?;
            Ok(())
        })
        .await?;
    subtitles::publish(&state.db, state.store.as_ref(), id)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({"lang": lang, "name": name, "cues": count})),
    ))
}

/// `DELETE /api/v1/videos/{id}/captions/{lang}` (editor, admin): removes a
/// caption track from the video and from its published playlists.
pub async fn delete(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((id, lang)): ApiPath<(VideoId, String)>,
) -> Result<impl IntoResponse, ApiError> {
    me.require(Role::can_edit_content)?;
    let key = ObjectKey::caption(id, &lang).map_err(|_| ApiError::NotFound)?;
    let now = Timestamp::now();
    let lang_c = lang.clone();
    let (removed, rev) = state
        .db
        .call(move |c| {
            let removed = videos::delete_caption(c, id, &lang_c)?;
            if removed {
                audit::record(
                    c,
                    now,
                    Some(me.id),
                    "video.captions.delete",
                    &id.to_string(),
                    &serde_json::json!({"lang": lang_c}),
                )?;
            }
            Ok((removed, videos::published_rev(c, id)?))
        })
        .await?;
    if !removed {
        return Err(ApiError::NotFound);
    }
    // The master stops naming the track first; then its files go.
    subtitles::publish(&state.db, state.store.as_ref(), id)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut stale = vec![key];
    if let Some(rev) = rev {
        for ext in ["vtt", "m3u8"] {
            stale.extend(ObjectKey::hls(id, &format!("{rev}/captions/{lang}.{ext}")).ok());
        }
    }
    for key in stale {
        state
            .store
            .delete_prefix(&key)
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    Ok(StatusCode::NO_CONTENT)
}

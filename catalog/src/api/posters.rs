//! A video's poster (表紙), the picture learners see before it plays.
//! The transcoder draws one (`poster.jpg`); an editor may put their own:
//!
//! - `GET /api/v1/videos/{id}/poster`: the current poster JPEG.
//! - `PUT /api/v1/videos/{id}/poster`: a JPEG or PNG as the body (at most
//!   [`MAX_BYTES`]), made into a JPEG no wider than 1280 px by the
//!   transcoder and stored beside the master playlist under a name of its
//!   own, so no cached copy of the old one is ever shown for it.
//! - `DELETE /api/v1/videos/{id}/poster`: back to the drawn one.
//!
//! Editors and admins, once the video is ready.

use super::extract::{ApiPath, CurrentUser};
use super::videos::{TempUpload, write_limited};
use super::{ApiError, AppState};
use crate::audit;
use crate::videos::{self, DRAWN_POSTER, PosterError};
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use domain::{Role, VideoId};
use futures_util::StreamExt;
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use store::ObjectKey;

/// Largest picture taken.
pub const MAX_BYTES: u64 = 10 * 1024 * 1024;

/// The ready video's published revision and its poster's file name.
async fn ready(state: &AppState, id: VideoId) -> Result<(String, Option<String>), ApiError> {
    let video = state
        .db
        .call(move |c| Ok(videos::get(c, id)?))
        .await?
        .ok_or(ApiError::NotFound)?;
    let (Some(rev), "ready") = (video.hls_rev, video.status.as_str()) else {
        return Err(ApiError::Conflict(
            "動画の処理が終わってから表紙を設定してください (the video is not ready yet)".into(),
        ));
    };
    let poster = video
        .extras
        .get("poster")
        .and_then(|p| p.as_str())
        .map(str::to_owned);
    Ok((rev, poster))
}

fn key(id: VideoId, rev: &str, file: &str) -> Result<ObjectKey, ApiError> {
    ObjectKey::hls(id, &format!("{rev}/{file}")).map_err(|e| ApiError::Internal(e.to_string()))
}

/// `GET /api/v1/videos/{id}/poster`: the current poster, for the editor's form.
pub async fn get(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<VideoId>,
) -> Result<impl IntoResponse, ApiError> {
    me.require(Role::can_edit_content)?;
    let (rev, poster) = ready(&state, id).await?;
    let poster = poster.ok_or(ApiError::NotFound)?;
    let object = state.store.get(&key(id, &rev, &poster)?, None).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, no-cache"),
        ],
        object.bytes,
    ))
}

/// `PUT /api/v1/videos/{id}/poster`: the editor's JPEG or PNG becomes the
/// poster. `200 {"poster","width","height"}`.
pub async fn put(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<VideoId>,
    req: Request,
) -> Result<impl IntoResponse, ApiError> {
    me.require(Role::can_edit_content)?;
    let maker = state.posters.clone().ok_or(ApiError::Unavailable)?;
    let (rev, old) = ready(&state, id).await?;
    let input = TempUpload::new(&state.upload_dir);
    let output = TempUpload::new(&state.upload_dir);
    let body = req
        .into_body()
        .into_data_stream()
        .map(|r| r.map_err(std::io::Error::other));
    write_limited(body, &input.path, MAX_BYTES).await?;
    let (from, to) = (input.path.clone(), output.path.clone());
    let (width, height) = tokio::task::spawn_blocking(move || maker.make(&from, &to))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| match e {
            PosterError::Unusable(why) => ApiError::Invalid(why),
            PosterError::Internal(why) => ApiError::Internal(why),
        })?;
    let jpeg = tokio::fs::read(&output.path).await?;
    let name = format!("poster-{}.jpg", hex::encode(&Sha256::digest(&jpeg)[..8]));
    state
        .store
        .put_bytes(&key(id, &rev, &name)?, jpeg.into())
        .await?;
    let now = Timestamp::now();
    let recorded = name.clone();
    state
        .db
        .call(move |c| {
            videos::set_poster(c, id, Some(&recorded), now)?;
            audit::record(
                c,
                now,
                Some(me.id),
                "video.poster",
                &id.to_string(),
                &serde_json::json!({"poster": recorded, "width": width, "height": height}),
            )?;
            Ok(())
        })
        .await?;
    remove_own(&state, id, &rev, old.as_deref(), &name).await?;
    Ok(Json(
        serde_json::json!({"poster": name, "width": width, "height": height}),
    ))
}

/// `DELETE /api/v1/videos/{id}/poster`: the drawn poster again (none for a
/// video the transcoder drew none for). `204`, also when it already was.
pub async fn delete(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<VideoId>,
) -> Result<impl IntoResponse, ApiError> {
    me.require(Role::can_edit_content)?;
    let (rev, old) = ready(&state, id).await?;
    let drawn = match state.store.head(&key(id, &rev, DRAWN_POSTER)?).await {
        Ok(_) => Some(DRAWN_POSTER),
        Err(store::StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    if old.as_deref() != drawn {
        let now = Timestamp::now();
        state
            .db
            .call(move |c| {
                videos::set_poster(c, id, drawn, now)?;
                audit::record(
                    c,
                    now,
                    Some(me.id),
                    "video.poster.delete",
                    &id.to_string(),
                    &serde_json::json!({"poster": drawn}),
                )?;
                Ok(())
            })
            .await?;
    }
    remove_own(&state, id, &rev, old.as_deref(), DRAWN_POSTER).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes the editor's previous poster `old` once `now` is shown instead
/// (the drawn one stays, to go back to).
async fn remove_own(
    state: &AppState,
    id: VideoId,
    rev: &str,
    old: Option<&str>,
    now: &str,
) -> Result<(), ApiError> {
    match old {
        Some(old) if old != now && old != DRAWN_POSTER => state
            .store
            .delete_prefix(&key(id, rev, old)?)
            .await
            .map_err(ApiError::from),
        _ => Ok(()),
    }
}

//! Upload, processing state, and the start of a playback.

use super::extract::{ApiPath, ClientSite, CurrentUser};
use super::{ApiError, AppState};
use crate::{audit, playback, videos};
use axum::Json;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use bytes::Bytes;
use domain::{Grant, Role, VideoId};
use futures_util::{Stream, StreamExt};
use jiff::{SignedDuration, Timestamp};
use secrecy::ExposeSecret as _;
use std::path::{Path, PathBuf};
use store::ObjectKey;
use tokio::io::AsyncWriteExt;

/// `POST /api/v1/videos` (editor, admin): the body — raw, or the first file of
/// a multipart form — is streamed to disk (never held in memory), then moved
/// into the media store and queued for transcoding. `201 {"id","status"}`.
pub async fn upload(
    State(state): State<AppState>,
    me: CurrentUser,
    req: Request,
) -> Result<impl IntoResponse, ApiError> {
    me.require(Role::can_edit_content)?;
    let limit = state.settings.max_upload_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::TooLarge(limit));
    }
    let header_name = req
        .headers()
        .get("x-filename")
        .and_then(|v| v.to_str().ok())
        .map(percent_decode);
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("multipart/form-data"));
    let temp = TempUpload::new(&state.upload_dir);
    let (size, form_name) = if multipart {
        let mut form = Multipart::from_request(req, &state)
            .await
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        let field = loop {
            match form
                .next_field()
                .await
                .map_err(|e| ApiError::BadRequest(e.body_text()))?
            {
                Some(f) if f.file_name().is_some() => break f,
                Some(_) => continue,
                None => {
                    return Err(ApiError::BadRequest(
                        "ファイルが含まれていません (no file in the form)".into(),
                    ));
                }
            }
        };
        let name = field.file_name().map(str::to_owned);
        let stream = field.map(|r| r.map_err(std::io::Error::other));
        (write_limited(stream, &temp.path, limit).await?, name)
    } else {
        let stream = req
            .into_body()
            .into_data_stream()
            .map(|r| r.map_err(std::io::Error::other));
        (write_limited(stream, &temp.path, limit).await?, None)
    };
    let title = header_name
        .or(form_name)
        .map(|n| clean_title(&n))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "無題の動画".into());
    let now = Timestamp::now();
    let id = state
        .db
        .call(move |c| {
            let id = videos::create(c, &title, size, me.id, now)?;
            audit::record(
                c,
                now,
                Some(me.id),
                "video.upload",
                &id.to_string(),
                &serde_json::json!({"title": title, "bytes": size}),
            )?;
            Ok(id)
        })
        .await?;
    if let Err(e) = state
        .store
        .put_file(&ObjectKey::source(id), &temp.path)
        .await
    {
        let reason = "アップロードの保存に失敗しました (storing the upload failed)".to_owned();
        state
            .db
            .call(move |c| Ok(videos::fail_upload(c, id, &reason, now)?))
            .await?;
        return Err(ApiError::Internal(e.to_string()));
    }
    state
        .db
        .call(move |c| Ok(videos::queue(c, id, now)?))
        .await?;
    state.queue.wake();
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({"id": id, "status": "queued"})),
    ))
}

/// A temporary upload file, removed when dropped unless moved away.
pub(super) struct TempUpload {
    pub(super) path: PathBuf,
}

impl TempUpload {
    pub(super) fn new(dir: &Path) -> Self {
        Self {
            path: dir.join(format!(
                "upload-{}",
                hex::encode(rand::random::<[u8; 12]>())
            )),
        }
    }
}

impl Drop for TempUpload {
    fn drop(&mut self) {
        // Already moved into the store on success; on failure this frees the disk.
        let _ = std::fs::remove_file(&self.path);
    }
}

pub(super) async fn write_limited<S>(
    mut stream: S,
    path: &Path,
    limit: u64,
) -> Result<u64, ApiError>
where
    S: Stream<Item = Result<Bytes, std::io::Error>> + Unpin,
{
    // A full disk answers 507 (`ApiError::from`); the caller removes the part.
    let mut file = tokio::fs::File::create(path).await?;
    let mut size = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::BadRequest(format!(
                "アップロードが途中で切れました (upload interrupted: {e})"
            ))
        })?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(ApiError::TooLarge(limit));
        }
        file.write_all(&chunk).await?;
    }
    file.sync_all().await?;
    if size == 0 {
        return Err(ApiError::Invalid(
            "空のファイルはアップロードできません (the file is empty)".into(),
        ));
    }
    Ok(size)
}

/// Decodes `%XX` escapes (browsers send non-ASCII file names that way).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A title from a file name: no directories, no control characters, at most 200 characters.
fn clean_title(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// `GET /api/v1/videos/{id}` (editor, admin).
pub async fn get(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<VideoId>,
) -> Result<impl IntoResponse, ApiError> {
    me.require(Role::can_edit_content)?;
    let video = state.db.call(move |c| Ok(videos::get(c, id)?)).await?;
    Ok(Json(video.ok_or(ApiError::NotFound)?))
}

/// `POST /api/v1/videos/{id}/play`: a playback session and a signed master URL.
/// Learners and managers may play videos of published courses; editors and
/// admins any ready video (preview).
pub async fn play(
    State(state): State<AppState>,
    me: CurrentUser,
    ClientSite(site): ClientSite,
    ApiPath(id): ApiPath<VideoId>,
) -> Result<impl IntoResponse, ApiError> {
    let now = Timestamp::now();
    let expires = now + SignedDuration::from_secs(state.settings.grant_ttl_seconds);
    let site_for_db = site.clone();
    let login = me.token.expose_secret().to_owned();
    let started = state
        .db
        .call(move |c| {
            let Some(video) = videos::get(c, id)? else {
                return Ok(Err(ApiError::NotFound));
            };
            if !playback::may_play(c, me.role, id)? {
                return Ok(Err(ApiError::NotFound));
            }
            let (Some(rev), "ready") = (video.hls_rev.clone(), video.status.as_str()) else {
                return Ok(Err(ApiError::Conflict(
                    "動画はまだ再生できません (video is not ready)".into(),
                )));
            };
            let (session, resume) =
                playback::start(c, me.id, id, &site_for_db, Some(&login), now, expires)?;
            let floor = videos::floor_bps(&video.renditions);
            let earlier = playback::others_with_grants(c, me.id, &session, now)?;
            Ok(Ok((session, resume, rev, video.extras, floor, earlier)))
        })
        .await??;
    let (session_id, resume, rev, extras, floor_bps, earlier) = started;
    // Pressing play again does not count the user twice: their earlier
    // sessions that never asked for media stop counting as viewers.
    state.forget_viewers(&earlier);
    let master_url = master_url(&state, id, &rev, &session_id, &site, now, expires)?;
    // Poster and seek thumbnails sit beside the master, under the same grant.
    let sibling = |name: &str| {
        let file = extras.get(name)?.as_str()?;
        Some(format!("{}{file}", master_url.strip_suffix("master.m3u8")?))
    };
    Ok(Json(serde_json::json!({
        "session_id": session_id,
        "master_url": master_url,
        "max_bitrate_kbps": state.cap_kbps(&site, &session_id, floor_bps),
        "resume_position_s": resume,
        "expires_at": expires,
        "poster_url": sibling("poster"),
        "thumbnails_url": sibling("thumbnails"),
    })))
}

/// Signs a grant and builds the master playlist URL on the origin.
pub fn master_url(
    state: &AppState,
    video: VideoId,
    rev: &str,
    session: &domain::PlaybackSessionId,
    site: &str,
    now: Timestamp,
    expires: Timestamp,
) -> Result<String, ApiError> {
    let grant = Grant {
        video,
        session: session.clone(),
        site: site.to_owned(),
        not_before: now,
        expires,
    };
    let token = grant
        .sign(&state.keys)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let base = state.settings.origin_url.trim_end_matches('/');
    Ok(format!("{base}/media/v/{video}/{token}/{rev}/master.m3u8"))
}

/// `POST /api/v1/videos/{id}/cancel` (editor, admin): stops a queued or
/// running transcode; the video ends `failed` with the reason "cancelled".
pub async fn cancel(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<VideoId>,
) -> Result<impl IntoResponse, ApiError> {
    me.require(Role::can_edit_content)?;
    let now = Timestamp::now();
    let video = state
        .db
        .call(move |c| {
            if videos::get(c, id)?.is_none() {
                return Ok(Err(ApiError::NotFound));
            }
            if !videos::cancel(c, id, now)? {
                return Ok(Err(ApiError::Conflict(
                    "処理は既に終わっています (the job has already ended)".into(),
                )));
            }
            audit::record(
                c,
                now,
                Some(me.id),
                "video.cancel",
                &id.to_string(),
                &serde_json::json!({}),
            )?;
            Ok(Ok(videos::get(c, id)?))
        })
        .await??;
    Ok(Json(video.ok_or(ApiError::NotFound)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_decoded_and_cleaned() {
        assert_eq!(percent_decode("%E7%A0%94%E4%BF%AE.mp4"), "研修.mp4");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(clean_title("C:\\Users\\taro\\研修\u{7}.mp4"), "研修.mp4");
    }
}

//! `/api/v1/imports`: CSV imports of users — preview, apply, undo, and the
//! one-time passwords of created users ([`crate::imports`] holds the rules).
//! Admins import for everyone, managers for the learners of their groups.

use super::extract::{ApiPath, ApiQuery, CurrentUser};
use super::{ApiError, AppState};
use crate::csvfile::Format;
use crate::imports::{self, Caller, Hashing, ImportId, Mode};
use axum::Json;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header;
use axum::response::IntoResponse;
use futures_util::StreamExt;
use jiff::Timestamp;
use serde::Deserialize;
use std::sync::Arc;

/// `?format=standard|hr&mode=upsert|sync`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewQuery {
    format: Option<String>,
    mode: Option<String>,
}

/// The apply body (optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplyBody {
    /// Go ahead with a sync that disables more than the configured share.
    #[serde(default)]
    confirm_mass_disable: bool,
}

/// The caller as an importer, or 403 when it manages nobody.
fn caller(me: &CurrentUser) -> Result<Caller, ApiError> {
    Ok(Caller {
        id: Some(me.id),
        scope: me.scope()?,
    })
}

/// The request body, at most `limit` bytes (413 beyond).
async fn body(body: Body, declared: Option<u64>, limit: u64) -> Result<Vec<u8>, ApiError> {
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::TooLarge(limit));
    }
    let mut bytes = Vec::new();
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::BadRequest(format!(
                "本文を読めませんでした (cannot read the body: {e})"
            ))
        })?;
        if (bytes.len() + chunk.len()) as u64 > limit {
            return Err(ApiError::TooLarge(limit));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// `POST /api/v1/imports?format=&mode=` with the CSV as the body: the preview
/// (stored; no user changes).
pub async fn preview(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiQuery(query): ApiQuery<PreviewQuery>,
    req: Request,
) -> Result<impl IntoResponse, ApiError> {
    let caller = caller(&me)?;
    let format: Format = query
        .format
        .as_deref()
        .unwrap_or("standard")
        .parse()
        .map_err(|_| {
            ApiError::BadRequest(
                "format は standard か hr です (format must be standard or hr)".into(),
            )
        })?;
    let mode: Mode = query
        .mode
        .as_deref()
        .unwrap_or("upsert")
        .parse()
        .map_err(ApiError::BadRequest)?;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let bytes = body(req.into_body(), declared, state.settings.import_max_bytes).await?;
    let preview = imports::preview(
        &state.db,
        caller,
        format,
        mode,
        bytes,
        state.settings.import_max_disable_share,
        Timestamp::now(),
    )
    .await?;
    json_body(&preview)
}

/// A preview as JSON, written once into a buffer sized for its rows (a
/// 100,000-row preview is about 11 MB; growing a buffer by doubling would
/// hold twice that for a moment).
fn json_body(preview: &imports::Preview) -> Result<impl IntoResponse + use<>, ApiError> {
    let mut body = Vec::with_capacity(4096 + preview.rows.len() * 128);
    serde_json::to_writer(&mut body, preview).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body))
}

/// `GET /api/v1/imports/{id}`: the stored preview and what became of it.
pub async fn get(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<ImportId>,
) -> Result<impl IntoResponse, ApiError> {
    let preview = imports::get(&state.db, caller(&me)?, id).await?;
    json_body(&preview)
}

/// `POST /api/v1/imports/{id}/apply`, body empty or
/// `{"confirm_mass_disable": true}`.
pub async fn apply(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<ImportId>,
    raw: axum::body::Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let caller = caller(&me)?;
    let body: ApplyBody = if raw.iter().all(u8::is_ascii_whitespace) {
        ApplyBody::default()
    } else {
        serde_json::from_slice(&raw).map_err(|e| {
            ApiError::BadRequest(format!(
                "リクエストの形式が正しくありません (bad JSON body: {e})"
            ))
        })?
    };
    let hashing = Hashing {
        permits: Arc::clone(&state.hashing),
        rounds: state.settings.pbkdf2_iterations,
    };
    let delivery = match state.mailer {
        Some(_) => imports::Delivery::Invite,
        None => imports::Delivery::Download,
    };
    let mut applied = imports::apply(
        &state.db,
        &hashing,
        caller,
        id,
        body.confirm_mass_disable,
        state.settings.import_max_disable_share,
        delivery,
        Timestamp::now(),
    )
    .await?;
    state
        .revoke_ended(std::mem::take(&mut applied.ended_logins))
        .await;
    if let (Some(mailer), Some(_)) = (&state.mailer, applied.invitations) {
        mailer.wake.notify_one();
    }
    Ok(Json(applied))
}

/// `POST /api/v1/imports/{id}/undo`.
pub async fn undo(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<ImportId>,
) -> Result<impl IntoResponse, ApiError> {
    let mut undone = imports::undo(&state.db, caller(&me)?, id, Timestamp::now()).await?;
    state
        .revoke_ended(std::mem::take(&mut undone.ended_logins))
        .await;
    Ok(Json(undone))
}

/// `GET /api/v1/imports/{id}/passwords.csv`: the created users' one-time
/// passwords (UTF-8 with BOM), for the user who applied the import, once;
/// afterwards 410.
pub async fn passwords(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<ImportId>,
) -> Result<impl IntoResponse, ApiError> {
    let csv = imports::take_passwords(&state.db, caller(&me)?, id, Timestamp::now()).await?;
    Ok(super::export::download(
        "text/csv; charset=utf-8",
        &format!("import-{id}-passwords.csv"),
        csv,
    ))
}

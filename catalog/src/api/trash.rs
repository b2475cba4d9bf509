//! The trash (admin): `GET /api/v1/trash`, `POST
//! /api/v1/trash/{kind}/{id}/restore`, `DELETE /api/v1/trash/{kind}/{id}`
//! with `{"confirm": "<the item's name>"}`; and moving groups, courses and
//! videos there (`DELETE /api/v1/{groups,courses,videos}/{id}`). Users go
//! there through `DELETE /api/v1/users/{id}`.

use super::extract::{ApiJson, ApiPath, ApiQuery, CurrentUser, Paging};
use super::{ApiError, AppState};
use crate::trash::{self, Kind, PurgeError, TrashError};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::{CourseId, GroupId, Role, VideoId};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

impl From<TrashError> for ApiError {
    fn from(e: TrashError) -> Self {
        match e {
            TrashError::NotFound => ApiError::NotFound,
            TrashError::Conflict(m) => ApiError::Conflict(m),
            TrashError::Confirmation(_) => ApiError::Invalid(e.to_string()),
            TrashError::Sqlite(e) => e.into(),
            TrashError::Snapshot(e) => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<PurgeError> for ApiError {
    fn from(e: PurgeError) -> Self {
        match e {
            PurgeError::Trash(e) => e.into(),
            PurgeError::Db(e) => e.into(),
            PurgeError::Store(e) => {
                tracing::error!(error = %e, "purging a video's media failed");
                ApiError::Unavailable
            }
        }
    }
}

/// Runs `work` in one transaction, committed only when it succeeds.
fn in_transaction<T>(
    conn: &mut rusqlite::Connection,
    work: impl FnOnce(&rusqlite::Connection) -> Result<T, TrashError>,
) -> Result<Result<T, TrashError>, crate::db::DbError> {
    let tx = conn.transaction()?;
    let done = work(&tx);
    if done.is_ok() {
        tx.commit()?;
    }
    Ok(done)
}

fn retention(state: &AppState) -> SignedDuration {
    SignedDuration::from_hours(i64::from(state.settings.trash_retention_days) * 24)
}

fn kind(text: &str) -> Result<Kind, ApiError> {
    text.parse().map_err(|()| ApiError::NotFound)
}

/// `GET /api/v1/trash`.
pub async fn list(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<impl IntoResponse, ApiError> {
    me.require(|r| r == Role::Admin)?;
    let retention = retention(&state);
    let items = state
        .db
        .call(move |c| Ok(trash::list(c, retention)?))
        .await?;
    let mut list = paging.of(&items);
    list["retention_days"] = state.settings.trash_retention_days.into();
    Ok(Json(list))
}

/// `POST /api/v1/trash/{kind}/{id}/restore`.
pub async fn restore(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((kind_text, id)): ApiPath<(String, i64)>,
) -> Result<impl IntoResponse, ApiError> {
    me.require(|r| r == Role::Admin)?;
    let kind = kind(&kind_text)?;
    state
        .db
        .call(move |c| Ok(trash::restore(c, me.id, kind, id, Timestamp::now())))
        .await??;
    Ok(Json(
        serde_json::json!({"restored": {"kind": kind, "id": id}}),
    ))
}

/// The body of a purge: the item's name, typed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Confirm {
    confirm: String,
}

/// `DELETE /api/v1/trash/{kind}/{id}` with `{"confirm": "<name>"}`.
pub async fn purge(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((kind_text, id)): ApiPath<(String, i64)>,
    ApiJson(body): ApiJson<Confirm>,
) -> Result<impl IntoResponse, ApiError> {
    me.require(|r| r == Role::Admin)?;
    let kind = kind(&kind_text)?;
    trash::purge_item(
        &state.db,
        state.store.as_ref(),
        Some(me.id),
        kind,
        id,
        Some(body.confirm),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/groups/{id}` (admin): the group and its sub-groups.
pub async fn trash_group(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<GroupId>,
) -> Result<impl IntoResponse, ApiError> {
    me.require(|r| r == Role::Admin)?;
    state
        .db
        .call(move |c| in_transaction(c, |tx| trash::trash_group(tx, me.id, id, Timestamp::now())))
        .await??;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/courses/{id}` (editor, admin).
pub async fn trash_course(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<CourseId>,
) -> Result<impl IntoResponse, ApiError> {
    me.require(Role::can_edit_content)?;
    state
        .db
        .call(move |c| in_transaction(c, |tx| trash::trash_course(tx, me.id, id, Timestamp::now())))
        .await??;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/videos/{id}` (editor, admin).
pub async fn trash_video(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<VideoId>,
) -> Result<impl IntoResponse, ApiError> {
    me.require(Role::can_edit_content)?;
    state
        .db
        .call(move |c| in_transaction(c, |tx| trash::trash_video(tx, me.id, id, Timestamp::now())))
        .await??;
    Ok(StatusCode::NO_CONTENT)
}

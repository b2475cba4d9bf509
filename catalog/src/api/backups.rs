//! `GET /api/v1/backups` (the recent backups and how their verification
//! went) and `POST /api/v1/backups` (take one now), admins only.

use super::extract::{ApiQuery, CurrentUser, Paging};
use super::{ApiError, AppState};
use crate::{audit, backup};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::Role;
use serde_json::json;

fn plan(state: &AppState) -> Result<&std::sync::Arc<backup::Plan>, ApiError> {
    state.backups.as_ref().ok_or_else(|| {
        ApiError::Conflict(
            "このサーバーではバックアップが設定されていません (backups are not configured here)"
                .into(),
        )
    })
}

/// The newest 60 backups, the daily time and the directory.
pub async fn list(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<impl IntoResponse, ApiError> {
    me.require(|r| r == Role::Admin)?;
    let plan = plan(&state)?;
    let items = state.db.call(|c| Ok(backup::recent(c, 60)?)).await?;
    let daily_at = plan.daily.map(|(h, m)| format!("{h:02}:{m:02}"));
    let last_ok = items
        .iter()
        .find(|r| r.status == "ok")
        .map(|r| r.created_at.clone());
    let mut list = paging.of(&items);
    list["daily_at"] = json!(daily_at);
    list["timezone"] = json!(state.tz.iana_name());
    list["dir"] = json!(plan.dir.display().to_string());
    list["last_ok_at"] = json!(last_ok);
    list["key_id"] = json!(plan.key.id());
    Ok(Json(list))
}

/// Takes a backup now (waits for one in progress); audited.
pub async fn take(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<impl IntoResponse, ApiError> {
    me.require(|r| r == Role::Admin)?;
    let plan = std::sync::Arc::clone(plan(&state)?);
    let result = plan.take(&state.db).await;
    let detail = match &result {
        Ok(r) => json!({"file": r.file, "sha256": r.sha256, "size_bytes": r.size_bytes}),
        Err(e) => json!({"error": e.to_string()}),
    };
    let by = me.id;
    state
        .db
        .call(move |c| {
            Ok(audit::record(
                c,
                jiff::Timestamp::now(),
                Some(by),
                "backup.take",
                "backup",
                &detail,
            )?)
        })
        .await?;
    match result {
        Ok(record) => Ok((StatusCode::CREATED, Json(record))),
        Err(e) => Err(ApiError::Internal(format!("backup failed: {e}"))),
    }
}

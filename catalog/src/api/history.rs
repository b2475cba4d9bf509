//! `GET /api/v1/me/history?status=&page=&per_page=`: the videos the caller
//! watched, most recent first (the learner's 視聴履歴 and 続きから見る).

use super::extract::{ApiQuery, CurrentUser};
use super::{ApiError, AppState};
use crate::history::{self, Status};
use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use serde::Deserialize;

/// Query parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    status: Option<Status>,
    page: Option<u32>,
    per_page: Option<u32>,
}

/// The caller's history, one page.
pub async fn mine(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let per_page = q.per_page.unwrap_or(50).clamp(1, 500);
    let page = q.page.unwrap_or(1).max(1);
    let (items, total) = state
        .db
        .call(move |c| Ok(history::mine(c, me.id, q.status, page, per_page)?))
        .await?;
    Ok(Json(serde_json::json!({
        "items": items, "total": total, "page": page, "per_page": per_page,
    })))
}

//! `GET /api/v1/audit?from=&to=&action=&actor=&page=&per_page=` (admin):
//! the audit log, newest first. `from` and `to` are days in the service's
//! timezone, both included; without them, everything.

use super::extract::{ApiQuery, CurrentUser};
use super::{ApiError, AppState};
use crate::audit::{self, Filter};
use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use domain::{Role, UserId};
use jiff::civil::Date;
use serde::Deserialize;

/// Query parameters.
#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    #[serde(default, deserialize_with = "super::extract::day")]
    from: Option<Date>,
    #[serde(default, deserialize_with = "super::extract::day")]
    to: Option<Date>,
    /// One action (`user.update`) or a family (`user.`).
    action: Option<String>,
    actor: Option<UserId>,
    page: Option<u32>,
    per_page: Option<u32>,
}

/// The first instant of `day` in `tz`.
fn start_of(day: Date, tz: &jiff::tz::TimeZone) -> Result<jiff::Timestamp, ApiError> {
    day.to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .map_err(|e| ApiError::Invalid(format!("日付が正しくありません (bad date: {e})")))
}

/// The audit log, one page.
pub async fn list(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<impl IntoResponse, ApiError> {
    me.require(|r| r == Role::Admin)?;
    if let (Some(from), Some(to)) = (q.from, q.to)
        && from > to
    {
        return Err(ApiError::Invalid(
            "開始日は終了日以前にしてください (from must not be after to)".into(),
        ));
    }
    let from = match q.from {
        Some(day) => start_of(day, &state.tz)?,
        None => jiff::Timestamp::MIN,
    };
    let to = match q.to {
        Some(day) => start_of(day.tomorrow().unwrap_or(day), &state.tz)?,
        None => jiff::Timestamp::MAX,
    };
    let filter = Filter {
        from,
        to,
        action: q.action.filter(|a| !a.is_empty()),
        actor: q.actor,
    };
    let per_page = q.per_page.unwrap_or(50).clamp(1, 500);
    let page = q.page.unwrap_or(1).max(1);
    let tz = state.tz.clone();
    let (items, total) = state
        .db
        .call(move |c| Ok(audit::list(c, &filter, &tz, Some((page, per_page)))?))
        .await?;
    Ok(Json(serde_json::json!({
        "items": items,
        "total": total,
        "page": page,
        "per_page": per_page,
        "timezone": state.settings.timezone,
    })))
}

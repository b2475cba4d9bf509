//! `GET/POST /api/v1/notices`, `PATCH/DELETE /api/v1/notices/{id}`: incident
//! and maintenance notices ([`crate::notices`]), and the guard that takes no
//! changes during a maintenance window.

use super::extract::{ApiJson, ApiPath, ApiQuery, CurrentUser, Paging};
use super::{ApiError, AppState};
use crate::audit;
use crate::notices::{self, Draft, Valid};
use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use domain::Role;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use serde_json::json;

/// `?all=true`: admins also get ended notices.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(default)]
    all: bool,
    page: Option<u32>,
    per_page: Option<u32>,
}

/// Current and upcoming notices, for everyone logged in.
pub async fn list(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let admin = me.role == Role::Admin;
    let all = q.all && admin;
    let (now, tz) = (Timestamp::now(), state.tz.clone());
    let items = state
        .db
        .call(move |c| Ok(notices::list(c, now, all, admin, &tz)?))
        .await?;
    Ok(Json(Paging::new(q.page, q.per_page).of(&items)))
}

fn lead(state: &AppState) -> SignedDuration {
    SignedDuration::from_hours(i64::from(state.settings.maintenance_notice_days) * 24)
}

/// Publishes a notice (admin).
pub async fn create(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(draft): ApiJson<Draft>,
) -> Result<impl IntoResponse, ApiError> {
    me.require(|r| r == Role::Admin)?;
    let now = Timestamp::now();
    let notice = Valid::check(&draft, None, now, lead(&state))?;
    let (tz, windows, by) = (state.tz.clone(), state.maintenance.clone(), me.id);
    let created = state
        .db
        .call(move |c| {
            let tx = c.transaction()?;
            let id = notices::save(&tx, None, &notice, Some(by), now)?;
            let created = notices::get(&tx, id, now, &tz);
            if let Ok(n) = &created {
                audit::record(
                    &tx,
                    now,
                    Some(by),
                    "notice.create",
                    &format!("notice:{id}"),
                    &json!(n),
                )?;
            }
            tx.commit()?;
            windows.reload(c, now)?;
            Ok(created)
        })
        .await??;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Changes a notice (admin): an update to an incident, a corrected window…
pub async fn update(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(draft): ApiJson<Draft>,
) -> Result<impl IntoResponse, ApiError> {
    me.require(|r| r == Role::Admin)?;
    let (now, lead) = (Timestamp::now(), lead(&state));
    let (tz, windows, by) = (state.tz.clone(), state.maintenance.clone(), me.id);
    let updated = state
        .db
        .call(move |c| {
            let tx = c.transaction()?;
            let result = notices::stored(&tx, id)
                .and_then(|base| Valid::check(&draft, Some(&base), now, lead))
                .and_then(|notice| {
                    let before = notices::get(&tx, id, now, &tz)?;
                    notices::save(&tx, Some(id), &notice, Some(by), now)?;
                    let after = notices::get(&tx, id, now, &tz)?;
                    audit::record(
                        &tx,
                        now,
                        Some(by),
                        "notice.update",
                        &format!("notice:{id}"),
                        &json!({"before": before, "after": after}),
                    )?;
                    Ok(after)
                });
            if result.is_ok() {
                tx.commit()?;
                windows.reload(c, now)?;
            }
            Ok(result)
        })
        .await??;
    Ok(Json(updated))
}

/// Deletes a notice (admin); the audit log keeps what it said.
pub async fn delete(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, ApiError> {
    me.require(|r| r == Role::Admin)?;
    let now = Timestamp::now();
    let (tz, windows, by) = (state.tz.clone(), state.maintenance.clone(), me.id);
    state
        .db
        .call(move |c| {
            let tx = c.transaction()?;
            let result = notices::get(&tx, id, now, &tz).and_then(|before| {
                notices::delete(&tx, id)?;
                audit::record(
                    &tx,
                    now,
                    Some(by),
                    "notice.delete",
                    &format!("notice:{id}"),
                    &json!(before),
                )?;
                Ok(())
            });
            if result.is_ok() {
                tx.commit()?;
                windows.reload(c, now)?;
            }
            Ok(result)
        })
        .await??;
    Ok(StatusCode::NO_CONTENT)
}

/// During a maintenance window, answers every change with 503
/// `maintenance` (and `Retry-After`), except what keeps people watching and
/// lets them in and out — logging in and out, a forced password change,
/// play and heartbeats — and the notices themselves (an admin ends or
/// extends the window). Workers' job reports go on too.
pub async fn maintenance_guard(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let now = Timestamp::now();
    if !safe
        && !goes_on_during_maintenance(req.uri().path())
        && let Some(until) = state.maintenance.active(now)
    {
        let seconds = until.duration_since(now).as_secs().max(1).unsigned_abs();
        return ApiError::Maintenance(seconds).into_response();
    }
    next.run(req).await
}

fn goes_on_during_maintenance(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/api/") else {
        return true;
    };
    rest.starts_with("internal/")
        || matches!(rest, "v1/session" | "v1/session/password")
        || rest.starts_with("v1/notices")
        || (rest.starts_with("v1/play/") && rest.ends_with("/heartbeat"))
        || (rest.starts_with("v1/videos/") && rest.ends_with("/play"))
}

#[cfg(test)]
mod tests {
    use super::goes_on_during_maintenance as goes_on;

    #[test]
    fn viewing_and_getting_in_and_out_go_on_during_maintenance() {
        for path in [
            "/api/v1/session",
            "/api/v1/session/password",
            "/api/v1/videos/3/play",
            "/api/v1/play/abc/heartbeat",
            "/api/v1/notices/4",
            "/api/internal/jobs/claim",
        ] {
            assert!(goes_on(path), "{path}");
        }
        for path in [
            "/api/v1/users",
            "/api/v1/imports/1/apply",
            "/api/v1/videos",
            "/api/v1/courses/2/publish",
            "/api/v1/me/preferences",
        ] {
            assert!(!goes_on(path), "{path}");
        }
    }
}

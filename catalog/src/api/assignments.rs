//! Assignments (必修研修): `GET`/`POST /api/v1/assignments`,
//! `GET`/`DELETE /api/v1/assignments/{id}` (admins; managers within their
//! groups) and `GET /api/v1/me/assignments` (every user: what is assigned
//! to me and when it is due). An assignment's progress answers CSV to
//! `Accept: text/csv`; `?status=overdue` lists the overdue only.

use super::extract::{ApiJson, ApiPath, ApiQuery, CurrentUser, Paging};
use super::{ApiError, AppState};
use crate::assignments::{self, AssignmentError, NewAssignment, Status};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

impl From<AssignmentError> for ApiError {
    fn from(e: AssignmentError) -> Self {
        match e {
            AssignmentError::Invalid(m) => ApiError::Invalid(m),
            AssignmentError::Forbidden => ApiError::Forbidden,
            AssignmentError::NotFound => ApiError::NotFound,
            AssignmentError::Sqlite(e) => e.into(),
        }
    }
}

/// `GET /api/v1/assignments`.
pub async fn list(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<impl IntoResponse, ApiError> {
    let scope = me.scope()?;
    let items = state
        .db
        .call(move |c| Ok(assignments::list(c, scope)?))
        .await?;
    Ok(Json(paging.of(&items)))
}

/// `POST /api/v1/assignments`.
pub async fn create(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(new): ApiJson<NewAssignment>,
) -> Result<impl IntoResponse, ApiError> {
    let scope = me.scope()?;
    let now = jiff::Timestamp::now();
    let created = state
        .db
        .call(move |c| Ok(assignments::create(c, me.id, scope, &new, now)))
        .await??;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Query of one assignment's progress.
#[derive(Debug, Deserialize)]
pub struct ProgressQuery {
    /// Only assignees in this status (`overdue`, `completed`, …).
    status: Option<Status>,
    /// For CSV: `utf8` (with BOM, the default) or `shift_jis`.
    encoding: Option<String>,
}

/// `GET /api/v1/assignments/{id}`: progress of the assignees in scope.
pub async fn progress(
    State(state): State<AppState>,
    me: CurrentUser,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ProgressQuery>,
) -> Result<Response, ApiError> {
    let scope = me.scope()?;
    let today = state.today();
    let mut report = state
        .db
        .call(move |c| Ok(assignments::report(c, id, scope, today)))
        .await??;
    if let Some(status) = q.status {
        report.assignees.retain(|p| p.status == status);
    }
    if super::reports::wants_csv(&headers) {
        let mut table = vec![
            [
                "email",
                "name",
                "status",
                "completed_lessons",
                "lessons",
                "completed_at",
                "due_on",
                "course",
            ]
            .map(str::to_owned)
            .to_vec(),
        ];
        for p in &report.assignees {
            table.push(vec![
                p.email.clone(),
                p.name.clone(),
                status_ja(p.status).to_owned(),
                p.completed_lessons.to_string(),
                p.lessons.to_string(),
                super::reports::csv_time(p.completed_at.as_deref(), &state.tz),
                report.assignment.due_on.clone(),
                report.assignment.course_title.clone(),
            ]);
        }
        let name = format!("assignment-{id}.csv");
        let answer = super::reports::csv(&table, &name, q.encoding.as_deref())?;
        let detail = serde_json::json!({"status": q.status});
        super::export::audit_download(&state, me.id, jiff::Timestamp::now(), &name, detail).await?;
        return Ok(answer);
    }
    Ok(Json(report).into_response())
}

fn status_ja(status: Status) -> &'static str {
    match status {
        Status::Completed => "修了",
        Status::InProgress => "受講中",
        Status::NotStarted => "未受講",
        Status::Overdue => "期限切れ",
    }
}

/// `DELETE /api/v1/assignments/{id}`: admins, or the manager who made it.
pub async fn delete(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<impl IntoResponse, ApiError> {
    let scope = me.scope()?;
    let now = jiff::Timestamp::now();
    state
        .db
        .call(move |c| Ok(assignments::delete(c, me.id, scope, id, now)))
        .await??;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/me/assignments`: the caller's assignments, due soonest first.
pub async fn mine(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<impl IntoResponse, ApiError> {
    let today = state.today();
    let items = state
        .db
        .call(move |c| Ok(assignments::mine(c, me.id, today)?))
        .await?;
    let items: Vec<serde_json::Value> = items
        .into_iter()
        .map(|(a, p)| {
            serde_json::json!({
                "id": a.id, "course_id": a.course_id, "course_title": a.course_title,
                "due_on": a.due_on, "note": a.note, "status": p.status,
                "completed_lessons": p.completed_lessons, "lessons": p.lessons,
            })
        })
        .collect();
    Ok(Json(paging.of(&items)))
}

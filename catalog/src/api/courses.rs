//! Categories and courses: everyone logged in reads published ones; editors
//! and admins also see drafts and author.

use super::extract::{ApiJson, ApiPath, ApiQuery, CurrentUser, Paging};
use super::{ApiError, AppState};
use crate::audit;
use crate::courses::{self, CourseFilter, CoursePatch, LessonInput};
use crate::history;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::{CategoryId, CourseId, Role};
use jiff::Timestamp;
use serde::Deserialize;

/// `GET /api/v1/categories`.
pub async fn categories(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<impl IntoResponse, ApiError> {
    let drafts = me.role.can_edit_content();
    let items = state
        .db
        .call(move |c| Ok(courses::categories(c, drafts)?))
        .await?;
    Ok(Json(paging.of(&items)))
}

/// `GET /api/v1/courses` query: the filters and the page.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourseQuery {
    category: Option<String>,
    q: Option<String>,
    page: Option<u32>,
    per_page: Option<u32>,
}

/// `GET /api/v1/courses?category=&q=`.
pub async fn list(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiQuery(query): ApiQuery<CourseQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let drafts = me.role.can_edit_content();
    let filter = CourseFilter {
        category: query.category,
        q: query.q,
    };
    let items = state
        .db
        .call(move |c| Ok(courses::list(c, &filter, drafts)?))
        .await?;
    Ok(Json(Paging::new(query.page, query.per_page).of(&items)))
}

/// `GET /api/v1/courses/{id}`.
pub async fn get(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<CourseId>,
) -> Result<impl IntoResponse, ApiError> {
    let drafts = me.role.can_edit_content();
    let course = state
        .db
        .call(move |c| {
            let mut course = courses::get(c, id, drafts)?;
            if let Some(course) = &mut course {
                history::fill_course(c, me.id, course)?;
            }
            Ok(course)
        })
        .await?;
    Ok(Json(course.ok_or(ApiError::NotFound)?))
}

/// A new course.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCourse {
    category_id: CategoryId,
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    lessons: Vec<LessonInput>,
}

/// `POST /api/v1/courses` (editor, admin): creates a draft.
pub async fn create(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(new): ApiJson<NewCourse>,
) -> Result<impl IntoResponse, ApiError> {
    me.require(Role::can_edit_content)?;
    let now = Timestamp::now();
    let course = state
        .db
        .call(move |c| {
            let id = match courses::create(
                c,
                new.category_id,
                &new.title,
                &new.description,
                &new.lessons,
                me.id,
                now,
            ) {
                Ok(id) => id,
                Err(e) => return Ok(Err(e)),
            };
            audit::record(
                c,
                now,
                Some(me.id),
                "course.create",
                &format!("course:{id}"),
                &serde_json::json!({"title": new.title}),
            )?;
            Ok(Ok(courses::get(c, id, true)?))
        })
        .await??;
    Ok((StatusCode::CREATED, Json(course.ok_or(ApiError::NotFound)?)))
}

/// `PATCH /api/v1/courses/{id}` (editor, admin).
pub async fn update(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<CourseId>,
    ApiJson(patch): ApiJson<CoursePatch>,
) -> Result<impl IntoResponse, ApiError> {
    me.require(Role::can_edit_content)?;
    let now = Timestamp::now();
    let course = state
        .db
        .call(move |c| {
            let before = courses::get(c, id, true)?;
            if let Err(e) = courses::update(c, id, &patch, now) {
                return Ok(Err(e));
            }
            let after = courses::get(c, id, true)?;
            audit::record(
                c,
                now,
                Some(me.id),
                "course.update",
                &format!("course:{id}"),
                &serde_json::json!({"before": before, "after": after}),
            )?;
            Ok(Ok(after))
        })
        .await??;
    Ok(Json(course.ok_or(ApiError::NotFound)?))
}

/// `POST /api/v1/courses/{id}/publish`: learners see it (every lesson's
/// video must be ready).
pub async fn publish(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<CourseId>,
) -> Result<impl IntoResponse, ApiError> {
    set_published(&state, &me, id, true).await
}

/// `POST /api/v1/courses/{id}/unpublish`: back to draft; learners no longer
/// see it, their records stay.
pub async fn unpublish(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<CourseId>,
) -> Result<impl IntoResponse, ApiError> {
    set_published(&state, &me, id, false).await
}

async fn set_published(
    state: &AppState,
    me: &CurrentUser,
    id: CourseId,
    published: bool,
) -> Result<Json<courses::Course>, ApiError> {
    me.require(Role::can_edit_content)?;
    let (now, by) = (Timestamp::now(), me.id);
    let course = state
        .db
        .call(move |c| {
            let tx = c.transaction()?;
            let changed = if published {
                courses::publish(&tx, id, now)
            } else {
                courses::unpublish(&tx, id, now)
            };
            if let Err(e) = changed {
                return Ok(Err(e));
            }
            let action = if published {
                "course.publish"
            } else {
                "course.unpublish"
            };
            audit::record(
                &tx,
                now,
                Some(by),
                action,
                &format!("course:{id}"),
                &serde_json::json!({}),
            )?;
            let course = courses::get(&tx, id, true)?;
            tx.commit()?;
            Ok(Ok(course))
        })
        .await??;
    Ok(Json(course.ok_or(ApiError::NotFound)?))
}

//! `/api/v1/users`: admins manage everyone, managers the learners of their
//! groups ([`crate::people`] holds the rules).

use super::extract::{ApiJson, ApiPath, ApiQuery, CurrentUser};
use super::{ApiError, AppState};
use crate::people::{self, Actor, ListQuery, NewUserInput, UserPatch};
use crate::users;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::UserId;
use jiff::Timestamp;

/// The caller as an actor, or 403 when it manages nobody.
fn actor(me: &CurrentUser) -> Result<Actor, ApiError> {
    Ok(Actor {
        id: me.id,
        scope: me.scope()?,
        now: Timestamp::now(),
    })
}

/// `GET /api/v1/users?q=&status=&role=&group=&sort=&page=&per_page=`.
pub async fn list(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let scope = actor(&me)?.scope;
    let page = state
        .db
        .call(move |c| Ok(people::list(c, scope, &query)))
        .await??;
    Ok(Json(page))
}

/// `POST /api/v1/users`.
pub async fn create(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(input): ApiJson<NewUserInput>,
) -> Result<impl IntoResponse, ApiError> {
    let actor = actor(&me)?;
    let user = state
        .db
        .call(move |c| Ok(people::create(c, &actor, &input)))
        .await??;
    Ok((StatusCode::CREATED, Json(user)))
}

/// `GET /api/v1/users/{id}`: 404 outside the caller's scope.
pub async fn get(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<UserId>,
) -> Result<impl IntoResponse, ApiError> {
    let scope = actor(&me)?.scope;
    let user = state
        .db
        .call(move |c| {
            if !people::in_scope(c, scope, id)? {
                return Ok(None);
            }
            Ok(users::get(c, id)?)
        })
        .await?;
    Ok(Json(user.ok_or(ApiError::NotFound)?))
}

/// `PATCH /api/v1/users/{id}`.
pub async fn update(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(patch): ApiJson<UserPatch>,
) -> Result<impl IntoResponse, ApiError> {
    let actor = actor(&me)?;
    let user = state
        .db
        .call(move |c| Ok(people::update(c, &actor, id, &patch)))
        .await??;
    state.revoke_ended(vec![id]).await;
    Ok(Json(user))
}

/// `DELETE /api/v1/users/{id}`: to the trash.
pub async fn trash(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<UserId>,
) -> Result<impl IntoResponse, ApiError> {
    let actor = actor(&me)?;
    state
        .db
        .call(move |c| Ok(people::trash(c, &actor, id)))
        .await??;
    state.revoke_ended(vec![id]).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/users/{id}/restore` (admins).
pub async fn restore(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<UserId>,
) -> Result<impl IntoResponse, ApiError> {
    let actor = actor(&me)?;
    let user = state
        .db
        .call(move |c| Ok(people::restore(c, &actor, id)))
        .await??;
    Ok(Json(user))
}

/// `POST /api/v1/users/{id}/password`: a one-time password for the user
/// (shown once, never stored in clear); its sessions end and it must choose
/// its own password at the next login.
pub async fn issue_one_time_password(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<UserId>,
) -> Result<impl IntoResponse, ApiError> {
    let actor = actor(&me)?;
    // The scope first: hashing costs a core for a while, and must not be
    // spent on a user the caller may not even see.
    let scope = actor.scope;
    let visible = state
        .db
        .call(move |c| Ok(people::in_scope(c, scope, id)? && users::get(c, id)?.is_some()))
        .await?;
    if !visible {
        return Err(ApiError::NotFound);
    }
    let otp = crate::password::one_time();
    let rounds = state.settings.pbkdf2_iterations;
    let clear = otp.clone();
    let hash = super::auth::hashing(&state, move || crate::password::hash(&clear, rounds)).await?;
    state
        .db
        .call(move |c| Ok(people::set_one_time_password(c, &actor, id, &hash)))
        .await??;
    state.revoke_ended(vec![id]).await;
    Ok((
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        Json(serde_json::json!({"one_time_password": otp})),
    ))
}

//! `/api/v1/groups`: the group tree (部 → 課 → 係), members and managers.
//! Admins manage every group; a manager sees its groups and their sub-groups
//! and manages the membership of its learners there.

use super::extract::{ApiJson, ApiPath, ApiQuery, CurrentUser, Paging};
use super::{ApiError, AppState};
use crate::people::{self, ListQuery, Scope};
use crate::{audit, groups};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::{GroupId, Role, UserId};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;

/// Whether `scope` may see group `id` (404 otherwise, as if it did not exist).
fn visible(conn: &Connection, scope: Scope, id: GroupId) -> rusqlite::Result<bool> {
    match scope {
        Scope::All => groups::exists(conn, id),
        Scope::ManagedBy(manager) => Ok(groups::managed_by(conn, manager)?.contains(&id)),
    }
}

/// `GET /api/v1/groups`.
pub async fn list(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<impl IntoResponse, ApiError> {
    let scope = me.scope()?;
    let items = state
        .db
        .call(move |c| {
            Ok(match scope {
                Scope::All => groups::list(c, None)?,
                Scope::ManagedBy(m) => groups::list(c, Some(&groups::managed_by(c, m)?))?,
            })
        })
        .await?;
    Ok(Json(paging.of(&items)))
}

/// A new group.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    /// Its name (unique under its parent; no `/`).
    pub name: String,
    /// The group above it.
    pub parent_id: Option<GroupId>,
}

/// `POST /api/v1/groups`: admins anywhere; a manager only below a group it
/// manages (a 係 under its 課), never at the top.
pub async fn create(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiJson(new): ApiJson<NewGroup>,
) -> Result<impl IntoResponse, ApiError> {
    let scope = me.scope()?;
    if matches!(scope, Scope::ManagedBy(_)) && new.parent_id.is_none() {
        return Err(ApiError::Forbidden);
    }
    let name = new.name.trim().to_owned();
    if name.is_empty()
        || name.chars().count() > 100
        || name.contains('/')
        || name.chars().any(char::is_control)
    {
        return Err(ApiError::Invalid(
            "グループ名は1〜100文字で、「/」と制御文字は使えません (a group name is 1 to 100 characters without / or control characters)".into(),
        ));
    }
    let now = Timestamp::now();
    let group = state
        .db
        .call(move |c| {
            let tx = c.transaction()?;
            if let Some(parent) = new.parent_id
                && !visible(&tx, scope, parent)?
            {
                return Ok(Err(ApiError::Invalid(
                    "親グループが見つかりません (parent group not found)".into(),
                )));
            }
            let taken = tx
                .query_row(
                    "SELECT 1 FROM groups WHERE name = ?1 AND parent_id IS ?2",
                    params![name, new.parent_id.map(GroupId::get)],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if taken {
                return Ok(Err(ApiError::Conflict(
                    "同じ名前のグループが既にあります (a group with this name already exists here)"
                        .into(),
                )));
            }
            let id = groups::ensure(&tx, &name, new.parent_id, now)?;
            audit::record(
                &tx,
                now,
                Some(me.id),
                "group.create",
                &format!("group:{}", id.get()),
                &serde_json::json!({"name": name, "parent_id": new.parent_id}),
            )?;
            let group = groups::list(&tx, Some(&[id]))?.pop();
            tx.commit()?;
            Ok(Ok(group))
        })
        .await??;
    Ok((StatusCode::CREATED, Json(group.ok_or(ApiError::NotFound)?)))
}

/// `GET /api/v1/groups/{id}/members`: the members the caller may see, with
/// the users list's filters and paging (500 a page unless `per_page` says).
pub async fn members(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<GroupId>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let scope = me.scope()?;
    let query = ListQuery {
        group: Some(id.get()),
        per_page: query.per_page.or(Some(500)),
        ..query
    };
    let page = state
        .db
        .call(move |c| {
            if !visible(c, scope, id)? {
                return Ok(Err(ApiError::NotFound));
            }
            Ok(people::list(c, scope, &query).map_err(ApiError::from))
        })
        .await??;
    Ok(Json(page))
}

/// A user to add.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// The user.
    pub user_id: UserId,
}

/// `POST /api/v1/groups/{id}/members`: admins add anyone; managers add
/// learners they already manage to their groups.
pub async fn add_member(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<GroupId>,
    ApiJson(member): ApiJson<Member>,
) -> Result<impl IntoResponse, ApiError> {
    change_member(state, me, id, member.user_id, true).await
}

/// `DELETE /api/v1/groups/{id}/members/{user_id}`.
pub async fn remove_member(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath((id, user)): ApiPath<(GroupId, UserId)>,
) -> Result<impl IntoResponse, ApiError> {
    change_member(state, me, id, user, false).await
}

async fn change_member(
    state: AppState,
    me: CurrentUser,
    group: GroupId,
    user: UserId,
    add: bool,
) -> Result<StatusCode, ApiError> {
    let scope = me.scope()?;
    let now = Timestamp::now();
    state
        .db
        .call(move |c| {
            let tx = c.transaction()?;
            let exists = crate::users::get(&tx, user)?.is_some();
            if !visible(&tx, scope, group)? || !exists || !people::in_scope(&tx, scope, user)? {
                return Ok(Err(ApiError::NotFound));
            }
            let changed = if add {
                groups::add_member(&tx, group, user)?;
                true
            } else {
                groups::remove_member(&tx, group, user)?
            };
            if !changed {
                return Ok(Err(ApiError::NotFound));
            }
            audit::record(
                &tx,
                now,
                Some(me.id),
                if add {
                    "group.member_add"
                } else {
                    "group.member_remove"
                },
                &format!("group:{}", group.get()),
                &serde_json::json!({"user_id": user}),
            )?;
            tx.commit()?;
            Ok(Ok(if add {
                StatusCode::CREATED
            } else {
                StatusCode::NO_CONTENT
            }))
        })
        .await?
}

/// `POST /api/v1/groups/{id}/managers` (admins): a user with the manager
/// role manages this group and its sub-groups.
pub async fn add_manager(
    State(state): State<AppState>,
    me: CurrentUser,
    ApiPath(id): ApiPath<GroupId>,
    ApiJson(member): ApiJson<Member>,
) -> Result<impl IntoResponse, ApiError> {
    me.require(|r| r == Role::Admin)?;
    let now = Timestamp::now();
    state
        .db
        .call(move |c| {
            let tx = c.transaction()?;
            let Some(user) = crate::users::get(&tx, member.user_id)? else {
                return Ok(Err(ApiError::NotFound));
            };
            if !groups::exists(&tx, id)? {
                return Ok(Err(ApiError::NotFound));
            }
            if user.role != Role::Manager {
                return Ok(Err(ApiError::Invalid(
                    "受講管理者の権限を持つ利用者だけがグループを管理できます (only users with the manager role manage groups)".into(),
                )));
            }
            groups::add_manager(&tx, id, user.id)?;
            audit::record(
                &tx,
                now,
                Some(me.id),
                "group.manager_add",
                &format!("group:{}", id.get()),
                &serde_json::json!({"user_id": user.id, "email": user.email}),
            )?;
            tx.commit()?;
            Ok(Ok(StatusCode::CREATED))
        })
        .await?
}

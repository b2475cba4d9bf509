//! Managing users (R-A1 … R-A3): list with search and filters, create,
//! change, move to the trash and back, under two rules that keep the service
//! usable and safe:
//!
//! - **Scope.** Admins manage everyone; a manager (受講管理者) sees and
//!   manages only learners who belong to a group it manages or to one of that
//!   group's sub-groups.
//! - **No lock-out.** Nobody disables, demotes or deletes the last active
//!   admin, nor themselves.
//!
//! Disabling, deleting or changing the role of a user ends all of its login
//! sessions at once. Every change is audited with its before and after.

use crate::groups::{GROUP_PATHS, MANAGED_GROUPS};
use crate::{audit, users};
use domain::{Email, GroupId, Role, UserId};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, ToSql, params};
use serde::{Deserialize, Serialize};

/// Whose users a caller may see and manage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Everyone (admins).
    All,
    /// Learners in the groups (and sub-groups) this manager manages.
    ManagedBy(UserId),
}

impl Scope {
    /// The scope of a caller with `role`, or `None` when it manages nobody.
    pub fn of(id: UserId, role: Role) -> Option<Self> {
        match role {
            Role::Admin => Some(Scope::All),
            Role::Manager => Some(Scope::ManagedBy(id)),
            Role::Editor | Role::Learner => None,
        }
    }
}

/// `GET /api/v1/users` filters.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Part of the e-mail or the name.
    pub q: Option<String>,
    /// `active` or `disabled`.
    pub status: Option<String>,
    /// One role.
    pub role: Option<String>,
    /// Members of this group.
    pub group: Option<i64>,
    /// `email`, `name`, `role`, `status`, `created_at`, `last_login_at`;
    /// a leading `-` sorts descending.
    pub sort: Option<String>,
    /// 1-based page.
    pub page: Option<u32>,
    /// Up to 500 (default 50).
    pub per_page: Option<u32>,
}

/// One page of users.
#[derive(Debug, Serialize)]
pub struct Page {
    /// The users on this page.
    pub items: Vec<users::User>,
    /// How many match in all.
    pub total: u64,
    /// This page.
    pub page: u32,
    /// Page size.
    pub per_page: u32,
}

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum PeopleError {
    /// A filter or field has a value outside its set.
    #[error("{0}")]
    Invalid(String),
    /// Not in the caller's scope, or not allowed for its role.
    #[error("この利用者を管理する権限がありません (not allowed to manage this user)")]
    Forbidden,
    /// No such user (or in the trash).
    #[error("not found")]
    NotFound,
    /// The change would lock everybody (or the caller) out.
    #[error("{0}")]
    LockOut(&'static str),
    /// The e-mail is already registered.
    #[error("このメールアドレスは既に登録されています (e-mail already registered)")]
    Duplicate,
    /// The database failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

const LAST_ADMIN: &str = "最後の有効な管理者は無効化・権限変更・削除できません (the last active admin cannot be disabled, demoted or deleted)";
const SELF_LOCKOUT: &str = "自分自身を無効化・権限変更・削除することはできません (you cannot disable, demote or delete yourself)";

fn sort_clause(sort: Option<&str>) -> Result<&'static str, PeopleError> {
    Ok(match sort.unwrap_or("email") {
        "email" => "u.email ASC",
        "-email" => "u.email DESC",
        "name" => "u.name ASC, u.email ASC",
        "-name" => "u.name DESC, u.email ASC",
        "role" => "u.role ASC, u.email ASC",
        "-role" => "u.role DESC, u.email ASC",
        "status" => "u.status ASC, u.email ASC",
        "-status" => "u.status DESC, u.email ASC",
        "created_at" => "u.created_at ASC, u.id ASC",
        "-created_at" => "u.created_at DESC, u.id DESC",
        "last_login_at" => "u.last_login_at ASC NULLS FIRST, u.email ASC",
        "-last_login_at" => "u.last_login_at DESC NULLS LAST, u.email ASC",
        other => {
            return Err(PeopleError::Invalid(format!(
                "並べ替えの指定が正しくありません: {other} (sort must be email, name, role, status, created_at or last_login_at, optionally with a leading -)"
            )));
        }
    })
}

/// `%`, `_` and `\` match themselves in a LIKE pattern.
fn like_pattern(q: &str) -> String {
    let mut out = String::with_capacity(q.len() + 2);
    out.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Lists the users in `scope` that match `query`, one page of them.
pub fn list(conn: &Connection, scope: Scope, query: &ListQuery) -> Result<Page, PeopleError> {
    let per_page = query.per_page.unwrap_or(50).clamp(1, 500);
    let page = query.page.unwrap_or(1).max(1);
    let mut clauses = vec!["u.deleted_at IS NULL".to_owned()];
    let mut args: Vec<(&str, Box<dyn ToSql>)> = Vec::new();
    if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        // E-mails are stored normalised: fold the search text the same way.
        let folded = Email::fold(q);
        clauses.push("(u.email LIKE :qe ESCAPE '\\' OR u.name LIKE :q ESCAPE '\\')".to_owned());
        args.push((":qe", Box::new(like_pattern(&folded))));
        args.push((":q", Box::new(like_pattern(q))));
    }
    if let Some(status) = query.status.as_deref() {
        if !matches!(status, "active" | "disabled") {
            return Err(PeopleError::Invalid(format!(
                "状態は active か disabled です: {status} (status must be active or disabled)"
            )));
        }
        clauses.push("u.status = :status".to_owned());
        args.push((":status", Box::new(status.to_owned())));
    }
    if let Some(role) = query.role.as_deref() {
        let role: Role = role.parse().map_err(|_| {
            PeopleError::Invalid(format!(
                "権限の指定が正しくありません: {role} (role must be admin, manager, editor or learner)"
            ))
        })?;
        clauses.push("u.role = :role".to_owned());
        args.push((":role", Box::new(role.as_str())));
    }
    if let Some(group) = query.group {
        clauses.push(
            "EXISTS (SELECT 1 FROM group_members gm WHERE gm.user_id = u.id AND gm.group_id = :group)"
                .to_owned(),
        );
        args.push((":group", Box::new(group)));
    }
    let mut with = "";
    if let Scope::ManagedBy(manager) = scope {
        with = MANAGED_GROUPS;
        clauses.push(
            "u.role = 'learner' AND EXISTS (SELECT 1 FROM group_members gm JOIN managed ON managed.id = gm.group_id WHERE gm.user_id = u.id)"
                .to_owned(),
        );
        args.push((":manager", Box::new(manager.get())));
    }
    let filter = clauses.join(" AND ");
    let order = sort_clause(query.sort.as_deref())?;
    let named: Vec<(&str, &dyn ToSql)> = args.iter().map(|(k, v)| (*k, v.as_ref())).collect();
    let total: u64 = conn.query_row(
        &format!("{with} SELECT COUNT(*) FROM users u WHERE {filter}"),
        named.as_slice(),
        |r| r.get(0),
    )?;
    let limit = i64::from(per_page);
    let offset = i64::from(page - 1) * limit;
    let mut paged = named.clone();
    paged.push((":limit", &limit));
    paged.push((":offset", &offset));
    // One query for the page, groups included as paths (a page may hold 500 users).
    let with = if with.is_empty() {
        format!("WITH RECURSIVE {GROUP_PATHS}")
    } else {
        format!("{with}, {GROUP_PATHS}")
    };
    let mut stmt = conn.prepare(&format!(
        "{with} SELECT {columns},
                (SELECT json_group_array(p.path ORDER BY p.path) FROM paths p
                 JOIN group_members m ON m.group_id = p.id WHERE m.user_id = u.id)
         FROM users u WHERE {filter} ORDER BY {order} LIMIT :limit OFFSET :offset",
        columns = users::COLUMNS,
    ))?;
    let items = stmt
        .query_map(paged.as_slice(), |r| {
            let mut user = users::from_row(r)?;
            let groups: String = r.get(10)?;
            user.groups = serde_json::from_str(&groups).unwrap_or_default();
            Ok(user)
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page {
        items,
        total,
        page,
        per_page,
    })
}

/// Whether `user` is registered (in the trash too, until purged).
pub fn exists(conn: &Connection, user: UserId) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM users WHERE id = ?1 AND purged_at IS NULL")?
        .exists([user.get()])
}

/// Whether `scope` may see and manage `user` (admins: anyone; managers:
/// learners in their groups).
pub fn in_scope(conn: &Connection, scope: Scope, user: UserId) -> rusqlite::Result<bool> {
    match scope {
        Scope::All => Ok(true),
        Scope::ManagedBy(manager) => conn
            .query_row(
                &format!(
                    "{MANAGED_GROUPS} SELECT 1 FROM users u WHERE u.id = :user AND u.role = 'learner'
                     AND EXISTS (SELECT 1 FROM group_members gm JOIN managed ON managed.id = gm.group_id WHERE gm.user_id = u.id)"
                ),
                rusqlite::named_params! {":manager": manager.get(), ":user": user.get()},
                |_| Ok(()),
            )
            .optional()
            .map(|found| found.is_some()),
    }
}

/// Whether every group in `groups` is one the actor may put users in: an
/// admin any that exists (else 422 naming it), a manager its own (else
/// 403, which does not tell whether the group exists).
fn check_groups(conn: &Connection, scope: Scope, groups: &[GroupId]) -> Result<(), PeopleError> {
    for &group in groups {
        let found = match scope {
            Scope::All => conn
                .query_row("SELECT 1 FROM groups WHERE id = ?1", [group.get()], |_| {
                    Ok(())
                })
                .optional()?,
            Scope::ManagedBy(manager) => conn
                .query_row(
                    &format!("{MANAGED_GROUPS} SELECT 1 FROM managed WHERE id = :group"),
                    rusqlite::named_params! {":manager": manager.get(), ":group": group.get()},
                    |_| Ok(()),
                )
                .optional()?,
        };
        match (found, scope) {
            (Some(()), _) => {}
            (None, Scope::All) => {
                return Err(PeopleError::Invalid(format!(
                    "グループ {} がありません (unknown group)",
                    group.get()
                )));
            }
            (None, Scope::ManagedBy(_)) => return Err(PeopleError::Forbidden),
        }
    }
    Ok(())
}

/// A new user from the API.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUserInput {
    /// Login id.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role (managers may create learners only).
    pub role: Role,
    /// 備考.
    #[serde(default)]
    pub remarks: String,
    /// Group ids (managers: at least one of theirs).
    #[serde(default)]
    pub groups: Vec<GroupId>,
}

/// Changes to a user; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// Display name.
    pub name: Option<String>,
    /// Role (admins only).
    pub role: Option<Role>,
    /// `active` or `disabled`.
    pub status: Option<String>,
    /// 備考.
    pub remarks: Option<String>,
    /// The complete new set of group ids.
    pub groups: Option<Vec<GroupId>>,
}

/// `name` and `remarks` under the rules the CSV import applies to them.
fn check_text(name: Option<&str>, remarks: Option<&str>) -> Result<(), PeopleError> {
    let checked = [
        name.map(crate::csvfile::user_name),
        remarks.map(crate::csvfile::user_remarks),
    ];
    match checked.into_iter().flatten().find_map(Result::err) {
        Some(message) => Err(PeopleError::Invalid(message)),
        None => Ok(()),
    }
}

fn snapshot(user: &users::User) -> serde_json::Value {
    serde_json::json!({
        "name": user.name, "role": user.role, "status": user.status,
        "remarks": user.remarks, "groups": user.groups,
    })
}

/// Who acts, and from where, for the audit log.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The caller.
    pub id: UserId,
    /// Its scope.
    pub scope: Scope,
    /// When.
    pub now: Timestamp,
}

/// Creates a user (without a password: it is set by the user or an import's
/// one-time password). Returns the new user.
pub fn create(
    conn: &mut Connection,
    actor: &Actor,
    input: &NewUserInput,
) -> Result<users::User, PeopleError> {
    let email = Email::parse(&input.email).map_err(|e| PeopleError::Invalid(e.to_string()))?;
    check_text(Some(&input.name), Some(&input.remarks))?;
    if let Scope::ManagedBy(_) = actor.scope
        && (input.role != Role::Learner || input.groups.is_empty())
    {
        return Err(PeopleError::Forbidden);
    }
    let tx = conn.transaction()?;
    check_groups(&tx, actor.scope, &input.groups)?;
    let id = users::create(
        &tx,
        &users::NewUser {
            email: &email,
            name: &input.name,
            role: input.role,
            password_hash: None,
        },
        actor.now,
    )
    .map_err(|e| match e {
        users::UserError::Duplicate => PeopleError::Duplicate,
        users::UserError::Sqlite(e) => PeopleError::Sqlite(e),
    })?;
    tx.execute(
        "UPDATE users SET remarks = ?1 WHERE id = ?2",
        params![input.remarks, id.get()],
    )?;
    set_groups(&tx, id, &input.groups)?;
    let user = users::get(&tx, id)?.ok_or(PeopleError::NotFound)?;
    audit::record(
        &tx,
        actor.now,
        Some(actor.id),
        "user.create",
        &format!("user:{}", id.get()),
        &serde_json::json!({"email": user.email, "after": snapshot(&user)}),
    )?;
    tx.commit()?;
    Ok(user)
}

fn set_groups(conn: &Connection, user: UserId, groups: &[GroupId]) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM group_members WHERE user_id = ?1", [user.get()])?;
    for group in groups {
        crate::groups::add_member(conn, *group, user)?;
    }
    Ok(())
}

fn active_admins_besides(conn: &Connection, user: UserId) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT COUNT(*) FROM users WHERE role = 'admin' AND status = 'active'
         AND deleted_at IS NULL AND id <> ?1",
        [user.get()],
        |r| r.get(0),
    )
}

/// Refuses a change that takes an active admin out of the active admins when
/// that admin is the caller or the last one. `stays` tells whether `before`
/// is still an active admin after the change.
fn guard_lockout(
    conn: &Connection,
    actor: &Actor,
    before: &users::User,
    stays: bool,
) -> Result<(), PeopleError> {
    let was = before.role == Role::Admin && before.status == "active";
    if !was || stays {
        return Ok(());
    }
    if before.id == actor.id {
        return Err(PeopleError::LockOut(SELF_LOCKOUT));
    }
    if active_admins_besides(conn, before.id)? == 0 {
        return Err(PeopleError::LockOut(LAST_ADMIN));
    }
    Ok(())
}

/// Applies `patch` to `id` within the caller's scope.
pub fn update(
    conn: &mut Connection,
    actor: &Actor,
    id: UserId,
    patch: &UserPatch,
) -> Result<users::User, PeopleError> {
    let tx = conn.transaction()?;
    let before = users::get(&tx, id)?.ok_or(PeopleError::NotFound)?;
    if !in_scope(&tx, actor.scope, id)? {
        return Err(PeopleError::NotFound);
    }
    if let Some(status) = patch.status.as_deref()
        && !matches!(status, "active" | "disabled")
    {
        return Err(PeopleError::Invalid(format!(
            "状態は active か disabled です: {status} (status must be active or disabled)"
        )));
    }
    check_text(patch.name.as_deref(), patch.remarks.as_deref())?;
    let role = patch.role.unwrap_or(before.role);
    let status = patch.status.as_deref().unwrap_or(&before.status);
    if actor.scope != Scope::All && role != Role::Learner {
        return Err(PeopleError::Forbidden);
    }
    guard_lockout(
        &tx,
        actor,
        &before,
        role == Role::Admin && status == "active",
    )?;
    if let Some(groups) = &patch.groups {
        check_groups(&tx, actor.scope, groups)?;
        if actor.scope != Scope::All && groups.is_empty() {
            // A manager taking a learner out of all its groups would lose it.
            return Err(PeopleError::Forbidden);
        }
        set_groups(&tx, id, groups)?;
    }
    tx.execute(
        "UPDATE users SET name = ?1, role = ?2, status = ?3, remarks = ?4, updated_at = ?5 WHERE id = ?6",
        params![
            patch.name.as_deref().unwrap_or(&before.name),
            role.as_str(),
            status,
            patch.remarks.as_deref().unwrap_or(&before.remarks),
            actor.now.to_string(),
            id.get()
        ],
    )?;
    if role != before.role || status != "active" {
        end_sessions(&tx, id)?;
    }
    let after = users::get(&tx, id)?.ok_or(PeopleError::NotFound)?;
    audit::record(
        &tx,
        actor.now,
        Some(actor.id),
        "user.update",
        &format!("user:{}", id.get()),
        &serde_json::json!({"email": after.email, "before": snapshot(&before), "after": snapshot(&after)}),
    )?;
    tx.commit()?;
    Ok(after)
}

/// Ends every login session of a user (disabled, deleted, role changed).
pub fn end_sessions(conn: &Connection, user: UserId) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM login_sessions WHERE user_id = ?1",
        [user.get()],
    )
}

/// Moves a user to the trash: it can no longer log in; its memberships and
/// learning history stay, so [`restore`] brings everything back.
pub fn trash(conn: &mut Connection, actor: &Actor, id: UserId) -> Result<(), PeopleError> {
    let tx = conn.transaction()?;
    let user = users::get(&tx, id)?.ok_or(PeopleError::NotFound)?;
    if !in_scope(&tx, actor.scope, id)? {
        return Err(PeopleError::NotFound);
    }
    guard_lockout(&tx, actor, &user, false)?;
    tx.execute(
        "UPDATE users SET deleted_at = ?1, deleted_by = ?2, updated_at = ?1 WHERE id = ?3",
        params![actor.now.to_string(), actor.id.get(), id.get()],
    )?;
    end_sessions(&tx, id)?;
    audit::record(
        &tx,
        actor.now,
        Some(actor.id),
        "user.trash",
        &format!("user:{}", id.get()),
        &serde_json::json!({"email": user.email, "before": snapshot(&user)}),
    )?;
    tx.commit()?;
    Ok(())
}

/// Brings a user back from the trash (admins), with its groups and history.
pub fn restore(
    conn: &mut Connection,
    actor: &Actor,
    id: UserId,
) -> Result<users::User, PeopleError> {
    let tx = conn.transaction()?;
    let user = restore_in(&tx, actor, id)?;
    tx.commit()?;
    Ok(user)
}

/// [`restore`] inside the caller's transaction.
pub fn restore_in(
    conn: &Connection,
    actor: &Actor,
    id: UserId,
) -> Result<users::User, PeopleError> {
    if actor.scope != Scope::All {
        return Err(PeopleError::Forbidden);
    }
    let email: Option<String> = conn
        .query_row(
            "SELECT email FROM users WHERE id = ?1 AND deleted_at IS NOT NULL AND purged_at IS NULL",
            [id.get()],
            |r| r.get(0),
        )
        .optional()?;
    let Some(email) = email else {
        return Err(PeopleError::NotFound);
    };
    conn.execute(
        "UPDATE users SET deleted_at = NULL, deleted_by = NULL, updated_at = ?1 WHERE id = ?2",
        params![actor.now.to_string(), id.get()],
    )?;
    let user = users::get(conn, id)?.ok_or(PeopleError::NotFound)?;
    audit::record(
        conn,
        actor.now,
        Some(actor.id),
        "user.restore",
        &format!("user:{}", id.get()),
        &serde_json::json!({"email": email, "after": snapshot(&user)}),
    )?;
    Ok(user)
}

/// Gives `id` a one-time password (its hash): it must choose its own at the
/// next login, and its sessions end now.
pub fn set_one_time_password(
    conn: &mut Connection,
    actor: &Actor,
    id: UserId,
    hash: &str,
) -> Result<(), PeopleError> {
    let tx = conn.transaction()?;
    let user = users::get(&tx, id)?.ok_or(PeopleError::NotFound)?;
    if !in_scope(&tx, actor.scope, id)? {
        return Err(PeopleError::NotFound);
    }
    if user.id == actor.id {
        // One's own password is changed with the current one, not reset.
        return Err(PeopleError::Forbidden);
    }
    tx.execute(
        "UPDATE users SET password_hash = ?1, must_change_password = 1, updated_at = ?2 WHERE id = ?3",
        params![hash, actor.now.to_string(), id.get()],
    )?;
    end_sessions(&tx, id)?;
    audit::record(
        &tx,
        actor.now,
        Some(actor.id),
        "password.one_time",
        &format!("user:{}", id.get()),
        &serde_json::json!({"email": user.email}),
    )?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod text_tests {
    use super::check_text;

    #[test]
    fn names_and_remarks_follow_the_rules_of_the_import() {
        assert!(check_text(Some("山田 太郎"), Some("一行目\n二行目\tタブ")).is_ok());
        let long = "あ".repeat(101);
        for bad in [
            "山田\n太郎",
            "山田\t太郎",
            " ",
            "外字\u{E000}",
            long.as_str(),
        ] {
            assert!(check_text(Some(bad), None).is_err(), "{bad:?}");
        }
        assert!(check_text(None, Some("ベル\u{0007}")).is_err());
    }
}

//! Writing users inside an apply or undo transaction: fields, trash,
//! memberships, sessions ended, the change recorded for undo, and one audit
//! entry per user (before → after, group paths); plus the guard that keeps at
//! least one active admin and the acting admin among them.

use super::state::{GroupTree, UserState};
use super::{ImportError, ImportId};
use crate::csvfile;
use crate::{audit, groups, people, users};
use domain::{Email, GroupId, UserId};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;

/// `"api"` or `"cli"`, for the import's audit entry.
pub(super) fn via(actor: Option<UserId>) -> &'static str {
    if actor.is_some() { "api" } else { "cli" }
}

/// Writes users within the transaction and records what it did.
pub(super) struct Writer<'t> {
    pub(super) tx: &'t Connection,
    pub(super) import: ImportId,
    pub(super) actor: Option<UserId>,
    pub(super) now: Timestamp,
    pub(super) tree: GroupTree,
    /// Users whose logins were ended (their playback is revoked after the commit).
    pub(super) ended: std::cell::RefCell<Vec<UserId>>,
}

impl Writer<'_> {
    fn audit(
        &self,
        action: &str,
        target: &str,
        detail: &serde_json::Value,
    ) -> rusqlite::Result<()> {
        audit::record(self.tx, self.now, self.actor, action, target, detail)
    }

    /// The group at `path`, creating the missing part of it.
    pub(super) fn ensure_path(
        &self,
        path: &str,
        created: &mut Vec<GroupId>,
    ) -> rusqlite::Result<GroupId> {
        let mut parent: Option<GroupId> = None;
        for name in path.split('/') {
            let existing = self
                .tx
                .query_row(
                    "SELECT id FROM groups WHERE name = ?1 AND parent_id IS ?2 ORDER BY id LIMIT 1",
                    params![name, parent.map(GroupId::get)],
                    |r| Ok(GroupId::new(r.get(0)?)),
                )
                .optional()?;
            let id = match existing {
                Some(id) => id,
                None => {
                    let id = groups::ensure(self.tx, name, parent, self.now)?;
                    created.push(id);
                    self.audit(
                        "group.create",
                        &format!("group:{id}"),
                        &json!({"name": name, "parent_id": parent, "import": self.import}),
                    )?;
                    id
                }
            };
            parent = Some(id);
        }
        parent.ok_or(rusqlite::Error::InvalidQuery)
    }

    /// A user created with a one-time password.
    pub(super) fn create(
        &self,
        email: &str,
        after: &UserState,
        hash: &str,
    ) -> Result<UserId, ImportError> {
        let parsed = Email::parse(email).map_err(|e| ImportError::Corrupt(e.to_string()))?;
        let id = users::create(
            self.tx,
            &users::NewUser {
                email: &parsed,
                name: &after.name,
                role: after.role,
                password_hash: Some(hash),
            },
            self.now,
        )
        .map_err(|e| match e {
            users::UserError::Duplicate => ImportError::Stale(vec![email.to_owned()]),
            users::UserError::Sqlite(e) => e.into(),
        })?;
        self.tx.execute(
            "UPDATE users SET status = ?1, remarks = ?2, must_change_password = 1 WHERE id = ?3",
            params![after.status.as_str(), after.remarks, id.get()],
        )?;
        for group in &after.groups {
            groups::add_member(self.tx, *group, id)?;
        }
        self.record_change(id, email, None, after)?;
        self.audit(
            "user.create",
            &format!("user:{id}"),
            &json!({"email": email, "import": self.import, "after": self.snapshot(after)}),
        )?;
        Ok(id)
    }

    /// An existing user brought from `before` to `after`, recorded for undo.
    pub(super) fn change(
        &self,
        id: UserId,
        email: &str,
        before: Option<&UserState>,
        after: &UserState,
        action: &str,
    ) -> Result<(), ImportError> {
        self.write(id, email, before, after, action)?;
        self.record_change(id, email, before, after)
    }

    fn record_change(
        &self,
        id: UserId,
        email: &str,
        before: Option<&UserState>,
        after: &UserState,
    ) -> Result<(), ImportError> {
        self.tx
            .prepare_cached(
                "INSERT INTO import_changes (import_id, user_id, email, before, after) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                self.import.get(),
                id.get(),
                email,
                before.map(serde_json::to_string).transpose()?,
                serde_json::to_string(after)?
            ])?;
        Ok(())
    }

    /// Writes `to` over a user that is `from` now; ends its sessions when it
    /// loses access or changes role.
    pub(super) fn write(
        &self,
        id: UserId,
        email: &str,
        from: Option<&UserState>,
        to: &UserState,
        action: &str,
    ) -> Result<(), ImportError> {
        let now = self.now.to_string();
        self.tx
            .prepare_cached(
                "UPDATE users SET name = ?1, role = ?2, status = ?3, remarks = ?4, updated_at = ?5,
                     deleted_at = CASE WHEN ?6 THEN COALESCE(deleted_at, ?5) ELSE NULL END
                 WHERE id = ?7",
            )?
            .execute(params![
                to.name,
                to.role.as_str(),
                to.status.as_str(),
                to.remarks,
                now,
                to.deleted,
                id.get()
            ])?;
        if from.is_none_or(|f| f.groups != to.groups) {
            self.tx
                .prepare_cached("DELETE FROM group_members WHERE user_id = ?1")?
                .execute([id.get()])?;
            for group in &to.groups {
                groups::add_member(self.tx, *group, id)?;
            }
        }
        let role_changed = from.is_some_and(|f| f.role != to.role);
        if role_changed || to.status != csvfile::Status::Active || to.deleted {
            people::end_sessions(self.tx, id)?;
            self.ended.borrow_mut().push(id);
        }
        self.audit(
            action,
            &format!("user:{id}"),
            &json!({
                "email": email,
                "import": self.import,
                "before": from.map(|f| self.snapshot(f)),
                "after": self.snapshot(to),
            }),
        )?;
        Ok(())
    }

    /// A user's state for the audit log, with group paths.
    fn snapshot(&self, s: &UserState) -> serde_json::Value {
        let groups: Vec<&str> = s.groups.iter().filter_map(|g| self.tree.path(*g)).collect();
        json!({
            "name": s.name, "role": s.role, "status": s.status.as_str(),
            "remarks": s.remarks, "groups": groups, "deleted": s.deleted,
        })
    }

    /// Deletes a group the import created if nothing refers to it any more
    /// but users in the trash (the users the import created, trashed by the
    /// undo: their membership of a group that never was goes with it).
    pub(super) fn remove_group_if_unused(&self, group: GroupId) -> rusqlite::Result<()> {
        let used: bool = self.tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM group_members m JOIN users u ON u.id = m.user_id
                            WHERE m.group_id = ?1 AND u.deleted_at IS NULL)
                 OR EXISTS (SELECT 1 FROM group_managers WHERE group_id = ?1)
                 OR EXISTS (SELECT 1 FROM groups WHERE parent_id = ?1)",
            [group.get()],
            |r| r.get(0),
        )?;
        if !used {
            self.tx.execute(
                "DELETE FROM group_members WHERE group_id = ?1",
                [group.get()],
            )?;
            self.tx
                .execute("DELETE FROM groups WHERE id = ?1", [group.get()])?;
            self.audit(
                "group.delete",
                &format!("group:{group}"),
                &json!({"path": self.tree.path(group), "import": self.import, "undo": true}),
            )?;
        }
        Ok(())
    }
}

/// The active admins before a change, to refuse one that leaves none or
/// takes the acting admin out of them.
pub(super) struct AdminGuard {
    admins: i64,
    actor: Option<UserId>,
    actor_was_admin: bool,
}

impl AdminGuard {
    pub(super) fn before(conn: &Connection, actor: Option<UserId>) -> rusqlite::Result<Self> {
        let actor_was_admin = match actor {
            Some(a) => is_active_admin(conn, a)?,
            None => false,
        };
        Ok(Self {
            admins: active_admins(conn)?,
            actor,
            actor_was_admin,
        })
    }

    pub(super) fn check(&self, conn: &Connection) -> Result<(), ImportError> {
        if self.admins > 0 && active_admins(conn)? == 0 {
            return Err(ImportError::LockOut);
        }
        if let Some(actor) = self.actor
            && self.actor_was_admin
            && !is_active_admin(conn, actor)?
        {
            return Err(ImportError::LockOut);
        }
        Ok(())
    }
}

fn active_admins(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT COUNT(*) FROM users WHERE role = 'admin' AND status = 'active' AND deleted_at IS NULL",
        [],
        |r| r.get(0),
    )
}

fn is_active_admin(conn: &Connection, user: UserId) -> rusqlite::Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM users WHERE id = ?1 AND role = 'admin' AND status = 'active' AND deleted_at IS NULL",
            [user.get()],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

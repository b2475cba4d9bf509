//! Apply and undo, each one transaction. Apply plans the stored file again and
//! writes exactly that plan when its digest is the previewed one; it records
//! every touched user's state before and after. Undo writes the states back
//! when nobody has changed those users since.
//!
//! Both end the login sessions of users disabled, moved to the trash or given
//! another role, audit one entry for the import (file SHA-256, counts) and one
//! per user (before → after), and refuse to leave the service without an
//! active admin or to take the acting admin out of the active admins.

use super::plan::{Effect, GroupRef, Planner, Target};
use super::read::Parsed;
use super::state::{self, Directory, GroupTree, Reach, UserState};
use super::store::{self, Record};
use super::{Applied, Caller, ImportError, ImportId, Row, Status, Undone};
use crate::csvfile::{self, Encoding};
use crate::{audit, groups, people, users};
use domain::{Email, GroupId, UserId};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::json;
use std::collections::{BTreeSet, HashMap};

/// Everything apply needs besides the database.
#[derive(Debug)]
pub struct Request {
    /// The stored preview.
    pub record: Record,
    /// Its file, read again.
    pub parsed: Parsed,
    /// One `(clear, hash)` one-time password per user the preview creates.
    pub secrets: Vec<(String, String)>,
    /// The caller confirmed a mass disable.
    pub confirm_mass_disable: bool,
    /// `catalog.import_max_disable_share`.
    pub max_disable_share: f64,
    /// Who applies (`None`: the command line).
    pub actor: Option<UserId>,
    /// Return the passwords' CSV instead of keeping it for one download.
    pub hand_over: bool,
    /// When.
    pub now: Timestamp,
}

/// Applies the previewed plan (see the module documentation).
pub fn apply(conn: &mut Connection, req: Request) -> Result<Applied, ImportError> {
    let tx = conn.transaction()?;
    let record = &req.record;
    let status = store::load(&tx, record.id)?
        .ok_or(ImportError::NotFound)?
        .status;
    if status != Status::Preview {
        return Err(ImportError::NotPreview(status));
    }
    let reach = Reach::load(&tx, record.scope())?;
    let dir = Directory::load(&tx)?;
    let plan = Planner {
        dir: &dir,
        reach: &reach,
        actor: record.created_by,
        mode: record.mode,
        max_disable_share: req.max_disable_share,
    }
    .plan(&req.parsed);
    if plan.digest() != record.plan_sha256 {
        let before = store::rows(&tx, record.id)?;
        let now: Vec<&Row> = plan.rows.iter().map(|p| &p.row).collect();
        return Err(ImportError::Stale(differing(&before, &now)));
    }
    if let Some(mass) = plan.mass_disable
        && mass.confirmation_required
        && !req.confirm_mass_disable
    {
        return Err(ImportError::MassDisable(mass));
    }
    if plan.summary.create != req.secrets.len() {
        return Err(ImportError::Stale(Vec::new()));
    }
    let guard = AdminGuard::before(&tx, req.actor)?;
    let via = via(req.actor);
    let mut writer = Writer {
        tx: &tx,
        import: record.id,
        actor: req.actor,
        now: req.now,
        tree: GroupTree::load(&tx)?,
    };
    let mut new_groups: HashMap<&str, GroupId> = HashMap::new();
    let mut created_groups = Vec::new();
    for path in &plan.new_groups {
        let id = writer.ensure_path(path, &mut created_groups)?;
        new_groups.insert(path.as_str(), id);
    }
    writer.tree = GroupTree::load(&tx)?;
    let resolve = |to: &Target| -> BTreeSet<GroupId> {
        to.groups
            .iter()
            .filter_map(|g| match g {
                GroupRef::Existing(id) => Some(*id),
                GroupRef::New(path) => new_groups.get(path.as_str()).copied(),
            })
            .collect()
    };
    let mut secrets = req.secrets.into_iter();
    let mut sheet: Vec<[String; 3]> = vec![[
        "メールアドレス".into(),
        "氏名".into(),
        "初期パスワード".into(),
    ]];
    for planned in &plan.rows {
        match &planned.effect {
            None => {}
            Some(Effect::Create { email, to }) => {
                let (clear, hash) = secrets.next().ok_or(ImportError::Stale(Vec::new()))?;
                let after = after_state(to, resolve(to));
                writer.create(email, &after, &hash)?;
                sheet.push([email.clone(), to.name.clone(), clear]);
            }
            Some(Effect::Change { id, email, to }) => {
                let before = dir
                    .users
                    .get(email)
                    .map(|k| k.state.clone())
                    .ok_or(ImportError::Stale(vec![email.clone()]))?;
                let after = after_state(to, resolve(to));
                let action = if after.deleted {
                    "user.trash"
                } else {
                    "user.update"
                };
                writer.change(*id, email, Some(&before), &after, action)?;
            }
        }
    }
    guard.check(&tx)?;
    let passwords = (sheet.len() > 1)
        .then(|| csvfile::encode(&sheet, Encoding::Utf8Bom))
        .transpose()
        .map_err(|e| ImportError::Corrupt(e.to_string()))?;
    drop(sheet);
    let mut passwords_url = None;
    let mut passwords_csv = None;
    if let Some(csv) = passwords {
        if req.hand_over {
            passwords_csv = Some(csv);
        } else {
            store::keep_passwords(&tx, record.id, &csv, req.now)?;
            passwords_url = Some(store::passwords_url(record.id));
        }
    }
    tx.execute(
        "UPDATE imports SET status = 'applied', applied_at = ?1, applied_by = ?2, file = NULL,
             created_groups = ?3
         WHERE id = ?4",
        params![
            req.now.to_string(),
            req.actor.map(UserId::get),
            serde_json::to_string(&created_groups)?,
            record.id.get()
        ],
    )?;
    audit::record(
        &tx,
        req.now,
        req.actor,
        "import.apply",
        &format!("import:{}", record.id),
        &json!({
            "file_sha256": record.file_sha256,
            "format": store::format_name(record.format),
            "mode": record.mode,
            "counts": plan.summary,
            "new_groups": plan.new_groups,
            "via": via,
        }),
    )?;
    tx.commit()?;
    Ok(Applied {
        id: record.id,
        status: Status::Applied,
        summary: plan.summary,
        new_groups: plan.new_groups,
        applied_at: req.now.to_string(),
        passwords_url,
        passwords_csv,
    })
}

/// Undoes an applied import (see the module documentation).
pub fn undo(
    conn: &mut Connection,
    caller: &Caller,
    id: ImportId,
    now: Timestamp,
) -> Result<Undone, ImportError> {
    let tx = conn.transaction()?;
    let record = store::visible(&tx, caller, id)?;
    if record.status != Status::Applied {
        return Err(ImportError::NotApplied(record.status));
    }
    let changes = {
        let mut stmt = tx.prepare(
            "SELECT user_id, email, before, after FROM import_changes WHERE import_id = ?1 ORDER BY rowid",
        )?;
        stmt.query_map([id.get()], |r| {
            Ok((
                UserId::new(r.get(0)?),
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?
    };
    let mut parsed = Vec::with_capacity(changes.len());
    let mut changed = Vec::new();
    for (user, email, before, after) in changes {
        let before: Option<UserState> = before.map(|b| serde_json::from_str(&b)).transpose()?;
        let after: UserState = serde_json::from_str(&after)?;
        if state::load_user(&tx, user)?.as_ref() != Some(&after) {
            changed.push(email.clone());
        }
        parsed.push((user, email, before, after));
    }
    if !changed.is_empty() {
        return Err(ImportError::ChangedSince(changed));
    }
    let guard = AdminGuard::before(&tx, caller.id)?;
    let writer = Writer {
        tx: &tx,
        import: id,
        actor: caller.id,
        now,
        tree: GroupTree::load(&tx)?,
    };
    let (mut restored, mut trashed) = (0, 0);
    for (user, email, before, after) in &parsed {
        match before {
            Some(before) => {
                let action = if after.deleted && !before.deleted {
                    "user.restore"
                } else {
                    "user.update"
                };
                writer.write(*user, email, Some(after), before, action)?;
                restored += 1;
            }
            None => {
                let mut gone = after.clone();
                gone.deleted = true;
                writer.write(*user, email, Some(after), &gone, "user.trash")?;
                trashed += 1;
            }
        }
    }
    let created: String = tx.query_row(
        "SELECT created_groups FROM imports WHERE id = ?1",
        [id.get()],
        |r| r.get(0),
    )?;
    let created: Vec<GroupId> = serde_json::from_str(&created)?;
    // Children were created after their parents: remove them first.
    for group in created.iter().rev() {
        writer.remove_group_if_unused(*group)?;
    }
    guard.check(&tx)?;
    tx.execute(
        "DELETE FROM import_passwords WHERE import_id = ?1",
        [id.get()],
    )?;
    tx.execute(
        "UPDATE imports SET status = 'undone', undone_at = ?1, undone_by = ?2 WHERE id = ?3",
        params![now.to_string(), caller.id.map(UserId::get), id.get()],
    )?;
    audit::record(
        &tx,
        now,
        caller.id,
        "import.undo",
        &format!("import:{id}"),
        &json!({"file_sha256": record.file_sha256, "restored": restored, "trashed": trashed, "via": via(caller.id)}),
    )?;
    tx.commit()?;
    Ok(Undone {
        id,
        status: Status::Undone,
        restored,
        trashed,
        undone_at: now.to_string(),
    })
}

fn via(actor: Option<UserId>) -> &'static str {
    if actor.is_some() { "api" } else { "cli" }
}

fn after_state(to: &Target, groups: BTreeSet<GroupId>) -> UserState {
    UserState {
        name: to.name.clone(),
        role: to.role,
        status: to.status.parse().unwrap_or(csvfile::Status::Active),
        remarks: to.remarks.clone(),
        groups,
        deleted: to.deleted,
    }
}

/// The e-mails of rows that differ between two plans of one file.
fn differing(before: &[Row], now: &[&Row]) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..before.len().max(now.len()) {
        let (a, b) = (before.get(i), now.get(i).copied());
        if a != b {
            let email = b.or(a).and_then(|r| r.email.clone());
            out.extend(email);
        }
    }
    out
}

/// Writes users within the transaction and records what it did.
struct Writer<'t> {
    tx: &'t Connection,
    import: ImportId,
    actor: Option<UserId>,
    now: Timestamp,
    tree: GroupTree,
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
    fn ensure_path(&self, path: &str, created: &mut Vec<GroupId>) -> rusqlite::Result<GroupId> {
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
    fn create(&self, email: &str, after: &UserState, hash: &str) -> Result<(), ImportError> {
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
        Ok(())
    }

    /// An existing user brought from `before` to `after`, recorded for undo.
    fn change(
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
    fn write(
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
    fn remove_group_if_unused(&self, group: GroupId) -> rusqlite::Result<()> {
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
struct AdminGuard {
    admins: i64,
    actor: Option<UserId>,
    actor_was_admin: bool,
}

impl AdminGuard {
    fn before(conn: &Connection, actor: Option<UserId>) -> rusqlite::Result<Self> {
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

    fn check(&self, conn: &Connection) -> Result<(), ImportError> {
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

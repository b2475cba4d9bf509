//! Undo, in one transaction: every user an applied import touched gets its
//! state from before the import back (fields, status, trash, groups); the
//! users it created go to the trash; the groups it created go if nothing else
//! uses them. Refused when any of those users changed since the import
//! (undo would overwrite that change) and after a first undo.

use super::state::{self, GroupTree, UserState};
use super::store;
use super::writer::{AdminGuard, Writer, via};
use super::{Caller, ImportError, ImportId, Status, Undone};
use crate::audit;
use domain::{GroupId, UserId};
use jiff::Timestamp;
use rusqlite::{Connection, params};
use serde_json::json;

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
        ended: std::cell::RefCell::default(),
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
    crate::invitations::withdraw(&tx, id, now)?;
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
    let ended_logins = writer.ended.take();
    tx.commit()?;
    Ok(Undone {
        id,
        status: Status::Undone,
        restored,
        trashed,
        undone_at: now.to_string(),
        ended_logins,
    })
}

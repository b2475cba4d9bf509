//! User groups: a tree (部 → 課 → 係), members, and the managers of each group.

use domain::{GroupId, UserId};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

/// The group `name` under `parent`, created if missing.
pub fn ensure(
    conn: &Connection,
    name: &str,
    parent: Option<GroupId>,
    now: Timestamp,
) -> rusqlite::Result<GroupId> {
    let existing = conn
        .query_row(
            "SELECT id FROM groups WHERE name = ?1 AND parent_id IS ?2",
            params![name, parent.map(GroupId::get)],
            |r| r.get::<_, i64>(0),
        )
        .optional()?;
    if let Some(id) = existing {
        return Ok(GroupId::new(id));
    }
    conn.execute(
        "INSERT INTO groups (name, parent_id, created_at) VALUES (?1, ?2, ?3)",
        params![name, parent.map(GroupId::get), now.to_string()],
    )?;
    Ok(GroupId::new(conn.last_insert_rowid()))
}

/// Makes `user` a member of `group` (no-op if already).
pub fn add_member(conn: &Connection, group: GroupId, user: UserId) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO group_members (group_id, user_id) VALUES (?1, ?2)",
        params![group.get(), user.get()],
    )?;
    Ok(())
}

/// Makes `user` a manager of `group` (and so of its sub-groups).
pub fn add_manager(conn: &Connection, group: GroupId, user: UserId) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO group_managers (group_id, user_id) VALUES (?1, ?2)",
        params![group.get(), user.get()],
    )?;
    Ok(())
}

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
    // A new id above those of the groups in the trash too (with their
    // sub-groups), so that restoring them finds their ids free and the
    // audit log's `group:N` keeps naming one group.
    conn.execute(
        "INSERT INTO groups (id, name, parent_id, created_at)
         SELECT COALESCE(MAX(id), 0) + 1, ?1, ?2, ?3 FROM (
             SELECT MAX(id) AS id FROM groups
             UNION ALL
             SELECT MAX(json_extract(g.value, '$[0]')) FROM trash t, json_each(t.snapshot, '$.groups') g
             WHERE t.kind = 'group')",
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

/// A group as the API shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Group {
    /// Row id.
    pub id: GroupId,
    /// Its own name (課).
    pub name: String,
    /// The group above it (部), if any.
    pub parent_id: Option<GroupId>,
    /// Names from the top down, e.g. `総務部/人事課`.
    pub path: String,
    /// Members (not in the trash).
    pub member_count: i64,
    /// E-mails of its managers.
    pub managers: Vec<String>,
    /// Assignments (必修研修) made to the group itself: while it is in the
    /// trash they reach nobody, which the trash's confirmation says.
    pub assignment_count: i64,
}

/// Every group with its path, ordered by path. `only` restricts to those ids.
pub fn list(conn: &Connection, only: Option<&[GroupId]>) -> rusqlite::Result<Vec<Group>> {
    let mut stmt = conn.prepare(
        "WITH RECURSIVE tree(id, name, parent_id, path) AS (
             SELECT id, name, parent_id, name FROM groups WHERE parent_id IS NULL
             UNION ALL
             SELECT g.id, g.name, g.parent_id, tree.path || '/' || g.name
             FROM groups g JOIN tree ON g.parent_id = tree.id)
         SELECT t.id, t.name, t.parent_id, t.path,
                (SELECT COUNT(*) FROM group_members m JOIN users u ON u.id = m.user_id
                 WHERE m.group_id = t.id AND u.deleted_at IS NULL),
                (SELECT group_concat(email, ' ') FROM (SELECT u.email FROM group_managers gm
                 JOIN users u ON u.id = gm.user_id WHERE gm.group_id = t.id AND u.deleted_at IS NULL
                 ORDER BY u.email)),
                (SELECT COUNT(DISTINCT x.assignment_id) FROM assignment_targets x
                 JOIN assignments a ON a.id = x.assignment_id JOIN courses c ON c.id = a.course_id
                 WHERE x.group_id = t.id AND c.deleted_at IS NULL)
         FROM tree t ORDER BY t.path",
    )?;
    let groups = stmt
        .query_map([], |r| {
            Ok(Group {
                id: GroupId::new(r.get(0)?),
                name: r.get(1)?,
                parent_id: r.get::<_, Option<i64>>(2)?.map(GroupId::new),
                path: r.get(3)?,
                member_count: r.get(4)?,
                managers: r
                    .get::<_, Option<String>>(5)?
                    .map(|s| s.split(' ').map(str::to_owned).collect())
                    .unwrap_or_default(),
                assignment_count: r.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(match only {
        Some(ids) => groups.into_iter().filter(|g| ids.contains(&g.id)).collect(),
        None => groups,
    })
}

/// The groups a manager manages with all their sub-groups, as the SQL table
/// `managed(id)` (binds `:manager`).
pub const MANAGED_GROUPS: &str = "WITH RECURSIVE managed(id) AS (
        SELECT group_id FROM group_managers WHERE user_id = :manager
        UNION SELECT g.id FROM groups g JOIN managed ON g.parent_id = managed.id)";

/// A recursive table `paths(id, path)` of every group's path
/// (総務部/人事課), for a `WITH RECURSIVE` clause.
pub const GROUP_PATHS: &str = "paths(id, path) AS (
        SELECT id, name FROM groups WHERE parent_id IS NULL
        UNION ALL SELECT g.id, paths.path || '/' || g.name FROM groups g JOIN paths ON g.parent_id = paths.id)";

/// The groups a manager manages and all their sub-groups.
pub fn managed_by(conn: &Connection, manager: UserId) -> rusqlite::Result<Vec<GroupId>> {
    let mut stmt = conn.prepare(&format!("{MANAGED_GROUPS} SELECT id FROM managed"))?;
    stmt.query_map(rusqlite::named_params! {":manager": manager.get()}, |r| {
        Ok(GroupId::new(r.get(0)?))
    })?
    .collect()
}

/// Takes `user` out of `group`.
pub fn remove_member(conn: &Connection, group: GroupId, user: UserId) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "DELETE FROM group_members WHERE group_id = ?1 AND user_id = ?2",
        params![group.get(), user.get()],
    )? > 0)
}

/// Whether a group exists.
pub fn exists(conn: &Connection, group: GroupId) -> rusqlite::Result<bool> {
    Ok(conn
        .query_row("SELECT 1 FROM groups WHERE id = ?1", [group.get()], |_| {
            Ok(())
        })
        .optional()?
        .is_some())
}

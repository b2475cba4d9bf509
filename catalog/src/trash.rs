//! The trash (ごみ箱): a deleted user, group, course or video waits here for
//! the retention period (`catalog.trash_retention_days`, default 90) and can
//! be restored with everything it had; then it is purged. An admin may purge
//! earlier by typing the item's name. Viewing records are never deleted:
//! purging a user erases its personal data (e-mail, name, remarks, password,
//! memberships) but keeps the row its history points at, and purging a video
//! deletes its media but keeps the row its viewing records point at.
//!
//! Users, courses and videos stay in their tables with `deleted_at` set and
//! every list leaves them out. A group leaves the tree — with its sub-groups,
//! members and managers — and is kept as a snapshot in the `trash` table,
//! which restore puts back under the same ids.

use crate::audit;
use domain::{CourseId, GroupId, UserId, VideoId};
use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

/// What the trash holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A user.
    User,
    /// A group with its sub-groups.
    Group,
    /// A course.
    Course,
    /// A video.
    Video,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Group => "group",
            Kind::Course => "course",
            Kind::Video => "video",
        }
    }
}

impl std::str::FromStr for Kind {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "user" | "users" => Ok(Kind::User),
            "group" | "groups" => Ok(Kind::Group),
            "course" | "courses" => Ok(Kind::Course),
            "video" | "videos" => Ok(Kind::Video),
            _ => Err(()),
        }
    }
}

/// Why a trash operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum TrashError {
    /// Not in the trash (or not there at all).
    #[error("ごみ箱に見つかりません (not in the trash)")]
    NotFound,
    /// The operation conflicts with the current state; the message says why.
    #[error("{0}")]
    Conflict(String),
    /// The typed confirmation is not the item's name.
    #[error("確認のため「{0}」と正確に入力してください (type the name to confirm)")]
    Confirmation(String),
    /// The database failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// A stored snapshot could not be read.
    #[error("snapshot: {0}")]
    Snapshot(#[from] serde_json::Error),
}

/// One item in the trash.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// What it is.
    pub kind: Kind,
    /// Its id (restore brings it back under the same id).
    pub id: i64,
    /// Its name: e-mail, group path or title (typed to purge early).
    pub label: String,
    /// When it was deleted.
    pub deleted_at: String,
    /// Who deleted it (absent: unknown, e.g. a CSV import).
    pub deleted_by: Option<i64>,
    /// When it will be purged.
    pub purge_after: String,
}

/// Everything in the trash, most recently deleted first.
pub fn list(conn: &Connection, retention: SignedDuration) -> rusqlite::Result<Vec<Item>> {
    let mut stmt = conn.prepare(
        "SELECT 'user', id, email, deleted_at, deleted_by FROM users
           WHERE deleted_at IS NOT NULL AND purged_at IS NULL
         UNION ALL SELECT 'group', object_id, label, deleted_at, deleted_by FROM trash
         UNION ALL SELECT 'course', id, title, deleted_at, deleted_by FROM courses
           WHERE deleted_at IS NOT NULL
         UNION ALL SELECT 'video', id, title, deleted_at, deleted_by FROM videos
           WHERE deleted_at IS NOT NULL AND purged_at IS NULL
         ORDER BY 4 DESC, 1, 2",
    )?;
    let rows = stmt.query_map([], |r| {
        let kind: String = r.get(0)?;
        let deleted_at: String = r.get(3)?;
        Ok(Item {
            kind: kind.parse().unwrap_or(Kind::User),
            id: r.get(1)?,
            label: r.get(2)?,
            purge_after: deleted_at
                .parse::<Timestamp>()
                .map(|t| (t + retention).to_string())
                .unwrap_or_default(),
            deleted_at,
            deleted_by: r.get(4)?,
        })
    })?;
    rows.collect()
}

/// The item `kind`/`id` if it is in the trash.
pub fn find(conn: &Connection, kind: Kind, id: i64) -> rusqlite::Result<Option<Item>> {
    // The trash is small; one listing serves every kind.
    Ok(list(conn, SignedDuration::ZERO)?
        .into_iter()
        .find(|i| i.kind == kind && i.id == id))
}

/// A group's rows as the trash keeps them.
#[derive(Debug, Serialize, Deserialize)]
struct GroupSnapshot {
    /// `(id, name, parent_id, created_at)`, parents before children.
    groups: Vec<(i64, String, Option<i64>, String)>,
    /// `(group_id, user_id)`.
    members: Vec<(i64, i64)>,
    /// `(group_id, user_id)`.
    managers: Vec<(i64, i64)>,
}

/// Moves group `id` with its sub-groups, members and managers to the trash.
pub fn trash_group(
    conn: &Connection,
    actor: UserId,
    id: GroupId,
    now: Timestamp,
) -> Result<(), TrashError> {
    let path = crate::groups::list(conn, Some(&[id]))?
        .pop()
        .ok_or(TrashError::NotFound)?
        .path;
    let mut stmt = conn.prepare(
        "WITH RECURSIVE sub(id, depth) AS (
             SELECT ?1, 0 UNION ALL SELECT g.id, sub.depth + 1 FROM groups g JOIN sub ON g.parent_id = sub.id)
         SELECT g.id, g.name, g.parent_id, g.created_at FROM sub JOIN groups g ON g.id = sub.id
         ORDER BY sub.depth, g.id",
    )?;
    let groups: Vec<(i64, String, Option<i64>, String)> = stmt
        .query_map([id.get()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    let pairs = |table: &str| -> rusqlite::Result<Vec<(i64, i64)>> {
        let mut out = Vec::new();
        let mut stmt = conn.prepare(&format!(
            "SELECT group_id, user_id FROM {table} WHERE group_id = ?1 ORDER BY user_id"
        ))?;
        for (g, ..) in &groups {
            out.extend(
                stmt.query_map([g], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<Vec<_>, _>>()?,
            );
        }
        Ok(out)
    };
    let snapshot = GroupSnapshot {
        members: pairs("group_members")?,
        managers: pairs("group_managers")?,
        groups,
    };
    for (g, ..) in snapshot.groups.iter().rev() {
        conn.execute("DELETE FROM group_members WHERE group_id = ?1", [g])?;
        conn.execute("DELETE FROM group_managers WHERE group_id = ?1", [g])?;
        conn.execute("DELETE FROM groups WHERE id = ?1", [g])?;
    }
    conn.execute(
        "INSERT INTO trash (kind, object_id, label, snapshot, deleted_at, deleted_by)
         VALUES ('group', ?1, ?2, ?3, ?4, ?5)",
        params![
            id.get(),
            path,
            serde_json::to_string(&snapshot)?,
            now.to_string(),
            actor.get()
        ],
    )?;
    audit::record(
        conn,
        now,
        Some(actor),
        "group.trash",
        &format!("group:{}", id.get()),
        &serde_json::json!({
            "path": path,
            "groups": snapshot.groups.len(),
            "members": snapshot.members.len(),
            "managers": snapshot.managers.len(),
        }),
    )?;
    Ok(())
}

fn restore_group(conn: &Connection, id: i64) -> Result<String, TrashError> {
    let (label, snapshot): (String, String) = conn
        .query_row(
            "SELECT label, snapshot FROM trash WHERE kind = 'group' AND object_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or(TrashError::NotFound)?;
    let snapshot: GroupSnapshot = serde_json::from_str(&snapshot)?;
    for (g, name, parent, created_at) in &snapshot.groups {
        if let Some(p) = parent
            && !crate::groups::exists(conn, GroupId::new(*p))?
        {
            return Err(TrashError::Conflict(format!(
                "上位のグループがありません。先に上位のグループを元に戻してください: {label} (the parent group is gone; restore it first)"
            )));
        }
        let taken: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM groups WHERE name = ?1 AND parent_id IS ?2)",
            params![name, parent],
            |r| r.get(0),
        )?;
        if taken {
            return Err(TrashError::Conflict(format!(
                "同じ名前のグループ「{name}」が同じ場所に作られています。名前を変えるか削除してから元に戻してください (a group with the same name exists)"
            )));
        }
        conn.execute(
            "INSERT INTO groups (id, name, parent_id, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![g, name, parent, created_at],
        )?;
    }
    for (g, u) in &snapshot.members {
        conn.execute(
            "INSERT OR IGNORE INTO group_members (group_id, user_id)
             SELECT ?1, id FROM users WHERE id = ?2 AND purged_at IS NULL",
            params![g, u],
        )?;
    }
    for (g, u) in &snapshot.managers {
        conn.execute(
            "INSERT OR IGNORE INTO group_managers (group_id, user_id)
             SELECT ?1, id FROM users WHERE id = ?2 AND purged_at IS NULL",
            params![g, u],
        )?;
    }
    conn.execute(
        "DELETE FROM trash WHERE kind = 'group' AND object_id = ?1",
        [id],
    )?;
    Ok(label)
}

/// Moves course `id` to the trash: learners no longer see it.
pub fn trash_course(
    conn: &Connection,
    actor: UserId,
    id: CourseId,
    now: Timestamp,
) -> Result<(), TrashError> {
    let title = live_title(conn, "courses", id.get())?;
    mark_deleted(conn, Kind::Course, id.get(), &title, actor, now)
}

/// Moves video `id` to the trash. Refused while a course (not in the trash)
/// has it as a lesson: the course would break.
pub fn trash_video(
    conn: &Connection,
    actor: UserId,
    id: VideoId,
    now: Timestamp,
) -> Result<(), TrashError> {
    let title = live_title(conn, "videos", id.get())?;
    let users = courses_using(conn, &[id.get()])?;
    if !users.is_empty() {
        return Err(TrashError::Conflict(format!(
            "この動画は講座で使われています。先に講座から外すか講座を削除してください: {} (the video is a lesson of these courses)",
            users.join("、")
        )));
    }
    mark_deleted(conn, Kind::Video, id.get(), &title, actor, now)
}

/// The title of row `id` of `table` (courses or videos) if it is not in the trash.
fn live_title(conn: &Connection, table: &'static str, id: i64) -> Result<String, TrashError> {
    conn.query_row(
        &format!("SELECT title FROM {table} WHERE id = ?1 AND deleted_at IS NULL"),
        [id],
        |r| r.get(0),
    )
    .optional()?
    .ok_or(TrashError::NotFound)
}

/// Sets `deleted_at` on a course or video and audits it.
fn mark_deleted(
    conn: &Connection,
    kind: Kind,
    id: i64,
    title: &str,
    actor: UserId,
    now: Timestamp,
) -> Result<(), TrashError> {
    let table = match kind {
        Kind::Course => "courses",
        Kind::Video => "videos",
        Kind::User | Kind::Group => return Err(TrashError::NotFound),
    };
    conn.execute(
        &format!("UPDATE {table} SET deleted_at = ?1, deleted_by = ?2 WHERE id = ?3"),
        params![now.to_string(), actor.get(), id],
    )?;
    audit::record(
        conn,
        now,
        Some(actor),
        &format!("{}.trash", kind.as_str()),
        &format!("{}:{id}", kind.as_str()),
        &serde_json::json!({"title": title}),
    )?;
    Ok(())
}

/// Titles of the courses (not in the trash) with a lesson playing one of `videos`.
fn courses_using(conn: &Connection, videos: &[i64]) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT k.title FROM lessons l JOIN courses k ON k.id = l.course_id
         WHERE l.video_id = ?1 AND k.deleted_at IS NULL ORDER BY k.title",
    )?;
    let mut titles = Vec::new();
    for v in videos {
        for t in stmt.query_map([v], |r| r.get::<_, String>(0))? {
            titles.push(format!("「{}」", t?));
        }
    }
    titles.dedup();
    Ok(titles)
}

/// Brings `kind`/`id` back from the trash with everything it had.
pub fn restore(
    conn: &mut Connection,
    actor: UserId,
    kind: Kind,
    id: i64,
    now: Timestamp,
) -> Result<(), TrashError> {
    let tx = conn.transaction()?;
    let label = match kind {
        Kind::Group => restore_group(&tx, id)?,
        Kind::User => {
            let actor = crate::people::Actor {
                id: actor,
                scope: crate::people::Scope::All,
                now,
            };
            crate::people::restore_in(&tx, &actor, UserId::new(id)).map_err(|e| match e {
                crate::people::PeopleError::Sqlite(e) => TrashError::Sqlite(e),
                _ => TrashError::NotFound,
            })?;
            // `restore_in` audits the user's return itself.
            tx.commit()?;
            return Ok(());
        }
        Kind::Course => {
            let title = find(&tx, kind, id)?.ok_or(TrashError::NotFound)?.label;
            let mut stmt = tx.prepare(
                "SELECT v.title FROM lessons l JOIN videos v ON v.id = l.video_id
                 WHERE l.course_id = ?1 AND v.deleted_at IS NOT NULL",
            )?;
            let gone: Vec<String> = stmt
                .query_map([id], |r| r.get::<_, String>(0))?
                .collect::<Result<_, _>>()?;
            drop(stmt);
            if !gone.is_empty() {
                return Err(TrashError::Conflict(format!(
                    "この講座の動画がごみ箱にあります。先に動画を元に戻してください: {} (restore the course's videos first)",
                    gone.join("、")
                )));
            }
            tx.execute(
                "UPDATE courses SET deleted_at = NULL, deleted_by = NULL, updated_at = ?1 WHERE id = ?2",
                params![now.to_string(), id],
            )?;
            title
        }
        Kind::Video => {
            let title = find(&tx, kind, id)?.ok_or(TrashError::NotFound)?.label;
            tx.execute(
                "UPDATE videos SET deleted_at = NULL, deleted_by = NULL, updated_at = ?1 WHERE id = ?2",
                params![now.to_string(), id],
            )?;
            title
        }
    };
    audit::record(
        &tx,
        now,
        Some(actor),
        &format!("{}.restore", kind.as_str()),
        &format!("{}:{id}", kind.as_str()),
        &serde_json::json!({"label": label}),
    )?;
    tx.commit()?;
    Ok(())
}

/// Purges `kind`/`id` from the trash for good. `confirm` is the item's name
/// as the admin typed it (`None`: the retention period is over). A video's
/// media must be deleted from the store first (`store::ObjectKey::video`).
pub fn purge(
    conn: &mut Connection,
    actor: Option<UserId>,
    kind: Kind,
    id: i64,
    confirm: Option<&str>,
    now: Timestamp,
) -> Result<(), TrashError> {
    let tx = conn.transaction()?;
    let item = find(&tx, kind, id)?.ok_or(TrashError::NotFound)?;
    if let Some(typed) = confirm
        && typed.trim() != item.label
    {
        return Err(TrashError::Confirmation(item.label));
    }
    match kind {
        Kind::User => {
            // Personal data goes; the row stays for the viewing records.
            tx.execute(
                "UPDATE users SET email = 'purged-' || id || '@invalid', name = '', remarks = '',
                        password_hash = NULL, must_change_password = 0, status = 'disabled',
                        purged_at = ?1, updated_at = ?1
                 WHERE id = ?2",
                params![now.to_string(), id],
            )?;
            tx.execute("DELETE FROM group_members WHERE user_id = ?1", [id])?;
            tx.execute("DELETE FROM group_managers WHERE user_id = ?1", [id])?;
            tx.execute("DELETE FROM login_sessions WHERE user_id = ?1", [id])?;
            tx.execute("DELETE FROM invitations WHERE user_id = ?1", [id])?;
        }
        Kind::Group => {
            tx.execute(
                "DELETE FROM trash WHERE kind = 'group' AND object_id = ?1",
                [id],
            )?;
        }
        Kind::Course => {
            tx.execute("DELETE FROM lessons WHERE course_id = ?1", [id])?;
            tx.execute("DELETE FROM courses WHERE id = ?1", [id])?;
        }
        Kind::Video => {
            tx.execute(
                "UPDATE videos SET purged_at = ?1, updated_at = ?1 WHERE id = ?2",
                params![now.to_string(), id],
            )?;
        }
    }
    audit::record(
        &tx,
        now,
        actor,
        &format!("{}.purge", kind.as_str()),
        &format!("{}:{id}", kind.as_str()),
        &serde_json::json!({
            "label": item.label,
            "reason": if confirm.is_some() { "confirmed" } else { "retention" },
        }),
    )?;
    tx.commit()?;
    Ok(())
}

/// Items whose retention period is over at `now`.
pub fn expired(
    conn: &Connection,
    retention: SignedDuration,
    now: Timestamp,
) -> rusqlite::Result<Vec<Item>> {
    Ok(list(conn, retention)?
        .into_iter()
        .filter(|i| i.purge_after.parse::<Timestamp>().is_ok_and(|t| t <= now))
        .collect())
}

/// Purges one item, deleting a video's media from the store first (so a
/// failed deletion leaves the item in the trash, to be tried again).
pub async fn purge_item(
    db: &crate::db::Db,
    store: &dyn store::Store,
    actor: Option<UserId>,
    kind: Kind,
    id: i64,
    confirm: Option<String>,
) -> Result<(), PurgeError> {
    if kind == Kind::Video {
        let item = db.call(move |c| Ok(find(c, kind, id)?)).await?;
        let item = item.ok_or(PurgeError::Trash(TrashError::NotFound))?;
        if let Some(typed) = &confirm
            && typed.trim() != item.label
        {
            return Err(PurgeError::Trash(TrashError::Confirmation(item.label)));
        }
        store
            .delete_prefix(&store::ObjectKey::video(VideoId::new(id)))
            .await?;
    }
    let now = Timestamp::now();
    db.call(move |c| Ok(purge(c, actor, kind, id, confirm.as_deref(), now)))
        .await??;
    Ok(())
}

/// Purging failed.
#[derive(Debug, thiserror::Error)]
pub enum PurgeError {
    /// Refused or failed in the database.
    #[error(transparent)]
    Trash(#[from] TrashError),
    /// The database task failed.
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    /// The media store could not delete the video's media.
    #[error("media store: {0}")]
    Store(#[from] store::StoreError),
}

/// Purges everything whose retention period is over; returns how many.
/// Run periodically by [`crate::Catalog`]'s housekeeping.
pub async fn purge_expired(
    db: &crate::db::Db,
    store: &dyn store::Store,
    retention: SignedDuration,
) -> Result<usize, PurgeError> {
    let now = Timestamp::now();
    let due = db.call(move |c| Ok(expired(c, retention, now)?)).await?;
    let mut purged = 0;
    for item in due {
        match purge_item(db, store, None, item.kind, item.id, None).await {
            Ok(()) => purged += 1,
            Err(e) => {
                tracing::warn!(kind = item.kind.as_str(), id = item.id, error = %e, "purging from the trash failed; will retry");
            }
        }
    }
    Ok(purged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use store::{LocalStore, ObjectKey, Store};

    /// A video that is a lesson of a course, its media in a real local store.
    async fn fixture() -> (tempfile::TempDir, Db, LocalStore, UserId, VideoId, CourseId) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("c.db"), &crate::keyfile::Key::generate()).unwrap();
        let store = LocalStore::open(dir.path().join("media")).unwrap();
        let (admin, video, course) = db
            .call(|c| {
                crate::courses::seed_categories(c)?;
                let now = Timestamp::now();
                c.execute(
                    "INSERT INTO users (email, role, created_at, updated_at) VALUES ('a@x.jp', 'admin', ?1, ?1)",
                    [now.to_string()],
                )?;
                let admin = UserId::new(c.last_insert_rowid());
                let video = crate::videos::create(c, "研修動画", 10, admin, now)?;
                c.execute(
                    "INSERT INTO courses (category_id, title, created_by, created_at, updated_at) VALUES (1, '研修', ?1, ?2, ?2)",
                    params![admin.get(), now.to_string()],
                )?;
                let course = CourseId::new(c.last_insert_rowid());
                c.execute(
                    "INSERT INTO lessons (course_id, position, title, video_id) VALUES (?1, 1, 'l', ?2)",
                    params![course.get(), video.get()],
                )?;
                Ok((admin, video, course))
            })
            .await
            .unwrap();
        let segment = ObjectKey::hls(video, "r1/360p/seg_00001.m4s").unwrap();
        store
            .put_bytes(&segment, bytes::Bytes::from_static(b"media"))
            .await
            .unwrap();
        (dir, db, store, admin, video, course)
    }

    #[tokio::test]
    async fn a_video_in_use_stays_and_expired_items_are_purged_with_their_media() {
        let (_dir, db, store, admin, video, course) = fixture().await;
        let refused = db
            .call(move |c| Ok(trash_video(c, admin, video, Timestamp::now())))
            .await
            .unwrap();
        assert!(
            matches!(&refused, Err(TrashError::Conflict(m)) if m.contains("「研修」")),
            "{refused:?}"
        );
        let deleted_at = Timestamp::now() - SignedDuration::from_hours(24 * 91);
        db.call(move |c| {
            trash_course(c, admin, course, deleted_at).unwrap();
            trash_video(c, admin, video, deleted_at).unwrap();
            // While in the trash, the course's video cannot be brought back alone
            // into a course, and the course not without its video.
            assert!(crate::videos::get(c, video)?.is_none());
            Ok(())
        })
        .await
        .unwrap();
        let restore_course = db
            .call(move |c| {
                Ok(restore(
                    c,
                    admin,
                    Kind::Course,
                    course.get(),
                    Timestamp::now(),
                ))
            })
            .await
            .unwrap();
        assert!(matches!(restore_course, Err(TrashError::Conflict(_))));

        // 90 days of retention: both are due; the media goes, the video row stays.
        let retention = SignedDuration::from_hours(24 * 90);
        let purged = purge_expired(&db, &store, retention).await.unwrap();
        assert_eq!(purged, 2);
        let segment = ObjectKey::hls(video, "r1/360p/seg_00001.m4s").unwrap();
        assert!(matches!(
            store.get(&segment, None).await,
            Err(store::StoreError::NotFound)
        ));
        let (videos, courses, purges): (i64, i64, i64) = db
            .call(|c| {
                Ok(c.query_row(
                    "SELECT (SELECT COUNT(*) FROM videos WHERE purged_at IS NOT NULL),
                            (SELECT COUNT(*) FROM courses),
                            (SELECT COUNT(*) FROM audit_log WHERE action LIKE '%.purge'
                               AND detail LIKE '%retention%')",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )?)
            })
            .await
            .unwrap();
        assert_eq!((videos, courses, purges), (1, 0, 2));
        assert!(
            db.call(move |c| Ok(list(c, retention)?))
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn a_new_group_never_takes_the_id_of_one_in_the_trash() {
        let (_dir, db, _store, admin, _video, _course) = fixture().await;
        let (ids, restored) = db
            .call(move |c| {
                let now = Timestamp::now();
                let hr = crate::groups::ensure(c, "総務部", None, now)?;
                let finance = crate::groups::ensure(c, "財政課", None, now)?;
                // The highest id is a sub-group of the group trashed.
                let staff = crate::groups::ensure(c, "人事課", Some(hr), now)?;
                trash_group(c, admin, hr, now).unwrap();
                let new = crate::groups::ensure(c, "別名", None, now)?;
                let restored = restore(c, admin, Kind::Group, hr.get(), now);
                Ok(([hr, finance, staff, new].map(GroupId::get), restored))
            })
            .await
            .unwrap();
        assert_eq!(ids, [1, 2, 3, 4]);
        assert!(restored.is_ok(), "{restored:?}");
    }

    #[tokio::test]
    async fn nothing_is_purged_before_its_retention_ends() {
        let (_dir, db, store, admin, _video, course) = fixture().await;
        db.call(move |c| {
            trash_course(c, admin, course, Timestamp::now()).unwrap();
            Ok(())
        })
        .await
        .unwrap();
        let retention = SignedDuration::from_hours(24 * 90);
        assert_eq!(purge_expired(&db, &store, retention).await.unwrap(), 0);
        let items = db.call(move |c| Ok(list(c, retention)?)).await.unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(
            (items[0].kind, items[0].label.as_str()),
            (Kind::Course, "研修")
        );
    }
}

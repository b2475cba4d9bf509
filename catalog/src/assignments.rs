//! Assignments (必修研修): a course assigned to groups (with their sub-groups)
//! and to single users, due on a day. An assignee has finished when every
//! lesson's video of the course is completed (coverage ≥ the threshold, see
//! [`crate::coverage`]); after the due day an unfinished assignee is overdue.
//!
//! Assignees are worked out when asked, from the current members of the
//! assigned groups: a new member of 人事課 gets 人事課's assignments.
//! Admins assign to anyone; a manager assigns only to the groups it manages
//! and their learners, and sees progress only for those.

use crate::audit;
use crate::people::Scope;
use domain::{CourseId, GroupId, UserId};
use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A new assignment as the API receives it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAssignment {
    /// The course (published).
    pub course_id: CourseId,
    /// The last day to finish it (service timezone).
    pub due_on: Date,
    /// Groups whose members (with sub-groups) must take it.
    #[serde(default)]
    pub group_ids: Vec<GroupId>,
    /// Single users who must take it.
    #[serde(default)]
    pub user_ids: Vec<UserId>,
    /// A note for the assignees (why, by when, whom to ask).
    #[serde(default)]
    pub note: String,
}

/// An assignment.
#[derive(Debug, Clone, Serialize)]
pub struct Assignment {
    /// Its id.
    pub id: i64,
    /// The course.
    pub course_id: i64,
    /// The course's title.
    pub course_title: String,
    /// The course's status: `draft` while taken back from publication, when
    /// its assignees cannot open it.
    pub course_status: String,
    /// The last day.
    pub due_on: String,
    /// The note.
    pub note: String,
    /// The groups assigned.
    pub group_ids: Vec<i64>,
    /// The users assigned one by one.
    pub user_ids: Vec<i64>,
    /// Who assigned it.
    pub created_by: Option<i64>,
    /// When.
    pub created_at: String,
}

/// Why an assignment was refused.
#[derive(Debug, thiserror::Error)]
pub enum AssignmentError {
    /// Bad input; the message says what.
    #[error("{0}")]
    Invalid(String),
    /// Not the caller's to assign or see.
    #[error("この操作を行う権限がありません (not allowed)")]
    Forbidden,
    /// No such assignment (or not visible).
    #[error("割り当てが見つかりません (assignment not found)")]
    NotFound,
    /// The database failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// Creates an assignment within the caller's scope.
pub fn create(
    conn: &mut Connection,
    actor: UserId,
    scope: Scope,
    new: &NewAssignment,
    now: Timestamp,
) -> Result<Assignment, AssignmentError> {
    if new.group_ids.is_empty() && new.user_ids.is_empty() {
        return Err(AssignmentError::Invalid(
            "割り当てる先のグループか利用者を選んでください (choose groups or users to assign to)"
                .into(),
        ));
    }
    if new.note.chars().count() > 1000 {
        return Err(AssignmentError::Invalid(
            "メモは1000文字以内にしてください (note too long)".into(),
        ));
    }
    if !(2000..=2099).contains(&new.due_on.year()) {
        return Err(AssignmentError::Invalid(format!(
            "期限は2000年から2099年までの日付にしてください: {} (due_on out of range)",
            new.due_on
        )));
    }
    // A target named twice is one target.
    let mut group_ids = new.group_ids.clone();
    let mut user_ids = new.user_ids.clone();
    group_ids.sort_unstable_by_key(|id| id.get());
    group_ids.dedup();
    user_ids.sort_unstable_by_key(|id| id.get());
    user_ids.dedup();
    let tx = conn.transaction()?;
    let published: Option<String> = tx
        .query_row(
            "SELECT title FROM courses WHERE id = ?1 AND status = 'published' AND deleted_at IS NULL",
            [new.course_id.get()],
            |r| r.get(0),
        )
        .optional()?;
    if published.is_none() {
        return Err(AssignmentError::Invalid(
            "公開中の講座を選んでください (the course must be published)".into(),
        ));
    }
    let managed = match scope {
        Scope::All => None,
        Scope::ManagedBy(m) => Some(crate::groups::managed_by(&tx, m)?),
    };
    for g in &group_ids {
        let ok = match &managed {
            None => crate::groups::exists(&tx, *g)?,
            Some(mine) => mine.contains(g),
        };
        if !ok {
            return Err(AssignmentError::Invalid(format!(
                "グループ {} には割り当てられません (unknown group or not yours)",
                g.get()
            )));
        }
    }
    for u in &user_ids {
        let ok = crate::users::get(&tx, *u)?.is_some() && crate::people::in_scope(&tx, scope, *u)?;
        if !ok {
            return Err(AssignmentError::Invalid(format!(
                "利用者 {} には割り当てられません (unknown user or not yours)",
                u.get()
            )));
        }
    }
    tx.execute(
        "INSERT INTO assignments (course_id, due_on, note, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![new.course_id.get(), new.due_on.to_string(), new.note, actor.get(), now.to_string()],
    )?;
    let id = tx.last_insert_rowid();
    for g in &group_ids {
        tx.execute(
            "INSERT INTO assignment_targets (assignment_id, group_id) VALUES (?1, ?2)",
            params![id, g.get()],
        )?;
    }
    for u in &user_ids {
        tx.execute(
            "INSERT INTO assignment_targets (assignment_id, user_id) VALUES (?1, ?2)",
            params![id, u.get()],
        )?;
    }
    audit::record(
        &tx,
        now,
        Some(actor),
        "assignment.create",
        &format!("assignment:{id}"),
        &serde_json::json!({
            "course_id": new.course_id, "due_on": new.due_on.to_string(),
            "group_ids": group_ids, "user_ids": user_ids,
        }),
    )?;
    let assignment = get(&tx, id)?.ok_or(AssignmentError::NotFound)?;
    tx.commit()?;
    Ok(assignment)
}

/// One assignment; none while its course is in the trash (it comes back
/// with the course).
pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<Assignment>> {
    let Some(mut a) = conn
        .query_row(
            "SELECT a.id, a.course_id, c.title, a.due_on, a.note, a.created_by, a.created_at, c.status
             FROM assignments a JOIN courses c ON c.id = a.course_id
             WHERE a.id = ?1 AND c.deleted_at IS NULL",
            [id],
            |r| {
                Ok(Assignment {
                    id: r.get(0)?,
                    course_id: r.get(1)?,
                    course_title: r.get(2)?,
                    course_status: r.get(7)?,
                    due_on: r.get(3)?,
                    note: r.get(4)?,
                    group_ids: Vec::new(),
                    user_ids: Vec::new(),
                    created_by: r.get(5)?,
                    created_at: r.get(6)?,
                })
            },
        )
        .optional()?
    else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT group_id, user_id FROM assignment_targets WHERE assignment_id = ?1 ORDER BY rowid",
    )?;
    let mut rows = stmt.query([id])?;
    while let Some(r) = rows.next()? {
        if let Some(g) = r.get::<_, Option<i64>>(0)? {
            a.group_ids.push(g);
        }
        if let Some(u) = r.get::<_, Option<i64>>(1)? {
            a.user_ids.push(u);
        }
    }
    Ok(Some(a))
}

/// Every assignment the scope may see, newest first: a manager sees those
/// that reach at least one of its learners or that it made.
pub fn list(conn: &Connection, scope: Scope) -> rusqlite::Result<Vec<Assignment>> {
    let mut stmt = conn.prepare(
        "SELECT a.id FROM assignments a JOIN courses c ON c.id = a.course_id
         WHERE c.deleted_at IS NULL ORDER BY a.id DESC",
    )?;
    let ids: Vec<i64> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for id in ids {
        let Some(a) = get(conn, id)? else { continue };
        let visible = match scope {
            Scope::All => true,
            Scope::ManagedBy(m) => {
                a.created_by == Some(m.get()) || !assignees(conn, id, scope)?.is_empty()
            }
        };
        if visible {
            out.push(seen_within(conn, a, scope)?);
        }
    }
    Ok(out)
}

/// `a` as `scope` may see it: to a manager, only the groups they manage
/// and the users they reach among its targets (an admin's assignment to
/// the whole ward does not list the other sections to them).
fn seen_within(conn: &Connection, mut a: Assignment, scope: Scope) -> rusqlite::Result<Assignment> {
    let Scope::ManagedBy(manager) = scope else {
        return Ok(a);
    };
    let managed = crate::groups::managed_by(conn, manager)?;
    a.group_ids.retain(|g| managed.contains(&GroupId::new(*g)));
    let mut users = Vec::with_capacity(a.user_ids.len());
    for user in a.user_ids {
        if crate::people::in_scope(conn, scope, UserId::new(user))? {
            users.push(user);
        }
    }
    a.user_ids = users;
    Ok(a)
}

/// The assignees of assignment `id` within `scope`: `(id, email, name)`,
/// active and not in the trash, by e-mail.
fn assignees(
    conn: &Connection,
    id: i64,
    scope: Scope,
) -> rusqlite::Result<Vec<(i64, String, String)>> {
    let mut stmt = conn.prepare_cached(
        "WITH RECURSIVE tree(id) AS (
             SELECT group_id FROM assignment_targets WHERE assignment_id = ?1 AND group_id IS NOT NULL
             UNION SELECT g.id FROM groups g JOIN tree t ON g.parent_id = t.id)
         SELECT u.id, u.email, u.name FROM users u
         WHERE u.deleted_at IS NULL AND u.status = 'active'
           AND (u.id IN (SELECT user_id FROM group_members WHERE group_id IN (SELECT id FROM tree))
                OR u.id IN (SELECT user_id FROM assignment_targets WHERE assignment_id = ?1))
         ORDER BY u.email",
    )?;
    let all: Vec<(i64, String, String)> = stmt
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    if scope == Scope::All {
        return Ok(all);
    }
    let mut mine = Vec::new();
    for user in all {
        if crate::people::in_scope(conn, scope, UserId::new(user.0))? {
            mine.push(user);
        }
    }
    Ok(mine)
}

/// Where an assignee stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every lesson completed.
    Completed,
    /// Started, not finished, not yet due.
    InProgress,
    /// Nothing played yet, not yet due.
    NotStarted,
    /// Past the due day and not finished.
    Overdue,
}

/// One assignee's progress.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    /// The user.
    pub user_id: i64,
    /// E-mail.
    pub email: String,
    /// Name.
    pub name: String,
    /// Lessons whose video is completed.
    pub completed_lessons: u32,
    /// Lessons of the course.
    pub lessons: u32,
    /// Where they stand.
    pub status: Status,
    /// When the last lesson was completed (finished assignees).
    pub completed_at: Option<String>,
}

/// An assignment with each assignee's progress, as of `today`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The assignment.
    #[serde(flatten)]
    pub assignment: Assignment,
    /// Assignees in the caller's scope.
    pub assignees: Vec<Progress>,
    /// Count per status.
    pub summary: BTreeMap<String, u32>,
}

/// Progress of everyone assignment `id` reaches within `scope`.
pub fn report(
    conn: &Connection,
    id: i64,
    scope: Scope,
    today: Date,
) -> Result<Report, AssignmentError> {
    let assignment = get(conn, id)?.ok_or(AssignmentError::NotFound)?;
    let people = assignees(conn, id, scope)?;
    if let Scope::ManagedBy(m) = scope
        && people.is_empty()
        && assignment.created_by != Some(m.get())
    {
        return Err(AssignmentError::NotFound);
    }
    let mut assignees = Vec::new();
    let mut summary = BTreeMap::new();
    for (user, email, name) in people {
        let p = progress(conn, &assignment, user, email, name, today)?;
        let key = serde_json::to_value(p.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        *summary.entry(key).or_insert(0) += 1;
        assignees.push(p);
    }
    Ok(Report {
        assignment: seen_within(conn, assignment, scope)?,
        assignees,
        summary,
    })
}

fn progress(
    conn: &Connection,
    assignment: &Assignment,
    user: i64,
    email: String,
    name: String,
    today: Date,
) -> rusqlite::Result<Progress> {
    let (lessons, done, started, last): (u32, u32, u32, Option<String>) = conn.query_row(
        "SELECT COUNT(DISTINCT l.video_id),
                COUNT(DISTINCT CASE WHEN p.completed_at IS NOT NULL THEN l.video_id END),
                COUNT(DISTINCT p.video_id),
                MAX(p.completed_at)
         FROM lessons l LEFT JOIN viewing_progress p ON p.video_id = l.video_id AND p.user_id = ?2
         WHERE l.course_id = ?1",
        params![assignment.course_id, user],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let finished = lessons > 0 && done == lessons;
    let due = assignment.due_on.parse::<Date>().ok();
    let status = if finished {
        Status::Completed
    } else if due.is_some_and(|d| today > d) {
        Status::Overdue
    } else if started > 0 {
        Status::InProgress
    } else {
        Status::NotStarted
    };
    Ok(Progress {
        user_id: user,
        email,
        name,
        completed_lessons: done,
        lessons,
        status,
        completed_at: finished.then_some(last).flatten(),
    })
}

/// A learner's own assignments with its progress, due soonest first: of
/// published courses only (one taken back to draft cannot be opened).
pub fn mine(
    conn: &Connection,
    user: UserId,
    today: Date,
) -> rusqlite::Result<Vec<(Assignment, Progress)>> {
    let mut out = Vec::new();
    let mut published =
        conn.prepare_cached("SELECT 1 FROM courses WHERE id = ?1 AND status = 'published'")?;
    for a in list(conn, Scope::All)? {
        if !published.exists([a.course_id])? {
            continue;
        }
        let people = assignees(conn, a.id, Scope::All)?;
        if let Some((id, email, name)) = people.into_iter().find(|p| p.0 == user.get()) {
            let p = progress(conn, &a, id, email, name, today)?;
            out.push((a, p));
        }
    }
    out.sort_by(|a, b| a.0.due_on.cmp(&b.0.due_on).then(a.0.id.cmp(&b.0.id)));
    Ok(out)
}

/// Deletes an assignment (its learning records stay: they belong to the
/// videos, not to the assignment). Admins, or the manager who made it.
pub fn delete(
    conn: &mut Connection,
    actor: UserId,
    scope: Scope,
    id: i64,
    now: Timestamp,
) -> Result<(), AssignmentError> {
    let tx = conn.transaction()?;
    let a = get(&tx, id)?.ok_or(AssignmentError::NotFound)?;
    if let Scope::ManagedBy(m) = scope
        && a.created_by != Some(m.get())
    {
        return Err(AssignmentError::Forbidden);
    }
    tx.execute(
        "DELETE FROM assignment_targets WHERE assignment_id = ?1",
        [id],
    )?;
    tx.execute("DELETE FROM assignments WHERE id = ?1", [id])?;
    audit::record(
        &tx,
        now,
        Some(actor),
        "assignment.delete",
        &format!("assignment:{id}"),
        &serde_json::json!({"before": a}),
    )?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    #[tokio::test]
    async fn a_manager_sees_only_their_own_targets_of_a_wider_assignment() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("c.db"), &crate::keyfile::Key::generate()).unwrap();
        let seen = |c: &mut Connection| -> Result<_, AssignmentError> {
            crate::courses::seed_categories(c)?;
            let at = "2026-04-01T00:00:00Z";
            c.execute_batch(&format!(
                    "INSERT INTO users (id, email, name, role, created_at, updated_at) VALUES
                     (1, 'admin@x.jp', '管理', 'admin', '{at}', '{at}'),
                     (2, 'boss@x.jp', '課長', 'manager', '{at}', '{at}'),
                     (3, 'mine@x.jp', '人事', 'learner', '{at}', '{at}'),
                     (4, 'other@x.jp', '財政', 'learner', '{at}', '{at}');
                     INSERT INTO groups (id, name, created_at) VALUES (1, '人事課', '{at}'), (2, '財政課', '{at}');
                     INSERT INTO group_managers (group_id, user_id) VALUES (1, 2);
                     INSERT INTO group_members (group_id, user_id) VALUES (1, 3), (2, 4);
                     INSERT INTO courses (id, category_id, title, status, created_by, created_at, updated_at)
                     VALUES (1, 1, '必修', 'published', 1, '{at}', '{at}');"
                ))?;
            let new = NewAssignment {
                course_id: CourseId::new(1),
                due_on: "2026-06-30".parse().unwrap(),
                group_ids: vec![GroupId::new(1), GroupId::new(2)],
                user_ids: vec![UserId::new(3), UserId::new(4)],
                note: String::new(),
            };
            let made = create(c, UserId::new(1), Scope::All, &new, at.parse().unwrap())?;
            let boss = Scope::ManagedBy(UserId::new(2));
            let listed = list(c, boss)?;
            let reported = report(c, made.id, boss, "2026-05-01".parse().unwrap())?;
            Ok((listed, reported.assignment))
        };
        let (listed, reported) = db.call(move |c| Ok(seen(c))).await.unwrap().unwrap();
        for seen in [&listed[0], &reported] {
            assert_eq!((&seen.group_ids, &seen.user_ids), (&vec![1], &vec![3]));
        }
    }

    #[tokio::test]
    async fn a_course_taken_back_or_in_the_trash_leaves_the_learners_list() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("c.db"), &crate::keyfile::Key::generate()).unwrap();
        let steps = |c: &mut Connection| -> Result<_, AssignmentError> {
            crate::courses::seed_categories(c)?;
            let at = "2026-04-01T00:00:00Z";
            c.execute_batch(&format!(
                "INSERT INTO users (id, email, name, role, created_at, updated_at) VALUES
                 (1, 'admin@x.jp', '管理', 'admin', '{at}', '{at}'),
                 (3, 'taro@x.jp', '太郎', 'learner', '{at}', '{at}');
                 INSERT INTO courses (id, category_id, title, status, created_by, created_at, updated_at)
                 VALUES (1, 1, '必修', 'published', 1, '{at}', '{at}');"
            ))?;
            let mut new = NewAssignment {
                course_id: CourseId::new(1),
                due_on: "1999-12-31".parse().unwrap(),
                group_ids: vec![],
                user_ids: vec![UserId::new(3), UserId::new(3)],
                note: String::new(),
            };
            let refused = create(c, UserId::new(1), Scope::All, &new, at.parse().unwrap());
            assert!(
                matches!(refused, Err(AssignmentError::Invalid(_))),
                "{refused:?}"
            );
            new.due_on = "2026-06-30".parse().unwrap();
            let made = create(c, UserId::new(1), Scope::All, &new, at.parse().unwrap())?;
            assert_eq!(made.user_ids, vec![3], "one target named twice");
            let today = "2026-07-01".parse().unwrap();
            let counts = |c: &Connection| -> Result<_, AssignmentError> {
                Ok((
                    mine(c, UserId::new(3), today)?.len(),
                    list(c, Scope::All)?.len(),
                    get(c, made.id)?.is_some(),
                ))
            };
            let published = counts(c)?;
            c.execute("UPDATE courses SET status = 'draft' WHERE id = 1", [])?;
            let draft = counts(c)?;
            c.execute("UPDATE courses SET deleted_at = ?1 WHERE id = 1", [at])?;
            let trashed = counts(c)?;
            Ok([published, draft, trashed])
        };
        let [published, draft, trashed] = db.call(move |c| Ok(steps(c))).await.unwrap().unwrap();
        assert_eq!(published, (1, 1, true));
        assert_eq!(
            draft,
            (0, 1, true),
            "the learner cannot open it; admins still see it"
        );
        assert_eq!(
            trashed,
            (0, 0, false),
            "gone with its course, until restored"
        );
    }
}

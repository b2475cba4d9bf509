//! The seven domains (分野), courses and their lessons.

use domain::{CategoryId, CourseId, UserId, VideoId};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

/// The seven domains of the RFP (表2): slug, Japanese name, English name.
pub const DOMAINS: [(&str, &str, &str); 7] = [
    ("job-level", "職層別", "By job level"),
    ("municipal-management", "自治体経営", "Municipal management"),
    ("law-policy", "法令・政策", "Law and policy"),
    ("duty", "行政職務別", "By administrative duty"),
    (
        "organisational-control",
        "組織統制",
        "Organisational control",
    ),
    (
        "organisation-development",
        "組織開発・職場活性化",
        "Organisation development",
    ),
    ("current-topics", "時流", "Current topics"),
];

/// Inserts the seven domains where missing.
pub fn seed_categories(conn: &Connection) -> rusqlite::Result<()> {
    for (position, (slug, name, name_en)) in DOMAINS.iter().enumerate() {
        conn.execute(
            "INSERT INTO categories (slug, name, name_en, position) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (slug) DO NOTHING",
            params![slug, name, name_en, position as i64],
        )?;
    }
    Ok(())
}

/// A domain with the number of courses the viewer can see in it.
#[derive(Debug, Serialize)]
pub struct Category {
    /// Row id.
    pub id: CategoryId,
    /// Stable English slug.
    pub slug: String,
    /// Japanese name.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// Visible courses.
    pub course_count: i64,
}

/// All domains in order; drafts are counted only when `include_drafts`.
pub fn categories(conn: &Connection, include_drafts: bool) -> rusqlite::Result<Vec<Category>> {
    let mut stmt = conn.prepare(
        "SELECT c.id, c.slug, c.name, c.name_en,
                (SELECT COUNT(*) FROM courses k WHERE k.category_id = c.id AND k.deleted_at IS NULL AND (?1 OR k.status = 'published'))
         FROM categories c ORDER BY c.position",
    )?;
    stmt.query_map([include_drafts], |r| {
        Ok(Category {
            id: CategoryId::new(r.get(0)?),
            slug: r.get(1)?,
            name: r.get(2)?,
            name_en: r.get(3)?,
            course_count: r.get(4)?,
        })
    })?
    .collect()
}

/// The id of the domain with this slug.
pub fn category_by_slug(conn: &Connection, slug: &str) -> rusqlite::Result<Option<CategoryId>> {
    conn.query_row("SELECT id FROM categories WHERE slug = ?1", [slug], |r| {
        Ok(CategoryId::new(r.get(0)?))
    })
    .optional()
}

/// A course in a list.
#[derive(Debug, Serialize)]
pub struct CourseSummary {
    /// Row id.
    pub id: CourseId,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Its domain.
    pub category_id: CategoryId,
    /// The domain's Japanese name.
    pub category_name: String,
    /// `draft` or `published`.
    pub status: String,
    /// Number of lessons.
    pub lesson_count: i64,
    /// When it was published.
    pub published_at: Option<String>,
}

/// A lesson of a course.
#[derive(Debug, Serialize)]
pub struct Lesson {
    /// Row id.
    pub id: i64,
    /// 1-based order in the course.
    pub position: i64,
    /// Title.
    pub title: String,
    /// The video it plays.
    pub video_id: VideoId,
    /// The video's duration, once processed.
    pub duration_s: Option<f64>,
    /// The reader's own progress in it (filled by `history::fill_course`).
    pub progress: Option<crate::history::Progress>,
}

/// A course with its lessons.
#[derive(Debug, Serialize)]
pub struct Course {
    /// The summary fields.
    #[serde(flatten)]
    pub summary: CourseSummary,
    /// Lessons in order.
    pub lessons: Vec<Lesson>,
    /// Assignments (必修研修) of the course: taking it back to draft hides
    /// it from their assignees, so the editor is told first.
    pub assignment_count: i64,
}

/// Filters of the course list.
#[derive(Debug, Default)]
pub struct CourseFilter {
    /// Domain slug or id.
    pub category: Option<String>,
    /// Words in title or description.
    pub q: Option<String>,
}

const SUMMARY_SELECT: &str = "SELECT k.id, k.title, k.description, k.category_id, c.name, k.status,
        (SELECT COUNT(*) FROM lessons l WHERE l.course_id = k.id), k.published_at
     FROM courses k JOIN categories c ON c.id = k.category_id";

fn summary(r: &rusqlite::Row<'_>) -> rusqlite::Result<CourseSummary> {
    Ok(CourseSummary {
        id: CourseId::new(r.get(0)?),
        title: r.get(1)?,
        description: r.get(2)?,
        category_id: CategoryId::new(r.get(3)?),
        category_name: r.get(4)?,
        status: r.get(5)?,
        lesson_count: r.get(6)?,
        published_at: r.get(7)?,
    })
}

/// Courses matching `filter`, newest first; drafts only when `include_drafts`.
pub fn list(
    conn: &Connection,
    filter: &CourseFilter,
    include_drafts: bool,
) -> rusqlite::Result<Vec<CourseSummary>> {
    let category = filter.category.as_deref().filter(|s| !s.is_empty());
    let q = filter
        .q
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|q| format!("%{}%", escape_like(q)));
    let sql = format!(
        "{SUMMARY_SELECT} WHERE k.deleted_at IS NULL AND (?1 OR k.status = 'published')
           AND (?2 IS NULL OR c.slug = ?2 OR CAST(c.id AS TEXT) = ?2)
           AND (?3 IS NULL OR k.title LIKE ?3 ESCAPE '\\' OR k.description LIKE ?3 ESCAPE '\\')
         ORDER BY c.position, k.id DESC"
    );
    let mut stmt = conn.prepare(&sql)?;
    stmt.query_map(params![include_drafts, category, q], summary)?
        .collect()
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// One course with lessons; drafts only when `include_drafts`.
pub fn get(
    conn: &Connection,
    id: CourseId,
    include_drafts: bool,
) -> rusqlite::Result<Option<Course>> {
    let sql = format!(
        "{SUMMARY_SELECT} WHERE k.id = ?1 AND k.deleted_at IS NULL AND (?2 OR k.status = 'published')"
    );
    let Some(summary) = conn
        .query_row(&sql, params![id.get(), include_drafts], summary)
        .optional()?
    else {
        return Ok(None);
    };
    let mut stmt = conn.prepare(
        "SELECT l.id, l.position, l.title, l.video_id, v.duration_s
         FROM lessons l JOIN videos v ON v.id = l.video_id WHERE l.course_id = ?1 ORDER BY l.position",
    )?;
    let lessons = stmt
        .query_map([id.get()], |r| {
            Ok(Lesson {
                id: r.get(0)?,
                position: r.get(1)?,
                title: r.get(2)?,
                video_id: VideoId::new(r.get(3)?),
                duration_s: r.get(4)?,
                progress: None,
            })
        })?
        .collect::<Result<_, _>>()?;
    let assignment_count = conn.query_row(
        "SELECT COUNT(*) FROM assignments WHERE course_id = ?1",
        [id.get()],
        |r| r.get(0),
    )?;
    Ok(Some(Course {
        summary,
        lessons,
        assignment_count,
    }))
}

/// A lesson as an editor sends it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonInput {
    /// Title.
    pub title: String,
    /// The video to play.
    pub video_id: VideoId,
}

/// Authoring a course failed.
#[derive(Debug, thiserror::Error)]
pub enum CourseError {
    /// The category does not exist.
    #[error("分野が存在しません (unknown category)")]
    UnknownCategory,
    /// A lesson names a video that does not exist.
    #[error("レッスンの動画 {0} が存在しません (unknown video)")]
    UnknownVideo(VideoId),
    /// A title is empty or too long.
    #[error("タイトルは1〜200文字で入力してください (title must be 1 to 200 characters)")]
    BadTitle,
    /// Publishing a course without lessons.
    #[error(
        "レッスンがありません。レッスンを追加してから公開してください (the course has no lessons)"
    )]
    NoLessons,
    /// Publishing a course a lesson of which has a video that failed.
    #[error(
        "変換に失敗した動画のレッスンがあります。そのレッスンを削除するか動画を替えてから公開してください (a lesson's video failed)"
    )]
    Failed,
    /// Publishing a course whose videos are still being processed.
    #[error(
        "すべてのレッスンの動画の処理が完了してから公開してください (every lesson's video must be ready)"
    )]
    NotReady,
    /// No such course.
    #[error("講座が見つかりません (course not found)")]
    NotFound,
    /// The database failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

fn check_title(t: &str) -> Result<(), CourseError> {
    let n = t.trim().chars().count();
    if (1..=200).contains(&n) {
        Ok(())
    } else {
        Err(CourseError::BadTitle)
    }
}

/// Creates a draft course.
pub fn create(
    conn: &mut Connection,
    category: CategoryId,
    title: &str,
    description: &str,
    lessons: &[LessonInput],
    by: UserId,
    now: Timestamp,
) -> Result<CourseId, CourseError> {
    check_title(title)?;
    let tx = conn.transaction()?;
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM categories WHERE id = ?1)",
        [category.get()],
        |r| r.get(0),
    )?;
    if !exists {
        return Err(CourseError::UnknownCategory);
    }
    tx.execute(
        "INSERT INTO courses (category_id, title, description, created_by, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![category.get(), title.trim(), description, by.get(), now.to_string()],
    )?;
    let id = CourseId::new(tx.last_insert_rowid());
    replace_lessons(&tx, id, lessons)?;
    tx.commit()?;
    Ok(id)
}

/// Changes to a course; absent fields stay as they are.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoursePatch {
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New domain.
    pub category_id: Option<CategoryId>,
    /// The new lesson list (replaces the old one).
    pub lessons: Option<Vec<LessonInput>>,
}

/// Applies `patch` to a course.
pub fn update(
    conn: &mut Connection,
    id: CourseId,
    patch: &CoursePatch,
    now: Timestamp,
) -> Result<(), CourseError> {
    let tx = conn.transaction()?;
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM courses WHERE id = ?1 AND deleted_at IS NULL)",
        [id.get()],
        |r| r.get(0),
    )?;
    if !exists {
        return Err(CourseError::NotFound);
    }
    if let Some(t) = &patch.title {
        check_title(t)?;
        tx.execute(
            "UPDATE courses SET title = ?1 WHERE id = ?2",
            params![t.trim(), id.get()],
        )?;
    }
    if let Some(d) = &patch.description {
        tx.execute(
            "UPDATE courses SET description = ?1 WHERE id = ?2",
            params![d, id.get()],
        )?;
    }
    if let Some(c) = patch.category_id {
        let ok: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM categories WHERE id = ?1)",
            [c.get()],
            |r| r.get(0),
        )?;
        if !ok {
            return Err(CourseError::UnknownCategory);
        }
        tx.execute(
            "UPDATE courses SET category_id = ?1 WHERE id = ?2",
            params![c.get(), id.get()],
        )?;
    }
    if let Some(lessons) = &patch.lessons {
        replace_lessons(&tx, id, lessons)?;
    }
    tx.execute(
        "UPDATE courses SET updated_at = ?1 WHERE id = ?2",
        params![now.to_string(), id.get()],
    )?;
    tx.commit()?;
    Ok(())
}

fn replace_lessons(
    tx: &Connection,
    id: CourseId,
    lessons: &[LessonInput],
) -> Result<(), CourseError> {
    tx.execute("DELETE FROM lessons WHERE course_id = ?1", [id.get()])?;
    for (i, l) in lessons.iter().enumerate() {
        check_title(&l.title)?;
        let ok: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM videos WHERE id = ?1 AND deleted_at IS NULL)",
            [l.video_id.get()],
            |r| r.get(0),
        )?;
        if !ok {
            return Err(CourseError::UnknownVideo(l.video_id));
        }
        tx.execute(
            "INSERT INTO lessons (course_id, position, title, video_id) VALUES (?1, ?2, ?3, ?4)",
            params![id.get(), i as i64 + 1, l.title.trim(), l.video_id.get()],
        )?;
    }
    Ok(())
}

/// Publishes a course whose lessons' videos are all ready.
pub fn publish(conn: &Connection, id: CourseId, now: Timestamp) -> Result<(), CourseError> {
    let (exists, lessons, failed, not_ready): (bool, i64, i64, i64) = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM courses WHERE id = ?1 AND deleted_at IS NULL),
                COUNT(l.id), COALESCE(SUM(v.status = 'failed'), 0), COALESCE(SUM(v.status <> 'ready'), 0)
         FROM lessons l JOIN videos v ON v.id = l.video_id WHERE l.course_id = ?1",
        [id.get()],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    if !exists {
        return Err(CourseError::NotFound);
    }
    if lessons == 0 {
        return Err(CourseError::NoLessons);
    }
    if failed > 0 {
        return Err(CourseError::Failed);
    }
    if not_ready > 0 {
        return Err(CourseError::NotReady);
    }
    conn.execute(
        "UPDATE courses SET status = 'published', published_at = COALESCE(published_at, ?1), updated_at = ?1 WHERE id = ?2",
        params![now.to_string(), id.get()],
    )?;
    Ok(())
}

/// Takes a course back to draft: learners no longer see it or play its
/// videos; their records stay. Publishing it again keeps its first
/// `published_at`.
pub fn unpublish(conn: &Connection, id: CourseId, now: Timestamp) -> Result<(), CourseError> {
    let changed = conn.execute(
        "UPDATE courses SET status = 'draft', updated_at = ?1 WHERE id = ?2 AND deleted_at IS NULL",
        params![now.to_string(), id.get()],
    )?;
    if changed == 0 {
        return Err(CourseError::NotFound);
    }
    Ok(())
}

/// The id of a course with this title in this domain (the demo's idempotence).
pub fn id_by_title(
    conn: &Connection,
    category: CategoryId,
    title: &str,
) -> rusqlite::Result<Option<CourseId>> {
    conn.query_row(
        "SELECT id FROM courses WHERE category_id = ?1 AND title = ?2",
        params![category.get(), title],
        |r| Ok(CourseId::new(r.get(0)?)),
    )
    .optional()
}

/// Whether a learner may watch `video`: it is a lesson of a published course.
pub fn video_is_published(conn: &Connection, video: VideoId) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM lessons l JOIN courses k ON k.id = l.course_id WHERE l.video_id = ?1 AND k.status = 'published' AND k.deleted_at IS NULL)",
        [video.get()],
        |r| r.get(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    #[tokio::test]
    async fn publishing_says_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("c.db"), &crate::keyfile::Key::generate()).unwrap();
        let refusals = db
            .call(|c| {
                crate::courses::seed_categories(c)?;
                c.execute_batch(
                    "INSERT INTO users (id, email, name, role, created_at, updated_at)
                       VALUES (1, 'e@x.jp', '編集', 'editor', 't', 't');
                     INSERT INTO courses (id, category_id, title, status, created_by, created_at, updated_at)
                       VALUES (1, 1, '研修', 'draft', 1, 't', 't');
                     INSERT INTO videos (id, title, uploaded_by, size_bytes, status, created_at, updated_at)
                       VALUES (1, 'a', 1, 1, 'processing', 't', 't'), (2, 'b', 1, 1, 'failed', 't', 't');",
                )?;
                let course = CourseId::new(1);
                let now = Timestamp::now();
                let mut refusals = vec![publish(c, course, now).unwrap_err()];
                c.execute_batch("INSERT INTO lessons (course_id, position, title, video_id) VALUES (1, 1, 'l1', 1)")?;
                refusals.push(publish(c, course, now).unwrap_err());
                c.execute_batch("INSERT INTO lessons (course_id, position, title, video_id) VALUES (1, 2, 'l2', 2)")?;
                refusals.push(publish(c, course, now).unwrap_err());
                c.execute_batch("UPDATE videos SET status = 'ready'")?;
                publish(c, course, now).unwrap();
                Ok(refusals)
            })
            .await
            .unwrap();
        assert!(matches!(
            refusals[..],
            [
                CourseError::NoLessons,
                CourseError::NotReady,
                CourseError::Failed
            ]
        ));
    }
}

//! A learner's own record: what they watched, how much of it, and where each
//! video would resume — for the home page's 続きから見る, the 視聴履歴 page and
//! the progress shown beside each lesson of a course.

use crate::courses::Course;
use crate::coverage;
use crate::playback::resume_from;
use domain::{UserId, VideoId};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// One user's progress in one video.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    /// Share of the video's seconds played at least once (0..1).
    pub coverage: f64,
    /// Coverage reached the completion threshold.
    pub completed: bool,
    /// Where playing it again starts (0 near the end).
    pub position_s: f64,
    /// When it was last played (RFC 3339).
    pub last_viewed_at: String,
}

/// A video the user watched, with the course lesson that shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    /// The video.
    pub video_id: VideoId,
    /// The published course it is a lesson of (the first, if several).
    pub course_id: i64,
    /// That course's title.
    pub course_title: String,
    /// The lesson.
    pub lesson_id: i64,
    /// The lesson's title.
    pub lesson_title: String,
    /// The video's length.
    pub duration_s: Option<f64>,
    /// Viewing time credited to the user for this video, whole seconds.
    pub seconds: i64,
    /// Coverage, completion, resume position, last viewed.
    #[serde(flatten)]
    pub progress: Progress,
}

/// Which part of the history to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Started, not completed.
    InProgress,
    /// Completed.
    Completed,
}

/// Columns of [`Progress`] for `viewing_progress p` joined to `videos v`;
/// the position is the latest heartbeat's, as in [`crate::playback::start`].
const PROGRESS_COLUMNS: &str = "p.covered, p.length_s, p.completed_at IS NOT NULL, p.last_viewed_at,
        (SELECT s.position_s FROM playback_sessions s WHERE s.user_id = p.user_id AND s.video_id = p.video_id
         ORDER BY julianday(s.last_heartbeat_at) DESC, s.rowid DESC LIMIT 1),
        v.duration_s";

/// Reads the columns of [`PROGRESS_COLUMNS`] starting at `at`.
fn progress(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Progress> {
    let covered: i64 = r.get(at)?;
    let length: i64 = r.get(at + 1)?;
    let position: Option<f64> = r.get(at + 4)?;
    Ok(Progress {
        coverage: coverage::share(covered.max(0) as usize, length.max(0) as usize),
        completed: r.get(at + 2)?,
        last_viewed_at: r.get(at + 3)?,
        position_s: resume_from(position, r.get(at + 5)?),
    })
}

/// The user's progress in one video, if they ever played it.
pub fn of_video(
    conn: &Connection,
    user: UserId,
    video: VideoId,
) -> rusqlite::Result<Option<Progress>> {
    conn.query_row(
        &format!(
            "SELECT {PROGRESS_COLUMNS} FROM viewing_progress p JOIN videos v ON v.id = p.video_id
             WHERE p.user_id = ?1 AND p.video_id = ?2"
        ),
        params![user.get(), video.get()],
        |r| progress(r, 0),
    )
    .optional()
}

/// Fills in the user's progress beside each lesson of `course`.
pub fn fill_course(conn: &Connection, user: UserId, course: &mut Course) -> rusqlite::Result<()> {
    for lesson in &mut course.lessons {
        lesson.progress = of_video(conn, user, lesson.video_id)?;
    }
    Ok(())
}

/// One page of the videos the user watched that are lessons of published
/// courses, most recently viewed first, and how many there are in all.
pub fn mine(
    conn: &Connection,
    user: UserId,
    status: Option<Status>,
    page: u32,
    per_page: u32,
) -> rusqlite::Result<(Vec<Item>, u64)> {
    let completed = status.map(|s| s == Status::Completed);
    // The first lesson, in a published course, that plays each video.
    let from = "FROM viewing_progress p
        JOIN videos v ON v.id = p.video_id AND v.deleted_at IS NULL
        JOIN lessons l ON l.id = (
            SELECT l2.id FROM lessons l2 JOIN courses k2 ON k2.id = l2.course_id
            WHERE l2.video_id = p.video_id AND k2.status = 'published' AND k2.deleted_at IS NULL
            ORDER BY l2.course_id, l2.position LIMIT 1)
        JOIN courses k ON k.id = l.course_id
        WHERE p.user_id = ?1 AND (?2 IS NULL OR ?2 = (p.completed_at IS NOT NULL))";
    let total: u64 = conn.query_row(
        &format!("SELECT COUNT(*) {from}"),
        params![user.get(), completed],
        |r| r.get(0),
    )?;
    let sql = format!(
        "SELECT p.video_id, k.id, k.title, l.id, l.title, v.duration_s,
                (SELECT COALESCE(SUM(d.credited_ms), 0) FROM viewing_daily d
                 WHERE d.user_id = p.user_id AND d.video_id = p.video_id),
                {PROGRESS_COLUMNS}
         {from}
         ORDER BY p.last_viewed_at DESC, p.video_id DESC LIMIT ?3 OFFSET ?4"
    );
    let offset = u64::from(page.saturating_sub(1)) * u64::from(per_page);
    let mut stmt = conn.prepare(&sql)?;
    let items = stmt
        .query_map(
            params![user.get(), completed, per_page, offset as i64],
            |r| {
                let credited_ms: i64 = r.get(6)?;
                Ok(Item {
                    video_id: VideoId::new(r.get(0)?),
                    course_id: r.get(1)?,
                    course_title: r.get(2)?,
                    lesson_id: r.get(3)?,
                    lesson_title: r.get(4)?,
                    duration_s: r.get(5)?,
                    seconds: crate::reports::whole_seconds(credited_ms),
                    progress: progress(r, 7)?,
                })
            },
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok((items, total))
}

//! Uploaded videos and their processing state; the transcode job queue is the
//! `videos` table itself (status `queued` → `processing` → `ready`/`failed`).

use domain::{UserId, VideoId};
use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// How often a job is tried before it fails for good (host failures only;
/// an unusable input fails at once).
pub const MAX_ATTEMPTS: i64 = 3;

/// A claimed job whose worker has not reported for this long is taken again.
pub const STALE_CLAIM: SignedDuration = SignedDuration::from_secs(300);

/// A video's state as editors see it.
#[derive(Debug, Clone, Serialize)]
pub struct Video {
    /// Row id.
    pub id: VideoId,
    /// Title (the upload's file name unless changed).
    pub title: String,
    /// `queued`, `processing`, `ready` or `failed`.
    pub status: String,
    /// 0..1 while processing.
    pub progress: f64,
    /// Duration once probed.
    pub duration_s: Option<f64>,
    /// The renditions of the ladder, as the transcoder reported them.
    pub renditions: serde_json::Value,
    /// Why processing failed (Japanese and English).
    pub error: Option<String>,
    /// Upload size.
    pub size_bytes: i64,
    /// Uploaded.
    pub created_at: String,
    /// Last state change.
    pub updated_at: String,
}

/// Records an upload whose bytes are on their way into the store; it is not a
/// job until [`queue`] is called (shown as `queued` meanwhile).
pub fn create(
    conn: &Connection,
    title: &str,
    size_bytes: u64,
    by: UserId,
    now: Timestamp,
) -> rusqlite::Result<VideoId> {
    conn.execute(
        "INSERT INTO videos (title, uploaded_by, size_bytes, status, created_at, updated_at) VALUES (?1, ?2, ?3, 'uploading', ?4, ?4)",
        params![title, by.get(), i64::try_from(size_bytes).unwrap_or(i64::MAX), now.to_string()],
    )?;
    Ok(VideoId::new(conn.last_insert_rowid()))
}

/// Makes a stored upload a transcode job.
pub fn queue(conn: &Connection, id: VideoId, now: Timestamp) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE videos SET status = 'queued', updated_at = ?1 WHERE id = ?2 AND status = 'uploading'",
        params![now.to_string(), id.get()],
    )?;
    Ok(())
}

/// One video.
pub fn get(conn: &Connection, id: VideoId) -> rusqlite::Result<Option<Video>> {
    conn.query_row(
        "SELECT id, title, status, progress, duration_s, renditions, error, size_bytes, created_at, updated_at FROM videos WHERE id = ?1",
        [id.get()],
        |r| {
            let renditions: String = r.get(5)?;
            Ok(Video {
                id: VideoId::new(r.get(0)?),
                title: r.get(1)?,
                // The short moment between row and stored bytes is shown as queued.
                status: r.get::<_, String>(2).map(|s| if s == "uploading" { "queued".into() } else { s })?,
                progress: r.get(3)?,
                duration_s: r.get(4)?,
                renditions: serde_json::from_str(&renditions).unwrap_or_default(),
                error: r.get(6)?,
                size_bytes: r.get(7)?,
                created_at: r.get(8)?,
                updated_at: r.get(9)?,
            })
        },
    )
    .optional()
}

/// Claims the oldest queued job, or one whose worker went silent.
pub fn claim_next(conn: &Connection, now: Timestamp) -> rusqlite::Result<Option<VideoId>> {
    let stale = (now - STALE_CLAIM).to_string();
    conn.query_row(
        "UPDATE videos SET status = 'processing', progress = 0, attempts = attempts + 1, claimed_at = ?1, updated_at = ?1
         WHERE id = (SELECT id FROM videos
                     WHERE status = 'queued' OR (status = 'processing' AND claimed_at < ?2)
                     ORDER BY id LIMIT 1)
         RETURNING id",
        params![now.to_string(), stale],
        |r| Ok(VideoId::new(r.get(0)?)),
    )
    .optional()
}

/// Records progress (and keeps the claim fresh).
pub fn set_progress(
    conn: &Connection,
    id: VideoId,
    progress: f64,
    now: Timestamp,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE videos SET progress = ?1, claimed_at = ?2, updated_at = ?2 WHERE id = ?3 AND status = 'processing'",
        params![progress.clamp(0.0, 1.0), now.to_string(), id.get()],
    )?;
    Ok(())
}

/// How a job ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Packaged and published.
    Ready {
        /// Duration in seconds.
        duration_s: f64,
        /// JSON array of renditions.
        renditions: serde_json::Value,
    },
    /// The input cannot be used; the editor must upload something else.
    Unusable(String),
    /// The host or FFmpeg failed; try again unless attempts are used up.
    Retry(String),
}

/// Records the end of a job.
pub fn finish(
    conn: &Connection,
    id: VideoId,
    outcome: &Outcome,
    now: Timestamp,
) -> rusqlite::Result<()> {
    let now = now.to_string();
    match outcome {
        Outcome::Ready { duration_s, renditions } => conn.execute(
            "UPDATE videos SET status = 'ready', progress = 1, duration_s = ?1, renditions = ?2, error = NULL, updated_at = ?3 WHERE id = ?4",
            params![duration_s, renditions.to_string(), now, id.get()],
        )?,
        Outcome::Unusable(reason) => conn.execute(
            "UPDATE videos SET status = 'failed', error = ?1, updated_at = ?2 WHERE id = ?3",
            params![reason, now, id.get()],
        )?,
        Outcome::Retry(reason) => conn.execute(
            "UPDATE videos SET status = CASE WHEN attempts >= ?1 THEN 'failed' ELSE 'queued' END,
                    error = ?2, updated_at = ?3 WHERE id = ?4",
            params![MAX_ATTEMPTS, reason, now, id.get()],
        )?,
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    #[tokio::test]
    async fn jobs_are_claimed_once_retried_and_failed_after_max_attempts() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("c.db")).unwrap();
        db.call(|c| {
            let now = Timestamp::from_second(1_800_000_000).unwrap();
            c.execute("INSERT INTO users (email, role, created_at, updated_at) VALUES ('e@x.jp', 'editor', 'x', 'x')", [])?;
            let user = UserId::new(c.last_insert_rowid());
            let id = create(c, "a.mp4", 10, user, now)?;
            assert_eq!(claim_next(c, now)?, None, "an upload is not a job before its bytes are stored");
            queue(c, id, now)?;
            assert_eq!(claim_next(c, now)?, Some(id));
            assert_eq!(claim_next(c, now)?, None, "a fresh claim is not handed out twice");
            // The worker went silent: the job is taken again.
            assert_eq!(claim_next(c, now + STALE_CLAIM + SignedDuration::from_secs(1))?, Some(id));
            finish(c, id, &Outcome::Retry("disk full".into()), now)?;
            assert_eq!(get(c, id)?.unwrap().status, "queued");
            assert_eq!(claim_next(c, now)?, Some(id));
            finish(c, id, &Outcome::Retry("disk full".into()), now)?;
            assert_eq!(get(c, id)?.unwrap().status, "failed", "three attempts are the limit");
            Ok(())
        })
        .await
        .unwrap();
    }
}

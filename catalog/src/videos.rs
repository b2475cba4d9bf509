//! Uploaded videos and their processing state; the transcode job queue is the
//! `videos` table itself (status `queued` → `processing` → `ready`/`failed`).

pub use domain::Job;
use domain::{UserId, VideoId};
use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// How often a job is tried before it fails for good (host failures only;
/// an unusable input fails at once).
pub const MAX_ATTEMPTS: i64 = 3;

/// Wait before retry `attempt` + 1: 30 s, then 2 min (× 4 each time).
pub fn backoff(attempt: i64) -> SignedDuration {
    SignedDuration::from_secs(30 * 4i64.pow(u32::try_from(attempt.clamp(1, 6) - 1).unwrap_or(0)))
}

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
    /// Caption tracks.
    pub captions: Vec<CaptionTrack>,
    /// `audio_only`, `poster`, `thumbnails` as the transcoder reported them.
    #[serde(flatten)]
    pub extras: serde_json::Map<String, serde_json::Value>,
    /// The published revision (internal: part of media URLs).
    #[serde(skip)]
    pub hls_rev: Option<String>,
    /// Uploaded.
    pub created_at: String,
    /// Last state change.
    pub updated_at: String,
}

/// The peak bitrate of the lowest video rung of `renditions` (as the
/// transcoder reported them, each with its master's `BANDWIDTH`): the floor
/// no viewer is paced below. 0 when there is none.
pub fn floor_bps(renditions: &serde_json::Value) -> u64 {
    renditions
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["height"].as_u64().is_some_and(|h| h > 0))
        .filter_map(|r| r["bandwidth"].as_u64())
        .min()
        .unwrap_or(0)
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

/// A caption track of a video.
#[derive(Debug, Clone, Serialize)]
pub struct CaptionTrack {
    /// BCP 47 language tag.
    pub lang: String,
    /// Name shown in the player.
    pub name: String,
    /// Number of cues.
    pub cues: i64,
    /// Last uploaded.
    pub updated_at: String,
}

/// Records (or replaces) a caption track.
pub fn set_caption(
    conn: &Connection,
    id: VideoId,
    lang: &str,
    name: &str,
    cues: usize,
    now: Timestamp,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO captions (video_id, lang, name, cues, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT (video_id, lang) DO UPDATE SET name = excluded.name, cues = excluded.cues, updated_at = excluded.updated_at",
        params![id.get(), lang, name, cues as i64, now.to_string()],
    )?;
    Ok(())
}

/// Turns an editor's picture into a poster JPEG. The transcoder does it with
/// the FFmpeg libraries; the binary hands it to the catalog
/// ([`crate::Catalog::with_posters`]).
pub trait PosterMaker: Send + Sync {
    /// Reads the picture at `input` and writes the poster JPEG at `output`;
    /// its width and height.
    fn make(
        &self,
        input: &std::path::Path,
        output: &std::path::Path,
    ) -> Result<(u32, u32), PosterError>;
}

/// Why no poster was made.
#[derive(Debug, thiserror::Error)]
pub enum PosterError {
    /// The picture cannot be used; the message is for the editor.
    #[error("{0}")]
    Unusable(String),
    /// Ours.
    #[error("{0}")]
    Internal(String),
}

/// The file name of the poster the transcoder draws.
pub const DRAWN_POSTER: &str = "poster.jpg";

/// Names the poster picture of a video (a file beside its master playlist),
/// or none; the other extras stay as they are.
pub fn set_poster(
    conn: &Connection,
    id: VideoId,
    poster: Option<&str>,
    now: Timestamp,
) -> rusqlite::Result<()> {
    let stored: Option<String> =
        conn.query_row("SELECT extras FROM videos WHERE id = ?1", [id.get()], |r| {
            r.get(0)
        })?;
    let mut extras: serde_json::Map<String, serde_json::Value> = stored
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    extras.insert("poster".into(), poster.into());
    conn.execute(
        "UPDATE videos SET extras = ?2, updated_at = ?3 WHERE id = ?1",
        params![
            id.get(),
            serde_json::Value::Object(extras).to_string(),
            now.to_string()
        ],
    )?;
    Ok(())
}

/// Removes a caption track; `false` when there was none.
pub fn delete_caption(conn: &Connection, id: VideoId, lang: &str) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "DELETE FROM captions WHERE video_id = ?1 AND lang = ?2",
        params![id.get(), lang],
    )? == 1)
}

fn captions_of(conn: &Connection, id: VideoId) -> rusqlite::Result<Vec<CaptionTrack>> {
    let mut stmt = conn.prepare(
        "SELECT lang, name, cues, updated_at FROM captions WHERE video_id = ?1 ORDER BY lang",
    )?;
    stmt.query_map([id.get()], |r| {
        Ok(CaptionTrack {
            lang: r.get(0)?,
            name: r.get(1)?,
            cues: r.get(2)?,
            updated_at: r.get(3)?,
        })
    })?
    .collect()
}

/// Marks an upload whose bytes could not be stored as failed.
pub fn fail_upload(
    conn: &Connection,
    id: VideoId,
    reason: &str,
    now: Timestamp,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE videos SET status = 'failed', error = ?1, updated_at = ?2 WHERE id = ?3 AND status = 'uploading'",
        params![reason, now.to_string(), id.get()],
    )?;
    Ok(())
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
    let video =     conn.query_row(
        "SELECT id, title, status, progress, duration_s, renditions, error, size_bytes, created_at, updated_at, hls_rev, extras FROM videos WHERE id = ?1 AND deleted_at IS NULL",
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
                hls_rev: r.get(10)?,
                captions: Vec::new(),
                extras: r.get::<_, String>(11).ok().and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default(),
            })
        },
    )
    .optional()?;
    let Some(mut video) = video else {
        return Ok(None);
    };
    video.captions = captions_of(conn, id)?;
    Ok(Some(video))
}

/// Claims the oldest job that is queued (and past its backoff) or whose
/// lease has run out, for `lease`.
pub fn claim_next(
    conn: &Connection,
    now: Timestamp,
    lease: SignedDuration,
) -> rusqlite::Result<Option<Job>> {
    let at = now.to_string();
    conn.query_row(
        "UPDATE videos SET status = 'processing', progress = 0, attempts = attempts + 1,
                claimed_at = ?1, lease_until = ?2, updated_at = ?1
         WHERE id = (SELECT id FROM videos
                     WHERE deleted_at IS NULL
                       AND ((status = 'queued' AND (not_before IS NULL OR not_before <= ?1))
                            OR (status = 'processing' AND lease_until < ?1))
                     ORDER BY id LIMIT 1)
         RETURNING id, attempts",
        params![at, (now + lease).to_string()],
        |r| {
            Ok(Job {
                video: VideoId::new(r.get(0)?),
                attempt: r.get(1)?,
            })
        },
    )
    .optional()
}

/// Records progress and extends the lease. `false` when the job is no longer
/// this attempt's (cancelled, or its lease ran out and another worker took it):
/// the worker should stop.
pub fn set_progress(
    conn: &Connection,
    job: Job,
    progress: f64,
    now: Timestamp,
    lease: SignedDuration,
) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE videos SET progress = ?1, lease_until = ?2, updated_at = ?3
         WHERE id = ?4 AND attempts = ?5 AND status = 'processing'",
        params![
            progress.clamp(0.0, 1.0),
            (now + lease).to_string(),
            now.to_string(),
            job.video.get(),
            job.attempt
        ],
    )?;
    Ok(changed == 1)
}

/// How a job ended (also the body a remote worker sends to finish a job).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Packaged and published under the job's revision.
    Ready {
        /// Duration in seconds.
        duration_s: f64,
        /// JSON array of renditions.
        renditions: serde_json::Value,
        /// JSON object: the audio-only rendition, poster and thumbnails.
        #[serde(default)]
        extras: serde_json::Map<String, serde_json::Value>,
    },
    /// The input cannot be used; the editor must upload something else.
    Unusable {
        /// Why, in Japanese and English.
        reason: String,
    },
    /// The host or FFmpeg failed; try again after a backoff unless attempts are used up.
    Retry {
        /// What failed.
        reason: String,
    },
}

/// Records the end of `job`. Returns `false` (and changes nothing) when the
/// job is no longer this attempt's.
pub fn finish(
    conn: &Connection,
    job: Job,
    outcome: &Outcome,
    now: Timestamp,
) -> rusqlite::Result<bool> {
    let at = now.to_string();
    let (id, attempt) = (job.video.get(), job.attempt);
    let changed = match outcome {
        Outcome::Ready { duration_s, renditions, extras } => conn.execute(
            "UPDATE videos SET status = 'ready', progress = 1, duration_s = ?1, renditions = ?2, hls_rev = ?3,
                    extras = ?7, error = NULL, lease_until = NULL, updated_at = ?4
             WHERE id = ?5 AND attempts = ?6 AND status = 'processing'",
            params![
                duration_s,
                renditions.to_string(),
                job.rev(),
                at,
                id,
                attempt,
                serde_json::Value::Object(extras.clone()).to_string()
            ],
        )?,
        Outcome::Unusable { reason } => conn.execute(
            "UPDATE videos SET status = 'failed', error = ?1, lease_until = NULL, updated_at = ?2
             WHERE id = ?3 AND attempts = ?4 AND status = 'processing'",
            params![reason, at, id, attempt],
        )?,
        Outcome::Retry { reason } => conn.execute(
            "UPDATE videos SET status = CASE WHEN attempts >= ?1 THEN 'failed' ELSE 'queued' END,
                    error = ?2, not_before = ?3, lease_until = NULL, updated_at = ?4
             WHERE id = ?5 AND attempts = ?6 AND status = 'processing'",
            params![MAX_ATTEMPTS, reason, (now + backoff(attempt)).to_string(), at, id, attempt],
        )?,
    };
    Ok(changed == 1)
}

/// Cancels a job that has not finished: it ends `failed` with the reason
/// "cancelled", and its worker stops at its next progress report.
/// `false` when the video is already ready or failed.
pub fn cancel(conn: &Connection, id: VideoId, now: Timestamp) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE videos SET status = 'failed', error = ?1, lease_until = NULL, updated_at = ?2
         WHERE id = ?3 AND status IN ('uploading', 'queued', 'processing')",
        params![CANCELLED, now.to_string(), id.get()],
    )?;
    Ok(changed == 1)
}

/// The reason shown for a cancelled job.
pub const CANCELLED: &str = "編集者が処理を取り消しました (cancelled by an editor)";

/// The published revision of a ready video.
pub fn published_rev(conn: &Connection, id: VideoId) -> rusqlite::Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT hls_rev FROM videos WHERE id = ?1 AND status = 'ready' AND deleted_at IS NULL",
            [id.get()],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    const LEASE: SignedDuration = SignedDuration::from_secs(60);

    fn setup(c: &Connection, now: Timestamp) -> VideoId {
        c.execute("INSERT INTO users (email, role, created_at, updated_at) VALUES ('e@x.jp', 'editor', 'x', 'x')", []).unwrap();
        let user = UserId::new(c.last_insert_rowid());
        let id = create(c, "a.mp4", 10, user, now).unwrap();
        assert_eq!(
            claim_next(c, now, LEASE).unwrap(),
            None,
            "an upload is not a job before its bytes are stored"
        );
        queue(c, id, now).unwrap();
        id
    }

    #[tokio::test]
    async fn leases_expire_and_a_stale_worker_cannot_overwrite_the_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("c.db"), &crate::keyfile::Key::generate()).unwrap();
        db.call(|c| {
            let now = Timestamp::from_second(1_800_000_000).unwrap();
            let id = setup(c, now);
            let first = claim_next(c, now, LEASE)?.unwrap();
            assert_eq!(
                first,
                Job {
                    video: id,
                    attempt: 1
                }
            );
            assert_eq!(
                claim_next(c, now, LEASE)?,
                None,
                "a leased job is not handed out twice"
            );
            let later = now + LEASE + SignedDuration::from_secs(1);
            let second = claim_next(c, later, LEASE)?.unwrap();
            assert_eq!(
                second.attempt, 2,
                "the worker went silent: its job is taken again"
            );
            assert!(
                !set_progress(c, first, 0.5, later, LEASE)?,
                "the old worker is told to stop"
            );
            assert!(!finish(
                c,
                first,
                &Outcome::Unusable { reason: "x".into() },
                later
            )?);
            assert!(set_progress(c, second, 0.5, later, LEASE)?);
            let ready = Outcome::Ready {
                duration_s: 1.0,
                renditions: serde_json::json!([]),
                extras: serde_json::Map::new(),
            };
            assert!(finish(c, second, &ready, later)?);
            assert_eq!(published_rev(c, id)?.as_deref(), Some("r2"));
            Ok(())
        })
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn retries_wait_for_their_backoff_and_stop_after_max_attempts() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("c.db"), &crate::keyfile::Key::generate()).unwrap();
        db.call(|c| {
            let mut now = Timestamp::from_second(1_800_000_000).unwrap();
            let id = setup(c, now);
            for attempt in 1..=MAX_ATTEMPTS {
                let job = claim_next(c, now, LEASE)?.unwrap();
                assert_eq!(job.attempt, attempt);
                finish(
                    c,
                    job,
                    &Outcome::Retry {
                        reason: "disk full".into(),
                    },
                    now,
                )?;
                assert_eq!(claim_next(c, now, LEASE)?, None, "not before the backoff");
                now += backoff(attempt);
            }
            assert_eq!(
                get(c, id)?.unwrap().status,
                "failed",
                "three attempts are the limit"
            );
            assert_eq!(claim_next(c, now, LEASE)?, None);
            Ok(())
        })
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn cancel_stops_queued_and_running_jobs_but_not_finished_ones() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("c.db"), &crate::keyfile::Key::generate()).unwrap();
        db.call(|c| {
            let now = Timestamp::from_second(1_800_000_000).unwrap();
            let id = setup(c, now);
            let job = claim_next(c, now, LEASE)?.unwrap();
            assert!(cancel(c, id, now)?);
            assert!(
                !set_progress(c, job, 0.2, now, LEASE)?,
                "the worker learns of the cancel"
            );
            let v = get(c, id)?.unwrap();
            assert_eq!(
                (v.status.as_str(), v.error.as_deref()),
                ("failed", Some(CANCELLED))
            );
            assert!(
                !cancel(c, id, now)?,
                "a failed job cannot be cancelled again"
            );
            Ok(())
        })
        .await
        .unwrap();
    }
}

//! Playback sessions and heartbeats: the raw ledger, the per-user clock that
//! stops double crediting, and the per user × video × day rollup — all in the
//! heartbeat's own transaction, so reports never replay raw events.

use crate::coverage;
use crate::crediting::{Credited, RATES, claimed_ms, split_by_day};
use crate::sessions;
use domain::{PlaybackSessionId, Role, UserId, VideoId};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

/// Starts a playback session and returns it with the position to resume from.
/// `login` is the token of the login that starts it (`None` for history made
/// without one), `grant_expires` when the first playback grant ends.
///
/// That position is the one of the session a player last heard from
/// (`last_heartbeat_at`; a new session's is its start), not of the session
/// started last: a second device opened for a moment must not freeze the
/// resume point while the first plays on. Times are compared as instants
/// (`julianday`), not as text, whose fractional digits vary.
pub fn start(
    conn: &Connection,
    user: UserId,
    video: VideoId,
    site: &str,
    login: Option<&str>,
    now: Timestamp,
    grant_expires: Timestamp,
) -> rusqlite::Result<(PlaybackSessionId, f64)> {
    let last: Option<(f64, Option<f64>)> = conn
        .query_row(
            "SELECT s.position_s, v.duration_s FROM playback_sessions s JOIN videos v ON v.id = s.video_id
             WHERE s.user_id = ?1 AND s.video_id = ?2 ORDER BY julianday(s.last_heartbeat_at) DESC, s.rowid DESC LIMIT 1",
            params![user.get(), video.get()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let resume = last.map_or(0.0, |(pos, duration)| resume_from(Some(pos), duration));
    let id = PlaybackSessionId::from_random(rand::random());
    conn.execute(
        "INSERT INTO playback_sessions (id, user_id, video_id, site, started_at, last_heartbeat_at, position_s, grant_expires_at, login_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8)",
        params![id.as_str(), user.get(), video.get(), site, now.to_string(), resume, grant_expires.to_string(), login.map(sessions::token_hash)],
    )?;
    Ok((id, resume))
}

/// The user's playback sessions other than `except` whose grant has not run
/// out (those that may still fetch media), each with its site.
pub fn others_with_grants(
    conn: &Connection,
    user: UserId,
    except: &PlaybackSessionId,
    now: Timestamp,
) -> rusqlite::Result<Vec<(String, PlaybackSessionId)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT site, id FROM playback_sessions
         WHERE user_id = ?1 AND id <> ?2 AND julianday(grant_expires_at) > julianday(?3)",
    )?;
    let rows = stmt.query_map(params![user.get(), except.as_str(), now.to_string()], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (site, id) = row?;
        if let Ok(id) = id.parse() {
            out.push((site, id));
        }
    }
    Ok(out)
}

/// A playback session whose grant the origin must refuse before it runs out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revoked {
    /// The viewer's site.
    pub site: String,
    /// The session.
    pub session: PlaybackSessionId,
    /// When its last grant runs out.
    pub until: Timestamp,
}

/// Ends the playback sessions of `user` whose login has ended — logged out,
/// ended by a password change, or every login of the user ended because the
/// account was disabled, deleted or given another role (a session from
/// before logins were recorded counts as ended when the user has no login
/// left) — and returns those whose grant has not run out, for the origin to
/// refuse. An ended session's heartbeats are refused
/// ([`HeartbeatError::Ended`]) from the mark on its row, without a lookup of
/// the login on each one.
pub fn revoke(conn: &Connection, user: UserId, now: Timestamp) -> rusqlite::Result<Vec<Revoked>> {
    conn.prepare_cached(
        "UPDATE playback_sessions SET ended = 1
         WHERE user_id = ?1 AND ended = 0
           AND NOT EXISTS (SELECT 1 FROM login_sessions l WHERE l.user_id = playback_sessions.user_id
                             AND (playback_sessions.login_hash IS NULL
                                  OR l.token_hash = playback_sessions.login_hash))",
    )?
    .execute([user.get()])?;
    let mut stmt = conn.prepare_cached(
        "SELECT site, id, grant_expires_at FROM playback_sessions
         WHERE user_id = ?1 AND ended = 1 AND julianday(grant_expires_at) > julianday(?2)",
    )?;
    let rows = stmt.query_map(params![user.get(), now.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (site, id, until) = row?;
        if let (Ok(session), Ok(until)) = (id.parse(), until.parse()) {
            out.push(Revoked {
                site,
                session,
                until,
            });
        }
    }
    Ok(out)
}

/// The revocations an origin running in another process fetches from the
/// catalog (`GET /api/internal/revoked`, with the worker token), so that it
/// too refuses a session at once rather than when its grant runs out. Each
/// stays listed until its grant has run out under the largest clock skew an
/// origin may allow; revocations are rare, so the list stays short.
#[derive(Debug, Clone, Default)]
pub struct Revocations(std::sync::Arc<std::sync::Mutex<Vec<Revoked>>>);

impl Revocations {
    /// Adds `found`, dropping those no grant can outlive any more.
    pub fn add(&self, found: &[Revoked], now: Timestamp) {
        let mut all = self.lock();
        all.retain(|r| Self::live(r, now));
        all.extend_from_slice(found);
    }

    /// The revocations an origin may still have to apply at `now`.
    pub fn current(&self, now: Timestamp) -> Vec<Revoked> {
        let mut all = self.lock();
        all.retain(|r| Self::live(r, now));
        all.clone()
    }

    fn live(r: &Revoked, now: Timestamp) -> bool {
        r.until + jiff::SignedDuration::from_secs(domain::MAX_GRANT_SKEW_SECONDS) >= now
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Revoked>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Where playing again starts after stopping at `position`: there, except
/// near the end, where it starts from the beginning rather than resume the
/// credits.
pub fn resume_from(position: Option<f64>, duration: Option<f64>) -> f64 {
    match (position, duration) {
        (Some(pos), Some(duration)) if pos < duration - 5.0 => pos,
        _ => 0.0,
    }
}

/// A heartbeat as the player sends it (API.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Heartbeat {
    /// 1, 2, 3 … per session; a repeated or older number changes nothing.
    pub seq: i64,
    /// Current position in the media, seconds.
    pub position_s: f64,
    /// Media intervals played since the previous heartbeat.
    #[serde(default)]
    pub played: Vec<[f64; 2]>,
    /// Playback rate.
    pub rate: f64,
}

/// A heartbeat was refused.
#[derive(Debug, thiserror::Error)]
pub enum HeartbeatError {
    /// No such playback session.
    #[error("再生セッションが見つかりません (playback session not found)")]
    NotFound,
    /// The session belongs to someone else.
    #[error("この再生セッションは別の利用者のものです (not your playback session)")]
    NotYours,
    /// The login that started the session has ended (logged out, its
    /// password changed): its media are refused, and so are its heartbeats.
    #[error(
        "この再生は終わりました。もう一度再生してください (this playback ended with the login that started it)"
    )]
    Ended,
    /// The values are out of range.
    #[error("{0}")]
    Invalid(String),
    /// The database failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// The heartbeat writer is not running (the service is stopping).
    #[error("heartbeat writer stopped")]
    Stopped,
    /// The request's login session did not let it in.
    #[error("not let in: {0:?}")]
    Refused(crate::sessions::Refusal),
}

/// Whether someone of `role` may play `video`, as `play` decides: it is a
/// lesson of a published course, or they edit content (a preview).
pub fn may_play(conn: &Connection, role: Role, video: VideoId) -> rusqlite::Result<bool> {
    Ok(role.can_edit_content() || crate::courses::video_is_published(conn, video)?)
}

/// Records that a renewed grant for `session` lasts until `expires`, if its
/// user may still play its video ([`may_play`]); false, and nothing
/// recorded, when not: its course went back to draft, the lesson was
/// removed, or the user's role changed since play.
pub fn renew_grant(
    conn: &Connection,
    session: &PlaybackSessionId,
    expires: Timestamp,
) -> rusqlite::Result<bool> {
    let row = conn
        .query_row(
            "SELECT s.video_id, u.role FROM playback_sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?1",
            [session.as_str()],
            |r| Ok((VideoId::new(r.get(0)?), r.get::<_, String>(1)?)),
        )
        .optional()?;
    let Some((video, role)) = row else {
        return Ok(false);
    };
    let Ok(role) = role.parse::<Role>() else {
        return Ok(false);
    };
    if !may_play(conn, role, video)? {
        return Ok(false);
    }
    conn.execute(
        "UPDATE playback_sessions SET grant_expires_at = ?1 WHERE id = ?2",
        params![expires.to_string(), session.as_str()],
    )?;
    Ok(true)
}

/// What a heartbeat did.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The video being played.
    pub video: VideoId,
    /// The viewer's site.
    pub site: String,
    /// Milliseconds of viewing time credited by this heartbeat.
    pub credited_ms: i64,
    /// The heartbeat was a repeat (or arrived after a newer one) and changed nothing.
    pub duplicate: bool,
    /// When the session's current grant ends.
    pub grant_expires: Timestamp,
    /// The video's published revision (for a renewed master URL); `None`
    /// when it has none, or the video is in the trash: no grant is renewed.
    pub rev: Option<String>,
}

const MAX_INTERVALS: usize = 1000;

/// Applies one heartbeat of `user` to `session` at `now` within the
/// caller's transaction (the service's writer batches many in one:
/// [`crate::heartbeats`]): the ledger row, the session's state, coverage and
/// the rollups. Every refusal (`NotFound`, `NotYours`, `Invalid`) happens
/// before the first write, so a refused heartbeat leaves the transaction as
/// it was.
pub fn apply(
    tx: &Connection,
    session: &PlaybackSessionId,
    user: UserId,
    hb: &Heartbeat,
    now: Timestamp,
    tz: &TimeZone,
    completion: f64,
) -> Result<Applied, HeartbeatError> {
    let row = tx
        .prepare_cached(
            "SELECT s.user_id, s.video_id, s.site, s.last_heartbeat_at, s.last_seq, v.duration_s,
                    (SELECT credited FROM viewing_clock WHERE user_id = s.user_id), s.grant_expires_at,
                    CASE WHEN v.deleted_at IS NULL THEN v.hls_rev END, s.ended
             FROM playback_sessions s JOIN videos v ON v.id = s.video_id WHERE s.id = ?1",
        )?
        .query_row(
            [session.as_str()],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, Option<f64>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, bool>(9)?,
                ))
            },
        )
        .optional()?;
    let Some((
        owner,
        video,
        site,
        last_hb,
        last_seq,
        duration,
        credited_before,
        grant_expires,
        rev,
        ended,
    )) = row
    else {
        return Err(HeartbeatError::NotFound);
    };
    if owner != user.get() {
        return Err(HeartbeatError::NotYours);
    }
    if ended {
        return Err(HeartbeatError::Ended);
    }
    let played = validate(hb, duration.unwrap_or(0.0))?;
    let video = VideoId::new(video);
    let parse = |s: &str| s.parse::<Timestamp>().ok();
    let grant_expires = parse(&grant_expires).unwrap_or(now);
    if hb.seq <= last_seq {
        return Ok(Applied {
            video,
            site,
            credited_ms: 0,
            duplicate: true,
            grant_expires,
            rev,
        });
    }
    let last_hb = parse(&last_hb).unwrap_or(now);
    // The wall-clock time since this session's last heartbeat that no
    // session of the user has been credited with yet.
    let mut clock = Credited::parse(credited_before.as_deref().unwrap_or_default());
    let (from, to) = (last_hb.as_millisecond(), now.as_millisecond());
    let free_ms = clock.free_ms(from, to);
    let credited = clock.take(from, to, claimed_ms(&played, hb.rate));
    let now_s = now.to_string();
    tx.prepare_cached(
        "INSERT INTO heartbeats (session_id, seq, received_at, position_s, played, rate, credited_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![session.as_str(), hb.seq, now_s, hb.position_s, serde_json::to_string(&hb.played).unwrap_or_default(), hb.rate, credited])?;
    tx.prepare_cached(
        "UPDATE playback_sessions SET last_heartbeat_at = ?1, last_seq = ?2, position_s = ?3 WHERE id = ?4",
    )?
    .execute(params![now_s, hb.seq, hb.position_s, session.as_str()])?;
    if !played.is_empty() {
        // Played media seconds are bounded by the viewing time this heartbeat
        // earned at the reported rate, plus a little for jitter. That time is
        // the user's, not the session's: tabs or devices playing different
        // parts at once add coverage no faster than one player would.
        let budget =
            credited as f64 / 1000.0 * hb.rate + coverage_allowance(free_ms as f64 / 1000.0);
        record_coverage(
            tx,
            user,
            video,
            duration.unwrap_or(0.0),
            &played,
            budget,
            now,
            completion,
        )?;
    }
    if credited > 0 {
        tx.prepare_cached(
            "INSERT INTO viewing_clock (user_id, credited) VALUES (?1, ?2)
             ON CONFLICT (user_id) DO UPDATE SET credited = excluded.credited",
        )?
        .execute(params![user.get(), clock.text()])?;
        for (day, ms) in split_by_day(credited, now, tz) {
            add_history(tx, user, video, day, ms)?;
        }
    }
    Ok(Applied {
        video,
        site,
        credited_ms: credited,
        duplicate: false,
        grant_expires,
        rev,
    })
}

/// Media seconds a heartbeat may report beyond the viewing time it earned
/// (timer jitter, the last frame before a pause): a fifth of the wall-clock
/// time it could be credited with (not credited to another tab), at most 2 s. A heartbeat 10 s after the last
/// one gets the 2 s; heartbeats sent back to back get next to nothing, so
/// no client completes a video faster than by playing it.
fn coverage_allowance(window_s: f64) -> f64 {
    (window_s.max(0.0) / 5.0).min(2.0)
}

/// Adds `played` (within `budget` media seconds) to the user's coverage of
/// the video, and marks it completed once coverage reaches `completion`.
/// Only the chunks of 4,096 seconds the intervals fall in are read and
/// rewritten ([`coverage::CHUNK_SECONDS`]).
#[allow(clippy::too_many_arguments)]
fn record_coverage(
    tx: &Connection,
    user: UserId,
    video: VideoId,
    duration_s: f64,
    played: &[(f64, f64)],
    budget: f64,
    now: Timestamp,
    completion: f64,
) -> rusqlite::Result<()> {
    let length = coverage::seconds_of(duration_s);
    let played = coverage::within_budget(played, budget);
    let mut added = 0;
    for chunk in coverage::chunks_touched(&played, length) {
        let key = params![user.get(), video.get(), chunk as i64];
        let coverage::Stored(mut bits) = tx
            .prepare_cached(
                "SELECT bits FROM coverage_chunks WHERE user_id = ?1 AND video_id = ?2 AND chunk = ?3",
            )?
            .query_row(key, |r| r.get(0))
            .optional()?
            .unwrap_or_default();
        let newly = coverage::mark_span(&mut bits, coverage::chunk_span(chunk, length), &played);
        if newly > 0 {
            tx.prepare_cached(
                "INSERT INTO coverage_chunks (user_id, video_id, chunk, bits) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (user_id, video_id, chunk) DO UPDATE SET bits = excluded.bits",
            )?
            .execute(params![user.get(), video.get(), chunk as i64, coverage::Stored(bits)])?;
            added += newly;
        }
    }
    let before: i64 = tx
        .prepare_cached(
            "SELECT covered FROM viewing_progress WHERE user_id = ?1 AND video_id = ?2",
        )?
        .query_row(params![user.get(), video.get()], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    let covered = usize::try_from(before).unwrap_or(0) + added;
    let complete = coverage::share(covered, length) >= completion;
    let now = now.to_string();
    tx.prepare_cached(
        "INSERT INTO viewing_progress (user_id, video_id, covered, length_s, first_viewed_at, last_viewed_at, completed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, CASE WHEN ?6 THEN ?5 END)
         ON CONFLICT (user_id, video_id) DO UPDATE SET
             covered = excluded.covered, length_s = excluded.length_s,
             last_viewed_at = excluded.last_viewed_at,
             completed_at = COALESCE(completed_at, excluded.completed_at)",
    )?
    .execute(params![user.get(), video.get(), covered as i64, length as i64, now, complete])?;
    Ok(())
}

/// Marks completed, as of its last view, every progress whose coverage
/// reaches `completion` without having been marked: the setting was
/// lowered since. (A completion once earned stays when it is raised.) Run
/// when the catalog opens, so that no report shows a coverage above the
/// threshold beside "not completed" until the learner plays again.
pub fn complete_reached(conn: &Connection, completion: f64) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE viewing_progress SET completed_at = last_viewed_at
         WHERE completed_at IS NULL AND length_s > 0
           AND MIN(CAST(covered AS REAL) / length_s, 1.0) >= ?1",
        [completion],
    )
}

/// The user's coverage bitmap of a video of `seconds`, from its chunks.
pub fn coverage_of(
    conn: &Connection,
    user: i64,
    video: i64,
    seconds: usize,
) -> rusqlite::Result<Vec<u8>> {
    let mut stmt = conn.prepare_cached(
        "SELECT chunk, bits FROM coverage_chunks WHERE user_id = ?1 AND video_id = ?2 ORDER BY chunk",
    )?;
    let chunks = stmt
        .query_map(params![user, video], |r| {
            Ok((
                usize::try_from(r.get::<_, i64>(0)?).unwrap_or(usize::MAX),
                r.get::<_, coverage::Stored>(1)?.0,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(coverage::join_chunks(chunks, seconds))
}

/// Migration 0022: every bitmap in `viewing_progress.seconds` moves into
/// `coverage_chunks` (the chunks with a second covered), then the column goes.
pub fn move_coverage_into_chunks(tx: &Connection) -> rusqlite::Result<()> {
    let rows = tx
        .prepare("SELECT user_id, video_id, seconds FROM viewing_progress")?
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, coverage::Stored>(2)?.0,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut insert = tx.prepare(
        "INSERT INTO coverage_chunks (user_id, video_id, chunk, bits) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (user, video, bits) in rows {
        for (chunk, part) in bits.chunks(coverage::CHUNK_SECONDS / 8).enumerate() {
            if part.iter().any(|&b| b != 0) {
                insert.execute(params![
                    user,
                    video,
                    chunk as i64,
                    coverage::Stored(part.to_vec())
                ])?;
            }
        }
    }
    tx.execute_batch("ALTER TABLE viewing_progress DROP COLUMN seconds")
}

fn validate(hb: &Heartbeat, duration: f64) -> Result<Vec<(f64, f64)>, HeartbeatError> {
    let limit = duration + 1.0;
    let bad = |m: &str| Err(HeartbeatError::Invalid(m.to_owned()));
    if hb.seq < 1 {
        return bad("seq は1以上の整数です (seq must be 1 or more)");
    }
    if !RATES.contains(&hb.rate) {
        return bad("再生速度は0.25〜4の範囲です (rate must be between 0.25 and 4)");
    }
    if !(0.0..=limit).contains(&hb.position_s) {
        return bad("再生位置が動画の範囲外です (position_s is outside the video)");
    }
    if hb.played.len() > MAX_INTERVALS {
        return bad("played の区間が多すぎます (too many intervals)");
    }
    let mut out = Vec::with_capacity(hb.played.len());
    for [from, to] in &hb.played {
        if !(from.is_finite() && to.is_finite() && 0.0 <= *from && from <= to && *to <= limit) {
            return bad("played の区間が動画の範囲外です (a played interval is outside the video)");
        }
        out.push((*from, *to));
    }
    Ok(out)
}

/// Adds viewing time to the rollups (user × video × day, user × month):
/// for every credited heartbeat, and directly for demo history and records
/// carried over from another system.
pub fn add_history(
    conn: &Connection,
    user: UserId,
    video: VideoId,
    day: jiff::civil::Date,
    ms: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO viewing_daily (user_id, video_id, day, credited_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id, video_id, day) DO UPDATE SET credited_ms = credited_ms + excluded.credited_ms",
    )?
    .execute(params![user.get(), video.get(), day.to_string(), ms])?;
    conn.prepare_cached(
        "INSERT INTO viewing_monthly (user_id, month, credited_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT (user_id, month) DO UPDATE SET credited_ms = credited_ms + excluded.credited_ms",
    )?
    .execute(params![user.get(), day.strftime("%Y-%m").to_string(), ms])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    /// A database with 太郎 (user 1, a learner) and a ready video 1 of
    /// `duration_s` (published revision `r1`).
    async fn taro_and_video(duration_s: f64) -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("c.db"), &crate::keyfile::Key::generate()).unwrap();
        db.call(move |c| {
            c.execute(
                "INSERT INTO users (id, email, name, role, created_at, updated_at)
                   VALUES (1, 'taro@x.jp', '太郎', 'learner', 't', 't')",
                [],
            )?;
            c.execute(
                "INSERT INTO videos (id, title, uploaded_by, size_bytes, status, duration_s, hls_rev, created_at, updated_at)
                   VALUES (1, '研修', 1, 1, 'ready', ?1, 'r1', 't', 't')",
                [duration_s],
            )?;
            Ok(())
        })
        .await
        .unwrap();
        (dir, db)
    }

    /// The one progress row's seconds covered and whether it is completed.
    fn covered_and_completed(c: &Connection) -> rusqlite::Result<(i64, bool)> {
        c.query_row(
            "SELECT covered, completed_at IS NOT NULL FROM viewing_progress",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    #[tokio::test]
    async fn resume_follows_the_session_last_heard_from_not_the_one_started_last() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("c.db"), &crate::keyfile::Key::generate()).unwrap();
        let (resumed, history) = db
            .call(|c| {
                let at = "2026-01-01T00:00:00Z";
                c.execute(
                    "INSERT INTO users (id, email, name, role, created_at, updated_at)
                     VALUES (1, 'taro@x.jp', '太郎', 'learner', ?1, ?1)",
                    [at],
                )?;
                c.execute(
                    "INSERT INTO videos (id, title, uploaded_by, size_bytes, status, duration_s, created_at, updated_at)
                     VALUES (1, '研修', 1, 1, 'ready', 100.0, ?1, ?1)",
                    [at],
                )?;
                let (user, video) = (UserId::new(1), VideoId::new(1));
                let tz = TimeZone::UTC;
                let t0: Timestamp = "2026-04-01T00:00:00Z".parse().unwrap();
                let after = |ms: i64| t0 + jiff::SignedDuration::from_millis(ms);
                let beat = |seq: i64, from: f64, to: f64| Heartbeat {
                    seq,
                    position_s: to,
                    played: vec![[from, to]],
                    rate: 1.0,
                };
                // The PC plays to 5 s …
                let (pc, _) = start(c, user, video, "default", None, t0, after(60_000))?;
                apply(c, &pc, user, &beat(1, 0.0, 5.0), after(5_000), &tz, 0.95).unwrap();
                // … a phone opens the video at 9 s and sends nothing …
                let (_phone, from) = start(c, user, video, "default", None, after(9_000), after(60_000))?;
                assert_eq!(from, 5.0);
                // … and the PC plays on to 9 s, heard from at 9.5 s (as text,
                // "…09.5Z" sorts before the phone's "…09Z").
                apply(c, &pc, user, &beat(2, 5.0, 9.0), after(9_500), &tz, 0.95).unwrap();
                let (_, resumed) = start(c, user, video, "default", None, after(20_000), after(60_000))?;
                let history = crate::history::of_video(c, user, video)?.map(|h| h.position_s);
                Ok((resumed, history))
            })
            .await
            .unwrap();
        assert_eq!(resumed, 9.0);
        assert_eq!(history, Some(9.0));
    }

    #[tokio::test]
    async fn a_lowered_completion_threshold_completes_what_already_reaches_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("c.db"), &crate::keyfile::Key::generate()).unwrap();
        let completed = db
            .call(|c| {
                c.execute_batch(
                    "INSERT INTO users (id, email, name, role, created_at, updated_at)
                       VALUES (1, 'taro@x.jp', '太郎', 'learner', 't', 't');
                     INSERT INTO videos (id, title, uploaded_by, size_bytes, status, duration_s, created_at, updated_at)
                       VALUES (1, 'a', 1, 1, 'ready', 40.0, 't', 't'), (2, 'b', 1, 1, 'ready', 40.0, 't', 't'),
                              (3, 'c', 1, 1, 'ready', 40.0, 't', 't');",
                )?;
                let (user, tz) = (UserId::new(1), TimeZone::UTC);
                let t0: Timestamp = "2026-04-01T00:00:00Z".parse().unwrap();
                let after = |s: i64| t0 + jiff::SignedDuration::from_secs(s);
                // 36 of 40 s (90 %) of video 1, 30 s (75 %) of video 2 and all of video 3.
                // One after the other, 40 s each.
                for (video, to) in [(1, 36.0), (2, 30.0), (3, 40.0)] {
                    let began = after((video - 1) * 40);
                    let (session, _) = start(c, user, VideoId::new(video), "default", None, began, after(200))?;
                    let beat = Heartbeat { seq: 1, position_s: to, played: vec![[0.0, to]], rate: 1.0 };
                    apply(c, &session, user, &beat, after(video * 40), &tz, 0.95).unwrap();
                }
                let marked = complete_reached(c, 0.8)?;
                let raised = complete_reached(c, 1.0)?;
                let mut stmt = c.prepare(
                    "SELECT video_id, completed_at FROM viewing_progress ORDER BY video_id",
                )?;
                let rows: Vec<(i64, Option<String>)> =
                    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
                Ok((marked, raised, rows))
            })
            .await
            .unwrap();
        let at = |s: &str| Some(format!("2026-04-01T00:{s}Z"));
        assert_eq!(completed.0, 1, "video 1 reaches 80 %");
        assert_eq!(completed.1, 0, "nothing is taken back");
        assert_eq!(
            completed.2,
            vec![(1, at("00:40")), (2, None), (3, at("02:00"))]
        );
    }

    #[tokio::test]
    async fn two_tabs_playing_different_parts_cover_no_faster_than_one() {
        let (_dir, db) = taro_and_video(60.0).await;
        let (covered, completed) = db
            .call(|c| {
                let (user, video, tz) = (UserId::new(1), VideoId::new(1), TimeZone::UTC);
                let t0: Timestamp = "2026-04-01T00:00:00Z".parse().unwrap();
                let after = |s: i64| t0 + jiff::SignedDuration::from_secs(s);
                let (a, _) = start(c, user, video, "default", None, t0, after(60))?;
                let (b, _) = start(c, user, video, "default", None, t0, after(60))?;
                // For 30 s, tab A plays 0–30 and tab B 30–60, heartbeats every 10 s.
                for seq in 1..=3 {
                    let at = after(seq * 10);
                    let from = (seq - 1) as f64 * 10.0;
                    for (session, offset) in [(&a, 0.0), (&b, 30.0)] {
                        let played = vec![[from + offset, from + offset + 10.0]];
                        let beat = Heartbeat {
                            seq,
                            position_s: from + offset + 10.0,
                            played,
                            rate: 1.0,
                        };
                        apply(c, session, user, &beat, at, &tz, 0.95).unwrap();
                    }
                }
                Ok(covered_and_completed(c)?)
            })
            .await
            .unwrap();
        // 30 s of viewing covers 30 s, and at most the 2 s allowance of each
        // of tab B's three heartbeats.
        assert!((30..=36).contains(&covered), "covered {covered} s");
        assert!(
            !completed,
            "half the video in half its length does not complete"
        );
    }

    #[tokio::test]
    async fn a_short_heartbeat_from_a_second_tab_takes_nothing_from_the_first() {
        let (_dir, db) = taro_and_video(200.0).await;
        let (credits, day_ms) = db
            .call(|c| {
                let (user, video, tz) = (UserId::new(1), VideoId::new(1), TimeZone::UTC);
                let t0: Timestamp = "2026-04-01T00:00:00Z".parse().unwrap();
                let at = |ms: i64| t0 + jiff::SignedDuration::from_millis(ms);
                let beat = |seq, from: f64, to: f64| Heartbeat {
                    seq,
                    position_s: to,
                    played: vec![[from, to]],
                    rate: 1.0,
                };
                let (a, _) = start(c, user, video, "default", None, t0, at(600_000))?;
                let mut credits = Vec::new();
                let mut send = |session, hb: &Heartbeat, ms| {
                    credits.push(
                        apply(c, session, user, hb, at(ms), &tz, 0.95)
                            .unwrap()
                            .credited_ms,
                    );
                };
                // Tab A plays 0–20 s with heartbeats at 10 and 20 s; tab B,
                // opened at 22.7 s, plays half a second and pauses; tab A's
                // next heartbeat, at 30 s, reports 10 s more.
                send(&a, &beat(1, 0.0, 10.0), 10_000);
                send(&a, &beat(2, 10.0, 20.0), 20_000);
                let (b, _) = start(c, user, video, "default", None, at(22_700), at(600_000))?;
                send(&b, &beat(1, 50.0, 50.5), 23_200);
                send(&a, &beat(3, 20.0, 30.0), 30_000);
                let day_ms: i64 =
                    c.query_row("SELECT SUM(credited_ms) FROM viewing_daily", [], |r| {
                        r.get(0)
                    })?;
                Ok((credits, day_ms))
            })
            .await
            .unwrap();
        assert_eq!(
            credits,
            [10_000, 10_000, 500, 9_500],
            "the first tab loses only the half second the second was credited"
        );
        assert_eq!(day_ms, 30_000, "30 s passed: 30 s of viewing");
    }

    #[tokio::test]
    async fn heartbeats_of_a_session_whose_login_ended_are_refused() {
        let (_dir, db) = taro_and_video(100.0).await;
        let outcomes = db
            .call(|c| {
                let (user, video, tz) = (UserId::new(1), VideoId::new(1), TimeZone::UTC);
                let t0: Timestamp = "2026-04-01T00:00:00Z".parse().unwrap();
                let at = |s: i64| t0 + jiff::SignedDuration::from_secs(s);
                let login = sessions::create(c, user, t0)?;
                let (session, _) =
                    start(c, user, video, "default", Some(&login.token), t0, at(45))?;
                let beat = |seq| Heartbeat {
                    seq,
                    position_s: 10.0,
                    played: vec![[0.0, 10.0]],
                    rate: 1.0,
                };
                let before =
                    apply(c, &session, user, &beat(1), at(10), &tz, 0.95).map(|a| a.credited_ms);
                sessions::delete(c, &login.token)?;
                revoke(c, user, at(20))?;
                let after =
                    apply(c, &session, user, &beat(2), at(20), &tz, 0.95).map(|a| a.credited_ms);
                Ok((before, after))
            })
            .await
            .unwrap();
        assert!(matches!(outcomes.0, Ok(10_000)), "{outcomes:?}");
        assert!(
            matches!(outcomes.1, Err(HeartbeatError::Ended)),
            "{outcomes:?}"
        );
    }

    #[tokio::test]
    async fn heartbeats_sent_back_to_back_do_not_complete_a_video() {
        let (_dir, db) = taro_and_video(20.0).await;
        let (covered, completed) = db
            .call(|c| {
                let (user, video, tz) = (UserId::new(1), VideoId::new(1), TimeZone::UTC);
                let t0: Timestamp = "2026-04-01T00:00:00Z".parse().unwrap();
                let (session, _) = start(
                    c,
                    user,
                    video,
                    "default",
                    None,
                    t0,
                    t0 + jiff::SignedDuration::from_secs(60),
                )?;
                // Ten heartbeats 5 ms apart, each claiming the next 2 s.
                for seq in 1..=10 {
                    let at = t0 + jiff::SignedDuration::from_millis(seq * 5);
                    let from = (seq - 1) as f64 * 2.0;
                    let beat = Heartbeat {
                        seq,
                        position_s: from + 2.0,
                        played: vec![[from, from + 2.0]],
                        rate: 1.0,
                    };
                    apply(c, &session, user, &beat, at, &tz, 0.95).unwrap();
                }
                Ok(covered_and_completed(c)?)
            })
            .await
            .unwrap();
        // 50 ms of wall time cover next to nothing of a 20 s video.
        assert!(covered <= 1, "covered {covered} s in 50 ms");
        assert!(!completed, "completed in 50 ms");
    }

    #[tokio::test]
    async fn a_grant_is_renewed_only_while_its_video_may_be_played() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("c.db"), &crate::keyfile::Key::generate()).unwrap();
        let renewed = db
            .call(|c| {
                c.execute_batch(
                    "INSERT INTO users (id, email, name, role, created_at, updated_at)
                       VALUES (1, 'taro@x.jp', '太郎', 'learner', 't', 't'), (2, 'hana@x.jp', '花子', 'editor', 't', 't');
                     INSERT INTO videos (id, title, uploaded_by, size_bytes, status, duration_s, hls_rev, created_at, updated_at)
                       VALUES (1, '研修', 2, 1, 'ready', 100.0, 'r1', 't', 't');
                     INSERT INTO categories (id, slug, name, name_en, position) VALUES (1, 'law', '法令', 'Law', 1);
                     INSERT INTO courses (id, category_id, title, status, created_by, created_at, updated_at)
                       VALUES (1, 1, '必修', 'published', 2, 't', 't');
                     INSERT INTO lessons (course_id, position, title, video_id) VALUES (1, 1, '第1回', 1);",
                )?;
                let t0: Timestamp = "2026-04-01T00:00:00Z".parse().unwrap();
                let later = t0 + jiff::SignedDuration::from_secs(60);
                let video = VideoId::new(1);
                let (learner, _) = start(c, UserId::new(1), video, "default", None, t0, later)?;
                let (editor, _) = start(c, UserId::new(2), video, "default", None, t0, later)?;
                let mut renewed = vec![renew_grant(c, &learner, later)?];
                // Taken back to draft: the editor's preview goes on, the learner's does not.
                c.execute_batch("UPDATE courses SET status = 'draft'")?;
                renewed.extend([renew_grant(c, &learner, later)?, renew_grant(c, &editor, later)?]);
                // Published again, but the lesson removed.
                c.execute_batch("UPDATE courses SET status = 'published'; DELETE FROM lessons")?;
                renewed.push(renew_grant(c, &learner, later)?);
                Ok(renewed)
            })
            .await
            .unwrap();
        assert_eq!(renewed, [true, false, true, false]);
    }

    #[test]
    fn revocations_are_listed_until_no_grant_can_outlive_them() {
        let now: Timestamp = "2026-11-27T12:00:00Z".parse().unwrap();
        let revoked = |n: u8, until: Timestamp| Revoked {
            site: "honcho".into(),
            session: format!("{n:032x}").parse().unwrap(),
            until,
        };
        let list = Revocations::default();
        let late = jiff::SignedDuration::from_secs(domain::MAX_GRANT_SKEW_SECONDS);
        list.add(
            &[revoked(1, now + jiff::SignedDuration::from_secs(45))],
            now,
        );
        list.add(&[revoked(2, now - late)], now);
        assert_eq!(list.current(now).len(), 2, "both may still pass an origin");
        let later = now + jiff::SignedDuration::from_secs(1);
        assert_eq!(
            list.current(later),
            vec![revoked(1, now + jiff::SignedDuration::from_secs(45))],
            "the second's grant is over even under the largest skew"
        );
        list.add(&[], now + late + jiff::SignedDuration::from_secs(46));
        assert!(list.current(now).is_empty(), "adding prunes too");
    }

    #[tokio::test]
    async fn a_session_is_revoked_when_the_login_that_started_it_ends() {
        let (_dir, db) = taro_and_video(100.0).await;
        let found = db
            .call(|c| {
                let (user, video) = (UserId::new(1), VideoId::new(1));
                let t0: Timestamp = "2026-04-01T00:00:00Z".parse().unwrap();
                let later = t0 + jiff::SignedDuration::from_secs(45);
                let pc = sessions::create(c, user, t0)?;
                let phone = sessions::create(c, user, t0)?;
                let (on_pc, _) = start(c, user, video, "honcho", Some(&pc.token), t0, later)?;
                let (on_phone, _) = start(c, user, video, "honcho", Some(&phone.token), t0, later)?;
                // Made without a login (history carried over): revoked only
                // once the user has no login at all.
                let (older, _) = start(c, user, video, "honcho", None, t0, later)?;
                let mut found = vec![revoke(c, user, t0)?];
                sessions::delete(c, &pc.token)?;
                found.push(revoke(c, user, t0)?);
                sessions::delete(c, &phone.token)?;
                found.push(revoke(c, user, t0)?);
                // Grants that ran out need no revoking.
                found.push(revoke(c, user, later)?);
                Ok((found, [on_pc, on_phone, older], later))
            })
            .await
            .unwrap();
        let (found, [on_pc, on_phone, older], until) = found;
        let ids = |i: usize| {
            found[i]
                .iter()
                .map(|r| r.session.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(0), []);
        assert_eq!(
            ids(1),
            std::slice::from_ref(&on_pc),
            "only the logged-out PC's"
        );
        assert_eq!(ids(2), [on_pc, on_phone, older]);
        assert_eq!(ids(3), []);
        assert_eq!(found[1][0].site, "honcho");
        assert_eq!(found[1][0].until, until);
    }

    #[tokio::test]
    async fn a_video_in_the_trash_gets_no_fresh_grant_from_heartbeats() {
        let (_dir, db) = taro_and_video(100.0).await;
        let revs = db
            .call(|c| {
                let (user, video) = (UserId::new(1), VideoId::new(1));
                let t0: Timestamp = "2026-04-01T00:00:00Z".parse().unwrap();
                let after = |s: i64| t0 + jiff::SignedDuration::from_secs(s);
                let beat = |seq: i64| Heartbeat {
                    seq,
                    position_s: seq as f64 * 10.0,
                    played: vec![[(seq - 1) as f64 * 10.0, seq as f64 * 10.0]],
                    rate: 1.0,
                };
                let (session, _) = start(c, user, video, "default", None, t0, after(45))?;
                let tz = TimeZone::UTC;
                let live = apply(c, &session, user, &beat(1), after(10), &tz, 0.95).unwrap();
                c.execute("UPDATE videos SET deleted_at = 't' WHERE id = 1", [])?;
                let trashed = apply(c, &session, user, &beat(2), after(20), &tz, 0.95).unwrap();
                Ok((live.rev, trashed.rev, trashed.credited_ms))
            })
            .await
            .unwrap();
        assert_eq!(revs.0.as_deref(), Some("r1"));
        assert_eq!(revs.1, None, "no package to renew a grant for");
        assert_eq!(
            revs.2, 10_000,
            "the viewing before the grant ran out still counts"
        );
    }
}

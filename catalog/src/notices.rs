//! Incident and maintenance notices (R-S7; API.md "Notices"): published by
//! admins, shown to everyone logged in while they are current. A
//! maintenance notice names its window, must be published
//! `catalog.maintenance_notice_days` ahead unless urgent, and during its
//! window the service takes no changes (viewing goes on; see
//! [`Windows`] and `api::maintenance_guard`).
//!
//! The service raises notices itself too ([`raise`], [`clear`]): a failed
//! backup is an incident shown to admins only until a backup succeeds.

use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, RwLock};

/// A notice as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    /// Its id.
    pub id: i64,
    /// `incident` or `maintenance`.
    pub kind: String,
    /// Headline.
    pub title: String,
    /// Text (what is affected, since when, expected recovery, updates…).
    pub body: String,
    /// From when it applies (RFC 3339, UTC).
    pub starts_at: String,
    /// Until when (`None`: until an admin ends it); required for maintenance.
    pub ends_at: Option<String>,
    /// Published without the usual notice period, or shown first.
    pub urgent: bool,
    /// `starts_at` in the service's timezone, e.g. `2026-04-01 09:00`.
    pub starts_at_local: String,
    /// `ends_at` likewise.
    pub ends_at_local: Option<String>,
    /// Whether it applies now.
    pub active: bool,
    /// When last changed.
    pub updated_at: String,
    /// Who sees it: `everyone`, or `admins` (notices the service raised).
    pub audience: String,
}

/// What an admin sends to publish or change a notice.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Draft {
    /// `incident` or `maintenance`.
    pub kind: Option<String>,
    /// Headline.
    pub title: Option<String>,
    /// Text.
    pub body: Option<String>,
    /// RFC 3339 with an offset; default now.
    pub starts_at: Option<String>,
    /// RFC 3339 with an offset, or `null` (to clear it on PATCH send `""`).
    pub ends_at: Option<String>,
    /// Urgent: shown first, and a maintenance may start sooner than the notice period.
    pub urgent: Option<bool>,
}

/// A notice that can be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Valid {
    kind: &'static str,
    title: String,
    body: String,
    starts_at: Timestamp,
    ends_at: Option<Timestamp>,
    urgent: bool,
}

/// Why a notice was refused (Japanese first).
#[derive(Debug, thiserror::Error)]
pub enum NoticeError {
    /// A value is missing or out of range.
    #[error("{0}")]
    Invalid(String),
    /// No such notice.
    #[error("お知らせが見つかりません (notice not found)")]
    NotFound,
    /// The database failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

fn invalid(message: &str) -> NoticeError {
    NoticeError::Invalid(message.to_owned())
}

fn time(value: &str, what: &str) -> Result<Timestamp, NoticeError> {
    value.trim().parse::<Timestamp>().map_err(|_| {
        NoticeError::Invalid(format!(
            "{what}は日時（例: 2026-04-01T09:00:00+09:00）で指定してください ({what}: RFC 3339 with an offset)"
        ))
    })
}

impl Valid {
    /// Checks `draft` over `base` (the stored notice on PATCH) at `now`;
    /// `lead` is how far ahead a maintenance must be announced.
    pub fn check(
        draft: &Draft,
        base: Option<&Valid>,
        now: Timestamp,
        lead: SignedDuration,
    ) -> Result<Self, NoticeError> {
        let kind = match (draft.kind.as_deref(), base) {
            (Some("incident"), _) => "incident",
            (Some("maintenance"), _) => "maintenance",
            (Some(_), _) => {
                return Err(invalid(
                    "種類は incident（障害）か maintenance（メンテナンス）です (kind must be incident or maintenance)",
                ));
            }
            (None, Some(b)) => b.kind,
            (None, None) => {
                return Err(invalid("種類（kind）を指定してください (kind is required)"));
            }
        };
        let title = match (&draft.title, base) {
            (Some(t), _) => t.trim().to_owned(),
            (None, Some(b)) => b.title.clone(),
            (None, None) => String::new(),
        };
        if title.is_empty() || title.chars().count() > 200 {
            return Err(invalid(
                "件名は1〜200文字で入力してください (title: 1 to 200 characters)",
            ));
        }
        let body = match (&draft.body, base) {
            (Some(b), _) => b.trim().to_owned(),
            (None, Some(b)) => b.body.clone(),
            (None, None) => String::new(),
        };
        if body.chars().count() > 10_000 {
            return Err(invalid(
                "本文は10,000文字以内にしてください (body: at most 10,000 characters)",
            ));
        }
        let starts_at = match (&draft.starts_at, base) {
            (Some(s), _) => time(s, "開始日時 starts_at")?,
            (None, Some(b)) => b.starts_at,
            (None, None) => now,
        };
        let ends_at = match (&draft.ends_at, base) {
            (Some(e), _) if e.trim().is_empty() => None,
            (Some(e), _) => Some(time(e, "終了日時 ends_at")?),
            (None, Some(b)) => b.ends_at,
            (None, None) => None,
        };
        if ends_at.is_some_and(|e| e <= starts_at) {
            return Err(invalid(
                "終了日時は開始日時より後にしてください (ends_at must be after starts_at)",
            ));
        }
        let urgent = draft.urgent.or(base.map(|b| b.urgent)).unwrap_or(false);
        if kind == "maintenance" {
            if ends_at.is_none() {
                return Err(invalid(
                    "メンテナンスのお知らせには終了日時が必要です (a maintenance notice needs ends_at)",
                ));
            }
            // The notice period applies when the window is set, not when
            // an admin later fixes a typo in a published notice.
            let window_changed = base.is_none_or(|b| b.starts_at != starts_at);
            if window_changed && !urgent && starts_at < now + lead {
                return Err(NoticeError::Invalid(format!(
                    "メンテナンスは{}日前までにお知らせしてください。急ぎの場合は緊急（urgent）にしてください (maintenance must be announced {} days ahead unless urgent)",
                    lead.as_hours() / 24,
                    lead.as_hours() / 24
                )));
            }
        }
        Ok(Self {
            kind,
            title,
            body,
            starts_at,
            ends_at,
            urgent,
        })
    }
}

/// The maintenance windows, kept in memory for the check every change
/// request makes; reloaded whenever a notice changes (this process is the
/// only writer of the catalog).
#[derive(Debug, Clone, Default)]
pub struct Windows(Arc<RwLock<Vec<(Timestamp, Timestamp)>>>);

impl Windows {
    /// Reads the windows that have not ended yet.
    pub fn reload(&self, conn: &Connection, now: Timestamp) -> rusqlite::Result<()> {
        let mut stmt = conn.prepare_cached(
            "SELECT starts_at, ends_at FROM notices
             WHERE kind = 'maintenance' AND ends_at IS NOT NULL AND ends_at > ?1",
        )?;
        let windows = stmt
            .query_map([now.to_string()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?
            .filter_map(|w| {
                let (s, e) = w.ok()?;
                Some((s.parse().ok()?, e.parse().ok()?))
            })
            .collect();
        *self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = windows;
        Ok(())
    }

    /// The end of the maintenance window `now` lies in, if any.
    pub fn active(&self, now: Timestamp) -> Option<Timestamp> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .filter(|(s, e)| *s <= now && now < *e)
            .map(|(_, e)| *e)
            .max()
    }
}

fn local(t: Timestamp, tz: &jiff::tz::TimeZone) -> String {
    t.to_zoned(tz.clone())
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

fn read(
    r: &rusqlite::Row<'_>,
    now: Timestamp,
    tz: &jiff::tz::TimeZone,
) -> rusqlite::Result<Notice> {
    let starts_at: String = r.get(4)?;
    let ends_at: Option<String> = r.get(5)?;
    let start = starts_at.parse::<Timestamp>().unwrap_or(now);
    let end = ends_at.as_deref().and_then(|e| e.parse::<Timestamp>().ok());
    Ok(Notice {
        id: r.get(0)?,
        kind: r.get(1)?,
        title: r.get(2)?,
        body: r.get(3)?,
        starts_at_local: local(start, tz),
        ends_at_local: end.map(|e| local(e, tz)),
        active: start <= now && end.is_none_or(|e| now < e),
        starts_at,
        ends_at,
        urgent: r.get(6)?,
        updated_at: r.get(7)?,
        audience: r.get(8)?,
    })
}

const COLUMNS: &str = "id, kind, title, body, starts_at, ends_at, urgent, updated_at, audience";

/// Notices not ended at `now` (current and upcoming), or with `all` every
/// notice; those for admins only when `admin`. Urgent first, incidents
/// before maintenance, then by start.
pub fn list(
    conn: &Connection,
    now: Timestamp,
    all: bool,
    admin: bool,
    tz: &jiff::tz::TimeZone,
) -> rusqlite::Result<Vec<Notice>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM notices WHERE (?1 OR ends_at IS NULL OR ends_at > ?2)
           AND (?3 OR audience = 'everyone')
         ORDER BY urgent DESC, kind = 'maintenance', starts_at DESC, id DESC"
    ))?;
    let rows = stmt.query_map(params![all, now.to_string(), admin], |r| read(r, now, tz))?;
    rows.collect()
}

/// Raises (or, while one is open, updates) the urgent incident notice
/// `source` keeps for admins; returns its id.
pub fn raise(
    conn: &Connection,
    source: &str,
    title: &str,
    body: &str,
    now: Timestamp,
) -> rusqlite::Result<i64> {
    let now = now.to_string();
    let open: Option<i64> = conn
        .query_row(
            "SELECT id FROM notices WHERE raised_by = ?1 AND ends_at IS NULL",
            [source],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = open {
        conn.execute(
            "UPDATE notices SET title = ?1, body = ?2, updated_at = ?3 WHERE id = ?4",
            params![title, body, now, id],
        )?;
        return Ok(id);
    }
    conn.execute(
        "INSERT INTO notices (kind, title, body, starts_at, urgent, created_at, updated_at, audience, raised_by)
         VALUES ('incident', ?1, ?2, ?3, 1, ?3, ?3, 'admins', ?4)",
        params![title, body, now, source],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The service's own notice about `source`: raised (or updated) with
/// `title` and `body` while there is a `body` — a problem —, ended when there
/// is none. A failure to record it is logged, never passed on: the notice
/// reports a problem, it must not become one.
pub async fn keep_raised(
    db: &crate::db::Db,
    source: &'static str,
    title: &'static str,
    body: Option<String>,
) {
    let noticed = db
        .call(move |c| {
            let now = Timestamp::now();
            match body {
                Some(body) => raise(c, source, title, &body, now).map(drop)?,
                None => clear(c, source, now)?,
            }
            Ok(())
        })
        .await;
    if let Err(e) = noticed {
        tracing::error!(error = %e, source, "the service's notice could not be updated");
    }
}

/// Ends the open notice `source` raised, if any (its cause is gone).
pub fn clear(conn: &Connection, source: &str, now: Timestamp) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE notices SET ends_at = ?1, updated_at = ?1 WHERE raised_by = ?2 AND ends_at IS NULL",
        params![now.to_string(), source],
    )?;
    Ok(())
}

/// One notice.
pub fn get(
    conn: &Connection,
    id: i64,
    now: Timestamp,
    tz: &jiff::tz::TimeZone,
) -> Result<Notice, NoticeError> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM notices WHERE id = ?1"),
        [id],
        |r| read(r, now, tz),
    )
    .optional()?
    .ok_or(NoticeError::NotFound)
}

/// The stored notice `id` as [`Valid`] (the base of a change).
pub fn stored(conn: &Connection, id: i64) -> Result<Valid, NoticeError> {
    let row = conn
        .query_row(
            "SELECT kind, title, body, starts_at, ends_at, urgent FROM notices WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, bool>(5)?,
                ))
            },
        )
        .optional()?
        .ok_or(NoticeError::NotFound)?;
    let (kind, title, body, starts_at, ends_at, urgent) = row;
    Ok(Valid {
        kind: if kind == "maintenance" {
            "maintenance"
        } else {
            "incident"
        },
        title,
        body,
        starts_at: starts_at.parse().unwrap_or(Timestamp::UNIX_EPOCH),
        ends_at: ends_at.and_then(|e| e.parse().ok()),
        urgent,
    })
}

/// Stores `notice` as a new notice (`id` `None`) or over notice `id`;
/// returns its id.
pub fn save(
    conn: &Connection,
    id: Option<i64>,
    notice: &Valid,
    by: Option<domain::UserId>,
    now: Timestamp,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO notices (id, kind, title, body, starts_at, ends_at, urgent, created_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title = excluded.title,
             body = excluded.body, starts_at = excluded.starts_at, ends_at = excluded.ends_at,
             urgent = excluded.urgent, updated_at = excluded.updated_at",
        params![
            id,
            notice.kind,
            notice.title,
            notice.body,
            notice.starts_at.to_string(),
            notice.ends_at.map(|e| e.to_string()),
            notice.urgent,
            by.map(domain::UserId::get),
            now.to_string()
        ],
    )?;
    Ok(id.unwrap_or_else(|| conn.last_insert_rowid()))
}

/// Deletes notice `id` (the audit log keeps what it said).
pub fn delete(conn: &Connection, id: i64) -> Result<(), NoticeError> {
    match conn.execute("DELETE FROM notices WHERE id = ?1", [id])? {
        0 => Err(NoticeError::NotFound),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn draft(kind: &str, starts: &str, ends: Option<&str>) -> Draft {
        Draft {
            kind: Some(kind.into()),
            title: Some("件名".into()),
            body: Some("本文".into()),
            starts_at: Some(starts.into()),
            ends_at: ends.map(Into::into),
            urgent: None,
        }
    }

    const WEEK: SignedDuration = SignedDuration::from_hours(24 * 7);

    #[test]
    fn maintenance_is_announced_a_week_ahead_unless_urgent() {
        let now = at("2026-04-01T00:00:00Z");
        let soon = draft(
            "maintenance",
            "2026-04-03T12:00:00+09:00",
            Some("2026-04-03T13:00:00+09:00"),
        );
        let err = Valid::check(&soon, None, now, WEEK)
            .unwrap_err()
            .to_string();
        assert!(err.contains("7日前まで"), "{err}");
        let urgent = Draft {
            urgent: Some(true),
            ..soon.clone()
        };
        assert!(Valid::check(&urgent, None, now, WEEK).is_ok());
        let later = draft(
            "maintenance",
            "2026-04-08T12:00:00+09:00",
            Some("2026-04-08T13:00:00+09:00"),
        );
        let valid = Valid::check(&later, None, now, WEEK).unwrap();
        // A typo fixed the day before keeps the window (and is allowed).
        let fix = Draft {
            title: Some("件名（訂正）".into()),
            ..Draft::default()
        };
        let day_before = at("2026-04-07T00:00:00Z");
        assert!(Valid::check(&fix, Some(&valid), day_before, WEEK).is_ok());
        let moved = Draft {
            starts_at: Some("2026-04-07T12:00:00+09:00".into()),
            ..Draft::default()
        };
        assert!(Valid::check(&moved, Some(&valid), day_before, WEEK).is_err());
        // A window needs an end.
        let open = draft("maintenance", "2026-04-20T12:00:00+09:00", None);
        assert!(Valid::check(&open, None, now, WEEK).is_err());
    }

    #[test]
    fn bad_values_are_refused_in_japanese() {
        let now = at("2026-04-01T00:00:00Z");
        let check = |d: Draft| Valid::check(&d, None, now, WEEK).unwrap_err().to_string();
        assert!(
            check(Draft {
                kind: Some("party".into()),
                ..draft("incident", "2026-04-01T09:00:00+09:00", None)
            })
            .starts_with("種類")
        );
        assert!(
            check(Draft {
                title: Some("  ".into()),
                ..draft("incident", "2026-04-01T09:00:00+09:00", None)
            })
            .starts_with("件名")
        );
        assert!(check(draft("incident", "tomorrow", None)).starts_with("開始日時"));
        assert!(
            check(draft(
                "incident",
                "2026-04-01T09:00:00+09:00",
                Some("2026-04-01T08:00:00+09:00")
            ))
            .starts_with("終了日時")
        );
        // An incident starts now by default and may stay open.
        let incident = Draft {
            starts_at: None,
            ..draft("incident", "", None)
        };
        let v = Valid::check(&incident, None, now, WEEK).unwrap();
        assert_eq!((v.starts_at, v.ends_at), (now, None));
    }

    #[test]
    fn windows_say_when_changes_wait() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::open(&dir.path().join("c.db"), &crate::keyfile::Key::generate())
            .unwrap();
        let now = at("2026-04-01T00:00:00Z");
        let windows = Windows::default();
        db.blocking(|c| {
            let v = Valid::check(
                &Draft {
                    urgent: Some(true),
                    ..draft(
                        "maintenance",
                        "2026-04-01T09:00:00+09:00",
                        Some("2026-04-01T10:00:00+09:00"),
                    )
                },
                None,
                now,
                WEEK,
            )
            .unwrap();
            save(c, None, &v, None, now).unwrap();
            windows.reload(c, now).unwrap();
        });
        assert_eq!(windows.active(at("2026-03-31T23:59:59Z")), None);
        assert_eq!(
            windows.active(at("2026-04-01T00:30:00Z")),
            Some(at("2026-04-01T01:00:00Z"))
        );
        assert_eq!(windows.active(at("2026-04-01T01:00:00Z")), None);
    }
}

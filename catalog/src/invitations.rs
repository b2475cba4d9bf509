//! The invitation e-mails' queue (table `invitations`): queued by an import's
//! transaction, delivered by [`crate::Catalog::deliver_invitations`] through
//! [`crate::mail::Mailer`], retried with a growing pause while the server is
//! unreachable or answers "try later" (4xx), and failed for good on a
//! permanent refusal (5xx) or once [`crate::mail::Settings::give_up_hours`]
//! have passed. A failed invitation's one-time password is handed to the
//! importer as CSV (`GET /api/v1/imports/{id}/passwords.csv`), so no created
//! user is left without one. Nothing here sends: the queue is pure SQL.

use crate::imports::ImportId;
use domain::UserId;
use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

/// One queued invitation, as the sender takes it.
#[derive(Debug, Clone)]
pub struct Queued {
    /// Row id.
    pub id: i64,
    /// The invited user.
    pub user_id: i64,
    /// Address.
    pub email: String,
    /// Name.
    pub name: String,
    /// The one-time password.
    pub password: String,
    /// When it was queued.
    pub created_at: Timestamp,
    /// Attempts so far.
    pub attempts: i64,
}

/// How an import's invitations went (`invitations` of `GET /api/v1/imports/{id}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Waiting to be sent (or to be tried again).
    pub queued: u32,
    /// Accepted by the SMTP server.
    pub sent: u32,
    /// Not deliverable; their passwords are in the passwords' CSV until downloaded.
    pub failed: u32,
    /// Failed, and their passwords downloaded.
    pub handed_over: u32,
    /// Not sent because the import was undone or the user disabled or deleted.
    pub withdrawn: u32,
    /// Invitations not (yet) delivered and why, by e-mail.
    pub problems: Vec<Problem>,
}

/// An invitation not delivered (yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Address.
    pub email: String,
    /// `queued` (will be tried again) or `failed`.
    pub status: String,
    /// Attempts so far.
    pub attempts: i64,
    /// The last error.
    pub error: String,
}

/// Queues an invitation (inside the import's transaction).
pub fn queue(
    conn: &Connection,
    import: ImportId,
    user: UserId,
    email: &str,
    name: &str,
    password: &str,
    now: Timestamp,
) -> rusqlite::Result<()> {
    let now = now.to_string();
    conn.execute(
        "INSERT INTO invitations (import_id, user_id, email, name, password, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        params![import.get(), user.get(), email, name, password, now],
    )?;
    Ok(())
}

/// Up to `limit` invitations due at `now`, after withdrawing those whose
/// user was disabled or deleted meanwhile.
pub fn due(conn: &Connection, now: Timestamp, limit: u32) -> rusqlite::Result<Vec<Queued>> {
    conn.execute(
        "UPDATE invitations SET status = 'withdrawn', password = NULL, finished_at = ?1
         WHERE status = 'queued' AND user_id IN
               (SELECT id FROM users WHERE status <> 'active' OR deleted_at IS NOT NULL)",
        [now.to_string()],
    )?;
    let mut stmt = conn.prepare_cached(
        "SELECT id, user_id, email, name, password, created_at, attempts FROM invitations
         WHERE status = 'queued' AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![now.to_string(), limit], |r| {
        Ok(Queued {
            id: r.get(0)?,
            user_id: r.get(1)?,
            email: r.get(2)?,
            name: r.get(3)?,
            password: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
            created_at: r
                .get::<_, String>(5)?
                .parse()
                .unwrap_or(Timestamp::UNIX_EPOCH),
            attempts: r.get(6)?,
        })
    })?;
    rows.collect()
}

/// When the next queued invitation is due, if any.
pub fn next_due(conn: &Connection) -> rusqlite::Result<Option<Timestamp>> {
    let next: Option<String> = conn
        .query_row(
            "SELECT MIN(next_attempt_at) FROM invitations WHERE status = 'queued'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    Ok(next.and_then(|t| t.parse().ok()))
}

/// The server accepted the invitation: its password is forgotten.
pub fn sent(conn: &Connection, id: i64, now: Timestamp) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE invitations SET status = 'sent', password = NULL, attempts = attempts + 1,
                last_error = NULL, finished_at = ?1
         WHERE id = ?2 AND status = 'queued'",
        params![now.to_string(), id],
    )?;
    Ok(())
}

/// The pause before attempt `attempts + 1`: 5 s, doubling, at most 10 min.
pub fn backoff(attempts: i64) -> SignedDuration {
    let exponent = u32::try_from(attempts.clamp(1, 8) - 1).unwrap_or(0);
    SignedDuration::from_secs((5 * 2_i64.pow(exponent)).min(600))
}

/// A delivery attempt failed: try again later, or — when `permanent` or
/// past `give_up` since queuing — fail for good. Returns whether it failed
/// for good.
pub fn attempt_failed(
    conn: &Connection,
    invitation: &Queued,
    error: &str,
    permanent: bool,
    give_up: SignedDuration,
    now: Timestamp,
) -> rusqlite::Result<bool> {
    let attempts = invitation.attempts + 1;
    let next = now + backoff(attempts);
    let final_failure = permanent || next.duration_since(invitation.created_at) > give_up;
    let error: String = error.chars().take(500).collect();
    if final_failure {
        conn.execute(
            "UPDATE invitations SET status = 'failed', attempts = ?1, last_error = ?2, finished_at = ?3
             WHERE id = ?4 AND status = 'queued'",
            params![attempts, error, now.to_string(), invitation.id],
        )?;
    } else {
        conn.execute(
            "UPDATE invitations SET attempts = ?1, last_error = ?2, next_attempt_at = ?3
             WHERE id = ?4 AND status = 'queued'",
            params![attempts, error, next.to_string(), invitation.id],
        )?;
    }
    Ok(final_failure)
}

/// How `import`'s invitations went; `None` when it queued none.
pub fn summary(conn: &Connection, import: ImportId) -> rusqlite::Result<Option<Summary>> {
    let mut stmt = conn.prepare_cached(
        "SELECT email, status, attempts, last_error FROM invitations WHERE import_id = ?1 ORDER BY id",
    )?;
    let mut rows = stmt.query([import.get()])?;
    let mut summary = Summary::default();
    let mut any = false;
    while let Some(r) = rows.next()? {
        any = true;
        let status: String = r.get(1)?;
        let error: Option<String> = r.get(3)?;
        match status.as_str() {
            "queued" => summary.queued += 1,
            "sent" => summary.sent += 1,
            "failed" => summary.failed += 1,
            "handed_over" => summary.handed_over += 1,
            _ => summary.withdrawn += 1,
        }
        if let (Some(error), "queued" | "failed") = (error, status.as_str()) {
            summary.problems.push(Problem {
                email: r.get(0)?,
                status,
                attempts: r.get(2)?,
                error,
            });
        }
    }
    Ok(any.then_some(summary))
}

/// Whether `import` has failed invitations whose passwords wait for download.
pub fn has_failed_passwords(conn: &Connection, import: ImportId) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM invitations
                        WHERE import_id = ?1 AND status = 'failed' AND password IS NOT NULL)",
        [import.get()],
        |r| r.get(0),
    )
}

/// The failed invitations' `(email, name, password)`, forgotten as they are
/// handed out (call inside a transaction).
pub fn take_failed(conn: &Connection, import: ImportId) -> rusqlite::Result<Vec<[String; 3]>> {
    const FAILED: &str = "import_id = ?1 AND status = 'failed' AND password IS NOT NULL";
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT email, name, password FROM invitations WHERE {FAILED} ORDER BY email"
    ))?;
    let out: Vec<[String; 3]> = stmt
        .query_map([import.get()], |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?]))?
        .collect::<Result<_, _>>()?;
    conn.execute(
        &format!("UPDATE invitations SET status = 'handed_over', password = NULL WHERE {FAILED}"),
        [import.get()],
    )?;
    Ok(out)
}

/// Withdraws `import`'s undelivered invitations (the import was undone).
pub fn withdraw(conn: &Connection, import: ImportId, now: Timestamp) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE invitations SET status = 'withdrawn', password = NULL, finished_at = ?1
         WHERE import_id = ?2 AND status IN ('queued', 'failed')",
        params![now.to_string(), import.get()],
    )
}

/// Forgets the passwords of invitations that failed longer than `kept` ago
/// (like the passwords' CSV, they wait 24 hours for their download).
pub fn expire(conn: &Connection, kept: SignedDuration, now: Timestamp) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE invitations SET password = NULL WHERE status = 'failed' AND finished_at < ?1",
        [(now - kept).to_string()],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    fn setup() -> (tempfile::TempDir, rusqlite::Connection) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let key = crate::keyfile::Key::generate();
        drop(Db::open(&path, &key).unwrap());
        let conn = crate::db::connect(&path, &key).unwrap();
        conn.execute_batch(
            "INSERT INTO users (id, email, name, role, status, created_at, updated_at)
               VALUES (1, 'a@x.jp', 'A', 'learner', 'active', 't', 't'),
                      (2, 'b@x.jp', 'B', 'learner', 'active', 't', 't');
             INSERT INTO imports (id, status, format, mode, file_sha256, plan_sha256, summary,
                                  error_rows, rows, new_groups, created_at)
               VALUES (7, 'applied', 'standard', 'upsert', '', '', '{}', '[]', '[]', '[]', 't');",
        )
        .unwrap();
        (dir, conn)
    }

    #[test]
    fn backoff_doubles_from_five_seconds_up_to_ten_minutes() {
        let secs: Vec<i64> = (1..=10).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(secs, [5, 10, 20, 40, 80, 160, 320, 600, 600, 600]);
    }

    #[test]
    fn delivery_retries_then_fails_and_hands_the_password_over_once() {
        let (_dir, conn) = setup();
        let t0: Timestamp = "2026-04-01T00:00:00Z".parse().unwrap();
        let import = ImportId::new(7);
        queue(&conn, import, UserId::new(1), "a@x.jp", "A", "pw-a", t0).unwrap();
        queue(&conn, import, UserId::new(2), "b@x.jp", "B", "pw-b", t0).unwrap();
        let due_now = due(&conn, t0, 10).unwrap();
        assert_eq!(due_now.len(), 2);
        sent(&conn, due_now[0].id, t0).unwrap();
        let give_up = SignedDuration::from_hours(24);
        // Unreachable: tried again 5 s later, not before.
        assert!(
            !attempt_failed(&conn, &due_now[1], "connection refused", false, give_up, t0).unwrap()
        );
        assert!(
            due(&conn, t0 + SignedDuration::from_secs(4), 10)
                .unwrap()
                .is_empty()
        );
        let again = due(&conn, t0 + SignedDuration::from_secs(5), 10).unwrap();
        assert_eq!((again.len(), again[0].attempts), (1, 1));
        // Refused for good.
        assert!(attempt_failed(&conn, &again[0], "550 no such user", true, give_up, t0).unwrap());
        let s = summary(&conn, import).unwrap().unwrap();
        assert_eq!((s.queued, s.sent, s.failed), (0, 1, 1));
        assert_eq!(s.problems[0].email, "b@x.jp");
        assert!(has_failed_passwords(&conn, import).unwrap());
        assert_eq!(
            take_failed(&conn, import).unwrap(),
            vec![["b@x.jp".to_owned(), "B".to_owned(), "pw-b".to_owned()]]
        );
        assert!(take_failed(&conn, import).unwrap().is_empty());
        let left: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM invitations WHERE password IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(left, 0, "no password is kept after delivery or hand-over");
    }

    #[test]
    fn giving_up_after_the_configured_hours_and_withdrawing_disabled_users() {
        let (_dir, conn) = setup();
        let t0: Timestamp = "2026-04-01T00:00:00Z".parse().unwrap();
        let import = ImportId::new(7);
        queue(&conn, import, UserId::new(1), "a@x.jp", "A", "pw-a", t0).unwrap();
        queue(&conn, import, UserId::new(2), "b@x.jp", "B", "pw-b", t0).unwrap();
        let give_up = SignedDuration::from_hours(1);
        let late = t0 + SignedDuration::from_mins(59) + SignedDuration::from_secs(56);
        let first = &due(&conn, t0, 10).unwrap()[0];
        assert!(attempt_failed(&conn, first, "timeout", false, give_up, late).unwrap());
        conn.execute("UPDATE users SET status = 'disabled' WHERE id = 2", [])
            .unwrap();
        assert!(due(&conn, late, 10).unwrap().is_empty());
        let s = summary(&conn, import).unwrap().unwrap();
        assert_eq!((s.failed, s.withdrawn), (1, 1));
        // The failed password waits a day for its download, then is gone.
        expire(
            &conn,
            SignedDuration::from_hours(24),
            late + SignedDuration::from_hours(25),
        )
        .unwrap();
        assert!(!has_failed_passwords(&conn, import).unwrap());
        assert_eq!(withdraw(&conn, import, late).unwrap(), 1);
        assert!(next_due(&conn).unwrap().is_none());
    }
}

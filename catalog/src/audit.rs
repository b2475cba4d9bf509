//! The audit log: who did what, when, from where. Appended in the same
//! transaction as the change it records.

use domain::UserId;
use rusqlite::{Connection, params};

/// Appends one entry. `detail` is a small JSON object; never a secret.
pub fn record(
    conn: &Connection,
    at: jiff::Timestamp,
    actor: Option<UserId>,
    action: &str,
    target: &str,
    detail: &serde_json::Value,
) -> rusqlite::Result<()> {
    record_from(conn, at, actor, action, target, detail, "")
}

/// [`record`] with the client address the request came from.
pub fn record_from(
    conn: &Connection,
    at: jiff::Timestamp,
    actor: Option<UserId>,
    action: &str,
    target: &str,
    detail: &serde_json::Value,
    client: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO audit_log (at, actor_id, action, target, detail, client)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            at.to_string(),
            actor.map(UserId::get),
            action,
            target,
            detail.to_string(),
            client
        ],
    )?;
    Ok(())
}

/// Failed logins for `target` (an e-mail) or from `client` since `since`:
/// `(for the account, from the client, oldest of the account's)`.
pub fn login_failures(
    conn: &Connection,
    target: &str,
    client: &str,
    since: jiff::Timestamp,
) -> rusqlite::Result<(i64, i64, Option<String>)> {
    let since = since.to_string();
    let (account, oldest) = conn.query_row(
        "SELECT COUNT(*), MIN(at) FROM audit_log WHERE action = 'login_failed' AND target = ?1 AND at > ?2",
        params![target, since],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let from_client = conn.query_row(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'login_failed' AND client = ?1 AND at > ?2",
        params![client, since],
        |r| r.get(0),
    )?;
    Ok((account, from_client, oldest))
}

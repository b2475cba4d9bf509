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
    conn.execute(
        "INSERT INTO audit_log (at, actor_id, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            at.to_string(),
            actor.map(UserId::get),
            action,
            target,
            detail.to_string()
        ],
    )?;
    Ok(())
}

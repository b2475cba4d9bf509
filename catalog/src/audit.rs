//! The audit log: who did what, when, from where. Appended in the same
//! transaction as the change it records; the database refuses to change or
//! delete an entry (migration 0008's triggers).
//!
//! Where a change came from (the client address and the request id) is not
//! passed down through every domain function: the API's middleware puts it
//! in a task-local [`Source`] for the request ([`within`]), [`crate::db::Db::call`]
//! carries it onto the blocking thread that runs the SQL ([`on_this_thread`]),
//! and [`record`] reads it there. Work outside a request (the command line,
//! background jobs) records no address.

use domain::UserId;
use rusqlite::{Connection, params};
use std::cell::RefCell;
use std::future::Future;

/// Where a request came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Source {
    /// The client address (after trusted proxies), as text.
    pub client: String,
    /// The request id (`x-request-id`).
    pub request_id: String,
}

tokio::task_local! {
    static REQUEST: Source;
}

thread_local! {
    static ON_THREAD: RefCell<Option<Source>> = const { RefCell::new(None) };
}

/// Runs `work` (one request) with `source` as the origin of what it records.
pub async fn within<F: Future>(source: Source, work: F) -> F::Output {
    REQUEST.scope(source, work).await
}

/// The source of the request this task is serving, if any.
pub fn current() -> Option<Source> {
    REQUEST.try_with(Clone::clone).ok()
}

/// Runs `work` on this thread with `source` as the origin of what it records
/// (used where request work moves to a blocking thread).
pub fn on_this_thread<T>(source: Option<Source>, work: impl FnOnce() -> T) -> T {
    let previous = ON_THREAD.with(|s| s.replace(source));
    let out = work();
    ON_THREAD.with(|s| *s.borrow_mut() = previous);
    out
}

fn source_here() -> Source {
    ON_THREAD
        .with(|s| s.borrow().clone())
        .or_else(current)
        .unwrap_or_default()
}

/// Appends one entry. `detail` is a small JSON object (before → after for
/// changes); never a secret.
pub fn record(
    conn: &Connection,
    at: jiff::Timestamp,
    actor: Option<UserId>,
    action: &str,
    target: &str,
    detail: &serde_json::Value,
) -> rusqlite::Result<()> {
    let source = source_here();
    conn.execute(
        "INSERT INTO audit_log (at, actor_id, action, target, detail, client, request_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            at.to_string(),
            actor.map(UserId::get),
            action,
            target,
            detail.to_string(),
            source.client,
            source.request_id
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

/// Which entries to list: `[from, to)` in UTC, optionally one action
/// (or a family: `group.` matches every `group.*`) and one actor.
#[derive(Debug, Clone)]
pub struct Filter {
    /// First instant included.
    pub from: jiff::Timestamp,
    /// First instant no longer included.
    pub to: jiff::Timestamp,
    /// An action, or a prefix ending in `.`.
    pub action: Option<String>,
    /// Only what this account did.
    pub actor: Option<UserId>,
}

/// One entry as the API and the export show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    /// Its sequence number.
    pub id: i64,
    /// When, in UTC (RFC 3339).
    pub at: String,
    /// When, in the service's timezone (Asia/Tokyo by default), RFC 3339 with offset.
    pub at_local: String,
    /// Who (absent: the system, or an unknown account at login).
    pub actor_id: Option<i64>,
    /// The actor's e-mail now (empty when there is none).
    pub actor_email: String,
    /// What, e.g. `user.update`, `login_failed`, `import.apply`, `export`.
    pub action: String,
    /// On what, e.g. `user:12`.
    pub target: String,
    /// Details: before → after, counts, file digests.
    pub detail: serde_json::Value,
    /// From which client address.
    pub client: String,
    /// The request that did it.
    pub request_id: String,
}

const ENTRY_COLUMNS: &str = "a.id, a.at, a.actor_id, COALESCE(u.email, ''), a.action, a.target, a.detail, a.client, a.request_id
     FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
     WHERE a.at >= :from AND a.at < :to
       AND (:action IS NULL OR a.action = :action
            OR (substr(:action, -1) = '.' AND substr(a.action, 1, length(:action)) = :action))
       AND (:actor IS NULL OR a.actor_id = :actor)";

/// The entries matching `filter`, newest first: `(page of entries, total)`.
/// `page` is `(page number from 1, entries per page)`; `None` returns all.
pub fn list(
    conn: &Connection,
    filter: &Filter,
    tz: &jiff::tz::TimeZone,
    page: Option<(u32, u32)>,
) -> rusqlite::Result<(Vec<Entry>, u64)> {
    let from = filter.from.to_string();
    let to = filter.to.to_string();
    let actor = filter.actor.map(UserId::get);
    let (limit, offset) = page.map_or((-1, 0), |(page, per)| {
        (i64::from(per), i64::from(page.max(1) - 1) * i64::from(per))
    });
    let args = rusqlite::named_params! {
        ":from": from, ":to": to, ":action": filter.action, ":actor": actor,
    };
    let total: u64 = conn.query_row(
        &format!("SELECT COUNT(*) FROM (SELECT {ENTRY_COLUMNS})"),
        args,
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(&format!(
        "SELECT {ENTRY_COLUMNS} ORDER BY a.id DESC LIMIT :limit OFFSET :offset"
    ))?;
    let paged = rusqlite::named_params! {
        ":from": from, ":to": to, ":action": filter.action, ":actor": actor,
        ":limit": limit, ":offset": offset,
    };
    let rows = stmt.query_map(paged, |r| {
        let at: String = r.get(1)?;
        let detail: String = r.get(6)?;
        Ok(Entry {
            id: r.get(0)?,
            at_local: at
                .parse::<jiff::Timestamp>()
                .map(|t| local_time(t, tz))
                .unwrap_or_default(),
            at,
            actor_id: r.get(2)?,
            actor_email: r.get(3)?,
            action: r.get(4)?,
            target: r.get(5)?,
            detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::String(detail)),
            client: r.get(7)?,
            request_id: r.get(8)?,
        })
    })?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}

/// `t` in `tz`, to the second, RFC 3339 with offset (`2026-04-01T09:00:00+09:00`).
pub fn local_time(t: jiff::Timestamp, tz: &jiff::tz::TimeZone) -> String {
    t.to_zoned(tz.clone())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

//! The SQLite handle: opened by path (never a global), pragmas for durability,
//! numbered forward-only migrations, and `call` to run work off the async runtime.

use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Migrations in order; `PRAGMA user_version` records how many were applied.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_init.sql"),
    include_str!("../migrations/0002_job_leases.sql"),
    include_str!("../migrations/0003_captions.sql"),
    include_str!("../migrations/0004_video_extras.sql"),
    include_str!("../migrations/0005_login_throttle.sql"),
    include_str!("../migrations/0006_one_time_passwords.sql"),
    include_str!("../migrations/0007_imports.sql"),
    include_str!("../migrations/0008_audit.sql"),
    include_str!("../migrations/0009_seats.sql"),
    include_str!("../migrations/0010_trash.sql"),
    include_str!("../migrations/0011_viewing_records.sql"),
    include_str!("../migrations/0012_assignments.sql"),
    include_str!("../migrations/0013_viewing_monthly.sql"),
    include_str!("../migrations/0014_ledger_append_only.sql"),
    include_str!("../migrations/0015_invitations.sql"),
    include_str!("../migrations/0016_notices.sql"),
    include_str!("../migrations/0017_backups.sql"),
    include_str!("../migrations/0018_coverage_runs.sql"),
    include_str!("../migrations/0019_system_notices.sql"),
];

/// A database failure.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The blocking task running the query panicked or was cancelled.
    #[error("database task failed: {0}")]
    Task(String),
}

/// One connection behind a mutex: SQLite allows one writer at a time anyway,
/// and a single writer path means no `SQLITE_BUSY` reaches a client.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    path: std::path::PathBuf,
}

impl Db {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "secure_delete", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            path: path.to_owned(),
        })
    }

    /// A separate read-only connection, for long reads (a streamed export)
    /// that must not hold the one connection everything else writes
    /// through: in WAL mode it reads a consistent snapshot while writes go on.
    pub fn reader(&self) -> Result<Connection, DbError> {
        let conn = Connection::open_with_flags(
            &self.path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(conn)
    }

    /// Runs `f` with the connection on the blocking pool, inside the caller's
    /// tracing span and with the caller's request as the source of what it
    /// writes to the audit log.
    pub async fn call<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, DbError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        let span = tracing::Span::current();
        let source = crate::audit::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            // A panic while holding the lock poisons it; the connection itself
            // is still consistent (SQLite rolls back an open transaction).
            let mut guard = conn
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            crate::audit::on_this_thread(source, || f(&mut guard))
        })
        .await
        .map_err(|e| DbError::Task(e.to_string()))?
    }

    /// Runs `f` with the connection on the calling thread, which must be
    /// allowed to block: a thread of its own (the heartbeat writer), never
    /// the async runtime's.
    pub fn blocking<T>(&self, f: impl FnOnce(&mut Connection) -> T) -> T {
        let mut guard = self
            .conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }
}

fn migrate(conn: &mut Connection) -> Result<(), DbError> {
    let applied: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
        tracing::info!(version = i + 1, "database migrated");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn opens_migrates_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.db");
        let db = Db::open(&path).unwrap();
        let mode: String = db
            .call(|c| Ok(c.pragma_query_value(None, "journal_mode", |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        drop(db);
        let db = Db::open(&path).unwrap();
        let v: usize = db
            .call(|c| Ok(c.pragma_query_value(None, "user_version", |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(v, MIGRATIONS.len());
    }

    #[test]
    fn coverage_bitmaps_written_before_their_tag_byte_read_the_same_after() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("catalog.db")).unwrap();
        // The schema before migration 0018, with a bitmap as it was stored.
        for (i, sql) in MIGRATIONS[..17].iter().enumerate() {
            conn.execute_batch(sql).unwrap();
            conn.pragma_update(None, "user_version", i + 1).unwrap();
        }
        let old = vec![0xff, 0x0f, 0, 0x80];
        conn.execute_batch(
            "INSERT INTO users (id, email, name, role, status, created_at, updated_at)
               VALUES (1, 'a@x.jp', 'A', 'learner', 'active', 't', 't');
             INSERT INTO videos (id, title, uploaded_by, size_bytes, status, created_at, updated_at)
               VALUES (1, 'v', 1, 1, 'ready', 't', 't');",
        )
        .unwrap();
        conn.execute(
            "INSERT INTO viewing_progress VALUES (1, 1, ?1, 13, 32, 't', 't', NULL)",
            [&old],
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let read: crate::coverage::Stored = conn
            .query_row("SELECT seconds FROM viewing_progress", [], |r| r.get(0))
            .unwrap();
        assert_eq!(read.0, old);
    }
}

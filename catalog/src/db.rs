//! The SQLite handle: opened by path (never a global), encrypted at rest,
//! pragmas for durability, numbered forward-only migrations, and `call` to run
//! work off the async runtime.
//!
//! Encryption at rest is SQLCipher's (4.x defaults: AES-256-CBC per 4 KiB
//! page with a random IV, HMAC-SHA-512 over each page) under a raw 256-bit
//! key, so no password KDF runs. A plaintext database found at open (one made
//! before encryption, or a restored backup) is encrypted then, in place, and
//! the plaintext file overwritten.

use crate::keyfile::Key;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
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
    include_str!("../migrations/0020_preferences_language.sql"),
    include_str!("../migrations/0021_ledger_without_key_index.sql"),
    include_str!("../migrations/0022_coverage_chunks.sql"),
    include_str!("../migrations/0023_playback_login.sql"),
    include_str!("../migrations/0024_viewing_clock_and_ended_playback.sql"),
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
    /// The key does not open the database.
    #[error(
        "{0}: この鍵では開けません。catalog.db_key / catalog.db_key_file を確認してください。鍵の切り替え (manabi rekey) が中断された場合は、もう一度実行してください (the database key does not open this database)"
    )]
    WrongKey(String),
    /// A check of the database failed.
    #[error("{0}")]
    Check(String),
    /// Encrypting a plaintext database failed.
    #[error("{path}: {cause}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        cause: std::io::Error,
    },
}

impl DbError {
    /// Whether another connection holds the lock that was needed.
    pub fn is_busy(&self) -> bool {
        matches!(self, Self::Sqlite(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::DatabaseBusy)
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DbError + '_ {
    move |cause| DbError::Io {
        path: path.display().to_string(),
        cause,
    }
}

/// One connection behind a mutex: SQLite allows one writer at a time anyway,
/// and a single writer path means no `SQLITE_BUSY` reaches a client.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
    key: Key,
}

impl Db {
    /// Opens (creating if needed) the database at `path` with `key` and
    /// migrates it; a plaintext database there is encrypted first.
    pub fn open(path: &Path, key: &Key) -> Result<Self, DbError> {
        let leftover = plaintext_copy(path);
        if leftover.exists() {
            // An encryption interrupted after its rename: the plaintext goes.
            crate::keyfile::shred(&leftover).map_err(io(&leftover))?;
        }
        if is_plaintext(path).map_err(io(path))? {
            encrypt_in_place(path, key)?;
        }
        let mut conn = connect(path, key)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "secure_delete", "ON")?;
        // Pages read from disk are decrypted and checked (HMAC) once, then
        // kept: a page cache of 32 MiB instead of SQLite's 2 MiB.
        conn.pragma_update(None, "cache_size", -32 * 1024)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Transactions take the write lock when they begin, waiting up to the
        // busy timeout for another process (a `manabi import-users` in the
        // shell). One that began reading and then wrote would fail at once
        // (`SQLITE_BUSY_SNAPSHOT`) once that process had committed meanwhile.
        conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        migrate(&mut conn)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            path: path.to_owned(),
            key: key.clone(),
        })
    }

    /// Opens `{data_dir}/catalog.db` with the key the default settings name
    /// (`{data_dir}/keys/db.key`, created when missing), as `manabi serve`
    /// with no key configured does: for benchmarks and tests that seed or
    /// inspect a service's data directory.
    pub fn open_default(data_dir: &Path) -> Result<Self, DbError> {
        let key = crate::Settings::default()
            .db_key(data_dir)
            .map_err(|e| DbError::Check(e.to_string()))?;
        Self::open(&data_dir.join("catalog.db"), &key)
    }

    /// A separate read-only connection, for long reads (a streamed export)
    /// that must not hold the one connection everything else writes
    /// through: in WAL mode it reads a consistent snapshot while writes go on.
    pub fn reader(&self) -> Result<Connection, DbError> {
        let conn = Connection::open_with_flags(
            &self.path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX
                | rusqlite::OpenFlags::SQLITE_OPEN_URI,
        )?;
        unlock(&conn, &self.key, &self.path)?;
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

/// A connection of its own to the encrypted database at `path` (no pragmas
/// beyond the key: the service's connections come from [`Db`]).
pub fn connect(path: &Path, key: &Key) -> Result<Connection, DbError> {
    let conn = Connection::open(path)?;
    unlock(&conn, key, path)?;
    Ok(conn)
}

/// Gives `conn` the key; a wrong key shows on the first read.
fn unlock(conn: &Connection, key: &Key, path: &Path) -> Result<(), DbError> {
    quiet(conn)?;
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_hex()))?;
    match conn.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(())) {
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            Err(DbError::WrongKey(path.display().to_string()))
        }
        other => Ok(other?),
    }
}

/// Silences SQLCipher's own log lines on stderr (a process-wide setting):
/// what goes wrong reaches the service's log as an error from here.
fn quiet(conn: &Connection) -> Result<(), DbError> {
    conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(()))
        .map(drop)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(()),
            e => Err(e.into()),
        })
}

/// Whether `path` holds an unencrypted SQLite database (its well-known
/// header); a missing or empty file does not.
pub fn is_plaintext(path: &Path) -> std::io::Result<bool> {
    use std::io::Read;
    let mut head = [0u8; 16];
    match std::fs::File::open(path) {
        Ok(mut f) => Ok(f.read_exact(&mut head).is_ok() && &head == b"SQLite format 3\0"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// `path` with `suffix` appended to its file name (`catalog.db` →
/// `catalog.db-wal`, `db.key` → `db.key.next`).
pub fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Where the plaintext file is parked while it is replaced.
fn plaintext_copy(path: &Path) -> PathBuf {
    suffixed(path, ".plaintext")
}

/// Encrypts the plaintext database at `path` under `key`: an encrypted copy
/// is written beside it (`sqlcipher_export`, which copies rows, not deleted
/// pages), synced, renamed over it, and the plaintext overwritten. At every
/// step `path` is either the whole plaintext or the whole encrypted copy.
pub fn encrypt_in_place(path: &Path, key: &Key) -> Result<(), DbError> {
    let staged = suffixed(path, ".encrypting");
    for stale in [&staged, &plaintext_copy(path)] {
        if stale.exists() {
            crate::keyfile::shred(stale).map_err(io(stale))?;
        }
    }
    {
        let conn = Connection::open(path)?;
        quiet(&conn)?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        conn.execute(
            "ATTACH DATABASE ?1 AS encrypted KEY ?2",
            rusqlite::params![staged.to_string_lossy(), format!("x'{}'", key.to_hex())],
        )?;
        conn.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        conn.pragma_update(Some("encrypted"), "user_version", version)?;
        conn.execute_batch("DETACH DATABASE encrypted")?;
    }
    std::fs::File::open(&staged)
        .and_then(|f| f.sync_all())
        .map_err(io(&staged))?;
    let parked = plaintext_copy(path);
    std::fs::hard_link(path, &parked).map_err(io(&parked))?;
    std::fs::rename(&staged, path).map_err(io(path))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io(dir))?;
    }
    crate::keyfile::shred(&parked).map_err(io(&parked))?;
    for wal in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(suffixed(path, wal));
    }
    tracing::info!(path = %path.display(), "encrypted the catalog database (it was plaintext)");
    Ok(())
}

/// Re-encrypts the database at `path` from `current` to `new` (key
/// rotation). It takes the database exclusively, so it fails while the
/// service has it open; the WAL is emptied after, so no page under the old
/// key is left in it.
pub fn rekey(path: &Path, current: &Key, new: &Key) -> Result<(), DbError> {
    let conn = exclusive(path, current)?;
    conn.execute_batch(&format!("PRAGMA rekey = \"x'{}'\";", new.to_hex()))?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    drop(conn);
    let check = connect(path, new)?;
    let integrity: String = check.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if integrity != "ok" {
        return Err(DbError::Check(format!(
            "integrity_check after rekey: {integrity}"
        )));
    }
    Ok(())
}

/// What the command line says when the service has the database open.
pub const IN_USE: &str = "データベースが使用中です: サービスを停止してから実行してください (the database is in use: stop the service first)";

/// The database at `path` opened with an exclusive lock, held until the
/// connection is dropped; [`DbError::is_busy`] when another process (the
/// service) has it open.
pub fn exclusive(path: &Path, key: &Key) -> Result<Connection, DbError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(2))?;
    conn.execute_batch("PRAGMA locking_mode = EXCLUSIVE;")?;
    unlock(&conn, key, path)?;
    conn.execute_batch("BEGIN EXCLUSIVE; COMMIT;")?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), DbError> {
    let applied: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        // Moves of data SQL alone cannot make, in the same transaction.
        if i + 1 == 22 {
            crate::playback::move_coverage_into_chunks(&tx)?;
        }
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
        let key = Key::generate();
        let db = Db::open(&path, &key).unwrap();
        let mode: String = db
            .call(|c| Ok(c.pragma_query_value(None, "journal_mode", |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        drop(db);
        let db = Db::open(&path, &key).unwrap();
        let v: usize = db
            .call(|c| Ok(c.pragma_query_value(None, "user_version", |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(v, MIGRATIONS.len());
    }

    #[tokio::test]
    async fn a_transaction_waits_for_another_process_writing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.db");
        let key = Key::generate();
        let db = Db::open(&path, &key).unwrap();
        // Another process (the CLI) is in the middle of a write, and commits
        // it a little later.
        let other = connect(&path, &key).unwrap();
        other
            .execute_batch(
                "BEGIN IMMEDIATE; INSERT INTO groups (name, created_at) VALUES ('X', 't');",
            )
            .unwrap();
        let committer = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            other.execute_batch("COMMIT").unwrap();
        });
        // The service reads, then writes, in one transaction.
        let written = db
            .call(|c| {
                let tx = c.transaction()?;
                let n: i64 = tx.query_row("SELECT count(*) FROM groups", [], |r| r.get(0))?;
                tx.execute(
                    "INSERT INTO groups (name, created_at) VALUES ('Y', 't')",
                    [],
                )?;
                tx.commit()?;
                Ok(n)
            })
            .await;
        committer.join().unwrap();
        assert_eq!(written.unwrap(), 1, "saw the other process's row");
    }

    fn add_user(db: &Db, email: &str) -> i64 {
        let email = email.to_owned();
        db.blocking(move |c| {
            c.execute(
                "INSERT INTO users (email, name, role, status, created_at, updated_at)
                   VALUES (?1, 'A', 'learner', 'active', 't', 't')",
                [email],
            )
            .unwrap();
            c.last_insert_rowid()
        })
    }

    fn raw_bytes(dir: &Path) -> Vec<u8> {
        let mut all = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                all.extend(std::fs::read(path).unwrap());
            }
        }
        all
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn the_files_on_disk_are_encrypted_and_another_key_does_not_open_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.db");
        let key = Key::generate();
        let db = Db::open(&path, &key).unwrap();
        add_user(&db, "canary-7f3a@city.example.jp");
        // The database and its WAL, while open and after.
        assert!(!contains(&raw_bytes(dir.path()), b"canary-7f3a"));
        drop(db);
        let on_disk = raw_bytes(dir.path());
        assert!(!contains(&on_disk, b"canary-7f3a"));
        assert!(!contains(&on_disk, b"SQLite format 3"));
        assert!(!is_plaintext(&path).unwrap());
        match Db::open(&path, &Key::generate()) {
            Err(DbError::WrongKey(p)) => assert!(p.ends_with("catalog.db")),
            other => panic!("another key opened it: {:?}", other.err()),
        }
        let db = Db::open(&path, &key).unwrap();
        let reader = db.reader().unwrap();
        let email: String = reader
            .query_row("SELECT email FROM users", [], |r| r.get(0))
            .unwrap();
        assert_eq!(email, "canary-7f3a@city.example.jp");
    }

    #[test]
    fn a_plaintext_database_is_encrypted_in_place_with_its_rows_and_ids() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.db");
        {
            let mut plain = Connection::open(&path).unwrap();
            plain.pragma_update(None, "journal_mode", "WAL").unwrap();
            migrate(&mut plain).unwrap();
            plain
                .execute_batch(
                    "INSERT INTO users (email, name, role, status, created_at, updated_at)
                       VALUES ('old-9c1e@city.example.jp', '旧', 'learner', 'active', 't', 't');",
                )
                .unwrap();
        }
        assert!(is_plaintext(&path).unwrap());
        let key = Key::generate();
        let db = Db::open(&path, &key).unwrap();
        let next = add_user(&db, "new@city.example.jp");
        assert_eq!(next, 2, "the rowid sequence carried over");
        let (version, count): (usize, i64) = db.blocking(|c| {
            (
                c.pragma_query_value(None, "user_version", |r| r.get(0))
                    .unwrap(),
                c.query_row("SELECT count(*) FROM users", [], |r| r.get(0))
                    .unwrap(),
            )
        });
        assert_eq!((version, count), (MIGRATIONS.len(), 2));
        drop(db);
        assert!(!is_plaintext(&path).unwrap());
        assert!(!contains(&raw_bytes(dir.path()), b"old-9c1e"));
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names
                .iter()
                .all(|n| !n.contains("plaintext") && !n.contains("encrypting")),
            "{names:?}"
        );
    }

    #[test]
    fn rekey_rotates_the_key_and_refuses_while_the_database_is_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.db");
        let (old, new) = (Key::generate(), Key::generate());
        let db = Db::open(&path, &old).unwrap();
        add_user(&db, "kept@city.example.jp");
        assert!(
            rekey(&path, &old, &new).is_err(),
            "rekeyed under an open service"
        );
        drop(db);
        rekey(&path, &old, &new).unwrap();
        assert!(matches!(Db::open(&path, &old), Err(DbError::WrongKey(_))));
        let db = Db::open(&path, &new).unwrap();
        let n: i64 = db.blocking(|c| {
            c.query_row("SELECT count(*) FROM users", [], |r| r.get(0))
                .unwrap()
        });
        assert_eq!(n, 1);
    }

    /// A database with the first `applied` migrations, holding user 1 and
    /// video 1, as a service of that version left it.
    fn schema_before(dir: &Path, applied: usize) -> Connection {
        let conn = Connection::open(dir.join("catalog.db")).unwrap();
        for (i, sql) in MIGRATIONS[..applied].iter().enumerate() {
            conn.execute_batch(sql).unwrap();
            conn.pragma_update(None, "user_version", i + 1).unwrap();
        }
        conn.execute_batch(
            "INSERT INTO users (id, email, name, role, status, created_at, updated_at)
               VALUES (1, 'a@x.jp', 'A', 'learner', 'active', 't', 't');
             INSERT INTO videos (id, title, uploaded_by, size_bytes, status, created_at, updated_at)
               VALUES (1, 'v', 1, 1, 'ready', 't', 't');",
        )
        .unwrap();
        conn
    }

    #[test]
    fn coverage_bitmaps_written_before_their_tag_byte_read_the_same_after() {
        let dir = tempfile::tempdir().unwrap();
        // The schema before migration 0018, with a bitmap as it was stored.
        let mut conn = schema_before(dir.path(), 17);
        let old = vec![0xff, 0x0f, 0, 0x80];
        conn.execute(
            "INSERT INTO viewing_progress VALUES (1, 1, ?1, 13, 32, 't', 't', NULL)",
            [&old],
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let read = crate::playback::coverage_of(&conn, 1, 1, 32).unwrap();
        assert_eq!(read, old);
    }

    #[test]
    fn the_ledger_keeps_its_rows_and_rules_without_the_key_index() {
        let dir = tempfile::tempdir().unwrap();
        // The schema before migration 0021, with two heartbeats in it.
        let mut conn = schema_before(dir.path(), 20);
        conn.execute_batch(
            "INSERT INTO playback_sessions (id, user_id, video_id, site, started_at, last_heartbeat_at, grant_expires_at)
               VALUES ('s', 1, 1, 'default', 't', 't', 't');
             INSERT INTO heartbeats VALUES ('s', 2, 't2', 20.0, '[[10,20]]', 1.0, 10000);
             INSERT INTO heartbeats VALUES ('s', 1, 't1', 10.0, '[[0,10]]', 1.0, 9000);",
        )
        .unwrap();
        let rows = |c: &Connection| -> Vec<(String, i64, String, i64)> {
            c.prepare("SELECT session_id, seq, played, credited_ms FROM heartbeats ORDER BY rowid")
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        let before = rows(&conn);
        migrate(&mut conn).unwrap();
        assert_eq!(rows(&conn), before, "the same rows in the same order");
        let indexes: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'heartbeats'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(indexes, 0);
        assert!(
            conn.execute("UPDATE heartbeats SET credited_ms = 0", [])
                .is_err()
        );
        assert!(conn.execute("DELETE FROM heartbeats", []).is_err());
    }

    #[test]
    fn coverage_bitmaps_move_into_chunks_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = schema_before(dir.path(), 21);
        // A 10-hour video: the first and the last minutes played.
        let seconds = 36_000;
        let mut bits = Vec::new();
        let played = [(0.0, 60.0), (35_940.0, 36_000.0)];
        let covered = crate::coverage::mark(&mut bits, seconds, &played, 1e9);
        conn.execute(
            "INSERT INTO viewing_progress VALUES (1, 1, ?1, ?2, 36000, 't', 't', NULL)",
            rusqlite::params![crate::coverage::Stored(bits.clone()), covered as i64],
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(
            crate::playback::coverage_of(&conn, 1, 1, seconds).unwrap(),
            bits
        );
        let chunks: Vec<i64> = conn
            .prepare("SELECT chunk FROM coverage_chunks ORDER BY chunk")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(chunks, [0, 8], "only the chunks with a second played");
        let column: i64 = conn
            .query_row(
                "SELECT count(*) FROM pragma_table_info('viewing_progress') WHERE name = 'seconds'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(column, 0);
    }
}

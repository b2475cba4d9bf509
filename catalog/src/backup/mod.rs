//! Backups that restore (issue 8, items 2 and 3; R-S2): a consistent
//! snapshot of the catalog while the service runs (`VACUUM INTO`, so deleted
//! rows do not linger), gzip-compressed, sealed with AES-256-GCM under a key
//! that never enters the database ([`sealed`]), written to the backup
//! directory (meant to be another volume) with a SHA-256 sidecar, then
//! verified — opened again, `PRAGMA integrity_check`, row counts compared
//! with the snapshot's — and recorded (table `backups`). Retention keeps
//! the newest `keep_daily` backups and the newest of each of the last
//! `keep_monthly` months. [`restore`] writes a backup's database into a
//! data directory.

pub mod offsite;
pub mod sealed;

use crate::db::{Db, DbError};
use crate::notices;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use jiff::Timestamp;
use rusqlite::{Connection, OpenFlags, params};
use sealed::{BackupKey, OpenReader, SealWriter};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

/// `[backup]`. Every key is documented in `config/default.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Where backups are written; empty: `{data_dir}/backups`.
    pub dir: String,
    /// The key, 64 hex digits (prefer `key_file` or the environment).
    pub key: secrecy::SecretString,
    /// A file holding the key; empty: `{data_dir}/keys/backup.key`,
    /// created with a random key when missing.
    pub key_file: String,
    /// The daily backup's time of day in the service's timezone (`HH:MM`);
    /// empty: no daily backup.
    pub daily_at: String,
    /// Daily backups kept.
    pub keep_daily: u32,
    /// Months of which the newest backup is kept.
    pub keep_monthly: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            dir: String::new(),
            key: secrecy::SecretString::from(""),
            key_file: String::new(),
            daily_at: "02:30".into(),
            keep_daily: 30,
            keep_monthly: 12,
        }
    }
}

/// A backup step failed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// A setting cannot be used.
    #[error("backup.{0}")]
    Settings(String),
    /// Reading or writing a file failed.
    #[error("{path}: {cause}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        cause: std::io::Error,
    },
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// SQLite failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// The backup does not hold what it should.
    #[error("{0}")]
    Verify(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |cause| BackupError::Io {
        path: path.display().to_string(),
        cause,
    }
}

impl Settings {
    /// The backup directory.
    pub fn dir(&self, data_dir: &Path) -> PathBuf {
        if self.dir.is_empty() {
            data_dir.join("backups")
        } else {
            PathBuf::from(&self.dir)
        }
    }

    /// The daily time as (hour, minute), if set.
    pub fn daily(&self) -> Result<Option<(i8, i8)>, BackupError> {
        if self.daily_at.trim().is_empty() {
            return Ok(None);
        }
        let bad = || {
            BackupError::Settings(format!(
                "daily_at: use HH:MM, e.g. \"02:30\" (got {:?})",
                self.daily_at
            ))
        };
        let (h, m) = self.daily_at.trim().split_once(':').ok_or_else(bad)?;
        let (h, m): (i8, i8) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if !(0..24).contains(&h) || !(0..60).contains(&m) {
            return Err(bad());
        }
        Ok(Some((h, m)))
    }

    /// The key: `key`, or the key file (created with a random key, mode
    /// 0600, when it does not exist yet).
    pub fn key(&self, data_dir: &Path) -> Result<BackupKey, BackupError> {
        use secrecy::ExposeSecret;
        crate::keyfile::resolve(
            self.key.expose_secret(),
            &self.key_file,
            &data_dir.join("keys").join("backup.key"),
            "key",
            "created a backup key: keep a copy apart from the backups, or they cannot be restored",
        )
        .map_err(BackupError::Settings)
    }
}

/// What a backup's header says (JSON, readable without the key).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Header {
    /// Format of the contents.
    pub format: String,
    /// When the snapshot was taken (UTC).
    pub created_at: String,
    /// Which key seals it ([`BackupKey::id`]).
    pub key_id: String,
    /// Rows per table in the snapshot.
    pub counts: BTreeMap<String, i64>,
}

/// A written and verified backup (a row of `backups`).
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    /// The file name in the backup directory.
    pub file: String,
    /// When taken.
    pub created_at: String,
    /// `ok` or `failed`.
    pub status: String,
    /// Bytes on disk.
    pub size_bytes: u64,
    /// SHA-256 of the file.
    pub sha256: String,
    /// Rows per table.
    pub counts: BTreeMap<String, i64>,
    /// What went wrong (`failed`).
    pub error: Option<String>,
    /// Milliseconds from snapshot to verified.
    pub took_ms: u64,
}

/// Backups as the running service takes them: daily at a time of day, or
/// on demand from an admin, one at a time.
pub struct Plan {
    /// Where they go.
    pub dir: PathBuf,
    /// What seals them.
    pub key: BackupKey,
    /// The daily time (hour, minute) in the service's timezone.
    pub daily: Option<(i8, i8)>,
    /// (daily, monthly) kept.
    pub retention: (u32, u32),
    /// One backup at a time.
    pub running: tokio::sync::Mutex<()>,
    /// The second place backups are copied to (`[backup_copy]`), if any.
    pub copy: Option<std::sync::Arc<dyn store::Store>>,
}

impl Plan {
    /// The plan of `settings` for `data_dir` (reads or creates the key).
    pub fn new(settings: &Settings, data_dir: &Path) -> Result<Self, BackupError> {
        Ok(Self {
            dir: settings.dir(data_dir),
            key: settings.key(data_dir)?,
            daily: settings.daily()?,
            retention: (settings.keep_daily.max(1), settings.keep_monthly),
            running: tokio::sync::Mutex::new(()),
            copy: None,
        })
    }

    /// Copies every backup to `copy` too.
    #[must_use]
    pub fn with_copy(mut self, copy: Option<std::sync::Arc<dyn store::Store>>) -> Self {
        self.copy = copy;
        self
    }

    /// Brings the copy of the backups up to date, if there is one (after
    /// each backup, and in each housekeeping run while it is behind).
    /// Failures are logged and shown to admins by [`offsite::keep`].
    pub async fn copy_out(&self, db: &Db) -> Option<Result<offsite::Synced, store::StoreError>> {
        let copy = self.copy.as_ref()?;
        let _one = self.running.lock().await;
        Some(offsite::keep(db, &self.dir, copy.as_ref(), self.retention).await)
    }

    /// Takes a backup now (waiting for one in progress), counting the result
    /// in the metrics.
    pub async fn take(&self, db: &Db) -> Result<Record, BackupError> {
        let one = self.running.lock().await;
        let result = run(db, &self.dir, &self.key, self.retention).await;
        drop(one);
        if result.is_ok() {
            self.copy_out(db).await;
        }
        match &result {
            Ok(_) => {
                RESULTS.with_label_values(&["ok"]).inc();
                LAST_OK.set(Timestamp::now().as_second());
            }
            Err(e) => {
                RESULTS.with_label_values(&["failed"]).inc();
                tracing::error!(error = %e, "backup failed");
            }
        }
        result
    }

    /// Whether the daily backup is due at `now` (`tz`'s clock): past today's
    /// time and no successful backup since.
    pub fn due(&self, now: Timestamp, last_ok: Option<Timestamp>, tz: &jiff::tz::TimeZone) -> bool {
        let Some((hour, minute)) = self.daily else {
            return false;
        };
        let local = now.to_zoned(tz.clone());
        let Ok(today_at) = local.date().at(hour, minute, 0, 0).to_zoned(tz.clone()) else {
            return false;
        };
        let today_at = today_at.timestamp();
        now >= today_at && last_ok.is_none_or(|t| t < today_at)
    }
}

/// Backups by result (`ok`, `failed`): alert on `failed`.
static RESULTS: std::sync::LazyLock<prometheus::IntCounterVec> = std::sync::LazyLock::new(|| {
    let c = prometheus::IntCounterVec::new(
        prometheus::Opts::new(
            "manabi_backups_total",
            "Backups taken, by result (ok, failed).",
        ),
        &["result"],
    )
    .unwrap_or_else(|e| panic!("metric definition is static: {e}"));
    let _ = prometheus::register(Box::new(c.clone()));
    c
});

/// When the last verified backup was taken (Unix seconds): alert when old.
static LAST_OK: std::sync::LazyLock<prometheus::IntGauge> = std::sync::LazyLock::new(|| {
    let g = prometheus::IntGauge::new(
        "manabi_backup_last_success_timestamp_seconds",
        "When the last verified backup was taken (Unix time).",
    )
    .unwrap_or_else(|e| panic!("metric definition is static: {e}"));
    let _ = prometheus::register(Box::new(g.clone()));
    g
});

/// Row counts of every table of the catalog (the verification's yardstick).
pub fn counts(conn: &Connection) -> rusqlite::Result<BTreeMap<String, i64>> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = BTreeMap::new();
    for table in tables {
        let n: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM \"{table}\""), [], |r| {
            r.get(0)
        })?;
        out.insert(table, n);
    }
    Ok(out)
}

/// Opens the database at `path` read-only and checks it: `integrity_check`
/// must say ok; returns its row counts.
pub fn check_database(path: &Path) -> Result<BTreeMap<String, i64>, BackupError> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if integrity != "ok" {
        return Err(BackupError::Verify(format!("integrity_check: {integrity}")));
    }
    Ok(counts(&conn)?)
}

/// Writes a sealed backup of the database snapshot at `snapshot` to `out`.
fn seal(
    snapshot: &Path,
    header: &Header,
    key: &BackupKey,
    out: &Path,
) -> Result<String, BackupError> {
    let file = std::fs::File::create(out).map_err(io(out))?;
    let header = serde_json::to_vec(header).map_err(|e| BackupError::Verify(e.to_string()))?;
    let hashing = HashingWriter {
        inner: BufWriter::new(file),
        hash: Sha256::new(),
    };
    let sealer = SealWriter::new(hashing, key, &header).map_err(io(out))?;
    let mut gzip = GzEncoder::new(sealer, Compression::default());
    let mut input = std::fs::File::open(snapshot).map_err(io(snapshot))?;
    std::io::copy(&mut input, &mut gzip).map_err(io(out))?;
    let sealer = gzip.finish().map_err(io(out))?;
    let mut hashing = sealer.finish().map_err(io(out))?;
    hashing.inner.flush().map_err(io(out))?;
    hashing.inner.get_ref().sync_all().map_err(io(out))?;
    Ok(hex::encode(hashing.hash.finalize()))
}

struct HashingWriter<W: Write> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(data)?;
        self.hash.update(&data[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Opens the backup `file` with `key` and writes its database to `to`
/// (which must not exist); returns the header.
pub fn unseal(file: &Path, key: &BackupKey, to: &Path) -> Result<Header, BackupError> {
    let mut input = BufReader::new(std::fs::File::open(file).map_err(io(file))?);
    let raw = sealed::read_header(&mut input).map_err(io(file))?;
    let header: Header = serde_json::from_slice(&raw)
        .map_err(|e| BackupError::Verify(format!("{}: header: {e}", file.display())))?;
    if header.key_id != key.id() {
        return Err(BackupError::Verify(format!(
            "{}: sealed with key {}, not with the configured key {} (鍵が違います)",
            file.display(),
            header.key_id,
            key.id()
        )));
    }
    let mut gzip = GzDecoder::new(OpenReader::new(input, key, &raw));
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to)
        .map_err(io(to))?;
    std::io::copy(&mut gzip, &mut out).map_err(io(file))?;
    out.sync_all().map_err(io(to))?;
    Ok(header)
}

/// Takes, writes, verifies and records one backup of `db` into `dir`.
/// A failure is recorded too (and returned), and shown to admins as an
/// urgent notice until a backup succeeds.
pub async fn run(
    db: &Db,
    dir: &Path,
    key: &BackupKey,
    retention: (u32, u32),
) -> Result<Record, BackupError> {
    let result = attempt(db, dir, key, retention).await;
    let body = result.as_ref().err().map(|error| {
        format!(
            "原因: {error}\n\
             運用担当者は、バックアップの保存先の空き容量と書き込み権限、\
             バックアップ鍵を確認し、`manabi backup` でもう一度実行してください。\
             バックアップが成功すると、このお知らせは自動で終了します。\n\
             (A backup failed: {error}. This notice ends by itself once a backup succeeds.)"
        )
    });
    let title = "バックアップに失敗しました (backup failed)";
    notices::keep_raised(db, "backup", title, body).await;
    result
}

/// `VACUUM INTO target` on a connection of its own: it reads one
/// consistent snapshot (WAL) while the service's connection goes on taking
/// writes — a large catalog takes seconds to copy, and heartbeats and
/// changes must not wait for it. The snapshot is plaintext (an empty `key`
/// in its URI: SQLCipher would otherwise give it the database's key), so
/// that the backup key alone restores it; it lives only until it is sealed.
async fn snapshot_into(db: &Db, target: String) -> Result<(), DbError> {
    let reader = db.reader()?;
    let uri = format!(
        "file:{}?key=",
        target
            .replace('%', "%25")
            .replace('?', "%3F")
            .replace('#', "%23")
    );
    tokio::task::spawn_blocking(move || reader.execute("VACUUM INTO ?1", [uri]).map(drop))
        .await
        .map_err(|e| DbError::Task(e.to_string()))?
        .map_err(DbError::from)
}

/// [`run`] without the notice.
async fn attempt(
    db: &Db,
    dir: &Path,
    key: &BackupKey,
    retention: (u32, u32),
) -> Result<Record, BackupError> {
    let started = std::time::Instant::now();
    let now = Timestamp::now();
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    // Two backups in one second — an admin's click after the daily one, or
    // `manabi backup` beside the service — get distinct names: a name is
    // taken by creating its `.partial` file, which only one of them can.
    let stamp = now.strftime("%Y%m%dT%H%M%SZ").to_string();
    let mut n = 1;
    let name = loop {
        let name = match n {
            1 => format!("manabi-{stamp}.mbk"),
            n => format!("manabi-{stamp}-{n}.mbk"),
        };
        let partial = dir.join(&name).with_extension("mbk.partial");
        let reserved = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&partial);
        match reserved {
            Ok(_) if !dir.join(&name).exists() => break name,
            Ok(_) => {
                let _ = std::fs::remove_file(&partial);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io(&partial)(e)),
        }
        n += 1;
    };
    let (snapshot, file) = (dir.join(format!(".{name}.snapshot")), dir.join(&name));
    let _ = std::fs::remove_file(&snapshot);
    let target = snapshot.display().to_string();
    let partial = file.with_extension("mbk.partial");
    let taken = async {
        // First empty the WAL: it still holds the frames of rows deleted
        // since the last checkpoint (secure_delete clears the database file,
        // not old WAL frames), and a backup marks the point from which
        // nothing deleted may linger.
        db.call(|c| Ok(c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?))
            .await?;
        snapshot_into(db, target).await
    };
    if let Err(e) = taken.await {
        let _ = std::fs::remove_file(&partial);
        return Err(e.into());
    }
    let (key2, dir2, snapshot2, file2) =
        (key.clone(), dir.to_owned(), snapshot.clone(), file.clone());
    let outcome = tokio::task::spawn_blocking(move || {
        let result = write_and_verify(&snapshot2, &file2, &key2, &dir2, now);
        let _ = std::fs::remove_file(&snapshot2);
        result
    })
    .await
    .map_err(|e| BackupError::Db(DbError::Task(e.to_string())))?;
    let took_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let record = match &outcome {
        Ok((sha256, counts)) => Record {
            file: name,
            created_at: now.to_string(),
            status: "ok".into(),
            size_bytes: std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0),
            sha256: sha256.clone(),
            counts: counts.clone(),
            error: None,
            took_ms,
        },
        Err(e) => Record {
            file: name,
            created_at: now.to_string(),
            status: "failed".into(),
            size_bytes: 0,
            sha256: String::new(),
            counts: BTreeMap::new(),
            error: Some(e.to_string()),
            took_ms,
        },
    };
    let stored = record.clone();
    db.call(move |c| Ok(store(c, &stored)?)).await?;
    match outcome {
        Ok(_) => {
            let removed = prune(dir, retention.0, retention.1)?;
            if !removed.is_empty() {
                tracing::info!(removed = removed.len(), "old backups removed by retention");
            }
            Ok(record)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&file);
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

fn write_and_verify(
    snapshot: &Path,
    file: &Path,
    key: &BackupKey,
    dir: &Path,
    now: Timestamp,
) -> Result<(String, BTreeMap<String, i64>), BackupError> {
    let counts = check_database(snapshot)?;
    let header = Header {
        format: "sqlite3+gzip".into(),
        created_at: now.to_string(),
        key_id: key.id(),
        counts: counts.clone(),
    };
    let partial = file.with_extension("mbk.partial");
    let sha256 = seal(snapshot, &header, key, &partial)?;
    std::fs::rename(&partial, file).map_err(io(file))?;
    let sidecar = file.with_extension("mbk.sha256");
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    std::fs::write(&sidecar, format!("{sha256}  {name}\n")).map_err(io(&sidecar))?;
    // Verify what is on disk: open it again, check the database inside.
    let check = dir.join(format!(".{name}.verify"));
    let _ = std::fs::remove_file(&check);
    let verified = unseal(file, key, &check).and_then(|_| check_database(&check));
    let _ = std::fs::remove_file(&check);
    let restored = verified?;
    if restored != counts {
        return Err(BackupError::Verify(
            "row counts differ after reading the backup back".into(),
        ));
    }
    Ok((sha256, counts))
}

fn store(conn: &Connection, r: &Record) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO backups (file, created_at, status, size_bytes, sha256, counts, error, took_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            r.file,
            r.created_at,
            r.status,
            i64::try_from(r.size_bytes).unwrap_or(i64::MAX),
            r.sha256,
            serde_json::to_string(&r.counts).unwrap_or_default(),
            r.error,
            i64::try_from(r.took_ms).unwrap_or(i64::MAX)
        ],
    )?;
    Ok(())
}

/// The newest `limit` backups recorded, newest first.
pub fn recent(conn: &Connection, limit: u32) -> rusqlite::Result<Vec<Record>> {
    let mut stmt = conn.prepare(
        "SELECT file, created_at, status, size_bytes, sha256, counts, error, took_ms
         FROM backups ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok(Record {
            file: r.get(0)?,
            created_at: r.get(1)?,
            status: r.get(2)?,
            size_bytes: u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
            sha256: r.get(4)?,
            counts: serde_json::from_str(&r.get::<_, String>(5)?).unwrap_or_default(),
            error: r.get(6)?,
            took_ms: u64::try_from(r.get::<_, i64>(7)?).unwrap_or(0),
        })
    })?;
    rows.collect()
}

/// When the last successful backup was taken, if any.
pub fn last_ok(conn: &Connection) -> rusqlite::Result<Option<Timestamp>> {
    let at: Option<String> = conn.query_row(
        "SELECT MAX(created_at) FROM backups WHERE status = 'ok'",
        [],
        |r| r.get(0),
    )?;
    Ok(at.and_then(|a| a.parse().ok()))
}

/// Removes backups beyond the retention ([`retained`]) from `dir`.
/// Returns the removed names.
pub fn prune(dir: &Path, daily: u32, monthly: u32) -> Result<Vec<String>, BackupError> {
    let names: Vec<String> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| is_backup_name(n))
        .collect();
    let keep = retained(&names, daily, monthly);
    let mut removed = Vec::new();
    for name in names.iter().filter(|n| !keep.contains(n.as_str())) {
        let path = dir.join(name);
        std::fs::remove_file(&path).map_err(io(&path))?;
        let _ = std::fs::remove_file(path.with_extension("mbk.sha256"));
        removed.push(name.clone());
    }
    Ok(removed)
}

/// A backup file's name (`manabi-YYYYMMDDTHHMMSSZ[-n].mbk`).
pub fn is_backup_name(name: &str) -> bool {
    name.starts_with("manabi-") && name.ends_with(".mbk")
}

/// Which of the backups `names` the retention keeps: the newest `daily`,
/// and the newest of each of the newest `monthly` months.
pub fn retained(names: &[String], daily: u32, monthly: u32) -> std::collections::HashSet<&str> {
    let mut names: Vec<&str> = names.iter().map(String::as_str).collect();
    names.sort_unstable_by(|a, b| b.cmp(a)); // newest first: names sort by time
    let mut keep: std::collections::HashSet<&str> =
        names.iter().take(daily as usize).copied().collect();
    let mut months = Vec::new();
    for name in &names {
        let month = name.get(7..13).unwrap_or("");
        if !months.contains(&month) {
            if months.len() == monthly as usize {
                break;
            }
            months.push(month);
            keep.insert(name);
        }
    }
    keep
}

/// Restores `file` into `data_dir` (the service stopped): the catalog
/// database is replaced — unless one is there and `force` is not given.
/// Returns the header. Media are not in the catalog backup.
pub fn restore(
    file: &Path,
    key: &BackupKey,
    data_dir: &Path,
    db_key: &crate::keyfile::Key,
    force: bool,
) -> Result<Header, BackupError> {
    let target = data_dir.join("catalog.db");
    if target.exists() && !force {
        return Err(BackupError::Verify(format!(
            "{} exists: stop the service and pass --force to replace it (既存のデータベースがあります)",
            target.display()
        )));
    }
    // Replaced under a running service, the file would live on in it,
    // unlinked, taking every later change with it.
    if target.exists() {
        match crate::db::exclusive(&target, db_key) {
            Err(e) if e.is_busy() => return Err(BackupError::Verify(crate::db::IN_USE.into())),
            // Not openable with this key: nothing can be using it as the catalog.
            Ok(_) | Err(_) => {}
        }
    }
    std::fs::create_dir_all(data_dir).map_err(io(data_dir))?;
    let staged = data_dir.join("catalog.db.restoring");
    let _ = std::fs::remove_file(&staged);
    let header = unseal(file, key, &staged)?;
    let counts = check_database(&staged)?;
    if counts != header.counts {
        let _ = std::fs::remove_file(&staged);
        return Err(BackupError::Verify(
            "row counts differ from the backup's header".into(),
        ));
    }
    // The backup holds the database in plaintext (the backup key seals
    // it): encrypted under the database key before it takes its place.
    crate::db::encrypt_in_place(&staged, db_key)?;
    for stale in ["catalog.db-wal", "catalog.db-shm"] {
        let _ = std::fs::remove_file(data_dir.join(stale));
    }
    std::fs::rename(&staged, &target).map_err(io(&target))?;
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_daily_backup_is_due_after_its_time_until_one_succeeds() {
        let plan = Plan {
            dir: PathBuf::new(),
            key: BackupKey::generate(),
            daily: Some((2, 30)),
            retention: (30, 12),
            running: tokio::sync::Mutex::new(()),
            copy: None,
        };
        let tz = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        // 02:29 and 02:31 JST on April 2.
        assert!(!plan.due(at("2026-04-01T17:29:00Z"), None, &tz));
        assert!(plan.due(at("2026-04-01T17:31:00Z"), None, &tz));
        assert!(plan.due(
            at("2026-04-01T17:31:00Z"),
            Some(at("2026-04-01T10:00:00Z")),
            &tz
        ));
        assert!(!plan.due(
            at("2026-04-01T23:00:00Z"),
            Some(at("2026-04-01T17:31:00Z")),
            &tz
        ));
    }

    #[test]
    fn retention_keeps_the_newest_days_and_one_per_month() {
        let dir = tempfile::tempdir().unwrap();
        let names = [
            "manabi-20260101T023000Z.mbk",
            "manabi-20260115T023000Z.mbk",
            "manabi-20260201T023000Z.mbk",
            "manabi-20260301T023000Z.mbk",
            "manabi-20260302T023000Z.mbk",
            "manabi-20260303T023000Z.mbk",
        ];
        for n in names {
            std::fs::write(dir.path().join(n), b"x").unwrap();
        }
        std::fs::write(dir.path().join("notes.txt"), b"x").unwrap();
        let mut removed = prune(dir.path(), 2, 2).unwrap();
        removed.sort();
        // Kept: the two newest days (3/3, 3/2) and the newest of March and February.
        assert_eq!(
            removed,
            [
                "manabi-20260101T023000Z.mbk",
                "manabi-20260115T023000Z.mbk",
                "manabi-20260301T023000Z.mbk"
            ]
        );
        assert!(dir.path().join("notes.txt").exists());
    }

    #[test]
    fn daily_time_and_keys_come_from_the_settings() {
        let s = Settings::default();
        assert_eq!(s.daily().unwrap(), Some((2, 30)));
        assert!(
            Settings {
                daily_at: "25:00".into(),
                ..Settings::default()
            }
            .daily()
            .is_err()
        );
        assert_eq!(
            Settings {
                daily_at: String::new(),
                ..Settings::default()
            }
            .daily()
            .unwrap(),
            None
        );
        let dir = tempfile::tempdir().unwrap();
        let key = s.key(dir.path()).unwrap();
        assert_eq!(
            s.key(dir.path()).unwrap().id(),
            key.id(),
            "created once, then read"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("keys/backup.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let bad = Settings {
            key: "xyz".to_owned().into(),
            ..Settings::default()
        };
        assert!(
            bad.key(dir.path())
                .unwrap_err()
                .to_string()
                .starts_with("backup.key")
        );
    }

    #[tokio::test]
    async fn a_backup_restores_to_the_same_rows_and_a_wrong_key_is_refused() {
        let data = tempfile::tempdir().unwrap();
        let db = Db::open(
            &data.path().join("catalog.db"),
            &crate::keyfile::Key::generate(),
        )
        .unwrap();
        db.call(|c| {
            c.execute(
                "INSERT INTO users (email, name, role, created_at, updated_at) VALUES ('a@x.jp', '佐藤', 'learner', 't', 't')",
                [],
            )?;
            Ok(())
        })
        .await
        .unwrap();
        let backups = data.path().join("backups");
        let key = BackupKey::generate();
        let record = run(&db, &backups, &key, (30, 12)).await.unwrap();
        assert_eq!((record.status.as_str(), record.counts["users"]), ("ok", 1));
        let sidecar =
            std::fs::read_to_string(backups.join(&record.file).with_extension("mbk.sha256"))
                .unwrap();
        assert!(sidecar.starts_with(&record.sha256));
        let listed = db.call(|c| Ok(recent(c, 10)?)).await.unwrap();
        assert_eq!(listed[0].file, record.file);

        let fresh = tempfile::tempdir().unwrap();
        let db_key = crate::keyfile::Key::generate();
        let file = backups.join(&record.file);
        let header = restore(&file, &key, fresh.path(), &db_key, false).unwrap();
        assert_eq!(header.counts["users"], 1);
        // Restored encrypted under the database key given, and only that one.
        let restored = fresh.path().join("catalog.db");
        assert!(!crate::db::is_plaintext(&restored).unwrap());
        let name: String = crate::db::connect(&restored, &db_key)
            .unwrap()
            .query_row("SELECT name FROM users", [], |r| r.get(0))
            .unwrap();
        assert_eq!(name, "佐藤");
        assert!(crate::db::connect(&restored, &BackupKey::generate()).is_err());
        // Once there, a database is replaced only with force.
        assert!(restore(&file, &key, fresh.path(), &db_key, false).is_err());
        assert!(restore(&file, &key, fresh.path(), &db_key, true).is_ok());
        let other = tempfile::tempdir().unwrap();
        let err = restore(&file, &BackupKey::generate(), other.path(), &db_key, false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("鍵が違います"), "{err}");
        // The plaintext never appears in the file.
        let bytes = std::fs::read(backups.join(&record.file)).unwrap();
        assert!(
            !bytes
                .windows(8)
                .any(|w| w == b"a@x.jp\0\0" || w.starts_with(b"SQLite f"))
        );
    }
}

//! Copies of the backups in a second place (`[backup_copy]`): an S3 bucket,
//! or a directory on another machine's disk. After every backup, and in
//! every housekeeping run until it succeeds, each backup file of the backup
//! directory that the copy lacks (or holds with another size) is uploaded
//! with its `.sha256` and checked by its size there; the copy's own
//! retention is the same as the directory's, applied to what it holds, so a
//! lost backup directory never makes it delete anything it should keep.
//! While the copy cannot be brought up to date, admins see an urgent notice;
//! the first run that succeeds ends it.

use super::{is_backup_name, retained};
use crate::db::Db;
use crate::notices;
use std::collections::HashMap;
use std::path::Path;
use store::{ObjectKey, Store, StoreError};

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Synced {
    /// Files uploaded (backups and their `.sha256`).
    pub uploaded: u64,
    /// Backups the copy removed by retention.
    pub removed: u64,
    /// Backups the copy holds afterwards.
    pub held: u64,
}

/// Brings the copy up to date with `dir` and applies `retention`.
pub async fn sync(
    dir: &Path,
    copy: &dyn Store,
    retention: (u32, u32),
) -> Result<Synced, StoreError> {
    let held: HashMap<String, u64> = copy
        .list(&ObjectKey::backups())
        .await?
        .into_iter()
        .filter_map(|(key, len)| Some((key.as_str().strip_prefix("backups/")?.to_owned(), len)))
        .collect();
    let mut local: Vec<(String, u64)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let base = name.strip_suffix(".sha256").unwrap_or(&name);
            if is_backup_name(base) {
                local.push((name, entry.metadata()?.len()));
            }
        }
    }
    // The backup before its checksum: a copy with a `.sha256` is complete.
    local.sort_by(|a, b| a.0.cmp(&b.0));
    let mut synced = Synced::default();
    for (name, len) in &local {
        if held.get(name) == Some(len) {
            continue;
        }
        let key = ObjectKey::backup(name).map_err(|_| {
            StoreError::Io(std::io::Error::other(format!("bad backup name {name}")))
        })?;
        upload(copy, &dir.join(name), &key, dir).await?;
        let there = copy.head(&key).await?.len;
        if there != *len {
            return Err(StoreError::Io(std::io::Error::other(format!(
                "{name}: {there} bytes in the copy, {len} here"
            ))));
        }
        synced.uploaded += 1;
    }
    // Retention over what the copy holds now.
    let mut backups: Vec<String> = held.keys().filter(|n| is_backup_name(n)).cloned().collect();
    for (name, _) in &local {
        if is_backup_name(name) && !held.contains_key(name) {
            backups.push(name.clone());
        }
    }
    let keep = retained(&backups, retention.0, retention.1);
    for name in backups.iter().filter(|n| !keep.contains(n.as_str())) {
        for file in [name.clone(), format!("{name}.sha256")] {
            if let Ok(key) = ObjectKey::backup(&file) {
                copy.delete_prefix(&key).await?;
            }
        }
        synced.removed += 1;
    }
    synced.held = keep.len() as u64;
    Ok(synced)
}

/// Uploads a copy of the local file `path` (the store takes a file by moving it).
async fn upload(
    copy: &dyn Store,
    path: &Path,
    key: &ObjectKey,
    dir: &Path,
) -> Result<(), StoreError> {
    let n: u64 = rand::random();
    let transit = dir.join(format!(".copy-{n:016x}"));
    tokio::fs::copy(path, &transit).await?;
    let result = copy.put_file(key, &transit).await;
    let _ = tokio::fs::remove_file(&transit).await;
    result
}

/// [`sync`], with its outcome shown to admins (an urgent notice while the
/// copy cannot be brought up to date) and in the metrics.
pub async fn keep(
    db: &Db,
    dir: &Path,
    copy: &dyn Store,
    retention: (u32, u32),
) -> Result<Synced, StoreError> {
    let result = sync(dir, copy, retention).await;
    match &result {
        Ok(_) => LAST_OK.set(jiff::Timestamp::now().as_second()),
        Err(e) => tracing::error!(error = %e, "copying the backups failed"),
    }
    let body = result.as_ref().err().map(|problem| {
        format!(
            "原因: {problem}\n運用担当者は [backup_copy] の設定と複製先（バケットまたはディスク）を確認してください。\
             バックアップはバックアップ用ディレクトリには作成されています。\
             次の確認（10分ごと）でコピーが揃うと、このお知らせは自動で終了します。\n\
             (Backups could not be copied to their second place. This notice ends by itself once they are.)"
        )
    });
    let title = "バックアップの複製に失敗しました (backup copy failed)";
    notices::keep_raised(db, "backup-copy", title, body).await;
    result
}

/// When the backup copy was last up to date (Unix seconds): alert when old.
static LAST_OK: std::sync::LazyLock<prometheus::IntGauge> = std::sync::LazyLock::new(|| {
    let g = prometheus::IntGauge::new(
        "manabi_backup_copy_last_success_timestamp_seconds",
        "When the copy of the backups ([backup_copy]) was last up to date (Unix time).",
    )
    .unwrap_or_else(|e| panic!("metric definition is static: {e}"));
    let _ = prometheus::register(Box::new(g.clone()));
    g
});

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_copy_gets_what_it_lacks_keeps_its_retention_and_survives_a_lost_directory() {
        let dir = tempfile::tempdir().unwrap();
        let copy = store::LocalStore::open(dir.path().join("copy")).unwrap();
        let backups = dir.path().join("backups");
        std::fs::create_dir_all(&backups).unwrap();
        for day in ["20260401", "20260402", "20260403"] {
            let name = format!("manabi-{day}T023000Z.mbk");
            std::fs::write(backups.join(&name), day.repeat(100)).unwrap();
            std::fs::write(backups.join(format!("{name}.sha256")), "sum").unwrap();
        }
        std::fs::write(backups.join("manabi-20260404T023000Z.mbk.partial"), "x").unwrap();

        let synced = sync(&backups, &copy, (30, 12)).await.unwrap();
        assert_eq!((synced.uploaded, synced.removed, synced.held), (6, 0, 3));
        assert_eq!(sync(&backups, &copy, (30, 12)).await.unwrap().uploaded, 0);
        // A copy cut short is uploaded again.
        let key = ObjectKey::backup("manabi-20260402T023000Z.mbk").unwrap();
        copy.put_bytes(&key, bytes::Bytes::from_static(b"cut"))
            .await
            .unwrap();
        assert_eq!(sync(&backups, &copy, (30, 12)).await.unwrap().uploaded, 1);

        // The backup directory is lost: the copy deletes nothing it keeps.
        std::fs::remove_dir_all(&backups).unwrap();
        let synced = sync(&backups, &copy, (30, 12)).await.unwrap();
        assert_eq!((synced.uploaded, synced.removed, synced.held), (0, 0, 3));
        // Its own retention: the newest one daily, no monthly.
        let synced = sync(&backups, &copy, (1, 0)).await.unwrap();
        assert_eq!((synced.removed, synced.held), (2, 1));
        let left = copy.list(&ObjectKey::backups()).await.unwrap();
        let names: Vec<&str> = left.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "backups/manabi-20260403T023000Z.mbk",
                "backups/manabi-20260403T023000Z.mbk.sha256"
            ]
        );
    }
}

//! `manabi backup`, `manabi restore FILE [--force]`, the restore drill
//! `manabi restore --verify FILE` ([`catalog::backup`] does the work), and
//! `manabi mirror [--check] [--deep]` for the media's second copy.

use crate::config::Config;
use crate::roles::{self, Role};
use anyhow::Context;
use catalog::backup;
use std::path::Path;
use std::time::Instant;

/// Where `manabi backup --to` sends a backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// A directory instead of `backup.dir`.
    Dir(std::path::PathBuf),
    /// An S3 bucket and key prefix (`s3://bucket/prefix`), besides `backup.dir`.
    S3 { bucket: String, prefix: String },
}

impl std::str::FromStr for Destination {
    type Err = String;

    fn from_str(to: &str) -> Result<Self, String> {
        match to.strip_prefix("s3://") {
            Some(rest) => {
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                if bucket.is_empty() {
                    return Err(format!(
                        "{to}: バケット名がありません。s3://バケット/接頭辞 の形で指定してください (s3://bucket/prefix)"
                    ));
                }
                let prefix = prefix.trim_matches('/');
                Ok(Self::S3 {
                    bucket: bucket.to_owned(),
                    prefix: if prefix.is_empty() {
                        String::new()
                    } else {
                        format!("{prefix}/")
                    },
                })
            }
            None if to.is_empty() => Err("--to にディレクトリか s3://… を指定してください".into()),
            None => Ok(Self::Dir(to.into())),
        }
    }
}

/// The store an `s3://` destination names: the endpoint and credentials of
/// `[backup_copy]` when it is on S3, else those of the media store `[store]`.
fn s3_destination(config: &Config, bucket: &str, prefix: &str) -> store::Settings {
    let mut settings = if config.backup_copy.kind == store::Kind::S3 {
        config.backup_copy.clone()
    } else {
        config.store.clone()
    };
    settings.kind = store::Kind::S3;
    settings.path = String::new();
    settings.bucket = bucket.to_owned();
    settings.prefix = prefix.to_owned();
    settings
}

/// Takes, verifies and records one backup now (into `to` when given);
/// works while the service runs.
pub async fn take(config: &Config, to: Option<Destination>) -> anyhow::Result<()> {
    let data = &config.data_dir;
    let db_path = data.join("catalog.db");
    anyhow::ensure!(
        db_path.exists(),
        "{} がありません: バックアップするデータがありません (no catalog database to back up)",
        db_path.display()
    );
    let key = config.backup.key(data)?;
    let db = config.open_catalog_db()?;
    let dir = match &to {
        Some(Destination::Dir(dir)) => dir.clone(),
        _ => config.backup.dir(data),
    };
    let record = backup::run(
        &db,
        &dir,
        &key,
        (config.backup.keep_daily, config.backup.keep_monthly),
    )
    .await
    .context("backup failed")?;
    println!(
        "backup: {} ({} bytes, sha256 {}, {} users, verified in {} ms)",
        dir.join(&record.file).display(),
        record.size_bytes,
        record.sha256,
        record.counts.get("users").copied().unwrap_or(0),
        record.took_ms
    );
    let copy = match &to {
        Some(Destination::S3 { bucket, prefix }) => {
            let settings = s3_destination(config, bucket, prefix);
            Some(
                store::open(&settings, data)
                    .await
                    .context("opening the --to bucket")?,
            )
        }
        _ => store::mirror::open(&config.backup_copy, data)
            .await
            .context("opening the backups' copy ([backup_copy])")?,
    };
    if let Some(copy) = copy {
        let retention = (config.backup.keep_daily.max(1), config.backup.keep_monthly);
        let synced = backup::offsite::keep(&db, &dir, copy.as_ref(), retention)
            .await
            .context("copying the backups")?;
        println!(
            "backup copy: {} file(s) uploaded, {} removed by retention, {} held",
            synced.uploaded, synced.removed, synced.held
        );
    }
    Ok(())
}

/// Brings the media mirror up to date (or with `check` only compares it)
/// and prints what differed; fails when it is not an exact copy afterwards.
pub async fn mirror(config: &Config, check: bool, deep: bool) -> anyhow::Result<()> {
    let data = &config.data_dir;
    let copy = store::mirror::open(&config.mirror, data)
        .await
        .context("opening the media mirror ([mirror])")?
        .context(
            "複製先が設定されていません: [mirror] の path または kind = \"s3\" を設定してください \
             (no media mirror configured)",
        )?;
    let primary = store::open(&config.store, data).await?;
    let scratch = data.join("uploads");
    std::fs::create_dir_all(&scratch)?;
    let report = if check {
        let options = store::mirror::Options {
            repair: false,
            deep,
        };
        store::mirror::sync(primary.as_ref(), copy.as_ref(), &scratch, options).await?
    } else {
        let db_path = data.join("catalog.db");
        anyhow::ensure!(
            db_path.exists(),
            "{} がありません: データディレクトリを確認してください (no catalog database)",
            db_path.display()
        );
        let db = config.open_catalog_db()?;
        catalog::mirror::keep(&db, primary.as_ref(), copy.as_ref(), &scratch, deep).await?
    };
    println!(
        "mirror: {} objects ({} bytes); missing {}, different {}, only in the mirror {}; copied {}, removed {}",
        report.objects,
        report.bytes,
        report.missing.len(),
        report.mismatched.len(),
        report.extra.len(),
        report.copied,
        report.removed
    );
    for (what, keys) in [
        ("missing", &report.missing),
        ("different", &report.mismatched),
        ("only in the mirror", &report.extra),
        ("FAILED", &report.failed),
    ] {
        for key in keys {
            println!("  {what}: {key}");
        }
    }
    anyhow::ensure!(
        report.in_sync(!check),
        "複製先はメディアの正確なコピーではありません (the mirror is not an exact copy)"
    );
    Ok(())
}

/// Restores `file` into the data directory (the service must be stopped).
pub fn restore(config: &Config, file: &Path, force: bool) -> anyhow::Result<()> {
    let key = config.backup.key(&config.data_dir)?;
    let db_key = config.catalog.db_key(&config.data_dir)?;
    let header = backup::restore(file, &key, &config.data_dir, &db_key, force)?;
    println!(
        "restore: {} → {} (taken {}, {} users, {} tables checked)",
        file.display(),
        config.data_dir.join("catalog.db").display(),
        header.created_at,
        header.counts.get("users").copied().unwrap_or(0),
        header.counts.len()
    );
    Ok(())
}

/// The restore drill: restores `file` into a scratch data directory, starts
/// the catalog on it, checks that it answers and holds the backup's rows,
/// and reports how long each step took. The real data directory is not
/// touched.
pub async fn drill(config: &Config, file: &Path) -> anyhow::Result<()> {
    let started = Instant::now();
    let key = config.backup.key(&config.data_dir)?;
    let scratch = tempfile::tempdir().context("creating a scratch directory")?;
    let mut drill_config = config.clone();
    drill_config.data_dir = scratch.path().to_owned();
    let db_key = drill_config.catalog.db_key(scratch.path())?;
    let header = backup::restore(file, &key, scratch.path(), &db_key, false)?;
    let restored_ms = started.elapsed().as_millis();

    drill_config.http.addr = "127.0.0.1:0".into();
    drill_config.store = store::Settings::default();
    // The copy must not act on the world: no e-mail, no daily backups.
    drill_config.smtp.host.clear();
    drill_config.backup.daily_at.clear();
    let app = roles::start(&drill_config, Role::All)
        .await
        .context("starting the catalog on the restored copy")?;
    let addr = app
        .local_addr()
        .context("the drill's catalog has no address")?;
    let ready = reqwest::get(format!("http://{addr}/readyz"))
        .await
        .context("asking the restored service /readyz")?;
    anyhow::ensure!(
        ready.status().is_success(),
        "the restored service is not ready: {}",
        ready.text().await.unwrap_or_default()
    );
    let counts = app
        .catalog()
        .context("no catalog")?
        .state
        .db
        .call(|c| Ok(backup::counts(c)?))
        .await?;
    // restore() compared every table with the backup's header before the
    // start; the running service must see the same people and records
    // (upkeep may add its own rows to other tables, e.g. today's seat count).
    for table in [
        "users",
        "groups",
        "courses",
        "videos",
        "heartbeats",
        "viewing_daily",
    ] {
        let (then, now) = (header.counts.get(table), counts.get(table));
        anyhow::ensure!(
            then == now,
            "table {table}: {then:?} rows in the backup, {now:?} in the restored service"
        );
    }
    let total_ms = started.elapsed().as_millis();
    app.shutdown().await;
    println!(
        "restore drill: ok — {} taken {}, {} users, {} tables match; restored in {restored_ms} ms, service ready in {total_ms} ms",
        file.display(),
        header.created_at,
        header.counts.get("users").copied().unwrap_or(0),
        header.counts.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Destination;

    #[test]
    fn to_names_a_directory_or_a_bucket_with_a_prefix() {
        let parse = |s: &str| s.parse::<Destination>();
        assert_eq!(
            parse("/mnt/backups"),
            Ok(Destination::Dir("/mnt/backups".into()))
        );
        assert_eq!(
            parse("s3://ward-backups/manabi/daily/"),
            Ok(Destination::S3 {
                bucket: "ward-backups".into(),
                prefix: "manabi/daily/".into()
            })
        );
        assert_eq!(
            parse("s3://ward-backups"),
            Ok(Destination::S3 {
                bucket: "ward-backups".into(),
                prefix: String::new()
            })
        );
        assert!(parse("s3://").is_err());
        assert!(parse("").is_err());
    }
}

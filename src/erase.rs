//! `manabi purge --all [--confirm erase-everything] [--report FILE]` (also
//! `manabi erase`): the deletion of
//! everything at the end of the contract (issue 8; R-S5) — the catalog
//! database, every media object in the store (local or S3), every backup,
//! the keys, uploads and work files — with a report of what was deleted.
//! Local files are overwritten with zeros before they are unlinked (on SSDs
//! and copy-on-write file systems that is not a guarantee: the report says
//! so, and what manabi cannot reach). The report lists the SHA-256 of each
//! list of deleted objects (the lists beside it) and is signed with ECDSA
//! P-256 by a key whose public half the ward received beforehand.

use crate::config::Config;
use anyhow::Context;
use catalog::backup;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// What the operator must type.
pub const CONFIRMATION: &str = "erase-everything";

/// Asks the operator to type the confirmation (on standard error; the
/// answer is one line of standard input).
pub fn ask_confirmation() -> anyhow::Result<String> {
    eprint!(
        "データベース、すべての動画、バックアップとその複製、鍵を消去します。元に戻せません。\n\
         続けるには {CONFIRMATION} と入力してください (type {CONFIRMATION} to erase everything): "
    );
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the confirmation from standard input")?;
    Ok(line.trim().to_owned())
}

/// `manabi-erasure-report-YYYYMMDDTHHMMSSZ.md` in the current directory.
pub fn default_report() -> PathBuf {
    PathBuf::from(format!(
        "manabi-erasure-report-{}.md",
        jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ")
    ))
}

/// Erases everything (see the module documentation) and writes the report.
pub async fn run(config: &Config, confirm: &str, report: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        confirm == CONFIRMATION,
        "確認の言葉が違います。すべてのデータを消去するには {CONFIRMATION} と入力してください (type {CONFIRMATION} to confirm); nothing was erased"
    );
    let data = config.data_dir.clone();
    let backups = config.backup.dir(&data);
    let report = absolute(report);
    for inside in [&data, &backups] {
        anyhow::ensure!(
            !report.starts_with(absolute(inside)),
            "--report {} は削除される {} の中です: 別の場所を指定してください (the report would be erased with {})",
            report.display(),
            inside.display(),
            inside.display()
        );
    }
    for file in [
        report.clone(),
        sidecar(&report, "sig"),
        sidecar(&report, "pub.pem"),
        sidecar(&report, "objects.txt"),
    ] {
        anyhow::ensure!(
            !file.exists(),
            "{} がすでにあります: 別の名前を指定してください (the report would overwrite it)",
            file.display()
        );
    }
    anyhow::ensure!(
        std::net::TcpListener::bind(&config.http.addr).is_ok(),
        "{} が使用中です: サービスを停止してから実行してください (stop the service first)",
        config.http.addr
    );
    let db_path = data.join("catalog.db");
    anyhow::ensure!(
        db_path.exists(),
        "{} がありません: 削除するデータがありません (no catalog database)",
        db_path.display()
    );
    let started = jiff::Timestamp::now();
    // The report's signing key, read before the keys go with the rest.
    let signer = report_key(&data)?;

    // Not under a service on another address: it has the database open.
    let key = config.catalog.db_key(&data)?;
    if let Err(e) = catalog::db::exclusive(&db_path, &key)
        && e.is_busy()
    {
        anyhow::bail!(catalog::db::IN_USE);
    }

    // What there is, before anything goes.
    let db = config.open_catalog_db()?;
    let counts = db.call(|c| Ok(backup::counts(c)?)).await?;
    drop(db);
    let backup_files = files_in(&backups);
    let media_files = store::local_root(&config.store, &data).map_or(0, |r| files_in(&r).len());

    // Media first (the catalog names them), its mirror, then backups, then the rest.
    // Every list of what was deleted, by place: its SHA-256 goes in the report.
    let mut lists: Vec<(&str, Vec<String>)> = Vec::new();
    let media = store::ObjectKey::all_media();
    let (mut local, objects) = erase_objects(&config.store, &data, &media)
        .await
        .context("deleting the media objects")?;
    lists.push(("メディア / media objects", objects));
    if store::mirror::configured(&config.mirror) {
        let (files, objects) = erase_objects(&config.mirror, &data, &media)
            .await
            .context("deleting the media mirror's objects")?;
        local.extend(files);
        lists.push(("メディアの複製 / media mirror objects", objects));
    }
    let mut copies = None;
    if store::mirror::configured(&config.backup_copy) {
        let (files, objects) =
            erase_objects(&config.backup_copy, &data, &store::ObjectKey::backups())
                .await
                .context("deleting the copies of the backups ([backup_copy])")?;
        local.extend(files);
        copies = Some(objects.len());
        lists.push(("バックアップの複製 / backup copies", objects));
    }
    let mut erased = Vec::new();
    for file in &backup_files {
        erased.push(shred(file)?);
    }
    lists.push((
        "バックアップ / backups",
        erased.iter().map(|(name, _)| name.clone()).collect(),
    ));
    for sub in [
        "catalog.db",
        "catalog.db-wal",
        "catalog.db-shm",
        "keys",
        "uploads",
        "work",
        "media",
    ] {
        let path = data.join(sub);
        if path.exists() {
            for file in files_in(&path) {
                local.push(shred(&file)?);
            }
            if path.is_dir() {
                std::fs::remove_dir_all(&path)
                    .with_context(|| format!("removing {}", path.display()))?;
            }
        }
    }
    // Keys configured to live outside the data directory go too.
    for key in [
        PathBuf::from(&config.backup.key_file),
        PathBuf::from(&config.catalog.db_key_file),
        config.grant.keys_file.clone(),
    ] {
        if !key.as_os_str().is_empty() && key.is_file() {
            local.push(shred(&key)?);
        }
    }
    let finished = jiff::Timestamp::now();
    lists.push((
        "そのほかのファイル / other local files",
        local.iter().map(|(name, _)| name.clone()).collect(),
    ));

    let objects_file = sidecar(&report, "objects.txt");
    let mut text = report_text(
        config,
        &counts,
        &erased,
        &local,
        (media_files, copies),
        started,
        finished,
    );
    write_new(&objects_file, list_text(&lists).as_bytes())?;
    text.push_str(&lists_section(&lists, &objects_file, &signer));
    let signature = signer
        .sign(&ring::rand::SystemRandom::new(), text.as_bytes())
        .map_err(|_| anyhow::anyhow!("signing the report failed"))?;
    write_new(&sidecar(&report, "sig"), signature.as_ref())?;
    write_new(
        &sidecar(&report, "pub.pem"),
        public_key_pem(&signer).as_bytes(),
    )?;
    write_new(&report, text.as_bytes())?;
    use sha2::Digest;
    println!(
        "purge: done; report {} (sha256 {}), signed: {}, public key {}",
        report.display(),
        hex::encode(sha2::Sha256::digest(text.as_bytes())),
        sidecar(&report, "sig").display(),
        sidecar(&report, "pub.pem").display()
    );
    Ok(())
}

/// `REPORT.EXT` beside the report (`report.md` → `report.md.sig`).
fn sidecar(report: &Path, ext: &str) -> PathBuf {
    let mut name = report.as_os_str().to_owned();
    name.push(format!(".{ext}"));
    PathBuf::from(name)
}

/// Writes a new file (never over an existing one) and syncs it.
fn write_new(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    out.write_all(bytes)?;
    out.sync_all()?;
    Ok(())
}

/// The key that signs the deletion report: ECDSA P-256 with SHA-256
/// (CRYPTREC), created once in `keys/erasure-report.p8`. Its public key is
/// handed to the ward beforehand (`manabi erasure-key`); the private key is
/// erased with everything else, so no report about this data can be made
/// afterwards.
fn report_key(data: &Path) -> anyhow::Result<EcdsaKeyPair> {
    let path = data.join("keys").join("erasure-report.p8");
    let rng = ring::rand::SystemRandom::new();
    if !path.exists() {
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            .map_err(|_| anyhow::anyhow!("creating the report's signing key failed"))?;
        catalog::keyfile::create(&path, pkcs8.as_ref())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let pkcs8 = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &pkcs8, &rng)
        .map_err(|e| anyhow::anyhow!("{}: not a P-256 key: {e}", path.display()))
}

/// The public key as PEM (SubjectPublicKeyInfo), as `openssl` reads it.
fn public_key_pem(key: &EcdsaKeyPair) -> String {
    use base64::Engine;
    use ring::signature::KeyPair;
    // SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING { point } }
    const P256_SPKI_PREFIX: &str = "3059301306072a8648ce3d020106082a8648ce3d030107034200";
    let mut der = hex::decode(P256_SPKI_PREFIX).unwrap_or_default();
    der.extend_from_slice(key.public_key().as_ref());
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        lines.join("\n")
    )
}

/// `manabi erasure-key`: prints the public key that will sign the deletion
/// report (creating the key pair the first time), to hand to the ward.
pub fn print_key(config: &Config) -> anyhow::Result<()> {
    print!("{}", public_key_pem(&report_key(&config.data_dir)?));
    Ok(())
}

/// Every list of deleted objects, one section per place, one name a line.
fn list_text(lists: &[(&str, Vec<String>)]) -> String {
    let mut out = String::new();
    for (place, names) in lists {
        let _ = writeln!(out, "# {place}");
        out.push_str(&list_body(names));
    }
    out
}

fn list_body(names: &[String]) -> String {
    names.iter().map(|n| format!("{n}\n")).collect()
}

/// The report's last section: the SHA-256 of each list (over its lines as
/// `objects.txt` holds them) and how to check the signature.
fn lists_section(lists: &[(&str, Vec<String>)], objects: &Path, key: &EcdsaKeyPair) -> String {
    use sha2::Digest;
    let mut r = String::new();
    let _ = writeln!(
        r,
        "\n## 削除した対象の一覧 / Lists of what was deleted\n\n一覧 / lists: {}\n",
        objects.display()
    );
    for (place, names) in lists {
        let digest = hex::encode(sha2::Sha256::digest(list_body(names).as_bytes()));
        let _ = writeln!(r, "- {place}: {} 件 / items, SHA-256 {digest}", names.len());
    }
    let _ = writeln!(
        r,
        "\n## 署名 / Signature\n\nこの報告書は ECDSA P-256 (SHA-256) で署名されています。署名は `.sig`、公開鍵は `.pub.pem` にあります。\n\
         This report is signed with ECDSA P-256 (SHA-256); verify with\n\
         `openssl dgst -sha256 -verify REPORT.pub.pem -signature REPORT.sig REPORT`\n\
         and compare the public key with the one handed over beforehand (`manabi erasure-key`):\n\n```\n{}```",
        public_key_pem(key)
    );
    r
}

/// Deletes every object below `prefix` in the store `settings` name: a
/// local store's files are overwritten first (and returned), an S3 store's
/// objects are deleted. Also returns the objects there were.
async fn erase_objects(
    settings: &store::Settings,
    data: &Path,
    prefix: &store::ObjectKey,
) -> anyhow::Result<(Vec<(String, u64)>, Vec<String>)> {
    let store = store::open(settings, data).await?;
    let objects: Vec<String> = store
        .list(prefix)
        .await?
        .into_iter()
        .map(|(key, len)| format!("{key} ({len} bytes)"))
        .collect();
    let mut shredded = Vec::new();
    if let Some(root) = store::local_root(settings, data) {
        for file in files_in(&root.join(prefix.as_str())) {
            shredded.push(shred(&file)?);
        }
    }
    store.delete_prefix(prefix).await?;
    Ok((shredded, objects))
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

/// Every file below `path` (or `path` itself when it is a file).
fn files_in(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_owned()];
    }
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(path) else {
        return out;
    };
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(files_in(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Overwrites `file` with zeros, syncs, and removes it; returns (name, bytes).
fn shred(file: &Path) -> anyhow::Result<(String, u64)> {
    let len = catalog::keyfile::shred(file)
        .with_context(|| format!("overwriting and removing {}", file.display()))?;
    Ok((file.display().to_string(), len))
}

fn report_text(
    config: &Config,
    counts: &std::collections::BTreeMap<String, i64>,
    backups: &[(String, u64)],
    local: &[(String, u64)],
    (media_files, copies): (usize, Option<usize>),
    started: jiff::Timestamp,
    finished: jiff::Timestamp,
) -> String {
    let jst = |t: jiff::Timestamp| {
        jiff::tz::TimeZone::get(&config.catalog.timezone)
            .map(|tz| t.to_zoned(tz).strftime("%Y-%m-%d %H:%M:%S %Z").to_string())
            .unwrap_or_default()
    };
    let count = |t: &str| counts.get(t).copied().unwrap_or(0);
    let mut r = String::new();
    let _ = writeln!(r, "# manabi データ消去報告書 / Data erasure report\n");
    let _ = writeln!(r, "- 開始 / started: {started} ({})", jst(started));
    let _ = writeln!(r, "- 終了 / finished: {finished} ({})", jst(finished));
    let _ = writeln!(
        r,
        "- データディレクトリ / data directory: {}",
        config.data_dir.display()
    );
    let store = match config.store.kind {
        store::Kind::S3 => format!(
            "S3 bucket {} prefix {:?} (endpoint {})",
            config.store.bucket,
            config.store.prefix,
            if config.store.endpoint.is_empty() {
                "AWS"
            } else {
                &config.store.endpoint
            }
        ),
        store::Kind::Local => format!(
            "local {} ({media_files} files)",
            store::local_root(&config.store, &config.data_dir)
                .unwrap_or_default()
                .display()
        ),
    };
    let _ = writeln!(r, "- メディア保存先 / media store: {store}");
    if store::mirror::configured(&config.mirror) {
        let mirror = match store::local_root(&config.mirror, &config.data_dir) {
            Some(root) => format!("local {}", root.display()),
            None => format!(
                "S3 bucket {} prefix {:?}",
                config.mirror.bucket, config.mirror.prefix
            ),
        };
        let _ = writeln!(r, "- メディアの複製先 / media mirror: {mirror}");
    }
    if let Some(n) = copies {
        let place = match store::local_root(&config.backup_copy, &config.data_dir) {
            Some(root) => format!("local {}", root.join("backups").display()),
            None => format!(
                "S3 bucket {} prefix {:?}",
                config.backup_copy.bucket, config.backup_copy.prefix
            ),
        };
        let _ = writeln!(
            r,
            "- バックアップの複製先 / backup copies: {place} ({n} objects deleted)"
        );
    }
    let _ = writeln!(r);
    let _ = writeln!(r, "## 削除したもの / What was erased\n");
    let _ = writeln!(
        r,
        "- 利用者 {} 人、グループ {}、講座 {}、動画 {}（メディアはすべて）/ users, groups, courses, videos (all media objects)",
        count("users"),
        count("groups"),
        count("courses"),
        count("videos")
    );
    let _ = writeln!(
        r,
        "- 視聴記録: 心拍 {} 件、日別集計 {} 件、監査ログ {} 件 / heartbeats, daily rollups, audit entries",
        count("heartbeats"),
        count("viewing_daily"),
        count("audit_log")
    );
    let _ = writeln!(
        r,
        "- データベースの全 {} 表 / all tables of the catalog database",
        counts.len()
    );
    let sealed = backups.iter().filter(|(n, _)| n.ends_with(".mbk")).count();
    let _ = writeln!(
        r,
        "- バックアップ {sealed} 件（ファイル {} 個）/ backups ({} files, overwritten with zeros, then removed):",
        backups.len(),
        backups.len()
    );
    for (name, bytes) in backups {
        let _ = writeln!(r, "  - {name} ({bytes} bytes)");
    }
    let _ = writeln!(
        r,
        "- そのほかのファイル {} 件（データベース、鍵、アップロード、作業ファイル、ローカルのメディア）/ other files (database, keys, uploads, work files, local media), overwritten with zeros, then removed",
        local.len()
    );
    let _ = writeln!(
        r,
        "\n## manabi の外にある複製 / Copies manabi cannot reach\n"
    );
    let _ = writeln!(
        r,
        "- S3 のバージョニングやレプリケーションで残る旧版、ストレージのスナップショット、運用者が別に保管したバックアップ鍵とバックアップは、この操作では消えません。契約に従い、それぞれ消去してください。\n  Old versions kept by S3 versioning or replication, storage snapshots, and backup keys or backups the operator keeps elsewhere are not erased by this command: erase them as the contract requires."
    );
    let _ = writeln!(
        r,
        "- SSD やコピーオンライト型のファイルシステムでは、ゼロでの上書きが元の領域に届く保証はありません。媒体の暗号化と鍵の破棄、または物理的な破壊を併用してください。\n  On SSDs and copy-on-write file systems, overwriting with zeros may not reach the original blocks: combine with disk encryption and key destruction, or physical destruction."
    );
    r
}

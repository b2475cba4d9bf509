//! The playback-grant key file: `key_id hex_secret` per line, the first signs.
//! Created once with a random 256-bit key so grants survive restarts and every
//! origin replica given the same file accepts them. And `manabi rekey`: the
//! rotation of the database's encryption key.

use crate::config::Config;
use anyhow::{Context, bail};
use catalog::keyfile::Key;
use domain::{SigningKey, SigningKeys};
use secrecy::ExposeSecret;
use std::path::Path;

/// Reads the key file, creating it with one fresh key if it does not exist.
pub fn load_or_create(path: &Path) -> anyhow::Result<SigningKeys> {
    if !path.exists() {
        create(path).with_context(|| format!("creating the grant key file {}", path.display()))?;
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the grant key file {}", path.display()))?;
    parse(&text).with_context(|| format!("grant key file {}", path.display()))
}

fn create(path: &Path) -> anyhow::Result<()> {
    let secret: [u8; 32] = rand::random();
    let id = format!("k{}", jiff::Timestamp::now().strftime("%Y%m%d"));
    catalog::keyfile::create(path, format!("{id} {}\n", hex::encode(secret)).as_bytes())?;
    Ok(())
}

/// Parses the key file's text.
pub fn parse(text: &str) -> anyhow::Result<SigningKeys> {
    let mut keys = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((id, secret)) = line.split_once(char::is_whitespace) else {
            bail!("line {}: expected \"key_id hex_secret\"", n + 1)
        };
        let bytes = hex::decode(secret.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok());
        let Some(bytes) = bytes else {
            bail!(
                "line {}: the secret must be 64 hexadecimal digits (256 bits)",
                n + 1
            )
        };
        keys.push(SigningKey::new(id, bytes).with_context(|| format!("line {}", n + 1))?);
    }
    Ok(SigningKeys::new(keys)?)
}

/// `manabi rekey [--new-key-stdin]`: re-encrypts the catalog database under
/// a new key (random, or 64 hex digits read from standard input) while the
/// service is stopped. With a key file, the new key is written beside it
/// first (`….next`), the database re-encrypted, then the file replaced and
/// the old key overwritten, so an interruption at any step is finished by
/// running the command again. A key given inline (`catalog.db_key`) must be
/// replaced in the configuration by the operator afterwards.
pub fn rotate_db_key(config: &Config, new_key_stdin: bool) -> anyhow::Result<()> {
    let data = &config.data_dir;
    let db_path = data.join("catalog.db");
    anyhow::ensure!(
        db_path.exists(),
        "{} がありません: データディレクトリを確認してください (no catalog database)",
        db_path.display()
    );
    let current = config.catalog.db_key(data)?;
    let inline = !config.catalog.db_key.expose_secret().is_empty();
    let new = if new_key_stdin {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .context("reading the new key from standard input")?;
        Key::from_hex(&text)
            .context("標準入力の新しい鍵は 64 桁の16進数にしてください (openssl rand -hex 32)")?
    } else {
        anyhow::ensure!(
            !inline,
            "catalog.db_key は設定で直接与えられています: 新しい鍵を --new-key-stdin で渡し、実行後に設定を書き換えてください (the key is inline: pass the new one with --new-key-stdin)"
        );
        Key::generate()
    };
    let rekey = |new: &Key| {
        catalog::db::rekey(&db_path, &current, new).map_err(|e| {
            if e.is_busy() {
                anyhow::anyhow!(catalog::db::IN_USE)
            } else {
                e.into()
            }
        })
    };
    if inline {
        rekey(&new)?;
        println!(
            "rekey: the database is now encrypted with key {} (was {}); set catalog.db_key to the new key before starting the service",
            new.id(),
            current.id()
        );
        return Ok(());
    }
    let file = if config.catalog.db_key_file.is_empty() {
        data.join("keys").join("db.key")
    } else {
        config.catalog.db_key_file.clone().into()
    };
    let (next, old) = (
        catalog::db::suffixed(&file, ".next"),
        catalog::db::suffixed(&file, ".old"),
    );
    // An interrupted rotation: its new key either already opens the
    // database (only the files are left to swap) or never got used.
    if next.exists() {
        let pending = Key::from_hex(&std::fs::read_to_string(&next)?)
            .with_context(|| format!("{} must hold 64 hex digits", next.display()))?;
        if catalog::db::connect(&db_path, &pending).is_ok() {
            return swap(&file, &next, &old, &current, &pending);
        }
        catalog::keyfile::shred(&next)?;
    }
    catalog::keyfile::create(&next, format!("{}\n", new.to_hex()).as_bytes())
        .with_context(|| format!("writing {}", next.display()))?;
    if let Err(e) = rekey(&new) {
        catalog::keyfile::shred(&next)?;
        return Err(e);
    }
    swap(&file, &next, &old, &current, &new)
}

/// Puts the new key file in place of the current one and overwrites the old.
fn swap(file: &Path, next: &Path, old: &Path, current: &Key, new: &Key) -> anyhow::Result<()> {
    if old.exists() {
        catalog::keyfile::shred(old)?;
    }
    std::fs::hard_link(file, old).with_context(|| format!("linking {}", old.display()))?;
    std::fs::rename(next, file).with_context(|| format!("replacing {}", file.display()))?;
    if let Some(dir) = file.parent() {
        std::fs::File::open(dir).and_then(|d| d.sync_all())?;
    }
    catalog::keyfile::shred(old)?;
    println!(
        "rekey: the database is now encrypted with key {} (was {}), kept in {}; keep a copy of it apart from the data directory (backups do not need it: the backup key seals them)",
        new.id(),
        current.id(),
        file.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/grant.keys");
        load_or_create(&path).unwrap();
        let first = std::fs::read_to_string(&path).unwrap();
        load_or_create(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), first);
    }

    #[test]
    fn short_secrets_and_empty_files_are_refused() {
        assert!(parse("k1 abcd").is_err());
        assert!(parse("# nothing\n").is_err());
        assert!(parse(&format!("k1 {}\nk0 {}", "ab".repeat(32), "cd".repeat(32))).is_ok());
    }
}

//! The playback-grant key file: `key_id hex_secret` per line, the first signs.
//! Created once with a random 256-bit key so grants survive restarts and every
//! origin replica given the same file accepts them.

use anyhow::{Context, bail};
use domain::{SigningKey, SigningKeys};
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

//! Secret files manabi creates itself (the grant keys, the backup key, the
//! database key): created once, never overwritten, readable by the owner
//! only, synced — and overwritten before they are unlinked when a plaintext
//! copy must go.

use ring::rand::{SecureRandom, SystemRandom};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

/// Writes `contents` to a new file at `path` (mode 0600 on Unix), creating
/// its directory; fails if the file exists.
pub fn create(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// Overwrites `file` with zeros, syncs it and unlinks it; returns its length.
/// (On SSDs and copy-on-write file systems the old blocks may survive: the
/// manuals say so where it matters.)
pub fn shred(file: &Path) -> std::io::Result<u64> {
    let len = std::fs::metadata(file)?.len();
    {
        let mut f = std::fs::OpenOptions::new().write(true).open(file)?;
        let zeros = vec![0u8; 1 << 16];
        let mut left = len;
        while left > 0 {
            let n = usize::try_from(left.min(zeros.len() as u64)).unwrap_or(zeros.len());
            f.write_all(&zeros[..n])?;
            left -= n as u64;
        }
        f.sync_all()?;
    }
    std::fs::remove_file(file)?;
    Ok(len)
}

/// A 256-bit secret key (the backup key, the database key).
#[derive(Clone)]
pub struct Key([u8; 32]);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key({})", self.id())
    }
}

impl Key {
    /// The key from its 64 hex digits.
    pub fn from_hex(hex_key: &str) -> Option<Self> {
        let bytes = hex::decode(hex_key.trim()).ok()?;
        Some(Self(bytes.try_into().ok()?))
    }

    /// A new random key.
    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        SystemRandom::new()
            .fill(&mut key)
            .unwrap_or_else(|_| panic!("the system's random source failed"));
        Self(key)
    }

    /// As 64 hex digits (for the key file).
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// A short public name of the key (first 8 hex digits of its SHA-256),
    /// written where a file must name the key it needs.
    pub fn id(&self) -> String {
        hex::encode(&Sha256::digest(self.0)[..4])
    }

    /// The raw key.
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// A key from its settings: `inline` (64 hex digits) when set, else the
/// file `file`, else `default` — created with a random key (mode 0600) when
/// it does not exist yet, and `on_create` logged as a warning. Errors name
/// the setting (`{setting}` or `{setting}_file`).
pub fn resolve(
    inline: &str,
    file: &str,
    default: &Path,
    setting: &str,
    on_create: &str,
) -> Result<Key, String> {
    if !inline.is_empty() {
        return Key::from_hex(inline)
            .ok_or_else(|| format!("{setting}: 64 hex digits (openssl rand -hex 32)"));
    }
    let path = if file.is_empty() {
        default.to_owned()
    } else {
        Path::new(file).to_owned()
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => Key::from_hex(&text)
            .ok_or_else(|| format!("{setting}_file: {} must hold 64 hex digits", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && file.is_empty() => {
            let key = Key::generate();
            create(&path, format!("{}\n", key.to_hex()).as_bytes())
                .map_err(|e| format!("{}: {e}", path.display()))?;
            tracing::warn!(path = %path.display(), "{on_create}");
            Ok(key)
        }
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

//! Secret files manabi creates itself (the grant keys, the backup key):
//! created once, never overwritten, readable by the owner only, synced.

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

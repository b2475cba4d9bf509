//! Publishing a packaged HLS directory into the store.

use crate::{ObjectKey, Store, StoreError};
use domain::VideoId;
use std::path::{Path, PathBuf};

/// The master playlist's name; published last so that a reader who finds it
/// finds everything it names.
pub const MASTER: &str = "master.m3u8";

/// Moves every file below `dir` into the video's HLS prefix under the
/// revision `rev` (`videos/{id}/hls/{rev}/…`), the master playlist last.
/// Files whose relative paths are not valid keys are refused.
pub async fn publish_dir(
    store: &dyn Store,
    video: VideoId,
    rev: &str,
    dir: &Path,
) -> Result<(), StoreError> {
    let mut files = Vec::new();
    collect(dir, dir, &mut files)?;
    // Segments before playlists before the master: readers never see a
    // playlist that names a missing object.
    files.sort_by_key(|rel| (rel == MASTER, rel.ends_with(".m3u8"), rel.clone()));
    for rel in files {
        let key = ObjectKey::hls(video, &format!("{rev}/{rel}"))
            .map_err(|_| std::io::Error::other(format!("unexpected file in package: {rel}")))?;
        store.put_file(&key, &dir.join(&rel)).await?;
    }
    Ok(())
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), StoreError> {
    for entry in std::fs::read_dir(dir)? {
        let path: PathBuf = entry?.path();
        if path.is_dir() {
            collect(root, &path, out)?;
        } else {
            let rel = path.strip_prefix(root).map_err(std::io::Error::other)?;
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

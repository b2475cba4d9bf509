//! The media mirror (R-S1: media are duplicated): a second store — another
//! local directory (a disk elsewhere) or another S3 bucket — kept a copy of
//! the primary one, and the check that it is.
//!
//! [`sync`] compares the two listings (and with `deep` the contents, by
//! SHA-256): an object missing from the mirror or different there is copied
//! again, one the primary no longer has (a video purged from the trash) is
//! removed from the mirror too, so nothing deleted lingers in the copy. Run
//! with `repair` off it only reports. The service runs it in its
//! housekeeping; `manabi mirror` runs it from the shell.

use crate::{ObjectKey, Store, StoreError};
use sha2::{Digest, Sha256};
use std::cmp::Ordering;
use std::path::Path;

/// Whether the `[mirror]` settings name a mirror: an S3 bucket, or a local
/// directory (an empty `path` means none).
pub fn configured(settings: &crate::Settings) -> bool {
    settings.kind == crate::Kind::S3 || !settings.path.is_empty()
}

/// The mirror the `[mirror]` settings name, if any.
pub async fn open(
    settings: &crate::Settings,
    data_dir: &Path,
) -> Result<Option<std::sync::Arc<dyn Store>>, crate::SettingsError> {
    if configured(settings) {
        crate::open(settings, data_dir).await.map(Some)
    } else {
        Ok(None)
    }
}

/// What to do.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Copy what is missing or different, remove what the primary no longer has.
    pub repair: bool,
    /// Also compare the contents of objects of equal size (reads both copies).
    pub deep: bool,
}

/// What a run found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// Objects in the primary store.
    pub objects: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Missing from the mirror.
    pub missing: Vec<String>,
    /// In both, with a different size (or, deep, different contents).
    pub mismatched: Vec<String>,
    /// Only in the mirror (deleted from the primary).
    pub extra: Vec<String>,
    /// Copied to the mirror (repair).
    pub copied: u64,
    /// Removed from the mirror (repair).
    pub removed: u64,
    /// Objects a repair could not fix, with the reason.
    pub failed: Vec<String>,
}

impl Report {
    /// The mirror held an exact copy when the run began.
    pub fn was_in_sync(&self) -> bool {
        self.missing.is_empty() && self.mismatched.is_empty() && self.extra.is_empty()
    }

    /// The mirror is an exact copy now: it was, or a repair fixed everything.
    pub fn in_sync(&self, repaired: bool) -> bool {
        if repaired {
            self.failed.is_empty()
        } else {
            self.was_in_sync()
        }
    }
}

/// Compares `mirror` with `primary` and, with `options.repair`, makes it a
/// copy again. `scratch` is a local directory for objects in transit.
/// Fails only when either store cannot be listed; a single object that
/// cannot be copied is reported in [`Report::failed`].
pub async fn sync(
    primary: &dyn Store,
    mirror: &dyn Store,
    scratch: &Path,
    options: Options,
) -> Result<Report, StoreError> {
    let all = ObjectKey::all_media();
    let ours = primary.list(&all).await?;
    let theirs = mirror.list(&all).await?;
    let mut report = Report {
        objects: ours.len() as u64,
        bytes: ours.iter().map(|(_, len)| len).sum(),
        ..Report::default()
    };
    // Both listings are sorted by key: walk them side by side.
    let (mut i, mut j) = (0, 0);
    let mut to_copy = Vec::new();
    while i < ours.len() || j < theirs.len() {
        let order = match (ours.get(i), theirs.get(j)) {
            (Some((x, _)), Some((y, _))) => x.as_str().cmp(y.as_str()),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        match order {
            Ordering::Less => {
                let key = &ours[i].0;
                i += 1;
                report.missing.push(key.to_string());
                to_copy.push(key.clone());
            }
            Ordering::Greater => {
                let key = &theirs[j].0;
                j += 1;
                report.extra.push(key.to_string());
                if options.repair {
                    match mirror.delete_prefix(key).await {
                        Ok(()) => report.removed += 1,
                        Err(e) => report.failed.push(format!("{key}: {e}")),
                    }
                }
            }
            Ordering::Equal => {
                let ((key, len), (_, mirrored)) = (&ours[i], &theirs[j]);
                (i, j) = (i + 1, j + 1);
                // A copy that cannot be read counts as different.
                let differs = len != mirrored
                    || (options.deep
                        && !same_contents(primary, mirror, key, scratch)
                            .await
                            .unwrap_or(false));
                if differs {
                    report.mismatched.push(key.to_string());
                    to_copy.push(key.clone());
                }
            }
        }
    }
    if options.repair {
        for key in to_copy {
            match copy(primary, mirror, &key, scratch).await {
                Ok(()) => report.copied += 1,
                Err(e) => report.failed.push(format!("{key}: {e}")),
            }
        }
    }
    Ok(report)
}

/// Copies one object through a file in `scratch` (sources may be large).
async fn copy(
    primary: &dyn Store,
    mirror: &dyn Store,
    key: &ObjectKey,
    scratch: &Path,
) -> Result<(), StoreError> {
    let file = transit(scratch);
    let result = match primary.get_to_file(key, &file).await {
        Ok(()) => mirror.put_file(key, &file).await,
        Err(e) => Err(e),
    };
    let _ = tokio::fs::remove_file(&file).await;
    result
}

/// Whether both copies of `key` hold the same bytes (by SHA-256).
async fn same_contents(
    primary: &dyn Store,
    mirror: &dyn Store,
    key: &ObjectKey,
    scratch: &Path,
) -> Result<bool, StoreError> {
    let (ours, theirs) = (
        digest(primary, key, scratch).await?,
        digest(mirror, key, scratch).await?,
    );
    Ok(ours == theirs)
}

async fn digest(
    store: &dyn Store,
    key: &ObjectKey,
    scratch: &Path,
) -> Result<[u8; 32], StoreError> {
    let file = transit(scratch);
    let result = match store.get_to_file(key, &file).await {
        Ok(()) => {
            let path = file.clone();
            tokio::task::spawn_blocking(move || -> std::io::Result<[u8; 32]> {
                let mut hasher = Sha256::new();
                std::io::copy(&mut std::fs::File::open(path)?, &mut hasher)?;
                Ok(hasher.finalize().into())
            })
            .await
            .map_err(std::io::Error::other)
            .and_then(|r| r)
            .map_err(StoreError::from)
        }
        Err(e) => Err(e),
    };
    let _ = tokio::fs::remove_file(&file).await;
    result
}

/// A fresh file name in `scratch` for an object in transit.
fn transit(scratch: &Path) -> std::path::PathBuf {
    let n: u64 = rand::random();
    scratch.join(format!(".mirror-{n:016x}"))
}

//! The local-directory store: one file per object under a root directory.

use crate::{ByteRange, Meta, Object, ObjectKey, Store, StoreError};
use async_trait::async_trait;
use bytes::Bytes;
use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// Objects as files below `root`; writes go through a temporary file and a rename.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    /// A store rooted at `root` (created if missing).
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let root = root.into();
        std::fs::create_dir_all(root.join(".tmp"))?;
        Ok(Self { root })
    }

    fn path(&self, key: &ObjectKey) -> PathBuf {
        self.root.join(key.as_str())
    }

    /// The object's file, opened, with its size and age.
    async fn open_file(&self, key: &ObjectKey) -> Result<(tokio::fs::File, Meta), StoreError> {
        let file = match tokio::fs::File::open(self.path(key)).await {
            Ok(file) => file,
            Err(e) => return Err(self.missing(e).await),
        };
        let md = file.metadata().await?;
        if !md.is_file() {
            return Err(StoreError::NotFound);
        }
        let meta = Meta {
            len: md.len(),
            modified: md.modified()?,
        };
        Ok((file, meta))
    }

    /// Whether the store itself is there, which its `.tmp` directory (made
    /// by [`LocalStore::open`], written by [`Store::check`]) shows. A root
    /// moved away, or an empty mount point whose disk is not mounted, lacks
    /// it: `Unavailable`, as the objects come back with the disk. Nothing is
    /// then written onto the bare mount point, and nothing reads as deleted
    /// or empty.
    async fn present(&self) -> Result<(), StoreError> {
        match tokio::fs::metadata(self.root.join(".tmp")).await {
            Ok(md) if md.is_dir() => Ok(()),
            _ => Err(StoreError::Unavailable(format!(
                "the store's directory {} is missing",
                self.root.display()
            ))),
        }
    }

    /// The error for `e`, met looking an object up: a missing file is
    /// `NotFound` only while the store is [present](Self::present). Looked
    /// at only when a lookup fails.
    async fn missing(&self, e: std::io::Error) -> StoreError {
        if e.kind() != std::io::ErrorKind::NotFound {
            return StoreError::Io(e);
        }
        match self.present().await {
            Ok(()) => StoreError::NotFound,
            Err(gone) => gone,
        }
    }

    fn temp_path(&self) -> PathBuf {
        self.root
            .join(".tmp")
            .join(format!("put-{:016x}", rand::random::<u64>()))
    }
}

/// `NotFound` for a missing file, `Io` for anything else.
pub(crate) fn not_found(e: std::io::Error) -> StoreError {
    if e.kind() == std::io::ErrorKind::NotFound {
        StoreError::NotFound
    } else {
        StoreError::Io(e)
    }
}

#[async_trait]
impl Store for LocalStore {
    async fn put_file(&self, key: &ObjectKey, src: &Path) -> Result<(), StoreError> {
        self.present().await?;
        let dest = self.path(key);
        if let Some(parent) = dest.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        // A rename is atomic on one file system; across file systems copy to a
        // temporary file beside the store first, then rename.
        if tokio::fs::rename(src, &dest).await.is_err() {
            let tmp = self.temp_path();
            tokio::fs::copy(src, &tmp).await.map_err(not_found)?;
            tokio::fs::rename(&tmp, &dest).await?;
            tokio::fs::remove_file(src).await?;
        }
        Ok(())
    }

    async fn put_bytes(&self, key: &ObjectKey, bytes: Bytes) -> Result<(), StoreError> {
        self.present().await?;
        let tmp = self.temp_path();
        tokio::fs::write(&tmp, &bytes).await?;
        self.put_file(key, &tmp).await
    }

    async fn get_to_file(&self, key: &ObjectKey, dest: &Path) -> Result<(), StoreError> {
        match tokio::fs::copy(self.path(key), dest).await {
            Ok(_) => Ok(()),
            Err(e) => Err(self.missing(e).await),
        }
    }

    async fn get(&self, key: &ObjectKey, range: Option<ByteRange>) -> Result<Object, StoreError> {
        let (mut file, meta) = self.open_file(key).await?;
        let (start, end) = match range {
            None => (0, meta.len),
            Some(r) if r.start >= meta.len => {
                return Err(StoreError::RangeNotSatisfiable(meta.len));
            }
            // An empty or inverted range reads nothing rather than underflowing.
            Some(r) => (r.start, r.end.min(meta.len).max(r.start)),
        };
        let mut buf = vec![
            0;
            usize::try_from(end - start)
                .map_err(|_| std::io::Error::other("range too large"))?
        ];
        file.seek(SeekFrom::Start(start)).await?;
        file.read_exact(&mut buf).await?;
        Ok(Object {
            meta,
            bytes: Bytes::from(buf),
        })
    }

    async fn open(&self, key: &ObjectKey) -> Result<Option<(std::fs::File, Meta)>, StoreError> {
        let (file, meta) = self.open_file(key).await?;
        Ok(Some((file.into_std().await, meta)))
    }

    async fn head(&self, key: &ObjectKey) -> Result<Meta, StoreError> {
        let md = match tokio::fs::metadata(self.path(key)).await {
            Ok(md) => md,
            Err(e) => return Err(self.missing(e).await),
        };
        if !md.is_file() {
            return Err(StoreError::NotFound);
        }
        Ok(Meta {
            len: md.len(),
            modified: md.modified()?,
        })
    }

    async fn delete_prefix(&self, prefix: &ObjectKey) -> Result<(), StoreError> {
        let path = self.path(prefix);
        match tokio::fs::metadata(&path).await {
            Ok(md) if md.is_dir() => tokio::fs::remove_dir_all(&path).await?,
            Ok(_) => tokio::fs::remove_file(&path).await?,
            Err(e) => match self.missing(e).await {
                // Already gone from a store that is there: nothing to do.
                StoreError::NotFound => {}
                e => return Err(e),
            },
        }
        Ok(())
    }

    async fn list(&self, prefix: &ObjectKey) -> Result<Vec<(ObjectKey, u64)>, StoreError> {
        self.present().await?;
        let (root, top) = (self.root.clone(), self.path(prefix));
        tokio::task::spawn_blocking(move || {
            let mut found = Vec::new();
            let mut dirs = vec![top];
            while let Some(dir) = dirs.pop() {
                let entries = match std::fs::read_dir(&dir) {
                    Ok(entries) => entries,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e.into()),
                };
                for entry in entries {
                    let entry = entry?;
                    let kind = entry.file_type()?;
                    if kind.is_dir() {
                        dirs.push(entry.path());
                    } else if kind.is_file() {
                        let path = entry.path();
                        let relative = path.strip_prefix(&root).unwrap_or(&path);
                        let key = relative.to_str().and_then(|k| ObjectKey::listed(k).ok());
                        if let Some(key) = key {
                            found.push((key, entry.metadata()?.len()));
                        }
                    }
                }
            }
            found.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
            Ok(found)
        })
        .await
        .map_err(|e| StoreError::Io(std::io::Error::other(e)))?
    }

    async fn check(&self) -> Result<(), StoreError> {
        let probe = self.temp_path();
        tokio::fs::write(&probe, b"ok").await?;
        tokio::fs::remove_file(&probe).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::VideoId;

    #[tokio::test]
    async fn put_then_get_whole_and_ranges() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path().join("media")).unwrap();
        let src = dir.path().join("upload");
        std::fs::write(&src, b"0123456789").unwrap();
        let key = ObjectKey::source(VideoId::new(3));
        store.put_file(&key, &src).await.unwrap();
        assert!(!src.exists(), "the upload is moved, not copied");
        assert_eq!(
            &store.get(&key, None).await.unwrap().bytes[..],
            b"0123456789"
        );
        let part = store
            .get(&key, Some(ByteRange { start: 2, end: 5 }))
            .await
            .unwrap();
        assert_eq!((&part.bytes[..], part.meta.len), (&b"234"[..], 10));
        let tail = store
            .get(
                &key,
                Some(ByteRange {
                    start: 8,
                    end: u64::MAX,
                }),
            )
            .await
            .unwrap();
        assert_eq!(&tail.bytes[..], b"89");
        assert!(matches!(
            store
                .get(&key, Some(ByteRange { start: 10, end: 11 }))
                .await,
            Err(StoreError::RangeNotSatisfiable(10))
        ));
        assert!(matches!(
            store.get(&ObjectKey::source(VideoId::new(4)), None).await,
            Err(StoreError::NotFound)
        ));
        store
            .delete_prefix(&ObjectKey::video(VideoId::new(3)))
            .await
            .unwrap();
        assert!(matches!(store.head(&key).await, Err(StoreError::NotFound)));
        store.check().await.unwrap();
    }

    #[tokio::test]
    async fn a_store_whose_directory_is_gone_is_unavailable_until_it_returns() {
        let dir = tempfile::tempdir().unwrap();
        let (root, away) = (dir.path().join("media"), dir.path().join("away"));
        let store = LocalStore::open(&root).unwrap();
        let key = ObjectKey::source(VideoId::new(3));
        store
            .put_bytes(&key, Bytes::from_static(b"x"))
            .await
            .unwrap();
        // A disk unmounted: the root moved away, then an empty mount point.
        std::fs::rename(&root, &away).unwrap();
        for empty_mount_point in [false, true] {
            if empty_mount_point {
                std::fs::create_dir(&root).unwrap();
            }
            let unavailable =
                |r: Result<_, StoreError>| matches!(r, Err(StoreError::Unavailable(_)));
            assert!(unavailable(store.get(&key, None).await.map(|_| ())));
            assert!(unavailable(store.head(&key).await.map(|_| ())));
            assert!(unavailable(store.open(&key).await.map(|_| ())));
            let dest = dir.path().join("copy");
            assert!(unavailable(store.get_to_file(&key, &dest).await));
            // Nothing is written onto the bare mount point, and the store
            // reads neither as emptied nor as empty.
            let other = ObjectKey::source(VideoId::new(5));
            assert!(unavailable(
                store.put_bytes(&other, Bytes::from_static(b"y")).await
            ));
            assert!(unavailable(store.delete_prefix(&key).await));
            assert!(unavailable(store.list(&key).await.map(|_| ())));
        }
        assert_eq!(
            std::fs::read_dir(&root).unwrap().count(),
            0,
            "nothing written"
        );
        std::fs::remove_dir(&root).unwrap();
        std::fs::rename(&away, &root).unwrap();
        assert_eq!(&store.get(&key, None).await.unwrap().bytes[..], b"x");
        assert!(matches!(
            store.head(&ObjectKey::source(VideoId::new(4))).await,
            Err(StoreError::NotFound)
        ));
    }
}

//! The media store: where uploads, renditions and posters live.
//!
//! # Layout
//! - [`key`]: the object layout (`videos/{id}/…`) in one place, as typed keys
//!   that can only name paths inside the store.
//! - [`local`]: the embedded default, a local directory.
//! - [`s3`]: an S3 bucket (AWS or any S3-compatible server), through aws-sdk-s3.
//! - [`settings`]: the `[store]` configuration section and its validation.
//! - [`publish`]: copies a packaged HLS directory into the store, master last.
//! - [`mirror`]: keeps a second store a copy of the first, and verifies it.
//! - [`open`] (here): the store the settings name.
//!
//! The catalog stores uploads, the transcoder writes renditions, the origin
//! reads them; none of them knows where the bytes are. Both stores pass the
//! same test suite (`tests/suite`).

pub mod key;
pub mod local;
pub mod mirror;
pub mod publish;
pub mod s3;
pub mod settings;

pub use key::ObjectKey;
pub use local::LocalStore;
pub use publish::publish_dir;
pub use s3::S3Store;
pub use settings::{Kind, Settings, SettingsError};

use async_trait::async_trait;
use bytes::Bytes;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

/// The directory of a local store (`path`, or `{data_dir}/media`); `None`
/// for S3.
pub fn local_root(settings: &Settings, data_dir: &Path) -> Option<std::path::PathBuf> {
    (settings.kind == Kind::Local).then(|| {
        if settings.path.is_empty() {
            data_dir.join("media")
        } else {
            data_dir.join(&settings.path)
        }
    })
}

/// The store `settings` name: a [`LocalStore`] in its [`local_root`], or an
/// [`S3Store`]. Nothing is contacted yet; [`Store::check`] does that.
pub async fn open(settings: &Settings, data_dir: &Path) -> Result<Arc<dyn Store>, SettingsError> {
    Ok(match local_root(settings, data_dir) {
        Some(root) => {
            let store = LocalStore::open(&root).map_err(|cause| SettingsError::Local {
                root: root.clone(),
                cause,
            })?;
            Arc::new(store)
        }
        None => Arc::new(S3Store::from_settings(settings)?),
    })
}

/// What can go wrong in a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No object under that key.
    #[error("object not found")]
    NotFound,
    /// The requested byte range starts beyond the object.
    #[error("range not satisfiable (object is {0} bytes)")]
    RangeNotSatisfiable(u64),
    /// The store could not be read or written, or refused the request (for
    /// S3: access denied, a bad signature, a missing bucket).
    #[error("media store I/O failed: {0}")]
    Io(#[from] std::io::Error),
    /// The store cannot be reached, timed out or failed on its side (S3: a
    /// connection error, a timeout, a 5xx; local: its directory is missing,
    /// a disk not mounted). Worth answering 503 and retrying.
    #[error("media store unavailable: {0}")]
    Unavailable(String),
}

/// An object's size and modification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    /// Length in bytes.
    pub len: u64,
    /// Last modification.
    pub modified: SystemTime,
}

/// The bytes of an object, or of the requested part of it.
#[derive(Debug, Clone)]
pub struct Object {
    /// The whole object's size and age.
    pub meta: Meta,
    /// The bytes read (the whole object, or the requested range).
    pub bytes: Bytes,
}

/// A half-open byte range `[start, end)` within an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    /// First byte.
    pub start: u64,
    /// One past the last byte; clamped to the object's length.
    pub end: u64,
}

/// A media store. Implementations: [`LocalStore`] and [`S3Store`], which behave
/// the same down to the error variants (`tests/suite` runs against both).
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Moves the local file `src` into the store under `key` (atomically: a
    /// reader sees the old object or the new one, never a part).
    async fn put_file(&self, key: &ObjectKey, src: &Path) -> Result<(), StoreError>;
    /// Writes `bytes` under `key` (atomically, as [`Store::put_file`]).
    async fn put_bytes(&self, key: &ObjectKey, bytes: Bytes) -> Result<(), StoreError>;
    /// Copies the object under `key` into the local file `dest`.
    async fn get_to_file(&self, key: &ObjectKey, dest: &Path) -> Result<(), StoreError>;
    /// Reads an object, or the part `range` of it.
    async fn get(&self, key: &ObjectKey, range: Option<ByteRange>) -> Result<Object, StoreError>;
    /// Size and age of an object.
    async fn head(&self, key: &ObjectKey) -> Result<Meta, StoreError>;
    /// The object's own file, from a store that keeps objects as local
    /// files; `None` from one that does not. Its bytes never change: objects
    /// are replaced by rename, never rewritten in place, and a deleted one
    /// stays readable through the open file.
    async fn open(&self, _key: &ObjectKey) -> Result<Option<(std::fs::File, Meta)>, StoreError> {
        Ok(None)
    }
    /// Deletes every object whose key starts with `prefix`.
    async fn delete_prefix(&self, prefix: &ObjectKey) -> Result<(), StoreError>;
    /// Every object below `prefix/` with its size, sorted by key; what is not
    /// a key of ours ([`ObjectKey::listed`]) is left out.
    async fn list(&self, prefix: &ObjectKey) -> Result<Vec<(ObjectKey, u64)>, StoreError>;
    /// Succeeds when the store can be read and written (readiness).
    async fn check(&self) -> Result<(), StoreError>;
}

//! The media store: where uploads, renditions and posters live.
//!
//! # Layout
//! - [`key`]: the object layout (`videos/{id}/…`) in one place, as typed keys
//!   that can only name paths inside the store.
//! - [`local`]: the embedded default, a local directory.
//! - [`publish`]: copies a packaged HLS directory into the store, master last.
//!
//! The catalog stores uploads, the transcoder writes renditions, the origin
//! reads them; none of them knows where the bytes are.

pub mod key;
pub mod local;
pub mod publish;

pub use key::ObjectKey;
pub use local::LocalStore;
pub use publish::publish_dir;

use async_trait::async_trait;
use bytes::Bytes;
use std::path::Path;
use std::time::SystemTime;

/// What can go wrong in a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No object under that key.
    #[error("object not found")]
    NotFound,
    /// The requested byte range starts beyond the object.
    #[error("range not satisfiable (object is {0} bytes)")]
    RangeNotSatisfiable(u64),
    /// The store could not be read or written.
    #[error("media store I/O failed: {0}")]
    Io(#[from] std::io::Error),
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

/// A media store. Implementations: [`LocalStore`]; S3 comes with the origin work.
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
    /// Deletes every object whose key starts with `prefix`.
    async fn delete_prefix(&self, prefix: &ObjectKey) -> Result<(), StoreError>;
    /// Succeeds when the store can be read and written (readiness).
    async fn check(&self) -> Result<(), StoreError>;
}

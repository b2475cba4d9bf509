//! The S3 store: one object per key in a bucket, below an optional prefix,
//! through aws-sdk-s3 (AWS or any S3-compatible server such as MinIO, Garage
//! or s3s-fs).
//!
//! It behaves as [`crate::LocalStore`] down to the error variants: a missing
//! object is [`StoreError::NotFound`], a range starting at or beyond the end is
//! [`StoreError::RangeNotSatisfiable`], and a store that cannot be reached,
//! times out or fails with a 5xx is [`StoreError::Unavailable`] — quickly: a
//! short connect timeout and at most one retry, so the origin can answer 503.
//! Large files stream from and to disk; files above the part size go up as a
//! multipart upload.

mod client;
mod delete;
mod error;
mod upload;

use crate::settings::{S3Options, Settings, SettingsError};
use crate::{ByteRange, Meta, Object, ObjectKey, Store, StoreError};
use async_trait::async_trait;
use aws_sdk_s3::operation::get_object::GetObjectOutput;
use aws_sdk_s3::primitives::{ByteStream, DateTime};
use bytes::Bytes;
use error::{from_body, from_sdk, is_status};
use std::fmt;
use std::path::Path;
use std::time::SystemTime;
use tokio::io::AsyncWriteExt;

/// Files larger than this go up in parts of this size (S3 allows 5 MiB–5 GiB
/// per part and at most 10,000 parts: 640 GiB at this size).
pub const DEFAULT_PART_SIZE: u64 = 64 * 1024 * 1024;
/// The smallest part S3 accepts (except for the last one).
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
/// The largest byte position S3 servers accept in a `Range` header.
const MAX_POSITION: u64 = i64::MAX as u64;
/// Keys listed (and deleted) per request; S3's maximum.
const LIST_PAGE: i32 = 1000;

/// Objects in an S3 bucket, as `{prefix}{key}`.
#[derive(Clone)]
pub struct S3Store {
    client: aws_sdk_s3::Client,
    bucket: String,
    prefix: String,
    part_size: u64,
    list_page: i32,
    encryption: Option<aws_sdk_s3::types::ServerSideEncryption>,
    kms_key_id: Option<String>,
}

impl fmt::Debug for S3Store {
    // The client's configuration holds the credentials; show only where we store.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Store")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("part_size", &self.part_size)
            .finish_non_exhaustive()
    }
}

impl S3Store {
    /// A store for the `[store]` settings (`kind` is not looked at). No
    /// request is made; [`Store::check`] makes one.
    pub fn from_settings(settings: &Settings) -> Result<Self, SettingsError> {
        Ok(Self::new(settings.s3_options()?))
    }

    /// A store for checked options.
    pub fn new(options: S3Options) -> Self {
        Self {
            client: client::build(&options),
            bucket: options.bucket,
            prefix: options.prefix,
            part_size: DEFAULT_PART_SIZE,
            list_page: LIST_PAGE,
            encryption: options
                .encryption
                .as_deref()
                .map(aws_sdk_s3::types::ServerSideEncryption::from),
            kms_key_id: options.kms_key_id,
        }
    }

    /// Uploads files larger than `bytes` in parts of `bytes` (at least
    /// [`MIN_PART_SIZE`]); the default is [`DEFAULT_PART_SIZE`].
    pub fn with_part_size(mut self, bytes: u64) -> Self {
        self.part_size = bytes.max(MIN_PART_SIZE);
        self
    }

    /// Lists (and deletes) at most `keys` keys per request (1–1000; tests use
    /// a small page to exercise pagination).
    pub fn with_list_page(mut self, keys: u16) -> Self {
        self.list_page = i32::from(keys.clamp(1, 1000));
        self
    }

    /// A PutObject for `key`, with the server-side encryption asked for.
    fn put_object(
        &self,
        key: &str,
    ) -> aws_sdk_s3::operation::put_object::builders::PutObjectFluentBuilder {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .set_server_side_encryption(self.encryption.clone())
            .set_ssekms_key_id(self.kms_key_id.clone())
    }

    fn object_key(&self, key: &ObjectKey) -> String {
        format!("{}{}", self.prefix, key.as_str())
    }

    /// Sends a GetObject for `key`, optionally with an HTTP `Range`.
    async fn get_object(
        &self,
        key: &ObjectKey,
        range: Option<String>,
    ) -> Result<GetObjectOutput, StoreError> {
        let result = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(self.object_key(key))
            .set_range(range)
            .send()
            .await;
        match result {
            Ok(out) => Ok(out),
            // S3 says 416 without the object's length; ask for it.
            Err(e) if is_status(&e, 416) => {
                Err(StoreError::RangeNotSatisfiable(self.head(key).await?.len))
            }
            Err(e) => Err(from_sdk("GetObject", &e)),
        }
    }
}

fn system_time(t: Option<&DateTime>) -> SystemTime {
    t.and_then(|t| SystemTime::try_from(*t).ok())
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

fn length(n: Option<i64>) -> Result<u64, StoreError> {
    n.and_then(|n| u64::try_from(n).ok()).ok_or_else(|| {
        StoreError::Io(std::io::Error::other(
            "S3 response without a content length",
        ))
    })
}

/// The whole object's length from `Content-Range: bytes a-b/len` (a 206), or
/// `None` when the server sent the whole object (a 200).
fn range_total(out: &GetObjectOutput) -> Option<u64> {
    out.content_range()?.rsplit_once('/')?.1.parse().ok()
}

#[async_trait]
impl Store for S3Store {
    async fn put_file(&self, key: &ObjectKey, src: &Path) -> Result<(), StoreError> {
        let len = tokio::fs::metadata(src)
            .await
            .map_err(crate::local::not_found)?
            .len();
        upload::put_file(self, &self.object_key(key), src, len).await?;
        // Moved, as in the local store: the caller's file is gone once stored.
        tokio::fs::remove_file(src).await?;
        Ok(())
    }

    async fn put_bytes(&self, key: &ObjectKey, bytes: Bytes) -> Result<(), StoreError> {
        self.put_object(&self.object_key(key))
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| from_sdk("PutObject", &e))?;
        Ok(())
    }

    async fn get_to_file(&self, key: &ObjectKey, dest: &Path) -> Result<(), StoreError> {
        let mut body = self.get_object(key, None).await?.body;
        let mut file = tokio::fs::File::create(dest).await?;
        let copied = async {
            while let Some(chunk) = body.try_next().await.map_err(|e| from_body(&e))? {
                file.write_all(&chunk).await?;
            }
            file.flush().await?;
            Ok(())
        }
        .await;
        if copied.is_err() {
            // Never leave a truncated copy that looks complete.
            let _ = tokio::fs::remove_file(dest).await;
        }
        copied
    }

    async fn get(&self, key: &ObjectKey, range: Option<ByteRange>) -> Result<Object, StoreError> {
        let header = match range {
            // HTTP cannot ask for nothing, and servers refuse positions past
            // i64::MAX (no object is that large): learn the length instead.
            Some(r) if r.end <= r.start || r.start > MAX_POSITION => {
                let meta = self.head(key).await?;
                if r.start >= meta.len {
                    return Err(StoreError::RangeNotSatisfiable(meta.len));
                }
                return Ok(Object {
                    meta,
                    bytes: Bytes::new(),
                });
            }
            // RFC 9110 ranges are inclusive; S3 clamps the end to the object.
            Some(r) => Some(format!(
                "bytes={}-{}",
                r.start,
                (r.end - 1).min(MAX_POSITION)
            )),
            None => None,
        };
        let out = self.get_object(key, header).await?;
        let total = range_total(&out);
        let meta = Meta {
            len: match total {
                Some(len) => len,
                None => length(out.content_length())?,
            },
            modified: system_time(out.last_modified()),
        };
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| from_body(&e))?
            .into_bytes();
        match range {
            Some(r) if r.start >= meta.len => Err(StoreError::RangeNotSatisfiable(meta.len)),
            // A server that ignored the range sent everything: cut it here.
            Some(r) if total.is_none() => {
                let end = r.end.min(meta.len);
                let (start, end) = (usize::try_from(r.start), usize::try_from(end));
                match (start, end) {
                    (Ok(start), Ok(end)) if end <= bytes.len() => Ok(Object {
                        meta,
                        bytes: bytes.slice(start..end),
                    }),
                    _ => Err(StoreError::Io(std::io::Error::other(
                        "S3 sent fewer bytes than its content length",
                    ))),
                }
            }
            _ => Ok(Object { meta, bytes }),
        }
    }

    async fn head(&self, key: &ObjectKey) -> Result<Meta, StoreError> {
        let out = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(self.object_key(key))
            .send()
            .await
            .map_err(|e| from_sdk("HeadObject", &e))?;
        Ok(Meta {
            len: length(out.content_length())?,
            modified: system_time(out.last_modified()),
        })
    }

    async fn delete_prefix(&self, prefix: &ObjectKey) -> Result<(), StoreError> {
        delete::delete_prefix(self, &self.object_key(prefix)).await
    }

    async fn list(&self, prefix: &ObjectKey) -> Result<Vec<(ObjectKey, u64)>, StoreError> {
        let below = format!("{}/", self.object_key(prefix));
        let mut found = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(&below)
                .max_keys(self.list_page)
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| from_sdk("ListObjectsV2", &e))?;
            for object in page.contents() {
                let ours = object
                    .key()
                    .and_then(|k| k.strip_prefix(&self.prefix))
                    .and_then(|k| ObjectKey::listed(k).ok());
                if let Some(key) = ours {
                    found.push((key, object.size().unwrap_or(0).max(0) as u64));
                }
            }
            match page.next_continuation_token() {
                Some(next) if page.is_truncated() == Some(true) => token = Some(next.to_owned()),
                _ => break,
            }
        }
        found.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        Ok(found)
    }

    async fn check(&self) -> Result<(), StoreError> {
        // One cheap signed request: proves the endpoint answers, the
        // credentials are accepted and the bucket exists.
        self.client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(&self.prefix)
            .max_keys(1)
            .send()
            .await
            .map_err(|e| from_sdk("ListObjectsV2", &e))?;
        Ok(())
    }
}

//! Uploads from a local file, streamed from disk: one PutObject, or a
//! multipart upload when the file is larger than the store's part size.

use super::S3Store;
use super::error::from_sdk;
use crate::StoreError;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::primitives::{ByteStream, Length};
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use std::path::Path;

/// S3 accepts at most this many parts per upload.
const MAX_PARTS: u64 = 10_000;

/// An upload takes as long as its size and the link make it: no attempt
/// timeout; stalled-stream protection ends one that stops moving.
fn no_attempt_timeout() -> aws_sdk_s3::config::Builder {
    aws_sdk_s3::Config::builder().timeout_config(
        TimeoutConfig::builder()
            .disable_operation_attempt_timeout()
            .build(),
    )
}

fn other(message: impl Into<String>) -> StoreError {
    StoreError::Io(std::io::Error::other(message.into()))
}

/// `len` bytes of `src` from `offset`, read as they are sent (and re-read on a retry).
async fn read(src: &Path, offset: u64, len: u64) -> Result<ByteStream, StoreError> {
    ByteStream::read_from()
        .path(src)
        .offset(offset)
        .length(Length::Exact(len))
        .build()
        .await
        .map_err(|e| StoreError::Io(std::io::Error::other(e)))
}

/// Stores the `len` bytes of `src` under the bucket key `key`.
pub(super) async fn put_file(
    store: &S3Store,
    key: &str,
    src: &Path,
    len: u64,
) -> Result<(), StoreError> {
    if len > store.part_size {
        return multipart(store, key, src, len).await;
    }
    store
        .put_object(key)
        .body(read(src, 0, len).await?)
        .customize()
        .config_override(no_attempt_timeout())
        .send()
        .await
        .map_err(|e| from_sdk("PutObject", &e))?;
    Ok(())
}

/// The object appears only when the upload completes, so readers never see a
/// part; a failed upload is aborted so its parts do not linger (and cost).
async fn multipart(store: &S3Store, key: &str, src: &Path, len: u64) -> Result<(), StoreError> {
    if len.div_ceil(store.part_size) > MAX_PARTS {
        return Err(other(format!(
            "a {len}-byte file needs more than {MAX_PARTS} parts of {} bytes",
            store.part_size
        )));
    }
    let created = store
        .client
        .create_multipart_upload()
        .bucket(&store.bucket)
        .key(key)
        .set_server_side_encryption(store.encryption.clone())
        .set_ssekms_key_id(store.kms_key_id.clone())
        .send()
        .await
        .map_err(|e| from_sdk("CreateMultipartUpload", &e))?;
    let id = created
        .upload_id()
        .ok_or_else(|| other("S3 CreateMultipartUpload returned no upload id"))?;
    let uploaded = upload_parts(store, key, src, len, id).await;
    if uploaded.is_err() {
        let aborted = store
            .client
            .abort_multipart_upload()
            .bucket(&store.bucket)
            .key(key)
            .upload_id(id)
            .send()
            .await;
        if let Err(e) = aborted {
            tracing::warn!(key, error = %DisplayErrorContext(&e), "could not abort a failed multipart upload");
        }
    }
    uploaded
}

async fn upload_parts(
    store: &S3Store,
    key: &str,
    src: &Path,
    len: u64,
    id: &str,
) -> Result<(), StoreError> {
    let mut parts = Vec::new();
    let mut offset = 0;
    let mut number = 1;
    while offset < len {
        let size = store.part_size.min(len - offset);
        let out = store
            .client
            .upload_part()
            .bucket(&store.bucket)
            .key(key)
            .upload_id(id)
            .part_number(number)
            .body(read(src, offset, size).await?)
            .customize()
            .config_override(no_attempt_timeout())
            .send()
            .await
            .map_err(|e| from_sdk("UploadPart", &e))?;
        // The part's checksums, if the SDK sent any, must be repeated on completion.
        parts.push(
            CompletedPart::builder()
                .part_number(number)
                .set_e_tag(out.e_tag().map(str::to_owned))
                .set_checksum_crc32(out.checksum_crc32().map(str::to_owned))
                .set_checksum_crc32_c(out.checksum_crc32_c().map(str::to_owned))
                .set_checksum_crc64_nvme(out.checksum_crc64_nvme().map(str::to_owned))
                .build(),
        );
        offset += size;
        number += 1;
    }
    store
        .client
        .complete_multipart_upload()
        .bucket(&store.bucket)
        .key(key)
        .upload_id(id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(parts))
                .build(),
        )
        .send()
        .await
        .map_err(|e| from_sdk("CompleteMultipartUpload", &e))?;
    Ok(())
}

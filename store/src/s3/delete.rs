//! Deleting a prefix: the object named exactly so and everything below
//! `prefix/`, listed page by page and deleted in batches.

use super::S3Store;
use super::error::from_sdk;
use crate::StoreError;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};

/// Deletes the object `exact` and every object below `exact/`: as in the
/// local store, `videos/1` is never `videos/10`.
pub(super) async fn delete_prefix(store: &S3Store, exact: &str) -> Result<(), StoreError> {
    let below = format!("{exact}/");
    let mut after: Option<String> = None;
    loop {
        // Paging by the last key seen (not a continuation token) stays
        // correct while the listed keys are being deleted.
        let page = store
            .client
            .list_objects_v2()
            .bucket(&store.bucket)
            .prefix(&below)
            .max_keys(store.list_page)
            .set_start_after(after.take())
            .send()
            .await
            .map_err(|e| from_sdk("ListObjectsV2", &e))?;
        let keys: Vec<String> = page
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_owned))
            .collect();
        let Some(last) = keys.last().cloned() else {
            break;
        };
        let ids = keys
            .into_iter()
            .map(|k| ObjectIdentifier::builder().key(k).build())
            .collect::<Result<Vec<_>, _>>()
            .map_err(std::io::Error::other)?;
        delete_keys(store, ids).await?;
        if page.is_truncated() != Some(true) {
            break;
        }
        after = Some(last);
    }
    // The object named exactly `prefix`, if any, sorts first among the
    // keys that start with it. (Listing instead of deleting blindly: a
    // file-backed server such as s3s-fs fails to delete a "directory".)
    let first = store
        .client
        .list_objects_v2()
        .bucket(&store.bucket)
        .prefix(exact)
        .max_keys(1)
        .send()
        .await
        .map_err(|e| from_sdk("ListObjectsV2", &e))?;
    if first.contents().first().and_then(|o| o.key()) == Some(exact) {
        store
            .client
            .delete_object()
            .bucket(&store.bucket)
            .key(exact)
            .send()
            .await
            .map_err(|e| from_sdk("DeleteObject", &e))?;
    }
    Ok(())
}

async fn delete_keys(store: &S3Store, keys: Vec<ObjectIdentifier>) -> Result<(), StoreError> {
    let delete = Delete::builder()
        .set_objects(Some(keys))
        .quiet(true)
        .build()
        .map_err(std::io::Error::other)?;
    let out = store
        .client
        .delete_objects()
        .bucket(&store.bucket)
        .delete(delete)
        .send()
        .await
        .map_err(|e| from_sdk("DeleteObjects", &e))?;
    match out.errors().first() {
        None => Ok(()),
        Some(e) => Err(StoreError::Io(std::io::Error::other(format!(
            "S3 DeleteObjects failed for {} keys, e.g. {}: {}",
            out.errors().len(),
            e.key().unwrap_or("?"),
            e.message().or(e.code()).unwrap_or("no reason given"),
        )))),
    }
}

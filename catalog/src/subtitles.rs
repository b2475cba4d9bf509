//! Offering a video's caption tracks in its published HLS revision: each
//! WebVTT copied to `{rev}/captions/{lang}.vtt` with a one-segment playlist,
//! and the master rewritten with an `EXT-X-MEDIA:TYPE=SUBTITLES` group.
//! Run when captions are uploaded to a ready video, and when a job completes.

use crate::captions;
use crate::db::{Db, DbError};
use domain::VideoId;
use rusqlite::{OptionalExtension, params};
use store::{ObjectKey, Store, StoreError};

/// Publishing captions failed.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The media store failed.
    #[error("media store: {0}")]
    Store(#[from] StoreError),
}

fn key(video: VideoId, rel: &str) -> Result<ObjectKey, PublishError> {
    ObjectKey::hls(video, rel).map_err(|_| PublishError::Store(StoreError::NotFound))
}

/// Brings the published revision of `video` in line with its caption tracks
/// (none: the master loses its subtitles group). Does nothing for a video
/// that is not ready yet.
pub async fn publish(db: &Db, store: &dyn Store, video: VideoId) -> Result<(), PublishError> {
    let ready = db
        .call(move |c| {
            let ready: Option<(String, f64)> = c
                .query_row(
                    "SELECT hls_rev, COALESCE(duration_s, 0) FROM videos
                     WHERE id = ?1 AND status = 'ready' AND hls_rev IS NOT NULL",
                    [video.get()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            // Japanese first: the default track.
            let mut stmt = c.prepare(
                "SELECT lang, name FROM captions WHERE video_id = ?1 ORDER BY lang <> 'ja', lang",
            )?;
            let tracks: Vec<(String, String)> = stmt
                .query_map(params![video.get()], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            Ok(ready.map(|(rev, duration)| (rev, duration, tracks)))
        })
        .await?;
    let Some((rev, duration, tracks)) = ready else {
        return Ok(());
    };
    let mut entries = Vec::new();
    for (lang, name) in tracks {
        let Ok(source) = ObjectKey::caption(video, &lang) else {
            continue;
        };
        let vtt = store.get(&source, None).await?.bytes;
        store
            .put_bytes(&key(video, &format!("{rev}/captions/{lang}.vtt"))?, vtt)
            .await?;
        let playlist = captions::media_playlist(&format!("{lang}.vtt"), duration);
        store
            .put_bytes(
                &key(video, &format!("{rev}/captions/{lang}.m3u8"))?,
                playlist.into(),
            )
            .await?;
        entries.push((lang.clone(), name, format!("captions/{lang}.m3u8")));
    }
    let master_key = key(video, &format!("{rev}/master.m3u8"))?;
    let master = store.get(&master_key, None).await?.bytes;
    let updated = captions::set_in_master(&String::from_utf8_lossy(&master), &entries);
    store.put_bytes(&master_key, updated.into()).await?;
    Ok(())
}

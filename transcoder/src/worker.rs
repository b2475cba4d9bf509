//! The worker loop: claim a job, fetch the upload, package it on a blocking
//! thread, publish the result into the store (master playlist last), report.

use crate::jobs::{JobSource, Outcome};
use crate::{Error, Settings, package};
use domain::VideoId;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use store::{ObjectKey, Store};

/// Runs jobs one after another until `shutdown` resolves. A job interrupted
/// by shutdown is left claimed and is taken again after its claim goes stale.
pub async fn run(
    source: Arc<dyn JobSource>,
    store: Arc<dyn Store>,
    settings: Settings,
    work_dir: PathBuf,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        let claimed = tokio::select! {
            () = &mut shutdown => return,
            claimed = source.claim() => claimed,
        };
        match claimed {
            Ok(Some(video)) => {
                tokio::select! {
                    () = &mut shutdown => return,
                    () = process(source.as_ref(), store.as_ref(), &settings, &work_dir, video) => {}
                }
            }
            Ok(None) => tokio::select! {
                () = &mut shutdown => return,
                () = source.wait() => {}
            },
            Err(e) => {
                tracing::warn!(error = %e, "cannot claim jobs; retrying");
                tokio::select! {
                    () = &mut shutdown => return,
                    () = tokio::time::sleep(Duration::from_secs(5)) => {}
                }
            }
        }
    }
}

async fn process(
    source: &dyn JobSource,
    store: &dyn Store,
    settings: &Settings,
    work_dir: &Path,
    video: VideoId,
) {
    tracing::info!(%video, "transcoding");
    let started = std::time::Instant::now();
    let outcome = match transcode(source, store, settings, work_dir, video).await {
        Ok(packaged) => Outcome::Ready(packaged),
        Err(Error::Unusable(reason)) => Outcome::Unusable(reason),
        Err(Error::Internal(reason)) => Outcome::Retry(reason),
    };
    match &outcome {
        Outcome::Ready(p) => {
            let seconds = started.elapsed().as_secs_f64();
            tracing::info!(%video, seconds, duration_s = p.duration_s, "ready");
        }
        Outcome::Unusable(reason) => tracing::info!(%video, %reason, "input cannot be used"),
        Outcome::Retry(reason) => tracing::warn!(%video, %reason, "transcode failed; will retry"),
    }
    if let Err(e) = source.finish(video, outcome).await {
        tracing::error!(%video, error = %e, "could not record the job's end; it will be taken again");
    }
}

async fn transcode(
    source: &dyn JobSource,
    store: &dyn Store,
    settings: &Settings,
    work_dir: &Path,
    video: VideoId,
) -> Result<crate::Packaged, Error> {
    let internal = |what: &str, e: &dyn std::fmt::Display| Error::Internal(format!("{what}: {e}"));
    tokio::fs::create_dir_all(work_dir)
        .await
        .map_err(|e| internal("work directory", &e))?;
    let job_dir = tempfile::Builder::new()
        .prefix(&format!("job-{video}-"))
        .tempdir_in(work_dir)
        .map_err(|e| internal("work directory", &e))?;
    let input = job_dir.path().join("source");
    let out = job_dir.path().join("hls");
    std::fs::create_dir(&out).map_err(|e| internal("work directory", &e))?;
    store
        .get_to_file(&ObjectKey::source(video), &input)
        .await
        .map_err(|e| internal("fetching the upload", &e))?;

    // Progress flows from the blocking packager through a watch channel and
    // is reported at most once a second.
    let (tx, mut rx) = tokio::sync::watch::channel(0f32);
    let settings = settings.clone();
    let (input_c, out_c) = (input.clone(), out.clone());
    let mut job = tokio::task::spawn_blocking(move || {
        package(&input_c, &out_c, &settings, &mut |p| {
            let _ = tx.send(p);
        })
    });
    let packaged = loop {
        tokio::select! {
            done = &mut job => break done.map_err(|e| internal("packager thread", &e))??,
            () = tokio::time::sleep(Duration::from_secs(1)) => {
                if rx.has_changed().unwrap_or(false) {
                    let p = *rx.borrow_and_update();
                    let _ = source.progress(video, p).await;
                }
            }
        }
    };
    // A retried job may have published part of a package before: start clean.
    store
        .delete_prefix(&ObjectKey::hls_root(video))
        .await
        .map_err(|e| internal("clearing old renditions", &e))?;
    store::publish_dir(store, video, &out)
        .await
        .map_err(|e| internal("publishing", &e))?;
    Ok(packaged)
}

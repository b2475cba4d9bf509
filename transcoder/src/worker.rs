//! The worker loop: claim a job, fetch the upload, package it on a blocking
//! thread while reporting progress every second, publish the result under
//! the job's fresh revision prefix, report the outcome.
//!
//! Safe to kill at any moment: nothing is served until the catalog switches
//! the video to the new revision, a lost job is taken again when its lease
//! runs out, and the next worker removes the killed one's temporary files.

use crate::jobs::{Job, JobSource, Outcome};
use crate::{Error, Settings, package_cancellable};
use std::fs::File;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use store::{ObjectKey, Store};

/// How often progress is reported (and the lease renewed).
const REPORT_EVERY: Duration = Duration::from_secs(1);

/// Runs jobs one after another until `shutdown` resolves. `work_root` holds
/// one directory per running worker.
pub async fn run(
    source: Arc<dyn JobSource>,
    store: Arc<dyn Store>,
    settings: Settings,
    work_root: PathBuf,
    shutdown: impl Future<Output = ()>,
) {
    let work = match WorkDir::create(&work_root) {
        Ok(w) => w,
        Err(e) => {
            tracing::error!(error = %e, dir = %work_root.display(), "cannot create the worker's work directory");
            return;
        }
    };
    tokio::pin!(shutdown);
    loop {
        let claimed = tokio::select! {
            () = &mut shutdown => return,
            claimed = source.claim() => claimed,
        };
        match claimed {
            Ok(Some(job)) => tokio::select! {
                () = &mut shutdown => return,
                () = process(source.as_ref(), store.as_ref(), &settings, &work.path, job) => {}
            },
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

/// This worker's directory under the work root, locked while the worker
/// lives; directories whose lock can be taken belonged to a worker that died
/// and are removed.
struct WorkDir {
    path: PathBuf,
    _lock: File,
}

impl WorkDir {
    fn create(root: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(root)?;
        // A directory is created and locked under a `.new-` name and only
        // then renamed, so a worker starting at the same moment never sees
        // it unlocked and takes it for a dead worker's.
        let fresh = tempfile::Builder::new()
            .prefix(".new-")
            .tempdir_in(root)?
            .keep();
        let lock = File::create(fresh.join("lock"))?;
        lock.lock()?;
        let name = fresh
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let path = fresh.with_file_name(format!("worker-{}", name.trim_start_matches(".new-")));
        std::fs::rename(&fresh, &path)?;
        for entry in std::fs::read_dir(root)? {
            let dir = entry?.path();
            let name = dir
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            if dir == path || name.starts_with(".new-") {
                continue;
            }
            let Ok(other) = File::open(dir.join("lock")) else {
                let _ = std::fs::remove_dir_all(&dir);
                continue;
            };
            if other.try_lock().is_ok() {
                tracing::info!(dir = %dir.display(), "removing a dead worker's temporary files");
                let _ = std::fs::remove_dir_all(&dir);
            }
        }
        Ok(Self { path, _lock: lock })
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

async fn process(
    source: &dyn JobSource,
    store: &dyn Store,
    settings: &Settings,
    work: &Path,
    job: Job,
) {
    let video = job.video;
    tracing::info!(%video, attempt = job.attempt, "transcoding");
    let started = std::time::Instant::now();
    let outcome = match transcode(source, store, settings, work, job).await {
        Ok(packaged) => Outcome::Ready(packaged),
        Err(Error::Unusable(reason)) => Outcome::Unusable(reason),
        Err(Error::Internal(reason)) => Outcome::Retry(reason),
        Err(Error::Cancelled) => {
            tracing::info!(%video, "stopped: the job was cancelled or taken over");
            return;
        }
    };
    match &outcome {
        Outcome::Ready(p) => {
            let seconds = started.elapsed().as_secs_f64();
            tracing::info!(%video, seconds, duration_s = p.duration_s, "ready");
        }
        Outcome::Unusable(reason) => tracing::info!(%video, %reason, "input cannot be used"),
        Outcome::Retry(reason) => tracing::warn!(%video, %reason, "transcode failed; will retry"),
    }
    if let Err(e) = source.finish(job, outcome).await {
        tracing::error!(%video, error = %e, "could not record the job's end; it will be taken again");
    }
}

/// Packages and publishes one job; [`Error::Cancelled`] when told to stop.
async fn transcode(
    source: &dyn JobSource,
    store: &dyn Store,
    settings: &Settings,
    work: &Path,
    job: Job,
) -> Result<crate::Packaged, Error> {
    let internal = |what: &str, e: &dyn std::fmt::Display| Error::Internal(format!("{what}: {e}"));
    let video = job.video;
    let job_dir = tempfile::Builder::new()
        .prefix(&format!("job-{video}-"))
        .tempdir_in(work)
        .map_err(|e| internal("work directory", &e))?;
    let input = job_dir.path().join("source");
    let out = job_dir.path().join("hls");
    std::fs::create_dir(&out).map_err(|e| internal("work directory", &e))?;
    store
        .get_to_file(&ObjectKey::source(video), &input)
        .await
        .map_err(|e| internal("fetching the upload", &e))?;

    // Progress flows from the blocking packager through a watch channel and
    // is reported every second, which also renews the lease.
    let (tx, rx) = tokio::sync::watch::channel(0f32);
    let settings = settings.clone();
    let (input_c, out_c) = (input.clone(), out.clone());
    let cancel = Arc::new(AtomicBool::new(false));
    let stop = Arc::clone(&cancel);
    let mut packager = tokio::task::spawn_blocking(move || {
        package_cancellable(
            &input_c,
            &out_c,
            &settings,
            &mut |p| {
                let _ = tx.send(p);
            },
            &stop,
        )
    });
    let mut ticker = tokio::time::interval(REPORT_EVERY);
    let packaged = loop {
        tokio::select! {
            done = &mut packager => break done.map_err(|e| internal("packager thread", &e))??,
            _ = ticker.tick() => {
                let p = *rx.borrow();
                match source.progress(job, p).await {
                    // Cancelled, or another worker took the job over: the
                    // packager stops at its next packet and returns Cancelled.
                    Ok(false) => cancel.store(true, Ordering::Relaxed),
                    Ok(true) => {}
                    Err(e) => tracing::warn!(%video, error = %e, "could not report progress"),
                }
            }
        }
    };
    store::publish_dir(store, video, &job.rev(), &out)
        .await
        .map_err(|e| internal("publishing", &e))?;
    Ok(packaged)
}

#[cfg(test)]
mod tests {
    use super::WorkDir;

    #[test]
    fn live_workers_keep_their_directories_and_a_dead_ones_is_removed() {
        let root = tempfile::tempdir().unwrap();
        let first = WorkDir::create(root.path()).unwrap();
        // A worker that died: its lock file is there but nobody holds it.
        let dead = root.path().join("worker-dead");
        std::fs::create_dir(&dead).unwrap();
        std::fs::write(dead.join("lock"), "").unwrap();
        let second = WorkDir::create(root.path()).unwrap();
        assert!(
            first.path.exists() && second.path.exists(),
            "a live worker's directory is kept"
        );
        assert!(!dead.exists(), "a dead worker's directory is removed");
        let path = first.path.clone();
        drop(first);
        assert!(
            !path.exists(),
            "a worker removes its own directory when it stops"
        );
    }
}

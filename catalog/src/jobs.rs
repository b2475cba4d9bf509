//! The transcode queue as workers see it — claim, report progress, finish —
//! plus clean-up of revisions a finished job superseded. The binary's
//! in-process worker and the internal HTTP API for remote workers both use it.

use crate::db::{Db, DbError};
use crate::videos::{self, Job, Outcome};
use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;
use std::time::Duration;
use store::{ObjectKey, Store};
use tokio::sync::Notify;

/// The queue: the `videos` table, the media store, and a wake-up signal.
#[derive(Clone)]
pub struct Queue {
    db: Db,
    store: Arc<dyn Store>,
    lease: SignedDuration,
    wake: Arc<Notify>,
}

impl Queue {
    /// A queue whose claims last `lease` unless renewed by progress reports.
    pub fn new(db: Db, store: Arc<dyn Store>, lease: SignedDuration) -> Self {
        Self {
            db,
            store,
            lease,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Wakes one waiting worker (a job was queued).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Resolves when a job may be available: woken, or after two seconds
    /// (another process may have queued one, or a backoff may have passed).
    pub async fn wait(&self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.wake.notified()).await;
    }

    /// Claims the next job.
    pub async fn claim(&self) -> Result<Option<Job>, DbError> {
        let (now, lease) = (Timestamp::now(), self.lease);
        self.db
            .call(move |c| Ok(videos::claim_next(c, now, lease)?))
            .await
    }

    /// Reports progress and renews the lease; `false` means stop (cancelled or lost).
    pub async fn progress(&self, job: Job, progress: f64) -> Result<bool, DbError> {
        let (now, lease) = (Timestamp::now(), self.lease);
        self.db
            .call(move |c| Ok(videos::set_progress(c, job, progress, now, lease)?))
            .await
    }

    /// Records the end of a job. When it is ready, the revisions of earlier
    /// attempts (perhaps half-written by a killed worker) are deleted; when it
    /// is not, its own revision is.
    pub async fn finish(&self, job: Job, outcome: Outcome) -> Result<bool, DbError> {
        let now = Timestamp::now();
        let ready = matches!(outcome, Outcome::Ready { .. });
        let recorded = self
            .db
            .call(move |c| Ok(videos::finish(c, job, &outcome, now)?))
            .await?;
        if recorded
            && ready
            && let Err(e) =
                crate::subtitles::publish(&self.db, self.store.as_ref(), job.video).await
        {
            tracing::warn!(video = %job.video, error = %e, "could not add the captions to the published video");
        }
        let stale: Vec<i64> = if recorded && ready {
            (1..job.attempt).collect()
        } else {
            vec![job.attempt]
        };
        for attempt in stale {
            let rev = Job {
                video: job.video,
                attempt,
            }
            .rev();
            let Ok(prefix) = ObjectKey::hls(job.video, &rev) else {
                continue;
            };
            if let Err(e) = self.store.delete_prefix(&prefix).await {
                tracing::warn!(video = %job.video, %rev, error = %e, "could not delete a superseded revision");
            }
        }
        Ok(recorded)
    }
}

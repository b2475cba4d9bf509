//! The catalog as the transcoder's job source, in the same process.

use async_trait::async_trait;
use catalog::db::Db;
use catalog::videos::{self, Outcome as Recorded};
use domain::VideoId;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use transcoder::jobs::{JobSource, Outcome, SourceError};

/// Jobs from the catalog database; woken by uploads, and polling as a fallback
/// (another process may queue jobs too).
pub struct CatalogJobs {
    db: Db,
    wake: Arc<Notify>,
}

impl CatalogJobs {
    /// A job source over the catalog's database.
    pub fn new(db: Db, wake: Arc<Notify>) -> Self {
        Self { db, wake }
    }
}

#[allow(clippy::needless_pass_by_value)]
fn unavailable(e: catalog::db::DbError) -> SourceError {
    // By value: it is used as `map_err(unavailable)`.
    SourceError(e.to_string())
}

#[async_trait]
impl JobSource for CatalogJobs {
    async fn claim(&self) -> Result<Option<VideoId>, SourceError> {
        let now = jiff::Timestamp::now();
        self.db
            .call(move |c| Ok(videos::claim_next(c, now)?))
            .await
            .map_err(unavailable)
    }

    async fn progress(&self, video: VideoId, progress: f32) -> Result<(), SourceError> {
        let now = jiff::Timestamp::now();
        self.db
            .call(move |c| Ok(videos::set_progress(c, video, f64::from(progress), now)?))
            .await
            .map_err(unavailable)
    }

    async fn finish(&self, video: VideoId, outcome: Outcome) -> Result<(), SourceError> {
        let now = jiff::Timestamp::now();
        let recorded = match outcome {
            Outcome::Ready(p) => Recorded::Ready {
                duration_s: p.duration_s,
                renditions: serde_json::to_value(&p.renditions)
                    .map_err(|e| SourceError(e.to_string()))?,
            },
            Outcome::Unusable(reason) => Recorded::Unusable(reason),
            Outcome::Retry(reason) => Recorded::Retry(reason),
        };
        self.db
            .call(move |c| Ok(videos::finish(c, video, &recorded, now)?))
            .await
            .map_err(unavailable)
    }

    async fn wait(&self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.wake.notified()).await;
    }
}

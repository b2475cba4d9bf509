//! The catalog's queue as the transcoder's job source: in-process
//! ([`CatalogJobs`]) or over the catalog's internal HTTP API ([`crate::remote`]).

use async_trait::async_trait;
use catalog::jobs::Queue;
use catalog::videos::Outcome as Recorded;
use domain::Job;
use transcoder::jobs::{JobSource, Outcome, SourceError};

/// Jobs from the catalog in the same process.
pub struct CatalogJobs {
    queue: Queue,
}

impl CatalogJobs {
    /// A job source over the catalog's queue.
    pub fn new(queue: Queue) -> Self {
        Self { queue }
    }
}

/// The catalog's record of an outcome.
pub fn recorded(outcome: Outcome) -> Result<Recorded, serde_json::Error> {
    Ok(match outcome {
        Outcome::Ready(p) => {
            let mut extras = serde_json::Map::new();
            extras.insert("audio_only".into(), serde_json::to_value(&p.audio_only)?);
            extras.insert("poster".into(), serde_json::to_value(&p.poster)?);
            extras.insert("thumbnails".into(), serde_json::to_value(&p.thumbnails)?);
            Recorded::Ready {
                duration_s: p.duration_s,
                renditions: serde_json::to_value(&p.renditions)?,
                extras,
            }
        }
        Outcome::Unusable(reason) => Recorded::Unusable { reason },
        Outcome::Retry(reason) => Recorded::Retry { reason },
    })
}

/// Editors' pictures made into posters by the transcoder, for the catalog.
pub struct Posters;

impl catalog::videos::PosterMaker for Posters {
    fn make(
        &self,
        input: &std::path::Path,
        output: &std::path::Path,
    ) -> Result<(u32, u32), catalog::videos::PosterError> {
        use catalog::videos::PosterError;
        transcoder::poster::from_picture(input, output).map_err(|e| match e {
            transcoder::Error::Unusable(why) => PosterError::Unusable(why),
            other => PosterError::Internal(other.to_string()),
        })
    }
}

fn unavailable(e: &dyn std::fmt::Display) -> SourceError {
    SourceError(e.to_string())
}

#[async_trait]
impl JobSource for CatalogJobs {
    async fn claim(&self) -> Result<Option<Job>, SourceError> {
        self.queue.claim().await.map_err(|e| unavailable(&e))
    }

    async fn progress(&self, job: Job, progress: f32) -> Result<bool, SourceError> {
        self.queue
            .progress(job, f64::from(progress))
            .await
            .map_err(|e| unavailable(&e))
    }

    async fn finish(&self, job: Job, outcome: Outcome) -> Result<(), SourceError> {
        let recorded = recorded(outcome).map_err(|e| unavailable(&e))?;
        self.queue
            .finish(job, recorded)
            .await
            .map_err(|e| unavailable(&e))?;
        Ok(())
    }

    async fn wait(&self) {
        self.queue.wait().await;
    }
}

//! Where transcode work comes from. The binary wires this to the catalog
//! (in-process, or over its HTTP API for a remote worker); the transcoder
//! never depends on the catalog.

use crate::Packaged;
use async_trait::async_trait;
pub use domain::Job;

/// How a job ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Packaged and published into the store under the job's revision.
    Ready(Packaged),
    /// The input cannot be used (the editor's problem); reason in Japanese and English.
    Unusable(String),
    /// FFmpeg or the host failed; the job may be tried again.
    Retry(String),
}

/// A job source could not be reached.
#[derive(Debug, thiserror::Error)]
#[error("job source unavailable: {0}")]
pub struct SourceError(pub String);

/// A queue of videos to transcode.
#[async_trait]
pub trait JobSource: Send + Sync + 'static {
    /// Takes the next job, if any, under a lease. A job whose lease runs out
    /// is handed out again (the worker is safe to kill).
    async fn claim(&self) -> Result<Option<Job>, SourceError>;
    /// Reports progress (0..1) and renews the lease. `Ok(false)` means stop:
    /// the job was cancelled or is no longer this worker's.
    async fn progress(&self, job: Job, progress: f32) -> Result<bool, SourceError>;
    /// Records how the job ended.
    async fn finish(&self, job: Job, outcome: Outcome) -> Result<(), SourceError>;
    /// Resolves when new work may be available (or after a polling interval).
    async fn wait(&self);
}

//! A transcode job as the catalog hands it to a worker.

use crate::ids::VideoId;
use serde::{Deserialize, Serialize};

/// A claimed job: the video and which attempt this is. Every report about the
/// job names the attempt, so a worker that lost its lease cannot overwrite
/// the work of the one that took over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// The video to transcode.
    pub video: VideoId,
    /// 1 for the first try.
    pub attempt: i64,
}

impl Job {
    /// The revision this attempt publishes under (`videos/{id}/hls/{rev}/…`):
    /// a fresh prefix per attempt, so nothing half-written is ever served.
    pub fn rev(&self) -> String {
        format!("r{}", self.attempt)
    }
}

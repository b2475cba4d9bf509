//! The transcoder's failures, split by whose problem they are.

/// Why a transcode failed.
///
/// The split matters to the job worker: an [`Error::Unusable`] input fails the
/// job with a reason the editor can act on, an [`Error::Internal`] failure is
/// retried.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The editor's problem: the input cannot be used. The message is
    /// "日本語 (English)", e.g. "動画ファイルとして読み込めません (not a media file)".
    #[error("{0}")]
    Unusable(String),
    /// FFmpeg or the host broke (retryable).
    #[error("internal transcoder error: {0}")]
    Internal(String),
    /// Stopped on request ([`crate::package::package_cancellable`]).
    #[error("cancelled")]
    Cancelled,
}

impl Error {
    /// An [`Error::Internal`] for a failed FFmpeg call, naming the step.
    pub(crate) fn ffmpeg(step: &str, e: ffmpeg_next::Error) -> Self {
        Self::Internal(format!("{step}: {e}"))
    }

    /// An [`Error::Internal`] for a failed file-system call, naming the path.
    pub(crate) fn io(path: &std::path::Path, e: &std::io::Error) -> Self {
        Self::Internal(format!("{}: {e}", path.display()))
    }
}

/// Shorthand for `map_err(|e| Error::ffmpeg(step, e))`.
pub(crate) trait Context<T> {
    /// Turns an FFmpeg error into [`Error::Internal`] naming `step`.
    fn step(self, step: &str) -> Result<T, Error>;
}

impl<T> Context<T> for Result<T, ffmpeg_next::Error> {
    fn step(self, step: &str) -> Result<T, Error> {
        self.map_err(|e| Error::ffmpeg(step, e))
    }
}

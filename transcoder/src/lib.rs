//! The FFmpeg core of the transcoder: turns one uploaded video into an HLS
//! ladder (H.264 High + AAC-LC in fragmented MP4) through the FFmpeg libraries
//! (ffmpeg-next), never the `ffmpeg` command.
//!
//! # Layout
//!
//! - [`probe`]: opens an input with libavformat, picks the video and audio
//!   streams (default, else first; cover art is not video), reads duration,
//!   frame rate and display dimensions, rejects unusable input.
//! - [`package`]: decodes the source once, filters it into one picture per
//!   rung (each scaled from the source), encodes (libx264 per rung on its own thread,
//!   AAC once), muxes HLS fMP4 per rung plus an audio-only rung, draws the
//!   poster and seek thumbnails, writes the playlists.
//!   - `package::plan`: output frame rate, rung sizes and H.264 levels, thread budget.
//!   - `package::decode`: feeding and draining decoders.
//!   - `package::graph`, `package::filters`: the libavfilter graphs (deinterlace,
//!     rotate, frame rate, one scaler per rung, stills branches; audio resampling).
//!   - `package::rung`: one thread per rung (libx264 + muxer) behind a bounded channel.
//!   - `package::encode`: encoder set-up (libx264 keyframe grid and level, AAC-LC).
//!   - `package::mux`: the `hls` muxer per rung.
//!   - `package::playlist`, `package::iframes`: media and I-frame playlists,
//!     bandwidths, CODECS, `master.m3u8`.
//!   - `package::stills`: poster, thumbnail sprite and its WebVTT track.
//! - [`poster`]: an editor's own JPEG or PNG made into the poster JPEG.
//! - [`synth`]: generates test media from libavfilter sources (`testsrc2`, `sine`, …):
//!   MP4, Matroska, MPEG-TS; interlaced, audio-only, several audio tracks.
//! - [`error`]: [`Error`], split into the editor's problem and ours.
//! - [`jobs`]: the `JobSource` seam (the binary wires it to the catalog).
//! - [`worker`]: claim → fetch → package → publish → report, until shutdown.
//!
//! Supported FFmpeg: 5.1 (Debian 12). A few calls (`set_channels` on the AAC
//! encoder) exist only below FFmpeg 7.

pub mod error;
pub mod jobs;
pub mod package;
pub mod poster;
pub mod probe;
pub mod synth;
pub mod worker;

pub use error::Error;
pub use package::{package, package_cancellable};

use serde::Serialize;

/// Initialises the FFmpeg libraries and sets their log level to warnings.
/// Safe to call any number of times.
pub fn init() -> Result<(), Error> {
    static INIT: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    let result = INIT.get_or_init(|| {
        ffmpeg_next::init().map_err(|e| format!("initialising FFmpeg: {e}"))?;
        ffmpeg_next::util::log::set_level(ffmpeg_next::util::log::Level::Warning);
        Ok(())
    });
    result.clone().map_err(Error::Internal)
}

/// Silences FFmpeg's own messages on stderr, which would break a service's
/// structured log lines and a command's one-line errors. Failures still
/// reach the caller as [`Error`] values with a reason.
pub fn quiet_ffmpeg_logs() {
    ffmpeg_next::util::log::set_level(ffmpeg_next::util::log::Level::Quiet);
}

/// How to transcode: the ladder and the encoder settings shared by all rungs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The renditions to produce (rungs above the source height are skipped).
    pub ladder: domain::Ladder,
    /// Target media segment length (`hls_time`), in seconds.
    pub segment_seconds: u32,
    /// Distance between keyframes (IDR, closed GOP), in seconds.
    pub keyframe_seconds: u32,
    /// libx264 constant rate factor, capped by each rung's `max_kbps`.
    pub crf: u8,
    /// libx264 preset, e.g. `faster`.
    pub preset: String,
    /// AAC-LC bitrate in kbit/s (48 kHz stereo).
    pub audio_kbps: u32,
    /// Frame rate cap; faster sources are converted down to it.
    pub max_fps: u32,
    /// Longest accepted input, in seconds; longer input is [`Error::Unusable`].
    pub max_duration_s: f64,
    /// libx264 thread budget (the cores to use), shared between the rungs
    /// in proportion to their pixels, at least one each. Every rung encodes
    /// on a thread of its own whatever the budget.
    pub threads: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            ladder: domain::Ladder::standard(),
            segment_seconds: 6,
            keyframe_seconds: 2,
            crf: 23,
            preset: "faster".to_owned(),
            audio_kbps: 96,
            max_fps: 30,
            max_duration_s: 4.0 * 3600.0,
            threads: 2,
        }
    }
}

/// One packaged rendition, as listed in `master.m3u8`.
#[derive(Debug, Clone, Serialize)]
pub struct Rendition {
    /// The rung name, also its directory (`360p`).
    pub name: String,
    /// Picture width in pixels.
    pub width: u32,
    /// Picture height in pixels.
    pub height: u32,
    /// Peak segment bitrate in bit/s (`BANDWIDTH`).
    pub bandwidth: u64,
    /// Mean bitrate over all segments in bit/s (`AVERAGE-BANDWIDTH`).
    pub average_bandwidth: u64,
    /// RFC 6381 codecs string, e.g. `avc1.64001e,mp4a.40.2`.
    pub codecs: String,
    /// Media playlist path relative to the output directory (`360p/index.m3u8`).
    pub playlist: String,
    /// I-frame playlist path relative to the output directory (`360p/iframes.m3u8`).
    pub i_frame_playlist: String,
    /// Peak I-frame bitrate in bit/s (`BANDWIDTH` of `EXT-X-I-FRAME-STREAM-INF`).
    pub i_frame_bandwidth: u64,
    /// Mean I-frame bitrate in bit/s (its `AVERAGE-BANDWIDTH`).
    pub i_frame_average_bandwidth: u64,
}

/// The audio-only rendition (AAC-LC alone), listed last in `master.m3u8`.
#[derive(Debug, Clone, Serialize)]
pub struct AudioRendition {
    /// Its directory (`audio`).
    pub name: String,
    /// Peak segment bitrate in bit/s (`BANDWIDTH`).
    pub bandwidth: u64,
    /// Mean bitrate over all segments in bit/s (`AVERAGE-BANDWIDTH`).
    pub average_bandwidth: u64,
    /// RFC 6381 codecs string: `mp4a.40.2`.
    pub codecs: String,
    /// Media playlist path relative to the output directory (`audio/index.m3u8`).
    pub playlist: String,
}

/// The result of [`package()`]: what was written into the output directory.
#[derive(Debug, Clone, Serialize)]
pub struct Packaged {
    /// Source duration in seconds.
    pub duration_s: f64,
    /// The video renditions, highest first (none for an audio-only source).
    pub renditions: Vec<Rendition>,
    /// The audio-only rendition, when the source has sound.
    pub audio_only: Option<AudioRendition>,
    /// The poster JPEG, relative to the output directory (`poster.jpg`): a
    /// picture ~10 % in, or the waveform of an audio-only source.
    pub poster: Option<String>,
    /// The WebVTT seek-thumbnails track (`thumbs.vtt`), whose cues point into
    /// the sprite `thumbs.jpg` beside it.
    pub thumbnails: Option<String>,
}

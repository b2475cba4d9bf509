//! Opening an input with libavformat and deciding whether it can be used:
//! the best video and audio streams, duration, picture size after rotation.
//! Everything is read by the libraries from the bytes, never from the filename.

use std::path::Path;

use ffmpeg_next::codec::packet::side_data;
use ffmpeg_next::format::stream::Disposition;
use ffmpeg_next::{Rational, codec, decoder, format, media};

use crate::Error;

mod rotation;
mod timing;

pub use self::rotation::Rotation;
use self::rotation::display_size;
use self::timing::{duration, guess_frame_rate};

const NOT_MEDIA: &str = "動画ファイルとして読み込めません (not a media file)";

/// What the pipeline needs to know about a source.
#[derive(Debug, Clone)]
pub struct MediaInfo {
    /// Index of the chosen video stream; `None` for audio-only input (cover
    /// art attached to an audio file does not count as video).
    pub video_stream: Option<usize>,
    /// Index of the chosen audio stream, if there is a decodable one: the
    /// track marked default, else the first.
    pub audio_stream: Option<usize>,
    /// Duration in seconds.
    pub duration_s: f64,
    /// Displayed width in square pixels, after rotation (0 without video).
    pub width: u32,
    /// Displayed height in pixels, after rotation (0 without video).
    pub height: u32,
    /// Source frame rate, or the cap when the container has none.
    pub frame_rate: Rational,
    /// Rotation to apply before scaling.
    pub rotation: Rotation,
}

/// An opened source: the demuxer, its decoders and what was learned.
pub struct Source {
    /// The demuxer.
    pub input: format::context::Input,
    /// The opened video decoder; `None` for audio-only input.
    pub video: Option<decoder::Video>,
    /// The opened audio decoder, when the source has usable audio.
    pub audio: Option<decoder::Audio>,
    /// What the pipeline needs to know.
    pub info: MediaInfo,
}

/// Largest accepted picture side, in pixels.
pub const MAX_SIDE: u32 = 8192;
/// Smallest accepted picture side, in pixels.
pub const MIN_SIDE: u32 = 16;
/// Largest accepted picture area, in pixels.
pub const MAX_PIXELS: u64 = 36_000_000;

/// Probes `path` and returns what was learned, or why it cannot be used.
pub fn probe(path: &Path, max_duration_s: f64) -> Result<MediaInfo, Error> {
    open(path, max_duration_s).map(|source| source.info)
}

/// Opens `path` with its decoders, rejecting input the pipeline cannot use:
/// not media, empty, truncated, neither video nor audio, absurd picture
/// sizes, or longer than `max_duration_s`.
pub fn open(path: &Path, max_duration_s: f64) -> Result<Source, Error> {
    crate::init()?;
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, &e))?;
    if meta.len() == 0 {
        return Err(Error::Unusable("空のファイルです (empty file)".to_owned()));
    }
    let input = format::input(path).map_err(|e| match e {
        // OS errors (permissions, I/O, memory) are ours; anything else is the file.
        ffmpeg_next::Error::Other { .. } => Error::ffmpeg("opening input", e),
        _ => Error::Unusable(NOT_MEDIA.to_owned()),
    })?;

    let (audio_stream, audio) = open_audio(&input);
    let picture = pick(&input, media::Type::Video);
    let (video_stream, video, timing_stream) = match (picture, audio_stream) {
        (Some(index), _) => {
            let stream = input
                .stream(index)
                .ok_or_else(|| Error::Internal("stream vanished".into()))?;
            (Some(index), Some(open_video(&stream)?), index)
        }
        (None, Some(index)) => (None, None, index),
        (None, None) => {
            return Err(Error::Unusable(
                "映像も音声もありません (no video or audio stream)".to_owned(),
            ));
        }
    };
    let stream = input
        .stream(timing_stream)
        .ok_or_else(|| Error::Internal("stream vanished".into()))?;

    let rotation = stream
        .side_data()
        .find(|sd| sd.kind() == side_data::Type::DisplayMatrix)
        .map_or(Rotation::None, |sd| {
            Rotation::from_display_matrix(sd.data())
        });
    let (width, height) = match &video {
        Some(v) => display_size(v.width(), v.height(), v.aspect_ratio(), rotation),
        None => (0, 0),
    };
    let frame_rate = guess_frame_rate(stream.rate(), stream.avg_frame_rate());

    let duration_s = duration(&input, &stream)
        .ok_or_else(|| Error::Unusable("再生時間が分かりません (unknown duration)".to_owned()))?;
    if duration_s > max_duration_s {
        return Err(Error::Unusable(format!(
            "動画が長すぎます（{:.0} 分） (longer than the {:.0} minute limit)",
            duration_s / 60.0,
            max_duration_s / 60.0
        )));
    }
    let info = MediaInfo {
        video_stream,
        audio_stream,
        duration_s,
        width,
        height,
        frame_rate,
        rotation,
    };
    Ok(Source {
        input,
        video,
        audio,
        info,
    })
}

/// Opens the video decoder and checks the picture size.
pub(crate) fn open_video(stream: &format::stream::Stream<'_>) -> Result<decoder::Video, Error> {
    let codec_name = stream.parameters().id().name().to_owned();
    let mut video = codec::Context::from_parameters(stream.parameters())
        .and_then(|c| c.decoder().video())
        .map_err(|_| {
            Error::Unusable(format!(
                "対応していない映像形式です (unsupported video codec {codec_name})"
            ))
        })?;
    video.set_packet_time_base(stream.time_base());
    let (w, h) = (video.width(), video.height());
    if w == 0 || h == 0 {
        return Err(Error::Unusable(
            "映像の大きさが分かりません (unknown picture size)".to_owned(),
        ));
    }
    if !sane_size(w, h) {
        return Err(Error::Unusable(format!(
            "映像の大きさ {w}x{h} は扱えません (unsupported picture size {w}x{h}: each side must be \
             {MIN_SIDE}–{MAX_SIDE} pixels and the picture at most {} megapixels)",
            MAX_PIXELS / 1_000_000
        )));
    }
    Ok(video)
}

/// Whether a coded picture size is within what the pipeline accepts.
fn sane_size(width: u32, height: u32) -> bool {
    let side = MIN_SIDE..=MAX_SIDE;
    side.contains(&width)
        && side.contains(&height)
        && u64::from(width) * u64::from(height) <= MAX_PIXELS
}

/// The stream of `medium` to use: the first marked default, else the first.
/// Cover art attached to an audio file is not video.
fn pick(input: &format::context::Input, medium: media::Type) -> Option<usize> {
    let streams: Vec<_> = input
        .streams()
        .filter(|s| s.parameters().medium() == medium)
        .filter(|s| !s.disposition().contains(Disposition::ATTACHED_PIC))
        .collect();
    streams
        .iter()
        .find(|s| s.disposition().contains(Disposition::DEFAULT))
        .or_else(|| streams.first())
        .map(|s| s.index())
}

/// The audio stream to use, opened: the one marked default, else the first.
/// A broken audio track is dropped (video only), not fatal.
fn open_audio(input: &format::context::Input) -> (Option<usize>, Option<decoder::Audio>) {
    let Some(stream) = pick(input, media::Type::Audio).and_then(|i| input.stream(i)) else {
        return (None, None);
    };
    match codec::Context::from_parameters(stream.parameters()).and_then(|c| c.decoder().audio()) {
        Ok(mut audio) if audio.rate() > 0 && audio.channels() > 0 => {
            audio.set_packet_time_base(stream.time_base());
            (Some(stream.index()), Some(audio))
        }
        Ok(_) | Err(_) => {
            tracing::warn!(
                stream = stream.index(),
                "audio track cannot be decoded; packaging video only"
            );
            (None, None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_sizes_are_refused() {
        assert!(sane_size(1920, 1080) && sane_size(16, 16) && sane_size(8192, 4320));
        assert!(!sane_size(8, 720) && !sane_size(10000, 100) && !sane_size(8192, 8192));
    }
}

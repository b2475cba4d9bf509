//! Opening an input with libavformat and deciding whether it can be used:
//! the best video and audio streams, duration, picture size after rotation.
//! Everything is read by the libraries from the bytes, never from the filename.

use std::path::Path;

use ffmpeg_next::codec::packet::side_data;
use ffmpeg_next::{Rational, codec, decoder, format, media};

use crate::Error;

const NOT_MEDIA: &str = "動画ファイルとして読み込めません (not a media file)";

/// How the source picture must be turned to be shown upright, from the
/// stream's display matrix (phones record portrait video this way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// Shown as stored.
    None,
    /// Turn 90° clockwise (`transpose=clock`).
    Clockwise,
    /// Turn 180° (`hflip,vflip`).
    UpsideDown,
    /// Turn 90° counter-clockwise (`transpose=cclock`).
    CounterClockwise,
}

impl Rotation {
    /// Reads a display matrix (nine native-endian `i32`, 16.16 fixed point)
    /// the way the `ffmpeg` command does: the angle is rounded to the nearest
    /// quarter turn.
    pub fn from_display_matrix(bytes: &[u8]) -> Self {
        let cell = |i: usize| -> Option<f64> {
            let b = bytes.get(i * 4..i * 4 + 4)?;
            Some(f64::from(i32::from_ne_bytes([b[0], b[1], b[2], b[3]])) / 65536.0)
        };
        let (Some(m0), Some(m1), Some(m3), Some(m4)) = (cell(0), cell(1), cell(3), cell(4)) else {
            return Self::None;
        };
        let (s0, s1) = (m0.hypot(m3), m1.hypot(m4));
        if s0 == 0.0 || s1 == 0.0 {
            return Self::None;
        }
        let degrees = (m1 / s1)
            .atan2(m0 / s0)
            .to_degrees()
            .round()
            .rem_euclid(360.0);
        match ((degrees / 90.0).round() as i64).rem_euclid(4) {
            1 => Self::Clockwise,
            2 => Self::UpsideDown,
            3 => Self::CounterClockwise,
            _ => Self::None,
        }
    }

    /// The libavfilter chain that applies the rotation, if any.
    pub fn filter(self) -> Option<&'static str> {
        match self {
            Self::None => None,
            Self::Clockwise => Some("transpose=clock"),
            Self::UpsideDown => Some("hflip,vflip"),
            Self::CounterClockwise => Some("transpose=cclock"),
        }
    }

    fn swaps_sides(self) -> bool {
        matches!(self, Self::Clockwise | Self::CounterClockwise)
    }
}

/// What the pipeline needs to know about a source.
#[derive(Debug, Clone)]
pub struct MediaInfo {
    /// Index of the chosen video stream.
    pub video_stream: usize,
    /// Index of the chosen audio stream, if there is a decodable one.
    pub audio_stream: Option<usize>,
    /// Duration in seconds.
    pub duration_s: f64,
    /// Displayed width in square pixels, after rotation.
    pub width: u32,
    /// Displayed height in pixels, after rotation.
    pub height: u32,
    /// Source frame rate (average), or the cap when the container has none.
    pub frame_rate: Rational,
    /// Rotation to apply before scaling.
    pub rotation: Rotation,
}

/// An opened source: the demuxer, its decoders and what was learned.
pub struct Source {
    /// The demuxer.
    pub input: format::context::Input,
    /// The opened video decoder.
    pub video: decoder::Video,
    /// The opened audio decoder, when the source has usable audio.
    pub audio: Option<decoder::Audio>,
    /// What the pipeline needs to know.
    pub info: MediaInfo,
}

/// Probes `path` and returns what was learned, or why it cannot be used.
pub fn probe(path: &Path, max_duration_s: f64) -> Result<MediaInfo, Error> {
    open(path, max_duration_s).map(|source| source.info)
}

/// Opens `path` with its decoders, rejecting input the pipeline cannot use:
/// not media, empty, truncated, without video, or longer than `max_duration_s`.
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

    let stream = input
        .streams()
        .best(media::Type::Video)
        .ok_or_else(|| Error::Unusable("映像トラックがありません (no video stream)".to_owned()))?;
    let video_stream = stream.index();
    let codec_name = stream.parameters().id().name().to_owned();
    let mut video = codec::Context::from_parameters(stream.parameters())
        .and_then(|c| c.decoder().video())
        .map_err(|_| {
            Error::Unusable(format!(
                "対応していない映像形式です (unsupported video codec {codec_name})"
            ))
        })?;
    video.set_packet_time_base(stream.time_base());
    if video.width() == 0 || video.height() == 0 {
        return Err(Error::Unusable(
            "映像の大きさが分かりません (unknown picture size)".to_owned(),
        ));
    }

    let rotation = stream
        .side_data()
        .find(|sd| sd.kind() == side_data::Type::DisplayMatrix)
        .map_or(Rotation::None, |sd| {
            Rotation::from_display_matrix(sd.data())
        });
    let (width, height) = display_size(
        video.width(),
        video.height(),
        video.aspect_ratio(),
        rotation,
    );
    let frame_rate = [stream.avg_frame_rate(), stream.rate()]
        .into_iter()
        .find(|r| r.numerator() > 0 && r.denominator() > 0)
        .unwrap_or(Rational::new(30, 1));

    let duration_s = duration(&input, &stream)
        .ok_or_else(|| Error::Unusable("再生時間が分かりません (unknown duration)".to_owned()))?;
    if duration_s > max_duration_s {
        return Err(Error::Unusable(format!(
            "動画が長すぎます（{:.0} 分） (longer than the {:.0} minute limit)",
            duration_s / 60.0,
            max_duration_s / 60.0
        )));
    }

    let (audio_stream, audio) = open_audio(&input);
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

/// The best audio stream that opens; a broken audio track is dropped, not fatal.
fn open_audio(input: &format::context::Input) -> (Option<usize>, Option<decoder::Audio>) {
    let Some(stream) = input.streams().best(media::Type::Audio) else {
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

fn duration(input: &format::context::Input, stream: &format::stream::Stream<'_>) -> Option<f64> {
    let container = input.duration();
    let seconds = if container > 0 {
        container as f64 / 1_000_000.0 // AV_TIME_BASE
    } else {
        let tb = stream.time_base();
        if stream.duration() <= 0 || tb.denominator() == 0 {
            return None;
        }
        stream.duration() as f64 * f64::from(tb.numerator()) / f64::from(tb.denominator())
    };
    (seconds.is_finite() && seconds > 0.0).then_some(seconds)
}

/// Square-pixel display size: the coded size stretched by the sample aspect
/// ratio, sides swapped by a quarter-turn rotation.
fn display_size(width: u32, height: u32, sar: Rational, rotation: Rotation) -> (u32, u32) {
    let width =
        if sar.numerator() > 0 && sar.denominator() > 0 && sar.numerator() != sar.denominator() {
            let w = f64::from(width) * f64::from(sar.numerator()) / f64::from(sar.denominator());
            w.round().max(2.0) as u32
        } else {
            width
        };
    if rotation.swaps_sides() {
        (height, width)
    } else {
        (width, height)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(cells: [i32; 9]) -> Vec<u8> {
        cells.iter().flat_map(|c| c.to_ne_bytes()).collect()
    }

    #[test]
    fn display_matrix_quarter_turns() {
        let one = 1 << 16;
        assert_eq!(
            Rotation::from_display_matrix(&matrix([one, 0, 0, 0, one, 0, 0, 0, 1 << 30])),
            Rotation::None
        );
        // Portrait phone video: ffprobe says "rotation of -90", the ffmpeg command applies transpose=clock.
        assert_eq!(
            Rotation::from_display_matrix(&matrix([0, one, 0, -one, 0, 0, 0, 0, 1 << 30])),
            Rotation::Clockwise
        );
        assert_eq!(
            Rotation::from_display_matrix(&matrix([0, -one, 0, one, 0, 0, 0, 0, 1 << 30])),
            Rotation::CounterClockwise
        );
        assert_eq!(
            Rotation::from_display_matrix(&matrix([-one, 0, 0, 0, -one, 0, 0, 0, 1 << 30])),
            Rotation::UpsideDown
        );
        assert_eq!(Rotation::from_display_matrix(&[1, 2, 3]), Rotation::None);
    }

    #[test]
    fn display_size_applies_sar_and_rotation() {
        assert_eq!(
            display_size(720, 576, Rational::new(16, 15), Rotation::None),
            (768, 576)
        );
        assert_eq!(
            display_size(1920, 1080, Rational::new(0, 1), Rotation::Clockwise),
            (1080, 1920)
        );
    }
}

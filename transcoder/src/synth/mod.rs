//! Test media made by the FFmpeg libraries themselves: a libavfilter video
//! source (`testsrc2`, `smptehdbars`, `rgbtestsrc`, `mandelbrot`, …) and
//! optional `sine` tones, encoded to H.264 + AAC in MP4, Matroska, MPEG-TS
//! or QuickTime; interlaced, variable-frame-rate, audio-only or with several
//! audio tracks on request ([`SynthExtras`]). Nothing is read from outside, so tests need no
//! binary fixtures.
//!
//! The H.264 GOP is deliberately *not* aligned to the packager's 2 s keyframe
//! grid (a keyframe every 50 frames, scene cuts on), so a packager that
//! copies source keyframes produces uneven segments and tests catch it.

use std::path::Path;

use ffmpeg_next::util::frame;
use ffmpeg_next::{Rational, format};

use self::parts::{open_audio, open_video, pull, source_graph, write};
use crate::Error;
use crate::error::Context;

mod parts;

const RATE: i32 = 48_000;

/// What to generate.
#[derive(Debug, Clone)]
pub struct SynthSpec {
    /// Picture width in pixels (even).
    pub width: u32,
    /// Picture height in pixels (even).
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
    /// Length in seconds.
    pub seconds: f64,
    /// libavfilter video source name: `testsrc2`, `smptehdbars`, `rgbtestsrc`, `mandelbrot`, …
    pub pattern: String,
    /// Tone frequency in Hz; `None` writes no audio track.
    pub tone_hz: Option<u32>,
}

/// Variations on the generated file beyond [`SynthSpec`], for inputs of
/// every kind editors upload.
#[derive(Debug, Clone, Default)]
pub struct SynthExtras {
    /// Write no video stream: an audio-only file (needs `tone_hz`).
    pub no_video: bool,
    /// Encode interlaced pictures, top field first (as a recorder's MPEG-TS):
    /// each frame weaves two moments `1 / (2 × fps)` apart.
    pub interlaced: bool,
    /// Mark the video to be shown turned 90° clockwise, as phones do for
    /// portrait video: the MP4/MOV track header's matrix is rewritten.
    pub portrait: bool,
    /// Variable frame rate, as screen recorders write: millisecond
    /// timestamps, every fifth frame left out and some frames late.
    pub variable_frame_rate: bool,
    /// Further audio tracks after the first, as tone frequencies (at a
    /// higher bitrate than the first, so "the best" is not "the first").
    pub extra_tones_hz: Vec<u32>,
}

/// Writes a file at `path` as described by `spec`: MP4 (H.264 + AAC), or by
/// the file's extension Matroska (`.mkv`), MPEG-TS (`.ts`), QuickTime
/// (`.mov`) or audio-only MP4 (`.m4a`).
pub fn generate(path: &Path, spec: &SynthSpec) -> Result<(), Error> {
    generate_with(path, spec, &SynthExtras::default())
}

/// [`generate`] with [`SynthExtras`].
pub fn generate_with(path: &Path, spec: &SynthSpec, extras: &SynthExtras) -> Result<(), Error> {
    crate::init()?;
    let valid_pattern = !spec.pattern.is_empty()
        && spec
            .pattern
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid_pattern
        || !spec.width.is_multiple_of(2)
        || !spec.height.is_multiple_of(2)
        || spec.width == 0
        || spec.height == 0
        || (extras.no_video && spec.tone_hz.is_none())
    {
        return Err(Error::Internal(format!("invalid synth spec {spec:?}")));
    }
    let fps = i32::try_from(spec.fps).ok().filter(|f| *f > 0);
    let Some(fps) = fps.filter(|_| spec.seconds.is_finite() && spec.seconds > 0.0) else {
        return Err(Error::Internal(format!("invalid synth spec {spec:?}")));
    };
    let container = match path.extension().and_then(|e| e.to_str()) {
        Some("mkv") => "matroska",
        Some("ts") => "mpegts",
        Some("mov") => "mov",
        Some("m4a") => "ipod",
        _ => "mp4",
    };
    let mut output = format::output_as(path, container).step("creating the synth muxer")?;
    let video_tb = match extras.variable_frame_rate {
        true => Rational::new(1, 1000),
        false => Rational::new(1, fps),
    };
    let mut video = if extras.no_video {
        None
    } else {
        // `interlace` weaves two source frames into one: generate twice the rate.
        let (rate, weave) = match extras.interlaced {
            true => (2 * fps, ",interlace=scan=tff:lowpass=off"),
            false => (fps, ""),
        };
        let src = source_graph(
            "buffersink",
            &format!(
                "{}=size={}x{}:rate={rate},format=yuv420p{weave}",
                spec.pattern, spec.width, spec.height
            ),
        )?;
        let enc = open_video(spec.width, spec.height, fps, video_tb, extras.interlaced)?;
        let mut stream = output
            .add_stream(enc.codec())
            .step("adding the synth video stream")?;
        stream.set_parameters(&enc);
        stream.set_time_base(video_tb);
        Some((src, enc, stream.index()))
    };
    let mut audio = Vec::new();
    let tones = spec
        .tone_hz
        .into_iter()
        .chain(extras.extra_tones_hz.iter().copied());
    for (i, hz) in tones.enumerate() {
        let src = source_graph(
            "abuffersink",
            &format!(
                "sine=frequency={hz}:sample_rate={RATE},aformat=sample_fmts=fltp:channel_layouts=stereo,asetnsamples=n=1024"
            ),
        )?;
        let enc = open_audio(if i == 0 { 96_000 } else { 192_000 })?;
        let mut stream = output
            .add_stream(enc.codec())
            .step("adding a synth audio stream")?;
        stream.set_parameters(&enc);
        stream.set_time_base(Rational::new(1, RATE));
        audio.push((src, enc, stream.index()));
    }
    output.write_header().step("writing the synth header")?;
    let stream_tb = |output: &format::context::Output, i: usize| {
        output
            .stream(i)
            .map_or(Rational::new(1, 1), |s| s.time_base())
    };

    let frames = (spec.seconds * f64::from(fps)).round() as i64;
    let samples = (spec.seconds * f64::from(RATE)).round() as i64;
    let mut next_sample = 0i64;
    let mut picture = frame::Video::empty();
    let mut sound = frame::Audio::empty();
    for n in 0..frames {
        if let Some((src, enc, index)) = video.as_mut() {
            pull(src, &mut picture)?;
            let pts = match extras.variable_frame_rate {
                true if n % 5 == 4 => None,
                true => Some(n * 1000 / i64::from(fps) + if n % 3 == 1 { 9 } else { 0 }),
                false => Some(n),
            };
            picture.set_pts(pts);
            // Test sources mark every frame as an I-frame; libx264 would make each an IDR.
            picture.set_kind(ffmpeg_next::picture::Type::None);
            if pts.is_some() {
                enc.send_frame(&picture).step("encoding synth video")?;
                let tb = stream_tb(&output, *index);
                write(enc, &mut output, video_tb, tb, *index)?;
            }
        }
        let start = next_sample;
        for (src, enc, index) in &mut audio {
            next_sample = start;
            while next_sample < samples && next_sample * i64::from(fps) < (n + 1) * i64::from(RATE)
            {
                pull(src, &mut sound)?;
                let left = usize::try_from(samples - next_sample).unwrap_or(0);
                if sound.samples() > left {
                    sound.set_samples(left);
                }
                sound.set_pts(Some(next_sample));
                next_sample += sound.samples() as i64;
                enc.send_frame(&sound).step("encoding synth audio")?;
                let tb = stream_tb(&output, *index);
                write(enc, &mut output, Rational::new(1, RATE), tb, *index)?;
            }
        }
    }
    if let Some((_, enc, index)) = video.as_mut() {
        enc.send_eof().step("flushing synth video")?;
        let tb = stream_tb(&output, *index);
        write(enc, &mut output, video_tb, tb, *index)?;
    }
    for (_, enc, index) in &mut audio {
        enc.send_eof().step("flushing synth audio")?;
        let tb = stream_tb(&output, *index);
        write(enc, &mut output, Rational::new(1, RATE), tb, *index)?;
    }
    output.write_trailer().step("finishing the synth file")?;
    if extras.portrait && !extras.no_video {
        parts::turn_clockwise(path)?;
    }
    Ok(())
}

/// Writes a `width` × `height` PNG at `path`: a colour gradient, as an
/// editor's own poster picture would be.
pub fn picture(path: &Path, width: u32, height: u32) -> Result<(), Error> {
    use ffmpeg_next::codec;
    use ffmpeg_next::format::Pixel;
    crate::init()?;
    let mut rgb = frame::Video::new(Pixel::RGB24, width, height);
    let stride = rgb.stride(0);
    for (y, row) in rgb.data_mut(0).chunks_mut(stride).enumerate() {
        for (x, px) in row[..width as usize * 3].chunks_mut(3).enumerate() {
            px.copy_from_slice(&[(x % 256) as u8, (y % 256) as u8, 128]);
        }
    }
    let png = ffmpeg_next::encoder::find(codec::Id::PNG)
        .ok_or_else(|| Error::Internal("FFmpeg was built without the png encoder".into()))?;
    let mut enc = codec::Context::new_with_codec(png)
        .encoder()
        .video()
        .step("allocating png")?;
    enc.set_width(width);
    enc.set_height(height);
    enc.set_format(Pixel::RGB24);
    enc.set_time_base(Rational::new(1, 25));
    let mut enc = enc.open().step("opening png")?;
    rgb.set_pts(Some(0));
    enc.send_frame(&rgb).step("encoding a PNG")?;
    enc.send_eof().step("flushing png")?;
    let mut packet = ffmpeg_next::Packet::empty();
    enc.receive_packet(&mut packet).step("encoding a PNG")?;
    let data = packet
        .data()
        .ok_or_else(|| Error::Internal("png produced an empty picture".into()))?;
    std::fs::write(path, data).map_err(|e| Error::io(path, &e))
}

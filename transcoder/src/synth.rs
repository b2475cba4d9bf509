//! Test media made by the FFmpeg libraries themselves: a libavfilter video
//! source (`testsrc2`, `smptehdbars`, `rgbtestsrc`, `mandelbrot`, …) and an
//! optional `sine` tone, encoded to MP4 (H.264 + AAC). Nothing is read from
//! outside, so tests need no binary fixtures.
//!
//! The H.264 GOP is deliberately *not* aligned to the packager's 2 s keyframe
//! grid (a keyframe every 50 frames, scene cuts on), so a packager that
//! copies source keyframes produces uneven segments and tests catch it.

use std::path::Path;

use ffmpeg_next::format::{Pixel, Sample, sample};
use ffmpeg_next::util::frame;
use ffmpeg_next::{ChannelLayout, Dictionary, Packet, Rational, codec, encoder, filter, format};

use crate::Error;
use crate::error::Context;

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

/// Writes an MP4 at `path` as described by `spec`.
pub fn generate(path: &Path, spec: &SynthSpec) -> Result<(), Error> {
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
    {
        return Err(Error::Internal(format!("invalid synth spec {spec:?}")));
    }
    let fps = i32::try_from(spec.fps).ok().filter(|f| *f > 0);
    let Some(fps) = fps.filter(|_| spec.seconds.is_finite() && spec.seconds > 0.0) else {
        return Err(Error::Internal(format!("invalid synth spec {spec:?}")));
    };
    let mut video_src = source_graph(
        "buffersink",
        &format!(
            "{}=size={}x{}:rate={fps},format=yuv420p",
            spec.pattern, spec.width, spec.height
        ),
    )?;
    let mut audio_src = match spec.tone_hz {
        Some(hz) => Some(source_graph(
            "abuffersink",
            &format!(
                "sine=frequency={hz}:sample_rate={RATE},aformat=sample_fmts=fltp:channel_layouts=stereo,asetnsamples=n=1024"
            ),
        )?),
        None => None,
    };

    let mut video = open_video(spec.width, spec.height, fps)?;
    let mut audio = if audio_src.is_some() {
        Some(open_audio()?)
    } else {
        None
    };
    let mut output = format::output_as(path, "mp4").step("creating the MP4 muxer")?;
    {
        let mut stream = output
            .add_stream(video.codec())
            .step("adding the synth video stream")?;
        stream.set_parameters(&video);
        stream.set_time_base(Rational::new(1, fps));
    }
    if let Some(audio) = &audio {
        let mut stream = output
            .add_stream(audio.codec())
            .step("adding the synth audio stream")?;
        stream.set_parameters(audio);
        stream.set_time_base(Rational::new(1, RATE));
    }
    output.write_header().step("writing the MP4 header")?;
    let stream_tb = |output: &format::context::Output, i: usize| {
        output
            .stream(i)
            .map_or(Rational::new(1, 1), |s| s.time_base())
    };
    let (video_tb, audio_tb) = (stream_tb(&output, 0), stream_tb(&output, 1));

    let frames = (spec.seconds * f64::from(fps)).round() as i64;
    let samples = (spec.seconds * f64::from(RATE)).round() as i64;
    let mut next_sample = 0i64;
    let mut picture = frame::Video::empty();
    let mut sound = frame::Audio::empty();
    for n in 0..frames {
        pull(&mut video_src, &mut picture)?;
        picture.set_pts(Some(n));
        // Test sources mark every frame as an I-frame; libx264 would make each an IDR.
        picture.set_kind(ffmpeg_next::picture::Type::None);
        video.send_frame(&picture).step("encoding synth video")?;
        write(&mut video, &mut output, Rational::new(1, fps), video_tb, 0)?;
        let (Some(src), Some(enc)) = (audio_src.as_mut(), audio.as_mut()) else {
            continue;
        };
        while next_sample < samples && next_sample * i64::from(fps) < (n + 1) * i64::from(RATE) {
            pull(src, &mut sound)?;
            let left = usize::try_from(samples - next_sample).unwrap_or(0);
            if sound.samples() > left {
                sound.set_samples(left);
            }
            sound.set_pts(Some(next_sample));
            next_sample += sound.samples() as i64;
            enc.send_frame(&sound).step("encoding synth audio")?;
            write(enc, &mut output, Rational::new(1, RATE), audio_tb, 1)?;
        }
    }
    video.send_eof().step("flushing synth video")?;
    write(&mut video, &mut output, Rational::new(1, fps), video_tb, 0)?;
    if let Some(enc) = audio.as_mut() {
        enc.send_eof().step("flushing synth audio")?;
        write(enc, &mut output, Rational::new(1, RATE), audio_tb, 1)?;
    }
    output.write_trailer().step("finishing the MP4")
}

/// A graph made of a source chain ending in one sink named `out`.
fn source_graph(sink: &str, spec: &str) -> Result<filter::Graph, Error> {
    let sink_filter =
        filter::find(sink).ok_or_else(|| Error::Internal(format!("libavfilter lacks {sink}")))?;
    let mut graph = filter::Graph::new();
    graph
        .add(&sink_filter, "out", "")
        .step("creating the synth sink")?;
    graph
        .input("out", 0)
        .and_then(|p| p.parse(spec))
        .and_then(|()| graph.validate())
        .map_err(|e| Error::Internal(format!("synth filter graph `{spec}`: {e}")))?;
    Ok(graph)
}

fn pull(graph: &mut filter::Graph, frame: &mut frame::Frame) -> Result<(), Error> {
    let mut sink = graph
        .get("out")
        .ok_or_else(|| Error::Internal("synth sink missing".to_owned()))?;
    sink.sink().frame(frame).step("pulling a synth frame")
}

fn open_video(width: u32, height: u32, fps: i32) -> Result<encoder::video::Encoder, Error> {
    let codec =
        encoder::find_by_name("libx264").ok_or_else(|| Error::Internal("no libx264".to_owned()))?;
    let mut enc = codec::Context::new_with_codec(codec)
        .encoder()
        .video()
        .step("allocating libx264")?;
    enc.set_width(width);
    enc.set_height(height);
    enc.set_format(Pixel::YUV420P);
    enc.set_time_base(Rational::new(1, fps));
    enc.set_frame_rate(Some(Rational::new(fps, 1)));
    let mut opts = Dictionary::new();
    opts.set("flags", "+global_header");
    opts.set("preset", "veryfast");
    opts.set("crf", "20");
    opts.set("g", "50");
    opts.set("threads", "1");
    enc.open_with(opts).step("opening libx264 for synth")
}

fn open_audio() -> Result<encoder::audio::Encoder, Error> {
    let codec = encoder::find(codec::Id::AAC)
        .ok_or_else(|| Error::Internal("no AAC encoder".to_owned()))?;
    let mut enc = codec::Context::new_with_codec(codec)
        .encoder()
        .audio()
        .step("allocating AAC")?;
    enc.set_rate(RATE);
    enc.set_format(Sample::F32(sample::Type::Planar));
    enc.set_channel_layout(ChannelLayout::STEREO);
    enc.set_channels(2); // FFmpeg 5.1 still reads the old channel count.
    enc.set_bit_rate(128_000);
    enc.set_time_base(Rational::new(1, RATE));
    let mut opts = Dictionary::new();
    opts.set("flags", "+global_header");
    enc.open_with(opts).step("opening AAC for synth")
}

fn write(
    encoder: &mut encoder::Encoder,
    output: &mut format::context::Output,
    from: Rational,
    to: Rational,
    stream: usize,
) -> Result<(), Error> {
    let mut packet = Packet::empty();
    while encoder.receive_packet(&mut packet).is_ok() {
        packet.rescale_ts(from, to);
        packet.set_stream(stream);
        packet
            .write_interleaved(output)
            .step("muxing synth media")?;
    }
    Ok(())
}

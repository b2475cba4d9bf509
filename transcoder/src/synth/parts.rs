//! The pieces of a synth file: libavfilter source graphs, the libx264 and
//! AAC encoders, and writing their packets.

use ffmpeg_next::format::{Pixel, Sample, sample};
use ffmpeg_next::util::frame;
use ffmpeg_next::{ChannelLayout, Dictionary, Packet, Rational, codec, encoder, filter, format};

use super::RATE;
use crate::Error;
use crate::error::Context;

/// A graph made of a source chain ending in one sink named `out`.
pub(super) fn source_graph(sink: &str, spec: &str) -> Result<filter::Graph, Error> {
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

pub(super) fn pull(graph: &mut filter::Graph, frame: &mut frame::Frame) -> Result<(), Error> {
    let mut sink = graph
        .get("out")
        .ok_or_else(|| Error::Internal("synth sink missing".to_owned()))?;
    sink.sink().frame(frame).step("pulling a synth frame")
}

pub(super) fn open_video(
    width: u32,
    height: u32,
    fps: i32,
    time_base: Rational,
    interlaced: bool,
) -> Result<encoder::video::Encoder, Error> {
    let codec =
        encoder::find_by_name("libx264").ok_or_else(|| Error::Internal("no libx264".to_owned()))?;
    let mut enc = codec::Context::new_with_codec(codec)
        .encoder()
        .video()
        .step("allocating libx264")?;
    enc.set_width(width);
    enc.set_height(height);
    enc.set_format(Pixel::YUV420P);
    enc.set_time_base(time_base);
    enc.set_frame_rate(Some(Rational::new(fps, 1)));
    let mut opts = Dictionary::new();
    // Interlaced coding follows each frame's field flags (set by `interlace`).
    opts.set(
        "flags",
        if interlaced {
            "+global_header+ildct+ilme"
        } else {
            "+global_header"
        },
    );
    opts.set("preset", "veryfast");
    opts.set("crf", "20");
    opts.set("g", "50");
    opts.set("threads", "1");
    enc.open_with(opts).step("opening libx264 for synth")
}

pub(super) fn open_audio(bit_rate: usize) -> Result<encoder::audio::Encoder, Error> {
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
    enc.set_bit_rate(bit_rate);
    enc.set_time_base(Rational::new(1, RATE));
    let mut opts = Dictionary::new();
    opts.set("flags", "+global_header");
    enc.open_with(opts).step("opening AAC for synth")
}

pub(super) fn write(
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

/// Rewrites the first track header (`moov/trak/tkhd`, the video track) of
/// the MP4/MOV at `path` with a 90° clockwise display matrix (ISO/IEC
/// 14496-12 §8.3.2: a, b, u, c, d, v, x, y, w; 16.16 and 2.30 fixed point).
pub(super) fn turn_clockwise(path: &std::path::Path) -> Result<(), Error> {
    let mut bytes = std::fs::read(path).map_err(|e| Error::io(path, &e))?;
    let at = bytes
        .windows(4)
        .position(|w| w == b"tkhd")
        .ok_or_else(|| Error::Internal("no track header to turn".to_owned()))?;
    // version + flags (4), times, id, duration (20, or 32 in version 1),
    // reserved, layer, group, volume (16), then the matrix.
    let long = bytes.get(at + 4) == Some(&1);
    let matrix_at = at + 4 + if long { 52 } else { 40 };
    let one = 1i32 << 16;
    let cells = [0, one, 0, -one, 0, 0, 0, 0, 1 << 30];
    let matrix = bytes
        .get_mut(matrix_at..matrix_at + 36)
        .ok_or_else(|| Error::Internal("track header too short".to_owned()))?;
    for (slot, cell) in matrix.chunks_mut(4).zip(cells) {
        slot.copy_from_slice(&cell.to_be_bytes());
    }
    std::fs::write(path, bytes).map_err(|e| Error::io(path, &e))
}

//! Encoder set-up: libx264 H.264 High per rung on a fixed keyframe grid, and
//! one AAC-LC encoder whose packets every rung shares.

use ffmpeg_next::format::{Pixel, Sample, sample};
use ffmpeg_next::{
    ChannelLayout, Dictionary, Packet, Rational, codec, encoder, picture, util::frame,
};

use super::graph::{AUDIO_RATE, is_again_or_eof};
use crate::Settings;
use crate::error::{Context, Error};

/// One rung's libx264 encoder and its position on the keyframe grid.
pub(crate) struct VideoEncoder {
    encoder: encoder::video::Encoder,
    keyint: u64,
    frames: u64,
    /// Time base of the frames sent in and the packets coming out.
    pub(crate) time_base: Rational,
}

/// Frames between keyframes: `fps × keyframe_seconds`, at least 1.
pub(crate) fn keyint(fps: Rational, keyframe_seconds: u32) -> u64 {
    let fps = f64::from(fps.numerator()) / f64::from(fps.denominator().max(1));
    (fps * f64::from(keyframe_seconds)).round().max(1.0) as u64
}

impl VideoEncoder {
    /// Opens libx264 for a `width`×`height` rung capped at `max_kbps`, High
    /// profile at the lowest H.264 level that holds it (at most 4.1).
    ///
    /// The keyframe grid is held three ways, because each alone has failed in
    /// the field: x264 `keyint`/`min-keyint`/`scenecut=0`, every frame's
    /// source picture type cleared (x264 forces a keyframe for each source
    /// I-frame otherwise), and an I-frame forced on each grid point. Codec
    /// flags are only ever *added* (`+global_header`): replacing them drops
    /// libx264's closed-GOP default and segments would start on non-IDR frames.
    pub(crate) fn open(
        (width, height): (u32, u32),
        fps: Rational,
        max_kbps: u32,
        settings: &Settings,
        threads: usize,
    ) -> Result<Self, Error> {
        let codec = encoder::find_by_name("libx264")
            .ok_or_else(|| Error::Internal("FFmpeg was built without libx264".to_owned()))?;
        let mut enc = codec::Context::new_with_codec(codec)
            .encoder()
            .video()
            .step("allocating libx264")?;
        let time_base = fps.invert();
        enc.set_width(width);
        enc.set_height(height);
        enc.set_format(Pixel::YUV420P);
        enc.set_time_base(time_base);
        enc.set_frame_rate(Some(fps));
        enc.set_aspect_ratio(Rational::new(1, 1));

        let keyint = keyint(fps, settings.keyframe_seconds);
        let mut opts = Dictionary::new();
        opts.set("flags", "+global_header");
        opts.set("preset", &settings.preset);
        opts.set("profile", "high");
        opts.set("level", super::plan::level((width, height), fps, max_kbps));
        opts.set("crf", &settings.crf.to_string());
        opts.set("maxrate", &format!("{max_kbps}k"));
        opts.set("bufsize", &format!("{}k", 2 * u64::from(max_kbps)));
        opts.set("forced-idr", "1");
        opts.set("threads", &threads.max(1).to_string());
        opts.set(
            "x264-params",
            &format!("keyint={keyint}:min-keyint={keyint}:scenecut=0:open-gop=0"),
        );
        let encoder = enc
            .open_with(opts)
            .map_err(|e| Error::Internal(format!("opening libx264 {width}x{height}: {e}")))?;
        Ok(Self {
            encoder,
            keyint,
            frames: 0,
            time_base,
        })
    }

    /// The opened encoder, for the muxer's stream parameters.
    pub(crate) fn codec(&self) -> &encoder::video::Encoder {
        &self.encoder
    }

    /// Encodes one filtered frame (timestamps in `frame_tb`).
    pub(crate) fn send(
        &mut self,
        frame: &mut frame::Video,
        frame_tb: Rational,
    ) -> Result<(), Error> {
        let on_grid = self.frames.is_multiple_of(self.keyint);
        frame.set_kind(if on_grid {
            picture::Type::I
        } else {
            picture::Type::None
        });
        if let Some(pts) = frame.pts() {
            use ffmpeg_next::util::mathematics::Rescale;
            frame.set_pts(Some(pts.rescale(frame_tb, self.time_base)));
        }
        self.frames += 1;
        self.encoder.send_frame(frame).step("encoding video")
    }

    /// Signals the end of the picture stream.
    pub(crate) fn finish(&mut self) -> Result<(), Error> {
        self.encoder.send_eof().step("flushing libx264")
    }

    /// The next encoded packet, if one is ready.
    pub(crate) fn receive(&mut self, packet: &mut Packet) -> Result<bool, Error> {
        let got = receive(&mut self.encoder, packet, "receiving video packets")?;
        // libx264 leaves durations unset in FFmpeg 5.1; the muxer needs them to
        // time segments. Every frame lasts one tick of 1/fps after the fps filter.
        if got && packet.duration() == 0 {
            packet.set_duration(1);
        }
        Ok(got)
    }
}

/// The single AAC-LC encoder (48 kHz stereo, planar float in).
pub(crate) struct AudioEncoder {
    encoder: encoder::audio::Encoder,
    /// Time base of the frames sent in and the packets coming out.
    pub(crate) time_base: Rational,
}

impl AudioEncoder {
    /// Opens FFmpeg's native AAC encoder at `kbps`.
    pub(crate) fn open(kbps: u32) -> Result<Self, Error> {
        let codec = encoder::find(codec::Id::AAC)
            .ok_or_else(|| Error::Internal("FFmpeg was built without an AAC encoder".to_owned()))?;
        let mut enc = codec::Context::new_with_codec(codec)
            .encoder()
            .audio()
            .step("allocating AAC")?;
        let time_base = Rational::new(1, AUDIO_RATE);
        enc.set_rate(AUDIO_RATE);
        enc.set_format(Sample::F32(sample::Type::Planar));
        enc.set_channel_layout(ChannelLayout::STEREO);
        // FFmpeg 5.1 still reads the old channel count next to the layout.
        enc.set_channels(2);
        enc.set_bit_rate(kbps as usize * 1000);
        enc.set_time_base(time_base);
        let mut opts = Dictionary::new();
        opts.set("flags", "+global_header");
        opts.set("profile", "aac_low");
        let encoder = enc.open_with(opts).step("opening the AAC encoder")?;
        Ok(Self { encoder, time_base })
    }

    /// The opened encoder, for the muxers' stream parameters.
    pub(crate) fn codec(&self) -> &encoder::audio::Encoder {
        &self.encoder
    }

    /// Encodes one 1024-sample frame (timestamps already in 1/48000).
    pub(crate) fn send(&mut self, frame: &frame::Audio) -> Result<(), Error> {
        self.encoder.send_frame(frame).step("encoding audio")
    }

    /// Signals the end of the sound.
    pub(crate) fn finish(&mut self) -> Result<(), Error> {
        self.encoder.send_eof().step("flushing the AAC encoder")
    }

    /// The next encoded packet, if one is ready.
    pub(crate) fn receive(&mut self, packet: &mut Packet) -> Result<bool, Error> {
        receive(&mut self.encoder, packet, "receiving audio packets")
    }
}

fn receive(encoder: &mut encoder::Encoder, packet: &mut Packet, step: &str) -> Result<bool, Error> {
    match encoder.receive_packet(packet) {
        Ok(()) => Ok(true),
        Err(e) if is_again_or_eof(&e) => Ok(false),
        Err(e) => Err(Error::ffmpeg(step, e)),
    }
}

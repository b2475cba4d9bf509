//! The decode-once loop: demux → decode → filter → encode → mux, and the
//! ordered flush of every stage at the end of input.

use ffmpeg_next::util::frame;
use ffmpeg_next::util::mathematics::Rescale;
use ffmpeg_next::{Packet, Rational, decoder};

use super::encode::{AudioEncoder, VideoEncoder};
use super::graph::{Graph, Pulled, is_again_or_eof};
use super::mux::RungMuxer;
use crate::Error;
use crate::error::Context;
use crate::probe::{MediaInfo, Source};

/// One rendition being produced.
pub(crate) struct RungOut {
    pub(crate) encoder: VideoEncoder,
    pub(crate) muxer: RungMuxer,
}

/// Everything between the demuxer and the muxers.
pub(crate) struct Pipeline<'p> {
    pub(crate) rungs: Vec<RungOut>,
    pub(crate) audio: Option<AudioEncoder>,
    pub(crate) fps: Rational,
    pub(crate) sizes: Vec<(u32, u32)>,
    pub(crate) progress: &'p mut dyn FnMut(f32),
    video_graph: Option<Graph>,
    audio_graph: Option<Graph>,
    first_seconds: Option<f64>,
    reported: f32,
    /// End of the last decoded video frame, in the source time base.
    video_end: Option<i64>,
}

impl<'p> Pipeline<'p> {
    /// A pipeline writing into `rungs` (same order as `sizes`).
    pub(crate) fn new(
        rungs: Vec<RungOut>,
        audio: Option<AudioEncoder>,
        fps: Rational,
        sizes: Vec<(u32, u32)>,
        progress: &'p mut dyn FnMut(f32),
    ) -> Self {
        Self {
            rungs,
            audio,
            fps,
            sizes,
            progress,
            video_graph: None,
            audio_graph: None,
            first_seconds: None,
            reported: 0.0,
            video_end: None,
        }
    }

    /// Runs the source to its end and flushes every stage; muxer trailers are
    /// left to the caller.
    pub(crate) fn run(&mut self, source: Source) -> Result<(), Error> {
        let Source {
            mut input,
            video: mut video_dec,
            audio: mut audio_dec,
            info,
        } = source;
        let time_base = |i: usize| {
            input
                .stream(i)
                .map_or(Rational::new(1, 1), |s| s.time_base())
        };
        let video_tb = time_base(info.video_stream);
        let audio_tb = info.audio_stream.map_or(Rational::new(1, 1), time_base);

        let mut packet = Packet::empty();
        loop {
            match packet.read(&mut input) {
                Ok(()) => {}
                Err(ffmpeg_next::Error::Eof) => break,
                Err(e @ ffmpeg_next::Error::Other { .. }) => {
                    return Err(Error::ffmpeg("reading input", e));
                }
                Err(_) => {
                    return Err(Error::Unusable(
                        "ファイルが途中で壊れています (the file is damaged or cut short)"
                            .to_owned(),
                    ));
                }
            }
            if packet.stream() == info.video_stream {
                feed(&mut video_dec, &packet)?;
                self.drain_video_decoder(&mut video_dec, video_tb, &info)?;
            } else if Some(packet.stream()) == info.audio_stream
                && let Some(dec) = audio_dec.as_mut()
            {
                feed(dec, &packet)?;
                self.drain_audio_decoder(dec, audio_tb)?;
            }
        }

        // Flush in order: decoders, filter graphs, encoders.
        video_dec.send_eof().step("flushing the video decoder")?;
        self.drain_video_decoder(&mut video_dec, video_tb, &info)?;
        if let Some(dec) = audio_dec.as_mut() {
            dec.send_eof().step("flushing the audio decoder")?;
            self.drain_audio_decoder(dec, audio_tb)?;
        }
        let Some(graph) = self.video_graph.as_mut() else {
            return Err(Error::Unusable(
                "映像を復号できません (no decodable video frames)".to_owned(),
            ));
        };
        graph.finish(self.video_end)?;
        self.drain_video_graph()?;
        if let Some(graph) = self.audio_graph.as_mut() {
            graph.finish(None)?;
            self.drain_audio_graph()?;
        }
        for rung in &mut self.rungs {
            rung.encoder.finish()?;
        }
        for rung in &mut self.rungs {
            drain_video_encoder(rung)?;
        }
        if let Some(audio) = self.audio.as_mut() {
            audio.finish()?;
            drain_audio_encoder(audio, &mut self.rungs)?;
        }
        (self.progress)(1.0);
        Ok(())
    }

    fn drain_video_decoder(
        &mut self,
        dec: &mut decoder::Video,
        tb: Rational,
        info: &MediaInfo,
    ) -> Result<(), Error> {
        let mut frame = frame::Video::empty();
        while receive(dec, &mut frame)? {
            let ts = frame.timestamp();
            frame.set_pts(ts);
            if let Some(ts) = ts {
                self.report(ts as f64 * f64::from(tb), info.duration_s);
                let duration = match frame.packet().duration {
                    d if d > 0 => d,
                    _ => 1i64.rescale(self.fps.invert(), tb).max(1),
                };
                self.video_end = Some(self.video_end.unwrap_or(i64::MIN).max(ts + duration));
            }
            let graph = match self.video_graph.as_mut() {
                Some(graph) => graph,
                None => self.video_graph.insert(Graph::video(
                    &frame,
                    tb,
                    info.rotation,
                    self.fps,
                    &self.sizes,
                )?),
            };
            graph.push(&frame)?;
            self.drain_video_graph()?;
        }
        Ok(())
    }

    fn drain_audio_decoder(&mut self, dec: &mut decoder::Audio, tb: Rational) -> Result<(), Error> {
        let mut frame = frame::Audio::empty();
        while receive(dec, &mut frame)? {
            let ts = frame.timestamp();
            frame.set_pts(ts);
            let graph = match self.audio_graph.as_mut() {
                Some(graph) => graph,
                None => self.audio_graph.insert(Graph::audio(&frame, tb)?),
            };
            graph.push(&frame)?;
            self.drain_audio_graph()?;
        }
        Ok(())
    }

    fn drain_video_graph(&mut self) -> Result<(), Error> {
        let Some(graph) = self.video_graph.as_mut() else {
            return Ok(());
        };
        let mut frame = frame::Video::empty();
        for (i, rung) in self.rungs.iter_mut().enumerate() {
            let tb = graph.time_base(i)?;
            while let Pulled::Frame = graph.pull(i, &mut frame)? {
                rung.encoder.send(&mut frame, tb)?;
                drain_video_encoder(rung)?;
            }
        }
        Ok(())
    }

    fn drain_audio_graph(&mut self) -> Result<(), Error> {
        let (Some(graph), Some(encoder)) = (self.audio_graph.as_mut(), self.audio.as_mut()) else {
            return Ok(());
        };
        let mut frame = frame::Audio::empty();
        let tb = graph.time_base(0)?;
        while let Pulled::Frame = graph.pull(0, &mut frame)? {
            if let Some(pts) = frame.pts() {
                frame.set_pts(Some(pts.rescale(tb, encoder.time_base)));
            }
            encoder.send(&frame)?;
            drain_audio_encoder(encoder, &mut self.rungs)?;
        }
        Ok(())
    }

    /// Reports decoding progress by timestamp, never going backwards.
    fn report(&mut self, seconds: f64, duration_s: f64) {
        let first = *self.first_seconds.get_or_insert(seconds);
        let fraction = ((seconds - first) / duration_s).clamp(0.0, 0.999) as f32;
        if fraction > self.reported {
            self.reported = fraction;
            (self.progress)(fraction);
        }
    }
}

/// Sends a packet to a decoder; a damaged packet is skipped, as players do.
fn feed(dec: &mut decoder::Opened, packet: &Packet) -> Result<(), Error> {
    match dec.send_packet(packet) {
        Ok(()) => Ok(()),
        Err(ffmpeg_next::Error::InvalidData) => {
            tracing::warn!(stream = packet.stream(), "skipping a damaged packet");
            Ok(())
        }
        Err(e) if is_again_or_eof(&e) => Ok(()),
        Err(e) => Err(Error::ffmpeg("decoding", e)),
    }
}

/// The next decoded frame, if one is ready.
fn receive(dec: &mut decoder::Opened, frame: &mut frame::Frame) -> Result<bool, Error> {
    match dec.receive_frame(frame) {
        Ok(()) => Ok(true),
        Err(e) if is_again_or_eof(&e) => Ok(false),
        Err(ffmpeg_next::Error::InvalidData) => Ok(false),
        Err(e) => Err(Error::ffmpeg("decoding", e)),
    }
}

fn drain_video_encoder(rung: &mut RungOut) -> Result<(), Error> {
    let mut packet = Packet::empty();
    while rung.encoder.receive(&mut packet)? {
        rung.muxer
            .write_video(&mut packet, rung.encoder.time_base)?;
    }
    Ok(())
}

/// AAC is encoded once; the same packets go into every rung's muxer.
fn drain_audio_encoder(audio: &mut AudioEncoder, rungs: &mut [RungOut]) -> Result<(), Error> {
    let mut packet = Packet::empty();
    while audio.receive(&mut packet)? {
        for rung in rungs.iter_mut() {
            rung.muxer.write_audio(&packet, audio.time_base)?;
        }
    }
    Ok(())
}

//! The decode-once loop on the calling thread: demux → decode → filter graph
//! (one picture stream per rung) → each rung's thread; AAC is encoded here
//! once and its packets go to every rung. Ends with the ordered flush of
//! every stage.

use ffmpeg_next::util::frame;
use ffmpeg_next::util::mathematics::Rescale;
use ffmpeg_next::{Packet, Rational, decoder};
use std::sync::atomic::{AtomicBool, Ordering};

use super::decode::{feed, receive};
use super::encode::AudioEncoder;
use super::graph::{Graph, Pulled};
use super::rung::{Msg, RungThread};
use super::stills::{self, Stills};
use crate::Error;
use crate::error::Context;
use crate::probe::{MediaInfo, Source};

/// Everything between the demuxer and the muxers.
pub(crate) struct Pipeline<'p> {
    /// The video rungs (in the order of `sizes`), then the audio-only rung if any.
    pub(crate) rungs: Vec<RungThread>,
    pub(crate) audio: Option<AudioEncoder>,
    pub(crate) fps: Rational,
    pub(crate) sizes: Vec<(u32, u32)>,
    pub(crate) progress: &'p mut dyn FnMut(f32),
    pub(crate) stills: Stills,
    cancel: &'p AtomicBool,
    video_graph: Option<Graph>,
    audio_graph: Option<Graph>,
    first_seconds: Option<f64>,
    reported: f32,
    /// End of the last decoded video frame, in the source time base.
    video_end: Option<i64>,
}

impl<'p> Pipeline<'p> {
    /// A pipeline feeding `rungs` (video rungs in the order of `sizes` first).
    pub(crate) fn new(
        rungs: Vec<RungThread>,
        audio: Option<AudioEncoder>,
        fps: Rational,
        sizes: Vec<(u32, u32)>,
        progress: &'p mut dyn FnMut(f32),
        stills: Stills,
        cancel: &'p AtomicBool,
    ) -> Self {
        Self {
            rungs,
            audio,
            fps,
            sizes,
            progress,
            stills,
            cancel,
            video_graph: None,
            audio_graph: None,
            first_seconds: None,
            reported: 0.0,
            video_end: None,
        }
    }

    /// Runs the source to its end and flushes every stage up to the rung
    /// threads; sending them [`Msg::End`] and joining them is left to the caller.
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
        let video_tb = info.video_stream.map_or(Rational::new(1, 1), time_base);
        let audio_tb = info.audio_stream.map_or(Rational::new(1, 1), time_base);

        let mut packet = Packet::empty();
        loop {
            if self.cancel.load(Ordering::Relaxed) {
                return Err(Error::Cancelled);
            }
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
            if Some(packet.stream()) == info.video_stream
                && let Some(dec) = video_dec.as_mut()
            {
                feed(dec, &packet)?;
                self.drain_video_decoder(dec, video_tb, &info)?;
            } else if Some(packet.stream()) == info.audio_stream
                && let Some(dec) = audio_dec.as_mut()
            {
                feed(dec, &packet)?;
                self.drain_audio_decoder(dec, audio_tb, &info)?;
            }
        }

        // Flush in order: decoders, filter graphs, encoders.
        if let Some(dec) = video_dec.as_mut() {
            dec.send_eof().step("flushing the video decoder")?;
            self.drain_video_decoder(dec, video_tb, &info)?;
        }
        if let Some(dec) = audio_dec.as_mut() {
            dec.send_eof().step("flushing the audio decoder")?;
            self.drain_audio_decoder(dec, audio_tb, &info)?;
        }
        match self.video_graph.as_mut() {
            Some(graph) => {
                graph.finish(self.video_end)?;
                self.drain_video_graph()?;
            }
            None if video_dec.is_some() => {
                return Err(Error::Unusable(
                    "映像を復号できません (no decodable video frames)".to_owned(),
                ));
            }
            None => {}
        }
        match self.audio_graph.as_mut() {
            Some(graph) => {
                graph.finish(None)?;
                self.drain_audio_graph()?;
            }
            None if video_dec.is_none() => {
                return Err(Error::Unusable(
                    "音声を復号できません (no decodable audio)".to_owned(),
                ));
            }
            None => {}
        }
        if let Some(audio) = self.audio.as_mut() {
            audio.finish()?;
            drain_audio_encoder(audio, &self.rungs)?;
        }
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
                    self.stills.plan(),
                )?),
            };
            graph.push(&frame)?;
            self.drain_video_graph()?;
        }
        Ok(())
    }

    fn drain_audio_decoder(
        &mut self,
        dec: &mut decoder::Audio,
        tb: Rational,
        info: &MediaInfo,
    ) -> Result<(), Error> {
        let audio_only = info.video_stream.is_none();
        let mut frame = frame::Audio::empty();
        while receive(dec, &mut frame)? {
            let ts = frame.timestamp();
            frame.set_pts(ts);
            if let (true, Some(ts)) = (audio_only, ts) {
                self.report(ts as f64 * f64::from(tb), info.duration_s);
            }
            // An audio-only source's poster is a picture of its waveform.
            let waveform = audio_only.then_some(stills::WAVEFORM);
            let graph = match self.audio_graph.as_mut() {
                Some(graph) => graph,
                None => self.audio_graph.insert(Graph::audio(&frame, tb, waveform)?),
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
        for (i, rung) in self.rungs.iter().take(self.sizes.len()).enumerate() {
            let tb = graph.time_base(i)?;
            loop {
                let mut frame = frame::Video::empty();
                let Pulled::Frame = graph.pull(i, &mut frame)? else {
                    break;
                };
                if i == 0 {
                    self.stills.count_frame();
                }
                rung.send(Msg::Video(frame, tb))?;
            }
        }
        self.stills.drain(graph)
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
            drain_audio_encoder(encoder, &self.rungs)?;
        }
        self.stills.drain(graph)
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

/// AAC is encoded once; every rung's muxer gets a reference to the same packet.
fn drain_audio_encoder(audio: &mut AudioEncoder, rungs: &[RungThread]) -> Result<(), Error> {
    let mut packet = Packet::empty();
    while audio.receive(&mut packet)? {
        for rung in rungs {
            rung.send(Msg::Audio(packet.clone()))?;
        }
    }
    Ok(())
}

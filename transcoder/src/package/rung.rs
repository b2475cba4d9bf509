//! One rendition on its own thread: libx264 and the rung's `hls` muxer, fed
//! through a bounded channel with filtered pictures and the shared AAC packets
//! (the audio-only rung has a muxer and no encoder).
//!
//! The channel is small on purpose: a slow encoder holds the decoder back
//! instead of letting decoded 1080p pictures pile up in memory.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use ffmpeg_next::util::frame;
use ffmpeg_next::{Packet, Rational};

use super::encode::VideoEncoder;
use super::mux::RungMuxer;
use crate::Error;

/// Messages queued per rung (pictures and audio packets together).
const QUEUE: usize = 8;

/// What the decoding thread sends to a rung.
pub(crate) enum Msg {
    /// A filtered picture and the time base of its timestamps.
    Video(frame::Video, Rational),
    /// An AAC packet (time base [`RungThread::spawn`]'s `audio_tb`).
    Audio(Packet),
    /// The input ended normally: flush the encoder and write the trailer.
    End,
}

/// A running rung: the sending side of its channel and its thread.
pub(crate) struct RungThread {
    name: String,
    tx: SyncSender<Msg>,
    handle: JoinHandle<Result<(), Error>>,
}

impl RungThread {
    /// Starts the thread that encodes and muxes one rung.
    pub(crate) fn spawn(
        name: &str,
        encoder: Option<VideoEncoder>,
        muxer: RungMuxer,
        audio_tb: Rational,
    ) -> Result<Self, Error> {
        let (tx, rx) = sync_channel(QUEUE);
        let handle = std::thread::Builder::new()
            .name(format!("rung-{name}"))
            .spawn(move || run(&rx, encoder, muxer, audio_tb))
            .map_err(|e| Error::Internal(format!("starting the {name} encoder thread: {e}")))?;
        Ok(Self {
            name: name.to_owned(),
            tx,
            handle,
        })
    }

    /// Queues a message, waiting while the queue is full. Fails only if the
    /// thread has stopped (its own error is returned by [`RungThread::join`]).
    pub(crate) fn send(&self, msg: Msg) -> Result<(), Error> {
        self.tx
            .send(msg)
            .map_err(|_| Error::Internal(format!("the {} encoder thread stopped", self.name)))
    }

    /// Waits for the thread and returns how it ended. Without a prior
    /// [`Msg::End`] the thread stops without finishing its output.
    pub(crate) fn join(self) -> Result<(), Error> {
        drop(self.tx);
        self.handle
            .join()
            .map_err(|_| Error::Internal(format!("the {} encoder thread panicked", self.name)))?
    }
}

fn run(
    rx: &Receiver<Msg>,
    mut encoder: Option<VideoEncoder>,
    mut muxer: RungMuxer,
    audio_tb: Rational,
) -> Result<(), Error> {
    let mut packet = Packet::empty();
    // A closed channel without `End` means the decoding side gave up: stop quietly.
    while let Ok(msg) = rx.recv() {
        match msg {
            Msg::Video(mut picture, tb) => {
                if let Some(encoder) = encoder.as_mut() {
                    encoder.send(&mut picture, tb)?;
                    while encoder.receive(&mut packet)? {
                        muxer.write_video(&mut packet, encoder.time_base)?;
                    }
                }
            }
            Msg::Audio(audio) => muxer.write_audio(&audio, audio_tb)?,
            Msg::End => {
                if let Some(encoder) = encoder.as_mut() {
                    encoder.finish()?;
                    while encoder.receive(&mut packet)? {
                        muxer.write_video(&mut packet, encoder.time_base)?;
                    }
                }
                return muxer.finish();
            }
        }
    }
    Ok(())
}

//! Feeding decoders and draining them, tolerant of damage as players are.

use ffmpeg_next::util::frame;
use ffmpeg_next::{Packet, decoder};

use super::graph::is_again_or_eof;
use crate::Error;

/// Sends a packet to a decoder; a damaged packet is skipped, as players do.
pub(crate) fn feed(dec: &mut decoder::Opened, packet: &Packet) -> Result<(), Error> {
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
pub(crate) fn receive(dec: &mut decoder::Opened, frame: &mut frame::Frame) -> Result<bool, Error> {
    match dec.receive_frame(frame) {
        Ok(()) => Ok(true),
        Err(e) if is_again_or_eof(&e) => Ok(false),
        Err(ffmpeg_next::Error::InvalidData) => Ok(false),
        Err(e) => Err(Error::ffmpeg("decoding", e)),
    }
}

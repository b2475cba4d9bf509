//! One libavformat `hls` muxer per rung: fMP4 segments, VOD playlist.
//! The muxer writes local files only, so packaging happens in a local work
//! directory that the caller publishes afterwards.

use std::path::Path;

use ffmpeg_next::{Dictionary, Packet, Rational, format};

use super::encode::{AudioEncoder, VideoEncoder};
use crate::error::{Context, Error};

/// Name of the fMP4 initialisation segment in each rung directory.
pub(crate) const INIT: &str = "init.mp4";
/// Name of the media playlist in each rung directory.
pub(crate) const PLAYLIST: &str = "index.m3u8";

/// A rung's muxer, with the stream (index, time base) it settled on.
pub(crate) struct RungMuxer {
    output: format::context::Output,
    video: Option<(usize, Rational)>,
    audio: Option<(usize, Rational)>,
}

impl RungMuxer {
    /// Creates `dir/index.m3u8` with a video stream, an audio stream or both
    /// (video first).
    pub(crate) fn open(
        dir: &Path,
        video: Option<&VideoEncoder>,
        audio: Option<&AudioEncoder>,
        segment_seconds: u32,
    ) -> Result<Self, Error> {
        let mut output =
            format::output_as(&dir.join(PLAYLIST), "hls").step("creating the HLS muxer")?;
        if let Some(video) = video {
            let mut stream = output
                .add_stream(video.codec().codec())
                .step("adding the video stream")?;
            stream.set_parameters(video.codec());
            stream.set_time_base(video.time_base);
        }
        if let Some(audio) = audio {
            let mut stream = output
                .add_stream(audio.codec().codec())
                .step("adding the audio stream")?;
            stream.set_parameters(audio.codec());
            stream.set_time_base(audio.time_base);
        }

        let segments = dir.join("seg_%05d.m4s");
        let segments = segments.to_str().ok_or_else(|| {
            Error::Internal(format!("work directory is not UTF-8: {}", dir.display()))
        })?;
        let mut opts = Dictionary::new();
        opts.set("hls_time", &segment_seconds.to_string());
        opts.set("hls_segment_type", "fmp4");
        opts.set("hls_playlist_type", "vod");
        opts.set("hls_fmp4_init_filename", INIT);
        opts.set("hls_segment_filename", segments);
        opts.set("hls_flags", "independent_segments");
        let unused: Vec<String> = {
            let left = output
                .write_header_with(opts)
                .step("writing the HLS header")?;
            left.iter().map(|(k, v)| format!("{k}={v}")).collect()
        };
        // libavformat hands back what it did not recognise instead of failing.
        if !unused.is_empty() {
            return Err(Error::Internal(format!(
                "HLS muxer ignored options: {}",
                unused.join(", ")
            )));
        }

        // The muxer may have changed the time bases: read them back.
        let time_base = |i: usize| output.stream(i).map(|s| (i, s.time_base()));
        let video = match video {
            Some(_) => Some(
                time_base(0)
                    .ok_or_else(|| Error::Internal("HLS muxer lost its video stream".to_owned()))?,
            ),
            None => None,
        };
        let audio = audio.and_then(|_| time_base(usize::from(video.is_some())));
        Ok(Self {
            output,
            video,
            audio,
        })
    }

    /// Writes a video packet whose timestamps are in `tb`.
    pub(crate) fn write_video(&mut self, packet: &mut Packet, tb: Rational) -> Result<(), Error> {
        let Some((index, video_tb)) = self.video else {
            return Ok(());
        };
        packet.rescale_ts(tb, video_tb);
        packet.set_stream(index);
        packet
            .write_interleaved(&mut self.output)
            .step("muxing video")
    }

    /// Writes a copy of a shared audio packet whose timestamps are in `tb`.
    pub(crate) fn write_audio(&mut self, packet: &Packet, tb: Rational) -> Result<(), Error> {
        let Some((index, audio_tb)) = self.audio else {
            return Ok(());
        };
        let mut copy = packet.clone();
        copy.rescale_ts(tb, audio_tb);
        copy.set_stream(index);
        copy.write_interleaved(&mut self.output)
            .step("muxing audio")
    }

    /// Writes the trailer: the last segment and the playlist.
    pub(crate) fn finish(mut self) -> Result<(), Error> {
        self.output.write_trailer().step("finishing the HLS muxer")
    }
}

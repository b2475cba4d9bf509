//! The libavfilter graphs of the pipeline: one video graph that turns decoded
//! source frames into one picture stream per rung (plus the poster and the
//! thumbnail sprite), one audio graph that turns source audio into
//! 1024-sample 48 kHz stereo planar-float frames for the AAC encoder (plus
//! the waveform poster of an audio-only source). Both are built from the
//! first decoded frame, as the `ffmpeg` command does, so the source format is
//! known exactly.

use ffmpeg_next::util::frame;
use ffmpeg_next::{ChannelLayout, Rational};

use super::graph::{AAC_FRAME, AUDIO_RATE, Graph};
use crate::error::Error;
use crate::probe::Rotation;

/// The extra stills drawn from the video graph, besides the rungs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StillPlan {
    /// Poster: the frame number (after the frame-rate filter) and its size.
    pub(crate) poster: Option<(u64, (u32, u32))>,
    /// Seek thumbnails: one frame every `every` frames, `tile` pixels each,
    /// laid out `grid` (columns, rows) in one sprite.
    pub(crate) thumbs: Option<ThumbPlan>,
}

/// How the thumbnail sprite is laid out.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ThumbPlan {
    /// Frames between thumbnails.
    pub(crate) every: u64,
    /// Size of one thumbnail.
    pub(crate) tile: (u32, u32),
    /// Columns and rows of the sprite.
    pub(crate) grid: (u32, u32),
}

/// Sink name of the poster picture.
pub(crate) const POSTER: &str = "poster";
/// Sink name of the thumbnail sprite.
pub(crate) const THUMBS: &str = "thumbs";

impl Graph {
    /// `buffer → [bwdif] → [rotation] → fps → format=yuv420p → split →
    /// scale Wi:Hi` per rung, rung `i` on output `i` (sizes largest first),
    /// plus the poster and thumbnail branches of `stills`.
    pub(crate) fn video(
        first: &frame::Video,
        time_base: Rational,
        rotation: Rotation,
        fps: Rational,
        sizes: &[(u32, u32)],
        stills: StillPlan,
    ) -> Result<Self, Error> {
        let sar = first.aspect_ratio();
        let sar = if sar.numerator() > 0 && sar.denominator() > 0 {
            sar
        } else {
            Rational::new(1, 1)
        };
        let args = format!(
            "video_size={}x{}:pix_fmt={}:time_base={}/{}:pixel_aspect={}/{}",
            first.width(),
            first.height(),
            ffmpeg_next::ffi::AVPixelFormat::from(first.format()) as i32,
            time_base.numerator(),
            time_base.denominator(),
            sar.numerator(),
            sar.denominator(),
        );
        // Interlaced sources (recorders' MPEG-TS) are deinterlaced first, one
        // frame per frame; `deint=interlaced` passes progressive frames through.
        let deinterlace = if first.is_interlaced() {
            "bwdif=mode=send_frame:parity=auto:deint=interlaced,"
        } else {
            ""
        };
        let rotate = rotation
            .filter()
            .map(|f| format!("{f},"))
            .unwrap_or_default();
        // One branch per rung, then the stills.
        let mut branches: Vec<String> = (0..sizes.len()).map(|i| format!("[c{i}]")).collect();
        let mut extra = String::new();
        let mut sinks: Vec<String> = (0..sizes.len()).map(|i| format!("out{i}")).collect();
        if let Some((n, (w, h))) = stills.poster {
            branches.push("[p]".to_owned());
            extra.push_str(&format!(
                ";[p]select=eq(n\\,{n}),scale={w}:{h}:out_range=full,setsar=1,format=yuv420p[{POSTER}]"
            ));
            sinks.push(POSTER.to_owned());
        }
        if let Some(t) = stills.thumbs {
            branches.push("[t]".to_owned());
            extra.push_str(&format!(
                ";[t]select=not(mod(n\\,{})),scale={}:{}:out_range=full,setsar=1,tile={}x{},format=yuv420p[{THUMBS}]",
                t.every, t.tile.0, t.tile.1, t.grid.0, t.grid.1
            ));
            sinks.push(THUMBS.to_owned());
        }
        // Frame rate and pixel format are converted once, before the split.
        // Each rung is scaled from the source, not from the next larger rung:
        // a cascade is cheaper but measurably blurrier (−0.2 to −1.6 dB PSNR
        // at 540p/360p against the source in benches/transcode_vs_ffmpeg.sh).
        let mut spec = format!(
            "[in]{deinterlace}{rotate}fps={}/{},format=yuv420p,split={}{}",
            fps.numerator(),
            fps.denominator(),
            branches.len(),
            branches.concat(),
        );
        for (i, (w, h)) in sizes.iter().enumerate() {
            spec.push_str(&format!(";[c{i}]scale={w}:{h},setsar=1[out{i}]"));
        }
        spec.push_str(&extra);
        Self::build("buffer", &args, &spec, &sinks, &[])
    }

    /// `abuffer → aresample=48000 → aformat=fltp stereo → asetnsamples=1024`
    /// on output 0; with `waveform`, also a picture of the whole sound of
    /// that size on [`POSTER`] (the poster of an audio-only source).
    pub(crate) fn audio(
        first: &frame::Audio,
        time_base: Rational,
        waveform: Option<(u32, u32)>,
    ) -> Result<Self, Error> {
        let layout = match first.channel_layout() {
            l if l.is_empty() || l.channels() != i32::from(first.channels()) => {
                ChannelLayout::default(i32::from(first.channels()))
            }
            l => l,
        };
        let args = format!(
            "time_base={}/{}:sample_rate={}:sample_fmt={}:channel_layout=0x{:x}",
            time_base.numerator(),
            time_base.denominator(),
            first.rate(),
            first.format().name(),
            layout.bits(),
        );
        let aac = format!(
            "aresample={AUDIO_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo,\
             asetnsamples=n={AAC_FRAME}:p=1[out0]"
        );
        match waveform {
            None => Self::build(
                "abuffer",
                &args,
                &format!("[in]{aac}"),
                &["out0".into()],
                &[],
            ),
            // showwavespic keeps all it is given until the end: give it little (2 kHz mono).
            Some((w, h)) => Self::build(
                "abuffer",
                &args,
                &format!(
                    "[in]asplit=2[a][w];[a]{aac};[w]aresample=2000,aformat=channel_layouts=mono,\
                     showwavespic=s={w}x{h}:colors=0x5ab4e5,scale=out_range=full,format=yuv420p[{POSTER}]"
                ),
                &["out0".into()],
                &[POSTER.to_owned()],
            ),
        }
    }
}

//! The libavfilter graphs: one video graph that turns decoded source frames
//! into one picture stream per rung, one audio graph that turns source audio
//! into 1024-sample 48 kHz stereo planar-float frames for the AAC encoder.
//! Both are built from the first decoded frame, as the `ffmpeg` command does,
//! so the source format is known exactly.

use ffmpeg_next::util::frame;
use ffmpeg_next::{ChannelLayout, Rational, filter};

use crate::error::{Context, Error};
use crate::probe::Rotation;

/// Sample rate of every rendition's audio (Apple's HLS Authoring Specification).
pub(crate) const AUDIO_RATE: i32 = 48_000;
/// Samples per AAC-LC frame.
pub(crate) const AAC_FRAME: usize = 1024;

/// A configured graph with one `buffer`/`abuffer` source (`in`) and sinks
/// `out0`, `out1`, ….
pub(crate) struct Graph {
    graph: filter::Graph,
    sinks: Vec<String>,
}

/// What [`Graph::pull`] found.
pub(crate) enum Pulled {
    /// A frame was written into the caller's frame.
    Frame,
    /// Nothing now: push more input (or the graph has ended).
    Empty,
}

impl Graph {
    /// `buffer → [rotation] → fps → format=yuv420p → split=N → scale W:H per rung`.
    pub(crate) fn video(
        first: &frame::Video,
        time_base: Rational,
        rotation: Rotation,
        fps: Rational,
        sizes: &[(u32, u32)],
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
        let rotate = rotation
            .filter()
            .map(|f| format!("{f},"))
            .unwrap_or_default();
        let labels: String = (0..sizes.len()).map(|i| format!("[s{i}]")).collect();
        let mut spec = format!(
            "[in]{rotate}fps={}/{},format=yuv420p,split={}{labels}",
            fps.numerator(),
            fps.denominator(),
            sizes.len()
        );
        for (i, (w, h)) in sizes.iter().enumerate() {
            spec.push_str(&format!(";[s{i}]scale={w}:{h},setsar=1[out{i}]"));
        }
        Self::build("buffer", "buffersink", &args, &spec, sizes.len())
    }

    /// `abuffer → aresample=48000 → aformat=fltp stereo → asetnsamples=1024`.
    pub(crate) fn audio(first: &frame::Audio, time_base: Rational) -> Result<Self, Error> {
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
        let spec = format!(
            "[in]aresample={AUDIO_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo,\
             asetnsamples=n={AAC_FRAME}:p=1[out0]"
        );
        Self::build("abuffer", "abuffersink", &args, &spec, 1)
    }

    fn build(
        source: &str,
        sink: &str,
        args: &str,
        spec: &str,
        outputs: usize,
    ) -> Result<Self, Error> {
        let find = |name: &str| {
            filter::find(name)
                .ok_or_else(|| Error::Internal(format!("libavfilter lacks the {name} filter")))
        };
        let mut graph = filter::Graph::new();
        graph
            .add(&find(source)?, "in", args)
            .step("creating the filter source")?;
        let sinks: Vec<String> = (0..outputs).map(|i| format!("out{i}")).collect();
        for name in &sinks {
            graph
                .add(&find(sink)?, name, "")
                .step("creating a filter sink")?;
        }
        let mut parser = graph.output("in", 0).step("linking the filter source")?;
        for name in &sinks {
            parser = parser.input(name, 0).step("linking a filter sink")?;
        }
        parser
            .parse(spec)
            .map_err(|e| Error::Internal(format!("filter graph `{spec}`: {e}")))?;
        graph
            .validate()
            .map_err(|e| Error::Internal(format!("filter graph `{spec}`: {e}")))?;
        Ok(Self { graph, sinks })
    }

    /// Feeds one decoded frame into the source.
    pub(crate) fn push(&mut self, frame: &frame::Frame) -> Result<(), Error> {
        self.source()?
            .source()
            .add(frame)
            .step("feeding the filter graph")
    }

    /// Signals the end of input; the sinks then drain what is left. `end` is
    /// when the last frame *ends* (source time base): without it the `fps`
    /// filter takes the last frame's start as the end and drops that frame.
    pub(crate) fn finish(&mut self, end: Option<i64>) -> Result<(), Error> {
        let mut source = self.source()?;
        match end {
            Some(pts) => source.source().close(pts),
            None => source.source().flush(),
        }
        .step("flushing the filter graph")
    }

    /// Takes the next filtered frame from output `index`, if one is ready.
    pub(crate) fn pull(&mut self, index: usize, frame: &mut frame::Frame) -> Result<Pulled, Error> {
        let name = self
            .sinks
            .get(index)
            .ok_or_else(|| Error::Internal(format!("no filter output {index}")))?;
        let mut sink = self
            .graph
            .get(name)
            .ok_or_else(|| Error::Internal(format!("filter {name} missing")))?;
        match sink.sink().frame(frame) {
            Ok(()) => Ok(Pulled::Frame),
            Err(e) if is_again_or_eof(&e) => Ok(Pulled::Empty),
            Err(e) => Err(Error::ffmpeg("pulling from the filter graph", e)),
        }
    }

    /// The time base of frames coming out of output `index`.
    pub(crate) fn time_base(&mut self, index: usize) -> Result<Rational, Error> {
        let name = self
            .sinks
            .get(index)
            .ok_or_else(|| Error::Internal(format!("no filter output {index}")))?;
        let mut sink = self
            .graph
            .get(name)
            .ok_or_else(|| Error::Internal(format!("filter {name} missing")))?;
        Ok(sink.sink().time_base())
    }

    fn source(&mut self) -> Result<filter::Context, Error> {
        self.graph
            .get("in")
            .ok_or_else(|| Error::Internal("filter source missing".to_owned()))
    }
}

/// `EAGAIN` (needs more input) or end of stream: both mean "stop draining".
pub(crate) fn is_again_or_eof(e: &ffmpeg_next::Error) -> bool {
    matches!(e, ffmpeg_next::Error::Eof)
        || matches!(e, ffmpeg_next::Error::Other { errno } if *errno == ffmpeg_next::util::error::EAGAIN)
}

//! A libavfilter graph with one source and named sinks: build, push, pull,
//! flush. What the graphs hold is in `filters`.

use ffmpeg_next::util::frame;
use ffmpeg_next::{Rational, filter};

use crate::error::{Context, Error};

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
    /// A graph from `source` (`buffer` or `abuffer`) through `spec` into
    /// sinks named `same_kind` (of the source's media type) then `other_kind`;
    /// the sinks' order is their index for [`Graph::pull`].
    pub(super) fn build(
        source: &str,
        args: &str,
        spec: &str,
        same_kind: &[String],
        other_kind: &[String],
    ) -> Result<Self, Error> {
        let find = |name: &str| {
            filter::find(name)
                .ok_or_else(|| Error::Internal(format!("libavfilter lacks the {name} filter")))
        };
        let (same, other) = if source == "abuffer" {
            ("abuffersink", "buffersink")
        } else {
            ("buffersink", "abuffersink")
        };
        let mut graph = filter::Graph::new();
        graph
            .add(&find(source)?, "in", args)
            .step("creating the filter source")?;
        let sinks: Vec<String> = same_kind.iter().chain(other_kind).cloned().collect();
        for (i, name) in sinks.iter().enumerate() {
            let kind = if i < same_kind.len() { same } else { other };
            graph
                .add(&find(kind)?, name, "")
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

    /// The index of the sink named `name`, if the graph has it.
    pub(crate) fn sink(&self, name: &str) -> Option<usize> {
        self.sinks.iter().position(|s| s == name)
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
        match self.output(index)?.sink().frame(frame) {
            Ok(()) => Ok(Pulled::Frame),
            Err(e) if is_again_or_eof(&e) => Ok(Pulled::Empty),
            Err(e) => Err(Error::ffmpeg("pulling from the filter graph", e)),
        }
    }

    /// The time base of frames coming out of output `index`.
    pub(crate) fn time_base(&mut self, index: usize) -> Result<Rational, Error> {
        Ok(self.output(index)?.sink().time_base())
    }

    /// The sink filter context of output `index`.
    fn output(&mut self, index: usize) -> Result<filter::Context, Error> {
        let name = self
            .sinks
            .get(index)
            .ok_or_else(|| Error::Internal(format!("no filter output {index}")))?;
        self.graph
            .get(name)
            .ok_or_else(|| Error::Internal(format!("filter {name} missing")))
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

//! Still pictures learners see before and while seeking: `poster.jpg`, the
//! `thumbs.jpg` sprite and its WebVTT track `thumbs.vtt` (cues pointing at
//! `thumbs.jpg#xywh=x,y,w,h`). The pictures come out of branches of the
//! same filter graphs as the rungs (no second decode); here they are
//! JPEG-encoded (FFmpeg's `mjpeg`) and written.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use ffmpeg_next::format::Pixel;
use ffmpeg_next::util::frame;
use ffmpeg_next::{Dictionary, Packet, Rational, codec, encoder};

use super::filters::{POSTER, StillPlan, THUMBS, ThumbPlan};
use super::graph::{Graph, Pulled, is_again_or_eof};
use crate::error::{Context, Error};

/// File name of the poster picture.
pub(crate) const POSTER_FILE: &str = "poster.jpg";
/// File name of the thumbnail sprite.
pub(crate) const SPRITE_FILE: &str = "thumbs.jpg";
/// File name of the WebVTT thumbnails track.
pub(crate) const VTT_FILE: &str = "thumbs.vtt";

/// Seconds between seek thumbnails (longer for very long videos).
const THUMB_SECONDS: f64 = 5.0;
/// Most thumbnails in one sprite.
const MAX_THUMBS: f64 = 1000.0;
/// Thumbnails per sprite row.
const COLUMNS: u32 = 10;
/// Thumbnail height in pixels (width follows the aspect ratio).
const THUMB_HEIGHT: u32 = 90;
/// Size of the waveform poster of an audio-only source.
pub(crate) const WAVEFORM: (u32, u32) = (1280, 720);
/// Widest poster, in pixels.
pub(crate) const POSTER_WIDTH: u32 = 1280;

/// Collects the stills coming out of the filter graphs and writes them.
pub(crate) struct Stills {
    dir: PathBuf,
    plan: StillPlan,
    fps: f64,
    /// Pictures that went to the top rung (thumbnails are taken every `every` of them).
    frames: u64,
    poster: bool,
    sprite: bool,
}

impl Stills {
    /// Stills for `dir` as `plan` says, from pictures at `fps`.
    pub(crate) fn new(dir: &Path, plan: StillPlan, fps: Rational) -> Self {
        Self {
            dir: dir.to_owned(),
            plan,
            fps: f64::from(fps),
            frames: 0,
            poster: false,
            sprite: false,
        }
    }

    /// What the video graph must draw.
    pub(crate) fn plan(&self) -> StillPlan {
        self.plan
    }

    /// Counts one picture of the top rung.
    pub(crate) fn count_frame(&mut self) {
        self.frames += 1;
    }

    /// Writes whatever poster or sprite `graph` has ready (the first of each).
    pub(crate) fn drain(&mut self, graph: &mut Graph) -> Result<(), Error> {
        for (name, file) in [(POSTER, POSTER_FILE), (THUMBS, SPRITE_FILE)] {
            let Some(index) = graph.sink(name) else {
                continue;
            };
            let mut picture = frame::Video::empty();
            while let Pulled::Frame = graph.pull(index, &mut picture)? {
                let done = if name == POSTER {
                    &mut self.poster
                } else {
                    &mut self.sprite
                };
                if !*done {
                    write_jpeg(&picture, &self.dir.join(file))?;
                    *done = true;
                }
            }
        }
        Ok(())
    }

    /// Writes `thumbs.vtt` for a video of `duration_s`; returns the poster's
    /// and the thumbnail track's paths relative to the output directory.
    pub(crate) fn finish(
        &self,
        duration_s: f64,
    ) -> Result<(Option<String>, Option<String>), Error> {
        let thumbnails = match (self.sprite, self.plan.thumbs) {
            (true, Some(plan)) => {
                let count = self.frames.div_ceil(plan.every);
                let every_s = plan.every as f64 / self.fps;
                write_vtt(&self.dir.join(VTT_FILE), &plan, count, every_s, duration_s)?;
                Some(VTT_FILE.to_owned())
            }
            _ => None,
        };
        Ok((self.poster.then(|| POSTER_FILE.to_owned()), thumbnails))
    }
}

/// What to draw from a `width`×`height` picture stream at `fps` lasting `duration_s`.
pub(crate) fn plan(width: u32, height: u32, fps: Rational, duration_s: f64) -> StillPlan {
    let fps = f64::from(fps);
    let poster_frame = (duration_s * 0.1 * fps).floor() as u64;
    let (pw, ph) = if width > POSTER_WIDTH {
        (
            POSTER_WIDTH,
            even(f64::from(height) * f64::from(POSTER_WIDTH) / f64::from(width)),
        )
    } else {
        (width, height)
    };
    let seconds = THUMB_SECONDS.max(duration_s / MAX_THUMBS).ceil();
    let every = (seconds * fps).round().max(1.0) as u64;
    // One spare: the probed duration may be a little short of the frames.
    let count = ((duration_s * fps).ceil() as u64).div_ceil(every) + 1;
    let rows = u32::try_from(count.div_ceil(u64::from(COLUMNS))).unwrap_or(u32::MAX);
    let tile = (
        even(f64::from(width) * f64::from(THUMB_HEIGHT) / f64::from(height.max(1))),
        THUMB_HEIGHT,
    );
    StillPlan {
        poster: Some((poster_frame, (pw, ph))),
        thumbs: Some(ThumbPlan {
            every,
            tile,
            grid: (COLUMNS.min(count as u32).max(1), rows.max(1)),
        }),
    }
}

fn even(x: f64) -> u32 {
    (((x / 2.0).round() as u32) * 2).max(2)
}

/// Encodes one full-range `yuv420p` picture as a JPEG file at `path`.
pub(crate) fn write_jpeg(picture: &frame::Video, path: &Path) -> Result<(), Error> {
    let codec = encoder::find(codec::Id::MJPEG)
        .ok_or_else(|| Error::Internal("FFmpeg was built without the mjpeg encoder".to_owned()))?;
    let mut enc = codec::Context::new_with_codec(codec)
        .encoder()
        .video()
        .step("allocating mjpeg")?;
    enc.set_width(picture.width());
    enc.set_height(picture.height());
    // Full-range 4:2:0 is what JPEG means by 4:2:0 (the `yuvj` formats are deprecated).
    enc.set_format(Pixel::YUV420P);
    enc.set_color_range(ffmpeg_next::color::Range::JPEG);
    enc.set_time_base(Rational::new(1, 25));
    // Quantiser held at 3 (of 2–31), as `-q:v 3`: a crisp, small still.
    enc.set_qmin(3);
    enc.set_qmax(3);
    let mut enc = enc.open_with(Dictionary::new()).step("opening mjpeg")?;
    let mut still = picture.clone();
    still.set_pts(Some(0));
    still.set_kind(ffmpeg_next::picture::Type::None);
    enc.send_frame(&still).step("encoding a JPEG")?;
    enc.send_eof().step("flushing mjpeg")?;
    let mut packet = Packet::empty();
    match enc.receive_packet(&mut packet) {
        Ok(()) => {}
        Err(e) if is_again_or_eof(&e) => {
            return Err(Error::Internal("mjpeg produced no picture".to_owned()));
        }
        Err(e) => return Err(Error::ffmpeg("encoding a JPEG", e)),
    }
    let data = packet
        .data()
        .ok_or_else(|| Error::Internal("mjpeg produced an empty picture".to_owned()))?;
    std::fs::write(path, data).map_err(|e| Error::io(path, &e))
}

/// Writes the WebVTT thumbnails track for `count` thumbnails laid out as
/// `plan` says, each covering `every_s` seconds, the last ending at `duration_s`.
pub(crate) fn write_vtt(
    path: &Path,
    plan: &ThumbPlan,
    count: u64,
    every_s: f64,
    duration_s: f64,
) -> Result<(), Error> {
    let mut vtt = String::from("WEBVTT\n");
    let (w, h) = plan.tile;
    let columns = u64::from(plan.grid.0.max(1));
    let capacity = columns * u64::from(plan.grid.1);
    for i in 0..count.min(capacity) {
        let start = i as f64 * every_s;
        if start >= duration_s {
            break;
        }
        let end = ((i + 1) as f64 * every_s).min(duration_s);
        let (x, y) = ((i % columns) as u32 * w, (i / columns) as u32 * h);
        let _ = write!(
            vtt,
            "\n{} --> {}\n{SPRITE_FILE}#xywh={x},{y},{w},{h}\n",
            timestamp(start),
            timestamp(end)
        );
    }
    std::fs::write(path, vtt).map_err(|e| Error::io(path, &e))
}

/// `HH:MM:SS.mmm` (WebVTT cue timing).
fn timestamp(seconds: f64) -> String {
    domain::webvtt::timestamp((seconds * 1000.0).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_for_a_minute_of_1080p() {
        let p = plan(1920, 1080, Rational::new(30, 1), 60.0);
        assert_eq!(p.poster, Some((180, (1280, 720))));
        let t = p.thumbs.expect("thumbnails");
        assert_eq!((t.every, t.tile, t.grid), (150, (160, 90), (10, 2)));
    }

    #[test]
    fn cue_timestamps() {
        assert_eq!(timestamp(0.0), "00:00:00.000");
        assert_eq!(timestamp(3725.5), "01:02:05.500");
    }
}

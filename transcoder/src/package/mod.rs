//! Packaging: decode the source once into N renditions (H.264 High + AAC-LC),
//! each muxed as HLS fMP4 into `{outdir}/{rung}/`, then `master.m3u8`.
//!
//! ```text
//! master.m3u8
//! {rung}/index.m3u8   media playlist (VOD)
//! {rung}/init.mp4     fMP4 init segment (EXT-X-MAP)
//! {rung}/seg_00000.m4s …
//! ```
//!
//! A rotation tag (display matrix) is honoured with `transpose`/`hflip,vflip`
//! before scaling; rung widths follow the displayed aspect ratio.

mod encode;
mod graph;
mod mux;
mod pipeline;
mod playlist;

use std::path::Path;

use ffmpeg_next::Rational;

use self::encode::{AudioEncoder, VideoEncoder};
use self::mux::{INIT, PLAYLIST, RungMuxer};
use self::pipeline::{Pipeline, RungOut};
use crate::{Error, Packaged, Rendition, Settings, probe};

/// Packages `input` into HLS under `outdir` (which exists and is empty).
///
/// `progress` receives a non-decreasing fraction in 0..=1 as decoding
/// advances, and exactly 1.0 once everything is flushed. Input that cannot be
/// used is [`Error::Unusable`]; anything else is [`Error::Internal`].
pub fn package(
    input: &Path,
    outdir: &Path,
    settings: &Settings,
    progress: &mut dyn FnMut(f32),
) -> Result<Packaged, Error> {
    check(settings)?;
    let source = probe::open(input, settings.max_duration_s)?;
    let info = source.info.clone();
    let fps = frame_rate(info.frame_rate, settings.max_fps);
    let rungs = settings.ladder.for_source(info.height);
    if rungs.is_empty() {
        return Err(Error::Internal("the ladder has no rungs".to_owned()));
    }
    let sizes: Vec<(u32, u32)> = rungs
        .iter()
        .map(|r| (even_width(info.width, info.height, r.height), r.height))
        .collect();
    // The thread budget is shared: several encoders with automatic threads oversubscribe the cores.
    let threads = (settings.threads / rungs.len()).max(1);

    let audio = match source.audio {
        Some(_) => Some(AudioEncoder::open(settings.audio_kbps)?),
        None => None,
    };
    let mut outputs = Vec::with_capacity(rungs.len());
    for (rung, &size) in rungs.iter().zip(&sizes) {
        let dir = outdir.join(&rung.name);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, &e))?;
        let encoder = VideoEncoder::open(size, fps, rung.max_kbps, settings, threads)?;
        let muxer = RungMuxer::open(&dir, &encoder, audio.as_ref(), settings.segment_seconds)?;
        outputs.push(RungOut { encoder, muxer });
    }

    let mut pipeline = Pipeline::new(outputs, audio, fps, sizes.clone(), progress);
    pipeline.run(source)?;
    let has_audio = pipeline.audio.is_some();
    for rung in std::mem::take(&mut pipeline.rungs) {
        rung.muxer.finish()?;
    }

    let mut renditions = Vec::with_capacity(rungs.len());
    for (rung, (width, height)) in rungs.iter().zip(sizes) {
        let dir = outdir.join(&rung.name);
        let measured = playlist::finish_media(&dir)?;
        let init_path = dir.join(INIT);
        let init = std::fs::read(&init_path).map_err(|e| Error::io(&init_path, &e))?;
        let video = playlist::avc_codec(&init).ok_or_else(|| {
            Error::Internal(format!("no H.264 configuration in {}", init_path.display()))
        })?;
        let codecs = if has_audio {
            format!("{video},mp4a.40.2")
        } else {
            video
        };
        renditions.push(Rendition {
            name: rung.name.clone(),
            width,
            height,
            bandwidth: measured.peak_bps,
            average_bandwidth: measured.average_bps,
            codecs,
            playlist: format!("{}/{PLAYLIST}", rung.name),
        });
    }
    playlist::write_master(outdir, &renditions, f64::from(fps))?;
    Ok(Packaged {
        duration_s: info.duration_s,
        renditions,
    })
}

/// Rejects settings the pipeline cannot honour (a deployment error, not the editor's).
fn check(settings: &Settings) -> Result<(), Error> {
    let bad = |why: &str| {
        Err(Error::Internal(format!(
            "invalid transcoder settings: {why}"
        )))
    };
    if settings.segment_seconds == 0 || settings.keyframe_seconds == 0 || settings.max_fps == 0 {
        return bad("segment_seconds, keyframe_seconds and max_fps must be positive");
    }
    if !settings
        .segment_seconds
        .is_multiple_of(settings.keyframe_seconds)
    {
        return bad("segment_seconds must be a multiple of keyframe_seconds");
    }
    let safe = |name: &str| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if !settings.ladder.rungs.iter().all(|r| safe(&r.name)) {
        return bad("rung names must be plain directory names");
    }
    Ok(())
}

/// The output frame rate: the source's, capped at `max_fps`.
fn frame_rate(source: Rational, max_fps: u32) -> Rational {
    let cap = i32::try_from(max_fps).unwrap_or(i32::MAX);
    if source.numerator() <= 0 || source.denominator() <= 0 || f64::from(source) > f64::from(cap) {
        Rational::new(cap, 1)
    } else {
        source.reduce()
    }
}

/// Width for `height` keeping the displayed aspect ratio, rounded to even (`scale=-2:h`).
fn even_width(width: u32, height: u32, target_height: u32) -> u32 {
    let exact = f64::from(width) * f64::from(target_height) / f64::from(height.max(1));
    (((exact / 2.0).round() as u32) * 2).max(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_the_aspect_ratio_and_stay_even() {
        assert_eq!(even_width(640, 360, 240), 426);
        assert_eq!(even_width(1920, 1080, 360), 640);
        assert_eq!(even_width(1080, 1920, 360), 202);
    }

    #[test]
    fn frame_rate_is_capped() {
        assert_eq!(frame_rate(Rational::new(60, 1), 30), Rational::new(30, 1));
        assert_eq!(
            frame_rate(Rational::new(30000, 1001), 30),
            Rational::new(30000, 1001)
        );
        assert_eq!(frame_rate(Rational::new(0, 0), 30), Rational::new(30, 1));
    }
}

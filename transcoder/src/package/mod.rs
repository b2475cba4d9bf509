//! Packaging: decode the source once into N renditions (H.264 High + AAC-LC),
//! each muxed as HLS fMP4 into `{outdir}/{rung}/`, an audio-only rendition
//! in `{outdir}/audio/`, the stills, then `master.m3u8`. Decoding and
//! filtering run on the calling thread; each rung's encoder and muxer run
//! on a thread of their own (see `rung`).
//!
//! ```text
//! master.m3u8
//! {rung}/index.m3u8   media playlist (VOD)
//! {rung}/init.mp4     fMP4 init segment (EXT-X-MAP)
//! {rung}/seg_00000.m4s …
//! {rung}/iframes.m3u8 I-frame playlist (byte ranges into the segments)
//! audio/…             the audio-only rendition, same layout
//! poster.jpg, thumbs.jpg, thumbs.vtt
//! ```
//!
//! A rotation tag (display matrix) is honoured with `transpose`/`hflip,vflip`
//! before scaling; rung widths follow the displayed aspect ratio.

pub(crate) mod decode;
mod encode;
mod filters;
mod graph;
mod iframes;
mod mux;
mod pipeline;
mod plan;
mod playlist;
mod rung;
pub(crate) mod stills;

use std::path::Path;
use std::sync::atomic::AtomicBool;

use ffmpeg_next::Rational;

use self::encode::{AudioEncoder, VideoEncoder};
use self::mux::{INIT, PLAYLIST, RungMuxer};
use self::pipeline::Pipeline;
use self::rung::{Msg, RungThread};
use self::stills::Stills;
use crate::{AudioRendition, Error, Packaged, Rendition, Settings, probe};

/// Directory of the audio-only rendition.
const AUDIO_DIR: &str = "audio";
/// RFC 6381 codecs string of AAC-LC.
const AAC: &str = "mp4a.40.2";

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
    package_cancellable(input, outdir, settings, progress, &AtomicBool::new(false))
}

/// [`package`] that stops with [`Error::Cancelled`] soon after `cancel` is
/// set (checked for every packet read), leaving a partial `outdir`.
pub fn package_cancellable(
    input: &Path,
    outdir: &Path,
    settings: &Settings,
    progress: &mut dyn FnMut(f32),
    cancel: &AtomicBool,
) -> Result<Packaged, Error> {
    plan::check(settings)?;
    let source = probe::open(input, settings.max_duration_s)?;
    let info = source.info.clone();
    let fps = plan::frame_rate(info.frame_rate, settings.max_fps);
    let rungs = match source.video {
        Some(_) => settings.ladder.for_source(info.height),
        None => Vec::new(),
    };
    if rungs.is_empty() && source.video.is_some() {
        return Err(Error::Internal("the ladder has no rungs".to_owned()));
    }
    let sizes: Vec<(u32, u32)> = rungs
        .iter()
        .map(|r| plan::rung_size(info.width, info.height, r.height))
        .collect();
    let threads = plan::encoder_threads(settings.threads, &sizes);

    let audio = match source.audio {
        Some(_) => Some(AudioEncoder::open(settings.audio_kbps)?),
        None => None,
    };
    let audio_tb = audio.as_ref().map_or(Rational::new(1, 1), |a| a.time_base);
    let mut outputs = Vec::with_capacity(rungs.len() + 1);
    for ((rung, &size), &threads) in rungs.iter().zip(&sizes).zip(&threads) {
        let dir = mkdir(outdir, &rung.name)?;
        let encoder = VideoEncoder::open(size, fps, rung.max_kbps, settings, threads)?;
        let muxer = RungMuxer::open(
            &dir,
            Some(&encoder),
            audio.as_ref(),
            settings.segment_seconds,
        )?;
        outputs.push(RungThread::spawn(
            &rung.name,
            Some(encoder),
            muxer,
            audio_tb,
        )?);
    }
    // The audio-only rung (Apple's HLS Authoring Specification: for the
    // lowest bandwidths), listed last.
    if let Some(aac) = &audio {
        let dir = mkdir(outdir, AUDIO_DIR)?;
        let muxer = RungMuxer::open(&dir, None, Some(aac), settings.segment_seconds)?;
        outputs.push(RungThread::spawn(AUDIO_DIR, None, muxer, audio_tb)?);
    }

    let plan = stills::plan(info.width, info.height, fps, info.duration_s);
    let stills = Stills::new(outdir, plan, fps);
    let mut pipeline = Pipeline::new(outputs, audio, fps, sizes.clone(), progress, stills, cancel);
    let ran = pipeline.run(source);
    let has_audio = pipeline.audio.is_some();
    let running = std::mem::take(&mut pipeline.rungs);
    let ran = ran.and_then(|()| running.iter().try_for_each(|r| r.send(Msg::End)));
    // Join every thread before returning. Bad input is the answer whatever
    // else broke; otherwise a rung's own failure explains a failed send
    // better than the send does.
    let joined: Vec<Result<(), Error>> = running.into_iter().map(RungThread::join).collect();
    if let Err(e @ Error::Unusable(_)) = ran {
        return Err(e);
    }
    if let Some(Err(e)) = joined.into_iter().find(Result::is_err) {
        return Err(e);
    }
    ran?;
    let (poster, thumbnails) = pipeline.stills.finish(info.duration_s)?;

    let mut renditions = Vec::with_capacity(rungs.len());
    for (rung, (width, height)) in rungs.iter().zip(sizes) {
        let dir = outdir.join(&rung.name);
        let measured = playlist::finish_media(&dir)?;
        let i_frames = iframes::write(&dir)?;
        let init_path = dir.join(INIT);
        let init = std::fs::read(&init_path).map_err(|e| Error::io(&init_path, &e))?;
        let video = playlist::avc_codec(&init).ok_or_else(|| {
            Error::Internal(format!("no H.264 configuration in {}", init_path.display()))
        })?;
        let codecs = if has_audio {
            format!("{video},{AAC}")
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
            i_frame_playlist: format!("{}/{}", rung.name, iframes::IFRAME_PLAYLIST),
            i_frame_bandwidth: i_frames.peak_bps,
            i_frame_average_bandwidth: i_frames.average_bps,
        });
    }
    let audio_only = match has_audio {
        true => {
            let measured = playlist::finish_media(&outdir.join(AUDIO_DIR))?;
            Some(AudioRendition {
                name: AUDIO_DIR.to_owned(),
                bandwidth: measured.peak_bps,
                average_bandwidth: measured.average_bps,
                codecs: AAC.to_owned(),
                playlist: format!("{AUDIO_DIR}/{PLAYLIST}"),
            })
        }
        false => None,
    };
    playlist::write_master(outdir, &renditions, audio_only.as_ref(), f64::from(fps))?;
    (pipeline.progress)(1.0);
    Ok(Packaged {
        duration_s: info.duration_s,
        renditions,
        audio_only,
        poster,
        thumbnails,
    })
}

fn mkdir(outdir: &Path, name: &str) -> Result<std::path::PathBuf, Error> {
    let dir = outdir.join(name);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, &e))?;
    Ok(dir)
}

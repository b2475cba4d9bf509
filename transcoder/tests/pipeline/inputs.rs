//! Inputs of every kind editors upload: audio-only files, several audio
//! tracks, interlaced MPEG-TS, Matroska, absurd picture sizes.

use std::path::{Path, PathBuf};

use ffmpeg_next::util::frame;
use transcoder::synth::{SynthExtras, SynthSpec, generate_with};
use transcoder::{Error, Settings, package, probe};

use crate::read;

fn make(
    name: &str,
    (width, height): (u32, u32),
    tone: Option<u32>,
    extras: &SynthExtras,
) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    let spec = SynthSpec {
        width,
        height,
        fps: 25,
        seconds: 3.0,
        pattern: "testsrc2".into(),
        tone_hz: tone,
    };
    generate_with(&path, &spec, extras).unwrap();
    (dir, path)
}

fn settings() -> Settings {
    Settings {
        ladder: domain::Ladder::small(),
        ..Settings::default()
    }
}

fn package_into(dir: &Path, path: &Path) -> Result<(PathBuf, transcoder::Packaged), Error> {
    let out = dir.join("out");
    std::fs::create_dir(&out).unwrap();
    package(path, &out, &settings(), &mut |_| {}).map(|p| (out, p))
}

fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xff, 0xd8]) && bytes.ends_with(&[0xff, 0xd9])
}

#[test]
fn audio_only_file_gets_an_audio_rung_and_a_waveform_poster() {
    let extras = SynthExtras {
        no_video: true,
        ..SynthExtras::default()
    };
    let (dir, path) = make("talk.m4a", (320, 180), Some(440), &extras);
    let (out, packaged) = package_into(dir.path(), &path).expect("packages");
    assert!(packaged.renditions.is_empty(), "{packaged:?}");
    let audio = packaged.audio_only.as_ref().expect("an audio-only rung");
    assert_eq!(audio.codecs, "mp4a.40.2");
    assert!(
        (90_000..200_000).contains(&audio.average_bandwidth),
        "{audio:?}"
    );
    let master = m3u8_rs::parse_master_playlist_res(&read(&out.join("master.m3u8"))).unwrap();
    let uris: Vec<_> = master
        .variants
        .iter()
        .map(|v| (v.uri.as_str(), v.codecs.as_deref()))
        .collect();
    assert_eq!(uris, vec![("audio/index.m3u8", Some("mp4a.40.2"))]);
    assert_eq!(packaged.poster.as_deref(), Some("poster.jpg"));
    assert!(is_jpeg(&read(&out.join("poster.jpg"))));
    assert_eq!(packaged.thumbnails, None);
}

#[test]
fn of_several_audio_tracks_the_default_or_first_is_used() {
    // MPEG-TS marks no track default and track 2 has the higher bitrate:
    // FFmpeg's "best stream" takes it; an editor expects the first.
    let extras = SynthExtras {
        extra_tones_hz: vec![1000],
        ..SynthExtras::default()
    };
    let (dir, path) = make("two-tracks.ts", (320, 180), Some(440), &extras);
    let input = ffmpeg_next::format::input(&path).unwrap();
    let best = input
        .streams()
        .best(ffmpeg_next::media::Type::Audio)
        .unwrap();
    assert_eq!(best.index(), 2, "FFmpeg's pick should differ from ours");
    let info = probe::probe(&path, 60.0).expect("probes");
    assert_eq!((info.video_stream, info.audio_stream), (Some(0), Some(1)));
    let (_, packaged) = package_into(dir.path(), &path).expect("packages");
    assert!(
        packaged.renditions[0].codecs.ends_with("mp4a.40.2"),
        "{packaged:?}"
    );
}

#[test]
fn absurd_picture_sizes_are_unusable() {
    let (dir, path) = make("thin.mp4", (8, 180), None, &SynthExtras::default());
    match package_into(dir.path(), &path) {
        Err(Error::Unusable(reason)) => {
            assert!(
                reason.contains("(unsupported picture size 8x180"),
                "{reason}"
            );
        }
        other => panic!("expected Unusable, got {other:?}"),
    }
}

/// Combing of a picture: mean difference between neighbouring lines (other
/// field) over mean difference between lines two apart (same field). Above
/// 1, the fields come from different moments.
fn combing(picture: &frame::Video) -> f64 {
    let (width, stride) = (picture.width() as usize, picture.stride(0));
    let luma = picture.data(0);
    let line = |y: usize| &luma[y * stride..y * stride + width];
    let (mut near, mut far) = (0u64, 0u64);
    for y in 0..picture.height() as usize - 2 {
        for x in 0..width {
            let (a, b, c) = (line(y)[x], line(y + 1)[x], line(y + 2)[x]);
            near += u64::from(a.abs_diff(b));
            far += u64::from(a.abs_diff(c));
        }
    }
    near as f64 / far.max(1) as f64
}

/// The 13th picture of a file (the 13th of a rung's first segment, given its init segment).
fn picture(parts: &[PathBuf], scratch: &Path) -> frame::Video {
    let joined = scratch.join("joined.mp4");
    let bytes: Vec<u8> = parts.iter().flat_map(|p| read(p)).collect();
    std::fs::write(&joined, bytes).unwrap();
    let mut input = ffmpeg_next::format::input(&joined).unwrap();
    let stream = input
        .streams()
        .best(ffmpeg_next::media::Type::Video)
        .unwrap();
    let index = stream.index();
    let mut decoder = ffmpeg_next::codec::Context::from_parameters(stream.parameters())
        .unwrap()
        .decoder()
        .video()
        .unwrap();
    let mut frame = frame::Video::empty();
    let mut seen = 0;
    for (stream, packet) in input.packets() {
        if stream.index() != index {
            continue;
        }
        decoder.send_packet(&packet).unwrap();
        while decoder.receive_frame(&mut frame).is_ok() {
            seen += 1;
            if seen == 13 {
                return frame;
            }
        }
    }
    panic!("fewer than 13 pictures in {}", joined.display());
}

#[test]
fn interlaced_mpeg_ts_comes_out_deinterlaced() {
    let extras = SynthExtras {
        interlaced: true,
        ..SynthExtras::default()
    };
    let (dir, path) = make("recorder.ts", (640, 360), Some(440), &extras);
    let source = picture(std::slice::from_ref(&path), dir.path());
    assert!(
        source.is_interlaced(),
        "the synth source must be interlaced"
    );
    let combed = combing(&source);
    assert!(combed > 1.0, "the source should show combing: {combed}");
    let (out, packaged) = package_into(dir.path(), &path).expect("packages");
    let top = out.join(&packaged.renditions[0].name);
    let output = picture(
        &[top.join("init.mp4"), top.join("seg_00000.m4s")],
        dir.path(),
    );
    let after = combing(&output);
    assert!(
        after < 0.9 * combed && after < 1.0,
        "combing {combed} → {after}"
    );
}

#[test]
fn variable_frame_rate_recording_comes_out_at_a_constant_rate() {
    let extras = SynthExtras {
        variable_frame_rate: true,
        ..SynthExtras::default()
    };
    let (dir, path) = make("screen.mkv", (320, 180), Some(440), &extras);
    let info = probe::probe(&path, 60.0).expect("probes");
    // Matroska gives no average rate for it: the 30 fps cap applies.
    assert_eq!(
        info.frame_rate,
        ffmpeg_next::Rational::new(30, 1),
        "{info:?}"
    );
    let (out, packaged) = package_into(dir.path(), &path).expect("packages");
    let top = out.join(&packaged.renditions[0].name);
    let samples = crate::fmp4::video_sample_list(&read(&top.join("seg_00000.m4s")), 1);
    // 60 source pictures over ~2.95 s (the last one was left out) become
    // ~88 at 30 fps, gaps filled, evenly spaced.
    assert!((86..=90).contains(&samples.len()), "{}", samples.len());
    let mut pts: Vec<i64> = samples.iter().map(|s| s.pts).collect();
    pts.sort_unstable();
    let steps: Vec<i64> = pts.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(steps.iter().all(|s| *s == steps[0] && *s > 0), "{steps:?}");
}

#[test]
fn portrait_phone_clip_comes_out_portrait() {
    let extras = SynthExtras {
        portrait: true,
        ..SynthExtras::default()
    };
    let (dir, path) = make("phone.mp4", (640, 360), Some(440), &extras);
    let info = probe::probe(&path, 60.0).expect("probes");
    assert_eq!((info.width, info.height), (360, 640), "{info:?}");
    let (_, packaged) = package_into(dir.path(), &path).expect("packages");
    let sizes: Vec<_> = packaged
        .renditions
        .iter()
        .map(|r| (r.width, r.height))
        .collect();
    assert_eq!(sizes, vec![(202, 360), (136, 240)]);
}

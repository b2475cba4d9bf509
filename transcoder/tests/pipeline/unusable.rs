//! Bad input is the editor's problem: `Error::Unusable`, never a panic.

use std::path::Path;

use transcoder::{Error, Settings, package, probe};

use crate::clip;

fn package_file(path: &Path, settings: &Settings) -> Result<transcoder::Packaged, Error> {
    let out = path.with_extension("out");
    std::fs::create_dir(&out).unwrap();
    package(path, &out, settings, &mut |_| {})
}

fn assert_unusable(result: Result<transcoder::Packaged, Error>, english: &str) {
    match result {
        Err(Error::Unusable(reason)) => assert!(reason.contains(english), "{reason}"),
        other => panic!("expected Unusable({english}), got {other:?}"),
    }
}

#[test]
fn non_media_bytes_are_unusable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.mp4");
    std::fs::write(
        &path,
        "研修資料です。これは動画ではありません。\n".repeat(200),
    )
    .unwrap();
    assert_unusable(
        package_file(&path, &Settings::default()),
        "(not a media file)",
    );
}

#[test]
fn empty_file_is_unusable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.mp4");
    std::fs::write(&path, b"").unwrap();
    assert_unusable(package_file(&path, &Settings::default()), "(empty file)");
}

#[test]
fn truncated_mp4_is_unusable() {
    let clip = clip(320, 180, 30, 4.0, Some(440));
    let bytes = std::fs::read(&clip.path).unwrap();
    let path = clip.dir.path().join("half.mp4");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    assert_unusable(
        package_file(&path, &Settings::default()),
        "(not a media file)",
    );
}

#[test]
fn input_longer_than_the_limit_is_unusable() {
    let clip = clip(320, 180, 30, 4.0, None);
    let settings = Settings {
        max_duration_s: 3.0,
        ..Settings::default()
    };
    assert_unusable(package_file(&clip.path, &settings), "limit)");
}

#[test]
fn probe_reads_size_and_duration_from_the_bytes() {
    let clip = clip(320, 180, 30, 4.0, Some(440));
    let renamed = clip.dir.path().join("video.txt");
    std::fs::copy(&clip.path, &renamed).unwrap();
    let info = probe::probe(&renamed, 60.0).expect("probes");
    assert_eq!((info.width, info.height), (320, 180));
    assert!((info.duration_s - 4.0).abs() < 0.1, "{info:?}");
    assert!(info.audio_stream.is_some());
}

#[test]
fn missing_file_is_an_internal_error() {
    let result = probe::probe(Path::new("/nonexistent/upload.mp4"), 60.0);
    assert!(matches!(result, Err(Error::Internal(_))), "{result:?}");
}

#[test]
fn a_cancelled_package_stops_with_cancelled_before_the_end() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let source = clip(320, 180, 30, 6.0, Some(440));
    let out = source.dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let cancel = AtomicBool::new(false);
    let mut last = 0.0f32;
    let result = transcoder::package_cancellable(
        &source.path,
        &out,
        &Settings::default(),
        &mut |p| {
            last = p;
            // Cancel as soon as a quarter is done.
            if p > 0.25 {
                cancel.store(true, Ordering::Relaxed);
            }
        },
        &cancel,
    );
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    assert!(last < 0.9, "stopped well before the end, at {last}");
    assert!(!out.join("master.m3u8").exists());
}

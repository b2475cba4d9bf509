//! End-to-end tests of the FFmpeg core: media generated with `synth`,
//! packaged with the real libraries, outputs parsed byte by byte.

// A failed unwrap is a failed test here.
#![allow(clippy::unwrap_used)]

mod fmp4;
mod inputs;
mod ladder;
mod packaging;
mod stills;
mod unusable;

use std::path::{Path, PathBuf};

use transcoder::synth::{SynthSpec, generate};

/// A generated clip in its own temporary directory.
pub struct Clip {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

/// Generates `seconds` of `width`x`height` video at `fps`, with an optional tone.
pub fn clip(width: u32, height: u32, fps: u32, seconds: f64, tone_hz: Option<u32>) -> Clip {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("source.mp4");
    let spec = SynthSpec {
        width,
        height,
        fps,
        seconds,
        pattern: "testsrc2".into(),
        tone_hz,
    };
    generate(&path, &spec).unwrap();
    Clip { dir, path }
}

/// A fresh, empty output directory.
pub fn outdir(clip: &Clip) -> PathBuf {
    let out = clip.dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    out
}

/// Reads a file that must exist.
pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

//! Generates a test clip: `cargo run --release -p transcoder --example synth -- OUT [W H SECONDS]`
//! (defaults: 1920x1080, 20 s of `testsrc2` at 30 fps with a 440 Hz tone).

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = args.first().ok_or("usage: synth OUT [W H SECONDS]")?;
    let number = |i: usize, default: f64| -> Result<f64, Box<dyn std::error::Error>> {
        Ok(args.get(i).map_or(Ok(default), |a| a.parse())?)
    };
    let spec = transcoder::synth::SynthSpec {
        width: number(1, 1920.0)? as u32,
        height: number(2, 1080.0)? as u32,
        fps: 30,
        seconds: number(3, 20.0)?,
        pattern: "testsrc2".into(),
        tone_hz: Some(440),
    };
    transcoder::synth::generate(&PathBuf::from(out), &spec)?;
    Ok(())
}

//! Packages one file into HLS, as `manabi transcode` does, for timing the
//! pipeline on its own: `cargo run --release -p transcoder --example package -- IN OUTDIR [small]`.

use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let (Some(input), Some(outdir)) = (args.next(), args.next()) else {
        return Err("usage: package IN OUTDIR [small|standard]".into());
    };
    let mut settings = transcoder::Settings::default();
    if let Some(name) = args.next().and_then(|n| n.into_string().ok()) {
        settings.ladder = domain::Ladder::named(&name).ok_or("unknown ladder")?;
    }
    if let Some(threads) = std::env::var("THREADS").ok().and_then(|t| t.parse().ok()) {
        settings.threads = threads;
    }
    let outdir = PathBuf::from(outdir);
    std::fs::create_dir_all(&outdir)?;
    transcoder::init()?;
    let started = Instant::now();
    let packaged = transcoder::package(&PathBuf::from(input), &outdir, &settings, &mut |_| {})?;
    println!(
        "{:.1} s of media in {:.2} s wall",
        packaged.duration_s,
        started.elapsed().as_secs_f64()
    );
    for r in &packaged.renditions {
        println!(
            "{} {}x{} {} {} / {} bit/s",
            r.name, r.width, r.height, r.codecs, r.average_bandwidth, r.bandwidth
        );
    }
    Ok(())
}

//! What to make of a source, decided before any decoding: the output frame
//! rate, each rung's picture size within H.264 level 4.1, the encoder thread
//! budget; and the settings the pipeline can honour at all.

use ffmpeg_next::Rational;

use crate::{Error, Settings};

/// Rejects settings the pipeline cannot honour (a deployment error, not the editor's).
pub(crate) fn check(settings: &Settings) -> Result<(), Error> {
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
    if !settings
        .ladder
        .rungs
        .iter()
        .all(|r| safe(&r.name) && r.name != "audio")
    {
        return bad("rung names must be plain directory names other than `audio`");
    }
    Ok(())
}

/// The output frame rate: the source's, capped at `max_fps`.
pub(crate) fn frame_rate(source: Rational, max_fps: u32) -> Rational {
    let cap = i32::try_from(max_fps).unwrap_or(i32::MAX);
    if source.numerator() <= 0 || source.denominator() <= 0 || f64::from(source) > f64::from(cap) {
        Rational::new(cap, 1)
    } else {
        source.reduce()
    }
}

/// libx264 threads per rung: the budget (the cores) shared in proportion to
/// each rung's pixels, at least one each — and at least two for the largest
/// rung when the budget allows two. The largest rung is the pipeline's
/// critical path: with one thread it bounds the wall time while the small
/// rungs idle (60 s 1080p testsrc2 on 2 cores: 72–78 s with 1/1/1/1,
/// 59–63 s and less CPU with 2/1/1/1).
pub(crate) fn encoder_threads(budget: usize, sizes: &[(u32, u32)]) -> Vec<usize> {
    let pixels = |&(w, h): &(u32, u32)| f64::from(w) * f64::from(h);
    let total: f64 = sizes.iter().map(pixels).sum::<f64>().max(1.0);
    let mut threads: Vec<usize> = sizes
        .iter()
        .map(|s| ((budget as f64 * pixels(s) / total).round() as usize).max(1))
        .collect();
    if budget >= 2
        && let Some(first) = threads.first_mut()
    {
        *first = (*first).max(2);
    }
    threads
}

/// Largest picture of H.264 level 4.1, in 16×16 macroblocks (ITU-T H.264 Table A-1).
const LEVEL_41_MAX_FS: u64 = 8192;

/// A rung's picture size: `height` lines (`scale=-2:h`, even width), or
/// smaller, keeping the aspect ratio, when that would not fit H.264 level
/// 4.1 (a 2560×1080 ultra-wide source's 1080p rung is 1920×810).
pub(crate) fn rung_size(width: u32, height: u32, target_height: u32) -> (u32, u32) {
    let mbs = |w: u32, h: u32| u64::from(w.div_ceil(16)) * u64::from(h.div_ceil(16));
    let mut h = target_height;
    let mut w = even_width(width, height, h);
    while mbs(w, h) > LEVEL_41_MAX_FS && h > 2 {
        h -= 2;
        w = even_width(width, height, h);
    }
    (w, h)
}

/// The H.264 level for a rung, the lowest that holds its picture size, picture
/// rate and bitrate cap (ITU-T H.264 Table A-1, High profile: MaxBR × 1.25),
/// never above 4.1 (Apple's HLS Authoring Specification for H.264).
pub(crate) fn level((width, height): (u32, u32), fps: Rational, max_kbps: u32) -> &'static str {
    // (level, MaxFS, MaxMBPS, MaxBR in kbit/s for High profile)
    const LEVELS: [(&str, u64, f64, u64); 7] = [
        ("2.1", 792, 19_800.0, 5_000),
        ("2.2", 1_620, 20_250.0, 5_000),
        ("3", 1_620, 40_500.0, 12_500),
        ("3.1", 3_600, 108_000.0, 17_500),
        ("3.2", 5_120, 216_000.0, 25_000),
        ("4", 8_192, 245_760.0, 25_000),
        ("4.1", 8_192, 245_760.0, 62_500),
    ];
    let fs = u64::from(width.div_ceil(16)) * u64::from(height.div_ceil(16));
    let mbps = fs as f64 * f64::from(fps);
    LEVELS
        .iter()
        .find(|(_, max_fs, max_mbps, max_br)| {
            fs <= *max_fs && mbps <= *max_mbps && u64::from(max_kbps) <= *max_br
        })
        .map_or("4.1", |(name, ..)| name)
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
    fn rungs_fit_level_4_1() {
        assert_eq!(rung_size(1920, 1080, 1080), (1920, 1080));
        assert_eq!(rung_size(1080, 1920, 1080), (608, 1080));
        // Ultra-wide: 2560x1080 would be 10880 macroblocks.
        let (w, h) = rung_size(2560, 1080, 1080);
        assert!(
            w.div_ceil(16) * h.div_ceil(16) <= 8192 && h < 1080,
            "{w}x{h}"
        );
        let fps = Rational::new(30, 1);
        assert_eq!(level((1920, 1080), fps, 4500), "4");
        assert_eq!(level((1280, 720), fps, 2500), "3.1");
        assert_eq!(level((640, 360), fps, 600), "3");
        assert_eq!(level((426, 240), fps, 300), "2.1");
        assert_eq!(level((1920, 1080), Rational::new(60, 1), 4500), "4.1");
    }

    #[test]
    fn encoder_threads_follow_the_pixels() {
        let ladder = [(1920, 1080), (1280, 720), (960, 540), (640, 360)];
        assert_eq!(
            encoder_threads(2, &ladder),
            vec![2, 1, 1, 1],
            "the critical path gets two"
        );
        assert_eq!(encoder_threads(8, &ladder), vec![4, 2, 1, 1]);
        assert_eq!(encoder_threads(1, &[(640, 360)]), vec![1]);
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

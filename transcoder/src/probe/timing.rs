//! Timing read from the container: nominal frame rate and duration.

use ffmpeg_next::{Rational, format};

/// The nominal frame rate, as `av_guess_frame_rate` does: the stream's base
/// rate (`r_frame_rate`), unless it is a timestamp clock rather than a frame
/// rate (variable-frame-rate recordings), then the average snapped to the
/// nearest common rate. The average alone is wrong for short clips: 125
/// frames over 4.96 s of timestamps gives 25.2 fps instead of 25.
pub(crate) fn guess_frame_rate(base: Rational, average: Rational) -> Rational {
    let valid = |r: Rational| r.numerator() > 0 && r.denominator() > 0;
    if valid(base) && f64::from(base) <= 210.0 {
        return base;
    }
    // A clock rate without an average (Matroska screen recordings): the
    // default cap, 30 fps, which the fps filter then holds constant.
    if !valid(average) {
        return Rational::new(30, 1);
    }
    let avg = f64::from(average);
    const COMMON: [(i32, i32); 8] = [
        (24000, 1001),
        (24, 1),
        (25, 1),
        (30000, 1001),
        (30, 1),
        (50, 1),
        (60000, 1001),
        (60, 1),
    ];
    COMMON
        .into_iter()
        .map(|(n, d)| Rational::new(n, d))
        .find(|r| (f64::from(*r) - avg).abs() / avg < 0.02)
        .unwrap_or_else(|| Rational::new((avg.round() as i32).max(1), 1))
}

pub(crate) fn duration(
    input: &format::context::Input,
    stream: &format::stream::Stream<'_>,
) -> Option<f64> {
    let container = input.duration();
    let seconds = if container > 0 {
        container as f64 / 1_000_000.0 // AV_TIME_BASE
    } else {
        let tb = stream.time_base();
        if stream.duration() <= 0 || tb.denominator() == 0 {
            return None;
        }
        stream.duration() as f64 * f64::from(tb.numerator()) / f64::from(tb.denominator())
    };
    (seconds.is_finite() && seconds > 0.0).then_some(seconds)
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_rate_prefers_the_base_rate_then_a_snapped_average() {
        let r = Rational::new;
        assert_eq!(guess_frame_rate(r(25, 1), r(6250, 248)), r(25, 1));
        // A VFR screen recording: a 1 kHz clock, about 29.6 frames a second.
        assert_eq!(guess_frame_rate(r(1000, 1), r(2960, 100)), r(30000, 1001));
        assert_eq!(guess_frame_rate(r(90000, 1), r(1500, 100)), r(15, 1));
        assert_eq!(guess_frame_rate(r(0, 1), r(0, 1)), r(30, 1));
        assert_eq!(guess_frame_rate(r(1000, 1), r(0, 0)), r(30, 1));
    }
}

//! How much viewing time a heartbeat earns. Pure: the caller passes the clock.
//!
//! Viewing time is wall-clock time during which the video was playing. A
//! heartbeat reports the media intervals played since the last one and the
//! playback rate; the credit is the union of those intervals divided by the
//! rate, and never more than the wall-clock time that passed since the later
//! of (a) this session's previous heartbeat and (b) the last instant already
//! credited to this user in any session — so a client claiming an hour after
//! ten seconds gets ten seconds, and two tabs playing at once are credited once.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// Playback rates accepted (HTML media elements allow more; players offer 0.5–2).
pub const RATES: std::ops::RangeInclusive<f64> = 0.25..=4.0;

/// The wall-clock time a heartbeat earns, in milliseconds.
///
/// `played` are media intervals `[from, to]` in seconds (already validated),
/// `window_start` the later of the session's previous heartbeat and the user's
/// credited-until instant.
pub fn credit_ms(played: &[(f64, f64)], rate: f64, window_start: Timestamp, now: Timestamp) -> i64 {
    let media_s = union_length(played);
    let claimed_ms = (media_s / rate * 1000.0).floor();
    let elapsed_ms = now.duration_since(window_start).as_millis().max(0) as f64;
    claimed_ms.min(elapsed_ms).max(0.0) as i64
}

/// Total length of the union of intervals (overlaps counted once).
pub fn union_length(intervals: &[(f64, f64)]) -> f64 {
    let mut sorted: Vec<(f64, f64)> = intervals.iter().copied().filter(|(a, b)| b > a).collect();
    sorted.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut total = 0.0;
    let mut current: Option<(f64, f64)> = None;
    for (a, b) in sorted {
        match current {
            Some((ca, cb)) if a <= cb => current = Some((ca, cb.max(b))),
            Some((ca, cb)) => {
                total += cb - ca;
                current = Some((a, b));
            }
            None => current = Some((a, b)),
        }
    }
    if let Some((a, b)) = current {
        total += b - a;
    }
    total
}

/// Splits the credited span `[now - credit, now]` into calendar days of `tz`,
/// so that viewing across midnight counts on both days.
pub fn split_by_day(credit_ms: i64, now: Timestamp, tz: &TimeZone) -> Vec<(Date, i64)> {
    let mut out = Vec::new();
    let mut end = now;
    let mut left = credit_ms;
    while left > 0 {
        let zoned = end.to_zoned(tz.clone());
        let day = zoned.date();
        let day_start = zoned.start_of_day().map_or(end, |z| z.timestamp());
        let since_midnight = end.duration_since(day_start).as_millis() as i64;
        // `end` exactly at midnight belongs to the previous day's last instant.
        let (day, available) = if since_midnight == 0 {
            let prev = day.yesterday().unwrap_or(day);
            (prev, i64::MAX)
        } else {
            (day, since_midnight)
        };
        let take = left.min(available);
        out.push((day, take));
        left -= take;
        end -= SignedDuration::from_millis(take);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).unwrap()
    }

    #[test]
    fn an_hour_claimed_after_ten_seconds_earns_ten_seconds() {
        assert_eq!(credit_ms(&[(0.0, 3600.0)], 1.0, t(0), t(10)), 10_000);
    }

    #[test]
    fn honest_heartbeats_earn_what_was_played() {
        assert_eq!(credit_ms(&[(0.0, 10.0)], 1.0, t(0), t(12)), 10_000);
    }

    #[test]
    fn overlapping_intervals_count_once_and_rate_divides() {
        assert_eq!(
            union_length(&[(0.0, 10.0), (5.0, 12.0), (20.0, 21.0), (3.0, 4.0)]),
            13.0
        );
        // 20 media seconds at double speed are 10 wall seconds.
        assert_eq!(credit_ms(&[(0.0, 20.0)], 2.0, t(0), t(15)), 10_000);
    }

    #[test]
    fn nothing_is_earned_when_the_window_is_in_the_future_or_empty() {
        assert_eq!(credit_ms(&[(0.0, 10.0)], 1.0, t(20), t(10)), 0);
        assert_eq!(credit_ms(&[], 1.0, t(0), t(10)), 0);
        assert_eq!(
            credit_ms(&[(5.0, 1.0)], 1.0, t(0), t(10)),
            0,
            "reversed intervals earn nothing"
        );
    }

    #[test]
    fn viewing_across_midnight_in_tokyo_is_split() {
        let tz = TimeZone::get("Asia/Tokyo").unwrap();
        // 2026-04-02 00:00:05 JST = 2026-04-01T15:00:05Z.
        let now: Timestamp = "2026-04-01T15:00:05Z".parse().unwrap();
        let parts = split_by_day(10_000, now, &tz);
        let d = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(
            parts,
            vec![(d("2026-04-02"), 5_000), (d("2026-04-01"), 5_000)]
        );
        assert_eq!(split_by_day(0, now, &tz), vec![]);
    }
}

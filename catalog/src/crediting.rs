//! How much viewing time a heartbeat earns. Pure: the caller passes the clock.
//!
//! Viewing time is wall-clock time during which the video was playing. A
//! heartbeat reports the media intervals played since the last one and the
//! playback rate; the credit is the union of those intervals divided by the
//! rate, and never more than the wall-clock time since this session's
//! previous heartbeat that is not already credited to this user in any
//! session ([`Credited`]) — so a client claiming an hour after ten seconds
//! gets ten seconds, two tabs playing at once are credited once, and a short
//! heartbeat from a second tab takes nothing from the first tab's time.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// Playback rates accepted (HTML media elements allow more; players offer 0.5–2).
pub const RATES: std::ops::RangeInclusive<f64> = 0.25..=4.0;

/// The media time a heartbeat claims as wall-clock milliseconds: the union
/// of `played` (media intervals `[from, to]` in seconds, already validated)
/// divided by `rate`.
pub fn claimed_ms(played: &[(f64, f64)], rate: f64) -> i64 {
    (union_length(played) / rate * 1000.0).floor().max(0.0) as i64
}

/// Most stretches kept per user: beyond, the two oldest are joined (the gap
/// between them then counts as credited: time may be credited less, never
/// twice).
const MAX_STRETCHES: usize = 32;

/// The wall-clock stretches already credited to a user, `(start, end]` in
/// milliseconds since the epoch, sorted and apart; stored as text
/// (`"start-end,start-end"`, `viewing_clock.credited`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credited(Vec<(i64, i64)>);

impl Credited {
    /// Reads the stored form; a part that does not parse is left out.
    pub fn parse(text: &str) -> Self {
        let stretches = text
            .split(',')
            .filter_map(|part| {
                let (a, b) = part.split_once('-')?;
                Some((a.parse().ok()?, b.parse().ok()?))
            })
            .filter(|(a, b)| b > a)
            .collect();
        let mut credited = Self(Vec::new());
        credited.insert(stretches);
        credited
    }

    /// The stored form.
    pub fn text(&self) -> String {
        use std::fmt::Write;
        let mut text = String::with_capacity(28 * self.0.len());
        for (i, (a, b)) in self.0.iter().enumerate() {
            let comma = if i == 0 { "" } else { "," };
            let _ = write!(text, "{comma}{a}-{b}");
        }
        text
    }

    /// Milliseconds of `(from, to]` not credited yet.
    pub fn free_ms(&self, from: i64, to: i64) -> i64 {
        self.free(from, to).iter().map(|(a, b)| b - a).sum()
    }

    /// Credits up to `want` milliseconds of the time in `(from, to]` not
    /// credited yet, the latest first, and returns how much it credited.
    pub fn take(&mut self, from: i64, to: i64, want: i64) -> i64 {
        let mut left = want.max(0);
        let mut taken = Vec::new();
        for (a, b) in self.free(from, to).into_iter().rev() {
            if left == 0 {
                break;
            }
            let start = a.max(b - left);
            taken.push((start, b));
            left -= b - start;
        }
        let credited = want.max(0) - left;
        self.insert(taken);
        credited
    }

    /// The parts of `(from, to]` outside every stretch, in order.
    fn free(&self, from: i64, to: i64) -> Vec<(i64, i64)> {
        gaps(&self.0, from, to)
    }

    /// Adds `more`, joining stretches that meet, and keeps at most
    /// [`MAX_STRETCHES`].
    fn insert(&mut self, more: Vec<(i64, i64)>) {
        let mut all = std::mem::take(&mut self.0);
        all.extend(more);
        all.sort_unstable();
        for (a, b) in all {
            match self.0.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => self.0.push((a, b)),
            }
        }
        while self.0.len() > MAX_STRETCHES {
            let (_, end) = self.0.remove(1);
            self.0[0].1 = end;
        }
    }
}

/// The parts of `[from, to]` outside every interval of `taken` (sorted by
/// start, apart), in order.
pub fn gaps<T: PartialOrd + Copy>(taken: &[(T, T)], from: T, to: T) -> Vec<(T, T)> {
    let mut out = Vec::new();
    let mut at = from;
    for &(a, b) in taken {
        if b <= at {
            continue;
        }
        if a >= to {
            break;
        }
        if a > at {
            out.push((at, a));
        }
        at = b;
    }
    if at < to {
        out.push((at, to));
    }
    out
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
/// so that viewing across midnight counts on both days. (When another tab's
/// time was credited in between, the span this heartbeat earned has gaps;
/// its days are still taken from `[now - credit, now]`, so that the ledger
/// alone, with each heartbeat's credit and time, gives the rollups.)
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

    /// The credit of `played` at `rate` for a window `(from, to]` in
    /// seconds, nothing credited before.
    fn credit(played: &[(f64, f64)], rate: f64, from: i64, to: i64) -> i64 {
        Credited::default().take(from * 1000, to * 1000, claimed_ms(played, rate))
    }

    #[test]
    fn an_hour_claimed_after_ten_seconds_earns_ten_seconds() {
        assert_eq!(credit(&[(0.0, 3600.0)], 1.0, 0, 10), 10_000);
    }

    #[test]
    fn honest_heartbeats_earn_what_was_played() {
        assert_eq!(credit(&[(0.0, 10.0)], 1.0, 0, 12), 10_000);
    }

    #[test]
    fn overlapping_intervals_count_once_and_rate_divides() {
        assert_eq!(
            union_length(&[(0.0, 10.0), (5.0, 12.0), (20.0, 21.0), (3.0, 4.0)]),
            13.0
        );
        // 20 media seconds at double speed are 10 wall seconds.
        assert_eq!(credit(&[(0.0, 20.0)], 2.0, 0, 15), 10_000);
    }

    #[test]
    fn nothing_is_earned_when_the_window_is_in_the_future_or_empty() {
        assert_eq!(credit(&[(0.0, 10.0)], 1.0, 20, 10), 0);
        assert_eq!(credit(&[], 1.0, 0, 10), 0);
        assert_eq!(
            credit(&[(5.0, 1.0)], 1.0, 0, 10),
            0,
            "reversed intervals earn nothing"
        );
    }

    #[test]
    fn two_tabs_are_credited_once_and_a_short_one_takes_nothing_from_the_other() {
        let s = |x: i64| x * 1000;
        let mut clock = Credited::default();
        // Tab A plays from 0 to 10; tab B, opened at 5, claims 10 s at 10.
        assert_eq!(clock.take(s(0), s(10), s(10)), s(10));
        assert_eq!(clock.take(s(5), s(10), s(10)), 0, "already credited");
        // Tab B plays half a second from 22.7 and pauses (a heartbeat at
        // 23.2); tab A's next heartbeat at 27.7 (its previous at 17.7) still
        // earns its ten seconds less the half second B took.
        assert_eq!(clock.take(s(10), 17_700, 7_700), 7_700);
        assert_eq!(clock.take(22_700, 23_200, 500), 500);
        assert_eq!(clock.take(17_700, 27_700, s(10)), 9_500);
        assert_eq!(clock.free_ms(0, 27_700), 0);
        assert_eq!(clock.text(), "0-27700");
        assert_eq!(Credited::parse(&clock.text()), clock);
    }

    #[test]
    fn the_latest_free_time_is_taken_first_and_stretches_stay_few() {
        let mut clock = Credited::parse("100-200,300-400,junk");
        assert_eq!(clock.text(), "100-200,300-400");
        assert_eq!(clock.free_ms(0, 500), 300);
        // 150 ms of the free 0-100, 200-300, 400-500: 400-500 and 250-300.
        assert_eq!(clock.take(0, 500, 150), 150);
        assert_eq!(clock.text(), "100-200,250-500");
        let mut many = Credited::default();
        for i in 0..40 {
            many.take(i * 1000, i * 1000 + 10, 10);
        }
        assert_eq!(many.0.len(), MAX_STRETCHES);
        assert_eq!(many.0[0], (0, 8010), "the oldest joined, the gap counted");
        assert_eq!(many.take(0, 8010, 10), 0, "never twice");
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

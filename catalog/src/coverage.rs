//! Coverage (視聴率): which seconds of a video a user has played at least
//! once, kept as one bit per second. Second `i` is the span `[i, i+1)`; it
//! counts as played when a played interval contains its midpoint `i + 0.5`,
//! so intervals split anywhere add up exactly and replaying a part adds
//! nothing. Seeking does not play anything: only the intervals the player
//! reports as played count, and no more of them than the time that passed
//! allows (see [`mark`]).
//!
//! Completion (修了): coverage of at least `catalog.completion_coverage`
//! (default 0.95) of the video's seconds.

/// The seconds a video of `duration_s` has (a started second counts).
pub fn seconds_of(duration_s: f64) -> usize {
    if duration_s.is_finite() && duration_s > 0.0 {
        duration_s.ceil() as usize
    } else {
        0
    }
}

/// Marks the seconds `played` covers in `bits` (sized for `seconds`),
/// taking intervals in order and no more than `budget_s` media seconds in
/// all: a client cannot claim to have played more than the time that passed
/// (at its rate) allows. Returns how many seconds were newly covered. The
/// whole bitmap at once, for tests; heartbeats mark chunk by chunk.
#[cfg(test)]
pub fn mark(bits: &mut Vec<u8>, seconds: usize, played: &[(f64, f64)], budget_s: f64) -> usize {
    mark_span(bits, 0..seconds, &within_budget(played, budget_s))
}

/// The parts of `played`, in order, that `budget_s` media seconds in all
/// allow. A part played twice in one heartbeat spends the budget once, so
/// the intervals' order does not change what is covered.
pub fn within_budget(played: &[(f64, f64)], budget_s: f64) -> Vec<(f64, f64)> {
    let mut budget = budget_s.max(0.0);
    let mut out = Vec::with_capacity(played.len());
    // What `out` covers, sorted by start, apart.
    let mut taken: Vec<(f64, f64)> = Vec::with_capacity(played.len());
    for &(from, to) in played {
        for (a, b) in crate::crediting::gaps(&taken, from, to) {
            if budget <= 0.0 {
                return out;
            }
            let b = b.min(a + budget);
            budget -= b - a;
            out.push((a, b));
            let i = taken.partition_point(|&(x, _)| x < a);
            taken.insert(i, (a, b));
        }
    }
    out
}

/// The seconds whose midpoint lies in `[from, to]`, within `0..seconds`.
fn seconds_in(from: f64, to: f64, seconds: usize) -> std::ops::Range<usize> {
    let first = (from - 0.5).ceil().max(0.0) as usize;
    let last = (to - 0.5).floor();
    if last < 0.0 {
        return 0..0;
    }
    first.min(seconds)..(last as usize + 1).min(seconds)
}

/// Marks in `bits` — the bitmap of the seconds `span`, bit 0 being its
/// first second — the seconds of `span` that `played` covers; returns how
/// many were newly covered.
pub fn mark_span(bits: &mut Vec<u8>, span: std::ops::Range<usize>, played: &[(f64, f64)]) -> usize {
    bits.resize(span.len().div_ceil(8), 0);
    let mut added = 0;
    for &(from, to) in played {
        let covered = seconds_in(from, to, span.end);
        for i in covered.start.max(span.start)..covered.end {
            let i = i - span.start;
            let (byte, bit) = (i / 8, 1u8 << (i % 8));
            if bits[byte] & bit == 0 {
                bits[byte] |= bit;
                added += 1;
            }
        }
    }
    added
}

/// Seconds of coverage per stored chunk (`coverage_chunks`): 512 bytes of
/// bitmap, so a heartbeat rewrites one small row whatever the video's length.
pub const CHUNK_SECONDS: usize = 4096;

/// The chunks of a video of `seconds` that `played` touches, in order.
pub fn chunks_touched(played: &[(f64, f64)], seconds: usize) -> Vec<usize> {
    let mut chunks: Vec<usize> = played
        .iter()
        .map(|&(from, to)| seconds_in(from, to, seconds))
        .filter(|r| !r.is_empty())
        .flat_map(|r| r.start / CHUNK_SECONDS..=(r.end - 1) / CHUNK_SECONDS)
        .collect();
    chunks.sort_unstable();
    chunks.dedup();
    chunks
}

/// The seconds chunk `chunk` of a video of `seconds` holds.
pub fn chunk_span(chunk: usize, seconds: usize) -> std::ops::Range<usize> {
    let start = chunk * CHUNK_SECONDS;
    start.min(seconds)..(start + CHUNK_SECONDS).min(seconds)
}

/// One bitmap for the whole video from its stored `(chunk, bits)`.
pub fn join_chunks(chunks: impl IntoIterator<Item = (usize, Vec<u8>)>, seconds: usize) -> Vec<u8> {
    let mut bits = vec![0u8; seconds.div_ceil(8)];
    for (chunk, part) in chunks {
        let at = chunk * CHUNK_SECONDS / 8;
        if at >= bits.len() {
            continue;
        }
        let n = part.len().min(bits.len() - at);
        bits[at..at + n].copy_from_slice(&part[..n]);
    }
    bits
}

/// A coverage bitmap as the database stores it (`coverage_chunks.bits`):
/// one tag byte, then either the bitmap as it is (`0`) or its runs of equal
/// bytes (`1`: each a byte and its count as a LEB128 varint), whichever is
/// shorter. Someone who watched straight through a chunk has a 512-byte
/// bitmap but only a few bytes of runs — and every heartbeat rewrites the
/// row, so its size is written to the WAL hundreds of times an hour.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored(pub Vec<u8>);

const RAW: u8 = 0;
const RUNS: u8 = 1;
/// No bitmap is longer (8 million seconds, 97 days of video): a corrupt
/// run count cannot make a read allocate without bound.
const MAX_BYTES: usize = 1 << 20;

impl Stored {
    /// The stored form of `bits`.
    pub fn pack(bits: &[u8]) -> Vec<u8> {
        // Each run takes at least two bytes: a bitmap that changes from byte
        // to byte (seconds played here and there) is stored as it is without
        // spelling out its runs first.
        let changes = bits.windows(2).filter(|w| w[0] != w[1]).count();
        if 1 + 2 * (changes + 1) > bits.len() {
            let mut raw = Vec::with_capacity(bits.len() + 1);
            raw.push(RAW);
            raw.extend_from_slice(bits);
            return raw;
        }
        let mut runs = vec![RUNS];
        let mut rest = bits;
        while let Some(&byte) = rest.first() {
            let n = run_length(rest, byte);
            runs.push(byte);
            let mut count = n;
            loop {
                let low = (count & 0x7f) as u8;
                count >>= 7;
                if count == 0 {
                    runs.push(low);
                    break;
                }
                runs.push(low | 0x80);
            }
            rest = &rest[n..];
            if runs.len() > bits.len() {
                break; // runs are no shorter than the bitmap itself
            }
        }
        if runs.len() <= bits.len() {
            runs
        } else {
            let mut raw = Vec::with_capacity(bits.len() + 1);
            raw.push(RAW);
            raw.extend_from_slice(bits);
            raw
        }
    }

    /// The bitmap of a stored form; `None` when it is not one.
    pub fn unpack(stored: &[u8]) -> Option<Vec<u8>> {
        let Some((&tag, body)) = stored.split_first() else {
            return Some(Vec::new());
        };
        match tag {
            RAW => Some(body.to_vec()),
            RUNS => {
                let mut bits = Vec::new();
                let mut it = body.iter();
                while let Some(&byte) = it.next() {
                    let (mut count, mut shift) = (0usize, 0u32);
                    loop {
                        let b = *it.next()?;
                        count |= usize::from(b & 0x7f).checked_shl(shift)?;
                        if b & 0x80 == 0 {
                            break;
                        }
                        shift += 7;
                        if shift > 28 {
                            return None;
                        }
                    }
                    if bits.len() + count > MAX_BYTES {
                        return None;
                    }
                    bits.resize(bits.len() + count, byte);
                }
                Some(bits)
            }
            _ => None,
        }
    }
}

/// How many bytes `rest` starts with that equal `byte`; eight at a time
/// (every heartbeat packs its viewer's whole bitmap).
fn run_length(rest: &[u8], byte: u8) -> usize {
    let word = u64::from_ne_bytes([byte; 8]);
    let whole = rest
        .chunks_exact(8)
        .take_while(|w| u64::from_ne_bytes((*w).try_into().unwrap_or_default()) == word)
        .count()
        * 8;
    whole + rest[whole..].iter().take_while(|&&b| b == byte).count()
}

impl rusqlite::types::FromSql for Stored {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let blob = value.as_blob()?;
        Self::unpack(blob).map(Stored).ok_or_else(|| {
            rusqlite::types::FromSqlError::Other("not a stored coverage bitmap".into())
        })
    }
}

impl rusqlite::types::ToSql for Stored {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(rusqlite::types::ToSqlOutput::from(Self::pack(&self.0)))
    }
}

/// Whether second `i` is covered.
pub fn is_set(bits: &[u8], i: usize) -> bool {
    bits.get(i / 8).is_some_and(|b| b & (1 << (i % 8)) != 0)
}

/// The number of covered seconds.
pub fn count(bits: &[u8]) -> usize {
    // Eight bytes at a time: every heartbeat counts its user's whole bitmap
    // (4.5 KB for a 10-hour video), inside the heartbeat writer's batch.
    let words = bits.chunks_exact(8);
    let tail: usize = words
        .remainder()
        .iter()
        .map(|b| b.count_ones() as usize)
        .sum();
    words
        .map(|w| u64::from_le_bytes(w.try_into().unwrap_or_default()).count_ones() as usize)
        .sum::<usize>()
        + tail
}

/// Coverage as a share of the video's seconds (0..1).
pub fn share(covered: usize, seconds: usize) -> f64 {
    if seconds == 0 {
        0.0
    } else {
        (covered as f64 / seconds as f64).min(1.0)
    }
}

/// Audience retention: for each of `parts` equal parts of a video of
/// `seconds`, how many of the viewers (their bitmaps) played at least half
/// of it.
pub fn retention<'a>(
    viewers: impl IntoIterator<Item = &'a [u8]>,
    seconds: usize,
    parts: usize,
) -> Vec<u32> {
    let mut out = vec![0u32; parts];
    if seconds == 0 || parts == 0 {
        return out;
    }
    for bits in viewers {
        for (k, slot) in out.iter_mut().enumerate() {
            let start = k * seconds / parts;
            let end = ((k + 1) * seconds / parts).max(start + 1).min(seconds);
            let played = (start..end).filter(|&i| is_set(bits, i)).count();
            if played * 2 >= end - start {
                *slot += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_played_twice_in_one_heartbeat_spends_the_budget_once() {
        let covered = |played: &[(f64, f64)]| {
            let mut bits = Vec::new();
            mark(&mut bits, 200, played, 17.0)
        };
        assert_eq!(covered(&[(60.0, 70.0), (65.0, 75.0)]), 15);
        assert_eq!(covered(&[(105.0, 115.0), (100.0, 110.0)]), 15);
        assert_eq!(covered(&[(0.0, 10.0), (0.0, 10.0), (20.0, 40.0)]), 17);
        assert_eq!(
            within_budget(&[(0.0, 10.0), (5.0, 30.0)], 12.0),
            vec![(0.0, 10.0), (10.0, 12.0)],
            "in the order played"
        );
    }

    #[test]
    fn stored_bitmaps_come_back_exactly_and_straight_viewing_is_small() {
        let mut straight = Vec::new();
        mark(&mut straight, 36_000, &[(0.0, 20_000.0)], 1e9);
        let packed = Stored::pack(&straight);
        assert!(packed.len() < 16, "{} bytes for one run", packed.len());
        let patterns: Vec<Vec<u8>> = vec![
            Vec::new(),
            vec![0],
            vec![0xff; 300],
            (0..500).map(|i| (i * 37 + 11) as u8).collect(), // no runs: kept raw
            [0x03, 0x00, 0x00].repeat(150),                  // two seconds in ten: kept raw
            [vec![0xff; 40], [0x03, 0x00].repeat(30)].concat(), // runs, then not
            straight,
        ];
        for bits in patterns {
            let packed = Stored::pack(&bits);
            assert!(packed.len() <= bits.len() + 1);
            assert_eq!(Stored::unpack(&packed).as_deref(), Some(&bits[..]));
        }
        // Rows written before the runs form are read as they were.
        assert_eq!(Stored::unpack(&[]), Some(Vec::new()));
        // Not a stored bitmap: an unknown tag, a cut count, a huge count.
        assert_eq!(Stored::unpack(&[7, 1]), None);
        assert_eq!(Stored::unpack(&[RUNS, 0xff, 0x80]), None);
        assert_eq!(Stored::unpack(&[RUNS, 0, 0xff, 0xff, 0xff, 0x7f]), None);
    }

    #[test]
    fn count_agrees_with_second_by_second_for_every_length() {
        for len in 0..40usize {
            // A bit pattern that differs in every byte and word.
            let bits: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let one_by_one = (0..len * 8).filter(|&i| is_set(&bits, i)).count();
            assert_eq!(count(&bits), one_by_one, "{len} bytes");
        }
    }

    #[test]
    fn split_intervals_add_up_and_replays_add_nothing() {
        let mut bits = Vec::new();
        assert_eq!(mark(&mut bits, 60, &[(0.0, 10.2)], 100.0), 10);
        assert_eq!(mark(&mut bits, 60, &[(10.2, 20.0)], 100.0), 10);
        assert_eq!(mark(&mut bits, 60, &[(5.0, 15.0)], 100.0), 0, "a replay");
        assert_eq!(count(&bits), 20);
        assert_eq!(share(count(&bits), 60), 20.0 / 60.0);
    }

    #[test]
    fn seeking_covers_nothing_and_claims_are_capped_by_the_budget() {
        let mut bits = Vec::new();
        // Seek to 50 s and play 5 s: only those.
        assert_eq!(mark(&mut bits, 60, &[(50.0, 55.0)], 10.0), 5);
        // A client claiming the whole video after 10 s gets 10 s of it.
        let mut bits = Vec::new();
        assert_eq!(mark(&mut bits, 60, &[(0.0, 60.0)], 10.0), 10);
        assert!(is_set(&bits, 9) && !is_set(&bits, 10));
        // The budget runs across intervals.
        let mut bits = Vec::new();
        assert_eq!(mark(&mut bits, 60, &[(0.0, 6.0), (30.0, 40.0)], 10.0), 10);
        assert!(is_set(&bits, 33) && !is_set(&bits, 34));
    }

    #[test]
    fn the_last_partial_second_counts_and_nothing_past_the_end() {
        let mut bits = Vec::new();
        let seconds = seconds_of(10.4);
        assert_eq!(seconds, 11);
        assert_eq!(mark(&mut bits, seconds, &[(0.0, 11.0)], 100.0), 11);
        assert_eq!(count(&bits), 11);
        assert_eq!(seconds_of(f64::NAN), 0);
    }

    #[test]
    fn chunks_marked_one_by_one_make_the_same_bitmap_as_a_whole() {
        let seconds = 3 * CHUNK_SECONDS + 100;
        let played = [(10.0, 20.0), (4090.0, 4100.0), (8190.0, 12_300.0)];
        let mut whole = Vec::new();
        let added = mark(&mut whole, seconds, &played, 1e9);
        let touched = chunks_touched(&played, seconds);
        assert_eq!(touched, [0, 1, 2, 3]);
        let mut parts = Vec::new();
        let mut added_parts = 0;
        for chunk in touched {
            let mut bits = Vec::new();
            added_parts += mark_span(&mut bits, chunk_span(chunk, seconds), &played);
            assert!(bits.len() <= CHUNK_SECONDS / 8);
            parts.push((chunk, bits));
        }
        assert_eq!(added_parts, added);
        assert_eq!(join_chunks(parts, seconds), whole);
        assert_eq!(chunks_touched(&[(0.0, 0.2)], seconds), Vec::<usize>::new());
        assert_eq!(
            chunks_touched(&[(0.0, 1e9)], 10),
            [0],
            "nothing past the end"
        );
        assert_eq!(chunk_span(1, 5000), 4096..5000);
    }

    #[test]
    fn retention_counts_viewers_per_part() {
        let mut a = Vec::new();
        mark(&mut a, 100, &[(0.0, 100.0)], 1000.0);
        let mut b = Vec::new();
        mark(&mut b, 100, &[(0.0, 30.0)], 1000.0);
        let r = retention([a.as_slice(), b.as_slice()], 100, 10);
        assert_eq!(r, vec![2, 2, 2, 1, 1, 1, 1, 1, 1, 1]);
        assert_eq!(retention([a.as_slice()], 0, 10), vec![0; 10]);
    }
}

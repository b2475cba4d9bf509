//! WebVTT cue timestamps (W3C WebVTT §4.2.5), written by the transcoder's
//! seek-thumbnail track and by the catalog's caption conversion.

/// `HH:MM:SS.mmm` for `ms` milliseconds.
pub fn timestamp(ms: u64) -> String {
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn hours_minutes_seconds_and_millis() {
        assert_eq!(super::timestamp(0), "00:00:00.000");
        assert_eq!(super::timestamp(3_723_004), "01:02:03.004");
    }
}

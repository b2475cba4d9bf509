//! Conditional requests (RFC 9110 §13): whether the client's copy is still
//! current (`If-None-Match`, `If-Modified-Since`: 304) and whether its
//! `Range` still applies (`If-Range`). The origin's entity tags are always
//! strong ([`crate::cache::Validators`]).

use jiff::Timestamp;
use jiff::fmt::rfc2822::DateTimeParser;
use std::time::SystemTime;

/// Whether the client's copy is current, so that a GET or HEAD gets 304
/// (RFC 9110 §13.2.2, steps 3 and 4): `If-None-Match` lists `etag` or is
/// `*`; without it, the object was last modified at or before
/// `If-Modified-Since`.
pub fn not_modified(
    if_none_match: Option<&str>,
    if_modified_since: Option<&str>,
    etag: &[u8],
    modified: SystemTime,
) -> bool {
    match if_none_match {
        Some(list) => list.split(',').any(|t| {
            let t = t.trim();
            // Weak comparison (§13.1.2): a `W/` tag names the same version.
            t == "*" || t.strip_prefix("W/").unwrap_or(t).as_bytes() == etag
        }),
        // `Last-Modified` counts whole seconds, so does the comparison. A
        // date that is not one is ignored (§13.1.3).
        None => if_modified_since.is_some_and(|since| {
            let parsed = DateTimeParser::new().parse_timestamp(since.trim());
            match (parsed, Timestamp::try_from(modified)) {
                (Ok(since), Ok(modified)) => modified.as_second() <= since.as_second(),
                _ => false,
            }
        }),
    }
}

/// Whether a `Range` is to be served (RFC 9110 §13.1.5): there is no
/// `If-Range`, or it is exactly `etag` (strong comparison: a weak tag never
/// matches). A date never does either: `Last-Modified` counts whole seconds,
/// in which a playlist may be replaced twice, so it is no strong validator
/// (§8.8.2.2); the whole object is always a right answer.
pub fn range_applies(if_range: Option<&str>, etag: &[u8]) -> bool {
    if_range.is_none_or(|v| v.trim().as_bytes() == etag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    const TAG: &[u8] = b"\"1f-2a\"";

    /// Sun, 06 Nov 1994 08:49:37 GMT, and half a second.
    fn modified() -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(784_111_777_500)
    }

    #[test]
    fn if_none_match_compares_weakly() {
        let inm = |v| not_modified(Some(v), None, TAG, modified());
        for current in [
            "\"1f-2a\"",
            "W/\"1f-2a\"",
            "\"abc\", W/\"1f-2a\"",
            "\"abc\",\"1f-2a\"",
            "*",
        ] {
            assert!(inm(current), "{current}");
        }
        for stale in ["\"1f-2b\"", "\"abc\", W/\"1f\"", "w/\"1f-2a\"", "1f-2a", ""] {
            assert!(!inm(stale), "{stale}");
        }
    }

    #[test]
    fn if_modified_since_counts_whole_seconds_and_yields_to_if_none_match() {
        let ims = |v| not_modified(None, Some(v), TAG, modified());
        assert!(ims("Sun, 06 Nov 1994 08:49:37 GMT"), "the same second");
        assert!(ims("Sun, 06 Nov 1994 08:49:38 GMT"), "later");
        assert!(!ims("Sun, 06 Nov 1994 08:49:36 GMT"), "earlier");
        assert!(!ims("yesterday"), "not a date: ignored");
        let later = Some("Sun, 06 Nov 1994 08:49:38 GMT");
        assert!(
            !not_modified(Some("\"other\""), later, TAG, modified()),
            "If-None-Match decides when present"
        );
    }

    #[test]
    fn if_range_compares_strongly_and_takes_no_dates() {
        assert!(range_applies(None, TAG));
        assert!(range_applies(Some("\"1f-2a\""), TAG));
        for other in ["W/\"1f-2a\"", "\"1f-2b\"", "Sun, 06 Nov 1994 08:49:37 GMT"] {
            assert!(!range_applies(Some(other), TAG), "{other}");
        }
    }
}

//! The `Range` request header (RFC 9110 §14.1.2), single ranges only; a
//! multi-range or malformed header is ignored and the whole object served,
//! as the RFC allows.

/// A requested range, before the object's length is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requested {
    /// `bytes=first-` or `bytes=first-last`.
    From {
        /// First byte.
        first: u64,
        /// Last byte, inclusive.
        last: Option<u64>,
    },
    /// `bytes=-n`: the last n bytes.
    Suffix(u64),
}

/// Parses a `Range` header value.
pub fn parse(value: &str) -> Option<Requested> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        return b.parse().ok().map(Requested::Suffix);
    }
    let first = a.parse().ok()?;
    let last = if b.is_empty() {
        None
    } else {
        Some(b.parse().ok()?)
    };
    if last.is_some_and(|l| l < first) {
        return None;
    }
    Some(Requested::From { first, last })
}

/// The half-open byte range `[start, end)` for an object of `len` bytes, or
/// `None` when it cannot be satisfied (416).
pub fn resolve(r: Requested, len: u64) -> Option<(u64, u64)> {
    match r {
        Requested::From { first, .. } if first >= len => None,
        Requested::From { first, last } => {
            Some((first, last.map_or(len, |l| l.saturating_add(1).min(len))))
        }
        // A suffix of no bytes is well-formed and never satisfiable (§14.1.1).
        Requested::Suffix(n) if n == 0 || len == 0 => None,
        Requested::Suffix(n) => Some((len.saturating_sub(n), len)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_resolve_against_the_length() {
        let r = |s| parse(s).and_then(|r| resolve(r, 100));
        assert_eq!(r("bytes=0-9"), Some((0, 10)));
        assert_eq!(r("bytes=90-"), Some((90, 100)));
        assert_eq!(r("bytes=90-200"), Some((90, 100)));
        assert_eq!(r("bytes=-10"), Some((90, 100)));
        assert_eq!(r("bytes=-1000"), Some((0, 100)));
        assert_eq!(r("bytes=100-"), None);
        assert_eq!(r("bytes=-0"), None);
        // The largest last byte a client can write is clamped, not wrapped.
        assert_eq!(r("bytes=0-18446744073709551615"), Some((0, 100)));
        assert_eq!(r("bytes=5-18446744073709551615"), Some((5, 100)));
        assert_eq!(
            parse("bytes=-0"),
            Some(Requested::Suffix(0)),
            "416, not ignored"
        );
    }

    #[test]
    fn odd_headers_are_ignored() {
        for v in [
            "items=0-1",
            "bytes=5-1",
            "bytes=0-1,5-6",
            "bytes=a-b",
            "bytes=-",
        ] {
            assert_eq!(parse(v), None, "{v}");
        }
    }
}

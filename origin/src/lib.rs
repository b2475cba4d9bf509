//! The HLS origin: verifies the signed grant on every request and serves
//! playlists and segments from the media store.
//!
//! # Layout
//! - [`router`]: request paths parsed into an exhaustive [`router::Endpoint`].
//! - [`range`]: `Range` header parsing (RFC 9110 §14).
//! - [`conditional`]: `If-None-Match`, `If-Modified-Since` and `If-Range`
//!   (RFC 9110 §13).
//! - [`body`]: response bodies; cached objects in sealed memory files.
//! - [`serve`]: the request handler ([`Origin::handle`]) — grant check, ranges,
//!   conditional requests, media types, cache headers.
//! - [`server`]: the standalone HTTP/1.1 server of `--role origin`, which
//!   sends cached objects with `sendfile(2)`.
//! - [`cache`]: hot immutable objects in memory, single-flight loading.
//! - [`govern`]: per-site bandwidth budgets, fair shares, paced bodies and
//!   master playlists reduced to the rungs that fit.
//! - [`metrics`]: Prometheus counters.
//!
//! No SQL and no FFmpeg here: the origin knows only grants and the store.

pub mod body;
pub mod cache;
pub mod conditional;
pub mod govern;
pub mod metrics;
pub mod range;
pub mod router;
pub mod serve;
pub mod server;

pub use body::OriginBody;
pub use govern::Governor;
pub use serve::Origin;

use serde::Deserialize;

/// Raises this process's limit of open files to the most it may have, as
/// nginx's `worker_rlimit_nofile` does: every connection and every cached
/// segment holds one, and the usual soft limit (1024) is far too low for a
/// ward's viewers. Returns the limit now in force.
pub fn raise_open_files_limit() -> Option<u64> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        let raised = Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        if let Err(e) = setrlimit(Resource::Nofile, raised) {
            tracing::warn!(error = %e, "the open files limit could not be raised");
        }
    }
    getrlimit(Resource::Nofile).current
}

use domain::MAX_GRANT_SKEW_SECONDS;

/// Settings of the origin role (section `[origin]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Clock difference tolerated when checking a grant's validity period.
    pub grant_skew_seconds: i64,
    /// `max-age` of playlists (segments are immutable and cached for a year).
    pub playlist_max_age_seconds: u32,
    /// Memory for hot segments, init segments and images, in bytes (0: no cache).
    pub cache_bytes: u64,
    /// Largest object kept in the cache.
    pub cache_max_object_bytes: u64,
    /// Longest wait for the media store before answering 503.
    pub store_timeout_ms: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            grant_skew_seconds: 10,
            playlist_max_age_seconds: 5,
            cache_bytes: 256 * 1024 * 1024,
            cache_max_object_bytes: 16 * 1024 * 1024,
            store_timeout_ms: 900,
        }
    }
}

impl Settings {
    /// Rejects values with which playback cannot work; the message names the key.
    pub fn validate(&self) -> Result<(), String> {
        if !(0..=MAX_GRANT_SKEW_SECONDS).contains(&self.grant_skew_seconds) {
            return Err(
                "origin.grant_skew_seconds must be between 0 and 300 (keep the clocks in sync with NTP)".into(),
            );
        }
        if !(1..=60_000).contains(&self.store_timeout_ms) {
            return Err("origin.store_timeout_ms must be between 1 and 60000".into());
        }
        Ok(())
    }
}

//! Prometheus metrics of the origin, in the process-wide default registry.

use prometheus::{IntCounter, IntCounterVec, Opts};
use std::sync::LazyLock;

/// Requests answered, by status class and kind of object.
pub static REQUESTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    let c = IntCounterVec::new(
        Opts::new(
            "manabi_origin_requests_total",
            "Origin requests by status and object kind",
        ),
        &["status", "kind"],
    )
    .unwrap_or_else(|e| panic!("metric definition is static: {e}"));
    let _ = prometheus::register(Box::new(c.clone()));
    c
});

/// Hot-object cache lookups by result (`hit`, `miss` = one store read).
pub static CACHE: LazyLock<IntCounterVec> = LazyLock::new(|| {
    let c = IntCounterVec::new(
        Opts::new(
            "manabi_origin_cache_total",
            "Origin cache lookups by result",
        ),
        &["result"],
    )
    .unwrap_or_else(|e| panic!("metric definition is static: {e}"));
    let _ = prometheus::register(Box::new(c.clone()));
    c
});

/// Media bytes sent.
pub static BYTES: LazyLock<IntCounter> = LazyLock::new(|| {
    let c = IntCounter::new(
        "manabi_origin_bytes_total",
        "Media bytes sent by the origin",
    )
    .unwrap_or_else(|e| panic!("metric definition is static: {e}"));
    let _ = prometheus::register(Box::new(c.clone()));
    c
});

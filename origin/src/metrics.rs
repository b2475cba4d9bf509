//! Prometheus metrics of the origin, in the process-wide default registry.

use prometheus::core::Collector;
use prometheus::{HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Opts};
use std::cell::RefCell;
use std::sync::LazyLock;

/// Registers a metric whose definition is static (so it cannot fail but for
/// a programming error) and returns it.
fn registered<C: Collector + Clone + 'static>(metric: Result<C, prometheus::Error>) -> C {
    let metric = metric.unwrap_or_else(|e| panic!("metric definition is static: {e}"));
    let _ = prometheus::register(Box::new(metric.clone()));
    metric
}

/// Requests answered, by status class and kind of object.
pub static REQUESTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    registered(IntCounterVec::new(
        Opts::new(
            "manabi_origin_requests_total",
            "Origin requests by status and object kind",
        ),
        &["status", "kind"],
    ))
});

/// Counts one answered request in [`REQUESTS`]. Each thread resolves a
/// status and kind's counter once and keeps it (a label lookup per request
/// was measurable on the master playlist).
pub fn count_request(status: http::StatusCode, kind: &'static str) {
    thread_local! {
        static RESOLVED: RefCell<Vec<(u16, &'static str, IntCounter)>> =
            const { RefCell::new(Vec::new()) };
    }
    RESOLVED.with_borrow_mut(|resolved| {
        let code = status.as_u16();
        if let Some((_, _, counter)) = resolved.iter().find(|(s, k, _)| *s == code && *k == kind) {
            counter.inc();
        } else {
            let counter = REQUESTS.with_label_values(&[status.as_str(), kind]);
            counter.inc();
            resolved.push((code, kind, counter));
        }
    });
}

/// Hot-object cache lookups by result: `hit`; `miss` = one store read;
/// `coalesced` = waited for another request's read of the same object.
pub static CACHE: LazyLock<IntCounterVec> = LazyLock::new(|| {
    registered(IntCounterVec::new(
        Opts::new(
            "manabi_origin_cache_total",
            "Origin cache lookups by result (hit, miss, coalesced)",
        ),
        &["result"],
    ))
});

/// The cache's three counters, resolved once (the hot path skips the label lookup).
pub static CACHE_HIT: LazyLock<IntCounter> = LazyLock::new(|| CACHE.with_label_values(&["hit"]));
/// See [`CACHE_HIT`].
pub static CACHE_MISS: LazyLock<IntCounter> = LazyLock::new(|| CACHE.with_label_values(&["miss"]));
/// See [`CACHE_HIT`].
pub static CACHE_COALESCED: LazyLock<IntCounter> =
    LazyLock::new(|| CACHE.with_label_values(&["coalesced"]));

/// Media bytes sent.
pub static BYTES: LazyLock<IntCounter> = LazyLock::new(|| {
    registered(IntCounter::new(
        "manabi_origin_bytes_total",
        "Media bytes sent by the origin",
    ))
});

/// Media bytes sent, by the viewer's site.
pub static SITE_BYTES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    registered(IntCounterVec::new(
        Opts::new(
            "manabi_origin_site_bytes_total",
            "Media bytes sent by the origin, by site",
        ),
        &["site"],
    ))
});

/// Active viewers per site.
pub static VIEWERS: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    registered(IntGaugeVec::new(
        Opts::new(
            "manabi_origin_active_viewers",
            "Viewers with a media request in the last network.viewer_idle_seconds, by site",
        ),
        &["site"],
    ))
});

/// Current bitrate cap per viewer and site (0: unlimited).
pub static CAP_KBPS: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    registered(IntGaugeVec::new(
        Opts::new(
            "manabi_origin_viewer_cap_kbps",
            "Current fair share per viewer in kbit/s, by site (0: no budget)",
        ),
        &["site"],
    ))
});

/// Store latency by operation and outcome.
pub static STORE_SECONDS: LazyLock<HistogramVec> = LazyLock::new(|| {
    registered(HistogramVec::new(
        HistogramOpts::new(
            "manabi_origin_store_seconds",
            "Media store request latency, by operation and outcome",
        )
        .buckets(vec![
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
        ]),
        &["op", "outcome"],
    ))
});

/// Runs one store operation, recording its latency and outcome.
pub async fn timed<T>(
    op: &'static str,
    work: impl std::future::Future<Output = Result<T, store::StoreError>>,
) -> Result<T, store::StoreError> {
    let started = std::time::Instant::now();
    let result = work.await;
    let outcome = match &result {
        Ok(_) => "ok",
        Err(store::StoreError::NotFound) => "not_found",
        Err(_) => "error",
    };
    STORE_SECONDS
        .with_label_values(&[op, outcome])
        .observe(started.elapsed().as_secs_f64());
    result
}

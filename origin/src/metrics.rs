//! Prometheus metrics of the origin, in the process-wide default registry.
//!
//! The counters a request increments are [`Counters`]: prometheus's own are
//! one atomic each, and when every request on both cores incremented the
//! same few, moving their cache lines between the cores cost more than the
//! increments (docs/benchmarks.md).

use prometheus::core::{Collector, Desc};
use prometheus::proto::{self, LabelPair, MetricFamily, MetricType};
use prometheus::{HistogramOpts, HistogramVec, IntGaugeVec, Opts};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

/// Registers a metric whose definition is static (so it cannot fail but for
/// a programming error) and returns it.
fn registered<C: Collector + Clone + 'static>(metric: Result<C, prometheus::Error>) -> C {
    let metric = metric.unwrap_or_else(|e| panic!("metric definition is static: {e}"));
    let _ = prometheus::register(Box::new(metric.clone()));
    metric
}

/// Slots per counter: threads take them in turn, so up to this many threads
/// increment a counter without sharing a cache line.
const SLOTS: usize = 16;

/// One thread's part of a counter, alone on its cache lines (two: CPUs
/// fetch lines in adjacent pairs).
#[repr(align(128))]
#[derive(Default)]
struct Slot(AtomicU64);

/// A counter of one series of [`Counters`]; cheap to clone.
#[derive(Clone)]
pub struct Counter(Arc<[Slot; SLOTS]>);

impl Counter {
    /// Adds `n`.
    pub fn inc_by(&self, n: u64) {
        thread_local! {
            static SLOT: usize = {
                static NEXT: AtomicUsize = AtomicUsize::new(0);
                NEXT.fetch_add(1, Ordering::Relaxed) % SLOTS
            };
        }
        self.0[SLOT.with(|s| *s)].0.fetch_add(n, Ordering::Relaxed);
    }

    /// Adds one.
    pub fn inc(&self) {
        self.inc_by(1);
    }

    /// The count: the sum of every thread's part.
    pub fn get(&self) -> u64 {
        self.0.iter().map(|s| s.0.load(Ordering::Relaxed)).sum()
    }
}

/// A family of counters by label values, as prometheus's `IntCounterVec`
/// (same text on `/metrics`), whose counters are incremented per thread and
/// summed when read.
#[derive(Clone)]
pub struct Counters {
    desc: Desc,
    series: Arc<Mutex<HashMap<Vec<String>, Counter>>>,
}

impl Counters {
    /// A family named `name` with the label names `labels`.
    pub fn new(name: &str, help: &str, labels: &[&str]) -> Result<Self, prometheus::Error> {
        let labels = labels.iter().map(|l| (*l).to_owned()).collect();
        Ok(Self {
            desc: Desc::new(name.to_owned(), help.to_owned(), labels, HashMap::new())?,
            series: Arc::default(),
        })
    }

    /// The counter of these label values (one per label name, in order),
    /// made at first use. Resolve it once, not per request: this locks.
    pub fn with_label_values(&self, values: &[&str]) -> Counter {
        assert_eq!(
            values.len(),
            self.desc.variable_labels.len(),
            "one value per label of {}",
            self.desc.fq_name
        );
        let key: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
        let mut series = self.series.lock().unwrap_or_else(PoisonError::into_inner);
        series
            .entry(key)
            .or_insert_with(|| Counter(Arc::new(Default::default())))
            .clone()
    }
}

impl Collector for Counters {
    fn desc(&self) -> Vec<&Desc> {
        vec![&self.desc]
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let series = self.series.lock().unwrap_or_else(PoisonError::into_inner);
        // In a stable order, as prometheus's own families are.
        let mut sorted: Vec<_> = series.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        let metrics = sorted
            .into_iter()
            .map(|(values, counter)| {
                let labels = self
                    .desc
                    .variable_labels
                    .iter()
                    .zip(values)
                    .map(|(name, value)| {
                        let mut pair = LabelPair::default();
                        pair.set_name(name.clone());
                        pair.set_value(value.clone());
                        pair
                    })
                    .collect();
                let mut metric = proto::Metric::from_label(labels);
                let mut value = proto::Counter::default();
                value.set_value(counter.get() as f64);
                metric.set_counter(value);
                metric
            })
            .collect();
        let mut family = MetricFamily::default();
        family.set_name(self.desc.fq_name.clone());
        family.set_help(self.desc.help.clone());
        family.set_field_type(MetricType::COUNTER);
        family.set_metric(metrics);
        vec![family]
    }
}

/// Requests answered, by status class and kind of object.
pub static REQUESTS: LazyLock<Counters> = LazyLock::new(|| {
    registered(Counters::new(
        "manabi_origin_requests_total",
        "Origin requests by status and object kind",
        &["status", "kind"],
    ))
});

/// Counts one answered request in [`REQUESTS`]. Each thread resolves a
/// status and kind's counter once and keeps it (a label lookup per request
/// was measurable on the master playlist).
pub fn count_request(status: http::StatusCode, kind: &'static str) {
    thread_local! {
        static RESOLVED: RefCell<Vec<(u16, &'static str, Counter)>> =
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
pub static CACHE: LazyLock<Counters> = LazyLock::new(|| {
    registered(Counters::new(
        "manabi_origin_cache_total",
        "Origin cache lookups by result (hit, miss, coalesced)",
        &["result"],
    ))
});

/// The cache's three counters, resolved once (the hot path skips the label lookup).
pub static CACHE_HIT: LazyLock<Counter> = LazyLock::new(|| CACHE.with_label_values(&["hit"]));
/// See [`CACHE_HIT`].
pub static CACHE_MISS: LazyLock<Counter> = LazyLock::new(|| CACHE.with_label_values(&["miss"]));
/// See [`CACHE_HIT`].
pub static CACHE_COALESCED: LazyLock<Counter> =
    LazyLock::new(|| CACHE.with_label_values(&["coalesced"]));

/// Media bytes sent.
pub static BYTES: LazyLock<Counter> = LazyLock::new(|| {
    registered(Counters::new(
        "manabi_origin_bytes_total",
        "Media bytes sent by the origin",
        &[],
    ))
    .with_label_values(&[])
});

/// Media bytes sent, by the viewer's site.
pub static SITE_BYTES: LazyLock<Counters> = LazyLock::new(|| {
    registered(Counters::new(
        "manabi_origin_site_bytes_total",
        "Media bytes sent by the origin, by site",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_sum_every_threads_increments_and_read_as_prometheus_counters() {
        let family = Counters::new("t_requests_total", "Requests", &["status", "kind"]).unwrap();
        let ok = family.with_label_values(&["200", "segment"]);
        std::thread::scope(|scope| {
            for _ in 0..40 {
                let ok = ok.clone();
                scope.spawn(move || (0..1000).for_each(|_| ok.inc()));
            }
        });
        family.with_label_values(&["404", "none"]).inc_by(3);
        family.with_label_values(&["200", "segment"]).inc();
        assert_eq!(ok.get(), 40_001);

        let mut text = Vec::new();
        prometheus::Encoder::encode(
            &prometheus::TextEncoder::new(),
            &family.collect(),
            &mut text,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "# HELP t_requests_total Requests\n\
             # TYPE t_requests_total counter\n\
             t_requests_total{status=\"200\",kind=\"segment\"} 40001\n\
             t_requests_total{status=\"404\",kind=\"none\"} 3\n"
        );
    }
}

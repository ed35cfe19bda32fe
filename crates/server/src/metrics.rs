//! Prometheus metrics: requests by action and error code, latency by action, open and refused
//! connections.

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

/// Labels of the request counter.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The action (`unknown` when it could not be read).
    pub action: &'static str,
    /// `OK` or the AWS error code.
    pub code: &'static str,
}

/// Labels of the latency histogram.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ActionLabels {
    /// The action.
    pub action: &'static str,
}

fn latency_histogram() -> Histogram {
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        0.000_025, 2.0, 18,
    ))
}

/// The server's metrics and their registry (one per server, so tests can run several).
pub struct Metrics {
    registry: Registry,
    /// `rolegate_requests_total`.
    pub requests: Family<RequestLabels, Counter>,
    /// `rolegate_request_duration_seconds`.
    pub latency: Family<ActionLabels, Histogram, fn() -> Histogram>,
    /// `rolegate_connections_open`.
    pub connections_open: Gauge,
    /// `rolegate_connections_refused_total`: closed at once because `--max-connections` were open.
    pub connections_refused: Counter,
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<ActionLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        registry.register(
            "rolegate_requests",
            "API requests by action and result code",
            requests.clone(),
        );
        registry.register(
            "rolegate_request_duration_seconds",
            "API request latency by action",
            latency.clone(),
        );
        let connections_open = Gauge::default();
        let connections_refused = Counter::default();
        registry.register(
            "rolegate_connections_open",
            "Open client connections",
            connections_open.clone(),
        );
        registry.register(
            "rolegate_connections_refused",
            "Connections closed on arrival because the connection limit was reached",
            connections_refused.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            connections_open,
            connections_refused,
        }
    }

    /// The text exposition format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

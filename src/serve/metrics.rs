//! The service's metrics, in the OpenMetrics text format Prometheus scrapes
//! (written by the `prometheus-client` crate): requests by route and status,
//! decisions by verdict, the conditions they tripped, errors by kind, the
//! decision latency, reloads, and the policies in force as an info metric
//! whose labels are their digest and engine.

use std::sync::RwLock;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::metrics::info::Info;
use prometheus_client::metrics::TypedMetric;
use prometheus_client::registry::{Registry, Unit};

use crate::model::{ErrorKind, SnapshotResult, Verdict};

type Labels = Vec<(&'static str, String)>;

/// The content type of [`Metrics::encode`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<Labels, Counter>,
    decisions: Family<Labels, Counter>,
    conditions: Family<Labels, Counter>,
    errors: Family<Labels, Counter>,
    latency: Histogram,
    reloads: Family<Labels, Counter>,
    policy: std::sync::Arc<PolicyInfo>,
}

/// The info metric of the policies in force; its labels change on a reload.
#[derive(Debug, Default)]
struct PolicyInfo(RwLock<Labels>);

impl Collector for PolicyInfo {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        let labels = self.0.read().unwrap_or_else(|e| e.into_inner()).clone();
        let metric = encoder.encode_descriptor(
            "closeout_policy",
            "The policies in force: their digest (as in the audit log) and engine",
            None,
            Info::<Labels>::TYPE,
        )?;
        Info::new(labels).encode(metric)
    }
}

impl Metrics {
    pub fn new(digest: &str, engine: &str) -> Metrics {
        let mut registry = Registry::default();
        let requests = Family::<Labels, Counter>::default();
        registry.register(
            "closeout_http_requests",
            "HTTP requests answered, by route and status code",
            requests.clone(),
        );
        let decisions = Family::<Labels, Counter>::default();
        registry.register(
            "closeout_decisions",
            "Snapshots decided, by verdict",
            decisions.clone(),
        );
        let conditions = Family::<Labels, Counter>::default();
        registry.register(
            "closeout_decision_conditions",
            "Decisions in which a condition tripped (waived findings not counted), by condition id",
            conditions.clone(),
        );
        let errors = Family::<Labels, Counter>::default();
        registry.register(
            "closeout_decision_errors",
            "Decisions with verdict error, by error kind",
            errors.clone(),
        );
        let latency = Histogram::new(exponential_buckets(0.000_25, 2.0, 16));
        registry.register_with_unit(
            "closeout_decision_duration",
            "Time from a decision's queueing to its answer (evaluation and audit record included)",
            Unit::Seconds,
            latency.clone(),
        );
        let reloads = Family::<Labels, Counter>::default();
        registry.register(
            "closeout_reloads",
            "Policy reloads, by outcome (ok, failed)",
            reloads.clone(),
        );
        let policy = std::sync::Arc::new(PolicyInfo::default());
        registry.register_collector(Box::new(std::sync::Arc::clone(&policy)));
        let metrics = Metrics {
            registry,
            requests,
            decisions,
            conditions,
            errors,
            latency,
            reloads,
            policy,
        };
        metrics.set_policy(digest, engine);
        metrics
    }

    pub fn set_policy(&self, digest: &str, engine: &str) {
        *self.policy.0.write().unwrap_or_else(|e| e.into_inner()) =
            vec![("digest", digest.to_owned()), ("engine", engine.to_owned())];
    }

    pub fn request(&self, route: &str, status: u16) {
        self.requests
            .get_or_create(&vec![
                ("route", route.to_owned()),
                ("status", status.to_string()),
            ])
            .inc();
    }

    pub fn decided(&self, result: &SnapshotResult, seconds: f64) {
        let verdict = match result.verdict {
            Verdict::Eligible => "eligible",
            Verdict::Blocked => "blocked",
            Verdict::Error => "error",
        };
        self.decisions
            .get_or_create(&vec![("verdict", verdict.to_owned())])
            .inc();
        for id in result.counted_ids() {
            self.conditions
                .get_or_create(&vec![("condition", id.to_owned())])
                .inc();
        }
        if let Some(error) = &result.error {
            self.errors
                .get_or_create(&vec![("kind", kind_name(&error.kind).to_owned())])
                .inc();
        }
        self.latency.observe(seconds);
    }

    pub fn reloaded(&self, ok: bool) {
        let outcome = if ok { "ok" } else { "failed" };
        self.reloads
            .get_or_create(&vec![("outcome", outcome.to_owned())])
            .inc();
    }

    /// The OpenMetrics text of every metric.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

/// The error kind as the JSON report spells it.
fn kind_name(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Unreadable => "unreadable",
        ErrorKind::Encoding => "encoding",
        ErrorKind::Syntax => "syntax",
        ErrorKind::Schema => "schema",
        ErrorKind::UnknownProvider => "unknown_provider",
        ErrorKind::Policy => "policy",
    }
}

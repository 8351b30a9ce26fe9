//! opspod's own Prometheus metrics: one registry for the process, filled where the work happens and served as
//! text on `/metrics`.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use super::status;
use crate::pipeline::{Input, Outcome};
use crate::ports::SinkError;
use crate::store::{OutboxRow, StoreError};

/// The `Content-Type` of what [`encode`] returns: the Prometheus text format, version 0.0.4.
pub const CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

type Label = [(&'static str, &'static str); 1];
type Labels2 = [(&'static str, &'static str); 2];
type Source = [(&'static str, String); 1];

/// Every metric opspod exports. Counter names get their `_total` suffix when encoded.
pub struct Metrics {
    registry: Registry,
    events: Family<Source, Counter>,
    rejected: Family<Source, Counter>,
    delivered: Family<Label, Counter>,
    superseded: Counter,
    delivery_failures: Family<Label, Counter>,
    delivery_latency: Family<Label, Histogram, fn() -> Histogram>,
    outbox_depth: Gauge,
    aws_calls: Family<Labels2, Counter>,
    aws_throttles: Family<Label, Counter>,
    store_errors: Counter,
    leader: Gauge,
}

/// From 50 ms to about 7 min, doubling: a post goes out within a second; a backlog after an outage takes minutes.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.05, 2.0, 14))
}

impl Metrics {
    pub fn new() -> Self {
        let mut metrics = Metrics {
            registry: Registry::default(),
            events: Family::default(),
            rejected: Family::default(),
            delivered: Family::default(),
            superseded: Counter::default(),
            delivery_failures: Family::default(),
            delivery_latency: Family::new_with_constructor(latency_histogram),
            outbox_depth: Gauge::default(),
            aws_calls: Family::default(),
            aws_throttles: Family::default(),
            store_errors: Counter::default(),
            leader: Gauge::default(),
        };
        metrics.register();
        // Known label values start at 0, so a rate over them is defined before the first delivery.
        for op in ["post", "edit", "note"] {
            let _ = metrics.delivered.get_or_create(&[("op", op)]);
            let _ = metrics.delivery_latency.get_or_create(&[("op", op)]);
        }
        for kind in ["transient", "permanent"] {
            let _ = metrics.delivery_failures.get_or_create(&[("kind", kind)]);
        }
        metrics
    }

    fn register(&mut self) {
        let registry = &mut self.registry;
        registry.register("opspod_events", "Events accepted and stored, by source", self.events.clone());
        registry.register("opspod_events_rejected", "Inputs refused as malformed, by source", self.rejected.clone());
        registry.register("opspod_messages_delivered", "Chat messages sent, by operation", self.delivered.clone());
        registry.register(
            "opspod_outbox_superseded",
            "Queued edits skipped because a later edit of the same message was queued",
            self.superseded.clone(),
        );
        registry.register(
            "opspod_delivery_failures",
            "Failed delivery attempts: transient (chat unreachable) or permanent (chat refused)",
            self.delivery_failures.clone(),
        );
        registry.register(
            "opspod_delivery_latency_seconds",
            "Time from a message being queued in the outbox to chat confirming it, by operation",
            self.delivery_latency.clone(),
        );
        registry.register("opspod_outbox_depth", "Messages waiting for delivery", self.outbox_depth.clone());
        registry.register(
            "opspod_aws_calls",
            "HTTP requests to AWS, retries included, by service and outcome (ok, error, unreachable)",
            self.aws_calls.clone(),
        );
        registry.register(
            "opspod_aws_throttles",
            "AWS calls still throttled after the SDK's adaptive retries, by service",
            self.aws_throttles.clone(),
        );
        registry.register(
            "opspod_store_errors",
            "Database operations that failed: batches not stored, delivery passes cut short",
            self.store_errors.clone(),
        );
        registry.register("opspod_leader", "1 while this replica does the leader's work", self.leader.clone());
    }

    /// The registry in the Prometheus text format.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        prometheus_text::encode(&mut text, &self.registry).expect("writing to a String cannot fail");
        text
    }

    fn batch_stored(&self, inputs: &[Input], outcomes: &[Outcome]) {
        for (input, outcome) in inputs.iter().zip(outcomes) {
            let source = [("source", input.source.clone())];
            match outcome {
                Outcome::Accepted(_) => self.events.get_or_create(&source).inc(),
                Outcome::Rejected(_) => self.rejected.get_or_create(&source).inc(),
                Outcome::Skipped { .. } => continue,
            };
        }
    }

    fn delivered<'r>(&self, rows: impl IntoIterator<Item = &'r OutboxRow>, now: DateTime<Utc>) {
        for row in rows {
            let op = [("op", row.op.as_str())];
            self.delivered.get_or_create(&op).inc();
            let seconds = (now - row.created_at).num_milliseconds().max(0) as f64 / 1000.0;
            self.delivery_latency.get_or_create(&op).observe(seconds);
        }
    }

    fn delivery_failed(&self, error: &SinkError) {
        let kind = if matches!(error, SinkError::Transient { .. }) { "transient" } else { "permanent" };
        self.delivery_failures.get_or_create(&[("kind", kind)]).inc();
    }

    fn aws_call(&self, service: &'static str, outcome: &'static str) {
        self.aws_calls.get_or_create(&[("service", service), ("outcome", outcome)]).inc();
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// The process's metrics in the Prometheus text format.
pub fn encode() -> String {
    METRICS.encode()
}

/// Counts a batch the pipeline tried to store: per source, what was accepted and rejected once it was
/// committed, or a store error when it was not.
pub fn batch_stored(inputs: &[Input], stored: &Result<Vec<Outcome>, StoreError>) {
    match stored {
        Ok(outcomes) => METRICS.batch_stored(inputs, outcomes),
        Err(_) => store_error(),
    }
    status::store_write(stored.as_ref().err());
}

/// Counts messages chat confirmed at `now`, and how long each waited since it was queued.
pub fn delivered<'r>(rows: impl IntoIterator<Item = &'r OutboxRow>, now: DateTime<Utc>) {
    METRICS.delivered(rows, now);
    status::delivery(None);
}

pub fn superseded(edits: u64) {
    METRICS.superseded.inc_by(edits);
}

pub fn delivery_failed(error: &SinkError) {
    METRICS.delivery_failed(error);
    status::delivery(Some(error));
}

/// Counts a failed database operation that [`batch_stored`] does not see.
pub fn store_error() {
    METRICS.store_errors.inc();
}

/// One HTTP request to an AWS `service` (`cloudwatch`, `sqs`): `ok`, `error` (AWS answered with an error) or
/// `unreachable` (no answer).
pub fn aws_call(service: &'static str, outcome: &'static str) {
    METRICS.aws_call(service, outcome);
}

/// An AWS call that failed throttled for the IAM `action` (`cloudwatch:GetMetricData`).
pub fn aws_throttled(action: &'static str) {
    let service = action.split_once(':').map_or(action, |(service, _)| service);
    METRICS.aws_throttles.get_or_create(&[("service", service)]).inc();
}

pub fn set_outbox_depth(depth: i64) {
    METRICS.outbox_depth.set(depth);
}

/// Whether this replica holds the leader lease and runs the pollers and jobs.
pub fn set_leader(leader: bool) {
    METRICS.leader.set(i64::from(leader));
}

pub fn is_leader() -> bool {
    METRICS.leader.get() == 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::Payload;
    use crate::store::{NewRejection, OutboxOp};

    fn input(source: &str) -> Input {
        Input { source: source.into(), origin: format!("{source}#1"), payload: Payload::Raw(vec![]) }
    }

    fn rejection() -> Outcome {
        Outcome::Rejected(NewRejection {
            received_at: Utc::now(),
            source: "sqs".into(),
            origin: "sqs#1".into(),
            reason: "not JSON".into(),
            field: None,
            raw: "{".into(),
        })
    }

    fn row(op: OutboxOp, created_at: DateTime<Utc>) -> OutboxRow {
        OutboxRow {
            id: 1,
            idempotency_key: "k".into(),
            incident_id: None,
            channel: "team".into(),
            op,
            body: String::new(),
            attempts: 0,
            created_at,
        }
    }

    #[test]
    fn metrics_without_labels_and_known_labels_start_at_zero() {
        let text = Metrics::new().encode();
        for line in [
            "opspod_messages_delivered_total{op=\"edit\"} 0",
            "opspod_outbox_superseded_total 0",
            "opspod_delivery_failures_total{kind=\"permanent\"} 0",
            "opspod_delivery_latency_seconds_count{op=\"note\"} 0",
            "opspod_outbox_depth 0",
            "opspod_store_errors_total 0",
            "opspod_leader 0",
        ] {
            assert!(text.contains(&format!("{line}\n")), "{line} is missing:\n{text}");
        }
        assert!(!text.contains("opspod_events_total"), "sources are counted once seen:\n{text}");
    }

    #[test]
    fn rejected_inputs_are_counted_apart_from_events_and_skipped_ones_not_at_all() {
        let metrics = Metrics::new();
        let skipped = Outcome::Skipped { origin: "sqs#3".into(), reason: "handshake".into() };

        metrics.batch_stored(&[input("sqs"), input("sqs"), input("replay")], &[rejection(), skipped, rejection()]);

        let text = metrics.encode();
        assert!(text.contains("opspod_events_rejected_total{source=\"sqs\"} 1\n"), "{text}");
        assert!(text.contains("opspod_events_rejected_total{source=\"replay\"} 1\n"), "{text}");
        assert!(!text.contains("opspod_events_total{"), "{text}");
    }

    #[test]
    fn a_delivery_is_counted_by_operation_with_its_wait_in_the_histogram() {
        let metrics = Metrics::new();
        let now = Utc::now();

        metrics.delivered([&row(OutboxOp::Post, now - chrono::Duration::milliseconds(300))], now);
        metrics.delivered([&row(OutboxOp::Note, now), &row(OutboxOp::Note, now)], now);

        let text = metrics.encode();
        assert!(text.contains("opspod_messages_delivered_total{op=\"post\"} 1\n"), "{text}");
        assert!(text.contains("opspod_messages_delivered_total{op=\"note\"} 2\n"), "{text}");
        assert!(text.contains("opspod_delivery_latency_seconds_bucket{op=\"post\",le=\"0.2\"} 0\n"), "{text}");
        assert!(text.contains("opspod_delivery_latency_seconds_bucket{op=\"post\",le=\"0.4\"} 1\n"), "{text}");
        assert!(text.contains("opspod_delivery_latency_seconds_sum{op=\"post\"} 0.3\n"), "{text}");
        assert!(text.contains("opspod_delivery_latency_seconds_count{op=\"note\"} 2\n"), "{text}");
    }

    #[test]
    fn failures_are_counted_by_kind_and_aws_calls_by_service_and_outcome() {
        let metrics = Metrics::new();

        metrics.delivery_failed(&SinkError::Transient { reason: "502".into(), retry_after: None });
        metrics.delivery_failed(&SinkError::Permanent("missing access".into()));
        metrics.delivery_failed(&SinkError::Permanent("missing access".into()));
        metrics.aws_call("cloudwatch", "ok");
        metrics.aws_call("cloudwatch", "ok");
        metrics.aws_call("sqs", "unreachable");

        let text = metrics.encode();
        assert!(text.contains("opspod_delivery_failures_total{kind=\"transient\"} 1\n"), "{text}");
        assert!(text.contains("opspod_delivery_failures_total{kind=\"permanent\"} 2\n"), "{text}");
        assert!(text.contains("opspod_aws_calls_total{service=\"cloudwatch\",outcome=\"ok\"} 2\n"), "{text}");
        assert!(text.contains("opspod_aws_calls_total{service=\"sqs\",outcome=\"unreachable\"} 1\n"), "{text}");
    }

    #[test]
    fn throttles_are_counted_under_the_service_of_the_iam_action() {
        aws_throttled("cloudwatch:GetMetricData");

        assert!(encode().contains("opspod_aws_throttles_total{service=\"cloudwatch\"} "), "{}", encode());
    }

    #[test]
    fn the_leader_gauge_follows_the_setter() {
        set_leader(true);
        assert!(is_leader() && encode().contains("opspod_leader 1\n"));
        set_leader(false);
        assert!(!is_leader() && encode().contains("opspod_leader 0\n"));
    }
}

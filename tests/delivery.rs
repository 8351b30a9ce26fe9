//! The delivery worker: order, retries through an outage, giving up on refusals, and a clean stop.

mod support;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use opspod::delivery::{Backoff, Delivery};
use opspod::domain::glob::Glob;
use opspod::domain::grouping::GroupBy;
use opspod::pipeline::{Input, Payload, Pipeline, Rules};
use opspod::ports::SystemClock;
use opspod::store::Store;
use support::events;
use support::sink::RecordingSink;
use tokio_util::sync::CancellationToken;

const QUICK: Backoff = Backoff { initial: Duration::from_millis(10), max: Duration::from_millis(40), max_attempts: 3 };

/// One message per alarm: these tests are about delivery, not storm grouping (tests/storm.rs).
fn rules() -> Rules {
    let mut rules = Rules::default();
    rules.policy.critical_alarms = vec![Glob::new("*critical*").unwrap()];
    rules.grouping.by = GroupBy::Off;
    rules
}

async fn ingest(pipeline: &Pipeline, raws: &[String]) {
    let inputs: Vec<Input> = raws
        .iter()
        .map(|raw| Input {
            source: "test".into(),
            origin: "test".into(),
            payload: Payload::Raw(raw.clone().into_bytes()),
        })
        .collect();
    pipeline.ingest(&inputs).await.unwrap();
}

async fn deliver_everything(delivery: &Delivery, store: &Store) {
    for _ in 0..200 {
        delivery.pass().await.unwrap();
        if store.pending_outbox().await.unwrap() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the outbox did not drain");
}

fn parts(store: &Store, sink: &Arc<RecordingSink>) -> (Pipeline, Delivery) {
    let pipeline = Pipeline::new(store.clone(), rules(), Arc::new(SystemClock));
    let delivery = Delivery::new(store.clone(), sink.clone(), Arc::new(SystemClock), QUICK);
    (pipeline, delivery)
}

const T1: &str = "2026-11-20T14:02:11.000+0000";
const T2: &str = "2026-11-20T14:31:05.000+0000";

#[tokio::test]
async fn recovery_edits_the_original_post_and_adds_a_thread_line() {
    let (store, _db) = support::sqlite_store().await;
    let sink = Arc::new(RecordingSink::default());
    let (pipeline, delivery) = parts(&store, &sink);
    ingest(&pipeline, &[events::alarm("checkout-api-errors", "checkout-api", "ALARM", T1)]).await;
    ingest(&pipeline, &[events::alarm("checkout-api-errors", "checkout-api", "OK", T2)]).await;

    deliver_everything(&delivery, &store).await;

    assert_eq!(
        sink.log(),
        vec![
            "post m1 #team checkout-api · Errors ≥ 5 · us-east-1 · 210987654321",
            "edit m1 #team checkout-api · Errors ≥ 5 · us-east-1 · 210987654321 · resolved after 28 min",
            "note m1 #team 14:31 OK — resolved after 28 min",
        ]
    );
}

#[tokio::test]
async fn an_outage_delays_delivery_but_loses_and_repeats_nothing() {
    let (store, _db) = support::sqlite_store().await;
    let sink = Arc::new(RecordingSink::default());
    let (pipeline, delivery) = parts(&store, &sink);
    sink.down.store(true, Ordering::SeqCst);
    ingest(
        &pipeline,
        &[
            events::alarm("checkout-api-errors", "checkout-api", "ALARM", T1),
            events::alarm("search-api-errors", "search-api", "ALARM", T1),
            events::alarm("checkout-api-errors", "checkout-api", "OK", T2),
        ],
    )
    .await;

    for _ in 0..5 {
        let pass = delivery.pass().await.unwrap();
        assert!(pass.stalled && pass.delivered == 0);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(sink.log().is_empty());
    sink.down.store(false, Ordering::SeqCst);
    deliver_everything(&delivery, &store).await;

    let log = sink.log();
    assert_eq!(log.len(), 4, "two posts, one edit, one thread line: {log:#?}");
    assert!(log[0].starts_with("post m1 #team checkout-api"), "{log:#?}");
    assert!(log[1].starts_with("post m2 #team search-api"), "{log:#?}");
    assert!(log[2].starts_with("edit m1 #team checkout-api"), "{log:#?}");
    assert!(log[3].starts_with("note m1"), "{log:#?}");
}

#[tokio::test]
async fn a_refused_message_is_given_up_after_its_attempts_and_the_rest_still_flows() {
    let (store, _db) = support::sqlite_store().await;
    let sink = Arc::new(RecordingSink::default());
    *sink.refused_channel.lock().unwrap() = Some("oncall".into());
    let (pipeline, delivery) = parts(&store, &sink);
    ingest(
        &pipeline,
        &[
            events::alarm("checkout-critical-errors", "checkout-api", "ALARM", T1),
            events::alarm("search-api-errors", "search-api", "ALARM", T1),
        ],
    )
    .await;

    deliver_everything(&delivery, &store).await;

    assert_eq!(sink.log().len(), 1);
    assert!(sink.log()[0].contains("#team search-api"));
    assert_eq!(store.pending_outbox().await.unwrap(), 0, "the refused post was given up after 3 attempts");
}

#[tokio::test]
async fn stopping_the_worker_still_delivers_what_is_due() {
    let (store, _db) = support::sqlite_store().await;
    let sink = Arc::new(RecordingSink::default());
    let (pipeline, delivery) = parts(&store, &sink);
    let stop = CancellationToken::new();
    stop.cancel();
    ingest(&pipeline, &[events::alarm("checkout-api-errors", "checkout-api", "ALARM", T1)]).await;

    delivery.run(pipeline.outbox_ready(), stop).await;

    assert_eq!(sink.log().len(), 1);
    assert_eq!(store.pending_outbox().await.unwrap(), 0);
}

/// A sink whose platform counts messages over a window, like Discord's 5 per 5 s per channel.
struct WindowedSink(RecordingSink, Duration);

#[async_trait::async_trait]
impl opspod::ports::ChatSink for WindowedSink {
    async fn post(
        &self,
        channel: &str,
        message: &opspod::chat::message::Message,
        key: &str,
    ) -> Result<String, opspod::ports::SinkError> {
        self.0.post(channel, message, key).await
    }
    async fn edit(
        &self,
        channel: &str,
        message_ref: &str,
        message: &opspod::chat::message::Message,
    ) -> Result<(), opspod::ports::SinkError> {
        self.0.edit(channel, message_ref, message).await
    }
    async fn note(
        &self,
        channel: &str,
        message_ref: &str,
        note: &opspod::chat::message::Note,
        key: &str,
    ) -> Result<(), opspod::ports::SinkError> {
        self.0.note(channel, message_ref, note, key).await
    }
    fn rate_window(&self) -> Duration {
        self.1
    }
}

#[tokio::test]
async fn a_worker_started_right_after_another_sent_waits_out_the_platforms_window() {
    let (store, _db) = support::sqlite_store().await;
    let (pipeline, first) = parts(&store, &Arc::new(RecordingSink::default()));
    ingest(&pipeline, &[events::alarm("checkout-api-errors", "checkout-api", "ALARM", T1)]).await;
    deliver_everything(&first, &store).await;
    ingest(&pipeline, &[events::alarm("search-api-errors", "search-api", "ALARM", T1)]).await;

    // The first worker was killed; a new one starts at once, on a platform that counts the last 1.5 s.
    let sink = Arc::new(WindowedSink(RecordingSink::default(), Duration::from_millis(1_500)));
    let restarted = Delivery::new(store.clone(), sink.clone(), Arc::new(SystemClock), QUICK);
    let started = std::time::Instant::now();
    let stop = CancellationToken::new();
    let worker = tokio::spawn({
        let (ready, stop) = (pipeline.outbox_ready(), stop.clone());
        async move { restarted.run(ready, stop).await }
    });
    while sink.0.log().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(10), "the second alert was never sent");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let waited = started.elapsed();
    stop.cancel();
    worker.await.unwrap();

    assert!(waited >= Duration::from_millis(1_300), "sent {waited:?} after the start, inside the window");
    assert!(sink.0.log()[0].contains("search-api"), "{:?}", sink.0.log());
}

//! The store contract: one suite, run against SQLite and against PostgreSQL.

mod support;

use std::sync::Arc;

use chrono::{Duration, Utc};
use opspod::domain::incident::Action;
use opspod::pipeline::{Input, Outcome, Payload, Pipeline, Report, Rules};
use opspod::ports::SystemClock;
use opspod::store::{OutboxItem, OutboxOp, Store};
use support::events;

fn pipeline(store: &Store) -> Pipeline {
    Pipeline::new(store.clone(), Rules::default(), Arc::new(SystemClock))
}

fn input(raw: String) -> Input {
    Input { source: "test".into(), origin: "test".into(), payload: Payload::Raw(raw.into_bytes()) }
}

async fn ingest(pipeline: &Pipeline, raws: Vec<String>) -> Vec<Report> {
    let inputs: Vec<Input> = raws.into_iter().map(input).collect();
    let outcomes = pipeline.ingest(&inputs).await.expect("ingest");
    outcomes
        .into_iter()
        .map(|outcome| match outcome {
            Outcome::Accepted(report) => report,
            Outcome::Rejected(rejection) => panic!("unexpected rejection: {}", rejection.reason),
            Outcome::Skipped { reason, .. } => panic!("unexpected skip: {reason}"),
        })
        .collect()
}

fn actions(reports: &[Report]) -> Vec<Action> {
    reports.iter().map(|report| report.action).collect()
}

const T1: &str = "2026-11-20T14:02:11.000+0000";
const T2: &str = "2026-11-20T14:31:05.000+0000";
const T3: &str = "2026-11-20T15:10:00.000+0000";

async fn an_event_delivered_twice_is_stored_and_posted_once(store: &Store) {
    let pipeline = pipeline(store);
    let firing = events::alarm("checkout-api-errors", "checkout-api", "ALARM", T1);
    let first = ingest(&pipeline, vec![firing.clone()]).await;
    let again = ingest(&pipeline, vec![firing]).await;
    assert_eq!(actions(&first), vec![Action::Open]);
    assert_eq!(actions(&again), vec![Action::None]);
    assert_eq!(again[0].reason.as_deref(), Some("duplicate of an event already stored"));
    assert_eq!(store.event_count().await.unwrap(), 1);
    assert_eq!(store.pending_outbox().await.unwrap(), 1);
}

async fn duplicates_inside_one_batch_count_once(store: &Store) {
    let firing = events::alarm("checkout-api-errors", "checkout-api", "ALARM", T1);
    let reports = ingest(&pipeline(store), vec![firing.clone(), firing]).await;
    assert_eq!(actions(&reports), vec![Action::Open, Action::None]);
    assert_eq!(store.event_count().await.unwrap(), 1);
}

async fn an_alarm_and_its_recovery_open_and_resolve_one_incident(store: &Store) {
    let pipeline = pipeline(store);
    ingest(&pipeline, vec![events::alarm("checkout-api-errors", "checkout-api", "ALARM", T1)]).await;
    let reports = ingest(&pipeline, vec![events::alarm("checkout-api-errors", "checkout-api", "OK", T2)]).await;
    assert_eq!(actions(&reports), vec![Action::Resolve]);
    let incidents = store.incident_statuses().await.unwrap();
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].1, "resolved");
    let timeline = store.timeline(&incidents[0].0).await.unwrap();
    let kinds: Vec<&str> = timeline.iter().map(|entry| entry.kind.as_str()).collect();
    assert_eq!(kinds, vec!["opened", "resolved"]);
    assert_eq!(store.pending_outbox().await.unwrap(), 3, "a post, then an edit and a thread note");
}

async fn a_new_alarm_after_recovery_opens_a_second_incident_even_in_one_batch(store: &Store) {
    let reports = ingest(
        &pipeline(store),
        vec![
            events::alarm("checkout-api-errors", "checkout-api", "ALARM", T1),
            events::alarm("checkout-api-errors", "checkout-api", "OK", T2),
            events::alarm("checkout-api-errors", "checkout-api", "ALARM", T3),
        ],
    )
    .await;
    assert_eq!(actions(&reports), vec![Action::Open, Action::Resolve, Action::Open]);
    assert_ne!(reports[0].incident, reports[2].incident);
    let statuses: Vec<String> = store.incident_statuses().await.unwrap().into_iter().map(|(_, s)| s).collect();
    assert_eq!(statuses, vec!["resolved", "open"]);
}

async fn an_incident_resolved_and_reopened_in_one_batch_keeps_the_batch_whole(store: &Store) {
    let pipeline = pipeline(store);
    ingest(&pipeline, vec![events::alarm("checkout-api-errors", "checkout-api", "ALARM", T1)]).await;
    let reports = ingest(
        &pipeline,
        vec![
            events::alarm("checkout-api-errors", "checkout-api", "OK", T2),
            events::alarm("checkout-api-errors", "checkout-api", "ALARM", T3),
        ],
    )
    .await;
    assert_eq!(actions(&reports), vec![Action::Resolve, Action::Open]);
    let statuses: Vec<String> = store.incident_statuses().await.unwrap().into_iter().map(|(_, s)| s).collect();
    assert_eq!(statuses, vec!["resolved", "open"]);
}

async fn the_outbox_hands_out_an_incidents_messages_in_order(store: &Store) {
    let pipeline = pipeline(store);
    ingest(
        &pipeline,
        vec![
            events::alarm("checkout-api-errors", "checkout-api", "ALARM", T1),
            events::alarm("checkout-api-errors", "checkout-api", "OK", T2),
        ],
    )
    .await;
    let now = Utc::now();
    let first = store.due_outbox(now, 10).await.unwrap();
    assert_eq!(first.iter().map(|row| row.op).collect::<Vec<_>>(), vec![OutboxOp::Post], "the edit waits for its post");
    store.mark_sent(&first[0], now, Some("msg-1")).await.unwrap();
    let incident = first[0].incident_id.clone().unwrap();
    assert_eq!(store.chat_message(&incident).await.unwrap().unwrap().message_ref, "msg-1");
    let second = store.due_outbox(now, 10).await.unwrap();
    assert_eq!(second.iter().map(|row| row.op).collect::<Vec<_>>(), vec![OutboxOp::Edit]);
    store.mark_sent(&second[0], now, None).await.unwrap();
    let third = store.due_outbox(now, 10).await.unwrap();
    assert_eq!(third.iter().map(|row| row.op).collect::<Vec<_>>(), vec![OutboxOp::Note]);
    store.mark_sent(&third[0], now, None).await.unwrap();
    assert_eq!(store.pending_outbox().await.unwrap(), 0);
}

async fn a_failed_delivery_waits_for_its_retry_time_and_can_be_given_up(store: &Store) {
    ingest(&pipeline(store), vec![events::alarm("checkout-api-errors", "checkout-api", "ALARM", T1)]).await;
    let now = Utc::now();
    let row = store.due_outbox(now, 10).await.unwrap().remove(0);
    store.mark_failed(&row, now, "Discord is down", Some(now + Duration::seconds(30))).await.unwrap();
    assert!(store.due_outbox(now, 10).await.unwrap().is_empty(), "not due before its retry time");
    let retried = store.due_outbox(now + Duration::seconds(31), 10).await.unwrap();
    assert_eq!(retried[0].attempts, 1);
    store.mark_failed(&retried[0], now, "Missing Access", None).await.unwrap();
    assert!(store.due_outbox(now + Duration::days(1), 10).await.unwrap().is_empty());
    assert_eq!(store.pending_outbox().await.unwrap(), 0, "a given-up row no longer counts as pending");
}

async fn the_same_idempotency_key_is_enqueued_once(store: &Store) {
    let item = OutboxItem {
        idempotency_key: "digest|2026-W47".into(),
        incident_id: None,
        channel: "team".into(),
        op: OutboxOp::Post,
        body: "{}".into(),
    };
    for _ in 0..2 {
        let mut tx = store.begin_ingest().await.unwrap();
        tx.enqueue(std::slice::from_ref(&item), Utc::now()).await.unwrap();
        tx.commit().await.unwrap();
    }
    assert_eq!(store.pending_outbox().await.unwrap(), 1);
}

async fn poll_cursors_persist_and_move_forward(store: &Store) {
    assert_eq!(store.cursor("health:us-east-1").await.unwrap(), None);
    store.set_cursor("health:us-east-1", "2026-11-20T14:00:00Z", Utc::now()).await.unwrap();
    store.set_cursor("health:us-east-1", "2026-11-20T15:00:00Z", Utc::now()).await.unwrap();
    assert_eq!(store.cursor("health:us-east-1").await.unwrap().as_deref(), Some("2026-11-20T15:00:00Z"));
}

async fn a_silence_suppresses_posting_but_the_incident_is_recorded(store: &Store) {
    let now = Utc::now();
    store.add_silence("alarm", "checkout-*", now..now + Duration::hours(1), "deploying", "dana", now).await.unwrap();
    let expired = now - Duration::hours(2)..now - Duration::hours(1);
    store.add_silence("resource", "search-*", expired, "expired", "dana", now).await.unwrap();
    assert_eq!(store.silences(now).await.unwrap().len(), 1, "expired silences are not listed");
    let reports = ingest(
        &pipeline(store),
        vec![
            events::alarm("checkout-api-errors", "checkout-api", "ALARM", T1),
            events::alarm("search-api-errors", "search-api", "ALARM", T1),
        ],
    )
    .await;
    assert_eq!(actions(&reports), vec![Action::Suppressed, Action::Open]);
    let statuses: Vec<String> = store.incident_statuses().await.unwrap().into_iter().map(|(_, s)| s).collect();
    assert!(statuses.contains(&"silenced".to_string()));
    assert_eq!(store.pending_outbox().await.unwrap(), 1, "only the unsilenced alarm is posted");
}

async fn rejected_inputs_are_kept_with_their_reason_and_text(store: &Store) {
    let outcomes = pipeline(store).ingest(&[input("{\"detail-type\": 42}".into())]).await.unwrap();
    assert!(matches!(outcomes[0], Outcome::Rejected(_)));
    let rejected = store.rejected().await.unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].raw, "{\"detail-type\": 42}");
    assert!(rejected[0].reason.contains("detail-type"), "{}", rejected[0].reason);
    assert_eq!(store.event_count().await.unwrap(), 0);
}

async fn health_updates_share_one_incident_until_closed(store: &Store) {
    let reports = ingest(
        &pipeline(store),
        vec![
            events::health("e1", "open", "Fri, 20 Nov 2026 14:05:00 GMT"),
            events::health("e1", "open", "Fri, 20 Nov 2026 14:05:00 GMT"),
            events::health("e1", "closed", "Fri, 20 Nov 2026 14:40:00 GMT"),
        ],
    )
    .await;
    assert_eq!(actions(&reports), vec![Action::Open, Action::None, Action::Resolve]);
    assert_eq!(reports[0].incident, reports[2].incident);
    assert_eq!(store.event_count().await.unwrap(), 2, "same ARN and lastUpdatedTime is one event");
}

async fn only_the_first_page_of_a_paged_health_event_is_kept(store: &Store) {
    let page = |n: u32| {
        let mut event: serde_json::Value =
            serde_json::from_str(&events::health("paged", "open", "Fri, 20 Nov 2026 14:05:00 GMT")).unwrap();
        event["detail"]["page"] = n.to_string().into();
        event["detail"]["totalPages"] = "2".into();
        event.to_string()
    };
    let reports = ingest(&pipeline(store), vec![page(2), page(1)]).await;
    assert_eq!(actions(&reports), vec![Action::None, Action::Open]);
    assert!(reports[0].reason.as_deref().unwrap().contains("later page"), "{:?}", reports[0].reason);
    assert_eq!(store.event_count().await.unwrap(), 1);
}

async fn claims_a_killed_run_left_are_released_and_the_last_send_is_known(store: &Store) {
    let alarm =
        |state| events::alarm("checkout-api-errors", "checkout-api", state, if state == "OK" { T2 } else { T1 });
    ingest(&pipeline(store), vec![alarm("ALARM"), alarm("OK")]).await;
    let now = Utc::now();
    let until = now + Duration::seconds(60);
    assert_eq!(store.last_sent_at().await.unwrap(), None, "nothing went out yet");
    let post = store.claim_outbox("killed-run", now, until, 10).await.unwrap();
    store.mark_sent(&post[0], now, Some("msg-1")).await.unwrap();
    let edit = store.claim_outbox("killed-run", now, until, 10).await.unwrap();
    assert_eq!(edit.iter().map(|row| row.op).collect::<Vec<_>>(), vec![OutboxOp::Edit]);
    assert!(store.claim_outbox("next-run", now, until, 10).await.unwrap().is_empty(), "the edit is claimed");

    assert_eq!(store.release_outbox_claims().await.unwrap(), 1, "only the unsent edit was still claimed");

    let taken = store.claim_outbox("next-run", now, until, 10).await.unwrap();
    assert_eq!(taken.iter().map(|row| row.id).collect::<Vec<_>>(), vec![edit[0].id]);
    let last = store.last_sent_at().await.unwrap().expect("the post was sent");
    assert_eq!(last.timestamp_millis(), now.timestamp_millis());
}

support::against_both_stores!(
    claims_a_killed_run_left_are_released_and_the_last_send_is_known,
    an_event_delivered_twice_is_stored_and_posted_once,
    duplicates_inside_one_batch_count_once,
    an_alarm_and_its_recovery_open_and_resolve_one_incident,
    a_new_alarm_after_recovery_opens_a_second_incident_even_in_one_batch,
    an_incident_resolved_and_reopened_in_one_batch_keeps_the_batch_whole,
    the_outbox_hands_out_an_incidents_messages_in_order,
    a_failed_delivery_waits_for_its_retry_time_and_can_be_given_up,
    the_same_idempotency_key_is_enqueued_once,
    poll_cursors_persist_and_move_forward,
    a_silence_suppresses_posting_but_the_incident_is_recorded,
    rejected_inputs_are_kept_with_their_reason_and_text,
    health_updates_share_one_incident_until_closed,
    only_the_first_page_of_a_paged_health_event_is_kept,
);

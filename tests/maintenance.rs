//! Maintenance windows from config and silences scheduled with `/silence`, applied by ingestion against the
//! real SQLite and PostgreSQL stores: recorded but kept out of chat while in force, and only then.

mod support;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use opspod::domain::incident::Action;
use opspod::interventions::{Actor, Reply};
use opspod::pipeline::{Input, Outcome, Payload, Pipeline, Report};
use opspod::ports::ManualClock;
use opspod::store::Store;
use opspod_commands::silence::{Options, SilenceAsk};
use support::events;

/// A window from 22:00 to 23:00 UTC over the `orders-*` alarms.
const CONFIG: &str = r#"
[channels.team]
[channels.oncall]
[[maintenance]]
name = "db-upgrade"
start = "2026-12-01T22:00:00Z"
end = "2026-12-01T23:00:00Z"
alarms = ["orders-*"]
"#;

fn at(time: &str) -> DateTime<Utc> {
    format!("2026-12-01T{time}Z").parse().expect("a valid test time")
}

/// An EventBridge alarm change for `orders-api-errors` at `time` on 2026-12-01.
fn orders(state: &str, time: &str) -> String {
    events::alarm("orders-api-errors", "orders-api", state, &format!("2026-12-01T{time}.000+0000"))
}

fn pipeline(store: &Store, config: &str, clock: Arc<ManualClock>) -> Pipeline {
    let loaded = opspod::config::load_str(config, "test.toml", &Default::default()).expect("a valid config");
    Pipeline::new(store.clone(), opspod::app::rules(&loaded.config), clock)
}

async fn ingest(pipeline: &Pipeline, raw: String) -> Report {
    let input = Input { source: "test".into(), origin: "test".into(), payload: Payload::Raw(raw.into_bytes()) };
    match pipeline.ingest(&[input]).await.expect("ingest").remove(0) {
        Outcome::Accepted(report) => report,
        other => panic!("not accepted: {other:?}"),
    }
}

async fn suppressed_note(store: &Store, incident: &str) -> String {
    let timeline = store.timeline(incident).await.unwrap();
    let entry = timeline.iter().find(|entry| entry.kind == "suppressed").expect("a suppressed entry");
    entry.note.clone()
}

async fn an_alarm_inside_a_maintenance_window_is_recorded_but_not_posted(store: &Store) {
    let clock = Arc::new(ManualClock::at(at("22:30:00")));
    let pipeline = pipeline(store, CONFIG, clock);

    let report = ingest(&pipeline, orders("ALARM", "22:30:00")).await;

    assert_eq!(report.action, Action::Suppressed);
    let incident = store.incident(report.incident.as_deref().unwrap()).await.unwrap().unwrap();
    assert_eq!(incident.status.as_str(), "silenced");
    assert!(!incident.posted);
    assert_eq!(suppressed_note(store, &incident.id).await, "ALARM (silenced: maintenance window db-upgrade)");
    assert_eq!(store.pending_outbox().await.unwrap(), 0, "nothing goes to chat");
}

async fn the_same_alarm_after_the_window_ends_is_posted(store: &Store) {
    let clock = Arc::new(ManualClock::at(at("22:30:00")));
    let pipeline = pipeline(store, CONFIG, clock.clone());
    ingest(&pipeline, orders("ALARM", "22:30:00")).await;
    clock.set(at("22:45:00"));
    ingest(&pipeline, orders("OK", "22:45:00")).await;

    clock.set(at("23:00:00"));
    let report = ingest(&pipeline, orders("ALARM", "23:00:00")).await;

    assert_eq!(report.action, Action::Open);
    let incident = store.incident(report.incident.as_deref().unwrap()).await.unwrap().unwrap();
    assert!(incident.posted);
    assert_eq!(store.pending_outbox().await.unwrap(), 1, "the alarm after the window is posted");
}

async fn a_silence_scheduled_for_later_does_not_suppress_before_its_start(store: &Store) {
    let clock = Arc::new(ManualClock::at(at("14:00:00")));
    let pipeline = pipeline(store, "[channels.team]\n[channels.oncall]\n", clock.clone());
    let actor = Actor { id: "discord:7".into(), display: "<@7>".into() };
    let typed = Options {
        alarm: Some("orders-*"),
        from: Some("2026-12-01T16:00Z"),
        until: Some("2026-12-01T17:00Z"),
        ..Options::default()
    };
    let ask = opspod_commands::silence::ask(typed).unwrap();
    let reply = opspod::interventions::silence(store, &ask, &actor, at("14:00:00")).await.unwrap();
    assert!(
        matches!(&reply, Reply::Done(text) if text.starts_with("Silenced alarm `orders-*` from 16:00 to 17:00 UTC on 2026-12-01.")),
        "{reply:?}"
    );
    let listed = opspod::interventions::silence(store, &SilenceAsk::List, &actor, at("14:00:00")).await.unwrap();
    assert!(listed.text().contains("from 2026-12-01 16:00 until 2026-12-01 17:00 UTC"), "{listed:?}");

    let before = ingest(&pipeline, orders("ALARM", "14:05:00")).await;
    clock.set(at("14:10:00"));
    ingest(&pipeline, orders("OK", "14:10:00")).await;
    clock.set(at("16:30:00"));
    let during = ingest(&pipeline, orders("ALARM", "16:30:00")).await;

    assert_eq!(before.action, Action::Open, "the silence had not started");
    assert_eq!(during.action, Action::Suppressed, "the silence is in force");
    let note = suppressed_note(store, during.incident.as_deref().unwrap()).await;
    assert_eq!(note, "ALARM (silenced: silenced with /silence by <@7>)");
}

async fn a_scheduled_silence_can_be_called_off_before_it_starts(store: &Store) {
    let now = at("14:00:00");
    store.add_silence("alarm", "orders-*", at("16:00:00")..at("17:00:00"), "deploy", "discord:7", now).await.unwrap();
    let id = store.silences(now).await.unwrap()[0].id;

    assert!(store.remove_silence(id, now).await.unwrap());

    assert!(store.silences(now).await.unwrap().is_empty(), "not listed once called off");
    assert!(store.silences(at("16:30:00")).await.unwrap().is_empty(), "never in force");
}

support::against_both_stores!(
    an_alarm_inside_a_maintenance_window_is_recorded_but_not_posted,
    the_same_alarm_after_the_window_ends_is_posted,
    a_silence_scheduled_for_later_does_not_suppress_before_its_start,
    a_scheduled_silence_can_be_called_off_before_it_starts,
);

//! Incident lifecycle against real stores and a clock the tests move: escalation re-pings until someone acks,
//! survives a restart, and a flapping alarm keeps one incident instead of pinging on every flip.

mod support;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use opspod::delivery::{Backoff, Delivery};
use opspod::domain::escalation::{Policy, Step, Target};
use opspod::domain::flapping::FlapRule;
use opspod::domain::glob::Glob;
use opspod::domain::lifecycle::Intervention;
use opspod::domain::oncall::Rotation;
use opspod::interventions::{Actor, apply};
use opspod::lifecycle::Lifecycle;
use opspod::pipeline::{Input, Outcome, Payload, Pipeline, Rules};
use opspod::ports::ManualClock;
use opspod::store::Store;
use support::events;
use support::sink::RecordingSink;
use tokio::sync::Notify;

const QUICK: Backoff =
    Backoff { initial: StdDuration::from_millis(10), max: StdDuration::from_millis(40), max_attempts: 3 };

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

fn escalation() -> Policy {
    Policy {
        steps: vec![
            Step { after: Duration::minutes(10), target: Target::Primary },
            Step { after: Duration::minutes(25), target: Target::Secondary },
        ],
    }
}

fn rotation() -> Rotation {
    Rotation {
        people: vec!["@dana".into(), "@eve".into()],
        start: at("2026-11-16T09:00:00Z"),
        shift: Duration::days(7),
    }
}

fn rules() -> Rules {
    let mut rules = Rules::default();
    rules.policy.critical_alarms = vec![Glob::new("*critical*").unwrap()];
    rules.escalation = escalation();
    rules
}

/// The pipeline, the lifecycle worker and delivery to a recording sink, all on one manual clock.
struct World {
    store: Store,
    clock: Arc<ManualClock>,
    pipeline: Pipeline,
    sink: Arc<RecordingSink>,
    delivery: Delivery,
}

impl World {
    fn new(store: &Store, now: &str) -> World {
        let clock = Arc::new(ManualClock::at(at(now)));
        let sink = Arc::new(RecordingSink::default());
        World {
            store: store.clone(),
            pipeline: Pipeline::new(store.clone(), rules(), clock.clone()),
            delivery: Delivery::new(store.clone(), sink.clone(), clock.clone(), QUICK),
            sink,
            clock,
        }
    }

    /// A freshly started worker, as after a restart: it knows only what the store knows.
    fn lifecycle(&self) -> Lifecycle {
        let notify = Arc::new(Notify::new());
        Lifecycle::new(
            self.store.clone(),
            self.clock.clone(),
            escalation(),
            Some(rotation()),
            FlapRule::default(),
            notify,
        )
    }

    async fn alarm(&self, name: &str, state: &str, when: &str) -> String {
        self.clock.set(at(when));
        let raw = events::alarm(name, "checkout-api", state, &when.replace('Z', ".000+0000"));
        let input = Input { source: "test".into(), origin: "test".into(), payload: Payload::Raw(raw.into_bytes()) };
        match self.pipeline.ingest(&[input]).await.unwrap().remove(0) {
            Outcome::Accepted(report) => report.incident.unwrap_or_default(),
            other => panic!("not accepted: {other:?}"),
        }
    }

    async fn re_pings_at(&self, when: &str) -> usize {
        self.clock.set(at(when));
        self.lifecycle().tick().await.unwrap().re_pinged
    }

    async fn delivered(&self) -> Vec<String> {
        for _ in 0..100 {
            self.delivery.pass().await.unwrap();
            if self.store.pending_outbox().await.unwrap() == 0 {
                return self.sink.log();
            }
        }
        panic!("the outbox did not drain");
    }
}

async fn escalation_re_pings_on_call_then_the_secondary_and_survives_a_restart(store: Store) {
    let world = World::new(&store, "2026-11-20T14:02:30Z");
    world.alarm("checkout-critical", "ALARM", "2026-11-20T14:02:30Z").await;

    assert_eq!(world.re_pings_at("2026-11-20T14:12:00Z").await, 0, "not before 10 min");
    assert_eq!(world.re_pings_at("2026-11-20T14:12:31Z").await, 1, "at 10 min: the person on call");
    assert_eq!(world.re_pings_at("2026-11-20T14:13:00Z").await, 0, "each step once");
    // A new worker, as after a restart, picks up where the store says the escalation is.
    assert_eq!(world.re_pings_at("2026-11-20T14:27:31Z").await, 1, "at 25 min: the secondary");
    assert_eq!(world.re_pings_at("2026-11-20T15:30:00Z").await, 0, "no step is left");

    let log = world.delivered().await;
    let notes: Vec<&String> = log.iter().filter(|line| line.starts_with("note")).collect();
    assert_eq!(notes.len(), 2, "{log:?}");
    assert!(
        notes[0].contains("Not acknowledged after 10 min (step 1 of 2)") && notes[0].ends_with("→ @dana"),
        "{log:?}"
    );
    assert!(
        notes[1].contains("Not acknowledged after 25 min (step 2 of 2)") && notes[1].ends_with("→ @eve"),
        "{log:?}"
    );
}

#[tokio::test]
async fn escalation_re_pings_on_call_then_the_secondary_and_survives_a_restart_on_sqlite() {
    let (store, _db) = support::sqlite_store().await;
    escalation_re_pings_on_call_then_the_secondary_and_survives_a_restart(store).await;
}

#[tokio::test]
async fn escalation_re_pings_on_call_then_the_secondary_and_survives_a_restart_on_postgres() {
    let (store, _db) = support::postgres_store().await;
    escalation_re_pings_on_call_then_the_secondary_and_survives_a_restart(store).await;
}

#[tokio::test]
async fn an_ack_stops_the_escalation() {
    let (store, _db) = support::sqlite_store().await;
    let world = World::new(&store, "2026-11-20T14:02:30Z");
    let incident = world.alarm("checkout-critical", "ALARM", "2026-11-20T14:02:30Z").await;
    assert_eq!(world.re_pings_at("2026-11-20T14:12:31Z").await, 1);

    let dana = Actor { id: "discord:7".into(), display: "<@7>".into() };
    world.clock.set(at("2026-11-20T14:14:00Z"));
    apply(
        &store,
        &incident,
        Intervention::Acknowledge,
        &dana,
        "button",
        opspod::ports::Clock::now(world.clock.as_ref()),
    )
    .await
    .unwrap();

    assert_eq!(world.re_pings_at("2026-11-20T14:27:31Z").await, 0, "acked: the secondary is not pinged");
    let timeline = store.timeline(&incident).await.unwrap();
    let kinds: Vec<&str> = timeline.iter().map(|row| row.kind.as_str()).collect();
    assert_eq!(kinds, ["opened", "escalated", "acknowledged"]);
    assert_eq!(timeline[2].via, "button");
}

#[tokio::test]
async fn a_warning_never_escalates() {
    let (store, _db) = support::sqlite_store().await;
    let world = World::new(&store, "2026-11-20T14:02:30Z");
    world.alarm("checkout-api-errors", "ALARM", "2026-11-20T14:02:30Z").await;
    assert_eq!(world.re_pings_at("2026-11-20T16:00:00Z").await, 0);
}

async fn a_flapping_alarm_keeps_one_incident_and_resolves_once_steady(store: Store) {
    let world = World::new(&store, "2026-11-20T14:00:00Z");
    let mut incidents = Vec::new();
    for (minute, state) in ["ALARM", "OK", "ALARM", "OK", "ALARM", "OK", "ALARM", "OK"].iter().enumerate() {
        let when = format!("2026-11-20T14:{:02}:00Z", minute * 3);
        incidents.push(world.alarm("checkout-api-errors", state, &when).await);
    }
    let log = world.delivered().await;
    let posts: Vec<&String> = log.iter().filter(|line| line.starts_with("post")).collect();
    assert_eq!(posts.len(), 2, "8 flips, 2 posts: the alarm flaps from the 5th change on: {log:?}");
    assert_eq!(
        incidents[4..],
        [incidents[2].clone(), incidents[2].clone(), incidents[2].clone(), incidents[2].clone()]
    );
    let open = store.incident(&incidents[2]).await.unwrap().unwrap();
    assert_eq!(open.status.as_str(), "open", "a recovery while flapping does not resolve");

    world.clock.set(at("2026-11-20T14:50:00Z"));
    assert_eq!(world.lifecycle().tick().await.unwrap().settled, 0, "OK for 29 min is not steady yet");
    world.clock.set(at("2026-11-20T14:51:00Z"));
    assert_eq!(world.lifecycle().tick().await.unwrap().settled, 1);

    let timeline = store.timeline(&incidents[2]).await.unwrap();
    let kinds: Vec<&str> = timeline.iter().map(|row| row.kind.as_str()).collect();
    assert_eq!(kinds, ["opened", "resolved", "flapping", "updated", "updated", "updated", "resolved"]);
    assert_eq!(timeline[1].via, "alarm recovery");
    assert!(timeline[2].note.contains("5 state changes in 30 min"), "{timeline:?}");
    assert_eq!(timeline[6].via, "flapping over: OK for 30 min");
    assert_eq!(store.incident(&incidents[2]).await.unwrap().unwrap().status.as_str(), "resolved");
}

#[tokio::test]
async fn a_flapping_alarm_keeps_one_incident_and_resolves_once_steady_on_sqlite() {
    let (store, _db) = support::sqlite_store().await;
    a_flapping_alarm_keeps_one_incident_and_resolves_once_steady(store).await;
}

#[tokio::test]
async fn a_flapping_alarm_keeps_one_incident_and_resolves_once_steady_on_postgres() {
    let (store, _db) = support::postgres_store().await;
    a_flapping_alarm_keeps_one_incident_and_resolves_once_steady(store).await;
}

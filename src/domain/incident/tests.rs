//! The incident rules, one behaviour per test.

use super::*;
use crate::domain::health::{HealthCategory, HealthStatus};
use crate::domain::routing::{Route, Severity};
use crate::domain::sample::{alarm, at, health};

fn open_incident(event: &Event, posted: bool) -> IncidentSnapshot {
    let signal = Signal::of(event);
    IncidentSnapshot {
        id: "inc-1".into(),
        status: IncidentStatus::Open,
        signal_state: signal.state,
        signal_at: signal.at,
        signal_detail: signal.detail,
        posted,
        route: Route { channel: "team".into(), severity: Severity::Warning, mentions: vec![] },
        opened_at: signal.at,
        context: None,
        flapping_since: None,
        group_id: None,
    }
}

#[test]
fn an_alarm_transition_opens_an_incident() {
    let firing = alarm("checkout-api-errors", "checkout-api", StateValue::Alarm, "14:02:11");
    let decision = decide(&firing, None, false);
    assert_eq!(decision.action, Action::Open);
    assert_eq!(decision.effect, Effect::OpenIncident { posted: true });
}

#[test]
fn ok_without_an_open_incident_does_nothing() {
    let ok = alarm("checkout-api-errors", "checkout-api", StateValue::Ok, "14:02:11");
    assert_eq!(decide(&ok, None, false).action, Action::None);
}

#[test]
fn insufficient_data_alone_does_not_open_an_incident() {
    let unknown = alarm("checkout-api-errors", "checkout-api", StateValue::InsufficientData, "14:02:11");
    assert_eq!(decide(&unknown, None, false).action, Action::None);
}

#[test]
fn a_later_transition_of_the_same_alarm_updates_the_incident() {
    let firing = alarm("checkout-api-errors", "checkout-api", StateValue::Alarm, "14:02:11");
    let unknown = alarm("checkout-api-errors", "checkout-api", StateValue::InsufficientData, "14:05:00");
    let decision = decide(&unknown, Some(&open_incident(&firing, true)), false);
    assert_eq!(decision.action, Action::Update);
    assert_eq!(decision.effect, Effect::Record { resolves: false });
}

#[test]
fn alarm_back_to_ok_resolves_the_incident() {
    let firing = alarm("checkout-api-errors", "checkout-api", StateValue::Alarm, "14:02:11");
    let ok = alarm("checkout-api-errors", "checkout-api", StateValue::Ok, "14:31:05");
    let decision = decide(&ok, Some(&open_incident(&firing, true)), false);
    assert_eq!(decision.action, Action::Resolve);
    assert_eq!(decision.effect, Effect::Record { resolves: true });
}

#[test]
fn a_repeat_of_the_open_state_posts_nothing_new() {
    let firing = alarm("checkout-api-errors", "checkout-api", StateValue::Alarm, "14:02:11");
    let again = alarm("checkout-api-errors", "checkout-api", StateValue::Alarm, "14:04:00");
    let decision = decide(&again, Some(&open_incident(&firing, true)), false);
    assert_eq!(decision.action, Action::None);
    assert_eq!(decision.effect, Effect::Nothing);
}

#[test]
fn a_transition_older_than_the_incident_is_ignored() {
    let firing = alarm("checkout-api-errors", "checkout-api", StateValue::Alarm, "14:02:11");
    let stale_ok = alarm("checkout-api-errors", "checkout-api", StateValue::Ok, "13:00:00");
    assert_eq!(decide(&stale_ok, Some(&open_incident(&firing, true)), false).action, Action::None);
}

#[test]
fn health_updates_with_the_same_arn_update_one_incident() {
    let opened = health("abc", HealthCategory::Issue, HealthStatus::Open, "us-east-1", "14:05:00");
    let mut later = health("abc", HealthCategory::Issue, HealthStatus::Open, "us-east-1", "14:15:00");
    if let EventBody::Health(h) = &mut later.body {
        h.description = "We have identified the root cause.".into();
    }
    assert_eq!(opened.incident_key(), later.incident_key());
    assert_eq!(decide(&later, Some(&open_incident(&opened, true)), false).action, Action::Update);
}

#[test]
fn a_closed_health_event_resolves_its_incident() {
    let opened = health("abc", HealthCategory::Issue, HealthStatus::Open, "us-east-1", "14:05:00");
    let closed = health("abc", HealthCategory::Issue, HealthStatus::Closed, "us-east-1", "14:40:00");
    assert_eq!(decide(&closed, Some(&open_incident(&opened, true)), false).action, Action::Resolve);
}

#[test]
fn a_silence_suppresses_posting_but_still_records_the_incident() {
    let firing = alarm("checkout-api-errors", "checkout-api", StateValue::Alarm, "14:02:11");
    let decision = decide(&firing, None, true);
    assert_eq!(decision.action, Action::Suppressed);
    assert_eq!(decision.effect, Effect::OpenIncident { posted: false });
}

#[test]
fn updates_to_a_silenced_incident_stay_out_of_chat() {
    let firing = alarm("checkout-api-errors", "checkout-api", StateValue::Alarm, "14:02:11");
    let ok = alarm("checkout-api-errors", "checkout-api", StateValue::Ok, "14:31:05");
    let decision = decide(&ok, Some(&open_incident(&firing, false)), false);
    assert_eq!(decision.action, Action::Suppressed);
    assert_eq!(decision.effect, Effect::Record { resolves: true });
}

#[test]
fn incident_ids_are_stable_and_distinct() {
    let first = incident_id("alarm|arn:1", "alarm|arn:1|ALARM|t1");
    assert_eq!(first, incident_id("alarm|arn:1", "alarm|arn:1|ALARM|t1"));
    assert_ne!(first, incident_id("alarm|arn:1", "alarm|arn:1|ALARM|t2"));
    assert!(first.starts_with("inc-") && first.len() == 14, "{first}");
    let _ = at("00:00:00");
}

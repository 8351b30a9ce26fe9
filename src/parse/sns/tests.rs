//! SNS envelopes, raw delivery, and the same alarm transition arriving both through SNS and EventBridge.

use serde_json::{Value, json};

use crate::domain::{AlarmChange, Event, EventBody, HealthStatus, StateValue};
use crate::parse::{Confirmation, Parsed, Rejection, parse, parse_event};

const WRAPPED: &[u8] = include_bytes!("../../../tests/fixtures/sns/alarm-metric-notification.json");
const RAW: &[u8] = include_bytes!("../../../tests/fixtures/sns/alarm-metric-raw.json");
const EVENTBRIDGE: &[u8] = include_bytes!("../../../tests/fixtures/events/alarm-metric.json");
const HEALTH_WRAPPED: &[u8] = include_bytes!("../../../tests/fixtures/sns/health-in-notification.json");
const SUBSCRIBE: &[u8] = include_bytes!("../../../tests/fixtures/sns/subscription-confirmation.json");
const UNSUBSCRIBE: &[u8] = include_bytes!("../../../tests/fixtures/sns/unsubscribe-confirmation.json");
const NOT_JSON: &[u8] = include_bytes!("../../../tests/fixtures/sns/bad-message-not-json.json");
const UNKNOWN_TYPE: &[u8] = include_bytes!("../../../tests/fixtures/sns/bad-unknown-type.json");
const MISSING_STATE: &[u8] = include_bytes!("../../../tests/fixtures/sns/bad-missing-state-notification.json");

const TOPIC: &str = "arn:aws:sns:eu-west-1:111122223333:orders-alarms";

fn alarm(event: &Event) -> &AlarmChange {
    match &event.body {
        EventBody::Alarm(alarm) => alarm,
        other => panic!("expected an alarm, got {other:?}"),
    }
}

fn confirmation(raw: &[u8]) -> Confirmation {
    match parse(raw).expect("the fixture parses") {
        Parsed::Confirmation(confirmation) => confirmation,
        Parsed::Event(event) => panic!("expected a confirmation, got {event:?}"),
    }
}

fn refused(raw: &[u8]) -> Rejection {
    parse_event(raw).expect_err("the input is refused")
}

/// The wrapped fixture with one change to the envelope.
fn envelope_edited(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut envelope: Value = serde_json::from_slice(WRAPPED).unwrap();
    edit(&mut envelope);
    serde_json::to_vec(&envelope).unwrap()
}

#[test]
fn a_notification_unwraps_the_alarm_and_records_its_topic() {
    let event = parse_event(WRAPPED).unwrap();

    assert_eq!(alarm(&event).name.as_str(), "orders-api-throttles");
    assert_eq!(event.delivered_via.as_deref(), Some(TOPIC));
    assert_eq!(event.id, "b0a3a5b1-6d0f-5c8e-9a52-2f7c1e0d4a11", "the SNS message id");
    assert_eq!(event.time.to_rfc3339(), "2026-11-18T09:12:41.263+00:00", "the SNS timestamp");
}

#[test]
fn raw_delivery_gives_the_same_alarm_without_a_topic() {
    let wrapped = parse_event(WRAPPED).unwrap();
    let raw = parse_event(RAW).unwrap();

    assert_eq!(raw.body, wrapped.body);
    assert_eq!(raw.delivered_via, None);
    assert_eq!(raw.time, alarm(&raw).state.timestamp, "without an envelope, the state change dates the event");
    assert_eq!(raw.id, "orders-api-throttles|ALARM|2026-11-18T09:12:41.217Z");
}

#[test]
fn one_transition_through_sns_and_eventbridge_has_one_dedupe_key_and_one_incident() {
    let through_eventbridge = parse_event(EVENTBRIDGE).unwrap();

    for through_sns in [parse_event(WRAPPED).unwrap(), parse_event(RAW).unwrap()] {
        assert_eq!(through_sns.dedupe_key(), through_eventbridge.dedupe_key());
        assert_eq!(through_sns.incident_key(), through_eventbridge.incident_key());
    }
}

#[test]
fn the_alarm_through_sns_reads_as_the_eventbridge_one_does() {
    let sns = parse_event(WRAPPED).unwrap();
    let eventbridge = parse_event(EVENTBRIDGE).unwrap();
    let (sns_alarm, eventbridge_alarm) = (alarm(&sns), alarm(&eventbridge));

    assert_eq!(
        (sns.account.as_str(), sns.region.as_str()),
        (eventbridge.account.as_str(), eventbridge.region.as_str())
    );
    assert_eq!(sns_alarm.arn, eventbridge_alarm.arn);
    assert_eq!(sns_alarm.kind, eventbridge_alarm.kind);
    assert_eq!(sns_alarm.description, eventbridge_alarm.description);
    assert_eq!(sns_alarm.resource, eventbridge_alarm.resource);
    assert_eq!(sns_alarm.comparison, eventbridge_alarm.comparison);
    assert_eq!(sns_alarm.metric_label(), eventbridge_alarm.metric_label());
    assert_eq!(sns_alarm.state.reason, eventbridge_alarm.state.reason);
    assert_eq!(sns_alarm.state.threshold, eventbridge_alarm.state.threshold);
    assert_eq!(sns_alarm.state.recent_datapoints, eventbridge_alarm.state.recent_datapoints);
    assert_eq!(sns_alarm.metrics[0].stat, eventbridge_alarm.metrics[0].stat);
}

#[test]
fn the_topic_is_kept_when_stored_but_left_out_when_absent() {
    let wrapped = parse_event(WRAPPED).unwrap();
    let raw = parse_event(RAW).unwrap();

    let stored: Value = serde_json::to_value(&wrapped).unwrap();
    assert_eq!(stored["delivered_via"], json!(TOPIC));
    assert!(serde_json::to_value(&raw).unwrap().get("delivered_via").is_none());
    let read_back: Event = serde_json::from_value(stored).unwrap();
    assert_eq!(read_back, wrapped);
}

#[test]
fn an_eventbridge_event_a_rule_sent_to_a_topic_is_unwrapped() {
    let event = parse_event(HEALTH_WRAPPED).unwrap();

    let EventBody::Health(health) = &event.body else { panic!("expected a Health event") };
    assert_eq!(health.status, HealthStatus::Open);
    assert_eq!(event.id, "7bf73129-1428-4cd3-a780-95db273d1602", "the EventBridge id, not the SNS one");
    assert_eq!(event.delivered_via.as_deref(), Some("arn:aws:sns:eu-west-1:111122223333:aws-health"));
}

#[test]
fn a_subscription_confirmation_is_not_an_event_and_says_how_to_confirm() {
    let confirmation = confirmation(SUBSCRIBE);

    assert_eq!(confirmation.kind, "SubscriptionConfirmation");
    assert_eq!(confirmation.topic, TOPIC);
    assert!(confirmation.subscribe_url.as_deref().is_some_and(|url| url.contains("Action=ConfirmSubscription")));
    let said = confirmation.to_string();
    assert!(said.starts_with(&format!("SNS SubscriptionConfirmation for {TOPIC}; nothing to post")), "{said}");
}

#[test]
fn an_unsubscribe_confirmation_is_not_an_event_and_offers_no_link() {
    let confirmation = confirmation(UNSUBSCRIBE);

    assert_eq!(confirmation.kind, "UnsubscribeConfirmation");
    assert_eq!(confirmation.subscribe_url, None);
    assert_eq!(confirmation.to_string(), format!("SNS UnsubscribeConfirmation for {TOPIC}; nothing to post"));
}

#[test]
fn asked_for_an_event_a_confirmation_is_refused_by_its_type() {
    let rejection = refused(SUBSCRIBE);

    assert_eq!(rejection.field(), Some("Type"));
    assert_eq!(rejection.to_string(), "field `Type`: expected Notification, got \"SubscriptionConfirmation\"");
}

#[test]
fn a_message_that_is_not_json_is_refused_naming_message() {
    let rejection = refused(NOT_JSON);

    assert_eq!(rejection.field(), Some("Message"));
    assert!(rejection.to_string().starts_with("field `Message` is not JSON: expected value"), "{rejection}");
    assert!(rejection.to_string().ends_with("at line 1 column 1"), "{rejection}");
}

#[test]
fn an_unknown_type_is_refused_listing_the_accepted_types() {
    let rejection = refused(UNKNOWN_TYPE);

    assert_eq!(rejection.field(), Some("Type"));
    assert_eq!(
        rejection.to_string(),
        "field `Type`: expected one of Notification, SubscriptionConfirmation, UnsubscribeConfirmation, \
         got \"Announcement\""
    );
}

#[test]
fn a_missing_field_inside_the_message_is_named_with_its_path_in_message() {
    let rejection = refused(MISSING_STATE);

    assert_eq!(rejection, Rejection::MissingField { field: "Message.NewStateValue".into() });
}

#[test]
fn an_unknown_detail_type_inside_the_message_is_named_in_message() {
    let raw = envelope_edited(|envelope| {
        let mut inner: Value = serde_json::from_slice(EVENTBRIDGE).unwrap();
        inner["detail-type"] = json!("EC2 Instance State-change Notification");
        envelope["Message"] = json!(inner.to_string());
    });

    let rejection = refused(&raw);

    assert_eq!(rejection.field(), Some("Message.detail-type"));
    assert!(rejection.to_string().starts_with("field `Message.detail-type`: expected one of "), "{rejection}");
}

#[test]
fn a_message_that_is_json_but_not_an_object_is_refused_as_message() {
    let raw = envelope_edited(|envelope| envelope["Message"] = json!("[1, 2]"));

    assert_eq!(refused(&raw).to_string(), "field `Message`: expected an object, got an array");
}

#[test]
fn a_message_that_is_an_object_rather_than_a_string_is_the_wrong_type() {
    let raw = envelope_edited(|envelope| envelope["Message"] = serde_json::from_slice(RAW).unwrap());

    assert_eq!(refused(&raw).to_string(), "field `Message`: expected a string, got an object");
}

#[test]
fn a_notification_needs_its_message_and_topic() {
    let without = |key: &str| {
        envelope_edited(|envelope| {
            envelope.as_object_mut().unwrap().remove(key);
        })
    };

    assert_eq!(refused(&without("Message")).field(), Some("Message"));
    assert_eq!(refused(&without("TopicArn")).field(), Some("TopicArn"));
}

#[test]
fn a_message_nesting_too_deep_is_refused_before_parsing() {
    let raw = envelope_edited(|envelope| envelope["Message"] = json!(format!("{}{}", "[".repeat(40), "]".repeat(40))));

    assert!(matches!(refused(&raw), Rejection::TooDeep { max: 32, .. }));
}

#[test]
fn a_new_state_inside_the_message_is_checked_like_any_other() {
    let raw = envelope_edited(|envelope| {
        let mut inner: Value = serde_json::from_slice(RAW).unwrap();
        inner["NewStateValue"] = json!("BROKEN");
        envelope["Message"] = json!(inner.to_string());
    });

    assert_eq!(
        refused(&raw).to_string(),
        "field `Message.NewStateValue`: expected one of OK, ALARM, INSUFFICIENT_DATA, got \"BROKEN\""
    );
}

#[test]
fn an_ok_through_sns_resolves_what_the_alarm_through_eventbridge_opened() {
    let raw = envelope_edited(|envelope| {
        let mut inner: Value = serde_json::from_slice(RAW).unwrap();
        inner["NewStateValue"] = json!("OK");
        inner["OldStateValue"] = json!("ALARM");
        inner["StateChangeTime"] = json!("2026-11-18T09:30:41.002+0000");
        envelope["Message"] = json!(inner.to_string());
    });

    let ok = parse_event(&raw).unwrap();

    assert_eq!(alarm(&ok).state.value, StateValue::Ok);
    assert_eq!(ok.incident_key(), parse_event(EVENTBRIDGE).unwrap().incident_key());
    assert_ne!(ok.dedupe_key(), parse_event(EVENTBRIDGE).unwrap().dedupe_key());
}

#[test]
fn an_object_of_no_known_shape_is_read_as_eventbridge_missing_its_detail_type() {
    assert_eq!(refused(br#"{"hello": "world"}"#).field(), Some("detail-type"));
}

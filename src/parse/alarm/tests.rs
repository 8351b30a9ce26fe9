//! EventBridge alarm events of every kind, and the resource each is about.

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use crate::domain::{AlarmChange, AlarmKind, Comparison, EventBody, ResourceKind, StateValue};
use crate::parse::parse_event;

const METRIC: &[u8] = include_bytes!("../../../tests/fixtures/events/alarm-metric.json");
const MATH: &[u8] = include_bytes!("../../../tests/fixtures/events/alarm-math.json");
const ANOMALY: &[u8] = include_bytes!("../../../tests/fixtures/events/alarm-anomaly.json");
const COMPOSITE: &[u8] = include_bytes!("../../../tests/fixtures/events/alarm-composite.json");
const LAMBDA_ALIAS: &[u8] = include_bytes!("../../../tests/fixtures/events/alarm-lambda-alias.json");
const HOSTILE: &[u8] = include_bytes!("../../../tests/fixtures/events/alarm-hostile-description.json");

fn alarm(raw: &[u8]) -> AlarmChange {
    match parse_event(raw).expect("the fixture parses").body {
        EventBody::Alarm(alarm) => alarm,
        other => panic!("expected an alarm, got {other:?}"),
    }
}

/// A fixture with one change, for cases not worth a file of their own.
fn edited(raw: &[u8], edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut event: Value = serde_json::from_slice(raw).unwrap();
    edit(&mut event);
    serde_json::to_vec(&event).unwrap()
}

#[test]
fn a_single_metric_alarm_reads_its_state_threshold_and_datapoints() {
    let alarm = alarm(METRIC);

    assert_eq!(alarm.kind, AlarmKind::Metric);
    assert_eq!(alarm.name.as_str(), "orders-api-throttles");
    assert_eq!(alarm.state.value, StateValue::Alarm);
    assert_eq!(alarm.state.threshold, Some(1.0));
    assert_eq!(alarm.state.recent_datapoints, vec![12.0]);
    assert_eq!(alarm.comparison, Some(Comparison::GreaterOrEqual));
    assert_eq!(alarm.metric_label().as_deref(), Some("Throttles"));
}

#[test]
fn a_single_metric_alarm_keeps_its_metric_period_and_statistic() {
    let metric = &alarm(METRIC).metrics[0];

    assert_eq!(metric.namespace.as_deref(), Some("AWS/Lambda"));
    assert_eq!(metric.stat.as_deref(), Some("Sum"));
    assert_eq!(metric.period_seconds, Some(60));
    assert_eq!(metric.dimensions.get("FunctionName").map(String::as_str), Some("orders-api"));
    assert!(metric.return_data);
}

#[test]
fn cloudwatch_timestamps_keep_their_milliseconds() {
    let alarm = alarm(METRIC);

    let expected = Utc.with_ymd_and_hms(2026, 11, 18, 9, 12, 41).unwrap() + chrono::Duration::milliseconds(217);
    assert_eq!(alarm.state.timestamp, expected);
}

#[test]
fn the_previous_state_is_kept_with_its_own_reason_data() {
    let previous = alarm(METRIC).previous.expect("a previous state");

    assert_eq!(previous.value, StateValue::Ok);
    assert_eq!(previous.recent_datapoints, vec![0.0]);
    assert!(previous.reason_data.is_some());
}

#[test]
fn a_single_metric_alarm_names_its_function_in_the_envelope_region() {
    let resource = alarm(METRIC).resource;

    assert_eq!((resource.kind, resource.name.as_str()), (ResourceKind::Function, "orders-api"));
    assert_eq!((resource.region.as_str(), resource.account.as_str()), ("eu-west-1", "111122223333"));
}

#[test]
fn the_alarm_arn_comes_from_the_event_resources() {
    assert_eq!(alarm(METRIC).arn, "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:orders-api-throttles");
}

#[test]
fn an_alarm_without_resources_gets_an_arn_built_from_the_envelope() {
    let raw = edited(METRIC, |event| {
        event.as_object_mut().unwrap().remove("resources");
    });

    assert_eq!(alarm(&raw).arn, "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:orders-api-throttles");
}

#[test]
fn a_math_alarm_names_the_function_inside_its_metrics() {
    let alarm = alarm(MATH);

    assert_eq!(alarm.kind, AlarmKind::MetricMath);
    assert_eq!((alarm.resource.kind, alarm.resource.name.as_str()), (ResourceKind::Function, "payments-worker"));
}

#[test]
fn a_math_alarm_keeps_every_query_with_its_label_and_return_flag() {
    let alarm = alarm(MATH);

    let ids: Vec<_> = alarm.metrics.iter().map(|metric| (metric.id.as_str(), metric.return_data)).collect();
    assert_eq!(ids, [("e1", true), ("m1", false), ("m2", false)]);
    assert_eq!(alarm.metrics[0].expression.as_deref(), Some("100 * (m1 / m2)"));
    assert_eq!(alarm.metric_label().as_deref(), Some("Error rate (%)"));
    assert_eq!(alarm.state.threshold, Some(5.0));
    assert_eq!(alarm.comparison, Some(Comparison::Greater));
}

#[test]
fn an_anomaly_band_expression_makes_an_anomaly_detection_alarm_outside_its_band() {
    let alarm = alarm(ANOMALY);

    assert_eq!(alarm.kind, AlarmKind::AnomalyDetection);
    assert_eq!(alarm.comparison, Some(Comparison::OutsideBand));
    assert_eq!(alarm.state.threshold, None);
    assert_eq!(alarm.state.recent_datapoints, vec![812.4]);
    assert_eq!((alarm.resource.kind, alarm.resource.name.as_str()), (ResourceKind::Api, "orders-api"));
}

#[test]
fn a_composite_alarm_is_about_itself_and_keeps_its_rule() {
    let alarm = alarm(COMPOSITE);

    assert_eq!(alarm.kind, AlarmKind::Composite);
    assert_eq!(
        alarm.alarm_rule.as_ref().map(|rule| rule.as_str()),
        Some("ALARM(checkout-api-errors) OR ALARM(checkout-api-latency)")
    );
    assert_eq!((alarm.resource.kind, alarm.resource.name.as_str()), (ResourceKind::Alarm, "checkout-degraded"));
    assert_eq!(alarm.comparison, None);
    assert!(alarm.metrics.is_empty());
    assert!(alarm.state.reason_data.as_deref().unwrap_or_default().contains("triggeringAlarms"));
}

#[test]
fn a_lambda_alias_dimension_names_the_function_before_the_colon() {
    let resource = alarm(LAMBDA_ALIAS).resource;

    assert_eq!((resource.kind, resource.name.as_str()), (ResourceKind::Function, "checkout-api"));
}

#[test]
fn reason_data_that_is_not_json_is_kept_raw_without_numbers() {
    let state = alarm(LAMBDA_ALIAS).state;

    assert_eq!(state.reason_data.as_deref(), Some("Threshold crossed; see CloudWatch."));
    assert_eq!(state.threshold, None);
    assert!(state.recent_datapoints.is_empty());
}

#[test]
fn hostile_text_in_an_alarm_description_comes_out_neutralised() {
    let description = alarm(HOSTILE).description.expect("a description");

    assert!(!description.as_str().contains("@everyone"));
    assert!(!description.as_str().contains("<@&"));
    assert!(!description.as_str().contains('\u{202E}'));
    assert!(description.as_str().contains("123456789012345678"), "still readable: {description}");
}

#[test]
fn insufficient_data_borrows_the_comparison_from_the_previous_reason() {
    let raw = edited(METRIC, |event| {
        event["detail"]["state"] = json!({
            "value": "INSUFFICIENT_DATA",
            "reason": "Insufficient Data: 1 datapoint was unknown.",
            "timestamp": "2026-11-18T09:20:41.217+0000"
        });
    });

    let alarm = alarm(&raw);

    assert_eq!(alarm.state.value, StateValue::InsufficientData);
    assert_eq!(alarm.comparison, Some(Comparison::GreaterOrEqual));
}

#[test]
fn fields_aws_adds_later_are_ignored() {
    let raw = edited(METRIC, |event| {
        event["detail"]["alarmTags"] = json!({"team": "orders"});
        event["detail"]["state"]["evaluationState"] = json!("PARTIAL_DATA");
    });

    assert_eq!(alarm(&raw), alarm(METRIC));
}

#[test]
fn a_composite_alarm_is_recognised_by_its_triggering_alarms_even_without_its_rule() {
    let raw = edited(COMPOSITE, |event| {
        event["detail"]["configuration"].as_object_mut().unwrap().remove("alarmRule");
    });

    assert_eq!(alarm(&raw).kind, AlarmKind::Composite);
}

//! The classic alarm notification, delivered raw, for every kind of alarm, checked against its EventBridge twin.

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use super::datapoints_in;
use crate::domain::{AlarmChange, AlarmKind, Comparison, ResourceKind, StateValue};
use crate::parse::{Rejection, parse_event};

const METRIC: &[u8] = include_bytes!("../../../tests/fixtures/sns/alarm-metric-raw.json");
const MATH: &[u8] = include_bytes!("../../../tests/fixtures/sns/alarm-math-raw.json");
const ANOMALY: &[u8] = include_bytes!("../../../tests/fixtures/sns/alarm-anomaly-raw.json");
const COMPOSITE: &[u8] = include_bytes!("../../../tests/fixtures/sns/alarm-composite-raw.json");
const BAD_REGION: &[u8] = include_bytes!("../../../tests/fixtures/sns/bad-region-raw.json");

/// The same transitions as EventBridge delivers them.
const TWINS: [(&[u8], &[u8]); 4] = [
    (METRIC, include_bytes!("../../../tests/fixtures/events/alarm-metric.json")),
    (MATH, include_bytes!("../../../tests/fixtures/events/alarm-math.json")),
    (ANOMALY, include_bytes!("../../../tests/fixtures/events/alarm-anomaly.json")),
    (COMPOSITE, include_bytes!("../../../tests/fixtures/events/alarm-composite.json")),
];

fn alarm(raw: &[u8]) -> AlarmChange {
    match parse_event(raw).expect("the fixture parses").body {
        crate::domain::EventBody::Alarm(alarm) => alarm,
        other => panic!("expected an alarm, got {other:?}"),
    }
}

fn edited(raw: &[u8], edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut notification: Value = serde_json::from_slice(raw).unwrap();
    edit(&mut notification);
    serde_json::to_vec(&notification).unwrap()
}

fn refused(raw: &[u8]) -> Rejection {
    parse_event(raw).expect_err("the notification is refused")
}

#[test]
fn every_kind_of_alarm_has_the_keys_and_resource_of_its_eventbridge_twin() {
    for (sns, eventbridge) in TWINS {
        let (sns, eventbridge) = (parse_event(sns).unwrap(), parse_event(eventbridge).unwrap());

        assert_eq!(sns.dedupe_key(), eventbridge.dedupe_key());
        assert_eq!(sns.incident_key(), eventbridge.incident_key());
        assert_eq!(sns.resource(), eventbridge.resource());
        let (crate::domain::EventBody::Alarm(sns), crate::domain::EventBody::Alarm(eventbridge)) =
            (&sns.body, &eventbridge.body)
        else {
            panic!("both are alarms");
        };
        assert_eq!((sns.kind, sns.comparison), (eventbridge.kind, eventbridge.comparison), "{}", sns.name);
        assert_eq!(sns.metric_label(), eventbridge.metric_label(), "{}", sns.name);
        assert_eq!(sns.state.threshold, eventbridge.state.threshold, "{}", sns.name);
        assert_eq!(sns.state.recent_datapoints, eventbridge.state.recent_datapoints, "{}", sns.name);
    }
}

#[test]
fn a_single_metric_alarm_reads_its_trigger() {
    let alarm = alarm(METRIC);

    assert_eq!(alarm.kind, AlarmKind::Metric);
    assert_eq!(alarm.state.value, StateValue::Alarm);
    assert_eq!(alarm.state.threshold, Some(1.0));
    assert_eq!(alarm.comparison, Some(Comparison::GreaterOrEqual));
    let metric = &alarm.metrics[0];
    assert_eq!((metric.namespace.as_deref(), metric.name.as_deref()), (Some("AWS/Lambda"), Some("Throttles")));
    assert_eq!((metric.stat.as_deref(), metric.period_seconds), (Some("Sum"), Some(60)));
    assert_eq!(metric.dimensions.get("FunctionName").map(String::as_str), Some("orders-api"));
}

#[test]
fn the_long_region_name_becomes_the_region_code() {
    let resource = alarm(METRIC).resource;

    assert_eq!((resource.region.as_str(), resource.account.as_str()), ("eu-west-1", "111122223333"));
}

#[test]
fn the_state_change_time_keeps_its_milliseconds() {
    let expected = Utc.with_ymd_and_hms(2026, 11, 18, 9, 12, 41).unwrap() + chrono::Duration::milliseconds(217);

    assert_eq!(alarm(METRIC).state.timestamp, expected);
}

#[test]
fn an_unknown_region_name_is_refused_naming_region() {
    let rejection = refused(BAD_REGION);

    assert_eq!(rejection.field(), Some("Region"));
    assert!(rejection.to_string().ends_with("got \"Moon (Tranquility Base)\""), "{rejection}");
}

#[test]
fn without_region_or_account_the_alarm_arn_supplies_them() {
    let raw = edited(METRIC, |notification| {
        let fields = notification.as_object_mut().unwrap();
        fields.remove("Region");
        fields.remove("AWSAccountId");
    });

    let event = parse_event(&raw).unwrap();

    assert_eq!((event.region.as_str(), event.account.as_str()), ("eu-west-1", "111122223333"));
}

#[test]
fn without_an_alarm_arn_one_is_built_in_the_regions_partition() {
    let raw = edited(METRIC, |notification| {
        notification.as_object_mut().unwrap().remove("AlarmArn");
        notification["Region"] = json!("China (Beijing)");
    });

    assert_eq!(alarm(&raw).arn, "arn:aws-cn:cloudwatch:cn-north-1:111122223333:alarm:orders-api-throttles");
}

#[test]
fn without_region_or_arn_the_region_is_missing() {
    let raw = edited(METRIC, |notification| {
        let fields = notification.as_object_mut().unwrap();
        fields.remove("Region");
        fields.remove("AlarmArn");
    });

    assert_eq!(refused(&raw), Rejection::MissingField { field: "Region".into() });
}

#[test]
fn the_state_and_its_time_are_required() {
    let without = |key: &str| {
        edited(METRIC, |notification| {
            notification.as_object_mut().unwrap().remove(key);
        })
    };

    assert_eq!(refused(&without("NewStateValue")).field(), Some("NewStateValue"));
    assert_eq!(refused(&without("StateChangeTime")).field(), Some("StateChangeTime"));
}

#[test]
fn a_bad_state_change_time_names_the_field() {
    let raw = edited(METRIC, |notification| notification["StateChangeTime"] = json!("just now"));

    assert!(matches!(refused(&raw), Rejection::BadTimestamp { field, .. } if field == "StateChangeTime"));
}

#[test]
fn a_threshold_that_is_not_a_number_is_named_inside_the_trigger() {
    let raw = edited(METRIC, |notification| notification["Trigger"]["Threshold"] = json!("one"));

    assert_eq!(refused(&raw).to_string(), "field `Trigger.Threshold`: expected a number, got a string");
}

#[test]
fn a_dimension_without_a_value_is_named_by_its_index() {
    let raw = edited(METRIC, |notification| notification["Trigger"]["Dimensions"] = json!([{"name": "FunctionName"}]));

    assert_eq!(refused(&raw), Rejection::MissingField { field: "Trigger.Dimensions[0].value".into() });
}

#[test]
fn a_math_alarm_keeps_every_query_with_its_label_and_return_flag() {
    let alarm = alarm(MATH);

    let ids: Vec<_> = alarm.metrics.iter().map(|metric| (metric.id.as_str(), metric.return_data)).collect();
    assert_eq!(ids, [("e1", true), ("m1", false), ("m2", false)]);
    assert_eq!(alarm.metrics[0].expression.as_deref(), Some("100 * (m1 / m2)"));
    assert_eq!(alarm.metrics[1].period_seconds, Some(300));
    assert_eq!((alarm.resource.kind, alarm.resource.name.as_str()), (ResourceKind::Function, "payments-worker"));
}

#[test]
fn an_anomaly_alarm_compares_with_its_band_and_has_no_threshold() {
    let alarm = alarm(ANOMALY);

    assert_eq!(alarm.kind, AlarmKind::AnomalyDetection);
    assert_eq!(alarm.comparison, Some(Comparison::OutsideBand));
    assert_eq!(alarm.state.threshold, None);
    assert_eq!(alarm.metrics[0].stat.as_deref(), Some("p90"));
}

#[test]
fn a_threshold_metric_id_alone_marks_anomaly_detection() {
    let raw = edited(ANOMALY, |notification| {
        notification["Trigger"]["ComparisonOperator"] = json!("GreaterThanUpperThreshold");
        notification["Trigger"]["Metrics"][1]["Expression"] = json!("m1 * 2");
    });

    assert_eq!(alarm(&raw).kind, AlarmKind::AnomalyDetection);
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
}

#[test]
fn a_percentile_is_kept_and_capitalised_statistics_are_spelled_as_the_api_does() {
    let with = |statistic: Value, extended: Value| {
        edited(METRIC, |notification| {
            notification["Trigger"]["Statistic"] = statistic;
            notification["Trigger"]["ExtendedStatistic"] = extended;
        })
    };

    assert_eq!(alarm(&with(json!(null), json!("p99"))).metrics[0].stat.as_deref(), Some("p99"));
    assert_eq!(alarm(&with(json!("SAMPLE_COUNT"), json!(null))).metrics[0].stat.as_deref(), Some("SampleCount"));
    assert_eq!(alarm(&with(json!("AVERAGE"), json!(""))).metrics[0].stat.as_deref(), Some("Average"));
}

#[test]
fn every_comparison_operator_maps_and_an_unknown_one_falls_back_to_the_reason() {
    let comparison = |operator: &str| {
        alarm(&edited(METRIC, |notification| notification["Trigger"]["ComparisonOperator"] = json!(operator)))
            .comparison
    };

    assert_eq!(comparison("GreaterThanThreshold"), Some(Comparison::Greater));
    assert_eq!(comparison("LessThanThreshold"), Some(Comparison::Less));
    assert_eq!(comparison("LessThanOrEqualToThreshold"), Some(Comparison::LessOrEqual));
    assert_eq!(comparison("LessThanLowerThreshold"), Some(Comparison::OutsideBand));
    assert_eq!(comparison("SomethingNewThreshold"), Some(Comparison::GreaterOrEqual), "read from the reason");
}

#[test]
fn hostile_text_in_a_description_comes_out_neutralised() {
    let raw =
        edited(METRIC, |notification| notification["AlarmDescription"] = json!("@everyone <@&123456789012345678>"));

    let description = alarm(&raw).description.expect("a description");

    assert!(!description.as_str().contains("@everyone"));
    assert!(!description.as_str().contains("<@&"));
}

#[test]
fn datapoints_quoted_newest_first_are_kept_oldest_first() {
    let reason = "Threshold Crossed: 2 out of the last 3 datapoints [5.0 (07/01/20 12:03:00), 4.0 (07/01/20 12:02:00), \
                  6.0 (07/01/20 12:01:00)] were greater than the threshold (3.0)";

    assert_eq!(datapoints_in(reason), vec![6.0, 4.0, 5.0]);
}

#[test]
fn datapoints_that_are_not_finite_numbers_are_left_out() {
    // Found by fuzzing (fuzz/fuzz_targets/parse_event.rs): "8.3e308332" was read as infinity, which the stored
    // event's JSON writes as null, so the event no longer read back from the store.
    let reason = "Threshold Crossed: 3 out of the last 3 datapoints [8.3e308332 (07/01/20 12:03:00), NaN (07/01/20 \
                  12:02:00), 4.0 (07/01/20 12:01:00)] were greater than the threshold (3.0)";
    let raw = edited(METRIC, |notification| notification["NewStateReason"] = json!(reason));

    let event = parse_event(&raw).unwrap();

    let crate::domain::EventBody::Alarm(alarm) = &event.body else { panic!("an alarm") };
    assert_eq!(alarm.state.recent_datapoints, vec![4.0]);
    let stored = serde_json::to_string(&event).unwrap();
    assert_eq!(serde_json::from_str::<crate::domain::Event>(&stored).unwrap(), event);
    assert!(datapoints_in("Threshold Crossed: 1 datapoint (inf) was greater than the threshold (1.0).").is_empty());
}

#[test]
fn the_older_single_datapoint_reason_and_a_reason_without_numbers_are_read() {
    assert_eq!(datapoints_in("Threshold Crossed: 1 datapoint (10.0) was greater than the threshold (1.0)."), [10.0]);
    assert!(datapoints_in("Insufficient Data: 1 datapoint was unknown.").is_empty());
    assert!(datapoints_in("").is_empty());
}

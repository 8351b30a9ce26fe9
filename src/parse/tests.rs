//! Parsing as a whole: envelopes, rejections and their field paths, and the demo events.

use std::path::Path;

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use super::*;

const METRIC: &[u8] = include_bytes!("../../tests/fixtures/events/alarm-metric.json");
const NOT_JSON: &[u8] = include_bytes!("../../tests/fixtures/events/bad-not-json.json");
const NOT_UTF8: &[u8] = include_bytes!("../../tests/fixtures/events/bad-not-utf8.json");
const TOO_DEEP: &[u8] = include_bytes!("../../tests/fixtures/events/bad-too-deep.json");
const DETAIL_TYPE: &[u8] = include_bytes!("../../tests/fixtures/events/bad-detail-type.json");
const MISSING_NAME: &[u8] = include_bytes!("../../tests/fixtures/events/bad-missing-alarm-name.json");
const WRONG_TYPE: &[u8] = include_bytes!("../../tests/fixtures/events/bad-wrong-type.json");
const STATE_VALUE: &[u8] = include_bytes!("../../tests/fixtures/events/bad-state-value.json");
const TIMESTAMP: &[u8] = include_bytes!("../../tests/fixtures/events/bad-timestamp.json");

fn refused(raw: &[u8]) -> Rejection {
    parse_event(raw).expect_err("the input is refused")
}

#[test]
fn the_envelope_gives_the_event_its_id_account_region_and_time() {
    let event = parse_event(METRIC).unwrap();

    assert_eq!(event.id, "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92");
    assert_eq!((event.account.as_str(), event.region.as_str()), ("111122223333", "eu-west-1"));
    assert_eq!(event.time, Utc.with_ymd_and_hms(2026, 11, 18, 9, 12, 41).unwrap());
    assert_eq!(event.kind(), "alarm");
}

#[test]
fn input_that_is_not_json_is_refused_with_its_line_and_column() {
    let rejection = refused(NOT_JSON);

    assert!(matches!(rejection, Rejection::NotJson { line: 6, .. }), "{rejection:?}");
    assert!(rejection.to_string().starts_with("input is not JSON: "), "{rejection}");
    assert!(rejection.to_string().ends_with("at line 6 column 18"), "{rejection}");
    assert_eq!(rejection.field(), None);
}

#[test]
fn empty_input_is_not_json() {
    assert!(matches!(refused(b""), Rejection::NotJson { line: 1, column: 0, .. }));
}

#[test]
fn invalid_utf8_is_refused_at_its_byte_offset() {
    let rejection = refused(NOT_UTF8);

    let offset = NOT_UTF8.iter().position(|&byte| byte == 0xE9).unwrap();
    assert_eq!(rejection, Rejection::NotUtf8 { offset });
    assert_eq!(rejection.to_string(), format!("input is not UTF-8: invalid byte at offset {offset}"));
}

#[test]
fn nesting_deeper_than_32_levels_is_refused_before_parsing() {
    let rejection = refused(TOO_DEEP);

    assert!(matches!(rejection, Rejection::TooDeep { max: 32, .. }), "{rejection:?}");
    assert!(rejection.to_string().starts_with("input nests deeper than 32 levels"), "{rejection}");
}

#[test]
fn an_oversized_event_names_its_largest_field() {
    let mut event: Value = serde_json::from_slice(METRIC).unwrap();
    event["detail"]["state"]["reasonData"] = json!("x".repeat(300 * 1024));
    let raw = serde_json::to_vec(&event).unwrap();

    let rejection = refused(&raw);

    assert_eq!(rejection.field(), Some("detail.state.reasonData"));
    assert_eq!(
        rejection.to_string(),
        "field `detail.state.reasonData` is 300 KB; EventBridge events are at most 256 KB"
    );
}

#[test]
fn an_event_of_exactly_256_kib_is_accepted() {
    let mut event: Value = serde_json::from_slice(METRIC).unwrap();
    event["detail"]["state"]["reasonData"] = json!("");
    let padding = limits::MAX_EVENT_BYTES - serde_json::to_vec(&event).unwrap().len();
    event["detail"]["state"]["reasonData"] = json!("x".repeat(padding));
    let raw = serde_json::to_vec(&event).unwrap();

    assert_eq!(raw.len(), limits::MAX_EVENT_BYTES);
    assert!(parse_event(&raw).is_ok());
}

#[test]
fn an_unknown_detail_type_is_refused_naming_the_value_seen() {
    let rejection = refused(DETAIL_TYPE);

    assert_eq!(rejection.field(), Some("detail-type"));
    assert_eq!(
        rejection.to_string(),
        "field `detail-type`: expected one of CloudWatch Alarm State Change, AWS Health Event, AWS Health Abuse Event, \
         got \"EC2 Instance State-change Notification\""
    );
}

#[test]
fn a_missing_field_is_named_by_its_dotted_path() {
    let rejection = refused(MISSING_NAME);

    assert_eq!(rejection, Rejection::MissingField { field: "detail.alarmName".into() });
    assert_eq!(rejection.to_string(), "field `detail.alarmName` is missing");
}

#[test]
fn a_wrong_type_names_the_path_and_the_expected_type() {
    let rejection = refused(WRONG_TYPE);

    assert_eq!(rejection.field(), Some("detail.configuration.metrics[0].metricStat.period"));
    assert_eq!(
        rejection.to_string(),
        "field `detail.configuration.metrics[0].metricStat.period`: expected a whole number, got a string"
    );
}

#[test]
fn a_bad_state_value_lists_the_accepted_values() {
    let rejection = refused(STATE_VALUE);

    assert_eq!(
        rejection.to_string(),
        "field `detail.state.value`: expected one of OK, ALARM, INSUFFICIENT_DATA, got \"BROKEN\""
    );
    assert_eq!(rejection.field(), Some("detail.state.value"));
}

#[test]
fn a_bad_timestamp_names_the_path_and_the_value() {
    let rejection = refused(TIMESTAMP);

    assert_eq!(rejection.field(), Some("detail.state.timestamp"));
    assert!(rejection.to_string().ends_with("got \"yesterday at noon\""), "{rejection}");
}

#[test]
fn a_mismatched_aws_source_is_refused_but_a_custom_one_is_accepted() {
    let with_source = |source: &str| {
        let mut event: Value = serde_json::from_slice(METRIC).unwrap();
        event["source"] = json!(source);
        serde_json::to_vec(&event).unwrap()
    };

    assert_eq!(refused(&with_source("aws.health")).field(), Some("source"));
    assert!(parse_event(&with_source("opspod.replay")).is_ok());
}

#[test]
fn a_document_that_is_not_an_object_is_refused_as_the_wrong_type() {
    assert_eq!(refused(b"[1, 2]").to_string(), "the event: expected an object, got an array");
}

#[test]
fn values_quoted_in_a_rejection_are_short_and_cannot_ping() {
    let mut event: Value = serde_json::from_slice(METRIC).unwrap();
    event["detail-type"] = json!(format!("@everyone {}", "x".repeat(500)));

    let shown = refused(&serde_json::to_vec(&event).unwrap()).to_string();

    assert!(!shown.contains("@everyone"));
    assert!(shown.len() < 400, "{shown}");
}

#[test]
fn a_dimension_name_in_a_rejection_stays_on_one_line_short_and_unable_to_ping() {
    // Found with the property fuzz/fuzz_targets/parse_event.rs checks: a member name that came from the input
    // (a dimension) is part of the field path, which is quoted back as it was sent. Fails until that is fixed.
    let mut event: Value = serde_json::from_slice(METRIC).unwrap();
    let name = format!("@everyone\n{}", "x".repeat(500));
    event["detail"]["configuration"]["metrics"][0]["metricStat"]["metric"]["dimensions"][name] = json!(1);

    let shown = refused(&serde_json::to_vec(&event).unwrap()).to_string();

    assert!(!shown.contains('\n') && !shown.contains("@everyone"), "{shown}");
    assert!(shown.len() < 400, "{shown}");
}

#[test]
fn the_largest_field_of_an_oversized_event_is_named_on_one_line_and_unable_to_ping() {
    // Found with the property fuzz/fuzz_targets/parse_event.rs checks: the path of the largest string is built from
    // whatever member names the input has. Fails until that is fixed.
    let mut event: Value = serde_json::from_slice(METRIC).unwrap();
    event["detail"]["note\n@here"] = json!("x".repeat(300 * 1024));

    let shown = refused(&serde_json::to_vec(&event).unwrap()).to_string();

    assert!(!shown.contains('\n') && !shown.contains("@here"), "{shown}");
}

#[test]
fn every_demo_event_parses() {
    // `file!()` is relative to the package root when tests run in opspod, absolute in a scratch crate.
    let directory = Path::new(file!()).parent().unwrap().join("../../config/demo/events");
    let mut files: Vec<_> = std::fs::read_dir(&directory).unwrap().map(|entry| entry.unwrap().path()).collect();
    files.sort();

    assert!(files.len() >= 5, "demo events in {}", directory.display());
    for file in files {
        let raw = std::fs::read(&file).unwrap();
        parse_event(&raw).unwrap_or_else(|rejection| panic!("{}: {rejection}", file.display()));
    }
}

#[test]
fn the_demo_alarm_and_its_recovery_share_an_incident_but_not_a_dedupe_key() {
    let alarm = parse_event(include_bytes!("../../config/demo/events/01-checkout-errors-alarm.json")).unwrap();
    let ok = parse_event(include_bytes!("../../config/demo/events/03-checkout-errors-ok.json")).unwrap();

    assert_eq!(alarm.incident_key(), ok.incident_key());
    assert_ne!(alarm.dedupe_key(), ok.dedupe_key());
    assert_eq!(alarm.resource().name.as_str(), "checkout-api");
}

#[test]
fn the_demo_health_issue_opens_and_closes_under_one_arn() {
    let open = parse_event(include_bytes!("../../config/demo/events/02-lambda-issue-open.json")).unwrap();
    let closed = parse_event(include_bytes!("../../config/demo/events/04-lambda-issue-closed.json")).unwrap();

    assert_eq!(open.incident_key(), closed.incident_key());
    assert_eq!(closed.occurred_at(), Utc.with_ymd_and_hms(2026, 11, 20, 14, 40, 0).unwrap());
}

#[test]
fn an_event_without_account_takes_it_from_its_resource_arn() {
    let mut value: Value = serde_json::from_slice(METRIC).unwrap();
    value.as_object_mut().unwrap().remove("account");

    let event = parse_event(value.to_string().as_bytes()).unwrap();

    assert_eq!(event.account, "111122223333");
}

#[test]
fn an_event_without_account_or_arns_names_the_missing_account() {
    let mut value: Value = serde_json::from_slice(METRIC).unwrap();
    value.as_object_mut().unwrap().remove("account");
    value["resources"] = json!([]);

    assert_eq!(refused(value.to_string().as_bytes()).field(), Some("account"));
}

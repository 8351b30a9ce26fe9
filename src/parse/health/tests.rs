//! Health and Health abuse events, in every shape AWS has sent them.

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use crate::domain::ownership::{Directory, Owner, ResourceMatcher};
use crate::domain::routing::Policy;
use crate::domain::{EventBody, HealthCategory, HealthEvent, HealthStatus, ResourceKind, Severity};
use crate::parse::parse_event;

const ISSUE: &[u8] = include_bytes!("../../../tests/fixtures/events/health-issue.json");
const ABUSE: &[u8] = include_bytes!("../../../tests/fixtures/events/health-abuse.json");
const SCHEDULED: &[u8] = include_bytes!("../../../tests/fixtures/events/health-scheduled-change.json");
/// An older shape: no `statusCode`, RFC 1123 times, a global event region and tagged entities.
const LEGACY: &[u8] = include_bytes!("../../../tests/fixtures/events/health-legacy-global.json");

fn health(raw: &[u8]) -> HealthEvent {
    match parse_event(raw).expect("the fixture parses").body {
        EventBody::Health(health) => health,
        other => panic!("expected a Health event, got {other:?}"),
    }
}

fn without_detail_field(raw: &[u8], field: &str) -> Vec<u8> {
    let mut event: Value = serde_json::from_slice(raw).unwrap();
    event["detail"].as_object_mut().unwrap().remove(field);
    serde_json::to_vec(&event).unwrap()
}

fn edited(raw: &[u8], edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut event: Value = serde_json::from_slice(raw).unwrap();
    edit(&mut event);
    serde_json::to_vec(&event).unwrap()
}

#[test]
fn an_issue_keeps_every_documented_field() {
    let health = health(ISSUE);

    assert_eq!(
        health.arn,
        "arn:aws:health:eu-west-1::event/EC2/AWS_EC2_OPERATIONAL_ISSUE/AWS_EC2_OPERATIONAL_ISSUE_90353408594353980"
    );
    assert_eq!((health.service.as_str(), health.type_code.as_str()), ("EC2", "AWS_EC2_OPERATIONAL_ISSUE"));
    assert_eq!((health.category, health.status), (HealthCategory::Issue, HealthStatus::Open));
    assert_eq!(health.scope.as_deref(), Some("PUBLIC"));
    assert!(health.communication_id.as_deref().is_some_and(|id| id.ends_with("-1")));
    assert_eq!(health.start, Some(Utc.with_ymd_and_hms(2026, 11, 18, 13, 5, 0).unwrap()));
    assert_eq!(health.end, None);
    assert_eq!(health.last_updated, Utc.with_ymd_and_hms(2026, 11, 18, 13, 19, 3).unwrap());
    assert_eq!((health.page, health.total_pages), (1, 1));
    assert!(!health.abuse);
}

#[test]
fn the_english_description_is_preferred_over_the_first_one() {
    let health = health(ISSUE);

    assert!(health.description.as_str().starts_with("We are investigating increased API error rates"));
    assert_eq!(health.summary(), "We are investigating increased API error rates in the EU-WEST-1 Region.");
}

#[test]
fn an_issue_is_about_the_service_in_the_impacted_region() {
    let resource = health(ISSUE).resource;

    assert_eq!((resource.kind, resource.name.as_str()), (ResourceKind::Service, "EC2"));
    assert_eq!((resource.region.as_str(), resource.account.as_str()), ("eu-west-1", "111122223333"));
}

#[test]
fn without_an_event_region_the_delivering_region_is_assumed() {
    let health = health(&without_detail_field(SCHEDULED, "eventRegion"));

    assert_eq!(health.event_region, "us-east-1");
}

#[test]
fn a_scheduled_change_reads_single_digit_rfc1123_days_and_iso_update_times() {
    let health = health(SCHEDULED);

    assert_eq!(health.category, HealthCategory::ScheduledChange);
    assert_eq!(health.status, HealthStatus::Upcoming);
    assert_eq!(health.start, Some(Utc.with_ymd_and_hms(2026, 12, 3, 2, 0, 0).unwrap()));
    assert_eq!(health.end, Some(Utc.with_ymd_and_hms(2026, 12, 3, 4, 0, 0).unwrap()));
    assert_eq!(health.last_updated, Utc.with_ymd_and_hms(2026, 11, 19, 8, 0, 0).unwrap());
}

#[test]
fn an_event_about_another_region_and_account_says_so() {
    let health = health(SCHEDULED);

    assert_eq!(health.event_region, "eu-central-1");
    assert_eq!(health.affected_account.as_deref(), Some("111122223333"));
    assert_eq!((health.resource.region.as_str(), health.resource.account.as_str()), ("eu-central-1", "111122223333"));
}

#[test]
fn metadata_that_is_not_a_string_is_kept_as_json_text() {
    let metadata = health(SCHEDULED).metadata;

    assert_eq!(metadata.get("reboot_required").map(String::as_str), Some("true"));
    assert_eq!(metadata.get("instances").map(String::as_str), Some("1"));
    assert_eq!(metadata.get("maintenance_window").map(String::as_str), Some("2026-12-03T02:00Z/2026-12-03T04:00Z"));
}

#[test]
fn affected_entities_keep_their_status_time_and_tags() {
    let entity = &health(SCHEDULED).affected_entities[0];

    assert_eq!(entity.value.as_str(), "orders-db");
    assert_eq!(entity.status.as_deref(), Some("PENDING"));
    assert_eq!(entity.last_updated, Some(Utc.with_ymd_and_hms(2026, 11, 19, 8, 0, 0).unwrap()));
    assert_eq!(entity.tags.get("team").map(String::as_str), Some("payments"));
}

#[test]
fn pages_are_read_from_their_strings() {
    let health = health(SCHEDULED);

    assert_eq!((health.page, health.total_pages), (1, 2));
}

#[test]
fn missing_pages_mean_a_single_page() {
    let health = health(&without_detail_field(&without_detail_field(ISSUE, "page"), "totalPages"));

    assert_eq!((health.page, health.total_pages), (1, 1));
}

#[test]
fn an_abuse_report_is_marked_abuse_and_open_without_a_status_code() {
    let health = health(ABUSE);

    assert!(health.abuse);
    assert_eq!(health.status, HealthStatus::Open);
    assert_eq!(health.service, "ABUSE");
    assert_eq!(health.event_region, "us-east-1");
    assert_eq!(health.resource.account, "111122223333");
}

#[test]
fn an_abuse_report_without_an_update_time_is_dated_from_its_start() {
    let health = health(ABUSE);

    assert_eq!(health.last_updated, Utc.with_ymd_and_hms(2026, 11, 18, 6, 27, 57).unwrap());
}

#[test]
fn abuse_entities_written_with_status_code_keep_their_status() {
    let entity = &health(ABUSE).affected_entities[0];

    assert_eq!(entity.status.as_deref(), Some("IMPAIRED"));
}

#[test]
fn without_a_status_code_an_event_whose_end_has_passed_is_closed() {
    let health = health(LEGACY);

    assert_eq!(health.status, HealthStatus::Closed);
    assert_eq!(health.start, Some(Utc.with_ymd_and_hms(2026, 11, 19, 5, 1, 10).unwrap()));
    assert_eq!(health.end, Some(Utc.with_ymd_and_hms(2026, 11, 19, 6, 20, 0).unwrap()));
}

#[test]
fn without_a_status_code_an_event_with_no_end_yet_is_open() {
    let health = health(&without_detail_field(ISSUE, "statusCode"));

    assert_eq!(health.status, HealthStatus::Open);
}

#[test]
fn without_a_status_code_an_end_after_the_last_update_is_still_open() {
    let raw = edited(LEGACY, |event| event["detail"]["endTime"] = json!("2026-11-19T08:00:00Z"));

    assert_eq!(health(&raw).status, HealthStatus::Open);
}

#[test]
fn without_a_status_code_or_update_time_the_delivery_time_decides() {
    let raw = edited(LEGACY, |event| {
        event["detail"].as_object_mut().unwrap().remove("lastUpdatedTime");
        event["time"] = json!("2026-11-19T06:00:00Z");
    });

    assert_eq!(health(&raw).status, HealthStatus::Open, "delivered before the end");
}

#[test]
fn without_a_status_code_a_change_that_has_not_started_is_upcoming() {
    let health = health(&without_detail_field(SCHEDULED, "statusCode"));

    assert_eq!(health.status, HealthStatus::Upcoming);
}

#[test]
fn a_status_code_that_is_present_is_taken_as_written() {
    let raw = edited(LEGACY, |event| event["detail"]["statusCode"] = json!("open"));

    assert_eq!(health(&raw).status, HealthStatus::Open);
}

#[test]
fn a_global_event_region_is_kept_as_global() {
    let health = health(LEGACY);

    assert_eq!(health.event_region, "global");
    assert_eq!((health.resource.region.as_str(), health.resource.account.as_str()), ("global", "111122223333"));
}

#[test]
fn a_global_delivering_region_is_assumed_for_the_event_when_it_names_none() {
    let raw = edited(LEGACY, |event| {
        event["region"] = json!("global");
        event["detail"].as_object_mut().unwrap().remove("eventRegion");
    });

    assert_eq!(health(&raw).event_region, "global");
}

#[test]
fn the_owner_named_by_an_affected_entitys_tags_is_mentioned() {
    let event = parse_event(LEGACY).unwrap();
    let storefront = Owner {
        team: "storefront".into(),
        mention: Some("<@&111>".into()),
        channel: None,
        interactive: false,
        matcher: ResourceMatcher { names: vec![], tags: [("team".to_owned(), "storefront".to_owned())].into() },
    };
    let directory = Directory { owners: vec![storefront], runbooks: vec![] };
    let policy = Policy { watched_regions: vec!["us-east-1".into()], ..Policy::default() };

    let route = policy.route(&event, &directory);

    assert_eq!(route.severity, Severity::Warning, "a global issue is watched wherever opspod looks");
    assert_eq!(route.mentions, vec!["<@&111>".to_owned()]);
}

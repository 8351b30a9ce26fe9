//! Routing rules and the defaults that apply when no rule matches.

use super::*;
use crate::domain::alarm::StateValue;
use crate::domain::health::HealthStatus;
use crate::domain::ownership::{Owner, ResourceMatcher};
use crate::domain::sample::{alarm, as_abuse, health, with_entities};

fn policy() -> Policy {
    Policy {
        rules: vec![],
        critical_alarms: vec![Glob::new("*critical*").unwrap()],
        watched_regions: vec!["us-east-1".into()],
        oncall_mention: Some("@oncall".into()),
    }
}

fn directory() -> Directory {
    let owner = |team: &str, glob: &str, channel: Option<&str>| Owner {
        team: team.into(),
        mention: Some(format!("@{team}")),
        channel: channel.map(Into::into),
        interactive: false,
        matcher: ResourceMatcher { names: vec![Glob::new(glob).unwrap()], tags: Default::default() },
    };
    Directory {
        owners: vec![owner("payments", "checkout-*", None), owner("data", "legacy-etl", Some("data"))],
        runbooks: vec![],
    }
}

#[test]
fn an_ordinary_alarm_goes_to_the_team_channel_and_pings_its_owner() {
    let event = alarm("checkout-api-errors", "checkout-api", StateValue::Alarm, "14:02:11");
    let route = policy().route(&event, &directory());
    assert_eq!(route, Route { channel: TEAM.into(), severity: Severity::Warning, mentions: vec!["@payments".into()] });
}

#[test]
fn a_critical_alarm_goes_to_oncall_and_pings_the_owner_and_oncall() {
    let event = alarm("checkout-critical", "checkout-api", StateValue::Alarm, "14:02:11");
    let route = policy().route(&event, &directory());
    assert_eq!(route.channel, ONCALL);
    assert_eq!(route.severity, Severity::Critical);
    assert_eq!(route.mentions, vec!["@payments".to_string(), "@oncall".to_string()]);
}

#[test]
fn a_health_issue_in_a_watched_region_goes_to_oncall() {
    let event = health("e1", HealthCategory::Issue, HealthStatus::Open, "us-east-1", "14:05:00");
    assert_eq!(policy().route(&event, &directory()).channel, ONCALL);
}

#[test]
fn a_health_issue_elsewhere_goes_to_the_team() {
    let event = health("e1", HealthCategory::Issue, HealthStatus::Open, "ap-south-1", "14:05:00");
    let route = policy().route(&event, &directory());
    assert_eq!((route.channel.as_str(), route.severity), (TEAM, Severity::Info));
}

#[test]
fn an_abuse_event_goes_to_oncall_as_critical() {
    let event = as_abuse(health("a1", HealthCategory::Issue, HealthStatus::Open, "ap-south-1", "14:05:00"));
    let route = policy().route(&event, &directory());
    assert_eq!((route.channel.as_str(), route.severity), (ONCALL, Severity::Critical));
}

#[test]
fn a_scheduled_change_mentions_the_owners_of_the_functions_aws_names() {
    let event = with_entities(
        health("d1", HealthCategory::ScheduledChange, HealthStatus::Upcoming, "us-east-1", "14:05:00"),
        &["arn:aws:lambda:us-east-1:210987654321:function:legacy-etl"],
    );
    let route = policy().route(&event, &directory());
    assert_eq!(route.severity, Severity::Info);
    assert_eq!(route.channel, TEAM);
    assert!(route.mentions.is_empty(), "informational notices do not ping");
}

#[test]
fn an_owner_with_its_own_channel_gets_its_alarms_there() {
    let event = alarm("etl-errors", "legacy-etl", StateValue::Alarm, "14:02:11");
    assert_eq!(policy().route(&event, &directory()).channel, "data");
}

#[test]
fn the_first_matching_rule_decides_and_keeps_unset_parts_from_the_defaults() {
    let mut policy = policy();
    policy.rules = vec![
        Rule {
            name: "search is quiet".into(),
            when: Conditions { resource: Some(Glob::new("search-*").unwrap()), ..Default::default() },
            channel: None,
            severity: Some(Severity::Info),
            mentions: Some(vec![]),
        },
        Rule {
            name: "lambda alarms page".into(),
            when: Conditions {
                source: Some(SourceKind::Alarm),
                namespace: Some("AWS/Lambda".into()),
                state: Some("alarm".into()),
                ..Default::default()
            },
            channel: Some(ONCALL.into()),
            severity: Some(Severity::Critical),
            mentions: None,
        },
    ];
    let search = alarm("search-errors", "search-api", StateValue::Alarm, "14:02:11");
    assert_eq!(
        policy.route(&search, &directory()),
        Route { channel: TEAM.into(), severity: Severity::Info, mentions: vec![] }
    );
    let checkout = alarm("checkout-api-errors", "checkout-api", StateValue::Alarm, "14:02:11");
    let route = policy.route(&checkout, &directory());
    assert_eq!((route.channel.as_str(), route.severity), (ONCALL, Severity::Critical));
    assert_eq!(route.mentions, vec!["@payments".to_string(), "@oncall".to_string()]);
}

#[test]
fn rule_conditions_on_region_account_and_category_must_all_hold() {
    let when = Conditions {
        region: Some("eu-west-1".into()),
        health_category: Some(HealthCategory::Issue),
        ..Default::default()
    };
    let here = health("e1", HealthCategory::Issue, HealthStatus::Open, "eu-west-1", "14:05:00");
    let there = health("e2", HealthCategory::Issue, HealthStatus::Open, "us-east-1", "14:05:00");
    let scheduled = health("e3", HealthCategory::ScheduledChange, HealthStatus::Open, "eu-west-1", "14:05:00");
    assert!(when.hold_for(&here));
    assert!(!when.hold_for(&there));
    assert!(!when.hold_for(&scheduled));
    let account = Conditions { account: Some("999".into()), ..Default::default() };
    assert!(!account.hold_for(&here));
}

#[test]
fn function_names_are_read_from_lambda_arns() {
    assert_eq!(entity_name("arn:aws:lambda:us-east-1:210987654321:function:legacy-etl"), "legacy-etl");
    assert_eq!(entity_name("arn:aws:lambda:us-east-1:210987654321:function:legacy-etl:prod"), "legacy-etl");
    assert_eq!(entity_name("arn:aws:sqs:us-east-1:210987654321:orders"), "orders");
    assert_eq!(entity_name("i-0abc"), "i-0abc");
}

#[test]
fn a_rule_that_makes_an_alarm_critical_sends_it_to_oncall() {
    let mut policy = policy();
    policy.rules = vec![Rule {
        name: "checkout pages".into(),
        when: Conditions { alarm: Some(Glob::new("checkout-api-errors*").unwrap()), ..Default::default() },
        channel: None,
        severity: Some(Severity::Critical),
        mentions: None,
    }];
    let event = alarm("checkout-api-errors", "checkout-api", StateValue::Alarm, "14:02:11");
    let route = policy.route(&event, &directory());
    assert_eq!(route.channel, ONCALL);
    assert_eq!(route.mentions, vec!["@payments".to_string(), "@oncall".to_string()]);
}

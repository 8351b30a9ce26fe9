//! The config becomes domain values: policy, directory, mention targets, URLs, settings.

use std::time::Duration;

use super::*;
use crate::config::{DeliverySettings, MentionTarget};
use crate::domain::glob::Glob;
use crate::domain::health::HealthCategory;
use crate::domain::ownership::ResourceMatcher;
use crate::domain::routing::{Conditions, Severity, SourceKind};

const FULL: &str = r#"
[channels.team]
[channels.oncall]
[channels.payments]
[mentions]
payments = "role:111"
dana = "user:222"
oncall = "role:333"
[routing]
oncall_mention = "@oncall"
[[routing.rules]]
name = "checkout pages on-call"
when = { source = "alarm", alarm = "checkout-*", namespace = "AWS/Lambda", region = "us-east-1", state = "ALARM" }
channel = "oncall"
severity = "critical"
mentions = ["@payments"]
[[routing.rules]]
name = "health issues"
when = { source = "health", health_category = "issue" }
[[owners]]
team = "payments"
mention = "@payments"
channel = "payments"
interactive = true
resources = ["checkout-*"]
tags = { team = "payments" }
[[runbooks]]
url = "https://wiki.example.com/runbooks/checkout"
resources = ["checkout-*"]
alarms = ["checkout-*"]
[aws]
regions = ["eu-west-1"]
[[aws.accounts]]
id = "210987654321"
name = "prod"
"#;

fn glob(pattern: &str) -> Glob {
    Glob::new(pattern).unwrap()
}

#[test]
fn the_policy_carries_rules_defaults_and_watched_regions() {
    let policy = load(FULL).config.policy();
    let first = &policy.rules[0];
    assert_eq!(first.name, "checkout pages on-call");
    assert_eq!(
        first.when,
        Conditions {
            source: Some(SourceKind::Alarm),
            alarm: Some(glob("checkout-*")),
            namespace: Some("AWS/Lambda".into()),
            region: Some("us-east-1".into()),
            state: Some("ALARM".into()),
            ..Conditions::default()
        }
    );
    assert_eq!((first.channel.as_deref(), first.severity), (Some("oncall"), Some(Severity::Critical)));
    assert_eq!(first.mentions, Some(vec!["@payments".to_string()]));
    assert_eq!(policy.rules[1].when.health_category, Some(HealthCategory::Issue));
    assert_eq!(policy.rules[1].severity, None);
    assert_eq!(policy.critical_alarms, [glob("*critical*"), glob("*-p1-*"), glob("*sev1*")]);
    assert_eq!(policy.watched_regions, ["eu-west-1"], "aws.regions is the default");
    assert_eq!(policy.oncall_mention.as_deref(), Some("@oncall"));
}

#[test]
fn the_directory_carries_owners_and_runbooks_in_order() {
    let directory = load(FULL).config.directory();
    let owner = &directory.owners[0];
    assert_eq!(
        (owner.team.as_str(), owner.mention.as_deref(), owner.channel.as_deref()),
        ("payments", Some("@payments"), Some("payments"))
    );
    assert!(owner.interactive);
    assert_eq!(
        owner.matcher,
        ResourceMatcher {
            names: vec![glob("checkout-*")],
            tags: [("team".to_string(), "payments".to_string())].into()
        }
    );
    assert_eq!(directory.runbooks[0].url, "https://wiki.example.com/runbooks/checkout");
    assert_eq!(directory.runbooks[0].alarms, [glob("checkout-*")]);
}

#[test]
fn mention_targets_are_roles_or_users() {
    let config = load(FULL).config;
    assert_eq!(config.mention_target("@payments"), Some(MentionTarget::Role(111)));
    assert_eq!(config.mention_target("dana"), Some(MentionTarget::User(222)));
    assert_eq!(config.mention_target("@nobody"), None);
    assert_eq!(MentionTarget::Role(111).markup(), "<@&111>");
}

#[test]
fn accounts_are_named() {
    let config = load(FULL).config;
    assert_eq!(config.account_name("210987654321"), Some("prod"));
    assert_eq!(config.account_name("123456789012"), None);
}

#[test]
fn a_bare_path_becomes_a_sqlite_url_and_urls_pass_through() {
    let url_for =
        |database: &str| load(&format!("{MINIMAL}[store]\ndatabase = \"{database}\"\n")).config.database_url();
    assert_eq!(url_for("data/opspod.db"), "sqlite://data/opspod.db?mode=rwc");
    assert_eq!(url_for("/var/lib/opspod.db"), "sqlite:///var/lib/opspod.db?mode=rwc");
    assert_eq!(url_for("sqlite::memory:"), "sqlite::memory:");
    assert_eq!(url_for("postgresql://db/opspod"), "postgresql://db/opspod");
}

#[test]
fn delivery_settings_default_when_absent() {
    assert_eq!(load(MINIMAL).config.delivery(), DeliverySettings::default());
    assert_eq!(DeliverySettings::default().max_backoff, Duration::from_secs(60));
    let custom = load(&format!("{MINIMAL}[delivery]\nmax_attempts = 3\n")).config.delivery();
    assert_eq!((custom.max_attempts, custom.initial_backoff), (3, Duration::from_millis(500)));
}

#[test]
fn the_summary_says_what_is_on_and_what_is_off() {
    let loaded = load(FULL);
    let summary = loaded.config.summary(&loaded.secrets);
    assert!(summary.contains("SQLite file opspod.db"), "{summary}");
    assert!(summary.contains("oncall, payments, team"), "{summary}");
    assert!(summary.contains("3 handles"), "{summary}");
    assert!(summary.contains("2 rules"), "{summary}");
    assert!(summary.contains("payments (interactive)"), "{summary}");
    assert!(summary.contains("prod (210987654321)"), "{summary}");
    assert!(summary.contains("off: no [sqs] section"), "{summary}");
    assert!(summary.contains("not set"), "{summary}");
}

#[test]
fn without_aws_the_summary_names_the_default_credential_chain() {
    let loaded = load(MINIMAL);
    assert!(loaded.config.summary(&loaded.secrets).contains("default credential chain"));
}

//! Each config struct parses from an inline TOML string.

use std::collections::BTreeMap;

use super::*;
use crate::config::{Account, Aws, Channel, Delivery, Owner, Routing, Rule, Runbook, Sqs, Store, When};

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> T {
    toml::from_str(text).unwrap_or_else(|error| panic!("should parse: {error}"))
}

#[test]
fn a_store_names_its_database() {
    let store: Store = parse(r#"database = "postgres://opspod@db/opspod""#);
    assert_eq!(store.database, "postgres://opspod@db/opspod");
}

#[test]
fn a_channel_may_have_a_discord_id_or_not() {
    assert_eq!(parse::<Channel>("discord_id = 123").discord_id, Some(123));
    assert_eq!(parse::<Channel>("").discord_id, None);
}

#[test]
fn routing_parses_defaults_and_rules() {
    let routing: Routing = parse(
        r#"
        critical_alarms = ["*sev1*"]
        oncall_mention = "@oncall"
        watched_regions = ["us-east-1"]
        [[rules]]
        name = "checkout pages on-call"
        when = { source = "alarm", alarm = "checkout-*", state = "ALARM" }
        channel = "oncall"
        severity = "critical"
        mentions = ["@payments"]
        "#,
    );
    assert_eq!(routing.critical_alarms, Some(vec!["*sev1*".to_string()]));
    assert_eq!(routing.rules.len(), 1);
    assert_eq!(routing.rules[0].when.alarm.as_deref(), Some("checkout-*"));
}

#[test]
fn a_rule_needs_only_a_name() {
    let rule: Rule = parse(r#"name = "anything""#);
    assert_eq!(rule.when, When::default());
    assert_eq!(rule.channel, None);
}

#[test]
fn conditions_parse_every_field() {
    let when: When = parse(
        r#"source = "health"
        alarm = "a*"
        namespace = "AWS/Lambda"
        resource = "r*"
        region = "us-east-1"
        account = "210987654321"
        state = "open"
        health_category = "issue""#,
    );
    assert_eq!(when.health_category.as_deref(), Some("issue"));
    assert_eq!(when.namespace.as_deref(), Some("AWS/Lambda"));
}

#[test]
fn an_owner_defaults_to_not_interactive() {
    let owner: Owner = parse(
        r#"team = "payments"
        resources = ["checkout-*"]
        tags = { team = "payments" }"#,
    );
    assert!(!owner.interactive);
    assert_eq!(owner.tags, BTreeMap::from([("team".to_string(), "payments".to_string())]));
}

#[test]
fn a_runbook_parses_with_its_matchers() {
    let runbook: Runbook = parse(
        r#"url = "https://wiki.example.com/runbooks/checkout"
        resources = ["checkout-*"]
        alarms = ["checkout-*"]
        tags = {}"#,
    );
    assert_eq!(runbook.alarms, ["checkout-*"]);
}

#[test]
fn aws_lists_regions_and_accounts() {
    let aws: Aws = parse(
        r#"regions = ["us-east-1"]
        [[accounts]]
        id = "210987654321"
        name = "prod""#,
    );
    assert_eq!(aws.accounts, [Account { id: "210987654321".into(), name: "prod".into(), ..Account::default() }]);
}

#[test]
fn sqs_defaults_to_long_polling_for_ten_messages() {
    let sqs: Sqs = parse(r#"queues = ["https://sqs.us-east-1.amazonaws.com/1/q"]"#);
    assert_eq!((sqs.wait_seconds, sqs.max_messages, sqs.visibility_timeout_seconds), (20, 10, None));
}

#[test]
fn delivery_fills_in_what_is_not_given() {
    let delivery: Delivery = parse("max_attempts = 3");
    assert_eq!(delivery, Delivery { max_attempts: 3, ..Delivery::default() });
}

#[test]
fn unknown_keys_are_refused_in_every_struct() {
    assert!(toml::from_str::<Store>("database = \"x\"\nfile = \"y\"").is_err());
    assert!(toml::from_str::<When>("alarms = \"x\"").is_err());
    assert!(toml::from_str::<Delivery>("retries = 1").is_err());
}

#[test]
fn the_whole_config_parses_with_optional_sections_off() {
    let loaded = load(MINIMAL);
    assert_eq!(loaded.config.store.database, "opspod.db");
    assert!(loaded.config.aws.is_none());
    assert!(loaded.config.sqs.is_none());
    assert!(loaded.config.delivery.is_none());
}

#[test]
fn discord_names_the_guild_and_the_roles_that_may_respond() {
    let discord: crate::config::Discord =
        parse("guild_id = 42\napi_base_url = \"http://127.0.0.1:9\"\nresponders = [\"@oncall\"]\n");
    assert_eq!(discord.guild_id, 42);
    assert_eq!(discord.api_base_url.as_deref(), Some("http://127.0.0.1:9"));
    assert!(!discord.global_commands, "slash commands are registered in the guild by default");
}

#[test]
fn discord_needs_channel_ids_and_responder_roles() {
    let text = "[channels.team]\ndiscord_id = 1\n[channels.oncall]\n[mentions]\noncall = \"role:5\"\ndana = \"user:6\"\n\
                [discord]\nguild_id = 42\nresponders = [\"@oncall\", \"@dana\"]\n";
    let errors = super::errors_of(text).to_string();
    assert!(errors.contains("channels.oncall: needs a discord_id when [discord] is on"), "{errors}");
    assert!(errors.contains("discord.responders[1]: @dana must be a role declared in [mentions]"), "{errors}");
    assert!(!errors.contains("responders[0]"), "{errors}");
}

#[test]
fn health_is_served_on_loopback_unless_the_section_says_otherwise() {
    assert_eq!(load(MINIMAL).config.health, crate::config::Health { enabled: true, listen: "127.0.0.1:9187".into() });
    let health: crate::config::Health = parse("enabled = false\nlisten = \"[::1]:9000\"");
    assert!(!health.enabled);
    assert_eq!(health.listen, "[::1]:9000");
}

#[test]
fn a_health_address_must_be_an_ip_and_port_and_a_public_one_is_warned_about() {
    let errors = super::errors_of(&format!("{MINIMAL}[health]\nlisten = \"localhost\"\n")).to_string();
    assert!(errors.contains("test.toml:4: health.listen: \"localhost\" is not an IP address and port"), "{errors}");

    let loaded = load(&format!("{MINIMAL}[health]\nlisten = \"0.0.0.0:9187\"\n"));
    let summary = loaded.config.summary(&loaded.secrets);
    assert!(
        summary.contains(
            "health         /healthz and /metrics on http://0.0.0.0:9187; WARNING: 0.0.0.0 is not a loopback"
        ),
        "{summary}"
    );
    assert!(!load(MINIMAL).config.summary(&loaded.secrets).contains("WARNING"));
}

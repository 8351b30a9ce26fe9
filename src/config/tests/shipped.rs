//! The files opspod ships parse and validate.

use super::*;
use crate::config::{DEFAULT_TOML, EMBEDDED_SOURCE};

const DEMO: &str = include_str!("../../../config/demo/opspod.toml");

#[test]
fn the_shipped_default_loads_without_credentials() {
    let loaded = load_str(DEFAULT_TOML, EMBEDDED_SOURCE, &no_env()).unwrap_or_else(|errors| panic!("{errors}"));
    let config = &loaded.config;
    assert_eq!(config.database_url(), "sqlite://opspod.db?mode=rwc");
    assert!(config.channels.contains_key("team") && config.channels.contains_key("oncall"));
    assert!(config.aws.is_none() && config.sqs.is_none());
    assert!(loaded.secrets.discord_token.is_none());
}

#[test]
fn loading_without_a_path_uses_the_embedded_default() {
    let loaded = crate::config::load(None).unwrap_or_else(|errors| panic!("{errors}"));
    assert_eq!(loaded.source, EMBEDDED_SOURCE);
}

#[test]
fn loading_a_file_names_it_as_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("opspod.toml");
    std::fs::write(&path, MINIMAL).unwrap();
    let loaded = crate::config::load(Some(&path)).unwrap_or_else(|errors| panic!("{errors}"));
    assert_eq!(loaded.source, path.display().to_string());
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    let errors = crate::config::load(Some(std::path::Path::new("/nonexistent/opspod.toml"))).unwrap_err();
    assert!(errors.to_string().starts_with("/nonexistent/opspod.toml: cannot read"), "{errors}");
}

#[test]
fn the_demo_config_loads_with_its_teams_and_account() {
    let loaded = load_str(DEMO, "config/demo/opspod.toml", &no_env()).unwrap_or_else(|errors| panic!("{errors}"));
    let config = &loaded.config;
    assert_eq!(config.account_name("210987654321"), Some("prod"));
    let teams: Vec<&str> = config.owners.iter().map(|owner| owner.team.as_str()).collect();
    assert_eq!(teams, ["payments", "analytics", "data"]);
    assert_eq!(config.channels.len(), 5);
    assert_eq!(config.mentions.len(), 5);
    assert_eq!(config.policy().rules.len(), 1);
    assert_eq!(config.watched_regions(), ["us-east-1"]);
}

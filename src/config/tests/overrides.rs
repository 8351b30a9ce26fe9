//! `OPSPOD_*` environment variables override the file.

use super::*;

const WITH_SQS: &str =
    "[channels.team]\n[channels.oncall]\n[sqs]\nqueues = [\"https://sqs.us-east-1.amazonaws.com/1/q\"]\n";

#[test]
fn an_override_changes_a_value_and_numbers_stay_numbers() {
    let loaded = load_str(WITH_SQS, "test.toml", &env(&[("OPSPOD_SQS__WAIT_SECONDS", "1")])).unwrap();
    assert_eq!(loaded.config.sqs.unwrap().wait_seconds, 1);
}

#[test]
fn an_override_can_replace_the_database_with_a_postgres_url() {
    let url = "postgres://opspod:hunter2@db.internal/opspod";
    let loaded = load_str(MINIMAL, "test.toml", &env(&[("OPSPOD_STORE__DATABASE", url)])).unwrap();
    assert_eq!(loaded.config.database_url(), url);
}

#[test]
fn override_keys_are_case_insensitive_and_arrays_parse() {
    let vars = env(&[("OPSPOD_AWS__Regions", r#"["eu-west-1", "us-east-1"]"#)]);
    let loaded = load_str(MINIMAL, "test.toml", &vars).unwrap();
    assert_eq!(loaded.config.aws.unwrap().regions, ["eu-west-1", "us-east-1"]);
}

#[test]
fn an_override_can_add_a_channel_id() {
    let loaded = load_str(MINIMAL, "test.toml", &env(&[("OPSPOD_CHANNELS__TEAM__DISCORD_ID", "42")])).unwrap();
    assert_eq!(loaded.config.channels["team"].discord_id, Some(42));
}

#[test]
fn an_override_of_an_unknown_key_is_an_error_naming_the_variable() {
    let errors = load_str(WITH_SQS, "test.toml", &env(&[("OPSPOD_SQS__WAIT", "1")])).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors}");
    assert_eq!(errors.0[0].source, "environment variable OPSPOD_SQS__WAIT");
    assert!(errors.to_string().contains("sqs.wait: unknown field `wait`"), "{errors}");
}

#[test]
fn an_override_of_an_unknown_section_is_an_error_naming_the_variable() {
    let errors = load_str(MINIMAL, "test.toml", &env(&[("OPSPOD_STORAGE__DATABASE", "x.db")])).unwrap_err();
    assert_eq!(errors.0[0].source, "environment variable OPSPOD_STORAGE__DATABASE");
}

#[test]
fn a_bad_overridden_value_blames_the_variable_not_the_file_line() {
    let errors = load_str(WITH_SQS, "test.toml", &env(&[("OPSPOD_SQS__MAX_MESSAGES", "50")])).unwrap_err();
    assert_eq!(
        errors.to_string(),
        "environment variable OPSPOD_SQS__MAX_MESSAGES: sqs.max_messages: must be between 1 and 10, not 50"
    );
}

#[test]
fn an_override_that_turns_a_section_on_reports_what_it_lacks() {
    let errors = load_str(MINIMAL, "test.toml", &env(&[("OPSPOD_SQS__WAIT_SECONDS", "1")])).unwrap_err();
    assert_eq!(errors.0[0].source, "environment variable OPSPOD_SQS__WAIT_SECONDS");
    assert!(errors.0[0].message.contains("missing field `queues`"), "{errors}");
}

#[test]
fn an_override_can_reach_into_an_array_of_tables() {
    let text = format!("{MINIMAL}[[routing.rules]]\nname = \"r\"\nseverity = \"info\"\n");
    let loaded = load_str(&text, "test.toml", &env(&[("OPSPOD_ROUTING__RULES__0__SEVERITY", "critical")])).unwrap();
    assert_eq!(loaded.config.routing.rules[0].severity.as_deref(), Some("critical"));
}

#[test]
fn an_override_under_a_plain_value_is_an_error() {
    let errors = load_str(MINIMAL, "test.toml", &env(&[("OPSPOD_STORE__DATABASE__PATH", "x")])).unwrap_err();
    assert_eq!(errors.0[0].source, "environment variable OPSPOD_STORE__DATABASE__PATH", "{errors}");
}

#[test]
fn the_command_line_variables_are_not_overrides() {
    let vars = env(&[("OPSPOD_CONFIG", "/etc/opspod.toml"), ("OPSPOD_LOG", "debug")]);
    assert!(load_str(MINIMAL, "test.toml", &vars).is_ok());
}

#[test]
fn opspod_variables_without_a_section_are_left_to_the_command_line_and_tests() {
    let vars = env(&[("OPSPOD_LOG", "debug"), ("OPSPOD_TEST_AWS_ENDPOINT", "http://127.0.0.1:5000")]);
    assert!(load_str(MINIMAL, "test.toml", &vars).is_ok());
}

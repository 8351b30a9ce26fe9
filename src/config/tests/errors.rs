//! Every problem is reported, each with its source, key path and line.

use super::*;

#[test]
fn an_unknown_key_is_reported_with_its_path_and_line() {
    let errors = errors_of("[channels.team]\n[channels.oncall]\n\n[sqs]\nqueues = [\"https://q\"]\nwait_secs = 5\n");
    let error = &errors.0[0];
    assert_eq!(errors.len(), 1, "{errors}");
    assert_eq!((error.line, error.path.as_str()), (Some(6), "sqs.wait_secs"));
    assert!(error.message.contains("unknown field `wait_secs`"), "{error}");
    assert!(error.to_string().starts_with("test.toml:6: sqs.wait_secs: unknown field"), "{error}");
}

#[test]
fn two_errors_in_different_sections_are_both_reported() {
    let errors = errors_of(
        "[store]\ndatabase = \"\"\n[channels.team]\n[channels.oncall]\n[delivery]\nmax_attempts = \"many\"\n",
    );
    let paths: Vec<&str> = errors.iter().map(|error| error.path.as_str()).collect();
    assert_eq!(paths, ["store.database", "delivery.max_attempts"], "{errors}");
    assert_eq!(errors.0[0].line, Some(2));
    assert_eq!(errors.0[1].line, Some(6));
}

#[test]
fn a_bad_rule_does_not_hide_a_bad_reference_in_the_next_rule() {
    let errors = errors_of(
        r#"[channels.team]
[channels.oncall]
[channels.payments]
[[routing.rules]]
name = "first"
severity = 3
[[routing.rules]]
name = "second"
channel = "payment"
"#,
    );
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(lines.len(), 2, "{errors}");
    assert!(lines[0].starts_with("test.toml:6: routing.rules[0].severity: invalid type"), "{}", lines[0]);
    assert_eq!(
        lines[1],
        r#"test.toml:9: routing.rules[1].channel: unknown channel "payment" (channels: oncall, payments, team)"#
    );
}

#[test]
fn a_missing_required_field_points_at_its_table() {
    let errors = errors_of("[channels.team]\n[channels.oncall]\n[[owners]]\nresources = [\"a*\"]\n");
    assert_eq!(errors.len(), 1, "{errors}");
    assert_eq!((errors.0[0].path.as_str(), errors.0[0].line), ("owners[0]", Some(3)));
    assert!(errors.0[0].message.contains("missing field `team`"));
}

#[test]
fn the_required_channels_are_named_when_missing() {
    let errors = errors_of("[channels.payments]\n");
    let messages: Vec<&str> = errors.iter().map(|error| error.message.as_str()).collect();
    assert_eq!(
        messages,
        ["the team channel is required: add [channels.team]", "the oncall channel is required: add [channels.oncall]"]
    );
}

#[test]
fn undeclared_mentions_are_reported_wherever_they_are_used() {
    let errors = errors_of(
        r#"[channels.team]
[channels.oncall]
[mentions]
payments = "role:111"
[routing]
oncall_mention = "@oncall"
[[routing.rules]]
name = "r"
mentions = ["@payments", "@paymnts"]
[[owners]]
team = "data"
mention = "data"
resources = ["etl"]
"#,
    );
    let paths: Vec<&str> = errors.iter().map(|error| error.path.as_str()).collect();
    assert_eq!(paths, ["routing.oncall_mention", "routing.rules[0].mentions[1]", "owners[0].mention"], "{errors}");
}

#[test]
fn bad_values_are_each_reported() {
    let errors = errors_of(
        r#"[channels.team]
[channels.oncall]
[mentions]
payments = "team:1"
[routing]
critical_alarms = ["a["]
watched_regions = ["virginia"]
[[routing.rules]]
name = "r"
when = { source = "metric", state = "FIRING", health_category = "outage", account = "42" }
severity = "urgent"
[sqs]
queues = ["https://sqs.us-east-1.amazonaws.com/1/q"]
wait_seconds = 30
max_messages = 0
"#,
    );
    let paths: Vec<&str> = errors.iter().map(|error| error.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "mentions.payments",
            "routing.critical_alarms[0]",
            "routing.watched_regions[0]",
            "routing.rules[0].when.source",
            "routing.rules[0].when.account",
            "routing.rules[0].when.state",
            "routing.rules[0].when.health_category",
            "routing.rules[0].severity",
            "sqs.wait_seconds",
            "sqs.max_messages",
        ],
        "{errors}"
    );
}

#[test]
fn owner_teams_must_be_unique() {
    let errors = errors_of(
        "[channels.team]\n[channels.oncall]\n[[owners]]\nteam = \"a\"\nresources = [\"x\"]\n[[owners]]\nteam = \"a\"\nresources = [\"y\"]\n",
    );
    assert_eq!(errors.to_string(), r#"test.toml:7: owners[1].team: team "a" is declared twice"#);
}

#[test]
fn an_unknown_section_lists_the_known_ones() {
    let errors = errors_of(&format!("{MINIMAL}[alerts]\nx = 1\n"));
    assert_eq!(errors.0[0].line, Some(3));
    assert!(errors.0[0].message.starts_with("unknown section `alerts` (sections: aws, channels,"), "{errors}");
}

#[test]
fn a_syntax_error_reports_its_line() {
    let errors = errors_of("[channels.team]\n[channels.oncall]\nbroken = \n");
    assert_eq!(errors.0[0].line, Some(3), "{errors}");
    assert_eq!(errors.0[0].path, "");
}

#[test]
fn the_store_must_be_sqlite_or_postgres() {
    let errors = errors_of(&format!("{MINIMAL}[store]\ndatabase = \"mysql://db/opspod\"\n"));
    assert_eq!(errors.0[0].path, "store.database");
}

#[test]
fn a_misspelt_key_does_not_hide_the_checks_of_its_neighbours() {
    let errors = errors_of(
        "[channels.team]\n[channels.oncall]\n[[routing.rules]]\nname = \"r\"\nwhen = { statee = \"ALARM\" }\nchannel = \"payment\"\n",
    );
    let found: Vec<(&str, Option<usize>)> = errors.iter().map(|error| (error.path.as_str(), error.line)).collect();
    assert_eq!(found, [("routing.rules[0].when.statee", Some(5)), ("routing.rules[0].channel", Some(6))], "{errors}");
}

#[test]
fn an_assumed_role_must_be_a_role_in_its_own_account() {
    let errors = errors_of(
        "[channels.team]\n[channels.oncall]\n[aws]\nenrich_seconds = 0\n[[aws.accounts]]\nid = \"210987654321\"\n\
         name = \"prod\"\nrole_arn = \"arn:aws:iam::111122223333:role/opspod\"\n[[aws.accounts]]\nid = \"111122223333\"\n\
         name = \"dev\"\nexternal_id = \"x\"\n",
    );
    let paths: Vec<&str> = errors.iter().map(|error| error.path.as_str()).collect();
    assert_eq!(paths, ["aws.enrich_seconds", "aws.accounts[0].role_arn", "aws.accounts[1].external_id"], "{errors}");
    assert!(errors.0[1].message.contains("not a role ARN in account 210987654321"), "{errors}");
    assert!(errors.0[2].message.contains("only used with role_arn"), "{errors}");
}

#[test]
fn an_oncall_rotation_names_declared_people_and_a_real_start() {
    let errors = errors_of(
        "[channels.team]\n[channels.oncall]\n[mentions]\ndana = \"user:1\"\n[oncall]\nrotation = [\"@dana\", \"@bob\"]\n\
         start = \"next monday\"\nshift_days = 0\n",
    );
    let paths: Vec<&str> = errors.iter().map(|error| error.path.as_str()).collect();
    assert_eq!(paths, ["oncall.rotation[1]", "oncall.start", "oncall.shift_days"], "{errors}");
    assert!(errors.0[1].message.contains("not an RFC 3339 time"), "{errors}");
}

#[test]
fn a_custom_command_must_declare_its_placeholders_and_not_shadow_a_builtin() {
    let errors = errors_of(
        "[channels.team]\n[channels.oncall]\n[[commands]]\nname = \"errors\"\ndescription = \"d\"\n\
         log_groups = [\"/aws/lambda/{text}\"]\nquery = \"fields @message | filter @message like {missing}\"\n\
         options = [{ name = \"text\", kind = \"words\" }]\n",
    );
    let text = errors.to_string();
    assert!(text.contains("commands[0].options[0].kind: must be \"text\", \"number\" or \"function\""), "{text}");
    let again = errors_of(
        "[channels.team]\n[channels.oncall]\n[[commands]]\nname = \"errors\"\ndescription = \"d\"\n\
         log_groups = [\"/aws/lambda/{text}\"]\nquery = \"fields @message | filter @message like {missing}\"\n\
         options = [{ name = \"text\", kind = \"text\" }]\n",
    )
    .to_string();
    assert!(again.contains("is a built-in command"), "{again}");
    assert!(again.contains("uses {missing}, which is not among the options"), "{again}");
    assert!(again.contains("may only use a function option"), "{again}");
}

#[test]
fn a_bad_schedule_an_unknown_job_and_a_bad_time_zone_are_each_named() {
    let errors = errors_of(
        r#"[channels.team]
[channels.oncall]
[jobs.digest]
schedule = "0 25 * * Mon"
time_zone = "Europe/Berlin"
[jobs.digets]
schedule = "0 9 * * Mon"
"#,
    );
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 2, "{errors}");
    assert!(lines[0].contains("jobs.digest.schedule: \"0 25 * * Mon\" is not a cron expression"), "{lines:?}");
    assert!(lines[1].contains("jobs.digets: unknown job \"digets\" (jobs: digest)"), "{lines:?}");
    let zone = errors_of("[channels.team]\n[channels.oncall]\n[jobs.digest]\ntime_zone = \"Mars/Olympus\"\n");
    assert!(zone.to_string().contains("jobs.digest.time_zone: \"Mars/Olympus\" is not an IANA time zone"), "{zone}");
}

#[test]
fn escalation_steps_must_name_known_mentions_in_increasing_order() {
    let errors = errors_of(
        r#"[channels.team]
[channels.oncall]
[mentions]
oncall = "role:1"
[escalation]
steps = [{ after_minutes = 10, mention = "@oncall" }, { after_minutes = 5, mention = "@lead" }, { after_minutes = 30, mention = "secondary" }]
"#,
    );
    let text = errors.to_string();
    assert!(text.contains("escalation.steps[1].mention: unknown mention \"@lead\""), "{text}");
    assert!(
        text.contains("escalation.steps[1].after_minutes: must be more than the step before's (10), not 5"),
        "{text}"
    );
    assert!(text.contains("escalation.steps[2].mention: \"secondary\" means the on-call rotation's person"), "{text}");
}

#[test]
fn a_maintenance_window_that_ends_before_it_starts_is_refused() {
    let errors = errors_of(
        "[channels.team]\n[channels.oncall]\n[[maintenance]]\nname = \"db\"\nstart = \"2026-12-01T22:00:00Z\"\n\
         end = \"2026-12-01T21:00:00Z\"\nalarms = [\"orders-*\"]\n",
    );
    assert!(errors.to_string().contains("maintenance[0].end: 2026-12-01T21:00:00Z is not after the start"), "{errors}");
}

//! The command line as users and scripts meet it: `demo`, `replay`, `check-config` and `migrate`.

mod support;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn opspod(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opspod"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("OPSPOD_CONFIG")
        .env("OPSPOD_LOG", "warn")
        // No AWS credentials and no instance metadata: replay shows alerts as posted, and says why.
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("run opspod")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json_lines(output: &Output) -> Vec<Value> {
    stdout(output).lines().map(|line| serde_json::from_str(line).expect("each line is JSON")).collect()
}

#[test]
fn demo_plays_the_scenario_and_prints_the_channel_transcript() {
    let output = opspod(&["demo"]);

    assert!(output.status.success(), "{}", stderr(&output));
    let transcript = stdout(&output);
    assert!(
        transcript
            .contains("#oncall · new message m1\n  🔴 checkout-api · Errors ≥ 5 · us-east-1 · prod (210987654321)")
    );
    assert!(transcript.contains("↳ notifies @payments @oncall"));
    assert!(transcript.contains("#oncall · new message m2\n  🟠 AWS Health · LAMBDA · issue · us-east-1"));
    assert!(transcript.contains(
        "#oncall · m1 edited\n  ✅ checkout-api · Errors ≥ 5 · us-east-1 · prod (210987654321) · resolved after 28 min"
    ));
    assert!(transcript.contains("#oncall · m1 thread: 14:31 OK — resolved after 28 min"));
    assert!(
        transcript.contains("#oncall · m2 edited\n  ✅ AWS Health · LAMBDA · issue · us-east-1 · closed after 23 min")
    );
    assert!(transcript.contains("Named by AWS: report-builder (@analytics), legacy-etl (@data)"));
    assert!(transcript.contains("Done: 5 events stored, 3 incidents (1 still open), 0 messages waiting for delivery."));
}

#[test]
fn replay_json_reports_each_event_with_its_incident_action_channel_and_resource() {
    let output = opspod(&["replay", "--config", "config/demo/opspod.toml", "--format", "json", "config/demo/events"]);

    assert!(output.status.success(), "{}", stderr(&output));
    let reports = json_lines(&output);
    let actions: Vec<&str> = reports.iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["open", "open", "resolve", "resolve", "open"]);
    let alarm = &reports[0];
    assert_eq!(alarm["input"], "config/demo/events/01-checkout-errors-alarm.json");
    assert_eq!(alarm["channel"], "oncall");
    assert_eq!(alarm["severity"], "critical");
    assert_eq!(alarm["mentions"], serde_json::json!(["@payments", "@oncall"]));
    assert_eq!(
        alarm["resource"],
        serde_json::json!({"kind": "function", "name": "checkout-api", "region": "us-east-1", "account": "210987654321"})
    );
    assert!(alarm["text"].as_str().unwrap().contains("37 Errors (threshold 5)"));
    assert_eq!(reports[2]["incident"], alarm["incident"], "the recovery resolves the incident the alarm opened");
    assert_eq!(reports[2]["mentions"], serde_json::json!([]), "edits never notify");
    assert_eq!(reports[4]["channel"], "team");
}

#[test]
fn replay_names_a_rejected_line_and_still_runs_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("storm.jsonl");
    let good = support::events::alarm("checkout-api-errors", "checkout-api", "ALARM", "2026-11-20T14:02:11.000+0000");
    let other = support::events::alarm("search-api-errors", "search-api", "ALARM", "2026-11-20T14:02:12.000+0000");
    std::fs::write(
        &file,
        format!("{good}\n{{\"detail-type\": \"EC2 Instance State-change Notification\"}}\n{other}\n"),
    )
    .unwrap();

    let output = opspod(&["replay", "--format", "json", file.to_str().unwrap()]);

    assert!(!output.status.success(), "a rejected input makes the exit status non-zero");
    let lines = json_lines(&output);
    let (contexts, reports): (Vec<_>, Vec<_>) = lines.iter().partition(|line| line["action"] == "context");
    assert_eq!(reports.len(), 2);
    assert!(reports[1]["input"].as_str().unwrap().ends_with("storm.jsonl:3"));
    assert!(
        reports[1]["reason"].as_str().unwrap().starts_with("shown in the storm message of"),
        "the second alarm of AWS/Lambda in us-east-1 a second later joins the first one's message: {}",
        reports[1]
    );
    assert_eq!(contexts.len(), 1, "the one message's final form follows, without AWS context here");
    assert!(contexts[0]["text"].as_str().unwrap().contains("Not available: AWS context (no AWS credentials found)."));
    let errors = stderr(&output);
    assert!(errors.contains("storm.jsonl:2"), "{errors}");
    assert!(errors.contains("detail-type"), "{errors}");
}

#[test]
fn replay_reads_stdin_and_prints_text_by_default() {
    let event = support::events::alarm("checkout-api-errors", "checkout-api", "ALARM", "2026-11-20T14:02:11.000+0000");
    let mut child = Command::new(env!("CARGO_BIN_EXE_opspod"))
        .args(["replay", "-"])
        .env_remove("OPSPOD_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(event.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();

    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("stdin · open · inc-"), "{text}");
    assert!(text.contains("→ #team (warning)"), "{text}");
}

#[test]
fn check_config_prints_what_is_enabled_and_never_the_token() {
    let output = Command::new(env!("CARGO_BIN_EXE_opspod"))
        .args(["check-config"])
        .env_remove("OPSPOD_CONFIG")
        .env("DISCORD_TOKEN", "MTIz.super-secret-token")
        .output()
        .unwrap();

    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("sqs            off: no [sqs] section"), "{text}");
    assert!(!text.contains("super-secret-token") && !stderr(&output).contains("super-secret-token"));
}

#[test]
fn check_config_lists_every_error_with_its_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.toml");
    std::fs::write(
        &file,
        "[store]\ndatabase = \"x.db\"\n[channels.team]\n[channels.oncall]\n\n[[routing.rules]]\nname = \"r\"\nchannel = \"payment\"\n\n[sqs]\nqueues = []\nwait_seconds = 99\n",
    )
    .unwrap();

    let output = opspod(&["check-config", "--config", file.to_str().unwrap()]);

    assert!(!output.status.success());
    let errors = stderr(&output);
    assert!(errors.contains("broken.toml:8: routing.rules[0].channel"), "{errors}");
    assert!(errors.contains("broken.toml:12: sqs.wait_seconds"), "{errors}");
}

#[test]
fn migrate_creates_a_fresh_sqlite_database() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("new.db").display());

    let output = opspod(&["migrate", "--database", &url]);

    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("the schema is up to date"));
    assert!(dir.path().join("new.db").exists());
}

#[test]
fn replaying_the_demo_reads_like_this() {
    let output = opspod(&["replay", "--config", "config/demo/opspod.toml", "config/demo/events"]);

    assert!(output.status.success(), "{}", stderr(&output));
    insta::assert_snapshot!("replay_demo_text", stdout(&output));
}

#[test]
fn ask_lists_what_is_in_alarm_and_the_open_health_events_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("opspod.db").display());
    let with_db = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_opspod"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("OPSPOD_CONFIG")
            .env("OPSPOD_STORE__DATABASE", &database)
            .env("OPSPOD_LOG", "warn")
            .output()
            .expect("run opspod")
    };
    let events = ["config/demo/events/01-checkout-errors-alarm.json", "config/demo/events/02-lambda-issue-open.json"];
    let replayed =
        with_db(&[&["replay", "--config", "config/demo/opspod.toml", "--database", &database][..], &events].concat());
    assert!(replayed.status.success(), "{}", stderr(&replayed));

    let alarms = with_db(&["ask", "--config", "config/demo/opspod.toml", "/alarms"]);
    let text = stdout(&alarms);
    assert!(text.starts_with("**1 in ALARM**"), "{text}");
    assert!(text.contains("checkout-api · Errors ≥ 5") && text.contains("ALARM for"), "{text}");
    let health = with_db(&["ask", "--config", "config/demo/opspod.toml", "--format", "json", "/health"]);
    let items: Value = serde_json::from_str(&stdout(&health)).unwrap();
    assert_eq!(items.as_array().unwrap().len(), 1, "{items}");
    assert_eq!(items[0]["state"], "open");
    assert!(items[0]["title"].as_str().unwrap().contains("LAMBDA"), "{items}");
}

#[test]
fn ask_adds_lists_and_ends_silences_and_refuses_a_pattern_that_matches_everything() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("opspod.db").display());
    let ask = |line: &str| {
        Command::new(env!("CARGO_BIN_EXE_opspod"))
            .args(["ask", "--config", "config/demo/opspod.toml", line])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("OPSPOD_CONFIG")
            .env("OPSPOD_STORE__DATABASE", &database)
            .env("OPSPOD_LOG", "warn")
            .env("USER", "dana")
            .output()
            .expect("run opspod")
    };
    assert_eq!(stdout(&ask("/silence")).trim(), "No silences are in force.");
    let added = stdout(&ask("/silence alarm:checkout-* for:4h"));
    assert!(added.starts_with("Silenced alarm `checkout-*` until"), "{added}");
    let listed = stdout(&ask("/silence"));
    assert!(listed.contains("#1 alarm `checkout-*` until") && listed.contains("by cli:dana"), "{listed}");
    assert_eq!(stdout(&ask("/silence remove:1")).trim(), "Silence #1 ended by cli:dana.");
    assert_eq!(stdout(&ask("/silence")).trim(), "No silences are in force.");
    let everything = ask("/silence resource:*");
    assert_eq!(everything.status.code(), Some(2));
    assert!(stderr(&everything).contains("would silence every alert"), "{}", stderr(&everything));
}

#[test]
fn ask_says_who_is_on_call_and_a_handover_gives_the_rest_of_the_shift() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("opspod.db").display());
    let config = dir.path().join("opspod.toml");
    // Weekly shifts that started 7½ days ago: the second person's shift is running, with 3½ days to go.
    let start = chrono::Utc::now() - chrono::Duration::hours(7 * 24 + 12);
    std::fs::write(
        &config,
        format!(
            "[store]\ndatabase = \"{database}\"\n[channels.team]\n[channels.oncall]\n\
             [mentions]\ndana = \"user:1\"\neve = \"user:2\"\nsam = \"user:3\"\n\
             [oncall]\nrotation = [\"@dana\", \"@eve\", \"@sam\"]\nstart = \"{}\"\n",
            start.to_rfc3339()
        ),
    )
    .unwrap();
    let ask = |line: &str| {
        Command::new(env!("CARGO_BIN_EXE_opspod"))
            .args(["ask", "--config", config.to_str().unwrap(), line])
            .env("OPSPOD_LOG", "warn")
            .env("USER", "dana")
            .output()
            .expect("run opspod")
    };
    let until = (start + chrono::Duration::days(14)).format("%a %Y-%m-%d %H:%M").to_string();
    assert_eq!(stdout(&ask("/oncall")).trim(), format!("On call: **@eve** until {until} UTC. Next: @sam."));
    let handed = stdout(&ask("/oncall handover:sam"));
    assert_eq!(handed.trim(), format!("On call: **@sam** (handed over by cli:dana) until {until} UTC. Next: @sam."));
    assert!(stdout(&ask("/oncall")).contains("**@sam**"), "the hand-over is remembered");
    let wrong = stdout(&ask("/oncall handover:@bob"));
    assert!(wrong.contains("must be someone in the rotation (@dana, @eve, @sam)"), "{wrong}");
}

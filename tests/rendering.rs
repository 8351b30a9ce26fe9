//! How each kind of alert reads, on the console and as the Discord message opspod sends: one snapshot per alarm
//! kind and Health category, first as posted and, for an alarm, once its context is in.

use opspod::chat::context::with_context;
use opspod::chat::discord::embed::{self, MentionTargets};
use opspod::chat::message::Message;
use opspod::chat::render::{IncidentFacts, RenderContext};
use opspod::domain::context::{Context, Deploy, FunctionFacts, LambdaStats, LogFindings, Related, TopError};
use opspod::domain::{Action, Event, Route, Severity};

struct Targets;

impl MentionTargets for Targets {
    fn role(&self, handle: &str) -> Option<u64> {
        (handle == "@payments").then_some(111)
    }

    fn user(&self, _handle: &str) -> Option<u64> {
        None
    }
}

fn event(fixture: &str) -> Event {
    let path = format!("{}/tests/fixtures/events/{fixture}", env!("CARGO_MANIFEST_DIR"));
    opspod::parse::parse_event(&std::fs::read(path).unwrap()).unwrap()
}

/// A Health fixture with another category and type, as AWS sends them.
fn health_as(category: &str, type_code: &str) -> Event {
    let path = format!("{}/tests/fixtures/events/health-issue.json", env!("CARGO_MANIFEST_DIR"));
    let mut value: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    value["detail"]["eventTypeCategory"] = category.into();
    value["detail"]["eventTypeCode"] = type_code.into();
    opspod::parse::parse_event(value.to_string().as_bytes()).unwrap()
}

fn render(event: &Event) -> Message {
    let config = opspod::config::load_str(
        "[channels.team]\n[channels.oncall]\n[mentions]\npayments = \"role:111\"\n\
         [[owners]]\nteam = \"payments\"\nmention = \"@payments\"\nresources = [\"checkout-*\", \"orders-*\"]\n\
         [[runbooks]]\nurl = \"https://wiki.example.com/runbooks/checkout\"\nresources = [\"checkout-*\"]\n",
        "test.toml",
        &Default::default(),
    )
    .unwrap()
    .config;
    let render = RenderContext {
        directory: config.directory(),
        account_names: [("210987654321".to_owned(), "prod".to_owned())].into(),
    };
    let route = Route { channel: "team".into(), severity: Severity::Warning, mentions: vec!["@payments".into()] };
    let facts = IncidentFacts { id: "inc-0123456789", opened_at: event.occurred_at(), route: &route };
    render.incident_message(event, facts, Action::Open)
}

/// The console text, then the JSON body of the Discord request.
fn both(message: &Message) -> String {
    let discord = serde_json::to_string_pretty(&embed::create(message, &Targets, "key")).unwrap();
    format!("{}\n\n--- Discord ---\n{discord}", message.to_text())
}

#[test]
fn every_alarm_kind_renders_as_posted() {
    for fixture in [
        "alarm-metric.json",
        "alarm-math.json",
        "alarm-anomaly.json",
        "alarm-composite.json",
        "alarm-lambda-alias.json",
    ] {
        insta::assert_snapshot!(fixture.trim_end_matches(".json"), both(&render(&event(fixture))));
    }
}

#[test]
fn every_health_category_renders_as_posted() {
    let cases = [
        ("health-issue", event("health-issue.json")),
        ("health-scheduled-change", event("health-scheduled-change.json")),
        ("health-abuse", event("health-abuse.json")),
        ("health-legacy-global", event("health-legacy-global.json")),
        ("health-account-notification", health_as("accountNotification", "AWS_LAMBDA_PLANNED_LIFECYCLE_EVENT")),
        ("health-investigation", health_as("investigation", "AWS_LAMBDA_OPERATIONAL_NOTIFICATION")),
    ];
    for (name, event) in cases {
        insta::assert_snapshot!(name, both(&render(&event)));
    }
}

#[test]
fn an_alarm_with_its_context_reads_like_an_ops_engineer_wrote_it() {
    let event = event("alarm-metric.json");
    let at = event.occurred_at();
    let context = Context {
        lambda: Some(LambdaStats {
            window_minutes: 15,
            invocations: 90.0,
            errors: 37.0,
            throttles: 2.0,
            duration_avg_ms: Some(420.0),
            duration_p95_ms: Some(1830.0),
            duration_max_ms: Some(6000.0),
            concurrency_max: Some(12.0),
        }),
        logs: Some(LogFindings {
            top_errors: vec![
                TopError {
                    signature: "ValueError: invalid literal for int() with base <n>: '…'".into(),
                    count: 31,
                    frame: Some("orders/parse.py:88 in parse_order".into()),
                    first_seen: Some(at),
                    last_seen: Some(at),
                },
                TopError {
                    signature: "TypeError: 'NoneType' object is not subscriptable".into(),
                    count: 2,
                    frame: Some("orders/parse.py:91 in parse_order".into()),
                    first_seen: Some(at),
                    last_seen: Some(at),
                },
            ],
            timeouts: 4,
            events_scanned: 1_204,
            ..LogFindings::default()
        }),
        function: Some(FunctionFacts {
            name: "orders-api".into(),
            runtime: Some("python3.12".into()),
            memory_mb: Some(1024),
            architecture: Some("arm64".into()),
            deploy: Some(Deploy {
                version: "42".into(),
                deployed_at: Some(at - chrono::Duration::minutes(9)),
                code_sha256: Some("1a2b3c4d5e6f7a8b".into()),
            }),
        }),
        health: vec![Related {
            incident_id: "inc-9876543210".into(),
            title: "AWS Health · LAMBDA · issue · eu-west-1".into(),
            since: at + chrono::Duration::minutes(3),
        }],
        ..Context::default()
    };
    let message = with_context(render(&event), &context, at);
    insta::assert_snapshot!("alarm-metric-with-context", both(&message));
}

//! `opspod demo`: the bundled scenario through the whole pipeline on a fresh SQLite file, printed as the
//! channels would read.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::app::App;
use crate::chat::console::ConsoleSink;
use crate::config;
use crate::pipeline::{Input, Outcome, Payload};

const CONFIG: &str = include_str!("../../config/demo/opspod.toml");
const SCENARIO: &str = include_str!("../../config/demo/scenario.toml");
const EVENTS: [(&str, &str); 5] = [
    ("01-checkout-errors-alarm.json", include_str!("../../config/demo/events/01-checkout-errors-alarm.json")),
    ("02-lambda-issue-open.json", include_str!("../../config/demo/events/02-lambda-issue-open.json")),
    ("03-checkout-errors-ok.json", include_str!("../../config/demo/events/03-checkout-errors-ok.json")),
    ("04-lambda-issue-closed.json", include_str!("../../config/demo/events/04-lambda-issue-closed.json")),
    ("05-python39-deprecation.json", include_str!("../../config/demo/events/05-python39-deprecation.json")),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    step: Vec<Step>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    at: String,
    say: String,
    event: Option<String>,
    /// The digest's due time (RFC 3339): the week before it, for every team.
    digest_due: Option<String>,
}

pub async fn demo() -> anyhow::Result<ExitCode> {
    let scratch = tempfile::tempdir()?;
    let database = format!("sqlite://{}?mode=rwc", scratch.path().join("opspod.db").display());
    let loaded = config::load_str(CONFIG, "embedded demo config", &BTreeMap::new())
        .map_err(|errors| anyhow::anyhow!("the demo config is invalid:\n{errors}"))?;
    let scenario: Scenario = toml::from_str(SCENARIO)?;
    let app = App::open(&loaded, Some(&database)).await?;
    let delivery = app.delivery(Arc::new(ConsoleSink::stdout()));

    println!("opspod demo: a bad deploy, an AWS issue, recovery, and a deprecation notice.");
    println!("Store: a fresh SQLite file at {}\n", scratch.path().join("opspod.db").display());
    for step in &scenario.step {
        println!("━━ {} · {}", step.at, step.say);
        if let Some(name) = &step.event {
            play(&app, name).await?;
            delivery.drain(Duration::from_secs(5)).await;
        }
        if let Some(due) = &step.digest_due {
            digests(&app, &loaded.config, due).await?;
            delivery.drain(Duration::from_secs(5)).await;
        }
        println!();
    }
    summarise(&app).await?;
    app.store.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn play(app: &App, name: &str) -> anyhow::Result<()> {
    let (_, raw) =
        EVENTS.iter().find(|(file, _)| *file == name).ok_or_else(|| anyhow::anyhow!("no demo event {name}"))?;
    let input = Input { source: "demo".into(), origin: name.into(), payload: Payload::Raw(raw.as_bytes().to_vec()) };
    for outcome in app.pipeline.ingest(&[input]).await? {
        match outcome {
            Outcome::Accepted(report) if report.text.is_empty() => {
                println!("  (nothing posted: {})", report.reason.unwrap_or_default());
            }
            Outcome::Accepted(_) => {}
            Outcome::Rejected(rejection) => anyhow::bail!("demo event {name} was rejected: {}", rejection.reason),
            Outcome::Skipped { reason, .. } => anyhow::bail!("demo event {name} was skipped: {reason}"),
        }
    }
    Ok(())
}

/// Every team's digest for the week before `due`, posted through the outbox as the scheduled job posts it.
async fn digests(app: &App, config: &config::Config, due: &str) -> anyhow::Result<()> {
    let end = chrono::DateTime::parse_from_rfc3339(due)?.with_timezone(&chrono::Utc);
    let window = crate::digest::Window { start: end - chrono::Duration::days(7), end };
    let built = crate::digest::Digests::new(config, app.store.clone(), None).build(window, None, None, end).await?;
    let posts: Vec<_> = built.digests.iter().map(|team| crate::digest::digest_post(team, due)).collect();
    app.store.enqueue(&posts, end).await?;
    Ok(())
}

async fn summarise(app: &App) -> anyhow::Result<()> {
    let events = app.store.event_count().await?;
    let incidents = app.store.incident_statuses().await?;
    let open = incidents.iter().filter(|(_, status)| status != "resolved").count();
    let pending = app.store.pending_outbox().await?;
    println!(
        "Done: {events} events stored, {} incidents ({open} still open), {pending} messages waiting for delivery.",
        incidents.len()
    );
    println!(
        "Next: `opspod replay --config config/demo/opspod.toml config/demo/events` shows the routing decisions; \
         `opspod check-config --config F` checks your own config."
    );
    Ok(())
}

//! `opspod ask "/errors checkout-api since:24h"`: exactly what the bot would answer in chat, on the terminal;
//! `--format json` prints the command's data for scripts.

use std::process::ExitCode;

use opspod_commands::ask::{self, Ask};

use super::{AskArgs, Format, check};
use crate::app::App;
use crate::aws::AwsAccess;
use crate::insight::{InsightError, Insights};

/// A mistake in the command line, as for a bad CLI argument.
const USAGE: u8 = 2;

pub async fn ask(args: &AskArgs) -> anyhow::Result<ExitCode> {
    let Ok(loaded) = check::load(&args.config) else { return Ok(ExitCode::FAILURE) };
    let line = args.command.join(" ");
    let customs = loaded.config.custom_commands();
    if let Some(parsed) = opspod_commands::custom::parse_line(&line, &customs) {
        return custom(&loaded, parsed, &customs, args.format).await;
    }
    let question = match ask::parse(&line).and_then(|question| in_time(question, chrono::Utc::now())) {
        Ok(question) => question,
        Err(error) => {
            eprintln!("error: {error}");
            return Ok(ExitCode::from(USAGE));
        }
    };
    let app = App::open(&loaded, None).await?;
    let aws = loaded.config.aws_settings();
    let access = if aws.enabled { Some(AwsAccess::from_config(&aws).await) } else { None };
    let insights = Insights::new(access, loaded.config.directory(), Some(app.store.clone()))
        .with_cost_explorer(aws.cost_explorer)
        .with_logs_insights(aws.logs_through_insights());
    let rotation = loaded.config.rotation();
    let digests = crate::digest::Digests::lazy(&loaded.config, app.store.clone());
    let answer = answer(&insights, &digests, &app, &rotation, question, args.format).await;
    app.store.close().await;
    match answer {
        Ok(text) => {
            println!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            eprintln!("error: {error}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Refuses a silence window that is over or too long before opening the store, as a mistake in the command line.
fn in_time(question: Ask, now: chrono::DateTime<chrono::Utc>) -> Result<Ask, opspod_commands::args::ArgError> {
    if let Ask::Silence(opspod_commands::silence::SilenceAsk::Add { window, .. }) = &question {
        window.resolve(now)?;
    }
    Ok(question)
}

/// The answer as text or JSON.
async fn answer(
    insights: &Insights,
    digests: &crate::digest::Digests,
    app: &App,
    rotation: &Option<crate::domain::oncall::Rotation>,
    question: Ask,
    format: Format,
) -> Result<String, InsightError> {
    let json = format == Format::Json;
    Ok(match question {
        Ask::Errors { function, since } => {
            let answer = insights.errors(function.as_ref(), since).await?;
            if json { answer.json().to_string() } else { answer.render_text() }
        }
        Ask::ColdStarts { function, since } => {
            let answer = insights.coldstarts(function.as_ref(), since).await?;
            if json { answer.json().to_string() } else { answer.render_text() }
        }
        Ask::Cost { function, since } => {
            let answer = insights.cost(function.as_ref(), since).await?;
            if json { answer.json().to_string() } else { answer.render_text() }
        }
        Ask::BugReport { function, since } => match insights.bugreport(&function, since).await? {
            Some(input) => {
                let report = opspod_commands::bugreport::draft(&input);
                if json { opspod_commands::bugreport::json(&input, &report).to_string() } else { report.markdown }
            }
            None => crate::insight::no_errors(&function, since),
        },
        Ask::Incident { id } => incident(app, id.as_deref()).await,
        Ask::Alarms | Ask::Health => {
            let alarms = matches!(question, Ask::Alarms);
            let items = open_items(&app.store, if alarms { "alarm|" } else { "health|" }).await;
            let now = chrono::Utc::now();
            match (json, alarms) {
                (true, _) => opspod_commands::alarms::json(&items, now).to_string(),
                (false, true) => opspod_commands::alarms::render_alarms(&items, now),
                (false, false) => opspod_commands::alarms::render_health(&items, now),
            }
        }
        Ask::Silence(silence) => {
            let actor = crate::interventions::Actor { id: cli_actor(), display: cli_actor() };
            match crate::interventions::silence(&app.store, &silence, &actor, chrono::Utc::now()).await {
                Ok(reply) => reply.text().to_owned(),
                Err(error) => format!("The store failed: {error}"),
            }
        }
        Ask::OnCall { handover } => {
            let actor = crate::interventions::Actor { id: cli_actor(), display: cli_actor() };
            let rotation = rotation.as_ref();
            match crate::interventions::oncall(&app.store, rotation, handover.as_deref(), &actor, chrono::Utc::now())
                .await
            {
                Ok(reply) => reply.text().to_owned(),
                Err(error) => format!("The store failed: {error}"),
            }
        }
        Ask::Digest { team, since } => digest(digests, team.as_deref(), since, json).await?,
        Ask::Help => opspod_commands::help::render(),
    })
}

/// `/digest`: each team's digest as chat shows it, or all of them as a JSON array.
async fn digest(
    digests: &crate::digest::Digests,
    team: Option<&str>,
    since: opspod_commands::args::Since,
    json: bool,
) -> Result<String, InsightError> {
    let now = chrono::Utc::now();
    let length = chrono::Duration::from_std(since.duration()).unwrap_or_default();
    let window = crate::digest::Window { start: now - length, end: now };
    let built =
        digests.build(window, team, None, now).await.map_err(|error| InsightError::Argument(error.to_string()))?;
    Ok(if json {
        serde_json::Value::Array(built.digests.iter().map(|team| team.digest.json()).collect()).to_string()
    } else {
        built.digests.iter().map(|team| team.digest.render_text()).collect::<Vec<_>>().join("\n\n")
    })
}

/// A custom command from config: its rows, or what went wrong.
async fn custom(
    loaded: &crate::config::Loaded,
    parsed: Result<opspod_commands::custom::Invocation, opspod_commands::args::ArgError>,
    customs: &[(opspod_commands::custom::Definition, opspod_commands::args::Since)],
    format: Format,
) -> anyhow::Result<ExitCode> {
    let opspod_commands::custom::Invocation { index, values, since } = match parsed {
        Ok(parsed) => parsed,
        Err(error) => {
            eprintln!("error: {error}");
            return Ok(ExitCode::from(USAGE));
        }
    };
    let aws = loaded.config.aws_settings();
    let access = if aws.enabled { Some(AwsAccess::from_config(&aws).await) } else { None };
    let insights = Insights::new(access, loaded.config.directory(), None);
    match insights.custom(&customs[index].0, &values, since).await {
        Ok((text, rows)) => {
            println!(
                "{}",
                if format == Format::Json { opspod_commands::custom::json(&rows).to_string() } else { text }
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(InsightError::Argument(message)) => {
            eprintln!("error: {message}");
            Ok(ExitCode::from(USAGE))
        }
        Err(error) => {
            eprintln!("error: {error}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Who acts from the terminal: the local user, as the timeline and silences record it.
fn cli_actor() -> String {
    format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into()))
}

/// The open incidents of one kind, as `/alarms` and `/health` list them.
pub async fn open_items(store: &crate::store::Store, key_prefix: &str) -> Vec<opspod_commands::alarms::OpenItem> {
    let rows = store.open_items(key_prefix).await.unwrap_or_else(|error| {
        tracing::warn!(%error, "Could not read the open incidents.");
        vec![]
    });
    rows.into_iter()
        .map(|(incident, title, state, since)| opspod_commands::alarms::OpenItem { incident, title, state, since })
        .collect()
}

async fn incident(app: &App, id: Option<&str>) -> String {
    use opspod_commands::incident::{Entry, Incident, render_one, render_open};
    let shown = |view: &crate::store::IncidentView| Incident {
        id: view.id.clone(),
        title: view.title.clone(),
        status: view.status.as_str().to_owned(),
        channel: view.channel.clone(),
        opened: view.opened_at.format("%Y-%m-%d %H:%M UTC").to_string(),
    };
    let Some(id) = id else {
        let open = app.store.open_incident_views(200).await.unwrap_or_default();
        return render_open(&open.iter().map(shown).collect::<Vec<_>>());
    };
    match app.store.incident(id).await {
        Ok(Some(view)) => {
            let timeline: Vec<Entry> = app
                .store
                .timeline(id)
                .await
                .unwrap_or_default()
                .into_iter()
                .map(|row| Entry {
                    at: row.at.format("%H:%M").to_string(),
                    kind: row.kind,
                    actor: row.actor,
                    via: row.via,
                    note: row.note,
                })
                .collect();
            render_one(&shown(&view), &timeline)
        }
        _ => format!("There is no incident {id}."),
    }
}

//! `opspod replay`: events from files through the real pipeline, printing what would be posted.

use std::io::Write;
use std::process::ExitCode;

use std::time::Duration;

use crate::app::App;
use crate::aws::AwsAccess;
use crate::chat::message::Message;
use crate::config::Loaded;
use crate::pipeline::{Outcome, Report};

use super::{Format, ReplayArgs, check};

/// Inputs per transaction, as the SQS source would batch them under load.
const BATCH: usize = 500;

pub async fn replay(args: &ReplayArgs) -> anyhow::Result<ExitCode> {
    let Ok(loaded) = check::load(&args.config) else { return Ok(ExitCode::FAILURE) };
    let inputs = crate::sources::replay::read_inputs(&args.paths)?;
    let scratch = tempfile::tempdir()?;
    let database = match &args.database {
        Some(url) => url.clone(),
        None => format!("sqlite://{}?mode=rwc", scratch.path().join("replay.db").display()),
    };
    let app = App::open(&loaded, Some(&database)).await?;
    let mut stdout = std::io::stdout().lock();
    let mut rejected = 0usize;
    for batch in inputs.chunks(BATCH) {
        for outcome in app.pipeline.ingest(batch).await? {
            match outcome {
                Outcome::Accepted(report) => print_report(&mut stdout, &report, args.format)?,
                Outcome::Rejected(rejection) => {
                    rejected += 1;
                    eprintln!("rejected {}: {}", rejection.origin, rejection.reason);
                }
                Outcome::Skipped { origin, reason } => eprintln!("skipped {origin}: {reason}"),
            }
        }
    }
    settle_context(&loaded, &app, &mut stdout, args.format).await?;
    app.store.close().await;
    if rejected > 0 {
        eprintln!("{rejected} of {} inputs rejected.", inputs.len());
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Waits (within the time box) for the context enrichment adds, and prints each incident's message as the
/// channel finally shows it.
async fn settle_context(loaded: &Loaded, app: &App, out: &mut impl Write, format: Format) -> anyhow::Result<()> {
    let aws = loaded.config.aws_settings();
    if !aws.enabled {
        return Ok(());
    }
    let since = chrono::Utc::now() - chrono::Duration::hours(1);
    if app.store.unfinished_enrichments(since).await? == 0 {
        return Ok(());
    }
    let access = AwsAccess::from_config(&aws).await;
    let credentials = access.credentials_available().await;
    let enricher = app.enricher(&loaded.config, access);
    if credentials {
        enricher.settle(Duration::from_secs(aws.enrich_seconds + 5)).await;
    } else {
        eprintln!("No AWS credentials found: alerts go without their context ([aws] enabled = false skips this).");
        enricher.finish_without_aws("no AWS credentials found").await?;
    }
    for incident in app.store.enriched_incidents().await? {
        let Some(message) = incident.message.as_deref().and_then(|json| serde_json::from_str::<Message>(json).ok())
        else {
            continue;
        };
        match format {
            Format::Json => writeln!(
                out,
                "{}",
                serde_json::json!({"incident": incident.id, "action": "context", "text": message.to_text()})
            )?,
            Format::Text => {
                let indented: Vec<String> = message.to_text().lines().map(|line| format!("    {line}")).collect();
                writeln!(out, "{} · context added\n{}", incident.id, indented.join("\n"))?;
            }
        }
    }
    Ok(())
}

fn print_report(out: &mut impl Write, report: &Report, format: Format) -> std::io::Result<()> {
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string(report).expect("reports serialise")),
        Format::Text => writeln!(out, "{}", text(report)),
    }
}

/// `input · action · incident → #channel (severity)`, then the message indented.
pub fn text(report: &Report) -> String {
    let mut head = format!("{} · {}", report.input, report.action);
    if let Some(incident) = &report.incident {
        head.push_str(&format!(" · {incident}"));
    }
    if let (Some(channel), Some(severity)) = (&report.channel, report.severity) {
        head.push_str(&format!(" → #{channel} ({severity})"));
    }
    if !report.mentions.is_empty() {
        head.push_str(&format!(" · notifies {}", report.mentions.join(" ")));
    }
    if let Some(reason) = &report.reason {
        head.push_str(&format!(" · {reason}"));
    }
    let body = if report.text.is_empty() { report.title.clone() } else { report.text.clone() };
    let indented: Vec<String> = body.lines().map(|line| format!("    {line}")).collect();
    format!("{head}\n{}", indented.join("\n"))
}

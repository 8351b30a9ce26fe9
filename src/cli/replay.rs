//! `opspod replay`: events from files through the real pipeline, printing what would be posted.

use std::io::Write;
use std::process::ExitCode;

use crate::app::App;
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
    app.store.close().await;
    if rejected > 0 {
        eprintln!("{rejected} of {} inputs rejected.", inputs.len());
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
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

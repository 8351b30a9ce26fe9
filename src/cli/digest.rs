//! `opspod digest`: the reliability digest on demand, printed as text or JSON, optionally written out with its
//! charts and queued for the teams' channels.

use std::process::ExitCode;
use std::sync::Arc;

use opspod_commands::args::Since;

use super::{DigestArgs, Format, check};
use crate::app::App;
use crate::aws::AwsAccess;
use crate::digest::{Built, DigestError, Digests, Window, digest_message};

/// A mistake in the command line, as for a bad CLI argument.
const USAGE: u8 = 2;

pub async fn digest(args: &DigestArgs) -> anyhow::Result<ExitCode> {
    let Ok(loaded) = check::load(&args.config) else { return Ok(ExitCode::FAILURE) };
    let since = match Since::parse(&args.since) {
        Ok(since) => since,
        Err(error) => {
            eprintln!("error: --since: {}", error.0);
            return Ok(ExitCode::from(USAGE));
        }
    };
    let app = App::open(&loaded, None).await?;
    let aws = loaded.config.aws_settings();
    let access = if aws.enabled { Some(Arc::new(AwsAccess::from_config(&aws).await)) } else { None };
    let digests = Digests::new(&loaded.config, app.store.clone(), access);
    let now = app.clock.now();
    let window = Window { start: now - chrono::Duration::from_std(since.duration())?, end: now };
    let built = match digests.build(window, args.team.as_deref(), None, now).await {
        Ok(built) => built,
        Err(error @ DigestError::UnknownTeam { .. }) => {
            eprintln!("error: --team: {error}");
            app.store.close().await;
            return Ok(ExitCode::from(USAGE));
        }
        Err(error) => return Err(error.into()),
    };
    print(&built, args.format);
    if let Some(folder) = &args.out {
        write_out(&built, folder)?;
    }
    if args.post {
        let key = format!("on-demand-{}", now.timestamp_millis());
        let posts: Vec<_> = built.digests.iter().map(|team| crate::digest::digest_post(team, &key)).collect();
        app.store.enqueue(&posts, now).await?;
        let channels: Vec<String> = built.digests.iter().map(|team| format!("#{}", team.channel)).collect();
        eprintln!("Queued {} for {}; a running `opspod run` posts them.", posts.len(), channels.join(", "));
    }
    let reads = &built.reads;
    tracing::info!(
        metric_calls = reads.metric_calls,
        metric_queries = reads.metric_queries,
        log_calls = reads.log_calls,
        log_bytes = reads.log_bytes,
        functions_scanned = reads.functions_scanned,
        functions_unscanned = reads.functions_unscanned,
        deploy_lookups = reads.deploy_lookups,
        "Built {} digests.",
        built.digests.len()
    );
    app.store.close().await;
    Ok(ExitCode::SUCCESS)
}

fn print(built: &Built, format: Format) {
    match format {
        Format::Text => {
            let texts: Vec<String> = built.digests.iter().map(|team| team.digest.render_text()).collect();
            println!("{}", texts.join("\n\n---\n\n"));
        }
        Format::Json => {
            let all: Vec<serde_json::Value> = built.digests.iter().map(|team| team.digest.json()).collect();
            println!("{}", serde_json::Value::Array(all));
        }
    }
}

/// Each team's Markdown and charts, as `digest-<team>.md`, `<team>-errors.png`, …
fn write_out(built: &Built, folder: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(folder)?;
    for team in &built.digests {
        let message = digest_message(&team.digest);
        for file in message.image.iter().chain(&message.files) {
            let safe = team.digest.attachment_name();
            let safe = safe.trim_start_matches("digest-").trim_end_matches(".md");
            let name = if file.name.ends_with(".md") { file.name.clone() } else { format!("{safe}-{}", file.name) };
            std::fs::write(folder.join(name), &file.png)?;
        }
    }
    Ok(())
}

//! `opspod run`: every enabled source → pipeline → outbox → sinks, until SIGINT or SIGTERM.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::aws::AwsAccess;
use crate::aws::alarms::AlarmReader;
use crate::aws::counted::CountCalls;
use crate::aws::health::HealthReader;
use crate::chat::console::ConsoleSink;
use crate::chat::discord;
use crate::config::{Aws, DISCORD_TOKEN, Loaded};
use crate::digest::{DigestJob, Digests};
use crate::jobs::{DIGEST, Scheduler};
use crate::lifecycle::Lifecycle;
use crate::ports::ChatSink;
use crate::sources::alarms::AlarmPoller;
use crate::sources::health::HealthPoller;
use crate::sources::sqs::{QueueSettings, SqsSource};

use super::{ConfigArg, check};

pub async fn run(arg: &ConfigArg) -> anyhow::Result<ExitCode> {
    let Ok(loaded) = check::load(arg) else { return Ok(ExitCode::FAILURE) };
    tracing::info!(config = %loaded.source, "Starting opspod.");
    let stop_sources = CancellationToken::new();
    stop_on_signal(stop_sources.clone());
    let app = App::open(&loaded, None).await?;
    if app.store.dialect() == crate::store::Dialect::Sqlite {
        let released = app.store.release_outbox_claims().await?;
        if released > 0 {
            tracing::info!(rows = released, "Took over the outbox rows the last run had claimed.");
        }
    }
    let stop_delivery = CancellationToken::new();
    crate::health::spawn(&loaded.config.health, app.store.clone(), stop_delivery.clone());

    let stop_bot = CancellationToken::new();
    let Ok((sink, bot)) = chat_sink(&loaded, &app, &stop_bot) else { return Ok(ExitCode::FAILURE) };
    let delivery = app.delivery(sink);
    let ready = app.pipeline.outbox_ready();
    let delivering = tokio::spawn({
        let stop = stop_delivery.clone();
        async move { delivery.run(ready, stop).await }
    });

    let aws = loaded.config.aws_settings();
    let access = if aws.enabled { Some(AwsAccess::from_config(&aws).await) } else { None };
    if let Some(access) = &access
        && !access.credentials_available().await
    {
        tracing::warn!(
            "No AWS credentials found yet: pollers and context will fail until the credential chain provides \
             some. Set [aws] enabled = false to run without AWS."
        );
    }
    let mut sources = start_sources(&loaded, &app, &stop_sources).await;
    if sources.is_empty() {
        tracing::info!(
            "No SQS queue is configured: events come from the pollers (when [aws] is on) of whichever replica leads."
        );
    }
    sources.spawn(lead(loaded.clone(), app.clone(), access, stop_sources.clone()));
    stop_sources.cancelled().await;
    tracing::info!("Shutting down: finishing in-flight batches and deliveries.");
    while sources.join_next().await.is_some() {}
    stop_delivery.cancel();
    delivering.await?;
    stop_bot.cancel();
    if let Some(bot) = bot {
        let _ = bot.await;
    }
    app.store.close().await;
    tracing::info!("Stopped.");
    Ok(ExitCode::SUCCESS)
}

/// The sink the outbox delivers to, and the Discord bot task when there is one.
type Sink = (Arc<dyn ChatSink>, Option<tokio::task::JoinHandle<()>>);

/// Discord when `[discord]` is configured, else the console.
fn chat_sink(loaded: &Loaded, app: &App, stop: &CancellationToken) -> Result<Sink, ()> {
    let Some(discord) = &loaded.config.discord else {
        tracing::info!("No [discord] section: alerts are printed on the console.");
        return Ok((Arc::new(ConsoleSink::stdout()), None));
    };
    let Some(token) = &loaded.secrets.discord_token else {
        eprintln!("error: [discord] is configured but {DISCORD_TOKEN} is not set; export the bot token.");
        return Err(());
    };
    let connected = discord::connect::start(&loaded.config, discord, token, app, stop.clone());
    Ok((connected.sink, Some(connected.bot)))
}

/// The SQS queues, which every replica consumes as competing consumers.
async fn start_sources(loaded: &Loaded, app: &App, stop: &CancellationToken) -> JoinSet<()> {
    let mut sources = JoinSet::new();
    let Some(sqs) = &loaded.config.sqs else { return sources };
    for url in &sqs.queues {
        let client = sqs_client(url).await;
        let queue = QueueSettings {
            url: url.clone(),
            wait_seconds: i32::try_from(sqs.wait_seconds).unwrap_or(20),
            max_messages: i32::try_from(sqs.max_messages).unwrap_or(10),
            visibility_timeout_seconds: sqs.visibility_timeout_seconds.and_then(|s| i32::try_from(s).ok()),
        };
        let source = SqsSource::new(client, queue, app.pipeline.clone());
        let stop = stop.clone();
        sources.spawn(async move { source.run(stop).await });
    }
    sources
}

/// The leader lease's name: one replica at a time runs the pollers, enrichment and timed work.
const LEADER: &str = "leader";
/// How long a lease lasts unless renewed, and how often it is renewed: a dead leader is replaced within
/// `LEASE + RENEW`.
const LEASE: Duration = Duration::from_secs(20);
const RENEW: Duration = Duration::from_secs(5);

/// Holds the leader lease while it can and runs the leader's work while it holds it: the pollers, enrichment,
/// escalation and the scheduled jobs. Every replica delivers the outbox and consumes SQS whether it leads or not.
async fn lead(loaded: Loaded, app: App, access: Option<AwsAccess>, stop: CancellationToken) {
    let me = crate::delivery::replica_id();
    let mut leading: Option<(CancellationToken, JoinSet<()>)> = None;
    let mut renewed = app.clock.now();
    loop {
        let now = app.clock.now();
        let until = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
        match app.store.hold_lease(LEADER, &me, until, now).await {
            Ok(true) => {
                renewed = now;
                crate::telemetry::metrics::set_leader(true);
                if leading.is_none() {
                    tracing::info!(replica = %me, "This replica leads: it runs the pollers, enrichment and scheduled jobs.");
                    leading = Some(start_leading(&loaded, &app, access.as_ref(), &stop));
                }
            }
            Ok(false) => {
                crate::telemetry::metrics::set_leader(false);
                if let Some((stop_leading, mut work)) = leading.take() {
                    tracing::warn!(replica = %me, "Another replica took the leader lease; stopping the pollers and jobs here.");
                    stop_leading.cancel();
                    while work.join_next().await.is_some() {}
                }
            }
            Err(error) => {
                tracing::error!(%error, "Cannot renew the leader lease; the store does not answer.");
                // Past the lease's end another replica may lead: stop rather than run the pollers twice.
                if now - renewed > chrono::Duration::from_std(LEASE).unwrap_or_default()
                    && let Some((stop_leading, mut work)) = leading.take()
                {
                    stop_leading.cancel();
                    while work.join_next().await.is_some() {}
                }
            }
        }
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(RENEW) => {}
        }
    }
    if let Some((stop_leading, mut work)) = leading.take() {
        stop_leading.cancel();
        while work.join_next().await.is_some() {}
        if let Err(error) = app.store.release_lease(LEADER, &me).await {
            tracing::warn!(%error, "Could not give the leader lease up; another replica takes it when it expires.");
        }
    }
}

fn start_leading(
    loaded: &Loaded,
    app: &App,
    access: Option<&AwsAccess>,
    stop: &CancellationToken,
) -> (CancellationToken, JoinSet<()>) {
    let stop_leading = stop.child_token();
    let mut work = JoinSet::new();
    if let Some(access) = access {
        start_pollers(&loaded.config.aws_settings(), access, app, &stop_leading, &mut work);
        let enricher = app.enricher(&loaded.config, access.clone());
        let wake = app.pipeline.enrichment_ready();
        let stop = stop_leading.clone();
        work.spawn(async move { enricher.run(wake, stop).await });
    }
    start_timed_work(loaded, app, access, &stop_leading, &mut work);
    (stop_leading, work)
}

/// What runs on the clock: escalation and the end of flapping, and the scheduled jobs (the weekly digest).
fn start_timed_work(
    loaded: &Loaded,
    app: &App,
    access: Option<&AwsAccess>,
    stop: &CancellationToken,
    work: &mut JoinSet<()>,
) {
    let config = &loaded.config;
    let lifecycle = Lifecycle::new(
        app.store.clone(),
        app.clock.clone(),
        config.escalation_policy(),
        config.rotation(),
        config.flap_rule(),
        app.pipeline.outbox_ready(),
    );
    let stop_lifecycle = stop.clone();
    work.spawn(async move { lifecycle.run(stop_lifecycle).await });
    let mut scheduler = Scheduler::new(app.store.clone(), app.clock.clone());
    let digests = Arc::new(Digests::new(config, app.store.clone(), access.cloned().map(Arc::new)));
    for (spec, schedule) in config.job_schedules() {
        tracing::info!(job = spec.name, "Scheduled {}: {schedule}.", spec.what);
        let job: Arc<dyn crate::jobs::Job> = match spec.name {
            name if name == DIGEST.name => Arc::new(DigestJob {
                digests: digests.clone(),
                store: app.store.clone(),
                clock: app.clock.clone(),
                outbox_ready: app.pipeline.outbox_ready(),
            }),
            other => {
                tracing::error!(job = other, "No runner is registered for this job; it does not run.");
                continue;
            }
        };
        scheduler.add(spec.name, schedule, job);
    }
    let stop_scheduler = stop.clone();
    work.spawn(async move { scheduler.run(stop_scheduler).await });
}

/// The `DescribeAlarms` poller per account and region, and the Health poller per account (or one for the
/// organization), unless their interval is 0 or AWS is off.
fn start_pollers(aws: &Aws, access: &AwsAccess, app: &App, stop: &CancellationToken, sources: &mut JoinSet<()>) {
    if aws.alarm_poll_seconds > 0 {
        for (scope, config) in access.scopes() {
            let every = Duration::from_secs(aws.alarm_poll_seconds);
            let poller = AlarmPoller::new(scope.clone(), AlarmReader::new(config), app.pipeline.clone(), every);
            let stop = stop.clone();
            sources.spawn(async move { poller.run(stop).await });
        }
    }
    if aws.health_poll_seconds > 0 {
        let scopes = access.health_scopes();
        let scopes = if aws.health_organization { &scopes[..scopes.len().min(1)] } else { scopes };
        for (scope, config) in scopes {
            let every = Duration::from_secs(aws.health_poll_seconds);
            let reader = HealthReader::new(config, aws.health_organization, scope.account.clone());
            let poller = HealthPoller::new(scope.clone(), reader, app.pipeline.clone(), every, aws.health_organization);
            let stop = stop.clone();
            sources.spawn(async move { poller.run(stop).await });
        }
    }
}

/// An SQS client from the default credential chain, in the queue's own region, with adaptive retries.
async fn sqs_client(queue_url: &str) -> aws_sdk_sqs::Client {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .retry_config(aws_config::retry::RetryConfig::adaptive());
    if let Some(region) = region_of_queue(queue_url) {
        loader = loader.region(aws_config::Region::new(region));
    }
    let config = aws_sdk_sqs::config::Builder::from(&loader.load().await).interceptor(CountCalls("sqs")).build();
    aws_sdk_sqs::Client::from_conf(config)
}

/// `https://sqs.eu-west-1.amazonaws.com/…` → `eu-west-1`; other hosts (loopback, proxies) say nothing.
fn region_of_queue(url: &str) -> Option<String> {
    let host = url.split("://").nth(1)?.split('/').next()?;
    let mut parts = host.split('.');
    (parts.next()? == "sqs").then(|| parts.next().map(str::to_owned)).flatten().filter(|r| r.contains('-'))
}

/// Listens for SIGINT and SIGTERM from now on, so that a stop that arrives while opspod is still opening its
/// database is a clean stop and not the signal's default, which kills the process.
fn stop_on_signal(stop: CancellationToken) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) {
            (Ok(mut interrupt), Ok(mut terminate)) => {
                tokio::spawn(async move {
                    tokio::select! {
                        _ = interrupt.recv() => {}
                        _ = terminate.recv() => {}
                    }
                    stop.cancel();
                });
            }
            (Err(error), _) | (_, Err(error)) => {
                tracing::warn!(%error, "Cannot listen for SIGINT and SIGTERM; stop opspod with SIGKILL.");
            }
        }
    }
    #[cfg(not(unix))]
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.cancel();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::region_of_queue;

    #[test]
    fn the_region_is_read_from_an_aws_queue_url_only() {
        let url = "https://sqs.eu-west-1.amazonaws.com/210987654321/opspod-events";
        assert_eq!(region_of_queue(url).as_deref(), Some("eu-west-1"));
        assert_eq!(region_of_queue("http://127.0.0.1:5000/123456789012/q"), None);
    }
}

//! What enrichment costs, against moto behind the CBOR front: `cargo bench --bench context` (moto must run:
//! `.ci/moto start && eval "$(.ci/moto env)"`).
//!
//! - AWS calls to enrich a burst of 500 alarms over 500 functions, by API;
//! - `GetMetricData` calls to collect 8 statistics for 1,000 functions (the aim is at most 16);
//! - time from an event on SQS to the first post, and to the edit that adds its context, on the console model
//!   (a sink that records when each post and edit arrives).
//!
//! Run without `--bench` (as `cargo test --benches` does), it makes one small pass as a smoke test.

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{SecondsFormat, Utc};
use opspod::app::App;
use opspod::aws::metrics::{MetricReader, MetricRequest};
use opspod::chat::message::{Message, Note};
use opspod::pipeline::{Input, Payload};
use opspod::ports::{ChatSink, SinkError};
use opspod::sources::sqs::{QueueSettings, SqsSource};
use support::aws::access;
use support::cbor_front::CloudWatchFront;
use support::{BenchResult, events};
use tokio_util::sync::CancellationToken;

struct Sizes {
    burst: usize,
    functions: usize,
    latency_runs: usize,
}

fn main() -> BenchResult<()> {
    let sizes = if support::full_run() {
        Sizes { burst: 500, functions: 1_000, latency_runs: 20 }
    } else {
        Sizes { burst: 20, functions: 50, latency_runs: 2 }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let front = support::aws::front_before_moto(&runtime)?;
    runtime.block_on(run(&sizes, &front))
}

async fn run(sizes: &Sizes, front: &CloudWatchFront) -> BenchResult<()> {
    println!("opspod enrichment against moto behind the CBOR front, SQLite\n");
    burst(sizes.burst, front).await?;
    metrics(sizes.functions, front).await?;
    errors_over(sizes.functions, front).await?;
    latency(sizes.latency_runs).await?;
    Ok(())
}

/// An app on a fresh SQLite file, with enrichment on, grouping off and the default config otherwise. Grouping is
/// off because each figure is about one alarm's own message and its context: with grouping on, alarms close
/// together share one storm message, and the burst and the latency runs would measure that instead.
async fn app(dir: &tempfile::TempDir) -> BenchResult<(App, opspod::config::Loaded)> {
    let loaded = opspod::config::load_str(
        "[channels.team]\n[channels.oncall]\n[aws]\nregions = [\"us-east-1\"]\n[grouping]\nby = \"off\"\n",
        "bench config",
        &BTreeMap::new(),
    )
    .map_err(|errors| errors.to_string())?;
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display());
    Ok((App::open(&loaded, Some(&database)).await?, loaded))
}

fn now_stamp() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true).replace('Z', "+0000")
}

async fn burst(size: usize, front: &CloudWatchFront) -> BenchResult<()> {
    let dir = tempfile::tempdir()?;
    let (app, loaded) = app(&dir).await?;
    let at = now_stamp();
    let inputs: Vec<Input> = (0..size)
        .map(|n| {
            let function = format!("bench-fn-{n:04}");
            Input {
                source: "bench".into(),
                origin: format!("bench:{n}"),
                payload: Payload::Raw(
                    events::alarm(&format!("{function}-errors"), &function, "ALARM", &at).into_bytes(),
                ),
            }
        })
        .collect();
    app.pipeline.ingest(&inputs).await?;
    let enricher = app.enricher(&loaded.config, access().await);
    let before = front.calls("GetMetricData");
    let started = Instant::now();
    let mut finished = 0;
    while finished < size {
        let done = enricher.work_once().await?;
        if done == 0 {
            break;
        }
        finished += done;
    }
    let wall = started.elapsed();
    let (_, logs, lambda) = enricher.counts().snapshot();
    let metric_calls = front.calls("GetMetricData") - before;
    println!(
        "burst of {size} alarms over {size} functions, enriched in {:.1} s ({finished} finished)",
        wall.as_secs_f64()
    );
    println!("  GetMetricData        {metric_calls:>5} calls  ({} statistics + {size} chart series)", size * 8);
    println!("  FilterLogEvents      {logs:>5} calls  (one per function; more only for log groups past one page)");
    println!(
        "  GetFunction et al.   {lambda:>5} calls  (GetFunction per function, + ListVersionsByFunction when it exists)"
    );
    println!("  per alarm            {:>5.2} calls\n", (metric_calls + logs + lambda) as f64 / size as f64);
    Ok(())
}

async fn metrics(functions: usize, front: &CloudWatchFront) -> BenchResult<()> {
    let access = access().await;
    let (_, config) = access.scopes().first().ok_or("no scope")?;
    let reader = MetricReader::new(config);
    let requests: Vec<MetricRequest> = (0..functions)
        .flat_map(|n| opspod::enrich::metrics::function_queries(n, &format!("bench-fn-{n:04}")))
        .collect();
    let before = front.calls("GetMetricData");
    let started = Instant::now();
    let end = Utc::now();
    let (_, calls) = reader.fetch(&requests, end - chrono::Duration::minutes(15), end).await?;
    let seen = front.calls("GetMetricData") - before;
    println!(
        "8 statistics for {functions} functions: {} queries in {calls} GetMetricData calls (front saw {seen}), {:.2} s\n",
        requests.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// What `/errors` costs with no function named: metrics for every function, logs for the ten worst.
async fn errors_over(functions: usize, front: &CloudWatchFront) -> BenchResult<()> {
    let access = access().await;
    let (scope, config) = access.scopes().first().ok_or("no scope")?;
    let names: Vec<String> = (0..functions).map(|n| format!("bench-fn-{n:04}")).collect();
    let before = front.calls("GetMetricData");
    let started = Instant::now();
    let end = Utc::now();
    let budget = opspod::insight::ScanBudget::default();
    let usages =
        opspod::insight::usage::gather(config, scope, &names, end - chrono::Duration::days(1), end, budget, false, 10)
            .await
            .map_err(|(what, failure)| format!("{what}: {failure}"))?;
    println!(
        "/errors over {functions} functions (24h): {} GetMetricData calls for {} queries, {} log groups scanned, {:.2} s",
        front.calls("GetMetricData") - before,
        functions * 3,
        usages.iter().filter(|usage| usage.scanned).count(),
        started.elapsed().as_secs_f64()
    );
    // /cost reads the same usage, then each function's compute over the seven windows before for its baseline.
    let before = front.calls("GetMetricData");
    let started = Instant::now();
    opspod::insight::usage::duration_history(config, &names, chrono::Duration::days(1), 7, end)
        .await
        .map_err(|failure| failure.to_string())?;
    println!(
        "/cost over {functions} functions adds the baseline: {} GetMetricData calls for {functions} queries × 8 windows, {:.2} s\n",
        front.calls("GetMetricData") - before,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Records when each post and edit arrives.
#[derive(Default)]
struct Clocked {
    posts: Mutex<Vec<Instant>>,
    edits: Mutex<Vec<Instant>>,
}

#[async_trait]
impl ChatSink for Clocked {
    async fn post(&self, _channel: &str, _message: &Message, key: &str) -> Result<String, SinkError> {
        self.posts.lock().unwrap().push(Instant::now());
        Ok(key.to_owned())
    }

    async fn edit(&self, _channel: &str, _message_ref: &str, message: &Message) -> Result<(), SinkError> {
        if !message.context.is_empty() && !message.context.iter().any(|line| line.contains("Gathering")) {
            self.edits.lock().unwrap().push(Instant::now());
        }
        Ok(())
    }

    async fn note(&self, _channel: &str, _message_ref: &str, _note: &Note, _key: &str) -> Result<(), SinkError> {
        Ok(())
    }
}

async fn latency(runs: usize) -> BenchResult<()> {
    let dir = tempfile::tempdir()?;
    let (app, loaded) = app(&dir).await?;
    let sqs = aws_sdk_sqs::Client::new(&aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await);
    let queue = sqs.create_queue().queue_name(format!("bench-latency-{}", std::process::id())).send().await?;
    let url = queue.queue_url.ok_or("no queue url")?;
    let stop = CancellationToken::new();
    let sink = Arc::new(Clocked::default());
    let delivery = app.delivery(sink.clone());
    let ready = app.pipeline.outbox_ready();
    tokio::spawn({
        let stop = stop.clone();
        async move { delivery.run(ready, stop).await }
    });
    let enricher = app.enricher(&loaded.config, access().await);
    let wake = app.pipeline.enrichment_ready();
    tokio::spawn({
        let stop = stop.clone();
        async move { enricher.run(wake, stop).await }
    });
    let settings =
        QueueSettings { url: url.clone(), wait_seconds: 1, max_messages: 10, visibility_timeout_seconds: None };
    let source = SqsSource::new(sqs.clone(), settings, app.pipeline.clone());
    tokio::spawn({
        let stop = stop.clone();
        async move { source.run(stop).await }
    });

    let (mut to_post, mut to_edit) = (vec![], vec![]);
    for n in 0..runs {
        let function = format!("latency-fn-{n:03}");
        let body = events::alarm(&format!("{function}-errors"), &function, "ALARM", &now_stamp());
        let sent = Instant::now();
        sqs.send_message().queue_url(&url).message_body(body).send().await?;
        let deadline = sent + Duration::from_secs(30);
        while sink.edits.lock().unwrap().len() <= n && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let post = *sink.posts.lock().unwrap().get(n).ok_or("no post")?;
        let edit = *sink.edits.lock().unwrap().get(n).ok_or("no enriched edit")?;
        to_post.push(post - sent);
        to_edit.push(edit - sent);
    }
    stop.cancel();
    println!("latency over {runs} alarms, SQS (moto, 1 s long poll) → console model   p50 (ms)   p99 (ms)   max (ms)");
    for (name, mut values) in [("event on SQS → first post", to_post), ("event on SQS → enriched edit", to_edit)] {
        values.sort();
        let pick = |q: f64| values[((values.len() as f64 * q).ceil() as usize).clamp(1, values.len()) - 1];
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!("{name:<40} {:>30.1} {:>10.1} {:>10.1}", ms(pick(0.5)), ms(pick(0.99)), ms(pick(1.0)));
    }
    Ok(())
}

//! opspod under pressure, in one table beside the naive baseline measured in the same run:
//! `cargo bench --bench pressure` (PostgreSQL must run, and moto's venv be installed: `.ci/moto start && eval
//! "$(.ci/moto env)"`; the digest starts an empty moto_server of its own from that venv, or falls back to the
//! shared one the environment names).
//!
//! - The storm: 10,000 alarm transitions over 500 functions published over 60 s, in SQS-sized batches, through
//!   the pipeline → outbox → delivery → serenity → a fake Discord that answers 429 past 5 posts in 5 s per
//!   channel, as Discord does. Beside it the same transitions posted as AWS Chatbot posts them: one message each,
//!   at once, unpaced and ungrouped, through serenity's `Http` against the same kind of fake.
//! - Event → post and press → interaction callback, measured as `benches/discord.rs` measures them.
//! - Ingest events/s on SQLite and PostgreSQL, as `benches/ingest.rs` measures them, beside one transaction
//!   per event.
//! - The resident set of `opspod run` (the binary cargo built for the bench: release under `cargo bench`),
//!   idle, and with 10,000 functions in its store and in its autocomplete cache.
//! - AWS calls for the weekly digest of 1,000 functions against moto behind the CBOR front, beside one
//!   `GetMetricData` call per metric.
//!
//! Run without `--bench` (as `cargo test --benches` does), it makes one small pass as a smoke test. A measure that
//! fails prints "not measured: <why>" in its rows, and the bench then exits with an error.

#[path = "pressure/memory.rs"]
mod memory;
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serenity::all::{ChannelId, HttpBuilder};
use support::aws::PrivateMoto;
use support::cbor_front::CloudWatchFront;
use support::discord::{self, Latencies, PRESS_AIM, TEAM, Traffic, ms};
use support::ingest::{BATCH, Backend};
use support::table::{NONE, NOT_MEASURED, Row, count, long, or_not_measured, plural, print_table, secs, verdict};
use support::{BenchResult, events};

/// Discord's per-channel message limit, which the fake enforces in both storms.
const CHANNEL_LIMIT: (usize, Duration) = (5, Duration::from_secs(5));
/// How long the storm's outbox may take to empty after the last transition before the bench gives up.
const DRAIN_LIMIT: Duration = Duration::from_secs(300);
/// How long `opspod run` is left alone after connecting before its memory is read.
const SETTLE: Duration = Duration::from_secs(3);
/// The aims for `opspod run`'s resident set, idle and with 10,000 functions cached, in MB.
const RSS_AIMS: (f64, f64) = (30.0, 100.0);

/// How much each measurement does.
struct Sizes {
    storm: Storm,
    presses: usize,
    spread: usize,
    ingest_events: usize,
    ingest_runs: usize,
    /// The first events of the ingest storm that the one-transaction-per-event baseline ingests.
    naive_ingest_events: usize,
    cached_functions: usize,
    digest_functions: usize,
}

impl Sizes {
    fn bench() -> Sizes {
        Sizes {
            storm: Storm { transitions: 10_000, functions: 500, over: Duration::from_secs(60), batch: 10 },
            presses: 200,
            spread: 100,
            ingest_events: support::ingest::EVENTS,
            ingest_runs: 3,
            naive_ingest_events: 2_000,
            cached_functions: 10_000,
            digest_functions: 1_000,
        }
    }

    fn smoke() -> Sizes {
        Sizes {
            storm: Storm { transitions: 60, functions: 10, over: Duration::from_secs(1), batch: 10 },
            presses: 3,
            spread: 3,
            ingest_events: 200,
            ingest_runs: 1,
            naive_ingest_events: 50,
            cached_functions: 100,
            digest_functions: 5,
        }
    }
}

fn main() -> BenchResult<()> {
    support::log_from_env();
    let sizes = if support::full_run() { Sizes::bench() } else { Sizes::smoke() };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let started = Instant::now();
    // The digest runs on a moto of its own when the venv has one; see `PrivateMoto` for why.
    let private = runtime.block_on(PrivateMoto::start());
    let moto = match &private {
        Ok(moto) => Ok(Moto { url: moto.url.clone(), shared: false }),
        Err(error) => {
            eprintln!("pressure: no moto of its own ({error}); the digest runs on the shared moto.");
            support::aws::moto_url().map(|url| Moto { url, shared: true })
        }
    };
    let aws = moto.map_err(|error| error.to_string()).and_then(|moto| {
        let front = support::aws::front_before(&runtime, &moto.url).map_err(|error| error.to_string())?;
        Ok((front, moto))
    });
    let rows = runtime.block_on(measure(&sizes, aws.as_ref().map(|(front, moto)| (front, moto))));
    println!(
        "\nopspod under pressure ({}, measured in {:.0} s on a machine shared with other work)\n",
        build_of(support::run::OPSPOD),
        started.elapsed().as_secs_f64()
    );
    print_table(&rows);
    print_notes(&sizes, aws.as_ref().ok().map(|(_, moto)| moto));
    let missing = rows.iter().filter(|row| row.opspod.starts_with(NOT_MEASURED)).count();
    if missing > 0 {
        return Err(format!("{missing} rows were not measured").into());
    }
    Ok(())
}

/// The moto the digest reads, and whether it is the shared one (whose functions the bench then deletes again).
struct Moto {
    url: String,
    shared: bool,
}

async fn measure(sizes: &Sizes, aws: Result<(&CloudWatchFront, &Moto), &String>) -> Vec<Row> {
    let mut rows = Vec::new();
    progress("the storm through opspod");
    rows.extend(or_not_measured(&STORM_ROWS, storm_rows(sizes.storm).await));
    progress("latencies through the fake Discord");
    rows.extend(or_not_measured(&LATENCY_ROWS, latency_rows(sizes).await));
    for backend in [Backend::Sqlite, Backend::Postgres] {
        progress(&format!("ingest on {}", backend.name()));
        rows.extend(or_not_measured(&[ingest_name(backend)], ingest_row(sizes, backend).await.map(|row| vec![row])));
    }
    progress("opspod run's resident set");
    rows.extend(or_not_measured(&memory::ROWS, memory::rows(sizes.cached_functions).await));
    progress("the digest against moto");
    let digest = match aws {
        Ok((front, moto)) => digest_rows(sizes.digest_functions, front, moto.shared).await,
        Err(error) => Err(error.clone().into()),
    };
    rows.extend(or_not_measured(&DIGEST_ROWS, digest));
    rows
}

fn progress(what: &str) {
    eprintln!("pressure: measuring {what}…");
}

// The storm.

const STORM_ROWS: [&str; 4] =
    ["Storm: messages posted", "Storm: transitions", "Storm: last transition → empty outbox", "Storm: 429s received"];

/// Alarm transitions over functions, published over a time in batches.
#[derive(Clone, Copy)]
struct Storm {
    transitions: usize,
    functions: usize,
    over: Duration,
    /// Inputs per `Pipeline::ingest`, as the SQS source receives them.
    batch: usize,
}

impl Storm {
    fn spacing(self) -> Duration {
        self.over / u32::try_from(self.transitions).unwrap_or(u32::MAX)
    }

    /// The `n`th transition as (alarm, state, EventBridge event): function `n % functions` flips between ALARM and
    /// OK on each pass over the functions, and timestamps are [`Storm::spacing`] apart from `start`.
    fn transition(self, n: usize, start: DateTime<Utc>) -> (String, &'static str, String) {
        let function = format!("storm-fn-{:03}", n % self.functions);
        let state = if (n / self.functions).is_multiple_of(2) { "ALARM" } else { "OK" };
        let offset = self.spacing() * u32::try_from(n).unwrap_or(u32::MAX);
        let at = start + chrono::Duration::from_std(offset).unwrap_or_default();
        let alarm = format!("{function}-errors");
        let raw = events::alarm(&alarm, &function, state, &at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string());
        (alarm, state, raw)
    }
}

/// What opspod did with the storm.
struct StormRun {
    published_in: Duration,
    stored: i64,
    drained_after: Duration,
    traffic: Traffic,
}

/// The storm through opspod, without AWS (no enrichment), to a fresh fake Discord with Discord's channel limit.
async fn opspod_storm(storm: Storm) -> BenchResult<StormRun> {
    let h = discord::harness_with("[aws]\nenabled = false\n").await?;
    h.fake.limit_channel_posts(CHANNEL_LIMIT.0, CHANNEL_LIMIT.1);
    let numbers: Vec<usize> = (0..storm.transitions).collect();
    let batches = numbers.chunks(storm.batch).len();
    let every = storm.over / u32::try_from(batches.max(1))?;
    let (start, began) = (Utc::now(), Instant::now());
    for (k, batch) in numbers.chunks(storm.batch).enumerate() {
        tokio::time::sleep_until((began + every * u32::try_from(k)?).into()).await;
        let raws: Vec<String> = batch.iter().map(|&n| storm.transition(n, start).2).collect();
        h.app.pipeline.ingest(&discord::inputs("sqs", batch[0], &raws)).await?;
    }
    let published_in = began.elapsed();
    let last = Instant::now();
    let store = &h.app.store;
    let empty = || async { store.pending_outbox().await.is_ok_and(|n| n == 0) };
    // Polled every 50 ms: a tighter loop of COUNT queries would compete with delivery for the same SQLite file.
    discord::wait_until_every(DRAIN_LIMIT, Duration::from_millis(50), "an empty outbox", empty).await?;
    let drained_after = last.elapsed();
    let stored = store.event_count().await?;
    Ok(StormRun { published_in, stored, drained_after, traffic: discord::traffic(&h.fake, CHANNEL_LIMIT) })
}

/// What posting each transition at once cost.
struct NaiveStorm {
    /// From the first post sent to the last one answered.
    window: Duration,
    traffic: Traffic,
}

/// The storm as AWS Chatbot posts it: one message per transition, sent when the transition happens, with no
/// pacing and no grouping, through serenity's `Http` to a fresh fake Discord with Discord's channel limit. Each
/// transition is tried once: what a sender would do about the 429s comes after the window this measures.
async fn naive_storm(storm: Storm) -> BenchResult<NaiveStorm> {
    let fake = discord::fake().await;
    fake.limit_channel_posts(CHANNEL_LIMIT.0, CHANNEL_LIMIT.1);
    let http = Arc::new(HttpBuilder::new("bench-token").proxy(fake.base_url()).ratelimiter_disabled(true).build());
    let (start, began) = (Utc::now(), Instant::now());
    let mut sends = tokio::task::JoinSet::new();
    for n in 0..storm.transitions {
        tokio::time::sleep_until((began + storm.spacing() * u32::try_from(n)?).into()).await;
        let (alarm, state, _) = storm.transition(n, start);
        let http = Arc::clone(&http);
        sends.spawn(async move {
            let text = format!("CloudWatch Alarm | {alarm} | us-east-1 | Account: {}\n{state}", events::ACCOUNT);
            // A 429 is an error here; the fake's record counts it.
            let _ = http.send_message(ChannelId::new(TEAM), Vec::new(), &serde_json::json!({ "content": text })).await;
        });
    }
    while sends.join_next().await.is_some() {}
    Ok(NaiveStorm { window: began.elapsed(), traffic: discord::traffic(&fake, CHANNEL_LIMIT) })
}

async fn storm_rows(storm: Storm) -> BenchResult<Vec<Row>> {
    let ours = opspod_storm(storm).await?;
    progress("the storm posted as AWS Chatbot posts it");
    let naive = naive_storm(storm).await?;
    let (t, n) = (ours.traffic, naive.traffic);
    let transitions = storm.transitions;
    // The limit let `n.posts` through in the window; the rest go no faster than that.
    let accepted_per_s = n.posts as f64 / naive.window.as_secs_f64();
    let left = transitions.saturating_sub(n.posts);
    let naive_drain = if left == 0 {
        "0 s (every post was accepted)".to_owned()
    } else {
        format!(
            "≥ {} (extrapolated: {} msgs left at the {accepted_per_s:.2} msgs/s the limit let through)",
            long(Duration::from_secs_f64(left as f64 / accepted_per_s)),
            count(left),
        )
    };
    Ok(vec![
        Row::new(
            STORM_ROWS[0],
            format!(
                "{} + {} + {} (in {})",
                plural(t.posts, "post"),
                plural(t.edits, "edit"),
                plural(t.thread_messages, "thread message"),
                plural(t.threads, "thread")
            ),
            format!("{} posts (one per transition)", count(transitions)),
            NONE,
        ),
        Row::new(
            STORM_ROWS[1],
            format!(
                "{} over {} functions, published in {}; {} stored",
                count(transitions),
                count(storm.functions),
                secs(ours.published_in),
                count(ours.stored)
            ),
            format!("{} posted in {}", count(transitions), secs(naive.window)),
            NONE,
        ),
        Row::new(STORM_ROWS[2], secs(ours.drained_after), naive_drain, NONE),
        Row::new(
            STORM_ROWS[3],
            count(t.rate_limited),
            format!("{} of {} posts in {}", count(n.rate_limited), count(transitions), secs(naive.window)),
            verdict("0", t.rate_limited == 0),
        ),
    ])
}

// Latencies.

const LATENCY_ROWS: [&str; 2] = ["Event → post, p50 / p99", "Interaction → first response, p99"];

async fn latency_rows(sizes: &Sizes) -> BenchResult<Vec<Row>> {
    let spread = Latencies::new(LATENCY_ROWS[0].into(), &discord::spread(sizes.spread).await?);
    let presses: Vec<Duration> =
        discord::presses(sizes.presses).await?.into_iter().map(|(_, latency)| latency).collect();
    let presses = Latencies::new(LATENCY_ROWS[1].into(), &presses);
    let p99 = presses.percentile(99.0);
    Ok(vec![
        Row::new(
            LATENCY_ROWS[0],
            format!(
                "{:.1} ms / {:.1} ms (n = {})",
                ms(spread.percentile(50.0)),
                ms(spread.percentile(99.0)),
                spread.sorted.len()
            ),
            NONE,
            NONE,
        ),
        Row::new(
            LATENCY_ROWS[1],
            format!("{:.1} ms (n = {} button presses)", ms(p99), presses.sorted.len()),
            NONE,
            verdict(&format!("≤ {} ms", PRESS_AIM.as_millis()), p99 <= PRESS_AIM),
        ),
    ])
}

// Ingest.

fn ingest_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "Ingest, SQLite",
        Backend::Postgres => "Ingest, PostgreSQL",
    }
}

async fn ingest_row(sizes: &Sizes, backend: Backend) -> BenchResult<Row> {
    let inputs = support::ingest::inputs(&support::ingest::storm(sizes.ingest_events));
    let rules = support::ingest::default_rules()?;
    let mut best: Option<support::ingest::Run> = None;
    for _ in 0..sizes.ingest_runs {
        let run = support::ingest::run(backend, &inputs, &rules, BATCH).await?;
        best = Some(best.map_or(run, |best| if run.wall < best.wall { run } else { best }));
    }
    let best = best.ok_or("no ingest run")?;
    let naive_inputs = &inputs[..sizes.naive_ingest_events.min(inputs.len())];
    let naive = support::ingest::run(backend, naive_inputs, &rules, 1).await?;
    Ok(Row::new(
        ingest_name(backend),
        format!(
            "{} events/s (best of {} × {} events, batches of {BATCH})",
            count(best.rate(inputs.len()).round() as usize),
            sizes.ingest_runs,
            count(inputs.len())
        ),
        format!(
            "{} events/s (1 transaction per event; first {} events)",
            count(naive.rate(naive_inputs.len()).round() as usize),
            count(naive_inputs.len())
        ),
        NONE,
    ))
}

const DIGEST_ROWS: [&str; 2] = ["AWS calls per digest of 1,000 functions", "Digest build time against moto"];

async fn digest_rows(functions: usize, front: &CloudWatchFront, shared_moto: bool) -> BenchResult<Vec<Row>> {
    let seeded = support::digest::seed(functions, support::digest::Seed::LIGHT, front).await?;
    let built = support::digest::build(&seeded, front).await;
    if shared_moto {
        seeded.remove().await;
    }
    let run = built?;
    if run.functions != functions {
        return Err(format!("the digest holds {} of the {functions} seeded functions", run.functions).into());
    }
    let metrics = u64::try_from(run.front_metric_calls)?;
    let queries = u64::try_from(run.reads.metric_queries)?;
    let others = run.total_calls() - metrics;
    let name =
        if functions == 1_000 { DIGEST_ROWS[0].to_owned() } else { DIGEST_ROWS[0].replace("1,000", &count(functions)) };
    Ok(vec![
        Row::new(
            name,
            format!(
                "{} ({} GetMetricData for {} queries, {} Logs, {} Lambda)",
                count(run.total_calls()),
                count(metrics),
                count(queries),
                count(run.calls_to("logs")),
                count(run.calls_to("lambda"))
            ),
            format!(
                "{} ({} GetMetricData, 1 per metric per function, + the same {} others)",
                count(queries + others),
                count(queries),
                count(others)
            ),
            NONE,
        ),
        Row::new(DIGEST_ROWS[1], format!("{} (seeding moto took {})", secs(run.wall), secs(seeded.took)), NONE, NONE),
    ])
}

// Printing.

fn print_notes(sizes: &Sizes, moto: Option<&Moto>) {
    let storm = sizes.storm;
    println!(
        "\nStorm: {} transitions over {} functions, timestamps spread over {}, published in batches of {} through \
         Pipeline::ingest, delivered by the outbox worker through serenity to a fake Discord that answers 429 past \
         {} posts in {} per channel; [aws] off, grouping and pacing as configured by default. The naive baseline \
         posts each transition once, when it happens, through serenity's Http to the same kind of fake.",
        count(storm.transitions),
        count(storm.functions),
        secs(storm.over),
        storm.batch,
        CHANNEL_LIMIT.0,
        secs(CHANNEL_LIMIT.1)
    );
    println!(
        "Latencies on the fake's clock, grouping off: event → post from Pipeline::ingest called to POST \
         /channels/{{id}}/messages received, one alert at a time over {} channels, at most one every {} ms; \
         interaction → first response from an Ack, a refused and a repeated Ack press sent on the gateway to the \
         callback received.",
        discord::CHANNELS,
        discord::SPREAD_INTERVAL.as_millis()
    );
    println!(
        "RSS: VmRSS of `opspod run` read from /proc/PID/status {} after it connected and registered its commands \
         (SQLite store, [aws] off, no health endpoint). Cached: the store holds an incident for each function and \
         one /incident autocomplete has loaded the names into the bot's function cache.",
        secs(SETTLE)
    );
    let moto = match moto {
        Some(Moto { shared: false, .. }) => "a moto_server of the bench's own, started empty".to_owned(),
        Some(Moto { url, shared: true }) => {
            format!("the shared moto at {url} (which also holds other runs' functions and datapoints)")
        }
        None => "no moto".to_owned(),
    };
    println!(
        "Digest: {} functions seeded in {moto}, each with {}; calls are every AWS request opspod's clients sent \
         while building the digest (their /metrics counter), GetMetricData as the CBOR front saw them; the naive \
         baseline asks GetMetricData once for each metric query the digest made.",
        count(sizes.digest_functions),
        support::digest::Seed::LIGHT.describe()
    );
}

/// Which build of opspod the memory rows measured, from its path under `target/`.
fn build_of(binary: &str) -> String {
    let profile = std::path::Path::new(binary)
        .parent()
        .and_then(|dir| dir.file_name())
        .map_or_else(|| "?".into(), |name| name.to_string_lossy().into_owned());
    format!("opspod run from target/{profile}")
}

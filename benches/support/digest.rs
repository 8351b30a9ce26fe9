//! A weekly digest against moto behind the CBOR front: functions seeded in Lambda, CloudWatch and Logs, one team
//! owning them all, and the digest opspod builds for that team, with what reading AWS cost.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_sdk_cloudwatch::types::StandardUnit;
use aws_sdk_lambda::types::Runtime;
use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt};
use opspod::config::load_str;
use opspod::digest::{Digests, Reads, Window};

use super::aws_relay::AwsRelay;
use super::cbor_front::CloudWatchFront;
use super::lambda_world::World;
use super::{BenchResult, aws, memory};

/// How much AWS data each function gets.
#[derive(Debug, Clone, Copy)]
pub struct Seed {
    /// Days with one datapoint of Invocations, Errors and Duration, ending today.
    pub metric_days: usize,
    /// Days of logs, ending today, with `per_day` invocations (START, END and REPORT lines) each.
    pub log_days: usize,
    pub per_day: usize,
}

impl Seed {
    /// Two weeks of daily metrics (both periods of the digest) and a week of logs, 12 invocations a day.
    pub const TWO_WEEKS: Seed = Seed { metric_days: 14, log_days: 7, per_day: 12 };
    /// One datapoint per metric and three invocations' logs: every query and scan finds data, and moto (which
    /// scans every datapoint it holds for each query) still answers a digest of 1,000 functions quickly.
    pub const LIGHT: Seed = Seed { metric_days: 1, log_days: 1, per_day: 3 };

    pub fn describe(self) -> String {
        format!(
            "{} daily datapoint(s) of Invocations, Errors and Duration, {} day(s) of logs with {} invocations a day",
            self.metric_days, self.log_days, self.per_day
        )
    }
}

/// Functions `{stem}-0000`… seeded in moto, which [`Seeded::remove`] deletes again.
pub struct Seeded {
    world: World,
    pub stem: String,
    pub count: usize,
    pub end: DateTime<Utc>,
    pub took: Duration,
    pub seed: Seed,
}

impl Seeded {
    pub fn describe(&self) -> String {
        format!("{} functions, {}", self.count, self.seed.describe())
    }

    /// Deletes the functions and their log groups, so the shared moto does not keep growing with each run.
    /// (CloudWatch metrics cannot be deleted.)
    pub async fn remove(&self) {
        let world = &self.world;
        stream::iter(0..self.count)
            .map(|n| async move {
                let name = format!("{}-{n:04}", self.stem);
                let _ = world.lambda.delete_function().function_name(&name).send().await;
                let _ = world.logs.delete_log_group().log_group_name(format!("/aws/lambda/{name}")).send().await;
            })
            .buffer_unordered(16)
            .collect::<Vec<()>>()
            .await;
    }
}

/// Seeds `count` functions named after this process, with `seed`'s data each.
pub async fn seed(count: usize, seed: Seed, front: &CloudWatchFront) -> BenchResult<Seeded> {
    let stem = format!("dgb{:x}", std::process::id());
    let end = Utc::now();
    let started = Instant::now();
    let world = World::connect(&front.url()).await;
    stream::iter(0..count)
        .map(|n| seed_one(&world, format!("{stem}-{n:04}"), n, end, seed))
        .buffer_unordered(16)
        .collect::<Vec<()>>()
        .await;
    Ok(Seeded { world, stem, count, end, took: started.elapsed(), seed })
}

async fn seed_one(world: &World, name: String, n: usize, end: DateTime<Utc>, seed: Seed) {
    world.function(&name, Runtime::Python312).await;
    let errors_per_day = (n % 7) as f64;
    let per_day = seed.per_day as f64;
    let days = seed.metric_days as i64;
    let daily = |value: f64| -> Vec<(DateTime<Utc>, Vec<f64>)> {
        (0..days)
            .map(|day| (end - chrono::Duration::days(days - day) + chrono::Duration::hours(1), vec![value]))
            .collect()
    };
    world.metric(&name, "Invocations", StandardUnit::Count, &daily(per_day)).await;
    world.metric(&name, "Errors", StandardUnit::Count, &daily(errors_per_day)).await;
    world.metric(&name, "Duration", StandardUnit::Milliseconds, &daily(150.0 * per_day)).await;
    let log_days = seed.log_days as i64;
    let mut lines = Vec::new();
    for day in 0..log_days {
        for j in 0..seed.per_day {
            let at = end - chrono::Duration::days(log_days - day)
                + chrono::Duration::hours(1)
                + chrono::Duration::minutes(j as i64 * 5);
            let request = format!("{n}-{day}-{j}");
            let init = if j == 0 { "\tInit Duration: 400.00 ms" } else { "" };
            lines.push((at, format!("START RequestId: {request} Version: $LATEST")));
            lines.push((at + chrono::Duration::milliseconds(150), format!("END RequestId: {request}")));
            lines.push((
                at + chrono::Duration::milliseconds(151),
                format!(
                    "REPORT RequestId: {request}\tDuration: 149.00 ms\tBilled Duration: 150 ms\tMemory Size: 512 MB\tMax Memory Used: 100 MB{init}"
                ),
            ));
        }
    }
    world.log(&name, &lines).await;
}

/// What building one team's digest read and cost.
pub struct DigestRun {
    /// Functions in the digest.
    pub functions: usize,
    pub reads: Reads,
    /// Every AWS request opspod's clients sent while building, by service (`cloudwatch`, `logs`, `lambda`).
    pub calls: BTreeMap<String, u64>,
    /// `GetMetricData` calls as the CBOR front counted them.
    pub front_metric_calls: usize,
    pub wall: Duration,
    /// This process's peak resident set while building, in KiB.
    pub peak_kib: u64,
    pub text_chars: usize,
    pub markdown_bytes: usize,
}

impl DigestRun {
    pub fn total_calls(&self) -> u64 {
        self.calls.values().sum()
    }

    /// Calls to `service` (`cloudwatch`, `logs`, `lambda`).
    pub fn calls_to(&self, service: &str) -> u64 {
        self.calls.get(service).copied().unwrap_or(0)
    }
}

/// Builds the weekly digest of the team `bench`, which owns the seeded functions, on a fresh SQLite store.
pub async fn build(seeded: &Seeded, front: &CloudWatchFront) -> BenchResult<DigestRun> {
    let dir = tempfile::tempdir()?;
    let database = sqlite_in(&dir);
    let loaded =
        load_str(&config(seeded, &database), "bench.toml", &Default::default()).map_err(|errors| errors.to_string())?;
    let store = opspod::store::Store::open(&database).await?;
    let digests = Digests::new(&loaded.config, store, Some(std::sync::Arc::new(aws::access().await)));

    let (calls_before, front_before) = (aws::calls_by_service(), front.calls("GetMetricData"));
    memory::reset_own_peak();
    let started = Instant::now();
    let window = Window { start: seeded.end - chrono::Duration::days(7), end: seeded.end };
    let built = digests.build(window, Some("bench"), None, seeded.end).await?;
    let wall = started.elapsed();
    let peak_kib = memory::own_peak_kib();
    let calls = aws::calls_by_service()
        .into_iter()
        .map(|(service, after)| {
            let before = calls_before.get(&service).copied().unwrap_or(0);
            (service, after - before)
        })
        .filter(|(_, calls)| *calls > 0)
        .collect();
    let digest = &built.digests.first().ok_or("no digest was built")?.digest;
    Ok(DigestRun {
        functions: digest.functions.len(),
        reads: built.reads,
        calls,
        front_metric_calls: front.calls("GetMetricData") - front_before,
        wall,
        peak_kib,
        text_chars: digest.render_text().encode_utf16().count(),
        markdown_bytes: digest.render_markdown().len(),
    })
}

/// The config of the team `bench`, which owns the seeded functions, with its store at `database`.
fn config(seeded: &Seeded, database: &str) -> String {
    format!(
        "[store]\ndatabase = \"{database}\"\n[channels.team]\n[channels.oncall]\n[[owners]]\nteam = \"bench\"\n\
         resources = [\"{}-*\"]\n[aws]\nregions = [\"us-east-1\"]\nlogs_engine = \"scan\"\n",
        seeded.stem
    )
}

fn sqlite_in(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}?mode=rwc", dir.path().join("opspod.db").display())
}

/// What `opspod digest` cost as a process of its own: the command a user runs.
pub struct CliRun {
    /// Functions the digest holds, as its chat text counts them.
    pub functions: usize,
    /// What the command logged that it read.
    pub reads: Reads,
    /// `GetMetricData` calls as the CBOR front counted them.
    pub front_metric_calls: usize,
    /// Lambda and Logs requests as the relay before moto counted them.
    pub relayed: BTreeMap<&'static str, usize>,
    pub wall: Duration,
    /// Its peak resident set as GNU time reports it, in KiB: the whole process, from start-up and the AWS clients
    /// through the store, the build and the charts, to printing.
    pub peak_kib: u64,
    pub text_chars: usize,
    pub markdown_bytes: u64,
    /// The chart files it wrote beside the Markdown.
    pub charts: usize,
}

impl CliRun {
    pub fn aws_requests(&self) -> usize {
        self.front_metric_calls + self.relayed.values().sum::<usize>()
    }
}

/// Runs `opspod digest --team bench --out DIR` on a fresh SQLite store under `/usr/bin/time`, with CloudWatch
/// behind `front` and Lambda and Logs behind `relay`.
pub async fn build_with_cli(seeded: &Seeded, front: &CloudWatchFront, relay: &AwsRelay) -> BenchResult<CliRun> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("opspod.toml");
    std::fs::write(&path, config(seeded, &sqlite_in(&dir)))?;
    let out = dir.path().join("out");
    let (front_before, relayed_before) = (front.calls("GetMetricData"), relay.calls_by_service());
    let mut command = super::memory::under_gnu_time(super::run::OPSPOD)?;
    command
        .args(["digest", "--team", "bench", "--format", "text", "--out"])
        .arg(&out)
        .arg("--config")
        .arg(&path)
        .env("AWS_ENDPOINT_URL", relay.url())
        .env("AWS_ENDPOINT_URL_CLOUDWATCH", front.url())
        .env("OPSPOD_LOG", "info,sqlx=warn,aws=warn")
        .env_remove("OPSPOD_CONFIG");
    let run = super::memory::measure(command, "opspod digest").await?;
    let (text, stderr) = (String::from_utf8(run.stdout)?, run.stderr);
    let relayed = relay
        .calls_by_service()
        .into_iter()
        .map(|(service, calls)| (service, calls - relayed_before.get(service).copied().unwrap_or(0)))
        .filter(|(_, calls)| *calls > 0)
        .collect();
    let (markdown_bytes, charts) = written(&out)?;
    Ok(CliRun {
        functions: functions_in(&text).ok_or_else(|| format!("the digest names no function count: {text}"))?,
        reads: logged_reads(&stderr).ok_or_else(|| format!("opspod digest logged no reads: {stderr}"))?,
        front_metric_calls: front.calls("GetMetricData") - front_before,
        relayed,
        wall: run.wall,
        peak_kib: run.peak_kib,
        text_chars: text.trim_end().encode_utf16().count(),
        markdown_bytes,
        charts,
    })
}

/// `(1,000 functions)` at the end of the chat text.
fn functions_in(text: &str) -> Option<usize> {
    let (_, tail) = text.trim_end().rsplit_once('(')?;
    tail.split(' ').next()?.replace(',', "").parse().ok()
}

/// The figures `opspod digest` logs with its "Built … digests." line.
fn logged_reads(stderr: &str) -> Option<Reads> {
    let line = stderr.lines().find(|line| line.contains("Built "))?;
    let field = |name: &str| logged_field(line, name);
    Some(Reads {
        metric_calls: usize::try_from(field("metric_calls")?).ok()?,
        metric_queries: usize::try_from(field("metric_queries")?).ok()?,
        log_calls: usize::try_from(field("log_calls")?).ok()?,
        log_bytes: field("log_bytes")?,
        functions_scanned: usize::try_from(field("functions_scanned")?).ok()?,
        functions_unscanned: usize::try_from(field("functions_unscanned")?).ok()?,
        deploy_lookups: usize::try_from(field("deploy_lookups")?).ok()?,
    })
}

/// The number in `name=NUMBER` somewhere in `text`.
fn logged_field(text: &str, name: &str) -> Option<u64> {
    let prefix = format!("{name}=");
    text.split_whitespace().find_map(|word| word.strip_prefix(&prefix)?.parse().ok())
}

/// The Markdown's size and the number of charts in the folder `opspod digest --out` wrote.
fn written(out: &std::path::Path) -> BenchResult<(u64, usize)> {
    let (mut markdown, mut charts) = (0, 0);
    for entry in std::fs::read_dir(out)? {
        let entry = entry?;
        match entry.path().extension().and_then(|extension| extension.to_str()) {
            Some("md") => markdown += entry.metadata()?.len(),
            Some("png") => charts += 1,
            _ => {}
        }
    }
    Ok((markdown, charts))
}

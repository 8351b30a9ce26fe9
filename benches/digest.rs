//! What a weekly digest of 1,000 functions costs, against moto behind the CBOR front: `cargo bench --bench digest`
//! (moto must run: `.ci/moto start && eval "$(.ci/moto env)"`).
//!
//! Seeds 1,000 functions with two weeks of daily metrics and a week of `REPORT` lines each, then builds the
//! team's digest and prints the `GetMetricData` calls (500 queries per call at most), the Logs calls and bytes
//! read, the wall time and the peak RSS while building (VmHWM, reset through `/proc/self/clear_refs` first).
//! Beside it, the naive baseline: one `GetMetricData` call per metric per function.
//!
//! Run without `--bench` (as `cargo test --benches` does), it makes one small pass as a smoke test.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Instant;

use aws_sdk_cloudwatch::types::StandardUnit;
use aws_sdk_lambda::types::Runtime;
use chrono::{DateTime, Duration, Utc};
use futures::stream::{self, StreamExt};
use opspod::aws::AwsAccess;
use opspod::config::{Aws, load_str};
use opspod::digest::{Digests, Window};
use support::cbor_front::CloudWatchFront;
use support::lambda_world::World;

type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Invocations per function and day in the seeded logs and metrics.
const PER_DAY: usize = 12;

fn main() -> BenchResult<()> {
    let full = std::env::args().any(|arg| arg == "--bench");
    let functions = std::env::var("OPSPOD_BENCH_FUNCTIONS").ok().and_then(|n| n.parse().ok()).unwrap_or(if full {
        1_000
    } else {
        20
    });
    let moto = std::env::var("OPSPOD_TEST_AWS_ENDPOINT").map_err(
        |_| "OPSPOD_TEST_AWS_ENDPOINT is not set: start moto with `.ci/moto start` and `eval \"$(.ci/moto env)\"`",
    )?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let front = runtime.block_on(CloudWatchFront::start(&moto));
    // SAFETY: set before any thread reads the environment; the runtime's workers only start with `block_on`.
    unsafe {
        std::env::set_var("AWS_ENDPOINT_URL", &moto);
        std::env::set_var("AWS_ENDPOINT_URL_CLOUDWATCH", front.url());
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::set_var("AWS_REGION", "us-east-1");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    }
    runtime.block_on(run(functions, &front))
}

async fn run(count: usize, front: &CloudWatchFront) -> BenchResult<()> {
    let stem = format!("dgb{:x}", std::process::id());
    let end = Utc::now();
    println!("opspod weekly digest against moto behind the CBOR front, SQLite\n");
    let seeding = Instant::now();
    seed(&stem, count, end, front).await?;
    println!(
        "seeded {count} functions (two weeks of daily metrics, a week of logs) in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let dir = tempfile::tempdir()?;
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("opspod.db").display());
    let text = format!(
        "[store]\ndatabase = \"{database}\"\n[channels.team]\n[channels.oncall]\n[[owners]]\nteam = \"bench\"\n\
         resources = [\"{stem}-*\"]\n[aws]\nregions = [\"us-east-1\"]\nlogs_engine = \"scan\"\n"
    );
    let loaded = load_str(&text, "bench.toml", &Default::default()).map_err(|errors| errors.to_string())?;
    let store = opspod::store::Store::open(&database).await?;
    let access = AwsAccess::from_config(&Aws { regions: vec!["us-east-1".into()], ..Aws::default() }).await;
    let digests = Digests::new(&loaded.config, store, Some(std::sync::Arc::new(access)));

    let before = front.calls("GetMetricData");
    reset_peak_rss();
    let started = Instant::now();
    let window = Window { start: end - Duration::days(7), end };
    let built = digests.build(window, Some("bench"), None, end).await?;
    let wall = started.elapsed();
    let peak = peak_rss_kib();
    let digest = &built.digests[0].digest;
    let reads = built.reads;
    let text = digest.render_text();
    let markdown = digest.render_markdown();
    println!(
        "digest of {} functions (team bench), {:.2} s wall, peak RSS {} MiB",
        digest.functions.len(),
        wall.as_secs_f64(),
        peak / 1024
    );
    println!("{:<34} {:>10} {:>16}", "", "opspod", "naive baseline");
    println!(
        "{:<34} {:>10} {:>16}",
        "GetMetricData calls",
        front.calls("GetMetricData") - before,
        format!("{} (1 per metric)", count * 5)
    );
    println!("{:<34} {:>10}", "  queries (5 per function)", reads.metric_queries);
    println!("{:<34} {:>10} {:>16}", "functions whose logs were read", reads.functions_scanned, count);
    println!("{:<34} {:>10}", "FilterLogEvents calls", reads.log_calls);
    println!("{:<34} {:>10}", "Logs bytes read", format!("{:.1} MB", reads.log_bytes as f64 / 1e6));
    println!("{:<34} {:>10}", "GetFunction lookups (deploys)", reads.deploy_lookups);
    println!(
        "chat text {} chars (limit 2000), Markdown attachment {} KB",
        text.encode_utf16().count(),
        markdown.len() / 1024
    );
    Ok(())
}

/// Writing 5 to clear_refs resets the peak resident set size (Linux 4.0+), so VmHWM then measures what follows.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

async fn seed(stem: &str, count: usize, end: DateTime<Utc>, front: &CloudWatchFront) -> BenchResult<()> {
    let world = World::connect(&front.url()).await;
    stream::iter(0..count)
        .map(|n| seed_one(&world, format!("{stem}-{n:04}"), n, end))
        .buffer_unordered(16)
        .collect::<Vec<()>>()
        .await;
    Ok(())
}

async fn seed_one(world: &World, name: String, n: usize, end: DateTime<Utc>) {
    world.function(&name, Runtime::Python312).await;
    let errors_per_day = (n % 7) as f64;
    let daily = |value: f64| -> Vec<(DateTime<Utc>, Vec<f64>)> {
        (0..14).map(|day| (end - Duration::days(14 - day) + Duration::hours(1), vec![value])).collect()
    };
    world.metric(&name, "Invocations", StandardUnit::Count, &daily(PER_DAY as f64)).await;
    world.metric(&name, "Errors", StandardUnit::Count, &daily(errors_per_day)).await;
    world.metric(&name, "Duration", StandardUnit::Milliseconds, &daily(150.0 * PER_DAY as f64)).await;
    let mut lines = Vec::new();
    for day in 0..7 {
        for j in 0..PER_DAY {
            let at = end - Duration::days(7 - day) + Duration::hours(1) + Duration::minutes(j as i64 * 5);
            let request = format!("{n}-{day}-{j}");
            let init = if j == 0 { "\tInit Duration: 400.00 ms" } else { "" };
            lines.push((at, format!("START RequestId: {request} Version: $LATEST")));
            lines.push((at + Duration::milliseconds(150), format!("END RequestId: {request}")));
            lines.push((
                at + Duration::milliseconds(151),
                format!(
                    "REPORT RequestId: {request}\tDuration: 149.00 ms\tBilled Duration: 150 ms\tMemory Size: 512 MB\tMax Memory Used: 100 MB{init}"
                ),
            ));
        }
    }
    world.log(&name, &lines).await;
}

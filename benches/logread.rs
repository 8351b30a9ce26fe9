//! What reading one noisy function's logs costs: `cargo bench --bench logread` (it starts a moto of its own from
//! the venv `.ci/moto install` makes).
//!
//! Seeds one log group with 150,000 lines (about 22 MB: START/REPORT pairs, chatter and an error every 97th line)
//! over 20 streams, then runs the command a user runs, `opspod ask "/errors FUNCTION since:6h"`, as a process of
//! its own under GNU time, once with each log engine. It prints each run's wall time, peak RSS, and the errors the
//! answer counted. The scan's must be the seeded ones: they are spread over the whole group, so every line was
//! read. Logs Insights returns 10,000 lines at most, so its count is a lower bound, as its answer says.
//!
//! Run without `--bench` (as `cargo test --benches` does), it makes one small pass as a smoke test.

mod support;

use std::time::{Duration, Instant};

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use support::BenchResult;
use support::aws::PrivateMoto;

const FUNCTION: &str = "bench-noisy";
const STREAMS: usize = 20;
const CHATTER: &str = "INFO processed order 12345 for customer 67890 in 42 ms with 3 items and a discount code; \
                       cart total 118.20 EUR, shipping zone 3, warehouse FRA-2, carrier dhl-express, eta 2 days";

/// What was seeded: lines, their bytes, and the errors among them.
struct Seeded {
    lines: usize,
    bytes: usize,
    errors: u64,
}

/// One `opspod ask` run.
struct Run {
    wall: Duration,
    peak_kib: u64,
    errors: u64,
    /// The answer, to show when it is wrong.
    answer: serde_json::Value,
}

fn main() -> BenchResult<()> {
    let lines = if support::full_run() { 150_000 } else { 5_000 };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let moto = runtime.block_on(PrivateMoto::start())?;
    let front = support::aws::front_before(&runtime, &moto.url)?;
    runtime.block_on(async {
        let started = Instant::now();
        let seeded = seed(lines).await?;
        println!(
            "seeded {} lines ({:.1} MB, {} of them errors) in /aws/lambda/{FUNCTION} over {STREAMS} streams in \
             {:.1} s\n",
            seeded.lines,
            seeded.bytes as f64 / 1e6,
            seeded.errors,
            started.elapsed().as_secs_f64()
        );
        for engine in ["scan", "insights"] {
            let run = ask(engine, &front).await?;
            println!(
                "logs_engine = {engine:<8}  {:>6.1} s wall, peak RSS {:>6.1} MB, {} errors in the answer",
                run.wall.as_secs_f64(),
                support::memory::mb(run.peak_kib),
                run.errors
            );
            // Logs Insights returns 10,000 lines at most (and moto's leaves the query's filter out), so its answer
            // is a lower bound, as the chat answer says; the scan must count every error.
            let exact = engine == "scan";
            if (exact && run.errors != seeded.errors) || run.errors > seeded.errors || run.errors == 0 {
                return Err(format!("the {engine} answer does not count what was seeded: {}", run.answer).into());
            }
        }
        Ok(())
    })
}

/// Puts `lines` lines over the last hour into the function's log group, in batches under PutLogEvents' limits.
async fn seed(lines: usize) -> BenchResult<Seeded> {
    let config = aws_config::from_env().load().await;
    let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
    let group = format!("/aws/lambda/{FUNCTION}");
    logs.create_log_group().log_group_name(&group).send().await?;
    let from = chrono::Utc::now().timestamp_millis() - 3_600_000;
    let mut seeded = Seeded { lines: 0, bytes: 0, errors: 0 };
    for stream in 0..STREAMS {
        let name = format!("2026/12/07/[$LATEST]{stream:032x}");
        logs.create_log_stream().log_group_name(&group).log_stream_name(&name).send().await?;
        let mut batch: Vec<InputLogEvent> = Vec::new();
        let mut batch_bytes = 0;
        for i in 0..lines / STREAMS {
            let message = line(stream, i, &mut seeded);
            batch_bytes += message.len() + 26;
            seeded.lines += 1;
            seeded.bytes += message.len();
            batch.push(InputLogEvent::builder().timestamp(from + i as i64 * 10).message(message).build()?);
            if batch.len() == 5_000 || batch_bytes > 900_000 {
                put(&logs, &group, &name, std::mem::take(&mut batch)).await?;
                batch_bytes = 0;
            }
        }
        if !batch.is_empty() {
            put(&logs, &group, &name, batch).await?;
        }
    }
    Ok(seeded)
}

/// Line `i` of a stream: each invocation is a START, three lines, and a REPORT; every 97th line is an error.
fn line(stream: usize, i: usize, seeded: &mut Seeded) -> String {
    let request = format!("8f5c2a1e-0000-4000-8000-{stream:04}{:08}", i / 5);
    match i % 5 {
        0 => format!("START RequestId: {request} Version: $LATEST"),
        4 => format!(
            "REPORT RequestId: {request}\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 512 MB\t\
             Max Memory Used: 80 MB\t"
        ),
        _ if i % 97 == 1 => {
            seeded.errors += 1;
            "[ERROR] ValueError: invalid literal for int() with base 10: 'x'\nTraceback (most recent call last):\n  \
             File \"/var/task/orders/parse.py\", line 88, in parse_order\n    qty = int(raw)\n"
                .to_owned()
        }
        _ => CHATTER.to_owned(),
    }
}

async fn put(
    logs: &aws_sdk_cloudwatchlogs::Client,
    group: &str,
    stream: &str,
    events: Vec<InputLogEvent>,
) -> BenchResult<()> {
    logs.put_log_events().log_group_name(group).log_stream_name(stream).set_log_events(Some(events)).send().await?;
    Ok(())
}

/// `opspod ask --format json "/errors FUNCTION since:6h"` with `engine`, under GNU time.
async fn ask(engine: &str, front: &support::cbor_front::CloudWatchFront) -> BenchResult<Run> {
    let dir = tempfile::tempdir()?;
    let config = dir.path().join("opspod.toml");
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("opspod.db").display());
    std::fs::write(
        &config,
        format!(
            "[store]\ndatabase = \"{database}\"\n[channels.team]\n[channels.oncall]\n[aws]\nregions = [\"us-east-1\"]\n\
             logs_engine = \"{engine}\"\n"
        ),
    )?;
    let mut command = support::memory::under_gnu_time(support::run::OPSPOD)?;
    command
        .args(["ask", "--format", "json", "--config"])
        .arg(&config)
        .arg(format!("/errors {FUNCTION} since:6h"))
        .env("AWS_ENDPOINT_URL_CLOUDWATCH", front.url())
        .env("OPSPOD_LOG", "warn")
        .env_remove("OPSPOD_CONFIG");
    let run = support::memory::measure(command, "opspod ask").await?;
    let answer: serde_json::Value = serde_json::from_slice(&run.stdout)?;
    let count = |field: &str| answer.pointer(field).and_then(serde_json::Value::as_u64).unwrap_or(0);
    let errors = count("/0/signatures/0/count");
    Ok(Run { wall: run.wall, peak_kib: run.peak_kib, errors, answer })
}

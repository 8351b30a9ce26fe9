//! What a weekly digest of 1,000 functions costs, against moto: `cargo bench --bench digest` (it starts a moto of
//! its own from the venv `.ci/moto install` makes; without one it uses the shared moto that
//! `.ci/moto start && eval "$(.ci/moto env)"` runs).
//!
//! Seeds 1,000 functions with two weeks of daily metrics and a week of `REPORT` lines each, then runs the command a
//! user runs, `opspod digest --team bench --out DIR`, as a process of its own, with CloudWatch behind the CBOR front
//! and Lambda and Logs behind a counting relay. It prints the `GetMetricData` calls (500 queries per call at most)
//! and every other AWS request as they arrived, the Logs bytes read as the command logs them, its wall time, and
//! its peak RSS as GNU time reports it. Beside it, the naive baseline: one `GetMetricData` call per metric per
//! function. On the shared moto, the seeded functions and log groups are deleted afterwards.
//!
//! moto answers `GetMetricData` by scanning every datapoint it holds for every period of every query, so most of the
//! wall time is moto's; the bench says how much of it went to `GetMetricData`.
//!
//! Run without `--bench` (as `cargo test --benches` does), it makes one small pass as a smoke test.

mod support;

use std::time::Instant;

use support::BenchResult;
use support::aws::PrivateMoto;
use support::aws_relay::AwsRelay;
use support::digest::{CliRun, Seed};

fn main() -> BenchResult<()> {
    let functions = std::env::var("OPSPOD_BENCH_FUNCTIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(if support::full_run() { 1_000 } else { 20 });
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let started = Instant::now();
    // The shared moto scans every datapoint every test run ever put for each query; see `PrivateMoto`.
    let private = runtime.block_on(PrivateMoto::start());
    let (moto, shared) = match &private {
        Ok(moto) => (moto.url.clone(), false),
        Err(error) => {
            eprintln!("digest: no moto of its own ({error}); using the shared moto.");
            (support::aws::moto_url()?, true)
        }
    };
    let front = support::aws::front_before(&runtime, &moto)?;
    runtime.block_on(async {
        let relay = AwsRelay::start(&moto).await;
        let which = if shared { "the shared moto" } else { "a moto of its own" };
        println!("opspod weekly digest against {which} (CloudWatch behind the CBOR front), SQLite\n");
        let seeded = support::digest::seed(functions, Seed::TWO_WEEKS, &front).await?;
        println!("seeded {} in {:.1} s", seeded.describe(), seeded.took.as_secs_f64());
        let metric_wait_before = front.forwarding_time("GetMetricData");
        let run = support::digest::build_with_cli(&seeded, &front, &relay).await;
        let metric_wait = front.forwarding_time("GetMetricData") - metric_wait_before;
        if shared {
            seeded.remove().await;
        }
        let run = run?;
        if run.functions != functions {
            return Err(format!("the digest holds {} of the {functions} seeded functions", run.functions).into());
        }
        print(&run, metric_wait);
        println!("\nmeasured in {:.0} s", started.elapsed().as_secs_f64());
        Ok(())
    })
}

fn print(run: &CliRun, metric_wait: std::time::Duration) {
    let reads = run.reads;
    println!(
        "opspod digest of {} functions (team bench): {:.1} s wall ({:.1} s of it waiting on moto's GetMetricData), \
         peak RSS {:.1} MB",
        run.functions,
        run.wall.as_secs_f64(),
        metric_wait.as_secs_f64(),
        support::memory::mb(run.peak_kib)
    );
    println!("{:<34} {:>10} {:>18}", "", "opspod", "naive baseline");
    println!(
        "{:<34} {:>10} {:>18}",
        "GetMetricData calls",
        run.front_metric_calls,
        format!("{} (1 per metric)", reads.metric_queries)
    );
    println!(
        "{:<34} {:>10}",
        format!("  queries ({} per function)", reads.metric_queries / run.functions.max(1)),
        reads.metric_queries
    );
    println!("{:<34} {:>10} {:>18}", "functions whose logs were read", reads.functions_scanned, run.functions);
    println!("{:<34} {:>10}", "FilterLogEvents calls", reads.log_calls);
    println!("{:<34} {:>10}", "Logs bytes read", format!("{:.2} MB", reads.log_bytes as f64 / 1e6));
    println!("{:<34} {:>10}", "GetFunction lookups (deploys)", reads.deploy_lookups);
    let relayed: Vec<String> = run.relayed.iter().map(|(service, calls)| format!("{service} {calls}")).collect();
    println!(
        "{:<34} {:>10}  (cloudwatch {}, {})",
        "AWS requests in all",
        run.aws_requests(),
        run.front_metric_calls,
        relayed.join(", ")
    );
    println!(
        "chat text {} chars (limit 2000), Markdown attachment {} KB, {} charts",
        run.text_chars,
        run.markdown_bytes / 1024,
        run.charts
    );
}

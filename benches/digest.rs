//! What a weekly digest of 1,000 functions costs, against moto behind the CBOR front: `cargo bench --bench digest`
//! (moto must run: `.ci/moto start && eval "$(.ci/moto env)"`).
//!
//! Seeds 1,000 functions with two weeks of daily metrics and a week of `REPORT` lines each, then builds the
//! team's digest and prints the `GetMetricData` calls (500 queries per call at most), the Logs calls and bytes
//! read, the wall time and the peak RSS while building (VmHWM, reset through `/proc/self/clear_refs` first).
//! Beside it, the naive baseline: one `GetMetricData` call per metric per function. The seeded functions and
//! log groups are deleted afterwards.
//!
//! Run without `--bench` (as `cargo test --benches` does), it makes one small pass as a smoke test.

mod support;

use support::BenchResult;
use support::digest::Seed;

fn main() -> BenchResult<()> {
    let functions = std::env::var("OPSPOD_BENCH_FUNCTIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(if support::full_run() { 1_000 } else { 20 });
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let front = support::aws::front_before_moto(&runtime)?;
    runtime.block_on(async {
        println!("opspod weekly digest against moto behind the CBOR front, SQLite\n");
        let seeded = support::digest::seed(functions, Seed::TWO_WEEKS, &front).await?;
        println!("seeded {} in {:.1} s", seeded.describe(), seeded.took.as_secs_f64());
        let built = support::digest::build(&seeded, &front).await;
        seeded.remove().await;
        print(functions, &built?);
        Ok(())
    })
}

fn print(count: usize, run: &support::digest::DigestRun) {
    let reads = run.reads;
    println!(
        "digest of {} functions (team bench), {:.2} s wall, peak RSS {} MiB",
        run.functions,
        run.wall.as_secs_f64(),
        run.peak_kib / 1024
    );
    println!("{:<34} {:>10} {:>16}", "", "opspod", "naive baseline");
    println!(
        "{:<34} {:>10} {:>16}",
        "GetMetricData calls",
        run.front_metric_calls,
        format!("{} (1 per metric)", reads.metric_queries)
    );
    println!(
        "{:<34} {:>10}",
        format!("  queries ({} per function)", reads.metric_queries / count.max(1)),
        reads.metric_queries
    );
    println!("{:<34} {:>10} {:>16}", "functions whose logs were read", reads.functions_scanned, count);
    println!("{:<34} {:>10}", "FilterLogEvents calls", reads.log_calls);
    println!("{:<34} {:>10}", "Logs bytes read", format!("{:.1} MB", reads.log_bytes as f64 / 1e6));
    println!("{:<34} {:>10}", "GetFunction lookups (deploys)", reads.deploy_lookups);
    let by_service: Vec<String> = run.calls.iter().map(|(service, calls)| format!("{service} {calls}")).collect();
    println!("{:<34} {:>10}  ({})", "AWS requests in all", run.total_calls(), by_service.join(", "));
    println!("chat text {} chars (limit 2000), Markdown attachment {} KB", run.text_chars, run.markdown_bytes / 1024);
}

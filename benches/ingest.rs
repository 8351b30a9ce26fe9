//! Ingest throughput (parse + store + route, in events/s) on SQLite and PostgreSQL: `cargo bench --bench ingest`.
//!
//! 10,000 EventBridge events go through the real `Pipeline` in batches of 500, as `opspod replay` and the SQS
//! source batch them, into a fresh database per run. `--emit-events FILE` writes the same events as JSON lines
//! instead, for `benches/replay-rss.sh`. Run without `--bench` (as `cargo test --benches` does), it makes one
//! small pass as a smoke test.

mod support;

use std::time::{Duration, Instant};

use opspod::pipeline::{Input, Payload, Rules};
use support::BenchResult;
use support::ingest::{BATCH, Backend, EVENTS, FUNCTIONS, inputs, storm};

const RUNS: usize = 3;

fn main() -> BenchResult<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(at) = args.iter().position(|arg| arg == "--emit-events") {
        let path = args.get(at + 1).ok_or("--emit-events needs a file")?;
        std::fs::write(path, storm(EVENTS).join("\n") + "\n")?;
        eprintln!("Wrote {EVENTS} events to {path}.");
        return Ok(());
    }
    let (events, runs) = if support::full_run() { (EVENTS, RUNS) } else { (1_000, 1) };
    let inputs = inputs(&storm(events));
    let rules = support::ingest::default_rules()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    println!(
        "{events} events ({FUNCTIONS} functions, ~5% duplicates, Health every 50th), batches of {BATCH}, {runs} runs on fresh databases\n"
    );
    // Like libtest's filter: `cargo bench --bench ingest -- sqlite` runs only the rows whose name holds `sqlite`.
    let filters: Vec<&String> = args.iter().filter(|arg| !arg.starts_with("--")).collect();
    let wanted = |name: &str| filters.is_empty() || filters.iter().any(|filter| name.contains(filter.as_str()));
    let mut table = vec![];
    if wanted("parse only") {
        table.push(Figures::parse_only(&inputs, runs));
    }
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if wanted(backend.name()) {
            table.push(runtime.block_on(Figures::backend(backend, &inputs, &rules, runs))?);
        }
    }
    print_table(&table);
    Ok(())
}

/// One row of the table: the wall time of each run and what the last run left in the database.
struct Figures {
    name: &'static str,
    events: usize,
    batches: Option<usize>,
    walls: Vec<Duration>,
    rows: Option<(i64, i64)>,
}

impl Figures {
    fn parse_only(inputs: &[Input], runs: usize) -> Figures {
        let walls = (0..runs)
            .map(|_| {
                let start = Instant::now();
                let parsed = inputs
                    .iter()
                    .filter(
                        |input| matches!(&input.payload, Payload::Raw(raw) if opspod::parse::parse_event(raw).is_ok()),
                    )
                    .count();
                let wall = start.elapsed();
                assert_eq!(parsed, inputs.len(), "every bench event parses");
                wall
            })
            .collect();
        Figures { name: "parse only", events: inputs.len(), batches: None, walls, rows: None }
    }

    async fn backend(backend: Backend, inputs: &[Input], rules: &Rules, runs: usize) -> BenchResult<Figures> {
        let mut walls = Vec::with_capacity(runs);
        let mut rows = None;
        for _ in 0..runs {
            let run = support::ingest::run(backend, inputs, rules, BATCH).await?;
            walls.push(run.wall);
            rows = Some((run.incidents, run.outbox));
        }
        Ok(Figures {
            name: backend.name(),
            events: inputs.len(),
            batches: Some(inputs.len().div_ceil(BATCH)),
            walls,
            rows,
        })
    }

    fn best(&self) -> Duration {
        self.walls.iter().copied().min().unwrap_or_default()
    }

    fn median(&self) -> Duration {
        let mut sorted = self.walls.clone();
        sorted.sort();
        sorted[sorted.len() / 2]
    }

    fn rate(&self, wall: Duration) -> f64 {
        self.events as f64 / wall.as_secs_f64()
    }
}

fn print_table(rows: &[Figures]) {
    println!(
        "{:<10}  {:>6}  {:>7}  {:>9}  {:>11}  {:>12}  {:>9}  {:>6}  runs (s)",
        "backend", "events", "batches", "best (s)", "best ev/s", "median ev/s", "incidents", "outbox"
    );
    for row in rows {
        let batches = row.batches.map_or("-".into(), |b| b.to_string());
        let (incidents, outbox) = row.rows.map_or(("-".into(), "-".into()), |(i, o)| (i.to_string(), o.to_string()));
        let runs: Vec<String> = row.walls.iter().map(|wall| format!("{:.3}", wall.as_secs_f64())).collect();
        println!(
            "{:<10}  {:>6}  {:>7}  {:>9.3}  {:>11.0}  {:>12.0}  {:>9}  {:>6}  {}",
            row.name,
            row.events,
            batches,
            row.best().as_secs_f64(),
            row.rate(row.best()),
            row.rate(row.median()),
            incidents,
            outbox,
            runs.join(" ")
        );
    }
}

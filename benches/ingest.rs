//! Ingest throughput (parse + store + route, in events/s) on SQLite and PostgreSQL: `cargo bench --bench ingest`.
//!
//! 10,000 EventBridge events go through the real [`Pipeline`] in batches of 500, as `opspod replay` and the SQS
//! source batch them, into a fresh database per run. `--emit-events FILE` writes the same events as JSON lines
//! instead, for `benches/replay-rss.sh`. Run without `--bench` (as `cargo test --benches` does), it makes one
//! small pass as a smoke test.

#[path = "../tests/support/events.rs"]
mod events;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use opspod::pipeline::{Input, Outcome, Payload, Pipeline, Rules};
use opspod::ports::SystemClock;
use opspod::store::Store;
use sqlx::{AnyConnection, Connection, Executor, PgConnection, Row};

/// Inputs per transaction: the batch size of `opspod replay`.
const BATCH: usize = 500;
const FUNCTIONS: usize = 500;
const EVENTS: usize = 10_000;
const RUNS: usize = 3;
/// The transitions an alarm cycles through, one step per pass over the functions.
const STATES: [&str; 4] = ["ALARM", "OK", "ALARM", "INSUFFICIENT_DATA"];

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> BenchResult<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(at) = args.iter().position(|arg| arg == "--emit-events") {
        let path = args.get(at + 1).ok_or("--emit-events needs a file")?;
        std::fs::write(path, storm(EVENTS).join("\n") + "\n")?;
        eprintln!("Wrote {EVENTS} events to {path}.");
        return Ok(());
    }
    // `cargo bench` passes `--bench`; without it this is `cargo test --benches`, which only wants to know it runs.
    let (events, runs) = if args.iter().any(|arg| arg == "--bench") { (EVENTS, RUNS) } else { (1_000, 1) };
    let inputs = inputs(&storm(events));
    let rules = opspod::app::rules(&opspod::config::load(None).map_err(|errors| errors.to_string())?.config);
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

/// An alarm storm over [`FUNCTIONS`] Lambda functions with distinct timestamps, a duplicate every 20th input
/// (half of them within a batch, half redelivered a batch or more later) and a Health update every 50th.
fn storm(total: usize) -> Vec<String> {
    let start = Utc.with_ymd_and_hms(2026, 11, 20, 14, 0, 0).unwrap();
    let mut out: Vec<String> = Vec::with_capacity(total);
    let (mut transitions, mut updates) = (0usize, 0usize);
    while out.len() < total {
        let i = out.len();
        if i % 20 == 19 {
            let back = if i % 40 == 19 { 1 } else { i.min(BATCH + 137) };
            out.push(out[i - back].clone());
        } else if i.is_multiple_of(50) {
            out.push(health_update(updates, start));
            updates += 1;
        } else {
            out.push(alarm_transition(transitions, start));
            transitions += 1;
        }
    }
    out
}

/// The `n`th state change of the storm: function `n % FUNCTIONS`, one second after the previous change.
fn alarm_transition(n: usize, start: DateTime<Utc>) -> String {
    let function = format!("orders-fn-{:03}", n % FUNCTIONS);
    // A few alarms are named critical so that routing sends them to on-call.
    let name = if (n % FUNCTIONS).is_multiple_of(25) {
        format!("{function}-critical-errors")
    } else {
        format!("{function}-errors")
    };
    let state = STATES[(n / FUNCTIONS) % STATES.len()];
    let at = start + chrono::Duration::seconds(n as i64);
    events::alarm(&name, &function, state, &at.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string())
}

/// The `n`th Health update: ten events, each updated in turn, closing on every fourth update.
fn health_update(n: usize, start: DateTime<Utc>) -> String {
    let status = if (n / 10) % 4 == 3 { "closed" } else { "open" };
    let at = start + chrono::Duration::seconds(30 * n as i64);
    events::health(&format!("BENCH{:02}", n % 10), status, &at.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
}

fn inputs(lines: &[String]) -> Vec<Input> {
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| Input {
            source: "replay".into(),
            origin: format!("bench.jsonl:{}", i + 1),
            payload: Payload::Raw(line.clone().into_bytes()),
        })
        .collect()
}

#[derive(Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
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
            let (wall, counts) = match backend {
                Backend::Sqlite => sqlite_run(inputs, rules).await?,
                Backend::Postgres => postgres_run(inputs, rules).await?,
            };
            walls.push(wall);
            rows = Some(counts);
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

async fn sqlite_run(inputs: &[Input], rules: &Rules) -> BenchResult<(Duration, (i64, i64))> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display());
    timed_run(&url, inputs, rules).await
}

/// A run on `opspod_bench_<pid>`, created fresh on the server and dropped afterwards even when the run fails.
async fn postgres_run(inputs: &[Input], rules: &Rules) -> BenchResult<(Duration, (i64, i64))> {
    let admin_url = std::env::var("OPSPOD_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("opspod_bench_{}", std::process::id());
    let mut admin = PgConnection::connect(&admin_url).await?;
    admin.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await?;
    admin.execute(format!("CREATE DATABASE {name}").as_str()).await?;
    let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base);
    let result = timed_run(&format!("{base}/{name}"), inputs, rules).await;
    admin.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await?;
    result
}

/// Ingests every input in batches through a fresh store; returns the wall time and (incidents, outbox rows).
async fn timed_run(url: &str, inputs: &[Input], rules: &Rules) -> BenchResult<(Duration, (i64, i64))> {
    // Opening migrates the schema, which is not part of ingesting.
    let store = Store::open(url).await?;
    let pipeline = Pipeline::new(store.clone(), rules.clone(), Arc::new(SystemClock));
    let start = Instant::now();
    for batch in inputs.chunks(BATCH) {
        let outcomes = pipeline.ingest(batch).await?;
        if let Some(Outcome::Rejected(rejection)) = outcomes.iter().find(|o| matches!(o, Outcome::Rejected(_))) {
            return Err(format!("the pipeline rejected {}: {}", rejection.origin, rejection.reason).into());
        }
    }
    let wall = start.elapsed();
    store.close().await;
    let mut conn = AnyConnection::connect(url).await?;
    let incidents: i64 = conn.fetch_one("SELECT COUNT(*) FROM incidents").await?.try_get(0)?;
    let outbox: i64 = conn.fetch_one("SELECT COUNT(*) FROM outbox").await?.try_get(0)?;
    conn.close().await?;
    Ok((wall, (incidents, outbox)))
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

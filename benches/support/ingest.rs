//! Ingest runs: an alarm storm of EventBridge events through the real [`Pipeline`] into a fresh SQLite file or
//! PostgreSQL database, timed, in batches of a given size (one transaction per batch).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use opspod::pipeline::{Input, Outcome, Payload, Pipeline, Rules};
use opspod::ports::SystemClock;
use opspod::store::Store;
use sqlx::{AnyConnection, Connection, Executor, PgConnection, Row};

use super::{BenchResult, events};

/// Inputs per transaction: the batch size of `opspod replay`.
pub const BATCH: usize = 500;
pub const FUNCTIONS: usize = 500;
pub const EVENTS: usize = 10_000;
/// The transitions an alarm cycles through, one step per pass over the functions.
const STATES: [&str; 4] = ["ALARM", "OK", "ALARM", "INSUFFICIENT_DATA"];

/// An alarm storm over [`FUNCTIONS`] Lambda functions with distinct timestamps, a duplicate every 20th input
/// (half of them within a batch, half redelivered a batch or more later) and a Health update every 50th.
pub fn storm(total: usize) -> Vec<String> {
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

/// Lines of a replay file as the pipeline's inputs.
pub fn inputs(lines: &[String]) -> Vec<Input> {
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

/// The rules of opspod's default config, which the ingest runs route with.
pub fn default_rules() -> BenchResult<Rules> {
    Ok(opspod::app::rules(&opspod::config::load(None).map_err(|errors| errors.to_string())?.config))
}

#[derive(Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// One timed run: how long ingesting took, and what it left in the database.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    pub wall: Duration,
    pub incidents: i64,
    pub outbox: i64,
}

impl Run {
    pub fn rate(&self, events: usize) -> f64 {
        events as f64 / self.wall.as_secs_f64()
    }
}

/// Ingests `inputs` in batches of `batch` into a fresh database of `backend`.
pub async fn run(backend: Backend, inputs: &[Input], rules: &Rules, batch: usize) -> BenchResult<Run> {
    match backend {
        Backend::Sqlite => sqlite_run(inputs, rules, batch).await,
        Backend::Postgres => postgres_run(inputs, rules, batch).await,
    }
}

async fn sqlite_run(inputs: &[Input], rules: &Rules, batch: usize) -> BenchResult<Run> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display());
    timed_run(&url, inputs, rules, batch).await
}

/// A run on `opspod_bench_<pid>`, created fresh on the server and dropped afterwards even when the run fails.
async fn postgres_run(inputs: &[Input], rules: &Rules, batch: usize) -> BenchResult<Run> {
    let admin_url = std::env::var("OPSPOD_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("opspod_bench_{}", std::process::id());
    let mut admin = PgConnection::connect(&admin_url).await?;
    admin.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await?;
    admin.execute(format!("CREATE DATABASE {name}").as_str()).await?;
    let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base);
    let result = timed_run(&format!("{base}/{name}"), inputs, rules, batch).await;
    admin.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await?;
    result
}

/// Ingests every input in batches through a fresh store; returns the wall time and what the database holds.
async fn timed_run(url: &str, inputs: &[Input], rules: &Rules, batch: usize) -> BenchResult<Run> {
    // Opening migrates the schema, which is not part of ingesting.
    let store = Store::open(url).await?;
    let pipeline = Pipeline::new(store.clone(), rules.clone(), Arc::new(SystemClock));
    let start = Instant::now();
    for batch in inputs.chunks(batch) {
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
    Ok(Run { wall, incidents, outbox })
}

//! `/digest [team] [since]` and the weekly reliability digest: one team's week against the week before, per
//! function worst first, the five functions that need attention and why, incidents, and AWS Health.
//!
//! The caller gathers a [`Digest`] (metrics, logs, the incident store, Health); this module decides what it
//! means (headline, ranking, attention) and renders it for chat, as Markdown and as JSON.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// How `/help` lists this command: usage, what it does, and an example to copy.
pub const HELP: (&str, &str, &str) = (
    "/digest [team] [since]",
    "the reliability digest: the week against the last, what needs attention, incidents, AWS Health",
    "/digest team:payments since:7d",
);

/// One team's digest over `[start, end)`, compared with the period of the same length before `start`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Digest {
    /// The owner's team name, or `team` for functions nobody owns.
    pub team: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Set when a scheduled digest goes out after its time: "due Monday 09:00 Europe/Berlin; opspod was down".
    pub late: Option<String>,
    pub functions: Vec<FunctionWeek>,
    pub incidents: IncidentWeek,
    pub health: Vec<HealthItem>,
    /// What could not be read, in the bot's words ("Logs were too many to read in full for …").
    pub notes: Vec<String>,
    /// The currency of every cost figure.
    pub currency: String,
}

/// One function over the period and the period before.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionWeek {
    pub function: String,
    pub region: String,
    /// Users wait on it: cold starts and latency matter more, and it ranks higher.
    pub interactive: bool,
    pub memory_mb: Option<u32>,
    /// The deploy in effect at the end of the period; `previous` is the version before it.
    pub deploy: Option<DeployFact>,
    pub this: Period,
    pub last: Period,
    /// One entry per day of this period, oldest first, for the charts.
    pub daily: Vec<Day>,
    /// The price of one instance of provisioned concurrency at this function's memory, per month (for advice).
    pub provisioned_month_cost: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeployFact {
    pub version: String,
    pub at: Option<DateTime<Utc>>,
    pub previous: Option<String>,
}

/// A function's figures over one period. Counts from CloudWatch metrics, the rest from its `REPORT` lines.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Period {
    pub invocations: u64,
    pub errors: u64,
    pub throttles: u64,
    pub timeouts: u64,
    pub oom: u64,
    pub duration_p95_ms: Option<f64>,
    /// Invocations seen in `REPORT` lines: the denominator of the cold-start and memory shares.
    pub logged_invocations: u64,
    /// Cold starts, SnapStart restores included.
    pub cold_starts: u64,
    pub init_p95_ms: Option<f64>,
    pub cost: f64,
    /// What failed invocations were billed.
    pub failed_cost: f64,
    /// What repeated deliveries of the same request (async retries) were billed.
    pub retry_cost: f64,
    pub retries: u64,
    /// Invocations that used at least 90% of the function's memory.
    pub memory_high_invocations: u64,
    pub memory_peak_pct: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Day {
    pub day: NaiveDate,
    pub invocations: u64,
    pub errors: u64,
    pub cost: f64,
}

/// The incidents the team's alarms and Health events opened in the period, from the incident timeline.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct IncidentWeek {
    pub opened: u64,
    pub opened_last: u64,
    pub critical: u64,
    /// Opened while a silence or maintenance window covered them: recorded, never posted.
    pub suppressed: Vec<SuppressedIncident>,
    /// Mean time from opening to the first acknowledgement, over the incidents someone acknowledged.
    pub mtta_seconds: Option<i64>,
    /// Mean time from opening to resolution, over the incidents that resolved.
    pub mttr_seconds: Option<i64>,
    pub unresolved: u64,
    /// Alarms by state changes in the period, most first: candidates to tune.
    pub noisiest: Vec<AlarmNoise>,
    /// Alarms marked flapping in the period.
    pub flapping: Vec<AlarmNoise>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlarmNoise {
    pub alarm: String,
    pub state_changes: u64,
    pub incidents: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SuppressedIncident {
    pub title: String,
    pub at: DateTime<Utc>,
    /// "silenced by <@1> until 15:10 UTC: deploy", "maintenance window db-upgrade".
    pub why: String,
}

/// An AWS Health event that touched the team's resources, or a scheduled change or deprecation coming soon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HealthItem {
    pub title: String,
    pub region: String,
    /// `issue`, `scheduledChange`, `accountNotification`, `investigation`.
    pub category: String,
    /// `open`, `upcoming`, `closed`.
    pub status: String,
    /// When it starts (a scheduled change) or started.
    pub start: Option<DateTime<Utc>>,
    /// The team's functions it affects.
    pub functions: Vec<String>,
}

//! `/digest [team] [since]` and the weekly reliability digest: one team's week against the week before, per
//! function worst first, the five functions that need attention and why, incidents, and AWS Health.
//!
//! The caller gathers a [`Digest`] (metrics, logs, the incident store, Health); this module decides what it
//! means (headline, ranking, attention) and renders it for chat, as Markdown and as JSON.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::Value;

mod attention;
mod figures;
mod headline;
mod markdown;
mod rank;
mod render;
#[cfg(test)]
mod tests;

/// How `/help` lists this command: usage, what it does, and an example to copy.
pub const HELP: (&str, &str, &str) = (
    "/digest [team] [since]",
    "the reliability digest: the week against the last, what needs attention, incidents, AWS Health",
    "/digest team:payments since:7d",
);

/// The period `/digest` covers when none is given: a week, compared with the week before.
pub const DEFAULT_SINCE: crate::args::Since = crate::args::Since::WEEK;

/// A team name as owners in config write it: letters, digits, `-` and `_`, at most 64 characters.
pub fn validate_team(raw: &str) -> Result<(), crate::args::ArgError> {
    let ok =
        !raw.is_empty() && raw.len() <= 64 && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(crate::args::ArgError(format!(
            "`team` is a team name like payments (letters, digits, - and _); got {}",
            crate::text::code_span(raw)
        )))
    }
}

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

impl Digest {
    /// The team's functions, worst first: failures (as a share and as a count), money wasted on failures and
    /// retries, and for interactive functions p95 and cold starts, with interactive functions weighed double.
    /// Functions without a request in either period come last, by name.
    pub fn ranked(&self) -> Vec<&FunctionWeek> {
        rank::ranked(self)
    }

    /// One sentence, from the numbers: is this period better or worse than the one before?
    /// "Worse than last week: 1,204 failed invocations (0.8%) against 310 (0.2%), and 7 incidents against 3."
    pub fn headline(&self) -> String {
        headline::headline(self)
    }

    /// At most five functions that need attention, the most important first, each once: why, in numbers, and
    /// the next step.
    pub fn attention(&self) -> Vec<Attention> {
        attention::attention(self)
    }

    /// The chat message: always within Discord's 2,000 characters; the attachment holds everything else.
    pub fn render_text(&self) -> String {
        render::render_text(self)
    }

    /// The full digest for the attachment, without a length limit: every function, both periods, every item.
    pub fn render_markdown(&self) -> String {
        markdown::render_markdown(self)
    }

    /// The attachment's file name, `digest-payments.md`: the team's name reduced to characters any file
    /// system and Discord keep.
    pub fn attachment_name(&self) -> String {
        render::attachment_name(&self.team)
    }

    /// The whole digest as data, plus what this module judged: `headline`, `attention` and the `ranked`
    /// function names. Keys are the field names, so they stay stable.
    pub fn json(&self) -> Value {
        let mut object = match serde_json::to_value(self) {
            Ok(Value::Object(object)) => object,
            // A digest is plain data with string keys, so serializing it cannot fail.
            _ => serde_json::Map::new(),
        };
        object.insert("headline".into(), Value::String(self.headline()));
        object.insert("attention".into(), serde_json::to_value(self.attention()).unwrap_or_default());
        let ranked = self.ranked().into_iter().map(|function| Value::String(function.function.clone())).collect();
        object.insert("ranked".into(), Value::Array(ranked));
        Value::Object(object)
    }
}

/// A function that needs attention: why, in numbers, and what a good ops engineer would do next. Both are
/// plain text (renderers escape them), and name the function's figures from this period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attention {
    pub function: String,
    /// "timeouts 3.0% after v42 (0.1% before)".
    pub reason: String,
    /// "compare with v41".
    pub next_step: String,
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
    /// From the day's `REPORT` lines; `None` when its logs were not read.
    pub cold_starts: Option<u64>,
    pub logged_invocations: Option<u64>,
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

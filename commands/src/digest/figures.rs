//! Figures the digest's judgement and renderings share: a period's rates, week-over-week deltas, durations,
//! money, and the words for the period and the one before it.

use chrono::{DateTime, Datelike, TimeDelta, Utc};

use super::{DeployFact, Digest, FunctionWeek, Period};
use crate::{cost, text};

impl Period {
    /// Requests the function failed to serve. Lambda counts timeouts and out-of-memory kills among `errors`;
    /// `errors` comes from metrics and the other two from `REPORT` lines, so the larger figure stands for all
    /// three rather than counting a timeout twice. Throttled requests never ran, so they are added.
    pub(crate) fn failed(&self) -> u64 {
        self.errors.max(self.timeouts.saturating_add(self.oom)).saturating_add(self.throttles)
    }

    /// Requests made: invocations, and throttled requests that never became one.
    pub(crate) fn requests(&self) -> u64 {
        self.invocations.saturating_add(self.throttles)
    }

    /// Failed requests per request, 0..=1, or `None` without requests.
    pub(crate) fn failure_rate(&self) -> Option<f64> {
        capped(self.failed(), self.requests())
    }

    pub(crate) fn error_rate(&self) -> Option<f64> {
        capped(self.errors, self.invocations)
    }

    pub(crate) fn timeout_rate(&self) -> Option<f64> {
        capped(self.timeouts, self.invocations)
    }

    pub(crate) fn throttle_rate(&self) -> Option<f64> {
        capped(self.throttles, self.requests())
    }

    /// Cold starts per invocation seen in `REPORT` lines (the logs may be sampled; the metrics are not).
    pub(crate) fn cold_start_rate(&self) -> Option<f64> {
        capped(self.cold_starts, self.logged_invocations)
    }

    /// Invocations that used at least 90% of memory, per invocation seen in `REPORT` lines.
    pub(crate) fn memory_high_share(&self) -> Option<f64> {
        capped(self.memory_high_invocations, self.logged_invocations)
    }

    pub(crate) fn retry_share(&self) -> Option<f64> {
        capped(self.retries, self.invocations)
    }
}

/// Counts come from separate queries that can disagree by a datapoint, so a share never exceeds one.
fn capped(count: u64, total: u64) -> Option<f64> {
    text::ratio(count, total).map(|rate| rate.min(1.0))
}

impl FunctionWeek {
    /// No request in either period: nothing to judge, only to count.
    pub(crate) fn is_idle(&self) -> bool {
        self.this.requests() == 0 && self.last.requests() == 0
    }

    /// The deploy, when it happened inside `[start, end)`: a change this period can be compared against.
    pub(crate) fn deployed_in(&self, digest: &Digest) -> Option<&DeployFact> {
        self.deploy.as_ref().filter(|deploy| deploy.at.is_some_and(|at| at >= digest.start && at < digest.end))
    }
}

/// How the digest names its period and the one before it: "this week" and "last week" for the weekly digest,
/// "these 3 days" and "the 3 days before" for `/digest since:3d`.
pub(crate) struct Span {
    pub weekly: bool,
    pub this: String,
    pub previous: String,
}

impl Digest {
    pub(crate) fn span(&self) -> Span {
        let hours = (self.end - self.start).num_hours().max(1);
        let (this, previous) = match hours {
            168 => ("this week".to_owned(), "last week".to_owned()),
            24 => ("these 24 h".to_owned(), "the 24 h before".to_owned()),
            h if h % 24 == 0 => (format!("these {} days", h / 24), format!("the {} days before", h / 24)),
            h => (format!("these {h} h"), format!("the {h} h before")),
        };
        Span { weekly: hours == 168, this, previous }
    }

    /// `$18.40` in the digest's currency; other currencies read `18.40 EUR`.
    pub(crate) fn money(&self, amount: f64) -> String {
        let dollars = cost::money(amount);
        if self.currency.is_empty() || self.currency == "USD" {
            dollars
        } else {
            format!("{} {}", dollars.trim_start_matches('$'), text::one_line(&self.currency, 5))
        }
    }
}

/// `23–30 Nov`, `28 Nov – 5 Dec`, `28 Dec 2026 – 4 Jan 2027`. A period that ends at midnight ends on the
/// day before, so a week of whole days reads as seven days.
pub(crate) fn date_span(start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    let last = if end.time() == chrono::NaiveTime::MIN && end > start { end - TimeDelta::seconds(1) } else { end };
    let (first, last) = (start.date_naive(), last.date_naive());
    if first == last {
        first.format("%-d %b").to_string()
    } else if first.year() != last.year() {
        format!("{} – {}", first.format("%-d %b %Y"), last.format("%-d %b %Y"))
    } else if first.month() != last.month() {
        format!("{} – {}", first.format("%-d %b"), last.format("%-d %b"))
    } else {
        format!("{}–{}", first.format("%-d"), last.format("%-d %b"))
    }
}

/// The change from `last` to `this`: `▲ 35%`, `▼ 12%`, `▲ ×40` from tenfold on, `new` when there was
/// nothing before, and `=` when nothing changed that rounding would show.
pub(crate) fn delta(this: f64, last: f64) -> String {
    let (this, last) = (this.max(0.0), last.max(0.0));
    if last == 0.0 {
        return if this == 0.0 { "=".into() } else { "new".into() };
    }
    if this >= last * 10.0 {
        return format!("▲ ×{}", text::thousands((this / last).round() as u64));
    }
    let change = ((this / last - 1.0) * 100.0).round();
    if change == 0.0 {
        "=".into()
    } else if change > 0.0 {
        format!("▲ {change:.0}%")
    } else {
        format!("▼ {:.0}%", -change)
    }
}

/// A delta between optional figures: nothing to say without this period's figure, `new` without last's.
pub(crate) fn delta_of(this: Option<f64>, last: Option<f64>) -> String {
    match (this, last) {
        (Some(this), Some(last)) => delta(this, last),
        (Some(_), None) => "new".into(),
        (None, _) => String::new(),
    }
}

pub(crate) fn count_delta(this: u64, last: u64) -> String {
    delta(this as f64, last as f64)
}

/// `45 s`, `4 min`, `1 h 12 min`, `3 d 2 h`: a time to acknowledge or resolve, read at a glance.
pub(crate) fn duration(seconds: i64) -> String {
    let seconds = seconds.max(0);
    if seconds < 60 {
        return format!("{seconds} s");
    }
    let minutes = (seconds + 30) / 60;
    let (hours, minutes) = (minutes / 60, minutes % 60);
    match (hours, minutes) {
        (0, m) => format!("{m} min"),
        (h, 0) if h < 48 => format!("{h} h"),
        (h, m) if h < 48 => format!("{h} h {m} min"),
        (h, _) if h % 24 == 0 => format!("{} d", h / 24),
        (h, _) => format!("{} d {} h", h / 24, h % 24),
    }
}

/// `410 ms`, `1.8 s`, `14 s`: latency in the unit a person would say.
pub(crate) fn latency(ms: f64) -> String {
    match ms.max(0.0) {
        ms if ms < 1_000.0 => format!("{ms:.0} ms"),
        ms if ms < 10_000.0 => format!("{:.1} s", ms / 1_000.0),
        ms => format!("{} s", text::thousands((ms / 1_000.0).round() as u64)),
    }
}

pub(crate) fn latency_of(ms: Option<f64>) -> String {
    ms.map_or_else(|| "—".to_owned(), latency)
}

pub(crate) fn percent_of(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), text::percent)
}

/// `v42` for a published version, as the team says it; anything else (`$LATEST`, an alias) as it is, cut short.
/// Plain text: renderers escape it.
pub(crate) fn version(version: &str) -> String {
    if !version.is_empty() && version.chars().all(|c| c.is_ascii_digit()) {
        format!("v{version}")
    } else {
        text::one_line(version, 24)
    }
}

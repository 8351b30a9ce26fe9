//! Every function's figures for the digest, from one account and region: daily metrics for both periods in
//! shared `GetMetricData` calls, and the `REPORT` lines of the busiest functions folded per period.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use futures::stream::{self, StreamExt};
use opspod_commands::digest::{Day, DeployFact, FunctionWeek, Period};

use crate::aws::failure::AwsFailure;
use crate::aws::lambda::FunctionReader;
use crate::aws::logs::LogRead;
use crate::aws::metrics::{MetricReader, MetricRequest, Series};
use crate::domain::context::FunctionFacts;
use crate::domain::logs::{Limits, LogEvent, Push, Scanner, Summary};
use crate::domain::ownership::Directory;
use crate::insight::ScanBudget;
use crate::insight::pricing::Pricing;
use crate::insight::usage::{CONCURRENCY, read_logs as read_log_lines};

/// Functions whose deploy history is looked up: the ones with failures, worst first.
const DEPLOY_LOOKUPS: usize = 25;
const DAY: i64 = 86_400;

/// The period a digest covers; the period before it has the same length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Window {
    pub fn length(&self) -> Duration {
        self.end - self.start
    }

    pub fn previous_start(&self) -> DateTime<Utc> {
        self.start - self.length()
    }

    /// Whole days in the period, at least one.
    fn days(&self) -> usize {
        usize::try_from((self.length().num_seconds() + DAY - 1) / DAY).unwrap_or(1).max(1)
    }
}

/// What reading AWS cost, for the benchmark and the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reads {
    pub metric_calls: usize,
    pub metric_queries: usize,
    pub log_calls: usize,
    pub log_bytes: u64,
    pub functions_scanned: usize,
    pub functions_unscanned: usize,
    pub deploy_lookups: usize,
}

impl Reads {
    pub fn add(&mut self, other: Reads) {
        self.metric_calls += other.metric_calls;
        self.metric_queries += other.metric_queries;
        self.log_calls += other.log_calls;
        self.log_bytes += other.log_bytes;
        self.functions_scanned += other.functions_scanned;
        self.functions_unscanned += other.functions_unscanned;
        self.deploy_lookups += other.deploy_lookups;
    }
}

/// How the figures are read.
#[derive(Debug, Clone, Copy)]
pub struct Reading {
    pub budget: ScanBudget,
    /// Functions whose logs are read per team, the busiest and most failing first; the rest are counted from
    /// metrics.
    pub max_scans: usize,
}

/// The figures of `functions` in one region.
pub async fn gather(
    config: &aws_config::SdkConfig,
    region: &str,
    functions: &[FunctionFacts],
    window: Window,
    reading: Reading,
    directory: &Directory,
    team_of: &(dyn Fn(&str) -> String + Sync),
) -> Result<(Vec<FunctionWeek>, Reads), (&'static str, AwsFailure)> {
    let mut reads = Reads::default();
    if functions.is_empty() {
        return Ok((vec![], reads));
    }
    let metrics =
        daily_metrics(config, functions, window, &mut reads).await.map_err(|f| ("the functions' metrics", f))?;
    let pricing = Pricing::bundled();
    let mut weeks: Vec<FunctionWeek> = functions
        .iter()
        .zip(metrics)
        .map(|(facts, metrics)| week_from_metrics(facts, region, metrics, window, &pricing, directory))
        .collect();
    let scanned = read_logs(config, &mut weeks, functions, window, reading, team_of, &mut reads).await?;
    reads.functions_scanned = scanned;
    reads.functions_unscanned = weeks.len() - scanned;
    add_deploys(config, &mut weeks, window, team_of, &mut reads).await;
    Ok((weeks, reads))
}

/// One function's metrics: per day of both periods (previous first), and the p95 duration of each period.
struct Metrics {
    invocations: Vec<f64>,
    errors: Vec<f64>,
    throttles: Vec<f64>,
    duration_ms: Vec<f64>,
    p95: [Option<f64>; 2],
}

const DAILY: [(&str, &str); 4] = [("inv", "Invocations"), ("err", "Errors"), ("thr", "Throttles"), ("dur", "Duration")];

async fn daily_metrics(
    config: &aws_config::SdkConfig,
    functions: &[FunctionFacts],
    window: Window,
    reads: &mut Reads,
) -> Result<Vec<Metrics>, AwsFailure> {
    let period = u32::try_from((window.length().num_seconds() + 59) / 60 * 60).unwrap_or(604_800);
    let requests: Vec<MetricRequest> = functions
        .iter()
        .enumerate()
        .flat_map(|(index, facts)| {
            let dimensions = BTreeMap::from([("FunctionName".to_owned(), facts.name.clone())]);
            let daily = DAILY.iter().map({
                let dimensions = dimensions.clone();
                move |(suffix, metric)| MetricRequest {
                    id: format!("f{index}_{suffix}"),
                    namespace: "AWS/Lambda".into(),
                    name: (*metric).into(),
                    dimensions: dimensions.clone(),
                    stat: "Sum".into(),
                    period_seconds: DAY as u32,
                }
            });
            daily.chain(std::iter::once(MetricRequest {
                id: format!("f{index}_p95"),
                namespace: "AWS/Lambda".into(),
                name: "Duration".into(),
                dimensions,
                stat: "p95".into(),
                period_seconds: period,
            }))
        })
        .collect();
    let (answers, calls) = MetricReader::new(config).fetch(&requests, window.previous_start(), window.end).await?;
    reads.metric_calls += calls;
    reads.metric_queries += requests.len();
    let days = window.days() * 2;
    let origin = window.previous_start();
    Ok((0..functions.len())
        .map(|index| {
            let series = |suffix: &str| answers.get(&format!("f{index}_{suffix}"));
            let p95 = series("p95").map(|series| split_p95(series, window)).unwrap_or([None, None]);
            Metrics {
                invocations: bucket(series("inv"), origin, days),
                errors: bucket(series("err"), origin, days),
                throttles: bucket(series("thr"), origin, days),
                duration_ms: bucket(series("dur"), origin, days),
                p95,
            }
        })
        .collect())
}

/// Daily sums from `origin`, one slot per day; CloudWatch stamps a period with its start, perhaps cut to the
/// second, so each point goes to the nearest slot.
fn bucket(series: Option<&Series>, origin: DateTime<Utc>, days: usize) -> Vec<f64> {
    let mut slots = vec![0.0; days];
    for (at, value) in series.into_iter().flatten() {
        let slot = usize::try_from(((*at - origin).num_seconds() + DAY / 2).div_euclid(DAY)).ok();
        if let Some(cell) = slot.and_then(|slot| slots.get_mut(slot)) {
            *cell += value;
        }
    }
    slots
}

fn split_p95(series: &Series, window: Window) -> [Option<f64>; 2] {
    let mut found = [None, None];
    let half = window.length() / 2;
    for (at, value) in series {
        let index = usize::from(*at + half >= window.start);
        found[index] = Some(*value);
    }
    found
}

fn week_from_metrics(
    facts: &FunctionFacts,
    region: &str,
    metrics: Metrics,
    window: Window,
    pricing: &Pricing,
    directory: &Directory,
) -> FunctionWeek {
    let days = window.days();
    let architecture = facts.architecture.as_deref().unwrap_or("x86_64");
    let price = pricing.price(region, architecture);
    let gb = f64::from(facts.memory_mb.unwrap_or(128)) / 1024.0;
    let day_cost = |index: usize| {
        metrics.invocations[index] / 1e6 * price.request_per_million
            + metrics.duration_ms[index] / 1000.0 * gb * price.gb_second
    };
    let period = |range: std::ops::Range<usize>, p95: Option<f64>| Period {
        invocations: sum(&metrics.invocations[range.clone()]),
        errors: sum(&metrics.errors[range.clone()]),
        throttles: sum(&metrics.throttles[range.clone()]),
        duration_p95_ms: p95,
        cost: range.clone().map(day_cost).sum(),
        ..Period::default()
    };
    let daily = (days..2 * days)
        .map(|index| Day {
            day: day_of(window.previous_start() + Duration::days(i64::try_from(index).unwrap_or(0))),
            invocations: metrics.invocations[index].round() as u64,
            errors: metrics.errors[index].round() as u64,
            cost: day_cost(index),
            cold_starts: None,
            logged_invocations: None,
        })
        .collect();
    let owner = directory.owner_named(&facts.name, &BTreeMap::new());
    FunctionWeek {
        function: facts.name.clone(),
        region: region.to_owned(),
        interactive: owner.is_some_and(|owner| owner.interactive),
        memory_mb: facts.memory_mb,
        deploy: None,
        this: period(days..2 * days, metrics.p95[1]),
        last: period(0..days, metrics.p95[0]),
        daily,
        provisioned_month_cost: facts.memory_mb.map(|mb| pricing.provisioned_month(region, architecture, mb)),
    }
}

fn day_of(at: DateTime<Utc>) -> NaiveDate {
    at.date_naive()
}

fn sum(values: &[f64]) -> u64 {
    values.iter().sum::<f64>().round() as u64
}

/// Reads both periods' logs of the busiest functions and completes their figures; returns how many it read.
async fn read_logs(
    config: &aws_config::SdkConfig,
    weeks: &mut [FunctionWeek],
    functions: &[FunctionFacts],
    window: Window,
    reading: Reading,
    team_of: &(dyn Fn(&str) -> String + Sync),
    reads: &mut Reads,
) -> Result<usize, (&'static str, AwsFailure)> {
    let pricing = Pricing::bundled();
    let mut ranked: Vec<usize> =
        (0..weeks.len()).filter(|&i| weeks[i].this.invocations + weeks[i].last.invocations > 0).collect();
    ranked.sort_by_key(|&i| {
        let week = &weeks[i];
        std::cmp::Reverse((week.this.errors + week.this.throttles) * 100 + week.this.invocations)
    });
    let order = per_team(ranked, |i| weeks[i].function.as_str(), team_of, reading.max_scans);
    let budget = reading.budget;
    let reads_wanted: Vec<PeriodRead> = order
        .iter()
        .flat_map(|&index| {
            let name = &functions[index].name;
            [(false, window.previous_start(), window.start), (true, window.start, window.end)].map(
                |(this, start, end)| PeriodRead { index, this, name: name.clone(), start, end, config: config.clone() },
            )
        })
        .collect();
    // Each read owns its config and name: a future that borrows them is not `Send` for every lifetime, which
    // the scheduler's boxed jobs need.
    let folded: Vec<(usize, bool, Folded)> = stream::iter(reads_wanted)
        .map(move |read| async move {
            let mut fold = PeriodFold::new(read.this.then_some(read.start), budget);
            let logs = read_log_lines(&read.config, &read.name, read.start, read.end, budget, |event| fold.push(event));
            (read.index, read.this, logs.await.map(|logs| fold.finish(logs)))
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut summaries: HashMap<(usize, bool), Summary> = HashMap::new();
    for (index, this, result) in folded {
        let folded = result.map_err(|failure| ("the functions' logs", failure))?;
        reads.log_bytes += folded.summary.bytes;
        reads.log_calls += folded.calls;
        if this {
            for (day, (invocations, cold_starts)) in
                weeks[index].daily.iter_mut().zip(folded.daily.iter().chain(std::iter::repeat(&(0, 0))))
            {
                day.logged_invocations = Some(*invocations);
                day.cold_starts = Some(*cold_starts);
            }
        }
        summaries.insert((index, this), folded.summary);
    }
    for &index in &order {
        let architecture = functions[index].architecture.as_deref().unwrap_or("x86_64");
        let price = pricing.price(&weeks[index].region, architecture);
        for this in [false, true] {
            let Some(summary) = summaries.remove(&(index, this)) else { continue };
            let period = if this { &mut weeks[index].this } else { &mut weeks[index].last };
            complete(period, &summary, &price);
        }
    }
    Ok(order.len())
}

/// One period of one function's logs to read.
struct PeriodRead {
    index: usize,
    this: bool,
    name: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    config: aws_config::SdkConfig,
}

/// A period's folded logs.
type Folded = Result<FoldedLogs, AwsFailure>;

struct FoldedLogs {
    summary: Summary,
    /// Per day of the period from `daily_from`: (invocations, cold starts) from its `REPORT` lines.
    daily: Vec<(u64, u64)>,
    calls: usize,
}

/// A period's lines folded as they are read, and each day's apart when `daily_from` says where the days start.
struct PeriodFold {
    period: Scanner,
    days: Vec<Scanner>,
    daily_from: Option<DateTime<Utc>>,
    limits: Limits,
}

impl PeriodFold {
    fn new(daily_from: Option<DateTime<Utc>>, budget: ScanBudget) -> PeriodFold {
        PeriodFold { period: Scanner::new(budget.limits()), days: Vec::new(), daily_from, limits: budget.limits() }
    }

    /// Folds one line; false once the period's budget is spent.
    fn push(&mut self, event: LogEvent<'_>) -> bool {
        if self.period.push(event) == Push::LimitReached {
            return false;
        }
        let Some(from) = self.daily_from else { return true };
        let Ok(day) = usize::try_from((event.timestamp_ms - from.timestamp_millis()).div_euclid(DAY * 1000)) else {
            return true;
        };
        if self.days.len() <= day {
            self.days.resize_with(day + 1, || Scanner::new(self.limits));
        }
        self.days[day].push(event);
        true
    }

    fn finish(self, read: LogRead) -> FoldedLogs {
        let mut summary = self.period.finish();
        summary.truncated |= read.truncated;
        let daily = self
            .days
            .into_iter()
            .map(|day| {
                let reports = day.finish().reports;
                (reports.invocations, reports.cold_starts)
            })
            .collect();
        FoldedLogs { summary, daily, calls: read.calls }
    }
}

/// Adds what only the logs know: timeouts, OOM kills, cold starts, memory, and billed cost.
fn complete(period: &mut Period, summary: &Summary, price: &opspod_commands::cost::Price) {
    let reports = &summary.reports;
    let requests = |count: u64| count as f64 / 1e6 * price.request_per_million;
    period.timeouts = summary.timeouts.count;
    period.oom = summary.out_of_memory.count;
    period.logged_invocations = reports.invocations;
    period.cold_starts = reports.cold_starts;
    period.init_p95_ms = reports.init_ms.as_ref().or(reports.restore_ms.as_ref()).map(|p| p.p95);
    period.memory_high_invocations = reports.memory_high_invocations;
    period.memory_peak_pct = reports.memory_used_pct.as_ref().map(|p| p.max);
    period.retries = reports.retries;
    period.retry_cost = requests(reports.retries) + reports.retry_gb_seconds() * price.gb_second;
    period.failed_cost = requests(reports.failed_invocations) + reports.failed_gb_seconds() * price.gb_second;
    if reports.invocations > 0 && !summary.truncated {
        // Billed duration includes INIT and rounding, which CloudWatch's Duration leaves out.
        period.cost = requests(period.invocations.max(reports.invocations)) + reports.gb_seconds() * price.gb_second;
    }
}

/// The deploy in effect at the end of the period, for the functions that failed, worst first.
async fn add_deploys(
    config: &aws_config::SdkConfig,
    weeks: &mut [FunctionWeek],
    window: Window,
    team_of: &(dyn Fn(&str) -> String + Sync),
    reads: &mut Reads,
) {
    let mut failing: Vec<usize> =
        (0..weeks.len()).filter(|&i| weeks[i].this.errors + weeks[i].this.timeouts > 0).collect();
    failing.sort_by_key(|&i| std::cmp::Reverse(weeks[i].this.errors + weeks[i].this.timeouts));
    let failing = per_team(failing, |i| weeks[i].function.as_str(), team_of, DEPLOY_LOOKUPS);
    let reader = FunctionReader::new(config);
    for index in failing {
        reads.deploy_lookups += 1;
        match reader.facts(&weeks[index].function, window.end).await {
            Ok(Some(facts)) => {
                weeks[index].deploy = facts.deploy.map(|deploy| DeployFact {
                    previous: previous_version(&deploy.version),
                    version: deploy.version,
                    at: deploy.deployed_at,
                })
            }
            Ok(None) => {}
            Err(failure) => failure.log("the deploy history for the digest"),
        }
    }
}

/// The first `cap` of `ranked` for each team, in rank order: one team's many functions do not crowd out another's.
fn per_team<'a>(
    ranked: Vec<usize>,
    name: impl Fn(usize) -> &'a str,
    team_of: &(dyn Fn(&str) -> String + Sync),
    cap: usize,
) -> Vec<usize> {
    let mut taken: HashMap<String, usize> = HashMap::new();
    ranked
        .into_iter()
        .filter(|&index| {
            let count = taken.entry(team_of(name(index))).or_default();
            *count += 1;
            *count <= cap
        })
        .collect()
}

/// `42` → `41`: published versions count up by one.
fn previous_version(version: &str) -> Option<String> {
    let number: u64 = version.parse().ok()?;
    (number > 1).then(|| (number - 1).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn daily_points_land_in_their_day_even_when_stamped_a_second_early() {
        let origin = at("2026-11-09T09:00:00Z");
        let series = vec![
            (at("2026-11-09T09:00:00Z"), 3.0),
            (at("2026-11-10T08:59:59Z"), 4.0),
            (at("2026-11-22T09:00:00Z"), 5.0),
        ];
        assert_eq!(
            bucket(Some(&series), origin, 14),
            [3.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 5.0]
        );
    }

    #[test]
    fn the_p95_of_each_period_is_told_apart() {
        let window = Window { start: at("2026-11-16T09:00:00Z"), end: at("2026-11-23T09:00:00Z") };
        let series = vec![(at("2026-11-09T09:00:00Z"), 800.0), (at("2026-11-16T09:00:00Z"), 1200.0)];
        assert_eq!(split_p95(&series, window), [Some(800.0), Some(1200.0)]);
    }

    #[test]
    fn the_previous_version_is_one_less_and_latest_has_none() {
        assert_eq!(previous_version("42").as_deref(), Some("41"));
        assert_eq!(previous_version("1"), None);
        assert_eq!(previous_version("$LATEST"), None);
    }
}

//! One function's usage over a window: totals from CloudWatch metrics, and its logs folded into a summary.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt};

use crate::aws::Scope;
use crate::aws::failure::AwsFailure;
use crate::aws::lambda::FunctionReader;
use crate::aws::logs::{LogReader, ScanLimits};
use crate::aws::metrics::{MetricReader, MetricRequest, Series};
use crate::domain::logs::{Limits, LogEvent, Summary, summarize};

/// Functions whose logs are read at the same time.
const CONCURRENCY: usize = 8;

/// How much of one function's logs a command may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanBudget {
    pub max_events: usize,
    pub max_bytes: usize,
    pub max_time: Duration,
}

impl Default for ScanBudget {
    fn default() -> Self {
        ScanBudget { max_events: 200_000, max_bytes: 64 * 1024 * 1024, max_time: Duration::from_secs(20) }
    }
}

/// A function's folded logs and whether its log group was missing, or why they could not be read.
type Scan = Result<(Summary, bool), AwsFailure>;

/// Totals from the function's CloudWatch metrics over the window.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MetricTotals {
    pub invocations: u64,
    pub errors: u64,
    pub throttles: u64,
}

#[derive(Debug, Clone)]
pub struct FunctionUsage {
    pub function: String,
    pub region: String,
    pub account: Option<String>,
    /// False when a named function turned out not to exist.
    pub exists: bool,
    pub metrics: MetricTotals,
    /// The folded logs; empty when they were not scanned.
    pub logs: Summary,
    pub scanned: bool,
}

/// The usage of `names` in `scope` between `start` and `end`: metrics for all, logs for all when `scan_all`,
/// else for the `top` functions with the most failures.
#[expect(clippy::too_many_arguments, reason = "one call site; a struct would only rename these")]
pub async fn gather(
    config: &aws_config::SdkConfig,
    scope: &Scope,
    names: &[String],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    budget: ScanBudget,
    scan_all: bool,
    top: usize,
) -> Result<Vec<FunctionUsage>, (&'static str, AwsFailure)> {
    if names.is_empty() {
        return Ok(vec![]);
    }
    let totals = totals(config, names, start, end).await.map_err(|failure| ("the functions' metrics", failure))?;
    let mut by_failures: Vec<usize> = (0..names.len()).collect();
    by_failures.sort_by_key(|&i| std::cmp::Reverse(totals[i].errors + totals[i].throttles));
    let scanned: Vec<usize> =
        if scan_all { (0..names.len()).collect() } else { by_failures.into_iter().take(top).collect() };
    let reader = LogReader::new(config);
    let limits = ScanLimits { max_events: budget.max_events, max_bytes: budget.max_bytes, max_time: budget.max_time };
    let scans: Vec<(usize, Scan)> = stream::iter(scanned.clone())
        .map(|index| {
            let reader = reader.clone();
            let group = format!("/aws/lambda/{}", names[index]);
            async move {
                let scanned = reader.scan(&group, start, end, limits).await;
                (index, scanned.map(|scanned| (summary_of(&scanned, budget), scanned.missing)))
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut logs: BTreeMap<usize, (Summary, bool)> = BTreeMap::new();
    for (index, scan) in scans {
        logs.insert(index, scan.map_err(|failure| ("the functions' logs", failure))?);
    }
    let mut usages = Vec::with_capacity(names.len());
    for (index, name) in names.iter().enumerate() {
        let (summary, missing) = logs.remove(&index).unwrap_or_else(|| (empty(budget), false));
        let exists = if scan_all && names.len() == 1 && missing && totals[index] == MetricTotals::default() {
            FunctionReader::new(config).facts(name, end).await.map_err(|f| ("the function", f))?.is_some()
        } else {
            true
        };
        usages.push(FunctionUsage {
            function: name.clone(),
            region: scope.region.clone(),
            account: scope.account.clone(),
            exists,
            metrics: totals[index],
            logs: summary,
            scanned: scanned.contains(&index),
        });
    }
    Ok(usages)
}

/// Invocations, Errors and Throttles for every function, in calls of up to 500 queries, one period each.
async fn totals(
    config: &aws_config::SdkConfig,
    names: &[String],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<MetricTotals>, AwsFailure> {
    let seconds = (end - start).num_seconds().max(60);
    let period = u32::try_from((seconds + 59) / 60 * 60).unwrap_or(u32::MAX / 60 * 60);
    let requests: Vec<MetricRequest> = names
        .iter()
        .enumerate()
        .flat_map(|(index, name)| {
            [("inv", "Invocations"), ("err", "Errors"), ("thr", "Throttles")].map(|(suffix, metric)| MetricRequest {
                id: format!("f{index}_{suffix}"),
                namespace: "AWS/Lambda".into(),
                name: metric.into(),
                dimensions: BTreeMap::from([("FunctionName".into(), name.clone())]),
                stat: "Sum".into(),
                period_seconds: period,
            })
        })
        .collect();
    let (answers, _) = MetricReader::new(config).fetch(&requests, start, end).await?;
    let sum = |index: usize, suffix: &str| -> u64 {
        let series: Option<&Series> = answers.get(&format!("f{index}_{suffix}"));
        series.map_or(0.0, |series| series.iter().map(|(_, value)| value).sum::<f64>()).round() as u64
    };
    Ok((0..names.len())
        .map(|index| MetricTotals {
            invocations: sum(index, "inv"),
            errors: sum(index, "err"),
            throttles: sum(index, "thr"),
        })
        .collect())
}

fn summary_of(scanned: &crate::aws::logs::Scanned, budget: ScanBudget) -> Summary {
    let events = scanned
        .events
        .iter()
        .map(|line| LogEvent::new(line.at.timestamp_millis(), &line.message).in_stream(&line.stream));
    let mut summary = summarize(events, limits(budget));
    summary.truncated |= scanned.truncated;
    summary
}

fn empty(budget: ScanBudget) -> Summary {
    summarize(std::iter::empty(), limits(budget))
}

fn limits(budget: ScanBudget) -> Limits {
    Limits { max_events: budget.max_events as u64, max_bytes: budget.max_bytes as u64 }
}

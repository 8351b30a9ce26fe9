//! One function's usage over a window: totals from CloudWatch metrics, and its logs folded into a summary.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt};

use crate::aws::Scope;
use crate::aws::failure::AwsFailure;
use crate::aws::insights::InsightsReader;
use crate::aws::lambda::FunctionReader;
use crate::aws::logs::{LogRead, LogReader, ScanLimits};
use crate::aws::metrics::{MetricReader, MetricRequest, Series};
use crate::domain::logs::{Limits, LogEvent, Push, Scanner, Summary, summarize};

/// Functions whose logs are read at the same time. Neither engine holds many lines: a `FilterLogEvents` read folds
/// each page as it arrives, and Logs Insights returns 10,000 lines at most.
pub(crate) const CONCURRENCY: usize = 8;

/// How much of one function's logs a command may read, and through which API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanBudget {
    pub max_events: usize,
    pub max_bytes: usize,
    pub max_time: Duration,
    /// Logs Insights filters server-side (10,000 lines at most per function); otherwise `FilterLogEvents`.
    pub insights: bool,
}

impl Default for ScanBudget {
    fn default() -> Self {
        ScanBudget {
            max_events: 200_000,
            max_bytes: 64 * 1024 * 1024,
            max_time: Duration::from_secs(20),
            insights: true,
        }
    }
}

impl ScanBudget {
    /// The budget's bounds for a `FilterLogEvents` read.
    pub(crate) fn scan_limits(self) -> ScanLimits {
        ScanLimits { max_events: self.max_events, max_bytes: self.max_bytes, max_time: self.max_time }
    }

    /// The budget's bounds for the fold of what was read.
    pub(crate) fn limits(self) -> Limits {
        self.scan_limits().for_fold()
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
    let scans: Vec<(usize, Scan)> = stream::iter(scanned.clone())
        .map(|index| async move {
            let summarized = summarize_logs(config, &names[index], start, end, budget).await;
            (index, summarized.map(|(summary, read)| (summary, read.missing)))
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

/// Each function's billed-duration driver (CloudWatch `Duration` Sum, in ms) per window of the given length,
/// for the `windows` windows before `end` and the one ending at `end`, oldest first; a window without data is 0.
pub async fn duration_history(
    config: &aws_config::SdkConfig,
    names: &[String],
    window: chrono::Duration,
    windows: i32,
    end: DateTime<Utc>,
) -> Result<Vec<Vec<f64>>, AwsFailure> {
    let seconds = window.num_seconds().max(60);
    let period = u32::try_from((seconds + 59) / 60 * 60).unwrap_or(u32::MAX / 60 * 60);
    let start = end - chrono::Duration::seconds(i64::from(period)) * (windows + 1);
    let requests: Vec<MetricRequest> = names
        .iter()
        .enumerate()
        .map(|(index, name)| MetricRequest {
            id: format!("d{index}"),
            namespace: "AWS/Lambda".into(),
            name: "Duration".into(),
            dimensions: BTreeMap::from([("FunctionName".into(), name.clone())]),
            stat: "Sum".into(),
            period_seconds: period,
        })
        .collect();
    let (answers, _) = MetricReader::new(config).fetch(&requests, start, end).await?;
    // CloudWatch stamps each period with its start, which may be cut to whole seconds: round to the nearest.
    let period_secs = i64::from(period);
    let slot = |at: DateTime<Utc>| usize::try_from(((at - start).num_seconds() + period_secs / 2) / period_secs).ok();
    Ok((0..names.len())
        .map(|index| {
            let mut values = vec![0.0; usize::try_from(windows + 1).unwrap_or(1)];
            for (at, value) in answers.get(&format!("d{index}")).into_iter().flatten() {
                if let Some(cell) = slot(*at).and_then(|slot| values.get_mut(slot)) {
                    *cell += value;
                }
            }
            values
        })
        .collect())
}

/// "×3.4 its usual" when the last window is at least twice the median of the windows before it; a function
/// without history (a median of 0) is new, not anomalous.
pub fn anomaly(history: &[f64]) -> Option<f64> {
    let (current, before) = history.split_last()?;
    let mut before = before.to_vec();
    before.sort_by(f64::total_cmp);
    let median = *before.get(before.len() / 2)?;
    (median > 0.0 && *current >= 2.0 * median).then(|| current / median)
}

/// Reads one function's log lines over `[start, end)` with the budget's engine and hands each to `each`, oldest
/// first, until it returns false. A `FilterLogEvents` read keeps no line; Logs Insights returns its (at most
/// 10,000) lines at once.
pub(crate) async fn read_logs(
    config: &aws_config::SdkConfig,
    function: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    budget: ScanBudget,
    mut each: impl FnMut(LogEvent<'_>) -> bool,
) -> Result<LogRead, AwsFailure> {
    let group = format!("/aws/lambda/{function}");
    if !budget.insights {
        return LogReader::new(config).scan_each(&group, start, end, budget.scan_limits(), each).await;
    }
    let scanned = InsightsReader::new(config).lines(&group, start, end, budget.max_time).await?;
    let mut read = scanned.read;
    for line in &scanned.events {
        if !each(LogEvent::new(line.at.timestamp_millis(), &line.message).in_stream(&line.stream)) {
            read.truncated = true;
            break;
        }
    }
    Ok(read)
}

/// One function's logs over `[start, end)`, folded into a summary as they are read, and what the read came to.
pub(crate) async fn summarize_logs(
    config: &aws_config::SdkConfig,
    function: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    budget: ScanBudget,
) -> Result<(Summary, LogRead), AwsFailure> {
    let mut scanner = Scanner::new(budget.limits());
    let read = read_logs(config, function, start, end, budget, |event| scanner.push(event) == Push::Accepted).await?;
    let mut summary = scanner.finish();
    summary.truncated |= read.truncated;
    Ok((summary, read))
}

fn empty(budget: ScanBudget) -> Summary {
    summarize(std::iter::empty(), budget.limits())
}

#[cfg(test)]
mod tests {
    use super::anomaly;

    #[test]
    fn a_window_at_twice_the_usual_or_more_is_an_anomaly_and_a_new_function_is_not() {
        assert_eq!(anomaly(&[10.0, 12.0, 11.0, 40.0]), Some(40.0 / 11.0));
        assert_eq!(anomaly(&[10.0, 12.0, 11.0, 20.0]), None);
        assert_eq!(anomaly(&[0.0, 0.0, 0.0, 50.0]), None);
        assert_eq!(anomaly(&[]), None);
    }
}

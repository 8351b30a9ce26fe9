//! Which metrics a burst of incidents needs, as one list of `GetMetricData` queries, and what the answers mean.
//!
//! Every function of the burst gets the same eight statistics over the window before its alarm; every alarm gets
//! its own metric over the chart's span. The whole list goes to CloudWatch in calls of up to 500 queries.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, DurationRound, Utc};

use crate::aws::metrics::{MetricRequest, Series};
use crate::domain::context::{LambdaStats, MetricSeries};
use crate::domain::{AlarmChange, MetricQuery};

/// The window before the transition that a function's numbers describe.
pub const STATS_WINDOW: Duration = Duration::minutes(15);

/// How far back the chart reaches before the transition, and how far after it.
pub const CHART_BEFORE: Duration = Duration::hours(3);
pub const CHART_AFTER: Duration = Duration::minutes(30);

/// The Lambda statistics every function in a burst is asked for: (id suffix, metric, statistic).
pub const LAMBDA_STATS: [(&str, &str, &str); 8] = [
    ("inv", "Invocations", "Sum"),
    ("err", "Errors", "Sum"),
    ("thr", "Throttles", "Sum"),
    ("davg", "Duration", "Average"),
    ("dp50", "Duration", "p50"),
    ("dp95", "Duration", "p95"),
    ("dmax", "Duration", "Maximum"),
    ("conc", "ConcurrentExecutions", "Maximum"),
];

/// The minute-aligned window of `STATS_WINDOW` that ends with the minute of `at`.
pub fn stats_window(at: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let end = at.duration_trunc(Duration::minutes(1)).unwrap_or(at) + Duration::minutes(1);
    (end - STATS_WINDOW, end)
}

/// The eight queries for `function`, numbered `index` within the burst; one period covers the whole window.
pub fn function_queries(index: usize, function: &str) -> Vec<MetricRequest> {
    LAMBDA_STATS
        .iter()
        .map(|(suffix, name, stat)| MetricRequest {
            id: format!("f{index}_{suffix}"),
            namespace: "AWS/Lambda".into(),
            name: (*name).into(),
            dimensions: BTreeMap::from([("FunctionName".into(), function.to_owned())]),
            stat: (*stat).into(),
            period_seconds: u32::try_from(STATS_WINDOW.num_seconds()).unwrap_or(900),
        })
        .collect()
}

/// The statistics of function `index` from the answers: sums add up, and the others take the worst period
/// (there is normally one, since a period spans the window).
pub fn function_stats(index: usize, answers: &HashMap<String, Series>) -> Option<LambdaStats> {
    let value = |suffix: &str| -> Option<f64> {
        let series = answers.get(&format!("f{index}_{suffix}")).filter(|series| !series.is_empty())?;
        let values = series.iter().map(|(_, value)| *value);
        Some(if suffix_is_sum(suffix) { values.sum() } else { values.fold(f64::MIN, f64::max) })
    };
    let invocations = value("inv");
    let errors = value("err");
    if invocations.is_none() && errors.is_none() && value("dmax").is_none() {
        return None;
    }
    Some(LambdaStats {
        window_minutes: u32::try_from(STATS_WINDOW.num_minutes()).unwrap_or(15),
        invocations: invocations.unwrap_or(0.0),
        errors: errors.unwrap_or(0.0),
        throttles: value("thr").unwrap_or(0.0),
        duration_avg_ms: value("davg"),
        duration_p95_ms: value("dp95"),
        duration_max_ms: value("dmax"),
        concurrency_max: value("conc"),
    })
}

fn suffix_is_sum(suffix: &str) -> bool {
    matches!(suffix, "inv" | "err" | "thr")
}

/// The query for the metric an alarm watches, when it is a plain metric (math alarms have no single one).
pub fn alarm_query(index: usize, alarm: &AlarmChange) -> Option<MetricRequest> {
    let shown: &MetricQuery = alarm.metrics.iter().find(|metric| metric.return_data && metric.name.is_some())?;
    Some(MetricRequest {
        id: format!("a{index}"),
        namespace: shown.namespace.clone()?,
        name: shown.name.clone()?,
        dimensions: shown.dimensions.clone(),
        stat: shown.stat.clone().unwrap_or_else(|| "Average".into()),
        period_seconds: shown.period_seconds.unwrap_or(60).max(60),
    })
}

/// The alarm's metric for the chart, labelled like "checkout-api · Errors (Sum, 1 min)".
pub fn alarm_series(
    index: usize,
    alarm: &AlarmChange,
    request: &MetricRequest,
    answers: &HashMap<String, Series>,
) -> Option<MetricSeries> {
    let points = answers.get(&format!("a{index}"))?.clone();
    let period = if request.period_seconds.is_multiple_of(60) {
        format!("{} min", request.period_seconds / 60)
    } else {
        format!("{} s", request.period_seconds)
    };
    Some(MetricSeries {
        label: format!("{} · {} ({}, {period})", alarm.resource.name, request.name, request.stat),
        points,
        threshold: alarm.state.threshold,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(time: &str) -> DateTime<Utc> {
        format!("2026-11-20T{time}Z").parse().unwrap()
    }

    #[test]
    fn the_window_ends_with_the_minute_of_the_transition() {
        assert_eq!(stats_window(at("14:02:11")), (at("13:48:00"), at("14:03:00")));
    }

    #[test]
    fn eight_queries_per_function_with_ids_unique_in_the_burst() {
        let first = function_queries(0, "checkout-api");
        let second = function_queries(1, "search-api");
        assert_eq!(first.len(), 8);
        let mut ids: Vec<&str> = first.iter().chain(&second).map(|request| request.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 16);
        assert!(first.iter().all(|request| request.dimensions["FunctionName"] == "checkout-api"));
    }

    #[test]
    fn sums_add_up_periods_and_other_statistics_take_the_worst() {
        let answers = HashMap::from([
            ("f0_inv".to_owned(), vec![(at("14:00:00"), 60.0), (at("14:01:00"), 30.0)]),
            ("f0_err".to_owned(), vec![(at("14:00:00"), 37.0)]),
            ("f0_dp95".to_owned(), vec![(at("14:00:00"), 900.0), (at("14:01:00"), 1800.0)]),
        ]);
        let stats = function_stats(0, &answers).expect("stats");
        assert_eq!((stats.invocations, stats.errors, stats.throttles), (90.0, 37.0, 0.0));
        assert_eq!(stats.duration_p95_ms, Some(1800.0));
        assert_eq!(function_stats(1, &answers), None);
    }
}

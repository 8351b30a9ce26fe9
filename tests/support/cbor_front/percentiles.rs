//! Percentile statistics for GetMetricData, answered from the values the front forwarded to moto.
//!
//! moto 5.2.5 answers Sum, Average, Minimum, Maximum and SampleCount but fails on `pNN`. The front keeps every
//! value moto accepted through PutMetricData (`Value`, or `Values` repeated by `Counts`; `StatisticValues` carry
//! no values and are skipped) and computes nearest-rank percentiles per period. Buckets are moto's own, so a
//! percentile and a Sum from one request line up: they start at StartTime truncated to the second and step by
//! Period, and hold the values with StartTime <= timestamp < EndTime. (AWS aligns buckets to the period instead.)
//! Unlike moto, a query without dimensions matches only values put without dimensions, as on AWS.

use std::collections::BTreeMap;

use serde_json::{Value, json};

/// One value as PutMetricData sent it.
struct Point {
    namespace: String,
    name: String,
    dimensions: BTreeMap<String, String>,
    unit: Option<String>,
    timestamp: f64,
    value: f64,
}

#[derive(Default)]
pub(super) struct Recorder {
    points: Vec<Point>,
}

/// The time range and order of one GetMetricData request.
pub(super) struct Window {
    start: f64,
    end: f64,
    descending: bool,
}

impl Window {
    pub(super) fn of(request: &Value) -> Window {
        Window {
            start: request["StartTime"].as_f64().unwrap_or(0.0).floor(),
            end: request["EndTime"].as_f64().unwrap_or(0.0).floor(),
            descending: request["ScanBy"].as_str() != Some("TimestampAscending"),
        }
    }
}

/// The percentile a statistic names (`p95`, `p99.9`), if it names one.
fn percentile(stat: &str) -> Option<f64> {
    let p: f64 = stat.strip_prefix('p')?.parse().ok()?;
    (0.0..=100.0).contains(&p).then_some(p)
}

pub(super) fn is_percentile_query(query: &Value) -> bool {
    query["MetricStat"]["Stat"].as_str().and_then(percentile).is_some()
}

/// The answer for a query nothing answered: empty and complete, as moto answers a math expression.
pub(super) fn empty_result(query: &Value) -> Value {
    let label = query["Label"].as_str().or(query["Id"].as_str()).unwrap_or_default();
    json!({"Id": query["Id"], "Label": label, "Timestamps": [], "Values": [], "StatusCode": "Complete"})
}

impl Recorder {
    /// Keeps the values of a PutMetricData request moto accepted; `now` stands in for missing timestamps.
    pub(super) fn record(&mut self, request: &Value, now: f64) {
        let namespace = request["Namespace"].as_str().unwrap_or_default();
        for datum in request["MetricData"].as_array().into_iter().flatten() {
            for value in values(datum) {
                self.points.push(Point {
                    namespace: namespace.to_owned(),
                    name: datum["MetricName"].as_str().unwrap_or_default().to_owned(),
                    dimensions: dimensions(&datum["Dimensions"]),
                    unit: datum["Unit"].as_str().map(str::to_owned),
                    timestamp: datum["Timestamp"].as_f64().unwrap_or(now),
                    value,
                });
            }
        }
    }

    /// The MetricDataResult for one percentile MetricStat query.
    pub(super) fn answer(&self, query: &Value, window: &Window) -> Value {
        let stat = &query["MetricStat"];
        let metric = &stat["Metric"];
        let statistic = stat["Stat"].as_str().unwrap_or_default();
        let p = percentile(statistic).expect("a percentile query");
        let period = stat["Period"].as_f64().unwrap_or(60.0).max(1.0);
        let (namespace, name) = (metric["Namespace"].as_str(), metric["MetricName"].as_str().unwrap_or_default());
        let wanted = dimensions(&metric["Dimensions"]);
        let unit = stat["Unit"].as_str();
        let mut buckets: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
        for point in &self.points {
            let same_metric = Some(point.namespace.as_str()) == namespace && point.name == name;
            let same_unit = unit.is_none_or(|u| point.unit.as_deref() == Some(u));
            let inside = window.start <= point.timestamp && point.timestamp < window.end;
            if same_metric && point.dimensions == wanted && same_unit && inside {
                let bucket = ((point.timestamp - window.start) / period).floor() as i64;
                buckets.entry(bucket).or_default().push(point.value);
            }
        }
        let mut rows: Vec<(i64, f64)> = buckets
            .into_iter()
            .map(|(bucket, mut values)| {
                values.sort_by(f64::total_cmp);
                ((window.start + bucket as f64 * period) as i64, nearest_rank(&values, p))
            })
            .collect();
        if window.descending {
            rows.reverse();
        }
        let label = query["Label"].as_str().map(str::to_owned).unwrap_or_else(|| format!("{name} {statistic}"));
        json!({
            "Id": query["Id"],
            "Label": label,
            "Timestamps": rows.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
            "Values": rows.iter().map(|(_, v)| *v).collect::<Vec<_>>(),
            "StatusCode": "Complete",
        })
    }
}

/// The value at rank ⌈p/100 × n⌉ (at least 1) of `sorted`.
fn nearest_rank(sorted: &[f64], p: f64) -> f64 {
    let rank = (p / 100.0 * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

/// A datum's values: `Values` each repeated `Counts` times, else `Value`, as CloudWatch reads them.
fn values(datum: &Value) -> Vec<f64> {
    let Some(values) = datum["Values"].as_array().filter(|v| !v.is_empty()) else {
        return datum["Value"].as_f64().into_iter().collect();
    };
    let counts = datum["Counts"].as_array();
    values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            let count = counts.and_then(|c| c.get(i)).and_then(Value::as_f64).unwrap_or(1.0);
            Some(std::iter::repeat_n(v.as_f64()?, count.round().max(0.0) as usize))
        })
        .flatten()
        .collect()
}

fn dimensions(list: &Value) -> BTreeMap<String, String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| Some((d["Name"].as_str()?.to_owned(), d["Value"].as_str()?.to_owned())))
        .collect()
}

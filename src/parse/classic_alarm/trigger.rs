//! An SNS alarm notification's `Trigger`: one metric with `{name, value}` dimensions, or a `Metrics` array.

use std::collections::BTreeMap;

use crate::domain::{Comparison, MetricQuery, SafeText};
use crate::parse::node::Node;
use crate::parse::rejection::Rejection;

/// What the alarm compares, and how.
#[derive(Default)]
pub(super) struct Trigger {
    pub(super) metrics: Vec<MetricQuery>,
    pub(super) threshold: Option<f64>,
    pub(super) comparison: Option<Comparison>,
    /// Anomaly detection alarms compare with a band named by `ThresholdMetricId` instead of a threshold.
    pub(super) threshold_metric_id: bool,
}

/// The id EventBridge gives a single-metric alarm's only query has no SNS counterpart; any stable id does.
const SINGLE_METRIC_ID: &str = "m1";

pub(super) fn parse(node: &Node) -> Result<Trigger, Rejection> {
    let metrics = match node.opt("Metrics")? {
        Some(metrics) => metrics.items()?.iter().map(query).collect::<Result<_, _>>()?,
        None if node.opt("MetricName")?.is_some() => vec![single_metric(node)?],
        None => Vec::new(),
    };
    Ok(Trigger {
        metrics,
        threshold: node.opt("Threshold")?.map(|threshold| threshold.as_f64()).transpose()?,
        comparison: node.opt_str("ComparisonOperator")?.and_then(Comparison::from_operator),
        threshold_metric_id: node.opt_str("ThresholdMetricId")?.is_some_and(|id| !id.is_empty()),
    })
}

fn single_metric(node: &Node) -> Result<MetricQuery, Rejection> {
    let stat = match node.opt_str("ExtendedStatistic")?.filter(|stat| !stat.is_empty()) {
        Some(percentile) => Some(percentile.to_owned()),
        None => node.opt_str("Statistic")?.map(statistic),
    };
    Ok(MetricQuery {
        id: SINGLE_METRIC_ID.to_owned(),
        namespace: owned(node.opt_str("Namespace")?),
        name: owned(node.opt_str("MetricName")?),
        dimensions: dimensions(node)?,
        stat,
        period_seconds: node.opt("Period")?.map(|period| period.as_u32()).transpose()?,
        expression: None,
        label: None,
        return_data: true,
    })
}

/// One `Metrics[]` entry, spelled as the CloudWatch API spells it: `Id`, `Expression`, `Label`, `ReturnData`,
/// `MetricStat { Metric { Namespace, MetricName, Dimensions }, Period, Stat }`.
fn query(node: &Node) -> Result<MetricQuery, Rejection> {
    let mut query = MetricQuery {
        id: node.str("Id")?.to_owned(),
        namespace: None,
        name: None,
        dimensions: BTreeMap::new(),
        stat: None,
        period_seconds: node.opt("Period")?.map(|period| period.as_u32()).transpose()?,
        expression: owned(node.opt_str("Expression")?),
        label: node.opt_str("Label")?.map(SafeText::from_untrusted),
        return_data: node.opt("ReturnData")?.map(|flag| flag.as_bool()).transpose()?.unwrap_or(true),
    };
    if let Some(stat) = node.opt("MetricStat")? {
        query.stat = owned(stat.opt_str("Stat")?);
        query.period_seconds = stat.opt("Period")?.map(|period| period.as_u32()).transpose()?.or(query.period_seconds);
        if let Some(metric) = stat.opt("Metric")? {
            query.namespace = owned(metric.opt_str("Namespace")?);
            query.name = owned(metric.opt_str("MetricName")?);
            query.dimensions = dimensions(&metric)?;
        }
    }
    Ok(query)
}

/// `[{"name": "FunctionName", "value": "checkout-api"}]`; the API's capitalised keys are accepted too.
fn dimensions(node: &Node) -> Result<BTreeMap<String, String>, Rejection> {
    let Some(dimensions) = node.opt("Dimensions")? else { return Ok(BTreeMap::new()) };
    let pair = |dimension: &Node| -> Result<(String, String), Rejection> {
        let name = dimension.opt_str("Name")?.map_or_else(|| dimension.str("name"), Ok)?;
        let value = dimension.opt_str("Value")?.map_or_else(|| dimension.str("value"), Ok)?;
        Ok((name.to_owned(), value.to_owned()))
    };
    dimensions.items()?.iter().map(pair).collect()
}

/// SNS writes statistics in capitals (`SUM`, `SAMPLE_COUNT`); EventBridge and the metrics API want `Sum`.
fn statistic(raw: &str) -> String {
    let known = match raw.to_ascii_uppercase().as_str() {
        "SUM" => "Sum",
        "AVERAGE" => "Average",
        "MAXIMUM" => "Maximum",
        "MINIMUM" => "Minimum",
        "SAMPLE_COUNT" | "SAMPLECOUNT" => "SampleCount",
        _ => return raw.to_owned(),
    };
    known.to_owned()
}

fn owned(text: Option<&str>) -> Option<String> {
    text.map(str::to_owned)
}

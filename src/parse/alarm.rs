//! "CloudWatch Alarm State Change" events: metric, metric math, anomaly detection and composite alarms.

use std::collections::BTreeMap;

use serde_json::Value;

use super::dimensions::{Place, resource_of};
use super::envelope::Envelope;
use super::node::Node;
use super::rejection::Rejection;
use super::time::timestamp;
use crate::domain::{AlarmChange, AlarmKind, AlarmState, Comparison, MetricQuery, SafeText, StateValue};

pub(super) const STATE_VALUES: [&str; 3] = ["OK", "ALARM", "INSUFFICIENT_DATA"];

/// The function CloudWatch uses for anomaly detection alarms; its presence is the only sign of the kind.
pub(super) const ANOMALY_BAND: &str = "ANOMALY_DETECTION_BAND";

/// The parts of `detail.configuration` opspod keeps; suppressor settings and the like are ignored.
#[derive(Default)]
struct Configuration {
    description: Option<SafeText>,
    metrics: Vec<MetricQuery>,
    alarm_rule: Option<SafeText>,
}

/// What opspod reads out of `reasonData`, which is a JSON document inside a string.
#[derive(Default)]
pub(super) struct ReasonData {
    pub(super) threshold: Option<f64>,
    pub(super) recent_datapoints: Vec<f64>,
    /// Composite alarms list the children that fired.
    names_triggering_alarms: bool,
}

pub(super) fn parse(envelope: &Envelope) -> Result<AlarmChange, Rejection> {
    let detail = &envelope.detail;
    let name = detail.str("alarmName")?;
    let configuration = detail.opt("configuration")?.map(|node| configuration(&node)).transpose()?.unwrap_or_default();
    let state = alarm_state(&detail.field("state")?)?;
    let previous = detail.opt("previousState")?.map(|node| alarm_state(&node)).transpose()?;
    let kind = kind_of(&configuration, &state);
    let place = Place { region: envelope.region, account: envelope.account };
    Ok(AlarmChange {
        arn: arn(envelope, name),
        name: SafeText::from_untrusted(name),
        description: configuration.description,
        kind,
        comparison: comparison(kind, &state, previous.as_ref()),
        resource: resource_of(name, &configuration.metrics, place),
        metrics: configuration.metrics,
        alarm_rule: configuration.alarm_rule,
        state,
        previous,
    })
}

/// EventBridge puts the alarm ARN in `resources`; replays built by hand sometimes leave it out.
fn arn(envelope: &Envelope, name: &str) -> String {
    match envelope.resources.first() {
        Some(arn) if arn.starts_with("arn:") => (*arn).to_owned(),
        _ => format!("arn:aws:cloudwatch:{}:{}:alarm:{name}", envelope.region, envelope.account),
    }
}

fn configuration(node: &Node) -> Result<Configuration, Rejection> {
    let untrusted = |text: Option<&str>| text.filter(|text| !text.is_empty()).map(SafeText::from_untrusted);
    let metrics = match node.opt("metrics")? {
        Some(metrics) => metrics.items()?.iter().map(metric).collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    Ok(Configuration {
        description: untrusted(node.opt_str("description")?),
        metrics,
        alarm_rule: untrusted(node.opt_str("alarmRule")?),
    })
}

/// One `metrics[]` entry: a `metricStat`, an `expression`, or (in metric math) either, with a label.
fn metric(node: &Node) -> Result<MetricQuery, Rejection> {
    let mut query = MetricQuery {
        id: node.str("id")?.to_owned(),
        namespace: None,
        name: None,
        dimensions: BTreeMap::new(),
        stat: None,
        period_seconds: None,
        expression: owned(node.opt_str("expression")?),
        label: node.opt_str("label")?.map(SafeText::from_untrusted),
        // CloudWatch's API defaults `ReturnData` to true, and single-metric events often omit it.
        return_data: node.opt("returnData")?.map(|flag| flag.as_bool()).transpose()?.unwrap_or(true),
    };
    if let Some(stat) = node.opt("metricStat")? {
        read_metric_stat(&stat, &mut query)?;
    }
    Ok(query)
}

fn read_metric_stat(stat: &Node, query: &mut MetricQuery) -> Result<(), Rejection> {
    query.stat = owned(stat.opt_str("stat")?);
    query.period_seconds = stat.opt("period")?.map(|period| period.as_u32()).transpose()?;
    let Some(metric) = stat.opt("metric")? else { return Ok(()) };
    query.namespace = owned(metric.opt_str("namespace")?);
    query.name = owned(metric.opt_str("name")?);
    if let Some(dimensions) = metric.opt("dimensions")? {
        let pairs = dimensions.string_map()?.into_iter();
        query.dimensions = pairs.map(|(name, value)| (name.to_owned(), value.to_owned())).collect();
    }
    Ok(())
}

fn owned(text: Option<&str>) -> Option<String> {
    text.map(str::to_owned)
}

fn alarm_state(node: &Node) -> Result<AlarmState, Rejection> {
    let reason_data = node.opt_str("reasonData")?;
    let read = reason_data.map(read_reason_data).unwrap_or_default();
    Ok(AlarmState {
        value: node.field("value")?.as_enum(StateValue::parse, &STATE_VALUES)?,
        reason: SafeText::from_untrusted(node.opt_str("reason")?.unwrap_or_default()),
        reason_data: reason_data.map(str::to_owned),
        timestamp: timestamp(&node.field("timestamp")?)?,
        threshold: read.threshold,
        recent_datapoints: read.recent_datapoints,
    })
}

/// A `reasonData` that is not JSON is kept raw by the caller rather than refused: it only enriches the event.
pub(super) fn read_reason_data(raw: &str) -> ReasonData {
    let Ok(Value::Object(data)) = serde_json::from_str::<Value>(raw) else { return ReasonData::default() };
    let recent = data.get("recentDatapoints").and_then(Value::as_array);
    ReasonData {
        threshold: data.get("threshold").and_then(Value::as_f64),
        recent_datapoints: recent.map(|points| points.iter().filter_map(Value::as_f64).collect()).unwrap_or_default(),
        names_triggering_alarms: data.contains_key("triggeringAlarms"),
    }
}

/// A composite alarm is known by its rule, or failing that by the children its `reasonData` names.
fn kind_of(configuration: &Configuration, state: &AlarmState) -> AlarmKind {
    let expressions = || configuration.metrics.iter().filter_map(|metric| metric.expression.as_deref());
    let names_children =
        || state.reason_data.as_deref().is_some_and(|raw| read_reason_data(raw).names_triggering_alarms);
    if configuration.alarm_rule.is_some() || names_children() {
        AlarmKind::Composite
    } else if expressions().any(|expression| expression.to_ascii_uppercase().contains(ANOMALY_BAND)) {
        AlarmKind::AnomalyDetection
    } else if expressions().next().is_some() {
        AlarmKind::MetricMath
    } else {
        AlarmKind::Metric
    }
}

/// Read from the new state's reason, or the previous one's when the new one has no comparison in it
/// ("Insufficient Data: 1 datapoint was unknown.").
fn comparison(kind: AlarmKind, state: &AlarmState, previous: Option<&AlarmState>) -> Option<Comparison> {
    if kind == AlarmKind::Composite {
        return None;
    }
    Comparison::from_reason(state.reason.as_str())
        .or_else(|| previous.and_then(|previous| Comparison::from_reason(previous.reason.as_str())))
}

#[cfg(test)]
mod tests;

//! The alarm notification CloudWatch publishes to SNS (`AlarmName`, `NewStateValue`, `Trigger`, …), read into the
//! same [`AlarmChange`] as the EventBridge form so that one transition seen both ways has one dedupe key.

use chrono::{DateTime, SecondsFormat, Utc};

use super::alarm::{ANOMALY_BAND, STATE_VALUES};
use super::dimensions::{Place, resource_of};
use super::node::Node;
use super::regions;
use super::rejection::Rejection;
use super::time::timestamp;
use crate::domain::{AlarmChange, AlarmKind, AlarmState, Comparison, Event, EventBody, SafeText, StateValue};

mod trigger;

use trigger::Trigger;

/// What the SNS envelope adds, when there was one: raw delivery sends the notification alone.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Delivery<'a> {
    pub(super) id: Option<&'a str>,
    pub(super) time: Option<DateTime<Utc>>,
}

/// Where the alarm lives: its ARN, region code and account.
struct Origin<'a> {
    arn: String,
    region: &'static str,
    account: &'a str,
}

pub(super) fn parse(root: &Node, delivery: Delivery) -> Result<Event, Rejection> {
    let name = root.str("AlarmName")?;
    let origin = origin(root, name)?;
    let trigger = root.opt("Trigger")?.map(|node| trigger::parse(&node)).transpose()?.unwrap_or_default();
    let alarm_rule = untrusted(root.opt_str("AlarmRule")?);
    let state = state(root, &trigger)?;
    let kind = kind_of(&trigger, alarm_rule.is_some());
    let place = Place { region: origin.region, account: origin.account };
    let change = AlarmChange {
        arn: origin.arn,
        name: SafeText::from_untrusted(name),
        description: untrusted(root.opt_str("AlarmDescription")?),
        kind,
        comparison: comparison(kind, &trigger, &state),
        resource: resource_of(name, &trigger.metrics, place),
        metrics: trigger.metrics,
        alarm_rule,
        // `OldStateValue` comes without a reason or a time, and no part of opspod reads the previous state.
        previous: None,
        state,
    };
    Ok(Event {
        id: delivery.id.map_or_else(|| id_of(&change), str::to_owned),
        account: origin.account.to_owned(),
        region: origin.region.to_owned(),
        time: delivery.time.unwrap_or(change.state.timestamp),
        body: EventBody::Alarm(change),
        delivered_via: None,
    })
}

/// `AlarmArn` as CloudWatch sent it, so it equals the ARN in the EventBridge form's `resources`; the region
/// comes from `Region`, or from the ARN when a hand-written notification leaves `Region` out.
fn origin<'a>(root: &Node<'a>, name: &str) -> Result<Origin<'a>, Rejection> {
    let arn = root.opt_str("AlarmArn")?;
    let arn_part = |index: usize| arn.and_then(|arn| arn.split(':').nth(index)).filter(|part| !part.is_empty());
    let region = match root.opt("Region")? {
        Some(node) => {
            let long_name = node.as_str()?;
            let expected = "an AWS region name like \"US East (N. Virginia)\" or \"Europe (Ireland)\"";
            regions::code(long_name).ok_or_else(|| Rejection::bad_value(node.path(), expected, long_name))?
        }
        None => arn_part(3).and_then(regions::code).ok_or_else(|| missing(root, "Region"))?,
    };
    let account = match root.opt_str("AWSAccountId")? {
        Some(account) => account,
        None => arn_part(4).ok_or_else(|| missing(root, "AWSAccountId"))?,
    };
    let partition = regions::partition(region);
    let arn = arn.map_or_else(|| format!("arn:{partition}:cloudwatch:{region}:{account}:alarm:{name}"), str::to_owned);
    Ok(Origin { arn, region, account })
}

fn state(root: &Node, trigger: &Trigger) -> Result<AlarmState, Rejection> {
    let reason = root.opt_str("NewStateReason")?.unwrap_or_default();
    Ok(AlarmState {
        value: root.field("NewStateValue")?.as_enum(StateValue::parse, &STATE_VALUES)?,
        reason: SafeText::from_untrusted(reason),
        // SNS notifications have no `reasonData`; the threshold and datapoints come from elsewhere.
        reason_data: None,
        timestamp: timestamp(&root.field("StateChangeTime")?)?,
        threshold: trigger.threshold,
        recent_datapoints: datapoints_in(reason),
    })
}

/// A composite alarm has `AlarmRule` and no `Trigger`; anomaly detection names its band in `ThresholdMetricId`
/// and compares with a band operator.
fn kind_of(trigger: &Trigger, has_rule: bool) -> AlarmKind {
    let expressions = || trigger.metrics.iter().filter_map(|metric| metric.expression.as_deref());
    let band_expression = || expressions().any(|expression| expression.to_ascii_uppercase().contains(ANOMALY_BAND));
    if has_rule {
        AlarmKind::Composite
    } else if trigger.threshold_metric_id || trigger.comparison == Some(Comparison::OutsideBand) || band_expression() {
        AlarmKind::AnomalyDetection
    } else if expressions().next().is_some() {
        AlarmKind::MetricMath
    } else {
        AlarmKind::Metric
    }
}

/// The operator CloudWatch sent, or, failing that, the phrase in the reason as for EventBridge events.
fn comparison(kind: AlarmKind, trigger: &Trigger, state: &AlarmState) -> Option<Comparison> {
    if kind == AlarmKind::Composite {
        return None;
    }
    trigger.comparison.or_else(|| Comparison::from_reason(state.reason.as_str()))
}

/// The datapoints CloudWatch quotes in its reason, oldest first as in `reasonData`'s `recentDatapoints`:
/// "… the last 3 datapoints [5.0 (07/01/20 12:03:00), 4.0 (07/01/20 12:02:00)] was …" lists the newest first,
/// and older notifications wrote "1 datapoint (10.0) was …". Only finite numbers count: `inf`, `NaN` or `1e999`
/// would be written to the stored event's JSON as `null`, which does not read back as a number.
fn datapoints_in(reason: &str) -> Vec<f64> {
    let finite = |text: &str| text.parse::<f64>().ok().filter(|number| number.is_finite());
    if let Some(list) = between(reason, "datapoints [", "]") {
        let mut points: Vec<f64> =
            list.split(',').filter_map(|point| finite(point.split_whitespace().next()?)).collect();
        points.reverse();
        return points;
    }
    between(reason, "datapoint (", ")").and_then(|value| finite(value.trim())).into_iter().collect()
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &text[text.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
}

/// Raw delivery carries no message id; the transition itself names the event.
fn id_of(change: &AlarmChange) -> String {
    let at = change.state.timestamp.to_rfc3339_opts(SecondsFormat::Millis, true);
    format!("{}|{}|{at}", change.name, change.state.value)
}

fn untrusted(text: Option<&str>) -> Option<SafeText> {
    text.filter(|text| !text.is_empty()).map(SafeText::from_untrusted)
}

fn missing(root: &Node, key: &str) -> Rejection {
    let field = if root.path().is_empty() { key.to_owned() } else { format!("{}.{key}", root.path()) };
    Rejection::MissingField { field }
}

#[cfg(test)]
mod tests;

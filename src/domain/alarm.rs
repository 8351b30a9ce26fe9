//! A CloudWatch alarm changing state, whatever kind of alarm it is.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::resource::Resource;
use super::text::SafeText;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StateValue {
    Ok,
    Alarm,
    InsufficientData,
}

impl StateValue {
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "OK" => StateValue::Ok,
            "ALARM" => StateValue::Alarm,
            "INSUFFICIENT_DATA" => StateValue::InsufficientData,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StateValue::Ok => "OK",
            StateValue::Alarm => "ALARM",
            StateValue::InsufficientData => "INSUFFICIENT_DATA",
        }
    }
}

impl fmt::Display for StateValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlarmKind {
    /// One metric against a static threshold.
    Metric,
    /// An expression over several metrics.
    MetricMath,
    /// A metric against an `ANOMALY_DETECTION_BAND`.
    AnomalyDetection,
    /// A rule over other alarms.
    Composite,
}

/// How the alarm compares its metric with the threshold, read from CloudWatch's reason text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparison {
    GreaterOrEqual,
    Greater,
    LessOrEqual,
    Less,
    OutsideBand,
}

impl Comparison {
    /// Reads the phrase CloudWatch writes into `state.reason` ("… was greater than or equal to the threshold …").
    pub fn from_reason(reason: &str) -> Option<Self> {
        let phrases = [
            ("greater than or equal to", Comparison::GreaterOrEqual),
            ("less than or equal to", Comparison::LessOrEqual),
            ("greater than the threshold", Comparison::Greater),
            ("less than the threshold", Comparison::Less),
            ("outside the band", Comparison::OutsideBand),
            ("greater than the upper", Comparison::OutsideBand),
            ("less than the lower", Comparison::OutsideBand),
        ];
        phrases.into_iter().find(|(phrase, _)| reason.contains(phrase)).map(|(_, comparison)| comparison)
    }

    /// CloudWatch's operator names (`GreaterThanOrEqualToThreshold`); one opspod does not know yet falls back to
    /// the reason text rather than losing the alarm over a detail of its title.
    pub fn from_operator(operator: &str) -> Option<Self> {
        Some(match operator {
            "GreaterThanOrEqualToThreshold" => Comparison::GreaterOrEqual,
            "GreaterThanThreshold" => Comparison::Greater,
            "LessThanOrEqualToThreshold" => Comparison::LessOrEqual,
            "LessThanThreshold" => Comparison::Less,
            "LessThanLowerOrGreaterThanUpperThreshold" | "LessThanLowerThreshold" | "GreaterThanUpperThreshold" => {
                Comparison::OutsideBand
            }
            _ => return None,
        })
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::GreaterOrEqual => "≥",
            Comparison::Greater => ">",
            Comparison::LessOrEqual => "≤",
            Comparison::Less => "<",
            Comparison::OutsideBand => "outside band",
        }
    }
}

/// One entry of the alarm's `configuration.metrics`: a metric, or an expression over others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricQuery {
    pub id: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dimensions: BTreeMap<String, String>,
    pub stat: Option<String>,
    pub period_seconds: Option<u32>,
    pub expression: Option<String>,
    pub label: Option<SafeText>,
    pub return_data: bool,
}

/// A state the alarm was in, with CloudWatch's explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlarmState {
    pub value: StateValue,
    pub reason: SafeText,
    /// `reasonData` exactly as CloudWatch sent it (a JSON document in a string), kept for enrichment.
    pub reason_data: Option<String>,
    pub timestamp: DateTime<Utc>,
    /// The threshold, from `reasonData`, when the alarm has one.
    pub threshold: Option<f64>,
    /// The newest datapoints CloudWatch evaluated, from `reasonData`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent_datapoints: Vec<f64>,
}

/// A CloudWatch alarm state change ("CloudWatch Alarm State Change").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlarmChange {
    pub arn: String,
    pub name: SafeText,
    pub description: Option<SafeText>,
    pub kind: AlarmKind,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<MetricQuery>,
    /// The rule of a composite alarm.
    pub alarm_rule: Option<SafeText>,
    pub state: AlarmState,
    pub previous: Option<AlarmState>,
    pub comparison: Option<Comparison>,
    pub resource: Resource,
}

impl AlarmChange {
    /// The metric the alarm is about, for titles: "Errors", or the math expression's label.
    pub fn metric_label(&self) -> Option<String> {
        let shown = self.metrics.iter().find(|m| m.return_data).or(self.metrics.first())?;
        if let Some(name) = &shown.name {
            return Some(name.clone());
        }
        if let Some(label) = shown.label.as_ref().filter(|label| !label.is_empty()) {
            return Some(label.to_string());
        }
        shown.expression.clone()
    }
}

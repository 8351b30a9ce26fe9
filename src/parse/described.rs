//! An alarm as CloudWatch's `DescribeAlarms` describes it, read into the same [`AlarmChange`] as the EventBridge
//! form, so that a transition the poller sees and the one EventBridge delivers share one dedupe key.

use chrono::{DateTime, SecondsFormat, Utc};

use super::alarm::{ANOMALY_BAND, read_reason_data};
use super::dimensions::{Place, resource_of};
use crate::domain::{
    AlarmChange, AlarmKind, AlarmState, Comparison, Event, EventBody, MetricQuery, SafeText, StateValue,
};

/// The parts of a `MetricAlarm` or `CompositeAlarm` opspod reads, copied out of the SDK's types by the adapter.
#[derive(Debug, Clone, PartialEq)]
pub struct DescribedAlarm {
    pub arn: String,
    pub name: String,
    pub description: Option<String>,
    /// A single-metric alarm as one query that returns data; a math or anomaly alarm as its `Metrics`.
    pub metrics: Vec<MetricQuery>,
    /// Set for composite alarms only.
    pub alarm_rule: Option<String>,
    pub threshold: Option<f64>,
    pub comparison_operator: Option<String>,
    /// Set for anomaly detection alarms, which compare with a band instead of a threshold.
    pub threshold_metric_id: Option<String>,
    pub state: StateValue,
    pub reason: String,
    pub reason_data: Option<String>,
    pub state_updated: DateTime<Utc>,
}

impl DescribedAlarm {
    /// The alarm's state as the event model keeps it.
    pub fn alarm_state(&self) -> AlarmState {
        let read = self.reason_data.as_deref().map(read_reason_data).unwrap_or_default();
        AlarmState {
            value: self.state,
            reason: SafeText::from_untrusted(&self.reason),
            reason_data: self.reason_data.clone(),
            timestamp: self.state_updated,
            threshold: read.threshold.or(self.threshold),
            recent_datapoints: read.recent_datapoints,
        }
    }

    /// `arn:aws:cloudwatch:us-east-1:111122223333:alarm:name` → (`us-east-1`, `111122223333`).
    pub fn region_and_account(&self) -> (&str, &str) {
        let mut parts = self.arn.split(':').skip(3);
        (parts.next().unwrap_or_default(), parts.next().unwrap_or_default())
    }
}

/// The transition into the alarm's current state, after `previous` (the state opspod last saw, if any).
pub fn described_alarm(alarm: &DescribedAlarm, previous: Option<AlarmState>) -> Event {
    let state = alarm.alarm_state();
    let kind = kind_of(alarm);
    let (region, account) = alarm.region_and_account();
    let comparison = match kind {
        AlarmKind::Composite => None,
        _ => alarm
            .comparison_operator
            .as_deref()
            .and_then(Comparison::from_operator)
            .or_else(|| Comparison::from_reason(state.reason.as_str())),
    };
    let change = AlarmChange {
        arn: alarm.arn.clone(),
        name: SafeText::from_untrusted(&alarm.name),
        description: alarm.description.as_deref().filter(|text| !text.is_empty()).map(SafeText::from_untrusted),
        kind,
        comparison,
        resource: resource_of(&alarm.name, &alarm.metrics, Place { region, account }),
        metrics: alarm.metrics.clone(),
        alarm_rule: alarm.alarm_rule.as_deref().map(SafeText::from_untrusted),
        state,
        previous,
    };
    let at = change.state.timestamp.to_rfc3339_opts(SecondsFormat::Millis, true);
    Event {
        id: format!("poll|{}|{}|{at}", change.arn, change.state.value),
        account: account.to_owned(),
        region: region.to_owned(),
        time: change.state.timestamp,
        body: EventBody::Alarm(change),
        delivered_via: None,
    }
}

fn kind_of(alarm: &DescribedAlarm) -> AlarmKind {
    let expressions = || alarm.metrics.iter().filter_map(|metric| metric.expression.as_deref());
    if alarm.alarm_rule.is_some() {
        AlarmKind::Composite
    } else if alarm.threshold_metric_id.is_some()
        || expressions().any(|expression| expression.to_ascii_uppercase().contains(ANOMALY_BAND))
    {
        AlarmKind::AnomalyDetection
    } else if expressions().next().is_some() {
        AlarmKind::MetricMath
    } else {
        AlarmKind::Metric
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::TimeZone;

    use super::*;
    use crate::domain::ResourceKind;
    use crate::parse::parse_event;

    fn errors_alarm() -> DescribedAlarm {
        DescribedAlarm {
            arn: "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:checkout-api-errors".into(),
            name: "checkout-api-errors".into(),
            description: Some("Errors on checkout".into()),
            metrics: vec![MetricQuery {
                id: "m1".into(),
                namespace: Some("AWS/Lambda".into()),
                name: Some("Errors".into()),
                dimensions: BTreeMap::from([("FunctionName".into(), "checkout-api".into())]),
                stat: Some("Sum".into()),
                period_seconds: Some(60),
                expression: None,
                label: None,
                return_data: true,
            }],
            alarm_rule: None,
            threshold: Some(5.0),
            comparison_operator: Some("GreaterThanOrEqualToThreshold".into()),
            threshold_metric_id: None,
            state: StateValue::Alarm,
            reason: "Threshold Crossed: 1 datapoint [37.0 (01/05/24 10:00:00)] was greater than or equal to the threshold (5.0).".into(),
            reason_data: Some(r#"{"version":"1.0","threshold":5.0,"recentDatapoints":[37.0]}"#.into()),
            state_updated: Utc.with_ymd_and_hms(2024, 5, 1, 10, 1, 0).unwrap(),
        }
    }

    #[test]
    fn a_described_lambda_alarm_names_its_function_threshold_and_datapoints() {
        let event = described_alarm(&errors_alarm(), None);
        let EventBody::Alarm(change) = &event.body else { panic!("an alarm") };
        assert_eq!((event.region.as_str(), event.account.as_str()), ("eu-west-1", "111122223333"));
        assert_eq!(change.resource.kind, ResourceKind::Function);
        assert_eq!(change.resource.name.as_str(), "checkout-api");
        assert_eq!(change.kind, AlarmKind::Metric);
        assert_eq!(change.comparison, Some(Comparison::GreaterOrEqual));
        assert_eq!(change.state.threshold, Some(5.0));
        assert_eq!(change.state.recent_datapoints, vec![37.0]);
    }

    #[test]
    fn a_polled_transition_has_the_dedupe_key_of_the_eventbridge_event_for_it() {
        let eventbridge = r#"{"version":"0","id":"x","detail-type":"CloudWatch Alarm State Change","source":"aws.cloudwatch",
            "account":"111122223333","time":"2024-05-01T10:01:05Z","region":"eu-west-1",
            "resources":["arn:aws:cloudwatch:eu-west-1:111122223333:alarm:checkout-api-errors"],
            "detail":{"alarmName":"checkout-api-errors","state":{"value":"ALARM","reason":"r","timestamp":"2024-05-01T10:01:00.000+0000"},
            "previousState":{"value":"OK","reason":"r","timestamp":"2024-05-01T09:00:00.000+0000"},"configuration":{"metrics":[]}}}"#;
        let delivered = parse_event(eventbridge.as_bytes()).expect("a valid event");
        assert_eq!(described_alarm(&errors_alarm(), None).dedupe_key(), delivered.dedupe_key());
    }

    #[test]
    fn composite_and_anomaly_alarms_are_told_apart() {
        let composite = DescribedAlarm {
            metrics: vec![],
            alarm_rule: Some("ALARM(a) OR ALARM(b)".into()),
            threshold: None,
            comparison_operator: None,
            ..errors_alarm()
        };
        let anomaly = DescribedAlarm {
            threshold_metric_id: Some("ad1".into()),
            comparison_operator: Some("LessThanLowerOrGreaterThanUpperThreshold".into()),
            ..errors_alarm()
        };
        let composite = described_alarm(&composite, None);
        let EventBody::Alarm(composite) = &composite.body else { panic!("an alarm") };
        assert_eq!((composite.kind, composite.comparison), (AlarmKind::Composite, None));
        assert_eq!(composite.resource.kind, ResourceKind::Alarm);
        let anomaly = described_alarm(&anomaly, None);
        let EventBody::Alarm(anomaly) = &anomaly.body else { panic!("an alarm") };
        assert_eq!((anomaly.kind, anomaly.comparison), (AlarmKind::AnomalyDetection, Some(Comparison::OutsideBand)));
    }
}

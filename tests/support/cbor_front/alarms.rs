//! Composite alarms and DescribeAlarms' types, filters and paging, which moto 5.2.5 lacks over the JSON protocol.
//!
//! moto has no PutCompositeAlarm action, and its PutMetricAlarm drops `AlarmRule` (not a member of that input),
//! so composite alarms live in the front. They are never evaluated: their state changes only by SetAlarmState,
//! and a new one starts `INSUFFICIENT_DATA` as on AWS. moto's DescribeAlarms ignores `AlarmTypes` (AWS returns
//! only metric alarms without it), `MaxRecords` and `NextToken`, and applies only the first of its filters; the
//! front applies them all, sorts by name as AWS does, and pages metric alarms first, then composite ones.
//! `ChildrenOfAlarmName` and `ParentsOfAlarmName` are not supported.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{AwsError, page, strings};

/// The account and region moto uses, so composite alarm ARNs look like its metric alarm ARNs.
const ALARM_ARN_PREFIX: &str = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:";

/// DescribeAlarms' page size when `MaxRecords` is absent, and its largest.
const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: i64 = 100;

const STATES: [&str; 3] = ["OK", "ALARM", "INSUFFICIENT_DATA"];

/// Members of PutCompositeAlarm's input copied as they are into the described alarm.
const COPIED: [&str; 4] =
    ["AlarmDescription", "ActionsSuppressor", "ActionsSuppressorWaitPeriod", "ActionsSuppressorExtensionPeriod"];

/// Members a re-put keeps from the alarm it replaces: the state is not configuration.
const STATE_MEMBERS: [&str; 5] =
    ["StateValue", "StateReason", "StateReasonData", "StateUpdatedTimestamp", "StateTransitionedTimestamp"];

#[derive(Default)]
pub(super) struct CompositeAlarms {
    alarms: BTreeMap<String, Value>,
}

/// Which kinds DescribeAlarms asked for.
pub(super) struct AlarmTypes {
    pub metric: bool,
    pub composite: bool,
}

impl CompositeAlarms {
    /// Creates or reconfigures a composite alarm, as PutCompositeAlarm does.
    pub(super) fn put(&mut self, request: &Value, now: f64) -> Result<(), AwsError> {
        let name = required(request, "AlarmName")?;
        let rule = required(request, "AlarmRule")?;
        let mut alarm = json!({
            "AlarmName": name,
            "AlarmArn": format!("{ALARM_ARN_PREFIX}{name}"),
            "AlarmRule": rule,
            "ActionsEnabled": request["ActionsEnabled"].as_bool().unwrap_or(true),
            "AlarmActions": strings(&request["AlarmActions"]),
            "OKActions": strings(&request["OKActions"]),
            "InsufficientDataActions": strings(&request["InsufficientDataActions"]),
            "AlarmConfigurationUpdatedTimestamp": now,
            "StateValue": "INSUFFICIENT_DATA",
            "StateReason": "Unchecked: Initial alarm creation",
            "StateUpdatedTimestamp": now,
            "StateTransitionedTimestamp": now,
        });
        for member in COPIED {
            if !request[member].is_null() {
                alarm[member] = request[member].clone();
            }
        }
        if let (Some(previous), Some(members)) = (self.alarms.get(name), alarm.as_object_mut()) {
            for member in STATE_MEMBERS {
                match previous.get(member) {
                    Some(kept) => members.insert(member.to_owned(), kept.clone()),
                    None => members.remove(member),
                };
            }
        }
        self.alarms.insert(name.to_owned(), alarm);
        Ok(())
    }

    /// SetAlarmState for a composite alarm; `None` when the name is not one, so moto should answer.
    pub(super) fn set_state(&mut self, request: &Value, now: f64) -> Option<Result<(), AwsError>> {
        let alarm = self.alarms.get_mut(request["AlarmName"].as_str()?)?;
        Some(set_state(alarm, request, now))
    }

    /// Deletes the named composite alarms and returns the other names, for moto.
    pub(super) fn delete(&mut self, names: &[String]) -> Vec<String> {
        names.iter().filter(|name| self.alarms.remove(*name).is_none()).cloned().collect()
    }

    pub(super) fn all(&self) -> Vec<Value> {
        self.alarms.values().cloned().collect()
    }
}

fn set_state(alarm: &mut Value, request: &Value, now: f64) -> Result<(), AwsError> {
    let state = request["StateValue"].as_str().unwrap_or_default();
    if !STATES.contains(&state) {
        let message = format!(
            "Value '{state}' at 'stateValue' failed to satisfy constraint: \
             Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]"
        );
        return Err(validation(message));
    }
    if let Some(data) = request["StateReasonData"].as_str()
        && serde_json::from_str::<Value>(data).is_err()
    {
        return Err(AwsError::new(StatusCode::BAD_REQUEST, "InvalidFormat", "StateReasonData is not valid JSON.")
            .with_query_code("InvalidFormat"));
    }
    if alarm["StateValue"] != state {
        alarm["StateTransitionedTimestamp"] = json!(now);
    }
    alarm["StateValue"] = json!(state);
    alarm["StateReason"] = request["StateReason"].clone();
    if !request["StateReasonData"].is_null() {
        alarm["StateReasonData"] = request["StateReasonData"].clone();
    }
    alarm["StateUpdatedTimestamp"] = json!(now);
    Ok(())
}

/// `AlarmTypes`, defaulting to metric alarms only as AWS does.
pub(super) fn requested_types(request: &Value) -> AlarmTypes {
    let types = strings(&request["AlarmTypes"]);
    if types.is_empty() {
        return AlarmTypes { metric: true, composite: false };
    }
    AlarmTypes {
        metric: types.iter().any(|t| t == "MetricAlarm"),
        composite: types.iter().any(|t| t == "CompositeAlarm"),
    }
}

/// One DescribeAlarms page over both kinds, filtered and sorted by name.
pub(super) fn describe_page(metric: Vec<Value>, composite: Vec<Value>, request: &Value) -> Result<Value, AwsError> {
    let size = match request["MaxRecords"].as_i64() {
        None => DEFAULT_PAGE,
        Some(n @ 1..=MAX_PAGE) => n as usize,
        Some(n) => {
            return Err(validation(format!(
                "Value '{n}' at 'maxRecords' failed to satisfy constraint: \
                 Member must have value between 1 and {MAX_PAGE}"
            )));
        }
    };
    let mut alarms: Vec<(bool, Value)> = Vec::new();
    for (is_composite, mut kind) in [(false, metric), (true, composite)] {
        kind.retain(|alarm| matches(alarm, request));
        kind.sort_by(|a, b| a["AlarmName"].as_str().cmp(&b["AlarmName"].as_str()));
        alarms.extend(kind.into_iter().map(|alarm| (is_composite, alarm)));
    }
    let (page, next) = page(&alarms, request["NextToken"].as_str(), size).map_err(|()| {
        AwsError::new(StatusCode::BAD_REQUEST, "InvalidNextToken", "The service returned an invalid next token.")
            .with_query_code("InvalidNextToken")
    })?;
    let (composite, metric): (Vec<_>, Vec<_>) = page.into_iter().partition(|(is_composite, _)| *is_composite);
    let mut answer = json!({
        "MetricAlarms": metric.into_iter().map(|(_, alarm)| alarm).collect::<Vec<_>>(),
        "CompositeAlarms": composite.into_iter().map(|(_, alarm)| alarm).collect::<Vec<_>>(),
    });
    if let Some(next) = next {
        answer["NextToken"] = json!(next);
    }
    Ok(answer)
}

/// AWS applies every filter DescribeAlarms was given.
fn matches(alarm: &Value, request: &Value) -> bool {
    let name = alarm["AlarmName"].as_str().unwrap_or_default();
    let names = strings(&request["AlarmNames"]);
    let actions = ["AlarmActions", "OKActions", "InsufficientDataActions"];
    (names.is_empty() || names.iter().any(|n| n == name))
        && request["AlarmNamePrefix"].as_str().is_none_or(|prefix| name.starts_with(prefix))
        && request["StateValue"].as_str().is_none_or(|state| alarm["StateValue"] == state)
        && request["ActionPrefix"].as_str().is_none_or(|prefix| {
            actions.iter().flat_map(|kind| strings(&alarm[*kind])).any(|action| action.starts_with(prefix))
        })
}

fn required<'a>(request: &'a Value, member: &str) -> Result<&'a str, AwsError> {
    request[member].as_str().filter(|s| !s.is_empty()).ok_or_else(|| {
        AwsError::new(StatusCode::BAD_REQUEST, "MissingParameter", format!("The parameter {member} is required."))
            .with_query_code("MissingParameter")
    })
}

fn validation(message: String) -> AwsError {
    AwsError::new(StatusCode::BAD_REQUEST, "ValidationError", format!("1 validation error detected: {message}"))
        .with_query_code("ValidationError")
}

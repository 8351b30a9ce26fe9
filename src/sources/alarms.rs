//! The `DescribeAlarms` poller: for accounts without the EventBridge rule, it turns alarm states into the same
//! transitions EventBridge would deliver. The first poll of a scope records a baseline and posts nothing.
//!
//! A transition is a change of state value since the last poll. Flaps shorter than the poll interval are not
//! seen (CloudWatch's alarm history would show them); the EventBridge rule has no such gap.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::backoff::Pacer;
use crate::aws::Scope;
use crate::aws::alarms::AlarmReader;
use crate::domain::{Event, StateValue};
use crate::parse::{DescribedAlarm, described_alarm};
use crate::pipeline::{Input, Payload, Pipeline};
use crate::store::KnownAlarm;

/// What one poll found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PollSummary {
    /// Alarms described, or Health events read.
    pub seen: usize,
    /// Events handed to the pipeline.
    pub events: usize,
    /// The first poll of its scope, which only remembers.
    pub baseline: bool,
}

pub struct AlarmPoller {
    scope: Scope,
    reader: AlarmReader,
    pipeline: Pipeline,
    every: Duration,
}

impl AlarmPoller {
    pub fn new(scope: Scope, reader: AlarmReader, pipeline: Pipeline, every: Duration) -> Self {
        AlarmPoller { scope, reader, pipeline, every }
    }

    /// Polls every interval until `shutdown`, backing off while AWS or the store fails.
    pub async fn run(&self, shutdown: CancellationToken) {
        tracing::info!(scope = %self.scope.label(), every = ?self.every, "Polling CloudWatch alarms.");
        let mut pacer = Pacer::new(format!("The alarm poller for {}", self.scope.label()), self.every);
        loop {
            let ok = match self.poll_once().await {
                Ok(summary) => {
                    tracing::debug!(scope = %self.scope.label(), ?summary, "Polled alarms.");
                    true
                }
                Err(error) => {
                    error.log(&format!("the alarm poller for {}", self.scope.label()));
                    false
                }
            };
            if !pacer.wait(ok, &shutdown).await {
                return;
            }
        }
    }

    /// One poll: describe, compare with what the store remembers, ingest the transitions, remember the states.
    ///
    /// The transitions are committed before the states are saved, so a crash in between only means the next poll
    /// sees them again, and deduplication drops them.
    pub async fn poll_once(&self) -> Result<PollSummary, PollError> {
        let alarms = self.reader.describe_all().await.map_err(PollError::Aws)?;
        let store = self.pipeline.store();
        let key = self.cursor_name();
        let baseline = store.cursor(&key).await?.is_none();
        let known = store.known_alarms(&key).await?;
        let events = transitions(&known, &alarms, baseline);
        if !events.is_empty() {
            let origin = format!("describe-alarms:{}", self.scope.label());
            let inputs: Vec<Input> = events
                .iter()
                .map(|event| Input {
                    source: "alarm-poller".into(),
                    origin: origin.clone(),
                    payload: Payload::Event(Box::new(event.clone())),
                })
                .collect();
            self.pipeline.ingest(&inputs).await?;
        }
        let now = Utc::now();
        let remembered: Vec<KnownAlarm> =
            alarms.iter().map(|alarm| KnownAlarm { arn: alarm.arn.clone(), state: alarm.alarm_state() }).collect();
        store.save_known_alarms(&key, &remembered, now).await?;
        store.set_cursor(&key, &now.timestamp_millis().to_string(), now).await?;
        Ok(PollSummary { seen: alarms.len(), events: events.len(), baseline })
    }

    fn cursor_name(&self) -> String {
        format!("alarms/{}/{}", self.scope.account.as_deref().unwrap_or("default"), self.scope.region)
    }
}

/// The transitions in `alarms` since `known` was recorded.
///
/// On a baseline nothing is a transition. Afterwards, an alarm whose state value changed is one (with the state
/// it left as its previous state), and so is a new alarm that is already in ALARM: created firing, it would
/// otherwise never be posted. A state older than the one remembered is ignored: a lagging answer must not undo
/// what a newer one said.
pub fn transitions(known: &HashMap<String, KnownAlarm>, alarms: &[DescribedAlarm], baseline: bool) -> Vec<Event> {
    if baseline {
        return vec![];
    }
    alarms
        .iter()
        .filter_map(|alarm| match known.get(&alarm.arn) {
            None if alarm.state == StateValue::Alarm => Some(described_alarm(alarm, None)),
            None => None,
            Some(last) if last.value() != alarm.state && is_newer(alarm.state_updated, last.at()) => {
                Some(described_alarm(alarm, Some(last.state.clone())))
            }
            Some(_) => None,
        })
        .collect()
}

fn is_newer(seen: DateTime<Utc>, remembered: DateTime<Utc>) -> bool {
    seen >= remembered
}

/// Why a poll failed; either way the poller tries again later.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error(transparent)]
    Aws(crate::aws::failure::AwsFailure),
    #[error("the store failed: {0}")]
    Store(#[from] crate::store::StoreError),
}

impl PollError {
    pub fn log(&self, what: &str) {
        match self {
            PollError::Aws(failure) => failure.log(what),
            PollError::Store(error) => tracing::error!(%error, "{what}: the store failed; trying again later."),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::EventBody;

    fn alarm(name: &str, state: StateValue, minute: u32) -> DescribedAlarm {
        DescribedAlarm {
            arn: format!("arn:aws:cloudwatch:us-east-1:111122223333:alarm:{name}"),
            name: name.into(),
            description: None,
            metrics: vec![],
            alarm_rule: None,
            threshold: Some(1.0),
            comparison_operator: Some("GreaterThanThreshold".into()),
            threshold_metric_id: None,
            state,
            reason: "reason".into(),
            reason_data: None,
            state_updated: Utc.with_ymd_and_hms(2024, 5, 1, 10, minute, 0).unwrap(),
        }
    }

    fn remember(alarms: &[DescribedAlarm]) -> HashMap<String, KnownAlarm> {
        alarms
            .iter()
            .map(|alarm| (alarm.arn.clone(), KnownAlarm { arn: alarm.arn.clone(), state: alarm.alarm_state() }))
            .collect()
    }

    #[test]
    fn the_first_poll_is_a_baseline_and_reports_nothing_even_for_firing_alarms() {
        let alarms = [alarm("a", StateValue::Alarm, 0), alarm("b", StateValue::Ok, 0)];
        assert!(transitions(&HashMap::new(), &alarms, true).is_empty());
    }

    #[test]
    fn a_changed_state_is_one_transition_that_remembers_the_state_it_left() {
        let known = remember(&[alarm("a", StateValue::Ok, 0), alarm("b", StateValue::Ok, 0)]);
        let now = [alarm("a", StateValue::Alarm, 5), alarm("b", StateValue::Ok, 0)];
        let events = transitions(&known, &now, false);
        assert_eq!(events.len(), 1);
        let EventBody::Alarm(change) = &events[0].body else { panic!("an alarm") };
        assert_eq!(change.state.value, StateValue::Alarm);
        assert_eq!(change.previous.as_ref().map(|previous| previous.value), Some(StateValue::Ok));
    }

    #[test]
    fn an_unchanged_state_is_not_reported_again() {
        let alarms = [alarm("a", StateValue::Alarm, 5)];
        assert!(transitions(&remember(&alarms), &alarms, false).is_empty());
    }

    #[test]
    fn a_new_alarm_is_reported_only_when_it_is_already_firing() {
        let known = HashMap::new();
        let now = [alarm("new-firing", StateValue::Alarm, 5), alarm("new-quiet", StateValue::Ok, 5)];
        let events = transitions(&known, &now, false);
        assert_eq!(events.len(), 1);
        assert!(events[0].id.contains("new-firing"));
    }

    #[test]
    fn an_answer_older_than_what_was_remembered_is_ignored() {
        let known = remember(&[alarm("a", StateValue::Alarm, 10)]);
        assert!(transitions(&known, &[alarm("a", StateValue::Ok, 5)], false).is_empty());
    }
}

//! The AWS Health poller: events updated since the last poll, from the Health API in us-east-1, fed to the same
//! pipeline as the EventBridge rule's. Without a support plan that includes the Health API it says so once and
//! stops.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::alarms::{PollError, PollSummary};
use super::backoff::Pacer;
use crate::aws::Scope;
use crate::aws::failure::AwsFailure;
use crate::aws::health::HealthReader;
use crate::pipeline::{Input, Payload, Pipeline};
use crate::store::from_millis;

/// Health is eventually consistent: each window reaches back this far over the last, and deduplication drops
/// what was already seen.
const OVERLAP: chrono::Duration = chrono::Duration::minutes(10);

/// How far the very first poll looks back; older bulletins were posted by whoever watched before opspod.
const FIRST_LOOK_BACK: chrono::Duration = chrono::Duration::hours(1);

pub struct HealthPoller {
    scope: Scope,
    reader: HealthReader,
    pipeline: Pipeline,
    every: Duration,
    organization: bool,
}

impl HealthPoller {
    pub fn new(scope: Scope, reader: HealthReader, pipeline: Pipeline, every: Duration, organization: bool) -> Self {
        HealthPoller { scope, reader, pipeline, every, organization }
    }

    /// Polls every interval until `shutdown`; gives up for good when the account has no Health API access.
    pub async fn run(&self, shutdown: CancellationToken) {
        tracing::info!(account = %self.scope.account_name, every = ?self.every, "Polling AWS Health.");
        let mut pacer = Pacer::new(format!("The Health poller for {}", self.scope.account_name), self.every);
        loop {
            let ok = match self.poll_once(Utc::now()).await {
                Ok(_) => true,
                Err(PollError::Aws(failure @ AwsFailure::SubscriptionRequired { .. })) => {
                    tracing::warn!(account = %self.scope.account_name, "{failure}: the Health poller is off. \
                        The EventBridge rule for aws.health still delivers Health events without a support plan.");
                    return;
                }
                Err(error) => {
                    error.log(&format!("the Health poller for {}", self.scope.account_name));
                    false
                }
            };
            if !pacer.wait(ok, &shutdown).await {
                return;
            }
        }
    }

    /// One poll of the window since the cursor (with an overlap), up to `now`.
    pub async fn poll_once(&self, now: DateTime<Utc>) -> Result<PollSummary, PollError> {
        let store = self.pipeline.store();
        let cursor = self.cursor_name();
        let last = store.cursor(&cursor).await?.and_then(|value| value.parse::<i64>().ok()).map(from_millis);
        let from = last.map_or(now - FIRST_LOOK_BACK, |last| last - OVERLAP);
        let events = self.reader.updated_between(from, now).await.map_err(PollError::Aws)?;
        if !events.is_empty() {
            let origin = format!("health:{}", self.scope.account_name);
            let inputs: Vec<Input> = events
                .iter()
                .map(|event| Input {
                    source: "health-poller".into(),
                    origin: origin.clone(),
                    payload: Payload::Event(Box::new(event.clone())),
                })
                .collect();
            self.pipeline.ingest(&inputs).await?;
        }
        store.set_cursor(&cursor, &now.timestamp_millis().to_string(), now).await?;
        Ok(PollSummary { seen: events.len(), events: events.len(), baseline: last.is_none() })
    }

    fn cursor_name(&self) -> String {
        let view = if self.organization { "organization" } else { self.scope.account.as_deref().unwrap_or("default") };
        format!("health/{view}")
    }
}

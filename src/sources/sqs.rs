//! The SQS source: long-polls the queues EventBridge rules and SNS topics feed, and deletes a message only after
//! its event is committed to the store.

use std::time::Duration;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, Message};
use tokio_util::sync::CancellationToken;

use crate::pipeline::{Input, Outcome, Payload, Pipeline};

/// How one queue is read.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueSettings {
    pub url: String,
    /// Long-poll wait, 0..=20 seconds.
    pub wait_seconds: i32,
    /// Messages per receive, 1..=10.
    pub max_messages: i32,
    pub visibility_timeout_seconds: Option<i32>,
}

pub struct SqsSource {
    client: Client,
    queue: QueueSettings,
    pipeline: Pipeline,
}

/// The longest pause after failures, so a broken queue or database is retried about once a minute.
const MAX_PAUSE: Duration = Duration::from_secs(60);

impl SqsSource {
    pub fn new(client: Client, queue: QueueSettings, pipeline: Pipeline) -> Self {
        SqsSource { client, queue, pipeline }
    }

    /// Receives, stores and acknowledges until `shutdown`; a batch being stored is always finished first.
    pub async fn run(&self, shutdown: CancellationToken) {
        tracing::info!(queue = %self.queue.url, "Reading events from SQS.");
        let mut failures = 0u32;
        while !shutdown.is_cancelled() {
            let received = tokio::select! {
                received = self.receive() => received,
                () = shutdown.cancelled() => break,
            };
            let ok = match received {
                Ok(messages) if messages.is_empty() => true,
                Ok(messages) => self.store_and_acknowledge(&messages).await,
                Err(error) => {
                    tracing::warn!(queue = %self.queue.url, error = %error, "Failed to receive from SQS; backing off.");
                    false
                }
            };
            failures = if ok { 0 } else { failures.saturating_add(1) };
            if failures > 0 {
                let pause =
                    Duration::from_millis(500).saturating_mul(2u32.saturating_pow(failures.min(8))).min(MAX_PAUSE);
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    () = shutdown.cancelled() => break,
                }
            }
        }
        tracing::info!(queue = %self.queue.url, "Stopped reading SQS.");
    }

    async fn receive(&self) -> Result<Vec<Message>, String> {
        let output = self
            .client
            .receive_message()
            .queue_url(&self.queue.url)
            .wait_time_seconds(self.queue.wait_seconds)
            .max_number_of_messages(self.queue.max_messages)
            .set_visibility_timeout(self.queue.visibility_timeout_seconds)
            .send()
            .await
            .map_err(|error| aws_sdk_sqs::error::DisplayErrorContext(error).to_string())?;
        Ok(output.messages.unwrap_or_default())
    }

    /// Commits the batch, then deletes it; a batch the store refused stays on the queue for redelivery.
    async fn store_and_acknowledge(&self, messages: &[Message]) -> bool {
        let inputs: Vec<Input> = messages.iter().map(|message| self.input(message)).collect();
        match self.pipeline.ingest(&inputs).await {
            Ok(outcomes) => {
                log_outcomes(&outcomes);
                self.delete(messages).await;
                true
            }
            Err(error) => {
                tracing::error!(queue = %self.queue.url, count = messages.len(), %error,
                    "The database could not store the batch; the messages stay on the queue and come back after \
                     its visibility timeout.");
                false
            }
        }
    }

    fn input(&self, message: &Message) -> Input {
        let id = message.message_id.as_deref().unwrap_or("unknown");
        Input {
            source: "sqs".into(),
            origin: format!("{}#{id}", self.queue.url),
            payload: Payload::Raw(message.body.clone().unwrap_or_default().into_bytes()),
        }
    }

    /// Deletes committed messages. A failed delete only means SQS redelivers them, and deduplication drops them.
    async fn delete(&self, messages: &[Message]) {
        let entries: Vec<DeleteMessageBatchRequestEntry> = messages
            .iter()
            .enumerate()
            .filter_map(|(index, message)| {
                let handle = message.receipt_handle.clone()?;
                DeleteMessageBatchRequestEntry::builder().id(index.to_string()).receipt_handle(handle).build().ok()
            })
            .collect();
        if entries.is_empty() {
            return;
        }
        let result =
            self.client.delete_message_batch().queue_url(&self.queue.url).set_entries(Some(entries)).send().await;
        match result {
            Ok(output) if !output.failed.is_empty() => {
                tracing::warn!(queue = %self.queue.url, failed = output.failed.len(), "SQS did not delete some stored messages; duplicates will be dropped.");
            }
            Ok(_) => {}
            Err(error) => {
                let error = aws_sdk_sqs::error::DisplayErrorContext(error);
                tracing::warn!(queue = %self.queue.url, error = %error, "Failed to delete stored messages; duplicates will be dropped.");
            }
        }
    }
}

fn log_outcomes(outcomes: &[Outcome]) {
    for outcome in outcomes {
        match outcome {
            Outcome::Accepted(report) => {
                tracing::info!(input = %report.input, action = %report.action, incident = ?report.incident, title = %report.title, reason = ?report.reason, "Event stored.");
            }
            Outcome::Rejected(rejection) => {
                tracing::warn!(input = %rejection.origin, reason = %rejection.reason, "Event rejected and kept for inspection.");
            }
            Outcome::Skipped { origin, reason } => {
                tracing::info!(input = %origin, %reason, "Message acknowledged without posting.");
            }
        }
    }
}

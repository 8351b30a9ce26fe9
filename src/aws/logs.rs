//! CloudWatch Logs `FilterLogEvents` over a function's log group, bounded in events, bytes and time, so a noisy
//! function cannot hold an alert back.

use std::time::{Duration, Instant};

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::error::ProvideErrorMetadata;
use chrono::{DateTime, Utc};

use super::counted::CountCalls;
use super::failure::AwsFailure;

const FILTER_LOG_EVENTS: &str = "logs:FilterLogEvents";

/// How much of a log group one scan may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanLimits {
    pub max_events: usize,
    pub max_bytes: usize,
    pub max_time: Duration,
}

impl Default for ScanLimits {
    fn default() -> Self {
        ScanLimits { max_events: 20_000, max_bytes: 8 * 1024 * 1024, max_time: Duration::from_secs(8) }
    }
}

/// One log event: when, in which stream (one execution environment), and what.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    pub at: DateTime<Utc>,
    pub stream: String,
    pub message: String,
}

/// Log events read from a group, oldest first, and whether a limit cut the scan short.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scanned {
    pub events: Vec<LogLine>,
    pub truncated: bool,
    /// The group does not exist (the function never logged, or logs elsewhere).
    pub missing: bool,
    pub calls: usize,
}

#[derive(Clone, Debug)]
pub struct LogReader {
    client: Client,
}

impl LogReader {
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        let config = aws_sdk_cloudwatchlogs::config::Builder::from(config).interceptor(CountCalls("logs")).build();
        LogReader { client: Client::from_conf(config) }
    }

    /// The events of `group` between `start` and `end`, within `limits`.
    pub async fn scan(
        &self,
        group: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        limits: ScanLimits,
    ) -> Result<Scanned, AwsFailure> {
        let began = Instant::now();
        let mut scanned = Scanned::default();
        let mut bytes = 0usize;
        let mut token: Option<String> = None;
        loop {
            let answer = self
                .client
                .filter_log_events()
                .log_group_name(group)
                .start_time(start.timestamp_millis())
                .end_time(end.timestamp_millis())
                .set_next_token(token.take())
                .send()
                .await;
            scanned.calls += 1;
            let answer = match answer {
                Ok(answer) => answer,
                Err(error) if error.code() == Some("ResourceNotFoundException") => {
                    scanned.missing = true;
                    return Ok(scanned);
                }
                Err(error) => return Err(AwsFailure::of(FILTER_LOG_EVENTS, &error)),
            };
            for event in answer.events() {
                let message = event.message().unwrap_or_default();
                bytes += message.len();
                let at = event.timestamp().and_then(DateTime::from_timestamp_millis).unwrap_or(start);
                let stream = event.log_stream_name().unwrap_or_default().to_owned();
                scanned.events.push(LogLine { at, stream, message: message.to_owned() });
            }
            let exhausted = scanned.events.len() >= limits.max_events
                || bytes >= limits.max_bytes
                || began.elapsed() >= limits.max_time;
            match answer.next_token() {
                Some(next) if !next.is_empty() && !exhausted => token = Some(next.to_owned()),
                Some(next) if !next.is_empty() => {
                    scanned.truncated = true;
                    break;
                }
                _ => break,
            }
        }
        scanned.events.sort_by_key(|line| line.at);
        Ok(scanned)
    }
}

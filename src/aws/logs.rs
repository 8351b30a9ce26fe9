//! CloudWatch Logs `FilterLogEvents` over a function's log group, bounded in events, bytes and time, so a noisy
//! function cannot hold an alert back.

use std::time::{Duration, Instant};

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::error::ProvideErrorMetadata;
use chrono::{DateTime, Utc};

use super::counted::CountCalls;
use super::failure::AwsFailure;
use crate::domain::logs::{Limits, LogEvent};

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

impl ScanLimits {
    /// The same bounds for the fold of what the scan reads.
    pub fn for_fold(self) -> Limits {
        Limits { max_events: self.max_events as u64, max_bytes: self.max_bytes as u64 }
    }
}

/// One log event: when, in which stream (one execution environment), and what.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    pub at: DateTime<Utc>,
    pub stream: String,
    pub message: String,
}

/// What a read of a log group came to, apart from its events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogRead {
    pub calls: usize,
    /// A limit, or the reader, cut the read short.
    pub truncated: bool,
    /// The group does not exist (the function never logged, or logs elsewhere).
    pub missing: bool,
}

/// Log events read from a group, oldest first, and what the read came to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scanned {
    pub events: Vec<LogLine>,
    pub read: LogRead,
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

    /// Hands each event of `group` between `start` and `end` to `each` as it arrives, oldest first (as
    /// `FilterLogEvents` returns them), without keeping any; the read ends when `each` returns false or a limit is
    /// reached.
    pub async fn scan_each(
        &self,
        group: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        limits: ScanLimits,
        mut each: impl FnMut(LogEvent<'_>) -> bool,
    ) -> Result<LogRead, AwsFailure> {
        let began = Instant::now();
        let mut read = LogRead::default();
        let (mut events, mut bytes) = (0usize, 0usize);
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
            read.calls += 1;
            let answer = match answer {
                Ok(answer) => answer,
                Err(error) if error.code() == Some("ResourceNotFoundException") => {
                    read.missing = true;
                    return Ok(read);
                }
                Err(error) => return Err(AwsFailure::of(FILTER_LOG_EVENTS, &error)),
            };
            for event in answer.events() {
                let message = event.message().unwrap_or_default();
                bytes += message.len();
                events += 1;
                let at = event.timestamp().unwrap_or_else(|| start.timestamp_millis());
                let event = LogEvent::new(at, message).in_stream(event.log_stream_name().unwrap_or_default());
                if !each(event) {
                    read.truncated = true;
                    return Ok(read);
                }
            }
            let exhausted =
                events >= limits.max_events || bytes >= limits.max_bytes || began.elapsed() >= limits.max_time;
            match answer.next_token() {
                Some(next) if !next.is_empty() && !exhausted => token = Some(next.to_owned()),
                Some(next) if !next.is_empty() => {
                    read.truncated = true;
                    break;
                }
                _ => break,
            }
        }
        Ok(read)
    }
}

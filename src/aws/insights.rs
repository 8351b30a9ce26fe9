//! CloudWatch Logs Insights as a log source for commands: the service filters a function's log group down to the
//! lines opspod reads (errors, timeouts, crashes and the platform's START/REPORT lines), and opspod folds them
//! exactly as it folds a `FilterLogEvents` scan, so both engines give the same numbers.

use std::time::{Duration, Instant};

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::error::ProvideErrorMetadata;
use aws_sdk_cloudwatchlogs::types::{QueryStatus, ResultField};
use chrono::{DateTime, NaiveDateTime, Utc};

use super::counted::CountCalls;
use super::failure::AwsFailure;
use super::logs::{LogLine, LogRead, Scanned};

const START_QUERY: &str = "logs:StartQuery";
const GET_QUERY_RESULTS: &str = "logs:GetQueryResults";

/// Insights returns at most this many rows per query.
const ROW_LIMIT: i32 = 10_000;

/// The lines the log analysis needs: errors in every runtime's spelling, timeouts, crashes, and the platform
/// lines that mark invocations.
const QUERY: &str = "fields @timestamp, @message, @logStream \
    | filter @message like /(?i)(error|exception|traceback|panic|timed out|runtime exited|killed|fail\\t)/ \
    or @message like /^(START|END|REPORT) RequestId/ or @message like /platform\\.(start|report)/ \
    | sort @timestamp asc | limit 10000";

#[derive(Clone, Debug)]
pub struct InsightsReader {
    client: Client,
}

impl InsightsReader {
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        let config = aws_sdk_cloudwatchlogs::config::Builder::from(config).interceptor(CountCalls("logs")).build();
        InsightsReader { client: Client::from_conf(config) }
    }

    /// The matching lines of `group` between `start` and `end`, oldest first, waiting at most `max_wait`.
    pub async fn lines(
        &self,
        group: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        max_wait: Duration,
    ) -> Result<Scanned, AwsFailure> {
        let (rows, calls) = match self.run(&[group.to_owned()], QUERY, start, end, max_wait).await? {
            Some(found) => found,
            None => return Ok(Scanned { events: vec![], read: LogRead { missing: true, calls: 1, truncated: false } }),
        };
        let truncated = rows.len() >= ROW_LIMIT as usize;
        let mut events: Vec<LogLine> = rows.iter().filter_map(|row| line(row)).collect();
        events.sort_by_key(|line| line.at);
        Ok(Scanned { events, read: LogRead { calls, truncated, missing: false } })
    }

    /// Runs `query` over `groups` and returns its rows as (field, value) pairs; `None` when a group is missing.
    pub async fn rows(
        &self,
        groups: &[String],
        query: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        max_wait: Duration,
    ) -> Result<Option<Vec<Vec<(String, String)>>>, AwsFailure> {
        let found = self.run(groups, query, start, end, max_wait).await?;
        Ok(found.map(|(rows, _)| {
            rows.iter()
                .map(|row| {
                    row.iter()
                        .map(|f| (f.field().unwrap_or_default().to_owned(), f.value().unwrap_or_default().to_owned()))
                        .collect()
                })
                .collect()
        }))
    }

    /// Starts the query and polls for its results: the rows and the calls made, or `None` for a missing group.
    async fn run(
        &self,
        groups: &[String],
        query: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        max_wait: Duration,
    ) -> Result<Option<(Vec<Vec<ResultField>>, usize)>, AwsFailure> {
        let started = self
            .client
            .start_query()
            .set_log_group_names(Some(groups.to_vec()))
            .start_time(start.timestamp())
            .end_time(end.timestamp())
            .query_string(query)
            .limit(ROW_LIMIT)
            .send()
            .await;
        let query_id = match started {
            Ok(answer) => answer.query_id().unwrap_or_default().to_owned(),
            Err(error) if error.code() == Some("ResourceNotFoundException") => return Ok(None),
            Err(error) => return Err(AwsFailure::of(START_QUERY, &error)),
        };
        let began = Instant::now();
        let mut calls = 1;
        loop {
            let answer = self
                .client
                .get_query_results()
                .query_id(&query_id)
                .send()
                .await
                .map_err(|error| AwsFailure::of(GET_QUERY_RESULTS, &error))?;
            calls += 1;
            let failed = |detail: String| AwsFailure::Failed { action: GET_QUERY_RESULTS, detail };
            match answer.status() {
                Some(QueryStatus::Complete) => return Ok(Some((answer.results().to_vec(), calls))),
                Some(QueryStatus::Failed | QueryStatus::Cancelled | QueryStatus::Timeout) => {
                    return Err(failed(format!("a Logs Insights query ended {:?}", answer.status())));
                }
                _ if began.elapsed() >= max_wait => {
                    return Err(failed(format!("a Logs Insights query took longer than {max_wait:?}")));
                }
                _ => tokio::time::sleep(Duration::from_millis(250)).await,
            }
        }
    }
}

fn line(row: &[ResultField]) -> Option<LogLine> {
    let get = |name: &str| row.iter().find(|field| field.field() == Some(name)).and_then(ResultField::value);
    Some(LogLine {
        at: timestamp(get("@timestamp")?)?,
        stream: get("@logStream").unwrap_or_default().to_owned(),
        message: get("@message")?.to_owned(),
    })
}

/// Insights writes `2026-11-28 10:00:00.123` (UTC); some emulators write epoch milliseconds.
fn timestamp(raw: &str) -> Option<DateTime<Utc>> {
    if let Ok(millis) = raw.parse::<i64>() {
        return DateTime::from_timestamp_millis(millis);
    }
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S%.f").ok().map(|naive| naive.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insights_timestamps_are_read_in_both_spellings() {
        let expected: DateTime<Utc> = "2026-11-28T10:00:00.123Z".parse().unwrap();
        assert_eq!(timestamp("2026-11-28 10:00:00.123"), Some(expected));
        assert_eq!(timestamp(&expected.timestamp_millis().to_string()), Some(expected));
        assert_eq!(timestamp("yesterday"), None);
    }
}

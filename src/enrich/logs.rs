//! A function's log events around an alarm, folded into the findings an alert shows.

use crate::aws::logs::LogRead;
use crate::domain::context::{LogFindings, TopError};
use crate::domain::logs::Summary;

/// Signatures kept per incident; the alert shows fewer.
const KEPT: usize = 5;

/// What an alert shows of a function's folded logs.
pub fn findings(summary: &Summary, read: LogRead) -> LogFindings {
    LogFindings {
        top_errors: summary
            .errors
            .iter()
            .take(KEPT)
            .map(|stats| TopError {
                signature: stats.signature.to_string(),
                count: usize::try_from(stats.invocations).unwrap_or(usize::MAX),
                frame: stats.in_app_frame.as_ref().map(ToString::to_string),
                first_seen: Some(stats.first_seen),
                last_seen: Some(stats.last_seen),
            })
            .collect(),
        timeouts: usize::try_from(summary.timeouts.count).unwrap_or(usize::MAX),
        out_of_memory: usize::try_from(summary.out_of_memory.count).unwrap_or(usize::MAX),
        cold_starts: usize::try_from(summary.reports.cold_starts).unwrap_or(usize::MAX),
        events_scanned: usize::try_from(summary.events).unwrap_or(usize::MAX),
        truncated: read.truncated || summary.truncated,
    }
}

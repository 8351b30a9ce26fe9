//! A function's log events around an alarm, folded into the findings an alert shows.

use crate::aws::logs::{ScanLimits, Scanned};
use crate::domain::context::{LogFindings, TopError};
use crate::domain::logs::{Limits, LogEvent, summarize};

/// Signatures kept per incident; the alert shows fewer.
const KEPT: usize = 5;

pub fn findings(scanned: &Scanned) -> LogFindings {
    let limits = ScanLimits::default();
    let limits = Limits { max_events: limits.max_events as u64, max_bytes: limits.max_bytes as u64 };
    let events = scanned
        .events
        .iter()
        .map(|line| LogEvent::new(line.at.timestamp_millis(), &line.message).in_stream(&line.stream));
    let summary = summarize(events, limits);
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
        events_scanned: scanned.events.len(),
        truncated: scanned.truncated || summary.truncated,
    }
}

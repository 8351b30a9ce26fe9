//! Timeouts and out-of-memory kills, each counted once although Lambda reports it up to twice: as its own line
//! (`Task timed out…`, `Runtime exited with error: signal: killed`) and as the `REPORT` line's status.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::MAX_SAMPLE_IDS;

/// How often something happened, when, and to which invocations.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Occurrences {
    pub count: u64,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    /// Up to [`MAX_SAMPLE_IDS`] distinct request ids, first seen first.
    pub request_ids: Vec<String>,
}

impl Occurrences {
    fn add(&mut self, request_id: Option<&str>, at: DateTime<Utc>) {
        self.count += 1;
        self.first_seen = Some(self.first_seen.map_or(at, |first| first.min(at)));
        self.last_seen = Some(self.last_seen.map_or(at, |last| last.max(at)));
        let room = self.request_ids.len() < MAX_SAMPLE_IDS;
        if let Some(id) = request_id.filter(|id| room && !self.request_ids.iter().any(|known| known == id)) {
            self.request_ids.push(id.to_string());
        }
    }
}

/// Pairs each line with a `REPORT` of the same request id, whichever comes first (older runtimes log the timeout
/// line after the `REPORT`, newer ones before). A report or line left unpaired is still one occurrence; a retry,
/// which reuses the request id, brings its own pair.
#[derive(Debug, Default)]
pub(super) struct Failures {
    occurrences: Occurrences,
    unpaired_lines: HashMap<String, u32>,
    unpaired_reports: HashMap<String, u32>,
}

impl Failures {
    pub(super) fn line(&mut self, request_id: Option<&str>, at: DateTime<Utc>) {
        match request_id {
            Some(id) if take(&mut self.unpaired_reports, id) => {}
            Some(id) => {
                *self.unpaired_lines.entry(id.to_string()).or_default() += 1;
                self.occurrences.add(Some(id), at);
            }
            // Nothing to pair it with: count it on its own.
            None => self.occurrences.add(None, at),
        }
    }

    /// A line for this request id is waiting for its `REPORT`: the invocation failed this way.
    pub(super) fn awaits_report(&self, request_id: &str) -> bool {
        self.unpaired_lines.get(request_id).is_some_and(|count| *count > 0)
    }

    pub(super) fn report(&mut self, request_id: &str, at: DateTime<Utc>) {
        if !take(&mut self.unpaired_lines, request_id) {
            *self.unpaired_reports.entry(request_id.to_string()).or_default() += 1;
            self.occurrences.add(Some(request_id), at);
        }
    }

    pub(super) fn finish(self) -> Occurrences {
        self.occurrences
    }
}

fn take(unpaired: &mut HashMap<String, u32>, request_id: &str) -> bool {
    match unpaired.get_mut(request_id) {
        Some(count) if *count > 0 => {
            *count -= 1;
            true
        }
        _ => false,
    }
}

//! Folds a bounded window of log events into what alerts, `/errors` and bug reports show: the top error signatures
//! with where they happen, timeouts, out-of-memory kills and `REPORT` statistics.
//!
//! Counting rules, because people act on these numbers:
//! * An error's `invocations` counts each invocation at most once per signature (a handler that logs an exception
//!   and re-raises it writes it twice); `events` counts every line.
//! * A timeout or out-of-memory kill is counted once although Lambda may report it twice (its own line and the
//!   `REPORT` status, in either order). Async retries reuse the request id; each retry still counts, and
//!   `reports.retries` says how many `REPORT`s repeated an earlier one's request id.
//! * Events without a request id (the Python runtime's `[ERROR]` line) take the one of the invocation running in
//!   the same log stream, when the caller passes stream names.

mod failures;
mod reports;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::record::{ErrorRecord, Record, Report, Status};
use super::signature::Signature;
use super::stack::{Frame, Runtime};
use failures::Failures;
pub use failures::Occurrences;
use reports::ReportAccumulator;
pub use reports::{Percentiles, ReportStats};

/// One CloudWatch Logs event, as `FilterLogEvents` or `GetLogEvents` return it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogEvent<'a> {
    pub timestamp_ms: i64,
    pub message: &'a str,
    /// The log stream: one execution environment, which runs one invocation at a time.
    pub stream: Option<&'a str>,
}

impl<'a> LogEvent<'a> {
    pub fn new(timestamp_ms: i64, message: &'a str) -> LogEvent<'a> {
        LogEvent { timestamp_ms, message, stream: None }
    }

    pub fn in_stream(self, stream: &'a str) -> LogEvent<'a> {
        LogEvent { stream: Some(stream), ..self }
    }
}

/// How much a summary may read. There is deliberately no default: every scan states its bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_events: u64,
    /// Message bytes (UTF-8), the unit CloudWatch Logs meters.
    pub max_bytes: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Push {
    Accepted,
    /// The event was not read, and no later one will be: stop fetching.
    LimitReached,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Events read, including those with an unusable timestamp.
    pub events: u64,
    pub bytes: u64,
    /// A limit stopped the scan: every figure covers only the events read.
    pub truncated: bool,
    /// Events skipped because their timestamp is not a representable time.
    pub bad_timestamps: u64,
    pub first_event: Option<DateTime<Utc>>,
    pub last_event: Option<DateTime<Utc>>,
    /// Most invocations first.
    pub errors: Vec<SignatureStats>,
    pub timeouts: Occurrences,
    /// The configured timeout the latest `Task timed out after …` line gave.
    pub timeout_seconds: Option<f64>,
    pub out_of_memory: Occurrences,
    pub reports: ReportStats,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SignatureStats {
    pub signature: Signature,
    pub runtime: Runtime,
    /// Invocations that logged this signature, each counted once.
    pub invocations: u64,
    /// Log events with this signature.
    pub events: u64,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// The team's line that failed, from the first occurrence that had one.
    pub in_app_frame: Option<Frame>,
    /// That occurrence's path through the team's code, innermost first (at most [`MAX_APP_FRAMES`]).
    pub app_frames: Vec<Frame>,
    /// Up to [`MAX_SAMPLE_IDS`] distinct request ids, first seen first.
    pub request_ids: Vec<String>,
}

pub const MAX_SAMPLE_IDS: usize = 3;
pub const MAX_APP_FRAMES: usize = 8;

/// Reads events one at a time so the caller can stop fetching as soon as a limit is reached.
#[derive(Debug)]
pub struct Scanner {
    limits: Limits,
    events: u64,
    bytes: u64,
    truncated: bool,
    bad_timestamps: u64,
    window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    errors: HashMap<Signature, SignatureStats>,
    /// Signatures already counted for the invocation a request id is running, until its `REPORT`.
    counted: HashMap<String, HashSet<Signature>>,
    /// The invocation each log stream is running, from `START` to `REPORT`.
    running: HashMap<String, String>,
    timeouts: Failures,
    latest_timeout: Option<(DateTime<Utc>, f64)>,
    out_of_memory: Failures,
    reports: ReportAccumulator,
}

impl Scanner {
    pub fn new(limits: Limits) -> Scanner {
        Scanner {
            limits,
            events: 0,
            bytes: 0,
            truncated: false,
            bad_timestamps: 0,
            window: None,
            errors: HashMap::new(),
            counted: HashMap::new(),
            running: HashMap::new(),
            timeouts: Failures::default(),
            latest_timeout: None,
            out_of_memory: Failures::default(),
            reports: ReportAccumulator::default(),
        }
    }

    pub fn push(&mut self, event: LogEvent<'_>) -> Push {
        let size = event.message.len() as u64;
        if self.truncated || self.events >= self.limits.max_events || self.bytes + size > self.limits.max_bytes {
            self.truncated = true;
            return Push::LimitReached;
        }
        self.events += 1;
        self.bytes += size;
        match DateTime::from_timestamp_millis(event.timestamp_ms) {
            Some(at) => self.read(event, at),
            None => self.bad_timestamps += 1,
        }
        Push::Accepted
    }

    fn read(&mut self, event: LogEvent<'_>, at: DateTime<Utc>) {
        self.window = Some(self.window.map_or((at, at), |(first, last)| (first.min(at), last.max(at))));
        match Record::parse(event.message) {
            Record::Start { request_id } => self.start(event.stream, request_id),
            Record::Report(report) => self.report(event.stream, &report, at),
            Record::Timeout(timeout) => {
                let request_id = self.request_id(timeout.request_id, event.stream);
                self.timeouts.line(request_id.as_deref(), at);
                if self.latest_timeout.is_none_or(|(latest, _)| latest <= at) {
                    self.latest_timeout = Some((at, timeout.seconds));
                }
            }
            Record::OutOfMemory { request_id } => {
                let request_id = self.request_id(request_id, event.stream);
                self.out_of_memory.line(request_id.as_deref(), at);
            }
            Record::Error(error) => self.error(error, event.stream, at),
            Record::End { .. } | Record::Other => {}
        }
    }

    fn start(&mut self, stream: Option<&str>, request_id: String) {
        if let Some(stream) = stream {
            self.running.insert(stream.to_string(), request_id);
        }
    }

    fn report(&mut self, stream: Option<&str>, report: &Report, at: DateTime<Utc>) {
        let id = report.request_id.as_str();
        let failed = report.timed_out()
            || report.out_of_memory()
            || matches!(report.status, Some(Status::Error { .. }))
            || self.counted.get(id).is_some_and(|signatures| !signatures.is_empty())
            || self.timeouts.awaits_report(id)
            || self.out_of_memory.awaits_report(id);
        self.reports.add(report, at, failed);
        if report.timed_out() {
            self.timeouts.report(&report.request_id, at);
        }
        if report.out_of_memory() {
            self.out_of_memory.report(&report.request_id, at);
        }
        // The invocation is over: a retry with the same request id is a new one.
        self.counted.remove(&report.request_id);
        if let Some(stream) = stream.filter(|s| self.running.get(*s) == Some(&report.request_id)) {
            self.running.remove(stream);
        }
    }

    fn request_id(&self, own: Option<String>, stream: Option<&str>) -> Option<String> {
        own.or_else(|| self.running.get(stream?).cloned())
    }

    fn error(&mut self, error: ErrorRecord, stream: Option<&str>, at: DateTime<Utc>) {
        let request_id = self.request_id(error.request_id.clone(), stream);
        let signature = Signature::of(&error);
        let new_invocation = match &request_id {
            Some(id) => self.counted.entry(id.clone()).or_default().insert(signature.clone()),
            None => true,
        };
        let stats = self.errors.entry(signature.clone()).or_insert_with(|| SignatureStats::new(signature, &error, at));
        stats.add(&error, request_id, new_invocation, at);
    }

    pub fn finish(self) -> Summary {
        let mut errors: Vec<SignatureStats> = self.errors.into_values().collect();
        errors.sort_by(|a, b| {
            (b.invocations, b.events)
                .cmp(&(a.invocations, a.events))
                .then_with(|| a.first_seen.cmp(&b.first_seen).then_with(|| a.signature.cmp(&b.signature)))
        });
        Summary {
            events: self.events,
            bytes: self.bytes,
            truncated: self.truncated,
            bad_timestamps: self.bad_timestamps,
            first_event: self.window.map(|(first, _)| first),
            last_event: self.window.map(|(_, last)| last),
            errors,
            timeouts: self.timeouts.finish(),
            timeout_seconds: self.latest_timeout.map(|(_, seconds)| seconds),
            out_of_memory: self.out_of_memory.finish(),
            reports: self.reports.finish(),
        }
    }
}

impl SignatureStats {
    fn new(signature: Signature, error: &ErrorRecord, at: DateTime<Utc>) -> SignatureStats {
        SignatureStats {
            signature,
            runtime: error.runtime,
            invocations: 0,
            events: 0,
            first_seen: at,
            last_seen: at,
            in_app_frame: None,
            app_frames: Vec::new(),
            request_ids: Vec::new(),
        }
    }

    fn add(&mut self, error: &ErrorRecord, request_id: Option<String>, new_invocation: bool, at: DateTime<Utc>) {
        self.events += 1;
        self.invocations += u64::from(new_invocation);
        self.first_seen = self.first_seen.min(at);
        self.last_seen = self.last_seen.max(at);
        if let Some(id) =
            request_id.filter(|id| self.request_ids.len() < MAX_SAMPLE_IDS && !self.request_ids.contains(id))
        {
            self.request_ids.push(id);
        }
        if self.in_app_frame.is_none() && error.in_app_frame().is_some() {
            self.in_app_frame = error.in_app_frame().cloned();
            self.app_frames = error.in_app_frames().into_iter().take(MAX_APP_FRAMES).cloned().collect();
            self.runtime = error.runtime;
        }
    }
}

/// Reads `events` until they end or a limit is reached.
pub fn summarize<'a>(events: impl IntoIterator<Item = LogEvent<'a>>, limits: Limits) -> Summary {
    let mut scanner = Scanner::new(limits);
    for event in events {
        if scanner.push(event) == Push::LimitReached {
            break;
        }
    }
    scanner.finish()
}

//! Reading a Lambda function's CloudWatch Logs: what each event is, which errors it holds and where in the team's
//! code they happened, and a bounded summary of a window of events.
//!
//! Pure: no I/O. The caller fetches events (with a bound) and feeds them to a [`Scanner`].

mod json;
mod level;
mod platform;
pub mod record;
pub mod signature;
pub mod stack;
pub mod summary;
mod text;
mod trace;

#[cfg(test)]
mod fixtures;

pub use record::{ErrorRecord, Exception, Record, Report, Status, Timeout};
pub use signature::Signature;
pub use stack::{Frame, Runtime, in_app_frame};
pub use summary::{
    Limits, LogEvent, Occurrences, Percentiles, Push, ReportStats, Scanner, SignatureStats, Summary, summarize,
};

//! What `/healthz` reports besides the database's own answer, as the work goes: whether batches could be
//! stored, the last delivery error, and the outbox backlog the health server samples.

use std::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::ports::SinkError;
use crate::store::StoreError;

/// Batches in a row the store must refuse before `/healthz` says the database is failing. One is enough: on
/// SQLite a refused batch has already waited out a 10 s lock, and a batch is retried within the queue's
/// visibility timeout, so the state clears itself as soon as a write succeeds again.
pub const FAILED_WRITES_TO_DEGRADE: u32 = 1;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Status {
    /// Batches in a row the store refused; 0 once one is stored.
    pub failed_writes: u32,
    pub last_write_error: Option<String>,
    /// Why the last delivery attempt failed; `None` once a message went out.
    pub last_delivery_error: Option<String>,
    /// The outbox as last sampled; `None` before the first sample.
    pub backlog: Option<Backlog>,
}

/// Messages waiting for delivery, and when the oldest of them was queued.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backlog {
    pub depth: i64,
    pub oldest: Option<DateTime<Utc>>,
}

impl Status {
    /// Why the store counts as failing, when it does.
    pub fn write_failure(&self) -> Option<String> {
        if self.failed_writes < FAILED_WRITES_TO_DEGRADE {
            return None;
        }
        let error = self.last_write_error.as_deref().unwrap_or("unknown error");
        Some(format!("the database could not store the last {} batch(es): {error}", self.failed_writes))
    }

    fn store_write(&mut self, error: Option<&StoreError>) {
        match error {
            None => {
                self.failed_writes = 0;
                self.last_write_error = None;
            }
            Some(error) => {
                self.failed_writes = self.failed_writes.saturating_add(1);
                self.last_write_error = Some(error.to_string());
            }
        }
    }
}

static STATUS: Mutex<Status> =
    Mutex::new(Status { failed_writes: 0, last_write_error: None, last_delivery_error: None, backlog: None });

fn update(change: impl FnOnce(&mut Status)) {
    // A panic while holding the lock cannot leave a Status half-written in a way that matters.
    let mut status = STATUS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    change(&mut status);
}

/// Records whether a batch was stored.
pub fn store_write(error: Option<&StoreError>) {
    update(|status| status.store_write(error));
}

/// Records a delivery: `None` when chat confirmed a message.
pub fn delivery(error: Option<&SinkError>) {
    update(|status| status.last_delivery_error = error.map(ToString::to_string));
}

pub fn backlog(backlog: Backlog) {
    update(|status| status.backlog = Some(backlog));
}

pub fn snapshot() -> Status {
    STATUS.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_batch_makes_the_store_failing_until_one_is_stored() {
        let mut status = Status::default();

        status.store_write(Some(&StoreError::Query(sqlx::Error::PoolTimedOut)));
        let failing = status.write_failure();
        status.store_write(None);

        let failing = failing.expect("one refused batch is a failing store");
        assert!(failing.starts_with("the database could not store the last 1 batch(es): database error:"), "{failing}");
        assert_eq!(status.write_failure(), None);
    }
}

//! The traits the core needs from the outside world, so sinks and clocks can be swapped in tests.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::chat::message::{Message, Note};

/// Where chat messages go: the console, Discord, a test recorder.
#[async_trait]
pub trait ChatSink: Send + Sync {
    /// Posts a new message and returns its reference, which later edits and thread notes use.
    ///
    /// `idempotency_key` is the outbox row's key: a platform that can deduplicate (Discord's `nonce`) uses it
    /// so that a retry after a crash between sending and recording cannot post twice.
    async fn post(&self, channel: &str, message: &Message, idempotency_key: &str) -> Result<String, SinkError>;
    /// Replaces a posted message.
    async fn edit(&self, channel: &str, message_ref: &str, message: &Message) -> Result<(), SinkError>;
    /// Adds a line to the thread under a posted message; `idempotency_key` as for [`ChatSink::post`].
    async fn note(&self, channel: &str, message_ref: &str, note: &Note, idempotency_key: &str)
    -> Result<(), SinkError>;
    /// How far back the platform counts messages against its rate limit. A process that starts this soon after
    /// another one sent waits out the rest, because the platform still counts the other one's messages.
    fn rate_window(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }
}

/// Why a delivery failed, and whether trying again can help.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SinkError {
    /// The platform is down, slow, or asked us to wait; retry later.
    #[error("temporarily unavailable: {reason}")]
    Transient { reason: String, retry_after: Option<std::time::Duration> },
    /// The request itself is wrong (unknown channel, missing permission); retrying will not help.
    #[error("refused: {0}")]
    Permanent(String),
}

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that moves only when told to: for tests of schedules, escalation and time windows.
#[derive(Debug)]
pub struct ManualClock(std::sync::Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn at(now: DateTime<Utc>) -> Self {
        ManualClock(std::sync::Mutex::new(now))
    }

    pub fn set(&self, now: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = now;
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

//! The pollers' rhythm: one poll per interval, and longer pauses while AWS or the store keeps failing.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// The longest pause after repeated failures: long enough to spare an API that is throttling or down, short
/// enough that a poller notices within minutes that AWS is back.
const MAX_PAUSE: Duration = Duration::from_secs(5 * 60);

#[derive(Debug, Clone)]
pub struct Pacer {
    /// What polls, for the log: "the alarm poller for default/us-east-1".
    what: String,
    every: Duration,
    failures: u32,
}

impl Pacer {
    pub fn new(what: impl Into<String>, every: Duration) -> Self {
        Pacer { what: what.into(), every, failures: 0 }
    }

    /// The pause before the next poll, after one that succeeded (`ok`) or failed.
    pub fn next_pause(&mut self, ok: bool) -> Duration {
        self.failures = if ok { 0 } else { self.failures.saturating_add(1) };
        let factor = 2u32.saturating_pow(self.failures.min(10));
        self.every.saturating_mul(factor).min(MAX_PAUSE.max(self.every))
    }

    /// Waits for the next poll; false when `shutdown` came first.
    pub async fn wait(&mut self, ok: bool, shutdown: &CancellationToken) -> bool {
        let failed_before = self.failures;
        let pause = self.next_pause(ok);
        if !ok {
            tracing::warn!(failures = self.failures, ?pause, "{} backs off: next poll in {pause:?}.", self.what);
        } else if failed_before > 0 {
            tracing::info!(failures = failed_before, "{} works again after {failed_before} failed polls.", self.what);
        }
        tokio::select! {
            () = tokio::time::sleep(pause) => true,
            () = shutdown.cancelled() => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_double_the_pause_up_to_five_minutes_and_a_success_resets_it() {
        let mut pacer = Pacer::new("the test poller", Duration::from_secs(60));
        assert_eq!(pacer.next_pause(true), Duration::from_secs(60));
        assert_eq!(pacer.next_pause(false), Duration::from_secs(120));
        assert_eq!(pacer.next_pause(false), Duration::from_secs(240));
        assert_eq!(pacer.next_pause(false), MAX_PAUSE);
        for _ in 0..10 {
            pacer.next_pause(false);
        }
        assert_eq!(pacer.next_pause(false), MAX_PAUSE);
        assert_eq!(pacer.next_pause(true), Duration::from_secs(60));
    }

    #[test]
    fn an_interval_longer_than_the_cap_is_kept() {
        let mut pacer = Pacer::new("the test poller", Duration::from_secs(600));
        assert_eq!(pacer.next_pause(false), Duration::from_secs(600));
    }
}

//! The pollers' rhythm: one poll per interval, and longer pauses while AWS or the store keeps failing.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// The longest pause after repeated failures.
const MAX_PAUSE: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone)]
pub struct Pacer {
    every: Duration,
    failures: u32,
}

impl Pacer {
    pub fn new(every: Duration) -> Self {
        Pacer { every, failures: 0 }
    }

    /// The pause before the next poll, after one that succeeded (`ok`) or failed.
    pub fn next_pause(&mut self, ok: bool) -> Duration {
        self.failures = if ok { 0 } else { self.failures.saturating_add(1) };
        let factor = 2u32.saturating_pow(self.failures.min(10));
        self.every.saturating_mul(factor).min(MAX_PAUSE.max(self.every))
    }

    /// Waits for the next poll; false when `shutdown` came first.
    pub async fn wait(&mut self, ok: bool, shutdown: &CancellationToken) -> bool {
        let pause = self.next_pause(ok);
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
    fn failures_double_the_pause_up_to_fifteen_minutes_and_a_success_resets_it() {
        let mut pacer = Pacer::new(Duration::from_secs(60));
        assert_eq!(pacer.next_pause(true), Duration::from_secs(60));
        assert_eq!(pacer.next_pause(false), Duration::from_secs(120));
        assert_eq!(pacer.next_pause(false), Duration::from_secs(240));
        for _ in 0..10 {
            pacer.next_pause(false);
        }
        assert_eq!(pacer.next_pause(false), MAX_PAUSE);
        assert_eq!(pacer.next_pause(true), Duration::from_secs(60));
    }
}

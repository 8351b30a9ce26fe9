//! Flapping: an alarm that changes state too often to be worth a ping each time.

use chrono::{DateTime, Duration, Utc};

/// More than `changes` state changes within `window` marks an alarm flapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlapRule {
    pub changes: u32,
    pub window: Duration,
}

impl Default for FlapRule {
    fn default() -> Self {
        FlapRule { changes: 4, window: Duration::minutes(30) }
    }
}

impl FlapRule {
    /// Whether the changes at `times` (this one included) make the alarm flap at `now`.
    pub fn is_flapping(&self, times: &[DateTime<Utc>], now: DateTime<Utc>) -> bool {
        let since = now - self.window;
        let recent = times.iter().filter(|at| **at > since && **at <= now).count();
        recent > self.changes as usize
    }

    /// "5 state changes in 30 min".
    pub fn describe(&self, times: &[DateTime<Utc>], now: DateTime<Utc>) -> String {
        let since = now - self.window;
        let recent = times.iter().filter(|at| **at > since && **at <= now).count();
        format!("{recent} state changes in {} min", self.window.num_minutes())
    }

    /// A flapping alarm that has stayed in one state this long is steady again.
    pub fn steady_after(&self) -> Duration {
        self.window
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minutes(list: &[i64]) -> Vec<DateTime<Utc>> {
        let start: DateTime<Utc> = "2026-11-20T14:00:00Z".parse().unwrap();
        list.iter().map(|m| start + Duration::minutes(*m)).collect()
    }

    #[test]
    fn the_fifth_change_within_half_an_hour_is_flapping_and_the_fourth_is_not() {
        let rule = FlapRule::default();
        let times = minutes(&[0, 5, 10, 15, 20]);
        assert!(!rule.is_flapping(&times[..4], times[3]));
        assert!(rule.is_flapping(&times, times[4]));
        assert_eq!(rule.describe(&times, times[4]), "5 state changes in 30 min");
    }

    #[test]
    fn changes_spread_over_hours_are_not_flapping() {
        let times = minutes(&[0, 40, 80, 120, 160, 200]);
        assert!(!FlapRule::default().is_flapping(&times, times[5]));
    }
}

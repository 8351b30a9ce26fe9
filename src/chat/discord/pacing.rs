//! opspod's own pacing under Discord's limits: about 5 messages per 5 s in a channel and 50 requests per
//! second overall. It keeps a storm from ever drawing a 429, whether or not serenity's ratelimiter is on.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// At most `count` requests in any `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: usize,
    pub window: Duration,
}

/// Discord's per-channel message limit, 5 per 5 s, with a margin: Discord counts when requests arrive, and a
/// sixth post sent exactly 5 s after the first can arrive a millisecond early and draw a 429.
pub const PER_CHANNEL: Rate = Rate { count: 5, window: Duration::from_millis(5_250) };
/// Discord's global limit for a bot, 50 per second, with the same kind of margin.
pub const GLOBAL: Rate = Rate { count: 50, window: Duration::from_millis(1_050) };

/// Reserves send times: each caller gets the earliest time that keeps both its channel and the whole bot
/// under their rates, and waits until then.
pub struct Pacer {
    per_channel: Rate,
    global: Rate,
    slots: Mutex<Slots>,
}

#[derive(Default)]
struct Slots {
    channels: HashMap<u64, VecDeque<Instant>>,
    global: VecDeque<Instant>,
}

impl Default for Pacer {
    fn default() -> Self {
        Pacer::new(PER_CHANNEL, GLOBAL)
    }
}

impl Pacer {
    pub fn new(per_channel: Rate, global: Rate) -> Self {
        Pacer { per_channel, global, slots: Mutex::default() }
    }

    /// Waits for a slot to send to `channel`.
    pub async fn wait(&self, channel: u64) {
        let slot = self.reserve(channel, Instant::now());
        tokio::time::sleep_until(slot).await;
    }

    /// The earliest time from `now` at which a request to `channel` keeps both rates, recorded as taken.
    pub fn reserve(&self, channel: u64, now: Instant) -> Instant {
        let mut slots = self.slots.lock().expect("pacer slots");
        let Slots { channels, global } = &mut *slots;
        let mine = channels.entry(channel).or_default();
        let mut at = now;
        loop {
            let next = earliest(mine, self.per_channel, at).max(earliest(global, self.global, at));
            if next == at {
                break;
            }
            at = next;
        }
        insert_sorted(mine, at, self.per_channel.window, now);
        insert_sorted(global, at, self.global.window, now);
        at
    }
}

/// The earliest time not before `at` when fewer than `rate.count` slots lie in the window ending then.
fn earliest(slots: &VecDeque<Instant>, rate: Rate, at: Instant) -> Instant {
    let mut candidate = at;
    loop {
        let in_window = slots.iter().filter(|&&slot| slot + rate.window > candidate && slot <= candidate).count();
        let later = slots.iter().filter(|&&slot| slot > candidate).count();
        if in_window + later < rate.count {
            return candidate;
        }
        // The window must slide past the oldest slot that still counts against the candidate.
        let oldest = slots.iter().copied().filter(|&slot| slot + rate.window > candidate).min().unwrap_or(candidate);
        candidate = oldest + rate.window;
    }
}

/// Records a slot and forgets those too old to matter.
fn insert_sorted(slots: &mut VecDeque<Instant>, at: Instant, window: Duration, now: Instant) {
    while slots.front().is_some_and(|&oldest| oldest + window <= now) {
        slots.pop_front();
    }
    let position = slots.iter().position(|&slot| slot > at).unwrap_or(slots.len());
    slots.insert(position, at);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offsets(slots: &[Instant], start: Instant) -> Vec<u64> {
        slots.iter().map(|slot| (*slot - start).as_millis() as u64).collect()
    }

    #[test]
    fn five_messages_go_at_once_and_the_sixth_waits_for_the_window() {
        let pacer = Pacer::default();
        let start = Instant::now();
        let slots: Vec<Instant> = (0..7).map(|_| pacer.reserve(1, start)).collect();
        assert_eq!(offsets(&slots, start), vec![0, 0, 0, 0, 0, 5250, 5250]);
    }

    #[test]
    fn channels_pace_independently_under_the_global_limit() {
        let pacer = Pacer::new(PER_CHANNEL, Rate { count: 8, window: Duration::from_secs(1) });
        let start = Instant::now();
        let slots: Vec<Instant> = (0..10).map(|n| pacer.reserve(n % 2, start)).collect();
        assert_eq!(offsets(&slots, start), vec![0, 0, 0, 0, 0, 0, 0, 0, 1000, 1000]);
    }

    #[test]
    fn no_window_ever_holds_more_than_the_rate() {
        let pacer = Pacer::default();
        let start = Instant::now();
        let slots: Vec<Instant> =
            (0..200).map(|n| pacer.reserve(n % 3, start + Duration::from_millis(n * 7))).collect();
        for channel in 0..3u64 {
            let mine: Vec<Instant> =
                slots.iter().enumerate().filter(|(n, _)| *n as u64 % 3 == channel).map(|(_, s)| *s).collect();
            for slot in &mine {
                let in_window =
                    mine.iter().filter(|other| **other >= *slot && **other < *slot + PER_CHANNEL.window).count();
                assert!(in_window <= PER_CHANNEL.count, "channel {channel}: {in_window} in one window");
            }
        }
    }
}

//! Statistics over `REPORT` lines: invocations, cold starts, durations, init times, billing, memory and retries.

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::super::record::Report;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ReportStats {
    /// `REPORT` lines read: one per invocation, retries included.
    pub invocations: u64,
    /// Invocations that ran an init or a SnapStart restore.
    pub cold_starts: u64,
    pub duration_ms: Option<Percentiles>,
    /// Over cold starts with an `Init Duration` only.
    pub init_ms: Option<Percentiles>,
    /// Over SnapStart restores (`Restore Duration`), which take the place of an init.
    pub restore_ms: Option<Percentiles>,
    pub billed_ms: u64,
    pub billed_restore_ms: u64,
    /// The memory size of the latest invocation: it changes when a deploy changes it.
    pub memory_mb: Option<u32>,
    pub max_memory_used_mb: Option<u32>,
    /// Each invocation's peak memory as a percentage of its own memory size.
    pub memory_used_pct: Option<Percentiles>,
    /// Σ billed milliseconds (restores included) × that invocation's memory in MB: what Lambda bills for.
    pub billed_mb_ms: u128,
    /// Invocations that failed (an error, a timeout or an OOM kill logged before their `REPORT`, or a failed
    /// `Status:`), and what they were billed, in the same unit.
    pub failed_invocations: u64,
    pub failed_billed_mb_ms: u128,
    /// `REPORT`s whose request id an earlier `REPORT` of the same scan already had: Lambda re-delivering a failed
    /// asynchronous event. A retry whose first attempt fell outside the scan is not seen as one. Retries are also
    /// counted in `invocations` and billed in `billed_mb_ms`; this is their share, in the same unit.
    pub retries: u64,
    pub retry_billed_mb_ms: u128,
    /// Invocations whose peak memory reached at least 90 % of their memory size: a bigger payload may get the
    /// next one killed for running out of memory.
    pub memory_high_invocations: u64,
}

/// The share of its memory size at which an invocation counts as near the limit.
const MEMORY_HIGH_PERCENT: u32 = 90;

impl ReportStats {
    /// Billed compute in GB-seconds, as Lambda prices it.
    pub fn gb_seconds(&self) -> f64 {
        self.billed_mb_ms as f64 / 1024.0 / 1000.0
    }

    /// The failed invocations' share of [`Self::gb_seconds`].
    pub fn failed_gb_seconds(&self) -> f64 {
        self.failed_billed_mb_ms as f64 / 1024.0 / 1000.0
    }

    /// The retries' share of [`Self::gb_seconds`].
    pub fn retry_gb_seconds(&self) -> f64 {
        self.retry_billed_mb_ms as f64 / 1024.0 / 1000.0
    }

    /// Cold starts per invocation, 0.0–1.0.
    pub fn cold_start_rate(&self) -> Option<f64> {
        (self.invocations > 0).then(|| self.cold_starts as f64 / self.invocations as f64)
    }
}

/// Nearest-rank percentiles: every figure is a value that was actually observed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Percentiles {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    pub count: u64,
}

impl Percentiles {
    pub fn of(mut values: Vec<f64>) -> Option<Percentiles> {
        values.retain(|v| v.is_finite());
        values.sort_by(f64::total_cmp);
        let max = *values.last()?;
        let rank = |percent: usize| values[(percent * values.len()).div_ceil(100).max(1) - 1];
        Some(Percentiles { p50: rank(50), p95: rank(95), p99: rank(99), max, count: values.len() as u64 })
    }
}

#[derive(Debug, Default)]
pub(super) struct ReportAccumulator {
    invocations: u64,
    cold_starts: u64,
    durations: Vec<f64>,
    inits: Vec<f64>,
    restores: Vec<f64>,
    memory_used_pct: Vec<f64>,
    billed_ms: u64,
    billed_restore_ms: u64,
    latest_memory: Option<(DateTime<Utc>, u32)>,
    max_memory_used_mb: Option<u32>,
    billed_mb_ms: u128,
    failed_invocations: u64,
    failed_billed_mb_ms: u128,
    seen_request_ids: SeenRequestIds,
    retries: u64,
    retry_billed_mb_ms: u128,
    memory_high_invocations: u64,
}

impl ReportAccumulator {
    pub(super) fn add(&mut self, report: &Report, at: DateTime<Utc>, failed: bool) {
        let billed = u128::from(report.billed_ms) + u128::from(report.billed_restore_ms.unwrap_or(0));
        let mb_ms = billed * u128::from(report.memory_mb);
        self.billed_mb_ms += mb_ms;
        if failed {
            self.failed_invocations += 1;
            self.failed_billed_mb_ms += mb_ms;
        }
        if self.seen_request_ids.insert(&report.request_id) {
            self.retries += 1;
            self.retry_billed_mb_ms += mb_ms;
        }
        self.memory_high_invocations += u64::from(is_memory_high(report));
        self.invocations += 1;
        self.cold_starts += u64::from(report.is_cold_start());
        self.durations.push(report.duration_ms);
        self.inits.extend(report.init_ms);
        self.restores.extend(report.restore_ms);
        self.billed_ms = self.billed_ms.saturating_add(report.billed_ms);
        self.billed_restore_ms = self.billed_restore_ms.saturating_add(report.billed_restore_ms.unwrap_or(0));
        if report.memory_mb > 0 {
            self.memory_used_pct.push(f64::from(report.max_memory_mb) * 100.0 / f64::from(report.memory_mb));
        }
        if self.latest_memory.is_none_or(|(latest, _)| latest <= at) {
            self.latest_memory = Some((at, report.memory_mb));
        }
        self.max_memory_used_mb = self.max_memory_used_mb.max(Some(report.max_memory_mb));
    }

    pub(super) fn finish(self) -> ReportStats {
        ReportStats {
            invocations: self.invocations,
            cold_starts: self.cold_starts,
            duration_ms: Percentiles::of(self.durations),
            init_ms: Percentiles::of(self.inits),
            restore_ms: Percentiles::of(self.restores),
            billed_ms: self.billed_ms,
            billed_restore_ms: self.billed_restore_ms,
            memory_mb: self.latest_memory.map(|(_, memory)| memory),
            max_memory_used_mb: self.max_memory_used_mb,
            memory_used_pct: Percentiles::of(self.memory_used_pct),
            billed_mb_ms: self.billed_mb_ms,
            failed_invocations: self.failed_invocations,
            failed_billed_mb_ms: self.failed_billed_mb_ms,
            retries: self.retries,
            retry_billed_mb_ms: self.retry_billed_mb_ms,
            memory_high_invocations: self.memory_high_invocations,
        }
    }
}

/// Integer arithmetic, so exactly 90 % counts whatever the memory size.
fn is_memory_high(report: &Report) -> bool {
    let (used, size) = (u64::from(report.max_memory_mb), u64::from(report.memory_mb));
    size > 0 && used * 100 >= size * u64::from(MEMORY_HIGH_PERCENT)
}

/// At most this many request ids are remembered to recognise retries.
const MAX_SEEN_REQUEST_IDS: usize = 1_000_000;

/// The request ids of the `REPORT`s read so far, to tell an async retry from a first attempt.
///
/// A scan may read millions of `REPORT`s, so this is bounded twice over. Ids are kept as 64-bit hashes (16 bytes or
/// so in the set, against about 80 for a `String` of a 36-character id): with a million ids the odds that two
/// collide and a first attempt passes for a retry are about 1 in 40 million, far below what a digest shows. And at
/// most [`MAX_SEEN_REQUEST_IDS`] are kept (under 20 MB), in two generations: when the current one is full it
/// replaces the previous one, so what is forgotten is the oldest half. Lambda retries a failed event after about
/// one and then two minutes (and never after the event's maximum age, six hours at most), so a retry's first
/// attempt is almost always among the most recent ids; forgetting the newest instead would stop counting retries
/// for the rest of the scan.
#[derive(Debug)]
struct SeenRequestIds {
    /// Keys drawn per scan, so request ids a function prints itself cannot be chosen to collide.
    hasher: RandomState,
    current: HashSet<u64>,
    previous: HashSet<u64>,
    generation: usize,
}

impl Default for SeenRequestIds {
    fn default() -> Self {
        SeenRequestIds::with_capacity(MAX_SEEN_REQUEST_IDS)
    }
}

impl SeenRequestIds {
    fn with_capacity(max_ids: usize) -> SeenRequestIds {
        let generation = (max_ids / 2).max(1);
        SeenRequestIds { hasher: RandomState::new(), current: HashSet::new(), previous: HashSet::new(), generation }
    }

    /// Remembers `request_id`, and says whether it was already remembered.
    fn insert(&mut self, request_id: &str) -> bool {
        let hash = self.hasher.hash_one(request_id);
        // An id seen again moves to the current generation: a third attempt is as likely as the second.
        let seen = self.previous.remove(&hash) | !self.current.insert(hash);
        if self.current.len() >= self.generation {
            std::mem::swap(&mut self.current, &mut self.previous);
            self.current.clear();
        }
        seen
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.current.len() + self.previous.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank_values() {
        let values = (1..=20).map(f64::from).collect();

        let percentiles = Percentiles::of(values).unwrap();

        assert_eq!((percentiles.p50, percentiles.p95, percentiles.p99, percentiles.max), (10.0, 19.0, 20.0, 20.0));
        assert_eq!(percentiles.count, 20);
    }

    #[test]
    fn one_value_is_every_percentile() {
        let percentiles = Percentiles::of(vec![42.5]).unwrap();

        assert_eq!((percentiles.p50, percentiles.p99, percentiles.max), (42.5, 42.5, 42.5));
    }

    #[test]
    fn no_values_have_no_percentiles() {
        assert_eq!(Percentiles::of(Vec::new()), None);
    }

    #[test]
    fn a_request_id_is_new_the_first_time_and_seen_after() {
        let mut seen = SeenRequestIds::default();

        let (first, again, other) = (seen.insert("a"), seen.insert("a"), seen.insert("b"));

        assert_eq!((first, again, other), (false, true, false));
    }

    #[test]
    fn remembered_request_ids_never_exceed_the_cap() {
        let mut seen = SeenRequestIds::with_capacity(4);

        let sizes: Vec<usize> = (0..20)
            .map(|i| {
                seen.insert(&format!("id-{i}"));
                seen.len()
            })
            .collect();

        assert!(sizes.iter().all(|&size| size <= 4), "sizes: {sizes:?}");
    }

    #[test]
    fn a_full_memory_of_request_ids_forgets_the_oldest_first() {
        let mut seen = SeenRequestIds::with_capacity(4);
        for id in ["a", "b", "c", "d"] {
            seen.insert(id);
        }

        assert!(seen.insert("d"), "the newest ids are still remembered");
        assert!(!seen.insert("a"), "the oldest generation was forgotten");
    }

    #[test]
    fn a_request_id_seen_again_is_kept_through_the_next_rotation() {
        let mut seen = SeenRequestIds::with_capacity(4);
        for id in ["a", "b", "a", "c", "d"] {
            seen.insert(id);
        }

        assert!(seen.insert("a"), "the retry refreshed `a` into the newer generation");
    }
}

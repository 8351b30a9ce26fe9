//! Statistics over `REPORT` lines: invocations, cold starts, durations, init times, billing and memory.

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
}

impl ReportStats {
    /// Billed compute in GB-seconds, as Lambda prices it.
    pub fn gb_seconds(&self) -> f64 {
        self.billed_mb_ms as f64 / 1024.0 / 1000.0
    }

    /// The failed invocations' share of [`Self::gb_seconds`].
    pub fn failed_gb_seconds(&self) -> f64 {
        self.failed_billed_mb_ms as f64 / 1024.0 / 1000.0
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
        }
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
}

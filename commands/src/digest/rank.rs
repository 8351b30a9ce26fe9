//! The order of the digest's table: the functions that let the most people down, or cost the most for it, first.

use std::cmp::Ordering;

use super::{Digest, FunctionWeek};

/// Users wait on interactive functions, so the same trouble there counts twice.
const INTERACTIVE_WEIGHT: f64 = 2.0;

pub(super) fn ranked(digest: &Digest) -> Vec<&FunctionWeek> {
    let mut functions: Vec<(&FunctionWeek, f64)> = digest.functions.iter().map(|f| (f, score(f))).collect();
    functions.sort_by(by_badness);
    functions.into_iter().map(|(function, _)| function).collect()
}

/// Idle functions last; then the higher score; then by name, so the order is stable.
fn by_badness((a, a_score): &(&FunctionWeek, f64), (b, b_score): &(&FunctionWeek, f64)) -> Ordering {
    a.is_idle().cmp(&b.is_idle()).then_with(|| b_score.total_cmp(a_score)).then_with(|| a.function.cmp(&b.function))
}

/// Points of badness over this period. Each term reaches about ten points at the level an on-call engineer
/// starts to care: 1% of requests failing, ~100 failures, ~$100 wasted, a 4-second p95 or 10% cold starts on
/// a function users wait on. Counts and money are on a log scale, so a busy function's thousand failures do
/// not bury a small function that fails every other call. Money wasted is what failures and retries were
/// billed plus any rise in cost over the last period: a function in a loop fails nothing, but costs.
pub(super) fn score(function: &FunctionWeek) -> f64 {
    let (this, last) = (&function.this, &function.last);
    let failures = this.failure_rate().unwrap_or(0.0) * 1_000.0 + 5.0 * (1.0 + this.failed() as f64).log10();
    let rise = (this.cost - last.cost).max(0.0);
    let waste = 5.0 * (1.0 + this.failed_cost.max(0.0) + this.retry_cost.max(0.0) + rise).log10();
    if !function.interactive {
        return failures + waste;
    }
    let waiting =
        this.duration_p95_ms.unwrap_or(0.0).max(0.0) / 1_000.0 * 2.5 + this.cold_start_rate().unwrap_or(0.0) * 100.0;
    INTERACTIVE_WEIGHT * (failures + waste + waiting)
}

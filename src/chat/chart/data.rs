//! Raw datapoints made drawable: finite values in time order, split into runs where data is missing.

use chrono::{DateTime, Utc};

/// Unix seconds and value.
pub(super) type Point = (f64, f64);

/// CloudWatch never returns values near f64::MAX, but a corrupt one must not overflow the axis arithmetic.
const VALUE_LIMIT: f64 = 1e300;
/// A gap longer than this many typical steps is missing data, and a line across it would invent values.
const GAP_FACTOR: f64 = 3.0;

/// Finite points sorted by time (then value, so the output never depends on the input's order).
pub(super) fn clean(points: &[(DateTime<Utc>, f64)]) -> Vec<Point> {
    let mut clean: Vec<Point> = points
        .iter()
        .filter(|(_, value)| value.is_finite())
        .map(|(time, value)| (seconds(time), within_limits(*value)))
        .collect();
    clean.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    clean
}

/// Keeps a finite value where axis arithmetic (span × headroom) cannot overflow.
pub(super) fn within_limits(value: f64) -> f64 {
    value.clamp(-VALUE_LIMIT, VALUE_LIMIT)
}

pub(super) fn seconds(time: &DateTime<Utc>) -> f64 {
    time.timestamp_millis() as f64 / 1000.0
}

/// The median spacing between points, which is the metric's period when a few are missing.
pub(super) fn typical_step(points: &[Point]) -> Option<f64> {
    let mut steps: Vec<f64> = points.windows(2).map(|w| w[1].0 - w[0].0).filter(|&d| d > 0.0).collect();
    if steps.is_empty() {
        return None;
    }
    steps.sort_by(f64::total_cmp);
    // The lower median: with an even count the period wins over the occasional longer gap.
    Some(steps[(steps.len() - 1) / 2])
}

/// Runs of points that may be joined by a line; a new run starts after each gap.
pub(super) fn runs(points: &[Point]) -> Vec<&[Point]> {
    let Some(step) = typical_step(points) else {
        return if points.is_empty() { Vec::new() } else { vec![points] };
    };
    let mut runs = Vec::new();
    let mut start = 0;
    for i in 1..points.len() {
        if points[i].0 - points[i - 1].0 > step * GAP_FACTOR {
            runs.push(&points[start..i]);
            start = i;
        }
    }
    runs.push(&points[start..]);
    runs
}

/// The smallest and largest of some values, if there are any.
pub(super) fn extent(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values.into_iter().fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_763_640_000 + minute * 60, 0).unwrap()
    }

    #[test]
    fn nan_and_infinite_values_are_skipped() {
        let points = clean(&[(at(0), 1.0), (at(1), f64::NAN), (at(2), f64::INFINITY), (at(3), f64::NEG_INFINITY)]);
        assert_eq!(points.len(), 1);
    }

    #[test]
    fn unsorted_points_come_out_in_time_order() {
        let points = clean(&[(at(2), 3.0), (at(0), 1.0), (at(1), 2.0)]);
        let values: Vec<f64> = points.iter().map(|p| p.1).collect();
        assert_eq!(values, [1.0, 2.0, 3.0]);
    }

    #[test]
    fn a_gap_longer_than_three_periods_splits_the_line() {
        let points = clean(&[(at(0), 1.0), (at(1), 1.0), (at(2), 1.0), (at(10), 1.0), (at(11), 1.0)]);
        let lengths: Vec<usize> = runs(&points).iter().map(|r| r.len()).collect();
        assert_eq!(lengths, [3, 2]);
    }

    #[test]
    fn one_or_two_missing_periods_are_bridged() {
        let points = clean(&[(at(0), 1.0), (at(1), 1.0), (at(3), 1.0), (at(4), 1.0)]);
        assert_eq!(runs(&points).len(), 1);
    }

    #[test]
    fn a_single_point_is_one_run() {
        let points = clean(&[(at(0), 1.0)]);
        assert_eq!(runs(&points).len(), 1);
    }
}

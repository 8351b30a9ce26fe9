//! Axis arithmetic: round tick steps, value ranges with headroom, UTC time ticks and compact labels.

use chrono::DateTime;

/// Room above the highest value (data or threshold) so neither runs along the plot's top edge.
const HEADROOM: f64 = 0.12;
const VALUE_INTERVALS: f64 = 5.0;
const MAX_VALUE_TICKS: f64 = 12.0;
/// Past this, k/M/G/T suffixes stop being readable and scientific notation is clearer.
const SCIENTIFIC_ABOVE: f64 = 1e15;
const SUFFIXES: [(f64, &str); 4] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")];

/// Steps a reader can count in, from high-resolution metrics to four-week digests.
const TIME_STEPS: [i64; 19] = [
    10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172_800, 604_800, 1_209_600,
    2_419_200,
];
const DAY: i64 = 86_400;
/// 1970-01-05 was a Monday, so weekly ticks land on Mondays like the digest's weeks.
const FIRST_MONDAY: i64 = 4 * DAY;
const MAX_TIME_TICKS: i64 = 24;

#[derive(Debug, Clone, PartialEq)]
pub(super) struct ValueAxis {
    pub min: f64,
    pub max: f64,
    pub step: f64,
}

impl ValueAxis {
    /// An axis showing `lo..=hi` with round ticks; it always includes zero because counts and durations are
    /// read against it, and a flat zero line gets a small positive range instead of a degenerate one.
    pub fn covering(lo: f64, hi: f64) -> Self {
        let (lo, hi) = (lo.min(0.0), hi.max(0.0));
        let (lo, hi) = if hi > lo { (lo, hi) } else { (0.0, 4.0) };
        let span = hi - lo;
        let top = if hi > 0.0 { hi + span * HEADROOM } else { 0.0 };
        let bottom = if lo < 0.0 { lo - span * HEADROOM } else { 0.0 };
        let step = nice_step((top - bottom) / VALUE_INTERVALS);
        Self { min: (bottom / step).floor() * step, max: (top / step).ceil() * step, step }
    }

    /// Lowers the top to `ceiling` (100 for percentages) when the data fits under it and headroom alone
    /// pushed the axis past it: 0–100% reads better than 0–125%.
    pub fn capped_at(self, ceiling: Option<f64>, hi: f64) -> Self {
        match ceiling {
            Some(ceiling)
                if hi <= ceiling && self.max > ceiling && ((ceiling - self.min) / self.step).fract() == 0.0 =>
            {
                Self { max: ceiling, ..self }
            }
            _ => self,
        }
    }

    pub fn ticks(&self) -> Vec<f64> {
        let intervals = ((self.max - self.min) / self.step).round().clamp(1.0, MAX_VALUE_TICKS) as usize;
        (0..=intervals).map(|i| self.min + self.step * i as f64).collect()
    }
}

/// The smallest of 1, 2, 2.5, 5 × 10ⁿ at least `raw`; 2.5 only from 25 up so counts never get fractional ticks.
fn nice_step(raw: f64) -> f64 {
    let magnitude = 10f64.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let candidates: &[f64] = if magnitude >= 10.0 { &[1.0, 2.0, 2.5, 5.0, 10.0] } else { &[1.0, 2.0, 5.0, 10.0] };
    let nice = candidates.iter().copied().find(|&n| fraction <= n * (1.0 + 1e-9)).unwrap_or(10.0);
    nice * magnitude
}

/// A tick label as short as its neighbours allow: 0, 500, 1k, 1.5k, 2k.
pub(super) fn tick_label(value: f64, step: f64) -> String {
    if value.abs() < step * 1e-6 {
        return "0".to_owned();
    }
    if value.abs() >= SCIENTIFIC_ABOVE {
        return with_minus_sign(format!("{value:.1e}"));
    }
    let (divisor, suffix) = magnitude_suffix(value);
    let digits = trim_zeros(format!("{:.*}", decimals_to_show(step / divisor), value / divisor));
    with_minus_sign(format!("{digits}{suffix}"))
}

/// A single value as someone would say it, for the threshold label: 5, 0.25, 1,000, 12.5k.
pub(super) fn value_label(value: f64) -> String {
    if value == 0.0 {
        return "0".to_owned();
    }
    if (1e3..1e4).contains(&value.abs()) {
        return with_minus_sign(group_thousands(value.round() as i64));
    }
    if value.abs() >= SCIENTIFIC_ABOVE || value.abs() < 1e-3 {
        return with_minus_sign(format!("{value:.2e}"));
    }
    let (divisor, suffix) = magnitude_suffix(value);
    let scaled = value / divisor;
    let decimals = (2 - scaled.abs().log10().floor() as i32).clamp(0, 3) as usize;
    with_minus_sign(format!("{}{suffix}", trim_zeros(format!("{scaled:.decimals$}"))))
}

/// A typographic minus: the hyphen Rust prints is short and thin next to digits.
fn with_minus_sign(text: String) -> String {
    text.replace('-', "\u{2212}")
}

fn group_thousands(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let (head, tail) = digits.split_at(digits.len() - 3);
    format!("{}{head},{tail}", if value < 0 { "-" } else { "" })
}

fn magnitude_suffix(value: f64) -> (f64, &'static str) {
    SUFFIXES.iter().copied().find(|(divisor, _)| value.abs() >= *divisor).unwrap_or((1.0, ""))
}

/// How many decimals it takes to write multiples of `step` exactly (2.5 → 1, 0.25 → 2), at most 6.
fn decimals_to_show(step: f64) -> usize {
    (0..6)
        .find(|&d| {
            let scaled = step * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.abs().max(1.0)
        })
        .unwrap_or(6)
}

fn trim_zeros(text: String) -> String {
    if !text.contains('.') {
        return text;
    }
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct TimeAxis {
    pub start: f64,
    pub end: f64,
    pub step: i64,
    pub ticks: Vec<i64>,
}

impl TimeAxis {
    /// Ticks on round UTC times between `start` and `end` (unix seconds), at most `max_ticks` of them.
    pub fn spanning(start: f64, end: f64, max_ticks: usize) -> Self {
        let max_ticks = max_ticks.max(2) as i64;
        let step = TIME_STEPS
            .iter()
            .copied()
            .find(|&step| tick_count(start, end, step) <= max_ticks)
            .unwrap_or_else(|| whole_days_for((end - start) / max_ticks as f64));
        Self { start, end, step, ticks: ticks_between(start, end, step) }
    }

    /// HH:MM in UTC; midnights and day-sized steps show the date so a reader sees the day change.
    pub fn label(&self, tick: i64) -> String {
        let Some(time) = DateTime::from_timestamp(tick, 0) else {
            return String::new();
        };
        let format = if self.step < 60 {
            "%H:%M:%S"
        } else if self.step >= DAY || tick.rem_euclid(DAY) == 0 {
            "%b %-d"
        } else {
            "%H:%M"
        };
        time.format(format).to_string()
    }
}

fn whole_days_for(seconds: f64) -> i64 {
    ((seconds / DAY as f64).ceil() as i64).max(1) * DAY
}

fn first_tick(start: f64, step: i64) -> i64 {
    let origin = if step % (7 * DAY) == 0 { FIRST_MONDAY } else { 0 };
    let start = start.ceil() as i64;
    origin + (start - origin).div_euclid(step) * step + if (start - origin).rem_euclid(step) == 0 { 0 } else { step }
}

fn tick_count(start: f64, end: f64, step: i64) -> i64 {
    let first = first_tick(start, step) as f64;
    if first > end { 0 } else { ((end - first) / step as f64).floor() as i64 + 1 }
}

fn ticks_between(start: f64, end: f64, step: i64) -> Vec<i64> {
    let first = first_tick(start, step);
    let count = tick_count(start, end, step).clamp(0, MAX_TIME_TICKS);
    (0..count).map(|i| first + i * step).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_axis_starts_at_zero_and_leaves_room_above_the_peak() {
        let axis = ValueAxis::covering(3.0, 37.0);
        assert_eq!(axis.min, 0.0);
        assert!(axis.max >= 37.0 * 1.1, "max {} leaves no headroom", axis.max);
        assert_eq!(axis.ticks(), vec![0.0, 10.0, 20.0, 30.0, 40.0, 50.0]);
    }

    #[test]
    fn a_flat_zero_series_still_gets_a_readable_range() {
        let axis = ValueAxis::covering(0.0, 0.0);
        assert!(axis.max > 0.0);
        assert!(axis.ticks().len() >= 3);
    }

    #[test]
    fn negative_values_extend_the_axis_below_zero() {
        let axis = ValueAxis::covering(-12.0, 30.0);
        assert!(axis.min < -12.0);
        assert!(axis.ticks().contains(&0.0));
    }

    #[test]
    fn a_percentage_axis_stops_at_one_hundred_when_the_data_does() {
        let axis = ValueAxis::covering(40.0, 95.0).capped_at(Some(100.0), 95.0);
        assert_eq!(axis.max, 100.0);
        let over = ValueAxis::covering(40.0, 130.0).capped_at(Some(100.0), 130.0);
        assert!(over.max > 130.0);
    }

    #[test]
    fn small_count_ranges_never_get_fractional_ticks() {
        let axis = ValueAxis::covering(0.0, 7.0);
        assert!(axis.ticks().iter().all(|t| t.fract() == 0.0), "{:?}", axis.ticks());
    }

    #[test]
    fn huge_values_produce_a_finite_axis() {
        let axis = ValueAxis::covering(-1e300, 1e300);
        assert!(axis.min.is_finite() && axis.max.is_finite() && axis.step.is_finite());
        assert!(axis.ticks().len() <= 13);
    }

    #[test]
    fn thousands_are_written_compactly() {
        let labels: Vec<String> = [0.0, 500.0, 1000.0, 1500.0, 2000.0].iter().map(|&v| tick_label(v, 500.0)).collect();
        assert_eq!(labels, ["0", "500", "1k", "1.5k", "2k"]);
        assert_eq!(tick_label(2_500_000.0, 2_500_000.0), "2.5M");
        assert_eq!(tick_label(7500.0, 2500.0), "7.5k");
    }

    #[test]
    fn fractional_steps_keep_the_decimals_they_need() {
        let labels: Vec<String> = [0.25, 0.5, 0.75, 1.0].iter().map(|&v| tick_label(v, 0.25)).collect();
        assert_eq!(labels, ["0.25", "0.5", "0.75", "1"]);
    }

    #[test]
    fn threshold_values_keep_three_significant_digits() {
        assert_eq!(value_label(5.0), "5");
        assert_eq!(value_label(0.25), "0.25");
        assert_eq!(value_label(1234.5), "1,235");
        assert_eq!(value_label(12_345.0), "12.3k");
        assert_eq!(value_label(99.5), "99.5");
        assert_eq!(value_label(-40.0), "\u{2212}40");
        assert_eq!(tick_label(-2500.0, 2500.0), "\u{2212}2.5k");
    }

    #[test]
    fn a_three_hour_window_is_labelled_every_half_hour_in_utc() {
        let start = 1_763_640_000.0; // 2025-11-20 12:00 UTC
        let axis = TimeAxis::spanning(start, start + 3.0 * 3600.0, 7);
        assert_eq!(axis.step, 1800);
        let labels: Vec<String> = axis.ticks.iter().map(|&t| axis.label(t)).collect();
        assert_eq!(labels.first().map(String::as_str), Some("12:00"));
        assert_eq!(labels.last().map(String::as_str), Some("15:00"));
    }

    #[test]
    fn a_week_is_labelled_with_dates() {
        let start = 1_763_251_200.0; // 2025-11-16 00:00 UTC
        let axis = TimeAxis::spanning(start, start + 6.0 * 86_400.0, 7);
        assert_eq!(axis.step, 86_400);
        assert_eq!(axis.label(axis.ticks[0]), "Nov 16");
    }

    #[test]
    fn midnight_inside_an_hourly_axis_shows_the_new_date() {
        let start = 1_763_683_200.0 - 3.0 * 3600.0; // 21:00 the evening before Nov 21
        let axis = TimeAxis::spanning(start, start + 6.0 * 3600.0, 7);
        let labels: Vec<String> = axis.ticks.iter().map(|&t| axis.label(t)).collect();
        assert!(labels.contains(&"Nov 21".to_owned()), "{labels:?}");
    }

    #[test]
    fn years_of_data_fall_back_to_whole_day_steps() {
        let axis = TimeAxis::spanning(0.0, 3.0 * 365.0 * 86_400.0, 6);
        assert_eq!(axis.step % DAY, 0);
        assert!(axis.ticks.len() <= 6);
    }
}

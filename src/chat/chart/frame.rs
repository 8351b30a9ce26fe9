//! What every chart shares: the title row, the value grid with labels on the left, the UTC time axis and
//! the empty state.

use plotters::style::{Color, RGBColor};

use super::ChartError;
use super::axis::{TimeAxis, ValueAxis, tick_label};
use super::canvas::{Align, HEIGHT, Pen, WIDTH, cap_height, fit_text, text_width};
use super::data::{self, Point};
use super::theme::{AXIS, BACKGROUND, BORDER, GRID, INK, LABEL_SIZE, MUTED, NOTE_SIZE, TICK_SIZE, TITLE_SIZE};

const W: f64 = WIDTH as f64;
const H: f64 = HEIGHT as f64;
pub(super) const PAD: f64 = 20.0;
const ACCENT_HEIGHT: f64 = 6.0;
const TITLE_BASELINE: f64 = 46.0;
/// The band under the title holds the alarm marker's label or the legend, one row per `BAND_ROW`.
pub(super) const BAND_TOP: f64 = 60.0;
pub(super) const BAND_ROW: f64 = 34.0;
const PLOT_TOP_WITHOUT_BAND: f64 = 70.0;
const PLOT_BELOW_BAND: f64 = 10.0;
const X_LABEL_BASELINE: f64 = H - 16.0;
const PLOT_BOTTOM: f64 = X_LABEL_BASELINE - 28.0;
const LABEL_GAP: f64 = 10.0;
const TICK_LENGTH: f64 = 6.0;
/// Time labels need this much air between them to read as separate times at phone size.
const TIME_LABEL_SPACING: f64 = 36.0;
const MAX_TIME_TICKS: usize = 7;
/// Closer than this, two times read as one line of text.
const MIN_TIME_LABEL_GAP: f64 = 24.0;
/// A lone point still gets a window this wide, so it sits mid-chart rather than on an edge.
const MIN_WINDOW_SECONDS: f64 = 20.0 * 60.0;
const LINE_WIDTH: f64 = 3.0;
const DOT_RADIUS: f64 = 4.0;
/// Up to this many points each gets a dot; beyond it dots would merge into a thick line.
const DOTS_UP_TO: usize = 40;
const UTC: &str = "UTC";
/// Enough space after "UTC" that it does not read as part of the first time.
const AFTER_UTC: f64 = 14.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Rect {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

/// Maps a data interval onto a pixel interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Linear {
    domain: (f64, f64),
    range: (f64, f64),
}

impl Linear {
    pub fn map(&self, v: f64) -> f64 {
        let t = (v - self.domain.0) / (self.domain.1 - self.domain.0);
        self.range.0 + t * (self.range.1 - self.range.0)
    }
}

/// The plot rectangle with its axes and the mapping from (unix seconds, value) to logical pixels.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Frame {
    pub rect: Rect,
    x: Linear,
    y: Linear,
    values: ValueAxis,
    value_labels: Vec<String>,
    time: TimeAxis,
}

/// Where the plot starts for a band of `rows` rows under the title (0 for none).
pub(super) fn plot_top(rows: usize) -> f64 {
    if rows == 0 { PLOT_TOP_WITHOUT_BAND } else { BAND_TOP + BAND_ROW * rows as f64 + PLOT_BELOW_BAND }
}

/// `(start, end)` widened to at least `MIN_WINDOW_SECONDS` around its middle.
pub(super) fn widen(start: f64, end: f64) -> (f64, f64) {
    if end - start >= MIN_WINDOW_SECONDS {
        return (start, end);
    }
    let middle = start + (end - start) / 2.0;
    (middle - MIN_WINDOW_SECONDS / 2.0, middle + MIN_WINDOW_SECONDS / 2.0)
}

impl Frame {
    /// Lays out a plot from `top` down, with `x_inset` pixels kept clear inside the left and right edges.
    pub fn new(top: f64, values: ValueAxis, unit: &Unit, window: (f64, f64), x_inset: f64) -> Self {
        let value_labels: Vec<String> =
            values.ticks().iter().map(|&v| unit.attach(tick_label(v, values.step))).collect();
        let label_column =
            value_labels.iter().chain([&UTC.to_owned()]).map(|l| text_width(l, TICK_SIZE)).fold(0.0, f64::max);
        let rect = Rect { left: PAD + label_column + LABEL_GAP, top, right: W - PAD, bottom: PLOT_BOTTOM };
        let time_label_width = text_width("Nov 30", TICK_SIZE) + TIME_LABEL_SPACING;
        let max_ticks = (((rect.right - rect.left) / time_label_width) as usize + 1).min(MAX_TIME_TICKS);
        let time = TimeAxis::spanning(window.0, window.1, max_ticks);
        let x = Linear { domain: window, range: (rect.left + x_inset, rect.right - x_inset) };
        let y = Linear { domain: (values.min, values.max), range: (rect.bottom, rect.top) };
        Self { rect, x, y, values, value_labels, time }
    }

    pub fn px(&self, seconds: f64) -> f64 {
        self.x.map(seconds)
    }

    pub fn py(&self, value: f64) -> f64 {
        self.y.map(value)
    }

    /// A metric as lines within each run of data, with dots where points are few or stand alone after a gap.
    pub fn paint_line(&self, pen: &Pen, points: &[Point], colour: RGBColor) -> Result<(), ChartError> {
        let dots = points.len() <= DOTS_UP_TO;
        for run in data::runs(points) {
            let pixels: Vec<(f64, f64)> = run.iter().map(|&(t, v)| (self.px(t), self.py(v))).collect();
            if pixels.len() > 1 {
                pen.polyline(&pixels, LINE_WIDTH, &colour)?;
            }
            if dots || pixels.len() == 1 {
                for &(x, y) in &pixels {
                    // A ring of background lifts each dot off the line and off neighbouring series.
                    pen.dot(x, y, DOT_RADIUS + 1.5, &BACKGROUND)?;
                    pen.dot(x, y, DOT_RADIUS, &colour)?;
                }
            }
        }
        Ok(())
    }

    /// Horizontal gridlines with their values on the left; the zero line is darker because bars stand on it.
    pub fn paint_grid(&self, pen: &Pen) -> Result<(), ChartError> {
        for (value, label) in self.values.ticks().into_iter().zip(&self.value_labels) {
            let y = self.py(value);
            let colour = if value.abs() < self.values.step * 1e-6 { AXIS } else { GRID };
            pen.rect(self.rect.left, y - 0.5, self.rect.right, y + 0.5, &colour)?;
            let baseline = y + cap_height(TICK_SIZE) / 2.0;
            pen.text(label, self.rect.left - LABEL_GAP, baseline, TICK_SIZE, &MUTED, Align::Right)?;
        }
        Ok(())
    }

    /// Tick marks and UTC times under the plot. A label near either end slides inwards (never past its own
    /// tick) to stay clear of "UTC" and the image edge, and is dropped if it still collides.
    pub fn paint_time_axis(&self, pen: &Pen) -> Result<(), ChartError> {
        pen.text(UTC, self.rect.left - LABEL_GAP, X_LABEL_BASELINE, TICK_SIZE, &MUTED, Align::Right)?;
        let mut free_from = self.rect.left - LABEL_GAP + AFTER_UTC;
        for &tick in &self.time.ticks {
            let x = self.px(tick as f64);
            if x < self.rect.left || x > self.rect.right {
                continue;
            }
            pen.rect(x - 0.5, self.rect.bottom, x + 0.5, self.rect.bottom + TICK_LENGTH, &AXIS)?;
            let label = self.time.label(tick);
            let width = text_width(&label, TICK_SIZE);
            let left = (x - width / 2.0).max(free_from).min(W - PAD / 2.0 - width);
            if left > x || left + width < x || left < free_from {
                continue;
            }
            pen.text(&label, left, X_LABEL_BASELINE, TICK_SIZE, &MUTED, Align::Left)?;
            free_from = left + width + MIN_TIME_LABEL_GAP;
        }
        Ok(())
    }
}

/// The title at top left, cut to fit, with an optional muted note (a long unit) at the right and an
/// optional accent strip along the top edge.
pub(super) fn paint_title(
    pen: &Pen,
    title: &str,
    note: Option<&str>,
    accent: Option<RGBColor>,
) -> Result<(), ChartError> {
    pen.fill(&BACKGROUND)?;
    pen.rect(0.0, 0.0, W, 1.0, &BORDER)?;
    pen.rect(0.0, H - 1.0, W, H, &BORDER)?;
    pen.rect(0.0, 0.0, 1.0, H, &BORDER)?;
    pen.rect(W - 1.0, 0.0, W, H, &BORDER)?;
    if let Some(accent) = accent {
        pen.rect(0.0, 0.0, W, ACCENT_HEIGHT, &accent)?;
    }
    let note_width = match note {
        Some(note) => {
            pen.text(note, W - PAD, TITLE_BASELINE, LABEL_SIZE, &MUTED, Align::Right)?;
            text_width(note, LABEL_SIZE) + 2.0 * LABEL_GAP
        }
        None => 0.0,
    };
    let title = fit_text(title.trim(), TITLE_SIZE, W - 2.0 * PAD - note_width);
    pen.heavy_text(&title, PAD, TITLE_BASELINE, TITLE_SIZE, &INK, Align::Left)
}

/// A calm placeholder where the plot would be, so a chart without data still looks deliberate.
pub(super) fn paint_empty(pen: &Pen) -> Result<(), ChartError> {
    let rect = Rect { left: PAD, top: PLOT_TOP_WITHOUT_BAND, right: W - PAD, bottom: H - PAD };
    pen.rect(rect.left, rect.top, rect.right, rect.bottom, &GRID.mix(0.45))?;
    let baseline = (rect.top + rect.bottom) / 2.0 + cap_height(NOTE_SIZE) / 2.0;
    pen.text("No datapoints in this window", W / 2.0, baseline, NOTE_SIZE, &MUTED, Align::Center)
}

/// How a unit shows: short ones ("ms", "%", "$") go with every number, long ones become a note by the
/// title, and counts need neither.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct Unit {
    prefix: &'static str,
    suffix: String,
    pub note: Option<String>,
    percent: bool,
}

impl Unit {
    pub fn new(unit: Option<&str>) -> Self {
        let short = match unit.map(str::trim).unwrap_or("") {
            "" | "None" | "none" | "Count" | "count" => return Self::default(),
            "Percent" | "percent" | "%" => return Self { suffix: "%".to_owned(), percent: true, ..Self::default() },
            "USD" | "usd" | "$" => return Self { prefix: "$", ..Self::default() },
            "Milliseconds" | "milliseconds" => "ms",
            "Microseconds" | "microseconds" => "µs",
            "Seconds" | "seconds" => "s",
            "Bytes" | "bytes" => "B",
            other => other,
        };
        if short.chars().count() <= 4 {
            Self { suffix: format!(" {short}"), ..Self::default() }
        } else {
            Self { note: Some(short.to_owned()), ..Self::default() }
        }
    }

    /// A formatted number with its unit: "40 ms", "90%", "$1.2k".
    pub fn attach(&self, number: String) -> String {
        format!("{}{number}{}", self.prefix, self.suffix)
    }

    /// The value axis for `lo..=hi` in this unit.
    pub fn axis(&self, lo: f64, hi: f64) -> ValueAxis {
        ValueAxis::covering(lo, hi).capped_at(self.percent.then_some(100.0), hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_show_bare_numbers() {
        assert_eq!(Unit::new(Some("count")), Unit::default());
        assert_eq!(Unit::new(None), Unit::default());
    }

    #[test]
    fn short_units_follow_each_number_and_long_ones_become_a_note() {
        assert_eq!(Unit::new(Some("ms")).attach("40".into()), "40 ms");
        assert_eq!(Unit::new(Some("Milliseconds")).attach("1.5k".into()), "1.5k ms");
        assert_eq!(Unit::new(Some("Percent")).attach("90".into()), "90%");
        assert_eq!(Unit::new(Some("USD")).attach("1.2k".into()), "$1.2k");
        let long = Unit::new(Some("Bytes/Second"));
        assert_eq!((long.attach("5".into()).as_str(), long.note.as_deref()), ("5", Some("Bytes/Second")));
    }

    #[test]
    fn a_lone_point_gets_a_window_around_it() {
        let (start, end) = widen(1000.0, 1000.0);
        assert!(start < 1000.0 && end > 1000.0);
        assert_eq!(end - start, MIN_WINDOW_SECONDS);
    }
}

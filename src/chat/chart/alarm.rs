//! The alarm chart: one metric around an alarm's transition, with its threshold and the moment it changed.

use chrono::DateTime;
use plotters::style::{Color, RGBColor};

use super::axis::value_label;
use super::canvas::{Align, Pen, WIDTH, cap_height, text_width};
use super::data::{self, Point};
use super::frame::{self, BAND_ROW, BAND_TOP, Frame, PAD, Unit};
use super::theme::{ALARM_RED, BACKGROUND, LABEL_SIZE, METRIC, OK_GREEN};
use super::{AlarmChart, ChartError};

const THRESHOLD_WIDTH: f64 = 2.5;
const THRESHOLD_DASH: (f64, f64) = (9.0, 6.0);
const MARKER_WIDTH: f64 = 2.5;
const MARKER_DASH: (f64, f64) = (6.0, 4.0);
/// Strong enough to see the breach zone at a glance, faint enough that the grid still shows through.
const BREACH_TINT: f64 = 0.06;
const PILL_HEIGHT: f64 = 28.0;
const PILL_PADDING: f64 = 11.0;
const LABEL_OFFSET: f64 = 7.0;
const X_INSET: f64 = 10.0;

/// Where everything goes, decided before drawing so tests can ask where a pixel should be.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct AlarmPlan {
    pub frame: Frame,
    points: Vec<Point>,
    threshold: Option<f64>,
    marker: Option<(f64, String)>,
    unit: Unit,
}

impl AlarmPlan {
    /// None when there is nothing to plot.
    pub fn new(chart: &AlarmChart) -> Option<Self> {
        let points = data::clean(&chart.points);
        let (lo, hi) = data::extent(points.iter().map(|p| p.1))?;
        let threshold = chart.threshold.filter(|t| t.is_finite()).map(data::within_limits);
        let unit = Unit::new(chart.unit.as_deref());
        let values = unit.axis(lo.min(threshold.unwrap_or(lo)), hi.max(threshold.unwrap_or(hi)));
        let marker = chart.transition.map(|t| (data::seconds(&t), marker_text(chart, t.timestamp())));
        let times = points.iter().map(|p| p.0).chain(marker.as_ref().map(|m| m.0));
        let (start, end) = data::extent(times)?;
        let top = frame::plot_top(usize::from(marker.is_some()));
        let frame = Frame::new(top, values, &unit, frame::widen(start, end), X_INSET);
        Some(Self { frame, points, threshold, marker, unit })
    }

    /// The row (in logical pixels) the threshold line is centred on.
    pub fn threshold_y(&self) -> Option<f64> {
        self.threshold.map(|t| self.frame.py(t))
    }
}

fn marker_text(chart: &AlarmChart, seconds: i64) -> String {
    if let Some(label) = chart.transition_label.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        return label.to_owned();
    }
    let time = DateTime::from_timestamp(seconds, 0).map(|t| t.format("%H:%M").to_string()).unwrap_or_default();
    format!("{} {time}", if chart.firing { "ALARM" } else { "OK" })
}

pub(super) fn paint(pen: &Pen, chart: &AlarmChart) -> Result<(), ChartError> {
    let accent = if chart.firing { ALARM_RED } else { OK_GREEN };
    let note = Unit::new(chart.unit.as_deref()).note;
    frame::paint_title(pen, &chart.title, note.as_deref(), Some(accent))?;
    let Some(plan) = AlarmPlan::new(chart) else {
        return frame::paint_empty(pen);
    };
    paint_breach_zone(pen, &plan)?;
    plan.frame.paint_grid(pen)?;
    paint_threshold_line(pen, &plan)?;
    plan.frame.paint_line(pen, &plan.points, METRIC)?;
    paint_marker(pen, &plan, accent)?;
    paint_threshold_label(pen, &plan)?;
    plan.frame.paint_time_axis(pen)
}

fn paint_breach_zone(pen: &Pen, plan: &AlarmPlan) -> Result<(), ChartError> {
    let Some(y) = plan.threshold_y() else { return Ok(()) };
    let rect = plan.frame.rect;
    pen.rect(rect.left, rect.top, rect.right, y, &ALARM_RED.mix(BREACH_TINT))
}

fn paint_threshold_line(pen: &Pen, plan: &AlarmPlan) -> Result<(), ChartError> {
    let Some(y) = plan.threshold_y() else { return Ok(()) };
    let rect = plan.frame.rect;
    pen.dashed_hline(y, rect.left, rect.right, THRESHOLD_DASH, THRESHOLD_WIDTH, &ALARM_RED)
}

/// A dashed vertical line at the transition, hanging from a filled label in the band above the plot.
fn paint_marker(pen: &Pen, plan: &AlarmPlan, accent: RGBColor) -> Result<(), ChartError> {
    let Some((seconds, label)) = &plan.marker else { return Ok(()) };
    let rect = plan.frame.rect;
    let x = plan.frame.px(*seconds);
    let width = text_width(label, LABEL_SIZE) + 2.0 * PILL_PADDING;
    let left = (x - width / 2.0).clamp(PAD, WIDTH as f64 - PAD - width);
    let top = BAND_TOP + (BAND_ROW - PILL_HEIGHT) / 2.0;
    pen.dashed_vline(x, top + PILL_HEIGHT, rect.bottom, MARKER_DASH, MARKER_WIDTH, &accent)?;
    pen.pill(left, top, left + width, top + PILL_HEIGHT, &accent)?;
    let baseline = top + PILL_HEIGHT / 2.0 + cap_height(LABEL_SIZE) / 2.0;
    pen.text(label, left + width / 2.0, baseline, LABEL_SIZE, &BACKGROUND, Align::Center)
}

/// "threshold 5" just above the line at the left, where an alarm window is usually still quiet; at the
/// right instead when the transition marker is there, and below the line when it hugs the top edge.
fn paint_threshold_label(pen: &Pen, plan: &AlarmPlan) -> Result<(), ChartError> {
    let (Some(threshold), Some(y)) = (plan.threshold, plan.threshold_y()) else { return Ok(()) };
    let rect = plan.frame.rect;
    let label = format!("threshold {}", plan.unit.attach(value_label(threshold)));
    let width = text_width(&label, LABEL_SIZE);
    let marker_x = plan.marker.as_ref().map(|m| plan.frame.px(m.0));
    let at_left = marker_x.is_none_or(|mx| mx > rect.left + width + 3.0 * LABEL_OFFSET);
    let left = if at_left { rect.left + LABEL_OFFSET } else { rect.right - LABEL_OFFSET - width };
    let cap = cap_height(LABEL_SIZE);
    let above = y - LABEL_OFFSET - cap > rect.top + 2.0;
    let baseline = if above { y - LABEL_OFFSET } else { y + LABEL_OFFSET + cap };
    // A veil behind the words keeps them legible where the metric line runs underneath; it takes the colour
    // of whatever it sits on so it does not show as a patch.
    let veil = if above { tinted_background() } else { BACKGROUND };
    pen.rect(left - 4.0, baseline - cap - 4.0, left + width + 4.0, baseline + 4.0, &veil.mix(0.85))?;
    pen.text(&label, left, baseline, LABEL_SIZE, &ALARM_RED, Align::Left)
}

/// The breach zone's colour as it comes out on the white card.
fn tinted_background() -> RGBColor {
    let blend =
        |tint: u8, base: u8| (f64::from(tint) * BREACH_TINT + f64::from(base) * (1.0 - BREACH_TINT)).round() as u8;
    RGBColor(blend(ALARM_RED.0, BACKGROUND.0), blend(ALARM_RED.1, BACKGROUND.1), blend(ALARM_RED.2, BACKGROUND.2))
}

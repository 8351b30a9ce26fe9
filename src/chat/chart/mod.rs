//! PNG charts for chat: an alarm's metric around its transition, and multi-series charts for digests.
//!
//! Charts are 800×400 pixels on a white card: Discord shows attachments on the chat's own background, and a
//! light card with dark text reads the same in its dark and light themes. Text is sized for a phone, where
//! Discord shows the image at about half size. Times are UTC. Rendering is deterministic.

mod alarm;
mod axis;
mod canvas;
mod data;
mod frame;
mod series;
mod theme;

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use plotters::drawing::DrawingAreaErrorKind;

pub use canvas::{HEIGHT, WIDTH};

/// A CloudWatch metric around an alarm's state change.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmChart {
    /// Shown at the top left, cut with an ellipsis if too long: "checkout-api · Errors (Sum, 1 min)".
    pub title: String,
    /// CloudWatch or short units ("Count", "ms", "Percent"); counts are shown as bare numbers.
    pub unit: Option<String>,
    /// In any order, with gaps; NaN and infinite values are skipped.
    pub points: Vec<(DateTime<Utc>, f64)>,
    /// Drawn as a dashed red line labelled "threshold 5", with the area above it tinted.
    pub threshold: Option<f64>,
    /// Drawn as a dashed vertical marker in the accent colour.
    pub transition: Option<DateTime<Utc>>,
    /// The marker's label; defaults to "ALARM 14:03" or "OK 14:31" from `firing` and `transition`.
    pub transition_label: Option<String>,
    /// Red accent while firing, green once recovered.
    pub firing: bool,
}

/// Several metrics on one time axis, for the weekly digest.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesChart {
    pub title: String,
    pub unit: Option<String>,
    /// Coloured in order from a colour-blind-safe palette of seven, which then repeats.
    pub series: Vec<Series>,
    pub kind: ChartKind,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    pub points: Vec<(DateTime<Utc>, f64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    Lines,
    /// Grouped bars, one group per timestamp; suits per-day totals.
    Bars,
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("The bundled chart font could not be loaded.")]
    Font,
    #[error("Failed to draw the chart: {0}")]
    Draw(String),
    #[error("Failed to encode the chart as PNG: {0}")]
    Encode(String),
}

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(error: DrawingAreaErrorKind<E>) -> Self {
        Self::Draw(error.to_string())
    }
}

/// Renders the alarm chart as PNG bytes; an empty or all-NaN series gives a "No datapoints" chart.
pub fn render_alarm_chart(chart: &AlarmChart) -> Result<Vec<u8>, ChartError> {
    canvas::render(|pen| alarm::paint(pen, chart))
}

/// Renders the multi-series chart as PNG bytes; no data at all gives a "No datapoints" chart.
pub fn render_series_chart(chart: &SeriesChart) -> Result<Vec<u8>, ChartError> {
    canvas::render(|pen| series::paint(pen, chart))
}

//! The multi-series chart for digests: several metrics as lines or grouped bars, with a legend.

use plotters::style::RGBColor;

use super::canvas::{Align, Pen, WIDTH, cap_height, fit_text, text_width};
use super::data::{self, Point};
use super::frame::{self, BAND_ROW, BAND_TOP, Frame, PAD, Unit};
use super::theme::{INK, LABEL_SIZE, MUTED, series_colour};
use super::{ChartError, ChartKind, SeriesChart};

const SWATCH: f64 = 14.0;
const SWATCH_GAP: f64 = 7.0;
const ITEM_GAP: f64 = 22.0;
/// More rows would squeeze the plot; labels are cut instead.
const MAX_LEGEND_ROWS: usize = 2;
/// Label widths tried in turn until the whole legend fits.
const LABEL_WIDTHS: [f64; 5] = [240.0, 180.0, 140.0, 110.0, 80.0];
/// Share of the space between neighbouring timestamps that a group of bars fills.
const GROUP_FILL: f64 = 0.8;
const MAX_BAR_WIDTH: f64 = 44.0;
/// When every bar sits on one timestamp there is no spacing to learn from; pretend it is hourly.
const LONE_GROUP_SPACING: f64 = 3600.0;
const LINE_INSET: f64 = 10.0;

struct Drawn {
    label: String,
    colour: RGBColor,
    points: Vec<Point>,
}

struct LegendItem {
    text: String,
    /// None for the "+3 more" item, which has no swatch.
    colour: Option<RGBColor>,
    left: f64,
    row: usize,
}

pub(super) fn paint(pen: &Pen, chart: &SeriesChart) -> Result<(), ChartError> {
    let unit = Unit::new(chart.unit.as_deref());
    frame::paint_title(pen, &chart.title, unit.note.as_deref(), None)?;
    let series: Vec<Drawn> = chart
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| Drawn { label: s.label.clone(), colour: series_colour(i), points: data::clean(&s.points) })
        .collect();
    let all = || series.iter().flat_map(|s| s.points.iter());
    let (Some((lo, hi)), Some((start, end))) = (data::extent(all().map(|p| p.1)), data::extent(all().map(|p| p.0)))
    else {
        return frame::paint_empty(pen);
    };
    let legend = legend_layout(&series);
    let rows = legend.iter().map(|item| item.row + 1).max().unwrap_or(0);
    let values = unit.axis(lo, hi);
    let frame = match chart.kind {
        ChartKind::Lines => Frame::new(frame::plot_top(rows), values, &unit, frame::widen(start, end), LINE_INSET),
        ChartKind::Bars => {
            let half = group_spacing(&series) / 2.0;
            Frame::new(frame::plot_top(rows), values, &unit, (start - half, end + half), 0.0)
        }
    };
    frame.paint_grid(pen)?;
    match chart.kind {
        ChartKind::Lines => series.iter().try_for_each(|s| frame.paint_line(pen, &s.points, s.colour))?,
        ChartKind::Bars => paint_bars(pen, &frame, &series)?,
    }
    paint_legend(pen, &legend, chart.kind)?;
    frame.paint_time_axis(pen)
}

/// The smallest spacing between distinct timestamps across all series: the width one group may take.
fn group_spacing(series: &[Drawn]) -> f64 {
    let mut times: Vec<f64> = series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    times
        .windows(2)
        .map(|w| w[1] - w[0])
        .fold(None, |min: Option<f64>, d| Some(min.map_or(d, |m| m.min(d))))
        .unwrap_or(LONE_GROUP_SPACING)
}

/// Bars side by side around each timestamp, in legend order, standing on zero.
fn paint_bars(pen: &Pen, frame: &Frame, series: &[Drawn]) -> Result<(), ChartError> {
    let spacing = group_spacing(series);
    let group = (frame.px(spacing) - frame.px(0.0)).abs() * GROUP_FILL;
    let bar = (group / series.len() as f64).min(MAX_BAR_WIDTH);
    // A sliver of background between neighbouring bars, unless bars are too thin to spare it.
    let gap = if bar > 6.0 { 1.0 } else { 0.0 };
    let zero = frame.py(0.0);
    for (i, s) in series.iter().enumerate() {
        let offset = (i as f64 - (series.len() as f64 - 1.0) / 2.0) * bar;
        for &(t, v) in &s.points {
            let centre = frame.px(t) + offset;
            let (top, bottom) = if v >= 0.0 { (frame.py(v), zero) } else { (zero, frame.py(v)) };
            pen.rect(centre - bar / 2.0 + gap, top, centre + bar / 2.0 - gap, bottom, &s.colour)?;
        }
    }
    Ok(())
}

/// Legend items flowed under the title in at most two rows. Labels are cut shorter until every series fits,
/// since a bar or line without its label misleads; past that, a last item says how many are not listed.
fn legend_layout(series: &[Drawn]) -> Vec<LegendItem> {
    let entries: Vec<(&str, Option<RGBColor>)> = series.iter().map(|s| (s.label.as_str(), Some(s.colour))).collect();
    if let Some(items) = LABEL_WIDTHS.iter().find_map(|&max| flow(&entries, max)) {
        return items;
    }
    let narrowest = LABEL_WIDTHS[LABEL_WIDTHS.len() - 1];
    (0..entries.len())
        .rev()
        .find_map(|shown| {
            let more = format!("+{} more", entries.len() - shown);
            let mut some: Vec<(&str, Option<RGBColor>)> = entries[..shown].to_vec();
            some.push((&more, None));
            flow(&some, narrowest)
        })
        .unwrap_or_default()
}

/// Lays entries out left to right with labels cut to `max_label`; None if they need too many rows.
fn flow(entries: &[(&str, Option<RGBColor>)], max_label: f64) -> Option<Vec<LegendItem>> {
    let right_edge = WIDTH as f64 - PAD;
    let mut items = Vec::new();
    let (mut left, mut row) = (PAD, 0);
    for &(label, colour) in entries {
        let text = fit_text(label, LABEL_SIZE, max_label);
        let swatch = if colour.is_some() { SWATCH + SWATCH_GAP } else { 0.0 };
        let width = swatch + text_width(&text, LABEL_SIZE);
        if left + width > right_edge && left > PAD {
            (left, row) = (PAD, row + 1);
        }
        if row >= MAX_LEGEND_ROWS {
            return None;
        }
        items.push(LegendItem { text, colour, left, row });
        left += width + ITEM_GAP;
    }
    Some(items)
}

fn paint_legend(pen: &Pen, items: &[LegendItem], kind: ChartKind) -> Result<(), ChartError> {
    for item in items {
        let middle = BAND_TOP + BAND_ROW * (item.row as f64 + 0.5);
        let baseline = middle + cap_height(LABEL_SIZE) / 2.0;
        let Some(colour) = item.colour else {
            pen.text(&item.text, item.left, baseline, LABEL_SIZE, &MUTED, Align::Left)?;
            continue;
        };
        // A short thick stroke for lines, a square for bars: the swatch looks like what it labels.
        let half_height = if kind == ChartKind::Lines { 2.0 } else { SWATCH / 2.0 };
        pen.rect(item.left, middle - half_height, item.left + SWATCH, middle + half_height, &colour)?;
        pen.text(&item.text, item.left + SWATCH + SWATCH_GAP, baseline, LABEL_SIZE, &INK, Align::Left)?;
    }
    Ok(())
}

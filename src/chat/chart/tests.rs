//! Tests on the rendered PNGs, asserting what someone looking at the chart would notice.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::alarm::AlarmPlan;
use super::*;

struct Image {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

impl Image {
    fn decode(png_bytes: &[u8]) -> Self {
        let decoder = png::Decoder::new(png_bytes);
        let mut reader = decoder.read_info().expect("a PNG header");
        let mut rgb = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut rgb).expect("PNG image data");
        assert_eq!(info.color_type, png::ColorType::Rgb);
        rgb.truncate(info.buffer_size());
        Self { width: info.width, height: info.height, rgb }
    }

    fn pixel(&self, x: u32, y: u32) -> (u8, u8, u8) {
        let i = (y * self.width + x) as usize * 3;
        (self.rgb[i], self.rgb[i + 1], self.rgb[i + 2])
    }

    /// How many pixels of row `y` between `from` and `to` look like `colour`.
    fn count_in_row(&self, y: u32, from: u32, to: u32, colour: fn((u8, u8, u8)) -> bool) -> usize {
        (from..to).filter(|&x| colour(self.pixel(x, y))).count()
    }

    fn count_in_column(&self, x: u32, from: u32, to: u32, colour: fn((u8, u8, u8)) -> bool) -> usize {
        (from..to).filter(|&y| colour(self.pixel(x, y))).count()
    }

    fn count(&self, colour: fn((u8, u8, u8)) -> bool) -> usize {
        self.rgb.chunks(3).filter(|p| colour((p[0], p[1], p[2]))).count()
    }
}

fn is_alarm_red((r, g, b): (u8, u8, u8)) -> bool {
    r > 170 && g < 90 && b < 100
}

fn is_ok_green((r, g, b): (u8, u8, u8)) -> bool {
    g > 100 && r < 60 && b < 90
}

fn is_metric_blue((r, g, b): (u8, u8, u8)) -> bool {
    b > 140 && r < 60 && g > 80 && g < 150
}

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 13, 0, 0).unwrap() + Duration::minutes(minute)
}

fn firing_chart() -> AlarmChart {
    AlarmChart {
        title: "checkout-api · Errors (Sum, 1 min)".into(),
        unit: Some("count".into()),
        points: (0..60).map(|m| (at(m), if m < 50 { 1.0 } else { 30.0 })).collect(),
        threshold: Some(5.0),
        transition: Some(at(50)),
        transition_label: Some("ALARM 13:50".into()),
        firing: true,
    }
}

fn render(chart: &AlarmChart) -> Image {
    Image::decode(&render_alarm_chart(chart).expect("the chart renders"))
}

#[test]
fn an_alarm_chart_is_an_800_by_400_png() {
    let image = render(&firing_chart());
    assert_eq!((image.width, image.height), (WIDTH, HEIGHT));
    assert_eq!((WIDTH, HEIGHT), (800, 400));
}

#[test]
fn the_threshold_is_a_dashed_red_line_at_its_value() {
    let chart = firing_chart();
    let plan = AlarmPlan::new(&chart).expect("a plan for data");
    let rect = plan.frame.rect;
    let row = plan.threshold_y().expect("a threshold row").floor() as u32;

    let image = render(&chart);

    let (from, to) = (rect.left as u32, rect.right as u32);
    let red = image.count_in_row(row, from, to, is_alarm_red);
    assert!(red > (to - from) as usize / 3, "only {red} red pixels on row {row}");
    let rows_away =
        image.count_in_row(row + 6, from, to, is_alarm_red) + image.count_in_row(row - 6, from, to, is_alarm_red);
    assert!(rows_away < red / 4, "the red line is not confined to row {row}");
}

#[test]
fn the_threshold_stays_inside_the_plot_with_room_above_it_when_data_is_far_below() {
    let chart = AlarmChart { points: vec![(at(0), 0.0), (at(1), 1.0)], threshold: Some(500.0), ..firing_chart() };
    let plan = AlarmPlan::new(&chart).expect("a plan for data");
    let y = plan.threshold_y().expect("a threshold row");
    assert!(y > plan.frame.rect.top + 20.0, "threshold at {y} hugs the top {}", plan.frame.rect.top);
}

#[test]
fn the_highest_point_has_room_above_it() {
    let chart = AlarmChart { threshold: None, ..firing_chart() };
    let plan = AlarmPlan::new(&chart).expect("a plan for data");
    assert!(plan.frame.py(30.0) > plan.frame.rect.top + 20.0);
}

#[test]
fn the_area_above_the_threshold_is_tinted_and_below_it_is_not() {
    let chart = firing_chart();
    let plan = AlarmPlan::new(&chart).expect("a plan for data");
    let (x, y) = (plan.frame.rect.left as u32 + 160, plan.threshold_y().unwrap() as u32);
    let image = render(&chart);
    let (above, below) = (image.pixel(x, y - 40), image.pixel(x, y + 12));
    assert!(above.0 > above.1 && above.0 > 240 && above.1 < 250, "above the threshold is {above:?}");
    assert_eq!(below, (255, 255, 255));
}

#[test]
fn the_transition_marker_runs_down_the_plot_in_the_alarm_colour() {
    let chart = firing_chart();
    let plan = AlarmPlan::new(&chart).expect("a plan for data");
    let x = plan.frame.px(at(50).timestamp() as f64).round() as u32;
    let rect = plan.frame.rect;
    let image = render(&chart);
    let red = [x - 1, x, x + 1]
        .iter()
        .map(|&x| image.count_in_column(x, rect.top as u32, rect.bottom as u32, is_alarm_red))
        .max();
    assert!(red.unwrap_or(0) > ((rect.bottom - rect.top) / 3.0) as usize, "{red:?} red pixels at x={x}");
}

#[test]
fn a_recovered_alarm_is_marked_in_green() {
    let image = render(&AlarmChart { firing: false, transition_label: None, ..firing_chart() });
    assert!(image.count(is_ok_green) > 500);
    assert!(image.count_in_row(2, 0, WIDTH, is_ok_green) == WIDTH as usize, "no green accent along the top");
}

#[test]
fn an_empty_window_renders_a_no_datapoints_chart() {
    let image = render(&AlarmChart { points: Vec::new(), ..firing_chart() });
    assert_eq!((image.width, image.height), (WIDTH, HEIGHT));
    assert_eq!(image.count(is_metric_blue), 0);
    assert!(image.count(|(r, g, b)| r < 120 && g < 120 && b < 130) > 200, "no message text");
}

#[test]
fn a_window_of_only_nan_and_infinity_is_empty_too() {
    let points = vec![(at(0), f64::NAN), (at(1), f64::INFINITY), (at(2), f64::NEG_INFINITY)];
    let with_junk = render_alarm_chart(&AlarmChart { points, ..firing_chart() }).unwrap();
    let empty = render_alarm_chart(&AlarmChart { points: Vec::new(), ..firing_chart() }).unwrap();
    assert_eq!(with_junk, empty);
}

#[test]
fn nan_values_are_skipped_as_if_absent() {
    let clean = firing_chart();
    let mut with_nan = clean.clone();
    with_nan.points.push((at(70), f64::NAN));
    with_nan.points.push((at(71), f64::INFINITY));
    assert_eq!(render_alarm_chart(&with_nan).unwrap(), render_alarm_chart(&clean).unwrap());
}

#[test]
fn a_single_point_is_drawn_as_a_dot() {
    let image = render(&AlarmChart { points: vec![(at(0), 3.0)], transition: None, ..firing_chart() });
    assert!(image.count(is_metric_blue) > 20);
}

#[test]
fn huge_and_tiny_values_render_without_panicking() {
    for points in [
        vec![(at(0), f64::MAX), (at(1), f64::MIN), (at(2), 0.0)],
        vec![(at(0), 1e300), (at(1), 1e-300)],
        vec![(at(0), 5e-324), (at(1), 0.0)],
    ] {
        render(&AlarmChart { points, threshold: Some(f64::MAX), ..firing_chart() });
    }
}

#[test]
fn far_apart_and_unsorted_times_render() {
    let points = vec![(DateTime::<Utc>::MAX_UTC, 1.0), (DateTime::<Utc>::MIN_UTC, 2.0), (at(0), 3.0)];
    render(&AlarmChart { points, transition: None, ..firing_chart() });
}

#[test]
fn the_same_chart_renders_to_the_same_bytes() {
    let mut shuffled = firing_chart();
    shuffled.points.reverse();
    let first = render_alarm_chart(&firing_chart()).unwrap();
    assert_eq!(first, render_alarm_chart(&firing_chart()).unwrap());
    assert_eq!(first, render_alarm_chart(&shuffled).unwrap());
}

#[test]
fn a_very_long_title_is_cut_rather_than_overflowing() {
    let chart = AlarmChart { title: "very-long-function-name-".repeat(8), ..firing_chart() };
    let image = render(&chart);
    let right_margin_ink =
        (40..52).map(|y| image.count_in_row(y, WIDTH - 12, WIDTH, |(r, _, _)| r < 200)).sum::<usize>();
    assert_eq!(right_margin_ink, 0);
}

fn digest(kind: ChartKind, series: usize) -> SeriesChart {
    let monday = Utc.with_ymd_and_hms(2026, 11, 16, 0, 0, 0).unwrap();
    let series = (0..series)
        .map(|i| Series {
            label: format!("function-{i}"),
            points: (0..7).map(|d| (monday + Duration::days(d), (100 * (i + 1) + 10 * d as usize) as f64)).collect(),
        })
        .collect();
    SeriesChart { title: "payments · Errors per day".into(), unit: None, series, kind }
}

#[test]
fn each_series_gets_its_own_palette_colour() {
    let image = Image::decode(&render_series_chart(&digest(ChartKind::Bars, 3)).unwrap());
    for &plotters::style::RGBColor(r, g, b) in &theme::PALETTE[..3] {
        let count = image.rgb.chunks(3).filter(|p| (p[0], p[1], p[2]) == (r, g, b)).count();
        assert!(count > 1000, "colour ({r}, {g}, {b}) covers only {count} pixels");
    }
}

#[test]
fn line_and_bar_digests_render_at_the_same_size() {
    for kind in [ChartKind::Lines, ChartKind::Bars] {
        let image = Image::decode(&render_series_chart(&digest(kind, 5)).unwrap());
        assert_eq!((image.width, image.height), (WIDTH, HEIGHT));
    }
}

#[test]
fn a_digest_without_data_renders_the_empty_chart() {
    let chart = SeriesChart {
        series: vec![Series { label: "quiet".into(), points: Vec::new() }],
        ..digest(ChartKind::Lines, 0)
    };
    let image = Image::decode(&render_series_chart(&chart).unwrap());
    assert_eq!(image.count(|p| theme::PALETTE.iter().any(|c| (c.0, c.1, c.2) == p)), 0);
}

#[test]
fn many_series_with_long_names_still_render() {
    let mut chart = digest(ChartKind::Lines, 12);
    chart.series.iter_mut().for_each(|s| s.label = format!("{}-with-a-really-long-suffix", s.label));
    render_series_chart(&chart).unwrap();
}

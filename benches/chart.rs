//! Prints how long one alarm chart and one digest chart take to render, in the build profile used.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use opspod::chat::chart::{AlarmChart, ChartKind, Series, SeriesChart, render_alarm_chart, render_series_chart};

const RUNS: u32 = 50;

fn minutes(count: i64) -> Vec<(DateTime<Utc>, f64)> {
    let start = Utc.with_ymd_and_hms(2026, 11, 20, 11, 0, 0).unwrap();
    (0..count).map(|m| (start + chrono::Duration::minutes(m), ((m * 37) % 41) as f64)).collect()
}

fn time(name: &str, mut render: impl FnMut()) {
    render(); // The first call registers the font; it is not what an alert waits on.
    let started = Instant::now();
    for _ in 0..RUNS {
        render();
    }
    let per_chart: Duration = started.elapsed() / RUNS;
    println!("{name}: {:.1} ms per chart ({RUNS} runs)", per_chart.as_secs_f64() * 1000.0);
}

fn main() {
    let alarm = AlarmChart {
        title: "checkout-api · Errors (Sum, 1 min)".into(),
        unit: Some("count".into()),
        points: minutes(180),
        threshold: Some(30.0),
        transition: Some(Utc.with_ymd_and_hms(2026, 11, 20, 14, 3, 0).unwrap()),
        transition_label: Some("ALARM 14:03".into()),
        firing: true,
    };
    let digest = SeriesChart {
        title: "payments · Invocations per hour".into(),
        unit: None,
        series: (0..5).map(|i| Series { label: format!("function-{i}"), points: minutes(168) }).collect(),
        kind: ChartKind::Lines,
    };
    time("alarm chart, 180 points", || {
        black_box(render_alarm_chart(black_box(&alarm)).expect("alarm chart renders"));
    });
    time("series chart, 5 × 168 points", || {
        black_box(render_series_chart(black_box(&digest)).expect("series chart renders"));
    });
}

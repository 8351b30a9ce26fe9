//! Renders what enrichment found into the lines under an alert, and its metric into the chart inside it.

use chrono::{DateTime, Utc};

use super::chart::{AlarmChart, render_alarm_chart};
use super::message::{Image, Message};
use super::render::{duration, number};
use crate::domain::context::{Context, LambdaStats, LogFindings, Related};
use crate::domain::text::SafeText;

/// What an alert shows while enrichment runs.
pub const GATHERING: &str = "Gathering context…";

/// Error signatures listed before the rest are counted.
const TOP_ERRORS_SHOWN: usize = 3;

/// Functions listed by name under a Health event before the rest are counted.
const FUNCTIONS_SHOWN: usize = 10;

/// The message with `context` in place of whatever context it showed before; an edit never notifies anyone.
pub fn with_context(mut message: Message, context: &Context, opened_at: DateTime<Utc>) -> Message {
    message.mentions.clear();
    message.context = context_lines(context, opened_at);
    if let Some(image) = chart(context, opened_at, message.tone == super::message::Tone::Firing) {
        message.image = Some(image);
    }
    message
}

/// The context as lines, most telling first: numbers, errors, the deploy, AWS's own problems, gaps.
pub fn context_lines(context: &Context, opened_at: DateTime<Utc>) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(stats) = &context.lambda {
        lines.push(stats_line(stats));
    }
    if let Some(logs) = &context.logs {
        lines.extend(log_lines(logs));
    }
    if let Some(deploy) = context.function.as_ref().and_then(|function| function.deploy.as_ref()) {
        let version = if deploy.version == "$LATEST" { "$LATEST".to_owned() } else { format!("v{}", deploy.version) };
        let sha = deploy.code_sha256.as_deref().map(|sha| format!(" (code {})", &sha[..sha.len().min(8)]));
        lines.push(match deploy.deployed_at {
            Some(at) if at <= opened_at => format!(
                "Last deploy: {version} at {}, {} before the alarm{}.",
                at.format("%H:%M UTC on %Y-%m-%d"),
                duration(at, opened_at),
                sha.unwrap_or_default()
            ),
            _ => format!("Last deploy: {version}{}.", sha.unwrap_or_default()),
        });
    }
    lines.extend(context.health.iter().map(health_line));
    if !context.alarms.is_empty() {
        let alarms: Vec<String> =
            context.alarms.iter().map(|alarm| format!("{} ({})", alarm.title, alarm.incident_id)).collect();
        lines.push(format!("Our alarms firing there now: {}.", alarms.join("; ")));
    }
    if let Some(line) = functions_line(context) {
        lines.push(line);
    }
    if !context.unavailable.is_empty() {
        lines.push(format!("Not available: {}.", unavailable_line(&context.unavailable)));
    }
    if lines.is_empty() {
        lines.push("No further context found.".into());
    }
    // Error signatures and frames come straight from log lines, and the account and region in what was not
    // available from the event itself: none of it may ping anyone or reorder the screen.
    lines.into_iter().map(|line| SafeText::from_untrusted(&line).into()).collect()
}

/// "37 errors in 15 min · 41% of 90 invocations · 2 throttles · duration avg 420 ms, p95 1.8 s, max 3 s".
fn stats_line(stats: &LambdaStats) -> String {
    let mut parts = vec![format!("{} errors in {} min", number(stats.errors), stats.window_minutes)];
    match stats.error_rate() {
        Some(rate) => parts.push(format!("{} of {} invocations", percent(rate), number(stats.invocations))),
        None => parts.push("no invocations".into()),
    }
    if stats.throttles > 0.0 {
        parts.push(format!("{} throttles", number(stats.throttles)));
    }
    let durations: Vec<String> =
        [("avg", stats.duration_avg_ms), ("p95", stats.duration_p95_ms), ("max", stats.duration_max_ms)]
            .into_iter()
            .filter_map(|(label, value)| Some(format!("{label} {}", millis(value?))))
            .collect();
    if !durations.is_empty() {
        parts.push(format!("duration {}", durations.join(", ")));
    }
    if let Some(concurrency) = stats.concurrency_max {
        parts.push(format!("peak concurrency {}", number(concurrency)));
    }
    parts.join(" · ")
}

fn log_lines(logs: &LogFindings) -> Vec<String> {
    let mut lines = Vec::new();
    let shown = logs.top_errors.iter().take(TOP_ERRORS_SHOWN);
    let errors: Vec<String> = shown
        .map(|error| match &error.frame {
            Some(frame) => format!("{}× `{}` at {frame}", error.count, error.signature),
            None => format!("{}× `{}`", error.count, error.signature),
        })
        .collect();
    if !errors.is_empty() {
        lines.push("Top errors in the logs:".into());
        lines.extend(errors.into_iter().map(|line| format!("  {line}")));
    }
    if logs.timeouts > 0 {
        lines.push(format!("  {}× Task timed out", logs.timeouts));
    }
    if logs.out_of_memory > 0 {
        lines.push(format!("  {}× out of memory (killed)", logs.out_of_memory));
    }
    if lines.is_empty() {
        lines.push(format!("No errors in the {} log events around the alarm.", logs.events_scanned));
    }
    if logs.truncated {
        lines.push(format!("(Log scan stopped after {} events; counts are a lower bound.)", logs.events_scanned));
    }
    lines
}

fn health_line(health: &Related) -> String {
    format!(
        "⚠ AWS Health: {} (open since {} UTC, {}). This may not be your code.",
        health.title,
        health.since.format("%H:%M"),
        health.incident_id
    )
}

/// "Our functions on python3.9: report-builder (@analytics), legacy-etl — 2 of 41."
fn functions_line(context: &Context) -> Option<String> {
    if context.our_functions.is_empty() {
        return context.functions_checked.map(|checked| format!("None of our {checked} functions is affected."));
    }
    let named: Vec<String> = context
        .our_functions
        .iter()
        .take(FUNCTIONS_SHOWN)
        .map(|function| match &function.owner {
            Some(owner) => format!("{} ({owner})", function.name),
            None => function.name.clone(),
        })
        .collect();
    let more = context.our_functions.len().saturating_sub(FUNCTIONS_SHOWN);
    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
    let of = context.functions_checked.map(|checked| format!(" — {} of {checked}", context.our_functions.len()));
    Some(format!("Our functions affected: {}{more}{}.", named.join(", "), of.unwrap_or_default()))
}

fn chart(context: &Context, opened_at: DateTime<Utc>, firing: bool) -> Option<Image> {
    let series = context.series.as_ref()?;
    let chart = AlarmChart {
        title: series.label.clone(),
        unit: None,
        points: series.points.clone(),
        threshold: series.threshold,
        transition: Some(opened_at),
        transition_label: None,
        firing,
    };
    match render_alarm_chart(&chart) {
        Ok(png) => Some(Image {
            name: "chart.png".into(),
            description: format!("{} around {} UTC", series.label, opened_at.format("%H:%M")),
            png,
        }),
        Err(error) => {
            tracing::warn!(%error, "Could not draw the chart; the alert goes without it.");
            None
        }
    }
}

fn percent(ratio: f64) -> String {
    let value = ratio * 100.0;
    if value >= 10.0 { format!("{value:.0}%") } else { format!("{value:.1}%") }
}

/// `420 ms`, `1.8 s`.
fn millis(value: f64) -> String {
    if value >= 1000.0 { format!("{} s", number((value / 100.0).round() / 10.0)) } else { format!("{value:.0} ms") }
}

/// "metrics, logs and the chart (the AWS call failed; see the bot's log); the last deploy (timed out)": items
/// that share a reason are said once, in the order they came.
fn unavailable_line(items: &[String]) -> String {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for item in items {
        let (what, why) = match item.strip_suffix(')').and_then(|item| item.split_once(" (")) {
            Some((what, why)) => (what, why),
            None => (item.as_str(), ""),
        };
        match groups.iter_mut().find(|(reason, _)| *reason == why) {
            Some((_, whats)) => whats.push(what),
            None => groups.push((why, vec![what])),
        }
    }
    let said: Vec<String> = groups
        .iter()
        .map(|(why, whats)| {
            let whats = match whats.split_last() {
                Some((last, [])) => (*last).to_owned(),
                Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
                None => String::new(),
            };
            if why.is_empty() { whats } else { format!("{whats} ({why})") }
        })
        .collect();
    said.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::context::{Deploy, FunctionFacts, TopError};

    fn at(time: &str) -> DateTime<Utc> {
        format!("2026-11-20T{time}Z").parse().unwrap()
    }

    #[test]
    fn the_context_answers_how_bad_why_and_what_changed() {
        let context = Context {
            lambda: Some(LambdaStats {
                window_minutes: 15,
                invocations: 90.0,
                errors: 37.0,
                throttles: 0.0,
                duration_avg_ms: Some(420.0),
                duration_p95_ms: Some(1830.0),
                duration_max_ms: Some(3000.0),
                concurrency_max: Some(12.0),
            }),
            logs: Some(LogFindings {
                top_errors: vec![TopError {
                    signature: "ValueError: invalid literal for int() with base <n>: '…'".into(),
                    count: 31,
                    frame: Some("orders/parse.py:88 in parse_order".into()),
                    first_seen: None,
                    last_seen: None,
                }],
                timeouts: 4,
                events_scanned: 600,
                ..LogFindings::default()
            }),
            function: Some(FunctionFacts {
                name: "checkout-api".into(),
                runtime: Some("python3.12".into()),
                memory_mb: Some(512),
                architecture: Some("arm64".into()),
                deploy: Some(Deploy {
                    version: "42".into(),
                    deployed_at: Some(at("13:53:00")),
                    code_sha256: Some("1a2b3c4d5e6f".into()),
                }),
            }),
            health: vec![Related {
                incident_id: "inc-9".into(),
                title: "AWS Health · LAMBDA · issue · us-east-1".into(),
                since: at("14:05:00"),
            }],
            ..Context::default()
        };
        let lines = context_lines(&context, at("14:02:11"));
        assert_eq!(
            lines,
            [
                "37 errors in 15 min · 41% of 90 invocations · duration avg 420 ms, p95 1.8 s, max 3 s · peak concurrency 12",
                "Top errors in the logs:",
                "  31× `ValueError: invalid literal for int() with base <n>: '…'` at orders/parse.py:88 in parse_order",
                "  4× Task timed out",
                "Last deploy: v42 at 13:53 UTC on 2026-11-20, 9 min before the alarm (code 1a2b3c4d).",
                "⚠ AWS Health: AWS Health · LAMBDA · issue · us-east-1 (open since 14:05 UTC, inc-9). This may not be your code.",
            ]
        );
    }

    #[test]
    fn what_could_not_be_learned_is_said_plainly() {
        let context = Context { unavailable: vec!["logs (logs:FilterLogEvents denied)".into()], ..Context::default() };
        assert_eq!(context_lines(&context, at("14:00:00")), ["Not available: logs (logs:FilterLogEvents denied)."]);
        assert_eq!(context_lines(&Context::default(), at("14:00:00")), ["No further context found."]);
    }

    #[test]
    fn what_failed_for_one_reason_is_named_together_with_the_reason_once() {
        let failed = |what: &str| format!("{what} (the AWS call failed; see the bot's log)");
        let unavailable =
            vec![failed("metrics"), failed("logs"), "the last deploy (timed out)".into(), failed("the chart")];
        let context = Context { unavailable, ..Context::default() };
        assert_eq!(
            context_lines(&context, at("14:00:00")),
            ["Not available: metrics, logs and the chart (the AWS call failed; see the bot's log); \
              the last deploy (timed out)."]
        );
    }
}

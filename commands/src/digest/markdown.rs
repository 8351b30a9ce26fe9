//! The digest as the Markdown attachment: no length limit, so every function with both periods' figures, every
//! attention item, the incidents with the suppressed ones and why, and every Health item. Text from AWS goes
//! through the escapes, so a name can neither mention anyone nor break a table.

use chrono::{DateTime, Utc};

use super::figures::{self, count_delta, delta, delta_of, latency_of, percent_of};
use super::render::{split_health, title};
use super::{AlarmNoise, Digest, FunctionWeek, Period};
use crate::text::{self, code_span, escape_inline, table_cell};

pub(super) fn render_markdown(digest: &Digest) -> String {
    let sections = [
        header(digest),
        attention(digest),
        functions(digest),
        configuration(digest),
        incidents(digest),
        health(digest),
        notes(digest),
    ];
    let mut markdown = sections.into_iter().filter(|section| !section.is_empty()).collect::<Vec<_>>().join("\n\n");
    markdown.push('\n');
    markdown
}

fn header(digest: &Digest) -> String {
    let mut lines = title(digest);
    // The chat title is bold; the attachment's is a heading.
    lines[0] = format!("# {}", lines[0].trim_matches('*'));
    let span = digest.span();
    lines.push(String::new());
    lines.push(format!(
        "{} to {}, compared with {}. Costs in {}.",
        text::timestamp(digest.start),
        text::timestamp(digest.end),
        span.previous,
        escape_inline(&digest.currency)
    ));
    lines.push(String::new());
    lines.push(format!("**{}**", digest.headline()));
    lines.join("\n")
}

fn attention(digest: &Digest) -> String {
    let items = digest.attention();
    if items.is_empty() {
        return format!("## Needs attention\n\nNothing needs attention {}.", digest.span().this);
    }
    let lines: Vec<String> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            format!(
                "{}. {} — {} → {}",
                i + 1,
                code_span(&item.function),
                escape_inline(&item.reason),
                escape_inline(&item.next_step)
            )
        })
        .collect();
    format!("## Needs attention\n\n{}", lines.join("\n"))
}

fn functions(digest: &Digest) -> String {
    if digest.functions.is_empty() {
        return "## Functions\n\nThe team has no Lambda functions.".into();
    }
    let span = digest.span();
    let mut lines = vec![
        "## Functions".to_owned(),
        String::new(),
        format!(
            "Worst first. Each cell is {} / {}, then the change; `*` marks interactive functions.",
            span.this, span.previous
        ),
        String::new(),
        "| # | Function | Invocations | Errors | Timeouts | OOM kills | Throttles | p95 | Cold starts | Init p95 \
         | Memory ≥ 90% | Cost | Failed cost | Retry cost |"
            .to_owned(),
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|".to_owned(),
    ];
    lines.extend(digest.ranked().iter().enumerate().map(|(i, f)| function_row(digest, i + 1, f)));
    lines.join("\n")
}

fn function_row(digest: &Digest, rank: usize, function: &FunctionWeek) -> String {
    let (this, last) = (&function.this, &function.last);
    let marker = if function.interactive { " \\*" } else { "" };
    let money = |figure: fn(&Period) -> f64| {
        both(digest.money(figure(this)), digest.money(figure(last)), delta(figure(this), figure(last)))
    };
    let cells = [
        rank.to_string(),
        format!("{}{marker}", code_span(&function.function)),
        counts(this.invocations, last.invocations),
        both(errors(this), errors(last), delta_of(this.error_rate(), last.error_rate())),
        counts(this.timeouts, last.timeouts),
        counts(this.oom, last.oom),
        counts(this.throttles, last.throttles),
        both(
            latency_of(this.duration_p95_ms),
            latency_of(last.duration_p95_ms),
            delta_of(this.duration_p95_ms, last.duration_p95_ms),
        ),
        both(
            percent_of(this.cold_start_rate()),
            percent_of(last.cold_start_rate()),
            delta_of(this.cold_start_rate(), last.cold_start_rate()),
        ),
        both(latency_of(this.init_p95_ms), latency_of(last.init_p95_ms), delta_of(this.init_p95_ms, last.init_p95_ms)),
        both(memory(this), memory(last), delta_of(this.memory_high_share(), last.memory_high_share())),
        money(|p| p.cost),
        money(|p| p.failed_cost),
        both(retries(digest, this), retries(digest, last), delta(this.retry_cost, last.retry_cost)),
    ];
    row(&cells)
}

fn row(cells: &[String]) -> String {
    let cells: Vec<String> = cells.iter().map(|cell| table_cell(cell)).collect();
    format!("| {} |", cells.join(" | "))
}

/// `1,204 / 980 · ▲ 23%`.
fn counts(this: u64, last: u64) -> String {
    both(text::thousands(this), text::thousands(last), count_delta(this, last))
}

fn both(this: String, last: String, change: String) -> String {
    if change.is_empty() { format!("{this} / {last}") } else { format!("{this} / {last} · {change}") }
}

/// `38,500 (3.2%)`.
fn errors(period: &Period) -> String {
    match period.error_rate() {
        Some(rate) => format!("{} ({})", text::thousands(period.errors), text::percent(rate)),
        None => text::thousands(period.errors),
    }
}

/// `12.0% (peak 98%)`: the share of invocations at ≥ 90% of memory, and the highest use seen.
fn memory(period: &Period) -> String {
    let share = percent_of(period.memory_high_share());
    match period.memory_peak_pct {
        Some(peak) => format!("{share} (peak {peak:.0}%)"),
        None => share,
    }
}

/// `$6.20 (4,100)`: what retries were billed, and how many there were.
fn retries(digest: &Digest, period: &Period) -> String {
    format!("{} ({})", digest.money(period.retry_cost), text::thousands(period.retries))
}

fn configuration(digest: &Digest) -> String {
    if digest.functions.is_empty() {
        return String::new();
    }
    let mut lines = vec![
        "### Configuration and deploys".to_owned(),
        String::new(),
        "| Function | Region | Interactive | Memory | Deploy | Provisioned concurrency |".to_owned(),
        "|---|---|---|---:|---|---:|".to_owned(),
    ];
    lines.extend(digest.ranked().iter().map(|f| {
        row(&[
            code_span(&f.function),
            escape_inline(&f.region),
            if f.interactive { "yes" } else { "no" }.to_owned(),
            f.memory_mb.map_or_else(|| "—".to_owned(), |mb| format!("{mb} MB")),
            deploy(digest, f),
            f.provisioned_month_cost
                .map_or_else(|| "—".to_owned(), |cost| format!("{}/month an instance", digest.money(cost))),
        ])
    }));
    lines.join("\n")
}

/// `v42, 2026-11-26 13:53:00 UTC (this week), after v41`.
fn deploy(digest: &Digest, function: &FunctionWeek) -> String {
    let Some(deploy) = &function.deploy else {
        return "—".into();
    };
    let mut cell = escape_inline(&figures::version(&deploy.version));
    if let Some(at) = deploy.at {
        let recent =
            if function.deployed_in(digest).is_some() { format!(" ({})", digest.span().this) } else { String::new() };
        cell.push_str(&format!(", {}{recent}", text::timestamp(at)));
    }
    if let Some(previous) = &deploy.previous {
        cell.push_str(&format!(", after {}", escape_inline(&figures::version(previous))));
    }
    cell
}

fn incidents(digest: &Digest) -> String {
    let incidents = &digest.incidents;
    let span = digest.span();
    let mut lines = vec![
        "## Incidents".to_owned(),
        String::new(),
        format!(
            "- Opened: {} ({} {}, {}); {} critical, {} unresolved",
            text::thousands(incidents.opened),
            text::thousands(incidents.opened_last),
            span.previous,
            count_delta(incidents.opened, incidents.opened_last),
            text::thousands(incidents.critical),
            text::thousands(incidents.unresolved)
        ),
        format!(
            "- Mean time to acknowledge: {} (over the incidents someone acknowledged)",
            incidents.mtta_seconds.map_or_else(|| "—".to_owned(), figures::duration)
        ),
        format!(
            "- Mean time to resolve: {} (over the incidents that resolved)",
            incidents.mttr_seconds.map_or_else(|| "—".to_owned(), figures::duration)
        ),
    ];
    for (heading, alarms) in [("Noisiest alarms", &incidents.noisiest), ("Flapping alarms", &incidents.flapping)] {
        if !alarms.is_empty() {
            lines.extend([String::new(), format!("### {heading}"), String::new()]);
            lines.extend(alarm_table(alarms));
        }
    }
    if !incidents.suppressed.is_empty() {
        lines.extend([
            String::new(),
            "### Suppressed (recorded, never posted)".to_owned(),
            String::new(),
            "| Opened | Incident | Why |".to_owned(),
            "|---|---|---|".to_owned(),
        ]);
        lines.extend(incidents.suppressed.iter().map(|suppressed| {
            row(&[text::timestamp(suppressed.at), escape_inline(&suppressed.title), escape_inline(&suppressed.why)])
        }));
    }
    lines.join("\n")
}

fn alarm_table(alarms: &[AlarmNoise]) -> Vec<String> {
    let mut lines = vec!["| Alarm | State changes | Incidents |".to_owned(), "|---|---:|---:|".to_owned()];
    lines.extend(alarms.iter().map(|alarm| {
        row(&[code_span(&alarm.alarm), text::thousands(alarm.state_changes), text::thousands(alarm.incidents)])
    }));
    lines
}

fn health(digest: &Digest) -> String {
    if digest.health.is_empty() {
        return "## AWS Health\n\nNothing touched the team's functions, and nothing is scheduled.".into();
    }
    let (touched, upcoming) = split_health(digest);
    let mut lines = vec![
        "## AWS Health".to_owned(),
        String::new(),
        "| Status | Category | Region | Starts | Event | Our functions |".to_owned(),
        "|---|---|---|---|---|---|".to_owned(),
    ];
    lines.extend(touched.into_iter().chain(upcoming).map(|item| {
        let functions: Vec<String> = item.functions.iter().map(|f| code_span(f)).collect();
        row(&[
            escape_inline(&item.status),
            escape_inline(&item.category),
            escape_inline(&item.region),
            item.start.map_or_else(|| "—".to_owned(), day),
            escape_inline(&item.title),
            if functions.is_empty() { "—".to_owned() } else { functions.join(", ") },
        ])
    }));
    lines.join("\n")
}

fn day(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn notes(digest: &Digest) -> String {
    if digest.notes.is_empty() {
        return String::new();
    }
    let lines: Vec<String> = digest.notes.iter().map(|note| format!("- _{}_", escape_inline(note))).collect();
    format!("## Notes\n\n{}", lines.join("\n"))
}

//! The digest as one Discord message: the headline, what needs attention, the worst functions in a narrow
//! table, incidents and AWS Health, always within Discord's limit; the attachment holds the rest.

use chrono::TimeDelta;

use super::figures::{self, count_delta, delta, delta_of, percent_of};
use super::{AlarmNoise, Digest, FunctionWeek, HealthItem, IncidentWeek};
use crate::text::{self, Fit};

/// Functions in the table before the rest are counted: the attachment lists them all.
const LISTED: usize = 10;
/// The table is about 60 characters wide, so it fits a phone; longer names are cut.
const NAME_WIDTH: usize = 23;
/// Names and titles outside the table are cut too, so one long name cannot crowd out the rest.
const INLINE_NAME: usize = 40;
const TITLE_WIDTH: usize = 90;
/// Health items and affected functions named before the rest are counted.
const NAMED: usize = 3;
/// Alarms named per list: the top two are the ones worth tuning this week.
const NAMED_ALARMS: usize = 2;
/// Health's scheduled changes worth mentioning in chat: those due within a month.
const UPCOMING_DAYS: i64 = 30;

/// How much detail the message can afford. Names are cut and lists capped, so the first level fits any
/// realistic week; the others exist so that no input, however long or hostile, can push the message over the
/// limit. A level is taken only if the table keeps at least `rows` functions: notes give way first, then the
/// incident and Health sections, then attention items.
#[derive(Debug, Clone, Copy)]
struct Detail {
    attention: usize,
    notes: bool,
    sections: bool,
    rows: usize,
}

const DETAILS: [Detail; 4] = [
    Detail { attention: super::attention::SHOWN, notes: true, sections: true, rows: 3 },
    Detail { attention: super::attention::SHOWN, notes: false, sections: true, rows: 3 },
    Detail { attention: super::attention::SHOWN, notes: false, sections: false, rows: 3 },
    Detail { attention: 1, notes: false, sections: false, rows: 1 },
];

pub(super) fn render_text(digest: &Digest) -> String {
    DETAILS
        .into_iter()
        .filter_map(|detail| render(digest, detail))
        .find(|text| text::discord_len(text) <= text::DISCORD_LIMIT)
        // Unreachable with names cut as they are; a last guard all the same: the title, the verdict, the file.
        .unwrap_or_else(|| [title(digest), vec![digest.headline(), pointer(digest, 0)]].concat().join("\n"))
}

/// The message at one level of detail, or `None` when the table would keep fewer rows than the level asks.
fn render(digest: &Digest, detail: Detail) -> Option<String> {
    let ranked: Vec<&FunctionWeek> = digest.ranked().into_iter().filter(|f| !f.is_idle()).collect();
    let idle = digest.functions.len() - ranked.len();
    let mut head = title(digest);
    head.push(digest.headline());
    head.push(String::new());
    head.extend(attention_lines(digest, detail.attention));
    let mut tail = vec![];
    if !ranked.is_empty() {
        head.extend([String::new(), "```".to_owned(), header_name_row(), header_figures_row()]);
        tail.push("```".to_owned());
    }
    if detail.sections {
        tail.extend(incident_lines(digest));
        tail.extend(health_lines(digest));
    } else {
        tail.push("Incidents and AWS Health are in the attachment.".to_owned());
    }
    if detail.notes {
        tail.extend(text::italic_notes(&digest.notes));
    } else if !digest.notes.is_empty() {
        let notes = text::plural(digest.notes.len() as u64, "note", "notes");
        tail.push(format!("_{notes} on what could not be read are in the attachment._"));
    }
    tail.push(pointer(digest, idle));
    let blocks: Vec<Vec<String>> = ranked.iter().take(LISTED).map(|f| function_rows(digest, f)).collect();
    let left_out =
        |n: usize| format!("… and {} in the attachment", text::plural(n as u64, "more function", "more functions"));
    // Fit's own arithmetic: the head, each block and a newline, then room for the tail and the left-out line.
    let lines = |lines: &[String]| text::discord_len(&lines.join("\n"));
    let needed = lines(&head)
        + blocks.iter().take(detail.rows).map(|block| lines(block) + 1).sum::<usize>()
        + lines(&tail)
        + text::discord_len(&left_out(ranked.len()))
        + 2;
    (needed <= text::DISCORD_LIMIT).then(|| {
        Fit { head, blocks, tail, already_left_out: ranked.len().saturating_sub(LISTED), left_out: &left_out }.render()
    })
}

/// `Full digest attached: `digest-payments.md` (7 functions, 1 idle)`: idle functions (no request either
/// period) are left out of the table, and said so here.
fn pointer(digest: &Digest, idle: usize) -> String {
    let functions = text::plural(digest.functions.len() as u64, "function", "functions");
    let idle = if idle > 0 { format!(", {} idle", text::thousands(idle as u64)) } else { String::new() };
    format!("Full digest attached: {} ({functions}{idle})", text::code_span(&attachment_name(&digest.team)))
}

/// `**Weekly reliability digest · payments · 23–30 Nov**`, and the late line in italics when it is late.
pub(super) fn title(digest: &Digest) -> Vec<String> {
    let kind = if digest.span().weekly { "Weekly reliability digest" } else { "Reliability digest" };
    let team = text::escape_inline(&text::one_line(&digest.team, INLINE_NAME));
    let mut lines = vec![format!("**{kind} · {team} · {}**", figures::date_span(digest.start, digest.end))];
    if let Some(late) = &digest.late {
        lines.push(format!("_Sent late: {}_", text::escape_inline(&text::one_line(late, 150))));
    }
    lines
}

/// `1. `checkout-api` — timeouts 3.0% after v42 (0.1% before) → compare with v41`
fn attention_lines(digest: &Digest, shown: usize) -> Vec<String> {
    let items = digest.attention();
    if items.is_empty() {
        return vec![format!("Nothing needs attention {}.", digest.span().this)];
    }
    let mut lines = vec!["**Needs attention**".to_owned()];
    lines.extend(items.iter().take(shown).enumerate().map(|(i, item)| {
        format!(
            "{}. {} — {} → {}",
            i + 1,
            text::code_span(&text::one_line(&item.function, INLINE_NAME)),
            text::escape_inline(&text::one_line(&item.reason, 160)),
            text::escape_inline(&text::one_line(&item.next_step, 160)),
        )
    }));
    if items.len() > shown {
        lines.push(format!("… and {} in the attachment", text::plural((items.len() - shown) as u64, "more", "more")));
    }
    lines
}

fn header_name_row() -> String {
    name_row("function (* interactive)", "p95", "cold", "cost", "Δ")
}

fn header_figures_row() -> String {
    figures_row("invocations", "Δ", "errors", "Δ", "timeouts", "OOM", "throttled")
}

/// Two lines a function: its name with what users and the bill feel, then its failures.
fn function_rows(digest: &Digest, function: &FunctionWeek) -> Vec<String> {
    let (this, last) = (&function.this, &function.last);
    let marker = if function.interactive { "*" } else { "" };
    vec![
        name_row(
            &format!("{}{marker}", block_name(&function.function)),
            &figures::latency_of(this.duration_p95_ms),
            &percent_of(this.cold_start_rate()),
            &digest.money(this.cost),
            &delta(this.cost, last.cost),
        ),
        figures_row(
            &text::thousands(this.invocations),
            &count_delta(this.invocations, last.invocations),
            &percent_of(this.error_rate()),
            &delta_of(this.error_rate(), last.error_rate()),
            &text::thousands(this.timeouts),
            &text::thousands(this.oom),
            &text::thousands(this.throttles),
        ),
    ]
}

fn name_row(name: &str, p95: &str, cold: &str, cost: &str, change: &str) -> String {
    format!("{name:<24} {p95:>7} {cold:>6} {cost:>9} {change:>6}").trim_end().to_owned()
}

fn figures_row(
    invocations: &str,
    change: &str,
    errors: &str,
    error_change: &str,
    timeouts: &str,
    oom: &str,
    throttled: &str,
) -> String {
    format!("{invocations:>11} {change:>6} {errors:>6} {error_change:>6} {timeouts:>8} {oom:>3} {throttled:>9}")
        .trim_end()
        .to_owned()
}

/// A name as it may appear inside a code block: no backtick can close the block, and no mention can ping.
fn block_name(function: &str) -> String {
    text::defuse_mentions(&text::one_line(function, NAME_WIDTH).replace('`', "'"))
}

/// `**Incidents:** 7 (▲ 4 from 3) · 2 critical · MTTA 4 min · MTTR 1 h 12 min`, then the alarms to tune.
fn incident_lines(digest: &Digest) -> Vec<String> {
    let incidents = &digest.incidents;
    let mut parts = vec![format!(
        "**Incidents:** {}",
        incident_count(incidents.opened, incidents.opened_last, &digest.span().previous)
    )];
    if incidents.critical > 0 {
        parts.push(format!("{} critical", text::thousands(incidents.critical)));
    }
    if incidents.unresolved > 0 {
        parts.push(format!("{} unresolved", text::thousands(incidents.unresolved)));
    }
    if let Some(mtta) = incidents.mtta_seconds {
        parts.push(format!("MTTA {}", figures::duration(mtta)));
    }
    if let Some(mttr) = incidents.mttr_seconds {
        parts.push(format!("MTTR {}", figures::duration(mttr)));
    }
    let mut lines = vec![parts.join(" · ")];
    let mut noise = vec![];
    if !incidents.noisiest.is_empty() {
        noise.push(format!("noisy alarms: {}", noisy_alarms(incidents)));
    }
    // Flapping alarms among the noisiest are marked there; the others are named here.
    let named = &incidents.noisiest[..incidents.noisiest.len().min(NAMED_ALARMS)];
    let flapping: Vec<&AlarmNoise> =
        incidents.flapping.iter().filter(|alarm| !named.iter().any(|noisy| noisy.alarm == alarm.alarm)).collect();
    if !flapping.is_empty() {
        noise.push(format!("flapping: {}", listed(flapping.iter().map(|alarm| alarm_name(alarm)), NAMED_ALARMS)));
    }
    if !incidents.suppressed.is_empty() {
        noise.push(format!("{} suppressed", text::plural(incidents.suppressed.len() as u64, "incident", "incidents")));
    }
    if !noise.is_empty() {
        lines.push(capitalised(&noise.join(" · ")));
    }
    lines
}

fn capitalised(line: &str) -> String {
    let mut chars = line.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// `7 (▲ 4 from 3)`, `3 (as last week)`, `2 (▼ 5 from 7)`.
fn incident_count(this: u64, last: u64, previous: &str) -> String {
    let count = text::thousands(this);
    match this.cmp(&last) {
        std::cmp::Ordering::Equal => format!("{count} (as {previous})"),
        std::cmp::Ordering::Greater => {
            format!("{count} (▲ {} from {})", text::thousands(this - last), text::thousands(last))
        }
        std::cmp::Ordering::Less => {
            format!("{count} (▼ {} from {})", text::thousands(last - this), text::thousands(last))
        }
    }
}

/// `` `refund-worker-age` (14 changes, flapping), `checkout-api-errors` (6) ``, and how many more.
fn noisy_alarms(incidents: &IncidentWeek) -> String {
    let alarms = incidents.noisiest.iter().enumerate().map(|(i, alarm)| {
        let changes = match i {
            0 => text::plural(alarm.state_changes, "change", "changes"),
            _ => text::thousands(alarm.state_changes),
        };
        let flapping = incidents.flapping.iter().any(|flapping| flapping.alarm == alarm.alarm);
        format!("{} ({changes}{})", alarm_name(alarm), if flapping { ", flapping" } else { "" })
    });
    listed(alarms, NAMED_ALARMS)
}

fn alarm_name(alarm: &AlarmNoise) -> String {
    text::code_span(&text::one_line(&alarm.alarm, INLINE_NAME))
}

/// The first `named` items, then how many more: `a, b, +3 more`.
fn listed(items: impl ExactSizeIterator<Item = String>, named: usize) -> String {
    let more = items.len().saturating_sub(named);
    let mut shown: Vec<String> = items.take(named).collect();
    if more > 0 {
        shown.push(format!("+{more} more"));
    }
    shown.join(", ")
}

/// Health events that touched the team in the period, and scheduled changes due within a month.
fn health_lines(digest: &Digest) -> Vec<String> {
    let (touched, upcoming) = split_health(digest);
    let horizon = digest.end + TimeDelta::days(UPCOMING_DAYS);
    let (soon, later): (Vec<&HealthItem>, Vec<&HealthItem>) =
        upcoming.into_iter().partition(|item| item.start.is_none_or(|start| start <= horizon));
    if touched.is_empty() && soon.is_empty() {
        let later = match later.len() {
            0 => String::new(),
            n => format!(
                " {} later: see the attachment.",
                text::plural(n as u64, "change is scheduled", "changes are scheduled")
            ),
        };
        return vec![format!(
            "**AWS Health:** nothing touched us; nothing scheduled in the next {UPCOMING_DAYS} days.{later}"
        )];
    }
    let mut lines = vec!["**AWS Health**".to_owned()];
    lines.extend(touched.iter().take(NAMED).map(|item| {
        let at = item.start.map(|start| format!(", {}", start.format("%-d %b"))).unwrap_or_default();
        let status = text::escape_inline(&text::one_line(&item.status, 20));
        format!("· Touched us: {} ({}{at}, {status}){}", health_title(item), region(item), affected(&item.functions))
    }));
    lines.extend(soon.iter().take(NAMED).map(|item| {
        let at = item.start.map_or_else(|| "soon".to_owned(), |start| start.format("%-d %b").to_string());
        format!("· Coming {at}: {} ({}){}", health_title(item), region(item), affected(&item.functions))
    }));
    let more = touched.len().saturating_sub(NAMED) + soon.len().saturating_sub(NAMED) + later.len();
    if more > 0 {
        lines.push(format!("· {} in the attachment", text::plural(more as u64, "more item", "more items")));
    }
    lines
}

/// Health items split into what touched the team in the period and what is still to come: a change that
/// starts after the period is to come, whatever its status says.
pub(super) fn split_health(digest: &Digest) -> (Vec<&HealthItem>, Vec<&HealthItem>) {
    digest
        .health
        .iter()
        .partition(|item| item.status != "upcoming" && item.start.is_none_or(|start| start < digest.end))
}

fn health_title(item: &HealthItem) -> String {
    text::escape_inline(&text::one_line(&item.title, TITLE_WIDTH))
}

fn region(item: &HealthItem) -> String {
    text::escape_inline(&text::one_line(&item.region, 20))
}

/// ` — `report-builder`, `legacy-etl``: the team's functions a change will touch.
fn affected(functions: &[String]) -> String {
    if functions.is_empty() {
        return String::new();
    }
    format!(" — {}", listed(functions.iter().map(|f| text::code_span(&text::one_line(f, INLINE_NAME))), NAMED))
}

/// `digest-payments.md`: lower-case letters, digits, `-` and `_`, whatever the team is called.
pub(super) fn attachment_name(team: &str) -> String {
    let mut slug = String::new();
    for c in team.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() || c == '_' {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_matches('-').chars().take(60).collect();
    format!("digest-{}.md", if slug.is_empty() { "team" } else { slug.trim_end_matches('-') })
}

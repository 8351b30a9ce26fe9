//! `/alarms`: what is in ALARM now, and for how long; `/health`: the open and upcoming AWS Health events that
//! opspod posted because they touch us.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::text;

/// How `/help` lists these commands.
pub const ALARMS_HELP: (&str, &str, &str) = ("/alarms", "what is in ALARM now, and for how long", "/alarms");
pub const HEALTH_HELP: (&str, &str, &str) =
    ("/health", "the open and upcoming AWS Health events that touch us", "/health");

/// Rows listed before the rest are counted.
const LISTED: usize = 20;

/// An open incident as these lists show it.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenItem {
    pub incident: String,
    pub title: String,
    /// `ALARM`, or a Health status: `open`, `upcoming`.
    pub state: String,
    pub since: DateTime<Utc>,
}

/// `/alarms`: the longest-firing first.
pub fn render_alarms(items: &[OpenItem], now: DateTime<Utc>) -> String {
    render("in ALARM", "Nothing is in ALARM.", items, now)
}

/// `/health`: the oldest first.
pub fn render_health(items: &[OpenItem], now: DateTime<Utc>) -> String {
    render("AWS Health events open or upcoming", "No open or upcoming AWS Health event touches us.", items, now)
}

fn render(what: &str, none: &str, items: &[OpenItem], now: DateTime<Utc>) -> String {
    if items.is_empty() {
        return none.to_owned();
    }
    let mut sorted: Vec<&OpenItem> = items.iter().collect();
    sorted.sort_by(|a, b| a.since.cmp(&b.since).then_with(|| a.incident.cmp(&b.incident)));
    let mut out = format!("**{} {what}**\n", items.len());
    for item in sorted.iter().take(LISTED) {
        let title = text::one_line(&text::defuse_mentions(&item.title), 120);
        let _ = writeln!(out, "`{}` {title} · {} for {}", item.incident, item.state, age(item.since, now));
    }
    if items.len() > LISTED {
        let _ = writeln!(out, "… and {} more.", items.len() - LISTED);
    }
    out.trim_end().to_owned()
}

/// One object per item: `incident`, `title`, `state`, `since` (RFC 3339), `seconds`.
pub fn json(items: &[OpenItem], now: DateTime<Utc>) -> Value {
    Value::Array(
        items
            .iter()
            .map(|item| {
                json!({
                    "incident": item.incident,
                    "title": item.title,
                    "state": item.state,
                    "since": text::rfc3339(item.since),
                    "seconds": (now - item.since).num_seconds().max(0),
                })
            })
            .collect(),
    )
}

/// `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`.
fn age(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - since).num_seconds().max(0);
    match seconds {
        s if s < 60 => format!("{s} s"),
        s if s < 3_600 => format!("{} min", s / 60),
        s if s < 86_400 => format!("{} h {} min", s / 3_600, s % 3_600 / 60),
        s => format!("{} d {} h", s / 86_400, s % 86_400 / 3_600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(time: &str) -> DateTime<Utc> {
        format!("2026-11-20T{time}Z").parse().unwrap()
    }

    fn item(incident: &str, title: &str, since: &str) -> OpenItem {
        OpenItem { incident: incident.into(), title: title.into(), state: "ALARM".into(), since: at(since) }
    }

    #[test]
    fn alarms_are_listed_longest_firing_first_with_how_long() {
        let items =
            [item("inc-2", "search-api · Errors ≥ 5", "14:00:00"), item("inc-1", "checkout-api · 5XX", "12:55:00")];
        let text = render_alarms(&items, at("14:12:00"));
        assert_eq!(
            text,
            "**2 in ALARM**\n`inc-1` checkout-api · 5XX · ALARM for 1 h 17 min\n`inc-2` search-api · Errors ≥ 5 · ALARM for 12 min"
        );
    }

    #[test]
    fn nothing_firing_says_so() {
        assert_eq!(render_alarms(&[], at("14:00:00")), "Nothing is in ALARM.");
        assert_eq!(render_health(&[], at("14:00:00")), "No open or upcoming AWS Health event touches us.");
    }

    #[test]
    fn titles_from_aws_cannot_ping() {
        let text = render_health(&[item("inc-1", "@everyone look", "13:00:00")], at("14:00:00"));
        assert!(!text.contains("@everyone "), "{text}");
    }

    #[test]
    fn json_says_how_long_in_seconds() {
        let value = json(&[item("inc-1", "x", "13:00:00")], at("14:00:00"));
        assert_eq!(value[0]["seconds"], 3_600);
        assert_eq!(value[0]["since"], "2026-11-20T13:00:00Z");
    }
}

//! Renders incidents into messages that answer what broke, how bad it is, and what to do, without a click.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::message::{Control, Link, Message, Note, Tone};
use crate::domain::alarm::{AlarmChange, StateValue};
use crate::domain::event::{Event, EventBody};
use crate::domain::health::{HealthEvent, HealthStatus};
use crate::domain::incident::Action;
use crate::domain::lifecycle::Intervention;
use crate::domain::ownership::Directory;
use crate::domain::routing::{Route, entity_name};
use crate::domain::text::SafeText;

/// What rendering needs from config: owners, runbooks and account names.
#[derive(Debug, Clone, Default)]
pub struct RenderContext {
    pub directory: Directory,
    pub account_names: BTreeMap<String, String>,
}

/// The incident a message is about.
#[derive(Debug, Clone, Copy)]
pub struct IncidentFacts<'a> {
    pub id: &'a str,
    pub opened_at: DateTime<Utc>,
    pub route: &'a Route,
}

/// Characters escaped in URL parts: everything but the unreserved ones, so `checkout-api` stays readable.
const URL_PART: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Affected entities listed by name before the rest are counted.
const ENTITIES_SHOWN: usize = 10;

impl RenderContext {
    /// The incident's message after `event`; posts carry the route's mentions, edits carry none.
    pub fn incident_message(&self, event: &Event, incident: IncidentFacts<'_>, action: Action) -> Message {
        let (tone, title, lines, links) = match &event.body {
            EventBody::Alarm(alarm) => self.alarm_parts(event, alarm, incident),
            EventBody::Health(health) => self.health_parts(health, incident),
        };
        let notifies = matches!(action, Action::Open);
        let mut controls =
            if tone == Tone::Recovered { vec![] } else { vec![Control::Ack, Control::Silence, Control::Resolve] };
        if matches!(&event.body, EventBody::Alarm(alarm) if alarm.resource.is_function()) {
            controls.push(Control::BugReport);
        }
        Message {
            tone,
            severity: incident.route.severity,
            title: neutral(&title),
            lines: lines.iter().map(|line| neutral(line)).collect(),
            context: vec![],
            links,
            mentions: if notifies { incident.route.mentions.clone() } else { vec![] },
            incident_id: Some(incident.id.to_owned()),
            controls,
            image: None,
            files: vec![],
        }
    }

    /// The thread line an update or recovery adds under the incident's message.
    pub fn thread_note(&self, event: &Event, incident: IncidentFacts<'_>, action: Action) -> Option<Note> {
        let at = event.occurred_at();
        let text = match (&event.body, action) {
            (EventBody::Alarm(_), Action::Resolve) => {
                format!("{} OK — resolved after {}", clock(at), duration(incident.opened_at, at))
            }
            (EventBody::Health(health), Action::Resolve) => {
                let ended = health.end.unwrap_or(at);
                format!("{} closed — AWS resolved it after {}", clock(at), duration(incident.opened_at, ended))
            }
            (EventBody::Alarm(alarm), Action::Update) => {
                format!("{} {}: {}", clock(at), alarm.state.value, alarm.state.reason.truncated(200))
            }
            (EventBody::Health(health), Action::Update) => {
                format!("{} AWS updated ({}): {}", clock(at), health.status.as_str(), health.description.truncated(200))
            }
            _ => return None,
        };
        Some(Note {
            text: neutral(&text),
            thread: format!("{} · {}", incident.id, self.title(event)),
            mentions: vec![],
        })
    }

    /// A one-line title for an event, used when nothing is posted too.
    pub fn title(&self, event: &Event) -> String {
        neutral(&match &event.body {
            EventBody::Alarm(alarm) => self.alarm_title(event, alarm),
            EventBody::Health(health) => health_title(health),
        })
    }

    fn account_label(&self, account: &str) -> String {
        match self.account_names.get(account) {
            Some(name) => format!("{name} ({account})"),
            None => account.to_owned(),
        }
    }

    fn alarm_title(&self, event: &Event, alarm: &AlarmChange) -> String {
        let resource = &alarm.resource;
        let what = match (alarm.metric_label(), alarm.state.threshold, alarm.comparison) {
            (Some(metric), Some(threshold), Some(comparison)) => {
                format!("{metric} {} {}", comparison.symbol(), number(threshold))
            }
            (Some(metric), _, _) => metric,
            (None, _, _) => alarm.name.to_string(),
        };
        let subject = if resource.kind == crate::domain::ResourceKind::Alarm {
            alarm.name.to_string()
        } else {
            resource.name.to_string()
        };
        format!("{subject} · {what} · {} · {}", resource.region, self.account_label(&event.account))
    }

    fn alarm_parts(&self, event: &Event, alarm: &AlarmChange, incident: IncidentFacts<'_>) -> Parts {
        let state = &alarm.state;
        let mut title = self.alarm_title(event, alarm);
        let mut lines = Vec::new();
        let tone = match state.value {
            StateValue::Alarm => {
                lines.push(firing_line(alarm));
                Tone::Firing
            }
            StateValue::Ok => {
                title.push_str(&format!(" · resolved after {}", duration(incident.opened_at, state.timestamp)));
                lines.push(format!(
                    "Back to OK at {} (in ALARM since {}).",
                    timestamp(state.timestamp),
                    timestamp(incident.opened_at)
                ));
                Tone::Recovered
            }
            StateValue::InsufficientData => {
                lines.push(format!(
                    "INSUFFICIENT_DATA since {}: {}",
                    timestamp(state.timestamp),
                    state.reason.truncated(300)
                ));
                Tone::Unknown
            }
        };
        lines.push(format!("Alarm `{}`{}", alarm.name, describe(alarm)));
        lines.push(self.ownership_line(event, Some(alarm.name.as_str())));
        let mut links = alarm_links(alarm);
        if let Some(runbook) = self.directory.runbook_for(&alarm.resource, Some(alarm.name.as_str())) {
            links.push(Link { label: "Runbook".into(), url: runbook.url.clone() });
        }
        (tone, title, lines, links)
    }

    fn ownership_line(&self, event: &Event, alarm_name: Option<&str>) -> String {
        let resource = event.resource();
        let owner = match self.directory.owner_of(resource) {
            Some(owner) => {
                let who = owner.mention.clone().unwrap_or_else(|| owner.team.clone());
                // People wait on interactive functions, so their errors and cold starts matter more.
                if owner.interactive { format!("Owner {who} · interactive") } else { format!("Owner {who}") }
            }
            None => format!("No owner for {} in config", resource.name),
        };
        match self.directory.runbook_for(resource, alarm_name) {
            Some(runbook) => format!("{owner} · Runbook: {}", runbook.url),
            None => owner,
        }
    }

    fn health_parts(&self, health: &HealthEvent, incident: IncidentFacts<'_>) -> Parts {
        let mut title = health_title(health);
        let mut lines = vec![health.summary()];
        let tone = match health.status {
            HealthStatus::Closed => {
                let ended = health.end.unwrap_or(health.last_updated);
                title.push_str(&format!(" · closed after {}", duration(incident.opened_at, ended)));
                Tone::Recovered
            }
            HealthStatus::Open | HealthStatus::Upcoming => Tone::Notice,
        };
        lines.push(health_timing(health));
        if let Some(named) = self.named_entities(health) {
            lines.push(named);
        }
        let url = format!(
            "https://health.aws.amazon.com/health/home#/account/event-log?eventID={}",
            utf8_percent_encode(&health.arn, URL_PART)
        );
        (tone, title, lines, vec![Link { label: "Health event".into(), url }])
    }

    /// "Named by AWS: report-builder (@analytics), legacy-etl (@data)".
    fn named_entities(&self, health: &HealthEvent) -> Option<String> {
        if health.affected_entities.is_empty() {
            return None;
        }
        let shown: Vec<String> = health
            .affected_entities
            .iter()
            .take(ENTITIES_SHOWN)
            .map(|entity| {
                let name = entity_name(entity.value.as_str());
                match self.directory.owner_named(name, &entity.tags).and_then(|o| o.mention.clone()) {
                    Some(mention) => format!("{name} ({mention})"),
                    None => name.to_owned(),
                }
            })
            .collect();
        let more = health.affected_entities.len().saturating_sub(ENTITIES_SHOWN);
        let tail = if more > 0 { format!(" and {more} more") } else { String::new() };
        Some(format!("Named by AWS: {}{tail}", shown.join(", ")))
    }
}

type Parts = (Tone, String, Vec<String>, Vec<Link>);

/// Descriptions, reasons and entity values are [`SafeText`] already, but the region, account, metric names and a
/// Health event's service and type code are plain strings that anyone who may send to the queue can forge. So what
/// is rendered from an event is neutralised once more as a whole; text that already was comes out unchanged.
fn neutral(text: &str) -> String {
    SafeText::from_untrusted(text).into()
}

/// The incident's message after someone acted on it: their line added, and the buttons that still apply.
pub fn intervened(mut message: Message, intervention: Intervention, line: &str) -> Message {
    message.mentions.clear();
    message.lines.push(format!("{line}."));
    match intervention {
        Intervention::Acknowledge => message.controls.retain(|control| *control != Control::Ack),
        Intervention::Silence(_) => message.controls.retain(|c| matches!(c, Control::Resolve | Control::BugReport)),
        Intervention::Resolve => {
            message.tone = Tone::Recovered;
            message.title.push_str(" · resolved by hand");
            message.controls.retain(|control| *control == Control::BugReport);
        }
    }
    message
}

fn firing_line(alarm: &AlarmChange) -> String {
    let state = &alarm.state;
    let went = format!("Went into ALARM at {}.", timestamp(state.timestamp));
    match (state.recent_datapoints.last(), state.threshold, alarm.metric_label()) {
        (Some(value), Some(threshold), Some(metric)) => {
            format!("{} {metric} (threshold {}). {went}", number(*value), number(threshold))
        }
        _ => format!("{} {went}", state.reason.truncated(300)),
    }
}

fn describe(alarm: &AlarmChange) -> String {
    match &alarm.description {
        Some(description) if !description.is_empty() => format!(": {}", description.truncated(300)),
        _ => String::new(),
    }
}

fn health_title(health: &HealthEvent) -> String {
    if health.abuse {
        return format!("AWS abuse report · {} · {}", health.type_code, health.event_region);
    }
    format!("AWS Health · {} · {} · {}", health.service, health.category.human(), health.event_region)
}

fn health_timing(health: &HealthEvent) -> String {
    match (health.status, health.start, health.end) {
        (HealthStatus::Upcoming, Some(start), _) => {
            format!("Scheduled for {} ({}).", start.format("%Y-%m-%d"), health.type_code)
        }
        (HealthStatus::Closed, _, Some(end)) => format!("Ended {} ({}).", timestamp(end), health.type_code),
        (_, Some(start), _) => {
            format!("Status {} since {} ({}).", health.status.as_str(), timestamp(start), health.type_code)
        }
        _ => format!("Status {} ({}).", health.status.as_str(), health.type_code),
    }
}

fn alarm_links(alarm: &AlarmChange) -> Vec<Link> {
    let region = &alarm.resource.region;
    let console = format!("https://{region}.console.aws.amazon.com");
    let name = utf8_percent_encode(alarm.name.as_str(), URL_PART).to_string();
    let mut links = vec![Link {
        label: "Alarm".into(),
        url: format!("{console}/cloudwatch/home?region={region}#alarmsV2:alarm/{name}"),
    }];
    if alarm.resource.is_function() {
        let function = utf8_percent_encode(alarm.resource.name.as_str(), URL_PART).to_string();
        links.push(Link {
            label: "Function".into(),
            url: format!("{console}/lambda/home?region={region}#/functions/{function}"),
        });
        links.push(Link {
            label: "Logs".into(),
            url: format!("{console}/cloudwatch/home?region={region}#logsV2:log-groups/log-group/$252Faws$252Flambda$252F{function}"),
        });
        let group = format!("/aws/lambda/{}", alarm.resource.name);
        links.push(Link {
            label: "Logs Insights: errors".into(),
            url: logs_insights(region, &group, alarm.state.timestamp),
        });
    }
    links
}

/// Links for a function: its console page, its log group, and Logs Insights on its errors around `at`.
pub fn function_links(region: &str, function: &str, at: DateTime<Utc>) -> Vec<(String, String)> {
    let console = format!("https://{region}.console.aws.amazon.com");
    let encoded = utf8_percent_encode(function, URL_PART).to_string();
    vec![
        ("Function".into(), format!("{console}/lambda/home?region={region}#/functions/{encoded}")),
        (
            "Log group".into(),
            format!(
                "{console}/cloudwatch/home?region={region}#logsV2:log-groups/log-group/$252Faws$252Flambda$252F{encoded}"
            ),
        ),
        ("Logs Insights: errors".into(), logs_insights(region, &format!("/aws/lambda/{function}"), at)),
    ]
}

/// The query the Logs Insights link opens with: the function's errors, timeouts and crashes, newest first.
/// Short, because Discord refuses link buttons over 512 characters.
const ERRORS_QUERY: &str =
    "fields @timestamp, @message | filter @message like /(?i)(error|timed out|exited)/ | sort @timestamp desc";

/// A Logs Insights link for `group` over the half hour before `at` and ten minutes after, query filled in.
///
/// The console keeps its state after `#logsV2:logs-insights?queryDetail=` in JSURL (`~` between items, `'` before
/// strings, `*XX` for other characters), with `?` and `=` written `$3F` and `$3D`.
fn logs_insights(region: &str, group: &str, at: DateTime<Utc>) -> String {
    let time = |t: DateTime<Utc>| jsurl(&t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    let start = time(at - chrono::Duration::minutes(30));
    let end = time(at + chrono::Duration::minutes(10));
    format!(
        "https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#logsV2:logs-insights$3FqueryDetail$3D\
         ~(end~'{end}~start~'{start}~timeType~'ABSOLUTE~tz~'UTC~editorString~'{}~source~(~'{}))",
        jsurl(ERRORS_QUERY),
        jsurl(group)
    )
}

/// A string as JSURL writes it: letters, digits, `-`, `_` and `.` as they are, other ASCII as `*XX`, and the
/// rest as `**XXXX`.
fn jsurl(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' | '.' => out.push(c),
            c if c.is_ascii() => out.push_str(&format!("*{:02x}", c as u32)),
            c => out.push_str(&format!("**{:04x}", c as u32)),
        }
    }
    out
}

/// `37`, `0.5`, `1234.57`: numbers as people write them.
pub fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{value:.0}")
    } else {
        let text = format!("{value:.2}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%H:%M:%S UTC on %Y-%m-%d").to_string()
}

fn clock(at: DateTime<Utc>) -> String {
    at.format("%H:%M").to_string()
}

/// `45 s`, `29 min`, `2 h 5 min`, `3 d 4 h`.
pub fn duration(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let seconds = (to - from).num_seconds().max(0);
    match seconds {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 86_400 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        s => format!("{} d {} h", s / 86_400, s % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_logs_insights_link_opens_the_functions_group_at_the_alarm_with_the_query_filled_in() {
        let at: DateTime<Utc> = "2026-11-20T14:02:11Z".parse().unwrap();
        let url = logs_insights("us-east-1", "/aws/lambda/checkout-api", at);
        assert!(url.starts_with("https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:logs-insights$3FqueryDetail$3D~(end~'2026-11-20T14*3a12*3a11.000Z~start~'2026-11-20T13*3a32*3a11.000Z~"), "{url}");
        assert!(url.ends_with("~source~(~'*2faws*2flambda*2fcheckout-api))"), "{url}");
        assert!(url.contains("editorString~'fields*20*40timestamp*2c*20*40message*20*7c*20filter"), "{url}");
        assert!(!url.contains(' '), "{url}");
        let long_name = logs_insights("ap-southeast-2", &format!("/aws/lambda/{}", "f".repeat(64)), at);
        assert!(long_name.len() <= 512, "Discord's link limit, even for a 64-character name: {}", long_name.len());
    }

    #[test]
    fn numbers_drop_needless_decimals() {
        assert_eq!(number(37.0), "37");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(number(1234.5678), "1234.57");
    }

    #[test]
    fn durations_read_like_people_say_them() {
        let start: DateTime<Utc> = "2026-11-20T14:02:11Z".parse().unwrap();
        assert_eq!(duration(start, start + chrono::Duration::seconds(45)), "45 s");
        assert_eq!(duration(start, start + chrono::Duration::minutes(29)), "29 min");
        assert_eq!(duration(start, start + chrono::Duration::minutes(125)), "2 h 5 min");
    }
}

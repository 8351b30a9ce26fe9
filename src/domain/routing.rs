//! Routing: which channel an event goes to, how severe it is, and whom it pings.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::alarm::StateValue;
use super::event::{Event, EventBody};
use super::glob::Glob;
use super::health::{HealthCategory, HealthEvent};
use super::ownership::Directory;

/// The channel every config must have for ordinary alerts.
pub const TEAM: &str = "team";
/// The channel every config must have for what needs someone now.
pub const ONCALL: &str = "oncall";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "info" => Severity::Info,
            "warning" => Severity::Warning,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an incident is posted, how loud it is, and the configured mentions it carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub channel: String,
    pub severity: Severity,
    pub mentions: Vec<String>,
}

/// What kind of event a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Alarm,
    Health,
    Abuse,
}

impl SourceKind {
    pub fn of(event: &Event) -> Self {
        match &event.body {
            EventBody::Alarm(_) => SourceKind::Alarm,
            EventBody::Health(health) if health.abuse => SourceKind::Abuse,
            EventBody::Health(_) => SourceKind::Health,
        }
    }
}

/// The conditions of a routing rule; every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conditions {
    pub source: Option<SourceKind>,
    pub alarm: Option<Glob>,
    pub namespace: Option<String>,
    pub resource: Option<Glob>,
    pub region: Option<String>,
    pub account: Option<String>,
    /// An alarm state (`ALARM`) or a Health status (`open`).
    pub state: Option<String>,
    pub health_category: Option<HealthCategory>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: String,
    pub when: Conditions,
    pub channel: Option<String>,
    pub severity: Option<Severity>,
    /// Replaces the default mentions when given.
    pub mentions: Option<Vec<String>>,
}

/// The routing rules from config and the defaults that apply when none matches.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Policy {
    pub rules: Vec<Rule>,
    /// Alarms whose names match are critical unless a rule says otherwise.
    pub critical_alarms: Vec<Glob>,
    /// Health issues here go to on-call; empty means every region is watched.
    pub watched_regions: Vec<String>,
    /// Pinged on critical alerts in the on-call channel.
    pub oncall_mention: Option<String>,
}

impl Conditions {
    pub fn hold_for(&self, event: &Event) -> bool {
        let resource = event.resource();
        let (alarm_name, namespaces, state, category) = facts(event);
        self.source.is_none_or(|source| source == SourceKind::of(event))
            && self.alarm.as_ref().is_none_or(|glob| alarm_name.is_some_and(|name| glob.matches(name)))
            && self.namespace.as_ref().is_none_or(|ns| namespaces.iter().any(|n| n == ns))
            && self.resource.as_ref().is_none_or(|glob| glob.matches(resource.name.as_str()))
            && self.region.as_ref().is_none_or(|region| *region == resource.region)
            && self.account.as_ref().is_none_or(|account| *account == resource.account)
            && self.state.as_ref().is_none_or(|wanted| wanted.eq_ignore_ascii_case(state))
            && self.health_category.as_ref().is_none_or(|wanted| category == Some(wanted))
    }
}

/// The facts rules look at: alarm name, namespaces, state and Health category.
fn facts(event: &Event) -> (Option<&str>, Vec<&str>, &'static str, Option<&HealthCategory>) {
    match &event.body {
        EventBody::Alarm(alarm) => (
            Some(alarm.name.as_str()),
            alarm.metrics.iter().filter_map(|m| m.namespace.as_deref()).collect(),
            alarm.state.value.as_str(),
            None,
        ),
        EventBody::Health(health) => (None, vec![], health.status.as_str(), Some(&health.category)),
    }
}

impl Policy {
    /// Routes an event: the first matching rule decides, and what it leaves open comes from the defaults for the
    /// severity it ends up with (a rule that makes an alarm critical sends it to on-call).
    pub fn route(&self, event: &Event, directory: &Directory) -> Route {
        let rule = self.rules.iter().find(|rule| rule.when.hold_for(event));
        let severity = rule.and_then(|rule| rule.severity).unwrap_or_else(|| self.default_severity(event));
        let default = self.default_route(event, directory, severity);
        let Some(rule) = rule else { return default };
        Route {
            channel: rule.channel.clone().unwrap_or(default.channel),
            severity,
            mentions: rule.mentions.clone().unwrap_or(default.mentions),
        }
    }

    fn default_route(&self, event: &Event, directory: &Directory, severity: Severity) -> Route {
        let owners = owner_mentions(event, directory);
        if severity == Severity::Critical || self.is_watched_health_issue(event) {
            let mut mentions = owners;
            mentions.extend(self.oncall_mention.clone().filter(|_| severity == Severity::Critical));
            return Route { channel: ONCALL.into(), severity, mentions: dedup(mentions) };
        }
        let channel =
            directory.owner_of(event.resource()).and_then(|owner| owner.channel.clone()).unwrap_or_else(|| TEAM.into());
        let mentions = if severity >= Severity::Warning { owners } else { vec![] };
        Route { channel, severity, mentions: dedup(mentions) }
    }

    fn default_severity(&self, event: &Event) -> Severity {
        match &event.body {
            EventBody::Alarm(alarm) if self.critical_alarms.iter().any(|g| g.matches(alarm.name.as_str())) => {
                Severity::Critical
            }
            EventBody::Alarm(alarm) if alarm.state.value == StateValue::Alarm => Severity::Warning,
            EventBody::Alarm(_) => Severity::Info,
            EventBody::Health(health) if health.abuse => Severity::Critical,
            EventBody::Health(_) if self.is_watched_health_issue(event) => Severity::Warning,
            EventBody::Health(_) => Severity::Info,
        }
    }

    fn is_watched_health_issue(&self, event: &Event) -> bool {
        match &event.body {
            EventBody::Health(health) => health.category == HealthCategory::Issue && self.watches(health),
            EventBody::Alarm(_) => false,
        }
    }

    fn watches(&self, health: &HealthEvent) -> bool {
        self.watched_regions.is_empty()
            || health.event_region == "global"
            || self.watched_regions.contains(&health.event_region)
    }
}

/// The mentions of the owners of what the event is about: the alarm's resource, or the entities a Health
/// event names.
fn owner_mentions(event: &Event, directory: &Directory) -> Vec<String> {
    match &event.body {
        EventBody::Alarm(alarm) => {
            directory.owner_of(&alarm.resource).and_then(|o| o.mention.clone()).into_iter().collect()
        }
        EventBody::Health(health) => health
            .affected_entities
            .iter()
            .filter_map(|entity| directory.owner_named(entity_name(entity.value.as_str()), &entity.tags))
            .filter_map(|owner| owner.mention.clone())
            .collect(),
    }
}

/// The short name inside an ARN (`arn:aws:lambda:…:function:checkout-api` → `checkout-api`).
pub fn entity_name(value: &str) -> &str {
    let Some(resource) = value.strip_prefix("arn:").and_then(|rest| rest.splitn(5, ':').nth(4)) else {
        return value;
    };
    if let Some(function) = resource.strip_prefix("function:") {
        return function.split(':').next().unwrap_or(function);
    }
    resource.rsplit(['/', ':']).next().unwrap_or(resource)
}

fn dedup(mentions: Vec<String>) -> Vec<String> {
    let mut seen = Vec::with_capacity(mentions.len());
    for mention in mentions {
        if !seen.contains(&mention) {
            seen.push(mention);
        }
    }
    seen
}

#[cfg(test)]
mod tests;

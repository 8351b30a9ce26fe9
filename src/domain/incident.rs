//! The incident rules: what an event does to the incident it belongs to, decided without I/O.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::alarm::StateValue;
use super::context::Context;
use super::event::{Event, EventBody};
use super::health::HealthStatus;
use super::routing::Route;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    Open,
    Acknowledged,
    Silenced,
    Resolved,
}

impl IncidentStatus {
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "open" => IncidentStatus::Open,
            "acknowledged" => IncidentStatus::Acknowledged,
            "silenced" => IncidentStatus::Silenced,
            "resolved" => IncidentStatus::Resolved,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            IncidentStatus::Open => "open",
            IncidentStatus::Acknowledged => "acknowledged",
            IncidentStatus::Silenced => "silenced",
            IncidentStatus::Resolved => "resolved",
        }
    }
}

/// What an event did, as reported to users and scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A new incident, posted.
    Open,
    /// The incident's message is edited.
    Update,
    /// The incident is over; its message is edited to say so.
    Resolve,
    /// The incident changed, but a silence keeps it out of chat.
    Suppressed,
    /// Nothing changed.
    None,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Open => "open",
            Action::Update => "update",
            Action::Resolve => "resolve",
            Action::Suppressed => "suppressed",
            Action::None => "none",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The state an event reports, reduced to what the incident rules need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    /// `ALARM`, `OK`, `INSUFFICIENT_DATA`, or a Health status.
    pub state: String,
    pub at: DateTime<Utc>,
    pub firing: bool,
    pub recovered: bool,
    /// Tells two Health updates with the same status apart (their text changed).
    pub detail: String,
}

impl Signal {
    pub fn of(event: &Event) -> Self {
        match &event.body {
            EventBody::Alarm(alarm) => Signal {
                state: alarm.state.value.as_str().into(),
                at: alarm.state.timestamp,
                firing: alarm.state.value == StateValue::Alarm,
                recovered: alarm.state.value == StateValue::Ok,
                detail: String::new(),
            },
            EventBody::Health(health) => Signal {
                state: health.status.as_str().into(),
                at: health.last_updated,
                firing: health.status != HealthStatus::Closed,
                recovered: health.status == HealthStatus::Closed,
                detail: health.description.to_string(),
            },
        }
    }
}

/// The incident an event belongs to, as the store last saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentSnapshot {
    pub id: String,
    pub status: IncidentStatus,
    pub signal_state: String,
    pub signal_at: DateTime<Utc>,
    pub signal_detail: String,
    /// False when a silence kept the incident out of chat, so there is no message to edit.
    pub posted: bool,
    pub route: Route,
    pub opened_at: DateTime<Utc>,
    /// What enrichment found, which every later rendering keeps.
    pub context: Option<Box<Context>>,
    /// Set once its alarm flapped: later changes fold into the thread, and it resolves only once steady.
    pub flapping_since: Option<DateTime<Utc>>,
    /// The storm group whose message shows it (its own id when it leads one); `None` when posted on its own.
    pub group_id: Option<String>,
}

impl IncidentSnapshot {
    /// Shown in another incident's storm message rather than its own.
    pub fn is_group_member(&self) -> bool {
        self.group_id.as_ref().is_some_and(|group| group != &self.id)
    }
}

/// What the store must do for an event.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Nothing,
    OpenIncident { posted: bool },
    Record { resolves: bool },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub action: Action,
    pub effect: Effect,
    /// Why, in words, for `action: none` and `suppressed`.
    pub why: &'static str,
}

impl Decision {
    fn nothing(why: &'static str) -> Self {
        Decision { action: Action::None, effect: Effect::Nothing, why }
    }
}

/// Applies the incident rules to an event, given the incident still open for its key and whether a silence
/// covers it.
pub fn decide(event: &Event, open: Option<&IncidentSnapshot>, silenced: bool) -> Decision {
    let signal = Signal::of(event);
    let Some(incident) = open else {
        return decide_without_incident(&signal, silenced);
    };
    if signal.at < incident.signal_at {
        return Decision::nothing("older than the incident's latest state");
    }
    let repeat = signal.state == incident.signal_state && signal.detail == incident.signal_detail;
    if repeat {
        return Decision::nothing("repeats the state the incident is already in");
    }
    let (action, resolves) = if signal.recovered { (Action::Resolve, true) } else { (Action::Update, false) };
    if incident.posted {
        Decision { action, effect: Effect::Record { resolves }, why: "" }
    } else {
        Decision { action: Action::Suppressed, effect: Effect::Record { resolves }, why: "the incident is silenced" }
    }
}

fn decide_without_incident(signal: &Signal, silenced: bool) -> Decision {
    if !signal.firing {
        return Decision::nothing("no open incident to update");
    }
    if silenced {
        return Decision {
            action: Action::Suppressed,
            effect: Effect::OpenIncident { posted: false },
            why: "silenced",
        };
    }
    Decision { action: Action::Open, effect: Effect::OpenIncident { posted: true }, why: "" }
}

/// A short id that is the same on every replica and every replay of the same events: `inc-3f9a1c07d2`.
pub fn incident_id(incident_key: &str, opening_dedupe_key: &str) -> String {
    let digest =
        Sha256::new().chain_update(incident_key).chain_update("\n").chain_update(opening_dedupe_key).finalize();
    let hex: String = digest.iter().take(5).map(|byte| format!("{byte:02x}")).collect();
    format!("inc-{hex}")
}

#[cfg(test)]
mod tests;

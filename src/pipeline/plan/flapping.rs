//! A flapping alarm keeps one incident: its changes are folded into the message and its thread, a recovery does
//! not resolve it, and firing again soon after a resolution reopens it instead of posting (and pinging) anew.

use super::{Plan, json};
use crate::chat::context::with_context;
use crate::chat::message::{Control, Message};
use crate::domain::event::{Event, EventBody};
use crate::domain::incident::{Action, Decision, Effect, IncidentSnapshot, IncidentStatus, Signal};
use crate::pipeline::report::Report;
use crate::store::OutboxOp;

const FOLDED: &str = "flapping: folded into the thread until the alarm is steady";

impl Plan<'_> {
    /// Handles the event when its alarm is flapping and there is an incident to fold it into; `None` leaves it
    /// to the ordinary rules.
    pub(super) fn fold_if_flapping(&mut self, event: &Event, dedupe: &str, key: &str, input: &str) -> Option<Report> {
        if !matches!(event.body, EventBody::Alarm(_)) {
            return None;
        }
        let at = event.occurred_at();
        let recent = self.recent.entry(key.to_owned()).or_default();
        recent.times.push(at);
        let times = recent.times.clone();
        if !self.rules.flapping.is_flapping(&times, at) {
            return None;
        }
        let signal = Signal::of(event);
        let how_often = self.rules.flapping.describe(&times, at);
        if let Some(incident) = self.open.get(key) {
            let stale_or_same = signal.at < incident.signal_at || signal.state == incident.signal_state;
            if !incident.posted || stale_or_same {
                return None;
            }
            let incident = self.open.remove(key)?;
            return Some(self.fold(event, dedupe, incident, &how_often, false, input));
        }
        if !signal.firing {
            return None;
        }
        let mut resolved = self.recent.get_mut(key)?.last_resolved.take()?;
        resolved.status = IncidentStatus::Open;
        Some(self.fold(event, dedupe, resolved, &how_often, true, input))
    }

    fn fold(
        &mut self,
        event: &Event,
        dedupe: &str,
        mut incident: IncidentSnapshot,
        how_often: &str,
        reopened: bool,
        input: &str,
    ) -> Report {
        let first = incident.flapping_since.is_none();
        incident.flapping_since.get_or_insert(self.now);
        let signal = Signal::of(event);
        incident.signal_state = signal.state;
        incident.signal_at = signal.at;
        incident.signal_detail = signal.detail;
        let decision = Decision { action: Action::Update, effect: Effect::Record { resolves: false }, why: FOLDED };
        let message = self.flapping_message(event, &incident, how_often);
        let body = json(&message);
        self.save_change(&incident, None, Some(body.clone()));
        let kind = match (first, reopened) {
            (true, _) => "flapping",
            (false, true) => "reopened",
            (false, false) => "updated",
        };
        self.note_timeline(&incident, event, dedupe, kind, &format!("{FOLDED}; {how_often}"));
        let report = self.report(event, &incident, &message, &decision, input);
        self.enqueue_message(&incident, dedupe, body, OutboxOp::Edit);
        self.enqueue_note(&incident, event, dedupe, Action::Update);
        self.open.insert(event.incident_key(), incident);
        report
    }

    /// The incident's message in the alarm's current state, still open, with the flapping line.
    fn flapping_message(&self, event: &Event, incident: &IncidentSnapshot, how_often: &str) -> Message {
        let mut message = self.rules.render.incident_message(event, Self::facts(incident), Action::Update);
        if let Some(context) = &incident.context {
            message = with_context(message, context, incident.opened_at);
        }
        let steady = self.rules.flapping.steady_after().num_minutes();
        message.lines.insert(
            0,
            format!("〰 Flapping: {how_often}. Changes go to the thread; it resolves after {steady} min steady OK."),
        );
        if message.controls.is_empty() {
            message.controls = vec![Control::Ack, Control::Silence, Control::Resolve];
        }
        message
    }
}

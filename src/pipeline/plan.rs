//! Decides what each fresh event does to its incident and collects the writes for one batch.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::Rules;
use super::report::{Report, ResourceReport};
use crate::chat::context::{GATHERING, with_context};
use crate::chat::message::Message;
use crate::chat::render::IncidentFacts;
use crate::domain::event::{Event, EventBody};
use crate::domain::incident::{
    Action, Decision, Effect, IncidentSnapshot, IncidentStatus, Signal, decide, incident_id,
};
use crate::domain::routing::Route;
use crate::domain::silence::Silence;
use crate::store::{
    EnrichmentRequest, IncidentChange, IngestTx, NewIncident, OutboxItem, OutboxOp, RecentChanges, Result,
    TimelineEntry,
};

mod flapping;
mod grouping;

pub(super) use grouping::Groups;
use grouping::Placement;

fn json(message: &Message) -> String {
    serde_json::to_string(message).expect("messages serialise")
}

pub(super) struct Plan<'a> {
    rules: &'a Rules,
    now: DateTime<Utc>,
    /// Open incidents by incident key, kept current as the batch is applied in order.
    open: HashMap<String, IncidentSnapshot>,
    new_incidents: Vec<NewIncident>,
    changes: Vec<IncidentChange>,
    timeline: Vec<TimelineEntry>,
    outbox: Vec<OutboxItem>,
    enrichments: Vec<EnrichmentRequest>,
    /// Each alarm key's recent state changes, with this batch's added as they are applied.
    recent: HashMap<String, RecentChanges>,
    /// Critical incidents opened here that escalate if nobody acks: (incident id, first re-ping).
    escalations: Vec<(String, DateTime<Utc>)>,
    groups: Groups,
}

impl<'a> Plan<'a> {
    pub(super) fn new(
        rules: &'a Rules,
        open: HashMap<String, IncidentSnapshot>,
        recent: HashMap<String, RecentChanges>,
        groups: Groups,
        now: DateTime<Utc>,
    ) -> Self {
        Plan {
            rules,
            now,
            open,
            new_incidents: vec![],
            changes: vec![],
            timeline: vec![],
            outbox: vec![],
            enrichments: vec![],
            recent,
            escalations: vec![],
            groups,
        }
    }

    /// Applies the incident rules to an event seen for the first time.
    ///
    /// `dedupe` is the event's dedupe key, computed once when the event was parsed; `silence` is the silence in
    /// force that covers the event, whose reason the timeline keeps when it keeps the incident out of chat.
    pub(super) fn apply(&mut self, event: &Event, dedupe: &str, silence: Option<&Silence>, input: &str) -> Report {
        let key = event.incident_key();
        if let Some(report) = self.fold_if_flapping(event, dedupe, &key, input) {
            return report;
        }
        let decision = decide(event, self.open.get(&key), silence.is_some());
        match decision.effect {
            Effect::Nothing => self.unchanged(event, input, decision.why),
            Effect::OpenIncident { posted } => {
                let why = match silence {
                    Some(silence) if !posted => format!("{}: {}", decision.why, silence.reason),
                    _ => decision.why.to_owned(),
                };
                self.open_incident(event, dedupe, key, &why, &decision, input)
            }
            Effect::Record { resolves } => self.record(event, dedupe, key, resolves, &decision, input),
        }
    }

    pub(super) fn duplicate(&self, event: &Event, input: &str) -> Report {
        self.report_nothing(event, input, "duplicate of an event already stored")
    }

    pub(super) fn later_page(&self, event: &Event, input: &str) -> Report {
        self.report_nothing(event, input, "a later page of a paged Health event; opspod keeps the first page")
    }

    fn unchanged(&self, event: &Event, input: &str, why: &str) -> Report {
        let mut report = self.report_nothing(event, input, why);
        report.incident = self.open.get(&event.incident_key()).map(|incident| incident.id.clone());
        report
    }

    fn report_nothing(&self, event: &Event, input: &str, why: &str) -> Report {
        Report {
            input: input.to_owned(),
            incident: None,
            action: Action::None,
            channel: None,
            severity: None,
            title: self.rules.render.title(event),
            text: String::new(),
            mentions: vec![],
            resource: ResourceReport::from(event.resource()),
            reason: Some(why.to_owned()),
        }
    }

    fn open_incident(
        &mut self,
        event: &Event,
        dedupe: &str,
        key: String,
        why: &str,
        decision: &Decision,
        input: &str,
    ) -> Report {
        let posted = matches!(decision.effect, Effect::OpenIncident { posted: true });
        let route = self.rules.policy.route(event, &self.rules.render.directory);
        let id = incident_id(&key, dedupe);
        let signal = Signal::of(event);
        let opened_at = signal.at;
        let status = if posted { IncidentStatus::Open } else { IncidentStatus::Silenced };
        let title = self.rules.render.title(event);
        let placement =
            if posted { self.groups.place(event, &route, &id, &title, dedupe, self.now) } else { Placement::Alone };
        let (group_id, lead) = match &placement {
            Placement::Lead => (Some(id.clone()), None),
            Placement::Member(lead) => (Some(lead.clone()), Some(lead.clone())),
            Placement::Alone => (None, None),
        };
        let facts = IncidentFacts { id: &id, opened_at, route: &route };
        let mut message = self.rules.render.incident_message(event, facts, decision.action);
        if posted && lead.is_none() && self.rules.enrich {
            message.context = vec![GATHERING.to_owned()];
            let event_body = serde_json::to_string(event).expect("domain events serialise");
            self.enrichments.push(EnrichmentRequest { incident_id: id.clone(), event_body });
        }
        let body = posted.then(|| json(&message));
        self.new_incidents.push(NewIncident {
            id: id.clone(),
            key: key.clone(),
            title: title.clone(),
            route: route.clone(),
            status,
            posted,
            signal_state: signal.state.clone(),
            signal_at: signal.at,
            signal_detail: signal.detail.clone(),
            resource: event.resource().clone(),
            opened_at,
            updated_at: self.now,
            resolved_at: None,
            message: body.clone(),
            group_id: group_id.clone(),
        });
        let snapshot = IncidentSnapshot {
            id: id.clone(),
            status,
            signal_state: signal.state,
            signal_at: signal.at,
            signal_detail: signal.detail,
            posted,
            route,
            opened_at,
            context: None,
            flapping_since: None,
            group_id,
        };
        let kind = if posted { "opened" } else { "suppressed" };
        if let Some(lead) = &lead {
            let why = format!("shown in the storm message of {lead}");
            self.note_timeline(&snapshot, event, dedupe, "grouped", &why);
            self.note_joined(lead, &snapshot.route.channel, &title, event, dedupe);
            let mut report = self.report(event, &snapshot, &message, decision, input);
            report.mentions.clear();
            report.reason = Some(why);
            self.open.insert(key, snapshot);
            return report;
        }
        self.note_timeline(&snapshot, event, dedupe, kind, why);
        let report = self.report(event, &snapshot, &message, decision, input);
        if let Some(body) = body {
            self.enqueue_message(&snapshot, dedupe, body, OutboxOp::Post);
            if self.rules.escalation.applies_to(snapshot.route.severity)
                && let Some(first) = self.rules.escalation.due(0, self.now)
            {
                self.escalations.push((id, first));
            }
        }
        self.open.insert(key, snapshot);
        report
    }

    fn record(
        &mut self,
        event: &Event,
        dedupe: &str,
        key: String,
        resolves: bool,
        decision: &Decision,
        input: &str,
    ) -> Report {
        let Some(mut incident) = self.open.remove(&key) else {
            return self.report_nothing(event, input, "no open incident");
        };
        let signal = Signal::of(event);
        incident.signal_state = signal.state;
        incident.signal_at = signal.at;
        incident.signal_detail = signal.detail;
        if resolves {
            incident.status = IncidentStatus::Resolved;
        }
        let mut message = self.rules.render.incident_message(event, Self::facts(&incident), decision.action);
        if let Some(context) = &incident.context {
            message = with_context(message, context, incident.opened_at);
        }
        let body = incident.posted.then(|| json(&message));
        self.save_change(&incident, resolves.then_some(signal.at), body.clone());
        self.note_timeline(&incident, event, dedupe, if resolves { "resolved" } else { "updated" }, decision.why);
        let report = self.report(event, &incident, &message, decision, input);
        if let Some(body) = body {
            self.enqueue_message(&incident, dedupe, body, OutboxOp::Edit);
            self.enqueue_note(&incident, event, dedupe, decision.action);
        }
        if resolves {
            // A flapping alarm that fires again in this batch reopens this incident rather than posting anew.
            self.recent.entry(key).or_default().last_resolved = Some(incident);
        } else {
            self.open.insert(key, incident);
        }
        report
    }

    /// Folds the change into the incident's insert when it opened in this batch, so the batch never holds two
    /// open incidents for one key.
    fn save_change(
        &mut self,
        incident: &IncidentSnapshot,
        resolved_at: Option<DateTime<Utc>>,
        message: Option<String>,
    ) {
        if let Some(new) = self.new_incidents.iter_mut().find(|new| new.id == incident.id) {
            new.status = incident.status;
            new.signal_state = incident.signal_state.clone();
            new.signal_at = incident.signal_at;
            new.signal_detail = incident.signal_detail.clone();
            new.resolved_at = resolved_at;
            new.message = message.or(new.message.take());
            return;
        }
        self.changes.push(IncidentChange {
            id: incident.id.clone(),
            status: incident.status,
            signal_state: incident.signal_state.clone(),
            signal_at: incident.signal_at,
            signal_detail: incident.signal_detail.clone(),
            updated_at: self.now,
            resolved_at,
            message,
            flapping_since: incident.flapping_since,
        });
    }

    fn note_timeline(&mut self, incident: &IncidentSnapshot, event: &Event, dedupe: &str, kind: &str, why: &str) {
        let note =
            if why.is_empty() { incident.signal_state.clone() } else { format!("{} ({why})", incident.signal_state) };
        self.timeline.push(TimelineEntry {
            incident_id: incident.id.clone(),
            at: event.occurred_at(),
            kind: kind.to_owned(),
            actor: "aws".to_owned(),
            via: match (kind, &event.body) {
                ("resolved", EventBody::Alarm(_)) => "alarm recovery".to_owned(),
                ("resolved", EventBody::Health(_)) => "Health close".to_owned(),
                _ => event.kind().to_owned(),
            },
            event_key: Some(dedupe.to_owned()),
            note,
        });
    }

    fn facts<'b>(incident: &'b IncidentSnapshot) -> IncidentFacts<'b> {
        IncidentFacts { id: &incident.id, opened_at: incident.opened_at, route: &incident.route }
    }

    fn enqueue_message(&mut self, incident: &IncidentSnapshot, dedupe: &str, body: String, op: OutboxOp) {
        if op != OutboxOp::Post && self.groups.absorb(incident, dedupe) {
            return;
        }
        self.outbox.push(OutboxItem {
            idempotency_key: format!("{}|{dedupe}|{op}", incident.id),
            incident_id: Some(incident.id.clone()),
            channel: incident.route.channel.clone(),
            op,
            body,
        });
    }

    fn enqueue_note(&mut self, incident: &IncidentSnapshot, event: &Event, dedupe: &str, action: Action) {
        if self.groups.absorb(incident, dedupe) {
            return;
        }
        let Some(note) = self.rules.render.thread_note(event, Self::facts(incident), action) else { return };
        self.outbox.push(OutboxItem {
            idempotency_key: format!("{}|{dedupe}|note", incident.id),
            incident_id: Some(incident.id.clone()),
            channel: incident.route.channel.clone(),
            op: OutboxOp::Note,
            body: serde_json::to_string(&note).expect("notes serialise"),
        });
    }

    fn report(
        &self,
        event: &Event,
        incident: &IncidentSnapshot,
        message: &Message,
        decision: &Decision,
        input: &str,
    ) -> Report {
        let Route { channel, severity, .. } = &incident.route;
        Report {
            input: input.to_owned(),
            incident: Some(incident.id.clone()),
            action: decision.action,
            channel: Some(channel.clone()),
            severity: Some(*severity),
            title: message.title.clone(),
            text: message.to_text(),
            mentions: if decision.action == Action::Open { message.mentions.clone() } else { vec![] },
            resource: ResourceReport::from(event.resource()),
            reason: (!decision.why.is_empty()).then(|| decision.why.to_owned()),
        }
    }

    pub(super) fn wants_context(&self) -> bool {
        !self.enrichments.is_empty()
    }

    /// Writes everything the batch decided, inside the batch's transaction.
    ///
    /// Changes go first: they only touch incidents opened before this batch, and one of them may resolve the
    /// incident that a later event in the batch reopens, which the one-open-incident-per-key index refuses while
    /// the old row is still open.
    pub(super) async fn write(mut self, tx: &mut IngestTx) -> Result<()> {
        tx.update_incidents(&self.changes).await?;
        tx.insert_incidents(&self.new_incidents).await?;
        tx.insert_timeline(&self.timeline).await?;
        tx.request_enrichments(&self.enrichments, self.now).await?;
        tx.start_escalations(&self.escalations).await?;
        self.write_groups(tx).await?;
        tx.enqueue(&self.outbox, self.now).await
    }
}

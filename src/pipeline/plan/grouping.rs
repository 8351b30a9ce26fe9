//! Storm groups in a batch: a new alarm joins the group taking members for its key (and is shown in the lead's
//! message instead of being posted), changes of members are folded into that message, and each group touched
//! is edited once at the end of the batch.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use super::{Plan, json};
use crate::chat::message::Note;
use crate::chat::storm::{StormMember, storm_message};
use crate::domain::event::Event;
use crate::domain::grouping::{GroupRule, describe_key};
use crate::domain::incident::IncidentSnapshot;
use crate::domain::routing::{Route, Severity};
use crate::store::{GroupRow, IngestTx, MemberRow, OutboxItem, OutboxOp, Result};

/// The groups a batch may touch, with their members' latest states.
#[derive(Debug, Default)]
pub(in crate::pipeline) struct Groups {
    rule: GroupRule,
    /// Group key → the lead of the group taking members for it.
    taking: HashMap<String, String>,
    states: HashMap<String, GroupState>,
    /// Groups to save and re-render at the end of the batch, with the dedupe key of the first event that touched
    /// each, which keys its edit so a replay of the batch queues it once.
    touched: BTreeMap<String, String>,
    severity: HashMap<String, Severity>,
}

#[derive(Debug)]
struct GroupState {
    row: GroupRow,
    members: BTreeMap<String, StormMember>,
}

/// Where an incident that is being opened goes.
pub(super) enum Placement {
    /// Posted on its own, leading a group that may take members (`group_id` is its own id).
    Lead,
    /// Shown in this lead's storm message.
    Member(String),
    /// Posted on its own, never grouped.
    Alone,
}

impl Groups {
    /// The groups taking members for the keys of `events`, and the groups of the open incidents they touch.
    pub(in crate::pipeline) async fn load(
        tx: &mut IngestTx,
        rule: GroupRule,
        keys: &[String],
        open: &HashMap<String, IncidentSnapshot>,
        now: DateTime<Utc>,
    ) -> Result<Groups> {
        let mut groups = Groups { rule, ..Groups::default() };
        if keys.is_empty() && open.values().all(|incident| incident.group_id.is_none()) {
            return Ok(groups);
        }
        let taking = tx.groups_taking_members(keys, now - rule.window, now - rule.max_span).await?;
        let mut ids: Vec<String> = taking.iter().map(|row| row.id.clone()).collect();
        for row in taking {
            // The newest group wins a key: groups are opened one at a time per key, so there is one unless the
            // rule's windows changed.
            groups.taking.insert(row.key.clone(), row.id.clone());
            groups.states.insert(row.id.clone(), GroupState { row, members: BTreeMap::new() });
        }
        let missing: Vec<String> = open
            .values()
            .filter_map(|incident| incident.group_id.clone())
            .filter(|id| !groups.states.contains_key(id))
            .collect();
        for row in tx.groups_by_id(&missing).await? {
            ids.push(row.id.clone());
            groups.states.insert(row.id.clone(), GroupState { row, members: BTreeMap::new() });
        }
        for member in tx.group_members(&ids).await? {
            groups.add_member_row(member);
        }
        for incident in open.values() {
            if let Some(group) = &incident.group_id {
                groups.severity.insert(group.clone(), incident.route.severity);
            }
        }
        Ok(groups)
    }

    fn add_member_row(&mut self, row: MemberRow) {
        if let Some(state) = self.states.get_mut(&row.group_id) {
            let member = StormMember {
                resource: row.resource_name,
                title: row.title,
                state: row.signal_state,
                at: row.signal_at,
            };
            state.members.insert(row.incident_id, member);
        }
    }

    /// Places a posted incident being opened: in the group taking members for its key, or leading a new one.
    pub(super) fn place(
        &mut self,
        event: &Event,
        route: &Route,
        incident: &str,
        title: &str,
        dedupe: &str,
        now: DateTime<Utc>,
    ) -> Placement {
        let Some(key) = self.rule.key(event, &route.channel) else { return Placement::Alone };
        let member = StormMember {
            resource: event.resource().name.to_string(),
            title: title.to_owned(),
            state: crate::domain::incident::Signal::of(event).state,
            at: event.occurred_at(),
        };
        let lead = self.taking.get(&key).cloned().filter(|lead| {
            self.states.get(lead).is_some_and(|state| self.rule.takes(state.row.opened_at, state.row.last_at, now))
        });
        let Some(lead) = lead else {
            let row = GroupRow {
                id: incident.to_owned(),
                key: key.clone(),
                channel: route.channel.clone(),
                opened_at: now,
                last_at: now,
            };
            let mut members = BTreeMap::new();
            members.insert(incident.to_owned(), member);
            self.states.insert(incident.to_owned(), GroupState { row, members });
            self.taking.insert(key, incident.to_owned());
            self.severity.insert(incident.to_owned(), route.severity);
            self.touched.entry(incident.to_owned()).or_insert_with(|| dedupe.to_owned());
            return Placement::Lead;
        };
        let state = self.states.get_mut(&lead).expect("a lead taking members has a state");
        state.members.insert(incident.to_owned(), member);
        state.row.last_at = now;
        let severity = self.severity.entry(lead.clone()).or_insert(route.severity);
        *severity = (*severity).max(route.severity);
        self.touched.entry(lead.clone()).or_insert_with(|| dedupe.to_owned());
        Placement::Member(lead)
    }

    /// Takes in a change of a grouped incident; true when its group's message shows it (so the incident's own
    /// message is not edited): always for members, and for a lead once its group has more than itself.
    pub(super) fn absorb(&mut self, incident: &IncidentSnapshot, dedupe: &str) -> bool {
        let Some(group) = &incident.group_id else { return false };
        let Some(state) = self.states.get_mut(group) else { return incident.is_group_member() };
        if let Some(member) = state.members.get_mut(&incident.id) {
            member.state = incident.signal_state.clone();
            member.at = incident.signal_at;
        }
        let shown_in_storm = incident.is_group_member() || state.members.len() > 1;
        if shown_in_storm {
            self.touched.entry(group.clone()).or_insert_with(|| dedupe.to_owned());
        }
        shown_in_storm
    }
}

impl Plan<'_> {
    /// The thread line saying a member joined its lead's storm message.
    pub(super) fn note_joined(&mut self, lead: &str, channel: &str, title: &str, event: &Event, dedupe: &str) {
        let signal = crate::domain::incident::Signal::of(event);
        let note = Note {
            text: format!("{} + {title}: {}", event.occurred_at().format("%H:%M:%S"), signal.state),
            thread: String::new(),
            mentions: vec![],
        };
        self.outbox.push(OutboxItem {
            idempotency_key: format!("{lead}|{dedupe}|joined"),
            incident_id: Some(lead.to_owned()),
            channel: channel.to_owned(),
            op: OutboxOp::Note,
            body: serde_json::to_string(&note).expect("notes serialise"),
        });
    }

    /// One edit per group the batch touched (for groups of more than one), and the groups' rows.
    pub(super) async fn write_groups(&mut self, tx: &mut IngestTx) -> Result<()> {
        let touched = std::mem::take(&mut self.groups.touched);
        let mut rows = Vec::with_capacity(touched.len());
        let mut messages = Vec::new();
        for (lead, dedupe) in touched {
            let Some(state) = self.groups.states.get(&lead) else { continue };
            rows.push(state.row.clone());
            if state.members.len() < 2 {
                continue;
            }
            let members: Vec<StormMember> = state.members.values().cloned().collect();
            let severity = self.groups.severity.get(&lead).copied().unwrap_or(Severity::Warning);
            let message = storm_message(&describe_key(&state.row.key), state.row.opened_at, &lead, severity, &members);
            let body = json(&message);
            messages.push((lead.clone(), body.clone()));
            self.outbox.push(OutboxItem {
                idempotency_key: format!("{lead}|{dedupe}|storm"),
                incident_id: Some(lead.clone()),
                channel: state.row.channel.clone(),
                op: OutboxOp::Edit,
                body,
            });
        }
        tx.save_groups(&rows).await?;
        tx.set_messages(&messages).await
    }
}

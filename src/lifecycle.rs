//! Incident changes that come with time rather than with events: re-pinging while a critical incident stays
//! unacknowledged (escalation), and resolving a flapping alarm's incident once the alarm has been steady.
//!
//! Everything it knows lives in the store, so a restart neither forgets a due re-ping nor sends one twice.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::chat::message::Note;
use crate::domain::escalation::Policy;
use crate::domain::flapping::FlapRule;
use crate::domain::incident::IncidentStatus;
use crate::domain::lifecycle::Intervention;
use crate::domain::oncall::{OnCall, Rotation};
use crate::interventions::{Actor, apply};
use crate::ports::Clock;
use crate::store::{DueEscalation, EscalationWrite, Store, StoreError};

/// Due steps handled per pass.
const BATCH: i64 = 100;
/// How often the worker looks when nothing is due sooner: the resolution of flapping's end.
const POLL: Duration = Duration::from_secs(15);

/// What one pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pass {
    pub re_pinged: usize,
    pub stopped: usize,
    pub settled: usize,
}

pub struct Lifecycle {
    store: Store,
    clock: Arc<dyn Clock>,
    escalation: Policy,
    rotation: Option<Rotation>,
    flapping: FlapRule,
    outbox_ready: Arc<Notify>,
}

impl Lifecycle {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        escalation: Policy,
        rotation: Option<Rotation>,
        flapping: FlapRule,
        outbox_ready: Arc<Notify>,
    ) -> Self {
        Lifecycle { store, clock, escalation, rotation, flapping, outbox_ready }
    }

    /// Sends the re-pings that are due and resolves flapping incidents that are steady.
    pub async fn tick(&self) -> Result<Pass, StoreError> {
        let mut pass = Pass::default();
        self.escalate(&mut pass).await?;
        self.settle_flapping(&mut pass).await?;
        if pass.re_pinged + pass.settled > 0 {
            self.outbox_ready.notify_one();
        }
        Ok(pass)
    }

    pub async fn run(self, shutdown: CancellationToken) {
        loop {
            if let Err(error) = self.tick().await {
                tracing::error!(%error, "Escalation and flapping could not read or write the store; retrying shortly.");
            }
            let wait = match self.store.next_escalation_at().await {
                Ok(Some(next)) => (next - self.clock.now()).to_std().unwrap_or_default().min(POLL),
                _ => POLL,
            };
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(wait.max(Duration::from_millis(100))) => {}
            }
        }
    }

    async fn escalate(&self, pass: &mut Pass) -> Result<(), StoreError> {
        let now = self.clock.now();
        let due = self.store.due_escalations(now, BATCH).await?;
        if due.is_empty() {
            return Ok(());
        }
        let on_call = self.on_call(now).await?;
        for step in due {
            if step.status != IncidentStatus::Open || !step.posted {
                self.store.stop_escalation(&step.incident_id, now).await?;
                pass.stopped += 1;
                continue;
            }
            if self.store.record_escalation(&self.re_ping(&step, on_call.as_ref(), now)).await? {
                pass.re_pinged += 1;
            }
        }
        Ok(())
    }

    fn re_ping(&self, step: &DueEscalation, on_call: Option<&OnCall>, now: DateTime<Utc>) -> EscalationWrite {
        let handle = self.escalation.handle(step.step, on_call);
        let what = self.escalation.describe(step.step);
        let text = match &handle {
            Some(_) => format!("⏰ {what}: {} still needs someone.", step.title),
            None => format!("⏰ {what}: {} still needs someone, and the rotation names nobody to ping.", step.title),
        };
        // Later steps keep their spacing from this one, so a late pass (after a restart) does not bunch them up.
        let next_at = match (
            self.escalation.due(step.step + 1, step.opened_at),
            self.escalation.due(step.step, step.opened_at),
        ) {
            (Some(next), Some(this)) => Some(step.due_at.max(now) + (next - this)),
            _ => None,
        };
        let note = Note { text, thread: step.title.clone(), mentions: handle.iter().cloned().collect() };
        EscalationWrite {
            incident_id: step.incident_id.clone(),
            channel: step.channel.clone(),
            step: step.step,
            at: now,
            note: serde_json::to_string(&note).expect("notes serialise"),
            timeline_note: match &handle {
                Some(handle) => format!("{what}: re-pinged {handle}"),
                None => format!("{what}: nobody to re-ping"),
            },
            next_at,
        }
    }

    async fn on_call(&self, now: DateTime<Utc>) -> Result<Option<OnCall>, StoreError> {
        let Some(rotation) = &self.rotation else { return Ok(None) };
        let handovers = self.store.handovers(now - rotation.shift).await?;
        Ok(rotation.at(now, &handovers))
    }

    async fn settle_flapping(&self, pass: &mut Pass) -> Result<(), StoreError> {
        let now = self.clock.now();
        let opspod = Actor { id: "opspod".into(), display: "opspod".into() };
        for incident in self.store.steady_flapping(now - self.flapping.steady_after()).await? {
            let via = format!("flapping over: OK for {} min", self.flapping.steady_after().num_minutes());
            apply(&self.store, &incident.id, Intervention::Resolve, &opspod, &via, now).await?;
            pass.settled += 1;
        }
        Ok(())
    }
}

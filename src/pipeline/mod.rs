//! The ingestion pipeline: parse → store (deduplicated) → route → outbox, one transaction per batch.
//!
//! A batch is durable when [`Pipeline::ingest`] returns `Ok`; only then may a source acknowledge its inputs.

mod plan;
mod report;

use std::collections::HashSet;
use std::sync::Arc;

use tokio::sync::Notify;

use crate::chat::render::RenderContext;
use crate::domain::event::{Event, EventBody};
use crate::domain::routing::Policy;
use crate::domain::silence::{Silence, silencing};
use crate::parse;
use crate::ports::Clock;
use crate::store::{NewEvent, NewRejection, Store, StoreError};

pub use report::{Outcome, Report, ResourceReport};

use plan::{Groups, Plan};

/// One input from a source: an SQS message body, a line of a replay file, an alarm a poller saw change.
#[derive(Debug, Clone)]
pub struct Input {
    /// `sqs`, `replay`, or a poller's name.
    pub source: String,
    /// The input exactly: `queue-url#message-id`, `file.jsonl:12`, `alarms:111122223333:us-east-1`.
    pub origin: String,
    pub payload: Payload,
}

#[derive(Debug, Clone)]
pub enum Payload {
    /// Bytes from outside, still to be parsed (and perhaps refused).
    Raw(Vec<u8>),
    /// An event a poller built from an AWS API answer, already in domain form.
    Event(Box<Event>),
}

/// Routing and rendering rules, fixed for the life of the process.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    pub policy: Policy,
    pub render: RenderContext,
    /// Ask for context (AWS metrics, logs, deploys) on every incident posted; off when AWS is.
    pub enrich: bool,
    /// The `[[maintenance]]` windows from config, applied alongside the silences in the store.
    pub maintenance: Vec<Silence>,
    /// Whom to re-ping, and when, while a critical incident goes unacknowledged; no steps, no escalation.
    pub escalation: crate::domain::escalation::Policy,
    pub flapping: crate::domain::flapping::FlapRule,
    /// Which alarms share one storm message.
    pub grouping: crate::domain::grouping::GroupRule,
}

#[derive(Clone)]
pub struct Pipeline {
    store: Store,
    rules: Arc<Rules>,
    clock: Arc<dyn Clock>,
    outbox_ready: Arc<Notify>,
    enrichment_ready: Arc<Notify>,
}

impl Pipeline {
    pub fn new(store: Store, rules: Rules, clock: Arc<dyn Clock>) -> Self {
        Pipeline {
            store,
            rules: Arc::new(rules),
            clock,
            outbox_ready: Arc::new(Notify::new()),
            enrichment_ready: Arc::new(Notify::new()),
        }
    }

    /// Woken whenever a batch asked for context.
    pub fn enrichment_ready(&self) -> Arc<Notify> {
        self.enrichment_ready.clone()
    }

    /// Woken whenever a batch added messages to the outbox.
    pub fn outbox_ready(&self) -> Arc<Notify> {
        self.outbox_ready.clone()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Parses, stores and routes a batch in one transaction; returns one outcome per input, in order.
    pub async fn ingest(&self, inputs: &[Input]) -> Result<Vec<Outcome>, StoreError> {
        let stored = self.store_batch(inputs).await;
        crate::telemetry::metrics::batch_stored(inputs, &stored);
        stored
    }

    async fn store_batch(&self, inputs: &[Input]) -> Result<Vec<Outcome>, StoreError> {
        let now = self.clock.now();
        let parsed: Vec<Parsed> = inputs.iter().map(|input| Parsed::from_input(input, now)).collect();
        let mut tx = self.store.begin_ingest().await?;
        tx.insert_rejections(&parsed.iter().filter_map(Parsed::rejection).collect::<Vec<_>>()).await?;
        let rows: Vec<&NewEvent> = parsed.iter().filter_map(Parsed::row).collect();
        let inserted = tx.insert_events(&rows).await?;
        let fresh: Vec<&Event> = parsed
            .iter()
            .filter_map(Parsed::accepted)
            .filter(|(_, row)| inserted.contains(&row.dedupe_key))
            .map(|(e, _)| e)
            .collect();
        let keys: Vec<String> = fresh.iter().map(|e| e.incident_key()).collect::<HashSet<_>>().into_iter().collect();
        let earliest = fresh.iter().map(|event| event.occurred_at()).min().unwrap_or(now).min(now);
        let recent = tx.recent_changes(&keys, earliest - self.rules.flapping.window).await?;
        let open = tx.open_incidents(&keys).await?;
        let group_keys = self.group_keys(&fresh);
        let groups = Groups::load(&mut tx, self.rules.grouping, &group_keys, &open, now).await?;
        let mut plan = Plan::new(&self.rules, open, recent, groups, now);
        let silences = tx.active_silences(now).await?;
        let mut seen = HashSet::new();
        let outcomes = parsed
            .iter()
            .zip(inputs)
            .map(|(parsed, input)| match parsed {
                Parsed::Rejected(rejection) => Outcome::Rejected(rejection.clone()),
                Parsed::Skipped(reason) => Outcome::Skipped { origin: input.origin.clone(), reason: reason.clone() },
                Parsed::LaterPage(event) => Outcome::Accepted(plan.later_page(event, &input.origin)),
                Parsed::Accepted(event, row) => {
                    let first = inserted.contains(&row.dedupe_key) && seen.insert(row.dedupe_key.clone());
                    // A planned window is named first: it is the reason the people on call already know.
                    let silence =
                        silencing(&self.rules.maintenance, event, now).or_else(|| silencing(&silences, event, now));
                    Outcome::Accepted(if first {
                        plan.apply(event, &row.dedupe_key, silence, &input.origin)
                    } else {
                        plan.duplicate(event, &input.origin)
                    })
                }
            })
            .collect();
        let wants_context = plan.wants_context();
        plan.write(&mut tx).await?;
        tx.commit().await?;
        self.outbox_ready.notify_one();
        if wants_context {
            self.enrichment_ready.notify_one();
        }
        Ok(outcomes)
    }
}

impl Pipeline {
    /// The storm group keys of the events, as routed: alarms group per channel.
    fn group_keys(&self, events: &[&Event]) -> Vec<String> {
        let keys: HashSet<String> = events
            .iter()
            .filter_map(|event| {
                let route = self.rules.policy.route(event, &self.rules.render.directory);
                self.rules.grouping.key(event, &route.channel)
            })
            .collect();
        keys.into_iter().collect()
    }
}

/// An input after parsing, before the store has seen it.
enum Parsed {
    Accepted(Event, NewEvent),
    /// A second or later page of a paged Health event: opspod keeps only the first.
    LaterPage(Event),
    Rejected(NewRejection),
    /// Not an event at all (an SNS subscription handshake): neither stored nor rejected.
    Skipped(String),
}

impl Parsed {
    fn from_input(input: &Input, now: chrono::DateTime<chrono::Utc>) -> Self {
        let raw = match &input.payload {
            Payload::Event(event) => return Self::event((**event).clone(), input, now),
            Payload::Raw(raw) => raw,
        };
        match parse::parse(raw) {
            Ok(parse::Parsed::Confirmation(confirmation)) => Parsed::Skipped(confirmation.to_string()),
            Ok(parse::Parsed::Event(event)) => Self::event(event, input, now),
            Err(rejection) => Parsed::Rejected(NewRejection {
                received_at: now,
                source: input.source.clone(),
                origin: input.origin.clone(),
                reason: rejection.to_string(),
                field: rejection.field().map(str::to_owned),
                raw: String::from_utf8_lossy(raw).into_owned(),
            }),
        }
    }

    fn event(event: Event, input: &Input, now: chrono::DateTime<chrono::Utc>) -> Self {
        if is_later_page(&event) {
            return Parsed::LaterPage(event);
        }
        let row = NewEvent {
            dedupe_key: event.dedupe_key(),
            kind: event.kind(),
            source: input.source.clone(),
            origin: input.origin.clone(),
            occurred_at: event.occurred_at(),
            received_at: now,
            body: serde_json::to_string(&event).expect("domain events serialise"),
        };
        Parsed::Accepted(event, row)
    }

    fn rejection(&self) -> Option<NewRejection> {
        match self {
            Parsed::Rejected(rejection) => Some(rejection.clone()),
            _ => None,
        }
    }

    fn row(&self) -> Option<&NewEvent> {
        match self {
            Parsed::Accepted(_, row) => Some(row),
            _ => None,
        }
    }

    fn accepted(&self) -> Option<(&Event, &NewEvent)> {
        match self {
            Parsed::Accepted(event, row) => Some((event, row)),
            _ => None,
        }
    }
}

fn is_later_page(event: &Event) -> bool {
    matches!(&event.body, EventBody::Health(health) if health.page > 1)
}

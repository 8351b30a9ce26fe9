//! Enrichment: after an incident is posted, gather what a good ops engineer would look up (the function's
//! numbers, its top errors, the last deploy, AWS Health in the same place, a chart) within a time box, and edit
//! it into the message through the outbox. An alert is never held back for its context.

mod gather;
mod logs;
pub mod metrics;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::aws::AwsAccess;
use crate::chat::context::with_context;
use crate::chat::message::{Message, Note};
use crate::chat::render::RenderContext;
use crate::domain::context::Context;
use crate::store::{EnrichmentWrite, Finished, PendingEnrichment, Store, StoreError};

pub use gather::Counts;

/// Requests older than this are not worth an edit any more.
const FRESHNESS: chrono::Duration = chrono::Duration::hours(1);

/// Incidents enriched together: one burst's metrics go to CloudWatch in shared calls.
const BURST: i64 = 500;

/// Attempts to write a context when people keep changing the message meanwhile.
const WRITE_ATTEMPTS: usize = 3;

#[derive(Clone)]
pub struct Enricher {
    store: Store,
    access: Arc<AwsAccess>,
    render: Arc<RenderContext>,
    time_box: Duration,
    outbox_ready: Arc<Notify>,
    counts: Arc<Counts>,
}

impl Enricher {
    pub fn new(
        store: Store,
        access: AwsAccess,
        render: RenderContext,
        time_box: Duration,
        outbox_ready: Arc<Notify>,
    ) -> Self {
        Enricher {
            store,
            access: Arc::new(access),
            render: Arc::new(render),
            time_box,
            outbox_ready,
            counts: Arc::new(Counts::default()),
        }
    }

    /// AWS calls made so far, by API.
    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    /// Enriches whatever is pending whenever the pipeline says there is more, until `stop`.
    pub async fn run(&self, wake: Arc<Notify>, stop: CancellationToken) {
        loop {
            match self.work_once().await {
                Ok(0) => {}
                Ok(_) => continue,
                Err(error) => tracing::warn!(%error, "Enrichment could not read or write the store; retrying."),
            }
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(Duration::from_secs(5)) => {}
                () = stop.cancelled() => return,
            }
        }
    }

    /// Keeps enriching until nothing is pending or `deadline` passes, for commands that exit afterwards.
    pub async fn settle(&self, deadline: Duration) {
        let until = tokio::time::Instant::now() + deadline;
        while tokio::time::Instant::now() < until {
            match self.work_once().await {
                Ok(0) => return,
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "Enrichment could not read or write the store.");
                    return;
                }
            }
        }
    }

    /// Finishes every pending request without asking AWS, saying why: for commands that found no credentials.
    pub async fn finish_without_aws(&self, why: &str) -> Result<usize, StoreError> {
        let context = Context { unavailable: vec![format!("AWS context ({why})")], ..Context::default() };
        let mut finished = 0;
        loop {
            let pending = self.store.pending_enrichments(Utc::now() - FRESHNESS, BURST).await?;
            if pending.is_empty() {
                break;
            }
            for request in &pending {
                self.write(request, &context).await?;
                finished += 1;
            }
        }
        self.outbox_ready.notify_one();
        Ok(finished)
    }

    /// Enriches one burst of pending incidents; returns how many were finished.
    pub async fn work_once(&self) -> Result<usize, StoreError> {
        let pending = self.store.pending_enrichments(Utc::now() - FRESHNESS, BURST).await?;
        if pending.is_empty() {
            return Ok(0);
        }
        let contexts = gather::contexts(self, &pending).await;
        let mut finished = 0;
        for (request, context) in pending.iter().zip(contexts) {
            if self.write(request, &context).await? {
                finished += 1;
            }
        }
        self.outbox_ready.notify_one();
        Ok(finished)
    }

    /// Writes the context and the edited message; true when this worker wrote it.
    async fn write(&self, request: &PendingEnrichment, context: &Context) -> Result<bool, StoreError> {
        let context_json = serde_json::to_string(context).expect("contexts serialise");
        for _ in 0..WRITE_ATTEMPTS {
            let Some(incident) = self.store.incident(&request.incident_id).await? else { return Ok(false) };
            let stored: Option<Message> = incident.message.as_deref().and_then(|json| serde_json::from_str(json).ok());
            let edited =
                stored.filter(|_| incident.posted).map(|message| with_context(message, context, incident.opened_at));
            let now = Utc::now();
            let note = edited.as_ref().map(|_| Note {
                text: format!("{} context added", now.format("%H:%M")),
                thread: format!("{} · {}", incident.id, incident.title),
                mentions: vec![],
            });
            let write = EnrichmentWrite {
                incident_id: incident.id.clone(),
                channel: incident.channel.clone(),
                context: context_json.clone(),
                expected_message: incident.message.clone(),
                edit: edited.map(|message| serde_json::to_string(&message).expect("messages serialise")),
                note: note.map(|note| serde_json::to_string(&note).expect("notes serialise")),
                at: now,
            };
            match self.store.finish_enrichment(&write).await? {
                Finished::Written => return Ok(true),
                Finished::AlreadyDone => return Ok(false),
                Finished::MessageChanged => continue,
            }
        }
        Ok(false)
    }
}

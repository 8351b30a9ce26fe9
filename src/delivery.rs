//! The delivery worker: sends outbox rows to the chat sink in order, retries with backoff, and marks a row
//! sent only after the sink confirmed it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::chat::message::{Message, Note};
use crate::ports::{ChatSink, Clock, SinkError};
use crate::store::{OutboxOp, OutboxRow, Store, StoreError};
use crate::telemetry::metrics;

/// Retry policy for deliveries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
    /// Attempts before a message the platform refuses (not one it could not take) is given up.
    pub max_attempts: u32,
}

impl Backoff {
    /// The wait after `attempts` failed attempts: doubling from `initial`, capped at `max`.
    pub fn after(&self, attempts: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(20));
        self.initial.saturating_mul(factor).min(self.max)
    }
}

/// Rows fetched per pass.
const PASS_SIZE: i64 = 100;
/// Thread lines looked at for sending along with the one due.
const MERGED_NOTES: i64 = 60;
/// Room for merged thread lines, under Discord's 2,000-character limit with space for its markup.
const MERGED_NOTE_CHARS: usize = 1_900;
/// How long a replica holds the rows it claimed; a replica that dies leaves them to another after this.
const CLAIM: Duration = Duration::from_secs(60);
/// How often the worker looks for due rows when nothing wakes it.
const IDLE_POLL: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub struct Delivery {
    store: Store,
    sink: Arc<dyn ChatSink>,
    clock: Arc<dyn Clock>,
    backoff: Backoff,
    outage: Arc<Mutex<Outage>>,
    /// Names this process's claims on outbox rows, so replicas sharing a database never send a row twice.
    replica: Arc<str>,
}

/// While chat is unreachable the whole worker waits, rather than each row on its own, so that messages still
/// go out in the order they were written once chat is back.
#[derive(Debug, Default)]
struct Outage {
    failures: u32,
    until: Option<DateTime<Utc>>,
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    /// Rows delivered, the thread lines sent along with another included.
    pub delivered: usize,
    /// Edits skipped because a later edit of the same message was already queued.
    pub superseded: usize,
    pub failed: usize,
    /// The sink is unavailable; the rest of the pass was left for later.
    pub stalled: bool,
}

impl Delivery {
    pub fn new(store: Store, sink: Arc<dyn ChatSink>, clock: Arc<dyn Clock>, backoff: Backoff) -> Self {
        Delivery { store, sink, clock, backoff, outage: Arc::default(), replica: replica_id().into() }
    }

    /// Delivers until `shutdown`, waking on `ready` or every second; then finishes what is due.
    pub async fn run(&self, ready: Arc<Notify>, shutdown: CancellationToken) {
        self.wait_out_predecessor(&shutdown).await;
        loop {
            let pass = self.pass_logged().await;
            if shutdown.is_cancelled() {
                break;
            }
            if pass.delivered + pass.superseded > 0 && !pass.stalled {
                continue;
            }
            tokio::select! {
                () = ready.notified() => {}
                () = tokio::time::sleep(IDLE_POLL) => {}
                () = shutdown.cancelled() => {}
            }
        }
        self.drain(Duration::from_secs(10)).await;
    }

    /// Waits until the platform no longer counts what a process that just stopped (or was killed) sent, so that
    /// the first messages after a restart do not draw a 429.
    async fn wait_out_predecessor(&self, shutdown: &CancellationToken) {
        let window = self.sink.rate_window();
        let Ok(Some(last)) = self.store.last_sent_at().await else { return };
        let since = (self.clock.now() - last).to_std().unwrap_or_default();
        let Some(rest) = window.checked_sub(since).filter(|rest| !rest.is_zero()) else { return };
        tracing::info!(wait = ?rest, "A message went out moments ago; waiting until chat's rate limit no longer counts it.");
        tokio::select! {
            () = tokio::time::sleep(rest) => {}
            () = shutdown.cancelled() => {}
        }
    }

    /// Delivers what is due until nothing is, the sink stalls, or `limit` passes.
    pub async fn drain(&self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while tokio::time::Instant::now() < deadline {
            let pass = self.pass_logged().await;
            if pass.delivered + pass.superseded == 0 || pass.stalled {
                break;
            }
        }
    }

    async fn pass_logged(&self) -> Pass {
        match self.pass().await {
            Ok(pass) => pass,
            Err(error) => {
                metrics::store_error();
                tracing::error!(%error, "Failed to read the outbox; retrying.");
                Pass { stalled: true, ..Pass::default() }
            }
        }
    }

    /// One pass over due rows, oldest first, one row per incident.
    pub async fn pass(&self) -> Result<Pass, StoreError> {
        let mut pass = Pass::default();
        if self.waiting_out_an_outage() {
            pass.stalled = true;
            return Ok(pass);
        }
        let now = self.clock.now();
        let claimed_until = now + chrono::Duration::from_std(CLAIM).unwrap_or_default();
        // Pacing can make a pass long; it ends while its claim still has time left, so that no row is sent on a
        // claim that has expired and another replica may have taken.
        let pass_ends = now + chrono::Duration::from_std(CLAIM / 2).unwrap_or_default();
        for row in self.store.claim_outbox(&self.replica, now, claimed_until, PASS_SIZE).await? {
            if self.clock.now() >= pass_ends {
                break;
            }
            if row.op == OutboxOp::Edit {
                let skipped = self.store.supersede_edits(&row, self.clock.now()).await?;
                if skipped > 0 {
                    metrics::superseded(skipped);
                    pass.superseded += usize::try_from(skipped).unwrap_or(usize::MAX);
                    continue;
                }
            }
            let merged = if row.op == OutboxOp::Note { self.notes_to_carry(&row).await? } else { vec![] };
            match self.deliver(&row, &merged).await {
                Ok((message_ref, merged)) => {
                    let now = self.clock.now();
                    self.store.mark_sent(&row, now, message_ref.as_deref()).await?;
                    metrics::delivered(std::iter::once(&row).chain(merged), now);
                    self.outage_over();
                    pass.delivered += 1 + merged.len();
                }
                Err(error) => {
                    metrics::delivery_failed(&error);
                    pass.failed += 1;
                    let transient = matches!(error, SinkError::Transient { .. });
                    self.record_failure(&row, &error).await?;
                    if transient {
                        pass.stalled = true;
                        break;
                    }
                }
            }
        }
        Ok(pass)
    }

    /// The thread lines queued after `row` that go out in its message. The choice is written down before the
    /// send, so a retry after a crash sends the same message under the same nonce, and the platform keeps one.
    async fn notes_to_carry(&self, row: &OutboxRow) -> Result<Vec<OutboxRow>, StoreError> {
        let carried = self.store.carried_notes(row).await?;
        if !carried.is_empty() {
            return Ok(carried);
        }
        let Ok(mut note) = decode::<Note>(&row.body) else { return Ok(vec![]) };
        let mut following = self.store.notes_after(row, MERGED_NOTES).await?;
        following.truncate(merge_notes(&mut note, &following));
        if !following.is_empty() {
            self.store.carry_notes(row, &following).await?;
        }
        Ok(following)
    }

    /// Sends `row`, and for a thread line the lines queued right after it in the same message while they fit; returns
    /// the posted message's reference and the rows sent along.
    async fn deliver<'r>(
        &self,
        row: &OutboxRow,
        following: &'r [OutboxRow],
    ) -> Result<(Option<String>, &'r [OutboxRow]), SinkError> {
        match row.op {
            OutboxOp::Post => {
                let message: Message = decode(&row.body)?;
                self.sink.post(&row.channel, &message, &row.idempotency_key).await.map(|sent| (Some(sent), &[][..]))
            }
            OutboxOp::Edit => {
                let message: Message = decode(&row.body)?;
                let (channel, message_ref) = self.opening_message(row).await?;
                self.sink.edit(&channel, &message_ref, &message).await.map(|()| (None, &[][..]))
            }
            OutboxOp::Note => {
                let mut note: Note = decode(&row.body)?;
                let merged = merge_notes(&mut note, following);
                let (channel, message_ref) = self.opening_message(row).await?;
                let sent = self.sink.note(&channel, &message_ref, &note, &row.idempotency_key).await;
                sent.map(|()| (None, &following[..merged]))
            }
        }
    }

    async fn opening_message(&self, row: &OutboxRow) -> Result<(String, String), SinkError> {
        let incident = row.incident_id.as_deref().ok_or_else(|| SinkError::Permanent("no incident to edit".into()))?;
        match self.store.chat_message(incident).await {
            Ok(Some(claimed)) => Ok((claimed.channel, claimed.message_ref)),
            Ok(None) => Err(SinkError::Permanent(format!("incident {incident} has no posted message to edit"))),
            Err(error) => Err(SinkError::Transient { reason: error.to_string(), retry_after: None }),
        }
    }

    fn waiting_out_an_outage(&self) -> bool {
        let outage = self.outage.lock().expect("outage state");
        outage.until.is_some_and(|until| self.clock.now() < until)
    }

    fn outage_over(&self) {
        let mut outage = self.outage.lock().expect("outage state");
        if outage.failures > 0 {
            tracing::info!(failures = outage.failures, "Chat is reachable again; delivering the backlog in order.");
        }
        *outage = Outage::default();
    }

    /// Pauses the whole worker, doubling the pause with each failure in a row; returns the pause.
    fn outage_continues(&self, retry_after: Option<Duration>) -> Duration {
        let mut outage = self.outage.lock().expect("outage state");
        outage.failures = outage.failures.saturating_add(1);
        let wait = retry_after.unwrap_or_default().max(self.backoff.after(outage.failures));
        outage.until = Some(later(self.clock.now(), wait));
        wait
    }

    async fn record_failure(&self, row: &OutboxRow, error: &SinkError) -> Result<(), StoreError> {
        let attempts = u32::try_from(row.attempts).unwrap_or(u32::MAX).saturating_add(1);
        let now = self.clock.now();
        let retry_at = match error {
            SinkError::Transient { retry_after, .. } => {
                let wait = self.outage_continues(*retry_after);
                tracing::warn!(outbox_id = row.id, attempts, %error, wait_ms = wait.as_millis() as u64, "Chat is unavailable; pausing delivery.");
                Some(now)
            }
            SinkError::Permanent(_) if attempts < self.backoff.max_attempts => {
                tracing::warn!(outbox_id = row.id, attempts, %error, "Chat refused a message; will retry.");
                Some(later(now, self.backoff.after(attempts)))
            }
            SinkError::Permanent(_) => {
                tracing::error!(outbox_id = row.id, attempts, %error, channel = %row.channel, "Chat refused a message; giving up on it.");
                None
            }
        };
        self.store.mark_failed(row, now, &error.to_string(), retry_at).await
    }
}

/// Appends the following lines to `note` while the whole stays under chat's limit and none of them pings anyone
/// (a re-ping keeps its own message); returns how many were taken.
fn merge_notes(note: &mut Note, following: &[OutboxRow]) -> usize {
    if !note.mentions.is_empty() {
        return 0;
    }
    let mut taken = 0;
    for row in following {
        let Ok(next) = serde_json::from_str::<Note>(&row.body) else { break };
        if !next.mentions.is_empty() || note.text.len() + next.text.len() + 1 > MERGED_NOTE_CHARS {
            break;
        }
        note.text.push('\n');
        note.text.push_str(&next.text);
        taken += 1;
    }
    taken
}

/// This process among the replicas sharing a database: host, process id and start time.
pub fn replica_id() -> String {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        let host =
            std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_owned()).unwrap_or_else(|_| "host".into());
        format!("{host}-{}-{}", std::process::id(), Utc::now().timestamp_millis())
    })
    .clone()
}

fn decode<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, SinkError> {
    serde_json::from_str(body).map_err(|error| SinkError::Permanent(format!("unreadable outbox body: {error}")))
}

fn later(now: DateTime<Utc>, wait: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_stops_at_the_cap() {
        let backoff = Backoff { initial: Duration::from_millis(500), max: Duration::from_secs(4), max_attempts: 3 };
        let waits: Vec<u64> = (1..=6).map(|n| backoff.after(n).as_millis() as u64).collect();
        assert_eq!(waits, vec![500, 1000, 2000, 4000, 4000, 4000]);
    }
}

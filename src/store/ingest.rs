//! The write side of ingestion: one transaction per batch of events, with multi-row statements.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::batch::{chunk_rows, list, values};
use super::outbox::OutboxOp;
use super::{Dialect, Result, Store, StoreError, from_millis, millis};
use crate::domain::context::Context;
use crate::domain::glob::Glob;
use crate::domain::incident::{IncidentSnapshot, IncidentStatus};
use crate::domain::resource::Resource;
use crate::domain::routing::{Route, Severity};
use crate::domain::silence::{Silence, SilenceTarget};

/// An accepted event, ready to be stored.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub dedupe_key: String,
    pub kind: &'static str,
    /// Where it came from: `sqs`, `replay`, a poller.
    pub source: String,
    /// Which input exactly: a queue message id, `file:line`.
    pub origin: String,
    pub occurred_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    /// The domain event as JSON.
    pub body: String,
}

/// An input that could not be parsed, kept for inspection.
#[derive(Debug, Clone)]
pub struct NewRejection {
    pub received_at: DateTime<Utc>,
    pub source: String,
    pub origin: String,
    pub reason: String,
    pub field: Option<String>,
    pub raw: String,
}

#[derive(Debug, Clone)]
pub struct NewIncident {
    pub id: String,
    pub key: String,
    pub title: String,
    pub route: Route,
    pub status: IncidentStatus,
    pub posted: bool,
    pub signal_state: String,
    pub signal_at: DateTime<Utc>,
    pub signal_detail: String,
    pub resource: Resource,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// The message posted for the incident (JSON), which buttons and commands re-render later.
    pub message: Option<String>,
    /// The storm group whose message shows it: its own id when it leads one.
    pub group_id: Option<String>,
}

/// A new state for an existing incident.
#[derive(Debug, Clone)]
pub struct IncidentChange {
    pub id: String,
    pub status: IncidentStatus,
    pub signal_state: String,
    pub signal_at: DateTime<Utc>,
    pub signal_detail: String,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// The edited message (JSON), when the change was posted; `None` keeps the stored one.
    pub message: Option<String>,
    pub flapping_since: Option<DateTime<Utc>>,
}

/// One line of an incident's timeline: who did what, when, and through which path.
#[derive(Debug, Clone)]
pub struct TimelineEntry {
    pub incident_id: String,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub actor: String,
    pub via: String,
    pub event_key: Option<String>,
    pub note: String,
}

/// A message to deliver, keyed so that enqueueing it twice delivers it once.
#[derive(Debug, Clone)]
pub struct OutboxItem {
    pub idempotency_key: String,
    pub incident_id: Option<String>,
    pub channel: String,
    pub op: OutboxOp,
    pub body: String,
}

/// An alarm's recent state changes and its latest incident that resolved among them.
#[derive(Debug, Clone, Default)]
pub struct RecentChanges {
    pub times: Vec<DateTime<Utc>>,
    pub last_resolved: Option<IncidentSnapshot>,
}

/// A write transaction for one batch of events.
/// Context wanted for an incident: the event that opened it, as stored.
#[derive(Debug, Clone)]
pub struct EnrichmentRequest {
    pub incident_id: String,
    pub event_body: String,
}

pub struct IngestTx {
    tx: Transaction<'static, Any>,
    dialect: Dialect,
}

impl Store {
    pub async fn begin_ingest(&self) -> Result<IngestTx> {
        let tx = match self.dialect {
            // IMMEDIATE takes the write lock up front, so a busy database waits instead of failing mid-batch.
            Dialect::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Dialect::Postgres => self.pool.begin().await?,
        };
        Ok(IngestTx { tx, dialect: self.dialect })
    }
}

impl IngestTx {
    /// The transaction and its dialect, for the statements other store modules add to a batch.
    pub(super) fn parts(&mut self) -> (&mut Transaction<'static, Any>, Dialect) {
        (&mut self.tx, self.dialect)
    }

    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }

    pub async fn insert_rejections(&mut self, rejections: &[NewRejection]) -> Result<()> {
        for chunk in rejections.chunks(chunk_rows(6)) {
            let sql = format!(
                "INSERT INTO rejected_events (received_at, source, origin, reason, field, raw) VALUES {}",
                values(self.dialect, chunk.len(), 6)
            );
            let mut query = sqlx::query(&sql);
            for r in chunk {
                query = query
                    .bind(millis(r.received_at))
                    .bind(r.source.as_str())
                    .bind(r.origin.as_str())
                    .bind(r.reason.as_str())
                    .bind(r.field.as_deref())
                    .bind(r.raw.as_str());
            }
            query.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Inserts the events that are not stored yet and returns the dedupe keys of those it inserted.
    pub async fn insert_events(&mut self, events: &[&NewEvent]) -> Result<HashSet<String>> {
        let mut inserted = HashSet::with_capacity(events.len());
        for chunk in events.chunks(chunk_rows(7)) {
            let sql = format!(
                "INSERT INTO events (dedupe_key, kind, source, origin, occurred_at, received_at, body) VALUES {} \
                 ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key",
                values(self.dialect, chunk.len(), 7)
            );
            let mut query = sqlx::query(&sql);
            for e in chunk {
                query = query
                    .bind(e.dedupe_key.as_str())
                    .bind(e.kind)
                    .bind(e.source.as_str())
                    .bind(e.origin.as_str())
                    .bind(millis(e.occurred_at))
                    .bind(millis(e.received_at))
                    .bind(e.body.as_str());
            }
            for row in query.fetch_all(&mut *self.tx).await? {
                inserted.insert(row.try_get::<String, _>(0)?);
            }
        }
        Ok(inserted)
    }

    /// The open incidents for these keys, locked against other replicas until commit.
    pub async fn open_incidents(&mut self, keys: &[String]) -> Result<HashMap<String, IncidentSnapshot>> {
        let mut open = HashMap::new();
        let lock = if self.dialect == Dialect::Postgres { " FOR UPDATE OF i" } else { "" };
        for chunk in keys.chunks(chunk_rows(1)) {
            let sql = format!(
                "SELECT i.id, i.incident_key, i.status, i.channel, i.severity, i.mentions, i.posted, i.signal_state, \
                 i.signal_at, i.signal_detail, i.opened_at, i.flapping_since, i.group_id, e.context FROM incidents i \
                 LEFT JOIN enrichments e ON e.incident_id = i.id \
                 WHERE i.status <> 'resolved' AND i.incident_key IN ({}){lock}",
                list(self.dialect, chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for key in chunk {
                query = query.bind(key.clone());
            }
            for row in query.fetch_all(&mut *self.tx).await? {
                let key: String = row.try_get("incident_key")?;
                open.insert(key, snapshot(&row)?);
            }
        }
        Ok(open)
    }

    /// When each alarm key changed state since `since` (from every incident's timeline, resolved ones too), and
    /// its latest incident resolved since then, so a flapping alarm can be recognised and its incident reopened.
    pub async fn recent_changes(
        &mut self,
        keys: &[String],
        since: DateTime<Utc>,
    ) -> Result<HashMap<String, RecentChanges>> {
        let mut recent: HashMap<String, RecentChanges> = HashMap::new();
        // A number opspod computed, written in rather than bound so the key list keeps its placeholders.
        let since_ms = millis(since);
        let alarm_keys: Vec<&String> = keys.iter().filter(|key| key.starts_with("alarm|")).collect();
        for chunk in alarm_keys.chunks(chunk_rows(1)) {
            let sql = format!(
                "SELECT i.incident_key, t.at FROM incident_timeline t JOIN incidents i ON i.id = t.incident_id \
                 WHERE i.incident_key IN ({}) AND t.at > {since_ms} AND t.event_key IS NOT NULL ORDER BY t.at",
                list(self.dialect, chunk.len()),
            );
            let mut query = sqlx::query(&sql);
            for key in chunk {
                query = query.bind(key.as_str());
            }
            for row in query.fetch_all(&mut *self.tx).await? {
                let key: String = row.try_get(0)?;
                recent.entry(key).or_default().times.push(from_millis(row.try_get(1)?));
            }
            let sql = format!(
                "SELECT i.id, i.incident_key, i.status, i.channel, i.severity, i.mentions, i.posted, i.signal_state, \
                 i.signal_at, i.signal_detail, i.opened_at, i.flapping_since, i.group_id, e.context FROM incidents i \
                 LEFT JOIN enrichments e ON e.incident_id = i.id \
                 WHERE i.status = 'resolved' AND i.posted = 1 AND i.incident_key IN ({}) \
                 AND i.resolved_at > {since_ms} ORDER BY i.resolved_at",
                list(self.dialect, chunk.len()),
            );
            let mut query = sqlx::query(&sql);
            for key in chunk {
                query = query.bind(key.as_str());
            }
            for row in query.fetch_all(&mut *self.tx).await? {
                let key: String = row.try_get("incident_key")?;
                recent.entry(key).or_default().last_resolved = Some(snapshot(&row)?);
            }
        }
        Ok(recent)
    }

    pub async fn active_silences(&mut self, now: DateTime<Utc>) -> Result<Vec<Silence>> {
        let rows = sqlx::query(ACTIVE_SILENCES).bind(millis(now)).fetch_all(&mut *self.tx).await?;
        rows.iter().map(silence).collect()
    }

    pub async fn insert_incidents(&mut self, incidents: &[NewIncident]) -> Result<()> {
        const COLUMNS: usize = 20;
        for chunk in incidents.chunks(chunk_rows(COLUMNS)) {
            let sql = format!(
                "INSERT INTO incidents (id, incident_key, status, title, channel, severity, mentions, posted, \
                 signal_state, signal_at, signal_detail, resource_kind, resource_name, region, account, opened_at, \
                 updated_at, resolved_at, message, group_id) VALUES {}",
                values(self.dialect, chunk.len(), COLUMNS)
            );
            let mut query = sqlx::query(&sql);
            for i in chunk {
                query = query
                    .bind(i.id.as_str())
                    .bind(i.key.as_str())
                    .bind(i.status.as_str())
                    .bind(i.title.as_str())
                    .bind(i.route.channel.as_str())
                    .bind(i.route.severity.as_str())
                    .bind(serde_json::to_string(&i.route.mentions).unwrap_or_default())
                    .bind(i64::from(i.posted))
                    .bind(i.signal_state.as_str())
                    .bind(millis(i.signal_at))
                    .bind(i.signal_detail.as_str())
                    .bind(i.resource.kind.as_str())
                    .bind(i.resource.name.to_string())
                    .bind(i.resource.region.as_str())
                    .bind(i.resource.account.as_str())
                    .bind(millis(i.opened_at))
                    .bind(millis(i.updated_at))
                    .bind(i.resolved_at.map(millis))
                    .bind(i.message.as_deref())
                    .bind(i.group_id.as_deref());
            }
            query.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Applies the changes, one statement per chunk rather than one per incident; when an incident changed more
    /// than once, its last change wins, as it would applied in order.
    pub async fn update_incidents(&mut self, changes: &[IncidentChange]) -> Result<()> {
        const COLUMNS: usize = 9;
        let mut seen = HashSet::with_capacity(changes.len());
        let mut last: Vec<&IncidentChange> = changes.iter().rev().filter(|c| seen.insert(&c.id)).collect();
        last.reverse();
        for chunk in last.chunks(chunk_rows(COLUMNS)) {
            let sql = format!(
                "WITH changes (id, status, signal_state, signal_at, signal_detail, updated_at, resolved_at, message, \
                 flapping_since) AS (VALUES {}) \
                 UPDATE incidents SET status = changes.status, signal_state = changes.signal_state, \
                 signal_at = changes.signal_at, signal_detail = changes.signal_detail, \
                 updated_at = changes.updated_at, resolved_at = changes.resolved_at, \
                 message = COALESCE(changes.message, incidents.message), \
                 flapping_since = COALESCE(changes.flapping_since, incidents.flapping_since) \
                 FROM changes WHERE incidents.id = changes.id",
                values(self.dialect, chunk.len(), COLUMNS)
            );
            let mut query = sqlx::query(&sql);
            for c in chunk {
                query = query
                    .bind(c.id.as_str())
                    .bind(c.status.as_str())
                    .bind(c.signal_state.as_str())
                    .bind(millis(c.signal_at))
                    .bind(c.signal_detail.as_str())
                    .bind(millis(c.updated_at))
                    .bind(c.resolved_at.map(millis))
                    .bind(c.message.as_deref())
                    .bind(c.flapping_since.map(millis));
            }
            query.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    pub async fn insert_timeline(&mut self, entries: &[TimelineEntry]) -> Result<()> {
        for chunk in entries.chunks(chunk_rows(7)) {
            let sql = format!(
                "INSERT INTO incident_timeline (incident_id, at, kind, actor, via, event_key, note) VALUES {}",
                values(self.dialect, chunk.len(), 7)
            );
            let mut query = sqlx::query(&sql);
            for t in chunk {
                query = query
                    .bind(t.incident_id.as_str())
                    .bind(millis(t.at))
                    .bind(t.kind.as_str())
                    .bind(t.actor.as_str())
                    .bind(t.via.as_str())
                    .bind(t.event_key.as_deref())
                    .bind(t.note.as_str());
            }
            query.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Asks for context on newly opened incidents; the enricher picks the requests up after the commit.
    pub async fn request_enrichments(&mut self, requests: &[EnrichmentRequest], now: DateTime<Utc>) -> Result<()> {
        for chunk in requests.chunks(chunk_rows(3)) {
            let sql = format!(
                "INSERT INTO enrichments (incident_id, event_body, requested_at) VALUES {} \
                 ON CONFLICT (incident_id) DO NOTHING",
                values(self.dialect, chunk.len(), 3)
            );
            let mut query = sqlx::query(&sql);
            for request in chunk {
                query = query.bind(request.incident_id.as_str()).bind(request.event_body.as_str()).bind(millis(now));
            }
            query.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Replaces the stored messages of these incidents: a storm group's lead shows the group.
    pub async fn set_messages(&mut self, messages: &[(String, String)]) -> Result<()> {
        for (id, message) in messages {
            sqlx::query("UPDATE incidents SET message = $1 WHERE id = $2")
                .bind(message.as_str())
                .bind(id.as_str())
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    /// Starts escalations for critical incidents opened in this batch: (incident id, first step's due time).
    pub async fn start_escalations(&mut self, starts: &[(String, DateTime<Utc>)]) -> Result<()> {
        for chunk in starts.chunks(chunk_rows(3)) {
            let sql = format!(
                "INSERT INTO escalations (incident_id, next_step, next_at) VALUES {} ON CONFLICT (incident_id) DO NOTHING",
                values(self.dialect, chunk.len(), 3)
            );
            let mut query = sqlx::query(&sql);
            for (incident, at) in chunk {
                query = query.bind(incident.as_str()).bind(0_i64).bind(millis(*at));
            }
            query.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Adds messages to the outbox; an idempotency key seen before is skipped.
    pub async fn enqueue(&mut self, items: &[OutboxItem], now: DateTime<Utc>) -> Result<()> {
        for chunk in items.chunks(chunk_rows(7)) {
            let sql = format!(
                "INSERT INTO outbox (idempotency_key, incident_id, channel, op, body, created_at, next_attempt_at) \
                 VALUES {} ON CONFLICT (idempotency_key) DO NOTHING",
                values(self.dialect, chunk.len(), 7)
            );
            let mut query = sqlx::query(&sql);
            for item in chunk {
                query = query
                    .bind(item.idempotency_key.as_str())
                    .bind(item.incident_id.as_deref())
                    .bind(item.channel.as_str())
                    .bind(item.op.as_str())
                    .bind(item.body.as_str())
                    .bind(millis(now))
                    .bind(millis(now));
            }
            query.execute(&mut *self.tx).await?;
        }
        Ok(())
    }
}

fn snapshot(row: &AnyRow) -> Result<IncidentSnapshot> {
    let corrupt = |detail: String| StoreError::Corrupt { table: "incidents", detail };
    let status: String = row.try_get("status")?;
    let severity: String = row.try_get("severity")?;
    let mentions: String = row.try_get("mentions")?;
    Ok(IncidentSnapshot {
        id: row.try_get("id")?,
        status: IncidentStatus::parse(&status).ok_or_else(|| corrupt(format!("status `{status}`")))?,
        signal_state: row.try_get("signal_state")?,
        signal_at: from_millis(row.try_get("signal_at")?),
        signal_detail: row.try_get("signal_detail")?,
        posted: row.try_get::<i64, _>("posted")? != 0,
        route: Route {
            channel: row.try_get("channel")?,
            severity: Severity::parse(&severity).ok_or_else(|| corrupt(format!("severity `{severity}`")))?,
            mentions: serde_json::from_str(&mentions).map_err(|e| corrupt(format!("mentions: {e}")))?,
        },
        opened_at: from_millis(row.try_get("opened_at")?),
        // Context this version cannot read is left out of later renderings rather than failing the batch.
        context: row
            .try_get::<Option<String>, _>("context")?
            .and_then(|json| serde_json::from_str::<Context>(&json).ok())
            .map(Box::new),
        flapping_since: row.try_get::<Option<i64>, _>("flapping_since")?.map(from_millis),
        group_id: row.try_get("group_id")?,
    })
}

/// The silences in force at `$1`: started, and not yet expired.
const ACTIVE_SILENCES: &str = "SELECT id, target_kind, pattern, starts_at, expires_at, reason, created_by \
     FROM silences WHERE starts_at <= $1 AND expires_at > $1 ORDER BY id";

pub(crate) fn silence(row: &AnyRow) -> Result<Silence> {
    let corrupt = |detail: String| StoreError::Corrupt { table: "silences", detail };
    let kind: String = row.try_get("target_kind")?;
    let pattern: String = row.try_get("pattern")?;
    let glob = Glob::new(&pattern).map_err(corrupt)?;
    let target = match kind.as_str() {
        "alarm" => SilenceTarget::Alarm(glob),
        "resource" => SilenceTarget::Resource(glob),
        "health_type" => SilenceTarget::HealthType(glob),
        other => return Err(corrupt(format!("target kind `{other}`"))),
    };
    Ok(Silence {
        id: row.try_get("id")?,
        target,
        starts_at: from_millis(row.try_get("starts_at")?),
        expires_at: from_millis(row.try_get("expires_at")?),
        reason: row.try_get("reason")?,
        created_by: row.try_get("created_by")?,
    })
}

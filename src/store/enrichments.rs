//! Context requests and results: which incidents still wait for context, and writing what was found into the
//! incident's message, its outbox edit and its thread, in one transaction.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::outbox::enqueue_edit_and_note;
use super::{Dialect, Result, Store, from_millis, millis};
use crate::domain::Event;
use crate::domain::context::Related;

/// An incident that waits for context, with the event that opened it.
#[derive(Debug, Clone)]
pub struct PendingEnrichment {
    pub incident_id: String,
    pub event: Event,
    pub requested_at: DateTime<Utc>,
}

/// Everything one finished enrichment writes.
#[derive(Debug, Clone)]
pub struct EnrichmentWrite {
    pub incident_id: String,
    pub channel: String,
    /// The context found (JSON), which later renderings of the incident keep.
    pub context: String,
    /// The message the edit was computed from, so a change made meanwhile is not overwritten.
    pub expected_message: Option<String>,
    /// The message with the context in it (JSON), and a thread line (JSON), when the incident was posted.
    pub edit: Option<String>,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

/// The outcome of [`Store::finish_enrichment`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    Written,
    /// Another worker already wrote this incident's context.
    AlreadyDone,
    /// The incident's message changed since it was read; read it again and retry.
    MessageChanged,
}

impl Store {
    /// Requests not yet finished, oldest first, made after `since` (older ones are no longer worth an edit).
    pub async fn pending_enrichments(&self, since: DateTime<Utc>, limit: i64) -> Result<Vec<PendingEnrichment>> {
        let rows = sqlx::query(
            "SELECT incident_id, event_body, requested_at FROM enrichments \
             WHERE finished_at IS NULL AND requested_at >= $1 ORDER BY requested_at, incident_id LIMIT $2",
        )
        .bind(millis(since))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let mut pending = Vec::with_capacity(rows.len());
        for row in rows {
            let body: String = row.try_get("event_body")?;
            let Ok(event) = serde_json::from_str::<Event>(&body) else { continue };
            pending.push(PendingEnrichment {
                incident_id: row.try_get("incident_id")?,
                event,
                requested_at: from_millis(row.try_get("requested_at")?),
            });
        }
        Ok(pending)
    }

    /// How many requests made after `since` are still unfinished.
    pub async fn unfinished_enrichments(&self, since: DateTime<Utc>) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM enrichments WHERE finished_at IS NULL AND requested_at >= $1")
            .bind(millis(since))
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("n")?)
    }

    /// Records the context, and when the incident was posted, edits its message and notes it in the thread.
    pub async fn finish_enrichment(&self, write: &EnrichmentWrite) -> Result<Finished> {
        let mut tx = match self.dialect() {
            Dialect::Sqlite => self.pool().begin_with("BEGIN IMMEDIATE").await?,
            Dialect::Postgres => self.pool().begin().await?,
        };
        let finished = sqlx::query(
            "UPDATE enrichments SET finished_at = $1, context = $2 WHERE incident_id = $3 AND finished_at IS NULL",
        )
        .bind(millis(write.at))
        .bind(write.context.clone())
        .bind(write.incident_id.clone())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if finished == 0 {
            return Ok(Finished::AlreadyDone);
        }
        if let Some(edit) = &write.edit {
            let changed = sqlx::query(
                "UPDATE incidents SET message = $1 WHERE id = $2 AND COALESCE(message, '') = COALESCE($3, '')",
            )
            .bind(edit.clone())
            .bind(write.incident_id.clone())
            .bind(write.expected_message.clone())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Ok(Finished::MessageChanged);
            }
        }
        let stem = format!("{}|context", write.incident_id);
        let (edit, note) = (write.edit.as_ref(), write.note.as_ref());
        enqueue_edit_and_note(&mut tx, &stem, &write.incident_id, &write.channel, edit, note, write.at).await?;
        sqlx::query(
            "INSERT INTO incident_timeline (incident_id, at, kind, actor, via, event_key, note) \
             VALUES ($1, $2, 'context', 'opspod', 'enrichment', NULL, 'context added')",
        )
        .bind(write.incident_id.clone())
        .bind(millis(write.at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Finished::Written)
    }

    /// Incidents whose context was written, in the order they were opened.
    pub async fn enriched_incidents(&self) -> Result<Vec<super::IncidentView>> {
        let rows = sqlx::query(
            "SELECT i.id, i.incident_key, i.status, i.title, i.channel, i.resource_name, i.posted, i.message, \
             i.acked_by, i.acked_at, i.opened_at FROM incidents i JOIN enrichments e ON e.incident_id = i.id \
             WHERE e.finished_at IS NOT NULL ORDER BY i.opened_at, i.id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(super::interventions::view).collect()
    }

    /// Open incidents other than `except` about resources of `kinds` named `name` (any name when `None`) in
    /// `region`, whose key starts with `key_prefix` (`health|`, `alarm|`), newest first.
    pub async fn related_open_incidents(
        &self,
        key_prefix: &str,
        kinds: &[&str],
        name: Option<&str>,
        region: &str,
        except: &str,
    ) -> Result<Vec<Related>> {
        let rows = sqlx::query(
            "SELECT id, title, resource_kind, resource_name, opened_at FROM incidents \
             WHERE status <> 'resolved' AND region = $1 AND id <> $2 AND incident_key LIKE $3 \
             ORDER BY opened_at DESC LIMIT 200",
        )
        .bind(region.to_owned())
        .bind(except.to_owned())
        .bind(format!("{key_prefix}%"))
        .fetch_all(self.pool())
        .await?;
        let mut related = Vec::new();
        for row in rows {
            let kind: String = row.try_get("resource_kind")?;
            let resource: String = row.try_get("resource_name")?;
            if kinds.contains(&kind.as_str()) && name.is_none_or(|name| name == resource) {
                related.push(Related {
                    incident_id: row.try_get("id")?,
                    title: row.try_get("title")?,
                    since: from_millis(row.try_get("opened_at")?),
                });
            }
        }
        Ok(related)
    }
}

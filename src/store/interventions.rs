//! People acting on incidents (Ack, Silence, Resolve): the incident is changed, the change goes on its
//! timeline, and the edited message and thread line go to the outbox, in one transaction.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::outbox::enqueue_edit_and_note;
use super::{Dialect, Result, Store, StoreError, millis};
use crate::domain::incident::IncidentStatus;

/// What the store knows of an incident that someone wants to act on.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentView {
    pub id: String,
    pub key: String,
    pub status: IncidentStatus,
    pub title: String,
    pub channel: String,
    /// The name of what the incident is about: a function, a queue, a Health service.
    pub resource_name: String,
    pub posted: bool,
    /// The last message rendered for the incident (JSON), if any was.
    pub message: Option<String>,
    pub acked_by: Option<String>,
    pub acked_at: Option<DateTime<Utc>>,
    pub opened_at: DateTime<Utc>,
}

/// Everything one intervention writes.
#[derive(Debug, Clone)]
pub struct InterventionWrite {
    pub incident_id: String,
    /// The channel of the incident's message, where the edit and thread line go.
    pub channel: String,
    pub status: IncidentStatus,
    pub actor: String,
    pub via: String,
    pub at: DateTime<Utc>,
    pub timeline_kind: String,
    pub timeline_note: String,
    /// The re-rendered message (JSON) and thread line (JSON) to deliver, when the incident was posted.
    pub edit: Option<String>,
    pub note: Option<String>,
    /// A silence to add: (target kind, pattern, expiry).
    pub silence: Option<(String, String, DateTime<Utc>)>,
}

impl Store {
    pub async fn incident(&self, id: &str) -> Result<Option<IncidentView>> {
        let row = sqlx::query(
            "SELECT id, incident_key, status, title, channel, resource_name, posted, message, acked_by, acked_at, \
             opened_at FROM incidents WHERE id = $1",
        )
        .bind(id.to_owned())
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| view(&row)).transpose()
    }

    /// The open incidents shown in the storm message of `lead` (not `lead` itself).
    pub async fn group_members_of(&self, lead: &str) -> Result<Vec<IncidentView>> {
        let rows = sqlx::query(
            "SELECT id, incident_key, status, title, channel, resource_name, posted, message, acked_by, acked_at, \
             opened_at FROM incidents WHERE group_id = $1 AND id <> $1 AND status <> 'resolved' ORDER BY id",
        )
        .bind(lead.to_owned())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(view).collect()
    }

    /// Open (not resolved) incidents, newest first.
    pub async fn open_incident_views(&self, limit: i64) -> Result<Vec<IncidentView>> {
        let rows = sqlx::query(
            "SELECT id, incident_key, status, title, channel, resource_name, posted, message, acked_by, acked_at, \
             opened_at FROM incidents WHERE status <> 'resolved' ORDER BY opened_at DESC, id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(view).collect()
    }

    /// Applies an intervention if the incident is still in `expected` status; returns false when someone else
    /// changed it first (the caller reads it again and decides anew).
    pub async fn record_intervention(&self, expected: IncidentStatus, write: &InterventionWrite) -> Result<bool> {
        let mut tx = match self.dialect() {
            Dialect::Sqlite => self.pool().begin_with("BEGIN IMMEDIATE").await?,
            Dialect::Postgres => self.pool().begin().await?,
        };
        let acked = write.status == IncidentStatus::Acknowledged;
        let resolved = write.status == IncidentStatus::Resolved;
        let changed = sqlx::query(
            "UPDATE incidents SET status = $1, updated_at = $2, \
             acked_by = CASE WHEN $3 = 1 THEN $4 ELSE acked_by END, \
             acked_at = CASE WHEN $3 = 1 THEN $2 ELSE acked_at END, \
             resolved_at = CASE WHEN $5 = 1 THEN $2 ELSE resolved_at END, \
             message = COALESCE($6, message) \
             WHERE id = $7 AND status = $8",
        )
        .bind(write.status.as_str())
        .bind(millis(write.at))
        .bind(i64::from(acked))
        .bind(write.actor.clone())
        .bind(i64::from(resolved))
        .bind(write.edit.clone())
        .bind(write.incident_id.clone())
        .bind(expected.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO incident_timeline (incident_id, at, kind, actor, via, event_key, note) \
             VALUES ($1, $2, $3, $4, $5, NULL, $6)",
        )
        .bind(write.incident_id.clone())
        .bind(millis(write.at))
        .bind(write.timeline_kind.clone())
        .bind(write.actor.clone())
        .bind(write.via.clone())
        .bind(write.timeline_note.clone())
        .execute(&mut *tx)
        .await?;
        if let Some((kind, pattern, expires_at)) = &write.silence {
            sqlx::query(
                "INSERT INTO silences (target_kind, pattern, expires_at, reason, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(kind.clone())
            .bind(pattern.clone())
            .bind(millis(*expires_at))
            .bind(format!("silenced from incident {}", write.incident_id))
            .bind(write.actor.clone())
            .bind(millis(write.at))
            .execute(&mut *tx)
            .await?;
        }
        // Someone answered: nobody needs re-pinging about this incident any more.
        sqlx::query("UPDATE escalations SET stopped_at = $1 WHERE incident_id = $2 AND stopped_at IS NULL")
            .bind(millis(write.at))
            .bind(write.incident_id.clone())
            .execute(&mut *tx)
            .await?;
        let stem = format!("{}|{}|{}", write.incident_id, write.timeline_kind, millis(write.at));
        let (edit, note) = (write.edit.as_ref(), write.note.as_ref());
        enqueue_edit_and_note(&mut tx, &stem, &write.incident_id, &write.channel, edit, note, write.at).await?;
        tx.commit().await?;
        Ok(true)
    }
}

pub(super) fn view(row: &sqlx::any::AnyRow) -> Result<IncidentView> {
    let status: String = row.try_get("status")?;
    Ok(IncidentView {
        id: row.try_get("id")?,
        key: row.try_get("incident_key")?,
        status: IncidentStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt { table: "incidents", detail: format!("status `{status}`") })?,
        title: row.try_get("title")?,
        channel: row.try_get("channel")?,
        resource_name: row.try_get("resource_name")?,
        posted: row.try_get::<i64, _>("posted")? != 0,
        message: row.try_get("message")?,
        acked_by: row.try_get("acked_by")?,
        acked_at: row.try_get::<Option<i64>, _>("acked_at")?.map(super::from_millis),
        opened_at: super::from_millis(row.try_get("opened_at")?),
    })
}

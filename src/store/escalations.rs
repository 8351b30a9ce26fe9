//! Escalation state: the next re-ping of each critical incident nobody has acknowledged, kept in the store so
//! that a restart neither forgets nor repeats one.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::outbox::enqueue_edit_and_note;
use super::{Result, Store, StoreError, from_millis, millis};
use crate::domain::incident::IncidentStatus;

/// An escalation step that is due, with what the escalator needs of its incident.
#[derive(Debug, Clone, PartialEq)]
pub struct DueEscalation {
    pub incident_id: String,
    pub step: usize,
    pub due_at: DateTime<Utc>,
    pub status: IncidentStatus,
    pub title: String,
    pub channel: String,
    pub opened_at: DateTime<Utc>,
    pub posted: bool,
}

/// One re-ping: the thread line to deliver, the timeline entry, and where the escalation goes next.
#[derive(Debug, Clone)]
pub struct EscalationWrite {
    pub incident_id: String,
    pub channel: String,
    pub step: usize,
    pub at: DateTime<Utc>,
    /// The thread line (a `Note` as JSON), pinging the step's handle.
    pub note: String,
    pub timeline_note: String,
    /// The next step's due time; `None` ends the escalation.
    pub next_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Escalation steps due at `now`, oldest first.
    pub async fn due_escalations(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<DueEscalation>> {
        let rows = sqlx::query(
            "SELECT e.incident_id, e.next_step, e.next_at, i.status, i.title, i.channel, i.opened_at, i.posted \
             FROM escalations e JOIN incidents i ON i.id = e.incident_id \
             WHERE e.stopped_at IS NULL AND e.next_at <= $1 ORDER BY e.next_at, e.incident_id LIMIT $2",
        )
        .bind(millis(now))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(due).collect()
    }

    /// The earliest step still to come, so the escalator can sleep until then.
    pub async fn next_escalation_at(&self) -> Result<Option<DateTime<Utc>>> {
        let row =
            sqlx::query("SELECT MIN(next_at) FROM escalations WHERE stopped_at IS NULL").fetch_one(self.pool()).await?;
        Ok(row.try_get::<Option<i64>, _>(0)?.map(from_millis))
    }

    /// Ends an escalation: its incident was acknowledged, silenced or resolved, or no step is left.
    pub async fn stop_escalation(&self, incident_id: &str, now: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE escalations SET stopped_at = $1 WHERE incident_id = $2 AND stopped_at IS NULL")
            .bind(millis(now))
            .bind(incident_id.to_owned())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Records a re-ping if the escalation is still at `write.step` and its incident still open; false when
    /// someone acknowledged it or another replica sent the step first.
    pub async fn record_escalation(&self, write: &EscalationWrite) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let next = i64::try_from(write.step + 1).unwrap_or(i64::MAX);
        let moved = sqlx::query(
            "UPDATE escalations SET next_step = $1, next_at = COALESCE($2, next_at), \
             stopped_at = CASE WHEN $2 IS NULL THEN $3 ELSE NULL END \
             WHERE incident_id = $4 AND next_step = $5 AND stopped_at IS NULL \
             AND EXISTS (SELECT 1 FROM incidents i WHERE i.id = $4 AND i.status = 'open')",
        )
        .bind(next)
        .bind(write.next_at.map(millis))
        .bind(millis(write.at))
        .bind(write.incident_id.clone())
        .bind(i64::try_from(write.step).unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved != 1 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO incident_timeline (incident_id, at, kind, actor, via, event_key, note) \
             VALUES ($1, $2, 'escalated', 'opspod', 'escalation', NULL, $3)",
        )
        .bind(write.incident_id.clone())
        .bind(millis(write.at))
        .bind(write.timeline_note.clone())
        .execute(&mut *tx)
        .await?;
        let stem = format!("{}|escalation|{}", write.incident_id, write.step);
        enqueue_edit_and_note(&mut tx, &stem, &write.incident_id, &write.channel, None, Some(&write.note), write.at)
            .await?;
        tx.commit().await?;
        Ok(true)
    }
}

fn due(row: &sqlx::any::AnyRow) -> Result<DueEscalation> {
    let status: String = row.try_get("status")?;
    Ok(DueEscalation {
        incident_id: row.try_get("incident_id")?,
        step: usize::try_from(row.try_get::<i64, _>("next_step")?).unwrap_or(usize::MAX),
        due_at: from_millis(row.try_get("next_at")?),
        status: IncidentStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt { table: "incidents", detail: format!("status `{status}`") })?,
        title: row.try_get("title")?,
        channel: row.try_get("channel")?,
        opened_at: from_millis(row.try_get("opened_at")?),
        posted: row.try_get::<i64, _>("posted")? != 0,
    })
}

impl Store {
    /// Flapping incidents whose alarm has been OK since `steady_since` or earlier: their flapping is over.
    pub async fn steady_flapping(&self, steady_since: DateTime<Utc>) -> Result<Vec<super::IncidentView>> {
        let rows = sqlx::query(
            "SELECT id, incident_key, status, title, channel, resource_name, posted, message, acked_by, acked_at, \
             opened_at FROM incidents WHERE flapping_since IS NOT NULL AND status IN ('open', 'acknowledged') \
             AND signal_state = 'OK' AND signal_at <= $1 ORDER BY signal_at",
        )
        .bind(millis(steady_since))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(super::interventions::view).collect()
    }
}

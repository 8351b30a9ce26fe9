//! What the weekly digest reads back: the incidents of a period with their timeline figures, and the Health
//! events opspod has stored.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Result, Store, from_millis, millis};

/// An incident as the digest counts it.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRecord {
    pub id: String,
    pub key: String,
    pub title: String,
    pub severity: String,
    pub status: String,
    pub posted: bool,
    pub resource_name: String,
    pub opened_at: DateTime<Utc>,
    pub acked_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub flapping_since: Option<DateTime<Utc>>,
    /// State changes AWS reported for it within the period asked about.
    pub state_changes: u64,
    /// Why it was kept out of chat, from its `suppressed` timeline line.
    pub suppressed_note: Option<String>,
}

impl Store {
    /// Incidents opened in `[start, end)`, and the ones opened before that changed state or flapped in it.
    pub async fn incidents_between(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Vec<IncidentRecord>> {
        let rows = sqlx::query(
            "SELECT i.id, i.incident_key, i.title, i.severity, i.status, i.posted, i.resource_name, i.opened_at, \
             i.acked_at, i.resolved_at, i.flapping_since, \
             (SELECT COUNT(*) FROM incident_timeline t WHERE t.incident_id = i.id AND t.event_key IS NOT NULL \
              AND t.at >= $1 AND t.at < $2) AS changes, \
             (SELECT MIN(t.note) FROM incident_timeline t WHERE t.incident_id = i.id AND t.kind = 'suppressed') \
              AS suppressed_note \
             FROM incidents i WHERE (i.opened_at >= $1 AND i.opened_at < $2) \
             OR EXISTS (SELECT 1 FROM incident_timeline t WHERE t.incident_id = i.id AND t.at >= $1 AND t.at < $2) \
             ORDER BY i.opened_at, i.id",
        )
        .bind(millis(start))
        .bind(millis(end))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(record).collect()
    }

    /// The latest stored body of every Health event that was open or upcoming at some point after `since`: the
    /// event as AWS last described it (JSON of the domain event).
    pub async fn health_event_bodies(&self, since: DateTime<Utc>) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT e.body FROM events e WHERE e.kind = 'health' AND e.id IN \
             (SELECT MAX(t.id) FROM (SELECT ev.id, i.id AS incident FROM events ev \
               JOIN incident_timeline tl ON tl.event_key = ev.dedupe_key \
               JOIN incidents i ON i.id = tl.incident_id \
               WHERE i.incident_key LIKE 'health|%' AND (i.resolved_at IS NULL OR i.resolved_at >= $1)) t \
              GROUP BY t.incident)",
        )
        .bind(millis(since))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|row| Ok(row.try_get::<String, _>(0)?)).collect()
    }
}

fn record(row: &sqlx::any::AnyRow) -> Result<IncidentRecord> {
    Ok(IncidentRecord {
        id: row.try_get("id")?,
        key: row.try_get("incident_key")?,
        title: row.try_get("title")?,
        severity: row.try_get("severity")?,
        status: row.try_get("status")?,
        posted: row.try_get::<i64, _>("posted")? != 0,
        resource_name: row.try_get("resource_name")?,
        opened_at: from_millis(row.try_get("opened_at")?),
        acked_at: row.try_get::<Option<i64>, _>("acked_at")?.map(from_millis),
        resolved_at: row.try_get::<Option<i64>, _>("resolved_at")?.map(from_millis),
        flapping_since: row.try_get::<Option<i64>, _>("flapping_since")?.map(from_millis),
        state_changes: u64::try_from(row.try_get::<i64, _>("changes")?).unwrap_or(0),
        suppressed_note: row.try_get("suppressed_note")?,
    })
}

//! Everything besides ingestion and delivery: silences, poll cursors, and reading back what was stored.

use std::ops::Range;

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::ingest::silence;
use super::{Result, Store, from_millis, millis};
use crate::domain::silence::Silence;

/// A stored rejected input.
#[derive(Debug, Clone, PartialEq)]
pub struct RejectedRow {
    pub source: String,
    pub origin: String,
    pub reason: String,
    pub field: Option<String>,
    pub raw: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TimelineRow {
    pub at: DateTime<Utc>,
    pub kind: String,
    pub actor: String,
    pub via: String,
    pub note: String,
}

impl Store {
    /// Adds a silence in force over `window` (from its start, until just before its end); `kind` is `alarm`,
    /// `resource` or `health_type`.
    pub async fn add_silence(
        &self,
        kind: &str,
        pattern: &str,
        window: Range<DateTime<Utc>>,
        reason: &str,
        created_by: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO silences (target_kind, pattern, starts_at, expires_at, reason, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(kind.to_owned())
        .bind(pattern.to_owned())
        .bind(millis(window.start))
        .bind(millis(window.end))
        .bind(reason.to_owned())
        .bind(created_by.to_owned())
        .bind(millis(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Records that `to` takes over the on-call shift from `at`.
    pub async fn add_handover(&self, to: &str, at: DateTime<Utc>, by: &str) -> Result<()> {
        sqlx::query("INSERT INTO oncall_handovers (to_handle, at, by_actor) VALUES ($1, $2, $3)")
            .bind(to.to_owned())
            .bind(millis(at))
            .bind(by.to_owned())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Hand-overs made since `since`, oldest first.
    pub async fn handovers(&self, since: DateTime<Utc>) -> Result<Vec<crate::domain::oncall::Handover>> {
        let rows = sqlx::query("SELECT to_handle, at, by_actor FROM oncall_handovers WHERE at >= $1 ORDER BY at, id")
            .bind(millis(since))
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| {
                Ok(crate::domain::oncall::Handover {
                    to: row.try_get("to_handle")?,
                    at: from_millis(row.try_get("at")?),
                    by: row.try_get("by_actor")?,
                })
            })
            .collect()
    }

    /// Ends a silence now, or calls off one not started yet; false when there is no silence with that id in
    /// force or to come.
    pub async fn remove_silence(&self, id: i64, now: DateTime<Utc>) -> Result<bool> {
        // A silence called off before its start keeps `starts_at <= expires_at`, so it is never in force.
        let ended = sqlx::query(
            "UPDATE silences SET expires_at = $1, starts_at = CASE WHEN starts_at > $1 THEN $1 ELSE starts_at END \
             WHERE id = $2 AND expires_at > $1",
        )
        .bind(millis(now))
        .bind(id)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(ended > 0)
    }

    /// The silences not yet expired at `now`: those in force, then those to come, by start.
    pub async fn silences(&self, now: DateTime<Utc>) -> Result<Vec<Silence>> {
        let rows = sqlx::query(
            "SELECT id, target_kind, pattern, starts_at, expires_at, reason, created_by FROM silences \
             WHERE expires_at > $1 ORDER BY starts_at, id",
        )
        .bind(millis(now))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(silence).collect()
    }

    /// Open incidents whose key starts with `key_prefix` (`alarm|`, `health|`), with their signal state and
    /// when they opened; for alarms, only those whose last signal is ALARM.
    pub async fn open_items(&self, key_prefix: &str) -> Result<Vec<(String, String, String, DateTime<Utc>)>> {
        let rows = sqlx::query(
            "SELECT id, title, signal_state, opened_at FROM incidents \
             WHERE status <> 'resolved' AND incident_key LIKE $1 ORDER BY opened_at, id LIMIT 500",
        )
        .bind(format!("{key_prefix}%"))
        .fetch_all(self.pool())
        .await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            let state: String = row.try_get("signal_state")?;
            if key_prefix == "alarm|" && state != "ALARM" {
                continue;
            }
            items.push((row.try_get("id")?, row.try_get("title")?, state, from_millis(row.try_get("opened_at")?)));
        }
        Ok(items)
    }

    pub async fn cursor(&self, name: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT value FROM poll_cursors WHERE name = $1")
            .bind(name.to_owned())
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|row| row.try_get("value")).transpose()?)
    }

    pub async fn set_cursor(&self, name: &str, value: &str, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "INSERT INTO poll_cursors (name, value, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(name.to_owned())
        .bind(value.to_owned())
        .bind(millis(now))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn rejected(&self) -> Result<Vec<RejectedRow>> {
        let rows = sqlx::query("SELECT source, origin, reason, field, raw FROM rejected_events ORDER BY id")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| {
                Ok(RejectedRow {
                    source: row.try_get("source")?,
                    origin: row.try_get("origin")?,
                    reason: row.try_get("reason")?,
                    field: row.try_get("field")?,
                    raw: row.try_get("raw")?,
                })
            })
            .collect()
    }

    /// Lambda functions opspod has seen alarms for, by name: the list slash commands autocomplete from until
    /// functions are listed from Lambda itself.
    pub async fn known_functions(&self) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT DISTINCT resource_name FROM incidents WHERE resource_kind = 'function' ORDER BY resource_name",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows.iter().map(|row| row.try_get(0)).collect::<Result<_, _>>()?)
    }

    pub async fn event_count(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) FROM events").fetch_one(self.pool()).await?.try_get(0)?)
    }

    /// `(id, status)` of every incident, oldest first.
    pub async fn incident_statuses(&self) -> Result<Vec<(String, String)>> {
        let rows =
            sqlx::query("SELECT id, status FROM incidents ORDER BY opened_at, id").fetch_all(self.pool()).await?;
        rows.iter().map(|row| Ok((row.try_get("id")?, row.try_get("status")?))).collect()
    }

    pub async fn timeline(&self, incident_id: &str) -> Result<Vec<TimelineRow>> {
        let rows =
            sqlx::query("SELECT at, kind, actor, via, note FROM incident_timeline WHERE incident_id = $1 ORDER BY id")
                .bind(incident_id.to_owned())
                .fetch_all(self.pool())
                .await?;
        rows.iter()
            .map(|row| {
                Ok(TimelineRow {
                    at: from_millis(row.try_get("at")?),
                    kind: row.try_get("kind")?,
                    actor: row.try_get("actor")?,
                    via: row.try_get("via")?,
                    note: row.try_get("note")?,
                })
            })
            .collect()
    }
}

//! The outbox's read and acknowledge side: what is due, what was sent, what failed.

use std::fmt;

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Result, Store, StoreError, from_millis, millis};

/// What a delivery does in chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxOp {
    /// A new message that opens an incident (or stands alone).
    Post,
    /// A new version of the incident's opening message.
    Edit,
    /// A line in the incident's thread.
    Note,
}

impl OutboxOp {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxOp::Post => "post",
            OutboxOp::Edit => "edit",
            OutboxOp::Note => "note",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "post" => OutboxOp::Post,
            "edit" => OutboxOp::Edit,
            "note" => OutboxOp::Note,
            _ => return None,
        })
    }
}

impl fmt::Display for OutboxOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    pub id: i64,
    pub idempotency_key: String,
    pub incident_id: Option<String>,
    pub channel: String,
    pub op: OutboxOp,
    pub body: String,
    pub attempts: i64,
    /// When the row was queued: delivery latency is measured from here.
    pub created_at: DateTime<Utc>,
}

/// The chat message an incident opened with, which edits and thread notes attach to.
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    pub channel: String,
    pub message_ref: String,
}

/// What [`outbox_row`] reads.
const ROW_COLUMNS: &str = "id, idempotency_key, incident_id, channel, op, body, attempts, created_at";

impl Store {
    /// Rows ready to deliver: for each incident only its oldest pending row, so edits never overtake the post
    /// they edit; oldest first.
    pub async fn due_outbox(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<OutboxRow>> {
        let rows = sqlx::query(
            "SELECT o.id, o.idempotency_key, o.incident_id, o.channel, o.op, o.body, o.attempts, o.created_at \
             FROM outbox o WHERE o.sent_at IS NULL AND o.given_up_at IS NULL AND o.next_attempt_at <= $1 \
             AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.incident_id = o.incident_id AND p.id < o.id \
                             AND p.sent_at IS NULL AND p.given_up_at IS NULL) \
             ORDER BY o.id LIMIT $2",
        )
        .bind(millis(now))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(outbox_row).collect()
    }

    /// Marks every pending edit of `row`'s incident older than its newest pending edit as done without sending:
    /// each would be overwritten at once. Returns how many; 0 when `row` is itself the newest.
    pub async fn supersede_edits(&self, row: &OutboxRow, now: DateTime<Utc>) -> Result<u64> {
        let Some(incident) = &row.incident_id else { return Ok(0) };
        let done = sqlx::query(
            "UPDATE outbox SET sent_at = $1, message_ref = 'superseded' WHERE incident_id = $2 AND op = 'edit' \
             AND sent_at IS NULL AND given_up_at IS NULL AND id < (SELECT MAX(id) FROM outbox \
             WHERE incident_id = $2 AND op = 'edit' AND sent_at IS NULL AND given_up_at IS NULL)",
        )
        .bind(millis(now))
        .bind(incident.clone())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }

    /// Thread lines of the same incident queued right after `row` (no post between), oldest first: a storm's
    /// lines go out together rather than one request each.
    pub async fn notes_after(&self, row: &OutboxRow, limit: i64) -> Result<Vec<OutboxRow>> {
        let Some(incident) = &row.incident_id else { return Ok(vec![]) };
        let rows = sqlx::query(&format!(
            "SELECT {ROW_COLUMNS} FROM outbox \
             WHERE incident_id = $1 AND op = 'note' AND id > $2 AND sent_at IS NULL AND given_up_at IS NULL \
             AND carried_by IS NULL \
             AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.incident_id = $1 AND p.op = 'post' AND p.id > $2 \
                             AND p.id < outbox.id AND p.sent_at IS NULL) \
             ORDER BY id LIMIT $3"
        ))
        .bind(incident.clone())
        .bind(row.id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(outbox_row).collect()
    }

    /// Claims the rows due for delivery for `replica` until `until`, as [`Store::due_outbox`] picks them, skipping
    /// rows another replica has claimed (and, on PostgreSQL, rows another replica is claiming right now), so no
    /// two replicas send the same row. A claim that expires (its replica died) is taken over.
    pub async fn claim_outbox(
        &self,
        replica: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<OutboxRow>> {
        let skip_locked = if self.dialect() == super::Dialect::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
        let sql = format!(
            "UPDATE outbox SET claimed_by = $1, claimed_until = $2 WHERE id IN (\
             SELECT o.id FROM outbox o WHERE o.sent_at IS NULL AND o.given_up_at IS NULL AND o.next_attempt_at <= $3 \
             AND (o.claimed_until IS NULL OR o.claimed_until < $3 OR o.claimed_by = $1) \
             AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.incident_id = o.incident_id AND p.id < o.id \
                             AND p.sent_at IS NULL AND p.given_up_at IS NULL) \
             ORDER BY o.id LIMIT $4{skip_locked}) \
             RETURNING {ROW_COLUMNS}"
        );
        let rows = sqlx::query(&sql)
            .bind(replica.to_owned())
            .bind(millis(until))
            .bind(millis(now))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        let mut claimed: Vec<OutboxRow> = rows.iter().map(outbox_row).collect::<Result<_>>()?;
        claimed.sort_by_key(|row| row.id);
        Ok(claimed)
    }

    /// Writes down that `carrier`'s message carries `carried` too, before it is sent.
    pub async fn carry_notes(&self, carrier: &OutboxRow, carried: &[OutboxRow]) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        for row in carried {
            sqlx::query("UPDATE outbox SET carried_by = $1 WHERE id = $2 AND carried_by IS NULL AND sent_at IS NULL")
                .bind(carrier.id)
                .bind(row.id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The thread lines `carrier`'s message was written down to carry, in order.
    pub async fn carried_notes(&self, carrier: &OutboxRow) -> Result<Vec<OutboxRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {ROW_COLUMNS} FROM outbox WHERE carried_by = $1 AND sent_at IS NULL ORDER BY id"
        ))
        .bind(carrier.id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(outbox_row).collect()
    }

    /// Forgets every claim on rows not yet sent: with SQLite one process delivers, so claims left at start are
    /// a killed predecessor's, and waiting for them to expire would hold its incidents' messages back.
    pub async fn release_outbox_claims(&self) -> Result<u64> {
        let released = sqlx::query(
            "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE sent_at IS NULL AND claimed_by IS NOT NULL",
        )
        .execute(self.pool())
        .await?;
        Ok(released.rows_affected())
    }

    /// When the last message went out, by any process.
    pub async fn last_sent_at(&self) -> Result<Option<DateTime<Utc>>> {
        let row = sqlx::query("SELECT MAX(sent_at) FROM outbox").fetch_one(self.pool()).await?;
        Ok(row.try_get::<Option<i64>, _>(0)?.map(from_millis))
    }

    /// Records a delivery; for a post, remembers the chat message so later edits find it.
    pub async fn mark_sent(&self, row: &OutboxRow, now: DateTime<Utc>, message_ref: Option<&str>) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("UPDATE outbox SET sent_at = $1, attempts = attempts + 1, message_ref = $2, last_error = NULL WHERE id = $3")
            .bind(millis(now))
            .bind(message_ref.map(str::to_owned))
            .bind(row.id)
            .execute(&mut *tx)
            .await?;
        // The lines its message carried went out with it, in the same transaction, so none is sent again alone.
        sqlx::query(
            "UPDATE outbox SET sent_at = $1, attempts = attempts + 1 WHERE carried_by = $2 AND sent_at IS NULL",
        )
        .bind(millis(now))
        .bind(row.id)
        .execute(&mut *tx)
        .await?;
        if let (OutboxOp::Post, Some(incident), Some(message_ref)) = (row.op, &row.incident_id, message_ref) {
            sqlx::query(
                "INSERT INTO chat_messages (incident_id, channel, message_ref, posted_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (incident_id) DO NOTHING",
            )
            .bind(incident.clone())
            .bind(row.channel.clone())
            .bind(message_ref.to_owned())
            .bind(millis(now))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records a failed attempt: retried at `retry_at`, or never again when `retry_at` is `None`.
    pub async fn mark_failed(
        &self,
        row: &OutboxRow,
        now: DateTime<Utc>,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2, given_up_at = $3 \
             WHERE id = $4",
        )
        .bind(error.to_owned())
        .bind(millis(retry_at.unwrap_or(now)))
        .bind(if retry_at.is_none() { Some(millis(now)) } else { None })
        .bind(row.id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The message that opened an incident, once it has been posted.
    pub async fn chat_message(&self, incident_id: &str) -> Result<Option<Claimed>> {
        let row = sqlx::query("SELECT channel, message_ref FROM chat_messages WHERE incident_id = $1")
            .bind(incident_id.to_owned())
            .fetch_optional(self.pool())
            .await?;
        row.map(|row| Ok(Claimed { channel: row.try_get("channel")?, message_ref: row.try_get("message_ref")? }))
            .transpose()
    }

    /// How many messages wait for delivery (given-up rows excluded).
    pub async fn pending_outbox(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND given_up_at IS NULL")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get(0)?)
    }
}

/// An incident's edit and thread note for one change, queued in `tx` under keys made from `key_stem`
/// (`inc-1|context` → `inc-1|context|edit`), so a retried change queues them once.
pub(super) async fn enqueue_edit_and_note(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    key_stem: &str,
    incident_id: &str,
    channel: &str,
    edit: Option<&String>,
    note: Option<&String>,
    at: DateTime<Utc>,
) -> Result<()> {
    for (op, body) in [(OutboxOp::Edit, edit), (OutboxOp::Note, note)] {
        let Some(body) = body else { continue };
        sqlx::query(
            "INSERT INTO outbox (idempotency_key, incident_id, channel, op, body, created_at, next_attempt_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (idempotency_key) DO NOTHING",
        )
        .bind(format!("{key_stem}|{op}"))
        .bind(incident_id.to_owned())
        .bind(channel.to_owned())
        .bind(op.as_str())
        .bind(body.clone())
        .bind(millis(at))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

fn outbox_row(row: &AnyRow) -> Result<OutboxRow> {
    let op: String = row.try_get("op")?;
    Ok(OutboxRow {
        id: row.try_get("id")?,
        idempotency_key: row.try_get("idempotency_key")?,
        incident_id: row.try_get("incident_id")?,
        channel: row.try_get("channel")?,
        op: OutboxOp::parse(&op)
            .ok_or_else(|| StoreError::Corrupt { table: "outbox", detail: format!("op `{op}`") })?,
        body: row.try_get("body")?,
        attempts: row.try_get("attempts")?,
        created_at: from_millis(row.try_get("created_at")?),
    })
}

impl Store {
    /// Adds messages that belong to no incident (a digest); a key enqueued before is skipped, so a job run again
    /// for the same due time posts once.
    pub async fn enqueue(&self, items: &[super::OutboxItem], now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for item in items {
            sqlx::query(
                "INSERT INTO outbox (idempotency_key, incident_id, channel, op, body, created_at, next_attempt_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (idempotency_key) DO NOTHING",
            )
            .bind(item.idempotency_key.clone())
            .bind(item.incident_id.clone())
            .bind(item.channel.clone())
            .bind(item.op.as_str())
            .bind(item.body.clone())
            .bind(millis(now))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

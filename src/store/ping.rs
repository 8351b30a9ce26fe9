//! What the health endpoint asks the database: whether it answers, and how far delivery is behind.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Result, Store, from_millis};

impl Store {
    /// `SELECT 1`: whether the database answers at all. The caller bounds how long it waits.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(self.pool()).await?;
        Ok(())
    }

    /// How many messages wait for delivery (given-up rows excluded), and when the oldest of them was queued.
    pub async fn outbox_backlog(&self) -> Result<(i64, Option<DateTime<Utc>>)> {
        let row =
            sqlx::query("SELECT COUNT(*), MIN(created_at) FROM outbox WHERE sent_at IS NULL AND given_up_at IS NULL")
                .fetch_one(self.pool())
                .await?;
        let oldest: Option<i64> = row.try_get(1)?;
        Ok((row.try_get(0)?, oldest.map(from_millis)))
    }
}

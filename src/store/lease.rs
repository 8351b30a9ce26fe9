//! The leader lease: one replica at a time holds it, renewing it before it expires; another takes it over once
//! it has expired.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Result, Store, millis};

impl Store {
    /// Takes or renews the lease `name` for `holder` until `until`; true when `holder` holds it now.
    pub async fn hold_lease(&self, name: &str, holder: &str, until: DateTime<Utc>, now: DateTime<Utc>) -> Result<bool> {
        sqlx::query(
            "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE \
             SET holder = excluded.holder, expires_at = excluded.expires_at \
             WHERE leases.holder = excluded.holder OR leases.expires_at < $4",
        )
        .bind(name.to_owned())
        .bind(holder.to_owned())
        .bind(millis(until))
        .bind(millis(now))
        .execute(self.pool())
        .await?;
        let row = sqlx::query("SELECT holder FROM leases WHERE name = $1")
            .bind(name.to_owned())
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get::<String, _>(0)? == holder)
    }

    /// Gives the lease up at once (a clean shutdown), so another replica need not wait for it to expire.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name.to_owned())
            .bind(holder.to_owned())
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

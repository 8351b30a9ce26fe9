//! What the pollers remember between polls: the last state of every alarm, per account and region.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::batch::{chunk_rows, values};
use super::{Result, Store, millis};
use crate::domain::{AlarmState, StateValue};

/// An alarm's state as the poller last saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownAlarm {
    pub arn: String,
    pub state: AlarmState,
}

impl KnownAlarm {
    pub fn value(&self) -> StateValue {
        self.state.value
    }

    pub fn at(&self) -> DateTime<Utc> {
        self.state.timestamp
    }
}

impl Store {
    /// Every alarm of `scope` the poller has seen, by ARN.
    pub async fn known_alarms(&self, scope: &str) -> Result<HashMap<String, KnownAlarm>> {
        let rows = sqlx::query("SELECT alarm_arn, body FROM alarm_states WHERE scope = $1")
            .bind(scope.to_owned())
            .fetch_all(self.pool())
            .await?;
        let mut known = HashMap::with_capacity(rows.len());
        for row in rows {
            let arn: String = row.try_get("alarm_arn")?;
            let body: String = row.try_get("body")?;
            // A row this version cannot read is forgotten, which costs one missed transition, not the poller.
            if let Ok(state) = serde_json::from_str::<AlarmState>(&body) {
                known.insert(arn.clone(), KnownAlarm { arn, state });
            }
        }
        Ok(known)
    }

    /// Replaces what the poller knows of `scope` with `alarms`: alarms no longer described are forgotten.
    pub async fn save_known_alarms(&self, scope: &str, alarms: &[KnownAlarm], now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        for chunk in alarms.chunks(chunk_rows(6)) {
            let sql = format!(
                "INSERT INTO alarm_states (alarm_arn, scope, state, state_at, body, seen_at) VALUES {} \
                 ON CONFLICT (alarm_arn) DO UPDATE SET scope = excluded.scope, state = excluded.state, \
                 state_at = excluded.state_at, body = excluded.body, seen_at = excluded.seen_at",
                values(self.dialect(), chunk.len(), 6)
            );
            let mut query = sqlx::query(&sql);
            for alarm in chunk {
                query = query
                    .bind(alarm.arn.clone())
                    .bind(scope.to_owned())
                    .bind(alarm.value().as_str())
                    .bind(millis(alarm.at()))
                    .bind(serde_json::to_string(&alarm.state).expect("alarm states serialise"))
                    .bind(millis(now));
            }
            query.execute(&mut *tx).await?;
        }
        sqlx::query("DELETE FROM alarm_states WHERE scope = $1 AND seen_at < $2")
            .bind(scope.to_owned())
            .bind(millis(now))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

//! Storm groups within an ingest batch: the groups still taking members, their members' latest states, and the
//! groups the batch opened or extended.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::batch::{chunk_rows, list, values};
use super::ingest::IngestTx;
use super::{Result, from_millis, millis};

/// A storm group as stored: its lead incident's id, key, channel, and when it opened and last took a member.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    pub id: String,
    pub key: String,
    pub channel: String,
    pub opened_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
}

/// A member of a group, as its storm message lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRow {
    pub group_id: String,
    pub incident_id: String,
    pub title: String,
    pub resource_name: String,
    pub signal_state: String,
    pub signal_at: DateTime<Utc>,
}

impl IngestTx {
    /// The groups with one of `keys` whose last member arrived after `last_after` and that opened after
    /// `opened_after`, locked against other replicas until commit.
    pub async fn groups_taking_members(
        &mut self,
        keys: &[String],
        last_after: DateTime<Utc>,
        opened_after: DateTime<Utc>,
    ) -> Result<Vec<GroupRow>> {
        let mut found = Vec::new();
        let (tx, dialect) = self.parts();
        let lock = if dialect == super::Dialect::Postgres { " FOR UPDATE" } else { "" };
        for chunk in keys.chunks(chunk_rows(1)) {
            // Numbers opspod computed are written in, so the key list keeps its placeholders in both dialects.
            let sql = format!(
                "SELECT id, group_key, channel, opened_at, last_at FROM incident_groups WHERE group_key IN ({}) \
                 AND last_at > {} AND opened_at > {} ORDER BY opened_at{lock}",
                list(dialect, chunk.len()),
                millis(last_after),
                millis(opened_after)
            );
            let mut query = sqlx::query(&sql);
            for key in chunk {
                query = query.bind(key.as_str());
            }
            for row in query.fetch_all(&mut **tx).await? {
                found.push(group_row(&row)?);
            }
        }
        Ok(found)
    }

    /// The groups with these ids.
    pub async fn groups_by_id(&mut self, ids: &[String]) -> Result<Vec<GroupRow>> {
        let mut found = Vec::new();
        let (tx, dialect) = self.parts();
        for chunk in ids.chunks(chunk_rows(1)) {
            let sql = format!(
                "SELECT id, group_key, channel, opened_at, last_at FROM incident_groups WHERE id IN ({})",
                list(dialect, chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id.as_str());
            }
            for row in query.fetch_all(&mut **tx).await? {
                found.push(group_row(&row)?);
            }
        }
        Ok(found)
    }

    /// Every member of these groups (the leads included).
    pub async fn group_members(&mut self, group_ids: &[String]) -> Result<Vec<MemberRow>> {
        let mut members = Vec::new();
        let (tx, dialect) = self.parts();
        for chunk in group_ids.chunks(chunk_rows(1)) {
            let sql = format!(
                "SELECT group_id, id, title, resource_name, signal_state, signal_at FROM incidents \
                 WHERE group_id IN ({}) ORDER BY opened_at, id",
                list(dialect, chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id.as_str());
            }
            for row in query.fetch_all(&mut **tx).await? {
                members.push(MemberRow {
                    group_id: row.try_get("group_id")?,
                    incident_id: row.try_get("id")?,
                    title: row.try_get("title")?,
                    resource_name: row.try_get("resource_name")?,
                    signal_state: row.try_get("signal_state")?,
                    signal_at: from_millis(row.try_get("signal_at")?),
                });
            }
        }
        Ok(members)
    }

    /// Adds the groups the batch opened and moves `last_at` on for the ones it extended.
    pub async fn save_groups(&mut self, groups: &[GroupRow]) -> Result<()> {
        let (tx, dialect) = self.parts();
        for chunk in groups.chunks(chunk_rows(5)) {
            let sql = format!(
                "INSERT INTO incident_groups (id, group_key, channel, opened_at, last_at) VALUES {} \
                 ON CONFLICT (id) DO UPDATE SET last_at = excluded.last_at",
                values(dialect, chunk.len(), 5)
            );
            let mut query = sqlx::query(&sql);
            for group in chunk {
                query = query
                    .bind(group.id.as_str())
                    .bind(group.key.as_str())
                    .bind(group.channel.as_str())
                    .bind(millis(group.opened_at))
                    .bind(millis(group.last_at));
            }
            query.execute(&mut **tx).await?;
        }
        Ok(())
    }
}

fn group_row(row: &sqlx::any::AnyRow) -> Result<GroupRow> {
    Ok(GroupRow {
        id: row.try_get("id")?,
        key: row.try_get("group_key")?,
        channel: row.try_get("channel")?,
        opened_at: from_millis(row.try_get("opened_at")?),
        last_at: from_millis(row.try_get("last_at")?),
    })
}

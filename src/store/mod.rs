//! The durable store: events, rejected inputs, incidents, the outbox, cursors and silences, over sqlx.
//!
//! One implementation serves SQLite and PostgreSQL through `sqlx::Any`: the queries are written once, with
//! `$N` placeholders that both dialects accept, and times are stored as Unix milliseconds. The schema lives in
//! `migrations/sqlite` and `migrations/postgres`, embedded in the binary and applied at start.

mod admin;
mod batch;
mod digest;
mod enrichments;
mod escalations;
mod groups;
mod ingest;
mod interventions;
mod jobs;
mod lease;
mod outbox;
mod ping;
mod pollers;

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use admin::{RejectedRow, TimelineRow};
pub use digest::IncidentRecord;
pub use enrichments::{EnrichmentWrite, Finished, PendingEnrichment};
pub use escalations::{DueEscalation, EscalationWrite};
pub use groups::{GroupRow, MemberRow};
pub use ingest::{
    EnrichmentRequest, IncidentChange, IngestTx, NewEvent, NewIncident, NewRejection, OutboxItem, RecentChanges,
    TimelineEntry,
};
pub use interventions::{IncidentView, InterventionWrite};
pub use jobs::{Claim, JobRunRow};
pub use outbox::{Claimed, OutboxOp, OutboxRow};
pub use pollers::KnownAlarm;

/// Which database is behind the store, for the few statements that differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database URL `{0}` is neither sqlite: nor postgres://")]
    UnsupportedUrl(String),
    #[error("failed to open the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("failed to apply migrations: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
    #[error("corrupt row in {table}: {detail}")]
    Corrupt { table: &'static str, detail: String },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    dialect: Dialect,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password, so only the dialect is shown.
        f.debug_struct("Store").field("dialect", &self.dialect).finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating a SQLite file if needed) and migrates the database at `url`.
    pub async fn open(url: &str) -> Result<Store> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Opens the database without applying migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let dialect = dialect_of(url)?;
        let options = AnyConnectOptions::from_str(url).map_err(StoreError::Connect)?;
        let pool = pool_options(dialect).connect_with(options).await.map_err(StoreError::Connect)?;
        Ok(Store { pool, dialect })
    }

    pub async fn migrate(&self) -> Result<()> {
        let migrator = match self.dialect {
            Dialect::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Dialect::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        migrator.run(&self.pool).await.map_err(StoreError::Migrate)
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// A write transaction; on SQLite it takes the write lock up front, so a busy database waits instead of failing
    /// halfway.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.dialect {
            Dialect::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Dialect::Postgres => self.pool.begin().await?,
        })
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Waits for in-flight queries and closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn dialect_of(url: &str) -> Result<Dialect> {
    if url.starts_with("sqlite:") {
        Ok(Dialect::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Dialect::Postgres)
    } else {
        Err(StoreError::UnsupportedUrl(redact_url(url)))
    }
}

fn pool_options(dialect: Dialect) -> AnyPoolOptions {
    let options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
    match dialect {
        Dialect::Postgres => options.max_connections(8),
        // WAL lets readers run beside the one writer; FULL sync makes a commit survive power loss, which is
        // what "durable before acknowledged" promises the SQS source. Checkpointing every 10,000 pages rather
        // than 1,000 keeps most commits from also copying the WAL back, without weakening durability.
        Dialect::Sqlite => options.max_connections(4).after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 10000; \
                     PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
                )
                .await?;
                Ok(())
            })
        }),
    }
}

/// The URL with any password replaced, safe for logs and errors.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let Some((credentials, host)) = rest.split_once('@') else { return url.to_owned() };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

pub(crate) fn millis(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

pub(crate) fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_leave_the_url_redactor() {
        assert_eq!(redact_url("postgres://opspod:s3cret@db:5432/opspod"), "postgres://opspod:***@db:5432/opspod");
        assert_eq!(redact_url("sqlite://opspod.db?mode=rwc"), "sqlite://opspod.db?mode=rwc");
    }

    #[test]
    fn only_sqlite_and_postgres_urls_are_accepted() {
        assert_eq!(dialect_of("sqlite://x.db").unwrap(), Dialect::Sqlite);
        assert_eq!(dialect_of("postgresql://h/db").unwrap(), Dialect::Postgres);
        assert!(matches!(dialect_of("mysql://u:p@h/db"), Err(StoreError::UnsupportedUrl(url)) if !url.contains(":p@")));
    }
}

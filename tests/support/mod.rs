//! Shared test support: fresh SQLite and PostgreSQL stores, and realistic EventBridge events.

#![allow(dead_code, reason = "each test binary uses a different part of the support module")]

pub mod aws;
pub mod aws_relay;
pub mod bot;
pub mod cbor_front;
pub mod events;
pub mod fake_discord;
pub mod lambda_world;
pub mod run;
pub mod sink;

use std::sync::atomic::{AtomicU32, Ordering};

use opspod::store::Store;
use sqlx::{Connection, Executor, PgConnection};

/// The PostgreSQL server tests create their databases on; `.ci/run` sets it, and the default is the local one.
pub fn postgres_admin_url() -> String {
    std::env::var("OPSPOD_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// The moto server `.ci/run` starts. Tests that need AWS fail loudly without it, so CI can never skip them.
pub fn aws_endpoint() -> String {
    std::env::var("OPSPOD_TEST_AWS_ENDPOINT")
        .expect("OPSPOD_TEST_AWS_ENDPOINT is not set: run the tests through .ci/run, which starts moto")
}

/// Points the AWS SDK clients this process builds from the environment at moto, with CloudWatch going
/// through `cloudwatch_url` (the CBOR front), as `opspod run` is pointed in production by `AWS_ENDPOINT_URL`.
pub fn point_aws_at_moto(cloudwatch_url: &str) {
    // SAFETY: nextest runs each test in its own process, and the bot reads these only when it first needs AWS,
    // after this returns.
    unsafe {
        std::env::set_var("AWS_ENDPOINT_URL", aws_endpoint());
        std::env::set_var("AWS_ENDPOINT_URL_CLOUDWATCH", cloudwatch_url);
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::set_var("AWS_REGION", "us-east-1");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    }
}

/// A SQLite store in its own temporary folder, removed when dropped.
pub struct SqliteDb {
    pub dir: tempfile::TempDir,
    pub url: String,
}

impl SqliteDb {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("opspod.db").display());
        SqliteDb { dir, url }
    }
}

/// A fresh PostgreSQL database, dropped (with its connections) when this value is dropped.
pub struct PostgresDb {
    pub url: String,
    name: String,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl PostgresDb {
    pub async fn new() -> Self {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
        let name = format!("opspod_t_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        let admin = postgres_admin_url();
        let mut conn = PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL must be running at {admin} for the store tests: {e}"));
        conn.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("create a test database");
        let base = admin.rsplit_once('/').map(|(base, _)| base).unwrap_or(&admin).to_owned();
        PostgresDb { url: format!("{base}/{name}"), name }
    }
}

impl Drop for PostgresDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs outside any async context guarantee, so a private runtime on its own thread does the work.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
            runtime.block_on(async {
                if let Ok(mut conn) = PgConnection::connect(&postgres_admin_url()).await {
                    let _ = conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await;
                }
            });
        })
        .join();
    }
}

pub async fn sqlite_store() -> (Store, SqliteDb) {
    let db = SqliteDb::new();
    (Store::open(&db.url).await.expect("open SQLite"), db)
}

pub async fn postgres_store() -> (Store, PostgresDb) {
    let db = PostgresDb::new().await;
    (Store::open(&db.url).await.expect("open PostgreSQL"), db)
}

/// Runs each named `async fn(&Store)` twice: against a fresh SQLite store and a fresh PostgreSQL database.
#[allow(unused_macros, reason = "only the store tests use it")]
macro_rules! against_both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let (store, _db) = crate::support::sqlite_store().await;
                    super::$name(&store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let (store, _db) = crate::support::postgres_store().await;
                    super::$name(&store).await;
                    store.close().await;
                }
            )*
        }
    };
}
#[allow(unused_imports, reason = "only the store tests use it")]
pub(crate) use against_both_stores;

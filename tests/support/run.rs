//! What the tests that run `opspod run` against moto share: a config for one queue, unique names, and the
//! counts in the bot's store.

use std::path::{Path, PathBuf};

use opspod::store::Store;

use super::aws::FedQueue;

/// A folder with the bot's SQLite store and a config that reads one queue quickly.
pub struct RunSetup {
    pub dir: tempfile::TempDir,
    pub database: String,
    pub config: PathBuf,
}

pub fn setup(queue: &FedQueue) -> RunSetup {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}?mode=rwc", dir.path().join("opspod.db").display());
    let config = dir.path().join("opspod.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\ndatabase = \"{database}\"\n\n[channels.team]\n[channels.oncall]\n\n\
             [aws]\nenabled = false\n\n[sqs]\nqueues = [\"{}\"]\nwait_seconds = 1\nvisibility_timeout_seconds = 2\n",
            queue.url
        ),
    )
    .unwrap();
    RunSetup { dir, database, config }
}

/// A queue or topic name no other test run uses.
pub fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{name}-{}-{}", std::process::id(), nanos % 1_000_000_000)
}

/// What the bot printed (the console sink's channel transcript).
pub fn transcript(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// `(events, rejected, incidents, pending outbox)` in the bot's store, or `None` before the bot created it.
pub async fn stored(database: &str) -> Option<(i64, usize, usize, i64)> {
    let store = Store::connect(database).await.ok()?;
    let counts = async {
        Some((
            store.event_count().await.ok()?,
            store.rejected().await.ok()?.len(),
            store.incident_statuses().await.ok()?.len(),
            store.pending_outbox().await.ok()?,
        ))
    }
    .await;
    store.close().await;
    counts
}

/// Waits until the bot's alarm poller has recorded its first look at the default account in us-east-1, after
/// which it reports transitions.
pub async fn wait_for_alarm_baseline(database: &str) {
    super::bot::eventually(std::time::Duration::from_secs(30), "the alarm poller's baseline", || async {
        let Ok(store) = Store::connect(database).await else { return false };
        let done = store.cursor("alarms/default/us-east-1").await.ok().flatten().is_some();
        store.close().await;
        done
    })
    .await;
}

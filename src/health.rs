//! The health endpoint: `/healthz` says whether opspod can store what it receives, and `/metrics` serves its
//! metrics in the Prometheus text format. Loopback by default, since neither has authentication; a server that
//! cannot bind is logged and never keeps alerts from flowing.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::store::Store;
use crate::telemetry::metrics;
use crate::telemetry::status::{self, Backlog, Status};

/// How long `/healthz` waits for the database to answer `SELECT 1`.
pub const PING_TIMEOUT: Duration = Duration::from_secs(2);
/// How often the outbox backlog is sampled for `/healthz` and the `opspod_outbox_depth` gauge.
const SAMPLE_EVERY: Duration = Duration::from_secs(5);

/// Serves `/healthz` and `/metrics` as `[health]` says, until `stop`; does nothing when it is off.
pub fn spawn(config: &crate::config::Health, store: Store, stop: CancellationToken) {
    if !config.enabled {
        tracing::info!("The health endpoint is off ([health] enabled = false).");
        return;
    }
    // check-config refuses an address that does not parse.
    let Ok(listen) = config.listen.parse::<SocketAddr>() else { return };
    tokio::spawn(serve(listen, store, stop));
}

async fn serve(listen: SocketAddr, store: Store, stop: CancellationToken) {
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(listener) => listener,
        Err(error) => {
            tracing::warn!(%listen, %error, "Cannot serve /healthz and /metrics; alerts flow without them.");
            return;
        }
    };
    if !listen.ip().is_loopback() {
        tracing::warn!(%listen, "/healthz and /metrics are served beyond this host, without authentication.");
    }
    tracing::info!(%listen, "Serving /healthz and /metrics.");
    tokio::spawn(sample_backlog(store.clone(), stop.clone()));
    let served = axum::serve(listener, router(store)).with_graceful_shutdown(stop.cancelled_owned()).await;
    if let Err(error) = served {
        tracing::warn!(%listen, %error, "The health endpoint stopped; alerts flow without it.");
    }
}

pub fn router(store: Store) -> Router {
    Router::new().route("/healthz", get(healthz)).route("/metrics", get(prometheus)).with_state(store)
}

async fn healthz(State(store): State<Store>) -> (StatusCode, Json<Health>) {
    let answered = match tokio::time::timeout(PING_TIMEOUT, store.ping()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(format!("the database did not answer SELECT 1: {error}")),
        Err(_) => Err(format!("the database did not answer SELECT 1 within {} s", PING_TIMEOUT.as_secs())),
    };
    let health = Health::assess(answered, &status::snapshot(), metrics::is_leader(), Utc::now());
    (health.code(), Json(health))
}

async fn prometheus() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], metrics::encode())
}

/// The `/healthz` answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Health {
    /// `ok`, or `degraded` when the database does not answer or cannot store, or chat does not take messages.
    pub status: &'static str,
    /// `ok`, `unreachable` (no answer to `SELECT 1`) or `failing` (it answers, but batches are not stored).
    pub database: &'static str,
    /// `ok`, or `failing` while the last delivery to chat failed (Discord down or unreachable).
    pub chat: &'static str,
    /// Why it is degraded.
    pub reason: Option<String>,
    /// Messages waiting for delivery, as last sampled.
    pub outbox_depth: Option<i64>,
    /// How long the oldest of them has waited; 0 when none waits.
    pub oldest_pending_seconds: Option<i64>,
    pub last_delivery_error: Option<String>,
    pub leader: bool,
}

impl Health {
    fn assess(answered: Result<(), String>, status: &Status, leader: bool, now: DateTime<Utc>) -> Health {
        let (database, database_reason) = match (answered, status.write_failure()) {
            (Err(reason), _) => ("unreachable", Some(reason)),
            (Ok(()), Some(reason)) => ("failing", Some(reason)),
            (Ok(()), None) => ("ok", None),
        };
        let waited = |backlog: &Backlog| backlog.oldest.map_or(0, |oldest| (now - oldest).num_seconds().max(0));
        let oldest_pending_seconds = status.backlog.as_ref().map(waited);
        let chat_reason = status.last_delivery_error.as_ref().map(|error| {
            let depth = status.backlog.map_or(0, |backlog| backlog.depth);
            format!(
                "chat is not taking messages ({error}); {depth} wait, the oldest for {} s",
                oldest_pending_seconds.unwrap_or(0)
            )
        });
        Health {
            status: if database_reason.is_none() && chat_reason.is_none() { "ok" } else { "degraded" },
            database,
            chat: if chat_reason.is_none() { "ok" } else { "failing" },
            reason: database_reason.or(chat_reason),
            outbox_depth: status.backlog.map(|backlog| backlog.depth),
            oldest_pending_seconds,
            last_delivery_error: status.last_delivery_error.clone(),
            leader,
        }
    }

    /// 503 only when events cannot be kept: a restart does not bring a chat platform back, and the outbox
    /// holds what waits for it.
    fn code(&self) -> StatusCode {
        if self.database == "ok" { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }
    }
}

/// Samples the outbox every few seconds. A failed sample keeps the last one: `/healthz` says why on its own.
async fn sample_backlog(store: Store, stop: CancellationToken) {
    let mut every = tokio::time::interval(SAMPLE_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            () = stop.cancelled() => return,
        }
        if let Ok(Ok((depth, oldest))) = tokio::time::timeout(PING_TIMEOUT, store.outbox_backlog()).await {
            metrics::set_outbox_depth(depth);
            status::backlog(Backlog { depth, oldest });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn a_database_that_answers_and_stores_is_ok_with_the_backlog() {
        let status = Status {
            backlog: Some(Backlog { depth: 3, oldest: Some(at("2026-11-20T14:00:00Z")) }),
            ..Status::default()
        };

        let health = Health::assess(Ok(()), &status, true, at("2026-11-20T14:00:42Z"));

        assert_eq!((health.status, health.database, health.reason.as_deref()), ("ok", "ok", None));
        assert_eq!((health.outbox_depth, health.oldest_pending_seconds), (Some(3), Some(42)));
        let json = serde_json::to_value(&health).unwrap();
        assert_eq!(json["last_delivery_error"], serde_json::Value::Null);
        assert_eq!(json["leader"], true);
    }

    #[test]
    fn a_database_that_does_not_answer_is_unreachable_and_named() {
        let answered = Err("the database did not answer SELECT 1 within 2 s".to_owned());

        let health = Health::assess(answered, &Status::default(), false, Utc::now());

        assert_eq!((health.status, health.database), ("degraded", "unreachable"));
        assert!(health.reason.unwrap().contains("database"));
        assert_eq!(health.outbox_depth, None, "nothing sampled yet");
    }

    #[test]
    fn a_database_that_answers_but_refused_the_last_batch_is_failing() {
        let status = Status {
            failed_writes: 1,
            last_write_error: Some("database error: database is locked".into()),
            backlog: Some(Backlog { depth: 0, oldest: None }),
            ..Status::default()
        };

        let health = Health::assess(Ok(()), &status, false, Utc::now());

        assert_eq!((health.status, health.database), ("degraded", "failing"));
        assert!(health.reason.as_deref().unwrap().ends_with("database is locked"));
        assert_eq!(health.oldest_pending_seconds, Some(0));
        assert_eq!(health.code(), StatusCode::SERVICE_UNAVAILABLE);
    }

    #[test]
    fn chat_refusing_messages_degrades_health_without_failing_the_probe() {
        let status = Status {
            last_delivery_error: Some("Discord is unavailable (503)".into()),
            backlog: Some(Backlog { depth: 7, oldest: Some(at("2026-11-20T14:00:00Z")) }),
            ..Status::default()
        };

        let health = Health::assess(Ok(()), &status, true, at("2026-11-20T14:04:00Z"));

        assert_eq!((health.status, health.database, health.chat), ("degraded", "ok", "failing"));
        assert_eq!(
            health.reason.as_deref(),
            Some("chat is not taking messages (Discord is unavailable (503)); 7 wait, the oldest for 240 s")
        );
        assert_eq!(health.code(), StatusCode::OK, "a restart would not bring Discord back");
    }
}

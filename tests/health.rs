//! `/healthz` and `/metrics` of a running `opspod run` reading a queue in moto: what they report after real
//! work, and what they say while the database refuses writes or cannot be reached, when the message must wait on
//! the queue rather than be acknowledged.

mod support;

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use sqlx::{Connection, Executor, PgConnection, SqliteConnection};
use support::aws::{Aws, FedQueue};
use support::bot::{Bot, eventually};
use support::run::{setup, stored, transcript, unique};
use support::{PostgresDb, events, postgres_admin_url};

const T1: &str = "2026-11-20T14:02:11.000+0000";

/// A port nobody listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Points the config's health server at a free loopback port; returns its base URL.
fn serve_health(config: &Path) -> String {
    let port = free_port();
    let mut text = std::fs::read_to_string(config).unwrap();
    text.push_str(&format!("\n[health]\nlisten = \"127.0.0.1:{port}\"\n"));
    std::fs::write(config, text).unwrap();
    format!("http://127.0.0.1:{port}")
}

/// The status code, `Content-Type` and body of a GET, or `None` while nothing answers.
async fn get(url: &str) -> Option<(u16, String, String)> {
    let response = reqwest::get(url).await.ok()?;
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type")?.to_str().ok()?.to_owned();
    Some((status, content_type, response.text().await.ok()?))
}

async fn healthz(base: &str) -> Option<(u16, Value)> {
    let (status, _, body) = get(&format!("{base}/healthz")).await?;
    Some((status, serde_json::from_str(&body).expect("/healthz answers JSON")))
}

/// The value of the sample line that starts with `series` (name and labels) in Prometheus text.
fn sample(metrics: &str, series: &str) -> f64 {
    let line = metrics.lines().find(|line| line.starts_with(&format!("{series} "))).unwrap_or_else(|| {
        panic!("no sample {series} in:\n{metrics}");
    });
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

/// The message is refused again each time SQS redelivers it, after its visibility timeout, and never deleted.
async fn the_message_stays_on_the_queue(aws: &Aws, queue: &FedQueue, bot: &Bot) {
    eventually(Duration::from_secs(40), "the bot to be handed the message again and refuse it", || async {
        bot.stderr().matches("The database could not store the batch; the messages stay on the queue").count() >= 2
    })
    .await;
    assert_eq!(aws.messages_left(queue).await, 1, "the message was deleted");
}

#[tokio::test(flavor = "multi_thread")]
async fn health_is_ok_and_metrics_count_what_was_stored_and_delivered() {
    let aws = Aws::connect().await;
    let queue = aws.queue_fed_by_a_rule(&unique("health-ok")).await;
    let setup = setup(&queue);
    let base = serve_health(&setup.config);
    aws.publish(&queue, &events::alarm("checkout-api-errors", "checkout-api", "ALARM", T1)).await;
    aws.send_to_queue(&queue, "this is not an event {").await;

    let bot = Bot::start(&setup.config, &setup.dir.path().join("run.out"));
    eventually(Duration::from_secs(30), "one event, one rejection, one incident and an empty outbox", || async {
        stored(&setup.database).await == Some((1, 1, 1, 0))
    })
    .await;
    eventually(Duration::from_secs(10), "an empty queue", || async { aws.messages_left(&queue).await == 0 }).await;
    let (status, health) = healthz(&base).await.expect("/healthz answers");
    let (_, content_type, metrics) = get(&format!("{base}/metrics")).await.expect("/metrics answers");
    bot.stop();

    assert_eq!(status, 200, "{health}");
    assert_eq!((health["status"].as_str(), health["database"].as_str()), (Some("ok"), Some("ok")), "{health}");
    assert!(health["outbox_depth"].is_i64() && health["oldest_pending_seconds"].is_i64(), "{health}");
    assert!(health["last_delivery_error"].is_null() && health["leader"].is_boolean(), "{health}");
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    assert_eq!(sample(&metrics, r#"opspod_events_total{source="sqs"}"#), 1.0);
    assert_eq!(sample(&metrics, r#"opspod_events_rejected_total{source="sqs"}"#), 1.0);
    assert!(sample(&metrics, r#"opspod_messages_delivered_total{op="post"}"#) >= 1.0);
    assert!(sample(&metrics, r#"opspod_delivery_latency_seconds_bucket{op="post",le="+Inf"}"#) >= 1.0);
    assert!(sample(&metrics, r#"opspod_aws_calls_total{service="sqs",outcome="ok"}"#) >= 2.0, "receive and delete");
    assert_eq!(sample(&metrics, "opspod_store_errors_total"), 0.0);
    for name in ["opspod_outbox_depth", "opspod_leader", "opspod_outbox_superseded_total"] {
        assert!(metrics.contains(&format!("# TYPE {name} ")), "{name} is missing:\n{metrics}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn while_the_database_refuses_writes_health_is_degraded_and_the_message_stays_on_the_queue() {
    let aws = Aws::connect().await;
    let queue = aws.queue_fed_by_a_rule(&unique("health-locked")).await;
    let setup = setup(&queue);
    let base = serve_health(&setup.config);
    let bot = Bot::start(&setup.config, &setup.dir.path().join("run.out"));
    eventually(Duration::from_secs(20), "a healthy bot reading the queue", || async {
        bot.stderr().contains("Reading events from SQS") && healthz(&base).await.is_some_and(|(code, _)| code == 200)
    })
    .await;

    // Another process holds SQLite's write lock: the bot can read, but cannot store what it receives.
    let mut lock = SqliteConnection::connect(&setup.database).await.unwrap();
    lock.execute("BEGIN IMMEDIATE").await.unwrap();
    aws.publish(&queue, &events::alarm("checkout-api-errors", "checkout-api", "ALARM", T1)).await;
    eventually(Duration::from_secs(40), "/healthz to turn 503", || async {
        healthz(&base).await.is_some_and(|(code, _)| code == 503)
    })
    .await;
    let (_, degraded) = healthz(&base).await.unwrap();
    the_message_stays_on_the_queue(&aws, &queue, &bot).await;
    lock.execute("ROLLBACK").await.unwrap();
    lock.close().await.unwrap();

    eventually(Duration::from_secs(60), "the message stored and posted once the lock is gone", || async {
        stored(&setup.database).await == Some((1, 0, 1, 0))
    })
    .await;
    eventually(Duration::from_secs(10), "an empty queue", || async { aws.messages_left(&queue).await == 0 }).await;
    eventually(Duration::from_secs(10), "/healthz back to 200", || async {
        healthz(&base).await.is_some_and(|(code, _)| code == 200)
    })
    .await;
    let (_, _, metrics) = get(&format!("{base}/metrics")).await.unwrap();
    bot.stop();

    assert_eq!((degraded["status"].as_str(), degraded["database"].as_str()), (Some("degraded"), Some("failing")));
    let reason = degraded["reason"].as_str().unwrap();
    assert!(reason.starts_with("the database could not store the last") && reason.contains("locked"), "{reason}");
    assert!(sample(&metrics, "opspod_store_errors_total") >= 1.0);
    assert_eq!(transcript(&setup.dir.path().join("run.out")).matches("new message").count(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn while_postgres_is_unreachable_health_names_the_database_and_the_message_waits_on_the_queue() {
    let aws = Aws::connect().await;
    let queue = aws.queue_fed_by_a_rule(&unique("health-pg")).await;
    let db = PostgresDb::new().await;
    let name = db.url.rsplit('/').next().unwrap().to_owned();
    let setup = setup(&queue);
    let config = std::fs::read_to_string(&setup.config).unwrap().replace(&setup.database, &db.url);
    std::fs::write(&setup.config, config).unwrap();
    let base = serve_health(&setup.config);
    let bot = Bot::start(&setup.config, &setup.dir.path().join("run.out"));
    eventually(Duration::from_secs(20), "a healthy bot reading the queue", || async {
        bot.stderr().contains("Reading events from SQS") && healthz(&base).await.is_some_and(|(code, _)| code == 200)
    })
    .await;

    // The database goes away: it takes no new connections, and the bot's are cut.
    let mut admin = PgConnection::connect(&postgres_admin_url()).await.unwrap();
    admin.execute(format!("ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false").as_str()).await.unwrap();
    let cut = format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'");
    admin.execute(cut.as_str()).await.unwrap();
    aws.publish(&queue, &events::alarm("checkout-api-errors", "checkout-api", "ALARM", T1)).await;
    eventually(Duration::from_secs(20), "/healthz to say the database is unreachable", || async {
        healthz(&base).await.is_some_and(|(code, health)| code == 503 && health["database"] == "unreachable")
    })
    .await;
    let (_, degraded) = healthz(&base).await.unwrap();
    the_message_stays_on_the_queue(&aws, &queue, &bot).await;
    admin.execute(format!("ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true").as_str()).await.unwrap();

    eventually(Duration::from_secs(90), "the message stored and posted once the database is back", || async {
        stored(&db.url).await == Some((1, 0, 1, 0))
    })
    .await;
    eventually(Duration::from_secs(10), "an empty queue", || async { aws.messages_left(&queue).await == 0 }).await;
    eventually(Duration::from_secs(10), "/healthz back to 200", || async {
        healthz(&base).await.is_some_and(|(code, _)| code == 200)
    })
    .await;
    bot.stop();

    assert_eq!(degraded["status"], "degraded", "{degraded}");
    assert!(degraded["reason"].as_str().unwrap().starts_with("the database did not answer SELECT 1"), "{degraded}");
    assert_eq!(transcript(&setup.dir.path().join("run.out")).matches("new message").count(), 1);
}

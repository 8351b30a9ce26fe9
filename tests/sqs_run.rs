//! `opspod run` against a real EventBridge rule → SQS queue (moto): every event once, poison set aside, and
//! nothing lost across a crash between receive and commit.

mod support;

use std::time::Duration;

use opspod::store::Store;
use sqlx::{Connection, Executor, SqliteConnection};
use support::aws::Aws;
use support::bot::{Bot, eventually};
use support::events;
use support::run::{setup, stored, transcript, unique};

const T1: &str = "2026-11-20T14:02:11.000+0000";

#[tokio::test(flavor = "multi_thread")]
async fn events_from_an_eventbridge_rule_are_posted_exactly_once_and_poison_is_set_aside() {
    let aws = Aws::connect().await;
    let queue = aws.queue_fed_by_a_rule(&unique("once")).await;
    let setup = setup(&queue);
    let firing = events::alarm("checkout-api-errors", "checkout-api", "ALARM", T1);
    aws.publish(&queue, &firing).await;
    aws.publish(&queue, &firing).await;
    aws.publish(&queue, &events::health("lambda-1", "open", "Fri, 20 Nov 2026 14:05:00 GMT")).await;
    aws.sqs.send_message().queue_url(&queue.url).message_body("this is not an event {").send().await.unwrap();

    let bot = Bot::start(&setup.config, &setup.dir.path().join("run.out"));
    eventually(Duration::from_secs(30), "two events, one rejection and an empty outbox", || async {
        stored(&setup.database).await == Some((2, 1, 2, 0))
    })
    .await;
    eventually(Duration::from_secs(10), "an empty queue", || async { aws.messages_left(&queue).await == 0 }).await;
    let stdout = bot.stdout.clone();
    bot.stop();

    let out = transcript(&stdout);
    assert_eq!(out.matches("new message").count(), 2, "one post per event, the duplicate dropped:\n{out}");
    assert!(out.contains("🔴 checkout-api · Errors ≥ 5 · us-east-1 · 210987654321"), "{out}");
    assert!(out.contains("AWS Health · LAMBDA · issue · us-east-1"), "{out}");
    let store = Store::connect(&setup.database).await.unwrap();
    let rejected = store.rejected().await.unwrap();
    assert_eq!(rejected[0].raw, "this is not an event {");
    assert!(rejected[0].reason.contains("not JSON"), "{}", rejected[0].reason);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_between_receive_and_commit_loses_nothing_and_posts_once() {
    let aws = Aws::connect().await;
    let queue = aws.queue_fed_by_a_rule(&unique("crash")).await;
    let setup = setup(&queue);
    let first = Bot::start(&setup.config, &setup.dir.path().join("first.out"));
    eventually(Duration::from_secs(20), "the bot to start reading", || async {
        first.stderr().contains("Reading events from SQS")
    })
    .await;

    // Hold the write lock so the bot receives the message but cannot commit it, then kill the bot.
    let mut lock = SqliteConnection::connect(&setup.database).await.unwrap();
    lock.execute("BEGIN IMMEDIATE").await.unwrap();
    aws.publish(&queue, &events::alarm("checkout-api-errors", "checkout-api", "ALARM", T1)).await;
    eventually(Duration::from_secs(20), "the bot to receive the message", || async {
        aws.messages_in_flight(&queue).await == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    first.kill();
    lock.execute("ROLLBACK").await.unwrap();
    lock.close().await.unwrap();
    assert_eq!(stored(&setup.database).await.map(|s| s.0), Some(0), "nothing was committed before the crash");

    let second = Bot::start(&setup.config, &setup.dir.path().join("second.out"));
    eventually(Duration::from_secs(30), "the redelivered event stored and posted", || async {
        stored(&setup.database).await == Some((1, 0, 1, 0))
    })
    .await;
    eventually(Duration::from_secs(10), "an empty queue", || async { aws.messages_left(&queue).await == 0 }).await;
    second.stop();

    let posts = transcript(&setup.dir.path().join("first.out")) + &transcript(&setup.dir.path().join("second.out"));
    assert_eq!(posts.matches("new message").count(), 1, "{posts}");
}

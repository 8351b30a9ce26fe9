//! The DescribeAlarms and Health pollers against the CBOR front (moto) and the Health fake, with the real SDK:
//! a baseline without spam, each transition once, cursors that survive a restart, and throttling survived.

mod support;

use std::time::Duration;

use aws_sdk_cloudwatch::types::StateValue;
use chrono::Utc;
use opspod::aws::Scope;
use opspod::aws::alarms::AlarmReader;
use opspod::aws::failure::AwsFailure;
use opspod::aws::health::HealthReader;
use opspod::pipeline::{Pipeline, Rules};
use opspod::ports::SystemClock;
use opspod::sources::alarms::{AlarmPoller, PollError};
use opspod::sources::health::HealthPoller;
use opspod::store::Store;
use support::SqliteDb;
use support::cbor_front::{CloudWatchFront, EntityFixture, HealthFake, HealthFixture};
use support::lambda_world::World;
use support::run::unique;
use tokio_util::sync::CancellationToken;

fn scope() -> Scope {
    Scope { account: None, account_name: "default".into(), region: "us-east-1".into() }
}

async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sqs::config::Credentials::new("testing", "testing", None, None, "tests"))
        // Standard retry classifies throttling exactly as the adaptive retry opspod ships with, without the
        // client-side rate limiter that stretches a run of throttles to over a minute (measured: 76 s).
        .retry_config(
            aws_config::retry::RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(50)),
        )
        .load()
        .await
}

async fn pipeline(db: &SqliteDb) -> Pipeline {
    let store = Store::open(&db.url).await.unwrap();
    Pipeline::new(store, Rules::default(), std::sync::Arc::new(SystemClock))
}

async fn incidents(pipeline: &Pipeline) -> usize {
    pipeline.store().incident_statuses().await.unwrap().len()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_poll_is_a_baseline_and_each_later_transition_is_posted_once() {
    let front = CloudWatchFront::start(&support::aws_endpoint()).await;
    let world = World::connect(&front.url()).await;
    let name = unique("poll");
    world.errors_alarm(&format!("{name}-already-firing"), &name, 5.0).await;
    world.errors_alarm(&format!("{name}-quiet"), &name, 5.0).await;
    world.set_state(&format!("{name}-already-firing"), StateValue::Alarm, "was firing before opspod", None).await;
    world.set_state(&format!("{name}-quiet"), StateValue::Ok, "fine", None).await;
    let db = SqliteDb::new();
    let pipeline = pipeline(&db).await;
    let poller = AlarmPoller::new(
        scope(),
        AlarmReader::new(&sdk_config(&front.url()).await),
        pipeline.clone(),
        Duration::from_secs(60),
    );

    let baseline = poller.poll_once().await.unwrap();
    assert!(baseline.baseline && baseline.seen >= 2, "{baseline:?}");
    assert_eq!((baseline.events, incidents(&pipeline).await), (0, 0), "a baseline posts nothing, even for ALARM");

    world.set_state(&format!("{name}-quiet"), StateValue::Alarm, "Threshold Crossed", None).await;
    let flipped = poller.poll_once().await.unwrap();
    assert_eq!((flipped.events, incidents(&pipeline).await), (1, 1));
    let again = poller.poll_once().await.unwrap();
    assert_eq!((again.events, incidents(&pipeline).await), (0, 1), "an unchanged state is not a transition");

    // A restarted poller reads the same cursor and states: nothing replayed, the next change still seen.
    let restarted = AlarmPoller::new(
        scope(),
        AlarmReader::new(&sdk_config(&front.url()).await),
        pipeline.clone(),
        Duration::from_secs(60),
    );
    assert_eq!(restarted.poll_once().await.unwrap().events, 0);
    world.set_state(&format!("{name}-quiet"), StateValue::Ok, "Threshold no longer crossed", None).await;
    assert_eq!(restarted.poll_once().await.unwrap().events, 1);
    let statuses = pipeline.store().incident_statuses().await.unwrap();
    assert_eq!(statuses.iter().filter(|(_, status)| status == "resolved").count(), 1, "OK resolved it: {statuses:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_is_retried_by_the_sdk_and_a_poll_that_stays_throttled_fails_softly() {
    let front = CloudWatchFront::start(&support::aws_endpoint()).await;
    let db = SqliteDb::new();
    let pipeline = pipeline(&db).await;
    let poller = AlarmPoller::new(
        scope(),
        AlarmReader::new(&sdk_config(&front.url()).await),
        pipeline.clone(),
        Duration::from_secs(60),
    );
    front.throttle_next(2);
    assert!(poller.poll_once().await.is_ok(), "two throttles are retried away within three attempts");
    front.throttle_next(3);
    let failed = poller.poll_once().await;
    assert!(
        matches!(failed, Err(PollError::Aws(AwsFailure::Throttled { action: "cloudwatch:DescribeAlarms" }))),
        "{failed:?}"
    );
    assert!(poller.poll_once().await.is_ok(), "the next poll works again");
}

fn lambda_issue(arn: &str, minutes_ago: i64) -> HealthFixture {
    HealthFixture {
        description: "Increased error rates for Lambda invocations.\n\nWe are working on it.".into(),
        ..HealthFixture::new(arn, "LAMBDA", "us-east-1", Utc::now() - chrono::Duration::minutes(minutes_ago))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn health_events_are_read_with_details_and_entities_once_and_their_closing_resolves() {
    let health = HealthFake::start().await;
    let arn = format!("arn:aws:health:us-east-1::event/LAMBDA/AWS_LAMBDA_OPERATIONAL_ISSUE/{}", unique("h"));
    health.add_event(
        lambda_issue(&arn, 5)
            .entity(EntityFixture::new("arn:aws:lambda:us-east-1:123456789012:function:checkout-api", "123456789012")),
    );
    health.add_event(lambda_issue("arn:aws:health:us-east-1::event/LAMBDA/OLD/1", 180));
    let db = SqliteDb::new();
    let pipeline = pipeline(&db).await;
    let config = sdk_config(&health.url()).await;
    let poller = HealthPoller::new(
        scope(),
        HealthReader::new(&config, false, None),
        pipeline.clone(),
        Duration::from_secs(60),
        false,
    );

    let first = poller.poll_once(Utc::now()).await.unwrap();
    assert_eq!(first.events, 1, "the first poll looks back an hour, not three");
    let stored = pipeline.store().incident_statuses().await.unwrap();
    assert_eq!(stored.len(), 1);
    let second = poller.poll_once(Utc::now()).await.unwrap();
    assert_eq!(
        (second.events, pipeline.store().incident_statuses().await.unwrap().len()),
        (1, 1),
        "overlap, deduplicated"
    );

    health.update_event(&arn, Utc::now(), "closed");
    poller.poll_once(Utc::now()).await.unwrap();
    let statuses = pipeline.store().incident_statuses().await.unwrap();
    assert_eq!(statuses[0].1, "resolved", "{statuses:?}");
    let timeline = pipeline.store().timeline(&statuses[0].0).await.unwrap();
    assert_eq!(timeline.iter().map(|entry| entry.kind.as_str()).collect::<Vec<_>>(), ["opened", "resolved"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_organization_view_reads_each_affected_accounts_event() {
    let health = HealthFake::start().await;
    let arn = format!("arn:aws:health:us-east-1::event/LAMBDA/AWS_LAMBDA_OPERATIONAL_ISSUE/{}", unique("org"));
    health.add_event(
        HealthFixture { account_id: "210987654321".into(), ..lambda_issue(&arn, 5) }
            .entity(EntityFixture::new("arn:aws:lambda:us-east-1:210987654321:function:search-api", "210987654321")),
    );
    let db = SqliteDb::new();
    let pipeline = pipeline(&db).await;
    let config = sdk_config(&health.url()).await;
    let poller = HealthPoller::new(
        scope(),
        HealthReader::new(&config, true, None),
        pipeline.clone(),
        Duration::from_secs(60),
        true,
    );
    assert_eq!(poller.poll_once(Utc::now()).await.unwrap().events, 1);
    assert!(health.calls("DescribeEventsForOrganization") >= 1);
    assert!(health.calls("DescribeAffectedEntitiesForOrganization") >= 1);
    assert_eq!(health.calls("DescribeEvents"), 0);
    assert!(pipeline.store().cursor("health/organization").await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_support_plan_the_health_poller_says_so_and_stops() {
    let health = HealthFake::start().await;
    health.subscription_required(true);
    let db = SqliteDb::new();
    let pipeline = pipeline(&db).await;
    let config = sdk_config(&health.url()).await;
    let poller =
        HealthPoller::new(scope(), HealthReader::new(&config, false, None), pipeline, Duration::from_millis(50), false);
    let stopped = tokio::time::timeout(Duration::from_secs(10), poller.run(CancellationToken::new())).await;
    assert!(stopped.is_ok(), "the poller turns itself off instead of polling forever");
    assert_eq!(health.calls("DescribeEvents"), 1, "asked once, not every interval");
}

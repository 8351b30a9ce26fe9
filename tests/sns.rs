//! `opspod run` reading a queue subscribed to an SNS topic (moto), as teams coming from AWS Chatbot set it up:
//! the classic alarm JSON with and without raw delivery posts once, the same transition through EventBridge is
//! a duplicate, and subscription handshakes and broken envelopes never stop the rest.

mod support;

use std::time::Duration;

use opspod::store::Store;
use sqlx::{Connection, SqliteConnection};
use support::aws::Aws;
use support::bot::{Bot, eventually};
use support::events::{self, ACCOUNT};
use support::run::{setup, stored, transcript, unique};

/// The stored events' JSON bodies.
async fn bodies(database: &str) -> Vec<serde_json::Value> {
    let mut connection = SqliteConnection::connect(database).await.unwrap();
    let rows: Vec<(String,)> = sqlx::query_as("SELECT body FROM events").fetch_all(&mut connection).await.unwrap();
    rows.into_iter().map(|(body,)| serde_json::from_str(&body).unwrap()).collect()
}

const T1: &str = "2026-11-20T14:02:11.000+0000";
const ALARM: &str = "checkout-api-errors";

/// The notification CloudWatch publishes to an alarm's SNS topic for the transition `events::alarm` describes.
fn classic_alarm(name: &str, function: &str, state: &str, timestamp: &str) -> String {
    serde_json::json!({
        "AlarmName": name,
        "AlarmDescription": format!("Errors on {function}"),
        "AWSAccountId": ACCOUNT,
        "AlarmConfigurationUpdatedTimestamp": "2026-10-01T08:00:00.000+0000",
        "NewStateValue": state,
        "NewStateReason": "Threshold Crossed: 1 out of the last 1 datapoints [37.0 (20/11/26 14:01:00)] was greater than or equal to the threshold (5.0) (minimum 1 datapoint for OK -> ALARM transition).",
        "StateChangeTime": timestamp,
        "Region": "US East (N. Virginia)",
        "AlarmArn": format!("arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:{name}"),
        "OldStateValue": "OK",
        "OKActions": [],
        "AlarmActions": [format!("arn:aws:sns:us-east-1:{ACCOUNT}:alarms")],
        "InsufficientDataActions": [],
        "Trigger": {
            "MetricName": "Errors",
            "Namespace": "AWS/Lambda",
            "StatisticType": "Statistic",
            "Statistic": "SUM",
            "Unit": null,
            "Dimensions": [{"value": function, "name": "FunctionName"}],
            "Period": 60,
            "EvaluationPeriods": 1,
            "DatapointsToAlarm": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "Threshold": 5.0,
            "TreatMissingData": "missing",
            "EvaluateLowSampleCountPercentile": ""
        }
    })
    .to_string()
}

fn handshake(kind: &str, topic_arn: &str) -> String {
    serde_json::json!({
        "Type": kind,
        "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
        "Token": "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad",
        "TopicArn": topic_arn,
        "Message": format!("You have chosen to subscribe to the topic {topic_arn}.\nTo confirm the subscription, visit the SubscribeURL included in this message."),
        "SubscribeURL": format!("https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn={topic_arn}&Token=2336412f"),
        "Timestamp": "2026-11-20T13:00:04.751Z",
        "SignatureVersion": "1",
        "Signature": "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=",
        "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem"
    })
    .to_string()
}

/// Publishes the alarm to a topic the queue is subscribed to, waits for one post, then sends the same transition
/// through EventBridge and checks it changes nothing.
async fn one_alarm_through_sns_then_eventbridge(raw_delivery: bool) {
    let aws = Aws::connect().await;
    let queue = aws.queue_fed_by_a_rule(&unique(if raw_delivery { "raw" } else { "wrapped" })).await;
    let topic = aws.topic_feeding(&queue, &unique("alarms"), raw_delivery).await;
    let setup = setup(&queue);
    let subject = format!("ALARM: \"{ALARM}\" in US East (N. Virginia)");
    aws.publish_to_topic(&topic, &subject, &classic_alarm(ALARM, "checkout-api", "ALARM", T1)).await;

    let bot = Bot::start(&setup.config, &setup.dir.path().join("run.out"));
    eventually(Duration::from_secs(30), "one event, one incident and an empty outbox", || async {
        stored(&setup.database).await == Some((1, 0, 1, 0))
    })
    .await;
    aws.publish(&queue, &events::alarm(ALARM, "checkout-api", "ALARM", T1)).await;
    eventually(Duration::from_secs(20), "the EventBridge copy to be read as a duplicate", || async {
        bot.stderr().contains("duplicate of an event already stored")
    })
    .await;
    eventually(Duration::from_secs(10), "an empty queue", || async { aws.messages_left(&queue).await == 0 }).await;
    let stdout = bot.stdout.clone();
    bot.stop();

    assert_eq!(stored(&setup.database).await, Some((1, 0, 1, 0)), "still one event and one incident");
    let out = transcript(&stdout);
    assert_eq!(out.matches("new message").count(), 1, "one post for both deliveries:\n{out}");
    assert!(out.contains("🔴 checkout-api · Errors ≥ 5 · us-east-1 · 210987654321"), "{out}");
    let body = &bodies(&setup.database).await[0];
    let expected_topic = if raw_delivery { serde_json::Value::Null } else { serde_json::json!(topic) };
    assert_eq!(body["delivered_via"], expected_topic, "raw delivery carries no envelope to name the topic");
    assert_eq!(body["body"]["arn"], format!("arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:{ALARM}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alarm_through_sns_without_raw_delivery_posts_once_and_its_eventbridge_copy_is_a_duplicate() {
    one_alarm_through_sns_then_eventbridge(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_alarm_through_sns_with_raw_delivery_posts_once_and_its_eventbridge_copy_is_a_duplicate() {
    one_alarm_through_sns_then_eventbridge(true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn handshakes_are_acknowledged_and_broken_envelopes_set_aside_while_alarms_keep_flowing() {
    let aws = Aws::connect().await;
    let queue = aws.queue_fed_by_a_rule(&unique("shapes")).await;
    let topic = aws.topic_feeding(&queue, &unique("alarms"), false).await;
    let setup = setup(&queue);
    let not_json = serde_json::json!({
        "Type": "Notification", "MessageId": "m-1", "TopicArn": topic, "Message": "Checkout is on fire",
        "Timestamp": "2026-11-20T14:00:00.000Z"
    });
    let unknown_type =
        serde_json::json!({"Type": "Announcement", "MessageId": "m-2", "TopicArn": topic, "Message": "{}"});
    aws.send_to_queue(&queue, &handshake("SubscriptionConfirmation", &topic)).await;
    aws.send_to_queue(&queue, &not_json.to_string()).await;
    aws.send_to_queue(&queue, &unknown_type.to_string()).await;
    aws.send_to_queue(&queue, &handshake("UnsubscribeConfirmation", &topic)).await;
    aws.publish_to_topic(&topic, "ALARM", &classic_alarm(ALARM, "checkout-api", "ALARM", T1)).await;

    let bot = Bot::start(&setup.config, &setup.dir.path().join("run.out"));
    eventually(Duration::from_secs(30), "one event, two rejections and an empty outbox", || async {
        stored(&setup.database).await == Some((1, 2, 1, 0))
    })
    .await;
    eventually(Duration::from_secs(10), "an empty queue", || async { aws.messages_left(&queue).await == 0 }).await;
    let (stdout, stderr) = (bot.stdout.clone(), bot.stderr());
    bot.stop();

    assert_eq!(transcript(&stdout).matches("new message").count(), 1);
    assert_eq!(stderr.matches("Message acknowledged without posting.").count(), 2, "{stderr}");
    assert!(stderr.contains(&format!("SNS SubscriptionConfirmation for {topic}; nothing to post")), "{stderr}");
    let store = Store::connect(&setup.database).await.unwrap();
    let mut fields: Vec<_> = store.rejected().await.unwrap().into_iter().map(|row| row.field).collect();
    fields.sort();
    assert_eq!(fields, [Some("Message".to_owned()), Some("Type".to_owned())]);
}

#[test]
fn replay_skips_a_handshake_and_reads_one_transition_through_sns_and_eventbridge_as_one() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_opspod"))
        .args(["replay", "--format", "json"])
        .args([
            "tests/fixtures/sns/subscription-confirmation.json",
            "tests/fixtures/sns/alarm-metric-notification.json",
            "tests/fixtures/events/alarm-metric.json",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("OPSPOD_CONFIG")
        .env("OPSPOD_LOG", "warn")
        .env("OPSPOD_AWS__ENABLED", "false")
        .output()
        .expect("run opspod replay");

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "a skipped handshake is not a failure: {stderr}");
    assert!(stderr.contains("skipped tests/fixtures/sns/subscription-confirmation.json"), "{stderr}");
    assert!(!stderr.contains("rejected"), "{stderr}");
    let reports: Vec<serde_json::Value> =
        String::from_utf8_lossy(&output.stdout).lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let actions: Vec<_> = reports.iter().map(|report| report["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["open", "none"]);
    assert_eq!(reports[1]["reason"], "duplicate of an event already stored");
}

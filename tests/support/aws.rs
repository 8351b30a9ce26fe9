//! The real AWS SDK clients against moto, and a queue fed by an EventBridge rule or an SNS topic, as in production.

use aws_sdk_eventbridge::types::{PutEventsRequestEntry, Target};
use aws_sdk_sqs::types::QueueAttributeName;

use super::aws_endpoint;

pub struct Aws {
    pub sqs: aws_sdk_sqs::Client,
    pub events: aws_sdk_eventbridge::Client,
    pub sns: aws_sdk_sns::Client,
}

/// A queue that an EventBridge rule on its own bus feeds with alarm and Health events.
pub struct FedQueue {
    pub url: String,
    pub bus: String,
}

impl Aws {
    pub async fn connect() -> Aws {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(aws_endpoint())
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_sqs::config::Credentials::new("testing", "testing", None, None, "tests"))
            .load()
            .await;
        Aws {
            sqs: aws_sdk_sqs::Client::new(&config),
            events: aws_sdk_eventbridge::Client::new(&config),
            sns: aws_sdk_sns::Client::new(&config),
        }
    }

    pub async fn queue_fed_by_a_rule(&self, name: &str) -> FedQueue {
        let url = self.sqs.create_queue().queue_name(name).send().await.expect("create queue").queue_url.unwrap();
        let arn = self.queue_arn(&url).await;
        let bus = format!("{name}-bus");
        self.events.create_event_bus().name(&bus).send().await.expect("create bus");
        self.events
            .put_rule()
            .name(format!("{name}-rule"))
            .event_bus_name(&bus)
            .event_pattern(r#"{"source": ["aws.cloudwatch", "aws.health"]}"#)
            .send()
            .await
            .expect("put rule");
        self.events
            .put_targets()
            .rule(format!("{name}-rule"))
            .event_bus_name(&bus)
            .targets(Target::builder().id("opspod").arn(arn).build().unwrap())
            .send()
            .await
            .expect("put targets");
        FedQueue { url, bus }
    }

    /// Publishes a full EventBridge event (as the tests' generators write it) on the queue's bus.
    pub async fn publish(&self, queue: &FedQueue, event: &str) {
        let event: serde_json::Value = serde_json::from_str(event).unwrap();
        let resources: Vec<String> =
            event["resources"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_owned()).collect();
        let entry = PutEventsRequestEntry::builder()
            .event_bus_name(&queue.bus)
            .source(event["source"].as_str().unwrap())
            .detail_type(event["detail-type"].as_str().unwrap())
            .detail(event["detail"].to_string())
            .set_resources(Some(resources))
            .build();
        let output = self.events.put_events().entries(entry).send().await.expect("put events");
        assert_eq!(output.failed_entry_count, 0, "EventBridge refused an event");
    }

    /// A new SNS topic with `queue` subscribed to it, as the README tells teams coming from AWS Chatbot to do:
    /// a queue policy that lets the topic send, then the subscription, with or without raw message delivery.
    /// Returns the topic ARN.
    pub async fn topic_feeding(&self, queue: &FedQueue, topic: &str, raw_delivery: bool) -> String {
        let topic_arn = self.sns.create_topic().name(topic).send().await.expect("create topic").topic_arn.unwrap();
        let queue_arn = self.queue_arn(&queue.url).await;
        let policy = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}}
            }]
        });
        self.sqs
            .set_queue_attributes()
            .queue_url(&queue.url)
            .attributes(QueueAttributeName::Policy, policy.to_string())
            .send()
            .await
            .expect("queue policy");
        let mut subscribe = self
            .sns
            .subscribe()
            .topic_arn(&topic_arn)
            .protocol("sqs")
            .endpoint(&queue_arn)
            .return_subscription_arn(true);
        if raw_delivery {
            subscribe = subscribe.attributes("RawMessageDelivery", "true");
        }
        subscribe.send().await.expect("subscribe the queue");
        topic_arn
    }

    /// Publishes `message` to the topic as CloudWatch does, with the subject it writes.
    pub async fn publish_to_topic(&self, topic_arn: &str, subject: &str, message: &str) {
        self.sns.publish().topic_arn(topic_arn).subject(subject).message(message).send().await.expect("publish");
    }

    /// Sends `body` straight to the queue, as a sender other than EventBridge or SNS would.
    pub async fn send_to_queue(&self, queue: &FedQueue, body: &str) {
        self.sqs.send_message().queue_url(&queue.url).message_body(body).send().await.expect("send message");
    }

    async fn queue_arn(&self, url: &str) -> String {
        let attributes = self
            .sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("queue attributes");
        attributes.attributes.unwrap()[&QueueAttributeName::QueueArn].clone()
    }

    /// Messages still on the queue, visible or in flight.
    pub async fn messages_left(&self, queue: &FedQueue) -> u64 {
        let output = self
            .sqs
            .get_queue_attributes()
            .queue_url(&queue.url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .expect("queue attributes");
        let attributes = output.attributes.unwrap_or_default();
        let count = |name| attributes.get(&name).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        count(QueueAttributeName::ApproximateNumberOfMessages)
            + count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
    }

    pub async fn messages_in_flight(&self, queue: &FedQueue) -> u64 {
        let output = self
            .sqs
            .get_queue_attributes()
            .queue_url(&queue.url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .expect("queue attributes");
        output
            .attributes
            .unwrap_or_default()
            .get(&QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }
}

//! The real AWS SDK clients against moto, and a queue fed by an EventBridge rule, as in production.

use aws_sdk_eventbridge::types::{PutEventsRequestEntry, Target};
use aws_sdk_sqs::types::QueueAttributeName;

use super::aws_endpoint;

pub struct Aws {
    pub sqs: aws_sdk_sqs::Client,
    pub events: aws_sdk_eventbridge::Client,
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
        Aws { sqs: aws_sdk_sqs::Client::new(&config), events: aws_sdk_eventbridge::Client::new(&config) }
    }

    pub async fn queue_fed_by_a_rule(&self, name: &str) -> FedQueue {
        let url = self.sqs.create_queue().queue_name(name).send().await.expect("create queue").queue_url.unwrap();
        let attributes = self
            .sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("queue attributes");
        let arn = attributes.attributes.unwrap()[&QueueAttributeName::QueueArn].clone();
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

//! One thing that happened in AWS, as opspod understands it, with the keys that make it idempotent.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::alarm::AlarmChange;
use super::health::HealthEvent;
use super::resource::Resource;

/// An event from any source (SQS, a poller, a replay file), already parsed and neutralised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The EventBridge event id; not unique across sources, so never used for deduplication.
    pub id: String,
    pub account: String,
    /// The region that delivered the event.
    pub region: String,
    pub time: DateTime<Utc>,
    pub body: EventBody,
    /// The SNS topic the event came through, when it was wrapped in an SNS envelope; never part of any key,
    /// because the same transition may also arrive straight from EventBridge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_via: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventBody {
    Alarm(AlarmChange),
    Health(HealthEvent),
}

impl Event {
    /// Two deliveries of the same fact share this key, whatever path they took.
    ///
    /// An alarm transition is its alarm ARN, new state and state timestamp; a Health event is its ARN and
    /// `lastUpdatedTime`.
    pub fn dedupe_key(&self) -> String {
        match &self.body {
            EventBody::Alarm(alarm) => format!(
                "alarm|{}|{}|{}",
                alarm.arn,
                alarm.state.value,
                alarm.state.timestamp.to_rfc3339_opts(SecondsFormat::Millis, true)
            ),
            EventBody::Health(health) => {
                format!("health|{}|{}", health.arn, health.last_updated.to_rfc3339_opts(SecondsFormat::Secs, true))
            }
        }
    }

    /// Events with the same incident key belong to the same incident while it is open.
    pub fn incident_key(&self) -> String {
        match &self.body {
            EventBody::Alarm(alarm) => format!("alarm|{}", alarm.arn),
            EventBody::Health(health) => format!("health|{}", health.arn),
        }
    }

    pub fn resource(&self) -> &Resource {
        match &self.body {
            EventBody::Alarm(alarm) => &alarm.resource,
            EventBody::Health(health) => &health.resource,
        }
    }

    /// When the fact itself happened (the state change, the Health update), not when it was delivered.
    pub fn occurred_at(&self) -> DateTime<Utc> {
        match &self.body {
            EventBody::Alarm(alarm) => alarm.state.timestamp,
            EventBody::Health(health) => health.last_updated,
        }
    }

    pub fn kind(&self) -> &'static str {
        match &self.body {
            EventBody::Alarm(_) => "alarm",
            EventBody::Health(_) => "health",
        }
    }
}

//! Silences: "don't post about this until then", by alarm, resource or Health event type.

use chrono::{DateTime, Utc};

use super::event::{Event, EventBody};
use super::glob::Glob;

#[derive(Debug, Clone, PartialEq)]
pub enum SilenceTarget {
    Alarm(Glob),
    Resource(Glob),
    HealthType(Glob),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Silence {
    pub id: i64,
    pub target: SilenceTarget,
    pub expires_at: DateTime<Utc>,
    pub reason: String,
    pub created_by: String,
}

impl Silence {
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        now < self.expires_at
    }

    /// Whether this silence covers the event, ignoring expiry.
    pub fn covers(&self, event: &Event) -> bool {
        match (&self.target, &event.body) {
            (SilenceTarget::Alarm(glob), EventBody::Alarm(alarm)) => glob.matches(alarm.name.as_str()),
            (SilenceTarget::HealthType(glob), EventBody::Health(health)) => glob.matches(&health.type_code),
            (SilenceTarget::Resource(glob), _) => glob.matches(event.resource().name.as_str()),
            _ => false,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self.target {
            SilenceTarget::Alarm(_) => "alarm",
            SilenceTarget::Resource(_) => "resource",
            SilenceTarget::HealthType(_) => "health_type",
        }
    }

    pub fn pattern(&self) -> &str {
        match &self.target {
            SilenceTarget::Alarm(glob) | SilenceTarget::Resource(glob) | SilenceTarget::HealthType(glob) => {
                glob.pattern()
            }
        }
    }
}

/// The first active silence that covers the event, if any.
pub fn silencing<'a>(silences: &'a [Silence], event: &Event, now: DateTime<Utc>) -> Option<&'a Silence> {
    silences.iter().find(|silence| silence.is_active(now) && silence.covers(event))
}

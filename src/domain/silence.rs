//! Silences: "don't post about this from then until then", by alarm, resource or Health event type.
//!
//! A silence made with `/silence` or a button, and a `[[maintenance]]` window from config, are both silences;
//! either may start later than it was made.

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
    /// The store's id; 0 for a maintenance window from config, which the store never holds.
    pub id: i64,
    pub target: SilenceTarget,
    /// The first instant it is in force.
    pub starts_at: DateTime<Utc>,
    /// The first instant it is no longer in force.
    pub expires_at: DateTime<Utc>,
    pub reason: String,
    pub created_by: String,
}

impl Silence {
    /// In force at `now`: started, and not yet expired.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.starts_at <= now && now < self.expires_at
    }

    /// Whether this silence covers the event, ignoring when it is in force.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alarm::StateValue;
    use crate::domain::sample::{alarm, at};

    fn window(pattern: &str, from: &str, until: &str) -> Silence {
        Silence {
            id: 0,
            target: SilenceTarget::Alarm(Glob::new(pattern).unwrap()),
            starts_at: at(from),
            expires_at: at(until),
            reason: "maintenance window db-upgrade".into(),
            created_by: "config".into(),
        }
    }

    #[test]
    fn a_window_that_starts_later_does_not_silence_before_it_starts() {
        let silences = [window("orders-*", "22:00:00", "23:00:00")];
        let event = alarm("orders-errors", "orders-api", StateValue::Alarm, "21:59:59");

        assert_eq!(silencing(&silences, &event, at("21:59:59")), None);
    }

    #[test]
    fn a_window_silences_from_its_start_until_just_before_its_end() {
        let silences = [window("orders-*", "22:00:00", "23:00:00")];
        let event = alarm("orders-errors", "orders-api", StateValue::Alarm, "22:00:00");

        assert_eq!(silencing(&silences, &event, at("22:00:00")), Some(&silences[0]));
        assert_eq!(silencing(&silences, &event, at("22:59:59")), Some(&silences[0]));
        assert_eq!(silencing(&silences, &event, at("23:00:00")), None);
    }

    #[test]
    fn a_window_silences_only_what_it_covers() {
        let silences = [window("orders-*", "22:00:00", "23:00:00")];
        let event = alarm("checkout-errors", "checkout-api", StateValue::Alarm, "22:30:00");

        assert_eq!(silencing(&silences, &event, at("22:30:00")), None);
    }
}

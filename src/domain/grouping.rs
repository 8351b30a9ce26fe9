//! Storm grouping: alarms that fire close together and share a cause (the same function, or the same namespace
//! and region) become one message in a channel, edited with a count and a table, instead of one post each.

use chrono::{DateTime, Duration, Utc};

use super::event::{Event, EventBody};

/// What alarms must share to go into one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// Every alarm gets its own message.
    Off,
    /// Alarms on the same resource (a function's errors, duration and throttles alarms).
    Resource,
    /// Alarms in the same namespace, region and account.
    Namespace,
}

impl GroupBy {
    pub fn parse(raw: &str) -> Option<GroupBy> {
        Some(match raw {
            "off" => GroupBy::Off,
            "resource" => GroupBy::Resource,
            "namespace" => GroupBy::Namespace,
            _ => return None,
        })
    }
}

/// How alarms are grouped, and for how long a group takes new members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupRule {
    pub by: GroupBy,
    /// A new alarm joins a group whose last member arrived at most this long before it.
    pub window: Duration,
    /// A group stops taking members this long after it opened, so a day-long drizzle still gets fresh posts.
    pub max_span: Duration,
}

impl Default for GroupRule {
    fn default() -> Self {
        GroupRule { by: GroupBy::Namespace, window: Duration::minutes(2), max_span: Duration::minutes(60) }
    }
}

impl GroupRule {
    /// The key the event shares with the alarms it should be posted with in `channel`; `None` when it is posted on
    /// its own (Health events, which are already one message per issue, or grouping off).
    pub fn key(&self, event: &Event, channel: &str) -> Option<String> {
        let EventBody::Alarm(alarm) = &event.body else { return None };
        let resource = &alarm.resource;
        match self.by {
            GroupBy::Off => None,
            GroupBy::Resource => Some(format!(
                "{channel}|{}|{}|{}|{}",
                resource.kind.as_str(),
                resource.name.as_str(),
                resource.region,
                resource.account
            )),
            GroupBy::Namespace => {
                let namespace = alarm.metrics.iter().find_map(|metric| metric.namespace.clone());
                let namespace = namespace.unwrap_or_else(|| resource.kind.as_str().to_owned());
                Some(format!("{channel}|{namespace}|{}|{}", resource.region, resource.account))
            }
        }
    }

    /// Whether a group opened at `opened` whose latest member came at `last` still takes a member at `now`.
    pub fn takes(&self, opened: DateTime<Utc>, last: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        now - last <= self.window && now - opened <= self.max_span
    }
}

/// What a group's message says: where the storm is, from its key.
pub fn describe_key(key: &str) -> String {
    let mut parts = key.split('|').skip(1);
    let what: Vec<&str> = parts.by_ref().take(3).collect();
    what.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::StateValue;
    use crate::domain::sample;

    #[test]
    fn alarms_in_one_namespace_and_region_share_a_key_per_channel() {
        let rule = GroupRule::default();
        let checkout = sample::alarm("checkout-api-errors", "checkout-api", StateValue::Alarm, "14:02:00");
        let orders = sample::alarm("orders-api-duration", "orders-api", StateValue::Alarm, "14:02:30");
        assert_eq!(rule.key(&checkout, "team"), rule.key(&orders, "team"));
        assert_ne!(rule.key(&checkout, "team"), rule.key(&checkout, "oncall"));
        let by_resource = GroupRule { by: GroupBy::Resource, ..rule };
        assert_ne!(by_resource.key(&checkout, "team"), by_resource.key(&orders, "team"));
        assert_eq!(GroupRule { by: GroupBy::Off, ..rule }.key(&checkout, "team"), None);
    }

    #[test]
    fn a_group_takes_members_while_they_keep_coming_but_not_forever() {
        let rule = GroupRule::default();
        let opened: DateTime<Utc> = "2026-11-20T14:00:00Z".parse().unwrap();
        assert!(rule.takes(opened, opened + Duration::minutes(1), opened + Duration::minutes(3)));
        assert!(!rule.takes(opened, opened, opened + Duration::minutes(3)), "quiet for longer than the window");
        let late = opened + Duration::minutes(61);
        assert!(!rule.takes(opened, late - Duration::seconds(10), late), "open longer than the span");
    }
}

//! An AWS Health bulletin: an issue, a scheduled change, an account notification or an abuse report.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::resource::Resource;
use super::text::SafeText;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum HealthCategory {
    Issue,
    AccountNotification,
    ScheduledChange,
    Investigation,
}

impl HealthCategory {
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "issue" => HealthCategory::Issue,
            "accountNotification" => HealthCategory::AccountNotification,
            "scheduledChange" => HealthCategory::ScheduledChange,
            "investigation" => HealthCategory::Investigation,
            _ => return None,
        })
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            HealthCategory::Issue => "issue",
            HealthCategory::AccountNotification => "accountNotification",
            HealthCategory::ScheduledChange => "scheduledChange",
            HealthCategory::Investigation => "investigation",
        }
    }

    /// How people say it: "scheduled change".
    pub fn human(&self) -> &'static str {
        match self {
            HealthCategory::Issue => "issue",
            HealthCategory::AccountNotification => "account notification",
            HealthCategory::ScheduledChange => "scheduled change",
            HealthCategory::Investigation => "investigation",
        }
    }
}

impl fmt::Display for HealthCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    Open,
    Upcoming,
    Closed,
}

impl HealthStatus {
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "open" => HealthStatus::Open,
            "upcoming" => HealthStatus::Upcoming,
            "closed" => HealthStatus::Closed,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Open => "open",
            HealthStatus::Upcoming => "upcoming",
            HealthStatus::Closed => "closed",
        }
    }
}

/// A resource that AWS names as affected (an instance id, a function ARN, a domain name…).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AffectedEntity {
    pub value: SafeText,
    pub status: Option<String>,
    pub last_updated: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// An "AWS Health Event" or "AWS Health Abuse Event", with every documented detail field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthEvent {
    pub arn: String,
    /// `EC2`, `LAMBDA`, `ABUSE`…
    pub service: String,
    pub type_code: String,
    pub category: HealthCategory,
    /// `PUBLIC`, `ACCOUNT_SPECIFIC` or `NONE`.
    pub scope: Option<String>,
    pub communication_id: Option<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub last_updated: DateTime<Utc>,
    pub status: HealthStatus,
    /// The impacted region (`detail.eventRegion`), which may differ from the region that delivered the event.
    pub event_region: String,
    /// The English `latestDescription`, or the first one given.
    pub description: SafeText,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affected_entities: Vec<AffectedEntity>,
    pub affected_account: Option<String>,
    /// Paged events arrive as several events; opspod keeps the first page only.
    pub page: u32,
    pub total_pages: u32,
    /// True for "AWS Health Abuse Event".
    pub abuse: bool,
    /// The AWS service as a whole, in the impacted region.
    pub resource: Resource,
}

impl HealthEvent {
    /// The first sentence of the description, for titles and previews.
    pub fn summary(&self) -> String {
        let text = self.description.as_str().trim();
        let first = text.split("\n\n").next().unwrap_or(text).trim();
        super::text::truncate(first, 300)
    }
}

//! What the pipeline says about each input: the contract behind `opspod replay --format json`.

use serde::Serialize;

use crate::domain::incident::Action;
use crate::domain::resource::Resource;
use crate::domain::routing::Severity;
use crate::store::NewRejection;

#[derive(Debug, Clone)]
pub enum Outcome {
    Accepted(Report),
    Rejected(NewRejection),
    /// An input that is not an event (an SNS subscription handshake): acknowledged, neither stored nor rejected.
    Skipped {
        origin: String,
        reason: String,
    },
}

/// What happened to one accepted event, and what was (or would have been) posted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Where the input came from: `file:line`, a queue message.
    pub input: String,
    pub incident: Option<String>,
    pub action: Action,
    pub channel: Option<String>,
    pub severity: Option<Severity>,
    pub title: String,
    /// The whole rendered message as plain text; empty when nothing is posted.
    pub text: String,
    /// The configured mentions that really notify.
    pub mentions: Vec<String>,
    pub resource: ResourceReport,
    /// Why nothing was posted, for `none` and `suppressed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResourceReport {
    pub kind: String,
    pub name: String,
    pub region: String,
    pub account: String,
}

impl From<&Resource> for ResourceReport {
    fn from(resource: &Resource) -> Self {
        ResourceReport {
            kind: resource.kind.as_str().to_owned(),
            name: resource.name.to_string(),
            region: resource.region.clone(),
            account: resource.account.clone(),
        }
    }
}

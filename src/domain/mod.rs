//! Pure types and rules: what an event means, who owns it, where it goes and what it does to an incident.
//!
//! Nothing in here performs I/O or knows about serenity, the AWS SDK or sqlx.

pub mod alarm;
pub mod context;
pub mod escalation;
pub mod event;
pub mod flapping;
pub mod glob;
pub mod grouping;
pub mod health;
pub mod incident;
pub mod lifecycle;
pub mod logs;
pub mod oncall;
pub mod ownership;
pub mod resource;
pub mod routing;
pub mod silence;
pub mod text;

#[cfg(test)]
pub(crate) mod sample;

pub use alarm::{AlarmChange, AlarmKind, AlarmState, Comparison, MetricQuery, StateValue};
pub use event::{Event, EventBody};
pub use health::{AffectedEntity, HealthCategory, HealthEvent, HealthStatus};
pub use incident::{Action, Decision, IncidentSnapshot, IncidentStatus};
pub use resource::{Resource, ResourceKind};
pub use routing::{Route, Severity};
pub use text::SafeText;

//! The digest's AWS Health section: events that touched a team's functions in the period, and scheduled
//! changes and deprecations coming in the next 30 days, each with the functions it affects.

use chrono::{DateTime, Duration, Utc};
use opspod_commands::digest::HealthItem;

use super::figures::Window;
use crate::domain::context::{FunctionFacts, retired_runtime};
use crate::domain::event::{Event, EventBody};
use crate::domain::health::{HealthCategory, HealthEvent, HealthStatus};

/// How far ahead scheduled changes are announced.
pub const LOOKAHEAD_DAYS: i64 = 30;

/// The Health items for the team that `owns` the functions it says it owns (all functions of the watched regions
/// are `all`, for runtime deprecations); `general` adds events that name no function at all (the default `team`
/// channel gets those).
pub fn items(
    bodies: &[String],
    owns: &dyn Fn(&str) -> bool,
    all: &[FunctionFacts],
    window: Window,
    now: DateTime<Utc>,
    general: bool,
) -> Vec<HealthItem> {
    let mut items: Vec<HealthItem> = bodies
        .iter()
        .filter_map(|body| serde_json::from_str::<Event>(body).ok())
        .filter_map(|event| match event.body {
            EventBody::Health(health) => Some(health),
            EventBody::Alarm(_) => None,
        })
        .filter(|health| relevant(health, window, now))
        .filter_map(|health| {
            let affected = affected(&health, owns, all);
            let names_none = affected.is_empty() && !names_functions(&health) && retired(&health).is_none();
            (!affected.is_empty() || (general && names_none)).then(|| item(&health, affected))
        })
        .collect();
    items.sort_by(|a, b| a.start.cmp(&b.start).then(a.title.cmp(&b.title)));
    items
}

/// Active during the period, or starting within the look-ahead.
fn relevant(health: &HealthEvent, window: Window, now: DateTime<Utc>) -> bool {
    let active = health.last_updated >= window.start || health.status == HealthStatus::Open;
    let upcoming = health.status == HealthStatus::Upcoming
        || matches!(health.category, HealthCategory::ScheduledChange | HealthCategory::AccountNotification)
            && health.start.is_some_and(|start| start >= now && start <= now + Duration::days(LOOKAHEAD_DAYS));
    active || upcoming
}

fn retired(health: &HealthEvent) -> Option<String> {
    retired_runtime(&health.type_code, &health.metadata)
}

fn names_functions(health: &HealthEvent) -> bool {
    health.affected_entities.iter().any(|entity| entity.value.as_str().contains(":function:"))
}

/// The team's functions the event names (by ARN or name), or that run the runtime it retires.
fn affected(health: &HealthEvent, owns: &dyn Fn(&str) -> bool, all: &[FunctionFacts]) -> Vec<String> {
    // A Lambda event may name functions bare; other services' entities count only as function ARNs.
    let lambda = health.service == "LAMBDA";
    let named = health.affected_entities.iter().filter_map(move |entity| {
        let value = entity.value.as_str();
        match value.rsplit_once(":function:") {
            Some((_, name)) => Some(name.split(':').next().unwrap_or(name).to_owned()),
            None => (lambda && !value.contains(':')).then(|| value.to_owned()),
        }
    });
    let runtime = retired(health);
    let on_runtime = all
        .iter()
        .filter(|facts| runtime.is_some() && facts.runtime.as_deref() == runtime.as_deref())
        .map(|facts| facts.name.clone());
    let mut affected: Vec<String> = named.chain(on_runtime).filter(|name| owns(name)).collect();
    affected.sort_unstable();
    affected.dedup();
    affected
}

fn item(health: &HealthEvent, functions: Vec<String>) -> HealthItem {
    HealthItem {
        title: health.summary(),
        region: health.event_region.clone(),
        category: health.category.as_str().to_owned(),
        status: health.status.as_str().to_owned(),
        start: health.start,
        functions,
    }
}

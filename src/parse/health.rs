//! "AWS Health Event" and "AWS Health Abuse Event": every documented detail field, nothing decided yet.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::envelope::Envelope;
use super::node::Node;
use super::rejection::Rejection;
use super::time::opt_timestamp;
use crate::domain::{AffectedEntity, HealthCategory, HealthEvent, HealthStatus, Resource, ResourceKind, SafeText};

const CATEGORIES: [&str; 4] = ["issue", "accountNotification", "scheduledChange", "investigation"];
const STATUSES: [&str; 3] = ["open", "upcoming", "closed"];

/// AWS Health writes descriptions in several languages; opspod shows the English one when there is one.
const PREFERRED_LANGUAGE: &str = "en_US";

pub(super) fn parse(envelope: &Envelope, abuse: bool) -> Result<HealthEvent, Rejection> {
    let detail = &envelope.detail;
    let service = detail.str("service")?;
    let event_region = detail.opt_str("eventRegion")?.unwrap_or(envelope.region);
    let affected_account = detail.opt_str("affectedAccount")?;
    let start = opt_timestamp(detail, "startTime")?;
    let end = opt_timestamp(detail, "endTime")?;
    let updated = opt_timestamp(detail, "lastUpdatedTime")?;
    let times = Times { start, end, as_of: updated.unwrap_or(envelope.time) };
    Ok(HealthEvent {
        arn: detail.str("eventArn")?.to_owned(),
        service: service.to_owned(),
        type_code: detail.str("eventTypeCode")?.to_owned(),
        category: detail.field("eventTypeCategory")?.as_enum(HealthCategory::parse, &CATEGORIES)?,
        scope: detail.opt_str("eventScopeCode")?.map(str::to_owned),
        communication_id: detail.opt_str("communicationId")?.map(str::to_owned),
        start,
        end,
        // Abuse reports may carry only `startTime`; the delivery time is the last resort.
        last_updated: updated.or(start).unwrap_or(envelope.time),
        status: status(detail, abuse, &times)?,
        event_region: event_region.to_owned(),
        description: description(detail)?,
        metadata: string_map(detail, "eventMetadata")?,
        affected_entities: affected_entities(detail)?,
        affected_account: affected_account.map(str::to_owned),
        page: page_number(detail, "page")?,
        total_pages: page_number(detail, "totalPages")?,
        abuse,
        resource: Resource {
            kind: ResourceKind::Service,
            name: SafeText::from_untrusted(service),
            region: event_region.to_owned(),
            account: affected_account.unwrap_or(envelope.account).to_owned(),
            tags: BTreeMap::new(),
        },
    })
}

/// The times a missing status is inferred from, `as_of` the event's last update (or its delivery).
struct Times {
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    as_of: DateTime<Utc>,
}

/// AWS's own abuse-event sample has no `statusCode`, and neither have some older events; a report of abuse is
/// open until said otherwise, and anything else is judged by its times as of its last update.
fn status(detail: &Node, abuse: bool, times: &Times) -> Result<HealthStatus, Rejection> {
    match detail.opt("statusCode")? {
        Some(status) => status.as_enum(HealthStatus::parse, &STATUSES),
        None if abuse => Ok(HealthStatus::Open),
        None => Ok(inferred_status(times)),
    }
}

/// Over once its end has passed; upcoming while its start is still ahead (a scheduled change); else open.
fn inferred_status(times: &Times) -> HealthStatus {
    if times.end.is_some_and(|end| end <= times.as_of) {
        HealthStatus::Closed
    } else if times.start.is_some_and(|start| start > times.as_of) {
        HealthStatus::Upcoming
    } else {
        HealthStatus::Open
    }
}

fn description(detail: &Node) -> Result<SafeText, Rejection> {
    let Some(descriptions) = detail.opt("eventDescription")? else { return Ok(SafeText::default()) };
    let descriptions = descriptions.items()?;
    let mut chosen = descriptions.first();
    for description in &descriptions {
        if description.opt_str("language")? == Some(PREFERRED_LANGUAGE) {
            chosen = Some(description);
            break;
        }
    }
    let text = chosen.map(|description| description.str("latestDescription")).transpose()?;
    Ok(SafeText::from_untrusted(text.unwrap_or_default()))
}

fn affected_entities(detail: &Node) -> Result<Vec<AffectedEntity>, Rejection> {
    let Some(entities) = detail.opt("affectedEntities")? else { return Ok(Vec::new()) };
    entities.items()?.iter().map(affected_entity).collect()
}

/// The schema calls it `status`; the abuse sample writes `statusCode`. Either is accepted.
fn affected_entity(entity: &Node) -> Result<AffectedEntity, Rejection> {
    let status = entity.opt_str("status")?.or(entity.opt_str("statusCode")?);
    Ok(AffectedEntity {
        value: SafeText::from_untrusted(entity.str("entityValue")?),
        status: status.map(str::to_owned),
        last_updated: opt_timestamp(entity, "lastUpdatedTime")?,
        tags: string_map(entity, "tags")?,
    })
}

/// Metadata and tags are documented as strings, but a number or flag is kept, written as JSON, not refused.
fn string_map(node: &Node, key: &str) -> Result<BTreeMap<String, String>, Rejection> {
    let Some(map) = node.opt(key)? else { return Ok(BTreeMap::new()) };
    Ok(map.stringified_map()?.into_iter().collect())
}

/// `page` and `totalPages` are numbers written as strings ("1"); absent means a single page.
fn page_number(detail: &Node, key: &str) -> Result<u32, Rejection> {
    let Some(page) = detail.opt(key)? else { return Ok(1) };
    let Ok(text) = page.as_str() else { return page.as_u32() };
    text.trim().parse().map_err(|_| Rejection::bad_value(page.path(), "a page number like \"1\"", text))
}

#[cfg(test)]
mod tests;

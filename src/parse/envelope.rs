//! The EventBridge envelope every event shares: who sent it, from where, when, and what kind of detail follows.

use chrono::{DateTime, Utc};

use super::node::Node;
use super::rejection::Rejection;
use super::time::timestamp;

/// The detail types opspod understands, as EventBridge spells them.
pub(super) const DETAIL_TYPES: [&str; 3] = [ALARM, HEALTH, HEALTH_ABUSE];
const ALARM: &str = "CloudWatch Alarm State Change";
const HEALTH: &str = "AWS Health Event";
const HEALTH_ABUSE: &str = "AWS Health Abuse Event";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DetailType {
    Alarm,
    Health,
    HealthAbuse,
}

impl DetailType {
    fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            ALARM => DetailType::Alarm,
            HEALTH => DetailType::Health,
            HEALTH_ABUSE => DetailType::HealthAbuse,
            _ => return None,
        })
    }

    fn source(self) -> &'static str {
        match self {
            DetailType::Alarm => "aws.cloudwatch",
            DetailType::Health | DetailType::HealthAbuse => "aws.health",
        }
    }
}

/// The envelope's fields, with `detail` left as a cursor for the detail-type's own parser.
pub(super) struct Envelope<'a> {
    pub(super) id: &'a str,
    pub(super) detail_type: DetailType,
    pub(super) account: &'a str,
    /// The region that delivered the event, not necessarily the one it is about.
    pub(super) region: &'a str,
    pub(super) time: DateTime<Utc>,
    pub(super) resources: Vec<&'a str>,
    pub(super) detail: Node<'a>,
}

/// Reads the envelope, checking `detail-type` first so that an event opspod does not handle is named as such
/// rather than blamed for some field it never needed.
pub(super) fn parse<'a>(root: &Node<'a>) -> Result<Envelope<'a>, Rejection> {
    let raw_type = root.str("detail-type")?;
    let detail_type = DetailType::parse(raw_type).ok_or_else(|| Rejection::unknown_detail_type(raw_type))?;
    check_source(root, detail_type)?;
    Ok(Envelope {
        id: root.str("id")?,
        detail_type,
        account: account(root)?,
        region: root.str("region")?,
        time: timestamp(&root.field("time")?)?,
        resources: resources(root)?,
        detail: detail(root)?,
    })
}

/// PutEvents refuses `aws.*` sources, so replays and tests use their own; an `aws.*` source that does not match
/// the detail type, though, is a routing mistake worth refusing.
fn check_source(root: &Node, detail_type: DetailType) -> Result<(), Rejection> {
    let source = root.str("source")?;
    let expected = detail_type.source();
    if source.starts_with("aws.") && source != expected {
        return Err(Rejection::bad_value("source", format!("{expected} (or a non-AWS source)"), source));
    }
    Ok(())
}

/// EventBridge always sends `account`; copies that lost it (some emulators, hand-written replays) still carry it
/// in the resource ARNs or in a Health event's `affectedAccount`.
fn account<'a>(root: &Node<'a>) -> Result<&'a str, Rejection> {
    if let Some(account) = root.opt_str("account")? {
        return Ok(account);
    }
    let from_arn = resources(root)?.into_iter().find_map(|arn| arn.split(':').nth(4).filter(|a| !a.is_empty()));
    let from_health = root.opt("detail")?.and_then(|detail| detail.opt_str("affectedAccount").ok().flatten());
    match from_arn.or(from_health) {
        Some(account) => Ok(account),
        None => root.str("account"),
    }
}

fn resources<'a>(root: &Node<'a>) -> Result<Vec<&'a str>, Rejection> {
    let Some(resources) = root.opt("resources")? else { return Ok(Vec::new()) };
    resources.items()?.iter().map(Node::as_str).collect()
}

fn detail<'a>(root: &Node<'a>) -> Result<Node<'a>, Rejection> {
    let detail = root.field("detail")?;
    detail.as_object()?;
    Ok(detail)
}

//! AWS JSON in (EventBridge, SNS, alarm notifications), domain events out: pure, bounded, and exact about what
//! it refuses.
//!
//! An input is one of three shapes: an EventBridge event (it has `detail-type`), an SNS envelope (it has `Type`)
//! around either of the others, or the classic CloudWatch alarm notification that alarms publish to SNS (it has
//! `AlarmName`), bare when the subscription uses raw message delivery.
//!
//! The raw bytes are checked for encoding, nesting and size before serde_json sees them; after that a cursor
//! that remembers its path reads the fields, so every [`Rejection`] names the field at fault. Fields AWS adds
//! later are ignored. Every text field from AWS becomes a [`SafeText`](crate::domain::SafeText).

mod alarm;
mod classic_alarm;
mod described;
mod dimensions;
mod envelope;
mod health;
mod limits;
mod node;
mod regions;
mod rejection;
mod sns;
mod time;

pub use described::{DescribedAlarm, described_alarm};
pub use rejection::Rejection;
pub use sns::Confirmation;

use serde_json::Value;

use crate::domain::{Event, EventBody};
use envelope::DetailType;
use node::Node;

/// What one input turned out to be.
#[derive(Debug, Clone, PartialEq)]
#[expect(
    clippy::large_enum_variant,
    reason = "almost every input is an event and lives only until it is stored; boxing would cost each one an allocation"
)]
pub enum Parsed {
    Event(Event),
    /// An SNS subscription handshake: nothing happened in AWS, so there is nothing to store or post.
    Confirmation(Confirmation),
}

/// Parses one input (UTF-8 JSON bytes) of any shape the SQS queue may receive.
pub fn parse(raw: &[u8]) -> Result<Parsed, Rejection> {
    let text = limits::utf8(raw)?;
    limits::check_depth(raw)?;
    limits::check_size(text)?;
    let value = json(text)?;
    let root = Node::root(&value);
    match Shape::of(&root) {
        Shape::Sns => sns::parse(&root),
        Shape::ClassicAlarm => classic_alarm::parse(&root, classic_alarm::Delivery::default()).map(Parsed::Event),
        Shape::EventBridge => eventbridge(&root).map(Parsed::Event),
    }
}

/// Parses one input that must be an event; an SNS handshake is refused by its `Type`.
pub fn parse_event(raw: &[u8]) -> Result<Event, Rejection> {
    match parse(raw)? {
        Parsed::Event(event) => Ok(event),
        Parsed::Confirmation(confirmation) => Err(confirmation.as_rejection()),
    }
}

/// How an input is recognised, by the member only its shape has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    EventBridge,
    Sns,
    ClassicAlarm,
}

impl Shape {
    /// Anything unrecognised is read as EventBridge, the shape opspod documents, so the rejection names
    /// `detail-type` as missing.
    fn of(root: &Node) -> Self {
        if root.has("detail-type") {
            Shape::EventBridge
        } else if root.has("Type") {
            Shape::Sns
        } else if root.has("AlarmName") {
            Shape::ClassicAlarm
        } else {
            Shape::EventBridge
        }
    }
}

fn eventbridge(root: &Node) -> Result<Event, Rejection> {
    let envelope = envelope::parse(root)?;
    let body = match envelope.detail_type {
        DetailType::Alarm => EventBody::Alarm(alarm::parse(&envelope)?),
        DetailType::Health => EventBody::Health(health::parse(&envelope, false)?),
        DetailType::HealthAbuse => EventBody::Health(health::parse(&envelope, true)?),
    };
    Ok(Event {
        id: envelope.id.to_owned(),
        account: envelope.account.to_owned(),
        region: envelope.region.to_owned(),
        time: envelope.time,
        body,
        delivered_via: None,
    })
}

fn json(text: &str) -> Result<Value, Rejection> {
    serde_json::from_str(text).map_err(|error| Rejection::NotJson {
        message: without_position(&error),
        line: error.line(),
        column: error.column(),
    })
}

/// serde_json appends " at line L column C" to its message; the rejection prints the position itself.
fn without_position(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    message.strip_suffix(&suffix).unwrap_or(&message).to_owned()
}

#[cfg(test)]
mod tests;

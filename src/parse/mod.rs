//! EventBridge JSON in, domain events out: pure, bounded, and exact about what it refuses.
//!
//! The raw bytes are checked for encoding, nesting and size before serde_json sees them; after that a cursor
//! that remembers its path reads the fields, so every [`Rejection`] names the field at fault. Fields AWS adds
//! later are ignored. Every text field from AWS becomes a [`SafeText`](crate::domain::SafeText).

mod alarm;
mod dimensions;
mod envelope;
mod health;
mod limits;
mod node;
mod rejection;
mod time;

pub use rejection::Rejection;

use serde_json::Value;

use crate::domain::{Event, EventBody};
use envelope::DetailType;
use node::Node;

/// Parses one EventBridge event (UTF-8 JSON bytes) into a domain Event.
pub fn parse_event(raw: &[u8]) -> Result<Event, Rejection> {
    let text = limits::utf8(raw)?;
    limits::check_depth(raw)?;
    limits::check_size(text)?;
    let value = json(text)?;
    let envelope = envelope::parse(&Node::root(&value))?;
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

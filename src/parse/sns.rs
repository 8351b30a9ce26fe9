//! SNS envelopes, as an SQS queue subscribed to a topic without raw message delivery receives them.
//!
//! A `Notification` carries the payload as a JSON document inside the `Message` string; the subscription
//! handshakes carry none. Signatures are not checked: the queue's own access policy is what keeps strangers
//! out, and SQS has already authenticated SNS by the time opspod reads the message.

use std::fmt;

use serde_json::Value;

use super::classic_alarm::{self, Delivery};
use super::limits;
use super::node::Node;
use super::rejection::{Rejection, one_of};
use super::time::opt_timestamp;
use super::{Parsed, Shape};
use crate::domain::Event;

const NOTIFICATION: &str = "Notification";
const SUBSCRIPTION: &str = "SubscriptionConfirmation";
const UNSUBSCRIBE: &str = "UnsubscribeConfirmation";
const TYPES: [&str; 3] = [NOTIFICATION, SUBSCRIPTION, UNSUBSCRIBE];

/// The member holding the payload; rejections inside it are named `Message.<path>`.
const MESSAGE: &str = "Message";

/// An SNS subscription handshake that reached the queue: acknowledged, logged, never posted.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirmation {
    /// `SubscriptionConfirmation` or `UnsubscribeConfirmation`.
    pub kind: String,
    pub topic: String,
    /// Where a person confirms a subscription SNS could not confirm by itself (a topic in another account);
    /// kept for `SubscriptionConfirmation` only, since an unsubscribe's link would undo the unsubscribe.
    pub subscribe_url: Option<String>,
}

impl Confirmation {
    /// What `parse_event` says when it was handed a handshake instead of an event.
    pub(super) fn as_rejection(&self) -> Rejection {
        Rejection::bad_value("Type", NOTIFICATION, &self.kind)
    }
}

impl fmt::Display for Confirmation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SNS {} for {}; nothing to post", self.kind, self.topic)?;
        match &self.subscribe_url {
            Some(url) => write!(f, " (to confirm a subscription to a topic in another account, open {url})"),
            None => Ok(()),
        }
    }
}

pub(super) fn parse(root: &Node) -> Result<Parsed, Rejection> {
    let kind = root.field("Type")?;
    match kind.as_str()? {
        NOTIFICATION => notification(root).map(Parsed::Event),
        handshake @ (SUBSCRIPTION | UNSUBSCRIBE) => Ok(Parsed::Confirmation(Confirmation {
            kind: handshake.to_owned(),
            topic: root.str("TopicArn")?.to_owned(),
            subscribe_url: root.opt_str("SubscribeURL")?.filter(|_| handshake == SUBSCRIPTION).map(str::to_owned),
        })),
        other => Err(Rejection::bad_value(kind.path(), one_of(&TYPES), other)),
    }
}

/// Unwraps `Message` and parses what is inside: a classic alarm notification, or an EventBridge event that a
/// rule sent to the topic.
fn notification(root: &Node) -> Result<Event, Rejection> {
    let topic = root.str("TopicArn")?;
    let message = root.str(MESSAGE)?;
    let value = payload(message).map_err(|rejection| rejection.within(MESSAGE))?;
    let inner = Node::root(&value);
    let delivery = Delivery { id: root.opt_str("MessageId")?, time: opt_timestamp(root, "Timestamp")? };
    let event = match Shape::of(&inner) {
        Shape::ClassicAlarm => classic_alarm::parse(&inner, delivery),
        // SNS does not nest envelopes, so an inner `Type` is read as a broken EventBridge event.
        Shape::EventBridge | Shape::Sns => super::eventbridge(&inner),
    };
    let event = event.map_err(|rejection| rejection.within(MESSAGE))?;
    Ok(Event { delivered_via: Some(topic.to_owned()), ..event })
}

/// The outer document passed the depth check with `Message` as one string, so the payload gets its own.
fn payload(message: &str) -> Result<Value, Rejection> {
    limits::check_depth(message.as_bytes())?;
    super::json(message)
}

#[cfg(test)]
mod tests;

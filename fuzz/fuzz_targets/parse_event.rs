//! Any bytes the SQS queue may deliver, through `opspod::parse`: EventBridge events, SNS envelopes (with their
//! handshakes) and classic alarm notifications all enter here, so SNS has no target of its own.
//!
//! Properties, besides never panicking:
//! * an event survives the JSON round trip the store makes (`events.body` is the serialised `Event`) unchanged;
//! * `parse_event` agrees with `parse`: the same event, or a rejection for a handshake;
//! * a rejection's reason is one non-empty line, short and unable to ping anyone, as `Rejection`'s documentation
//!   and tests promise (it is logged and kept, and may reach chat), and the field it names is non-empty.

#![no_main]

use libfuzzer_sys::fuzz_target;
use opspod::domain::Event;
use opspod::parse::{self, Parsed, Rejection};

/// Paths of known fields, the accepted values and an 80-character quote fit with room to spare.
const MAX_REASON_CHARS: usize = 1000;

fuzz_target!(|data: &[u8]| {
    match parse::parse(data) {
        Ok(Parsed::Event(event)) => {
            check_event(&event);
            assert_eq!(parse::parse_event(data).as_ref(), Ok(&event), "parse_event disagrees with parse");
        }
        Ok(Parsed::Confirmation(confirmation)) => {
            assert!(!confirmation.to_string().is_empty());
            let refused = parse::parse_event(data).expect_err("parse_event must refuse an SNS handshake");
            check_rejection(&refused);
        }
        Err(rejection) => {
            check_rejection(&rejection);
            assert_eq!(parse::parse_event(data).as_ref(), Err(&rejection), "parse_event disagrees with parse");
        }
    }
});

fn check_event(event: &Event) {
    let json = serde_json::to_string(event).expect("an event serialises");
    let back: Event = serde_json::from_str(&json).unwrap_or_else(|error| panic!("{error}: {json}"));
    assert_eq!(&back, event, "the JSON round trip changed the event: {json}");
    // The keys the store deduplicates on are computed from every event.
    let _ = (event.dedupe_key(), event.incident_key(), event.occurred_at(), event.resource(), event.kind());
}

fn check_rejection(rejection: &Rejection) {
    let reason = rejection.to_string();
    assert!(!reason.trim().is_empty(), "empty reason for {rejection:?}");
    assert!(!reason.contains(['\n', '\r']), "the reason is not one line: {reason:?}");
    assert!(reason.chars().count() <= MAX_REASON_CHARS, "a reason of {} chars: {reason:?}", reason.chars().count());
    let lower = reason.to_lowercase();
    assert!(!lower.contains("@everyone") && !lower.contains("@here") && !reason.contains("<@"), "{reason:?}");
    if let Some(field) = rejection.field() {
        assert!(!field.is_empty(), "empty field for {rejection:?}");
    }
}

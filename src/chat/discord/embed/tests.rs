//! What opspod really sends Discord for a message, read back as the JSON serenity puts on the wire.

use serde_json::{Value, json};

use super::*;
use crate::chat::message::Link;

struct Targets;

impl MentionTargets for Targets {
    fn role(&self, handle: &str) -> Option<u64> {
        match handle {
            "@payments" => Some(111),
            "@oncall" => Some(333),
            _ => None,
        }
    }

    fn user(&self, handle: &str) -> Option<u64> {
        (handle == "@dana").then_some(444)
    }
}

fn message() -> Message {
    Message {
        tone: Tone::Firing,
        severity: Severity::Critical,
        title: "checkout-api · Errors ≥ 5 · us-east-1".into(),
        lines: vec!["37 Errors (threshold 5).".into(), "Owner @payments".into()],
        context: vec![],
        links: vec![Link { label: "Alarm".into(), url: "https://console.aws.amazon.com/x".into() }],
        mentions: vec!["@payments".into(), "@oncall".into()],
        incident_id: Some("inc-0123456789".into()),
        controls: vec![Control::Ack, Control::Silence, Control::Resolve],
        image: None,
        files: vec![],
    }
}

fn wire(value: impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap()
}

#[test]
fn a_post_pings_only_the_configured_roles_and_says_so_in_allowed_mentions() {
    let sent = wire(create(&message(), &Targets, "inc-0123456789|alarm|post"));
    assert_eq!(sent["content"], "<@&111> <@&333>");
    assert_eq!(sent["allowed_mentions"]["roles"], json!(["111", "333"]));
    assert_eq!(sent["allowed_mentions"]["users"], json!([]));
    let parse = sent["allowed_mentions"]["parse"].as_array().map(Vec::len).unwrap_or(0);
    assert_eq!(parse, 0, "nothing is parsed from text: {sent}");
    assert_eq!(sent["enforce_nonce"], true);
    assert_eq!(sent["nonce"].as_str().unwrap().len(), 24);
}

#[test]
fn the_embed_carries_the_colour_title_lines_and_incident_id() {
    let sent = wire(create(&message(), &Targets, "k"));
    let embed = &sent["embeds"][0];
    assert_eq!(embed["title"], "🔴 checkout-api · Errors ≥ 5 · us-east-1");
    assert_eq!(embed["description"], "37 Errors (threshold 5).\nOwner @payments");
    assert_eq!(embed["color"], 0xD92D20);
    assert_eq!(embed["footer"]["text"], "inc-0123456789");
}

#[test]
fn an_incident_message_offers_ack_resolve_a_silence_menu_and_its_links() {
    let sent = wire(create(&message(), &Targets, "k"));
    let rows = sent["components"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["components"][0]["custom_id"], "opspod:ack:inc-0123456789");
    assert_eq!(rows[0]["components"][1]["custom_id"], "opspod:resolve:inc-0123456789");
    assert_eq!(rows[1]["components"][0]["custom_id"], "opspod:silence:inc-0123456789");
    assert_eq!(rows[1]["components"][0]["options"].as_array().unwrap().len(), 4);
    assert_eq!(rows[2]["components"][0]["url"], "https://console.aws.amazon.com/x");
}

#[test]
fn an_edit_never_pings_and_a_resolved_incident_has_no_buttons() {
    let mut resolved = message();
    resolved.tone = Tone::Recovered;
    resolved.controls = vec![];
    let sent = wire(edit(&resolved));
    assert!(sent.get("content").is_none());
    assert_eq!(sent["allowed_mentions"]["roles"], json!([]));
    assert_eq!(sent["embeds"][0]["color"], 0x2F9E44);
    let rows = sent["components"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "only the link buttons remain");
}

#[test]
fn a_huge_message_is_cut_to_discords_limits_and_says_what_was_left_out() {
    let mut huge = message();
    huge.title = "x".repeat(400);
    huge.lines = (0..500).map(|n| format!("line {n} {}", "y".repeat(40))).collect();
    let sent = wire(create(&huge, &Targets, "k"));
    let embed = &sent["embeds"][0];
    let title = embed["title"].as_str().unwrap().chars().count();
    let description = embed["description"].as_str().unwrap();
    assert!(title <= limits::TITLE);
    assert!(description.chars().count() <= limits::DESCRIPTION);
    assert!(title + description.chars().count() <= limits::EMBED_TOTAL);
    assert!(description.contains("more lines"), "{description}");
}

#[test]
fn custom_ids_read_back_and_foreign_ones_are_ignored() {
    assert_eq!(parse_custom_id("opspod:ack:inc-0123456789"), Some((Control::Ack, "inc-0123456789")));
    assert_eq!(parse_custom_id("opspod:reboot:inc-1"), None);
    assert_eq!(parse_custom_id("other-bot:ack:inc-1"), None);
}

#[test]
fn the_same_idempotency_key_always_gives_the_same_short_nonce() {
    assert_eq!(nonce("a|b|post"), nonce("a|b|post"));
    assert_ne!(nonce("a|b|post"), nonce("a|b|edit"));
    assert!(nonce("x").len() <= 25);
}

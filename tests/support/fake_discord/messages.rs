//! Messages as Discord keeps them: created from a payload and files, edited in place, validated like Discord.
//!
//! Like Discord, a create with `nonce` and `"enforce_nonce": true` whose nonce matches a message the bot created
//! in the same channel within the last few minutes returns that message (200) instead of creating another: that
//! is what makes opspod's retry of a post after a crash (sent, but not yet marked sent) harmless.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::objects::{APPLICATION_ID, bot_user, timestamp};
use super::record::RecordedFile;
use super::rest::{Answer, invalid_form};
use super::state::{Shared, StoredMessage};

/// The flag of a deferred interaction reply that has not been edited yet.
pub const LOADING: u64 = 128;
/// Discord's limit on `content`, in characters.
const CONTENT_LIMIT: usize = 2000;

/// Who a message comes from: the bot through the channel API, or the application's interaction webhook.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Bot,
    Webhook,
}

/// How long an enforced nonce is remembered: Discord documents "the past few minutes" without a figure.
const NONCE_WINDOW: Duration = Duration::from_secs(5 * 60);

pub fn create(shared: &Shared, channel_id: u64, payload: &Value, files: &[RecordedFile], via: Via) -> Answer<Value> {
    validate(payload, files, true)?;
    let nonce = enforced_nonce(payload).filter(|_| via == Via::Bot);
    let (id, stored) = build(shared, channel_id, payload, files, via);
    // Looked up and remembered under one lock, so two racing creates with one nonce make one message.
    let mut inner = shared.lock();
    if let Some(nonce) = nonce {
        let earlier = inner.nonces.get(&(channel_id, nonce.clone())).filter(|(_, at)| at.elapsed() < NONCE_WINDOW);
        if let Some(existing) = earlier.and_then(|(earlier, _)| inner.messages.get(earlier)) {
            let object = existing.object.clone();
            inner.deduplicated_creates += 1;
            return Ok(object);
        }
        inner.nonces.insert((channel_id, nonce), (id, Instant::now()));
    }
    let object = stored.object.clone();
    inner.messages.insert(id, stored);
    Ok(object)
}

/// The nonce Discord checks: only when `enforce_nonce` is true; a number or a string, compared as text.
fn enforced_nonce(payload: &Value) -> Option<String> {
    (payload["enforce_nonce"] == json!(true)).then(|| id_of(&payload["nonce"])).flatten()
}

/// Stores a message without validating it (a deferred reply's placeholder is legitimately empty).
pub fn insert(shared: &Shared, channel_id: u64, payload: &Value, files: &[RecordedFile], via: Via) -> Value {
    let (id, stored) = build(shared, channel_id, payload, files, via);
    let object = stored.object.clone();
    shared.lock().messages.insert(id, stored);
    object
}

/// A new message and its id, not stored yet.
fn build(shared: &Shared, channel_id: u64, payload: &Value, files: &[RecordedFile], via: Via) -> (u64, StoredMessage) {
    let id = shared.next_id();
    let mut object = json!({
        "id": id.to_string(), "channel_id": channel_id.to_string(), "author": bot_user(),
        "content": payload["content"].as_str().unwrap_or_default(), "timestamp": timestamp(),
        "edited_timestamp": null, "tts": payload["tts"].as_bool().unwrap_or(false), "mention_everyone": false,
        "mentions": [], "mention_roles": [], "mention_channels": [],
        "attachments": new_attachments(shared, channel_id, payload, files),
        "embeds": embeds(payload), "components": payload.get("components").cloned().unwrap_or(json!([])),
        "reactions": [], "pinned": false, "type": 0, "flags": payload["flags"].as_u64().unwrap_or(0),
        "nonce": payload.get("nonce").cloned().unwrap_or(Value::Null),
        "message_reference": payload.get("message_reference").cloned().unwrap_or(Value::Null),
    });
    if via == Via::Webhook {
        object["webhook_id"] = json!(APPLICATION_ID.to_string());
        object["application_id"] = json!(APPLICATION_ID.to_string());
    }
    let stored = StoredMessage {
        object,
        allowed_mentions: payload.get("allowed_mentions").cloned(),
        edit_count: 0,
        thread_id: None,
    };
    (id, stored)
}

impl super::FakeDiscord {
    /// How many message creates were answered with an earlier message because their enforced nonce matched it.
    pub fn deduplicated_creates(&self) -> usize {
        self.shared.lock().deduplicated_creates
    }
}

/// Applies a `PATCH`: fields present replace the old ones; `attachments`, when present, lists what to keep.
pub fn edit(shared: &Shared, stored: &mut StoredMessage, payload: &Value, files: &[RecordedFile]) -> Answer<Value> {
    validate(payload, files, false)?;
    let channel_id = stored.channel_id();
    let object = &mut stored.object;
    // `null` clears a field, as Discord documents for edits.
    for (key, cleared) in [("content", json!("")), ("components", json!([])), ("flags", json!(0))] {
        if let Some(value) = payload.get(key) {
            object[key] = if value.is_null() { cleared } else { value.clone() };
        }
    }
    if payload.get("embeds").is_some() {
        object["embeds"] = json!(embeds(payload));
    }
    let added = new_attachments(shared, channel_id, payload, files);
    let mut attachments: Vec<Value> = match payload.get("attachments").and_then(Value::as_array) {
        Some(keep) => {
            let kept: Vec<String> =
                keep.iter().filter(|a| a.get("filename").is_none()).filter_map(|a| id_of(&a["id"])).collect();
            let old = object["attachments"].as_array().cloned().unwrap_or_default();
            old.into_iter().filter(|a| a["id"].as_str().is_some_and(|id| kept.iter().any(|k| k == id))).collect()
        }
        None => object["attachments"].as_array().cloned().unwrap_or_default(),
    };
    attachments.extend(added);
    object["attachments"] = json!(attachments);
    if payload.get("allowed_mentions").is_some() {
        stored.allowed_mentions = payload.get("allowed_mentions").cloned();
    }
    // Editing a deferred reply replaces Discord's "is thinking…" (flag 128, LOADING) with the answer.
    let flags = stored.object["flags"].as_u64().unwrap_or(0);
    stored.object["flags"] = json!(flags & !LOADING);
    stored.object["edited_timestamp"] = json!(timestamp());
    stored.edit_count += 1;
    Ok(stored.object.clone())
}

/// Discord's answers to payloads it refuses: an empty message, or content over the limit.
fn validate(payload: &Value, files: &[RecordedFile], creating: bool) -> Answer<()> {
    let blank = |key: &str| payload.get(key).is_none_or(|v| v.is_null() || v == "" || v == &json!([]));
    if creating
        && blank("content")
        && blank("embeds")
        && blank("components")
        && blank("sticker_ids")
        && files.is_empty()
    {
        return Err(super::rest::error(400, "Cannot send an empty message", 50006));
    }
    if payload["content"].as_str().is_some_and(|c| c.chars().count() > CONTENT_LIMIT) {
        return Err(invalid_form("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length."));
    }
    let rows = payload["components"].as_array().map(Vec::as_slice).unwrap_or_default();
    if rows.len() > 5 || rows.iter().any(|row| row["type"] != 1) {
        return Err(invalid_form("components", "BASE_TYPE_BAD_LENGTH", "Must be 5 or fewer action rows."));
    }
    Ok(())
}

/// Embeds come back with `type: rich` filled in, as Discord does.
fn embeds(payload: &Value) -> Vec<Value> {
    let mut embeds = payload["embeds"].as_array().cloned().unwrap_or_default();
    for embed in &mut embeds {
        if embed.get("type").is_none() {
            embed["type"] = json!("rich");
        }
    }
    embeds
}

/// Attachment objects for the uploaded files, matched to `attachments[].id` placeholders for descriptions.
fn new_attachments(shared: &Shared, channel_id: u64, payload: &Value, files: &[RecordedFile]) -> Vec<Value> {
    let declared = payload["attachments"].as_array().cloned().unwrap_or_default();
    files
        .iter()
        .map(|file| {
            let placeholder = file.field.trim_start_matches("files[").trim_end_matches(']');
            let described = declared.iter().find(|a| id_of(&a["id"]).as_deref() == Some(placeholder));
            let id = shared.next_id();
            let url = format!("https://cdn.discordapp.com/attachments/{channel_id}/{id}/{}", file.filename);
            json!({
                "id": id.to_string(), "filename": file.filename, "size": file.size, "url": url,
                "proxy_url": url.replace("cdn.discordapp.com", "media.discordapp.net"),
                "content_type": file.content_type, "height": null, "width": null,
                "description": described.and_then(|a| a.get("description").cloned()).unwrap_or(Value::Null),
            })
        })
        .collect()
}

/// An id as a string, whether serenity sent it as a number (placeholders) or a string (snowflakes).
fn id_of(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned).or_else(|| value.as_u64().map(|n| n.to_string()))
}

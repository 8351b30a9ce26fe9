//! The Discord sink: posts, edits and thread lines through serenity's HTTP client, paced under Discord's
//! limits, with Discord's answers sorted into "try again later" and "this will never work".

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use serenity::all::{ChannelId, CreateThread, MessageId};
use serenity::http::{Http, HttpError};

use super::embed::{self, MentionTargets};
use super::pacing::Pacer;
use crate::chat::message::{Message, Note};
use crate::ports::{ChatSink, SinkError};

/// Discord's JSON error codes that opspod reacts to.
const UNKNOWN_CHANNEL: isize = 10003;
const THREAD_ALREADY_EXISTS: isize = 160004;

/// Channel names and mention handles, resolved to Discord ids from config.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    pub channels: BTreeMap<String, u64>,
    pub roles: BTreeMap<String, u64>,
    pub users: BTreeMap<String, u64>,
}

impl MentionTargets for Directory {
    fn role(&self, handle: &str) -> Option<u64> {
        self.roles.get(handle.trim_start_matches('@')).copied()
    }

    fn user(&self, handle: &str) -> Option<u64> {
        self.users.get(handle.trim_start_matches('@')).copied()
    }
}

pub struct DiscordSink {
    http: Arc<Http>,
    directory: Directory,
    pacer: Pacer,
}

impl DiscordSink {
    pub fn new(http: Arc<Http>, directory: Directory, pacer: Pacer) -> Self {
        DiscordSink { http, directory, pacer }
    }

    fn channel(&self, name: &str) -> Result<ChannelId, SinkError> {
        self.directory
            .channels
            .get(name)
            .map(|id| ChannelId::new(*id))
            .ok_or_else(|| SinkError::Permanent(format!("channel `{name}` has no discord_id in config")))
    }

    /// The incident's thread: Discord gives a thread started from a message the message's own id, so the
    /// thread is found again after a restart without storing anything; it is started on first use.
    async fn thread(&self, channel: ChannelId, message: MessageId, name: &str) -> Result<ChannelId, SinkError> {
        let start = CreateThread::new(embed::thread_name(if name.is_empty() { "Incident timeline" } else { name }));
        self.pacer.wait(channel.get()).await;
        match channel.create_thread_from_message(&self.http, message, start).await {
            Ok(thread) => Ok(thread.id),
            Err(error) if discord_code(&error) == Some(THREAD_ALREADY_EXISTS) => Ok(ChannelId::new(message.get())),
            Err(error) => Err(classify(error)),
        }
    }
}

fn message_id(message_ref: &str) -> Result<MessageId, SinkError> {
    message_ref
        .parse::<u64>()
        .ok()
        .filter(|id| *id != 0)
        .map(MessageId::new)
        .ok_or_else(|| SinkError::Permanent(format!("`{message_ref}` is not a Discord message id")))
}

#[async_trait]
impl ChatSink for DiscordSink {
    async fn post(&self, channel: &str, message: &Message, idempotency_key: &str) -> Result<String, SinkError> {
        let channel = self.channel(channel)?;
        self.pacer.wait(channel.get()).await;
        let create = embed::create(message, &self.directory, idempotency_key);
        let sent = channel.send_message(&self.http, create).await.map_err(classify)?;
        Ok(sent.id.to_string())
    }

    async fn edit(&self, channel: &str, message_ref: &str, message: &Message) -> Result<(), SinkError> {
        let channel = self.channel(channel)?;
        let id = message_id(message_ref)?;
        self.pacer.wait(channel.get()).await;
        channel.edit_message(&self.http, id, embed::edit(message)).await.map(drop).map_err(classify)
    }

    async fn note(
        &self,
        channel: &str,
        message_ref: &str,
        note: &Note,
        idempotency_key: &str,
    ) -> Result<(), SinkError> {
        let channel = self.channel(channel)?;
        let id = message_id(message_ref)?;
        let existing = ChannelId::new(id.get());
        self.pacer.wait(existing.get()).await;
        match existing.send_message(&self.http, embed::note(note, &self.directory, idempotency_key)).await {
            Ok(_) => Ok(()),
            Err(error) if discord_code(&error) == Some(UNKNOWN_CHANNEL) => {
                let thread = self.thread(channel, id, &note.thread).await?;
                self.pacer.wait(thread.get()).await;
                thread
                    .send_message(&self.http, embed::note(note, &self.directory, idempotency_key))
                    .await
                    .map(drop)
                    .map_err(classify)
            }
            Err(error) => Err(classify(error)),
        }
    }

    fn rate_window(&self) -> std::time::Duration {
        super::pacing::PER_CHANNEL.window
    }
}

fn discord_code(error: &serenity::Error) -> Option<isize> {
    match error {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => Some(response.error.code),
        _ => None,
    }
}

/// Sorts serenity's errors: rate limits, Discord's 5xx and connection failures are worth retrying; any other
/// answer (a missing permission, an unknown channel, a malformed request) will fail the same way again.
pub fn classify(error: serenity::Error) -> SinkError {
    match &error {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => {
            let status = response.status_code.as_u16();
            let reason = format!("Discord answered {status} ({}: {})", response.error.code, response.error.message);
            if status == 429 || status >= 500 {
                SinkError::Transient { reason, retry_after: None }
            } else {
                SinkError::Permanent(reason)
            }
        }
        serenity::Error::Http(HttpError::Request(request)) => {
            SinkError::Transient { reason: format!("cannot reach Discord: {request}"), retry_after: None }
        }
        serenity::Error::Io(io) => {
            SinkError::Transient { reason: format!("cannot reach Discord: {io}"), retry_after: None }
        }
        other => SinkError::Permanent(format!("Discord request failed: {other}")),
    }
}

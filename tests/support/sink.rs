//! A chat sink that records what it is asked to deliver and can be told to be down or to refuse a channel.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use async_trait::async_trait;
use opspod::chat::message::{Message, Note};
use opspod::ports::{ChatSink, SinkError};

#[derive(Default)]
pub struct RecordingSink {
    pub log: Mutex<Vec<String>>,
    pub down: AtomicBool,
    pub refused_channel: Mutex<Option<String>>,
    next: AtomicU64,
}

impl RecordingSink {
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    fn check(&self, channel: &str) -> Result<(), SinkError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(SinkError::Transient { reason: "connection refused".into(), retry_after: None });
        }
        if self.refused_channel.lock().unwrap().as_deref() == Some(channel) {
            return Err(SinkError::Permanent("Missing Access".into()));
        }
        Ok(())
    }
}

#[async_trait]
impl ChatSink for RecordingSink {
    async fn post(&self, channel: &str, message: &Message, _idempotency_key: &str) -> Result<String, SinkError> {
        self.check(channel)?;
        let message_ref = format!("m{}", self.next.fetch_add(1, Ordering::SeqCst) + 1);
        self.log.lock().unwrap().push(format!("post {message_ref} #{channel} {}", message.title));
        Ok(message_ref)
    }

    async fn edit(&self, channel: &str, message_ref: &str, message: &Message) -> Result<(), SinkError> {
        self.check(channel)?;
        self.log.lock().unwrap().push(format!("edit {message_ref} #{channel} {}", message.title));
        Ok(())
    }

    async fn note(&self, channel: &str, message_ref: &str, note: &Note, _key: &str) -> Result<(), SinkError> {
        self.check(channel)?;
        let pings = if note.mentions.is_empty() { String::new() } else { format!(" → {}", note.mentions.join(" ")) };
        self.log.lock().unwrap().push(format!("note {message_ref} #{channel} {}{pings}", note.text));
        Ok(())
    }
}

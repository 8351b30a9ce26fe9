//! The console sink: prints the channel transcript, the way a person reads the channel.

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;

use super::message::{Message, Note};
use crate::ports::{ChatSink, SinkError};

/// Writes every post, edit and thread note to a writer (stdout by default).
pub struct ConsoleSink {
    out: Mutex<Box<dyn Write + Send>>,
    next_ref: AtomicU64,
}

impl ConsoleSink {
    pub fn stdout() -> Self {
        ConsoleSink::new(Box::new(std::io::stdout()))
    }

    pub fn new(out: Box<dyn Write + Send>) -> Self {
        ConsoleSink { out: Mutex::new(out), next_ref: AtomicU64::new(1) }
    }

    fn write(&self, text: &str) -> Result<(), SinkError> {
        let mut out = self.out.lock().map_err(|_| SinkError::Permanent("console writer poisoned".into()))?;
        writeln!(out, "{text}").and_then(|()| out.flush()).map_err(|error| SinkError::Transient {
            reason: format!("cannot write to the console: {error}"),
            retry_after: None,
        })
    }
}

/// The message body, indented under its header, with the mentions that notify.
fn indented(message: &Message) -> String {
    let mut text: String = message.to_text().lines().map(|line| format!("  {line}\n")).collect();
    for file in message.image.iter().chain(&message.files) {
        text.push_str(&format!("  📎 {} ({} bytes): {}\n", file.name, file.png.len(), file.description));
    }
    if !message.mentions.is_empty() {
        text.push_str(&format!("  ↳ notifies {}\n", message.mentions.join(" ")));
    }
    text
}

#[async_trait]
impl ChatSink for ConsoleSink {
    async fn post(&self, channel: &str, message: &Message, _idempotency_key: &str) -> Result<String, SinkError> {
        let message_ref = format!("m{}", self.next_ref.fetch_add(1, Ordering::Relaxed));
        self.write(&format!("#{channel} · new message {message_ref}\n{}", indented(message)))?;
        Ok(message_ref)
    }

    async fn edit(&self, channel: &str, message_ref: &str, message: &Message) -> Result<(), SinkError> {
        self.write(&format!("#{channel} · {message_ref} edited\n{}", indented(message)))
    }

    async fn note(&self, channel: &str, message_ref: &str, note: &Note, _key: &str) -> Result<(), SinkError> {
        let notifies = if note.mentions.is_empty() {
            String::new()
        } else {
            format!("  ↳ notifies {}\n", note.mentions.join(" "))
        };
        self.write(&format!("#{channel} · {message_ref} thread: {}\n{notifies}", note.text))
    }
}

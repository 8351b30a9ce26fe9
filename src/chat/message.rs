//! The platform-neutral message model that the outbox stores and every sink renders.

use serde::{Deserialize, Serialize};

use crate::domain::routing::Severity;

/// The look of a message, from which sinks pick an emoji and a colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    /// Something is broken now.
    Firing,
    /// AWS reports a problem or a change.
    Notice,
    /// Nobody knows yet (INSUFFICIENT_DATA).
    Unknown,
    /// It is over.
    Recovered,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub label: String,
    pub url: String,
}

/// A chat message: a title line, body lines, links, and the configured mentions that may notify.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub tone: Tone,
    pub severity: Severity,
    pub title: String,
    pub lines: Vec<String>,
    /// What enrichment found (or "Gathering context…" until it has), shown after the lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<String>,
    pub links: Vec<Link>,
    /// Configured mention handles (`@payments`) that notify when this message is posted. Edits never notify.
    pub mentions: Vec<String>,
    pub incident_id: Option<String>,
    /// What people can do to the incident from the message (buttons on Discord).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<Control>,
    /// A picture shown inside the message: the metric chart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    /// Further files attached below the message: more charts, the digest's full Markdown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<Image>,
}

/// A file attached to a message (a PNG chart, a Markdown report), kept base64-encoded in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    /// The attachment's file name: `chart.png`, `digest-payments.md`.
    pub name: String,
    /// What the file shows, for the console and for screen readers.
    pub description: String,
    #[serde(with = "base64_bytes")]
    pub png: Vec<u8>,
}

mod base64_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&aws_smithy_types::base64::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        aws_smithy_types::base64::decode(text).map_err(serde::de::Error::custom)
    }
}

/// An action on an incident that its message offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Control {
    Ack,
    Silence,
    Resolve,
    /// Draft a bug report from the function's top error; offered on Lambda incidents.
    BugReport,
}

impl Control {
    pub fn as_str(self) -> &'static str {
        match self {
            Control::Ack => "ack",
            Control::Silence => "silence",
            Control::Resolve => "resolve",
            Control::BugReport => "bugreport",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "ack" => Control::Ack,
            "silence" => Control::Silence,
            "resolve" => Control::Resolve,
            "bugreport" => Control::BugReport,
            _ => return None,
        })
    }
}

/// A line in an incident's thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub text: String,
    /// The thread's name, used when the note is the first and the thread has to be started.
    #[serde(default)]
    pub thread: String,
    /// Configured handles this line notifies: only escalation re-pings carry any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<String>,
}

impl Tone {
    pub fn emoji(self, severity: Severity) -> &'static str {
        match (self, severity) {
            (Tone::Firing, Severity::Critical | Severity::Warning) => "🔴",
            (Tone::Firing, Severity::Info) => "🔵",
            (Tone::Notice, Severity::Critical) => "🔴",
            (Tone::Notice, Severity::Warning) => "🟠",
            (Tone::Notice, Severity::Info) => "🔵",
            (Tone::Unknown, _) => "⚪",
            (Tone::Recovered, _) => "✅",
        }
    }
}

impl Message {
    /// The lines, then the context.
    pub fn body(&self) -> impl Iterator<Item = &String> {
        self.lines.iter().chain(&self.context)
    }

    /// The whole message as plain text, as the console shows it and `replay` reports it.
    pub fn to_text(&self) -> String {
        let mut text = format!("{} {}", self.tone.emoji(self.severity), self.title);
        for line in self.body() {
            text.push('\n');
            text.push_str(line);
        }
        if !self.links.is_empty() {
            let links: Vec<String> = self.links.iter().map(|link| format!("[{}] {}", link.label, link.url)).collect();
            text.push('\n');
            text.push_str(&links.join("\n"));
        }
        if let Some(image) = &self.image {
            text.push_str(&format!("\n[{}: {}, {} KB]", image.name, image.description, image.png.len().div_ceil(1024)));
        }
        text
    }
}

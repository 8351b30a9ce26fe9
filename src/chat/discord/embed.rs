//! Turns the platform-neutral [`Message`] into Discord's shape: an embed with the severity's colour, buttons
//! for the incident, link buttons, and mentions that only ever reach the configured roles and users.

use serenity::all::{
    ButtonStyle, CreateActionRow, CreateAllowedMentions, CreateAttachment, CreateButton, CreateEmbed, CreateMessage,
    CreateSelectMenu, CreateSelectMenuKind, CreateSelectMenuOption, EditAttachments, EditMessage, Nonce, RoleId,
    UserId,
};
use sha2::{Digest, Sha256};

use crate::chat::message::{Control, Image, Message, Note, Tone};
use crate::domain::routing::Severity;
use crate::domain::text::{SafeText, truncate};

/// Discord's limits, from its API documentation.
pub mod limits {
    pub const CONTENT: usize = 2000;
    pub const TITLE: usize = 256;
    pub const DESCRIPTION: usize = 4096;
    pub const EMBED_TOTAL: usize = 6000;
    pub const BUTTON_LABEL: usize = 80;
    pub const URL: usize = 512;
    pub const BUTTONS_PER_ROW: usize = 5;
}

/// Silence durations offered on an incident message: (value, label).
pub const SILENCE_CHOICES: [(&str, &str); 4] =
    [("30m", "30 minutes"), ("1h", "1 hour"), ("4h", "4 hours"), ("24h", "24 hours")];

/// Where the configured mention handles point on Discord.
pub trait MentionTargets {
    fn role(&self, handle: &str) -> Option<u64>;
    fn user(&self, handle: &str) -> Option<u64>;
}

/// The mentions a message may make: the markup to put in `content`, and the ids `allowed_mentions` admits.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Mentions {
    pub content: String,
    pub roles: Vec<u64>,
    pub users: Vec<u64>,
}

impl Mentions {
    pub fn resolve(handles: &[String], targets: &dyn MentionTargets) -> Self {
        let mut mentions = Mentions::default();
        for handle in handles {
            if let Some(role) = targets.role(handle) {
                mentions.roles.push(role);
                mentions.content.push_str(&format!("<@&{role}> "));
            } else if let Some(user) = targets.user(handle) {
                mentions.users.push(user);
                mentions.content.push_str(&format!("<@{user}> "));
            }
        }
        mentions.content = mentions.content.trim_end().to_owned();
        mentions
    }

    /// Exactly these roles and users, never `@everyone`/`@here`, never a reply ping.
    fn allowed(&self) -> CreateAllowedMentions {
        CreateAllowedMentions::new()
            .everyone(false)
            .replied_user(false)
            .roles(self.roles.iter().copied().map(RoleId::new))
            .users(self.users.iter().copied().map(UserId::new))
    }
}

/// A new post, deduplicated by Discord through `nonce` + `enforce_nonce` if opspod retries after a crash.
pub fn create(message: &Message, targets: &dyn MentionTargets, idempotency_key: &str) -> CreateMessage {
    let mentions = Mentions::resolve(&message.mentions, targets);
    let mut create = CreateMessage::new()
        .embed(embed(message))
        .components(components(message))
        .allowed_mentions(mentions.allowed())
        .nonce(Nonce::String(nonce(idempotency_key)))
        .enforce_nonce(true);
    if !mentions.content.is_empty() {
        create = create.content(truncate(&mentions.content, limits::CONTENT));
    }
    if let Some(image) = &message.image {
        create = create.add_file(attachment(image));
    }
    for file in &message.files {
        create = create.add_file(attachment(file));
    }
    create
}

fn attachment(image: &Image) -> CreateAttachment {
    CreateAttachment::bytes(image.png.clone(), image.name.clone()).description(truncate(&image.description, 1024))
}

/// A new version of a posted message; edits never notify, so no mention is allowed.
///
/// The chart, when there is one, replaces whatever was attached before, so the message keeps a single picture.
pub fn edit(message: &Message) -> EditMessage {
    let edit = EditMessage::new()
        .embed(embed(message))
        .components(components(message))
        .allowed_mentions(CreateAllowedMentions::new().everyone(false).empty_roles().empty_users());
    match &message.image {
        Some(image) => edit.attachments(EditAttachments::new().add(attachment(image))),
        None => edit,
    }
}

/// A line in the incident's thread, which pings only the configured handles it carries (an escalation), and is
/// deduplicated like a post (`nonce` + `enforce_nonce`) when a crash makes opspod send it again.
pub fn note(note: &Note, targets: &dyn MentionTargets, idempotency_key: &str) -> CreateMessage {
    let mentions = Mentions::resolve(&note.mentions, targets);
    let content =
        if mentions.content.is_empty() { note.text.clone() } else { format!("{} {}", mentions.content, note.text) };
    CreateMessage::new()
        .content(truncate(&content, limits::CONTENT))
        .allowed_mentions(mentions.allowed())
        .nonce(Nonce::String(nonce(idempotency_key)))
        .enforce_nonce(true)
}

/// The thread's name: the incident's title, within Discord's 100 characters.
pub fn thread_name(message_title: &str) -> String {
    truncate(message_title, 100)
}

fn embed(message: &Message) -> CreateEmbed {
    // A title never mentions anyone on purpose, and some are built from fields a forged event can fill (a storm's
    // namespace, region and account), so it is neutralised here whatever built it.
    let title = SafeText::from_untrusted(&message.title);
    let title = truncate(&format!("{} {title}", message.tone.emoji(message.severity)), limits::TITLE);
    let room = limits::EMBED_TOTAL.saturating_sub(title.chars().count() + 64);
    let mut embed = CreateEmbed::new()
        .title(title)
        .description(description(&message.body().cloned().collect::<Vec<_>>(), room.min(limits::DESCRIPTION)))
        .colour(colour(message.tone, message.severity));
    if let Some(image) = &message.image {
        embed = embed.image(format!("attachment://{}", image.name));
    }
    if let Some(incident) = &message.incident_id {
        embed = embed.footer(serenity::all::CreateEmbedFooter::new(incident));
    }
    embed
}

/// The lines, cut at a line boundary to fit `max` characters, saying how many were left out.
fn description(lines: &[String], max: usize) -> String {
    let mut text = String::new();
    for (index, line) in lines.iter().enumerate() {
        let left = lines.len() - index;
        let tail = format!("\n… {left} more line{}", if left == 1 { "" } else { "s" });
        let needed = text.chars().count() + line.chars().count() + 1;
        if needed + tail.chars().count() > max {
            text.push_str(&tail);
            return truncate(text.trim_start(), max);
        }
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(line);
    }
    truncate(&text, max)
}

pub fn colour(tone: Tone, severity: Severity) -> u32 {
    match (tone, severity) {
        (Tone::Recovered, _) => 0x2F9E44,
        (Tone::Unknown, _) => 0x868E96,
        (Tone::Firing | Tone::Notice, Severity::Critical) => 0xD92D20,
        (Tone::Firing, Severity::Warning) => 0xE8590C,
        (Tone::Notice, Severity::Warning) => 0xF59F00,
        (_, Severity::Info) => 0x1C7ED6,
    }
}

fn components(message: &Message) -> Vec<CreateActionRow> {
    let mut rows = Vec::new();
    let incident = message.incident_id.as_deref().unwrap_or_default();
    let buttons: Vec<CreateButton> = message
        .controls
        .iter()
        .filter_map(|control| match control {
            Control::Ack => {
                Some(CreateButton::new(custom_id(Control::Ack, incident)).label("Ack").style(ButtonStyle::Primary))
            }
            Control::Resolve => Some(
                CreateButton::new(custom_id(Control::Resolve, incident)).label("Resolve").style(ButtonStyle::Success),
            ),
            Control::BugReport => Some(
                CreateButton::new(custom_id(Control::BugReport, incident))
                    .label("Draft bug report")
                    .style(ButtonStyle::Secondary),
            ),
            Control::Silence => None,
        })
        .collect();
    if !buttons.is_empty() {
        rows.push(CreateActionRow::Buttons(buttons));
    }
    if message.controls.contains(&Control::Silence) {
        let options =
            SILENCE_CHOICES.iter().map(|(value, label)| CreateSelectMenuOption::new(*label, *value)).collect();
        let menu =
            CreateSelectMenu::new(custom_id(Control::Silence, incident), CreateSelectMenuKind::String { options })
                .placeholder("Silence for…");
        rows.push(CreateActionRow::SelectMenu(menu));
    }
    let links: Vec<CreateButton> = message
        .links
        .iter()
        .filter(|link| link.url.len() <= limits::URL && link.url.starts_with("http"))
        .take(limits::BUTTONS_PER_ROW)
        .map(|link| CreateButton::new_link(&link.url).label(truncate(&link.label, limits::BUTTON_LABEL)))
        .collect();
    if !links.is_empty() {
        rows.push(CreateActionRow::Buttons(links));
    }
    rows
}

/// `opspod:ack:inc-3f9a1c07d2`: what a button press names.
pub fn custom_id(control: Control, incident: &str) -> String {
    format!("opspod:{}:{incident}", control.as_str())
}

/// Reads a button's or menu's `custom_id` back.
pub fn parse_custom_id(raw: &str) -> Option<(Control, &str)> {
    let (control, incident) = raw.strip_prefix("opspod:")?.split_once(':')?;
    Some((Control::parse(control)?, incident)).filter(|(_, incident)| incident.starts_with("inc-"))
}

/// Discord keeps nonces up to 25 characters; a hash of the idempotency key fits and is stable across restarts.
pub fn nonce(idempotency_key: &str) -> String {
    let digest = Sha256::digest(idempotency_key.as_bytes());
    digest.iter().take(12).map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests;

//! People acting on incidents from chat (Ack, Silence, Resolve): checked against the incident's state,
//! recorded on its timeline, and shown by editing its message through the outbox.

use chrono::{DateTime, Utc};

use crate::chat::message::{Message, Note};
use crate::chat::render::intervened;
use crate::domain::incident::IncidentStatus;
use crate::domain::lifecycle::{Intervention, Outcome, intervene};
use crate::domain::oncall::Rotation;
use crate::store::{IncidentView, InterventionWrite, Store, StoreError};
use opspod_commands::oncall;
use opspod_commands::silence::{Shown, SilenceAsk, render_added, render_list};

/// Who acted: a stable id for the timeline and how to show them in chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// `discord:123456`.
    pub id: String,
    /// `<@123456>` on Discord.
    pub display: String,
}

/// What to tell the person who acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Done(String),
    Refused(String),
}

impl Reply {
    pub fn text(&self) -> &str {
        match self {
            Reply::Done(text) | Reply::Refused(text) => text,
        }
    }
}

/// Attempts before giving up when other presses keep changing the incident under us.
const ATTEMPTS: usize = 3;

/// Applies `intervention` to the incident, exactly once however often it is pressed.
pub async fn apply(
    store: &Store,
    incident_id: &str,
    intervention: Intervention,
    actor: &Actor,
    via: &str,
    now: DateTime<Utc>,
) -> Result<Reply, StoreError> {
    for _ in 0..ATTEMPTS {
        let Some(incident) = store.incident(incident_id).await? else {
            return Ok(Reply::Refused(format!("There is no incident {incident_id}.")));
        };
        let status = match intervene(incident.status, intervention) {
            Outcome::AlreadyResolved => {
                return Ok(Reply::Refused(format!("{} is already resolved.", incident.title)));
            }
            Outcome::AlreadyDone => return Ok(Reply::Done(already_done(&incident))),
            Outcome::Becomes(status) => status,
        };
        let write = write(&incident, status, intervention, actor, via, now);
        if store.record_intervention(incident.status, &write).await? {
            let members = apply_to_members(store, &incident, intervention, actor, via, now).await?;
            let also = match members {
                0 => String::new(),
                n => format!(" and the {n} other alarms of its storm"),
            };
            return Ok(Reply::Done(format!("You {} {}{also}.", intervention.past_tense(), incident.title)));
        }
    }
    Ok(Reply::Refused("The incident kept changing while you pressed; try again.".into()))
}

/// A storm message's buttons act on every alarm it shows: the members of the group `lead` leads, whose own
/// messages were never posted (so nothing of theirs is edited). Returns how many changed.
async fn apply_to_members(
    store: &Store,
    lead: &IncidentView,
    intervention: Intervention,
    actor: &Actor,
    via: &str,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut changed = 0;
    for member in store.group_members_of(&lead.id).await? {
        let Outcome::Becomes(status) = intervene(member.status, intervention) else { continue };
        let mut write = write(&member, status, intervention, actor, via, now);
        (write.edit, write.note, write.silence) = (None, None, None);
        write.timeline_note = format!("{} (from the storm message of {})", write.timeline_note, lead.id);
        if store.record_intervention(member.status, &write).await? {
            changed += 1;
        }
    }
    Ok(changed)
}

fn already_done(incident: &IncidentView) -> String {
    match (&incident.acked_by, incident.acked_at, incident.status) {
        (Some(by), Some(at), IncidentStatus::Acknowledged) => {
            format!("Already acknowledged by {} at {} UTC.", display_actor(by), at.format("%H:%M"))
        }
        _ => format!("{} is already {}.", incident.title, incident.status.as_str()),
    }
}

/// `discord:123` → `<@123>`, so Discord shows the member's name.
fn display_actor(actor: &str) -> String {
    match actor.strip_prefix("discord:") {
        Some(id) => format!("<@{id}>"),
        None => actor.to_owned(),
    }
}

fn write(
    incident: &IncidentView,
    status: IncidentStatus,
    intervention: Intervention,
    actor: &Actor,
    via: &str,
    now: DateTime<Utc>,
) -> InterventionWrite {
    let line = line(intervention, actor, now);
    let stored: Option<Message> = incident.message.as_deref().and_then(|json| serde_json::from_str(json).ok());
    let edit = stored.filter(|_| incident.posted).map(|message| intervened(message, intervention, &line));
    let note = edit.as_ref().map(|_| Note {
        text: format!("{} {line}", now.format("%H:%M")),
        thread: incident.title.clone(),
        mentions: vec![],
    });
    InterventionWrite {
        incident_id: incident.id.clone(),
        channel: incident.channel.clone(),
        status,
        actor: actor.id.clone(),
        via: via.to_owned(),
        at: now,
        timeline_kind: intervention.timeline_kind().to_owned(),
        timeline_note: line.clone(),
        edit: edit.map(|message| serde_json::to_string(&message).expect("messages serialise")),
        note: note.map(|note| serde_json::to_string(&note).expect("notes serialise")),
        silence: silence_for(incident, intervention, now),
    }
}

/// "Acknowledged by <@123>", "Silenced by <@123> until 15:10 UTC".
fn line(intervention: Intervention, actor: &Actor, now: DateTime<Utc>) -> String {
    match intervention {
        Intervention::Silence(duration) => {
            let until = now + chrono::Duration::from_std(duration).unwrap_or_default();
            format!("Silenced by {} until {} UTC", actor.display, until.format("%H:%M on %Y-%m-%d"))
        }
        _ => format!("{} by {}", capitalised(intervention.past_tense()), actor.display),
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// A silence covering what the incident is about: its alarm, or its Health event type.
fn silence_for(
    incident: &IncidentView,
    intervention: Intervention,
    now: DateTime<Utc>,
) -> Option<(String, String, DateTime<Utc>)> {
    let Intervention::Silence(duration) = intervention else { return None };
    let until = now + chrono::Duration::from_std(duration).ok()?;
    let (kind, arn) = incident.key.split_once('|')?;
    let (target, name) = match kind {
        "alarm" => ("alarm", arn.rsplit_once(":alarm:")?.1),
        "health" => ("health_type", arn.split('/').nth(2)?),
        _ => return None,
    };
    Some((target.to_owned(), glob_literal(name), until))
}

/// A glob that matches exactly `name`, even when it holds `*`, `?`, `[`, `]` or `{`.
fn glob_literal(name: &str) -> String {
    name.chars()
        .map(|c| if matches!(c, '*' | '?' | '[' | ']' | '{' | '}') { format!("[{c}]") } else { c.to_string() })
        .collect()
}

/// `/silence`: lists the silences in force or scheduled, adds one (now, or over a window that starts later), or
/// ends one early. Adding and removing are recorded with who did it; the caller checks that they may.
pub async fn silence(store: &Store, ask: &SilenceAsk, actor: &Actor, now: DateTime<Utc>) -> Result<Reply, StoreError> {
    match ask {
        SilenceAsk::List => Ok(Reply::Done(render_list(&shown_silences(store, now).await?))),
        SilenceAsk::Add { target, pattern, window } => {
            let window = match window.resolve(now) {
                Ok(window) => window,
                Err(error) => return Ok(Reply::Refused(error.0)),
            };
            let reason = format!("silenced with /silence by {}", actor.display);
            store.add_silence(target.as_str(), pattern, window.clone(), &reason, &actor.id, now).await?;
            Ok(Reply::Done(render_added(*target, pattern, &window, now)))
        }
        SilenceAsk::Remove { id } => Ok(if store.remove_silence(*id, now).await? {
            Reply::Done(format!("Silence #{id} ended by {}.", actor.display))
        } else {
            Reply::Refused(format!("There is no silence #{id} in force or scheduled."))
        }),
    }
}

async fn shown_silences(store: &Store, now: DateTime<Utc>) -> Result<Vec<Shown>, StoreError> {
    Ok(store
        .silences(now)
        .await?
        .into_iter()
        .map(|silence| Shown {
            id: silence.id,
            kind: silence.kind().to_owned(),
            pattern: silence.pattern().to_owned(),
            starts_at: (silence.starts_at > now).then_some(silence.starts_at),
            expires_at: silence.expires_at,
            created_by: display_actor(&silence.created_by),
            reason: silence.reason,
        })
        .collect())
}

/// `/oncall`: the shift running now, after handing it over to `handover` when asked (the caller checks who may).
pub async fn oncall(
    store: &Store,
    rotation: Option<&Rotation>,
    handover: Option<&str>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Reply, StoreError> {
    let Some(rotation) = rotation else { return Ok(Reply::Refused(oncall::NO_ROTATION.into())) };
    if let Some(raw) = handover {
        let to = match oncall::handover_to(raw, &rotation.people) {
            Ok(to) => to,
            Err(error) => return Ok(Reply::Refused(error.0)),
        };
        store.add_handover(&to, now, &actor.id).await?;
    }
    let handovers = store.handovers(now - rotation.shift).await?;
    let shift = rotation.at(now, &handovers).map(|on_call| oncall::Shift {
        person: on_call.person,
        until: on_call.until,
        next: on_call.next,
        handed_over_by: on_call.handed_over.map(|handover| display_actor(&handover.by)),
    });
    Ok(Reply::Done(oncall::render(shift.as_ref())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::glob::Glob;

    #[test]
    fn a_silence_pattern_matches_exactly_the_alarm_name() {
        let pattern = glob_literal("weird*name[1]");
        let glob = Glob::new(&pattern).unwrap();
        assert!(glob.matches("weird*name[1]"));
        assert!(!glob.matches("weirdXname1"));
    }

    #[test]
    fn lines_say_who_did_what() {
        let actor = Actor { id: "discord:7".into(), display: "<@7>".into() };
        let now: DateTime<Utc> = "2026-11-20T14:06:00Z".parse().unwrap();
        assert_eq!(line(Intervention::Acknowledge, &actor, now), "Acknowledged by <@7>");
        let hour = Intervention::Silence(std::time::Duration::from_secs(3600));
        assert_eq!(line(hour, &actor, now), "Silenced by <@7> until 15:06 on 2026-11-20 UTC");
    }
}

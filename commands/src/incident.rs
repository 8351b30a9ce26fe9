//! `/incident [id]`: the open incidents, or one incident with its timeline.

use std::fmt::Write;

/// How `/help` lists this command: usage, what it does, and an example to copy.
pub const HELP: (&str, &str, &str) = (
    "/incident [id] [function]",
    "the open incidents (of one function), or one incident with its timeline",
    "/incident inc-3f9a1c07d2",
);

/// An incident as the command shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    pub id: String,
    pub title: String,
    pub status: String,
    pub channel: String,
    /// `2026-11-20 14:02 UTC`.
    pub opened: String,
}

/// One timeline entry: `14:06 acknowledged by <@7> (button)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub at: String,
    pub kind: String,
    pub actor: String,
    pub via: String,
    pub note: String,
}

/// Incident ids look like `inc-3f9a1c07d2`.
pub fn validate_id(raw: &str) -> Result<&str, crate::args::ArgError> {
    let raw = raw.trim();
    let ok = raw.len() == 14 && raw.starts_with("inc-") && raw[4..].chars().all(|c| c.is_ascii_hexdigit());
    if ok {
        Ok(raw)
    } else {
        Err(crate::args::ArgError(format!("`id` must look like inc-3f9a1c07d2; got {}", crate::text::echo(raw))))
    }
}

pub fn render_open(incidents: &[Incident]) -> String {
    if incidents.is_empty() {
        return "No open incidents.".into();
    }
    let mut text = format!("{} open incident{}:\n", incidents.len(), if incidents.len() == 1 { "" } else { "s" });
    for incident in incidents.iter().take(20) {
        let _ = writeln!(
            text,
            "`{}` {} · {} · #{} · since {}",
            incident.id, incident.title, incident.status, incident.channel, incident.opened
        );
    }
    if incidents.len() > 20 {
        let _ = writeln!(text, "… and {} more.", incidents.len() - 20);
    }
    text
}

pub fn render_one(incident: &Incident, timeline: &[Entry]) -> String {
    let mut text = format!(
        "`{}` **{}**\n{} · #{} · opened {}\n",
        incident.id, incident.title, incident.status, incident.channel, incident.opened
    );
    for entry in timeline.iter().rev().take(25).rev() {
        let _ = writeln!(text, "{} {} — {} via {}: {}", entry.at, entry.kind, entry.actor, entry.via, entry.note);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_must_look_like_an_incident_id() {
        assert_eq!(validate_id(" inc-3f9a1c07d2 ").unwrap(), "inc-3f9a1c07d2");
        assert!(validate_id("42").unwrap_err().0.contains("must look like inc-3f9a1c07d2"));
    }

    #[test]
    fn no_open_incidents_says_so() {
        assert_eq!(render_open(&[]), "No open incidents.");
    }
}

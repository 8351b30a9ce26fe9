//! `/oncall`: who is on call now, until when, and who is next; `handover:@name` gives the rest of the shift to
//! someone else in the rotation.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::args::ArgError;
use crate::text;

/// How `/help` lists this command: usage, what it does, and an example to copy.
pub const HELP: (&str, &str, &str) = (
    "/oncall [handover]",
    "who is on call until when, and who is next; handover: gives the rest of the shift to someone",
    "/oncall handover:@eve",
);

/// The shift as the answer shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Shift {
    pub person: String,
    pub until: DateTime<Utc>,
    pub next: String,
    /// Who handed the shift over, when someone did.
    pub handed_over_by: Option<String>,
}

pub const NO_ROTATION: &str = "No on-call rotation is configured: add an [oncall] section with the rotation.";

pub fn render(shift: Option<&Shift>) -> String {
    let Some(shift) = shift else { return "Nobody is on call: the rotation has not started yet.".into() };
    let by = shift.handed_over_by.as_ref().map(|by| format!(" (handed over by {by})")).unwrap_or_default();
    // Handles come from config, not from AWS; the reply is sent with no mention allowed anyway.
    format!(
        "On call: **{}**{by} until {} UTC. Next: {}.",
        shift.person,
        shift.until.format("%a %Y-%m-%d %H:%M"),
        shift.next
    )
}

pub fn json(shift: Option<&Shift>) -> Value {
    match shift {
        Some(shift) => json!({
            "person": shift.person,
            "until": text::rfc3339(shift.until),
            "next": shift.next,
            "handed_over_by": shift.handed_over_by,
        }),
        None => Value::Null,
    }
}

/// The person to hand over to: someone in the rotation, written with or without `@`.
pub fn handover_to(raw: &str, rotation: &[String]) -> Result<String, ArgError> {
    let wanted = format!("@{}", raw.trim().trim_start_matches('@'));
    rotation.iter().find(|handle| handle.eq_ignore_ascii_case(&wanted)).cloned().ok_or_else(|| {
        ArgError(format!(
            "`handover` must be someone in the rotation ({}); got {}",
            rotation.join(", "),
            text::echo(raw.trim())
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_names_who_until_when_and_who_is_next() {
        let shift = Shift {
            person: "@dana".into(),
            until: "2026-11-30T09:00:00Z".parse().unwrap(),
            next: "@eve".into(),
            handed_over_by: Some("<@7>".into()),
        };
        assert_eq!(
            render(Some(&shift)),
            "On call: **@dana** (handed over by <@7>) until Mon 2026-11-30 09:00 UTC. Next: @eve."
        );
        assert_eq!(json(Some(&shift))["until"], "2026-11-30T09:00:00Z");
    }

    #[test]
    fn only_someone_in_the_rotation_can_take_over() {
        let rotation = ["@dana".to_owned(), "@eve".to_owned()];
        assert_eq!(handover_to("eve", &rotation).unwrap(), "@eve");
        assert_eq!(handover_to("@Dana", &rotation).unwrap(), "@dana");
        assert!(handover_to("@sam", &rotation).unwrap_err().0.contains("someone in the rotation (@dana, @eve)"));
    }
}

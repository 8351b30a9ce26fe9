//! `/silence`: list the silences in force, add one for an alarm, a resource or a Health event type, or remove
//! one. Silenced incidents are still recorded; they are only kept out of chat.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::args::{ArgError, Since};
use crate::text;

/// How `/help` lists this command: usage, what it does, and an example to copy.
pub const HELP: (&str, &str, &str) = (
    "/silence [alarm|resource|health] [for] [remove]",
    "list the silences, silence an alarm, resource or Health type for a while, or remove one",
    "/silence alarm:checkout-* for:4h",
);

/// What a silence matches, as the store names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Alarm,
    Resource,
    HealthType,
}

impl Target {
    /// The store's name: `alarm`, `resource`, `health_type`.
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Alarm => "alarm",
            Target::Resource => "resource",
            Target::HealthType => "health_type",
        }
    }

    fn human(kind: &str) -> &str {
        match kind {
            "health_type" => "Health type",
            other => other,
        }
    }
}

/// What `/silence` was asked to do.
#[derive(Debug, Clone, PartialEq)]
pub enum SilenceAsk {
    List,
    Add { target: Target, pattern: String, duration: Since },
    Remove { id: i64 },
}

/// Reads the options: at most one of `alarm`, `resource`, `health` (a name glob) with `for`, or `remove`.
pub fn ask(
    alarm: Option<&str>,
    resource: Option<&str>,
    health: Option<&str>,
    duration: Option<&str>,
    remove: Option<&str>,
) -> Result<SilenceAsk, ArgError> {
    let targets: Vec<(Target, &str)> =
        [(Target::Alarm, alarm), (Target::Resource, resource), (Target::HealthType, health)]
            .into_iter()
            .filter_map(|(target, pattern)| Some((target, pattern?)))
            .collect();
    match (targets.as_slice(), remove) {
        ([], None) => Ok(SilenceAsk::List),
        ([], Some(id)) => {
            let id = id.trim().trim_start_matches('#');
            let id = id.parse().map_err(|_| ArgError(format!("`remove` takes a silence number like 3; got `{id}`")))?;
            Ok(SilenceAsk::Remove { id })
        }
        ([(target, pattern)], None) => Ok(SilenceAsk::Add {
            target: *target,
            pattern: glob(pattern)?,
            duration: Since::parse(duration.unwrap_or("1h"))
                .map_err(|_| ArgError("`for` must be like 30m, 4h or 7d, at most 30d".into()))?,
        }),
        _ => Err(ArgError("Give one of alarm:, resource: or health: (with for:), or remove: alone.".into())),
    }
}

/// A name glob: 1–256 characters, no spaces, and not `*` alone, which would silence everything.
fn glob(raw: &str) -> Result<String, ArgError> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > 256 || raw.contains(char::is_whitespace) {
        return Err(ArgError("a silence pattern is a name or a glob like checkout-*, without spaces".into()));
    }
    if raw.chars().all(|c| c == '*' || c == '?') {
        return Err(ArgError(
            "a pattern that matches everything would silence every alert; name what to silence".into(),
        ));
    }
    Ok(raw.to_owned())
}

/// A silence as the list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub id: i64,
    /// `alarm`, `resource`, `health_type`.
    pub kind: String,
    pub pattern: String,
    pub expires_at: DateTime<Utc>,
    pub created_by: String,
    pub reason: String,
}

pub fn render_list(silences: &[Shown]) -> String {
    if silences.is_empty() {
        return "No silences are in force.".into();
    }
    let mut text = format!("**{} in force**\n", text::plural(silences.len() as u64, "silence", "silences"));
    for silence in silences.iter().take(25) {
        let _ = writeln!(
            text,
            "#{} {} {} until {} UTC · by {} · {}",
            silence.id,
            Target::human(&silence.kind),
            text::code_span(&silence.pattern),
            silence.expires_at.format("%Y-%m-%d %H:%M"),
            silence.created_by,
            text::one_line(&text::defuse_mentions(&silence.reason), 100)
        );
    }
    text.trim_end().to_owned()
}

pub fn json(silences: &[Shown]) -> Value {
    Value::Array(
        silences
            .iter()
            .map(|s| {
                json!({"id": s.id, "kind": s.kind, "pattern": s.pattern, "until": text::rfc3339(s.expires_at),
                       "created_by": s.created_by, "reason": s.reason})
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_options_lists_and_one_target_adds_for_an_hour_by_default() {
        assert_eq!(ask(None, None, None, None, None).unwrap(), SilenceAsk::List);
        let add = ask(Some("checkout-*"), None, None, None, None).unwrap();
        assert_eq!(
            add,
            SilenceAsk::Add {
                target: Target::Alarm,
                pattern: "checkout-*".into(),
                duration: Since::parse("1h").unwrap()
            }
        );
        assert_eq!(ask(None, None, None, None, Some("#3")).unwrap(), SilenceAsk::Remove { id: 3 });
    }

    #[test]
    fn mistakes_say_what_is_accepted() {
        assert!(ask(Some("a"), Some("b"), None, None, None).unwrap_err().0.contains("Give one of"));
        assert!(ask(Some("*"), None, None, None, None).unwrap_err().0.contains("every alert"));
        assert!(ask(None, Some("checkout api"), None, None, None).unwrap_err().0.contains("without spaces"));
        assert!(ask(Some("a"), None, None, Some("forever"), None).unwrap_err().0.contains("`for` must be like"));
        assert!(ask(None, None, None, None, Some("x")).unwrap_err().0.contains("silence number"));
    }

    #[test]
    fn the_list_says_what_until_when_and_by_whom() {
        let shown = Shown {
            id: 3,
            kind: "health_type".into(),
            pattern: "AWS_EC2_*".into(),
            expires_at: "2026-11-20T15:10:00Z".parse().unwrap(),
            created_by: "<@7>".into(),
            reason: "maintenance @everyone".into(),
        };
        let text = render_list(&[shown]);
        assert!(
            text.starts_with("**1 silence in force**\n#3 Health type `AWS_EC2_*` until 2026-11-20 15:10 UTC · by <@7>"),
            "{text}"
        );
        assert!(!text.contains("@everyone "), "{text}");
    }
}

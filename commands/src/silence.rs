//! `/silence`: list the silences in force or scheduled, add one for an alarm, a resource or a Health event type
//! (now for a while, or over a window that starts later), or remove one. Silenced incidents are still recorded;
//! they are only kept out of chat.

use std::fmt::Write;
use std::ops::Range;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::args::{ArgError, Since};
use crate::text;

/// How `/help` lists this command: usage, what it does, and an example to copy.
pub const HELP: (&str, &str, &str) = (
    "/silence [alarm|resource|health] [for] [from] [until] [remove]",
    "list the silences, silence an alarm, resource or Health type for a while or for a window later, or remove one",
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
    Add { target: Target, pattern: String, window: Window },
    Remove { id: i64 },
}

/// `/silence`'s options as typed, each `None` when left out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options<'a> {
    pub alarm: Option<&'a str>,
    pub resource: Option<&'a str>,
    pub health: Option<&'a str>,
    /// `for:`.
    pub duration: Option<&'a str>,
    pub from: Option<&'a str>,
    pub until: Option<&'a str>,
    pub remove: Option<&'a str>,
}

/// When a silence is in force, as typed. Whether it is over or too long depends on when it is added, so
/// [`Window::resolve`] reads it against the clock then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// `from:`; when it is added when left out.
    pub from: Option<DateTime<Utc>>,
    pub end: End,
}

/// How a silence's end was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// `for:`, counted from the start; an hour when neither `for:` nor `until:` is given.
    For(Since),
    /// `until:`.
    Until(DateTime<Utc>),
}

impl Window {
    /// From now, for `duration`.
    pub fn lasting(duration: Since) -> Self {
        Window { from: None, end: End::For(duration) }
    }

    /// The instants the silence is in force at `now`'s asking: from its start (now, if `from:` is already past)
    /// until just before its end. Refused when it is over already or lasts longer than 30 days.
    pub fn resolve(self, now: DateTime<Utc>) -> Result<Range<DateTime<Utc>>, ArgError> {
        let from = self.from.unwrap_or(now);
        let end = match self.end {
            End::For(duration) => from + chrono::Duration::from_std(duration.duration()).unwrap_or_default(),
            End::Until(until) => until,
        };
        if end <= now {
            return Err(ArgError(format!(
                "That window is in the past: it ends at {}, and it is {} now. Give a window that ends later.",
                minute(end),
                minute(now)
            )));
        }
        let start = from.max(now);
        if end - start > chrono::Duration::from_std(Since::MAX).unwrap_or_default() {
            return Err(too_long(start, end));
        }
        Ok(start..end)
    }
}

/// Reads the options: at most one of `alarm`, `resource`, `health` (a name glob) with `for`, `from` and
/// `until`, or `remove` alone.
pub fn ask(options: Options<'_>) -> Result<SilenceAsk, ArgError> {
    let Options { alarm, resource, health, remove, .. } = options;
    let targets: Vec<(Target, &str)> =
        [(Target::Alarm, alarm), (Target::Resource, resource), (Target::HealthType, health)]
            .into_iter()
            .filter_map(|(target, pattern)| Some((target, pattern?)))
            .collect();
    let timed = options.duration.is_some() || options.from.is_some() || options.until.is_some();
    match (targets.as_slice(), remove, timed) {
        ([], None, false) => Ok(SilenceAsk::List),
        ([], Some(id), false) => {
            let id = id.trim().trim_start_matches('#');
            let id = id.parse().map_err(|_| {
                ArgError(format!("`remove` takes a silence number like 3; got {}", crate::text::echo(id)))
            })?;
            Ok(SilenceAsk::Remove { id })
        }
        ([(target, pattern)], None, _) => {
            Ok(SilenceAsk::Add { target: *target, pattern: glob(pattern)?, window: window(options)? })
        }
        _ => Err(ArgError(
            "Give one of alarm:, resource: or health: (with for:, or from: and until:), or remove: alone.".into(),
        )),
    }
}

/// The window as typed; what needs no clock to check is checked here.
fn window(options: Options<'_>) -> Result<Window, ArgError> {
    let from = options.from.map(|raw| time("from", raw)).transpose()?;
    let end = match (options.duration, options.until) {
        (Some(_), Some(_)) => {
            return Err(ArgError("Give `for:` or `until:`, not both: `for:` counts from `from:`, or from now.".into()));
        }
        (None, Some(raw)) => End::Until(time("until", raw)?),
        (duration, None) => End::For(
            Since::parse(duration.unwrap_or("1h"))
                .map_err(|_| ArgError("`for` must be like 30m, 4h or 7d, at most 30d".into()))?,
        ),
    };
    if let (Some(from), End::Until(until)) = (from, end) {
        if until <= from {
            return Err(ArgError(format!("`until` ({}) must be after `from` ({}).", minute(until), minute(from))));
        }
        if until - from > chrono::Duration::from_std(Since::MAX).unwrap_or_default() {
            return Err(too_long(from, until));
        }
    }
    Ok(Window { from, end })
}

/// Reads `from:` or `until:`: RFC 3339 with `Z` or an offset, seconds optional (`2026-12-01T22:00Z`).
pub fn time(option: &str, raw: &str) -> Result<DateTime<Utc>, ArgError> {
    let raw = raw.trim();
    // RFC 3339 requires seconds, which nobody types for a maintenance window: `22:00Z` reads as `22:00:00Z`.
    let full = match (raw.get(..16), raw.get(16..)) {
        (Some(head), Some(rest)) if head.as_bytes()[13] == b':' && !rest.starts_with(':') => {
            format!("{head}:00{rest}")
        }
        _ => raw.to_owned(),
    };
    DateTime::parse_from_rfc3339(&full).map(|at| at.with_timezone(&Utc)).map_err(|_| {
        ArgError(format!(
            "`{option}` must be an RFC 3339 time with Z or an offset, like 2026-12-01T22:00Z or \
             2026-12-01T23:00+01:00; got {}",
            text::code_span(raw)
        ))
    })
}

fn too_long(start: DateTime<Utc>, end: DateTime<Utc>) -> ArgError {
    ArgError(format!(
        "A silence lasts at most 30 days; {} to {} is longer. Add another when it ends.",
        minute(start),
        minute(end)
    ))
}

/// `2026-12-01 22:00 UTC`.
fn minute(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// What the reply says after adding a silence over `window` at `now`.
pub fn render_added(target: Target, pattern: &str, window: &Range<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    format!(
        "Silenced {} {} {}. Incidents are still recorded; /silence lists it.",
        target.as_str().replace('_', " "),
        text::code_span(pattern),
        when(window, now)
    )
}

/// `until 2026-11-20 15:10 UTC` for a silence in force now; `from 22:00 to 23:30 UTC on 2026-12-01`, or
/// `from 2026-12-01 22:00 to 2026-12-02 01:00 UTC` across midnight, for one that starts later.
fn when(window: &Range<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Range { start, end } = window;
    if *start <= now {
        return format!("until {}", minute(*end));
    }
    if start.date_naive() == end.date_naive() {
        return format!(
            "from {} to {} UTC on {}",
            start.format("%H:%M"),
            end.format("%H:%M"),
            start.format("%Y-%m-%d")
        );
    }
    format!("from {} to {}", start.format("%Y-%m-%d %H:%M"), minute(*end))
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
    /// When it starts, for one scheduled to start later; `None` for one in force.
    pub starts_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
    pub created_by: String,
    pub reason: String,
}

pub fn render_list(silences: &[Shown]) -> String {
    if silences.is_empty() {
        return "No silences are in force.".into();
    }
    let mut text = format!("**{}**\n", heading(silences));
    for silence in silences.iter().take(25) {
        let when = match silence.starts_at {
            Some(start) => format!("from {} until {}", start.format("%Y-%m-%d %H:%M"), minute(silence.expires_at)),
            None => format!("until {}", minute(silence.expires_at)),
        };
        let _ = writeln!(
            text,
            "#{} {} {} {when} · by {} · {}",
            silence.id,
            Target::human(&silence.kind),
            text::code_span(&silence.pattern),
            silence.created_by,
            text::one_line(&text::defuse_mentions(&silence.reason), 100)
        );
    }
    text.trim_end().to_owned()
}

/// `2 silences in force`, `1 silence scheduled`, `2 silences in force, 1 scheduled`.
fn heading(silences: &[Shown]) -> String {
    let scheduled = silences.iter().filter(|silence| silence.starts_at.is_some()).count() as u64;
    let in_force = silences.len() as u64 - scheduled;
    match (in_force, scheduled) {
        (n, 0) => format!("{} in force", text::plural(n, "silence", "silences")),
        (0, n) => format!("{} scheduled", text::plural(n, "silence", "silences")),
        (n, later) => format!("{} in force, {later} scheduled", text::plural(n, "silence", "silences")),
    }
}

pub fn json(silences: &[Shown]) -> Value {
    Value::Array(
        silences
            .iter()
            .map(|s| {
                json!({"id": s.id, "kind": s.kind, "pattern": s.pattern, "from": s.starts_at.map(text::rfc3339),
                       "until": text::rfc3339(s.expires_at), "created_by": s.created_by, "reason": s.reason})
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(raw: &str) -> DateTime<Utc> {
        raw.parse().unwrap()
    }

    fn alarm(pattern: &str) -> Options<'_> {
        Options { alarm: Some(pattern), ..Options::default() }
    }

    fn window_of(options: Options<'_>) -> Window {
        match ask(options).unwrap() {
            SilenceAsk::Add { window, .. } => window,
            other => panic!("not an add: {other:?}"),
        }
    }

    fn error(options: Options<'_>) -> String {
        ask(options).unwrap_err().0
    }

    const NOW: &str = "2026-11-20T14:06:00Z";

    #[test]
    fn no_options_lists_and_one_target_adds_for_an_hour_from_now_by_default() {
        assert_eq!(ask(Options::default()).unwrap(), SilenceAsk::List);
        let add = ask(alarm("checkout-*")).unwrap();
        assert_eq!(
            add,
            SilenceAsk::Add {
                target: Target::Alarm,
                pattern: "checkout-*".into(),
                window: Window::lasting(Since::parse("1h").unwrap())
            }
        );
        let remove = ask(Options { remove: Some("#3"), ..Options::default() }).unwrap();
        assert_eq!(remove, SilenceAsk::Remove { id: 3 });
    }

    #[test]
    fn from_and_until_read_rfc_3339_with_or_without_seconds_and_with_z_or_an_offset() {
        let window = window_of(Options {
            from: Some("2026-12-01T22:00Z"),
            until: Some("2026-12-02T01:00:00+01:00"),
            ..alarm("orders-*")
        });

        assert_eq!(
            window,
            Window { from: Some(at("2026-12-01T22:00:00Z")), end: End::Until(at("2026-12-02T00:00:00Z")) }
        );
    }

    #[test]
    fn from_alone_lasts_an_hour_and_from_with_for_lasts_that_long() {
        let from = Some("2026-12-01T22:00:00Z");
        let hour = window_of(Options { from, ..alarm("orders-*") });
        let four = window_of(Options { from, duration: Some("4h"), ..alarm("orders-*") });

        assert_eq!(hour.resolve(at(NOW)).unwrap(), at("2026-12-01T22:00:00Z")..at("2026-12-01T23:00:00Z"));
        assert_eq!(four.resolve(at(NOW)).unwrap(), at("2026-12-01T22:00:00Z")..at("2026-12-02T02:00:00Z"));
    }

    #[test]
    fn until_alone_runs_from_now() {
        let window = window_of(Options { until: Some("2026-11-20T18:00Z"), ..alarm("orders-*") });

        assert_eq!(window.resolve(at(NOW)).unwrap(), at(NOW)..at("2026-11-20T18:00:00Z"));
    }

    #[test]
    fn a_start_already_past_means_now() {
        let window =
            window_of(Options { from: Some("2026-11-20T14:00Z"), until: Some("2026-11-20T15:00Z"), ..alarm("a") });

        assert_eq!(window.resolve(at(NOW)).unwrap(), at(NOW)..at("2026-11-20T15:00:00Z"));
    }

    #[test]
    fn a_time_that_does_not_read_says_the_format_expected() {
        let message = error(Options { from: Some("tomorrow"), ..alarm("orders-*") });
        assert_eq!(
            message,
            "`from` must be an RFC 3339 time with Z or an offset, like 2026-12-01T22:00Z or 2026-12-01T23:00+01:00; \
             got `tomorrow`"
        );
        let message = error(Options { until: Some("2026-12-01T22:00"), ..alarm("orders-*") });
        assert!(message.starts_with("`until` must be an RFC 3339 time with Z or an offset"), "{message}");
    }

    #[test]
    fn until_before_from_is_refused() {
        let message =
            error(Options { from: Some("2026-12-01T22:00Z"), until: Some("2026-12-01T21:00Z"), ..alarm("a") });

        assert_eq!(message, "`until` (2026-12-01 21:00 UTC) must be after `from` (2026-12-01 22:00 UTC).");
    }

    #[test]
    fn for_and_until_together_are_refused() {
        let message = error(Options { duration: Some("4h"), until: Some("2026-12-01T21:00Z"), ..alarm("a") });

        assert!(message.starts_with("Give `for:` or `until:`, not both"), "{message}");
    }

    #[test]
    fn a_window_longer_than_30_days_is_refused() {
        let typed = Options { from: Some("2026-12-01T22:00Z"), until: Some("2027-01-15T22:00Z"), ..alarm("a") };
        assert_eq!(
            error(typed),
            "A silence lasts at most 30 days; 2026-12-01 22:00 UTC to 2027-01-15 22:00 UTC is longer. \
             Add another when it ends."
        );
        let until = window_of(Options { until: Some("2027-01-15T22:00Z"), ..alarm("a") });
        assert!(until.resolve(at(NOW)).unwrap_err().0.starts_with("A silence lasts at most 30 days"));
    }

    #[test]
    fn a_window_in_the_past_is_refused() {
        let window =
            window_of(Options { from: Some("2026-11-01T22:00Z"), until: Some("2026-11-02T01:00Z"), ..alarm("a") });

        assert_eq!(
            window.resolve(at(NOW)).unwrap_err().0,
            "That window is in the past: it ends at 2026-11-02 01:00 UTC, and it is 2026-11-20 14:06 UTC now. \
             Give a window that ends later."
        );
    }

    #[test]
    fn a_time_without_a_target_is_refused_rather_than_listing() {
        let message = error(Options { from: Some("2026-12-01T22:00Z"), ..Options::default() });

        assert!(message.starts_with("Give one of alarm:, resource: or health:"), "{message}");
    }

    #[test]
    fn mistakes_say_what_is_accepted() {
        assert!(error(Options { resource: Some("b"), ..alarm("a") }).contains("Give one of"));
        assert!(error(alarm("*")).contains("every alert"));
        assert!(error(Options { resource: Some("checkout api"), ..Options::default() }).contains("without spaces"));
        assert!(error(Options { duration: Some("forever"), ..alarm("a") }).contains("`for` must be like"));
        assert!(error(Options { remove: Some("x"), ..Options::default() }).contains("silence number"));
    }

    #[test]
    fn the_reply_says_until_when_or_from_when_to_when() {
        let now = at(NOW);
        let in_force = now..at("2026-11-20T18:06:00Z");
        let tonight = at("2026-12-01T22:00:00Z")..at("2026-12-01T23:30:00Z");
        let overnight = at("2026-12-01T22:00:00Z")..at("2026-12-02T01:00:00Z");

        assert_eq!(
            render_added(Target::Alarm, "orders-*", &in_force, now),
            "Silenced alarm `orders-*` until 2026-11-20 18:06 UTC. Incidents are still recorded; /silence lists it."
        );
        assert!(
            render_added(Target::HealthType, "AWS_EC2_*", &tonight, now)
                .starts_with("Silenced health type `AWS_EC2_*` from 22:00 to 23:30 UTC on 2026-12-01.")
        );
        assert!(
            render_added(Target::Alarm, "orders-*", &overnight, now)
                .starts_with("Silenced alarm `orders-*` from 2026-12-01 22:00 to 2026-12-02 01:00 UTC.")
        );
    }

    fn shown(id: i64, starts_at: Option<&str>) -> Shown {
        Shown {
            id,
            kind: "health_type".into(),
            pattern: "AWS_EC2_*".into(),
            starts_at: starts_at.map(at),
            expires_at: at("2026-12-02T01:00:00Z"),
            created_by: "<@7>".into(),
            reason: "maintenance @everyone".into(),
        }
    }

    #[test]
    fn the_list_says_what_until_when_and_by_whom() {
        let text = render_list(&[shown(3, None)]);
        assert!(
            text.starts_with("**1 silence in force**\n#3 Health type `AWS_EC2_*` until 2026-12-02 01:00 UTC · by <@7>"),
            "{text}"
        );
        assert!(!text.contains("@everyone "), "{text}");
    }

    #[test]
    fn the_list_shows_a_scheduled_silence_from_when_until_when() {
        let text = render_list(&[shown(3, None), shown(4, Some("2026-12-01T22:00:00Z"))]);

        assert!(text.starts_with("**1 silence in force, 1 scheduled**\n"), "{text}");
        assert!(
            text.contains("\n#4 Health type `AWS_EC2_*` from 2026-12-01 22:00 until 2026-12-02 01:00 UTC · by"),
            "{text}"
        );
        let json = json(&[shown(4, Some("2026-12-01T22:00:00Z"))]);
        assert_eq!(
            (json[0]["from"].as_str(), json[0]["until"].as_str()),
            (Some("2026-12-01T22:00:00Z"), Some("2026-12-02T01:00:00Z"))
        );
    }
}

//! A command line as typed in chat or to `opspod ask`, read into the command it asks for.

use std::collections::BTreeMap;

use crate::args::{ArgError, FunctionName, Since};
use crate::incident;
use crate::text;

/// A command line as typed in chat or to `opspod ask`: "/errors checkout-api since:24h".
#[derive(Debug, Clone, PartialEq)]
pub enum Ask {
    Errors {
        function: Option<FunctionName>,
        since: Since,
    },
    ColdStarts {
        function: Option<FunctionName>,
        since: Since,
    },
    Cost {
        function: Option<FunctionName>,
        since: Since,
    },
    BugReport {
        function: FunctionName,
        since: Since,
    },
    Incident {
        id: Option<String>,
    },
    Alarms,
    Health,
    Silence(crate::silence::SilenceAsk),
    /// `handover` is checked against the rotation by the caller, which knows it.
    OnCall {
        handover: Option<String>,
    },
    /// The reliability digest; `team` is checked against the owners by the caller, which knows them.
    Digest {
        team: Option<String>,
        since: Since,
    },
    Help,
}

/// The built-in commands' names, which custom commands cannot take.
pub const BUILTINS: [&str; 11] = [
    "errors",
    "coldstarts",
    "cost",
    "bugreport",
    "incident",
    "alarms",
    "health",
    "silence",
    "oncall",
    "digest",
    "help",
];

/// A command's name and its options, in the order they are taken positionally.
struct Spec {
    name: &'static str,
    options: &'static [&'static str],
}

const SPECS: [Spec; 11] = [
    Spec { name: "errors", options: &["function", "since"] },
    Spec { name: "coldstarts", options: &["function", "since"] },
    Spec { name: "cost", options: &["function", "since"] },
    Spec { name: "bugreport", options: &["function", "since"] },
    Spec { name: "incident", options: &["id"] },
    Spec { name: "alarms", options: &[] },
    Spec { name: "health", options: &[] },
    Spec { name: "silence", options: &["alarm", "resource", "health", "for", "from", "until", "remove"] },
    Spec { name: "oncall", options: &["handover"] },
    Spec { name: "digest", options: &["team", "since"] },
    Spec { name: "help", options: &[] },
];

/// Reads `/errors checkout-api 24h`, `/errors function:checkout-api since:24h` or `/errors since: 7d`.
/// The leading `/` is optional; `since` defaults to 24h. The error says what went wrong and what is accepted,
/// and never echoes a mention back to chat.
pub fn parse(line: &str) -> Result<Ask, ArgError> {
    parse_line(line).map_err(|error| ArgError(text::defuse_mentions(&error.0)))
}

fn parse_line(line: &str) -> Result<Ask, ArgError> {
    let mut words = line.split_whitespace();
    let typed = words.next().unwrap_or_default();
    let name = typed.strip_prefix('/').unwrap_or(typed).to_ascii_lowercase();
    let spec = SPECS.iter().find(|spec| spec.name == name).ok_or_else(|| unknown_command(typed))?;
    let options = read_options(spec, words)?;
    build(spec, &options)
}

fn build(spec: &Spec, options: &BTreeMap<&'static str, String>) -> Result<Ask, ArgError> {
    let since = || options.get("since").map_or(Ok(Since::DEFAULT), |raw| Since::parse(raw));
    let function = || options.get("function").map(|raw| FunctionName::parse(raw)).transpose();
    Ok(match spec.name {
        "errors" => Ask::Errors { function: function()?, since: since()? },
        "coldstarts" => Ask::ColdStarts { function: function()?, since: since()? },
        "cost" => Ask::Cost { function: function()?, since: since()? },
        "bugreport" => {
            Ask::BugReport { function: function()?.ok_or_else(bugreport_needs_a_function)?, since: since()? }
        }
        "incident" => Ask::Incident {
            id: options.get("id").map(|raw| incident::validate_id(raw).map(str::to_owned)).transpose()?,
        },
        "alarms" => Ask::Alarms,
        "oncall" => Ask::OnCall { handover: options.get("handover").cloned() },
        "silence" => {
            let get = |key: &str| options.get(key).map(String::as_str);
            Ask::Silence(crate::silence::ask(crate::silence::Options {
                alarm: get("alarm"),
                resource: get("resource"),
                health: get("health"),
                duration: get("for"),
                from: get("from"),
                until: get("until"),
                remove: get("remove"),
            })?)
        }
        "health" => Ask::Health,
        "digest" => Ask::Digest {
            team: options.get("team").cloned(),
            since: options.get("since").map_or(Ok(crate::digest::DEFAULT_SINCE), |raw| Since::parse(raw))?,
        },
        _ => Ask::Help,
    })
}

/// Named options (`since:24h`, or `since: 24h` as Discord shows them) and positional ones, in the spec's order.
fn read_options<'a>(
    spec: &Spec,
    mut words: impl Iterator<Item = &'a str>,
) -> Result<BTreeMap<&'static str, String>, ArgError> {
    let mut options = BTreeMap::new();
    while let Some(word) = words.next() {
        let (option, value) = match named(word) {
            Some((key, "")) => (known_option(spec, key)?, words.next().ok_or_else(|| needs_a_value(key))?),
            Some((key, value)) => (known_option(spec, key)?, value),
            None => (next_positional(spec, &options, word)?, word),
        };
        validate(option, value)?;
        if options.insert(option, value.to_owned()).is_some() {
            return Err(ArgError(format!("`{option}` is given twice")));
        }
    }
    Ok(options)
}

/// Checks a value as soon as it is read, so the error is about the first mistake as typed: in
/// `/errors checkout api since:forever`, `api` (taken as `since`) is wrong before `since` is repeated.
fn validate(option: &str, value: &str) -> Result<(), ArgError> {
    match option {
        "since" => Since::parse(value).map(drop),
        "function" => FunctionName::parse(value).map(drop),
        "id" => incident::validate_id(value).map(drop),
        "from" | "until" => crate::silence::time(option, value).map(drop),
        "team" => crate::digest::validate_team(value),
        _ => Ok(()),
    }
}

/// `since:24h` → (`since`, `24h`). An ARN is full of colons but is a value, not an option.
fn named(word: &str) -> Option<(&str, &str)> {
    if word.starts_with("arn:") { None } else { word.split_once(':') }
}

fn known_option(spec: &Spec, key: &str) -> Result<&'static str, ArgError> {
    let key = key.to_ascii_lowercase();
    spec.options.iter().copied().find(|option| *option == key).ok_or_else(|| unknown_option(spec, &key))
}

/// The first option not given yet takes a positional word, except that a word that reads as a duration is
/// `since`: `/errors 7d` means the last week, and a function named like a duration is still `function:7d`.
fn next_positional(
    spec: &Spec,
    options: &BTreeMap<&'static str, String>,
    word: &str,
) -> Result<&'static str, ArgError> {
    let wants_since = spec.options.contains(&"since") && !options.contains_key("since");
    if wants_since && Since::parse(word).is_ok() {
        return Ok("since");
    }
    spec.options.iter().copied().find(|option| !options.contains_key(option)).ok_or_else(|| too_many(spec, word))
}

fn command_list() -> String {
    SPECS.iter().map(|spec| format!("/{}", spec.name)).collect::<Vec<_>>().join(", ")
}

fn unknown_command(typed: &str) -> ArgError {
    if typed.is_empty() {
        return ArgError(format!("Type a command: {}.", command_list()));
    }
    ArgError(format!("Unknown command {}; the commands are {}.", text::code_span(typed), command_list()))
}

fn unknown_option(spec: &Spec, key: &str) -> ArgError {
    if spec.options.is_empty() {
        return ArgError(format!("/{} takes no options; got {}.", spec.name, text::code_span(key)));
    }
    ArgError(format!(
        "Unknown option {} for /{}; it accepts {}.",
        text::code_span(key),
        spec.name,
        spec.options.join(", ")
    ))
}

fn needs_a_value(key: &str) -> ArgError {
    ArgError(format!("{} needs a value, like since:24h.", text::code_span(key)))
}

fn too_many(spec: &Spec, word: &str) -> ArgError {
    if spec.options.is_empty() {
        return ArgError(format!("/{} takes no arguments; got {}.", spec.name, text::code_span(word)));
    }
    let usage: Vec<String> = spec.options.iter().map(|option| format!("[{option}]")).collect();
    ArgError(format!("Too many arguments at {}: /{} takes {}.", text::code_span(word), spec.name, usage.join(" ")))
}

fn bugreport_needs_a_function() -> ArgError {
    ArgError("/bugreport needs a function, like /bugreport checkout-api or /bugreport checkout-api since:7d.".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(name: &str) -> FunctionName {
        FunctionName::parse(name).unwrap()
    }

    fn since(raw: &str) -> Since {
        Since::parse(raw).unwrap()
    }

    fn error(line: &str) -> String {
        parse(line).unwrap_err().0
    }

    #[test]
    fn positional_arguments_take_the_function_first() {
        let ask = parse("/errors checkout-api 7d").unwrap();
        assert_eq!(ask, Ask::Errors { function: Some(function("checkout-api")), since: since("7d") });
    }

    #[test]
    fn named_arguments_work_in_any_order_and_with_a_space_after_the_colon() {
        let ask = parse("/coldstarts since:6h function:search-api").unwrap();
        assert_eq!(ask, Ask::ColdStarts { function: Some(function("search-api")), since: since("6h") });
        let ask = parse("/coldstarts function: search-api since: 6h").unwrap();
        assert_eq!(ask, Ask::ColdStarts { function: Some(function("search-api")), since: since("6h") });
    }

    #[test]
    fn since_defaults_to_a_day_and_the_slash_is_optional() {
        assert_eq!(parse("errors").unwrap(), Ask::Errors { function: None, since: since("24h") });
        assert_eq!(parse("  /HELP ").unwrap(), Ask::Help);
    }

    #[test]
    fn a_lone_duration_is_read_as_since() {
        assert_eq!(parse("/errors 7d").unwrap(), Ask::Errors { function: None, since: since("7d") });
        let ask = parse("/errors function:7d").unwrap();
        assert_eq!(ask, Ask::Errors { function: Some(function("7d")), since: since("24h") });
    }

    #[test]
    fn a_function_arn_is_a_value_not_an_option() {
        let ask = parse("/bugreport arn:aws:lambda:us-east-1:210987654321:function:checkout-api").unwrap();
        assert_eq!(ask, Ask::BugReport { function: function("checkout-api"), since: since("24h") });
    }

    #[test]
    fn incident_takes_an_optional_id() {
        assert_eq!(parse("/incident").unwrap(), Ask::Incident { id: None });
        assert_eq!(parse("/incident inc-3f9a1c07d2").unwrap(), Ask::Incident { id: Some("inc-3f9a1c07d2".into()) });
        assert!(error("/incident 42").contains("must look like inc-3f9a1c07d2"));
    }

    #[test]
    fn an_unknown_command_lists_the_commands() {
        let message = error("/weekly checkout-api");
        assert_eq!(
            message,
            "Unknown command `/weekly`; the commands are /errors, /coldstarts, /cost, /bugreport, /incident, /alarms, /health, /silence, /oncall, /digest, /help."
        );
        assert_eq!(
            error(""),
            "Type a command: /errors, /coldstarts, /cost, /bugreport, /incident, /alarms, /health, /silence, /oncall, /digest, /help."
        );
    }

    #[test]
    fn an_unknown_option_is_named_with_the_accepted_ones() {
        assert_eq!(
            error("/errors region:us-east-1"),
            "Unknown option `region` for /errors; it accepts function, since."
        );
        assert_eq!(error("/help verbose:yes"), "/help takes no options; got `verbose`.");
    }

    #[test]
    fn bugreport_without_a_function_says_it_needs_one() {
        assert!(error("/bugreport").starts_with("/bugreport needs a function"));
        assert!(error("/bugreport since:7d").starts_with("/bugreport needs a function"));
    }

    #[test]
    fn bad_values_say_what_is_accepted() {
        assert!(error("/errors since:1y").contains("must be like 15m, 24h or 7d"));
        assert!(error("/errors function:no/slashes").contains("must be a Lambda function name"));
        assert!(error("/errors since:").contains("`since` needs a value"));
    }

    #[test]
    fn the_first_mistake_as_typed_is_the_one_reported() {
        let message = error("/errors checkout api since:forever");
        assert!(message.starts_with("`since` must be like 15m, 24h or 7d, at most 30d; got `api`"), "{message}");
    }

    #[test]
    fn repeated_or_extra_arguments_are_refused() {
        assert_eq!(error("/errors a since:1h since:2h"), "`since` is given twice");
        assert_eq!(error("/errors a 1h b"), "Too many arguments at `b`: /errors takes [function] [since].");
        assert_eq!(error("/help me"), "/help takes no arguments; got `me`.");
    }

    #[test]
    fn silence_takes_a_window_from_and_until() {
        let ask = parse("/silence alarm:orders-* from: 2026-12-01T22:00Z until:2026-12-02T01:00Z").unwrap();
        let Ask::Silence(crate::silence::SilenceAsk::Add { window, .. }) = ask else { panic!("{ask:?}") };
        assert_eq!(window.from, Some("2026-12-01T22:00:00Z".parse().unwrap()));
        assert!(error("/silence alarm:orders-* from:tonight").starts_with("`from` must be an RFC 3339 time"));
        assert!(error("/silence alarm:orders-* until:").contains("`until` needs a value"));
    }

    #[test]
    fn errors_never_echo_a_mention() {
        for line in ["/@everyone", "/errors @here", "/errors since:@everyone", "/errors @everyone:1"] {
            let message = error(line);
            assert!(!message.contains("@everyone") && !message.contains("@here"), "{line}: {message}");
        }
    }
}

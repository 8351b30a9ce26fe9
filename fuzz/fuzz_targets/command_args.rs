//! Command lines as anyone in the channel may type them, through what reads them: `ask::parse` (the built-in
//! commands, with `/silence` windows resolved against a fixed clock), `custom::parse_line` over a fixed set of
//! custom command definitions (and `Definition::fill` with what it read), and `silence::time`.
//!
//! Input: the line as text (invalid UTF-8 replaced); every reader gets the same line.
//!
//! Properties, besides never panicking:
//! * an error shown to the user never holds a live mention (`@everyone`, `@here`, `<@…`): each `@` of one is
//!   followed by the zero-width space `text::defuse_mentions` inserts;
//! * a custom command's values are written into its query as literals, exactly as if each placeholder of the
//!   configured query were replaced once, so no value can change the query around it;
//! * a time `silence::time` accepts reads back the same from its RFC 3339 form.

#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use libfuzzer_sys::fuzz_target;
use opspod_commands::args::{ArgError, FunctionName, Since};
use opspod_commands::ask::{self, Ask, BUILTINS};
use opspod_commands::custom::{self, Definition, Kind, OptionDef};
use opspod_commands::silence::{self, SilenceAsk};

const ZERO_WIDTH_SPACE: char = '\u{200B}';

fuzz_target!(|data: &[u8]| {
    let line = String::from_utf8_lossy(data);
    let line = line.as_ref();

    match ask::parse(line) {
        Ok(Ask::Silence(SilenceAsk::Add { window, .. })) => {
            if let Err(error) = window.resolve(now()) {
                assert_defused("Window::resolve", line, &error);
            }
        }
        Ok(_) => {}
        Err(error) => assert_defused("ask::parse", line, &error),
    }

    match custom::parse_line(line, definitions()) {
        Some(Ok(invocation)) => check_fill(line, &definitions()[invocation.index].0, &invocation.values),
        Some(Err(error)) => assert_defused("custom::parse_line", line, &error),
        None => {}
    }

    for option in ["from", "until"] {
        match silence::time(option, line) {
            Ok(at) => assert_eq!(silence::time(option, &at.to_rfc3339()).as_ref(), Ok(&at), "{line:?}"),
            Err(error) => {
                assert!(error.0.starts_with(&format!("`{option}` must be")), "{error}");
                assert_defused("silence::time", line, &error);
            }
        }
    }
});

/// Two commands as a team would configure them: one reads a function's log group, the other takes two free-text
/// terms.
fn definitions() -> &'static [(Definition, Since)] {
    static DEFINITIONS: OnceLock<Vec<(Definition, Since)>> = OnceLock::new();
    DEFINITIONS.get_or_init(|| {
        let option = |name: &str, kind, required| OptionDef { name: name.into(), kind, required };
        let definitions = vec![
            (
                Definition {
                    name: "slow-orders".into(),
                    description: "Slow requests of one function".into(),
                    query: "fields @timestamp, @message | filter @message like {text} and @duration > {min_ms} \
                            | filter @log like {function} | sort @timestamp desc | limit 20"
                        .into(),
                    log_groups: vec!["/aws/lambda/{function}".into()],
                    options: vec![
                        option("function", Kind::Function, true),
                        option("text", Kind::Text, false),
                        option("min_ms", Kind::Number, false),
                    ],
                },
                Since::parse("6h").unwrap(),
            ),
            (
                Definition {
                    name: "search".into(),
                    description: "Lines with one term and without another".into(),
                    query: "fields @message | filter @message like {include} and @message not like {exclude}".into(),
                    log_groups: vec!["/aws/lambda/checkout-api".into()],
                    options: vec![option("include", Kind::Text, true), option("exclude", Kind::Text, false)],
                },
                Since::DEFAULT,
            ),
        ];
        for (definition, _) in &definitions {
            assert_eq!(definition.problems(&BUILTINS), Vec::<String>::new());
        }
        definitions
    })
}

fn now() -> DateTime<Utc> {
    "2026-12-01T12:00:00Z".parse().unwrap()
}

/// `fill` must agree with replacing each placeholder of the configured query once, by its value's literal.
fn check_fill(line: &str, definition: &Definition, values: &BTreeMap<String, String>) {
    let (query, groups) = match definition.fill(values) {
        Ok(filled) => filled,
        Err(error) => return assert_defused("Definition::fill", line, &error),
    };
    // What `fill` documents: a text or function value as a string literal, a number as a number, an optional value
    // left out as `""`; log groups get the plain value.
    let written = |option: &OptionDef| -> Option<(String, String)> {
        let value = values.get(&option.name)?.trim();
        Some(match option.kind {
            Kind::Text => (custom::string_literal(value), value.to_owned()),
            Kind::Number => {
                let number = value.parse::<f64>().expect("fill accepted a number").to_string();
                (number.clone(), number)
            }
            Kind::Function => {
                let function = FunctionName::parse(value).expect("fill accepted a function");
                (custom::string_literal(function.as_str()), function.as_str().to_owned())
            }
        })
    };
    let mut literals = BTreeMap::new();
    let mut plain = BTreeMap::new();
    for option in &definition.options {
        let (literal, value) = written(option).unzip();
        literals.insert(option.name.as_str(), literal.unwrap_or_else(|| "\"\"".to_owned()));
        plain.extend(value.map(|value| (option.name.as_str(), value)));
    }
    assert_eq!(query, replace_once(&definition.query, &literals), "a value changed the query around it: {line:?}");
    let expected: Vec<String> = definition.log_groups.iter().map(|group| replace_once(group, &plain)).collect();
    assert_eq!(groups, expected, "{line:?}");
    for group in &groups {
        let name = group.strip_prefix("/aws/lambda/").expect("a Lambda log group");
        assert!(FunctionName::parse(name).is_ok_and(|function| function.as_str() == name), "log group {group:?}");
    }
}

/// Each `{name}` of `template` replaced by its value, in one pass: what is written in is never read again.
fn replace_once(template: &str, values: &BTreeMap<&str, String>) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').and_then(|close| Some((close, values.get(&after[..close])?))) {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Every `@` that would start a mention is followed by a zero-width space.
fn assert_defused(source: &str, line: &str, error: &ArgError) {
    let message = error.0.as_str();
    for (at, _) in message.match_indices('@') {
        let after = &message[at + 1..];
        let word = after.get(..8).unwrap_or(after).to_ascii_lowercase();
        let mention = word.starts_with("everyone") || word.starts_with("here") || message[..at].ends_with('<');
        assert!(
            !mention || after.starts_with(ZERO_WIDTH_SPACE),
            "{source}: the error for {line:?} holds a live mention: {message:?}"
        );
    }
}
